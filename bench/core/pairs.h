/*
 * pairs.h - --pairs N: N independent writer/reader pairs at once, each with
 * its own channel and its own two processes, behind one start barrier and
 * timed over one window (run.c), placed on disjoint CPUs from the topology:
 *
 *   none    nobody pinned: the scheduler places the 2N processes
 *   same    pair i on one CPU of its own (N CPUs)
 *   split, smt, core, llc, socket, numa
 *           N pairs that each have what the name asks (placement.h), no
 *           CPU in two pairs (2N CPUs); split takes the closest relation
 *           that every pair can have, else pairs on different cores
 *   W,R     one pair's CPUs: refused with N > 1
 *
 * CPUs are taken in CPU order, first from cores no pair uses yet, so pairs
 * share a core only when the allowed set has too few.  A machine or allowed
 * set that cannot give N disjoint placements is refused with a sentence
 * (sweep: a skipped row; run: exit 2).  --mem-node binds every pair's
 * memory to one node (local: pair 0's writer's).
 */
#ifndef IPCLAB_PAIRS_H
#define IPCLAB_PAIRS_H

#include <stddef.h>

#include "run.h"
#include "topology.h"

/*
 * --pairs: one number from 1 to RUN_PAIRS_MAX, or with list a list "1,2,4"
 * (no duplicates kept).  out gets up to cap values; 0, or 2 with why set.
 */
int pairs_parse(const char *s, int list, int *out, size_t *n, size_t cap,
		char *why, size_t whylen);

/* Place c->pairs (> 1) pairs for c->pin on t: c->pair_cpu, cpu_writer and
 * cpu_reader (pair 0's), relation (the pairs' common one, or "mixed"); 0,
 * or -EINVAL with why set. */
int pairs_place_in(struct run_config *c, const struct topology *t,
		   char *why, size_t whylen);

#endif
