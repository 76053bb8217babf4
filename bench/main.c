/*
 * main.c - the ipclab command line: which subcommand runs.  Each command
 * (run, and the *_main of bench/cmd/ and bench/demos/) prints its own
 * messages, in the one form `ipclab: CMD: ...` (say.h), and returns its exit
 * status (0 ok, 1 a run failed, 2 bad usage, 77 nothing could run here).
 * Below the commands, code writes only to the FILE it is given, except the
 * --help of run and sweep (options_usage, on stdout) and the final check
 * that standard output was written (stdfds.c, through say.h).
 */
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "clean.h"
#include "config.h"
#include "ctxsw.h"
#include "demo.h"
#include "matrix.h"
#include "model_cmd.h"
#include "options.h"
#include "point.h"
#include "record.h"
#include "rounds.h"
#include "stats.h"
#include "stdfds.h"
#include "scripts_cmd.h"
#include "sweep.h"
#include "sysinfo.h"
#include "topology_cmd.h"
#include "transport.h"
#include "xfr.h"

static int usage_error(const char *cmd, const char *why)
{
	fprintf(stderr, "ipclab: %s: %s\n", cmd, why);
	return 2;
}

static int cmd_list(int argc, char **argv)
{
	int verbose = argc > 1 && (strcmp(argv[1], "-v") == 0 ||
				   strcmp(argv[1], "--verbose") == 0);
	if (argc > 1 && !verbose) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			printf("usage: ipclab list [-v]\nEvery transport with its "
			       "capabilities and its largest BUF_SIZE on this "
			       "machine; -v adds how it synchronises and the "
			       "limits that bound it.\n");
			return 0;
		}
		return usage_error("list", "unknown option (use -v or --help)");
	}
	ipc_transport_list(stdout, verbose);
	return 0;
}

struct run_sink {
	FILE *out;
	enum record_format fmt;
	int quiet;
	int werr; /* errno of the first lost row, 0 if none */
};

static void run_emit(const struct record *rec, void *arg)
{
	struct run_sink *s = arg;
	if (record_write(s->out, s->fmt, rec) < 0 && !s->werr)
		s->werr = errno;
	if (s->fmt != FORMAT_TABLE && !s->quiet && strcmp(rec->status, "ok"))
		fprintf(stderr, "ipclab: run: %s: %s\n", rec->transport, rec->reason);
}

