"""Load an ipclab results folder (runs.csv, summary.csv, meta.json, hyperfine/*.json)
into plain Python structures, and the helpers every plot and report shares: one
colour per transport, human units, binary BUF_SIZE labels, and the cost model
time = bytes * c_byte + handoffs * c_handoff.

Only the standard library and numpy: pandas is not guaranteed on the machines
this lab runs on.  Rows are dicts keyed by the CSV header (the column tables in
bench/output/record.c are the contract; results/README.md documents them).  A cell
that is empty means "not applicable / not measured" and loads as NaN in a
numeric column, "" in a text column.  Everything read is validated first (see
"validation" below): a damaged file is a ResultsError naming the file, the
line and the column, which scripts turn into one line and exit 2 (fail()).

    import ipclab_results as ir
    res = ir.load("results/20261122-195213-1234")
    rows = ir.select(res.summary, mode="stream", status="ok")
    fits = ir.cost_model(res.summary)
"""

import csv
import glob
import io
import json
import math
import os
import re
import sys
import zlib

import numpy as np

# The known transports, one row each in scripts/transports.csv (the only copy:
# scripts/gp/*.gp read it too): family, colour, marker and dash.  The order of
# the file, grouped by family, is the order of tables.  Its rows named "*" are
# the colours of unknown transports (a student's plugin), chosen by a hash of
# the name so that it does not change from one figure or run to the next.
FAMILIES = {
    "ring": "shared-memory rings",
    "alternation": "shared-memory alternation",
    "kernel": "kernel copies",
    "mq": "message queues",
    "other": "other (plugins)",
}


def _load_transport_table():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "transports.csv")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


_TABLE = _load_transport_table()
TRANSPORTS = {r["transport"]: r for r in _TABLE if r["transport"] != "*"}
TRANSPORT_COLORS = {t: r["color"] for t, r in TRANSPORTS.items()}
FALLBACK_COLORS = tuple(r["color"] for r in _TABLE if r["transport"] == "*")
FLOOR_COLOR = "black"


class ResultsError(Exception):
    """A results folder or file that cannot be used, with a message for humans
    naming the file and, where there is one, the line and the column:
    `results/x/summary.csv:7: column bytes_per_s_median: 'abc' is not a number`.
    Scripts print it as `ipclab: SCRIPT: MESSAGE` and exit 2 (fail())."""


def fail(script, err):
    """What every script does with a ResultsError: one line, exit status 2."""
    print("ipclab: %s: %s" % (script, err), file=sys.stderr)
    sys.exit(2)


class Row(dict):
    """One CSV row: a dict keyed by column name, plus where it came from
    (.path, .line) so that later checks can name the line."""
    path = ""
    line = 0

    def where(self):
        return "%s:%d" % (self.path, self.line)


class Results:
    """One results folder: meta (dict), runs and summary (lists of row dicts),
    hyperfine (file name -> list of hyperfine result dicts)."""

    def __init__(self, path, meta, runs, summary, hyperfine):
        self.path = path
        self.meta = meta
        self.runs = runs
        self.summary = summary
        self.hyperfine = hyperfine

    def label(self):
        """A short name for legends: host and run id from meta.json."""
        host = self.meta.get("host") or ""
        rid = self.meta.get("run_id") or os.path.basename(os.path.normpath(self.path))
        return "%s %s" % (host, rid) if host else str(rid)


# ---------------------------------------------------------------- validation
# Every reader goes through load_csv()/load_meta(), which check what they read
# against these rules: a file that breaks one is a ResultsError naming the
# file, the line and the column, never a silent partial table.

SCHEMA_VERSIONS = (1, 2)

# Plain numbers only: float() would also take "nan", "inf", "1_0" and " 5 ".
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")

