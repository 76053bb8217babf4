"""scripts/compare.py: the significance test and interval, the verdicts on
synthetic folders (a real 2x difference found, noise shown as `~`), several
folders with a baseline, the reference against a fresh sweep, and malformed
input (exit 2 with FILE:LINE, never a traceback) through the shared reader.
"""

import csv
import itertools
import json
import math
import os
import shutil

import numpy as np
import pytest

from conftest import FIXTURE, REPO, ipclab_bin, run, run_script

import compare
import ipclab_results as ir

RUNS_HEADER = ("schema_version", "run_id", "transport", "mode", "access", "buf_size",
               "populate", "hugepages", "pin", "rep", "round", "warmup", "wall_ns",
               "bytes_per_s", "one_way_p50_ns", "status", "reason")
SUMMARY_HEADER = ("schema_version", "run_id", "transport", "mode", "access", "buf_size",
                  "populate", "hugepages", "pin", "rounds", "bytes_per_s_median",
                  "one_way_p50_ns", "flag", "flag_kinds", "status", "reason")


def make_folder(path, points, run_id="r1", host="vm", flags=None):
    """A schema-2 results folder: points maps (transport, mode, buf_size) to
    the list of per-round figures (bytes/s for stream, ns for pingpong);
    flags maps the same keys to 'unstable'.  One warm-up row per point."""
    os.makedirs(path, exist_ok=True)
    flags = flags or {}
    with open(os.path.join(path, "runs.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(RUNS_HEADER)
        for (t, mode, size), vals in points.items():
            for i, v in enumerate([vals[0]] + list(vals)):
                warm = int(i == 0)
                fig = ("%.6g" % v, "") if mode == "stream" else ("", "%.6g" % v)
                w.writerow([2, run_id, t, mode, "copy", size, "off", "off", "split", i,
                            0 if warm else i, warm, 1000000] + list(fig) + ["ok", ""])
    with open(os.path.join(path, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(SUMMARY_HEADER)
        for (t, mode, size), vals in points.items():
            med = "%.6g" % float(np.median(vals))
            fig = (med, "") if mode == "stream" else ("", med)
            fl = flags.get((t, mode, size), "")
            w.writerow([2, run_id, t, mode, "copy", size, "off", "off", "split", len(vals)]
                       + list(fig) + [fl, "spread" if fl else "", "ok",
                                      "rounds disagree" if fl else ""])
    with open(os.path.join(path, "meta.json"), "w") as f:
        json.dump({"schema_version": 2, "run_id": run_id, "host": host, "cpus_online": 2,
                   "complete": True}, f)
    return path


def noisy(center, n, rel, seed):
    rng = np.random.default_rng(seed)
    return list(center * (1 + rel * rng.standard_normal(n)))


def read_csv(path):
    with open(str(path), newline="") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------- statistics


def exact_p(a, b):
    """Two-sided permutation p of U by enumerating every split (mid-ranks)."""
    both = np.concatenate([a, b])
    n1 = len(a)
    u_obs, _ = compare.mann_whitney(a, b)
    center = n1 * len(b) / 2.0
    count = total = 0
    for idx in itertools.combinations(range(len(both)), n1):
        rest = [i for i in range(len(both)) if i not in idx]
        u, _ = compare.mann_whitney(both[list(idx)], both[rest])
        total += 1
        count += abs(u - center) >= abs(u_obs - center) - 1e-9
    return count / total


def test_u_distribution_counts_every_ordering():
    for n1, n2 in ((1, 1), (3, 3), (4, 7), (8, 8)):
        c = compare._u_counts(n1, n2)
        assert len(c) == n1 * n2 + 1 and sum(c) == math.comb(n1 + n2, n1)
        assert c == c[::-1] and all(x > 0 for x in c)


@pytest.mark.parametrize("n1,n2,seed", [(3, 3, 1), (4, 5, 2), (6, 2, 3), (5, 5, 4)])
def test_exact_p_matches_enumeration(n1, n2, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 1, n1)
    b = rng.normal(0.8, 1, n2)
    _, p = compare.mann_whitney(a, b)
    assert p == pytest.approx(exact_p(a, b), abs=1e-12)
    assert compare.mann_whitney(b, a)[1] == pytest.approx(p)


def test_tied_samples_use_the_corrected_normal_approximation():
    # Ties (ping-pong medians come from a bucketed histogram): the normal
    # approximation must stay close to the exact permutation p.
    a = np.array([10, 10, 11, 12, 12, 13.0])
    b = np.array([12, 13, 13, 14, 14, 15.0])
    _, p = compare.mann_whitney(a, b)
    assert 0 < p < 0.05
    assert p == pytest.approx(exact_p(a, b), abs=0.02)
    assert compare.mann_whitney([5, 5, 5], [5, 5, 5])[1] == 1.0


def test_smallest_p_of_three_rounds_is_a_tenth():
    assert compare.min_p(3, 3) == pytest.approx(0.1)
    assert compare.mann_whitney([1, 2, 3], [4, 5, 6])[1] == pytest.approx(0.1)
    assert compare.min_p(5, 5) < 0.05


def test_bootstrap_interval_is_seeded_and_holds_the_ratio():
    a, b = noisy(100, 9, 0.05, 1), noisy(200, 9, 0.05, 2)
    lo, hi = compare.bootstrap_ratio(a, b, seed=7)
    assert (lo, hi) == compare.bootstrap_ratio(a, b, seed=7)
    r = np.median(b) / np.median(a)
    assert lo <= r <= hi and 1.5 < lo and hi < 2.5


# ---------------------------------------------------------------- verdicts


def cmp_run(tmp_path, *args):
    out = tmp_path / "out"
    p = run_script("compare.py", *args, "-o", out, "--csv", out / "c.csv")
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    return p, read_csv(out / "c.csv"), out


def test_real_2x_difference_is_significant_and_noise_is_tilde(tmp_path):
    pts_a = {("pipe", "stream", 4096): noisy(1e9, 8, 0.03, 1),
             ("pipe", "stream", 65536): noisy(2e9, 8, 0.03, 2),
             ("pipe", "pingpong", 4096): noisy(20000, 8, 0.03, 3)}
    pts_b = {("pipe", "stream", 4096): noisy(2e9, 8, 0.03, 4),      # 2x faster
             ("pipe", "stream", 65536): noisy(2e9, 8, 0.03, 5),     # noise only
             ("pipe", "pingpong", 4096): noisy(40000, 8, 0.03, 6)}  # 2x slower
    a = make_folder(str(tmp_path / "a"), pts_a, "ra")
    b = make_folder(str(tmp_path / "b"), pts_b, "rb")
    p, rows, out = cmp_run(tmp_path, a, b)
    by = {(r["mode"], r["buf_size"]): r for r in rows}
    fast = by[("stream", "4096")]
    assert fast["verdict"] == "faster" and float(fast["p_value"]) < 0.05
    assert float(fast["ratio"]) == pytest.approx(2.0, rel=0.1)
    assert 1 < float(fast["ratio_lo"]) <= float(fast["ratio"]) <= float(fast["ratio_hi"])
    assert by[("stream", "65536")]["verdict"] == "~"
    slow = by[("pingpong", "4096")]
    assert slow["verdict"] == "slower" and float(slow["ratio"]) > 1.5
    assert "faster" in p.stdout and "slower" in p.stdout and " ~ " in p.stdout
    # the same input gives the same output (seeded bootstrap)
    first = (out / "c.csv").read_text()
    cmp_run(tmp_path, a, b)
    assert (out / "c.csv").read_text() == first


def test_a_shift_of_the_whole_machine_is_named(tmp_path):
    # Every ping-pong point 15 % faster, the streams unchanged: the note names
    # the ping-pong pass only; one point 2x faster among steady ones is no
    # machine shift.
    sizes = (64, 256, 1024, 4096, 16384, 65536)
    pts_a, pts_b = {}, {}
    for i, s in enumerate(sizes):
        pts_a[("pipe", "pingpong", s)] = noisy(10000 + s, 8, 0.01, i)
        pts_b[("pipe", "pingpong", s)] = noisy((10000 + s) / 1.15, 8, 0.01, 50 + i)
        pts_a[("pipe", "stream", s)] = noisy(1e9, 8, 0.01, 100 + i)
        pts_b[("pipe", "stream", s)] = noisy(2e9 if s == 64 else 1e9, 8, 0.01, 150 + i)
    a = make_folder(str(tmp_path / "a"), pts_a, "ra")
    b = make_folder(str(tmp_path / "b"), pts_b, "rb")
    p, rows, _ = cmp_run(tmp_path, a, b)
    notes = [line for line in p.stdout.splitlines() if "whole machine moved" in line]
    assert len(notes) == 1, p.stdout
    assert "6 of 6 pingpong points are faster here" in notes[0]
    assert "median speed ratio 1.1" in notes[0]
    shifts = compare.machine_shift(compare.compare(
        compare.load_folders([a])[0], compare.load_folders([b])[0]))
    assert [s[0] for s in shifts] == ["pingpong"]
    assert shifts[0][1] == pytest.approx(1.15, rel=0.03)


def test_small_but_significant_difference_stays_below_the_threshold(tmp_path):
    pts_a = {("pipe", "stream", 4096): noisy(1e9, 10, 0.002, 1)}
    pts_b = {("pipe", "stream", 4096): noisy(1.03e9, 10, 0.002, 2)}
    a = make_folder(str(tmp_path / "a"), pts_a, "ra")
    b = make_folder(str(tmp_path / "b"), pts_b, "rb")
    _, rows, _ = cmp_run(tmp_path, a, b)
    assert float(rows[0]["p_value"]) < 0.05 and rows[0]["verdict"] == "~"
    _, rows, _ = cmp_run(tmp_path, a, b, "--threshold", "1%")
    assert rows[0]["verdict"] == "faster"
    _, rows, _ = cmp_run(tmp_path, a, b, "--threshold", "1", "--alpha", "0.00001")
    assert rows[0]["verdict"] == "~"


def test_many_folders_with_a_chosen_baseline_and_unstable_marks(tmp_path):
    key = ("shm-futex", "stream", 1 << 20)
    a = make_folder(str(tmp_path / "a"), {key: noisy(1e9, 6, 0.02, 1)}, "ra")
    b = make_folder(str(tmp_path / "b"), {key: noisy(2e9, 6, 0.02, 2)}, "rb",
                    flags={key: "unstable"})
    c = make_folder(str(tmp_path / "c"), {key: noisy(1e9, 6, 0.02, 3)}, "rc")
    p, rows, out = cmp_run(tmp_path, a, b, c, "--baseline", b)
    assert [r["folder"] for r in rows] == ["ra", "rc"]
    assert all(r["baseline"] == "rb" and r["baseline_flag"] == "unstable" for r in rows)
    assert all(r["verdict"] == "slower" for r in rows)
    assert "baseline: rb" in p.stdout and "!" in p.stdout and "unstable" in p.stdout
    assert (out / "compare.png").stat().st_size > 1000


def test_wide_ratios_draw_a_log_axis(tmp_path):
    """The crash of issue 12: ratios spanning more than 4x."""
    pts_a = {("pipe", "stream", s): noisy(1e9, 5, 0.02, s) for s in (16, 4096, 1 << 20)}
    pts_b = {("pipe", "stream", 16): noisy(1e8, 5, 0.02, 1),
             ("pipe", "stream", 4096): noisy(1e9, 5, 0.02, 2),
             ("pipe", "stream", 1 << 20): noisy(9e9, 5, 0.02, 3)}
    a = make_folder(str(tmp_path / "a"), pts_a, "ra")
    b = make_folder(str(tmp_path / "b"), pts_b, "rb")
    _, rows, out = cmp_run(tmp_path, a, b)
    assert len(rows) == 3
    with open(str(out / "compare.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_reference_against_a_fresh_sweep(tmp_path):
    """The README's command: results/reference (schema 1, reps as rows)
    against a small sweep made now; must not crash, matches by placement."""
    b = ipclab_bin()
    if not b:
        pytest.skip("no ipclab binary built")
    fresh = tmp_path / "fresh"
    r = run([b, "sweep", "-t", "pipe,pshm-sem", "-b", "4K,64K", "-m", "stream", "--pin",
             "split", "--reps", "3", "--min-time", "0.02", "--quiet", "-o", str(fresh)])
    assert r.returncode == 0, r.stderr
    p, rows, out = cmp_run(tmp_path, os.path.join(REPO, "results", "reference"), fresh)
    assert sorted(set(r["transport"] for r in rows)) == ["pipe", "pshm-sem"]
    # schema 1: reps as rounds; a schema-2 sweep may add rounds to wide points
    assert all(r["baseline_rounds"] == "3" and int(r["rounds"]) >= 3 for r in rows)
    if any(r["rounds"] == "3" for r in rows):
        assert "too few rounds" in p.stdout
    assert (out / "compare.png").stat().st_size > 1000


def test_no_common_point_says_which_column_differs(tmp_path):
    p = run_script("compare.py", os.path.join(REPO, "results", "reference"), FIXTURE,
                   "--no-plot")
    assert p.returncode == 0, p.stderr
    assert "no point in common" in p.stdout and "pin none here, split in the baseline" \
        in p.stdout


# ---------------------------------------------------------------- bad input


def corrupt(folder, name, line, fn):
    """Apply fn to line `line` (1-based) of folder/name."""
    path = os.path.join(str(folder), name)
    with open(path) as f:
        lines = f.read().split("\n")
    lines[line - 1] = fn(lines[line - 1])
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


def set_cell(folder, name, line, column, value):
    path = os.path.join(str(folder), name)
    with open(path) as f:
        header = f.readline().rstrip("\n").split(",")
    i = header.index(column)

    def fn(text):
        cells = next(csv.reader([text]))
        cells[i] = value
        return ",".join(cells)
    return corrupt(folder, name, line, fn)


def first_ok_line(folder, name, mode="stream", timed=True):
    with open(os.path.join(str(folder), name)) as f:
        for n, r in enumerate(csv.DictReader(f), start=2):
            if r["status"] == "ok" and r["mode"] == mode and \
                    (not timed or r.get("warmup", "0") == "0"):
                return n
    raise AssertionError("no ok row")


def damage(folder, kind):
    """Damage a copy of the fixture; returns the text the message must hold."""
    s, rn = "summary.csv", "runs.csv"
    sp, rp = os.path.join(str(folder), s), os.path.join(str(folder), rn)
    if kind == "truncated":
        with open(rp) as f:
            text = f.read()
        cut = text.index("\n", len(text) // 2) + 40
        with open(rp, "w") as f:
            f.write(text[:cut])
        return "%s:%d: " % (rp, text[:cut].count("\n") + 1)
    if kind == "truncated-at-line-end":
        with open(sp) as f:
            text = f.read()
        with open(sp, "w") as f:
            f.write(text[:-1])
        return "%s:%d: the last line ends without a newline" % (sp, text.count("\n"))
    if kind == "renamed-column":
        corrupt(folder, s, 1, lambda h: h.replace(",status,", ",state,"))
        return "%s:1: missing column(s) status" % sp
    if kind == "not-a-number":
        n = first_ok_line(folder, s)
        set_cell(folder, s, n, "bytes_per_s_median", "abc")
        return "%s:%d: column bytes_per_s_median: 'abc' is not a number" % (sp, n)
    if kind == "negative":
        n = first_ok_line(folder, rn)
        set_cell(folder, rn, n, "bytes_per_s", "-5e8")
        return "%s:%d: column bytes_per_s: -5e8 is negative" % (rp, n)
    if kind == "nan":
        n = first_ok_line(folder, rn, "pingpong")
        set_cell(folder, rn, n, "one_way_p50_ns", "nan")
        return "%s:%d: column one_way_p50_ns: 'nan' is not a number" % (rp, n)
    if kind == "empty-figure":
        n = first_ok_line(folder, rn)
        set_cell(folder, rn, n, "bytes_per_s", "")
        return "%s:%d: column bytes_per_s: empty or zero on an ok stream row" % (rp, n)
    if kind == "huge":
        n = first_ok_line(folder, s)
        set_cell(folder, s, n, "wall_ns_median", "1e300")
        return "%s:%d: column wall_ns_median: 1e300 is out of range" % (sp, n)
    if kind == "bad-status":
        n = first_ok_line(folder, s)
        set_cell(folder, s, n, "status", "fine")
        return "%s:%d: column status: 'fine' is not one of" % (sp, n)
    if kind == "duplicate-point":
        n = first_ok_line(folder, s)
        with open(sp) as f:
            lines = f.read().split("\n")
        lines.insert(len(lines) - 1, lines[n - 1])
        with open(sp, "w") as f:
            f.write("\n".join(lines))
        return "%s:%d: the same point as line %d" % (sp, len(lines) - 1, n)
    mp = os.path.join(str(folder), "meta.json")
    if kind == "meta-not-json":
        with open(mp, "w") as f:
            f.write('{\n  "run_id": "x",\n  "host": ,\n}\n')
        return "%s:3: column 11: not valid JSON" % mp
    if kind == "meta-list":
        with open(mp, "w") as f:
            f.write("[1, 2]\n")
        return "%s:1: expected a JSON object" % mp
    if kind == "meta-type":
        with open(mp) as f:
            meta = json.load(f)
        meta["cpus_online"] = "two"
        with open(mp, "w") as f:
            json.dump(meta, f, indent=1)
        return '%s:%d: key "cpus_online": "two" is not a positive integer' % (
            mp, 1 + list(meta).index("cpus_online") + 1)
    raise ValueError(kind)


KINDS = ("truncated", "truncated-at-line-end", "renamed-column", "not-a-number", "negative",
         "nan", "empty-figure", "huge", "bad-status", "duplicate-point", "meta-not-json",
         "meta-list", "meta-type")


@pytest.mark.parametrize("kind", KINDS)
def test_damaged_folder_is_one_line_and_exit_2(tmp_path, kind):
    bad = tmp_path / "bad"
    shutil.copytree(FIXTURE, str(bad), ignore=shutil.ignore_patterns("plots", "report.*"))
    want = damage(bad, kind)
    p = run_script("compare.py", FIXTURE, bad, "-o", tmp_path / "out")
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "Traceback" not in p.stderr and p.stdout == ""
    assert p.stderr.count("\n") == 1, p.stderr
    assert p.stderr.startswith("ipclab: compare: " + want), (want, p.stderr)


@pytest.mark.parametrize("kind", ["not-a-number", "truncated", "meta-type", "renamed-column"])
@pytest.mark.parametrize("script", ["plot.py", "report.py"])
def test_plot_and_report_use_the_validated_reader(tmp_path, kind, script):
    bad = tmp_path / "bad"
    shutil.copytree(FIXTURE, str(bad), ignore=shutil.ignore_patterns("plots", "report.*"))
    want = damage(bad, kind)
    p = run_script(script, bad, *(["-o", tmp_path / "p"] if script == "plot.py" else []))
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "Traceback" not in p.stderr and p.stderr.count("\n") == 1
    assert p.stderr.startswith("ipclab: %s: %s" % (script[:-3], want)), p.stderr


def test_the_reader_accepts_the_committed_folders():
    for path in (FIXTURE, os.path.join(REPO, "results", "reference")):
        res = ir.load(path, need_runs=True)
        assert res.runs and res.summary
        assert all(isinstance(r, ir.Row) and r.line >= 2 for r in res.summary)


def test_unknown_columns_are_kept(tmp_path):
    a = make_folder(str(tmp_path / "a"), {("pipe", "stream", 64): [1e9, 1.1e9]})
    corrupt(a, "summary.csv", 1, lambda h: h + ",future_column")
    corrupt(a, "summary.csv", 2, lambda r: r + ",word")
    rows = ir.load(a).summary
    assert rows[0]["future_column"] == "word"


def test_usage_errors_exit_2(tmp_path):
    a = make_folder(str(tmp_path / "a"), {("pipe", "stream", 64): [1e9, 1.1e9]})
    for args in ([a], [a, a, "--alpha", "2"], [a, a, "--threshold", "x"]):
        p = run_script("compare.py", *args)
        assert p.returncode == 2 and "Traceback" not in p.stderr, (args, p.stderr)


def test_one_round_per_point_compares_as_tilde(tmp_path):
    a = make_folder(str(tmp_path / "a"), {("pipe", "stream", 64): [1e9]}, "ra")
    b = make_folder(str(tmp_path / "b"), {("pipe", "stream", 64): [3e9]}, "rb")
    p, rows, _ = cmp_run(tmp_path, a, b)
    assert rows[0]["verdict"] == "~" and float(rows[0]["ratio"]) == pytest.approx(3.0)
    assert float(rows[0]["ratio_lo"]) == float(rows[0]["ratio_hi"]) == pytest.approx(3.0)
    assert "1 vs 1 rounds" in p.stdout and "too few rounds" in p.stdout


def add_canaries(folder, line, speed):
    """Give every point of a made folder these canary medians."""
    path = os.path.join(folder, "summary.csv")
    rows = read_csv(path)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]) + ["line_rtt_ns_median", "speed_ns_median"],
                           lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(dict(r, line_rtt_ns_median=line, speed_ns_median=speed))


@pytest.mark.parametrize("line_b,speed_b,marked,said", [
    (120, 4700, False, None),
    (120, 5300, True, "speed probe's fixed work took 13% longer"),
    (280, 4700, True, "cache line between their CPUs took 280 ns"),
])
def test_host_in_another_state_is_marked(tmp_path, line_b, speed_b, marked, said):
    key = ("pipe", "stream", 4096)
    a = make_folder(str(tmp_path / "a"), {key: noisy(1e9, 8, 0.01, 1)}, "ra")
    b = make_folder(str(tmp_path / "b"), {key: noisy(0.85e9, 8, 0.01, 2)}, "rb")
    add_canaries(a, 120, 4700)
    add_canaries(b, line_b, speed_b)
    p, rows, _ = cmp_run(tmp_path, a, b)
    assert rows[0]["verdict"] == "slower"
    assert (" ^" in p.stdout) == marked
    assert ("another state" in p.stdout) == marked
    assert rows[0]["host_state"] == ("" if not marked else "speed" if speed_b > 5000 else "line")
    if said:
        assert said in p.stdout


def set_probe_versions(folder, **versions):
    path = os.path.join(folder, "meta.json")
    with open(path) as f:
        meta = json.load(f)
    meta["canaries"] = versions
    with open(path, "w") as f:
        json.dump(meta, f)


@pytest.mark.parametrize("b_versions,marked", [
    ({"speed_probe": 1, "line_probe": 1}, True),
    ({"speed_probe": 2, "line_probe": 1}, False),
])
def test_canaries_of_another_probe_version_are_not_compared(tmp_path, b_versions, marked):
    key = ("pipe", "stream", 4096)
    a = make_folder(str(tmp_path / "a"), {key: noisy(1e9, 8, 0.01, 1)}, "ra")
    b = make_folder(str(tmp_path / "b"), {key: noisy(0.85e9, 8, 0.01, 2)}, "rb")
    add_canaries(a, 120, 4700)
    add_canaries(b, 120, 5300)  # the speed probe moved 13 %
    set_probe_versions(a, speed_probe=1, line_probe=1)
    set_probe_versions(b, **b_versions)
    p, rows, _ = cmp_run(tmp_path, a, b)
    assert (" ^" in p.stdout) == marked
    assert rows[0]["host_state"] == ("speed" if marked else "")
    assert ("its speed probe was measured by another version" in p.stdout) == (not marked)


def add_pairs(folder):
    """Every row of a made folder again with pairs 2 and twice the figure:
    one point measured at 1 and 2 pairs at once (sweep --pairs 1,2)."""
    for name in ("runs.csv", "summary.csv"):
        path = os.path.join(folder, name)
        rows = read_csv(path)
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, list(rows[0]) + ["pairs"], lineterminator="\n")
            w.writeheader()
            for r in rows:
                w.writerow(dict(r, pairs=1))
            for r in rows:
                two = dict(r, pairs=2)
                for col in ("bytes_per_s", "bytes_per_s_median"):
                    if two.get(col):
                        two[col] = "%.6g" % (2 * float(two[col]))
                w.writerow(two)


def test_points_at_two_pair_counts_are_two_points(tmp_path):
    key = ("pipe", "stream", 65536)
    a = make_folder(str(tmp_path / "a"), {key: noisy(1e9, 8, 0.01, 1)}, "ra")
    b = make_folder(str(tmp_path / "b"), {key: noisy(1e9, 8, 0.01, 2)}, "rb")
    add_pairs(a)
    add_pairs(b)
    p, rows, _ = cmp_run(tmp_path, a, b)
    assert sorted(r["pairs"] for r in rows) == ["1", "2"]
    assert all(r["verdict"] == "~" for r in rows)
    by = {r["pairs"]: float(r["baseline_median"]) for r in rows}
    assert by["2"] == pytest.approx(2 * by["1"], rel=0.05)
    assert "split x2" in p.stdout
