#!/usr/bin/env bash
# placement.sh - topology and placements from the command line: `ipclab
# topology` on the fixture machines (tests/fixtures/topology) and on this
# one, --pin names in run and sweep (a placement the machine lacks is exit
# 2 in run and a skipped row in a sweep, with the reason), pin_relation in
# the CSV, the topology in meta.json, and `ipclab matrix` (fake values on
# the fixture machines, a real 2x2 on this one).
#   bash tests/cli/placement.sh build/ipclab
set -euo pipefail

BIN=${1:?usage: placement.sh path/to/ipclab}
SRC=${IPCLAB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX=$SRC/tests/fixtures/topology
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# on FIXTURE ALLOWED ARGS...: ipclab on a fixture machine; output in $OUT.
on() {
  local fx=$1 allowed=$2
  shift 2
  RC=0
  OUT=$(IPCLAB_SYSFS_ROOT=$FIX/$fx IPCLAB_ALLOWED_CPUS=$allowed "$BIN" "$@" 2>&1) || RC=$?
}
has() { grep -Eq -- "$1" <<<"$OUT" || fail "$2: no /$1/ in: $OUT"; }

# --- the fixture machines -----------------------------------------------
on 2s-2x16-smt 0-63 topology
has "^machine: 64 CPUs online \(64 allowed\), 32 cores, 2 LLC groups, 2 sockets, 2 NUMA nodes" 2s
has "^split +0,1 +core$" 2s
has "^smt +0,32 +smt$" 2s
has "^socket +0,16 +socket$" 2s
has "^llc .*skipped: --pin llc: needs two cores in different LLC groups of one socket; this machine has none" 2s
on 1s-16c-4ccx 0-31 topology
has "^llc +0,4 +llc$" chiplet
has "^smt +0,16 +smt$" chiplet
has "^numa .*skipped: .*this machine has none" chiplet
on 1s-16c-4ccx 0,16 topology
has "^split .*skipped: --pin split: needs two CPUs on different cores; this machine has them \(e.g. CPUs 0,1\) but this process may only use CPUs 0,16" chiplet-siblings-only
on vm-2vcpu 0-1 topology --json
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); p=d["placements"]
assert p["split"] == {"writer": 0, "reader": 1, "relation": "core"}, p
assert "skipped" in p["smt"] and d["topology"]["llc_level"] == 0, d' "$OUT" \
  || fail "topology --json on the VM fixture: $OUT"
on vm-2vcpu "0-x" topology
[ "$RC" = 1 ] && has "IPCLAB_ALLOWED_CPUS=0-x: not a CPU list" bad-list \
  || fail "a bad IPCLAB_ALLOWED_CPUS: status $RC: $OUT"

# --- this machine ------------------------------------------------------
"$BIN" topology >"$TMP/topo" || fail "ipclab topology: status $?"
grep -q "^machine: " "$TMP/topo" || fail "ipclab topology: $(cat "$TMP/topo")"
RC=0
OUT=$("$BIN" run -t pipe -b 64 --pin sibling 2>&1) || RC=$?
[ "$RC" = 2 ] && has "^ipclab: run: --pin sibling: expected none, same, split, smt, core, llc, socket, numa or two CPU numbers" bad-name \
  || fail "--pin sibling: status $RC"
# A placement this machine lacks (the first skipped line of `topology`).
lacks=$(awk '$4 == "skipped:" { print $1; exit }' "$TMP/topo")
if [ -n "$lacks" ]; then
  RC=0
  OUT=$("$BIN" run -t pipe -b 64 --pin "$lacks" 2>&1) || RC=$?
  [ "$RC" = 2 ] && has "^ipclab: run: --pin $lacks: needs .*; this machine has none" run-lacks \
    || fail "run --pin $lacks: status $RC: $OUT"
fi
RC=0
OUT=$(taskset -c 0 "$BIN" run -t pipe -b 64 --pin split 2>&1) || RC=$?
[ "$RC" = 2 ] && has "^ipclab: run: --pin split: needs two CPUs, this process may only use CPU 0" taskset \
  || fail "taskset -c 0 run --pin split: status $RC: $OUT"

