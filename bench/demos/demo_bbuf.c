/*
 * demo_bbuf.c - `ipclab demo bbuf`: the bounded buffer (producer/consumer).
 *
 * What is shared: one POSIX shared-memory object holding a ring of SLOTS
 * items, the two ring indices and three process-shared semaphores:
 *
 *   mutex = 1      the ring and its indices: one process at a time
 *   empty = SLOTS  free slots: the producer waits on it, the consumer posts it
 *   full  = 0      filled slots: the consumer waits on it, the producer
 *                  posts it
 *
 * The producer makes items 0, 1, 2, ...: wait(empty), wait(mutex), put the
 * item in slot `in`, advance `in`, post(mutex), post(full).  The consumer
 * mirrors it: wait(full), wait(mutex), take the item from slot `out`,
 * advance `out`, post(mutex), post(empty).  So the producer sleeps when the
 * ring is full and the consumer when it is empty - no busy waiting.
 *
 * Before each blocking wait the demo tries sem_trywait first, only so that it
 * can print "ring full, waiting" when it is really about to sleep.  Every
 * line of the trace carries the time since the start and the three
 * semaphore values just after the step (sem_getvalue: a snapshot, the other
 * process may change them a moment later).  The consumer checks that the
 * items arrive in order and the parent reports OK or the first item out of
 * order.
 *
 * --swapped-waits is the classic bug: the producer takes the mutex *before*
 * waiting for a free slot.  When the ring is full it sleeps holding the
 * mutex, and the consumer, which needs the mutex to empty a slot, sleeps
 * too: a deadlock.  Nothing in the kernel notices; the parent's timeout does,
 * and it prints who waits on what.
 *
 *   ipclab demo bbuf --slow-consumer      (the producer keeps finding it full)
 *   ipclab demo bbuf --slow-producer      (the consumer keeps finding it empty)
 *   ipclab demo bbuf --swapped-waits      (a deadlock, detected and explained)
 */
#include "demo.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct ring {
	sem_t mutex;          /* 1: guards in, out and slot[] */
	sem_t empty;          /* number of free slots */
	sem_t full;           /* number of filled slots */
	unsigned nslots;
	unsigned in;          /* next slot the producer fills */
	unsigned out;         /* next slot the consumer empties */
	/* Results, each written by one process only, read by the parent after
	 * both have ended. */
	long producer_waits;  /* times the producer found the ring full */
	long consumer_waits;  /* times the consumer found the ring empty */
	long produced;
	long consumed;
	long first_bad_pos;   /* -1: every item arrived in order */
	long first_bad_item;
	double t0;            /* demo_now() at the start, for the trace */
	char state[2][80];    /* what the producer / consumer does now */
	long slot[];          /* the ring itself */
};

struct bbuf_job {
	struct ring *r;
	long nitems;
	long producer_ms;  /* time to make one item (--slow-producer) */
	long consumer_ms;  /* time to use one item (--slow-consumer) */
	int quiet;
	int swapped;       /* --swapped-waits: the producer's bug */
};

static int semval(sem_t *s)
{
	int v = -1;
	(void)sem_getvalue(s, &v);
	return v;
}

