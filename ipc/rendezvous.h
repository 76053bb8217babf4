/*
 * rendezvous.h - where the two programs of two-program mode (`ipclab xfr`,
 * IPC_CAP_NAMED) meet: unrelated, they meet under a NAME the user picks.  Everything of one NAME hangs off one
 * private directory, /tmp/ipclab-NAME (mode 0700, owned by the user):
 *
 *   writer.lock  held (fcntl write lock) by the writer while it lives
 *   reader.lock  held by the reader while it lives
 *   info         the writer's record: magic, version, transport, writer
 *                pid, BUF_SIZE, queue depth, and the kernel objects it
 *                made (names with their inode, System V ids with their
 *                key), replaced atomically (write info.tmp, rename)
 *   fifo, sock, empty, full   the FIFOs and sockets of those transports
 *
 * POSIX shm and queues are /ipclab-NAME; System V objects get ordinary
 * ipclab keys (mark + creator pid, ipc_sysv_key) and are found through
 * the ids in the record, not through a key derived from NAME.
 *
 * Protocol.  The writer creates, the reader attaches: the reader has no
 * BUF_SIZE of its own, and most objects are shaped by it (a shm region's
 * size, a queue's message size).  Either may start first:
 *
 *   writer: mkdir, take writer.lock (taken: another writer is running,
 *           -EBUSY), remove what the record of a dead earlier writer
 *           lists, make the objects (O_EXCL / IPC_EXCL), publish the
 *           record with ready = 1, wait for reader.lock to be held
 *   reader: poll until a record is ready AND its writer pid holds
 *           writer.lock (a record whose writer is gone is stale: wait
 *           for the next writer, which replaces it), take reader.lock,
 *           open the objects, check header, owner, inode/key
 *
 * The kernel drops a fcntl lock when its process dies, however it dies, so
 * "the peer holds its lock" is the liveness test: no pid reuse question,
 * no heartbeat.  The same test ends every wait that could otherwise hang
 * on a dead peer (the transports wait in slices of IPC_RDV_CHECK_MS).
 *
 * End.  After end of stream the writer waits until it can take
 * reader.lock (the reader has finished, or died), then removes every
 * object in its record, the files and the directory.  Names that are no
 * longer needed once both sides have them open are removed even earlier,
 * by the side that attaches second.  A reader whose writer died removes
 * the orphaned objects itself, under the writer's lock.  What is left
 * after both sides are killed is replaced by the next writer of NAME.
 *
 * For the driver (bench/) the first section below is the whole interface:
 * the rule for a NAME, the record and what it lists (`ipclab clean` reads
 * leftovers through it), and the signal handler's cleanup.  The second is
 * for the named transports in ipc/.
 */
#ifndef IPCLAB_RENDEZVOUS_H
#define IPCLAB_RENDEZVOUS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "transport.h"

/* ---- 1. for the driver: names, the record, cleanup --------------------- */

#define IPC_RDV_NAME_MAX 64     /* characters of NAME */
#define IPC_RDV_CHECK_MS 200    /* a wait on the peer re-checks it this often */
#define IPC_RDV_DEFAULT_TIMEOUT_MS 30000
#define IPC_RDV_OBJS 4

/* NAME: 1 to 64 of [A-Za-z0-9._-], not starting with '.' or '-'.  0 or
 * -EINVAL with the rule in why. */
int ipc_rdv_check_name(const char *name, char *why, size_t whylen);

enum ipc_rdv_kind {
	IPC_RDV_NONE = 0,
	IPC_RDV_SHM,      /* POSIX shm object, name "/ipclab-NAME" */
	IPC_RDV_MQ,       /* POSIX message queue, name "/ipclab-NAME" */
	IPC_RDV_PATH,     /* FIFO, socket or hugetlbfs file, full path */
	IPC_RDV_SYSV_SHM, /* id and key */
	IPC_RDV_SYSV_SEM,
	IPC_RDV_SYSV_MSG,
};

/* One kernel object of a channel, as the writer made it. */
struct ipc_rdv_obj {
	uint32_t kind;     /* enum ipc_rdv_kind */
	int32_t id;        /* System V id */
	int64_t key;       /* System V key */
	uint64_t dev, ino; /* named objects: the one made, not just its name */
	char name[160];
};

