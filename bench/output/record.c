/*
 * record.c - the column tables and the three writers (see record.h).
 * One table per row kind drives the CSV header, the CSV rows and the JSON
 * objects, so they cannot drift apart.
 */
#include "record.h"
#include "json.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum col_type { COL_SCHEMA, COL_STR, COL_U64, COL_I64, COL_INT, COL_DBL };

struct column {
	const char *name;
	enum col_type type;
	size_t off;
};

#define R(name, type) {#name, type, offsetof(struct record, name)}
static const struct column record_cols[] = {
	{"schema_version", COL_SCHEMA, 0},
	R(run_id, COL_STR), R(transport, COL_STR), R(mode, COL_STR),
	R(access, COL_STR), R(buf_size, COL_U64), R(total_bytes, COL_U64),
	R(blocks, COL_U64), R(populate, COL_STR), R(hugepages, COL_STR),
	R(page_size, COL_U64), R(region_mechanism, COL_STR),
	R(kbuf_size, COL_U64), R(nblocks, COL_U64), R(pin, COL_STR),
	R(pin_relation, COL_STR), R(mem_node, COL_STR),
	R(writer_cpu, COL_I64), R(reader_cpu, COL_I64), R(pairs, COL_U64),
	R(batch, COL_U64),
	R(pair_cpus, COL_STR), R(pair_total_bytes_list, COL_STR),
	R(pair_bytes_per_s_list, COL_STR), R(pair_rtt_p50_ns_list, COL_STR),
	R(rep, COL_U64),
	R(round, COL_U64), R(t_start_s, COL_DBL), R(warmup, COL_INT), R(verified, COL_INT), R(wall_ns, COL_U64),
	R(bytes_per_s, COL_DBL), R(rtt_min_ns, COL_U64),
	R(rtt_p50_ns, COL_U64), R(rtt_p90_ns, COL_U64), R(rtt_p99_ns, COL_U64),
	R(rtt_p999_ns, COL_U64), R(rtt_max_ns, COL_U64),
	R(one_way_p50_ns, COL_DBL), R(clock_overhead_ns, COL_U64),
	R(writer_user_ns, COL_U64), R(writer_sys_ns, COL_U64),
	R(reader_user_ns, COL_U64), R(reader_sys_ns, COL_U64),
	R(writer_vcsw, COL_U64), R(writer_ivcsw, COL_U64),
	R(reader_vcsw, COL_U64), R(reader_ivcsw, COL_U64),
	R(writer_minflt, COL_U64), R(writer_majflt, COL_U64),
	R(reader_minflt, COL_U64), R(reader_majflt, COL_U64),
	R(floor_bytes_per_s, COL_DBL), R(floor_ratio, COL_DBL),
	R(line_rtt_ns, COL_DBL), R(line_pair_rtt_ns, COL_DBL),
	R(speed_ns, COL_DBL), R(steal_pct, COL_DBL),
	R(other_busy_pct, COL_DBL), R(writer_runq_wait_ns, COL_U64),
	R(reader_runq_wait_ns, COL_U64), R(runq_wait_pct, COL_DBL),
	R(writer_migrations, COL_U64),
	R(reader_migrations, COL_U64),
	R(status, COL_STR), R(reason, COL_STR),
};
#undef R

