/*
 * options.h - the options of `ipclab run` and `ipclab sweep` (matrix passes
 * its point options through as run's), parsed and validated in one place.
 * One table in options.c drives getopt_long, the --help text and the
 * handler of each option.
 */
#ifndef IPCLAB_OPTIONS_H
#define IPCLAB_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "run.h"

#define OPT_MAX_LIST 64

struct bench_opts {
	const struct ipc_transport *transports[OPT_MAX_LIST];
	size_t ntransports;
	uint64_t buf_sizes[OPT_MAX_LIST];
	size_t nbuf_sizes;
	enum run_mode modes[2];
	size_t nmodes;
	enum run_access accesses[2];
	size_t naccesses;
	int populates[2];
	size_t npopulates;
	enum region_hugepages hugepages[4];
	size_t nhugepages;
	struct run_config pins[8]; /* only pin, cpu_writer, cpu_reader used */
	size_t npins;
	int pairs[OPT_MAX_LIST]; /* --pairs: writer/reader pairs at once */
	size_t npairs;

	uint64_t total;       /* 0: chosen by --min-time */
	uint64_t messages;    /* ping-pong round trips; 0: by --min-time */
	unsigned batch;       /* ping-pong: round trips per clock reading */
	double min_time;      /* seconds per timed repetition */
	unsigned reps, warmup; /* reps: the rounds every point gets */
	unsigned max_rounds;  /* with extra rounds for wide intervals */
	double budget_s;      /* time budget for extra rounds; 0: none */
	double target;        /* relative half-width an interval should reach */
	int verify;           /* timed repetitions check the data too */
	enum record_format format;
	const char *output;   /* -o: file (run) or folder (sweep) */
	uint64_t kbuf_size;   /* --pipe-size / --sock-buf */
	unsigned nblocks;     /* --blocks */
	unsigned long spin;   /* --spin */
	int mem_node;         /* --mem-node: MEMNODE_* or a node (memnode.h) */
	int nagle;            /* --nagle */
	double timeout_s;
	uint64_t seed;
	int fail_fast;
	int floor;            /* measure the memcpy floor */
	uint64_t shuffle_seed; /* seed of the rounds' orders (random if not given) */
	int quiet;
};

enum opts_kind { OPTS_RUN, OPTS_SWEEP };

/*
 * Parse argv (argv[0] is the subcommand) into o, defaults first.  Returns
 * 0; 1 when --help was printed on stdout; 2 with why set to one line (no
 * `ipclab: CMD: ` prefix: the caller adds it) naming the option, the value
 * and what is allowed; or 3 for an unknown transport (why says so; the
 * caller prints the list of transports after it).  Nothing else is printed.
 */
int options_parse(enum opts_kind kind, int argc, char **argv,
		  struct bench_opts *o, char *why, size_t whylen);

/* The --help text of run or sweep, defaults included, on f. */
void options_usage(enum opts_kind kind, FILE *f);

#endif
