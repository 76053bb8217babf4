/*
 * shm_spin.c - a spin-only single-producer single-consumer ring in POSIX
 * shared memory: the floor of a shared-memory handoff, to set beside the
 * cache line bounced between the same two CPUs (docs/floor.md).
 *
 * What is shared: one region (the region helper: --populate, --hugepages)
 * holding a header and N slots.  A slot is [seq, len, data], 64-byte
 * aligned: the reader waits on the seq word of the slot it reads next, so
 * the one cache line that brings it the news also brings it the length and
 * the first 56 bytes of data - there is no separate head counter to fetch.
 *   seq    the writer stores k + 1 (release) into slot k mod N after the
 *          length and the data; the reader loads it (acquire) until it
 *          reads k + 1.  Free-running 32-bit values: a slot's previous
 *          message left k + 1 - N there.
 *   tail   messages given back, stored by the reader only (release), on its
 *          own line; the writer keeps a private copy and reads the shared
 *          one only when its copy says the ring is full, so a writer that
 *          keeps ahead of nothing (ping-pong) never touches it.
 *   side[role]: pid and the CPU it waits on, each side on its own line.
 * No system call on the way of a message, no locked instruction (x86:
 * release and acquire are plain moves), no clock reading.
 *
 * Waiting is spinning (pause between reads).  A side whose peer last waited
 * on its own CPU (--pin same) yields at every turn, since the peer cannot
 * run while it spins; otherwise it yields once per YIELD_EVERY spins, so a
 * preempted peer still gets a CPU, and checks every PEER_CHECK spins
 * whether the peer has died (EPIPE instead of a hang).  It burns a CPU per
 * waiting side: a lab instrument, not a default (shm-futex adapts).
 *
 * End of stream is a slot of length 0; the writer's detach waits until the
 * reader has given it back.  Fork mode only.
 *
 *   ipclab run -t shm-spin -b 64 -m pingpong --pin split
 */
#include "ring_turn.h"
#include "transport.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHM_SPIN_MAGIC 0x69707370u /* "ipsp" */
#define LINE 128                   /* a cache-line pair: no false sharing */
#define SLOT_ALIGN 64
#define DEFAULT_SLOTS 8u
#define MAX_SLOTS 65536u
#define YIELD_EVERY 4096u
#define PEER_CHECK ((1u << 20) - 1)

struct side {
	_Alignas(LINE) _Atomic int32_t pid; /* 0 until attached */
	_Atomic int32_t cpu;                /* where it last waited, -1 */
};

struct header {
	uint32_t magic;
	uint32_t nslots;
	uint64_t buf_size, stride;
	_Alignas(LINE) _Atomic uint32_t tail; /* given back (reader stores) */
	struct side side[2];
};

struct slot {
	_Atomic uint32_t seq; /* k + 1 once message k is in the slot */
	uint32_t len;
	char data[];
};

#define SLOTS_OFFSET ipc_round_up(sizeof(struct header), LINE)

struct ipc_channel {
	struct region region;
	struct header *hdr;
	char *slots;
	size_t buf_size, stride;
	unsigned nslots;
	/* Private to the side using the channel in this process: */
	struct ipc_ring_turn turn; /* pos: messages released; slot: pos mod n */
	uint32_t tail; /* writer: last value seen of hdr->tail */
	int eos_sent;
};

static unsigned slots_of(const struct ipc_params *p)
{
	return p->nblocks ? p->nblocks : DEFAULT_SLOTS;
}

static size_t stride_of(size_t buf_size)
{
	return ipc_round_up(sizeof(struct slot) + buf_size, SLOT_ALIGN);
}

static size_t region_bytes(unsigned n, size_t buf_size)
{
	return SLOTS_OFFSET + (size_t)n * stride_of(buf_size);
}

static struct slot *slot_at(const struct ipc_channel *ch, unsigned i)
{
	return (struct slot *)(void *)(ch->slots + (size_t)i * ch->stride);
}

/*
 * One turn of a wait: pause, and every so often yield (always when the
 * peer waits on our CPU) or check that the peer still lives.  0 or -EPIPE.
 */
