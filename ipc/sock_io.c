/* sock_io.c - the helpers of the socket transports (see sock_io.h). */
#include "sock_io.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- 1. socket buffers ------------------------------------------------- */

int ipc_sock_check_cap(size_t kbuf, const char *sysctl, char *why,
		       size_t whylen)
{
	char path[64];
	unsigned long limit;
	snprintf(path, sizeof(path), "/proc/sys/net/core/%s", sysctl);
	if (ipc_read_ulong(path, &limit) < 0 || kbuf <= limit)
		return 0;
	snprintf(why, whylen,
		 "--sock-buf %zu: above net.core.%s (%lu bytes), the kernel "
		 "would silently cap it; use at most %lu, or raise it as root: "
		 "sysctl net.core.%s=%zu",
		 kbuf, sysctl, limit, limit, sysctl, kbuf);
	return -EINVAL;
}

int ipc_sock_validate(const struct ipc_params *p, char *why, size_t whylen)
{
	if (p->kbuf_size == 0)
		return 0;
	if (p->kbuf_size > INT_MAX / 2) {
		snprintf(why, whylen,
			 "--sock-buf %zu: too large (setsockopt takes an int "
			 "that the kernel doubles: at most %d)",
			 p->kbuf_size, INT_MAX / 2);
		return -EINVAL;
	}
	int rc = ipc_sock_check_cap(p->kbuf_size, "wmem_max", why, whylen);
	if (rc == 0)
		rc = ipc_sock_check_cap(p->kbuf_size, "rmem_max", why, whylen);
	return rc;
}

int ipc_sock_set_int(int fd, int level, int opt, int v, const char *name,
		     struct ipc_err *e)
{
	if (setsockopt(fd, level, opt, &v, sizeof(v)) < 0)
		return ipc_errf(e, errno, "setsockopt(%s, %d)", name, v);
	return 0;
}

static const char *buf_name(int opt)
{
	return opt == SO_SNDBUF ? "SO_SNDBUF" : "SO_RCVBUF";
}

int ipc_sock_get_buf(int fd, int opt, size_t *out, struct ipc_err *e)
{
	int v = 0;
	socklen_t len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) < 0)
		return ipc_errf(e, errno, "getsockopt(%s)", buf_name(opt));
	*out = v > 0 ? (size_t)v : 0;
	return 0;
}

int ipc_sock_set_buf(int fd, int opt, size_t req, size_t *obtained,
		     struct ipc_err *e)
{
	if (req) {
		int rc = ipc_sock_set_int(fd, SOL_SOCKET, opt, (int)req,
					  buf_name(opt), e);
		if (rc < 0)
			return rc;
	}
	return ipc_sock_get_buf(fd, opt, obtained, e);
}

/* ---- 2. byte streams --------------------------------------------------- */

