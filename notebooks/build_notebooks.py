#!/usr/bin/env python3
"""Generate the ipclab notebooks (notebooks/*.ipynb) from the cell sources in
this file, with every output cleared.

The notebooks are written here as Python strings so that the setup they share
is one piece of text, and so that a review reads as a diff of this file.  The
committed .ipynb files must be exactly what this script writes:
tests/py/test_notebooks.py checks it.  After editing a cell:

    scripts/pyrun notebooks/build_notebooks.py           # rewrite the .ipynb
    scripts/pyrun notebooks/build_notebooks.py --check   # exit 1 if one differs

Needs nbformat (Debian python3-nbformat).  Rule for the text cells: a number
in a markdown cell is a setting or a question, never a claim about the data;
claims are computed and printed by the code cells.
"""

import argparse
import os
import re
import sys

try:
    import nbformat
    from nbformat import v4
except ImportError:
    sys.exit("fatal: %s cannot import nbformat: install python3-nbformat "
             "(or run this script through scripts/pyrun)" % sys.executable)

HERE = os.path.dirname(os.path.abspath(__file__))

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python",
              "name": "python3"}

# ------------------------------------------------------------------ shared code

SETUP = r'''
import os, sys; sys.path.insert(0, os.path.join(os.environ.get("IPCLAB_ROOT", ".."), "notebooks"))
from labsetup import *  # notebooks/labsetup.py: finds the results and ipclab, defines the helpers
'''


def md(text):
    return ("md", text.strip("\n"))


def code(text):
    return ("code", text.strip("\n"))


PREDICT = "**Your prediction**, written before you run the measurement below:"
ANSWER = "**Your answer to question %d:**"


def predict(question):
    """A cell to record a prediction before a measurement."""
    return md("%s %s\n\n*(write here)*" % (PREDICT, question.strip()))


def answer_cells(questions):
    """One answer cell per numbered question of a "## Questions" cell."""
    nums = re.findall(r"^(\d+)\. ", questions, re.M)
    return [md("%s\n\n*(write here)*" % (ANSWER % int(n))) for n in nums]


SETUP = SETUP.strip("\n")
SETUP_CELL = code(SETUP)

# ------------------------------------------------------------------ analysis

