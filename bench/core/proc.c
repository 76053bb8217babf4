/*
 * proc.c - process control for the commands that fork (see proc.h).
 *
 * The parent of a run only ever waits in ppoll, with a timeout and with the
 * stop signals unblocked atomically for the wait, then kills and reaps; a
 * waitpid without WNOHANG follows a SIGKILL only.  The children meet at a
 * barrier made of one futex word: a party waits in FUTEX_WAIT with a
 * timeout, and the owner gives up by setting a bit and waking everyone.
 */
#include "proc.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the stop signals ---- */

volatile sig_atomic_t run_stop;

static void on_stop_signal(int sig)
{
	run_stop = sig;
}

static void stop_signals(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGINT);
	sigaddset(s, SIGTERM);
	sigaddset(s, SIGHUP);
}

void run_catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed terminal (SIGHUP) stops cleanly too, unless nohup asked
	 * for it to be ignored. */
	struct sigaction old;
	if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* now + s seconds, saturating (a timeout may be huge). */
static uint64_t after_s(double s)
{
	double ns = s * 1e9;
	if (!(ns > 0))
		return now_ns();
	if (ns >= 1e18)
		return UINT64_MAX / 2;
	return now_ns() + (uint64_t)ns;
}

/* ---- a side ---- */

int proc_fork(pid_t *pid, struct ipc_err *e)
{
	pid_t parent = getpid();
	(void)fflush(NULL); /* the child must not write our buffers again */
	pid_t p = fork();
	if (p < 0)
		return ipc_errf(e, errno, "fork");
	if (p == 0) {
		/* getppid catches a parent that died before prctl took
		 * effect. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		sigset_t s;
		signal(SIGPIPE, SIG_IGN);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (signal(SIGHUP, SIG_DFL) == SIG_IGN)
			signal(SIGHUP, SIG_IGN); /* nohup */
		stop_signals(&s);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
	}
	*pid = p;
	return 0;
}

int proc_pin(int cpu, struct ipc_err *e)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return ipc_errf(e, errno, "sched_setaffinity(CPU %d)", cpu);
	return 0;
}

/* ---- the start barrier ---- */

#define BROKEN 0x80000000u

