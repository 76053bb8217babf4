/*
 * test_options.c - options_parse: command lines into struct bench_opts, and
 * the exact message and status of every refusal in a set of bad ones.
 */
#include "check.h"
#include "options.h"
#include "placement.h"
#include "transport.h"

#include <stdlib.h>
#include <string.h>

/* Parse "CMD ARGS..." (words split at spaces; '' is the empty word) as
 * kind (a newline stays inside its word); returns options_parse's status, the message in why. */
static int parse_line(enum opts_kind kind, const char *line,
		      struct bench_opts *o, char *why, size_t whylen)
{
	static char buf[512];
	char *argv[64];
	int argc = 0;
	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = kind == OPTS_RUN ? "run" : "sweep";
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = strcmp(w, "''") == 0 ? "" : w;
	argv[argc] = NULL;
	why[0] = '\0';
	return options_parse(kind, argc, argv, o, why, whylen);
}

/* The defaults --help states, for a run of one point. */
static void test_run_defaults(void)
{
	struct bench_opts o;
	char why[768];
	CHECK_EQ_U(parse_line(OPTS_RUN, "-t pipe -b 4K", &o, why, sizeof(why)), 0);
	CHECK_EQ_U(o.ntransports, 1);
	CHECK_STR(o.transports[0]->name, "pipe");
	CHECK_EQ_U(o.nbuf_sizes, 1);
	CHECK_EQ_U(o.buf_sizes[0], 4096);
	CHECK_EQ_U(o.nmodes, 1);
	CHECK(o.modes[0] == MODE_STREAM);
	CHECK(o.naccesses == 1 && o.accesses[0] == ACCESS_COPY);
	CHECK(o.npopulates == 1 && o.populates[0] == 0);
	CHECK(o.nhugepages == 1 && o.hugepages[0] == REGION_HP_OFF);
	CHECK(o.npins == 1 && o.pins[0].pin == PIN_NONE);
	CHECK_EQ_U(o.total, 0);
	CHECK_EQ_U(o.messages, 0);
	CHECK_EQ_U(o.batch, 1);
	CHECK_NEAR(o.min_time, 0.05, 1e-12);
	CHECK_EQ_U(o.reps, 9);
	CHECK_EQ_U(o.max_rounds, 9); /* a run: --reps */
	CHECK_EQ_U(o.warmup, 1);
	CHECK_NEAR(o.target, 0.05, 1e-12);
	CHECK_NEAR(o.budget_s, 0, 0);
	CHECK_NEAR(o.timeout_s, 120, 0);
	CHECK_EQ_U(o.seed, 1);
	CHECK(o.format == FORMAT_TABLE);
	CHECK(o.output == NULL);
	CHECK(o.floor == 1 && o.verify == 0 && o.quiet == 0 && o.nagle == 0);
	CHECK(o.fail_fast == 0);
	CHECK_EQ_U(o.kbuf_size, 0);
	CHECK_EQ_U(o.nblocks, 0);
	CHECK_EQ_U(o.spin, 0);
	CHECK(o.shuffle_seed != 0); /* drawn at random */
}

/* Every option of run set, long and short forms. */
static void test_run_all_options(void)
{
	struct bench_opts o;
	char why[768];
	int rc = parse_line(OPTS_RUN,
		"--transport fifo --buf-size 64KiB --total 1M --messages 5 --batch 16 "
		"--min-time 200ms --rounds 5 -w 0 --max-rounds 7 --budget 2m "
		"--target 2.5% -m pingpong --access inplace --verify on "
		"--populate on --hugepages try --pin 0:1 --pipe-size 1M "
		"--blocks 4 --spin 100 --nagle -f json -o out.json "
		"--timeout 3s --seed 0 --no-floor --quiet", &o, why, sizeof(why));
	CHECK_EQ_U(rc, 0);
	CHECK_STR(why, "");
	CHECK_STR(o.transports[0]->name, "fifo");
	CHECK_EQ_U(o.buf_sizes[0], 65536);
	CHECK_EQ_U(o.total, 1u << 20);
	CHECK_EQ_U(o.messages, 5);
	CHECK_EQ_U(o.batch, 16);
	CHECK_NEAR(o.min_time, 0.2, 1e-12);
	CHECK_EQ_U(o.reps, 5);
	CHECK_EQ_U(o.warmup, 0);
	CHECK_EQ_U(o.max_rounds, 7);
	CHECK_NEAR(o.budget_s, 120, 1e-9);
	CHECK_NEAR(o.target, 0.025, 1e-12);
	CHECK(o.nmodes == 1 && o.modes[0] == MODE_PINGPONG);
	CHECK(o.naccesses == 1 && o.accesses[0] == ACCESS_INPLACE);
	CHECK(o.verify == 1);
	CHECK(o.npopulates == 1 && o.populates[0] == 1);
	CHECK(o.nhugepages == 1 && o.hugepages[0] == REGION_HP_TRY);
	CHECK(o.npins == 1 && o.pins[0].pin == PIN_CPUS);
	CHECK(o.pins[0].cpu_writer == 0 && o.pins[0].cpu_reader == 1);
	CHECK_EQ_U(o.kbuf_size, 1u << 20);
	CHECK_EQ_U(o.nblocks, 4);
	CHECK_EQ_U(o.spin, 100);
	CHECK(o.nagle == 1);
	CHECK(o.format == FORMAT_JSON);
	CHECK_STR(o.output, "out.json");
	CHECK_NEAR(o.timeout_s, 3, 1e-12);
	CHECK_EQ_U(o.seed, 0);
	CHECK(o.floor == 0 && o.quiet == 1);
}

