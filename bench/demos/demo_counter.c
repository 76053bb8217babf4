/*
 * demo_counter.c - `ipclab demo counter`: the race on a shared counter.
 *
 * What is shared: one page of POSIX shared memory holding a counter, a
 * process-shared semaphore (value 1: a lock) and a start line.  The parent
 * makes the page, forks two processes, and both add 1 to the counter N times.
 * Adding 1 is three steps - read the counter, compute the new value, write it
 * back - and nothing stops the other process from doing the same three steps
 * in between:
 *
 *     process A            process B            counter
 *     read 41                                   41
 *                          read 41              41
 *     write 42                                  42
 *                          write 42             42   <- one update lost
 *
 * With --sync sem each process takes the semaphore (sem_wait) before reading
 * and gives it back (sem_post) after writing, so the three steps of one
 * process never interleave with those of the other: the count is exact.
 *
 * A race needs both processes inside the window at the same moment, so it
 * does not show on every run: a larger -n, more --work or --yield (give the
 * CPU away inside the window, as a timer interrupt might) make it likelier.
 *
 *   ipclab demo counter -n 100000
 */
#include "demo.h"
#include "proc.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

enum sync_mode { SYNC_NONE, SYNC_SEM, SYNC_BOTH };

#define NPROC 2
/* Generous: a million increments with the semaphore take seconds. */
#define TIMEOUT_S 600

struct counter_page {
	long counter;  /* the shared variable */
	sem_t lock;    /* process-shared semaphore, 1 = free (--sync sem) */
	struct proc_barrier start; /* the start line */
	double t_start[NPROC], t_end[NPROC]; /* each process's counting loop */
};

struct counter_job {
	struct counter_page *page;
	enum sync_mode sync;
	long n;      /* increments per process */
	long work;   /* steps of work between the read and the write */
	int yield;   /* sched_yield() between the read and the write */
	int id;      /* 0 or 1 */
};

/*
 * The counter is read and written with two separate atomic accesses: each
 * access is whole and really goes to memory (the compiler may not keep the
 * counter in a register, nor fuse the loop into one addition), but the pair
 * is not atomic - exactly like `counter++` on a real machine, without the
 * undefined behaviour a plain C data race would have.
 */
