/*
 * clean.c - `ipclab clean`: list and remove what crashed ipclab processes
 * left behind, and nothing else.
 *
 * Every kernel object ipclab makes carries its prefix, and in fork mode the
 * pid of the process that made it:
 *
 *   POSIX shm         /dev/shm/ipclab-<pid>-<n>          shm_unlink
 *   POSIX semaphores  /dev/shm/sem.ipclab-<pid>-<n>      sem_unlink
 *   POSIX queues      <mqueue mount>/ipclab-<pid>-<n>    mq_unlink
 *   hugetlbfs files   <hugetlbfs mount>/ipclab-<pid>-<n> unlink
 *   FIFOs, sockets    in /tmp/ipclab-<pid>-XXXXXX         unlink each, rmdir
 *   System V          key = IPC_KEY_MARK | pid | n       IPC_RMID
 *
 * (POSIX names go on with -<random> after <n>: ipc_unique_name; what
 * counts here is the pid after the prefix.)
 *
 * An object is a leftover, and only then removed, when all of this holds:
 * it is ipclab's (the prefix, or the key's mark); it belongs to the caller
 * (any user with --all-users, which only root may ask for); the process that
 * made it is gone (kill(pid, 0) fails with ESRCH); and nothing still uses
 * it: no System V segment attached, no running process that was the last to
 * attach, operate on, send to or receive from it (lpid, sempid, lspid, lrpid)
 * or that waits on a semaphore, no running process that holds the file open
 * or mapped (/proc/<pid>/fd and /proc/<pid>/maps), no socket still bound
 * (/proc/net/unix).  A name without a pid has no known creator, so it
 * stays; `-v` says so.  So does a directory in /tmp that holds anything but
 * FIFOs and sockets.
 *
 * Two-program mode (`ipclab xfr`, rendezvous.h) names things after a NAME the
 * user picks, with no pid: its rendezvous directory /tmp/ipclab-NAME holds
 * writer.lock and reader.lock, fcntl-locked by the living writer and reader,
 * and the record `info` listing every object the writer made.  Such a
 * directory is a leftover (kind xfr) when it is the caller's, mode 0700,
 * holds only what ipclab puts there, its record reads, and neither lock is
 * held.  Removing it takes writer.lock first (so no writer can start
 * meanwhile), removes each recorded object only if it is still the one
 * recorded (inode; key and owner for System V: ipc_rdv_remove_obj), then the
 * files and the directory.  A directory that fails a check stays whole: a
 * corrupt record cannot say which objects are ours.  The objects a record
 * lists are shown under its row, not as rows of their own.
 *
 * The object is looked at again just before it is removed (same inode, same
 * key, creator still gone, nothing attached), so what changed hands since
 * the listing stays.
 *
 * POSIX queues can only be listed through a mounted mqueue file system, and
 * only one of the caller's IPC namespace counts (each queue found is opened
 * by name to make sure).  When none is mounted and the caller is root, clean
 * mounts one in a private mount namespace of its own, which no other process
 * sees; otherwise it says that queues were not looked at.
 *
 *   ipclab clean --dry-run -v
 *
 * Like the demos, this command prints: the list to stdout, problems to
 * stderr.  Its exit status: 0 cleaned (or nothing to clean), 1 a removal or
 * a look-up failed (the reason printed), 2 bad usage.
 */
#include "commands.h"
#include "rendezvous.h"
#include "say.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <mntent.h>
#include <mqueue.h>
#include <pwd.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define SHM_DIR "/dev/shm"
#define TMP_DIR "/tmp"
#define SEM_FILE_PREFIX "sem." /* glibc keeps sem_open's /x as /dev/shm/sem.x */
#define PREFIX_LEN (sizeof(IPC_NAME_PREFIX) - 1)
#define SEM_PREFIX_LEN (sizeof(SEM_FILE_PREFIX) - 1)

enum kind {
	K_POSIX_SHM,
	K_POSIX_SEM,
	K_POSIX_MQ,
	K_HUGETLBFS,
	K_TMPDIR,
	K_SYSV_SHM,
	K_SYSV_SEM,
	K_SYSV_MSG,
	K_XFR,
};

static const struct {
	const char *name;
	const char *unit; /* of leftover.size */
} kinds[] = {
	[K_POSIX_SHM] = {"posix-shm", "B"},
	[K_POSIX_SEM] = {"posix-sem", "B"},
	[K_POSIX_MQ] = {"posix-mq", "B queued"},
	[K_HUGETLBFS] = {"hugetlbfs", "B"},
	[K_TMPDIR] = {"tmp-dir", "entries"},
	[K_SYSV_SHM] = {"sysv-shm", "B"},
	[K_SYSV_SEM] = {"sysv-sem", "sems"},
	[K_SYSV_MSG] = {"sysv-msg", "B queued"},
	[K_XFR] = {"xfr", "objects"},
};

struct leftover {
	enum kind kind;
	char name[PATH_MAX];      /* as shown; POSIX: as given to *_unlink */
	char path[PATH_MAX];      /* file kinds: where it is */
	uid_t uid;
	pid_t pid;                /* creator; 0 when not known */
	unsigned long long size;  /* in kinds[].unit */
	dev_t dev;                /* file kinds: identity, checked again */
	ino_t ino;                /* before the removal */
	int id;                   /* System V */
	key_t key;
	int has_socket;           /* tmp-dir: holds a socket */
	int dup;                  /* listed by an xfr record: shown there */
	struct ipc_rdv_info rec;  /* xfr: the record (nobj 0 when none) */
	char kept[192];           /* why it stays; "" for a leftover */
};

/* An inode whose use by a running process keeps leftover idx. */
struct watch {
	dev_t dev;
	ino_t ino;
	size_t idx;
};

struct clean {
	uid_t uid;
	int all_users, dry_run, verbose;
	struct leftover *v;
	size_t n, cap;
	struct watch *w;
	size_t nw, capw;
	char notes[4][320];  /* said on stderr; not failures */
	size_t nnotes;
	int failed;          /* a look-up failed: exit 1 */
};

static void note(struct clean *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct clean *c, const char *fmt, ...)
{
	if (c->nnotes == sizeof(c->notes) / sizeof(c->notes[0]))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->notes[c->nnotes++], sizeof(c->notes[0]), fmt, ap);
	va_end(ap);
}

