/* trust.c - the rules that flag a point unstable (see trust.h). */
#include "trust.h"
#include "drift.h"
#include "stats.h"
#include "units.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The finite values of v[0..n) into out; their count. */
static size_t finite_values(const double *v, size_t n, double *out)
{
	size_t k = 0;
	for (size_t i = 0; v && i < n; i++)
		if (isfinite(v[i]))
			out[k++] = v[i];
	return k;
}

static void fmt_fig(const struct trust_in *in, double v, char *buf,
		    size_t len)
{
	if (in->unit && strcmp(in->unit, "ns") == 0)
		units_format_ns(v, buf, len);
	else
		units_format_rate(v, buf, len);
}

static void add(struct trust_out *out, unsigned kind, const char *name,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add(struct trust_out *out, unsigned kind, const char *name,
		const char *fmt, ...)
{
	size_t n = strlen(out->kind_names);
	if (name)
		snprintf(out->kind_names + n, sizeof(out->kind_names) - n,
			 "%s%s", n ? "+" : "", name);
	n = strlen(out->reason);
	if (n && n + 2 < sizeof(out->reason))
		out->reason[n++] = ' ', out->reason[n] = '\0';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->reason + n, sizeof(out->reason) - n, fmt, ap);
	va_end(ap);
	out->kinds |= kind;
}

int trust_needs_more(const double *fig, size_t n, double target)
{
	struct stats_summary s;
	double v[n ? n : 1];
	size_t k = finite_values(fig, n, v);
	if (k < 2 || stats_summarize(v, k, &s) < 0 || s.median <= 0)
		return 1;
	return (s.rerun_hi - s.rerun_lo) / 2 / s.median > target;
}

/*
 * Two groups: the widest gap between neighbours of the sorted rounds, with
 * at least two rounds on each side.  Returns the ratio upper/lower of the
 * gap (1 when there is no such gap) and the medians of the two groups.
 */
static double widest_gap(const double *sorted, size_t n, double *low,
			 double *high, size_t *nlow)
{
	double best = 1;
	for (size_t i = 1; i + 2 < n; i++) {
		if (sorted[i] <= 0)
			continue;
		double r = sorted[i + 1] / sorted[i];
		if (r > best) {
			best = r;
			*nlow = i + 1;
		}
	}
	if (best > 1) {
		*low = stats_median(sorted, *nlow);
		*high = stats_median(sorted + *nlow, n - *nlow);
	}
	return best;
}

/*
 * A probe of the machine's state (probe[i] before round i) that moved by
 * more than `ratio` (max/min) during the point: split the rounds at the
 * geometric middle of its range and see whether the figure differs between
 * the two states by more than the target.  Fills the two medians and the
 * probe's range; 1 when it does.
 */
static int followed(const struct trust_in *in, const double *probe,
		    double ratio, double fig[2], size_t cnt[2],
		    double range[2])
{
	size_t n = in->n;
	double v[n ? n : 1];
	size_t k = finite_values(probe, n, v);
	if (k < 4)
		return 0;
	qsort(v, k, sizeof(*v), cmp_double);
	if (v[0] <= 0 || v[k - 1] / v[0] <= ratio)
		return 0;
	double mid = sqrt(v[0] * v[k - 1]);
	double low[n], high[n];
	size_t nl = 0, nh = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(probe[i]) || !isfinite(in->fig[i]))
			continue;
		if (probe[i] < mid)
			low[nl++] = in->fig[i];
		else
			high[nh++] = in->fig[i];
	}
	if (nl < 2 || nh < 2)
		return 0;
	fig[0] = stats_median(low, nl);
	fig[1] = stats_median(high, nh);
	cnt[0] = nl, cnt[1] = nh;
	range[0] = v[0], range[1] = v[k - 1];
	return fig[0] > 0 && fig[1] > 0 &&
	       fabs(fig[0] - fig[1]) / fmin(fig[0], fig[1]) > in->target;
}

static void judge_canary(const struct trust_in *in, struct trust_out *out)
{
	double fig[2], range[2];
	size_t cnt[2];
	char a[24], b[24], la[24], lb[24];
	if (followed(in, in->line_rtt, TRUST_CANARY_RATIO, fig, cnt, range)) {
		fmt_fig(in, fig[0], a, sizeof(a));
		fmt_fig(in, fig[1], b, sizeof(b));
		units_format_ns(range[0], la, sizeof(la));
		units_format_ns(range[1], lb, sizeof(lb));
		add(out, TRUST_CANARY, "canary", "The figure followed where the "
		    "host put the two CPUs: %s in %zu rounds with a %s cache-"
		    "line round trip, %s in %zu with one up to %s.", a, cnt[0],
		    la, b, cnt[1], lb);
	}
	if (followed(in, in->speed, TRUST_SPEED_RATIO, fig, cnt, range)) {
		fmt_fig(in, fig[0], a, sizeof(a));
		fmt_fig(in, fig[1], b, sizeof(b));
		add(out, TRUST_CANARY,
		    out->kinds & TRUST_CANARY ? NULL : "canary",
		    "The figure followed the machine's speed: %s in %zu "
		    "rounds on a machine up to %.0f%% faster, %s in %zu on a "
		    "slower one (speed probe).", a, cnt[0],
		    100 * (range[1] / range[0] - 1), b, cnt[1]);
	}
}

