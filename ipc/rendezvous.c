/*
 * rendezvous.c - where the two programs of two-program mode meet (the
 * protocol is described in rendezvous.h): the private directory, the two
 * locks, the record of the objects, and their removal.
 */
#include "rendezvous.h"
#include "pipe_io.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#define RDV_MAGIC 0x69706e6du /* "ipnm" */
#define RDV_VERSION 1u
#define RDV_INFO "info"
#define RDV_INFO_TMP "info.tmp"
#define MAX_STEP_US 20000u
#define LIVE_MAX 4

/* FIFOs and sockets the transports put in the directory. */
static const char *const leaves[] = {"fifo", "sock", "empty", "full"};

/* The rendezvous this process is part of, for the signal handler. */
static struct ipc_rdv *live[LIVE_MAX];

/* The union semctl wants (SUSv3: the caller defines it). */
union rdv_semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

/* A message without the errno suffix: the sentence says it all. */
static int fail(struct ipc_err *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct ipc_err *e, int err, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return -err;
}

static const char *peer_word(const struct ipc_rdv *r)
{
	return r->role == IPC_WRITER ? "reader" : "writer";
}

int ipc_rdv_check_name(const char *name, char *why, size_t whylen)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	size_t n = strlen(name);
	if (n == 0 || n > IPC_RDV_NAME_MAX || name[0] == '.' || name[0] == '-' ||
	    strspn(name, ok) != n) {
		char shown[4 * IPC_RDV_NAME_MAX + 8];
		ipc_escape(name, shown, sizeof(shown)); /* one line, always */
		snprintf(why, whylen,
			 "--name '%s%s': use 1 to %d letters, digits, '.', '_' "
			 "or '-', not starting with '.' or '-'", shown,
			 n > IPC_RDV_NAME_MAX ? "..." : "", IPC_RDV_NAME_MAX);
		return -EINVAL;
	}
	return 0;
}

void ipc_rdv_posix_name(const struct ipc_rdv *r, char *buf, size_t len)
{
	snprintf(buf, len, "/" IPC_NAME_PREFIX "%s", r->name);
}

void ipc_rdv_path(const struct ipc_rdv *r, const char *leaf, char *buf,
		  size_t len)
{
	snprintf(buf, len, "%s/%s", r->dir, leaf);
}

void ipc_rdv_init(struct ipc_rdv *r)
{
	memset(r, 0, sizeof(*r));
	r->lock_fd = r->peer_fd = -1;
}