/* One line of the trace: time since the start, the message, the values. */
static void trace(struct ring *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void trace(struct ring *r, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	demo_say("[%9.3f ms] %-40s | mutex=%d empty=%d full=%d\n",
		 (demo_now() - r->t0) * 1e3, msg, semval(&r->mutex),
		 semval(&r->empty), semval(&r->full));
}

/* What side (0 producer, 1 consumer) is doing, for the deadlock report. */
static void set_state(struct ring *r, int side, const char *what)
{
	snprintf(r->state[side], sizeof(r->state[side]), "%s", what);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Take one unit of s, saying first when that means sleeping.  sem_trywait
 * never blocks: it fails with EAGAIN when the value is 0, which is exactly
 * when sem_wait would sleep.
 */
static int take(struct ring *r, sem_t *s, const char *who, const char *why,
		unsigned slot, long *waits)
{
	if (sem_trywait(s) == 0)
		return 0;
	if (errno != EAGAIN && errno != EINTR)
		return -1;
	(*waits)++;
	trace(r, "%s: %s, waiting (slot %u)", who, why, slot);
	return demo_sem_wait(s);
}

static int fail(const char *who, const char *call)
{
	demo_err("bbuf", "%s: %s: %s\n", who, call, strerror(errno));
	return 1;
}

static int producer(void *arg)
{
	struct bbuf_job *j = arg;
	struct ring *r = j->r;
	trace(r, "producer: pid %ld, making items 0..%ld", (long)getpid(),
	      j->nitems - 1);
	for (long item = 0; item < j->nitems; item++) {
		set_state(r, 0, "making an item");
		if (j->producer_ms)
			sleep_ms(j->producer_ms); /* making the item */

		/* --swapped-waits: the bug, the mutex first. */
		if (j->swapped) {
			set_state(r, 0, "in sem_wait(mutex)");
			if (demo_sem_wait(&r->mutex) < 0)
				return fail("producer", "sem_wait(mutex)");
		}
		/* 1. A free slot.  Reading r->in without the mutex is safe
		 *    here: only the producer ever changes it. */
		set_state(r, 0, j->swapped ? "in sem_wait(empty), HOLDING the "
			  "mutex" : "in sem_wait(empty)");
		if (take(r, &r->empty, "producer", "ring full", r->in,
			 &r->producer_waits) < 0)
			return fail("producer", "sem_wait(empty)");

		/* 2. The ring (after the free slot: a process must not
		 *    sleep while it holds the mutex). */
		set_state(r, 0, "in sem_wait(mutex)");
		if (!j->swapped && demo_sem_wait(&r->mutex) < 0)
			return fail("producer", "sem_wait(mutex)");
		unsigned s = r->in;
		r->slot[s] = item;
		r->in = (s + 1) % r->nslots;
		if (sem_post(&r->mutex) < 0)
			return fail("producer", "sem_post(mutex)");

		/* Printed before post(full), so "put" always comes before the
		 * consumer's "got" for the same item. */
		if (!j->quiet)
			trace(r, "producer: put item %ld in slot %u", item, s);

		/* 3. One more filled slot: wakes the consumer if it sleeps. */
		if (sem_post(&r->full) < 0)
			return fail("producer", "sem_post(full)");
		r->produced++;
	}
	set_state(r, 0, "done");
	trace(r, "producer: done");
	return 0;
}

static int consumer(void *arg)
{
	struct bbuf_job *j = arg;
	struct ring *r = j->r;
	trace(r, "consumer: pid %ld, expecting items 0..%ld in order",
	      (long)getpid(), j->nitems - 1);
	for (long want = 0; want < j->nitems; want++) {
		set_state(r, 1, "in sem_wait(full)");
		if (take(r, &r->full, "consumer", "ring empty", r->out,
			 &r->consumer_waits) < 0)
			return fail("consumer", "sem_wait(full)");

		set_state(r, 1, "in sem_wait(mutex)");
		if (demo_sem_wait(&r->mutex) < 0)
			return fail("consumer", "sem_wait(mutex)");
		unsigned s = r->out;
		long item = r->slot[s];
		r->out = (s + 1) % r->nslots;
		if (sem_post(&r->mutex) < 0)
			return fail("consumer", "sem_post(mutex)");

		if (!j->quiet)
			trace(r, "consumer: got item %ld from slot %u", item, s);
		if (item != want && r->first_bad_pos < 0) {
			r->first_bad_pos = want;
			r->first_bad_item = item;
		}
		r->consumed++;

		if (sem_post(&r->empty) < 0)
			return fail("consumer", "sem_post(empty)");
		set_state(r, 1, "using an item");
		if (j->consumer_ms)
			sleep_ms(j->consumer_ms); /* using the item */
	}
	set_state(r, 1, "done");
	trace(r, "consumer: done");
	return 0;
}

static const char help_text[] =
	"usage: ipclab demo bbuf [-n N] [--slots S] [--slow-consumer[=MS]]\n"
	"                        [--slow-producer[=MS]] [--swapped-waits] [-q]\n"
	"\n"
	"A producer and a consumer process share a ring of S slots in\n"
	"POSIX shared memory, guarded by three semaphores: mutex (the\n"
	"ring), empty (free slots) and full (filled slots).  Items 0..N-1\n"
	"go through in order; the producer sleeps when the ring is full,\n"
	"the consumer when it is empty.\n"
	"\n"
	"  -n, --items N            items to pass (default 50)\n"
	"  -s, --slots S            slots in the ring (default 10)\n"
	"      --slow-consumer[=MS] the consumer takes MS ms per item\n"
	"                           (default 20): the ring fills up\n"
	"      --slow-producer[=MS] the producer takes MS ms per item\n"
	"                           (default 20): the ring runs empty\n"
	"      --swapped-waits      the bug: the producer takes the mutex\n"
	"                           before it waits for a free slot (with a\n"
	"                           slow consumer unless one is given): a\n"
	"                           deadlock, detected by a timeout\n"
	"      --deadlock-after MS  the timeout of --swapped-waits (default\n"
	"                           2000)\n"
	"  -q, --quiet              print only the waits and the result\n"
	"  -h, --help               this text\n"
	"\n"
	"Each trace line: [time since the start] who: what | the three\n"
	"semaphore values just after it.\n"
	"\n"
	"exit status: 0 when every item arrived in order, 1 otherwise (a\n"
	"deadlock included), 2 bad usage.\n";

static const char look_deadlock[] =
	"\nWhat happened: a deadlock.\n"
	"- The producer took the mutex first, then found no free slot\n"
	"  (empty=0) and went to sleep in sem_wait(empty) still holding\n"
	"  the mutex (mutex=0).\n"
	"- The consumer took a filled slot (sem_wait(full)) and then\n"
	"  waits in sem_wait(mutex) for the producer to let go of it.\n"
	"- Each waits for the other: the producer for a slot only the\n"
	"  consumer can free, the consumer for the mutex only the producer\n"
	"  can post.  No one runs, so nothing changes; the kernel does not\n"
	"  detect it - the demo's timeout did.\n"
	"- The fix: wait for the resource first (empty), then the mutex,\n"
	"  so that no process sleeps while holding the mutex.\n";

static const char look_text[] =
	"\nWhat to look at:\n"
	"- Each item is \"put\" before it is \"got\", and no more items\n"
	"  wait than there are slots: empty counts the free slots, so the\n"
	"  producer sleeps in sem_wait(empty) when none is left, until\n"
	"  the consumer posts empty.\n"
	"- The consumer sleeps in sem_wait(full) when nothing waits,\n"
	"  until the producer posts full.  Neither spins: a sleeping\n"
	"  process uses no CPU.\n"
	"- Try --slow-consumer, then --slow-producer, then --slots 1.\n";

#define DEFAULT_SLOW_MS 20

int demo_bbuf(int argc, char **argv)
{
	enum { OPT_SLOW_CONSUMER = 256, OPT_SLOW_PRODUCER, OPT_SWAPPED,
	       OPT_DEADLOCK_MS };
	static const struct option longopts[] = {
		{"items", required_argument, NULL, 'n'},
		{"slots", required_argument, NULL, 's'},
		{"slow-consumer", optional_argument, NULL, OPT_SLOW_CONSUMER},
		{"slow-producer", optional_argument, NULL, OPT_SLOW_PRODUCER},
		{"swapped-waits", no_argument, NULL, OPT_SWAPPED},
		{"deadlock-after", required_argument, NULL, OPT_DEADLOCK_MS},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long nitems = 50, nslots = 10, producer_ms = 0, consumer_ms = -1;
	long deadlock_ms = 2000;
	int quiet = 0, swapped = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":n:s:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (demo_parse_long("bbuf", "-n", optarg, 1, 100000000L,
					    &nitems))
				return 2;
			break;
		case 's':
			if (demo_parse_long("bbuf", "--slots", optarg, 1, 65536,
					    &nslots))
				return 2;
			break;
		case OPT_SLOW_CONSUMER:
			consumer_ms = DEFAULT_SLOW_MS;
			if (optarg && demo_parse_long("bbuf", "--slow-consumer",
						      optarg, 0, 10000,
						      &consumer_ms))
				return 2;
			break;
		case OPT_SLOW_PRODUCER:
			producer_ms = DEFAULT_SLOW_MS;
			if (optarg && demo_parse_long("bbuf", "--slow-producer",
						      optarg, 0, 10000,
						      &producer_ms))
				return 2;
			break;
		case OPT_SWAPPED:
			swapped = 1;
			break;
		case OPT_DEADLOCK_MS:
			if (demo_parse_long("bbuf", "--deadlock-after", optarg,
					    100, 600000, &deadlock_ms))
				return 2;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			demo_say("%s", help_text);
			return 0;
		default:
			return demo_bad_option("bbuf", argv, c, longopts);
		}
	}
	if (optind < argc) {
		demo_err("bbuf", "unexpected argument '%s' (see --help)\n",
			 argv[optind]);
		return 2;
	}

	/* The bug shows once the ring is full: a slow consumer fills it. */
	if (consumer_ms < 0)
		consumer_ms = swapped ? DEFAULT_SLOW_MS : 0;
	if (swapped && !deadlock_ms)
		deadlock_ms = 2000;

	size_t size = sizeof(struct ring) + (size_t)nslots * sizeof(long);
	char name[64];
	struct ring *r = demo_shm_create("bbuf", size, name, sizeof(name));
	if (!r)
		return 1;
	int rc = 1, sems = 0;
	r->nslots = (unsigned)nslots;
	r->first_bad_pos = -1;
	/* pshared = 1: the semaphores live in the shared object and are used
	 * by two processes. */
	if (sem_init(&r->mutex, 1, 1) < 0)
		goto out_sem_init_failed;
	sems = 1;
	if (sem_init(&r->empty, 1, (unsigned)nslots) < 0)
		goto out_sem_init_failed;
	sems = 2;
	if (sem_init(&r->full, 1, 0) < 0)
		goto out_sem_init_failed;
	sems = 3;

	demo_say("bbuf: %ld items through a ring of %ld slots in POSIX shared "
		 "memory (%s)\n",
		 nitems, nslots, name);
	demo_say("  semaphores: mutex=1 (the ring), empty=%ld (free slots), "
		 "full=0 (filled slots)\n",
		 nslots);
	if (consumer_ms)
		demo_say("  the consumer takes %ld ms per item: expect the "
			 "producer to find the ring full\n",
			 consumer_ms);
	if (producer_ms)
		demo_say("  the producer takes %ld ms per item: expect the "
			 "consumer to find the ring empty\n",
			 producer_ms);
	if (swapped)
		demo_say("  --swapped-waits: the producer takes the mutex before "
			 "it waits for a free slot; a deadlock is declared after "
			 "%ld ms without an end\n", deadlock_ms);
	demo_say("\n");

	r->t0 = demo_now();
	struct bbuf_job job = {r, nitems, producer_ms, consumer_ms, quiet,
			       swapped};
	pid_t pids[2] = {0, 0};
	static const char *const names[2] = {"producer", "consumer"};
	int spawned = 0;
	if (demo_spawn("bbuf", consumer, &job, &pids[1]) == 0) {
		spawned = 1;
		if (demo_spawn("bbuf", producer, &job, &pids[0]) == 0)
			spawned = 2;
	}
	/* Deadline: the delays asked for, plus a generous margin; past it the
	 * two are presumed deadlocked (see the Lab note in producer()). */
	long timeout_ms = (swapped ? deadlock_ms : 30000) +
			  nitems * (producer_ms + consumer_ms);
	int reap = demo_reap("bbuf", pids, names, spawned, timeout_ms);
	if (spawned < 2 || reap != 0) {
		demo_err("bbuf", "the demo did not complete: %ld of %ld items "
				 "consumed\n",
			 r->consumed, nitems);
		if (spawned == 2 && r->consumed < nitems) {
			demo_say("\nstate when it was stopped, %.0f ms after the "
				 "start: mutex=%d empty=%d full=%d\n",
				 (demo_now() - r->t0) * 1e3, semval(&r->mutex),
				 semval(&r->empty), semval(&r->full));
			demo_say("  producer: %s (made %ld item%s)\n",
				 r->state[0], r->produced,
				 r->produced == 1 ? "" : "s");
			demo_say("  consumer: %s (took %ld item%s)\n",
				 r->state[1], r->consumed,
				 r->consumed == 1 ? "" : "s");
			if (swapped && semval(&r->mutex) == 0 &&
			    semval(&r->empty) == 0)
				demo_say("%s", look_deadlock);
		}
		goto out_destroy_sems;
	}

	demo_say("\nthe producer found the ring full %ld time%s, the consumer "
		 "found it empty %ld time%s\n",
		 r->producer_waits, r->producer_waits == 1 ? "" : "s",
		 r->consumer_waits, r->consumer_waits == 1 ? "" : "s");
	if (r->first_bad_pos >= 0) {
		demo_say("bbuf: FAILED, first out-of-order item: position %ld "
			 "got item %ld\n",
			 r->first_bad_pos, r->first_bad_item);
		goto out_destroy_sems;
	}
	demo_say("bbuf: OK, all %ld items consumed in order\n", r->consumed);
	demo_say("%s", look_text);
	rc = 0;
	goto out_destroy_sems;

out_sem_init_failed:
	demo_err("bbuf", "sem_init: %s\n", strerror(errno));
out_destroy_sems:
	if (sems > 2)
		(void)sem_destroy(&r->full);
	if (sems > 1)
		(void)sem_destroy(&r->empty);
	if (sems > 0)
		(void)sem_destroy(&r->mutex);
	demo_shm_destroy(r, size);
	return rc;
}
