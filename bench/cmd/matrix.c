/* matrix.c - `ipclab matrix` (see matrix.h). */
#include "matrix.h"
#include "options.h"
#include "placement.h"
#include "point.h"
#include "record.h"
#include "sysinfo.h"
#include "units.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

size_t matrix_ncells(size_t k, int ordered)
{
	return ordered ? k * k : k * (k + 1) / 2;
}

static const struct topology *sort_topo; /* qsort has no argument */

static int core_order(const void *pa, const void *pb)
{
	const struct topo_cpu *a = &sort_topo->cpu[*(const int *)pa];
	const struct topo_cpu *b = &sort_topo->cpu[*(const int *)pb];
	if (a->package != b->package)
		return a->package < b->package ? -1 : 1;
	if (a->llc != b->llc)
		return a->llc < b->llc ? -1 : 1;
	return a->core < b->core ? -1 : a->core > b->core;
}

static int int_order(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

size_t matrix_pick_cpus(const struct topology *t, size_t max_cells,
			int ordered, int *cpus, size_t cap)
{
	size_t n = 0, k = 0;
	while (matrix_ncells(k + 1, ordered) <= max_cells)
		k++;
	if (k < 1)
		k = 1;
	if (k > cap)
		k = cap;
	if ((size_t)t->nallowed <= k) {
		for (int i = 0; i < t->ncpu && n < cap; i++)
			if (t->cpu[i].allowed)
				cpus[n++] = i;
		return n;
	}
	/* The cores (their first allowed CPU), by socket, LLC group, core. */
	static int cores[TOPO_MAX_CPUS];
	size_t ncores = 0;
	for (int i = 0; i < t->ncpu; i++) {
		int first = t->cpu[i].allowed;
		for (int j = 0; j < i && first; j++)
			first = !(t->cpu[j].allowed &&
				  t->cpu[j].core == t->cpu[i].core);
		if (first)
			cores[ncores++] = i;
	}
	sort_topo = t;
	qsort(cores, ncores, sizeof(cores[0]), core_order);
	/* Neighbouring cores in pairs (one LLC: the "core" relation), the
	 * pairs spread evenly (other LLC groups, sockets). */
	size_t tpc = (size_t)t->nallowed / ncores;
	size_t m = k / (tpc ? tpc : 1), slots = m > 1 ? (m + 1) / 2 : 1;
	static char taken[TOPO_MAX_CPUS];
	memset(taken, 0, sizeof(taken));
	/* Then the other cores in order, when siblings are uneven. */
	for (size_t pass = 0; pass < 2 && n < k; pass++)
		for (size_t s = 0; s < (pass ? ncores : slots) && n < k; s++) {
			size_t base = pass ? s : s * ncores / slots;
			for (size_t c = base; c < base + 2 - pass &&
			     c < ncores && n < k; c++) {
				if (taken[c])
					continue;
				taken[c] = 1;
				for (int i = 0; i < t->ncpu && n < k; i++)
					if (t->cpu[i].allowed &&
					    t->cpu[i].core ==
					    t->cpu[cores[c]].core)
						cpus[n++] = i;
			}
		}
	qsort(cpus, n, sizeof(cpus[0]), int_order);
	return n;
}

size_t matrix_cells(const struct topology *t, const int *cpus, size_t n,
		    int ordered, struct matrix_cell *out, size_t cap)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = ordered ? 0 : i; j < n && m < cap; j++)
			out[m++] = (struct matrix_cell){
				cpus[i], cpus[j],
				topology_relation(t, cpus[i], cpus[j])};
	return m;
}

void matrix_csv_header(FILE *f)
{
	fputs("writer_cpu,reader_cpu,pin_relation,transport,mode,buf_size,"
	      "reps,one_way_p50_ns,rtt_p99_ns,bytes_per_s,status,reason\n", f);
}

static void num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, ",%.17g", v);
	else
		fputc(',', f);
}

