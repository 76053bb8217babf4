/*
 * transport.h - the one interface every ipclab transport implements.
 *
 * Every transport moves a stream of blocks from a writer process to a reader
 * process with the same four steps:
 *
 *   writer: acquire an empty block, fill it, release it (publish b->len bytes)
 *   reader: acquire the next full block, consume it, release it (give it back)
 *
 * A release by the writer with b->len == 0 is end-of-stream; the reader's
 * acquire then returns a block with len == 0.  Shared-memory transports hand
 * out real shared blocks (IPC_CAP_ZEROCOPY); pipes, sockets and queues hand out
 * a private buffer and do the system call in release (writer) or acquire
 * (reader).  The latter also provide send/recv, which copy straight from the
 * caller's buffer, so that copy mode costs exactly the copies the mechanism
 * needs (the system call *is* the copy).
 *
 * Lifetime, in fork mode:
 *
 *   parent: create ------------------------------------------------- destroy
 *   writer:         fork, attach(W), acquire/release..., detach(W)
 *   reader:         fork, attach(R), acquire/release..., detach(R)
 *
 * In two-program mode (IPC_CAP_NAMED) the writer calls create with p->name,
 * then attach(IPC_WRITER), which waits up to p->timeout_ms for a reader; the
 * reader calls open(p, IPC_READER) and learns BUF_SIZE from the writer's
 * record (ipc/rendezvous.h).
 *
 * Error convention: every slot that can fail returns 0 or a negative errno
 * and fills *e with "call(object): ENAME (text)"; nothing in ipc/ prints or
 * exits.  The caller adds "ipclab: <transport>: " in front.
 */
#ifndef IPCLAB_TRANSPORT_H
#define IPCLAB_TRANSPORT_H

#include <stddef.h>
#include <stdio.h>

#include "region.h"
#include "util.h"

/* Bumped whenever struct ipc_transport changes shape (plugins check it). */
#define IPC_ABI_VERSION 1

enum ipc_role { IPC_WRITER = 0, IPC_READER = 1 };

enum ipc_cap {
	IPC_CAP_REGION = 1u << 0,   /* has a shared region: populate, huge pages */
	IPC_CAP_NAMED = 1u << 1,    /* unrelated processes can attach by name */
	IPC_CAP_ZEROCOPY = 1u << 2, /* acquire hands out real shared blocks */
	IPC_CAP_MESSAGES = 1u << 3, /* the kernel keeps message boundaries */
	IPC_CAP_ANONYMOUS = 1u << 4, /* an anonymous pipe: no name exists, only a
				      * forked child inherits it (never named;
				      * fifo is the pipe with a name) */
};

/* What the driver asks of a channel.  Zero means "the transport's default". */
struct ipc_params {
	size_t buf_size;      /* BUF_SIZE: the largest block, in bytes (>= 1) */
	unsigned nblocks;     /* blocks in a ring (pshm-pipe); 0 = default */
	size_t kbuf_size;     /* kernel buffer: pipe capacity, socket buffer */
	struct region_opts region; /* populate, huge pages (IPC_CAP_REGION) */
	const char *name;     /* two-program mode: object name; NULL = fork */
	int timeout_ms;       /* named mode: how long open/first wait may wait;
			       * 0 = 30 s */
	int nagle;            /* tcp-loopback: 1 = keep Nagle's algorithm (no
			       * TCP_NODELAY); 0 = TCP_NODELAY, the default */
	unsigned long spin;   /* busy-wait iterations before sleeping (spinning
			       * transports); 0 = the transport's default */
	unsigned channels;    /* channels of these params alive at once (ping-pong:
			       * 2), for pre-checks of shared pools; 0 = 1 */
};

/* What the channel actually obtained; filled by the info slot. */
struct ipc_info {
	size_t kbuf_size;          /* pipe capacity / socket buffer obtained */
	unsigned nblocks;          /* blocks in the ring actually used */
	struct region_info region; /* backing of the shared region, if any */
};

struct ipc_block {
	void *data; /* writer: space to fill; reader: the bytes received */
	size_t len; /* writer sets it before release; reader reads it */
	size_t cap; /* bytes available at data (== buf_size) */
	unsigned id; /* the transport's own block number */
};

/* Each transport defines its own struct ipc_channel in its .c file. */
struct ipc_channel;

struct ipc_transport {
	unsigned abi;        /* IPC_ABI_VERSION */
	const char *name;    /* as typed after -t, e.g. "pshm-sem" */
	const char *summary; /* one line for `ipclab list` */
	const char *sync;    /* who waits on what, one line */
	unsigned caps;       /* enum ipc_cap bits */
	const char *unavailable; /* non-NULL: not usable in this build, why */

	/*
	 * Largest block this transport can carry on this machine, read at run
	 * time (sysctls, rlimits).  Fills *max (SIZE_MAX when unbounded) and, when
	 * bounded by a limit, a sentence in why naming the limit and the fix.
	 * Any process; never blocks; creates nothing.
	 */
	int (*max_block)(const struct ipc_params *p, size_t *max, char *why,
			 size_t whylen);

	/*
	 * Optional.  Check the parameters against this machine's limits before
	 * anything is created (pipe capacity above fs.pipe-max-size, a queue
	 * depth above msg_max, ...).  0, or -EINVAL and a sentence in why naming
	 * the option, the value, the limit and the fix.  Creates nothing.
	 */
	int (*validate)(const struct ipc_params *p, char *why, size_t whylen);

