/*
 * xfr.c - `ipclab xfr`: the classroom form of the exercise, two programs
 * started by hand (TLPI's pshm_xfr_writer / pshm_xfr_reader, over any
 * transport that works by name):
 *
 *   ipclab xfr writer -t TRANSPORT -b BUF_SIZE [--name NAME] < infile
 *   ipclab xfr reader -t TRANSPORT [--name NAME] > outfile
 *
 * The writer creates the channel (it alone knows BUF_SIZE), the reader
 * attaches to it and learns BUF_SIZE from the writer's record; either may
 * be started first, and each waits up to --timeout seconds for the other
 * (the rendezvous is in ipc/pipe_io.h).  Then the loop of the textbook:
 *
 *   writer: acquire a block, read() standard input straight into it until it
 *           is full or input ends, release it with the byte count; a count
 *           of 0 ends the stream
 *   reader: acquire the next block, write() it to standard output, release
 *
 * Where the transport has shared blocks (pshm-sem, pshm-pipe, sysv-shm) the
 * bytes go from read() into shared memory and from there to write(), with
 * no buffer in between; for pipes, sockets and queues the block is the
 * transport's private buffer and the system call in release/acquire is the
 * copy.  Both sides print what they moved, as the textbook programs do:
 *
 *   ipclab xfr writer: pshm-sem: sent 10000003 bytes in 1000001 blocks ...
 *
 * After the last block the writer waits until the reader is done, then
 * removes every object.  SIGINT/SIGTERM/SIGHUP remove the writer's objects
 * before the program dies; a run killed outright leaves them for the next
 * writer of the same name, which replaces them.
 */
#include "xfr.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "limit_hint.h"
#include "pipe_io.h"
#include "stdfds.h"
#include "transport.h"
#include "units.h"

struct xfr_opts {
	enum ipc_role role;
	const char *tname;
	const struct ipc_transport *t;
	uint64_t buf_size;  /* 0: not given */
	uint64_t nblocks;   /* 0: the transport's default */
	char name[IPC_RDV_NAME_MAX + 1];
	double timeout_s;
};

static const char *role_word(enum ipc_role r)
{
	return r == IPC_WRITER ? "writer" : "reader";
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipclab xfr writer -t TRANSPORT -b BUF_SIZE [options] < infile\n"
		"       ipclab xfr reader -t TRANSPORT [options] > outfile\n"
		"The exercise as two programs started separately, in either order:\n"
		"the writer copies its standard input, BUF_SIZE bytes per block, to\n"
		"the reader, which writes it to its standard output; then compare\n"
		"the files (cmp infile outfile).\n\n"
		"  -t, --transport T  a transport that works by name (`ipclab list`:\n"
		"                     capability \"named\"); the same on both sides\n"
		"  -b, --buf-size N   writer only: bytes per block (k = 1024); the\n"
		"                     reader learns BUF_SIZE from the writer\n"
		"  -n, --name NAME    where the two meet (default xfr-<uid>): the\n"
		"                     directory /tmp/ipclab-NAME, and /dev/shm/ipclab-NAME\n"
		"                     or the message queue /ipclab-NAME; letters, digits,\n"
		"                     '.', '_', '-'\n"
		"      --timeout SEC  how long to wait for the other program (default 30)\n"
		"      --blocks N     writer only: blocks in the ring (pshm-pipe) or\n"
		"                     queue depth (posix-mq)\n"
		"  -h, --help         this text\n\n"
		"Each side prints to stderr what it moved (\"sent N bytes in K\n"
		"blocks\").  The writer removes every object once the reader is\n"
		"done; a killed run is cleaned up by the next writer of that name.\n"
		"Exit status: 0 ok, 1 the transfer failed, 2 bad usage.\n");
}

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
	va_list ap;
	char msg[1024], shown[1024];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ipc_escape(msg, shown, sizeof(shown)); /* a value with a newline */
	fprintf(stderr, "ipclab: xfr: %s\n", shown);
	return 2;
}

