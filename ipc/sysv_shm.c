/*
 * sysv_shm.c - System V shared memory guarded by a System V semaphore set of
 * two: the textbook svshm_xfr design, with the same alternating protocol as
 * pshm-sem.
 *
 * What is shared: one System V segment (shmget/shmat, via the region helper)
 * holding a header - magic, version, BUF_SIZE, the id of the semaphore set,
 * the byte count of the current block - and one BUF_SIZE buffer on its own
 * page; and one semaphore set of two (semget):
 *   sem 0 "free": the buffer may be filled (initially 1);
 *   sem 1 "full": the buffer holds a block to consume (initially 0).
 *
 * Who waits on what: the writer waits on "free" (semop -1), fills the buffer,
 * stores the byte count in the header and posts "full" (semop +1); the reader
 * waits on "full", consumes the buffer and posts "free".  The two strictly
 * alternate: every block costs two wake-ups.  A byte count of 0 is end of
 * stream; the writer then waits for one more turn in detach, so it knows the
 * reader has taken it before anything is torn down.
 *
 * Creation and removal.  The segment is marked IPC_RMID by the region helper
 * right after create has attached it, before fork.  That is safe because the
 * children inherit the parent's attachment across fork and never shmat again:
 * a segment marked for removal lives until its last attachment goes away.
 * It matters because a System V object is not tied to any descriptor: left
 * unremoved it outlives every process and stays in `ipcs -m` until reboot; once
 * marked, the kernel frees it when the last process detaches, even when that
 * process is killed.
 *
 * The semaphore set is different: IPC_RMID removes it at once (blocked
 * semops fail with EIDRM), so it cannot be removed early.  destroy removes it
 * on every path, including a create that failed halfway; a child that dies
 * mid-run leaves it for the parent's destroy, which also wakes any peer still
 * blocked in semop.  SEM_UNDO is not used: a producer/consumer pair does not
 * give back what it took, so undo would corrupt the counts.
 *
 * Two-program mode (`ipclab xfr`, the textbook svshm_xfr pair).  The keys
 * stay ordinary ipclab keys (IPC_KEY_MARK and the writer's pid, so `ipclab
 * clean` can judge them like any other); the reader does not derive a key
 * from NAME but finds the segment and the set through their ids in the
 * rendezvous record of rendezvous.h (/tmp/ipclab-NAME/info), and checks each:
 * key as recorded, owner, size, then the header (magic, version, BUF_SIZE,
 * semaphore id).  A key made from NAME (ftok, a hash) would collide between
 * names and say nothing about the creator.  The segment is kept until the
 * reader has attached it, and the reader marks it IPC_RMID at once: both
 * are attached, so from then on the kernel frees it whatever happens.  The
 * set lives until the writer's destroy, or, if the writer died, the
 * reader's.  TLPI 47.5's sem_otime handshake (semget and SETALL are two
 * steps, so a second process could use a set not yet initialised) is not
 * needed: the record is published only after SETALL.  A peer killed while
 * the other waits would leave it waiting for ever, so in this mode every
 * wait is a semtimedop of IPC_RDV_CHECK_MS that looks, when it times out,
 * whether the peer still holds its lock.
 *
 *   ipclab run -t sysv-shm -b 10 --total 50M
 */
#include "rendezvous.h"
#include "transport.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#define SYSV_SHM_MAGIC 0x69707376u /* "ipsv" */
#define SYSV_SHM_VERSION 1u
#define HEADER_BYTES 4096 /* the buffer starts on its own page */
#define KEY_ATTEMPTS 64u

enum { SEM_FREE = 0, SEM_FULL = 1 };

/* The caller defines union semun (SUSv3); glibc does not. */
union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

struct header {
	uint32_t magic;
	uint32_t version;
	uint64_t buf_size;
	int32_t semid;
	uint32_t pad;
	uint64_t count; /* bytes in the buffer; 0 = end of stream */
};

struct ipc_channel {
	struct region region;
	struct header *hdr;
	char *buf;
	size_t buf_size;
	int semid; /* -1 when none (yet, or already removed) */
	int eos_sent;  /* writer: end of stream published */
	int eos_seen;  /* reader: end of stream taken */
	int eos_acked; /* reader: the writer's last turn given back */
	int sem_owner; /* this side removes the set (fork mode: the parent) */
	key_t semkey;
	struct ipc_rdv rdv; /* two-program mode */
};