void matrix_csv_row(FILE *f, const struct matrix_cell *c,
		    const char *transport, const char *mode,
		    unsigned long long buf_size, unsigned long long reps,
		    double one_way_p50_ns, double rtt_p99_ns,
		    double bytes_per_s, const char *status,
		    const char *reason)
{
	fprintf(f, "%d,%d,%s,%s,%s,%llu,%llu", c->writer, c->reader,
		c->relation, transport, mode, buf_size, reps);
	num(f, one_way_p50_ns);
	num(f, rtt_p99_ns);
	num(f, bytes_per_s);
	fprintf(f, ",%s,\"", status);
	for (const char *s = reason; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		if (*s != '\n')
			fputc(*s, f);
	}
	fputs("\"\n", f);
}

/* IPCLAB_MATRIX_FAKE (tests of the pair selection, the CSV and the
 * heatmap on fixture machines): a value per relation, no run. */
static double fake_ns(const char *relation)
{
	static const struct { const char *r; double ns; } v[] = {
		{"same", 150}, {"smt", 60}, {"core", 200}, {"llc", 400},
		{"numa", 600}, {"socket", 800}};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (strcmp(relation, v[i].r) == 0)
			return v[i].ns;
	return NAN;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipclab matrix -t TRANSPORT [-b SIZE] [-m pingpong|stream] "
		"[--budget SECONDS] [-o DIR] [run options]\n"
		"Measure one transport between every pair of the CPUs this "
		"process may use (a core-to-core map): ping-pong one-way p50 "
		"(pairs W<=R; the diagonal is one CPU) or stream throughput "
		"(every ordered pair).  When all pairs do not fit --budget "
		"(default 300 s, estimated from --min-time and --reps), whole "
		"cores are sampled across the LLC groups and sockets.\n"
		"Writes DIR/matrix.csv, DIR/runs.csv and DIR/meta.json "
		"(default DIR: results/matrix-<run-id>); draw it with\n"
		"  scripts/pyrun scripts/plot_matrix.py DIR\n"
		"Defaults: -b 64 -m pingpong --reps 3 --min-time 0.1; the other "
		"options of ipclab run apply (--spin, --verify, --warmup ...), "
		"except --pin (the matrix chooses the CPUs).\n");
}

struct sink {
	FILE *runs;
};

static void emit_run(const struct record *rec, void *arg)
{
	struct sink *s = arg;
	record_write(s->runs, FORMAT_CSV, rec);
}

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdir(path, 0755);
		*p = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "ipclab: matrix: --output %s: %s: %s\n", dir,
			name, strerror(errno));
	return f;
}

/* Own options out of argv, the rest (with defaults first) to run's parser. */
static int parse(int argc, char **argv, struct bench_opts *o, double *budget,
		 const char **outdir)
{
	char **args = calloc((size_t)argc + 10, sizeof(*args));
	char why[768];
	int n = 0, rc = 0;
	if (!args) {
		fprintf(stderr, "ipclab: matrix: out of memory\n");
		return 1;
	}
	const char *defaults[] = {"matrix", "-b", "64", "-m", "pingpong",
				  "--reps", "3", "--min-time", "0.1"};
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		args[n++] = (char *)defaults[i];
	*budget = 300;
	*outdir = NULL;
	for (int i = 1; i < argc && rc == 0; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			rc = -1;
		} else if (strncmp(a, "--pin", 5) == 0) {
			fprintf(stderr, "ipclab: matrix: --pin: the matrix chooses "
				"the CPUs (every allowed pair); restrict them with "
				"taskset -c LIST\n");
			rc = 2;
		} else if (strcmp(a, "--budget") == 0 ||
			   strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "ipclab: matrix: option %s needs a "
					"value (see --help)\n", a);
				rc = 2;
				break;
			}
			const char *v = argv[++i];
			char *end;
			if (a[2] == 'b') {
				*budget = strtod(v, &end);
				if (end == v || *end || !(*budget > 0) ||
				    !isfinite(*budget)) {
					fprintf(stderr, "ipclab: matrix: --budget "
						"%s: expected seconds > 0 (e.g. "
						"300)\n", v);
					rc = 2;
				}
			} else if (!*v) {
				fprintf(stderr, "ipclab: matrix: --output '': "
					"empty path\n");
				rc = 2;
			} else {
				*outdir = v;
			}
		} else {
			args[n++] = argv[i];
		}
	}
	if (rc == 0) {
		rc = options_parse(OPTS_RUN, n, args, o, why, sizeof(why));
		if (rc == 1) {
			usage(stdout);
			rc = -1;
		} else if (rc) {
			fprintf(stderr, "ipclab: matrix: %s\n", why);
			if (rc == 3)
				ipc_transport_list(stderr, 0);
			rc = 2;
		}
	}
	free(args);
	return rc;
}