static void timespec_add_ms(struct timespec *ts, long ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

void ipc_rdv_slice(clockid_t clk, struct timespec *ts)
{
	(void)clock_gettime(clk, ts);
	timespec_add_ms(ts, IPC_RDV_CHECK_MS);
}

static void restart_deadline(struct ipc_rdv *r)
{
	(void)clock_gettime(CLOCK_MONOTONIC, &r->deadline);
	timespec_add_ms(&r->deadline, r->timeout_ms);
	r->step_us = 1000;
}

static int past_deadline(const struct ipc_rdv *r)
{
	struct timespec now;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > r->deadline.tv_sec ||
	       (now.tv_sec == r->deadline.tv_sec &&
		now.tv_nsec >= r->deadline.tv_nsec);
}

/* Poll gently: 1 ms at first (the peer is usually a moment behind), then up
 * to 20 ms. */
static void nap(struct ipc_rdv *r)
{
	struct timespec ts = {0, (long)r->step_us * 1000L};
	(void)nanosleep(&ts, NULL);
	if (r->step_us < MAX_STEP_US)
		r->step_us *= 2;
	if (r->step_us > MAX_STEP_US)
		r->step_us = MAX_STEP_US;
}

static double timeout_s(const struct ipc_rdv *r)
{
	return r->timeout_ms / 1000.0;
}

static int rdv_setup(struct ipc_rdv *r, const struct ipc_params *p,
		     enum ipc_role role, const char *transport,
		     struct ipc_err *e)
{
	char why[200];
	ipc_rdv_init(r);
	if (!p->name)
		return fail(e, EINVAL, "two-program mode needs a name");
	if (ipc_rdv_check_name(p->name, why, sizeof(why)) < 0)
		return fail(e, EINVAL, "%s", why);
	snprintf(r->name, sizeof(r->name), "%s", p->name);
	snprintf(r->dir, sizeof(r->dir), "/tmp/" IPC_NAME_PREFIX "%s", r->name);
	ipc_rdv_path(r, "writer.lock", r->lock_path[IPC_WRITER],
		     sizeof(r->lock_path[IPC_WRITER]));
	ipc_rdv_path(r, "reader.lock", r->lock_path[IPC_READER],
		     sizeof(r->lock_path[IPC_READER]));
	r->role = role;
	r->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms
					  : IPC_RDV_DEFAULT_TIMEOUT_MS;
	restart_deadline(r);
	r->info.magic = RDV_MAGIC;
	r->info.version = RDV_VERSION;
	snprintf(r->info.transport, sizeof(r->info.transport), "%s", transport);
	r->active = 1;
	return 0;
}

/* 0 when the directory is the caller's and private; -ENOENT when absent. */
static int check_dir(const struct ipc_rdv *r, struct ipc_err *e)
{
	struct stat st;
	if (lstat(r->dir, &st) < 0)
		return errno == ENOENT ? -ENOENT
				       : ipc_errf(e, errno, "lstat(%s)", r->dir);
	if (!S_ISDIR(st.st_mode))
		return fail(e, ENOTDIR,
			    "%s is not a directory, so not ipclab's: remove it "
			    "or use another --name", r->dir);
	if (st.st_uid != geteuid())
		return fail(e, EPERM,
			    "%s belongs to uid %ld, not to you (uid %ld): use "
			    "another --name", r->dir, (long)st.st_uid,
			    (long)geteuid());
	if (st.st_mode & 077)
		return fail(e, EPERM,
			    "%s is open to other users (mode %03o; ipclab makes "
			    "it 0700), so not ipclab's: remove it or use another "
			    "--name", r->dir, (unsigned)(st.st_mode & 0777));
	return 0;
}

/* A lock file of the caller's: a regular file, not a link. */
static int open_lock(const char *path, int create, int *out,
		     struct ipc_err *e)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW |
				    (create ? O_CREAT : 0), 0600);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT
				       : ipc_errf(e, errno, "open(%s)", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int rc = ipc_errf(e, errno, "fstat(%s)", path);
		(void)close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		(void)close(fd);
		return fail(e, EPERM, "%s is not a lock file of yours: remove "
			    "the directory or use another --name", path);
	}
	*out = fd;
	return 0;
}

/* The pid holding a write lock on the file, 0 when none (or unknown). */
static pid_t lock_holder(int fd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		return 0;
	return fl.l_pid > 0 ? fl.l_pid : 1;
}

static int try_lock(int fd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	return fcntl(fd, F_SETLK, &fl) < 0 ? -errno : 0;
}

/* Is fd still the file at path?  (A finishing writer may have removed it.) */
static int same_file(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && lstat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int ipc_rdv_read_info_at(int dirfd, const char *path, uid_t uid,
			 struct ipc_rdv_info *out)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_uid != uid ||
		 (size_t)st.st_size != sizeof(*out))
		rc = -EBADMSG;
	else if (ipc_read_full(fd, out, sizeof(*out)) != (ssize_t)sizeof(*out))
		rc = -EBADMSG;
	(void)close(fd);
	if (rc < 0)
		return rc;
	if (out->magic != RDV_MAGIC)
		return -EBADMSG;
	if (out->version != RDV_VERSION)
		return -EPROTO;
	out->transport[sizeof(out->transport) - 1] = '\0';
	if (out->nobj > IPC_RDV_OBJS)
		return -EBADMSG;
	for (unsigned i = 0; i < IPC_RDV_OBJS; i++)
		out->obj[i].name[sizeof(out->obj[i].name) - 1] = '\0';
	return 0;
}

static int read_info(const struct ipc_rdv *r, struct ipc_rdv_info *out)
{
	char path[160];
	ipc_rdv_path(r, RDV_INFO, path, sizeof(path));
	return ipc_rdv_read_info_at(AT_FDCWD, path, geteuid(), out);
}

