"""The cost model has one fit (ipclab_results.fit_cost_model) and one path to
every output: `ipclab model` runs scripts/model.py, plot.py's costmodel.csv
and the report call the same function.  Numbers from the committed fixture
sweep (tests/fixtures/sweep-small): pinned to what the C fit of `ipclab model`
printed before it was replaced, and recomputed here by numpy's own least
squares on the relative miss."""

import csv
import io

import numpy as np
import pytest

from conftest import FIXTURE, ipclab_bin, run, run_script

import ipclab_results as ir

# (transport, populate): (c_byte_ns, c_handoff_ns), as `ipclab model --csv`
# printed them from the fixture when the fit was C (bench/analysis/model.c).
PINNED = {
    ("pshm-sem", "off"): (0.340659, 63064.9),
    ("pshm-sem", "on"): (-0.0545888, 69448.5),
    ("pipe", "n/a"): (0.789536, 618.559),
    ("unix-stream", "n/a"): (0.491669, 1707.2),
    ("posix-mq", "n/a"): (0.176897, 1536.06),
}


def model_csv(text):
    return {(r["transport"], r["populate"]): r for r in csv.DictReader(io.StringIO(text))}


def lstsq_relative(pts):
    """c_byte, c_handoff minimising sum(((t - bytes*a - handoffs*b) / t)^2)."""
    x, y, t = (ir.column(pts, c) for c in ("total_bytes", "blocks", "wall_ns_median"))
    (a, b), *_ = np.linalg.lstsq(np.column_stack([x / t, y / t]), np.ones(len(t)), rcond=None)
    return a, b


def test_model_numbers_on_fixture():
    p = run_script("model.py", "--csv", FIXTURE)
    assert p.returncode == 0, p.stderr
    got = model_csv(p.stdout)
    assert set(got) == set(PINNED)
    summary = ir.load(FIXTURE).summary
    for (t, pop), (cb, ch) in PINNED.items():
        r = got[(t, pop)]
        assert float(r["c_byte_ns"]) == pytest.approx(cb, rel=1e-5)
        assert float(r["c_handoff_ns"]) == pytest.approx(ch, rel=1e-5)
        pts = ir.select(summary, transport=t, populate=pop, mode="stream", status="ok")
        a, b = lstsq_relative(pts)
        assert float(r["c_byte_ns"]) == pytest.approx(a, rel=1e-5)
        assert float(r["c_handoff_ns"]) == pytest.approx(b, rel=1e-5)
    # the negative byte cost of pshm-sem with populate on is warned
    assert "c_byte = -0.0546 ns/B is negative" in p.stderr
    # the table says the same
    p = run_script("model.py", FIXTURE)
    assert p.returncode == 0
    assert any(l.split()[:4] == ["pipe", "copy", "none", "3"] and "0.79 ns/B" in l
               for l in p.stdout.splitlines())


def test_plots_and_binary_use_the_same_fit(sweep):
    p = run_script("model.py", "--csv", sweep)
    assert p.returncode == 0, p.stderr
    text = p.stdout
    model = model_csv(text)
    p = run_script("plot.py", sweep, "--only", "costmodel")
    assert p.returncode == 0, p.stderr
    with open(str(sweep / "plots" / "costmodel.csv"), newline="") as f:
        plotted = list(csv.DictReader(f))
    assert plotted
    for r in plotted:  # the plots fit the default memory options
        pop = "off" if r["transport"] == "pshm-sem" else "n/a"
        m = model[(r["transport"], pop)]
        assert float(r["c_byte_ns"]) == pytest.approx(float(m["c_byte_ns"]), rel=1e-5)
        assert float(r["c_handoff_ns"]) == pytest.approx(float(m["c_handoff_ns"]), rel=1e-5)
        assert float(r["floor_gb_per_s"]) * 1e9 == pytest.approx(
            float(m["floor_bytes_per_s"]), rel=1e-5)
    binary = ipclab_bin()
    if binary:  # `ipclab model` is this script, byte for byte
        b = run([binary, "model", "--csv", str(sweep)])
        assert b.returncode == 0, b.stderr
        assert b.stdout == text


def test_model_errors(tmp_path):
    p = run_script("model.py", tmp_path)
    assert p.returncode == 2
    assert p.stderr == "ipclab: model: %s/summary.csv: no such file\n" % tmp_path
    (tmp_path / "summary.csv").write_text(
        "transport,mode,status,buf_size,total_bytes,blocks,wall_ns_median\n"
        "pipe,stream,ok,64,6400,100,0\n")
    p = run_script("model.py", tmp_path)
    assert p.returncode == 2
    assert p.stderr.endswith("summary.csv:2: column wall_ns_median: 0 is too small "
                             "(at least 1 expected)\n")
    (tmp_path / "summary.csv").write_text(
        "transport,mode,status,buf_size,total_bytes,blocks,wall_ns_median\n"
        "pipe,stream,ok,64,6400,100,1000\n")
    p = run_script("model.py", tmp_path)
    assert p.returncode == 1
    assert "needs two or more BUF_SIZEs to fit" in p.stdout
    assert "has ok stream points at two or more BUF_SIZEs" in p.stderr


def test_more_pairs_are_left_out_and_said(tmp_path):
    """A sweep over --pairs: the model is fitted at the fewest pairs (the
    cost of one channel), the same numbers as without the other rows."""
    with open(f"{FIXTURE}/summary.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    path = tmp_path / "summary.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]) + ["pairs"], lineterminator="\n")
        w.writeheader()
        for pairs in (2, 1):
            for r in rows:
                w.writerow(dict(r, pairs=pairs))
    p = run_script("model.py", "--csv", path)
    assert p.returncode == 0, p.stderr
    base = run_script("model.py", "--csv", FIXTURE)
    assert p.stdout == base.stdout
    n = sum(1 for r in rows if r["mode"] == "stream" and r["status"] == "ok")
    assert "%d point(s) with more than 1 pair(s) at once were left out" % n in p.stderr
