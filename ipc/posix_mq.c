/*
 * posix_mq.c - a POSIX message queue: the kernel copies each message in on
 * mq_send and out on mq_receive, keeps message boundaries, blocks the writer
 * when the queue holds mq_maxmsg messages and the reader when it is empty.
 *
 * What is shared: one queue (mq_open, O_CREAT|O_EXCL, 0600) of depth
 * mq_maxmsg = --blocks (default 10, or msg_max when smaller) and message size
 * mq_msgsize = BUF_SIZE.  One message is one block; a zero-length message is
 * end of stream.  Every message has priority 0, so the queue is FIFO.
 *
 * Creation and removal: create opens the queue and unlinks its name at once.
 * In fork mode the children inherit the descriptor, so nobody needs the name
 * again; once it is unlinked, the kernel frees the queue (and gives back its
 * bytes of the RLIMIT_MSGQUEUE budget) when the last descriptor closes, even if
 * every process is killed, and no other program can open it meanwhile.
 * destroy closes the creator's descriptor.
 *
 * Two-program mode (`ipclab xfr`): the queue is /ipclab-NAME, made by the
 * writer.  A queue has no room for a header, so BUF_SIZE and the depth are
 * in the rendezvous record of rendezvous.h, with the queue's inode (a queue
 * descriptor is a file descriptor on Linux: fstat works on it).  The reader
 * opens the queue, checks owner, inode and mq_getattr's sizes against the
 * record, and unlinks the name: both sides hold descriptors, so a crash can
 * no longer leak the queue.  A queue does not tell a writer that its reader
 * died, nor the reader that its writer did, so in this mode sends and
 * receives are mq_timedsend/mq_timedreceive in slices of IPC_RDV_CHECK_MS,
 * and each timeout looks whether the peer still holds its lock.
 *
 * Limits, read at run time, never clamped silently (mq_overview(7)):
 *   fs.mqueue.msgsize_max   largest mq_msgsize (EINVAL above it);
 *   fs.mqueue.msg_max       largest mq_maxmsg (EINVAL above it);
 *     a process with CAP_SYS_RESOURCE may go up to the kernel's hard ceilings
 *     (HARD_MSGSIZEMAX 16 MiB, HARD_MSGMAX 65536) instead;
 *   RLIMIT_MSGQUEUE         bytes of all of a user's queues together (EMFILE),
 *     counted as maxmsg * (msgsize + sizeof(struct msg_msg))
 *     + min(maxmsg, MQ_PRIO_MAX) * sizeof(struct posix_msg_tree_node);
 *     both kernel structures are six machine words.
 *
 * Copy mode uses send/recv straight from the source and into the
 * destination buffer: the system call is the copy.  mq_receive insists on a
 * buffer of at least mq_msgsize bytes, so a recv with a smaller buffer goes
 * through the private buffer and hands out the rest of the message on the
 * next call.
 *
 *   ipclab run -t posix-mq -b 8K --blocks 10
 */
#include "copy_block.h"
#include "msg_io.h"
#include "rendezvous.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_DEPTH 10ul
#define HARD_MSGMAX 65536ul                 /* include/linux/ipc_namespace.h */
#define HARD_MSGSIZEMAX (16ul * 1024 * 1024) /* idem */
#define KERNEL_MQ_PRIO_MAX 32768ul
#define KSTRUCT_BYTES (6 * sizeof(long)) /* msg_msg, posix_msg_tree_node */
#define CAP_SYS_RESOURCE_BIT 24

struct mq_limits {
	unsigned long msg_max;     /* effective: sysctl, or hard with the cap */
	unsigned long msgsize_max; /* idem */
	int privileged;            /* CAP_SYS_RESOURCE: the sysctls do not bind */
	rlim_t rlim_cur, rlim_max; /* RLIMIT_MSGQUEUE */
};

struct ipc_channel {
	mqd_t mq;          /* (mqd_t)-1 when closed */
	char name[64];     /* while the name exists */
	size_t buf_size;   /* mq_msgsize */
	unsigned long depth; /* mq_maxmsg */
	char *buf;         /* private block (acquire/release, small recv) */
	struct ipc_msg_rest rest; /* reader: of a message, for a small recv */
	int eos_sent;      /* writer: the zero-length message went */
	struct ipc_rdv rdv; /* two-program mode */
};