ANALYSIS = [
    md(r'''
# ipclab — analysis of a results folder

This notebook reads one **results folder** — what `ipclab sweep -o DIR` or
`scripts/lab run` writes — and turns it into the main figures, the cost model
and, optionally, a comparison with a second folder.  It only reads: it runs no
benchmark and needs no ipclab binary.

| environment variable | chooses | default |
|---|---|---|
| `IPCLAB_RESULTS` | the folder to analyse | `../results/latest` (yours), else `../results/reference` (another machine, with a note) |
| `IPCLAB_COMPARE` | a second folder to compare with | none: section 8 is skipped |

Start Jupyter in `notebooks/`, or run it headless from the top of the repository:

    IPCLAB_RESULTS=results/latest jupyter nbconvert --to html --execute notebooks/analysis.ipynb --output-dir /tmp

Every column is documented in `results/README.md`.  Numbers in the text cells
are questions or settings; everything the data says is computed and printed by
the code cells, for *this* folder.

**Learning goals.**  Read a whole sweep: which transport wins where and why,
how many switches a handoff costs, what the cost model says per transport, and
how two folders (two machines, or before and after a change) compare.

**Class time.**  About 30 minutes to read through with a class, or as homework
after the labs; it runs in under a minute.
'''),
    SETUP_CELL,
    md(r'''
## 1. The machine and the run

A result belongs to the machine it was measured on: CPU, number of CPUs,
kernel, huge-page and THP settings, IPC limits, compiler and build type.
`meta.json` records them beside the data.  Read them before any figure: a
2-CPU virtual machine shared with other jobs and a quiet 16-core workstation do
not give the same curves.
'''),
    code(r'''
if RESULTS is None:
    raise RuntimeError("no results folder: " + RESULTS_WHY)
res = ir.load(RESULTS)
meta = res.meta
print("folder      ", res.path)
print("machine     ", ir.machine_line(meta))
print("date        ", ir.run_date(meta) or "-")
print("command     ", meta.get("command_line", "-"))
print("ipclab      ", meta.get("ipclab_version", "-"), "git", meta.get("git_rev", "-"),
      "|", meta.get("compiler", "-"), meta.get("build_type", "-"), (meta.get("cflags") or "").strip())
thp, huge, lim = meta.get("thp") or {}, meta.get("hugepages") or {}, meta.get("limits") or {}
print("THP          enabled=%s shmem_enabled=%s" % (thp.get("enabled", "-"), thp.get("shmem_enabled", "-")))
print("huge pages   total=%s free=%s size=%s kB" % (huge.get("total", "-"), huge.get("free", "-"),
                                                   huge.get("size_kb", "-")))
print("limits       mq msgsize_max=%s msg_max=%s | SysV msgmax=%s | pipe-max-size=%s"
      % tuple(lim.get(k, "-") for k in ("mq_msgsize_max", "mq_msg_max", "msgmax", "pipe_max_size")))
if meta and meta.get("build_type") not in (None, "", "Release"):
    print("\nnote: this folder was measured with a %s build: sanitizers and -O0 change the "
          "numbers; use a release build for conclusions" % meta.get("build_type"))
if not meta:
    print("note: no meta.json in this folder: the machine is unknown")

by_status = {}
for r in res.summary:
    by_status.setdefault((r.get("mode", ""), r.get("status", "")), []).append(r)
table(["mode", "status", "configurations"],
      [[m, s, len(v)] for (m, s), v in sorted(by_status.items())], "Configurations in summary.csv")
odd = [r for r in res.summary if r.get("status") != "ok"]
if odd:
    table(["transport", "mode", "BUF_SIZE", "status", "reason"],
          [[r["transport"], r.get("mode", ""), ir.fmt_size(ir.num(r, "buf_size")), r["status"],
            (r.get("reason") or "")[:110]] for r in odd],
          "Points that did not run (skipped: a limit of this machine; error: a failure)")
'''),
    md(r'''
## 2. What was measured

Which transports, BUF_SIZEs, placements (`pin`) and memory options the folder
holds.  Transports are compared on the *default* memory options (no populate,
no huge pages), as `scripts/plot.py` does.
'''),
    code(r'''
stream = ir.select(res.summary, mode="stream", status="ok")
base = ir.baseline(stream)
print("transports  ", ", ".join(ir.transports_in(res.summary)))
print("modes       ", ", ".join(ir.unique(res.summary, "mode")))
print("BUF_SIZEs   ", ", ".join(ir.fmt_size(s) for s in sorted(set(ir.column(res.summary, "buf_size")))
                                  if math.isfinite(s)))
print("pin         ", ", ".join(ir.unique(res.summary, "pin")))
print("access      ", ", ".join(ir.unique(res.summary, "access")))
print("populate    ", ", ".join(ir.unique(res.summary, "populate")))
print("hugepages   ", ", ".join(ir.unique(res.summary, "hugepages")))
MAIN_PIN = ipplot.main_pin(base) if base else ""
print("main placement (most stream rows):", MAIN_PIN or "-")
'''),
    md(r'''
## 3. Throughput vs BUF_SIZE, and the floor

One line per transport (median of the repetitions; the band spans min to max).
The dashed black line is the **memcpy floor**: one process doing the same
memory work with no peer (a copy into a block and one out of it), measured in
the same run at the same size.  With both processes on **one CPU** no
copy-mode transport can beat it: the CPU does both copies plus the handoffs.
With **two CPUs** (`--pin split`, or unpinned) a transport *can* end above the
floor — up to twice it: the writer copies block k+1 into the ring while the
reader copies block k out, so the two copies overlap in time, which one
process cannot do.  Rings of several blocks and spinning transports at large
sizes do this; the table below names them.  Otherwise the gap between a
transport and the floor is what the mechanism costs.

Questions to keep in mind while reading it: where does each curve bend?  Which
transports get closest to the floor, and at which sizes?
'''),
    code(r'''
show_figure("throughput", res)
'''),
    code(r'''
# The figure in numbers: for each transport at the main placement, the ends of
# its curve and how close it comes to the floor.
rows = []
for t in ir.transports_in(base):
    pts = ir.sorted_by_size(ir.select(base, transport=t, pin=MAIN_PIN, access=("copy", "")))
    if not pts:
        continue
    lo, hi = pts[0], pts[-1]
    fr = ir.column(pts, "floor_ratio")
    best = int(np.nanargmax(fr)) if np.any(np.isfinite(fr)) else None
    rows.append([t, ir.fmt_size(ir.num(lo, "buf_size")), ir.fmt_rate(ir.num(lo, "bytes_per_s_median")),
                 ir.fmt_size(ir.num(hi, "buf_size")), ir.fmt_rate(ir.num(hi, "bytes_per_s_median")),
                 fmt_x(ir.num(hi, "bytes_per_s_median") / ir.num(lo, "bytes_per_s_median")),
                 "-" if best is None else "%s at %s" % (fmt_pct(fr[best]), ir.fmt_size(ir.num(pts[best], "buf_size")))])
table(["transport", "smallest", "throughput", "largest", "throughput", "largest/smallest",
       "best share of the floor"], rows, "Stream, copy, pin %s" % (MAIN_PIN or "-"))
above = [r[0] for r in rows if "%" in r[-1] and float(r[-1].split("%")[0]) > 100]
if above:
    print("Above the floor (more than 100%%): %s.  %s" % (", ".join(above),
          "Placement %s uses two CPUs: the writer's copy into one block and the reader's copy out "
          "of another run at the same time, so up to 2× the one-process floor is possible."
          % MAIN_PIN if MAIN_PIN != "same" else
          "On one CPU that should not happen: the floor measurement was probably disturbed "
          "(see the row's reason, marked suspect)."))
'''),
    md(r'''
## 4. Context switches per handoff

A **handoff** is one block changing hands (writer release → reader acquire).
Each side counts its voluntary context switches with `getrusage` over the
timed region: a voluntary switch means the process went to sleep waiting for
its peer.  Left: switches per handoff; middle: per MiB moved; right: the wall
time per handoff.

What to look for: which transports put a process to sleep at (almost) every
handoff, and which let one side run ahead?  How does the time per handoff
relate to the switches?
'''),
    code(r'''
show_figure("ctxsw", res)
'''),
    code(r'''
rows = []
for t in ir.transports_in(base):
    pts = ir.sorted_by_size(ir.select(base, transport=t, pin=MAIN_PIN, access=("copy", "")))
    if not pts:
        continue
    lo, hi = pts[0], pts[-1]
    rows.append([t, ir.fmt_size(ir.num(lo, "buf_size")),
                 "%.2f / %.2f" % (ir.num(lo, "writer_vcsw_per_block"), ir.num(lo, "reader_vcsw_per_block")),
                 ir.fmt_ns(ir.num(lo, "ns_per_block")), ir.fmt_size(ir.num(hi, "buf_size")),
                 "%.2f / %.2f" % (ir.num(hi, "writer_vcsw_per_block"), ir.num(hi, "reader_vcsw_per_block")),
                 ir.fmt_ns(ir.num(hi, "ns_per_block"))])
table(["transport", "smallest", "vcsw/handoff w / r", "time/handoff", "largest",
       "vcsw/handoff w / r", "time/handoff"], rows, "Stream, pin %s" % (MAIN_PIN or "-"))
'''),
    md(r'''
## 5. Latency: ping-pong round trips

In ping-pong mode a message goes to the peer and back; every round trip is
timed.  p50 is the typical round trip, p99 the slow tail.  Half a round trip
is the one-way latency.
'''),
    code(r'''
if show_figure("latency", res):
    pp = ir.baseline(ir.select(res.summary, mode="pingpong", status="ok"))
    smallest = min(ir.column(pp, "buf_size"))
    at = sorted(ir.select(pp, buf_size=smallest), key=lambda r: ir.num(r, "rtt_p50_ns"))
    table(["transport", "pin", "p50 round trip", "p99 round trip", "p99 / p50"],
          [[r["transport"], r.get("pin", ""), ir.fmt_ns(ir.num(r, "rtt_p50_ns")),
            ir.fmt_ns(ir.num(r, "rtt_p99_ns")),
            fmt_x(ir.num(r, "rtt_p99_ns") / ir.num(r, "rtt_p50_ns"))] for r in at],
          "Ping-pong at %s, fastest first" % ir.fmt_size(smallest))
'''),
    md(r'''
## 6. Memory options

When the folder was swept over `--populate off,on` or `--hugepages off,try`,
this figure puts the settings side by side for the transports with a shared
region: throughput, and the minor page faults taken in the timed region.
`lab-3-memory.ipynb` explains what to expect.
'''),
    code(r'''
show_figure("memory", res)
'''),
    md(r'''
## 7. The cost model: why does the time depend on BUF_SIZE?

Moving a stream costs something **per byte** (copying it) and something **per
handoff** (system calls, semaphore posts, waking the peer, often a context
switch).  So a run that moves `bytes` bytes in `handoffs` blocks should take

    time = bytes · c_byte + handoffs · c_handoff

Small buffers mean many handoffs, and the second term dominates; large buffers
mean few, and the first one does.  Fitted over the BUF_SIZEs of a sweep, the
model gives per transport:

* `c_byte` — compare `1/c_byte` with the memcpy floor of the same run;
* `c_handoff` — compare it with what a context switch costs (`ipclab ctxsw`,
  lab 2) and with the context switches counted per handoff;
* the **crossover** `c_handoff / c_byte`: the BUF_SIZE at which one handoff
  costs as much as the bytes it carries.  Below it the time goes to handoffs,
  above it to copying.

**How it is fitted.**  Least squares on the *relative* miss `(t − model) / t`
(weights `1/t²`), exactly as `ipclab model` does: every BUF_SIZE counts
equally, whatever its time.  The goodness of fit R² is taken on the time per
byte, where the curve is seen.  Each (transport, access, placement, memory
setting) is fitted on its own.
'''),
    code(r'''
GROUP_KEYS = ("transport", "access", "pin", "populate", "hugepages")
groups = {}
for r in stream:
    groups.setdefault(tuple(r.get(k, "") for k in GROUP_KEYS), []).append(r)
fits = []
for key, pts in groups.items():
    pts = ir.sorted_by_size(pts)
    x, y, t = (ir.column(pts, c) for c in ("total_bytes", "blocks", "wall_ns_median"))
    f = fit_model(x, y, t)
    fits.append((key, pts, f))
order = {t: i for i, t in enumerate(ir.transports_in(stream))}
fits.sort(key=lambda e: (order.get(e[0][0], 99),) + e[0][1:])

rows = []
for key, pts, f in fits:
    t, acc, pin, pop, huge = key
    mem = "" if pop in ir.BASELINE_MEMORY and huge in ir.BASELINE_MEMORY else "pop %s huge %s" % (pop, huge)
    sizes = "%s–%s (%d)" % (ir.fmt_size(ir.num(pts[0], "buf_size")), ir.fmt_size(ir.num(pts[-1], "buf_size")), len(pts))
    vc = "%.2f / %.2f" % (med(ir.column(pts, "writer_vcsw_per_block")), med(ir.column(pts, "reader_vcsw_per_block")))
    floor = ir.num(pts[-1], "floor_bytes_per_s")
    if f is None:
        rows.append([t, acc, pin, mem, sizes, "-", "-", ir.fmt_rate(floor), "-", "-", "-", vc, "-",
                     "needs two or more BUF_SIZEs"])
        continue
    cb, ch = f["c_byte_ns"], f["c_handoff_ns"]
    note = "negative cost: the model does not fit" if cb <= 0 or ch <= 0 else (
        "2 sizes: exact by construction" if f["n"] == 2 else "")
    rows.append([t, acc, pin, mem, sizes, "%.3g" % cb, ir.fmt_rate(1e9 / cb) if cb > 0 else "-",
                 ir.fmt_rate(floor), ir.fmt_ns(ch), ir.fmt_num(f["r2"], 3), fmt_pct(f["max_rel_miss"]),
                 vc, ir.fmt_size_approx(f["crossover_bytes"]), note])
table(["transport", "access", "pin", "memory", "BUF_SIZEs", "c_byte ns/B", "1/c_byte", "floor (largest)",
       "c_handoff", "R² (t/byte)", "worst miss", "vcsw/handoff w / r", "crossover", "note"], rows,
      "Cost model per configuration (relative least squares)")
'''),
    code(r'''
# One panel per transport: the measured time per handoff (points), the model
# c_handoff + BUF_SIZE·c_byte fitted on relative error (solid) and, for
# comparison, the same model fitted by plain least squares in ns (dotted).
shown = [e for e in fits if e[2] is not None and e[0][1] in ("copy", "")
         and e[0][3] in ir.BASELINE_MEMORY and e[0][4] in ir.BASELINE_MEMORY]
names = [t for t in ir.transports_in(stream) if any(e[0][0] == t for e in shown)]
pins = sorted(set(e[0][2] for e in shown))
if not shown:
    print("note: nothing to draw: no transport has two or more BUF_SIZEs at the default memory options")
else:
    ncol = min(4, len(names))
    nrow = (len(names) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.9 * ncol, 3.0 * nrow), squeeze=False,
                             sharex=True, sharey=True)
    fig.suptitle("Time per handoff: measured (points), cost model on relative error (solid), "
                 "plain least squares (dotted)\n%s" % ir.title_context(meta), fontsize=11)
    allv, alls = [], []
    for ax, t in zip(axes.flat, names):
        c = ir.transport_color(t)
        for k, ((tt, acc, pin, pop, huge), pts, f) in enumerate(e for e in shown if e[0][0] == t):
            x = ir.column(pts, "buf_size")
            ax.plot(*ipplot.finite_pos(x, ir.column(pts, "ns_per_block")), ipplot.SETTING_MARKERS[pins.index(pin) % 4],
                    color=c, ms=5, label="pin %s" % pin)
            xs = np.geomspace(np.nanmin(x), np.nanmax(x), 80)
            pb, ph, _ = fit_plain(*(ir.column(pts, k2) for k2 in ("total_bytes", "blocks", "wall_ns_median")))
            for cb, ch, style in ((f["c_byte_ns"], f["c_handoff_ns"], "-"), (pb, ph, ":")):
                if cb > 0 and ch > 0:  # a negative cost is no model: nothing to draw
                    ax.plot(xs, ch + xs * cb, style, color=c if style == "-" else "0.35", lw=1.4)
            allv += list(ir.column(pts, "ns_per_block"))
            alls += list(x)
            if f["c_byte_ns"] <= 0 or f["c_handoff_ns"] <= 0:
                ax.text(0.03, 0.9, "a negative cost: no model line", transform=ax.transAxes, fontsize=8, color="tab:red")
        ax.set_title(t, fontsize=10, color=c)
    for i, ax in enumerate(axes.flat):
        if i >= len(names):
            ax.axis("off")
        elif i + ncol >= len(names):  # the lowest panel of its column: label the sizes
            ax.xaxis.set_tick_params(labelbottom=True)
    for ax in axes.flat[:len(names)]:
        ipplot.size_axis(ax, alls)
        ipplot.log_y(ax, ir.fmt_ns, allv)
        ax.set_xlabel("")
        ax.tick_params(labelsize=8)
    for row in axes:
        row[0].set_ylabel("time per handoff", fontsize=9)
    if len(pins) > 1:
        axes.flat[0].legend(fontsize=8)
    fig.supxlabel("BUF_SIZE (bytes per handoff)", fontsize=10)
    fig.tight_layout()
    plt.show()
'''),
    md(r'''
### Why relative error — and why plain least squares fails here

Plain least squares minimises the sum of squared misses **in nanoseconds**, so
a point's say in the fit grows with its time squared.  That weight has nothing
to do with the physics: it is set by how long someone chose to run the point.
If one BUF_SIZE is run twice as long, its bytes, handoffs and time all double:
its *relative* miss is unchanged, but its weight in a plain fit is four times
larger.

* In a sweep with a **fixed amount of bytes** (the classic exercise, lab 1),
  the smallest BUF_SIZE takes far longer than the largest, so a plain fit
  matches the slowest points and lets the others miss by any factor.
* In a **`--min-time` sweep** (how `ipclab sweep` and `scripts/lab run` work)
  every point is *meant* to last about as long: the times themselves carry no
  information — it is in how many bytes and handoffs fitted into that time.
  The weights of a plain fit are then set by whatever made one point run
  longer than another (calibration steps, a busy moment on the machine), and
  its R², computed on the times, compares the misses with a spread of times
  that is itself an accident of the run: it says nothing about the model.

Weighting every point by `1/t²` fits the relative misses: the result no longer
depends on how long each point was run, every BUF_SIZE counts equally, and the
fit is judged on the time per byte, which varies by orders of magnitude across
the sweep.  The next cell puts both fits side by side on this folder.
'''),
    code(r'''
rows = []
for (t, acc, pin, pop, huge), pts, f in fits:
    if f is None or not (pop in ir.BASELINE_MEMORY and huge in ir.BASELINE_MEMORY):
        continue
    x, y, tt = (ir.column(pts, c) for c in ("total_bytes", "blocks", "wall_ns_median"))
    pb, ph, pr2 = fit_plain(x, y, tt)
    plain_miss = float(np.max(np.abs((x * pb + y * ph - tt) / tt)))
    rows.append([t, pin, fmt_x(np.nanmax(tt) / np.nanmin(tt)),
                 "%.3g / %s" % (f["c_byte_ns"], ir.fmt_ns(f["c_handoff_ns"])), fmt_pct(f["max_rel_miss"]),
                 "%.3g / %s" % (pb, ir.fmt_ns(ph)), fmt_pct(plain_miss), ir.fmt_num(pr2, 3)])
table(["transport", "pin", "slowest/fastest point", "relative fit: c_byte / c_handoff", "worst miss",
       "plain fit: c_byte / c_handoff", "worst miss", "plain R² (on times)"], rows,
      "Relative vs plain least squares on the same points (default memory options)")
if rows:
    spread = [float(np.nanmax(ir.column(pts, "wall_ns_median")) / np.nanmin(ir.column(pts, "wall_ns_median")))
              for (t, acc, pin, pop, huge), pts, f in fits if f is not None]
    print("In this folder the slowest point of a configuration lasted %.3g× to %.3g× its fastest."
          % (min(spread), max(spread)))
'''),
    md(r'''
## 8. Comparing two folders

Set `IPCLAB_COMPARE` to a second results folder (another machine, another
kernel, before and after a change) to see, point by point, the ratio of its
medians to this folder's (the reference), with a bootstrap interval over the
rounds and a Mann-Whitney test: a difference that is not significant, or
within ±5 %, counts as `~`.  Compare like with like: the same placement and
options (only the points both folders measured are compared).
'''),
    code(r'''
import compare  # scripts/compare.py: the same comparison as `scripts/compare.py A B`

other_path = os.environ.get("IPCLAB_COMPARE")
if not other_path:
    print("note: IPCLAB_COMPARE is not set: no comparison.  Set it to a second results folder, e.g.\n"
          "      IPCLAB_COMPARE=results/latest jupyter notebook analysis.ipynb")
else:
    if not os.path.isabs(other_path) and not os.path.exists(other_path):
        other_path = os.path.join(ROOT, other_path)
    base, other = compare.load_folders([res.path, other_path])
    entries = compare.compare(base, other)
    for f in (base, other):
        print("%-30s %s" % (f.label, ir.title_context(f.res.meta)))
    if not entries:
        print("note: the two folders share no point%s: nothing to compare"
              % compare.differing(base, other))
    else:
        verdicts = [e.verdict for e in entries]
        print("%d points: %d faster, %d slower, %d ~ (not significant or within ±5 %%)"
              % (len(entries), verdicts.count("faster"), verdicts.count("slower"),
                 verdicts.count("~")))
        with tempfile.TemporaryDirectory(prefix="ipclab-nb-") as d:
            paths = compare.draw(base, [other], {other.label: entries}, d)
            with open([p for p in paths if p.endswith(".png")][0], "rb") as fh:
                display(Image(data=fh.read()))
        per_t = {}
        for e in entries:
            if e.mode == "stream":
                per_t.setdefault(e.key[0], []).append(e.ratio)
        table(["transport", "configurations", "geometric mean ratio", "lowest", "highest"],
              [[t, len(v), fmt_x(math.exp(np.mean(np.log(v)))), fmt_x(min(v)), fmt_x(max(v))]
               for t, v in per_t.items()],
              "Throughput of %s relative to %s" % (other.label, base.label))
'''),
]