/* A look-up that failed: printed at once, and the exit status becomes 1. */
static void problem(struct clean *c, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct clean *c, int errnum, const char *fmt, ...)
{
	struct ipc_err e;
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	(void)ipc_errf(&e, errnum, "%s", what);
	say_err("clean", "%s", e.msg);
	c->failed = 1;
}

static void keep(struct leftover *lo, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void keep(struct leftover *lo, const char *fmt, ...)
{
	if (lo->kept[0])
		return; /* the first reason found is the one shown */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(lo->kept, sizeof(lo->kept), fmt, ap);
	va_end(ap);
}

static struct leftover *add(struct clean *c, enum kind kind)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct leftover *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		c->v = v;
		c->cap = cap;
	}
	struct leftover *lo = &c->v[c->n++];
	memset(lo, 0, sizeof(*lo));
	lo->kind = kind;
	lo->id = -1;
	return lo;
}

static int add_watch(struct clean *c, dev_t dev, ino_t ino, size_t idx)
{
	if (c->nw == c->capw) {
		size_t cap = c->capw ? 2 * c->capw : 16;
		struct watch *w = realloc(c->w, cap * sizeof(*w));
		if (!w)
			return -ENOMEM;
		c->w = w;
		c->capw = cap;
	}
	c->w[c->nw++] = (struct watch){dev, ino, idx};
	return 0;
}

static int mine(const struct clean *c, uid_t uid)
{
	return c->all_users || uid == c->uid;
}

/* 1 while pid may be running: kill() finds it, or finds it is not ours
 * (EPERM).  A zombie counts as running until its parent reaps it. */
static int alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

/* The creator's pid in "ipclab-<pid>-...", or 0 when the name has none. */
static pid_t name_pid(const char *base)
{
	if (strncmp(base, IPC_NAME_PREFIX, PREFIX_LEN) != 0)
		return 0;
	const char *p = base + PREFIX_LEN;
	if (!isdigit((unsigned char)*p))
		return 0;
	char *end;
	errno = 0;
	long v = strtol(p, &end, 10);
	if (errno || *end != '-' || v <= 0 || v > INT_MAX)
		return 0;
	return (pid_t)v;
}

/* "." or "..". */
static int dots(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* fstatat in d's directory, not following a symbolic link. */
static int lstat_in(DIR *d, const char *name, struct stat *st)
{
	return fstatat(dirfd(d), name, st, AT_SYMLINK_NOFOLLOW);
}

/* A file kind seen twice (the same file system mounted twice) counts once. */
static int seen(const struct clean *c, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].kind <= K_TMPDIR && c->v[i].dev == dev &&
		    c->v[i].ino == ino)
			return 1;
	return 0;
}

/* Bytes waiting in a queue, from the "QSIZE:n ..." its file reads as. */
static unsigned long long mq_qsize(int dfd, const char *name)
{
	char buf[128];
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	unsigned long long q = 0;
	if (sscanf(buf, "QSIZE:%llu", &q) != 1)
		return 0;
	return q;
}

/* An mqueue mount shows the queues of the IPC namespace that mounted it:
 * a queue is ours only if opening it by name here finds the same inode.
 * 1 yes, 0 no, -errno when it cannot be told. */
static int mq_in_our_namespace(const char *name, const struct stat *st)
{
	mqd_t q = mq_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (q == (mqd_t)-1)
		return errno == ENOENT ? 0 : -errno;
	struct stat qs;
	int same = fstat((int)q, &qs) == 0 && qs.st_dev == st->st_dev &&
		   qs.st_ino == st->st_ino;
	(void)mq_close(q);
	return same;
}

/* ipclab- files in one directory: /dev/shm, an mqueue or hugetlbfs mount. */
static int scan_files(struct clean *c, const char *dir, enum kind kind)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (errno != ENOENT)
			problem(c, errno, "opendir(%s)", dir);
		return 0;
	}
	int rc = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				problem(c, errno, "readdir(%s)", dir);
			break;
		}
		const char *base = de->d_name;
		enum kind k = kind;
		if (kind == K_POSIX_SHM &&
		    strncmp(base, SEM_FILE_PREFIX, SEM_PREFIX_LEN) == 0) {
			k = K_POSIX_SEM;
			base += SEM_PREFIX_LEN;
		}
		if (strncmp(base, IPC_NAME_PREFIX, PREFIX_LEN) != 0)
			continue;
		struct stat st;
		if (lstat_in(d, de->d_name, &st) < 0) {
			if (errno != ENOENT) /* removed meanwhile: fine */
				problem(c, errno, "stat(%s/%s)", dir,
					de->d_name);
			continue;
		}
		if (!S_ISREG(st.st_mode) || !mine(c, st.st_uid) ||
		    seen(c, st.st_dev, st.st_ino))
			continue;
		char name[sizeof(c->v->name)];
		snprintf(name, sizeof(name), "/%s", base);
		int ns = k == K_POSIX_MQ ? mq_in_our_namespace(name, &st) : 1;
		if (ns == 0)
			continue;
		struct leftover *lo = add(c, k);
		if (!lo) {
			rc = -ENOMEM;
			break;
		}
		if (ns < 0)
			keep(lo, "cannot open it to check it is of this IPC "
				 "namespace: %s", ipc_errno_name(-ns));
		snprintf(lo->path, sizeof(lo->path), "%s/%s", dir, de->d_name);
		if (k == K_HUGETLBFS)
			snprintf(lo->name, sizeof(lo->name), "%s", lo->path);
		else
			memcpy(lo->name, name, sizeof(lo->name));
		lo->uid = st.st_uid;
		lo->pid = name_pid(base);
		lo->size = k == K_POSIX_MQ ? mq_qsize(dirfd(d), de->d_name)
					   : (unsigned long long)st.st_size;
		lo->dev = st.st_dev;
		lo->ino = st.st_ino;
		rc = add_watch(c, st.st_dev, st.st_ino, c->n - 1);
		if (rc < 0)
			break;
	}
	(void)closedir(d);
	return rc;
}

/* "ipclab-<pid>-XXXXXX": mkdtemp's pattern (fifo.c, the socket transports). */
static int is_tmpdir_name(const char *base)
{
	if (!name_pid(base))
		return 0;
	const char *sfx = strchr(base + PREFIX_LEN, '-') + 1;
	if (!*sfx)
		return 0;
	for (const char *p = sfx; *p; p++)
		if (!isalnum((unsigned char)*p))
			return 0;
	return 1;
}

/* What a private directory holds: it may go only if it is FIFOs and
 * sockets, which is all ipclab puts there. */
