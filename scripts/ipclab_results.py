"""Load an ipclab results folder (runs.csv, summary.csv, meta.json, hyperfine/*.json)
into plain Python structures, and the helpers every plot and report shares: one
colour per transport, human units, binary BUF_SIZE labels, and the cost model
time = bytes * c_byte + handoffs * c_handoff.

Only the standard library and numpy: pandas is not guaranteed on the machines
this lab runs on.  Rows are dicts keyed by the CSV header (the column tables in
bench/output/record.c are the contract; results/README.md documents them).  A cell
that is empty means "not applicable / not measured" and loads as NaN in a
numeric column, "" in a text column.

    import ipclab_results as ir
    res = ir.load("results/20261122-195213-1234")
    rows = ir.select(res.summary, mode="stream", status="ok")
    fits = ir.cost_model(res.summary)
"""

import csv
import glob
import json
import math
import os
import zlib

import numpy as np

# Columns that hold words even when a value looks like a number.
TEXT_COLUMNS = {
    "run_id", "transport", "mode", "access", "populate", "hugepages",
    "region_mechanism", "pin", "status", "reason",
}

# What a summary.csv must have for any plot to make sense.
SUMMARY_REQUIRED = ("transport", "mode", "buf_size", "status")

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
    """A results folder or file that cannot be used, with a message for humans."""


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


# ---------------------------------------------------------------- loading


def _convert(header, raw_rows):
    """Turn CSV strings into floats column by column: a column is numeric when
    every non-empty cell parses as a number; empty cells become NaN there."""
    numeric = {}
    for name in header:
        if name in TEXT_COLUMNS:
            numeric[name] = False
            continue
        ok = True
        for r in raw_rows:
            v = r.get(name)
            if v is None or v == "":
                continue
            try:
                float(v)
            except ValueError:
                ok = False
                break
        numeric[name] = ok
    rows = []
    for r in raw_rows:
        out = {}
        for name in header:
            v = r.get(name)
            if v is None:
                v = ""
            if numeric[name]:
                out[name] = float(v) if v != "" else math.nan
            else:
                out[name] = v
        rows.append(out)
    return rows


def load_csv(path, required=()):
    """Rows of a CSV file as dicts (numbers as float, empty numeric cells NaN).
    Raises ResultsError when the file is missing, empty or lacks a column."""
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames
            raw = list(reader)
    except FileNotFoundError:
        raise ResultsError("%s: no such file" % path) from None
    except (OSError, csv.Error, UnicodeDecodeError) as e:
        raise ResultsError("%s: cannot read: %s" % (path, e)) from None
    if not header:
        raise ResultsError("%s: empty file (no header line)" % path)
    missing = [c for c in required if c not in header]
    if missing:
        raise ResultsError("%s: missing column(s) %s (is this an ipclab CSV?)"
                           % (path, ", ".join(missing)))
    return _convert(header, raw)


def load_meta(path):
    """meta.json as a dict; {} when the file is absent (plots still work)."""
    try:
        with open(path) as f:
            meta = json.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise ResultsError("%s: not valid JSON: %s" % (path, e)) from None
    if not isinstance(meta, dict):
        raise ResultsError("%s: expected a JSON object" % path)
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
        for k in ("mean", "stddev", "median", "min", "max", "user", "system"):
            e[k] = math.nan if e[k] is None else float(e[k])
        e["times"] = [float(t) for t in r.get("times") or []]
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
        summary = load_csv(spath, SUMMARY_REQUIRED)
        if need_summary and not summary:
            raise ResultsError("%s: no rows (the sweep wrote no configuration)" % spath)
    runs = []
    if need_runs or os.path.exists(rpath):
        runs = load_csv(rpath, ("transport", "buf_size", "status"))
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


def baseline(rows):
    """The rows run with the default memory options (no populate, no huge
    pages, or options not applicable): the ones to compare transports on.
    When a folder holds no such rows, all of them."""
    base = [r for r in rows
            if r.get("populate", "") in BASELINE_MEMORY
            and r.get("hugepages", "") in BASELINE_MEMORY]
    return base or list(rows)


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
    """Fit time = bytes*c_byte + handoffs*c_handoff (no intercept) the way
    `ipclab model` does (bench/analysis/model.c, model_fit_relative): least squares on
    the RELATIVE miss (t_i - model_i) / t_i, so every BUF_SIZE counts equally.
    A --min-time sweep makes every point last about as long; plain least
    squares would then be fitting noise.  It is the same two equations for
    bytes/t and handoffs/t against 1.

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


def cost_model(summary):
    """Fit the cost model per transport from summary rows of mode stream,
    access copy, status ok, default memory options (see baseline()).  When the
    folder holds several pin placements, each (transport, pin) is fitted on its
    own.  Returns a list of dicts with the COSTMODEL_COLUMNS keys:
      c_byte_gb_per_s   1 / c_byte, the throughput the byte cost alone allows;
      crossover_bytes   c_handoff / c_byte, the BUF_SIZE at which one handoff
                        costs as much as the bytes it carries (below it the
                        handoffs dominate the time, above it the bytes);
      *_vcsw_per_handoff  median over the fitted sizes of the measured
                        voluntary context switches per handoff;
      floor_gb_per_s    the memcpy floor at the largest fitted size (same run)."""
    rows = select(summary, mode="stream", access=("copy", ""), status="ok")
    rows = baseline(rows)
    pins = unique(rows, "pin")
    out = []
    for tname in transports_in(rows):
        for pin in pins:
            pts = sorted_by_size(select(rows, transport=tname, pin=pin))
            if not pts:
                continue
            sizes = column(pts, "buf_size")
            e = {k: "" for k in COSTMODEL_COLUMNS}
            e.update(transport=tname, pin=pin, points=len(pts),
                     buf_size_min=float(np.nanmin(sizes)),
                     buf_size_max=float(np.nanmax(sizes)))
            wv = column(pts, "writer_vcsw_per_block")
            rv = column(pts, "reader_vcsw_per_block")
            e["writer_vcsw_per_handoff"] = (float(np.nanmedian(wv))
                                            if np.any(np.isfinite(wv)) else math.nan)
            e["reader_vcsw_per_handoff"] = (float(np.nanmedian(rv))
                                            if np.any(np.isfinite(rv)) else math.nan)
            fl = num(pts[-1], "floor_bytes_per_s")
            e["floor_gb_per_s"] = fl / 1e9 if fl > 0 else math.nan
            for k in ("c_byte_ns", "c_byte_gb_per_s", "c_handoff_ns", "c_handoff_us",
                      "r2", "max_rel_err", "crossover_bytes"):
                e[k] = math.nan
            bts = column(pts, "total_bytes")
            hos = column(pts, "blocks")
            tns = column(pts, "wall_ns_median")
            good = np.isfinite(bts) & np.isfinite(hos) & np.isfinite(tns)
            fit = fit_cost_model(bts[good], hos[good], tns[good])
            if fit is None:
                e["note"] = ("needs 2 or more BUF_SIZEs"
                             if len(set(sizes[good])) < 2
                             else "cannot separate byte and handoff costs")
            else:
                cb, ch = fit["c_byte_ns"], fit["c_handoff_ns"]
                e.update(c_byte_ns=cb, c_handoff_ns=ch, c_handoff_us=ch / 1e3,
                         r2=fit["r2"], max_rel_err=fit["max_rel_err"],
                         points=fit["n"])
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
