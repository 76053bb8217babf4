/*
 * memfd.c - shared memory with no name: a region made by memfd_create(2),
 * sealed against resizing, split into N numbered blocks whose numbers go
 * through two pipes (the protocol of pshm-pipe).
 *
 * Why memfd: a POSIX shm object lives under a name in /dev/shm from
 * shm_open until shm_unlink, and a crash in between leaks it.  A memfd is
 * an anonymous tmpfs (or hugetlbfs) file that exists only while a
 * descriptor or a mapping refers to it: there is no name to leak, to guess
 * or to clean up.  It is shared by handing over the descriptor - inherited
 * across fork here; passed with SCM_RIGHTS over a Unix socket between
 * unrelated programs (two-program mode, below).  Once sized it is sealed with
 * F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL: a receiver that checks
 * F_GET_SEALS knows no one can truncate the file under its mapping (which
 * would make its accesses SIGBUS), and the seals themselves are final.
 *
 * What backs it, by --hugepages: off: 4 KiB shmem pages; on / try:
 * MFD_HUGETLB, pages from the hugetlb pool (try falls back to 4 KiB and
 * records why); thp: shmem pages with madvise(MADV_HUGEPAGE) on a mapping
 * aligned to 2 MiB (shmem_enabled must allow it).  --populate pre-faults.
 * The page size actually obtained is read back from /proc/self/smaps.
 *
 * The protocol is pshm-pipe's, on purpose: the two then differ only in how
 * the region is made, so a side-by-side shows what the mechanism costs (at
 * run time: nothing - both are shmem pages), and a dead peer shows as end
 * of file on a pipe.  What is shared: the region (a one-page header, then N
 * blocks of BUF_SIZE) and two pipes:
 *   "empty" (reader -> writer): numbers of free blocks, 4 bytes each;
 *   "full"  (writer -> reader): {block number, length}, 16 bytes each.
 * The writer reads a free number from "empty" (blocking when all N are in
 * use), fills the block, writes {number, length} to "full"; the reader
 * reads "full", consumes the block, writes its number back to "empty".
 * Length 0 is end of stream.
 *
 * Two-program mode (`ipclab xfr`): the writer makes the memfd and the two
 * pipes as in fork mode (block numbers already in "empty"), then binds and
 * listens on a Unix stream socket /tmp/ipclab-NAME/sock (0600) in the
 * rendezvous directory of pipe_io.h, recorded there.  In attach it waits
 * for the reader (its lock, then its connect), checks SO_PEERCRED (same
 * user), unlinks the socket path and sends, in one sendmsg(SCM_RIGHTS),
 * the memfd, the write end of "empty" and the read end of "full", with a
 * small header (magic, version, BUF_SIZE, N, region size, how the writer
 * backed it); then it closes those ends and the socket.  The reader (open)
 * checks the writer's pid and uid on the socket, the header against the
 * record, that the memfd is its user's, of exactly that size, sealed
 * against SHRINK and GROW, and that the pipe ends are FIFOs opened the
 * right way, then maps it (huge pages as the writer made them, populate as
 * asked) and checks the region's header.  From then on it is fork mode: a
 * dead peer is end of file or EPIPE on a pipe, so the socket is not kept.
 * After end of stream the writer waits for the reader to leave, then
 * removes the directory.  Nothing of the channel has a name at any time.
 *
 *   ipclab run -t memfd -b 64K --blocks 8 --hugepages try --populate on
 *   ipclab xfr writer -t memfd -b 64K --name demo < in
 */
#include "memfd_region.h"
#include "pipe_io.h"
#include "sock_io.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define MEMFD_MAGIC 0x69706d66u /* "ipmf" */
#define MEMFD_VERSION 1u
#define HEADER_BYTES 4096
#define DEFAULT_BLOCKS 8u
#define MAX_BLOCKS 4096u /* all numbers fit in a default 64 KiB pipe */

struct header {
	uint32_t magic;
	uint32_t version;
	uint64_t buf_size;
	uint32_t nblocks;
};

struct full_msg {
	uint32_t id;
	uint32_t pad;
	uint64_t len;
};