/* Replace the record at once: readers see the old one or the new one. */
static int publish(struct ipc_rdv *r, struct ipc_err *e)
{
	char tmp[160], path[160];
	ipc_rdv_path(r, RDV_INFO_TMP, tmp, sizeof(tmp));
	ipc_rdv_path(r, RDV_INFO, path, sizeof(path));
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		      0600);
	if (fd < 0)
		return ipc_errf(e, errno, "open(%s)", tmp);
	int rc = ipc_write_full(fd, &r->info, sizeof(r->info));
	if (rc < 0) {
		(void)close(fd);
		return ipc_errf(e, -rc, "write(%s)", tmp);
	}
	if (close(fd) < 0)
		return ipc_errf(e, errno, "close(%s)", tmp);
	if (rename(tmp, path) < 0)
		return ipc_errf(e, errno, "rename(%s, %s)", tmp, path);
	return 0;
}

static int same_obj(const struct stat *st, const struct ipc_rdv_obj *o)
{
	return (uint64_t)st->st_dev == o->dev && (uint64_t)st->st_ino == o->ino;
}

int ipc_rdv_remove_obj(const struct ipc_rdv_obj *o)
{
	struct stat st;
	int fd;
	switch (o->kind) {
	case IPC_RDV_SHM:
		fd = shm_open(o->name, O_RDONLY | O_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0 || !same_obj(&st, o)) {
			(void)close(fd);
			return -ESTALE;
		}
		(void)close(fd);
		return shm_unlink(o->name) < 0 ? -errno : 0;
	case IPC_RDV_MQ: {
		mqd_t q = mq_open(o->name, O_RDONLY | O_CLOEXEC);
		if (q == (mqd_t)-1)
			return -errno;
		/* A queue descriptor is a file descriptor on Linux. */
		int same = fstat((int)q, &st) == 0 && same_obj(&st, o);
		(void)mq_close(q);
		if (!same)
			return -ESTALE;
		return mq_unlink(o->name) < 0 ? -errno : 0;
	}
	case IPC_RDV_PATH:
		if (lstat(o->name, &st) < 0)
			return -errno;
		if (!same_obj(&st, o))
			return -ESTALE;
		return unlink(o->name) < 0 ? -errno : 0;
	case IPC_RDV_SYSV_SHM: {
		struct shmid_ds ds;
		if (shmctl(o->id, IPC_STAT, &ds) < 0)
			return -errno;
		if (ds.shm_perm.__key != (key_t)o->key ||
		    ds.shm_perm.uid != geteuid())
			return -ESTALE; /* marked already, or another's */
		return shmctl(o->id, IPC_RMID, NULL) < 0 ? -errno : 0;
	}
	case IPC_RDV_SYSV_SEM: {
		struct semid_ds ds;
		union rdv_semun arg = {.buf = &ds};
		if (semctl(o->id, 0, IPC_STAT, arg) < 0)
			return -errno;
		if (ds.sem_perm.__key != (key_t)o->key ||
		    ds.sem_perm.uid != geteuid())
			return -ESTALE;
		return semctl(o->id, 0, IPC_RMID) < 0 ? -errno : 0;
	}
	case IPC_RDV_SYSV_MSG: {
		struct msqid_ds ds;
		if (msgctl(o->id, IPC_STAT, &ds) < 0)
			return -errno;
		if (ds.msg_perm.__key != (key_t)o->key ||
		    ds.msg_perm.uid != geteuid())
			return -ESTALE;
		return msgctl(o->id, IPC_RMID, NULL) < 0 ? -errno : 0;
	}
	default:
		return 0;
	}
}

int ipc_rdv_explain_exists(struct ipc_err *e, int rc, const char *object)
{
	if (rc != -EEXIST || !e)
		return rc;
	size_t n = strlen(e->msg);
	snprintf(e->msg + n, sizeof(e->msg) - n,
		 " - %s exists and no ipclab record lists it, so it is not "
		 "removed: remove it by hand or use another --name", object);
	return rc;
}

enum ipc_rdv_kind ipc_rdv_region_kind(const char *name)
{
	return name[0] == '/' && !strchr(name + 1, '/') ? IPC_RDV_SHM
							: IPC_RDV_PATH;
}

