"""The cost model of a sweep (what `ipclab model DIR` runs): why does the time
change with BUF_SIZE?  Fits, per configuration (transport, access, memory
options, placement) with ok stream points at two or more BUF_SIZEs of a
sweep's summary.csv,

    time_ns = bytes * c_byte + handoffs * c_handoff

Moving a stream costs something for every byte (copying it) and something for
every handoff (a block changing hands: system calls, semaphore posts, waking
the peer, often a context switch).  Small buffers mean many handoffs and the
second term dominates; large buffers mean few, and the first one does
(compare 1/c_byte with the memcpy floor of the same sweep).  The fit is
ipclab_results.fit_cost_model, the one the plots, the report and the
notebooks use: least squares on the relative miss, R² on the time per byte.
Points flagged unstable are left out while two or more steady BUF_SIZEs remain.
"""
import argparse
import math
import os
import sys

import ipclab_results as ir

KEYS = ("transport", "access", "populate", "hugepages", "pin")
# What a fitted row must carry, each at least 1.
FIT_COLUMNS = ("buf_size", "total_bytes", "blocks", "wall_ns_median")
CSV_COLUMNS = ("transport", "access", "populate", "hugepages", "pin", "points",
               "c_byte_ns", "c_handoff_ns", "r2", "byte_rate_bytes_per_s",
               "floor_bytes_per_s", "max_rel_err", "writer_vcsw_per_handoff",
               "reader_vcsw_per_handoff", "crossover_bytes")
TABLE = "%-14s %-7s %-5s %6s %12s %11s %11s %9s %6s %8s %10s %10s"


def read_summary(arg):
    """The checked stream rows of DIR/summary.csv (or of a .csv given)."""
    path = arg if arg.endswith(".csv") else os.path.join(arg, "summary.csv")
    rows = ir.load_csv(path, required=("transport", "mode", "status") + FIT_COLUMNS)
    for r in ir.select(rows, mode="stream", status="ok"):
        for name in FIT_COLUMNS:
            v = r[name]
            if not v == v:
                raise ir.ResultsError("%s: column %s: empty (an ok stream row needs it)"
                                      % (r.where(), name))
            if v < 1:
                raise ir.ResultsError("%s: column %s: %g is too small (at least 1 expected)"
                                      % (r.where(), name, v))
    return path, rows


def fewest_pairs(rows):
    """The ok stream rows at the fewest pairs at once (the cost of one
    writer/reader pair, as costmodel.csv fits it), and how many rows with
    more pairs were left out."""
    ok = ir.select(rows, mode="stream", status="ok")
    fewest = min((ir.pairs_of(r) for r in ok), default=1)
    kept = [r for r in ok if ir.pairs_of(r) == fewest]
    return kept, len(ok) - len(kept), fewest


def groups(ok):
    """(rows fitted, flagged left out, flagged kept) per configuration, in
    the order of the file."""
    for key in dict.fromkeys(tuple(r.get(k, "") for k in KEYS) for r in ok):
        pts = [r for r in ok if tuple(r.get(k, "") for k in KEYS) == key]
        steady = [r for r in pts if not r.get("flag")]
        flagged = len(pts) - len(steady)
        if flagged and len(ir.unique(steady, "buf_size")) >= 2:
            yield key, steady, flagged, 0
        else:
            yield key, pts, 0, flagged


def warnings(key, e):
    who = "%s (%s, populate %s, hugepages %s, pin %s)" % key
    out = []
    if e["c_byte_ns"] < 0:
        out.append("warning: %s: c_byte = %.3g ns/B is negative, which no cost can be: "
                   "the bytes are too small a share of the time to be measured at these "
                   "BUF_SIZEs, or the time does not grow linearly with them; trust "
                   "c_handoff only, and check R2 and the sizes swept" % (who, e["c_byte_ns"]))
    if e["c_handoff_ns"] < 0:
        out.append("warning: %s: c_handoff = %.3g ns is negative, which no cost can be: "
                   "the handoffs are too small a share of the time at these BUF_SIZEs "
                   "(sweep smaller ones), or the model does not describe this transport"
                   % (who, e["c_handoff_ns"]))
    return out