static int has_cap_sys_resource(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return 0;
	char line[256];
	unsigned long long caps = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return (caps >> CAP_SYS_RESOURCE_BIT) & 1;
}

static int read_limits(struct mq_limits *l, char *why, size_t whylen)
{
	static const char *const files[] = {"/proc/sys/fs/mqueue/msg_max",
					    "/proc/sys/fs/mqueue/msgsize_max"};
	unsigned long *vals[] = {&l->msg_max, &l->msgsize_max};
	for (int i = 0; i < 2; i++) {
		int rc = ipc_read_ulong(files[i], vals[i]);
		if (rc < 0) {
			snprintf(why, whylen,
				 "cannot read %s: %s (no POSIX message queues "
				 "in this kernel?)",
				 files[i], ipc_errno_name(-rc));
			return rc;
		}
	}
	l->privileged = has_cap_sys_resource();
	if (l->privileged) {
		l->msg_max = HARD_MSGMAX;
		l->msgsize_max = HARD_MSGSIZEMAX;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) < 0) {
		int err = errno;
		snprintf(why, whylen, "getrlimit(RLIMIT_MSGQUEUE): %s",
			 ipc_errno_name(err));
		return -err;
	}
	l->rlim_cur = rl.rlim_cur;
	l->rlim_max = rl.rlim_max;
	return 0;
}

static unsigned long depth_of(const struct ipc_params *p,
			      const struct mq_limits *l)
{
	if (p->nblocks)
		return p->nblocks;
	return l->msg_max < DEFAULT_DEPTH ? l->msg_max : DEFAULT_DEPTH;
}

/* The kernel's bookkeeping for a queue of depth d, beside the messages. */
static unsigned long long overhead_bytes(unsigned long d)
{
	unsigned long nodes = d < KERNEL_MQ_PRIO_MAX ? d : KERNEL_MQ_PRIO_MAX;
	return (unsigned long long)(d + nodes) * KSTRUCT_BYTES;
}

/* Largest message size RLIMIT_MSGQUEUE admits at depth d; SIZE_MAX if none. */
static size_t rlimit_bound(const struct mq_limits *l, unsigned long d)
{
	if (l->rlim_cur == RLIM_INFINITY || d == 0)
		return SIZE_MAX;
	unsigned long long over = overhead_bytes(d);
	if ((unsigned long long)l->rlim_cur <= over)
		return 0;
	return (size_t)(((unsigned long long)l->rlim_cur - over) / d);
}

static int check_depth(const struct mq_limits *l, unsigned long d, char *why,
		       size_t whylen)
{
	if (d <= l->msg_max)
		return 0;
	if (l->privileged)
		snprintf(why, whylen,
			 "--blocks %lu: a POSIX mq holds at most %lu messages "
			 "(HARD_MSGMAX, the kernel's ceiling); use --blocks "
			 "%lu or less",
			 d, l->msg_max, l->msg_max);
	else
		snprintf(why, whylen,
			 "--blocks %lu: a POSIX mq holds at most "
			 "fs.mqueue.msg_max = %lu messages; use --blocks %lu "
			 "or less, or raise it as root: "
			 "sysctl fs.mqueue.msg_max=%lu",
			 d, l->msg_max, l->msg_max,
			 d < HARD_MSGMAX ? d : HARD_MSGMAX);
	return -EINVAL;
}

/* The deepest queue RLIMIT_MSGQUEUE admits for messages of sz bytes. */
static unsigned long depth_for(const struct mq_limits *l, size_t sz)
{
	if (l->rlim_cur == RLIM_INFINITY)
		return l->msg_max;
	unsigned long long d = (unsigned long long)l->rlim_cur /
			       (sz + 2 * KSTRUCT_BYTES);
	if (d > l->msg_max)
		d = l->msg_max;
	while (d > 0 && rlimit_bound(l, (unsigned long)d) < sz)
		d--;
	return (unsigned long)d;
}

/*
 * The largest BUF_SIZE at depth d, and a sentence on what limits it and the
 * fix; want is the BUF_SIZE asked for (0: none), to make the fix concrete.
 */
