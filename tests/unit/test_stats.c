/*
 * test_stats.c - median, MAD, the order-statistic CI of the median and the
 * first-repetition outlier check, on inputs whose answers are known by hand
 * or from an independent exact binomial computation.
 */
#include "check.h"
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void test_median_odd(void)
{
	const double v[] = {3, 1, 2};
	const double w[] = {9, -4, 7, 7, 0};

	CHECK(stats_median(v, N_OF(v)) == 2.0);
	CHECK(stats_median(w, N_OF(w)) == 7.0);
}

static void test_median_even(void)
{
	const double v[] = {4, 1, 3, 2};
	const double w[] = {10, 20};

	CHECK(stats_median(v, N_OF(v)) == 2.5);
	CHECK(stats_median(w, N_OF(w)) == 15.0);
}

static void test_median_empty(void)
{
	const double v[] = {1};

	CHECK(isnan(stats_median(v, 0)));
	CHECK(isnan(stats_median(NULL, 3)));
}

static void test_input_not_modified(void)
{
	double v[] = {5, 3, 9, 1, 7, 2};
	const double orig[] = {5, 3, 9, 1, 7, 2};
	struct stats_summary s;

	CHECK(stats_summarize(v, N_OF(v), &s) == 0);
	(void)stats_median(v, N_OF(v));
	(void)stats_first_is_outlier(v, N_OF(v));
	CHECK(memcmp(v, orig, sizeof(v)) == 0);
}

static void test_summary_known(void)
{
	/* sorted 1 3 5 7 100; |v - 5| = 4 2 0 2 95 -> sorted 0 2 2 4 95 */
	const double v[] = {7, 1, 3, 100, 5};
	struct stats_summary s;

	CHECK(stats_summarize(v, N_OF(v), &s) == 0);
	CHECK_EQ_U(s.n, 5);
	CHECK(s.median == 5.0);
	CHECK(s.min == 1.0);
	CHECK(s.max == 100.0);
	CHECK(s.mad == 2.0);
	/* n = 5: no 95% interval exists, so the CI is min..max. */
	CHECK(s.ci_lo == 1.0);
	CHECK(s.ci_hi == 100.0);
}

static void test_mad_even(void)
{
	/* median 2.5; deviations 1.5 .5 .5 1.5 -> MAD 1 */
	const double v[] = {4, 2, 1, 3};
	struct stats_summary s;

	CHECK(stats_summarize(v, N_OF(v), &s) == 0);
	CHECK(s.median == 2.5);
	CHECK(s.mad == 1.0);
	CHECK_NEAR(stats_rel_spread(&s), 0.4, 1e-12);
}

static void test_n1(void)
{
	const double v[] = {42.5};
	struct stats_summary s;

	CHECK(stats_summarize(v, 1, &s) == 0);
	CHECK_EQ_U(s.n, 1);
	CHECK(s.median == 42.5 && s.min == 42.5 && s.max == 42.5);
	CHECK(s.mad == 0.0);
	CHECK(s.ci_lo == 42.5 && s.ci_hi == 42.5);
	CHECK(stats_rel_spread(&s) == 0.0);
	CHECK(stats_first_is_outlier(v, 1) == 0);
}

static void test_invalid(void)
{
	const double v[] = {1, NAN, 3};
	struct stats_summary s = {.n = 777};

	CHECK(stats_summarize(NULL, 3, &s) == -EINVAL);
	CHECK(stats_summarize(v, 0, &s) == -EINVAL);
	CHECK(stats_summarize(v, 1, NULL) == -EINVAL);
	CHECK(stats_summarize(v, 3, &s) == -EINVAL);
	CHECK_EQ_U(s.n, 777); /* untouched on error */
	CHECK(isnan(stats_median(v, 3)));
	CHECK(stats_median_ci_ranks(0, NULL, NULL, NULL) == -EINVAL);
}

