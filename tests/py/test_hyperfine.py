"""scripts/hyperfine-bufsize.sh and scripts/plot_hyperfine.py.

`ipclab xfr` (the two-program transfer the script times) may not exist in the
build under test: then the script must stop with a clear message, and the full
test with the real binary is skipped.  The script's own logic (hyperfine
invocation, JSON export, the cmp check that catches a corrupt transfer) is
tested with a small stand-in for `ipclab xfr` that moves stdin to stdout
through a FIFO, so it runs whatever the state of the C side.
"""

import json
import os
import re
import shutil
import stat

import pytest

from conftest import FIXTURE, SCRIPTS, ipclab_bin, run, run_script

SCRIPT = os.path.join(SCRIPTS, "hyperfine-bufsize.sh")

needs_hyperfine = pytest.mark.skipif(shutil.which("hyperfine") is None,
                                     reason="hyperfine not installed (Debian: hyperfine)")

# A stand-in for `ipclab xfr`: the writer copies stdin into a FIFO named after
# --name, the reader copies it to stdout.  CORRUPT=1 makes the reader drop the
# last byte, which the script's cmp must catch.
FAKE_XFR = r"""#!/usr/bin/env bash
[ "$1" = xfr ] || { echo "ipclab: unknown command '$1'" >&2; exit 2; }
case "$2" in
--help) echo "usage: ipclab xfr writer|reader -t T [-b B] --name N"; exit 0 ;;
writer|reader) role=$2 ;;
*) exit 2 ;;
esac
shift 2
while [ $# -gt 0 ]; do
	case "$1" in --name) name=$2; shift ;; -t|-b) shift ;; esac
	shift
done
f="$TMPDIR/$name.fifo"
mkfifo "$f" 2>/dev/null || true
if [ "$role" = writer ]; then
	cat >"$f"
elif [ "${CORRUPT:-0}" = 1 ]; then
	head -c -1 <"$f"; rm -f "$f"
else
	cat <"$f"; rm -f "$f"
fi
"""

NO_XFR = """#!/bin/sh
echo "ipclab: unknown command '$1'" >&2
exit 2
"""


def executable(path, text):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def env_with(tmp_path, binpath, **extra):
    env = dict(os.environ, IPCLAB_BIN=binpath, TMPDIR=str(tmp_path))
    env.update(extra)
    return env


def test_missing_xfr_is_a_clear_failure(tmp_path):
    fake = executable(tmp_path / "ipclab", NO_XFR)
    p = run(["bash", SCRIPT, "--quick", "-o", str(tmp_path / "out")],
            env=env_with(tmp_path, fake))
    assert p.returncode == 1
    assert "fatal:" in p.stderr and "ipclab xfr" in p.stderr
    assert "unknown command" in p.stderr  # the binary's own words are passed on
    assert not (tmp_path / "out" / "hyperfine" / "bufsize.json").exists()


def test_this_builds_ipclab_without_xfr_fails_clearly(tmp_path):
    b = ipclab_bin()
    if b is None:
        pytest.skip("no ipclab binary built (set IPCLAB_BIN)")
    if run([b, "xfr", "--help"]).returncode == 0:
        pytest.skip("this ipclab has `xfr`: test_real_xfr_quick covers it")
    p = run(["bash", SCRIPT, "--quick", "-o", str(tmp_path / "out")],
            env=env_with(tmp_path, b))
    assert p.returncode == 1 and "fatal:" in p.stderr and "ipclab xfr" in p.stderr


@pytest.mark.parametrize("args", [["-b", "10,x"], ["-b", "10,0"], ["--runs", "1"],
                                  ["--size", "0"], ["--size", "64X"], ["--pin", "both"],
                                  ["-t", "Pipe;rm"], ["--bogus"]])
def test_bad_usage_exits_2(tmp_path, args):
    fake = executable(tmp_path / "ipclab", FAKE_XFR)
    p = run(["bash", SCRIPT] + args, env=env_with(tmp_path, fake))
    assert p.returncode == 2, p.stderr
    assert p.stderr