static size_t largest(const struct mq_limits *l, unsigned long d, size_t want,
		      char *why, size_t whylen)
{
	size_t by_sysctl = l->msgsize_max;
	size_t by_rlimit = rlimit_bound(l, d);
	unsigned long long rlim = (unsigned long long)l->rlim_cur;
	if (by_sysctl <= by_rlimit && l->privileged) {
		snprintf(why, whylen,
			 "a POSIX mq message is at most %zu bytes, the "
			 "kernel's ceiling (HARD_MSGSIZEMAX)",
			 by_sysctl);
		return by_sysctl;
	}
	if (by_sysctl <= by_rlimit && (want == 0 || want > by_rlimit)) {
		int n = snprintf(why, whylen,
				 "a POSIX mq message is at most "
				 "fs.mqueue.msgsize_max = %zu bytes; raise it "
				 "as root: sysctl fs.mqueue.msgsize_max=N",
				 by_sysctl);
		if (by_rlimit != SIZE_MAX && n > 0 && (size_t)n < whylen)
			snprintf(why + n, whylen - (size_t)n,
				 " (RLIMIT_MSGQUEUE, ulimit -q = %llu bytes, "
				 "then allows N up to %zu at queue depth %lu)",
				 rlim, by_rlimit < HARD_MSGSIZEMAX
					       ? by_rlimit
					       : HARD_MSGSIZEMAX,
				 d);
		return by_sysctl;
	}
	if (by_sysctl <= by_rlimit) {
		snprintf(why, whylen,
			 "a POSIX mq message is at most fs.mqueue.msgsize_max "
			 "= %zu bytes; raise it as root: "
			 "sysctl fs.mqueue.msgsize_max=%zu",
			 by_sysctl, want);
		return by_sysctl;
	}
	int n = snprintf(why, whylen,
			 "RLIMIT_MSGQUEUE (ulimit -q) = %llu bytes for all of "
			 "a user's queues, counted as depth x (BUF_SIZE + %zu), "
			 "allows BUF_SIZE %zu at most at queue depth %lu; ",
			 rlim, 2 * KSTRUCT_BYTES, by_rlimit, d);
	if (n < 0 || (size_t)n >= whylen)
		return by_rlimit;
	unsigned long fit = want ? depth_for(l, want) : 0;
	if (want && fit > 0)
		snprintf(why + n, whylen - (size_t)n,
			 "use --blocks %lu or less, or raise ulimit -q "
			 "(hard limit %llu; above it needs CAP_SYS_RESOURCE)",
			 fit, (unsigned long long)l->rlim_max);
	else if (want || d == 1)
		snprintf(why + n, whylen - (size_t)n,
			 "%sraise ulimit -q (hard limit %llu; above it needs "
			 "CAP_SYS_RESOURCE)",
			 want ? "no queue depth fits it: " : "",
			 (unsigned long long)l->rlim_max);
	else
		snprintf(why + n, whylen - (size_t)n,
			 "use a smaller --blocks depth (--blocks 1 allows %zu) "
			 "or raise ulimit -q (hard limit %llu; above it needs "
			 "CAP_SYS_RESOURCE)",
			 rlimit_bound(l, 1), (unsigned long long)l->rlim_max);
	return by_rlimit;
}

static int posix_mq_max_block(const struct ipc_params *p, size_t *max,
			      char *why, size_t whylen)
{
	struct mq_limits l;
	*max = 0;
	int rc = read_limits(&l, why, whylen);
	if (rc < 0)
		return rc;
	/* A depth above msg_max is validate's to report, in its own words. */
	*max = largest(&l, depth_of(p, &l), 0, why, whylen);
	return 0;
}

/* Depth and BUF_SIZE against the limits; shared by validate and create. */
static int check_params(const struct ipc_params *p, const struct mq_limits *l,
			char *why, size_t whylen)
{
	unsigned long d = depth_of(p, l);
	int rc = check_depth(l, d, why, whylen);
	if (rc < 0)
		return rc;
	char limit[360];
	size_t max = largest(l, d, p->buf_size, limit, sizeof(limit));
	if (p->buf_size > max) {
		snprintf(why, whylen, "--buf-size %zu: %s", p->buf_size, limit);
		return -EINVAL;
	}
	return 0;
}

static int posix_mq_validate(const struct ipc_params *p, char *why,
			     size_t whylen)
{
	struct mq_limits l;
	int rc = read_limits(&l, why, whylen);
	return rc < 0 ? rc : check_params(p, &l, why, whylen);
}

