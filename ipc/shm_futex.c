/*
 * shm_futex.c - a single-producer single-consumer ring of N blocks in POSIX
 * shared memory; the two sides spin briefly, then sleep on a futex, and only
 * when the ring is empty (reader) or full (writer).
 *
 * What is shared: one region (the region helper, so --populate and
 * --hugepages apply) holding a header and N blocks of BUF_SIZE, each block
 * starting on a 64-byte boundary.  The header has, each on its own 128-byte
 * line so that the writer's and the reader's stores never share a line (nor
 * an adjacent-line prefetch pair):
 *   head   blocks published so far, followed by the length of every block
 *          (0 = end of stream) - all stored by the writer only, and read by
 *          the reader in the one cache-line transfer that brings it head,
 *   tail   blocks given back so far (stored by the reader only),
 *   side[role]: `waiting` (what that side is about to sleep on, see below),
 *          its pid and the CPU it last ran on.
 * head and tail are free-running 32-bit counters: block k lives
 * in slot k mod N, the ring is empty when head == tail and full when
 * head - tail == N.  Each side keeps a private copy of the other's counter
 * and reads the shared one only when its copy says empty/full, so a side
 * that keeps up touches the peer's line once per batch, not once per block.
 *
 * Who waits on what: the reader waits for head to move (ring empty), the
 * writer waits for tail to move (ring full).  A waiter first spins, reading
 * the counter between pause instructions; if the counter has not moved after
 * the spin bound, it announces itself in `waiting` - a token holding the
 * counter value it saw - reads the counter again and, if still unchanged,
 * sleeps with FUTEX_WAIT on the counter word itself, passing that value
 * (the kernel re-checks it under its own lock); after any return it
 * announces and re-checks again.  The publisher stores the new counter
 * value, then reads the peer's `waiting`; only if it holds a token for an
 * older value does it clear it (compare-and-swap of that very token) and
 * call FUTEX_WAKE.  So a ring where both sides keep up makes no system call
 * at all.  Why a token and not a flag: a publisher that read the flag of
 * one wait and cleared it a moment later could clear the flag of the
 * peer's *next* wait, whose FUTEX_WAIT then sleeps unannounced - the next
 * publish would not wake it (we caught exactly this with a flag; the CAS on
 * the token fails instead).  The futexes are shared ones (no
 * FUTEX_PRIVATE_FLAG): the two processes map the same pages.
 *
 * Memory ordering.  Data: the writer fills block k and its length (beside
 * head) with plain stores, then publishes head = k+1 with a store that is
 * at least release; the reader loads head with (at least) acquire before it
 * reads the length and the block, so it sees them complete.  The reader's store of
 * tail (release) and the writer's load of it (acquire) order the reader's
 * last reads of a block before the writer overwrites it.  Wake-ups: this is
 * Dekker's pattern - the waiter does "store token; load counter", the
 * publisher "store counter; load token".  With plain release/acquire both
 * loads could see the old values (a store may wait in the store buffer
 * while the later load runs) and the waiter would sleep with nobody to wake
 * it.  All four accesses are therefore seq_cst, which forbids that outcome:
 * either the waiter sees the new counter and does not sleep, or the
 * publisher sees the token and wakes it.  And if the publisher's store lands
 * between the waiter's check and its FUTEX_WAIT, the kernel finds the word
 * changed and FUTEX_WAIT returns EAGAIN at once.  The cost is one locked
 * store per block per side (xchg on x86).
 *
 * The spin bound.  --spin N fixes it at N pause-loop iterations (a huge N
 * never sleeps: the spin-only setting; 1 nearly always sleeps).  By default
 * it adapts, per side, measured with the TSC on the waiting path only: never
 * spin while the peer last ran on our own CPU (it cannot make progress while
 * we spin); otherwise spin as long as we were busy since our previous wait
 * (so spinning costs at most as much CPU as our own work: a balanced
 * pipeline spins through its short waits, a side whose peer is much slower
 * mostly sleeps), but at least a base of BASE_SPIN_NS (about a cross-CPU
 * sleep + wake-up here) and at most MAX_SPIN_NS.  A wait that outlasts its
 * bound by far halves the base; a shorter one restores it.
 *
 * End of stream is a block of length 0.  The writer's detach waits until the
 * reader has given that block back.  A side that waits also notices a peer
 * that has died (futex timeouts of SLEEP_CHECK_NS; every 2^20 spins) and
 * returns EPIPE instead of hanging.
 *
 * Creation and removal: create makes the region (0600, O_EXCL, its name
 * removed at once in fork mode) and initialises the header; attach
 * pre-faults it if asked and records the side's pid; destroy unmaps it.
 * Fork mode only (no .open).
 *
 *   ipclab run -t shm-futex -b 1M --pin split --spin 1000000000000
 */
