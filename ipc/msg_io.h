/*
 * msg_io.h - what the message transports share: posix-mq, sysv-msg and
 * unix-seqpacket, whose kernel keeps message boundaries (one message is one
 * block).
 *
 * 1. A send of more than BUF_SIZE bytes goes as several messages of at most
 *    BUF_SIZE each: no reader's block (nor mq_msgsize) holds more.
 *
 * 2. The queues' receive takes a whole message or nothing, so a recv into a
 *    buffer smaller than the message (copy mode) receives it into the
 *    private block and hands out the rest on the next recv or acquire.  The
 *    rest, and whether the empty message (end of stream) has come, is a
 *    struct ipc_msg_rest.  (unix-seqpacket has no rest: recv cuts nothing
 *    silently, a smaller buffer is an error there.)
 */
#ifndef IPCLAB_MSG_IO_H
#define IPCLAB_MSG_IO_H

#include <stddef.h>

#include "transport.h"

/* Sends one message of len <= BUF_SIZE bytes (0: end of stream). */
typedef int (*ipc_msg_send_fn)(struct ipc_channel *ch, const char *msg,
			       size_t len, struct ipc_err *e);

/* len bytes of buf as messages of at most max bytes, each with one; len 0
 * is one empty message. */
int ipc_msg_send_split(struct ipc_channel *ch, ipc_msg_send_fn one,
		       size_t max, const void *buf, size_t len,
		       struct ipc_err *e);

/* The reader's part of a message not yet handed out. */
struct ipc_msg_rest {
	size_t off, len; /* len bytes at msg + off are left */
	int eos;         /* the empty message arrived: the stream has ended */
};

/* recv: up to cap bytes of the rest (at msg + r->off) into buf, their
 * number in *len (0 when none is left: at end of stream). */
void ipc_msg_rest_copy(struct ipc_msg_rest *r, const char *msg, void *buf,
		       size_t cap, size_t *len);

/* The reader's acquire: 1 when b is the whole rest (at msg + r->off) or,
 * after end of stream, empty; 0 when the next message must be received. */
int ipc_msg_rest_block(struct ipc_msg_rest *r, char *msg,
		       struct ipc_block *b);

#endif
