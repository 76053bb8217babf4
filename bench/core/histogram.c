/*
 * histogram.c - reading the log-bucketed histogram back: percentiles and
 * merging.  Recording is inline in histogram.h, where the bucket layout is
 * explained.
 */
#include "histogram.h"

#include <math.h>
#include <string.h>

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint64_t hist_count(const struct hist *h)
{
	return h->count;
}

uint64_t hist_min(const struct hist *h)
{
	return h->count ? h->min : 0;
}

uint64_t hist_max(const struct hist *h)
{
	return h->count ? h->max : 0;
}

/* Inverse of hist_bucket_of(): undo the group offset, then the shift. */
uint64_t hist_bucket_low(unsigned i)
{
	unsigned shift;

	if (i < 2 * HIST_SUB_COUNT)
		return i;
	shift = (i >> HIST_SUB_BITS) - 1;
	return (uint64_t)((i & (HIST_SUB_COUNT - 1)) | HIST_SUB_COUNT) << shift;
}

uint64_t hist_bucket_width(unsigned i)
{
	if (i < 2 * HIST_SUB_COUNT)
		return 1;
	return (uint64_t)1 << ((i >> HIST_SUB_BITS) - 1);
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	if (!(p > 0.0)) /* also catches NaN */
		return h->min;
	if (p >= 100.0)
		return h->max;
	rank = (uint64_t)ceil(p * (double)h->count / 100.0);
	if (rank <= 1)
		return h->min;
	if (rank >= h->count)
		return h->max;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		uint64_t mid;

		seen += h->buckets[i];
		if (seen < rank)
			continue;
		/*
		 * The midpoint halves the worst-case error; the true value
		 * also lies within [min, max], so clamp to that.
		 */
		mid = hist_bucket_low(i) + (hist_bucket_width(i) - 1) / 2;
		if (mid < h->min)
			mid = h->min;
		if (mid > h->max)
			mid = h->max;
		return mid;
	}
	return h->max; /* not reached while count matches the buckets */
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (src->count == 0)
		return;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}
