/* contract.c - the transport contract as cases (see contract.h). */
#include "contract.h"
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Cases with more handoffs than this are left out (minutes at B = 1). */
#define MAX_HANDOFFS 300000ull

const char *const contract_cases[] = {"empty", "streams", "chunks", "crash",
				      NULL};

/* The transport and options of the case running in this process. */
static const struct ipc_transport *T;
static const struct contract_opts *O;

static uint64_t rng_state = 0x1234567887654321ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(unsigned char *p, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t v = rnd();
		memcpy(p + i, &v, 8);
	}
	for (; i < n; i++)
		p[i] = (unsigned char)rnd();
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(O->log, fmt, ap);
	va_end(ap);
	fflush(O->log);
}

/* ---- leftovers: objects named for one process, or anything new ---- */

/* The tables of /proc/sysvipc, one a kind of System V object. */
static const char *const sysv_tables[] = {"shm", "sem", "msg"};

/* /proc/sysvipc/<table>, past its heading line; NULL when unreadable. */
static FILE *sysvipc_open(const char *table)
{
	char path[64], heading[512];
	snprintf(path, sizeof(path), "/proc/sysvipc/%s", table);
	FILE *f = fopen(path, "re");
	if (f && !fgets(heading, sizeof(heading), f)) {
		fclose(f);
		return NULL;
	}
	return f;
}

/* Report (and with remove, delete) /dev/shm, /dev/mqueue and /tmp entries
 * named ipclab-<pid>-..., and System V objects with ipclab's mark and pid. */
static int leftovers(pid_t pid, int remove)
{
	char prefix[64], sem_prefix[72];
	int found = 0;
	snprintf(prefix, sizeof(prefix), IPC_NAME_PREFIX "%ld-", (long)pid);
	snprintf(sem_prefix, sizeof(sem_prefix), "sem.%s", prefix);
	static const char *const dirs[] = {"/dev/shm", "/dev/mqueue", "/tmp"};
	for (size_t d = 0; d < 3; d++) {
		DIR *dir = opendir(dirs[d]);
		if (!dir)
			continue;
		for (struct dirent *e; (e = readdir(dir));) {
			if (strncmp(e->d_name, prefix, strlen(prefix)) &&
			    strncmp(e->d_name, sem_prefix, strlen(sem_prefix)))
				continue;
			say("  leak: %s/%s\n", dirs[d], e->d_name);
			found = 1;
			if (remove) {
				char cmd[600];
				snprintf(cmd, sizeof(cmd), "rm -rf -- '%s/%s'",
					 dirs[d], e->d_name);
				if (system(cmd) != 0)
					say("  (could not remove it)\n");
			}
		}
		closedir(dir);
	}
	/* /dev/mqueue may not be mounted: probe the names this pid used. */
	for (unsigned k = 0; k < 64; k++) {
		char name[64];
		snprintf(name, sizeof(name), "/" IPC_NAME_PREFIX "%ld-%u",
			 (long)pid, k);
		mqd_t q = mq_open(name, O_RDONLY);
		if (q == (mqd_t)-1)
			continue;
		mq_close(q);
		say("  leak: message queue %s\n", name);
		found = 1;
		if (remove)
			mq_unlink(name);
	}
	for (size_t i = 0; i < 3; i++) {
		const char *table = sysv_tables[i];
		char line[512];
		FILE *f = sysvipc_open(table);
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			long key, id;
			pid_t kpid;
			if (sscanf(line, "%ld %ld", &key, &id) != 2 ||
			    !ipc_sysv_key_is_ours((key_t)key, &kpid) ||
			    kpid != (pid_t)(pid & 0x3fffff))
				continue;
			say("  leak: System V %s key 0x%lx id %ld\n", table,
			    (unsigned long)(unsigned)key, id);
			found = 1;
			if (remove) {
				char cmd[96];
				snprintf(cmd, sizeof(cmd), "ipcrm -%c %ld 2>/dev/null",
					 table[1] == 'h' ? 'm' : table[1] == 'e' ? 's' : 'q',
					 id);
				if (system(cmd) != 0)
					say("  (could not remove it)\n");
			}
		}
		fclose(f);
	}
	return found;
}

