/*
 * rounds.h - measure a plan of points in rounds: the one path from a plan to
 * records that `run`, `sweep` and `check` share.
 *
 *   1. prepare: every point is checked against the machine (a point that
 *      cannot run here is a skipped row), calibrated to --min-time, given its
 *      floor and its warm-ups;
 *   2. rounds: each round runs every ready point once, in a fresh shuffled
 *      order (seeded: round r's order comes from the seed and r alone), so a
 *      point's repetitions are spread over the whole sweep and the machine's
 *      slow drifts and sudden flips enter its spread instead of biasing it;
 *   3. extra rounds: after the planned rounds, points whose rerun interval is
 *      wider than the target get more rounds, up to max_rounds, while the
 *      time budget lasts;
 *   4. judge: every point's summary carries its interval and, where a rule
 *      of trust.h fires, the `unstable` flag with its kinds and reasons.
 */
#ifndef IPCLAB_ROUNDS_H
#define IPCLAB_ROUNDS_H

#include "point.h"

struct rounds_opts {
	unsigned rounds;     /* rounds every point gets */
	unsigned max_rounds; /* the most, with extra rounds */
	double budget_s;     /* extra rounds stop when this is spent; 0: none */
	double target;       /* relative half-width of the interval */
	uint64_t seed;       /* of the orders */
	int fail_fast;       /* stop at the first point that fails */
};

/* Where a campaign is, for a progress line. */
struct rounds_progress {
	const char *phase;     /* "prepare" or "round" */
	unsigned round;        /* 0 while preparing */
	size_t done, total;    /* points done in this phase or round */
	const struct point *p; /* the point about to run */
	double elapsed_s, left_s; /* left_s: an estimate, NAN when unknown */
};

struct rounds_hooks {
	record_fn emit;  /* every row: warm-ups, timed rounds, skipped */
	void (*progress)(const struct rounds_progress *pr, void *arg);
	/* a point is done preparing: skipped, failed or ready (rc 0) */
	void (*prepared)(const struct point *p, int rc, const char *why,
			 void *arg);
	void *arg;
};

struct rounds_report {
	unsigned rounds_run;  /* rounds started (the last may be cut) */
	size_t extra_points;  /* points that got extra rounds */
	int budget_hit;       /* extra rounds stopped by the budget */
	int stopped;          /* a stop signal cut the campaign */
	size_t ok, skipped, errors, flagged;
	double elapsed_s;
	/* The machine's level over the planned rounds: its lowest and highest
	 * round, the rounds with a level, and the drift (drift.h; NAN where
	 * unknown) by which every interval was widened. */
	double level_min, level_max, drift;
	unsigned level_rounds;
};

/* meta.json's `level` of a campaign: an object, or null when unknown. */
void rounds_level_json(const struct rounds_report *rep, char *buf, size_t n);

/*
 * The order of round `round` over n points: a permutation of 0..n-1 into
 * idx, from the seed and the round alone.
 */
void rounds_order(size_t n, uint64_t seed, unsigned round, size_t *idx);

/*
 * Run the plan; out[i] receives point i's summary (judged).  Returns 0 when
 * every point that could run did, 1 when some failed, -EINTR when stopped
 * (out[] then holds what was measured, cut points flagged), -ENOMEM.
 */
int rounds_run(const struct point *plan, size_t n,
	       const struct rounds_opts *ro, const char *run_id,
	       const struct rounds_hooks *h, struct summary *out,
	       struct rounds_report *rep);

#endif
