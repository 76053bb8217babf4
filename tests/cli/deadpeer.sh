#!/usr/bin/env bash
# A dead peer, for every transport of `ipclab list`, in stream and ping-pong
# mode: a long run is started, then its writer or its reader is killed with
# SIGKILL in the middle of the stream.  ipclab must notice and exit 1 within
# 5 seconds (a liveness bound, not a speed test), name the side that died
# and how ("writer killed by signal 9 (KILL)") on stderr and in the error
# row, leave no process behind, and remove every kernel object of the run.
# The writer is the first child the driver forks, the reader the second.
#
#   bash tests/cli/deadpeer.sh build/ipclab
set -uo pipefail
bin=$1
work=$(mktemp -d /tmp/deadpeer-test.XXXXXX)
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

# POSIX queues are only visible through an mqueue mount: make a private
# one (root only) rather than touching the machine's mounts.
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
  mqdir=$(mktemp -d /tmp/signals-mq.XXXXXX)
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

# The children of PID, oldest first (the writer is forked first).
children() {
  local o n
  o=$(pgrep -o -P "$1") n=$(pgrep -n -P "$1")
  if [ -n "$o" ] && [ -n "$n" ] && [ "$o" != "$n" ]; then
    echo "$o $n"
  else # started in the same clock tick: fork order is pid order
    pgrep -P "$1" | sort -n | tr '\n' ' '
  fi
}

transports=$("$bin" list | awk 'NR > 1 { print $1 }')
[ -n "$transports" ] || { echo "FAIL: ipclab list printed no transport"; exit 1; }

for mode in stream pingpong; do
  if [ "$mode" = stream ]; then
    amount=(--total 100G)
  else
    amount=(--messages 1000000000000)
  fi
  for t in $transports; do
    for side in writer reader; do
      what="$t $mode, $side killed"
      out=$work/$t-$mode-$side.csv err=$work/$t-$mode-$side.err
      "$bin" run -t "$t" -b 4K -m "$mode" "${amount[@]}" --reps 1 --warmup 0 \
        --min-time 0.001 --no-floor --format csv -o "$out" 2>"$err" &
      p=$!
      pids+=("$p")
      if ! wait_children "$p"; then
        fail "$what: no children after 10 s"; cat "$err"
        kill -KILL "$p"; wait "$p"; continue
      fi
      sleep 0.3 # well inside the timed region
      read -r wpid rpid < <(children "$p")
      if [ -z "${rpid:-}" ]; then
        fail "$what: the run ended before the kill"; cat "$err"
        wait "$p"; continue
      fi
      victim=$wpid survivor=$rpid
      [ "$side" = reader ] && victim=$rpid survivor=$wpid
      t0=$(date +%s%N)
      kill -KILL "$victim"
      injected=$((injected + 1))
      wait_exit "$p" 5
      ms=$(( ($(date +%s%N) - t0) / 1000000 ))
      left=$(leftovers "$p")
      still=""
      kill -0 "$survivor" 2>/dev/null && still=$survivor
      if [ "$st" = 999 ]; then
        fail "$what: ipclab still running 5 s after the kill"; cat "$err"
      elif [ "$st" != 1 ]; then
        fail "$what: exit $st, want 1"; cat "$err"
      elif ! grep -q "$side killed by signal 9 (KILL)" "$err"; then
        fail "$what: stderr does not name the dead $side:"; cat "$err"
      elif ! grep -Eq ",error,\"?$side killed by signal 9 \(KILL\)" "$out"; then
        fail "$what: no error row naming the dead $side:"; cat "$out"
      elif [ -n "$still" ]; then
        fail "$what: the surviving child $still is still alive"
        kill -KILL "$still"
      elif [ -n "$left" ]; then
        fail "$what: left behind: $left"
      else
        pass
        echo "ok: $what: exit 1 after ${ms} ms"
      fi
    done
  done
done

echo "faults injected: $injected"
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
