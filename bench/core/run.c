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
 * 5. The parent waits on both children with a deadline (proc_reap): a child
 *    that fails or dies gets its peer killed at once; a run never hangs.
 *    Every kernel object is destroyed whatever happened.  Forking, pinning,
 *    the start barrier and the stop signals are proc.c's too.
 */
#include "run.h"
#include "canary.h"
#include "limit_hint.h"
#include "placement.h"
#include "pattern.h"
#include "proc.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* The slot of the shared result area that one pair's two children write
 * their results into. */
struct shared {
	struct proc_barrier *start; /* every child set up: go */
	uint64_t t_start, t_end;
	uint64_t bytes_received, blocks;
	int verified;
	struct run_side side[2];
	char err[2][512];
	struct ipc_info info;
	struct hist rtt;
};

/* The shared result area: the start barrier, then one slot per pair. */
struct area {
	struct proc_barrier start;
	struct shared pair[];
};

static const char *const role_name[2] = {"writer", "reader"};

/* "writer", or "pair 1 writer" when there are several pairs. */
static void who_of(const struct run_config *c, int pair, int role,
		   char *buf, size_t len)
{
	if (c->pairs > 1)
		snprintf(buf, len, "pair %d %s", pair, role_name[role]);
	else
		snprintf(buf, len, "%s", role_name[role]);
}

/* Who this child is (set in child_main), for its messages. */
static char self_who[24];

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
	return proc_pin(role == IPC_WRITER ? c->cpu_writer : c->cpu_reader, e);
}

/* Wait at the start barrier; a child that cannot start says why and ends
 * (its peer gave up, or never came before the deadline). */
static void start_line(const struct run_config *c, struct shared *sh,
		       enum ipc_role role)
{
	struct ipc_err e = {{0}};
	/* The canaries' first reading (two /proc files) before the barrier:
	 * the reader's would otherwise be inside the writer's clock. */
	canary_self(&sh->side[role].runq_wait_ns, &sh->side[role].migrations);
	sh->side[role].window_ns = run_now_ns(); /* the wait's window, too */
	if (proc_barrier_wait(sh->start, c->timeout_s, &e) < 0) {
		snprintf(sh->err[role], sizeof(sh->err[role]), "%s: %s",
			 self_who, e.msg);
		_exit(1);
	}
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
	start_line(c, sh, IPC_WRITER);

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
	start_line(c, sh, IPC_READER);

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
	start_line(c, sh, IPC_WRITER);

	side_begin(&ru, &sh->side[IPC_WRITER]);
	sh->t_start = run_now_ns();
	/* --batch K: one pair of clock readings per K round trips, the
	 * batch's mean round trip one sample (the checks below then fall
	 * inside the batch); a short last batch is a sample only when there
	 * is no other. */
	const unsigned batch = c->batch > 1 ? c->batch : 1;
	unsigned in_batch = 0;
	uint64_t samples = 0;
	uint64_t pos = 0, i, t0 = 0;
	for (i = 0; i < c->messages; i++) {
		const unsigned char *msg = pattern_at(&pat, pos);
		if (in_batch == 0)
			t0 = run_now_ns();
		size_t got;
		rc = send_msg(t, fwd, msg, bs, e);
		if (rc == 0)
			rc = recv_msg(t, back, in, bs, &got, e);
		if (++in_batch == batch || i + 1 == c->messages || rc < 0) {
			uint64_t t1 = run_now_ns();
			if (rc == 0 && (in_batch == batch || !samples)) {
				hist_record(&sh->rtt, (t1 - t0 + in_batch / 2) /
						      in_batch);
				samples++;
			}
			in_batch = 0;
		}
		if (rc < 0)
			break;
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
	start_line(c, sh, IPC_READER);

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

static void child_main(const struct run_config *c, int pair, enum ipc_role role,
		       struct ipc_channel *fwd, struct ipc_channel *back,
		       struct shared *sh)
{
	struct ipc_err e = {{0}};
	const struct ipc_transport *t = c->t;
	int rc;
	who_of(c, pair, role, self_who, sizeof(self_who));
	sigbus_slot = sh->err[role];
	sigbus_len = sizeof(sh->err[role]);
	sigbus_role = self_who;
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
			 self_who, e.msg);
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
			 self_who, e.msg);
	t->detach(fwd, role);
	if (back)
		t->detach(back, role == IPC_WRITER ? IPC_READER : IPC_WRITER);
	_exit(rc < 0 ? 1 : 0);
}

