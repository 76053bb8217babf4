/*
 * copy_block.h - the block API (acquire/release) of a transport whose system
 * call is the copy: pipes, sockets, message queues.  Such a transport has no
 * shared blocks to hand out, so each side gets a private block of BUF_SIZE
 * bytes (ipc_block_alloc, from attach): the writer fills it and release
 * sends it with the transport's own send; the reader's acquire receives one
 * block into it.  Copy mode skips the private block (send/recv).
 */
#ifndef IPCLAB_COPY_BLOCK_H
#define IPCLAB_COPY_BLOCK_H

#include <stddef.h>

#include "transport.h"

/* The send slot of the transport (struct ipc_transport). */
typedef int (*ipc_send_fn)(struct ipc_channel *ch, const void *buf,
			   size_t len, struct ipc_err *e);

/* Attach of a transport with two descriptors made before fork: close the
 * peer's one (*other), so that a dead peer shows as end of file (reader) or
 * EPIPE / ECONNRESET (writer), and allocate the private block. */
int ipc_copy_attach(int *other, char **buf, size_t buf_size,
		    struct ipc_err *e);

/* Detach: close this side's descriptor (*mine) and free the private
 * block. */
void ipc_copy_detach(int *mine, char **buf);

/* Info: zeroed but for the kernel buffer obtained, in bytes (pipe
 * capacity, SO_SNDBUF, the queue's bytes). */
void ipc_copy_info(struct ipc_info *out, size_t kbuf_size);

/* Acquire hands out the private block buf of cap bytes: empty to the
 * writer, which fills it; to the reader once the block is in it. */
void ipc_copy_block(struct ipc_block *b, char *buf, size_t cap);

/* Acquire on a byte stream (pipe, stream socket): the private block, and
 * for the reader a whole block read from fd, until cap bytes or end of file
 * (b->len < cap only at the end); what names the object in e. */
int ipc_copy_acquire_stream(enum ipc_role role, int fd, const char *what,
			    char *buf, size_t cap, struct ipc_block *b,
			    struct ipc_err *e);

/* Release: the writer sends the block's b->len bytes with send (0 bytes:
 * end of stream); the reader has nothing to give back. */
int ipc_copy_release(ipc_send_fn send, struct ipc_channel *ch,
		     enum ipc_role role, const struct ipc_block *b,
		     struct ipc_err *e);

#endif
