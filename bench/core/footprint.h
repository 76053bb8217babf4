/*
 * footprint.h - the memory a run will hold, estimated before anything is
 * created, against what this machine can give.
 *
 * A run holds, at its peak (the children; the parent's floor measurement
 * comes before them and is freed):
 *
 *   writer  the pattern source, 2 x (BUF_SIZE + 64) (copy mode, ping-pong);
 *           ping-pong: its receive buffer; the transport's private block
 *           (pipes, sockets, queues); pipe-vmsplice: its gift buffers
 *   reader  the destination and the pattern to check against (copy mode);
 *           the transport's private block
 *   shared  the region of a shared-memory transport, once per channel
 *           (ping-pong: two): a header and BLOCKS x BUF_SIZE (pshm-sem and
 *           sysv-shm: one block; --blocks or 8 for the rings)
 *   floor   in the parent, before the children: the pattern, a block and a
 *           destination (stream mode, unless --no-floor)
 *
 * Kernel buffers (pipe capacity, socket buffers, queue messages) are bounded
 * by their own limits and left out.  A transport from a plugin is assumed to
 * keep a private block on each side, or a ring of --blocks (default 8) when
 * it has a region.
 */
#ifndef IPCLAB_FOOTPRINT_H
#define IPCLAB_FOOTPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "point.h"

struct footprint {
	uint64_t side[2]; /* private bytes of the writer and the reader */
	uint64_t shared;  /* regions, counted once */
	uint64_t floor;   /* the parent's floor buffers */
	uint64_t total;   /* what the machine must give at the peak */
};

void footprint_estimate(const struct point *p, struct footprint *f);

/*
 * Does the point fit in what this machine can give: MemAvailable, the
 * memory cgroup's limit less its usage, and per process RLIMIT_AS (ulimit
 * -v)?  0, or -ENOMEM with a sentence naming the figure, the limit and the
 * largest BUF_SIZE that fits.
 */
int footprint_check(const struct point *p, char *why, size_t whylen);

#endif
