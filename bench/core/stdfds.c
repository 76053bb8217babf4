/* stdfds.c - descriptors 0, 1 and 2 at program start (see stdfds.h). */
#include "stdfds.h"
#include "say.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int closed_at_start[3];

int stdfds_ensure(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free number is fd: 0..fd-1 are open by now. */
		int nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (nfd < 0)
			return -1;
		if (nfd != fd) { /* cannot happen; never leave fd free */
			close(nfd);
			errno = EBADF;
			return -1;
		}
		closed_at_start[fd] = 1;
	}
	return 0;
}

int stdfds_was_closed(int fd)
{
	return fd >= 0 && fd < 3 && closed_at_start[fd];
}

int stdfds_flush_stdout(const char *cmd)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	say_err(cmd, "writing standard output: %s",
		errno ? strerror(errno) : "an earlier write failed");
	return -1;
}