/* The record in /tmp/ipclab-NAME/info. */
struct ipc_rdv_info {
	uint32_t magic;
	uint32_t version;
	char transport[32];
	int64_t writer_pid;
	uint32_t ready;    /* 1: every object made; the reader may attach */
	uint32_t eos;      /* 1: the writer ended the stream: a stream reader
			    * at end of file knows it was no crash, and a
			    * new reader waits for the next writer */
	uint64_t buf_size;
	uint64_t kbuf_size;
	uint32_t nblocks;
	uint32_t nobj;
	struct ipc_rdv_obj obj[IPC_RDV_OBJS];
};

/* Read and check a rendezvous record (path relative to dirfd, owned by uid):
 * 0, -EBADMSG (not a record), -EPROTO (another version) or -errno. */
int ipc_rdv_read_info_at(int dirfd, const char *path, uid_t uid,
			 struct ipc_rdv_info *out);

/* Remove one recorded object if it is still the one recorded (same inode,
 * same key).  0, or -errno of the removal. */
int ipc_rdv_remove_obj(const struct ipc_rdv_obj *o);

/*
 * For a SIGINT/SIGTERM handler of a two-program command: remove the objects
 * of every rendezvous this process is the writer of, with async-signal-safe
 * calls only.  The handler then re-raises the signal.
 */
void ipc_rdv_signal_cleanup(void);

/* ---- 2. for the named transports ---------------------------------------- */

/* One side of a rendezvous; lives in the channel of a named transport. */
struct ipc_rdv {
	int active;          /* 0: fork mode, nothing here is used */
	enum ipc_role role;
	char name[IPC_RDV_NAME_MAX + 1];
	char dir[96];        /* /tmp/ipclab-NAME */
	char lock_path[2][112]; /* [IPC_WRITER] writer.lock, [IPC_READER] */
	int lock_fd;         /* this side's lock file, locked; -1 */
	int peer_fd;         /* the peer's lock file; -1 until seen */
	pid_t peer_pid;      /* the peer that held it when last looked at */
	struct timespec deadline; /* CLOCK_MONOTONIC: end of the first wait */
	int timeout_ms;
	unsigned step_us;    /* current polling step */
	struct ipc_rdv_info info;
};

/* "/ipclab-NAME": the name of POSIX shm objects and queues. */
void ipc_rdv_posix_name(const struct ipc_rdv *r, char *buf, size_t len);
/* "/tmp/ipclab-NAME/leaf". */
void ipc_rdv_path(const struct ipc_rdv *r, const char *leaf, char *buf,
		  size_t len);

/* An inactive rendezvous (fork mode); safe to pass to ipc_rdv_close. */
void ipc_rdv_init(struct ipc_rdv *r);

/*
 * Writer, from create: the directory, writer.lock, the removal of a dead
 * writer's leftovers, and a record (not ready yet) for p's sizes.  -EBUSY
 * when another writer holds NAME.  Never blocks.
 */
int ipc_rdv_create(struct ipc_rdv *r, const struct ipc_params *p,
		   const char *transport, struct ipc_err *e);

/* Writer: record one object just made (publishes the record at once, so a
 * crash right after still leaves it findable). */
int ipc_rdv_add_fd(struct ipc_rdv *r, enum ipc_rdv_kind kind,
		   const char *name, int fd, struct ipc_err *e);
int ipc_rdv_add_path(struct ipc_rdv *r, const char *path, struct ipc_err *e);
int ipc_rdv_add_sysv(struct ipc_rdv *r, enum ipc_rdv_kind kind, int id,
		     key_t key, struct ipc_err *e);

/* Writer: every object is made; publish the record with ready = 1. */
int ipc_rdv_ready(struct ipc_rdv *r, struct ipc_err *e);

/* Writer, from attach: wait (up to the timeout, counted from create) until
 * a reader holds reader.lock. */
int ipc_rdv_wait_reader(struct ipc_rdv *r, struct ipc_err *e);

/* Writer of a stream transport: note end of stream in the record before
 * closing the stream, so the reader can tell it from a crash. */
int ipc_rdv_mark_eos(struct ipc_rdv *r, struct ipc_err *e);

/* Writer, from detach after end of stream: note the end in the record (a
 * reader arriving now waits for the next writer), then wait until the
 * reader is done (its lock is free), so that removing the objects cannot
 * cut it short. */
void ipc_rdv_wait_done(struct ipc_rdv *r);

