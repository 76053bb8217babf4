/*
 * xfr_report.h - what one side of `ipclab xfr` did, measured in-process and
 * explained: handoffs, time per handoff, voluntary and involuntary context
 * switches per handoff (getrusage) and the CPUs it ran on (sched_getcpu at
 * every block).  Printed to stderr at the end, e.g.
 *
 *   ipclab xfr reader: 100001 handoffs, 3.10 us per handoff; context switches
 *     per handoff: 1.00 voluntary + 0.00 involuntary; ran on CPU 1 (--pin)
 *   ipclab xfr reader: about one voluntary switch per handoff: the reader
 *     sleeps in every handoff until the writer posts the next block.
 */
#ifndef IPCLAB_XFR_REPORT_H
#define IPCLAB_XFR_REPORT_H

#include <stdint.h>
#include <sys/resource.h>

#include "transport.h"

struct xfr_meter {
	struct rusage ru0;
	double t0;
	uint64_t cpus[16]; /* bit per CPU seen (CPUs 0..1023) */
	int pinned;        /* 1: this side set its affinity to one CPU */
};

/* Start the clock and the counters (call after attaching). */
void xfr_meter_start(struct xfr_meter *m, int pinned);

/* Once per block: note the CPU this side runs on. */
void xfr_meter_tick(struct xfr_meter *m);

/* Seconds since xfr_meter_start. */
double xfr_meter_secs(const struct xfr_meter *m);

/* Print the two summary lines for `handoffs` blocks moved. */
void xfr_meter_report(const struct xfr_meter *m, enum ipc_role role,
		      uint64_t handoffs, double secs);

#endif