/* A snapshot of every IPC object name on the machine, for --snapshot. */
struct snapshot {
	char *text; /* one name per line */
};

static void snap_dir(FILE *out, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			fprintf(out, "%s/%s\n", dir, e->d_name);
	closedir(d);
}

static void snap_take(struct snapshot *s)
{
	size_t len = 0;
	FILE *out = open_memstream(&s->text, &len);
	if (!out) {
		s->text = NULL;
		return;
	}
	snap_dir(out, "/dev/shm");
	snap_dir(out, "/dev/mqueue");
	for (size_t i = 0; i < 3; i++) {
		char line[512];
		FILE *f = sysvipc_open(sysv_tables[i]);
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			long key, id, cpid = 0;
			/* shm: key shmid perms size cpid ... (a private key says
			 * nothing of its owner; the creator's pid does) */
			if (sscanf(line, "%ld %ld %*s %*s %ld", &key, &id,
				   &cpid) < 2)
				continue;
			fprintf(out, "System V %s key 0x%lx id %ld",
				sysv_tables[i],
				(unsigned long)(unsigned)key, id);
			if (i == 0 && cpid > 0)
				fprintf(out, " creator %ld", cpid);
			fputc('\n', out);
		}
		fclose(f);
	}
	fclose(out);
}

/*
 * Another ipclab process's object (named ipclab-<pid>-..., or a System V key
 * with ipclab's mark and a pid), made concurrently: not this case's leak.
 * This case's own are found by leftovers(), by pid.
 */
static int others(const char *line, pid_t self)
{
	const char *p = strstr(line, IPC_NAME_PREFIX);
	long pid = -1;
	unsigned long key;
	if (p && sscanf(p + strlen(IPC_NAME_PREFIX), "%ld-", &pid) == 1)
		return pid != (long)self;
	pid_t kp;
	if (sscanf(line, "System V %*s key 0x%lx", &key) == 1 &&
	    ipc_sysv_key_is_ours((key_t)(unsigned)key, &kp))
		return kp != (pid_t)(self & 0x3fffff);
	/* A segment whose creator still runs outside the case's process group
	 * (the case's processes are all gone by now) is someone else's. */
	const char *c = strstr(line, " creator ");
	if (c && sscanf(c, " creator %ld", &pid) == 1 && pid > 0) {
		pid_t g = getpgid((pid_t)pid);
		return g >= 0 && g != self;
	}
	return 0;
}

/* Lines of after that are not in before: objects that appeared. */
static int snap_new(const struct snapshot *before, const struct snapshot *after,
		    pid_t self)
{
	int found = 0;
	if (!before->text || !after->text)
		return 0;
	char *copy = strdup(after->text), *save = NULL;
	for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);
		const char *p = before->text;
		int seen = 0;
		while ((p = strstr(p, line))) {
			if ((p == before->text || p[-1] == '\n') &&
			    (p[n] == '\n' || p[n] == '\0')) {
				seen = 1;
				break;
			}
			p += n;
		}
		if (!seen && !others(line, self)) {
			say("  leak: %s appeared during the case and is still "
			    "there\n", line);
			found = 1;
		}
	}
	free(copy);
	return found;
}

/* ---- one stream ---- */

enum api { API_BLOCKS, API_SENDRECV };

