#!/usr/bin/env bash
# No exit 0 after lost data, and standard descriptors at start:
#   a results file that cannot be written (/dev/full, a full tmpfs in a
#     private mount namespace, ulimit -f) ends run and sweep with exit 1
#     naming the file; no SIGXFSZ death (153), no .meta.json.tmp left
#   a closed standard input/output/error: /dev/null takes its number (never
#     a lock file); a command that needs the closed stream refuses (exit 2)
#
#   bash tests/cli/lostdata.sh build/ipclab
set -uo pipefail
bin=$(readlink -f "$1")
work=$(mktemp -d /tmp/lostdata-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
passes=0 fails=0
quick=(-t pipe -b 4K --total 64K --reps 3 --warmup 0 --no-floor --quiet)

# check NAME WANT_STATUS REGEX: the last command's status and stderr.
check() {
  if [ "$status" -eq "$2" ] && { [ -z "$3" ] || grep -Eq -- "$3" "$work/err"; }; then
    passes=$((passes + 1))
  else
    echo "FAIL: $1: status $status (want $2), stderr:"; cat "$work/err"
    fails=$((fails + 1))
  fi
}
go() { "$@" 2>"$work/err"; status=$?; }

# A full device, as -o and as standard output, in every format.
for fmt in table csv json; do
  go "$bin" run "${quick[@]}" -f "$fmt" -o /dev/full
  check "-o /dev/full ($fmt)" 1 "^ipclab: run: writing /dev/full: No space left"
  go "$bin" run "${quick[@]}" -f "$fmt" >/dev/full
  check "> /dev/full ($fmt)" 1 "^ipclab: run: writing standard output: No space left"
done
go "$bin" list >/dev/full
check "list > /dev/full" 1 "^ipclab: list: writing standard output: No space left"

# ulimit -f: EFBIG, not SIGXFSZ; no temporary meta.json left.
go bash -c "ulimit -f 1; exec \"$bin\" run ${quick[*]} --reps 6 -f csv -o $work/big.csv"
check "ulimit -f run" 1 "^ipclab: run: writing $work/big.csv: File too large"
go bash -c "ulimit -f 1; exec \"$bin\" sweep -t pipe -b 4K --total 64K --reps 1 --warmup 0 --no-floor --quiet -o $work/sw1"
check "ulimit -f sweep (meta.json)" 1 "^ipclab: sweep: writing $work/sw1/meta.json: File too large"
go bash -c "ulimit -f 3; exec \"$bin\" sweep -t pipe,fifo -b 4K,8K,16K --total 64K --reps 3 --warmup 0 --no-floor --quiet -o $work/sw2"
check "ulimit -f sweep (rows)" 1 "^ipclab: sweep: writing $work/sw2/[a-z]+\.(csv|txt): File too large"
left=$(find "$work"/sw1 "$work"/sw2 -name '*.tmp')
[ -z "$left" ] || { echo "FAIL: a temporary file was left: $left"; fails=$((fails + 1)); }
head -c 300000 /dev/urandom >"$work/in"
"$bin" xfr writer -t fifo -b 4K --name "lostdata-$$" <"$work/in" 2>/dev/null &
wpid=$!
go bash -c "ulimit -f 100; exec \"$bin\" xfr reader -t fifo --name lostdata-$$ >$work/out"
wait "$wpid"
check "ulimit -f xfr reader" 1 "write\(standard output.*EFBIG"

# A full tmpfs (root, private mount namespace): run and sweep end with 1.
if [ "$(id -u)" -eq 0 ] && unshare -m --propagation private true 2>/dev/null; then
  mkdir "$work/mnt"
  go unshare -m --propagation private bash -c "
    mount -t tmpfs -o size=64k tmpfs $work/mnt || exit 99
    head -c 60K /dev/zero > $work/mnt/fill
    \"$bin\" run ${quick[*]} --reps 100 -f csv -o $work/mnt/runs.csv; s1=\$?
    \"$bin\" sweep -t pipe -b 4K,8K --total 64K --reps 5 --warmup 0 --no-floor --quiet -o $work/mnt/sw; s2=\$?
    [ -z \"\$(find $work/mnt/sw -name '*.tmp')\" ] || exit 98
    [ \$s1 -eq 1 ] && [ \$s2 -eq 1 ] && exit 1; exit 97"
  check "full tmpfs (run)" 1 "^ipclab: run: writing $work/mnt/runs.csv: No space left"
  check "full tmpfs (sweep)" 1 "^ipclab: sweep: writing $work/mnt/sw/.*No space left"
else
  echo "note: not root or no mount namespaces: full tmpfs not tested"
fi

# Closed standard descriptors.
go "$bin" run "${quick[@]}" >&-
check "run >&-" 2 "^ipclab: run: standard output is closed.*-o FILE"
go "$bin" run "${quick[@]}" -f csv -o "$work/rows.csv" >&-
check "run -o FILE >&-" 0 ""
[ "$(wc -l <"$work/rows.csv")" -eq 4 ] || { echo "FAIL: run -o with stdout closed wrote $(wc -l <"$work/rows.csv") lines"; fails=$((fails + 1)); }
"$bin" run "${quick[@]}" -f csv <&- >"$work/rows2.csv" 2>"$work/err"; status=$?
check "run <&-" 0 ""
"$bin" run "${quick[@]}" -f csv 2>&- >"$work/rows3.csv"; status=$?
check "run 2>&-" 0 ""
[ "$(wc -l <"$work/rows3.csv")" -eq 4 ] || { echo "FAIL: run 2>&- wrote $(wc -l <"$work/rows3.csv") lines"; fails=$((fails + 1)); }
go "$bin" xfr reader -t fifo --name "lostdata-$$" >&-
check "xfr reader >&-" 2 "^ipclab: xfr: reader: standard output is closed"
go "$bin" xfr writer -t fifo -b 4K --name "lostdata-$$" <&-
check "xfr writer <&-" 2 "^ipclab: xfr: writer: standard input is closed"
ls /tmp | grep -q "^ipclab-lostdata-$$" && { echo "FAIL: a refused xfr left its directory"; fails=$((fails + 1)); }
# stdin/stderr closed where they are not needed: the transfer is whole.
head -c 100000 /dev/urandom >"$work/in2"
"$bin" xfr writer -t pshm-sem -b 4K --name "lostdata2-$$" <"$work/in2" 2>&- &
wpid=$!
"$bin" xfr reader -t pshm-sem --name "lostdata2-$$" <&- 2>&- >"$work/out2"; status=$?
wait "$wpid"; wstatus=$?
if [ "$status" -ne 0 ] || [ "$wstatus" -ne 0 ] || ! cmp -s "$work/in2" "$work/out2"; then
  echo "FAIL: xfr with stdin/stderr closed: reader $status, writer $wstatus"; fails=$((fails + 1))
else
  passes=$((passes + 1))
fi

echo "lostdata: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
