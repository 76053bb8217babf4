/*
 * pshm_pipe.c - POSIX shared memory split into N numbered blocks, with a pair
 * of pipes carrying only the block metadata: the block ring of block_ring.h
 * (who waits on what is there) on a POSIX shm object.
 *
 * What is shared: one POSIX shared-memory object of N blocks of BUF_SIZE
 * (after a one-page header), and the two pipes "empty" (free block numbers,
 * reader -> writer) and "full" ({block number, length}, writer -> reader).
 *
 * Creation and removal: create makes the object (0600, O_EXCL), maps it,
 * unlinks its name in fork mode, makes the pipes and puts every block number
 * in "empty".  Each side closes the pipe ends it does not use, so a dead peer
 * shows as end of file instead of a hang.
 *
 * Two-program mode (`ipclab xfr`): unrelated programs cannot inherit pipes,
 * so the two pipes become FIFOs, "empty" and "full", in the rendezvous
 * directory /tmp/ipclab-NAME of rendezvous.h, next to the shm object
 * /dev/shm/ipclab-NAME.  The writer makes all three and opens the read end
 * of "empty" (O_NONBLOCK: no writer needed).  The reader maps the object,
 * checks it, opens the write end of "empty" (there is a reader, so this
 * succeeds at once), puts every block number in it, and opens the read end
 * of "full".  The writer, retrying its O_NONBLOCK open of the write end of
 * "full" until that succeeds, then knows the reader holds everything, and
 * unlinks the three names.  The reader's first read of "full" waits in
 * poll() until the writer's end is open (before, a read would be end of
 * file).  From then on it is fork mode: a dead peer is end of file or EPIPE.
 *
 *   ipclab run -t pshm-pipe -b 64K --blocks 8
 *   ipclab xfr writer -t pshm-pipe -b 64K --blocks 8 < in
 */
#include "block_ring.h"
#include "pipe_io.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#define PSHM_PIPE_MAGIC 0x69707370u /* "ipsp" */

enum { OBJ_SHM = 0, OBJ_EMPTY = 1, OBJ_FULL = 2 }; /* in the record */

static int pshm_pipe_validate(const struct ipc_params *p, char *why,
			      size_t whylen)
{
	return ipc_ring_validate(p, REGION_POSIX, why, whylen);
}

