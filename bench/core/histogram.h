/*
 * histogram.h - a log-bucketed latency histogram (HDR-style) for round-trip
 * times in nanoseconds.
 *
 * Why buckets: a ping-pong run makes millions of round trips; keeping them
 * all to sort would cost memory and cache traffic inside the timed loop.
 * Instead every value is counted in a bucket whose width grows with the
 * value, so the *relative* error is bounded everywhere from 1 ns to the
 * full uint64_t range (584 years).
 *
 * Layout: values 0..255 get a bucket each (exact).  Above that, each power
 * of two [2^k, 2^(k+1)) is split into 128 equal buckets of width 2^(k-7):
 * a bucket is at most 1/128 of its lower bound wide, and a percentile is
 * reported as the bucket's midpoint, so it lies within 1/256 (0.4%) of the
 * true order statistic.  The bucket of v is found with one count-leading-
 * zeros instruction, a shift and an add: no log(), no division.
 *
 * The struct is plain and fixed-size with no pointers (about 58 KiB), so the
 * driver can place it in a MAP_SHARED page and read it from another process.
 * It is not thread-safe: one process records, others read after it is done.
 *
 *   struct hist *h = result_page;   hist_init(h);
 *   for (...) { t0 = now(); round_trip(); hist_record(h, now() - t0); }
 *   p99 = hist_percentile(h, 99.0);
 */
#ifndef IPCLAB_HISTOGRAM_H
#define IPCLAB_HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BITS 7                   /* 128 buckets per power of two */
#define HIST_SUB_COUNT (1u << HIST_SUB_BITS)
/*
 * Exact buckets 0..255 (two groups of 128), then one group of 128 for each
 * power of two 2^8 .. 2^63: 58 groups, 7424 buckets.
 */
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) * HIST_SUB_COUNT)

struct hist {
	uint64_t count;                /* values recorded */
	uint64_t min;                  /* UINT64_MAX while empty */
	uint64_t max;                  /* 0 while empty */
	uint64_t buckets[HIST_BUCKETS];
};

_Static_assert(sizeof(struct hist) < 64 * 1024,
	       "struct hist must fit the driver's shared result area");

/*
 * The bucket of v.  For v < 256 it is v itself.  Otherwise let k be the
 * position of v's top bit (k >= 8) and s = k - 7: the top 8 bits of v,
 * v >> s, lie in [128, 255] and pick one of the 128 buckets of that power of
 * two; s * 128 moves to that power's group.  OR-ing 255 makes s = 0 for
 * v < 256, so one formula serves both cases without a branch.
 */
static inline unsigned hist_bucket_of(uint64_t v)
{
	unsigned top = 63u - (unsigned)__builtin_clzll(v | 255u);
	unsigned shift = top - HIST_SUB_BITS;

	return (shift << HIST_SUB_BITS) + (unsigned)(v >> shift);
}

/* Empty the histogram (count 0, min/max unset). */
void hist_init(struct hist *h);

/* Count one value.  Inline because it runs inside the timed loop. */
static inline void hist_record(struct hist *h, uint64_t ns)
{
	h->buckets[hist_bucket_of(ns)]++;
	h->count++;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

/* Number of values recorded. */
uint64_t hist_count(const struct hist *h);

/* Smallest and largest value recorded, exactly; 0 when empty. */
uint64_t hist_min(const struct hist *h);
uint64_t hist_max(const struct hist *h);

/*
 * The p-th percentile, p in [0, 100] (clamped), by the nearest-rank rule: the
 * value of rank ceil(p/100 * count) in sorted order (rank 1 for p = 0).  It
 * is exact below 256 ns and for p = 0 (min) and p = 100 (max), and within
 * 0.4% of the true order statistic otherwise.  0 when empty.
 */
uint64_t hist_percentile(const struct hist *h, double p);

/* Add every value of src to dst, as if each had been recorded in dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/* The smallest value counted in bucket i, and the bucket's width. */
uint64_t hist_bucket_low(unsigned i);
uint64_t hist_bucket_width(unsigned i);

#endif
