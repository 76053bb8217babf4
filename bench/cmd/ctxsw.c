/*
 * ctxsw.c - `ipclab ctxsw`: what one context switch costs, measured.
 *
 * Method.  Two processes (fork) pass a token back and forth through a
 * notification primitive, two channels, one per direction:
 *
 *     ping:  notify(0)  wait(1)  notify(0)  wait(1) ...
 *     pong:  wait(0)  notify(1)  wait(0)  notify(1) ...
 *
 * One round trip is two handoffs.  When both processes are pinned to the same
 * CPU, the waiting process can only run once the other one blocks, so every
 * handoff is a context switch.  When they are pinned to two CPUs, a handoff
 * is a cross-CPU wake-up: an idle CPU is woken by an inter-processor
 * interrupt, which on a VM that halts its idle vCPUs costs far more than the
 * switch itself.
 *
 * The same notify + wait pair run in one process with no peer (write then
 * read the same pipe, post then wait the same semaphore, ...) is the
 * baseline: the cost of the calls without any switch.  It is measured in the
 * same invocation, pinned like the ping process, and shown beside the result:
 *
 *     ns per context switch = (handoff - baseline) / (switches per handoff)
 *
 * The switches are counted, not assumed: getrusage() of both processes over
 * the timed loop (voluntary + involuntary; the pong process reports through
 * the shared page).  On one CPU there is about one per handoff.  Across two
 * CPUs a handoff may need no switch at all (the peer was still running, or
 * the token was there before it waited); then fewer than CTXSW_MIN_SWITCHES
 * per handoff are counted and the excess is quoted per handoff instead.
 *
 * Each measurement: the parent creates the primitive and a shared page,
 * forks, each child pins itself (sched_setaffinity), waits at a start
 * barrier, runs warm-up round trips, then the timed loop between two
 * getrusage() calls.  The parent reaps with a deadline: a stuck peer is
 * killed and reported, never waited for forever.  --min-time chooses the
 * number of round trips by calibration runs; --reps repeats the pair
 * (baseline, ping-pong) and the median, min and max are quoted.
 *
 * Caveats.  This is the minimal switch: on one CPU the two processes keep
 * their tiny working sets in a warm cache and TLB, so the figure leaves out
 * the cache refill a real switch between busy programs pays (lmbench's
 * lat_ctx adds a working set per process for that).  The semaphore baseline
 * takes glibc's fast path (an atomic, no system call), so its excess also
 * holds the futex calls a blocking sem_post/sem_wait make.  Split-CPU figures
 * depend on the idle policy of the machine (halt polling, C-states) more than
 * on the scheduler.
 *
 * Unlike the rest of bench/, this file prints, as demo.c does: ctxsw_main is
 * a command.  The measuring code returns errors in a buffer; only ctxsw_main
 * and its output functions write to stdout/stderr, and only the forked
 * children end with _exit().
 *
 *   ipclab ctxsw --pin both --primitive all
 */
#include "commands.h"
#include "ctxsw.h"
#include "say.h"
#include "json.h"
#include "proc.h"
#include "record.h"
#include "stats.h"
#include "units.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/futex.h>
#include <math.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMD "ctxsw"
#define MAX_ITERS 1000000000ull /* round trips or baseline pairs per run */
#define MAX_REPS 1000
#define DEFAULT_MIN_TIME 0.2 /* seconds per repetition */
#define DEFAULT_REPS 5u

static const char *const prim_names[CTXSW_NPRIM] = {"pipe", "sem", "futex",
						     "eventfd"};
static const char *const pin_names[CTXSW_NPIN] = {"same", "split"};

const char *ctxsw_prim_name(enum ctxsw_prim p)
{
	return p < CTXSW_NPRIM ? prim_names[p] : "?";
}

const char *ctxsw_pin_name(enum ctxsw_pin p)
{
	return p < CTXSW_NPIN ? pin_names[p] : "?";
}

/* ---- pure helpers (unit-tested) --------------------------------------- */

/* Parse a comma list of names[0..n-1], or all_word for every one of them. */
static int parse_list(const char *s, const char *const *names, unsigned n,
		      const char *all_word, const char *what, unsigned *mask,
		      char *why, size_t len)
{
	unsigned m = 0;
	const char *p = s ? s : "";
	if (strcmp(p, all_word) == 0) {
		*mask = (1u << n) - 1;
		return 0;
	}
	for (;;) {
		size_t k = strcspn(p, ",");
		unsigned i;
		for (i = 0; i < n; i++)
			if (strlen(names[i]) == k && strncmp(p, names[i], k) == 0)
				break;
		if (i == n) {
			char choices[128] = "";
			for (unsigned j = 0; j < n; j++) {
				size_t used = strlen(choices);
				snprintf(choices + used, sizeof(choices) - used,
					 "%s, ", names[j]);
			}
			snprintf(why, len, "'%.*s': unknown %s (use %sa comma "
				 "list of them, or %s)", (int)(k > 40 ? 40 : k),
				 p, what, choices, all_word);
			return -EINVAL;
		}
		m |= 1u << i;
		if (p[k] == '\0')
			break;
		p += k + 1;
	}
	*mask = m;
	return 0;
}

int ctxsw_parse_prims(const char *s, unsigned *mask, char *why, size_t len)
{
	return parse_list(s, prim_names, CTXSW_NPRIM, "all", "primitive", mask,
			  why, len);
}

int ctxsw_parse_pins(const char *s, unsigned *mask, char *why, size_t len)
{
	return parse_list(s, pin_names, CTXSW_NPIN, "both", "placement", mask,
			  why, len);
}

double ctxsw_cost(double handoff_ns, double baseline_ns,
		  double switches_per_handoff, int *per_handoff)
{
	double excess = handoff_ns - baseline_ns;
	int ph = !(isfinite(switches_per_handoff) &&
		   switches_per_handoff >= CTXSW_MIN_SWITCHES);
	if (per_handoff)
		*per_handoff = ph;
	return ph ? excess : excess / switches_per_handoff;
}

uint64_t ctxsw_next_iters(uint64_t n, double elapsed_s, double min_time_s,
			  uint64_t max_n, int *done)
{
	if (max_n < 1)
		max_n = 1;
	if (n < 1)
		n = 1;
	if (!(elapsed_s > 0) || elapsed_s < min_time_s / 20) {
		/* Too short to extrapolate from: the clock and the start-up
		 * would dominate.  Grow and measure again. */
		uint64_t next = n > max_n / 10 ? max_n : n * 10;
		*done = next >= max_n;
		return next;
	}
	*done = 1;
	double want = ceil((double)n * min_time_s / elapsed_s);
	if (!(want >= 1))
		return 1;
	return want >= (double)max_n ? max_n : (uint64_t)want;
}

