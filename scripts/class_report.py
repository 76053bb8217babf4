#!/usr/bin/env python3
"""Turn a class's submissions (scripts/submit.py archives) into one report:

    scripts/pyrun scripts/class_report.py submissions/*.tar.gz [-o class-report]

Each archive is unpacked into a private temporary folder (only plain files
under submission/, nothing outside it, within a size limit), its manifest's
sizes and sha256 sums are checked, and its results folder is read through the
validated reader and compare.py's per-round machinery: the figure of each
point (bytes/s for a stream, one-way p50 latency for a ping-pong) is the
median over the student's rounds.  A submission that fails any check is
rejected with the reason and listed; the others make the report.

Out, in OUTDIR (default ./class-report): class-report.md and .html (the HTML
embeds its figure), class-spread.png/.svg and class.csv (one row per student
and point).  The report lists the machines (from meta.json), the spread of
each figure across the class (median, quartiles, IQR), each student against
the class (geometric mean of the ratios to the class median, points inside
the quartiles), the outliers (a student's point beyond 1.5 IQR of the
quartiles, on a log scale, with 4 or more students measuring it) and the
points flagged unstable.  Exit status 0; 2 when no submission can be used.
"""

import argparse
import base64
import csv
import html
import json
import math
import os
import shutil
import sys
import tarfile
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (first: it checks for matplotlib and numpy)
import ipclab_results as ir  # noqa: E402
import plot  # noqa: E402
import submit  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import LogLocator  # noqa: E402

MAX_UNPACKED = 256 << 20
MIN_FOR_OUTLIERS = 4
FENCE = 1.5


# ---------------------------------------------------------------- submissions


class Student:
    def __init__(self, name, archive, manifest, folder):
        self.name = name
        self.archive = archive
        self.manifest = manifest
        self.folder = folder  # compare.Folder
        self.value = {k: float(np.median(v)) for k, v in folder.rounds.items()}

    @property
    def meta(self):
        return self.folder.res.meta


def unpack(archive, dest):
    """Unpack one submission into dest, checked; returns (manifest, results
    folder).  Raises ResultsError naming the archive and what is wrong."""
    def bad(msg):
        return ir.ResultsError("%s: %s" % (archive, msg))
    try:
        tar = tarfile.open(archive, "r:gz")
    except (OSError, tarfile.TarError, EOFError) as e:
        raise bad("not a submission archive (%s)" % (getattr(e, "strerror", None) or e)) \
            from None
    files, total = {}, 0
    with tar:
        try:
            for m in tar:
                name = m.name
                parts = name.split("/")
                if name.startswith("/") or ".." in parts or parts[0] != "submission":
                    raise bad("member %r is outside submission/" % name)
                if m.isdir():
                    continue
                if not m.isfile():
                    raise bad("member %r is not a plain file (a link or a device)" % name)
                total += m.size
                if total > MAX_UNPACKED:
                    raise bad("unpacks to more than %d MiB" % (MAX_UNPACKED >> 20))
                files["/".join(parts[1:])] = tar.extractfile(m).read()
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise bad("damaged archive (%s)" % e) from None
    if "manifest.json" not in files:
        raise bad("no submission/manifest.json (made by scripts/submit.py?)")
    try:
        manifest = json.loads(files.pop("manifest.json").decode())
    except (ValueError, UnicodeDecodeError) as e:
        raise bad("manifest.json: not valid JSON (%s)" % e) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict) \
            or not submit.NAME.match(str(manifest.get("name", ""))):
        raise bad("manifest.json: no valid \"name\" and \"files\"")
    listed = manifest["files"]
    for fn, data in files.items():
        want = listed.get(fn)
        if not isinstance(want, dict):
            raise bad("%s is not in the manifest" % fn)
        if want.get("bytes") != len(data) or want.get("sha256") != submit.sha256(data):
            raise bad("%s: size or sha256 differs from the manifest (changed after packing?)"
                      % fn)
    missing = sorted(set(listed) - set(files))
    if missing:
        raise bad("listed in the manifest but absent: %s" % ", ".join(missing))
    for fn, data in files.items():
        path = os.path.join(dest, fn)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return manifest, os.path.join(dest, "results")


def load_class(archives, workdir):
    """(students, rejected): Students in the order given, and (archive,
    reason) for each submission that could not be used."""
    students, rejected, names = [], [], {}
    for i, archive in enumerate(archives):
        dest = os.path.join(workdir, "s%d" % i)
        try:
            manifest, folder = unpack(archive, dest)
            name = manifest["name"]
            if name in names:
                raise ir.ResultsError("%s: %s submitted already in %s" % (archive, name,
                                                                        names[name]))
            res = ir.load(folder, need_runs=True)
            st = Student(name, archive, manifest, compare.make_folder(res, name))
        except ir.ResultsError as e:
            msg = str(e).replace(dest + os.sep, "").replace(dest, "")
            if not msg.startswith(archive):
                msg = "%s: %s" % (archive, msg)
            rejected.append((archive, msg))
            continue
        names[name] = archive
        students.append(st)
    return students, rejected


