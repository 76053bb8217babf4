#!/usr/bin/env python3
"""Write a report of an ipclab results folder: DIR/report.md and DIR/report.html.

The report holds the machine and run context (meta.json), a plain-language
reading of the results computed from the numbers, the figures of scripts/plot.py
(drawn into DIR/plots first when they are missing, or always with --replot),
the cost model time = bytes*c_byte + handoffs*c_handoff, the summary tables in
human units, and every skipped or failed point with its reason.

report.md references the figures relatively (plots/NAME.png), so keep it beside
its plots/ folder; report.html embeds them as base64 PNG and stands alone.
Run it through scripts/pyrun.
"""

import argparse
import base64
import html
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402  (first: it checks for matplotlib and numpy)
import ipclab_results as ir  # noqa: E402

CAPTIONS = {
    "throughput": "Throughput at the reader vs BUF_SIZE (median; band: min–max over the "
                  "repetitions), with the memcpy floor measured in the same run.",
    "ctxsw": "Voluntary context switches per handoff and per MiB moved (writer and reader), "
             "and the wall time per handoff.",
    "cputime": "CPU time per GiB moved, user vs system, writer and reader.",
    "latency": "Ping-pong round-trip time vs message size (p50 and p99).",
    "memory": "Effect of MAP_POPULATE and huge pages on throughput and minor page faults.",
    "costmodel": "Cost model: measured time per handoff (points) and the fitted "
                 "c_handoff + BUF_SIZE · c_byte (lines).",
}


def die(msg):
    print("fatal: %s" % msg, file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------- document model
# A report is a list of blocks, each rendered to Markdown and to HTML.


class Doc:
    def __init__(self):
        self.blocks = []

    def h(self, level, text):
        self.blocks.append(("h", level, text))

    def p(self, text):
        self.blocks.append(("p", text))

    def ul(self, items):
        if items:
            self.blocks.append(("ul", list(items)))

    def table(self, head, rows, align=None):
        if rows:
            self.blocks.append(("table", head, rows, align or ["l"] * len(head)))

    def img(self, relpath, abspath, caption):
        self.blocks.append(("img", relpath, abspath, caption))

    def code(self, text):
        self.blocks.append(("code", text))


def md_cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def to_markdown(doc):
    out = []
    for b in doc.blocks:
        kind = b[0]
        if kind == "h":
            out.append("#" * b[1] + " " + b[2])
        elif kind == "p":
            out.append(b[1])
        elif kind == "ul":
            out.append("\n".join("- " + it for it in b[1]))
        elif kind == "table":
            _, head, rows, align = b
            sep = [(":---" if a == "l" else "---:") for a in align]
            lines = ["| " + " | ".join(md_cell(h) for h in head) + " |",
                     "| " + " | ".join(sep) + " |"]
            lines += ["| " + " | ".join(md_cell(c) for c in r) + " |" for r in rows]
            out.append("\n".join(lines))
        elif kind == "img":
            out.append("![%s](%s)\n\n*%s*" % (b[3], b[1], b[3]))
        elif kind == "code":
            out.append("```\n%s\n```" % b[1])
    return "\n\n".join(out) + "\n"


CSS = """body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;max-width:1200px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em}th{background:#f0f0f0}
td.r{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;height:auto;border:1px solid #eee}
figure{margin:1.5em 0}figcaption{font-size:.9em;color:#555}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em}"""


def inline_html(text):
    """Escape, then turn `code` spans into <code>."""
    parts = html.escape(text).split("`")
    return "".join(("<code>%s</code>" % s) if i % 2 else s for i, s in enumerate(parts))


def to_html(doc, title):
    out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
           "<title>%s</title><style>%s</style></head><body>" % (html.escape(title), CSS)]
    for b in doc.blocks:
        kind = b[0]
        if kind == "h":
            out.append("<h%d>%s</h%d>" % (b[1], inline_html(b[2]), b[1]))
        elif kind == "p":
            out.append("<p>%s</p>" % inline_html(b[1]))
        elif kind == "ul":
            out.append("<ul>%s</ul>" % "".join("<li>%s</li>" % inline_html(i) for i in b[1]))
        elif kind == "table":
            _, head, rows, align = b
            th = "".join("<th>%s</th>" % html.escape(str(h)) for h in head)
            trs = []
            for r in rows:
                tds = "".join("<td%s>%s</td>" % (' class="r"' if a == "r" else "",
                                                 html.escape(str(c)))
                              for c, a in zip(r, align))
                trs.append("<tr>%s</tr>" % tds)
            out.append("<table><thead><tr>%s</tr></thead><tbody>%s</tbody></table>"
                       % (th, "".join(trs)))
        elif kind == "img":
            with open(b[2], "rb") as f:
                data = base64.b64encode(f.read()).decode("ascii")
            out.append("<figure><img alt=\"%s\" src=\"data:image/png;base64,%s\">"
                       "<figcaption>%s</figcaption></figure>"
                       % (html.escape(b[3]), data, inline_html(b[3])))
        elif kind == "code":
            out.append("<pre>%s</pre>" % html.escape(b[1]))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- the reading


