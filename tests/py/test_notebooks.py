"""The notebooks (notebooks/*.ipynb): committed with no outputs, identical to
what notebooks/build_notebooks.py generates, and each one executes headless
(nbclient, Debian's python3-nbclient + python3-ipykernel) without an error:
against results/reference when it exists, else tests/fixtures/sweep-small,
with the ipclab binary of $IPCLAB_BIN (ctest sets it) and without one.

Every execution runs in a temporary directory (or, once, in notebooks/ to
check that the default paths work and that nothing is left behind), with a
private kernelspec that points at this interpreter, so that the kernel has the
same matplotlib and numpy as the test (scripts/pyrun chose it).
"""

import glob
import json
import os
import re
import sys
import time

import pytest

from conftest import FIXTURE, REPO, ipclab_bin, run

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK_DIR = os.path.join(REPO, "notebooks")
GENERATOR = os.path.join(NOTEBOOK_DIR, "build_notebooks.py")
NOTEBOOKS = ("analysis.ipynb", "lab-1-bufsize.ipynb", "lab-2-mechanisms.ipynb",
             "lab-3-memory.ipynb")
LABS = NOTEBOOKS[1:]
REFERENCE = os.path.join(REPO, "results", "reference")
RESULTS = REFERENCE if os.path.isfile(os.path.join(REFERENCE, "summary.csv")) else FIXTURE
KERNEL = "ipclab-test-python3"
CELL_TIMEOUT = 300  # seconds; a hang fails the test instead of stalling ctest


