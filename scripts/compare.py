#!/usr/bin/env python3
"""Compare ipclab results folders point by point, with significance: the same
sweep on several machines, or before and after a change (kernel, options, code).

One folder is the baseline (--baseline, default the first); every other folder
is compared with it on the points both measured (same transport, mode, access,
BUF_SIZE, populate, huge pages and placement).  The figure of a point is
bytes_per_s for a stream and one_way_p50_ns for a ping-pong, taken per round
from runs.csv (timed rows: warmup 0, status ok; a folder without rounds, such
as schema 1, has its timed repetitions).  Per point:

  ratio     median of the other folder's rounds / median of the baseline's;
  interval  a bootstrap interval of that ratio over the rounds (seeded: the
            same folders give the same output);
  p         a two-sided Mann-Whitney U test of the two sets of rounds (exact
            without ties, else the normal approximation with tie correction).

A difference shows `~` (as in benchstat) when p >= --alpha or the ratio is
within --threshold of 1; points flagged unstable in either folder (summary.csv
`flag`) are marked `!`; points whose canaries differ between the two folders
(ipclab_results.host_state_change: the cache-line round trip by more than
1.5x, the speed probe by more than 5 %) are marked `^`: the host was in
another state, and the change may be the host's.  With 3 rounds a side the smallest p the test can give
is 0.1: more rounds are needed for any difference to count at alpha 0.05.

Out: the table on stdout, --csv FILE, and compare.png/.svg in -o OUTDIR (the
ratio of every point, log axis).  Bad input (a truncated or malformed CSV, a
missing column, a figure out of range, an odd meta.json) is one line
`ipclab: compare: FILE:LINE: ...` and exit status 2.  Run it through scripts/pyrun.
"""

import argparse
import csv
import math
import os
import sys
import zlib

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
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipclab_results as ir  # noqa: E402
import plot  # noqa: E402

KEY = ("transport", "mode", "access", "buf_size", "populate", "hugepages", "pin")
ALPHA = 0.05
THRESHOLD = 0.05
BOOTSTRAP = 2000
SEED = 1
FOLDER_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
FOLDER_STYLES = ("-", "--", ":", "-.")
# Exact Mann-Whitney p-values up to this many (n1 * n2) pairs.
EXACT_MAX_PAIRS = 2500


# ---------------------------------------------------------------- statistics


def _u_counts(n1, n2):
    """How many of the C(n1+n2, n1) orderings give each U = 0 .. n1*n2: the
    coefficients of the Gaussian binomial [n1+n2 choose n1](q), built as
    prod_{i=1..n1} (1 - q^(n2+i)) / (1 - q^i) in exact integer arithmetic."""
    m = n1 * n2
    c = [1] + [0] * m
    for i in range(1, n1 + 1):
        k = n2 + i
        for j in range(m, k - 1, -1):
            c[j] -= c[j - k]
        for j in range(i, m + 1):
            c[j] += c[j - i]
    return c


