/*
 * sysv_msg.c - a System V message queue: the kernel copies each message in
 * on msgsnd and out on msgrcv, keeps message boundaries, blocks the writer
 * when the queue holds msgmnb bytes and the reader when it is empty.
 *
 * What is shared: one queue (msgget with an ipclab key, IPC_CREAT|IPC_EXCL,
 * 0600).  One message of type 1 is one block; a zero-length message (allowed
 * by msgsnd) is end of stream.
 *
 * The cost of the API: msgsnd and msgrcv take a struct whose text follows a
 * long mtype, so the data can never go straight from or into a caller's
 * buffer.  The block API hands out the text of a private {mtype, mtext}
 * buffer, so acquire/fill/release costs no extra copy; send and recv (copy
 * mode) must memcpy through that buffer, one copy per side more than the
 * pipe or POSIX mq figures.  That copy is the price of this API, not of
 * ipclab.
 *
 * Limits, read at run time, never clamped silently: kernel.msgmax is the
 * largest message (msgsnd fails with EINVAL above it) and kernel.msgmnb the
 * bytes a queue may hold; a message larger than msgmnb would wait forever
 * for room, so BUF_SIZE is bounded by both.
 *
 * Creation and removal: create makes the queue; nothing can mark it for
 * removal early (IPC_RMID removes it at once, and a reader blocked in msgrcv
 * gets EIDRM), so destroy removes it on every path, including a partial
 * create.  A child that dies mid-run leaves it to the parent's destroy.
 *
 * Two-program mode (`ipclab xfr`): the writer makes the queue with an
 * ordinary ipclab key (its pid in it) and records id, key, BUF_SIZE in the
 * rendezvous record of rendezvous.h; the reader finds the queue by that id,
 * not by a key derived from NAME, and checks key, owner and msg_qbytes.  The
 * writer removes the queue once the reader is done.  System V queues have
 * no timed send or receive: in this mode a call that would block is made
 * with a one-shot SIGALRM armed IPC_RDV_CHECK_MS ahead (its handler does
 * nothing and does not restart the call), so the wait ends with EINTR that
 * often and the peer is checked, as the other named transports do with
 * timed waits; a peer killed mid-stream is noticed within that time.
 *
 *   ipclab run -t sysv-msg -b 8K
 */
#include "copy_block.h"
#include "msg_io.h"
#include "rendezvous.h"
#include "transport.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/time.h>
#include <unistd.h>

#define KEY_ATTEMPTS 64u
#define MSG_TYPE 1

struct message {
	long mtype;
	char mtext[];
};

struct ipc_channel {
	int msqid;        /* -1 when none (yet, or already removed) */
	size_t buf_size;
	size_t qbytes;    /* msg_qbytes of the queue */
	struct message *msg; /* private {mtype, mtext[buf_size]} */
	struct ipc_msg_rest rest; /* reader: of a message, for a small recv */
	int eos_sent;     /* writer: the zero-length message went */
	int owner;        /* this side removes the queue */
	struct ipc_rdv rdv; /* two-program mode */
};

static int read_limits(unsigned long *msgmax, unsigned long *msgmnb, char *why,
		       size_t whylen)
{
	int rc = ipc_read_ulong("/proc/sys/kernel/msgmax", msgmax);
	const char *file = "/proc/sys/kernel/msgmax";
	if (rc == 0) {
		rc = ipc_read_ulong("/proc/sys/kernel/msgmnb", msgmnb);
		file = "/proc/sys/kernel/msgmnb";
	}
	if (rc < 0)
		snprintf(why, whylen,
			 "cannot read %s: %s (no System V IPC in this kernel?)",
			 file, ipc_errno_name(-rc));
	return rc;
}

/*
 * The largest BUF_SIZE, and a sentence naming the limit and the fix; want is
 * the BUF_SIZE asked for (0: none), to make the fix concrete.  The suggested
 * msgmnb holds two messages, so the writer can fill one while the reader
 * drains the other.
 */
