/* sweep.c - run a plan of points into a results folder (see sweep.h). */
#include "sweep.h"
#include "stats.h"
#include "sysinfo.h"
#include "units.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

size_t sweep_plan(const struct bench_opts *o, struct point *out, size_t cap)
{
	size_t n = 0;
	for (size_t m = 0; m < o->nmodes; m++)
	for (size_t a = 0; a < o->naccesses; a++)
	for (size_t pi = 0; pi < o->npins; pi++)
	for (size_t h = 0; h < o->nhugepages; h++)
	for (size_t po = 0; po < o->npopulates; po++)
	for (size_t b = 0; b < o->nbuf_sizes; b++)
	for (size_t t = 0; t < o->ntransports; t++) {
		const struct ipc_transport *tr = o->transports[t];
		int region = (tr->caps & IPC_CAP_REGION) != 0;
		/* Memory options do not apply without a region: one point. */
		if (!region && (h || po))
			continue;
		if (n >= cap)
			return n;
		out[n++] = (struct point){
			.t = tr,
			.buf_size = o->buf_sizes[b],
			.mode = o->modes[m],
			.access = o->accesses[a],
			.populate = region ? o->populates[po] : 0,
			.hugepages = region ? o->hugepages[h] : REGION_HP_OFF,
			.pin = o->pins[pi],
		};
	}
	if (o->shuffle_seed) {
		uint64_t s = o->shuffle_seed;
		for (size_t i = n; i > 1; i--) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			size_t j = (size_t)(s % i);
			struct point tmp = out[i - 1];
			out[i - 1] = out[j];
			out[j] = tmp;
		}
	}
	return n;
}

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
};

static void emit_run(const struct record *rec, void *arg)
{
	struct sweep_out *so = arg;
	record_write(so->runs, FORMAT_CSV, rec);
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
	char pin[24];
	snprintf(buf, len, "%s %s %s %s%s%s%s%s%s", p->t->name, size,
		 p->mode == MODE_PINGPONG ? "pingpong" : "stream",
		 p->access == ACCESS_INPLACE ? "inplace" : "copy",
		 region && p->populate ? " populate" : "",
		 region && p->hugepages ? " hugepages=" : "",
		 region && p->hugepages ? region_hugepages_name(p->hugepages) : "",
		 p->pin.pin != PIN_NONE ? " pin=" : "",
		 p->pin.pin != PIN_NONE ? run_pin_name(&p->pin, pin, sizeof(pin))
					: "");
}

static void progress(struct sweep_out *so, size_t done, size_t total,
		     const char *what, double elapsed)
{
	if (so->quiet || !so->tty)
		return;
	char eta[32] = "--";
	if (done > 0) {
		double left = elapsed / (double)done * (double)(total - done);
		snprintf(eta, sizeof(eta), "%dm%02ds", (int)(left / 60),
			 (int)left % 60);
	}
	int width = 24, fill = (int)((double)width * (double)done / (double)total);
	fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu ETA %s  %s", fill,
		"########################", width - fill, "", done, total, eta,
		what);
}

static int write_meta(const char *dir, const char *run_id, int argc,
		      char **argv, const char *start, const char *end,
		      const struct bench_opts *o)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	snprintf(tmp, sizeof(tmp), "%s/.meta.json.tmp", dir);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	sysinfo_write_json(f, run_id, argc, argv, start, end, o);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path); /* never a half-written meta.json */
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

