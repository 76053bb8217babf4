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
 * The protocol is pshm-pipe's, on purpose: both are the block ring of
 * block_ring.h (who waits on what is there) and differ only in how the
 * region is made (region.c, kind REGION_MEMFD), so a side-by-side shows what
 * the mechanism costs (at run time: nothing - both are shmem pages), and a
 * dead peer shows as end of file on a pipe.  What is shared: the region (a
 * one-page header, then N blocks of BUF_SIZE) and the two pipes "empty"
 * (free block numbers, reader -> writer) and "full" ({block number, length},
 * writer -> reader).
 *
 * Two-program mode (`ipclab xfr`): the writer makes the memfd and the two
 * pipes as in fork mode (block numbers already in "empty"), then binds and
 * listens on a Unix stream socket /tmp/ipclab-NAME/sock (0600) in the
 * rendezvous directory of rendezvous.h, recorded there.  In attach it waits
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
#include "block_ring.h"
#include "memfd_region.h"
#include "sock_io.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MEMFD_MAGIC 0x69706d66u /* "ipmf" */

static int memfd_validate(const struct ipc_params *p, char *why,
			  size_t whylen)
{
	return ipc_ring_validate(p, REGION_MEMFD, why, whylen);
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
	struct ipc_channel *ch;
	int rc, sock = -1;
	*out = NULL;
	if (role != IPC_READER)
		return ipc_errf(e, EINVAL, "open(writer): in two-program mode "
				"the writer creates the channel");
	rc = ipc_ring_alloc(0, 0, &ch, e);
	if (rc < 0)
		return rc;
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
	    h.buf_size != ch->rdv.info.buf_size) {
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
	if (rc == 0)
		rc = ipc_ring_check(ch, MEMFD_MAGIC, "the memfd received",
				    "memfd", e);
	if (rc == 0)
		rc = region_prepare(&ch->region, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	ipc_close_fd(&sock);
	ipc_ring_destroy(ch);
	return rc;
}

static int memfd_create_ch(const struct ipc_params *p,
			   struct ipc_channel **out, struct ipc_err *e)
{
	struct ipc_channel *ch;
	int rc = ipc_ring_alloc(p->buf_size, ipc_ring_blocks(p), &ch, e);
	*out = NULL;
	if (rc < 0)
		return rc;
	if (p->name) {
		/* First: one writer per name, and a dead run's leftovers go. */
		rc = ipc_rdv_create(&ch->rdv, p, "memfd", e);
		if (rc < 0)
			goto err_destroy;
	}
	rc = region_create(&ch->region, REGION_MEMFD,
			   ipc_ring_region_bytes(ch->buf_size, ch->nblocks),
			   &p->region, NULL, e);
	if (rc < 0)
		goto err_destroy;
	ipc_ring_format(ch, MEMFD_MAGIC);
	rc = ipc_ring_make_pipes(ch, e);
	if (rc == 0 && p->name) {
		ch->meet_reader = serve_named;
		rc = listen_named(ch, e);
	}
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	ipc_ring_destroy(ch);
	return rc;
}

const struct ipc_transport ipc_memfd = {
	.abi = IPC_ABI_VERSION,
	.name = "memfd",
	.summary = "memfd_create region (no name, sealed size) in N blocks, two pipes carry block numbers",
	.caps = IPC_CAP_REGION | IPC_CAP_NAMED | IPC_CAP_ZEROCOPY,
	.validate = memfd_validate,
	.create = memfd_create_ch,
	.open = memfd_open,
	IPC_RING_SLOTS,
};
