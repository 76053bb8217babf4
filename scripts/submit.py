#!/usr/bin/env python3
"""Pack a student's results folder and answers into one file for the class
report (scripts/class_report.py):

    scripts/pyrun scripts/submit.py --name alice results/latest answers.md [-o alice.tar.gz]

The folder is checked first with the validated reader (a damaged folder is
refused with the file, line and column to fix).  The archive holds

    submission/manifest.json     name, date, the folder's run id, host and
                                 ipclab version, and every file's size and sha256
    submission/results/          runs.csv, summary.csv, meta.json, log.txt
    submission/answers.EXT       the answers file, as given (.md, .txt, .ipynb, .pdf)

Nothing else of the folder is packed (plots and reports are made again from
these files).  Exit status 0, 2 for bad input.
"""

import argparse
import datetime
import hashlib
import io
import json
import os
import re
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipclab_results as ir  # noqa: E402

RESULT_FILES = ("runs.csv", "summary.csv", "meta.json", "log.txt")
ANSWER_EXTS = (".md", ".txt", ".ipynb", ".pdf")
MANIFEST_VERSION = 1
MAX_ANSWERS = 20 << 20
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def pack(name, folder, answers, out):
    """Write the archive; returns its path.  Raises ResultsError."""
    if not NAME.match(name):
        raise ir.ResultsError("--name %r: use letters, digits, '.', '_' or '-' (at most 64)"
                              % name)
    res = ir.load(folder, need_runs=True)
    ext = os.path.splitext(answers)[1].lower()
    if ext not in ANSWER_EXTS:
        raise ir.ResultsError("%s: answers must be one of %s" % (answers, ", ".join(ANSWER_EXTS)))
    try:
        with open(answers, "rb") as f:
            ans = f.read(MAX_ANSWERS + 1)
    except OSError as e:
        raise ir.ResultsError("%s: %s" % (answers, e.strerror)) from None
    if len(ans) > MAX_ANSWERS:
        raise ir.ResultsError("%s: larger than %d MiB" % (answers, MAX_ANSWERS >> 20))
    files = {}
    for fn in RESULT_FILES:
        p = os.path.join(folder, fn)
        if os.path.isfile(p):
            with open(p, "rb") as f:
                files["results/" + fn] = f.read()
    files["answers" + ext] = ans
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "name": name,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "run_id": str(res.meta.get("run_id", "")),
        "host": res.meta.get("host", ""),
        "ipclab_version": res.meta.get("ipclab_version", ""),
        "points": len(res.summary),
        "files": {k: {"bytes": len(v), "sha256": sha256(v)} for k, v in sorted(files.items())},
    }
    files["manifest.json"] = (json.dumps(manifest, indent=1) + "\n").encode()
    out = out or "%s.tar.gz" % name
    tmp = out + ".tmp"
    try:
        with tarfile.open(tmp, "w:gz") as tar:
            for k, v in sorted(files.items()):
                info = tarfile.TarInfo("submission/" + k)
                info.size, info.mode, info.mtime = len(v), 0o644, 0
                tar.addfile(info, io.BytesIO(v))
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="submit.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--name", required=True, help="the student's name or id")
    ap.add_argument("results", help="the results folder (ipclab sweep -o DIR)")
    ap.add_argument("answers", help="the answers file (%s)" % ", ".join(ANSWER_EXTS))
    ap.add_argument("-o", "--output", metavar="FILE", help="the archive (default NAME.tar.gz)")
    args = ap.parse_args(argv)
    try:
        out = pack(args.name, args.results, args.answers, args.output)
    except ir.ResultsError as e:
        ir.fail("submit", e)
    except OSError as e:
        print("ipclab: submit: %s: %s" % (e.filename or args.output, e.strerror or e),
              file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
