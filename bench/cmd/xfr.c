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
 * (the rendezvous is in ipc/rendezvous.h).  Then the loop of the textbook:
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
 *   ipclab: xfr writer: pshm-sem: sent 10000003 bytes in 1000001 blocks ...
 *
 * then its handoffs, time and context switches per handoff, the CPUs it ran
 * on and one sentence on what they mean (xfr_report.h).  Placement and
 * memory options are those of `ipclab run`: --pin (the same spec on both
 * sides; the role picks its CPU) or --cpu N per side, --populate, and for
 * the writer, which makes the channel, --hugepages, --pipe-size, --sock-buf.
 *
 * After the last block the writer waits until the reader is done, then
 * removes every object.  SIGINT/SIGTERM/SIGHUP remove the writer's objects
 * before the program dies; a run killed outright leaves them for the next
 * writer of the same name, which replaces them.
 *
 * What it moved, and errors, go to stderr (standard output carries the
 * data).  Exit status: 0 ok, 1 the transfer failed (the reason printed), 2
 * bad usage.
 */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "limit_hint.h"
#include "rendezvous.h"
#include "stdfds.h"
#include "region.h"
#include "run.h"
#include "say.h"
#include "transport.h"
#include "units.h"
#include "xfr_report.h"

struct xfr_opts {
	enum ipc_role role;
	const char *tname;
	const struct ipc_transport *t;
	uint64_t buf_size;  /* 0: not given */
	uint64_t nblocks;   /* 0: the transport's default */
	char name[IPC_RDV_NAME_MAX + 1];
	double timeout_s;
	/* Placement: --pin (the same spec on both sides, the role picks its
	 * CPU) or --cpu N (this side's CPU); -1 / PIN_NONE: not given. */
	enum run_pin pin;
	int pin_w, pin_r, cpu;
	const char *pin_arg;
	/* Memory and kernel buffers (0 / -1: the default). */
	int populate;
	int hugepages; /* enum region_hugepages, -1: not given */
	uint64_t pipe_size, sock_buf;
};

/* The named transports whose writer honours --pipe-size (F_SETPIPE_SZ) and
 * --sock-buf (SO_SNDBUF): see their create() in ipc/. */
static const char *const pipe_sized[] = {"fifo", NULL};
static const char *const sock_sized[] = {"unix-stream", "unix-seqpacket", NULL};

static int in_list(const char *const *l, const char *name)
{
	for (; *l; l++)
		if (strcmp(*l, name) == 0)
			return 1;
	return 0;
}

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
		"      --timeout SEC  how long to wait for the other program (default %g)\n"
		"      --blocks N     writer only: blocks in the ring (pshm-pipe,\n"
		"                     shm-eventfd, memfd; default 8) or queue depth\n"
		"                     (posix-mq; default: the system's, at most 10)\n\n"
		"Placement (each program pins itself before it opens the channel):\n"
		"      --pin PIN      same | split | W,R: give BOTH programs the same\n"
		"                     PIN; the writer takes CPU W, the reader CPU R\n"
		"                     (same: both on the first CPU allowed, split:\n"
		"                     the writer on the first, the reader on the second)\n"
		"      --cpu N        or pin this program alone to CPU N\n"
		"                     Without either the scheduler places them, and\n"
		"                     the time per handoff changes with its choice.\n"
		"Memory and kernel buffers (as in `ipclab run`):\n"
		"      --populate on|off  pre-fault the shared region (region\n"
		"                     transports; each side for its own mapping)\n"
		"      --hugepages off|on|try|thp  writer only, region transports:\n"
		"                     the backing of the shared region\n"
		"      --pipe-size BYTES  writer only, fifo: pipe capacity\n"
		"      --sock-buf BYTES   writer only, unix-stream / unix-seqpacket:\n"
		"                     the writer's SO_SNDBUF\n"
		"  -h, --help         this text\n\n"
		"Each side prints to stderr what it moved (\"sent N bytes in K\n"
		"blocks\"), then its handoffs, the time per handoff, the voluntary\n"
		"and involuntary context switches per handoff, the CPUs it ran on,\n"
		"and one sentence on what they mean.  The writer removes every\n"
		"object once the reader is done; a killed run is cleaned up by\n"
		"the next writer of that name.\n"
		"Exit status: 0 ok, 1 the transfer failed, 2 bad usage.\n",
		IPC_RDV_DEFAULT_TIMEOUT_MS / 1000.0);
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
	say_err("xfr", "%s", shown);
	return 2;
}

