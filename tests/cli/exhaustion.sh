#!/usr/bin/env bash
# Resource exhaustion: each limit ends the run with exit 1 or 2 (never a
# signal, never a hang), one message naming the resource and the fix, and
# nothing left behind.
#
#   /dev/shm too small (root: a private mount namespace with a tiny tmpfs
#     on /dev/shm): refused before anything is touched (fstatvfs pre-check),
#     including the second region of a ping-pong run; two runs racing for
#     the same space: the loser ends with an error naming SIGBUS and
#     /dev/shm, not a crash or a hang
#   EMFILE (ulimit -n 4 .. 8) for every transport
#   System V and POSIX queue limits (root: a private IPC namespace with
#     kernel.shmmni / kernel.sem / kernel.msgmni / fs.mqueue.queues_max set
#     low and exhausted)
#   RLIMIT_MSGQUEUE (ulimit -q) too small for posix-mq
#
#   bash tests/cli/exhaustion.sh build/ipclab
set -uo pipefail
bin=$(readlink -f "$1")
. "$(dirname "$0")/lib.sh" exhaustion

short=(--total 1M --reps 1 --warmup 0 --min-time 0.001 --no-floor --format csv)

# verdict NAME STATUS ERRFILE LEFT REGEX...: exit 1 or 2, stderr matching
# every REGEX (case-insensitive), nothing left.
verdict() {
  local name=$1 status=$2 err=$3 left=$4 re
  shift 4
  injected=$((injected + 1))
  if [ "$status" != 1 ] && [ "$status" != 2 ]; then
    fail "$name: exit $status, want 1 or 2"; cat "$err"; return
  fi
  if grep -Eq "AddressSanitizer|runtime error" "$err"; then
    fail "$name: sanitizer report"; cat "$err"; return
  fi
  for re in "$@"; do
    if ! grep -Eiq -- "$re" "$err"; then
      fail "$name: stderr does not match /$re/:"; cat "$err"; return
    fi
  done
  if [ -n "$left" ]; then
    fail "$name: left behind: $left"; return
  fi
  pass
  echo "ok: $name: exit $status: $(grep -m1 '^ipclab' "$err" | cut -c1-160)..."
}

