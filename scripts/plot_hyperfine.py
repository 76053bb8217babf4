#!/usr/bin/env python3
"""Plot whole-process time vs BUF_SIZE per transport from hyperfine's JSON
(made by scripts/hyperfine-bufsize.sh into DIR/hyperfine/bufsize.json).

Solid lines: hyperfine's mean wall time of the whole two-program transfer
(process start-up, kernel-object setup, file I/O, bash and cmp included), with
min-max bars.  Dashed lines, when DIR also holds an ipclab sweep
(summary.csv): ipclab's own timed region for the same transport, scaled to the
same number of bytes (input size / median bytes per second).  The two measure
different things; the gap between them is what a `time ./reader` measurement
adds to the transfer itself.  Writes DIR/plots/hyperfine-bufsize.png and .svg
(or into -o OUTDIR).  Run it through scripts/pyrun.
"""

import argparse
import math
import os
import re
import sys

try:
    import matplotlib
    import numpy  # noqa: F401
except ImportError:
    sys.exit("fatal: %s cannot import matplotlib and numpy: run this script through "
             "scripts/pyrun, which finds a Python that has them" % sys.executable)

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipclab_results as ir  # noqa: E402
import plot  # noqa: E402


def die(msg):
    print("fatal: %s" % msg, file=sys.stderr)
    sys.exit(1)


