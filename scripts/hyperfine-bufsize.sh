#!/usr/bin/env bash
# hyperfine-bufsize.sh - the classroom measurement, `time ./reader` around the
# two-program transfer, done properly with hyperfine: whole-process wall time
# of a writer and a reader program moving one file through a transport, for
# each BUF_SIZE and transport.
#
# It makes one random input file (1 MiB plus 13 odd bytes, so the last block
# is always partial), then runs hyperfine (--warmup, --runs, -L buf, -L
# transport, -L pin) over one command per point that starts
#     ipclab xfr writer -t T -b B --pin P --name N < in      (in the background)
#     ipclab xfr reader -t T --pin P --name N > out
# waits for both and checks `cmp in out`; a failed or corrupt transfer stops
# hyperfine.  The timed command therefore includes process start-up, setup of
# the kernel objects, the file I/O, bash and cmp: what a student's `time`
# sees, not ipclab's in-process timed region (scripts/plot_hyperfine.py shows
# both, side by side).
#
# Output: DIR/hyperfine/bufsize.json (hyperfine --export-json) and
# DIR/hyperfine/bufsize.meta.json (input size, lists, binary); DIR may be an
# existing sweep folder, so that the plot can put ipclab's numbers beside.
#
#   scripts/hyperfine-bufsize.sh --quick -o results/hf-test
#   scripts/hyperfine-bufsize.sh -t pshm-sem,fifo -b 10,100,1K,10K --pin same,split
#
# Placement (--pin) decides the answer as much as BUF_SIZE does: on one CPU
# (same) a handoff is one context switch; across two (split) every handoff
# wakes the other CPU, several times dearer on a VM; unpinned the scheduler
# picks either, run by run.  The default is `same`: every machine has one CPU
# and the figure repeats, so a class's numbers compare.
#
# The ipclab binary: $IPCLAB_BIN, else build/release/ipclab, else build/ipclab.
# Needs hyperfine (Debian: apt-get install hyperfine; options of 1.15 only).
set -euo pipefail