static int writer(struct ipc_channel *ch, const unsigned char *data,
		  size_t len, size_t bs, enum api api, int random_chunks)
{
	struct ipc_err e = {{0}};
	size_t pos = 0;
	if (T->attach(ch, IPC_WRITER, &e) < 0) {
		say("  writer attach: %s\n", e.msg);
		return 1;
	}
	int rc = 0;
	for (;;) {
		size_t n = len - pos < bs ? len - pos : bs;
		if (random_chunks && n > 1)
			n = 1 + (size_t)(rnd() % n);
		if (api == API_SENDRECV) {
			rc = T->send(ch, data + pos, n, &e);
		} else {
			struct ipc_block b = {0};
			rc = T->acquire(ch, IPC_WRITER, &b, &e);
			if (rc == 0 && (b.cap < n || (n && !b.data))) {
				snprintf(e.msg, sizeof(e.msg), "acquire gave a "
					 "block of %zu bytes, need %zu", b.cap, n);
				rc = -1;
			}
			if (rc == 0) {
				if (n)
					memcpy(b.data, data + pos, n);
				b.len = n;
				rc = T->release(ch, IPC_WRITER, &b, &e);
			}
		}
		if (rc < 0) {
			say("  writer at byte %zu: %s\n", pos, e.msg);
			break;
		}
		if (n == 0)
			break; /* that was end of stream */
		pos += n;
	}
	T->detach(ch, IPC_WRITER);
	return rc < 0;
}

static int reader(struct ipc_channel *ch, const unsigned char *want,
		  size_t len, size_t bs, enum api api)
{
	struct ipc_err e = {{0}};
	unsigned char *got = malloc(len + bs);
	size_t pos = 0;
	int rc = 0;
	if (!got) {
		say("  reader: out of memory\n");
		return 1;
	}
	if (T->attach(ch, IPC_READER, &e) < 0) {
		say("  reader attach: %s\n", e.msg);
		free(got);
		return 1;
	}
	for (;;) {
		size_t n = 0;
		struct ipc_block b = {0};
		if (api == API_SENDRECV) {
			rc = T->recv(ch, got + pos, bs, &n, &e);
		} else {
			rc = T->acquire(ch, IPC_READER, &b, &e);
			n = b.len;
			if (rc == 0 && n > bs) {
				snprintf(e.msg, sizeof(e.msg), "a block of %zu "
					 "bytes, more than BUF_SIZE", n);
				rc = -1;
			}
			if (rc == 0 && n && pos + n <= len)
				memcpy(got + pos, b.data, n);
		}
		if (rc < 0) {
			say("  reader at byte %zu: %s\n", pos, e.msg);
			break;
		}
		pos += n;
		if (api == API_BLOCKS && T->release(ch, IPC_READER, &b, &e) < 0) {
			say("  reader release: %s\n", e.msg);
			rc = -1;
			break;
		}
		if (n == 0 || pos > len)
			break;
	}
	if (rc == 0 && pos != len) {
		say("  reader: got %zu bytes, want %zu\n", pos, len);
		rc = -1;
	}
	if (rc == 0 && memcmp(got, want, len) != 0) {
		size_t i = 0;
		while (got[i] == want[i])
			i++;
		say("  reader: the data differs from byte %zu on\n", i);
		rc = -1;
	}
	T->detach(ch, IPC_READER);
	free(got);
	return rc < 0;
}

/* A case's deadline: run_case kills the case and its streams then. */
static double case_limit(void)
{
	return O->case_timeout_s > 0 ? O->case_timeout_s : 300;
}

/* Wait for writer and reader (proc_reap: one that fails gets its peer
 * killed; when a fork failed, the other is killed at once) and say what
 * went wrong.  1 when both ended well.  The deadline here is twice the
 * case's, as a backstop: a hung stream must reach run_case's "hung"
 * verdict, not end as a failed stream. */
static int wait_both(const pid_t pid[2])
{
	static const char *const who[2] = {"writer", "reader"};
	int st[2], both = pid[0] > 0 && pid[1] > 0;
	int rc = proc_reap(pid, 2, both ? 2 * case_limit() : 0, NULL, st, NULL);
	for (int i = 0; i < 2; i++) {
		if (st[i] == PROC_KILLED || st[i] == 0)
			continue; /* killed by us: not its fault */
		if (WIFSIGNALED(st[i])) {
			char why[128];
			proc_describe(why, sizeof(why), who[i], st[i]);
			say("  %s\n", why);
		} else {
			say("  %s failed\n", who[i]);
		}
	}
	return rc == 0 && both;
}

