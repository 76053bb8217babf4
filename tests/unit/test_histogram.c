/*
 * test_histogram.c - the log-bucketed histogram against a sorted reference:
 * bucket layout, percentiles within 1% on several distributions (uniform in
 * log space over 1 ns..10 s, log-normal, Pareto, bimodal, exponential,
 * constant), exact count/min/max, and merging.
 */
#include "check.h"
#include "histogram.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define NVALUES 20000

static uint64_t rng_state;

/* splitmix64: deterministic, so a failure reproduces exactly. */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1]. */
static double rng_unit(void)
{
	return ((double)(rng_next() >> 11) + 1.0) * 0x1.0p-53;
}

static double rng_normal(void)
{
	double r = sqrt(-2.0 * log(rng_unit()));

	return r * cos(6.283185307179586 * rng_unit());
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t clamp_ns(double x)
{
	if (x < 1.0)
		return 1;
	if (x > 1e10)
		return (uint64_t)1e10;
	return (uint64_t)llround(x);
}

static struct hist *hist_new(void)
{
	struct hist *h = malloc(sizeof(*h));

	if (h)
		hist_init(h);
	return h;
}

/* Nearest-rank order statistic of the sorted v[0..n-1]. */
static uint64_t ref_percentile(const uint64_t *sorted, size_t n, double p)
{
	uint64_t rank = (uint64_t)ceil(p * (double)n / 100.0);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static const double percentiles[] = {
	0, 0.01, 0.1, 1, 5, 10, 25, 33.3, 50, 66.7, 75,
	90, 95, 99, 99.5, 99.9, 99.99, 100,
};
#define NPCT (sizeof(percentiles) / sizeof(percentiles[0]))

/* Record v, then compare every percentile with the sorted reference. */
static void check_against_reference(const char *what, uint64_t *v, size_t n)
{
	struct hist *h = hist_new();
	uint64_t mn = UINT64_MAX, mx = 0;

	CHECK(h != NULL);
	if (!h)
		return;
	for (size_t i = 0; i < n; i++) {
		hist_record(h, v[i]);
		if (v[i] < mn)
			mn = v[i];
		if (v[i] > mx)
			mx = v[i];
	}
	CHECK_EQ_U(hist_count(h), n);
	CHECK_EQ_U(hist_min(h), mn);
	CHECK_EQ_U(hist_max(h), mx);
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < NPCT; i++) {
		double p = percentiles[i];
		uint64_t want = ref_percentile(v, n, p);
		uint64_t got = hist_percentile(h, p);
		double err = want ? fabs((double)got - (double)want) /
					    (double)want
				  : (double)(got != 0);

		if (err > 0.01 || (want < 256 && got != want))
			fprintf(stderr, "%s: p%g: got %llu want %llu\n", what,
				p, (unsigned long long)got,
				(unsigned long long)want);
		CHECK(err <= 0.01);
		if (want < 256)
			CHECK_EQ_U(got, want); /* small values are exact */
	}
	CHECK_EQ_U(hist_percentile(h, 0), mn);
	CHECK_EQ_U(hist_percentile(h, 100), mx);
	free(h);
}

static void test_empty(void)
{
	struct hist *h = hist_new();

	CHECK(h != NULL);
	if (!h)
		return;
	CHECK_EQ_U(hist_count(h), 0);
	CHECK_EQ_U(hist_min(h), 0);
	CHECK_EQ_U(hist_max(h), 0);
	CHECK_EQ_U(hist_percentile(h, 50), 0);
	free(h);
}

static void test_layout(void)
{
	static const uint64_t edges[] = {
		0, 1, 127, 128, 255, 256, 257, 511, 512, 1000, 4095, 4096,
		1000000007ull, 100000000000ull, (1ull << 63) - 1, 1ull << 63,
		UINT64_MAX,
	};

	/* Buckets tile 0..UINT64_MAX without gaps or overlaps. */
	CHECK_EQ_U(hist_bucket_low(0), 0);
	for (unsigned i = 0; i + 1 < HIST_BUCKETS; i++)
		if (hist_bucket_low(i) + hist_bucket_width(i) !=
		    hist_bucket_low(i + 1)) {
			CHECK(!"bucket gap or overlap");
			break;
		}
	CHECK_EQ_U(hist_bucket_low(HIST_BUCKETS - 1) +
			   (hist_bucket_width(HIST_BUCKETS - 1) - 1),
		   UINT64_MAX);
	/* Each bucket is at most 1/128 of its lower bound wide. */
	for (unsigned i = 256; i < HIST_BUCKETS; i++)
		if (hist_bucket_width(i) * 128 > hist_bucket_low(i)) {
			CHECK(!"bucket too wide");
			break;
		}
	/* Every value lands in the bucket that contains it. */
	for (uint64_t v = 0; v < 70000; v++) {
		unsigned b = hist_bucket_of(v);

		if (!(b < HIST_BUCKETS && hist_bucket_low(b) <= v &&
		      v - hist_bucket_low(b) < hist_bucket_width(b))) {
			CHECK(!"value outside its bucket");
			break;
		}
	}
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		unsigned b = hist_bucket_of(edges[i]);

		CHECK(b < HIST_BUCKETS);
		CHECK(hist_bucket_low(b) <= edges[i]);
		CHECK(edges[i] - hist_bucket_low(b) < hist_bucket_width(b));
	}
	rng_state = 1;
	for (int i = 0; i < 100000; i++) {
		uint64_t v = rng_next() >> (rng_next() % 64);
		unsigned b = hist_bucket_of(v);

		if (!(b < HIST_BUCKETS && hist_bucket_low(b) <= v &&
		      v - hist_bucket_low(b) < hist_bucket_width(b))) {
			CHECK(!"random value outside its bucket");
			break;
		}
	}
	CHECK(sizeof(struct hist) < 64 * 1024);
}

