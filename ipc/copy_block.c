/*
 * copy_block.c - the block API of the transports whose system call is the
 * copy (copy_block.h).
 */
#include "copy_block.h"

#include <stdlib.h>
#include <string.h>

int ipc_copy_attach(int *other, char **buf, size_t buf_size,
		    struct ipc_err *e)
{
	ipc_close_fd(other);
	return ipc_block_alloc(buf, buf_size, e);
}

void ipc_copy_detach(int *mine, char **buf)
{
	ipc_close_fd(mine);
	free(*buf);
	*buf = NULL;
}

void ipc_copy_info(struct ipc_info *out, size_t kbuf_size)
{
	memset(out, 0, sizeof(*out));
	out->kbuf_size = kbuf_size;
}

void ipc_copy_block(struct ipc_block *b, char *buf, size_t cap)
{
	b->data = buf;
	b->cap = cap;
	b->id = 0;
}

int ipc_copy_acquire_stream(enum ipc_role role, int fd, const char *what,
			    char *buf, size_t cap, struct ipc_block *b,
			    struct ipc_err *e)
{
	ipc_copy_block(b, buf, cap);
	if (role == IPC_WRITER)
		return 0;
	return ipc_read_block(fd, what, buf, cap, &b->len, e);
}

int ipc_copy_release(ipc_send_fn send, struct ipc_channel *ch,
		     enum ipc_role role, const struct ipc_block *b,
		     struct ipc_err *e)
{
	if (role == IPC_READER)
		return 0;
	return send(ch, b->data, b->len, e);
}
