/* options.c - parse and validate the options of run and sweep (options.h). */
#include "options.h"
#include "memnode.h"
#include "placement.h"
#include "plugin.h"
#include "units.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

struct opt_doc {
	const char *name;
	int val;       /* short option or a code >= 256 */
	int has_arg;
	unsigned kinds; /* 1 = run, 2 = sweep */
	const char *arg;
	const char *help;
};

enum {
	O_TOTAL = 256, O_MIN_TIME, O_ACCESS, O_VERIFY, O_POPULATE, O_HUGEPAGES,
	O_PIN, O_PIPE_SIZE, O_SOCK_BUF, O_BLOCKS, O_MESSAGES, O_TIMEOUT, O_SEED,
	O_FAIL_FAST, O_NO_FLOOR, O_SHUFFLE, O_QUIET, O_SPIN, O_NAGLE, O_MEM_NODE,
	O_MAX_ROUNDS, O_BUDGET, O_TARGET,
};

static const struct opt_doc docs[] = {
	{"transport", 't', 1, 3, "NAME", "transport (`ipclab list`); sweep: a list or `all`"},
	{"buf-size", 'b', 1, 3, "SIZE", "BUF_SIZE: bytes per handoff (10, 4K, 64KiB, 1M); sweep: a list 16,64,4K or a range 16..1M:x4"},
	{"total", O_TOTAL, 1, 3, "BYTES", "bytes per timed repetition (default: chosen by --min-time)"},
	{"messages", O_MESSAGES, 1, 3, "N", "ping-pong round trips per repetition (default: by --min-time)"},
	{"min-time", O_MIN_TIME, 1, 3, "SEC", "grow each timed repetition to last at least this long (default 0.05s)"},
	{"reps", 'r', 1, 3, "N", "rounds: every point runs once per round, each round in a fresh shuffled order, so its repetitions spread over the whole sweep (default 9)"},
	{"rounds", 'r', 1, 3, "N", "the same as --reps"},
	{"max-rounds", O_MAX_ROUNDS, 1, 3, "N", "a point whose interval is wider than --target gets extra rounds, up to N in all (default: sweep twice --reps when --reps is 3 or more, run --reps)"},
	{"budget", O_BUDGET, 1, 3, "SEC", "no extra round starts once it would end past this many seconds from the start (default: no budget)"},
	{"target", O_TARGET, 1, 3, "PCT", "the half-width extra rounds aim at, in % of the median (default 5%); a point whose interval stays wider than twice it is flagged wide"},
	{"warmup", 'w', 1, 3, "N", "warm-up repetitions, always verified, not timed (default 1)"},
	{"mode", 'm', 1, 3, "MODE", "stream | pingpong (sweep: both)"},
	{"access", O_ACCESS, 1, 3, "MODE", "copy | inplace (sweep: both): copy through private buffers, or use the shared block in place"},
	{"verify", O_VERIFY, 1, 3, "on|off", "check every byte in the timed repetitions too (default off; warm-ups always check)"},
	{"populate", O_POPULATE, 1, 3, "on|off", "pre-fault the shared region before the timed region (sweep: both) (default off)"},
	{"hugepages", O_HUGEPAGES, 1, 3, "off|on|try|thp", "back the shared region with 2 MiB pages; try falls back to 4 KiB and says so (default off)"},
	{"pin", O_PIN, 1, 3, "PIN", "none | same | split | smt | core | llc | socket | numa | W,R (or W:R): CPUs of writer and reader, by name from the topology or given (sweep: a list, e.g. same,split,smt) (default none)"},
	{"pipe-size", O_PIPE_SIZE, 1, 3, "BYTES", "pipe capacity (F_SETPIPE_SZ); default: the kernel's 64 KiB"},
	{"sock-buf", O_SOCK_BUF, 1, 3, "BYTES", "socket buffer (SO_SNDBUF/SO_RCVBUF); default: the kernel's"},
	{"blocks", O_BLOCKS, 1, 3, "N", "blocks in a ring / queue depth (pshm-pipe default 8)"},
	{"mem-node", O_MEM_NODE, 1, 3, "NODE", "local | remote | N: the NUMA node of the run's memory (shared region, buffers); local = the writer's CPU's node (default: the system's policy)"},
	{"spin", O_SPIN, 1, 3, "N", "busy-wait iterations before sleeping, for spinning transports (shm-futex); default: the transport's"},
	{"nagle", O_NAGLE, 0, 3, NULL, "tcp-loopback: keep Nagle's algorithm (default: TCP_NODELAY, small messages leave at once)"},
	{"format", 'f', 1, 3, "FMT", "table | csv | json (one row per repetition) (default table)"},
	{"output", 'o', 1, 3, "PATH", "run: write the rows to FILE; sweep: the results folder (default results/<run-id>)"},
	{"timeout", O_TIMEOUT, 1, 3, "SEC", "kill a repetition that takes longer (default 120s)"},
	{"seed", O_SEED, 1, 3, "N", "seed of the data pattern (default 1)"},
	{"no-floor", O_NO_FLOOR, 0, 3, NULL, "skip the memcpy floor measurement"},
	{"fail-fast", O_FAIL_FAST, 0, 2, NULL, "stop the sweep at the first error"},
	{"shuffle", O_SHUFFLE, 1, 2, "SEED", "seed of the rounds' shuffled orders (default: a random one, recorded in meta.json)"},
	{"quiet", O_QUIET, 0, 3, NULL, "no progress lines on stderr"},
	{"help", 'h', 0, 3, NULL, "this help"},
};
#define NDOCS (sizeof(docs) / sizeof(docs[0]))

