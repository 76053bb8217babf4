#!/usr/bin/env python3
"""Draw the figures of an ipclab results folder (made by `ipclab sweep -o DIR`).

Writes PNG and SVG into OUTDIR (default DIR/plots): throughput vs BUF_SIZE with
the memcpy floor (throughput), context switches per handoff and per MiB and the
time per handoff (ctxsw), CPU time per GiB moved (cputime), ping-pong latency
percentiles (latency), the effect of huge pages and populate (memory), and the
cost model time = bytes*c_byte + handoffs*c_handoff (costmodel, also as
costmodel.csv).  A figure the folder has no data for is skipped with a note.
Run it through scripts/pyrun, which finds a Python that has matplotlib.
"""

import argparse
import math
import os
import sys
import textwrap

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
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullLocator  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipclab_results as ir  # noqa: E402

FIGURES = ("throughput", "ctxsw", "cputime", "latency", "memory", "costmodel")

ACCESS_STYLE = {"copy": "-", "inplace": ":", "": "-"}
SETTING_STYLES = ("-", "--", ":", "-.")
SETTING_MARKERS = ("o", "s", "^", "D")


class Skip(Exception):
    """A figure this folder has no data for; the message says why."""


def die(msg):
    print("fatal: %s" % msg, file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------- axes helpers


def size_axis(ax, sizes, label="BUF_SIZE (bytes per handoff)"):
    """Log-2 x axis with binary size labels (16 B, 1 KiB, 1 MiB)."""
    sizes = sorted(set(float(s) for s in sizes if s > 0 and math.isfinite(s)))
    ax.set_xscale("log", base=2)
    ax.set_xlabel(label)
    if not sizes:
        return
    lo, hi = sizes[0], sizes[-1]
    pow2 = all(abs(math.log2(s) - round(math.log2(s))) < 1e-9 for s in sizes)
    if pow2:
        e0, e1 = int(round(math.log2(lo))), int(round(math.log2(hi)))
        span = max(e1 - e0, 1)
        step = next(s for s in (1, 2, 5, 10) if span / s <= 8)
        ticks = [2.0 ** e for e in range(e0 - e0 % step, e1 + 1, step) if e >= e0]
        if not ticks or ticks[0] > lo:
            ticks = [lo] + ticks
    elif len(sizes) <= 6 and all(b / a >= 3 for a, b in zip(sizes, sizes[1:])):
        ticks = sizes  # few and far apart: label each one as typed
    else:
        ticks = [10.0 ** e for e in range(int(math.floor(math.log10(lo))),
                                           int(math.ceil(math.log10(hi))) + 1)]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, p: ir.fmt_size(v)))
    ax.xaxis.set_minor_locator(NullLocator())
    pad = 2 ** 0.35
    ax.set_xlim(lo / pad, hi * pad)
    for t in ax.get_xticklabels():
        t.set_rotation(0)
    if len(ticks) > 6:
        ax.tick_params(axis="x", labelrotation=35)


def log_y(ax, fmt, values):
    """Log y axis labelled in human units; extra labels when the data span
    less than two decades, so the axis never shows a single tick."""
    ax.set_yscale("log")
    v = [x for x in values if x > 0 and math.isfinite(x)]
    subs = (1.0, 2.0, 5.0) if v and max(v) / min(v) < 1000 else (1.0,)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, p: fmt(x)))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda x, p: ""))
    ax.grid(True, which="major", alpha=0.3)


def new_figure(res, title, nrows=1, ncols=1, panel=(6.4, 4.4), **kw):
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows),
                             squeeze=False, **kw)
    fig.suptitle("%s\n%s" % (title, ir.title_context(res.meta)), fontsize=11)
    return fig, axes


def legend_right(fig, handles, title=None):
    """One legend for the whole figure, outside the axes on the right."""
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5),
               frameon=False, title=title, fontsize=9)


def transport_handles(names):
    return [Line2D([], [], color=ir.transport_color(t), lw=2, marker="o", ms=4, label=t)
            for t in names]


def style_handle(style, label, marker=None):
    return Line2D([], [], color="0.3", ls=style, lw=1.5, marker=marker, ms=4, label=label)


def footnote(fig, text):
    """A caption under the axes, wrapped to the figure's width."""
    width = max(60, int(fig.get_figwidth() * 15))
    fig.text(0.01, -0.01, textwrap.fill(text, width), ha="left", va="top", fontsize=8,
             color="0.3")