	/*
	 * Make the kernel objects (unique names ipclab-<pid>-<n>-<random>, 0600,
	 * O_EXCL) and a channel for them.  Called once, before fork (or by the
	 * first program in named mode).  On failure everything made so far is
	 * removed and *out is left NULL.  May not block.
	 */
	int (*create)(const struct ipc_params *p, struct ipc_channel **out,
		      struct ipc_err *e);

	/*
	 * Named mode only (NULL unless IPC_CAP_NAMED), reader only: attach to
	 * objects created by another program under p->name, checking their
	 * header and owner; p->buf_size is ignored (the writer's record says).
	 * May wait up to p->timeout_ms for the creator.  Attach is implied.
	 */
	int (*open)(const struct ipc_params *p, enum ipc_role role,
		    struct ipc_channel **out, struct ipc_err *e);

	/*
	 * Optional.  In the creating process, once both children are forked:
	 * close the creator's copies of descriptors the children use, so that
	 * end of file reaches the reader.  Objects that must outlive the children
	 * stay for destroy.
	 */
	void (*parent_close)(struct ipc_channel *ch);

	/*
	 * In the child, after fork: take the role's side (close the other end of
	 * pipes, map the region, pre-fault it if asked).  Called once per role in
	 * its own process.  May not block on the peer (fork mode; the named
	 * writer waits for its reader).
	 */
	int (*attach)(struct ipc_channel *ch, enum ipc_role role,
		      struct ipc_err *e);

	/*
	 * Writer: wait for an empty block (b->data, b->cap set).  Reader: wait
	 * for the next full block (b->len set; 0 = end of stream).  May block.
	 * Returns a whole block, never a partial one.
	 */
	int (*acquire)(struct ipc_channel *ch, enum ipc_role role,
		       struct ipc_block *b, struct ipc_err *e);

	/*
	 * Writer: publish b->len bytes of the block (0 = end of stream).
	 * Reader: give the block back.  May block (a full pipe).
	 */
	int (*release)(struct ipc_channel *ch, enum ipc_role role,
		       struct ipc_block *b, struct ipc_err *e);

	/*
	 * Optional (NULL for shared-memory transports).  Writer: send len bytes
	 * straight from buf, looping over short writes; len == 0 is end of
	 * stream.  Reader: receive up to cap bytes into buf, at least one unless
	 * the stream ended (*len = 0).  Used by copy mode instead of
	 * acquire/memcpy/release.
	 */
	int (*send)(struct ipc_channel *ch, const void *buf, size_t len,
		    struct ipc_err *e);
	int (*recv)(struct ipc_channel *ch, void *buf, size_t cap, size_t *len,
		    struct ipc_err *e);

	/*
	 * What the channel obtained (kernel buffer, region backing).  Called in
	 * the writer after attach and after the region was touched.
	 */
	void (*info)(struct ipc_channel *ch, struct ipc_info *out);

	/*
	 * Leave the role's side: unmap, close.  The writer of a transport whose
	 * reader acknowledges blocks waits here until the reader has taken the
	 * end of stream.  Called once per role, in its own process, also after a
	 * failed acquire/release.
	 */
	void (*detach)(struct ipc_channel *ch, enum ipc_role role);

	/*
	 * Remove every kernel object and free the channel.  Safe after a partial
	 * create, after a crash of either child, and when ch is NULL.  Called by
	 * the process that called create (or open).
	 */
	void (*destroy)(struct ipc_channel *ch);
};

/* The registry (registry.c). */
const struct ipc_transport *ipc_transport_find(const char *name);
const struct ipc_transport *const *ipc_transports(void);
void ipc_transport_list(FILE *out, int verbose);

/*
 * For the validate slot of a transport with a shared region: can the huge
 * pages asked for in p->region be had for p->channels regions of
 * region_bytes each?  0, or -EINVAL with the numbers and the fix in why.
 */
int ipc_region_validate(const struct ipc_params *p, enum region_kind kind,
			size_t region_bytes, char *why, size_t whylen);

/* For the max_block slot of a byte stream (pipes, stream sockets): any
 * write size works, so the bound is SIZE_MAX / 2. */
int ipc_stream_max_block(const struct ipc_params *p, size_t *max, char *why,
			 size_t whylen);

/* For the info slot of a shared-memory transport: nblocks, and the backing
 * of its region read back now (THP appear only once touched). */
void ipc_region_info(struct region *r, unsigned nblocks, struct ipc_info *out);

/* For create: p checked again by the transport's validate slot, whose
 * reason becomes the error.  0, or validate's -errno with e filled. */
int ipc_create_validate(int (*validate)(const struct ipc_params *p, char *why,
					size_t whylen),
			const struct ipc_params *p, struct ipc_err *e);

/* For the open slot (two-program mode): only the reader opens, the writer
 * creates the object (named in the error); then a zeroed channel of size
 * bytes.  NULL with *rc (-EINVAL or -ENOMEM) and e filled on failure. */
void *ipc_open_alloc(enum ipc_role role, const char *object, size_t size,
		     int *rc, struct ipc_err *e);

/* Largest block on this machine, via the slot; SIZE_MAX when unbounded. */
size_t ipc_transport_max_block(const struct ipc_transport *t,
			       const struct ipc_params *p, char *why,
			       size_t whylen);

#endif
