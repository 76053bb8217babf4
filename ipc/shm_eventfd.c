/*
 * shm_eventfd.c - a ring of N blocks in shared memory whose indices live in
 * the region itself, with two eventfd counters as doorbells.
 *
 * What is shared: one region (POSIX shm, or memfd when huge pages are
 * asked) holding a header - `head` (blocks the writer has published),
 * `tail` (blocks the reader has given back), two "I am asleep" flags, each
 * on its own cache line, and the length of every block - followed by N
 * blocks of BUF_SIZE.  Block k of the stream lives in slot k mod N.  Two
 * eventfds ring the bells: `efd_full` wakes the reader (something was
 * published), `efd_free` wakes the writer (room was made).
 *
 * This is pshm-pipe's design with the metadata moved out of the kernel:
 * pshm-pipe sends every block number through a pipe, four system calls per
 * block whatever happens; here the block numbers are the indices, and the
 * kernel is entered only to sleep and to wake a sleeper.
 *
 * Who waits on what: the writer may fill a block while head - tail < N; the
 * reader may take one while tail < head.  A side that finds it cannot go on
 * raises its flag, looks at the index once more (so a wake-up cannot be
 * lost: either it sees the peer's new index, or the peer sees the flag -
 * both are sequentially consistent), then sleeps in a read() of its
 * eventfd, which also resets the counter.  The peer, after moving its
 * index, writes the eventfd only if the flag is up (and takes it down).
 * The counter is a doorbell, not a count: a stale ring costs one spurious
 * wake-up and a second look.  The reader wakes the writer only once half
 * the ring is free, so a faster writer refills N/2 blocks per wake-up
 * instead of bouncing on every block.
 *
 * A block of length 0 is end of stream; the writer's detach then waits
 * until the reader has given it back.
 *
 * In fork mode a dead peer is not detected here: like pshm-sem's
 * semaphores, an eventfd does not notice that the other side is gone, and
 * the survivor sleeps until the driver, which reaps both children, kills
 * it.  Detecting it
 * would mean sleeping in poll() on the eventfd plus a socket the peer
 * holds, then reading the eventfd: measured, that extra call made a
 * handoff on one CPU 25% slower (3.2 -> 4.0 us one way), a price every
 * sleep would pay for a crash the driver handles anyway.
 *
 * Creation and removal: create makes the region (unlinked at once in fork
 * mode) and the two eventfds; parent_close drops the parent's eventfds;
 * destroy closes and unmaps what is left.
 *
 * Two-program mode (`ipclab xfr`): nothing here has a name (the region is
 * unlinked at once, eventfds never had one), so the writer hands the
 * descriptors over.  In create it makes everything as above, then binds
 * and listens on a Unix stream socket /tmp/ipclab-NAME/sock (0600) in the
 * rendezvous directory of rendezvous.h, recorded there.  In attach it waits
 * for the reader (its lock, then its connect), checks SO_PEERCRED (same
 * user), unlinks the socket path, and sends the region's fd and both
 * eventfds in one sendmsg(SCM_RIGHTS) with a small header (magic, version,
 * BUF_SIZE, N, region size, how the writer backed it).  The reader (open)
 * checks the writer's pid and uid on the socket, the header against the
 * record, that the region is a file of its own user of exactly that size
 * and that the eventfds are eventfds, then maps the region (huge pages as
 * the writer made them, populate as asked) and checks the ring's header.
 * The connection stays open, unused, as the liveness channel: a sleep is
 * then poll() on the eventfd and the socket, in slices of IPC_RDV_CHECK_MS
 * that also check the peer's lock; the peer's death closes its end and
 * wakes the survivor, which reports it.  That poll is the extra call
 * measured above: it is paid in named mode only, where no driver watches
 * both sides.  After end of stream the writer waits until every block is
 * back and the reader has left, then removes the directory.
 *
 *   ipclab xfr writer -t shm-eventfd -b 64K --name demo < in
 *   ipclab xfr reader -t shm-eventfd --name demo > out
 *
 *   ipclab run -t shm-eventfd -b 64K --blocks 8 --pin split
 */
