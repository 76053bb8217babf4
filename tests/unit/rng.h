/*
 * rng.h - a seeded generator of synthetic data for the unit tests (xorshift64;
 * the same sequence on every machine).  Define RNG_SEED before including it
 * for another sequence.
 */
#ifndef IPCLAB_TEST_RNG_H
#define IPCLAB_TEST_RNG_H

#include <math.h>
#include <stdint.h>

#ifndef RNG_SEED
#define RNG_SEED 88172645463325252ull
#endif

static uint64_t rng = RNG_SEED;

/* Uniform in (0, 1). */
static inline double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

/* Standard normal (Box-Muller). */
static inline double normal(void)
{
	return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

#endif
