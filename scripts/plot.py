#!/usr/bin/env python3
"""Draw the figures of an ipclab results folder (made by `ipclab sweep -o DIR`).

Writes PNG and SVG into OUTDIR (default DIR/plots): throughput vs BUF_SIZE with
the memcpy floor (throughput), context switches per handoff and per MiB and the
time per handoff (ctxsw), CPU time per GiB moved (cputime), ping-pong latency
percentiles (latency), the effect of huge pages and populate (memory), and the
cost model time = bytes*c_byte + handoffs*c_handoff (costmodel, also as
costmodel.csv), and aggregate throughput vs the number of pairs run at once
(pairs, when the folder holds more than one `pairs` value: ipclab sweep
--pairs 1,2,4).  A figure the folder has no data for is skipped with a note.
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

FIGURES = ("throughput", "ctxsw", "cputime", "latency", "memory", "costmodel", "pairs")

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


def transport_handle(t, label=None):
    c, mk, dash = ir.transport_style(t)
    return Line2D([], [], color=c, ls=dash, lw=1.8, marker=mk, ms=5, label=label or t)


def transport_handles(names):
    return [transport_handle(t) for t in names]


def family_handles(names):
    """Grey legend entries for the families of the transports named: the
    marker and dash each family's lines share."""
    out, seen = [], set()
    for t in names:
        fam = ir.transport_family(t)
        if fam in seen:
            continue
        seen.add(fam)
        _, mk, dash = ir.transport_style(t)
        out.append((list(ir.FAMILIES).index(fam) if fam in ir.FAMILIES else 99,
                    Line2D([], [], color="0.45", ls=dash, lw=1.5, marker=mk, ms=5,
                           label=ir.FAMILIES.get(fam, fam))))
    return [h for _, h in sorted(out, key=lambda p: p[0])]


def unstable_handle():
    return Line2D([], [], color="0.3", ls="none", marker="o", ms=7, mfc="white", mew=1.5,
                  label="unstable point\n(flagged)")


def flags(rows):
    """A boolean array: which rows are flagged unstable."""
    return np.array([ir.flag_of(r) == "unstable" for r in rows], dtype=bool)


def draw(ax, t, rows, x, y, lw=1.6, ms=5, ls=None, zero=None):
    """One transport's line in its family's marker and dash; flagged points are
    drawn hollow.  With zero (a y value), zeros are drawn there instead of being
    dropped.  Returns the (x, y) drawn, sorted by x, for edge_order."""
    c, mk, dash = ir.transport_style(t)
    x, y = np.asarray(x, float), np.asarray(y, float)
    f = flags(rows) if rows is not None else np.zeros(len(x), bool)
    if zero is not None:
        y = np.where(y == 0, zero, y)
    m = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    x, y, f = x[m], y[m], f[m]
    ax.plot(x, y, color=c, ls=ls or dash, marker=mk, ms=ms, lw=lw)
    if f.any():
        ax.plot(x[f], y[f], ls="none", marker=mk, ms=ms + 3, mfc="white", mec=c, mew=1.6)
    return x, y


def rate_band(ax, pts, x, color):
    """The min–max band of the rounds' throughput around a line."""
    lo, hi = ir.column(pts, "bytes_per_s_min"), ir.column(pts, "bytes_per_s_max")
    m = np.isfinite(lo) & np.isfinite(hi) & (lo > 0)
    if m.sum() >= 2:
        ax.fill_between(x[m], lo[m], hi[m], color=color, alpha=0.12, lw=0)


def edge_order(ends):
    """Transport names in the order of their lines at the right edge of a plot,
    top first: ends maps a name to the (x, y) it drew."""
    def key(t):
        x, y = ends[t]
        if not len(x):
            return (1, 0.0)
        return (0, -float(y[int(np.argmax(x))]))
    return sorted(ends, key=key)


