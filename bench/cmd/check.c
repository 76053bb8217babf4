/*
 * check.c - `ipclab check -t TRANSPORT`: run the transport contract
 * (bench/contract.c) against a transport, usually a student's shared object,
 * with a readable pass/fail report, then a short benchmark beside built-in
 * transports.  Every case runs in its own process with a deadline, and any
 * object that appears during a case and stays is reported, whatever its
 * name: a broken plugin gets a verdict, never a crash or a hang of ipclab.
 */
#include "commands.h"
#include "contract.h"
#include "plan.h"
#include "plugin.h"
#include "units.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CASE_TIMEOUT_S 120

static void usage(FILE *f)
{
	fprintf(f, "usage: ipclab check -t TRANSPORT|./plugin.so [--quick] "
		"[--timeout SEC] [--no-bench]\n"
		"Run the transport contract (create/destroy, streams of every "
		"size through both APIs,\nrandom pieces, a crash mid-stream, "
		"leaks), then a short benchmark beside pipe and\npshm-pipe. "
		"Exit 0 when every case passed, 1 otherwise, 2 for bad usage.\n\n"
		"  --quick          smaller streams (no 64 MiB, fewer sizes)\n"
		"  --timeout SEC    a contract case that takes longer fails "
		"(default %d s)\n"
		"  --no-bench       the contract only, no benchmark\n",
		DEFAULT_CASE_TIMEOUT_S);
}

/* A short benchmark: the transport beside two built-in ones, a plan of
 * run's defaults made shorter. */
static void bench(const struct ipc_transport *t)
{
	const struct ipc_transport *ts[] = {t, ipc_transport_find("pipe"),
					    ipc_transport_find("pshm-pipe")};
	struct bench_opts o;
	struct plan plan;
	char why[512];
	char *argv[] = {"check", NULL};
	options_parse(OPTS_RUN, 1, argv, &o, why, sizeof(why)); /* defaults */
	o.ntransports = 0;
	for (size_t i = 0; i < 3; i++)
		if (ts[i])
			o.transports[o.ntransports++] = ts[i];
	o.buf_sizes[0] = 4096;
	o.buf_sizes[1] = 65536;
	o.nbuf_sizes = 2;
	o.min_time = 0.05;
	o.reps = o.max_rounds = 3;
	o.budget_s = 0;
	o.timeout_s = 20;
	struct summary sums[6];
	struct rounds_report rep;
	int rc = plan_make(&o, &plan);
	if (rc == 0) {
		printf("\nbenchmark (copy mode, median of %u rounds, --min-time "
		       "%.2fs):\n", o.reps, o.min_time);
		rc = rounds_run(plan.points, plan.n, &plan.rounds, "check", NULL,
				sums, &rep);
	}
	if (rc == -ENOMEM) {
		plan_free(&plan);
		printf("out of memory\n");
		return;
	}
	summary_write_header(stdout, FORMAT_TABLE);
	for (size_t i = 0; i < plan.n; i++)
		if (sums[i].status[0])
			summary_write(stdout, FORMAT_TABLE, &sums[i]);
	plan_free(&plan);
}

int check_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"transport", required_argument, NULL, 't'},
		{"quick", no_argument, NULL, 'q'},
		{"timeout", required_argument, NULL, 'T'},
		{"no-bench", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *name = NULL;
	struct contract_opts co = {.log = stdout,
				   .case_timeout_s = DEFAULT_CASE_TIMEOUT_S,
				   .snapshot = 1};
	int no_bench = 0, c;
	char why[640];
	optind = 0; /* glibc: start afresh, inner state of -xyz clusters too */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			name = optarg;
			break;
		case 'q':
			co.quick = 1;
			break;
		case 'n':
			no_bench = 1;
			break;
		case 'T':
			if (units_parse_seconds(optarg, &co.case_timeout_s, why,
						sizeof(why)) < 0) {
				fprintf(stderr, "ipclab: check: --timeout %s: %s\n",
					optarg, why);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "ipclab: check: %s %s (see --help)\n",
				c == ':' ? "missing value for" : "unknown option",
				argv[optind - 1]);
			return 2;
		}
	}
	if (!name || optind < argc) {
		fprintf(stderr, "ipclab: check: %s (usage: ipclab check -t "
			"TRANSPORT|./plugin.so)\n", name ? "unexpected argument"
			: "--transport is required");
		return 2;
	}
	const struct ipc_transport *t;
	if (plugin_is_path(name)) {
		t = plugin_load(name, why, sizeof(why));
		if (!t) {
			fprintf(stderr, "ipclab: check: %s\n", why);
			printf("verdict: FAIL (cannot be loaded)\n");
			return 2;
		}
	} else if (!(t = ipc_transport_find(name))) {
		fprintf(stderr, "ipclab: check: unknown transport '%s'\n", name);
		ipc_transport_list(stderr, 0);
		return 2;
	}
	printf("checking %s: %s\n", t->name, t->summary);
	fflush(stdout);
	struct contract_result r;
	run_catch_signals(); /* a stop ends the case, removes what it made */
	contract_run(t, NULL, &co, &r);
	if (run_stop)
		return 128 + run_stop;
	printf("\nverdict: %s (%d of %d cases passed)\n",
	       r.failed ? "FAIL" : "PASS", r.passed, r.passed + r.failed);
	if (!r.failed && !no_bench)
		bench(t);
	return r.failed ? 1 : 0;
}
