/*
 * options.c - parse and validate the options of run and sweep (options.h).
 * One table, docs[], drives everything: getopt_long's option list, the
 * --help text, and the handler that checks and stores each option's value.
 * A new option is a row there and a small handler; one that takes a whole
 * number is a row there and one in wholes[], which opt_whole serves.
 */
#include "options.h"
#include "memnode.h"
#include "pairs.h"
#include "placement.h"
#include "plugin.h"
#include "units.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* The defaults, set by defaults() and stated by --help from the same
 * macros. */
#define DEF_MIN_TIME 0.05  /* seconds */
#define DEF_REPS 9
#define DEF_WARMUP 1
#define DEF_TARGET_PCT 5
#define DEF_TIMEOUT 120    /* seconds */
#define DEF_SEED 1
#define DEF_SWEEP_SIZES "16..1M:x4"
#define STR_(x) #x
#define STR(x) STR_(x)

/* What the handlers share while one command line is parsed. */
struct parse_ctx {
	enum opts_kind kind;
	int list;           /* sweep: list options take several values */
	int have_t, have_b; /* --transport, --buf-size seen */
	struct bench_opts *o;
	char *why;
	size_t whylen;
};

struct opt_doc;
/* Check and store one option's value (arg: NULL for a flag).  Returns 0, 1
 * after --help, 2 with why set, or 3 for an unknown transport. */
typedef int (*opt_fn)(struct parse_ctx *p, const struct opt_doc *d,
		      const char *arg);

enum { K_RUN = 1, K_SWEEP = 2, K_BOTH = 3, K_LIST = 4 /* sweep: a list */ };

struct opt_doc {
	const char *name;
	int val;       /* short option or a code >= 256 */
	int has_arg;
	unsigned kinds; /* K_* bits */
	const char *arg;
	const char *help;
	opt_fn set;
};

enum {
	O_TOTAL = 256, O_MIN_TIME, O_ACCESS, O_VERIFY, O_POPULATE, O_HUGEPAGES,
	O_PIN, O_PIPE_SIZE, O_SOCK_BUF, O_BLOCKS, O_MESSAGES, O_TIMEOUT, O_SEED,
	O_FAIL_FAST, O_NO_FLOOR, O_SHUFFLE, O_QUIET, O_SPIN, O_NAGLE, O_MEM_NODE,
	O_MAX_ROUNDS, O_BUDGET, O_TARGET, O_PAIRS, O_BATCH,
};

static int bad(char *why, size_t len, const char *opt, const char *val,
	       const char *what)
{
	snprintf(why, len, "--%s %s: %s", opt, val[0] ? val : "''", what);
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
		int dup = 0;
		for (size_t j = 0; j < *n; j++)
			dup |= out[j] == (int)k;
		if (k == nnames || (!dup && *n >= cap)) {
			rc = -1;
			break;
		}
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
		free(copy);
		if (placement_parse_cpus(s, &o->pins[0]) < 0)
			return bad(why, len, "pin", s, "expected " PLACEMENT_NAMES
				   " or two CPU numbers W,R (e.g. 0,1)");
		o->npins = 1;
		return 0;
	}
	for (char *it = strtok_r(copy, ",/", &save); it && rc == 0;
	     it = strtok_r(NULL, ",/", &save)) {
		struct run_config pc = {0};
		if (placement_parse(it, &pc.pin) < 0)
			rc = bad(why, len, "pin", s, "expected " PLACEMENT_NAMES
				 " or two CPU numbers W,R (e.g. 0,1)");
		int dup = 0; /* named twice: measured once, as every list */
		for (size_t j = 0; j < o->npins; j++)
			dup |= o->pins[j].pin == pc.pin;
		if (rc == 0 && !dup && o->npins < 8)
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
		int dup = 0; /* named twice: measured once, as every list */
		for (size_t j = 0; j < o->ntransports && rc == 0; j++) {
			dup |= o->transports[j] == t;
			if (o->transports[j] != t &&
			    strcmp(o->transports[j]->name, t->name) == 0)
				rc = bad(why, len, "transport", s, "two transports "
					 "with one name: their rows could not be "
					 "told apart");
		}
		if (rc)
			break;
		if (!dup && o->ntransports < OPT_MAX_LIST)
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


static void defaults(struct bench_opts *o)
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
	o->pairs[0] = 1;
	o->npairs = 1;
	o->min_time = DEF_MIN_TIME;
	o->reps = DEF_REPS;
	o->batch = 1;
	o->warmup = DEF_WARMUP;
	o->target = DEF_TARGET_PCT / 100.0;
	o->format = FORMAT_TABLE;
	o->timeout_s = DEF_TIMEOUT;
	o->seed = DEF_SEED;
	o->floor = 1;
	o->mem_node = MEMNODE_NONE;
}