/* --pin none|same|split|W,R|W:R into o; 0 or -1. */
static int parse_pin(const char *s, struct xfr_opts *o)
{
	uint64_t w, r;
	char *comma = strpbrk(s, ",:"), why[128];
	o->pin_arg = s;
	if (strcmp(s, "none") == 0)
		o->pin = PIN_NONE;
	else if (strcmp(s, "same") == 0)
		o->pin = PIN_SAME;
	else if (strcmp(s, "split") == 0)
		o->pin = PIN_SPLIT;
	else if (comma && comma[1]) {
		char first[32];
		size_t n = (size_t)(comma - s);
		if (n == 0 || n >= sizeof(first))
			return -1;
		memcpy(first, s, n);
		first[n] = '\0';
		if (units_parse_uint(first, 0, CPU_SETSIZE - 1, &w, why,
				     sizeof(why)) < 0 ||
		    units_parse_uint(comma + 1, 0, CPU_SETSIZE - 1, &r, why,
				     sizeof(why)) < 0)
			return -1;
		o->pin = PIN_CPUS;
		o->pin_w = (int)w;
		o->pin_r = (int)r;
	} else {
		return -1;
	}
	return 0;
}

/* The placement and memory options against the role and the transport: 0,
 * or 2 after printing which option does not apply and why. */
static int check_placement_memory(const struct xfr_opts *o)
{
	const char *t = o->t->name;
	int region = (o->t->caps & IPC_CAP_REGION) != 0;
	if (o->pin_arg && o->cpu >= 0)
		return bad_usage("--pin %s and --cpu %d: give one of them (--pin "
				 "the same on both sides, or --cpu per side)",
				 o->pin_arg, o->cpu);
	if (o->populate >= 0 && !region)
		return bad_usage("--populate: -t %s has no shared region to "
				 "pre-fault (it applies to the transports with "
				 "capability \"region\" in `ipclab list`)", t);
	if (o->hugepages >= 0 && o->role == IPC_READER)
		return bad_usage("reader: no --hugepages: the writer makes the "
				 "region and chooses its pages");
	if (o->hugepages >= 0 && !region)
		return bad_usage("--hugepages: -t %s has no shared region (it "
				 "applies to the transports with capability "
				 "\"region\" in `ipclab list`)", t);
	if ((o->pipe_size || o->sock_buf) && o->role == IPC_READER)
		return bad_usage("reader: no --%s: the writer sets up the "
				 "channel", o->pipe_size ? "pipe-size"
				 : "sock-buf");
	if (o->pipe_size && !in_list(pipe_sized, t))
		return bad_usage("--pipe-size: -t %s has no pipe to size (it "
				 "applies to -t fifo%s)", t,
				 in_list(sock_sized, t)
				 ? "; for a socket use --sock-buf" : "");
	if (o->sock_buf && !in_list(sock_sized, t))
		return bad_usage("--sock-buf: -t %s has no socket buffer (it "
				 "applies to -t unix-stream and unix-seqpacket%s)",
				 t, in_list(pipe_sized, t)
				 ? "; for a pipe use --pipe-size" : "");
	return 0;
}

/* Pin this program as --pin / --cpu say, before the channel is touched:
 * 0 (pinned or nothing asked), or 2 after printing why not. */