struct waiter {
	uint32_t spins;
	int same_cpu;
};

static void wait_begin(struct ipc_channel *ch, enum ipc_role role,
		       struct waiter *w)
{
	int cpu = sched_getcpu();
	struct side *me = &ch->hdr->side[role];
	if (atomic_load_explicit(&me->cpu, memory_order_relaxed) != cpu)
		atomic_store_explicit(&me->cpu, cpu, memory_order_relaxed);
	w->spins = 0;
	w->same_cpu = cpu >= 0 && cpu == atomic_load_explicit(
		&ch->hdr->side[!role].cpu, memory_order_relaxed);
}

static int wait_turn(struct ipc_channel *ch, enum ipc_role role,
		     struct waiter *w, struct ipc_err *e)
{
	w->spins++;
	if (w->same_cpu || w->spins % YIELD_EVERY == 0)
		sched_yield();
	else
		ipc_cpu_relax();
	if ((w->spins & PEER_CHECK) == 0 &&
	    ipc_pid_gone(atomic_load_explicit(&ch->hdr->side[!role].pid,
					      memory_order_relaxed)))
		return ipc_errf(e, EPIPE, "waiting for the %s: it has exited",
				role == IPC_WRITER ? "reader" : "writer");
	return 0;
}

static int shm_spin_max_block(const struct ipc_params *p, size_t *max,
			      char *why, size_t whylen)
{
	*max = ipc_turn_max_block(slots_of(p));
	snprintf(why, whylen, "a slot's length is kept in 32 bits beside its "
		 "sequence word");
	return 0;
}

static int shm_spin_validate(const struct ipc_params *p, char *why,
			     size_t whylen)
{
	if (p->nblocks > MAX_SLOTS) {
		snprintf(why, whylen, "--blocks %u: shm-spin takes at most %u "
			 "slots", p->nblocks, MAX_SLOTS);
		return -EINVAL;
	}
	return ipc_region_validate(p, REGION_POSIX,
				   region_bytes(slots_of(p), p->buf_size), why,
				   whylen);
}

static void shm_spin_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	region_destroy(&ch->region);
	free(ch);
}

static int shm_spin_create(const struct ipc_params *p,
			   struct ipc_channel **out, struct ipc_err *e)
{
	*out = NULL;
	if (p->nblocks > MAX_SLOTS)
		return ipc_errf(e, EINVAL, "--blocks %u: at most %u", p->nblocks,
				MAX_SLOTS);
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	region_init(&ch->region);
	ch->buf_size = p->buf_size;
	ch->stride = stride_of(p->buf_size);
	ch->nslots = slots_of(p);
	int rc = region_create(&ch->region, REGION_POSIX,
			       region_bytes(ch->nslots, p->buf_size), &p->region,
			       p->name, e);
	if (rc < 0) {
		shm_spin_destroy(ch);
		return rc;
	}
	/* Before fork: plain initialisation is ordered before the children. */
	ch->hdr = ch->region.addr;
	ch->hdr->magic = SHM_SPIN_MAGIC;
	ch->hdr->nslots = ch->nslots;
	ch->hdr->buf_size = p->buf_size;
	ch->hdr->stride = ch->stride;
	atomic_init(&ch->hdr->tail, 0);
	for (int r = 0; r < 2; r++) {
		atomic_init(&ch->hdr->side[r].pid, 0);
		atomic_init(&ch->hdr->side[r].cpu, -1);
	}
	ch->slots = (char *)ch->region.addr + SLOTS_OFFSET;
	for (unsigned i = 0; i < ch->nslots; i++)
		atomic_init(&slot_at(ch, i)->seq, 0);
	*out = ch;
	return 0;
}

static int shm_spin_attach(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_err *e)
{
	int rc = region_prepare(&ch->region, e);
	if (rc < 0)
		return rc;
	memset(&ch->turn, 0, sizeof(ch->turn));
	ch->tail = 0;
	ch->eos_sent = 0;
	atomic_store_explicit(&ch->hdr->side[role].cpu, sched_getcpu(),
			      memory_order_relaxed);
	atomic_store_explicit(&ch->hdr->side[role].pid, (int32_t)getpid(),
			      memory_order_relaxed);
	return 0;
}

