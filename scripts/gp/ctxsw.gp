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

# --- helpers (the same in throughput.gp and ctxsw.gp) ---------------------
# awk program: the distinct values of column `col` (by name) over the stream
# rows with status ok, in order of appearance; it splits CSV lines itself so
# that quoted cells with commas (a pin of "0,1", a reason) do not shift columns.
AWK = 'function csv(s, f,   n, i, c, q) { n = 1; f[1] = ""; q = 0; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); if (c == "\"") q = !q; else if (c == "," && !q) f[++n] = ""; else f[n] = f[n] c } return n } { n = csv($0, f) } NR == 1 { for (i = 1; i <= n; i++) h[f[i]] = i; next } (col in h) && f[h[col]] != "" && f[h["status"]] == "ok" && f[h["mode"]] == "stream" && !seen[f[h[col]]]++ { print f[h[col]] }'
distinct(col) = system(sprintf("awk -v col='%s' '%s' '%s'", col, AWK, file))
# One field of meta.json (a string or a number), "" when absent.
meta(key) = system(sprintf('sed -n ''s/.*"%s": *"\([^"]*\)".*/\1/p; t; s/.*"%s": *\([0-9.]*\).*/\1/p'' ''%s/meta.json'' 2>/dev/null | head -n 1', key, key, dir))

# Colours: the table of scripts/ipclab_results.py (TRANSPORT_COLORS), so a
# transport looks the same in both tools; unknown names cycle through FALLBACK.
KNOWN = "pshm-sem pshm-pipe pipe sysv-shm unix-stream unix-seqpacket fifo posix-mq sysv-msg shm-futex shm-eventfd pipe-vmsplice tcp-loopback memfd"
COLORS = "#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #17becf #393b79 #637939 #e7ba52 #ad494a"
FALLBACK = "#5254a3 #8ca252 #bd9e39 #843c39 #7b4173 #3182bd #e6550d #31a354 #756bb1 #636363 #9c9ede #cedb9c"
idx(t, i) = (i > words(KNOWN)) ? 0 : (word(KNOWN, i) eq t ? i : idx(t, i + 1))
color(t, n) = idx(t, 1) > 0 ? word(COLORS, idx(t, 1)) : word(FALLBACK, 1 + (n - 1) % words(FALLBACK))
inlist(l, t, i) = (i > words(l)) ? 0 : (word(l, i) eq t ? 1 : inlist(l, t, i + 1))

# Transports present: known ones in the table's order, then the others.
present = distinct("transport")
TLIST = ""
do for [k = 1:words(KNOWN)] {
	if (inlist(present, word(KNOWN, k), 1)) { TLIST = TLIST . " " . word(KNOWN, k) }
}
do for [k = 1:words(present)] {
	if (!inlist(KNOWN, word(present, k), 1)) { TLIST = TLIST . " " . word(present, k) }
}
if (words(TLIST) == 0) {
	print sprintf("fatal: %s: no stream rows with status ok", file)
	exit status 1
}
PIN = (ARGC >= 3 && strlen(ARG3) > 0) ? ARG3 : word(distinct("pin"), 1)

# awk program: the header and the rows of transport t (any when t is "") of
# the baseline settings (stream, ok, copy, populate/hugepages off or n/a, the
# chosen pin), sorted by buf_size.  Lines
# are drawn from these rows only: a row of another transport in between would
# otherwise break the line (or, with smooth, be averaged in).
SEL = 'function csv(s, f,   n, i, c, q) { n = 1; f[1] = ""; q = 0; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); if (c == "\"") q = !q; else if (c == "," && !q) f[++n] = ""; else f[n] = f[n] c } return n } { n = csv($0, f) } NR == 1 { for (i = 1; i <= n; i++) h[f[i]] = i; print "0\t" $0; next } (t == "" || f[h["transport"]] == t) && f[h["mode"]] == "stream" && f[h["status"]] == "ok" && (f[h["access"]] == "copy" || f[h["access"]] == "") && f[h["populate"]] ~ /^(off|n\/a|)$/ && f[h["hugepages"]] ~ /^(off|n\/a|)$/ && f[h["pin"]] == pin { print f[h["buf_size"]] "\t" $0 }'
rows(t) = sprintf("< awk -v t='%s' -v pin='%s' '%s' '%s' | sort -s -t '\t' -k1,1g | cut -f2-", t, PIN, SEL, file)
pos(v) = v > 0 ? v : NaN

