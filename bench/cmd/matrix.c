/* matrix.c - `ipclab matrix` (see matrix.h). */
#include "commands.h"
#include "matrix.h"
#include "placement.h"
#include "plan.h"
#include "record.h"
#include "sysinfo.h"
#include "units.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	      "reps,one_way_p50_ns,rtt_p99_ns,bytes_per_s,line_rtt_ns_median,"
	      "flag,status,reason\n", f);
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
		    double bytes_per_s, double line_rtt_ns, const char *flag,
		    const char *status, const char *reason)
{
	fprintf(f, "%d,%d,%s,%s,%s,%llu,%llu", c->writer, c->reader,
		c->relation, transport, mode, buf_size, reps);
	num(f, one_way_p50_ns);
	num(f, rtt_p99_ns);
	num(f, bytes_per_s);
	num(f, line_rtt_ns);
	fprintf(f, ",%s,%s,\"", flag, status);
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

#define DEFAULT_BUDGET_S 300 /* when all pairs do not fit, cores are sampled */

/* The matrix's defaults, for the options the user did not give (--help
 * prints them from here). */
static const struct {
	const char *shorts, *longs, *opt, *value;
} defaults[] = {
	{"-b", "--buf-size", "-b", "64"},
	{"-m", "--mode", "-m", "pingpong"},
	{"-r", "--reps|--rounds", "--reps", "3"},
	{"", "--min-time", "--min-time", "0.1"},
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipclab matrix -t TRANSPORT [-b SIZE] [-m pingpong|stream] "
		"[--budget SEC] [-o DIR] [run options]\n"
		"Measure one transport between every pair of the CPUs this "
		"process may use (a core-to-core map): ping-pong one-way p50 "
		"(pairs W<=R; the diagonal is one CPU) or stream throughput "
		"(every ordered pair), each cell with the cache line bounced "
		"between its CPUs beside it.  The cells are run in rounds like "
		"a sweep's points.  When all pairs do not fit --budget (default "
		"%d s, estimated from --min-time and --reps), whole cores are "
		"sampled across the LLC groups and sockets.\n"
		"Writes DIR/matrix.csv, DIR/runs.csv and DIR/meta.json "
		"(default DIR: results/matrix-<run-id>); draw it with\n"
		"  scripts/pyrun scripts/plot_matrix.py DIR\n"
		"Defaults:", DEFAULT_BUDGET_S);
	for (size_t d = 0; d < sizeof(defaults) / sizeof(defaults[0]); d++)
		fprintf(f, " %s %s", defaults[d].opt, defaults[d].value);
	fprintf(f, "; the other options of ipclab run apply (--spin, "
		"--verify, --warmup ...), except --pin (the matrix chooses the "
		"CPUs).\n");
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
static int parse(int argc, char **argv, struct bench_opts *o,
		 const char **outdir)
{
	char **args = calloc((size_t)argc + 10, sizeof(*args));
	char why[768];
	int n = 0, rc = 0;
	if (!args) {
		fprintf(stderr, "ipclab: matrix: out of memory\n");
		return 1;
	}
	args[n++] = argv[0];
	for (size_t d = 0; d < sizeof(defaults) / sizeof(defaults[0]); d++) {
		int given = 0;
		for (int i = 1; i < argc && !given; i++) {
			const char *a = argv[i];
			size_t al = strcspn(a, "=");
			given = (*defaults[d].shorts &&
				 strncmp(a, defaults[d].shorts, 2) == 0 &&
				 a[1] != '-');
			for (const char *l = defaults[d].longs; *l && !given;) {
				size_t ll = strcspn(l, "|");
				given = al == ll && strncmp(a, l, ll) == 0;
				l += ll + (l[ll] == '|');
			}
		}
		if (!given) {
			args[n++] = (char *)defaults[d].opt;
			args[n++] = (char *)defaults[d].value;
		}
	}
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
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (i + 1 >= argc || !*argv[i + 1]) {
				fprintf(stderr, "ipclab: matrix: --output: needs a "
					"folder (see --help)\n");
				rc = 2;
			} else {
				*outdir = argv[++i];
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
		} else if (o->pairs[0] != 1) {
			fprintf(stderr, "ipclab: matrix: --pairs %d: a cell is one "
				"writer and one reader (use ipclab sweep --pairs)\n",
				o->pairs[0]);
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

struct sink {
	FILE *runs;
	int tty;
};

static void emit_run(const struct record *rec, void *arg)
{
	struct sink *s = arg;
	record_write(s->runs, FORMAT_CSV, rec);
}

static void progress(const struct rounds_progress *pr, void *arg)
{
	struct sink *s = arg;
	if (s->tty)
		fprintf(stderr, "\r\033[K%s %u: %zu/%zu", pr->phase, pr->round,
			pr->done, pr->total);
}

int matrix_main(int argc, char **argv)
{
	struct bench_opts o;
	const char *outdir;
	int rc = parse(argc, argv, &o, &outdir);
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
	/* A cell: calibration (about two runs), warm-ups, rounds, canaries. */
	double budget = o.budget_s > 0 ? o.budget_s : DEFAULT_BUDGET_S;
	double per_cell = o.min_time * (o.warmup + o.max_rounds + 2) + 0.1;
	size_t max_cells = (size_t)(budget / per_cell);
	static int cpus[TOPO_MAX_CPUS];
	size_t k = matrix_pick_cpus(t, max_cells, !pp, cpus, TOPO_MAX_CPUS);
	size_t ncells = matrix_ncells(k, !pp);
	struct matrix_cell *cells = calloc(ncells, sizeof(*cells));
	struct plan one = {.points = NULL}; /* run's options: one point */
	struct point *plan = calloc(ncells, sizeof(*plan));
	struct summary *sums = calloc(ncells, sizeof(*sums));
	double *vals = calloc(ncells, sizeof(*vals));
	FILE *mf = NULL, *meta = NULL;
	struct sink sink = {NULL, isatty(2) && !o.quiet};
	rc = 1;
	if (!cells || !plan || !sums || !vals || plan_make(&o, &one) < 0) {
		fprintf(stderr, "ipclab: matrix: out of memory\n");
		goto out;
	}
	matrix_cells(t, cpus, k, !pp, cells, ncells);
	for (size_t i = 0; i < ncells; i++) {
		plan[i] = one.points[0];
		plan[i].pin = (struct run_config){.pin = PIN_CPUS,
			.cpu_writer = cells[i].writer,
			.cpu_reader = cells[i].reader};
		plan[i].pairs = 1; /* a cell is one writer and one reader */
	}
	if (point_check(&plan[0], why, sizeof(why)) < 0) {
		fprintf(stderr, "ipclab: matrix: %s\n", why);
		rc = 2;
		goto out;
	}

	char run_id[48], dir[PATH_MAX], start[40], end[40];
	record_make_run_id(run_id, sizeof(run_id));
	if (outdir)
		snprintf(dir, sizeof(dir), "%s", outdir);
	else
		snprintf(dir, sizeof(dir), "results/matrix-%s", run_id);
	if (mkdir_p(dir) < 0) {
		fprintf(stderr, "ipclab: matrix: --output %s: %s\n", dir,
			strerror(errno));
		rc = 2;
		goto out;
	}
	if (!(mf = open_in(dir, "matrix.csv")) ||
	    !(sink.runs = open_in(dir, "runs.csv")) ||
	    !(meta = open_in(dir, "meta.json")))
		goto out;
	sysinfo_now(start, sizeof(start));
	matrix_csv_header(mf);
	record_write_header(sink.runs, FORMAT_CSV);

	char shape[256];
	topology_describe(t, shape, sizeof(shape));
	fprintf(stderr, "ipclab: matrix: %s; %zu CPUs, %zu cells%s into %s/\n",
		shape, k, ncells, fake ? " (IPCLAB_MATRIX_FAKE: no runs)" : "",
		dir);
	int rrc = 0;
	struct rounds_report rep = {.drift = NAN};
	if (!fake) {
		run_catch_signals();
		struct rounds_hooks hooks = {emit_run, progress, NULL, &sink};
		rrc = rounds_run(plan, ncells, &one.rounds, run_id, &hooks,
				 sums, &rep);
		if (sink.tty)
			fputs("\r\033[K", stderr);
		if (rrc == -ENOMEM) {
			fprintf(stderr, "ipclab: matrix: out of memory\n");
			goto out;
		}
	}
	for (size_t i = 0; i < ncells; i++) {
		const struct summary *s = &sums[i];
		const char *status = s->status[0] ? s->status : "skipped";
		const char *reason = s->reason;
		double ow = s->one_way_p50_ns, bps = s->bps.median;
		if (fake) {
			status = "fake";
			reason = "IPCLAB_MATRIX_FAKE: a value per relation, not "
				 "measured";
			ow = fake_ns(cells[i].relation);
			bps = pp ? NAN : 1e12 / ow;
		}
		int ok = fake || strcmp(status, "ok") == 0;
		vals[i] = !ok ? NAN : pp ? ow : bps;
		matrix_csv_row(mf, &cells[i], o.transports[0]->name,
			       pp ? "pingpong" : "stream",
			       (unsigned long long)o.buf_sizes[0],
			       fake ? 0 : (unsigned long long)s->reps,
			       ok && pp ? ow : NAN, ok && !fake && pp
			       ? s->rtt_p99_ns : NAN, ok ? bps : NAN,
			       fake ? NAN : s->line_rtt_ns_median,
			       fake ? "" : s->flag, status, reason);
		if (!ok)
			fprintf(stderr, "ipclab: matrix: %d->%d: %s: %s\n",
				cells[i].writer, cells[i].reader, status,
				reason);
	}
	sysinfo_now(end, sizeof(end));
	char extra[320], level[160];
	rounds_level_json(&rep, level, sizeof(level));
	snprintf(extra, sizeof(extra), "\"matrix\": {\"cpus\": %zu, \"cells\": "
		 "%zu, \"fake\": %s}, \"level\": %s", k, ncells,
		 fake ? "true" : "false", level);
	sysinfo_write_json(meta, run_id, start, end, &o, extra);
	if (k <= 16)
		print_grid(cells, vals, ncells, cpus, k, pp);
	fprintf(stderr, "ipclab: matrix: %s/matrix.csv; draw it: scripts/pyrun "
		"scripts/plot_matrix.py %s\n", dir, dir);
	rc = rrc == -EINTR ? 128 + (run_stop ? run_stop : 2) : rrc ? 1 : 0;
out:
	if (mf && fclose(mf) != 0)
		rc = 1;
	if (sink.runs && fclose(sink.runs) != 0)
		rc = 1;
	if (meta && fclose(meta) != 0)
		rc = 1;
	free(cells);
	plan_free(&one);
	free(plan);
	free(sums);
	free(vals);
	return rc;
}