static int inspect_tmpdir(struct clean *c, int tfd, const char *base,
			  struct leftover *lo)
{
	int fd = openat(tfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					   O_CLOEXEC);
	if (fd < 0) {
		keep(lo, "cannot look inside: %s", ipc_errno_name(errno));
		return 0;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		keep(lo, "cannot look inside: %s", ipc_errno_name(errno));
		(void)close(fd);
		return 0;
	}
	int rc = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				keep(lo, "cannot read it: %s",
				     ipc_errno_name(errno));
			break;
		}
		if (dots(de->d_name))
			continue;
		lo->size++;
		struct stat st;
		if (lstat_in(d, de->d_name, &st) < 0) {
			keep(lo, "cannot stat %s: %s", de->d_name,
			     ipc_errno_name(errno));
			continue;
		}
		if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
			keep(lo, "holds %s, which is neither a FIFO nor a "
				 "socket", de->d_name);
		else if (st.st_uid != lo->uid)
			keep(lo, "holds %s of another owner", de->d_name);
		if (S_ISSOCK(st.st_mode))
			lo->has_socket = 1;
		/* A FIFO's readers and writers hold its inode open. */
		rc = add_watch(c, st.st_dev, st.st_ino, (size_t)(lo - c->v));
		if (rc < 0)
			break;
	}
	(void)closedir(d);
	return rc;
}

/* ---- two-program mode: rendezvous directories ------------------------- */

/* What a rendezvous directory may hold (rendezvous.h). */
static const char *const rdv_files[] = {
	"writer.lock", "reader.lock", "info", "info.tmp",
	"fifo", "sock", "empty", "full",
};

static int is_rdv_file(const char *name)
{
	for (size_t i = 0; i < sizeof(rdv_files) / sizeof(rdv_files[0]); i++)
		if (strcmp(name, rdv_files[i]) == 0)
			return 1;
	return 0;
}

/* The pid holding a lock on leaf in dfd: 0 none (or no such file), -errno
 * when it cannot be told.  F_GETLK needs no write access. */
static pid_t rdv_lock_holder(int dfd, const char *leaf, uid_t uid)
{
	int fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	struct stat st;
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	pid_t rc = 0;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_uid != uid)
		rc = -EPERM;
	else if (fcntl(fd, F_GETLK, &fl) < 0)
		rc = -errno;
	else if (fl.l_type != F_UNLCK)
		rc = fl.l_pid > 0 ? fl.l_pid : 1;
	(void)close(fd);
	return rc;
}

/* The record in dfd: 0 (rec->nobj 0 when there is none), or -EBADMSG /
 * -EPROTO / -errno when it cannot be trusted. */
static int rdv_read_record(int dfd, uid_t uid, struct ipc_rdv_info *rec)
{
	int rc = ipc_rdv_read_info_at(dfd, "info", uid, rec);
	if (rc < 0)
		memset(rec, 0, sizeof(*rec));
	return rc == -ENOENT ? 0 : rc;
}

/* Why a directory cannot be judged (entries, locks, record), in lo->kept;
 * nothing said when it is a leftover.  dfd: the directory. */
