/*
 * record.h - one row per repetition and one summary row per configuration,
 * and the writers that print them: a human table, CSV and JSON lines.
 *
 * The column tables in record.c are the contract with the scripts and the
 * notebooks (results/README.md documents every column): columns are read by
 * name; adding one is free, renaming or changing the meaning of one bumps
 * RECORD_SCHEMA_VERSION.  Files hold base units (ns, bytes, bytes/s); only
 * the human table scales them.
 */
#ifndef IPCLAB_RECORD_H
#define IPCLAB_RECORD_H

#include <stdint.h>
#include <stdio.h>

#include "stats.h"

#define RECORD_SCHEMA_VERSION 2

/* The most pairs a record lists (run.h's RUN_PAIRS_MAX). */
#define RECORD_PAIRS_MAX 64

/* Empty cells: U64 fields hold REC_NONE, double fields hold NAN. */
#define REC_NONE UINT64_MAX

struct record {
	char run_id[48];
	char transport[32];
	char mode[12];   /* stream, pingpong */
	char access[12]; /* copy, inplace */
	uint64_t buf_size, total_bytes, blocks;
	char populate[8];   /* on, off, n/a */
	char hugepages[8];  /* off, on, try, thp, n/a */
	uint64_t page_size;
	char region_mechanism[16];
	uint64_t kbuf_size, nblocks;
	char pin[24];
	char pin_relation[12]; /* same, smt, core, llc, numa, socket */
	char mem_node[12];     /* --mem-node: local, remote, N; "" none */
	int64_t writer_cpu, reader_cpu; /* -1: not observed / moved */
	uint64_t pairs;        /* --pairs: writer/reader pairs at once */
	uint64_t batch;        /* ping-pong: round trips per clock reading */
	/* Each pair, space-separated in pair order ("" when the run failed):
	 * its CPUs "W:R" (-1: moved), bytes received, own throughput, and
	 * median round trip (ping-pong). */
	char pair_cpus[12 * RECORD_PAIRS_MAX];             /* "W:R " */
	char pair_total_bytes_list[21 * RECORD_PAIRS_MAX]; /* a u64 and ' ' */
	char pair_bytes_per_s_list[14 * RECORD_PAIRS_MAX]; /* %.6g and ' ' */
	char pair_rtt_p50_ns_list[21 * RECORD_PAIRS_MAX];
	uint64_t rep;
	uint64_t round;    /* 1-based round of a timed row; 0 on warm-ups */
	double t_start_s;  /* seconds since the sweep (or run) began */
	int warmup, verified;
	uint64_t wall_ns;
	double bytes_per_s;
	uint64_t rtt_min_ns, rtt_p50_ns, rtt_p90_ns, rtt_p99_ns, rtt_p999_ns,
		rtt_max_ns;
	double one_way_p50_ns;
	uint64_t clock_overhead_ns;
	uint64_t writer_user_ns, writer_sys_ns, reader_user_ns, reader_sys_ns;
	uint64_t writer_vcsw, writer_ivcsw, reader_vcsw, reader_ivcsw;
	uint64_t writer_minflt, writer_majflt, reader_minflt, reader_majflt;
	double floor_bytes_per_s, floor_ratio;
	/* canaries: what the machine was doing (canary.h, cacheline.h) */
	double line_rtt_ns;   /* cache-line round trip between the two CPUs */
	double line_pair_rtt_ns; /* ping-pong: two lines, one each way */
	double speed_ns;      /* the fixed work of speedprobe.h, fastest batch */
	double steal_pct, other_busy_pct;
	uint64_t writer_runq_wait_ns, reader_runq_wait_ns;
	double runq_wait_pct; /* the side that waited most, % of its window */
	uint64_t writer_migrations, reader_migrations;
	char status[8]; /* ok, skipped, error */
	char reason[512];
};

/* A new run id, "YYYYmmdd-HHMMSS-<pid>": one per invocation. */
void record_make_run_id(char *buf, size_t len);

/* A record with every measurement empty and the given identity. */
void record_init(struct record *rec);

/* One summary row: a configuration over its timed repetitions. */
struct summary {
	struct record first; /* identity columns (transport, buf_size, ...) */
	uint64_t reps;
	struct stats_summary bps; /* bytes_per_s over the repetitions */
	struct stats_summary wall;
	double ns_per_block;      /* median wall_ns / blocks */
	double writer_vcsw_per_block, writer_ivcsw_per_block;
	double reader_vcsw_per_block, reader_ivcsw_per_block;
	double writer_user_ns, writer_sys_ns, reader_user_ns, reader_sys_ns;
	double writer_minflt, reader_minflt;
	double rtt_p50_ns, rtt_p99_ns, one_way_p50_ns;
	double floor_bytes_per_s, floor_ratio;
	struct stats_summary one_way; /* one_way_p50_ns over the rounds */
	double interval_coverage; /* of the figure's rerun interval */
	double rel_halfwidth;     /* (hi - lo) / 2 / median of the figure */
	double line_rtt_ns_median, line_rtt_ns_min, line_rtt_ns_max;
	double line_pair_rtt_ns_median;
	double speed_ns_median, speed_ns_min, speed_ns_max;
	double steal_pct_max, other_busy_pct_mean, other_busy_pct_max;
	double runq_wait_pct_max; /* either side, % of the timed region */
	char flag[12];            /* "" or "unstable" */
	char flag_kinds[48];      /* wide+spread+canary+load+cut */
	char status[8];
	char reason[512];
};

/* The figure a point is judged by: throughput for streams (higher is
 * better), one-way latency for ping-pong (lower is better). */
int record_is_pingpong(const struct record *rec);
double record_figure(const struct record *rec);

/* Summarise n timed (non-warm-up, ok) records of one configuration.  With
 * none ok, the summary carries the status and reason of the last record. */
void summary_from_records(struct summary *s, const struct record *recs,
			  size_t n);

enum record_format { FORMAT_TABLE = 0, FORMAT_CSV, FORMAT_JSON };

/*
 * The writers flush after each row and return 0, or -1 with errno set when
 * the row may be lost (ENOSPC, EFBIG, EIO): the caller names the file and
 * fails the command.
 */
int record_write_header(FILE *f, enum record_format fmt);
int record_write(FILE *f, enum record_format fmt, const struct record *rec);
int summary_write_header(FILE *f, enum record_format fmt);
int summary_write(FILE *f, enum record_format fmt, const struct summary *s);

/* One CSV field: s as is, or quoted (quotes doubled, line breaks as
 * spaces) when it holds a comma, a quote or a line break. */
void record_csv_string(FILE *f, const char *s);

/* fclose, also failing when an earlier write to f failed: 0, or -1 with
 * errno set (what was written may be lost). */
int record_close(FILE *f);

#endif