def zero_level(ax, values):
    """For a log axis whose data hold zeros: the level (below the smallest
    positive value) where zeros are drawn, marked by a dotted line labelled 0.
    None when there are no zeros."""
    v = np.asarray([x for x in values if math.isfinite(x)], float)
    if not np.any(v == 0):
        return None
    pos = v[v > 0]
    z = float(pos.min()) / 8 if len(pos) else 1e-3
    ax.axhline(z, color="0.5", ls=":", lw=0.9)
    ax.annotate("0", xy=(0, z), xycoords=("axes fraction", "data"), xytext=(-4, 0),
                textcoords="offset points", ha="right", va="center", fontsize=9,
                color="0.2")
    return z


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


def stable(rows):
    """The rows not flagged unstable: what the cost model is fitted on."""
    return [r for r in rows if ir.flag_of(r) != "unstable"]


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
                           1, len(pins), panel=(7.0, 5.0), sharey=True)
    allv = np.concatenate([ir.column(rows, k) for k in
                           ("bytes_per_s_min", "bytes_per_s_max", "floor_bytes_per_s")])
    ends = {}
    for ax, pin in zip(axes[0], pins):
        prow = ir.select(rows, pin=pin)
        for t in ir.transports_in(prow):
            for acc in accesses:
                pts = ir.sorted_by_size(ir.select(prow, transport=t, access=acc))
                if not pts:
                    continue
                x = ir.column(pts, "buf_size")
                c = ir.transport_color(t)
                xy = draw(ax, t, pts, x, ir.column(pts, "bytes_per_s_median"),
                          ls=ACCESS_STYLE.get(acc) if len(accesses) > 1 else None)
                if pin == pins[0] and acc == accesses[0]:
                    ends[t] = xy
                rate_band(ax, pts, x, c)
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
    axes[0][0].set_ylabel("throughput at the reader")
    handles = transport_handles(edge_order(ends))
    handles.append(Line2D([], [], color=ir.FLOOR_COLOR, ls="--", lw=1.3,
                          label="memcpy floor\n(same run, same size)"))
    if "inplace" in accesses:
        handles.append(Line2D([], [], color=ir.FLOOR_COLOR, ls="-.", lw=1.3,
                              label="write+read floor\n(in-place)"))
    if len(accesses) > 1:
        handles += [style_handle(ACCESS_STYLE.get(a, "-"), "access %s" % a) for a in accesses]
    if flags(rows).any():
        handles.append(unstable_handle())
    handles += family_handles(ir.transports_in(rows))
    legend_right(fig, handles, title="in the order of the\nlines at the right edge")
    footnote(fig, "Rates are decimal (1 GB/s = 10⁹ B/s).  Marker and dash: the family; "
             "colour: the transport.  The floor does both copies (into the block and out) "
             "on one CPU; when the two sides run on two CPUs their copies can overlap, so a "
             "point can rise above it (up to 2×)."
             + ("  pin: %s" % pins[0] if len(pins) == 1 and pins[0] else ""))
    return save(fig, outdir, "throughput")


# ---------------------------------------------------------------- (b)


