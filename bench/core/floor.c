/* floor.c - the memcpy floor of a stream (see floor.h). */
#include "floor.h"
#include "pattern.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

double floor_bytes_per_s(size_t bs, enum run_access access, double seconds)
{
	struct pattern pat;
	if (pattern_init(&pat, bs, 1) < 0)
		return -ENOMEM;
	/* The block lives in its own shared mapping, like a transport's. */
	unsigned char *block = mmap(NULL, bs, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned char *dst = ipc_page_alloc(bs);
	if (block == MAP_FAILED || !dst) {
		if (block != MAP_FAILED)
			munmap(block, bs);
		free(dst);
		pattern_free(&pat);
		return -ENOMEM;
	}
	memset(block, 0, bs);
	memset(dst, 0, bs);
	volatile uint64_t sink = 0;
	/* Check the clock about every MiB, not every tiny block. */
	uint64_t batch = bs >= (1u << 20) ? 1 : (1u << 20) / bs;
	uint64_t pos = 0, t0 = run_now_ns(), t1 = t0;
	uint64_t limit = (uint64_t)(seconds * 1e9);
	do {
		for (uint64_t i = 0; i < batch; i++, pos += bs) {
			if (access == ACCESS_COPY) {
				memcpy(block, pattern_at(&pat, pos), bs);
				memcpy(dst, block, bs);
				__asm__ volatile("" ::"r"(dst) : "memory");
			} else {
				pattern_generate(1, pos, block, bs);
				sink += pattern_sum(block, bs);
			}
		}
		t1 = run_now_ns();
	} while (t1 - t0 < limit);
	(void)sink;
	munmap(block, bs);
	free(dst);
	pattern_free(&pat);
	return (double)pos * 1e9 / (double)(t1 - t0);
}
