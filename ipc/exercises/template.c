/*
 * template.c - write your own ipclab transport.
 *
 * Your transport moves a stream of blocks from a writer process to a reader
 * process.  ipclab does the rest: it forks the two processes, times them,
 * checks every byte and counts context switches.  You fill in the slots
 * below; each says what ipclab expects of it.  Read ipc/transport.h for the
 * full contract and ipc/exercises/example.c for a finished transport.
 *
 * Build it as handed out (it compiles; `ipclab check` then tells you what is
 * missing), from the top of the ipclab sources:
 *   cc -std=c11 -D_GNU_SOURCE -shared -fPIC -I ipc -o my_transport.so ipc/exercises/template.c
 *   build/release/ipclab check -t ./my_transport.so     # the contract, then a benchmark
 *   build/release/ipclab run -t ./my_transport.so -b 4K # one measured run
 * (CMake builds it too: build/release/plugins/template.so.)
 *
 * The exercise: a shared buffer of BUF_SIZE bytes and a way for each side to
 * wait for the other.  Try POSIX semaphores in the shared memory first (like
 * pshm-sem), then something else (pipes, an eventfd, a futex) and compare
 * them with `ipclab run` and `ipclab sweep`.
 *
 * Rules ipclab relies on:
 * - return 0, or a negative errno and a message: `return ipc_errf(e, errno,
 *   "mmap(%zu)", size);` (never print, never exit);
 * - create runs once, before fork; everything it makes is inherited by both
 *   processes; destroy must remove everything, even after a half-done create;
 * - a writer's release with b->len == 0 means end of stream; the reader's
 *   next acquire must then return b->len == 0.
 */
#include "transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Everything your two processes share: memory addresses, descriptors...
 * It is made by create in the parent and copied into both children by fork. */
struct ipc_channel {
	size_t buf_size;
	/* TODO: a pointer to the shared buffer (mmap with MAP_SHARED |
	 * MAP_ANONYMOUS works: fork keeps it shared), the byte count of the
	 * current block, and what each side waits on. */
};

/* The largest BUF_SIZE you support (ipclab refuses larger ones). */
static int my_max_block(const struct ipc_params *p, size_t *max, char *why,
			size_t whylen)
{
	(void)p, (void)why, (void)whylen;
	*max = (size_t)1 << 30;
	return 0;
}

/* Make the channel: shared memory of p->buf_size bytes, the waiting
 * objects, initial state "buffer free".  On failure undo what was done. */
static int my_create(const struct ipc_params *p, struct ipc_channel **out,
		     struct ipc_err *e)
{
	*out = NULL;
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->buf_size = p->buf_size;
	/* TODO: map the shared memory, initialise what the sides wait on. */
	free(ch);
	return ipc_errf(e, ENOSYS, "create: not written yet (template.c)");
}

/* In each child after fork: take your side (close what you do not use). */
static int my_attach(struct ipc_channel *ch, enum ipc_role role,
		     struct ipc_err *e)
{
	(void)ch, (void)role, (void)e;
	return 0; /* TODO: nothing to do for shared memory + semaphores */
}

/* Writer: wait until the buffer is free, then hand it out (b->data,
 * b->cap).  Reader: wait until a block is there, hand it out with b->len
 * (0 = end of stream). */
static int my_acquire(struct ipc_channel *ch, enum ipc_role role,
		      struct ipc_block *b, struct ipc_err *e)
{
	(void)ch, (void)role, (void)b;
	return ipc_errf(e, ENOSYS, "acquire: not written yet (template.c)");
}

/* Writer: publish b->len bytes (store the count, wake the reader).
 * Reader: give the buffer back (wake the writer). */
static int my_release(struct ipc_channel *ch, enum ipc_role role,
		      struct ipc_block *b, struct ipc_err *e)
{
	(void)ch, (void)role, (void)b;
	return ipc_errf(e, ENOSYS, "release: not written yet (template.c)");
}

/* What you obtained (ipclab records it); zeros are fine. */
static void my_info(struct ipc_channel *ch, struct ipc_info *out)
{
	(void)ch;
	memset(out, 0, sizeof(*out));
}

/* Leave your side (called once per side, also after an error). */
static void my_detach(struct ipc_channel *ch, enum ipc_role role)
{
	(void)ch, (void)role;
}

/* Remove everything create made; ch may be NULL. */
static void my_destroy(struct ipc_channel *ch)
{
	/* TODO: munmap the buffer, destroy what you initialised. */
	free(ch);
}

/* The one symbol ipclab looks for: keep its name. */
const struct ipc_transport ipclab_transport = {
	.abi = IPC_ABI_VERSION,
	.name = "my-transport",
	.summary = "my transport (from ipc/exercises/template.c)",
	.sync = "TODO: who waits on what",
	.caps = IPC_CAP_ZEROCOPY,
	.max_block = my_max_block,
	.create = my_create,
	.attach = my_attach,
	.acquire = my_acquire,
	.release = my_release,
	.info = my_info,
	.detach = my_detach,
	.destroy = my_destroy,
};
