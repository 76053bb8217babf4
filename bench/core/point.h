/*
 * point.h - one configuration of a run or a sweep, checked against the
 * machine and run: calibration to --min-time, warm-ups (always verified),
 * timed repetitions, the floor; one record per repetition.  A point carries
 * everything it needs: the plan (plan.h) fills it from the options.
 */
#ifndef IPCLAB_POINT_H
#define IPCLAB_POINT_H

#include "record.h"
#include "run.h"

/* How the channel is built beyond the point's identity: the same for every
 * point of a plan. */
struct point_tuning {
	unsigned nblocks;     /* --blocks; 0: the transport's default */
	uint64_t kbuf_size;   /* --pipe-size / --sock-buf; 0: the kernel's */
	unsigned long spin;   /* --spin */
	int nagle;            /* --nagle */
	int mem_node;         /* --mem-node: MEMNODE_* or a node (memnode.h) */
};

/* How hard a point is measured: the same for every point of a plan. */
struct point_effort {
	double min_time;      /* seconds per timed repetition */
	unsigned warmup;      /* verified repetitions before the rounds */
	uint64_t total;       /* stream: bytes per repetition; 0: by min_time */
	uint64_t messages;    /* ping-pong: round trips; 0: by min_time */
	unsigned batch;       /* ping-pong: round trips per clock reading */
	int verify;           /* timed repetitions check the data too */
	int floor;            /* measure the memcpy floor beside a stream */
	double timeout_s;     /* a repetition's deadline */
	uint64_t seed;        /* of the data pattern */
};

struct point {
	/* its identity, the columns of its records */
	const struct ipc_transport *t;
	uint64_t buf_size;
	enum run_mode mode;
	enum run_access access;
	int populate;
	enum region_hugepages hugepages;
	struct run_config pin; /* pin, cpu_writer, cpu_reader */
	int pairs;             /* --pairs: 0 or 1 for one pair */
	struct point_tuning tuning;
	struct point_effort effort;
};

/* The run configuration of a point (the pin resolved). */
int point_config(const struct point *p, struct run_config *c, char *why,
		 size_t whylen);

/*
 * Can this point run on this machine?  0, or -EINVAL with a sentence: the
 * limit, its value and the fix (run exits 2 with it; sweep records a
 * skipped row).
 */
int point_check(const struct point *p, char *why, size_t whylen);

/* A record carrying the point's identity (no measurements). */
void point_record(const struct point *p, const char *run_id,
		  struct record *rec);

typedef void (*record_fn)(const struct record *rec, void *arg);

/*
 * A point across a sweep: its calibrated configuration, its floor, and the
 * records of its timed rounds.  point_prepare fills it (calibration, floor,
 * warm-ups); point_round adds one timed round.
 */
struct point_state {
	struct point p;
	struct run_config c;   /* with the calibrated amount */
	int ready;             /* prepared, no round failed */
	double floor_bps;
	uint64_t clock_ns;
	uint64_t rep;          /* the next repetition number */
	double last_s;         /* wall time of the last run, setup included */
	struct record *recs;   /* timed rows (and the failed one) */
	size_t nrecs, cap;
};

/*
 * Calibrate the amount to --min-time (warm-ups that grow, always
 * verified), measure the floor, run the --warmup repetitions.  Every
 * record goes to emit.  Returns 0 when ready, 1 when a run failed (an error
 * record was emitted; ps->recs holds it), -EINTR when stopped, -ENOMEM.
 */
int point_prepare(struct point_state *ps, const struct point *p,
		  const char *run_id, double t0_s, record_fn emit, void *arg);

/*
 * One timed round: the canaries (cache line between the point's CPUs,
 * /proc/stat around the run), one run, its record (round number, start
 * time t_s since the sweep began) to emit and into ps->recs.  Returns 0,
 * 1 when the run failed (the point is no longer ready), -EINTR, -ENOMEM.
 */
int point_round(struct point_state *ps, unsigned round, double t_s,
		const char *run_id, record_fn emit, void *arg);

void point_state_free(struct point_state *ps);

#endif
