/*
 * test_model.c - the cost-model fit recovers known per-byte and per-handoff
 * costs from synthetic BUF_SIZE sweeps (exactly without noise, closely with
 * it), computes R^2 as documented, and refuses input it cannot fit.
 */
#include "check.h"
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>

#define C_BYTE 0.1        /* 10 GB/s */
#define C_HANDOFF 3000.0  /* 3 us per handoff */
#define MAXPTS 64

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static double rng_sym(void)
{
	return (double)(rng_next() >> 11) * 0x1.0p-52 - 1.0;
}

/*
 * A --min-time style sweep: BUF_SIZE 16 B .. 1 MiB (x4 steps), each point
 * with enough handoffs to move at least 64 MiB or make 10000 handoffs.
 * Returns the number of points.
 */
static size_t make_sweep(double *bytes, double *handoffs, size_t reps)
{
	size_t n = 0;

	for (size_t r = 0; r < reps; r++)
		for (double buf = 16; buf <= 1048576; buf *= 4) {
			double h = fmax(10000.0, ceil(67108864.0 / buf));

			handoffs[n] = h;
			bytes[n] = h * buf;
			n++;
		}
	return n;
}

static void test_exact_recovery(void)
{
	double x[MAXPTS], y[MAXPTS], t[MAXPTS];
	struct model_fit f;
	size_t n = make_sweep(x, y, 1);

	for (size_t i = 0; i < n; i++)
		t[i] = x[i] * C_BYTE + y[i] * C_HANDOFF;
	CHECK(model_fit(x, y, t, n, &f) == 0);
	CHECK_EQ_U(f.n, n);
	CHECK_NEAR(f.c_byte_ns, C_BYTE, C_BYTE * 1e-9);
	CHECK_NEAR(f.c_handoff_ns, C_HANDOFF, C_HANDOFF * 1e-9);
	CHECK_NEAR(f.r2, 1.0, 1e-12);
}

static void test_fixed_total(void)
{
	/* The classroom sweep: 50 MB at every BUF_SIZE (bytes constant). */
	static const double bufs[] = {10, 100, 1000, 10000};
	double x[4], y[4], t[4];
	struct model_fit f;

	for (size_t i = 0; i < 4; i++) {
		x[i] = 50e6;
		y[i] = ceil(50e6 / bufs[i]);
		t[i] = x[i] * 0.25 + y[i] * 800.0;
	}
	CHECK(model_fit(x, y, t, 4, &f) == 0);
	CHECK_NEAR(f.c_byte_ns, 0.25, 0.25 * 1e-9);
	CHECK_NEAR(f.c_handoff_ns, 800.0, 800.0 * 1e-9);
	CHECK_NEAR(f.r2, 1.0, 1e-12);
}

static void test_two_points(void)
{
	/* Two equations, two unknowns: solved exactly. */
	const double x[] = {1000, 4000}, y[] = {100, 10};
	const double t[] = {1000 * 2.0 + 100 * 50.0, 4000 * 2.0 + 10 * 50.0};
	struct model_fit f;

	CHECK(model_fit(x, y, t, 2, &f) == 0);
	CHECK_NEAR(f.c_byte_ns, 2.0, 1e-9);
	CHECK_NEAR(f.c_handoff_ns, 50.0, 1e-9);
	CHECK_NEAR(f.r2, 1.0, 1e-12);
	CHECK_EQ_U(f.n, 2);
}

static void test_noise(void)
{
	double x[MAXPTS], y[MAXPTS], t[MAXPTS];
	struct model_fit f;
	size_t n = make_sweep(x, y, 5);

	rng_state = 11;
	for (size_t i = 0; i < n; i++) /* +-3% multiplicative noise */
		t[i] = (x[i] * C_BYTE + y[i] * C_HANDOFF) *
		       (1.0 + 0.03 * rng_sym());
	CHECK(model_fit(x, y, t, n, &f) == 0);
	CHECK_EQ_U(f.n, n);
	CHECK_NEAR(f.c_byte_ns, C_BYTE, C_BYTE * 0.05);
	CHECK_NEAR(f.c_handoff_ns, C_HANDOFF, C_HANDOFF * 0.05);
	CHECK(f.r2 > 0.99 && f.r2 < 1.0);
}

static void test_r2_by_hand(void)
{
	/*
	 * Normal equations [2 1; 1 2][a b] = [4 4] give a = b = 4/3;
	 * residuals -1/3 -1/3 1/3, SS_res = 1/3; mean t = 5/3, SS_tot = 8/3;
	 * R^2 = 1 - 1/8.
	 */
	const double x[] = {1, 0, 1}, y[] = {0, 1, 1}, t[] = {1, 1, 3};
	struct model_fit f;

	CHECK(model_fit(x, y, t, 3, &f) == 0);
	CHECK_NEAR(f.c_byte_ns, 4.0 / 3.0, 1e-12);
	CHECK_NEAR(f.c_handoff_ns, 4.0 / 3.0, 1e-12);
	CHECK_NEAR(f.r2, 0.875, 1e-12);
}

