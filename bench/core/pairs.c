/* pairs.c - --pairs parsed and placed on disjoint CPUs (see pairs.h). */
#include "pairs.h"
#include "placement.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pairs_parse(const char *s, int list, int *out, size_t *n, size_t cap,
		char *why, size_t whylen)
{
	char *copy = strdup(s), *save = NULL, inner[256];
	int rc = 0;
	*n = 0;
	if (!copy) {
		snprintf(why, whylen, "--pairs %s: out of memory", s);
		return 2;
	}
	for (char *it = strtok_r(copy, ",", &save); it && rc == 0;
	     it = strtok_r(NULL, ",", &save)) {
		uint64_t u;
		int dup = 0;
		if (units_parse_uint(it, 1, RUN_PAIRS_MAX, &u, inner,
				     sizeof(inner))) {
			snprintf(why, whylen, "--pairs %s: '%s': a whole number "
				 "from 1 to %d", s, it, RUN_PAIRS_MAX);
			rc = 2;
			break;
		}
		for (size_t j = 0; j < *n; j++)
			dup |= out[j] == (int)u;
		if (!dup && *n < cap)
			out[(*n)++] = (int)u;
	}
	if (rc == 0 && (*n == 0 || s[0] == ',' || strstr(s, ",,") ||
			s[strlen(s) - 1] == ',')) {
		snprintf(why, whylen, "--pairs %s: expected a number of pairs%s",
			 s, list ? " or a list such as 1,2,4" : "");
		rc = 2;
	}
	if (rc == 0 && !list && *n != 1) {
		snprintf(why, whylen, "--pairs %s: one number per run (use "
			 "ipclab sweep --pairs %s for a list)", s, s);
		rc = 2;
	}
	free(copy);
	return rc;
}

/* Does the pair (a, b) have what pin asks?  PIN_SPLIT: different cores. */
static int fits(const struct topology *t, enum run_pin pin, int a, int b)
{
	if (pin == PIN_SPLIT)
		return t->cpu[a].core != t->cpu[b].core;
	return placement_fits(t, pin, a, b);
}

struct taken {
	unsigned char cpu[TOPO_MAX_CPUS];  /* in a pair already */
	unsigned char core[TOPO_MAX_CPUS]; /* a core a pair uses (by its id) */
};

static int usable(const struct topology *t, const struct taken *k, int cpu,
		  int fresh)
{
	return t->cpu[cpu].allowed && !k->cpu[cpu] &&
	       (!fresh || !k->core[t->cpu[cpu].core]);
}

/* The first free pair a < b (a == b for same) that fits pin, on cores no
 * pair uses when fresh. */
static int next_pair(const struct topology *t, enum run_pin pin,
		     const struct taken *k, int fresh, int *a, int *b)
{
	for (int i = 0; i < t->ncpu; i++) {
		if (!usable(t, k, i, fresh))
			continue;
		if (pin == PIN_SAME) {
			*a = *b = i;
			return 1;
		}
		for (int j = i + 1; j < t->ncpu; j++)
			if (usable(t, k, j, fresh) && fits(t, pin, i, j)) {
				*a = i;
				*b = j;
				return 1;
			}
	}
	return 0;
}

/* Up to n disjoint pairs for pin into cpu[][2], fresh cores first; how
 * many were found. */
static int place(const struct topology *t, enum run_pin pin, int n,
		 int cpu[][2])
{
	struct taken *k = calloc(1, sizeof(*k));
	int got = 0, a, b;
	if (!k)
		return 0;
	for (int fresh = 1; fresh >= 0; fresh--)
		while (got < n && next_pair(t, pin, k, fresh, &a, &b)) {
			k->cpu[a] = k->cpu[b] = 1;
			k->core[t->cpu[a].core] = k->core[t->cpu[b].core] = 1;
			cpu[got][0] = a;
			cpu[got][1] = b;
			got++;
		}
	free(k);
	return got;
}

int pairs_place_in(struct run_config *c, const struct topology *t,
		   char *why, size_t whylen)
{
	int n = c->pairs, best = 0;
	char buf[24], allowed[256];
	const char *name = placement_name(c, buf, sizeof(buf));
	c->relation[0] = '\0';
	if (c->pin == PIN_NONE) {
		for (int i = 0; i < n; i++)
			c->pair_cpu[i][0] = c->pair_cpu[i][1] = -1;
		return 0;
	}
	if (c->pin == PIN_CPUS) {
		snprintf(why, whylen, "--pairs %d --pin %s: W,R places one "
			 "pair; name a placement for %d pairs (e.g. --pin same "
			 "or --pin split)", n, name, n);
		return -EINVAL;
	}
	int need = c->pin == PIN_SAME ? n : 2 * n;
	placement_allowed_list(t, allowed, sizeof(allowed));
	if (t->nallowed < need) {
		snprintf(why, whylen, "--pairs %d --pin %s needs %d CPUs, %d %s "
			 "allowed (CPUs %s)", n, name, need, t->nallowed,
			 t->nallowed == 1 ? "is" : "are", allowed);
		return -EINVAL;
	}
	/* split: the closest relation every pair can have, else any cores. */
	static const enum run_pin split[] = {PIN_CORE, PIN_LLC, PIN_SOCKET,
					     PIN_SPLIT};
	const enum run_pin *tries = c->pin == PIN_SPLIT ? split : &c->pin;
	size_t ntries = c->pin == PIN_SPLIT ? 4 : 1;
	for (size_t i = 0; i < ntries; i++) {
		int got = place(t, tries[i], n, c->pair_cpu);
		if (got == n) {
			best = n;
			break;
		}
		if (got > best)
			best = got;
	}
	if (best < n) {
		snprintf(why, whylen, "--pairs %d --pin %s: needs %d pairs of %s "
			 "with no CPU shared; the allowed CPUs (%s) give %d",
			 n, name, n, placement_needs(c->pin), allowed, best);
		return -EINVAL;
	}
	c->cpu_writer = c->pair_cpu[0][0];
	c->cpu_reader = c->pair_cpu[0][1];
	const char *rel = topology_relation(t, c->cpu_writer, c->cpu_reader);
	for (int i = 1; i < n; i++)
		if (strcmp(rel, topology_relation(t, c->pair_cpu[i][0],
						  c->pair_cpu[i][1])))
			rel = "mixed";
	snprintf(c->relation, sizeof(c->relation), "%s", rel);
	return 0;
}