#define F(name) offsetof(struct summary, first.name)
#define S(name, type) {#name, type, offsetof(struct summary, name)}
static const struct column summary_cols[] = {
	{"schema_version", COL_SCHEMA, 0},
	{"run_id", COL_STR, F(run_id)},
	{"transport", COL_STR, F(transport)},
	{"mode", COL_STR, F(mode)},
	{"access", COL_STR, F(access)},
	{"buf_size", COL_U64, F(buf_size)},
	{"total_bytes", COL_U64, F(total_bytes)},
	{"blocks", COL_U64, F(blocks)},
	{"populate", COL_STR, F(populate)},
	{"hugepages", COL_STR, F(hugepages)},
	{"page_size", COL_U64, F(page_size)},
	{"region_mechanism", COL_STR, F(region_mechanism)},
	{"kbuf_size", COL_U64, F(kbuf_size)},
	{"nblocks", COL_U64, F(nblocks)},
	{"pin", COL_STR, F(pin)},
	{"pin_relation", COL_STR, F(pin_relation)},
	{"mem_node", COL_STR, F(mem_node)},
	{"pairs", COL_U64, F(pairs)},
	{"batch", COL_U64, F(batch)},
	S(reps, COL_U64),
	{"rounds", COL_U64, offsetof(struct summary, reps)},
	{"bytes_per_s_median", COL_DBL, offsetof(struct summary, bps.median)},
	{"bytes_per_s_min", COL_DBL, offsetof(struct summary, bps.min)},
	{"bytes_per_s_max", COL_DBL, offsetof(struct summary, bps.max)},
	{"bytes_per_s_mad", COL_DBL, offsetof(struct summary, bps.mad)},
	{"bytes_per_s_ci_lo", COL_DBL, offsetof(struct summary, bps.rerun_lo)},
	{"bytes_per_s_ci_hi", COL_DBL, offsetof(struct summary, bps.rerun_hi)},
	{"wall_ns_median", COL_DBL, offsetof(struct summary, wall.median)},
	{"wall_ns_min", COL_DBL, offsetof(struct summary, wall.min)},
	{"wall_ns_max", COL_DBL, offsetof(struct summary, wall.max)},
	S(ns_per_block, COL_DBL),
	S(writer_vcsw_per_block, COL_DBL), S(writer_ivcsw_per_block, COL_DBL),
	S(reader_vcsw_per_block, COL_DBL), S(reader_ivcsw_per_block, COL_DBL),
	S(writer_user_ns, COL_DBL), S(writer_sys_ns, COL_DBL),
	S(reader_user_ns, COL_DBL), S(reader_sys_ns, COL_DBL),
	S(writer_minflt, COL_DBL), S(reader_minflt, COL_DBL),
	S(rtt_p50_ns, COL_DBL), S(rtt_p99_ns, COL_DBL), S(one_way_p50_ns, COL_DBL),
	{"one_way_p50_ns_ci_lo", COL_DBL, offsetof(struct summary, one_way.rerun_lo)},
	{"one_way_p50_ns_ci_hi", COL_DBL, offsetof(struct summary, one_way.rerun_hi)},
	S(floor_bytes_per_s, COL_DBL), S(floor_ratio, COL_DBL),
	S(interval_coverage, COL_DBL), S(rel_halfwidth, COL_DBL),
	S(line_rtt_ns_median, COL_DBL), S(line_rtt_ns_min, COL_DBL),
	S(line_rtt_ns_max, COL_DBL), S(line_pair_rtt_ns_median, COL_DBL),
	S(speed_ns_median, COL_DBL),
	S(speed_ns_min, COL_DBL), S(speed_ns_max, COL_DBL),
	S(steal_pct_max, COL_DBL),
	S(other_busy_pct_mean, COL_DBL), S(other_busy_pct_max, COL_DBL),
	S(runq_wait_pct_max, COL_DBL),
	S(flag, COL_STR), S(flag_kinds, COL_STR),
	S(status, COL_STR), S(reason, COL_STR),
};
#undef F
#undef S

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

void record_make_run_id(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[24];
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "%.15s-%ld", stamp, (long)getpid());
}

void record_init(struct record *rec)
{
	memset(rec, 0, sizeof(*rec));
	for (size_t i = 0; i < NCOLS(record_cols); i++) {
		char *p = (char *)rec + record_cols[i].off;
		if (record_cols[i].type == COL_U64)
			*(uint64_t *)(void *)p = REC_NONE;
		else if (record_cols[i].type == COL_DBL)
			*(double *)(void *)p = NAN;
		else if (record_cols[i].type == COL_I64)
			*(int64_t *)(void *)p = -1;
	}
	snprintf(rec->status, sizeof(rec->status), "ok");
}