def save(fig, outdir, name):
    fig.tight_layout()
    paths = []
    for ext in ("png", "svg"):
        p = os.path.join(outdir, "%s.%s" % (name, ext))
        fig.savefig(p, dpi=110, bbox_inches="tight")
        paths.append(p)
    plt.close(fig)
    return paths


# ---------------------------------------------------------------- row choice


def stream_rows(res):
    rows = ir.select(res.summary, mode="stream", status="ok")
    if not rows:
        raise Skip("no stream rows with status ok in summary.csv")
    return ir.baseline(rows)


def main_pin(rows):
    """The placement most rows were run with (figures that show one)."""
    pins = [r.get("pin", "") for r in rows]
    return max(set(pins), key=pins.count) if pins else ""


def per_mib(rows, per_block):
    """A per-handoff quantity turned into one per MiB moved."""
    bpb = ir.column(rows, "total_bytes") / ir.column(rows, "blocks")
    bad = ~np.isfinite(bpb) | (bpb <= 0)
    bpb[bad] = ir.column(rows, "buf_size")[bad]
    return per_block * (1 << 20) / bpb


def finite_pos(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    m = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    return x[m], y[m]


# ---------------------------------------------------------------- (a)


def fig_throughput(res, outdir):
    rows = stream_rows(res)
    pins = ir.unique(rows, "pin")
    accesses = ir.unique(rows, "access")
    fig, axes = new_figure(res, "Throughput vs BUF_SIZE (stream; line: median, band: min–max)",
                           1, len(pins), sharey=True)
    allv = np.concatenate([ir.column(rows, k) for k in
                           ("bytes_per_s_min", "bytes_per_s_max", "floor_bytes_per_s")])
    for ax, pin in zip(axes[0], pins):
        prow = ir.select(rows, pin=pin)
        for t in ir.transports_in(prow):
            for acc in accesses:
                pts = ir.sorted_by_size(ir.select(prow, transport=t, access=acc))
                if not pts:
                    continue
                x = ir.column(pts, "buf_size")
                c = ir.transport_color(t)
                ax.plot(*finite_pos(x, ir.column(pts, "bytes_per_s_median")), color=c,
                        ls=ACCESS_STYLE.get(acc, "-"), marker="o", ms=4, lw=1.6)
                lo, hi = ir.column(pts, "bytes_per_s_min"), ir.column(pts, "bytes_per_s_max")
                m = np.isfinite(lo) & np.isfinite(hi) & (lo > 0)
                if m.sum() >= 2:
                    ax.fill_between(x[m], lo[m], hi[m], color=c, alpha=0.15, lw=0)
        for acc in accesses:
            arows = ir.select(prow, access=acc)
            sizes = sorted(set(ir.column(arows, "buf_size")))
            fl = [np.nanmedian(ir.column(ir.select(arows, buf_size=s), "floor_bytes_per_s"))
                  if np.any(np.isfinite(ir.column(ir.select(arows, buf_size=s),
                                                  "floor_bytes_per_s"))) else np.nan
                  for s in sizes]
            fx, fy = finite_pos(sizes, fl)
            if len(fx):
                ax.plot(fx, fy, color=ir.FLOOR_COLOR, ls="--" if acc != "inplace" else "-.",
                        lw=1.3)
        size_axis(ax, ir.column(rows, "buf_size"))
        log_y(ax, ir.fmt_rate, allv)
        if len(pins) > 1:
            ax.set_title("pin %s" % pin, fontsize=10)
    axes[0][0].set_ylabel("throughput at the reader (bytes/s, 1 GB/s = 10⁹ B/s)")
    handles = transport_handles(ir.transports_in(rows))
    handles.append(Line2D([], [], color=ir.FLOOR_COLOR, ls="--", lw=1.3,
                          label="memcpy floor\n(same run, same size)"))
    if "inplace" in accesses:
        handles.append(Line2D([], [], color=ir.FLOOR_COLOR, ls="-.", lw=1.3,
                              label="write+read floor\n(in-place)"))
    if len(accesses) > 1:
        handles += [style_handle(ACCESS_STYLE.get(a, "-"), "access %s" % a) for a in accesses]
    legend_right(fig, handles)
    if len(pins) == 1 and pins[0]:
        footnote(fig, "pin: %s" % pins[0])
    return save(fig, outdir, "throughput")


# ---------------------------------------------------------------- (b)


def fig_ctxsw(res, outdir):
    rows = stream_rows(res)
    pins = ir.unique(rows, "pin")
    fig, axes = new_figure(res, "Context switches and cost per handoff (stream)",
                           len(pins), 3, panel=(5.0, 4.0))
    for row_axes, pin in zip(axes, pins):
        prow = ir.select(rows, pin=pin)
        vals = {0: [], 1: [], 2: []}
        for t in ir.transports_in(prow):
            pts = ir.sorted_by_size(ir.select(prow, transport=t, access=ir.unique(prow, "access")[0]))
            x = ir.column(pts, "buf_size")
            c = ir.transport_color(t)
            for side, ls in (("writer", "-"), ("reader", "--")):
                pb = ir.column(pts, "%s_vcsw_per_block" % side)
                for i, y in ((0, pb), (1, per_mib(pts, pb))):
                    fx, fy = finite_pos(x, y)
                    row_axes[i].plot(fx, fy, color=c, ls=ls, marker="o", ms=3, lw=1.4)
                    vals[i] += list(fy)
            fx, fy = finite_pos(x, ir.column(pts, "ns_per_block"))
            row_axes[2].plot(fx, fy, color=c, marker="o", ms=3, lw=1.6)
            vals[2] += list(fy)
        labels = ("voluntary context switches\nper handoff",
                  "voluntary context switches\nper MiB moved",
                  "time per handoff (wall / blocks)")
        fmts = (ir.fmt_count, ir.fmt_count, ir.fmt_ns)
        for i, ax in enumerate(row_axes):
            size_axis(ax, ir.column(rows, "buf_size"))
            log_y(ax, fmts[i], vals[i])
            ax.set_ylabel(labels[i])
            if len(pins) > 1:
                ax.set_title("pin %s" % pin, fontsize=10)
    handles = transport_handles(ir.transports_in(rows))
    handles += [style_handle("-", "writer"), style_handle("--", "reader")]
    legend_right(fig, handles)
    footnote(fig, "Context switches from getrusage (ru_nvcsw) of each process in the timed "
             "region; values of 0 are not drawn on the log axes.  A handoff is one block "
             "changing hands (writer release → reader acquire)." +
             ("  pin: %s" % pins[0] if len(pins) == 1 and pins[0] else ""))
    return save(fig, outdir, "ctxsw")


# ---------------------------------------------------------------- (c)


def pick_sizes(sizes, k=3):
    s = sorted(set(x for x in sizes if math.isfinite(x)))
    if len(s) <= k:
        return s
    idx = sorted(set(int(round(i * (len(s) - 1) / (k - 1))) for i in range(k)))
    return [s[i] for i in idx]


def fig_cputime(res, outdir):
    rows = stream_rows(res)
    pin = main_pin(rows)
    rows = ir.select(rows, pin=pin)
    rows = ir.select(rows, access=ir.unique(rows, "access")[0])
    sizes = pick_sizes(ir.column(rows, "buf_size"))
    names = ir.transports_in(rows)
    fig, axes = new_figure(res, "CPU time per GiB moved: user vs system, writer (W) and reader (R)",
                           1, len(sizes), panel=(max(3.2, 0.75 * len(names) + 1.6), 4.4))
    w = 0.38
    drawn = False
    for ax, size in zip(axes[0], sizes):
        top = 0.0
        for i, t in enumerate(names):
            pts = ir.select(rows, transport=t, buf_size=size)
            if not pts:
                ax.text(i, 0, "not run", ha="center", va="bottom", fontsize=7, color="0.4")
                continue
            r = pts[0]
            gib = ir.num(r, "total_bytes") / (1 << 30)
            c = ir.transport_color(t)
            for j, side in enumerate(("writer", "reader")):
                us = ir.num(r, side + "_user_ns") / 1e9 / gib
                sy = ir.num(r, side + "_sys_ns") / 1e9 / gib
                if not (math.isfinite(us) and math.isfinite(sy)):
                    continue
                xpos = i + (j - 0.5) * w
                ax.bar(xpos, sy, w * 0.92, color=c, edgecolor=c)
                ax.bar(xpos, us, w * 0.92, bottom=sy, color=c, alpha=0.35, hatch="///",
                       edgecolor=c)
                ax.text(xpos, 0, "W" if j == 0 else "R", ha="center", va="bottom",
                        fontsize=7, color="white")
                top = max(top, us + sy)
                drawn = True
        ax.set_xlim(-0.6, len(names) - 0.4)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=35, ha="right")
        ax.set_title("BUF_SIZE %s" % ir.fmt_size(size), fontsize=10)
        ax.set_ylabel("CPU seconds per GiB moved")
        ax.grid(True, axis="y", alpha=0.3)
        if top > 0:
            ax.set_ylim(0, top * 1.08)
    if not drawn:
        plt.close(fig)
        raise Skip("no user/system CPU times in summary.csv")
    legend_right(fig, [Patch(facecolor="0.35", edgecolor="0.35", label="system"),
                       Patch(facecolor="0.8", edgecolor="0.35", hatch="///", label="user")])
    footnote(fig, "Median per repetition of getrusage user/system time in the timed region, "
             "divided by the bytes moved.  Colour = transport.  pin: %s" % (pin or "-"))
    return save(fig, outdir, "cputime")