/* ---- the handlers, one per option (or per kind of value) ------------- */

static int opt_help(struct parse_ctx *p, const struct opt_doc *d, const char *a)
{
	(void)d;
	(void)a;
	options_usage(p->kind, stdout);
	return 1;
}

static int opt_transport(struct parse_ctx *p, const struct opt_doc *d,
			 const char *a)
{
	(void)d;
	p->have_t = 1;
	return parse_transports(a, p->o, p->list, p->why, p->whylen);
}

static int opt_buf_size(struct parse_ctx *p, const struct opt_doc *d,
			const char *a)
{
	struct bench_opts *o = p->o;
	p->have_b = 1;
	if (units_parse_size_list(a, o->buf_sizes, OPT_MAX_LIST, &o->nbuf_sizes,
				  p->why, p->whylen) < 0) {
		char inner[256];
		snprintf(inner, sizeof(inner), "%s", p->why);
		return bad(p->why, p->whylen, d->name, a, inner);
	}
	size_t kept = 0; /* named twice: measured once, as every list */
	for (size_t i = 0; i < o->nbuf_sizes; i++) {
		if (o->buf_sizes[i] == 0)
			return bad(p->why, p->whylen, d->name, a,
				   "BUF_SIZE must be at least 1 byte");
		size_t j = 0;
		while (j < kept && o->buf_sizes[j] != o->buf_sizes[i])
			j++;
		if (j == kept)
			o->buf_sizes[kept++] = o->buf_sizes[i];
	}
	o->nbuf_sizes = kept;
	if (!p->list && o->nbuf_sizes != 1)
		return bad(p->why, p->whylen, d->name, a, "one size per run "
			   "(use ipclab sweep for several)");
	return 0;
}

/* --total, --pipe-size, --sock-buf: a size from 1 byte to 16 TiB. */
static int opt_bytes(struct parse_ctx *p, const struct opt_doc *d,
		     const char *a)
{
	char inner[256];
	uint64_t u;
	if (units_parse_size(a, &u, inner, sizeof(inner)) < 0)
		return bad(p->why, p->whylen, d->name, a, inner);
	if (u == 0 || u > (1ull << 44))
		return bad(p->why, p->whylen, d->name, a,
			   "must be from 1 byte to 16 TiB");
	*(d->val == O_TOTAL ? &p->o->total : &p->o->kbuf_size) = u;
	return 0;
}

/* --min-time, --timeout, --budget: seconds, more than 0. */
static int opt_seconds(struct parse_ctx *p, const struct opt_doc *d,
		       const char *a)
{
	char inner[256];
	double s;
	if (units_parse_seconds(a, &s, inner, sizeof(inner)) < 0)
		return bad(p->why, p->whylen, d->name, a, inner);
	*(d->val == O_MIN_TIME ? &p->o->min_time
	  : d->val == O_TIMEOUT ? &p->o->timeout_s : &p->o->budget_s) = s;
	return 0;
}

#define FIELD(f) offsetof(struct bench_opts, f), sizeof(((struct bench_opts *)0)->f)

/* The options that take a whole number: its range, what the message says
 * is allowed, and the field of struct bench_opts it goes to. */
static const struct whole_opt {
	int val;
	size_t off, size;
	uint64_t min, max;
	const char *allowed;
} wholes[] = {
	{O_MESSAGES, FIELD(messages), 1, 1ull << 40,
	 "a whole number of round trips from 1"},
	{O_BATCH, FIELD(batch), 1, 65536,
	 "a whole number of round trips from 1 to 65536"},
	{'r', FIELD(reps), 1, 10000, "a whole number from 1 to 10000"},
	{'w', FIELD(warmup), 0, 10000, "a whole number from 0 to 10000"},
	{O_MAX_ROUNDS, FIELD(max_rounds), 1, 10000,
	 "a whole number from 1 to 10000"},
	{O_BLOCKS, FIELD(nblocks), 1, 1u << 20, "a whole number of blocks from 1"},
	{O_SPIN, FIELD(spin), 1, UINT64_MAX / 2,
	 "a whole number of iterations from 1"},
	{O_SEED, FIELD(seed), 0, UINT64_MAX, "a whole number"},
	{O_SHUFFLE, FIELD(shuffle_seed), 1, UINT64_MAX, "a whole number from 1"},
};

