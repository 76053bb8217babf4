#!/usr/bin/env bash
# ctxsw.sh - `ipclab ctxsw`: every primitive at every placement runs and
# prints well-formed numbers (positive, finite - never a speed), the CSV has
# its header and one row per primitive and placement, the processes on one
# CPU really switch about once per handoff, a placement the machine cannot
# honour is a clear skip, and bad input exits 2 naming the option.
#   bash tests/cli/ctxsw.sh build/ipclab
set -euo pipefail

BIN=${1:?usage: ctxsw.sh path/to/ipclab}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

RC=0
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# run NAME ARGS...: ipclab ctxsw ARGS; stdout in $TMP/NAME.out, stderr in
# $TMP/NAME.err, exit status in RC.
run() {
  local name=$1
  shift
  RC=0
  "$BIN" ctxsw "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || RC=$?
}
show() { sed 's/^/    /' "$TMP/$1.out" "$TMP/$1.err" >&2; }

NCPU=$(nproc)

# --- help: the formula and where it breaks down ---------------------------
run help --help
[[ $RC -eq 0 ]] || fail "--help exited $RC"
grep -q 'ns per context switch = (handoff - baseline) / (context switches per handoff)' \
  "$TMP/help.out" || fail "--help does not state the formula"
grep -q 'per handoff' "$TMP/help.out" || fail "--help does not say when it is per handoff"
for p in pipe sem futex eventfd; do
  grep -Eq "^  $p +" "$TMP/help.out" || fail "--help does not describe $p"
done

# --- every primitive and placement, CSV -----------------------------------
run all --primitive all --pin both --iters 2000 --reps 2 --format csv
[[ $RC -eq 0 ]] || { fail "csv run exited $RC"; show all; }
head -1 "$TMP/all.out" | grep -q '^primitive,pin,status,reason,cpu_ping,cpu_pong,reps,round_trips,rtt_median_ns,' ||
  { fail "csv header missing or wrong"; show all; }
rows=$(($(wc -l <"$TMP/all.out") - 1))
[[ $rows -eq 8 ]] || { fail "csv: $rows rows, want 8 (4 primitives x 2 placements)"; show all; }

