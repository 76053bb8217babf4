/*
 * test_proc.c - process control (bench/core/proc.c): the start barrier
 * (all arrive; the owner gives up; a peer that never comes; the test hook),
 * and the reaper (all fine; a deadline; a failure kills the peer and names
 * the cause; a stop signal ends the wait however far the deadline is).
 */
#include "check.h"
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct proc_barrier *shared_barrier(unsigned parties)
{
	struct proc_barrier *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return NULL;
	proc_barrier_init(b, parties);
	return b;
}

/* A child that arrives at b and exits with 0 (all came), 3 (given up),
 * 4 (its deadline passed) or 5 (anything else). */
static pid_t party(struct proc_barrier *b, double timeout_s)
{
	pid_t p;
	struct ipc_err e;
	if (proc_fork(&p, &e) < 0)
		return -1;
	if (p == 0) {
		int rc = proc_barrier_wait(b, timeout_s, &e);
		_exit(rc == 0 ? 0 : rc == -ECANCELED ? 3
			: rc == -ETIMEDOUT ? 4 : 5);
	}
	return p;
}

static int exit_code(pid_t p)
{
	int st;
	if (waitpid(p, &st, 0) != p)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static void test_barrier_all_arrive(void)
{
	struct proc_barrier *b = shared_barrier(3);
	CHECK(b != NULL);
	pid_t a = party(b, 30), c = party(b, 30);
	struct ipc_err e;
	CHECK(proc_barrier_wait(b, 30, &e) == 0); /* the third party */
	CHECK(exit_code(a) == 0);
	CHECK(exit_code(c) == 0);
	munmap(b, sizeof(*b));
}

static void test_barrier_peer_dies(void)
{
	struct proc_barrier *b = shared_barrier(2);
	CHECK(b != NULL);
	pid_t a = party(b, 300);
	pid_t dead;
	struct ipc_err e;
	CHECK(proc_fork(&dead, &e) == 0);
	if (dead == 0)
		_exit(1); /* dies before it arrives */
	CHECK(exit_code(dead) == 1);
	/* a waits with a far deadline; its owner gives up for it. */
	double t0 = seconds();
	proc_barrier_abandon(b);
	CHECK(exit_code(a) == 3);
	CHECK(seconds() - t0 < 150);
	/* Late arrivals give up too, at once. */
	CHECK(proc_barrier_wait(b, 300, &e) == -ECANCELED);
	CHECK(strstr(e.msg, "given up") != NULL);
	/* Nothing to destroy: unmapping it is all. */
	CHECK(munmap(b, sizeof(*b)) == 0);
}

static void test_barrier_deadline(void)
{
	struct proc_barrier *b = shared_barrier(2);
	CHECK(b != NULL);
	double t0 = seconds();
	pid_t a = party(b, 0.3); /* its peer never comes */
	CHECK(exit_code(a) == 4);
	double took = seconds() - t0;
	CHECK(took >= 0.3 && took < 150);
	struct ipc_err e;
	proc_barrier_init(b, 2);
	CHECK(proc_barrier_wait(b, 0.05, &e) == -ETIMEDOUT);
	CHECK(strstr(e.msg, "1 of 2 arrived") != NULL);
	munmap(b, sizeof(*b));
}

/* The hook the CLI tests use: all but the first to arrive sleep first, so
 * the first waits inside the barrier at least that long. */
static void test_barrier_test_hook(void)
{
	struct proc_barrier *b = shared_barrier(2);
	CHECK(b != NULL);
	setenv("IPCLAB_TEST_BARRIER_DELAY_MS", "300", 1);
	double t0 = seconds();
	pid_t a = party(b, 30), c = party(b, 30);
	CHECK(exit_code(a) == 0);
	CHECK(exit_code(c) == 0);
	CHECK(seconds() - t0 >= 0.3);
	unsetenv("IPCLAB_TEST_BARRIER_DELAY_MS");
	munmap(b, sizeof(*b));
}

/* Fork a child that exits with code, or (code < 0) sleeps until killed;
 * 99: killed by SIGKILL. */
static pid_t child(int code)
{
	pid_t p;
	struct ipc_err e;
	if (proc_fork(&p, &e) < 0)
		return -1;
	if (p == 0) {
		if (code < 0)
			for (;;)
				pause();
		if (code == 99)
			raise(SIGKILL);
		_exit(code);
	}
	return p;
}

/* The child is gone: reaped already, so waitpid finds no such child. */
static int reaped(pid_t p)
{
	return waitpid(p, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static void test_reap_ok(void)
{
	pid_t p[2] = {child(0), child(0)};
	int st[2] = {7, 7}, cause = 7;
	CHECK(p[0] > 0 && p[1] > 0);
	CHECK(proc_reap(p, 2, 30, NULL, st, &cause) == 0);
	CHECK(cause == -1 && st[0] == 0 && st[1] == 0);
	CHECK(reaped(p[0]) && reaped(p[1]));
}

static void test_reap_deadline(void)
{
	pid_t p[2] = {child(0), child(-1)}; /* the second never ends */
	int st[2], cause = 7;
	CHECK(proc_reap(p, 2, 0.2, NULL, st, &cause) == -ETIMEDOUT);
	CHECK(cause == -1);
	CHECK(st[0] == 0 && st[1] == PROC_KILLED);
	CHECK(reaped(p[0]) && reaped(p[1])); /* killed, and no zombie */
}

static void test_reap_failure_kills_peer(void)
{
	struct proc_barrier *b = shared_barrier(2);
	CHECK(b != NULL);
	pid_t p[2] = {child(-1), child(3)};
	int st[2], cause = 7;
	double t0 = seconds();
	/* The deadline is far: the sleeper must be killed because its peer
	 * failed, not because time ran out. */
	CHECK(proc_reap(p, 2, 300, b, st, &cause) == -ECHILD);
	CHECK(seconds() - t0 < 150);
	CHECK(cause == 1);
	CHECK(WIFEXITED(st[1]) && WEXITSTATUS(st[1]) == 3);
	CHECK(st[0] == PROC_KILLED);
	CHECK(reaped(p[0]) && reaped(p[1]));
	struct ipc_err e;
	CHECK(proc_barrier_wait(b, 300, &e) == -ECANCELED); /* given up */
	munmap(b, sizeof(*b));

	/* A side killed by a signal is the cause, not the one that exited
	 * with an error after it (it only saw its peer die). */
	pid_t q[2] = {child(2), child(99)};
	CHECK(proc_reap(q, 2, 30, NULL, st, &cause) == -ECHILD);
	CHECK(cause == 1);
	CHECK(WIFSIGNALED(st[1]) && WTERMSIG(st[1]) == SIGKILL);
	char why[128];
	proc_describe(why, sizeof(why), "reader", st[1]);
	CHECK_STR(why, "reader killed by signal 9 (KILL)");
	/* the writer may exit first or be killed first, depending on which the
	 * scheduler ran first: describe an exit status of 2 directly */
	proc_describe(why, sizeof(why), "writer", 2 << 8);
	CHECK_STR(why, "writer exited with status 2");
}

static void test_reap_stop_signal(void)
{
	run_catch_signals();
	pid_t p[2] = {child(-1), child(-1)};
	pid_t parent = getpid(), striker;
	struct ipc_err e;
	CHECK(proc_fork(&striker, &e) == 0);
	if (striker == 0) {
		usleep(200000);
		kill(parent, SIGTERM);
		_exit(0);
	}
	int st[2], cause;
	double t0 = seconds();
	/* An hour of deadline: only the signal can end this in time. */
	CHECK(proc_reap(p, 2, 3600, NULL, st, &cause) == -EINTR);
	CHECK(seconds() - t0 < 150);
	CHECK(run_stop == SIGTERM);
	CHECK(st[0] == PROC_KILLED && st[1] == PROC_KILLED);
	CHECK(reaped(p[0]) && reaped(p[1]));
	CHECK(exit_code(striker) == 0);
	/* The stop signals are unblocked again afterwards. */
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(!sigismember(&now, SIGTERM) && !sigismember(&now, SIGINT));
	run_stop = 0;
}

static const struct test_case cases[] = {
	{"barrier_all_arrive", test_barrier_all_arrive},
	{"barrier_peer_dies", test_barrier_peer_dies},
	{"barrier_deadline", test_barrier_deadline},
	{"barrier_test_hook", test_barrier_test_hook},
	{"reap_ok", test_reap_ok},
	{"reap_deadline", test_reap_deadline},
	{"reap_failure_kills_peer", test_reap_failure_kills_peer},
	{"reap_stop_signal", test_reap_stop_signal},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
