/*
 * block_ring.c - the block ring over two pipes of pshm-pipe and memfd (the
 * protocol is in block_ring.h): the region's header, the pipes, and the
 * slots both transports plug in as they are.
 *
 *   ipclab sweep -t pshm-pipe,memfd -b 4K,64K --blocks 8
 */
#include "block_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define RING_VERSION 1u

struct header {
	uint32_t magic;
	uint32_t version;
	uint64_t buf_size;
	uint32_t nblocks;
};

struct full_msg {
	uint32_t id;
	uint32_t pad;
	uint64_t len;
};

/* One fixed-size message from a block-number pipe; end of file before it
 * is whole means the peer is gone. */
static int read_msg(int fd, const char *what, void *m, size_t len,
		    struct ipc_err *e)
{
	ssize_t n = ipc_read_full(fd, m, len);
	if (n < 0)
		return ipc_errf(e, (int)-n, "read(%s pipe)", what);
	if ((size_t)n != len)
		return ipc_errf(e, EPIPE, "read(%s pipe): the peer is gone",
				what);
	return 0;
}

int ipc_ring_alloc(size_t buf_size, unsigned nblocks,
		   struct ipc_channel **out, struct ipc_err *e)
{
	*out = NULL;
	if (nblocks > IPC_RING_MAX_BLOCKS) /* validate says it for the CLI */
		return ipc_errf(e, EINVAL, "--blocks %u: at most %u", nblocks,
				IPC_RING_MAX_BLOCKS);
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	*out = ch;
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	region_init(&ch->region);
	ch->empty[0] = ch->empty[1] = ch->full[0] = ch->full[1] = -1;
	ch->lfd = -1;
	ipc_rdv_init(&ch->rdv);
	ch->buf_size = buf_size;
	ch->nblocks = nblocks;
	return 0;
}

unsigned ipc_ring_blocks(const struct ipc_params *p)
{
	return p->nblocks ? p->nblocks : IPC_RING_DEFAULT_BLOCKS;
}

size_t ipc_ring_region_bytes(size_t buf_size, unsigned nblocks)
{
	return IPC_RING_HEADER_BYTES + (size_t)nblocks * buf_size;
}

int ipc_ring_max_block(const struct ipc_params *p, size_t *max, char *why,
		       size_t whylen)
{
	(void)why;
	(void)whylen;
	*max = (SIZE_MAX / 4) / ipc_ring_blocks(p);
	return 0;
}

int ipc_ring_validate(const struct ipc_params *p, enum region_kind kind,
		      char *why, size_t whylen)
{
	if (p->nblocks > IPC_RING_MAX_BLOCKS) {
		snprintf(why, whylen,
			 "--blocks %u: at most %u blocks (their numbers must "
			 "fit in one pipe)", p->nblocks, IPC_RING_MAX_BLOCKS);
		return -EINVAL;
	}
	return ipc_region_validate(p, kind,
				   ipc_ring_region_bytes(p->buf_size,
							 ipc_ring_blocks(p)),
				   why, whylen);
}

void ipc_ring_format(struct ipc_channel *ch, uint32_t magic)
{
	struct header *h = ch->region.addr;
	h->magic = magic;
	h->version = RING_VERSION;
	h->buf_size = ch->buf_size;
	h->nblocks = ch->nblocks;
	ch->blocks = (char *)ch->region.addr + IPC_RING_HEADER_BYTES;
}

int ipc_ring_check(struct ipc_channel *ch, uint32_t magic, const char *what,
		   const char *transport, struct ipc_err *e)
{
	const struct header *h = ch->region.addr;
	int small = ch->region.size < sizeof(*h);
	if (small || ch->buf_size == 0 || ch->nblocks == 0 ||
	    ch->nblocks > IPC_RING_MAX_BLOCKS ||
	    ch->buf_size > (SIZE_MAX / 4) / ch->nblocks ||
	    ch->region.size < ipc_ring_region_bytes(ch->buf_size, ch->nblocks) ||
	    h->magic != magic || h->version != RING_VERSION ||
	    h->buf_size != ch->buf_size || h->nblocks != ch->nblocks)
		return ipc_errf(e, EBADMSG, "%s is not a %s channel of %u blocks "
				"of %zu bytes (size %zu, magic 0x%08x, version "
				"%u)", what, transport, ch->nblocks,
				ch->buf_size, ch->region.size,
				small ? 0u : (unsigned)h->magic,
				small ? 0u : (unsigned)h->version);
	ch->blocks = (char *)ch->region.addr + IPC_RING_HEADER_BYTES;
	return 0;
}

