/*
 * placement.h - --pin resolved into the writer's and the reader's CPUs.
 *
 *   same    both on one CPU (the first allowed)
 *   split   the closest pair on different cores: sharing an LLC if any,
 *           then one socket, then across sockets; never SMT siblings
 *   smt     two SMT siblings of one core
 *   core    two cores sharing a last-level cache, not siblings
 *   llc     two cores in different LLC groups of one socket
 *   socket  two CPUs in different sockets
 *   numa    two CPUs on different NUMA nodes
 *   W,R     the CPUs given
 *
 * Only CPUs this process may use are chosen (the first pair in CPU order).
 * A placement the machine or the allowed set does not have is refused with
 * a sentence saying which (sweep: a skipped row; run: exit 2).  The
 * relation that held (topology_relation) goes into pin_relation.  With
 * --pairs N, each pair is placed the same way on CPUs of its own (pairs.h).
 */
#ifndef IPCLAB_PLACEMENT_H
#define IPCLAB_PLACEMENT_H

#include <stddef.h>

#include "run.h"
#include "topology.h"

#define PLACEMENT_NAMES "none, same, split, smt, core, llc, socket, numa"

/* One placement name into *pin; 0, or -1 when unknown. */
int placement_parse(const char *name, enum run_pin *pin);

/* "W,R" (or "W:R"), two CPU numbers 0..4095, into c (PIN_CPUS); 0, or -1
 * when s is not that. */
int placement_parse_cpus(const char *s, struct run_config *c);

/* Resolve c->pin against topology t: sets cpu_writer, cpu_reader and
 * relation; 0, or -EINVAL with why set. */
int placement_resolve_in(struct run_config *c, const struct topology *t,
			 char *why, size_t whylen);

/* The same against this machine (topology_get). */
int placement_resolve(struct run_config *c, char *why, size_t whylen);

/* Does the pair (a, b) have what a named pin (smt..numa) asks for? */
int placement_fits(const struct topology *t, enum run_pin pin, int a, int b);

/* What a named placement needs, in words: "two SMT siblings of one core". */
const char *placement_needs(enum run_pin pin);

/* The CPUs this process may use, as a cpulist. */
void placement_allowed_list(const struct topology *t, char *buf, size_t len);

/* "split", "smt", ... or "W:R" for explicit CPUs (no comma: CSV cells). */
const char *placement_name(const struct run_config *c, char *buf, size_t len);

#endif