/* ---- what the processes share ----------------------------------------- */

/* One page, mmap(MAP_SHARED | MAP_ANONYMOUS) before fork: no name, nothing
 * to clean up but the mapping. */
struct page {
	struct proc_barrier start; /* both sides set up: go */
	sem_t sem[2];              /* sem: one per direction, value 0 */
	uint32_t futex_word[2];    /* futex: tokens sent in each direction */
	uint64_t wall_ns;          /* ping's timed loop */
	struct {
		uint64_t vcsw, ivcsw;  /* getrusage deltas, timed loop */
		int cpu;               /* sched_getcpu() after it */
	} side[2];
	char err[2][sizeof(struct ipc_err)]; /* why a side failed */
};

/* Direction 0 carries the token ping -> pong, direction 1 pong -> ping. */
struct chan {
	struct page *pg;
	int pipe_fd[2][2];         /* pipe: [dir][0] read end, [1] write end */
	int event_fd[2];           /* eventfd: one per direction */
	uint32_t futex_seen[2];    /* futex: tokens this process took per dir */
	int sems;                  /* sem: how many sem_init succeeded */
};

struct prim {
	/* before fork: make the objects (c->pg is mapped and zeroed) */
	int (*open)(struct chan *c, struct ipc_err *e);
	/* hand the token on in direction dir; never blocks */
	int (*notify)(struct chan *c, int dir, struct ipc_err *e);
	/* take the token of direction dir; blocks until it is there */
	int (*wait)(struct chan *c, int dir, struct ipc_err *e);
	/* after the children are reaped; safe after a partial open */
	void (*close)(struct chan *c);
	const char *how;   /* for --help */
};

/* ---- pipe: one byte through a pipe per direction ---------------------- */

static int pipe_open(struct chan *c, struct ipc_err *e)
{
	for (int d = 0; d < 2; d++)
		if (pipe2(c->pipe_fd[d], O_CLOEXEC) < 0)
			return ipc_errf(e, errno, "pipe2");
	return 0;
}

/* Writing one byte wakes a reader blocked in read(). */
static int pipe_notify(struct chan *c, int dir, struct ipc_err *e)
{
	char token = 't';
	ssize_t n;
	while ((n = write(c->pipe_fd[dir][1], &token, 1)) < 0 && errno == EINTR)
		;
	return n == 1 ? 0 : ipc_errf(e, n < 0 ? errno : EIO, "write(pipe)");
}

/* read() of one byte sleeps while the pipe is empty. */
static int pipe_wait(struct chan *c, int dir, struct ipc_err *e)
{
	char token;
	ssize_t n;
	while ((n = read(c->pipe_fd[dir][0], &token, 1)) < 0 && errno == EINTR)
		;
	if (n == 0)
		return ipc_errf(e, EPIPE, "read(pipe): the peer closed it");
	return n == 1 ? 0 : ipc_errf(e, errno, "read(pipe)");
}

static void pipe_close(struct chan *c)
{
	for (int d = 0; d < 2; d++)
		for (int k = 0; k < 2; k++)
			if (c->pipe_fd[d][k] >= 0) {
				(void)close(c->pipe_fd[d][k]);
				c->pipe_fd[d][k] = -1;
			}
}

/* ---- sem: unnamed POSIX semaphores in the shared page ----------------- */

static int sem_open_pair(struct chan *c, struct ipc_err *e)
{
	/* pshared = 1: the semaphore lives in memory both processes map. */
	for (; c->sems < 2; c->sems++)
		if (sem_init(&c->pg->sem[c->sems], 1, 0) < 0)
			return ipc_errf(e, errno, "sem_init");
	return 0;
}

/* sem_post adds one; glibc enters the kernel (FUTEX_WAKE) only when a
 * process is waiting. */
static int sem_notify(struct chan *c, int dir, struct ipc_err *e)
{
	return sem_post(&c->pg->sem[dir]) == 0 ? 0
						: ipc_errf(e, errno, "sem_post");
}

/* sem_wait takes one, or sleeps in the kernel (FUTEX_WAIT) while it is 0. */
static int sem_take(struct chan *c, int dir, struct ipc_err *e)
{
	while (sem_wait(&c->pg->sem[dir]) < 0)
		if (errno != EINTR)
			return ipc_errf(e, errno, "sem_wait");
	return 0;
}

static void sem_close_pair(struct chan *c)
{
	while (c->sems > 0) /* only those sem_init made */
		(void)sem_destroy(&c->pg->sem[--c->sems]);
}

/* ---- futex: a counter per direction and the raw system call ----------- */