def parse_size(s):
    """A -L buf value: 100, 4K, 4KiB, 1M (binary suffixes, as ipclab reads them)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)(?:i?B)?\s*", str(s))
    if not m:
        return math.nan
    return float(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2).lower()]


def find_json(path):
    """The hyperfine export: PATH itself, or PATH/hyperfine/bufsize.json, or the
    only hyperfine export in PATH/hyperfine/."""
    if os.path.isfile(path):
        return path
    if not os.path.isdir(path):
        raise ir.ResultsError("%s: no such file or folder" % path)
    cand = os.path.join(path, "hyperfine", "bufsize.json")
    if os.path.exists(cand):
        return cand
    hdir = os.path.join(path, "hyperfine")
    found = sorted(f for f in os.listdir(hdir) if f.endswith(".json")
                   and not f.endswith(".meta.json")) if os.path.isdir(hdir) else []
    if len(found) == 1:
        return os.path.join(hdir, found[0])
    raise ir.ResultsError("%s: no hyperfine/bufsize.json here (run scripts/hyperfine-bufsize.sh "
                          "-o %s first)" % (path, path))


def points(results):
    """{transport: sorted [(buf, mean, min, max, n)]} from the -L parameters."""
    out = {}
    for r in results:
        p = r["parameters"]
        if "buf" not in p or "transport" not in p:
            raise ir.ResultsError("hyperfine results lack the 'buf' and 'transport' parameters "
                                  "(expected -L buf ... -L transport ..., as "
                                  "hyperfine-bufsize.sh runs it)")
        b = parse_size(p["buf"])
        if not math.isfinite(b):
            raise ir.ResultsError("hyperfine parameter buf=%r is not a size" % p["buf"])
        out.setdefault(p["transport"], []).append(
            (b, r["mean"], r["min"], r["max"], len(r["times"])))
    for v in out.values():
        v.sort()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", help="results folder holding hyperfine/bufsize.json "
                    "(or the JSON file itself)")
    ap.add_argument("-o", "--output", metavar="OUTDIR",
                    help="where to write the figure (default DIR/plots)")
    args = ap.parse_args(argv)
    try:
        jpath = find_json(args.results)
        pts = points(ir.load_hyperfine(jpath))
        if not pts:
            raise ir.ResultsError("%s: no results" % jpath)
        hdir = os.path.dirname(jpath)
        folder = (os.path.dirname(hdir) if os.path.basename(hdir) == "hyperfine"
                  else hdir)
        side = ir.load_meta(os.path.join(hdir, "bufsize.meta.json"))
        res = ir.load(folder, need_summary=False)
        outdir = args.output or os.path.join(folder, "plots")
        os.makedirs(outdir, exist_ok=True)
        paths = draw(pts, side, res, outdir)
    except ir.ResultsError as e:
        ir.fail("plot_hyperfine", e)
    except OSError as e:
        die("%s: %s" % (getattr(e, "filename", None) or args.results, e.strerror or e))
    for p in paths:
        print(p)
    return 0


def draw(pts, side, res, outdir):
    nbytes = side.get("input_bytes")
    nbytes = float(nbytes) if isinstance(nbytes, (int, float)) and nbytes > 0 else math.nan
    if not res.meta:  # no sweep here: the machine line comes from the sidecar
        res.meta = {"host": side.get("host", ""), "start_time": side.get("date", "")}
    fig, axes = plot.new_figure(res, "Whole-process time of the two-program transfer vs BUF_SIZE",
                                panel=(8.0, 5.0))
    ax = axes[0][0]
    sizes, vals = [], []
    names = [t for t in ir.transports_in([{"transport": t} for t in pts])]
    for t in names:
        v = pts[t]
        x = np.array([p[0] for p in v])
        y = np.array([p[1] for p in v])
        lo = np.array([p[2] for p in v])
        hi = np.array([p[3] for p in v])
        c = ir.transport_color(t)
        ax.errorbar(x, y, yerr=[np.maximum(y - lo, 0), np.maximum(hi - y, 0)], color=c,
                    marker="o", ms=4, lw=1.6, capsize=3)
        sizes += list(x)
        vals += list(lo) + list(hi)
    drew_ipclab = False
    if res.summary and math.isfinite(nbytes):
        rows = ir.baseline(ir.select(res.summary, mode="stream", status="ok",
                                     access=("copy", "")))
        if rows:
            rows = ir.select(rows, pin=plot.main_pin(rows))
        for t in names:
            trows = ir.sorted_by_size(ir.select(rows, transport=t))
            x = ir.column(trows, "buf_size")
            bps = ir.column(trows, "bytes_per_s_median")
            fx, fy = plot.finite_pos(x, nbytes / bps)
            if len(fx):
                ax.plot(fx, fy, color=ir.transport_color(t), ls="--", marker="s", ms=3, lw=1.2)
                sizes += list(fx)
                vals += list(fy)
                drew_ipclab = True
    plot.size_axis(ax, sizes)
    plot.log_y(ax, lambda v: ir.fmt_ns(v * 1e9), vals)
    ax.set_ylabel("time to move the file (s)" if math.isfinite(nbytes) else "time (s)")
    handles = plot.transport_handles(names)
    handles.append(Line2D([], [], color="0.3", marker="o", ms=4, lw=1.6,
                          label="hyperfine: whole processes\n(mean, bars min–max)"))
    if drew_ipclab:
        handles.append(Line2D([], [], color="0.3", ls="--", marker="s", ms=3, lw=1.2,
                              label="ipclab: timed region only\n(summary.csv, same bytes)"))
    plot.legend_right(fig, handles)
    runs = sorted(set(p[4] for v in pts.values() for p in v))
    cap = ("Solid: hyperfine's wall time of `ipclab xfr writer` + `ipclab xfr reader` as two "
           "programs moving a %s-byte file (%s runs per point), including process start-up, "
           "kernel-object setup, reading and writing the files, bash and cmp. "
           % ("{:,.0f}".format(nbytes) if math.isfinite(nbytes) else "?",
              "/".join(str(r) for r in runs)))
    if drew_ipclab:
        cap += ("Dashed: ipclab's own in-process timed region (first acquire to last block, "
                "buffers already in memory) for the same number of bytes, from summary.csv. "
                "They measure different things: the gap is the cost outside the transfer.")
    elif res.summary:
        cap += "No in-process numbers drawn: the input size is unknown (bufsize.meta.json)."
    else:
        cap += "No summary.csv in this folder: ipclab's in-process numbers are not drawn."
    plot.footnote(fig, cap)
    return plot.save(fig, outdir, "hyperfine-bufsize")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
