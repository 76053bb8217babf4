/*
 * floor.c - `ipclab floor [--pin P] [--reps N]`: the physical floor of a
 * handoff between two CPUs, two ways (bench/core/cacheline.h):
 *   one line    bounced both ways - the line canary every pinned ping-pong
 *               record carries (line_rtt_ns);
 *   two lines   one each way - what any ping-pong over two one-way channels
 *               (every transport of ipclab) moves at the least.
 * Each repetition measures both, one after the other; the medians and the
 * ranges are printed, with the one-way halves and their ratio
 * (docs/floor.md).  Exit status: 0; 1 the topology unreadable or a probe
 * failed; 2 bad usage (a CPU given that this process may not use
 * included); 77 a named placement this machine or the allowed set lacks.
 */
#include "cacheline.h"
#include "commands.h"
#include "placement.h"
#include "say.h"
#include "stats.h"
#include "units.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TRIPS 100000u  /* round trips per measurement */
#define MAX_S 5.0      /* a measurement abandoned after this long */
#define MAX_REPS 1000u

static void usage(FILE *f)
{
	fprintf(f, "usage: ipclab floor [--pin P] [--reps N]\n"
		"The physical floor of a handoff between two CPUs: one cache "
		"line bounced both\nways (the line canary of ping-pong records), "
		"and two lines, one each way (what\nany ping-pong over two "
		"one-way channels moves at the least).\n"
		"  --pin P    split (default), smt, core, llc, socket, numa or "
		"W,R (two CPUs)\n"
		"  --reps N   measurements of each, alternating (default 5, at "
		"most %u)\n"
		"  --help     this text\n"
		"Not the memcpy floor of stream records (--no-floor).\n"
		"Exit status: 0; 1 the topology unreadable or a probe failed; "
		"2 bad usage;\n77 a named placement this machine (or the CPUs "
		"allowed) lacks.\n", MAX_REPS);
}

/* "median (min .. max)" of n round trips, as round trip and one way. */
static void row(const char *what, const double *rtt, unsigned n,
		double base_one_way)
{
	double med = stats_median(rtt, n), lo = rtt[0], hi = rtt[0];
	for (unsigned i = 1; i < n; i++) {
		lo = rtt[i] < lo ? rtt[i] : lo;
		hi = rtt[i] > hi ? rtt[i] : hi;
	}
	char m[24], a[24], b[24], ow[24];
	units_format_ns(med, m, sizeof(m));
	units_format_ns(lo, a, sizeof(a));
	units_format_ns(hi, b, sizeof(b));
	units_format_ns(med / 2, ow, sizeof(ow));
	printf("%-24s %10s %10s  (round trips %s .. %s)", what, m, ow, a, b);
	if (base_one_way > 0)
		printf("  %.2fx the line", med / 2 / base_one_way);
	putchar('\n');
}

/* --pin: a name with two CPUs, or "W,R" (or W:R); 0, or 2 with a message. */
static int parse_pin(const char *a, struct run_config *c)
{
	if (placement_parse_cpus(a, c) == 0 ||
	    (placement_parse(a, &c->pin) == 0 && c->pin != PIN_NONE &&
	     c->pin != PIN_SAME))
		return 0;
	say_err("floor", "--pin %s: expected split, smt, core, llc, socket, "
		"numa or two CPUs W,R (a line between two CPUs)", a);
	return 2;
}

int floor_main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"pin", required_argument, NULL, 'p'},
		{"reps", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *given[2] = {NULL, NULL}; /* --pin, --reps: once each */
	struct run_config c = {.pin = PIN_SPLIT};
	uint64_t reps = 5;
	char why[512];
	int opt;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		int k = opt == 'p' ? 0 : opt == 'r' ? 1 : -1;
		if (k >= 0 && given[k]) {
			say_err("floor", "--%s: given twice", longs[k].name);
			return 2;
		}
		if (k < 0) {
			say_err("floor", "%s: %s (see --help)", argv[optind - 1],
				opt == ':' ? "needs a value" : "unknown option");
			return 2;
		}
		given[k] = optarg;
	}
	if (given[0] && parse_pin(given[0], &c))
		return 2;
	if (given[1] && units_parse_uint(given[1], 1, MAX_REPS, &reps, why,
					 sizeof(why)) < 0) {
		say_err("floor", "--reps %s: %s", given[1], why);
		return 2;
	}
	if (optind < argc) {
		say_err("floor", "%s: unexpected argument (see --help)",
			argv[optind]);
		return 2;
	}
	const struct topology *t = topology_get(why, sizeof(why));
	if (!t) {
		say_err("floor", "%s", why);
		return 1;
	}
	if (placement_resolve_in(&c, t, why, sizeof(why)) < 0) {
		say_err("floor", "%s", why);
		return c.pin == PIN_CPUS ? 2 : 77; /* a CPU not ours: usage */
	}
	if (c.cpu_writer == c.cpu_reader) {
		say_err("floor", "--pin %d,%d: one CPU; a line moves between "
			"two", c.cpu_writer, c.cpu_reader);
		return 2;
	}
	char name[24];
	printf("ipclab floor: CPUs %d and %d (%s: %s), %u round trips a "
	       "measurement, %llu each\n", c.cpu_writer, c.cpu_reader,
	       placement_name(&c, name, sizeof(name)), c.relation, TRIPS,
	       (unsigned long long)reps);
	double one[MAX_REPS], two[MAX_REPS];
	for (unsigned i = 0; i < reps; i++) {
		int rc = cacheline_rtt_ns(c.cpu_writer, c.cpu_reader, TRIPS,
					  MAX_S, &one[i]);
		if (rc == 0)
			rc = cacheline_pair_rtt_ns(c.cpu_writer, c.cpu_reader,
						   TRIPS, MAX_S, &two[i]);
		if (rc < 0) {
			say_err("floor", "CPUs %d and %d: %s", c.cpu_writer,
				c.cpu_reader, rc == -ETIMEDOUT
				? "no answer within 5 s (is the other CPU "
				  "running something else?)" : strerror(-rc));
			return 1;
		}
	}
	printf("%-24s %10s %10s\n", "", "round trip", "one way");
	row("one line, both ways", one, (unsigned)reps, 0);
	row("two lines, one each way", two, (unsigned)reps,
	    stats_median(one, (unsigned)reps) / 2);
	return 0;
}
