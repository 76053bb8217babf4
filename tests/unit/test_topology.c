/*
 * test_topology.c - the topology read from the fixture trees of
 * tests/fixtures/topology/ (made by make_fixtures.py: a 2-socket 2x16-core
 * SMT server, a 16-core chiplet part in 4 LLC groups, this 2-vCPU VM), what
 * each --pin name resolves to on them, also with an allowed set restricted
 * the way taskset would, the refusals and their reasons, and the pair
 * selection and CSV of `ipclab matrix`.
 */
#include "check.h"
#include "matrix.h"
#include "memnode.h"
#include "placement.h"
#include "topo_fixture.h"
#include "topology.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Resolve pin; "W,R relation" or "skipped: reason" into out. */
static const char *resolve(const struct topology *t, enum run_pin pin,
			   char *out, size_t len)
{
	struct run_config c = {.pin = pin};
	char why[512];
	if (placement_resolve_in(&c, t, why, sizeof(why)) < 0)
		snprintf(out, len, "skipped: %s", why);
	else
		snprintf(out, len, "%d,%d %s", c.cpu_writer, c.cpu_reader,
			 c.relation);
	return out;
}

#define PIN_IS(t, pin, want)                                                 \
	do {                                                                 \
		char pb_[600];                                                \
		CHECK_STR(resolve(t, pin, pb_, sizeof(pb_)), want);            \
	} while (0)

#define SKIPPED_WITH(t, pin, text)                                           \
	do {                                                                 \
		char pb_[600];                                                \
		resolve(t, pin, pb_, sizeof(pb_));                           \
		want_skipped(pb_, text, __FILE__, __LINE__);                   \
	} while (0)

static void test_cpulist(void)
{
	cpu_set_t s;
	char buf[64];
	CHECK(topo_parse_cpulist("0-3,8,10-11\n", &s) == 0);
	CHECK_EQ_U(CPU_COUNT(&s), 7);
	CHECK(CPU_ISSET(8, &s) && !CPU_ISSET(9, &s) && CPU_ISSET(11, &s));
	topo_format_cpulist(&s, buf, sizeof(buf));
	CHECK_STR(buf, "0-3,8,10-11");
	CHECK(topo_parse_cpulist("", &s) == 0 && CPU_COUNT(&s) == 0);
	CHECK(topo_parse_cpulist("3-1", &s) == -EINVAL);
	CHECK(topo_parse_cpulist("1,x", &s) == -EINVAL);
	CHECK(topo_parse_cpulist("0-99999", &s) == -EINVAL);
}

static void test_two_sockets(void)
{
	const struct topology *t = load("2s-2x16-smt", NULL);
	CHECK_EQ_U(t->nonline, 64);
	CHECK_EQ_U(t->nallowed, 64);
	CHECK_EQ_U(t->ncores, 32);
	CHECK_EQ_U(t->threads_per_core, 2);
	CHECK_EQ_U(t->nllcs, 2);
	CHECK_EQ_U(t->llc_level, 3); /* the L1 instruction cache is ignored */
	CHECK_EQ_U(t->npackages, 2);
	CHECK_EQ_U(t->nnodes, 2);
	CHECK_EQ_U(t->cpu[40].core, 8);
	CHECK_EQ_U(t->cpu[40].package, 0);
	CHECK_EQ_U(t->cpu[50].node, 1);
	CHECK_STR(topology_relation(t, 3, 35), "smt");
	CHECK_STR(topology_relation(t, 3, 4), "core");
	CHECK_STR(topology_relation(t, 3, 20), "socket");
	CHECK_STR(topology_relation(t, 7, 7), "same");

	PIN_IS(t, PIN_SAME, "0,0 same");
	PIN_IS(t, PIN_SPLIT, "0,1 core");
	PIN_IS(t, PIN_SMT, "0,32 smt");
	PIN_IS(t, PIN_CORE, "0,1 core");
	SKIPPED_WITH(t, PIN_LLC, "this machine has none");
	PIN_IS(t, PIN_SOCKET, "0,16 socket");
	PIN_IS(t, PIN_NUMA, "0,16 socket");
}

