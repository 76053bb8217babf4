/*
 * test_transport.c - the transport contract (bench/core/contract.c), run once per
 * transport by ctest (transport.<name>; the names come from the ipc/ sources).
 *
 *   test_transport NAME        every case for one transport
 *   test_transport NAME CASE   one case (empty, streams, chunks, crash)
 *   test_transport --registry a,b,c   the registry lists exactly these
 *
 * Exit 77 when the transport is unavailable in this build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"
#include "transport.h"

static int check_registry(const char *names)
{
	char *copy = strdup(names), *save = NULL;
	size_t n = 0, listed = 0;
	int ok = copy != NULL;
	for (char *it = copy ? strtok_r(copy, ",", &save) : NULL; it;
	     it = strtok_r(NULL, ",", &save), n++)
		if (!ipc_transport_find(it)) {
			fprintf(stderr, "ipc/ defines %s, the registry lacks it\n", it);
			ok = 0;
		}
	for (const struct ipc_transport *const *t = ipc_transports(); *t; t++)
		listed++;
	if (listed != n) {
		fprintf(stderr, "the registry lists %zu transports, ipc/ defines "
			"%zu\n", listed, n);
		ok = 0;
	}
	free(copy);
	printf("%d passed, %d failed\n", ok, !ok);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_transport NAME [CASE] | --registry LIST\n");
		return 2;
	}
	if (strcmp(argv[1], "--registry") == 0)
		return check_registry(argc > 2 ? argv[2] : "");
	const struct ipc_transport *t = ipc_transport_find(argv[1]);
	if (!t) {
		fprintf(stderr, "unknown transport %s\n", argv[1]);
		return 1;
	}
	if (t->unavailable) {
		printf("%s unavailable: %s\n", t->name, t->unavailable);
		return 77;
	}
	struct contract_opts o = {.log = stdout, .case_timeout_s = 300};
	struct contract_result r;
	int rc = contract_run(t, argc > 2 ? argv[2] : NULL, &o, &r);
	if (rc < 0) {
		fprintf(stderr, "no case named %s\n", argv[2]);
		return 2;
	}
	printf("%d passed, %d failed\n", r.passed, r.failed);
	return rc;
}