# ------------------------------------------------------------------ lab 1

LAB1 = [
    md(r'''
# Lab 1 — BUF_SIZE: why does the time vary?

**The exercise.**  Two processes share one POSIX shared-memory buffer guarded by
a semaphore pair: the writer waits on `wsem`, copies up to BUF_SIZE bytes into
the buffer and posts `rsem`; the reader waits on `rsem`, copies the bytes out
and posts `wsem`.  Vary BUF_SIZE from 10 to 10000 bytes in factors of 10 and
time the reader.  **Why does the time vary?**

`ipclab xfr` is the two-program version of this exercise (standard input to
standard output).  Here `ipclab run -t pshm-sem` does the same transfer inside
one command and also counts what happened: handoffs, context switches, CPU
time.  You will

1. measure the same amount of data at BUF_SIZE 10, 100, 1000 and 10000 — and
   on to 100000 and 1 MiB, to see the curve flatten;
2. tabulate handoffs, time, time per handoff and context switches per handoff;
3. plot the time against BUF_SIZE;
4. fit the cost model `time = bytes · c_byte + handoffs · c_handoff`;
5. find where the curve flattens;
6. answer the questions at the end (a cell under each for your answer).

**Learning goals.**  After this lab you can (a) say what one handoff costs and
why it is a context switch, (b) separate a per-byte from a per-handoff cost
with a two-term model, (c) tell from measurements, not extrapolation, where a
larger buffer stops paying.

**Class time.**  About 60 minutes: 5 to set up and predict, 5 to measure (the
cells run for under a minute on a Release build), 25 for parts 2–5, 25 for
the questions.  Part 6 is homework.

| environment variable | what it sets | default |
|---|---|---|
| `IPCLAB_BIN` | the ipclab binary | `../build/release/ipclab`, then `../build/debug/ipclab` |
| `IPCLAB_LAB_TOTAL` | bytes moved per repetition | `2M` (a Debug / sanitizer build uses `256K` to stay quick) |
| `IPCLAB_RESULTS` | the folder used when no binary is found | `../results/latest` (yours), else `../results/reference` (another machine, with a note) |
'''),
    SETUP_CELL,
    md(r'''
## 1. Measure

Once per BUF_SIZE:

    ipclab run -t pshm-sem -b BUF_SIZE --total 2M --reps 3 --pin same --format csv --quiet

* `--total` fixes the bytes of each repetition, the same at every BUF_SIZE —
  like timing the reader on the same input file;
* a verified warm-up repetition runs first, then `--reps` timed ones: we take
  the median and keep min and max to see the noise;
* `--pin same` puts writer and reader on the **same CPU**: they must take
  turns, so every handoff is a switch from one process to the other (lab 2
  splits them across CPUs);
* `--format csv` prints one row per repetition with every column of
  `results/README.md`; `--quiet` drops the progress lines.

The cell takes a few seconds (longer with a sanitizer build).  Without an
ipclab binary it falls back to the `pshm-sem` rows of the results folder.
'''),
    predict('''How many times longer will BUF_SIZE 10 take than BUF_SIZE 10000, for the
same bytes?  And 10000 than 1 MiB?'''),
    code(r'''
BUF_SIZES = [10, 100, 1000, 10000, 100000, 1048576]
TOTAL = os.environ.get("IPCLAB_LAB_TOTAL") or ("2M" if BUILD_TYPE in ("Release", "") else "256K")
if BUILD_TYPE not in ("Release", "") and not os.environ.get("IPCLAB_LAB_TOTAL"):
    print("note: %s build (sanitizers make each handoff slower): %s per repetition instead of 2M"
          % (BUILD_TYPE, TOTAL))

want = float(TOTAL[:-1]) * 1024 ** " KMG".index(TOTAL[-1].upper()) if TOTAL[-1].isalpha() else float(TOTAL)


def scale_to_total(p):
    """A point moved to TOTAL bytes at its own time per byte."""
    k = want / p["bytes"]
    p["bytes"] = want
    for key in ("handoffs", "time_ns", "time_min_ns", "time_max_ns"):
        p[key] *= k


points, SOURCE = [], None
if IPCLAB:
    try:
        for b in BUF_SIZES:
            t0 = time.monotonic()
            # At least 16 handoffs: with 2 (1 MiB blocks of 2M), the start of
            # a repetition would weigh as much as the transfer.
            more = 16 * b > want
            p = summarize(run_rows("-t", "pshm-sem", "-b", b, "--total", 16 * b if more else TOTAL,
                                   "--reps", 3, "--pin", "same"))
            if more:
                scale_to_total(p)
                print("     (BUF_SIZE %d: moved %s for 16 handoffs, scaled to %s at its time per byte)"
                      % (b, ir.fmt_size(16 * b), TOTAL))
            points.append(p)
            print("     BUF_SIZE %-6d done in %.1f s" % (b, time.monotonic() - t0))
        SOURCE = "measured now with %s (%s)" % (IPCLAB, IPCLAB_VERSION)
    except LabError as e:
        print("note: the measurement failed: %s\n      using the results folder instead" % e)
        points = []
else:
    print("note: %s\n      using the results folder instead of a measurement" % IPCLAB_VERSION)

if not points and RESULTS:
    try:
        folder = ir.load(RESULTS)
    except ir.ResultsError as e:
        raise RuntimeError("no measurement and no usable results folder: %s" % e) from None
    rows = ir.baseline(ir.select(folder.summary, transport="pshm-sem", mode="stream",
                                 status="ok", access=("copy", "")))
    pins = ir.unique(rows, "pin")
    pin = "same" if "same" in pins else (ipplot.main_pin(rows) if rows else "")
    points = [point_from_summary(r) for r in ir.sorted_by_size(ir.select(rows, pin=pin))]
    SOURCE = "read from %s (%s), pin %s" % (RESULTS, RESULTS_WHY, pin or "-")
    if pin == "split":
        print("note: the folder has pin split, not same: its handoffs are wake-ups across CPUs")
    elif pin and pin != "same":
        print("note: the folder has pin %s, not same: the scheduler placed the two processes" % pin)
    # A sweep runs each BUF_SIZE for about the same *time* (--min-time), not the
    # same bytes: scale every point to TOTAL bytes at its own time per byte.
    for p in points:
        scale_to_total(p)
    if points:
        print("note: the folder's points moved different amounts of bytes: each is scaled to %s "
              "(its time per byte × %s)" % (TOTAL, TOTAL))
    if len({p["buf_size"] for p in points}) < 2:
        print("note: the folder has fewer than two BUF_SIZEs for pshm-sem: the cost model "
              "below cannot be fitted")
if not points:
    raise RuntimeError("nothing to analyse: no ipclab binary and no pshm-sem rows in a results folder")
print("data:", SOURCE)
'''),
    md(r'''
## 2. Tabulate

For each BUF_SIZE: the bytes moved, the **handoffs** (blocks that changed
hands), the time of the timed region, the time **per handoff**, the
throughput, and the context switches per handoff on each side (voluntary: the
process slept waiting for its peer; involuntary: the scheduler took the CPU
away).
'''),
    code(r'''
table(["BUF_SIZE", "bytes", "handoffs", "time (median)", "min .. max", "time/handoff",
       "throughput", "vcsw/handoff w / r", "ivcsw/handoff w / r"],
      [["%d" % p["buf_size"], "{:,.0f}".format(p["bytes"]), "{:,.0f}".format(p["handoffs"]),
        ir.fmt_ns(p["time_ns"]), "%s .. %s" % (ir.fmt_ns(p["time_min_ns"]), ir.fmt_ns(p["time_max_ns"])),
        ir.fmt_ns(p["ns_per_handoff"]), ir.fmt_rate(p["bytes_per_s"]),
        "%.2f / %.2f" % (p["writer_vcsw_per_handoff"], p["reader_vcsw_per_handoff"]),
        "%.2f / %.2f" % (p["writer_ivcsw_per_handoff"], p["reader_ivcsw_per_handoff"])]
       for p in points], "pshm-sem, " + SOURCE)
first, last = points[0], points[-1]
print("From BUF_SIZE %d to %d: %.3g× fewer handoffs, %.3g× less time; the time per handoff "
      "changed %.3g×." % (first["buf_size"], last["buf_size"], first["handoffs"] / last["handoffs"],
                          first["time_ns"] / last["time_ns"], last["ns_per_handoff"] / first["ns_per_handoff"]))
notes = sorted(set(n for p in points for n in p["notes"]))
for n in notes:
    print("row note:", n)
'''),
    md(r'''
## 3. Plot

Log–log axes: a straight line of slope −1 would mean "time proportional to
the number of handoffs".
'''),
    code(r'''
x = np.array([p["buf_size"] for p in points])
dec = FuncFormatter(lambda v, pos: "{:,.0f}".format(v))
fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(15, 4.4))
fig.suptitle("pshm-sem: the same bytes at every BUF_SIZE\n" + SOURCE, fontsize=10)
t = np.array([p["time_ns"] for p in points]) / 1e6
lo = t - np.array([p["time_min_ns"] for p in points]) / 1e6
hi = np.array([p["time_max_ns"] for p in points]) / 1e6 - t
a1.errorbar(x, t, yerr=[lo, hi], fmt="o-", color=ir.transport_color("pshm-sem"), capsize=3)
a1.set_ylabel("time of the timed region (ms)\nmedian, bars: min–max")
a2.plot(x, [p["ns_per_handoff"] / 1e3 for p in points], "o-", color=ir.transport_color("pshm-sem"))
a2.set_ylabel("time per handoff (µs)")
for side, ls in (("writer", "-"), ("reader", "--")):
    a3.plot(x, [p[side + "_vcsw_per_handoff"] for p in points], "o" + ls, color="0.2", label=side + " voluntary")
    a3.plot(x, [p[side + "_ivcsw_per_handoff"] for p in points], "s" + ls, color="0.6", label=side + " involuntary")
a3.set_ylabel("context switches per handoff")
a3.legend(fontsize=8)
for ax in (a1, a2, a3):
    ax.set_xscale("log")
    ax.set_xticks(x)
    ax.xaxis.set_major_formatter(dec)
    ax.minorticks_off()
    ax.set_xlabel("BUF_SIZE (bytes)")
    ax.grid(True, alpha=0.3)
a1.set_yscale("log")
a1.yaxis.set_major_formatter(FuncFormatter(lambda v, pos: "%g" % v))
a2.set_ylim(bottom=0)
a3.set_ylim(bottom=0)
fig.tight_layout()
plt.show()
'''),
    md(r'''
## 4. The cost model

If every byte costs `c_byte` (copying it in and out) and every handoff costs
`c_handoff` (two semaphore operations, waking the other process, a context
switch), then

    time = bytes · c_byte + handoffs · c_handoff

Two unknowns, six measurements: a least-squares fit.  It is fitted on the
**relative** miss of each point (`ipclab model` does the same; `analysis.ipynb`
explains why a plain fit in nanoseconds would match only the slowest point).
Compare `1/c_byte` with the memcpy floor measured beside each run, and
`c_handoff` with the time per handoff in the table above.  `c_byte` is only
as good as the points where the bytes take a real share of the time: where
they are 13 % of it or less at every size, a small error in the handoff term
moves `c_byte` a lot, and `1/c_byte` can land anywhere.  The cell says which
case you are in.
'''),
    code(r'''
fit = fit_model([p["bytes"] for p in points], [p["handoffs"] for p in points],
                   [p["time_ns"] for p in points])
if fit is None:
    print("note: the points cannot separate the two costs (fewer than two BUF_SIZEs): no model")
else:
    cb, ch = fit["c_byte_ns"], fit["c_handoff_ns"]
    floor = med([p["floor_bytes_per_s"] for p in points])
    print("c_byte    = %.3g ns per byte  (1/c_byte = %s; memcpy floor measured beside it: %s)"
          % (cb, ir.fmt_rate(1e9 / cb) if cb > 0 else "-", ir.fmt_rate(floor)))
    print("c_handoff = %s per handoff" % ir.fmt_ns(ch))
    print("R² on the time per byte = %s; worst miss of one point = %s"
          % (ir.fmt_num(fit["r2"], 3), fmt_pct(fit["max_rel_miss"])))
    if cb <= 0 or ch <= 0:
        print("note: a cost came out negative: the noise is larger than that term here; "
              "run more bytes (IPCLAB_LAB_TOTAL) or more repetitions")
    else:
        share = max(p["bytes"] * cb / (p["bytes"] * cb + p["handoffs"] * ch) for p in points)
        if share <= 0.13:
            print("note: the bytes are at most %s of the time at every measured size: c_byte is "
                  "poorly determined (it is the small remainder after the handoffs), so 1/c_byte "
                  "says little about the copy; the largest BUF_SIZEs determine it" % fmt_pct(share))
        else:
            print("the bytes take up to %s of the time (at the largest BUF_SIZE): c_byte is "
                  "determined by those points" % fmt_pct(share))
    table(["BUF_SIZE", "measured", "model", "miss", "bytes·c_byte", "handoffs·c_handoff"],
          [["%d" % p["buf_size"], ir.fmt_ns(p["time_ns"]), ir.fmt_ns(p["bytes"] * cb + p["handoffs"] * ch),
            fmt_pct(m), ir.fmt_ns(p["bytes"] * cb), ir.fmt_ns(p["handoffs"] * ch)]
           for p, m in zip(points, fit["rel_miss"])], "The model against each point")
    pb, ph, _ = fit_plain([p["bytes"] for p in points], [p["handoffs"] for p in points],
                          [p["time_ns"] for p in points])
    print("For comparison, plain least squares in ns: c_byte %.3g ns/B, c_handoff %s, misses %s"
          % (pb, ir.fmt_ns(ph), ", ".join(fmt_pct(abs(p["bytes"] * pb + p["handoffs"] * ph - p["time_ns"]) / p["time_ns"])
                                           for p in points)))
'''),
    md(r'''
## 5. Where does the curve flatten?

With the same bytes at every BUF_SIZE, `handoffs ≈ bytes / BUF_SIZE`, so the
model says

    time(BUF_SIZE) ≈ bytes · (c_byte + c_handoff / BUF_SIZE)

The second term shrinks as BUF_SIZE grows; the first never does.  The time
levels off at `bytes · c_byte` (the copying), and the **crossover**
`c_handoff / c_byte` is where both terms are equal.  The cells below compute
them from the fit and draw the model beyond the measured sizes.
'''),
    code(r'''
if fit is None or not (fit["c_byte_ns"] > 0 and fit["c_handoff_ns"] > 0):
    print("note: no usable fit above: the flattening point cannot be computed")
else:
    cb, ch = fit["c_byte_ns"], fit["c_handoff_ns"]
    total = med([p["bytes"] for p in points])
    cross = ch / cb
    print("crossover c_handoff / c_byte = %s: a handoff costs as much as the bytes it carries"
          % ir.fmt_size_approx(cross))
    print("the time is within 10%% of its floor (bytes · c_byte = %s) from BUF_SIZE ≈ %s on"
          % (ir.fmt_ns(total * cb), ir.fmt_size_approx(10 * cross)))
    rows = []
    for i, p in enumerate(points):
        share = p["handoffs"] * ch / (p["handoffs"] * ch + p["bytes"] * cb)
        gain = points[i - 1]["time_ns"] / p["time_ns"] if i else math.nan
        rows.append(["%d" % p["buf_size"], ir.fmt_ns(p["time_ns"]),
                     "-" if i == 0 else fmt_x(gain), fmt_pct(share), fmt_pct(1 - share)])
    table(["BUF_SIZE", "time", "speed-up from the size before", "handoffs' share (model)", "bytes' share (model)"],
          rows, "Where the time goes")
    after = [p for p in points if p["buf_size"] >= cross]
    if after:
        print("From BUF_SIZE %d on, the measured sizes spend less than half their time in handoffs."
              % after[0]["buf_size"])
    else:
        print("Every measured BUF_SIZE is below the crossover: the curve is still falling at %d "
              "(try larger sizes)." % points[-1]["buf_size"])
    # Measured, not extrapolated: the speed-up of each step against the step in size.
    for a, b in zip(points, points[1:]):
        r = a["time_ns"] / b["time_ns"]
        print("measured: BUF_SIZE %s -> %s (%.3g× larger): the time %s %s" % (
            ir.fmt_size(a["buf_size"]), ir.fmt_size(b["buf_size"]), b["buf_size"] / a["buf_size"],
            "fell" if r >= 1 else "ROSE", fmt_x(r if r >= 1 else 1 / r)))
    flat = [b for a, b in zip(points, points[1:]) if a["time_ns"] / b["time_ns"] < 1.5]
    if flat:
        print("→ the time stops falling from BUF_SIZE %s on (less than 1.5× faster for the larger "
              "block), measured." % ir.fmt_size(flat[0]["buf_size"]))
    if any(b["time_ns"] > a["time_ns"] * 1.1 for a, b in zip(points, points[1:])):
        print("  Where it rises, a block no longer fits the CPU caches: each byte costs more, "
              "c_byte is not a constant there (question 6).")
'''),
    code(r'''
if fit is not None and fit["c_byte_ns"] > 0 and fit["c_handoff_ns"] > 0:
    cb, ch = fit["c_byte_ns"], fit["c_handoff_ns"]
    total = med([p["bytes"] for p in points])
    bs = np.geomspace(1, max(1e7, 100 * ch / cb), 200)
    fig, ax = plt.subplots(figsize=(8.5, 4.8))
    ax.plot(bs, (total * cb + np.ceil(total / bs) * ch) / 1e6, color="0.3", lw=1.5,
            label="model: bytes·c_byte + ⌈bytes/BUF_SIZE⌉·c_handoff")
    ax.axhline(total * cb / 1e6, color="black", ls="--", lw=1, label="floor of the model: bytes·c_byte")
    ax.axvline(ch / cb, color="tab:red", ls=":", lw=1.2, label="crossover c_handoff / c_byte")
    ax.axvline(10 * ch / cb, color="tab:red", ls="-.", lw=1, label="within 10% of the floor")
    ax.plot([p["buf_size"] for p in points], [p["time_ns"] / 1e6 for p in points], "o",
            color=ir.transport_color("pshm-sem"), ms=7, label="measured (median)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(dec)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, pos: "%g" % v))
    ax.set_xlabel("BUF_SIZE (bytes)")
    ax.set_ylabel("time for %s (ms)" % ir.fmt_size_approx(total))
    ax.set_title("Where the curve flattens (pshm-sem)", fontsize=11)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    plt.show()
'''),
    md(r'''
## 6. Going further (optional)

* The whole-program view, as `time ./reader` would see it: `scripts/hyperfine-bufsize.sh --quick`
  runs `ipclab xfr writer | reader` under hyperfine, then
  `scripts/pyrun scripts/plot_hyperfine.py DIR` plots it beside the in-process time.
  What does the whole-program time include that the timed region does not?
* A wider sweep into a folder of your own, and the same fit from the command line:

      ipclab sweep -t pshm-sem -b 10,100,1000,10000,100000,1M --pin same -o results/lab1
      ipclab model results/lab1
'''),
    code(r'''
# The whole-program view, when the results folder holds a hyperfine run
# (scripts/hyperfine-bufsize.sh -o FOLDER): drawn by scripts/plot_hyperfine.py.
import plot_hyperfine
try:
    if not RESULTS:
        raise ir.ResultsError("no results folder")
    jpath = plot_hyperfine.find_json(RESULTS)
    hres = ir.load(os.path.dirname(os.path.dirname(jpath)), need_summary=False)
    side = ir.load_meta(os.path.join(os.path.dirname(jpath), "bufsize.meta.json"))
    with tempfile.TemporaryDirectory(prefix="ipclab-nb-") as d:
        paths = plot_hyperfine.draw(plot_hyperfine.points(ir.load_hyperfine(jpath)), side, hres, d)
        with open([p for p in paths if p.endswith(".png")][0], "rb") as f:
            display(Image(data=f.read()))
except ir.ResultsError as e:
    # Into a folder of your own: results/reference is the committed run of
    # another machine, never a place to write.
    print("note: no whole-program timing in %s.  Make one in a folder of your own:\n"
          "      scripts/hyperfine-bufsize.sh --quick -o results/hf-mine\n"
          "      then rerun with IPCLAB_RESULTS=results/hf-mine" % (RESULTS or "-"))
'''),
    md(r'''
## Questions

1. Was your prediction right?  By how much did the time change from BUF_SIZE 10
   to 10000, and by how much did the number of handoffs change?  Why are the
   two ratios not equal?
2. Look at the time per handoff.  Is it about the same at every BUF_SIZE?
   What does a handoff consist of for `pshm-sem` (name the system calls and
   the scheduler events)?
3. How many voluntary context switches does each side make per handoff with
   `--pin same`?  Why that number?  What do the involuntary ones mean?
4. Compare `1/c_byte` with the memcpy floor.  What does one byte cost in this
   transport, and why is that more than one `memcpy` of it?
5. Compare `c_handoff` with the cost of a context switch (lab 2 measures one).
   What fraction of a handoff is the switch itself?
6. At which BUF_SIZE does the curve flatten?  What would you gain by going
   from 10000 to 100000?  What would you lose (think of memory and latency)?
7. The exercise times the reader with the same input file at every BUF_SIZE.
   Why does ipclab let each sweep point run for a fixed *time* instead
   (`--min-time`), and why does that change how the model must be fitted?
8. Run the measurement again.  Which numbers changed, and by how much?  What
   would you do to make the comparison fair on a shared machine?
'''),
]