/* Write one cell; returns 0 when the cell is empty. */
static int cell(char *buf, size_t len, const struct column *c, const void *row)
{
	const char *p = (const char *)row + c->off;
	buf[0] = '\0';
	switch (c->type) {
	case COL_SCHEMA:
		snprintf(buf, len, "%d", RECORD_SCHEMA_VERSION);
		return 1;
	case COL_STR:
		snprintf(buf, len, "%s", p);
		return 1;
	case COL_U64: {
		uint64_t v = *(const uint64_t *)(const void *)p;
		if (v == REC_NONE)
			return 0;
		snprintf(buf, len, "%llu", (unsigned long long)v);
		return 1;
	}
	case COL_I64: {
		int64_t v = *(const int64_t *)(const void *)p;
		if (v < 0)
			return 0;
		snprintf(buf, len, "%lld", (long long)v);
		return 1;
	}
	case COL_INT:
		snprintf(buf, len, "%d", *(const int *)(const void *)p);
		return 1;
	case COL_DBL: {
		double v = *(const double *)(const void *)p;
		if (!isfinite(v))
			return 0;
		if (v == floor(v) && fabs(v) < 1e15)
			snprintf(buf, len, "%.0f", v);
		else
			snprintf(buf, len, "%.12g", v);
		return 1;
	}
	}
	return 0;
}

void record_csv_string(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
	fputc('"', f);
}

/* A reason in a table row stays on its row: control characters (a
 * plugin's or the kernel's text may carry newlines) become spaces. */
static void put_one_line(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
}

static void write_header(FILE *f, const struct column *cols, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", cols[i].name);
	fputc('\n', f);
}

static void write_row(FILE *f, enum record_format fmt,
		      const struct column *cols, size_t n, const void *row)
{
	char buf[600];
	if (fmt == FORMAT_JSON)
		fputc('{', f);
	for (size_t i = 0; i < n; i++) {
		int has = cell(buf, sizeof(buf), &cols[i], row);
		if (fmt == FORMAT_CSV) {
			if (i)
				fputc(',', f);
			if (cols[i].type == COL_STR)
				record_csv_string(f, buf);
			else
				fputs(buf, f);
			continue;
		}
		fprintf(f, "%s\"%s\":", i ? "," : "", cols[i].name);
		if (!has)
			fputs("null", f);
		else if (cols[i].type == COL_STR)
			json_write_string(f, buf);
		else
			fputs(buf, f);
	}
	fputs(fmt == FORMAT_JSON ? "}\n" : "\n", f);
}

/* Everything written so far reached the kernel: 0, or -1 with errno. */
static int flushed(FILE *f)
{
	errno = 0;
	if (fflush(f) == 0 && !ferror(f))
		return 0;
	if (!errno)
		errno = EIO; /* failed earlier; the cause is gone */
	return -1;
}

int record_close(FILE *f)
{
	int err = flushed(f) < 0 ? errno : 0;
	if (fclose(f) != 0 && !err)
		err = errno;
	errno = err;
	return err ? -1 : 0;
}

static void fmt_u64(char *buf, size_t len, uint64_t v)
{
	if (v == REC_NONE)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static void fmt_i64(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", (long long)v);
}

/* Voluntary + involuntary context switches, "1200+35" ("-" if unknown). */
static void fmt_csw(char *buf, size_t len, uint64_t v, uint64_t i)
{
	if (v == REC_NONE || i == REC_NONE)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%llu+%llu", (unsigned long long)v,
			 (unsigned long long)i);
}

int record_write_header(FILE *f, enum record_format fmt)
{
	if (fmt == FORMAT_CSV)
		write_header(f, record_cols, NCOLS(record_cols));
	else if (fmt == FORMAT_TABLE)
		fprintf(f, "%-12s %8s %4s %-6s %10s %12s %11s %11s %15s "
			"%15s %-9s %s\n", "transport", "buf_size", "rep",
			"kind", "wall", "throughput", "handoffs", "rtt p50",
			"w csw vol+inv", "r csw vol+inv", "cpus w/r", "status");
	return flushed(f);
}