/* Writer: until the ring has room (tail moved past pos - nslots). */
static int wait_room(struct ipc_channel *ch, struct ipc_err *e)
{
	struct waiter w;
	ch->tail = atomic_load_explicit(&ch->hdr->tail, memory_order_acquire);
	if (ch->turn.pos - ch->tail < ch->nslots)
		return 0;
	wait_begin(ch, IPC_WRITER, &w);
	while (ch->turn.pos - ch->tail >= ch->nslots) {
		int rc = wait_turn(ch, IPC_WRITER, &w, e);
		if (rc < 0)
			return rc;
		ch->tail = atomic_load_explicit(&ch->hdr->tail,
						memory_order_acquire);
	}
	return 0;
}

static int shm_spin_acquire(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_block *b, struct ipc_err *e)
{
	struct slot *s = slot_at(ch, ch->turn.slot);
	int rc = ipc_turn_check_free(&ch->turn, "slot", e);
	if (rc < 0)
		return rc;
	if (role == IPC_WRITER) {
		/* Full, as last seen? */
		if (ch->turn.pos - ch->tail >= ch->nslots) {
			rc = wait_room(ch, e);
			if (rc < 0)
				return rc;
		}
		b->len = 0;
	} else {
		uint32_t want = ch->turn.pos + 1;
		if (atomic_load_explicit(&s->seq, memory_order_acquire) != want) {
			struct waiter w;
			wait_begin(ch, role, &w);
			while (atomic_load_explicit(&s->seq,
						    memory_order_acquire) != want) {
				rc = wait_turn(ch, role, &w, e);
				if (rc < 0)
					return rc;
			}
		}
		uint32_t len = s->len;
		rc = ipc_turn_check_len(&ch->turn, len, ch->buf_size, "slot",
					e);
		if (rc < 0)
			return rc;
		b->len = len;
	}
	ipc_turn_hand_out(&ch->turn, s->data, ch->buf_size, b);
	return 0;
}

static int shm_spin_release(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_block *b, struct ipc_err *e)
{
	struct slot *s = slot_at(ch, ch->turn.slot);
	int rc = ipc_turn_pass(&ch->turn, ch->nslots, role, b, ch->buf_size,
			       "slot", e);
	if (rc < 0)
		return rc;
	if (role == IPC_WRITER) {
		s->len = (uint32_t)b->len;
		if (b->len == 0)
			ch->eos_sent = 1;
		atomic_store_explicit(&s->seq, ch->turn.pos,
				      memory_order_release);
	} else {
		atomic_store_explicit(&ch->hdr->tail, ch->turn.pos,
				      memory_order_release);
	}
	return 0;
}

static void shm_spin_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_region_info(&ch->region, ch->nslots, out);
}

static void shm_spin_detach(struct ipc_channel *ch, enum ipc_role role)
{
	struct ipc_err e;
	struct waiter w;
	if (role != IPC_WRITER || !ch->eos_sent)
		return;
	/* Until the reader gave back every slot, end of stream included. */
	wait_begin(ch, role, &w);
	while (atomic_load_explicit(&ch->hdr->tail, memory_order_acquire) !=
	       ch->turn.pos)
		if (wait_turn(ch, role, &w, &e) < 0)
			break;
}

const struct ipc_transport ipc_shm_spin = {
	.abi = IPC_ABI_VERSION,
	.name = "shm-spin",
	.summary = "SPSC ring of N slots in shm, spin only: the reader polls the slot's own sequence word",
	.sync = "reader spins on the next slot's seq, writer on tail when the ring is full; no system call, no locked instruction (yields on a shared CPU)",
	.caps = IPC_CAP_REGION | IPC_CAP_ZEROCOPY,
	.max_block = shm_spin_max_block,
	.validate = shm_spin_validate,
	.create = shm_spin_create,
	.attach = shm_spin_attach,
	.acquire = shm_spin_acquire,
	.release = shm_spin_release,
	.info = shm_spin_info,
	.detach = shm_spin_detach,
	.destroy = shm_spin_destroy,
};
