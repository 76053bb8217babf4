/*
 * test_ctxsw.c - the pure parts of `ipclab ctxsw`: the option lists, the
 * cost formula and where it stops dividing, the --min-time calibration
 * step (its reaper, proc_reap, is tested in test_proc.c).
 */
#include "check.h"
#include "ctxsw.h"

#include <errno.h>
#include <math.h>

static void test_parse_prims(void)
{
	char why[256];
	unsigned m = 0;
	CHECK(ctxsw_parse_prims("all", &m, why, sizeof(why)) == 0);
	CHECK_EQ_U(m, 0xf);
	CHECK(ctxsw_parse_prims("pipe,futex", &m, why, sizeof(why)) == 0);
	CHECK_EQ_U(m, (1u << CTXSW_PIPE) | (1u << CTXSW_FUTEX));
	CHECK(ctxsw_parse_prims("eventfd", &m, why, sizeof(why)) == 0);
	CHECK_EQ_U(m, 1u << CTXSW_EVENTFD);
	m = 7;
	CHECK(ctxsw_parse_prims("pipe,shm", &m, why, sizeof(why)) == -EINVAL);
	CHECK_EQ_U(m, 7); /* untouched on error */
	CHECK(strstr(why, "'shm'") && strstr(why, "pipe, sem, futex, eventfd"));
	CHECK(ctxsw_parse_prims("", &m, why, sizeof(why)) == -EINVAL);
	CHECK(ctxsw_parse_prims("pipe,", &m, why, sizeof(why)) == -EINVAL);
	CHECK(ctxsw_parse_prims("pip", &m, why, sizeof(why)) == -EINVAL);
	CHECK(ctxsw_parse_prims("pipes", &m, why, sizeof(why)) == -EINVAL);
	CHECK(ctxsw_parse_prims("both", &m, why, sizeof(why)) == -EINVAL);
	CHECK_STR(ctxsw_prim_name(CTXSW_SEM), "sem");
}

static void test_parse_pins(void)
{
	char why[256];
	unsigned m = 0;
	CHECK(ctxsw_parse_pins("both", &m, why, sizeof(why)) == 0);
	CHECK_EQ_U(m, 3);
	CHECK(ctxsw_parse_pins("split", &m, why, sizeof(why)) == 0);
	CHECK_EQ_U(m, 1u << CTXSW_SPLIT);
	CHECK(ctxsw_parse_pins("same,split", &m, why, sizeof(why)) == 0);
	CHECK_EQ_U(m, 3);
	CHECK(ctxsw_parse_pins("none", &m, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "'none'") && strstr(why, "same, split"));
	CHECK(ctxsw_parse_pins("all", &m, why, sizeof(why)) == -EINVAL);
	CHECK_STR(ctxsw_pin_name(CTXSW_SAME), "same");
}

static void test_cost(void)
{
	int ph = -1;
	/* one switch per handoff: the excess over the baseline */
	CHECK_NEAR(ctxsw_cost(3000, 500, 1.0, &ph), 2500, 1e-9);
	CHECK(ph == 0);
	/* two switches per handoff share it */
	CHECK_NEAR(ctxsw_cost(3000, 500, 2.0, &ph), 1250, 1e-9);
	CHECK(ph == 0);
	CHECK_NEAR(ctxsw_cost(3000, 500, CTXSW_MIN_SWITCHES, &ph),
		   2500 / CTXSW_MIN_SWITCHES, 1e-6);
	CHECK(ph == 0);
	/* too few switches: quoted per handoff, never inflated */
	CHECK_NEAR(ctxsw_cost(3000, 500, 0.5, &ph), 2500, 1e-9);
	CHECK(ph == 1);
	CHECK_NEAR(ctxsw_cost(3000, 500, 0.0, &ph), 2500, 1e-9);
	CHECK(ph == 1);
	CHECK_NEAR(ctxsw_cost(3000, 500, NAN, &ph), 2500, 1e-9);
	CHECK(ph == 1);
	CHECK_NEAR(ctxsw_cost(3000, 500, 1.0, NULL), 2500, 1e-9);
}

static void test_next_iters(void)
{
	int done = -1;
	/* far too short: grow tenfold and measure again */
	CHECK_EQ_U(ctxsw_next_iters(100, 0.0005, 0.2, 1000000, &done), 1000);
	CHECK(done == 0);
	CHECK_EQ_U(ctxsw_next_iters(100, 0.0, 0.2, 1000000, &done), 1000);
	CHECK(done == 0);
	CHECK_EQ_U(ctxsw_next_iters(100, NAN, 0.2, 1000000, &done), 1000);
	CHECK(done == 0);
	/* long enough (>= 1/20 of the target): scale to the target */
	CHECK_EQ_U(ctxsw_next_iters(1000, 0.02, 0.2, 1000000, &done), 10000);
	CHECK(done == 1);
	CHECK_EQ_U(ctxsw_next_iters(3000, 0.6, 0.2, 1000000, &done), 1000);
	CHECK(done == 1);
	/* never 0, never above the cap */
	CHECK_EQ_U(ctxsw_next_iters(1, 100.0, 0.2, 1000000, &done), 1);
	CHECK(done == 1);
	CHECK_EQ_U(ctxsw_next_iters(0, 0.0, 0.2, 1000000, &done), 10);
	CHECK_EQ_U(ctxsw_next_iters(500000, 0.001, 0.2, 1000000, &done),
		   1000000);
	CHECK(done == 1); /* the cap ends the calibration */
	CHECK_EQ_U(ctxsw_next_iters(100000, 0.6, 10.0, 1000000, &done),
		   1000000); /* scaled past the cap */
	CHECK(done == 1);
}

static const struct test_case cases[] = {
	{"parse_prims", test_parse_prims},
	{"parse_pins", test_parse_pins},
	{"cost", test_cost},
	{"next_iters", test_next_iters},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