void options_usage(enum opts_kind kind, FILE *f)
{
	unsigned bit = kind == OPTS_RUN ? 1 : 2;
	if (kind == OPTS_RUN)
		fprintf(f, "usage: ipclab run -t TRANSPORT -b BUF_SIZE [options]\n"
			"Run one configuration: warm-up, then timed repetitions; "
			"one row per repetition and a summary.\n\n");
	else
		fprintf(f, "usage: ipclab sweep [-t all|LIST] [-b LIST] [options]\n"
			"Run every combination of the listed values into a results "
			"folder (runs.csv, summary.csv, meta.json).\n\n");
	for (size_t i = 0; i < NDOCS; i++) {
		if (!(docs[i].kinds & bit))
			continue;
		char left[48];
		if (docs[i].val < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", docs[i].val,
				 docs[i].name, docs[i].arg ? " " : "",
				 docs[i].arg ? docs[i].arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", docs[i].name,
				 docs[i].arg ? " " : "", docs[i].arg ? docs[i].arg : "");
		fprintf(f, "  %-30s %s\n", left, docs[i].help);
	}
	fprintf(f, "\nSizes are binary: 1K = 1024 bytes, 1M = 1048576. "
		"Rates are decimal: 1 GB/s = 10^9 bytes/s.\n"
		"Exit status: 0 ok, 1 a run failed, 2 bad usage, 77 nothing "
		"could run here.\n");
}

static int bad(char *why, size_t len, const char *opt, const char *val,
	       const char *what)
{
	snprintf(why, len, "--%s %s: %s", opt, val, what);
	return 2;
}

static int parse_list(const char *s, const char *const *names, size_t nnames,
		      int *out, size_t *n, size_t cap)
{
	*n = 0;
	if (cap == 2 && nnames == 2 && strcmp(s, "both") == 0) {
		out[0] = 0;
		out[1] = 1;
		*n = 2;
		return 0;
	}
	char *copy = strdup(s), *save = NULL;
	if (!copy)
		return -1;
	int rc = 0;
	for (char *it = strtok_r(copy, ",", &save); it;
	     it = strtok_r(NULL, ",", &save)) {
		size_t k;
		for (k = 0; k < nnames; k++)
			if (strcmp(it, names[k]) == 0)
				break;
		if (k == nnames || *n >= cap) {
			rc = -1;
			break;
		}
		int dup = 0;
		for (size_t j = 0; j < *n; j++)
			dup |= out[j] == (int)k;
		if (!dup)
			out[(*n)++] = (int)k;
	}
	if (*n == 0 || s[strlen(s) - 1] == ',')
		rc = -1;
	free(copy);
	return rc;
}

