#!/usr/bin/env bash
# Messages that name the right thing, on one line:
#   System V limits (each changed only inside a private IPC namespace, never
#     the host's): kernel.shmmax below the segment is exit 2 naming it;
#     exhausted kernel.shmall names shmall (not shmmni); exhausted shmmni
#     names shmmni; xfr's msgmni, queues_max and sem failures carry the
#     sysctl hint that run gives
#   a --name or a value with a newline: one escaped line
#   a value option given twice (run, sweep, xfr): exit 2, never last-wins
#   `ipclab version --bogus`: exit 2
#
#   bash tests/cli/messages.sh build/ipclab
set -uo pipefail
bin=$(readlink -f "$1")
work=$(mktemp -d /tmp/messages-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
passes=0 fails=0

# expect STATUS REGEX CMD...: exit status, one line of stderr matching REGEX.
expect() {
  local want=$1 re=$2 status; shift 2
  "$@" </dev/null >/dev/null 2>"$work/err"; status=$?
  if [ "$status" -ne "$want" ] || [ "$(wc -l <"$work/err")" -ne 1 ] ||
     ! grep -Eq -- "$re" "$work/err"; then
    echo "FAIL: $* -> status $status (want $want), stderr:"; cat "$work/err"
    fails=$((fails + 1))
  else
    passes=$((passes + 1))
  fi
}
refute() { # REGEX: the last stderr must not match
  if grep -Eq -- "$1" "$work/err"; then
    echo "FAIL: message says '$1':"; cat "$work/err"; fails=$((fails + 1))
  fi
}

quick=(--total 64K --reps 1 --warmup 0 --no-floor --quiet)
expect 2 "^ipclab: run: --transport given twice \(pipe, then fifo\): give it once" \
  "$bin" run -t pipe -t fifo -b 4K
expect 2 "^ipclab: run: --buf-size given twice \(4K, then 8K\): give it once" \
  "$bin" run -t pipe -b 4K -b 8K
expect 2 "^ipclab: run: --reps given twice" "$bin" run -t pipe -b 4K -r 1 --reps 2
expect 2 "^ipclab: sweep: --transport given twice \(pipe, then fifo\): give it once with a list" \
  "$bin" sweep -t pipe -t fifo -o "$work/sw"
expect 2 "^ipclab: xfr: --name given twice \(a, then b\): give it once" \
  "$bin" xfr reader -t fifo --name a --name b
expect 2 "^ipclab: version: takes no options" "$bin" version --bogus
expect 2 "^ipclab: xfr: --name 'a\\\\nb': use 1 to" "$bin" xfr reader -t fifo --name "$(printf 'a\nb')"
expect 2 "^ipclab: run: --buf-size 4\\\\nK: " "$bin" run -t pipe -b "$(printf '4\nK')"

if [ "$(id -u)" -ne 0 ] || ! unshare --ipc true 2>/dev/null; then
  echo "messages: $passes passed, $fails failed (System V limits not tested: needs root and unshare --ipc)"
  [ "$fails" -eq 0 ]; exit
fi
# in_ipcns SYSCTL=VALUE... -- CMD...: CMD in a fresh IPC namespace.
in_ipcns() {
  local sets=()
  while [ "$1" != -- ]; do sets+=("$1"); shift; done; shift
  unshare --ipc bash -c 'while [ "$1" != -- ]; do sysctl -qw "$1" || exit 99; shift; done; shift; exec "$@"' \
    sh "${sets[@]}" -- "$@"
}
expect 2 "^ipclab: run: --buf-size 8192: above the largest block sysv-shm can carry here \(0 bytes\): .*kernel.shmmax \(1024 bytes" \
  in_ipcns kernel.shmmax=1024 -- "$bin" run -t sysv-shm -b 8K "${quick[@]}"
expect 1 "shmget\(12288 bytes\): ENOSPC .* kernel.shmall \(1 pages .*sysctl -w kernel.shmall=" \
  in_ipcns kernel.shmall=1 -- "$bin" run -t sysv-shm -b 8K "${quick[@]}"
refute "shmmni"
expect 1 "shmget\(12288 bytes\): ENOSPC .* kernel.shmmni \(0\) segments exist already.*sysctl -w kernel.shmmni=" \
  in_ipcns kernel.shmmni=0 -- "$bin" run -t sysv-shm -b 8K "${quick[@]}"
refute "shmall"
expect 1 "^ipclab: xfr writer: sysv-msg: msgget .*kernel.msgmni.*ENOSPC.*raise the limit named above as root with sysctl -w" \
  in_ipcns kernel.msgmni=0 -- "$bin" xfr writer -t sysv-msg -b 1K --name "msg-$$" --timeout 2
expect 1 "^ipclab: xfr writer: sysv-shm: semget.*kernel.sem.*ENOSPC.*raise the limit named above as root with sysctl -w" \
  in_ipcns "kernel.sem=250 32000 32 0" -- "$bin" xfr writer -t sysv-shm -b 1K --name "sem-$$" --timeout 2
expect 1 "^ipclab: xfr writer: posix-mq: mq_open.*fs.mqueue.queues_max.*ENOSPC.*raise the limit named above as root with sysctl -w" \
  in_ipcns fs.mqueue.queues_max=0 -- "$bin" xfr writer -t posix-mq -b 1K --name "mq-$$" --timeout 2
left=$(ls -d /tmp/ipclab-msg-$$ /tmp/ipclab-sem-$$ /tmp/ipclab-mq-$$ 2>/dev/null)
[ -z "$left" ] || { echo "FAIL: left: $left"; fails=$((fails + 1)); }

echo "messages: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