static long futex(uint32_t *word, int op, uint32_t val,
		  const struct timespec *ts)
{
	/* Not FUTEX_PRIVATE_FLAG: the word is shared between processes. */
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

void proc_barrier_init(struct proc_barrier *b, unsigned parties)
{
	__atomic_store_n(&b->word, 0, __ATOMIC_RELEASE);
	b->parties = parties;
}

void proc_barrier_abandon(struct proc_barrier *b)
{
	__atomic_fetch_or(&b->word, BROKEN, __ATOMIC_ACQ_REL);
	(void)futex(&b->word, FUTEX_WAKE, INT_MAX, NULL);
}

/* The test hook (proc.h): milliseconds, 0 when unset or not a number. */
static long test_delay_ms(void)
{
	const char *s = getenv("IPCLAB_TEST_BARRIER_DELAY_MS");
	char *end;
	if (!s || !*s)
		return 0;
	long ms = strtol(s, &end, 10);
	return *end || ms < 0 ? 0 : ms;
}

int proc_barrier_wait(struct proc_barrier *b, double timeout_s,
		      struct ipc_err *e)
{
	uint64_t deadline = after_s(timeout_s);
	long delay = test_delay_ms();
	uint32_t w = __atomic_load_n(&b->word, __ATOMIC_ACQUIRE);
	for (;;) { /* arrive */
		if (w & BROKEN)
			return ipc_errf(e, ECANCELED, "start barrier: given up");
		if (delay > 0 && w != 0) {
			struct timespec ts = {delay / 1000,
					      (delay % 1000) * 1000000L};
			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
			delay = 0;
			w = __atomic_load_n(&b->word, __ATOMIC_ACQUIRE);
			continue;
		}
		if (__atomic_compare_exchange_n(&b->word, &w, w + 1, 0,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			w++;
			break;
		}
	}
	if (w >= b->parties) { /* the last one: let everyone go */
		(void)futex(&b->word, FUTEX_WAKE, INT_MAX, NULL);
		return 0;
	}
	for (;;) {
		if (w & BROKEN)
			return ipc_errf(e, ECANCELED, "start barrier: given up");
		if (w >= b->parties)
			return 0;
		uint64_t now = now_ns();
		if (now >= deadline)
			return ipc_errf(e, ETIMEDOUT, "start barrier: %u of %u "
					"arrived (a peer died before it came?)",
					w, b->parties);
		uint64_t left = deadline - now;
		struct timespec ts = {(time_t)(left / 1000000000u),
				      (long)(left % 1000000000u)};
		/* EAGAIN: the word changed already; EINTR, ETIMEDOUT: look
		 * again. */
		if (futex(&b->word, FUTEX_WAIT, w, &ts) < 0 &&
		    errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT)
			return ipc_errf(e, errno, "start barrier: futex wait");
		w = __atomic_load_n(&b->word, __ATOMIC_ACQUIRE);
	}
}

/* ---- reaping ---- */

static int failed(int status)
{
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

int proc_reap(const pid_t *pid, int n, double timeout_s,
	      struct proc_barrier *start, int *status, int *cause)
{
	int pfd[PROC_MAX], alive[PROC_MAX], left = 0, rc = 0;
	if (n > PROC_MAX)
		return -EINVAL; /* a caller's bug: proc.h says n <= PROC_MAX */
	for (int i = 0; i < n; i++) {
		status[i] = 0;
		alive[i] = pid[i] > 0;
		left += alive[i];
		/* A pidfd becomes readable when the child ends: sleep in ppoll
		 * instead of waking up to check. */
		pfd[i] = alive[i] ? (int)syscall(SYS_pidfd_open, pid[i], 0) : -1;
	}
	uint64_t end = after_s(timeout_s);
	/* The stop signals stay blocked except inside ppoll, which unblocks
	 * them atomically: one arriving between the run_stop check and the
	 * wait would otherwise be seen only when the children end. */
	sigset_t stop, outside, inside;
	stop_signals(&stop);
	sigprocmask(SIG_BLOCK, &stop, &outside);
	inside = outside;
	sigdelset(&inside, SIGINT);
	sigdelset(&inside, SIGTERM);
	sigdelset(&inside, SIGHUP);
	while (left > 0) {
		uint64_t now = now_ns();
		if (run_stop) {
			rc = rc ? rc : -EINTR;
			break;
		}
		if (now >= end) {
			rc = rc ? rc : -ETIMEDOUT; /* or a grace period ended */
			break;
		}
		struct pollfd p[PROC_MAX];
		nfds_t np = 0;
		for (int i = 0; i < n; i++)
			if (alive[i] && pfd[i] >= 0)
				p[np++] = (struct pollfd){.fd = pfd[i],
							  .events = POLLIN};
		uint64_t ms = (end - now) / 1000000u + 1;
		if (ms > 3600000)
			ms = 3600000;
		if ((int)np < left && ms > 20)
			ms = 20; /* a child without a pidfd: check it often */
		struct timespec ts = {(time_t)(ms / 1000),
				      (long)(ms % 1000) * 1000000L};
		(void)ppoll(np ? p : NULL, np, &ts, &inside);
		int kill_now = 0;
		for (int i = 0; i < n; i++) {
			if (!alive[i] ||
			    waitpid(pid[i], &status[i], WNOHANG) != pid[i])
				continue;
			alive[i] = 0;
			left--;
			if (!failed(status[i]))
				continue;
			if (rc == 0)
				rc = -ECHILD;
			/* A side that failed with an error may only have seen
			 * its peer die (EPIPE, EOF): give a dying peer a
			 * moment to be reaped, so that the cause is named.
			 * One killed by a signal is the cause. */
			if (WIFEXITED(status[i])) {
				uint64_t grace = now_ns() + 200000000u;
				end = grace < end ? grace : end;
			} else {
				kill_now = 1;
			}
		}
		if (kill_now)
			break;
	}
	if (left > 0) {
		/* The others may wait forever for the one that is gone. */
		if (start)
			proc_barrier_abandon(start);
		for (int i = 0; i < n; i++)
			if (alive[i])
				(void)kill(pid[i], SIGKILL);
		for (int i = 0; i < n; i++) {
			if (!alive[i])
				continue;
			/* SIGKILL ends it: this wait is short. */
			while (waitpid(pid[i], &status[i], 0) < 0 &&
			       errno == EINTR)
				;
			status[i] = PROC_KILLED;
		}
	}
	sigprocmask(SIG_SETMASK, &outside, NULL); /* a pending stop runs here */
	for (int i = 0; i < n; i++)
		if (pfd[i] >= 0)
			close(pfd[i]);
	/* Ctrl-C in a terminal reaches the children too: a child that died
	 * of it was interrupted, not broken. */
	if (run_stop)
		for (int i = 0; i < n; i++)
			if (status[i] != 0)
				rc = -EINTR;
	if (cause)
		*cause = rc == -ECHILD ? proc_cause(status, n) : -1;
	return rc;
}

int proc_cause(const int *status, int n)
{
	/* PROC_KILLED first: -1 would read as "signaled" to the macros. */
	for (int i = 0; i < n; i++)
		if (status[i] != PROC_KILLED && WIFSIGNALED(status[i]))
			return i;
	for (int i = 0; i < n; i++)
		if (status[i] != 0 && status[i] != PROC_KILLED)
			return i;
	return -1;
}

void proc_describe(char *buf, size_t len, const char *who, int status)
{
	if (status == PROC_KILLED)
		snprintf(buf, len, "%s was killed (a peer failed, or time ran "
			 "out)", who);
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "%s killed by signal %d (%s)", who,
			 WTERMSIG(status), sigabbrev_np(WTERMSIG(status))
			 ? sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(buf, len, "%s exited with status %d", who,
			 WEXITSTATUS(status));
}
