/*
 * run.c - one measured run (DESIGN.md, "One measured run").
 *
 * 1. The parent creates the channel(s) and a shared result page, then forks
 *    the writer and the reader.
 * 2. Each child pins itself, attaches, touches its buffers and waits at a
 *    start barrier, so setup stays out of the timed region.
 * 3. Timed region: the writer's clock starts before its first acquire, the
 *    reader's stops after the last byte arrived; each child takes getrusage
 *    at both ends.  In ping-pong mode the writer (initiator) times every
 *    round trip into a histogram.
 * 4. The reader checks the stream (every byte, with --verify on) and counts
 *    what arrived.
 * 5. The parent waits on both children with pidfds and a deadline: a child
 *    that fails or dies gets its peer killed at once; a run never hangs.
 *    Every kernel object is destroyed whatever happened.
 */
#include "run.h"
#include "canary.h"
#include "pattern.h"
#include "placement.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The page both children write their results into. */
struct shared {
	pthread_barrier_t barrier;
	uint64_t t_start, t_end;
	uint64_t bytes_received, blocks;
	int verified;
	struct run_side side[2];
	char err[2][512];
	struct ipc_info info;
	struct hist rtt;
};

volatile sig_atomic_t run_stop;

static void on_stop_signal(int sig)
{
	run_stop = sig;
}

void run_catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed terminal (SIGHUP) stops cleanly too, unless nohup asked
	 * for it to be ignored. */
	struct sigaction old;
	if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
}

static const char *const role_name[2] = {"writer", "reader"};

uint64_t run_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

static void side_begin(struct rusage *ru, struct run_side *s)
{
	canary_self(&s->runq_wait_ns, &s->migrations);
	s->window_ns = run_now_ns();
	s->cpu_start = sched_getcpu();
	getrusage(RUSAGE_SELF, ru);
}

static uint64_t delta(uint64_t a, uint64_t b)
{
	return a == UINT64_MAX || b == UINT64_MAX || b < a ? UINT64_MAX : b - a;
}

static void side_end(const struct rusage *a, struct run_side *s)
{
	struct rusage b;
	uint64_t wait, moves;
	getrusage(RUSAGE_SELF, &b);
	canary_self(&wait, &moves);
	s->runq_wait_ns = delta(s->runq_wait_ns, wait);
	s->migrations = delta(s->migrations, moves);
	s->window_ns = run_now_ns() - s->window_ns;
	s->cpu_end = sched_getcpu();
	s->user_ns = tv_ns(b.ru_utime) - tv_ns(a->ru_utime);
	s->sys_ns = tv_ns(b.ru_stime) - tv_ns(a->ru_stime);
	s->vcsw = (uint64_t)(b.ru_nvcsw - a->ru_nvcsw);
	s->ivcsw = (uint64_t)(b.ru_nivcsw - a->ru_nivcsw);
	s->minflt = (uint64_t)(b.ru_minflt - a->ru_minflt);
	s->majflt = (uint64_t)(b.ru_majflt - a->ru_majflt);
}

int run_resolve_pin(struct run_config *c, char *why, size_t whylen)
{
	return placement_resolve(c, why, whylen);
}

const char *run_pin_name(const struct run_config *c, char *buf, size_t len)
{
	return placement_name(c, buf, len);
}

static int pin_self(const struct run_config *c, enum ipc_role role,
		    struct ipc_err *e)
{
	if (c->pin == PIN_NONE)
		return 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	int cpu = role == IPC_WRITER ? c->cpu_writer : c->cpu_reader;
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return ipc_errf(e, errno, "sched_setaffinity(CPU %d)", cpu);
	return 0;
}

/* ---- stream mode ---- */

static int stream_writer(const struct run_config *c, struct ipc_channel *ch,
			 struct shared *sh, struct ipc_err *e)
{
	const struct ipc_transport *t = c->t;
	size_t bs = c->params.buf_size;
	struct pattern pat = {0};
	struct rusage ru;
	int rc;
	int use_send = c->access == ACCESS_COPY && t->send;

	if (c->access == ACCESS_COPY && pattern_init(&pat, bs, c->seed) < 0)
		return ipc_errf(e, ENOMEM, "pattern(%zu)", bs);
	pthread_barrier_wait(&sh->barrier);