static size_t largest(unsigned long msgmax, unsigned long msgmnb, size_t want,
		      char *why, size_t whylen)
{
	char fix[128] = "sysctl kernel.msgmax=N";
	if (want) {
		int n = snprintf(fix, sizeof(fix), "sysctl");
		if (want > msgmax)
			n += snprintf(fix + n, sizeof(fix) - (size_t)n,
				      " kernel.msgmax=%zu", want);
		if (2 * want > msgmnb)
			snprintf(fix + n, sizeof(fix) - (size_t)n,
				 " kernel.msgmnb=%zu", 2 * want);
	}
	if (msgmax <= msgmnb) {
		snprintf(why, whylen,
			 "a System V message is at most kernel.msgmax = %lu "
			 "bytes (a queue holds kernel.msgmnb = %lu); raise "
			 "them as root: %s%s",
			 msgmax, msgmnb, fix,
			 want ? "" : " kernel.msgmnb=2N (N: the BUF_SIZE wanted)");
		return msgmax;
	}
	snprintf(why, whylen,
		 "a System V queue holds at most kernel.msgmnb = %lu bytes "
		 "(kernel.msgmax is %lu), so no message can be larger; raise "
		 "it as root: %s",
		 msgmnb, msgmax,
		 want ? fix : "sysctl kernel.msgmnb=2N for messages of N bytes");
	return msgmnb;
}

static int sysv_msg_max_block(const struct ipc_params *p, size_t *max,
			      char *why, size_t whylen)
{
	(void)p;
	unsigned long msgmax, msgmnb;
	*max = 0;
	int rc = read_limits(&msgmax, &msgmnb, why, whylen);
	if (rc < 0)
		return rc;
	*max = largest(msgmax, msgmnb, 0, why, whylen);
	return 0;
}

static int sysv_msg_validate(const struct ipc_params *p, char *why,
			     size_t whylen)
{
	unsigned long msgmax, msgmnb;
	char limit[320];
	int rc = read_limits(&msgmax, &msgmnb, why, whylen);
	if (rc < 0)
		return rc;
	if (p->buf_size >
	    largest(msgmax, msgmnb, p->buf_size, limit, sizeof(limit))) {
		snprintf(why, whylen, "--buf-size %zu: %s", p->buf_size, limit);
		return -EINVAL;
	}
	return 0;
}

static void sysv_msg_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	/* Removed on every path: nothing else would ever remove the queue. */
	if (ch->msqid >= 0 && ch->owner)
		(void)msgctl(ch->msqid, IPC_RMID, NULL);
	ch->msqid = -1;
	ipc_rdv_close(&ch->rdv); /* named: the record's objects, if left */
	free(ch->msg);
	free(ch);
}

