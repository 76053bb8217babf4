/*
 * test_trust.c - the rerun interval keeps its promise on synthetic data, the
 * round scheduler visits every point once per round in a seeded shuffled
 * order, and the flag rules fire (and stay quiet) as documented in trust.h.
 */
#include "check.h"
#include "rng.h"
#include "rounds.h"
#include "stats.h"
#include "trust.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))


enum dist { D_UNIFORM, D_EXP, D_LOGNORMAL, D_BIMODAL };

static double draw(enum dist d)
{
	switch (d) {
	case D_UNIFORM:
		return 100 + uniform();
	case D_EXP: /* skewed: timings only get slower */
		return 100 - 10 * log(uniform());
	case D_LOGNORMAL:
		return exp(4 + 0.3 * normal());
	case D_BIMODAL: /* the host flips between two states, 70/30 */
		return uniform() < 0.7 ? 100 + normal() : 150 + 2 * normal();
	}
	return 0;
}

static void test_coverage_table(void)
{
	/* P(rerun median in x(lo)..x(hi)), worked out by hand with the
	 * Beta-binomial: n = m = 3 gives 0.6; 5 gives 1 - 2 * B(3,8)/B(3,3). */
	CHECK_NEAR(stats_rerun_coverage(3, 1, 3, 3), 0.6, 1e-9);
	CHECK_NEAR(stats_rerun_coverage(5, 1, 5, 5), 1 - 2 * (1.0 / 12), 1e-9);
	size_t lo, hi;
	double cov;
	CHECK(stats_rerun_ranks(7, 0.9, &lo, &hi, &cov) == 0);
	CHECK(lo == 1 && hi == 7);
	CHECK_NEAR(cov, 0.930, 0.001);
	CHECK(stats_rerun_ranks(10, 0.9, &lo, &hi, &cov) == 0);
	CHECK(lo == 2 && hi == 9);
	CHECK(cov >= 0.9);
	CHECK(stats_rerun_ranks(13, 0.9, &lo, &hi, &cov) == 0);
	CHECK(lo == 3 && hi == 11 && cov >= 0.9);
	CHECK(stats_rerun_ranks(3, 0.9, &lo, &hi, &cov) == 0);
	CHECK(lo == 1 && hi == 3 && cov < 0.9); /* too few: says so */
	CHECK(stats_rerun_ranks(0, 0.9, &lo, &hi, &cov) < 0);
	CHECK(stats_rerun_coverage(5, 3, 3, 5) == 0);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* How often the median of a second sample falls in the first's interval. */
static double empirical(enum dist d, size_t n, int trials, double *promised)
{
	int hits = 0;
	for (int t = 0; t < trials; t++) {
		double a[32], b[32];
		for (size_t i = 0; i < n; i++) {
			a[i] = draw(d);
			b[i] = draw(d);
		}
		struct stats_summary s;
		stats_summarize(a, n, &s);
		*promised = s.rerun_coverage;
		qsort(b, n, sizeof(*b), cmp);
		double mb = n % 2 ? b[n / 2] : (b[n / 2 - 1] + b[n / 2]) / 2;
		hits += mb >= s.rerun_lo && mb <= s.rerun_hi;
	}
	return (double)hits / trials;
}

static void test_coverage_synthetic(void)
{
	const enum dist ds[] = {D_UNIFORM, D_EXP, D_LOGNORMAL, D_BIMODAL};
	const size_t ns[] = {9, 10, 12, 14};
	for (size_t i = 0; i < N_OF(ds); i++)
		for (size_t j = 0; j < N_OF(ns); j++) {
			double promised = 0;
			double got = empirical(ds[i], ns[j], 20000, &promised);
			/* distribution-free: the same for every shape, within
			 * the Monte Carlo error (sd ~0.002) and the even-n
			 * approximation */
			if (fabs(got - promised) > 0.015)
				fprintf(stderr, "dist %zu n %zu: %.3f vs %.3f\n",
					i, ns[j], got, promised);
			CHECK(fabs(got - promised) <= 0.015);
			CHECK(promised >= STATS_RERUN_WANT);
		}
}

static void test_order(void)
{
	size_t a[50], b[50], c[50];
	rounds_order(50, 42, 1, a);
	rounds_order(50, 42, 1, b);
	rounds_order(50, 42, 2, c);
	int seen[50] = {0}, same = 1, differs = 0;
	for (size_t i = 0; i < 50; i++) {
		CHECK(a[i] < 50);
		if (a[i] < 50)
			seen[a[i]]++;
		same &= a[i] == b[i];
		differs |= a[i] != c[i];
	}
	for (size_t i = 0; i < 50; i++)
		CHECK(seen[i] == 1); /* every point once per round */
	CHECK(same);             /* the seed and the round decide */
	CHECK(differs);          /* a fresh order each round */
	rounds_order(50, 43, 1, b);
	differs = 0;
	for (size_t i = 0; i < 50; i++)
		differs |= a[i] != b[i];
	CHECK(differs);
	int moved = 0; /* shuffled, not the plan order */
	for (size_t i = 0; i < 50; i++)
		moved += a[i] != i;
	CHECK(moved > 25);
	rounds_order(1, 7, 3, a);
	CHECK(a[0] == 0);
}

static struct trust_out judge(const double *fig, size_t n, const double *line,
			      const double *busy, unsigned planned)
{
	struct trust_in in = {.n = n, .planned = planned, .fig = fig,
			      .line_rtt = line, .other_busy_pct = busy,
			      .target = 0.05, .unit = "B/s"};
	struct trust_out out;
	trust_judge(&in, &out);
	return out;
}

static void test_rules(void)
{
	const double tight[] = {100, 101, 99, 100.5, 99.5, 100, 100.2};
	struct trust_out o = judge(tight, 7, NULL, NULL, 0);
	CHECK(o.kinds == 0 && o.kind_names[0] == '\0' && o.reason[0] == '\0');
	CHECK_NEAR(o.median, 100, 1e-9);
	CHECK(o.lo == 99 && o.hi == 101);
	CHECK_NEAR(o.coverage, 0.930, 0.001);

	const double wide[] = {80, 100, 120, 90, 110, 95, 105};
	o = judge(wide, 7, NULL, NULL, 0);
	CHECK(o.kinds == TRUST_WIDE);
	CHECK_STR(o.kind_names, "wide");

	/* two states: 4 rounds near 100, 3 near 200 */
	const double two[] = {100, 201, 99, 199, 101, 200, 100};
	o = judge(two, 7, NULL, NULL, 0);
	CHECK(o.kinds & TRUST_SPREAD);
	CHECK(strstr(o.reason, "Two groups") != NULL);

	/* the probe flips and the figure follows it */
	const double line[] = {120, 270, 118, 265, 121, 268, 119};
	const double fig[] = {100, 60, 101, 61, 99, 60, 100};
	o = judge(fig, 7, line, NULL, 0);
	CHECK(o.kinds & TRUST_CANARY);
	/* the probe flips, the figure does not: nothing to say about it */
	o = judge(tight, 7, line, NULL, 0);
	CHECK(!(o.kinds & TRUST_CANARY));

	/* the speed probe: 12 % slower in three rounds, the figure follows */
	const double speed[] = {4700, 5270, 4710, 5260, 4705, 5280, 4700};
	struct trust_in in = {.n = 7, .fig = fig, .speed = speed,
			      .target = 0.05, .unit = "B/s"};
	trust_judge(&in, &o);
	CHECK(o.kinds & TRUST_CANARY);
	CHECK_STR(o.kind_names, "wide+spread+canary");
	CHECK(strstr(o.reason, "machine's speed") != NULL);
	/* both probes moved: one kind, two sentences */
	in.line_rtt = line;
	trust_judge(&in, &o);
	CHECK_STR(o.kind_names, "wide+spread+canary");
	CHECK(strstr(o.reason, "cache-line") && strstr(o.reason, "speed"));
	/* the probe moves by 5 %, within its threshold: nothing said */
	const double steady[] = {4700, 4935, 4710, 4930, 4705, 4940, 4700};
	in.line_rtt = NULL;
	in.speed = steady;
	trust_judge(&in, &o);
	CHECK(!(o.kinds & TRUST_CANARY));

	const double busy[] = {0, 0, 60, 0, 0, 0, 0};
	o = judge(tight, 7, NULL, busy, 0);
	CHECK(o.kinds == TRUST_LOAD);
	const double calm[] = {1, 2, 0, 3, 1, 0, 2};
	o = judge(tight, 7, NULL, calm, 0);
	CHECK(o.kinds == 0);

	o = judge(tight, 3, NULL, NULL, 7);
	CHECK(o.kinds & TRUST_CUT);
	CHECK(strstr(o.kind_names, "cut") != NULL);

	o = judge(NULL, 0, NULL, NULL, 0);
	CHECK(isnan(o.median));
}

static void test_needs_more(void)
{
	const double tight[] = {100, 101, 99, 100.5, 99.5, 100, 100.2};
	const double wide[] = {80, 100, 120, 90, 110, 95, 105};
	CHECK(!trust_needs_more(tight, 7, 0.05));
	CHECK(trust_needs_more(wide, 7, 0.05));
	CHECK(trust_needs_more(tight, 1, 0.05)); /* one value proves nothing */
}

static const struct test_case cases[] = {
	{"coverage_table", test_coverage_table},
	{"coverage_synthetic", test_coverage_synthetic},
	{"order", test_order},
	{"rules", test_rules},
	{"needs_more", test_needs_more},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
