#!/usr/bin/env python3
"""How well two sweeps of the same configuration agree: the measurement behind
the rerun interval's promise (docs/methodology.md, "Numbers you can trust
twice").

For every point measured ok in both folders: do the medians agree within the
tolerance (default +-10 %)? Of those that do not, how many are flagged
`unstable` in at least one of the two runs, or ran with the host in another
state (their canaries differ: the cache line between the two CPUs by more
than 1.5x, the host put the two vCPUs elsewhere; or the speed probe by more
than 5 %, the host gave the CPUs another speed)? How often does run A's
rerun interval contain run B's median (and B's contain A's), over all points and over the points whose
canaries agree? Prints the shares and the worst disagreements; exit 0, or 2
on unreadable input.

    scripts/pyrun scripts/agreement.py results/A results/B
"""
import argparse
import csv
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipclab_results as ir  # noqa: E402

KEY = ("transport", "mode", "access", "buf_size", "populate", "hugepages", "pin")


def die(msg):
    print("agreement: " + msg, file=sys.stderr)
    sys.exit(2)


def load(folder):
    path = os.path.join(folder, "summary.csv")
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        die("%s: %s" % (path, e.strerror))
    out = {}
    for i, r in enumerate(rows, start=2):
        if r.get("status") != "ok":
            continue
        try:
            key = tuple(r[k] for k in KEY) + (r.get("pairs") or "1", r.get("batch") or "1")
        except KeyError as e:
            die("%s: no column %s" % (path, e))
        pp = r["mode"] == "pingpong"
        name = "one_way_p50_ns" if pp else "bytes_per_s_median"
        lo_name = "one_way_p50_ns_ci_lo" if pp else "bytes_per_s_ci_lo"
        hi_name = "one_way_p50_ns_ci_hi" if pp else "bytes_per_s_ci_hi"
        try:
            med = float(r[name])
            lo = float(r.get(lo_name) or "nan")
            hi = float(r.get(hi_name) or "nan")
        except ValueError:
            die("%s:%d: %s is not a number" % (path, i, name))
        if not (med > 0 and math.isfinite(med)):
            die("%s:%d: %s must be a positive number" % (path, i, name))
        canary = {}
        for name in ("line_rtt_ns_median", "speed_ns_median"):
            try:
                canary[name] = float(r.get(name) or "nan")
            except ValueError:
                die("%s:%d: %s is not a number" % (path, i, name))
        out[key] = {"median": med, "lo": lo, "hi": hi,
                    "line": canary["line_rtt_ns_median"],
                    "speed": canary["speed_ns_median"],
                    "flag": r.get("flag", ""), "kinds": r.get("flag_kinds", "")}
    return out


def meta_of(folder):
    try:
        with open(os.path.join(folder, "meta.json")) as f:
            meta = json.load(f)
        return meta if isinstance(meta, dict) else {}
    except (OSError, ValueError):
        return {}