# ------------------------------------------------------------------ lab 2

LAB2 = [
    md(r'''
# Lab 2 — IPC mechanisms: handoffs, context switches and placement

**The question.**  Pipes, sockets, message queues and shared memory all move
bytes from one process to another.  Why do they not all go at the same speed,
and why does the same mechanism change speed when the two processes sit on the
same CPU or on two?

You will

1. compare every transport of a results folder (throughput, context switches);
2. compare the **semaphore pair** (`pshm-sem`: one buffer, strict alternation)
   with **blocks and pipes** (`pshm-pipe`: a ring of N numbered blocks, two
   pipes carrying block numbers);
3. run both with the processes on the **same CPU** and **split** across two;
4. vary the number of blocks in the ring;
5. measure what one context switch costs (`ipclab ctxsw`);
6. answer the questions at the end (a cell under each for your answer).

The runs are tiny (a few MiB each) and take seconds.

**Learning goals.**  After this lab you can (a) explain a transport's speed
from its handoffs and the switches they cost, (b) predict what placement (one
CPU or two) does to a strictly alternating design and to a ring, (c) measure
a context switch and use it to account for a handoff.

**Class time.**  About 75 minutes: 10 for part 1, 15 each for parts 2 and 3,
10 for part 4, 25 for the questions.  Part 5 reads the folder and is optional.

| environment variable | what it sets | default |
|---|---|---|
| `IPCLAB_RESULTS` | the folder of part 1 | `../results/latest` (yours), else `../results/reference` (another machine, with a note) |
| `IPCLAB_BIN` | the ipclab binary | `../build/release/ipclab`, then `../build/debug/ipclab` |
'''),
    SETUP_CELL,
    md(r'''
## 1. Every transport, from the results folder

The throughput of every transport against BUF_SIZE, with the memcpy floor
(dashed) measured in the same run.  Then, at a few sizes, the ranking and the
context switches each transport needed per handoff.
'''),
    code(r'''
res = ir.load(RESULTS) if RESULTS else None
if res is None:
    print("note: no results folder (%s): part 1 skipped" % RESULTS_WHY)
else:
    print("folder:", res.path, "(%s)" % RESULTS_WHY)
    print("machine:", ir.title_context(res.meta))
    show_figure("throughput", res)
'''),
    code(r'''
if res is not None:
    base = ir.baseline(ir.select(res.summary, mode="stream", status="ok", access=("copy", "")))
    pin = ipplot.main_pin(base) if base else ""
    base = ir.select(base, pin=pin)
    sizes = ipplot.pick_sizes(ir.column(base, "buf_size"), 3)
    for s in sizes:
        at = sorted(ir.select(base, buf_size=s), key=lambda r: -ir.num(r, "bytes_per_s_median"))
        best = ir.num(at[0], "bytes_per_s_median")
        table(["transport", "throughput", "vs fastest", "share of floor", "time/handoff",
               "vcsw/handoff w / r"],
              [[r["transport"], ir.fmt_rate(ir.num(r, "bytes_per_s_median")),
                fmt_x(ir.num(r, "bytes_per_s_median") / best), fmt_pct(ir.num(r, "floor_ratio")),
                ir.fmt_ns(ir.num(r, "ns_per_block")),
                "%.2f / %.2f" % (ir.num(r, "writer_vcsw_per_block"), ir.num(r, "reader_vcsw_per_block"))]
               for r in at], "BUF_SIZE %s, pin %s" % (ir.fmt_size(s), pin or "-"))
    skipped = [r for r in res.summary if r.get("status") == "skipped"]
    if skipped:
        print("skipped here (a limit of this machine):")
        for r in skipped[:8]:
            print("  %s %s: %s" % (r["transport"], ir.fmt_size(ir.num(r, "buf_size")), (r.get("reason") or "")[:120]))
'''),
    code(r'''
# The two shared-memory designs side by side in the folder, when it holds both.
def vcsw(r):
    return "%.2f / %.2f" % (ir.num(r, "writer_vcsw_per_block"), ir.num(r, "reader_vcsw_per_block"))


if res is not None:
    by_sem = {ir.num(r, "buf_size"): r for r in ir.select(base, transport="pshm-sem")}
    by_pipe = {ir.num(r, "buf_size"): r for r in ir.select(base, transport="pshm-pipe")}
    common = sorted(set(by_sem) & set(by_pipe))
    if not common:
        print("note: this folder does not hold both pshm-sem and pshm-pipe at the same BUF_SIZE%s"
              % ("; part 2 measures them now" if IPCLAB else ""))
    else:
        rows = []
        for s in common:
            a, b = ir.num(by_sem[s], "bytes_per_s_median"), ir.num(by_pipe[s], "bytes_per_s_median")
            rows.append([ir.fmt_size(s), ir.fmt_rate(a), vcsw(by_sem[s]), ir.fmt_rate(b), vcsw(by_pipe[s]), fmt_x(b / a)])
        table(["BUF_SIZE", "pshm-sem", "vcsw/handoff w / r", "pshm-pipe", "vcsw/handoff w / r", "pipe / sem"],
              rows, "Semaphore pair vs blocks and pipes, pin %s (from the folder)" % (pin or "-"))
'''),
    md(r'''
## 2. Semaphore pair vs blocks and pipes, same CPU vs split

Four tiny runs, the same bytes and BUF_SIZE each:

    ipclab run -t pshm-sem  -b 4K --total 2M --reps 3 --pin same|split
    ipclab run -t pshm-pipe -b 4K --total 2M --reps 3 --pin same|split   (a ring of 8 blocks)

`--pin same` puts writer and reader on one CPU, `--pin split` on two.  The
rows record the CPUs each side was actually seen on.

Before running: with the semaphore pair, can the writer ever fill the next
block while the reader empties the previous one?  And with a ring of blocks?
'''),
    predict('''For 4 KiB blocks: which is faster on one CPU, `pshm-sem` or `pshm-pipe`?
On two CPUs?  How many voluntary switches per handoff will each side make in
each of the four runs?'''),
    code(r'''
BUF, TOTAL, REPS = "4K", "2M", 3
try:
    NCPU = len(os.sched_getaffinity(0))
except AttributeError:
    NCPU = os.cpu_count() or 1
PINS = ["same", "split"] if NCPU >= 2 else ["same"]
if NCPU < 2:
    print("note: only one CPU is available here: --pin split cannot run")

runs = {}
if not IPCLAB:
    print("note: %s: the live runs of parts 2 and 3 are skipped" % IPCLAB_VERSION)
else:
    for t in ("pshm-sem", "pshm-pipe"):
        for pin in PINS:
            try:
                runs[(t, pin)] = summarize(run_rows("-t", t, "-b", BUF, "--total", TOTAL,
                                                    "--reps", REPS, "--pin", pin))
            except LabError as e:
                print("note: %s --pin %s failed: %s" % (t, pin, e))
if runs:
    table(["transport", "pin", "CPUs w/r", "handoffs", "throughput", "time/handoff",
           "vcsw/handoff w / r", "ivcsw/handoff w / r"],
          [[t, pin, "%s/%s" % (p["row"].get("writer_cpu") or "?", p["row"].get("reader_cpu") or "?"),
            "{:,.0f}".format(p["handoffs"]), ir.fmt_rate(p["bytes_per_s"]), ir.fmt_ns(p["ns_per_handoff"]),
            "%.2f / %.2f" % (p["writer_vcsw_per_handoff"], p["reader_vcsw_per_handoff"]),
            "%.2f / %.2f" % (p["writer_ivcsw_per_handoff"], p["reader_ivcsw_per_handoff"])]
           for (t, pin), p in runs.items()], "BUF_SIZE %s, %s per repetition" % (BUF, TOTAL))
    for t in ("pshm-sem", "pshm-pipe"):
        if (t, "same") in runs and (t, "split") in runs:
            print("%s: split takes %s the time per handoff of same"
                  % (t, fmt_x(runs[(t, "split")]["ns_per_handoff"] / runs[(t, "same")]["ns_per_handoff"])))
'''),
    md(r'''
## 3. Why a ring of N blocks helps

`pshm-pipe` with `--blocks N`: the writer may fill up to N blocks before it
must wait for the reader.  The same runs for N = 1, 2, 4, 8, 16, on the same
CPU and split.

What do you expect the context switches per handoff to do as N grows, on one
CPU?  On two?
'''),
    predict('''How will the throughput of `pshm-pipe` change from 1 block to 16, on one CPU
and on two?  Where do you expect it to stop improving?'''),
    code(r'''
RING = [1, 2, 4, 8, 16]
ring = {}
if IPCLAB:
    for pin in PINS:
        for n in RING:
            try:
                ring[(pin, n)] = summarize(run_rows("-t", "pshm-pipe", "-b", BUF, "--blocks", n,
                                                    "--total", TOTAL, "--reps", REPS, "--pin", pin))
            except LabError as e:
                print("note: --blocks %d --pin %s failed: %s" % (n, pin, e))
if ring:
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2))
    fig.suptitle("pshm-pipe, BUF_SIZE %s: blocks in the ring (--blocks N)" % BUF, fontsize=11)
    for pin, style in (("same", "o-"), ("split", "s--")):
        ns = [n for n in RING if (pin, n) in ring]
        if not ns:
            continue
        a1.plot(ns, [ring[(pin, n)]["bytes_per_s"] for n in ns], style, label="pin " + pin,
                color=ir.transport_color("pshm-pipe"))
        a2.plot(ns, [ring[(pin, n)]["writer_vcsw_per_handoff"] + ring[(pin, n)]["reader_vcsw_per_handoff"]
                     for n in ns], style, label="pin " + pin, color=ir.transport_color("pshm-pipe"))
    a1.set_ylabel("throughput (median)")
    ipplot.log_y(a1, ir.fmt_rate, [p["bytes_per_s"] for p in ring.values()])
    a2.set_ylabel("voluntary context switches per handoff\n(writer + reader)")
    a2.set_ylim(bottom=0)
    for ax in (a1, a2):
        ax.set_xscale("log", base=2)
        ax.set_xticks(RING)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, p: "%d" % v))
        ax.minorticks_off()
        ax.set_xlabel("blocks in the ring")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=9)
    fig.tight_layout()
    plt.show()
    table(["pin", "blocks", "throughput", "time/handoff", "vcsw/handoff w / r"],
          [[pin, n, ir.fmt_rate(p["bytes_per_s"]), ir.fmt_ns(p["ns_per_handoff"]),
            "%.2f / %.2f" % (p["writer_vcsw_per_handoff"], p["reader_vcsw_per_handoff"])]
           for (pin, n), p in ring.items()])
'''),
    md(r'''
## 4. What does a context switch cost?

`ipclab ctxsw` passes a token back and forth between two processes (through a
semaphore, or a pipe) and subtracts the cost of the same calls made by one
process with no peer:

    cost per switch = (time per handoff − baseline) / switches per handoff

On one CPU every handoff is a switch.  Across two CPUs a handoff is a wake-up
of the other CPU, which may have gone idle.  The switches are counted, not
assumed.  Mind the words: a *handoff* of `ipclab ctxsw` is one pass of the
token (half a round trip), a handoff of `ipclab run` is one block.  Count the
switches of each before you compare them.
'''),
    predict('''How long does one context switch take on this machine: 100 ns, 1 µs, or
10 µs?  Will it be cheaper or dearer when the two processes are on two CPUs?'''),
    code(r'''
CTXSW = None
if IPCLAB:
    h = ipclab("ctxsw", "--help", timeout=30)
    if h.returncode != 0:
        print("note: this ipclab has no `ctxsw` command (%s): the estimate below uses the runs of part 2"
              % IPCLAB_VERSION)
    else:
        args = ("ctxsw", "--primitive", "sem,pipe", "--pin", ",".join(PINS), "--iters", 2000,
                "--reps", 3, "--format", "csv")
        print("ran: ipclab " + " ".join(str(a) for a in args))
        p = ipclab(*args, timeout=300)
        if p.returncode != 0 and not p.stdout.strip():
            print("note: ipclab ctxsw failed: %s" % p.stderr.strip().splitlines()[-1:])
        else:
            CTXSW = list(csv.DictReader(io.StringIO(p.stdout)))
            for line in p.stderr.strip().splitlines():
                print("     " + line)
            table(["primitive", "pin", "status", "handoff", "baseline (no peer)", "switches/handoff",
                   "cost per switch", "basis"],
                  [[r.get("primitive", ""), r.get("pin", ""), r.get("status", ""),
                    ir.fmt_ns(ir.num(r, "handoff_median_ns")), ir.fmt_ns(ir.num(r, "baseline_pair_median_ns")),
                    ir.fmt_num(ir.num(r, "csw_per_handoff")), ir.fmt_ns(ir.num(r, "switch_median_ns")),
                    r.get("switch_basis", "") or (r.get("reason") or "")[:60]] for r in CTXSW],
                  "ipclab ctxsw")
else:
    print("note: %s: no measurement" % IPCLAB_VERSION)
'''),
    code(r'''
# The same idea from the pshm-sem run of part 2 on one CPU: take away the copy
# (the memcpy floor measured beside it) and divide by the switches counted.
p = runs.get(("pshm-sem", "same"))
if p is None:
    print("note: no pshm-sem --pin same run above: no estimate")
else:
    copy_ns = p["bytes"] / p["handoffs"] / p["floor_bytes_per_s"] * 1e9
    sw = (p["writer_vcsw_per_handoff"] + p["reader_vcsw_per_handoff"]
          + p["writer_ivcsw_per_handoff"] + p["reader_ivcsw_per_handoff"])
    print("pshm-sem on one CPU: %s per handoff, of which copying ≈ %s; %.2f context switches per handoff"
          % (ir.fmt_ns(p["ns_per_handoff"]), ir.fmt_ns(copy_ns), sw))
    if sw > 0:
        print("→ at most ≈ %s per switch (an upper bound: it still holds the semaphore calls around each switch)"
              % ir.fmt_ns((p["ns_per_handoff"] - copy_ns) / sw))
'''),
    md(r'''
## 5. Latency, from the results folder

Ping-pong rows (a message there and back), when the folder has them.
'''),
    code(r'''
if res is not None:
    pp = ir.baseline(ir.select(res.summary, mode="pingpong", status="ok"))
    if not pp:
        print("note: the folder has no ping-pong rows (sweep with -m pingpong)")
    else:
        smallest = min(ir.column(pp, "buf_size"))
        at = sorted(ir.select(pp, buf_size=smallest), key=lambda r: ir.num(r, "rtt_p50_ns"))
        table(["transport", "pin", "p50 round trip", "p99 round trip"],
              [[r["transport"], r.get("pin", ""), ir.fmt_ns(ir.num(r, "rtt_p50_ns")),
                ir.fmt_ns(ir.num(r, "rtt_p99_ns"))] for r in at],
              "Ping-pong at %s, fastest first" % ir.fmt_size(smallest))
'''),
    md(r'''
## Questions

1. In the folder, which transport is fastest at the smallest BUF_SIZE, and
   which at the largest?  Is it the same one?  Why can a transport that loses
   at small sizes win at large ones?
2. Why can no copy-mode transport beat the memcpy floor on one CPU, and
   how can one beat it on two?  Which transports come closest, and what do
   they have in common?
3. `pshm-sem` on one CPU: how many voluntary context switches per handoff on
   each side?  On two CPUs?  Explain both from who waits on which semaphore.
4. With `--pin split`, is the semaphore pair faster or slower than on one CPU?
   Two CPUs should allow the writer and the reader to work at the same time —
   why does strict alternation not let them?  What does a handoff cost across
   CPUs on this machine, and where does that time go?
5. `pshm-pipe` with a ring of 8 blocks: what happened to the context switches
   per handoff, on one CPU and on two?  Explain with the ring: when does each
   side have to sleep?
6. In part 3, what does `--blocks 1` behave like?  Where does adding blocks
   stop helping, and why?
7. What does one context switch cost here (part 4)?  Compare it with the
   `c_handoff` of lab 1 and with the time per handoff of `pshm-sem` on one
   CPU.  What else is in a handoff besides the switch?
8. Pipes, sockets and queues have no shared buffer at all.  Where are their
   bytes copied, and how many times?  Why do they not need a semaphore?
9. You must pick a mechanism for 64-byte messages between two processes on a
   machine with many CPUs.  Which numbers from this lab would you look at, and
   what else would you measure?
'''),
]