/* An option of wholes[] (--reps and --rounds both reach it as -r). */
static int opt_whole(struct parse_ctx *p, const struct opt_doc *d,
		     const char *a)
{
	const struct whole_opt *w = wholes;
	while (w->val != d->val)
		w++; /* every row of docs[] with opt_whole has one here */
	uint64_t u;
	if (units_parse_uint(a, w->min, w->max, &u, p->why, p->whylen))
		return bad(p->why, p->whylen, d->name, a, w->allowed);
	char *field = (char *)p->o + w->off;
	if (w->size == sizeof(uint64_t)) {
		memcpy(field, &u, sizeof(u));
	} else {
		unsigned v = (unsigned)u; /* max fits: see wholes[] */
		memcpy(field, &v, sizeof(v));
	}
	return 0;
}

static int opt_target(struct parse_ctx *p, const struct opt_doc *d,
		      const char *a)
{
	char *end = NULL;
	double pct = strtod(a, &end);
	if (end && *end == '%')
		end++;
	if (!end || end == a || *end || !(pct > 0 && pct <= 100))
		return bad(p->why, p->whylen, d->name, a, "a percentage above 0 "
			   "and at most 100 (e.g. 5 or 5%)");
	p->o->target = pct / 100;
	return 0;
}

static int opt_mem_node(struct parse_ctx *p, const struct opt_doc *d,
			const char *a)
{
	if (memnode_parse(a, &p->o->mem_node) < 0)
		return bad(p->why, p->whylen, d->name, a,
			   "expected local, remote or a node number");
	return 0;
}

/* One of names (a sweep: a list of them when d has K_LIST) into out[] and
 * *n, or the message what. */
static int choose(struct parse_ctx *p, const struct opt_doc *d, const char *a,
		  const char *const *names, size_t nnames, const char *what,
		  int *out, size_t *n)
{
	size_t cap = p->list && (d->kinds & K_LIST) ? nnames : 1;
	if (parse_list(a, names, nnames, out, n, cap) < 0)
		return bad(p->why, p->whylen, d->name, a, what);
	return 0;
}

