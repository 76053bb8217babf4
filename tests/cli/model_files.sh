#!/usr/bin/env bash
# `ipclab model` on damaged summary.csv files: each is exit 2 with one line
# naming the file, the line and the column, never a fit of bad numbers or a
# misleading "needs two or more BUF_SIZEs"; a negative c_byte is warned.
set -euo pipefail
bin=$1
src=$(cd "$(dirname "$0")/../fixtures/sweep-small" && pwd)/summary.csv
tmp=$(mktemp -d /tmp/ipclab-modeltest-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passes=0 fails=0
ok() { if "$@"; then passes=$((passes + 1)); else echo "FAIL: $*"; sed 's/^/    /' "$tmp/err" | tail -5; fails=$((fails + 1)); fi; }

# The line number of the first ok stream row, and a cell set by column name.
line=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["mode"] == "stream" && $c["status"] == "ok" { print NR; exit }' "$src")
setcell() { # FILE LINE COLUMN VALUE
  awk -F, -v OFS=, -v l="$2" -v col="$3" -v v="$4" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) k = i }
    NR == l { $k = v } { print }' "$src" > "$1"
}
# expect NAME REGEX: model of $tmp/NAME/summary.csv exits 2, one line on stderr
expect() {
  local st
  set +e
  "$bin" model "$tmp/$1" > "$tmp/out" 2> "$tmp/err"; st=$?
  set -e
  ok test "$st" -eq 2
  ok test "$(wc -l < "$tmp/err")" -eq 1
  ok grep -Eq -- "^ipclab: model: $tmp/$1/summary.csv:$2" "$tmp/err"
}
case_dir() { mkdir -p "$tmp/$1"; echo "$tmp/$1/summary.csv"; }

# The fixture itself fits (exit 0).
ok "$bin" model "$(dirname "$src")" > /dev/null 2>&1

setcell "$(case_dir neg-blocks)" "$line" blocks -1818
expect neg-blocks "$line: column blocks: -1818 is negative"
setcell "$(case_dir zero-wall)" "$line" wall_ns_median 0
expect zero-wall "$line: column wall_ns_median: 0 is too small"
setcell "$(case_dir nan-wall)" "$line" wall_ns_median nan
expect nan-wall "$line: column wall_ns_median: 'nan' is not a number"
setcell "$(case_dir huge-wall)" "$line" wall_ns_median 1e300
expect huge-wall "$line: column wall_ns_median: 1e300 is out of range"
setcell "$(case_dir word-bytes)" "$line" total_bytes abc
expect word-bytes "$line: column total_bytes: 'abc' is not a number"
setcell "$(case_dir empty-wall)" "$line" wall_ns_median ""
expect empty-wall "$line: column wall_ns_median: empty"
setcell "$(case_dir bad-status)" "$line" status fine
expect bad-status "$line: column status: 'fine' is not one of"
setcell "$(case_dir neg-floor)" "$line" floor_bytes_per_s -3
expect neg-floor "$line: column floor_bytes_per_s: -3 is negative"
sed '1s/wall_ns_median/wall_median/' "$src" > "$(case_dir renamed)"
expect renamed "1: missing column"
head -c "$(($(head -n 4 "$src" | wc -c) + 30))" "$src" > "$(case_dir truncated)"
expect truncated "5: "
head -c "$(($(wc -c < "$src") - 1))" "$src" > "$(case_dir no-newline)"
expect no-newline "$(wc -l < "$src"): the last line ends without a newline"
: > "$(case_dir empty)"
expect empty "1: empty file"

# A negative c_byte is fitted but warned, with what it means: times that
# fall with the bytes moved (t = 1000 ns per handoff - 0.05 ns per byte).
cat > "$(case_dir negative-cbyte)" <<'EOF'
transport,mode,access,populate,hugepages,pin,status,buf_size,total_bytes,blocks,wall_ns_median
pipe,stream,copy,off,off,split,ok,1024,1024000,1000,948800
pipe,stream,copy,off,off,split,ok,4096,4096000,1000,795200
pipe,stream,copy,off,off,split,ok,16384,16384000,1000,180800
EOF
set +e
"$bin" model "$tmp/negative-cbyte" > "$tmp/out" 2> "$tmp/err"; st=$?
set -e
ok test "$st" -eq 0
ok grep -q -- "-0.05 ns/B" "$tmp/out"
ok grep -q "warning: pipe (copy, populate off, hugepages off, pin split): c_byte = -0.05 ns/B is negative, which no cost can be" "$tmp/err"

echo "model_files: $passes passed, $fails failed"
test "$fails" -eq 0
