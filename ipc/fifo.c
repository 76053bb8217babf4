/*
 * fifo.c - a named pipe (FIFO): the same kernel pipe as `pipe`, every byte
 * copied twice, the writer blocked when it is full and the reader when it is
 * empty, but reached through a name in the file system, which is what lets
 * unrelated programs share it.
 *
 * What is shared: one FIFO made by mkfifo(0600) inside a private directory
 * (mkdtemp of /tmp/ipclab-<pid>-XXXXXX, mode 0700, so nobody else can even
 * reach the name, and `ipclab clean` can find leftovers by prefix).  The
 * parent opens both ends before fork.  Opening a FIFO blocks until the other
 * end is open too, so the order matters: the read end first with O_NONBLOCK
 * (which succeeds at once), then the write end (which succeeds at once
 * because a reader now exists), then O_NONBLOCK is cleared on the read end.
 * O_RDWR is not used: POSIX leaves it undefined for FIFOs, and a descriptor
 * that holds both ends would keep the reader from ever seeing end of file.
 *
 * In fork mode the FIFO and its directory are unlinked as soon as both ends
 * are open: the children inherit the descriptors, the name has no further
 * use, and without it nothing can be left in /tmp by a crash (even a SIGKILL
 * of the parent), nor can another process open the FIFO and add or take
 * bytes.  The pipe itself lives on until the last descriptor is closed.
 * Named mode (to come) keeps the name for the second program and removes it
 * in destroy (remove_names() does both).
 *
 * From then on it is a pipe: the writer keeps the write end, the reader the
 * read end, the parent closes both once the children run, and the writer's
 * close is the reader's end of file.  The capacity is an option
 * (F_SETPIPE_SZ, up to /proc/sys/fs/pipe-max-size); the capacity obtained is
 * recorded.
 *
 *   ipclab run -t fifo -b 64K --pipe-size 1M
 */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIFO_LEAF "fifo"

struct ipc_channel {
	int fd[2];       /* [0] read end, [1] write end */
	size_t buf_size;
	size_t capacity; /* obtained, bytes */
	char *buf;       /* private block of the block API */
	char dir[64];    /* private directory; "" when not made or removed */
	char path[80];   /* the FIFO in it; "" when not made or removed */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

/* Remove the FIFO and its directory, if still there; safe to repeat. */
static int remove_names(struct ipc_channel *ch, struct ipc_err *e)
{
	int rc = 0;
	if (ch->path[0]) {
		if (unlink(ch->path) < 0 && errno != ENOENT)
			rc = ipc_errf(e, errno, "unlink(%s)", ch->path);
		ch->path[0] = '\0';
	}
	if (ch->dir[0]) {
		if (rmdir(ch->dir) < 0 && errno != ENOENT && rc == 0)
			rc = ipc_errf(e, errno, "rmdir(%s)", ch->dir);
		ch->dir[0] = '\0';
	}
	return rc;
}

static int fifo_max_block(const struct ipc_params *p, size_t *max, char *why,
			  size_t whylen)
{
	(void)p;
	(void)why;
	(void)whylen;
	*max = SIZE_MAX / 2; /* a byte stream: any write size works */
	return 0;
}

static int fifo_validate(const struct ipc_params *p, char *why, size_t whylen)
{
	unsigned long limit;
	if (p->kbuf_size == 0)
		return 0;
	if (ipc_read_ulong("/proc/sys/fs/pipe-max-size", &limit) == 0 &&
	    p->kbuf_size > limit) {
		snprintf(why, whylen,
			 "--pipe-size %zu: above fs.pipe-max-size (%lu bytes); "
			 "use at most %lu, or raise it as root: "
			 "sysctl fs.pipe-max-size=%zu",
			 p->kbuf_size, limit, limit, p->kbuf_size);
		return -EINVAL;
	}
	if (p->kbuf_size > INT32_MAX) {
		snprintf(why, whylen, "--pipe-size %zu: too large (at most %d)",
			 p->kbuf_size, INT32_MAX);
		return -EINVAL;
	}
	return 0;
}

static void fifo_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	close_fd(&ch->fd[0]);
	close_fd(&ch->fd[1]);
	(void)remove_names(ch, NULL);
	free(ch->buf);
	free(ch);
}

/* The directory and the FIFO in it. */
static int make_fifo(struct ipc_channel *ch, struct ipc_err *e)
{
	char tmpl[sizeof(ch->dir)];
	snprintf(tmpl, sizeof(tmpl), "/tmp/" IPC_NAME_PREFIX "%ld-XXXXXX",
		 (long)getpid());
	if (!mkdtemp(tmpl)) /* mode 0700 */
		return ipc_errf(e, errno, "mkdtemp(%s)", tmpl);
	memcpy(ch->dir, tmpl, sizeof(ch->dir));
	snprintf(ch->path, sizeof(ch->path), "%s/" FIFO_LEAF, ch->dir);
	if (mkfifo(ch->path, 0600) < 0) {
		int rc = ipc_errf(e, errno, "mkfifo(%s)", ch->path);
		ch->path[0] = '\0'; /* not ours to unlink */
		return rc;
	}
	return 0;
}