struct ipc_channel {
	struct region region; /* made here; region.c prepares and unmaps it */
	char *blocks;
	size_t buf_size;
	unsigned nblocks;
	int empty[2]; /* [0] read end (writer), [1] write end (reader) */
	int full[2];  /* [0] read end (reader), [1] write end (writer) */
	int lfd;      /* named writer: listening socket until the reader came */
	int eos_sent; /* writer: end of stream published */
	struct ipc_rdv rdv; /* two-program mode: obj 0 is the socket */
};

enum backing { BACK_SMALL, BACK_HUGETLB, BACK_THP };

static unsigned blocks_of(const struct ipc_params *p)
{
	return p->nblocks ? p->nblocks : DEFAULT_BLOCKS;
}

static size_t region_bytes(const struct ipc_params *p)
{
	return HEADER_BYTES + (size_t)blocks_of(p) * p->buf_size;
}

static int memfd_max_block(const struct ipc_params *p, size_t *max,
			   char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	*max = (SIZE_MAX / 4) / blocks_of(p);
	return 0;
}

static int memfd_validate(const struct ipc_params *p, char *why,
			  size_t whylen)
{
	if (p->nblocks > MAX_BLOCKS) {
		snprintf(why, whylen,
			 "--blocks %u: at most %u blocks (their numbers must "
			 "fit in one pipe)", p->nblocks, MAX_BLOCKS);
		return -EINVAL;
	}
	/* Fork-mode POSIX regions with huge pages are memfds too, so the
	 * region helper's check is exactly ours. */
	return ipc_region_validate(p, REGION_POSIX, region_bytes(p), why,
				   whylen);
}

/* ---- the region ---- */

/* Make, size, seal and map one memfd for this backing; on failure the
 * caller's region_destroy removes what was made. */
static int map_memfd(struct region *r, size_t size, enum backing b,
		     struct ipc_err *e)
{
	char nm[64];
	unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	size_t unit = 4096;
	long pg = sysconf(_SC_PAGESIZE);
	if (pg > 0)
		unit = (size_t)pg;
	if (b == BACK_HUGETLB) {
#ifdef HAVE_MFD_HUGETLB
		struct region_hugetlb_pool pool;
		if (region_hugetlb_pool(&pool) < 0 || pool.page_size == 0)
			return ipc_errf(e, EOPNOTSUPP, "hugetlb pages (no "
					"Hugepagesize in /proc/meminfo)");
		unit = pool.page_size;
		flags |= MFD_HUGETLB;
#else
		return ipc_errf(e, EOPNOTSUPP, "memfd_create(MFD_HUGETLB): "
				"not in this build");
#endif
	} else if (b == BACK_THP) {
		unsigned long pmd = 0;
		if (ipc_read_ulong(IPC_THP_PMD_FILE, &pmd) < 0 || pmd == 0)
			return ipc_errf(e, EOPNOTSUPP, "transparent huge pages "
					"(no %s)", IPC_THP_PMD_FILE);
		unit = (size_t)pmd;
	}
	r->size = ipc_round_up(size ? size : 1, unit);
	r->info.size = r->size;
	if (b != BACK_SMALL && r->size != size)
		snprintf(r->info.note, sizeof(r->info.note),
			 "size rounded up from %zu to %zu bytes (%zu pages of "
			 "%zu KiB)", size, r->size, r->size / unit, unit >> 10);

