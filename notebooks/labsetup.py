"""labsetup.py - the setup every ipclab notebook runs in its first cell,

    from labsetup import *

finds the repository, the results folder and the ipclab binary, prints
them, and defines the small helpers the notebooks use (ipclab(), run_rows(),
summarize(), fit_model(), table(), show_figure(), ...).  Everything here is
shared by notebooks/*.ipynb; edit it here, not in a notebook.
"""
import csv, io, json, math, os, shutil, subprocess, sys, tempfile, time

import numpy as np
from IPython import get_ipython
from IPython.display import Image, display


def _find_root():
    """The repository: $IPCLAB_ROOT, else the folder above this file's."""
    env = os.environ.get("IPCLAB_ROOT")
    if env:
        if os.path.isfile(os.path.join(env, "scripts", "ipclab_results.py")):
            return os.path.abspath(env)
        raise RuntimeError("IPCLAB_ROOT=%s holds no scripts/ipclab_results.py" % env)
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


ROOT = _find_root()
if os.path.join(ROOT, "scripts") not in sys.path:
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
import ipclab_results as ir  # the shared loader: rows as dicts, units, colours
import plot as ipplot        # scripts/plot.py: the report's figures and axis helpers
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter


if get_ipython() is not None:  # figures inline, as `%matplotlib inline`
    get_ipython().run_line_magic("matplotlib", "inline")


def _results_folder():
    """$IPCLAB_RESULTS, else your own results/latest, else the committed
    results/reference (another machine: said so), else the test fixture."""
    env = os.environ.get("IPCLAB_RESULTS")
    if env:
        p = env if os.path.isabs(env) or os.path.exists(env) else os.path.join(ROOT, env)
        return os.path.abspath(p), "from IPCLAB_RESULTS"
    for rel, why in (
            ("results/latest", "your latest `scripts/lab run` on this machine"),
            ("results/reference", "NOT your machine: no results/latest here, so this is the "
             "committed reference run of another machine; run `scripts/lab run` to measure yours"),
            ("tests/fixtures/sweep-small", "no results/latest or results/reference here: "
             "the tiny test fixture, good for trying the notebook, not for conclusions")):
        p = os.path.join(ROOT, rel)
        if os.path.isfile(os.path.join(p, "summary.csv")):
            return p, why
    return None, "none found: set IPCLAB_RESULTS or run `scripts/lab run`"