static void test_r2_undefined(void)
{
	const double x[] = {1, 2}, y[] = {2, 1}, t[] = {3, 3};
	struct model_fit f;

	CHECK(model_fit(x, y, t, 2, &f) == 0);
	CHECK_NEAR(f.c_byte_ns, 1.0, 1e-12);
	CHECK_NEAR(f.c_handoff_ns, 1.0, 1e-12);
	CHECK(isnan(f.r2)); /* every time equal: SS_tot = 0 */
}

static void test_singular(void)
{
	double x[8], y[8], t[8];
	struct model_fit f = {.n = 777};

	/* Every point at BUF_SIZE 4096: bytes/handoffs is always 4096. */
	for (size_t i = 0; i < 8; i++) {
		y[i] = 1000.0 * (double)(i + 1);
		x[i] = 4096.0 * y[i];
		t[i] = x[i] * C_BYTE + y[i] * C_HANDOFF;
	}
	CHECK(model_fit(x, y, t, 8, &f) == -EINVAL);
	/*
	 * Ratios that are not representable: rounding leaves 1 - cos^2 a few
	 * 1e-16 above 0 instead of exactly 0; still singular.
	 */
	for (int k = 0; k < 40; k++) {
		double c = 0.1 * k + 0.01;

		for (size_t i = 0; i < 8; i++) {
			double k2 = (double)(i * i);

			y[i] = 1000.0 * (double)(i + 1) + 0.37 * k2;
			x[i] = c * y[i];
		}
		CHECK(model_fit(x, y, t, 8, &f) == -EINVAL);
	}
	/* No bytes at all: the byte cost is undetermined. */
	for (size_t i = 0; i < 8; i++)
		x[i] = 0.0;
	CHECK(model_fit(x, y, t, 8, &f) == -EINVAL);
	CHECK_EQ_U(f.n, 777); /* untouched on error */
}

static void test_bad_args(void)
{
	const double x[] = {1000, 4000, 9000}, y[] = {100, 10, 3};
	const double t[] = {1, 2, 3}, tnan[] = {1, NAN, 3};
	const double tinf[] = {1, 2, INFINITY};
	struct model_fit f;

	CHECK(model_fit(x, y, t, 0, &f) == -EINVAL);
	CHECK(model_fit(x, y, t, 1, &f) == -EINVAL);
	CHECK(model_fit(NULL, y, t, 3, &f) == -EINVAL);
	CHECK(model_fit(x, NULL, t, 3, &f) == -EINVAL);
	CHECK(model_fit(x, y, NULL, 3, &f) == -EINVAL);
	CHECK(model_fit(x, y, t, 3, NULL) == -EINVAL);
	CHECK(model_fit(x, y, tnan, 3, &f) == -EINVAL);
	CHECK(model_fit(x, y, tinf, 3, &f) == -EINVAL);
	CHECK(model_fit(x, y, t, 3, &f) == 0);
}

/* A --min-time sweep: every point lasts ~50 ms, the costs are known, the
 * times carry +-3% noise: the relative fit recovers the costs, the plain
 * one is left fitting noise. */
static void test_relative_min_time_sweep(void)
{
	const double c_b = 0.1, c_h = 3000; /* ns per byte, ns per handoff */
	double x[9], y[9], t[9], worst;
	struct model_fit f;
	uint64_t s = 42;
	for (size_t i = 0; i < 9; i++) {
		double bs = 16.0 * pow(4, (double)i);
		double per = c_b * bs + c_h;     /* ns per handoff of bs bytes */
		y[i] = floor(50e6 / per);        /* handoffs in ~50 ms */
		x[i] = y[i] * bs;
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		double noise = ((double)(s >> 11) / 9007199254740992.0 - 0.5) * 0.06;
		t[i] = (c_b * x[i] + c_h * y[i]) * (1 + noise);
	}
	CHECK(model_fit_relative(x, y, t, 9, &f, &worst) == 0);
	CHECK_NEAR(f.c_byte_ns, c_b, 0.01);
	CHECK_NEAR(f.c_handoff_ns, c_h, 150);
	CHECK(f.r2 > 0.99);
	CHECK(worst < 0.06);
	CHECK_EQ_U(f.n, 9);
}

static void test_relative_bad_args(void)
{
	const double x[] = {1000, 4000, 9000}, y[] = {100, 10, 3};
	const double t[] = {1, 2, 3}, tzero[] = {1, 0, 3};
	const double xzero[] = {1000, 0, 9000};
	struct model_fit f;
	CHECK(model_fit_relative(x, y, t, 1, &f, NULL) == -EINVAL);
	CHECK(model_fit_relative(x, y, tzero, 3, &f, NULL) == -EINVAL);
	CHECK(model_fit_relative(xzero, y, t, 3, &f, NULL) == -EINVAL);
	CHECK(model_fit_relative(x, y, t, 3, &f, NULL) == 0);
}

static const struct test_case cases[] = {
	{"exact_recovery", test_exact_recovery},
	{"fixed_total", test_fixed_total},
	{"two_points", test_two_points},
	{"noise", test_noise},
	{"r2_by_hand", test_r2_by_hand},
	{"r2_undefined", test_r2_undefined},
	{"singular", test_singular},
	{"bad_args", test_bad_args},
	{"relative_min_time_sweep", test_relative_min_time_sweep},
	{"relative_bad_args", test_relative_bad_args},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
