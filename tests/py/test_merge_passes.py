"""scripts/merge_passes.py, the merge of `scripts/lab run`'s two passes: rows
under one header, each pass's drift kept in meta.json and named by the
report, `complete` only when both passes completed, mismatched or missing
input refused with exit 2 and nothing written."""

import json
import os

from conftest import run_script

import report


def pass_folder(path, header, rows, level, complete=True):
    os.makedirs(path, exist_ok=True)
    for name in ("runs.csv", "summary.csv"):
        with open(os.path.join(path, name), "w") as f:
            f.write(header + "".join(r + "\n" for r in rows))
    with open(os.path.join(path, "log.txt"), "w") as f:
        f.write("log of %s\n" % os.path.basename(path))
    with open(os.path.join(path, "meta.json"), "w") as f:
        json.dump({"schema_version": 1, "complete": complete, "level": level,
                   "command_line": "ipclab sweep -o %s" % path,
                   "end_time": "2026-01-01T00:0%d:00" % (9 if path.endswith("pong") else 5)},
                  f)


def test_rows_logs_and_each_pass_drift(tmp_path):
    h = "transport,mode,buf_size\n"
    pass_folder(str(tmp_path / "stream"), h, ["pipe,stream,64", "fifo,stream,64"],
                {"drift": 0.02, "min": 0.98, "max": 1.02, "rounds": 9})
    pass_folder(str(tmp_path / "pingpong"), h, ["pipe,pingpong,64"],
                {"drift": 0.05, "min": 0.95, "max": 1.05, "rounds": 9})
    p = run_script("merge_passes.py", tmp_path, "stream", "pingpong")
    assert p.returncode == 0, p.stderr
    for name in ("runs.csv", "summary.csv"):
        assert (tmp_path / name).read_text() == \
            h + "pipe,stream,64\nfifo,stream,64\npipe,pingpong,64\n"
    assert (tmp_path / "log.txt").read_text() == "log of stream\nlog of pingpong\n"
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["complete"] is True
    assert meta["level"]["drift"] == 0.02  # the first pass's, as before
    assert meta["passes"]["pingpong"]["level"]["drift"] == 0.05
    assert meta["passes"]["stream"]["command_line"].endswith("stream")
    assert meta["end_time"] == "2026-01-01T00:09:00"  # the last pass's
    note = " ".join(report.drift_note(meta))
    assert "±2.0 % in the stream pass" in note and "±5.0 % in the ping-pong pass" in note


def test_an_incomplete_pass_and_an_unknown_drift(tmp_path):
    h = "transport\n"
    pass_folder(str(tmp_path / "stream"), h, ["pipe"],
                {"drift": 0.01, "min": 0.99, "max": 1.01, "rounds": 5})
    pass_folder(str(tmp_path / "pingpong"), h, ["pipe"], None, complete=False)
    p = run_script("merge_passes.py", tmp_path, "stream", "pingpong")
    assert p.returncode == 0, p.stderr
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["complete"] is False
    note = " ".join(report.drift_note(meta))
    assert "±1.0 % in the stream pass" in note and "to tell in the ping-pong pass" in note


def test_mismatched_or_missing_input_is_refused(tmp_path):
    pass_folder(str(tmp_path / "stream"), "a,b\n", ["1,2"], None)
    pass_folder(str(tmp_path / "pingpong"), "a,c\n", ["1,2"], None)
    p = run_script("merge_passes.py", tmp_path, "stream", "pingpong")
    assert p.returncode == 2 and "header differs" in p.stderr
    assert not (tmp_path / "meta.json").exists()
    os.remove(str(tmp_path / "pingpong" / "meta.json"))
    (tmp_path / "pingpong" / "runs.csv").write_text("a,b\n")
    (tmp_path / "pingpong" / "summary.csv").write_text("a,b\n")
    p = run_script("merge_passes.py", tmp_path, "stream", "pingpong")
    assert p.returncode == 2 and "meta.json: missing" in p.stderr
    p = run_script("merge_passes.py", tmp_path)
    assert p.returncode == 2 and "usage" in p.stderr


def test_a_file_that_cannot_be_written_leaves_the_folder_as_it_was(tmp_path):
    h = "transport\n"
    pass_folder(str(tmp_path / "stream"), h, ["pipe"], None)
    pass_folder(str(tmp_path / "pingpong"), h, ["fifo"], None)
    (tmp_path / ".summary.csv.merging").mkdir()  # in the way of one file
    p = run_script("merge_passes.py", tmp_path, "stream", "pingpong")
    assert p.returncode == 1 and ".summary.csv.merging" in p.stderr
    assert "Traceback" not in p.stderr
    assert sorted(os.listdir(str(tmp_path))) == [".summary.csv.merging", "pingpong", "stream"]
