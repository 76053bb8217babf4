/*
 * unix_seqpacket.c - a Unix domain sequenced-packet socket (AF_UNIX,
 * SOCK_SEQPACKET): connected and reliable like a stream socket, but the
 * kernel keeps message boundaries, so one send is one block and one recv
 * returns exactly that block, never a part of it.
 *
 * What is shared: one connected socketpair(2), made before fork; the writer
 * keeps one end, the reader the other, the parent closes both once the
 * children run.  Who waits on what: the kernel blocks the writer while the
 * messages in flight fill its send buffer, and the reader while no message is
 * queued.  Each message is charged whole to the writer's SO_SNDBUF, so the
 * send buffer also bounds the largest message.
 *
 * End of stream is shutdown(SHUT_WR) by the writer: the reader's recv then
 * returns 0 once the queue is drained.  A zero-length message would not do:
 * SOCK_SEQPACKET delivers it as a real empty record, and recv returns 0 for
 * it too, so the reader could not tell it from the end; shutdown is also what
 * a dying writer's close looks like, so there is one end, not two.  No data
 * message is ever empty (the writer's zero-length release *is* the end).  A
 * reader that dies makes the writer's send fail with ECONNRESET (messages
 * were still queued to it) or EPIPE.
 *
 * The largest message, measured on this kernel (6.18, x86-64): a send of len
 * bytes fails with EMSGSIZE when len > SO_SNDBUF - 32 (SO_SNDBUF as obtained:
 * the kernel doubles the request and caps it at 2 x net.core.wmem_max), and
 * with ENOBUFS when the single buffer for the message cannot be allocated:
 * here nothing above 4,263,616 bytes (a 4 MiB linear part less skb overhead,
 * plus 17 page fragments) whatever the send buffer.  With wmem_max = 4 MiB
 * the allocation is the binding limit.  Rather than trusting either formula,
 * max_block finds the bound at run time: a throwaway socketpair (unnamed,
 * closed before returning, so nothing is left) with the send buffer create
 * would use, and a binary search over non-blocking send() sizes (starting at
 * SO_SNDBUF - 32 so the usual case costs two sends), EMSGSIZE or ENOBUFS
 * meaning too big; the result is cached per process.  The data comes from an
 * untouched private mapping, which reads as the shared zero page and costs no
 * memory.
 *
 * Socket buffer (--sock-buf, p->kbuf_size): SO_SNDBUF of the writer's socket
 * (SO_RCVBUF plays no part for AF_UNIX).  By default it is left alone
 * (net.core.wmem_default) unless BUF_SIZE does not fit, in which case it is
 * raised to hold two messages.
 *
 * Two-program mode (`ipclab xfr`): the same two sockets from connect/accept
 * on /tmp/ipclab-NAME/sock in the rendezvous directory of rendezvous.h, as for
 * unix-stream: the writer binds and listens in create, accepts in attach and
 * sets its SO_SNDBUF there (the request create chose, so the largest
 * message is what create checked); SO_PEERCRED checks each side; the path
 * goes once connected (sock_io.c).  The writer notes end of stream in the
 * rendezvous record before its shutdown, so a reader can tell the end from
 * a killed writer.
 *
 *   ipclab run -t unix-seqpacket -b 64K
 */
#include "copy_block.h"
#include "msg_io.h"
#include "sock_io.h"
#include "transport.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WMEM_MAX_PATH "/proc/sys/net/core/wmem_max"
#define REQ_LIMIT (INT_MAX / 2) /* the kernel doubles the int we pass */
#define ENOBUFS_RETRIES 200     /* x 1 ms: see send_msg() */

struct ipc_channel {
	int fd[2];      /* indexed by role: [IPC_WRITER], [IPC_READER] */
	size_t buf_size;
	size_t sndbuf;  /* SO_SNDBUF of the writer's socket, as obtained */
	int shut;       /* writer: end of stream sent */
	char *buf;      /* private block of the block API */
	int lfd;        /* named writer: the listening socket until accept */
	int req;        /* named writer: SO_SNDBUF request, applied at accept */
	struct ipc_rdv rdv; /* two-program mode */
};

