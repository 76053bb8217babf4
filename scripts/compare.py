#!/usr/bin/env python3
"""Compare several ipclab results folders: the same sweep on several machines,
or before and after a change (kernel, options, code).

Draws throughput vs BUF_SIZE of every folder on one log-log figure (colour =
transport, line style = folder) beside the ratio of each folder to the first
(B/A), and writes the ratios as compare.csv and as a table on stdout: one row
per transport and BUF_SIZE that both folders measured (stream rows with status
ok and default memory options).  Labels come from meta.json (host and run id)
unless given with --label.  Run it through scripts/pyrun.
"""

import argparse
import math
import os
import sys

try:
    import matplotlib
    import numpy  # noqa: F401
except ImportError:
    sys.exit("fatal: %s cannot import matplotlib and numpy: run this script through "
             "scripts/pyrun, which finds a Python that has them" % sys.executable)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipclab_results as ir  # noqa: E402
import plot  # noqa: E402

FOLDER_STYLES = ("-", "--", ":", "-.")
FOLDER_MARKERS = ("o", "s", "^", "D", "v", "P")


def die(msg):
    print("fatal: %s" % msg, file=sys.stderr)
    sys.exit(1)


def labels_for(results, given):
    """--label values in order, else meta host + run id; made unique."""
    labels = []
    for i, res in enumerate(results):
        if given and i < len(given):
            lab = given[i]
        else:
            hosts = set(r.meta.get("host") for r in results)
            # Same machine everywhere: the run id alone tells them apart.
            lab = (str(res.meta.get("run_id") or os.path.basename(os.path.normpath(res.path)))
                   if len(hosts) == 1 else res.label())
        while lab in labels:
            lab += " (%d)" % (i + 1)
        labels.append(lab)
    return labels


def stream_table(res):
    """{(transport, access, pin, buf_size): summary row} of the comparable rows."""
    rows = ir.baseline(ir.select(res.summary, mode="stream", status="ok"))
    return {(r["transport"], r.get("access", ""), r.get("pin", ""), ir.num(r, "buf_size")): r
            for r in rows}


def ratios(tables, labels):
    """Rows of (label, transport, access, pin, buf_size, a_bps, x_bps, ratio)
    for every folder after the first, on the keys both have."""
    out = []
    base = tables[0]
    for lab, tab in zip(labels[1:], tables[1:]):
        for key in sorted(set(base) & set(tab), key=lambda k: (k[0], k[1], k[2], k[3])):
            a = ir.num(base[key], "bytes_per_s_median")
            b = ir.num(tab[key], "bytes_per_s_median")
            r = b / a if a > 0 and math.isfinite(b) else math.nan
            out.append((lab,) + key + (a, b, r))
    return out