set datafile separator comma
set datafile columnheaders
set key autotitle columnhead

stats file using (column("buf_size")) nooutput
xmin = STATS_min
xmax = STATS_max

# Binary size labels on a log2 axis: a tick every 1, 2, 5 or 10 powers of 2.
size_label(x) = x >= 2**30 ? sprintf("%g GiB", x / 2**30) : x >= 2**20 ? sprintf("%g MiB", x / 2**20) : x >= 2**10 ? sprintf("%g KiB", x / 2**10) : sprintf("%g B", x)
e0 = floor(log(xmin) / log(2) + 1e-9)
e1 = ceil(log(xmax) / log(2) - 1e-9)
span = (e1 - e0) > 0 ? e1 - e0 : 1
step = span <= 8 ? 1 : span <= 16 ? 2 : span <= 40 ? 5 : 10
set logscale x 2
set xtics () nomirror
do for [e = e0:e1] {
	if (e % step == 0) { set xtics add (size_label(2**e) 2**e) }
}
set xrange [xmin / 1.3 : xmax * 1.3]
# ---------------------------------------------------------------------------

# Bytes per handoff, to turn "per handoff" into "per MiB".
bpb(dummy) = column("blocks") > 0 ? column("total_bytes") / column("blocks") : column("buf_size")
permib(v) = pos(v) * 1048576.0 / bpb(0)

cpu = meta("cpu_model")
ncpu = meta("cpus_online")
day = meta("start_time")
day = strlen(day) >= 10 ? day[1:10] : day
set terminal pngcairo size 1600,560 font "DejaVu Sans,10" noenhanced
set output out
set grid xtics ytics lc rgb "#dddddd"
set xlabel "BUF_SIZE (bytes per handoff)"
set logscale y 10
set format y "%g"
set multiplot layout 1,3 title sprintf("Context switches and cost per handoff (stream, pin %s; writer solid, reader dashed)\n%s, %s CPUs  %s", PIN, cpu eq "" ? "unknown machine" : cpu, ncpu eq "" ? "?" : ncpu, day) margins 0.05, 0.87, 0.13, 0.86 spacing 0.07, 0.1

set key off
set ylabel "voluntary context switches per handoff"
plot for [k = 1:words(TLIST)] rows(word(TLIST, k)) \
	using (column("buf_size")):(pos(column("writer_vcsw_per_block"))) \
	with linespoints lw 2 pt 7 ps 0.6 lc rgb color(word(TLIST, k), k) notitle, \
     for [k = 1:words(TLIST)] rows(word(TLIST, k)) \
	using (column("buf_size")):(pos(column("reader_vcsw_per_block"))) \
	with linespoints lw 2 dt 2 pt 7 ps 0.6 lc rgb color(word(TLIST, k), k) notitle

set ylabel "voluntary context switches per MiB moved"
plot for [k = 1:words(TLIST)] rows(word(TLIST, k)) \
	using (column("buf_size")):(permib(column("writer_vcsw_per_block"))) \
	with linespoints lw 2 pt 7 ps 0.6 lc rgb color(word(TLIST, k), k) notitle, \
     for [k = 1:words(TLIST)] rows(word(TLIST, k)) \
	using (column("buf_size")):(permib(column("reader_vcsw_per_block"))) \
	with linespoints lw 2 dt 2 pt 7 ps 0.6 lc rgb color(word(TLIST, k), k) notitle

set ylabel "time per handoff (wall / blocks)"
set format y "%.0s %cs"
set key at screen 0.89, 0.8 left top Left reverse
plot for [k = 1:words(TLIST)] rows(word(TLIST, k)) \
	using (column("buf_size")):(pos(column("ns_per_block")) * 1e-9) \
	with linespoints lw 2 pt 7 ps 0.6 lc rgb color(word(TLIST, k), k) title word(TLIST, k), \
     NaN with lines lw 2 lc rgb "#555555" title "writer", \
     NaN with lines lw 2 dt 2 lc rgb "#555555" title "reader"
unset multiplot
unset output
set print "-"
print out
