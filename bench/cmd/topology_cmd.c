/*
 * topology_cmd.c - `ipclab topology [--json]`: the machine's shape (cores,
 * SMT siblings, LLC groups, sockets, NUMA nodes, the allowed CPUs) and what
 * each --pin name resolves to here, or why it cannot.  Exit status: 0, 1
 * the topology is unreadable, 2 bad usage.
 */
#include "commands.h"
#include "json.h"
#include "placement.h"
#include "topology.h"

#include <stdio.h>
#include <string.h>

static const enum run_pin shown[] = {PIN_SAME, PIN_SPLIT, PIN_SMT, PIN_CORE,
				     PIN_LLC, PIN_SOCKET, PIN_NUMA};
#define NSHOWN (sizeof(shown) / sizeof(shown[0]))

static void write_text(const struct topology *t)
{
	char shape[256];
	topology_describe(t, shape, sizeof(shape));
	printf("machine: %s\nsysfs: %s; allowed set from %s\n\n", shape,
	       t->root, t->allowed_from);
	printf("%-7s %-9s %-8s %s\n", "pin", "CPUs W,R", "relation", "");
	for (size_t i = 0; i < NSHOWN; i++) {
		struct run_config c = {.pin = shown[i]};
		char why[512], name[24], cpus[24];
		const char *n = placement_name(&c, name, sizeof(name));
		if (placement_resolve_in(&c, t, why, sizeof(why)) < 0) {
			printf("%-7s %-9s %-8s skipped: %s\n", n, "-", "-", why);
			continue;
		}
		snprintf(cpus, sizeof(cpus), "%d,%d", c.cpu_writer, c.cpu_reader);
		printf("%-7s %-9s %s\n", n, cpus, c.relation);
	}
}

static void write_json(const struct topology *t)
{
	fputs("{\"topology\": ", stdout);
	topology_write_json(stdout, t);
	fputs(", \"placements\": {", stdout);
	for (size_t i = 0; i < NSHOWN; i++) {
		struct run_config c = {.pin = shown[i]};
		char why[512], name[24];
		printf("%s\"%s\": ", i ? ", " : "",
		       placement_name(&c, name, sizeof(name)));
		if (placement_resolve_in(&c, t, why, sizeof(why)) < 0) {
			fputs("{\"skipped\": ", stdout);
			json_write_string(stdout, why);
			putchar('}');
		} else {
			printf("{\"writer\": %d, \"reader\": %d, \"relation\": "
			       "\"%s\"}", c.cpu_writer, c.cpu_reader, c.relation);
		}
	}
	fputs("}}\n", stdout);
}

int topology_main(int argc, char **argv)
{
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--help") == 0 ||
			   strcmp(argv[i], "-h") == 0) {
			printf("usage: ipclab topology [--json]\n"
			       "The machine's cores, SMT siblings, LLC groups, "
			       "sockets and NUMA nodes (sysfs; $IPCLAB_SYSFS_ROOT "
			       "to read another tree), the CPUs this process may "
			       "use, and the CPUs each --pin name resolves to.\n");
			return 0;
		} else {
			fprintf(stderr, "ipclab: topology: %s: unknown option "
				"(use --json or --help)\n", argv[i]);
			return 2;
		}
	}
	char why[512];
	const struct topology *t = topology_get(why, sizeof(why));
	if (!t) {
		fprintf(stderr, "ipclab: topology: %s\n", why);
		return 1;
	}
	if (json)
		write_json(t);
	else
		write_text(t);
	return 0;
}
