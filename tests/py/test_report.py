"""report.py: sentences true by construction (each false sentence of the old
reading has a fixture here where it would appear), the summary, stability
flags (a copy of the fixture with the schema-2 flag columns added to a few
rows), grouped skip reasons, and report.html rendered in headless Chromium.
"""

import csv
import math
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import FIXTURE, run, run_script

import ipclab_results as ir
import report


def row(transport, size, wv, rv, ns, bps=math.nan, floor=math.nan, pin="split", **kw):
    r = {"transport": transport, "mode": "stream", "access": "copy", "status": "ok",
         "pin": pin, "buf_size": float(size), "writer_vcsw_per_block": wv,
         "reader_vcsw_per_block": rv, "ns_per_block": ns, "bytes_per_s_median": bps,
         "floor_bytes_per_s": floor,
         "floor_ratio": bps / floor if floor == floor and bps == bps else math.nan}
    r.update(kw)
    return r


def fit(transport, cb=0.1, ch=1000.0, floor=math.nan, note="", points=5, r2=0.99):
    return {"transport": transport, "pin": "split", "c_byte_ns": cb, "c_handoff_ns": ch,
            "c_handoff_us": ch / 1e3, "c_byte_gb_per_s": 1 / cb, "floor_gb_per_s": floor,
            "r2": r2, "points": points, "note": note, "buf_size_min": 16.0,
            "buf_size_max": 4096.0, "crossover_bytes": ch / cb}


def read(e, pts):
    return " ".join(report.reading_transport(e, pts))


# ---------------------------------------------------------------- true sentences


def test_kernel_buffer_is_said_only_of_transports_that_have_one():
    """The old reading said 'the kernel buffers let the writer run ahead' of
    shm-futex, which has no kernel buffer."""
    few = [row("shm-futex", 16, 1.6e-6, 2.5e-6, 71.4), row("shm-futex", 4096, 1e-5, 1e-5, 200)]
    txt = read(fit("shm-futex"), few)
    assert "kernel" not in txt and "ring" in txt and "Fewer than one handoff in ten" in txt
    pipe = [row("pipe", 16, 2e-5, 6e-4, 524), row("pipe", 4096, 1e-3, 1e-3, 900)]
    assert "the kernel buffer lets the writer run ahead" in read(fit("pipe"), pipe)
    # one shared buffer: the writer cannot run ahead, whatever the counts say
    sem = [row("pshm-sem", 16, 0.01, 0.02, 900), row("pshm-sem", 4096, 0.01, 0.01, 900)]
    txt = read(fit("pshm-sem"), sem)
    assert "cannot let the writer run ahead" in txt and "kernel" not in txt
    sem = [row("pshm-sem", 16, 0.99, 1.0, 69e3), row("pshm-sem", 4096, 0.99, 1.0, 70e3)]
    assert "take turns" in read(fit("pshm-sem"), sem)
    # a plugin: no property is claimed
    txt = read(fit("student-ring"), [row("student-ring", 16, 0.01, 0.01, 100),
                                     row("student-ring", 4096, 0.01, 0.01, 100)])
    assert "kernel" not in txt and "ring of" not in txt and "Fewer than one" in txt


def test_poor_fit_blames_switches_only_when_they_change():
    """The old reading said posix-mq 'fits poorly because switches go from
    0.081/0.081 ... to 0.081/0.08' (no change)."""
    pts = [row("posix-mq", 16, 0.081, 0.081, 1400), row("posix-mq", 4096, 0.081, 0.08, 2000)]
    txt = read(fit("posix-mq", note="poor fit (R² < 0.9)", r2=0.7), pts)
    assert "poorly" in txt and "stay about the same" in txt and "change with it" not in txt
    pts = [row("tcp-loopback", 16, 0.0, 0.22, 7e3), row("tcp-loopback", 4096, 0.024, 3.9, 4e4)]
    txt = read(fit("tcp-loopback", note="poor fit (R² < 0.9)", r2=0.63), pts)
    assert "change with it" in txt and "stay about the same" not in txt


