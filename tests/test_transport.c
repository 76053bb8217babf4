/*
 * test_transport.c - the contract every transport must keep, run once per
 * transport by ctest (transport.<name>; the names come from the ipc/ sources).
 *
 *   test_transport NAME        every case for one transport
 *   test_transport NAME CASE   one case (streams, chunks, crash, empty)
 *   test_transport --registry a,b,c   the registry lists exactly these
 *
 * Streams of random bytes of length 0, 1, B-1, B, B+1, non-multiples and
 * 64 MiB, for BUF_SIZE B in 1, 10, 4095, 4096, 65536 and 1 MiB, go from a
 * forked writer to a forked reader through the block API (acquire/release)
 * and, where the transport has them, through send/recv; the reader compares
 * every byte.  A size above what the transport can carry on this machine
 * must be reported by max_block with a reason instead.  After every case no
 * object of this process is left in /dev/shm, /dev/mqueue, the System V
 * tables or /tmp.  Exit 77 when the transport is unavailable in this build.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "transport.h"

/* Cases with more handoffs than this are left out (minutes at B = 1). */
#define MAX_HANDOFFS 300000ull
#define CASE_TIMEOUT_S 120

static const struct ipc_transport *T;

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

/* ---- leak checks: objects of this process only ---- */

static int dir_has_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	int found = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 ||
		    (strncmp(e->d_name, "sem.", 4) == 0 &&
		     strncmp(e->d_name + 4, prefix, strlen(prefix)) == 0)) {
			fprintf(stderr, "leak: %s/%s\n", dir, e->d_name);
			found = 1;
		}
	closedir(d);
	return found;
}

static int sysv_leaks(const char *file)
{
	FILE *f = fopen(file, "r");
	char line[512];
	int found = 0;
	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f)) { /* the header */
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		long key;
		pid_t pid;
		if (sscanf(line, "%ld", &key) == 1 &&
		    ipc_sysv_key_is_ours((key_t)key, &pid) &&
		    pid == (pid_t)(getpid() & 0x3fffff)) {
			fprintf(stderr, "leak: %s: %s", file, line);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* /dev/mqueue may not be mounted: probe every name this process made. */
static int mq_leaks(void)
{
	char next[64];
	int found = 0;
	ipc_unique_name(next, sizeof(next));
	unsigned n = (unsigned)strtoul(strrchr(next, '-') + 1, NULL, 10);
	for (unsigned k = 0; k < n; k++) {
		char name[64];
		snprintf(name, sizeof(name), "/" IPC_NAME_PREFIX "%ld-%u",
			 (long)getpid(), k);
		mqd_t q = mq_open(name, O_RDONLY);
		if (q != (mqd_t)-1) {
			fprintf(stderr, "leak: message queue %s\n", name);
			mq_close(q);
			found = 1;
		}
	}
	return found;
}

static int leaks(void)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), IPC_NAME_PREFIX "%ld-", (long)getpid());
	int n = dir_has_prefix("/dev/shm", prefix);
	n |= dir_has_prefix("/dev/mqueue", prefix);
	n |= dir_has_prefix("/tmp", prefix);
	n |= sysv_leaks("/proc/sysvipc/shm");
	n |= sysv_leaks("/proc/sysvipc/sem");
	n |= sysv_leaks("/proc/sysvipc/msg");
	n |= mq_leaks();
	return n;
}

/* ---- one stream ---- */

enum api { API_BLOCKS, API_SENDRECV };