int sweep_main(int argc, char **argv, int full_argc, char **full_argv)
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
	size_t cap = o.nmodes * o.naccesses * o.npins * o.nhugepages *
		     o.npopulates * o.nbuf_sizes * o.ntransports;
	struct point *plan = calloc(cap ? cap : 1, sizeof(*plan));
	size_t maxrecs = 64 + o.warmup + o.reps;
	struct record *recs = calloc(maxrecs, sizeof(*recs));
	if (!plan || !recs) {
		free(plan);
		free(recs);
		fprintf(stderr, "ipclab: sweep: out of memory\n");
		return 1;
	}
	size_t npoints = sweep_plan(&o, plan, cap);

	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	char stamp[24];
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(run_id, sizeof(run_id), "%s-%ld", stamp, (long)getpid());
	snprintf(dir, sizeof(dir), "%s", o.output ? o.output : "results/");
	if (!o.output)
		snprintf(dir, sizeof(dir), "results/%s", run_id);
	struct sweep_out so = {.tty = isatty(2), .quiet = o.quiet};
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
	if (write_meta(dir, run_id, full_argc, full_argv, start, NULL, &o) < 0) {
		fprintf(stderr, "ipclab: sweep: writing %s/meta.json: %s\n", dir,
			strerror(errno));
		goto out;
	}
	record_write_header(so.runs, FORMAT_CSV);
	summary_write_header(so.summary, FORMAT_CSV);

	run_catch_signals();

	say(&so, "ipclab: sweep: %zu points into %s/\n", npoints, dir);
	size_t errors = 0, skipped = 0, done = 0;
	uint64_t t0 = run_now_ns();
	for (size_t i = 0; i < npoints && !run_stop; i++) {
		const struct point *p = &plan[i];
		char what[160];
		describe(p, what, sizeof(what));
		progress(&so, i, npoints, what, (double)(run_now_ns() - t0) / 1e9);
		struct summary s;
		size_t n = 0;
		if (point_check(p, &o, why, sizeof(why)) < 0) {
			struct record rec;
			point_record(p, run_id, &rec);
			snprintf(rec.status, sizeof(rec.status), "skipped");
			snprintf(rec.reason, sizeof(rec.reason), "%s", why);
			record_write(so.runs, FORMAT_CSV, &rec);
			summary_from_records(&s, &rec, 1);
			summary_write(so.summary, FORMAT_CSV, &s);
			skipped++;
			if (!so.tty || o.quiet)
				say(&so, "[%zu/%zu] %s: skipped: %s\n", i + 1,
				    npoints, what, why);
			else if (so.log)
				fprintf(so.log, "[%zu/%zu] %s: skipped: %s\n",
					i + 1, npoints, what, why);
			continue;
		}
		int prc = point_run(p, &o, run_id, recs, maxrecs, &n, emit_run, &so);
		if (prc == -EINTR && n == 0)
			break;
		summary_from_records(&s, recs, n);
		summary_write(so.summary, FORMAT_CSV, &s);
		done++;
		char med[24];
		if (p->mode == MODE_PINGPONG)
			units_format_ns(s.one_way_p50_ns, med, sizeof(med));
		else
			units_format_rate(s.bps.median, med, sizeof(med));
		if (prc) {
			errors++;
			say(&so, "[%zu/%zu] %s: error: %s\n", i + 1, npoints, what,
			    s.reason[0] ? s.reason : recs[n ? n - 1 : 0].reason);
			if (o.fail_fast)
				break;
		} else {
			char line[256];
			snprintf(line, sizeof(line), "[%zu/%zu] %s: %s%s\n", i + 1,
				 npoints, what, med,
				 p->mode == MODE_PINGPONG ? " one-way p50" : "");
			if (!so.tty || o.quiet)
				say(&so, "%s", line);
			else if (so.log)
				fputs(line, so.log);
			if (s.reps >= 3 && stats_rel_spread(&s.bps) > 0.05)
				say(&so, "ipclab: warning: %s: the repetitions spread "
				    "by %.0f%%; try --reps, --min-time or --pin\n",
				    what, 100 * stats_rel_spread(&s.bps));
		}
	}
	if (so.tty && !o.quiet)
		fputs("\r\033[K", stderr);
	sysinfo_now(end, sizeof(end));
	write_meta(dir, run_id, full_argc, full_argv, start, end, &o);
	say(&so, "ipclab: sweep: %zu points run, %zu skipped, %zu with errors%s; "
	    "results in %s/\n", done, skipped, errors,
	    run_stop ? " (interrupted)" : "", dir);
	rc = run_stop ? 128 + run_stop : errors ? 1 : 0;
out:
	if (so.runs)
		fclose(so.runs);
	if (so.summary)
		fclose(so.summary);
	if (so.log)
		fclose(so.log);
	free(plan);
	free(recs);
	return rc;
}