def fig_ctxsw(res, outdir):
    rows = stream_rows(res)
    pin = main_pin(rows)
    rows = ir.select(rows, pin=pin)
    rows = ir.select(rows, access=ir.unique(rows, "access")[0])
    names = ir.transports_in(rows)
    fig, axes = new_figure(res, "Context switches and cost per handoff (stream)", 2, 2,
                           panel=(4.8, 3.7))
    panels = (
        (axes[0][0], "writer: voluntary context\nswitches per handoff", ir.fmt_count,
         lambda pts: ir.column(pts, "writer_vcsw_per_block")),
        (axes[0][1], "reader: voluntary context\nswitches per handoff", ir.fmt_count,
         lambda pts: ir.column(pts, "reader_vcsw_per_block")),
        (axes[1][0], "voluntary context switches per\nMiB moved (writer + reader)",
         ir.fmt_count,
         lambda pts: per_mib(pts, ir.column(pts, "writer_vcsw_per_block") +
                             ir.column(pts, "reader_vcsw_per_block"))),
        (axes[1][1], "time per handoff (wall / blocks)", ir.fmt_ns,
         lambda pts: ir.column(pts, "ns_per_block")),
    )
    series = {t: ir.sorted_by_size(ir.select(rows, transport=t)) for t in names}
    zeros = []
    ends = {}
    for ax, label, fmt, get in panels:
        vals = np.concatenate([get(pts) for pts in series.values()])
        log_y(ax, fmt, vals)
        z = zero_level(ax, vals)
        if z is not None:
            zeros.append(label.split(":")[0].replace("\n", " "))
        for t, pts in series.items():
            xy = draw(ax, t, pts, ir.column(pts, "buf_size"), get(pts), lw=1.3, ms=4, zero=z)
            if ax is axes[1][1]:
                ends[t] = xy
        size_axis(ax, ir.column(rows, "buf_size"))
        ax.set_ylabel(label)
    handles = transport_handles(edge_order(ends))
    if flags(rows).any():
        handles.append(unstable_handle())
    handles += family_handles(names)
    legend_right(fig, handles, title="in the order of the lines at\nthe right edge of "
                 "'time per handoff'")
    note = ("Context switches from getrusage (ru_nvcsw) of each process in the timed region.  "
            "A handoff is one block changing hands (writer release → reader acquire).")
    if zeros:
        note += ("  A count of 0 cannot sit on a log axis: zeros are drawn on the dotted "
                 "line marked 0 at the bottom of the panel.")
    footnote(fig, note + ("  pin: %s" % pin if pin else ""))
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
                           len(sizes), 1, panel=(10.0, 3.0))
    w = 0.38
    drawn = False
    marked = False
    for ax, size in zip(axes[:, 0], sizes):
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
            if ir.flag_of(r) == "unstable":
                ax.plot(i, 0, ls="none", marker="o", ms=8, mfc="white", mec=c, mew=1.6,
                        clip_on=False, transform=ax.get_xaxis_transform())
                marked = True
        ax.set_xlim(-0.6, len(names) - 0.4)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names if ax is axes[-1][0] else [], rotation=30, ha="right")
        ax.set_title("BUF_SIZE %s" % ir.fmt_size(size), fontsize=10, loc="left")
        ax.set_ylabel("CPU s per GiB")
        ax.grid(True, axis="y", alpha=0.3)
        if top > 0:
            ax.set_ylim(0, top * 1.08)
    if not drawn:
        plt.close(fig)
        raise Skip("no user/system CPU times in summary.csv")
    handles = [Patch(facecolor="0.35", edgecolor="0.35", label="system"),
               Patch(facecolor="0.8", edgecolor="0.35", hatch="///", label="user")]
    if marked:
        handles.append(unstable_handle())
    legend_right(fig, handles)
    footnote(fig, "Median per repetition of getrusage user/system time in the timed region, "
             "divided by the bytes moved.  Colour = transport.  pin: %s" % (pin or "-"))
    return save(fig, outdir, "cputime")


# ---------------------------------------------------------------- (d)


LINE_FLOOR_STYLE = (0, (4, 2))
PAIR_FLOOR_STYLE = (0, (1, 1.5))
# Footnotes of a ping-pong figure, without and with a cache-line floor.
LINE_FLOOR_NOTE = (
    "No cache-line floor: it is measured when the two sides are pinned to two "
    "CPUs (--pin split), in summary.csv schema 2 (line_rtt_ns_median).",
    "Dashed black: the cache-line floor of the same run, one cache line bounced "
    "between the same two CPUs (line_rtt_ns_median), drawn as its round trip; "
    "dotted, where measured: two lines, one each way (line_pair_rtt_ns_median), "
    "the least a ping-pong over two one-way channels moves (ipclab floor).")


def line_floor_label(one_way_ns, pin=None, pair=False):
    return "%s, %s one way%s" % (
        "two lines, one each way" if pair else "cache-line floor",
        ir.fmt_ns(one_way_ns), " (pin %s)" % pin if pin else "")