static int writer(struct ipc_channel *ch, const unsigned char *data,
		  size_t len, size_t bs, enum api api, int random_chunks)
{
	struct ipc_err e = {{0}};
	size_t pos = 0;
	if (T->attach(ch, IPC_WRITER, &e) < 0) {
		fprintf(stderr, "writer attach: %s\n", e.msg);
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
			if (rc == 0 && b.cap < n) {
				fprintf(stderr, "writer: block of %zu < %zu\n",
					b.cap, n);
				rc = -1;
			}
			if (rc == 0) {
				memcpy(b.data, data + pos, n);
				b.len = n;
				rc = T->release(ch, IPC_WRITER, &b, &e);
			}
		}
		if (rc < 0) {
			fprintf(stderr, "writer at %zu: %s\n", pos, e.msg);
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
	if (!got || T->attach(ch, IPC_READER, &e) < 0) {
		fprintf(stderr, "reader attach: %s\n", e.msg);
		free(got);
		return 1;
	}
	for (;;) {
		size_t n;
		struct ipc_block b = {0};
		if (api == API_SENDRECV) {
			rc = T->recv(ch, got + pos, bs, &n, &e);
		} else {
			rc = T->acquire(ch, IPC_READER, &b, &e);
			n = b.len;
			if (rc == 0 && n > bs) {
				fprintf(stderr, "reader: block of %zu > BUF_SIZE\n", n);
				rc = -1;
			}
			if (rc == 0 && pos + n <= len)
				memcpy(got + pos, b.data, n);
		}
		if (rc < 0) {
			fprintf(stderr, "reader at %zu: %s\n", pos, e.msg);
			break;
		}
		pos += n;
		if (api == API_BLOCKS && T->release(ch, IPC_READER, &b, &e) < 0) {
			fprintf(stderr, "reader release: %s\n", e.msg);
			rc = -1;
			break;
		}
		if (n == 0 || pos > len)
			break;
	}
	if (rc == 0 && pos != len) {
		fprintf(stderr, "reader: got %zu bytes, want %zu\n", pos, len);
		rc = -1;
	}
	if (rc == 0 && memcmp(got, want, len) != 0) {
		size_t i = 0;
		while (got[i] == want[i])
			i++;
		fprintf(stderr, "reader: byte %zu differs\n", i);
		rc = -1;
	}
	T->detach(ch, IPC_READER);
	free(got);
	return rc < 0;
}

/* Wait for both children, killing them after the deadline. */
static int wait_both(pid_t w, pid_t r)
{
	pid_t pids[2] = {w, r};
	int status[2] = {-1, -1}, left = 2, ok = 1;
	time_t deadline = time(NULL) + CASE_TIMEOUT_S;
	while (left) {
		for (int i = 0; i < 2; i++)
			if (status[i] == -1 &&
			    waitpid(pids[i], &status[i], WNOHANG) == pids[i])
				left--;
		if (left && time(NULL) > deadline) {
			fprintf(stderr, "timeout: killing the children\n");
			for (int i = 0; i < 2; i++)
				if (status[i] == -1) {
					kill(pids[i], SIGKILL);
					waitpid(pids[i], &status[i], 0);
				}
			return 0;
		}
		if (left)
			usleep(1000);
	}
	for (int i = 0; i < 2; i++)
		if (!WIFEXITED(status[i]) || WEXITSTATUS(status[i]) != 0) {
			fprintf(stderr, "%s failed (status 0x%x)\n",
				i ? "reader" : "writer", status[i]);
			ok = 0;
		}
	return ok;
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
		fprintf(stderr, "create(B=%zu): %s\n", bs, e.msg);
		free(data);
		return 0;
	}
	fflush(NULL);
	pid_t w = fork();
	if (w == 0)
		_exit(writer(ch, data, len, bs, api, random_chunks));
	pid_t r = fork();
	if (r == 0)
		_exit(reader(ch, data, len, bs, api));
	if (T->parent_close)
		T->parent_close(ch);
	int ok = w > 0 && r > 0 && wait_both(w, r);
	T->destroy(ch);
	free(data);
	if (leaks())
		ok = 0;
	return ok;
}

/* The sizes of the issue; the last slot is the transport's own largest
 * block when that is smaller than 1 MiB (a queue's 8 KiB, say). */
static size_t buf_sizes[] = {1, 10, 4095, 4096, 65536, 1 << 20, 0};

