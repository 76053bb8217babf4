/*
 * topology.h - the shape of the machine from sysfs: which CPUs are online,
 * which share a core (SMT siblings), a last-level cache, a package (socket)
 * and a NUMA node, and which this process may use (taskset, cgroups).
 *
 * The sysfs root is /sys, or $IPCLAB_SYSFS_ROOT (tests point it at the trees
 * of tests/fixtures/topology/); the allowed set is sched_getaffinity's, or
 * $IPCLAB_ALLOWED_CPUS (a cpulist such as "0-3,8") when set, which lets the
 * tests restrict a fixture machine the way taskset would.
 */
#ifndef IPCLAB_TOPOLOGY_H
#define IPCLAB_TOPOLOGY_H

#include <sched.h>
#include <stddef.h>
#include <stdio.h>

#define TOPO_MAX_CPUS CPU_SETSIZE

struct topo_cpu {
	int online;
	int allowed; /* online and in this process's allowed set */
	int core;    /* smallest CPU of its core (its SMT siblings) */
	int llc;     /* smallest CPU of its last-level cache group */
	int package; /* physical_package_id */
	int node;    /* NUMA node; 0 when sysfs shows none */
};

struct topology {
	int ncpu; /* highest online CPU + 1 */
	struct topo_cpu cpu[TOPO_MAX_CPUS];
	int nonline, nallowed, ncores, nllcs, npackages, nnodes;
	int threads_per_core; /* the most CPUs of one core */
	int llc_level;        /* cache level of the LLC; 0: sysfs shows no
			       * caches and the package stands for the LLC */
	char root[256];
	const char *allowed_from; /* "sched_getaffinity" or the variable */
};

/* Parse a kernel cpulist ("0-3,8,10-11") into set; 0 or -EINVAL. */
int topo_parse_cpulist(const char *s, cpu_set_t *set);

/* Format the CPUs of set as a cpulist into buf. */
void topo_format_cpulist(const cpu_set_t *set, char *buf, size_t len);

/*
 * Read the topology under root (a directory holding devices/system/...),
 * with the allowed set given (NULL: every online CPU).  Files that are
 * missing fall back (no cache: the LLC is the package; no node: node 0; no
 * topology: each CPU its own core).  0, or -errno with why set when not
 * even the online CPUs can be found.
 */
int topology_read(struct topology *t, const char *root,
		  const cpu_set_t *allowed, char *why, size_t whylen);

/* This machine and process ($IPCLAB_SYSFS_ROOT, $IPCLAB_ALLOWED_CPUS
 * honoured), read once and kept; NULL with why set on failure. */
const struct topology *topology_get(char *why, size_t whylen);

/* The closest level CPUs a and b share: "same" (one CPU), "smt" (one core),
 * "core" (one LLC), "llc" (one package and node), "numa" (one package,
 * different nodes), "socket" (different packages). */
const char *topology_relation(const struct topology *t, int a, int b);

/* "2 CPUs online (2 allowed), 2 cores, 1 LLC group, 1 socket, 1 NUMA node" */
void topology_describe(const struct topology *t, char *buf, size_t len);

/* A JSON object: counts and, per online CPU, core, llc, package, node. */
void topology_write_json(FILE *f, const struct topology *t);

#endif
