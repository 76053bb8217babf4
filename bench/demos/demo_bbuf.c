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
 * can print "ring full, waiting" when it is really about to sleep.  The
 * consumer checks that the items arrive in order and the parent reports OK
 * or the first item out of order.
 *
 *   ipclab demo bbuf --slow-consumer      (the producer keeps finding it full)
 *   ipclab demo bbuf --slow-producer      (the consumer keeps finding it empty)
 */
#include "demo.h"

#include <errno.h>
#include <getopt.h>
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
	long consumed;
	long first_bad_pos;   /* -1: every item arrived in order */
	long first_bad_item;
	long slot[];          /* the ring itself */
};

struct bbuf_job {
	struct ring *r;
	long nitems;
	long producer_ms;  /* time to make one item (--slow-producer) */
	long consumer_ms;  /* time to use one item (--slow-consumer) */
	int quiet;
};

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
static int take(sem_t *s, const char *who, const char *why, unsigned slot,
		long *waits)
{
	if (sem_trywait(s) == 0)
		return 0;
	if (errno != EAGAIN && errno != EINTR)
		return -1;
	(*waits)++;
	demo_say("%s: %s, waiting (slot %u)\n", who, why, slot);
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
	demo_say("producer: pid %ld, making items 0..%ld\n", (long)getpid(),
		 j->nitems - 1);
	for (long item = 0; item < j->nitems; item++) {
		if (j->producer_ms)
			sleep_ms(j->producer_ms); /* making the item */

		/* 1. A free slot.  Reading r->in without the mutex is safe
		 *    here: only the producer ever changes it. */
		if (take(&r->empty, "producer", "ring full", r->in,
			 &r->producer_waits) < 0)
			return fail("producer", "sem_wait(empty)");

		/* 2. The ring.  Lab: swap steps 1 and 2 (take the mutex, then
		 *    wait for a free slot) and run with --slow-consumer: the
		 *    producer sleeps holding the mutex, the consumer can never
		 *    take an item, and the demo ends in a deadlock. */
		if (demo_sem_wait(&r->mutex) < 0)
			return fail("producer", "sem_wait(mutex)");
		unsigned s = r->in;
		r->slot[s] = item;
		r->in = (s + 1) % r->nslots;
		if (sem_post(&r->mutex) < 0)
			return fail("producer", "sem_post(mutex)");

		/* Printed before post(full), so "put" always comes before the
		 * consumer's "got" for the same item. */
		if (!j->quiet)
			demo_say("producer: put item %ld in slot %u\n", item,
				 s);

		/* 3. One more filled slot: wakes the consumer if it sleeps. */
		if (sem_post(&r->full) < 0)
			return fail("producer", "sem_post(full)");
	}
	demo_say("producer: done\n");
	return 0;
}

static int consumer(void *arg)
{
	struct bbuf_job *j = arg;
	struct ring *r = j->r;
	demo_say("consumer: pid %ld, expecting items 0..%ld in order\n",
		 (long)getpid(), j->nitems - 1);
	for (long want = 0; want < j->nitems; want++) {
		if (take(&r->full, "consumer", "ring empty", r->out,
			 &r->consumer_waits) < 0)
			return fail("consumer", "sem_wait(full)");

		if (demo_sem_wait(&r->mutex) < 0)
			return fail("consumer", "sem_wait(mutex)");
		unsigned s = r->out;
		long item = r->slot[s];
		r->out = (s + 1) % r->nslots;
		if (sem_post(&r->mutex) < 0)
			return fail("consumer", "sem_post(mutex)");

		if (!j->quiet)
			demo_say("consumer: got item %ld from slot %u\n", item,
				 s);
		if (item != want && r->first_bad_pos < 0) {
			r->first_bad_pos = want;
			r->first_bad_item = item;
		}
		r->consumed++;

		if (sem_post(&r->empty) < 0)
			return fail("consumer", "sem_post(empty)");
		if (j->consumer_ms)
			sleep_ms(j->consumer_ms); /* using the item */
	}
	demo_say("consumer: done\n");
	return 0;
}

static const char help_text[] =
	"usage: ipclab demo bbuf [-n N] [--slots S] [--slow-consumer[=MS]]\n"
	"                        [--slow-producer[=MS]] [-q]\n"
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
	"  -q, --quiet              print only the waits and the result\n"
	"  -h, --help               this text\n"
	"\n"
	"exit status: 0 when every item arrived in order, 1 otherwise,\n"
	"2 bad usage.\n";

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
	enum { OPT_SLOW_CONSUMER = 256, OPT_SLOW_PRODUCER };
	static const struct option longopts[] = {
		{"items", required_argument, NULL, 'n'},
		{"slots", required_argument, NULL, 's'},
		{"slow-consumer", optional_argument, NULL, OPT_SLOW_CONSUMER},
		{"slow-producer", optional_argument, NULL, OPT_SLOW_PRODUCER},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long nitems = 50, nslots = 10, producer_ms = 0, consumer_ms = 0;
	int quiet = 0;
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
	demo_say("\n");

	struct bbuf_job job = {r, nitems, producer_ms, consumer_ms, quiet};
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
	long timeout_ms = 30000 + nitems * (producer_ms + consumer_ms);
	int reap = demo_reap("bbuf", pids, names, 2, timeout_ms);
	if (spawned < 2 || reap != 0) {
		demo_err("bbuf", "the demo did not complete: %ld of %ld items "
				 "consumed\n",
			 r->consumed, nitems);
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