# ---------------------------------------------------------------- (d)


def fig_latency(res, outdir):
    rows = ir.select(res.summary, mode="pingpong", status="ok")
    if not rows:
        raise Skip("no ping-pong rows with status ok in summary.csv (sweep with -m pingpong)")
    rows = ir.baseline(rows)
    pins = ir.unique(rows, "pin")
    fig, axes = new_figure(res, "Ping-pong round-trip time vs message size (p50 and p99)",
                           1, len(pins), sharey=True)
    allv = np.concatenate([ir.column(rows, "rtt_p50_ns"), ir.column(rows, "rtt_p99_ns")])
    if not np.any(np.isfinite(allv)):
        plt.close(fig)
        raise Skip("ping-pong rows carry no rtt_p50_ns / rtt_p99_ns")
    for ax, pin in zip(axes[0], pins):
        prow = ir.select(rows, pin=pin)
        for t in ir.transports_in(prow):
            pts = ir.sorted_by_size(ir.select(prow, transport=t, access=ir.unique(prow, "access")[0]))
            x = ir.column(pts, "buf_size")
            c = ir.transport_color(t)
            ax.plot(*finite_pos(x, ir.column(pts, "rtt_p50_ns")), color=c, marker="o", ms=4, lw=1.6)
            ax.plot(*finite_pos(x, ir.column(pts, "rtt_p99_ns")), color=c, ls="--", marker="^",
                    ms=4, lw=1.2)
        size_axis(ax, ir.column(rows, "buf_size"), "message size (bytes each way)")
        log_y(ax, ir.fmt_ns, allv)
        if len(pins) > 1:
            ax.set_title("pin %s" % pin, fontsize=10)
    axes[0][0].set_ylabel("round-trip time (one-way ≈ half)")
    handles = transport_handles(ir.transports_in(rows))
    handles += [style_handle("-", "p50", "o"), style_handle("--", "p99", "^")]
    legend_right(fig, handles)
    if len(pins) == 1 and pins[0]:
        footnote(fig, "pin: %s.  Percentiles of each repetition's round trips, median over "
                 "repetitions." % pins[0])
    return save(fig, outdir, "latency")


