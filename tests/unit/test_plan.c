/*
 * test_plan.c - plan_make: the points a sweep expands to, in order, for a
 * few option sets (transports innermost; a transport without a shared
 * region gets one point per size, not one per memory option; --pairs
 * between --pin and the memory options), what every point carries from the
 * options, and the verdicts of points that cannot run anywhere.
 */
#include "check.h"
#include "options.h"
#include "plan.h"
#include "transport.h"

#include <stdlib.h>
#include <string.h>

/* "sweep ARGS" (words split at spaces) into o; 0 or the status. */
static int sweep_opts(const char *args, struct bench_opts *o)
{
	static char buf[512];
	char *argv[64], why[768];
	int argc = 0;
	snprintf(buf, sizeof(buf), "%s", args);
	argv[argc++] = "sweep";
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	int rc = options_parse(OPTS_SWEEP, argc, argv, o, why, sizeof(why));
	if (rc)
		fprintf(stderr, "sweep %s: %s\n", args, why);
	return rc;
}

/* The plan of "sweep ARGS", one line per point, into a malloc'd string. */
static char *plan_text(const char *args)
{
	static const char *const modes[] = {"stream", "pingpong"};
	static const char *const accesses[] = {"copy", "inplace"};
	static const char *const hps[] = {"off", "on", "try", "thp"};
	struct bench_opts o;
	struct plan plan;
	char *text = NULL;
	size_t len = 0;
	if (sweep_opts(args, &o) != 0)
		return strdup("(refused)");
	if (plan_make(&o, &plan) < 0)
		return NULL;
	FILE *f = open_memstream(&text, &len);
	for (size_t i = 0; f && i < plan.n; i++) {
		const struct point *p = &plan.points[i];
		fprintf(f, "%s %llu %s %s pop=%d hp=%s pin=%d", p->t->name,
			(unsigned long long)p->buf_size, modes[p->mode],
			accesses[p->access], p->populate, hps[p->hugepages],
			(int)p->pin.pin);
		if (p->pairs != 1)
			fprintf(f, " pairs=%d", p->pairs);
		fputc('\n', f);
	}
	if (f)
		fclose(f);
	plan_free(&plan);
	return text;
}

static void check_plan(const char *args, const char *want)
{
	char *got = plan_text(args);
	if (!got || strcmp(got, want) != 0) {
		fprintf(stderr, "sweep %s: plan\n%s--- wanted\n%s", args,
			got ? got : "(null)\n", want);
		check_failed = 1;
	}
	free(got);
}

/* Sizes outside transports; modes outermost. */
static void test_order(void)
{
	check_plan("-t pipe,fifo -b 16,4K -m both",
		   "pipe 16 stream copy pop=0 hp=off pin=0\n"
		   "fifo 16 stream copy pop=0 hp=off pin=0\n"
		   "pipe 4096 stream copy pop=0 hp=off pin=0\n"
		   "fifo 4096 stream copy pop=0 hp=off pin=0\n"
		   "pipe 16 pingpong copy pop=0 hp=off pin=0\n"
		   "fifo 16 pingpong copy pop=0 hp=off pin=0\n"
		   "pipe 4096 pingpong copy pop=0 hp=off pin=0\n"
		   "fifo 4096 pingpong copy pop=0 hp=off pin=0\n");
}

/* Memory options multiply the points of a region transport only; pins
 * sit between access and huge pages. */
static void test_memory_options(void)
{
	check_plan("-t pshm-sem,pipe -b 1K --populate both --hugepages off,thp "
		   "--pin same,split",
		   "pshm-sem 1024 stream copy pop=0 hp=off pin=1\n"
		   "pipe 1024 stream copy pop=0 hp=off pin=1\n"
		   "pshm-sem 1024 stream copy pop=1 hp=off pin=1\n"
		   "pshm-sem 1024 stream copy pop=0 hp=thp pin=1\n"
		   "pshm-sem 1024 stream copy pop=1 hp=thp pin=1\n"
		   "pshm-sem 1024 stream copy pop=0 hp=off pin=2\n"
		   "pipe 1024 stream copy pop=0 hp=off pin=2\n"
		   "pshm-sem 1024 stream copy pop=1 hp=off pin=2\n"
		   "pshm-sem 1024 stream copy pop=0 hp=thp pin=2\n"
		   "pshm-sem 1024 stream copy pop=1 hp=thp pin=2\n");
	/* Only non-default memory options: a regionless transport still gets
	 * its one point, recorded with the defaults (n/a). */
	check_plan("-t pipe,pshm-sem -b 64 --populate on --hugepages try",
		   "pipe 64 stream copy pop=0 hp=off pin=0\n"
		   "pshm-sem 64 stream copy pop=1 hp=try pin=0\n");
}

/* Points that are planned but cannot run: the sweep records each as
 * skipped with this sentence. */