int ipc_rdv_region_create(struct ipc_rdv *r, struct region *reg,
			  const struct ipc_params *p, const char *transport,
			  size_t size, struct ipc_err *e)
{
	char shm[IPC_RDV_NAME_MAX + 16] = "";
	const char *name = NULL;
	int rc;
	if (p->name) {
		rc = ipc_rdv_create(r, p, transport, e);
		if (rc < 0)
			return rc;
		ipc_rdv_posix_name(r, shm, sizeof(shm));
		name = shm;
	}
	rc = region_create(reg, REGION_POSIX, size, &p->region, name, e);
	if (rc < 0 && name) { /* fork mode has no --name to suggest */
		char shown[IPC_RDV_NAME_MAX + 32];
		snprintf(shown, sizeof(shown), "/dev/shm%s", shm);
		return ipc_rdv_explain_exists(e, rc, shown);
	}
	if (rc < 0)
		return rc;
	if (name) {
		rc = ipc_rdv_add_fd(r, ipc_rdv_region_kind(reg->name), reg->name,
				    reg->fd, e);
		if (rc < 0)
			return rc;
		/* From now on the record removes it, checking the inode. */
		reg->name[0] = '\0';
	}
	return 0;
}

int ipc_rdv_region_open(struct ipc_rdv *r, struct region *reg,
			const struct region_opts *o, char *shm, size_t shmlen,
			struct ipc_err *e)
{
	const struct ipc_rdv_obj *obj = &r->info.obj[0];
	ipc_rdv_posix_name(r, shm, shmlen);
	int rc = region_open_opts(reg, REGION_POSIX, shm, o, e);
	if (rc < 0)
		return rc;
	reg->name[0] = '\0'; /* never unlinked by name from here */
	struct stat st;
	if (fstat(reg->fd, &st) < 0)
		return ipc_errf(e, errno, "fstat(%s)", shm);
	if (r->info.nobj < 1 || (uint64_t)st.st_ino != obj->ino ||
	    (uint64_t)st.st_dev != obj->dev)
		return ipc_errf(e, ESTALE, "%s is not the object the writer "
				"made (replaced?)", shm);
	return 0;
}

/* The FIFOs and sockets of the directory: inside a private directory of
 * the caller's, these names can only be ipclab's. */
static void remove_leaves(const struct ipc_rdv *r)
{
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		char path[160];
		struct stat st;
		ipc_rdv_path(r, leaves[i], path, sizeof(path));
		if (lstat(path, &st) == 0 &&
		    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
			(void)unlink(path);
	}
}

/* Everything of a run, under the writer's lock (held by the caller). */
static void remove_all(const struct ipc_rdv *r, const struct ipc_rdv_info *info)
{
	char path[160];
	unsigned n = info->nobj < IPC_RDV_OBJS ? info->nobj : IPC_RDV_OBJS;
	for (unsigned i = 0; i < n; i++)
		(void)ipc_rdv_remove_obj(&info->obj[i]);
	remove_leaves(r);
	ipc_rdv_path(r, RDV_INFO, path, sizeof(path));
	(void)unlink(path);
	ipc_rdv_path(r, RDV_INFO_TMP, path, sizeof(path));
	(void)unlink(path);
	(void)unlink(r->lock_path[IPC_READER]);
	(void)unlink(r->lock_path[IPC_WRITER]);
	/* Fails with ENOTEMPTY when a new writer has started meanwhile: then
	 * the directory is its own. */
	(void)rmdir(r->dir);
}

static void register_live(struct ipc_rdv *r)
{
	for (int i = 0; i < LIVE_MAX; i++)
		if (!__atomic_load_n(&live[i], __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&live[i], r, __ATOMIC_RELEASE);
			return;
		}
}

static void unregister_live(struct ipc_rdv *r)
{
	for (int i = 0; i < LIVE_MAX; i++)
		if (__atomic_load_n(&live[i], __ATOMIC_ACQUIRE) == r)
			__atomic_store_n(&live[i], NULL, __ATOMIC_RELEASE);
}