# ---------------------------------------------------------------- (e)


def setting_label(pop, huge):
    return "populate %s, huge pages %s" % (pop or "-", huge or "-")


def fig_memory(res, outdir):
    rows = [r for r in ir.select(res.summary, mode="stream", status="ok")
            if r.get("hugepages", "") not in ("n/a", "")]
    settings = []
    for r in rows:
        s = (r.get("populate", ""), r.get("hugepages", ""))
        if s not in settings:
            settings.append(s)
    if len(settings) < 2:
        raise Skip("only one populate/huge-pages setting in this folder "
                   "(sweep with --populate both or --hugepages off,on to see their effect)")
    settings.sort()
    pin = main_pin(rows)
    rows = ir.select(rows, pin=pin)
    rows = ir.select(rows, access=ir.unique(rows, "access")[0])
    fig, axes = new_figure(res, "Effect of populate and huge pages (shared-region transports)",
                           1, 2)
    ax_t, ax_f = axes[0]
    fvals = []
    for t in ir.transports_in(rows):
        c = ir.transport_color(t)
        for k, (pop, huge) in enumerate(settings):
            pts = ir.sorted_by_size(ir.select(rows, transport=t, populate=pop, hugepages=huge))
            if not pts:
                continue
            x = ir.column(pts, "buf_size")
            st, mk = SETTING_STYLES[k % 4], SETTING_MARKERS[k % 4]
            ax_t.plot(*finite_pos(x, ir.column(pts, "bytes_per_s_median")), color=c, ls=st,
                      marker=mk, ms=4, lw=1.5)
            flt = ir.column(pts, "writer_minflt") + ir.column(pts, "reader_minflt")
            m = np.isfinite(flt)
            ax_f.plot(x[m], flt[m], color=c, ls=st, marker=mk, ms=4, lw=1.5)
            fvals += list(flt[m])
    size_axis(ax_t, ir.column(rows, "buf_size"))
    log_y(ax_t, ir.fmt_rate, ir.column(rows, "bytes_per_s_median"))
    ax_t.set_ylabel("throughput, median (bytes/s)")
    size_axis(ax_f, ir.column(rows, "buf_size"))
    ax_f.set_yscale("symlog", linthresh=1)
    ax_f.yaxis.set_major_formatter(FuncFormatter(lambda v, p: "%g" % v))
    ax_f.set_ylim(bottom=0)
    ax_f.grid(True, alpha=0.3)
    ax_f.set_ylabel("minor page faults per repetition\n(writer + reader, timed region)")
    handles = transport_handles(ir.transports_in(rows))
    handles += [style_handle(SETTING_STYLES[k % 4], setting_label(*s), SETTING_MARKERS[k % 4])
                for k, s in enumerate(settings)]
    legend_right(fig, handles)
    footnote(fig, "Only transports with a shared region (hugepages not n/a).  pin: %s" % (pin or "-"))
    return save(fig, outdir, "memory")