# ---------------------------------------------------------------- statistics


def class_spread(students):
    """{key: dict(n, median, q1, q3, lo, hi, log_fences)}: the spread of each
    point's figure across the students who measured it; the fences (outlier
    limits, of log(value)) are 1.5 IQR beyond the quartiles on a log scale."""
    by = {}
    for s in students:
        for k, v in s.value.items():
            by.setdefault(k, []).append(v)
    out = {}
    for k, vals in by.items():
        v = np.array(vals)
        lg = np.log(v)
        q1, med, q3 = np.percentile(lg, [25, 50, 75])
        iqr = q3 - q1
        out[k] = {"n": len(v), "median": math.exp(med), "q1": math.exp(q1),
                  "log_quartiles": (q1 - 1e-9, q3 + 1e-9),
                  "q3": math.exp(q3), "lo": float(v.min()), "hi": float(v.max()),
                  "log_fences": (q1 - FENCE * iqr - 1e-9, q3 + FENCE * iqr + 1e-9)}
    return out


def placed(students, spread):
    """Per student and point: (student, key, value, ratio to the class
    median, outlier '' / 'faster' / 'slower', flag)."""
    rows = []
    for s in students:
        for k in sorted(s.value, key=compare.point_order):
            sp = spread[k]
            v = s.value[k]
            out = ""
            lo, hi = sp["log_fences"]
            if sp["n"] >= MIN_FOR_OUTLIERS and not lo <= math.log(v) <= hi:
                high = math.log(v) > hi
                out = "faster" if high == (k[1] == "stream") else "slower"
            rows.append((s, k, v, v / sp["median"], out, s.folder.flags.get(k, "")))
    return rows


def point_name(k):
    mem = compare.memory(k)
    return "%s %s %s %s%s%s" % (k[0], k[1], ir.fmt_size(k[3]), k[2] or "-",
                               " pin " + compare.pin_label(k) if k[6] else "",
                               "" if mem == "-" else " (" + mem + ")")


def geomean(v):
    v = [x for x in v if x > 0 and math.isfinite(x)]
    return math.exp(sum(math.log(x) for x in v) / len(v)) if v else math.nan


# ---------------------------------------------------------------- document


class Doc:
    """Blocks rendered to Markdown and to standalone HTML."""

    def __init__(self):
        self.blocks = []

    def add(self, *block):
        self.blocks.append(block)

    def markdown(self):
        out = []
        for b in self.blocks:
            if b[0] == "h":
                out.append("#" * b[1] + " " + b[2])
            elif b[0] == "p":
                out.append(b[1])
            elif b[0] == "ul":
                out.append("\n".join("- " + x for x in b[1]) if b[1] else "(none)")
            elif b[0] == "table":
                head, rows = b[1], b[2]
                lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |"
                          for r in rows]
                out.append("\n".join(lines))
            elif b[0] == "img":
                out.append("![%s](%s)" % (b[2], os.path.basename(b[1])))
        return "\n\n".join(out) + "\n"

    def html(self, title):
        e = html.escape
        out = ["<!DOCTYPE html>",
               "<html><head><meta charset=\"utf-8\"><title>%s</title>" % e(title),
               "<style>body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}"
               "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;"
               "padding:2px 6px;text-align:left}img{max-width:100%}</style></head><body>"]
        for b in self.blocks:
            if b[0] == "h":
                out.append("<h%d>%s</h%d>" % (b[1], e(b[2]), b[1]))
            elif b[0] == "p":
                out.append("<p>%s</p>" % e(b[1]))
            elif b[0] == "ul":
                out.append("<ul>%s</ul>" % "".join("<li>%s</li>" % e(x) for x in b[1])
                           if b[1] else "<p>(none)</p>")
            elif b[0] == "table":
                out.append("<table><tr>%s</tr>%s</table>" % (
                    "".join("<th>%s</th>" % e(h) for h in b[1]),
                    "".join("<tr>%s</tr>" % "".join("<td>%s</td>" % e(str(c)) for c in r)
                            for r in b[2])))
            elif b[0] == "img":
                with open(b[1], "rb") as f:
                    data = base64.b64encode(f.read()).decode()
                out.append("<img alt=\"%s\" src=\"data:image/png;base64,%s\">" % (e(b[2]), data))
        out.append("</body></html>")
        return "\n".join(out) + "\n"