int ipc_ring_fill_empty(struct ipc_channel *ch, const char *what,
			struct ipc_err *e)
{
	/* At most IPC_RING_MAX_BLOCKS numbers: they fit in the pipe, no
	 * wait. */
	for (uint32_t i = 0; i < ch->nblocks; i++) {
		int rc = ipc_write_full(ch->empty[1], &i, sizeof(i));
		if (rc < 0)
			return ipc_errf(e, -rc, "write(%s)", what);
	}
	return 0;
}

int ipc_ring_make_pipes(struct ipc_channel *ch, struct ipc_err *e)
{
	if (pipe2(ch->empty, O_CLOEXEC) < 0)
		return ipc_errf(e, errno, "pipe2(empty)");
	if (pipe2(ch->full, O_CLOEXEC) < 0)
		return ipc_errf(e, errno, "pipe2(full)");
	return ipc_ring_fill_empty(ch, "empty pipe", e);
}

void ipc_ring_parent_close(struct ipc_channel *ch)
{
	ipc_close_pair(ch->empty);
	ipc_close_pair(ch->full);
}

int ipc_ring_attach(struct ipc_channel *ch, enum ipc_role role,
		    struct ipc_err *e)
{
	if (ch->meet_reader) {
		int rc = ch->meet_reader(ch, e);
		if (rc < 0)
			return rc;
	}
	if (role == IPC_WRITER) {
		ipc_close_fd(&ch->empty[1]);
		ipc_close_fd(&ch->full[0]);
	} else {
		ipc_close_fd(&ch->empty[0]);
		ipc_close_fd(&ch->full[1]);
	}
	return region_prepare(&ch->region, e);
}

int ipc_ring_acquire(struct ipc_channel *ch, enum ipc_role role,
		     struct ipc_block *b, struct ipc_err *e)
{
	uint32_t id;
	size_t len = 0;
	int rc;
	if (role == IPC_WRITER) {
		rc = read_msg(ch->empty[0], "empty", &id, sizeof(id), e);
	} else {
		struct full_msg m;
		if (ch->await_writer) {
			rc = ipc_rdv_await_fifo_writer(&ch->rdv, ch->full[0], e);
			if (rc < 0)
				return rc;
			ch->await_writer = 0;
		}
		rc = read_msg(ch->full[0], "full", &m, sizeof(m), e);
		id = m.id;
		len = (size_t)m.len;
	}
	if (rc < 0)
		return rc;
	if (id >= ch->nblocks || len > ch->buf_size)
		return ipc_errf(e, EPROTO, "block %u of %u, length %zu: corrupt "
				"metadata", id, ch->nblocks, len);
	b->id = id;
	b->data = ch->blocks + (size_t)id * ch->buf_size;
	b->cap = ch->buf_size;
	b->len = len;
	return 0;
}

int ipc_ring_release(struct ipc_channel *ch, enum ipc_role role,
		     struct ipc_block *b, struct ipc_err *e)
{
	int rc;
	if (role == IPC_WRITER) {
		struct full_msg m = {.id = b->id, .len = b->len};
		rc = ipc_write_full(ch->full[1], &m, sizeof(m));
		if (rc < 0)
			return ipc_errf(e, -rc, "write(full pipe)");
		if (b->len == 0)
			ch->eos_sent = 1;
	} else {
		uint32_t id = b->id;
		rc = ipc_write_full(ch->empty[1], &id, sizeof(id));
		/* The writer may have queued end of stream and left while we
		 * still give back earlier blocks; a writer that died early
		 * shows up anyway as end of file on our next acquire. */
		if (rc < 0 && rc != -EPIPE)
			return ipc_errf(e, -rc, "write(empty pipe)");
	}
	return 0;
}

void ipc_ring_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_region_info(&ch->region, ch->nblocks, out);
}

void ipc_ring_detach(struct ipc_channel *ch, enum ipc_role role)
{
	if (role == IPC_WRITER) {
		ipc_close_fd(&ch->empty[0]);
		ipc_close_fd(&ch->full[1]);
		if (ch->eos_sent)
			ipc_rdv_wait_done(&ch->rdv); /* named: reader done */
	} else {
		ipc_close_fd(&ch->empty[1]);
		ipc_close_fd(&ch->full[0]);
	}
}

void ipc_ring_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	ipc_close_pair(ch->empty);
	ipc_close_pair(ch->full);
	ipc_close_fd(&ch->lfd);
	region_destroy(&ch->region);
	ipc_rdv_close(&ch->rdv); /* two-program mode: removes the objects */
	free(ch);
}