def fig_latency(res, outdir):
    rows = ir.select(res.summary, mode="pingpong", status="ok")
    if not rows:
        raise Skip("no ping-pong rows with status ok in summary.csv (sweep with -m pingpong)")
    rows = ir.baseline(rows)
    rows = ir.select(rows, access=ir.unique(rows, "access")[0])
    allv = np.concatenate([ir.column(rows, "rtt_p50_ns"), ir.column(rows, "rtt_p99_ns")])
    if not np.any(np.isfinite(allv) & (allv > 0)):
        raise Skip("ping-pong rows carry no rtt_p50_ns / rtt_p99_ns")
    pins = ir.unique(rows, "pin")
    sizes = pick_sizes(ir.column(rows, "buf_size"), 3)
    keys = [(t, pin) for pin in pins for t in ir.transports_in(ir.select(rows, pin=pin))]

    def label(k):
        return k[0] if len(pins) == 1 else "%s (pin %s)" % k

    def p50_at(k, size):
        pts = ir.select(rows, transport=k[0], pin=k[1], buf_size=size)
        return ir.num(pts[0], "rtt_p50_ns") if pts else math.nan

    # Rows sorted by the p50 at the smallest size (fastest at the top); the
    # same order in every panel, so a transport stays on its line.
    keys.sort(key=lambda k: (not math.isfinite(p50_at(k, sizes[0])), p50_at(k, sizes[0])))
    floors = {pin: ir.line_floor_ns(ir.select(rows, pin=pin)) for pin in pins}
    pair_floors = {pin: ir.line_floor_ns(ir.select(rows, pin=pin), pair=True) for pin in pins}
    fig, axes = new_figure(res, "Ping-pong round-trip time (dot: p50, bar: p99)", 1,
                           len(sizes), panel=(3.3, max(3.0, 1.3 + 0.32 * len(keys))),
                           sharey=True)
    ypos = {k: len(keys) - 1 - i for i, k in enumerate(keys)}
    marked = False
    for ax, size in zip(axes[0], sizes):
        for k in keys:
            pts = ir.select(rows, transport=k[0], pin=k[1], buf_size=size)
            y = ypos[k]
            if not pts:
                ax.text(0.02, y, "not run", transform=ax.get_yaxis_transform(), fontsize=7,
                        color="0.5", va="center")
                continue
            c, mk, _ = ir.transport_style(k[0])
            for f, ls in ((floors[k[1]], LINE_FLOOR_STYLE),
                          (pair_floors[k[1]], PAIR_FLOOR_STYLE)):
                if math.isfinite(f):  # drawn as a round trip, like the axis
                    ax.plot([2 * f] * 2, [y - 0.42, y + 0.42], color=ir.FLOOR_COLOR,
                            ls=ls, lw=1.3)
            p50, p99 = ir.num(pts[0], "rtt_p50_ns"), ir.num(pts[0], "rtt_p99_ns")
            if p50 > 0 and p99 > 0:
                ax.plot([p50, p99], [y, y], color=c, lw=1.2, alpha=0.6)
            if p99 > 0:
                ax.plot(p99, y, ls="none", marker="|", ms=10, mew=2, color=c)
            if p50 > 0:
                hollow = ir.flag_of(pts[0]) == "unstable"
                marked |= hollow
                ax.plot(p50, y, ls="none", marker=mk, ms=7, color=c,
                        mfc="white" if hollow else c, mew=1.6)
        ax.set_xscale("log")
        # A fixed tick count: "auto" depends on the axes size, which tight_layout
        # changes, and the layout would not settle.
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 3.0), numticks=12))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, p: ir.fmt_ns(v)))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, p: ""))
        ax.tick_params(axis="x", labelrotation=35)
        ax.grid(True, axis="x", which="major", alpha=0.3)
        ax.grid(True, axis="y", alpha=0.15)
        ax.set_title("message %s" % ir.fmt_size(size), fontsize=10)
        ax.set_xlabel("round-trip time")
    axes[0][0].set_yticks([ypos[k] for k in keys])
    axes[0][0].set_yticklabels([label(k) for k in keys])
    for tick, k in zip(axes[0][0].get_yticklabels(), keys):
        tick.set_color(ir.transport_color(k[0]))
    axes[0][0].set_ylim(-0.7, len(keys) - 0.3)
    handles = [Line2D([], [], color="0.3", ls="none", marker="o", ms=7, label="p50"),
               Line2D([], [], color="0.3", ls="none", marker="|", ms=10, mew=2, label="p99")]
    for pair, ls, fl in ((False, LINE_FLOOR_STYLE, floors), (True, PAIR_FLOOR_STYLE, pair_floors)):
        for pin, f in fl.items():
            if math.isfinite(f):
                handles.append(Line2D([], [], color=ir.FLOOR_COLOR, ls=ls, lw=1.3,
                                      label=line_floor_label(f, pin if len(pins) > 1 else None,
                                                             pair)))
    if marked:
        handles.append(unstable_handle())
    handles += family_handles([k[0] for k in keys])
    legend_right(fig, handles)
    footnote(fig, "Percentiles of each repetition's round trips, median over the repetitions; "
             "one way ≈ half the round trip.  Sorted by p50 at the smallest size.  "
             + LINE_FLOOR_NOTE[any(math.isfinite(f) for f in floors.values())]
             + ("  pin: %s" % pins[0] if len(pins) == 1 and pins[0] else ""))
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
                           1, 2, panel=(5.0, 4.0))
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
            f = flags(pts) & np.isfinite(ir.column(pts, "bytes_per_s_median"))
            if f.any():
                ax_t.plot(x[f], ir.column(pts, "bytes_per_s_median")[f], ls="none",
                          marker=mk, ms=7, mfc="white", mec=c, mew=1.6)
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
    if flags(rows).any():
        handles.append(unstable_handle())
    legend_right(fig, handles)
    footnote(fig, "Only transports with a shared region (hugepages not n/a).  pin: %s" % (pin or "-"))
    return save(fig, outdir, "memory")