# ------------------------------------------------------------------ lab 3

LAB3 = [
    md(r'''
# Lab 3 — Memory: page faults, MAP_POPULATE and huge pages

**The question.**  A shared region is created empty: the kernel gives it pages
only when they are first touched, one **page fault** at a time.  What does that
first touch cost, who pays it, and what do `MAP_POPULATE` (pre-faulting) and
**huge pages** (2 MiB instead of 4 KiB) change?

You will

1. read what this machine offers (page size, huge pages, transparent huge pages);
2. move data through a region of a few MiB with `--populate off` and `--populate on`,
   and count the minor faults per page of the region;
3. ask for huge pages with `--hugepages try` and read what was recorded;
4. see what `scripts/hugepages.sh reserve N` changes (as root);
5. compare the settings across BUF_SIZEs;
6. answer the questions at the end (a cell under each for your answer).

**Learning goals.**  After this lab you can (a) count the page faults a shared
region costs and say which process takes them and why, (b) tell moving a cost
(`MAP_POPULATE`) from removing it, (c) check what a huge-page request really
got instead of trusting the label.

**Class time.**  About 60 minutes: 5 for part 1, 15 for part 2, 10 each for
parts 3 and 4, 5 for part 5, 15 for the questions.

| environment variable | what it sets | default |
|---|---|---|
| `IPCLAB_BIN` | the ipclab binary | `../build/release/ipclab`, then `../build/debug/ipclab` |
| `IPCLAB_RESULTS` | a folder swept with `--populate both` (part 5) | `../results/latest` (yours), else `../results/reference` (another machine, with a note) |
'''),
    SETUP_CELL,
    md(r'''
## 1. What this machine offers

`ipclab sysinfo --json` reads `/proc/meminfo` (the hugetlb pool), the THP
settings in `/sys/kernel/mm/transparent_hugepage` and the IPC limits.  The same
block is stored as `meta.json` in every results folder.
'''),
    code(r'''
SYS = {}
if IPCLAB:
    p = ipclab("sysinfo", "--json", timeout=30)
    if p.returncode == 0:
        SYS = json.loads(p.stdout)
if not SYS and RESULTS:
    SYS = ir.load(RESULTS).meta
    print("note: no ipclab binary: the machine below is the one of %s" % RESULTS)
PAGE = os.sysconf("SC_PAGE_SIZE")
huge, thp = SYS.get("hugepages") or {}, SYS.get("thp") or {}
print("machine          ", ir.machine_line(SYS))
print("base page size   ", ir.fmt_size(PAGE), "(this kernel)")
print("huge page size   ", ir.fmt_size(1024 * huge["size_kb"]) if huge.get("size_kb") else "-")
print("huge pages       ", "total %s, free %s" % (huge.get("total", "-"), huge.get("free", "-")))
print("THP              ", "enabled=%s, shmem_enabled=%s" % (thp.get("enabled", "-"), thp.get("shmem_enabled", "-")))
'''),
    md(r'''
## 2. First touch: `--populate off` vs `on`

`pshm-pipe` with 16 blocks of 256 KiB: a shared region of 4 MiB (plus a small
header), filled and emptied a few times per repetition:

    ipclab run -t pshm-pipe -b 256K --blocks 16 --total 16M --reps 5 --pin same --populate off|on

Each repetition creates a fresh region, so every page is new at its first
touch.  With `--populate on` each process pre-faults the region
(`MAP_POPULATE` / `MADV_POPULATE_WRITE`) *before* the clock starts.  The rows
give the minor faults of each side in the timed region.
'''),
    predict('''How many minor faults per page of the region do you expect for the writer,
and for the reader, with `--populate off`?  And with `--populate on`?'''),
    code(r'''
BLOCKS, BUF, TOTAL = 16, "256K", "16M"
pop = {}
if not IPCLAB:
    print("note: %s: parts 2 and 3 need a binary; part 5 reads the results folder" % IPCLAB_VERSION)
else:
    for mode in ("off", "on"):
        try:
            pop[mode] = summarize(run_rows("-t", "pshm-pipe", "-b", BUF, "--blocks", BLOCKS, "--total", TOTAL,
                                           "--reps", 5, "--pin", "same", "--populate", mode))
        except LabError as e:
            print("note: --populate %s failed: %s" % (mode, e))
if pop:
    rows = []
    for mode, p in pop.items():
        page = ir.num(p["row"], "page_size")
        page = page if page > 0 else PAGE  # read back from smaps; NaN if it was not
        nblocks = ir.num(p["row"], "nblocks")
        nblocks = nblocks if nblocks > 0 else BLOCKS
        pages = nblocks * p["buf_size"] / page
        p["region_pages"] = pages
        rows.append([mode, ir.fmt_size(page), "{:,.0f}".format(pages),
                     "{:,.0f}".format(p["writer_minflt"]), "{:,.0f}".format(p["reader_minflt"]),
                     "%.3g" % (p["writer_minflt"] / pages), "%.3g" % (p["reader_minflt"] / pages),
                     ir.fmt_ns(p["time_ns"]),
                     ir.fmt_ns(sum(p[k] for k in ("writer_user_ns", "writer_sys_ns", "reader_user_ns", "reader_sys_ns"))),
                     ir.fmt_ns(p["writer_sys_ns"] + p["reader_sys_ns"])])
    table(["populate", "page", "region pages", "faults writer", "faults reader", "per page w", "per page r",
           "time (median)", "CPU w+r (user+system)", "of it system"], rows,
          "pshm-pipe, %d blocks of %s, %s per repetition" % (BLOCKS, BUF, TOTAL))
    print("note: the CPU total is exact, its split into user and system is not: the kernel "
          "(tick-based accounting, Debian's default) samples at each timer tick (every 1/HZ s, "
          "4 ms at HZ=250) whether a process is in user or system mode and divides the exact total "
          "in that proportion.  A timed region a few ticks long often catches no tick in the "
          "kernel and then shows 0 system time, although every fault was handled there.")
'''),
    code(r'''
if "off" in pop and "on" in pop:
    off, on = pop["off"], pop["on"]
    dw, dr = off["writer_minflt"] - on["writer_minflt"], off["reader_minflt"] - on["reader_minflt"]
    pages = off["region_pages"]
    print("faults that pre-faulting took out of the timed region: writer %.0f (%.3g per region page), "
          "reader %.0f (%.3g per region page)" % (dw, dw / pages, dr, dr / pages))
    dt = off["time_ns"] - on["time_ns"]
    print("timed region: %s with populate off, %s with it on (difference %s)"
          % (ir.fmt_ns(off["time_ns"]), ir.fmt_ns(on["time_ns"]), ir.fmt_ns(dt)))
    if dw + dr > 0 and dt > 0:
        print("→ roughly %s per fault (the difference of two noisy medians: an order of magnitude, no more)"
              % ir.fmt_ns(dt / (dw + dr)))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    fig.suptitle("First touch of a %s shared region (pshm-pipe)" % ir.fmt_size_approx(pages * PAGE), fontsize=11)
    xs = np.arange(2)
    for k, (side, colr) in enumerate((("writer", "tab:blue"), ("reader", "tab:orange"))):
        a1.bar(xs + (k - 0.5) * 0.38, [pop[m][side + "_minflt"] / pages for m in ("off", "on")], 0.36,
               color=colr, label=side)
    a1.set_xticks(xs)
    a1.set_xticklabels(["populate off", "populate on"])
    a1.set_ylabel("minor faults in the timed region\nper page of the region")
    a1.legend()
    a1.grid(True, axis="y", alpha=0.3)
    for i, m in enumerate(("off", "on")):
        reps = np.array(pop[m]["times_ns"]) / 1e6
        a2.plot(np.full(len(reps), i) + np.linspace(-0.08, 0.08, len(reps)), reps, "o", color="0.3", ms=5,
                label="one repetition" if i == 0 else None)
        a2.hlines(pop[m]["time_ns"] / 1e6, i - 0.25, i + 0.25, color=ir.transport_color("pshm-pipe"), lw=3,
                  label="median" if i == 0 else None)
    ipplot.log_y(a2, lambda v: "%g" % v, [t / 1e6 for m in ("off", "on") for t in pop[m]["times_ns"]])
    a2.set_xlim(-0.6, 1.6)
    a2.legend(fontsize=9)
    a2.set_xticks(xs)
    a2.set_xticklabels(["populate off", "populate on"])
    a2.set_ylabel("timed region (ms)")
    a2.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    plt.show()
'''),
    md(r'''
## 3. Huge pages: `--hugepages try`

`--hugepages on` asks for 2 MiB pages from the kernel's hugetlb pool and is
refused, with the reason and the fix, when the pool has too few free pages.
`--hugepages try` runs anyway and **records the fallback**: `page_size` is read
back from `/proc/self/smaps` after the run, and `reason` says what happened.
A run is never labelled "huge" when it was not.
'''),
    predict('''Will this machine give 2 MiB pages to `--hugepages try`?  What will
`page_size` say, and what should `--hugepages on` do if it cannot?'''),
    code(r'''
if IPCLAB:
    try:
        rows = run_rows("-t", "pshm-pipe", "-b", BUF, "--blocks", BLOCKS, "--total", TOTAL,
                        "--reps", 1, "--pin", "same", "--hugepages", "try")
        hp = summarize(rows)
        r = hp["row"]
        got = ir.num(r, "page_size")
        print("requested hugepages=%s → page_size %s, region made with %s"
              % (r.get("hugepages"), ir.fmt_size(got), r.get("region_mechanism") or "-"))
        print("reason:", r.get("reason") or "(none: huge pages were obtained)")
        if got > PAGE:
            print("faults in the timed region: writer %.0f, reader %.0f (compare with part 2)"
                  % (hp["writer_minflt"], hp["reader_minflt"]))
    except LabError as e:
        print("note: --hugepages try failed: %s" % e)
    p = ipclab("run", "-t", "pshm-pipe", "-b", BUF, "--blocks", BLOCKS, "--total", TOTAL, "--reps", 1,
               "--pin", "same", "--hugepages", "on", "--quiet", timeout=120)
    print("\n--hugepages on: exit status %d" % p.returncode)
    for line in p.stderr.strip().splitlines()[-3:]:
        print("  " + line)
'''),
    md(r'''
## 4. What `scripts/hugepages.sh` changes

    scripts/hugepages.sh status          # no root needed
    sudo scripts/hugepages.sh reserve 8  # 8 pages of 2 MiB = 16 MiB
    sudo scripts/hugepages.sh release

`reserve N` writes N to `/proc/sys/vm/nr_hugepages` — the kernel sets that many
2 MiB pages aside, physically contiguous, for `MAP_HUGETLB` / `SHM_HUGETLB` /
`MFD_HUGETLB` mappings only (it may give fewer when memory is fragmented; the
script checks) — and mounts `hugetlbfs` at `/dev/hugepages` if none is
mounted, for named regions.  Reserved pages are taken from everything else
whether used or not.  `thp advise` lets shared memory ask for *transparent*
huge pages instead (`--hugepages thp`).  All of it needs root; `status` does
not:
'''),
    code(r'''
script = os.path.join(ROOT, "scripts", "hugepages.sh")
try:
    p = subprocess.run(["bash", script, "status"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=30)
    print(p.stdout.rstrip())
except (OSError, subprocess.TimeoutExpired) as e:
    print("note: %s status could not run: %s" % (script, e))
'''),
    md(r'''
## 5. Across BUF_SIZEs: a sweep with `--populate off,on`

A sweep run with `--populate off,on` (and `--hugepages off,try` on a machine
with reserved pages) puts the settings side by side for every BUF_SIZE.  When
the results folder has no such pair, the next cell sweeps a small one now (a
few seconds):

    ipclab sweep -t pshm-pipe -b 64K,1M --blocks 16 --populate off,on --pin same --total 16M --reps 3 -o TMP
'''),
    predict('''Will pre-faulting matter more at 64 KiB or at 1 MiB blocks (the region is
16 blocks either way)?'''),
    code(r'''
def has_populate_pairs(r):
    return r is not None and {"on", "off"} <= set(ir.unique(ir.select(r.summary, mode="stream",
                                                                     status="ok"), "populate"))

res = ir.load(RESULTS) if RESULTS else None
res_why, tmp_sweep = RESULTS_WHY, None
if not has_populate_pairs(res) and IPCLAB:
    print("note: %s has no --populate off/on pair: sweeping one now" % (res.path if res else "no folder"))
    tmp_sweep = tempfile.TemporaryDirectory(prefix="ipclab-nb-")
    p = ipclab("sweep", "-t", "pshm-pipe", "-b", "64K,1M", "--blocks", 16, "--populate", "off,on",
               "--pin", "same", "--total", "16M", "--reps", 3, "-o", tmp_sweep.name, timeout=300)
    if p.returncode == 0:
        res, res_why = ir.load(tmp_sweep.name), "swept just now"
    else:
        print("note: the sweep failed: %s" % (p.stderr.strip().splitlines() or ["?"])[-1])
if res is None:
    print("note: no results folder (%s)" % res_why)
else:
    print("folder:", res.path, "(%s)" % res_why)
    if show_figure("memory", res):
        rows = [r for r in ir.select(res.summary, mode="stream", status="ok")
                if r.get("populate") in ("on", "off")]
        table(["transport", "BUF_SIZE", "populate", "hugepages", "page", "faults w / r", "throughput"],
              [[r["transport"], ir.fmt_size(ir.num(r, "buf_size")), r["populate"], r.get("hugepages", ""),
                ir.fmt_size(ir.num(r, "page_size")),
                "%.0f / %.0f" % (ir.num(r, "writer_minflt"), ir.num(r, "reader_minflt")),
                ir.fmt_rate(ir.num(r, "bytes_per_s_median"))]
               for r in sorted(rows, key=lambda r: (r["transport"], ir.num(r, "buf_size"), r["populate"]))])
    else:
        print("      sweep with: ipclab sweep -t pshm-sem,pshm-pipe,sysv-shm -b 4K,64K,1M --populate off,on -o results/mem")
if tmp_sweep:
    tmp_sweep.cleanup()
'''),
    md(r'''
## Questions

1. With `--populate off`, how many minor faults per page of the region does
   the writer take?  And the reader?  Why are they different, when both map
   the very same pages?  (Hint: which side touches a page first, and with a
   read or a write?  Look up *fault-around*.)
2. Which faults remain with `--populate on`, and where do they come from
   (they are not in the shared region)?
3. Did pre-faulting make the *program* faster, or only the timed region?
   Where did the cost of the faults go?
4. From your numbers, roughly what does one page fault cost?  Compare it with
   copying one 4 KiB page at the memcpy floor.
5. Why does ipclab run a verified warm-up repetition before the timed ones,
   and why does a first run on a fresh machine often look slow?
6. What did `--hugepages try` record on this machine, and why?  What would a
   script that silently fell back to 4 KiB pages, but labelled its result
   "huge pages", lead you to conclude?
7. How many 4 KiB faults does one 2 MiB huge page replace?  Besides fewer
   faults, what else do huge pages save (think of the TLB)?
8. What does `scripts/hugepages.sh reserve 8` change in the kernel, and why does
   it need root?  What does the rest of the machine lose while the pages are
   reserved?
9. POSIX shared memory lives in `/dev/shm` (tmpfs).  Why can ipclab not simply
   ask tmpfs for huge pages, and what does it use instead?
'''),
]

