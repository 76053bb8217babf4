/*
 * ring_turn.c - each side's turn through a ring in shared memory
 * (ring_turn.h).
 */
#include "ring_turn.h"

#include <errno.h>

size_t ipc_turn_max_block(unsigned n)
{
	size_t by_region = (SIZE_MAX / 4) / n;
	return by_region < UINT32_MAX ? by_region : UINT32_MAX;
}

int ipc_turn_check_free(const struct ipc_ring_turn *t, const char *unit,
			struct ipc_err *e)
{
	if (t->held)
		return ipc_errf(e, EPROTO, "acquire: %s %u is still held "
				"(one block at a time per side)", unit,
				t->slot);
	return 0;
}

int ipc_turn_check_len(const struct ipc_ring_turn *t, uint32_t len,
		       size_t buf_size, const char *unit, struct ipc_err *e)
{
	if (len > buf_size)
		return ipc_errf(e, EPROTO, "%s %u: length %u > BUF_SIZE %zu: "
				"corrupt ring", unit, t->slot, len, buf_size);
	return 0;
}

void ipc_turn_hand_out(struct ipc_ring_turn *t, void *data, size_t buf_size,
		       struct ipc_block *b)
{
	b->id = t->slot;
	b->data = data;
	b->cap = buf_size;
	t->held = 1;
}

int ipc_turn_pass(struct ipc_ring_turn *t, unsigned n, enum ipc_role role,
		  const struct ipc_block *b, size_t buf_size, const char *unit,
		  struct ipc_err *e)
{
	if (!t->held || b->id != t->slot)
		return ipc_errf(e, EPROTO, "release of %s %u: %s %u was %s",
				unit, b->id, unit, t->slot,
				t->held ? "acquired" : "never acquired");
	if (role == IPC_WRITER && b->len > buf_size)
		return ipc_errf(e, EINVAL, "release: length %zu > BUF_SIZE %zu",
				b->len, buf_size);
	t->held = 0;
	t->pos++;
	t->slot = t->slot + 1 == n ? 0 : t->slot + 1;
	return 0;
}