static void test_chiplet(void)
{
	/* Only thread_siblings_list (no core_cpus_list) in this tree. */
	const struct topology *t = load("1s-16c-4ccx", NULL);
	CHECK_EQ_U(t->nonline, 32);
	CHECK_EQ_U(t->ncores, 16);
	CHECK_EQ_U(t->threads_per_core, 2);
	CHECK_EQ_U(t->nllcs, 4);
	CHECK_EQ_U(t->npackages, 1);
	CHECK_EQ_U(t->nnodes, 1);
	CHECK_EQ_U(t->cpu[21].core, 5);
	CHECK_EQ_U(t->cpu[21].llc, 4);

	PIN_IS(t, PIN_SAME, "0,0 same");
	PIN_IS(t, PIN_SPLIT, "0,1 core");
	PIN_IS(t, PIN_SMT, "0,16 smt");
	PIN_IS(t, PIN_CORE, "0,1 core");
	PIN_IS(t, PIN_LLC, "0,4 llc");
	SKIPPED_WITH(t, PIN_SOCKET, "needs two CPUs in different sockets; "
		     "this machine has none (32 CPUs online (32 allowed), 16 "
		     "cores, 4 LLC groups, 1 socket, 1 NUMA node)");
	SKIPPED_WITH(t, PIN_NUMA, "this machine has none");
}

static void test_vm(void)
{
	/* This machine: no cache directories, so the package is the LLC. */
	const struct topology *t = load("vm-2vcpu", NULL);
	CHECK_EQ_U(t->nonline, 2);
	CHECK_EQ_U(t->ncores, 2);
	CHECK_EQ_U(t->threads_per_core, 1);
	CHECK_EQ_U(t->nllcs, 1);
	CHECK_EQ_U(t->llc_level, 0);
	PIN_IS(t, PIN_SAME, "0,0 same");
	PIN_IS(t, PIN_SPLIT, "0,1 core");
	SKIPPED_WITH(t, PIN_SMT, "needs two SMT siblings of one core; this "
		     "machine has none");
	PIN_IS(t, PIN_CORE, "0,1 core");
	SKIPPED_WITH(t, PIN_LLC, "this machine has none");
	SKIPPED_WITH(t, PIN_SOCKET, "this machine has none");
	SKIPPED_WITH(t, PIN_NUMA, "this machine has none");
}

static void test_restricted(void)
{
	/* taskset -c 4-7,36-39 on the server: one socket, 4 cores + siblings */
	const struct topology *t = load("2s-2x16-smt", "4-7,36-39");
	CHECK_EQ_U(t->nallowed, 8);
	PIN_IS(t, PIN_SAME, "4,4 same");
	PIN_IS(t, PIN_SPLIT, "4,5 core");
	PIN_IS(t, PIN_SMT, "4,36 smt");
	SKIPPED_WITH(t, PIN_SOCKET, "this machine has them (e.g. CPUs 0,16) "
		     "but this process may only use CPUs 4-7,36-39");
	SKIPPED_WITH(t, PIN_NUMA, "may only use CPUs 4-7,36-39");

	/* Only the two siblings of one core: split must not pick them. */
	t = load("1s-16c-4ccx", "3,19");
	PIN_IS(t, PIN_SMT, "3,19 smt");
	SKIPPED_WITH(t, PIN_SPLIT, "needs two CPUs on different cores; this "
		     "machine has them (e.g. CPUs 0,1)");
	SKIPPED_WITH(t, PIN_CORE, "may only use CPUs 3,19");

	/* One CPU from each of two CCXs: split falls back to across LLCs. */
	t = load("1s-16c-4ccx", "2,9");
	PIN_IS(t, PIN_SPLIT, "2,9 llc");
	PIN_IS(t, PIN_LLC, "2,9 llc");
	SKIPPED_WITH(t, PIN_CORE, "may only use CPUs 2,9");

	/* Across sockets only: split goes across. */
	t = load("2s-2x16-smt", "15,16");
	PIN_IS(t, PIN_SPLIT, "15,16 socket");

	/* One CPU left. */
	t = load("vm-2vcpu", "1");
	PIN_IS(t, PIN_SAME, "1,1 same");
	SKIPPED_WITH(t, PIN_SPLIT, "needs two CPUs, this process may only "
		     "use CPU 1");
}

