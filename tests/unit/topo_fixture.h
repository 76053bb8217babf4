/*
 * topo_fixture.h - the fixture machines of tests/fixtures/topology/ (made
 * by make_fixtures.py) for the unit tests that place processes on them,
 * with an allowed set restricted the way taskset would (NULL: all online).
 */
#ifndef IPCLAB_TOPO_FIXTURE_H
#define IPCLAB_TOPO_FIXTURE_H

#include "check.h"
#include "topology.h"

#include <stdio.h>
#include <string.h>

static struct topology topo;

/* tests/unit/ -> tests/fixtures/topology/NAME */
static const struct topology *load(const char *name, const char *allowed)
{
	char root[1024], why[512];
	const char *slash = strrchr(__FILE__, '/');
	int dirlen = slash ? (int)(slash - __FILE__) : 0;
	snprintf(root, sizeof(root), "%.*s/../fixtures/topology/%s", dirlen,
		 __FILE__, name);
	cpu_set_t set;
	if (allowed)
		CHECK(topo_parse_cpulist(allowed, &set) == 0);
	int rc = topology_read(&topo, root, allowed ? &set : NULL, why,
			       sizeof(why));
	if (rc)
		fprintf(stderr, "%s: %s\n", root, why);
	CHECK(rc == 0);
	return &topo;
}

/* A placement that should have been refused: got is "skipped: why" with
 * text in why. */
static void want_skipped(const char *got, const char *text, const char *file,
			 int line)
{
	if (strncmp(got, "skipped: ", 9) || !strstr(got, text)) {
		fprintf(stderr, "%s:%d: want skipped with '%s', got '%s'\n",
			file, line, text, got);
		check_failed = 1;
	}
}

#endif