static long futex(uint32_t *word, int op, uint32_t val)
{
	/* No FUTEX_PRIVATE_FLAG: the word is shared by two processes. */
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

static int futex_open(struct chan *c, struct ipc_err *e)
{
	(void)e;
	c->pg->futex_word[0] = c->pg->futex_word[1] = 0;
	c->futex_seen[0] = c->futex_seen[1] = 0;
	return 0;
}

/* Count the token, then FUTEX_WAKE one sleeper (always: the syscall is part
 * of what a blocking handoff costs, and of the baseline). */
static int futex_notify(struct chan *c, int dir, struct ipc_err *e)
{
	uint32_t *w = &c->pg->futex_word[dir];
	__atomic_add_fetch(w, 1, __ATOMIC_RELEASE);
	return futex(w, FUTEX_WAKE, 1) < 0 ? ipc_errf(e, errno, "FUTEX_WAKE")
					    : 0;
}

/* Wait for the word to reach the next count.  FUTEX_WAIT sleeps only while
 * the word still holds the old count (the check is atomic in the kernel,
 * so a wake cannot be missed), else it fails with EAGAIN at once.  No
 * spinning: we always enter the kernel once, as read() on a pipe does. */
static int futex_wait_token(struct chan *c, int dir, struct ipc_err *e)
{
	uint32_t *w = &c->pg->futex_word[dir];
	uint32_t want = ++c->futex_seen[dir];
	do {
		if (futex(w, FUTEX_WAIT, want - 1) < 0 && errno != EAGAIN &&
		    errno != EINTR)
			return ipc_errf(e, errno, "FUTEX_WAIT");
	} while (__atomic_load_n(w, __ATOMIC_ACQUIRE) != want);
	return 0;
}

static void futex_close(struct chan *c)
{
	(void)c; /* nothing but the page */
}

/* ---- eventfd: a kernel counter per direction -------------------------- */

static int eventfd_open(struct chan *c, struct ipc_err *e)
{
	for (int d = 0; d < 2; d++) {
		c->event_fd[d] = eventfd(0, EFD_CLOEXEC);
		if (c->event_fd[d] < 0)
			return ipc_errf(e, errno, "eventfd");
	}
	return 0;
}

/* write() of a uint64_t adds it to the counter and wakes a reader. */
static int eventfd_notify(struct chan *c, int dir, struct ipc_err *e)
{
	uint64_t one = 1;
	ssize_t n;
	while ((n = write(c->event_fd[dir], &one, sizeof(one))) < 0 &&
	       errno == EINTR)
		;
	return n == sizeof(one) ? 0 : ipc_errf(e, n < 0 ? errno : EIO,
					       "write(eventfd)");
}

/* read() returns the counter and resets it to 0; it sleeps while it is 0. */
static int eventfd_wait(struct chan *c, int dir, struct ipc_err *e)
{
	uint64_t v;
	ssize_t n;
	while ((n = read(c->event_fd[dir], &v, sizeof(v))) < 0 && errno == EINTR)
		;
	if (n != sizeof(v))
		return ipc_errf(e, n < 0 ? errno : EIO, "read(eventfd)");
	return v == 1 ? 0 : ipc_errf(e, EPROTO, "read(eventfd): %llu tokens",
				     (unsigned long long)v);
}

static void eventfd_close(struct chan *c)
{
	for (int d = 0; d < 2; d++)
		if (c->event_fd[d] >= 0) {
			(void)close(c->event_fd[d]);
			c->event_fd[d] = -1;
		}
}

static const struct prim prims[CTXSW_NPRIM] = {
	[CTXSW_PIPE] = {pipe_open, pipe_notify, pipe_wait, pipe_close,
			"two pipes, write 1 byte / read 1 byte;\n"
			"           baseline: write then read one pipe"},
	[CTXSW_SEM] = {sem_open_pair, sem_notify, sem_take, sem_close_pair,
		       "two unnamed process-shared sem_t, sem_post / "
		       "sem_wait;\n"
		       "           baseline: post then wait one semaphore "
		       "(glibc's fast path, no system call)"},
	[CTXSW_FUTEX] = {futex_open, futex_notify, futex_wait_token, futex_close,
			 "two futex words, FUTEX_WAKE / FUTEX_WAIT, no "
			 "spinning;\n"
			 "           baseline: a wake with no waiter + a wait "
			 "on a stale value (EAGAIN)"},
	[CTXSW_EVENTFD] = {eventfd_open, eventfd_notify, eventfd_wait,
			   eventfd_close,
			   "two eventfds, write / read a uint64_t;\n"
			   "           baseline: write then read one eventfd"},
};

/* ---- the children ----------------------------------------------------- */

struct job {
	const struct prim *p;
	struct chan *c;
	int side;          /* 0 ping, 1 pong; 0 for the baseline */
	int baseline;      /* 1: one process, no peer */
	int cpu;
	uint64_t warm, n;  /* untimed and timed round trips (or pairs) */
};

/* n round trips: ping notifies then waits, pong waits then notifies. */
static int round_trips(const struct job *j, uint64_t n, struct ipc_err *e)
{
	int rc = 0;
	for (uint64_t i = 0; i < n && rc == 0; i++) {
		if (j->side == 0) {
			rc = j->p->notify(j->c, 0, e);
			if (rc == 0)
				rc = j->p->wait(j->c, 1, e);
		} else {
			rc = j->p->wait(j->c, 0, e);
			if (rc == 0)
				rc = j->p->notify(j->c, 1, e);
		}
	}
	return rc;
}

/* The baseline: n notify + wait pairs on the same channel, nobody else:
 * the token is always there when we wait, so nothing ever blocks. */
static int pairs_alone(const struct job *j, uint64_t n, struct ipc_err *e)
{
	int rc = 0;
	for (uint64_t i = 0; i < n && rc == 0; i++) {
		rc = j->p->notify(j->c, 0, e);
		if (rc == 0)
			rc = j->p->wait(j->c, 0, e);
	}
	return rc;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void child_main(const struct job *j, double timeout_s)
	__attribute__((noreturn));
static void child_main(const struct job *j, double timeout_s)
{
	struct page *pg = j->c->pg;
	struct ipc_err e = {{0}};
	struct rusage r0, r1;
	int (*loop)(const struct job *, uint64_t, struct ipc_err *) =
		j->baseline ? pairs_alone : round_trips;

	int rc = proc_pin(j->cpu, &e);
	if (rc == 0 && !j->baseline) /* both pinned and ready: go */
		rc = proc_barrier_wait(&pg->start, timeout_s, &e);
	/* Warm-up: caches, TLB, the wake-up path, and for split CPUs the
	 * peer's CPU out of its deepest idle state. */
	if (rc == 0)
		rc = loop(j, j->warm, &e);
	if (rc == 0 && getrusage(RUSAGE_SELF, &r0) < 0)
		rc = ipc_errf(&e, errno, "getrusage");
	if (rc == 0) {
		uint64_t t0 = mono_ns();
		rc = loop(j, j->n, &e);
		uint64_t t1 = mono_ns();
		if (j->side == 0)
			pg->wall_ns = t1 - t0;
	}
	if (rc == 0 && getrusage(RUSAGE_SELF, &r1) < 0)
		rc = ipc_errf(&e, errno, "getrusage");
	if (rc == 0) {
		pg->side[j->side].vcsw = (uint64_t)(r1.ru_nvcsw - r0.ru_nvcsw);
		pg->side[j->side].ivcsw = (uint64_t)(r1.ru_nivcsw - r0.ru_nivcsw);
		pg->side[j->side].cpu = sched_getcpu();
	}
	if (rc < 0)
		snprintf(pg->err[j->side], sizeof(pg->err[j->side]), "%s",
			 e.msg);
	_exit(rc < 0 ? 1 : 0);
}

/* ---- one measured run ------------------------------------------------- */

/* What one run measured (a ping-pong or a baseline). */
struct run_out {
	uint64_t n, wall_ns;
	uint64_t vcsw[2], ivcsw[2];
	int cpu[2];
};

/*
 * Fork the ping and pong processes (or the one baseline process), let them
 * run warm + n round trips (pairs), reap them with a deadline.  cpu[] are
 * the CPUs of ping and pong.  0, or -errno with the reason in why.
 */
static int measure(const struct prim *p, int baseline, const int cpu[2],
		   uint64_t warm, uint64_t n, double timeout_s,
		   struct run_out *out, char *why, size_t len)
{
	static const char *const who[2] = {"ping", "pong"};
	struct chan c = {.pipe_fd = {{-1, -1}, {-1, -1}}, .event_fd = {-1, -1}};
	struct ipc_err e = {{0}};
	pid_t pid[2] = {-1, -1};
	int nproc = baseline ? 1 : 2, rc;

	if (run_stop)
		goto interrupted;
	c.pg = mmap(NULL, sizeof(*c.pg), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c.pg == MAP_FAILED) {
		rc = -errno;
		snprintf(why, len, "mmap(shared page): %s (%s)",
			 ipc_errno_name(errno), strerror(errno));
		return rc;
	}
	proc_barrier_init(&c.pg->start, 2);
	rc = p->open(&c, &e);
	if (rc < 0) {
		snprintf(why, len, "%s", e.msg);
		goto out_close;
	}

	for (int i = 0; i < nproc; i++) {
		rc = proc_fork(&pid[i], &e);
		if (rc < 0) {
			snprintf(why, len, "%s", e.msg);
			if (i == 1) {
				int st[1];
				(void)proc_reap(pid, 1, 0, &c.pg->start, st,
						NULL);
			}
			goto out_close;
		}
		if (pid[i] == 0) {
			struct job j = {p, &c, i, baseline, cpu[i], warm, n};
			child_main(&j, timeout_s);
		}
	}

	int status[2], cause;
	rc = proc_reap(pid, nproc, timeout_s, &c.pg->start, status, &cause);
	if (rc == -ETIMEDOUT) {
		snprintf(why, len, "not finished after %.3g s (a stuck peer, "
			 "or see --timeout); every process of it was killed",
			 timeout_s);
	} else if (rc == -ECHILD) {
		const char *name = baseline ? "baseline" : who[cause];
		if (c.pg->err[cause][0])
			snprintf(why, len, "%s: %s", name, c.pg->err[cause]);
		else
			proc_describe(why, len, name, status[cause]);
		rc = -EIO;
	} else if (rc == 0) {
		out->n = n;
		out->wall_ns = c.pg->wall_ns;
		for (int i = 0; i < 2; i++) {
			out->vcsw[i] = i < nproc ? c.pg->side[i].vcsw : 0;
			out->ivcsw[i] = i < nproc ? c.pg->side[i].ivcsw : 0;
			out->cpu[i] = i < nproc ? c.pg->side[i].cpu : -1;
		}
	}

out_close:
	p->close(&c);
	/* No barrier to destroy: a child killed inside it holds nothing. */
	(void)munmap(c.pg, sizeof(*c.pg));
	if (rc != -EINTR)
		return rc;
interrupted:
	snprintf(why, len, "interrupted by %s",
		 sigabbrev_np(run_stop) ? sigabbrev_np(run_stop) : "a signal");
	return -EINTR;
}

/* ---- one row: a primitive at a placement ------------------------------ */

struct opts {
	unsigned prims, pins;
	uint64_t iters;       /* 0: calibrate with min_time */
	double min_time;
	unsigned reps;
	double timeout;       /* 0: automatic */
	enum { FMT_TABLE, FMT_CSV, FMT_JSON } fmt;
	const char *output;
};

struct rep {
	struct run_out pp, base;
	double rtt, handoff, base_pair, csw, vcsw, ivcsw, cost;
};

struct row {
	enum ctxsw_prim prim;
	enum ctxsw_pin pin;
	int cpu[2];                /* requested */
	enum { ROW_OK, ROW_SKIPPED, ROW_ERROR } status;
	char reason[512];
	uint64_t round_trips, base_pairs;
	unsigned nreps;
	struct rep *reps;
	struct stats_summary rtt, handoff, base, cost;
	double vcsw, ivcsw, csw;   /* per handoff, both processes, medians */
	double side_csw[2][2];     /* [ping/pong][vol/invol], median totals */
	int per_handoff;           /* the cost is per handoff, not per switch */
};

static uint64_t warm_for(uint64_t n, uint64_t lo, uint64_t hi)
{
	uint64_t w = n / 10;
	return w < lo ? lo : w > hi ? hi : w;
}

static double timeout_for(const struct opts *o, uint64_t total)
{
	/* Generous: 1 ms per round trip is 20x the slowest cross-CPU
	 * handoff seen here, plus time to fork and pin. */
	return o->timeout > 0 ? o->timeout : 10.0 + 1e-3 * (double)total;
}

/* Find n for one run of about --min-time (or take --iters). */
static int calibrate(const struct opts *o, const struct prim *p, int baseline,
		     const int cpu[2], uint64_t *n_out, char *why, size_t len)
{
	uint64_t n = baseline ? 1000 : 100;
	int done = 0;
	while (!done) {
		struct run_out r;
		uint64_t warm = warm_for(n, 50, 1000);
		int rc = measure(p, baseline, cpu, warm, n,
				 timeout_for(o, n + warm), &r, why, len);
		if (rc < 0)
			return rc;
		n = ctxsw_next_iters(n, (double)r.wall_ns * 1e-9, o->min_time,
				     MAX_ITERS, &done);
	}
	*n_out = n;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static double median_u64(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	if (n % 2)
		return (double)v[n / 2];
	return ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

/* Fill the derived figures of every repetition and the row's summaries. */
static int summarize_row(struct row *r, char *why, size_t len)
{
	unsigned n = r->nreps;
	double *v[4];
	for (int k = 0; k < 4; k++)
		v[k] = calloc(n, sizeof(double));
	double *csw = calloc(n, sizeof(double));
	double *vc = calloc(n, sizeof(double));
	double *ic = calloc(n, sizeof(double));
	uint64_t *raw = calloc(n, sizeof(uint64_t));
	int rc = 0;
	if (!v[0] || !v[1] || !v[2] || !v[3] || !csw || !vc || !ic || !raw) {
		snprintf(why, len, "out of memory");
		rc = -ENOMEM;
		goto out_free;
	}
	for (unsigned i = 0; i < n; i++) {
		struct rep *p = &r->reps[i];
		double handoffs = 2.0 * (double)p->pp.n;
		p->rtt = (double)p->pp.wall_ns / (double)p->pp.n;
		p->handoff = p->rtt / 2;
		p->base_pair = (double)p->base.wall_ns / (double)p->base.n;
		p->vcsw = (double)(p->pp.vcsw[0] + p->pp.vcsw[1]) / handoffs;
		p->ivcsw = (double)(p->pp.ivcsw[0] + p->pp.ivcsw[1]) / handoffs;
		p->csw = p->vcsw + p->ivcsw;
		csw[i] = p->csw;
		vc[i] = p->vcsw;
		ic[i] = p->ivcsw;
	}
	r->csw = stats_median(csw, n);
	r->vcsw = stats_median(vc, n);
	r->ivcsw = stats_median(ic, n);
	/* One basis for the whole row, chosen by its median. */
	(void)ctxsw_cost(1, 0, r->csw, &r->per_handoff);
	for (unsigned i = 0; i < n; i++) {
		struct rep *p = &r->reps[i];
		p->cost = (p->handoff - p->base_pair) /
			  (r->per_handoff ? 1.0 : p->csw);
		v[0][i] = p->rtt;
		v[1][i] = p->handoff;
		v[2][i] = p->base_pair;
		v[3][i] = p->cost;
	}
	struct stats_summary *dst[4] = {&r->rtt, &r->handoff, &r->base,
					&r->cost};
	for (int k = 0; k < 4 && rc == 0; k++)
		if (stats_summarize(v[k], n, dst[k]) < 0) {
			snprintf(why, len, "statistics failed (a NaN?)");
			rc = -EINVAL;
		}
	for (int s = 0; s < 2; s++) {
		for (unsigned i = 0; i < n; i++)
			raw[i] = r->reps[i].pp.vcsw[s];
		r->side_csw[s][0] = median_u64(raw, n);
		for (unsigned i = 0; i < n; i++)
			raw[i] = r->reps[i].pp.ivcsw[s];
		r->side_csw[s][1] = median_u64(raw, n);
	}
out_free:
	for (int k = 0; k < 4; k++)
		free(v[k]);
	free(csw);
	free(vc);
	free(ic);
	free(raw);
	return rc;
}

/* Calibrate, then --reps times: baseline, ping-pong (interleaved, so that
 * slow drift of the machine affects both alike). */
static void measure_row(const struct opts *o, const int cpus[], int ncpus,
			struct row *r)
{
	const struct prim *p = &prims[r->prim];
	int rc;
	r->cpu[0] = cpus[0];
	r->cpu[1] = r->pin == CTXSW_SAME ? cpus[0] : ncpus > 1 ? cpus[1] : -1;
	if (r->pin == CTXSW_SPLIT && ncpus < 2) {
		r->status = ROW_SKIPPED;
		snprintf(r->reason, sizeof(r->reason), "split needs two CPUs; "
			 "this process may run on CPU %d only", cpus[0]);
		return;
	}
	int base_cpu[2] = {r->cpu[0], r->cpu[0]};
	if (o->iters) {
		r->round_trips = o->iters;
		r->base_pairs = 2 * o->iters; /* one pair per handoff */
	} else {
		rc = calibrate(o, p, 0, r->cpu, &r->round_trips, r->reason,
			       sizeof(r->reason));
		if (rc == 0)
			rc = calibrate(o, p, 1, base_cpu, &r->base_pairs,
				       r->reason, sizeof(r->reason));
		if (rc < 0) {
			r->status = ROW_ERROR;
			return;
		}
	}
	r->reps = calloc(o->reps, sizeof(*r->reps));
	if (!r->reps) {
		r->status = ROW_ERROR;
		snprintf(r->reason, sizeof(r->reason), "out of memory");
		return;
	}
	uint64_t wpp = warm_for(r->round_trips, 50, 1000);
	uint64_t wb = warm_for(r->base_pairs, 100, 10000);
	for (unsigned i = 0; i < o->reps; i++) {
		struct rep *x = &r->reps[i];
		char why[400];
		rc = measure(p, 1, base_cpu, wb, r->base_pairs,
			     timeout_for(o, r->base_pairs + wb), &x->base, why,
			     sizeof(why));
		if (rc == 0)
			rc = measure(p, 0, r->cpu, wpp, r->round_trips,
				     timeout_for(o, r->round_trips + wpp),
				     &x->pp, why, sizeof(why));
		if (rc < 0) {
			r->status = ROW_ERROR;
			snprintf(r->reason, sizeof(r->reason),
				 "repetition %u: %s", i + 1, why);
			return;
		}
		if (x->pp.wall_ns == 0 || x->base.wall_ns == 0) {
			r->status = ROW_ERROR;
			snprintf(r->reason, sizeof(r->reason), "repetition %u: "
				 "a timed loop took 0 ns (clock?)", i + 1);
			return;
		}
		r->nreps++;
	}
	if (summarize_row(r, r->reason, sizeof(r->reason)) < 0)
		r->status = ROW_ERROR;
}

/* ---- output ----------------------------------------------------------- */

static const char formula[] =
	"ns per context switch = (handoff - baseline) / (context switches "
	"per handoff)";

static void fmt_mmm(char *buf, size_t len, const struct stats_summary *s)
{
	snprintf(buf, len, "%.0f [%.0f..%.0f]", s->median, s->min, s->max);
}

static void table_header(FILE *f, const struct opts *o)
{
	fprintf(f,
		"%s: a token passed back and forth between two processes; "
		"%u repetition%s each, median [min..max]\n"
		"  handoff  = round trip / 2 (one process hands the token to "
		"the other)\n"
		"  baseline = one notify + one wait in a single process with "
		"no peer: the calls without a switch\n"
		"  %s\n"
		"  switches = voluntary + involuntary, both processes, counted "
		"with getrusage over the timed loop\n"
		"  split CPUs: the cost includes the cross-CPU wake-up (IPI, "
		"idle exit); same CPU: caches stay warm (the minimal switch)\n"
		"\n",
		"ipclab " CMD, o->reps, o->reps == 1 ? "" : "s", formula);
	fprintf(f, "%-9s %-5s %-4s %11s  %-26s %8s %7s %7s %9s  %s\n",
		"primitive", "pin", "cpus", "round trips", "ns/round trip",
		"ns/hoff", "vcsw/h", "ivcsw/h", "base ns", "ns/switch");
}

static void table_row(FILE *f, const struct row *r)
{
	char cpus[16], rtt[48], cost[48];
	if (r->status != ROW_OK) {
		fprintf(f, "%-9s %-5s %-4s %s: %s\n", ctxsw_prim_name(r->prim),
			ctxsw_pin_name(r->pin), "-",
			r->status == ROW_SKIPPED ? "skipped" : "error",
			r->reason);
		return;
	}
	snprintf(cpus, sizeof(cpus), "%d,%d", r->reps[0].pp.cpu[0],
		 r->reps[0].pp.cpu[1]);
	fmt_mmm(rtt, sizeof(rtt), &r->rtt);
	fmt_mmm(cost, sizeof(cost), &r->cost);
	fprintf(f, "%-9s %-5s %-4s %11llu  %-26s %8.0f %7.2f %7.2f %9.0f  %s%s\n",
		ctxsw_prim_name(r->prim), ctxsw_pin_name(r->pin), cpus,
		(unsigned long long)r->round_trips, rtt, r->handoff.median,
		r->vcsw, r->ivcsw, r->base.median, cost,
		r->per_handoff ? " *per handoff" : "");
	fflush(f);
}

static void table_footer(FILE *f, const struct row *rows, size_t n)
{
	int ph = 0, sem = 0;
	for (size_t i = 0; i < n; i++) {
		ph |= rows[i].status == ROW_OK && rows[i].per_handoff;
		sem |= rows[i].status == ROW_OK && rows[i].prim == CTXSW_SEM;
	}
	if (ph)
		fprintf(f, "\n*per handoff: fewer than %.1f switches per "
			"handoff were counted (the peer was often still "
			"running, so a handoff needed no switch); the figure is "
			"handoff - baseline, not divided.\n",
			CTXSW_MIN_SWITCHES);
	if (sem)
		fprintf(f, "%ssem: the baseline is glibc's fast path (no "
			"system call), so its ns/switch also holds the "
			"FUTEX_WAIT/FUTEX_WAKE a blocking handoff makes.\n",
			ph ? "" : "\n");
}

static const char csv_columns[] =
	"primitive,pin,status,reason,cpu_ping,cpu_pong,reps,round_trips,"
	"rtt_median_ns,rtt_min_ns,rtt_max_ns,handoff_median_ns,"
	"handoff_min_ns,handoff_max_ns,vcsw_per_handoff,ivcsw_per_handoff,"
	"csw_per_handoff,ping_vcsw,ping_ivcsw,pong_vcsw,pong_ivcsw,"
	"baseline_pairs,baseline_pair_median_ns,baseline_pair_min_ns,"
	"baseline_pair_max_ns,switch_median_ns,switch_min_ns,switch_max_ns,"
	"switch_basis";

static void csv_row(FILE *f, const struct row *r)
{
	static const char *const st[] = {"ok", "skipped", "error"};
	fprintf(f, "%s,%s,%s,", ctxsw_prim_name(r->prim),
		ctxsw_pin_name(r->pin), st[r->status]);
	record_csv_string(f, r->reason);
	if (r->status != ROW_OK) {
		/* as many empty fields as the header has after reason */
		for (const char *c = strstr(csv_columns, "reason,"); *c; c++)
			if (*c == ',')
				fputc(',', f);
		fputc('\n', f);
		return;
	}
	fprintf(f, ",%d,%d,%u,%llu,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.4f,%.4f,"
		"%.4f,%.0f,%.0f,%.0f,%.0f,%llu,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%s\n",
		r->reps[0].pp.cpu[0], r->reps[0].pp.cpu[1], r->nreps,
		(unsigned long long)r->round_trips, r->rtt.median, r->rtt.min,
		r->rtt.max, r->handoff.median, r->handoff.min, r->handoff.max,
		r->vcsw, r->ivcsw, r->csw, r->side_csw[0][0], r->side_csw[0][1],
		r->side_csw[1][0], r->side_csw[1][1],
		(unsigned long long)r->base_pairs, r->base.median, r->base.min,
		r->base.max, r->cost.median, r->cost.min, r->cost.max,
		r->per_handoff ? "handoff" : "switch");
	fflush(f);
}

static void json_header(FILE *f, const struct opts *o, int ncpus,
			double load)
{
	struct utsname u;
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	fprintf(f, "{\"context\":{\"command\":\"ctxsw\",\"formula\":");
	json_write_string(f, formula);
	fprintf(f, ",\"reps\":%u,", o->reps);
	if (o->iters)
		fprintf(f, "\"iters\":%llu,\"min_time_s\":null,",
			(unsigned long long)o->iters);
	else
		fprintf(f, "\"iters\":null,\"min_time_s\":%g,", o->min_time);
	fprintf(f, "\"cpus_allowed\":%d,\"loadavg_1min\":%.2f,\"kernel\":",
		ncpus, load);
	json_write_string(f, u.release);
	fprintf(f, ",\"min_switches_per_handoff\":%g},\n\"results\":[",
		CTXSW_MIN_SWITCHES);
}

static void json_summary(FILE *f, const char *name,
			 const struct stats_summary *s)
{
	fprintf(f, ",\"%s_median_ns\":%.1f,\"%s_min_ns\":%.1f,\"%s_max_ns\":%.1f",
		name, s->median, name, s->min, name, s->max);
}

static void json_row(FILE *f, const struct row *r, int first)
{
	static const char *const st[] = {"ok", "skipped", "error"};
	fprintf(f, "%s\n{\"primitive\":\"%s\",\"pin\":\"%s\",\"status\":\"%s\","
		"\"reason\":", first ? "" : ",", ctxsw_prim_name(r->prim),
		ctxsw_pin_name(r->pin), st[r->status]);
	json_write_string(f, r->reason);
	if (r->status == ROW_OK) {
		fprintf(f, ",\"round_trips\":%llu,\"baseline_pairs\":%llu",
			(unsigned long long)r->round_trips,
			(unsigned long long)r->base_pairs);
		json_summary(f, "rtt", &r->rtt);
		json_summary(f, "handoff", &r->handoff);
		json_summary(f, "baseline_pair", &r->base);
		json_summary(f, "switch", &r->cost);
		fprintf(f, ",\"vcsw_per_handoff\":%.4f,\"ivcsw_per_handoff\":"
			"%.4f,\"csw_per_handoff\":%.4f,\"switch_basis\":\"%s\","
			"\"repetitions\":[", r->vcsw, r->ivcsw, r->csw,
			r->per_handoff ? "handoff" : "switch");
		for (unsigned i = 0; i < r->nreps; i++) {
			const struct rep *x = &r->reps[i];
			fprintf(f, "%s{\"wall_ns\":%llu,\"cpu_ping\":%d,"
				"\"cpu_pong\":%d,\"ping_vcsw\":%llu,"
				"\"ping_ivcsw\":%llu,\"pong_vcsw\":%llu,"
				"\"pong_ivcsw\":%llu,\"baseline_wall_ns\":%llu,"
				"\"baseline_vcsw\":%llu,\"baseline_ivcsw\":%llu,"
				"\"switch_ns\":%.1f}",
				i ? "," : "", (unsigned long long)x->pp.wall_ns,
				x->pp.cpu[0], x->pp.cpu[1],
				(unsigned long long)x->pp.vcsw[0],
				(unsigned long long)x->pp.ivcsw[0],
				(unsigned long long)x->pp.vcsw[1],
				(unsigned long long)x->pp.ivcsw[1],
				(unsigned long long)x->base.wall_ns,
				(unsigned long long)x->base.vcsw[0],
				(unsigned long long)x->base.ivcsw[0], x->cost);
		}
		fprintf(f, "]");
	}
	fprintf(f, "}");
	fflush(f);
}

/* ---- options ---------------------------------------------------------- */

static void help(FILE *f)
{
	fprintf(f,
		"usage: ipclab ctxsw [--primitive pipe,sem,futex,eventfd|all] "
		"[--pin same,split|both]\n"
		"                    [--iters N | --min-time SEC] [--reps N] "
		"[--format table|csv|json] [-o FILE]\n"
		"                    [--timeout SEC]\n"
		"What a context switch costs: two processes (fork) pass a "
		"token back and forth through a\n"
		"notification primitive, pinned to one CPU (every handoff is a "
		"switch) or to two (every\n"
		"handoff is a cross-CPU wake-up).  The same calls in one "
		"process with no peer are the\n"
		"baseline, measured in the same run and shown beside the "
		"result:\n\n"
		"  %s\n\n"
		"handoff = round trip / 2; context switches (voluntary + "
		"involuntary, both processes) are\n"
		"counted with getrusage over the timed loop, not assumed (on "
		"one CPU the kernel often\n"
		"preempts the process that wakes its peer, so about half of "
		"them are involuntary).\n"
		"Where fewer than %.1f switches per handoff are counted (split "
		"CPUs, when the peer is\n"
		"still running) a handoff did not always switch: the figure is "
		"then handoff - baseline\n"
		"per handoff, marked so.  On one CPU the caches stay warm: "
		"this is the minimal switch\n"
		"(lmbench's lat_ctx adds a working set).  Across CPUs it "
		"includes the wake-up of the\n"
		"other CPU (an inter-processor interrupt, leaving idle).\n\n"
		"primitives:\n", formula, CTXSW_MIN_SWITCHES);
	for (int i = 0; i < CTXSW_NPRIM; i++)
		fprintf(f, "  %-8s %s\n", prim_names[i], prims[i].how);
	fprintf(f,
		"\noptions:\n"
		"  -p, --primitive LIST  pipe, sem, futex, eventfd, a comma "
		"list, or all (default all)\n"
		"      --pin LIST        same (both on the first allowed CPU), "
		"split (the first two),\n"
		"                        same,split or both (default both); "
		"split on one CPU is skipped\n"
		"  -n, --iters N         round trips per repetition (the "
		"baseline: 2N pairs), instead\n"
		"                        of --min-time\n"
		"      --min-time SEC    calibrate the count so that a "
		"repetition lasts SEC (default %g)\n"
		"  -r, --reps N          timed repetitions, each a baseline and "
		"a ping-pong (default %u)\n"
		"  -f, --format FMT      table, csv or json (default table)\n"
		"  -o, --output FILE     write there instead of stdout\n"
		"      --timeout SEC     kill a measurement's processes after "
		"SEC (default 10 s + 1 ms\n"
		"                        per round trip); the run then fails\n"
		"  -h, --help            this text\n\n"
		"Exit status: 0 ok, 1 a measurement failed, 2 bad usage, 77 "
		"every row was skipped,\n128 + N stopped by signal N "
		"(SIGINT 130, SIGTERM 143) after the rows so far.\n",
		DEFAULT_MIN_TIME, DEFAULT_REPS);
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say_verr(CMD, fmt, ap);
	va_end(ap);
	return 2;
}

/* 0 parsed, 1 --help shown, 2 bad usage (message printed). */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_PIN = 256, OPT_MIN_TIME, OPT_TIMEOUT };
	static const struct option longopts[] = {
		{"primitive", required_argument, NULL, 'p'},
		{"pin", required_argument, NULL, OPT_PIN},
		{"iters", required_argument, NULL, 'n'},
		{"min-time", required_argument, NULL, OPT_MIN_TIME},
		{"reps", required_argument, NULL, 'r'},
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char why[256];
	uint64_t u;
	int c, have_min_time = 0;
	*o = (struct opts){.prims = (1u << CTXSW_NPRIM) - 1,
			   .pins = (1u << CTXSW_NPIN) - 1,
			   .min_time = DEFAULT_MIN_TIME, .reps = DEFAULT_REPS,
			   .fmt = FMT_TABLE};
	optind = 0; /* reset getopt: another command may have used it */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:n:r:f:o:h", longopts,
				NULL)) != -1) {
		const char *name = optind > 0 ? argv[optind - 1] : "";
		switch (c) {
		case 'p':
			if (ctxsw_parse_prims(optarg, &o->prims, why, sizeof(why)))
				return bad("--primitive %s: %s", optarg, why);
			break;
		case OPT_PIN:
			if (ctxsw_parse_pins(optarg, &o->pins, why, sizeof(why)))
				return bad("--pin %s: %s", optarg, why);
			break;
		case 'n':
			if (units_parse_uint(optarg, 1, MAX_ITERS, &u, why,
					     sizeof(why)))
				return bad("--iters %s: %s", optarg, why);
			o->iters = u;
			break;
		case OPT_MIN_TIME:
			if (units_parse_seconds(optarg, &o->min_time, why,
						sizeof(why)) ||
			    o->min_time < 1e-3 || o->min_time > 60)
				return bad("--min-time %s: expected a duration "
					   "from 1ms to 60s (e.g. 0.2, 500ms)",
					   optarg);
			have_min_time = 1;
			break;
		case 'r':
			if (units_parse_uint(optarg, 1, MAX_REPS, &u, why,
					     sizeof(why)))
				return bad("--reps %s: %s", optarg, why);
			o->reps = (unsigned)u;
			break;
		case 'f':
			if (strcmp(optarg, "table") == 0)
				o->fmt = FMT_TABLE;
			else if (strcmp(optarg, "csv") == 0)
				o->fmt = FMT_CSV;
			else if (strcmp(optarg, "json") == 0)
				o->fmt = FMT_JSON;
			else
				return bad("--format %s: unknown format (use "
					   "table, csv or json)", optarg);
			break;
		case 'o':
			if (!optarg[0])
				return bad("--output '': expected a file name");
			o->output = optarg;
			break;
		case OPT_TIMEOUT:
			if (units_parse_seconds(optarg, &o->timeout, why,
						sizeof(why)))
				return bad("--timeout %s: %s", optarg, why);
			break;
		case 'h':
			help(stdout);
			return 1;
		case ':':
			if (strncmp(name, "--", 2) == 0)
				return bad("option %.*s needs a value (see "
					   "--help)", (int)strcspn(name, "="),
					   name);
			return bad("option -%c needs a value (see --help)",
				   optopt);
		default:
			if (optopt && strncmp(name, "--", 2) == 0 &&
			    strchr(name, '='))
				return bad("option %.*s takes no value (see "
					   "--help)", (int)strcspn(name, "="),
					   name);
			if (optopt && strncmp(name, "--", 2) != 0)
				return bad("unknown option -%c (see --help)",
					   optopt);
			return bad("unknown option %.*s (see --help)",
				   (int)strcspn(name, "="), name);
		}
	}
	if (optind < argc)
		return bad("unexpected argument '%s' (see --help)", argv[optind]);
	if (o->iters && have_min_time)
		return bad("--iters %llu with --min-time: give one of them, "
			   "not both", (unsigned long long)o->iters);
	return 0;
}

