"""Shared pytest fixtures for the script tests (tests/py/test_*.py).

Run through scripts/pyrun so that the interpreter has matplotlib and numpy:
    scripts/pyrun -m pytest -q tests/py
ctest runs the same (label py) with IPCLAB_SOURCE_DIR and IPCLAB_BIN set.
"""

import os
import shutil
import subprocess
import sys

import pytest

REPO = os.environ.get("IPCLAB_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(REPO, "scripts")
FIXTURE = os.path.join(REPO, "tests", "fixtures", "sweep-small")

if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)


def run(args, **kw):
    """Run a command, capture text output, never raise on a non-zero exit."""
    kw.setdefault("timeout", 300)
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


def run_script(name, *args, **kw):
    """Run scripts/NAME with this interpreter (it has matplotlib)."""
    return run([sys.executable, os.path.join(SCRIPTS, name)] + [str(a) for a in args], **kw)


@pytest.fixture
def sweep(tmp_path):
    """A private copy of the committed small results folder: scripts write
    plots and reports into it, never into the source tree."""
    dst = tmp_path / "sweep-small"
    shutil.copytree(FIXTURE, str(dst), ignore=shutil.ignore_patterns("plots", "report.*"))
    return dst


def ipclab_bin():
    """The ipclab binary the tests may use, or None."""
    import ipclab_results
    b = ipclab_results.find_ipclab()
    return b if b and os.access(b, os.X_OK) else None
