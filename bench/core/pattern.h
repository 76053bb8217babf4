/*
 * pattern.h - the deterministic data a stream carries, so the reader can
 * check every byte without a copy of the whole stream.
 *
 * Copy mode: byte p of the stream is buf[p mod period], where period is
 * BUF_SIZE + 64 (so consecutive blocks differ and a lost, repeated or
 * reordered block is caught) and buf holds two periods, so any window of up
 * to one period is contiguous: the writer copies from it like from any
 * private source buffer.
 * In-place mode: the writer generates the bytes straight into the block
 * (8-byte words derived from the seed and the position) and the reader
 * checks or sums them where they lie.
 */
#ifndef IPCLAB_PATTERN_H
#define IPCLAB_PATTERN_H

#include <stddef.h>
#include <stdint.h>

struct pattern {
	unsigned char *buf; /* 2 * period bytes */
	size_t period;
	uint64_t seed;
};

int pattern_init(struct pattern *p, size_t buf_size, uint64_t seed);
void pattern_free(struct pattern *p);

/* The n <= period bytes of the stream starting at pos. */
static inline const unsigned char *pattern_at(const struct pattern *p,
					      uint64_t pos)
{
	return p->buf + pos % p->period;
}

/* 0 when data holds stream bytes [pos, pos+n); else the offset of the first
 * wrong byte plus one. */
size_t pattern_check(const struct pattern *p, uint64_t pos, const void *data,
		     size_t n);

/* In-place mode: generate / check stream bytes [pos, pos+n) in place. */
void pattern_generate(uint64_t seed, uint64_t pos, void *dst, size_t n);
size_t pattern_check_generated(uint64_t seed, uint64_t pos, const void *src,
			       size_t n);
/* Read every byte (a sum), so an unverified reader still touches the data. */
uint64_t pattern_sum(const void *src, size_t n);

#endif
