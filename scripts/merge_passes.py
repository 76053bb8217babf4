#!/usr/bin/env python3
"""merge_passes.py - one results folder from the passes of `scripts/lab run`.

    scripts/pyrun scripts/merge_passes.py DIR stream pingpong

Reads DIR/PASS/{runs.csv,summary.csv,meta.json,log.txt} for each PASS and
writes DIR/runs.csv and DIR/summary.csv (the passes' rows under one header),
DIR/log.txt (the logs one after the other) and DIR/meta.json: the first
pass's (its `level`, `rounds` and command line), with `end_time` the last
pass's, `complete` true only when every pass completed, and `passes` holding
each pass's drift (`level`), rounds, command line, times and completeness -
so the report can say how far the machine moved in each pass, whose
intervals were widened by their own drift.  Exit 2, writing nothing, when a
pass is missing a file or the passes' CSV headers differ; exit 1, leaving
none of the four files half written, when they cannot be written.
"""

import json
import os
import sys

import ipclab_results as ir

PASS_KEYS = ("level", "rounds", "command_line", "complete", "start_time", "end_time")


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        raise ir.ResultsError("%s: cannot read: %s" % (path, e.strerror or e)) from None


def merged_csv(paths):
    """The files' rows under their one header (text)."""
    header, rows = None, []
    for p in paths:
        lines = read_text(p).splitlines(True)
        if not lines:
            raise ir.ResultsError("%s: empty (no header)" % p)
        if header is None:
            header = lines[0]
        elif lines[0] != header:
            raise ir.ResultsError("%s: its header differs from %s's: the passes were "
                                  "written by different versions" % (p, paths[0]))
        rows += [ln if ln.endswith("\n") else ln + "\n" for ln in lines[1:]]
    return header + "".join(rows)


def merged_meta(metas):
    """metas: [(pass name, meta dict)] -> the first meta with `passes`."""
    out = dict(metas[0][1])
    out["passes"] = {name: {k: m.get(k) for k in PASS_KEYS} for name, m in metas}
    out["complete"] = all(m.get("complete") is True for _, m in metas)
    out["end_time"] = metas[-1][1].get("end_time")
    return out


def merge(folder, passes):
    dirs = [os.path.join(folder, p) for p in passes]
    texts = {name: merged_csv([os.path.join(d, name) for d in dirs])
             for name in ("runs.csv", "summary.csv")}
    metas = []
    for p, d in zip(passes, dirs):
        path = os.path.join(d, "meta.json")
        if not os.path.exists(path):
            raise ir.ResultsError("%s: missing" % path)
        metas.append((p, ir.load_meta(path)))
    texts["log.txt"] = "".join(read_text(os.path.join(d, "log.txt")) for d in dirs)
    texts["meta.json"] = json.dumps(merged_meta(metas), indent=2) + "\n"
    # Each file in full beside its place, then all four moved into place.
    tmp = {name: os.path.join(folder, ".%s.merging" % name) for name in texts}
    made = []
    try:
        for name, text in texts.items():
            with open(tmp[name], "x") as f:
                made.append(tmp[name])
                f.write(text)
        for name in texts:
            os.replace(tmp[name], os.path.join(folder, name))
    finally:
        for path in made:
            if os.path.isfile(path):
                os.remove(path)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: merge_passes.py DIR PASS [PASS ...]\n")
        return 2
    try:
        merge(argv[1], argv[2:])
    except ir.ResultsError as e:
        sys.stderr.write("merge_passes.py: %s\n" % e)
        return 2
    except OSError as e:
        sys.stderr.write("merge_passes.py: %s: %s\n" % (e.filename or argv[1],
                                                         e.strerror or e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
