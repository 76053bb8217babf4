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
 * Two-program mode (`ipclab xfr`): the same two sockets, made by
 * connect/accept on /tmp/ipclab-NAME/sock, in the rendezvous directory of
 * rendezvous.h.  The writer binds and listens in create (so the reader's
 * connect succeeds at once, from the backlog) and accepts in attach; each
 * side checks the other with SO_PEERCRED (same user; the reader also: the
 * writer's pid as recorded).  Once connected the path has no further use
 * and the writer unlinks it.  End of file is end of stream, but a killed
 * writer's socket closes too: the writer notes end of stream in the
 * rendezvous record before its shutdown, and a reader that meets end of
 * file without that note reports the stream as cut short.  The socket code
 * the three socket transports share (buffers, the send loop, the named
 * listen/accept/connect) is in sock_io.c.
 *
 *   ipclab run -t unix-stream -b 64K --sock-buf 1M
 */
#include "copy_block.h"
#include "sock_io.h"
#include "transport.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/socket.h>

struct ipc_channel {
	int fd[2];      /* indexed by role: [IPC_WRITER], [IPC_READER] */
	size_t buf_size;
	size_t sndbuf;  /* SO_SNDBUF of the writer's socket, as obtained */
	size_t rcvbuf;  /* SO_RCVBUF of the reader's socket, as obtained */
	int shut;       /* writer: end of stream sent */
	char *buf;      /* private block of the block API */
	int lfd;        /* named writer: the listening socket until accept */
	size_t kbuf;    /* named: --sock-buf, applied once connected */
	struct ipc_rdv rdv; /* two-program mode */
};

static void ustream_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	ipc_close_pair(ch->fd);
	ipc_close_fd(&ch->lfd);
	ipc_rdv_close(&ch->rdv); /* named: the record's objects, if left */
	free(ch->buf);
	free(ch);
}

/* Apply the requested buffer sizes and record what the kernel granted, on
 * the sockets this process has (named mode: one of the two). */
static int set_buffers(struct ipc_channel *ch, size_t req, struct ipc_err *e)
{
	int w = ch->fd[IPC_WRITER], r = ch->fd[IPC_READER], rc = 0;
	if (w >= 0)
		rc = ipc_sock_set_buf(w, SO_SNDBUF, req, &ch->sndbuf, e);
	if (rc == 0 && r >= 0)
		rc = ipc_sock_set_buf(r, SO_RCVBUF, req, &ch->rcvbuf, e);
	return rc;
}

static int ustream_attach(struct ipc_channel *ch, enum ipc_role role,
			  struct ipc_err *e);