/* The 1-minute load average, or -1 when /proc/loadavg cannot be read. */
static double load_average(void)
{
	double load = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &load) != 1)
			load = -1;
		fclose(f);
	}
	return load;
}

/* ---- the command ------------------------------------------------------ */

int ctxsw_main(int argc, char **argv)
{
	struct opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : rc;

	cpu_set_t set;
	int cpus[2] = {-1, -1}, ncpus = 0;
	if (sched_getaffinity(0, sizeof(set), &set) < 0) {
		say_err(CMD, "sched_getaffinity: %s (%s)",
			ipc_errno_name(errno), strerror(errno));
		return 1;
	}
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set) && ncpus++ < 2)
			cpus[ncpus - 1] = i;

	FILE *out = stdout;
	if (o.output) {
		out = fopen(o.output, "w");
		if (!out)
			return bad("--output %s: %s (%s)", o.output,
				   ipc_errno_name(errno), strerror(errno));
	}

	size_t nrows = 0;
	struct row rows[CTXSW_NPRIM * CTXSW_NPIN];
	memset(rows, 0, sizeof(rows));
	for (int pr = 0; pr < CTXSW_NPRIM; pr++)
		for (int pn = 0; pn < CTXSW_NPIN; pn++)
			if ((o.prims >> pr & 1) && (o.pins >> pn & 1)) {
				rows[nrows].prim = (enum ctxsw_prim)pr;
				rows[nrows].pin = (enum ctxsw_pin)pn;
				nrows++;
			}

	/* Other programs on the CPUs make a woken process wait for its turn:
	 * that shows up as a slower handoff, not as more switches of ours. */
	double load = load_average();
	if (load >= 1.0)
		say_err(CMD, "warning: the machine is busy (load average "
			"%.1f, %d CPU%s allowed): handoffs include waiting "
			"for other programs; measure on an idle machine",
			load, ncpus, ncpus == 1 ? "" : "s");

	if (o.fmt == FMT_TABLE)
		table_header(out, &o);
	else if (o.fmt == FMT_CSV)
		fprintf(out, "%s\n", csv_columns);
	else
		json_header(out, &o, ncpus, load);
	fflush(out);

	int errors = 0, skipped = 0;
	run_catch_signals();
	for (size_t i = 0; i < nrows && !run_stop; i++) {
		struct row *r = &rows[i];
		measure_row(&o, cpus, ncpus, r);
		if (o.fmt == FMT_TABLE)
			table_row(out, r);
		else if (o.fmt == FMT_CSV)
			csv_row(out, r);
		else
			json_row(out, r, i == 0);
		if (r->status == ROW_ERROR) {
			errors++;
			say_err(CMD, "%s, pin %s: %s", ctxsw_prim_name(r->prim),
				ctxsw_pin_name(r->pin), r->reason);
		} else if (r->status == ROW_SKIPPED) {
			skipped++;
			if (o.fmt != FMT_TABLE || out != stdout)
				say_err(CMD, "%s, pin %s: skipped: %s",
					ctxsw_prim_name(r->prim),
					ctxsw_pin_name(r->pin), r->reason);
		} else if (r->pin == CTXSW_SAME && r->csw < 0.5) {
			/* On one CPU the waiter cannot run until the other
			 * blocks: no switches means the loop did not block. */
			say_err(CMD, "warning: %s, pin same: only %.2f "
				"context switches per handoff; the processes "
				"did not block as they must",
				ctxsw_prim_name(r->prim), r->csw);
		}
	}
	if (o.fmt == FMT_TABLE)
		table_footer(out, rows, nrows);
	else if (o.fmt == FMT_JSON)
		fprintf(out, "\n]}\n");
	for (size_t i = 0; i < nrows; i++)
		free(rows[i].reps);

	if (out != stdout ? fclose(out) != 0 : fflush(out) != 0) {
		say_err(CMD, "writing %s: %s",
			o.output ? o.output : "stdout", strerror(errno));
		return 1;
	}
	if (run_stop)
		return 128 + run_stop;
	if (errors)
		return 1;
	return skipped == (int)nrows ? 77 : 0;
}