	ipc_unique_name(nm, sizeof(nm)); /* shown in /proc/<pid>/fd, maps */
	r->fd = memfd_create(nm + 1, flags);
	if (r->fd < 0)
		return ipc_errf(e, errno, "memfd_create(%s%s)", nm + 1,
				b == BACK_HUGETLB ? ", MFD_HUGETLB" : "");
	if (ftruncate(r->fd, (off_t)r->size) < 0)
		return ipc_errf(e, errno, "ftruncate(memfd, %zu)", r->size);
	if (fcntl(r->fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return ipc_errf(e, errno, "fcntl(memfd, F_ADD_SEALS, "
				"SHRINK|GROW|SEAL)");

	void *m;
	if (b == BACK_THP) {
		m = ipc_map_aligned(r->fd, r->size, unit);
	} else {
		int mflags = MAP_SHARED;
#ifdef HAVE_MAP_POPULATE
		if (r->opts.populate)
			mflags |= MAP_POPULATE; /* allocate now, not timed */
#endif
		m = mmap(NULL, r->size, PROT_READ | PROT_WRITE, mflags, r->fd, 0);
	}
	if (m == MAP_FAILED) {
		int err = errno;
		struct region_hugetlb_pool pool;
		if (b == BACK_HUGETLB && err == ENOMEM &&
		    region_hugetlb_pool(&pool) == 0) {
			unsigned long need = (unsigned long)(r->size / unit);
			return ipc_errf(e, err, "mmap(memfd, MFD_HUGETLB, %zu "
					"bytes): needs %lu huge pages, %lu free; "
					"reserve them as root: "
					"scripts/hugepages.sh reserve %lu",
					r->size, need, pool.available,
					need > pool.available
						? pool.total + need - pool.available
						: pool.total);
		}
		return ipc_errf(e, err, "mmap(memfd, %zu)", r->size);
	}
	r->addr = m;
#ifdef HAVE_MADV_HUGEPAGE
	if (b == BACK_THP && madvise(m, r->size, MADV_HUGEPAGE) < 0)
		return ipc_errf(e, errno, "madvise(memfd, MADV_HUGEPAGE)");
#endif
#ifdef HAVE_MADV_POPULATE_WRITE
	/* THP come at the first touch after the advice: populate after it. */
	if (b == BACK_THP && r->opts.populate &&
	    madvise(m, r->size, MADV_POPULATE_WRITE) < 0)
		return ipc_errf(e, errno, "madvise(memfd, MADV_POPULATE_WRITE)");
#endif
	r->info.hugetlb = b == BACK_HUGETLB;
	snprintf(r->info.mechanism, sizeof(r->info.mechanism), "memfd");
	return 0;
}

/* A struct region the helper can prepare, read back and destroy: no name,
 * so region_unlink has nothing to remove. */
static int make_region(struct region *r, size_t size,
		       const struct region_opts *o, struct ipc_err *e)
{
	enum region_hugepages hp = o->hugepages;
	int rc;
	region_init(r);
	r->kind = REGION_POSIX;
	r->opts = *o;
	r->info.requested = size;
	if (hp == REGION_HP_ON || hp == REGION_HP_THP) {
		char why[sizeof(e->msg)];
		rc = region_hugepages_check(REGION_POSIX, size, o, 0, why,
					    sizeof(why));
		if (rc < 0) {
			snprintf(e->msg, sizeof(e->msg), "%s", why);
			return rc;
		}
	}
	if (hp == REGION_HP_ON || hp == REGION_HP_TRY) {
		struct ipc_err he = {{0}};
		rc = map_memfd(r, size, BACK_HUGETLB, &he);
		if (rc == 0)
			goto made;
		region_destroy(r);
		if (hp == REGION_HP_ON) {
			*e = he;
			return rc;
		}
		region_init(r);
		r->kind = REGION_POSIX;
		r->opts = *o;
		r->info.requested = size;
		rc = map_memfd(r, size, BACK_SMALL, e);
		if (rc < 0) {
			region_destroy(r);
			return rc;
		}
		r->info.hugepages_fallback = 1;
		snprintf(r->info.note, sizeof(r->info.note),
			 "hugetlb pages not obtained, 4 KiB pages used: %s",
			 he.msg);
		goto made;
	}
	rc = map_memfd(r, size, hp == REGION_HP_THP ? BACK_THP : BACK_SMALL, e);
	if (rc < 0) {
		region_destroy(r);
		return rc;
	}
made:
	r->note_base = strlen(r->info.note);
	return 0;
}

/* ---- the transport ---- */

static void memfd_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	ipc_close_pair(ch->empty);
	ipc_close_pair(ch->full);
	ipc_close_fd(&ch->lfd);
	region_destroy(&ch->region);
	ipc_rdv_close(&ch->rdv); /* named: the directory, and the socket path */
	free(ch);
}

/* ---- two-program mode: the descriptors over a Unix socket ---- */

/*
 * What the writer sends with the descriptors (one sendmsg): enough for the
 * reader to check what it got before it maps anything.
 */
#define WIRE_MAGIC 0x69706d77u /* "ipmw" */
#define WIRE_VERSION 1u
#define WIRE_FDS 3 /* the memfd, the write end of "empty", the read end of
		    * "full" */
enum { WIRE_HUGETLB = 1u, WIRE_THP = 2u };

struct wire_hdr {
	uint32_t magic;
	uint32_t version;
	uint64_t buf_size;
	uint64_t region_size;
	uint32_t nblocks;
	uint32_t flags; /* WIRE_HUGETLB, WIRE_THP: how the writer backed it */
};

/* Named writer, in create: listen on the directory's socket (bound 0600)
 * before the record says ready, so the reader's connect never waits. */
static int listen_named(struct ipc_channel *ch, struct ipc_err *e)
{
	int rc = ipc_sock_bind_named(&ch->rdv, SOCK_STREAM, 0600, &ch->lfd, e);
	if (rc < 0)
		return rc;
	ch->rdv.info.nblocks = ch->nblocks;
	return ipc_rdv_ready(&ch->rdv, e);
}

/* Named writer, in attach: take the reader's connection and hand it the
 * memfd and its two pipe ends.  The socket is closed afterwards: from then
 * on the pipes show a dead peer as they do in fork mode. */
static int serve_named(struct ipc_channel *ch, struct ipc_err *e)
{
	int fd = -1;
	int rc = ipc_sock_accept_named(&ch->rdv, &ch->lfd, &fd, e);
	if (rc == 0) {
		struct wire_hdr h = {
			.magic = WIRE_MAGIC,
			.version = WIRE_VERSION,
			.buf_size = ch->buf_size,
			.region_size = ch->region.size,
			.nblocks = ch->nblocks,
			.flags = (ch->region.info.hugetlb ? WIRE_HUGETLB : 0u) |
				 (ch->region.opts.hugepages == REGION_HP_THP
					  ? WIRE_THP : 0u),
		};
		int fds[WIRE_FDS] = {ch->region.fd, ch->empty[1], ch->full[0]};
		rc = ipc_sock_send_fds(fd, &h, sizeof(h), fds, WIRE_FDS, e);
	}
	ipc_close_fd(&fd);
	return rc;
}

/* Named reader: map the memfd received, after checking it is one the
 * writer sized and sealed, of the size it says, and ours. */
static int adopt_region(struct region *r, int fd, const struct wire_hdr *h,
			const struct region_opts *o, struct ipc_err *e)
{
	int rc = ipc_adopt_region(r, fd, "memfd", h->region_size,
				  (h->flags & WIRE_HUGETLB) != 0,
				  (h->flags & WIRE_THP) != 0, 1, o, e);
	if (rc == 0)
		snprintf(r->info.mechanism, sizeof(r->info.mechanism),
			 "memfd");
	return rc;
}

/* A descriptor received for a pipe end: a FIFO opened for mode. */
static int check_pipe_end(int fd, int mode, const char *what,
			  struct ipc_err *e)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);
	if (fstat(fd, &st) < 0 || fl < 0)
		return ipc_errf(e, errno, "fstat(%s pipe)", what);
	if (!S_ISFIFO(st.st_mode) || (fl & O_ACCMODE) != mode)
		return ipc_errf(e, EBADMSG, "the %s descriptor received is not "
				"the pipe end expected", what);
	return 0;
}

