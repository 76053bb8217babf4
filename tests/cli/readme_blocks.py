"""readme_blocks.py - every command in a Markdown file's code blocks, run.

    python3 readme_blocks.py README.md [--list]

Run in a scratch folder that looks like the top of the sources (tests/cli/
readme.sh prepares it).  A code block (indented four spaces, or fenced) holds
commands: the lines starting with `$ ` when there are any (the other lines
are the output shown), else every line.  A fenced block in another language
(```c) is source, not commands, and is skipped.  `[--opt]` in a command is a
synopsis' optional part: it is run with the option.  An HTML comment on the
lines just before a block changes how it is tested:

    <!-- not-run: why -->   not run (interactive, minutes long, the CI
                            itself); its programs must still exist here
    <!-- output -->         what a program printed, shown as a block: no
                            commands in it
    <!-- exit: 0 1 1 (why) --> the exit status of each command (one value:
                            all; `2|0`: either); a last `(...)` is a comment
    <!-- test-args: ARGS --> given to each `ipclab run|sweep|ctxsw` (an
                            option the command has gets this value): a short run

A block's commands run in one bash, in order; each command's status is
compared with what the block expects.  Where a `$` block shows an `ipclab:`
error line, the command's stderr must start the same way (up to the third
colon: command, option and value).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

MARK = re.compile(r"^<!--\s*(not-run|exit|test-args):\s*(.*?)\s*-->\s*$")
OUTPUT = re.compile(r"^<!--\s*output\s*-->\s*$")
TIMEOUT = 300


def blocks(path):
    """(line number, marks, lines) of each code block."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, marks, i, prev_blank = [], {}, 0, True
    while i < len(lines):
        ln = lines[i]
        m = MARK.match(ln.strip())
        if m or OUTPUT.match(ln.strip()):
            if m:
                marks[m.group(1)] = m.group(2)
            else:
                marks["output"] = ""
            i += 1
            continue
        if ln.startswith("```"):
            start, body = i + 1, []
            lang = ln[3:].strip()
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if lang in ("", "sh", "bash", "console"):
                out.append((start + 1, marks, body))
            marks, i, prev_blank = {}, i + 1, False
            continue
        if prev_blank and ln.startswith("    ") and ln.strip():
            start, body = i, []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                body.append(lines[i][4:])
                i += 1
            while body and not body[-1].strip():
                body.pop()
            out.append((start + 1, marks, body))
            marks, prev_blank = {}, False
            continue
        if ln.strip():
            marks = {}
        prev_blank = not ln.strip()
        i += 1
    return out


def commands(body):
    """The commands of a block, and for a `$` block the error lines shown
    after each command."""
    if any(l.startswith("$ ") for l in body):
        cmds, shown = [], []
        for l in body:
            if l.startswith("$ "):
                cmds.append(l[2:].strip())
                shown.append([])
            elif cmds and l.startswith("ipclab: "):
                shown[-1].append(l)
        return cmds, shown
    cmds = [l.strip() for l in body if l.strip()]
    return cmds, [[] for _ in cmds]


def with_args(cmd, args):
    """An ipclab run/sweep/ctxsw command with args: an option the command
    already gives gets the value from args (ipclab refuses an option given
    twice), the others are inserted before a trailing comment, redirection
    or `&`."""
    if not args or not re.search(r"(^|/)ipclab (run|sweep|ctxsw)\b", cmd):
        return cmd
    m = re.search(r"\s+(#|<|>|&|\|)", cmd)
    cut = m.start() if m else len(cmd)
    words, rest = cmd[:cut].split(), cmd[cut:]
    extra = args.split()
    i = 0
    while i < len(extra):
        opt = extra[i]
        has_value = i + 1 < len(extra) and not extra[i + 1].startswith("-")
        if opt in words:
            if has_value:
                words[words.index(opt) + 1] = extra[i + 1]
        else:
            words += extra[i:i + 1 + has_value]
        i += 1 + has_value
    return " ".join(words) + rest


