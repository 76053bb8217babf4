/* memnode.c - the NUMA node of a run's memory (see memnode.h). */
#include "memnode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* From <linux/mempolicy.h>, which not every libc ships. */
#define MPOL_DEFAULT 0
#define MPOL_BIND 2
#define NODE_BITS 1024

int memnode_parse(const char *s, int *want)
{
	char *end;
	if (strcmp(s, "local") == 0) {
		*want = MEMNODE_LOCAL;
		return 0;
	}
	if (strcmp(s, "remote") == 0) {
		*want = MEMNODE_REMOTE;
		return 0;
	}
	errno = 0;
	long n = strtol(s, &end, 10);
	if (end == s || *end || errno || n < 0 || n >= NODE_BITS)
		return -1;
	*want = (int)n + 1;
	return 0;
}

const char *memnode_name(int want, char *buf, size_t len)
{
	if (want == MEMNODE_NONE)
		return "";
	if (want == MEMNODE_LOCAL)
		return "local";
	if (want == MEMNODE_REMOTE)
		return "remote";
	snprintf(buf, len, "%d", want - 1);
	return buf;
}

static int has_node(const struct topology *t, int node)
{
	for (int i = 0; i < t->ncpu; i++)
		if (t->cpu[i].online && t->cpu[i].node == node)
			return 1;
	return 0;
}

int memnode_resolve(int want, const struct topology *t, int writer_cpu,
		    int *node, char *why, size_t whylen)
{
	int pinned = writer_cpu >= 0 && writer_cpu < t->ncpu &&
		     t->cpu[writer_cpu].online;
	*node = -1;
	if (want == MEMNODE_NONE)
		return 0;
	if (want == MEMNODE_LOCAL) {
		if (t->nnodes > 1 && pinned)
			*node = t->cpu[writer_cpu].node;
		return 0; /* else the default policy is local already */
	}
	if (t->nnodes < 2) {
		char b[16];
		snprintf(why, whylen, "--mem-node %s: this machine has one NUMA "
			 "node; only --mem-node local applies",
			 memnode_name(want, b, sizeof(b)));
		return -EINVAL;
	}
	if (want == MEMNODE_REMOTE) {
		if (!pinned) {
			snprintf(why, whylen, "--mem-node remote: remote from "
				 "the writer's CPU, which only a --pin placement "
				 "fixes (e.g. --pin same)");
			return -EINVAL;
		}
		for (int i = 0; i < t->ncpu && *node < 0; i++)
			if (t->cpu[i].online &&
			    t->cpu[i].node != t->cpu[writer_cpu].node)
				*node = t->cpu[i].node;
		return 0;
	}
	if (!has_node(t, want - 1)) {
		snprintf(why, whylen, "--mem-node %d: no such node with CPUs "
			 "here (ipclab topology lists them)", want - 1);
		return -EINVAL;
	}
	*node = want - 1;
	return 0;
}

int memnode_bind(int node)
{
	unsigned long mask[NODE_BITS / (8 * sizeof(unsigned long))] = {0};
	size_t bits = 8 * sizeof(unsigned long);
	long rc;
	if (node < 0) {
		rc = syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0);
	} else {
		if (node >= NODE_BITS)
			return -EINVAL;
		mask[(size_t)node / bits] |= 1ul << ((size_t)node % bits);
		rc = syscall(SYS_set_mempolicy, MPOL_BIND, mask,
			     (unsigned long)NODE_BITS + 1);
	}
	return rc < 0 ? -errno : 0;
}

int memnode_current(void)
{
	unsigned long mask[NODE_BITS / (8 * sizeof(unsigned long))] = {0};
	size_t bits = 8 * sizeof(unsigned long);
	int mode = 0;
	if (syscall(SYS_get_mempolicy, &mode, mask,
		    (unsigned long)NODE_BITS + 1, NULL, 0UL) < 0 ||
	    mode != MPOL_BIND)
		return -1;
	for (size_t i = 0; i < NODE_BITS; i++)
		if (mask[i / bits] & (1ul << (i % bits)))
			return (int)i;
	return -1;
}

int memnode_run_once(const struct run_config *c, struct run_result *r)
{
	if (c->mem_bind <= 0)
		return run_once(c, r);
	int rc = memnode_bind(c->mem_bind - 1);
	if (rc < 0) {
		memset(r, 0, sizeof(*r));
		snprintf(r->reason, sizeof(r->reason), "set_mempolicy(MPOL_BIND, "
			 "node %d): %s", c->mem_bind - 1, strerror(-rc));
		return rc;
	}
	rc = run_once(c, r);
	memnode_bind(-1);
	return rc;
}