/* Named reader: connect, receive the memfd and the pipe ends, check them
 * and the region's header, map the region. */
static int memfd_open(const struct ipc_params *p, enum ipc_role role,
		      struct ipc_channel **out, struct ipc_err *e)
{
	int rc, sock = -1;
	*out = NULL;
	if (role != IPC_READER)
		return ipc_errf(e, EINVAL, "open(writer): in two-program mode "
				"the writer creates the channel");
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	region_init(&ch->region);
	ch->empty[0] = ch->empty[1] = ch->full[0] = ch->full[1] = -1;
	ch->lfd = -1;
	ipc_rdv_init(&ch->rdv);
	rc = ipc_rdv_open(&ch->rdv, p, "memfd", e);
	if (rc < 0)
		goto err_destroy;
	rc = ipc_sock_connect_named(&ch->rdv, SOCK_STREAM, &sock, e);
	if (rc < 0)
		goto err_destroy;
	struct wire_hdr h;
	int fds[WIRE_FDS] = {-1, -1, -1};
	rc = ipc_sock_recv_fds(&ch->rdv, sock, &h, sizeof(h), fds, WIRE_FDS,
			       e);
	if (rc < 0)
		goto err_destroy;
	ipc_close_fd(&sock); /* from here the pipes show a dead writer */
	ch->empty[1] = fds[1];
	ch->full[0] = fds[2];
	ch->buf_size = (size_t)h.buf_size;
	ch->nblocks = h.nblocks;
	if (h.magic != WIRE_MAGIC || h.version != WIRE_VERSION ||
	    h.buf_size != ch->rdv.info.buf_size || h.buf_size == 0 ||
	    h.nblocks == 0 || h.nblocks > MAX_BLOCKS ||
	    h.buf_size > (SIZE_MAX / 4) / h.nblocks ||
	    h.region_size < HEADER_BYTES + h.nblocks * h.buf_size) {
		(void)close(fds[0]);
		rc = ipc_errf(e, EBADMSG, "the writer's message is not a memfd "
			      "channel of this version (magic 0x%08x, version "
			      "%u, %u blocks of %llu bytes)", (unsigned)h.magic,
			      (unsigned)h.version, (unsigned)h.nblocks,
			      (unsigned long long)h.buf_size);
		goto err_destroy;
	}
	rc = adopt_region(&ch->region, fds[0], &h, &p->region, e);
	if (rc == 0)
		rc = check_pipe_end(ch->empty[1], O_WRONLY, "empty", e);
	if (rc == 0)
		rc = check_pipe_end(ch->full[0], O_RDONLY, "full", e);
	if (rc < 0)
		goto err_destroy;
	const struct header *rh = ch->region.addr;
	if (rh->magic != MEMFD_MAGIC || rh->version != MEMFD_VERSION ||
	    rh->buf_size != h.buf_size || rh->nblocks != h.nblocks) {
		rc = ipc_errf(e, EBADMSG, "the memfd received does not hold a "
			      "memfd channel of %u blocks of %zu bytes",
			      ch->nblocks, ch->buf_size);
		goto err_destroy;
	}
	ch->blocks = (char *)ch->region.addr + HEADER_BYTES;
	rc = region_prepare(&ch->region, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	ipc_close_fd(&sock);
	memfd_destroy(ch);
	return rc;
}

static int memfd_create_ch(const struct ipc_params *p,
			   struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	if (p->nblocks > MAX_BLOCKS)
		return ipc_errf(e, EINVAL, "--blocks %u: at most %u",
				p->nblocks, MAX_BLOCKS);
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	region_init(&ch->region);
	ch->empty[0] = ch->empty[1] = ch->full[0] = ch->full[1] = -1;
	ch->lfd = -1;
	ipc_rdv_init(&ch->rdv);
	ch->buf_size = p->buf_size;
	ch->nblocks = blocks_of(p);
	if (p->name) {
		/* First: one writer per name, and a dead run's leftovers go. */
		rc = ipc_rdv_create(&ch->rdv, p, "memfd", e);
		if (rc < 0)
			goto err_destroy;
	}

	rc = make_region(&ch->region, region_bytes(p), &p->region, e);
	if (rc < 0)
		goto err_destroy;
	struct header *h = ch->region.addr;
	h->magic = MEMFD_MAGIC;
	h->version = MEMFD_VERSION;
	h->buf_size = p->buf_size;
	h->nblocks = ch->nblocks;
	ch->blocks = (char *)ch->region.addr + HEADER_BYTES;

	if (pipe2(ch->empty, O_CLOEXEC) < 0) {
		rc = ipc_errf(e, errno, "pipe2(empty)");
		goto err_destroy;
	}
	if (pipe2(ch->full, O_CLOEXEC) < 0) {
		rc = ipc_errf(e, errno, "pipe2(full)");
		goto err_destroy;
	}
	for (uint32_t i = 0; i < ch->nblocks; i++) {
		rc = ipc_write_full(ch->empty[1], &i, sizeof(i));
		if (rc < 0) {
			rc = ipc_errf(e, -rc, "write(empty pipe)");
			goto err_destroy;
		}
	}
	if (p->name) {
		rc = listen_named(ch, e);
		if (rc < 0)
			goto err_destroy;
	}
	*out = ch;
	return 0;

err_destroy:
	memfd_destroy(ch);
	return rc;
}

static void memfd_parent_close(struct ipc_channel *ch)
{
	ipc_close_pair(ch->empty);
	ipc_close_pair(ch->full);
}

static int memfd_attach(struct ipc_channel *ch, enum ipc_role role,
			struct ipc_err *e)
{
	if (ch->lfd >= 0) {
		int rc = serve_named(ch, e); /* the creator is the writer */
		if (rc < 0)
			return rc;
	}
	if (role == IPC_WRITER) {
		ipc_close_fd(&ch->empty[1]);
		ipc_close_fd(&ch->full[0]);
	} else {
		ipc_close_fd(&ch->empty[0]);
		ipc_close_fd(&ch->full[1]);
	}
	return region_prepare(&ch->region, e);
}

static int memfd_acquire(struct ipc_channel *ch, enum ipc_role role,
			 struct ipc_block *b, struct ipc_err *e)
{
	uint32_t id;
	size_t len = 0;
	int rc;
	if (role == IPC_WRITER) {
		rc = ipc_pipe_read_msg(ch->empty[0], "empty", &id, sizeof(id), e);
	} else {
		struct full_msg m;
		rc = ipc_pipe_read_msg(ch->full[0], "full", &m, sizeof(m), e);
		id = m.id;
		len = (size_t)m.len;
	}
	if (rc < 0)
		return rc;
	if (id >= ch->nblocks || len > ch->buf_size)
		return ipc_errf(e, EPROTO, "block %u of %u, length %zu: corrupt "
				"metadata", id, ch->nblocks, len);
	b->id = id;
	b->data = ch->blocks + (size_t)id * ch->buf_size;
	b->cap = ch->buf_size;
	b->len = len;
	return 0;
}

static int memfd_release(struct ipc_channel *ch, enum ipc_role role,
			 struct ipc_block *b, struct ipc_err *e)
{
	int rc;
	if (role == IPC_WRITER) {
		struct full_msg m = {.id = b->id, .len = b->len};
		rc = ipc_write_full(ch->full[1], &m, sizeof(m));
		if (rc < 0)
			return ipc_errf(e, -rc, "write(full pipe)");
		if (b->len == 0)
			ch->eos_sent = 1;
	} else {
		uint32_t id = b->id;
		rc = ipc_write_full(ch->empty[1], &id, sizeof(id));
		/* The writer may have sent end of stream and left while we
		 * still give back earlier blocks; a writer that died early
		 * shows up anyway as end of file on our next acquire. */
		if (rc < 0 && rc != -EPIPE)
			return ipc_errf(e, -rc, "write(empty pipe)");
	}
	return 0;
}

static void memfd_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_region_info(&ch->region, ch->nblocks, out);
}