/*
 * Reader, from open: wait (up to p->timeout_ms) for a ready record of a
 * living writer using this transport, then take reader.lock.  r->info is
 * the record.  Errors: -ETIMEDOUT (why in e), -EBUSY (another reader),
 * -EPROTOTYPE (NAME is another transport's), -EBADMSG (not a record),
 * -EPERM (not the caller's directory).
 */
int ipc_rdv_open(struct ipc_rdv *r, const struct ipc_params *p,
		 const char *transport, struct ipc_err *e);

/* Reader, after ipc_rdv_open: the record lists exactly one object, of this
 * kind, and a BUF_SIZE; else -EBADMSG, "DIR: the record lists no WHAT". */
int ipc_rdv_expect_one(struct ipc_rdv *r, enum ipc_rdv_kind kind,
		       const char *what, struct ipc_err *e);

/* Reader of a stream transport, at end of file: 1 when the writer ended the
 * stream, 0 when it went away without (killed: the data is cut short). */
int ipc_rdv_eos_marked(struct ipc_rdv *r);

/* The same as an error for the reader: 0 in fork mode or when the writer
 * ended the stream, else -EPIPE with "CALL: end of file, but the writer
 * (pid N) did not end the stream: ..." (call is e.g. "read(fifo)"). */
int ipc_rdv_check_eof(struct ipc_rdv *r, const char *call, struct ipc_err *e);

/* 1 while the peer holds its lock. */
int ipc_rdv_peer_alive(struct ipc_rdv *r);

/* For a wait that timed out after IPC_RDV_CHECK_MS: 0 while the peer
 * lives; -EPIPE and "the writer (pid N) is gone" when it does not. */
int ipc_rdv_check_peer(struct ipc_rdv *r, struct ipc_err *e);

/* One step of a polling wait for the peer to do something (open a FIFO,
 * connect): sleeps a little, then -ETIMEDOUT past the deadline or -EPIPE
 * when the peer is gone, with `waiting for` what in the message. */
int ipc_rdv_poll(struct ipc_rdv *r, const char *what, struct ipc_err *e);

/* An absolute time IPC_RDV_CHECK_MS from now on clock clk. */
void ipc_rdv_slice(clockid_t clk, struct timespec *ts);

/* Reader of a FIFO opened O_NONBLOCK before its writer: wait until the
 * writer has opened it (data or end of file is there), checking the writer
 * is alive, then make the descriptor blocking. */
int ipc_rdv_await_fifo_writer(struct ipc_rdv *r, int fd, struct ipc_err *e);

/* Writer: after a create of object failed with rc, explain EEXIST (a name
 * no record of ours lists: not ours to remove).  Returns rc. */
int ipc_rdv_explain_exists(struct ipc_err *e, int rc, const char *object);

/* The kind to record for a region's name: IPC_RDV_SHM for "/ipclab-NAME",
 * IPC_RDV_PATH for a file on hugetlbfs. */
enum ipc_rdv_kind ipc_rdv_region_kind(const char *name);

/*
 * Writer of a POSIX-shm transport (pshm-sem, pshm-pipe), from create: the
 * region of size bytes.  Named (p->name): first the rendezvous, then the
 * object /ipclab-NAME, recorded with its inode, so that from then on the
 * record, not the region, removes it (an EEXIST is explained).  Fork mode: a
 * unique name, which the region helper removes at once.
 */
int ipc_rdv_region_create(struct ipc_rdv *r, struct region *reg,
			  const struct ipc_params *p, const char *transport,
			  size_t size, struct ipc_err *e);

/*
 * Reader of a POSIX-shm transport, from open: map /ipclab-NAME (its name
 * into shm, for messages) with this side's memory options o, and check it is
 * the record's first object (same inode): -ESTALE when it was replaced.
 * From then on the region never unlinks it by name.
 */
int ipc_rdv_region_open(struct ipc_rdv *r, struct region *reg,
			const struct region_opts *o, char *shm, size_t shmlen,
			struct ipc_err *e);

/*
 * Leave the rendezvous (from destroy).  Writer: remove every recorded
 * object, the files and the directory.  Reader: release reader.lock; if the
 * writer is gone, take its lock and remove its objects in its place.  Safe
 * on an inactive or half-made rendezvous, and twice.
 */
void ipc_rdv_close(struct ipc_rdv *r);

#endif
