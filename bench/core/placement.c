/* placement.c - --pin into CPUs from the topology (see placement.h). */
#include "placement.h"
#include "memnode.h"
#include "pairs.h"
#include "units.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	enum run_pin pin;
	const char *needs; /* what the named placement needs, for messages */
} names[] = {
	{"none", PIN_NONE, ""},
	{"same", PIN_SAME, "one CPU"},
	{"split", PIN_SPLIT, "two CPUs on different cores"},
	{"smt", PIN_SMT, "two SMT siblings of one core"},
	{"core", PIN_CORE, "two cores sharing a last-level cache (not SMT "
			   "siblings)"},
	{"llc", PIN_LLC, "two cores in different LLC groups of one socket"},
	{"socket", PIN_SOCKET, "two CPUs in different sockets"},
	{"numa", PIN_NUMA, "two CPUs on different NUMA nodes"},
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

int placement_parse(const char *name, enum run_pin *pin)
{
	for (size_t i = 0; i < NNAMES; i++)
		if (strcmp(name, names[i].name) == 0) {
			*pin = names[i].pin;
			return 0;
		}
	return -1;
}

int placement_parse_cpus(const char *s, struct run_config *c)
{
	char w[16], why[128];
	uint64_t cw, cr;
	size_t n = strcspn(s, ",:");
	if (!s[n] || n >= sizeof(w))
		return -1;
	memcpy(w, s, n);
	w[n] = '\0';
	if (units_parse_uint(w, 0, 4095, &cw, why, sizeof(why)) < 0 ||
	    units_parse_uint(s + n + 1, 0, 4095, &cr, why, sizeof(why)) < 0)
		return -1;
	c->pin = PIN_CPUS;
	c->cpu_writer = (int)cw;
	c->cpu_reader = (int)cr;
	return 0;
}

static size_t index_of(enum run_pin pin)
{
	for (size_t i = 0; i < NNAMES; i++)
		if (names[i].pin == pin)
			return i;
	return 0;
}

const char *placement_needs(enum run_pin pin)
{
	return names[index_of(pin)].needs;
}

const char *placement_name(const struct run_config *c, char *buf, size_t len)
{
	if (c->pin == PIN_CPUS) {
		snprintf(buf, len, "%d:%d", c->cpu_writer, c->cpu_reader);
		return buf;
	}
	return names[index_of(c->pin)].name;
}

int placement_fits(const struct topology *t, enum run_pin pin, int a, int b)
{
	const struct topo_cpu *x = &t->cpu[a], *y = &t->cpu[b];
	switch (pin) {
	case PIN_SMT:
		return x->core == y->core;
	case PIN_CORE:
		return x->core != y->core && x->llc == y->llc;
	case PIN_LLC:
		return x->package == y->package && x->llc != y->llc;
	case PIN_SOCKET:
		return x->package != y->package;
	case PIN_NUMA:
		return x->node != y->node;
	default:
		return 0;
	}
}

/* The first pair a < b, both allowed (or only online), that fits. */
static int find(const struct topology *t, enum run_pin pin, int allowed,
		int *a, int *b)
{
	for (int i = 0; i < t->ncpu; i++) {
		if (!(allowed ? t->cpu[i].allowed : t->cpu[i].online))
			continue;
		for (int j = i + 1; j < t->ncpu; j++) {
			if (!(allowed ? t->cpu[j].allowed : t->cpu[j].online))
				continue;
			if (placement_fits(t, pin, i, j)) {
				*a = i;
				*b = j;
				return 1;
			}
		}
	}
	return 0;
}

void placement_allowed_list(const struct topology *t, char *buf, size_t len)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	for (int i = 0; i < t->ncpu; i++)
		if (t->cpu[i].allowed)
			CPU_SET(i, &set);
	topo_format_cpulist(&set, buf, len);
}

