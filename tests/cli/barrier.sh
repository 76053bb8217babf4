#!/usr/bin/env bash
# A parent that can always be stopped.  A child is killed while it waits at
# the start barrier, then the parent gets SIGINT or SIGTERM: it must exit
# 130 / 143 within 2 s, with no child left and nothing in /dev/shm or the
# System V tables - for `ipclab run`, `ipclab ctxsw` and `ipclab demo
# counter`.  (A child killed inside a glibc process-shared barrier never
# leaves it, and pthread_barrier_destroy in the parent then waited forever,
# deaf to every signal but SIGKILL.)  Then ctxsw and demo are stopped in
# the middle of their work, as run and sweep are in signals.sh.
#
# The test hook IPCLAB_TEST_BARRIER_DELAY_MS makes every child but the first
# to arrive sleep before it arrives, so the first one waits inside the
# barrier.  The run's region is populated too (--populate on): without the
# hook, the first child to finish populating waits there for the other.
#
#   bash tests/cli/barrier.sh build/ipclab
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh" barrier

# barrier_child PID: the child of PID asleep in a futex - at the start
# barrier, as nothing else of these runs waits in one before the start
# (the transports used here block in pipes or System V semaphores).
barrier_child() {
  local i k
  for i in $(seq 400); do
    for k in $(pgrep -P "$1"); do
      case $(cat /proc/"$k"/wchan 2>/dev/null) in
        *futex*) echo "$k"; return 0 ;;
      esac
    done
    sleep 0.02
  done
  return 1
}

# The System V segments PID created that are still there (sysv-shm's is
# IPC_PRIVATE: its key carries no pid, its creator's pid does).
private_shm() {
  awk -v p="$1" 'NR > 1 && $5 == p { print "shm id " $2 " (cpid " p ")" }' \
    /proc/sysvipc/shm
}

# strike NAME SIG PID ERRFILE: kill PID's child that waits at the barrier,
# then send SIG to PID.  The parent is stopped meanwhile, so that it finds
# both the dead child and the signal when it resumes, whatever the timing.
strike() {
  local name=$1 sig=$2 p=$3 err=$4 k kids alive="" left want
  if ! k=$(barrier_child "$p"); then
    fail "$name: no child waited at the start barrier within 8 s"
    cat "$err"; kill -KILL "$p"; wait "$p"; return 1
  fi
  kids=$(pgrep -P "$p")
  kill -STOP "$p"
  kill -KILL "$k"
  kill -"$sig" "$p"
  kill -CONT "$p"
  wait_exit "$p" 2
  want=$((128 + $(kill -l "$sig")))
  for k in $kids; do kill -0 "$k" 2>/dev/null && alive+="$k "; done
  left=$(leftovers "$p"; private_shm "$p")
  if [ "$st" != "$want" ]; then
    fail "$name, child killed at the barrier, then SIG$sig: exit $st" \
      "(999: still running after 2 s), want $want"; cat "$err"
  elif [ -n "$alive" ]; then
    fail "$name, SIG$sig: children still alive: $alive"
    for k in $alive; do kill -KILL "$k"; done
  elif [ -n "$left" ]; then
    fail "$name, SIG$sig: left behind: $left"
  else
    pass; return 0
  fi
  return 1
}

# barrier_case NAME SIG SAYS COMMAND...: COMMAND in the background with the
# hook, struck at its barrier; then its output ($out) or stderr ($err) must
# say SAYS.
barrier_case() {
  local name=$1 sig=$2 says=$3; shift 3
  IPCLAB_TEST_BARRIER_DELAY_MS=10000 "$@" >"$out" 2>"$err" &
  p=$!
  pids+=("$p")
  if strike "$name" "$sig" "$p" "$err" && ! grep -q "$says" "$out" "$err"; then
    fail "$name, SIG$sig: neither output nor stderr says '$says'"
    cat "$out" "$err"
  fi
}

# ---- run: a region transport of each namespace, both signals ----
for t in pshm-pipe sysv-shm; do
  for sig in INT TERM; do
    out=$work/run-$t-$sig.csv err=$work/run-$t-$sig.err
    barrier_case "run -t $t" "$sig" ",error,interrupted by $sig" \
      "$bin" run -t "$t" -b 128M --populate on --total 100G --reps 1 \
      --warmup 0 --min-time 0.001 --no-floor --format csv
  done
done

# ---- ctxsw: the ping-pong children meet at the barrier ----
for sig in INT TERM; do
  out=$work/ctxsw-$sig.csv err=$work/ctxsw-$sig.err
  barrier_case ctxsw "$sig" "interrupted by $sig" \
    "$bin" ctxsw --primitive pipe --pin same --format csv
done

# ---- demo counter: its two processes start together at the barrier ----
out=$work/demo.out err=$work/demo.err
barrier_case "demo counter" TERM "interrupted by TERM" \
  "$bin" demo counter --sync none -n 1000000000

# ---- ctxsw and demo stopped in the middle of their work ----
# A background job of a script starts with SIGINT ignored; ipclab catches
# it all the same, as a stop.
midway() {
  local name=$1 sig=$2 err=$3 i kids alive="" want; shift 3
  "$@" >/dev/null 2>"$err" &
  p=$!
  pids+=("$p")
  for i in $(seq 100); do
    [ -n "$(pgrep -P "$p")" ] && break
    sleep 0.1
  done
  sleep 0.5
  kids=$(pgrep -P "$p")
  kill -"$sig" "$p"
  wait_exit "$p" 2
  want=$((128 + $(kill -l "$sig")))
  for k in $kids; do kill -0 "$k" 2>/dev/null && alive+="$k "; done
  if [ "$st" != "$want" ]; then
    fail "$name, SIG$sig midway: exit $st (999: still running after 2 s)," \
      "want $want"; cat "$err"
  elif [ -n "$alive" ]; then
    fail "$name, SIG$sig midway: children still alive: $alive"
  elif [ -n "$(leftovers "$p")" ]; then
    fail "$name, SIG$sig midway: left behind: $(leftovers "$p")"
  elif ! grep -q "interrupted by $sig" "$err"; then
    fail "$name, SIG$sig midway: stderr does not say so"; cat "$err"
  else
    pass
  fi
}
midway "ctxsw" INT "$work/ctxsw-mid.err" \
  "$bin" ctxsw --primitive sem --pin same --min-time 3 --reps 5
midway "demo counter" INT "$work/demo-mid.err" \
  "$bin" demo counter --sync sem -n 1000000000

finish
