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
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402  (first: it checks for matplotlib and numpy)
import ipclab_results as ir  # noqa: E402

CAPTIONS = {
    "throughput": "Throughput at the reader vs BUF_SIZE (median; band: min–max over the "
                  "repetitions), with the memcpy floor measured in the same run; hollow "
                  "markers: points flagged unstable.",
    "ctxsw": "Voluntary context switches per handoff (writer, reader) and per MiB moved, "
             "and the wall time per handoff; a count of 0 sits on the dotted line marked 0.",
    "cputime": "CPU time per GiB moved, user vs system, writer and reader.",
    "latency": "Ping-pong round trip of each transport (dot: p50, bar: p99), one panel per "
               "message size; dashed black: the cache-line floor of the same run.",
    "memory": "Effect of MAP_POPULATE and huge pages on throughput and minor page faults.",
    "costmodel": "Cost model: measured time per handoff (points; hollow: flagged, left out "
                 "of the fit) and the fitted c_handoff + BUF_SIZE · c_byte (lines).",
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

    def details(self, summary):
        """Open a collapsed section (closed by end_details)."""
        self.blocks.append(("details", summary))

    def end_details(self):
        self.blocks.append(("/details",))


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
        elif kind == "details":
            out.append("<details><summary>%s</summary>" % html.escape(b[1]))
        elif kind == "/details":
            out.append("</details>")
    return "\n\n".join(out) + "\n"


CSS = """body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;max-width:1200px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em}th{background:#f0f0f0}
td.r{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;height:auto;border:1px solid #eee}
figure{margin:1.5em 0}figcaption{font-size:.9em;color:#555}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em}
details{margin:.6em 0}summary{cursor:pointer;font-weight:600}"""


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
        elif kind == "details":
            out.append("<details><summary>%s</summary>" % inline_html(b[1]))
        elif kind == "/details":
            out.append("</details>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- the reading
# Every sentence below is chosen from the transport's family (where the data
# waits between the two sides: scripts/transports.csv) and the measured values,
# so that it cannot say of one transport what holds only for another.

# Where a block waits between writer and reader, by family: "ahead" says
# whether the writer can run ahead of the reader by more than one block.
FAMILY_FACTS = {
    "ring": {"ahead": True, "kernel_buffer": False,
             "buffer": "the ring of several blocks in shared memory"},
    "alternation": {"ahead": False, "kernel_buffer": False,
                    "buffer": "the one shared buffer"},
    "kernel": {"ahead": True, "kernel_buffer": True, "buffer": "the kernel buffer"},
    "mq": {"ahead": True, "kernel_buffer": True,
           "buffer": "the kernel queue of several messages"},
}


def facts(t):
    return FAMILY_FACTS.get(ir.transport_family(t))


def copies(t):
    """Copies of each byte the transport makes in copy access (2 for most:
    into the kernel or the shared block, and out of it), None if unknown."""
    r = ir.TRANSPORTS.get(t)
    try:
        return int(r["copies"]) if r else None
    except (KeyError, ValueError):
        return None


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


def two_cpus(pin):
    """True when the two sides ran on two distinct CPUs, None when unknown
    (not pinned), False when they shared one."""
    pin = (pin or "").strip()
    if pin == "split":
        return True
    if pin in ("", "none"):
        return None
    if pin == "same":
        return False
    parts = [p for p in pin.replace(":", ",").split(",") if p]
    return len(parts) == 2 and parts[0] != parts[1]


def above_floor(t, pin, ratio, what):
    """Why WHAT (a point, a fitted rate) can be above the memcpy floor by
    RATIO (> 1): the floor makes the two copies one after the other on one
    CPU.  '' when ratio <= 1."""
    if not (math.isfinite(ratio) and ratio > 1):
        return ""
    n = copies(t)
    if n == 1:
        return (" %s is above the memcpy floor (%s of it): `%s` copies each byte once, the "
                "floor twice." % (what, pct(ratio), t))
    two = two_cpus(pin)
    why = ("the floor makes its two copies (into the block and out of it) one after the other "
           "on one CPU")
    if two is False:
        return (" %s is above the memcpy floor (%s of it) although both sides shared one CPU, "
                "where the two copies cannot overlap: treat it with care." % (what, pct(ratio)))
    where = ("here the writer's and the reader's copies run at the same time on two CPUs"
             if two else "here the two sides were not pinned and could copy at the same time "
             "on two CPUs")
    txt = " %s is above the memcpy floor (%s of it): %s; %s." % (what, pct(ratio), why, where)
    if ratio > 2:
        txt += (" Overlap gives at most twice the floor, so this is more than it explains: "
                "treat it with care.")
    return txt


def stable(rows):
    """Rows not flagged unstable (all of them in a folder without flags)."""
    return [r for r in rows if ir.flag_of(r) != "unstable"]


def flagged(rows):
    return [r for r in rows if ir.flag_of(r) == "unstable"]


def compare_rows(res, keep_flagged=False):
    """Stream rows the transports are compared on: status ok, not flagged
    unstable, default memory, the main pin placement, copy access when there is
    any."""
    rows = ir.select(res.summary, mode="stream", status="ok")
    if not keep_flagged:
        rows = stable(rows)
    if not rows:
        return []
    rows = ir.baseline(rows)
    rows = ir.select(rows, pin=plot.main_pin(rows))
    copy = ir.select(rows, access=("copy", ""))
    return copy or rows


def sleep_sentence(t, wv, rv):
    """What the voluntary switches per handoff (writer, reader) say, in
    words true of this transport's family."""
    if not (math.isfinite(wv) and math.isfinite(rv)):
        return ""
    f = facts(t)
    if max(wv, rv) < 0.1:
        txt = " Fewer than one handoff in ten puts a process to sleep"
        if f is None:
            return txt + "."
        if f["ahead"]:
            return txt + (": %s lets the writer run ahead, and a side sleeps only when it is "
                          "full or empty." % f["buffer"])
        return txt + (", although %s cannot let the writer run ahead: a side that waits "
                      "mostly finds the other's signal already there." % f["buffer"])
    if min(wv, rv) > 0.5:
        txt = " Nearly every handoff puts a process to sleep"
        if f is None:
            return txt + " and needs a wake-up of the other."
        if f["ahead"]:
            return txt + (", even though %s lets the writer run ahead." % f["buffer"])
        return txt + (": with %s the two sides take turns, and every turn needs a wake-up "
                      "of the other." % f["buffer"])
    return ""


def switches_changed(a0, b0, a1, b1):
    """Whether switches per handoff changed between two sizes by more than
    noise: by 0.1 or more, or by 2× where one side is at least 0.05."""
    for x, y in ((a0, a1), (b0, b1)):
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        if abs(x - y) >= 0.1:
            return True
        hi, lo = max(x, y), min(x, y)
        if hi >= 0.05 and hi > 2 * lo:
            return True
    return False


def reading_transport(e, pts, left_out=()):
    """Sentences about one transport from its cost-model fit and its stable
    rows; left_out: its flagged rows (named, not used)."""
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
    txt += "." + sleep_sentence(t, wv, rv)
    rated = [r for r in pts if ir.num(r, "bytes_per_s_median") > 0]
    top = max(rated, key=lambda r: ir.num(r, "bytes_per_s_median")) if rated else first
    fr = ir.num(top, "floor_ratio")
    if fr > 1 and top.get("access", "") in ("copy", ""):
        txt += above_floor(t, top.get("pin", ""), fr,
                           "Its best point (%s at %s)" % (
                               ir.fmt_rate(ir.num(top, "bytes_per_s_median")),
                               ir.fmt_size(ir.num(top, "buf_size"))))
    if left_out:
        txt += (" %d of its points %s flagged unstable (BUF_SIZE %s) and %s left out of "
                "these sentences and of the fit." % (
                    len(left_out), "is" if len(left_out) == 1 else "are",
                    ", ".join(ir.fmt_size(ir.num(r, "buf_size"))
                              for r in ir.sorted_by_size(left_out)),
                    "is" if len(left_out) == 1 else "are"))
    out.append(txt)
    if not fitted:
        out.append("No cost model for `%s`: %s." % (t, e["note"] or "not enough points"))
        return out
    fit = ("The fit over %s–%s gives c_handoff = %s µs and c_byte = %s ns/byte "
           "(%s GB/s for the bytes alone"
           % (ir.fmt_size(e["buf_size_min"]), ir.fmt_size(e["buf_size_max"]),
              ir.fmt_num(e["c_handoff_us"]), ir.fmt_num(cb), ir.fmt_num(e["c_byte_gb_per_s"])))
    floor = e["floor_gb_per_s"]
    if math.isfinite(floor):
        fit += "; the memcpy floor in this run is %s GB/s" % ir.fmt_num(floor)
    fit += "), R² = %s." % ir.fmt_num(e["r2"], 2)
    if good and math.isfinite(floor) and floor > 0:
        fit += above_floor(t, e["pin"], e["c_byte_gb_per_s"] / floor,
                           "The rate for the bytes alone")
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
        why = "a negative cost" if "negative" in e["note"] else "R² = %s" % ir.fmt_num(e["r2"], 2)
        sw = "%s/%s (writer/reader) at %s and %s/%s at %s" % (
            ir.fmt_num(wv, 2), ir.fmt_num(rv, 2), ir.fmt_size(s0),
            ir.fmt_num(wv1, 2), ir.fmt_num(rv1, 2), ir.fmt_size(s1))
        if switches_changed(wv, rv, wv1, rv1):
            fit += (" The model describes `%s` poorly (%s): its cost per handoff is not "
                    "constant over this range, and its context switches per handoff change "
                    "with it, %s; see the context-switch figure." % (t, why, sw))
        else:
            fit += (" The model describes `%s` poorly (%s): its cost per handoff is not "
                    "constant over this range, while its context switches per handoff stay "
                    "about the same (%s), so they do not explain it; see the time per "
                    "handoff in the context-switch figure." % (t, why, sw))
    out.append(fit)
    return out


def transport_reading(res, fits):
    """(transport, sentences) for the appendix, one per fitted transport."""
    main = plot.main_pin(compare_rows(res, keep_flagged=True))
    by_t = {}
    for e in fits:
        by_t.setdefault(e["transport"], []).append(e)
    out = []
    for t, es in by_t.items():
        e = es[0] if len(es) == 1 else next((x for x in es if x["pin"] == main), es[0])
        rows = [r for r in ir.baseline(ir.select(res.summary, mode="stream", status="ok",
                                                 transport=t, pin=e["pin"]))
                if r.get("access", "") in ("copy", "")]
        pts = ir.sorted_by_size(stable(rows))
        if pts:
            out.append((t, reading_transport(e, pts, flagged(rows))))
    return out


def one_way_ns(row):
    v = ir.num(row, "one_way_p50_ns")
    return v if v > 0 else ir.num(row, "rtt_p50_ns") / 2


def line_floor_note(pp):
    """The fastest transport's one-way p50 at the smallest message against the
    cache-line floor of the same run and placement, as the latency figure
    draws it ('' when the folder has none)."""
    pp = [r for r in pp if one_way_ns(r) > 0]
    if not pp:
        return ""
    s0 = min(ir.column(pp, "buf_size"))
    best = min((r for r in pp if ir.num(r, "buf_size") == s0), key=one_way_ns)
    floor = ir.line_floor_ns(ir.select(pp, pin=best.get("pin", "")))
    if not math.isfinite(floor):
        return ""
    pair = ir.line_floor_ns(ir.select(pp, pin=best.get("pin", "")), pair=True)
    return ("At %s the fastest ping-pong, `%s`, takes %s one way (p50%s): %.2g× the "
            "cache-line floor of the same run, %s one way (one cache line bounced between the "
            "same two CPUs: what the hardware alone costs)%s." % (
                ir.fmt_size(s0), best["transport"], ir.fmt_ns(one_way_ns(best)),
                ", flagged unstable: read with care" if best.get("flag") else "",
                one_way_ns(best) / floor, ir.fmt_ns(floor),
                "" if not math.isfinite(pair) else
                "; two lines, one each way - the least a ping-pong over two one-way channels "
                "moves - took %s one way, %.2g× the line, so the transport ran at %.2g× them"
                % (ir.fmt_ns(pair), pair / floor, one_way_ns(best) / pair)))


def best_worst(rows, size, key, low_is_best=False):
    at = [r for r in rows if ir.num(r, "buf_size") == size and ir.num(r, key) > 0]
    if len(at) < 2:
        return None
    at.sort(key=lambda r: ir.num(r, key), reverse=not low_is_best)
    return at[0], at[-1]


def summary(res):
    """At most five sentences, each a takeaway with its numbers from this
    folder and the figure that shows it.  Flagged points are not used."""
    out = []
    rows = compare_rows(res)
    if rows:
        sizes = sorted(set(ir.column(rows, "buf_size")))
        big = best_worst(rows, sizes[-1], "bytes_per_s_median")
        if big:
            b, w = big
            bv, wv = ir.num(b, "bytes_per_s_median"), ir.num(w, "bytes_per_s_median")
            out.append("At the largest BUF_SIZE (%s) `%s` moves the most, %s, and `%s` the "
                       "least, %s (%s less; throughput figure)."
                       % (ir.fmt_size(sizes[-1]), b["transport"], ir.fmt_rate(bv),
                          w["transport"], ir.fmt_rate(wv), times(bv / wv)))
        top = max(rows, key=lambda r: ir.num(r, "bytes_per_s_median")
                  if math.isfinite(ir.num(r, "bytes_per_s_median")) else -1)
        fr = ir.num(top, "floor_ratio")
        if (not big or top is not big[0]) and ir.num(top, "bytes_per_s_median") > 0:
            txt = ("The highest throughput is `%s`'s %s at %s"
                   % (top["transport"], ir.fmt_rate(ir.num(top, "bytes_per_s_median")),
                      ir.fmt_size(ir.num(top, "buf_size"))))
            if fr > 1 and top.get("access", "") in ("copy", "") and copies(top["transport"]) == 2 \
                    and two_cpus(top.get("pin", "")) and fr <= 2:
                txt += (", %s of the memcpy floor: above it because the writer's and the "
                        "reader's copies overlap on two CPUs" % pct(fr))
            elif math.isfinite(fr):
                txt += ", %s of the memcpy floor" % pct(fr)
            out.append(txt + " (throughput figure).")
        small = best_worst(rows, sizes[0], "ns_per_block", low_is_best=True)
        if small:
            b, w = small
            bv, wv = ir.num(b, "ns_per_block"), ir.num(w, "ns_per_block")
            txt = ("At the smallest BUF_SIZE (%s) one handoff takes from %s (`%s`) to %s (`%s`), "
                   "%s apart" % (ir.fmt_size(sizes[0]), ir.fmt_ns(bv), b["transport"],
                                 ir.fmt_ns(wv), w["transport"], times(wv / bv)))
            fl = ir.num(b, "floor_bytes_per_s")
            if fl > 0:
                txt += (", while copying its %s at the memcpy floor takes %s: the handoff, "
                        "not the bytes, sets the pace" % (ir.fmt_size(sizes[0]),
                                                          ir.fmt_ns(sizes[0] / fl * 1e9)))
            out.append(txt + " (context-switch figure).")
            at0 = [r for r in rows if ir.num(r, "buf_size") == sizes[0]]
            sw = lambda r: max(ir.num(r, "writer_vcsw_per_block"),  # noqa: E731
                               ir.num(r, "reader_vcsw_per_block"))
            sleepy = [r for r in at0 if sw(r) > 0.5 and math.isfinite(ir.num(r, "ns_per_block"))]
            awake = [r for r in at0 if sw(r) < 0.1 and math.isfinite(ir.num(r, "ns_per_block"))]
            if sleepy and awake:
                def rng(rs):
                    v = [ir.num(r, "ns_per_block") for r in rs]
                    a, z = ir.fmt_ns(min(v)), ir.fmt_ns(max(v))
                    return a if a == z else "%s–%s" % (a, z)
                names = ", ".join("`%s`" % r["transport"] for r in sleepy)
                out.append("There a transport that sleeps on most handoffs (%s: more than one "
                           "voluntary context switch per two handoffs) takes %s per handoff, "
                           "one that sleeps on fewer than one in ten (%d transports) %s: a "
                           "sleep and wake-up is the expensive part of a handoff "
                           "(context-switch figure)." % (names, rng(sleepy), len(awake),
                                                         rng(awake)))
    pp = stable(ir.baseline(ir.select(res.summary, mode="pingpong", status="ok")))
    pp = [r for r in pp if ir.num(r, "rtt_p50_ns") > 0]
    if pp and len(out) < 5:
        s0 = min(ir.column(pp, "buf_size"))
        bw = best_worst(pp, s0, "rtt_p50_ns", low_is_best=True)
        if bw:
            b, w = bw
            out.append("In ping-pong at %s `%s` has the lowest round trip, p50 %s "
                       "(one way ≈ %s), and `%s` the highest, p50 %s (latency figure)."
                       % (ir.fmt_size(s0), b["transport"], ir.fmt_ns(ir.num(b, "rtt_p50_ns")),
                          ir.fmt_ns(ir.num(b, "rtt_p50_ns") / 2), w["transport"],
                          ir.fmt_ns(ir.num(w, "rtt_p50_ns"))))
            note = line_floor_note(pp)
            if note:
                out[-1] += " " + note
    return out[:5]


PASS_WORDS = {"pingpong": "ping-pong"}  # scripts/lab's pass folders, in words


def _drift_known(lv):
    return isinstance(lv, dict) and isinstance(lv.get("drift"), (int, float))


def drift_note(meta):
    """A sentence on how far the whole machine moved during the sweep (meta.json
    `level`), which every interval includes; [] when not recorded.  A folder
    merged from passes (`passes`, scripts/merge_passes.py) names each pass's."""
    meta = meta if isinstance(meta, dict) else {}
    passes = meta.get("passes")
    if isinstance(passes, dict) and len(passes) > 1:
        known = [(name, p["level"]) for name, p in passes.items()
                 if isinstance(p, dict) and _drift_known(p.get("level"))]
        if not known:
            return []
        parts = ["±%.1f %% in the %s pass (levels %.3f to %.3f over %s rounds)"
                 % (100 * lv["drift"], PASS_WORDS.get(name, name), lv.get("min", float("nan")),
                    lv.get("max", float("nan")), lv.get("rounds", "?"))
                 for name, lv in known]
        unknown = [PASS_WORDS.get(name, name) for name in passes if name not in dict(known)]
        return ["While the sweep ran, the machine as a whole moved from round to round by "
                + ", ".join(parts)
                + (" (too few points or rounds to tell in the %s pass)" % ", ".join(unknown)
                   if unknown else "")
                + ": each pass's intervals include its own drift, so a rerun on this machine "
                "in the same state should land inside them; a rerun after a larger change of "
                "the host may not."]
    lv = meta.get("level")
    if not _drift_known(lv):
        return []
    return ["While the sweep ran, the machine as a whole moved by ±%.1f %% from round to "
            "round (the rounds' levels, each point's speed over its median speed, from %.3f to "
            "%.3f, over %s rounds): every interval includes that drift, so a rerun on this machine in the "
            "same state should land inside it; a rerun after a larger change of the host "
            "may not." % (100 * lv["drift"], lv.get("min", float("nan")),
                          lv.get("max", float("nan")), lv.get("rounds", "?"))]


def trust(res):
    """How far to trust the numbers: flagged points named with their reason,
    and what the reading does with them."""
    ok = ir.select(res.summary, status="ok")
    if not any("flag" in r for r in res.summary):
        return ["This folder has no stability flags (it was written before ipclab flagged "
                "unstable points): judge each point's spread by its min–max band."], []
    bad = flagged(ok)
    drift = drift_note(res.meta)
    if not bad:
        return ["None of the %d measured points is flagged unstable." % len(ok)] + drift, []
    kinds = {}
    for r in bad:
        for k in (r.get("flag_kinds") or "").split("+"):
            if k:
                kinds[k] = kinds.get(k, 0) + 1
    out = ["%d of the %d measured points %s flagged unstable%s; they are drawn hollow in the "
           "figures, left out of the summary, the reading and the cost-model fit, and kept in "
           "the tables (marked)." % (
               len(bad), len(ok), "is" if len(bad) == 1 else "are",
               " (%s)" % ", ".join("%s: %d" % (k, n) for k, n in sorted(kinds.items()))
               if kinds else "")] + drift
    items = []
    for r in by_size(bad):
        items.append("`%s` %s %s%s: %s" % (
            r["transport"], r.get("mode", ""), ir.fmt_size(ir.num(r, "buf_size")),
            (" (%s)" % options_of(r)) if options_of(r) != "-" else "",
            (r.get("reason") or r.get("flag_kinds") or "no reason recorded").rstrip(".")))
    return out, items


def floor_note(rows):
    """One sentence naming the stream points above the memcpy floor, with why
    they can be; '' when there are none."""
    above = [r for r in rows if ir.num(r, "floor_ratio") > 1
             and r.get("access", "") in ("copy", "")]
    if not above:
        return ""
    names = ", ".join("`%s` %s (%s)" % (r["transport"], ir.fmt_size(ir.num(r, "buf_size")),
                                        pct(ir.num(r, "floor_ratio"))) for r in above)
    txt = ("%d point%s %s above the memcpy floor: %s. The floor makes the two copies (into "
           "the block and out of it) one after the other on one CPU; " % (
               len(above), "" if len(above) == 1 else "s",
               "is" if len(above) == 1 else "are", names))
    pins = set(r.get("pin", "") for r in above)
    if all(two_cpus(p) for p in pins):
        txt += "these ran with the writer and the reader on two CPUs, whose copies overlap"
    else:
        txt += "a transport whose two sides run on two CPUs at once overlaps them"
    txt += ", which allows up to twice the floor"
    once = sorted(set(r["transport"] for r in above if copies(r["transport"]) == 1))
    if once:
        txt += ", and %s copies each byte only once" % ", ".join("`%s`" % t for t in once)
    over = [r for r in above if ir.num(r, "floor_ratio") > 2 and copies(r["transport"]) != 1]
    if over:
        txt += ("; more than twice the floor (%s) is more than that explains: treat it with "
                "care" % ", ".join("`%s` %s" % (r["transport"],
                                                 ir.fmt_size(ir.num(r, "buf_size")))
                                   for r in over))
    return txt + "."


def skip_groups(res):
    """Skipped and failed points grouped by transport, status and reason
    (the reason without its leading '--buf-size N:' part)."""
    groups = {}
    for r in res.summary:
        if r.get("status") == "ok":
            continue
        reason = re.sub(r"^--[a-z-]+ [^:]*: ", "", r.get("reason", "") or "no reason recorded")
        key = (r["transport"], r.get("status", ""), reason)
        groups.setdefault(key, []).append(r)
    out = []
    for (t, status, reason), rs in groups.items():
        modes = []
        for m in ir.unique(rs, "mode"):
            sizes = ", ".join(ir.fmt_size(ir.num(r, "buf_size"))
                              for r in ir.sorted_by_size(ir.select(rs, mode=m)))
            modes.append("%s %s" % (m, sizes))
        out.append([t, status, "; ".join(modes), reason])
    return out


def reading_memory(res):
    """Populate / huge pages: throughput ratio and faults, per transport."""
    rows = [r for r in stable(ir.select(res.summary, mode="stream", status="ok"))
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


def flag_cell(r):
    f = ir.flag_of(r)
    if not f:
        return "-"
    k = r.get("flag_kinds") if isinstance(r.get("flag_kinds"), str) else ""
    return "%s (%s)" % (f, k) if k else f


def with_flags(head, out, align, rows):
    """Add a flag column to a table when the folder has flags."""
    if any("flag" in r for r in rows):
        head = head + ["flag"]
        out = [o + [flag_cell(r)] for o, r in zip(out, rows)]
        align = align + ["l"]
    return head, out, align


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
    return with_flags(head, out, ["l", "r", "l", "l", "r", "r", "r", "r", "r", "r", "r"], rows)


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
    return with_flags(head, out, ["l", "r", "l", "l", "r", "r", "r", "r", "r", "r"], rows)


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
    folder = os.path.basename(os.path.normpath(os.path.abspath(res.path)))
    title = "ipclab report: %s" % folder
    doc.h(1, title)
    line = "%s." % ir.title_context(meta)
    rid = str(meta.get("run_id") or "")
    if rid and rid != folder:
        line += " The sweep's run id is `%s`." % rid
    doc.p(line)
    if meta.get("command_line"):
        doc.code(str(meta["command_line"]))

    doc.h(2, "Summary")
    doc.ul(summary(res) or ["No stream or ping-pong point with status ok to summarize."])

    doc.h(2, "How far to trust these numbers")
    paras, items = trust(res)
    for t in paras:
        doc.p(t)
    if items:
        if len(items) > 6:
            doc.details("The %d flagged points and why" % len(items))
            doc.ul(items)
            doc.end_details()
        else:
            doc.ul(items)
    skips = skip_groups(res)
    nbad = sum(1 for r in res.summary if r.get("status") != "ok")
    if skips:
        doc.p("%d point%s did not run (%d reason%s; appendix D): %s." % (
            nbad, "" if nbad == 1 else "s", len(skips), "" if len(skips) == 1 else "s",
            "; ".join("`%s` %s" % (g[0], g[2]) for g in skips)))
    doc.p("Rates are decimal (1 GB/s = 10⁹ bytes/s), sizes binary (1 KiB = 1024 bytes). "
          "Every sentence is generated from the numbers in this folder.")

    fits = ir.cost_model(stable(res.summary))
    plotdir = os.path.join(res.path, "plots")

    def figure(name):
        p = os.path.join(plotdir, name + ".png")
        if os.path.exists(p):
            doc.img("plots/%s.png" % name, p, CAPTIONS[name])
        elif name in notes:
            doc.p("*No %s figure: %s.*" % (name, notes[name]))

    doc.h(2, "Throughput")
    figure("throughput")
    note = floor_note(ir.baseline(ir.select(res.summary, mode="stream", status="ok")))
    if note:
        doc.p(note)

    doc.h(2, "Cost model")
    doc.p("time = bytes · c_byte + handoffs · c_handoff, fitted without intercept over "
          "each transport's stable BUF_SIZE points (stream, copy, default memory options; points "
          "flagged unstable are left out) by least squares on the relative miss, as `ipclab "
          "model` does. The crossover BUF_SIZE = c_handoff / c_byte is where a handoff costs "
          "as much as the bytes it carries. Also in plots/costmodel.csv; appendix A reads it "
          "transport by transport.")
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
    # Beside the figure, which draws flagged points hollow: all of them.
    note = line_floor_note(ir.baseline(ir.select(res.summary, mode="pingpong", status="ok")))
    if note:
        doc.p(note)
    mem = reading_memory(res)
    if mem or "memory" not in notes:
        doc.h(2, "Huge pages and populate")
        figure("memory")
        doc.ul(mem)

    doc.h(2, "Appendix")
    doc.details("A. Reading, transport by transport")
    per = transport_reading(res, fits)
    if per:
        doc.ul(" ".join(sents) for _, sents in per)
    else:
        doc.p("No transport has stream points to read.")
    doc.end_details()
    stream = by_size(ir.select(res.summary, mode="stream", status="ok"))
    if stream:
        doc.details("B. Stream points (%d)" % len(stream))
        if floor_note(stream):
            doc.p("'of floor' above 100%: see the note under the throughput figure.")
        h, rows, al = stream_table(stream)
        doc.table(h, rows, al)
        doc.end_details()
    pp = by_size(ir.select(res.summary, mode="pingpong", status="ok"))
    if pp:
        doc.details("C. Ping-pong points (%d)" % len(pp))
        h, rows, al = pingpong_table(pp)
        doc.table(h, rows, al)
        doc.end_details()
    doc.details("D. Skipped and failed points (%d)" % nbad)
    if skips:
        doc.table(["transport", "status", "points", "reason"], skips, ["l", "l", "l", "l"])
    else:
        doc.p("None: every point ran.")
    doc.end_details()
    doc.details("E. Machine")
    doc.table(["", ""], machine_table(meta), ["l", "l"])
    lim = meta.get("limits")
    if isinstance(lim, dict) and lim:
        doc.p("Limits: " + ", ".join("%s = %s" % (k, v) for k, v in lim.items()) + ".")
    doc.end_details()
    doc.p("report.md links the figures relatively (plots/*.png); report.html embeds them "
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
