/*
 * pipe_vmsplice.c - a pipe the writer fills with vmsplice(2): its pages go
 * into the pipe by reference, not by copy.
 *
 * What is shared: one pipe(2), made before fork, capacity --pipe-size
 * (F_SETPIPE_SZ) as for `pipe`.  The writer keeps the write end, the reader
 * the read end; the writer's close is the reader's end of file.
 *
 * What is and is not copied:
 *   - writer: vmsplice(SPLICE_F_GIFT) takes a reference to each user page
 *     of the block and queues it in the pipe (one pipe slot per page, or
 *     part of a page).  No byte is copied; the cost is pinning the pages
 *     (page-table walk, reference counts), paid per page, not per byte.
 *   - reader: read(2) copies out of those very pages into its buffer: the
 *     one copy of the transport (a plain pipe does two: write copies in,
 *     read copies out).  We read rather than splice: the bytes must end in
 *     the reader's memory to be used, and splice could only move the page
 *     references on to another pipe or a file - the reader would still have
 *     to read them from there.  (vmsplice on the read side copies too.)
 *   - copy mode (send): the caller's buffer cannot be gifted, since the
 *     caller may change it as soon as send returns, so send copies it into
 *     a gift page first: copy mode costs memcpy + read, two copies like a
 *     pipe, but both in the CPU caches of the two sides.  In-place mode
 *     (the writer generates straight into the block acquire hands out) is
 *     the one-copy path.
 *
 * The page-reuse hazard: until the reader has read a page, the pipe holds a
 * reference to the writer's page itself, so writing into it would change
 * bytes already "sent".  SPLICE_F_GIFT does not change that: it only lets a
 * later splice(SPLICE_F_MOVE) into a file steal the page, which kernels have
 * not done since 2.6.21; with a read(2) reader it is a no-op.  So the
 * writer rotates through several page-aligned gift buffers and reuses one
 * only when its pages have provably left the pipe: a pipe of capacity C
 * holds at most S = C / page slots, each vmsplice'd (part of a) page takes
 * one slot, never merged with another, and the reader frees a slot only
 * after copying from it.  So once S slots were spliced after a buffer's
 * last slot, all of that buffer was read.  The writer counts slots and
 * keeps 1 + S / (pages per block) buffers (2 at 64 KiB blocks and the
 * default 64 KiB pipe, 17 at 4 KiB); short blocks take fewer slots, and
 * the ring then grows, up to S + 1 buffers, which is always enough (at
 * worst (S + 1) x BUF_SIZE of memory: 17 MiB at -b 1M and a 64 KiB pipe,
 * only when most blocks are short).  Munmap is safe at any time: the
 * pipe's reference keeps a page alive.
 *
 *   ipclab run -t pipe-vmsplice -b 64K --access inplace --pin split
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
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

struct gift {
	char *mem;         /* gift_bytes, page-aligned */
	uint64_t end_slot; /* slots spliced when its last use ended */
	int used;
};

struct ipc_channel {
	int fd[2];        /* [0] read end, [1] write end */
	size_t buf_size;
	size_t capacity;  /* pipe capacity obtained, bytes */
	size_t page;
	uint64_t slots;   /* pipe slots: capacity / page */
	/* writer */
	struct gift *gifts;  /* in order of last use, oldest at next */
	unsigned ngifts, max_gifts, next;
	size_t gift_bytes;   /* buf_size rounded up to pages */
	uint64_t spliced;    /* slots spliced so far */
	int held;            /* gifts[next] is handed out */
	/* reader */
	char *buf;        /* private block of the block API */
};

static int vms_max_block(const struct ipc_params *p, size_t *max, char *why,
			 size_t whylen)
{
	(void)p;
	(void)why;
	(void)whylen;
	*max = SIZE_MAX / 4; /* a byte stream: any block size works */
	return 0;
}

static void free_gifts(struct ipc_channel *ch)
{
	for (unsigned i = 0; i < ch->ngifts; i++)
		(void)munmap(ch->gifts[i].mem, ch->gift_bytes);
	free(ch->gifts);
	ch->gifts = NULL;
	ch->ngifts = 0;
}

static void vms_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	ipc_close_pair(ch->fd);
	free_gifts(ch);
	free(ch->buf);
	free(ch);
}

