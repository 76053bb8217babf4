/*
 * run_cmd.c - `ipclab run`: one configuration, measured like a point of a
 * sweep (plan.h: a plan of one point, through the same rounds), its rows to
 * standard output or -o FILE (table, CSV or JSON lines) and its summary.
 */
#include "commands.h"
#include "plan.h"
#include "stats.h"
#include "stdfds.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

struct run_sink {
	FILE *out;
	enum record_format fmt;
	int quiet;
	int werr; /* errno of the first lost row, 0 if none */
};

static void run_emit(const struct record *rec, void *arg)
{
	struct run_sink *s = arg;
	if (record_write(s->out, s->fmt, rec) < 0 && !s->werr)
		s->werr = errno;
	if (s->fmt != FORMAT_TABLE && !s->quiet && strcmp(rec->status, "ok"))
		fprintf(stderr, "ipclab: run: %s: %s\n", rec->transport, rec->reason);
}

/* The summary after the rows: on stdout beside a table, else on stderr. */
static void print_summary(const struct bench_opts *o, FILE *out,
			  const struct summary *s, struct run_sink *sink)
{
	FILE *sf = o->format == FORMAT_TABLE && out == stdout ? stdout : stderr;
	if (s->status[0] && (!o->quiet || sf == stdout)) {
		fprintf(sf, "\nsummary (median of %llu rounds; a rerun's median "
			"falls in [lo .. hi] with probability %.0f%%):\n",
			(unsigned long long)s->reps,
			isfinite(s->interval_coverage)
			? 100 * s->interval_coverage : 0.0);
		if ((summary_write_header(sf, FORMAT_TABLE) < 0 ||
		     summary_write(sf, FORMAT_TABLE, s) < 0) &&
		    sf == out && !sink->werr)
			sink->werr = errno;
	}
	if (!o->quiet && s->flag[0])
		fprintf(stderr, "ipclab: run: warning: %s: unstable (%s): %s\n",
			s->first.transport, s->flag_kinds, s->reason);
}

/* Measure the plan's one point into out; the exit status. */
static int measure(const struct bench_opts *o, const struct plan *plan,
		   FILE *out)
{
	char run_id[48];
	record_make_run_id(run_id, sizeof(run_id));
	struct run_sink sink = {out, o->format, o->quiet, 0};
	if (record_write_header(out, o->format) < 0)
		sink.werr = errno;
	run_catch_signals();
	/* Its repetitions are rounds, each with its canaries, judged by the
	 * same rules as a sweep's. */
	struct rounds_hooks hooks = {run_emit, NULL, NULL, &sink};
	struct rounds_report rep;
	struct summary s;
	int rc = rounds_run(plan->points, 1, &plan->rounds, run_id, &hooks, &s,
			    &rep);
	if (rc == -ENOMEM) {
		fprintf(stderr, "ipclab: run: out of memory\n");
		if (out != stdout)
			fclose(out);
		return 1;
	}
	print_summary(o, out, &s, &sink);
	if (out != stdout && record_close(out) < 0 && !sink.werr)
		sink.werr = errno;
	if (sink.werr) { /* rows were lost: never exit 0 */
		fprintf(stderr, "ipclab: run: writing %s: %s\n",
			o->output ? o->output : "standard output",
			strerror(sink.werr));
		return 1;
	}
	if (rc == -EINTR)
		return 128 + (run_stop ? run_stop : SIGINT);
	if (rc)
		fprintf(stderr, "ipclab: run: %s: %s\n", s.first.transport,
			s.reason[0] ? s.reason : "a repetition failed");
	return rc ? 1 : 0;
}

/* Refused before anything runs: exit 2 with why, or 0 and where rows go. */
static int ready(const struct bench_opts *o, const struct point *p,
		 FILE **out, char *why, size_t whylen)
{
	if (point_check(p, why, whylen) < 0)
		return 2;
	if (!(p->t->caps & IPC_CAP_REGION) &&
	    (o->populates[0] || o->hugepages[0] != REGION_HP_OFF))
		fprintf(stderr, "ipclab: run: note: %s has no shared region; "
			"--populate and --hugepages do not apply (recorded as "
			"n/a)\n", p->t->name);
	if (p->pairs > 1 && o->format == FORMAT_TABLE && !o->quiet)
		fprintf(stderr, "ipclab: run: note: --pairs %d: each row is the "
			"pairs' aggregate; --format csv or json adds each pair's "
			"CPUs, bytes and throughput (pair_* columns)\n", p->pairs);
	*out = stdout;
	if (!o->output && stdfds_was_closed(1)) {
		snprintf(why, whylen, "standard output is closed, the rows "
			 "would be lost: redirect it (> FILE) or give -o FILE");
		return 2;
	}
	if (o->output && !(*out = fopen(o->output, "w"))) {
		snprintf(why, whylen, "--output %s: %s", o->output,
			 strerror(errno));
		return 2;
	}
	return 0;
}

int run_main(int argc, char **argv)
{
	struct bench_opts o;
	struct plan plan;
	char why[768];
	FILE *out;
	int rc = options_parse(OPTS_RUN, argc, argv, &o, why, sizeof(why));
	if (rc == 1)
		return 0;
	if (rc) {
		fprintf(stderr, "ipclab: run: %s\n", why);
		if (rc == 3)
			ipc_transport_list(stderr, 0);
		return 2;
	}
	if (plan_make(&o, &plan) < 0) {
		fprintf(stderr, "ipclab: run: out of memory\n");
		return 1;
	}
	/* run's options name one of each: the plan is one point. */
	rc = ready(&o, &plan.points[0], &out, why, sizeof(why));
	if (rc)
		fprintf(stderr, "ipclab: run: %s\n", why);
	else
		rc = measure(&o, &plan, out);
	plan_free(&plan);
	return rc;
}