#include "ring_turn.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SHM_FUTEX_MAGIC 0x69706678u /* "ipfx" */
#define SHM_FUTEX_VERSION 1u
#define LINE 128           /* a cache line pair: no false sharing */
#define BLOCK_ALIGN 64     /* blocks start on a cache line */
#define DEFAULT_BLOCKS 8u
#define MAX_BLOCKS 65536u
/* Adaptive spinning (see the header).  The base bound is about the cost of
 * a cross-CPU futex sleep + wake-up measured on this machine
 * (docs/shm-futex.md).  Lab: try fixed bounds with --spin N and watch the
 * vcsw and CPU columns. */
#define BASE_SPIN_NS 50000u
#define MAX_SPIN_NS 1000000u /* beyond 1 ms a sleep costs under ~5% */
/* A wait longer than this many times the bound means the peer is slow. */
#define SLOW_FACTOR 2u
#define CLOCK_EVERY 32u /* pauses between clock readings while spinning */
#define SLEEP_CHECK_NS 100000000L /* re-check a sleeping peer every 100 ms */
#define PEER_CHECK_MASK ((1ull << 20) - 1)
/* `waiting` = WAIT_TOKEN | the counter value the side sleeps on (may be 0) */
#define WAIT_TOKEN (1ull << 32)

_Static_assert(sizeof(_Atomic uint32_t) == sizeof(uint32_t),
	       "a futex word is 32 bits");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "waiting must be lock-free");

struct side {
	_Alignas(LINE) _Atomic uint64_t waiting; /* 0, or WAIT_TOKEN | value */
	_Atomic int32_t pid;                     /* 0 until attached */
	_Atomic int32_t cpu;                     /* last CPU seen, -1 unknown */
};

struct header {
	uint32_t magic;
	uint32_t version;
	uint64_t buf_size;
	uint64_t stride;
	uint32_t nblocks;
	_Alignas(LINE) _Atomic uint32_t tail; /* given back (reader stores) */
	struct side side[2];                  /* indexed by enum ipc_role */
};

/* Written by the writer only; at header_bytes' offset PUB_OFFSET. */
struct pub {
	_Alignas(LINE) _Atomic uint32_t head; /* published */
	uint32_t len[];  /* per slot, written before head moves past it */
};

#define PUB_OFFSET ipc_round_up(sizeof(struct header), LINE)

struct ipc_channel {
	struct region region;
	struct header *hdr;
	struct pub *pub;
	char *blocks;
	size_t buf_size;
	size_t stride;
	unsigned nblocks;
	/* The rest is private to the side using the channel in this process. */
	struct ipc_ring_turn turn; /* pos: blocks released; slot: pos mod n */
	uint32_t peer;      /* last value seen of the peer's counter */
	int eos_sent;
	unsigned long spin_fixed; /* --spin N: pause iterations; 0 = adaptive */
	/* Adaptive spinning, in ticks of the spin clock: */
	uint64_t base;      /* bound when we have not been busy; halves */
	uint64_t base_full; /* BASE_SPIN_NS */
	uint64_t cap;       /* MAX_SPIN_NS */
	uint64_t last;      /* when our last wait ended */
};

static size_t header_bytes(unsigned nblocks)
{
	return ipc_round_up(PUB_OFFSET + ipc_round_up(sizeof(struct pub) +
				(size_t)nblocks * sizeof(uint32_t), LINE), 4096);
}

static unsigned blocks_of(const struct ipc_params *p)
{
	return p->nblocks ? p->nblocks : DEFAULT_BLOCKS;
}

static size_t stride_of(size_t buf_size)
{
	return ipc_round_up(buf_size, BLOCK_ALIGN);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The spin clock: the TSC where there is one (a few ns, no system call),
 * else CLOCK_MONOTONIC.  Read only on the waiting path. */
static inline uint64_t ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return now_ns();
#endif
}

static long futex(_Atomic uint32_t *word, int op, uint32_t val,
		  const struct timespec *ts)
{
	return syscall(SYS_futex, (void *)word, op, val, ts, NULL, 0);
}

/* 1 when the peer attached and has since exited (gone or a zombie).  A
 * recycled pid could hide a death; the driver's deadline still ends that. */
static int peer_gone(const struct ipc_channel *ch, enum ipc_role role)
{
	return ipc_pid_gone(atomic_load_explicit(&ch->hdr->side[!role].pid,
						 memory_order_relaxed));
}