/* A sweep: every transport, the default sizes, twice the rounds at most;
 * lists keep their order. */
static void test_sweep(void)
{
	struct bench_opts o;
	char why[768];
	CHECK_EQ_U(parse_line(OPTS_SWEEP, "", &o, why, sizeof(why)), 0);
	size_t nt = 0;
	for (const struct ipc_transport *const *t = ipc_transports(); *t; t++)
		nt++;
	CHECK_EQ_U(o.ntransports, nt);
	static const uint64_t sizes[] = {16, 64, 256, 1024, 4096, 16384,
					 65536, 262144, 1048576};
	CHECK_EQ_U(o.nbuf_sizes, 9);
	for (size_t i = 0; i < 9 && i < o.nbuf_sizes; i++)
		CHECK_EQ_U(o.buf_sizes[i], sizes[i]);
	CHECK_EQ_U(o.reps, 9);
	CHECK_EQ_U(o.max_rounds, 18);
	CHECK(o.nmodes == 1 && o.modes[0] == MODE_STREAM);

	CHECK_EQ_U(parse_line(OPTS_SWEEP, "-t pipe,fifo -b 4K..16K:x2,1 "
			      "-m both --access inplace,copy --populate both "
			      "--hugepages thp,off -r 2 --pin same,split/none "
			      "--shuffle 5 --fail-fast", &o, why, sizeof(why)), 0);
	CHECK_EQ_U(o.ntransports, 2);
	CHECK(o.ntransports == 2 && strcmp(o.transports[1]->name, "fifo") == 0);
	CHECK_EQ_U(o.nbuf_sizes, 4);
	CHECK(o.buf_sizes[0] == 4096 && o.buf_sizes[2] == 16384 &&
	      o.buf_sizes[3] == 1);
	CHECK(o.nmodes == 2 && o.modes[0] == MODE_STREAM &&
	      o.modes[1] == MODE_PINGPONG);
	CHECK(o.naccesses == 2 && o.accesses[0] == ACCESS_INPLACE);
	CHECK(o.npopulates == 2 && o.populates[0] == 0 && o.populates[1] == 1);
	CHECK(o.nhugepages == 2 && o.hugepages[0] == REGION_HP_THP &&
	      o.hugepages[1] == REGION_HP_OFF);
	CHECK_EQ_U(o.max_rounds, 2); /* under 3 rounds: no extra ones */
	CHECK(o.npins == 3 && o.pins[0].pin == PIN_SAME &&
	      o.pins[1].pin == PIN_SPLIT && o.pins[2].pin == PIN_NONE);
	CHECK_EQ_U(o.shuffle_seed, 5);
	CHECK(o.fail_fast == 1);

	/* A value named twice in a list is measured once, first place kept. */
	CHECK_EQ_U(parse_line(OPTS_SWEEP, "-t pipe,fifo,pipe -b 64,4K,64,16..64:x4 "
			      "--pin split,same,split -m pingpong,stream,pingpong",
			      &o, why, sizeof(why)), 0);
	CHECK(o.ntransports == 2 && o.transports[0] == ipc_transport_find("pipe"));
	CHECK(o.nbuf_sizes == 3 && o.buf_sizes[0] == 64 &&
	      o.buf_sizes[1] == 4096 && o.buf_sizes[2] == 16);
	CHECK(o.npins == 2 && o.pins[0].pin == PIN_SPLIT &&
	      o.pins[1].pin == PIN_SAME);
	CHECK(o.nmodes == 2);
}

