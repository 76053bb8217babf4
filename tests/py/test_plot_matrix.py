"""scripts/plot_matrix.py on synthetic matrix.csv files: the grid (ping-pong
mirrored, stream not), the medians per relation, the PNG and SVG written, and
`fatal:` with exit 1 for a missing or empty file; plus a heatmap of a fake
matrix that `ipclab matrix` wrote for a fixture machine, when the binary is
built."""

import csv
import math
import os

from conftest import REPO, ipclab_bin, run, run_script

import plot_matrix as pm

HEADER = ["writer_cpu", "reader_cpu", "pin_relation", "transport", "mode", "buf_size",
          "reps", "one_way_p50_ns", "rtt_p99_ns", "bytes_per_s", "line_rtt_ns_median", "flag",
          "status", "reason"]


def write(path, mode, cells):
    """cells: (writer, reader, relation, value, status)."""
    with open(str(path), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for a, b, rel, v, st in cells:
            pp = mode == "pingpong"
            w.writerow([a, b, rel, "shm-futex", mode, 64, 3, v if pp else "", "",
                        "" if pp else v, "", "", st, ""])


def assert_png(path):
    with open(str(path), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(str(path)) > 1000


def test_pingpong_grid_is_mirrored(tmp_path):
    write(tmp_path / "matrix.csv", "pingpong",
          [(0, 0, "same", 150, "ok"), (0, 1, "smt", 60, "ok"), (0, 2, "core", 200, "ok"),
           (1, 1, "same", 160, "ok"), (1, 2, "core", 210, "error"), (2, 2, "same", 170, "ok")])
    rows, mode = pm.load(str(tmp_path))
    assert mode == "pingpong" and len(rows) == 5  # the error row is left out
    cpus, m = pm.grid(rows, mode)
    assert cpus == [0, 1, 2]
    assert m[0, 1] == 60 and m[1, 0] == 60 and m[2, 0] == 200
    assert math.isnan(m[1, 2]) and math.isnan(m[2, 1])
    assert pm.by_relation(rows, mode) == [("same", 160), ("smt", 60), ("core", 200)]
    r = run_script("plot_matrix.py", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert_png(tmp_path / "matrix.png")
    assert os.path.getsize(str(tmp_path / "matrix.svg")) > 1000


def test_stream_grid_keeps_direction(tmp_path):
    write(tmp_path / "m.csv", "stream",
          [(0, 1, "core", 5e9, "ok"), (1, 0, "core", 3e9, "ok"), (0, 0, "same", 9e9, "fake")])
    rows, mode = pm.load(str(tmp_path / "m.csv"))
    cpus, m = pm.grid(rows, mode)
    assert m[0, 1] == 5e9 and m[1, 0] == 3e9 and math.isnan(m[1, 1])
    r = run_script("plot_matrix.py", str(tmp_path / "m.csv"), "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert_png(tmp_path / "out.png")


def test_fatal(tmp_path):
    r = run_script("plot_matrix.py", str(tmp_path / "nope"))
    assert r.returncode == 1 and r.stderr.startswith("fatal:") and "Traceback" not in r.stderr
    write(tmp_path / "matrix.csv", "pingpong", [(0, 0, "same", "", "skipped")])
    r = run_script("plot_matrix.py", str(tmp_path))
    assert r.returncode == 1 and "no measured cell" in r.stderr


def test_fake_matrix_of_a_fixture_machine(tmp_path):
    b = ipclab_bin()
    if not b:
        import pytest
        pytest.skip("ipclab is not built")
    env = dict(os.environ, IPCLAB_MATRIX_FAKE="1", IPCLAB_ALLOWED_CPUS="0-31",
               IPCLAB_SYSFS_ROOT=os.path.join(REPO, "tests/fixtures/topology/1s-16c-4ccx"))
    r = run([b, "matrix", "-t", "shm-futex", "--budget", "40", "-o", str(tmp_path)], env=env)
    assert r.returncode == 0, r.stderr
    rows, mode = pm.load(str(tmp_path))
    rel = dict(pm.by_relation(rows, mode))
    assert rel["smt"] < rel["core"] < rel["llc"]  # the fake values per relation
    r = run_script("plot_matrix.py", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert_png(tmp_path / "matrix.png")
