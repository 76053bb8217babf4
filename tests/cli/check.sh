#!/usr/bin/env bash
# `ipclab check` on student transports: the example passes; the template as
# handed out fails cleanly; each broken plugin gets the right verdict, and
# ipclab itself never crashes or hangs.
set -euo pipefail
bin=$1
# A sanitizer build must let a plugin's segfault kill the case process, as a
# plain build does, instead of reporting it itself.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
dir=${IPCLAB_PLUGIN_DIR:-$(dirname "$bin")/plugins}
out=$(mktemp)
# broken_leak's objects carry this run's mark: remove ours, not a parallel run's.
export IPCLAB_LEAK_TAG=$$
trap 'rm -f "$out" /dev/shm/ipclab-check-leak-"$IPCLAB_LEAK_TAG"-*' EXIT
passes=0 fails=0
ok() { if "$@"; then passes=$((passes + 1)); else echo "FAIL: $*"; sed 's/^/    /' "$out" | tail -20; fails=$((fails + 1)); fi; }
# verdict WANT_STATUS REGEX PLUGIN [options]
verdict() {
  local want=$1 re=$2 plugin=$3 st; shift 3
  set +e
  timeout 300 "$bin" check -t "$dir/$plugin.so" --quick --timeout 10 --no-bench "$@" > "$out" 2>&1
  st=$?
  set -e
  ok test "$st" -eq "$want"
  ok grep -Eq -- "$re" "$out"
}

verdict 0 "^verdict: PASS \(4 of 4" example
verdict 1 "create: not written yet \(template.c\).*" template
ok grep -q "^verdict: FAIL (0 of 4" "$out"
verdict 2 "exports no symbol 'ipclab_transport'" broken_symbol
verdict 2 "built for transport interface version 10[0-9]" broken_abi
verdict 1 "the data differs from byte" broken_corrupt
verdict 1 "leak: /dev/shm/ipclab-check-leak-$$-" broken_leak
verdict 1 "hung: no verdict after 10 s; killed" broken_hang
verdict 1 "crashed: signal 11 \(SEGV\)" broken_crash

# A passing plugin also runs in ipclab run and gets its benchmark in check.
set +e
"$bin" check -t "$dir/example.so" --quick > "$out" 2>&1; st=$?
set -e
ok test "$st" -eq 0
# its benchmark row: ok, or unstable (with its reasons) on a busy machine
ok grep -Eq "^example .* (ok|unstable \([a-z+]+\))$" "$out"
"$bin" run -t "$dir/example.so" -b 4K --total 1M --reps 1 --format csv --quiet > "$out"
ok grep -q ",example,stream,copy,4096," "$out"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