def mann_whitney(a, b):
    """Two-sided Mann-Whitney U test of samples a and b: (U of a, p).
    Exact when there are no ties and n1*n2 <= EXACT_MAX_PAIRS, otherwise the
    normal approximation with tie correction and continuity correction (as
    scipy.stats.mannwhitneyu's defaults).  p is 1 when a side is empty."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        return math.nan, 1.0
    both = np.concatenate([a, b])
    order = np.argsort(both, kind="mergesort")
    ranks = np.empty(len(both))
    vals = both[order]
    i = 0
    ties = []
    while i < len(vals):
        j = i
        while j + 1 < len(vals) and vals[j + 1] == vals[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    u1 = float(ranks[:n1].sum()) - n1 * (n1 + 1) / 2.0
    u = min(u1, n1 * n2 - u1)
    if not ties and n1 * n2 <= EXACT_MAX_PAIRS:
        c = _u_counts(n1, n2)
        p = 2.0 * sum(c[:int(round(u)) + 1]) / sum(c)
        return u1, min(1.0, p)
    n = n1 + n2
    tie_term = sum(t ** 3 - t for t in ties) / (n * (n - 1.0))
    var = n1 * n2 / 12.0 * ((n + 1) - tie_term)
    if var <= 0:
        return u1, 1.0
    z = (abs(u1 - n1 * n2 / 2.0) - 0.5) / math.sqrt(var)
    return u1, 1.0 if z <= 0 else min(1.0, math.erfc(z / math.sqrt(2.0)))


def min_p(n1, n2):
    """The smallest two-sided p the exact test can give for n1 and n2 values
    (all of one side below all of the other): 2 / C(n1+n2, n1)."""
    if n1 == 0 or n2 == 0:
        return 1.0
    return min(1.0, 2.0 / math.comb(n1 + n2, n1))


def bootstrap_ratio(a, b, seed, level=0.95, n=BOOTSTRAP):
    """Percentile bootstrap interval of median(b) / median(a): both sides
    resampled with replacement n times (numpy's default generator, seeded)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    rng = np.random.default_rng(seed)
    ma = np.median(a[rng.integers(0, len(a), size=(n, len(a)))], axis=1)
    mb = np.median(b[rng.integers(0, len(b), size=(n, len(b)))], axis=1)
    r = mb / ma
    tail = (1.0 - level) / 2.0 * 100
    lo, hi = np.percentile(r, [tail, 100 - tail])
    return float(lo), float(hi)


# ---------------------------------------------------------------- folders


class Folder:
    """A results folder as compare sees it: its label and, per point key,
    the figures of its rounds and its flag."""

    def __init__(self, res, label):
        self.res = res
        self.path = res.path
        self.label = label
        self.rounds = {}   # key -> np.array of per-round figures
        self.flags = {}    # key -> "unstable" / ""
        self.reasons = {}  # key -> the summary's reason of a flagged point
        self.lines = {}    # key -> cache-line canary, median round trip (ns)
        self.speeds = {}   # key -> speed probe, median ns of the fixed work

    def complete(self):
        return self.res.meta.get("complete") is not False


def pin_label(k):
    """The placement as the table shows it: "split", or "same x2" with pairs."""
    pin = k[6] or "-"
    return pin if k[7] == 1 else "%s x%d" % (pin, k[7])


def point_key(row):
    """The point's identity: the KEY columns, then its pairs at once (1 in
    folders made before --pairs) and its ping-pong batch (1 before --batch:
    a batched round trip is timed another way, so never matched with one
    timed by itself)."""
    return tuple(row.get(k, "") if k != "buf_size" else ir.num(row, k)
                 for k in KEY) + (ir.pairs_of(row), ir.batch_of(row))


def folder_rounds(res):
    """{key: array of per-round figures} from runs.csv's timed ok rows."""
    by = {}
    for r in res.runs:
        if r.get("status") != "ok" or r.get("warmup") != 0:
            continue
        cols = ir.FIGURE.get(r.get("mode"))
        if cols:
            by.setdefault(point_key(r), []).append(r[cols[0]])
    return {k: np.array(v) for k, v in by.items()}


def make_folder(res, label):
    """A Folder from a loaded results folder (runs.csv and summary.csv went
    through the validated reader); a summary.csv that lists one point twice
    is an error."""
    path = res.path
    f = Folder(res, label)
    f.rounds = folder_rounds(res)
    seen = {}
    for r in res.summary:
        k = point_key(r)
        if k in seen:
            raise ir.ResultsError("%s: the same point as line %d (%s %s %s): a folder "
                                  "merged from two sweeps of one point?"
                                  % (r.where(), seen[k], k[0], k[1], ir.fmt_size(k[3])))
        seen[k] = r.line
        f.flags[k] = r.get("flag", "")
        f.reasons[k] = r.get("reason", "")
        line = r.get("line_rtt_ns_median")
        f.lines[k] = line if isinstance(line, float) else math.nan
        speed = r.get("speed_ns_median")
        f.speeds[k] = speed if isinstance(speed, float) else math.nan
    if not f.rounds:
        raise ir.ResultsError("%s: no timed row with status ok in runs.csv: nothing to "
                              "compare" % os.path.join(path, "runs.csv"))
    return f


def labels_for(results, given):
    """--label values in order (None: the default), else meta host + run id
    (the run id alone when every folder comes from one host), else the
    folder's name; made unique."""
    labels = []
    hosts = set(r.meta.get("host") for r in results)
    for i, res in enumerate(results):
        if given and i < len(given) and given[i]:
            lab = given[i]
        elif len(hosts) == 1:
            lab = str(res.meta.get("run_id") or os.path.basename(os.path.normpath(res.path)))
        else:
            lab = res.label()
        base, n = lab, 2
        while lab in labels:
            lab = "%s (%d)" % (base, n)
            n += 1
        labels.append(lab)
    return labels


def load_folders(paths, given_labels=None):
    """Folders for compare(), labelled by labels_for()."""
    results = [ir.load(p, need_runs=True) for p in paths]
    labels = labels_for(results, given_labels)
    return [make_folder(r, lab) for r, lab in zip(results, labels)]


# ---------------------------------------------------------------- comparing


class Entry:
    """One point compared: baseline and other figures, ratio, interval, p,
    verdict ('~', 'faster', 'slower') and flags."""

    def __init__(self, key, a, b, flag_a, flag_b, alpha, threshold, seed):
        self.key = key
        self.mode = key[1]
        self.n_a, self.n_b = len(a), len(b)
        self.med_a, self.med_b = float(np.median(a)), float(np.median(b))
        self.ratio = self.med_b / self.med_a
        seed = zlib.crc32(repr((seed, key)).encode())
        self.lo, self.hi = bootstrap_ratio(a, b, seed, 1.0 - alpha)
        self.u, self.p = mann_whitney(a, b)
        self.min_p = min_p(self.n_a, self.n_b)
        self.flag_a, self.flag_b = flag_a, flag_b
        big = abs(math.log(self.ratio)) >= math.log1p(threshold)
        self.significant = self.p < alpha and big
        if not self.significant:
            self.verdict = "~"
        else:  # a higher rate is faster, a higher latency slower
            up = self.ratio > 1
            self.verdict = "faster" if up == (self.mode == "stream") else "slower"

    def unstable(self):
        return "unstable" in (self.flag_a, self.flag_b)


def machine_shift(entries, threshold=THRESHOLD):
    """[(mode, median speed ratio, points the same way, points)] for each mode
    whose points nearly all moved together (ipclab_results.machine_shift)."""
    out = []
    for mode in ("stream", "pingpong"):
        shift = ir.machine_shift([e.ratio if mode == "stream" else 1 / e.ratio
                                  for e in entries if e.mode == mode and e.ratio > 0],
                                 threshold)
        if shift:
            out.append((mode,) + shift)
    return out


def point_order(k):
    """Sort key of a point: streams first, transports in the colour table's
    order, then access, pin, memory options and BUF_SIZE."""
    known = list(ir.TRANSPORT_COLORS)
    return (k[1] != "stream", known.index(k[0]) if k[0] in known else len(known), k[0],
            k[2], k[6], k[7], k[4], k[5], k[3])


def compare(base, other, alpha=ALPHA, threshold=THRESHOLD, seed=SEED):
    """Entries for the points both folders measured, in point_order()."""
    keys = sorted(set(base.rounds) & set(other.rounds), key=point_order)
    differ = ir.canary_probes_differ(base.res.meta, other.res.meta)
    out = []
    for k in keys:
        e = Entry(k, base.rounds[k], other.rounds[k], base.flags.get(k, ""),
                  other.flags.get(k, ""), alpha, threshold, seed)
        # The host was in another state (the canaries differ): a change may
        # be the host's.
        la, lb = base.lines.get(k, math.nan), other.lines.get(k, math.nan)
        sa, sb = base.speeds.get(k, math.nan), other.speeds.get(k, math.nan)
        # A canary measured by another version of its probe says nothing.
        e.moved = ir.host_state_change(
            math.nan if "line_probe" in differ else la,
            math.nan if "line_probe" in differ else lb,
            math.nan if "speed_probe" in differ else sa,
            math.nan if "speed_probe" in differ else sb)
        e.lines = (la, lb)
        e.speeds = (sa, sb)
        out.append(e)
    return out


# ---------------------------------------------------------------- output


def fmt_figure(mode, v):
    return ir.fmt_rate(v) if mode == "stream" else ir.fmt_ns(v)


def fmt_change(e):
    if e.verdict == "~":
        return "~"
    if 0.5 <= e.ratio <= 2:
        return "%+.0f%% %s" % (100 * (e.ratio - 1), e.verdict)
    return "×%.3g %s" % (e.ratio, e.verdict)


def memory(k):
    pop, huge = k[4], k[5]
    return "-" if pop in ir.BASELINE_MEMORY and huge in ir.BASELINE_MEMORY \
        else "pop %s, huge %s" % (pop, huge)


def differing(base, other):
    """': the baseline has pin split, this folder none' for the key columns
    whose values the two folders do not share ('' when none)."""
    out = []
    for i, name in enumerate(KEY + ("pairs", "batch")):
        a = sorted(set(k[i] for k in base.rounds), key=str)
        b = sorted(set(k[i] for k in other.rounds), key=str)
        if not set(a) & set(b):
            show = ir.fmt_size if name == "buf_size" else str
            out.append("%s %s here, %s in the baseline" % (
                name, ", ".join(show(v) for v in b), ", ".join(show(v) for v in a)))
    return (": " + "; ".join(out)) if out else ""


def print_table(base, others, results, alpha, threshold, f=sys.stdout):
    """The text table: one block per folder compared with the baseline."""
    level = 100 * (1 - alpha)
    print("baseline: %s (%s)" % (base.label, base.path), file=f)
    for other in others:
        entries = results[other.label]
        print("\n%s (%s) vs baseline" % (other.label, other.path), file=f)
        if not entries:
            print("  no point in common with the baseline%s" % differing(base, other), file=f)
            continue
        print("  stream: bytes/s at the reader (higher is faster); pingpong: one-way "
              "latency p50 (lower is faster)", file=f)
        hdr = ("%-14s %-8s %-7s %-9s %9s %-8s %11s %11s %-13s %-19s %6s %5s"
               % ("transport", "mode", "access", "pin", "BUF_SIZE", "memory", "baseline",
                  "this", "change", "ratio %g%% int." % level, "p", "n"))
        print(hdr, file=f)
        for e in entries:
            k = e.key
            print("%-14s %-8s %-7s %-9s %9s %-8s %10s%1s %10s%1s %-13s %-19s %6.3f %5s" % (
                k[0], k[1], k[2] or "-", pin_label(k), ir.fmt_size(k[3]), memory(k),
                fmt_figure(e.mode, e.med_a), "!" if e.flag_a == "unstable" else "",
                fmt_figure(e.mode, e.med_b), "!" if e.flag_b == "unstable" else "",
                fmt_change(e) + (" ^" if getattr(e, "moved", False) else ""),
                "%.3g [%.3g, %.3g]" % (e.ratio, e.lo, e.hi), e.p,
                "%d/%d" % (e.n_a, e.n_b)), file=f)
        n = len(entries)
        fast = sum(e.verdict == "faster" for e in entries)
        slow = sum(e.verdict == "slower" for e in entries)
        unst = sum(e.unstable() for e in entries)
        moved = [e for e in entries if getattr(e, "moved", False)]
        gm = math.exp(np.mean([math.log(e.ratio) for e in entries if e.mode == "stream"])) \
            if any(e.mode == "stream" for e in entries) else math.nan
        print("  %d points: %d faster, %d slower, %d ~ (p >= %g or within ±%g%%)%s%s" % (
            n, fast, slow, n - fast - slow, alpha, 100 * threshold,
            "; %d unstable (!) in either folder: read them with care" % unst if unst else "",
            "; geometric mean of the stream ratios %.3f" % gm if math.isfinite(gm) else ""),
            file=f)
        if moved:
            line = [e for e in moved if "line" in e.moved]
            speed = [e for e in moved if "speed" in e.moved]
            what = []
            if line:
                what.append("the cache line between their CPUs took %.0f ns round trip "
                            "here, %.0f ns in the baseline (%d points)"
                            % (np.median([e.lines[1] for e in line]),
                               np.median([e.lines[0] for e in line]), len(line)))
            if speed:
                r = np.median([e.speeds[1] / e.speeds[0] for e in speed])
                what.append("the speed probe's fixed work took %.0f%% %s here than in "
                            "the baseline (%d points)"
                            % (abs(100 * (r - 1)), "longer" if r > 1 else "less time",
                               len(speed)))
            print("  %d points (^) ran with the host in another state: %s; their "
                  "change may be the host's, not the software's"
                  % (len(moved), "; ".join(what)), file=f)
        for mode, med, same, total in machine_shift(entries, threshold):
            print("  note: the whole machine moved: %d of %d %s points are %s here (median "
                  "speed ratio %.3g); a change that uniform is more likely the host's (CPU "
                  "speed, neighbours, how fast it serves wake-ups) than the software's: "
                  "compare transports within one folder, or rerun both"
                  % (same, total, mode, "faster" if med > 1 else "slower", med), file=f)
        weak = [e for e in entries if e.min_p >= alpha]
        if weak:
            w = weak[0]
            print("  note: %d of %d points have too few rounds for any difference to count "
                  "(%d vs %d rounds: the smallest p the test can give is %.2f >= alpha %g); "
                  "measure more rounds" % (len(weak), n, w.n_a, w.n_b, w.min_p, alpha), file=f)
        only_a = len(set(base.rounds) - set(other.rounds))
        only_b = len(set(other.rounds) - set(base.rounds))
        if only_a or only_b:
            print("  not compared: %d points only in the baseline, %d only in this folder"
                  % (only_a, only_b), file=f)
    for fo in others:
        differ = ir.canary_probes_differ(base.res.meta, fo.res.meta)
        if differ:
            print("note: %s: its %s measured by another version than the baseline's "
                  "(meta.json canaries): not compared, no point marked for %s"
                  % (fo.label, " and ".join("%s was" % ir.CANARY_PROBE_NAMES[k]
                                            for k in differ),
                     "them" if len(differ) > 1 else "it"), file=f)
    for fo in [base] + others:
        if not fo.complete():
            print("note: %s: the sweep was interrupted (meta.json complete: false); its "
                  "cut points have fewer rounds" % fo.label, file=f)


CSV_COLUMNS = ("baseline", "folder", "transport", "mode", "access", "buf_size", "populate",
               "hugepages", "pin", "figure", "baseline_rounds", "rounds", "baseline_median",
               "median", "ratio", "ratio_lo", "ratio_hi", "p_value", "verdict",
               "baseline_flag", "flag", "host_state", "pairs", "batch")


def write_csv(base, others, results, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for other in others:
            for e in results[other.label]:
                k = e.key
                w.writerow([base.label, other.label, k[0], k[1], k[2], "%d" % k[3], k[4], k[5],
                            k[6], ir.FIGURE[e.mode][0], e.n_a, e.n_b]
                           + ["%.6g" % v for v in (e.med_a, e.med_b, e.ratio, e.lo, e.hi)]
                           + ["%.4g" % e.p, e.verdict, e.flag_a, e.flag_b,
                              getattr(e, "moved", ""), k[7], k[8]])


def _ratio_axis(ax, values, threshold):
    ax.set_yscale("log")
    v = [x for x in values if x > 0 and math.isfinite(x)] + [1.0]
    lo, hi = min(v), max(v)
    span = hi / lo
    subs = (1.0, 2.0, 5.0) if span > 4 else (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, p: "%g×" % float("%.3g" % x)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(lo / 1.15, hi * 1.15)
    ax.axhline(1.0, color="black", lw=0.8)
    ax.axhspan(1 / (1 + threshold), 1 + threshold, color="0.85", zorder=0)
    ax.grid(True, which="major", alpha=0.3)


def draw(base, others, results, outdir, alpha=ALPHA, threshold=THRESHOLD):
    """compare.png/.svg: per mode, the ratio of every point to the baseline
    vs BUF_SIZE (log axes), colour = transport, marker = folder; filled:
    significant, hollow: `~`; error bars: the bootstrap interval; a black ×
    over a point flagged unstable in either folder.  Returns the paths."""
    modes = [m for m in ("stream", "pingpong")
             if any(e.mode == m for o in others for e in results[o.label])]
    modes = modes or ["stream"]
    fig, axes = plt.subplots(1, len(modes), figsize=(7.2 * len(modes), 5.2), squeeze=False)
    names = []
    k_total = len(others)
    for ax, mode in zip(axes[0], modes):
        sizes, vals, unst = [], [], 0
        for k, other in enumerate(others):
            mk = FOLDER_MARKERS[k % len(FOLDER_MARKERS)]
            ls = FOLDER_STYLES[k % len(FOLDER_STYLES)]
            shift = 2 ** (0.12 * (k - (k_total - 1) / 2.0))
            series = {}
            for e in results[other.label]:
                if e.mode == mode:
                    series.setdefault(e.key[:3] + e.key[4:], []).append(e)
            for skey, es in series.items():
                t = skey[0]
                if t not in names:
                    names.append(t)
                es.sort(key=lambda e: e.key[3])
                col = ir.transport_color(t)
                x = np.array([e.key[3] for e in es]) * shift
                y = np.array([e.ratio for e in es])
                err = np.array([[max(e.ratio - e.lo, 0) for e in es],
                                [max(e.hi - e.ratio, 0) for e in es]])
                ax.plot(x, y, color=col, ls=ls, lw=1.0, alpha=0.6)
                ax.errorbar(x, y, yerr=err, fmt="none", ecolor=col, elinewidth=0.8,
                            capsize=2, alpha=0.8)
                for xi, e in zip(x, es):
                    ax.plot([xi], [e.ratio], marker=mk, ms=6, color=col,
                            mfc=col if e.significant else "white", mew=1.3, ls="none")
                    if e.unstable():
                        ax.plot([xi], [e.ratio], marker="x", ms=9, color="black", mew=1.2)
                        unst += 1
                sizes += [e.key[3] for e in es]
                vals += list(y) + [e.lo for e in es] + [e.hi for e in es]
        plot.size_axis(ax, sizes, "BUF_SIZE (bytes per handoff)" if mode == "stream"
                       else "message size (bytes)")
        _ratio_axis(ax, vals, threshold)
        what = ("throughput (bytes/s): above 1 = faster" if mode == "stream"
                else "one-way latency p50 (ns): above 1 = slower")
        ax.set_ylabel("ratio of medians, this / baseline\n%s" % what)
        ax.set_title("%s: ratio to %s" % (mode, plot.textwrap.shorten(base.label, 40)),
                     fontsize=10)
    fig.suptitle("Comparison with significance (Mann-Whitney U, alpha %g; grey band ±%g%%)\n"
                 "baseline %s" % (alpha, 100 * threshold, ir.title_context(base.res.meta)),
                 fontsize=11)
    handles = plot.transport_handles(names)
    handles += [Line2D([], [], color="0.3", ls=FOLDER_STYLES[k % len(FOLDER_STYLES)],
                       marker=FOLDER_MARKERS[k % len(FOLDER_MARKERS)], ms=6,
                       label=plot.textwrap.shorten(o.label, 40))
                for k, o in enumerate(others)]
    handles += [Line2D([], [], color="0.3", ls="none", marker="o", mfc="0.3", ms=6,
                       label="filled: significant (p < %g, beyond ±%g%%)"
                       % (alpha, 100 * threshold)),
                Line2D([], [], color="0.3", ls="none", marker="o", mfc="white", ms=6,
                       label="hollow: ~ (not significant)"),
                Line2D([], [], color="black", ls="none", marker="x", ms=8,
                       label="unstable in either folder"),
                Line2D([], [], color="0.3", marker="", ls="-", lw=0.8,
                       label="bar: %g%% bootstrap interval" % (100 * (1 - alpha)))]
    plot.legend_right(fig, handles)
    return plot.save(fig, outdir, "compare")


# ---------------------------------------------------------------- main


def percent(s):
    v = s.strip().rstrip("%")
    try:
        x = float(v) / 100.0
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a percentage (e.g. 5 or 5%%)" % s)
    if not 0 <= x < 10:
        raise argparse.ArgumentTypeError("%r: give a percentage from 0 to 1000" % s)
    return x


def probability(s):
    try:
        x = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % s)
    if not 0 < x < 1:
        raise argparse.ArgumentTypeError("%r: give a level between 0 and 1, e.g. 0.05" % s)
    return x


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="compare.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="+", help="results folders")
    ap.add_argument("--baseline", metavar="DIR",
                    help="the folder the others are compared with (default the first)")
    ap.add_argument("-l", "--label", action="append", metavar="NAME",
                    help="a label per folder, in command-line order (repeat the option)")
    ap.add_argument("--alpha", type=probability, default=ALPHA,
                    help="significance level of the test (default %g)" % ALPHA)
    ap.add_argument("--threshold", type=percent, default=THRESHOLD, metavar="PERCENT",
                    help="smaller differences show ~ (default %g%%)" % (100 * THRESHOLD))
    ap.add_argument("--csv", metavar="FILE", help="also write the comparison as CSV")
    ap.add_argument("-o", "--output", metavar="OUTDIR", default="compare",
                    help="where to write compare.png/.svg (default ./compare)")
    ap.add_argument("--no-plot", action="store_true", help="the table only")
    return ap, ap.parse_args(argv)


def usage_error(ap, msg):
    ap.print_usage(sys.stderr)
    print("ipclab: compare: %s" % msg, file=sys.stderr)
    sys.exit(2)


def main(argv=None):
    ap, args = parse_args(argv)
    paths = list(args.results)
    if args.baseline:
        same = [p for p in paths if os.path.realpath(p) == os.path.realpath(args.baseline)]
        if same:
            paths.remove(same[0])
        paths.insert(0, args.baseline)
    if len(paths) < 2:
        usage_error(ap, "give at least two results folders (one is the baseline)")
    if args.label and len(args.label) > len(args.results):
        usage_error(ap, "%d labels for %d folders" % (len(args.label), len(args.results)))
    given = dict(zip(args.results, args.label or []))
    try:
        folders = load_folders(paths, [given.get(p) for p in paths])
        base, others = folders[0], folders[1:]
        results = {o.label: compare(base, o, args.alpha, args.threshold) for o in others}
        written = []
        if not args.no_plot:
            os.makedirs(args.output, exist_ok=True)
            written += draw(base, others, results, args.output, args.alpha, args.threshold)
        if args.csv:
            write_csv(base, others, results, args.csv)
            written.append(args.csv)
    except ir.ResultsError as e:
        ir.fail("compare", e)
    except OSError as e:
        print("ipclab: compare: %s: %s" % (getattr(e, "filename", None) or args.output,
                                            e.strerror or e), file=sys.stderr)
        return 1
    print_table(base, others, results, args.alpha, args.threshold)
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
