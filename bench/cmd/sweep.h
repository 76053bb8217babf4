/*
 * sweep.h - `ipclab sweep`: every combination of the listed transports,
 * sizes, modes and memory options, run point by point into a results folder
 * (runs.csv, summary.csv, meta.json, log.txt) that describes itself.
 */
#ifndef IPCLAB_SWEEP_H
#define IPCLAB_SWEEP_H

#include <stddef.h>

#include "point.h"

/* Expand the options into points (transports innermost; the rounds shuffle
 * the order they run in).  Transports without a shared region get one
 * point per size, not one per memory option.  Returns the count (at most
 * cap). */
size_t sweep_plan(const struct bench_opts *o, struct point *out, size_t cap);

/* argv[0] is "sweep"; argc/argv of the whole program for meta.json. */
int sweep_main(int argc, char **argv, int full_argc, char **full_argv);

#endif
