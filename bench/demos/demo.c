/*
 * demo.c - `ipclab demo NAME`: the dispatcher and the helpers the classroom
 * demos share (output, option parsing, shared memory, fork and reap).
 *
 * The demos follow one pattern, the one of the textbook exercises: the parent
 * creates a shared-memory object and maps it, forks the processes that do the
 * work (they inherit the mapping), waits for them, then reads their results
 * from the shared memory and prints them.  The object's name is removed right
 * after mapping, so it never outlives the demo, even when the demo is killed.
 *
 *   ipclab demo --list
 */
#include "commands.h"
#include "demo.h"
#include "proc.h"
#include "say.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct demo {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

static const struct demo demos[] = {
	{"counter",
	 "shared counter: lost updates without a lock, exact with a semaphore",
	 demo_counter},
	{"bbuf",
	 "bounded buffer: producer, consumer, a ring and three semaphores",
	 demo_bbuf},
	{"matmul",
	 "parallel matrix product: worker processes share A, B and C",
	 demo_matmul},
	{NULL, NULL, NULL},
};

/* ---- output ---------------------------------------------------------- */

static void write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nowhere left to report it */
		p += n;
		len -= (size_t)n;
	}
}

/* Format into a stack buffer (a heap one for long texts) and write once. */
static void vsay(int fd, const char *prefix, const char *fmt, va_list ap)
{
	char small[1024];
	char *buf = small;
	size_t plen = strlen(prefix);
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	size_t need = plen + (size_t)n + 1;
	if (need > sizeof(small)) {
		buf = malloc(need);
		if (!buf)
			return;
	}
	memcpy(buf, prefix, plen);
	vsnprintf(buf + plen, need - plen, fmt, ap);
	write_all(fd, buf, need - 1);
	if (buf != small)
		free(buf);
}

void demo_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(STDOUT_FILENO, "", fmt, ap);
	va_end(ap);
}

void demo_err(const char *demo, const char *fmt, ...)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), SAY_PREFIX("demo%s%s"),
		 demo[0] ? " " : "", demo);
	va_list ap;
	va_start(ap, fmt);
	vsay(STDERR_FILENO, prefix, fmt, ap);
	va_end(ap);
}

/* ---- options --------------------------------------------------------- */

/* Is word ("--name" or "--name=value") one of the long options? */
static int is_long_option(const char *word, const struct option *opts)
{
	if (strncmp(word, "--", 2) != 0)
		return 0;
	size_t len = strcspn(word + 2, "=");
	for (const struct option *o = opts; o->name; o++)
		if (strncmp(o->name, word + 2, len) == 0)
			return 1; /* a full name or an unambiguous prefix */
	return 0;
}

int demo_bad_option(const char *demo, char **argv, int c,
		    const struct option *longopts)
{
	/* getopt ran with opterr = 0, so the message is ours, in our shape.
	 * After an error argv[optind - 1] is usually the word getopt choked
	 * on - but not inside a cluster of short options like -qz, where
	 * optopt is the culprit: hence the checks. */
	const char *word = optind > 0 ? argv[optind - 1] : "";
	int len = (int)strcspn(word, "=");
	if (strncmp(word, "--", 2) == 0 && optopt == 0 && c != ':')
		demo_err(demo, "unknown or ambiguous option %.*s "
			       "(see --help)\n",
			 len, word);
	else if (is_long_option(word, longopts) && c == ':')
		demo_err(demo, "option %s needs a value (see --help)\n", word);
	else if (is_long_option(word, longopts) && strchr(word, '='))
		demo_err(demo, "option %.*s takes no value (see --help)\n",
			 len, word);
	else if (c == ':')
		demo_err(demo, "option -%c needs a value (see --help)\n",
			 optopt);
	else
		demo_err(demo, "unknown option -%c (see --help)\n", optopt);
	return 2;
}

int demo_parse_long(const char *demo, const char *opt, const char *arg,
		    long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || end == arg || *end != '\0' || v < min || v > max) {
		demo_err(demo, "%s %s: expected a whole number from %ld to "
			       "%ld\n",
			 opt, arg, min, max);
		return 2;
	}
	*out = v;
	return 0;
}

/* ---- time ------------------------------------------------------------ */