/* One semop on one semaphore, retried when a signal interrupts the wait. */
static int sem_op(int semid, unsigned short num, short op)
{
	struct sembuf sb = {.sem_num = num, .sem_op = op, .sem_flg = 0};
	while (semop(semid, &sb, 1) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* sem_op on the channel's set; in two-program mode in slices that check the
 * peer lives: -EPIPE, with the message in e, when it is gone. */
static int chan_sem_op(struct ipc_channel *ch, unsigned short num, short op,
		       struct ipc_err *e)
{
	if (!ch->rdv.active)
		return sem_op(ch->semid, num, op);
	struct sembuf sb = {.sem_num = num, .sem_op = op, .sem_flg = 0};
	for (;;) {
		struct timespec slice = {IPC_RDV_CHECK_MS / 1000,
					 (IPC_RDV_CHECK_MS % 1000) * 1000000L};
		if (semtimedop(ch->semid, &sb, 1, &slice) == 0)
			return 0;
		if (errno == EAGAIN) {
			if (ipc_rdv_check_peer(&ch->rdv, e) < 0)
				return -EPIPE;
		} else if (errno != EINTR) {
			return -errno;
		}
	}
}

static int sysv_shm_max_block(const struct ipc_params *p, size_t *max,
			      char *why, size_t whylen)
{
	(void)p;
	unsigned long shmmax;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	*max = SIZE_MAX / 2; /* bounded by memory (shmall), checked at create */
	if (ipc_read_ulong("/proc/sys/kernel/shmmax", &shmmax) == 0 &&
	    (shmmax / page * page <= HEADER_BYTES ||
	     shmmax / page * page - HEADER_BYTES < *max)) {
		/* The segment is the header plus BUF_SIZE, rounded to pages;
		 * a shmmax below a page and the header leaves no room. */
		*max = shmmax / page * page > HEADER_BYTES
			? shmmax / page * page - HEADER_BYTES : 0;
		snprintf(why, whylen,
			 "a System V segment is at most kernel.shmmax (%lu "
			 "bytes, in whole pages) and holds a %d-byte header "
			 "besides the block; raise it as root: sysctl "
			 "kernel.shmmax=N", shmmax, HEADER_BYTES);
	}
	return 0;
}

static void sysv_shm_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	/* Removed on every path: nothing else would ever remove the set. */
	if (ch->semid >= 0 && ch->sem_owner)
		(void)semctl(ch->semid, 0, IPC_RMID);
	ch->semid = -1;
	region_destroy(&ch->region);
	ipc_rdv_close(&ch->rdv); /* named: the record's objects, if left */
	free(ch);
}

static int make_semaphores(struct ipc_channel *ch, struct ipc_err *e)
{
	for (unsigned attempt = 0; attempt < KEY_ATTEMPTS; attempt++) {
		ch->semkey = ipc_sysv_key(attempt);
		ch->semid = semget(ch->semkey, 2, IPC_CREAT | IPC_EXCL | 0600);
		if (ch->semid >= 0 || errno != EEXIST)
			break;
	}
	ch->sem_owner = ch->semid >= 0;
	if (ch->semid < 0)
		return ipc_errf(e, errno, "semget(2 semaphores)%s",
				errno == ENOSPC ? " (kernel.sem: too many sets "
						  "or semaphores in use)"
						: "");
	unsigned short init[2] = {[SEM_FREE] = 1, [SEM_FULL] = 0};
	union semun arg = {.array = init};
	if (semctl(ch->semid, 0, SETALL, arg) < 0)
		return ipc_errf(e, errno, "semctl(%d, SETALL)", ch->semid);
	return 0;
}

static int sysv_shm_create(const struct ipc_params *p,
			   struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	region_init(&ch->region);
	ipc_rdv_init(&ch->rdv);
	ch->semid = -1;
	ch->buf_size = p->buf_size;
	if (p->name) {
		rc = ipc_rdv_create(&ch->rdv, p, "sysv-shm", e);
		if (rc < 0)
			goto err_destroy;
	}
	/* With a name the region keeps the segment (no IPC_RMID yet): the
	 * reader still has to attach it. */
	rc = region_create(&ch->region, REGION_SYSV,
			   HEADER_BYTES + p->buf_size, &p->region, p->name, e);
	if (rc < 0)
		goto err_destroy;
	rc = ipc_rdv_add_sysv(&ch->rdv, IPC_RDV_SYSV_SHM, ch->region.shmid,
			      ch->region.key, e);
	if (rc < 0)
		goto err_destroy;
	rc = make_semaphores(ch, e);
	if (rc < 0)
		goto err_destroy;
	rc = ipc_rdv_add_sysv(&ch->rdv, IPC_RDV_SYSV_SEM, ch->semid,
			      ch->semkey, e);
	if (rc < 0)
		goto err_destroy;
	ch->hdr = ch->region.addr;
	ch->buf = (char *)ch->region.addr + HEADER_BYTES;
	ch->hdr->magic = SYSV_SHM_MAGIC;
	ch->hdr->version = SYSV_SHM_VERSION;
	ch->hdr->buf_size = p->buf_size;
	ch->hdr->semid = ch->semid;
	ch->hdr->count = 0;
	/* Only now may a reader attach: everything above is initialised. */
	rc = ipc_rdv_ready(&ch->rdv, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	sysv_shm_destroy(ch);
	return rc;
}

/* Named reader: is the object with this id the one the record names? */
static int check_ipc_perm(const struct ipc_perm *perm,
			  const struct ipc_rdv_obj *o, const char *what,
			  struct ipc_err *e)
{
	if (perm->__key != (key_t)o->key)
		return ipc_errf(e, ESTALE, "%s id %d has key 0x%08x, not 0x%08x "
				"as recorded (removed and replaced?)", what,
				o->id, (unsigned)perm->__key, (unsigned)o->key);
	if (perm->uid != geteuid())
		return ipc_errf(e, EPERM, "%s id %d belongs to uid %ld, not to "
				"you", what, o->id, (long)perm->uid);
	return 0;
}

/* Named reader: attach the writer's segment and set by their ids (see the
 * header), check them, mark the segment for removal. */
static int sysv_shm_open(const struct ipc_params *p, enum ipc_role role,
			 struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	struct ipc_channel *ch = ipc_open_alloc(role, "segment", sizeof(*ch),
						&rc, e);
	if (!ch)
		return rc;
	region_init(&ch->region);
	ch->semid = -1;
	rc = ipc_rdv_open(&ch->rdv, p, "sysv-shm", e);
	if (rc < 0)
		goto err_destroy;
	const struct ipc_rdv_info *in = &ch->rdv.info;
	const struct ipc_rdv_obj *seg = &in->obj[0], *set = &in->obj[1];
	ch->buf_size = (size_t)in->buf_size;
	if (in->nobj != 2 || seg->kind != IPC_RDV_SYSV_SHM ||
	    set->kind != IPC_RDV_SYSV_SEM || ch->buf_size == 0) {
		rc = ipc_errf(e, EBADMSG, "%s: the record does not list a "
			      "segment and a semaphore set", ch->rdv.dir);
		goto err_destroy;
	}
	struct shmid_ds ds;
	if (shmctl(seg->id, IPC_STAT, &ds) < 0) {
		rc = ipc_errf(e, errno, "shmctl(%d, IPC_STAT)", seg->id);
		goto err_destroy;
	}
	rc = check_ipc_perm(&ds.shm_perm, seg, "segment", e);
	if (rc < 0)
		goto err_destroy;
	if (ds.shm_segsz < HEADER_BYTES + ch->buf_size) {
		rc = ipc_errf(e, EBADMSG, "segment id %d: %zu bytes, too small "
			      "for BUF_SIZE %zu", seg->id, (size_t)ds.shm_segsz,
			      ch->buf_size);
		goto err_destroy;
	}
	void *a = shmat(seg->id, NULL, 0);
	if (a == (void *)-1) {
		rc = ipc_errf(e, errno, "shmat(%d)", seg->id);
		goto err_destroy;
	}
	/* The region helper opens POSIX names only: describe the attachment
	 * to it, so that prepare and destroy work as for the writer (shmid
	 * stays -1: the removal is below, checked). */
	ch->region.kind = REGION_SYSV;
	ch->region.addr = a;
	ch->region.size = (size_t)ds.shm_segsz;
	ch->region.opts = p->region;
	ch->region.info.size = ch->region.info.requested = ch->region.size;
	snprintf(ch->region.info.mechanism, sizeof(ch->region.info.mechanism),
		 "sysv-shm");
	struct header *h = a;
	if (h->magic != SYSV_SHM_MAGIC || h->version != SYSV_SHM_VERSION ||
	    h->buf_size != ch->buf_size || h->semid != set->id) {
		rc = ipc_errf(e, EBADMSG, "segment id %d is not a sysv-shm "
			      "channel of BUF_SIZE %zu (magic 0x%08x, version "
			      "%u)", seg->id, ch->buf_size, (unsigned)h->magic,
			      (unsigned)h->version);
		goto err_destroy;
	}
	struct semid_ds sds;
	union semun arg = {.buf = &sds};
	if (semctl(set->id, 0, IPC_STAT, arg) < 0) {
		rc = ipc_errf(e, errno, "semctl(%d, IPC_STAT)", set->id);
		goto err_destroy;
	}
	rc = check_ipc_perm(&sds.sem_perm, set, "semaphore set", e);
	if (rc < 0)
		goto err_destroy;
	if (sds.sem_nsems != 2) {
		rc = ipc_errf(e, EBADMSG, "semaphore set id %d has %lu "
			      "semaphores, not 2", set->id,
			      (unsigned long)sds.sem_nsems);
		goto err_destroy;
	}
	ch->semid = set->id; /* the writer's to remove */
	ch->hdr = h;
	ch->buf = (char *)a + HEADER_BYTES;
	/* Both sides are attached: mark it, and a crash cannot leak it. */
	(void)ipc_rdv_remove_obj(seg);
	rc = region_prepare(&ch->region, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	sysv_shm_destroy(ch);
	return rc;
}

static int sysv_shm_attach(struct ipc_channel *ch, enum ipc_role role,
			   struct ipc_err *e)
{
	(void)role;
	/* The attachment came with fork (named: with create); only
	 * pre-faulting is left to do, then, named, waiting for the reader. */
	int rc = region_prepare(&ch->region, e);
	if (rc == 0)
		rc = ipc_rdv_wait_reader(&ch->rdv, e);
	return rc;
}

static int sysv_shm_acquire(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_block *b, struct ipc_err *e)
{
	unsigned short num = role == IPC_WRITER ? SEM_FREE : SEM_FULL;
	b->data = ch->buf;
	b->cap = ch->buf_size;
	b->id = 0;
	if (role == IPC_READER && ch->eos_seen) {
		b->len = 0; /* the stream stays ended; nobody will post again */
		return 0;
	}
	int rc = chan_sem_op(ch, num, -1, e);
	if (rc == -EPIPE)
		return rc; /* named: the peer is gone, e says so */
	if (rc < 0)
		return ipc_errf(e, -rc, "semop(%d, %s, -1)", ch->semid,
				num == SEM_FREE ? "free" : "full");
	if (role == IPC_READER) {
		b->len = (size_t)ch->hdr->count;
		ch->eos_seen = b->len == 0;
	}
	return 0;
}

static int sysv_shm_release(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_block *b, struct ipc_err *e)
{
	unsigned short num = SEM_FREE;
	if (role == IPC_WRITER) {
		ch->hdr->count = b->len;
		if (b->len == 0)
			ch->eos_sent = 1;
		num = SEM_FULL;
	} else if (ch->eos_seen) {
		if (ch->eos_acked)
			return 0; /* the writer's last turn was given already */
		ch->eos_acked = 1;
	}
	/* semop is a full barrier: the count and the data are visible first. */
	int rc = sem_op(ch->semid, num, +1);
	if (rc < 0)
		return ipc_errf(e, -rc, "semop(%d, %s, +1)", ch->semid,
				num == SEM_FREE ? "free" : "full");
	return 0;
}

static int sysv_shm_validate(const struct ipc_params *p, char *why,
			     size_t whylen)
{
	return ipc_region_validate(p, REGION_SYSV, HEADER_BYTES + p->buf_size,
				   why, whylen);
}

static void sysv_shm_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_region_info(&ch->region, 1, out);
}

static void sysv_shm_detach(struct ipc_channel *ch, enum ipc_role role)
{
	/* One more turn: when it comes, the reader has taken end of stream. */
	if (role == IPC_WRITER && ch->eos_sent) {
		struct ipc_err e;
		(void)chan_sem_op(ch, SEM_FREE, -1, &e);
		ch->eos_sent = 0;
		ipc_rdv_wait_done(&ch->rdv); /* named: until it has let go */
	}
}

const struct ipc_transport ipc_sysv_shm = {
	.abi = IPC_ABI_VERSION,
	.name = "sysv-shm",
	.summary = "System V shm, one buffer, System V semaphore set of two",
	.sync = "writer waits on sem 0 (free), posts sem 1 (full); reader waits on sem 1, posts sem 0",
	.caps = IPC_CAP_REGION | IPC_CAP_NAMED | IPC_CAP_ZEROCOPY,
	.max_block = sysv_shm_max_block,
	.validate = sysv_shm_validate,
	.create = sysv_shm_create,
	.open = sysv_shm_open,
	.attach = sysv_shm_attach,
	.acquire = sysv_shm_acquire,
	.release = sysv_shm_release,
	.info = sysv_shm_info,
	.detach = sysv_shm_detach,
	.destroy = sysv_shm_destroy,
};
