/*
 * block_ring.h - a region split into N numbered blocks, with two pipes
 * carrying only the block numbers: the protocol of pshm-pipe and memfd,
 * which differ in nothing but the region (POSIX shm, found by name; a
 * sealed memfd, handed over as a descriptor) and so in how the reader of
 * two-program mode gets it.
 *
 * What is shared: the region (a one-page header {magic, version, BUF_SIZE,
 * N}, then N blocks of BUF_SIZE) and two pipes:
 *   "empty" (reader -> writer): numbers of free blocks, 4 bytes each;
 *   "full"  (writer -> reader): {block number, length}, 16 bytes each.
 * Who waits on what: the writer reads a free block number from "empty" (and
 * blocks there when all N are full), fills the block, writes its number and
 * length to "full"; the reader reads "full" (and blocks there when nothing
 * is ready), consumes the block and writes its number back to "empty".  No
 * semaphores: the pipes do the blocking, up to N blocks are in flight, and
 * the data itself never goes through the kernel.  Length 0 is end of
 * stream.  Each side closes the pipe ends it does not use, so a dead peer
 * shows as end of file (or EPIPE) instead of a hang.
 *
 * The two transports share one struct ipc_channel, defined here, and the
 * slots below (IPC_RING_SLOTS); each keeps its own validate, create and
 * open, which make the region and, in two-program mode, bring the reader
 * its region and pipe ends (with meet_reader, the writer's half of that).
 */
#ifndef IPCLAB_BLOCK_RING_H
#define IPCLAB_BLOCK_RING_H

#include <stddef.h>
#include <stdint.h>

#include "rendezvous.h"
#include "transport.h"

#define IPC_RING_HEADER_BYTES 4096
#define IPC_RING_DEFAULT_BLOCKS 8u
#define IPC_RING_MAX_BLOCKS 4096u /* all numbers fit in a default 64 KiB pipe */

struct ipc_channel {
	struct region region; /* the header page, then the blocks */
	char *blocks;
	size_t buf_size;
	unsigned nblocks;
	int empty[2]; /* [0] read end (writer), [1] write end (reader) */
	int full[2];  /* [0] read end (reader), [1] write end (writer) */
	int eos_sent; /* writer: end of stream published */
	struct ipc_rdv rdv; /* two-program mode */
	int await_writer; /* named reader of FIFOs: "full" may have no writer
			   * yet (pshm-pipe) */
	int lfd;      /* named writer handing the pipes over a socket:
		       * listening until the reader came (memfd) */
	/* Named writer (set by create): what attach does first, to meet the
	 * reader and see it hold its region and pipe ends. */
	int (*meet_reader)(struct ipc_channel *ch, struct ipc_err *e);
};

/* A channel with nothing open yet (fds -1, region and rendezvous empty),
 * for buf_size x nblocks; 0, -EINVAL (too many blocks) or -ENOMEM. */
int ipc_ring_alloc(size_t buf_size, unsigned nblocks,
		   struct ipc_channel **out, struct ipc_err *e);

/* N: --blocks, or the default. */
unsigned ipc_ring_blocks(const struct ipc_params *p);

/* Bytes of the region: the header page and the blocks. */
size_t ipc_ring_region_bytes(size_t buf_size, unsigned nblocks);

/* The validate slot's work for a region of this kind: --blocks at most
 * IPC_RING_MAX_BLOCKS, and the huge pages asked for. */
int ipc_ring_validate(const struct ipc_params *p, enum region_kind kind,
		      char *why, size_t whylen);

/* Writer, the region mapped: write the header (magic names the transport). */
void ipc_ring_format(struct ipc_channel *ch, uint32_t magic);

/* Reader, the region mapped and ch->buf_size / nblocks set from the writer:
 * the header says the same, and the region holds every block; else
 * -EBADMSG, "WHAT is not a TRANSPORT channel of N blocks of B bytes". */
int ipc_ring_check(struct ipc_channel *ch, uint32_t magic, const char *what,
		   const char *transport, struct ipc_err *e);

/* Fork mode: both pipes, every block number in "empty". */
int ipc_ring_make_pipes(struct ipc_channel *ch, struct ipc_err *e);

/* Every block number into "empty" (ch->empty[1]; what names it). */
int ipc_ring_fill_empty(struct ipc_channel *ch, const char *what,
			struct ipc_err *e);

/* The slots the two share (transport.h has their contracts).  attach:
 * meet_reader if set, then close the ends the role does not use and
 * prepare the region. */
int ipc_ring_attach(struct ipc_channel *ch, enum ipc_role role,
		    struct ipc_err *e);
int ipc_ring_max_block(const struct ipc_params *p, size_t *max, char *why,
		       size_t whylen);
void ipc_ring_parent_close(struct ipc_channel *ch);
int ipc_ring_acquire(struct ipc_channel *ch, enum ipc_role role,
		     struct ipc_block *b, struct ipc_err *e);
int ipc_ring_release(struct ipc_channel *ch, enum ipc_role role,
		     struct ipc_block *b, struct ipc_err *e);
void ipc_ring_info(struct ipc_channel *ch, struct ipc_info *out);
void ipc_ring_detach(struct ipc_channel *ch, enum ipc_role role);
void ipc_ring_destroy(struct ipc_channel *ch);

#define IPC_RING_SLOTS                                                       \
	.sync = "writer reads a free block number from the empty pipe, "     \
		"writes {number, length} to the full pipe; reader the "      \
		"reverse",                                                   \
	.max_block = ipc_ring_max_block, .parent_close = ipc_ring_parent_close, \
	.attach = ipc_ring_attach, .acquire = ipc_ring_acquire,              \
	.release = ipc_ring_release,                                         \
	.info = ipc_ring_info, .detach = ipc_ring_detach,                    \
	.destroy = ipc_ring_destroy

#endif