def test_rates_above_the_floor_are_explained():
    """The old reading let '43.2 GB/s for the bytes alone; the memcpy floor ...
    11.6 GB/s' pass without comment."""
    pts = [row("shm-eventfd", 16, 0.12, 0.13, 9.7e3), row("shm-eventfd", 4096, 0.1, 0.1, 1e4)]
    e = fit("shm-eventfd", cb=1 / 43.2, ch=8000.0, floor=11.6)
    txt = read(e, pts)
    assert "43.2 GB/s for the bytes alone" in txt
    assert "above the memcpy floor (372% of it)" in txt
    assert "two CPUs" in txt and "more than it explains" in txt
    # within 2x on two CPUs: the overlap explains it, no warning
    txt = read(fit("shm-futex", cb=1 / 26.4, ch=58.0, floor=13.5),
               [row("shm-futex", 16, 0, 0, 71), row("shm-futex", 4096, 0, 0, 200)])
    assert "run at the same time on two CPUs" in txt and "with care" not in txt
    # one CPU: the copies cannot overlap
    txt = report.above_floor("pipe", "same", 1.3, "It")
    assert "cannot overlap" in txt
    # a point above the floor, for a transport that copies once
    best = row("pipe-vmsplice", 4096, 0.001, 0.001, 800, bps=20e9, floor=15e9)
    txt = read(fit("pipe-vmsplice"), [row("pipe-vmsplice", 16, 0.001, 0.001, 800), best])
    assert "copies each byte once" in txt


def test_floor_note_names_points_above_the_floor():
    rows = [row("shm-futex", 4096, 0, 0, 100, bps=28e9, floor=16e9),
            row("shm-eventfd", 4096, 0, 0, 100, bps=40e9, floor=16e9),
            row("pipe", 4096, 0, 0, 100, bps=5e9, floor=16e9)]
    txt = report.floor_note(rows)
    assert txt.startswith("2 points are above the memcpy floor: `shm-futex` 4 KiB (175%)")
    assert "two CPUs" in txt and "`shm-eventfd` 4 KiB) is more than that explains" in txt
    assert "`pipe`" not in txt
    assert report.floor_note(rows[2:]) == ""


# ---------------------------------------------------------------- the report


def add_flags(folder, which):
    """Add the schema-2 columns flag, flag_kinds, reason to summary.csv and
    flag the rows picked by which(row)."""
    path = os.path.join(str(folder), "summary.csv")
    with open(path, newline="") as f:
        rd = csv.DictReader(f)
        header, rows = list(rd.fieldnames), list(rd)
    header += ["flag", "flag_kinds"]
    flagged = []
    for r in rows:
        r["flag"] = r["flag_kinds"] = ""
        if r["status"] == "ok" and which(r):
            r.update(flag="unstable", flag_kinds="spread+canary",
                     reason="rounds disagree (max/min 1.9) and the cache-line probe changed "
                            "state during the rounds")
            flagged.append(r)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return flagged


def flag_pipe_4k(r):
    return r["transport"] == "pipe" and r["buf_size"] == "4096"


def test_report_structure_on_the_fixture(sweep):
    p = run_script("report.py", sweep)
    assert p.returncode == 0, p.stderr
    md = (sweep / "report.md").read_text()
    html = (sweep / "report.html").read_text()
    # the title names the folder
    assert md.startswith("# ipclab report: %s\n" % os.path.basename(str(sweep)))
    # a summary of at most five sentences comes first, each with a number
    head = md.split("## Summary", 1)[1].split("\n## ", 1)[0]
    items = [l for l in head.splitlines() if l.startswith("- ")]
    assert 1 <= len(items) <= 5
    assert all(re.search(r"\d", it) and it.rstrip().endswith(".") for it in items)
    assert md.index("## Summary") < md.index("## Throughput")
    # per-transport text and tables are collapsed in the appendix
    assert html.count("<details>") >= 3 and "A. Reading, transport by transport" in html
    app = md.split("## Appendix", 1)[1]
    assert "voluntary context switches per handoff at BUF_SIZE" in app
    assert "voluntary context switches per handoff at BUF_SIZE" not in md.split("## Appendix")[0]
    # schema 1: no flags, and the report says so
    assert "no stability flags" in md