# ---------------------------------------------------------------- (f)


def fig_costmodel(res, outdir):
    stream_rows(res)  # a clear skip when there is nothing to fit
    fits = ir.cost_model(res.summary)
    ir.write_costmodel_csv(fits, os.path.join(outdir, "costmodel.csv"))
    multi_pin = len(set(e["pin"] for e in fits)) > 1
    fig = plt.figure(figsize=(12.5, 4.6 + 0.32 * len(fits)))
    fig.suptitle("Cost model: time = bytes · c_byte + handoffs · c_handoff (stream, copy)\n%s"
                 % ir.title_context(res.meta), fontsize=11)
    gs = fig.add_gridspec(2, 1, height_ratios=[3.2, 0.6 + 0.32 * len(fits)])
    ax = fig.add_subplot(gs[0])
    rows = ir.baseline(ir.select(res.summary, mode="stream", access=("copy", ""),
                                 status="ok"))
    allv = []
    pins = ir.unique(fits, "pin")
    for e in fits:
        pts = ir.sorted_by_size(ir.select(rows, transport=e["transport"], pin=e["pin"]))
        x = ir.column(pts, "buf_size")
        c = ir.transport_color(e["transport"])
        k = pins.index(e["pin"])
        fx, fy = finite_pos(x, ir.column(pts, "ns_per_block"))
        ax.plot(fx, fy, SETTING_MARKERS[k % 4], color=c, ms=5)
        allv += list(fy)
        if math.isfinite(e["c_byte_ns"]) and len(x):
            xs = np.geomspace(np.nanmin(x), np.nanmax(x), 60)
            ax.plot(xs, e["c_handoff_ns"] + xs * e["c_byte_ns"], color=c, lw=1.4,
                    ls=SETTING_STYLES[k % 4])
    size_axis(ax, ir.column(rows, "buf_size"))
    log_y(ax, ir.fmt_ns, allv)
    ax.set_ylabel("time per handoff")
    handles = transport_handles(ir.transports_in(rows))
    handles += [Line2D([], [], color="0.3", ls="none", marker="o", label="measured (median)"),
                Line2D([], [], color="0.3", lw=1.4, label="model: c_handoff + BUF_SIZE · c_byte")]
    if multi_pin:
        handles += [style_handle(SETTING_STYLES[k % 4], "pin %s" % pin, SETTING_MARKERS[k % 4])
                    for k, pin in enumerate(pins)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
              fontsize=9)
    tax = fig.add_subplot(gs[1])
    tax.axis("off")
    head = ["transport"] + (["pin"] if multi_pin else []) + [
        "sizes", "c_byte\nns/byte", "1/c_byte\nGB/s", "memcpy floor\nGB/s", "c_handoff\nµs",
        "R²", "vcsw/handoff\nwriter", "vcsw/handoff\nreader", "crossover\nBUF_SIZE", "note"]
    cells, colours = [], []
    for e in fits:
        row = [e["transport"]] + ([e["pin"]] if multi_pin else []) + [
            "%s–%s (%d)" % (ir.fmt_size(e["buf_size_min"]), ir.fmt_size(e["buf_size_max"]),
                            e["points"]),
            ir.fmt_num(e["c_byte_ns"]), ir.fmt_num(e["c_byte_gb_per_s"]),
            ir.fmt_num(e["floor_gb_per_s"]), ir.fmt_num(e["c_handoff_us"]),
            ir.fmt_num(e["r2"], 2), ir.fmt_num(e["writer_vcsw_per_handoff"]),
            ir.fmt_num(e["reader_vcsw_per_handoff"]), ir.fmt_size_approx(e["crossover_bytes"]),
            e["note"] or ""]
        cells.append(row)
        colours.append(ir.transport_color(e["transport"]))
    if cells:
        tab = tax.table(cellText=cells, colLabels=head, loc="upper center", cellLoc="center")
        tab.auto_set_font_size(False)
        tab.set_fontsize(8.5)
        tab.scale(1.0, 1.5)
        for (r, c), cell in tab.get_celld().items():
            if r == 0:
                cell.set_height(cell.get_height() * 1.6)
                cell.set_facecolor("0.92")
            elif c == 0:
                cell.get_text().set_color(colours[r - 1])
                cell.get_text().set_fontweight("bold")
        tab.auto_set_column_width(list(range(len(head))))
    footnote(fig, "Least squares without intercept over each transport's BUF_SIZE points "
             "(time = wall_ns_median, bytes = total_bytes, handoffs = blocks).  crossover = "
             "c_handoff / c_byte: below it handoffs dominate the time, above it the bytes.  "
             "vcsw: median measured voluntary context switches per handoff.")
    return save(fig, outdir, "costmodel") + [os.path.join(outdir, "costmodel.csv")]