#include "memfd_region.h"
#include "rendezvous.h"
#include "sock_io.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"

#define SHM_EFD_MAGIC 0x69706566u /* "ipef" */
#define SHM_EFD_VERSION 1u
#define DEFAULT_BLOCKS 8u
#define MAX_BLOCKS 65536u
#define LINE 64

struct header {
	uint32_t magic;
	uint32_t version;
	uint64_t buf_size;
	uint32_t nblocks;
	/* Each index and flag on its own cache line: the writer stores head
	 * on every block, the reader tail, and they must not fight. */
	_Alignas(LINE) _Atomic uint64_t head;
	_Alignas(LINE) _Atomic uint64_t tail;
	_Alignas(LINE) _Atomic uint32_t writer_sleeps;
	_Alignas(LINE) _Atomic uint32_t reader_sleeps;
	_Alignas(LINE) uint64_t len[]; /* bytes in each block */
};

struct ipc_channel {
	struct region region;
	struct header *hdr;
	char *blocks;
	size_t buf_size;
	unsigned nblocks;
	uint64_t wake_writer_at; /* free blocks that make the reader wake it */
	int efd_full;  /* reader sleeps on it, writer rings it */
	int efd_free;  /* writer sleeps on it, reader rings it */
	uint64_t seq;  /* this side's next block: head (writer) or tail */
	int held;      /* a block is acquired and not yet released */
	int eos_sent;
	int lfd;       /* named writer: listening socket until the reader came */
	int sock;      /* named: the connection, kept to see the peer die;
			* -1 in fork mode (then sleeps are a plain read) */
	struct ipc_rdv rdv; /* two-program mode: obj 0 is the socket */
};

static unsigned blocks_of(const struct ipc_params *p)
{
	return p->nblocks ? p->nblocks : DEFAULT_BLOCKS;
}

/* Header and length table, rounded so that the blocks start on a page. */
static size_t header_bytes(unsigned nblocks)
{
	return ipc_round_up(sizeof(struct header) +
				    (size_t)nblocks * sizeof(uint64_t), 4096);
}

static int shm_efd_max_block(const struct ipc_params *p, size_t *max,
			     char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	*max = (SIZE_MAX / 4) / blocks_of(p);
	return 0;
}

static int shm_efd_validate(const struct ipc_params *p, char *why,
			    size_t whylen)
{
	if (p->nblocks > MAX_BLOCKS) {
		snprintf(why, whylen, "--blocks %u: at most %u blocks",
			 p->nblocks, MAX_BLOCKS);
		return -EINVAL;
	}
	unsigned n = blocks_of(p);
	return ipc_region_validate(p, REGION_POSIX,
				   header_bytes(n) + (size_t)n * p->buf_size,
				   why, whylen);
}

static void shm_efd_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	ipc_close_fd(&ch->efd_full);
	ipc_close_fd(&ch->efd_free);
	ipc_close_fd(&ch->lfd);
	ipc_close_fd(&ch->sock);
	region_destroy(&ch->region);
	ipc_rdv_close(&ch->rdv); /* named: the directory, and the socket path */
	free(ch);
}

/* ---- two-program mode: the descriptors over a Unix socket ---- */

/*
 * What the writer sends with the three descriptors (one sendmsg): enough
 * for the reader to check what it got before it maps anything.
 */
#define WIRE_MAGIC 0x69706577u /* "ipew" */
#define WIRE_VERSION 1u
#define WIRE_FDS 3 /* the region, efd_full, efd_free */
enum { WIRE_HUGETLB = 1u, WIRE_THP = 2u };