static int opt_mode(struct parse_ctx *p, const struct opt_doc *d, const char *a)
{
	static const char *const names[] = {"stream", "pingpong"};
	int v[2];
	size_t n;
	int rc = choose(p, d, a, names, 2, p->list
			? "expected stream, pingpong or both (stream,pingpong)"
			: "expected stream or pingpong", v, &n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		p->o->modes[i] = (enum run_mode)v[i];
	if (rc == 0)
		p->o->nmodes = n;
	return rc;
}

static int opt_access(struct parse_ctx *p, const struct opt_doc *d,
		      const char *a)
{
	static const char *const names[] = {"copy", "inplace"};
	int v[2];
	size_t n;
	int rc = choose(p, d, a, names, 2, p->list
			? "expected copy, inplace or both (copy,inplace)"
			: "expected copy or inplace", v, &n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		p->o->accesses[i] = (enum run_access)v[i];
	if (rc == 0)
		p->o->naccesses = n;
	return rc;
}

static const char *const onoff[] = {"off", "on"};

static int opt_populate(struct parse_ctx *p, const struct opt_doc *d,
			const char *a)
{
	int v[2];
	size_t n;
	int rc = choose(p, d, a, onoff, 2, p->list
			? "expected on, off or both (off,on)"
			: "expected on or off", v, &n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		p->o->populates[i] = v[i];
	if (rc == 0)
		p->o->npopulates = n;
	return rc;
}

static int opt_verify(struct parse_ctx *p, const struct opt_doc *d,
		      const char *a)
{
	int v[2];
	size_t n;
	int rc = choose(p, d, a, onoff, 2, "expected on or off", v, &n);
	if (rc == 0)
		p->o->verify = v[0];
	return rc;
}

static int opt_hugepages(struct parse_ctx *p, const struct opt_doc *d,
			 const char *a)
{
	static const char *const names[] = {"off", "on", "try", "thp"};
	int v[4];
	size_t n;
	int rc = choose(p, d, a, names, 4, "expected off, on, try or thp", v, &n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		p->o->hugepages[i] = (enum region_hugepages)v[i];
	if (rc == 0)
		p->o->nhugepages = n;
	return rc;
}

static int opt_pairs(struct parse_ctx *p, const struct opt_doc *d,
		     const char *a)
{
	(void)d;
	return pairs_parse(a, p->list, p->o->pairs, &p->o->npairs,
			   OPT_MAX_LIST, p->why, p->whylen);
}

static int opt_pin(struct parse_ctx *p, const struct opt_doc *d, const char *a)
{
	(void)d;
	return parse_pins(a, p->o, p->list, p->why, p->whylen);
}

static int opt_format(struct parse_ctx *p, const struct opt_doc *d,
		      const char *a)
{
	static const char *const names[] = {"table", "csv", "json"};
	int v[3];
	size_t n;
	int rc = choose(p, d, a, names, 3, "expected table, csv or json", v, &n);
	if (rc == 0)
		p->o->format = (enum record_format)v[0];
	return rc;
}

static int opt_output(struct parse_ctx *p, const struct opt_doc *d,
		      const char *a)
{
	p->o->output = a;
	return *a ? 0 : bad(p->why, p->whylen, d->name, a, "empty path");
}

static int opt_flag(struct parse_ctx *p, const struct opt_doc *d, const char *a)
{
	(void)a;
	switch (d->val) {
	case O_NAGLE: p->o->nagle = 1; break;
	case O_FAIL_FAST: p->o->fail_fast = 1; break;
	case O_NO_FLOOR: p->o->floor = 0; break;
	case O_QUIET: p->o->quiet = 1; break;
	}
	return 0;
}

/* ---- the table ------------------------------------------------------- */

static const struct opt_doc docs[] = {
	{"transport", 't', 1, K_BOTH | K_LIST, "NAME", "transport (`ipclab list`); sweep: a list or `all` (sweep default all)", opt_transport},
	{"buf-size", 'b', 1, K_BOTH | K_LIST, "SIZE", "BUF_SIZE: bytes per handoff (10, 4K, 64KiB, 1M); sweep: a list 16,64,4K or a range 16..1M:x4 (sweep default " DEF_SWEEP_SIZES ")", opt_buf_size},
	{"total", O_TOTAL, 1, K_BOTH, "BYTES", "bytes per timed repetition (default: chosen by --min-time)", opt_bytes},
	{"messages", O_MESSAGES, 1, K_BOTH, "N", "ping-pong round trips per repetition (default: by --min-time)", opt_whole},
	{"batch", O_BATCH, 1, K_BOTH, "N", "ping-pong: read the clock once per N round trips, each batch's mean round trip one sample (default 1: every round trip timed; docs/floor.md)", opt_whole},
	{"min-time", O_MIN_TIME, 1, K_BOTH, "SEC", "grow each timed repetition to last at least this long (default " STR(DEF_MIN_TIME) "s)", opt_seconds},
	{"reps", 'r', 1, K_BOTH, "N", "rounds: every point runs once per round, each round in a fresh shuffled order, so its repetitions spread over the whole sweep (default " STR(DEF_REPS) ")", opt_whole},
	{"rounds", 'r', 1, K_BOTH, "N", "the same as --reps", opt_whole},
	{"max-rounds", O_MAX_ROUNDS, 1, K_BOTH, "N", "a point whose interval is wider than --target gets extra rounds, up to N in all (default: sweep twice --reps when --reps is 3 or more, run --reps)", opt_whole},
	{"budget", O_BUDGET, 1, K_BOTH, "SEC", "no extra round starts once it would end past this many seconds from the start (default: no budget)", opt_seconds},
	{"target", O_TARGET, 1, K_BOTH, "PCT", "the half-width extra rounds aim at, in % of the median (default " STR(DEF_TARGET_PCT) "%); a point whose interval stays wider than twice it is flagged wide", opt_target},
	{"warmup", 'w', 1, K_BOTH, "N", "warm-up repetitions, always verified, not timed (default " STR(DEF_WARMUP) ")", opt_whole},
	{"mode", 'm', 1, K_BOTH | K_LIST, "MODE", "stream | pingpong; sweep: a list or both (default stream)", opt_mode},
	{"access", O_ACCESS, 1, K_BOTH | K_LIST, "MODE", "copy | inplace; sweep: a list or both (default copy): copy through private buffers, or use the shared block in place", opt_access},
	{"verify", O_VERIFY, 1, K_BOTH, "on|off", "check every byte in the timed repetitions too (default off; warm-ups always check)", opt_verify},
	{"populate", O_POPULATE, 1, K_BOTH | K_LIST, "on|off", "pre-fault the shared region before the timed region; sweep: a list or both (default off)", opt_populate},
	{"hugepages", O_HUGEPAGES, 1, K_BOTH | K_LIST, "off|on|try|thp", "back the shared region with 2 MiB pages; try falls back to 4 KiB and says so; sweep: a list (default off)", opt_hugepages},
	{"pin", O_PIN, 1, K_BOTH | K_LIST, "PIN", "none | same | split | smt | core | llc | socket | numa | W,R (or W:R): CPUs of writer and reader, by name from the topology or given (sweep: a list, e.g. same,split,smt) (default none)", opt_pin},
	{"pairs", O_PAIRS, 1, K_BOTH | K_LIST, "N", "N independent writer/reader pairs at once, each its own channel, on CPUs of their own by --pin; aggregate and per-pair throughput recorded (sweep: a list, e.g. 1,2,4) (default 1)", opt_pairs},
	{"pipe-size", O_PIPE_SIZE, 1, K_BOTH, "BYTES", "pipe capacity (F_SETPIPE_SZ); default: the kernel's 64 KiB", opt_bytes},
	{"sock-buf", O_SOCK_BUF, 1, K_BOTH, "BYTES", "socket buffer (SO_SNDBUF/SO_RCVBUF); default: the kernel's", opt_bytes},
	{"blocks", O_BLOCKS, 1, K_BOTH, "N", "blocks in a ring / queue depth (default: the transport's; 8 for the shared-memory rings)", opt_whole},
	{"mem-node", O_MEM_NODE, 1, K_BOTH, "NODE", "local | remote | N: the NUMA node of the run's memory (shared region, buffers); local = the writer's CPU's node (default: the system's policy)", opt_mem_node},
	{"spin", O_SPIN, 1, K_BOTH, "N", "busy-wait iterations before sleeping, for spinning transports (shm-futex); default: the transport's", opt_whole},
	{"nagle", O_NAGLE, 0, K_BOTH, NULL, "tcp-loopback: keep Nagle's algorithm (default: TCP_NODELAY, small messages leave at once)", opt_flag},
	{"format", 'f', 1, K_BOTH, "FMT", "table | csv | json (one row per repetition) (default table)", opt_format},
	{"output", 'o', 1, K_BOTH, "PATH", "run: write the rows to FILE; sweep: the results folder (default results/<run-id>)", opt_output},
	{"timeout", O_TIMEOUT, 1, K_BOTH, "SEC", "kill a repetition that takes longer (default " STR(DEF_TIMEOUT) "s)", opt_seconds},
	{"seed", O_SEED, 1, K_BOTH, "N", "seed of the data pattern (default " STR(DEF_SEED) ")", opt_whole},
	{"no-floor", O_NO_FLOOR, 0, K_BOTH, NULL, "skip the memcpy floor measurement", opt_flag},
	{"fail-fast", O_FAIL_FAST, 0, K_SWEEP, NULL, "stop the sweep at the first error", opt_flag},
	{"shuffle", O_SHUFFLE, 1, K_SWEEP, "SEED", "seed of the rounds' shuffled orders (default: a random one, recorded in meta.json)", opt_whole},
	{"quiet", O_QUIET, 0, K_BOTH, NULL, "no progress lines on stderr", opt_flag},
	{"help", 'h', 0, K_BOTH, NULL, "this help", opt_help},
};
#define NDOCS (sizeof(docs) / sizeof(docs[0]))

void options_usage(enum opts_kind kind, FILE *f)
{
	unsigned bit = kind == OPTS_RUN ? K_RUN : K_SWEEP;
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

/* The row of option c (getopt's value), or NULL. */
static const struct opt_doc *find(int c)
{
	for (size_t i = 0; i < NDOCS; i++)
		if (docs[i].val == c)
			return &docs[i];
	return NULL;
}

/* getopt_long's tables for kind, from docs[]. */
static void getopt_tables(unsigned bit, struct option *longopts,
			  char *shortopts)
{
	size_t nl = 0, ns = 0;
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
}

/* What getopt_long could not match: a missing value or an unknown option. */
static int not_an_option(int c, char **argv, char *why, size_t whylen)
{
	if (c == ':')
		snprintf(why, whylen, "option %s needs a value (see --help)",
			 argv[optind - 1]);
	else if (optopt && optopt < 256)
		snprintf(why, whylen, "unknown option -%c (see --help)", optopt);
	else
		snprintf(why, whylen, "unknown option %s (see --help)",
			 argv[optind - 1]);
	return 2;
}

/* What holds after every option was read: required options, the rounds,
 * a sweep's default lists.  0 or 2 with why set. */
static int finish(struct parse_ctx *p, int argc, char **argv)
{
	struct bench_opts *o = p->o;
	if (optind < argc) {
		snprintf(p->why, p->whylen, "unexpected argument '%s' (see "
			 "--help)", argv[optind]);
		return 2;
	}
	if (p->kind == OPTS_RUN && (!p->have_t || !p->have_b)) {
		snprintf(p->why, p->whylen, "%s is required: ipclab run -t "
			 "TRANSPORT -b BUF_SIZE (transports: ipclab list)",
			 p->have_t ? "--buf-size" : "--transport");
		return 2;
	}
	/* A sweep spends extra rounds where an interval is wide (with fewer
	 * than 3 rounds there is no interval to judge); a run of one point
	 * does what it was asked. */
	if (!o->max_rounds)
		o->max_rounds = p->kind == OPTS_SWEEP && o->reps >= 3
				? 2 * o->reps : o->reps;
	while (!o->shuffle_seed) /* a fresh order each invocation, recorded */
		if (getrandom(&o->shuffle_seed, sizeof(o->shuffle_seed),
			      GRND_NONBLOCK) != sizeof(o->shuffle_seed))
			o->shuffle_seed = (uint64_t)time(NULL) ^
					  ((uint64_t)getpid() << 32);
	if (o->max_rounds < o->reps) {
		snprintf(p->why, p->whylen, "--max-rounds %u: fewer than the %u "
			 "rounds of --reps", o->max_rounds, o->reps);
		return 2;
	}
	if (o->batch > 1) { /* it times round trips: refused where none run */
		int pp = 0;
		for (size_t m = 0; m < o->nmodes; m++)
			pp |= o->modes[m] == MODE_PINGPONG;
		if (!pp) {
			snprintf(p->why, p->whylen, "--batch %u: it batches "
				 "ping-pong round trips; add -m pingpong",
				 o->batch);
			return 2;
		}
	}
	if (p->kind == OPTS_SWEEP && !p->have_t)
		parse_transports("all", o, 1, p->why, p->whylen);
	if (p->kind == OPTS_SWEEP && !p->have_b)
		units_parse_size_list(DEF_SWEEP_SIZES, o->buf_sizes,
				      OPT_MAX_LIST, &o->nbuf_sizes, p->why,
				      p->whylen);
	return 0;
}

/* Every option through its row's handler, then finish(). */
static int parse(enum opts_kind kind, int argc, char **argv,
		 struct bench_opts *o, char *why, size_t whylen)
{
	struct parse_ctx p = {kind, kind == OPTS_SWEEP, 0, 0, o, why, whylen};
	struct option longopts[NDOCS + 1];
	char shortopts[2 * NDOCS + 2];
	const char *given[NDOCS] = {0}; /* each value option's first value */
	int c;

	defaults(o);
	getopt_tables(kind == OPTS_RUN ? K_RUN : K_SWEEP, longopts, shortopts);
	optind = 0; /* glibc: a full restart, also of the position inside a
		     * cluster like -hX left by an earlier call */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct opt_doc *d = find(c);
		if (!d)
			return not_an_option(c, argv, why, whylen);
		/* Every value option is given once: a sweep takes a list,
		 * -t pipe,fifo, rather than -t pipe -t fifo. */
		if (d->has_arg && given[d - docs]) {
			snprintf(why, whylen, "--%s given twice (%s, then %s): "
				 "give it once%s", d->name, given[d - docs],
				 optarg, p.list && (d->kinds & K_LIST)
				 ? " with a list of values (see --help)" : "");
			return 2;
		}
		if (d->has_arg)
			given[d - docs] = optarg;
		int rc = d->set(&p, d, optarg);
		if (rc)
			return rc;
	}
	return finish(&p, argc, argv);
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
