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
. "$(dirname "$0")/lib.sh" deadpeer

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
finish