@needs_hyperfine
def test_quick_run_with_a_standin_xfr(tmp_path):
    fake = executable(tmp_path / "ipclab", FAKE_XFR)
    out = tmp_path / "res"
    shutil.copytree(FIXTURE, str(out))  # a sweep folder: the plot adds ipclab's numbers
    p = run(["bash", SCRIPT, "--quick", "-t", "pipe,pshm-sem", "--runs", "2", "-o", str(out)],
            env=env_with(tmp_path, fake))
    assert p.returncode == 0, p.stderr
    jpath = out / "hyperfine" / "bufsize.json"
    assert p.stdout.strip().splitlines()[-1] == str(jpath)
    data = json.load(open(str(jpath)))
    params = sorted((r["parameters"]["transport"], int(r["parameters"]["buf"]))
                    for r in data["results"])
    assert params == [("pipe", 100), ("pipe", 10000), ("pshm-sem", 100), ("pshm-sem", 10000)]
    assert all(len(r["times"]) == 2 and all(c == 0 for c in r["exit_codes"])
               for r in data["results"])
    side = json.load(open(str(out / "hyperfine" / "bufsize.meta.json")))
    assert side["input_bytes"] == 262157 and side["buf_sizes"] == [100, 10000]
    assert side["transports"] == ["pipe", "pshm-sem"] and side["pins"] == ["same"]
    # readable names, and the estimate said before the start
    assert sorted(r["command"] for r in data["results"]) == [
        "pipe BUF_SIZE=100 --pin same", "pipe BUF_SIZE=10000 --pin same",
        "pshm-sem BUF_SIZE=100 --pin same", "pshm-sem BUF_SIZE=10000 --pin same"]
    assert re.search(r"estimated duration: about \d+ s", p.stderr), p.stderr
    # nothing left behind: the work folder and the FIFOs are gone
    assert not [f for f in os.listdir(str(tmp_path)) if f.startswith("hyperfine-bufsize.") or f.endswith(".fifo")]

    p = run_script("plot_hyperfine.py", out)
    assert p.returncode == 0, p.stderr
    png = out / "plots" / "hyperfine-bufsize.png"
    assert str(png) in p.stdout and os.path.getsize(str(png)) > 1000
    assert (out / "plots" / "hyperfine-bufsize.svg").exists()


@needs_hyperfine
def test_sizes_with_suffixes_and_two_placements(tmp_path):
    fake = executable(tmp_path / "ipclab", FAKE_XFR)
    out = tmp_path / "res"
    p = run(["bash", SCRIPT, "-t", "pipe", "-b", "1K,4KiB", "--size", "64K", "--pin",
             "same,split", "--runs", "2", "--warmup", "0", "-o", str(out)],
            env=env_with(tmp_path, fake))
    assert p.returncode == 0, p.stderr
    side = json.load(open(str(out / "hyperfine" / "bufsize.meta.json")))
    assert side["input_bytes"] == 65536 and side["buf_sizes"] == [1024, 4096]
    assert side["pins"] == ["same", "split"]
    data = json.load(open(str(out / "hyperfine" / "bufsize.json")))
    assert sorted((r["parameters"]["pin"], r["parameters"]["buf"]) for r in data["results"]) == [
        ("same", "1024"), ("same", "4096"), ("split", "1024"), ("split", "4096")]
    p = run_script("plot_hyperfine.py", out)
    assert p.returncode == 0, p.stderr
    assert os.path.getsize(str(out / "plots" / "hyperfine-bufsize.png")) > 1000


@needs_hyperfine
def test_corrupt_transfer_fails_the_run(tmp_path):
    fake = executable(tmp_path / "ipclab", FAKE_XFR)
    p = run(["bash", SCRIPT, "--quick", "-t", "pipe", "-b", "100", "--runs", "2",
             "-o", str(tmp_path / "res")], env=env_with(tmp_path, fake, CORRUPT="1"))
    assert p.returncode == 1
    assert "differs" in p.stderr and "fatal:" in p.stderr


@needs_hyperfine
def test_real_xfr_quick(tmp_path):
    b = ipclab_bin()
    if b is None:
        pytest.skip("no ipclab binary built (set IPCLAB_BIN)")
    if run([b, "xfr", "--help"]).returncode != 0:
        pytest.skip("`ipclab xfr` is not in this build yet: the two-program transfer is "
                    "needed for the whole-process timing")
    out = tmp_path / "res"
    p = run(["bash", SCRIPT, "--quick", "-t", "fifo,pshm-sem", "--runs", "2", "-o", str(out)],
            env=env_with(tmp_path, b))
    assert p.returncode == 0, p.stderr
    data = json.load(open(str(out / "hyperfine" / "bufsize.json")))
    assert len(data["results"]) == 4
    p = run_script("plot_hyperfine.py", out)
    assert p.returncode == 0, p.stderr
    assert os.path.getsize(str(out / "plots" / "hyperfine-bufsize.png")) > 1000
