/*
 * stats.c - median, MAD, a distribution-free CI of the median, and the
 * "first repetition is an outlier" check (see stats.h for the definitions).
 *
 * Everything works on a sorted private copy: samples are small (a few
 * thousand values at most), so sorting is cheap and keeps the code obvious.
 */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_sorted(const double *x, size_t n)
{
	if (n % 2)
		return x[n / 2];
	/* Halve before adding so that two huge values cannot overflow. */
	return x[n / 2 - 1] / 2 + x[n / 2] / 2;
}

static int has_nan(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(v[i]))
			return 1;
	return 0;
}

/* Sorted copy of v[0..n-1], or NULL when out of memory. */
static double *sorted_copy(const double *v, size_t n)
{
	double *x = malloc(n * sizeof(*x));

	if (!x)
		return NULL;
	memcpy(x, v, n * sizeof(*x));
	qsort(x, n, sizeof(*x), cmp_double);
	return x;
}

/* MAD of the sorted x[0..n-1] about m; dev is scratch space for n values. */
static double mad_sorted(const double *x, size_t n, double m, double *dev)
{
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(x[i] - m);
	qsort(dev, n, sizeof(*dev), cmp_double);
	return median_sorted(dev, n);
}

double stats_median(const double *v, size_t n)
{
	double *x, m;

	if (!v || n == 0 || has_nan(v, n))
		return NAN;
	x = sorted_copy(v, n);
	if (!x)
		return NAN;
	m = median_sorted(x, n);
	free(x);
	return m;
}

int stats_median_ci_ranks(size_t n, size_t *lo, size_t *hi, double *coverage)
{
	/*
	 * Add up the Binomial(n, 1/2) probabilities P(B = i) from i = 0 while
	 * the running total stays at or below 2.5%.  They are computed in
	 * logarithms, since 2^-n underflows a double beyond n = 1074.
	 */
	double logp = -(double)n * log(2.0), cdf = 0.0;
	size_t j = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		double p = exp(logp);

		if (cdf + p > 0.025)
			break;
		cdf += p;
		j = i + 1;
		logp += log((double)(n - i)) - log((double)(i + 1));
	}
	if (j == 0) {
		/* No 95% interval exists: fall back to min..max. */
		j = 1;
		cdf = exp(-(double)n * log(2.0));
	}
	if (lo)
		*lo = j;
	if (hi)
		*hi = n + 1 - j;
	if (coverage)
		*coverage = 1.0 - 2.0 * cdf;
	return 0;
}

static double log_beta(double a, double b)
{
	return lgamma(a) + lgamma(b) - lgamma(a + b);
}

double stats_rerun_coverage(size_t n, size_t lo, size_t hi, size_t m)
{
	if (n == 0 || m == 0 || lo < 1 || hi > n + 1 || lo >= hi)
		return 0;
	double k = ((double)m + 1) / 2, p = 0;
	for (size_t j = lo; j < hi; j++) {
		double logc = lgamma((double)n + 1) - lgamma((double)j + 1) -
			      lgamma((double)(n - j) + 1);
		p += exp(logc + log_beta((double)j + k, (double)(n - j) + k) -
			 log_beta(k, k));
	}
	return p > 1 ? 1 : p;
}

int stats_rerun_ranks(size_t n, double want, size_t *lo, size_t *hi,
		      double *coverage)
{
	if (n == 0)
		return -EINVAL;
	size_t best = 1;
	for (size_t j = 2; 2 * j <= n; j++)
		if (stats_rerun_coverage(n, j, n + 1 - j, n) >= want)
			best = j;
		else
			break;
	if (lo)
		*lo = best;
	if (hi)
		*hi = n + 1 - best;
	if (coverage)
		/* with n = 1 the interval is the value itself: it holds a
		 * rerun's median only by a tie */
		*coverage = n == 1 ? 0 : stats_rerun_coverage(n, best,
							       n + 1 - best, n);
	return 0;
}

int stats_summarize(const double *v, size_t n, struct stats_summary *out)
{
	struct stats_summary s;
	size_t lo, hi;
	double *x, *dev;

	if (!v || !out || n == 0 || has_nan(v, n))
		return -EINVAL;
	x = sorted_copy(v, n);
	if (!x)
		return -ENOMEM;
	dev = malloc(n * sizeof(*dev));
	if (!dev) {
		free(x);
		return -ENOMEM;
	}
	s.n = n;
	s.median = median_sorted(x, n);
	s.min = x[0];
	s.max = x[n - 1];
	s.mad = mad_sorted(x, n, s.median, dev);
	(void)stats_median_ci_ranks(n, &lo, &hi, NULL);
	s.ci_lo = x[lo - 1];
	s.ci_hi = x[hi - 1];
	(void)stats_rerun_ranks(n, STATS_RERUN_WANT, &lo, &hi,
				&s.rerun_coverage);
	s.rerun_lo = x[lo - 1];
	s.rerun_hi = x[hi - 1];
	free(dev);
	free(x);
	*out = s;
	return 0;
}

int stats_first_is_outlier(const double *v, size_t n)
{
	double *x, *dev, m, mad, scale;
	int outlier;

	if (!v || n < 3 || has_nan(v, n))
		return 0;
	x = sorted_copy(v + 1, n - 1);
	if (!x)
		return 0;
	dev = malloc((n - 1) * sizeof(*dev));
	if (!dev) {
		free(x);
		return 0;
	}
	m = median_sorted(x, n - 1);
	mad = mad_sorted(x, n - 1, m, dev);
	free(dev);
	free(x);
	/* Identical repetitions give MAD 0; judge them against 1% instead. */
	scale = fmax(mad, 0.01 * fabs(m));
	if (scale == 0.0)
		outlier = v[0] != m;
	else
		outlier = fabs(v[0] - m) > 3.0 * scale;
	return outlier;
}

double stats_rel_spread(const struct stats_summary *s)
{
	if (!s || s->median == 0.0)
		return 0.0;
	return s->mad / fabs(s->median);
}
