/* point.c - check and run one configuration (see point.h). */
#include "point.h"
#include "cacheline.h"
#include "canary.h"
#include "floor.h"
#include "footprint.h"
#include "memnode.h"
#include "speedprobe.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int point_config(const struct point *p, struct run_config *c, char *why,
		 size_t whylen)
{
	memset(c, 0, sizeof(*c));
	c->t = p->t;
	c->params.buf_size = (size_t)p->buf_size;
	c->params.nblocks = p->tuning.nblocks;
	c->params.kbuf_size = (size_t)p->tuning.kbuf_size;
	c->params.spin = p->tuning.spin;
	c->params.nagle = p->tuning.nagle;
	c->params.region.populate = p->populate;
	c->params.region.hugepages = p->hugepages;
	c->params.channels = p->mode == MODE_PINGPONG ? 2 : 1;
	c->mode = p->mode;
	c->access = p->access;
	c->verify = p->effort.verify;
	c->batch = p->effort.batch;
	c->pin = p->pin.pin;
	c->cpu_writer = p->pin.cpu_writer;
	c->cpu_reader = p->pin.cpu_reader;
	c->pairs = p->pairs > 1 ? p->pairs : 1;
	c->timeout_s = p->effort.timeout_s;
	c->seed = p->effort.seed;
	c->mem_node = p->tuning.mem_node;
	return run_resolve_pin(c, why, whylen);
}

int point_check(const struct point *p, char *why, size_t whylen)
{
	const struct ipc_transport *t = p->t;
	struct run_config c;
	char limit[400];
	if (t->unavailable) {
		snprintf(why, whylen, "%s is not available in this build: %s",
			 t->name, t->unavailable);
		return -EINVAL;
	}
	if (point_config(p, &c, why, whylen) < 0)
		return -EINVAL;
	size_t max = ipc_transport_max_block(t, &c.params, limit, sizeof(limit));
	if (p->buf_size > max) {
		snprintf(why, whylen, "--buf-size %llu: above the largest block "
			 "%s can carry here (%zu bytes)%s%s%s",
			 (unsigned long long)p->buf_size, t->name, max,
			 limit[0] ? ": " : "", limit,
			 /* a probe that ran out of descriptors */
			 strstr(limit, "EMFILE") && !strstr(limit, "ulimit")
			 ? " - the open-file limit of a process is reached; "
			   "raise it: ulimit -n 1024" : "");
		return -EINVAL;
	}
	/* A block larger than the bytes to move is never filled, yet its
	 * buffers are (a typo like -b 3G --total 8M): refused, not capped, so
	 * the recorded BUF_SIZE is the one that ran. */
	const uint64_t total = p->effort.total;
	if (p->mode == MODE_STREAM && total && p->buf_size > total) {
		snprintf(why, whylen, "--buf-size %llu: larger than --total "
			 "%llu, the bytes to move; use -b %llu or less, or a "
			 "larger --total", (unsigned long long)p->buf_size,
			 (unsigned long long)total, (unsigned long long)total);
		return -EINVAL;
	}
	/* Refused before anything is made, not sent to the OOM killer. */
	if (footprint_check(p, why, whylen) < 0)
		return -EINVAL;
	if (t->validate && t->validate(&c.params, why, whylen) < 0)
		return -EINVAL;
	if (p->access == ACCESS_INPLACE && !(t->caps & IPC_CAP_ZEROCOPY)) {
		snprintf(why, whylen, "--access inplace: %s has no shared blocks "
			 "to use in place (the kernel copies the data); use a "
			 "shared-memory transport or --access copy", t->name);
		return -EINVAL;
	}
	if (p->access == ACCESS_INPLACE && p->mode == MODE_PINGPONG) {
		snprintf(why, whylen, "--access inplace: ping-pong runs in copy "
			 "mode only");
		return -EINVAL;
	}
	return 0;
}

