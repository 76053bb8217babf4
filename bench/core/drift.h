/*
 * drift.h - how far the whole machine moved during a sweep (no I/O, no IPC).
 *
 * A sweep runs every point once per round.  Divide each point's figure in
 * a round by that point's median over the rounds: the median of those
 * ratios over the points of one round is the round's *level*, the speed of
 * the machine as a whole at that time (1.0 = typical).  On a shared host
 * the level moves - every point a few per cent faster in one minute than in
 * the next - and a rerun runs at another time, at another level.  Each
 * point's own rounds see only the levels of this sweep, so its interval
 * misses a rerun that runs at a level outside them.
 *
 * The drift is half the range of the levels over the planned rounds (the
 * rounds every point ran): "the machine moved by +-drift during this
 * sweep".  Each point's rerun interval is widened by it, in quadrature
 * (drift_widen), so a rerun at a level this sweep has seen stays inside.
 * results/README.md and docs/methodology.md say what it promises.
 */
#ifndef IPCLAB_DRIFT_H
#define IPCLAB_DRIFT_H

#include <stddef.h>

/* Fewest points in a round, and rounds, for a level to mean something. */
#define DRIFT_MIN_POINTS 4
#define DRIFT_MIN_ROUNDS 3

/*
 * fig[p * nrounds + r]: point p's figure in round r as a speed (higher is
 * faster: throughput, or 1 / latency), NAN where it did not run or failed.
 * levels[r] (may be NULL) receives each round's level, NAN where fewer
 * than DRIFT_MIN_POINTS points ran.  Returns the drift
 * (relative half-range of the levels, >= 0), or NAN when fewer than
 * DRIFT_MIN_ROUNDS rounds have a level.
 */
double drift_of_rounds(const double *fig, size_t npoints, size_t nrounds,
		       double *levels);

/*
 * Widen [*lo, *hi] around median by drift (relative): each side's distance
 * d becomes sqrt(d^2 + (drift * median)^2).  Nothing changes when drift is
 * NAN or 0 or an input is not finite.
 */
void drift_widen(double median, double drift, double *lo, double *hi);

#endif
