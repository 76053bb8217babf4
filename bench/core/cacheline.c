/* cacheline.c - a cache line bounced between two CPUs (see cacheline.h). */
#include "cacheline.h"
#include "run.h"
#include "stats.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define BATCHES 8

struct bounce {
	_Alignas(64) atomic_ulong line; /* the line that travels (A to B) */
	_Alignas(64) atomic_int abort;  /* on a line of its own */
	_Alignas(128) atomic_ulong back; /* two lines: B to A on this one */
	/* Read by both sides, written before they start: on lines of their
	 * own, away from the two that travel. */
	_Alignas(128) atomic_ulong *reply; /* &line, or &back with two lines */
	unsigned per_batch;
	uint64_t deadline_ns;
	/* Written by A as it goes: a line of its own too. */
	_Alignas(64) double batch_ns[BATCHES];
	int timed_out;
};

/* Wait until *on holds want; 0, or -1 when the probe is abandoned. */
static int await(struct bounce *b, atomic_ulong *on, unsigned long want,
		 int owner)
{
	unsigned spins = 0;
	while (atomic_load_explicit(on, memory_order_acquire) != want) {
		ipc_cpu_relax();
		if (++spins % 4096)
			continue;
		if (atomic_load_explicit(&b->abort, memory_order_relaxed))
			return -1;
		if (owner && run_now_ns() > b->deadline_ns) {
			b->timed_out = 1;
			atomic_store(&b->abort, 1);
			return -1;
		}
	}
	return 0;
}

/* Thread A: starts every round trip and times the batches. */
static void *side_a(void *arg)
{
	struct bounce *b = arg;
	unsigned long v = 0;
	for (int k = 0; k < BATCHES; k++) {
		uint64_t t0 = run_now_ns();
		for (unsigned i = 0; i < b->per_batch; i++) {
			atomic_store_explicit(&b->line, v + 1, memory_order_release);
			if (await(b, b->reply, v + 2, 1) < 0)
				return NULL;
			v += 2;
		}
		b->batch_ns[k] = (double)(run_now_ns() - t0) / b->per_batch;
	}
	atomic_store(&b->abort, 1);
	return NULL;
}

/* Thread B: answers every odd value with the next even one. */
static void *side_b(void *arg)
{
	struct bounce *b = arg;
	unsigned long v = 1;
	for (;;) {
		if (await(b, &b->line, v, 0) < 0)
			return NULL;
		atomic_store_explicit(b->reply, v + 1, memory_order_release);
		v += 2;
	}
}

static int start(pthread_t *th, int cpu, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	int rc = pthread_attr_init(&attr);
	if (rc)
		return -rc;
	rc = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (rc == 0)
		rc = pthread_create(th, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -rc;
}

static int bounce_rtt_ns(int lines, int cpu_a, int cpu_b, unsigned trips,
			 double max_s, double *rtt_ns)
{
	if (cpu_a == cpu_b || cpu_a < 0 || cpu_b < 0 || cpu_a >= CPU_SETSIZE ||
	    cpu_b >= CPU_SETSIZE || trips < BATCHES || !rtt_ns)
		return -EINVAL;
	struct bounce *b = aligned_alloc(_Alignof(struct bounce), sizeof(*b));
	if (!b)
		return -ENOMEM;
	atomic_init(&b->line, 0);
	atomic_init(&b->abort, 0);
	atomic_init(&b->back, 0);
	b->reply = lines == 2 ? &b->back : &b->line;
	b->per_batch = trips / BATCHES;
	b->deadline_ns = run_now_ns() + (uint64_t)(max_s * 1e9);
	b->timed_out = 0;
	pthread_t ta, tb;
	int rc = start(&tb, cpu_b, side_b, b);
	if (rc == 0) {
		rc = start(&ta, cpu_a, side_a, b);
		if (rc < 0)
			atomic_store(&b->abort, 1);
		else
			pthread_join(ta, NULL);
		pthread_join(tb, NULL);
	}
	if (rc == 0 && b->timed_out)
		rc = -ETIMEDOUT;
	if (rc == 0)
		*rtt_ns = stats_median(b->batch_ns, BATCHES);
	free(b);
	return rc;
}

int cacheline_rtt_ns(int cpu_a, int cpu_b, unsigned trips, double max_s,
		     double *rtt_ns)
{
	return bounce_rtt_ns(1, cpu_a, cpu_b, trips, max_s, rtt_ns);
}

int cacheline_pair_rtt_ns(int cpu_a, int cpu_b, unsigned trips, double max_s,
			  double *rtt_ns)
{
	return bounce_rtt_ns(2, cpu_a, cpu_b, trips, max_s, rtt_ns);
}