struct wire_hdr {
	uint32_t magic;
	uint32_t version;
	uint64_t buf_size;
	uint64_t region_size;
	uint32_t nblocks;
	uint32_t flags;      /* WIRE_HUGETLB, WIRE_THP: how the writer backed it */
	char mechanism[16];  /* posix-shm or memfd, as region.c made it */
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
 * region and both eventfds.  The connection stays open: it is how each
 * side sees the other die (an eventfd never tells). */
static int serve_named(struct ipc_channel *ch, struct ipc_err *e)
{
	int rc = ipc_sock_accept_named(&ch->rdv, &ch->lfd, &ch->sock, e);
	if (rc < 0)
		return rc;
	struct wire_hdr h = {
		.magic = WIRE_MAGIC,
		.version = WIRE_VERSION,
		.buf_size = ch->buf_size,
		.region_size = ch->region.size,
		.nblocks = ch->nblocks,
		.flags = (ch->region.info.hugetlb ? WIRE_HUGETLB : 0u) |
			 (ch->region.opts.hugepages == REGION_HP_THP ? WIRE_THP
								     : 0u),
	};
	snprintf(h.mechanism, sizeof(h.mechanism), "%s",
		 ch->region.info.mechanism);
	int fds[WIRE_FDS] = {ch->region.fd, ch->efd_full, ch->efd_free};
	return ipc_sock_send_fds(ch->sock, &h, sizeof(h), fds, WIRE_FDS, e);
}

/* Named reader: map the region received (an unlinked shm object or a
 * memfd), after checking it is a file of ours of the size the writer
 * says.  Huge pages are the writer's choice: the file has them or not. */
static int adopt_region(struct region *r, int fd, const struct wire_hdr *h,
			const struct region_opts *o, struct ipc_err *e)
{
	int rc = ipc_adopt_region(r, fd, "region", h->region_size,
				  (h->flags & WIRE_HUGETLB) != 0,
				  (h->flags & WIRE_THP) != 0, 0, o, e);
	if (rc == 0) {
		memcpy(r->info.mechanism, h->mechanism,
		       sizeof(r->info.mechanism));
		r->info.mechanism[sizeof(r->info.mechanism) - 1] = '\0';
	}
	return rc;
}

/* A descriptor received for a doorbell: an eventfd. */
static int check_eventfd(int fd, const char *what, struct ipc_err *e)
{
	char path[64], link[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return ipc_errf(e, errno, "readlink(%s)", path);
	link[n] = '\0';
	if (strcmp(link, "anon_inode:[eventfd]") != 0)
		return ipc_errf(e, EBADMSG, "the %s descriptor received is %s, "
				"not an eventfd", what, link);
	return 0;
}

/* Named reader: connect, receive the region and the eventfds, check them
 * and the ring's header, map the region.  The socket stays open. */
static int shm_efd_open(const struct ipc_params *p, enum ipc_role role,
			struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	struct ipc_channel *ch = ipc_open_alloc(role, "channel", sizeof(*ch),
						&rc, e);
	if (!ch)
		return rc;
	region_init(&ch->region);
	ch->efd_full = ch->efd_free = ch->lfd = ch->sock = -1;
	ipc_rdv_init(&ch->rdv);
	rc = ipc_rdv_open(&ch->rdv, p, "shm-eventfd", e);
	if (rc < 0)
		goto err_destroy;
	rc = ipc_sock_connect_named(&ch->rdv, SOCK_STREAM, &ch->sock, e);
	if (rc < 0)
		goto err_destroy;
	struct wire_hdr h;
	int fds[WIRE_FDS] = {-1, -1, -1};
	rc = ipc_sock_recv_fds(&ch->rdv, ch->sock, &h, sizeof(h), fds, WIRE_FDS,
			       e);
	if (rc < 0)
		goto err_destroy;
	ch->efd_full = fds[1];
	ch->efd_free = fds[2];
	ch->buf_size = (size_t)h.buf_size;
	ch->nblocks = h.nblocks;
	if (h.magic != WIRE_MAGIC || h.version != WIRE_VERSION ||
	    h.buf_size != ch->rdv.info.buf_size || h.buf_size == 0 ||
	    h.nblocks == 0 || h.nblocks > MAX_BLOCKS ||
	    h.buf_size > (SIZE_MAX / 4) / h.nblocks ||
	    h.region_size < header_bytes(h.nblocks) + h.nblocks * h.buf_size) {
		(void)close(fds[0]);
		rc = ipc_errf(e, EBADMSG, "the writer's message is not a "
			      "shm-eventfd channel of this version (magic "
			      "0x%08x, version %u, %u blocks of %llu bytes)",
			      (unsigned)h.magic, (unsigned)h.version,
			      (unsigned)h.nblocks,
			      (unsigned long long)h.buf_size);
		goto err_destroy;
	}
	rc = adopt_region(&ch->region, fds[0], &h, &p->region, e);
	if (rc == 0)
		rc = check_eventfd(ch->efd_full, "full", e);
	if (rc == 0)
		rc = check_eventfd(ch->efd_free, "free", e);
	if (rc < 0)
		goto err_destroy;
	struct header *rh = ch->region.addr;
	if (rh->magic != SHM_EFD_MAGIC || rh->version != SHM_EFD_VERSION ||
	    rh->buf_size != h.buf_size || rh->nblocks != h.nblocks) {
		rc = ipc_errf(e, EBADMSG, "the region received does not hold a "
			      "shm-eventfd ring of %u blocks of %zu bytes",
			      ch->nblocks, ch->buf_size);
		goto err_destroy;
	}
	ch->hdr = rh;
	ch->blocks = (char *)ch->region.addr + header_bytes(ch->nblocks);
	ch->wake_writer_at = ch->nblocks / 2 ? ch->nblocks / 2 : 1;
	rc = region_prepare(&ch->region, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	shm_efd_destroy(ch);
	return rc;
}

/* Named: sleep on efd until it rings (1), the peer's end of the socket
 * closes (2: the peer is gone, unless what we wait for is there after
 * all), or a slice passes with the peer's lock still held (0). */
static int sleep_named(struct ipc_channel *ch, int efd, const char *what,
		       struct ipc_err *e)
{
	struct pollfd pfd[2] = {{.fd = efd, .events = POLLIN},
				{.fd = ch->sock, .events = POLLIN}};
	int n = poll(pfd, 2, IPC_RDV_CHECK_MS);
	if (n < 0)
		return errno == EINTR ? 0
				      : ipc_errf(e, errno, "poll(eventfd %s)",
						 what);
	if (n == 0)
		return ipc_rdv_check_peer(&ch->rdv, e);
	if (pfd[0].revents & POLLIN) {
		uint64_t v;
		if (read(efd, &v, sizeof(v)) < 0 && errno != EINTR)
			return ipc_errf(e, errno, "read(eventfd %s)", what);
		return 1;
	}
	/* Nothing is ever sent on the socket after the descriptors: any
	 * event there is its end of file. */
	return 2;
}

static int peer_gone(const struct ipc_channel *ch, struct ipc_err *e)
{
	return ipc_errf(e, EPIPE, "the %s of '%s' (pid %ld) is gone: its end "
			"of the socket closed (killed, or failed)",
			ch->rdv.role == IPC_WRITER ? "reader" : "writer",
			ch->rdv.name, (long)ch->rdv.peer_pid);
}

static int shm_efd_create(const struct ipc_params *p,
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
	ch->efd_full = ch->efd_free = ch->lfd = ch->sock = -1;
	ipc_rdv_init(&ch->rdv);
	if (p->name) {
		/* First: one writer per name, and a dead run's leftovers go. */
		rc = ipc_rdv_create(&ch->rdv, p, "shm-eventfd", e);
		if (rc < 0)
			goto err_destroy;
	}
	ch->buf_size = p->buf_size;
	ch->nblocks = blocks_of(p);
	/* Lab: set this to 1 and watch writer_vcsw grow at -b 4K. */
	ch->wake_writer_at = ch->nblocks / 2 ? ch->nblocks / 2 : 1;

	size_t hb = header_bytes(ch->nblocks);
	rc = region_create(&ch->region, REGION_POSIX,
			   hb + (size_t)ch->nblocks * p->buf_size, &p->region,
			   NULL, e);
	if (rc < 0)
		goto err_destroy;
	struct header *h = ch->region.addr;
	h->magic = SHM_EFD_MAGIC;
	h->version = SHM_EFD_VERSION;
	h->buf_size = p->buf_size;
	h->nblocks = ch->nblocks;
	atomic_init(&h->head, 0);
	atomic_init(&h->tail, 0);
	atomic_init(&h->writer_sleeps, 0);
	atomic_init(&h->reader_sleeps, 0);
	ch->hdr = h;
	ch->blocks = (char *)ch->region.addr + hb;

	/* Counting, not EFD_SEMAPHORE: one read takes every pending ring. */
	ch->efd_full = eventfd(0, EFD_CLOEXEC);
	if (ch->efd_full < 0) {
		rc = ipc_errf(e, errno, "eventfd(full)");
		goto err_destroy;
	}
	ch->efd_free = eventfd(0, EFD_CLOEXEC);
	if (ch->efd_free < 0) {
		rc = ipc_errf(e, errno, "eventfd(free)");
		goto err_destroy;
	}
	if (p->name) {
		rc = listen_named(ch, e);
		if (rc < 0)
			goto err_destroy;
	}
	*out = ch;
	return 0;

err_destroy:
	shm_efd_destroy(ch);
	return rc;
}

static void shm_efd_parent_close(struct ipc_channel *ch)
{
	/* The children hold their own copies; the region stays for destroy. */
	ipc_close_fd(&ch->efd_full);
	ipc_close_fd(&ch->efd_free);
}

static int shm_efd_attach(struct ipc_channel *ch, enum ipc_role role,
			  struct ipc_err *e)
{
	(void)role;
	ch->seq = 0;
	ch->held = 0;
	if (ch->lfd >= 0) {
		int rc = serve_named(ch, e); /* the creator is the writer */
		if (rc < 0)
			return rc;
	}
	return region_prepare(&ch->region, e);
}

static int ring(int efd, const char *what, struct ipc_err *e)
{
	uint64_t one = 1;
	for (;;) {
		if (write(efd, &one, sizeof(one)) == (ssize_t)sizeof(one))
			return 0;
		if (errno != EINTR)
			return ipc_errf(e, errno, "write(eventfd %s)", what);
	}
}

/* Wake the peer if it said it sleeps; only one of two racing wakers rings. */
static int wake(_Atomic uint32_t *flag, int efd, const char *what,
		struct ipc_err *e)
{
	if (atomic_load(flag) && atomic_exchange(flag, 0))
		return ring(efd, what, e);
	return 0;
}

/* Writer: free blocks >= want.  Reader: full blocks >= want. */
static int ready(const struct ipc_channel *ch, enum ipc_role role,
		 uint64_t want, memory_order mo)
{
	if (role == IPC_WRITER) {
		uint64_t tail = atomic_load_explicit(&ch->hdr->tail, mo);
		return ch->nblocks - (ch->seq - tail) >= want;
	}
	uint64_t head = atomic_load_explicit(&ch->hdr->head, mo);
	return head - ch->seq >= want;
}

/* Wait until ready(role, want): look, raise the flag, look again, sleep in
 * read() on the eventfd, look again. */
static int wait_for(struct ipc_channel *ch, enum ipc_role role, uint64_t want,
		    struct ipc_err *e)
{
	_Atomic uint32_t *flag = role == IPC_WRITER ? &ch->hdr->writer_sleeps
						    : &ch->hdr->reader_sleeps;
	int efd = role == IPC_WRITER ? ch->efd_free : ch->efd_full;
	const char *what = role == IPC_WRITER ? "free" : "full";
	int raised = 0;
	for (;;) {
		if (ready(ch, role, want, memory_order_acquire))
			break;
		atomic_store(flag, 1);
		raised = 1;
		if (ready(ch, role, want, memory_order_seq_cst))
			break;
		/* Lab: spin on ready() a few thousand times before this read
		 * and compare one-way latency and CPU time with shm-futex. */
		if (ch->sock >= 0) {
			int rc = sleep_named(ch, efd, what, e);
			if (rc < 0)
				return rc;
			if (rc == 2 &&
			    !ready(ch, role, want, memory_order_seq_cst))
				return peer_gone(ch, e);
			continue;
		}
		uint64_t v;
		if (read(efd, &v, sizeof(v)) < 0 && errno != EINTR)
			return ipc_errf(e, errno, "read(eventfd %s)", what);
	}
	/* Down again, unless the waker took it; never touched on the fast
	 * path, so the flag's cache line stays shared and quiet. */
	if (raised)
		atomic_store_explicit(flag, 0, memory_order_relaxed);
	return 0;
}

static int shm_efd_acquire(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_block *b, struct ipc_err *e)
{
	if (ch->held)
		return ipc_errf(e, EPROTO, "acquire: block %u not released yet",
				(unsigned)(ch->seq % ch->nblocks));
	int rc = wait_for(ch, role, 1, e);
	if (rc < 0)
		return rc;
	unsigned id = (unsigned)(ch->seq % ch->nblocks);
	size_t len = 0;
	if (role == IPC_READER) {
		len = (size_t)ch->hdr->len[id];
		if (len > ch->buf_size)
			return ipc_errf(e, EPROTO, "block %u: length %zu > "
					"BUF_SIZE %zu: corrupt metadata", id,
					len, ch->buf_size);
	}
	b->id = id;
	b->data = ch->blocks + (size_t)id * ch->buf_size;
	b->cap = ch->buf_size;
	b->len = len;
	ch->held = 1;
	return 0;
}

static int shm_efd_release(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_block *b, struct ipc_err *e)
{
	unsigned id = (unsigned)(ch->seq % ch->nblocks);
	if (!ch->held || b->id != id)
		return ipc_errf(e, EPROTO, "release: block %u was not acquired",
				b->id);
	ch->held = 0;
	ch->seq++;
	if (role == IPC_WRITER) {
		if (b->len > ch->buf_size)
			return ipc_errf(e, EINVAL, "release: %zu bytes > BUF_SIZE "
					"%zu", b->len, ch->buf_size);
		ch->hdr->len[id] = b->len;
		if (b->len == 0)
			ch->eos_sent = 1;
		/* seq_cst: pairs with the reader's flag-then-look. */
		atomic_store(&ch->hdr->head, ch->seq);
		return wake(&ch->hdr->reader_sleeps, ch->efd_full, "full", e);
	}
	atomic_store(&ch->hdr->tail, ch->seq);
	/* Hysteresis: a sleeping writer is woken once half the ring is free
	 * (or the ring is empty, which the end-of-stream wait needs). */
	uint64_t head = atomic_load_explicit(&ch->hdr->head,
					     memory_order_relaxed);
	uint64_t free_blocks = ch->nblocks - (head - ch->seq);
	if (free_blocks < ch->wake_writer_at && head != ch->seq)
		return 0;
	return wake(&ch->hdr->writer_sleeps, ch->efd_free, "free", e);
}

static void shm_efd_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_region_info(&ch->region, ch->nblocks, out);
}

static void shm_efd_detach(struct ipc_channel *ch, enum ipc_role role)
{
	struct ipc_err e;
	/* The reader has taken end of stream when every block is back. */
	if (role == IPC_WRITER && ch->eos_sent)
		(void)wait_for(ch, IPC_WRITER, ch->nblocks, &e);
	ipc_close_fd(&ch->efd_full);
	ipc_close_fd(&ch->efd_free);
	if (role == IPC_WRITER && ch->eos_sent)
		ipc_rdv_wait_done(&ch->rdv); /* named: the reader has left */
}

const struct ipc_transport ipc_shm_eventfd = {
	.abi = IPC_ABI_VERSION,
	.name = "shm-eventfd",
	.summary = "shm ring of N blocks, indices in shared memory, eventfd doorbells",
	.sync = "each side moves its index in shared memory; one that must wait raises a flag and sleeps in read() on its eventfd, the peer writes it only when the flag is up",
	.caps = IPC_CAP_REGION | IPC_CAP_NAMED | IPC_CAP_ZEROCOPY,
	.max_block = shm_efd_max_block,
	.validate = shm_efd_validate,
	.create = shm_efd_create,
	.open = shm_efd_open,
	.parent_close = shm_efd_parent_close,
	.attach = shm_efd_attach,
	.acquire = shm_efd_acquire,
	.release = shm_efd_release,
	.info = shm_efd_info,
	.detach = shm_efd_detach,
	.destroy = shm_efd_destroy,
};