static int vms_create(const struct ipc_params *p, struct ipc_channel **out,
		      struct ipc_err *e)
{
	int rc;
	*out = NULL;
	if (p->name)
		return ipc_errf(e, EOPNOTSUPP, "two-program mode (--name %s)",
				p->name);
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	ch->fd[0] = ch->fd[1] = -1;
	ch->buf_size = p->buf_size;
	long pg = sysconf(_SC_PAGESIZE);
	ch->page = pg > 0 ? (size_t)pg : 4096;
	if (pipe2(ch->fd, O_CLOEXEC) < 0) {
		rc = ipc_errf(e, errno, "pipe2");
		goto err_destroy;
	}
	rc = ipc_pipe_set_capacity(ch->fd[1], p->kbuf_size, &ch->capacity, e);
	if (rc < 0)
		goto err_destroy;
	ch->slots = ch->capacity / ch->page;
	if (ch->slots == 0)
		ch->slots = 1;
	*out = ch;
	return 0;

err_destroy:
	vms_destroy(ch);
	return rc;
}

static void vms_parent_close(struct ipc_channel *ch)
{
	ipc_close_pair(ch->fd);
}

/* A fresh gift buffer.  Those made at attach are touched, so the timed
 * region does not fault; one made later is not: it may carry nothing (the
 * end-of-stream acquire after a short block grows the ring), and the pages
 * a block does fill fault when written. */
