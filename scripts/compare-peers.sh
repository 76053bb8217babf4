#!/usr/bin/env bash
# compare-peers.sh - ipclab beside tools people trust, on the same machine,
# in one invocation, with the same placement; prints the ratios.
#
#   scripts/compare-peers.sh [--quick] [-o DIR] [--bin PATH]
#
# 1. pipe round trip: `perf bench sched pipe` (4-byte messages, the mean of
#    all round trips) vs ipclab pipe ping-pong at 4 bytes (mean per round
#    trip: wall / round trips), both on one CPU (taskset -c 0 / --pin same).
# 2. pipe stream at 512 B: `stress-ng --pipe` (Debian's 0.15.06 ignores
#    --pipe-data-size and always writes 512 B; its "MB per sec" is MiB/s of
#    the writer) vs ipclab pipe -b 512, both on one CPU and unpinned.
# 3. pipe stream through dd at 4K, 64K, 1M (`dd if=/dev/zero | dd
#    of=/dev/null`, writer on CPU 0, reader on CPU 1; the reading dd's own
#    rate) vs ipclab pipe --pin split.
# 4. the semaphore handoff: ipclab pshm-sem ping-pong at 1 byte, half a
#    round trip, vs `ipclab ctxsw --primitive sem` ns per handoff (same CPU).
# Rows go to DIR/peers.csv (default results/peers-<time>/); the reasons for
# differences above 10% are in docs/methodology.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quick=0 out="" bin=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    -o) out=$2; shift ;;
    --bin) bin=$2; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare-peers: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
bin=${bin:-${IPCLAB_BIN:-$here/build/release/ipclab}}
[ -x "$bin" ] || { echo "compare-peers: no ipclab at $bin (build: cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
# The peers are installed the way scripts/lab installs its packages.
die() { echo "compare-peers: $*" >&2; exit 1; }
. "$here/scripts/lib/pkgs.sh"
command -v perf >/dev/null && command -v stress-ng >/dev/null ||
  install_pkgs linux-perf stress-ng
for tool in perf stress-ng dd taskset awk; do
  command -v "$tool" >/dev/null || { echo "compare-peers: $tool is missing (apt-get install linux-perf stress-ng)" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "compare-peers: needs two CPUs" >&2; exit 77; }
out=${out:-$here/results/peers-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
csv=$out/peers.csv
echo "measurement,ipclab,peer,unit,peer_tool,ratio_ipclab_over_peer" > "$csv"

# dd moves dd_mib MiB at every block size, so its start-up stays negligible.
if [ "$quick" = 1 ]; then loops=20000 ops=50000 dd_mib=32 mt=0.05 reps=2
else loops=200000 ops=500000 dd_mib=512 mt=0.3 reps=5; fi

# Median over the timed repetitions of an expression of runs.csv columns.
median_of() { # awk-expression, then ipclab run arguments
  local expr=$1; shift
  "$bin" run "$@" --reps "$reps" --min-time "$mt" --format csv --quiet |
    awk -F, "NR == 1 { for (i = 1; i <= NF; i++) c[\$i] = i; next }
      \$c[\"warmup\"] == 0 && \$c[\"status\"] == \"ok\" { print $expr }" |
    sort -g | awk '{ v[NR] = $1 } END { if (!NR) exit 1
      print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ipclab_col() { median_of "\$c[\"$1\"]" "${@:2}"; }
# Mean one-way ns of a ping-pong repetition: wall / round trips / 2.
ipclab_oneway_mean() { median_of '$c["wall_ns"] / $c["blocks"] / 2' "$@" -m pingpong; }
row() { # name ipclab peer unit tool
  local ratio
  ratio=$(awk -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "" }')
  echo "$1,$2,$3,$4,$5,$ratio" >> "$csv"
  printf '%-44s %14.1f %14.1f %-6s %6s  (%s)\n' "$1" "$2" "$3" "$4" "$ratio" "$5"
}
printf '%-44s %14s %14s %-6s %6s\n' measurement ipclab peer unit ratio

# 1. perf bench sched pipe, one CPU.
perf_us=$(taskset -c 0 perf bench sched pipe -l "$loops" 2>/dev/null | awk '/usecs\/op/ { print $1 }')
perf_oneway=$(awk -v u="$perf_us" 'BEGIN { print u * 1000 / 2 }')
ip_oneway=$(ipclab_oneway_mean -t pipe -b 4 --pin same)
row "pipe one-way latency, 4 B, one CPU" "$ip_oneway" "$perf_oneway" ns "perf bench sched pipe"

# 2. stress-ng --pipe, 512 B, one CPU and unpinned.
for place in same none; do
  if [ "$place" = same ]; then pre=(taskset -c 0); else pre=(); fi
  sng=$("${pre[@]}" stress-ng --pipe 1 --pipe-ops "$ops" --metrics-brief 2>&1 |
        awk '/MB per sec pipe write rate/ { for (i = 1; i <= NF; i++) if ($i == "MB") print $(i - 1) * 1048576 }')
  ip=$(ipclab_col bytes_per_s -t pipe -b 512 --pin "$place")
  row "pipe stream 512 B, pin $place" "$ip" "$sng" "B/s" "stress-ng --pipe"
done

# 3. dd through a pipe, writer CPU 0, reader CPU 1.
for bs in 4K 64K 1M; do
  case $bs in 4K) n=$((dd_mib * 256)) ;; 64K) n=$((dd_mib * 16)) ;; 1M) n=$dd_mib ;; esac
  # dd prints "B bytes (...) copied, S s, R unit": bytes / seconds.
  rate=$( { taskset -c 0 dd if=/dev/zero bs="$bs" count="$n" status=none |
            taskset -c 1 dd of=/dev/null bs="$bs" 2>&1 >/dev/null; } |
          awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "s,") s = $(i - 1); print $1 / s }' | tail -1)
  ip=$(ipclab_col bytes_per_s -t pipe -b "$bs" --pin 0,1)
  row "pipe stream $bs, split CPUs" "$ip" "$rate" "B/s" "dd | dd"
done

# 4. the semaphore handoff: ping-pong half round trip vs ctxsw.
if "$bin" ctxsw --help >/dev/null 2>&1; then
  sem_pp=$(ipclab_oneway_mean -t pshm-sem -b 1 --pin same)
  cs=$("$bin" ctxsw --primitive sem --pin same --reps "$reps" --min-time "$mt" --format csv 2>/dev/null |
       awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "handoff_median_ns") k = i; next } k { print $k; exit }')
  row "semaphore handoff, one CPU" "$sem_pp" "${cs:-0}" ns "ipclab ctxsw --primitive sem"
else
  echo "(ipclab ctxsw is not built: skipping the semaphore comparison)"
fi
echo "rows in $csv"
