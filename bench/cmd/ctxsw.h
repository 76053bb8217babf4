/*
 * ctxsw.h - `ipclab ctxsw`: the cost of a context switch, measured by
 * passing a token back and forth between two processes through a
 * notification primitive (pipe, POSIX semaphore, futex, eventfd), with both
 * processes on one CPU and on two, next to a no-peer baseline of the same
 * system calls.  See the header of ctxsw.c for the method and its caveats.
 *
 *   ipclab ctxsw --pin both --primitive all
 *
 * Like demo_main, ctxsw_main is a command: it prints its results (stdout or
 * -o FILE) and its errors (stderr) and returns the exit status (0 ok, 1 a
 * measurement failed, 2 bad usage, 77 every row was skipped, 128 + N after
 * a stop signal N).  It never
 * calls exit(); only its forked children end, with _exit().  The helpers
 * declared below are pure (no I/O) and are unit-tested.
 */
#ifndef IPCLAB_CTXSW_H
#define IPCLAB_CTXSW_H

#include <stddef.h>
#include <stdint.h>

enum ctxsw_prim {
	CTXSW_PIPE = 0,
	CTXSW_SEM,
	CTXSW_FUTEX,
	CTXSW_EVENTFD,
	CTXSW_NPRIM
};

enum ctxsw_pin { CTXSW_SAME = 0, CTXSW_SPLIT, CTXSW_NPIN };

/* "pipe", "sem", "futex", "eventfd"; "same", "split". */
const char *ctxsw_prim_name(enum ctxsw_prim p);
const char *ctxsw_pin_name(enum ctxsw_pin p);

/*
 * Parse "pipe,futex" or "all" into a bit mask (bit i = enum value i).
 * Returns 0, or -EINVAL with "'x': unknown primitive (use ...)" in why.
 */
int ctxsw_parse_prims(const char *s, unsigned *mask, char *why, size_t len);
/* Parse "same", "split", "same,split" or "both" the same way. */
int ctxsw_parse_pins(const char *s, unsigned *mask, char *why, size_t len);

/*
 * Below this many context switches per handoff, a handoff often happened
 * without a switch (the peer was still running on its own CPU), so the
 * excess time is quoted per handoff rather than divided by the switches.
 */
#define CTXSW_MIN_SWITCHES 0.9

/*
 * The figure the command is for:
 *
 *   ns per context switch = (handoff_ns - baseline_ns) / switches_per_handoff
 *
 * handoff_ns = round trip / 2; baseline_ns = one notify + one wait in one
 * process with no peer; switches_per_handoff = (voluntary + involuntary
 * switches of both processes) / handoffs.  When switches_per_handoff is
 * below CTXSW_MIN_SWITCHES (or not finite) the division would inflate the
 * figure, so the excess per handoff is returned unchanged and *per_handoff
 * is set to 1 (else 0).  per_handoff may be NULL.
 */
double ctxsw_cost(double handoff_ns, double baseline_ns,
		  double switches_per_handoff, int *per_handoff);

/*
 * One step of the --min-time calibration.  A run of n iterations took
 * elapsed_s.  While that is under a twentieth of min_time_s the count grows
 * tenfold (*done = 0: run again with the result); after that the count is
 * scaled so that one run lasts about min_time_s (*done = 1).  The result is
 * always in [1, max_n].
 */
uint64_t ctxsw_next_iters(uint64_t n, double elapsed_s, double min_time_s,
			  uint64_t max_n, int *done);

#endif