/* --help prints and returns 1, before any later option is looked at. */
static void test_help(void)
{
	struct bench_opts o;
	char why[768];
	FILE *saved = stdout;
	FILE *sink = fopen("/dev/null", "w");
	if (sink)
		stdout = sink;
	CHECK_EQ_U(parse_line(OPTS_RUN, "--help --bogus", &o, why, sizeof(why)), 1);
	CHECK_EQ_U(parse_line(OPTS_SWEEP, "-h", &o, why, sizeof(why)), 1);
	stdout = saved;
	if (sink)
		fclose(sink);
}

/* Bad command lines: the status and the exact message (the caller puts
 * `ipclab: CMD: ` before it). */
static const struct bad_line {
	enum opts_kind kind;
	const char *line;
	int rc;
	const char *why;
} bad_lines[] = {
	{OPTS_RUN, "", 2,
	 "--transport is required: ipclab run -t TRANSPORT -b BUF_SIZE (transports: ipclab list)"},
	{OPTS_RUN, "-t pipe", 2,
	 "--buf-size is required: ipclab run -t TRANSPORT -b BUF_SIZE (transports: ipclab list)"},
	{OPTS_RUN, "-b 4K", 2,
	 "--transport is required: ipclab run -t TRANSPORT -b BUF_SIZE (transports: ipclab list)"},
	{OPTS_RUN, "-t nosuch -b 4K", 3,
	 "--transport nosuch: unknown transport 'nosuch' (see the list below)"},
	{OPTS_RUN, "-t pipe,fifo -b 4K", 2,
	 "--transport pipe,fifo: one transport per run (use ipclab sweep for several)"},
	{OPTS_RUN, "-t pipe, -b 4K", 2,
	 "--transport pipe,: empty name in the list"},
	{OPTS_RUN, "-t pipe -b 0", 2,
	 "--buf-size 0: BUF_SIZE must be at least 1 byte"},
	{OPTS_RUN, "-t pipe -b 4K,8K", 2,
	 "--buf-size 4K,8K: one size per run (use ipclab sweep for several)"},
	{OPTS_RUN, "-t pipe -b 4Q", 2,
	 "--buf-size 4Q: '4Q': unknown suffix 'Q' (use k, M, G; binary: 1K = 1024)"},
	{OPTS_RUN, "-t pipe -b 4K --total 0", 2,
	 "--total 0: must be from 1 byte to 16 TiB"},
	{OPTS_RUN, "-t pipe -b 4K --total 17T", 2,
	 "--total 17T: must be from 1 byte to 16 TiB"},
	{OPTS_RUN, "-t pipe -b 4K --total x", 2,
	 "--total x: 'x' is not a size (a whole number of bytes, optionally with k, M, G: 4K = 4096)"},
	{OPTS_RUN, "-t pipe -b 4K --pipe-size 0", 2,
	 "--pipe-size 0: must be from 1 byte to 16 TiB"},
	{OPTS_RUN, "-t pipe -b 4K --sock-buf -1", 2,
	 "--sock-buf -1: '-1' is not a size (a whole number of bytes, optionally with k, M, G: 4K = 4096)"},
	{OPTS_RUN, "-t pipe -b 4K --messages 0", 2,
	 "--messages 0: a whole number of round trips from 1"},
	{OPTS_RUN, "-t pipe -b 4K --batch 0", 2,
	 "--batch 0: a whole number of round trips from 1 to 65536"},
	{OPTS_SWEEP, "-t pipe -b 4K --batch 65537", 2,
	 "--batch 65537: a whole number of round trips from 1 to 65536"},
	{OPTS_SWEEP, "-t pipe -b 4K --batch 8", 2,
	 "--batch 8: it batches ping-pong round trips; add -m pingpong"},
	{OPTS_RUN, "-t pipe -b 4K --min-time 0", 2,
	 "--min-time 0: '0' is not a duration between 1us and 24h (e.g. 0.5, 0.5s, 200ms)"},
	{OPTS_RUN, "-t pipe -b 4K --min-time abc", 2,
	 "--min-time abc: 'abc' is not a duration (e.g. 0.5, 0.5s, 200ms)"},
	{OPTS_RUN, "-t pipe -b 4K --timeout -1s", 2,
	 "--timeout -1s: '-1s' is not a duration (e.g. 0.5, 0.5s, 200ms)"},
	{OPTS_RUN, "-t pipe -b 4K -r 0", 2,
	 "--reps 0: a whole number from 1 to 10000"},
	{OPTS_RUN, "-t pipe -b 4K --rounds 0", 2,
	 "--reps 0: a whole number from 1 to 10000"},
	{OPTS_RUN, "-t pipe -b 4K -w 10001", 2,
	 "--warmup 10001: a whole number from 0 to 10000"},
	{OPTS_RUN, "-t pipe -b 4K --max-rounds 0", 2,
	 "--max-rounds 0: a whole number from 1 to 10000"},
	{OPTS_RUN, "-t pipe -b 4K --max-rounds 3 -r 5", 2,
	 "--max-rounds 3: fewer than the 5 rounds of --reps"},
	{OPTS_RUN, "-t pipe -b 4K --budget 0", 2,
	 "--budget 0: '0' is not a duration between 1us and 24h (e.g. 0.5, 0.5s, 200ms)"},
	{OPTS_RUN, "-t pipe -b 4K --budget x", 2,
	 "--budget x: 'x' is not a duration (e.g. 0.5, 0.5s, 200ms)"},
	{OPTS_RUN, "-t pipe -b 4K --target 0", 2,
	 "--target 0: a percentage above 0 and at most 100 (e.g. 5 or 5%)"},
	{OPTS_RUN, "-t pipe -b 4K --target 101%", 2,
	 "--target 101%: a percentage above 0 and at most 100 (e.g. 5 or 5%)"},
	{OPTS_RUN, "-t pipe -b 4K --target 5%%", 2,
	 "--target 5%%: a percentage above 0 and at most 100 (e.g. 5 or 5%)"},
	{OPTS_RUN, "-t pipe -b 4K --blocks 0", 2,
	 "--blocks 0: a whole number of blocks from 1"},
	{OPTS_RUN, "-t pipe -b 4K --mem-node far", 2,
	 "--mem-node far: expected local, remote or a node number"},
	{OPTS_RUN, "-t pipe -b 4K --spin 0", 2,
	 "--spin 0: a whole number of iterations from 1"},
	{OPTS_RUN, "-t pipe -b 4K --seed -1", 2,
	 "--seed -1: a whole number"},
	{OPTS_RUN, "-t pipe -b 4K -m both", 2,
	 "--mode both: expected stream or pingpong"},
	{OPTS_RUN, "-t pipe -b 4K -m x", 2,
	 "--mode x: expected stream or pingpong"},
	{OPTS_RUN, "-t pipe -b 4K --access both", 2,
	 "--access both: expected copy or inplace"},
	{OPTS_RUN, "-t pipe -b 4K --verify both", 2,
	 "--verify both: expected on or off"},
	{OPTS_RUN, "-t pipe -b 4K --populate both", 2,
	 "--populate both: expected on or off"},
	{OPTS_RUN, "-t pipe -b 4K --hugepages on,off", 2,
	 "--hugepages on,off: expected off, on, try or thp"},
	{OPTS_RUN, "-t pipe -b 4K --pin same,split", 2,
	 "--pin same,split: one placement per run (use ipclab sweep for several)"},
	{OPTS_RUN, "-t pipe -b 4K --pin 0,1,2", 2,
	 "--pin 0,1,2: expected none, same, split, smt, core, llc, socket, numa or two CPU numbers W,R (e.g. 0,1)"},
	{OPTS_RUN, "-t pipe -b 4K --pin ,,/", 2,
	 "--pin ,,/: empty list (expected none, same, split, smt, core, llc, socket, numa or W,R)"},
	{OPTS_RUN, "-t pipe -b 4K --pin nowhere", 2,
	 "--pin nowhere: expected none, same, split, smt, core, llc, socket, numa or two CPU numbers W,R (e.g. 0,1)"},
	{OPTS_RUN, "-t pipe -b 4K -f xml", 2,
	 "--format xml: expected table, csv or json"},
	{OPTS_RUN, "-t pipe -b 4K -o", 2,
	 "option -o needs a value (see --help)"},
	{OPTS_RUN, "-t pipe -b 4K -o ''", 2,
	 "--output '': empty path"},
	{OPTS_RUN, "-t pipe -b 4K --bogus", 2,
	 "unknown option --bogus (see --help)"},
	{OPTS_RUN, "-t pipe -b 4K -Z", 2,
	 "unknown option -Z (see --help)"},
	{OPTS_RUN, "-t pipe -b 4K extra", 2,
	 "unexpected argument 'extra' (see --help)"},
	{OPTS_RUN, "-t pipe -b 4K -t fifo", 2,
	 "--transport given twice (pipe, then fifo): give it once"},
	{OPTS_RUN, "-t pipe -b 4K --reps 3 --rounds 4", 2,
	 "--reps given twice (3, then 4): give it once"},
	{OPTS_RUN, "-t pipe -b 4K --shuffle 3", 2,
	 "unknown option --shuffle (see --help)"},
	{OPTS_RUN, "-t pipe -b 4K --fail-fast", 2,
	 "unknown option --fail-fast (see --help)"},
	{OPTS_SWEEP, "-t pipe -t fifo", 2,
	 "--transport given twice (pipe, then fifo): give it once with a list of values (see --help)"},
	{OPTS_SWEEP, "-m stream -m pingpong", 2,
	 "--mode given twice (stream, then pingpong): give it once with a list of values (see --help)"},
	{OPTS_SWEEP, "--access copy --access inplace", 2,
	 "--access given twice (copy, then inplace): give it once with a list of values (see --help)"},
	{OPTS_SWEEP, "--populate on --populate off", 2,
	 "--populate given twice (on, then off): give it once with a list of values (see --help)"},
	{OPTS_SWEEP, "--hugepages on --hugepages off", 2,
	 "--hugepages given twice (on, then off): give it once with a list of values (see --help)"},
	{OPTS_SWEEP, "-r 3 -r 4", 2,
	 "--reps given twice (3, then 4): give it once"},
	{OPTS_SWEEP, "-m stream,stream,x", 2,
	 "--mode stream,stream,x: expected stream, pingpong or both (stream,pingpong)"},
	{OPTS_SWEEP, "-m both,", 2,
	 "--mode both,: expected stream, pingpong or both (stream,pingpong)"},
	{OPTS_SWEEP, "--populate both,on", 2,
	 "--populate both,on: expected on, off or both (off,on)"},
	{OPTS_SWEEP, "--hugepages on,off,try,thp,on2", 2,
	 "--hugepages on,off,try,thp,on2: expected off, on, try or thp"},
	{OPTS_SWEEP, "--verify both", 2,
	 "--verify both: expected on or off"},
	{OPTS_SWEEP, "--shuffle 0", 2,
	 "--shuffle 0: a whole number from 1"},
	{OPTS_SWEEP, "-t nosuch", 3,
	 "--transport nosuch: unknown transport 'nosuch' (see the list below)"},
	{OPTS_SWEEP, "-b 1..0", 2,
	 "--buf-size 1..0: range '1..0' needs a step: LO..HI:xF or LO..HI:+S (e.g. 16..1M:x4)"},
	{OPTS_SWEEP, "--pin ,,", 2,
	 "--pin ,,: expected none, same, split, smt, core, llc, socket, numa or two CPU numbers W,R (e.g. 0,1)"},
	{OPTS_SWEEP, "-t ''", 2,
	 "--transport '': empty name in the list"},
	{OPTS_RUN, "-t pipe -b 4K --total 1\n2", 2,
	 "--total 1\\n2: '1\\n2': unknown suffix '\\n2' (use k, M, G; binary: 1K = 1024)"},
};

static void test_bad_lines(void)
{
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		const struct bad_line *b = &bad_lines[i];
		struct bench_opts o;
		char why[768];
		int rc = parse_line(b->kind, b->line, &o, why, sizeof(why));
		if (rc != b->rc || strcmp(why, b->why) != 0) {
			fprintf(stderr, "%s %s:\n  got  %d \"%s\"\n  want %d \"%s\"\n",
				b->kind == OPTS_RUN ? "run" : "sweep", b->line,
				rc, why, b->rc, b->why);
			check_failed = 1;
		}
	}
}

static const struct test_case cases[] = {
	{"run_defaults", test_run_defaults},
	{"run_all_options", test_run_all_options},
	{"sweep", test_sweep},
	{"help", test_help},
	{"bad_lines", test_bad_lines},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