	side_begin(&ru, &sh->side[IPC_WRITER]);
	sh->t_start = run_now_ns();
	uint64_t pos = 0, blocks = 0;
	while (pos < c->total_bytes) {
		size_t n = c->total_bytes - pos < bs ? (size_t)(c->total_bytes - pos) : bs;
		if (use_send) {
			rc = t->send(ch, pattern_at(&pat, pos), n, e);
		} else {
			struct ipc_block b = {0};
			rc = t->acquire(ch, IPC_WRITER, &b, e);
			if (rc < 0)
				break;
			if (c->access == ACCESS_COPY)
				memcpy(b.data, pattern_at(&pat, pos), n);
			else
				pattern_generate(c->seed, pos, b.data, n);
			b.len = n;
			rc = t->release(ch, IPC_WRITER, &b, e);
		}
		if (rc < 0)
			break;
		pos += n;
		blocks++;
	}
	if (pos >= c->total_bytes) { /* end of stream: a zero-length release */
		if (use_send) {
			rc = t->send(ch, NULL, 0, e);
		} else {
			struct ipc_block b = {0};
			rc = t->acquire(ch, IPC_WRITER, &b, e);
			if (rc == 0) {
				b.len = 0;
				rc = t->release(ch, IPC_WRITER, &b, e);
			}
		}
	}
	side_end(&ru, &sh->side[IPC_WRITER]);
	sh->blocks = blocks;
	t->info(ch, &sh->info); /* what backed the region once it was used */
	pattern_free(&pat);
	return rc;
}

static int stream_reader(const struct run_config *c, struct ipc_channel *ch,
			 struct shared *sh, struct ipc_err *e)
{
	const struct ipc_transport *t = c->t;
	size_t bs = c->params.buf_size;
	struct pattern pat = {0};
	struct rusage ru;
	unsigned char *dst = NULL;
	int rc = 0, done = 0;
	int use_recv = c->access == ACCESS_COPY && t->recv;
	volatile uint64_t sink = 0;

	if (c->access == ACCESS_COPY) {
		dst = ipc_page_alloc(bs);
		if (!dst || pattern_init(&pat, bs, c->seed) < 0) {
			free(dst);
			return ipc_errf(e, ENOMEM, "buffers(%zu)", bs);
		}
		memset(dst, 0, bs); /* fault it in before the clock starts */
	}
	pthread_barrier_wait(&sh->barrier);

	side_begin(&ru, &sh->side[IPC_READER]);
	uint64_t pos = 0;
	while (!done) {
		struct ipc_block b = {0};
		size_t n;
		const unsigned char *data;
		if (use_recv) {
			rc = t->recv(ch, dst, bs, &n, e);
			data = dst;
		} else {
			rc = t->acquire(ch, IPC_READER, &b, e);
			n = b.len;
			data = b.data;
			if (rc == 0 && n && c->access == ACCESS_COPY) {
				memcpy(dst, b.data, n);
				data = dst;
			}
		}
		if (rc < 0)
			break;
		if (n == 0) {
			done = 1;
		} else if (pos + n > c->total_bytes) {
			rc = ipc_errf(e, EPROTO, "received more than the %llu "
				      "bytes sent", (unsigned long long)c->total_bytes);
		} else if (c->verify) {
			size_t bad = c->access == ACCESS_COPY
				? pattern_check(&pat, pos, data, n)
				: pattern_check_generated(c->seed, pos, data, n);
			if (bad)
				rc = ipc_errf(e, EPROTO, "data corrupted at byte "
					      "%llu of the stream",
					      (unsigned long long)(pos + bad - 1));
		} else if (c->access == ACCESS_INPLACE) {
			sink += pattern_sum(data, n); /* read it where it lies */
		}
		pos += n;
		if (pos == c->total_bytes && n && rc == 0) {
			sh->t_end = run_now_ns(); /* the last byte is here */
			side_end(&ru, &sh->side[IPC_READER]);
		}
		if (!use_recv) {
			int rc2 = t->release(ch, IPC_READER, &b, e);
			if (rc == 0)
				rc = rc2;
		}
		if (rc < 0)
			break;
	}
	if (rc == 0 && pos != c->total_bytes)
		rc = ipc_errf(e, EPROTO, "stream ended after %llu of %llu bytes",
			      (unsigned long long)pos,
			      (unsigned long long)c->total_bytes);
	if (rc == 0 && c->total_bytes == 0) {
		sh->t_end = run_now_ns();
		side_end(&ru, &sh->side[IPC_READER]);
	}
	sh->bytes_received = pos;
	sh->verified = c->verify && rc == 0;
	(void)sink;
	pattern_free(&pat);
	free(dst);
	return rc;
}