static int sysv_msg_create(const struct ipc_params *p,
			   struct ipc_channel **out, struct ipc_err *e)
{
	*out = NULL;
	int rc = ipc_create_validate(sysv_msg_validate, p, e);
	if (rc < 0)
		return rc;
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->msqid = -1;
	ipc_rdv_init(&ch->rdv);
	ch->buf_size = p->buf_size;
	if (p->name) {
		rc = ipc_rdv_create(&ch->rdv, p, "sysv-msg", e);
		if (rc < 0)
			goto err_destroy;
	}
	key_t key = 0;
	for (unsigned attempt = 0; attempt < KEY_ATTEMPTS; attempt++) {
		key = ipc_sysv_key(attempt);
		ch->msqid = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
		if (ch->msqid >= 0 || errno != EEXIST)
			break;
	}
	ch->owner = ch->msqid >= 0;
	if (ch->msqid < 0) {
		int err = errno;
		rc = ipc_errf(e, err, "msgget%s",
			      err == ENOSPC ? " (kernel.msgmni queues exist "
					      "already)"
					    : "");
		goto err_destroy;
	}
	struct msqid_ds ds;
	if (msgctl(ch->msqid, IPC_STAT, &ds) < 0) {
		rc = ipc_errf(e, errno, "msgctl(%d, IPC_STAT)", ch->msqid);
		goto err_destroy;
	}
	ch->qbytes = ds.msg_qbytes;
	rc = ipc_rdv_add_sysv(&ch->rdv, IPC_RDV_SYSV_MSG, ch->msqid, key, e);
	if (rc == 0)
		rc = ipc_rdv_ready(&ch->rdv, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	sysv_msg_destroy(ch);
	return rc;
}

static int sysv_msg_attach(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_err *e);

/* Named reader: the writer's queue by its recorded id, checked. */
static int sysv_msg_open(const struct ipc_params *p, enum ipc_role role,
			 struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	struct ipc_channel *ch = ipc_open_alloc(role, "queue", sizeof(*ch), &rc,
						e);
	if (!ch)
		return rc;
	ch->msqid = -1;
	rc = ipc_rdv_open(&ch->rdv, p, "sysv-msg", e);
	if (rc < 0)
		goto err_destroy;
	rc = ipc_rdv_expect_one(&ch->rdv, IPC_RDV_SYSV_MSG, "queue", e);
	if (rc < 0)
		goto err_destroy;
	const struct ipc_rdv_obj *o = &ch->rdv.info.obj[0];
	ch->buf_size = (size_t)ch->rdv.info.buf_size;
	struct msqid_ds ds;
	if (msgctl(o->id, IPC_STAT, &ds) < 0) {
		rc = ipc_errf(e, errno, "msgctl(%d, IPC_STAT)", o->id);
		goto err_destroy;
	}
	if (ds.msg_perm.__key != (key_t)o->key) {
		rc = ipc_errf(e, ESTALE, "queue id %d has key 0x%08x, not 0x%08x "
			      "as recorded (removed and replaced?)", o->id,
			      (unsigned)ds.msg_perm.__key, (unsigned)o->key);
		goto err_destroy;
	}
	if (ds.msg_perm.uid != geteuid()) {
		rc = ipc_errf(e, EPERM, "queue id %d belongs to uid %ld, not to "
			      "you", o->id, (long)ds.msg_perm.uid);
		goto err_destroy;
	}
	ch->msqid = o->id; /* the writer's to remove */
	ch->qbytes = ds.msg_qbytes;
	rc = sysv_msg_attach(ch, IPC_READER, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	sysv_msg_destroy(ch);
	return rc;
}

static int sysv_msg_attach(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_err *e)
{
	(void)role;
	if (!ch->msg)
		ch->msg = malloc(sizeof(*ch->msg) + ch->buf_size);
	if (!ch->msg)
		return ipc_errf(e, ENOMEM, "malloc(%zu)",
				sizeof(*ch->msg) + ch->buf_size);
	/* Touch it outside the timed region. */
	memset(ch->msg, 0, sizeof(*ch->msg) + ch->buf_size);
	ch->msg->mtype = MSG_TYPE;
	memset(&ch->rest, 0, sizeof(ch->rest));
	/* Named writer: start once a reader is there (it may come later). */
	return role == IPC_WRITER ? ipc_rdv_wait_reader(&ch->rdv, e) : 0;
}

static void on_check_alarm(int sig)
{
	(void)sig; /* only to end a blocked msgsnd/msgrcv with EINTR */
}

/* Named mode: arm (ms > 0) or disarm (0) the one-shot check alarm. */
static void check_alarm(int ms)
{
	static int installed;
	if (!installed) {
		struct sigaction sa = {.sa_handler = on_check_alarm};
		sigemptyset(&sa.sa_mask); /* no SA_RESTART: the call returns */
		(void)sigaction(SIGALRM, &sa, NULL);
		installed = 1;
	}
	struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
	(void)setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * msgsnd/msgrcv (op != 0: receive into ch->msg, at most buf_size bytes).  In
 * named mode a call that would block waits in slices, checking the peer
 * between them; fork mode blocks (the parent kills a survivor).
 */
static ssize_t queue_call(struct ipc_channel *ch, int receive, size_t len,
			  struct ipc_err *e)
{
	int named = ch->rdv.active;
	for (;;) {
		/* Named: try without blocking first, so the alarm is armed only
		 * when the call would sleep anyway. */
		ssize_t n = receive
			? msgrcv(ch->msqid, ch->msg, ch->buf_size, MSG_TYPE,
				 named ? IPC_NOWAIT : 0)
			: msgsnd(ch->msqid, ch->msg, len, named ? IPC_NOWAIT : 0);
		int err = errno;
		if (n < 0 && named && err == (receive ? ENOMSG : EAGAIN)) {
			check_alarm(IPC_RDV_CHECK_MS);
			n = receive ? msgrcv(ch->msqid, ch->msg, ch->buf_size,
					     MSG_TYPE, 0)
				    : msgsnd(ch->msqid, ch->msg, len, 0);
			err = errno;
			check_alarm(0);
		}
		if (n >= 0)
			return n;
		if (err != EINTR)
			return receive ? ipc_errf(e, err, "msgrcv(%d, %zu)", ch->msqid,
						  ch->buf_size)
				       : ipc_errf(e, err, "msgsnd(%d, %zu bytes)",
						  ch->msqid, len);
		if (named) { /* a slice ended: is the peer still there? */
			int rc = ipc_rdv_check_peer(&ch->rdv, e);
			if (rc < 0)
				return rc;
		}
	}
}

/* Send len <= buf_size bytes already in ch->msg->mtext. */
static int send_msg(struct ipc_channel *ch, size_t len, struct ipc_err *e)
{
	ch->msg->mtype = MSG_TYPE;
	if (len == 0)
		ch->eos_sent = 1;
	ssize_t rc = queue_call(ch, 0, len, e);
	return rc < 0 ? (int)rc : 0;
}

/* The next message into ch->msg->mtext; its length in *len. */
static int receive_msg(struct ipc_channel *ch, size_t *len, struct ipc_err *e)
{
	ssize_t n = queue_call(ch, 1, 0, e);
	if (n < 0)
		return (int)n;
	*len = (size_t)n;
	if (n == 0)
		ch->rest.eos = 1;
	return 0;
}

/* One message of len <= buf_size bytes from p. */
static int send_copy(struct ipc_channel *ch, const char *p, size_t len,
		     struct ipc_err *e)
{
	memcpy(ch->msg->mtext, p, len); /* the API's own copy */
	return send_msg(ch, len, e);
}

static int sysv_msg_send(struct ipc_channel *ch, const void *buf, size_t len,
			 struct ipc_err *e)
{
	/* A message carries at most BUF_SIZE: split anything larger. */
	return ipc_msg_send_split(ch, send_copy, ch->buf_size, buf, len, e);
}

static int sysv_msg_recv(struct ipc_channel *ch, void *buf, size_t cap,
			 size_t *len, struct ipc_err *e)
{
	if (ch->rest.len == 0 && !ch->rest.eos) {
		ch->rest.off = 0;
		int rc = receive_msg(ch, &ch->rest.len, e);
		if (rc < 0) {
			*len = 0;
			return rc;
		}
	}
	/* The API's own copy, out of {mtype, mtext}. */
	ipc_msg_rest_copy(&ch->rest, ch->msg->mtext, buf, cap, len);
	return 0;
}

static int sysv_msg_acquire(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_block *b, struct ipc_err *e)
{
	ipc_copy_block(b, ch->msg->mtext, ch->buf_size);
	if (role == IPC_WRITER ||
	    ipc_msg_rest_block(&ch->rest, ch->msg->mtext, b))
		return 0;
	return receive_msg(ch, &b->len, e);
}

static int sysv_msg_release(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_block *b, struct ipc_err *e)
{
	if (role == IPC_READER)
		return 0;
	/* The block is the text of ch->msg already: nothing to copy. */
	return send_msg(ch, b->len, e);
}

static void sysv_msg_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_copy_info(out, ch->qbytes);
	/* Full-size messages the queue holds before msgsnd blocks. */
	out->nblocks = (unsigned)(ch->qbytes / ch->buf_size);
}

static void sysv_msg_detach(struct ipc_channel *ch, enum ipc_role role)
{
	/* Messages already sent stay in the queue: the writer need not wait,
	 * except, named, before its destroy removes the queue. */
	free(ch->msg);
	ch->msg = NULL;
	ch->rest.len = 0;
	if (role == IPC_WRITER && ch->eos_sent)
		ipc_rdv_wait_done(&ch->rdv);
}

const struct ipc_transport ipc_sysv_msg = {
	.abi = IPC_ABI_VERSION,
	.name = "sysv-msg",
	.summary = "System V message queue, msgsnd()/msgrcv() (copies via {mtype, mtext})",
	.sync = "the kernel blocks the writer when the queue holds msgmnb bytes, the reader when it is empty",
	.caps = IPC_CAP_NAMED | IPC_CAP_MESSAGES,
	.max_block = sysv_msg_max_block,
	.validate = sysv_msg_validate,
	.create = sysv_msg_create,
	.open = sysv_msg_open,
	.attach = sysv_msg_attach,
	.acquire = sysv_msg_acquire,
	.release = sysv_msg_release,
	.send = sysv_msg_send,
	.recv = sysv_msg_recv,
	.info = sysv_msg_info,
	.detach = sysv_msg_detach,
	.destroy = sysv_msg_destroy,
};
