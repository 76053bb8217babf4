/*
 * util.h - small helpers shared by the transports: error messages in one
 * shape, unique kernel-object names, descriptors, whole reads and writes,
 * private buffers, and the machine limits read from /proc.
 */
#ifndef IPCLAB_UTIL_H
#define IPCLAB_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* An error message for the caller to print: "call(object): ENAME (text)". */
struct ipc_err {
	char msg[384];
};

/* Fill e with the formatted text, then ": ENAME (strerror)" when errnum != 0.
 * Returns -errnum (or -EIO when errnum is 0), so `return ipc_errf(...)` works. */
int ipc_errf(struct ipc_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "EACCES" for EACCES; "E?" when unknown. */
const char *ipc_errno_name(int errnum);

/*
 * in with control characters written as C escapes (\n, \t, \x1b), so that a
 * user's value cannot break a one-line message (escaping twice changes
 * nothing); out is always terminated, truncated to len.
 */
void ipc_escape(const char *in, char *out, size_t len);

/* Prefix of every kernel object ipclab makes; `ipclab clean` looks for it. */
#define IPC_NAME_PREFIX "ipclab-"

/*
 * "/ipclab-<pid>-<n>-<random>" (POSIX shm, mq, hugetlbfs files): the pid
 * for `ipclab clean`, a per-process counter, and 64 bits from getrandom, so
 * that nobody can create the names of the next runs first.  A creator still
 * opens with O_EXCL and, on EEXIST, tries IPC_NAME_TRIES fresh names.
 */
void ipc_unique_name(char *buf, size_t len);
#define IPC_NAME_TRIES 8

/*
 * A System V key that marks the object as ipclab's and records the creating
 * pid: IPC_KEY_MARK in the top 6 bits, the pid in the next 22, a counter in
 * the low 4.  Pass attempt = 0, 1, ... to retry after EEXIST.
 */
#define IPC_KEY_MARK 0x2du
key_t ipc_sysv_key(unsigned attempt);
/* 1 when key carries the mark; *pid gets the creator's pid. */
int ipc_sysv_key_is_ours(key_t key, pid_t *pid);

/* Close *fd if it is open and mark it closed (-1); safe to repeat. */
void ipc_close_fd(int *fd);
/* Both descriptors of a pipe or socket pair, as ipc_close_fd. */
void ipc_close_pair(int fd[2]);

/* Write all len bytes (loops over short writes, retries EINTR). */
int ipc_write_full(int fd, const void *buf, size_t len);
/* Read exactly len bytes; returns bytes read (< len only at end of file). */
ssize_t ipc_read_full(int fd, void *buf, size_t len);
/* A whole block from a byte stream (pipe, stream socket): read until cap
 * bytes or end of file, *len < cap only at end of file; what names the
 * object in e: "read(what, cap)". */
int ipc_read_block(int fd, const char *what, void *buf, size_t cap,
		   size_t *len, struct ipc_err *e);

/* Read one unsigned number from a /proc or /sys file; 0 ok, -errno. */
int ipc_read_ulong(const char *path, unsigned long *out);

/*
 * A private buffer of n bytes starting on a page boundary (free with free()).
 * Benchmarks copy between such buffers and shared blocks, which start on
 * pages: malloc's large blocks start 16 bytes past a page, and a memcpy
 * between addresses 16 bytes apart in their pages runs many times slower on
 * some CPUs (4 KiB aliasing), which would be measured as the transport's cost.
 */
void *ipc_page_alloc(size_t n);

/*
 * The private block of a transport whose system call is the copy (pipes,
 * sockets, queues): n bytes from malloc (kept when *buf is already set) and
 * touched now, so that its page faults stay out of the timed region.  0, or
 * -ENOMEM with "malloc(n)" in e.
 */
int ipc_block_alloc(char **buf, size_t n, struct ipc_err *e);

/* 1 when process pid has exited (gone or a zombie); 0 when it runs or pid
 * <= 0.  A recycled pid could hide a death; the driver's deadline ends that. */
int ipc_pid_gone(pid_t pid);

/* Round n up to a multiple of align (a power of two or not). */
size_t ipc_round_up(size_t n, size_t align);

/* A hint to the CPU inside a busy-wait loop: let the sibling thread run,
 * save power, leave the loop sooner when the line changes. */
static inline void ipc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

#endif
