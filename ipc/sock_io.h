/*
 * sock_io.h - what the socket transports share: unix-stream,
 * unix-seqpacket and tcp-loopback.
 *
 * 1. The socket buffer option (--sock-buf): its checks against the sysctls
 *    the kernel applies silently, setting it, and reading back what the
 *    kernel granted (it doubles the request).
 *
 * 2. The byte-stream loops of unix-stream and tcp-loopback: send all bytes
 *    (MSG_NOSIGNAL, so that a dead reader is an error, not a signal), one
 *    recv, and end of stream as shutdown(SHUT_WR).  unix-seqpacket shares
 *    only the shutdown and keeps its own send and recv: one send is one
 *    message there, and a recv must not cut one.
 *
 * 3. Two-program mode of the Unix sockets: the socket is
 *    /tmp/ipclab-NAME/sock, in the rendezvous directory of rendezvous.h.  The
 *    writer binds and listens from create and accepts from attach; the
 *    reader connects from open; each checks the other with SO_PEERCRED.
 *    Once connected the path has no further use and is removed.  memfd and
 *    shm-eventfd use the same socket to hand over descriptors (SCM_RIGHTS)
 *    with a header of their own.
 */
#ifndef IPCLAB_SOCK_IO_H
#define IPCLAB_SOCK_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "rendezvous.h"
#include "transport.h"

/* ---- 1. socket buffers ------------------------------------------------- */

/* --sock-buf kbuf against net.core.SYSCTL (wmem_max or rmem_max), above
 * which the kernel would cap it silently: 0, or -EINVAL and the fix in why. */
int ipc_sock_check_cap(size_t kbuf, const char *sysctl, char *why,
		       size_t whylen);

/* The validate slot of a socket pair whose writer sets SO_SNDBUF and reader
 * SO_RCVBUF: p->kbuf_size fits setsockopt's int, which the kernel doubles,
 * and both caps. */
int ipc_sock_validate(const struct ipc_params *p, char *why, size_t whylen);

/* setsockopt of one int option; name is the option in e. */
int ipc_sock_set_int(int fd, int level, int opt, int v, const char *name,
		     struct ipc_err *e);

/* SO_SNDBUF or SO_RCVBUF (opt) as the kernel set it, into *out. */
int ipc_sock_get_buf(int fd, int opt, size_t *out, struct ipc_err *e);

/* Ask for req bytes of SO_SNDBUF or SO_RCVBUF (0: keep the default; at
 * most INT_MAX / 2, which validate checked), then read back what the
 * kernel granted into *obtained. */
int ipc_sock_set_buf(int fd, int opt, size_t req, size_t *obtained,
		     struct ipc_err *e);

/* ---- 2. byte streams --------------------------------------------------- */

/* Send all len bytes, looping over short sends; what names the transport
 * in e ("send(what, len)"). */
int ipc_sock_send_all(int fd, const char *what, const void *buf, size_t len,
		      struct ipc_err *e);

/* One recv() of up to cap bytes (*len = 0: end of stream), EINTR retried. */
int ipc_sock_recv(int fd, const char *what, void *buf, size_t cap,
		  size_t *len, struct ipc_err *e);

/* End of stream: shutdown(fd, SHUT_WR), once (*shut records it), so the
 * reader's recv returns 0 after the data. */
int ipc_sock_shutdown(int fd, int *shut, const char *what, struct ipc_err *e);

/* ---- 3. named Unix sockets (two-program mode) -------------------------- */

/* The peer of a connected Unix socket is the caller's user and, when pid is
 * not 0, that process: else -EPERM naming both (path names the socket). */
int ipc_sock_check_peer(int fd, pid_t pid, const char *path,
			struct ipc_err *e);

/* Writer, from create: the rendezvous for transport, a non-blocking socket
 * of type (SOCK_STREAM, SOCK_SEQPACKET) bound to its "sock" path and
 * listening (so the reader's connect succeeds at once, from the backlog)
 * into *lfd, then the record published. */
int ipc_sock_listen_named(struct ipc_rdv *r, const struct ipc_params *p,
			  const char *transport, int type, int *lfd,
			  struct ipc_err *e);

/* The middle of ipc_sock_listen_named, for a writer that makes its objects
 * between ipc_rdv_create and ipc_rdv_ready (memfd, shm-eventfd): a
 * non-blocking socket of type bound to the "sock" path, recorded, chmod to
 * mode (0: as the umask left it) and listening, into *lfd. */
int ipc_sock_bind_named(struct ipc_rdv *r, int type, mode_t mode, int *lfd,
			struct ipc_err *e);

/* Writer, from attach: wait for the reader, accept its connection into *fd
 * (closing *lfd: one reader per name), check it is the caller's user, and
 * remove the path. */
int ipc_sock_accept_named(struct ipc_rdv *r, int *lfd, int *fd,
			  struct ipc_err *e);

/* Reader, from open after ipc_rdv_open: check the record lists one socket
 * (and a BUF_SIZE), that the path is still the socket the writer made, then
 * connect a socket of type into *fd and check the peer is the recorded
 * writer. */
int ipc_sock_connect_named(struct ipc_rdv *r, int type, int *fd,
			   struct ipc_err *e);

/* Most descriptors one ipc_sock_send_fds / ipc_sock_recv_fds carries. */
#define IPC_SOCK_FDS_MAX 4

/* One sendmsg: len bytes of data (a header) and n descriptors as
 * SCM_RIGHTS (n <= IPC_SOCK_FDS_MAX). */
int ipc_sock_send_fds(int sock, const void *data, size_t len, const int *fds,
		      unsigned n, struct ipc_err *e);

/* Reader: wait (checking the writer of r lives) for len bytes of data and
 * exactly n descriptors in one message; on any failure none of them stays
 * open. */
int ipc_sock_recv_fds(struct ipc_rdv *r, int sock, void *data, size_t len,
		      int *fds, unsigned n, struct ipc_err *e);

#endif