# ---------------------------------------------------------------- (f)


def fig_costmodel(res, outdir):
    stream_rows(res)  # a clear skip when there is nothing to fit
    fits = ir.cost_model(stable(res.summary))
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
    ends = {}
    pins = ir.unique(fits, "pin")
    for e in fits:
        pts = ir.sorted_by_size(ir.select(rows, transport=e["transport"], pin=e["pin"]))
        x = ir.column(pts, "buf_size")
        c = ir.transport_color(e["transport"])
        k = pins.index(e["pin"])
        mk = ir.transport_style(e["transport"])[1] if not multi_pin else SETTING_MARKERS[k % 4]
        y = ir.column(pts, "ns_per_block")
        f = flags(pts)
        fx, fy = finite_pos(x[~f], y[~f])
        ax.plot(fx, fy, mk, color=c, ms=5)
        allv += list(fy)
        if k == 0:
            ends[e["transport"]] = finite_pos(x, y)
        fx, fy = finite_pos(x[f], y[f])
        ax.plot(fx, fy, mk, color=c, ms=7, mfc="white", mew=1.6)
        allv += list(fy)
        if math.isfinite(e["c_byte_ns"]) and len(x):
            xs = np.geomspace(np.nanmin(x), np.nanmax(x), 60)
            ys = e["c_handoff_ns"] + xs * e["c_byte_ns"]
            ls = SETTING_STYLES[k % 4] if multi_pin else ir.transport_style(e["transport"])[2]
            ax.plot(xs, ys, color=c, lw=1.4, ls=ls)
            if k == 0:
                ends[e["transport"]] = (xs, ys)
    size_axis(ax, ir.column(rows, "buf_size"))
    log_y(ax, ir.fmt_ns, allv)
    ax.set_ylabel("time per handoff")
    handles = transport_handles(edge_order(ends))
    handles += [Line2D([], [], color="0.3", ls="none", marker="o", label="measured (median)"),
                Line2D([], [], color="0.3", lw=1.4, label="model: c_handoff + BUF_SIZE · c_byte")]
    if flags(rows).any():
        handles.append(Line2D([], [], color="0.3", ls="none", marker="o", ms=7, mfc="white",
                              mew=1.6, label="unstable point:\nleft out of the fit"))
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
    footnote(fig, "Least squares without intercept over each transport's stable BUF_SIZE points "
             "(time = wall_ns_median, bytes = total_bytes, handoffs = blocks).  crossover = "
             "c_handoff / c_byte: below it handoffs dominate the time, above it the bytes.  "
             "vcsw: median measured voluntary context switches per handoff.")
    return save(fig, outdir, "costmodel") + [os.path.join(outdir, "costmodel.csv")]


