#!/usr/bin/env python3
"""Draw the core-to-core heatmap of an `ipclab matrix` folder.

    scripts/pyrun scripts/plot_matrix.py DIR [-o OUT]

Reads DIR/matrix.csv (or a matrix.csv given directly) and writes OUT.png and
OUT.svg (default DIR/matrix): writer CPU down, reader CPU across, colour the
one-way p50 latency (ping-pong, mirrored: it is symmetric) or the throughput
(stream).  Cells not measured (skipped, error, or left out by the sample)
stay blank.  The subtitle gives the median per relation (smt, core, ...)
and the cache line bounced between the cells' CPUs (the floor), one way.
"""

import argparse
import csv
import math
import os
import statistics
import sys

try:
    import matplotlib
    import numpy as np
except ImportError:
    sys.exit("fatal: %s cannot import matplotlib and numpy: run this script through "
             "scripts/pyrun, which finds a Python that has them" % sys.executable)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

USABLE = ("ok", "fake")
RELATIONS = ("same", "smt", "core", "llc", "numa", "socket")


def load(path):
    """The rows of matrix.csv whose value is usable, and the mode."""
    if os.path.isdir(path):
        path = os.path.join(path, "matrix.csv")
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise SystemExit("fatal: %s: %s" % (path, e.strerror))
    need = {"writer_cpu", "reader_cpu", "mode", "one_way_p50_ns", "bytes_per_s", "status"}
    if rows and not need <= set(rows[0]):
        raise SystemExit("fatal: %s: not an ipclab matrix.csv (columns %s missing)"
                         % (path, ", ".join(sorted(need - set(rows[0])))))
    good = [r for r in rows if r["status"] in USABLE]
    if not good:
        raise SystemExit("fatal: %s: no measured cell (status ok) to draw" % path)
    return good, good[0]["mode"]


def value(row, mode):
    v = row["one_way_p50_ns" if mode == "pingpong" else "bytes_per_s"]
    return float(v) if v not in ("", None) else math.nan


def grid(rows, mode):
    """(cpus, matrix): matrix[i][j] = value for writer cpus[i], reader
    cpus[j]; ping-pong cells are mirrored."""
    cpus = sorted({int(r["writer_cpu"]) for r in rows} | {int(r["reader_cpu"]) for r in rows})
    at = {c: i for i, c in enumerate(cpus)}
    m = np.full((len(cpus), len(cpus)), np.nan)
    for r in rows:
        i, j, v = at[int(r["writer_cpu"])], at[int(r["reader_cpu"])], value(r, mode)
        m[i, j] = v
        if mode == "pingpong" and math.isnan(m[j, i]):
            m[j, i] = v
    return cpus, m


def by_relation(rows, mode):
    out = {}
    for r in rows:
        v = value(r, mode)
        if not math.isnan(v):
            out.setdefault(r.get("pin_relation", ""), []).append(v)
    order = [k for k in RELATIONS if k in out] + sorted(k for k in out if k not in RELATIONS)
    return [(k, statistics.median(out[k])) for k in order]


def draw(rows, mode, out):
    cpus, m = grid(rows, mode)
    pp = mode == "pingpong"
    scale, unit = (1.0, "ns") if pp else (1e9, "GB/s")
    shown = m / scale
    n = len(cpus)
    size = min(14, max(4.5, 0.32 * n + 2.5))
    fig, ax = plt.subplots(figsize=(size + 1.2, size))
    cmap = plt.get_cmap("viridis" if pp else "viridis_r").copy()
    cmap.set_bad("#eeeeee")
    im = ax.imshow(np.ma.masked_invalid(shown), cmap=cmap, interpolation="nearest")
    step = max(1, n // 32)
    ax.set_xticks(range(0, n, step))
    ax.set_xticklabels([str(c) for c in cpus[::step]], rotation=90 if n > 16 else 0)
    ax.set_yticks(range(0, n, step))
    ax.set_yticklabels([str(c) for c in cpus[::step]])
    ax.set_xlabel("reader CPU")
    ax.set_ylabel("writer CPU")
    if n <= 12:
        lo, hi = np.nanmin(shown), np.nanmax(shown)
        for i in range(n):
            for j in range(n):
                if not math.isnan(shown[i, j]):
                    dark = hi > lo and (shown[i, j] - lo) / (hi - lo) < 0.5
                    ax.text(j, i, ("%.0f" if pp else "%.2f") % shown[i, j], ha="center",
                            va="center", fontsize=9,
                            color="white" if dark == pp else "black")
    r0 = rows[0]
    fake = any(r["status"] == "fake" for r in rows)
    what = "one-way p50 latency (ns)" if pp else "throughput (GB/s)"
    title = "%s, %s B %s: %s%s" % (r0.get("transport", "?"), r0.get("buf_size", "?"), mode,
                                   what, " - FAKE values (IPCLAB_MATRIX_FAKE)" if fake else "")
    rel = ", ".join("%s %s" % (k or "?", ("%.0f" if pp else "%.2f") % (v / scale))
                    for k, v in by_relation(rows, mode))
    lines = [float(r["line_rtt_ns_median"]) / 2 for r in rows
             if r.get("line_rtt_ns_median") not in ("", None)]
    if lines:  # the cache-line canary of the cells: the physical floor
        rel += "\ncache line between the two CPUs, one way (median of cells): %.0f ns" % (
            statistics.median(lines))
    ax.set_title(title + "\nmedian by relation (%s): %s" % (unit, rel), fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=unit)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig("%s.%s" % (out, ext), dpi=110)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", help="an ipclab matrix folder or its matrix.csv")
    ap.add_argument("-o", "--output", help="output path without extension (default DIR/matrix)")
    a = ap.parse_args(argv)
    rows, mode = load(a.path)
    d = a.path if os.path.isdir(a.path) else os.path.dirname(a.path) or "."
    out = a.output or os.path.join(d, "matrix")
    draw(rows, mode, out)
    print("wrote %s.png and %s.svg" % (out, out))


if __name__ == "__main__":
    main()
