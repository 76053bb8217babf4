/* list.c - `ipclab list [-v]`: the transports (ipc/transports.def). */
#include "commands.h"
#include "transport.h"

#include <stdio.h>
#include <string.h>

int list_main(int argc, char **argv)
{
	int verbose = argc > 1 && (strcmp(argv[1], "-v") == 0 ||
				   strcmp(argv[1], "--verbose") == 0);
	if (argc > 1 && !verbose) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			printf("usage: ipclab list [-v]\nEvery transport with its "
			       "capabilities and its largest BUF_SIZE on this "
			       "machine; -v adds how it synchronises and the "
			       "limits that bound it.\n");
			return 0;
		}
		fprintf(stderr, "ipclab: list: unknown option (use -v or "
			"--help)\n");
		return 2;
	}
	ipc_transport_list(stdout, verbose);
	return 0;
}
