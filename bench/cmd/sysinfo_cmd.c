/* sysinfo_cmd.c - `ipclab sysinfo [--json]`: this machine (sysinfo.h). */
#include "commands.h"
#include "sysinfo.h"

#include <stdio.h>
#include <string.h>

int sysinfo_main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
			 strcmp(argv[1], "-h") == 0)) {
		printf("usage: ipclab sysinfo [--json]\nThis machine's CPUs, "
		       "kernel, huge pages, THP and IPC limits; --json: the "
		       "same as a sweep's meta.json.\n");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--json") == 0) {
		sysinfo_write_json(stdout, NULL, NULL, NULL, NULL, NULL);
	} else if (argc > 1) {
		fprintf(stderr, "ipclab: sysinfo: unknown option (use --json)\n");
		return 2;
	} else {
		sysinfo_write_text(stdout);
	}
	return 0;
}
