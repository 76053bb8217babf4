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
 *   ipclab run -t pshm-sem -b 10 --total 50M
 */
#include "transport.h"

#include <errno.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
};

static int sem_wait_retry(sem_t *s)
{
	while (sem_wait(s) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
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
	ch->buf_size = p->buf_size;
	int rc = region_create(&ch->region, REGION_POSIX,
			       HEADER_BYTES + p->buf_size, &p->region, p->name, e);
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
	return region_prepare(&ch->region, e);
}

static int pshm_sem_acquire(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_block *b, struct ipc_err *e)
{
	sem_t *s = role == IPC_WRITER ? &ch->hdr->wsem : &ch->hdr->rsem;
	int rc = sem_wait_retry(s);
	if (rc < 0)
		return ipc_errf(e, -rc, "sem_wait(%s)",
				role == IPC_WRITER ? "wsem" : "rsem");
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
	memset(out, 0, sizeof(*out));
	out->nblocks = 1;
	region_read_back(&ch->region); /* THP appear only once touched */
	out->region = ch->region.info;
}

static void pshm_sem_detach(struct ipc_channel *ch, enum ipc_role role)
{
	/* One more turn: when it comes, the reader has taken end of stream. */
	if (role == IPC_WRITER && ch->eos_sent)
		(void)sem_wait_retry(&ch->hdr->wsem);
}

const struct ipc_transport ipc_pshm_sem = {
	.abi = IPC_ABI_VERSION,
	.name = "pshm-sem",
	.summary = "POSIX shm, one buffer, unnamed semaphore pair (the exercise)",
	.sync = "writer waits on wsem, posts rsem; reader waits on rsem, posts wsem",
	.caps = IPC_CAP_REGION | IPC_CAP_ZEROCOPY,
	.max_block = pshm_sem_max_block,
	.validate = pshm_sem_validate,
	.create = pshm_sem_create,
	.attach = pshm_sem_attach,
	.acquire = pshm_sem_acquire,
	.release = pshm_sem_release,
	.info = pshm_sem_info,
	.detach = pshm_sem_detach,
	.destroy = pshm_sem_destroy,
};
