#!/usr/bin/env bash
# SIGINT and SIGTERM in the middle of `ipclab run` and `ipclab sweep`
# (and SIGHUP for run): the children are stopped, every kernel object of the
# run is removed, the rows already made are kept, and the exit status is
# 128 + the signal (130 / 143 / 129).  A sweep interrupted between or inside points leaves a valid
# folder: runs.csv and summary.csv with a header and only complete rows,
# meta.json that parses with end_time set.  Both ways of delivering the
# signal are tried: to the parent alone (kill PID) and to the whole process
# group, as Ctrl-C in a terminal does.
#
#   bash tests/cli/signals.sh build/ipclab
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh" signals

# A CSV file is valid when it has a header and every line has its fields.
csv_ok() {
  python3 - "$1" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
if not rows or "status" not in rows[0]:
    sys.exit("no header")
for i, r in enumerate(rows[1:], 2):
    if len(r) != len(rows[0]):
        sys.exit("line %d has %d fields, the header %d" % (i, len(r), len(rows[0])))
print(len(rows) - 1)
EOF
}

signo() { case $1 in HUP) echo 1 ;; INT) echo 2 ;; TERM) echo 15 ;; esac; }

transports=$("$bin" list | awk 'NR > 1 { print $1 }')
[ -n "$transports" ] || { echo "FAIL: ipclab list printed no transport"; exit 1; }

# ---- run: every transport, both signals, mid-run ----
for sig in INT TERM; do
  for t in $transports; do
    out=$work/run-$t-$sig.csv err=$work/run-$t-$sig.err
    "$bin" run -t "$t" -b 4K --total 100G --reps 1 --warmup 0 --min-time 0.001 \
      --no-floor --format csv -o "$out" 2>"$err" &
    p=$!
    pids+=("$p")
    if ! wait_children "$p"; then
      fail "run -t $t: no children after 10 s"; cat "$err"; kill -KILL "$p"; wait "$p"; continue
    fi
    kids=$(pgrep -P "$p" | tr '\n' ' ')
    sleep 0.3
    kill -"$sig" "$p"
    wait_exit "$p" 10
    want=$((128 + $(signo "$sig")))
    left=$(leftovers "$p")
    alive=""
    for k in $kids; do kill -0 "$k" 2>/dev/null && alive+="$k "; done
    rows=$(csv_ok "$out" 2>&1)
    if [ "$st" != "$want" ]; then
      fail "run -t $t, SIG$sig: exit $st, want $want"; cat "$err"
    elif [ -n "$left" ]; then
      fail "run -t $t, SIG$sig: left behind: $left"
    elif [ -n "$alive" ]; then
      fail "run -t $t, SIG$sig: children still alive: $alive"
      for k in $alive; do kill -KILL "$k"; done
    elif [ "$rows" != 1 ] || ! grep -q ",error,interrupted by $sig" "$out"; then
      fail "run -t $t, SIG$sig: want one 'interrupted by $sig' row, got: $rows"; cat "$out"
    else
      pass
    fi
  done
done

# ---- run: SIGHUP (the terminal went away) stops cleanly too: 129 ----
for t in pshm-sem sysv-shm; do
  out=$work/hup-$t.csv err=$work/hup-$t.err
  "$bin" run -t "$t" -b 4K --total 100G --reps 1 --warmup 0 --min-time 0.001 \
    --no-floor --format csv -o "$out" 2>"$err" &
  p=$!
  pids+=("$p")
  if wait_children "$p"; then
    sleep 0.3
    kill -HUP "$p"
    wait_exit "$p" 10
    left=$(leftovers "$p")
    if [ "$st" != 129 ]; then
      fail "run -t $t, SIGHUP: exit $st, want 129"; cat "$err"
    elif [ -n "$left" ]; then
      fail "run -t $t, SIGHUP: left behind: $left"
    elif ! grep -q ",error,interrupted by HUP" "$out"; then
      fail "run -t $t, SIGHUP: no 'interrupted by HUP' row"; cat "$out" "$err"
    else
      pass
    fi
  else
    fail "run -t $t, SIGHUP: no children"; kill -KILL "$p"; wait "$p"
  fi
done

# ---- run: the whole process group (Ctrl-C in a terminal) ----
for sig in INT TERM; do
  out=$work/pg-$sig.csv err=$work/pg-$sig.err
  setsid "$bin" run -t pshm-sem -b 4K --total 100G --reps 1 --warmup 0 \
    --min-time 0.001 --no-floor --format csv -o "$out" 2>"$err" &
  p=$!
  pids+=("$p")
  if wait_children "$p"; then
    sleep 0.3
    kill -"$sig" -- -"$p"
    wait_exit "$p" 10
    want=$((128 + $(signo "$sig")))
    left=$(leftovers "$p")
    if [ "$st" != "$want" ]; then
      fail "process group SIG$sig: exit $st, want $want"; cat "$err"
    elif [ -n "$left" ]; then
      fail "process group SIG$sig: left behind: $left"
    elif ! grep -q ",error,interrupted by $sig" "$out"; then
      fail "process group SIG$sig: no 'interrupted by $sig' row"; cat "$out" "$err"
    else
      pass
    fi
  else
    fail "process group SIG$sig: no children"; kill -KILL "$p"; wait "$p"
  fi
done

# ---- sweep: several points, interrupted after some are done ----
for sig in INT TERM; do
  dir=$work/sweep-$sig
  "$bin" sweep -t pshm-sem,pipe,sysv-shm,unix-stream -b 1K,2K,4K,8K,16K \
    --total 32M --reps 1 --warmup 0 --min-time 0.001 --no-floor --quiet \
    -o "$dir" 2>"$work/sweep-$sig.err" &
  p=$!
  pids+=("$p")
  # Wait for two finished points, then strike inside the next one.
  for i in $(seq 200); do
    [ -f "$dir/runs.csv" ] && [ "$(wc -l <"$dir/runs.csv")" -ge 3 ] && break
    sleep 0.05
  done
  # The driver's pid is in every object name; the children come and go.
  kill -"$sig" "$p"
  wait_exit "$p" 15
  want=$((128 + $(signo "$sig")))
  left=$(leftovers "$p")
  runs=$(csv_ok "$dir/runs.csv" 2>&1)
  summ=$(csv_ok "$dir/summary.csv" 2>&1)
  meta=$(python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))
print("ok" if m.get("end_time") else "no end_time")' "$dir/meta.json" 2>&1)
  if [ "$st" != "$want" ]; then
    fail "sweep SIG$sig: exit $st, want $want"; cat "$work/sweep-$sig.err"
  elif [ -n "$left" ]; then
    fail "sweep SIG$sig: left behind: $left"
  elif ! [[ $runs =~ ^[0-9]+$ ]] || [ "$runs" -lt 2 ]; then
    fail "sweep SIG$sig: runs.csv: $runs"
  elif ! [[ $summ =~ ^[0-9]+$ ]] || [ "$summ" -lt 2 ]; then
    fail "sweep SIG$sig: summary.csv: $summ"
  elif [ "$meta" != ok ]; then
    fail "sweep SIG$sig: meta.json: $meta"
  elif [ "$(grep -c ',ok,' "$dir/runs.csv")" -lt 2 ]; then
    fail "sweep SIG$sig: the finished points were not kept"; cat "$dir/runs.csv"
  elif ! grep -q "interrupted" "$dir/log.txt"; then
    fail "sweep SIG$sig: log.txt does not say the sweep was interrupted"
  else
    pass
  fi
done

finish
