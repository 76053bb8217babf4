# ctxsw.gp - context switches and cost per handoff vs BUF_SIZE from an ipclab
# results folder, for users without Python (the same panels as scripts/plot.py's
# ctxsw.png).
#
#   gnuplot -c scripts/gp/ctxsw.gp results/DIR [OUT.png] [PIN]
#
# Reads DIR/summary.csv by column NAME: stream rows with status ok, copy
# access, default memory options, one pin placement (PIN, default the first in
# the file).  Three panels: voluntary context switches per handoff and per MiB
# moved (writer solid, reader dashed), and the time per handoff (wall time /
# blocks).  OUT defaults to DIR/plots/ctxsw-gp.png.  Needs gnuplot >= 5.4
# (pngcairo), awk and sed.

if (ARGC < 1) {
	print "usage: gnuplot -c scripts/gp/ctxsw.gp results/DIR [OUT.png] [PIN]"
	exit status 2
}
dir = ARG1
file = dir . "/summary.csv"
if (system(sprintf("test -r '%s' && echo y", file)) ne "y") {
	print sprintf("fatal: %s: no summary.csv here (expected a results folder made by: ipclab sweep -o DIR)", dir)
	exit status 1
}
out = (ARGC >= 2 && strlen(ARG2) > 0) ? ARG2 : dir . "/plots/ctxsw-gp.png"
system(sprintf("mkdir -p \"$(dirname '%s')\"", out))

load system(sprintf("dirname '%s'", ARG0)) . "/common.gp"

# Bytes per handoff, to turn "per handoff" into "per MiB".
bpb(dummy) = column("blocks") > 0 ? column("total_bytes") / column("blocks") : column("buf_size")
permib(v) = pos(v) * 1048576.0 / bpb(0)

TLIST = edge_order("ns_per_block")
LINE(col) = sprintf('for [k = 1:words(TLIST)] rows(word(TLIST, k)) using (column("buf_size")):(%s) with linespoints lw 2 dt dtype(word(TLIST, k)) pt ptype(word(TLIST, k)) ps 0.7 lc rgb color(word(TLIST, k), k)', col)

set terminal pngcairo size 1300,900 font "DejaVu Sans,10" noenhanced
set output out
set grid xtics ytics lc rgb "#dddddd"
set xlabel "BUF_SIZE (bytes per handoff)"
set logscale y 10
set format y "%g"
set multiplot layout 2,2 title sprintf("Context switches and cost per handoff (stream, pin %s; a count of 0 is not drawn on these log axes)\n%s", PIN, machine) margins 0.07, 0.84, 0.07, 0.9 spacing 0.08, 0.1

set key off
set ylabel "writer: voluntary context switches per handoff"
L = LINE('pos(column("writer_vcsw_per_block"))')
plot @L notitle
set ylabel "reader: voluntary context switches per handoff"
L = LINE('pos(column("reader_vcsw_per_block"))')
plot @L notitle
set ylabel "voluntary context switches per MiB (writer + reader)"
L = LINE('permib(column("writer_vcsw_per_block") + column("reader_vcsw_per_block"))')
plot @L notitle

set ylabel "time per handoff (wall / blocks)"
set format y "%.0s %cs"
set key at screen 0.855, 0.5 left center Left reverse title "top to bottom as at the\nright edge of this panel"
L = LINE('pos(column("ns_per_block")) * 1e-9')
plot @L title word(TLIST, k)
unset multiplot
unset output
set print "-"
print out