# ---------------------------------------------------------------- figure


def draw(students, spread, rows, outdir):
    """class-spread.png/.svg: each point's class spread as ratios to the class
    median (log axis): quartiles as a bar, every student a dot, outliers red
    and named, unstable points marked ×."""
    keys = sorted(spread, key=compare.point_order)
    x_of = {k: i for i, k in enumerate(keys)}
    width = min(30.0, max(8.0, 0.45 * len(keys) + 3))
    fig, ax = plt.subplots(figsize=(width, 5.5))
    for k in keys:
        sp = spread[k]
        i = x_of[k]
        ax.plot([i, i], [sp["q1"] / sp["median"], sp["q3"] / sp["median"]], color="black",
                lw=5, alpha=0.35, solid_capstyle="butt")
    vals = [1.0]
    for s, k, v, ratio, out, flag in rows:
        i = x_of[k] + ((zlib.crc32(s.name.encode()) % 7) - 3) * 0.04
        col = "#d62728" if out else ir.transport_color(k[0])
        ax.plot([i], [ratio], "o", ms=4.5, color=col, alpha=0.9 if out else 0.6)
        if flag == "unstable":
            ax.plot([i], [ratio], "x", ms=8, color="black", mew=1.1)
        if out:
            ax.annotate(s.name, (i, ratio), xytext=(4, 2), textcoords="offset points",
                        fontsize=8, color="#d62728")
        vals.append(ratio)
    ax.set_yscale("log")
    lo, hi = min(vals), max(vals)
    ax.set_ylim(lo / 1.2, hi * 1.2)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, p: "%g×" % float("%.2g" % y)))
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels(["%s %s\n%s%s" % (k[0], "stream" if k[1] == "stream" else "ping-pong",
                                         ir.fmt_size(k[3]),
                                         "" if compare.memory(k) == "-" else
                                         "\n" + compare.memory(k)) for k in keys],
                       rotation=90 if len(keys) > 12 else 0, fontsize=8)
    ax.set_xlim(-0.7, len(keys) - 0.3)
    ax.set_xlabel("point (transport, mode, BUF_SIZE)")
    ax.set_ylabel("student's median / class median\n(stream: bytes/s, ping-pong: one-way "
                  "latency p50)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_title("Spread across %d machines: each dot a student, grey bar the middle half "
                 "of the class (quartiles)" % len(students), fontsize=10)
    names = ir.transports_in([{"transport": k[0]} for k in keys])
    handles = plot.transport_handles(names) + [
        Line2D([], [], color="#d62728", marker="o", ls="none", label="outlier (beyond 1.5 IQR)"),
        Line2D([], [], color="black", marker="x", ls="none", label="flagged unstable"),
        Line2D([], [], color="black", lw=5, alpha=0.35, label="quartiles of the class")]
    plot.legend_right(fig, handles)
    return plot.save(fig, outdir, "class-spread")


# ---------------------------------------------------------------- report


