/*
 * speedprobe.h - how fast the machine runs plain code right now: the other
 * canary beside the cache-line probe (cacheline.h).
 *
 * A fixed piece of work with no system call and no sharing - a dependent
 * chain of integer multiplies and a copy between two 16 KiB buffers that
 * stay in the CPU's cache - timed in short batches on each of the point's
 * CPUs.  The fastest batch is kept: an interrupt or another thread on the
 * CPU lengthens some batches, not the fastest, so what remains is the speed
 * the host gives that CPU (its clock, a busy sibling on the host's core,
 * cache sharing with other guests).  Between two runs, the same point with a
 * probe several percent slower was measured on a slower machine.
 *
 *   double ns;
 *   if (speedprobe_ns(cpus, 2, &ns) == 0)
 *           printf("the fixed work took %.0f ns\n", ns);
 */
#ifndef IPCLAB_SPEEDPROBE_H
#define IPCLAB_SPEEDPROBE_H

/* Changed with the fixed work: two runs' probes compare only when equal
 * (meta.json canaries.speed_probe; compare.py checks it). */
#define SPEEDPROBE_VERSION 1

/*
 * Time the work on each of cpus[0..n) (n == 0: where this thread runs now,
 * unpinned) and put the mean over the CPUs of the fastest batch, in ns, into
 * *ns.  Returns 0, or -errno (a CPU this process may not use, no thread).
 */
int speedprobe_ns(const int *cpus, int n, double *ns);

#endif
