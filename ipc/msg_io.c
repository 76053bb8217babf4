/*
 * msg_io.c - what the message transports share (msg_io.h).
 */
#include "msg_io.h"

#include <string.h>

int ipc_msg_send_split(struct ipc_channel *ch, ipc_msg_send_fn one,
		       size_t max, const void *buf, size_t len,
		       struct ipc_err *e)
{
	const char *p = buf;
	if (len == 0)
		return one(ch, "", 0, e);
	while (len > 0) {
		size_t n = len < max ? len : max;
		int rc = one(ch, p, n, e);
		if (rc < 0)
			return rc;
		p += n;
		len -= n;
	}
	return 0;
}

void ipc_msg_rest_copy(struct ipc_msg_rest *r, const char *msg, void *buf,
		       size_t cap, size_t *len)
{
	size_t n = r->len < cap ? r->len : cap;
	if (n)
		memcpy(buf, msg + r->off, n);
	r->off += n;
	r->len -= n;
	*len = n;
}

int ipc_msg_rest_block(struct ipc_msg_rest *r, char *msg,
		       struct ipc_block *b)
{
	if (r->len) { /* left over by a short recv */
		b->data = msg + r->off;
		b->len = r->len;
		r->len = 0;
		return 1;
	}
	if (r->eos) {
		b->len = 0;
		return 1;
	}
	return 0;
}
