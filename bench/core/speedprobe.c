/* speedprobe.c - the machine's speed on fixed work (see speedprobe.h). */
#include "speedprobe.h"
#include "run.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#define BATCHES 9
#define CHAIN 4096     /* dependent multiplies per batch */
#define COPY (16384)   /* bytes copied per batch, there and back */

struct probe {
	double best_ns;
};

/* One batch: a chain the CPU cannot overlap, then a copy within the cache.
 * The result feeds the next batch so the compiler keeps all of it. */
static uint64_t work(uint64_t x, unsigned char *a, unsigned char *b)
{
	for (unsigned i = 0; i < CHAIN; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	a[x % COPY] ^= (unsigned char)x;
	memcpy(b, a, COPY);
	__asm__ volatile("" : : "r"(b) : "memory"); /* both copies happen */
	memcpy(a, b, COPY);
	__asm__ volatile("" : : "r"(a), "r"(b) : "memory");
	return x ^ b[(x >> 7) % COPY];
}

static void *probe(void *arg)
{
	struct probe *p = arg;
	_Alignas(64) unsigned char a[COPY], b[COPY];
	memset(a, 1, sizeof(a));
	uint64_t x = 1;
	x = work(x, a, b); /* warm the buffers and the code */
	p->best_ns = 0;
	for (int k = 0; k < BATCHES; k++) {
		uint64_t t0 = run_now_ns();
		x = work(x, a, b);
		double ns = (double)(run_now_ns() - t0);
		if (k == 0 || ns < p->best_ns)
			p->best_ns = ns;
	}
	__asm__ volatile("" : : "r"(x));
	return NULL;
}

static int on_cpu(int cpu, double *ns)
{
	struct probe p = {0};
	pthread_t th;
	pthread_attr_t attr;
	int rc = pthread_attr_init(&attr);
	if (rc)
		return -rc;
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		rc = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	if (rc == 0)
		rc = pthread_create(&th, &attr, probe, &p);
	pthread_attr_destroy(&attr);
	if (rc)
		return -rc;
	pthread_join(th, NULL);
	*ns = p.best_ns;
	return 0;
}

int speedprobe_ns(const int *cpus, int n, double *ns)
{
	double sum = 0;
	int m = n > 0 ? n : 1;
	for (int i = 0; i < m; i++) {
		double one = 0;
		int rc = on_cpu(n > 0 ? cpus[i] : -1, &one);
		if (rc < 0)
			return rc;
		sum += one;
	}
	*ns = sum / m;
	return 0;
}
