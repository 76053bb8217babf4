/*
 * point.h - one configuration of a run or a sweep, checked against the
 * machine and run: calibration to --min-time, warm-ups (always verified),
 * timed repetitions, the floor; one record per repetition.
 */
#ifndef IPCLAB_POINT_H
#define IPCLAB_POINT_H

#include "options.h"
#include "record.h"
#include "run.h"

struct point {
	const struct ipc_transport *t;
	uint64_t buf_size;
	enum run_mode mode;
	enum run_access access;
	int populate;
	enum region_hugepages hugepages;
	struct run_config pin; /* pin, cpu_writer, cpu_reader */
};

/* The run configuration of a point (the pin resolved). */
int point_config(const struct point *p, const struct bench_opts *o,
		 struct run_config *c, char *why, size_t whylen);

/*
 * Can this point run on this machine?  0, or -EINVAL with a sentence: the
 * limit, its value and the fix (run exits 2 with it; sweep records a
 * skipped row).
 */
int point_check(const struct point *p, const struct bench_opts *o, char *why,
		size_t whylen);

/* A record carrying the point's identity (no measurements). */
void point_record(const struct point *p, const char *run_id,
		  struct record *rec);

typedef void (*record_fn)(const struct record *rec, void *arg);

/*
 * Run the point; every record (warm-ups too) goes to emit and, when recs is
 * not NULL, into recs[0..cap).  Returns 0 when every repetition was ok, 1
 * when one failed (an error record was emitted), -EINTR when stopped.
 */
int point_run(const struct point *p, const struct bench_opts *o,
	      const char *run_id, struct record *recs, size_t cap, size_t *n,
	      record_fn emit, void *arg);

#endif
