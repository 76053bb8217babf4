#!/usr/bin/env bash
# valgrind memcheck on a short `ipclab run` of every transport, stream and
# ping-pong, parent and both children (--trace-children=yes; forked
# children are followed anyway): no memory error and nothing definitely
# lost in any of the processes, the run itself ok, and no kernel object
# left behind.  Slow (valgrind runs each process 20-50x slower): label it so.
#
# valgrind cannot run a binary built with AddressSanitizer, so this test
# needs a build without sanitizers: $IPCLAB_PLAIN_BIN, or $1 when it is not
# sanitized.  Without one (or without valgrind) it is skipped (77).
#
#   IPCLAB_PLAIN_BIN=build/release/ipclab bash tests/cli/valgrind.sh build/debug/ipclab
set -uo pipefail
sanitized() { grep -aq -e __asan_init -e __ubsan_handle "$1"; }

bin=${IPCLAB_PLAIN_BIN:-}
if [ -z "$bin" ] && [ -n "${1:-}" ] && ! sanitized "$1"; then
  bin=$1
fi
if ! command -v valgrind >/dev/null 2>&1; then
  echo "skip: valgrind is not installed (Debian: apt-get install valgrind)"
  exit 77
fi
if [ -z "$bin" ]; then
  echo "skip: $1 is built with sanitizers, which valgrind cannot run;" \
       "set IPCLAB_PLAIN_BIN to an ipclab built without them"
  exit 77
fi
if [ ! -x "$bin" ] || sanitized "$bin"; then
  echo "FAIL: IPCLAB_PLAIN_BIN=$bin is not an executable ipclab without sanitizers"
  exit 1
fi

. "$(dirname "$0")/lib.sh" valgrind

vg=(valgrind --tool=memcheck --trace-children=yes --error-exitcode=99
    --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite)

for t in $("$bin" list | awk 'NR > 1 { print $1 }'); do
  for mode in stream pingpong; do
    logs=$work/$t-$mode
    mkdir -p "$logs"
    if [ "$mode" = stream ]; then amount=(--total 256K); else amount=(--messages 50); fi
    "${vg[@]}" --log-file="$logs/vg.%p.log" "$bin" run -t "$t" -b 4K -m "$mode" \
      "${amount[@]}" --reps 1 --warmup 1 --min-time 0.001 --no-floor \
      --timeout 120 --format csv -o "$logs/rows.csv" >/dev/null 2>"$logs/stderr" &
    p=$!
    pids+=("$p")
    wait "$p"
    st=$?
    nlogs=$(ls "$logs"/vg.*.log 2>/dev/null | wc -l)
    # Every process's own summary: parent, and writer and reader per run.
    errs=$(grep -h "ERROR SUMMARY:" "$logs"/vg.*.log | grep -v "ERROR SUMMARY: 0 errors")
    lost=$(grep -h "definitely lost:" "$logs"/vg.*.log | grep -v "definitely lost: 0 bytes")
    left=$(leftovers "$p")
    if [ "$st" != 0 ]; then
      fail "$t $mode: exit $st"; cat "$logs/stderr"; grep -h -A12 "^==[0-9]*== [A-Z][a-z]" "$logs"/vg.*.log | head -60
    elif [ "$nlogs" -lt 3 ]; then
      fail "$t $mode: only $nlogs processes were checked (want the parent and both children)"
    elif [ -n "$errs" ] || [ -n "$lost" ]; then
      fail "$t $mode: $errs $lost"; grep -h -B2 -A20 "Invalid\|uninitialised\|definitely lost in" "$logs"/vg.*.log | head -80
    elif ! grep -q ',ok,' "$logs/rows.csv"; then
      fail "$t $mode: no ok row"; cat "$logs/rows.csv"
    elif [ -n "$left" ]; then
      fail "$t $mode: left behind: $left"
    else
      pass
      echo "ok: $t $mode: $nlogs processes, memcheck clean"
    fi
  done
done

finish
