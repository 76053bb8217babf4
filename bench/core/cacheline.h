/*
 * cacheline.h - one cache line bounced between two CPUs: the cheapest probe
 * of where the host placed them, and the physical floor of any handoff
 * between them.
 *
 * Two threads, each pinned to one of the CPUs, take turns incrementing one
 * 64-byte-aligned counter: thread A waits for an even value and writes the
 * next odd one, thread B the reverse.  No system call, no lock: every
 * increment is one transfer of the line from one core's cache to the
 * other's.  A round trip is two transfers.
 *
 *   double rtt;
 *   if (cacheline_rtt_ns(0, 1, 2000, 0.01, &rtt) == 0)
 *           printf("one way %.0f ns\n", rtt / 2);
 */
#ifndef IPCLAB_CACHELINE_H
#define IPCLAB_CACHELINE_H

/* Changed with the way the line is bounced or timed: two runs' line
 * canaries compare only when equal (meta.json canaries.line_probe). */
#define CACHELINE_VERSION 1

#include <stddef.h>

/*
 * Bounce the line `trips` round trips between cpu_a and cpu_b (distinct,
 * allowed CPUs) in batches, and put the median batch's round trip in ns into
 * *rtt_ns.  Gives up after max_s seconds (a CPU that never runs the other
 * thread: -ETIMEDOUT).  Returns 0, -EINVAL (same or bad CPUs) or -errno.
 */
int cacheline_rtt_ns(int cpu_a, int cpu_b, unsigned trips, double max_s,
		     double *rtt_ns);

/*
 * The same with two lines, one each way: A writes the first and waits on
 * the second, B the reverse - what any ping-pong over two one-way channels
 * moves at the least.  With one line, the side that reads a value is the
 * next to write it, and a CPU may hand the line over with the right to
 * write it (so the bounce above can cost one transfer a way); here each line
 * is written by one side and read by the other, and a write must first take
 * the line back from the reader (docs/floor.md).  Same arguments and return.
 */
int cacheline_pair_rtt_ns(int cpu_a, int cpu_b, unsigned trips, double max_s,
			  double *rtt_ns);

#endif