static void posix_mq_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	if (ch->name[0])
		(void)mq_unlink(ch->name);
	ch->name[0] = '\0';
	if (ch->mq != (mqd_t)-1)
		(void)mq_close(ch->mq);
	ch->mq = (mqd_t)-1;
	ipc_rdv_close(&ch->rdv); /* named: the record's objects, if left */
	free(ch->buf);
	free(ch);
}

/* mq_open's errors, in the words of the limit behind them. */
static int open_error(struct ipc_err *e, int err, const struct ipc_channel *ch,
		      const struct mq_limits *l)
{
	const char *hint = "";
	char more[200] = "";
	switch (err) {
	case EMFILE:
		snprintf(more, sizeof(more),
			 " (RLIMIT_MSGQUEUE, %llu bytes, counts all of this "
			 "user's open queues; or the descriptor limit, "
			 "ulimit -n)",
			 (unsigned long long)l->rlim_cur);
		break;
	case ENOSPC:
		hint = " (fs.mqueue.queues_max queues exist already)";
		break;
	case ENOSYS:
		hint = " (no POSIX message queues in this kernel)";
		break;
	default:
		break;
	}
	return ipc_errf(e, err, "mq_open(%s, maxmsg %lu, msgsize %zu)%s%s",
			ch->name, ch->depth, ch->buf_size, hint, more);
}