def test_flagged_points(sweep, tmp_path):
    flagged = add_flags(sweep, flag_pipe_4k)
    assert flagged
    res = ir.load(str(sweep))
    # the cost model is fitted without them
    fits = {e["transport"]: e for e in ir.cost_model(report.stable(res.summary))}
    assert fits["pipe"]["points"] == 1 + 1  # 64 B and 64 KiB remain
    p = run_script("report.py", sweep)
    assert p.returncode == 0, p.stderr
    md = (sweep / "report.md").read_text()
    trust = md.split("## How far to trust these numbers", 1)[1].split("\n## ", 1)[0]
    n_ok = sum(1 for r in res.summary if r["status"] == "ok")
    assert "%d of the %d measured points are flagged unstable" % (len(flagged), n_ok) in trust \
        or "1 of the %d measured points is flagged unstable" % n_ok in trust
    assert "spread: %d" % len(flagged) in trust and "cache-line probe changed" in trust
    assert "left out of the summary, the reading and the cost-model fit" in trust
    assert "`pipe` stream 4 KiB" in trust
    # the tables mark them; the reading names them as left out
    assert "unstable (spread+canary)" in md
    assert re.search(r"`pipe` .*flagged unstable \(BUF_SIZE 4 KiB\)", md)
    # the summary does not use them
    summ = md.split("## Summary", 1)[1].split("\n## ", 1)[0]
    r4 = next(r for r in res.summary if r["transport"] == "pipe" and r["buf_size"] == 4096
              and r["mode"] == "stream")
    assert ir.fmt_rate(r4["bytes_per_s_median"]) not in summ
    # and every figure still draws, with the flag legend entry
    out = tmp_path / "plots"
    p = run_script("plot.py", sweep, "-o", out)
    assert p.returncode == 0, p.stderr
    for name in ("throughput", "ctxsw", "cputime", "latency", "costmodel"):
        assert (out / (name + ".png")).exists(), name
    assert "unstable point" in (out / "throughput.svg").read_text()
    assert "unstable point" in (out / "latency.svg").read_text()


def test_v2_columns_without_flags(sweep):
    add_flags(sweep, lambda r: False)
    p = run_script("report.py", sweep)
    assert p.returncode == 0, p.stderr
    md = (sweep / "report.md").read_text()
    assert "None of the" in md and "is flagged unstable" in md


# ---------------------------------------------------------------- in a browser


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def test_report_html_renders_in_chromium(sweep, tmp_path):
    """The HTML report as a reader sees it: rendered by headless Chromium, the
    screenshot exists and is not blank (it holds text and figures)."""
    browser = chromium()
    if not browser:
        pytest.skip("chromium not installed (Debian: apt-get install chromium): "
                    "report.html not rendered")
    from PIL import Image
    p = run_script("report.py", sweep)
    assert p.returncode == 0, p.stderr
    shot = tmp_path / "report.png"
    profile = tempfile.mkdtemp(dir=str(tmp_path))
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--user-data-dir=" + profile, "--screenshot=" + str(shot),
            "--window-size=1200,3000", "file://" + str(sweep / "report.html")]
    try:
        p = run(args, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("chromium did not finish rendering report.html in 120 s")
    assert p.returncode == 0 and shot.exists(), p.stderr[-2000:]
    img = Image.open(str(shot)).convert("RGB")
    assert img.size == (1200, 3000)
    px = list(img.getdata())
    assert len(set(px)) > 50, "blank screenshot"
    ink = sum(1 for c in px if sum(c) < 400)
    assert ink > 0.005 * len(px), "no text or figure in the screenshot"


@pytest.mark.parametrize("gp", ["throughput.gp", "ctxsw.gp"])
def test_gnuplot_draws_flagged_folder(sweep, tmp_path, gp):
    """Schema-2 columns with a flagged point: the gnuplot scripts draw it
    (throughput.gp rings it and names it in the key)."""
    if not shutil.which("gnuplot"):
        pytest.skip("gnuplot not installed (Debian: gnuplot-nox)")
    add_flags(sweep, flag_pipe_4k)
    out = tmp_path / (gp + ".png")
    p = run(["gnuplot", "-c", os.path.join(os.path.dirname(report.__file__), "gp", gp),
             str(sweep), str(out)])
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert out.exists() and os.path.getsize(str(out)) > 1000
