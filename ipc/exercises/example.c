/*
 * example.c - a complete student transport, loaded by ipclab at run time.
 *
 * What is shared: one BUF_SIZE buffer in anonymous shared memory (mmap with
 * MAP_SHARED | MAP_ANONYMOUS before fork: no name, so nothing can leak) and
 * two pipes used only to wake the other side:
 *   "free" (reader -> writer): one byte = the buffer may be filled;
 *   "full" (writer -> reader): the byte count of the filled buffer (8 bytes).
 * Who waits on what: the writer reads a byte from "free", fills the buffer,
 * writes its byte count to "full"; the reader reads the count from "full",
 * consumes the buffer, writes a byte to "free".  A count of 0 is end of
 * stream.  It is pshm-sem with pipes instead of semaphores: compare them.
 *
 * Build and try it (from the top of the ipclab sources):
 *   cc -std=c11 -D_GNU_SOURCE -shared -fPIC -I ipc -o example.so ipc/exercises/example.c
 *   build/release/ipclab check -t ./example.so
 *   build/release/ipclab run -t ./example.so -b 4K
 * (CMake builds it too: build/release/plugins/example.so.)
 */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct ipc_channel {
	char *buf;       /* the shared buffer */
	size_t buf_size;
	int free_fd[2];  /* [0] read end (writer), [1] write end (reader) */
	int full_fd[2];  /* [0] read end (reader), [1] write end (writer) */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int example_max_block(const struct ipc_params *p, size_t *max,
			     char *why, size_t whylen)
{
	(void)p, (void)why, (void)whylen;
	*max = (size_t)1 << 30; /* we chose 1 GiB as our limit */
	return 0;
}

static void example_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	close_fd(&ch->free_fd[0]);
	close_fd(&ch->free_fd[1]);
	close_fd(&ch->full_fd[0]);
	close_fd(&ch->full_fd[1]);
	if (ch->buf)
		munmap(ch->buf, ch->buf_size);
	free(ch);
}

static int example_create(const struct ipc_params *p, struct ipc_channel **out,
			  struct ipc_err *e)
{
	int rc;
	*out = NULL;
	if (p->name)
		return ipc_errf(e, EOPNOTSUPP, "example: two-program mode");
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->free_fd[0] = ch->free_fd[1] = ch->full_fd[0] = ch->full_fd[1] = -1;
	ch->buf_size = p->buf_size;
	ch->buf = mmap(NULL, p->buf_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ch->buf == MAP_FAILED) {
		ch->buf = NULL;
		rc = ipc_errf(e, errno, "mmap(%zu)", p->buf_size);
		goto err_destroy;
	}
	if (pipe2(ch->free_fd, O_CLOEXEC) < 0 || pipe2(ch->full_fd, O_CLOEXEC) < 0) {
		rc = ipc_errf(e, errno, "pipe2");
		goto err_destroy;
	}
	/* The buffer starts free: one token in the "free" pipe. */
	if ((rc = ipc_write_full(ch->free_fd[1], "x", 1)) < 0) {
		rc = ipc_errf(e, -rc, "write(free pipe)");
		goto err_destroy;
	}
	*out = ch;
	return 0;

err_destroy:
	example_destroy(ch);
	return rc;
}

static void example_parent_close(struct ipc_channel *ch)
{
	close_fd(&ch->free_fd[0]);
	close_fd(&ch->free_fd[1]);
	close_fd(&ch->full_fd[0]);
	close_fd(&ch->full_fd[1]);
}

static int example_attach(struct ipc_channel *ch, enum ipc_role role,
			  struct ipc_err *e)
{
	(void)e;
	/* Keep only our ends: a dead peer then shows as end of file. */
	if (role == IPC_WRITER) {
		close_fd(&ch->free_fd[1]);
		close_fd(&ch->full_fd[0]);
	} else {
		close_fd(&ch->free_fd[0]);
		close_fd(&ch->full_fd[1]);
	}
	return 0;
}

static int example_acquire(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_block *b, struct ipc_err *e)
{
	b->data = ch->buf;
	b->cap = ch->buf_size;
	b->id = 0;
	if (role == IPC_WRITER) {
		char token;
		ssize_t n = ipc_read_full(ch->free_fd[0], &token, 1);
		if (n != 1)
			return ipc_errf(e, n < 0 ? (int)-n : EPIPE,
					"read(free pipe)");
		return 0;
	}
	uint64_t count;
	ssize_t n = ipc_read_full(ch->full_fd[0], &count, sizeof(count));
	if (n != (ssize_t)sizeof(count))
		return ipc_errf(e, n < 0 ? (int)-n : EPIPE, "read(full pipe)");
	if (count > ch->buf_size)
		return ipc_errf(e, EPROTO, "byte count %llu > BUF_SIZE",
				(unsigned long long)count);
	b->len = (size_t)count;
	return 0;
}

static int example_release(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_block *b, struct ipc_err *e)
{
	int rc;
	if (role == IPC_WRITER) {
		uint64_t count = b->len;
		rc = ipc_write_full(ch->full_fd[1], &count, sizeof(count));
		return rc < 0 ? ipc_errf(e, -rc, "write(full pipe)") : 0;
	}
	rc = ipc_write_full(ch->free_fd[1], "x", 1);
	/* After end of stream the writer may be gone already. */
	if (rc < 0 && !(rc == -EPIPE && b->len == 0))
		return ipc_errf(e, -rc, "write(free pipe)");
	return 0;
}

static void example_info(struct ipc_channel *ch, struct ipc_info *out)
{
	(void)ch;
	memset(out, 0, sizeof(*out));
	out->nblocks = 1;
}

static void example_detach(struct ipc_channel *ch, enum ipc_role role)
{
	if (role == IPC_WRITER) {
		close_fd(&ch->free_fd[0]);
		close_fd(&ch->full_fd[1]);
	} else {
		close_fd(&ch->free_fd[1]);
		close_fd(&ch->full_fd[0]);
	}
}

/* The one symbol ipclab looks for. */
const struct ipc_transport ipclab_transport = {
	.abi = IPC_ABI_VERSION,
	.name = "example",
	.summary = "student example: anonymous shared buffer, two pipes as wake-ups",
	.sync = "writer reads a token from the free pipe, writes the byte count to the full pipe; reader the reverse",
	.caps = IPC_CAP_ZEROCOPY,
	.max_block = example_max_block,
	.create = example_create,
	.parent_close = example_parent_close,
	.attach = example_attach,
	.acquire = example_acquire,
	.release = example_release,
	.info = example_info,
	.detach = example_detach,
	.destroy = example_destroy,
};