/* Named writer: the two FIFOs, and the read end of "empty". */
static int make_fifos(struct ipc_channel *ch, struct ipc_err *e)
{
	static const char *const leaf[2] = {"empty", "full"};
	for (int i = 0; i < 2; i++) {
		char path[160];
		ipc_rdv_path(&ch->rdv, leaf[i], path, sizeof(path));
		if (mkfifo(path, 0600) < 0)
			return ipc_errf(e, errno, "mkfifo(%s)", path);
		int rc = ipc_rdv_add_path(&ch->rdv, path, e);
		if (rc < 0)
			return rc;
	}
	const char *empty = ch->rdv.info.obj[OBJ_EMPTY].name;
	ch->empty[0] = open(empty, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (ch->empty[0] < 0)
		return ipc_errf(e, errno, "open(%s, O_RDONLY|O_NONBLOCK)", empty);
	return 0;
}

/* Named writer: the write end of "full", once the reader holds the rest. */
static int open_full(struct ipc_channel *ch, struct ipc_err *e)
{
	const struct ipc_rdv_info *in = &ch->rdv.info;
	const char *full = in->obj[OBJ_FULL].name;
	int rc = ipc_rdv_wait_reader(&ch->rdv, e);
	if (rc < 0)
		return rc;
	while ((ch->full[1] = open(full, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) <
	       0) {
		if (errno != ENXIO && errno != EINTR) /* ENXIO: no reader yet */
			return ipc_errf(e, errno, "open(%s, O_WRONLY)", full);
		rc = ipc_rdv_poll(&ch->rdv, "waiting for it to open the FIFOs",
				  e);
		if (rc < 0)
			return rc;
	}
	rc = ipc_pipe_set_blocking(ch->full[1], full, e);
	if (rc == 0)
		rc = ipc_pipe_set_blocking(ch->empty[0], in->obj[OBJ_EMPTY].name,
					   e);
	if (rc < 0)
		return rc;
	/* The reader opened "full" last: every name has done its job. */
	for (unsigned i = 0; i < in->nobj; i++)
		(void)ipc_rdv_remove_obj(&in->obj[i]);
	return 0;
}

static int pshm_pipe_create(const struct ipc_params *p,
			    struct ipc_channel **out, struct ipc_err *e)
{
	struct ipc_channel *ch;
	int rc = ipc_ring_alloc(p->buf_size, ipc_ring_blocks(p), &ch, e);
	*out = NULL;
	if (rc < 0)
		return rc;
	/* Named: /dev/shm/ipclab-NAME, in the record (see the header). */
	rc = ipc_rdv_region_create(&ch->rdv, &ch->region, p, "pshm-pipe",
				   ipc_ring_region_bytes(ch->buf_size,
							 ch->nblocks), e);
	if (rc < 0)
		goto err_destroy;
	ipc_ring_format(ch, PSHM_PIPE_MAGIC);
	if (p->name) {
		ch->rdv.info.nblocks = ch->nblocks;
		ch->meet_reader = open_full;
		rc = make_fifos(ch, e);
		if (rc == 0)
			rc = ipc_rdv_ready(&ch->rdv, e);
		/* the reader puts the block numbers in "empty" */
	} else {
		rc = ipc_ring_make_pipes(ch, e);
	}
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	ipc_ring_destroy(ch);
	return rc;
}

/* Named reader: map the writer's object, open the FIFOs, fill "empty". */
static int pshm_pipe_open(const struct ipc_params *p, enum ipc_role role,
			  struct ipc_channel **out, struct ipc_err *e)
{
	struct ipc_channel *ch;
	int rc;
	*out = NULL;
	if (role != IPC_READER)
		return ipc_errf(e, EINVAL, "open(writer): in two-program mode "
				"the writer creates the channel");
	rc = ipc_ring_alloc(0, 0, &ch, e);
	if (rc < 0)
		return rc;
	rc = ipc_rdv_open(&ch->rdv, p, "pshm-pipe", e);
	if (rc < 0)
		goto err_destroy;
	const struct ipc_rdv_info *in = &ch->rdv.info;
	if (in->nobj != 3 || in->obj[OBJ_EMPTY].kind != IPC_RDV_PATH ||
	    in->obj[OBJ_FULL].kind != IPC_RDV_PATH) {
		rc = ipc_errf(e, EBADMSG, "%s: the record does not list a shm "
			      "object and two FIFOs", ch->rdv.dir);
		goto err_destroy;
	}
	ch->buf_size = (size_t)in->buf_size;
	ch->nblocks = in->nblocks;
	char shm[IPC_RDV_NAME_MAX + 16];
	rc = ipc_rdv_region_open(&ch->rdv, &ch->region, &p->region, shm,
				 sizeof(shm), e); /* the record's OBJ_SHM */
	if (rc == 0)
		rc = ipc_ring_check(ch, PSHM_PIPE_MAGIC, shm, "pshm-pipe", e);
	if (rc < 0)
		goto err_destroy;

	/* "empty" first: the writer reads it only after we open "full". */
	const char *empty = in->obj[OBJ_EMPTY].name, *full = in->obj[OBJ_FULL].name;
	ch->empty[1] = open(empty, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (ch->empty[1] < 0) {
		rc = ipc_errf(e, errno, "open(%s, O_WRONLY)%s", empty,
			      errno == ENXIO ? ": the writer closed it" : "");
		goto err_destroy;
	}
	ch->full[0] = open(full, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (ch->full[0] < 0) {
		rc = ipc_errf(e, errno, "open(%s, O_RDONLY)", full);
		goto err_destroy;
	}
	struct stat st;
	for (int i = 0; i < 2; i++) {
		int fd = i ? ch->full[0] : ch->empty[1];
		const struct ipc_rdv_obj *o = &in->obj[i ? OBJ_FULL : OBJ_EMPTY];
		if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) ||
		    (uint64_t)st.st_ino != o->ino || (uint64_t)st.st_dev != o->dev) {
			rc = ipc_errf(e, ESTALE, "%s is not the FIFO the writer "
				      "made", o->name);
			goto err_destroy;
		}
	}
	rc = ipc_ring_fill_empty(ch, empty, e);
	if (rc == 0)
		rc = ipc_pipe_set_blocking(ch->empty[1], empty, e);
	if (rc == 0)
		rc = region_prepare(&ch->region, e);
	if (rc < 0)
		goto err_destroy;
	ch->await_writer = 1;
	*out = ch;
	return 0;

err_destroy:
	ipc_ring_destroy(ch);
	return rc;
}

const struct ipc_transport ipc_pshm_pipe = {
	.abi = IPC_ABI_VERSION,
	.name = "pshm-pipe",
	.summary = "POSIX shm in N numbered blocks, two pipes carry block numbers",
	.caps = IPC_CAP_REGION | IPC_CAP_NAMED | IPC_CAP_ZEROCOPY,
	.validate = pshm_pipe_validate,
	.create = pshm_pipe_create,
	.open = pshm_pipe_open,
	IPC_RING_SLOTS,
};