def pct(x):
    if not math.isfinite(x):
        return "-"
    return "%.2g%%" % (100 * x) if 100 * x < 1 else "%.0f%%" % (100 * x)


def span(lo, hi):
    """'4' or '4–24' for a range of numbers."""
    a, b = ir.fmt_num(lo), ir.fmt_num(hi)
    return a if a == b else "%s–%s" % (a, b)


def times(x):
    if not math.isfinite(x):
        return "-"
    return "%.0f×" % x if x >= 10 else "%.1f×" % x


def compare_rows(res):
    """Stream rows the transports are compared on: status ok, default memory,
    the main pin placement, copy access when there is any."""
    rows = ir.select(res.summary, mode="stream", status="ok")
    if not rows:
        return []
    rows = ir.baseline(rows)
    rows = ir.select(rows, pin=plot.main_pin(rows))
    copy = ir.select(rows, access=("copy", ""))
    return copy or rows


def reading_transport(e, pts):
    """Sentences about one transport from its cost-model fit and its rows."""
    t = e["transport"]
    first, last = pts[0], pts[-1]
    s0, s1 = ir.num(first, "buf_size"), ir.num(last, "buf_size")
    wv, rv = ir.num(first, "writer_vcsw_per_block"), ir.num(first, "reader_vcsw_per_block")
    per0 = ir.num(first, "ns_per_block")
    out = []
    txt = ("`%s` pays %s (writer) and %s (reader) voluntary context switches per handoff at "
           "BUF_SIZE %s, where one handoff takes %s"
           % (t, ir.fmt_num(wv, 2), ir.fmt_num(rv, 2), ir.fmt_size(s0), ir.fmt_ns(per0)))
    cb, ch = e["c_byte_ns"], e["c_handoff_ns"]
    fitted = math.isfinite(cb) and math.isfinite(ch)
    good = fitted and cb > 0 and ch > 0
    if good:
        byte_part = s0 * cb
        share0 = ch / (ch + byte_part)
        txt += ("; the bytes themselves account for about %s of that (%s × %s ns/byte), so at "
                "this size the time %s"
                % (ir.fmt_ns(byte_part), ir.fmt_size(s0), ir.fmt_num(cb),
                   "is dominated by handoffs" if share0 > 0.5 else
                   "is already dominated by the bytes"))
    txt += "."
    if math.isfinite(wv) and math.isfinite(rv) and max(wv, rv) < 0.1:
        txt += (" Fewer than one in ten handoffs puts a process to sleep: the kernel buffers "
                "let the writer run ahead and the wake-ups are batched.")
    elif math.isfinite(wv) and math.isfinite(rv) and min(wv, rv) > 0.5:
        txt += (" Nearly every handoff puts a process to sleep and needs a wake-up of the "
                "other: that is the price of each block changing hands.")
    out.append(txt)
    if not fitted:
        out.append("No cost model for `%s`: %s." % (t, e["note"] or "not enough points"))
        return out
    fit = ("The fit over %s–%s gives c_handoff = %s µs and c_byte = %s ns/byte "
           "(%s GB/s for the bytes alone"
           % (ir.fmt_size(e["buf_size_min"]), ir.fmt_size(e["buf_size_max"]),
              ir.fmt_num(e["c_handoff_us"]), ir.fmt_num(cb), ir.fmt_num(e["c_byte_gb_per_s"])))
    if math.isfinite(e["floor_gb_per_s"]):
        fit += "; the memcpy floor in this run is %s GB/s" % ir.fmt_num(e["floor_gb_per_s"])
    fit += "), R² = %s." % ir.fmt_num(e["r2"], 2)
    if good:
        cross = e["crossover_bytes"]
        if cross < s0:
            fit += (" One handoff costs as much as %s of data, less than the smallest BUF_SIZE "
                    "measured: the per-byte cost dominates everywhere in this sweep."
                    % ir.fmt_size_approx(cross))
        elif cross > s1:
            share1 = ch / (ch + s1 * cb)
            fit += (" One handoff costs as much as %s of data, more than the largest BUF_SIZE "
                    "measured: even at %s the handoffs take about %s of the time."
                    % (ir.fmt_size_approx(cross), ir.fmt_size(s1), pct(share1)))
        else:
            fit += (" The two costs are equal at BUF_SIZE ≈ %s: below it the handoffs dominate "
                    "the time, above it the per-byte cost does." % ir.fmt_size_approx(cross))
    if e["points"] == 2:
        fit += (" With only two BUF_SIZEs the fit is exact by construction (R² says nothing); "
                "sweep more sizes to test the model.")
    elif "poor" in e["note"] or "negative" in e["note"]:
        wv1 = ir.num(last, "writer_vcsw_per_block")
        rv1 = ir.num(last, "reader_vcsw_per_block")
        fit += (" The model describes `%s` poorly (%s): its cost per handoff is not constant "
                "over this range — context switches per handoff go from %s/%s (writer/reader) at "
                "%s to %s/%s at %s; see the context-switch figure."
                % (t, "a negative cost" if "negative" in e["note"] else
                   "R² = %s" % ir.fmt_num(e["r2"], 2), ir.fmt_num(wv, 2), ir.fmt_num(rv, 2),
                   ir.fmt_size(s0),
                   ir.fmt_num(wv1, 2), ir.fmt_num(rv1, 2), ir.fmt_size(s1)))
    out.append(fit)
    return out