void point_record(const struct point *p, const char *run_id,
		  struct record *rec)
{
	record_init(rec);
	int region = (p->t->caps & IPC_CAP_REGION) != 0;
	snprintf(rec->run_id, sizeof(rec->run_id), "%s", run_id);
	snprintf(rec->transport, sizeof(rec->transport), "%s", p->t->name);
	snprintf(rec->mode, sizeof(rec->mode), "%s",
		 p->mode == MODE_PINGPONG ? "pingpong" : "stream");
	snprintf(rec->access, sizeof(rec->access), "%s",
		 p->access == ACCESS_INPLACE ? "inplace" : "copy");
	rec->buf_size = p->buf_size;
	snprintf(rec->populate, sizeof(rec->populate), "%s",
		 region ? (p->populate ? "on" : "off") : "n/a");
	snprintf(rec->hugepages, sizeof(rec->hugepages), "%s",
		 region ? region_hugepages_name(p->hugepages) : "n/a");
	char buf[24];
	snprintf(rec->pin, sizeof(rec->pin), "%s",
		 run_pin_name(&p->pin, buf, sizeof(buf)));
	rec->pairs = p->pairs > 1 ? (uint64_t)p->pairs : 1;
	rec->batch = p->mode == MODE_PINGPONG && p->effort.batch > 1
		     ? p->effort.batch : 1;
}

/* Append one space-separated item to a list cell. */
static void list_add(char *cell, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void list_add(char *cell, size_t len, const char *fmt, ...)
{
	size_t n = strlen(cell);
	va_list ap;
	if (n && n + 1 < len)
		cell[n++] = ' ';
	va_start(ap, fmt);
	vsnprintf(cell + n, len - n, fmt, ap);
	va_end(ap);
}

_Static_assert(RECORD_PAIRS_MAX >= RUN_PAIRS_MAX,
	       "a record lists every pair a run can have");

/* The per-pair list cells (record.h); "-" for a pair without a median. */
static void fill_pairs(struct record *rec, const struct run_config *c,
		       const struct run_result *r)
{
	for (int i = 0; i < r->pairs; i++) {
		const struct run_pair *p = &r->pair[i];
		list_add(rec->pair_cpus, sizeof(rec->pair_cpus), "%d:%d",
			 p->writer_cpu, p->reader_cpu);
		list_add(rec->pair_total_bytes_list, sizeof(rec->pair_total_bytes_list),
			 "%llu", (unsigned long long)p->total_bytes);
		list_add(rec->pair_bytes_per_s_list, sizeof(rec->pair_bytes_per_s_list),
			 "%.6g", p->wall_ns ? (double)p->total_bytes * 1e9 /
			 (double)p->wall_ns : 0.0);
		if (c->mode == MODE_PINGPONG) {
			char v[24] = "-";
			if (p->rtt_p50_ns != UINT64_MAX)
				snprintf(v, sizeof(v), "%llu",
					 (unsigned long long)p->rtt_p50_ns);
			list_add(rec->pair_rtt_p50_ns_list,
				 sizeof(rec->pair_rtt_p50_ns_list), "%s", v);
		}
	}
}

static void fill(struct record *rec, const struct run_config *c,
		 const struct run_result *r)
{
	rec->total_bytes = r->total_bytes;
	rec->blocks = r->blocks;
	rec->verified = r->verified;
	if (c->t->caps & IPC_CAP_REGION) {
		rec->page_size = r->info.region.page_size;
		snprintf(rec->region_mechanism, sizeof(rec->region_mechanism),
			 "%s", r->info.region.mechanism);
		if (r->info.region.hugepages_fallback)
			snprintf(rec->reason, sizeof(rec->reason),
				 "huge pages fell back to 4 KiB: %s",
				 r->info.region.note);
	}
	if (r->info.kbuf_size)
		rec->kbuf_size = r->info.kbuf_size;
	if (r->info.nblocks)
		rec->nblocks = r->info.nblocks;
	/* A side that moved during the timed region is not one CPU. */
	rec->writer_cpu = r->writer.cpu_start == r->writer.cpu_end
		? r->writer.cpu_start : -1;
	rec->reader_cpu = r->reader.cpu_start == r->reader.cpu_end
		? r->reader.cpu_start : -1;
	rec->wall_ns = r->wall_ns;
	if (r->wall_ns)
		rec->bytes_per_s = (double)r->total_bytes * 1e9 / (double)r->wall_ns;
	rec->writer_user_ns = r->writer.user_ns;
	rec->writer_sys_ns = r->writer.sys_ns;
	rec->reader_user_ns = r->reader.user_ns;
	rec->reader_sys_ns = r->reader.sys_ns;
	rec->writer_vcsw = r->writer.vcsw;
	rec->writer_ivcsw = r->writer.ivcsw;
	rec->reader_vcsw = r->reader.vcsw;
	rec->reader_ivcsw = r->reader.ivcsw;
	rec->writer_minflt = r->writer.minflt;
	rec->writer_majflt = r->writer.majflt;
	rec->reader_minflt = r->reader.minflt;
	rec->reader_majflt = r->reader.majflt;
	fill_pairs(rec, c, r);
	if (c->mode == MODE_PINGPONG && hist_count(&r->rtt)) {
		rec->rtt_min_ns = hist_min(&r->rtt);
		rec->rtt_p50_ns = hist_percentile(&r->rtt, 50);
		rec->rtt_p90_ns = hist_percentile(&r->rtt, 90);
		rec->rtt_p99_ns = hist_percentile(&r->rtt, 99);
		rec->rtt_p999_ns = hist_percentile(&r->rtt, 99.9);
		rec->rtt_max_ns = hist_max(&r->rtt);
		rec->one_way_p50_ns = (double)rec->rtt_p50_ns / 2;
	}
}

/*
 * A result that cannot be right is flagged, not reported as a fast run: the
 * stream needs at least the memory work of the floor, and a reader that
 * received data over a measurable time used CPU or was switched.
 */
static void self_check(struct record *rec, const struct run_config *c)
{
	char note[200] = "";
	/* The floor is both copies in one thread; on two CPUs the writer's copy
	 * of one block overlaps the reader's copy of the previous one. */
	double limit = 1.25 * (c->pin == PIN_SAME ? 1 : 2) * c->pairs;
	if (isfinite(rec->floor_ratio) && rec->floor_ratio > limit)
		snprintf(note, sizeof(note), "suspect: %.2fx faster than the "
			 "memcpy floor measured beside it; was the data moved?",
			 rec->floor_ratio);
	else if (c->mode == MODE_STREAM && rec->wall_ns > 50000000 &&
		 rec->reader_user_ns + rec->reader_sys_ns == 0 &&
		 rec->reader_vcsw + rec->reader_ivcsw == 0)
		snprintf(note, sizeof(note), "suspect: the reader shows no CPU "
			 "time and no context switch in %.0f ms",
			 (double)rec->wall_ns / 1e6);
	if (note[0] && !rec->reason[0])
		snprintf(rec->reason, sizeof(rec->reason), "%s", note);
}

/* The cost of one clock reading pair, the smallest of many. */
static uint64_t clock_overhead_ns(void)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 2000; i++) {
		uint64_t a = run_now_ns(), b = run_now_ns();
		if (b - a < best)
			best = b - a;
	}
	return best;
}

