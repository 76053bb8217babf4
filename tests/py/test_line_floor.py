"""Ping-pong figures draw the cache-line floor of the same run (summary.csv
line_rtt_ns_median, the canary measured before each point pinned to two CPUs)
beside the latencies, as the throughput figure draws the memcpy floor, and
the report sets the fastest one-way p50 against it.  The committed fixture is
schema 1 (no canary), so the tests add the column to a copy."""

import csv
import shutil

import pytest

from conftest import FIXTURE, run_script

import ipclab_results as ir
import plot


def with_canary(tmp_path, rtt_ns="140", pair_ns=None):
    dst = tmp_path / "pp"
    shutil.copytree(FIXTURE, str(dst), ignore=shutil.ignore_patterns("plots", "report.*"))
    path = dst / "summary.csv"
    extra = ["line_rtt_ns_median"] + (["line_pair_rtt_ns_median"] if pair_ns else [])
    with open(str(path), newline="") as f:
        r = csv.DictReader(f)
        header, rows = r.fieldnames + extra, list(r)
    for row in rows:
        row["line_rtt_ns_median"] = rtt_ns if row["mode"] == "pingpong" else ""
        if pair_ns:
            row["line_pair_rtt_ns_median"] = pair_ns if row["mode"] == "pingpong" else ""
    with open(str(path), "w", newline="") as f:
        w = csv.DictWriter(f, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return dst


def latency_figure(folder, monkeypatch, tmp_path):
    """fig_latency's figure, caught before it is closed."""
    caught = []
    monkeypatch.setattr(plot, "save", lambda fig, outdir, name: caught.append(fig) or [])
    plot.fig_latency(ir.load(str(folder)), str(tmp_path))
    return caught[0]


def figure_text(fig):
    """The titles and footnote, unwrapped."""
    return " ".join(" ".join(t.get_text() for t in fig.texts).split())


def floor_segments(ax):
    return [l for l in ax.get_lines()
            if l.get_color() == ir.FLOOR_COLOR and l.get_linestyle() == "--"]


def test_latency_figure_draws_the_line_floor(tmp_path, monkeypatch):
    fig = latency_figure(with_canary(tmp_path), monkeypatch, tmp_path)
    labels = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert any(l.startswith("cache-line floor, ") and l.endswith(" one way") for l in labels)
    panels = [ax for ax in fig.axes if ax.get_title().startswith("message")]
    assert panels and all(floor_segments(ax) for ax in panels)
    assert "cache-line floor of the same run" in figure_text(fig)


def test_latency_figure_and_report_draw_the_two_line_floor(tmp_path, monkeypatch):
    folder = with_canary(tmp_path, "140", "280")
    fig = latency_figure(folder, monkeypatch, tmp_path)
    labels = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert "cache-line floor, 70 ns one way" in labels
    assert "two lines, one each way, 140 ns one way" in labels
    panels = [ax for ax in fig.axes if ax.get_title().startswith("message")]
    for ax in panels:  # every row of every panel: both floors, at their round trips
        xs = sorted({l.get_xdata()[0] for l in floor_segments(ax)})
        assert xs == [140.0, 280.0]
    assert "line_pair_rtt_ns_median" in figure_text(fig)
    p = run_script("report.py", folder)
    assert p.returncode == 0, p.stderr
    md = (folder / "report.md").read_text()
    assert "two lines, one each way" in md and "took 140 ns one way, 2× the line" in md


def test_latency_figure_says_when_there_is_no_floor(tmp_path, monkeypatch):
    fig = latency_figure(FIXTURE, monkeypatch, tmp_path)
    labels = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert not any("cache-line floor" in l for l in labels)
    assert not any(floor_segments(ax) for ax in fig.axes)
    assert "No cache-line floor" in figure_text(fig)


def test_report_sets_the_fastest_one_way_against_the_floor(tmp_path):
    folder = with_canary(tmp_path)
    p = run_script("report.py", folder)
    assert p.returncode == 0, p.stderr
    html = (folder / "report.html").read_text()
    assert "the cache-line floor of the same run" in html
    assert "× the cache-line floor" in (folder / "report.md").read_text()
    assert (folder / "plots" / "latency.png").stat().st_size > 1000


@pytest.mark.parametrize("column", ["line_rtt_ns_median", "line_rtt_ns"])
def test_line_floor_is_half_the_round_trip(column):
    rows = [{column: 100.0}, {column: 140.0}, {column: float("nan")}]
    assert ir.line_floor_ns(rows) == 60.0
    assert ir.line_floor_ns([{"other": 1.0}]) != ir.line_floor_ns([{"other": 1.0}])  # NaN
