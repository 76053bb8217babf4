/*
 * proc.h - process control for the commands that fork (run, ctxsw, demo,
 * the contract suite): the stop signals, fork a side, pin it, a start
 * barrier whose owner can give up, reap with a deadline.
 *
 * The guarantee lives here: the parent makes no blocking call that a stop
 * signal (SIGINT, SIGTERM, SIGHUP) or the deadline cannot end, and it never
 * destroys shared state that a dead child may still hold (a child killed
 * inside a glibc process-shared barrier never leaves it, and
 * pthread_barrier_destroy then waits for it forever).
 */
#ifndef IPCLAB_PROC_H
#define IPCLAB_PROC_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

/*
 * Set by the SIGINT/SIGTERM/SIGHUP handler to the signal number: a reap in
 * progress kills its children at once; callers stop between repetitions and
 * exit with 128 + run_stop after the objects are removed and the rows
 * written.
 */
extern volatile sig_atomic_t run_stop;

/* Catch SIGINT and SIGTERM, and SIGHUP unless it is ignored (nohup), into
 * run_stop.  A background job of a script starts with SIGINT ignored; it is
 * caught all the same. */
void run_catch_signals(void);

/*
 * Fork a side.  Buffered output is flushed first (a child must not write it
 * again).  In the child (*pid = 0): SIGPIPE is ignored (a dead peer is
 * EPIPE, not death), SIGINT and SIGTERM are back to their defaults, SIGHUP
 * too unless it was ignored (nohup), no signal is blocked, and the child
 * dies with the parent (PR_SET_PDEATHSIG): an orphan blocked on its peer
 * would wait forever.  The child must end with _exit().  Returns 0 (in
 * both), or -errno in the parent with e filled.
 */
int proc_fork(pid_t *pid, struct ipc_err *e);

/* Pin the calling process to one CPU; 0 or -errno with e filled. */
int proc_pin(int cpu, struct ipc_err *e);

/*
 * A start barrier for `parties` processes, in memory they share (a
 * MAP_SHARED page made before fork), built on one futex word.  Unlike a
 * pthread barrier it needs no destroy: nothing is left to wait for when a
 * party dies inside it, and the parent may unmap it at any time.
 */
struct proc_barrier {
	uint32_t word;    /* arrivals, PROC_BARRIER_BROKEN once given up */
	uint32_t parties;
};

void proc_barrier_init(struct proc_barrier *b, unsigned parties);

/*
 * Arrive and wait for the others.  0 when all arrived; -ECANCELED when the
 * owner gave up (proc_barrier_abandon); -ETIMEDOUT after timeout_s seconds
 * (a peer that died before it arrived).  The wait sleeps in FUTEX_WAIT.
 *
 * Test hook: with IPCLAB_TEST_BARRIER_DELAY_MS=N in the environment, every
 * party but the first to arrive sleeps N ms before it arrives, so that the
 * first one waits inside the barrier that long (tests/cli/barrier.sh).
 */
int proc_barrier_wait(struct proc_barrier *b, double timeout_s,
		      struct ipc_err *e);

/* Give up: every party waiting, or arriving later, gets -ECANCELED. */
void proc_barrier_abandon(struct proc_barrier *b);

/* The status proc_reap gives a child it killed itself (not the child's
 * fault: a peer failed, time ran out, or a stop signal came). */
#define PROC_KILLED (-1)

/*
 * Wait for the n children pid[0..n-1] (n <= PROC_MAX) for at most timeout_s
 * seconds, sleeping in ppoll on pidfds with the stop signals blocked except
 * inside ppoll.  When one fails (non-zero exit or a signal) the others are
 * killed: they may be waiting for it; a side that exited with an error may
 * only have seen its peer die, so the others get 200 ms to end on their own
 * first and the cause is named.  At the deadline or on a stop signal every
 * survivor is killed.  Every child is reaped on every path; `start`, when
 * not NULL, is abandoned before anyone is killed.
 *
 * status[i] gets each wait status, or PROC_KILLED.  Returns 0 when all
 * exited with 0; -ECHILD when one failed (*cause: its index, see
 * proc_cause); -ETIMEDOUT; -EINTR when run_stop was set and a child did not
 * end cleanly (one that died of a Ctrl-C sent to the process group counts).
 * cause may be NULL.
 */
#define PROC_MAX 256 /* as many as `demo matmul -w` allows */
int proc_reap(const pid_t *pid, int n, double timeout_s,
	      struct proc_barrier *start, int *status, int *cause);

/* Which failed child explains the failure: the first killed by a signal
 * (not by proc_reap), which explains a peer's EPIPE; else the first that
 * exited non-zero; -1 when none. */
int proc_cause(const int *status, int n);

/* "WHO killed by signal 9 (KILL)" or "WHO exited with status 1". */
void proc_describe(char *buf, size_t len, const char *who, int status);

#endif