def _find_ipclab():
    """$IPCLAB_BIN, else build/release/ipclab, else build/debug/ipclab; with
    the line `ipclab version` prints (or why there is none)."""
    env = os.environ.get("IPCLAB_BIN")
    if env:
        cands = [env]
    else:
        cands = [os.path.join(ROOT, "build", b, "ipclab") for b in ("release", "debug")]
    for path in cands:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            continue
        try:
            v = subprocess.run([path, "version"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if v.returncode == 0:
            return os.path.abspath(path), v.stdout.strip()
    if env:
        return None, "IPCLAB_BIN=%s is not a working ipclab binary" % env
    return None, ("no ipclab binary in build/release or build/debug (build one: "
                  "cmake --preset release && cmake --build --preset release)")


RESULTS, RESULTS_WHY = _results_folder()
IPCLAB, IPCLAB_VERSION = _find_ipclab()
# "ipclab 0.1.0 (abc1234, GNU 12.2.0, Release)" -> "Release"
BUILD_TYPE = IPCLAB_VERSION.rsplit(",", 1)[-1].strip(" )") if IPCLAB else ""
print("repository ", ROOT)
print("results    ", RESULTS or "-", " (%s)" % RESULTS_WHY)
if RESULTS and "NOT your machine" in RESULTS_WHY:
    print("note: the folder above was measured on another machine; compare its shape, "
          "not its figures, with yours")
print("ipclab     ", IPCLAB or "-", " (%s)" % IPCLAB_VERSION)


class LabError(Exception):
    """ipclab could not give what was asked; the message says why."""


def ipclab(*args, timeout=180):
    """Run `ipclab ARGS`; the finished process (text stdout and stderr)."""
    if not IPCLAB:
        raise LabError(IPCLAB_VERSION)
    cmd = [IPCLAB] + [str(a) for a in args]
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LabError("ipclab %s: no answer after %d s" % (" ".join(cmd[1:]), timeout)) from None


def run_rows(*args, timeout=180):
    """`ipclab run ARGS --format csv --quiet`: its rows (dicts of strings, one
    per repetition, warm-ups included).  Warnings are printed, not hidden."""
    args = ("run",) + tuple(str(a) for a in args) + ("--format", "csv", "--quiet")
    print("ran: ipclab " + " ".join(args))
    p = ipclab(*args, timeout=timeout)
    rows = list(csv.DictReader(io.StringIO(p.stdout))) if p.stdout.strip() else []
    for line in dict.fromkeys(l.strip() for l in p.stderr.splitlines() if l.strip()):
        print("     " + line)
    if p.returncode != 0 and not any(r.get("status") == "ok" for r in rows):
        err = p.stderr.strip().splitlines()
        raise LabError(err[-1] if err else "exit status %d" % p.returncode)
    return rows


def med(values):
    v = [float(x) for x in values if x is not None and math.isfinite(float(x))]
    return float(np.median(v)) if v else math.nan


def summarize(rows):
    """One point from the rows of one `ipclab run`: medians over its timed
    repetitions with status ok (warm-ups left out)."""
    timed = [r for r in rows if r.get("warmup") == "0" and r.get("status") == "ok"]
    if not timed:
        bad = [r.get("reason") for r in rows if r.get("status") != "ok" and r.get("reason")]
        raise LabError(bad[0] if bad else "no timed repetition with status ok")
    col = lambda name: [ir.num(r, name) for r in timed]
    walls = [w for w in col("wall_ns") if math.isfinite(w)]
    p = {"buf_size": med(col("buf_size")), "bytes": med(col("total_bytes")),
         "handoffs": med(col("blocks")), "time_ns": med(walls),
         "time_min_ns": min(walls), "time_max_ns": max(walls), "reps": len(timed), "times_ns": walls,
         "floor_bytes_per_s": med(col("floor_bytes_per_s")), "row": timed[0],
         "notes": sorted(set(r["reason"] for r in timed if r.get("reason")))}
    for side in ("writer", "reader"):
        for k in ("vcsw", "ivcsw", "minflt", "majflt", "user_ns", "sys_ns"):
            p[side + "_" + k] = med(col(side + "_" + k))
        for k in ("vcsw", "ivcsw"):
            p["%s_%s_per_handoff" % (side, k)] = p[side + "_" + k] / p["handoffs"]
    p["bytes_per_s"] = p["bytes"] / p["time_ns"] * 1e9
    p["ns_per_handoff"] = p["time_ns"] / p["handoffs"]
    return p


def point_from_summary(r):
    """The same shape as summarize() from one summary.csv row of a folder."""
    p = {"buf_size": ir.num(r, "buf_size"), "bytes": ir.num(r, "total_bytes"),
         "handoffs": ir.num(r, "blocks"), "time_ns": ir.num(r, "wall_ns_median"),
         "time_min_ns": ir.num(r, "wall_ns_min"), "time_max_ns": ir.num(r, "wall_ns_max"),
         "reps": ir.num(r, "reps"), "times_ns": [], "floor_bytes_per_s": ir.num(r, "floor_bytes_per_s"),
         "row": r, "notes": [r["reason"]] if r.get("reason") else []}
    for side in ("writer", "reader"):
        for k in ("vcsw", "ivcsw"):
            p["%s_%s_per_handoff" % (side, k)] = ir.num(r, "%s_%s_per_block" % (side, k))
        for k in ("minflt", "user_ns", "sys_ns"):
            p[side + "_" + k] = ir.num(r, side + "_" + k)
    p["bytes_per_s"] = ir.num(r, "bytes_per_s_median")
    p["ns_per_handoff"] = p["time_ns"] / p["handoffs"]
    return p


def fit_model(bytes_, handoffs, time_ns):
    """The cost model time = bytes*c_byte + handoffs*c_handoff fitted as
    `ipclab model` fits it: ir.fit_cost_model, least squares on the RELATIVE
    miss (t - model)/t, R² on the time per byte.  Adds each point's relative
    miss and the crossover c_handoff/c_byte.  None when the points cannot
    separate the two costs (fewer than two BUF_SIZEs)."""
    x, y, t = (np.asarray(v, dtype=float) for v in (bytes_, handoffs, time_ns))
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(t) & (x > 0) & (t > 0)
    x, y, t = x[ok], y[ok], t[ok]
    f = ir.fit_cost_model(x, y, t)
    if f is None:
        return None
    cb, ch = f["c_byte_ns"], f["c_handoff_ns"]
    f["rel_miss"] = (x * cb + y * ch - t) / t
    f["max_rel_miss"] = float(np.max(np.abs(f["rel_miss"])))
    f["crossover_bytes"] = ch / cb if cb > 0 and ch > 0 else math.nan
    return f


def fit_plain(bytes_, handoffs, time_ns):
    """The same model by PLAIN least squares in nanoseconds, only to show why
    ipclab does not fit that way: (c_byte_ns, c_handoff_ns, R² on the times)."""
    x, y, t = (np.asarray(v, dtype=float) for v in (bytes_, handoffs, time_ns))
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    (a, b), *_ = np.linalg.lstsq(np.column_stack([x / nx, y / ny]), t, rcond=None)
    pred = x * a / nx + y * b / ny
    ss_tot = float(np.sum((t - t.mean()) ** 2))
    return a / nx, b / ny, (1 - float(np.sum((t - pred) ** 2)) / ss_tot if ss_tot > 0 else math.nan)


class Table:
    """Rows shown as a Markdown table in Jupyter, as aligned text elsewhere."""

    def __init__(self, header, rows, title=None):
        self.header = [str(h) for h in header]
        self.rows = [[str(c) for c in r] for r in rows]
        self.title = title
        # Numbers right-aligned, words left-aligned.
        numeric = lambda v: v in ("", "-") or v.lstrip("-")[:1].isdigit()
        self.right = [i > 0 and all(numeric(r[i]) for r in self.rows) for i in range(len(self.header))]

    def _repr_markdown_(self):
        esc = lambda s: s.replace("|", "\\|")
        out = ["**%s**" % self.title, ""] if self.title else []
        out.append("| " + " | ".join(esc(h) for h in self.header) + " |")
        out.append("|" + "|".join("---:" if r else ":---" for r in self.right) + "|")
        out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in self.rows]
        return "\n".join(out)

    def __repr__(self):
        w = [max([len(h)] + [len(r[i]) for r in self.rows]) for i, h in enumerate(self.header)]
        line = lambda cells: "  ".join(c.rjust(w[i]) if self.right[i] else c.ljust(w[i])
                                       for i, c in enumerate(cells)).rstrip()
        out = [self.title] if self.title else []
        return "\n".join(out + [line(self.header)] + [line(r) for r in self.rows])


def table(header, rows, title=None):
    display(Table(header, rows, title))


def show_figure(name, res):
    """Draw figure NAME of scripts/plot.py (throughput, ctxsw, latency, memory,
    cputime) for a loaded folder and show it here; False when the folder has
    no data for it (the note says why)."""
    with tempfile.TemporaryDirectory(prefix="ipclab-nb-") as d:
        try:
            paths = ipplot.FIGURE_FUNCS[name](res, d)
        except ipplot.Skip as e:
            plt.close("all")
            print("note: no %s figure: %s" % (name, e))
            return False
        with open([p for p in paths if p.endswith(".png")][0], "rb") as f:
            display(Image(data=f.read()))
    return True


def fmt_pct(v):
    return "-" if not math.isfinite(v) else "%.0f%%" % (100 * v)


def fmt_x(v):
    return "-" if not math.isfinite(v) else "%.2g×" % v