double demo_now(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for it */
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- shared memory --------------------------------------------------- */

void *demo_shm_create(const char *demo, size_t size, char *name,
		      size_t namelen)
{
	char shm_name[64];
	int fd = -1;
	/* O_EXCL: never reuse an object someone else made; 0600: only us.
	 * The name is unguessable (/ipclab-<pid>-<n>-<random>); should it
	 * exist anyway, another one is tried. */
	for (unsigned try = 0; try < IPC_NAME_TRIES; try++) {
		ipc_unique_name(shm_name, sizeof(shm_name));
		fd = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			      0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (name)
		snprintf(name, namelen, "%s", shm_name);
	if (fd < 0) {
		int err = errno;
		demo_err(demo, "shm_open(%s): %s (%s)\n", shm_name,
			 ipc_errno_name(err), strerror(err));
		return NULL;
	}
	void *addr = MAP_FAILED;
	/* A new object has size 0; ftruncate gives it size bytes of zeros. */
	if (ftruncate(fd, (off_t)size) < 0) {
		int err = errno;
		demo_err(demo, "ftruncate(%s, %zu): %s (%s)\n", shm_name, size,
			 ipc_errno_name(err), strerror(err));
		goto out_unlink;
	}
	addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED) {
		int err = errno;
		demo_err(demo, "mmap(%s, %zu): %s (%s)\n", shm_name, size,
			 ipc_errno_name(err), strerror(err));
	}
out_unlink:
	/* Remove the name now: the mapping stays valid, the children inherit
	 * it with fork(), and no crash can leave the object in /dev/shm. */
	(void)shm_unlink(shm_name);
	(void)close(fd); /* the mapping does not need the descriptor */
	return addr == MAP_FAILED ? NULL : addr;
}

void demo_shm_destroy(void *addr, size_t size)
{
	if (addr)
		(void)munmap(addr, size);
}

/* ---- processes ------------------------------------------------------- */

int demo_sem_wait(sem_t *s)
{
	while (sem_wait(s) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int demo_spawn(const char *demo, int (*fn)(void *), void *arg, pid_t *pid)
{
	struct ipc_err e;
	if (run_stop)
		return -1; /* interrupted: demo_reap said so */
	if (proc_fork(pid, &e) < 0) {
		demo_err(demo, "%s\n", e.msg);
		return -1;
	}
	if (*pid == 0)
		_exit(fn(arg) == 0 ? 0 : 1);
	return 0;
}

int demo_reap(const char *demo, const pid_t *pids, const char *const *names,
	      int n, long timeout_ms)
{
	int status[PROC_MAX];
	int rc = proc_reap(pids, n, (double)timeout_ms / 1000.0, NULL, status,
			   NULL);
	if (rc == -EINTR) {
		demo_err(demo, "interrupted by %s: every process of it was "
			 "killed\n", sigabbrev_np(run_stop)
			 ? sigabbrev_np(run_stop) : "a signal");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char why[256];
		if (status[i] == 0 || (status[i] == PROC_KILLED &&
				       rc != -ETIMEDOUT))
			continue;
		if (status[i] == PROC_KILLED)
			snprintf(why, sizeof(why), "%s still running after "
				 "%.1f s: killed (a deadlock?)", names[i],
				 (double)timeout_ms / 1000.0);
		else
			proc_describe(why, sizeof(why), names[i], status[i]);
		demo_err(demo, "%s (pid %ld)\n", why, (long)pids[i]);
	}
	return rc == 0 ? 0 : 1;
}

/* ---- dispatcher ------------------------------------------------------ */

static void list_demos(int fd)
{
	for (const struct demo *d = demos; d->name; d++) {
		char line[256];
		int len = snprintf(line, sizeof(line), "  %-8s %s\n", d->name,
				   d->summary);
		if (len > 0 && (size_t)len < sizeof(line))
			write_all(fd, line, (size_t)len);
	}
}

static const char usage_head[] =
	"usage: ipclab demo NAME [OPTIONS]  run a classroom demo\n"
	"       ipclab demo NAME --help     what it shows, its options\n"
	"       ipclab demo --list          the demos, one a line\n"
	"\n"
	"demos:\n";

static const char usage_tail[] =
	"\n"
	"exit status: 0 the demo showed what it is meant to show, 1 it\n"
	"did not (or something failed), 2 bad usage, 130 / 143 stopped by\n"
	"SIGINT / SIGTERM (its processes killed first).\n";

static void usage(int fd)
{
	write_all(fd, usage_head, sizeof(usage_head) - 1);
	list_demos(fd);
	write_all(fd, usage_tail, sizeof(usage_tail) - 1);
}

int demo_main(int argc, char **argv)
{
	(void)fflush(NULL); /* demos write() directly: keep the order */
	if (argc < 2) {
		usage(STDERR_FILENO);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "--list") == 0 || strcmp(name, "-l") == 0) {
		list_demos(STDOUT_FILENO);
		return 0;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(STDOUT_FILENO);
		return 0;
	}
	for (const struct demo *d = demos; d->name; d++)
		if (strcmp(name, d->name) == 0) {
			/* The demos parse with getopt_long: start it afresh
			 * (glibc: optind = 0 resets its inner state too). */
			optind = 0;
			opterr = 0;
			run_catch_signals();
			int rc = d->run(argc - 1, argv + 1);
			return run_stop ? 128 + run_stop : rc;
		}
	if (name[0] == '-')
		demo_err("", "unknown option %s\n", name);
	else
		demo_err("", "unknown demo '%s'\n", name);
	usage(STDERR_FILENO);
	return 2;
}
