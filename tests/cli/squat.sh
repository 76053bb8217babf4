#!/usr/bin/env bash
# Name squatting: another user creates /dev/shm/ipclab-<pid>-<n> for the
# next pids before a run starts (fork-mode names used to be exactly those,
# tried once with O_EXCL).  In a private IPC and mount namespace, with a
# private /dev/shm: the names are unguessable and retried, so every POSIX
# shared-memory run still succeeds, leaves nothing, and the squatter's files
# stay untouched.
#
#   bash tests/cli/squat.sh build/ipclab       (root: unshare, setpriv)
set -uo pipefail
bin=$(readlink -f "$1")
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null ||
   ! unshare --ipc --mount --propagation private true 2>/dev/null; then
  echo "squat: needs root, setpriv and unshare; skipped"
  exit 77
fi
exec unshare --ipc --mount --propagation private bash -s "$bin" <<'INNER'
set -uo pipefail
bin=$1
mount -t tmpfs -o mode=1777,size=64m squat-shm /dev/shm || exit 99
fails=0 passes=0
# The squatter: user nobody, names for the next 400 pids, counters 0..3,
# and a few mq names (RLIMIT_MSGQUEUE allows only some queues) when an
# mqueue file system can be mounted here.
mq=
if mkdir -p /tmp/squat-mq.$$ && mount -t mqueue none /tmp/squat-mq.$$ 2>/dev/null; then
  chmod 1777 /tmp/squat-mq.$$
  mq=/tmp/squat-mq.$$
fi
setpriv --reuid=nobody --regid=nogroup --clear-groups bash -c '
  first=$(($(cat /proc/sys/kernel/ns_last_pid) + 1))
  for ((p = first; p < first + 400; p++)); do
    for n in 0 1 2 3; do : >"/dev/shm/ipclab-$p-$n"; done
    [ -n "$1" ] && ((p < first + 4)) && { : >"$1/ipclab-$p-0"; } 2>/dev/null
  done
  exit 0' squatter "$mq" || { echo "FAIL: the squatter could not create its names"; exit 1; }
squatted=$(ls /dev/shm | wc -l)
[ "$squatted" -ge 1600 ] || { echo "FAIL: only $squatted names squatted"; exit 1; }
for t in pshm-sem pshm-pipe shm-futex shm-eventfd posix-mq memfd; do
  for mode in stream pingpong; do
    if [ "$mode" = stream ]; then amount=(--total 256K); else amount=(--messages 20); fi
    out=$("$bin" run -t "$t" -b 4K -m "$mode" "${amount[@]}" --reps 1 --warmup 1 \
          --no-floor --quiet -f csv 2>&1)
    status=$?
    if [ "$status" -ne 0 ] || ! grep -q ",ok," <<<"$out"; then
      echo "FAIL: $t $mode with squatted names: status $status: $out"
      fails=$((fails + 1))
    else
      passes=$((passes + 1))
    fi
  done
done
left=$(ls /dev/shm | grep -v -E '^ipclab-[0-9]+-[0-3]$')
[ -z "$left" ] || { echo "FAIL: left in /dev/shm: $left"; fails=$((fails + 1)); }
[ "$(ls /dev/shm | wc -l)" -eq "$squatted" ] ||
  { echo "FAIL: the squatter's files changed"; fails=$((fails + 1)); }
[ -n "$mq" ] && umount "$mq" && rmdir "$mq"
echo "squat: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
INNER
