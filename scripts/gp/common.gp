# common.gp - what scripts/gp/throughput.gp and ctxsw.gp share: loaded by them
# after they set `dir` (the results folder) and `file` (its summary.csv).
#
# The awk programs split CSV lines themselves so that quoted cells with commas
# (a pin of "0,1", a reason) do not shift columns, and find columns by NAME in
# the header, so added columns do not break them.

CSV = 'function csv(s, f,   n, i, c, q) { n = 1; f[1] = ""; q = 0; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); if (c == "\"") q = !q; else if (c == "," && !q) f[++n] = ""; else f[n] = f[n] c } return n } { n = csv($0, f) } NR == 1 { for (i = 1; i <= n; i++) h[f[i]] = i; '

# The distinct values of column `col` over the stream rows with status ok, in
# order of appearance.
AWK = CSV . 'next } (col in h) && f[h[col]] != "" && f[h["status"]] == "ok" && f[h["mode"]] == "stream" && !seen[f[h[col]]]++ { print f[h[col]] }'
distinct(col) = system(sprintf("awk -v col='%s' '%s' '%s'", col, AWK, file))
# One field of meta.json (a string or a number), "" when absent.
meta(key) = system(sprintf('sed -n ''s/.*"%s": *"\([^"]*\)".*/\1/p; t; s/.*"%s": *\([0-9.]*\).*/\1/p'' ''%s/meta.json'' 2>/dev/null | head -n 1', key, key, dir))

# Colour, point type and dash of each transport: scripts/transports.csv, the
# table scripts/ipclab_results.py reads too (rows "*": colours of unknown
# transports, which cycle through them).  Marker and dash are the family's.
TFILE = system(sprintf("dirname '%s'", ARG0)) . "/../transports.csv"
tcol(c, star) = system(sprintf("awk -F, -v c=%d -v star=%d 'NR > 1 && ($1 == \"*\") == star { printf \"%%s \", $c }' '%s'", c, star, TFILE))
KNOWN = tcol(1, 0)
COLORS = tcol(3, 0)
PTS = tcol(5, 0)
DASHES = tcol(6, 0)
FALLBACK = tcol(3, 1)
idx(t, i) = (i > words(KNOWN)) ? 0 : (word(KNOWN, i) eq t ? i : idx(t, i + 1))
color(t, n) = idx(t, 1) > 0 ? word(COLORS, idx(t, 1)) : word(FALLBACK, 1 + (n - 1) % words(FALLBACK))
ptype(t) = idx(t, 1) > 0 ? int(word(PTS, idx(t, 1))) : 2
dashn(d) = d eq "-" ? 1 : d eq "--" ? 2 : d eq ":" ? 3 : 4
dtype(t) = idx(t, 1) > 0 ? dashn(word(DASHES, idx(t, 1))) : 4
inlist(l, t, i) = (i > words(l)) ? 0 : (word(l, i) eq t ? 1 : inlist(l, t, i + 1))

if (words(distinct("transport")) == 0) {
	print sprintf("fatal: %s: no stream rows with status ok", file)
	exit status 1
}
PIN = (ARGC >= 3 && strlen(ARG3) > 0) ? ARG3 : word(distinct("pin"), 1)

# The baseline rows (stream, ok, copy, populate/hugepages off or n/a, the
# chosen pin) of transport t (any when t is ""), only the flagged ones when fl
# is "unstable", with the header, sorted by buf_size.  Lines are drawn from
# these rows only: a row of another transport in between would break the line.
BASE = '(t == "" || f[h["transport"]] == t) && f[h["mode"]] == "stream" && f[h["status"]] == "ok" && (f[h["access"]] == "copy" || f[h["access"]] == "") && f[h["populate"]] ~ /^(off|n\/a|)$/ && f[h["hugepages"]] ~ /^(off|n\/a|)$/ && f[h["pin"]] == pin && (fl == "" || (("flag" in h) && f[h["flag"]] == fl))'
SEL = CSV . 'print "0\t" $0; next } ' . BASE . ' { print f[h["buf_size"]] "\t" $0 }'
rowsf(t, fl) = sprintf("< awk -v t='%s' -v pin='%s' -v fl='%s' '%s' '%s' | sort -s -t '\t' -k1,1g | cut -f2-", t, PIN, fl, SEL, file)
rows(t) = rowsf(t, "")
# The transports with flagged (unstable) points among those rows.
FL = CSV . 'next } ' . BASE . ' && !seen[f[h["transport"]]]++ { print f[h["transport"]] }'
FLIST = system(sprintf("awk -v t='' -v fl=unstable -v pin='%s' '%s' '%s'", PIN, FL, file))
UNSTABLE = words(FLIST) > 0
tindex(l, t, i) = (i > words(l)) ? 0 : (word(l, i) eq t ? i : tindex(l, t, i + 1))
# The transports in the order of their lines at the right edge (the value of
# column col at each one's largest buf_size, highest first): the key's order.
EDGE = CSV . 'next } ' . BASE . ' { t0 = f[h["transport"]]; b = f[h["buf_size"]] + 0; if (!(t0 in mb) || b >= mb[t0]) { mb[t0] = b; v[t0] = f[h[col]] } } END { for (k in v) print k "\t" (v[k] == "" ? -1e300 : v[k]) }'
edge_order(col) = system(sprintf("awk -v t='' -v fl='' -v pin='%s' -v col='%s' '%s' '%s' | sort -t '\t' -k2,2gr | cut -f1 | tr '\\n' ' '", PIN, col, EDGE, file))
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
cpu = meta("cpu_model")
ncpu = meta("cpus_online")
day = meta("start_time")
day = strlen(day) >= 10 ? day[1:10] : day
machine = sprintf("%s, %s CPUs  %s", cpu eq "" ? "unknown machine" : cpu, ncpu eq "" ? "?" : ncpu, day)