int ipc_rdv_create(struct ipc_rdv *r, const struct ipc_params *p,
		   const char *transport, struct ipc_err *e)
{
	int rc = rdv_setup(r, p, IPC_WRITER, transport, e);
	if (rc < 0)
		return rc;
	const char *lock = r->lock_path[IPC_WRITER];
	int fd = -1;
	/* A writer that is just finishing removes the directory: if what we
	 * locked is no longer there, start again with the new one. */
	for (unsigned attempt = 0;; attempt++) {
		if (mkdir(r->dir, 0700) < 0 && errno != EEXIST)
			return ipc_errf(e, errno, "mkdir(%s)", r->dir);
		rc = check_dir(r, e);
		if (rc == 0)
			rc = open_lock(lock, 1, &fd, e);
		if (rc == -ENOENT && attempt < 100)
			continue;
		if (rc < 0)
			return rc;
		if (try_lock(fd) < 0) {
			int err = errno;
			pid_t pid = lock_holder(fd);
			(void)close(fd);
			if (err == EAGAIN || err == EACCES)
				return fail(e, EBUSY,
					    "the name '%s' is in use: writer "
					    "pid %ld is running (one writer per "
					    "name: wait for it, or use another "
					    "--name)", r->name, (long)pid);
			return ipc_errf(e, err, "fcntl(%s, F_SETLK)", lock);
		}
		if (same_file(fd, lock))
			break;
		(void)close(fd);
		if (attempt >= 100)
			return fail(e, EAGAIN, "%s keeps being replaced", lock);
	}
	r->lock_fd = fd;

	/* We hold the lock, so no writer of this name lives: whatever a record
	 * lists is a dead run's, and goes. */
	struct ipc_rdv_info old;
	if (read_info(r, &old) == 0) {
		unsigned n = old.nobj < IPC_RDV_OBJS ? old.nobj : IPC_RDV_OBJS;
		for (unsigned i = 0; i < n; i++)
			(void)ipc_rdv_remove_obj(&old.obj[i]);
	}
	char path[160];
	ipc_rdv_path(r, RDV_INFO, path, sizeof(path));
	(void)unlink(path);
	ipc_rdv_path(r, RDV_INFO_TMP, path, sizeof(path));
	(void)unlink(path);
	(void)unlink(r->lock_path[IPC_READER]);
	remove_leaves(r);

	r->info.writer_pid = getpid();
	r->info.buf_size = p->buf_size;
	r->info.kbuf_size = p->kbuf_size;
	r->info.nblocks = p->nblocks;
	register_live(r);
	return publish(r, e);
}

static struct ipc_rdv_obj *next_obj(struct ipc_rdv *r, enum ipc_rdv_kind kind,
				    const char *name, struct ipc_err *e)
{
	if (r->info.nobj >= IPC_RDV_OBJS) {
		(void)fail(e, ENOSPC, "more than %d objects", IPC_RDV_OBJS);
		return NULL;
	}
	struct ipc_rdv_obj *o = &r->info.obj[r->info.nobj];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	snprintf(o->name, sizeof(o->name), "%s", name ? name : "");
	return o;
}

/* Count the object in only once it is complete: the signal handler reads
 * the list. */
static int commit_obj(struct ipc_rdv *r, struct ipc_err *e)
{
	__atomic_store_n(&r->info.nobj, r->info.nobj + 1, __ATOMIC_RELEASE);
	return publish(r, e);
}

int ipc_rdv_add_fd(struct ipc_rdv *r, enum ipc_rdv_kind kind,
		   const char *name, int fd, struct ipc_err *e)
{
	if (!r->active)
		return 0;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return ipc_errf(e, errno, "fstat(%s)", name);
	struct ipc_rdv_obj *o = next_obj(r, kind, name, e);
	if (!o)
		return -ENOSPC;
	o->dev = (uint64_t)st.st_dev;
	o->ino = (uint64_t)st.st_ino;
	return commit_obj(r, e);
}

int ipc_rdv_add_path(struct ipc_rdv *r, const char *path, struct ipc_err *e)
{
	if (!r->active)
		return 0;
	struct stat st;
	if (lstat(path, &st) < 0)
		return ipc_errf(e, errno, "lstat(%s)", path);
	struct ipc_rdv_obj *o = next_obj(r, IPC_RDV_PATH, path, e);
	if (!o)
		return -ENOSPC;
	o->dev = (uint64_t)st.st_dev;
	o->ino = (uint64_t)st.st_ino;
	return commit_obj(r, e);
}