static void run_streams(int random_chunks)
{
	struct ipc_params p0 = {.buf_size = 1};
	size_t top = ipc_transport_max_block(T, &p0, NULL, 0);
	size_t nsizes = sizeof(buf_sizes) / sizeof(buf_sizes[0]) - 1;
	if (top < (1u << 20) && top != 4095 && top != 4096 && top > 10)
		buf_sizes[nsizes++] = top;
	for (size_t i = 0; i < nsizes; i++) {
		size_t bs = buf_sizes[i];
		struct ipc_params p = {.buf_size = bs};
		char why[512];
		size_t max = ipc_transport_max_block(T, &p, why, sizeof(why));
		if (bs > max) {
			/* The limit must be explained, not just enforced. */
			printf("  B=%zu: above the largest block here (%zu): %s\n",
			       bs, max, why);
			CHECK(why[0] != '\0');
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
			if (len / bs > MAX_HANDOFFS) {
				printf("  B=%zu len=%zu: left out (%zu handoffs)\n",
				       bs, len, len / bs);
				continue;
			}
			for (int api = 0; api < 2; api++) {
				if (api == API_SENDRECV && !T->send)
					continue;
				int ok = stream(bs, len, (enum api)api, random_chunks);
				if (!ok)
					fprintf(stderr, "FAILED: B=%zu len=%zu %s%s\n",
						bs, len, api ? "send/recv" : "blocks",
						random_chunks ? " random chunks" : "");
				CHECK(ok);
			}
		}
		printf("  B=%zu: streams ok\n", bs);
		fflush(stdout);
	}
}

static void test_streams(void) { run_streams(0); }
static void test_chunks(void) { run_streams(1); }

/* Create then destroy, no fork: nothing may remain; NULL is fine too. */
static void test_empty(void)
{
	struct ipc_params p = {.buf_size = 4096};
	struct ipc_channel *ch = NULL;
	struct ipc_err e = {{0}};
	CHECK(T->create(&p, &ch, &e) == 0);
	CHECK(ch != NULL);
	T->destroy(ch);
	T->destroy(NULL);
	CHECK(!leaks());
}

/* Both children killed mid-stream: destroy still removes everything. */
static void test_crash(void)
{
	size_t len = 256u << 20, bs = 4096;
	struct ipc_params p = {.buf_size = bs};
	struct ipc_channel *ch = NULL;
	struct ipc_err e = {{0}};
	unsigned char *data = calloc(1, len);
	CHECK(data != NULL);
	CHECK(T->create(&p, &ch, &e) == 0);
	if (!ch || !data) {
		free(data);
		return;
	}
	fflush(NULL);
	pid_t w = fork();
	if (w == 0)
		_exit(writer(ch, data, len, bs, API_BLOCKS, 0));
	pid_t r = fork();
	if (r == 0)
		_exit(reader(ch, data, len, bs, API_BLOCKS));
	if (T->parent_close)
		T->parent_close(ch);
	usleep(50000);
	kill(w, SIGKILL);
	kill(r, SIGKILL);
	waitpid(w, NULL, 0);
	waitpid(r, NULL, 0);
	T->destroy(ch);
	free(data);
	CHECK(!leaks());
}

static int check_registry(const char *names)
{
	char *copy = strdup(names), *save = NULL;
	size_t n = 0, listed = 0;
	int ok = 1;
	for (char *it = strtok_r(copy, ",", &save); it;
	     it = strtok_r(NULL, ",", &save), n++)
		if (!ipc_transport_find(it)) {
			fprintf(stderr, "ipc/ defines %s, the registry lacks it\n", it);
			ok = 0;
		}
	for (const struct ipc_transport *const *t = ipc_transports(); *t; t++)
		listed++;
	if (listed != n) {
		fprintf(stderr, "the registry lists %zu transports, ipc/ defines "
			"%zu\n", listed, n);
		ok = 0;
	}
	free(copy);
	printf("%d passed, %d failed\n", ok, !ok);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		{"empty", test_empty},
		{"streams", test_streams},
		{"chunks", test_chunks},
		{"crash", test_crash},
		{NULL, NULL},
	};
	if (argc < 2) {
		fprintf(stderr, "usage: test_transport NAME [CASE] | --registry LIST\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[1], "--registry") == 0)
		return check_registry(argc > 2 ? argv[2] : "");
	T = ipc_transport_find(argv[1]);
	if (!T) {
		fprintf(stderr, "unknown transport %s\n", argv[1]);
		return 1;
	}
	if (T->unavailable) {
		printf("%s unavailable: %s\n", T->name, T->unavailable);
		return 77;
	}
	return check_main(cases, argc - 1, argv + 1);
}