static void test_impossible(void)
{
	struct bench_opts o;
	struct plan plan;
	char why[768];
	CHECK(sweep_opts("-t pipe,pshm-sem -b 4K,16K -m both --access both "
			 "--total 8K", &o) == 0);
	CHECK(plan_make(&o, &plan) == 0);
	size_t n = plan.n;
	CHECK_EQ_U(n, 16);
	static const char *const want[16] = {
		/* stream copy */
		"", "",
		"--buf-size 16384: larger than --total 8192, the bytes to move; "
		"use -b 8192 or less, or a larger --total",
		"--buf-size 16384: larger than --total 8192, the bytes to move; "
		"use -b 8192 or less, or a larger --total",
		/* stream inplace */
		"--access inplace: pipe has no shared blocks to use in place "
		"(the kernel copies the data); use a shared-memory transport or "
		"--access copy", "",
		"--buf-size 16384: larger than --total 8192, the bytes to move; "
		"use -b 8192 or less, or a larger --total",
		"--buf-size 16384: larger than --total 8192, the bytes to move; "
		"use -b 8192 or less, or a larger --total",
		/* pingpong copy: --total does not bound a round trip */
		"", "", "", "",
		/* pingpong inplace */
		"--access inplace: pipe has no shared blocks to use in place "
		"(the kernel copies the data); use a shared-memory transport or "
		"--access copy",
		"--access inplace: ping-pong runs in copy mode only",
		"--access inplace: pipe has no shared blocks to use in place "
		"(the kernel copies the data); use a shared-memory transport or "
		"--access copy",
		"--access inplace: ping-pong runs in copy mode only",
	};
	for (size_t i = 0; i < n && i < 16; i++) {
		why[0] = '\0';
		int rc = point_check(&plan.points[i], why, sizeof(why));
		CHECK_EQ_U(rc != 0, want[i][0] != 0);
		CHECK_STR(rc ? why : "", want[i]);
	}
	plan_free(&plan);
}

/* --pairs sits between --pin and the memory options: every pin's points
 * for each number of pairs. */
static void test_pairs(void)
{
	check_plan("-t pipe,pshm-sem -b 64 --pin same,split --pairs 1,2 "
		   "--populate both",
		   "pipe 64 stream copy pop=0 hp=off pin=1\n"
		   "pshm-sem 64 stream copy pop=0 hp=off pin=1\n"
		   "pshm-sem 64 stream copy pop=1 hp=off pin=1\n"
		   "pipe 64 stream copy pop=0 hp=off pin=1 pairs=2\n"
		   "pshm-sem 64 stream copy pop=0 hp=off pin=1 pairs=2\n"
		   "pshm-sem 64 stream copy pop=1 hp=off pin=1 pairs=2\n"
		   "pipe 64 stream copy pop=0 hp=off pin=2\n"
		   "pshm-sem 64 stream copy pop=0 hp=off pin=2\n"
		   "pshm-sem 64 stream copy pop=1 hp=off pin=2\n"
		   "pipe 64 stream copy pop=0 hp=off pin=2 pairs=2\n"
		   "pshm-sem 64 stream copy pop=0 hp=off pin=2 pairs=2\n"
		   "pshm-sem 64 stream copy pop=1 hp=off pin=2 pairs=2\n");
}

/* Every point carries the channel's tuning and the measuring effort from
 * the options, and the plan the rounds' options: the core below the plan
 * never sees struct bench_opts. */
static void test_carries(void)
{
	struct bench_opts o;
	struct plan plan;
	CHECK(sweep_opts("-t pipe,fifo -b 1,2,3 --blocks 4 --spin 7 "
			 "--min-time 0.25 --warmup 2 --total 1M --timeout 9 "
			 "--seed 5 --reps 4 --batch 8 -m pingpong", &o) == 0);
	CHECK(plan_make(&o, &plan) == 0);
	CHECK_EQ_U(plan.n, 6);
	for (size_t i = 0; i < plan.n; i++) {
		const struct point *p = &plan.points[i];
		CHECK_EQ_U(p->tuning.nblocks, 4);
		CHECK_EQ_U(p->tuning.spin, 7);
		CHECK(p->effort.min_time == 0.25);
		CHECK_EQ_U(p->effort.warmup, 2);
		CHECK_EQ_U(p->effort.total, 1 << 20);
		CHECK(p->effort.timeout_s == 9);
		CHECK_EQ_U(p->effort.seed, 5);
		CHECK_EQ_U(p->effort.batch, 8);
		CHECK_EQ_U(p->pairs, 1);
	}
	CHECK_EQ_U(plan.rounds.rounds, 4);
	CHECK(strcmp(plan.points[2].t->name, "pipe") == 0 &&
	      plan.points[2].buf_size == 2);
	plan_free(&plan);
}

static const struct test_case cases[] = {
	{"order", test_order},
	{"memory_options", test_memory_options},
	{"impossible", test_impossible},
	{"pairs", test_pairs},
	{"carries", test_carries},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
