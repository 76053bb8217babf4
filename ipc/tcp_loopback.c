/*
 * tcp_loopback.c - TCP over 127.0.0.1: the baseline a network-minded user
 * has in mind.  Every write goes through the whole TCP/IP stack (segments,
 * checksums offloaded on loopback, ACKs, the receive window) and the loopback
 * device, then is copied out at the reader: two copies, like a Unix socket,
 * plus the protocol work.
 *
 * What is shared: one TCP connection, made entirely in create, before fork:
 * a listening socket bound to 127.0.0.1 on an ephemeral port (never to any
 * other address: nothing off the machine can connect), a client socket that
 * connects to it (on loopback the handshake completes inside connect), and
 * the accepted socket.  The listening socket is closed at once; the accepted
 * socket's peer is checked to be our client, so that another local process
 * racing for the port cannot take its place.  The writer keeps the client
 * socket, the reader the accepted one, the parent closes both once the
 * children run.
 *
 * Who waits on what: the kernel blocks the writer while its send buffer is
 * full (bytes sent but not yet ACKed by the reader's stack), and the reader
 * while nothing is queued.  End of stream is shutdown(SHUT_WR): a FIN after
 * the data, so the reader's recv returns 0 once it is drained.  A reader
 * that dies resets the connection: the writer's send fails (ECONNRESET or
 * EPIPE).  Sends and receives can be short, so both loop.
 *
 * Options: TCP_NODELAY is on unless --nagle, so that a small message leaves at once
 * instead of waiting for the ACK of the previous one (Nagle) - what every
 * latency-minded user sets.  Socket buffers (--sock-buf, p->kbuf_size):
 * SO_RCVBUF on the listening socket before listen (the accepted socket
 * inherits it, and the window scale is fixed by the handshake) and
 * SO_SNDBUF on the client before connect; both switch off the kernel's
 * buffer autotuning.  The kernel doubles the value and caps it at
 * net.core.wmem_max / rmem_max (validate refuses values above the caps);
 * the send buffer obtained is recorded.  The side that closes first keeps
 * its port in TIME_WAIT for a minute, harmless for ephemeral ports.  The
 * send loop and the buffer helpers are unix-stream's (sock_io.c).
 *
 *   ipclab run -t tcp-loopback -b 64K --sock-buf 1M --pin split
 */
#include "sock_io.h"
#include "copy_block.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* Lab: compare the ping-pong latency at -b 64 with and without --nagle
 * (Nagle's algorithm meets the peer's delayed ACK). */

struct ipc_channel {
	int fd[2];      /* indexed by role: [IPC_WRITER] client, [IPC_READER]
			 * accepted */
	size_t buf_size;
	size_t sndbuf;  /* SO_SNDBUF of the writer's socket, as obtained */
	size_t rcvbuf;  /* SO_RCVBUF of the reader's socket, as obtained */
	int shut;       /* writer: end of stream sent */
	char *buf;      /* private block of the block API */
};

static void tcp_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	ipc_close_pair(ch->fd);
	free(ch->buf);
	free(ch);
}

static int same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_family == b->sin_family && a->sin_port == b->sin_port &&
	       a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* Listen on 127.0.0.1:0, connect, accept; lfd is closed by the caller. */
static int connect_pair(struct ipc_channel *ch, int lfd, size_t kbuf,
			struct ipc_err *e)
{
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(addr);
	int rc;
	if (kbuf) { /* before listen: accepted sockets inherit it */
		rc = ipc_sock_set_int(lfd, SOL_SOCKET, SO_RCVBUF, (int)kbuf,
				      "SO_RCVBUF", e);
		if (rc < 0)
			return rc;
	}
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return ipc_errf(e, errno, "bind(127.0.0.1:0)");
	if (listen(lfd, 1) < 0)
		return ipc_errf(e, errno, "listen(127.0.0.1)");
	if (getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0)
		return ipc_errf(e, errno, "getsockname(listening socket)");

	ch->fd[IPC_WRITER] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ch->fd[IPC_WRITER] < 0)
		return ipc_errf(e, errno, "socket(AF_INET, SOCK_STREAM)");
	if (kbuf) {
		rc = ipc_sock_set_int(ch->fd[IPC_WRITER], SOL_SOCKET, SO_SNDBUF,
				      (int)kbuf, "SO_SNDBUF", e);
		if (rc < 0)
			return rc;
	}
	if (connect(ch->fd[IPC_WRITER], (struct sockaddr *)&addr,
		    sizeof(addr)) < 0)
		return ipc_errf(e, errno, "connect(127.0.0.1:%u)",
				ntohs(addr.sin_port));
	struct sockaddr_in mine, peer;
	socklen_t mlen = sizeof(mine), plen = sizeof(peer);
	if (getsockname(ch->fd[IPC_WRITER], (struct sockaddr *)&mine, &mlen) < 0)
		return ipc_errf(e, errno, "getsockname(client socket)");
	ch->fd[IPC_READER] = accept4(lfd, (struct sockaddr *)&peer, &plen,
				     SOCK_CLOEXEC);
	if (ch->fd[IPC_READER] < 0)
		return ipc_errf(e, errno, "accept4(127.0.0.1:%u)",
				ntohs(addr.sin_port));
	if (!same_addr(&mine, &peer))
		return ipc_errf(e, EPROTO, "accept(127.0.0.1:%u): a connection "
				"from port %u, not ours (%u)",
				ntohs(addr.sin_port), ntohs(peer.sin_port),
				ntohs(mine.sin_port));
	return 0;
}

