/* util.c - helpers shared by the transports (see util.h). */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

const char *ipc_errno_name(int errnum)
{
	const char *n = strerrorname_np(errnum);
	return n ? n : "E?";
}

int ipc_errf(struct ipc_err *e, int errnum, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		if (errnum && n >= 0 && (size_t)n < sizeof(e->msg))
			snprintf(e->msg + n, sizeof(e->msg) - (size_t)n,
				 ": %s (%s)", ipc_errno_name(errnum),
				 strerror(errnum));
	}
	return errnum ? -errnum : -EIO;
}

void ipc_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;
	if (len == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		char esc[8];
		if (*p == '\n' || *p == '\t' || *p == '\r')
			snprintf(esc, sizeof(esc), "\\%c", *p == '\n' ? 'n'
				 : *p == '\t' ? 't' : 'r');
		else if (*p < 0x20 || *p == 0x7f)
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
		else
			esc[0] = (char)*p, esc[1] = '\0';
		size_t n = strlen(esc);
		if (o + n >= len)
			break;
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o] = '\0';
}

static unsigned name_counter;

void ipc_unique_name(char *buf, size_t len)
{
	unsigned n = __atomic_fetch_add(&name_counter, 1, __ATOMIC_RELAXED);
	uint64_t r = 0;
	/* Never blocks after boot; should it fail, the clock and the address
	 * of a stack variable still make the name hard to guess ahead. */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;
		(void)clock_gettime(CLOCK_MONOTONIC, &ts);
		r = ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^
		    (uint64_t)(uintptr_t)&ts;
	}
	snprintf(buf, len, "/" IPC_NAME_PREFIX "%ld-%u-%016llx", (long)getpid(),
		 n, (unsigned long long)r);
}

key_t ipc_sysv_key(unsigned attempt)
{
	static unsigned counter;
	unsigned c = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED) + attempt;
	unsigned pid = (unsigned)getpid() & 0x3fffffu;
	return (key_t)((IPC_KEY_MARK << 26) | (pid << 4) | (c & 0xfu));
}

int ipc_sysv_key_is_ours(key_t key, pid_t *pid)
{
	unsigned k = (unsigned)key;
	if (key == 0 || (k >> 26) != IPC_KEY_MARK)
		return 0;
	if (pid)
		*pid = (pid_t)((k >> 4) & 0x3fffffu);
	return 1;
}

void ipc_close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

void ipc_close_pair(int fd[2])
{
	ipc_close_fd(&fd[0]);
	ipc_close_fd(&fd[1]);
}

int ipc_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t ipc_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int ipc_read_block(int fd, const char *what, void *buf, size_t cap,
		   size_t *len, struct ipc_err *e)
{
	ssize_t n = ipc_read_full(fd, buf, cap);
	if (n < 0)
		return ipc_errf(e, (int)-n, "read(%s, %zu)", what, cap);
	*len = (size_t)n;
	return 0;
}

int ipc_read_ulong(const char *path, unsigned long *out)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	char *end;
	errno = 0;
	unsigned long v = strtoul(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	*out = v;
	return 0;
}

void *ipc_page_alloc(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return aligned_alloc(page, ipc_round_up(n ? n : 1, page));
}

int ipc_block_alloc(char **buf, size_t n, struct ipc_err *e)
{
	if (!*buf)
		*buf = malloc(n);
	if (!*buf)
		return ipc_errf(e, ENOMEM, "malloc(%zu)", n);
	memset(*buf, 0, n);
	return 0;
}

size_t ipc_round_up(size_t n, size_t align)
{
	if (align == 0)
		return n;
	return (n + align - 1) / align * align;
}

int ipc_pid_gone(pid_t pid)
{
	char path[64], buf[256];
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *s = strrchr(buf, ')'); /* the name may hold spaces */
	return s && (s[2] == 'Z' || s[2] == 'X');
}
