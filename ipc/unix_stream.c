/*
 * unix_stream.c - a Unix domain stream socket (AF_UNIX, SOCK_STREAM): a byte
 * stream like a pipe, but through the socket layer, so every write becomes
 * one or more socket buffers (skbs) queued on the reader's socket.
 *
 * What is shared: one connected socketpair(2), made before fork; the writer
 * keeps one end, the reader the other, the parent closes both once the
 * children run.  Who waits on what: the kernel blocks the writer while the
 * bytes in flight fill its send buffer, and the reader while nothing is
 * queued.  End of stream is shutdown(SHUT_WR) by the writer: the reader's
 * recv then returns 0 once the queue is drained; a writer that dies looks the
 * same (the driver tells them apart by the byte count).  A reader that dies
 * makes the writer's send fail: ECONNRESET when bytes were still queued to it
 * (the usual case), EPIPE otherwise.  Writes and reads can be short, so both
 * loop.
 *
 * Socket buffer (--sock-buf, p->kbuf_size): SO_SNDBUF on the writer's socket
 * and SO_RCVBUF on the reader's.  The kernel doubles the value (the extra
 * half pays for skb bookkeeping) and caps the request at net.core.wmem_max /
 * rmem_max; the size getsockopt reports is recorded.  Measured on this
 * kernel (6.18): for AF_UNIX only the writer's SO_SNDBUF limits the bytes in
 * flight; the reader's SO_RCVBUF is reported but not enforced (a 4 KiB
 * SO_RCVBUF still queues 214 KiB behind a default SO_SNDBUF), and each skb
 * costs about 768 bytes of that budget, so 1-byte writes fill it after ~280.
 *
 * Named mode (to come): the same two sockets, made by connect/accept on a
 * path bound inside a private ipclab- directory; set_buffers() and
 * everything after create apply unchanged.
 *
 *   ipclab run -t unix-stream -b 64K --sock-buf 1M
 */
#include "transport.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct ipc_channel {
	int fd[2];      /* indexed by role: [IPC_WRITER], [IPC_READER] */
	size_t buf_size;
	size_t sndbuf;  /* SO_SNDBUF of the writer's socket, as obtained */
	size_t rcvbuf;  /* SO_RCVBUF of the reader's socket, as obtained */
	int shut;       /* writer: end of stream sent */
	char *buf;      /* private block of the block API */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

static int ustream_max_block(const struct ipc_params *p, size_t *max,
			     char *why, size_t whylen)
{
	(void)p;
	(void)why;
	(void)whylen;
	*max = SIZE_MAX / 2; /* a byte stream: any write size works */
	return 0;
}

/* One of the two caps the kernel applies silently to SO_SNDBUF/SO_RCVBUF. */
static int check_cap(size_t req, const char *sysctl, char *why, size_t whylen)
{
	char path[64];
	unsigned long limit;
	snprintf(path, sizeof(path), "/proc/sys/net/core/%s", sysctl);
	if (ipc_read_ulong(path, &limit) < 0 || req <= limit)
		return 0;
	snprintf(why, whylen,
		 "--sock-buf %zu: above net.core.%s (%lu bytes), the kernel "
		 "would silently cap it; use at most %lu, or raise it as root: "
		 "sysctl net.core.%s=%zu",
		 req, sysctl, limit, limit, sysctl, req);
	return -EINVAL;
}

static int ustream_validate(const struct ipc_params *p, char *why,
			    size_t whylen)
{
	if (p->kbuf_size == 0)
		return 0;
	if (p->kbuf_size > INT_MAX / 2) {
		snprintf(why, whylen,
			 "--sock-buf %zu: too large (setsockopt takes an int "
			 "that the kernel doubles: at most %d)",
			 p->kbuf_size, INT_MAX / 2);
		return -EINVAL;
	}
	int rc = check_cap(p->kbuf_size, "wmem_max", why, whylen);
	if (rc == 0)
		rc = check_cap(p->kbuf_size, "rmem_max", why, whylen);
	return rc;
}

static void ustream_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	close_fd(&ch->fd[IPC_WRITER]);
	close_fd(&ch->fd[IPC_READER]);
	free(ch->buf);
	free(ch);
}

static int get_size(int fd, int opt, const char *name, size_t *out,
		    struct ipc_err *e)
{
	int v = 0;
	socklen_t len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) < 0)
		return ipc_errf(e, errno, "getsockopt(%s)", name);
	*out = v > 0 ? (size_t)v : 0;
	return 0;
}

/* Apply the requested buffer sizes and record what the kernel granted. */
static int set_buffers(struct ipc_channel *ch, size_t req, struct ipc_err *e)
{
	if (req) {
		int v = (int)req; /* validate() bounded it by INT_MAX / 2 */
		if (setsockopt(ch->fd[IPC_WRITER], SOL_SOCKET, SO_SNDBUF, &v,
			       sizeof(v)) < 0)
			return ipc_errf(e, errno, "setsockopt(SO_SNDBUF, %d)", v);
		if (setsockopt(ch->fd[IPC_READER], SOL_SOCKET, SO_RCVBUF, &v,
			       sizeof(v)) < 0)
			return ipc_errf(e, errno, "setsockopt(SO_RCVBUF, %d)", v);
	}
	int rc = get_size(ch->fd[IPC_WRITER], SO_SNDBUF, "SO_SNDBUF",
			  &ch->sndbuf, e);
	if (rc == 0)
		rc = get_size(ch->fd[IPC_READER], SO_RCVBUF, "SO_RCVBUF",
			      &ch->rcvbuf, e);
	return rc;
}