/* ---- ping-pong mode: a message goes there on fwd and back on back ---- */

static int send_msg(const struct ipc_transport *t, struct ipc_channel *ch,
		    const void *src, size_t n, struct ipc_err *e)
{
	if (t->send)
		return t->send(ch, src, n, e);
	struct ipc_block b = {0};
	int rc = t->acquire(ch, IPC_WRITER, &b, e);
	if (rc < 0)
		return rc;
	if (n)
		memcpy(b.data, src, n);
	b.len = n;
	return t->release(ch, IPC_WRITER, &b, e);
}

/* Receive one whole message of up to cap bytes (streams may split it). */
static int recv_msg(const struct ipc_transport *t, struct ipc_channel *ch,
		    void *dst, size_t want, size_t *got, struct ipc_err *e)
{
	*got = 0;
	if (t->recv) {
		while (*got < want) {
			size_t n;
			int rc = t->recv(ch, (char *)dst + *got, want - *got, &n, e);
			if (rc < 0)
				return rc;
			if (n == 0)
				break;
			*got += n;
			if (t->caps & IPC_CAP_MESSAGES)
				break;
		}
		return 0;
	}
	struct ipc_block b = {0};
	int rc = t->acquire(ch, IPC_READER, &b, e);
	if (rc < 0)
		return rc;
	if (b.len)
		memcpy(dst, b.data, b.len < want ? b.len : want);
	*got = b.len;
	return t->release(ch, IPC_READER, &b, e);
}

static int pp_initiator(const struct run_config *c, struct ipc_channel *fwd,
			struct ipc_channel *back, struct shared *sh,
			struct ipc_err *e)
{
	const struct ipc_transport *t = c->t;
	size_t bs = c->params.buf_size;
	struct pattern pat = {0};
	struct rusage ru;
	unsigned char *in = ipc_page_alloc(bs);
	int rc = 0;
	if (!in || pattern_init(&pat, bs, c->seed) < 0) {
		free(in);
		return ipc_errf(e, ENOMEM, "buffers(%zu)", bs);
	}
	memset(in, 0, bs);
	hist_init(&sh->rtt);
	pthread_barrier_wait(&sh->barrier);

	side_begin(&ru, &sh->side[IPC_WRITER]);
	sh->t_start = run_now_ns();
	uint64_t pos = 0, i;
	for (i = 0; i < c->messages; i++) {
		const unsigned char *msg = pattern_at(&pat, pos);
		uint64_t t0 = run_now_ns();
		size_t got;
		rc = send_msg(t, fwd, msg, bs, e);
		if (rc == 0)
			rc = recv_msg(t, back, in, bs, &got, e);
		uint64_t t1 = run_now_ns();
		if (rc < 0)
			break;
		hist_record(&sh->rtt, t1 - t0);
		if (got != bs) {
			rc = ipc_errf(e, EPROTO, "reply %llu: %zu of %zu bytes",
				      (unsigned long long)i, got, bs);
			break;
		}
		if (c->verify && pattern_check(&pat, pos, in, bs)) {
			rc = ipc_errf(e, EPROTO, "reply %llu corrupted",
				      (unsigned long long)i);
			break;
		}
		pos += bs;
	}
	sh->t_end = run_now_ns();
	side_end(&ru, &sh->side[IPC_WRITER]);
	t->info(fwd, &sh->info);
	sh->blocks = i;
	sh->bytes_received = pos;
	sh->verified = c->verify && rc == 0;
	if (rc == 0) { /* end of stream there; the echo answers with its own */
		size_t got;
		rc = send_msg(t, fwd, NULL, 0, e);
		if (rc == 0)
			rc = recv_msg(t, back, in, bs, &got, e);
		if (rc == 0 && got != 0)
			rc = ipc_errf(e, EPROTO, "echo sent data after the end");
	}
	pattern_free(&pat);
	free(in);
	return rc;
}

