/*
 * run.h - one measured run: create the channel, fork writer and reader,
 * meet at a start barrier, time the stream, collect both sides' rusage,
 * reap with a deadline, destroy every kernel object whatever happened.
 */
#ifndef IPCLAB_RUN_H
#define IPCLAB_RUN_H

#include <stdint.h>

#include "histogram.h"
#include "transport.h"

enum run_access { ACCESS_COPY = 0, ACCESS_INPLACE };
enum run_mode { MODE_STREAM = 0, MODE_PINGPONG };
/* Placements by name (PIN_SMT..PIN_NUMA) are resolved from the topology:
 * placement.h. */
enum run_pin { PIN_NONE = 0, PIN_SAME, PIN_SPLIT, PIN_CPUS, PIN_SMT,
	       PIN_CORE, PIN_LLC, PIN_SOCKET, PIN_NUMA };

/* --pairs N: independent writer/reader pairs run at once (pairs.h). */
#define RUN_PAIRS_MAX 64

struct run_config {
	const struct ipc_transport *t;
	struct ipc_params params;
	enum run_mode mode;
	enum run_access access;
	uint64_t total_bytes;  /* stream: bytes to move */
	uint64_t messages;     /* ping-pong: round trips */
	unsigned batch;        /* ping-pong: round trips per clock reading;
				* 0 or 1: every one timed */
	int verify;            /* the reader checks every byte */
	enum run_pin pin;
	int cpu_writer, cpu_reader; /* resolved CPUs when pin != PIN_NONE */
	char relation[12];     /* what they share (topology_relation) */
	int pairs;             /* writer/reader pairs at once; 0 means 1 */
	int pair_cpu[RUN_PAIRS_MAX][2]; /* each pair's writer, reader CPU
					 * (pairs > 1, pinned) */
	int mem_node;          /* --mem-node request (memnode.h); 0: none */
	int mem_bind;          /* node bound around the run + 1; 0: none */
	double timeout_s;      /* the parent kills both children after this */
	uint64_t seed;
};

/* What one process did in the timed region (getrusage deltas). */
struct run_side {
	uint64_t user_ns, sys_ns;
	uint64_t vcsw, ivcsw;
	uint64_t minflt, majflt;
	int cpu_start, cpu_end; /* sched_getcpu at start and end */
	uint64_t window_ns;     /* from the first canary reading to side_end */
	uint64_t runq_wait_ns;  /* runnable but waiting for a CPU (canary.h) */
	uint64_t migrations;    /* moves to another CPU; UINT64_MAX: unknown */
};

/* One pair of a --pairs run: what its reader received, over its own
 * window (its writer's first acquire to its reader's last block). */
struct run_pair {
	uint64_t wall_ns, total_bytes, blocks;
	int verified;
	int writer_cpu, reader_cpu; /* -1: moved during the timed region */
	uint64_t rtt_p50_ns;        /* ping-pong; UINT64_MAX for streams */
};

/* With several pairs, the result is their aggregate: bytes, blocks, CPU
 * time, context switches, faults, run-queue waits and the sides' windows
 * summed over the pairs, wall_ns the common window (the first writer's
 * start to the last reader's end), verified when every pair was, rtt every
 * pair's round trips; the sides' CPUs and info are pair 0's.  pair[] has
 * each pair. */
struct run_result {
	int ok;               /* 1: the run completed and the data arrived */
	char reason[512];     /* why not */
	uint64_t wall_ns;     /* writer's first acquire to reader's last block */
	uint64_t total_bytes; /* bytes the reader received */
	uint64_t blocks;      /* handoffs the writer made (messages in pingpong) */
	int verified;         /* every byte was checked */
	struct run_side writer, reader;
	struct ipc_info info; /* what the channel obtained */
	struct hist rtt;      /* ping-pong round trips, ns */
	int pairs;
	struct run_pair pair[RUN_PAIRS_MAX];
};

/* Run once.  Returns 0 when the run was made (r->ok says how it went), or
 * -errno when it could not start (r->reason says why). */
int run_once(const struct run_config *c, struct run_result *r);

/* Resolve --pin into CPUs from this process's allowed set; 0 or -EINVAL
 * with a reason. */
int run_resolve_pin(struct run_config *c, char *why, size_t whylen);

const char *run_pin_name(const struct run_config *c, char *buf, size_t len);

uint64_t run_now_ns(void);

/* run_stop and run_catch_signals, for the callers of run_once. */
#include "proc.h"

#endif
