/*
 * pshm_sem.c - the classic exercise: POSIX shared memory guarded by a pair of
 * semaphores.
 *
 * What is shared: one POSIX shared-memory object (shm_open, ftruncate, mmap)
 * holding a header - magic, version, BUF_SIZE, the byte count of the current
 * block, two unnamed process-shared semaphores - and one BUF_SIZE buffer.
 *
 * Who waits on what: the writer waits on `wsem` (initially 1: the buffer is
 * free), fills the buffer, sets the byte count and posts `rsem`; the reader
 * waits on `rsem` (initially 0), consumes the buffer and posts `wsem`.  The
 * two strictly alternate, so every block costs two wake-ups.  A byte count of
 * 0 is end of stream; the writer then waits for one more turn, so it knows
 * the reader is done before anything is torn down.
 *
 * Creation and removal: create makes the object (0600, O_EXCL), maps it,
 * initialises the semaphores and, in fork mode, unlinks the name at once (the
 * children inherit the mapping).  destroy unmaps and unlinks what is left.
 *
 * Two-program mode (`ipclab xfr`, the textbook pshm_xfr pair): the object is
 * /dev/shm/ipclab-NAME, made by the writer, which records it (and its
 * inode) in the rendezvous of rendezvous.h and publishes the record only once
 * the header and semaphores are initialised, so a reader never maps a
 * half-made object.  The reader maps it, checks owner, inode, magic,
 * version and sizes, takes BUF_SIZE from the header, and unlinks the name:
 * both sides have it mapped, and a crash can no longer leak it.  A process
 * killed while it holds the semaphore would leave the other waiting for
 * ever, so in this mode every wait is a sem_clockwait of IPC_RDV_CHECK_MS
 * that looks, when it times out, whether the peer still holds its lock.
 *
 *   ipclab run -t pshm-sem -b 10 --total 50M
 *   ipclab xfr writer -t pshm-sem -b 10 < in  &  ipclab xfr reader -t pshm-sem > out
 */
#include "rendezvous.h"
#include "transport.h"

#include <errno.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PSHM_SEM_MAGIC 0x69706373u /* "ipcs" */
#define PSHM_SEM_VERSION 1u
#define HEADER_BYTES 4096 /* the buffer starts on its own page */

struct header {
	uint32_t magic;
	uint32_t version;
	uint64_t buf_size;
	uint64_t count; /* bytes in the buffer; 0 = end of stream */
	sem_t wsem;     /* writer may fill the buffer */
	sem_t rsem;     /* reader may consume the buffer */
};

struct ipc_channel {
	struct region region;
	struct header *hdr;
	char *buf;
	size_t buf_size;
	int sems_ready; /* 0, 1 or 2 semaphores initialised */
	int eos_sent;
	struct ipc_rdv rdv; /* two-program mode */
};