static int pp_echo(const struct run_config *c, struct ipc_channel *fwd,
		   struct ipc_channel *back, struct shared *sh,
		   struct ipc_err *e)
{
	const struct ipc_transport *t = c->t;
	size_t bs = c->params.buf_size;
	struct rusage ru;
	unsigned char *buf = ipc_page_alloc(bs);
	int rc = 0;
	if (!buf)
		return ipc_errf(e, ENOMEM, "buffer(%zu)", bs);
	memset(buf, 0, bs);
	pthread_barrier_wait(&sh->barrier);

	side_begin(&ru, &sh->side[IPC_READER]);
	for (;;) {
		size_t got;
		rc = recv_msg(t, fwd, buf, bs, &got, e);
		if (rc < 0)
			break;
		rc = send_msg(t, back, buf, got, e);
		if (rc < 0 || got == 0)
			break;
	}
	side_end(&ru, &sh->side[IPC_READER]);
	free(buf);
	return rc;
}

/* ---- the parent ---- */

/*
 * A page of a shared mapping that the kernel cannot back (a tmpfs that
 * filled up after the region was made) is a SIGBUS on first touch.  The
 * child then says so in its error slot, with async-signal-safe stores only,
 * instead of dying with a bare signal number.
 */
static char *sigbus_slot;
static size_t sigbus_len;
static const char *sigbus_role;

static void on_sigbus(int sig)
{
	static const char msg[] = ": SIGBUS touching shared memory: the kernel "
		"could not back a page (is /dev/shm full? df -h /dev/shm; free "
		"space there or enlarge it as root: mount -o remount,size=2G "
		"/dev/shm)";
	size_t n = 0;
	(void)sig;
	for (const char *p = sigbus_role; *p && n + 1 < sigbus_len; p++)
		sigbus_slot[n++] = *p;
	for (const char *p = msg; *p && n + 1 < sigbus_len; p++)
		sigbus_slot[n++] = *p;
	sigbus_slot[n] = '\0';
	_exit(1);
}

static void child_main(const struct run_config *c, enum ipc_role role,
		       struct ipc_channel *fwd, struct ipc_channel *back,
		       struct shared *sh)
{
	struct ipc_err e = {{0}};
	const struct ipc_transport *t = c->t;
	int rc;
	/* A dead peer must show as EPIPE, not kill us silently; a Ctrl-C
	 * ends the children at once (the parent cleans up). */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (signal(SIGHUP, SIG_DFL) == SIG_IGN)
		signal(SIGHUP, SIG_IGN); /* nohup */
	sigbus_slot = sh->err[role];
	sigbus_len = sizeof(sh->err[role]);
	sigbus_role = role_name[role];
	struct sigaction sa = {.sa_handler = on_sigbus};
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGBUS, &sa, NULL);
	rc = pin_self(c, role, &e);
	if (rc == 0)
		rc = t->attach(fwd, role, &e);
	if (rc == 0 && back)
		rc = t->attach(back, role == IPC_WRITER ? IPC_READER : IPC_WRITER,
			       &e);
	if (rc < 0) {
		snprintf(sh->err[role], sizeof(sh->err[role]), "%s: attach: %s",
			 role_name[role], e.msg);
		_exit(1);
	}
	if (c->mode == MODE_PINGPONG)
		rc = role == IPC_WRITER ? pp_initiator(c, fwd, back, sh, &e)
					: pp_echo(c, fwd, back, sh, &e);
	else
		rc = role == IPC_WRITER ? stream_writer(c, fwd, sh, &e)
					: stream_reader(c, fwd, sh, &e);
	if (rc < 0)
		snprintf(sh->err[role], sizeof(sh->err[role]), "%s: %s",
			 role_name[role], e.msg);
	t->detach(fwd, role);
	if (back)
		t->detach(back, role == IPC_WRITER ? IPC_READER : IPC_WRITER);
	_exit(rc < 0 ? 1 : 0);
}

static void describe_exit(char *buf, size_t len, const char *who, int status)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "%s killed by signal %d (%s)", who,
			 WTERMSIG(status), sigabbrev_np(WTERMSIG(status))
			 ? sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(buf, len, "%s exited with status %d", who,
			 WEXITSTATUS(status));
}

/* Wait up to ms for pid to exit on its own; 1 and *status when it did. */
static int wait_briefly(pid_t pid, int pfd, int *status, int ms)
{
	uint64_t end = run_now_ns() + (uint64_t)ms * 1000000u;
	for (;;) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 1;
		uint64_t now = run_now_ns();
		if (now >= end)
			return 0;
		int left = (int)((end - now) / 1000000u) + 1;
		if (pfd >= 0) {
			struct pollfd p = {.fd = pfd, .events = POLLIN};
			(void)poll(&p, 1, left);
		} else {
			usleep(left < 5 ? (useconds_t)left * 1000u : 5000u);
		}
	}
}