static long read_counter(const long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void write_counter(long *c, long v)
{
	__atomic_store_n(c, v, __ATOMIC_RELAXED);
}

/* Stand-in for what real code does between reading and writing a shared
 * value (check a limit, format a record): it keeps the window open. */
static long compute_new_value(long v, long work)
{
	volatile long scratch = 0;
	for (long s = 0; s < work; s++)
		scratch += s;
	return v + 1;
}

static int count(void *arg)
{
	struct counter_job *j = arg;
	struct counter_page *p = j->page;

	/* Start line: both processes begin together, otherwise the first one
	 * might finish before the second is even forked, and nothing races. */
	struct ipc_err e;
	if (proc_barrier_wait(&p->start, TIMEOUT_S, &e) < 0) {
		demo_err("counter", "%s\n", e.msg);
		return 1;
	}

	p->t_start[j->id] = demo_now();
	for (long i = 0; i < j->n; i++) {
		if (j->sync == SYNC_SEM && demo_sem_wait(&p->lock) < 0) {
			demo_err("counter", "sem_wait: %s\n", strerror(errno));
			return 1;
		}
		/* --- the critical section: read, compute, write --- */
		long v = read_counter(&p->counter);
		v = compute_new_value(v, j->work);
		if (j->yield)
			sched_yield(); /* Lab: what changes with --yield? */
		write_counter(&p->counter, v);
		/* --- end of the critical section --- */
		if (j->sync == SYNC_SEM && sem_post(&p->lock) < 0) {
			demo_err("counter", "sem_post: %s\n", strerror(errno));
			return 1;
		}
	}
	p->t_end[j->id] = demo_now();
	return 0;
}

struct result {
	long expected, obtained;
	double seconds;
};

static int run_once(enum sync_mode sync, long n, long work, int yield,
		    struct result *res)
{
	struct counter_page *p =
		demo_shm_create("counter", sizeof(*p), NULL, 0);
	if (!p)
		return 1;
	int rc = 1;
	pid_t pids[NPROC] = {0, 0};
	static const char *const names[NPROC] = {"process A", "process B"};
	struct counter_job jobs[NPROC];

	/* pshared = 1: the semaphore lives in shared memory and is used by
	 * several processes; initial value 1 means "free". */
	if (sem_init(&p->lock, 1, 1) < 0) {
		demo_err("counter", "sem_init: %s\n", strerror(errno));
		goto out_unmap;
	}

	proc_barrier_init(&p->start, NPROC);
	int spawned = 0;
	while (spawned < NPROC) {
		jobs[spawned] = (struct counter_job){p, sync, n, work, yield,
						     spawned};
		if (demo_spawn("counter", count, &jobs[spawned],
			       &pids[spawned]) < 0)
			break;
		spawned++;
	}
	if (spawned < NPROC) /* the one forked must not wait for the other */
		proc_barrier_abandon(&p->start);
	if (demo_reap("counter", pids, names, spawned, TIMEOUT_S * 1000) != 0 ||
	    spawned < NPROC)
		goto out_destroy_sem;

	res->expected = NPROC * n;
	res->obtained = p->counter;
	/* From the first process starting to the last one finishing. */
	double t0 = p->t_start[0], t1 = p->t_end[0];
	for (int i = 1; i < NPROC; i++) {
		t0 = p->t_start[i] < t0 ? p->t_start[i] : t0;
		t1 = p->t_end[i] > t1 ? p->t_end[i] : t1;
	}
	res->seconds = t1 - t0;
	rc = 0;
out_destroy_sem:
	(void)sem_destroy(&p->lock);
out_unmap:
	demo_shm_destroy(p, sizeof(*p));
	return rc;
}

static void print_row(const char *label, const struct result *r)
{
	demo_say("  %-5s %10ld %10ld %10ld %10.3f\n", label, r->expected,
		 r->obtained, r->expected - r->obtained, r->seconds * 1e3);
}

static const char help_text[] =
	"usage: ipclab demo counter [-n N] [--sync none|sem|both]\n"
	"                           [--work W] [--yield]\n"
	"\n"
	"Two processes (fork) each add 1 to one counter in POSIX shared\n"
	"memory N times.  Adding 1 is read, compute, write: without\n"
	"synchronisation the two processes interleave those steps and\n"
	"updates are lost; with a semaphore the count is exact.\n"
	"\n"
	"  -n, --increments N  increments per process (default 1000)\n"
	"  -s, --sync MODE     none, sem, or both side by side (default)\n"
	"  -w, --work W        steps of work between the read and the\n"
	"                      write (default 50)\n"
	"  -y, --yield         sched_yield() between the read and the\n"
	"                      write, as if a timer interrupt hit there:\n"
	"                      makes the race likelier\n"
	"  -h, --help          this text\n"
	"\n"
	"exit status: 0 when the semaphore run is exact and nothing\n"
	"failed, 1 otherwise, 2 bad usage.\n";

static const char look_sem[] =
	"- sem: sem_wait/sem_post around read-compute-write make it a\n"
	"  critical section: one process at a time is inside, so the\n"
	"  count is exact.  Compare the times: the exact answer costs a\n"
	"  semaphore operation (sometimes a sleep and a wake-up) per\n"
	"  increment.\n";

static const char look_loss[] =
	"  both processes read the same value, both wrote value+1, and\n"
	"  one increment vanished.  Run it again: the number changes\n"
	"  with how the two processes happened to interleave.\n";

static const char look_big_loss[] =
	"  Losing a whole process's worth: one process was taken off the\n"
	"  CPU between its read and its write while the other did a long\n"
	"  run of increments; then it wrote back its stale value.\n";

static const char look_no_loss[] =
	"- none: no update was lost this time.  The race is still there,\n"
	"  but it needs both processes inside read-compute-write at the\n"
	"  same moment, and races do not show on every run (a busy\n"
	"  machine may run the two one after the other).  Try a larger\n"
	"  -n (-n 1000000), more --work, or --yield.\n";

int demo_counter(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"increments", required_argument, NULL, 'n'},
		{"sync", required_argument, NULL, 's'},
		{"work", required_argument, NULL, 'w'},
		{"yield", no_argument, NULL, 'y'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long n = 1000, work = 50;
	int yield = 0;
	enum sync_mode sync = SYNC_BOTH;
	int c;
	while ((c = getopt_long(argc, argv, ":n:s:w:yh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'n':
			if (demo_parse_long("counter", "-n", optarg, 1,
					    1000000000L, &n))
				return 2;
			break;
		case 's':
			if (strcmp(optarg, "none") == 0)
				sync = SYNC_NONE;
			else if (strcmp(optarg, "sem") == 0)
				sync = SYNC_SEM;
			else if (strcmp(optarg, "both") == 0)
				sync = SYNC_BOTH;
			else {
				demo_err("counter", "--sync %s: expected none, "
						    "sem or both\n",
					 optarg);
				return 2;
			}
			break;
		case 'w':
			if (demo_parse_long("counter", "--work", optarg, 0,
					    1000000L, &work))
				return 2;
			break;
		case 'y':
			yield = 1;
			break;
		case 'h':
			demo_say("%s", help_text);
			return 0;
		default:
			return demo_bad_option("counter", argv, c, longopts);
		}
	}
	if (optind < argc) {
		demo_err("counter", "unexpected argument '%s' (see --help)\n",
			 argv[optind]);
		return 2;
	}

	demo_say("counter: %d processes x %ld increments of one counter in "
		 "POSIX shared memory\n",
		 NPROC, n);
	demo_say("  each increment: read the counter, work %ld steps, %swrite "
		 "counter+1\n\n",
		 work, yield ? "sched_yield(), " : "");
	demo_say("  %-5s %10s %10s %10s %10s\n", "sync", "expected", "obtained",
		 "lost", "time_ms");

	struct result none = {0}, sem = {0};
	int failed = 0;
	if (sync != SYNC_SEM) {
		if (run_once(SYNC_NONE, n, work, yield, &none) != 0)
			failed = 1;
		else
			print_row("none", &none);
	}
	if (sync != SYNC_NONE) {
		if (run_once(SYNC_SEM, n, work, yield, &sem) != 0)
			failed = 1;
		else
			print_row("sem", &sem);
	}
	if (failed)
		return 1;

	demo_say("\nWhat to look at:\n");
	long lost = none.expected - none.obtained;
	if (sync != SYNC_SEM && lost == 0)
		demo_say("%s", look_no_loss);
	if (sync != SYNC_SEM && lost > 0) {
		demo_say("- none: %ld of %ld updates were lost (%.1f%%):\n",
			 lost, none.expected,
			 100.0 * (double)lost / (double)none.expected);
		demo_say("%s", look_loss);
		if (lost >= n)
			demo_say("%s", look_big_loss);
	}
	if (sync != SYNC_NONE)
		demo_say("%s", look_sem);

	if (sync != SYNC_SEM && none.obtained > none.expected) {
		demo_err("counter", "obtained %ld > expected %ld: impossible\n",
			 none.obtained, none.expected);
		return 1;
	}
	if (sync != SYNC_NONE && sem.obtained != sem.expected) {
		demo_err("counter", "with the semaphore the count should be "
				    "exact: %ld != %ld\n",
			 sem.obtained, sem.expected);
		return 1;
	}
	return 0;
}