int record_write(FILE *f, enum record_format fmt, const struct record *rec)
{
	if (fmt != FORMAT_TABLE) {
		write_row(f, fmt, record_cols, NCOLS(record_cols), rec);
		return flushed(f);
	}
	char size[24], wall[24], rate[24], rtt[24], wv[24], rv[24], blocks[24];
	char cpus[24], wc[24], rc[24];
	units_format_size(rec->buf_size, size, sizeof(size));
	units_format_ns(rec->wall_ns == REC_NONE ? NAN : (double)rec->wall_ns,
			wall, sizeof(wall));
	units_format_rate(rec->bytes_per_s, rate, sizeof(rate));
	units_format_ns(rec->rtt_p50_ns == REC_NONE ? NAN
			: (double)rec->rtt_p50_ns, rtt, sizeof(rtt));
	fmt_csw(wv, sizeof(wv), rec->writer_vcsw, rec->writer_ivcsw);
	fmt_csw(rv, sizeof(rv), rec->reader_vcsw, rec->reader_ivcsw);
	fmt_u64(blocks, sizeof(blocks), rec->blocks);
	/* Like the CSV's empty cell: a side not observed on one CPU is "-". */
	fmt_i64(wc, sizeof(wc), rec->writer_cpu);
	fmt_i64(rc, sizeof(rc), rec->reader_cpu);
	if (rec->writer_cpu >= 0 || rec->reader_cpu >= 0)
		snprintf(cpus, sizeof(cpus), "%s/%s", wc, rc);
	else
		snprintf(cpus, sizeof(cpus), "-");
	fprintf(f, "%-12s %8s %4llu %-6s %10s %12s %11s %11s %15s %15s %-9s %s%s",
		rec->transport, size, (unsigned long long)rec->rep,
		rec->warmup ? "warmup" : "timed", wall, rate, blocks, rtt, wv,
		rv, cpus, rec->status, rec->reason[0] ? ": " : "");
	put_one_line(f, rec->reason);
	fputc('\n', f);
	return flushed(f);
}

int summary_write_header(FILE *f, enum record_format fmt)
{
	if (fmt == FORMAT_CSV)
		write_header(f, summary_cols, NCOLS(summary_cols));
	else if (fmt == FORMAT_TABLE)
		fprintf(f, "%-12s %8s %6s %12s %25s %10s %15s %15s %s\n",
			"transport", "buf_size", "rounds", "median",
			"[interval]", "per block", "csw/blk w v+i",
			"csw/blk r v+i", "status");
	return flushed(f);
}

static void fmt_dbl(char *buf, size_t len, double v)
{
	if (isfinite(v))
		snprintf(buf, len, "%.3g", v);
	else
		snprintf(buf, len, "-");
}

/* "0.571+0.43": voluntary + involuntary per block ("-" if unknown). */
static void fmt_dbl_pair(char *buf, size_t len, double v, double i)
{
	char a[24], b[24];
	fmt_dbl(a, sizeof(a), v);
	fmt_dbl(b, sizeof(b), i);
	if (isfinite(v) && isfinite(i))
		snprintf(buf, len, "%s+%s", a, b);
	else
		snprintf(buf, len, "-");
}

int summary_write(FILE *f, enum record_format fmt, const struct summary *s)
{
	if (fmt != FORMAT_TABLE) {
		write_row(f, fmt, summary_cols, NCOLS(summary_cols), s);
		return flushed(f);
	}
	char size[24], med[24], lo[24], hi[24], range[56], per[24], wv[24],
		rv[24];
	units_format_size(s->first.buf_size, size, sizeof(size));
	int pp = strcmp(s->first.mode, "pingpong") == 0;
	if (pp) { /* latency is the figure of merit for ping-pong */
		units_format_ns(s->one_way_p50_ns, med, sizeof(med));
		units_format_ns(s->one_way.rerun_lo, lo, sizeof(lo));
		units_format_ns(s->one_way.rerun_hi, hi, sizeof(hi));
	} else {
		units_format_rate(s->bps.median, med, sizeof(med));
		units_format_rate(s->bps.rerun_lo, lo, sizeof(lo));
		units_format_rate(s->bps.rerun_hi, hi, sizeof(hi));
	}
	snprintf(range, sizeof(range), "[%s .. %s]", lo, hi);
	units_format_ns(s->ns_per_block, per, sizeof(per));
	fmt_dbl_pair(wv, sizeof(wv), s->writer_vcsw_per_block,
		     s->writer_ivcsw_per_block);
	fmt_dbl_pair(rv, sizeof(rv), s->reader_vcsw_per_block,
		     s->reader_ivcsw_per_block);
	/* A flagged point says so where a reader looks: the status. */
	const char *status = s->flag[0] && strcmp(s->status, "ok") == 0
			     ? s->flag : s->status;
	int flagged = s->flag[0] != '\0';
	fprintf(f, "%-12s %8s %6llu %12s %25s %10s %15s %15s %s%s%s%s%s",
		s->first.transport, size, (unsigned long long)s->reps, med,
		range, per, wv, rv, status, flagged ? " (" : "",
		s->flag_kinds, flagged ? ")" : "",
		s->reason[0] && !flagged ? ": " : "");
	if (s->reason[0] && flagged)
		fputs("\n  ", f);
	put_one_line(f, s->reason);
	fputc('\n', f);
	return flushed(f);
}

