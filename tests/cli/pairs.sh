#!/usr/bin/env bash
# --pairs N: N writer/reader pairs at once.  For a transport of each kind
# (a pipe, POSIX shared memory with semaphores, a Unix stream socket) two
# pairs run with --pin same: every row says pairs=2, lists both pairs'
# CPUs (one CPU each, not shared) and bytes, each pair's bytes are the
# amount asked and were verified, and the row's total is their sum; ping-
# pong gives each pair's median.  A sweep over --pairs 1,2 on one allowed
# CPU records the second point as skipped with the reason.  Killing one
# pair's writer mid-run fails the run (exit 1, the pair named), and nothing
# of the run is left behind.
#
#   bash tests/cli/pairs.sh build/ipclab
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh" pairs

# check_rows FILE MODE: every row of a --pairs 2 run, checked.
check_rows() {
  python3 - "$1" "$2" <<'PY'
import csv, sys
path, mode = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(path)))
bad = []
if not rows:
    bad.append("no rows")
for i, r in enumerate(rows):
    where = f"row {i + 1}"
    if r["status"] != "ok":
        bad.append(f"{where}: status {r['status']}: {r['reason']}")
        continue
    if r["pairs"] != "2":
        bad.append(f"{where}: pairs={r['pairs']}")
    cpus = r["pair_cpus"].split()
    each = [int(b) for b in r["pair_total_bytes_list"].split()]
    rates = r["pair_bytes_per_s_list"].split()
    if len(cpus) != 2 or len(each) != 2 or len(rates) != 2:
        bad.append(f"{where}: not two pairs: {r['pair_cpus']!r} "
                   f"{r['pair_total_bytes_list']!r} {r['pair_bytes_per_s_list']!r}")
        continue
    w = [c.split(":") for c in cpus]
    if any(a != b for a, b in w) or w[0][0] == w[1][0]:
        bad.append(f"{where}: --pin same wants one CPU per pair, not "
                   f"shared: {r['pair_cpus']}")
    if sum(each) != int(r["total_bytes"]):
        bad.append(f"{where}: total_bytes {r['total_bytes']} is not the "
                   f"sum of {each}")
    if each[0] != each[1]:
        bad.append(f"{where}: the pairs moved different amounts: {each}")
    if r["verified"] != "1":
        bad.append(f"{where}: not verified")
    if not all(float(x) > 0 for x in rates) or float(r["bytes_per_s"]) <= 0:
        bad.append(f"{where}: a rate is not positive")
    p50 = r["pair_rtt_p50_ns_list"].split()
    if mode == "pingpong" and (len(p50) != 2 or
                               not all(int(x) > 0 for x in p50)):
        bad.append(f"{where}: pair_rtt_p50_ns_list {r['pair_rtt_p50_ns_list']!r}")
    if mode == "stream" and p50:
        bad.append(f"{where}: a stream with round trips")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
}

for spec in pipe:stream pshm-sem:stream unix-stream:stream \
            unix-stream:pingpong; do
  t=${spec%:*} mode=${spec#*:}
  what="$t $mode --pairs 2 --pin same"
  out=$work/$t-$mode.csv
  "$bin" run -t "$t" -b 4K -m "$mode" --pairs 2 --pin same --reps 2 \
    --warmup 1 --min-time 0.01 --verify on --no-floor --quiet --format csv \
    -o "$out" 2>"$work/err" &
  p=$!
  pids+=("$p")
  wait_exit "$p" 120
  if [ "$st" != 0 ]; then
    fail "$what: exit $st"; cat "$work/err"; continue
  fi
  if ! msg=$(check_rows "$out" "$mode"); then
    fail "$what: $msg"; continue
  fi
  left=$(leftovers "$p")
  if [ -n "$left" ]; then fail "$what: left behind: $left"; else pass; fi
done

# One allowed CPU: a second pair has nowhere to go.
dir=$work/sweep
IPCLAB_ALLOWED_CPUS=0 "$bin" sweep -t pipe -b 4K --pairs 1,2 --pin same \
  --reps 1 --warmup 0 --min-time 0.01 --no-floor --quiet -o "$dir" \
  2>"$work/err"
st=$?
if [ "$st" != 0 ]; then
  fail "sweep --pairs 1,2: exit $st"; cat "$work/err"
elif ! python3 - "$dir/summary.csv" <<'PY'
import csv, sys
rows = {r["pairs"]: r for r in csv.DictReader(open(sys.argv[1]))}
ok = (rows.get("1", {}).get("status") == "ok" and
      rows.get("2", {}).get("status") == "skipped" and
      rows["2"]["reason"] == "--pairs 2 --pin same needs 2 CPUs, 1 is "
                             "allowed (CPUs 0)")
sys.exit(0 if ok else 1)
PY
then
  fail "sweep --pairs 1,2 on one CPU: want pairs=1 ok and pairs=2 skipped:"
  cat "$dir/summary.csv"
else
  pass
fi

# A run with one pair killed fails loudly.
what="pipe --pairs 2, pair 1's writer killed"
out=$work/killed.csv
"$bin" run -t pipe -b 4K --pairs 2 --total 100G --reps 1 --warmup 0 \
  --min-time 0.001 --no-floor --format csv -o "$out" 2>"$work/err" &
p=$!
pids+=("$p")
for i in $(seq 100); do
  [ "$(pgrep -P "$p" | wc -l)" -ge 4 ] && break
  sleep 0.1
done
sleep 0.3 # inside the timed region
kids=($(pgrep -P "$p" | sort -n))
if [ "${#kids[@]}" -lt 4 ]; then
  fail "$what: ${#kids[@]} children, want 4"; cat "$work/err"
  kill -KILL "$p"; wait "$p"
else
  kill -KILL "${kids[2]}" # forked in order: pair 0 writer, reader, pair 1 ...
  wait_exit "$p" 10
  still=""
  for k in "${kids[@]}"; do kill -0 "$k" 2>/dev/null && still="$still $k"; done
  left=$(leftovers "$p")
  if [ "$st" != 1 ]; then
    fail "$what: exit $st, want 1"; cat "$work/err"
  elif ! grep -q "pair 1 writer killed by signal 9 (KILL)" "$work/err"; then
    fail "$what: stderr does not name the dead side:"; cat "$work/err"
  elif ! grep -q ",error,\"\?pair 1 writer killed by signal 9" "$out"; then
    fail "$what: no error row:"; cat "$out"
  elif [ -n "$still" ]; then
    fail "$what: children still alive:$still"; kill -KILL $still
  elif [ -n "$left" ]; then
    fail "$what: left behind: $left"
  else
    pass
  fi
fi

finish
