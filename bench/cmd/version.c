/* version.c - `ipclab version` (or --version): what this binary is. */
#include "commands.h"
#include "config.h"

#include <stdio.h>
#include <string.h>

int version_main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
			 strcmp(argv[1], "-h") == 0)) {
		printf("usage: ipclab version (or ipclab --version)\n"
		       "The version, git revision, compiler and build "
		       "type of this binary.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "ipclab: version: takes no options "
			"or arguments (got '%s')\n", argv[1]);
		return 2;
	}
	printf("ipclab %s (%s, %s, %s)\n", IPCLAB_VERSION, IPCLAB_GIT_REV,
	       IPCLAB_COMPILER, IPCLAB_BUILD_TYPE);
	return 0;
}