int ipc_rdv_add_sysv(struct ipc_rdv *r, enum ipc_rdv_kind kind, int id,
		     key_t key, struct ipc_err *e)
{
	if (!r->active)
		return 0;
	struct ipc_rdv_obj *o = next_obj(r, kind, NULL, e);
	if (!o)
		return -ENOSPC;
	o->id = id;
	o->key = key;
	snprintf(o->name, sizeof(o->name), "key 0x%08x id %d", (unsigned)key, id);
	return commit_obj(r, e);
}

int ipc_rdv_ready(struct ipc_rdv *r, struct ipc_err *e)
{
	if (!r->active)
		return 0;
	r->info.ready = 1;
	return publish(r, e);
}

int ipc_rdv_mark_eos(struct ipc_rdv *r, struct ipc_err *e)
{
	if (!r->active || r->role != IPC_WRITER || r->info.eos)
		return 0;
	r->info.eos = 1;
	return publish(r, e);
}

int ipc_rdv_wait_reader(struct ipc_rdv *r, struct ipc_err *e)
{
	if (!r->active)
		return 0;
	for (;;) {
		if (r->peer_fd < 0) {
			int rc = open_lock(r->lock_path[IPC_READER], 0,
					   &r->peer_fd, e);
			if (rc < 0 && rc != -ENOENT)
				return rc;
		}
		if (r->peer_fd >= 0) {
			pid_t pid = lock_holder(r->peer_fd);
			if (pid > 0) {
				r->peer_pid = pid;
				restart_deadline(r); /* for the waits of attach */
				return 0;
			}
		}
		if (past_deadline(r))
			return fail(e, ETIMEDOUT,
				    "no reader came for '%s' within %g s: start "
				    "`ipclab xfr reader -t %s --name %s` (or "
				    "give --timeout more seconds)",
				    r->name, timeout_s(r), r->info.transport,
				    r->name);
		nap(r);
	}
}

void ipc_rdv_wait_done(struct ipc_rdv *r)
{
	if (!r->active || r->role != IPC_WRITER || r->peer_fd < 0)
		return;
	/* A reader started from now on must wait for the next writer, not
	 * attach to this finished stream. */
	(void)ipc_rdv_mark_eos(r, NULL);
	/* The reader's lock is free once it has finished or died; taking it
	 * means waiting for exactly that, without polling. */
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	while (fcntl(r->peer_fd, F_SETLKW, &fl) < 0) {
		if (errno == EINTR)
			continue;
		/* EDEADLK or the like: fall back to looking now and then. */
		while (lock_holder(r->peer_fd) > 0)
			nap(r);
		return;
	}
}

/* One look for a ready record of a living writer: 0 found, 1 not yet (why
 * in notyet), <0 an error that waiting cannot fix. */
static int look(struct ipc_rdv *r, const char *transport, char *notyet,
		size_t len, struct ipc_err *e)
{
	int rc = check_dir(r, e);
	if (rc == -ENOENT) {
		snprintf(notyet, len, "%s does not exist", r->dir);
		return 1;
	}
	if (rc < 0)
		return rc;
	if (r->peer_fd < 0) {
		rc = open_lock(r->lock_path[IPC_WRITER], 0, &r->peer_fd, e);
		if (rc == -ENOENT) {
			snprintf(notyet, len, "%s has no writer.lock", r->dir);
			return 1;
		}
		if (rc < 0)
			return rc;
	}
	pid_t holder = lock_holder(r->peer_fd);
	if (!holder || !same_file(r->peer_fd, r->lock_path[IPC_WRITER])) {
		/* Look at the current file next time. */
		ipc_close_fd(&r->peer_fd);
		struct ipc_rdv_info old;
		if (read_info(r, &old) == 0)
			snprintf(notyet, len,
				 "%s holds the record of a %s writer, pid %ld, "
				 "that is gone (a killed run; the next writer "
				 "of this name replaces it)",
				 r->dir, old.transport, (long)old.writer_pid);
		else
			snprintf(notyet, len, "no writer holds %s",
				 r->lock_path[IPC_WRITER]);
		return 1;
	}
	rc = read_info(r, &r->info);
	if (rc == -ENOENT || (rc == 0 && (r->info.writer_pid != holder ||
					  !r->info.ready))) {
		snprintf(notyet, len, "writer pid %ld is still setting up",
			 (long)holder);
		return 1;
	}
	if (rc == 0 && r->info.eos) {
		snprintf(notyet, len, "writer pid %ld is finishing a transfer "
			 "to another reader", (long)holder);
		return 1;
	}
	if (rc == -EPROTO)
		return fail(e, EPROTO,
			    "%s/" RDV_INFO " was written by another version of "
			    "ipclab (record version %u, this one reads %u)",
			    r->dir, r->info.version, RDV_VERSION);
	if (rc < 0)
		return fail(e, EBADMSG,
			    "%s/" RDV_INFO " is not an ipclab record (wrong "
			    "size, owner or magic): remove %s, or use another "
			    "--name", r->dir, r->dir);
	if (strcmp(r->info.transport, transport) != 0)
		return fail(e, EPROTOTYPE,
			    "the writer of '%s' (pid %ld) uses %s, not %s: run "
			    "the reader with -t %s",
			    r->name, (long)holder, r->info.transport, transport,
			    r->info.transport);
	r->peer_pid = holder;
	return 0;
}