/* Named reader: connect to the writer's socket, check it is the writer. */
static int ustream_open(const struct ipc_params *p, enum ipc_role role,
			struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	struct ipc_channel *ch = ipc_open_alloc(role, "socket", sizeof(*ch),
						&rc, e);
	if (!ch)
		return rc;
	ch->fd[IPC_WRITER] = ch->fd[IPC_READER] = ch->lfd = -1;
	rc = ipc_rdv_open(&ch->rdv, p, "unix-stream", e);
	if (rc < 0)
		goto err_destroy;
	ch->buf_size = (size_t)ch->rdv.info.buf_size;
	ch->kbuf = (size_t)ch->rdv.info.kbuf_size;
	if (ch->kbuf > INT_MAX / 2) {
		rc = ipc_errf(e, EBADMSG, "%s: the record lists no socket",
			      ch->rdv.dir);
		goto err_destroy;
	}
	rc = ipc_sock_connect_named(&ch->rdv, SOCK_STREAM, &ch->fd[IPC_READER],
				    e);
	if (rc == 0)
		rc = set_buffers(ch, ch->kbuf, e);
	if (rc == 0)
		rc = ustream_attach(ch, IPC_READER, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	ustream_destroy(ch);
	return rc;
}

static int ustream_create(const struct ipc_params *p, struct ipc_channel **out,
			  struct ipc_err *e)
{
	*out = NULL;
	int rc = ipc_create_validate(ipc_sock_validate, p, e);
	if (rc < 0)
		return rc;
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->fd[IPC_WRITER] = ch->fd[IPC_READER] = ch->lfd = -1;
	ipc_rdv_init(&ch->rdv);
	ch->buf_size = p->buf_size;
	if (p->name) {
		ch->kbuf = p->kbuf_size; /* applied in attach, once connected */
		rc = ipc_sock_listen_named(&ch->rdv, p, "unix-stream",
					   SOCK_STREAM, &ch->lfd, e);
		if (rc < 0)
			goto err_destroy;
		*out = ch;
		return 0;
	}
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
	ipc_close_pair(ch->fd);
}

static int ustream_attach(struct ipc_channel *ch, enum ipc_role role,
			  struct ipc_err *e)
{
	if (ch->lfd >= 0) { /* named: the creator is the writer */
		int rc = ipc_sock_accept_named(&ch->rdv, &ch->lfd,
					       &ch->fd[IPC_WRITER], e);
		if (rc == 0)
			rc = set_buffers(ch, ch->kbuf, e);
		if (rc < 0)
			return rc;
	}
	/* Keep only this side's socket: a dead peer then shows as end of
	 * stream (reader) or ECONNRESET / EPIPE (writer). */
	int other = role == IPC_WRITER ? IPC_READER : IPC_WRITER;
	return ipc_copy_attach(&ch->fd[other], &ch->buf, ch->buf_size, e);
}

static int ustream_send(struct ipc_channel *ch, const void *buf, size_t len,
			struct ipc_err *e)
{
	if (len == 0) {
		/* Named: say it is the end before the reader sees end of file. */
		int rc = ipc_rdv_mark_eos(&ch->rdv, e);
		if (rc < 0)
			return rc;
		/* End of stream: the reader's recv returns 0 after the data. */
		return ipc_sock_shutdown(ch->fd[IPC_WRITER], &ch->shut,
					 "unix-stream", e);
	}
	return ipc_sock_send_all(ch->fd[IPC_WRITER], "unix-stream", buf, len, e);
}

static int ustream_recv(struct ipc_channel *ch, void *buf, size_t cap,
			size_t *len, struct ipc_err *e)
{
	int rc = ipc_sock_recv(ch->fd[IPC_READER], "unix-stream", buf, cap, len,
			       e);
	/* Named: end of file is the writer's end, or its death. */
	if (rc == 0 && *len == 0)
		rc = ipc_rdv_check_eof(&ch->rdv, "recv(unix-stream)", e);
	return rc;
}

static int ustream_acquire(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_block *b, struct ipc_err *e)
{
	/* The reader's: BUF_SIZE bytes, or fewer at end of stream. */
	int rc = ipc_copy_acquire_stream(role, ch->fd[IPC_READER],
					 "unix-stream", ch->buf, ch->buf_size,
					 b, e);
	if (rc == 0 && role == IPC_READER && b->len < ch->buf_size)
		rc = ipc_rdv_check_eof(&ch->rdv, "recv(unix-stream)", e);
	return rc;
}

static int ustream_release(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_block *b, struct ipc_err *e)
{
	return ipc_copy_release(ustream_send, ch, role, b, e);
}

static void ustream_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_copy_info(out, ch->sndbuf); /* it bounds the bytes in flight */
}

static void ustream_detach(struct ipc_channel *ch, enum ipc_role role)
{
	ipc_copy_detach(&ch->fd[role], &ch->buf);
	/* Named writer: the directory goes in destroy, once the reader is
	 * done with it (it reads the end-of-stream note there). */
	if (role == IPC_WRITER && ch->shut)
		ipc_rdv_wait_done(&ch->rdv);
}

const struct ipc_transport ipc_unix_stream = {
	.abi = IPC_ABI_VERSION,
	.name = "unix-stream",
	.summary = "Unix domain stream socketpair, send()/recv() (buffer: --sock-buf)",
	.sync = "the kernel blocks the writer when its send buffer is full, the reader when nothing is queued",
	.caps = IPC_CAP_NAMED,
	.max_block = ipc_stream_max_block,
	.validate = ipc_sock_validate,
	.create = ustream_create,
	.open = ustream_open,
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