def csv_cell(v):
    if isinstance(v, float):
        return "%.6g" % v if math.isfinite(v) else "nan"
    return str(v)


def main():
    ap = argparse.ArgumentParser(prog="ipclab model", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", metavar="RESULTS_DIR|summary.csv")
    ap.add_argument("--csv", action="store_true", help="print the fits as CSV")
    a = ap.parse_args()
    try:
        path, rows = read_summary(a.folder)
    except ir.ResultsError as e:
        ir.fail("model", e)
    if a.csv:
        print(",".join(CSV_COLUMNS))
    else:
        print(TABLE % ("transport", "access", "pin", "points", "c_byte", "= rate", "floor",
                       "c_handoff", "R2", "max err", "vcsw w/r", "equal at"))
    fitted = left_out = kept_flagged = 0
    warn = []
    ok, more_pairs, pairs = fewest_pairs(rows)
    for key, pts, out, kept in groups(ok):
        left_out += out
        kept_flagged += kept
        e = ir.fit_points(pts)
        transport, access, _, _, pin = key
        if not math.isfinite(e["c_byte_ns"]):
            if not a.csv:
                print("%-14s %-7s %-5s %6d  (%s)" % (
                    transport, access, pin, len(pts),
                    "needs two or more BUF_SIZEs to fit" if e["note"].startswith("needs")
                    else "the points cannot separate byte and handoff costs"))
            continue
        fitted += 1
        warn += warnings(key, e)
        rate = 1e9 * e["c_byte_gb_per_s"]
        floor = 1e9 * e["floor_gb_per_s"]
        if a.csv:
            vals = key + (e["points"], e["c_byte_ns"], e["c_handoff_ns"], e["r2"], rate, floor,
                          e["max_rel_err"], e["writer_vcsw_per_handoff"],
                          e["reader_vcsw_per_handoff"], e["crossover_bytes"])
            print(",".join(csv_cell(v) for v in vals))
            continue
        print(TABLE % (transport, access, pin, e["points"], "%.3g ns/B" % e["c_byte_ns"],
                       ir.fmt_rate(rate), ir.fmt_rate(floor), ir.fmt_ns(e["c_handoff_ns"]),
                       "%6.3f" % e["r2"], "%7.0f%%" % (100 * e["max_rel_err"]),
                       "%.2f/%.2f" % (e["writer_vcsw_per_handoff"],
                                      e["reader_vcsw_per_handoff"]),
                       ir.fmt_size_approx(e["crossover_bytes"])))
    if not a.csv and fitted:
        print("\ntime = bytes * c_byte + handoffs * c_handoff, fitted over the sweep's "
              "BUF_SIZEs by least squares on relative error;\nR2 on the time per byte, "
              "'max err' the worst miss of one point.\n'= rate' is 1/c_byte, to compare "
              "with the memcpy floor (blocks >= 64 KiB, else the largest);\n'equal at' is "
              "the BUF_SIZE where "
              "both terms cost the same: below it the time is mostly handoffs (wake-ups, "
              "context switches: 'vcsw w/r' per handoff), above it mostly copying.")
    if not a.csv and left_out:
        print("%d point(s) flagged unstable (summary.csv: flag, reason) were left out of "
              "the fits." % left_out)
    if not a.csv and kept_flagged:
        print("%d point(s) flagged unstable were kept where fewer than two steady "
              "BUF_SIZEs remained: read those rows with care." % kept_flagged)
    if more_pairs:
        warn.append("%d point(s) with more than %d pair(s) at once were left out: the "
                    "model is the cost of one channel, fitted at --pairs %d"
                    % (more_pairs, pairs, pairs))
    sys.stdout.flush()
    for w in warn:
        print("ipclab: model: " + w, file=sys.stderr)
    if not fitted:
        print("ipclab: model: no transport in %s has ok stream points at two or more "
              "BUF_SIZEs" % path, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