static int new_gift(struct ipc_channel *ch, struct gift *g, int touch,
		    struct ipc_err *e)
{
	void *m = mmap(NULL, ch->gift_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return ipc_errf(e, errno, "mmap(gift buffer, %zu)",
				ch->gift_bytes);
	if (touch)
		memset(m, 0, ch->gift_bytes);
	*g = (struct gift){.mem = m};
	return 0;
}

static int attach_writer(struct ipc_channel *ch, struct ipc_err *e)
{
	ch->gift_bytes = ipc_round_up(ch->buf_size, ch->page);
	uint64_t pages = ch->gift_bytes / ch->page;
	/* S + 1 buffers always suffice (every block takes >= 1 slot); full
	 * blocks need only 1 + S / pages. */
	ch->max_gifts = (unsigned)(ch->slots + 1);
	uint64_t want = 1 + (ch->slots + pages - 1) / pages;
	if (want > ch->max_gifts)
		want = ch->max_gifts;
	ch->gifts = calloc(ch->max_gifts, sizeof(*ch->gifts));
	if (!ch->gifts)
		return ipc_errf(e, ENOMEM, "calloc(%u gift buffers)",
				ch->max_gifts);
	for (; ch->ngifts < want; ch->ngifts++) {
		int rc = new_gift(ch, &ch->gifts[ch->ngifts], 1, e);
		if (rc < 0)
			return rc;
	}
	ch->next = 0;
	ch->spliced = 0;
	ch->held = 0;
	return 0;
}

static int vms_attach(struct ipc_channel *ch, enum ipc_role role,
		      struct ipc_err *e)
{
	/* Keep only this side's end: a dead peer then shows as EOF / EPIPE. */
	ipc_close_fd(&ch->fd[role == IPC_WRITER ? 0 : 1]);
	if (role == IPC_WRITER)
		return attach_writer(ch, e);
	return ipc_block_alloc(&ch->buf, ch->buf_size, e);
}

/* Writer: make gifts[next] a buffer none of whose pages is in the pipe. */
static int take_gift(struct ipc_channel *ch, struct ipc_err *e)
{
	struct gift *g = &ch->gifts[ch->next];
	if (!g->used || ch->spliced - g->end_slot >= ch->slots)
		return 0;
	/* Its pages may still be queued: put a new buffer before it. */
	if (ch->ngifts >= ch->max_gifts)
		return ipc_errf(e, EPROTO, "gift ring: all %u buffers may still "
				"be in the pipe (slot count broken)",
				ch->ngifts);
	memmove(&ch->gifts[ch->next + 1], &ch->gifts[ch->next],
		(ch->ngifts - ch->next) * sizeof(*ch->gifts));
	ch->ngifts++;
	int rc = new_gift(ch, &ch->gifts[ch->next], 0, e);
	if (rc < 0) { /* undo, so free_gifts sees no stale entry */
		memmove(&ch->gifts[ch->next], &ch->gifts[ch->next + 1],
			(ch->ngifts - ch->next - 1) * sizeof(*ch->gifts));
		ch->ngifts--;
	}
	return rc;
}

/* Writer: hand len bytes of gifts[next] to the pipe, then move on. */
static int splice_gift(struct ipc_channel *ch, size_t len, struct ipc_err *e)
{
	struct gift *g = &ch->gifts[ch->next];
	size_t off = 0;
	while (off < len) {
		struct iovec iov = {.iov_base = g->mem + off,
				    .iov_len = len - off};
		ssize_t n = vmsplice(ch->fd[1], &iov, 1, SPLICE_F_GIFT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ipc_errf(e, errno, "vmsplice(pipe, %zu)",
					len - off);
		}
		/* Each page touched by this call took one slot; a call cut
		 * short mid-page leaves the rest of that page for the next
		 * call, which takes another slot for it. */
		size_t first = off / ch->page;
		size_t last = (off + (size_t)n - 1) / ch->page;
		ch->spliced += last - first + 1;
		off += (size_t)n;
	}
	g->end_slot = ch->spliced;
	g->used = 1;
	ch->next = (ch->next + 1) % ch->ngifts;
	return 0;
}

static int vms_send(struct ipc_channel *ch, const void *buf, size_t len,
		    struct ipc_err *e)
{
	if (len == 0) /* end of stream: closes the write end, the reader sees EOF */
		return ipc_pipe_send(&ch->fd[1], "pipe", NULL, 0, e);
	const char *p = buf;
	while (len > 0) {
		size_t n = len < ch->buf_size ? len : ch->buf_size;
		int rc = take_gift(ch, e);
		if (rc < 0)
			return rc;
		/* The caller may reuse buf at once; a gift page it may not. */
		memcpy(ch->gifts[ch->next].mem, p, n);
		rc = splice_gift(ch, n, e);
		if (rc < 0)
			return rc;
		p += n;
		len -= n;
	}
	return 0;
}

static int vms_recv(struct ipc_channel *ch, void *buf, size_t cap,
		    size_t *len, struct ipc_err *e)
{
	return ipc_pipe_recv(ch->fd[0], "pipe", buf, cap, len, e);
}

static int vms_acquire(struct ipc_channel *ch, enum ipc_role role,
		       struct ipc_block *b, struct ipc_err *e)
{
	if (role == IPC_WRITER) {
		if (ch->held)
			return ipc_errf(e, EPROTO, "acquire: the last block "
					"was not released");
		int rc = take_gift(ch, e);
		if (rc < 0)
			return rc;
		ch->held = 1;
		b->data = ch->gifts[ch->next].mem;
		b->cap = ch->buf_size;
		b->id = ch->next;
		return 0;
	}
	/* The reader's: BUF_SIZE bytes, or fewer at end of file. */
	return ipc_copy_acquire_stream(role, ch->fd[0], "pipe", ch->buf,
				       ch->buf_size, b, e);
}

static int vms_release(struct ipc_channel *ch, enum ipc_role role,
		       struct ipc_block *b, struct ipc_err *e)
{
	if (role == IPC_READER)
		return 0;
	if (!ch->held || b->id != ch->next)
		return ipc_errf(e, EPROTO, "release: block %u was not acquired",
				b->id);
	ch->held = 0;
	if (b->len == 0)
		return ipc_pipe_send(&ch->fd[1], "pipe", NULL, 0, e);
	if (b->len > ch->buf_size)
		return ipc_errf(e, EINVAL, "release: %zu bytes > BUF_SIZE %zu",
				b->len, ch->buf_size);
	return splice_gift(ch, b->len, e);
}

static void vms_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_copy_info(out, ch->capacity);
	out->nblocks = ch->ngifts; /* gift buffers the writer rotates */
}

static void vms_detach(struct ipc_channel *ch, enum ipc_role role)
{
	ipc_close_fd(&ch->fd[role == IPC_WRITER ? 1 : 0]);
	/* Pages still queued stay alive: the pipe holds references. */
	free_gifts(ch);
	free(ch->buf);
	ch->buf = NULL;
}

const struct ipc_transport ipc_pipe_vmsplice = {
	.abi = IPC_ABI_VERSION,
	.name = "pipe-vmsplice",
	.summary = "pipe filled with vmsplice(SPLICE_F_GIFT): pages by reference, one copy at read()",
	.sync = "the kernel blocks the writer's vmsplice when the pipe's slots are full, the reader's read when it is empty; the writer reuses a page only after S = pipe slots later slots",
	.caps = IPC_CAP_ZEROCOPY | IPC_CAP_ANONYMOUS,
	.max_block = vms_max_block,
	.validate = ipc_pipe_validate,
	.create = vms_create,
	.parent_close = vms_parent_close,
	.attach = vms_attach,
	.acquire = vms_acquire,
	.release = vms_release,
	.send = vms_send,
	.recv = vms_recv,
	.info = vms_info,
	.detach = vms_detach,
	.destroy = vms_destroy,
};
