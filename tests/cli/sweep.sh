#!/usr/bin/env bash
# A tiny sweep writes a self-describing folder: runs.csv and summary.csv with
# consistent row counts, meta.json that parses, skipped rows with reasons;
# `ipclab model` reads it; `ipclab run --format json` prints JSON lines.
set -euo pipefail
bin=$1
dir=$(mktemp -d /tmp/ipclab-sweeptest-XXXXXX)
trap 'rm -rf "$dir"' EXIT
passes=0 fails=0
ok() { if "$@"; then passes=$((passes + 1)); else echo "FAIL: $*"; fails=$((fails + 1)); fi; }

# 3 transports x 3 sizes x 2 modes = 18 points; posix-mq cannot carry 64K
# here (8 KiB limit, unless raised): those points must be skipped rows.
"$bin" sweep -t pshm-sem,pipe,posix-mq -b 64,4K,64K -m stream,pingpong \
  --reps 2 --warmup 1 --min-time 0.01 -o "$dir/s" 2> "$dir/err"
ok test -s "$dir/s/runs.csv"
ok test -s "$dir/s/summary.csv"
ok test -s "$dir/s/log.txt"

check=$(cat <<'PY'
import csv, json, sys
d = sys.argv[1]
meta = json.load(open(d + "/meta.json"))
assert meta["end_time"] and meta["cpus_online"] >= 1 and "limits" in meta, meta
runs = list(csv.DictReader(open(d + "/runs.csv")))
summ = list(csv.DictReader(open(d + "/summary.csv")))
assert len(summ) == 18, len(summ)
key = lambda r: (r["transport"], r["mode"], r["access"], r["buf_size"], r["populate"], r["hugepages"], r["pin"])
mq_limit = int(meta["limits"]["mq_msgsize_max"])
for s in summ:
    rows = [r for r in runs if key(r) == key(s)]
    assert rows, ("no runs for", key(s))
    if s["status"] == "skipped":
        assert s["reason"] and len(rows) == 1 and rows[0]["status"] == "skipped", s
        continue
    assert s["status"] == "ok", s
    timed = [r for r in rows if r["warmup"] == "0" and r["status"] == "ok"]
    # 2 rounds each (with fewer than 3 no extra rounds by default); the
    # summary counts exactly the timed rows.
    assert len(timed) == int(s["reps"]) == int(s["rounds"]) == 2, (key(s), len(timed), s["reps"])
    assert sorted(int(r["round"]) for r in timed) == list(range(1, len(timed) + 1)), key(s)
    warm = [r for r in rows if r["warmup"] == "1"]
    assert warm and all(r["verified"] == "1" for r in warm), key(s)
    for r in timed:
        assert float(r["wall_ns"]) > 0 and float(r["bytes_per_s"]) > 0
        if r["mode"] == "pingpong":
            assert 0 < float(r["rtt_min_ns"]) <= float(r["rtt_p50_ns"]) <= float(r["rtt_p99_ns"]) <= float(r["rtt_max_ns"])
    if s["transport"] == "pipe":
        assert s["populate"] == "n/a" and s["hugepages"] == "n/a", s
skipped = [s for s in summ if s["status"] == "skipped"]
want = 2 if mq_limit < 65536 else 0
assert len(skipped) == want and all(s["transport"] == "posix-mq" and "msgsize_max" in s["reason"] for s in skipped), skipped
print("folder ok:", len(runs), "runs,", len(summ), "points,", len(skipped), "skipped")
PY
)
ok python3 -c "$check" "$dir/s"

# The cost model reads the folder.
ok "$bin" model "$dir/s" > "$dir/model.txt"
ok grep -q '^pshm-sem ' "$dir/model.txt"
ok "$bin" model --csv "$dir/s" > "$dir/model.csv"
ok python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); assert r and all(float(x["c_byte_ns"]) == float(x["c_byte_ns"]) for x in r)' "$dir/model.csv"
set +e; "$bin" model "$dir/nothing" 2> "$dir/err"; st=$?; set -e
ok test "$st" -eq 2
ok grep -q "nothing/summary.csv" "$dir/err"

# JSON lines from run.
"$bin" run -t pshm-pipe -b 1K --total 256K --reps 2 --format json --quiet > "$dir/run.json"
ok python3 -c 'import json,sys; rows=[json.loads(l) for l in open(sys.argv[1])]; assert len(rows)==3 and rows[-1]["status"]=="ok" and rows[-1]["rtt_p50_ns"] is None' "$dir/run.json"

# --format is refused for sweep (its files are CSV); an unwritable folder is a usage error.
set +e; "$bin" sweep --format json -o "$dir/x" 2> "$dir/err"; st=$?; set -e
ok test "$st" -eq 2
set +e; "$bin" sweep -t pipe -b 64 -o /proc/nope 2> "$dir/err"; st=$?; set -e
ok test "$st" -eq 2
ok grep -q "^ipclab: sweep: --output /proc/nope" "$dir/err"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