def reading(res, fits):
    """The plain-language reading, every number taken from the folder."""
    items = []
    rows = compare_rows(res)
    if rows:
        sizes = sorted(set(ir.column(rows, "buf_size")))
        names = ir.transports_in(rows)
        for size, which in ((sizes[0], "smallest"), (sizes[-1], "largest")):
            at = [r for r in rows if ir.num(r, "buf_size") == size
                  and ir.num(r, "bytes_per_s_median") > 0]
            if len(at) < 2:
                continue
            at.sort(key=lambda r: -ir.num(r, "bytes_per_s_median"))
            best, worst = at[0], at[-1]
            b, w = ir.num(best, "bytes_per_s_median"), ir.num(worst, "bytes_per_s_median")
            txt = ("At the %s BUF_SIZE (%s) `%s` is fastest with %s"
                   % (which, ir.fmt_size(size), best["transport"], ir.fmt_rate(b)))
            fr = ir.num(best, "floor_ratio")
            if math.isfinite(fr):
                txt += " (%s of the memcpy floor at that size)" % pct(fr)
            txt += "; `%s` is slowest with %s, %s slower." % (
                worst["transport"], ir.fmt_rate(w), times(b / w))
            items.append(txt)
        best_parts = []
        for t in names:
            pts = [r for r in rows if r["transport"] == t and ir.num(r, "bytes_per_s_median") > 0]
            if not pts:
                continue
            top = max(pts, key=lambda r: ir.num(r, "bytes_per_s_median"))
            fr = ir.num(top, "floor_ratio")
            best_parts.append("`%s` %s at %s%s" % (
                t, ir.fmt_rate(ir.num(top, "bytes_per_s_median")),
                ir.fmt_size(ir.num(top, "buf_size")),
                " (%s of the floor)" % pct(fr) if math.isfinite(fr) else ""))
        if best_parts:
            items.append("Best throughput of each transport: " + "; ".join(best_parts) + ".")
    by_t = {}
    for e in fits:
        by_t.setdefault(e["transport"], []).append(e)
    for t, es in by_t.items():
        e = es[0] if len(es) == 1 else next((x for x in es if x["pin"] == plot.main_pin(rows)), es[0])
        pts = ir.sorted_by_size([r for r in ir.baseline(ir.select(
            res.summary, mode="stream", status="ok", transport=t, pin=e["pin"]))
            if r.get("access", "") in ("copy", "")])
        if pts:
            items += reading_transport(e, pts)
    pp = ir.baseline(ir.select(res.summary, mode="pingpong", status="ok"))
    pp = [r for r in pp if math.isfinite(ir.num(r, "rtt_p50_ns"))]
    if pp:
        s0 = min(ir.column(pp, "buf_size"))
        at = sorted((r for r in pp if ir.num(r, "buf_size") == s0),
                    key=lambda r: ir.num(r, "rtt_p50_ns"))
        b = at[0]
        txt = ("Ping-pong at %s: `%s` has the lowest round trip, p50 %s (one way ≈ %s), p99 %s"
               % (ir.fmt_size(s0), b["transport"], ir.fmt_ns(ir.num(b, "rtt_p50_ns")),
                  ir.fmt_ns(ir.num(b, "rtt_p50_ns") / 2), ir.fmt_ns(ir.num(b, "rtt_p99_ns"))))
        if len(at) > 1:
            w = at[-1]
            txt += "; `%s` the highest, p50 %s" % (w["transport"], ir.fmt_ns(ir.num(w, "rtt_p50_ns")))
        items.append(txt + ".")
    items += reading_memory(res)
    return items