static int gone_err(enum ipc_role role, struct ipc_err *e)
{
	return ipc_errf(e, EPIPE, "waiting for the %s: it has exited",
			role == IPC_WRITER ? "reader" : "writer");
}

/*
 * Adaptive bound of a wait starting at t0, in ticks: never while the peer
 * last ran on our CPU (it cannot move while we spin); otherwise as long as
 * we were busy since our last wait (spinning then costs at most as much CPU
 * as the work did: a balanced pipeline keeps spinning, a side whose peer is
 * much slower mostly sleeps), at least `base`, at most `cap`.
 */
static uint64_t spin_bound(struct ipc_channel *ch, enum ipc_role role,
			   uint64_t t0)
{
	struct side *me = &ch->hdr->side[role];
	int cpu = sched_getcpu();
	if (cpu != atomic_load_explicit(&me->cpu, memory_order_relaxed))
		atomic_store_explicit(&me->cpu, cpu, memory_order_relaxed);
	if (cpu >= 0 && cpu == atomic_load_explicit(&ch->hdr->side[!role].cpu,
						    memory_order_relaxed))
		return 0;
	uint64_t busy = t0 > ch->last ? t0 - ch->last : 0;
	uint64_t b = busy > ch->base ? busy : ch->base;
	return b < ch->cap ? b : ch->cap;
}

/* After a wait that slept: one that a spin of the usual length would
 * nearly have covered restores the base bound; one far beyond it (the peer
 * is slow) halves it, so a side facing a slow peer soon stops spinning. */
static void adapt(struct ipc_channel *ch, uint64_t t0, uint64_t bound,
		  uint64_t t1)
{
	uint64_t usual = bound > ch->base_full ? bound : ch->base_full;
	if (t1 - t0 <= SLOW_FACTOR * usual)
		ch->base = ch->base_full;
	else
		ch->base /= 2;
}

/*
 * Wait until *word (the peer's counter) differs from old and put its new
 * value in *now.  Spin first, then sleep (see the header comment for the
 * order of the token and the counter).
 */
static int wait_change(struct ipc_channel *ch, enum ipc_role role,
		       _Atomic uint32_t *word, uint32_t old, uint32_t *now,
		       struct ipc_err *e)
{
	uint32_t v;
	uint64_t t0 = 0, bound = 0;
	if (ch->spin_fixed) {
		for (uint64_t i = 0; i < ch->spin_fixed; i++) {
			ipc_cpu_relax();
			v = atomic_load_explicit(word, memory_order_acquire);
			if (v != old) {
				*now = v;
				return 0;
			}
			if ((i & PEER_CHECK_MASK) == PEER_CHECK_MASK &&
			    peer_gone(ch, role))
				return gone_err(role, e);
		}
	} else {
		uint64_t t = t0 = ticks();
		bound = spin_bound(ch, role, t0);
		for (unsigned i = 1; t - t0 < bound; i++) {
			ipc_cpu_relax();
			v = atomic_load_explicit(word, memory_order_acquire);
			if (v != old) {
				ch->last = t; /* to within CLOCK_EVERY pauses */
				*now = v;
				return 0;
			}
			if (i % CLOCK_EVERY == 0)
				t = ticks();
		}
	}

	_Atomic uint64_t *flag = &ch->hdr->side[role].waiting;
	for (;;) {
		atomic_store_explicit(flag, WAIT_TOKEN | old, memory_order_seq_cst);
		v = atomic_load_explicit(word, memory_order_seq_cst);
		if (v != old)
			break;
		struct timespec ts = {0, SLEEP_CHECK_NS};
		if (futex(word, FUTEX_WAIT, old, &ts) < 0) {
			int err = errno;
			if (err == ETIMEDOUT && peer_gone(ch, role)) {
				atomic_store_explicit(flag, 0, memory_order_relaxed);
				return gone_err(role, e);
			}
			if (err != ETIMEDOUT && err != EAGAIN && err != EINTR) {
				atomic_store_explicit(flag, 0, memory_order_relaxed);
				return ipc_errf(e, err, "futex(FUTEX_WAIT, %s)",
						role == IPC_WRITER ? "tail" : "head");
			}
		}
	}
	/* The counter moved.  If we saw it on the re-check, the publisher may
	 * still see our token and make one needless FUTEX_WAKE: harmless. */
	atomic_store_explicit(flag, 0, memory_order_relaxed);
	if (!ch->spin_fixed) {
		uint64_t t1 = ticks();
		adapt(ch, t0, bound, t1);
		ch->last = t1;
	}
	*now = v;
	return 0;
}