# A sweep over a list of placements: rows with pin_relation, skips with reasons.
pins=same${lacks:+,$lacks}
[ "$(nproc)" -ge 2 ] && pins=$pins,split
"$BIN" sweep --quiet -t pipe -b 64 -m pingpong --pin "$pins" --reps 1 --warmup 0 \
  --min-time 0.01 -o "$TMP/sw" >/dev/null 2>&1 || fail "sweep --pin $pins: status $?"
python3 - "$TMP/sw" "$lacks" <<'PY' || fail "sweep --pin $pins: rows"
import csv, json, sys
d, lacks = sys.argv[1], sys.argv[2]
rows = {r["pin"]: r for r in csv.DictReader(open(d + "/summary.csv"))}
assert rows["same"]["status"] == "ok" and rows["same"]["pin_relation"] == "same", rows["same"]
if "split" in rows:
    assert rows["split"]["pin_relation"] not in ("same", "smt", ""), rows["split"]
if lacks:
    r = rows[lacks]
    assert r["status"] == "skipped" and "this machine has none" in r["reason"], r
runs = list(csv.DictReader(open(d + "/runs.csv")))
assert all(r["pin_relation"] for r in runs if r["status"] == "ok"), runs
t = json.load(open(d + "/meta.json"))["topology"]
assert t["cores"] >= 1 and t["cpus"], t
PY

# --mem-node: local is accepted everywhere; on one node the rest is refused.
RC=0
OUT=$("$BIN" run -t pipe -b 64 -m pingpong --pin same --mem-node local --reps 1 \
      --warmup 0 --min-time 0.01 --format csv --quiet 2>&1) || RC=$?
[ "$RC" = 0 ] && grep -q ",same,same,local," <<<"$OUT" || fail "--mem-node local: $RC: $OUT"
if [ "$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)" -le 1 ]; then
  RC=0
  OUT=$("$BIN" run -t pipe -b 64 --pin same --mem-node remote 2>&1) || RC=$?
  [ "$RC" = 2 ] && has "^ipclab: run: --mem-node remote: this machine has one NUMA node" mem-remote \
    || fail "--mem-node remote on one node: $RC: $OUT"
fi

# --- the matrix ----------------------------------------------------------
RC=0
OUT=$("$BIN" matrix -t pipe --pin 0,1 2>&1) || RC=$?
[ "$RC" = 2 ] && has "^ipclab: matrix: --pin: the matrix chooses the CPUs" matrix-pin || fail "matrix --pin: $RC"
RC=0
OUT=$("$BIN" matrix -t nosuch 2>&1) || RC=$?
[ "$RC" = 2 ] && has "unknown transport 'nosuch'" matrix-t || fail "matrix -t nosuch: $RC"
RC=0
OUT=$("$BIN" matrix -t pipe --pairs 2 2>&1) || RC=$?
[ "$RC" = 2 ] && has "^ipclab: matrix: --pairs 2: a cell is one writer and one reader" matrix-pairs || fail "matrix --pairs 2: $RC"
# Fake values on the fixture machines: every cell, the relations that exist.
for fx in 2s-2x16-smt:0-63:pingpong:smt,core,socket,same \
          1s-16c-4ccx:8-11,24-27:stream:smt,core,same \
          1s-16c-4ccx:0-31:pingpong:smt,core,llc,same; do
  IFS=: read -r name allowed mode rels <<<"$fx"
  RC=0
  OUT=$(IPCLAB_MATRIX_FAKE=1 IPCLAB_SYSFS_ROOT=$FIX/$name IPCLAB_ALLOWED_CPUS=$allowed \
        "$BIN" matrix -t shm-futex -m "$mode" --budget 60 -o "$TMP/m-$name" 2>&1) || RC=$?
  [ "$RC" = 0 ] || fail "matrix on $name: status $RC: $OUT"
  python3 - "$TMP/m-$name/matrix.csv" "$allowed" "$mode" "$rels" <<'PY' || fail "matrix.csv on $name $allowed"
