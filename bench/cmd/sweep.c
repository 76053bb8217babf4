/*
 * sweep.c - `ipclab sweep`: every combination of the listed transports,
 * sizes, modes and memory options (a plan, plan.h), measured in rounds into
 * a results folder (runs.csv, summary.csv, meta.json, log.txt) that
 * describes itself.
 */
#include "commands.h"
#include "plan.h"
#include "stats.h"
#include "sysinfo.h"
#include "units.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int mkdir_p(const char *path, char *why, size_t whylen)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	snprintf(why, whylen, "--output %s: mkdir(%s): %s", path, buf,
		 strerror(errno));
	return -1;
}

struct sweep_out {
	FILE *runs, *summary, *log;
	int tty, quiet;
	int werr;             /* errno of the first lost row, 0 if none */
	const char *wfile;    /* the file it was lost from */
	const char *dir;
	uint64_t last_line_ns; /* the last progress line (no terminal) */
	unsigned last_round;
};

/* A failed write of a result file: remember the first. */
static void lost(struct sweep_out *so, const char *file)
{
	if (!so->werr) {
		so->werr = errno ? errno : EIO;
		so->wfile = file;
	}
}

static void emit_run(const struct record *rec, void *arg)
{
	struct sweep_out *so = arg;
	if (record_write(so->runs, FORMAT_CSV, rec) < 0)
		lost(so, "runs.csv");
}

static void say(struct sweep_out *so, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct sweep_out *so, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (so->log) {
		va_list ap2;
		va_copy(ap2, ap);
		vfprintf(so->log, fmt, ap2);
		va_end(ap2);
		fflush(so->log);
	}
	if (!so->quiet) {
		if (so->tty)
			fputs("\r\033[K", stderr);
		vfprintf(stderr, fmt, ap);
	}
	va_end(ap);
}

static void describe(const struct point *p, char *buf, size_t len)
{
	char size[24];
	units_format_size(p->buf_size, size, sizeof(size));
	int region = (p->t->caps & IPC_CAP_REGION) != 0;
	char pin[24], pairs[24] = "";
	if (p->pairs > 1)
		snprintf(pairs, sizeof(pairs), " pairs=%d", p->pairs);
	snprintf(buf, len, "%s %s %s %s%s%s%s%s%s%s", p->t->name, size,
		 p->mode == MODE_PINGPONG ? "pingpong" : "stream",
		 p->access == ACCESS_INPLACE ? "inplace" : "copy",
		 region && p->populate ? " populate" : "",
		 region && p->hugepages ? " hugepages=" : "",
		 region && p->hugepages ? region_hugepages_name(p->hugepages) : "",
		 p->pin.pin != PIN_NONE ? " pin=" : "",
		 p->pin.pin != PIN_NONE ? run_pin_name(&p->pin, pin, sizeof(pin))
					: "", pairs);
}

static void fmt_left(double s, char *buf, size_t len)
{
	if (!isfinite(s) || s < 0)
		snprintf(buf, len, "--");
	else
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
}

/* A bar on a terminal; otherwise a line per round, or every 10 s. */
static void on_progress(const struct rounds_progress *pr, void *arg)
{
	struct sweep_out *so = arg;
	if (so->quiet)
		return;
	char what[160], left[32], stage[32];
	describe(pr->p, what, sizeof(what));
	fmt_left(pr->left_s, left, sizeof(left));
	if (pr->round)
		snprintf(stage, sizeof(stage), "round %u", pr->round);
	else
		snprintf(stage, sizeof(stage), "warm-up");
	if (so->tty) {
		int width = 20, fill = pr->total ? (int)((double)width *
				(double)pr->done / (double)pr->total) : 0;
		fprintf(stderr, "\r\033[K%s [%.*s%*s] %zu/%zu left ~%s  %s",
			stage, fill, "####################", width - fill, "",
			pr->done, pr->total, left, what);
		return;
	}
	uint64_t now = run_now_ns();
	if (pr->round != so->last_round ||
	    now - so->last_line_ns > 10000000000ull) {
		fprintf(stderr, "ipclab: sweep: %s, %zu/%zu points, %.0f s "
			"elapsed, about %s left\n", stage, pr->done, pr->total,
			pr->elapsed_s, left);
		so->last_round = pr->round;
		so->last_line_ns = now;
	}
}

