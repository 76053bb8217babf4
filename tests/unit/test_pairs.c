/*
 * test_pairs.c - --pairs N placed on the fixture machines of
 * tests/fixtures/topology/ (the 2-socket 2x16 SMT server, the 16-core
 * chiplet part, this 2-vCPU VM), also with a restricted allowed set: which
 * CPUs each pair gets, that no CPU is in two pairs, the relation recorded,
 * the refusals and their reasons; and the --pairs values accepted.
 */
#include "check.h"
#include "pairs.h"
#include "placement.h"
#include "topo_fixture.h"
#include "topology.h"

#include <stdio.h>
#include <string.h>

/* Place n pairs for pin through placement_resolve_in (as a run does):
 * "W:R W:R ... relation" or "skipped: reason".  Checks that no CPU is in
 * two pairs and that pair 0 is the run's writer and reader. */
static const char *place(const struct topology *t, enum run_pin pin, int n,
			 char *out, size_t len)
{
	struct run_config c = {.pin = pin, .pairs = n};
	char why[512];
	if (placement_resolve_in(&c, t, why, sizeof(why)) < 0) {
		snprintf(out, len, "skipped: %s", why);
		return out;
	}
	int uses[TOPO_MAX_CPUS] = {0};
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t k = strlen(out);
		snprintf(out + k, len - k, "%d:%d ", c.pair_cpu[i][0],
			 c.pair_cpu[i][1]);
		if (pin == PIN_NONE)
			continue;
		uses[c.pair_cpu[i][0]]++;
		if (c.pair_cpu[i][1] != c.pair_cpu[i][0])
			uses[c.pair_cpu[i][1]]++;
	}
	for (int cpu = 0; cpu < TOPO_MAX_CPUS; cpu++)
		CHECK(uses[cpu] <= 1);
	if (pin != PIN_NONE) {
		CHECK(c.cpu_writer == c.pair_cpu[0][0]);
		CHECK(c.cpu_reader == c.pair_cpu[0][1]);
	}
	size_t k = strlen(out);
	snprintf(out + k, len - k, "%s", c.relation);
	return out;
}

#define PAIRS_ARE(t, pin, n, want)                                           \
	do {                                                                 \
		char pb_[1200];                                               \
		CHECK_STR(place(t, pin, n, pb_, sizeof(pb_)), want);           \
	} while (0)

#define SKIPPED_WITH(t, pin, n, text)                                        \
	do {                                                                 \
		char pb_[1200];                                               \
		place(t, pin, n, pb_, sizeof(pb_));                          \
		want_skipped(pb_, text, __FILE__, __LINE__);                   \
	} while (0)

static void test_two_sockets(void)
{
	const struct topology *t = load("2s-2x16-smt", NULL);
	PAIRS_ARE(t, PIN_SAME, 2, "0:0 1:1 same");
	PAIRS_ARE(t, PIN_SPLIT, 2, "0:1 2:3 core");
	PAIRS_ARE(t, PIN_SMT, 2, "0:32 1:33 smt");
	PAIRS_ARE(t, PIN_SOCKET, 2, "0:16 1:17 socket");
	PAIRS_ARE(t, PIN_NUMA, 3, "0:16 1:17 2:18 socket");
	/* 16 pairs fill the 32 cores; the 17th takes SMT siblings. */
	char pb[1200];
	place(t, PIN_SPLIT, 17, pb, sizeof(pb));
	CHECK(strstr(pb, "14:15 16:17 ") && strstr(pb, "30:31 32:33 core"));
	place(t, PIN_SPLIT, 32, pb, sizeof(pb));
	CHECK(strstr(pb, " 62:63 core") != NULL);
	SKIPPED_WITH(t, PIN_SPLIT, 33, "--pairs 33 --pin split needs 66 CPUs, "
		     "64 are allowed");
	SKIPPED_WITH(t, PIN_LLC, 2, "--pairs 2 --pin llc: needs 2 pairs of "
		     "two cores in different LLC groups of one socket with no "
		     "CPU shared; the allowed CPUs (0-63) give 0");
}

static void test_chiplet(void)
{
	const struct topology *t = load("1s-16c-4ccx", NULL);
	PAIRS_ARE(t, PIN_SAME, 4, "0:0 1:1 2:2 3:3 same");
	PAIRS_ARE(t, PIN_SPLIT, 4, "0:1 2:3 4:5 6:7 core");
	PAIRS_ARE(t, PIN_LLC, 2, "0:4 1:5 llc");
	PAIRS_ARE(t, PIN_SMT, 2, "0:16 1:17 smt");
	SKIPPED_WITH(t, PIN_SOCKET, 2, "the allowed CPUs (0-31) give 0");
}