/* After storing value in our counter: wake the peer if it announced a
 * sleep on an older value. */
static int wake_peer(struct ipc_channel *ch, enum ipc_role role,
		     _Atomic uint32_t *word, uint32_t value, struct ipc_err *e)
{
	_Atomic uint64_t *flag = &ch->hdr->side[!role].waiting;
	uint64_t w = atomic_load_explicit(flag, memory_order_seq_cst);
	if (w == 0 || (uint32_t)w == value)
		return 0; /* nobody sleeps, or it waits for a later value */
	/* Clear exactly that announcement: if it changed meanwhile, that wait
	 * ended and any newer one saw our value before it could sleep. */
	if (!atomic_compare_exchange_strong_explicit(flag, &w, 0,
						     memory_order_relaxed,
						     memory_order_relaxed))
		return 0;
	if (futex(word, FUTEX_WAKE, 1, NULL) < 0)
		return ipc_errf(e, errno, "futex(FUTEX_WAKE, %s)",
				role == IPC_WRITER ? "head" : "tail");
	return 0;
}

static int shm_futex_max_block(const struct ipc_params *p, size_t *max,
			       char *why, size_t whylen)
{
	*max = ipc_turn_max_block(blocks_of(p));
	snprintf(why, whylen, "block lengths are kept in 32 bits beside head, "
		 "so that one cache-line transfer brings both");
	return 0;
}

static int shm_futex_validate(const struct ipc_params *p, char *why,
			      size_t whylen)
{
	if (p->nblocks > MAX_BLOCKS) {
		snprintf(why, whylen, "--blocks %u: shm-futex takes at most %u "
			 "blocks", p->nblocks, MAX_BLOCKS);
		return -EINVAL;
	}
	unsigned n = blocks_of(p);
	return ipc_region_validate(p, REGION_POSIX,
				   header_bytes(n) + (size_t)n * stride_of(p->buf_size),
				   why, whylen);
}

static void shm_futex_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	region_destroy(&ch->region);
	free(ch);
}

static int shm_futex_create(const struct ipc_params *p,
			    struct ipc_channel **out, struct ipc_err *e)
{
	*out = NULL;
	if (p->nblocks > MAX_BLOCKS)
		return ipc_errf(e, EINVAL, "--blocks %u: at most %u", p->nblocks,
				MAX_BLOCKS);
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	region_init(&ch->region);
	ch->buf_size = p->buf_size;
	ch->stride = stride_of(p->buf_size);
	ch->nblocks = blocks_of(p);
	ch->spin_fixed = p->spin;
	size_t hdr = header_bytes(ch->nblocks);
	int rc = region_create(&ch->region, REGION_POSIX,
			       hdr + (size_t)ch->nblocks * ch->stride, &p->region,
			       p->name, e);
	if (rc < 0)
		goto err_destroy;
	/* Before any child exists: plain initialisation is enough (fork
	 * orders it before everything the children do). */
	ch->hdr = ch->region.addr;
	ch->hdr->magic = SHM_FUTEX_MAGIC;
	ch->hdr->version = SHM_FUTEX_VERSION;
	ch->hdr->buf_size = p->buf_size;
	ch->hdr->stride = ch->stride;
	ch->hdr->nblocks = ch->nblocks;
	ch->pub = (struct pub *)((char *)ch->region.addr + PUB_OFFSET);
	atomic_init(&ch->pub->head, 0);
	atomic_init(&ch->hdr->tail, 0);
	for (int r = 0; r < 2; r++) {
		atomic_init(&ch->hdr->side[r].waiting, 0);
		atomic_init(&ch->hdr->side[r].pid, 0);
		atomic_init(&ch->hdr->side[r].cpu, -1);
	}
	ch->blocks = (char *)ch->region.addr + hdr;
	*out = ch;
	return 0;

err_destroy:
	shm_futex_destroy(ch);
	return rc;
}

/* Ticks of the spin clock per nanosecond, over 200 us (a preemption
 * stretches both clocks alike). */
static double calibrate_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint64_t n0 = now_ns(), t0 = ticks(), n1;
	do
		n1 = now_ns();
	while (n1 - n0 < 200000);
	double r = (double)(ticks() - t0) / (double)(n1 - n0);
	return r > 0.01 ? r : 1.0;
#else
	return 1.0;
#endif
}

