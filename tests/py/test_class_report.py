"""The class workflow: scripts/submit.py packs a folder and answers,
scripts/class_report.py turns ten submissions (made here from the fixture
with scaled figures) into one report, rejecting damaged or hostile archives."""

import csv
import io
import json
import os
import re
import shutil
import tarfile

import pytest

from conftest import FIXTURE, run_script

# One factor per student: its throughputs are multiplied, its latencies divided.
FACTORS = (0.85, 0.9, 0.95, 1.0, 1.0, 1.02, 1.05, 1.1, 1.15, 4.0)
FLAGGED = 3  # this student's first stream point is flagged unstable


def scaled_copy(dst, factor, host, flag=False):
    shutil.copytree(FIXTURE, dst, ignore=shutil.ignore_patterns("plots", "report.*"))
    for name, cols in (("runs.csv", ("bytes_per_s", "one_way_p50_ns")),
                       ("summary.csv", ("bytes_per_s_median", "bytes_per_s_min",
                                        "bytes_per_s_max", "one_way_p50_ns"))):
        path = os.path.join(dst, name)
        with open(path, newline="") as f:
            rd = csv.DictReader(f)
            header, rows = list(rd.fieldnames), list(rd)
        if flag and name == "summary.csv":
            header.insert(header.index("status"), "flag")
            for r in rows:
                r["flag"] = ""
            first = next(r for r in rows if r["mode"] == "stream" and r["status"] == "ok")
            first["flag"] = "unstable"
            first["reason"] = "rounds disagree: max/min 1.8"
        for r in rows:
            for c in cols:
                if r.get(c):
                    v = float(r[c])
                    r[c] = repr(v / factor if c.startswith("one_way") else v * factor)
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, header, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    mpath = os.path.join(dst, "meta.json")
    meta = json.load(open(mpath))
    meta["host"] = host
    with open(mpath, "w") as f:
        json.dump(meta, f)


@pytest.fixture
def submissions(tmp_path):
    answers = tmp_path / "answers.md"
    answers.write_text("# Answers\n\nQ1. The time falls with BUF_SIZE because ...\n")
    out = []
    for i, fac in enumerate(FACTORS):
        folder = str(tmp_path / ("folder%d" % i))
        scaled_copy(folder, fac, "pc%02d" % i, flag=(i == FLAGGED))
        arch = tmp_path / ("s%02d.tar.gz" % i)
        p = run_script("submit.py", "--name", "s%02d" % i, folder, answers, "-o", arch)
        assert p.returncode == 0, p.stderr
        assert p.stdout.strip() == str(arch)
        out.append(arch)
    return out


def test_submit_packs_results_answers_and_a_manifest(submissions):
    with tarfile.open(str(submissions[0])) as tar:
        names = sorted(tar.getnames())
        manifest = json.load(tar.extractfile("submission/manifest.json"))
    assert names == ["submission/answers.md", "submission/manifest.json",
                     "submission/results/log.txt", "submission/results/meta.json",
                     "submission/results/runs.csv", "submission/results/summary.csv"]
    assert manifest["name"] == "s00" and manifest["host"] == "pc00"
    assert set(manifest["files"]) == {n[len("submission/"):] for n in names} - {"manifest.json"}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())


def test_submit_refuses_a_damaged_folder(tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(FIXTURE, str(bad))
    text = (bad / "summary.csv").read_text().split("\n")
    text[2] = text[2].replace(",ok,", ",fine,")
    (bad / "summary.csv").write_text("\n".join(text))
    (tmp_path / "a.md").write_text("x\n")
    p = run_script("submit.py", "--name", "x", bad, tmp_path / "a.md", "-o", tmp_path / "x.tgz")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.startswith("ipclab: submit: %s:3: column status" % (bad / "summary.csv"))
    assert not (tmp_path / "x.tgz").exists()
    p = run_script("submit.py", "--name", "../x", FIXTURE, tmp_path / "a.md")
    assert p.returncode == 2 and "--name" in p.stderr


def hostile(tmp_path, good):
    """A tampered archive (a file changed after packing) and one that writes
    outside its folder."""
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(str(good)) as src, tarfile.open(str(tampered), "w:gz") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()
            if m.name.endswith("summary.csv"):
                data = data[:-20] + b"9" * 19 + b"\n"
            m.size = len(data)
            dst.addfile(m, io.BytesIO(data))
    escape = tmp_path / "escape.tar.gz"
    with tarfile.open(str(escape), "w:gz") as dst:
        data = b"owned\n"
        info = tarfile.TarInfo("submission/../../evil.txt")
        info.size = len(data)
        dst.addfile(info, io.BytesIO(data))
    return tampered, escape


def test_class_report_of_ten_submissions(tmp_path, submissions):
    tampered, escape = hostile(tmp_path, submissions[0])
    out = tmp_path / "class"
    p = run_script("class_report.py", *submissions, tampered, escape, "-o", out)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    md = (out / "class-report.md").read_text()
    html = (out / "class-report.html").read_text()
    # every student and machine listed
    machines = md.split("## Machines")[1].split("##")[0]
    for i in range(len(FACTORS)):
        assert re.search(r"^\| s%02d \| pc%02d \|" % (i, i), machines, re.M), machines
    # the 4x student is named as an outlier on stream points, faster
    outl = md.split("## Outliers")[1].split("##")[0]
    assert re.search(r"^- s09: pipe stream .*faster\)$", outl, re.M), outl
    assert "s00" not in outl and "s04" not in outl
    # the flagged point with its reason
    flagged = md.split("## Flagged points")[1].split("##")[0]
    assert "s03: pshm-sem stream 64 B" in flagged and "rounds disagree" in flagged
    # the hostile archives rejected, with why; nothing written outside
    rej = md.split("## Rejected submissions")[1]
    assert "tampered.tar.gz: results/summary.csv: size or sha256 differs" in rej
    assert "escape.tar.gz: member 'submission/../../evil.txt' is outside submission/" in rej
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path.parent / "evil.txt").exists()
    assert p.stderr.count("rejected:") == 2
    # the spread: class median of a point equals the median student's figure
    with open(str(out / "class.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 10 * 28
    pipe = [r for r in rows if r["transport"] == "pipe" and r["mode"] == "stream"
            and r["buf_size"] == "4096"]
    assert len(pipe) == 10
    base = float(next(r for r in pipe if r["student"] == "s03")["value"])
    assert float(pipe[0]["class_median"]) == pytest.approx(base * 1.01, rel=1e-3)
    assert {r["student"] for r in pipe if r["outlier"]} == {"s09"}
    assert "data:image/png;base64," in html and "<h2>Outliers</h2>" in html
    with open(str(out / "class-spread.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_class_report_with_nothing_usable_exits_2(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    p = run_script("class_report.py", junk, "-o", tmp_path / "o")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "junk.tar.gz: not a submission archive" in p.stderr