def draw(results, labels, tables, rat, outdir):
    names = []
    for res in results:
        for t in ir.transports_in(ir.select(res.summary, mode="stream", status="ok")):
            if t not in names:
                names.append(t)
    machines = [ir.machine_line(r.meta) for r in results]
    if len(set(machines)) == 1:
        dates = []
        for r in results:
            d = ir.run_date(r.meta)
            if d and d not in dates:
                dates.append(d)
        ctx = "%s — %s" % (machines[0], ", ".join(dates)) if dates else machines[0]
    else:
        ctx = "\n".join("%s: %s" % (plot.textwrap.shorten(lab, 30), ir.title_context(r.meta))
                        for lab, r in list(zip(labels, results))[:4])
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.2), squeeze=False)
    ax_t, ax_r = axes[0]
    fig.suptitle("Throughput vs BUF_SIZE across runs (stream, median)\n%s" % ctx, fontsize=11)
    sizes, vals = [], []
    for k, (lab, tab) in enumerate(zip(labels, tables)):
        st, mk = FOLDER_STYLES[k % len(FOLDER_STYLES)], FOLDER_MARKERS[k % len(FOLDER_MARKERS)]
        series = {}
        for key, r in tab.items():
            series.setdefault(key[:3], []).append(r)
        for (t, acc, pin), rows in series.items():
            rows = ir.sorted_by_size(rows)
            x = ir.column(rows, "buf_size")
            y = ir.column(rows, "bytes_per_s_median")
            fx, fy = plot.finite_pos(x, y)
            ax_t.plot(fx, fy, color=ir.transport_color(t), ls=st, marker=mk, ms=4, lw=1.5)
            sizes += list(fx)
            vals += list(fy)
    plot.size_axis(ax_t, sizes)
    plot.log_y(ax_t, ir.fmt_rate, vals)
    ax_t.set_ylabel("throughput at the reader (bytes/s, 1 GB/s = 10⁹ B/s)")
    ax_t.set_title("throughput", fontsize=10)
    rvals = []
    for k, lab in enumerate(labels[1:], start=1):
        st, mk = FOLDER_STYLES[k % len(FOLDER_STYLES)], FOLDER_MARKERS[k % len(FOLDER_MARKERS)]
        by = {}
        for e in rat:
            if e[0] == lab:
                by.setdefault(e[1:4], []).append((e[4], e[7]))
        for (t, acc, pin), pts in by.items():
            pts.sort()
            x = np.array([p[0] for p in pts])
            y = np.array([p[1] for p in pts])
            fx, fy = plot.finite_pos(x, y)
            ax_r.plot(fx, fy, color=ir.transport_color(t), ls=st, marker=mk, ms=4, lw=1.5)
            rvals += list(fy)
    ax_r.axhline(1.0, color="black", lw=0.8)
    plot.size_axis(ax_r, sizes)
    rfmt = FuncFormatter(lambda v, p: "%g×" % float("%.3g" % v))
    if rvals and max(rvals + [1.0]) / min(rvals + [1.0]) > 4:
        plot.log_y(ax_r, rfmt.func, rvals + [1.0])
    else:
        ax_r.yaxis.set_major_formatter(rfmt)
        ax_r.grid(True, alpha=0.3)
    ax_r.set_ylabel("throughput ratio (above 1: faster than the first)")
    ax_r.set_title("ratio to %s" % plot.textwrap.shorten(labels[0], 50), fontsize=10)
    handles = plot.transport_handles(names)
    handles += [Line2D([], [], color="0.3", ls=FOLDER_STYLES[k % len(FOLDER_STYLES)],
                       marker=FOLDER_MARKERS[k % len(FOLDER_MARKERS)], ms=4,
                       label=plot.textwrap.shorten(lab, 40))
                for k, lab in enumerate(labels)]
    plot.legend_right(fig, handles)
    return plot.save(fig, outdir, "compare")


def write_csv(rat, path):
    import csv
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("label", "transport", "access", "pin", "buf_size", "bytes_per_s_first",
                    "bytes_per_s", "ratio"))
        for e in rat:
            w.writerow([e[0], e[1], e[2], e[3], "%d" % e[4]] +
                       ["" if not math.isfinite(v) else "%.6g" % v for v in e[5:]])


def print_table(rat, labels, f=sys.stdout):
    print("throughput ratio to %s (median bytes/s, stream):" % labels[0], file=f)
    print("%-28s %-15s %10s %12s %12s %8s" % ("folder", "transport", "BUF_SIZE",
                                              "first", "this", "ratio"), file=f)
    for e in rat:
        print("%-28s %-15s %10s %12s %12s %8s" % (
            plot.textwrap.shorten(e[0], 28), e[1], ir.fmt_size(e[4]), ir.fmt_rate(e[5]),
            ir.fmt_rate(e[6]), "-" if not math.isfinite(e[7]) else "%.2f" % e[7]), file=f)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="+", help="results folders; the first is the reference (A)")
    ap.add_argument("-l", "--label", action="append", metavar="NAME",
                    help="a label per folder, in order (repeat the option)")
    ap.add_argument("-o", "--output", metavar="OUTDIR", default="compare",
                    help="where to write compare.png/.svg and compare.csv (default ./compare)")
    args = ap.parse_args(argv)
    if len(args.results) < 2:
        die("give at least two results folders to compare")
    if args.label and len(args.label) > len(args.results):
        die("%d labels for %d folders" % (len(args.label), len(args.results)))
    try:
        results = [ir.load(p) for p in args.results]
        labels = labels_for(results, args.label)
        tables = [stream_table(r) for r in results]
        for res, tab in zip(results, tables):
            if not tab:
                raise ir.ResultsError("%s: no stream rows with status ok in summary.csv" % res.path)
        rat = ratios(tables, labels)
        os.makedirs(args.output, exist_ok=True)
        paths = draw(results, labels, tables, rat, args.output)
        cpath = os.path.join(args.output, "compare.csv")
        write_csv(rat, cpath)
    except ir.ResultsError as e:
        die(str(e))
    except OSError as e:
        die("%s: %s" % (getattr(e, "filename", None) or args.output, e.strerror or e))
    if not rat:
        print("note: the folders have no transport and BUF_SIZE in common: no ratios",
              file=sys.stderr)
    else:
        print_table(rat, labels)
    for p in paths + [cpath]:
        print(p)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
