/*
 * model.c - least-squares fit of time = bytes*c_byte + handoffs*c_handoff
 * (optionally + a constant); model.h explains the model and the formulas.
 *
 * Bytes run to 1e10 and handoffs to 1e8 in one sweep, so the columns are
 * first divided by their own size (root of the sum of squares): the 2x2
 * normal equations then have 1 on the diagonal and the cosine of the angle
 * between the two columns off it, and "singular" becomes a plain test on
 * 1 - cosine^2, independent of units.
 */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* Below this, 1 - cos^2 means the columns are parallel up to rounding. */
#define MODEL_MIN_DET 1e-9
/* A column whose spread is this small next to its size counts as constant. */
#define MODEL_MIN_REL_SPREAD 1e-10

static int all_finite(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

static double mean(const double *v, size_t n)
{
	double s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s / (double)n;
}

/*
 * Least squares for t - mt = (x - mx)*a + (y - my)*b.  With mx = my = mt = 0
 * this is the model without a constant; with the means it is the model with
 * one, the constant having been subtracted out.
 */
static int solve2(const double *x, const double *y, const double *t, size_t n,
		  double mx, double my, double mt, double *a, double *b)
{
	double sxx = 0, syy = 0, xx0 = 0, yy0 = 0, sx, sy;
	double rho = 0, ru = 0, rw = 0, det;

	for (size_t i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
		xx0 += x[i] * x[i];
		yy0 += y[i] * y[i];
	}
	/*
	 * Centering a constant column leaves rounding noise, not zero: compare
	 * its spread with its size rather than with 0.
	 */
	if (sxx <= MODEL_MIN_REL_SPREAD * MODEL_MIN_REL_SPREAD * xx0 ||
	    syy <= MODEL_MIN_REL_SPREAD * MODEL_MIN_REL_SPREAD * yy0)
		return -EINVAL;
	sx = sqrt(sxx);
	sy = sqrt(syy);
	for (size_t i = 0; i < n; i++) {
		double u = (x[i] - mx) / sx, w = (y[i] - my) / sy;

		rho += u * w;
		ru += u * (t[i] - mt);
		rw += w * (t[i] - mt);
	}
	det = 1.0 - rho * rho;
	if (!(det > MODEL_MIN_DET))
		return -EINVAL;
	/* Cramer's rule on [1 rho; rho 1], then undo the column scaling. */
	*a = (ru - rho * rw) / det / sx;
	*b = (rw - rho * ru) / det / sy;
	return 0;
}

static double r_squared(const double *x, const double *y, const double *t,
			size_t n, double c0, double a, double b)
{
	double mt = mean(t, n), ss_res = 0, ss_tot = 0;

	for (size_t i = 0; i < n; i++) {
		double e = t[i] - (c0 + x[i] * a + y[i] * b);

		ss_res += e * e;
		ss_tot += (t[i] - mt) * (t[i] - mt);
	}
	if (ss_tot == 0.0)
		return NAN;
	return 1.0 - ss_res / ss_tot;
}

static int check_args(const double *x, const double *y, const double *t,
		      size_t n, size_t min_n, const struct model_fit *out)
{
	if (!x || !y || !t || !out || n < min_n)
		return -EINVAL;
	if (!all_finite(x, n) || !all_finite(y, n) || !all_finite(t, n))
		return -EINVAL;
	return 0;
}

int model_fit(const double *bytes, const double *handoffs,
	      const double *time_ns, size_t n, struct model_fit *out)
{
	double a, b;
	int rc;

	rc = check_args(bytes, handoffs, time_ns, n, 2, out);
	if (rc)
		return rc;
	rc = solve2(bytes, handoffs, time_ns, n, 0, 0, 0, &a, &b);
	if (rc)
		return rc;
	out->c_byte_ns = a;
	out->c_handoff_ns = b;
	out->r2 = r_squared(bytes, handoffs, time_ns, n, 0, a, b);
	out->n = n;
	return 0;
}

int model_fit_relative(const double *bytes, const double *handoffs,
		       const double *time_ns, size_t n,
		       struct model_fit *out, double *max_rel_err)
{
	if (!bytes || !handoffs || !time_ns || !out || n < 2)
		return -EINVAL;
	double *a = malloc(3 * n * sizeof(double));
	if (!a)
		return -ENOMEM;
	double *b = a + n, *one = b + n;
	for (size_t i = 0; i < n; i++) {
		if (!(time_ns[i] > 0) || !(bytes[i] > 0) || !isfinite(time_ns[i])) {
			free(a);
			return -EINVAL;
		}
		a[i] = bytes[i] / time_ns[i];
		b[i] = handoffs[i] / time_ns[i];
		one[i] = 1;
	}
	struct model_fit f;
	int rc = model_fit(a, b, one, n, &f);
	free(a);
	if (rc < 0)
		return rc;
	double mean = 0, ss_res = 0, ss_tot = 0, worst = 0;
	for (size_t i = 0; i < n; i++)
		mean += time_ns[i] / bytes[i] / (double)n;
	for (size_t i = 0; i < n; i++) {
		double per_byte = time_ns[i] / bytes[i];
		double model = f.c_byte_ns + f.c_handoff_ns * handoffs[i] / bytes[i];
		double rel = fabs(model * bytes[i] - time_ns[i]) / time_ns[i];
		ss_res += (per_byte - model) * (per_byte - model);
		ss_tot += (per_byte - mean) * (per_byte - mean);
		if (rel > worst)
			worst = rel;
	}
	f.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : NAN;
	f.n = n;
	*out = f;
	if (max_rel_err)
		*max_rel_err = worst;
	return 0;
}