static int parse_pins(const char *s, struct bench_opts *o, int list, char *why,
		      size_t len)
{
	char *copy = strdup(s), *save = NULL;
	int rc = 0;
	if (!copy)
		return bad(why, len, "pin", s, "out of memory");
	o->npins = 0;
	/* "W,R" is one explicit pin; a sweep list is separated by '/' or by
	 * names: none,same,split. */
	int explicit = strspn(s, "0123456789,:") == strlen(s);
	if (explicit) {
		uint64_t w, r;
		char *comma = strpbrk(copy, ",:");
		if (comma)
			*comma = '\0';
		if (!comma || strpbrk(comma + 1, ",:") ||
		    units_parse_uint(copy, 0, 4095, &w, why, len) ||
		    units_parse_uint(comma + 1, 0, 4095, &r, why, len)) {
			free(copy);
			return bad(why, len, "pin", s, "expected " PLACEMENT_NAMES
				   " or two CPU numbers W,R (e.g. 0,1)");
		}
		o->pins[0].pin = PIN_CPUS;
		o->pins[0].cpu_writer = (int)w;
		o->pins[0].cpu_reader = (int)r;
		o->npins = 1;
		free(copy);
		return 0;
	}
	for (char *it = strtok_r(copy, ",/", &save); it && rc == 0;
	     it = strtok_r(NULL, ",/", &save)) {
		struct run_config pc = {0};
		if (placement_parse(it, &pc.pin) < 0)
			rc = bad(why, len, "pin", s, "expected " PLACEMENT_NAMES
				 " or two CPU numbers W,R (e.g. 0,1)");
		if (rc == 0 && o->npins < 8)
			o->pins[o->npins++] = pc;
	}
	free(copy);
	if (rc == 0 && o->npins == 0) /* only separators: ",,/" */
		rc = bad(why, len, "pin", s, "empty list (expected "
			 PLACEMENT_NAMES " or W,R)");
	if (rc == 0 && !list && o->npins != 1)
		rc = bad(why, len, "pin", s, "one placement per run (use ipclab "
			 "sweep for several)");
	return rc;
}

static void defaults(enum opts_kind kind, struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->modes[0] = MODE_STREAM;
	o->nmodes = 1;
	o->accesses[0] = ACCESS_COPY;
	o->naccesses = 1;
	o->populates[0] = 0;
	o->npopulates = 1;
	o->hugepages[0] = REGION_HP_OFF;
	o->nhugepages = 1;
	o->pins[0].pin = PIN_NONE;
	o->npins = 1;
	o->min_time = 0.05;
	o->reps = 9;
	o->warmup = 1;
	o->target = 0.05;
	o->format = FORMAT_TABLE;
	o->timeout_s = 120;
	o->seed = 1;
	o->floor = 1;
	o->mem_node = MEMNODE_NONE;
	(void)kind;
}

static int parse_transports(const char *s, struct bench_opts *o, int list,
			    char *why, size_t len)
{
	o->ntransports = 0;
	if (list && strcmp(s, "all") == 0) {
		for (const struct ipc_transport *const *t = ipc_transports(); *t; t++)
			if (o->ntransports < OPT_MAX_LIST)
				o->transports[o->ntransports++] = *t;
		return 0;
	}
	char *copy = strdup(s), *save = NULL;
	int rc = 0;
	if (!copy)
		return bad(why, len, "transport", s, "out of memory");
	for (char *it = strtok_r(copy, ",", &save); it;
	     it = strtok_r(NULL, ",", &save)) {
		const struct ipc_transport *t;
		if (plugin_is_path(it)) {
			char inner[512];
			t = plugin_load(it, inner, sizeof(inner));
			if (!t) {
				rc = bad(why, len, "transport", s, inner);
				break;
			}
		} else {
			t = ipc_transport_find(it);
		}
		if (!t) {
			snprintf(why, len, "--transport %s: unknown transport '%s' "
				 "(see the list below)", s, it);
			rc = 3; /* the caller prints the list */
			break;
		}
		if (o->ntransports < OPT_MAX_LIST)
			o->transports[o->ntransports++] = t;
	}
	if (rc == 0 && (o->ntransports == 0 || s[strlen(s) - 1] == ','))
		rc = bad(why, len, "transport", s, "empty name in the list");
	if (rc == 0 && !list && o->ntransports != 1)
		rc = bad(why, len, "transport", s, "one transport per run (use "
			 "ipclab sweep for several)");
	free(copy);
	return rc;
}