prog=hyperfine-bufsize.sh
die() {
	echo "$prog: fatal: $*" >&2
	exit 1
}
usage() {
	cat <<EOF
usage: $prog [--quick] [-o DIR] [-t TRANSPORTS] [-b SIZES] [--pin PINS]
             [--size BYTES] [--runs N] [--warmup N]
Whole-process time of the two-program transfer (ipclab xfr writer | reader)
per BUF_SIZE, transport and placement, measured by hyperfine.

  --quick          256 KiB input, BUF_SIZEs 100,10000, 3 runs, 1 warm-up
  -o DIR           results folder (default results/hyperfine-YYYYmmdd-HHMMSS);
                   writes DIR/hyperfine/bufsize.json and bufsize.meta.json
  -t TRANSPORTS    comma list of transports with a named mode (\`ipclab list\`:
                   "named"); default pshm-sem,fifo
  -b SIZES         comma list of BUF_SIZEs, suffixes allowed (1K = 1024);
                   default 10,100,1000,10000
  --pin PINS       comma list of placements, each given to both programs:
                   same (both on one CPU), split (one CPU each), none (the
                   scheduler chooses).  Default same: it exists on every
                   machine and repeats; split costs a cross-CPU wake-up per
                   handoff, and none mixes the two run by run
  --size BYTES     input file size, suffixes allowed, e.g. 64M (default 1M
                   + 13 bytes; --quick 256K + 13)
  --runs N         timed runs per point (default 5; --quick 3)
  --warmup N       warm-up runs per point (default 1; --quick 1)
  -h, --help       this text

Before it starts it prints an estimate of the duration, from one short
transfer per transport and placement at the smallest BUF_SIZE.

Exit status: 0 ok, 1 failure (missing tool, failed transfer), 2 bad usage.
EOF
}

quick=0
outdir=""
transports="pshm-sem,fifo"
pins="same"
sizes=""
size=""
runs=""
warmup=""
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1 ;;
	-o | --output) [ $# -ge 2 ] || { usage >&2; exit 2; }; outdir=$2; shift ;;
	-t | --transport) [ $# -ge 2 ] || { usage >&2; exit 2; }; transports=$2; shift ;;
	-b | --buf-size) [ $# -ge 2 ] || { usage >&2; exit 2; }; sizes=$2; shift ;;
	--pin) [ $# -ge 2 ] || { usage >&2; exit 2; }; pins=$2; shift ;;
	--size) [ $# -ge 2 ] || { usage >&2; exit 2; }; size=$2; shift ;;
	--runs) [ $# -ge 2 ] || { usage >&2; exit 2; }; runs=$2; shift ;;
	--warmup) [ $# -ge 2 ] || { usage >&2; exit 2; }; warmup=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "$prog: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

if [ "$quick" = 1 ]; then
	: "${sizes:=100,10000}" "${size:=262157}" "${runs:=3}" "${warmup:=1}"
else
	: "${sizes:=10,100,1000,10000}" "${size:=1048589}" "${runs:=5}" "${warmup:=1}"
fi

# to_bytes SIZE: 64M -> 67108864 (K, M, G = 1024^n; an optional B or iB), or
# nothing when SIZE is not a size.
to_bytes() {
	[[ "$1" =~ ^([0-9]+)([KkMmGg]?)(i?B)?$ ]] || return 1
	local n=${BASH_REMATCH[1]} m=1
	case ${BASH_REMATCH[2]} in
	[Kk]) m=1024 ;; [Mm]) m=1048576 ;; [Gg]) m=1073741824 ;;
	esac
	((${#n} <= 12)) || return 1
	echo $((10#$n * m))
}
list=""
IFS=, read -r -a blist <<<"$sizes"
for b in "${blist[@]}"; do
	v=$(to_bytes "$b") && [ "$v" -gt 0 ] ||
		{ echo "$prog: -b $sizes: '$b' is not a BUF_SIZE; expected a comma list of sizes, e.g. 10,100,1K,64K" >&2; exit 2; }
	list+=${list:+,}$v
done
sizes=$list
size_arg=$size
size=$(to_bytes "$size") ||
	{ echo "$prog: --size $size_arg: expected a size, e.g. 1048576, 64M or 512KiB" >&2; exit 2; }
[[ "$transports" =~ ^[a-z0-9-]+(,[a-z0-9-]+)*$ ]] ||
	{ echo "$prog: -t $transports: expected a comma list of transport names" >&2; exit 2; }
[[ "$pins" =~ ^(same|split|none)(,(same|split|none))*$ ]] ||
	{ echo "$prog: --pin $pins: expected a comma list of same, split, none" >&2; exit 2; }
for v in runs warmup; do
	[[ "${!v}" =~ ^[0-9]+$ ]] || { echo "$prog: --$v ${!v}: expected a whole number" >&2; exit 2; }
done
[ "$size" -gt 0 ] || { echo "$prog: --size 0: the input must have at least one byte" >&2; exit 2; }
[ "$runs" -ge 2 ] || { echo "$prog: --runs $runs: hyperfine needs at least 2" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${IPCLAB_BIN:-}
if [ -z "$bin" ]; then
	for c in "$root/build/release/ipclab" "$root/build/ipclab"; do
		if [ -x "$c" ]; then bin=$c; break; fi
	done
fi
[ -n "$bin" ] || die "no ipclab binary: build it (cmake --preset release && cmake --build build/release) or set IPCLAB_BIN"
[ -x "$bin" ] || die "$bin: not an executable (IPCLAB_BIN?)"
case "$bin" in /*) ;; *) bin="$(pwd)/$bin" ;; esac

# The transfer needs the two-program mode; say so plainly when this build lacks it.
if ! err=$("$bin" xfr --help 2>&1 >/dev/null); then
	first=$(printf '%s\n' "$err" | head -n 1)
	die "\`ipclab xfr\` is not available in $bin (\`ipclab xfr --help\` failed: ${first:-no message}); this script needs the two-program transfer (ipclab xfr writer/reader): build an ipclab that has it, or point IPCLAB_BIN at one"
fi
command -v hyperfine >/dev/null 2>&1 || die "hyperfine not found (Debian: apt-get install hyperfine)"

[ -n "$outdir" ] || outdir="$root/results/hyperfine-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$outdir/hyperfine" || die "$outdir: cannot create the folder"
json="$outdir/hyperfine/bufsize.json"

work=$(mktemp -d "${TMPDIR:-/tmp}/hyperfine-bufsize.XXXXXX")
trap 'rm -rf "$work"' EXIT
head -c "$size" /dev/urandom >"$work/in"

# One transfer, as a student runs it: writer and reader are two programs that
# meet by name; the output must equal the input.  A reader that fails must not
# leave the writer blocked (hyperfine would wait forever), hence the kill.
# hyperfine hides the command's stderr, so the reasons also go to a log.
cat >"$work/xfr-once.sh" <<'EOF'
#!/usr/bin/env bash
set -u
bin=$1 t=$2 b=$3 pin=$4 in=$5 out=$6 log=$7
name="ipclab-hf-$$"
"$bin" xfr writer -t "$t" -b "$b" --pin "$pin" --name "$name" <"$in" 2>>"$log" &
wpid=$!
"$bin" xfr reader -t "$t" --pin "$pin" --name "$name" >"$out" 2>>"$log"
rrc=$?
if [ "$rrc" -ne 0 ]; then kill "$wpid" 2>/dev/null; fi
wait "$wpid"
wrc=$?
if [ "$rrc" -ne 0 ] || [ "$wrc" -ne 0 ]; then
	echo "xfr failed ($t, BUF_SIZE $b, --pin $pin): writer exit $wrc, reader exit $rrc" | tee -a "$log" >&2
	exit 1
fi
if ! cmp -s "$in" "$out"; then
	echo "xfr ($t, BUF_SIZE $b, --pin $pin): output differs from input" | tee -a "$log" >&2
	exit 1
fi
EOF
: >"$work/errors.log"

# The estimate: one short transfer per transport and placement at the
# smallest BUF_SIZE gives a time per handoff; every point costs its handoffs
# at that rate (an upper bound for larger blocks) plus start-up.
smallest=$(tr , '\n' <<<"$sizes" | sort -n | head -n 1)
cal=$((size < 100000 ? size : 100000))
head -c "$cal" "$work/in" >"$work/cal"
est_ns=0
IFS=, read -r -a tlist <<<"$transports"
IFS=, read -r -a plist <<<"$pins"
IFS=, read -r -a blist <<<"$sizes"
for t in "${tlist[@]}"; do
	for p in "${plist[@]}"; do
		t0=$(date +%s%N)
		bash "$work/xfr-once.sh" "$bin" "$t" "$smallest" "$p" "$work/cal" "$work/out" "$work/errors.log" ||
			die "the trial transfer failed: $(tail -n 3 "$work/errors.log")"
		per=$((($(date +%s%N) - t0) / ((cal + smallest - 1) / smallest)))
		for b in "${blist[@]}"; do
			est_ns=$((est_ns + (runs + warmup) * (per * ((size + b - 1) / b) + 20000000)))
		done
	done
done
est_s=$((est_ns / 1000000000 + 1))
echo "$prog: $size-byte input, BUF_SIZE $sizes, transports $transports, --pin $pins, $runs runs + $warmup warm-up each" >&2
echo "$prog: estimated duration: about $est_s s ($(((est_s + 59) / 60)) min), from one ${cal}-byte trial transfer per transport and placement at BUF_SIZE $smallest; a loaded machine takes longer" >&2
if ! hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
	-L transport "$transports" -L buf "$sizes" -L pin "$pins" \
	--command-name "{transport} BUF_SIZE={buf} --pin {pin}" \
	--export-json "$json" \
	"bash $work/xfr-once.sh $bin {transport} {buf} {pin} $work/in $work/out $work/errors.log" >&2; then
	rm -f "$json" "$outdir/hyperfine/bufsize.meta.json"
	why=$(tail -n 5 "$work/errors.log")
	die "hyperfine stopped: a transfer failed${why:+: $why}"
fi

# Everything the plot needs to put ipclab's in-process numbers beside.
cat >"$outdir/hyperfine/bufsize.meta.json" <<EOF
{
  "input_bytes": $size,
  "buf_sizes": [$sizes],
  "transports": ["${transports//,/\",\"}"],
  "pins": ["${pins//,/\",\"}"],
  "runs": $runs,
  "warmup": $warmup,
  "ipclab": "$bin",
  "host": "$(uname -n)",
  "date": "$(date +%Y-%m-%dT%H:%M:%S%z)",
  "command": "ipclab xfr writer -t {transport} -b {buf} --pin {pin} --name N < in & ipclab xfr reader -t {transport} --pin {pin} --name N > out; cmp in out"
}
EOF
echo "$prog: plot with: scripts/pyrun scripts/plot_hyperfine.py $outdir" >&2
echo "$json"