static void memfd_detach(struct ipc_channel *ch, enum ipc_role role)
{
	if (role == IPC_WRITER) {
		ipc_close_fd(&ch->empty[0]);
		ipc_close_fd(&ch->full[1]);
		if (ch->eos_sent)
			ipc_rdv_wait_done(&ch->rdv); /* named: reader done */
	} else {
		ipc_close_fd(&ch->empty[1]);
		ipc_close_fd(&ch->full[0]);
	}
}

const struct ipc_transport ipc_memfd = {
	.abi = IPC_ABI_VERSION,
	.name = "memfd",
	.summary = "memfd_create region (no name, sealed size) in N blocks, two pipes carry block numbers",
	.sync = "writer reads a free block number from the empty pipe, writes {number, length} to the full pipe; reader the reverse",
	.caps = IPC_CAP_REGION | IPC_CAP_NAMED | IPC_CAP_ZEROCOPY,
	.max_block = memfd_max_block,
	.validate = memfd_validate,
	.create = memfd_create_ch,
	.open = memfd_open,
	.parent_close = memfd_parent_close,
	.attach = memfd_attach,
	.acquire = memfd_acquire,
	.release = memfd_release,
	.info = memfd_info,
	.detach = memfd_detach,
	.destroy = memfd_destroy,
};