def notebook_path(name):
    return os.path.join(NOTEBOOK_DIR, name)


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """A kernelspec for this interpreter and a clean environment for the
    kernel: it inherits os.environ, so the notebook settings go there."""
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "ipclab test kernel", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")  # no __pycache__ in scripts/
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for var in ("IPCLAB_COMPARE", "IPCLAB_LAB_TOTAL", "IPCLAB_ROOT", "IPCLAB_RESULTS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("IPCLAB_ROOT", REPO)
    monkeypatch.setenv("IPCLAB_RESULTS", RESULTS)
    return monkeypatch


def execute(name, workdir, keep=True):
    """Run every cell of notebooks/NAME with the kernel started in workdir;
    nbclient raises CellExecutionError (with the traceback) on any error.
    Returns the executed notebook, its text output and the seconds it took;
    with keep, the executed notebook is also saved in workdir (a tmp_path)."""
    nb = nbformat.read(notebook_path(name), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=KERNEL,
                                     resources={"metadata": {"path": str(workdir)}})
    t0 = time.monotonic()
    client.execute()
    took = time.monotonic() - t0
    if keep:
        nbformat.write(nb, os.path.join(str(workdir), name))
    return nb, output_text(nb), took


def output_text(nb):
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif out.get("output_type") == "error":
                parts.append("ERROR %s: %s" % (out.get("ename"), out.get("evalue")))
            else:
                parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def images(nb):
    return sum(1 for cell in nb.cells if cell.cell_type == "code"
               for out in cell.get("outputs", []) if "image/png" in out.get("data", {}))


def check_clean(nb, text):
    assert "Traceback" not in text, text
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", out


# ---------------------------------------------------------------- the files


def test_every_notebook_is_listed():
    found = sorted(os.path.basename(p) for p in glob.glob(os.path.join(NOTEBOOK_DIR, "*.ipynb")))
    assert found == sorted(NOTEBOOKS)


def test_generator_matches_committed_notebooks(tmp_path):
    r = run([sys.executable, GENERATOR, "--check"])
    assert r.returncode == 0, r.stderr
    # And it really compares: a notebook that differs is reported stale.
    r = run([sys.executable, GENERATOR, "-o", str(tmp_path)])
    assert r.returncode == 0, r.stderr
    for name in NOTEBOOKS:
        with open(notebook_path(name), encoding="utf-8") as a, \
                open(str(tmp_path / name), encoding="utf-8") as b:
            assert a.read() == b.read(), name
    (tmp_path / NOTEBOOKS[0]).write_text("{}")
    r = run([sys.executable, GENERATOR, "--check", "-o", str(tmp_path)])
    assert r.returncode == 1
    assert "stale: %s" % (tmp_path / NOTEBOOKS[0]) in r.stderr


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_has_no_outputs(name):
    nb = nbformat.read(notebook_path(name), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    codes = [c for c in nb.cells if c.cell_type == "code"]
    assert codes
    for c in codes:
        assert c.outputs == [], (name, c.source[:60])
        assert c.execution_count is None, (name, c.source[:60])


@pytest.mark.parametrize("name", LABS)
def test_lab_questions_have_answers(name):
    """Guided questions in the student notebook; their answers only in the
    instructor file, one section per lab with as many answers as questions."""
    nb = nbformat.read(notebook_path(name), as_version=4)
    qcells = [c.source for c in nb.cells if c.cell_type == "markdown"
              and c.source.startswith("## Questions")]
    assert len(qcells) == 1, name
    nq = len(re.findall(r"^\d+\. ", qcells[0], re.M))
    assert nq >= 5
    with open(os.path.join(NOTEBOOK_DIR, "instructor", "answers.md"), encoding="utf-8") as f:
        answers = f.read()
    stem = name.rsplit(".", 1)[0]
    m = re.search(r"^## %s\b.*?(?=^## |\Z)" % re.escape(stem), answers, re.M | re.S)
    assert m, "no section '## %s' in notebooks/instructor/answers.md" % stem
    assert len(re.findall(r"^\*\*Q\d+\.?\*\*", m.group(0), re.M)) == nq
    # The answers stay out of the student notebook: no answer's opening words
    # appear in any of its cells.
    text = "\n".join(c.source for c in nb.cells)
    for a in re.findall(r"^\*\*Q\d+\.?\*\* (.{40})", m.group(0), re.M):
        assert a not in text, a


MEASURES = re.compile(r'run_rows\(|ipclab\("(run|sweep|ctxsw)"')


@pytest.mark.parametrize("name", LABS)
def test_lab_has_answer_and_prediction_cells(name):
    """A cell for the student's answer under the questions, one per question;
    a prediction cell before every cell that measures (and after the one
    before it); learning goals and class time at the top; the setup is one
    short import of notebooks/labsetup.py."""
    nb = nbformat.read(notebook_path(name), as_version=4)
    cells = nb.cells
    qi = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
          and c.source.startswith("## Questions")][0]
    nq = len(re.findall(r"^\d+\. ", cells[qi].source, re.M))
    answers = [c.source for c in cells[qi + 1:qi + 1 + nq]]
    assert answers == ["**Your answer to question %d:**\n\n*(write here)*" % (k + 1)
                       for k in range(nq)]
    last = -1
    measured = 0
    for i, c in enumerate(cells):
        if c.cell_type == "code" and MEASURES.search(c.source):
            measured += 1
            assert any(x.cell_type == "markdown" and x.source.startswith("**Your prediction**")
                       for x in cells[last + 1:i]), (name, c.source[:80])
            last = i
    assert measured >= 1
    assert "**Learning goals.**" in cells[0].source and "**Class time.**" in cells[0].source
    assert "-o results/reference" not in "\n".join(c.source for c in cells)
    setup = [c.source for c in cells if c.cell_type == "code"][0]
    assert "from labsetup import *" in setup and len(setup.splitlines()) <= 3


# ---------------------------------------------------------------- execution


def test_analysis_executes_compares_and_leaves_nothing_behind(kernel_env):
    """Started in notebooks/ without IPCLAB_ROOT, as a student would, with the
    folders given relative to the repository: the notebook finds them, draws,
    fits, compares (a folder against itself: ratio 1 everywhere) and writes no
    file in the tree."""
    kernel_env.delenv("IPCLAB_ROOT")
    rel = os.path.relpath(RESULTS, REPO)
    kernel_env.setenv("IPCLAB_RESULTS", rel)
    kernel_env.setenv("IPCLAB_COMPARE", rel)
    before = sorted(os.listdir(NOTEBOOK_DIR))
    scripts_before = sorted(os.listdir(os.path.join(REPO, "scripts")))
    nb, text, took = execute("analysis.ipynb", NOTEBOOK_DIR, keep=False)
    check_clean(nb, text)
    root = re.search(r"^repository\s+(\S+)", text, re.M)
    assert root and os.path.realpath(root.group(1)) == os.path.realpath(REPO)
    assert os.path.realpath(RESULTS) in [os.path.realpath(w) for w in text.split()]
    assert "Cost model per configuration" in text
    assert "Relative vs plain least squares" in text
    assert images(nb) >= 3
    assert "relative to" in text
    means = re.findall(r"^\S+\s+\d+\s+(\S+)\s+\S+\s+\S+$", text.split("relative to")[-1], re.M)
    assert means and all(m == "1×" for m in means), means
    assert sorted(os.listdir(NOTEBOOK_DIR)) == before
    assert sorted(os.listdir(os.path.join(REPO, "scripts"))) == scripts_before
    print("analysis.ipynb: %.1f s" % took)


# Text each lab prints when its live part ran, and when there was no binary.
LIVE = {
    "lab-1-bufsize.ipynb": ("data: measured now with", "The model against each point",
                            "measured: BUF_SIZE 100000 B -> 1 MiB"),
    "lab-2-mechanisms.ipynb": ("ran: ipclab run -t pshm-sem -b 4K", "ran: ipclab run -t pshm-pipe -b 4K --blocks 16"),
    "lab-3-memory.ipynb": ("ran: ipclab run -t pshm-pipe -b 256K --blocks 16 --total 16M --reps 5 --pin same --populate on",
                           "requested hugepages=try → page_size", "CPU w+r (user+system)",
                           "faults w / r"),
}
OFFLINE = {
    "lab-1-bufsize.ipynb": ("using the results folder instead", "data: read from"),
    "lab-2-mechanisms.ipynb": ("the live runs of parts 2 and 3 are skipped",),
    "lab-3-memory.ipynb": ("parts 2 and 3 need a binary",),
}


@pytest.mark.parametrize("name", LABS)
def test_lab_runs_ipclab(name, kernel_env, tmp_path):
    binary = ipclab_bin()
    if not binary:
        pytest.skip("no ipclab binary (set IPCLAB_BIN or build build/release)")
    kernel_env.setenv("IPCLAB_BIN", binary)
    nb, text, took = execute(name, tmp_path)
    check_clean(nb, text)
    for marker in LIVE[name]:
        assert marker in text, (marker, text[-3000:])
    assert "note: the measurement failed" not in text
    assert "-o %s" % RESULTS not in text  # never "write into the folder you read"
    assert images(nb) >= 1
    print("%s: %.1f s" % (name, took))


@pytest.mark.parametrize("name", LABS)
def test_lab_without_binary_falls_back(name, kernel_env, tmp_path):
    kernel_env.setenv("IPCLAB_BIN", str(tmp_path / "no-such-ipclab"))
    nb, text, took = execute(name, tmp_path)
    check_clean(nb, text)
    assert "is not a working ipclab binary" in text
    for marker in OFFLINE[name]:
        assert marker in text, (marker, text[-3000:])
    assert "ran: ipclab" not in text