/* Wait for every child (proc_reap: the survivors of a failure are killed,
 * a deadline, the stop signals) and say how the run went.  Child 2i is
 * pair i's writer, 2i + 1 its reader. */
static void reap(const pid_t *pid, int n, const struct run_config *c,
		 struct area *a, struct run_result *r)
{
	int status[2 * RUN_PAIRS_MAX], cause;
	int rc = proc_reap(pid, n, c->timeout_s, &a->start, status, &cause);
	r->ok = rc == 0;
	if (rc == -EINTR) {
		snprintf(r->reason, sizeof(r->reason), "interrupted by %s",
			 sigabbrev_np(run_stop) ? sigabbrev_np(run_stop) : "a signal");
		return;
	}
	if (rc == -ETIMEDOUT) {
		snprintf(r->reason, sizeof(r->reason),
			 "timed out after %.0f s (see --timeout); %s were "
			 "killed", c->timeout_s, n > 2 ? "all sides" : "both sides");
		return;
	}
	if (rc == 0)
		return;
	/* The cause first (a side killed by a signal explains the peer's
	 * EPIPE or early end of stream), then what its peer said. */
	const struct shared *sh = &a->pair[cause / 2];
	int role = cause % 2, peer = cause ^ 1;
	if (sh->err[role][0]) {
		snprintf(r->reason, sizeof(r->reason), "%s", sh->err[role]);
	} else {
		char who[24];
		who_of(c, cause / 2, role, who, sizeof(who));
		proc_describe(r->reason, sizeof(r->reason), who, status[cause]);
	}
	if (status[peer] != 0 && status[peer] != PROC_KILLED &&
	    sh->err[!role][0]) {
		size_t len = strlen(r->reason);
		snprintf(r->reason + len, sizeof(r->reason) - len, "; then %s",
			 sh->err[!role]);
	}
	limit_hint_add(r->reason, sizeof(r->reason));
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a == UINT64_MAX || b == UINT64_MAX ? UINT64_MAX : a + b;
}

/* Pair i's side s added into the aggregate side *to (pair 0 sets it). */
static void side_add(struct run_side *to, const struct run_side *s, int i)
{
	if (i == 0) {
		*to = *s;
		return;
	}
	to->user_ns += s->user_ns;
	to->sys_ns += s->sys_ns;
	to->vcsw += s->vcsw;
	to->ivcsw += s->ivcsw;
	to->minflt += s->minflt;
	to->majflt += s->majflt;
	to->window_ns += s->window_ns; /* runq_wait_ns over it: the mean share */
	to->runq_wait_ns = add_sat(to->runq_wait_ns, s->runq_wait_ns);
	to->migrations = add_sat(to->migrations, s->migrations);
}

static int side_cpu(const struct run_side *s)
{
	return s->cpu_start == s->cpu_end ? s->cpu_start : -1;
}

/* The pairs' results, each and together (see struct run_result). */
static void collect(const struct run_config *c, const struct area *a,
		    int n, struct run_result *r)
{
	uint64_t t0 = UINT64_MAX, t1 = 0;
	r->verified = 1;
	for (int i = 0; i < n; i++) {
		const struct shared *sh = &a->pair[i];
		struct run_pair *p = &r->pair[i];
		p->wall_ns = sh->t_end > sh->t_start ? sh->t_end - sh->t_start : 0;
		p->total_bytes = sh->bytes_received;
		p->blocks = sh->blocks;
		p->verified = sh->verified;
		p->writer_cpu = side_cpu(&sh->side[IPC_WRITER]);
		p->reader_cpu = side_cpu(&sh->side[IPC_READER]);
		p->rtt_p50_ns = UINT64_MAX;
		if (sh->t_start < t0)
			t0 = sh->t_start;
		if (sh->t_end > t1)
			t1 = sh->t_end;
		r->total_bytes += p->total_bytes;
		r->blocks += p->blocks;
		r->verified &= p->verified;
		side_add(&r->writer, &sh->side[IPC_WRITER], i);
		side_add(&r->reader, &sh->side[IPC_READER], i);
		if (c->mode == MODE_PINGPONG) {
			p->rtt_p50_ns = hist_percentile(&sh->rtt, 50);
			if (i == 0)
				r->rtt = sh->rtt;
			else
				hist_merge(&r->rtt, &sh->rtt);
		}
	}
	r->wall_ns = t1 > t0 ? t1 - t0 : 0;
	r->info = a->pair[0].info;
	r->pairs = n;
}

