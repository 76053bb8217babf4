/* pattern.c - the data a stream carries (see pattern.h). */
#include "pattern.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t x)
{
	/* splitmix64: spreads a small seed over all 64 bits. */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

int pattern_init(struct pattern *p, size_t buf_size, uint64_t seed)
{
	p->period = buf_size + 64;
	p->seed = seed;
	p->buf = ipc_page_alloc(2 * p->period);
	if (!p->buf)
		return -ENOMEM;
	pattern_generate(seed, 0, p->buf, p->period);
	memcpy(p->buf + p->period, p->buf, p->period);
	return 0;
}

void pattern_free(struct pattern *p)
{
	free(p->buf);
	p->buf = NULL;
}

size_t pattern_check(const struct pattern *p, uint64_t pos, const void *data,
		     size_t n)
{
	const unsigned char *want = pattern_at(p, pos);
	if (memcmp(want, data, n) == 0)
		return 0;
	const unsigned char *got = data;
	size_t i = 0;
	while (i < n && got[i] == want[i])
		i++;
	return i + 1;
}

/*
 * In-place words: w(j) = S + j * C for the j-th 8-byte word of the stream,
 * S derived from the seed, C odd.  Cheap enough (one add per word) that the
 * writer's cost is the store, as for a producer that writes its output
 * straight into the block, and no two words of a stream are equal.
 */
#define WORD_STEP 0x9e3779b97f4a7c15ull

static uint64_t word_at(uint64_t seed, uint64_t j)
{
	return mix(seed) + j * WORD_STEP;
}

static unsigned char byte_at(uint64_t seed, uint64_t pos)
{
	return (unsigned char)(word_at(seed, pos >> 3) >> ((pos & 7) * 8));
}

void pattern_generate(uint64_t seed, uint64_t pos, void *dst, size_t n)
{
	unsigned char *d = dst;
	size_t i = 0;
	for (; i < n && ((pos + i) & 7); i++)
		d[i] = byte_at(seed, pos + i);
	uint64_t w = word_at(seed, (pos + i) >> 3);
	for (; i + 8 <= n; i += 8, w += WORD_STEP)
		memcpy(d + i, &w, 8);
	for (; i < n; i++)
		d[i] = byte_at(seed, pos + i);
}

size_t pattern_check_generated(uint64_t seed, uint64_t pos, const void *src,
			       size_t n)
{
	const unsigned char *s = src;
	size_t i = 0;
	for (; i < n && ((pos + i) & 7); i++)
		if (s[i] != byte_at(seed, pos + i))
			return i + 1;
	uint64_t w = word_at(seed, (pos + i) >> 3), g;
	for (; i + 8 <= n; i += 8, w += WORD_STEP) {
		memcpy(&g, s + i, 8);
		if (g != w)
			break;
	}
	for (; i < n; i++)
		if (s[i] != byte_at(seed, pos + i))
			return i + 1;
	return 0;
}

uint64_t pattern_sum(const void *src, size_t n)
{
	const unsigned char *s = src;
	uint64_t sum = 0, w;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		sum += w;
	}
	for (; i < n; i++)
		sum += s[i];
	return sum;
}