/* What one SO_SNDBUF request gives: found by probing (see the header). */
struct limit {
	int req;        /* SO_SNDBUF asked for; 0 = the default */
	size_t sndbuf;  /* SO_SNDBUF obtained */
	size_t max;     /* largest message that went through */
	int bound_err;  /* errno of the smallest size that did not */
};

/* 1: a len-byte message went through; 0: too big; <0: -errno. */
static int try_send(const int sv[2], const char *zeros, size_t len, int *err)
{
	ssize_t n = send(sv[0], zeros, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0) {
		*err = errno;
		/* EAGAIN too: the pair is empty, so "no room" means never. */
		if (errno == EMSGSIZE || errno == ENOBUFS || errno == ENOMEM ||
		    errno == EAGAIN)
			return 0;
		return -errno;
	}
	if ((size_t)n != len)
		return -EIO; /* a record is never cut on send */
	/* A short recv discards the rest of the record: the pair is empty
	 * again and the next probe starts from the same state. */
	char c;
	if (recv(sv[1], &c, 1, MSG_DONTWAIT) < 0)
		return -errno;
	return 1;
}

static int probe(int req, struct limit *out, struct ipc_err *e)
{
	int sv[2], rc;
	out->req = req;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return ipc_errf(e, errno, "socketpair(AF_UNIX, SOCK_SEQPACKET)");
	rc = ipc_sock_set_buf(sv[0], SO_SNDBUF, (size_t)req, &out->sndbuf, e);
	if (rc < 0)
		goto out_close;
	size_t span = out->sndbuf + 1;
	char *zeros = mmap(NULL, span, PROT_READ,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (zeros == MAP_FAILED) {
		rc = ipc_errf(e, errno, "mmap(%zu)", span);
		goto out_close;
	}
	/* lo went through, hi did not; a message never exceeds its buffer. */
	size_t lo = 0, hi = out->sndbuf + 1;
	int err = EMSGSIZE;
	size_t guess = out->sndbuf > 32 ? out->sndbuf - 32 : 1;
	size_t next[2] = {guess, guess + 1};
	for (unsigned i = 0; hi - lo > 1; i++) {
		size_t mid = lo + (hi - lo) / 2;
		if (i < 2 && next[i] > lo && next[i] < hi)
			mid = next[i];
		int e2 = 0;
		int ok = try_send(sv, zeros, mid, &e2);
		if (ok < 0) {
			rc = ipc_errf(e, -ok, "send(unix-seqpacket probe, %zu)",
				      mid);
			goto out_unmap;
		}
		if (ok) {
			lo = mid;
		} else {
			hi = mid;
			err = e2;
		}
	}
	out->max = lo;
	out->bound_err = err;
	rc = 0;
out_unmap:
	(void)munmap(zeros, span);
out_close:
	(void)close(sv[0]);
	(void)close(sv[1]);
	return rc;
}

/* The probe copies megabytes: do it once per request and process (a run
 * asks for up to three requests: the largest, the default, its own). */
static int limit_for(int req, struct limit *out, struct ipc_err *e)
{
	static struct limit cache[4];
	static unsigned used, next;
	for (unsigned i = 0; i < used; i++)
		if (cache[i].req == req) {
			*out = cache[i];
			return 0;
		}
	int rc = probe(req, out, e);
	if (rc == 0) {
		cache[next] = *out;
		next = (next + 1) % 4;
		if (used < 4)
			used++;
	}
	return rc;
}

/* The SO_SNDBUF request that gives the largest buffer the kernel allows. */
static int request_for_max(unsigned long *wmem_max)
{
	if (ipc_read_ulong(WMEM_MAX_PATH, wmem_max) < 0)
		*wmem_max = 0;
	if (*wmem_max == 0 || *wmem_max > REQ_LIMIT)
		return REQ_LIMIT; /* the kernel caps it at wmem_max anyway */
	return (int)*wmem_max;
}

static void explain(const struct limit *lim, size_t kbuf, unsigned long wmax,
		    char *why, size_t whylen)
{
	if (!why || !whylen)
		return;
	if (lim->bound_err != EMSGSIZE) {
		snprintf(why, whylen,
			 "one message is one kernel buffer: %zu bytes is the "
			 "largest this kernel allocated (%s above it), below "
			 "what SO_SNDBUF %zu would allow; a larger "
			 "net.core.wmem_max does not help",
			 lim->max, ipc_errno_name(lim->bound_err), lim->sndbuf);
	} else if (kbuf) {
		snprintf(why, whylen,
			 "one message must fit the writer's send buffer: "
			 "--sock-buf %zu gives SO_SNDBUF %zu, messages up to "
			 "%zu bytes; use a larger --sock-buf (at most "
			 "net.core.wmem_max, %lu)",
			 kbuf, lim->sndbuf, lim->max, wmax);
	} else {
		snprintf(why, whylen,
			 "one message must fit the writer's send buffer: "
			 "SO_SNDBUF is at most %zu here (2 x net.core.wmem_max, "
			 "%lu), messages up to %zu bytes; raise it as root: "
			 "sysctl net.core.wmem_max=N",
			 lim->sndbuf, wmax, lim->max);
	}
}

static int useq_max_block(const struct ipc_params *p, size_t *max, char *why,
			  size_t whylen)
{
	unsigned long wmax;
	int req = request_for_max(&wmax);
	if (p->kbuf_size)
		req = p->kbuf_size > REQ_LIMIT ? REQ_LIMIT : (int)p->kbuf_size;
	struct limit lim;
	struct ipc_err e;
	int rc = limit_for(req, &lim, &e);
	if (rc < 0) {
		if (why && whylen)
			snprintf(why, whylen, "probing the largest message: %s",
				 e.msg);
		return rc;
	}
	*max = lim.max;
	explain(&lim, p->kbuf_size, wmax, why, whylen);
	return 0;
}

static int useq_validate(const struct ipc_params *p, char *why, size_t whylen)
{
	if (p->kbuf_size == 0)
		return 0;
	/* Only the writer's SO_SNDBUF counts here (see the header). */
	int rc = ipc_sock_check_cap(p->kbuf_size, "wmem_max", why, whylen);
	if (rc < 0)
		return rc;
	if (p->kbuf_size > REQ_LIMIT) {
		snprintf(why, whylen, "--sock-buf %zu: too large (at most %d)",
			 p->kbuf_size, REQ_LIMIT);
		return -EINVAL;
	}
	return 0;
}

static void useq_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	ipc_close_pair(ch->fd);
	ipc_close_fd(&ch->lfd);
	ipc_rdv_close(&ch->rdv); /* named: the record's objects, if left */
	free(ch->buf);
	free(ch);
}