static void rdv_judge(int dfd, struct leftover *lo)
{
	int fd = dup(dfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		keep(lo, "cannot look inside: %s", ipc_errno_name(errno));
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (!dots(de->d_name) && !is_rdv_file(de->d_name))
			keep(lo, "holds %s, which ipclab does not put there: "
				 "nothing removed", de->d_name);
	(void)closedir(d);
	static const char *const locks[] = {"writer.lock", "reader.lock"};
	for (int i = 0; i < 2; i++) {
		pid_t pid = rdv_lock_holder(dfd, locks[i], lo->uid);
		if (pid > 0)
			keep(lo, "in use: process %d holds %s", (int)pid,
			     locks[i]);
		else if (pid < 0)
			keep(lo, "cannot test %s: %s", locks[i],
			     ipc_errno_name((int)-pid));
	}
	int rc = rdv_read_record(dfd, lo->uid, &lo->rec);
	if (rc < 0)
		keep(lo, "its record is unreadable (%s), so which objects are "
			 "ours is unknown: nothing removed (the next writer of "
			 "this name replaces it)", ipc_errno_name(-rc));
	lo->pid = (pid_t)lo->rec.writer_pid;
	lo->size = lo->rec.nobj;
}

/* A rendezvous directory: a leftover, or kept with the reason. */
static int scan_rdv(struct clean *c, int tfd, const char *base,
		    const struct stat *st)
{
	struct leftover *lo = add(c, K_XFR);
	if (!lo)
		return -ENOMEM;
	snprintf(lo->path, sizeof(lo->path), TMP_DIR "/%s", base);
	snprintf(lo->name, sizeof(lo->name), "%s", base + PREFIX_LEN);
	lo->uid = st->st_uid;
	lo->dev = st->st_dev;
	lo->ino = st->st_ino;
	if (st->st_uid != c->uid) {
		/* The record's checks compare owners with the caller's. */
		keep(lo, "another user's: only its owner's clean removes it");
		return 0;
	}
	if (st->st_mode & 077) {
		keep(lo, "mode %03o, but ipclab makes it 0700: not ipclab's, "
			 "nothing removed", (unsigned)(st->st_mode & 0777));
		return 0;
	}
	int fd = openat(tfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					   O_CLOEXEC);
	if (fd < 0) {
		keep(lo, "cannot look inside: %s", ipc_errno_name(errno));
		return 0;
	}
	rdv_judge(fd, lo);
	(void)close(fd);
	return 0;
}

/* Is base a rendezvous directory (a NAME, and writer.lock or info in it)? */
static int is_rdv_dir(int tfd, const char *base)
{
	char why[128], path[PATH_MAX];
	struct stat st;
	if (strncmp(base, IPC_NAME_PREFIX, PREFIX_LEN) != 0 ||
	    ipc_rdv_check_name(base + PREFIX_LEN, why, sizeof(why)) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/writer.lock", base);
	if (fstatat(tfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	snprintf(path, sizeof(path), "%s/info", base);
	return fstatat(tfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Is lo one of the objects an xfr record lists? */
static int in_record(const struct leftover *lo, const struct ipc_rdv_obj *o)
{
	switch (o->kind) {
	case IPC_RDV_SHM:
		return lo->kind == K_POSIX_SHM && lo->dev == (dev_t)o->dev &&
		       lo->ino == (ino_t)o->ino;
	case IPC_RDV_MQ:
		return lo->kind == K_POSIX_MQ && lo->dev == (dev_t)o->dev &&
		       lo->ino == (ino_t)o->ino;
	case IPC_RDV_PATH:
		return lo->kind == K_HUGETLBFS && lo->dev == (dev_t)o->dev &&
		       lo->ino == (ino_t)o->ino;
	case IPC_RDV_SYSV_SHM:
		return lo->kind == K_SYSV_SHM && lo->id == o->id &&
		       lo->key == (key_t)o->key;
	case IPC_RDV_SYSV_SEM:
		return lo->kind == K_SYSV_SEM && lo->id == o->id &&
		       lo->key == (key_t)o->key;
	case IPC_RDV_SYSV_MSG:
		return lo->kind == K_SYSV_MSG && lo->id == o->id &&
		       lo->key == (key_t)o->key;
	default:
		return 0;
	}
}

/* Objects a record lists are the record's to remove: not rows of their
 * own, which would remove them by another rule or call them nameless. */
static void mark_recorded(struct clean *c)
{
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].kind != K_XFR)
			continue;
		const struct ipc_rdv_info *r = &c->v[i].rec;
		for (size_t j = 0; j < c->n; j++)
			for (unsigned k = 0; k < r->nobj; k++)
				if (in_record(&c->v[j], &r->obj[k]))
					c->v[j].dup = 1;
	}
}

/* "posix-shm /ipclab-NAME" and so on, for listings and messages. */
static void describe_obj(const struct ipc_rdv_obj *o, char *buf, size_t len)
{
	switch (o->kind) {
	case IPC_RDV_SHM:
		snprintf(buf, len, "posix-shm %s", o->name);
		break;
	case IPC_RDV_MQ:
		snprintf(buf, len, "posix-mq %s", o->name);
		break;
	case IPC_RDV_PATH:
		snprintf(buf, len, "file %s", o->name);
		break;
	case IPC_RDV_SYSV_SHM:
	case IPC_RDV_SYSV_SEM:
	case IPC_RDV_SYSV_MSG:
		snprintf(buf, len, "%s key=0x%08x id=%d",
			 o->kind == IPC_RDV_SYSV_SHM ? "sysv-shm"
			 : o->kind == IPC_RDV_SYSV_SEM ? "sysv-sem"
						       : "sysv-msg",
			 (unsigned)o->key, (int)o->id);
		break;
	default:
		snprintf(buf, len, "unknown kind %u", (unsigned)o->kind);
		break;
	}
}

/*
 * Remove a rendezvous leftover, under its writer.lock so that no writer can
 * start meanwhile.  The checks are made again; an object that is no longer
 * the recorded one is left alone.  A failed removal keeps the record and
 * the directory, so the next attempt still finds the rest.
 */
static int remove_rdv(struct leftover *lo, struct ipc_err *e)
{
	const char *base = strrchr(lo->path, '/') + 1;
	int rc = 0;
	int tfd = open(TMP_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return ipc_errf(e, errno, "open(" TMP_DIR ")");
	int dfd = openat(tfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					    O_CLOEXEC);
	if (dfd < 0) {
		rc = errno == ENOENT ? -ESTALE
				     : ipc_errf(e, errno, "open(%s)", lo->path);
		if (rc == -ESTALE)
			keep(lo, "gone since it was listed");
		goto out_close_tmp;
	}
	struct stat st;
	if (fstat(dfd, &st) < 0) {
		rc = ipc_errf(e, errno, "fstat(%s)", lo->path);
		goto out_close_dir;
	}
	if (st.st_dev != lo->dev || st.st_ino != lo->ino ||
	    st.st_uid != lo->uid || (st.st_mode & 077)) {
		keep(lo, "replaced since it was listed");
		rc = -ESTALE;
		goto out_close_dir;
	}
	int lfd = openat(dfd, "writer.lock",
			 O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lfd < 0) {
		rc = ipc_errf(e, errno, "open(%s/writer.lock)", lo->path);
		goto out_close_dir;
	}
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	if (fcntl(lfd, F_SETLK, &fl) < 0) {
		if (errno == EAGAIN || errno == EACCES) {
			keep(lo, "a writer started since it was listed");
			rc = -ESTALE;
		} else {
			rc = ipc_errf(e, errno, "fcntl(%s/writer.lock, "
				      "F_SETLK)", lo->path);
		}
		goto out_close_lock;
	}
	/* Ours now; judge afresh (a reader, a new record, a stray file). */
	struct leftover now = *lo;
	now.kept[0] = '\0';
	pid_t reader = rdv_lock_holder(dfd, "reader.lock", lo->uid);
	if (reader != 0) {
		keep(lo, "%s", reader > 0 ? "a reader started since it was "
					    "listed"
					  : "cannot test reader.lock");
		rc = -ESTALE;
		goto out_close_lock;
	}
	rdv_judge(dfd, &now);
	/* rdv_judge sees our own lock: only other reasons count. */
	if (now.kept[0] && strncmp(now.kept, "in use: process", 15) != 0) {
		keep(lo, "%s", now.kept);
		rc = -ESTALE;
		goto out_close_lock;
	}
	lo->rec = now.rec;
	for (unsigned i = 0; i < lo->rec.nobj; i++) {
		int orc = ipc_rdv_remove_obj(&lo->rec.obj[i]);
		/* Gone already, or no longer the one recorded: not ours. */
		if (orc == 0 || orc == -ENOENT || orc == -EINVAL ||
		    orc == -EIDRM || orc == -ESTALE)
			continue;
		if (rc == 0) {
			char what[200];
			describe_obj(&lo->rec.obj[i], what, sizeof(what));
			rc = ipc_errf(e, -orc, "xfr %s: remove %s", lo->name,
				      what);
		}
	}
	if (rc < 0)
		goto out_close_lock; /* the record still lists what is left */
	for (size_t i = 0; i < sizeof(rdv_files) / sizeof(rdv_files[0]); i++) {
		const char *leaf = rdv_files[i];
		if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		/* fifo, sock, empty, full: only as FIFOs or sockets. */
		if (i >= 4 && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
			continue;
		if (unlinkat(dfd, leaf, 0) < 0 && errno != ENOENT && rc == 0)
			rc = ipc_errf(e, errno, "unlink(%s/%s)", lo->path,
				      leaf);
	}
	/* ENOTEMPTY: a new writer made its own files meanwhile. */
	if (rc == 0 && unlinkat(tfd, base, AT_REMOVEDIR) < 0)
		rc = ipc_errf(e, errno, "rmdir(%s)", lo->path);
out_close_lock:
	(void)close(lfd); /* drops the lock */
out_close_dir:
	(void)close(dfd);
out_close_tmp:
	(void)close(tfd);
	return rc;
}

static int scan_tmpdirs(struct clean *c)
{
	DIR *d = opendir(TMP_DIR);
	if (!d) {
		if (errno != ENOENT)
			problem(c, errno, "opendir(" TMP_DIR ")");
		return 0;
	}
	int rc = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				problem(c, errno, "readdir(" TMP_DIR ")");
			break;
		}
		if (strncmp(de->d_name, IPC_NAME_PREFIX, PREFIX_LEN) != 0)
			continue;
		struct stat st;
		if (lstat_in(d, de->d_name, &st) < 0) {
			if (errno != ENOENT)
				problem(c, errno, "stat(" TMP_DIR "/%s)",
					de->d_name);
			continue;
		}
		/* A symbolic link is never followed: it is not ipclab's. */
		if (!S_ISDIR(st.st_mode) || !mine(c, st.st_uid))
			continue;
		if (is_rdv_dir(dirfd(d), de->d_name)) {
			if ((rc = scan_rdv(c, dirfd(d), de->d_name, &st)) < 0)
				break;
			continue;
		}
		if (!is_tmpdir_name(de->d_name))
			continue;
		struct leftover *lo = add(c, K_TMPDIR);
		if (!lo) {
			rc = -ENOMEM;
			break;
		}
		snprintf(lo->path, sizeof(lo->path), TMP_DIR "/%s", de->d_name);
		snprintf(lo->name, sizeof(lo->name), "%s", lo->path);
		lo->uid = st.st_uid;
		lo->pid = name_pid(de->d_name);
		lo->dev = st.st_dev;
		lo->ino = st.st_ino;
		rc = inspect_tmpdir(c, dirfd(d), de->d_name, lo);
		if (rc < 0)
			break;
	}
	(void)closedir(d);
	return rc;
}

/* Column number of name in a /proc/sysvipc header, or -1. */
static int column(char **cols, int ncols, const char *name)
{
	for (int i = 0; i < ncols; i++)
		if (strcmp(cols[i], name) == 0)
			return i;
	return -1;
}

static int split(char *line, char **cols, int max)
{
	int n = 0;
	char *save;
	for (char *t = strtok_r(line, " \t\n", &save); t && n < max;
	     t = strtok_r(NULL, " \t\n", &save))
		cols[n++] = t;
	return n;
}

/* System V objects of one kind, from /proc/sysvipc/{shm,sem,msg}: those
 * whose key carries ipclab's mark. */
static int scan_sysv(struct clean *c, enum kind kind, const char *file,
		     const char *idname, const char *sizename)
{
	FILE *f = fopen(file, "re");
	if (!f) {
		if (errno != ENOENT) /* ENOENT: a kernel without SysV IPC */
			problem(c, errno, "open(%s)", file);
		return 0;
	}
	char *line = NULL;
	size_t len = 0;
	char *cols[40];
	int rc = 0;
	if (getline(&line, &len, f) < 0)
		goto out_close; /* empty: nothing to clean */
	int ncols = split(line, cols, 40);
	int ikey = column(cols, ncols, "key");
	int iid = column(cols, ncols, idname);
	int iuid = column(cols, ncols, "uid");
	int isize = column(cols, ncols, sizename);
	if (ikey < 0 || iid < 0 || iuid < 0 || isize < 0) {
		problem(c, 0, "%s: unexpected header (no key, %s, uid or %s "
			      "column)", file, idname, sizename);
		goto out_close;
	}
	int need = ikey;
	if (iid > need)
		need = iid;
	if (iuid > need)
		need = iuid;
	if (isize > need)
		need = isize;
	while (getline(&line, &len, f) >= 0) {
		if (split(line, cols, 40) <= need)
			continue;
		/* The kernel prints the key as a signed int. */
		key_t key = (key_t)strtol(cols[ikey], NULL, 10);
		pid_t pid;
		if (!ipc_sysv_key_is_ours(key, &pid))
			continue;
		uid_t uid = (uid_t)strtoul(cols[iuid], NULL, 10);
		if (!mine(c, uid))
			continue;
		struct leftover *lo = add(c, kind);
		if (!lo) {
			rc = -ENOMEM;
			break;
		}
		lo->key = key;
		lo->id = (int)strtol(cols[iid], NULL, 10);
		lo->uid = uid;
		lo->pid = pid;
		lo->size = strtoull(cols[isize], NULL, 10);
		snprintf(lo->name, sizeof(lo->name), "key=0x%08x id=%d",
			 (unsigned)key, lo->id);
	}
out_close:
	free(line);
	(void)fclose(f);
	return rc;
}

union semun_arg {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

/*
 * Read a System V object afresh (IPC_STAT) and say in why whether anything
 * still uses it.  0 (why is "" when it may go), or -errno; -EIDRM when the
 * id now names another object.
 */
static int sysv_check(const struct leftover *lo, char *why, size_t len)
{
	why[0] = '\0';
	if (lo->kind == K_SYSV_SHM) {
		struct shmid_ds ds;
		if (shmctl(lo->id, IPC_STAT, &ds) < 0)
			return -errno;
		if (ds.shm_perm.__key != lo->key)
			return -EIDRM;
		if (ds.shm_nattch > 0)
			snprintf(why, len, "attached by %lu process(es)",
				 (unsigned long)ds.shm_nattch);
		else if (ds.shm_cpid != lo->pid && alive(ds.shm_cpid))
			snprintf(why, len, "process %d that created it is "
					   "running", (int)ds.shm_cpid);
		else if (alive(ds.shm_lpid))
			snprintf(why, len, "process %d, the last to attach or "
					   "detach, is running",
				 (int)ds.shm_lpid);
		return 0;
	}
	if (lo->kind == K_SYSV_SEM) {
		struct semid_ds ds;
		union semun_arg arg = {.buf = &ds};
		if (semctl(lo->id, 0, IPC_STAT, arg) < 0)
			return -errno;
		if (ds.sem_perm.__key != lo->key)
			return -EIDRM;
		for (unsigned long i = 0; i < ds.sem_nsems; i++) {
			int waiting = semctl(lo->id, (int)i, GETNCNT) +
				      semctl(lo->id, (int)i, GETZCNT);
			int last = semctl(lo->id, (int)i, GETPID);
			if (waiting > 0) {
				snprintf(why, len, "%d process(es) wait on "
						   "semaphore %lu", waiting, i);
				break;
			}
			if (alive(last)) {
				snprintf(why, len, "process %d, the last to "
						   "operate on it, is running",
					 last);
				break;
			}
		}
		return 0;
	}
	struct msqid_ds ds;
	if (msgctl(lo->id, IPC_STAT, &ds) < 0)
		return -errno;
	if (ds.msg_perm.__key != lo->key)
		return -EIDRM;
	if (alive(ds.msg_lspid))
		snprintf(why, len, "process %d, the last to send, is running",
			 (int)ds.msg_lspid);
	else if (alive(ds.msg_lrpid))
		snprintf(why, len, "process %d, the last to receive, is "
				   "running", (int)ds.msg_lrpid);
	return 0;
}

/* 1 when a running process has a socket bound inside dir. */
static int socket_bound_in(const char *dir)
{
	FILE *f = fopen("/proc/net/unix", "re");
	if (!f)
		return 1; /* cannot tell: assume it is */
	char *line = NULL;
	size_t len = 0, dlen = strlen(dir);
	int found = 0;
	while (!found && getline(&line, &len, f) >= 0) {
		char *cols[10];
		int n = split(line, cols, 10);
		/* Num RefCount Protocol Flags Type St Inode Path */
		if (n >= 8 && strncmp(cols[7], dir, dlen) == 0 &&
		    cols[7][dlen] == '/')
			found = 1;
	}
	free(line);
	(void)fclose(f);
	return found;
}

/* Does process pid hold a watched inode open or mapped?  Processes that
 * cannot be read (another user's, when not root) cannot hold our 0600
 * objects anyway, unless they are root's. */
static void check_process(struct clean *c, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	if (f) {
		char *line = NULL;
		size_t len = 0;
		while (getline(&line, &len, f) >= 0) {
			unsigned maj, min;
			unsigned long ino;
			if (sscanf(line, "%*s %*s %*s %x:%x %lu", &maj, &min,
				   &ino) != 3 || ino == 0)
				continue;
			for (size_t i = 0; i < c->nw; i++)
				if (c->w[i].ino == ino &&
				    c->w[i].dev == makedev(maj, min))
					keep(&c->v[c->w[i].idx], "mapped by "
					     "running process %d", (int)pid);
		}
		free(line);
		(void)fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		/* stat follows the link to the open file itself */
		if (dots(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			continue;
		for (size_t i = 0; i < c->nw; i++)
			if (c->w[i].ino == st.st_ino &&
			    c->w[i].dev == st.st_dev)
				keep(&c->v[c->w[i].idx], "open in running "
				     "process %d", (int)pid);
	}
	(void)closedir(d);
}

static void check_processes(struct clean *c)
{
	if (c->nw == 0)
		return;
	DIR *d = opendir("/proc");
	if (!d) {
		problem(c, errno, "opendir(/proc)");
		for (size_t i = 0; i < c->n; i++)
			keep(&c->v[i], "cannot tell who uses it");
		return;
	}
	pid_t self = getpid();
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (isdigit((unsigned char)de->d_name[0]) && *end == '\0' &&
		    pid > 0 && pid <= INT_MAX && pid != self)
			check_process(c, (pid_t)pid);
	}
	(void)closedir(d);
}

/* Decide, for everything found, whether it is a leftover. */
static void judge(struct clean *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct leftover *lo = &c->v[i];
		if (lo->kind == K_XFR)
			continue; /* judged by its locks, at scan */
		if (lo->pid == 0) {
			keep(lo, "no creator pid in its name: remove it by "
				 "hand once nothing uses it");
			continue;
		}
		if (alive(lo->pid)) {
			keep(lo, "creator %d is running", (int)lo->pid);
			continue;
		}
		if (lo->kind >= K_SYSV_SHM) {
			char why[sizeof(lo->kept)];
			int rc = sysv_check(lo, why, sizeof(why));
			if (rc < 0)
				keep(lo, "cannot read it: %s",
				     ipc_errno_name(-rc));
			else if (why[0])
				keep(lo, "%s", why);
		} else if (lo->kind == K_TMPDIR && lo->has_socket &&
			   socket_bound_in(lo->path)) {
			keep(lo, "a running process has a socket bound in it");
		}
	}
	check_processes(c);
}

/* The file systems to look in besides /dev/shm and /tmp. */
struct mounts {
	char mqueue[PATH_MAX]; /* "" when none */
	char (*huge)[PATH_MAX];
	size_t nhuge;
};

static int read_mounts(struct clean *c, struct mounts *m)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	if (!f) {
		problem(c, errno, "setmntent(/proc/self/mounts)");
		return 0;
	}
	struct mntent ent;
	char buf[4 * PATH_MAX];
	int rc = 0;
	while (getmntent_r(f, &ent, buf, sizeof(buf))) {
		if (strcmp(ent.mnt_type, "mqueue") == 0 && !m->mqueue[0]) {
			snprintf(m->mqueue, sizeof(m->mqueue), "%s",
				 ent.mnt_dir);
		} else if (strcmp(ent.mnt_type, "hugetlbfs") == 0) {
			char(*h)[PATH_MAX] = realloc(m->huge, (m->nhuge + 1) *
							      sizeof(*h));
			if (!h) {
				rc = -ENOMEM;
				break;
			}
			m->huge = h;
			snprintf(h[m->nhuge++], PATH_MAX, "%s", ent.mnt_dir);
		}
	}
	(void)endmntent(f);
	return rc;
}

/*
 * No mqueue mount: as root, mount one where only this process sees it -
 * a mount namespace of its own, made private first so that nothing
 * propagates back - on a directory that surely exists.  It goes away with
 * the process.
 */
static int mount_mqueue_privately(char *dir, size_t len)
{
	static const char *const spots[] = {"/dev/mqueue", "/mnt", "/media"};
	if (geteuid() != 0)
		return -EPERM;
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	int err = ENOENT;
	for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
		struct stat st;
		if (stat(spots[i], &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (mount("mqueue", spots[i], "mqueue",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0) {
			snprintf(dir, len, "%s", spots[i]);
			return 0;
		}
		err = errno;
	}
	return -err;
}

static int scan(struct clean *c)
{
	struct mounts m = {.huge = NULL};
	int rc = read_mounts(c, &m);
	if (rc < 0)
		goto out_free;
	if (!m.mqueue[0]) {
		int mrc = mount_mqueue_privately(m.mqueue, sizeof(m.mqueue));
		if (mrc == 0)
			note(c, "no mqueue file system mounted: mounted one "
				"at %s, seen by this process only",
			     m.mqueue);
		else
			note(c, "POSIX message queues not looked at: no "
				"mqueue file system is mounted (as root: "
				"mkdir -p /dev/mqueue && mount -t mqueue none "
				"/dev/mqueue)");
	}
	if ((rc = scan_files(c, SHM_DIR, K_POSIX_SHM)) < 0)
		goto out_free;
	if (m.mqueue[0] && (rc = scan_files(c, m.mqueue, K_POSIX_MQ)) < 0)
		goto out_free;
	for (size_t i = 0; i < m.nhuge; i++)
		if ((rc = scan_files(c, m.huge[i], K_HUGETLBFS)) < 0)
			goto out_free;
	if ((rc = scan_tmpdirs(c)) < 0)
		goto out_free;
	if ((rc = scan_sysv(c, K_SYSV_SHM, "/proc/sysvipc/shm", "shmid",
			    "size")) < 0 ||
	    (rc = scan_sysv(c, K_SYSV_SEM, "/proc/sysvipc/sem", "semid",
			    "nsems")) < 0 ||
	    (rc = scan_sysv(c, K_SYSV_MSG, "/proc/sysvipc/msg", "msqid",
			    "cbytes")) < 0)
		goto out_free;
	mark_recorded(c);
	judge(c);
out_free:
	free(m.huge);
	return rc;
}

/* Empty the directory of its FIFOs and sockets, then remove it; through
 * descriptors, so that nothing swapped in by another user is followed. */
static int remove_tmpdir(const struct leftover *lo, struct ipc_err *e)
{
	const char *base = strrchr(lo->path, '/') + 1;
	int rc = 0;
	int tfd = open(TMP_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return ipc_errf(e, errno, "open(" TMP_DIR ")");
	int fd = openat(tfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					   O_CLOEXEC);
	if (fd < 0) {
		rc = ipc_errf(e, errno, "open(%s)", lo->path);
		goto out_close_tmp;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		rc = ipc_errf(e, errno, "fstat(%s)", lo->path);
		(void)close(fd);
		goto out_close_tmp;
	}
	if (st.st_dev != lo->dev || st.st_ino != lo->ino) {
		(void)close(fd);
		rc = -ESTALE; /* replaced since it was listed */
		goto out_close_tmp;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		rc = ipc_errf(e, errno, "fdopendir(%s)", lo->path);
		(void)close(fd);
		goto out_close_tmp;
	}
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (dots(de->d_name))
			continue;
		if (lstat_in(d, de->d_name, &st) < 0) {
			rc = ipc_errf(e, errno, "stat(%s/%s)", lo->path,
				      de->d_name);
		} else if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode)) {
			rc = ipc_errf(e, ENOTEMPTY, "%s/%s appeared, neither "
				      "a FIFO nor a socket; not removed",
				      lo->path, de->d_name);
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0 &&
			   errno != ENOENT) {
			rc = ipc_errf(e, errno, "unlink(%s/%s)", lo->path,
				      de->d_name);
		}
	}
	(void)closedir(d);
	if (rc == 0 && unlinkat(tfd, base, AT_REMOVEDIR) < 0)
		rc = ipc_errf(e, errno, "rmdir(%s)", lo->path);
out_close_tmp:
	(void)close(tfd);
	return rc;
}

/*
 * Look once more, then remove.  0 removed; -ESTALE when it changed since
 * it was listed (lo->kept says how) or is gone already; another -errno
 * with e filled when the removal failed.
 */
static int remove_one(struct leftover *lo, struct ipc_err *e)
{
	if (lo->kind == K_XFR)
		return remove_rdv(lo, e);
	if (alive(lo->pid)) {
		keep(lo, "creator %d is running now", (int)lo->pid);
		return -ESTALE;
	}
	if (lo->kind >= K_SYSV_SHM) {
		char why[sizeof(lo->kept)];
		int rc = sysv_check(lo, why, sizeof(why));
		if (rc == -EINVAL || rc == -EIDRM) {
			keep(lo, "gone, or replaced, since it was listed");
			return -ESTALE;
		}
		if (rc < 0)
			return ipc_errf(e, -rc, "IPC_STAT(%s)", lo->name);
		if (why[0]) {
			keep(lo, "%s", why);
			return -ESTALE;
		}
		if (lo->kind == K_SYSV_SHM)
			rc = shmctl(lo->id, IPC_RMID, NULL);
		else if (lo->kind == K_SYSV_SEM)
			rc = semctl(lo->id, 0, IPC_RMID);
		else
			rc = msgctl(lo->id, IPC_RMID, NULL);
		if (rc < 0)
			return ipc_errf(e, errno, "%s(%s, IPC_RMID)",
					lo->kind == K_SYSV_SHM ? "shmctl"
					: lo->kind == K_SYSV_SEM ? "semctl"
					: "msgctl", lo->name);
		return 0;
	}
	struct stat st;
	if (lstat(lo->path, &st) < 0 || st.st_dev != lo->dev ||
	    st.st_ino != lo->ino) {
		keep(lo, "gone, or replaced, since it was listed");
		return -ESTALE;
	}
	if (lo->kind == K_TMPDIR) {
		int rc = remove_tmpdir(lo, e);
		if (rc == -ESTALE)
			keep(lo, "replaced since it was listed");
		return rc;
	}
	int rc = 0;
	if (lo->kind == K_POSIX_SHM)
		rc = shm_unlink(lo->name);
	else if (lo->kind == K_POSIX_SEM)
		rc = sem_unlink(lo->name);
	else if (lo->kind == K_POSIX_MQ)
		rc = mq_unlink(lo->name);
	else if (lo->kind == K_HUGETLBFS)
		rc = unlink(lo->path);
	if (rc < 0)
		return ipc_errf(e, errno, "%s(%s)",
				lo->kind == K_POSIX_SHM ? "shm_unlink"
				: lo->kind == K_POSIX_SEM ? "sem_unlink"
				: lo->kind == K_POSIX_MQ ? "mq_unlink"
				: "unlink",
				lo->kind == K_HUGETLBFS ? lo->path : lo->name);
	return 0;
}

/* ---- output ---------------------------------------------------------- */

static const char *owner_name(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char pwbuf[1024];
	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
		snprintf(buf, len, "%s", res->pw_name);
	else
		snprintf(buf, len, "%lu", (unsigned long)uid);
	return buf;
}

static void print_row(const struct leftover *lo, int wname, int wowner,
		      const char *lead)
{
	char owner[64], creator[16];
	if (lo->pid)
		snprintf(creator, sizeof(creator), "%d", (int)lo->pid);
	else
		snprintf(creator, sizeof(creator), "?");
	printf("%s%-9s  %-*s  %-*s  %-7s  %llu %s", lead, kinds[lo->kind].name,
	       wname, lo->name, wowner,
	       owner_name(lo->uid, owner, sizeof(owner)), creator, lo->size,
	       lo->kind == K_TMPDIR && lo->size == 1 ? "entry"
						    : kinds[lo->kind].unit);
	if (lo->kept[0])
		printf("  (%s)", lo->kept);
	putchar('\n');
	for (unsigned i = 0; lo->kind == K_XFR && i < lo->rec.nobj; i++) {
		char what[200];
		describe_obj(&lo->rec.obj[i], what, sizeof(what));
		printf("%s    object: %s\n", lead, what);
	}
}

static void print_table(const struct clean *c, int kept, const char *lead)
{
	int wname = 4, wowner = 5;
	for (size_t i = 0; i < c->n; i++) {
		char owner[64];
		if (c->v[i].dup || !c->v[i].kept[0] != !kept)
			continue;
		int l = (int)strlen(c->v[i].name);
		if (l > wname)
			wname = l;
		l = (int)strlen(owner_name(c->v[i].uid, owner, sizeof(owner)));
		if (l > wowner)
			wowner = l;
	}
	printf("%s%-9s  %-*s  %-*s  %-7s  %s\n", lead, "kind", wname, "name",
	       wowner, "owner", "creator", "size");
	for (size_t i = 0; i < c->n; i++)
		if (!c->v[i].dup && !c->v[i].kept[0] == !kept)
			print_row(&c->v[i], wname, wowner, lead);
}

static int by_kind_then_name(const void *a, const void *b)
{
	const struct leftover *x = a, *y = b;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipclab clean [--dry-run] [--all-users] [-v]\n"
		"Remove what crashed ipclab runs left behind: POSIX shared "
		"memory, semaphores\nand message queues named ipclab-*, "
		"ipclab-* files on hugetlbfs mounts,\n/tmp/ipclab-<pid>-* "
		"directories of FIFOs and sockets, System V objects\n"
		"whose key carries ipclab's mark, and the /tmp/ipclab-NAME "
		"directories of\ntwo-program runs (`ipclab xfr`) with the objects "
		"their record lists.  Only objects of the "
		"current user whose\ncreating process is gone and that no "
		"running process still uses are removed.\n\n"
		"  -n, --dry-run    list the leftovers, remove nothing\n"
		"      --all-users  objects of every user (root only)\n"
		"  -v, --verbose    also list the ipclab objects kept, and "
		"why\n"
		"  -h, --help       this text\n\n"
		"Exit status: 0 cleaned (or nothing to clean), 1 something "
		"could not be\nremoved or examined (the reason is printed), "
		"2 bad usage.\n");
}

static int parse(struct clean *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{"all-users", no_argument, NULL, 'a'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 0; /* glibc: start afresh, inner state too */
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "+:nvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			c->dry_run = 1;
			break;
		case 'a':
			c->all_users = 1;
			break;
		case 'v':
			c->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default: {
			const char *word = optind > 0 && optind <= argc
						   ? argv[optind - 1] : "";
			if (strncmp(word, "--", 2) == 0)
				say_err("clean", "unknown option %s (see "
					"--help)", word);
			else
				say_err("clean", "unknown option -%c (see "
					"--help)", optopt);
			return 2;
		}
		}
	}
	if (optind < argc) {
		say_err("clean", "unexpected argument '%s' (clean takes "
			"options only; see --help)", argv[optind]);
		return 2;
	}
	if (c->all_users && geteuid() != 0) {
		say_err("clean", "--all-users: only root may remove other "
			"users' objects (run it as root, or drop "
			"--all-users)");
		return 2;
	}
	return -1; /* go on */
}

int clean_main(int argc, char **argv)
{
	struct clean c = {.uid = geteuid()};
	int status = parse(&c, argc, argv);
	if (status >= 0)
		return status;

	if (scan(&c) < 0) {
		say_err("clean", "out of memory");
		free(c.v);
		free(c.w);
		return 1;
	}
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), by_kind_then_name);

	size_t found = 0, kept = 0;
	for (size_t i = 0; i < c.n; i++)
		if (!c.v[i].dup)
			c.v[i].kept[0] ? kept++ : found++;
	if (found)
		print_table(&c, 0, "");

	size_t removed = 0, failed = 0, changed = 0;
	for (size_t i = 0; i < c.n && !c.dry_run; i++) {
		struct leftover *lo = &c.v[i];
		if (lo->kept[0] || lo->dup)
			continue;
		struct ipc_err e;
		int rc = remove_one(lo, &e);
		if (rc == 0) {
			removed++;
		} else if (rc == -ESTALE) {
			changed++;
			if (c.verbose)
				printf("not removed: %s %s (%s)\n",
				       kinds[lo->kind].name, lo->name,
				       lo->kept);
		} else {
			failed++;
			say_err("clean", "%s", e.msg);
		}
	}

	if (c.verbose && kept) {
		printf("kept (ipclab's, but not leftovers):\n");
		print_table(&c, 1, "  ");
	}
	for (size_t i = 0; i < c.nnotes; i++)
		if (c.verbose || strncmp(c.notes[i], "no mqueue", 9) != 0)
			say_err("clean", "note: %s", c.notes[i]);

	if (c.dry_run)
		printf("%zu leftover(s) found; nothing removed (--dry-run)\n",
		       found);
	else if (found == 0)
		printf("no leftovers found\n");
	else
		printf("removed %zu of %zu leftover(s)%s%s\n", removed, found,
		       failed ? "; some could not be removed (see above)" : "",
		       changed ? "; some changed since they were listed and "
				 "were kept" : "");
	free(c.v);
	free(c.w);
	return failed || c.failed ? 1 : 0;
}