static int shm_futex_attach(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_err *e)
{
	int rc = region_prepare(&ch->region, e);
	if (rc < 0)
		return rc;
	memset(&ch->turn, 0, sizeof(ch->turn));
	ch->peer = 0;
	ch->eos_sent = 0;
	if (!ch->spin_fixed) {
		double r = calibrate_ticks();
		ch->base = ch->base_full = (uint64_t)(r * BASE_SPIN_NS);
		ch->cap = (uint64_t)(r * MAX_SPIN_NS);
		ch->last = ticks();
	}
	atomic_store_explicit(&ch->hdr->side[role].cpu, sched_getcpu(),
			      memory_order_relaxed);
	atomic_store_explicit(&ch->hdr->side[role].pid, (int32_t)getpid(),
			      memory_order_relaxed);
	return 0;
}

static int shm_futex_acquire(struct ipc_channel *ch, enum ipc_role role,
			     struct ipc_block *b, struct ipc_err *e)
{
	int rc = ipc_turn_check_free(&ch->turn, "block", e);
	if (rc < 0)
		return rc;
	if (role == IPC_WRITER) {
		/* Full, as last seen? */
		if (ch->turn.pos - ch->peer == ch->nblocks) {
			ch->peer = atomic_load_explicit(&ch->hdr->tail,
							memory_order_acquire);
			while (ch->turn.pos - ch->peer == ch->nblocks) {
				rc = wait_change(ch, role, &ch->hdr->tail,
						 ch->peer, &ch->peer, e);
				if (rc < 0)
					return rc;
			}
		}
		b->len = 0;
	} else {
		/* Empty, as last seen? */
		if (ch->turn.pos == ch->peer) {
			ch->peer = atomic_load_explicit(&ch->pub->head,
							memory_order_acquire);
			while (ch->turn.pos == ch->peer) {
				rc = wait_change(ch, role, &ch->pub->head,
						 ch->peer, &ch->peer, e);
				if (rc < 0)
					return rc;
			}
		}
		uint32_t len = ch->pub->len[ch->turn.slot];
		rc = ipc_turn_check_len(&ch->turn, len, ch->buf_size, "block",
					e);
		if (rc < 0)
			return rc;
		b->len = (size_t)len;
	}
	ipc_turn_hand_out(&ch->turn,
			  ch->blocks + (size_t)ch->turn.slot * ch->stride,
			  ch->buf_size, b);
	return 0;
}

static int shm_futex_release(struct ipc_channel *ch, enum ipc_role role,
			     struct ipc_block *b, struct ipc_err *e)
{
	int rc = ipc_turn_pass(&ch->turn, ch->nblocks, role, b, ch->buf_size,
			       "block", e);
	if (rc < 0)
		return rc;
	_Atomic uint32_t *mine = role == IPC_WRITER ? &ch->pub->head
						    : &ch->hdr->tail;
	if (role == IPC_WRITER) {
		ch->pub->len[b->id] = (uint32_t)b->len;
		if (b->len == 0)
			ch->eos_sent = 1;
	}
	/* seq_cst, not just release: see "Wake-ups" in the header. */
	atomic_store_explicit(mine, ch->turn.pos, memory_order_seq_cst);
	return wake_peer(ch, role, mine, ch->turn.pos, e);
}

static void shm_futex_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_region_info(&ch->region, ch->nblocks, out);
}

static void shm_futex_detach(struct ipc_channel *ch, enum ipc_role role)
{
	struct ipc_err e;
	if (role != IPC_WRITER || !ch->eos_sent)
		return;
	/* Until the reader gave back every block, end of stream included (it
	 * wakes us: we wait like a writer facing a full ring). */
	uint32_t t = atomic_load_explicit(&ch->hdr->tail, memory_order_acquire);
	while (t != ch->turn.pos)
		if (wait_change(ch, role, &ch->hdr->tail, t, &t, &e) < 0)
			break;
}

const struct ipc_transport ipc_shm_futex = {
	.abi = IPC_ABI_VERSION,
	.name = "shm-futex",
	.summary = "SPSC ring of N blocks in shm, atomics; spin, then futex only when empty/full",
	.sync = "reader spins then FUTEX_WAITs on head when the ring is empty, writer on tail when full; each wakes the other only if it announced a sleep",
	.caps = IPC_CAP_REGION | IPC_CAP_ZEROCOPY,
	.max_block = shm_futex_max_block,
	.validate = shm_futex_validate,
	.create = shm_futex_create,
	.attach = shm_futex_attach,
	.acquire = shm_futex_acquire,
	.release = shm_futex_release,
	.info = shm_futex_info,
	.detach = shm_futex_detach,
	.destroy = shm_futex_destroy,
};