/* 0, or the exit status (2) after printing why. */
static int parse(int argc, char **argv, struct xfr_opts *o)
{
	static const struct option longopts[] = {
		{"transport", required_argument, NULL, 't'},
		{"buf-size", required_argument, NULL, 'b'},
		{"name", required_argument, NULL, 'n'},
		{"timeout", required_argument, NULL, 'T'},
		{"blocks", required_argument, NULL, 'B'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char why[256];
	memset(o, 0, sizeof(*o));
	o->timeout_s = IPC_RDV_DEFAULT_TIMEOUT_MS / 1000.0;
	snprintf(o->name, sizeof(o->name), "xfr-%ld", (long)geteuid());
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 1; /* not an error: main returns 0 (see xfr_main) */
	}
	if (strcmp(argv[1], "writer") == 0)
		o->role = IPC_WRITER;
	else if (strcmp(argv[1], "reader") == 0)
		o->role = IPC_READER;
	else
		return bad_usage("'%s': say `writer` or `reader` first (ipclab "
				 "xfr --help)", argv[1]);

	int c;
	const char *given[128] = {0}; /* each option once, not last-wins */
	optind = 0; /* glibc: start afresh, inner state too */
	opterr = 0;
	/* argv + 1: getopt skips its argv[0], here the role. */
	while ((c = getopt_long(argc - 1, argv + 1, "+:t:b:n:h", longopts,
				NULL)) != -1) {
		if (c > 0 && c < 128 && c != 'h' && c != ':' && c != '?') {
			const struct option *lo = longopts;
			while (lo->name && lo->val != c)
				lo++;
			if (given[c])
				return bad_usage("--%s given twice (%s, then %s): "
						 "give it once", lo->name,
						 given[c], optarg);
			given[c] = optarg;
		}
		switch (c) {
		case 't':
			o->tname = optarg;
			break;
		case 'b':
			if (units_parse_size(optarg, &o->buf_size, why,
					     sizeof(why)) < 0)
				return bad_usage("-b %s: %s", optarg, why);
			if (o->buf_size == 0)
				return bad_usage("-b %s: a block holds at least "
						 "one byte", optarg);
			break;
		case 'n':
			if (ipc_rdv_check_name(optarg, why, sizeof(why)) < 0)
				return bad_usage("%s", why);
			snprintf(o->name, sizeof(o->name), "%s", optarg);
			break;
		case 'T':
			if (units_parse_seconds(optarg, &o->timeout_s, why,
						sizeof(why)) < 0)
				return bad_usage("--timeout %s: %s", optarg, why);
			if (o->timeout_s > 86400 * 365)
				return bad_usage("--timeout %s: at most a year",
						 optarg);
			break;
		case 'B':
			if (units_parse_uint(optarg, 1, 1u << 20, &o->nblocks,
					     why, sizeof(why)) < 0)
				return bad_usage("--blocks %s: %s", optarg, why);
			break;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			return bad_usage("%s needs a value (ipclab xfr --help)",
					 argv[optind]);
		default:
			return bad_usage("unknown option '%s' (ipclab xfr "
					 "--help)", argv[optind]);
		}
	}
	if (optind + 1 < argc)
		return bad_usage("unexpected argument '%s': the data comes from "
				 "standard input and goes to standard output",
				 argv[optind + 1]);
	if (!o->tname)
		return bad_usage("%s: -t TRANSPORT is required (ipclab list)",
				 role_word(o->role));
	o->t = ipc_transport_find(o->tname);
	if (!o->t) {
		fprintf(stderr, "ipclab: xfr: -t %s: unknown transport; these "
			"exist (the \"named\" ones work here):\n", o->tname);
		ipc_transport_list(stderr, 0);
		return 2;
	}
	if (o->t->unavailable)
		return bad_usage("-t %s: not in this build: %s", o->tname,
				 o->t->unavailable);
	if (!(o->t->caps & IPC_CAP_NAMED) || !o->t->open) {
		if (strcmp(o->t->name, "pipe") == 0)
			return bad_usage("-t pipe: an anonymous pipe has no name "
					 "another program could open (only a "
					 "forked child inherits it); use -t "
					 "fifo, the named pipe");
		return bad_usage("-t %s: works between forked processes only, "
				 "not by name (see the \"named\" capability in "
				 "`ipclab list`)", o->t->name);
	}
	if (o->role == IPC_WRITER && o->buf_size == 0)
		return bad_usage("writer: -b BUF_SIZE is required (the reader "
				 "learns it from the writer)");
	if (o->role == IPC_READER && o->buf_size)
		return bad_usage("reader: no -b: the reader learns BUF_SIZE "
				 "from the writer");
	if (o->role == IPC_READER && o->nblocks)
		return bad_usage("reader: no --blocks: the writer sets up the "
				 "channel");
	return 0;
}

/* The writer's parameters against this machine's limits: 0 or 2. */
static int check_limits(const struct xfr_opts *o, const struct ipc_params *p)
{
	char why[512];
	size_t max = ipc_transport_max_block(o->t, p, why, sizeof(why));
	if (o->buf_size > max)
		return bad_usage("-b %llu: above the largest block %s can carry "
				 "here, %zu bytes%s%s",
				 (unsigned long long)o->buf_size, o->t->name, max,
				 why[0] ? ": " : "", why);
	why[0] = '\0';
	if (o->t->validate && o->t->validate(p, why, sizeof(why)) < 0)
		return bad_usage("%s: %s", o->t->name, why);
	return 0;
}

static void on_signal(int sig)
{
	/* The writer's objects go now; the reader has nothing to remove (its
	 * writer cleans up, or the next one).  Then die of the signal, so the
	 * shell sees what happened. */
	ipc_rdv_signal_cleanup();
	(void)raise(sig); /* SA_RESETHAND: the default action now */
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	/* A reader whose stdout reader quits gets EPIPE, and says so. */
	(void)signal(SIGPIPE, SIG_IGN);
}

static double now_s(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const struct xfr_opts *o, uint64_t bytes, uint64_t blocks,
		   size_t cap, double secs)
{
	char rate[32] = "-";
	if (secs > 0)
		units_format_rate((double)bytes / secs, rate, sizeof(rate));
	fprintf(stderr,
		"ipclab xfr %s: %s: %s %llu bytes in %llu blocks "
		"(BUF_SIZE %zu) in %.3f s, %s\n",
		role_word(o->role), o->t->name,
		o->role == IPC_WRITER ? "sent" : "received",
		(unsigned long long)bytes, (unsigned long long)blocks, cap,
		secs, rate);
}

static int failed(const struct xfr_opts *o, const char *what,
		  const struct ipc_err *e)
{
	char msg[sizeof(e->msg) + 256];
	snprintf(msg, sizeof(msg), "%s", e->msg);
	limit_hint_add(msg, sizeof(msg)); /* the same hint as `run` gives */
	fprintf(stderr, "ipclab: xfr %s: %s: %s%s%s\n", role_word(o->role),
		o->t->name, what, what[0] ? ": " : "", msg);
	return 1;
}

static int run_writer(const struct xfr_opts *o)
{
	struct ipc_params p = {
		.buf_size = (size_t)o->buf_size,
		.nblocks = (unsigned)o->nblocks,
		.name = o->name,
		.timeout_ms = (int)(o->timeout_s * 1000 + 0.5),
	};
	int rc = check_limits(o, &p);
	if (rc)
		return rc;
	install_signals();

	struct ipc_err e = {{0}};
	struct ipc_channel *ch = NULL;
	const struct ipc_transport *t = o->t;
	uint64_t bytes = 0, blocks = 0;
	size_t cap = p.buf_size;
	int status = 0;
	double t0 = 0;
	if (t->create(&p, &ch, &e) < 0)
		return failed(o, "", &e);
	if (t->attach(ch, IPC_WRITER, &e) < 0) {
		status = failed(o, "", &e);
		goto out_destroy;
	}
	t0 = now_s();
	for (;;) {
		struct ipc_block b = {0};
		if (t->acquire(ch, IPC_WRITER, &b, &e) < 0) {
			status = failed(o, "", &e);
			break;
		}
		cap = b.cap;
		/* Straight into the block: read() until it is full or input
		 * ends (ipc_read_full is short only at end of file). */
		ssize_t n = ipc_read_full(STDIN_FILENO, b.data, b.cap);
		if (n < 0) {
			(void)ipc_errf(&e, (int)-n, "read(standard input)");
			status = failed(o, "", &e);
			break; /* no end of stream: the reader must not take
				* what came so far for the whole file */
		}
		b.len = (size_t)n;
		if (t->release(ch, IPC_WRITER, &b, &e) < 0) {
			status = failed(o, "", &e);
			break;
		}
		if (n == 0)
			break; /* that release was the end of stream */
		bytes += (uint64_t)n;
		blocks++;
		if ((size_t)n < b.cap) {
			/* Input ended inside the block: end the stream now
			 * rather than read() again (a terminal would wait for
			 * more after ^D). */
			b = (struct ipc_block){0};
			rc = t->acquire(ch, IPC_WRITER, &b, &e);
			b.len = 0;
			if (rc == 0)
				rc = t->release(ch, IPC_WRITER, &b, &e);
			if (rc < 0)
				status = failed(o, "", &e);
			break;
		}
	}
	/* After end of stream this waits for the reader to be done. */
	t->detach(ch, IPC_WRITER);
out_destroy:
	t->destroy(ch);
	if (status == 0)
		report(o, bytes, blocks, cap, now_s() - t0);
	return status;
}

static int run_reader(const struct xfr_opts *o)
{
	struct ipc_params p = {
		.name = o->name,
		.timeout_ms = (int)(o->timeout_s * 1000 + 0.5),
	};
	install_signals();

	struct ipc_err e = {{0}};
	struct ipc_channel *ch = NULL;
	const struct ipc_transport *t = o->t;
	uint64_t bytes = 0, blocks = 0;
	size_t cap = 0;
	int status = 0;
	if (t->open(&p, IPC_READER, &ch, &e) < 0)
		return failed(o, "", &e);
	double t0 = now_s();
	for (;;) {
		struct ipc_block b = {0};
		if (t->acquire(ch, IPC_READER, &b, &e) < 0) {
			status = failed(o, "", &e);
			break;
		}
		cap = b.cap;
		if (b.len > 0) {
			int rc = ipc_write_full(STDOUT_FILENO, b.data, b.len);
			if (rc < 0) {
				(void)ipc_errf(&e, -rc, "write(standard output)");
				status = failed(o, "", &e);
				break;
			}
			bytes += b.len;
			blocks++;
		}
		/* Give the block back, the end-of-stream one too: that turn
		 * tells the writer the reader has seen the end. */
		if (t->release(ch, IPC_READER, &b, &e) < 0) {
			status = failed(o, "", &e);
			break;
		}
		if (b.len == 0)
			break;
	}
	t->detach(ch, IPC_READER);
	t->destroy(ch);
	if (status == 0)
		report(o, bytes, blocks, cap, now_s() - t0);
	return status;
}

int xfr_main(int argc, char **argv)
{
	struct xfr_opts o;
	int rc = parse(argc, argv, &o);
	if (rc == 1)
		return 0; /* --help */
	if (rc)
		return rc;
	/* The stream is standard input (writer) or output (reader); closed,
	 * it would be /dev/null (main) and the transfer a silent no-op. */
	if (o.role == IPC_WRITER && stdfds_was_closed(0))
		return bad_usage("writer: standard input is closed: the writer "
				 "sends it (< FILE)");
	if (o.role == IPC_READER && stdfds_was_closed(1))
		return bad_usage("reader: standard output is closed: the reader "
				 "writes the stream there (> FILE)");
	return o.role == IPC_WRITER ? run_writer(&o) : run_reader(&o);
}