static int ustream_create(const struct ipc_params *p, struct ipc_channel **out,
			  struct ipc_err *e)
{
	int rc;
	char why[256];
	*out = NULL;
	if (p->name)
		return ipc_errf(e, EOPNOTSUPP, "two-program mode (--name %s)",
				p->name);
	if (ustream_validate(p, why, sizeof(why)) < 0) {
		(void)ipc_errf(e, 0, "%s", why);
		return -EINVAL;
	}
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->fd[IPC_WRITER] = ch->fd[IPC_READER] = -1;
	ch->buf_size = p->buf_size;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = ipc_errf(e, errno, "socketpair(AF_UNIX, SOCK_STREAM)");
		goto err_destroy;
	}
	ch->fd[IPC_WRITER] = sv[0];
	ch->fd[IPC_READER] = sv[1];
	rc = set_buffers(ch, p->kbuf_size, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	ustream_destroy(ch);
	return rc;
}

static void ustream_parent_close(struct ipc_channel *ch)
{
	close_fd(&ch->fd[IPC_WRITER]);
	close_fd(&ch->fd[IPC_READER]);
}

static int ustream_attach(struct ipc_channel *ch, enum ipc_role role,
			  struct ipc_err *e)
{
	/* Keep only this side's socket: a dead peer then shows as end of
	 * stream (reader) or ECONNRESET / EPIPE (writer). */
	close_fd(&ch->fd[role == IPC_WRITER ? IPC_READER : IPC_WRITER]);
	ch->buf = malloc(ch->buf_size);
	if (!ch->buf)
		return ipc_errf(e, ENOMEM, "malloc(%zu)", ch->buf_size);
	memset(ch->buf, 0, ch->buf_size); /* touch it outside the timed region */
	return 0;
}

static int ustream_send(struct ipc_channel *ch, const void *buf, size_t len,
			struct ipc_err *e)
{
	int fd = ch->fd[IPC_WRITER];
	if (len == 0) {
		/* End of stream: the reader's recv returns 0 after the data. */
		if (!ch->shut && shutdown(fd, SHUT_WR) < 0)
			return ipc_errf(e, errno, "shutdown(unix-stream, SHUT_WR)");
		ch->shut = 1;
		return 0;
	}
	const char *p = buf;
	while (len > 0) {
		/* MSG_NOSIGNAL: a dead reader is EPIPE even if SIGPIPE is not
		 * ignored. */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ipc_errf(e, errno, "send(unix-stream, %zu)", len);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int ustream_recv(struct ipc_channel *ch, void *buf, size_t cap,
			size_t *len, struct ipc_err *e)
{
	for (;;) {
		ssize_t n = recv(ch->fd[IPC_READER], buf, cap, 0);
		if (n >= 0) {
			*len = (size_t)n;
			return 0;
		}
		if (errno != EINTR)
			return ipc_errf(e, errno, "recv(unix-stream, %zu)", cap);
	}
}

static int ustream_acquire(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_block *b, struct ipc_err *e)
{
	b->data = ch->buf;
	b->cap = ch->buf_size;
	b->id = 0;
	if (role == IPC_WRITER)
		return 0;
	/* A whole block: read until BUF_SIZE bytes or end of stream. */
	ssize_t n = ipc_read_full(ch->fd[IPC_READER], ch->buf, ch->buf_size);
	if (n < 0)
		return ipc_errf(e, (int)-n, "read(unix-stream, %zu)",
				ch->buf_size);
	b->len = (size_t)n;
	return 0;
}

static int ustream_release(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_block *b, struct ipc_err *e)
{
	if (role == IPC_READER)
		return 0;
	return ustream_send(ch, b->data, b->len, e);
}

static void ustream_info(struct ipc_channel *ch, struct ipc_info *out)
{
	memset(out, 0, sizeof(*out));
	out->kbuf_size = ch->sndbuf; /* the one that bounds bytes in flight */
}

static void ustream_detach(struct ipc_channel *ch, enum ipc_role role)
{
	close_fd(&ch->fd[role]);
	free(ch->buf);
	ch->buf = NULL;
}

const struct ipc_transport ipc_unix_stream = {
	.abi = IPC_ABI_VERSION,
	.name = "unix-stream",
	.summary = "Unix domain stream socketpair, send()/recv() (buffer: --sock-buf)",
	.sync = "the kernel blocks the writer when its send buffer is full, the reader when nothing is queued",
	.caps = 0,
	.max_block = ustream_max_block,
	.validate = ustream_validate,
	.create = ustream_create,
	.parent_close = ustream_parent_close,
	.attach = ustream_attach,
	.acquire = ustream_acquire,
	.release = ustream_release,
	.send = ustream_send,
	.recv = ustream_recv,
	.info = ustream_info,
	.detach = ustream_detach,
	.destroy = ustream_destroy,
};
