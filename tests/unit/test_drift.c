/*
 * test_drift.c - the machine's level per round is recovered from synthetic
 * sweeps, the drift widens intervals as documented in drift.h, and the
 * widened interval holds a rerun that ran at another level the sweep saw.
 */
#include "check.h"
#define RNG_SEED 0x9e3779b97f4a7c15ull
#include "rng.h"
#include "drift.h"
#include "stats.h"
#include "trust.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NP 30
#define NR 9

/* Point p's true figure: spread over three orders of magnitude. */
static double base(int p)
{
	return 1e6 * pow(10, (double)p / 10);
}

static void test_levels(void)
{
	const double level[NR] = {1.00, 0.96, 1.02, 1.05, 0.99,
				  1.00, 0.97, 1.03, 1.01};
	double fig[NP * NR], got[NR];
	for (int p = 0; p < NP; p++)
		for (int r = 0; r < NR; r++)
			fig[p * NR + r] = base(p) * level[r] *
					  (1 + 0.005 * normal());
	fig[3 * NR + 4] = NAN; /* a failed round */
	double d = drift_of_rounds(fig, NP, NR, got);
	/* The levels are relative to each point's median (level 1.00). */
	for (int r = 0; r < NR; r++)
		CHECK_NEAR(got[r], level[r], 0.012);
	CHECK_NEAR(d, (1.05 - 0.96) / 2, 0.008);

	/* Too few points in a round, or too few rounds: unknown. */
	CHECK(isnan(drift_of_rounds(fig, DRIFT_MIN_POINTS - 1, NR, got)));
	CHECK(isnan(got[0]));
	CHECK(isnan(drift_of_rounds(fig, NP, 0, NULL)));
	double two[NP * 2];
	for (int p = 0; p < NP; p++)
		two[p * 2] = two[p * 2 + 1] = base(p);
	CHECK(isnan(drift_of_rounds(two, NP, 2, NULL)));
	/* A machine that never moved has no drift. */
	double flat[NP * NR];
	for (int i = 0; i < NP * NR; i++)
		flat[i] = base(i / NR);
	CHECK_NEAR(drift_of_rounds(flat, NP, NR, NULL), 0, 1e-12);
}

static void test_widen(void)
{
	double lo = 96, hi = 103;
	drift_widen(100, 0.03, &lo, &hi); /* 4 (+) 3 = 5; 3 (+) 3 */
	CHECK_NEAR(lo, 95, 1e-9);
	CHECK_NEAR(hi, 100 + 3 * sqrt(2), 1e-9);
	lo = 96;
	hi = 103;
	drift_widen(100, NAN, &lo, &hi);
	CHECK(lo == 96 && hi == 103);
	drift_widen(100, 0, &lo, &hi);
	CHECK(lo == 96 && hi == 103);
	lo = 10;
	hi = 20;
	drift_widen(15, 2.0, &lo, &hi); /* never below zero */
	CHECK(lo == 0 && hi > 20);
}

/*
 * Run A: 9 rounds, the machine's level uniform in 1 +- 4 % from round to
 * round, 1 % noise per run.  Its rerun B runs every round at one level
 * drawn from the same range (a rerun in a calmer or busier minute).  The
 * rounds' own interval misses such reruns too often; widened by the drift
 * measured in A, it holds B's median at least 90 % of the time.
 */
static void test_rerun_at_another_level(void)
{
	const int trials = 300;
	unsigned raw = 0, widened = 0, total = 0;
	for (int t = 0; t < trials; t++) {
		double a[NP * NR], lvl[NR];
		for (int r = 0; r < NR; r++)
			lvl[r] = 1 + 0.08 * (uniform() - 0.5);
		for (int p = 0; p < NP; p++)
			for (int r = 0; r < NR; r++)
				a[p * NR + r] = base(p) * lvl[r] *
						(1 + 0.01 * normal());
		double d = drift_of_rounds(a, NP, NR, NULL);
		CHECK(d > 0.01 && d < 0.05);
		double blevel = 1 + 0.08 * (uniform() - 0.5);
		for (int p = 0; p < NP; p++) {
			double b[NR];
			for (int r = 0; r < NR; r++)
				b[r] = base(p) * blevel * (1 + 0.01 * normal());
			struct stats_summary sa;
			CHECK(stats_summarize(&a[p * NR], NR, &sa) == 0);
			double bmed = stats_median(b, NR);
			double lo = sa.rerun_lo, hi = sa.rerun_hi;
			raw += lo <= bmed && bmed <= hi;
			drift_widen(sa.median, d, &lo, &hi);
			widened += lo <= bmed && bmed <= hi;
			total++;
		}
	}
	fprintf(stderr, "rerun coverage: raw %.3f, widened %.3f\n", (double)raw / total, (double)widened / total);
	CHECK((double)widened / total >= 0.90);
	CHECK((double)raw / total < 0.90);
	CHECK(widened > raw);
}

/* The judged interval is the widened one, and `wide` says why. */
static void test_trust_uses_drift(void)
{
	double fig[9];
	for (int i = 0; i < 9; i++)
		fig[i] = 1e9 * (1 + 0.002 * (i - 4));
	struct trust_in in = {.n = 9, .fig = fig, .target = 0.05,
			      .unit = "B/s"};
	struct trust_out plain, wide;
	trust_judge(&in, &plain);
	CHECK(plain.kinds == 0);
	CHECK(plain.rel_halfwidth < 0.01);
	in.drift = 0.12;
	trust_judge(&in, &wide);
	CHECK(wide.rel_halfwidth > 0.12);
	CHECK(wide.lo < plain.lo && wide.hi > plain.hi);
	CHECK(wide.kinds & TRUST_WIDE);
	CHECK(strstr(wide.reason, "drift +-12.0% alone beyond it") != NULL);

	/* +-7 % of its own and +-8 % of drift: wide together (+-10.6 %). */
	for (int i = 0; i < 9; i++)
		fig[i] = 1e9 * (1 + 0.0175 * (i - 4));
	in.drift = 0;
	trust_judge(&in, &plain);
	CHECK(!(plain.kinds & TRUST_WIDE));
	in.drift = 0.08;
	trust_judge(&in, &wide);
	CHECK_NEAR(wide.rel_halfwidth, hypot(0.07, 0.08), 1e-9);
	CHECK(wide.kinds & TRUST_WIDE);
	CHECK(strstr(wide.reason, "drift +-8.0% included") != NULL);
}

static const struct test_case cases[] = {
	{"levels", test_levels},
	{"widen", test_widen},
	{"rerun_at_another_level", test_rerun_at_another_level},
	{"trust_uses_drift", test_trust_uses_drift},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