# Bounds of the known numeric columns: (low, high).  Nothing ipclab measures is
# negative; the highs are far beyond any real run (a rate of 1 PB/s, a
# duration of three years) and catch a garbled exponent.
_RATE, _NS, _COUNT, _SIZE = (0, 1e15), (0, 1e17), (0, 1e18), (0, 2.0 ** 50)
_PCT = (0, 1e4)  # shares of CPU time, possibly summed over two CPUs
COLUMN_BOUNDS = {
    "schema_version": (1, 1e6), "buf_size": (1, 2.0 ** 50), "total_bytes": _COUNT,
    "blocks": _COUNT, "page_size": _SIZE, "kbuf_size": _SIZE, "nblocks": (0, 1e9),
    "writer_cpu": (0, 1e6), "reader_cpu": (0, 1e6), "pairs": (1, 1e4), "rep": (0, 1e9), "warmup": (0, 1),
    "batch": (1, 65536), "verified": (0, 1), "reps": (0, 1e9), "rounds": (0, 1e9), "round": (0, 1e9),
    "t_start_s": (0, 1e9), "floor_ratio": (0, 1e6), "interval_coverage": (0, 1),
    "rel_halfwidth": (0, 1e6), "steal_pct": (0, 101), "other_busy_pct": (0, 101),
    "steal_pct_max": (0, 101), "other_busy_pct_max": (0, 101),
    "writer_migrations": _COUNT, "reader_migrations": _COUNT,
}
# Families, by how the name ends.
SUFFIX_BOUNDS = (("_per_s", _RATE), ("_per_s_median", _RATE), ("_per_s_min", _RATE),
                 ("_per_s_max", _RATE), ("_per_s_mad", _RATE), ("_per_s_ci_lo", _RATE),
                 ("_per_s_ci_hi", _RATE), ("_ns", _NS), ("_ns_median", _NS),
                 ("_ns_min", _NS), ("_ns_max", _NS), ("_ns_ci_lo", _NS), ("_ns_ci_hi", _NS),
                 ("_per_block", _COUNT), ("csw", _COUNT), ("flt", _COUNT),
                 ("_pct", _PCT), ("_pct_max", _PCT), ("_pct_mean", _PCT))

# Columns that hold words even when a value looks like a number, with the
# values they may take (None: any text).
TEXT_COLUMNS = {
    "pair_cpus": None, "pair_total_bytes_list": None, "pair_bytes_per_s_list": None,
    "pair_rtt_p50_ns_list": None,
    "run_id": None, "transport": None, "mode": ("stream", "pingpong"),
    "access": ("copy", "inplace", ""), "populate": ("on", "off", "n/a", ""),
    "hugepages": ("off", "on", "try", "thp", "n/a", ""), "region_mechanism": None,
    "pin": None, "status": ("ok", "skipped", "error"), "reason": None,
    "flag": ("", "unstable"), "flag_kinds": None,
}

# What each file must have.
SUMMARY_REQUIRED = ("transport", "mode", "buf_size", "status")
RUNS_REQUIRED = ("transport", "mode", "buf_size", "status", "warmup")

# The figure of a point, per mode: (runs.csv column, summary.csv column).
FIGURE = {"stream": ("bytes_per_s", "bytes_per_s_median"),
          "pingpong": ("one_way_p50_ns", "one_way_p50_ns")}


def column_bounds(name):
    """(low, high) of a known numeric column, None for an unknown one."""
    if name in COLUMN_BOUNDS:
        return COLUMN_BOUNDS[name]
    for suffix, b in SUFFIX_BOUNDS:
        if name.endswith(suffix):
            return b
    return None


def _cell_error(path, line, name, msg):
    return ResultsError("%s:%d: column %s: %s" % (path, line, name, msg))


def _parse_number(path, line, name, v):
    """A checked number from a cell of a known numeric column; NaN when empty."""
    if v == "":
        return math.nan
    if not _NUMBER.match(v):
        raise _cell_error(path, line, name, "%r is not a number" % v)
    x = float(v)
    lo, hi = column_bounds(name)
    if x < lo:
        raise _cell_error(path, line, name, "%s is %s (at least %g expected)"
                          % (v, "negative" if x < 0 else "too small", lo))
    if x > hi:
        raise _cell_error(path, line, name, "%s is out of range (at most %g)" % (v, hi))
    return x


def _check_row(row, kind):
    """Checks across cells: an ok row carries the figure of its mode."""
    if row.get("status") != "ok":
        return
    if kind == "runs" and row.get("warmup") != 0:
        return
    cols = FIGURE.get(row.get("mode"))
    if not cols:
        return
    name = cols[0] if kind == "runs" else cols[1]
    if name in row and not row[name] > 0:
        raise _cell_error(row.path, row.line, name, "empty or zero on an ok %s row "
                          "(the figure of the point)" % row.get("mode"))