/* The machine lacks the placement, or only the allowed set does. */
static int refuse(const struct topology *t, enum run_pin pin, char *why,
		  size_t whylen)
{
	char shape[200], allowed[256];
	int a, b;
	const char *name = names[index_of(pin)].name;
	const char *needs = names[index_of(pin)].needs;
	placement_allowed_list(t, allowed, sizeof(allowed));
	if (t->nallowed < 2) {
		snprintf(why, whylen, "--pin %s: needs two CPUs, this process "
			 "may only use CPU %s (%s)", name, allowed,
			 t->allowed_from ? t->allowed_from : "allowed set");
		return -EINVAL;
	}
	enum run_pin probe = pin;
	if (pin == PIN_SPLIT) /* any pair on different cores */
		for (enum run_pin p = PIN_CORE; p <= PIN_SOCKET &&
		     probe == PIN_SPLIT; p++)
			if (find(t, p, 0, &a, &b))
				probe = p;
	if (probe != PIN_SPLIT && find(t, probe, 0, &a, &b)) {
		snprintf(why, whylen, "--pin %s: needs %s; this machine has "
			 "them (e.g. CPUs %d,%d) but this process may only use "
			 "CPUs %s (%s); widen the set (taskset, cgroup cpuset)",
			 name, needs, a, b, allowed,
			 t->allowed_from ? t->allowed_from : "allowed set");
		return -EINVAL;
	}
	topology_describe(t, shape, sizeof(shape));
	snprintf(why, whylen, "--pin %s: needs %s; this machine has none (%s)",
		 name, needs, shape);
	return -EINVAL;
}

/* --mem-node against the topology and the writer's CPU. */
static int resolve_mem(struct run_config *c, const struct topology *t,
		       int writer, char *why, size_t whylen)
{
	int node;
	c->mem_bind = 0;
	if (memnode_resolve(c->mem_node, t, writer, &node, why, whylen) < 0)
		return -EINVAL;
	c->mem_bind = node + 1;
	return 0;
}

static int first_allowed(const struct topology *t)
{
	for (int i = 0; i < t->ncpu; i++)
		if (t->cpu[i].allowed)
			return i;
	return -1;
}

int placement_resolve_in(struct run_config *c, const struct topology *t,
			 char *why, size_t whylen)
{
	int a = -1, b = -1;
	c->relation[0] = '\0';
	if (c->pairs > 1) {
		if (pairs_place_in(c, t, why, whylen) < 0)
			return -EINVAL;
		return resolve_mem(c, t, c->pin == PIN_NONE ? -1 : c->cpu_writer,
				   why, whylen);
	}
	switch (c->pin) {
	case PIN_NONE:
		return resolve_mem(c, t, -1, why, whylen);
	case PIN_SAME:
		a = b = first_allowed(t);
		if (a < 0) {
			snprintf(why, whylen, "--pin same: no CPU of the topology "
				 "is in this process's allowed set");
			return -EINVAL;
		}
		break;
	case PIN_CPUS:
		for (int k = 0; k < 2; k++) {
			int cpu = k ? c->cpu_reader : c->cpu_writer;
			if (cpu < 0 || cpu >= t->ncpu || !t->cpu[cpu].allowed) {
				char allowed[256];
				placement_allowed_list(t, allowed, sizeof(allowed));
				snprintf(why, whylen, "--pin %d,%d: CPU %d is not "
					 "available (this process may use CPUs "
					 "%s)", c->cpu_writer, c->cpu_reader,
					 cpu, allowed);
				return -EINVAL;
			}
		}
		a = c->cpu_writer;
		b = c->cpu_reader;
		break;
	case PIN_SPLIT: {
		/* The closest pair on different cores. */
		int found = 0;
		for (enum run_pin p = PIN_CORE; p <= PIN_SOCKET && !found; p++)
			found = find(t, p, 1, &a, &b);
		if (!found)
			return refuse(t, c->pin, why, whylen);
		break;
	}
	default:
		if (!find(t, c->pin, 1, &a, &b))
			return refuse(t, c->pin, why, whylen);
		break;
	}
	c->cpu_writer = a;
	c->cpu_reader = b;
	snprintf(c->relation, sizeof(c->relation), "%s",
		 topology_relation(t, a, b));
	return resolve_mem(c, t, a, why, whylen);
}

int placement_resolve(struct run_config *c, char *why, size_t whylen)
{
	if (c->pin == PIN_NONE && c->mem_node == MEMNODE_NONE) {
		c->relation[0] = '\0';
		c->mem_bind = 0;
		return 0;
	}
	const struct topology *t = topology_get(why, whylen);
	if (!t)
		return -EINVAL;
	return placement_resolve_in(c, t, why, whylen);
}