/*
 * A run that failed on a resource limit says which limit and how to lift it
 * (transports name the System V and mq limits themselves; descriptors are
 * everyone's, so they are explained here).
 */
static void add_limit_hint(char *reason, size_t len)
{
	char hint[200] = "";
	struct rlimit rl;
	if (strstr(reason, "EMFILE") && !strstr(reason, "ulimit") &&
	    getrlimit(RLIMIT_NOFILE, &rl) == 0)
		snprintf(hint, sizeof(hint), " - the open-file limit of a process "
			 "is reached (ulimit -n = %llu); raise it: ulimit -n 1024",
			 (unsigned long long)rl.rlim_cur);
	else if (strstr(reason, "ENFILE"))
		snprintf(hint, sizeof(hint), " - the system-wide open-file limit "
			 "is reached (fs.file-max, /proc/sys/fs/file-nr); close "
			 "files or raise it as root: sysctl -w fs.file-max=N");
	else if (strstr(reason, "ENOSPC") && !strstr(reason, "sysctl") &&
		 (strstr(reason, "semget") || strstr(reason, "msgget") ||
		  strstr(reason, "mq_open")))
		snprintf(hint, sizeof(hint), " - a kernel IPC limit is reached "
			 "(ipcs -l; ipcs); remove leftovers (ipclab clean) or "
			 "raise the limit named above as root with sysctl -w");
	size_t n = strlen(reason);
	if (hint[0] && n < len)
		snprintf(reason + n, len - n, "%s", hint);
}

/* Wait for both children; kill the survivor when one fails; deadline. */
static void reap(pid_t pid[2], const struct run_config *c, struct shared *sh,
		 struct run_result *r)
{
	int pfd[2] = {-1, -1}, status[2] = {0, 0}, alive[2] = {1, 1};
	int timed_out = 0, interrupted = 0;
	for (int i = 0; i < 2; i++)
		pfd[i] = (int)syscall(SYS_pidfd_open, pid[i], 0);
	uint64_t deadline = run_now_ns() + (uint64_t)(c->timeout_s * 1e9);
	/* The stop signals stay blocked except inside ppoll, which unblocks
	 * them atomically: one arriving between the run_stop check and the wait
	 * would otherwise be seen only when the children end. */
	sigset_t stop_sigs, waiting;
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop_sigs, &waiting);
	while (alive[0] || alive[1]) {
		uint64_t now = run_now_ns();
		if (now >= deadline || run_stop) {
			interrupted = run_stop != 0;
			timed_out = !interrupted;
			for (int i = 0; i < 2; i++)
				if (alive[i])
					kill(pid[i], SIGKILL);
			for (int i = 0; i < 2; i++)
				if (alive[i]) {
					waitpid(pid[i], &status[i], 0);
					alive[i] = 0;
				}
			break;
		}
		struct pollfd p[2];
		int np = 0;
		for (int i = 0; i < 2; i++)
			if (alive[i] && pfd[i] >= 0)
				p[np++] = (struct pollfd){.fd = pfd[i], .events = POLLIN};
		int ms = (int)((deadline - now) / 1000000 + 1);
		if (np < 2 && ms > 20)
			ms = 20; /* no pidfd: poll waitpid */
		struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
		(void)ppoll(np ? p : NULL, (nfds_t)np, &ts, &waiting);
		for (int i = 0; i < 2; i++) {
			if (!alive[i] || waitpid(pid[i], &status[i], WNOHANG) != pid[i])
				continue;
			alive[i] = 0;
			int failed = !WIFEXITED(status[i]) || WEXITSTATUS(status[i]);
			if (failed && alive[!i]) {
				/* A side that failed with an error may only have
				 * seen its peer die (EPIPE, EOF): give a dying peer a
				 * moment to be reaped, so the record names the cause. */
				if (WIFEXITED(status[i]) &&
				    wait_briefly(pid[!i], pfd[!i], &status[!i], 200)) {
					alive[!i] = 0;
					continue;
				}
				kill(pid[!i], SIGKILL); /* it may be waiting on us */
				waitpid(pid[!i], &status[!i], 0);
				alive[!i] = 0;
				status[!i] = -1; /* killed by us: not its fault */
			}
		}
	}
	sigprocmask(SIG_SETMASK, &waiting, NULL);
	for (int i = 0; i < 2; i++)
		if (pfd[i] >= 0)
			close(pfd[i]);

	r->ok = 0;
	/* Ctrl-C in a terminal reaches the children too: a child that died of
	 * it was interrupted, not broken. */
	if (run_stop && (status[0] || status[1]))
		interrupted = 1;
	if (interrupted) {
		snprintf(r->reason, sizeof(r->reason), "interrupted by %s",
			 sigabbrev_np(run_stop) ? sigabbrev_np(run_stop) : "a signal");
		return;
	}
	if (timed_out) {
		snprintf(r->reason, sizeof(r->reason),
			 "timed out after %.0f s (see --timeout); both sides "
			 "were killed", c->timeout_s);
		return;
	}
	/* The cause first: a side killed by a signal (not ours) explains the
	 * peer's EPIPE or early end of stream; then a side that failed. */
	int cause = -1;
	for (int i = 0; i < 2 && cause < 0; i++)
		if (status[i] != -1 && WIFSIGNALED(status[i]))
			cause = i;
	for (int i = 0; i < 2 && cause < 0; i++)
		if (status[i] != 0 && status[i] != -1)
			cause = i; /* not fine, and not killed by us */
	if (cause < 0) {
		r->ok = 1;
		return;
	}
	if (sh->err[cause][0])
		snprintf(r->reason, sizeof(r->reason), "%s", sh->err[cause]);
	else
		describe_exit(r->reason, sizeof(r->reason), role_name[cause],
			      status[cause]);
	int peer = !cause;
	if (status[peer] != 0 && status[peer] != -1 && sh->err[peer][0]) {
		size_t n = strlen(r->reason);
		snprintf(r->reason + n, sizeof(r->reason) - n, "; then %s",
			 sh->err[peer]);
	}
	add_limit_hint(r->reason, sizeof(r->reason));
}