static void test_explicit(void)
{
	const struct topology *t = load("2s-2x16-smt", "0-7,32-39");
	struct run_config c = {.pin = PIN_CPUS, .cpu_writer = 2,
			       .cpu_reader = 34};
	char why[512], name[24];
	CHECK(placement_resolve_in(&c, t, why, sizeof(why)) == 0);
	CHECK_STR(c.relation, "smt");
	CHECK_STR(placement_name(&c, name, sizeof(name)), "2:34");
	c.cpu_reader = 20;
	CHECK(placement_resolve_in(&c, t, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "CPU 20 is not available (this process may use "
		      "CPUs 0-7,32-39)") != NULL);
	c = (struct run_config){.pin = PIN_NONE};
	CHECK(placement_resolve_in(&c, t, why, sizeof(why)) == 0);
	CHECK_STR(c.relation, "");
}

static void test_parse_names(void)
{
	static const char *const n[] = {"none", "same", "split", "smt",
					"core", "llc", "socket", "numa"};
	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		enum run_pin p;
		char buf[24];
		CHECK(placement_parse(n[i], &p) == 0);
		struct run_config c = {.pin = p};
		CHECK_STR(placement_name(&c, buf, sizeof(buf)), n[i]);
	}
	enum run_pin p;
	CHECK(placement_parse("sibling", &p) == -1);
}

/* --mem-node REQ resolved with the writer on CPU w: the node or -1, or -2
 * refused (why must hold text). */
static int mem(const struct topology *t, const char *req, int w,
	       const char *text)
{
	int want, node;
	char why[512] = "";
	CHECK(memnode_parse(req, &want) == 0);
	if (memnode_resolve(want, t, w, &node, why, sizeof(why)) < 0) {
		if (!text || !strstr(why, text)) {
			fprintf(stderr, "--mem-node %s: %s\n", req, why);
			check_failed = 1;
		}
		return -2;
	}
	return node;
}

static void test_mem_node(void)
{
	int want;
	char b[16];
	CHECK(memnode_parse("3", &want) == 0);
	CHECK_STR(memnode_name(want, b, sizeof(b)), "3");
	CHECK(memnode_parse("local", &want) == 0);
	CHECK_STR(memnode_name(want, b, sizeof(b)), "local");
	CHECK(memnode_parse("-1", &want) == -1);
	CHECK(memnode_parse("near", &want) == -1);
	CHECK_STR(memnode_name(MEMNODE_NONE, b, sizeof(b)), "");

	const struct topology *t = load("2s-2x16-smt", NULL);
	CHECK(mem(t, "local", 20, NULL) == 1);
	CHECK(mem(t, "local", -1, NULL) == -1); /* unpinned: default policy */
	CHECK(mem(t, "remote", 20, NULL) == 0);
	CHECK(mem(t, "remote", 3, NULL) == 1);
	CHECK(mem(t, "remote", -1, "only a --pin placement fixes") == -2);
	CHECK(mem(t, "1", 3, NULL) == 1);
	CHECK(mem(t, "2", 3, "--mem-node 2: no such node") == -2);

	t = load("1s-16c-4ccx", NULL);
	CHECK(mem(t, "local", 5, NULL) == -1);
	CHECK(mem(t, "remote", 5, "this machine has one NUMA node; only "
		  "--mem-node local applies") == -2);
	CHECK(mem(t, "0", 5, "one NUMA node") == -2);

	/* The placement carries it: socket + remote on the server. */
	t = load("2s-2x16-smt", NULL);
	struct run_config c = {.pin = PIN_SOCKET};
	char why[512];
	CHECK(memnode_parse("remote", &c.mem_node) == 0);
	CHECK(placement_resolve_in(&c, t, why, sizeof(why)) == 0);
	CHECK_EQ_U(c.mem_bind, 2); /* node 1 + 1: remote from CPU 0 */
}

static void test_mem_bind(void)
{
	/* The system call, for real, on node 0 (every Linux has it). */
	CHECK(memnode_current() == -1);
	int rc = memnode_bind(0);
	CHECK(rc == 0);
	if (rc == 0)
		CHECK(memnode_current() == 0);
	CHECK(memnode_bind(-1) == 0);
	CHECK(memnode_current() == -1);
}

/* Relations present among the cells. */
static int has_relation(const struct matrix_cell *c, size_t n, const char *r)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].relation, r) == 0)
			return 1;
	return 0;
}

static void check_pick(const struct topology *t, size_t max_cells,
		       int ordered, size_t want_k)
{
	static int cpus[TOPO_MAX_CPUS];
	size_t k = matrix_pick_cpus(t, max_cells, ordered, cpus, TOPO_MAX_CPUS);
	CHECK_EQ_U(k, want_k);
	CHECK(matrix_ncells(k, ordered) <= max_cells || k == 1);
	for (size_t i = 0; i < k; i++) {
		CHECK(t->cpu[cpus[i]].allowed);
		CHECK(i == 0 || cpus[i] > cpus[i - 1]); /* sorted, no repeat */
	}
}

