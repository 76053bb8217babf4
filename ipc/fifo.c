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
 *
 * Two-program mode (`ipclab xfr`, --name NAME): the FIFO is
 * /tmp/ipclab-NAME/fifo, in the rendezvous directory of rendezvous.h.  The
 * writer makes it; the reader opens the read end with O_NONBLOCK (at once,
 * no writer needed), then the writer opens the write end with O_NONBLOCK,
 * which fails with ENXIO until a reader has it open, so it retries, and
 * unlinks the name once both ends are open.  Until the writer's end is open
 * a read would return end of file, so the reader's first read waits in
 * poll() for data or hang-up.  End of file is end of stream here, but a
 * killed writer closes the FIFO too: the writer notes end of stream in the
 * rendezvous record first, and a reader that meets end of file without that
 * note reports the stream as cut short.
 *
 *   ipclab xfr writer -t fifo -b 64K --name demo < in
 *   ipclab xfr reader -t fifo --name demo > out
 *
 * From then on it is a pipe: the writer keeps the write end, the reader the
 * read end, the parent closes both once the children run, and the writer's
 * close is the reader's end of file.  The capacity is an option
 * (F_SETPIPE_SZ, up to /proc/sys/fs/pipe-max-size); the capacity obtained is
 * recorded.
 *
 *   ipclab run -t fifo -b 64K --pipe-size 1M
 */
#include "copy_block.h"
#include "pipe_io.h"
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
	size_t kbuf;     /* named writer: capacity to ask for once open */
	char *buf;       /* private block of the block API */
	char dir[64];    /* fork mode: private directory; "" when removed */
	char path[80];   /* fork mode: the FIFO in it; "" when removed */
	struct ipc_rdv rdv;  /* two-program mode */
	int await_writer;    /* named reader: the write end may not be open */
};

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

static void fifo_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	ipc_close_pair(ch->fd);
	(void)remove_names(ch, NULL);
	ipc_rdv_close(&ch->rdv);
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
	return ipc_pipe_set_blocking(ch->fd[0], ch->path, e);
}

/* Named mode: the FIFO in the rendezvous directory; no end is opened yet. */
static int create_named(const struct ipc_params *p, struct ipc_channel *ch,
			struct ipc_err *e)
{
	char path[160];
	int rc = ipc_rdv_create(&ch->rdv, p, "fifo", e);
	if (rc < 0)
		return rc;
	ipc_rdv_path(&ch->rdv, FIFO_LEAF, path, sizeof(path));
	if (mkfifo(path, 0600) < 0)
		return ipc_errf(e, errno, "mkfifo(%s)", path);
	rc = ipc_rdv_add_path(&ch->rdv, path, e);
	if (rc < 0)
		return rc;
	ch->kbuf = p->kbuf_size;
	return ipc_rdv_ready(&ch->rdv, e);
}