static int posix_mq_create(const struct ipc_params *p,
			   struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	char why[384];
	struct mq_limits l;
	*out = NULL;
	rc = read_limits(&l, why, sizeof(why));
	if (rc == 0)
		rc = check_params(p, &l, why, sizeof(why));
	if (rc < 0) {
		ipc_errf(e, 0, "%s", why);
		return rc;
	}
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->mq = (mqd_t)-1;
	ipc_rdv_init(&ch->rdv);
	ch->buf_size = p->buf_size;
	ch->depth = depth_of(p, &l);
	if (p->name) {
		rc = ipc_rdv_create(&ch->rdv, p, "posix-mq", e);
		if (rc < 0)
			goto err_destroy;
		ipc_rdv_posix_name(&ch->rdv, ch->name, sizeof(ch->name));
	}
	struct mq_attr attr = {.mq_maxmsg = (long)ch->depth,
			       .mq_msgsize = (long)ch->buf_size};
	/* Fork mode: a fresh unguessable name per try (util.h). */
	for (unsigned try = 0; try < (p->name ? 1 : IPC_NAME_TRIES); try++) {
		if (!p->name)
			ipc_unique_name(ch->name, sizeof(ch->name));
		ch->mq = mq_open(ch->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
				 0600, &attr);
		if (ch->mq != (mqd_t)-1 || errno != EEXIST)
			break;
	}
	if (ch->mq == (mqd_t)-1) {
		rc = open_error(e, errno, ch, &l);
		if (p->name)
			(void)ipc_rdv_explain_exists(e, rc, ch->name);
		ch->name[0] = '\0'; /* not ours: never unlink it */
		goto err_destroy;
	}
	if (p->name) {
		/* The reader unlinks it once it has it open (see the header);
		 * until then the record names it, with its inode. */
		rc = ipc_rdv_add_fd(&ch->rdv, IPC_RDV_MQ, ch->name, (int)ch->mq,
				    e);
		if (rc < 0)
			goto err_destroy;
	} else if (mq_unlink(ch->name) < 0) {
		/* Fork mode: the children inherit the descriptor, the name can
		 * go. */
		rc = ipc_errf(e, errno, "mq_unlink(%s)", ch->name);
		goto err_destroy;
	}
	ch->name[0] = '\0';
	if (mq_getattr(ch->mq, &attr) < 0) {
		rc = ipc_errf(e, errno, "mq_getattr");
		goto err_destroy;
	}
	if ((size_t)attr.mq_msgsize != ch->buf_size ||
	    (unsigned long)attr.mq_maxmsg != ch->depth) {
		rc = ipc_errf(e, 0,
			      "mq_open gave maxmsg %ld, msgsize %ld; asked "
			      "for %lu, %zu",
			      attr.mq_maxmsg, attr.mq_msgsize, ch->depth,
			      ch->buf_size);
		goto err_destroy;
	}
	ch->rdv.info.nblocks = (uint32_t)ch->depth;
	rc = ipc_rdv_ready(&ch->rdv, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	posix_mq_destroy(ch);
	return rc;
}

static int posix_mq_attach(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_err *e);

/* Named reader: open the writer's queue and check it against the record. */
static int posix_mq_open(const struct ipc_params *p, enum ipc_role role,
			 struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	struct ipc_channel *ch = ipc_open_alloc(role, "queue", sizeof(*ch), &rc,
						e);
	if (!ch)
		return rc;
	ch->mq = (mqd_t)-1;
	rc = ipc_rdv_open(&ch->rdv, p, "posix-mq", e);
	if (rc < 0)
		goto err_destroy;
	rc = ipc_rdv_expect_one(&ch->rdv, IPC_RDV_MQ, "queue", e);
	if (rc < 0)
		goto err_destroy;
	const struct ipc_rdv_obj *o = &ch->rdv.info.obj[0];
	ch->buf_size = (size_t)ch->rdv.info.buf_size;
	ch->depth = ch->rdv.info.nblocks;
	ch->mq = mq_open(o->name, O_RDONLY | O_CLOEXEC);
	if (ch->mq == (mqd_t)-1) {
		rc = ipc_errf(e, errno, "mq_open(%s, O_RDONLY)", o->name);
		goto err_destroy;
	}
	struct stat st;
	struct mq_attr attr;
	if (fstat((int)ch->mq, &st) < 0) {
		rc = ipc_errf(e, errno, "fstat(queue %s)", o->name);
		goto err_destroy;
	}
	if (st.st_uid != geteuid()) {
		rc = ipc_errf(e, EPERM, "queue %s belongs to uid %ld, not to you",
			      o->name, (long)st.st_uid);
		goto err_destroy;
	}
	if ((uint64_t)st.st_ino != o->ino || (uint64_t)st.st_dev != o->dev) {
		rc = ipc_errf(e, ESTALE, "queue %s is not the one the writer "
			      "made (replaced?)", o->name);
		goto err_destroy;
	}
	if (mq_getattr(ch->mq, &attr) < 0) {
		rc = ipc_errf(e, errno, "mq_getattr(%s)", o->name);
		goto err_destroy;
	}
	if ((size_t)attr.mq_msgsize != ch->buf_size ||
	    (unsigned long)attr.mq_maxmsg != ch->depth) {
		rc = ipc_errf(e, EBADMSG, "queue %s: maxmsg %ld, msgsize %ld; "
			      "the record says %lu, %zu", o->name,
			      attr.mq_maxmsg, attr.mq_msgsize, ch->depth,
			      ch->buf_size);
		goto err_destroy;
	}
	/* Both sides hold descriptors: the name has no further use. */
	(void)ipc_rdv_remove_obj(o);
	rc = posix_mq_attach(ch, IPC_READER, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	posix_mq_destroy(ch);
	return rc;
}

static int posix_mq_attach(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_err *e)
{
	int rc = ipc_block_alloc(&ch->buf, ch->buf_size, e);
	if (rc < 0)
		return rc;
	memset(&ch->rest, 0, sizeof(ch->rest));
	/* Named writer: start once a reader is there (it may come later). */
	return role == IPC_WRITER ? ipc_rdv_wait_reader(&ch->rdv, e) : 0;
}

static int send_one(struct ipc_channel *ch, const char *buf, size_t len,
		    struct ipc_err *e)
{
	if (len == 0)
		ch->eos_sent = 1;
	/* Lab: send end of stream with priority 1 and watch it overtake. */
	if (!ch->rdv.active) {
		while (mq_send(ch->mq, buf, len, 0) < 0)
			if (errno != EINTR)
				return ipc_errf(e, errno, "mq_send(%zu bytes)",
						len);
		return 0;
	}
	for (;;) {
		struct timespec ts;
		ipc_rdv_slice(CLOCK_REALTIME, &ts);
		if (mq_timedsend(ch->mq, buf, len, 0, &ts) == 0)
			return 0;
		if (errno == ETIMEDOUT) {
			int rc = ipc_rdv_check_peer(&ch->rdv, e);
			if (rc < 0)
				return rc;
		} else if (errno != EINTR) {
			return ipc_errf(e, errno, "mq_timedsend(%zu bytes)", len);
		}
	}
}

/* mq_receive; in two-program mode in slices that check the writer lives. */
static ssize_t chan_receive(struct ipc_channel *ch, char *buf, size_t cap,
			    struct ipc_err *e)
{
	if (!ch->rdv.active)
		return mq_receive(ch->mq, buf, cap, NULL);
	for (;;) {
		struct timespec ts;
		ipc_rdv_slice(CLOCK_REALTIME, &ts);
		ssize_t n = mq_timedreceive(ch->mq, buf, cap, NULL, &ts);
		if (n >= 0 || errno != ETIMEDOUT)
			return n;
		if (ipc_rdv_check_peer(&ch->rdv, e) < 0) {
			errno = EPIPE; /* e says why */
			return -1;
		}
	}
}

static int posix_mq_send(struct ipc_channel *ch, const void *buf, size_t len,
			 struct ipc_err *e)
{
	/* A message carries at most BUF_SIZE: split anything larger. */
	return ipc_msg_send_split(ch, send_one, ch->buf_size, buf, len, e);
}

/* The next message into buf (cap >= mq_msgsize); its length in *len. */
static int receive_one(struct ipc_channel *ch, char *buf, size_t cap,
		       size_t *len, struct ipc_err *e)
{
	for (;;) {
		ssize_t n = chan_receive(ch, buf, cap, e);
		if (n >= 0) {
			*len = (size_t)n;
			if (n == 0)
				ch->rest.eos = 1;
			return 0;
		}
		if (errno == EPIPE && ch->rdv.active)
			return -EPIPE; /* the writer is gone; e says so */
		if (errno != EINTR)
			return ipc_errf(e, errno, "mq_receive(%zu)", cap);
	}
}

static int posix_mq_recv(struct ipc_channel *ch, void *buf, size_t cap,
			 size_t *len, struct ipc_err *e)
{
	if (ch->rest.len == 0 && !ch->rest.eos) {
		if (cap >= ch->buf_size)
			return receive_one(ch, buf, cap, len, e);
		/* Too small for mq_receive: through the private buffer. */
		ch->rest.off = 0;
		int rc = receive_one(ch, ch->buf, ch->buf_size, &ch->rest.len,
				     e);
		if (rc < 0) {
			*len = 0;
			return rc;
		}
	}
	ipc_msg_rest_copy(&ch->rest, ch->buf, buf, cap, len);
	return 0;
}

static int posix_mq_acquire(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_block *b, struct ipc_err *e)
{
	ipc_copy_block(b, ch->buf, ch->buf_size);
	if (role == IPC_WRITER || ipc_msg_rest_block(&ch->rest, ch->buf, b))
		return 0;
	return receive_one(ch, ch->buf, ch->buf_size, &b->len, e);
}

static int posix_mq_release(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_block *b, struct ipc_err *e)
{
	if (role == IPC_READER)
		return 0;
	return send_one(ch, b->data, b->len, e);
}

static void posix_mq_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_copy_info(out, ch->depth * ch->buf_size);
	out->nblocks = (unsigned)ch->depth;
}

static void posix_mq_detach(struct ipc_channel *ch, enum ipc_role role)
{
	/* Messages already sent stay in the queue: the writer need not wait
	 * (named: only before it removes the directory, in destroy). */
	if (ch->mq != (mqd_t)-1)
		(void)mq_close(ch->mq);
	ch->mq = (mqd_t)-1;
	free(ch->buf);
	ch->buf = NULL;
	ch->rest.len = 0;
	if (role == IPC_WRITER && ch->eos_sent)
		ipc_rdv_wait_done(&ch->rdv);
}

const struct ipc_transport ipc_posix_mq = {
	.abi = IPC_ABI_VERSION,
	.name = "posix-mq",
	.summary = "POSIX message queue, mq_send()/mq_receive() (depth: --blocks)",
	.sync = "the kernel blocks the writer when the queue is full, the reader when it is empty",
	.caps = IPC_CAP_NAMED | IPC_CAP_MESSAGES,
	.max_block = posix_mq_max_block,
	.validate = posix_mq_validate,
	.create = posix_mq_create,
	.open = posix_mq_open,
	.attach = posix_mq_attach,
	.acquire = posix_mq_acquire,
	.release = posix_mq_release,
	.send = posix_mq_send,
	.recv = posix_mq_recv,
	.info = posix_mq_info,
	.detach = posix_mq_detach,
	.destroy = posix_mq_destroy,
};
