/*
 * model.h - the cost model behind "why does the time change with BUF_SIZE?".
 *
 * Moving a stream costs something for every byte (copying it) and something
 * for every handoff (a block changing hands: system calls, semaphore posts,
 * waking the peer, often a context switch).  So a run that moves `bytes`
 * bytes in `handoffs` blocks should take about
 *
 *     time_ns = bytes * c_byte_ns + handoffs * c_handoff_ns
 *
 * Small buffers mean many handoffs and the second term dominates; large
 * buffers mean few, and the first term (compare c_byte with memcpy's cost
 * per byte) dominates.
 *
 * Fitting.  Each point i of a BUF_SIZE sweep gives one measured time t_i for
 * known bytes x_i and handoffs y_i.  We pick the c_byte and c_handoff that
 * make the sum of squared misses, SS_res = sum_i (t_i - x_i*c_byte -
 * y_i*c_handoff)^2, as small as possible ("least squares").  Setting the
 * derivative of SS_res with respect to each coefficient to zero gives two
 * linear equations (the "normal equations"):
 *
 *     c_byte * sum(x*x) + c_handoff * sum(x*y) = sum(x*t)
 *     c_byte * sum(x*y) + c_handoff * sum(y*y) = sum(y*t)
 *
 * which we solve directly (after scaling x and y to comparable sizes, to
 * keep the arithmetic accurate).  They have no unique solution when every
 * point has the same bytes/handoffs ratio (every sweep point used the same
 * BUF_SIZE): the data then cannot tell a byte cost from a handoff cost, and
 * model_fit() says so with -EINVAL instead of returning arbitrary numbers.
 *
 * Goodness of fit.  R^2 = 1 - SS_res / SS_tot, where SS_tot = sum_i (t_i -
 * mean t)^2 is the spread of the times about their mean.  R^2 = 1 means the
 * model explains every point exactly; 0 means it does no better than
 * quoting the mean time.  Because this model has no constant term, R^2 can
 * even be negative when the model is very wrong.  When every time is equal,
 * SS_tot is 0 and R^2 is undefined: r2 is then NaN.
 *
 * Coefficients are not forced to be positive: a negative one on real data
 * is a sign the model does not fit that transport (look at R^2).
 *
 *   struct model_fit f;
 *   if (model_fit(bytes, blocks, wall_ns, npoints, &f) == 0)
 *           ... f.c_byte_ns, f.c_handoff_ns, f.r2 ...
 */
#ifndef IPCLAB_MODEL_H
#define IPCLAB_MODEL_H

#include <stddef.h>

struct model_fit {
	double c_byte_ns;    /* cost of one byte, ns */
	double c_handoff_ns; /* cost of one handoff, ns */
	double r2;           /* 1 - SS_res/SS_tot; NaN if all times equal */
	size_t n;            /* number of points fitted */
};

/*
 * Fit time_ns[i] = bytes[i]*c_byte + handoffs[i]*c_handoff, i < n, by least
 * squares.  Returns 0, or -EINVAL (*out untouched) when a pointer is NULL,
 * n < 2, a value is not finite, or the system is singular (bytes or handoffs
 * all 0, or all points with the same bytes/handoffs ratio).
 */
int model_fit(const double *bytes, const double *handoffs,
	      const double *time_ns, size_t n, struct model_fit *out);

/*
 * The fit ipclab reports: the same model, but every point counts by its
 * relative miss, (t_i - model_i) / t_i, instead of its miss in ns.  A sweep
 * run with --min-time makes every point last about as long, so plain least
 * squares would be fitting noise; weighting by 1/t_i^2 makes a 10% miss at
 * 16 B cost as much as a 10% miss at 1 MiB.  It is the same two equations
 * for bytes/t and handoffs/t against 1.
 * out->r2 is then computed where the curve is seen: on the time per byte,
 * t_i / bytes_i, against c_byte + c_handoff * handoffs_i / bytes_i.
 * *max_rel_err (may be NULL) gets the largest |t_i - model_i| / t_i.
 * -EINVAL as model_fit, or when a time or a byte count is not > 0.
 */
int model_fit_relative(const double *bytes, const double *handoffs,
		       const double *time_ns, size_t n,
		       struct model_fit *out, double *max_rel_err);

#endif