/* Fork the writer and the reader of ch; pid[i] stays -1 when its fork
 * failed (said). */
static void fork_both(struct ipc_channel *ch, const unsigned char *data,
		      size_t len, size_t bs, enum api api, int random_chunks,
		      pid_t pid[2])
{
	struct ipc_err e = {{0}};
	pid[0] = pid[1] = -1;
	for (int i = 0; i < 2; i++) {
		if (proc_fork(&pid[i], &e) < 0) {
			say("  %s\n", e.msg);
			pid[i] = -1;
			return;
		}
		if (pid[i] == 0)
			_exit(i == 0 ? writer(ch, data, len, bs, api,
					      random_chunks)
				     : reader(ch, data, len, bs, api));
	}
}

static int stream(size_t bs, size_t len, enum api api, int random_chunks)
{
	struct ipc_params p = {.buf_size = bs};
	struct ipc_channel *ch = NULL;
	struct ipc_err e = {{0}};
	unsigned char *data = malloc(len ? len : 1);
	if (!data)
		return 0;
	fill_random(data, len);
	if (T->create(&p, &ch, &e) < 0) {
		say("  create(BUF_SIZE %zu): %s\n", bs, e.msg);
		free(data);
		return 0;
	}
	pid_t pid[2];
	fork_both(ch, data, len, bs, api, random_chunks, pid);
	if (T->parent_close)
		T->parent_close(ch);
	int ok = wait_both(pid);
	T->destroy(ch);
	free(data);
	if (leftovers(getpid(), 1))
		ok = 0;
	return ok;
}

/* The sizes of the contract; the last slot is the transport's own largest
 * block when that is smaller than 1 MiB (a queue's 8 KiB, say). */
static int run_streams(int random_chunks)
{
	size_t sizes[] = {1, 10, 4095, 4096, 65536, 1 << 20, 0};
	size_t nsizes = sizeof(sizes) / sizeof(sizes[0]) - 1;
	struct ipc_params p0 = {.buf_size = 1};
	size_t top = ipc_transport_max_block(T, &p0, NULL, 0);
	int failed = 0;
	if (top < (1u << 20) && top != 4095 && top != 4096 && top > 10)
		sizes[nsizes++] = top;
	for (size_t i = 0; i < nsizes; i++) {
		size_t bs = sizes[i];
		struct ipc_params p = {.buf_size = bs};
		char why[512];
		size_t max = ipc_transport_max_block(T, &p, why, sizeof(why));
		if (bs > max) {
			/* The limit must be explained, not just enforced. */
			say("  BUF_SIZE %zu: above the largest block here (%zu): %s\n",
			    bs, max, why[0] ? why : "(no reason given!)");
			failed |= why[0] == '\0';
			continue;
		}
		size_t lens[] = {0, 1, bs - 1, bs, bs + 1, 3 * bs + 7, 1000003,
				 64u << 20};
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			size_t len = lens[j];
			if (j > 0 && len == 0)
				continue; /* B - 1 when B = 1 */
			if (random_chunks && j != 6)
				continue; /* random chunks: one long stream */
			if (O->quick && (len > (4u << 20) || len / bs > 20000))
				continue;
			if (len / bs > MAX_HANDOFFS) {
				say("  BUF_SIZE %zu, %zu bytes: left out (%zu "
				    "handoffs)\n", bs, len, len / bs);
				continue;
			}
			for (int api = 0; api < 2; api++) {
				if (api == API_SENDRECV && !T->send)
					continue;
				if (stream(bs, len, (enum api)api, random_chunks))
					continue;
				say("  FAILED: BUF_SIZE %zu, %zu bytes, %s%s\n", bs,
				    len, api ? "send/recv" : "acquire/release",
				    random_chunks ? ", random pieces" : "");
				failed = 1;
			}
		}
		say("  BUF_SIZE %zu: %s\n", bs, failed ? "FAILED" : "ok");
		if (failed)
			break; /* the first failure says enough */
	}
	return failed;
}

