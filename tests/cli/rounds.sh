#!/usr/bin/env bash
# Rounds: every point once per round in a seeded shuffled order; an
# interrupted sweep marks its cut points and its folder; a run whose round
# failed does not summarise as ok.
set -euo pipefail
bin=$1
work=$(mktemp -d /tmp/ipclab-roundstest-XXXXXX)
trap 'rm -rf "$work"' EXIT
passes=0 fails=0
ok() { if "$@"; then passes=$((passes + 1)); else echo "FAIL: $*"; fails=$((fails + 1)); fi; }
py=python3

# ---- a complete sweep: rounds, orders, the folder's marks ----
"$bin" sweep -t pipe,pshm-sem,unix-stream -b 1K,16K --reps 3 --max-rounds 3 \
  --min-time 0.01 --shuffle 12345 --quiet -o "$work/a" 2>"$work/a.err"
"$bin" sweep -t pipe,pshm-sem,unix-stream -b 1K,16K --reps 3 --max-rounds 3 \
  --min-time 0.01 --shuffle 12345 --quiet -o "$work/b" 2>"$work/b.err"
order=$(cat <<'PY'
import csv, json, sys
def orders(d):
    rows = [r for r in csv.DictReader(open(d + "/runs.csv")) if r["warmup"] == "0"]
    by = {}
    for r in rows:
        by.setdefault(int(r["round"]), []).append((r["transport"], r["buf_size"]))
    return by
a, b = orders(sys.argv[1]), orders(sys.argv[2])
points = {p for r in a.values() for p in r}
assert len(points) == 6, points
assert sorted(a) == [1, 2, 3], sorted(a)
for r, seq in a.items():             # every point once per round
    assert sorted(seq) == sorted(points), (r, seq)
assert a[1] != a[2] or a[2] != a[3], a  # a fresh order each round
assert a == b, (a, b)                # the seed decides the orders
meta = json.load(open(sys.argv[1] + "/meta.json"))
assert meta["complete"] is True and meta["stopped_by"] is None, meta
assert meta["rounds"]["seed"] == 12345 and meta["rounds"]["planned"] == 3, meta
lv = meta["level"]                   # the machine's drift over the 3 rounds
assert lv["rounds"] == 3 and 0 <= lv["drift"] and lv["min"] <= lv["max"], lv
assert abs(lv["drift"] - (lv["max"] - lv["min"]) / 2) < 1e-3, lv
# The levels again from runs.csv: each round's median of figure / median.
import math, statistics
per = {}
for r in csv.DictReader(open(sys.argv[1] + "/runs.csv")):
    if r["warmup"] == "0" and r["status"] == "ok":
        per.setdefault((r["transport"], r["buf_size"]), {})[int(r["round"])] = float(r["bytes_per_s"])
levels = [statistics.median(v[k] / statistics.median(v.values()) for v in per.values())
          for k in (1, 2, 3)]
assert abs(min(levels) - lv["min"]) < 1e-3 and abs(max(levels) - lv["max"]) < 1e-3, (levels, lv)
env = meta["environment"]
for k in ("clocksource", "hypervisor", "smt", "mitigations", "cgroup_cpu_max", "dev_shm_bytes"):
    assert k in env, k
summ = list(csv.DictReader(open(sys.argv[1] + "/summary.csv")))
assert len(summ) == 6
for s in summ:
    assert s["status"] == "ok" and s["rounds"] == "3", s
    lo, med, hi = float(s["bytes_per_s_ci_lo"]), float(s["bytes_per_s_median"]), float(s["bytes_per_s_ci_hi"])
    assert lo <= med <= hi, s
    assert 0 < float(s["interval_coverage"]) < 1, s
    # the interval is the rounds' own (3 rounds: min..max) widened by the
    # drift in quadrature on each side
    v = per[(s["transport"], s["buf_size"])].values()
    d = lv["drift"] * med
    assert math.isclose(lo, med - math.hypot(med - min(v), d), rel_tol=1e-4), (s, lv)
    assert math.isclose(hi, med + math.hypot(max(v) - med, d), rel_tol=1e-4), (s, lv)
    assert s["flag"] in ("", "unstable"), s
    assert bool(s["flag"]) == bool(s["flag_kinds"]), s
    if s["flag"]:
        assert s["reason"], s
print("rounds ok")
PY
)
ok "$py" -c "$order" "$work/a" "$work/b"

