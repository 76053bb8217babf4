/*
 * stats.h - robust summaries of repeated measurements (no IPC, no I/O).
 *
 * A benchmark repeats each configuration a handful of times.  Timings are
 * skewed (a run can only be slowed down by noise, never sped up), so we quote
 * order statistics rather than mean and standard deviation:
 *
 *   median  the middle value of the sorted sample (for an even count, the
 *           mean of the two middle values);
 *   min/max the extremes, as measured;
 *   MAD     the median absolute deviation: the median of |v[i] - median|.
 *           It is NOT scaled: for normally distributed data MAD is about
 *           0.674 sigma (multiply by 1.4826 to estimate sigma);
 *   CI      a distribution-free 95% confidence interval of the median,
 *           [ci_lo, ci_hi] = [x(j), x(n+1-j)] in the sorted sample x(1) <=
 *           ... <= x(n).  Why it works: each value lies below the true
 *           median with probability 1/2, so the number of values below it
 *           is Binomial(n, 1/2); j is the largest rank with
 *           P(Binomial(n, 1/2) <= j-1) <= 2.5%, which leaves at least 95%
 *           probability that the true median lies between the two order
 *           statistics.  For n=10 that is x(2)..x(9), for n=20 x(6)..x(15).
 *           For n <= 5 no pair of order statistics reaches 95% (even
 *           min..max only covers 1 - 2/2^n, 93.75% at n=5), so the interval
 *           is then min..max and covers less than 95%:
 *           stats_median_ci_ranks() tells the actual coverage.
 *
 *   struct stats_summary s;
 *   if (stats_summarize(wall_ns, reps, &s) == 0 && stats_rel_spread(&s) > 0.05)
 *           ... warn: large spread, try --reps or --pin ...
 */
#ifndef IPCLAB_STATS_H
#define IPCLAB_STATS_H

#include <stddef.h>

struct stats_summary {
	size_t n;       /* number of values summarised */
	double median;
	double min, max;
	double mad;     /* median absolute deviation, unscaled */
	double ci_lo;   /* 95% CI of the median (min/max when n <= 5) */
	double ci_hi;
	/* The rerun interval (below): where the median of a rerun with as many
	 * values falls with probability rerun_coverage >= STATS_RERUN_WANT,
	 * or min..max with a smaller rerun_coverage when n is too small. */
	double rerun_lo, rerun_hi, rerun_coverage;
};

/* The probability the rerun interval is chosen to reach. */
#define STATS_RERUN_WANT 0.95

/*
 * Summarise v[0..n-1] into *out.  v is not modified (a sorted copy is made).
 * Returns 0, -EINVAL when v or out is NULL, n is 0 or a value is NaN, or
 * -ENOMEM.  On error *out is left untouched.
 */
int stats_summarize(const double *v, size_t n, struct stats_summary *out);

/* The median of v[0..n-1] (v not modified); NaN when n is 0 or v is NULL. */
double stats_median(const double *v, size_t n);

/*
 * The 1-based ranks lo <= hi of the order statistics that bound the
 * distribution-free 95% CI of the median of n values, and the probability
 * that the interval covers the true median (>= 0.95 when n >= 6; below that,
 * lo = 1 and hi = n and the coverage is what min..max gives).  Any output
 * pointer may be NULL.  Returns 0, or -EINVAL when n is 0.
 */
int stats_median_ci_ranks(size_t n, size_t *lo, size_t *hi, double *coverage);

/*
 * The rerun interval.  Take n values x(1) <= ... <= x(n) of a figure and,
 * later, m more values of the same figure (a rerun); if all n + m are
 * exchangeable (e.g. independent draws from one distribution, whatever its
 * shape), the probability that the rerun's median lies strictly between
 * x(lo) and x(hi) does not depend on the distribution.  With U = F(rerun
 * median) ~ Beta(k, k), k = (m + 1) / 2, the count K of the n values below
 * the rerun median is Beta-binomial(n, k, k), and the probability is
 * P(lo <= K <= hi - 1).  (For an even m the median is the mean of two order
 * statistics; k = (m + 1) / 2 treats it as the continuous middle, a close
 * approximation.)  Ties make the interval, which includes its ends, cover
 * at least as often.
 *
 * Unlike the CI above, which speaks of a true median that no one observes,
 * this promise can be checked: rerun, and count how often the new median
 * falls inside.  It is what "reproducible within the interval" means.
 *
 * Returns that probability; 0 for bad arguments (n or m 0, lo >= hi).
 */
double stats_rerun_coverage(size_t n, size_t lo, size_t hi, size_t m);

/*
 * The innermost symmetric ranks lo, hi = n + 1 - lo whose rerun coverage
 * (m = n) is at least want; when even min..max falls short, lo = 1, hi = n.
 * Returns 0, or -EINVAL when n is 0.
 */
int stats_rerun_ranks(size_t n, double want, size_t *lo, size_t *hi,
		      double *coverage);

/*
 * 1 when the first value looks like an outlier against the rest: it lies more
 * than 3 MADs (unscaled; about 2 sigma for normal data) from the median of
 * v[1..n-1], where the MAD is that of v[1..n-1] too.  The MAD is floored at
 * 1% of |that median|, so that a tight sample (MAD 0, e.g. identical
 * repetitions) does not flag a first run that differs by a fraction of a
 * percent.  When both are 0 (all others exactly 0), any v[0] != 0 is an
 * outlier.  Returns 0 when n < 3 (too few to judge), v is NULL, or memory
 * runs out.
 */
int stats_first_is_outlier(const double *v, size_t n);

/* MAD relative to the median (s->mad / |s->median|); 0 when the median is 0. */
double stats_rel_spread(const struct stats_summary *s);

#endif