/* The SO_SNDBUF request create makes (0: keep the default). */
static int choose_request(const struct ipc_params *p, struct ipc_err *e,
			  int *req)
{
	if (p->kbuf_size) {
		*req = (int)p->kbuf_size; /* validate() bounded it */
		return 0;
	}
	struct limit def;
	int rc = limit_for(0, &def, e);
	if (rc < 0)
		return rc;
	if (p->buf_size <= def.max) {
		*req = 0;
		return 0;
	}
	/* Doubled by the kernel: room for two messages in flight. */
	unsigned long wmax;
	int top = request_for_max(&wmax);
	*req = p->buf_size > (size_t)top ? top : (int)p->buf_size;
	return 0;
}

static int useq_create(const struct ipc_params *p, struct ipc_channel **out,
		       struct ipc_err *e)
{
	int req = 0;
	char why[256];
	*out = NULL;
	int rc = ipc_create_validate(useq_validate, p, e);
	if (rc == 0)
		rc = choose_request(p, e, &req);
	if (rc < 0)
		return rc;
	struct limit lim;
	rc = limit_for(req, &lim, e);
	if (rc < 0)
		return rc;
	if (p->buf_size > lim.max) {
		unsigned long wmax;
		(void)request_for_max(&wmax);
		explain(&lim, p->kbuf_size, wmax, why, sizeof(why));
		return ipc_errf(e, EMSGSIZE,
				"BUF_SIZE %zu above the largest message, %zu "
				"bytes (%s)",
				p->buf_size, lim.max, why);
	}

	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->fd[IPC_WRITER] = ch->fd[IPC_READER] = ch->lfd = -1;
	ipc_rdv_init(&ch->rdv);
	ch->buf_size = p->buf_size;
	if (p->name) {
		ch->req = req; /* applied in attach, once connected */
		rc = ipc_sock_listen_named(&ch->rdv, p, "unix-seqpacket",
					   SOCK_SEQPACKET, &ch->lfd, e);
		if (rc < 0)
			goto err_destroy;
		*out = ch;
		return 0;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = ipc_errf(e, errno, "socketpair(AF_UNIX, SOCK_SEQPACKET)");
		goto err_destroy;
	}
	ch->fd[IPC_WRITER] = sv[0];
	ch->fd[IPC_READER] = sv[1];
	rc = ipc_sock_set_buf(ch->fd[IPC_WRITER], SO_SNDBUF, (size_t)req,
			      &ch->sndbuf, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	useq_destroy(ch);
	return rc;
}

static void useq_parent_close(struct ipc_channel *ch)
{
	ipc_close_pair(ch->fd);
}

static int useq_attach(struct ipc_channel *ch, enum ipc_role role,
		       struct ipc_err *e)
{
	if (ch->lfd >= 0) { /* named: the creator is the writer */
		int rc = ipc_sock_accept_named(&ch->rdv, &ch->lfd,
					       &ch->fd[IPC_WRITER], e);
		if (rc == 0)
			rc = ipc_sock_set_buf(ch->fd[IPC_WRITER], SO_SNDBUF,
					      (size_t)ch->req, &ch->sndbuf, e);
		if (rc < 0)
			return rc;
	}
	/* Keep only this side's socket: a dead peer then shows as end of
	 * stream (reader) or ECONNRESET / EPIPE (writer). */
	int other = role == IPC_WRITER ? IPC_READER : IPC_WRITER;
	return ipc_copy_attach(&ch->fd[other], &ch->buf, ch->buf_size, e);
}

/*
 * One message.  Large messages need one large contiguous kernel buffer
 * (order 8 for 1 MiB); when memory is fragmented its allocation can fail
 * with ENOBUFS even on a blocking socket, where the kernel does not wait.
 * Compaction usually frees one within milliseconds, so retry for a while
 * before reporting it.
 */
static int send_msg(struct ipc_channel *ch, const char *p, size_t len,
		    struct ipc_err *e)
{
	unsigned tries = 0;
	for (;;) {
		ssize_t n = send(ch->fd[IPC_WRITER], p, len, MSG_NOSIGNAL);
		if (n >= 0) {
			if ((size_t)n != len)
				return ipc_errf(e, EIO,
						"send(unix-seqpacket, %zu): %zd sent",
						len, n);
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == ENOBUFS && tries++ < ENOBUFS_RETRIES) {
			struct timespec ms = {0, 1000000};
			(void)nanosleep(&ms, NULL);
			continue;
		}
		if (errno == ENOBUFS)
			return ipc_errf(e, errno,
					"send(unix-seqpacket, %zu): the kernel "
					"found no contiguous buffer for one "
					"message; use a smaller BUF_SIZE",
					len);
		return ipc_errf(e, errno, "send(unix-seqpacket, %zu)", len);
	}
}

static int useq_send(struct ipc_channel *ch, const void *buf, size_t len,
		     struct ipc_err *e)
{
	if (len == 0) {
		/* Named: say it is the end before the reader sees end of file. */
		int rc = ipc_rdv_mark_eos(&ch->rdv, e);
		if (rc < 0)
			return rc;
		/* End of stream: the reader's recv returns 0 after the data. */
		return ipc_sock_shutdown(ch->fd[IPC_WRITER], &ch->shut,
					 "unix-seqpacket", e);
	}
	/* At most BUF_SIZE per message, so the reader never gets a cut one. */
	return ipc_msg_send_split(ch, send_msg, ch->buf_size, buf, len, e);
}

static int useq_recv(struct ipc_channel *ch, void *buf, size_t cap,
		     size_t *len, struct ipc_err *e)
{
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	for (;;) {
		ssize_t n = recvmsg(ch->fd[IPC_READER], &mh, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ipc_errf(e, errno, "recv(unix-seqpacket, %zu)",
					cap);
		}
		/* The rest of a longer message is gone: never pass it on. */
		if (mh.msg_flags & MSG_TRUNC)
			return ipc_errf(e, EMSGSIZE,
					"recv(unix-seqpacket, %zu): a longer "
					"message was cut",
					cap);
		*len = (size_t)n;
		/* Named: end of file is the writer's end, or its death. */
		if (n == 0)
			return ipc_rdv_check_eof(&ch->rdv,
						 "recv(unix-seqpacket)", e);
		return 0;
	}
}

static int useq_acquire(struct ipc_channel *ch, enum ipc_role role,
			struct ipc_block *b, struct ipc_err *e)
{
	ipc_copy_block(b, ch->buf, ch->buf_size);
	if (role == IPC_WRITER)
		return 0;
	/* One message is one whole block, as the writer released it. */
	return useq_recv(ch, ch->buf, ch->buf_size, &b->len, e);
}

static int useq_release(struct ipc_channel *ch, enum ipc_role role,
			struct ipc_block *b, struct ipc_err *e)
{
	return ipc_copy_release(useq_send, ch, role, b, e);
}

static void useq_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_copy_info(out, ch->sndbuf);
}