static void print_grid(const struct matrix_cell *cells, const double *v,
		       size_t ncells, const int *cpus, size_t k, int pp)
{
	printf("\n%s, writer (rows) x reader (columns):\n%6s",
	       pp ? "one-way p50 ns" : "GB/s", "");
	for (size_t j = 0; j < k; j++)
		printf(" %7d", cpus[j]);
	putchar('\n');
	for (size_t i = 0; i < k; i++) {
		printf("%6d", cpus[i]);
		for (size_t j = 0; j < k; j++) {
			double x = NAN;
			for (size_t c = 0; c < ncells; c++)
				if ((cells[c].writer == cpus[i] &&
				     cells[c].reader == cpus[j]) ||
				    (pp && cells[c].writer == cpus[j] &&
				     cells[c].reader == cpus[i]))
					x = v[c];
			if (isfinite(x))
				printf(" %7.*f", pp ? 0 : 2, pp ? x : x / 1e9);
			else
				printf(" %7s", "-");
		}
		putchar('\n');
	}
}

int matrix_main(int argc, char **argv)
{
	struct bench_opts o;
	double budget;
	const char *outdir;
	int rc = parse(argc, argv, &o, &budget, &outdir);
	if (rc)
		return rc < 0 ? 0 : rc;
	char why[768];
	const struct topology *t = topology_get(why, sizeof(why));
	if (!t) {
		fprintf(stderr, "ipclab: matrix: %s\n", why);
		return 1;
	}
	const int pp = o.modes[0] == MODE_PINGPONG;
	const int fake = getenv("IPCLAB_MATRIX_FAKE") != NULL;
	/* Calibration (about two warm-ups), warm-ups and repetitions. */
	double per_cell = o.min_time * (o.warmup + o.reps + 2) + 0.05;
	size_t max_cells = (size_t)(budget / per_cell);
	static int cpus[TOPO_MAX_CPUS];
	size_t k = matrix_pick_cpus(t, max_cells, !pp, cpus, TOPO_MAX_CPUS);
	size_t ncells = matrix_ncells(k, !pp);
	struct matrix_cell *cells = calloc(ncells, sizeof(*cells));
	double *vals = calloc(ncells, sizeof(*vals));
	size_t maxrecs = 64 + o.warmup + o.reps;
	struct record *recs = calloc(maxrecs, sizeof(*recs));
	if (!cells || !vals || !recs) {
		free(cells);
		free(vals);
		free(recs);
		fprintf(stderr, "ipclab: matrix: out of memory\n");
		return 1;
	}
	matrix_cells(t, cpus, k, !pp, cells, ncells);

	struct point p = {.t = o.transports[0], .buf_size = o.buf_sizes[0],
			  .mode = o.modes[0], .access = o.accesses[0],
			  .populate = o.populates[0], .hugepages = o.hugepages[0],
			  .pin = {.pin = PIN_CPUS, .cpu_writer = cells[0].writer,
				  .cpu_reader = cells[0].reader}};
	rc = 0;
	if (point_check(&p, &o, why, sizeof(why)) < 0) {
		fprintf(stderr, "ipclab: matrix: %s\n", why);
		rc = 2;
		goto out_mem;
	}

	char run_id[48], dir[PATH_MAX], start[40], end[40];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(start, sizeof(start), "%Y%m%d-%H%M%S", &tm);
	snprintf(run_id, sizeof(run_id), "%s-%ld", start, (long)getpid());
	if (outdir)
		snprintf(dir, sizeof(dir), "%s", outdir);
	else
		snprintf(dir, sizeof(dir), "results/matrix-%s", run_id);
	struct sink sink = {NULL};
	FILE *mf = NULL, *meta = NULL;
	rc = 1;
	if (mkdir_p(dir) < 0) {
		fprintf(stderr, "ipclab: matrix: --output %s: %s\n", dir,
			strerror(errno));
		goto out_mem;
	}
	if (!(mf = open_in(dir, "matrix.csv")) ||
	    !(sink.runs = open_in(dir, "runs.csv")) ||
	    !(meta = open_in(dir, "meta.json")))
		goto out;
	sysinfo_now(start, sizeof(start));
	matrix_csv_header(mf);
	record_write_header(sink.runs, FORMAT_CSV);
	run_catch_signals();

	char shape[256];
	topology_describe(t, shape, sizeof(shape));
	fprintf(stderr, "ipclab: matrix: %s; %zu CPUs, %zu cells%s into %s/\n",
		shape, k, ncells, fake ? " (IPCLAB_MATRIX_FAKE: no runs)" : "",
		dir);
	size_t failed = 0;
	uint64_t t0 = run_now_ns();
	for (size_t i = 0; i < ncells; i++) {
		const struct matrix_cell *c = &cells[i];
		struct summary s;
		size_t n = 0;
		const char *status = "ok", *reason = "";
		double ow = NAN, p99 = NAN, bps = NAN;
		vals[i] = NAN;
		p.pin.cpu_writer = c->writer;
		p.pin.cpu_reader = c->reader;
		if (run_stop) {
			status = "skipped";
			reason = "interrupted";
		} else if ((double)(run_now_ns() - t0) / 1e9 > 2 * budget) {
			status = "skipped";
			reason = "over twice the --budget";
		} else if (fake) {
			status = "fake";
			reason = "IPCLAB_MATRIX_FAKE: a value per relation, "
				 "not measured";
			ow = fake_ns(c->relation);
			bps = pp ? NAN : 1e12 / ow;
		} else if (point_check(&p, &o, why, sizeof(why)) < 0) {
			status = "skipped";
			reason = why;
		} else {
			int prc = point_run(&p, &o, run_id, recs, maxrecs, &n,
					    emit_run, &sink);
			summary_from_records(&s, recs, n);
			if (prc) {
				status = prc == -EINTR ? "skipped" : "error";
				reason = s.reason[0] ? s.reason
				       : n ? recs[n - 1].reason : "failed";
				failed += prc != -EINTR;
			} else {
				ow = s.one_way_p50_ns;
				p99 = s.rtt_p99_ns;
				bps = s.bps.median;
			}
		}
		vals[i] = pp ? ow : bps;
		matrix_csv_row(mf, c, p.t->name, pp ? "pingpong" : "stream",
			       (unsigned long long)p.buf_size,
			       (unsigned long long)(strcmp(status, "ok") ? 0
						    : s.reps),
			       ow, p99, bps, status, reason);
		fflush(mf);
		char v[24] = "-";
		if (isfinite(vals[i]) && pp)
			units_format_ns(vals[i], v, sizeof(v));
		else if (isfinite(vals[i]))
			units_format_rate(vals[i], v, sizeof(v));
		fprintf(stderr, "[%zu/%zu] %d->%d %s: %s%s%s\n", i + 1, ncells,
			c->writer, c->reader, c->relation, v,
			strcmp(status, "ok") ? " " : "",
			strcmp(status, "ok") ? status : "");
	}
	sysinfo_now(end, sizeof(end));
	sysinfo_write_json(meta, run_id, argc, argv, start, end, &o);
	if (k <= 16)
		print_grid(cells, vals, ncells, cpus, k, pp);
	fprintf(stderr, "ipclab: matrix: %s/matrix.csv; draw it: scripts/pyrun "
		"scripts/plot_matrix.py %s\n", dir, dir);
	rc = run_stop ? 128 + run_stop : failed ? 1 : 0;
out:
	if (mf && fclose(mf) != 0)
		rc = 1;
	if (sink.runs && fclose(sink.runs) != 0)
		rc = 1;
	if (meta && fclose(meta) != 0)
		rc = 1;
out_mem:
	free(cells);
	free(vals);
	free(recs);
	return rc;
}