int ipc_rdv_open(struct ipc_rdv *r, const struct ipc_params *p,
		 const char *transport, struct ipc_err *e)
{
	int rc = rdv_setup(r, p, IPC_READER, transport, e);
	if (rc < 0)
		return rc;
	char notyet[320] = "";
	for (;;) {
		rc = look(r, transport, notyet, sizeof(notyet), e);
		if (rc <= 0)
			break;
		if (past_deadline(r)) {
			rc = fail(e, ETIMEDOUT,
				  "no writer for '%s' within %g s (%s): start "
				  "`ipclab xfr writer -t %s -b BUF_SIZE --name "
				  "%s < FILE` (or give --timeout more seconds)",
				  r->name, timeout_s(r), notyet, transport,
				  r->name);
			break;
		}
		nap(r);
	}
	if (rc < 0)
		goto err_close;

	const char *lock = r->lock_path[IPC_READER];
	rc = open_lock(lock, 1, &r->lock_fd, e);
	if (rc < 0)
		goto err_close;
	if (try_lock(r->lock_fd) < 0) {
		int err = errno;
		pid_t pid = lock_holder(r->lock_fd);
		if (err == EAGAIN || err == EACCES)
			rc = fail(e, EBUSY,
				  "the name '%s' has a reader already: pid %ld "
				  "(one reader per name)", r->name, (long)pid);
		else
			rc = ipc_errf(e, err, "fcntl(%s, F_SETLK)", lock);
		goto err_close;
	}
	restart_deadline(r); /* for the waits of the transport's open */
	return 0;

err_close:
	ipc_close_fd(&r->lock_fd);
	ipc_close_fd(&r->peer_fd);
	r->active = 0;
	return rc;
}

int ipc_rdv_expect_one(struct ipc_rdv *r, enum ipc_rdv_kind kind,
		       const char *what, struct ipc_err *e)
{
	if (r->info.nobj != 1 || r->info.obj[0].kind != kind ||
	    r->info.buf_size == 0)
		return ipc_errf(e, EBADMSG, "%s: the record lists no %s", r->dir,
				what);
	return 0;
}

int ipc_rdv_eos_marked(struct ipc_rdv *r)
{
	struct ipc_rdv_info now;
	if (!r->active)
		return 1;
	return read_info(r, &now) == 0 && now.writer_pid == r->info.writer_pid &&
	       now.eos;
}

int ipc_rdv_check_eof(struct ipc_rdv *r, const char *call, struct ipc_err *e)
{
	if (!r->active || ipc_rdv_eos_marked(r))
		return 0;
	return ipc_errf(e, EPIPE, "%s: end of file, but the writer (pid %ld) "
			"did not end the stream: it was killed, and the data "
			"is cut short", call, (long)r->peer_pid);
}

int ipc_rdv_peer_alive(struct ipc_rdv *r)
{
	if (!r->active || r->peer_fd < 0)
		return 1;
	return lock_holder(r->peer_fd) > 0;
}

