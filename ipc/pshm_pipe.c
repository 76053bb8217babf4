/*
 * pshm_pipe.c - POSIX shared memory split into N numbered blocks, with a pair
 * of pipes carrying only the block metadata.
 *
 * What is shared: one POSIX shared-memory object of N blocks of BUF_SIZE
 * (after a one-page header), and two pipes:
 *   "empty" (reader -> writer): numbers of free blocks, 4 bytes each;
 *   "full"  (writer -> reader): {block number, length}, 16 bytes each.
 * Who waits on what: the writer reads a free block number from "empty" (and
 * blocks there when all N are full), fills the block, writes its number and
 * length to "full"; the reader reads "full" (and blocks there when nothing is
 * ready), consumes the block and writes its number back to "empty".  No
 * semaphores: the pipes do the blocking, up to N blocks are in flight, and
 * the data itself never goes through the kernel.  Length 0 is end of stream.
 *
 * Creation and removal: create makes the object (0600, O_EXCL), maps it,
 * unlinks its name in fork mode, makes the pipes and puts every block number
 * in "empty".  Each side closes the pipe ends it does not use, so a dead peer
 * shows as end of file instead of a hang.
 *
 * Two-program mode (`ipclab xfr`): unrelated programs cannot inherit pipes,
 * so the two pipes become FIFOs, "empty" and "full", in the rendezvous
 * directory /tmp/ipclab-NAME of pipe_io.h, next to the shm object
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
#include "pipe_io.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PSHM_PIPE_MAGIC 0x69707370u /* "ipsp" */
#define PSHM_PIPE_VERSION 1u
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
	struct region region;
	char *blocks;
	size_t buf_size;
	unsigned nblocks;
	int empty[2]; /* [0] read end (writer), [1] write end (reader) */
	int full[2];  /* [0] read end (reader), [1] write end (writer) */
	struct ipc_rdv rdv; /* two-program mode: obj 0 shm, 1 empty, 2 full */
	int await_writer;   /* named reader: "full" may have no writer yet */
	int eos_sent;       /* writer: end of stream published */
};

enum { OBJ_SHM = 0, OBJ_EMPTY = 1, OBJ_FULL = 2 };

static unsigned blocks_of(const struct ipc_params *p)
{
	return p->nblocks ? p->nblocks : DEFAULT_BLOCKS;
}

static int pshm_pipe_max_block(const struct ipc_params *p, size_t *max,
			       char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	*max = (SIZE_MAX / 2) / blocks_of(p);
	return 0;
}

static int pshm_pipe_validate(const struct ipc_params *p, char *why,
			      size_t whylen)
{
	if (p->nblocks > MAX_BLOCKS) {
		snprintf(why, whylen,
			 "--blocks %u: at most %u blocks (their numbers must "
			 "fit in one pipe)", p->nblocks, MAX_BLOCKS);
		return -EINVAL;
	}
	return ipc_region_validate(p, REGION_POSIX,
				   HEADER_BYTES + (size_t)blocks_of(p) * p->buf_size,
				   why, whylen);
}