static void test_small_exact(void)
{
	uint64_t v[3 * 256];

	for (size_t i = 0; i < 3 * 256; i++)
		v[i] = (i * 97) % 256; /* 0..255 three times, scrambled */
	check_against_reference("small", v, 3 * 256);
}

static void test_log_uniform(void)
{
	uint64_t *v = malloc(NVALUES * sizeof(*v));

	CHECK(v != NULL);
	if (!v)
		return;
	rng_state = 42;
	for (size_t i = 0; i < NVALUES; i++) /* 1 ns .. 10 s */
		v[i] = clamp_ns(exp(rng_unit() * log(1e10)));
	check_against_reference("log-uniform", v, NVALUES);
	free(v);
}

static void test_lognormal(void)
{
	uint64_t *v = malloc(NVALUES * sizeof(*v));

	CHECK(v != NULL);
	if (!v)
		return;
	rng_state = 7;
	for (size_t i = 0; i < NVALUES; i++) /* around 5 us, wide */
		v[i] = clamp_ns(5000.0 * exp(1.5 * rng_normal()));
	check_against_reference("lognormal", v, NVALUES);
	free(v);
}

static void test_pareto(void)
{
	uint64_t *v = malloc(NVALUES * sizeof(*v));

	CHECK(v != NULL);
	if (!v)
		return;
	rng_state = 99;
	/* Heavy tail (alpha 0.8: infinite mean), from 2 us up to 10 s. */
	for (size_t i = 0; i < NVALUES; i++)
		v[i] = clamp_ns(2000.0 * pow(rng_unit(), -1.0 / 0.8));
	check_against_reference("pareto", v, NVALUES);
	free(v);
}

static void test_bimodal(void)
{
	uint64_t *v = malloc(NVALUES * sizeof(*v));

	CHECK(v != NULL);
	if (!v)
		return;
	rng_state = 1234;
	/* Same-CPU 5 us round trips, and cross-CPU 50 us ones (MACHINE.md). */
	for (size_t i = 0; i < NVALUES; i++) {
		double base = (rng_next() & 3) ? 5000.0 : 50000.0;

		v[i] = clamp_ns(base * (1.0 + 0.05 * rng_normal()));
	}
	check_against_reference("bimodal", v, NVALUES);
	free(v);
}