static void on_prepared(const struct point *p, int rc, const char *why,
			void *arg)
{
	struct sweep_out *so = arg;
	char what[160];
	if (!rc)
		return;
	describe(p, what, sizeof(what));
	if (rc == -EINVAL) {
		if (so->log)
			fprintf(so->log, "%s: skipped: %s\n", what, why);
		return;
	}
	say(so, "ipclab: sweep: %s: error: %s\n", what, why);
}

/* Write a file next to the results, never half-written (tmp + rename). */
static int write_meta(const char *dir, const char *run_id, const char *start,
		      const char *end, const struct bench_opts *o,
		      const char *extra)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	snprintf(tmp, sizeof(tmp), "%s/.meta.json.tmp", dir);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	sysinfo_write_json(f, run_id, start, end, o, extra);
	if (record_close(f) != 0 || rename(tmp, path) < 0) {
		int err = errno;
		(void)unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

static FILE *open_in(const char *dir, const char *name, char *why,
		     size_t whylen)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		snprintf(why, whylen, "--output %s: %s: %s", dir, name,
			 strerror(errno));
	return f;
}

int sweep_main(int argc, char **argv)
{
	struct bench_opts o;
	char why[768], run_id[48], dir[PATH_MAX], start[40], end[40];
	int rc = options_parse(OPTS_SWEEP, argc, argv, &o, why, sizeof(why));
	if (rc == 1)
		return 0;
	if (rc) {
		fprintf(stderr, "ipclab: sweep: %s\n", why);
		if (rc == 3)
			ipc_transport_list(stderr, 0);
		return 2;
	}
	if (o.format != FORMAT_TABLE) {
		fprintf(stderr, "ipclab: sweep: --format: a sweep writes CSV files "
			"into its folder (-o DIR); --format is for ipclab run\n");
		return 2;
	}
	struct plan plan;
	struct summary *sums = NULL;
	if (plan_make(&o, &plan) < 0 ||
	    !(sums = calloc(plan.n ? plan.n : 1, sizeof(*sums)))) {
		plan_free(&plan);
		fprintf(stderr, "ipclab: sweep: out of memory\n");
		return 1;
	}
	const size_t npoints = plan.n;

	record_make_run_id(run_id, sizeof(run_id));
	snprintf(dir, sizeof(dir), "%s", o.output ? o.output : "results/");
	if (!o.output)
		snprintf(dir, sizeof(dir), "results/%s", run_id);
	struct sweep_out so = {.tty = isatty(2), .quiet = o.quiet, .dir = dir};
	rc = 1;
	if (mkdir_p(dir, why, sizeof(why)) < 0 ||
	    !(so.runs = open_in(dir, "runs.csv", why, sizeof(why))) ||
	    !(so.summary = open_in(dir, "summary.csv", why, sizeof(why))) ||
	    !(so.log = open_in(dir, "log.txt", why, sizeof(why)))) {
		fprintf(stderr, "ipclab: sweep: %s\n", why);
		rc = 2;
		goto out;
	}
	sysinfo_now(start, sizeof(start));
	if (write_meta(dir, run_id, start, NULL, &o,
		       "\"complete\": false, \"stopped_by\": null") < 0) {
		fprintf(stderr, "ipclab: sweep: writing %s/meta.json: %s\n", dir,
			strerror(errno));
		goto out;
	}
	if (record_write_header(so.runs, FORMAT_CSV) < 0)
		lost(&so, "runs.csv");
	if (summary_write_header(so.summary, FORMAT_CSV) < 0)
		lost(&so, "summary.csv");

	run_catch_signals();

	say(&so, "ipclab: sweep: %zu points x %u rounds (up to %u for points "
	    "wider than +-%.0f%%%s) into %s/; order seed %llu\n", npoints,
	    o.reps, o.max_rounds, 100 * o.target,
	    o.budget_s > 0 ? ", within the budget" : "", dir,
	    (unsigned long long)o.shuffle_seed);
	struct rounds_hooks hooks = {emit_run, on_progress, on_prepared, &so};
	struct rounds_report rep;
	int rrc = rounds_run(plan.points, npoints, &plan.rounds, run_id, &hooks,
			     sums, &rep);
	if (so.tty && !o.quiet)
		fputs("\r\033[K", stderr);
	if (rrc == -ENOMEM) {
		fprintf(stderr, "ipclab: sweep: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < npoints; i++) {
		if (!sums[i].status[0])
			continue; /* never reached before a stop */
		if (summary_write(so.summary, FORMAT_CSV, &sums[i]) < 0)
			lost(&so, "summary.csv");
		if (sums[i].flag[0] && so.log) {
			char what[160];
			describe(&plan.points[i], what, sizeof(what));
			fprintf(so.log, "%s: unstable (%s): %s\n", what,
				sums[i].flag_kinds, sums[i].reason);
		}
	}

	sysinfo_now(end, sizeof(end));
	char extra[768], level[160];
	rounds_level_json(&rep, level, sizeof(level));
	const char *sig = run_stop && sigabbrev_np(run_stop)
			  ? sigabbrev_np(run_stop) : NULL;
	snprintf(extra, sizeof(extra), "\"complete\": %s, \"stopped_by\": %s%s%s, "
		 "\"rounds\": {\"planned\": %u, \"max\": %u, \"run\": %u, "
		 "\"seed\": %llu, \"target\": %g, \"budget_s\": %g, "
		 "\"budget_hit\": %s, \"extra_points\": %zu, \"elapsed_s\": %.1f, "
		 "\"flagged\": %zu}, \"level\": %s",
		 rep.stopped || (rrc == 1 && o.fail_fast) ? "false" : "true",
		 sig ? "\"SIG" : "null", sig ? sig : "", sig ? "\"" : "",
		 o.reps, o.max_rounds, rep.rounds_run,
		 (unsigned long long)o.shuffle_seed, o.target, o.budget_s,
		 rep.budget_hit ? "true" : "false", rep.extra_points,
		 rep.elapsed_s, rep.flagged, level);
	if (write_meta(dir, run_id, start, end, &o, extra) < 0)
		lost(&so, "meta.json");
	say(&so, "ipclab: sweep: %zu points ok (%zu flagged unstable), %zu "
	    "skipped, %zu with errors; %u rounds%s in %.0f s%s; results in %s/\n",
	    rep.ok, rep.flagged, rep.skipped, rep.errors, rep.rounds_run,
	    rep.budget_hit ? " (the budget stopped the extra rounds)" : "",
	    rep.elapsed_s, rep.stopped ? " (interrupted)" : "", dir);
	if (isfinite(rep.drift))
		say(&so, "ipclab: sweep: the machine's level moved +-%.1f%% "
		    "between rounds (%.3f .. %.3f); every interval includes "
		    "it\n", 100 * rep.drift, rep.level_min, rep.level_max);
	rc = rep.stopped ? 128 + (run_stop ? run_stop : SIGINT) : rrc ? 1 : 0;
out:
	if (so.runs && record_close(so.runs) < 0)
		lost(&so, "runs.csv");
	if (so.summary && record_close(so.summary) < 0)
		lost(&so, "summary.csv");
	if (so.log && record_close(so.log) < 0)
		lost(&so, "log.txt");
	if (so.werr) { /* results were lost: never exit 0 */
		fprintf(stderr, "ipclab: sweep: writing %s/%s: %s: results are "
			"incomplete\n", dir, so.wfile, strerror(so.werr));
		if (rc == 0 || rc == 2)
			rc = 1;
	}
	plan_free(&plan);
	free(sums);
	return rc;
}