int ipc_sock_send_all(int fd, const char *what, const void *buf, size_t len,
		      struct ipc_err *e)
{
	const char *p = buf;
	while (len > 0) {
		/* MSG_NOSIGNAL: a dead reader is EPIPE even if SIGPIPE is not
		 * ignored. */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ipc_errf(e, errno, "send(%s, %zu)", what, len);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ipc_sock_recv(int fd, const char *what, void *buf, size_t cap,
		  size_t *len, struct ipc_err *e)
{
	for (;;) {
		ssize_t n = recv(fd, buf, cap, 0);
		if (n >= 0) {
			*len = (size_t)n;
			return 0;
		}
		if (errno != EINTR)
			return ipc_errf(e, errno, "recv(%s, %zu)", what, cap);
	}
}

int ipc_sock_shutdown(int fd, int *shut, const char *what, struct ipc_err *e)
{
	if (!*shut && shutdown(fd, SHUT_WR) < 0)
		return ipc_errf(e, errno, "shutdown(%s, SHUT_WR)", what);
	*shut = 1;
	return 0;
}

/* ---- 3. named Unix sockets --------------------------------------------- */

static const char *type_name(int type)
{
	return type == SOCK_SEQPACKET ? "SOCK_SEQPACKET" : "SOCK_STREAM";
}

int ipc_sock_check_peer(int fd, pid_t pid, const char *path,
			struct ipc_err *e)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return ipc_errf(e, errno, "getsockopt(%s, SO_PEERCRED)", path);
	if (cr.uid != geteuid() || (pid && cr.pid != pid))
		return ipc_errf(e, EPERM, "%s: the peer is pid %ld of uid %ld, "
				"not %s", path, (long)cr.pid, (long)cr.uid,
				pid ? "the recorded writer" : "you");
	return 0;
}

int ipc_sock_listen_named(struct ipc_rdv *r, const struct ipc_params *p,
			  const char *transport, int type, int *lfd,
			  struct ipc_err *e)
{
	int rc = ipc_rdv_create(r, p, transport, e);
	if (rc < 0)
		return rc;
	rc = ipc_sock_bind_named(r, type, 0, lfd, e);
	if (rc < 0)
		return rc;
	return ipc_rdv_ready(r, e);
}

int ipc_sock_bind_named(struct ipc_rdv *r, int type, mode_t mode, int *lfd,
			struct ipc_err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	ipc_rdv_path(r, "sock", sa.sun_path, sizeof(sa.sun_path));
	*lfd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (*lfd < 0)
		return ipc_errf(e, errno, "socket(AF_UNIX, %s)", type_name(type));
	if (bind(*lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return ipc_errf(e, errno, "bind(%s)", sa.sun_path);
	int rc = ipc_rdv_add_path(r, sa.sun_path, e);
	if (rc < 0)
		return rc;
	if (mode && chmod(sa.sun_path, mode) < 0)
		return ipc_errf(e, errno, "chmod(%s, 0%o)", sa.sun_path,
				(unsigned)mode);
	if (listen(*lfd, 1) < 0)
		return ipc_errf(e, errno, "listen(%s)", sa.sun_path);
	return 0;
}

int ipc_sock_accept_named(struct ipc_rdv *r, int *lfd, int *fd,
			  struct ipc_err *e)
{
	const struct ipc_rdv_obj *o = &r->info.obj[0];
	int rc = ipc_rdv_wait_reader(r, e);
	if (rc < 0)
		return rc;
	int cfd;
	while ((cfd = accept4(*lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			return ipc_errf(e, errno, "accept(%s)", o->name);
		rc = ipc_rdv_poll(r, "waiting for it to connect", e);
		if (rc < 0)
			return rc;
	}
	*fd = cfd;
	ipc_close_fd(lfd); /* one reader per name */
	rc = ipc_sock_check_peer(cfd, 0, o->name, e);
	if (rc < 0)
		return rc;
	(void)ipc_rdv_remove_obj(o); /* connected: the path has done its job */
	return 0;
}

int ipc_sock_connect_named(struct ipc_rdv *r, int type, int *fd,
			   struct ipc_err *e)
{
	const struct ipc_rdv_obj *o = &r->info.obj[0];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int rc = ipc_rdv_expect_one(r, IPC_RDV_PATH, "socket", e);
	if (rc < 0)
		return rc;
	if (strlen(o->name) >= sizeof(sa.sun_path))
		return ipc_errf(e, EBADMSG, "%s: the record lists no socket",
				r->dir);
	memcpy(sa.sun_path, o->name, strlen(o->name) + 1);
	struct stat st;
	if (lstat(o->name, &st) < 0)
		return ipc_errf(e, errno, "lstat(%s)", o->name);
	if (!S_ISSOCK(st.st_mode) || (uint64_t)st.st_ino != o->ino ||
	    (uint64_t)st.st_dev != o->dev)
		return ipc_errf(e, ESTALE, "%s is not the socket the writer made",
				o->name);
	*fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return ipc_errf(e, errno, "socket(AF_UNIX, %s)", type_name(type));
	/* The writer listens since before it published the record. */
	while (connect(*fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		if (errno != EINTR)
			return ipc_errf(e, errno, "connect(%s)", o->name);
	return ipc_sock_check_peer(*fd, (pid_t)r->info.writer_pid, o->name, e);
}

int ipc_sock_send_fds(int sock, const void *data, size_t len, const int *fds,
		      unsigned n, struct ipc_err *e)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * IPC_SOCK_FDS_MAX)];
		struct cmsghdr align;
	} u;
	if (n == 0 || n > IPC_SOCK_FDS_MAX)
		return ipc_errf(e, EINVAL, "sendmsg(SCM_RIGHTS, %u fds): 1 to "
				"%d", n, IPC_SOCK_FDS_MAX);
	memset(&u, 0, sizeof(u));
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	ssize_t r;
	while ((r = sendmsg(sock, &m, MSG_NOSIGNAL)) < 0)
		if (errno != EINTR)
			return ipc_errf(e, errno, "sendmsg(SCM_RIGHTS, %u fds)", n);
	if ((size_t)r != len) /* a few dozen bytes into an empty socket */
		return ipc_errf(e, EPROTO, "sendmsg(SCM_RIGHTS): %zd of %zu "
				"bytes", r, len);
	return 0;
}

int ipc_sock_recv_fds(struct ipc_rdv *r, int sock, void *data, size_t len,
		      int *fds, unsigned n, struct ipc_err *e)
{
	/* Room for a few more than asked, so that a sender of too many is
	 * told apart from a truncated message (the extra ones are closed). */
	union {
		char buf[CMSG_SPACE(sizeof(int) * (IPC_SOCK_FDS_MAX + 4))];
		struct cmsghdr align;
	} u;
	if (n > IPC_SOCK_FDS_MAX)
		return ipc_errf(e, EINVAL, "recvmsg(SCM_RIGHTS, %u fds): at most "
				"%d", n, IPC_SOCK_FDS_MAX);
	struct pollfd pfd = {.fd = sock, .events = POLLIN};
	for (;;) {
		int k = poll(&pfd, 1, IPC_RDV_CHECK_MS);
		if (k > 0)
			break;
		if (k < 0 && errno != EINTR)
			return ipc_errf(e, errno, "poll(socket)");
		int rc = ipc_rdv_check_peer(r, e);
		if (rc < 0)
			return rc;
	}
	memset(&u, 0, sizeof(u));
	struct iovec iov = {.iov_base = data, .iov_len = len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
			   .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	ssize_t got_len;
	while ((got_len = recvmsg(sock, &m, MSG_CMSG_CLOEXEC)) < 0)
		if (errno != EINTR)
			return ipc_errf(e, errno, "recvmsg(SCM_RIGHTS)");
	unsigned got = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (got < n)
				fds[got] = fd;
			else
				(void)close(fd); /* more than a writer sends */
			got++;
		}
	}
	if (got_len == 0)
		return ipc_errf(e, EPIPE, "recvmsg: the writer (pid %ld) is "
				"gone before it sent the descriptors",
				(long)r->peer_pid);
	if ((size_t)got_len != len || got != n || (m.msg_flags & MSG_CTRUNC)) {
		for (unsigned i = 0; i < got && i < n; i++)
			ipc_close_fd(&fds[i]);
		return ipc_errf(e, EPROTO, "recvmsg: %zd bytes and %u "
				"descriptors, want %zu and %u", got_len, got,
				len, n);
	}
	return 0;
}
