#!/usr/bin/env bash
# demo.sh - the classroom demos (`ipclab demo NAME`): each one shows what it
# claims (exact count with a semaphore, items in order, verified product),
# bad usage exits 2 with a message, and no demo leaves a shared-memory object
# behind, even when it is killed halfway.
#   bash tests/cli/demo.sh build/ipclab
set -euo pipefail

BIN=${1:?usage: demo.sh path/to/ipclab}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

PIDS=()   # every ipclab process this test started: names carry these pids
RC=0
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# run NAME ARGS...: ipclab demo ARGS, stdout in $TMP/NAME.out, stderr in
# $TMP/NAME.err, exit status in RC; remembers the pid for the leak check.
run() {
  local name=$1
  shift
  "$BIN" demo "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  RC=0
  wait "$pid" || RC=$?
}

show() { sed 's/^/    /' "$TMP/$1.out" "$TMP/$1.err" >&2; }

# gone PID: the process has ended (a zombie waiting for init counts as gone).
gone() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null || true)
  [[ -z $st || $st == Z* ]]
}

# --- --list: all three demos, one line each --------------------------------
run list --list
[[ $RC -eq 0 ]] || fail "demo --list exited $RC"
for d in counter bbuf matmul; do
  grep -Eq "^ *$d +[a-z]" "$TMP/list.out" || fail "--list does not list $d"
done
[[ $(grep -c . "$TMP/list.out") -eq 3 ]] || fail "--list: expected 3 lines"

run help --help
[[ $RC -eq 0 ]] && grep -q 'usage: ipclab demo' "$TMP/help.out" ||
  fail "demo --help: exit $RC or no usage line"
run chelp counter --help
[[ $RC -eq 0 ]] && grep -q -- '--sync' "$TMP/chelp.out" ||
  fail "demo counter --help: exit $RC or --sync not described"

# --- usage errors: exit 2 and a message, before anything is created --------
run noname
[[ $RC -eq 2 ]] || fail "demo with no name exited $RC, want 2"
grep -q 'counter' "$TMP/noname.err" || fail "demo with no name: no list on stderr"
run unknown no-such-demo
[[ $RC -eq 2 ]] || fail "unknown demo exited $RC, want 2"
grep -q "unknown demo 'no-such-demo'" "$TMP/unknown.err" ||
  { fail "unknown demo: message missing"; show unknown; }
run badn counter -n 0
[[ $RC -eq 2 ]] && grep -q -- '-n 0' "$TMP/badn.err" ||
  { fail "counter -n 0: want exit 2 naming the option"; show badn; }
run badsync counter --sync maybe
[[ $RC -eq 2 ]] && grep -q 'none, sem' "$TMP/badsync.err" ||
  { fail "counter --sync maybe: want exit 2 listing the choices"; show badsync; }
run badopt bbuf --no-such-option
[[ $RC -eq 2 ]] && grep -q -- '--no-such-option' "$TMP/badopt.err" ||
  { fail "bbuf --no-such-option: want exit 2 naming it"; show badopt; }
run badw matmul -w 0
[[ $RC -eq 2 ]] || fail "matmul -w 0 exited $RC, want 2"

# --- counter with a semaphore: exact --------------------------------------
run sem counter --sync sem -n 10000
[[ $RC -eq 0 ]] || { fail "counter --sync sem exited $RC"; show sem; }
read -r exp got lost < <(awk '$1 == "sem" { print $2, $3, $4 }' "$TMP/sem.out")
[[ ${exp:-} == 20000 && ${got:-} == 20000 && ${lost:-} == 0 ]] ||
  { fail "counter sem: expected/obtained/lost = ${exp:-?}/${got:-?}/${lost:-?}, want 20000/20000/0"; show sem; }
grep -q '^  none' "$TMP/sem.out" && fail "counter --sync sem also ran none"

# --- counter without synchronisation: numbers consistent, loss not asserted
run none counter --sync none -n 10000
[[ $RC -eq 0 ]] || { fail "counter --sync none exited $RC"; show none; }
grep -Eq 'expected +obtained +lost' "$TMP/none.out" || fail "counter: no table header"
read -r exp got lost < <(awk '$1 == "none" { print $2, $3, $4 }' "$TMP/none.out")
if [[ ${exp:-} != 20000 || -z ${got:-} || -z ${lost:-} ]]; then
  fail "counter none: no expected/obtained/lost row"; show none
elif ((got > exp || got < 1 || lost != exp - got)); then
  fail "counter none: expected $exp obtained $got lost $lost is inconsistent"
fi
if ((${lost:-0} == 0)); then
  grep -q 'races do' "$TMP/none.out" ||
    fail "counter none: no loss, and no word that races do not always show"
fi