def programs(cmd):
    """The programs a command line would start (first word of each part;
    `jupyter SUB` is the program jupyter-SUB)."""
    cmd = re.sub(r"\s#.*", "", cmd)
    progs = []
    for part in re.split(r"&&|\|\||;|\s\|\s|&\s*$", cmd):
        words = part.strip().strip("()").split()
        if not words or words[0] in ("cd", "export"):
            continue
        progs.append(words[0])
        if words[0] == "jupyter" and len(words) > 1:
            progs.append("jupyter-" + words[1])
    return progs


def exists(prog):
    if "/" in prog:
        return os.path.isfile(prog) and os.access(prog, os.X_OK)
    return shutil.which(prog) is not None


def main():
    path = sys.argv[1]
    name = os.path.basename(path)
    top = os.getcwd()
    notes = tempfile.mkdtemp(prefix="ipclab-readme-")
    fails = passes = 0
    for lineno, marks, body in blocks(path):
        if "output" in marks:
            continue
        cmds, shown = commands(body)
        if not cmds:
            continue
        cmds = [re.sub(r"\[([^][]*)\]", r"\1", c) for c in cmds]
        where = "%s:%d" % (name, lineno)
        if "--list" in sys.argv:
            print(where, marks, cmds)
            continue
        if "not-run" in marks:
            missing = [p for c in cmds for p in programs(c) if not exists(p)]
            if missing:
                print("FAIL %s (not run: %s): no program %s" % (where, marks["not-run"],
                                                              ", ".join(missing)))
                fails += 1
            else:
                print("ok   %s: not run (%s); its programs exist" % (where, marks["not-run"]))
                passes += 1
            continue
        want = re.sub(r"\s*\(.*\)$", "", marks.get("exit", "0")).split()
        if len(want) == 1:
            want = want * len(cmds)
        if len(want) != len(cmds):
            print("FAIL %s: exit: gives %d statuses for %d commands" % (where, len(want), len(cmds)))
            fails += 1
            continue
        cmds = [with_args(c, marks.get("test-args", "")) for c in cmds]
        # Statuses and stderr go beside the scratch folder, never into the
        # folders a block may cd into (they may be the sources).
        status = os.path.join(notes, "status")
        errs = [os.path.join(notes, "err-%d" % k) for k in range(len(cmds))]
        script = []
        for k, c in enumerate(cmds):
            script.append("%s 2> %s\necho \"$?\" >> %s" % (c, errs[k], status))
        script.append("wait")
        for f in [status] + errs:
            if os.path.exists(f):
                os.unlink(f)
        t0 = time.time()
        try:
            r = subprocess.run(["bash", "-c", "\n".join(script)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=TIMEOUT, cwd=top)
            out = r.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired:
            print("FAIL %s: still running after %d s: %s" % (where, TIMEOUT, cmds))
            fails += 1
            continue
        got = open(status).read().split() if os.path.exists(status) else []
        bad = []
        for k, c in enumerate(cmds):
            st = got[k] if k < len(got) else "none"
            err = open(errs[k], errors="replace").read() if os.path.exists(errs[k]) else ""
            if st not in want[k].split("|"):
                bad.append("`%s` exited %s, not %s%s" % (c, st, want[k],
                           "\n      " + "\n      ".join(err.strip().split("\n")[-5:]) if err.strip() else ""))
            for line in shown[k] if st != "0" else []:
                head = ":".join(line.split(":")[:3])
                if not err.startswith(head):
                    bad.append("`%s`: stderr does not start with %r:\n      %s" % (c, head, err.strip()[:300]))
        if bad:
            print("FAIL %s:\n    %s" % (where, "\n    ".join(bad)))
            if out.strip():
                print("    output:\n      " + "\n      ".join(out.strip().split("\n")[-10:]))
            fails += 1
        else:
            print("ok   %s (%.1f s): %s" % (where, time.time() - t0, " ; ".join(cmds)))
            passes += 1
    shutil.rmtree(notes, ignore_errors=True)
    print("%s: %d blocks passed, %d failed" % (name, passes, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
