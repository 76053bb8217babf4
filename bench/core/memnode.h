/*
 * memnode.h - --mem-node N|local|remote: the NUMA node that backs a run's
 * memory (the shared region and both sides' buffers).
 *
 * The parent binds its memory policy (set_mempolicy, MPOL_BIND, a raw
 * system call: no libnuma) just before it forks the two sides and restores
 * the default after the run; the children inherit the policy and every page
 * they fault in, the region included, comes from that node.
 *   local   the node of the writer's CPU (a pinned run); unpinned, or on a
 *           machine with one node, the default policy already is local
 *   remote  the first other node than the writer's: needs two nodes and a
 *           pinned run
 *   N       node N, which must hold CPUs here
 * A request the machine cannot honour is refused with the reason (run: exit
 * 2, sweep: a skipped row).
 */
#ifndef IPCLAB_MEMNODE_H
#define IPCLAB_MEMNODE_H

#include <stddef.h>

#include "run.h"
#include "topology.h"

/* A request: 0 (none, so that a zeroed config asks for nothing), LOCAL,
 * REMOTE, or node N stored as N + 1. */
#define MEMNODE_NONE 0
#define MEMNODE_LOCAL (-1)
#define MEMNODE_REMOTE (-2)

/* "local", "remote" or a node number into *want; 0 or -1. */
int memnode_parse(const char *s, int *want);

/* The request as recorded: "", "local", "remote" or the number. */
const char *memnode_name(int want, char *buf, size_t len);

/*
 * The node to bind for request `want` with the writer on writer_cpu (-1:
 * not pinned): *node >= 0, or -1 when the default policy already does it.
 * 0, or -EINVAL with why set.  (run_config.mem_bind holds *node + 1.)
 */
int memnode_resolve(int want, const struct topology *t, int writer_cpu,
		    int *node, char *why, size_t whylen);

/* Bind this process's future allocations (and its children's) to node, or
 * back to the default policy when node < 0.  0 or -errno. */
int memnode_bind(int node);

/* The node policy of this process: the bound node, or -1 (default). */
int memnode_current(void);

/* run_once with node c->mem_bind - 1 bound around it (when mem_bind > 0;
 * the default policy is restored after). */
int memnode_run_once(const struct run_config *c, struct run_result *r);

#endif