static void judge_load(const struct trust_in *in, struct trust_out *out)
{
	size_t n = in->n;
	double v[n ? n : 1];
	double mean = NAN, most = NAN, steal = NAN;
	size_t k = finite_values(in->other_busy_pct, n, v);
	if (k) {
		double sum = 0;
		most = v[0];
		for (size_t i = 0; i < k; i++) {
			sum += v[i];
			most = fmax(most, v[i]);
		}
		mean = sum / (double)k;
	}
	k = finite_values(in->steal_pct, n, v);
	for (size_t i = 0; i < k; i++)
		steal = isfinite(steal) ? fmax(steal, v[i]) : v[i];
	char what[200] = "";
	size_t w = 0;
	if (mean > TRUST_LOAD_MEAN_PCT || most > TRUST_LOAD_ROUND_PCT)
		w += (size_t)snprintf(what + w, sizeof(what) - w, "%.0f%% of "
			"the point's CPUs on average (%.0f%% at most)", mean,
			most);
	if (steal > TRUST_STEAL_PCT && w < sizeof(what))
		w += (size_t)snprintf(what + w, sizeof(what) - w, "%s"
			"steal up to %.0f%%", w ? ", " : "", steal);
	if (what[0])
		add(out, TRUST_LOAD, "load", "Other work ran beside it: %s.",
		    what);
}

void trust_judge(const struct trust_in *in, struct trust_out *out)
{
	memset(out, 0, sizeof(*out));
	out->median = out->lo = out->hi = out->coverage =
		out->rel_halfwidth = NAN;
	size_t n = in->n;
	double v[n ? n : 1];
	size_t k = finite_values(in->fig, n, v);
	struct stats_summary s;
	if (k && stats_summarize(v, k, &s) == 0) {
		out->median = s.median;
		out->lo = s.rerun_lo;
		out->hi = s.rerun_hi;
		drift_widen(s.median, in->drift, &out->lo, &out->hi);
		out->coverage = s.rerun_coverage;
		if (s.median > 0)
			out->rel_halfwidth = (out->hi - out->lo) / 2 /
					     s.median;
	}
	if (in->planned && n < in->planned)
		add(out, TRUST_CUT, "cut", "Cut short: %zu of %u rounds (the "
		    "sweep was interrupted).", n, in->planned);
	/* Extra rounds aim at the target; a point is flagged only when its
	 * interval stays wider than twice the target (+-10 % by default). */
	if (k >= 2 && out->rel_halfwidth > 2 * in->target) {
		char lo[24], hi[24];
		fmt_fig(in, out->lo, lo, sizeof(lo));
		fmt_fig(in, out->hi, hi, sizeof(hi));
		char drift[48] = "";
		if (isfinite(in->drift) && in->drift > 0)
			snprintf(drift, sizeof(drift), ", the machine's drift "
				 "+-%.1f%% %s", 100 * in->drift,
				 in->drift > 2 * in->target ? "alone beyond it"
							    : "included");
		add(out, TRUST_WIDE, "wide", "Interval +-%.0f%% after %zu rounds "
		    "(flagged beyond +-%.0f%%%s): a rerun's median is expected "
		    "within %s .. %s.", 100 * out->rel_halfwidth, k,
		    200 * in->target, drift, lo, hi);
	}
	if (k >= 4) {
		qsort(v, k, sizeof(*v), cmp_double);
		double low = NAN, high = NAN;
		size_t nlow = 0;
		double gap = widest_gap(v, k, &low, &high, &nlow);
		if (gap > 1 + 2 * in->target) {
			char a[24], b[24];
			fmt_fig(in, low, a, sizeof(a));
			fmt_fig(in, high, b, sizeof(b));
			add(out, TRUST_SPREAD, "spread", "Two groups of rounds, %zu "
			    "near %s and %zu near %s: the machine switched state; "
			    "a rerun may land in either.", nlow, a, k - nlow, b);
		}
	}
	if (in->fig)
		judge_canary(in, out);
	judge_load(in, out);
}
