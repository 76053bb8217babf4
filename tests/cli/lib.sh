# lib.sh - the prelude of the CLI tests that start ipclab in the background
# and watch it: a scratch directory, cleanup at exit, pass/fail counters,
# and the helpers below.  Source it, do not run it (CMake skips it):
#
#   set -uo pipefail
#   bin=$1
#   . "$(dirname "$0")/lib.sh" NAME     # work=/tmp/NAME-test.XXXXXX
#   ...; pids+=("$p"); wait_exit "$p" 10; left=$(leftovers "$p"); ...
#   finish
#
# Not with `set -e`: the helpers return non-zero as an answer.  wait_exit
# must run in the test's own shell, never in $(...): only the shell that
# started a process can wait for it and get its status.
work=$(mktemp -d "/tmp/${1:-cli}-test.XXXXXX")
mqdir=
pids=()
passes=0 fails=0 injected=0

cleanup() {
  local p
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$work"
  [ -n "$mqdir" ] && rmdir "$mqdir" 2>/dev/null
  return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The last lines of every test: the counts, and the status.
finish() {
  echo "$passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}

# POSIX queues are only visible through an mqueue mount: make a private
# one (root only) rather than touching the machine's mounts.
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
  mqdir=$(mktemp -d /tmp/cli-mq.XXXXXX)
fi

# Everything ipclab made for the process PID (the name or key carries the
# creating pid): /dev/shm, /tmp/ipclab-PID-*, System V keys, POSIX queues.
leftovers() {
  local p=$1
  ls /dev/shm 2>/dev/null | grep -E "^ipclab-$p-" | sed 's|^|/dev/shm/|'
  ls -d /tmp/ipclab-"$p"-* 2>/dev/null
  awk -v p="$p" 'FNR > 1 { k = $1 + 0; if (k < 0) k += 4294967296;
       if (int(k / 67108864) == 45 && int(k / 16) % 4194304 == p % 4194304)
         print FILENAME ": key " $1 }' \
      /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg
  if [ -n "$mqdir" ]; then
    unshare -m sh -c 'mount -t mqueue none "$1" && ls "$1"' sh "$mqdir" \
      2>/dev/null | grep -E "^ipclab-$p-" | sed 's|^|mqueue: |'
  fi
}

# wait_exit PID SECONDS: sets st to the exit status, or 999 when it did not
# end in time (then it is killed).  Not a $(...): only this shell can wait.
wait_exit() {
  local p=$1 limit=$(( $2 * 10 )) i=0
  while [ "$(awk '{print $3}' /proc/"$p"/stat 2>/dev/null)" != Z ] &&
        kill -0 "$p" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt "$limit" ]; then
      kill -KILL "$p" 2>/dev/null
      wait "$p" 2>/dev/null
      st=999
      return
    fi
    sleep 0.1
  done
  wait "$p"
  st=$?
}

# wait_children PID: until PID has forked both of its children (or 10 s).
wait_children() {
  local i
  for i in $(seq 100); do
    [ "$(pgrep -P "$1" | wc -l)" -ge 2 ] && return 0
    sleep 0.1
  done
  return 1
}
