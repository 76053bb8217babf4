/* rounds.c - a plan of points measured in shuffled rounds (see rounds.h). */
#include "rounds.h"
#include "drift.h"
#include "trust.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64: a good 64-bit mix of a counter. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void rounds_order(size_t n, uint64_t seed, unsigned round, size_t *idx)
{
	uint64_t s = mix(seed ^ mix((uint64_t)round));
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
		s = mix(s);
		size_t j = (size_t)(s % i);
		size_t t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

struct campaign {
	const struct rounds_opts *ro;
	const char *run_id;
	const struct rounds_hooks *h;
	struct point_state *ps;
	int *skipped;      /* 1: point_check refused it */
	char (*why)[512];
	size_t n;
	uint64_t t0;
	double drift; /* the machine's level drift (drift.h), NAN: unknown */
};

static double elapsed(const struct campaign *cp)
{
	return (double)(run_now_ns() - cp->t0) / 1e9;
}

static void progress(const struct campaign *cp, const char *phase,
		     unsigned round, size_t done, size_t total,
		     const struct point *p, double left)
{
	if (!cp->h || !cp->h->progress)
		return;
	struct rounds_progress pr = {phase, round, done, total, p,
				     elapsed(cp), left};
	cp->h->progress(&pr, cp->h->arg);
}

/* The figure of each timed ok record of a point, in round order. */
static size_t figures(const struct point_state *ps, double *fig)
{
	size_t k = 0;
	for (size_t i = 0; i < ps->nrecs; i++)
		if (!ps->recs[i].warmup && strcmp(ps->recs[i].status, "ok") == 0)
			fig[k++] = record_figure(&ps->recs[i]);
	return k;
}

static int wants_more(const struct point_state *ps, double target)
{
	double fig[ps->nrecs ? ps->nrecs : 1];
	size_t k = figures(ps, fig);
	return trust_needs_more(fig, k, target);
}

/* Seconds one round of the ready points should take (their last runs). */
static double round_cost(const struct campaign *cp, const int *active)
{
	double sum = 0;
	for (size_t i = 0; i < cp->n; i++)
		if (active[i])
			sum += cp->ps[i].last_s;
	return sum;
}

static void judge(const struct campaign *cp, size_t i, int stopped,
		  struct summary *s)
{
	const struct point_state *ps = &cp->ps[i];
	summary_from_records(s, ps->recs, ps->nrecs);
	size_t n = ps->nrecs ? ps->nrecs : 1;
	double fig[n], line[n], speed[n], steal[n], busy[n];
	size_t k = 0;
	for (size_t j = 0; j < ps->nrecs; j++) {
		const struct record *r = &ps->recs[j];
		if (r->warmup || strcmp(r->status, "ok") != 0)
			continue;
		fig[k] = record_figure(r);
		line[k] = r->line_rtt_ns;
		speed[k] = r->speed_ns;
		steal[k] = r->steal_pct;
		busy[k] = r->other_busy_pct;
		k++;
	}
	if (!k)
		return;
	int pp = ps->c.mode == MODE_PINGPONG;
	struct trust_in in = {
		.n = k, .planned = stopped ? cp->ro->rounds : 0, .fig = fig,
		.line_rtt = line, .speed = speed, .steal_pct = steal, .other_busy_pct = busy,
		.target = cp->ro->target, .drift = cp->drift,
		.lower_is_better = pp, .unit = pp ? "ns" : "B/s",
	};
	struct trust_out out;
	trust_judge(&in, &out);
	/* The interval as judged: the rounds' own, widened by the drift. */
	struct stats_summary *f = pp ? &s->one_way : &s->bps;
	if (isfinite(out.lo) && f->n) {
		f->rerun_lo = out.lo;
		f->rerun_hi = out.hi;
		s->rel_halfwidth = out.rel_halfwidth;
	}
	if (!out.kinds)
		return;
	snprintf(s->flag, sizeof(s->flag), "unstable");
	snprintf(s->flag_kinds, sizeof(s->flag_kinds), "%s", out.kind_names);
	if (strcmp(s->status, "ok") == 0)
		snprintf(s->reason, sizeof(s->reason), "%s", out.reason);
}

/* The planned rounds' figures of every point that ran, and their drift. */
static double campaign_drift(const struct campaign *cp,
			     struct rounds_report *rep)
{
	size_t nr = cp->ro->rounds;
	double *fig = malloc((cp->n ? cp->n : 1) * (nr ? nr : 1) * sizeof(*fig));
	double *levels = malloc((nr ? nr : 1) * sizeof(*levels));
	rep->level_min = rep->level_max = NAN;
	rep->level_rounds = 0;
	if (!fig || !levels || !nr) {
		free(fig);
		free(levels);
		return NAN;
	}
	for (size_t i = 0; i < cp->n * nr; i++)
		fig[i] = NAN;
	for (size_t i = 0; i < cp->n; i++)
		for (size_t j = 0; j < cp->ps[i].nrecs; j++) {
			const struct record *r = &cp->ps[i].recs[j];
			if (!r->warmup && r->round >= 1 && r->round <= nr &&
			    strcmp(r->status, "ok") == 0)
				/* a speed: ping-pong's latency inverted */
				fig[i * nr + r->round - 1] =
					record_is_pingpong(r)
					? 1 / record_figure(r)
					: record_figure(r);
		}
	double d = drift_of_rounds(fig, cp->n, nr, levels);
	for (size_t r = 0; r < nr; r++) {
		if (isnan(levels[r]))
			continue;
		rep->level_rounds++;
		rep->level_min = fmin(rep->level_min, levels[r]);
		rep->level_max = fmax(rep->level_max, levels[r]);
	}
	free(fig);
	free(levels);
	return d;
}

void rounds_level_json(const struct rounds_report *rep, char *buf, size_t n)
{
	if (isfinite(rep->drift))
		snprintf(buf, n, "{\"drift\": %.6f, \"min\": %.6f, \"max\": "
			 "%.6f, \"rounds\": %u}", rep->drift, rep->level_min,
			 rep->level_max, rep->level_rounds);
	else
		snprintf(buf, n, "null");
}

static int prepare_all(struct campaign *cp, struct rounds_report *rep)
{
	size_t *idx = calloc(cp->n ? cp->n : 1, sizeof(*idx));
	double prep_s = 0;
	size_t prepared = 0;
	int rc = 0;
	if (!idx)
		return -ENOMEM;
	rounds_order(cp->n, cp->ro->seed, 0, idx);
	for (size_t k = 0; k < cp->n && !run_stop; k++) {
		size_t i = idx[k];
		const struct point *p = &cp->ps[i].p;
		double left = NAN;
		if (prepared) {
			double round = 0;
			for (size_t j = 0; j < cp->n; j++)
				round += cp->ps[j].last_s;
			round *= (double)cp->n / (double)prepared;
			left = prep_s / (double)prepared * (double)(cp->n - k) +
			       round * cp->ro->rounds;
		}
		progress(cp, "prepare", 0, k, cp->n, p, left);
		if (point_check(p, cp->why[i], sizeof(cp->why[i])) < 0) {
			struct record rec;
			point_record(p, cp->run_id, &rec);
			snprintf(rec.status, sizeof(rec.status), "skipped");
			snprintf(rec.reason, sizeof(rec.reason), "%s", cp->why[i]);
			if (cp->h && cp->h->emit)
				cp->h->emit(&rec, cp->h->arg);
			cp->skipped[i] = 1;
			rep->skipped++;
			if (cp->h && cp->h->prepared)
				cp->h->prepared(p, -EINVAL, cp->why[i], cp->h->arg);
			continue;
		}
		double t = elapsed(cp);
		struct point p_copy = *p;
		int prc = point_prepare(&cp->ps[i], &p_copy, cp->run_id, t,
					cp->h ? cp->h->emit : NULL,
					cp->h ? cp->h->arg : NULL);
		prep_s += elapsed(cp) - t;
		prepared++;
		if (prc == -ENOMEM || prc == -EINTR) {
			rc = prc;
			break;
		}
		if (cp->h && cp->h->prepared)
			cp->h->prepared(p, prc, prc && cp->ps[i].nrecs
					? cp->ps[i].recs[cp->ps[i].nrecs - 1].reason
					: "", cp->h->arg);
		if (prc == 1) {
			rep->errors++;
			if (cp->ro->fail_fast) {
				rc = 1;
				break;
			}
		}
	}
	free(idx);
	return rc;
}

static int run_rounds(struct campaign *cp, struct rounds_report *rep)
{
	int *active = calloc(cp->n ? cp->n : 1, sizeof(*active));
	size_t *idx = calloc(cp->n ? cp->n : 1, sizeof(*idx));
	size_t *order = calloc(cp->n ? cp->n : 1, sizeof(*order));
	int *extra = calloc(cp->n ? cp->n : 1, sizeof(*extra));
	int rc = 0;
	if (!active || !idx || !order || !extra) {
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned r = 1; r <= cp->ro->max_rounds && rc == 0 && !run_stop;
	     r++) {
		size_t m = 0;
		for (size_t i = 0; i < cp->n; i++) {
			active[i] = cp->ps[i].ready &&
				    (r <= cp->ro->rounds ||
				     wants_more(&cp->ps[i], cp->ro->target));
			if (active[i])
				idx[m++] = i;
		}
		if (!m)
			break;
		double cost = round_cost(cp, active);
		if (r > cp->ro->rounds && cp->ro->budget_s > 0 &&
		    elapsed(cp) + cost > cp->ro->budget_s) {
			rep->budget_hit = 1;
			break;
		}
		rounds_order(m, cp->ro->seed, r, order);
		rep->rounds_run = r;
		double left_after = cost * (double)(cp->ro->rounds > r
						    ? cp->ro->rounds - r : 0);
		double done_s = 0;
		for (size_t k = 0; k < m && !run_stop; k++) {
			struct point_state *ps = &cp->ps[idx[order[k]]];
			if (r > cp->ro->rounds)
				extra[idx[order[k]]] = 1;
			progress(cp, "round", r, k, m, &ps->p,
				 cost - done_s + left_after);
			int prc = point_round(ps, r, elapsed(cp), cp->run_id,
					      cp->h ? cp->h->emit : NULL,
					      cp->h ? cp->h->arg : NULL);
			done_s += ps->last_s;
			if (prc == -ENOMEM || prc == -EINTR) {
				rc = prc;
				break;
			}
			if (prc == 1) {
				rep->errors++;
				if (cp->ro->fail_fast) {
					rc = 1;
					break;
				}
			}
		}
	}
	for (size_t i = 0; i < cp->n; i++)
		rep->extra_points += (size_t)extra[i];
out:
	free(active);
	free(idx);
	free(order);
	free(extra);
	return rc;
}

int rounds_run(const struct point *plan, size_t n,
	       const struct rounds_opts *ro, const char *run_id,
	       const struct rounds_hooks *h, struct summary *out,
	       struct rounds_report *rep)
{
	struct campaign cp = {ro, run_id, h, NULL, NULL, NULL, n, run_now_ns(),
			      NAN};
	memset(rep, 0, sizeof(*rep));
	cp.ps = calloc(n ? n : 1, sizeof(*cp.ps));
	cp.skipped = calloc(n ? n : 1, sizeof(*cp.skipped));
	cp.why = calloc(n ? n : 1, sizeof(*cp.why));
	if (!cp.ps || !cp.skipped || !cp.why) {
		free(cp.ps);
		free(cp.skipped);
		free(cp.why);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		cp.ps[i].p = plan[i];
	int rc = prepare_all(&cp, rep);
	if (rc == 0 || (rc == 1 && !ro->fail_fast))
		rc = run_rounds(&cp, rep);
	if (run_stop && rc != -ENOMEM)
		rc = -EINTR;
	rep->stopped = rc == -EINTR;
	cp.drift = rep->drift = campaign_drift(&cp, rep);
	for (size_t i = 0; i < n; i++) {
		struct summary *s = &out[i];
		memset(s, 0, sizeof(*s));
		if (cp.skipped[i]) {
			struct record rec;
			point_record(&plan[i], run_id, &rec);
			snprintf(rec.status, sizeof(rec.status), "skipped");
			snprintf(rec.reason, sizeof(rec.reason), "%s", cp.why[i]);
			summary_from_records(s, &rec, 1);
			continue;
		}
		if (!cp.ps[i].nrecs)
			continue; /* never reached: no row (status "") */
		judge(&cp, i, rep->stopped || (rc == 1 && ro->fail_fast), s);
		if (strcmp(s->status, "ok") == 0)
			rep->ok++;
		if (s->flag[0])
			rep->flagged++;
	}
	rep->elapsed_s = elapsed(&cp);
	for (size_t i = 0; i < n; i++)
		point_state_free(&cp.ps[i]);
	free(cp.ps);
	free(cp.skipped);
	free(cp.why);
	if (rc == 0 && rep->errors)
		rc = 1;
	return rc;
}
