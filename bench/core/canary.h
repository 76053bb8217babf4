/*
 * canary.h - what the machine was doing around a measurement: steal time and
 * other work on the CPUs a point ran on (/proc/stat), and, per process, the
 * time it waited on a run queue and its CPU migrations (/proc/self/schedstat,
 * /proc/self/sched).  The cache-line probe is in cacheline.h.
 *
 * /proc/stat counts in clock ticks (USER_HZ, usually 100 per second), so one
 * short run's figures are coarse (a tick is 10 ms); summed over a point's
 * rounds they are not.
 */
#ifndef IPCLAB_CANARY_H
#define IPCLAB_CANARY_H

#include <stdint.h>

#define CANARY_MAX_CPUS 8

/* Tick counters summed over a set of CPUs. */
struct cpu_ticks {
	uint64_t busy;  /* user, nice, system, irq, softirq */
	uint64_t steal; /* taken by the hypervisor for others */
	uint64_t total; /* everything, idle and iowait included */
};

/*
 * Sum the /proc/stat lines of cpus[0..n) (n == 0: every CPU, the "cpu" line).
 * Returns 0, or -errno (no /proc/stat, a CPU without a line).
 */
int canary_read_ticks(const int *cpus, int n, struct cpu_ticks *t);

/*
 * Between two readings: the share of the CPUs' time stolen by the
 * hypervisor, and the share used by anything but the measured processes
 * (their CPU time is ours_ns), both in percent; NAN when nothing elapsed.
 */
void canary_load(const struct cpu_ticks *a, const struct cpu_ticks *b,
		 double ours_ns, double *steal_pct, double *other_busy_pct);

/*
 * This process's time spent runnable but waiting for a CPU, in ns, and its
 * CPU migrations so far.  Either may be UINT64_MAX when the kernel does not
 * say (no schedstats, no sched debug).
 */
void canary_self(uint64_t *runq_wait_ns, uint64_t *migrations);

#endif