int run_once(const struct run_config *c, struct run_result *r)
{
	const struct ipc_transport *t = c->t;
	struct ipc_channel *fwd = NULL, *back = NULL;
	struct ipc_err e = {{0}};
	pid_t pid[2] = {-1, -1};
	int rc;

	memset(r, 0, sizeof(*r));
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		snprintf(r->reason, sizeof(r->reason), "mmap(result page): %s",
			 strerror(errno));
		return -errno;
	}
	pthread_barrierattr_t ba;
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&sh->barrier, &ba, 2);
	pthread_barrierattr_destroy(&ba);

	rc = t->create(&c->params, &fwd, &e);
	if (rc == 0 && c->mode == MODE_PINGPONG)
		rc = t->create(&c->params, &back, &e);
	if (rc < 0) {
		snprintf(r->reason, sizeof(r->reason), "create: %s", e.msg);
		add_limit_hint(r->reason, sizeof(r->reason));
		goto out_destroy;
	}

	fflush(NULL); /* children must not flush the parent's buffers again */
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] < 0) {
			rc = -errno;
			snprintf(r->reason, sizeof(r->reason), "fork: %s",
				 strerror(errno));
			if (i == 1) {
				kill(pid[0], SIGKILL);
				waitpid(pid[0], NULL, 0);
			}
			goto out_destroy;
		}
		if (pid[i] == 0)
			child_main(c, (enum ipc_role)i, fwd, back, sh);
	}
	if (t->parent_close) {
		t->parent_close(fwd);
		if (back)
			t->parent_close(back);
	}
	reap(pid, c, sh, r);
	if (r->ok) {
		r->wall_ns = sh->t_end > sh->t_start ? sh->t_end - sh->t_start : 0;
		r->total_bytes = sh->bytes_received;
		r->blocks = sh->blocks;
		r->verified = sh->verified;
		r->writer = sh->side[IPC_WRITER];
		r->reader = sh->side[IPC_READER];
		r->info = sh->info;
		if (c->mode == MODE_PINGPONG)
			r->rtt = sh->rtt;
	}
	rc = 0;

out_destroy:
	t->destroy(fwd);
	t->destroy(back);
	pthread_barrier_destroy(&sh->barrier);
	munmap(sh, sizeof(*sh));
	return rc;
}
