/*
 * pipe_io.c - the pipe helpers of the pipe-like transports (pipe_io.h).
 */
#include "pipe_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int ipc_pipe_validate(const struct ipc_params *p, char *why, size_t whylen)
{
	unsigned long limit;
	size_t kbuf = p->kbuf_size;
	if (kbuf == 0)
		return 0;
	if (ipc_read_ulong("/proc/sys/fs/pipe-max-size", &limit) == 0 &&
	    kbuf > limit) {
		snprintf(why, whylen,
			 "--pipe-size %zu: above fs.pipe-max-size (%lu bytes); "
			 "use at most %lu, or raise it as root: "
			 "sysctl fs.pipe-max-size=%zu",
			 kbuf, limit, limit, kbuf);
		return -EINVAL;
	}
	if (kbuf > INT32_MAX) { /* F_SETPIPE_SZ takes an int */
		snprintf(why, whylen, "--pipe-size %zu: too large (at most %d)",
			 kbuf, INT32_MAX);
		return -EINVAL;
	}
	return 0;
}

int ipc_pipe_set_capacity(int fd, size_t kbuf, size_t *obtained,
			  struct ipc_err *e)
{
	if (kbuf && fcntl(fd, F_SETPIPE_SZ, (int)kbuf) < 0)
		return ipc_errf(e, errno, "fcntl(F_SETPIPE_SZ, %zu)", kbuf);
	int cap = fcntl(fd, F_GETPIPE_SZ);
	if (cap < 0)
		return ipc_errf(e, errno, "fcntl(F_GETPIPE_SZ)");
	*obtained = (size_t)cap;
	return 0;
}

int ipc_pipe_send(int *fd, const char *what, const void *buf, size_t len,
		  struct ipc_err *e)
{
	if (len == 0) {
		/* End of stream: once the last write end is closed, the reader's
		 * read returns 0 after the data. */
		ipc_close_fd(fd);
		return 0;
	}
	int rc = ipc_write_full(*fd, buf, len);
	return rc < 0 ? ipc_errf(e, -rc, "write(%s, %zu)", what, len) : 0;
}

int ipc_pipe_recv(int fd, const char *what, void *buf, size_t cap,
		  size_t *len, struct ipc_err *e)
{
	for (;;) {
		ssize_t n = read(fd, buf, cap);
		if (n >= 0) {
			*len = (size_t)n;
			return 0;
		}
		if (errno != EINTR)
			return ipc_errf(e, errno, "read(%s, %zu)", what, cap);
	}
}

int ipc_pipe_set_blocking(int fd, const char *path, struct ipc_err *e)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return ipc_errf(e, errno, "fcntl(%s, F_SETFL)", path);
	return 0;
}