def elapsed(meta):
    return (meta.get("rounds") or {}).get("elapsed_s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--tolerance", type=float, default=0.10,
                    help="agreement within this relative difference (0.10)")
    ap.add_argument("--worst", type=int, default=8,
                    help="list this many worst disagreements")
    args = ap.parse_args()
    a, b = load(args.a), load(args.b)
    keys = sorted(set(a) & set(b))
    if not keys:
        die("no point measured ok in both folders")
    meta_a, meta_b = meta_of(args.a), meta_of(args.b)
    # A canary measured by another version of its probe says nothing.
    differ = ir.canary_probes_differ(meta_a, meta_b)
    for name, probe in (("line", "line_probe"), ("speed", "speed_probe")):
        if probe in differ:
            print("note: A and B measured the %s with different versions (meta.json "
                  "canaries): its values are not compared" % ir.CANARY_PROBE_NAMES[probe])
            for k in keys:
                a[k][name] = b[k][name] = float("nan")
    agree = flagged_dis = state_dis = cover_ab = cover_ba = n_int = 0
    same_n = same_ab = same_ba = same_agree = 0
    dis = []
    flagged_any = moved = 0
    for k in keys:
        x, y = a[k], b[k]
        ratio = y["median"] / x["median"]
        flagged = bool(x["flag"] or y["flag"])
        other_state = bool(ir.host_state_change(x["line"], y["line"],
                                                x["speed"], y["speed"]))
        flagged_any += flagged
        moved += other_state
        if abs(ratio - 1) <= args.tolerance:
            agree += 1
            same_agree += not other_state
        else:
            flagged_dis += flagged
            state_dis += other_state and not flagged
            dis.append((abs(math.log(ratio)), k, ratio, x, y))
        if math.isfinite(x["lo"]) and math.isfinite(y["lo"]):
            n_int += 1
            hit_ab = x["lo"] <= y["median"] <= x["hi"]
            hit_ba = y["lo"] <= x["median"] <= y["hi"]
            cover_ab += hit_ab
            cover_ba += hit_ba
            if not other_state:
                same_n += 1
                same_ab += hit_ab
                same_ba += hit_ba
    n = len(keys)
    pct = lambda p, q: 100.0 * p / q if q else float("nan")
    print("points in both: %d" % n)
    print("medians within +-%.0f%%: %d (%.0f%%)" % (100 * args.tolerance, agree,
                                                   pct(agree, n)))
    print("disagreements: %d; flagged unstable in A or B: %d; not flagged but "
          "the canaries differ (host in another state): %s; accounted for: %.0f%%"
          % (n - agree, flagged_dis, "%d" % state_dis if len(differ) < 2
             else "not compared", pct(flagged_dis + state_dis, n - agree)))
    print("points flagged in A or B: %d (%.0f%%); points whose canaries differ: %d"
          % (flagged_any, pct(flagged_any, n), moved))
    if n_int:
        print("A's interval holds B's median: %d of %d (%.0f%%); B's holds A's: "
              "%d (%.0f%%)" % (cover_ab, n_int, pct(cover_ab, n_int), cover_ba,
                               pct(cover_ba, n_int)))
    if same_n and moved:
        print("with the same host state (canaries agree): medians within "
              "+-%.0f%%: %d of %d (%.0f%%); A's interval holds B's median %.0f%%, "
              "B's holds A's %.0f%%" % (100 * args.tolerance, same_agree, same_n,
                                       pct(same_agree, same_n), pct(same_ab, same_n),
                                       pct(same_ba, same_n)))
    ea, eb = elapsed(meta_a), elapsed(meta_b)
    if ea is not None and eb is not None:
        print("sweep time: A %.0f s, B %.0f s" % (ea, eb))
    speeds = [(a[k]["speed"], b[k]["speed"]) for k in keys
              if a[k]["speed"] > 0 and b[k]["speed"] > 0]
    if speeds:
        sa = sorted(x for x, _ in speeds)[len(speeds) // 2]
        sb = sorted(y for _, y in speeds)[len(speeds) // 2]
        print("speed probe, median over the points: A %.0f ns, B %.0f ns (B/A %.3f)"
              % (sa, sb, sb / sa))
    for mode in sorted({k[1] for k in keys}):
        shift = ir.machine_shift([(b[k]["median"] / a[k]["median"]) ** (1 if mode == "stream" else -1)
                                  for k in keys if k[1] == mode],
                                 0.05)  # compare.py's default threshold
        if shift:
            print("the whole machine moved (%s): %d of %d points %s in B, median speed ratio "
                  "B/A %.3f" % (mode, shift[1], shift[2],
                                "faster" if shift[0] > 1 else "slower", shift[0]))
    dis.sort(reverse=True)
    for _, k, ratio, x, y in dis[:args.worst]:
        print("  %-14s %-8s %8s  B/A %.2f  flags A:%s B:%s  line A %.0f B %.0f ns"
              "  speed A %.0f B %.0f ns"
              % (k[0], k[1], k[3], ratio, x["kinds"] or "-", y["kinds"] or "-",
                 x["line"], y["line"], x["speed"], y["speed"]))


if __name__ == "__main__":
    main()
