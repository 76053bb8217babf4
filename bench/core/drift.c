/* drift.c - the machine's level per round, and its drift (see drift.h). */
#include "drift.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>

double drift_of_rounds(const double *fig, size_t npoints, size_t nrounds,
		       double *levels)
{
	double *med = malloc((npoints ? npoints : 1) * sizeof(*med));
	/* one point's rounds, or one round's points */
	double *buf = malloc((npoints + nrounds + 1) * sizeof(*buf));
	double lo = INFINITY, hi = -INFINITY;
	size_t counted = 0;
	if (!med || !buf || !fig) {
		free(med);
		free(buf);
		return NAN;
	}
	for (size_t p = 0; p < npoints; p++) {
		size_t k = 0;
		for (size_t r = 0; r < nrounds; r++) {
			double v = fig[p * nrounds + r];
			if (isfinite(v) && v > 0)
				buf[k++] = v;
		}
		med[p] = k ? stats_median(buf, k) : NAN;
	}
	for (size_t r = 0; r < nrounds; r++) {
		size_t k = 0;
		for (size_t p = 0; p < npoints; p++) {
			double v = fig[p * nrounds + r];
			if (isfinite(v) && v > 0 && med[p] > 0)
				buf[k++] = v / med[p];
		}
		double level = k >= DRIFT_MIN_POINTS ? stats_median(buf, k) : NAN;
		if (levels)
			levels[r] = level;
		if (isnan(level))
			continue;
		counted++;
		lo = fmin(lo, level);
		hi = fmax(hi, level);
	}
	free(med);
	free(buf);
	return counted >= DRIFT_MIN_ROUNDS ? (hi - lo) / 2 : NAN;
}

void drift_widen(double median, double drift, double *lo, double *hi)
{
	if (!isfinite(median) || !isfinite(drift) || drift <= 0 ||
	    !isfinite(*lo) || !isfinite(*hi))
		return;
	double d = drift * fabs(median);
	*lo = median - hypot(median - *lo, d);
	*hi = median + hypot(*hi - median, d);
	if (median >= 0 && *lo < 0)
		*lo = 0; /* no figure of ours is negative */
}
