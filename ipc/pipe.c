/*
 * pipe.c - an anonymous pipe: the kernel copies every byte twice (into the
 * pipe's pages on write, out of them on read) and blocks the writer when the
 * pipe is full and the reader when it is empty.
 *
 * What is shared: one pipe(2), created before fork; the writer keeps the
 * write end, the reader the read end, the parent closes both once the
 * children are running, so that the writer's close is the reader's end of
 * file (end of stream).  The pipe capacity is an option (F_SETPIPE_SZ, up to
 * /proc/sys/fs/pipe-max-size); the capacity obtained is recorded.  Having
 * no name, it cannot join two unrelated programs: for `ipclab xfr` (the
 * two-program mode) use fifo, the same pipe with a name.
 *
 * Copy mode uses send/recv straight from the source and into the destination
 * buffer: the system call is the copy, nothing is added.
 *
 *   ipclab run -t pipe -b 64K --pipe-size 1M
 */
#include "copy_block.h"
#include "pipe_io.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

struct ipc_channel {
	int fd[2];      /* [0] read end, [1] write end */
	size_t buf_size;
	size_t capacity; /* obtained, bytes */
	char *buf;      /* private block of the block API */
};

static void pipe_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	ipc_close_pair(ch->fd);
	free(ch->buf);
	free(ch);
}

static int pipe_create(const struct ipc_params *p, struct ipc_channel **out,
		       struct ipc_err *e)
{
	int rc;
	*out = NULL;
	/* Only a descendant of the creator can hold its descriptors. */
	if (p->name)
		return ipc_errf(e, EOPNOTSUPP,
				"two-program mode (--name %s): an anonymous "
				"pipe has no name; use fifo, a named pipe",
				p->name);
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->fd[0] = ch->fd[1] = -1;
	ch->buf_size = p->buf_size;
	if (pipe2(ch->fd, O_CLOEXEC) < 0) {
		rc = ipc_errf(e, errno, "pipe2");
		goto err_destroy;
	}
	rc = ipc_pipe_set_capacity(ch->fd[1], p->kbuf_size, &ch->capacity, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	pipe_destroy(ch);
	return rc;
}

static void pipe_parent_close(struct ipc_channel *ch)
{
	ipc_close_pair(ch->fd);
}

static int pipe_attach(struct ipc_channel *ch, enum ipc_role role,
		       struct ipc_err *e)
{
	/* Keep only this side's end: a dead peer then shows as EOF / EPIPE. */
	return ipc_copy_attach(&ch->fd[role == IPC_WRITER ? 0 : 1], &ch->buf,
			       ch->buf_size, e);
}

static int pipe_send(struct ipc_channel *ch, const void *buf, size_t len,
		     struct ipc_err *e)
{
	/* len 0 closes the write end: the reader sees end of file. */
	return ipc_pipe_send(&ch->fd[1], "pipe", buf, len, e);
}

static int pipe_recv(struct ipc_channel *ch, void *buf, size_t cap,
		     size_t *len, struct ipc_err *e)
{
	return ipc_pipe_recv(ch->fd[0], "pipe", buf, cap, len, e);
}

static int pipe_acquire(struct ipc_channel *ch, enum ipc_role role,
			struct ipc_block *b, struct ipc_err *e)
{
	/* The reader's: BUF_SIZE bytes, or fewer at end of file. */
	return ipc_copy_acquire_stream(role, ch->fd[0], "pipe", ch->buf,
				       ch->buf_size, b, e);
}

static int pipe_release(struct ipc_channel *ch, enum ipc_role role,
			struct ipc_block *b, struct ipc_err *e)
{
	return ipc_copy_release(pipe_send, ch, role, b, e);
}

static void pipe_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_copy_info(out, ch->capacity);
}

static void pipe_detach(struct ipc_channel *ch, enum ipc_role role)
{
	ipc_copy_detach(&ch->fd[role == IPC_WRITER ? 1 : 0], &ch->buf);
}

const struct ipc_transport ipc_pipe = {
	.abi = IPC_ABI_VERSION,
	.name = "pipe",
	.summary = "anonymous pipe, write()/read() (capacity: --pipe-size)",
	.sync = "the kernel blocks the writer when the pipe is full, the reader when it is empty",
	.caps = IPC_CAP_ANONYMOUS,
	.max_block = ipc_stream_max_block,
	.validate = ipc_pipe_validate,
	.create = pipe_create,
	.parent_close = pipe_parent_close,
	.attach = pipe_attach,
	.acquire = pipe_acquire,
	.release = pipe_release,
	.send = pipe_send,
	.recv = pipe_recv,
	.info = pipe_info,
	.detach = pipe_detach,
	.destroy = pipe_destroy,
};