/* Keep a timed (or failed) record for the point's summary. */
static int keep(struct point_state *ps, const struct record *rec)
{
	if (ps->nrecs == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 16;
		struct record *r = realloc(ps->recs, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		ps->recs = r;
		ps->cap = cap;
	}
	ps->recs[ps->nrecs++] = *rec;
	return 0;
}

/* The CPUs a point runs on (every pair's), for /proc/stat: 0 means all of
 * them. */
static int point_cpus(const struct run_config *c, int *cpus)
{
	int n = 0;
	if (c->pin == PIN_NONE)
		return 0;
	for (int i = 0; i < c->pairs; i++)
		for (int k = 0; k < 2; k++) {
			int cpu = c->pairs > 1 ? c->pair_cpu[i][k]
				  : k ? c->cpu_reader : c->cpu_writer;
			int seen = 0;
			for (int j = 0; j < n; j++)
				seen |= cpus[j] == cpu;
			if (!seen)
				cpus[n++] = cpu;
		}
	return n;
}

/* The canaries of one run: taken before it, finished after it. */
struct canary {
	int cpus[2 * RUN_PAIRS_MAX], ncpus, have_ticks;
	int split; /* pinned, writer and reader on two CPUs (pair 0's) */
	struct cpu_ticks before;
	double ours_ns;  /* CPU time of this process and its children so far */
	double line_rtt_ns;
	double line_pair_rtt_ns; /* ping-pong only: its floor */
	double speed_ns;
};

/* CPU time of this process and of its reaped children, in ns: the run's
 * whole cost to the machine (setup, the sides' lives, reaping), which
 * /proc/stat must not count as other work. */
static double our_cpu_ns(void)
{
	struct rusage self, kids;
	if (getrusage(RUSAGE_SELF, &self) < 0 ||
	    getrusage(RUSAGE_CHILDREN, &kids) < 0)
		return NAN;
	double us = 0;
	const struct timeval *tv[4] = {&self.ru_utime, &self.ru_stime,
				       &kids.ru_utime, &kids.ru_stime};
	for (int i = 0; i < 4; i++)
		us += (double)tv[i]->tv_sec * 1e6 + (double)tv[i]->tv_usec;
	return us * 1e3;
}

static void canary_before(struct canary *k, const struct run_config *c)
{
	k->ncpus = point_cpus(c, k->cpus);
	k->split = c->pin != PIN_NONE && c->cpu_writer != c->cpu_reader;
	k->line_rtt_ns = NAN;
	if (k->split &&
	    cacheline_rtt_ns(c->cpu_writer, c->cpu_reader, 2000, 0.02,
			     &k->line_rtt_ns) < 0)
		k->line_rtt_ns = NAN;
	k->line_pair_rtt_ns = NAN;
	if (k->split && c->mode == MODE_PINGPONG &&
	    cacheline_pair_rtt_ns(c->cpu_writer, c->cpu_reader, 2000, 0.02,
				  &k->line_pair_rtt_ns) < 0)
		k->line_pair_rtt_ns = NAN;
	if (speedprobe_ns(k->cpus, k->ncpus, &k->speed_ns) < 0)
		k->speed_ns = NAN;
	k->have_ticks = canary_read_ticks(k->cpus, k->ncpus, &k->before) == 0;
	k->ours_ns = our_cpu_ns();
}

static void canary_after(const struct canary *k, const struct run_result *r,
			 struct record *rec)
{
	struct cpu_ticks after;
	rec->line_rtt_ns = k->line_rtt_ns;
	rec->line_pair_rtt_ns = k->line_pair_rtt_ns;
	rec->speed_ns = k->speed_ns;
	double ours = our_cpu_ns() - k->ours_ns;
	if (k->have_ticks && isfinite(ours) &&
	    canary_read_ticks(k->cpus, k->ncpus, &after) == 0)
		canary_load(&k->before, &after, ours, &rec->steal_pct,
			    &rec->other_busy_pct);
	rec->writer_runq_wait_ns = r->writer.runq_wait_ns;
	rec->reader_runq_wait_ns = r->reader.runq_wait_ns;
	/* On one CPU each side waits while the other runs: that is the
	 * protocol; on two, the wait includes waking an idle CPU.  Recorded,
	 * not judged (trust.h). */
	if (k->split)
		for (int i = 0; i < 2; i++) {
			const struct run_side *sd = i ? &r->reader : &r->writer;
			if (sd->runq_wait_ns == UINT64_MAX || !sd->window_ns)
				continue;
			double pct = 100.0 * (double)sd->runq_wait_ns /
				     (double)sd->window_ns;
			if (!(rec->runq_wait_pct >= pct))
				rec->runq_wait_pct = pct;
		}
	rec->writer_migrations = r->writer.migrations;
	rec->reader_migrations = r->reader.migrations;
}

/* One repetition: 0 ok, 1 failed (the record says why), -EINTR, -ENOMEM. */
static int once(struct point_state *ps, const char *run_id, int warmup,
		unsigned round, double t_s, record_fn emit, void *arg,
		struct run_result *r)
{
	struct record rec;
	struct canary k;
	point_record(&ps->p, run_id, &rec);
	rec.rep = ps->rep++;
	rec.warmup = warmup;
	rec.round = round;
	rec.t_start_s = t_s;
	if (!warmup)
		canary_before(&k, &ps->c);
	uint64_t t0 = run_now_ns();
	int rc = memnode_run_once(&ps->c, r);
	ps->last_s = (double)(run_now_ns() - t0) / 1e9;
	int failed = rc < 0 || !r->ok;
	if (failed) {
		snprintf(rec.status, sizeof(rec.status), "error");
		snprintf(rec.reason, sizeof(rec.reason), "%s", r->reason);
	} else {
		fill(&rec, &ps->c, r);
		snprintf(rec.pin_relation, sizeof(rec.pin_relation), "%s",
			 ps->c.relation);
		char mn[12];
		snprintf(rec.mem_node, sizeof(rec.mem_node), "%s",
			 memnode_name(ps->c.mem_node, mn, sizeof(mn)));
		if (ps->c.mode == MODE_PINGPONG)
			rec.clock_overhead_ns = ps->clock_ns;
		if (ps->floor_bps > 0 && ps->c.mode == MODE_STREAM) {
			rec.floor_bytes_per_s = ps->floor_bps;
			rec.floor_ratio = rec.bytes_per_s / ps->floor_bps;
		}
		self_check(&rec, &ps->c);
		if (!warmup)
			canary_after(&k, r, &rec);
	}
	if (emit)
		emit(&rec, arg);
	if (failed && run_stop)
		return -EINTR; /* cut short: not the point's failure */
	if ((failed || !warmup) && keep(ps, &rec) < 0)
		return -ENOMEM;
	if (failed)
		ps->ready = 0;
	return failed;
}

/* Scale n so that a run of `elapsed` ns would last `target` ns. */
static uint64_t scale(uint64_t n, uint64_t elapsed, double target, uint64_t max)
{
	double f = elapsed ? target / (double)elapsed : 100;
	double v = ceil((double)n * f);
	return v > (double)max ? max : v < 1 ? 1 : (uint64_t)v;
}

static void set_amount(struct run_config *c, uint64_t amount)
{
	if (c->mode == MODE_PINGPONG)
		c->messages = amount;
	else
		c->total_bytes = amount;
}

int point_prepare(struct point_state *ps, const struct point *p,
		  const char *run_id, double t0_s, record_fn emit, void *arg)
{
	char why[512];
	memset(ps, 0, sizeof(*ps));
	ps->p = *p;
	struct run_result *r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (point_config(p, &ps->c, why, sizeof(why)) < 0) {
		struct record rec;
		point_record(p, run_id, &rec);
		snprintf(rec.status, sizeof(rec.status), "error");
		snprintf(rec.reason, sizeof(rec.reason), "%s", why);
		if (emit)
			emit(&rec, arg);
		free(r);
		return keep(ps, &rec) < 0 ? -ENOMEM : 1;
	}
	ps->ready = 1;
	const struct point_effort *e = &p->effort;
	const uint64_t bs = p->buf_size;
	const double target = e->min_time * 1e9;
	const int pp = p->mode == MODE_PINGPONG;
	const uint64_t max = pp ? 1ull << 32 : 1ull << 40;
	uint64_t least = pp ? 64 : bs * 16;
	int fixed = pp ? e->messages != 0 : e->total != 0;
	uint64_t amount = pp ? (e->messages ? e->messages : 64)
			     : (e->total ? e->total : bs * 16);
	int rc = 0;

	/* Calibration: warm-ups that grow until one lasts a tenth of the
	 * target, then one jump to the target; every one is verified. */
	int verify = ps->c.verify;
	ps->c.verify = 1;
	while (!fixed && !run_stop) {
		set_amount(&ps->c, amount);
		rc = once(ps, run_id, 1, 0, t0_s, emit, arg, r);
		if (rc)
			break;
		/* Every run makes a fresh region, and the first touch of its
		 * pages (far slower than a copy where the host must back them)
		 * is inside the stream: 64 passes over the region keep it a
		 * small part of the figure (--populate on moves it out). */
		if (!pp && (p->t->caps & IPC_CAP_REGION)) {
			uint64_t region = bs * (r->info.nblocks ? r->info.nblocks : 1);
			if (least < 64 * region)
				least = 64 * region;
		}
		if (r->wall_ns >= target / 10 || amount >= max) {
			amount = scale(amount, r->wall_ns, target, max);
			break;
		}
		amount = scale(amount, r->wall_ns, target / 5, max);
		if (amount < least)
			amount = least;
	}
	if (!fixed && amount < least)
		amount = least;
	set_amount(&ps->c, amount);

	ps->clock_ns = clock_overhead_ns();
	if (rc == 0 && e->floor && !pp)
		ps->floor_bps = floor_bytes_per_s((size_t)bs, p->access,
						  e->min_time / 4);
	for (unsigned i = 0; i < e->warmup && rc == 0 && !run_stop; i++)
		rc = once(ps, run_id, 1, 0, t0_s, emit, arg, r);
	ps->c.verify = verify;
	free(r);
	if (rc)
		return rc;
	return run_stop ? -EINTR : 0;
}

int point_round(struct point_state *ps, unsigned round, double t_s,
		const char *run_id, record_fn emit, void *arg)
{
	struct run_result *r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	int rc = once(ps, run_id, 0, round, t_s, emit, arg, r);
	free(r);
	if (rc == 0 && run_stop)
		return -EINTR;
	return rc;
}

void point_state_free(struct point_state *ps)
{
	free(ps->recs);
	ps->recs = NULL;
	ps->nrecs = ps->cap = 0;
}
