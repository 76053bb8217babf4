/*
 * plan.h - the options turned into a plan, in this one place: the points to
 * measure, each carrying all it needs (point.h: its identity, the channel's
 * tuning, the measuring effort), and how the rounds go (rounds.h).
 *
 *   options -> plan -> rounds of points -> one run each -> records
 *
 * `ipclab run` is a plan of one point, `ipclab sweep` one of every
 * combination; `matrix` gives the plan of one point every pair of CPUs;
 * `check` plans its transports and sizes from run's defaults.
 */
#ifndef IPCLAB_PLAN_H
#define IPCLAB_PLAN_H

#include <stddef.h>

#include "options.h"
#include "point.h"
#include "rounds.h"

struct plan {
	struct point *points;
	size_t n;
	struct rounds_opts rounds;
};

/*
 * Every combination of the options' lists (transports innermost; the
 * rounds shuffle the order they run in).  Transports without a shared
 * region get one point per size, not one per memory option.  0, or
 * -ENOMEM.  plan_free releases it.
 */
int plan_make(const struct bench_opts *o, struct plan *plan);

void plan_free(struct plan *plan);

#endif
