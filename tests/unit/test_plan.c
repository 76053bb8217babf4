/*
 * test_plan.c - sweep_plan: the points a sweep expands to, in order, for a
 * few option sets (transports innermost; a transport without a shared
 * region gets one point per size, not one per memory option), and the
 * verdicts of points that cannot run anywhere.
 */
#include "check.h"
#include "options.h"
#include "point.h"
#include "sweep.h"
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
	struct point pts[256];
	char *text = NULL;
	size_t len = 0;
	if (sweep_opts(args, &o) != 0)
		return strdup("(refused)");
	size_t n = sweep_plan(&o, pts, 256);
	FILE *f = open_memstream(&text, &len);
	for (size_t i = 0; f && i < n; i++) {
		const struct point *p = &pts[i];
		fprintf(f, "%s %llu %s %s pop=%d hp=%s pin=%d\n", p->t->name,
			(unsigned long long)p->buf_size, modes[p->mode],
			accesses[p->access], p->populate, hps[p->hugepages],
			(int)p->pin.pin);
	}
	if (f)
		fclose(f);
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
	struct point pts[16];
	char why[768];
	CHECK(sweep_opts("-t pipe,pshm-sem -b 4K,16K -m both --access both "
			 "--total 8K", &o) == 0);
	size_t n = sweep_plan(&o, pts, 16);
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
		int rc = point_check(&pts[i], &o, why, sizeof(why));
		CHECK_EQ_U(rc != 0, want[i][0] != 0);
		CHECK_STR(rc ? why : "", want[i]);
	}
}

/* The plan stops at cap. */
static void test_cap(void)
{
	struct bench_opts o;
	struct point pts[3];
	CHECK(sweep_opts("-t pipe,fifo -b 1,2,3", &o) == 0);
	CHECK_EQ_U(sweep_plan(&o, pts, 3), 3);
	CHECK(strcmp(pts[2].t->name, "pipe") == 0 && pts[2].buf_size == 2);
}

static const struct test_case cases[] = {
	{"order", test_order},
	{"memory_options", test_memory_options},
	{"impossible", test_impossible},
	{"cap", test_cap},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
