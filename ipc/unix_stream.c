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
 * pipe_io.h.  The writer binds and listens in create (so the reader's
 * connect succeeds at once, from the backlog) and accepts in attach; each
 * side checks the other with SO_PEERCRED (same user; the reader also: the
 * writer's pid as recorded).  Once connected the path has no further use
 * and the writer unlinks it.  End of file is end of stream, but a killed
 * writer's socket closes too: the writer notes end of stream in the
 * rendezvous record before its shutdown, and a reader that meets end of
 * file without that note reports the stream as cut short.
 *
 *   ipclab run -t unix-stream -b 64K --sock-buf 1M
 */
#include "pipe_io.h"
#include "transport.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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
	close_fd(&ch->lfd);
	ipc_rdv_close(&ch->rdv); /* named: the record's objects, if left */
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

/* Apply the requested buffer sizes and record what the kernel granted, on
 * the sockets this process has (named mode: one of the two). */
static int set_buffers(struct ipc_channel *ch, size_t req, struct ipc_err *e)
{
	int v = (int)req; /* validate() bounded it by INT_MAX / 2 */
	int w = ch->fd[IPC_WRITER], r = ch->fd[IPC_READER], rc = 0;
	if (req && w >= 0 &&
	    setsockopt(w, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) < 0)
		return ipc_errf(e, errno, "setsockopt(SO_SNDBUF, %d)", v);
	if (req && r >= 0 &&
	    setsockopt(r, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
		return ipc_errf(e, errno, "setsockopt(SO_RCVBUF, %d)", v);
	if (w >= 0)
		rc = get_size(w, SO_SNDBUF, "SO_SNDBUF", &ch->sndbuf, e);
	if (rc == 0 && r >= 0)
		rc = get_size(r, SO_RCVBUF, "SO_RCVBUF", &ch->rcvbuf, e);
	return rc;
}

/* Named: the peer at the other end is the caller's user (and, when pid is
 * not 0, that process). */
static int check_peer_cred(int fd, pid_t pid, const char *path,
			   struct ipc_err *e)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return ipc_errf(e, errno, "getsockopt(%s, SO_PEERCRED)", path);
	if (cr.uid != geteuid() || (pid && cr.pid != pid))
		return ipc_errf(e, EPERM, "%s: the peer is pid %ld of uid %ld, "
				"not %s", path, (long)cr.pid, (long)cr.uid,
				pid ? "the recorded writer" : "you");
	return 0;
}

/* Named writer, in create: bind and listen on the directory's socket. */
static int listen_named(const struct ipc_params *p, struct ipc_channel *ch,
			struct ipc_err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int rc = ipc_rdv_create(&ch->rdv, p, "unix-stream", e);
	if (rc < 0)
		return rc;
	ipc_rdv_path(&ch->rdv, "sock", sa.sun_path, sizeof(sa.sun_path));
	ch->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ch->lfd < 0)
		return ipc_errf(e, errno, "socket(AF_UNIX, SOCK_STREAM)");
	if (bind(ch->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return ipc_errf(e, errno, "bind(%s)", sa.sun_path);
	rc = ipc_rdv_add_path(&ch->rdv, sa.sun_path, e);
	if (rc < 0)
		return rc;
	if (listen(ch->lfd, 1) < 0)
		return ipc_errf(e, errno, "listen(%s)", sa.sun_path);
	ch->kbuf = p->kbuf_size;
	return ipc_rdv_ready(&ch->rdv, e);
}

/* Named writer, in attach: the reader's connection. */
static int accept_named(struct ipc_channel *ch, struct ipc_err *e)
{
	const struct ipc_rdv_obj *o = &ch->rdv.info.obj[0];
	int rc = ipc_rdv_wait_reader(&ch->rdv, e);
	if (rc < 0)
		return rc;
	int fd;
	while ((fd = accept4(ch->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			return ipc_errf(e, errno, "accept(%s)", o->name);
		rc = ipc_rdv_poll(&ch->rdv, "waiting for it to connect", e);
		if (rc < 0)
			return rc;
	}
	ch->fd[IPC_WRITER] = fd;
	close_fd(&ch->lfd); /* one reader per name */
	rc = check_peer_cred(fd, 0, o->name, e);
	if (rc < 0)
		return rc;
	(void)ipc_rdv_remove_obj(o); /* connected: the path has done its job */
	return set_buffers(ch, ch->kbuf, e);
}

static int ustream_attach(struct ipc_channel *ch, enum ipc_role role,
			  struct ipc_err *e);

/* Named reader: connect to the writer's socket, check it is the writer. */
static int ustream_open(const struct ipc_params *p, enum ipc_role role,
			struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	if (role != IPC_READER)
		return ipc_errf(e, EINVAL, "open(writer): in two-program mode "
				"the writer creates the channel");
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->fd[IPC_WRITER] = ch->fd[IPC_READER] = ch->lfd = -1;
	rc = ipc_rdv_open(&ch->rdv, p, "unix-stream", e);
	if (rc < 0)
		goto err_destroy;
	const struct ipc_rdv_obj *o = &ch->rdv.info.obj[0];
	ch->buf_size = (size_t)ch->rdv.info.buf_size;
	ch->kbuf = (size_t)ch->rdv.info.kbuf_size;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (ch->rdv.info.nobj != 1 || o->kind != IPC_RDV_PATH ||
	    ch->buf_size == 0 || strlen(o->name) >= sizeof(sa.sun_path) ||
	    ch->kbuf > INT_MAX / 2) {
		rc = ipc_errf(e, EBADMSG, "%s: the record lists no socket",
			      ch->rdv.dir);
		goto err_destroy;
	}
	memcpy(sa.sun_path, o->name, strlen(o->name) + 1);
	struct stat st;
	if (lstat(o->name, &st) < 0) {
		rc = ipc_errf(e, errno, "lstat(%s)", o->name);
		goto err_destroy;
	}
	if (!S_ISSOCK(st.st_mode) || (uint64_t)st.st_ino != o->ino ||
	    (uint64_t)st.st_dev != o->dev) {
		rc = ipc_errf(e, ESTALE, "%s is not the socket the writer made",
			      o->name);
		goto err_destroy;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = ipc_errf(e, errno, "socket(AF_UNIX, SOCK_STREAM)");
		goto err_destroy;
	}
	ch->fd[IPC_READER] = fd;
	/* The writer listens since before it published the record. */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		if (errno != EINTR) {
			rc = ipc_errf(e, errno, "connect(%s)", o->name);
			goto err_destroy;
		}
	rc = check_peer_cred(fd, (pid_t)ch->rdv.info.writer_pid, o->name, e);
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
	int rc;
	char why[256];
	*out = NULL;
	if (ustream_validate(p, why, sizeof(why)) < 0) {
		(void)ipc_errf(e, 0, "%s", why);
		return -EINVAL;
	}
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->fd[IPC_WRITER] = ch->fd[IPC_READER] = ch->lfd = -1;
	ipc_rdv_init(&ch->rdv);
	ch->buf_size = p->buf_size;
	if (p->name) {
		rc = listen_named(p, ch, e);
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
	close_fd(&ch->fd[IPC_WRITER]);
	close_fd(&ch->fd[IPC_READER]);
}

static int ustream_attach(struct ipc_channel *ch, enum ipc_role role,
			  struct ipc_err *e)
{
	if (ch->lfd >= 0) {
		int rc = accept_named(ch, e); /* the creator is the writer */
		if (rc < 0)
			return rc;
	}
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
		/* Named: say it is the end before the reader sees end of file. */
		int rc = ipc_rdv_mark_eos(&ch->rdv, e);
		if (rc < 0)
			return rc;
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

/* Named reader, at end of file: the writer's end, or its death? */
static int check_eof(struct ipc_channel *ch, struct ipc_err *e)
{
	if (!ch->rdv.active || ipc_rdv_eos_marked(&ch->rdv))
		return 0;
	return ipc_errf(e, EPIPE, "recv(unix-stream): end of file, but the "
			"writer (pid %ld) did not end the stream: it was "
			"killed, and the data is cut short",
			(long)ch->rdv.peer_pid);
}

static int ustream_recv(struct ipc_channel *ch, void *buf, size_t cap,
			size_t *len, struct ipc_err *e)
{
	for (;;) {
		ssize_t n = recv(ch->fd[IPC_READER], buf, cap, 0);
		if (n >= 0) {
			*len = (size_t)n;
			return n == 0 ? check_eof(ch, e) : 0;
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
	return b->len < ch->buf_size ? check_eof(ch, e) : 0;
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
	.max_block = ustream_max_block,
	.validate = ustream_validate,
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
