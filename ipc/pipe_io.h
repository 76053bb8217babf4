/*
 * pipe_io.h - what the pipe-like transports share.  pipe.c and fifo.c are
 * the same kernel pipe reached two ways (pipe_vmsplice.c a third); the
 * capacity option and the copying loops are written once here.
 *
 * The rendezvous of two-program mode has its own header, rendezvous.h,
 * included here for the named transports that use both.
 */
#ifndef IPCLAB_PIPE_IO_H
#define IPCLAB_PIPE_IO_H

#include <stddef.h>

#include "rendezvous.h"
#include "transport.h"

/* The validate slot of the pipe transports: --pipe-size (p->kbuf_size)
 * against fs.pipe-max-size; 0, or -EINVAL and the fix in why. */
int ipc_pipe_validate(const struct ipc_params *p, char *why, size_t whylen);

/* F_SETPIPE_SZ when kbuf != 0, then the capacity obtained (F_GETPIPE_SZ). */
int ipc_pipe_set_capacity(int fd, size_t kbuf, size_t *obtained,
			  struct ipc_err *e);

/* Write len bytes to *fd, looping over short writes; len == 0 is end of
 * stream: *fd is closed (set to -1), so the reader sees end of file.  what
 * names the object in messages ("pipe", "fifo"). */
int ipc_pipe_send(int *fd, const char *what, const void *buf, size_t len,
		  struct ipc_err *e);

/* One read() of up to cap bytes (*len = 0: end of file), EINTR retried. */
int ipc_pipe_recv(int fd, const char *what, void *buf, size_t cap,
		  size_t *len, struct ipc_err *e);

/* Clear O_NONBLOCK on a FIFO end opened with it (path names it in e). */
int ipc_pipe_set_blocking(int fd, const char *path, struct ipc_err *e);

#endif