def _read_table(path):
    """(header, [(line, cells)]) of a CSV file, checked for shape."""
    try:
        with open(path, newline="") as f:
            text = f.read()
    except FileNotFoundError:
        raise ResultsError("%s: no such file" % path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ResultsError("%s: cannot read: %s" % (path, getattr(e, "strerror", None) or e)) \
            from None
    if not text.strip():
        raise ResultsError("%s:1: empty file (no header line)" % path)
    reader = csv.reader(io.StringIO(text))
    out, header = [], None
    try:
        for cells in reader:
            if not cells:
                continue  # a blank line
            if header is None:
                header = cells
                continue
            out.append((reader.line_num, cells))
    except csv.Error as e:
        raise ResultsError("%s:%d: malformed CSV: %s" % (path, reader.line_num, e)) from None
    if not text.endswith("\n"):
        raise ResultsError("%s:%d: the last line ends without a newline (the file was cut "
                           "short: truncated copy or an interrupted write?)"
                           % (path, reader.line_num))
    seen = set()
    for name in header:
        if name in seen or not name:
            raise ResultsError("%s:1: column %r %s in the header"
                               % (path, name, "appears twice" if name else "is unnamed"))
        seen.add(name)
    for line, cells in out:
        if len(cells) != len(header):
            raise ResultsError("%s:%d: %d cells, the header has %d (a truncated or "
                               "malformed line)" % (path, line, len(cells), len(header)))
    return header, out


def load_csv(path, required=(), kind=None):
    """Rows of a CSV file as Row dicts (numbers as float, empty numeric cells
    NaN), validated: every line has the header's cells, the required columns
    are there, the known columns hold what they may (TEXT_COLUMNS,
    COLUMN_BOUNDS), an ok row of `kind` "runs" or "summary" carries its figure.
    Unknown columns are kept: numeric when every cell is a plain number.
    Raises ResultsError naming the file, line and column."""
    header, lines = _read_table(path)
    missing = [c for c in required if c not in header]
    if missing:
        raise ResultsError("%s:1: missing column(s) %s (renamed? is this an ipclab CSV?)"
                           % (path, ", ".join(missing)))
    numeric = {}
    for i, name in enumerate(header):
        if name in TEXT_COLUMNS:
            numeric[name] = False
        elif column_bounds(name):
            numeric[name] = True
        else:  # unknown: a number column when every cell is one
            numeric[name] = all(c[i] == "" or _NUMBER.match(c[i]) for _, c in lines)
    rows = []
    for line, cells in lines:
        r = Row()
        r.path, r.line = path, line
        for name, v in zip(header, cells):
            if not numeric[name]:
                allowed = TEXT_COLUMNS.get(name)
                if allowed is not None and v not in allowed:
                    raise _cell_error(path, line, name, "%r is not one of %s"
                                      % (v, ", ".join(a or "(empty)" for a in allowed)))
                r[name] = v
            elif column_bounds(name):
                r[name] = _parse_number(path, line, name, v)
            else:
                r[name] = float(v) if v != "" else math.nan
        sv = r.get("schema_version", 1)
        if sv == sv and sv not in SCHEMA_VERSIONS:
            raise _cell_error(path, line, "schema_version", "%g is not a version this reader "
                              "knows (%s): update the scripts"
                              % (sv, ", ".join(map(str, SCHEMA_VERSIONS))))
        if kind:
            _check_row(r, kind)
        rows.append(r)
    return rows


# meta.json keys the scripts read, and the JSON types they must have.
META_TYPES = {
    "schema_version": int, "run_id": (str, int), "host": str, "kernel": str,
    "cpu_model": str, "cpus_online": int, "start_time": str, "end_time": str,
    "command_line": str, "git_rev": str, "options": dict, "thp": dict,
    "hugepages": dict, "limits": dict, "complete": bool, "rounds": dict,
    "environment": dict, "level": dict, "passes": dict, "canaries": dict,
}


def _json_line(text, key):
    """The line of the first `"key":` in a JSON text (1 when not found)."""
    m = re.search(r'"%s"\s*:' % re.escape(key), text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def load_meta(path):
    """meta.json as a dict; {} when the file is absent (plots still work).
    Validated: a JSON object whose known keys (META_TYPES) have their types."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise ResultsError("%s: cannot read: %s" % (path, getattr(e, "strerror", None) or e)) \
            from None
    try:
        meta = json.loads(text)
    except ValueError as e:
        where = ("%s:%d: column %d" % (path, e.lineno, e.colno)) if hasattr(e, "lineno") \
            else path
        raise ResultsError("%s: not valid JSON: %s" % (where, getattr(e, "msg", e))) from None
    if not isinstance(meta, dict):
        raise ResultsError("%s:1: expected a JSON object, found %s"
                           % (path, type(meta).__name__))
    for key, want in META_TYPES.items():
        v = meta.get(key)
        if v is None:
            continue
        bad = not isinstance(v, want) or (isinstance(v, bool) and want is not bool)
        if not bad and key == "schema_version" and v not in SCHEMA_VERSIONS:
            raise ResultsError("%s:%d: key \"schema_version\": %d is not a version this "
                               "reader knows (%s)" % (path, _json_line(text, key), v,
                                                      ", ".join(map(str, SCHEMA_VERSIONS))))
        if not bad and key == "cpus_online" and v < 1:
            bad = True
        if bad:
            names = want if isinstance(want, tuple) else (want,)
            raise ResultsError("%s:%d: key \"%s\": %s is not %s" % (
                path, _json_line(text, key), key, json.dumps(v)[:40],
                " or ".join({int: "a positive integer" if key == "cpus_online"
                             else "an integer", str: "a string", dict: "an object",
                             bool: "true or false"}[t] for t in names)))
    return meta


def load_hyperfine(path):
    """hyperfine --export-json output: a list of dicts with command, mean,
    stddev, median, min, max, user, system (seconds), times (list) and
    parameters (dict of -L values as strings)."""
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        raise ResultsError("%s: no such file" % path) from None
    except (OSError, ValueError) as e:
        raise ResultsError("%s: not valid JSON: %s" % (path, e)) from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise ResultsError("%s: no \"results\" list (is this hyperfine --export-json output?)"
                           % path)
    out = []
    for r in results:
        if not isinstance(r, dict) or "mean" not in r:
            raise ResultsError("%s: a result without \"mean\"" % path)
        e = {k: r.get(k) for k in ("command", "mean", "stddev", "median", "min",
                                    "max", "user", "system")}
        try:
            for k in ("mean", "stddev", "median", "min", "max", "user", "system"):
                e[k] = math.nan if e[k] is None else float(e[k])
            e["times"] = [float(t) for t in r.get("times") or []]
        except (TypeError, ValueError):
            raise ResultsError("%s: result %r: a time that is not a number"
                               % (path, e.get("command"))) from None
        if any(v < 0 for v in [e[k] for k in ("mean", "min", "max")] + e["times"]):
            raise ResultsError("%s: result %r: a negative time" % (path, e.get("command")))
        e["parameters"] = dict(r.get("parameters") or {})
        out.append(e)
    return out


def load(path, need_summary=True, need_runs=False):
    """Load a results folder.  summary.csv is required unless need_summary is
    False; runs.csv and meta.json are optional unless asked for."""
    if not os.path.isdir(path):
        raise ResultsError("%s: not a directory (expected a results folder "
                           "made by `ipclab sweep -o DIR`)" % path)
    spath = os.path.join(path, "summary.csv")
    rpath = os.path.join(path, "runs.csv")
    summary = []
    if need_summary or os.path.exists(spath):
        if need_summary and not os.path.exists(spath):
            raise ResultsError("%s: no summary.csv here (expected a results folder "
                               "made by `ipclab sweep -o DIR`)" % path)
        summary = load_csv(spath, SUMMARY_REQUIRED, "summary")
        if need_summary and not summary:
            raise ResultsError("%s: no rows (the sweep wrote no configuration)" % spath)
    runs = []
    if need_runs or os.path.exists(rpath):
        runs = load_csv(rpath, RUNS_REQUIRED, "runs")
    meta = load_meta(os.path.join(path, "meta.json"))
    hyperfine = {}
    for p in sorted(glob.glob(os.path.join(path, "hyperfine", "*.json"))):
        try:
            hyperfine[os.path.basename(p)] = load_hyperfine(p)
        except ResultsError:
            continue  # a sidecar such as bufsize.meta.json, not a hyperfine export
    return Results(path, meta, runs, summary, hyperfine)


# ---------------------------------------------------------------- selecting


def select(rows, **match):
    """Rows whose columns equal the given values; a value may be a tuple/set
    of accepted values.  select(rows, mode="stream", status="ok")."""
    out = []
    for r in rows:
        keep = True
        for k, want in match.items():
            v = r.get(k, "")
            if isinstance(want, (tuple, list, set, frozenset)):
                if v not in want:
                    keep = False
                    break
            elif v != want:
                keep = False
                break
        if keep:
            out.append(r)
    return out


def column(rows, name):
    """One column of rows as a float array (NaN where empty or absent)."""
    out = np.full(len(rows), np.nan)
    for i, r in enumerate(rows):
        v = r.get(name, math.nan)
        if isinstance(v, str):
            try:
                v = float(v) if v else math.nan
            except ValueError:
                v = math.nan
        out[i] = v
    return out


def num(row, name):
    """One cell as a float, NaN when empty, absent or not a number."""
    v = row.get(name, math.nan)
    if isinstance(v, str):
        try:
            return float(v) if v else math.nan
        except ValueError:
            return math.nan
    return float(v)


def unique(rows, name):
    """The distinct values of a column, in order of first appearance."""
    seen = []
    for r in rows:
        v = r.get(name, "")
        if v not in seen:
            seen.append(v)
    return seen


def transports_in(rows):
    """Transport names, known ones in the table's order, then the others sorted."""
    names = set(r.get("transport", "") for r in rows) - {""}
    known = [t for t in TRANSPORT_COLORS if t in names]
    return known + sorted(names - set(known))


BASELINE_MEMORY = ("off", "n/a", "")


def pairs_of(row):
    """The writer/reader pairs a row ran at once (1 in folders made before
    --pairs)."""
    v = row.get("pairs", "")
    return int(v) if v else 1


# A shift of the whole machine between two folders: at least this share of a
# mode's points (and at least MACHINE_SHIFT_MIN of them) moved the same way,
# their median by more than the threshold.
MACHINE_SHIFT_SHARE = 0.8
MACHINE_SHIFT_MIN = 5


def machine_shift(speed_ratios, threshold):
    """(median, points the same way, points) when nearly every point of one
    mode moved the same way by about the same factor - more likely the host
    (a faster CPU, a quieter neighbour, wake-ups served faster) than the
    software; None otherwise.  speed_ratios: this folder over the baseline,
    latency inverted, so > 1 is faster."""
    r = [x for x in speed_ratios if x > 0 and math.isfinite(x)]
    if len(r) < MACHINE_SHIFT_MIN:
        return None
    med = float(np.median(r))
    if abs(math.log(med)) < math.log1p(threshold):
        return None
    same = sum((x > 1) == (med > 1) for x in r)
    return (med, same, len(r)) if same >= MACHINE_SHIFT_SHARE * len(r) else None


CANARY_PROBE_NAMES = {"speed_probe": "speed probe", "line_probe": "cache-line probe"}


def canary_probes_differ(meta_a, meta_b):
    """The canaries ("speed_probe", "line_probe") whose probe versions the two
    folders' meta.json record differently: their values do not compare.  A
    folder that records none (written before ipclab recorded them) is taken
    as comparable, as it was then."""
    a = (meta_a or {}).get("canaries") or {}
    b = (meta_b or {}).get("canaries") or {}
    return [k for k in ("speed_probe", "line_probe")
            if k in a and k in b and a[k] != b[k]]


def batch_of(row):
    """Round trips per clock reading (ping-pong --batch; 1 in folders made
    before it, and for streams)."""
    v = row.get("batch", "")
    return int(v) if v else 1


def baseline(rows):
    """The rows run with the default memory options (no populate, no huge
    pages, or options not applicable) and the fewest pairs at once (one,
    unless --pairs left none): the ones to compare transports on.  When a
    folder holds no such rows, all of them."""
    base = [r for r in rows
            if r.get("populate", "") in BASELINE_MEMORY
            and r.get("hugepages", "") in BASELINE_MEMORY] or list(rows)
    fewest = min((pairs_of(r) for r in base), default=1)
    return [r for r in base if pairs_of(r) == fewest]


def line_floor_ns(rows, pair=False):
    """The cache-line floor of ping-pong rows, one way in ns: half the median
    of their line_rtt_ns_median (summary.csv) or line_rtt_ns (runs.csv), one
    cache line bounced between the same two CPUs just before each point; NaN
    when none was measured (not pinned to two CPUs, or a schema-1 folder).
    pair: the two-line floor instead (line_pair_rtt_ns: two lines, one each
    way, what a ping-pong over two one-way channels moves at the least)."""
    name = "line_pair_rtt_ns" if pair else "line_rtt_ns"
    v = column(rows, name + "_median")
    if not np.any(np.isfinite(v)):
        v = column(rows, name)
    v = v[np.isfinite(v) & (v > 0)]
    return float(np.median(v)) / 2 if len(v) else math.nan


def sorted_by_size(rows):
    return sorted(rows, key=lambda r: num(r, "buf_size"))


# ---------------------------------------------------------------- colours


def transport_color(name):
    """The colour of a transport in every figure: a fixed table for the known
    ones, a stable hash of the name for the others."""
    c = TRANSPORT_COLORS.get(name)
    if c:
        return c
    return FALLBACK_COLORS[zlib.crc32(name.encode()) % len(FALLBACK_COLORS)]


def transport_family(name):
    """ring, alternation, kernel, mq (see FAMILIES), or other for a plugin."""
    r = TRANSPORTS.get(name)
    return r["family"] if r else "other"


def transport_style(name):
    """(colour, marker, dash) of a transport: the marker and dash are its
    family's, so a line can be followed by its family and its colour."""
    r = TRANSPORTS.get(name)
    if r:
        return r["color"], r["marker"], r["dash"]
    return transport_color(name), "X", "-."


def flag_of(row):
    """The point's stability flag ("unstable" or ""); "" in folders written
    before the flag column existed (schema_version 1)."""
    v = row.get("flag", "")
    return v.strip() if isinstance(v, str) else ""


# Two runs of one point ran with the host in another state when their
# canaries differ: the cache-line round trip between the point's CPUs by more
# than LINE_STATE_RATIO (the host put the two vCPUs elsewhere), or the speed
# probe's time for fixed work by more than SPEED_STATE_RATIO (the host gave
# the CPUs more or less speed).  The speed probe repeats within about 1 %.
LINE_STATE_RATIO = 1.5
SPEED_STATE_RATIO = 1.05


def _apart(a, b, ratio):
    return (isinstance(a, float) and isinstance(b, float) and a > 0 and b > 0
            and max(a, b) / min(a, b) > ratio)


def host_state_change(line_a, line_b, speed_a, speed_b):
    """"" when the two runs' canaries agree (or were not measured), else
    "line" (the cache-line canary moved), "speed" (the speed probe moved) or
    "line+speed"."""
    kinds = [name for name, a, b, r in (("line", line_a, line_b, LINE_STATE_RATIO),
                                         ("speed", speed_a, speed_b, SPEED_STATE_RATIO))
             if _apart(a, b, r)]
    return "+".join(kinds)


# ---------------------------------------------------------------- units


def fmt_size(n):
    """BUF_SIZE in binary units: 16 B, 1 KiB, 1.5 MiB.  A size that is not a
    whole number of quarter units stays in bytes (10000 B), as the user typed it,
    up to 1 MiB; beyond that it is rounded (9.54 MiB)."""
    if n is None or not math.isfinite(n):
        return "-"
    n = float(n)
    units = (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))
    for unit, scale in units:
        if n >= scale and (n * 4) % scale == 0:
            v = n / scale
            return ("%d %s" % (v, unit)) if v == int(v) else ("%.3g %s" % (v, unit))
    if n < (1 << 20):
        return "%d B" % n
    for unit, scale in units:
        if n >= scale:
            return "%.3g %s" % (n / scale, unit)
    return "%d B" % n


def fmt_rate(bps):
    """Bytes per second in decimal units (1 GB/s = 10^9 B/s), as ipclab prints."""
    if bps is None or not math.isfinite(bps):
        return "-"
    for unit, scale in (("GB/s", 1e9), ("MB/s", 1e6), ("kB/s", 1e3)):
        if abs(bps) >= scale:
            return "%.3g %s" % (bps / scale, unit)
    return "%.3g B/s" % bps


def fmt_ns(ns):
    """A duration given in ns, in the unit that reads best."""
    if ns is None or not math.isfinite(ns):
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return "%.3g %s" % (ns / scale, unit)
    return "%.3g ns" % ns


def fmt_size_approx(n):
    """A computed size (not one the user typed), rounded: 343 KiB, 2.92 KiB."""
    if n is None or not math.isfinite(n):
        return "-"
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(n) >= scale:
            return "%.3g %s" % (n / scale, unit)
    return "%.3g B" % n


def fmt_count(v):
    """A count or rate for an axis: 0.0001, 0.5, 12, 10,000 (no exponents)."""
    if v is None or not math.isfinite(v):
        return "-"
    if abs(v) >= 1:
        return "{:,.0f}".format(v) if v == round(v) else "{:,.3g}".format(v)
    return np.format_float_positional(v, precision=3, unique=True, fractional=False, trim="-")


def fmt_num(v, digits=3):
    if v is None or not math.isfinite(v):
        return "-"
    return "%.*g" % (digits, v)


# ---------------------------------------------------------------- cost model


def _solve2(a, b, t):
    """Least squares t ~ a*p + b*q without intercept; (p, q) or None when the
    two columns are (nearly) parallel.  The columns are scaled to unit length
    first, which keeps the 2x2 system well conditioned."""
    na = math.sqrt(float(np.dot(a, a)))
    nb = math.sqrt(float(np.dot(b, b)))
    if na == 0 or nb == 0:
        return None
    As, Bs = a / na, b / nb
    cos = float(np.dot(As, Bs))
    det = 1.0 - cos * cos
    if det < 1e-9:
        return None
    ba, bb = float(np.dot(As, t)), float(np.dot(Bs, t))
    return (ba - cos * bb) / det / na, (bb - cos * ba) / det / nb


def fit_cost_model(bytes_, handoffs, time_ns):
    """Fit time = bytes*c_byte + handoffs*c_handoff (no intercept): THE fit of
    ipclab, behind `ipclab model` (scripts/model.py), the plots, the report and
    the notebooks.  Least squares on the RELATIVE miss (t_i - model_i) / t_i,
    so every BUF_SIZE counts equally: a --min-time sweep makes every point
    last about as long, and plain least squares would then be fitting noise.
    It is the same two equations for bytes/t and handoffs/t against 1.

    Coefficients are not forced to be positive: a negative one on real data
    is a sign the model does not fit that transport (look at R²).

    Returns a dict with c_byte_ns, c_handoff_ns, r2 (on the time per byte,
    t/bytes, against c_byte + c_handoff*handoffs/bytes: the curve the plots
    show; NaN when it is flat), max_rel_err (the worst miss of one point) and
    n, or None when the points cannot separate the two costs (fewer than 2
    points, a value not > 0, or one bytes/handoffs ratio, i.e. one BUF_SIZE)."""
    x = np.asarray(bytes_, dtype=float)
    y = np.asarray(handoffs, dtype=float)
    t = np.asarray(time_ns, dtype=float)
    n = len(t)
    if n < 2 or len(x) != n or len(y) != n:
        return None
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y)) and np.all(np.isfinite(t))):
        return None
    if np.any(t <= 0) or np.any(x <= 0):
        return None
    sol = _solve2(x / t, y / t, np.ones(n))
    if sol is None:
        return None
    c_byte, c_handoff = sol
    per_byte = t / x
    model = c_byte + c_handoff * y / x
    ss_res = float(np.sum((per_byte - model) ** 2))
    ss_tot = float(np.sum((per_byte - per_byte.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else math.nan
    max_rel = float(np.max(np.abs(model * x - t) / t))
    return {"c_byte_ns": c_byte, "c_handoff_ns": c_handoff, "r2": r2,
            "max_rel_err": max_rel, "n": n}


COSTMODEL_COLUMNS = (
    "transport", "pin", "points", "buf_size_min", "buf_size_max",
    "c_byte_ns", "c_byte_gb_per_s", "c_handoff_ns", "c_handoff_us", "r2",
    "max_rel_err", "writer_vcsw_per_handoff", "reader_vcsw_per_handoff", "crossover_bytes",
    "floor_gb_per_s", "note",
)

# The memcpy floor beside c_byte is read where copying dominates.
FLOOR_MIN_BUF = 65536


def _nanmedian(v):
    v = np.asarray(v, dtype=float)
    return float(np.nanmedian(v)) if np.any(np.isfinite(v)) else math.nan


def fit_points(pts):
    """The cost model of one configuration from its summary rows (stream, ok;
    one row per BUF_SIZE): a dict with the COSTMODEL_COLUMNS keys except
    transport and pin.
      c_byte_gb_per_s   1 / c_byte, the throughput the byte cost alone allows;
      crossover_bytes   c_handoff / c_byte, the BUF_SIZE at which one handoff
                        costs as much as the bytes it carries (below it the
                        handoffs dominate the time, above it the bytes);
      *_vcsw_per_handoff  median over the sizes of the measured voluntary
                        context switches per handoff;
      floor_gb_per_s    the memcpy floor of the same run: the median over the
                        sizes of FLOOR_MIN_BUF and up, else at the largest;
      note              why there is no fit, or what to distrust in it."""
    pts = sorted_by_size(pts)
    sizes = column(pts, "buf_size")
    e = {k: math.nan for k in COSTMODEL_COLUMNS}
    e.update(points=len(pts), buf_size_min=float(np.nanmin(sizes)),
             buf_size_max=float(np.nanmax(sizes)), note="")
    e["writer_vcsw_per_handoff"] = _nanmedian(column(pts, "writer_vcsw_per_block"))
    e["reader_vcsw_per_handoff"] = _nanmedian(column(pts, "reader_vcsw_per_block"))
    fl = column(pts, "floor_bytes_per_s")
    big = fl[sizes >= FLOOR_MIN_BUF]
    fl = _nanmedian(big) if np.any(np.isfinite(big)) else fl[-1]
    e["floor_gb_per_s"] = fl / 1e9 if fl > 0 else math.nan
    bts = column(pts, "total_bytes")
    hos = column(pts, "blocks")
    tns = column(pts, "wall_ns_median")
    good = np.isfinite(bts) & np.isfinite(hos) & np.isfinite(tns)
    fit = fit_cost_model(bts[good], hos[good], tns[good])
    if fit is None:
        e["note"] = ("needs 2 or more BUF_SIZEs" if len(set(sizes[good])) < 2
                     else "cannot separate byte and handoff costs")
        return e
    cb, ch = fit["c_byte_ns"], fit["c_handoff_ns"]
    e.update(c_byte_ns=cb, c_handoff_ns=ch, c_handoff_us=ch / 1e3, r2=fit["r2"],
             max_rel_err=fit["max_rel_err"], points=fit["n"])
    e["c_byte_gb_per_s"] = 1.0 / cb if cb > 0 else math.nan
    e["crossover_bytes"] = ch / cb if cb > 0 and ch > 0 else math.nan
    notes = []
    if cb <= 0 or ch <= 0:
        notes.append("negative cost: model does not fit")
    if fit["n"] == 2:
        notes.append("2 sizes: exact by construction")
    elif math.isfinite(fit["r2"]) and fit["r2"] < 0.9:
        notes.append("poor fit (R² < 0.9)")
    e["note"] = "; ".join(notes)
    return e


def cost_model(summary):
    """Fit the cost model per transport from summary rows of mode stream,
    access copy, status ok, default memory options (see baseline()).  When the
    folder holds several pin placements, each (transport, pin) is fitted on its
    own.  Returns a list of fit_points() dicts with transport and pin."""
    rows = select(summary, mode="stream", access=("copy", ""), status="ok")
    rows = baseline(rows)
    out = []
    for tname in transports_in(rows):
        for pin in unique(rows, "pin"):
            pts = select(rows, transport=tname, pin=pin)
            if pts:
                e = fit_points(pts)
                e.update(transport=tname, pin=pin)
                out.append(e)
    return out


def write_costmodel_csv(fits, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COSTMODEL_COLUMNS)
        for e in fits:
            row = []
            for k in COSTMODEL_COLUMNS:
                v = e.get(k, "")
                if isinstance(v, float):
                    v = "" if not math.isfinite(v) else ("%.6g" % v)
                row.append(v)
            w.writerow(row)


# ---------------------------------------------------------------- context


def machine_line(meta):
    """'AMD EPYC ..., 2 CPUs, kernel 6.1, host x' from meta.json (what is there)."""
    parts = []
    if meta.get("cpu_model"):
        parts.append(str(meta["cpu_model"]).strip())
    cpus = meta.get("cpus_online", meta.get("cpus"))
    if cpus not in (None, ""):
        parts.append("%s CPUs" % cpus)
    if meta.get("kernel"):
        parts.append("kernel %s" % meta["kernel"])
    if meta.get("host"):
        parts.append("host %s" % meta["host"])
    return ", ".join(parts) if parts else "unknown machine (no meta.json)"


def run_date(meta):
    """The day the run started, YYYY-MM-DD, from meta.json ('' if unknown)."""
    s = str(meta.get("start_time") or "")
    if len(s) >= 10 and s[4] == "-":
        return s[:10]
    rid = str(meta.get("run_id") or "")
    if len(rid) >= 8 and rid[:8].isdigit():
        return "%s-%s-%s" % (rid[:4], rid[4:6], rid[6:8])
    return s


def title_context(meta):
    """The second title line of every figure: machine and date."""
    d = run_date(meta)
    m = machine_line(meta)
    return "%s — %s" % (m, d) if d else m


# ---------------------------------------------------------------- locating


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_ipclab():
    """The ipclab binary: $IPCLAB_BIN, else build/release/ipclab, else
    build/ipclab under the repository.  None when there is none."""
    env = os.environ.get("IPCLAB_BIN")
    if env:
        return env
    root = repo_root()
    for rel in ("build/release/ipclab", "build/ipclab"):
        p = os.path.join(root, rel)
        if os.access(p, os.X_OK):
            return p
    return None