static void pshm_pipe_destroy(struct ipc_channel *ch)
{
	if (!ch)
		return;
	ipc_close_pair(ch->empty);
	ipc_close_pair(ch->full);
	region_destroy(&ch->region);
	ipc_rdv_close(&ch->rdv); /* two-program mode: removes the objects */
	free(ch);
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

static int pshm_pipe_create(const struct ipc_params *p,
			    struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	region_init(&ch->region);
	ch->empty[0] = ch->empty[1] = ch->full[0] = ch->full[1] = -1;
	ipc_rdv_init(&ch->rdv);
	ch->buf_size = p->buf_size;
	ch->nblocks = blocks_of(p);

	/* Named: /dev/shm/ipclab-NAME, in the record (see the header). */
	rc = ipc_rdv_region_create(&ch->rdv, &ch->region, p, "pshm-pipe",
				   HEADER_BYTES + (size_t)ch->nblocks * p->buf_size,
				   e);
	if (rc < 0)
		goto err_destroy;
	struct header *h = ch->region.addr;
	h->magic = PSHM_PIPE_MAGIC;
	h->version = PSHM_PIPE_VERSION;
	h->buf_size = p->buf_size;
	h->nblocks = ch->nblocks;
	ch->blocks = (char *)ch->region.addr + HEADER_BYTES;

	if (p->name) {
		ch->rdv.info.nblocks = ch->nblocks;
		rc = make_fifos(ch, e);
		if (rc == 0)
			rc = ipc_rdv_ready(&ch->rdv, e);
		if (rc < 0)
			goto err_destroy;
		*out = ch; /* the reader puts the block numbers in "empty" */
		return 0;
	}
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
	pshm_pipe_destroy(ch);
	return rc;
}

static void pshm_pipe_parent_close(struct ipc_channel *ch)
{
	ipc_close_pair(ch->empty);
	ipc_close_pair(ch->full);
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

/* Named reader: map the writer's object, open the FIFOs, fill "empty". */
static int pshm_pipe_open(const struct ipc_params *p, enum ipc_role role,
			  struct ipc_channel **out, struct ipc_err *e)
{
	int rc;
	*out = NULL;
	if (role != IPC_READER)
		return ipc_errf(e, EINVAL, "open(writer): in two-program mode "
				"the writer creates the channel");
	struct ipc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return ipc_errf(e, ENOMEM, "calloc");
	region_init(&ch->region);
	ch->empty[0] = ch->empty[1] = ch->full[0] = ch->full[1] = -1;
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
	if (rc < 0)
		goto err_destroy;
	struct header *h = ch->region.addr;
	if (ch->buf_size == 0 || ch->nblocks == 0 ||
	    ch->nblocks > MAX_BLOCKS ||
	    ch->region.size < HEADER_BYTES + (size_t)ch->nblocks * ch->buf_size ||
	    h->magic != PSHM_PIPE_MAGIC || h->version != PSHM_PIPE_VERSION ||
	    h->buf_size != ch->buf_size || h->nblocks != ch->nblocks) {
		rc = ipc_errf(e, EBADMSG, "%s is not a pshm-pipe channel of "
			      "%u blocks of %zu bytes (size %zu, magic 0x%08x, "
			      "version %u)", shm, ch->nblocks, ch->buf_size,
			      ch->region.size, (unsigned)h->magic,
			      (unsigned)h->version);
		goto err_destroy;
	}
	ch->blocks = (char *)ch->region.addr + HEADER_BYTES;

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
	/* At most MAX_BLOCKS numbers: they fit in the pipe, no wait. */
	for (uint32_t i = 0; i < ch->nblocks; i++) {
		rc = ipc_write_full(ch->empty[1], &i, sizeof(i));
		if (rc < 0) {
			rc = ipc_errf(e, -rc, "write(%s)", empty);
			goto err_destroy;
		}
	}
	rc = ipc_pipe_set_blocking(ch->empty[1], empty, e);
	if (rc < 0)
		goto err_destroy;
	ch->await_writer = 1;
	rc = region_prepare(&ch->region, e);
	if (rc < 0)
		goto err_destroy;
	*out = ch;
	return 0;

err_destroy:
	pshm_pipe_destroy(ch);
	return rc;
}

static int pshm_pipe_attach(struct ipc_channel *ch, enum ipc_role role,
			    struct ipc_err *e)
{
	if (ch->rdv.active) {
		int rc = open_full(ch, e); /* the creator is the writer */
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

static int pshm_pipe_acquire(struct ipc_channel *ch, enum ipc_role role,
			     struct ipc_block *b, struct ipc_err *e)
{
	uint32_t id;
	size_t len = 0;
	int rc;
	if (role == IPC_WRITER) {
		rc = ipc_pipe_read_msg(ch->empty[0], "empty", &id, sizeof(id), e);
	} else {
		struct full_msg m;
		if (ch->await_writer) {
			rc = ipc_rdv_await_fifo_writer(&ch->rdv, ch->full[0], e);
			if (rc < 0)
				return rc;
			ch->await_writer = 0;
		}
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

static int pshm_pipe_release(struct ipc_channel *ch, enum ipc_role role,
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
		/* The writer may have queued end of stream and left while we
		 * still give back earlier blocks; a writer that died early
		 * shows up anyway as end of file on our next acquire. */
		if (rc < 0 && rc != -EPIPE)
			return ipc_errf(e, -rc, "write(empty pipe)");
	}
	return 0;
}

static void pshm_pipe_info(struct ipc_channel *ch, struct ipc_info *out)
{
	ipc_region_info(&ch->region, ch->nblocks, out);
}

static void pshm_pipe_detach(struct ipc_channel *ch, enum ipc_role role)
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

const struct ipc_transport ipc_pshm_pipe = {
	.abi = IPC_ABI_VERSION,
	.name = "pshm-pipe",
	.summary = "POSIX shm in N numbered blocks, two pipes carry block numbers",
	.sync = "writer reads a free block number from the empty pipe, writes {number, length} to the full pipe; reader the reverse",
	.caps = IPC_CAP_REGION | IPC_CAP_NAMED | IPC_CAP_ZEROCOPY,
	.max_block = pshm_pipe_max_block,
	.validate = pshm_pipe_validate,
	.create = pshm_pipe_create,
	.open = pshm_pipe_open,
	.parent_close = pshm_pipe_parent_close,
	.attach = pshm_pipe_attach,
	.acquire = pshm_pipe_acquire,
	.release = pshm_pipe_release,
	.info = pshm_pipe_info,
	.detach = pshm_pipe_detach,
	.destroy = pshm_pipe_destroy,
};