root=0
[ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null && unshare --ipc true 2>/dev/null && root=1

# ---- /dev/shm too small ----
# tiny_shm SIZE OUT ARGS...: run ipclab in a private mount namespace whose
# /dev/shm is a tmpfs of SIZE; OUT.err gets stderr, OUT.left what remains in
# that /dev/shm afterwards, OUT.rc the exit status.
tiny_shm() {
  local size=$1 out=$2
  shift 2
  unshare -m bash -c '
    size=$1 out=$2; shift 2
    mount -t tmpfs -o size="$size",mode=1777 tmpfs /dev/shm || exit 99
    "$@" >/dev/null 2>"$out.err"
    echo $? >"$out.rc"
    ls -A /dev/shm >"$out.left"' sh "$size" "$out" "$@"
}
if [ "$root" = 1 ]; then
  tiny_shm 1M "$work/shm1" "$bin" run -t pshm-sem -b 8M "${short[@]}"
  verdict "pshm-sem -b 8M, /dev/shm of 1 MiB" "$(cat "$work/shm1.rc")" \
    "$work/shm1.err" "$(cat "$work/shm1.left")" \
    "ENOSPC" "/dev/shm has 1 MiB free" "region needs" "remount,size="
  tiny_shm 1M "$work/shm2" "$bin" run -t pshm-pipe -b 256K "${short[@]}"
  verdict "pshm-pipe -b 256K (8 blocks), /dev/shm of 1 MiB" "$(cat "$work/shm2.rc")" \
    "$work/shm2.err" "$(cat "$work/shm2.left")" "ENOSPC" "/dev/shm has" "remount"
  # Ping-pong makes two regions: the first fits, the second does not, and
  # the first must still go away.
  tiny_shm 1M "$work/shm3" "$bin" run -t pshm-sem -b 600K -m pingpong \
    --messages 10 --reps 1 --warmup 0 --min-time 0.001 --no-floor --format csv
  verdict "pshm-sem pingpong -b 600K (two regions), /dev/shm of 1 MiB" \
    "$(cat "$work/shm3.rc")" "$work/shm3.err" "$(cat "$work/shm3.left")" \
    "ENOSPC" "/dev/shm has"
  # A sweep goes on after the point that does not fit.
  tiny_shm 1M "$work/shm4" "$bin" sweep -t pshm-sem -b 4K,8M --total 8M \
    --reps 1 --warmup 0 --min-time 0.001 --no-floor --quiet -o "$work/shm4-dir"
  if [ "$(cat "$work/shm4.rc")" = 1 ] && grep -q ',ok,' "$work/shm4-dir/runs.csv" &&
     grep -q ',error,.*/dev/shm has' "$work/shm4-dir/runs.csv" && [ ! -s "$work/shm4.left" ]; then
    pass; echo "ok: sweep 4K,8M in a 1 MiB /dev/shm: 4K ok, 8M an error row, exit 1"
  else
    fail "sweep 4K,8M in a 1 MiB /dev/shm: exit $(cat "$work/shm4.rc")"
    cat "$work/shm4.err" "$work/shm4-dir/runs.csv" 2>/dev/null
  fi
  injected=$((injected + 1))
  # Two runs that each fit alone but not together: both pass the pre-check
  # and race to touch their pages; whoever hits the full tmpfs gets SIGBUS,
  # which must end as an error naming it (or the pre-check refuses it).
  unshare -m bash -c '
    bin=$1 work=$2
    mount -t tmpfs -o size=10M,mode=1777 tmpfs /dev/shm || exit 99
    args=(run -t pshm-sem -b 6M --total 4G --reps 1 --warmup 0 --min-time 0.001 --no-floor --format csv)
    "$bin" "${args[@]}" >/dev/null 2>"$work/race-a.err" & a=$!
    "$bin" "${args[@]}" >/dev/null 2>"$work/race-b.err" & b=$!
    for i in $(seq 600); do
      kill -0 $a 2>/dev/null || kill -0 $b 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL $a $b 2>/dev/null
    wait $a; echo $? >"$work/race-a.rc"
    wait $b; echo $? >"$work/race-b.rc"
    ls -A /dev/shm >"$work/race.left"' sh "$bin" "$work"
  nfail=0 ok=1
  for x in a b; do
    rc=$(cat "$work/race-$x.rc")
    case $rc in
      0) ;;
      1) nfail=$((nfail + 1))
         if ! grep -Eq "SIGBUS touching shared memory.*/dev/shm|/dev/shm has .* free" "$work/race-$x.err"; then
           ok=0; fail "racing runs: run $x failed without naming SIGBUS or /dev/shm:"; cat "$work/race-$x.err"
         fi ;;
      *) ok=0; fail "racing runs: run $x: exit $rc (a signal or a hang)"; cat "$work/race-$x.err" ;;
    esac
    if grep -Eq "AddressSanitizer|runtime error" "$work/race-$x.err"; then
      ok=0; fail "racing runs: run $x: sanitizer report"; cat "$work/race-$x.err"
    fi
  done
  [ -s "$work/race.left" ] && { ok=0; fail "racing runs left: $(cat "$work/race.left")"; }
  injected=$((injected + 1))
  if [ "$ok" = 1 ]; then
    pass
    echo "ok: two runs of 6 MiB in a 10 MiB /dev/shm: $nfail of 2 ended with a clear error ($(grep -ho 'SIGBUS\|/dev/shm has' "$work"/race-*.err | sort | uniq -c | tr -s ' ' | tr '\n' ';'))"
  fi
else
  echo "skip: /dev/shm too small: needs root and unshare -m"
fi