static int sem_wait_retry(sem_t *s)
{
	while (sem_wait(s) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Wait on s; in two-program mode in slices, checking the peer lives. */
static int wait_sem(struct ipc_channel *ch, sem_t *s, const char *what,
		    struct ipc_err *e)
{
	if (!ch->rdv.active) {
		int rc = sem_wait_retry(s);
		return rc < 0 ? ipc_errf(e, -rc, "sem_wait(%s)", what) : 0;
	}
	for (;;) {
		if (sem_trywait(s) == 0)
			return 0; /* no clock read when no wait is needed */
		if (errno != EAGAIN && errno != EINTR)
			return ipc_errf(e, errno, "sem_trywait(%s)", what);
		struct timespec ts;
		ipc_rdv_slice(CLOCK_MONOTONIC, &ts);
		if (sem_clockwait(s, CLOCK_MONOTONIC, &ts) == 0)
			return 0;
		if (errno == ETIMEDOUT) {
			int rc = ipc_rdv_check_peer(&ch->rdv, e);
			if (rc < 0)
				return rc;
		} else if (errno != EINTR) {
			return ipc_errf(e, errno, "sem_clockwait(%s)", what);
		}
	}
}

static int pshm_sem_max_block(const struct ipc_params *p, size_t *max,
			      char *why, size_t whylen)
{
	(void)p;
	(void)why;
	(void)whylen;
	*max = SIZE_MAX / 2; /* bounded by /dev/shm space, checked at create */
	return 0;
}

static int pshm_sem_validate(const struct ipc_params *p, char *why,
			     size_t whylen)
{
	return ipc_region_validate(p, REGION_POSIX, HEADER_BYTES + p->buf_size,
				   why, whylen);
}

static void pshm_sem_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	if (ch->hdr) {
		if (ch->sems_ready > 1)
			(void)sem_destroy(&ch->hdr->rsem);
		if (ch->sems_ready > 0)
			(void)sem_destroy(&ch->hdr->wsem);
	}
	region_destroy(&ch->region);
	ipc_rdv_close(&ch->rdv); /* two-program mode: removes the objects */
	free(ch);
}

static int pshm_sem_create(const struct ipc_params *p,
			   struct ipc_channel **out, struct ipc_err *e)
{
	*out = NULL;
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	region_init(&ch->region);
	ipc_rdv_init(&ch->rdv);
	ch->buf_size = p->buf_size;
	/* Named: /dev/shm/ipclab-NAME, in the record (see the header). */
	int rc = ipc_rdv_region_create(&ch->rdv, &ch->region, p, "pshm-sem",
				       HEADER_BYTES + p->buf_size, e);
	if (rc < 0)
		goto err_destroy;
	ch->hdr = ch->region.addr;
	ch->buf = (char *)ch->region.addr + HEADER_BYTES;
	ch->hdr->magic = PSHM_SEM_MAGIC;
	ch->hdr->version = PSHM_SEM_VERSION;
	ch->hdr->buf_size = p->buf_size;
	if (sem_init(&ch->hdr->wsem, 1, 1) < 0) {
		rc = ipc_errf(e, errno, "sem_init(wsem)");
		goto err_destroy;
	}
	ch->sems_ready = 1;
	if (sem_init(&ch->hdr->rsem, 1, 0) < 0) {
		rc = ipc_errf(e, errno, "sem_init(rsem)");
		goto err_destroy;
	}
	ch->sems_ready = 2;
	/* Only now may a reader map it: everything above is initialised. */
	rc = ipc_rdv_ready(&ch->rdv, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	pshm_sem_destroy(ch);
	return rc;
}

/* Named reader: map the writer's object and check it is what the record
 * says (see the header). */
static int pshm_sem_open(const struct ipc_params *p, enum ipc_role role,
			 struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	struct ipc_channel *ch = ipc_open_alloc(role, "shared memory object",
						sizeof(*ch), &rc, e);
	if (!ch)
		return rc;
	region_init(&ch->region);
	rc = ipc_rdv_open(&ch->rdv, p, "pshm-sem", e);
	if (rc < 0)
		goto err_destroy;
	const struct ipc_rdv_obj *o = &ch->rdv.info.obj[0];
	size_t buf_size = (size_t)ch->rdv.info.buf_size;
	char shm[IPC_RDV_NAME_MAX + 16];
	rc = ipc_rdv_region_open(&ch->rdv, &ch->region, &p->region, shm,
				 sizeof(shm), e);
	if (rc < 0)
		goto err_destroy;
	struct header *h = ch->region.addr;
	if (buf_size == 0 || ch->region.size < HEADER_BYTES + buf_size ||
	    h->magic != PSHM_SEM_MAGIC || h->version != PSHM_SEM_VERSION ||
	    h->buf_size != buf_size) {
		rc = ipc_errf(e, EBADMSG, "%s is not a pshm-sem channel of "
			      "BUF_SIZE %zu (size %zu, magic 0x%08x, version %u, "
			      "BUF_SIZE %llu)", shm, buf_size, ch->region.size,
			      (unsigned)h->magic, (unsigned)h->version,
			      (unsigned long long)h->buf_size);
		goto err_destroy;
	}
	ch->hdr = h;
	ch->buf = (char *)ch->region.addr + HEADER_BYTES;
	ch->buf_size = buf_size;
	rc = region_prepare(&ch->region, e);
	if (rc < 0)
		goto err_destroy;
	/* Both sides have it mapped: the name has no further use. */
	(void)ipc_rdv_remove_obj(o);
	*out = ch;
	return 0;

err_destroy:
	pshm_sem_destroy(ch);
	return rc;
}

static int pshm_sem_attach(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_err *e)
{
	(void)role;
	int rc = region_prepare(&ch->region, e);
	if (rc == 0)
		rc = ipc_rdv_wait_reader(&ch->rdv, e); /* named writer */
	return rc;
}

static int pshm_sem_acquire(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_block *b, struct ipc_err *e)
{
	sem_t *s = role == IPC_WRITER ? &ch->hdr->wsem : &ch->hdr->rsem;
	int rc = wait_sem(ch, s, role == IPC_WRITER ? "wsem" : "rsem", e);
	if (rc < 0)
		return rc;
	b->data = ch->buf;
	b->cap = ch->buf_size;
	b->id = 0;
	if (role == IPC_READER)
		b->len = (size_t)ch->hdr->count;
	return 0;
}

static int pshm_sem_release(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_block *b, struct ipc_err *e)
{
	if (role == IPC_WRITER) {
		ch->hdr->count = b->len;
		if (b->len == 0)
			ch->eos_sent = 1;
		if (sem_post(&ch->hdr->rsem) < 0)
			return ipc_errf(e, errno, "sem_post(rsem)");
	} else if (sem_post(&ch->hdr->wsem) < 0) {
		return ipc_errf(e, errno, "sem_post(wsem)");
	}
	return 0;
}

static void pshm_sem_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_region_info(&ch->region, 1, out);
}

static void pshm_sem_detach(struct ipc_channel *ch, enum ipc_role role)
{
	/* One more turn: when it comes, the reader has taken end of stream. */
	if (role == IPC_WRITER && ch->eos_sent) {
		struct ipc_err e;
		(void)wait_sem(ch, &ch->hdr->wsem, "wsem", &e);
		ipc_rdv_wait_done(&ch->rdv); /* named: until it has let go */
	}
}

const struct ipc_transport ipc_pshm_sem = {
	.abi = IPC_ABI_VERSION,
	.name = "pshm-sem",
	.summary = "POSIX shm, one buffer, unnamed semaphore pair (the exercise)",
	.sync = "writer waits on wsem, posts rsem; reader waits on rsem, posts wsem",
	.caps = IPC_CAP_REGION | IPC_CAP_NAMED | IPC_CAP_ZEROCOPY,
	.max_block = pshm_sem_max_block,
	.validate = pshm_sem_validate,
	.create = pshm_sem_create,
	.open = pshm_sem_open,
	.attach = pshm_sem_attach,
	.acquire = pshm_sem_acquire,
	.release = pshm_sem_release,
	.info = pshm_sem_info,
	.detach = pshm_sem_detach,
	.destroy = pshm_sem_destroy,
};