static void test_vm(void)
{
	const struct topology *t = load("vm-2vcpu", NULL);
	PAIRS_ARE(t, PIN_SAME, 2, "0:0 1:1 same");
	PAIRS_ARE(t, PIN_NONE, 3, "-1:-1 -1:-1 -1:-1 ");
	SKIPPED_WITH(t, PIN_SPLIT, 2, "--pairs 2 --pin split needs 4 CPUs, 2 "
		     "are allowed (CPUs 0-1)");
	SKIPPED_WITH(t, PIN_SAME, 3, "--pairs 3 --pin same needs 3 CPUs, 2 "
		     "are allowed");
	SKIPPED_WITH(t, PIN_SMT, 2, "needs 4 CPUs");
}

static void test_restricted(void)
{
	/* taskset -c 4-7,36-39: 4 cores and their siblings. */
	const struct topology *t = load("2s-2x16-smt", "4-7,36-39");
	PAIRS_ARE(t, PIN_SPLIT, 2, "4:5 6:7 core");
	PAIRS_ARE(t, PIN_SPLIT, 4, "4:5 6:7 36:37 38:39 core");
	PAIRS_ARE(t, PIN_SMT, 4, "4:36 5:37 6:38 7:39 smt");
	PAIRS_ARE(t, PIN_SAME, 4, "4:4 5:5 6:6 7:7 same");
	PAIRS_ARE(t, PIN_SAME, 6, "4:4 5:5 6:6 7:7 36:36 37:37 same");
	SKIPPED_WITH(t, PIN_SOCKET, 2, "the allowed CPUs (4-7,36-39) give 0");
	SKIPPED_WITH(t, PIN_SAME, 9, "needs 9 CPUs, 8 are allowed");

	/* Two cores of one CCX, a CPU of another and a sibling: no relation
	 * fits both pairs, so split takes any two pairs of different cores. */
	t = load("1s-16c-4ccx", "2,3,9,19");
	PAIRS_ARE(t, PIN_SPLIT, 2, "2:3 9:19 mixed");
	SKIPPED_WITH(t, PIN_CORE, 2, "give 1");

	t = load("vm-2vcpu", "1");
	SKIPPED_WITH(t, PIN_SAME, 2, "--pairs 2 --pin same needs 2 CPUs, 1 is "
		     "allowed (CPUs 1)");
}

static void test_explicit_refused(void)
{
	const struct topology *t = load("2s-2x16-smt", NULL);
	struct run_config c = {.pin = PIN_CPUS, .cpu_writer = 2,
			       .cpu_reader = 3, .pairs = 2};
	char why[512];
	CHECK(placement_resolve_in(&c, t, why, sizeof(why)) < 0);
	CHECK(strstr(why, "--pairs 2 --pin 2:3: W,R places one pair") != NULL);
}

static void test_parse(void)
{
	int v[8];
	size_t n;
	char why[256];
	CHECK(pairs_parse("1,2,4", 1, v, &n, 8, why, sizeof(why)) == 0);
	CHECK(n == 3 && v[0] == 1 && v[1] == 2 && v[2] == 4);
	CHECK(pairs_parse("2,2", 1, v, &n, 8, why, sizeof(why)) == 0);
	CHECK(n == 1 && v[0] == 2);
	CHECK(pairs_parse("3", 0, v, &n, 8, why, sizeof(why)) == 0);
	CHECK(n == 1 && v[0] == 3);
	CHECK(pairs_parse("1,2", 0, v, &n, 8, why, sizeof(why)) == 2);
	CHECK_STR(why, "--pairs 1,2: one number per run (use ipclab sweep "
		  "--pairs 1,2 for a list)");
	CHECK(pairs_parse("0", 1, v, &n, 8, why, sizeof(why)) == 2);
	CHECK_STR(why, "--pairs 0: '0': a whole number from 1 to 64");
	CHECK(pairs_parse("65", 1, v, &n, 8, why, sizeof(why)) == 2);
	CHECK(pairs_parse("2,", 1, v, &n, 8, why, sizeof(why)) == 2);
	CHECK(pairs_parse("1,,2", 1, v, &n, 8, why, sizeof(why)) == 2);
	CHECK_STR(why, "--pairs 1,,2: expected a number of pairs or a list "
		  "such as 1,2,4");
	CHECK(pairs_parse(",2", 1, v, &n, 8, why, sizeof(why)) == 2);
	CHECK(pairs_parse("x", 1, v, &n, 8, why, sizeof(why)) == 2);
}

static const struct test_case cases[] = {
	{"two_sockets", test_two_sockets},
	{"chiplet", test_chiplet},
	{"vm", test_vm},
	{"restricted", test_restricted},
	{"explicit_refused", test_explicit_refused},
	{"parse", test_parse},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