static int cmd_run(int argc, char **argv)
{
	struct bench_opts o;
	char why[768];
	int rc = options_parse(OPTS_RUN, argc, argv, &o, why, sizeof(why));
	if (rc == 1)
		return 0;
	if (rc == 3) {
		fprintf(stderr, "ipclab: run: %s\n", why);
		ipc_transport_list(stderr, 0);
		return 2;
	}
	if (rc)
		return usage_error("run", why);

	struct point p = {
		.t = o.transports[0],
		.buf_size = o.buf_sizes[0],
		.mode = o.modes[0],
		.access = o.accesses[0],
		.populate = o.populates[0],
		.hugepages = o.hugepages[0],
		.pin = o.pins[0],
		.pairs = o.pairs[0],
	};
	if (point_check(&p, &o, why, sizeof(why)) < 0)
		return usage_error("run", why);
	if (!(p.t->caps & IPC_CAP_REGION) &&
	    (p.populate || p.hugepages != REGION_HP_OFF))
		fprintf(stderr, "ipclab: run: note: %s has no shared region; "
			"--populate and --hugepages do not apply (recorded as "
			"n/a)\n", p.t->name);

	if (p.pairs > 1 && o.format == FORMAT_TABLE && !o.quiet)
		fprintf(stderr, "ipclab: run: note: --pairs %d: each row is the "
			"pairs' aggregate; --format csv or json adds each pair's "
			"CPUs, bytes and throughput (pair_* columns)\n", p.pairs);
	FILE *out = stdout;
	if (!o.output && stdfds_was_closed(1))
		return usage_error("run", "standard output is closed, the rows "
				   "would be lost: redirect it (> FILE) or give "
				   "-o FILE");
	if (o.output) {
		out = fopen(o.output, "w");
		if (!out) {
			snprintf(why, sizeof(why), "--output %s: %s", o.output,
				 strerror(errno));
			return usage_error("run", why);
		}
	}
	char run_id[48];
	record_make_run_id(run_id, sizeof(run_id));
	struct run_sink sink = {out, o.format, o.quiet, 0};
	if (record_write_header(out, o.format) < 0)
		sink.werr = errno;
	run_catch_signals();
	/* One point through the same rounds as a sweep: its repetitions are
	 * rounds, each with its canaries, judged by the same rules. */
	struct rounds_opts ro = {o.reps, o.max_rounds, o.budget_s, o.target,
				 o.shuffle_seed};
	struct rounds_hooks hooks = {run_emit, NULL, NULL, &sink};
	struct rounds_report rep;
	struct summary s;
	rc = rounds_run(&p, 1, &o, &ro, run_id, &hooks, &s, &rep);
	if (rc == -ENOMEM) {
		fprintf(stderr, "ipclab: run: out of memory\n");
		if (out != stdout)
			fclose(out);
		return 1;
	}
	FILE *sf = o.format == FORMAT_TABLE && out == stdout ? stdout : stderr;
	if (s.status[0] && (!o.quiet || sf == stdout)) {
		fprintf(sf, "\nsummary (median of %llu rounds; a rerun's median "
			"falls in [lo .. hi] with probability %.0f%%):\n",
			(unsigned long long)s.reps,
			isfinite(s.interval_coverage)
			? 100 * s.interval_coverage : 0.0);
		if ((summary_write_header(sf, FORMAT_TABLE) < 0 ||
		     summary_write(sf, FORMAT_TABLE, &s) < 0) &&
		    sf == out && !sink.werr)
			sink.werr = errno;
	}
	if (!o.quiet && s.flag[0])
		fprintf(stderr, "ipclab: run: warning: %s: unstable (%s): %s\n",
			s.first.transport, s.flag_kinds, s.reason);
	if (out != stdout && record_close(out) < 0 && !sink.werr)
		sink.werr = errno;
	if (sink.werr) { /* rows were lost: never exit 0 */
		fprintf(stderr, "ipclab: run: writing %s: %s\n",
			o.output ? o.output : "standard output",
			strerror(sink.werr));
		return 1;
	}
	if (rc == -EINTR)
		return 128 + (run_stop ? run_stop : SIGINT);
	if (rc)
		fprintf(stderr, "ipclab: run: %s: %s\n", s.first.transport,
			s.reason[0] ? s.reason : "a repetition failed");
	return rc ? 1 : 0;
}

static int c_list(int argc, char **argv) { return cmd_list(argc - 1, argv + 1); }
static int c_run(int argc, char **argv) { return cmd_run(argc - 1, argv + 1); }
static int c_sweep(int argc, char **argv)
{
	return sweep_main(argc - 1, argv + 1, argc, argv); /* meta.json: all */
}
static int c_xfr(int argc, char **argv) { return xfr_main(argc - 1, argv + 1); }
static int c_matrix(int argc, char **argv) { return matrix_main(argc - 1, argv + 1); }
static int c_topology(int argc, char **argv) { return topology_main(argc - 1, argv + 1); }
static int c_model(int argc, char **argv) { return model_main(argc - 1, argv + 1); }
static int c_ctxsw(int argc, char **argv) { return ctxsw_main(argc - 1, argv + 1); }
static int c_check(int argc, char **argv) { return check_main(argc - 1, argv + 1); }
static int c_demo(int argc, char **argv) { return demo_main(argc - 1, argv + 1); }
static int c_clean(int argc, char **argv) { return clean_main(argc - 1, argv + 1); }
static int c_scripts(int argc, char **argv) { return scripts_main(argc - 1, argv + 1); }

static int c_sysinfo(int argc, char **argv)
{
	if (argc > 2 && (strcmp(argv[2], "--help") == 0 ||
			 strcmp(argv[2], "-h") == 0)) {
		printf("usage: ipclab sysinfo [--json]\nThis machine's CPUs, "
		       "kernel, huge pages, THP and IPC limits; --json: the "
		       "same as a sweep's meta.json.\n");
		return 0;
	}
	if (argc > 2 && strcmp(argv[2], "--json") == 0)
		sysinfo_write_json(stdout, NULL, argc, argv, NULL, NULL, NULL, NULL);
	else if (argc > 2)
		return usage_error("sysinfo", "unknown option (use --json)");
	else
		sysinfo_write_text(stdout);
	return 0;
}