static void test_exponential_and_constant(void)
{
	uint64_t *v = malloc(NVALUES * sizeof(*v));

	CHECK(v != NULL);
	if (!v)
		return;
	rng_state = 5;
	for (size_t i = 0; i < NVALUES; i++)
		v[i] = clamp_ns(-3000.0 * log(rng_unit()));
	check_against_reference("exponential", v, NVALUES);
	for (size_t i = 0; i < NVALUES; i++)
		v[i] = 123457;
	check_against_reference("constant", v, NVALUES);
	/* One value repeated: min = max pins every percentile exactly. */
	{
		struct hist *h = hist_new();

		CHECK(h != NULL);
		for (size_t i = 0; h && i < 1000; i++)
			hist_record(h, 123457);
		for (size_t i = 0; h && i < NPCT; i++)
			CHECK_EQ_U(hist_percentile(h, percentiles[i]), 123457);
		free(h);
	}
	free(v);
}

static void test_extremes(void)
{
	struct hist *h = hist_new();

	CHECK(h != NULL);
	if (!h)
		return;
	hist_record(h, 0);
	hist_record(h, UINT64_MAX);
	hist_record(h, 100000000000ull); /* 100 s */
	CHECK_EQ_U(hist_count(h), 3);
	CHECK_EQ_U(hist_min(h), 0);
	CHECK_EQ_U(hist_max(h), UINT64_MAX);
	CHECK_EQ_U(hist_percentile(h, 0), 0);
	CHECK_EQ_U(hist_percentile(h, 100), UINT64_MAX);
	CHECK_NEAR((double)hist_percentile(h, 50), 1e11, 1e11 * 0.01);
	/* Out-of-range p is clamped. */
	CHECK_EQ_U(hist_percentile(h, -5), 0);
	CHECK_EQ_U(hist_percentile(h, 150), UINT64_MAX);
	free(h);
}

static void test_merge(void)
{
	struct hist *all = hist_new(), *a = hist_new(), *b = hist_new();
	struct hist *empty = hist_new();

	CHECK(all && a && b && empty);
	if (!all || !a || !b || !empty)
		goto out;
	rng_state = 2024;
	for (int i = 0; i < NVALUES; i++) {
		uint64_t v = clamp_ns(exp(rng_unit() * log(1e10)));

		hist_record(all, v);
		hist_record((i % 3) ? a : b, v);
	}
	hist_merge(a, b);
	CHECK_EQ_U(hist_count(a), NVALUES);
	CHECK_EQ_U(hist_min(a), hist_min(all));
	CHECK_EQ_U(hist_max(a), hist_max(all));
	CHECK(memcmp(a, all, sizeof(*a)) == 0);
	for (size_t i = 0; i < NPCT; i++)
		CHECK_EQ_U(hist_percentile(a, percentiles[i]),
			   hist_percentile(all, percentiles[i]));

	/* Merging an empty one changes nothing; into an empty one copies. */
	hist_merge(a, empty);
	CHECK(memcmp(a, all, sizeof(*a)) == 0);
	hist_merge(empty, all);
	CHECK(memcmp(empty, all, sizeof(*a)) == 0);
out:
	free(all);
	free(a);
	free(b);
	free(empty);
}

static const struct test_case cases[] = {
	{"empty", test_empty},
	{"layout", test_layout},
	{"small_exact", test_small_exact},
	{"log_uniform", test_log_uniform},
	{"lognormal", test_lognormal},
	{"pareto", test_pareto},
	{"bimodal", test_bimodal},
	{"exponential_and_constant", test_exponential_and_constant},
	{"extremes", test_extremes},
	{"merge", test_merge},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