# --- both side by side (the default) ---------------------------------------
run both counter -n 2000
[[ $RC -eq 0 ]] || { fail "counter (both) exited $RC"; show both; }
awk '$1 == "none" {n = 1} $1 == "sem" && $3 == 4000 {s = 1} END {exit !(n && s)}' \
  "$TMP/both.out" || { fail "counter: default does not show none and an exact sem"; show both; }

# --- bbuf: items in order, OK ------------------------------------------------
run bbuf bbuf
[[ $RC -eq 0 ]] || { fail "bbuf exited $RC"; show bbuf; }
seq 0 49 >"$TMP/want"
sed -n 's/^consumer: got item \([0-9]*\) from slot [0-9]*$/\1/p' "$TMP/bbuf.out" >"$TMP/got"
cmp -s "$TMP/want" "$TMP/got" || { fail "bbuf: consumer did not print items 0..49 in order"; show bbuf; }
sed -n 's/^producer: put item \([0-9]*\) in slot [0-9]*$/\1/p' "$TMP/bbuf.out" >"$TMP/put"
cmp -s "$TMP/want" "$TMP/put" || fail "bbuf: producer did not print items 0..49 in order"
# Slots go round the ring: item k sits in slot k mod 10.
awk '/^consumer: got item/ { if ($7 != $4 % 10) bad = 1 } END { exit bad }' "$TMP/bbuf.out" ||
  fail "bbuf: an item came from the wrong slot"
grep -q '^bbuf: OK, all 50 items consumed in order' "$TMP/bbuf.out" || fail "bbuf: no OK line"

# A slow consumer: the producer must find the ring full; a slow producer: the
# consumer must find it empty (each side has far more items than slots).
run slowc bbuf --slow-consumer=5 -n 30 --slots 4 -q
[[ $RC -eq 0 ]] && grep -q '^producer: ring full, waiting (slot [0-3])' "$TMP/slowc.out" ||
  { fail "bbuf --slow-consumer: producer never waited on a full ring"; show slowc; }
grep -q '^bbuf: OK, all 30 items' "$TMP/slowc.out" || fail "bbuf --slow-consumer: not OK"
run slowp bbuf --slow-producer=5 -n 20 -q
[[ $RC -eq 0 ]] && grep -q '^consumer: ring empty, waiting' "$TMP/slowp.out" ||
  { fail "bbuf --slow-producer: consumer never waited on an empty ring"; show slowp; }
grep -q '^consumer: got item' "$TMP/slowp.out" && fail "bbuf -q still printed every item"

# --- matmul: verified ------------------------------------------------------
run mm matmul -n 100 -w 4
[[ $RC -eq 0 ]] || { fail "matmul exited $RC"; show mm; }
grep -q '^matmul: verified' "$TMP/mm.out" || { fail "matmul: not verified"; show mm; }
for w in 0 1 2 3; do
  grep -q "worker $w: rows $((w * 25))..$((w * 25 + 24))" "$TMP/mm.out" ||
    fail "matmul: worker $w does not own rows $((w * 25))..$((w * 25 + 24))"
done
grep -Eq 'speedup: +[0-9.]+ x' "$TMP/mm.out" || fail "matmul: no speedup line"
grep -Eq "POSIX shared memory \(/ipclab-${PIDS[-1]}-[0-9]+(-[0-9a-f]+)?\)" "$TMP/mm.out" ||
  fail "matmul: shared memory not named /ipclab-<pid>-<n>[-<random>]"

# --- killed halfway: the workers die with it, nothing is left ---------------
"$BIN" demo bbuf --slow-consumer=50 -q >"$TMP/kill.out" 2>&1 &
victim=$!
PIDS+=("$victim")
for _ in $(seq 100); do
  grep -q '^producer: pid' "$TMP/kill.out" && grep -q '^consumer: pid' "$TMP/kill.out" && break
  sleep 0.05
done
kids=$(sed -n 's/^\(producer\|consumer\): pid \([0-9]*\),.*/\2/p' "$TMP/kill.out")
[[ $(wc -w <<<"$kids") -eq 2 ]] || fail "bbuf did not print both pids"
# (the group's redirection keeps bash's "Killed" job notice out of the log)
{ kill -KILL "$victim"; wait "$victim" || true; } 2>/dev/null
for k in $kids; do
  for _ in $(seq 40); do gone "$k" && break; sleep 0.05; done
  gone "$k" || { fail "bbuf child $k outlived its killed parent"; kill -KILL "$k" 2>/dev/null || true; }
done

# --- leak check: nothing named after any of our ipclab processes -----------
for pid in "${PIDS[@]}"; do
  left=$(find /dev/shm -maxdepth 1 -name "ipclab-$pid-*" 2>/dev/null)
  [[ -z $left ]] || fail "left in /dev/shm: $left"
done

if ((fails)); then
  echo "demo.sh: $fails check(s) failed" >&2
  exit 1
fi
echo "demo.sh: all checks passed"