static int place(const struct xfr_opts *o, int *pinned)
{
	struct run_config c;
	char why[256];
	int cpu = o->cpu;
	*pinned = 0;
	if (o->pin != PIN_NONE) {
		memset(&c, 0, sizeof(c));
		c.pin = o->pin;
		c.cpu_writer = o->pin_w;
		c.cpu_reader = o->pin_r;
		if (run_resolve_pin(&c, why, sizeof(why)) < 0)
			return bad_usage("%s", why);
		cpu = o->role == IPC_WRITER ? c.cpu_writer : c.cpu_reader;
	}
	if (cpu < 0)
		return 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return bad_usage("--%s: CPU %d: sched_setaffinity: %s (`nproc` "
				 "and taskset -p $$ show the CPUs allowed)",
				 o->pin_arg ? "pin" : "cpu", cpu, strerror(errno));
	*pinned = 1;
	return 0;
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
		{"pin", required_argument, NULL, 'P'},
		{"cpu", required_argument, NULL, 'C'},
		{"populate", required_argument, NULL, 'F'},
		{"hugepages", required_argument, NULL, 'H'},
		{"pipe-size", required_argument, NULL, 'S'},
		{"sock-buf", required_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char why[256];
	memset(o, 0, sizeof(*o));
	o->timeout_s = IPC_RDV_DEFAULT_TIMEOUT_MS / 1000.0;
	snprintf(o->name, sizeof(o->name), "xfr-%ld", (long)geteuid());
	o->cpu = -1;
	o->populate = -1;
	o->hugepages = -1;
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
		case 'P':
			if (parse_pin(optarg, o) < 0)
				return bad_usage("--pin %s: expected same, split or "
						 "two CPU numbers W,R (e.g. 0,1), "
						 "the same on both sides", optarg);
			break;
		case 'C': {
			uint64_t n;
			if (units_parse_uint(optarg, 0, CPU_SETSIZE - 1, &n, why,
					     sizeof(why)) < 0)
				return bad_usage("--cpu %s: %s", optarg, why);
			o->cpu = (int)n;
			break;
		}
		case 'F':
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				return bad_usage("--populate %s: expected on or "
						 "off", optarg);
			o->populate = strcmp(optarg, "on") == 0;
			break;
		case 'H': {
			enum region_hugepages hp;
			if (region_hugepages_parse(optarg, &hp) < 0)
				return bad_usage("--hugepages %s: expected off, "
						 "on, try or thp", optarg);
			o->hugepages = (int)hp;
			break;
		}
		case 'S':
		case 'K': {
			uint64_t *v = c == 'S' ? &o->pipe_size : &o->sock_buf;
			const char *opt = c == 'S' ? "--pipe-size" : "--sock-buf";
			if (units_parse_size(optarg, v, why, sizeof(why)) < 0)
				return bad_usage("%s %s: %s", opt, optarg, why);
			if (*v == 0 || *v > (1ull << 31))
				return bad_usage("%s %s: must be from 1 byte to "
						 "2 GiB", opt, optarg);
			break;
		}
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
		if (o->t->caps & IPC_CAP_ANONYMOUS)
			return bad_usage("-t %s: an anonymous pipe has no name "
					 "another program could open (only a "
					 "forked child inherits it); use -t "
					 "fifo, the named pipe", o->t->name);
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
	return check_placement_memory(o);
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

static void report(const struct xfr_opts *o, uint64_t bytes, uint64_t blocks,
		   size_t cap, const struct xfr_meter *m)
{
	double secs = xfr_meter_secs(m);
	char rate[32] = "-";
	if (secs > 0)
		units_format_rate((double)bytes / secs, rate, sizeof(rate));
	fprintf(stderr,
		SAY_PREFIX("xfr %s") "%s: %s %llu bytes in %llu blocks "
		"(BUF_SIZE %zu) in %.3f s, %s\n",
		role_word(o->role), o->t->name,
		o->role == IPC_WRITER ? "sent" : "received",
		(unsigned long long)bytes, (unsigned long long)blocks, cap,
		secs, rate);
	xfr_meter_report(m, o->role, blocks, secs);
}

static int failed(const struct xfr_opts *o, const char *what,
		  const struct ipc_err *e)
{
	char msg[sizeof(e->msg) + 256];
	snprintf(msg, sizeof(msg), "%s", e->msg);
	limit_hint_add(msg, sizeof(msg)); /* the same hint as `run` gives */
	fprintf(stderr, SAY_PREFIX("xfr %s") "%s: %s%s%s\n",
		role_word(o->role), o->t->name, what, what[0] ? ": " : "", msg);
	return 1;
}

/* The memory and buffer options into the parameters of this side. */
static void set_params(const struct xfr_opts *o, struct ipc_params *p)
{
	p->name = o->name;
	p->timeout_ms = (int)(o->timeout_s * 1000 + 0.5);
	p->region.populate = o->populate > 0;
	if (o->hugepages >= 0)
		p->region.hugepages = (enum region_hugepages)o->hugepages;
	p->kbuf_size = (size_t)(o->pipe_size ? o->pipe_size : o->sock_buf);
}

static int run_writer(const struct xfr_opts *o)
{
	struct ipc_params p = {
		.buf_size = (size_t)o->buf_size,
		.nblocks = (unsigned)o->nblocks,
	};
	struct xfr_meter m;
	int pinned;
	set_params(o, &p);
	int rc = check_limits(o, &p);
	if (rc == 0)
		rc = place(o, &pinned);
	if (rc)
		return rc;
	install_signals();

	struct ipc_err e = {{0}};
	struct ipc_channel *ch = NULL;
	const struct ipc_transport *t = o->t;
	uint64_t bytes = 0, blocks = 0;
	size_t cap = p.buf_size;
	int status = 0;
	if (t->create(&p, &ch, &e) < 0)
		return failed(o, "", &e);
	if (t->attach(ch, IPC_WRITER, &e) < 0) {
		status = failed(o, "", &e);
		goto out_destroy;
	}
	xfr_meter_start(&m, pinned);
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
		xfr_meter_tick(&m);
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
		report(o, bytes, blocks, cap, &m);
	return status;
}

static int run_reader(const struct xfr_opts *o)
{
	struct ipc_params p = {0};
	struct xfr_meter m;
	int pinned;
	set_params(o, &p);
	int rc = place(o, &pinned);
	if (rc)
		return rc;
	install_signals();

	struct ipc_err e = {{0}};
	struct ipc_channel *ch = NULL;
	const struct ipc_transport *t = o->t;
	uint64_t bytes = 0, blocks = 0;
	size_t cap = 0;
	int status = 0;
	if (t->open(&p, IPC_READER, &ch, &e) < 0)
		return failed(o, "", &e);
	xfr_meter_start(&m, pinned);
	for (;;) {
		struct ipc_block b = {0};
		if (t->acquire(ch, IPC_READER, &b, &e) < 0) {
			status = failed(o, "", &e);
			break;
		}
		cap = b.cap;
		if (b.len > 0) {
			rc = ipc_write_full(STDOUT_FILENO, b.data, b.len);
			if (rc < 0) {
				(void)ipc_errf(&e, -rc, "write(standard output)");
				status = failed(o, "", &e);
				break;
			}
			bytes += b.len;
			blocks++;
			xfr_meter_tick(&m);
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
		report(o, bytes, blocks, cap, &m);
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