static int fifo_create(const struct ipc_params *p, struct ipc_channel **out,
		       struct ipc_err *e)
{
	*out = NULL;
	int rc = ipc_create_validate(ipc_pipe_validate, p, e);
	if (rc < 0)
		return rc;
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->fd[0] = ch->fd[1] = -1;
	ch->buf_size = p->buf_size;
	ipc_rdv_init(&ch->rdv);
	if (p->name) {
		rc = create_named(p, ch, e);
		if (rc < 0)
			goto err_destroy;
		*out = ch;
		return 0;
	}
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
	rc = ipc_pipe_set_capacity(ch->fd[1], p->kbuf_size, &ch->capacity, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	fifo_destroy(ch);
	return rc;
}

static void fifo_parent_close(struct ipc_channel *ch)
{
	ipc_close_pair(ch->fd);
}

/* Named writer: the write end, once the reader holds the read end. */
static int open_write_end(struct ipc_channel *ch, struct ipc_err *e)
{
	const struct ipc_rdv_obj *o = &ch->rdv.info.obj[0];
	int rc = ipc_rdv_wait_reader(&ch->rdv, e);
	if (rc < 0)
		return rc;
	while ((ch->fd[1] = open(o->name, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) <
	       0) {
		if (errno != ENXIO && errno != EINTR) /* ENXIO: no reader yet */
			return ipc_errf(e, errno, "open(%s, O_WRONLY)", o->name);
		rc = ipc_rdv_poll(&ch->rdv, "waiting for it to open the FIFO", e);
		if (rc < 0)
			return rc;
	}
	rc = ipc_pipe_set_blocking(ch->fd[1], o->name, e);
	if (rc == 0)
		rc = ipc_pipe_set_capacity(ch->fd[1], ch->kbuf, &ch->capacity, e);
	if (rc < 0)
		return rc;
	/* Both ends are open: the name has no further use (as in fork mode). */
	(void)ipc_rdv_remove_obj(o);
	return 0;
}

static int fifo_attach(struct ipc_channel *ch, enum ipc_role role,
		       struct ipc_err *e)
{
	if (ch->rdv.active) {
		int rc = open_write_end(ch, e); /* the creator is the writer */
		if (rc < 0)
			return rc;
	}
	/* Keep only this side's end: a dead peer then shows as EOF / EPIPE. */
	return ipc_copy_attach(&ch->fd[role == IPC_WRITER ? 0 : 1], &ch->buf,
			       ch->buf_size, e);
}

/*
 * Named reader: the open, in place of create + attach.  The read end is
 * opened with O_NONBLOCK, which needs no writer; the first read waits for
 * the writer's end (see the header).
 */
static int fifo_open(const struct ipc_params *p, enum ipc_role role,
		     struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	struct ipc_channel *ch = ipc_open_alloc(role, "FIFO", sizeof(*ch), &rc,
						e);
	if (!ch)
		return rc;
	ch->fd[0] = ch->fd[1] = -1;
	rc = ipc_rdv_open(&ch->rdv, p, "fifo", e);
	if (rc < 0)
		goto err_destroy;
	const struct ipc_rdv_obj *o = &ch->rdv.info.obj[0];
	ch->buf_size = (size_t)ch->rdv.info.buf_size;
	if (ch->rdv.info.nobj < 1 || o->kind != IPC_RDV_PATH ||
	    ch->buf_size == 0) {
		rc = ipc_errf(e, EBADMSG, "%s: the record lists no FIFO",
			      ch->rdv.dir);
		goto err_destroy;
	}
	ch->fd[0] = open(o->name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (ch->fd[0] < 0) {
		rc = ipc_errf(e, errno, "open(%s, O_RDONLY|O_NONBLOCK)", o->name);
		goto err_destroy;
	}
	struct stat st;
	if (fstat(ch->fd[0], &st) < 0) {
		rc = ipc_errf(e, errno, "fstat(%s)", o->name);
		goto err_destroy;
	}
	if (!S_ISFIFO(st.st_mode) || st.st_uid != geteuid() ||
	    (uint64_t)st.st_ino != o->ino || (uint64_t)st.st_dev != o->dev) {
		rc = ipc_errf(e, ESTALE, "%s is not the FIFO the writer made",
			      o->name);
		goto err_destroy;
	}
	int cap = fcntl(ch->fd[0], F_GETPIPE_SZ);
	ch->capacity = cap > 0 ? (size_t)cap : 0;
	ch->await_writer = 1;
	rc = ipc_block_alloc(&ch->buf, ch->buf_size, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	fifo_destroy(ch);
	return rc;
}

/* Named reader, before a read: has the writer opened its end? */
static int reader_ready(struct ipc_channel *ch, struct ipc_err *e)
{
	if (!ch->await_writer)
		return 0;
	int rc = ipc_rdv_await_fifo_writer(&ch->rdv, ch->fd[0], e);
	if (rc == 0)
		ch->await_writer = 0;
	return rc;
}

static int fifo_send(struct ipc_channel *ch, const void *buf, size_t len,
		     struct ipc_err *e)
{
	if (len == 0) {
		int rc = ipc_rdv_mark_eos(&ch->rdv, e); /* before the close */
		if (rc < 0)
			return rc;
	}
	/* len 0 closes the write end: the reader sees end of file. */
	return ipc_pipe_send(&ch->fd[1], "fifo", buf, len, e);
}

static int fifo_recv(struct ipc_channel *ch, void *buf, size_t cap,
		     size_t *len, struct ipc_err *e)
{
	int rc = reader_ready(ch, e);
	if (rc == 0)
		rc = ipc_pipe_recv(ch->fd[0], "fifo", buf, cap, len, e);
	/* Named: end of file is the writer's end, or its death. */
	if (rc == 0 && *len == 0)
		rc = ipc_rdv_check_eof(&ch->rdv, "read(fifo)", e);
	return rc;
}

static int fifo_acquire(struct ipc_channel *ch, enum ipc_role role,
			struct ipc_block *b, struct ipc_err *e)
{
	int rc = role == IPC_READER ? reader_ready(ch, e) : 0;
	/* The reader's: BUF_SIZE bytes, or fewer at end of file. */
	if (rc == 0)
		rc = ipc_copy_acquire_stream(role, ch->fd[0], "fifo", ch->buf,
					     ch->buf_size, b, e);
	if (rc == 0 && role == IPC_READER && b->len < ch->buf_size)
		rc = ipc_rdv_check_eof(&ch->rdv, "read(fifo)", e);
	return rc;
}

static int fifo_release(struct ipc_channel *ch, enum ipc_role role,
			struct ipc_block *b, struct ipc_err *e)
{
	return ipc_copy_release(fifo_send, ch, role, b, e);
}

static void fifo_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_copy_info(out, ch->capacity);
}

static void fifo_detach(struct ipc_channel *ch, enum ipc_role role)
{
	ipc_copy_detach(&ch->fd[role == IPC_WRITER ? 1 : 0], &ch->buf);
	/* Named writer: the directory goes in destroy, once the reader is
	 * done with it (it reads the end-of-stream note there). */
	if (role == IPC_WRITER && ch->rdv.info.eos)
		ipc_rdv_wait_done(&ch->rdv);
}

const struct ipc_transport ipc_fifo = {
	.abi = IPC_ABI_VERSION,
	.name = "fifo",
	.summary = "named pipe (mkfifo), write()/read() (capacity: --pipe-size)",
	.sync = "the kernel blocks the writer when the FIFO is full, the reader when it is empty",
	.caps = IPC_CAP_NAMED,
	.max_block = ipc_stream_max_block,
	.validate = ipc_pipe_validate,
	.create = fifo_create,
	.open = fifo_open,
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
