#!/usr/bin/env bash
# Bad input, systematically: well over 500 generated argument vectors through
# every subcommand that `ipclab --help` lists (and the options each one's
# --help lists): every option with boundary and malformed values (huge and
# negative sizes, 18446744073709551616, empty strings, unknown suffixes,
# format directives, random bytes), duplicated and conflicting options, and
# random vectors.  Every exit status must be 0, 1, 2 or 77 - never a signal
# - a failure must come with a message, the sanitizer build must report
# nothing ("runtime error", "AddressSanitizer"), and no run may leave a
# kernel object behind.
#
# Commands that would run long are bounded: run and sweep get
# --total 1K --messages 1 --reps 1 --warmup 0 --min-time 0.001 --timeout 5
# appended (so valid vectors still run, briefly), `clean` always gets
# --dry-run first, and every vector has a deadline after which it gets
# SIGTERM (ipclab then stops cleanly with 143; that is counted, not failed,
# for the commands that cannot be bounded by options, e.g. a demo asked for
# a slow consumer).
#
# Generated paths never leave the test's scratch directory (or are
# /dev/null, /dev/full and missing directories).  The seed is printed;
# IPCLAB_FUZZ_SEED=N repeats a run.  Must finish in about two minutes.
#
#   bash tests/cli/argv_fuzz.sh build/ipclab
set -uo pipefail
bin=$(readlink -f "$1")
work=$(mktemp -d /tmp/argv-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
python3 - "$bin" "$work" <<'PY'
import concurrent.futures as cf
import os
import random
import re
import signal
import subprocess
import sys
import time

BIN, WORK = sys.argv[1], sys.argv[2]
seed = int(os.environ.get("IPCLAB_FUZZ_SEED") or time.time_ns() % 1000003)
rng = random.Random(seed)
print(f"argv fuzz: seed {seed} (IPCLAB_FUZZ_SEED={seed} repeats this run)")
t_begin = time.monotonic()

def text(args):
    r = subprocess.run([BIN] + args, cwd=WORK, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=30)
    return r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")

# ---- what to fuzz: read from the binary itself ----
helptext = text(["--help"])
commands = []
in_cmds = False
for line in helptext.splitlines():
    if line.startswith("commands:"):
        in_cmds = True
        continue
    if in_cmds:
        m = re.match(r"^  ([a-z][a-z0-9-]*)\b", line)
        if m:
            commands.append(m.group(1))
        elif not line.strip():
            break
if not commands:
    sys.exit("FAIL: no commands found in ipclab --help")
transports = [l.split()[0] for l in text(["list"]).splitlines()[1:] if l.strip()]

OPT_RE = re.compile(r"^\s+(?:-([A-Za-z0-9]),\s+)?--([a-z][a-z0-9-]*)"
                    r"(\[=(\S+)\]|[ =](\S+))?(?:\s{2,}(.*))?$")
CHOICE_RE = re.compile(r"[a-z][a-z0-9-]*(?:\s*\|\s*[a-z][a-z0-9-]*)+")

USAGE_RE = re.compile(r"(?<![\w-])(?:-([A-Za-z0-9])|--([a-z][a-z0-9-]*))"
                      r"(?:[ =]([A-Z][A-Za-z_]*(?:\|[\w./]+)*))?")

def options_of(args):
    """(short, long, argkind, metavar, choices) for every option in help:
    the option table, and the usage line for commands that have none."""
    opts, usage = [], []
    helpout = text(args + ["--help"])
    for line in helpout.splitlines():
        if line.startswith("usage:"):
            for short, long_, meta in USAGE_RE.findall(line):
                choices = meta.split("|")[1:] if "|" in meta else []
                usage.append((short or None, long_ or None,
                              "required" if meta else "none",
                              meta.split("|")[0], choices))
            continue
        m = OPT_RE.match(line)
        if not m:
            continue
        short, long_, _, optmeta, meta, desc = m.groups()
        meta = meta or optmeta
        kind = "none" if not m.group(3) else ("optional" if optmeta else "required")
        choices = set()
        for blob in ([meta] if meta else []) + ([desc] if desc else []):
            for seq in CHOICE_RE.findall(blob):
                choices.update(w.strip() for w in seq.split("|"))
        opts.append((short, long_, kind, meta or "", sorted(choices)))
    opts += usage
    # the table is better informed than the usage line: it wins
    table = [o for o in opts if o[1] and not (o[0] is None and o[2] == "none"
                                               and o in usage)]
    seen = {o[0] for o in table if o[0]} | {o[1] for o in table if o[1]}
    out = []
    for o in opts:
        key = (o[0], o[1])
        if o in usage and (o[0] in seen or o[1] in seen):
            continue
        if key in [(x[0], x[1]) for x in out]:
            continue
        out.append(o)
    return out

demos = [l.split()[0] for l in text(["demo", "--list"]).splitlines() if l.strip()]

# ---- value pools ----
SIZES = ["0", "1", "2", "10", "4095", "4096", "4097", "4K", "4k", "64KiB", "1M",
         "1MiB", "1mb", "16B", "1T", "1TiB", "16T", "17592186044416",
         "17592186044417", "18446744073709551615", "18446744073709551616",
         "99999999999999999999", "-1", "-4K", "+4K", "1.5K", "1,5", "3q", "4KB ",
         " 4K", "K", "", " ", "0x1000", "1e3", "4K4", "1..1M:x2", "16..1M:x4",
         "1K..8K:+1K", "1..10:+0", "10..1:x2", "1..1M", "..", "1..", "..1M:x2",
         "1..64:+1", "1..65:+1", "4K,,8K", ",4K", "4K,", "1,2,3", "1..2:x1",
         "1..18446744073709551615:x2", "0..4K:x2", "1..1K:x18446744073709551616",
         "4K..4K:+1", "4T", "8E", "16EiB"]
NUMBERS = ["0", "1", "2", "7", "64", "-1", "-0", "+5", "4294967296",
           "4294967295", "9223372036854775807", "9223372036854775808",
           "18446744073709551615", "18446744073709551616",
           "99999999999999999999999", "1e3", "0x10", "010", " 1", "1 ", "",
           "abc", "1k", "1.5", "nan", "inf", "-9223372036854775808"]
SECONDS = ["0", "0.001", "0.5", "1", "1s", "200ms", "1us", "0.5us", "2m", "1min",
           "1h", "86400", "86401", "-1", "-0.5", "nan", "inf", "1e308", "1e-320",
           "", "s", "ms", ".", ".5", "0x1p3", "1e3", "5 ", "1,5", "99999999999999999999"]
PINS = ["none", "same", "split", "0,1", "1,0", "0,0", "0:1", "0,4095", "4096,0",
        "-1,0", "0,", ",1", "a,b", "0,1,2", "none,same", "none/split",
        "same,split,none", "", "18446744073709551616,0"]
PATHS = ["out.csv", "o", ".", "sub/dir", "a/b/c/d", "/dev/null", "/dev/full",
         "/proc/self/nonexistent/x", "missing/deeper/x.csv", "", " "]
SAFE_SLASH = {p for p in PATHS if "/" in p}
GARBAGE = ["", " ", "-", "--", "-x", "--x", "=", "\t", "\n", "ü", "%s%s%n%s",
           "%99999999d", "'", '"', "$(id)", ";", "A" * 5000, "-" * 300,
           "--=", "---", "-\x01", "\x7f", "\u202e", "all", "both", "help"]

def rand_bytes():
    n = rng.randint(1, 24)
    b = bytes(rng.choice([rng.randint(1, 255), rng.randint(32, 126)])
              for _ in range(n))
    return b.replace(b"/", b"_")

def mutate(s):
    if not s:
        return rng.choice(GARBAGE)
    ops = [lambda x: x.upper(), lambda x: x + ",", lambda x: "," + x,
           lambda x: x + "," + x, lambda x: x[:-1], lambda x: x + "x",
           lambda x: x + "\xff", lambda x: x * 3, lambda x: " " + x,
           lambda x: x.replace("o", "0")]
    return rng.choice(ops)(s)

def values_for(meta, choices, long_):
    m = meta.upper()
    if long_ in ("transport",) or m == "TRANSPORT":
        base = transports + ["all", "nosuch", "pipe,pipe", "pipe,", ",pipe",
                             ",".join(transports), "PIPE", "pshm"]
    elif long_ == "pin":
        base = PINS
    elif m in ("SIZE", "BYTES") or "SIZE" in m:
        base = SIZES
    elif m in ("SEC", "SECONDS", "DURATION", "TIME"):
        base = SECONDS
    elif m in ("PATH", "FILE", "DIR", "OUT"):
        base = PATHS
    elif m in ("N", "SEED", "W", "S", "MS", "COUNT", "ITERS", "REPS"):
        base = NUMBERS
    else:
        base = []
    vals = list(base) + list(choices) + [mutate(c) for c in choices]
    vals += ["", "18446744073709551616", "-1", rng.choice(GARBAGE)]
    return vals

# ---- bounding ----
BOUND = {"--total": "1K", "--messages": "1", "--reps": "1", "--warmup": "0",
         "--min-time": "0.001", "--timeout": "5", "--quick": None,
         "--no-bench": None}

def bounded(cmdpath, opts, vec):
    """The argv to run: vec plus what keeps it short and harmless."""
    longs = {o[1] for o in opts if o[1]}
    head, tail = list(cmdpath), []
    if cmdpath[0] == "clean":
        head.append("--dry-run") # never remove anything here
    for k, v in BOUND.items():
        if k[2:] in longs:
            tail += [k] if v is None else [k, v]
    if cmdpath[0] == "sweep":
        tail += ["-t", "pipe,pshm-sem", "-b", "64,4K", "--quiet"]
    return head + vec + tail

def safe(tok):
    """No generated token may name a path outside the scratch directory."""
    if isinstance(tok, bytes):
        return tok
    if "/" in tok and tok not in SAFE_SLASH and not any(
            tok.endswith("=" + p) or tok.endswith("o" + p) for p in SAFE_SLASH):
        tok = tok.replace("/", "_")
    if tok.endswith("..") and (len(tok) == 2 or tok[-3] in "=o"):
        tok += "x"
    return tok

# ---- the vectors ----
vectors = []  # (label, cmdpath, opts, vec)

def add(label, cmdpath, opts, vec):
    vectors.append((label, cmdpath, opts, [safe(t) for t in vec]))

specs = []  # (cmdpath, opts, base vector that makes it valid)
for c in commands:
    if c == "demo":
        add("demo", ["demo"], [], [])
        for d in demos + ["nosuch", "", "--list", "-l", "--help", "-h"]:
            add("demo", ["demo"], [], [d])
        for d in demos:
            specs.append((["demo", d], options_of(["demo", d]), []))
        continue
    if c in ("help", "version"):
        specs.append(([c], [], []))
        continue
    if c in ("plot", "report", "compare"):
        # They run a Python script (tests/py tests its options); each start
        # costs an interpreter and matplotlib, so a few vectors only.
        for v in ([], ["--help"], ["nosuch"], ["--frobnicate"], ["", ""]):
            add("script", [c], [], v)
        continue
    opts = options_of([c])
    base = []
    if c in ("run", "xfr"):
        base = ["-t", "pipe", "-b", "4K"]
    elif c == "check":
        base = ["-t", "pipe"]
    specs.append(([c], opts, base))

for cmdpath, opts, base in specs:
    # every option alone with every kind of value (the systematic part)
    add("plain", cmdpath, opts, list(base))
    for short, long_, kind, meta, choices in opts:
        if long_ == "help":
            add("help", cmdpath, opts, ["--help"])
            continue
        lname = "--" + long_ if long_ else "-" + short
        if kind == "none":
            add("flag", cmdpath, opts, base + [lname])
            add("flag=", cmdpath, opts, base + [lname + "=1"])
            add("flag2", cmdpath, opts, base + [lname, lname])
            continue
        vals = values_for(meta, choices, long_)
        for v in rng.sample(vals, min(len(vals), 14)):
            form = rng.randrange(4)
            if form == 0 or (form == 1 and not long_) or (form >= 2 and not short):
                vec = base + [lname, v]
            elif form == 1:
                vec = base + [lname + "=" + v]
            elif form == 2:
                vec = base + ["-" + short, v]
            else:
                vec = base + ["-" + short + v]
            add("opt", cmdpath, opts, vec)
        # missing value, at the end and before another option
        add("noval", cmdpath, opts, base + [lname])
        if short and long_:
            add("noval", cmdpath, opts, base + ["-" + short])
        # duplicated and conflicting
        if vals:
            add("dup", cmdpath, opts, base + [lname, rng.choice(vals),
                                              lname, rng.choice(vals)])
    # unknown, abbreviated and ambiguous options, stray arguments
    for extra in (["--frobnicate"], ["-Z"], ["--"], ["--", "-t"], ["extra"],
                  ["--t"], ["--b", "4K"], ["--m", "stream"], ["-"], [""],
                  ["--=x"], ["-tpipe", "-b4K"]):
        add("misc", cmdpath, opts, base + extra)

# random vectors: options and values mixed with garbage and bytes
while len(vectors) < 900:
    cmdpath, opts, base = rng.choice(specs)
    vec = list(base) if rng.random() < 0.7 else []
    for _ in range(rng.randint(0, 7)):
        r = rng.random()
        if opts and r < 0.65:
            short, long_, kind, meta, choices = rng.choice(opts)
            if long_ == "help":
                continue
            name = "--" + long_ if long_ and (not short or rng.random() < 0.6) \
                else "-" + short
            if kind == "none":
                vec.append(name)
            else:
                vals = values_for(meta, choices, long_)
                vec += [name, rng.choice(vals)]
        elif r < 0.85:
            vec.append(rng.choice(GARBAGE + SIZES + NUMBERS))
        else:
            vec.append(rand_bytes())
    add("random", cmdpath, opts, vec)
# unknown commands and the bare program
for c in ["", "RUN", "runx", "-v", "--version", "-h", "help", "--", "-", "list -v"]:
    add("cmd", [c], [], [])
add("cmd", [], [], [])

# ---- run them ----
def leftovers(pid):
    found = []
    pfx = f"ipclab-{pid}-"
    try:
        found += ["/dev/shm/" + n for n in os.listdir("/dev/shm") if n.startswith(pfx)]
    except OSError:
        pass
    found += ["/tmp/" + n for n in os.listdir("/tmp") if n.startswith(pfx)]
    for f in ("/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg"):
        try:
            lines = open(f).read().splitlines()[1:]
        except OSError:
            continue
        for l in lines:
            k = int(l.split()[0]) & 0xffffffff
            if k >> 26 == 0x2d and (k >> 4) & 0x3fffff == pid & 0x3fffff:
                found.append(f"{f}: key {k:#x}")
    return found

def one(item):
    label, cmdpath, opts, vec = item
    argv = bounded(cmdpath, opts, vec) if cmdpath else []
    unbounded_ok = cmdpath[:1] == ["demo"] or cmdpath[:1] == ["xfr"]
    limit = 8 if unbounded_ok else 25
    p = subprocess.Popen([BIN.encode()] + [a if isinstance(a, bytes) else
                         a.encode("utf-8", "surrogateescape") for a in argv],
                         cwd=WORK, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    timed_out = False
    try:
        out, err = p.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(p.pid, signal.SIGTERM)
        try:
            out, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
    err = err.decode(errors="replace")
    out = out.decode(errors="replace")
    rc = p.returncode
    problems = []
    if timed_out and not unbounded_ok:
        problems.append(f"still running after {limit} s (not bounded)")
    if timed_out and rc not in (143, 0, 1, 2, 77):
        problems.append(f"did not stop cleanly on SIGTERM: status {rc}")
    if not timed_out and rc not in (0, 1, 2, 77):
        problems.append(f"exit status {rc}" + (f" (signal {-rc})" if rc < 0 else ""))
    for bad in ("runtime error", "AddressSanitizer", "LeakSanitizer",
                "UndefinedBehaviorSanitizer"):
        if bad in err:
            problems.append(f"sanitizer: {bad}")
    if rc in (1, 2) and not err.strip() and not out.strip():
        problems.append(f"exit {rc} without a message")
    for bad in ("runtime error", "AddressSanitizer"):
        if bad in out:
            problems.append(f"sanitizer (stdout): {bad}")
    left = leftovers(p.pid)
    if left:
        problems.append("left behind: " + ", ".join(left))
    return label, argv, rc, timed_out, problems, err

fails = 0
status_count = {}
timeouts = 0
with cf.ThreadPoolExecutor(max_workers=3) as ex:
    for label, argv, rc, timed_out, problems, err in ex.map(one, vectors):
        status_count[rc] = status_count.get(rc, 0) + 1
        timeouts += timed_out
        if os.environ.get("IPCLAB_FUZZ_VERBOSE"):
            print(f"[{label}] {rc} {argv!r}"[:300])
        if problems:
            fails += 1
            shown = [a if isinstance(a, str) else repr(a) for a in argv]
            print(f"FAIL [{label}] ipclab {' '.join(repr(a) if (not a or ' ' in a) else a for a in shown)[:400]}")
            for pr in problems:
                print("   ", pr)
            print("    stderr:", err.strip()[:1500].replace("\n", "\n            "))

n = len(vectors)
print(f"argument vectors tried: {n} over {len(commands)} commands "
      f"({', '.join(commands)}); exit statuses: "
      + ", ".join(f"{k}: {v}" for k, v in sorted(status_count.items()))
      + f"; stopped by the deadline: {timeouts}; "
      f"{time.monotonic() - t_begin:.0f} s")
print(f"{n - fails} passed, {fails} failed")
sys.exit(1 if fails or n < 500 else 0)
PY