/* The option given twice, or NULL: every value option is given once (a
 * sweep takes a list, -t pipe,fifo, rather than -t pipe -t fifo). */
static const struct opt_doc *repeated(int c, const char *arg,
				      const char **given)
{
	for (size_t i = 0; i < NDOCS; i++) {
		if (docs[i].val != c || !docs[i].has_arg)
			continue;
		if (given[i])
			return &docs[i];
		given[i] = arg;
		return NULL;
	}
	return NULL;
}

static int parse(enum opts_kind kind, int argc, char **argv,
		 struct bench_opts *o, char *why, size_t whylen)
{
	static const char *const mode_names[] = {"stream", "pingpong"};
	static const char *const access_names[] = {"copy", "inplace"};
	static const char *const onoff[] = {"off", "on"};
	static const char *const formats[] = {"table", "csv", "json"};
	static const char *const hp_names[] = {"off", "on", "try", "thp"};
	struct option longopts[NDOCS + 1];
	char shortopts[2 * NDOCS + 2];
	size_t ns = 0;
	unsigned bit = kind == OPTS_RUN ? 1 : 2;
	int list = kind == OPTS_SWEEP;
	int have_t = 0, have_b = 0, rc = 0, tmp[4];
	const char *given[NDOCS] = {0};
	const struct opt_doc *twice;
	uint64_t u;
	size_t n;

	defaults(kind, o);
	size_t nl = 0;
	shortopts[ns++] = ':';
	for (size_t i = 0; i < NDOCS; i++) {
		if (!(docs[i].kinds & bit))
			continue;
		longopts[nl++] = (struct option){docs[i].name, docs[i].has_arg,
						 NULL, docs[i].val};
		if (docs[i].val < 256) {
			shortopts[ns++] = (char)docs[i].val;
			if (docs[i].has_arg)
				shortopts[ns++] = ':';
		}
	}
	longopts[nl] = (struct option){0};
	shortopts[ns] = '\0';