import csv, sys
path, allowed, mode, rels = sys.argv[1:]
ok = set()
for part in allowed.split(","):
    a, _, b = part.partition("-")
    ok |= set(range(int(a), int(b or a) + 1))
rows = list(csv.DictReader(open(path)))
cpus = sorted({int(r["writer_cpu"]) for r in rows})
k = len(cpus)
assert len(rows) == (k * k if mode == "stream" else k * (k + 1) // 2), (k, len(rows))
assert set(cpus) <= ok and k <= 80, cpus
pairs = {(int(r["writer_cpu"]), int(r["reader_cpu"])) for r in rows}
assert len(pairs) == len(rows)
assert all(r["status"] == "fake" for r in rows)
assert {r["pin_relation"] for r in rows} == set(rels.split(",")), {r["pin_relation"] for r in rows}
PY
done
# A real matrix on this machine (2x2 on two CPUs: three ping-pong cells).
"$BIN" matrix -t pipe --min-time 0.01 --reps 1 --warmup 0 -o "$TMP/real" >"$TMP/real.out" 2>&1 \
  || fail "matrix -t pipe: status $?: $(cat "$TMP/real.out")"
n=$(nproc); [ "$n" -gt 4 ] && n=4
python3 - "$TMP/real/matrix.csv" "$(taskset -pc $$ | sed 's/.*: //')" <<'PY' || fail "real matrix.csv"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and all(r["status"] == "ok" and float(r["one_way_p50_ns"]) > 0 for r in rows), rows
assert all((r["writer_cpu"] == r["reader_cpu"]) == (r["pin_relation"] == "same") for r in rows), rows
PY

# `ipclab floor`: the line between two CPUs, one line and two, or why not.
on 2s-2x16-smt 0-63 floor --pin llc
[ "$RC" = 77 ] && has "^ipclab: floor: --pin llc: needs two cores in different LLC groups" floor-lacks \
  || fail "floor --pin llc on 2s: status $RC: $OUT"
for bad in "--pin same" "--pin 0,0" "--pin 1,,2" "--pin 0,1x" "--reps 0" "--reps 1001" \
           "--pin" "extra" "--reps 1 --reps 2"; do
  RC=0
  OUT=$("$BIN" floor $bad 2>&1) || RC=$?
  [ "$RC" = 2 ] && has "^ipclab: floor: " "floor $bad" || fail "floor $bad: status $RC: $OUT"
done
RC=0
OUT=$(taskset -c 0 "$BIN" floor 2>&1) || RC=$?
[ "$RC" = 77 ] && has "needs two CPUs, this process may only use CPU 0" floor-taskset \
  || fail "taskset -c 0 floor: status $RC: $OUT"
RC=0
OUT=$(IPCLAB_ALLOWED_CPUS=zz "$BIN" floor 2>&1) || RC=$?
[ "$RC" = 1 ] && has "^ipclab: floor: IPCLAB_ALLOWED_CPUS=zz: not a CPU list" floor-topology \
  || fail "floor with an unreadable allowed set: status $RC: $OUT"
# The first two CPUs this process may use (a cpuset need not start at 0).
read -r a b < <(python3 -c "import os; print(*sorted(os.sched_getaffinity(0))[:2])")
if [ -n "${b:-}" ]; then
  RC=0
  OUT=$("$BIN" floor --pin "$a,$b" --reps 2 2>&1) || RC=$?
  [ "$RC" = 0 ] || fail "floor --pin $a,$b: status $RC: $OUT"
  has "^ipclab floor: CPUs $a and $b \($a:$b: [a-z]+\), 100000 round trips a measurement, 2 each" floor-head
  has "^one line, both ways +[0-9.]+ [nu]s +[0-9.]+ [nu]s  \(round trips " floor-one
  has "^two lines, one each way +[0-9.]+ [nu]s +[0-9.]+ [nu]s  \(round trips .*\)  [0-9.]+x the line$" floor-two
fi

[ "$fails" = 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "placement: ok"
