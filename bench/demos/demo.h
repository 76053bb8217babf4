/*
 * demo.h - the classroom demos, run as `ipclab demo NAME`.
 *
 * Each demo is a short program for students: it forks a few processes that
 * share memory, prints what happened and what to look at, and returns 0 when
 * it showed what it is meant to show (1 when it did not, 2 for bad usage).
 * Unlike the rest of bench/, demo code prints: results to stdout, errors to
 * stderr.  It still never calls exit(): statuses go back up to demo_main,
 * and only a forked child ends with _exit(), in demo_spawn.
 *
 *   ipclab demo --list
 *   ipclab demo counter -n 100000
 *   ipclab demo bbuf --slow-consumer
 *   ipclab demo matmul -n 200 -w 4
 */
#ifndef IPCLAB_DEMO_H
#define IPCLAB_DEMO_H

#include <semaphore.h>
#include <stddef.h>
#include <sys/types.h>

/* The demos themselves: argv[0] is the demo's name. */
int demo_counter(int argc, char **argv);
int demo_bbuf(int argc, char **argv);
int demo_matmul(int argc, char **argv);

/*
 * Helpers shared by the demos (demo.c).
 *
 * Output goes straight to the file descriptor with write(), one call per
 * message, never through a stdio buffer: lines from several processes then
 * appear in the order they were printed, and nothing buffered before a
 * fork() is printed twice.
 */
void demo_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "ipclab demo NAME: message" on stderr. */
void demo_err(const char *demo, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct option;
/* Report a getopt_long error (c is '?' or ':', optstring starting with ':',
 * opterr = 0) with the demo's long options; returns 2. */
int demo_bad_option(const char *demo, char **argv, int c,
		    const struct option *longopts);
/* Parse a whole decimal number in [min, max] for option opt; 0, or 2 after
 * printing "ipclab demo NAME: OPT VALUE: ..." to stderr. */
int demo_parse_long(const char *demo, const char *opt, const char *arg,
		    long min, long max, long *out);

/* Seconds on CLOCK_MONOTONIC (immune to changes of the wall clock). */
double demo_now(void);

/*
 * Shared memory for a fork-based demo: a POSIX shared-memory object named
 * /ipclab-<pid>-<n>-<random>, created 0600 with O_EXCL, sized, mapped
 * MAP_SHARED and unlinked at once.  The name goes into name (may be NULL) for the students
 * to see.  Returns the mapping (zero-filled) or NULL after printing why.
 */
void *demo_shm_create(const char *demo, size_t size, char *name,
		      size_t namelen);
void demo_shm_destroy(void *addr, size_t size);

/*
 * Fork a child that runs fn(arg) and _exit()s with 0 when it returned 0, 1
 * otherwise.  The child dies with the demo (PR_SET_PDEATHSIG), so that a
 * killed demo leaves no orphan waiting forever on a semaphore (proc_fork).
 * 0, or -1 after printing why; -1 without forking once a stop signal came.
 */
int demo_spawn(const char *demo, int (*fn)(void *), void *arg, pid_t *pid);

/*
 * Wait for n children (names[i] says who pids[i] is, for messages; n <=
 * PROC_MAX).  When one fails, timeout_ms passes or a stop signal comes
 * (demo_main catches SIGINT, SIGTERM, SIGHUP and then exits 128 + N), the
 * others are killed (SIGKILL): they might otherwise wait forever for the one
 * that is gone.  Every child is reaped.  0 when all exited with status 0, 1
 * otherwise (reason printed).
 */
int demo_reap(const char *demo, const pid_t *pids, const char *const *names,
	      int n, long timeout_ms);

/* sem_wait, retried after EINTR; 0 or -1 with errno set. */
int demo_sem_wait(sem_t *s);

#endif