static void test_ci_n10(void)
{
	/* Sorted: 10 20 ... 100.  Binomial tables give ranks 2 and 9. */
	const double v[] = {50, 10, 90, 30, 70, 20, 100, 40, 80, 60};
	struct stats_summary s;

	CHECK(stats_summarize(v, N_OF(v), &s) == 0);
	CHECK(s.median == 55.0);
	CHECK(s.ci_lo == 20.0);
	CHECK(s.ci_hi == 90.0);
}

static void test_ci_n20(void)
{
	/* Values 1.5*k for k = 1..20, scrambled; ranks 6 and 15. */
	double v[20];
	struct stats_summary s;

	for (int i = 0; i < 20; i++)
		v[i] = 1.5 * (double)((i * 7) % 20 + 1);
	CHECK(stats_summarize(v, 20, &s) == 0);
	CHECK(s.ci_lo == 1.5 * 6);
	CHECK(s.ci_hi == 1.5 * 15);
	CHECK(s.ci_lo <= s.median && s.median <= s.ci_hi);
}

static void test_ci_ranks_table(void)
{
	static const struct {
		size_t n, lo, hi;
	} want[] = {
		{1, 1, 1},   {2, 1, 2},     {5, 1, 5},       {6, 1, 6},
		{8, 1, 8},   {9, 2, 8},     {10, 2, 9},      {20, 6, 15},
		{100, 40, 61}, {2000, 956, 1045},
	};
	size_t lo, hi;
	double cov;

	for (size_t i = 0; i < N_OF(want); i++) {
		CHECK(stats_median_ci_ranks(want[i].n, &lo, &hi, &cov) == 0);
		CHECK_EQ_U(lo, want[i].lo);
		CHECK_EQ_U(hi, want[i].hi);
	}
	CHECK(stats_median_ci_ranks(5, NULL, NULL, &cov) == 0);
	CHECK_NEAR(cov, 1.0 - 2.0 / 32.0, 1e-12); /* below 95%: documented */
	CHECK(stats_median_ci_ranks(6, NULL, NULL, &cov) == 0);
	CHECK_NEAR(cov, 1.0 - 2.0 / 64.0, 1e-12);
	CHECK(stats_median_ci_ranks(1, NULL, NULL, &cov) == 0);
	CHECK_NEAR(cov, 0.0, 1e-12);
}

/* Exact P(Binomial(n,1/2) <= k) for n <= 60, with integer coefficients. */
static double binom_cdf_exact(unsigned n, unsigned k)
{
	uint64_t c = 1, sum = 1; /* C(n,0) */

	for (unsigned i = 1; i <= k; i++) {
		/* exact: i divides C(n,i-1)*(n-i+1) */
		c = c * (n - i + 1) / i;
		sum += c;
	}
	return ldexp((double)sum, -(int)n);
}

static void test_ci_ranks_exact(void)
{
	size_t lo, hi, prev_lo = 0;
	double cov;

	/* Against integer arithmetic: lo is the largest rank that keeps 95%. */
	for (unsigned n = 6; n <= 60; n++) {
		CHECK(stats_median_ci_ranks(n, &lo, &hi, &cov) == 0);
		CHECK_EQ_U(hi, n + 1 - lo);
		CHECK(binom_cdf_exact(n, (unsigned)lo - 1) <= 0.025);
		CHECK(binom_cdf_exact(n, (unsigned)lo) > 0.025);
		double tail = binom_cdf_exact(n, (unsigned)lo - 1);

		CHECK_NEAR(cov, 1.0 - 2.0 * tail, 1e-12);
	}
	/* Large n (2^-n underflows): still >= 95%, symmetric, monotone. */
	for (size_t n = 6; n <= 4000; n += 7) {
		CHECK(stats_median_ci_ranks(n, &lo, &hi, &cov) == 0);
		CHECK(cov >= 0.95 && cov < 1.0);
		CHECK(lo >= 1 && lo <= hi && hi == n + 1 - lo);
		CHECK(lo >= prev_lo);
		prev_lo = lo;
	}
}