FIGURE_FUNCS = {
    "throughput": fig_throughput,
    "ctxsw": fig_ctxsw,
    "cputime": fig_cputime,
    "latency": fig_latency,
    "memory": fig_memory,
    "costmodel": fig_costmodel,
}


def make_all(res, outdir, only=None):
    """Draw every figure into outdir.  Returns {name: list of paths} and
    {name: note} for the figures skipped for lack of data."""
    os.makedirs(outdir, exist_ok=True)
    if not ir.select(res.summary, status="ok"):
        raise ir.ResultsError("%s: no configuration with status ok in summary.csv "
                              "(every point was skipped or failed; see reason)"
                              % res.path)
    written, notes = {}, {}
    for name in only or FIGURES:
        try:
            written[name] = FIGURE_FUNCS[name](res, outdir)
        except Skip as e:
            notes[name] = str(e)
            plt.close("all")
    return written, notes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", help="results folder (holds summary.csv, meta.json)")
    ap.add_argument("-o", "--output", metavar="OUTDIR",
                    help="where to write the figures (default RESULTS/plots)")
    ap.add_argument("--only", metavar="NAMES",
                    help="comma list of figures to draw: " + ",".join(FIGURES))
    args = ap.parse_args(argv)
    only = None
    if args.only:
        only = [n.strip() for n in args.only.split(",") if n.strip()]
        bad = [n for n in only if n not in FIGURE_FUNCS]
        if bad:
            die("--only %s: unknown figure (use %s)" % (",".join(bad), ",".join(FIGURES)))
    outdir = args.output or os.path.join(args.results, "plots")
    try:
        res = ir.load(args.results)
        written, notes = make_all(res, outdir, only)
    except ir.ResultsError as e:
        ir.fail("plot", e)
    except OSError as e:
        die("%s: %s" % (getattr(e, "filename", None) or outdir, e.strerror or e))
    for name in only or FIGURES:
        if name in written:
            for p in written[name]:
                print(p)
        else:
            print("note: %s skipped: %s" % (name, notes[name]), file=sys.stderr)
    if not written:
        die("no figure could be drawn from %s" % args.results)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
