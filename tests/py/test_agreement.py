"""scripts/agreement.py, the two-run measurement behind docs/methodology.md:
agreement within the tolerance, disagreements accounted for by a flag or by
canaries that differ, interval coverage both ways, a shift of the whole
machine named, and unreadable input refused with exit 2."""

import csv
import json
import os

from conftest import run_script

COLUMNS = ("transport", "mode", "access", "buf_size", "populate", "hugepages", "pin",
           "bytes_per_s_median", "bytes_per_s_ci_lo", "bytes_per_s_ci_hi",
           "one_way_p50_ns", "one_way_p50_ns_ci_lo", "one_way_p50_ns_ci_hi",
           "line_rtt_ns_median", "speed_ns_median", "flag", "flag_kinds", "status")


def folder(path, points):
    """points: {(transport, mode, size): (median, lo, hi, line, flag)}."""
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for (t, mode, size), (med, lo, hi, line, flag) in points.items():
            fig = [med, lo, hi, "", "", ""] if mode == "stream" else ["", "", "", med, lo, hi]
            w.writerow([t, mode, "copy", size, "off", "off", "split"] + fig
                       + [line, 5000, flag, "wide" if flag else "", "ok"])
    return path


def lines(p):
    return {ln.split(":")[0]: ln for ln in p.stdout.splitlines()}


def test_counts_agreement_flags_canaries_and_coverage(tmp_path):
    sizes = (64, 256, 1024, 4096)
    a = {("pipe", "stream", s): (1e9, 0.95e9, 1.05e9, 400, "") for s in sizes}
    b = dict(a)
    b[("pipe", "stream", 64)] = (1.5e9, 1.4e9, 1.6e9, 400, "unstable")  # flagged
    b[("pipe", "stream", 256)] = (0.5e9, 0.45e9, 0.55e9, 60, "")        # line moved
    b[("pipe", "stream", 1024)] = (1.02e9, 1.0e9, 1.04e9, 400, "")      # agrees, inside
    p = run_script("agreement.py", folder(str(tmp_path / "a"), a),
                   folder(str(tmp_path / "b"), b))
    assert p.returncode == 0, p.stderr
    out = lines(p)
    assert out["points in both"].endswith("4")
    assert "2 (50%)" in out["medians within +-10%"]
    assert ("disagreements: 2; flagged unstable in A or B: 1; not flagged but the "
            "canaries differ (host in another state): 1; accounted for: 100%") \
        in p.stdout
    # A's intervals hold B's medians at 1024 and 4096; B's hold A's there too
    # (1024's [1.0, 1.04] takes A's 1.0 at its end), not at 64 or 256
    assert "A's interval holds B's median: 2 of 4 (50%); B's holds A's: 2 (50%)" \
        in p.stdout
    assert "whole machine" not in p.stdout


def test_a_line_probe_of_another_version_is_not_compared(tmp_path):
    sizes = (64, 256)
    a = {("pipe", "stream", s): (1e9, 0.95e9, 1.05e9, 400, "") for s in sizes}
    b = {k: (0.5e9, 0.45e9, 0.55e9, 60, "") for k in a}  # the line moved
    fa, fb = folder(str(tmp_path / "a"), a), folder(str(tmp_path / "b"), b)
    for path, version in ((fa, 1), (fb, 2)):
        with open(os.path.join(path, "meta.json"), "w") as f:
            json.dump({"canaries": {"speed_probe": 1, "line_probe": version}}, f)
    p = run_script("agreement.py", fa, fb)
    assert p.returncode == 0, p.stderr
    assert "measured the cache-line probe with different versions" in p.stdout
    assert "the canaries differ (host in another state): 0;" in p.stdout


def test_a_shift_of_the_whole_machine_is_named(tmp_path):
    sizes = (64, 256, 1024, 4096, 16384, 65536)
    a = {("pipe", "pingpong", s): (10000.0, 9900, 10100, 400, "") for s in sizes}
    b = {k: (v[0] / 1.15, v[1] / 1.15, v[2] / 1.15, 400, "") for k, v in a.items()}
    p = run_script("agreement.py", folder(str(tmp_path / "a"), a),
                   folder(str(tmp_path / "b"), b))
    assert p.returncode == 0, p.stderr
    assert ("the whole machine moved (pingpong): 6 of 6 points faster in B, "
            "median speed ratio B/A 1.150") in p.stdout


def test_unreadable_input_is_exit_2(tmp_path):
    a = folder(str(tmp_path / "a"), {("pipe", "stream", 64): (1e9, 1e9, 1e9, 400, "")})
    bad = tmp_path / "b"
    bad.mkdir()
    (bad / "summary.csv").write_text("transport,mode\npipe,stream\n")
    p = run_script("agreement.py", a, str(bad))
    assert p.returncode == 2 and p.stderr.startswith("agreement: ")
    assert "Traceback" not in p.stderr
    p = run_script("agreement.py", a, str(tmp_path / "missing"))
    assert p.returncode == 2 and "Traceback" not in p.stderr