	optind = 0; /* glibc: a full restart, also of the position inside a
		     * cluster like -hX left by an earlier call */
	opterr = 0;
	int c;
	while (rc == 0 && (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const char *a = optarg;
		if ((twice = repeated(c, a, given)) != NULL) {
			snprintf(why, whylen, "--%s given twice (%s, then %s): "
				 "give it once%s", twice->name,
				 given[twice - docs], a, list &&
				 strstr(twice->help, "list")
				 ? " with a list of values (see --help)" : "");
			rc = 2;
			break;
		}
		switch (c) {
		case 'h':
			options_usage(kind, stdout);
			return 1;
		case 't':
			rc = parse_transports(a, o, list, why, whylen);
			have_t = 1;
			break;
		case 'b':
			if (units_parse_size_list(a, o->buf_sizes, OPT_MAX_LIST,
						  &o->nbuf_sizes, why, whylen) < 0) {
				char inner[256];
				snprintf(inner, sizeof(inner), "%s", why);
				rc = bad(why, whylen, "buf-size", a, inner);
				break;
			}
			for (size_t i = 0; i < o->nbuf_sizes; i++)
				if (o->buf_sizes[i] == 0)
					rc = bad(why, whylen, "buf-size", a,
						 "BUF_SIZE must be at least 1 byte");
			if (rc == 0 && !list && o->nbuf_sizes != 1)
				rc = bad(why, whylen, "buf-size", a, "one size per "
					 "run (use ipclab sweep for several)");
			have_b = 1;
			break;
		case O_TOTAL:
		case O_PIPE_SIZE:
		case O_SOCK_BUF: {
			const char *name = c == O_TOTAL ? "total"
				: c == O_PIPE_SIZE ? "pipe-size" : "sock-buf";
			char inner[256];
			if (units_parse_size(a, &u, inner, sizeof(inner)) < 0) {
				rc = bad(why, whylen, name, a, inner);
				break;
			}
			if (u == 0 || u > (1ull << 44)) {
				rc = bad(why, whylen, name, a,
					 "must be from 1 byte to 16 TiB");
				break;
			}
			if (c == O_TOTAL)
				o->total = u;
			else
				o->kbuf_size = u;
			break;
		}
		case O_MESSAGES:
			if (units_parse_uint(a, 1, 1ull << 40, &o->messages, why, whylen))
				rc = bad(why, whylen, "messages", a,
					 "a whole number of round trips from 1");
			break;
		case O_MIN_TIME:
		case O_TIMEOUT: {
			double d;
			char inner[256];
			const char *name = c == O_MIN_TIME ? "min-time" : "timeout";
			if (units_parse_seconds(a, &d, inner, sizeof(inner)) < 0)
				rc = bad(why, whylen, name, a, inner);
			else if (c == O_MIN_TIME)
				o->min_time = d;
			else
				o->timeout_s = d;
			break;
		}
		case 'r':
		case 'w':
			if (units_parse_uint(a, c == 'r' ? 1 : 0, 10000, &u, why, whylen))
				rc = bad(why, whylen, c == 'r' ? "reps" : "warmup", a,
					 c == 'r' ? "a whole number from 1 to 10000"
						  : "a whole number from 0 to 10000");
			else if (c == 'r')
				o->reps = (unsigned)u;
			else
				o->warmup = (unsigned)u;
			break;
		case O_MAX_ROUNDS:
			if (units_parse_uint(a, 1, 10000, &u, why, whylen))
				rc = bad(why, whylen, "max-rounds", a,
					 "a whole number from 1 to 10000");
			else
				o->max_rounds = (unsigned)u;
			break;
		case O_BUDGET: {
			char inner[256];
			if (units_parse_seconds(a, &o->budget_s, inner,
						sizeof(inner)) < 0)
				rc = bad(why, whylen, "budget", a, inner);
			else if (o->budget_s <= 0)
				rc = bad(why, whylen, "budget", a,
					 "must be more than 0 seconds");
			break;
		}
		case O_TARGET: {
			char *end = NULL;
			double pct = strtod(a, &end);
			if (end && *end == '%')
				end++;
			if (!end || end == a || *end || !(pct > 0 && pct <= 100))
				rc = bad(why, whylen, "target", a, "a percentage "
					 "above 0 and at most 100 (e.g. 5 or 5%)");
			else
				o->target = pct / 100;
			break;
		}
		case O_BLOCKS:
			if (units_parse_uint(a, 1, 1u << 20, &u, why, whylen))
				rc = bad(why, whylen, "blocks", a,
					 "a whole number of blocks from 1");
			else
				o->nblocks = (unsigned)u;
			break;
		case O_MEM_NODE:
			if (memnode_parse(a, &o->mem_node) < 0)
				rc = bad(why, whylen, "mem-node", a,
					 "expected local, remote or a node number");
			break;
		case O_SPIN:
			if (units_parse_uint(a, 1, UINT64_MAX / 2, &u, why, whylen))
				rc = bad(why, whylen, "spin", a,
					 "a whole number of iterations from 1");
			else
				o->spin = (unsigned long)u;
			break;
		case O_SEED:
		case O_SHUFFLE:
			if (units_parse_uint(a, c == O_SHUFFLE ? 1 : 0, UINT64_MAX, &u,
					     why, whylen))
				rc = bad(why, whylen, c == O_SEED ? "seed" : "shuffle",
					 a, "a whole number");
			else if (c == O_SEED)
				o->seed = u;
			else
				o->shuffle_seed = u;
			break;
		case 'm':
			if (parse_list(a, mode_names, 2, tmp, &n, list ? 2 : 1) < 0) {
				rc = bad(why, whylen, "mode", a, list
					 ? "expected stream, pingpong or both (stream,pingpong)"
					 : "expected stream or pingpong");
				break;
			}
			o->nmodes = n;
			for (size_t i = 0; i < n; i++)
				o->modes[i] = (enum run_mode)tmp[i];
			break;
		case O_ACCESS:
			if (parse_list(a, access_names, 2, tmp, &n, list ? 2 : 1) < 0) {
				rc = bad(why, whylen, "access", a, list
					 ? "expected copy, inplace or both (copy,inplace)"
					 : "expected copy or inplace");
				break;
			}
			o->naccesses = n;
			for (size_t i = 0; i < n; i++)
				o->accesses[i] = (enum run_access)tmp[i];
			break;
		case O_POPULATE:
			if (parse_list(a, onoff, 2, tmp, &n, list ? 2 : 1) < 0) {
				rc = bad(why, whylen, "populate", a, list
					 ? "expected on, off or both (off,on)"
					 : "expected on or off");
				break;
			}
			o->npopulates = n;
			for (size_t i = 0; i < n; i++)
				o->populates[i] = tmp[i];
			break;
		case O_VERIFY:
			if (parse_list(a, onoff, 2, tmp, &n, 1) < 0)
				rc = bad(why, whylen, "verify", a, "expected on or off");
			else
				o->verify = tmp[0];
			break;
		case O_HUGEPAGES:
			if (parse_list(a, hp_names, 4, tmp, &n, list ? 4 : 1) < 0) {
				rc = bad(why, whylen, "hugepages", a,
					 "expected off, on, try or thp");
				break;
			}
			o->nhugepages = n;
			for (size_t i = 0; i < n; i++)
				o->hugepages[i] = (enum region_hugepages)tmp[i];
			break;
		case O_PIN:
			rc = parse_pins(a, o, list, why, whylen);
			break;
		case 'f':
			if (parse_list(a, formats, 3, tmp, &n, 1) < 0)
				rc = bad(why, whylen, "format", a,
					 "expected table, csv or json");
			else
				o->format = (enum record_format)tmp[0];
			break;
		case 'o':
			if (!*a)
				rc = bad(why, whylen, "output", "''", "empty path");
			o->output = a;
			break;
		case O_NAGLE:
			o->nagle = 1;
			break;
		case O_FAIL_FAST:
			o->fail_fast = 1;
			break;
		case O_NO_FLOOR:
			o->floor = 0;
			break;
		case O_QUIET:
			o->quiet = 1;
			break;
		case ':':
			snprintf(why, whylen, "option %s needs a value (see --help)",
				 argv[optind - 1]);
			rc = 2;
			break;
		default:
			if (optopt && optopt < 256)
				snprintf(why, whylen, "unknown option -%c (see --help)",
					 optopt);
			else
				snprintf(why, whylen, "unknown option %s (see --help)",
					 argv[optind - 1]);
			rc = 2;
			break;
		}
	}
	if (rc == 3)
		return 3;
	if (rc)
		return 2;
	if (optind < argc) {
		snprintf(why, whylen, "unexpected argument '%s' (see --help)",
			 argv[optind]);
		return 2;
	}
	if (kind == OPTS_RUN && (!have_t || !have_b)) {
		snprintf(why, whylen, "%s is required: ipclab run -t TRANSPORT -b "
			 "BUF_SIZE (transports: ipclab list)",
			 have_t ? "--buf-size" : "--transport");
		return 2;
	}
	/* A sweep spends extra rounds where an interval is wide (with fewer
	 * than 3 rounds there is no interval to judge); a run of one point
	 * does what it was asked. */
	if (!o->max_rounds)
		o->max_rounds = kind == OPTS_SWEEP && o->reps >= 3 ? 2 * o->reps
								   : o->reps;
	while (!o->shuffle_seed) /* a fresh order each invocation, recorded */
		if (getrandom(&o->shuffle_seed, sizeof(o->shuffle_seed),
			      GRND_NONBLOCK) != sizeof(o->shuffle_seed))
			o->shuffle_seed = (uint64_t)time(NULL) ^
					  ((uint64_t)getpid() << 32);
	if (o->max_rounds < o->reps) {
		snprintf(why, whylen, "--max-rounds %u: fewer than the %u rounds "
			 "of --reps", o->max_rounds, o->reps);
		return 2;
	}
	if (kind == OPTS_SWEEP && !have_t)
		parse_transports("all", o, 1, why, whylen);
	if (kind == OPTS_SWEEP && !have_b)
		units_parse_size_list("16..1M:x4", o->buf_sizes, OPT_MAX_LIST,
				      &o->nbuf_sizes, why, whylen);
	return 0;
}

int options_parse(enum opts_kind kind, int argc, char **argv,
		  struct bench_opts *o, char *why, size_t whylen)
{
	int rc = parse(kind, argc, argv, o, why, whylen);
	if (rc >= 2 && whylen) { /* one line, whatever the user typed */
		char raw[1024];
		snprintf(raw, sizeof(raw), "%s", why);
		ipc_escape(raw, why, whylen);
	}
	return rc;
}