# ---- EMFILE: few descriptors, every transport ----
transports=$("$bin" list | awk 'NR > 1 { print $1 }')
seen_emfile=0
for t in $transports; do
  for n in 4 5 6 7 8; do
    # Only 0, 1 and 2 open (ctest and shells may pass more), then the limit.
    bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}
               [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done
             ulimit -n "$1"; shift; exec "$@"' sh "$n" "$bin" run -t "$t" -b 4K \
      "${short[@]}" >/dev/null 2>"$work/emfile.err" &
    p=$!
    pids+=("$p")
    wait_exit "$p" 30
    left=$(leftovers "$p")
    if [ "$st" = 0 ] && [ -z "$left" ]; then
      continue # enough descriptors for this transport
    fi
    verdict "$t with ulimit -n $n" "$st" "$work/emfile.err" "$left" \
      "EMFILE|Too many open files" "ulimit -n"
    seen_emfile=$((seen_emfile + 1))
  done
done
if [ "$seen_emfile" -lt 3 ]; then
  fail "EMFILE: only $seen_emfile runs ran out of descriptors at ulimit -n 4..8"
fi

# ---- RLIMIT_MSGQUEUE ----
if "$bin" list | grep -q '^posix-mq'; then
  bash -c 'ulimit -q 100; exec "$@"' sh "$bin" run -t posix-mq -b 4K "${short[@]}" \
    >/dev/null 2>"$work/mq.err" &
  p=$!
  pids+=("$p")
  wait_exit "$p" 30
  verdict "posix-mq with ulimit -q 100" "$st" "$work/mq.err" "$(leftovers "$p")" \
    "RLIMIT_MSGQUEUE" "ulimit -q"
fi

# ---- System V and POSIX queue limits, in a private IPC namespace ----
# in_ipc_ns NAME SETUP TRANSPORT REGEX...: SETUP (shell) sets the limits and
# exhausts them; afterwards nothing but SETUP's own objects may remain.
in_ipc_ns() {
  local name=$1 setup=$2 t=$3 out=$work/ipc
  shift 3
  unshare --ipc -m bash -c '
    setup=$1 out=$2 bin=$3; shift 3
    eval "$setup" >/dev/null || exit 99
    count() { cat /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg | grep -vc "^ *key"; }
    before=$(count)
    "$bin" "$@" >/dev/null 2>"$out.err"
    echo $? >"$out.rc"
    after=$(count)
    d=$(mktemp -d /tmp/exhaustion-mq.XXXXXX)
    mount -t mqueue none "$d" && ls -A "$d" | grep ipclab- | sed "s|^|mqueue: |" >"$out.left"
    umount "$d"; rmdir "$d"
    [ "$after" = "$before" ] || echo "System V: $before objects before, $after after" >>"$out.left"
  ' sh "$setup" "$out" "$bin" run -t "$t" -b 4K "${short[@]}"
  verdict "$name" "$(cat "$out.rc")" "$out.err" "$(cat "$out.left")" "$@"
}
if [ "$root" = 1 ]; then
  in_ipc_ns "sysv-shm, kernel.shmmni=0" "sysctl -w kernel.shmmni=0" sysv-shm \
    "shmget" "ENOSPC" "kernel.shmmni" "sysctl -w"
  in_ipc_ns "sysv-shm, kernel.sem SEMMNI=1 taken by another set" \
    "sysctl -w kernel.sem='250 32000 32 1' && ipcmk -S 1" sysv-shm \
    "semget" "ENOSPC" "kernel.sem" "sysctl -w"
  in_ipc_ns "sysv-msg, kernel.msgmni=2 taken by two queues" \
    "sysctl -w kernel.msgmni=2 && ipcmk -Q && ipcmk -Q" sysv-msg \
    "msgget" "ENOSPC" "kernel.msgmni" "sysctl -w"
  in_ipc_ns "posix-mq, fs.mqueue.queues_max=0" "sysctl -w fs.mqueue.queues_max=0" posix-mq \
    "mq_open" "ENOSPC" "queues_max" "sysctl -w"
else
  echo "skip: System V limits: needs root and unshare --ipc"
fi

echo "faults injected: $injected"
finish