/* Create then destroy, no fork: nothing may remain; NULL is fine too. */
static int case_empty(void)
{
	struct ipc_params p = {.buf_size = 4096};
	struct ipc_channel *ch = NULL;
	struct ipc_err e = {{0}};
	int failed = 0;
	if (T->create(&p, &ch, &e) < 0 || !ch) {
		say("  create(BUF_SIZE 4096): %s\n", e.msg[0] ? e.msg
			: "returned no channel");
		failed = 1;
	}
	T->destroy(ch);
	T->destroy(NULL);
	return failed | leftovers(getpid(), 1);
}

/* Both children killed mid-stream: destroy still removes everything. */
static int case_crash(void)
{
	size_t len = 256u << 20, bs = 4096;
	struct ipc_params p = {.buf_size = bs};
	struct ipc_channel *ch = NULL;
	struct ipc_err e = {{0}};
	unsigned char *data = calloc(1, len);
	if (!data || T->create(&p, &ch, &e) < 0) {
		say("  create: %s\n", e.msg);
		free(data);
		return 1;
	}
	pid_t pid[2];
	int st[2];
	fork_both(ch, data, len, bs, API_BLOCKS, 0, pid);
	if (T->parent_close)
		T->parent_close(ch);
	usleep(50000);
	(void)proc_reap(pid, 2, 0, NULL, st, NULL); /* no time: kill both */
	T->destroy(ch);
	free(data);
	return leftovers(getpid(), 1);
}

static int case_streams(void) { return run_streams(0); }
static int case_chunks(void) { return run_streams(1); }

static int (*const case_fns[])(void) = {case_empty, case_streams, case_chunks,
					case_crash};

/* Run one case in its own process group, with a deadline. */
static int run_case(size_t k)
{
	struct snapshot before = {0}, after = {0};
	if (O->snapshot)
		snap_take(&before);
	struct ipc_err e = {{0}};
	pid_t pid;
	if (proc_fork(&pid, &e) < 0) {
		say("  %s\n", e.msg);
		return 1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		_exit(case_fns[k]() ? 1 : 0);
	}
	setpgid(pid, pid);
	int status, failed = 0;
	int rc = proc_reap(&pid, 1, case_limit(), NULL, &status, NULL);
	if (rc == -ETIMEDOUT) {
		say("  hung: no verdict after %.0f s; killed\n", case_limit());
		failed = 1;
	} else if (rc == -EINTR) {
		say("  interrupted\n");
		failed = 1;
	}
	kill(-pid, SIGKILL); /* a writer or reader left behind by the case */
	if (status != PROC_KILLED && WIFSIGNALED(status)) {
		say("  crashed: signal %d (%s)\n", WTERMSIG(status),
		    sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status))
						   : "?");
		failed = 1;
	} else if (status != PROC_KILLED && WEXITSTATUS(status)) {
		failed = 1;
	}
	usleep(20000); /* let killed grandchildren be reaped by init */
	if (leftovers(pid, 1))
		failed = 1;
	if (O->snapshot) {
		snap_take(&after);
		failed |= snap_new(&before, &after, pid);
		free(before.text);
		free(after.text);
	}
	return failed;
}

int contract_run(const struct ipc_transport *t, const char *only,
		 const struct contract_opts *o, struct contract_result *r)
{
	r->passed = r->failed = 0;
	T = t;
	O = o;
	int ran = 0;
	for (size_t k = 0; contract_cases[k] && !run_stop; k++) {
		if (only && strcmp(only, contract_cases[k]) != 0)
			continue;
		ran = 1;
		say("%s: %s\n", t->name, contract_cases[k]);
		int failed = run_case(k);
		say("%s %s\n", failed ? "FAIL" : "ok  ", contract_cases[k]);
		if (failed)
			r->failed++;
		else
			r->passed++;
	}
	if (!ran)
		return -EINVAL;
	return r->failed ? 1 : 0;
}
