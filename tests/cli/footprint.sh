#!/usr/bin/env bash
# The memory bound of a run: a BUF_SIZE whose buffers the machine cannot
# give is refused (exit 2) before anything is created, naming the figure and
# the largest BUF_SIZE that fits; that size then runs.  The bound is made
# small and certain with ulimit -v (RLIMIT_AS), so the test does not depend
# on this machine's free memory.  A BUF_SIZE above --total is refused too.
#
#   bash tests/cli/footprint.sh build/ipclab
set -uo pipefail
# A sanitizer build reserves terabytes of shadow address space and cannot
# start under ulimit -v: use the plain build when `scripts/lab test` gives it.
bin=$(readlink -f "${IPCLAB_PLAIN_BIN:-$1}")
work=$(mktemp -d /tmp/footprint-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
passes=0 fails=0
limit_kib=393216 # ulimit -v: 384 MiB per process

# Objects of process PID (names and System V keys carry the creator's pid).
objects_of() {
  ls /dev/shm /dev/mqueue 2>/dev/null | grep -E "ipclab-$1-"
  awk -v p="$1" 'FNR > 1 { k = $1 + 0; if (k < 0) k += 4294967296;
       if (int(k / 67108864) == 45 && int(k / 16) % 4194304 == p) print FILENAME ": " $0 }' \
    /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg
  ls -d /tmp/ipclab-"$1"-* 2>/dev/null
}
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

for t in $("$bin" list | awk 'NR > 1 && $1 != "" { print $1 }'); do
  for mode in stream pingpong; do
    # Stopped before it runs: the objects it would make carry its pid.
    bash -c 'kill -STOP $$; ulimit -v "$1"; exec "${@:2}"' sh "$limit_kib" \
      "$bin" run -t "$t" -b 3G -m "$mode" >"$work/out" 2>"$work/err" &
    pid=$!
    while [ "$(ps -o stat= -p "$pid" | cut -c1)" != T ]; do sleep 0.01; done
    kill -CONT "$pid"
    wait "$pid"; status=$?
    made=$(objects_of "$pid")
    if [ "$status" -ne 2 ] || [ "$(wc -l <"$work/err")" -ne 1 ] ||
       ! grep -q "^ipclab: run: --buf-size 3221225472: " "$work/err" ||
       [ -n "$made" ]; then
      fail "$t $mode -b 3G under ulimit -v: status $status: $(cat "$work/err") $made"
    else
      passes=$((passes + 1))
    fi
  done
done

# The figure, the bound and the size that fits; that size runs.
for t in pipe pshm-sem pipe-vmsplice shm-futex; do
  ( ulimit -v "$limit_kib"; exec "$bin" run -t "$t" -b 3G ) 2>"$work/err"
  fit=$(grep -o "the largest BUF_SIZE that fits is -b [0-9]*[KM]\?$" "$work/err" | awk '{ print $NF }')
  if ! grep -q "would map about [0-9.]* [GM]iB, above the address-space limit of a process (RLIMIT_AS, ulimit -v) of 384 MiB" "$work/err" ||
     [ -z "$fit" ]; then
    fail "$t: message: $(cat "$work/err")"
    continue
  fi
  ( ulimit -v "$limit_kib"; exec "$bin" run -t "$t" -b "$fit" --total "$fit" \
      --reps 1 --warmup 0 --quiet -f csv ) >"$work/out" 2>"$work/err"
  status=$?
  if [ "$status" -ne 0 ] || ! grep -q ",ok," "$work/out"; then
    fail "$t -b $fit (said to fit) under ulimit -v: status $status: $(cat "$work/err")"
  else
    passes=$((passes + 1))
  fi
done

# Whole memory: a size beyond MemAvailable is refused without any ulimit.
"$bin" run -t pipe -b 16T >/dev/null 2>"$work/err"; status=$?
if [ "$status" -ne 2 ] || ! grep -Eq "would hold about .* more than the .* this machine can give" "$work/err"; then
  fail "-b 16T: status $status: $(cat "$work/err")"
else
  passes=$((passes + 1))
fi

# No block larger than the bytes to move.
"$bin" run -t pipe -b 3G --total 8M >/dev/null 2>"$work/err"; status=$?
if [ "$status" -ne 2 ] || ! grep -q "^ipclab: run: --buf-size 3221225472: larger than --total 8388608" "$work/err"; then
  fail "-b 3G --total 8M: status $status: $(cat "$work/err")"
else
  passes=$((passes + 1))
fi

echo "footprint: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