static void test_matrix_pick(void)
{
	static struct matrix_cell cells[4096];
	static int cpus[TOPO_MAX_CPUS];
	const struct topology *t = load("vm-2vcpu", NULL);
	/* This machine: everything fits, a 2x2 matrix. */
	size_t k = matrix_pick_cpus(t, 100, 0, cpus, TOPO_MAX_CPUS);
	CHECK_EQ_U(k, 2);
	size_t n = matrix_cells(t, cpus, k, 0, cells, 4096);
	CHECK_EQ_U(n, 3);
	CHECK(cells[0].writer == 0 && cells[0].reader == 0);
	CHECK(cells[1].writer == 0 && cells[1].reader == 1);
	CHECK(cells[2].writer == 1 && cells[2].reader == 1);
	CHECK_STR(cells[1].relation, "core");
	CHECK_EQ_U(matrix_cells(t, cpus, k, 1, cells, 4096), 4);

	/* The server, sampled to 55 cells: 10 CPUs, whole cores, pairs of
	 * neighbouring cores on both sockets. */
	t = load("2s-2x16-smt", NULL);
	check_pick(t, 55, 0, 10);
	k = matrix_pick_cpus(t, 55, 0, cpus, TOPO_MAX_CPUS);
	n = matrix_cells(t, cpus, k, 0, cells, 4096);
	CHECK_EQ_U(n, 55);
	CHECK(has_relation(cells, n, "smt"));
	CHECK(has_relation(cells, n, "core"));
	CHECK(has_relation(cells, n, "socket"));
	check_pick(t, 100000, 1, 64); /* all of them fit */
	check_pick(t, 64 * 64 - 1, 1, 63);

	/* The chiplet part: smt, core and llc cells in a small sample. */
	t = load("1s-16c-4ccx", NULL);
	k = matrix_pick_cpus(t, 64, 1, cpus, TOPO_MAX_CPUS);
	CHECK_EQ_U(k, 8);
	n = matrix_cells(t, cpus, k, 1, cells, 4096);
	CHECK_EQ_U(n, 64);
	CHECK(has_relation(cells, n, "smt"));
	CHECK(has_relation(cells, n, "core"));
	CHECK(has_relation(cells, n, "llc"));

	/* Restricted: only allowed CPUs are picked. */
	t = load("1s-16c-4ccx", "8-11");
	check_pick(t, 1000, 0, 4);
	check_pick(t, 6, 0, 3);
	check_pick(t, 0, 0, 1); /* a budget below one cell still measures one */
}

static void test_matrix_csv(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(f != NULL);
	if (!f)
		return;
	struct matrix_cell c = {3, 35, "smt"};
	matrix_csv_header(f);
	matrix_csv_row(f, &c, "shm-futex", "pingpong", 64, 3, 61.5, 140, NAN,
		       110.25, "", "ok", "");
	matrix_csv_row(f, &c, "pipe", "stream", 4096, 0, NAN, NAN, NAN, NAN,
		       "unstable", "error", "writer: said \"no\"\n");
	fclose(f);
	CHECK_STR(buf, "writer_cpu,reader_cpu,pin_relation,transport,mode,"
		  "buf_size,reps,one_way_p50_ns,rtt_p99_ns,bytes_per_s,"
		  "line_rtt_ns_median,flag,status,reason\n"
		  "3,35,smt,shm-futex,pingpong,64,3,61.5,140,,110.25,,ok,\"\"\n"
		  "3,35,smt,pipe,stream,4096,0,,,,,unstable,error,"
		  "\"writer: said \"\"no\"\"\"\n");
	free(buf);
}

static const struct test_case cases[] = {
	{"cpulist", test_cpulist},
	{"two_sockets", test_two_sockets},
	{"chiplet", test_chiplet},
	{"vm", test_vm},
	{"restricted", test_restricted},
	{"explicit", test_explicit},
	{"parse_names", test_parse_names},
	{"mem_node", test_mem_node},
	{"mem_bind", test_mem_bind},
	{"matrix_pick", test_matrix_pick},
	{"matrix_csv", test_matrix_csv},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