def build(students, rejected, spread, rows, png):
    d = Doc()
    machines = set((s.meta.get("cpu_model", "?"), s.meta.get("cpus_online", "?"),
                    s.meta.get("kernel", "?")) for s in students)
    outl = [r for r in rows if r[4]]
    flagged = [r for r in rows if r[5] == "unstable"]
    common = [k for k, sp in spread.items() if sp["n"] == len(students)]
    d.add("h", 1, "Class report: %d submissions" % (len(students) + len(rejected)))
    d.add("p", "%d students on %d distinct machine types (CPU, CPU count, kernel); %d points "
          "measured by everyone, %d by some. %d outlier points, %d points flagged unstable, "
          "%d submissions rejected. Figures are the median over each student's rounds: "
          "bytes/s for streams (higher is faster), one-way latency p50 for ping-pong "
          "(lower is faster)." % (len(students), len(machines), len(common),
                                  len(spread) - len(common), len(outl), len(flagged),
                                  len(rejected)))
    d.add("h", 2, "Machines")
    d.add("table", ("student", "host", "CPU", "CPUs", "kernel", "ipclab", "run", "complete",
                    "points"),
          [(s.name, s.meta.get("host", "-"), s.meta.get("cpu_model", "-"),
            s.meta.get("cpus_online", "-"), s.meta.get("kernel", "-"),
            s.meta.get("ipclab_version", "-"), s.meta.get("run_id", "-"),
            "no" if s.meta.get("complete") is False else "yes", len(s.value))
           for s in students])
    d.add("h", 2, "Spread of each figure across the class")
    d.add("img", png, "class spread")
    d.add("table", ("point", "students", "median", "quartiles (middle half)", "IQR / median",
                    "lowest", "highest"),
          [(point_name(k), sp["n"], compare.fmt_figure(k[1], sp["median"]),
            "%s – %s" % (compare.fmt_figure(k[1], sp["q1"]), compare.fmt_figure(k[1], sp["q3"])),
            "%.0f %%" % (100 * (sp["q3"] - sp["q1"]) / sp["median"]),
            compare.fmt_figure(k[1], sp["lo"]), compare.fmt_figure(k[1], sp["hi"]))
           for k, sp in sorted(spread.items(), key=lambda kv: compare.point_order(kv[0]))])
    d.add("h", 2, "Each student against the class")
    d.add("p", "Ratio to the class median, geometric mean over the student's points: above 1 "
          "means faster streams, or slower ping-pong (higher latency). 'Inside' counts the "
          "points between the class quartiles.")
    table = []
    for s in students:
        mine = [r for r in rows if r[0] is s]
        inside = sum(spread[r[1]]["log_quartiles"][0] <= math.log(r[2])
                     <= spread[r[1]]["log_quartiles"][1] for r in mine)
        table.append((s.name, len(mine),
                      "%.2f×" % geomean([r[3] for r in mine if r[1][1] == "stream"])
                      if any(r[1][1] == "stream" for r in mine) else "-",
                      "%.2f×" % geomean([r[3] for r in mine if r[1][1] == "pingpong"])
                      if any(r[1][1] == "pingpong" for r in mine) else "-",
                      "%d of %d" % (inside, len(mine)), sum(1 for r in mine if r[4]),
                      sum(1 for r in mine if r[5] == "unstable")))
    d.add("table", ("student", "points", "stream ratio", "ping-pong ratio", "inside quartiles",
                    "outliers", "unstable"), table)
    d.add("h", 2, "Outliers")
    d.add("p", "A student's point beyond 1.5 IQR of the class quartiles (log scale), for "
          "points %d or more students measured: check that student's placement, options "
          "and machine (Machines above) before reading it as a result." % MIN_FOR_OUTLIERS)
    d.add("ul", ["%s: %s: %s, %.2f× the class median (%s)" % (
        r[0].name, point_name(r[1]), compare.fmt_figure(r[1][1], r[2]), r[3], r[4])
        for r in outl])
    d.add("h", 2, "Flagged points")
    d.add("ul", ["%s: %s: %s" % (r[0].name, point_name(r[1]),
                                  r[0].folder.reasons.get(r[1]) or "unstable")
                 for r in flagged])
    d.add("h", 2, "Rejected submissions")
    d.add("ul", [msg for _, msg in rejected])
    return d


def write_csv(rows, spread, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("student",) + compare.KEY + ("pairs", "batch", "figure", "value", "class_median",
                                                  "class_q1", "class_q3", "ratio", "outlier",
                                                  "flag"))
        for s, k, v, ratio, out, flag in rows:
            sp = spread[k]
            w.writerow([s.name] + list(k[:3]) + ["%d" % k[3]] + list(k[4:])
                       + [ir.FIGURE[k[1]][0]]
                       + ["%.6g" % x for x in (v, sp["median"], sp["q1"], sp["q3"], ratio)]
                       + [out, flag])


def main(argv=None):
    ap = argparse.ArgumentParser(prog="class_report.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("submissions", nargs="+", help="archives made by scripts/submit.py")
    ap.add_argument("-o", "--output", metavar="OUTDIR", default="class-report",
                    help="where to write the report (default ./class-report)")
    args = ap.parse_args(argv)
    work = tempfile.mkdtemp(prefix="ipclab-class-")
    try:
        students, rejected = load_class(args.submissions, work)
        for _, msg in rejected:
            print("ipclab: class_report: rejected: %s" % msg, file=sys.stderr)
        if not students:
            print("ipclab: class_report: no usable submission", file=sys.stderr)
            return 2
        spread = class_spread(students)
        rows = placed(students, spread)
        os.makedirs(args.output, exist_ok=True)
        paths = draw(students, spread, rows, args.output)
        png = [p for p in paths if p.endswith(".png")][0]
        doc = build(students, rejected, spread, rows, png)
        md = os.path.join(args.output, "class-report.md")
        ht = os.path.join(args.output, "class-report.html")
        cv = os.path.join(args.output, "class.csv")
        with open(md, "w") as f:
            f.write(doc.markdown())
        with open(ht, "w") as f:
            f.write(doc.html("Class report"))
        write_csv(rows, spread, cv)
    except OSError as e:
        print("ipclab: class_report: %s: %s" % (e.filename or args.output, e.strerror or e),
              file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for p in [md, ht, cv] + paths:
        print(p)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
