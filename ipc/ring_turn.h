/*
 * ring_turn.h - what the single-producer single-consumer rings in shared
 * memory, shm-futex and shm-spin, share: each side's turn through the n
 * blocks of the ring, one block at a time, with the checks of that
 * protocol, and block lengths kept in 32 bits.  How a side waits for its
 * turn (futex, spinning) and how it publishes it stay each transport's own.
 */
#ifndef IPCLAB_RING_TURN_H
#define IPCLAB_RING_TURN_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

/* One side's place in the ring, private to that side. */
struct ipc_ring_turn {
	uint32_t pos;  /* blocks released so far (wraps) */
	unsigned slot; /* pos mod n: the block acquire hands out next */
	int held;      /* that block is acquired and not yet released */
};

/* For max_block: a block length must fit 32 bits, and n blocks a quarter
 * of the address space. */
size_t ipc_turn_max_block(unsigned n);

/* acquire, first: 0, or -EPROTO when the side still holds its block (one
 * at a time); unit is the transport's word for a block ("block", "slot"). */
int ipc_turn_check_free(const struct ipc_ring_turn *t, const char *unit,
			struct ipc_err *e);

/* acquire, reader: the length published for the slot, 0 when it fits
 * BUF_SIZE, -EPROTO when not (a corrupt ring). */
int ipc_turn_check_len(const struct ipc_ring_turn *t, uint32_t len,
		       size_t buf_size, const char *unit, struct ipc_err *e);

/* acquire, last: hand out the slot's block at data; it is now held. */
void ipc_turn_hand_out(struct ipc_ring_turn *t, void *data, size_t buf_size,
		       struct ipc_block *b);

/* release, first: b must be the held block and, from the writer, hold at
 * most buf_size bytes (-EPROTO, -EINVAL); then the turn moves on to the
 * next of the n slots. */
int ipc_turn_pass(struct ipc_ring_turn *t, unsigned n, enum ipc_role role,
		  const struct ipc_block *b, size_t buf_size, const char *unit,
		  struct ipc_err *e);

#endif
