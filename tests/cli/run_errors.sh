#!/usr/bin/env bash
# Bad input to `ipclab run` / `ipclab sweep`: exit 2, one line naming the
# option, the value and what is allowed; an unknown transport prints the
# list; nothing is left behind by the refused process.
set -euo pipefail
bin=$1
fails=0 passes=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# expect STATUS REGEX -- ARGS...: run, check the exit status and stderr.
expect() {
  local want=$1 re=$2 pid status; shift 3
  set +e
  "$bin" "$@" >"$out" 2>"$err" &
  pid=$!
  wait "$pid"; status=$?
  set -e
  local leaked
  leaked=$(ls /dev/shm /dev/mqueue 2>/dev/null | grep -E "ipclab-$pid-" || true)
  leaked+=$(awk -v p="$pid" 'FNR > 1 { k = $1 + 0; if (k < 0) k += 4294967296;
             if (int(k / 67108864) == 45 && int(k / 16) % 4194304 == p) print FILENAME ": " $0 }' \
             /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg)
  if [ "$status" -ne "$want" ] || ! grep -Eq -- "$re" "$err" || [ -n "$leaked" ]; then
    echo "FAIL: ipclab $* -> status $status (want $want), stderr:"; cat "$err"
    [ -n "$leaked" ] && echo "leaked: $leaked"
    fails=$((fails + 1))
  else
    passes=$((passes + 1))
  fi
}

expect 2 "unknown transport 'nosuch'" -- run -t nosuch -b 10
grep -q pshm-sem "$err" || { echo "FAIL: unknown transport did not print the list"; fails=$((fails + 1)); }
expect 2 "^ipclab: run: --buf-size 0: BUF_SIZE must be at least 1 byte" -- run -t pipe -b 0
expect 2 "^ipclab: run: --buf-size -5: '-5' is not a size" -- run -t pipe -b -5
expect 2 "^ipclab: run: --buf-size abc: 'abc' is not a size" -- run -t pipe -b abc
expect 2 "^ipclab: run: --buf-size 3q: '3q': unknown suffix 'q'" -- run -t pipe -b 3q
expect 2 "^ipclab: run: --buf-size 18446744073709551616: .* too large" -- run -t pipe -b 18446744073709551616
expect 2 "^ipclab: run: --buf-size 1.5K: .* not a whole number" -- run -t pipe -b 1.5K
expect 2 "^ipclab: run: --buf-size 65536: above the largest block posix-mq can carry here .*msgsize_max" -- run -t posix-mq -b 64K
expect 2 "^ipclab: run: --buf-size 16384: above the largest block sysv-msg can carry here .*msgmax" -- run -t sysv-msg -b 16K
expect 2 "^ipclab: run: --total 1.5M: .* not a whole number" -- run -t pipe -b 10 --total 1.5M
expect 2 "^ipclab: run: --total 0: must be from 1 byte" -- run -t pipe -b 10 --total 0
expect 2 "^ipclab: run: --total x: 'x' is not a size" -- run -t pipe -b 10 --total x
expect 2 "^ipclab: run: --reps 0: " -- run -t pipe -b 10 --reps 0
expect 2 "^ipclab: run: --access sideways: expected copy or inplace" -- run -t pipe -b 10 --access sideways
expect 2 "^ipclab: run: --access inplace: pipe has no shared blocks" -- run -t pipe -b 10 --access inplace
expect 2 "^ipclab: run: --format xml: expected table, csv or json" -- run -t pipe -b 10 --format xml
expect 2 "^ipclab: run: --verify maybe: expected on or off" -- run -t pipe -b 10 --verify maybe
expect 2 "^ipclab: run: --pin 0,4095: CPU 4095 is not available" -- run -t pipe -b 10 --pin 0,4095
expect 2 "^ipclab: run: --pin sideways: expected none, same, split" -- run -t pipe -b 10 --pin sideways
expect 2 "^ipclab: run: --pipe-size 2097152: above fs.pipe-max-size" -- run -t pipe -b 10 --pipe-size 2M
expect 2 "^ipclab: run: --transport is required" -- run -b 10
expect 2 "^ipclab: run: --buf-size is required" -- run -t pipe
expect 2 "^ipclab: run: unknown option --frobnicate" -- run -t pipe -b 10 --frobnicate
expect 2 "^ipclab: run: option .* needs a value" -- run -t pipe -b
expect 2 "^ipclab: run: --transport pipe,fifo: one transport per run" -- run -t pipe,fifo -b 10
expect 2 "^ipclab: run: --min-time -1: " -- run -t pipe -b 10 --min-time -1
expect 2 "^ipclab: run: unexpected argument 'extra'" -- run -t pipe -b 10 extra
expect 2 "^ipclab: sweep: --buf-size 1K..16:x2: range .*need 0 < LO <= HI" -- sweep -b 1K..16:x2 -o /nonexistent/never
expect 2 "^ipclab: unknown command 'frob'" -- frob

# ok CONDITION-COMMAND...: count a check.
ok() { if "$@"; then passes=$((passes + 1)); else echo "FAIL: $*"; fails=$((fails + 1)); fi; }

# A tiny good run: CSV on stdout with the schema's header, nothing else.
"$bin" run -t pipe -b 4K --total 1M --reps 2 --format csv --quiet > "$out"
ok grep -q '^schema_version,run_id,transport,mode,access,buf_size,total_bytes,blocks,' <(head -1 "$out")
ok test "$(wc -l < "$out")" -eq 4
ok grep -q '^pshm-sem ' <("$bin" list)
ok grep -q -- '--buf-size' <("$bin" run --help)

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
