/* limit_hint.c - which resource limit failed, and the fix (limit_hint.h). */
#include "limit_hint.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/*
 * Transports name the System V and mq limits themselves; descriptors are
 * everyone's, so they are explained here, and the way to raise a kernel IPC
 * limit is added where the transport named one.
 */
void limit_hint_add(char *reason, size_t len)
{
	char hint[200] = "";
	struct rlimit rl;
	if (strstr(reason, "EMFILE") && !strstr(reason, "ulimit") &&
	    getrlimit(RLIMIT_NOFILE, &rl) == 0)
		snprintf(hint, sizeof(hint), " - the open-file limit of a process "
			 "is reached (ulimit -n = %llu); raise it: ulimit -n 1024",
			 (unsigned long long)rl.rlim_cur);
	else if (strstr(reason, "ENFILE"))
		snprintf(hint, sizeof(hint), " - the system-wide open-file limit "
			 "is reached (fs.file-max, /proc/sys/fs/file-nr); close "
			 "files or raise it as root: sysctl -w fs.file-max=N");
	else if (strstr(reason, "ENOSPC") && !strstr(reason, "sysctl") &&
		 (strstr(reason, "semget") || strstr(reason, "msgget") ||
		  strstr(reason, "mq_open")))
		snprintf(hint, sizeof(hint), " - a kernel IPC limit is reached "
			 "(ipcs -l; ipcs); remove leftovers (ipclab clean) or "
			 "raise the limit named above as root with sysctl -w");
	size_t n = strlen(reason);
	if (hint[0] && n < len)
		snprintf(reason + n, len - n, "%s", hint);
}