/* Both ends, without blocking on ourselves (see the header for the order). */
static int open_ends(struct ipc_channel *ch, struct ipc_err *e)
{
	ch->fd[0] = open(ch->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (ch->fd[0] < 0)
		return ipc_errf(e, errno, "open(%s, O_RDONLY|O_NONBLOCK)",
				ch->path);
	ch->fd[1] = open(ch->path, O_WRONLY | O_CLOEXEC);
	if (ch->fd[1] < 0)
		return ipc_errf(e, errno, "open(%s, O_WRONLY)", ch->path);
	int fl = fcntl(ch->fd[0], F_GETFL);
	if (fl < 0)
		return ipc_errf(e, errno, "fcntl(%s, F_GETFL)", ch->path);
	if (fcntl(ch->fd[0], F_SETFL, fl & ~O_NONBLOCK) < 0)
		return ipc_errf(e, errno, "fcntl(%s, F_SETFL)", ch->path);
	return 0;
}

static int fifo_create(const struct ipc_params *p, struct ipc_channel **out,
		       struct ipc_err *e)
{
	int rc;
	char why[256];
	*out = NULL;
	if (p->name)
		return ipc_errf(e, EOPNOTSUPP, "two-program mode (--name %s)",
				p->name);
	if (fifo_validate(p, why, sizeof(why)) < 0) {
		(void)ipc_errf(e, 0, "%s", why);
		return -EINVAL;
	}
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->fd[0] = ch->fd[1] = -1;
	ch->buf_size = p->buf_size;
	rc = make_fifo(ch, e);
	if (rc < 0)
		goto err_destroy;
	rc = open_ends(ch, e);
	if (rc < 0)
		goto err_destroy;
	/* Fork mode: both ends are open, so the name can go now (see header). */
	rc = remove_names(ch, e);
	if (rc < 0)
		goto err_destroy;
	if (p->kbuf_size &&
	    fcntl(ch->fd[1], F_SETPIPE_SZ, (int)p->kbuf_size) < 0) {
		rc = ipc_errf(e, errno, "fcntl(F_SETPIPE_SZ, %zu)", p->kbuf_size);
		goto err_destroy;
	}
	int cap = fcntl(ch->fd[1], F_GETPIPE_SZ);
	if (cap < 0) {
		rc = ipc_errf(e, errno, "fcntl(F_GETPIPE_SZ)");
		goto err_destroy;
	}
	ch->capacity = (size_t)cap;
	*out = ch;
	return 0;

err_destroy:
	fifo_destroy(ch);
	return rc;
}

static void fifo_parent_close(struct ipc_channel *ch)
{
	close_fd(&ch->fd[0]);
	close_fd(&ch->fd[1]);
}

static int fifo_attach(struct ipc_channel *ch, enum ipc_role role,
		       struct ipc_err *e)
{
	/* Keep only this side's end: a dead peer then shows as EOF / EPIPE. */
	close_fd(&ch->fd[role == IPC_WRITER ? 0 : 1]);
	ch->buf = malloc(ch->buf_size);
	if (!ch->buf)
		return ipc_errf(e, ENOMEM, "malloc(%zu)", ch->buf_size);
	memset(ch->buf, 0, ch->buf_size); /* touch it outside the timed region */
	return 0;
}

static int fifo_send(struct ipc_channel *ch, const void *buf, size_t len,
		     struct ipc_err *e)
{
	if (len == 0) {
		close_fd(&ch->fd[1]); /* end of stream: the reader sees EOF */
		return 0;
	}
	int rc = ipc_write_full(ch->fd[1], buf, len);
	return rc < 0 ? ipc_errf(e, -rc, "write(fifo, %zu)", len) : 0;
}

static int fifo_recv(struct ipc_channel *ch, void *buf, size_t cap,
		     size_t *len, struct ipc_err *e)
{
	for (;;) {
		ssize_t n = read(ch->fd[0], buf, cap);
		if (n >= 0) {
			*len = (size_t)n;
			return 0;
		}
		if (errno != EINTR)
			return ipc_errf(e, errno, "read(fifo, %zu)", cap);
	}
}

static int fifo_acquire(struct ipc_channel *ch, enum ipc_role role,
			struct ipc_block *b, struct ipc_err *e)
{
	b->data = ch->buf;
	b->cap = ch->buf_size;
	b->id = 0;
	if (role == IPC_WRITER)
		return 0;
	/* A whole block: read until BUF_SIZE bytes or end of file. */
	ssize_t n = ipc_read_full(ch->fd[0], ch->buf, ch->buf_size);
	if (n < 0)
		return ipc_errf(e, (int)-n, "read(fifo, %zu)", ch->buf_size);
	b->len = (size_t)n;
	return 0;
}

static int fifo_release(struct ipc_channel *ch, enum ipc_role role,
			struct ipc_block *b, struct ipc_err *e)
{
	if (role == IPC_READER)
		return 0;
	return fifo_send(ch, b->data, b->len, e);
}

static void fifo_info(struct ipc_channel *ch, struct ipc_info *out)
{
	memset(out, 0, sizeof(*out));
	out->kbuf_size = ch->capacity;
}

static void fifo_detach(struct ipc_channel *ch, enum ipc_role role)
{
	close_fd(&ch->fd[role == IPC_WRITER ? 1 : 0]);
	free(ch->buf);
	ch->buf = NULL;
}

const struct ipc_transport ipc_fifo = {
	.abi = IPC_ABI_VERSION,
	.name = "fifo",
	.summary = "named pipe (mkfifo), write()/read() (capacity: --pipe-size)",
	.sync = "the kernel blocks the writer when the FIFO is full, the reader when it is empty",
	.caps = 0,
	.max_block = fifo_max_block,
	.validate = fifo_validate,
	.create = fifo_create,
	.parent_close = fifo_parent_close,
	.attach = fifo_attach,
	.acquire = fifo_acquire,
	.release = fifo_release,
	.send = fifo_send,
	.recv = fifo_recv,
	.info = fifo_info,
	.detach = fifo_detach,
	.destroy = fifo_destroy,
};