int ipc_rdv_check_peer(struct ipc_rdv *r, struct ipc_err *e)
{
	if (ipc_rdv_peer_alive(r))
		return 0;
	return fail(e, EPIPE, "the %s of '%s' (pid %ld) is gone: it was killed "
		    "or failed", peer_word(r), r->name, (long)r->peer_pid);
}

int ipc_rdv_poll(struct ipc_rdv *r, const char *what, struct ipc_err *e)
{
	nap(r);
	if (!ipc_rdv_peer_alive(r))
		return fail(e, EPIPE, "the %s of '%s' (pid %ld) went away "
			    "while %s", peer_word(r), r->name,
			    (long)r->peer_pid, what);
	if (past_deadline(r))
		return fail(e, ETIMEDOUT, "gave up after %g s %s", timeout_s(r),
			    what);
	return 0;
}

int ipc_rdv_await_fifo_writer(struct ipc_rdv *r, int fd, struct ipc_err *e)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	for (;;) {
		int n = poll(&pfd, 1, IPC_RDV_CHECK_MS);
		if (n > 0)
			break; /* data, or end of file: the writer was there */
		if (n < 0 && errno != EINTR)
			return ipc_errf(e, errno, "poll(fifo)");
		int rc = ipc_rdv_check_peer(r, e);
		if (rc < 0)
			return rc;
	}
	return ipc_pipe_set_blocking(fd, "fifo", e);
}

void ipc_rdv_close(struct ipc_rdv *r)
{
	if (!r->active)
		return;
	unregister_live(r);
	if (r->role == IPC_WRITER) {
		if (r->lock_fd >= 0 && same_file(r->lock_fd,
						 r->lock_path[IPC_WRITER]))
			remove_all(r, &r->info);
	} else if (r->peer_fd >= 0 && try_lock(r->peer_fd) == 0 &&
		   same_file(r->peer_fd, r->lock_path[IPC_WRITER])) {
		/* The writer died: its objects are orphans, and while we hold
		 * its lock no new writer can start.  Its record (read at open)
		 * lists them. */
		remove_all(r, &r->info);
	}
	ipc_close_fd(&r->peer_fd);
	ipc_close_fd(&r->lock_fd);
	r->active = 0;
}

void ipc_rdv_signal_cleanup(void)
{
	for (int i = 0; i < LIVE_MAX; i++) {
		struct ipc_rdv *r = __atomic_load_n(&live[i], __ATOMIC_ACQUIRE);
		if (!r || !r->active || r->role != IPC_WRITER || r->lock_fd < 0)
			continue;
		/* We hold the writer's lock: every name below is ours.  Only
		 * system calls here (shm_unlink is an unlink in /dev/shm). */
		unsigned n = __atomic_load_n(&r->info.nobj, __ATOMIC_ACQUIRE);
		for (unsigned k = 0; k < n && k < IPC_RDV_OBJS; k++) {
			const struct ipc_rdv_obj *o = &r->info.obj[k];
			switch (o->kind) {
			case IPC_RDV_SHM:
				(void)shm_unlink(o->name);
				break;
			case IPC_RDV_MQ:
				(void)mq_unlink(o->name);
				break;
			case IPC_RDV_PATH:
				(void)unlink(o->name);
				break;
			case IPC_RDV_SYSV_SHM:
				(void)shmctl(o->id, IPC_RMID, NULL);
				break;
			case IPC_RDV_SYSV_SEM:
				(void)semctl(o->id, 0, IPC_RMID);
				break;
			case IPC_RDV_SYSV_MSG:
				(void)msgctl(o->id, IPC_RMID, NULL);
				break;
			default:
				break;
			}
		}
		char path[160];
		size_t m = strlen(r->dir); /* no snprintf in a handler */
		if (m + 1 >= sizeof(path))
			continue;
		memcpy(path, r->dir, m);
		path[m++] = '/';
		static const char *const files[] = {RDV_INFO, RDV_INFO_TMP,
						    "reader.lock", "writer.lock"};
		for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
			size_t l = strlen(files[f]);
			if (m + l >= sizeof(path))
				continue;
			memcpy(path + m, files[f], l + 1);
			(void)unlink(path);
		}
		(void)rmdir(r->dir);
	}
}
