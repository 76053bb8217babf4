/*
 * trust.h - how far a point's figure can be trusted: the rules that flag a
 * point `unstable` (no I/O, no IPC; unit-tested on synthetic rounds).
 *
 * A point was measured once per round, its rounds spread over the whole
 * sweep.  Its median comes with the rerun interval (stats.h).  The point is
 * flagged, with a kind and a sentence for each rule that fires:
 *
 *   wide    the interval (the rounds' own, widened by the sweep's drift)
 *           is wider than twice the target (+-10 % of the median by
 *           default) after the rounds it got (extra rounds narrow only
 *           the rounds' own part: a drift beyond the limit flags every
 *           point, and says so);
 *   spread  the rounds fall into two groups with a gap between them larger
 *           than the target allows: the machine flipped between two states
 *           and a rerun's median may land in either;
 *   canary  the cache-line probe between the point's two CPUs changed state
 *           during its rounds (the host moved the vCPUs), or the speed
 *           probe (speedprobe.h) changed by more than 10 % (the host gave
 *           the CPUs more or less speed), and the figure moved with it;
 *   load    other work or steal time took a noticeable share of the
 *           point's CPUs during its rounds (run-queue waits are recorded,
 *           not judged: across two CPUs they include waking an idle one);
 *   cut     the point has fewer rounds than planned (an interrupted sweep).
 */
#ifndef IPCLAB_TRUST_H
#define IPCLAB_TRUST_H

#include <stddef.h>

/* Thresholds of the rules (documented in results/README.md). */
#define TRUST_TARGET_DEFAULT 0.05   /* relative half-width of the interval */
#define TRUST_CANARY_RATIO 1.5      /* line probe max/min that is a change */
#define TRUST_SPEED_RATIO 1.10      /* speed probe max/min that is a change */
#define TRUST_LOAD_MEAN_PCT 10.0    /* other work, mean over the rounds */
#define TRUST_LOAD_ROUND_PCT 50.0   /* other work in any one round */
#define TRUST_STEAL_PCT 5.0         /* steal in any one round */

/* One point's rounds, in the order they were run; any array may be NULL
 * and any value NAN where it was not measured. */
struct trust_in {
	size_t n;                /* rounds measured */
	unsigned planned;        /* rounds the sweep meant to give it */
	const double *fig;       /* the figure per round */
	const double *line_rtt;  /* cache-line round trip before each round */
	const double *speed;     /* speed probe (ns of fixed work), the same */
	const double *steal_pct, *other_busy_pct;
	double target;           /* relative half-width, e.g. 0.05 */
	double drift;            /* the sweep's level drift (drift.h): the
				  * interval is widened by it; 0 or NAN: not */
	int lower_is_better;     /* latency (1) or throughput (0) */
	const char *unit;        /* for sentences: "B/s" or "ns" */
};

struct trust_out {
	double median, lo, hi, coverage, rel_halfwidth;
	unsigned kinds;          /* TRUST_* bits */
	char kind_names[48];     /* "wide+canary", "" when none */
	char reason[500];        /* one sentence per kind, "" when none */
};

enum {
	TRUST_WIDE = 1, TRUST_SPREAD = 2, TRUST_CANARY = 4, TRUST_LOAD = 8,
	TRUST_CUT = 16,
};

/* Judge the rounds; out is always filled (median etc. NAN when n is 0). */
void trust_judge(const struct trust_in *in, struct trust_out *out);

/* 1 when the point needs more rounds: its interval is wider than target. */
int trust_needs_more(const double *fig, size_t n, double target);

#endif
