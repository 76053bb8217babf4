/*
 * matrix.h - `ipclab matrix`: one transport measured between every pair of
 * allowed CPUs (a core-to-core map), into matrix.csv and a heatmap
 * (scripts/plot_matrix.py).
 *
 *   ipclab matrix -t shm-futex [-b 64] [-m pingpong|stream] [--budget 300]
 *
 * Ping-pong is symmetric, so only the pairs writer <= reader are measured;
 * a stream measures every ordered pair.  The diagonal is the same-CPU cell.
 * When every pair would not fit the time budget, a sample of whole cores
 * spread over the sockets and LLC groups is measured (every relation the
 * machine has stays represented).
 */
#ifndef IPCLAB_MATRIX_H
#define IPCLAB_MATRIX_H

#include <stddef.h>
#include <stdio.h>

#include "topology.h"

struct matrix_cell {
	int writer, reader;
	const char *relation; /* topology_relation */
};

/* Cells for k CPUs: k * k ordered, k * (k + 1) / 2 unordered. */
size_t matrix_ncells(size_t k, int ordered);

/*
 * The CPUs to measure: every allowed CPU when their cells fit max_cells,
 * else whole cores (all their allowed siblings) taken at an even stride
 * over the cores ordered by socket and LLC group, as many as fit.  CPUs go
 * into cpus[] in increasing order; returns how many.
 */
size_t matrix_pick_cpus(const struct topology *t, size_t max_cells,
			int ordered, int *cpus, size_t cap);

/* The cells over cpus[0..n); returns how many were written (<= cap). */
size_t matrix_cells(const struct topology *t, const int *cpus, size_t n,
		    int ordered, struct matrix_cell *out, size_t cap);

/* matrix.csv: header and one row (value columns empty when NAN). */
void matrix_csv_header(FILE *f);
void matrix_csv_row(FILE *f, const struct matrix_cell *c,
		    const char *transport, const char *mode,
		    unsigned long long buf_size, unsigned long long reps,
		    double one_way_p50_ns, double rtt_p99_ns,
		    double bytes_per_s, double line_rtt_ns, const char *flag,
		    const char *status, const char *reason);

#endif