def reading_memory(res):
    """Populate / huge pages: throughput ratio and faults, per transport."""
    rows = [r for r in ir.select(res.summary, mode="stream", status="ok")
            if r.get("hugepages", "") not in ("n/a", "")]
    out = []
    for t in ir.transports_in(rows):
        trows = ir.select(rows, transport=t)
        base = {(ir.num(r, "buf_size"), r.get("pin", ""), r.get("access", "")): r
                for r in trows if r.get("populate") == "off" and r.get("hugepages") == "off"}
        for pop, huge in sorted(set((r.get("populate"), r.get("hugepages")) for r in trows)):
            if (pop, huge) == ("off", "off"):
                continue
            ratios, f0, f1 = [], [], []
            for r in ir.select(trows, populate=pop, hugepages=huge):
                k = (ir.num(r, "buf_size"), r.get("pin", ""), r.get("access", ""))
                if k not in base:
                    continue
                a = ir.num(base[k], "bytes_per_s_median")
                b = ir.num(r, "bytes_per_s_median")
                if a > 0 and b > 0:
                    ratios.append(b / a)
                f0.append(ir.num(base[k], "writer_minflt") + ir.num(base[k], "reader_minflt"))
                f1.append(ir.num(r, "writer_minflt") + ir.num(r, "reader_minflt"))
            if not ratios:
                continue
            f0 = [x for x in f0 if math.isfinite(x)]
            f1 = [x for x in f1 if math.isfinite(x)]
            rr = (times(min(ratios)) if times(min(ratios)) == times(max(ratios))
                  else "%s–%s" % (times(min(ratios)), times(max(ratios))))
            txt = ("`%s` with populate %s and huge pages %s: throughput %s of the default "
                   "(populate off, huge pages off) over %d BUF_SIZEs"
                   % (t, pop, huge, rr, len(ratios)))
            if f0 and f1:
                txt += ("; minor faults in the timed region (writer + reader, per repetition) "
                        "%s instead of %s" % (span(min(f1), max(f1)), span(min(f0), max(f0))))
            out.append(txt + ".")
    return out


# ---------------------------------------------------------------- tables


def options_of(r):
    parts = []
    if r.get("access", "") not in ("copy", ""):
        parts.append(r["access"])
    if r.get("populate", "") == "on":
        parts.append("populate")
    if r.get("hugepages", "") not in ("off", "n/a", ""):
        parts.append("huge pages %s" % r["hugepages"])
    return ", ".join(parts) or "-"


def stream_table(rows):
    head = ["transport", "BUF_SIZE", "options", "pin", "reps", "throughput (median)",
            "[min – max]", "per handoff", "vcsw/handoff W", "vcsw/handoff R", "of floor"]
    out = []
    for r in rows:
        out.append([r["transport"], ir.fmt_size(ir.num(r, "buf_size")), options_of(r),
                    r.get("pin", "") or "-", ir.fmt_num(ir.num(r, "reps"), 3),
                    ir.fmt_rate(ir.num(r, "bytes_per_s_median")),
                    "%s – %s" % (ir.fmt_rate(ir.num(r, "bytes_per_s_min")),
                                 ir.fmt_rate(ir.num(r, "bytes_per_s_max"))),
                    ir.fmt_ns(ir.num(r, "ns_per_block")),
                    ir.fmt_num(ir.num(r, "writer_vcsw_per_block"), 2),
                    ir.fmt_num(ir.num(r, "reader_vcsw_per_block"), 2),
                    pct(ir.num(r, "floor_ratio"))])
    return head, out, ["l", "r", "l", "l", "r", "r", "r", "r", "r", "r", "r"]