static void test_outlier_true(void)
{
	const double slow[] = {30, 10, 10.2, 9.8, 10.1, 9.9};
	const double fast[] = {5, 10, 10.2, 9.8, 10.1, 9.9};
	/* others: median 10, MAD 0.1 (= the 1% floor), so the limit is 0.3 */
	const double just_over[] = {10.4, 10, 10.2, 9.8, 10.1, 9.9};

	CHECK(stats_first_is_outlier(slow, N_OF(slow)) == 1);
	CHECK(stats_first_is_outlier(fast, N_OF(fast)) == 1);
	CHECK(stats_first_is_outlier(just_over, N_OF(just_over)) == 1);
}

static void test_outlier_false(void)
{
	const double inside[] = {10.25, 10, 10.2, 9.8, 10.1, 9.9};
	const double typical[] = {10, 10, 10.2, 9.8, 10.1, 9.9};
	/* Huge value later in the sample: only v[0] is judged. */
	const double late[] = {10, 10.1, 9.9, 1000, 10};

	CHECK(stats_first_is_outlier(inside, N_OF(inside)) == 0);
	CHECK(stats_first_is_outlier(typical, N_OF(typical)) == 0);
	CHECK(stats_first_is_outlier(late, N_OF(late)) == 0);
}

static void test_outlier_mad_zero(void)
{
	/* Identical others: MAD 0, floored at 1% of 100 -> limit 3. */
	const double close[] = {100.5, 100, 100, 100};
	const double far[] = {110, 100, 100, 100};
	const double zeros_same[] = {0, 0, 0};
	const double zeros_diff[] = {1e-9, 0, 0};

	CHECK(stats_first_is_outlier(close, N_OF(close)) == 0);
	CHECK(stats_first_is_outlier(far, N_OF(far)) == 1);
	CHECK(stats_first_is_outlier(zeros_same, N_OF(zeros_same)) == 0);
	CHECK(stats_first_is_outlier(zeros_diff, N_OF(zeros_diff)) == 1);
}

static void test_outlier_too_few(void)
{
	const double v[] = {1000, 1, 1};

	CHECK(stats_first_is_outlier(v, 2) == 0);
	CHECK(stats_first_is_outlier(v, 3) == 1);
	CHECK(stats_first_is_outlier(NULL, 3) == 0);
}

static void test_rel_spread(void)
{
	const double v[] = {-1, 0, 1};
	const double w[] = {200, 190, 210, 100, 300};
	struct stats_summary s;

	CHECK(stats_summarize(v, N_OF(v), &s) == 0);
	CHECK(s.median == 0.0);
	CHECK(stats_rel_spread(&s) == 0.0);
	/* median 200; deviations 0 10 10 100 100 -> MAD 10 */
	CHECK(stats_summarize(w, N_OF(w), &s) == 0);
	CHECK(s.mad == 10.0);
	CHECK_NEAR(stats_rel_spread(&s), 0.05, 1e-12);
}

static const struct test_case cases[] = {
	{"median_odd", test_median_odd},
	{"median_even", test_median_even},
	{"median_empty", test_median_empty},
	{"input_not_modified", test_input_not_modified},
	{"summary_known", test_summary_known},
	{"mad_even", test_mad_even},
	{"n1", test_n1},
	{"invalid", test_invalid},
	{"ci_n10", test_ci_n10},
	{"ci_n20", test_ci_n20},
	{"ci_ranks_table", test_ci_ranks_table},
	{"ci_ranks_exact", test_ci_ranks_exact},
	{"outlier_true", test_outlier_true},
	{"outlier_false", test_outlier_false},
	{"outlier_mad_zero", test_outlier_mad_zero},
	{"outlier_too_few", test_outlier_too_few},
	{"rel_spread", test_rel_spread},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