# ---- interrupted after the first round: cut points, incomplete folder ----
"$bin" sweep -t pipe,pshm-sem,unix-stream -b 1K,4K,16K --reps 5 --max-rounds 5 \
  --min-time 0.2 --no-floor --quiet -o "$work/c" 2>"$work/c.err" &
p=$!
for i in $(seq 400); do
  grep -q ',ok,' "$work/c/runs.csv" 2>/dev/null &&
    "$py" - "$work/c/runs.csv" <<'PY' && break
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
sys.exit(0 if any(r["round"] == "2" for r in rows) else 1)
PY
  sleep 0.05
done
kill -INT "$p" || true
set +e; wait "$p"; st=$?; set -e
ok test "$st" -eq 130
cut=$(cat <<'PY'
import csv, json, sys
d = sys.argv[1]
meta = json.load(open(d + "/meta.json"))
assert meta["complete"] is False and meta["stopped_by"] == "SIGINT", meta
runs = [r for r in csv.DictReader(open(d + "/runs.csv")) if r["warmup"] == "0" and r["status"] == "ok"]
summ = list(csv.DictReader(open(d + "/summary.csv")))
assert summ, "no summary rows"
cut = [s for s in summ if "cut" in s["flag_kinds"]]
assert cut, summ                     # the rounds it missed are said
for s in summ:
    n = sum(1 for r in runs if (r["transport"], r["buf_size"]) == (s["transport"], s["buf_size"]))
    assert int(s["rounds"]) == n, (s, n)
    if n < 5:
        assert s["flag"] == "unstable" and "cut" in s["flag_kinds"] and "5 rounds" in s["reason"], s
print("cut ok")
PY
)
ok "$py" -c "$cut" "$work/c"
ok grep -q "interrupted" "$work/c/log.txt"

# ---- a run whose second round fails is not ok ----
"$bin" run -t pipe -b 4K --reps 2 --min-time 1 --warmup 0 --no-floor \
  --format csv -o "$work/r.csv" 2>"$work/r.err" &
p=$!
killed=
for i in $(seq 600); do
  if [ -s "$work/r.csv" ] && grep -q ',1,[0-9.e+-]*,0,' "$work/r.csv"; then
    # live sides only: a zombie of a finished round takes the signal
    # without effect (seen under load)
    kids=$(pgrep -r R,S,D -P "$p" || true)
    if [ -n "$kids" ]; then
      kill -KILL $kids 2>/dev/null && killed=1 && break
    fi
  fi
  sleep 0.02
done
set +e; wait "$p"; st=$?; set -e
ok test -n "$killed"
ok test "$st" -eq 1
ok grep -q "^pipe .* error" "$work/r.err"
ok grep -q "killed by signal 9" "$work/r.err"

# ---- the cost model leaves flagged points out while it can ----
mkdir -p "$work/m"
cp "$IPCLAB_SOURCE_DIR/tests/fixtures/sweep-small/"* "$work/m/"
"$py" - "$work/m/summary.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
cols = list(rows[0].keys()) + ["flag", "flag_kinds"]
for r in rows:  # pipe has three stream sizes: flag one, two stay steady
    bad = r["transport"] == "pipe" and r["mode"] == "stream" and r["buf_size"] == "64"
    r["flag"], r["flag_kinds"] = ("unstable", "spread") if bad else ("", "")
w = csv.DictWriter(open(sys.argv[1], "w", newline=""), fieldnames=cols)
w.writeheader()
w.writerows(rows)
PY
"$bin" model "$work/m" > "$work/m.out" 2>&1
ok grep -q "^1 point(s) flagged unstable .* left out of the fits" "$work/m.out"
ok grep -Eq "^pipe +copy +none +2 " "$work/m.out"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