# Check each row by column name; awk prints one line per problem.
awk -F, -v ncpu="$NCPU" '
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; nf = NF; next }
  function v(name) { return $(col[name]) }
  function num(name,   x) {
    x = v(name)
    return x ~ /^-?[0-9]+(\.[0-9]+)?$/
  }
  function pos(name) {
    if (!num(name) || v(name) + 0 <= 0)
      printf "%s/%s: %s = \"%s\" is not a positive number\n", v("primitive"), v("pin"), name, v(name)
  }
  {
    key = v("primitive") "/" v("pin")
    seen[key] = 1
    if (NF != nf) { printf "%s: %d fields, header has %d\n", key, NF, nf; next }
    if (v("pin") == "split" && ncpu < 2) {
      if (v("status") != "skipped") printf "%s: status %s on one CPU, want skipped\n", key, v("status")
      next
    }
    if (v("status") != "ok") { printf "%s: status %s: %s\n", key, v("status"), v("reason"); next }
    if (v("round_trips") != 2000) printf "%s: round_trips %s, want 2000\n", key, v("round_trips")
    if (v("baseline_pairs") != 4000) printf "%s: baseline_pairs %s, want 4000\n", key, v("baseline_pairs")
    if (v("reps") != 2) printf "%s: reps %s, want 2\n", key, v("reps")
    n = split("rtt_median_ns rtt_min_ns rtt_max_ns handoff_median_ns handoff_min_ns handoff_max_ns baseline_pair_median_ns baseline_pair_min_ns baseline_pair_max_ns csw_per_handoff", names, " ")
    for (i = 1; i <= n; i++) pos(names[i])
    n = split("switch_median_ns switch_min_ns switch_max_ns vcsw_per_handoff ivcsw_per_handoff ping_vcsw ping_ivcsw pong_vcsw pong_ivcsw", names, " ")
    for (i = 1; i <= n; i++) if (!num(names[i])) printf "%s: %s = \"%s\" is not a number\n", key, names[i], v(names[i])
    if (!(v("rtt_min_ns") + 0 <= v("rtt_median_ns") + 0 && v("rtt_median_ns") + 0 <= v("rtt_max_ns") + 0))
      printf "%s: rtt min <= median <= max does not hold\n", key
    # handoff = round trip / 2, to the printed precision
    d = v("handoff_median_ns") * 2 - v("rtt_median_ns"); if (d < -0.2 || d > 0.2)
      printf "%s: handoff %s is not half the round trip %s\n", key, v("handoff_median_ns"), v("rtt_median_ns")
    if (v("switch_basis") != "switch" && v("switch_basis") != "handoff")
      printf "%s: switch_basis \"%s\"\n", key, v("switch_basis")
    if (v("pin") == "same" && v("cpu_ping") != v("cpu_pong"))
      printf "%s: pinned to one CPU but ran on %s and %s\n", key, v("cpu_ping"), v("cpu_pong")
    if (v("pin") == "split" && v("cpu_ping") == v("cpu_pong"))
      printf "%s: split but both ran on CPU %s\n", key, v("cpu_ping")
    if (v("pin") == "same") {
      # On one CPU the waiter can only run once the other blocks: about one
      # switch per handoff.  The kernel often preempts the notifier as soon
      # as it wakes its peer (wake-up preemption), which turns about half of
      # them involuntary here, so the voluntary ones alone sit near 0.5:
      # check the total, and that the processes did block (voluntary > 0.25).
      t = v("csw_per_handoff") + 0
      if (t < 0.5 || t > 1.5) printf "%s: %s context switches per handoff, want about 1\n", key, t
      if (v("vcsw_per_handoff") + 0 < 0.25) printf "%s: only %s voluntary switches per handoff: nobody blocked\n", key, v("vcsw_per_handoff")
      if (v("switch_basis") != "switch") printf "%s: one CPU but quoted per handoff\n", key
    }
  }
  END {
    split("pipe sem futex eventfd", p, " ")
    for (i = 1; i <= 4; i++) for (j = 0; j < 2; j++) {
      k = p[i] "/" (j ? "split" : "same")
      if (!(k in seen)) printf "no row for %s\n", k
    }
  }' "$TMP/all.out" >"$TMP/all.problems"
if [[ -s $TMP/all.problems ]]; then
  fail "csv rows:"
  sed 's/^/    /' "$TMP/all.problems" >&2
  show all
fi

# --- the table: the formula in the header, one row per placement ----------
run table --primitive eventfd --iters 500 --reps 1
[[ $RC -eq 0 ]] || { fail "table run exited $RC"; show table; }
grep -q 'ns per context switch = (handoff - baseline) / (context switches per handoff)' \
  "$TMP/table.out" || { fail "table header does not state the formula"; show table; }
grep -Eq '^eventfd +same +[0-9]+,[0-9]+ +500 ' "$TMP/table.out" ||
  { fail "table: no eventfd/same row with 500 round trips"; show table; }
if [[ $NCPU -ge 2 ]]; then
  grep -Eq '^eventfd +split +[0-9]+,[0-9]+ +500 ' "$TMP/table.out" ||
    { fail "table: no eventfd/split row"; show table; }
fi

# --- JSON to a file: valid, nothing on stdout -----------------------------
run json --primitive sem,pipe --pin same --iters 300 --reps 3 --format json -o "$TMP/r.json"
[[ $RC -eq 0 ]] || { fail "json run exited $RC"; show json; }
[[ ! -s $TMP/json.out ]] || fail "-o FILE: something went to stdout"
if command -v python3 >/dev/null; then
  python3 - "$TMP/r.json" <<'EOF' || fail "json output is not what it should be"
import json, math, sys
d = json.load(open(sys.argv[1]))
assert "formula" in d["context"], d["context"]
r = d["results"]
assert [(x["primitive"], x["pin"]) for x in r] == [("pipe", "same"), ("sem", "same")], r
for x in r:
    assert x["status"] == "ok", x
    assert len(x["repetitions"]) == 3, x
    for k in ("rtt_median_ns", "handoff_median_ns", "baseline_pair_median_ns"):
        assert math.isfinite(x[k]) and x[k] > 0, (k, x[k])
    assert all(p["wall_ns"] > 0 and p["baseline_wall_ns"] > 0 for p in x["repetitions"]), x
