/*
 * pshm_pipe.c - POSIX shared memory split into N numbered blocks, with a pair
 * of pipes carrying only the block metadata.
 *
 * What is shared: one POSIX shared-memory object of N blocks of BUF_SIZE
 * (after a one-page header), and two pipes:
 *   "empty" (reader -> writer): numbers of free blocks, 4 bytes each;
 *   "full"  (writer -> reader): {block number, length}, 16 bytes each.
 * Who waits on what: the writer reads a free block number from "empty" (and
 * blocks there when all N are full), fills the block, writes its number and
 * length to "full"; the reader reads "full" (and blocks there when nothing is
 * ready), consumes the block and writes its number back to "empty".  No
 * semaphores: the pipes do the blocking, up to N blocks are in flight, and
 * the data itself never goes through the kernel.  Length 0 is end of stream.
 *
 * Creation and removal: create makes the object (0600, O_EXCL), maps it,
 * unlinks its name in fork mode, makes the pipes and puts every block number
 * in "empty".  Each side closes the pipe ends it does not use, so a dead peer
 * shows as end of file instead of a hang.
 *
 *   ipclab run -t pshm-pipe -b 64K --blocks 8
 */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PSHM_PIPE_MAGIC 0x69707370u /* "ipsp" */
#define PSHM_PIPE_VERSION 1u
#define HEADER_BYTES 4096
#define DEFAULT_BLOCKS 8u
#define MAX_BLOCKS 4096u /* all numbers fit in a default 64 KiB pipe */

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

struct ipc_channel {
	struct region region;
	char *blocks;
	size_t buf_size;
	unsigned nblocks;
	int empty[2]; /* [0] read end (writer), [1] write end (reader) */
	int full[2];  /* [0] read end (reader), [1] write end (writer) */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

static unsigned blocks_of(const struct ipc_params *p)
{
	return p->nblocks ? p->nblocks : DEFAULT_BLOCKS;
}

static int pshm_pipe_max_block(const struct ipc_params *p, size_t *max,
			       char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	*max = (SIZE_MAX / 2) / blocks_of(p);
	return 0;
}

static int pshm_pipe_validate(const struct ipc_params *p, char *why,
			      size_t whylen)
{
	if (p->nblocks > MAX_BLOCKS) {
		snprintf(why, whylen,
			 "--blocks %u: at most %u blocks (their numbers must "
			 "fit in one pipe)", p->nblocks, MAX_BLOCKS);
		return -EINVAL;
	}
	return ipc_region_validate(p, REGION_POSIX,
				   HEADER_BYTES + (size_t)blocks_of(p) * p->buf_size,
				   why, whylen);
}

static void pshm_pipe_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	close_fd(&ch->empty[0]);
	close_fd(&ch->empty[1]);
	close_fd(&ch->full[0]);
	close_fd(&ch->full[1]);
	region_destroy(&ch->region);
	free(ch);
}

static int pshm_pipe_create(const struct ipc_params *p,
			    struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	region_init(&ch->region);
	ch->empty[0] = ch->empty[1] = ch->full[0] = ch->full[1] = -1;
	ch->buf_size = p->buf_size;
	ch->nblocks = blocks_of(p);

	rc = region_create(&ch->region, REGION_POSIX,
			   HEADER_BYTES + (size_t)ch->nblocks * p->buf_size,
			   &p->region, p->name, e);
	if (rc < 0)
		goto err_destroy;
	struct header *h = ch->region.addr;
	h->magic = PSHM_PIPE_MAGIC;
	h->version = PSHM_PIPE_VERSION;
	h->buf_size = p->buf_size;
	h->nblocks = ch->nblocks;
	ch->blocks = (char *)ch->region.addr + HEADER_BYTES;

	if (pipe2(ch->empty, O_CLOEXEC) < 0) {
		rc = ipc_errf(e, errno, "pipe2(empty)");
		goto err_destroy;
	}
	if (pipe2(ch->full, O_CLOEXEC) < 0) {
		rc = ipc_errf(e, errno, "pipe2(full)");
		goto err_destroy;
	}
	for (uint32_t i = 0; i < ch->nblocks; i++) {
		rc = ipc_write_full(ch->empty[1], &i, sizeof(i));
		if (rc < 0) {
			rc = ipc_errf(e, -rc, "write(empty pipe)");
			goto err_destroy;
		}
	}
	*out = ch;
	return 0;

err_destroy:
	pshm_pipe_destroy(ch);
	return rc;
}

static void pshm_pipe_parent_close(struct ipc_channel *ch)
{
	close_fd(&ch->empty[0]);
	close_fd(&ch->empty[1]);
	close_fd(&ch->full[0]);
	close_fd(&ch->full[1]);
}

static int pshm_pipe_attach(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_err *e)
{
	if (role == IPC_WRITER) {
		close_fd(&ch->empty[1]);
		close_fd(&ch->full[0]);
	} else {
		close_fd(&ch->empty[0]);
		close_fd(&ch->full[1]);
	}
	return region_prepare(&ch->region, e);
}

static int read_msg(int fd, void *m, size_t len, const char *what,
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

static int pshm_pipe_acquire(struct ipc_channel *ch, enum ipc_role role,
			     struct ipc_block *b, struct ipc_err *e)
{
	uint32_t id;
	size_t len = 0;
	int rc;
	if (role == IPC_WRITER) {
		rc = read_msg(ch->empty[0], &id, sizeof(id), "empty", e);
	} else {
		struct full_msg m;
		rc = read_msg(ch->full[0], &m, sizeof(m), "full", e);
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

static int pshm_pipe_release(struct ipc_channel *ch, enum ipc_role role,
			     struct ipc_block *b, struct ipc_err *e)
{
	int rc;
	if (role == IPC_WRITER) {
		struct full_msg m = {.id = b->id, .len = b->len};
		rc = ipc_write_full(ch->full[1], &m, sizeof(m));
		if (rc < 0)
			return ipc_errf(e, -rc, "write(full pipe)");
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

static void pshm_pipe_info(struct ipc_channel *ch, struct ipc_info *out)
{
	memset(out, 0, sizeof(*out));
	out->nblocks = ch->nblocks;
	region_read_back(&ch->region); /* THP appear only once touched */
	out->region = ch->region.info;
}

static void pshm_pipe_detach(struct ipc_channel *ch, enum ipc_role role)
{
	if (role == IPC_WRITER) {
		close_fd(&ch->empty[0]);
		close_fd(&ch->full[1]);
	} else {
		close_fd(&ch->empty[1]);
		close_fd(&ch->full[0]);
	}
}

const struct ipc_transport ipc_pshm_pipe = {
	.abi = IPC_ABI_VERSION,
	.name = "pshm-pipe",
	.summary = "POSIX shm in N numbered blocks, two pipes carry block numbers",
	.sync = "writer reads a free block number from the empty pipe, writes {number, length} to the full pipe; reader the reverse",
	.caps = IPC_CAP_REGION | IPC_CAP_ZEROCOPY,
	.max_block = pshm_pipe_max_block,
	.validate = pshm_pipe_validate,
	.create = pshm_pipe_create,
	.parent_close = pshm_pipe_parent_close,
	.attach = pshm_pipe_attach,
	.acquire = pshm_pipe_acquire,
	.release = pshm_pipe_release,
	.info = pshm_pipe_info,
	.detach = pshm_pipe_detach,
	.destroy = pshm_pipe_destroy,
};