/* Named reader: connect to the writer's socket, check it is the writer. */
static int useq_open(const struct ipc_params *p, enum ipc_role role,
		     struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	struct ipc_channel *ch = ipc_open_alloc(role, "socket", sizeof(*ch),
						&rc, e);
	if (!ch)
		return rc;
	ch->fd[IPC_WRITER] = ch->fd[IPC_READER] = ch->lfd = -1;
	rc = ipc_rdv_open(&ch->rdv, p, "unix-seqpacket", e);
	if (rc < 0)
		goto err_destroy;
	ch->buf_size = (size_t)ch->rdv.info.buf_size;
	rc = ipc_sock_connect_named(&ch->rdv, SOCK_SEQPACKET,
				    &ch->fd[IPC_READER], e);
	if (rc == 0)
		rc = useq_attach(ch, IPC_READER, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	useq_destroy(ch);
	return rc;
}

static void useq_detach(struct ipc_channel *ch, enum ipc_role role)
{
	ipc_copy_detach(&ch->fd[role], &ch->buf);
	/* Named writer: the directory goes in destroy, once the reader is
	 * done with it (it reads the end-of-stream note there). */
	if (role == IPC_WRITER && ch->shut)
		ipc_rdv_wait_done(&ch->rdv);
}

const struct ipc_transport ipc_unix_seqpacket = {
	.abi = IPC_ABI_VERSION,
	.name = "unix-seqpacket",
	.summary = "Unix domain SOCK_SEQPACKET socketpair, one message per block (buffer: --sock-buf)",
	.sync = "the kernel blocks the writer when its send buffer is full, the reader when no message is queued",
	.caps = IPC_CAP_NAMED | IPC_CAP_MESSAGES,
	.max_block = useq_max_block,
	.validate = useq_validate,
	.create = useq_create,
	.open = useq_open,
	.parent_close = useq_parent_close,
	.attach = useq_attach,
	.acquire = useq_acquire,
	.release = useq_release,
	.send = useq_send,
	.recv = useq_recv,
	.info = useq_info,
	.detach = useq_detach,
	.destroy = useq_destroy,
};
