#!/usr/bin/env bash
# Measurement plumbing, checked as behaviour (never as speed):
# - ping-pong moves verified messages through every transport, and the
#   round-trip percentiles are ordered;
# - --min-time chooses the amount: calibration rows grow, the timed rows move
#   more than the first calibration row, and a longer --min-time chooses more;
# - --total and --messages fix the amount; the floor and the clock overhead
#   are recorded;
# - --batch K takes one sample per K round trips.
set -euo pipefail
bin=$1
tmp=$(mktemp -d /tmp/ipclab-measuretest-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passes=0 fails=0
ok() { if "$@"; then passes=$((passes + 1)); else echo "FAIL: $*"; fails=$((fails + 1)); fi; }
py=$(command -v python3)

# Ping-pong, every transport, every message checked.
for t in $("$bin" list | awk 'NR > 1 && $0 !~ /unavailable/ { print $1 }'); do
  if "$bin" run -t "$t" -b 1K -m pingpong --messages 300 --reps 2 --warmup 1 \
       --verify on --format csv --quiet > "$tmp/$t.csv" 2> "$tmp/$t.err"; then
    ok "$py" - "$tmp/$t.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 3, rows
for r in rows:
    assert r["status"] == "ok" and r["verified"] == "1" and r["mode"] == "pingpong", r
    assert int(r["blocks"]) == 300 and int(r["total_bytes"]) == 300 * 1024, r
    v = [int(r[k]) for k in ("rtt_min_ns", "rtt_p50_ns", "rtt_p90_ns", "rtt_p99_ns", "rtt_p999_ns", "rtt_max_ns")]
    assert 0 < v[0] and v == sorted(v), v
    assert float(r["one_way_p50_ns"]) == v[1] / 2
    assert int(r["clock_overhead_ns"]) > 0
PY
  else
    echo "FAIL: ping-pong through $t:"; cat "$tmp/$t.err"; fails=$((fails + 1))
  fi
done

# --batch K: one clock pair per K round trips, each batch's mean one sample.
# 300 round trips in batches of 100 are three samples: the percentiles come
# from those three; a batch of all 300 is one sample, so they are all equal.
"$bin" run -t shm-spin -b 64 -m pingpong --messages 300 --batch 100 \
  --reps 2 --warmup 1 --verify on --format csv --quiet > "$tmp/b100.csv"
"$bin" run -t pipe -b 64 -m pingpong --messages 300 --batch 300 --reps 1 \
  --warmup 0 --verify on --format csv --quiet > "$tmp/b300.csv"
ok "$py" - "$tmp/b100.csv" "$tmp/b300.csv" <<'PY'
import csv, sys
keys = ("rtt_min_ns", "rtt_p50_ns", "rtt_p90_ns", "rtt_p99_ns", "rtt_p999_ns", "rtt_max_ns")
for path, batch in ((sys.argv[1], 100), (sys.argv[2], 300)):
    rows = list(csv.DictReader(open(path)))
    assert rows and all(r["status"] == "ok" and r["verified"] == "1" for r in rows), rows
    for r in rows:
        assert int(r["batch"]) == batch and int(r["blocks"]) == 300, r
        v = [int(r[k]) for k in keys]
        assert 0 < v[0] and v == sorted(v), v
        if batch == 300:
            assert len(set(v)) == 1, v            # one sample: the mean round trip
            mean = int(r["wall_ns"]) / 300
            assert 0.5 * mean <= v[1] <= 1.05 * mean, (v[1], mean)
        assert float(r["one_way_p50_ns"]) == v[1] / 2
PY
"$bin" run -t pipe -b 64 --batch 0 > /dev/null 2> "$tmp/b0.err" && fails=$((fails + 1)) \
  || ok grep -q "^ipclab: run: --batch 0: a whole number of round trips from 1 to 65536" "$tmp/b0.err"

# The floors before each run pinned to two CPUs: the line for every mode,
# the two lines (one each way) for ping-pong only; none unpinned.
if [ "$(nproc)" -ge 2 ]; then
  "$bin" run -t shm-spin -b 64 -m pingpong --pin split --reps 2 --warmup 1 --min-time 0.01 \
    --format csv --quiet > "$tmp/fl-pp.csv"
  "$bin" run -t pipe -b 4K --pin split --reps 1 --warmup 0 --min-time 0.01 \
    --format csv --quiet > "$tmp/fl-st.csv"
  "$bin" run -t pipe -b 64 -m pingpong --reps 1 --warmup 0 --min-time 0.01 \
    --format csv --quiet > "$tmp/fl-none.csv"
  ok "$py" - "$tmp/fl-pp.csv" "$tmp/fl-st.csv" "$tmp/fl-none.csv" <<'PY'
import csv, sys
pp, st, none = ([r for r in csv.DictReader(open(p)) if r["warmup"] == "0"] for p in sys.argv[1:])
assert pp and all(float(r["line_rtt_ns"]) > 0 and float(r["line_pair_rtt_ns"]) > 0 for r in pp), pp
assert st and all(float(r["line_rtt_ns"]) > 0 and r["line_pair_rtt_ns"] == "" for r in st), st
assert none and all(r["line_rtt_ns"] == "" and r["line_pair_rtt_ns"] == "" for r in none), none
PY
fi

# --min-time: the amount grows with the time asked for.
for mt in 0.02 0.2; do
  "$bin" run -t pipe -b 4K --min-time "$mt" --reps 1 --warmup 0 --format csv --quiet > "$tmp/mt$mt.csv"
done
ok "$py" - "$tmp/mt0.02.csv" "$tmp/mt0.2.csv" <<'PY'
import csv, sys
def load(p):
    rows = list(csv.DictReader(open(p)))
    calib = [int(r["total_bytes"]) for r in rows if r["warmup"] == "1"]
    timed = [int(r["total_bytes"]) for r in rows if r["warmup"] == "0"]
    assert calib and timed and all(r["verified"] == "1" for r in rows if r["warmup"] == "1")
    assert calib == sorted(calib), calib          # calibration grows
    assert timed[0] > calib[0], (calib, timed)    # and the timed run is bigger
    assert all(float(r["floor_bytes_per_s"]) > 0 for r in rows if r["warmup"] == "0")
    return timed[0]
short, long_ = load(sys.argv[1]), load(sys.argv[2])
assert long_ > 2 * short, (short, long_)          # 10x the time: clearly more bytes
PY

# --total and --messages fix the amount; no calibration rows then.
"$bin" run -t pshm-pipe -b 1000 --total 1000003 --reps 2 --warmup 1 --format csv --quiet > "$tmp/fixed.csv"
ok "$py" -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); assert len(r)==3 and all(int(x["total_bytes"])==1000003 and int(x["blocks"])==1001 for x in r), r' "$tmp/fixed.csv"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