static int c_version(int argc, char **argv)
{
	if (argc > 2 && (strcmp(argv[2], "--help") == 0 ||
			 strcmp(argv[2], "-h") == 0)) {
		printf("usage: ipclab version (or ipclab --version)\n"
		       "The version, git revision, compiler and build "
		       "type of this binary.\n");
		return 0;
	}
	if (argc > 2) {
		fprintf(stderr, "ipclab: version: takes no options "
			"or arguments (got '%s')\n", argv[2]);
		return 2;
	}
	printf("ipclab %s (%s, %s, %s)\n", IPCLAB_VERSION, IPCLAB_GIT_REV,
	       IPCLAB_COMPILER, IPCLAB_BUILD_TYPE);
	return 0;
}

static int c_help(int argc, char **argv);

/*
 * The commands: a new one is a file in bench/cmd/ and a row here.  fn gets
 * the whole command line (argv[1] is the command's name); rows without a
 * summary are aliases, not listed.
 */
static const struct command {
	const char *name, *args;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"list", "[-v]", c_list, "transports, capabilities, limits on this machine"},
	{"run", "", c_run, "one configuration: ipclab run -t pshm-sem -b 10"},
	{"sweep", "", c_sweep, "every combination into results/<run-id>/"},
	{"xfr", "writer|reader", c_xfr, "the exercise as two programs: ipclab xfr --help"},
	{"sysinfo", "[--json]", c_sysinfo, "huge pages, THP and IPC limits of this machine"},
	{"matrix", "-t T", c_matrix, "a transport between every pair of CPUs: matrix.csv, heatmap"},
	{"topology", "[--json]", c_topology, "cores, SMT, LLCs, sockets, nodes; what --pin names pick"},
	{"model", "DIR", c_model, "cost model per transport from a sweep: c_byte, c_handoff"},
	{"ctxsw", "", c_ctxsw, "context-switch cost: ipclab ctxsw --pin both"},
	{"check", "-t T", c_check, "the transport contract and a benchmark (T: a name or ./plugin.so)"},
	{"demo", "NAME", c_demo, "classroom demos (ipclab demo --list)"},
	{"clean", "[--dry-run]", c_clean, "remove what crashed runs left (ipclab clean --help)"},
	{"plot", "DIR", c_scripts, "draw a results folder's figures (scripts/plot.py)"},
	{"report", "DIR", c_scripts, "figures and report.md/.html (scripts/report.py)"},
	{"compare", "A B", c_scripts, "compare two results folders (scripts/compare.py)"},
	{"version", "", c_version, "version and build"},
	{"--version", "", c_version, NULL},
	{"help", "", c_help, "this text; COMMAND --help for a command's options"},
	{"--help", "", c_help, NULL},
	{"-h", "", c_help, NULL},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: ipclab COMMAND [options]\n"
		"A benchmarking and teaching lab for Linux inter-process "
		"communication.\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char left[48];
		if (!commands[i].summary)
			continue;
		snprintf(left, sizeof(left), "%s%s%s", commands[i].name,
			 commands[i].args[0] ? " " : "", commands[i].args);
		fprintf(f, "  %-16s %s\n", left, commands[i].summary);
	}
	fprintf(f, "\nExit status: 0 ok, 1 a run failed, 2 bad usage, 77 nothing "
		"could run here.\n");
}

static int c_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc, argv);
	fprintf(stderr, "ipclab: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	/* A file over ulimit -f is EFBIG from write(), reported like ENOSPC,
	 * not a silent death by SIGXFSZ halfway through a results file. */
	(void)signal(SIGXFSZ, SIG_IGN);
	if (stdfds_ensure() < 0)
		return 2; /* /dev/null is missing: nothing can be said */
	int rc = dispatch(argc, argv);
	/* Whatever a command printed must have reached its destination (a
	 * command that failed has said why already). */
	if (rc == 0 && stdfds_flush_stdout(argc > 1 ? argv[1] : "ipclab") < 0)
		rc = 1;
	return rc;
}