static double median_of(const struct record *recs, size_t n, size_t off,
			int is_u64)
{
	double v[n ? n : 1];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = (const char *)&recs[i] + off;
		double x;
		if (is_u64) {
			uint64_t u = *(const uint64_t *)(const void *)p;
			if (u == REC_NONE)
				continue;
			x = (double)u;
		} else {
			x = *(const double *)(const void *)p;
			if (!isfinite(x))
				continue;
		}
		v[k++] = x;
	}
	return k ? stats_median(v, k) : NAN;
}

int record_is_pingpong(const struct record *rec)
{
	return strcmp(rec->mode, "pingpong") == 0;
}

double record_figure(const struct record *rec)
{
	return record_is_pingpong(rec) ? rec->one_way_p50_ns : rec->bytes_per_s;
}

/* Median, min and max of a double field over recs[0..n), skipping empties. */
static void range_of(const struct record *recs, size_t n, size_t off,
		     double *med, double *min, double *max)
{
	double v[n ? n : 1];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		double x = *(const double *)(const void *)((const char *)&recs[i] + off);
		if (isfinite(x))
			v[k++] = x;
	}
	*med = *min = *max = NAN;
	if (!k)
		return;
	*med = stats_median(v, k);
	*min = *max = v[0];
	for (size_t i = 1; i < k; i++) {
		*min = fmin(*min, v[i]);
		*max = fmax(*max, v[i]);
	}
}

void summary_from_records(struct summary *s, const struct record *recs,
			  size_t n)
{
	memset(s, 0, sizeof(*s));
	struct record ok[n ? n : 1];
	size_t k = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (recs[i].warmup)
			continue;
		if (strcmp(recs[i].status, "ok") == 0)
			ok[k++] = recs[i];
		else if (strcmp(recs[i].status, "error") == 0)
			failed = i + 1;
	}
	s->reps = k;
	double nan = NAN;
	struct stats_summary none = {0, nan, nan, nan, nan, nan, nan, nan, nan,
				     nan};
	s->bps = s->wall = s->one_way = none;
	s->ns_per_block = s->writer_vcsw_per_block = s->reader_vcsw_per_block =
		s->writer_ivcsw_per_block = s->reader_ivcsw_per_block = nan;
	s->writer_user_ns = s->writer_sys_ns = s->reader_user_ns =
		s->reader_sys_ns = s->writer_minflt = s->reader_minflt = nan;
	s->rtt_p50_ns = s->rtt_p99_ns = s->one_way_p50_ns = nan;
	s->floor_bytes_per_s = s->floor_ratio = nan;
	s->interval_coverage = s->rel_halfwidth = nan;
	s->line_rtt_ns_median = s->line_rtt_ns_min = s->line_rtt_ns_max = nan;
	s->line_pair_rtt_ns_median = nan;
	s->speed_ns_median = s->speed_ns_min = s->speed_ns_max = nan;
	s->steal_pct_max = s->other_busy_pct_mean = s->other_busy_pct_max = nan;
	s->runq_wait_pct_max = nan;
	if (k == 0) {
		if (n) {
			s->first = recs[n - 1];
			snprintf(s->status, sizeof(s->status), "%s", recs[n - 1].status);
			snprintf(s->reason, sizeof(s->reason), "%s", recs[n - 1].reason);
		}
		return;
	}
	s->first = ok[0];
	/* A point with a failed round is not ok, whatever the other rounds
	 * measured: its figures stay, its status says so. */
	if (failed) {
		snprintf(s->status, sizeof(s->status), "error");
		snprintf(s->reason, sizeof(s->reason), "%s",
			 recs[failed - 1].reason);
	} else {
		snprintf(s->status, sizeof(s->status), "ok");
	}
	double bps[k], wall[k], oneway[k];
	size_t nw = 0;
	for (size_t i = 0; i < k; i++) {
		bps[i] = ok[i].bytes_per_s;
		wall[i] = (double)ok[i].wall_ns;
		if (isfinite(ok[i].one_way_p50_ns))
			oneway[nw++] = ok[i].one_way_p50_ns;
	}
	stats_summarize(bps, k, &s->bps);
	stats_summarize(wall, k, &s->wall);
	if (nw)
		stats_summarize(oneway, nw, &s->one_way);
	double blocks = (double)ok[0].blocks;
