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
 * unrelated programs (two-program mode, not built yet: the creator would
 * listen on a socket in a private ipclab- directory and send the memfd and
 * the pipe ends to whoever connects).  Once sized it is sealed with
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
 *   ipclab run -t memfd -b 64K --blocks 8 --hugepages try --populate on
 */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

#define MEMFD_MAGIC 0x69706d66u /* "ipmf" */
#define MEMFD_VERSION 1u
#define HEADER_BYTES 4096
#define DEFAULT_BLOCKS 8u
#define MAX_BLOCKS 4096u /* all numbers fit in a default 64 KiB pipe */
#define THP_PMD_FILE "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"

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
};

enum backing { BACK_SMALL, BACK_HUGETLB, BACK_THP };

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

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

/* Map fd at an address aligned to align (THP need 2 MiB alignment). */
static void *map_aligned(int fd, size_t size, size_t align)
{
	char *res = mmap(NULL, size + align, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return MAP_FAILED;
	char *a = (char *)ipc_round_up((size_t)(uintptr_t)res, align);
	void *m = mmap(a, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		       fd, 0);
	if (m == MAP_FAILED) {
		int err = errno;
		(void)munmap(res, size + align);
		errno = err;
		return MAP_FAILED;
	}
	if (a > res)
		(void)munmap(res, (size_t)(a - res));
	size_t tail = (size_t)(res + size + align - (a + size));
	if (tail)
		(void)munmap(a + size, tail);
	return m;
}

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
		if (ipc_read_ulong(THP_PMD_FILE, &pmd) < 0 || pmd == 0)
			return ipc_errf(e, EOPNOTSUPP, "transparent huge pages "
					"(no %s)", THP_PMD_FILE);
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
		m = map_aligned(r->fd, r->size, unit);
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
	close_fd(&ch->empty[0]);
	close_fd(&ch->empty[1]);
	close_fd(&ch->full[0]);
	close_fd(&ch->full[1]);
	region_destroy(&ch->region);
	free(ch);
}

static int memfd_create_ch(const struct ipc_params *p,
			   struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	if (p->name)
		return ipc_errf(e, EOPNOTSUPP, "two-program mode (--name %s)",
				p->name);
	if (p->nblocks > MAX_BLOCKS)
		return ipc_errf(e, EINVAL, "--blocks %u: at most %u",
				p->nblocks, MAX_BLOCKS);
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	region_init(&ch->region);
	ch->empty[0] = ch->empty[1] = ch->full[0] = ch->full[1] = -1;
	ch->buf_size = p->buf_size;
	ch->nblocks = blocks_of(p);

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
	*out = ch;
	return 0;

err_destroy:
	memfd_destroy(ch);
	return rc;
}

static void memfd_parent_close(struct ipc_channel *ch)
{
	close_fd(&ch->empty[0]);
	close_fd(&ch->empty[1]);
	close_fd(&ch->full[0]);
	close_fd(&ch->full[1]);
}

static int memfd_attach(struct ipc_channel *ch, enum ipc_role role,
			struct ipc_err *e)
{
	if (role == IPC_WRITER) {
		close_fd(&ch->empty[1]);
		close_fd(&ch->full[0]);
	} else {
		close_fd(&ch->empty[0]);
		close_fd(&ch->full[1]);
	}
	return region_prepare(&ch->region, e);
}

static int read_msg(int fd, void *m, size_t len, const char *what,
		    struct ipc_err *e)
{
	ssize_t n = ipc_read_full(fd, m, len);
	if (n < 0)
		return ipc_errf(e, (int)-n, "read(%s pipe)", what);
	if ((size_t)n != len)
		return ipc_errf(e, EPIPE, "read(%s pipe): the peer is gone",
				what);
	return 0;
}

static int memfd_acquire(struct ipc_channel *ch, enum ipc_role role,
			 struct ipc_block *b, struct ipc_err *e)
{
	uint32_t id;
	size_t len = 0;
	int rc;
	if (role == IPC_WRITER) {
		rc = read_msg(ch->empty[0], &id, sizeof(id), "empty", e);
	} else {
		struct full_msg m;
		rc = read_msg(ch->full[0], &m, sizeof(m), "full", e);
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
	memset(out, 0, sizeof(*out));
	out->nblocks = ch->nblocks;
	region_read_back(&ch->region); /* THP appear only once touched */
	out->region = ch->region.info;
}

static void memfd_detach(struct ipc_channel *ch, enum ipc_role role)
{
	if (role == IPC_WRITER) {
		close_fd(&ch->empty[0]);
		close_fd(&ch->full[1]);
	} else {
		close_fd(&ch->empty[1]);
		close_fd(&ch->full[0]);
	}
}

const struct ipc_transport ipc_memfd = {
	.abi = IPC_ABI_VERSION,
	.name = "memfd",
	.summary = "memfd_create region (no name, sealed size) in N blocks, two pipes carry block numbers",
	.sync = "writer reads a free block number from the empty pipe, writes {number, length} to the full pipe; reader the reverse",
	.caps = IPC_CAP_REGION | IPC_CAP_ZEROCOPY,
	.max_block = memfd_max_block,
	.validate = memfd_validate,
	.create = memfd_create_ch,
	.parent_close = memfd_parent_close,
	.attach = memfd_attach,
	.acquire = memfd_acquire,
	.release = memfd_release,
	.info = memfd_info,
	.detach = memfd_detach,
	.destroy = memfd_destroy,
};