def pingpong_table(rows):
    head = ["transport", "message", "options", "pin", "reps", "RTT p50", "RTT p99",
            "one-way p50", "vcsw/handoff W", "vcsw/handoff R"]
    out = []
    for r in rows:
        out.append([r["transport"], ir.fmt_size(ir.num(r, "buf_size")), options_of(r),
                    r.get("pin", "") or "-", ir.fmt_num(ir.num(r, "reps"), 3),
                    ir.fmt_ns(ir.num(r, "rtt_p50_ns")), ir.fmt_ns(ir.num(r, "rtt_p99_ns")),
                    ir.fmt_ns(ir.num(r, "one_way_p50_ns")),
                    ir.fmt_num(ir.num(r, "writer_vcsw_per_block"), 2),
                    ir.fmt_num(ir.num(r, "reader_vcsw_per_block"), 2)])
    return head, out, ["l", "r", "l", "l", "r", "r", "r", "r", "r", "r"]


def cost_table(fits):
    head = ["transport", "pin", "BUF_SIZEs", "c_byte (ns/byte)", "1/c_byte (GB/s)",
            "memcpy floor (GB/s)", "c_handoff (µs)", "R²", "max miss", "vcsw/handoff W",
            "vcsw/handoff R", "crossover BUF_SIZE", "note"]
    out = []
    for e in fits:
        out.append([e["transport"], e["pin"] or "-",
                    "%s–%s (%d)" % (ir.fmt_size(e["buf_size_min"]),
                                    ir.fmt_size(e["buf_size_max"]), e["points"]),
                    ir.fmt_num(e["c_byte_ns"]), ir.fmt_num(e["c_byte_gb_per_s"]),
                    ir.fmt_num(e["floor_gb_per_s"]), ir.fmt_num(e["c_handoff_us"]),
                    ir.fmt_num(e["r2"], 2),
                    ("%.0f%%" % (100 * e["max_rel_err"])
                     if isinstance(e.get("max_rel_err"), float)
                     and math.isfinite(e["max_rel_err"]) else "-"),
                    ir.fmt_num(e["writer_vcsw_per_handoff"], 2),
                    ir.fmt_num(e["reader_vcsw_per_handoff"], 2),
                    ir.fmt_size_approx(e["crossover_bytes"]), e["note"] or "-"])
    return head, out, ["l", "l", "l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "l"]


def by_size(rows):
    order = {t: i for i, t in enumerate(ir.transports_in(rows))}
    return sorted(rows, key=lambda r: (order.get(r["transport"], 99), options_of(r),
                                       r.get("pin", ""), ir.num(r, "buf_size")))


# ---------------------------------------------------------------- assembling


def machine_table(meta):
    keys = (("host", "host"), ("cpu_model", "CPU"), ("cpus_online", "CPUs online"),
            ("kernel", "kernel"), ("cpu_governor", "CPU governor"), ("compiler", "compiler"),
            ("cflags", "flags"), ("build_type", "build"), ("git_rev", "git revision"),
            ("ipclab_version", "ipclab version"), ("start_time", "start"), ("end_time", "end"),
            ("run_id", "run id"))
    rows = [[label, str(meta[k]).strip()] for k, label in keys
            if meta.get(k) not in (None, "")]
    thp = meta.get("thp")
    if isinstance(thp, dict) and thp:
        rows.append(["transparent huge pages",
                     ", ".join("%s = %s" % (k, v) for k, v in thp.items())])
    hp = meta.get("hugepages")
    if isinstance(hp, dict) and hp:
        rows.append(["huge pages reserved",
                     ", ".join("%s = %s" % (k, v) for k, v in hp.items())])
    return rows


def ensure_plots(res, plotdir, replot):
    """Draw the figures that are missing (all of them with replot)."""
    missing = [n for n in plot.FIGURES
               if replot or not os.path.exists(os.path.join(plotdir, n + ".png"))]
    if "costmodel" not in missing and not os.path.exists(os.path.join(plotdir, "costmodel.csv")):
        missing.append("costmodel")
    notes = {}
    if missing:
        _, notes = plot.make_all(res, plotdir, only=missing)
    return notes


def build(res, notes):
    meta = res.meta
    doc = Doc()
    rid = meta.get("run_id") or os.path.basename(os.path.normpath(res.path))
    title = "ipclab report: %s" % rid
    doc.h(1, title)
    doc.p("%s." % ir.title_context(meta))
    if meta.get("command_line"):
        doc.code(str(meta["command_line"]))

    fits = ir.cost_model(res.summary)
    doc.h(2, "Reading")
    doc.p("Generated from the numbers in this folder; rates are decimal "
          "(1 GB/s = 10⁹ bytes/s), sizes binary (1 KiB = 1024 bytes).")
    doc.ul(reading(res, fits))

    plotdir = os.path.join(res.path, "plots")

    def figure(name):
        p = os.path.join(plotdir, name + ".png")
        if os.path.exists(p):
            doc.img("plots/%s.png" % name, p, CAPTIONS[name])
        elif name in notes:
            doc.p("*No %s figure: %s.*" % (name, notes[name]))

    doc.h(2, "Throughput")
    figure("throughput")
    stream = by_size(ir.select(res.summary, mode="stream", status="ok"))
    if stream:
        h, rows, al = stream_table(stream)
        doc.table(h, rows, al)

    doc.h(2, "Cost model")
    doc.p("time = bytes · c_byte + handoffs · c_handoff, fitted without intercept over "
          "each transport's BUF_SIZE points (stream, copy, default memory options; time = "
          "wall_ns_median, bytes = total_bytes, handoffs = blocks) by least squares on the "
          "relative miss, so that every BUF_SIZE counts equally (as `ipclab model` does). "
          "R² is taken on the time per byte; 'max miss' is the worst relative miss of one point. "
          "The crossover BUF_SIZE = c_handoff / c_byte is where a handoff costs as much as "
          "the bytes it carries. Also in plots/costmodel.csv.")
    if fits:
        h, rows, al = cost_table(fits)
        doc.table(h, rows, al)
    else:
        doc.p("*No stream rows with status ok: nothing to fit.*")
    figure("costmodel")

    doc.h(2, "Context switches and cost per handoff")
    figure("ctxsw")
    doc.h(2, "CPU time")
    figure("cputime")

    doc.h(2, "Ping-pong latency")
    figure("latency")
    pp = by_size(ir.select(res.summary, mode="pingpong", status="ok"))
    if pp:
        h, rows, al = pingpong_table(pp)
        doc.table(h, rows, al)

    doc.h(2, "Huge pages and populate")
    figure("memory")

    bad = [r for r in res.summary if r.get("status") != "ok"]
    doc.h(2, "Skipped and failed points")
    if bad:
        doc.table(["transport", "mode", "BUF_SIZE", "options", "pin", "status", "reason"],
                  [[r["transport"], r.get("mode", ""), ir.fmt_size(ir.num(r, "buf_size")),
                    options_of(r), r.get("pin", "") or "-", r.get("status", ""),
                    r.get("reason", "") or "-"] for r in by_size(bad)],
                  ["l", "l", "r", "l", "l", "l", "l"])
    else:
        doc.p("None: every point ran.")

    doc.h(2, "Machine")
    doc.table(["", ""], machine_table(meta), ["l", "l"])
    lim = meta.get("limits")
    if isinstance(lim, dict) and lim:
        doc.p("Limits: " + ", ".join("%s = %s" % (k, v) for k, v in lim.items()) + ".")
    doc.p("Figures: report.md links them relatively (plots/*.png); report.html embeds them "
          "(base64 PNG) and stands alone. Regenerate with `scripts/pyrun scripts/report.py %s`."
          % res.path)
    return doc, title


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", help="results folder (holds summary.csv, meta.json)")
    ap.add_argument("--replot", action="store_true",
                    help="redraw every figure, even those already in DIR/plots")
    args = ap.parse_args(argv)
    try:
        res = ir.load(args.results)
        notes = ensure_plots(res, os.path.join(args.results, "plots"), args.replot)
        doc, title = build(res, notes)
        md = os.path.join(args.results, "report.md")
        ht = os.path.join(args.results, "report.html")
        with open(md, "w") as f:
            f.write(to_markdown(doc))
        with open(ht, "w") as f:
            f.write(to_html(doc, title))
    except ir.ResultsError as e:
        ir.fail("report", e)
    except OSError as e:
        die("%s: %s" % (getattr(e, "filename", None) or args.results, e.strerror or e))
    print(md)
    print(ht)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
