/*
 * floor.h - the physical floor of a stream, measured in the same invocation:
 * one process doing exactly the memory work the stream needs, with no peer
 * and no system call.  Copy mode: memcpy from the source into a block and
 * from the block into the destination, per block of BUF_SIZE.  In-place
 * mode: generate into the block, then read it back.
 */
#ifndef IPCLAB_FLOOR_H
#define IPCLAB_FLOOR_H

#include <stddef.h>

#include "run.h"

/* Bytes per second of the floor at this block size, measured for at least
 * `seconds`; a negative errno when buffers cannot be had. */
double floor_bytes_per_s(size_t buf_size, enum run_access access,
			 double seconds);

#endif