static int tcp_create(const struct ipc_params *p, struct ipc_channel **out,
		      struct ipc_err *e)
{
	*out = NULL;
	if (p->name)
		return ipc_errf(e, EOPNOTSUPP, "two-program mode (--name %s)",
				p->name);
	int rc = ipc_create_validate(ipc_sock_validate, p, e);
	if (rc < 0)
		return rc;
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->fd[IPC_WRITER] = ch->fd[IPC_READER] = -1;
	ch->buf_size = p->buf_size;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		rc = ipc_errf(e, errno, "socket(AF_INET, SOCK_STREAM)");
		goto err_destroy;
	}
	rc = connect_pair(ch, lfd, p->kbuf_size, e);
	(void)close(lfd); /* one connection is all we take */
	if (rc < 0)
		goto err_destroy;
	for (int i = 0; i < 2; i++) {
		rc = ipc_sock_set_int(ch->fd[i], IPPROTO_TCP, TCP_NODELAY,
				      !p->nagle, "TCP_NODELAY", e);
		if (rc < 0)
			goto err_destroy;
	}
	rc = ipc_sock_get_buf(ch->fd[IPC_WRITER], SO_SNDBUF, &ch->sndbuf, e);
	if (rc == 0)
		rc = ipc_sock_get_buf(ch->fd[IPC_READER], SO_RCVBUF, &ch->rcvbuf,
				      e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	tcp_destroy(ch);
	return rc;
}

static void tcp_parent_close(struct ipc_channel *ch)
{
	ipc_close_pair(ch->fd);
}

static int tcp_attach(struct ipc_channel *ch, enum ipc_role role,
		      struct ipc_err *e)
{
	/* Keep only this side's socket: a dead peer then shows as end of
	 * stream (reader) or ECONNRESET / EPIPE (writer). */
	int other = role == IPC_WRITER ? IPC_READER : IPC_WRITER;
	return ipc_copy_attach(&ch->fd[other], &ch->buf, ch->buf_size, e);
}

static int tcp_send(struct ipc_channel *ch, const void *buf, size_t len,
		    struct ipc_err *e)
{
	/* End of stream: a FIN after the data. */
	if (len == 0)
		return ipc_sock_shutdown(ch->fd[IPC_WRITER], &ch->shut, "tcp", e);
	return ipc_sock_send_all(ch->fd[IPC_WRITER], "tcp", buf, len, e);
}

static int tcp_recv(struct ipc_channel *ch, void *buf, size_t cap,
		    size_t *len, struct ipc_err *e)
{
	return ipc_sock_recv(ch->fd[IPC_READER], "tcp", buf, cap, len, e);
}

static int tcp_acquire(struct ipc_channel *ch, enum ipc_role role,
		       struct ipc_block *b, struct ipc_err *e)
{
	/* The reader's: BUF_SIZE bytes, or fewer at the FIN. */
	return ipc_copy_acquire_stream(role, ch->fd[IPC_READER], "tcp", ch->buf,
				       ch->buf_size, b, e);
}

static int tcp_release(struct ipc_channel *ch, enum ipc_role role,
		       struct ipc_block *b, struct ipc_err *e)
{
	return ipc_copy_release(tcp_send, ch, role, b, e);
}

static void tcp_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_copy_info(out, ch->sndbuf); /* bounds the bytes in flight */
}

static void tcp_detach(struct ipc_channel *ch, enum ipc_role role)
{
	ipc_copy_detach(&ch->fd[role], &ch->buf);
}

const struct ipc_transport ipc_tcp_loopback = {
	.abi = IPC_ABI_VERSION,
	.name = "tcp-loopback",
	.summary = "TCP over 127.0.0.1, send()/recv(), TCP_NODELAY unless --nagle (buffer: --sock-buf)",
	.sync = "the kernel blocks the writer when its send buffer is full (unacknowledged bytes), the reader when nothing is queued",
	.caps = 0,
	.max_block = ipc_stream_max_block,
	.validate = ipc_sock_validate,
	.create = tcp_create,
	.parent_close = tcp_parent_close,
	.attach = tcp_attach,
	.acquire = tcp_acquire,
	.release = tcp_release,
	.send = tcp_send,
	.recv = tcp_recv,
	.info = tcp_info,
	.detach = tcp_detach,
	.destroy = tcp_destroy,
};