#define MED(field) median_of(ok, k, offsetof(struct record, field), 1)
	if (blocks > 0) {
		s->ns_per_block = s->wall.median / blocks;
		s->writer_vcsw_per_block = MED(writer_vcsw) / blocks;
		s->writer_ivcsw_per_block = MED(writer_ivcsw) / blocks;
		s->reader_vcsw_per_block = MED(reader_vcsw) / blocks;
		s->reader_ivcsw_per_block = MED(reader_ivcsw) / blocks;
	}
	s->writer_user_ns = MED(writer_user_ns);
	s->writer_sys_ns = MED(writer_sys_ns);
	s->reader_user_ns = MED(reader_user_ns);
	s->reader_sys_ns = MED(reader_sys_ns);
	s->writer_minflt = MED(writer_minflt);
	s->reader_minflt = MED(reader_minflt);
	s->rtt_p50_ns = MED(rtt_p50_ns);
	s->rtt_p99_ns = MED(rtt_p99_ns);
#undef MED
	s->one_way_p50_ns = nw ? s->one_way.median : nan;
	s->floor_bytes_per_s = median_of(ok, k, offsetof(struct record,
					 floor_bytes_per_s), 0);
	if (isfinite(s->floor_bytes_per_s) && s->floor_bytes_per_s > 0)
		s->floor_ratio = s->bps.median / s->floor_bytes_per_s;

	const struct stats_summary *fig = record_is_pingpong(&ok[0])
					  ? &s->one_way : &s->bps;
	s->interval_coverage = fig->rerun_coverage;
	if (fig->median > 0)
		s->rel_halfwidth = (fig->rerun_hi - fig->rerun_lo) / 2 /
				   fig->median;
	double med, min;
	range_of(ok, k, offsetof(struct record, line_rtt_ns),
		 &s->line_rtt_ns_median, &s->line_rtt_ns_min,
		 &s->line_rtt_ns_max);
	range_of(ok, k, offsetof(struct record, line_pair_rtt_ns),
		 &s->line_pair_rtt_ns_median, &med, &min);
	range_of(ok, k, offsetof(struct record, speed_ns), &s->speed_ns_median,
		 &s->speed_ns_min, &s->speed_ns_max);
	range_of(ok, k, offsetof(struct record, steal_pct), &med, &min,
		 &s->steal_pct_max);
	range_of(ok, k, offsetof(struct record, other_busy_pct), &med, &min,
		 &s->other_busy_pct_max);
	double sum = 0;
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (isfinite(ok[i].other_busy_pct)) {
			sum += ok[i].other_busy_pct;
			m++;
		}
	if (m)
		s->other_busy_pct_mean = sum / (double)m;
	range_of(ok, k, offsetof(struct record, runq_wait_pct), &med, &min,
		 &s->runq_wait_pct_max);
}
