# throughput.gp - throughput vs BUF_SIZE from an ipclab results folder, for
# users without Python (the same figure as scripts/plot.py's throughput.png).
#
#   gnuplot -c scripts/gp/throughput.gp results/DIR [OUT.png] [PIN]
#
# Reads DIR/summary.csv by column NAME (never by position, so added columns do
# not break it): stream rows with status ok, copy access, default memory
# options (populate and hugepages off or n/a), one pin placement (PIN, default
# the first in the file).  One line per transport (median) with min-max error
# bars, and the memcpy floor measured in the same run (dashed).  Log-log axes,
# BUF_SIZE in binary units.  OUT defaults to DIR/plots/throughput-gp.png.
# Needs gnuplot >= 5.4 (pngcairo), awk and sed.

if (ARGC < 1) {
	print "usage: gnuplot -c scripts/gp/throughput.gp results/DIR [OUT.png] [PIN]"
	exit status 2
}
dir = ARG1
file = dir . "/summary.csv"
if (system(sprintf("test -r '%s' && echo y", file)) ne "y") {
	print sprintf("fatal: %s: no summary.csv here (expected a results folder made by: ipclab sweep -o DIR)", dir)
	exit status 1
}
out = (ARGC >= 2 && strlen(ARG2) > 0) ? ARG2 : dir . "/plots/throughput-gp.png"
system(sprintf("mkdir -p \"$(dirname '%s')\"", out))

load system(sprintf("dirname '%s'", ARG0)) . "/common.gp"

TLIST = edge_order("bytes_per_s_median")

set logscale y 10
set format y "%.0s %cB/s"
set grid xtics ytics lc rgb "#dddddd"
set xlabel "BUF_SIZE (bytes per handoff)"
set ylabel "throughput at the reader (1 GB/s = 1e9 B/s)"
set title sprintf("Throughput vs BUF_SIZE (stream, pin %s; line: median, bars: min-max)\n%s", PIN, machine)
set key outside right top title "top to bottom as at the right edge"
set terminal pngcairo size 1100,620 font "DejaVu Sans,10" noenhanced
set output out

# Marker and dash: the transport's family; colour: the transport.  Flagged
# (unstable) points get a hollow circle around them, when there are any.
FLAGGED = !UNSTABLE ? "" : 'for [k = 1:words(FLIST)] rowsf(word(FLIST, k), "unstable") using (column("buf_size")):(pos(column("bytes_per_s_median"))) with points pt 6 ps 2 lw 2 lc rgb color(word(FLIST, k), tindex(TLIST, word(FLIST, k), 1)) notitle, NaN with points pt 6 ps 2 lw 2 lc rgb "#555555" title "unstable (flagged)",'
plot for [k = 1:words(TLIST)] rows(word(TLIST, k)) \
	using (column("buf_size")):(pos(column("bytes_per_s_median"))) \
	with linespoints lw 2 dt dtype(word(TLIST, k)) pt ptype(word(TLIST, k)) ps 0.8 lc rgb color(word(TLIST, k), k) title word(TLIST, k), \
     for [k = 1:words(TLIST)] rows(word(TLIST, k)) \
	using (column("buf_size")):(pos(column("bytes_per_s_median"))):(pos(column("bytes_per_s_min"))):(pos(column("bytes_per_s_max"))) \
	with yerrorbars pt ptype(word(TLIST, k)) ps 0.6 lc rgb color(word(TLIST, k), k) notitle, \
     @FLAGGED \
     rows("") using (column("buf_size")):(pos(column("floor_bytes_per_s"))) \
	smooth unique with lines dt 2 lw 1.5 lc rgb "black" title "memcpy floor (same run)"
unset output
set print "-"
print out