EOF
fi

# --- --min-time: a calibrated count, not the fixed one --------------------
run mintime --primitive futex --pin same --min-time 20ms --reps 1 --format csv
[[ $RC -eq 0 ]] || { fail "--min-time run exited $RC"; show mintime; }
awk -F, 'NR == 2 && $3 == "ok" && $8 + 0 >= 1 { ok = 1 } END { exit !ok }' "$TMP/mintime.out" ||
  { fail "--min-time: no ok row with a round-trip count"; show mintime; }

# --- a placement the machine cannot honour is skipped, clearly ------------
if command -v taskset >/dev/null; then
  RC=0
  taskset -c 0 "$BIN" ctxsw --pin split --primitive pipe --iters 100 --reps 1 \
    --format csv >"$TMP/skip.out" 2>"$TMP/skip.err" || RC=$?
  [[ $RC -eq 77 ]] || { fail "split on one CPU exited $RC, want 77 (all skipped)"; show skip; }
  grep -q 'skipped.*two CPUs' "$TMP/skip.out" || { fail "split on one CPU: no reason in the row"; show skip; }
  grep -q 'skipped' "$TMP/skip.err" || { fail "split on one CPU: nothing said on stderr"; show skip; }
  RC=0
  taskset -c 0 "$BIN" ctxsw --pin both --primitive pipe --iters 100 --reps 1 \
    >"$TMP/skip2.out" 2>"$TMP/skip2.err" || RC=$?
  [[ $RC -eq 0 ]] || { fail "--pin both on one CPU exited $RC, want 0"; show skip2; }
  grep -Eq '^pipe +split .*skipped' "$TMP/skip2.out" || { fail "--pin both on one CPU: no skipped split row"; show skip2; }
fi

# --- a run that cannot finish is killed at its deadline, never hangs -------
# 10^8 round trips cannot fit in 0.3 s (each takes microseconds): the
# parent must kill both processes, report the row as an error and exit 1.
run deadline --primitive futex --pin same --iters 100000000 --reps 1 \
  --timeout 0.3 --format csv
[[ $RC -eq 1 ]] || { fail "--timeout 0.3 with 10^8 round trips exited $RC, want 1"; show deadline; }
grep -q '^futex,same,error,.*not finished after 0.3 s' "$TMP/deadline.out" ||
  { fail "deadline: no error row saying why"; show deadline; }
grep -q 'not finished after 0.3 s' "$TMP/deadline.err" ||
  { fail "deadline: nothing on stderr"; show deadline; }

# --- bad usage: exit 2, one line naming the option and the value ----------
bad() {
  local want=$1
  shift
  run bad "$@"
  if [[ $RC -ne 2 ]]; then
    fail "ctxsw $*: exit $RC, want 2"
    show bad
  elif ! grep -qF -- "$want" "$TMP/bad.err"; then
    fail "ctxsw $*: message does not mention '$want'"
    show bad
  elif [[ $(wc -l <"$TMP/bad.err") -ne 1 || -s $TMP/bad.out ]]; then
    fail "ctxsw $*: want exactly one line on stderr and nothing on stdout"
    show bad
  fi
}
bad '--primitive shm' --primitive shm
bad 'pipe, sem, futex, eventfd' --primitive pipe,shm
bad '--pin middle' --pin middle
bad 'same, split' --pin middle
bad '--iters 0' --iters 0
bad '--iters 12x' --iters 12x
bad '--reps 0' --reps 0
bad '--min-time 0' --min-time 0
bad '--min-time' --min-time 2h
bad '--format xml' --format xml
bad 'not both' --iters 10 --min-time 0.1
bad '--bogus' --bogus
bad "'extra'" extra
bad '--reps' --reps
bad '--timeout' --timeout never

if [[ $fails -gt 0 ]]; then
  echo "$fails check(s) failed" >&2
  exit 1
fi
echo "ctxsw: all checks passed"