NOTEBOOKS = {
    "analysis.ipynb": ANALYSIS,
    "lab-1-bufsize.ipynb": LAB1,
    "lab-2-mechanisms.ipynb": LAB2,
    "lab-3-memory.ipynb": LAB3,
}


def build(name):
    """The notebook NAME as an nbformat node: outputs empty, ids fixed (so the
    file is the same every time it is generated)."""
    stem = name.rsplit(".", 1)[0]
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    cells = []
    for kind, text in NOTEBOOKS[name]:
        cells.append((kind, text))
        if kind == "md" and text.startswith("## Questions"):
            cells += answer_cells(text)
    for i, (kind, text) in enumerate(cells):
        cid = "%s-%02d" % (stem, i)
        if kind == "md":
            nb.cells.append(v4.new_markdown_cell(text, id=cid))
        else:
            nb.cells.append(v4.new_code_cell(text, id=cid))
    nbformat.validate(nb)
    return nb


def render(name):
    text = nbformat.writes(build(name))
    return text if text.endswith("\n") else text + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if a committed notebook differs from its source")
    ap.add_argument("-o", "--output", metavar="DIR", default=HERE,
                    help="where to write the notebooks (default: this folder)")
    args = ap.parse_args(argv)
    stale = []
    for name in NOTEBOOKS:
        path = os.path.join(args.output, name)
        text = render(name)
        try:
            with open(path, encoding="utf-8") as f:
                same = f.read() == text
        except FileNotFoundError:
            same = False
        if args.check:
            if not same:
                stale.append(path)
            continue
        if not same:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        print(path)
    if stale:
        for p in stale:
            print("stale: %s (regenerate: scripts/pyrun notebooks/build_notebooks.py)" % p,
                  file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