/* Create pair i's channel(s) and fork its writer and reader into pid[2i],
 * pid[2i + 1]; 0, or -errno with r->reason set. */
static int start_pair(const struct run_config *c, int i, struct area *a,
		      struct ipc_channel **fwd, struct ipc_channel **back,
		      pid_t *pid, struct run_result *r)
{
	const struct ipc_transport *t = c->t;
	struct ipc_err e = {{0}};
	struct shared *sh = &a->pair[i];
	struct run_config ci = *c;
	int rc;

	sh->start = &a->start;
	pid[2 * i] = pid[2 * i + 1] = -1;
	if (c->pairs > 1) {
		ci.cpu_writer = c->pair_cpu[i][0];
		ci.cpu_reader = c->pair_cpu[i][1];
		ci.seed = c->seed + (uint64_t)i; /* a pair that got another's
						   * bytes fails the check */
	}
	rc = t->create(&c->params, fwd, &e);
	if (rc == 0 && c->mode == MODE_PINGPONG)
		rc = t->create(&c->params, back, &e);
	if (rc < 0) {
		if (c->pairs > 1)
			snprintf(r->reason, sizeof(r->reason), "pair %d: create: "
				 "%s", i, e.msg);
		else
			snprintf(r->reason, sizeof(r->reason), "create: %s",
				 e.msg);
		limit_hint_add(r->reason, sizeof(r->reason));
		return rc;
	}
	for (int role = 0; role < 2; role++) {
		rc = proc_fork(&pid[2 * i + role], &e);
		if (rc < 0) {
			snprintf(r->reason, sizeof(r->reason), "%s", e.msg);
			return rc;
		}
		if (pid[2 * i + role] == 0)
			child_main(&ci, i, (enum ipc_role)role, *fwd, *back, sh);
	}
	/* The parent's ends closed before the next pair forks, so no later
	 * child holds this pair's pipe or socket ends (end of file still comes
	 * when a side closes).  Transports without parent_close (shared memory,
	 * queues) stay mapped or open in the later pairs' children, unused. */
	if (t->parent_close) {
		t->parent_close(*fwd);
		if (*back)
			t->parent_close(*back);
	}
	return 0;
}

int run_once(const struct run_config *c, struct run_result *r)
{
	const struct ipc_transport *t = c->t;
	struct ipc_channel *fwd[RUN_PAIRS_MAX] = {0}, *back[RUN_PAIRS_MAX] = {0};
	pid_t pid[2 * RUN_PAIRS_MAX];
	int n = c->pairs > 1 ? c->pairs : 1, forked = 0, rc = 0;

	memset(r, 0, sizeof(*r));
	if (n > RUN_PAIRS_MAX) {
		snprintf(r->reason, sizeof(r->reason), "--pairs %d: at most %d",
			 n, RUN_PAIRS_MAX);
		return -EINVAL;
	}
	size_t size = sizeof(struct area) + (size_t)n * sizeof(struct shared);
	struct area *a = mmap(NULL, size, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED) {
		snprintf(r->reason, sizeof(r->reason), "mmap(result page): %s",
			 strerror(errno));
		return -errno;
	}
	proc_barrier_init(&a->start, 2 * (unsigned)n);

	for (int i = 0; i < n && rc == 0; i++) {
		rc = start_pair(c, i, a, &fwd[i], &back[i], pid, r);
		forked = 2 * i + (rc == 0 ? 2 : pid[2 * i] > 0 ? 1 : 0);
	}
	if (rc < 0) { /* those already forked wait at the barrier: end them */
		int st[2 * RUN_PAIRS_MAX];
		if (forked)
			(void)proc_reap(pid, forked, 0, &a->start, st, NULL);
		goto out_destroy;
	}
	reap(pid, 2 * n, c, a, r);
	if (r->ok)
		collect(c, a, n, r);

out_destroy:
	for (int i = 0; i < n; i++) {
		t->destroy(fwd[i]);
		t->destroy(back[i]);
	}
	/* No barrier to destroy: a child killed inside it holds nothing. */
	munmap(a, size);
	return rc;
}
