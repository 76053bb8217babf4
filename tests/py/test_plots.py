"""The plotting, comparison and report scripts on the committed small results
folder (tests/fixtures/sweep-small, a real `ipclab sweep`), plus the cost-model
fit on synthetic data with known constants, the gnuplot scripts and the
failure paths (a bad folder must give one `ipclab: SCRIPT: ...` line and exit 2,
never a traceback).
"""

import csv
import json
import math
import os
import re
import shutil

import numpy as np
import pytest

from conftest import FIXTURE, SCRIPTS, run, run_script

import ipclab_results as ir

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FIGURES = ("throughput", "ctxsw", "cputime", "latency", "memory", "costmodel")


def read_rows(path):
    with open(str(path), newline="") as f:
        r = csv.DictReader(f)
        return r.fieldnames, list(r)


def write_rows(path, header, rows):
    with open(str(path), "w", newline="") as f:
        w = csv.DictWriter(f, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def assert_png(path):
    assert os.path.getsize(str(path)) > 1000, path
    with open(str(path), "rb") as f:
        assert f.read(8) == PNG_MAGIC, path


def assert_svg(path):
    assert os.path.getsize(str(path)) > 1000, path
    with open(str(path)) as f:
        assert "<svg" in f.read(4096), path


def ok_transports(folder, mode=None):
    _, rows = read_rows(os.path.join(str(folder), "summary.csv"))
    return sorted(set(r["transport"] for r in rows if r["status"] == "ok"
                      and (mode is None or r["mode"] == mode)))


# ---------------------------------------------------------------- the fixture


def test_fixture_is_a_results_folder():
    for name in ("runs.csv", "summary.csv", "meta.json"):
        assert os.path.exists(os.path.join(FIXTURE, name)), name
    res = ir.load(FIXTURE)
    assert res.summary and res.runs
    assert res.meta.get("run_id")
    # the fixture exercises every figure and the skipped-row listing
    modes = set(r["mode"] for r in res.summary)
    assert modes == {"stream", "pingpong"}
    assert len(set((r["populate"], r["hugepages"]) for r in res.summary
                   if r["hugepages"] != "n/a")) >= 2
    assert any(r["status"] == "skipped" and r["reason"] for r in res.summary)
    size = sum(os.path.getsize(os.path.join(FIXTURE, f)) for f in os.listdir(FIXTURE))
    assert size < 200 * 1024


def test_loader_empty_cells_and_types():
    res = ir.load(FIXTURE)
    stream = ir.select(res.summary, mode="stream", status="ok")
    pp = ir.select(res.summary, mode="pingpong", status="ok")
    # streams carry no round-trip times: the empty cells load as NaN
    assert all(math.isnan(r["rtt_p50_ns"]) for r in stream)
    assert all(r["rtt_p50_ns"] > 0 for r in pp)
    assert all(isinstance(r["buf_size"], float) for r in res.summary)
    assert all(isinstance(r["hugepages"], str) for r in res.summary)
    col = ir.column(res.summary, "bytes_per_s_median")
    assert col.dtype == np.float64 and len(col) == len(res.summary)
    skipped = ir.select(res.summary, status="skipped")
    assert all(math.isnan(r["bytes_per_s_median"]) for r in skipped)
    timed = [r for r in res.runs if r["warmup"] == 0]
    warm = [r for r in res.runs if r["warmup"] == 1]
    assert timed and warm


# ---------------------------------------------------------------- plot.py


@pytest.fixture(scope="module")
def plotted(tmp_path_factory):
    """The fixture with every figure drawn once by plot.py (drawing is the slow
    part, so the tests below share it; they copy it before changing it)."""
    d = tmp_path_factory.mktemp("plotted") / "sweep-small"
    shutil.copytree(FIXTURE, str(d), ignore=shutil.ignore_patterns("plots", "report.*"))
    out = d / "figures"
    p = run_script("plot.py", d, "-o", out)
    shutil.copytree(str(out), str(d / "plots"))
    return d, p


def test_plot_writes_every_figure(plotted):
    d, p = plotted
    out = d / "figures"
    assert p.returncode == 0, p.stderr
    for name in FIGURES:
        assert_png(out / (name + ".png"))
        assert_svg(out / (name + ".svg"))
        assert str(out / (name + ".png")) in p.stdout
    header, rows = read_rows(out / "costmodel.csv")
    assert header == list(ir.COSTMODEL_COLUMNS)
    assert sorted(r["transport"] for r in rows) == ok_transports(d, "stream")


def test_plot_default_outdir_is_dir_plots(sweep):
    p = run_script("plot.py", sweep, "--only", "throughput")
    assert p.returncode == 0, p.stderr
    assert_png(sweep / "plots" / "throughput.png")
    assert not (sweep / "plots" / "ctxsw.png").exists()


def test_plot_skips_figures_without_data(sweep, tmp_path):
    """A folder with only default-memory stream rows: no latency, no memory figure."""
    header, rows = read_rows(sweep / "summary.csv")
    keep = [r for r in rows if r["mode"] == "stream" and r["populate"] in ("off", "n/a")]
    write_rows(sweep / "summary.csv", header, keep)
    out = tmp_path / "out"
    p = run_script("plot.py", sweep, "-o", out, "--only", "throughput,latency,memory")
    assert p.returncode == 0, p.stderr
    assert "note: latency skipped" in p.stderr and "pingpong" in p.stderr
    assert "note: memory skipped" in p.stderr
    assert not (out / "latency.png").exists() and not (out / "memory.png").exists()
    assert_png(out / "throughput.png")


def test_plot_unknown_figure_is_fatal(sweep):
    p = run_script("plot.py", sweep, "--only", "nosuch")
    assert p.returncode == 1 and p.stderr.startswith("fatal:")


# ---------------------------------------------------------------- bad input


def bad_folders(tmp_path):
    """Folders a user might hand the scripts by mistake."""
    empty = tmp_path / "empty"
    empty.mkdir()
    header_only = tmp_path / "header-only"
    header_only.mkdir()
    header, rows = read_rows(os.path.join(FIXTURE, "summary.csv"))
    write_rows(header_only / "summary.csv", header, [])
    all_skipped = tmp_path / "all-skipped"
    all_skipped.mkdir()
    write_rows(all_skipped / "summary.csv", header,
               [r for r in rows if r["status"] != "ok"])
    wrong = tmp_path / "wrong-csv"
    wrong.mkdir()
    (wrong / "summary.csv").write_text("a,b\n1,2\n")
    return {"missing": tmp_path / "no-such-dir", "empty": empty, "header-only": header_only,
            "all-skipped": all_skipped, "wrong-csv": wrong}


@pytest.mark.parametrize("kind", ["missing", "empty", "header-only", "all-skipped", "wrong-csv"])
@pytest.mark.parametrize("script", ["plot", "report", "compare"])
def test_bad_folder_is_fatal(tmp_path, capsys, kind, script):
    """In-process (fast): main() exits 2 with one `ipclab: SCRIPT:` line naming the folder."""
    folder = bad_folders(tmp_path)[kind]
    mod = __import__(script)
    args = [str(folder)] if script != "compare" else [FIXTURE, str(folder), "-o",
                                                      str(tmp_path / "c")]
    with pytest.raises(SystemExit) as e:
        mod.main(args)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("ipclab: %s: " % script) and str(folder) in err, err


@pytest.mark.parametrize("script", ["plot.py", "report.py", "compare.py"])
def test_bad_folder_from_the_command_line(tmp_path, script):
    """As a user runs it: exit 2, `ipclab: SCRIPT:`, no traceback."""
    args = [tmp_path / "nope"] if script != "compare.py" else [FIXTURE, tmp_path / "nope"]
    p = run_script(script, *args)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert p.stderr.startswith("ipclab: %s: " % script[:-3]) and "Traceback" not in p.stderr


def test_plot_hyperfine_bad_input_is_fatal(tmp_path):
    p = run_script("plot_hyperfine.py", tmp_path)
    err = "ipclab: plot_hyperfine: "
    assert p.returncode == 2 and p.stderr.startswith(err) and "Traceback" not in p.stderr
    bad = tmp_path / "x.json"
    bad.write_text("{\"not\": \"hyperfine\"}")
    p = run_script("plot_hyperfine.py", bad)
    assert p.returncode == 2 and p.stderr.startswith(err) and "Traceback" not in p.stderr


# ---------------------------------------------------------------- cost model


C_BYTE, C_HANDOFF = 0.25, 3000.0  # ns per byte, ns per handoff


def synthetic_rows(header, template, c_byte, c_handoff, sizes, transport):
    rows = []
    for i, b in enumerate(sizes):
        r = dict(template)
        total = 1000003 * (i + 1)  # not a multiple of b: blocks*b != total
        blocks = -(-total // b)
        r.update(transport=transport, mode="stream", access="copy", status="ok", reason="",
                 buf_size=str(b), total_bytes=str(total), blocks=str(blocks),
                 populate="n/a", hugepages="n/a", pin="split",
                 wall_ns_median=repr(total * c_byte + blocks * c_handoff))
        rows.append(r)
    return rows


def test_cost_model_recovers_known_constants(tmp_path):
    header, rows = read_rows(os.path.join(FIXTURE, "summary.csv"))
    template = next(r for r in rows if r["status"] == "ok" and r["mode"] == "stream")
    sizes = [16, 64, 256, 4096, 65536, 1 << 20]
    syn = (synthetic_rows(header, template, C_BYTE, C_HANDOFF, sizes, "pshm-sem") +
           synthetic_rows(header, template, 0.1, 20000.0, sizes, "my-plugin"))
    folder = tmp_path / "synthetic"
    folder.mkdir()
    write_rows(folder / "summary.csv", header, syn)

    fits = {e["transport"]: e for e in ir.cost_model(ir.load(str(folder)).summary)}
    assert fits["pshm-sem"]["c_byte_ns"] == pytest.approx(C_BYTE, rel=1e-9)
    assert fits["pshm-sem"]["c_handoff_ns"] == pytest.approx(C_HANDOFF, rel=1e-9)
    assert fits["pshm-sem"]["r2"] == pytest.approx(1.0, abs=1e-12)
    assert fits["pshm-sem"]["crossover_bytes"] == pytest.approx(C_HANDOFF / C_BYTE, rel=1e-9)
    assert fits["my-plugin"]["c_handoff_ns"] == pytest.approx(20000.0, rel=1e-9)

    # the same numbers reach costmodel.csv through plot.py
    p = run_script("plot.py", folder, "--only", "costmodel")
    assert p.returncode == 0, p.stderr
    _, out = read_rows(folder / "plots" / "costmodel.csv")
    row = next(r for r in out if r["transport"] == "pshm-sem")
    assert float(row["c_byte_ns"]) == pytest.approx(C_BYTE, rel=1e-5)
    assert float(row["c_handoff_us"]) == pytest.approx(C_HANDOFF / 1e3, rel=1e-5)
    assert float(row["c_byte_gb_per_s"]) == pytest.approx(1 / C_BYTE, rel=1e-5)


def test_cost_model_fit_edge_cases():
    x = np.array([1e3, 1e5, 1e7, 1e9])
    y = x / np.array([16.0, 4096.0, 65536.0, 1 << 20])
    noise = np.array([1.0, -1.0, 1.0, -1.0]) * 1e3
    f = ir.fit_cost_model(x, y, x * 0.5 + y * 1e4 + noise)
    assert f["c_byte_ns"] == pytest.approx(0.5, rel=1e-3)
    assert 0.99 < f["r2"] < 1.0
    # one BUF_SIZE only: bytes/handoffs constant, the costs cannot be separated
    assert ir.fit_cost_model(x, x / 64, x) is None
    assert ir.fit_cost_model([1.0], [1.0], [1.0]) is None
    assert ir.fit_cost_model([1.0, 2.0], [1.0, float("nan")], [1.0, 2.0]) is None
    # a flat time per byte: R^2 undefined, reported as NaN, coefficients fitted
    f = ir.fit_cost_model([1.0, 2.0, 4.0], [3.0, 1.0, 1.0], [2.0, 4.0, 8.0])
    assert f is not None and math.isnan(f["r2"])
    # times and byte counts must be positive
    assert ir.fit_cost_model([1.0, 2.0], [2.0, 1.0], [1.0, 0.0]) is None


def test_cost_model_relative_fit_on_min_time_sweep():
    """Every point lasts ~50 ms (a --min-time sweep) with +-3% noise: the
    relative fit recovers the costs, as bench/analysis/model.c's does."""
    rng = np.random.default_rng(42)
    sizes = 16.0 * 4.0 ** np.arange(9)
    per = 0.1 * sizes + 3000.0
    y = np.floor(50e6 / per)
    x = y * sizes
    t = (0.1 * x + 3000.0 * y) * (1 + rng.uniform(-0.03, 0.03, len(x)))
    f = ir.fit_cost_model(x, y, t)
    assert f["c_byte_ns"] == pytest.approx(0.1, abs=0.01)
    assert f["c_handoff_ns"] == pytest.approx(3000.0, abs=150)
    assert f["r2"] > 0.99 and f["max_rel_err"] < 0.06


# ---------------------------------------------------------------- colours


def test_transport_colours_are_stable_and_distinct():
    known = ir.TRANSPORT_COLORS
    for name in ("pshm-sem", "pshm-pipe", "pipe", "sysv-shm", "unix-stream", "unix-seqpacket",
                 "fifo", "posix-mq", "sysv-msg", "shm-futex", "shm-eventfd", "pipe-vmsplice",
                 "tcp-loopback", "memfd"):
        assert name in known
    assert len(set(known.values())) == len(known)
    assert not set(known.values()) & set(ir.FALLBACK_COLORS)
    c = ir.transport_color("student-ring")
    assert c in ir.FALLBACK_COLORS and c == ir.transport_color("student-ring")


def test_transport_table_is_the_only_copy():
    """scripts/transports.csv is read by ipclab_results and by the gnuplot
    scripts: no colour is written anywhere else."""
    with open(os.path.join(SCRIPTS, "transports.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["transport"]: r["color"] for r in rows if r["transport"] != "*"} == \
        ir.TRANSPORT_COLORS
    for gp in ("throughput.gp", "ctxsw.gp", "common.gp"):
        text = open(os.path.join(SCRIPTS, "gp", gp)).read()
        assert set(re.findall(r"#[0-9a-fA-F]{6}", text)) <= {"#555555", "#dddddd"}, gp
    assert "transports.csv" in open(os.path.join(SCRIPTS, "gp", "common.gp")).read()
    # the CSV parser of the .gp files is written once, in common.gp
    for gp in ("throughput.gp", "ctxsw.gp"):
        assert "function csv(" not in open(os.path.join(SCRIPTS, "gp", gp)).read()


def test_every_built_in_transport_has_its_row(tmp_path):
    """Each transport `ipclab list` prints has its own row in transports.csv
    (family, colour, marker), so no built-in is drawn as a plugin."""
    import conftest
    b = conftest.ipclab_bin()
    if not b:
        pytest.skip("no ipclab binary built")
    p = conftest.run([b, "list"])
    names = [ln.split()[0] for ln in p.stdout.splitlines()[1:] if ln.strip()]
    assert len(names) >= 14, p.stdout
    with open(os.path.join(SCRIPTS, "transports.csv"), newline="") as f:
        listed = {r["transport"] for r in csv.DictReader(f)}
    assert set(names) <= listed, set(names) - listed


def test_families_give_markers_and_distinct_colours():
    fam = {}
    for t in ir.TRANSPORTS:
        fam.setdefault(ir.transport_family(t), []).append(t)
    assert set(fam["ring"]) == {"pshm-pipe", "memfd", "shm-futex", "shm-eventfd", "shm-spin"}
    assert set(fam["alternation"]) == {"pshm-sem", "sysv-shm"}
    assert set(fam["mq"]) == {"posix-mq", "sysv-msg"}
    styles = set()
    for f, names in fam.items():
        cols = [ir.transport_color(t) for t in names]
        assert len(set(cols)) == len(cols), f
        st = set(ir.transport_style(t)[1:] for t in names)
        assert len(st) == 1, f  # one marker and dash per family
        styles |= st
    assert len(styles) == len(fam)  # and a different one for each family


def test_size_labels_are_binary():
    assert [ir.fmt_size(v) for v in (16, 1024, 1536, 1 << 20, 10000, 3 << 30)] == \
        ["16 B", "1 KiB", "1.5 KiB", "1 MiB", "10000 B", "3 GiB"]


# ---------------------------------------------------------------- gnuplot


@pytest.mark.parametrize("gp", ["throughput.gp", "ctxsw.gp"])
def test_gnuplot_scripts_draw_the_fixture(sweep, tmp_path, gp):
    if not shutil.which("gnuplot"):
        pytest.skip("gnuplot not installed (Debian: gnuplot-nox)")
    out = tmp_path / (gp + ".png")
    p = run(["gnuplot", "-c", os.path.join(SCRIPTS, "gp", gp), str(sweep), str(out)])
    assert p.returncode == 0, p.stderr
    assert_png(out)
    assert p.stdout.strip() == str(out)
    # default output: DIR/plots/NAME-gp.png
    p = run(["gnuplot", "-c", os.path.join(SCRIPTS, "gp", gp), str(sweep)])
    assert p.returncode == 0, p.stderr
    assert_png(sweep / "plots" / gp.replace(".gp", "-gp.png"))


@pytest.mark.parametrize("gp", ["throughput.gp", "ctxsw.gp"])
def test_gnuplot_bad_folder_is_fatal(tmp_path, gp):
    if not shutil.which("gnuplot"):
        pytest.skip("gnuplot not installed (Debian: gnuplot-nox)")
    p = run(["gnuplot", "-c", os.path.join(SCRIPTS, "gp", gp), str(tmp_path / "nope")])
    assert p.returncode == 1
    assert "fatal:" in p.stderr and "summary.csv" in p.stderr


# compare.py: tests/py/test_compare.py


# ---------------------------------------------------------------- report.py


def test_report_md_and_html(plotted, tmp_path):
    sweep = tmp_path / "r"
    shutil.copytree(str(plotted[0]), str(sweep))
    p = run_script("report.py", sweep)
    assert p.returncode == 0, p.stderr
    md = (sweep / "report.md").read_text()
    html = (sweep / "report.html").read_text()
    for t in ok_transports(sweep):
        assert t in md and t in html
    for text in (md, html):
        assert not re.search(r"\bnan\b", text, re.I)
        assert "Traceback" not in text
    # md links the figures, html embeds them
    assert "](plots/throughput.png)" in md
    srcs = re.findall(r'<img[^>]*src="([^"]*)"', html)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    meta = json.load(open(str(sweep / "meta.json")))
    assert meta["cpu_model"] in md
    # every skipped or failed configuration is listed with its reason, the
    # repeated reasons once per transport (without their '--buf-size N:' part)
    _, rows = read_rows(sweep / "summary.csv")
    for r in rows:
        if r["status"] != "ok":
            reason = r["reason"].split(": ", 1)[1]
            assert md.count(reason) == 1, reason
            assert ir.fmt_size(float(r["buf_size"])) in md
    # the reading is computed: it quotes the fitted handoff cost of a transport
    fit = next(e for e in ir.cost_model(ir.load(str(sweep)).summary)
               if math.isfinite(e["c_handoff_us"]))
    assert "c_handoff = %s µs" % ir.fmt_num(fit["c_handoff_us"]) in md


def test_report_draws_only_missing_plots(plotted, tmp_path):
    sweep = tmp_path / "r"
    shutil.copytree(str(plotted[0]), str(sweep))
    missing = sweep / "plots" / "cputime.png"
    missing.unlink()
    kept = sweep / "plots" / "throughput.png"
    before = os.path.getmtime(str(kept))
    p = run_script("report.py", sweep)
    assert p.returncode == 0, p.stderr
    assert os.path.getmtime(str(kept)) == before
    assert_png(missing)
    assert "](plots/cputime.png)" in (sweep / "report.md").read_text()