# ---------------------------------------------------------------- (g)


def fig_pairs(res, outdir):
    """Aggregate throughput vs the number of pairs at once, per transport; a
    panel per placement, at the largest BUF_SIZE run with several pairs."""
    rows = [r for r in ir.select(res.summary, mode="stream", status="ok")
            if r.get("populate", "") in ir.BASELINE_MEMORY
            and r.get("hugepages", "") in ir.BASELINE_MEMORY
            and r.get("access", "") in ("copy", "")]
    counts = sorted({ir.pairs_of(r) for r in rows})
    if len(counts) < 2:
        raise Skip("one `pairs` value in summary.csv (sweep with --pairs 1,2,4 "
                   "to see how the transports scale)")
    size = max(float(r["buf_size"]) for r in rows if ir.pairs_of(r) > 1)
    rows = ir.select(rows, buf_size=[r["buf_size"] for r in rows
                                     if float(r["buf_size"]) == size])
    pins = ir.unique(rows, "pin")
    fig, axes = new_figure(res, "Aggregate throughput vs pairs at once (stream, BUF_SIZE %s; "
                           "line: median, band: min–max)" % ir.fmt_size(size),
                           1, len(pins), panel=(6.4, 4.6), sharey=True)
    allv = np.concatenate([ir.column(rows, k) for k in ("bytes_per_s_min", "bytes_per_s_max")])
    ends = {}
    for ax, pin in zip(axes[0], pins):
        prow = ir.select(rows, pin=pin)
        for t in ir.transports_in(prow):
            pts = sorted(ir.select(prow, transport=t), key=ir.pairs_of)
            x = np.array([ir.pairs_of(r) for r in pts], float)
            ends[t] = draw(ax, t, pts, x, ir.column(pts, "bytes_per_s_median"))
            rate_band(ax, pts, x, ir.transport_color(t))
        ax.set_xticks(counts)
        ax.set_xlabel("pairs at once (writer/reader pairs, each its own channel)")
        log_y(ax, ir.fmt_rate, allv)
        if len(pins) > 1:
            ax.set_title("pin %s" % pin, fontsize=10)
    axes[0][0].set_ylabel("aggregate throughput (bytes/s, all pairs)")
    handles = transport_handles(edge_order(ends))
    if flags(rows).any():
        handles.append(unstable_handle())
    legend_right(fig, handles, title="in the order of the\nlines at the right edge")
    footnote(fig, "Aggregate: the bytes of every pair over the common window (the first "
             "writer's start to the last reader's end); rates are decimal (1 GB/s = 10⁹ "
             "B/s).  A line that rises with the pairs scales; one that stays flat is bound "
             "by something the pairs share (a kernel lock, memory bandwidth, the CPUs)."
             + ("  pin: %s" % pins[0] if len(pins) == 1 and pins[0] else ""))
    return save(fig, outdir, "pairs")


FIGURE_FUNCS = {
    "throughput": fig_throughput,
    "ctxsw": fig_ctxsw,
    "cputime": fig_cputime,
    "latency": fig_latency,
    "memory": fig_memory,
    "costmodel": fig_costmodel,
    "pairs": fig_pairs,
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
