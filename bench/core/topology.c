/* topology.c - the machine's shape from sysfs (see topology.h). */
#include "topology.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int topo_parse_cpulist(const char *s, cpu_set_t *set)
{
	CPU_ZERO(set);
	while (*s == ' ')
		s++;
	if (*s == '\0' || *s == '\n')
		return 0; /* an empty list (a node without CPUs) */
	for (;;) {
		char *end;
		errno = 0;
		long a = strtol(s, &end, 10), b = a;
		if (end == s || errno || a < 0)
			return -EINVAL;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || errno || b < a)
				return -EINVAL;
		}
		if (b >= TOPO_MAX_CPUS)
			return -EINVAL;
		for (long i = a; i <= b; i++)
			CPU_SET((int)i, set);
		if (*end == ',') {
			s = end + 1;
			continue;
		}
		return *end == '\0' || *end == '\n' ? 0 : -EINVAL;
	}
}

void topo_format_cpulist(const cpu_set_t *set, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < TOPO_MAX_CPUS && used < len; i++) {
		if (!CPU_ISSET(i, set))
			continue;
		int j = i;
		while (j + 1 < TOPO_MAX_CPUS && CPU_ISSET(j + 1, set))
			j++;
		int n = j > i ? snprintf(buf + used, len - used, "%s%d-%d",
					 used ? "," : "", i, j)
			      : snprintf(buf + used, len - used, "%s%d",
					 used ? "," : "", i);
		used += n > 0 ? (size_t)n : 0;
		i = j;
	}
}

/* The first line of root/rel, or "" (returns -1) when unreadable. */
static int sys_line(const struct topology *t, const char *rel, char *buf,
		    size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/devices/system/%s", t->root, rel);
	FILE *f = fopen(path, "re");
	buf[0] = '\0';
	if (!f)
		return -1;
	char *ok = fgets(buf, (int)len, f);
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int sys_int(const struct topology *t, const char *rel, int dflt)
{
	char v[64], *end;
	if (sys_line(t, rel, v, sizeof(v)) < 0)
		return dflt;
	long x = strtol(v, &end, 10);
	return end == v ? dflt : (int)x;
}

/* The smallest CPU of the cpulist in file rel, or dflt. */
static int sys_first_cpu(const struct topology *t, const char *rel, int dflt)
{
	char v[4096];
	cpu_set_t set;
	if (sys_line(t, rel, v, sizeof(v)) < 0 || topo_parse_cpulist(v, &set))
		return dflt;
	for (int i = 0; i < TOPO_MAX_CPUS; i++)
		if (CPU_ISSET(i, &set))
			return i;
	return dflt;
}

/* CPUs listed as cpuN directories (when the online file is missing). */
static void scan_cpu_dirs(const struct topology *t, cpu_set_t *set)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/devices/system/cpu", t->root);
	CPU_ZERO(set);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		if (strncmp(e->d_name, "cpu", 3) || !e->d_name[3])
			continue;
		long n = strtol(e->d_name + 3, &end, 10);
		if (*end == '\0' && n >= 0 && n < TOPO_MAX_CPUS)
			CPU_SET((int)n, set);
	}
	closedir(d);
}

/* The LLC of one CPU: the shared_cpu_list of its highest data or unified
 * cache; *level gets that level (0: no cache information). */
static int cpu_llc(const struct topology *t, int cpu, int *level)
{
	int best = -1;
	*level = 0;
	for (int i = 0; i < 16; i++) {
		char rel[128], type[32];
		snprintf(rel, sizeof(rel), "cpu/cpu%d/cache/index%d/type", cpu, i);
		if (sys_line(t, rel, type, sizeof(type)) < 0)
			continue;
		if (strcmp(type, "Instruction") == 0)
			continue;
		snprintf(rel, sizeof(rel), "cpu/cpu%d/cache/index%d/level", cpu, i);
		int lvl = sys_int(t, rel, 0);
		snprintf(rel, sizeof(rel),
			 "cpu/cpu%d/cache/index%d/shared_cpu_list", cpu, i);
		int first = sys_first_cpu(t, rel, -1);
		if (lvl > *level && first >= 0) {
			*level = lvl;
			best = first;
		}
	}
	return best;
}

/* Distinct values of one field over the online CPUs. */
static int distinct(const struct topology *t, size_t off)
{
	int n = 0;
	for (int i = 0; i < t->ncpu; i++) {
		if (!t->cpu[i].online)
			continue;
		int v = *(const int *)(const void *)((const char *)&t->cpu[i] + off);
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = t->cpu[j].online &&
			       *(const int *)(const void *)
				((const char *)&t->cpu[j] + off) == v;
		n += !seen;
	}
	return n;
}

static void read_nodes(struct topology *t)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/devices/system/node", t->root);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end, rel[128], v[4096];
		cpu_set_t set;
		if (strncmp(e->d_name, "node", 4) || !e->d_name[4])
			continue;
		long n = strtol(e->d_name + 4, &end, 10);
		if (*end || n < 0)
			continue;
		snprintf(rel, sizeof(rel), "node/%s/cpulist", e->d_name);
		if (sys_line(t, rel, v, sizeof(v)) < 0 ||
		    topo_parse_cpulist(v, &set))
			continue;
		for (int i = 0; i < t->ncpu; i++)
			if (CPU_ISSET(i, &set))
				t->cpu[i].node = (int)n;
	}
	closedir(d);
}

int topology_read(struct topology *t, const char *root,
		  const cpu_set_t *allowed, char *why, size_t whylen)
{
	char v[4096];
	cpu_set_t online;
	memset(t, 0, sizeof(*t));
	snprintf(t->root, sizeof(t->root), "%s", root);
	if (sys_line(t, "cpu/online", v, sizeof(v)) == 0) {
		if (topo_parse_cpulist(v, &online)) {
			snprintf(why, whylen, "%s/devices/system/cpu/online: "
				 "'%s' is not a CPU list", root, v);
			return -EINVAL;
		}
	} else {
		scan_cpu_dirs(t, &online);
	}
	for (int i = 0; i < TOPO_MAX_CPUS; i++)
		if (CPU_ISSET(i, &online))
			t->ncpu = i + 1;
	if (t->ncpu == 0) {
		snprintf(why, whylen, "%s/devices/system/cpu: no online CPU "
			 "found", root);
		return -ENOENT;
	}
	for (int i = 0; i < t->ncpu; i++) {
		struct topo_cpu *c = &t->cpu[i];
		char rel[128];
		int lvl;
		if (!CPU_ISSET(i, &online))
			continue;
		c->online = 1;
		c->allowed = !allowed || CPU_ISSET(i, allowed);
		snprintf(rel, sizeof(rel), "cpu/cpu%d/topology/core_cpus_list", i);
		c->core = sys_first_cpu(t, rel, -1);
		if (c->core < 0) {
			snprintf(rel, sizeof(rel),
				 "cpu/cpu%d/topology/thread_siblings_list", i);
			c->core = sys_first_cpu(t, rel, i);
		}
		snprintf(rel, sizeof(rel),
			 "cpu/cpu%d/topology/physical_package_id", i);
		c->package = sys_int(t, rel, 0);
		c->llc = cpu_llc(t, i, &lvl);
		if (lvl > t->llc_level)
			t->llc_level = lvl;
	}
	/* No cache information: the package stands for the LLC. */
	for (int i = 0; i < t->ncpu; i++) {
		struct topo_cpu *c = &t->cpu[i];
		for (int j = 0; c->online && c->llc < 0 && j <= i; j++)
			if (t->cpu[j].online && t->cpu[j].package == c->package)
				c->llc = j;
	}
	read_nodes(t);
	for (int i = 0; i < t->ncpu; i++) {
		t->nonline += t->cpu[i].online;
		t->nallowed += t->cpu[i].allowed;
		int sib = 0;
		for (int j = 0; j < t->ncpu && t->cpu[i].online; j++)
			sib += t->cpu[j].online && t->cpu[j].core == t->cpu[i].core;
		if (sib > t->threads_per_core)
			t->threads_per_core = sib;
	}
	t->ncores = distinct(t, offsetof(struct topo_cpu, core));
	t->nllcs = distinct(t, offsetof(struct topo_cpu, llc));
	t->npackages = distinct(t, offsetof(struct topo_cpu, package));
	t->nnodes = distinct(t, offsetof(struct topo_cpu, node));
	return 0;
}

const struct topology *topology_get(char *why, size_t whylen)
{
	static struct topology *cached;
	if (cached)
		return cached;
	struct topology *t = malloc(sizeof(*t));
	if (!t) {
		snprintf(why, whylen, "topology: out of memory");
		return NULL;
	}
	const char *root = getenv("IPCLAB_SYSFS_ROOT");
	const char *list = getenv("IPCLAB_ALLOWED_CPUS");
	cpu_set_t allowed;
	const char *from = "sched_getaffinity: taskset, cgroup";
	if (list && *list) {
		from = "IPCLAB_ALLOWED_CPUS";
		if (topo_parse_cpulist(list, &allowed)) {
			snprintf(why, whylen, "IPCLAB_ALLOWED_CPUS=%s: not a CPU "
				 "list (e.g. 0-3,8)", list);
			free(t);
			return NULL;
		}
	} else if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0) {
		snprintf(why, whylen, "sched_getaffinity: %s", strerror(errno));
		free(t);
		return NULL;
	}
	if (topology_read(t, root && *root ? root : "/sys", &allowed, why,
			  whylen) < 0) {
		if (root && *root) {
			free(t);
			return NULL;
		}
		/* No sysfs (a bare container): each allowed CPU its own
		 * core, one socket, one node. */
		memset(t, 0, sizeof(*t));
		snprintf(t->root, sizeof(t->root), "(no sysfs)");
		for (int i = 0; i < TOPO_MAX_CPUS; i++) {
			if (!CPU_ISSET(i, &allowed))
				continue;
			t->cpu[i] = (struct topo_cpu){1, 1, i, 0, 0, 0};
			t->ncpu = i + 1;
			t->nonline++;
		}
		t->nallowed = t->ncores = t->nonline;
		t->nllcs = t->npackages = t->nnodes = t->threads_per_core = 1;
	}
	t->allowed_from = from;
	cached = t;
	return t;
}

const char *topology_relation(const struct topology *t, int a, int b)
{
	const struct topo_cpu *x = &t->cpu[a], *y = &t->cpu[b];
	if (a == b)
		return "same";
	if (x->core == y->core)
		return "smt";
	if (x->llc == y->llc)
		return "core";
	if (x->package != y->package)
		return "socket";
	return x->node == y->node ? "llc" : "numa";
}

#define PLURAL(n, s, p) (n), (n) == 1 ? (s) : (p)

void topology_describe(const struct topology *t, char *buf, size_t len)
{
	snprintf(buf, len, "%d %s online (%d allowed), %d %s, %d LLC %s%s, "
		 "%d %s, %d NUMA %s", PLURAL(t->nonline, "CPU", "CPUs"),
		 t->nallowed, PLURAL(t->ncores, "core", "cores"),
		 PLURAL(t->nllcs, "group", "groups"),
		 t->llc_level ? "" : " (no cache information: one per socket)",
		 PLURAL(t->npackages, "socket", "sockets"),
		 PLURAL(t->nnodes, "node", "nodes"));
}

void topology_write_json(FILE *f, const struct topology *t)
{
	cpu_set_t on, al;
	char a[1024], b[1024];
	CPU_ZERO(&on);
	CPU_ZERO(&al);
	for (int i = 0; i < t->ncpu && i < TOPO_MAX_CPUS; i++) {
		if (t->cpu[i].online)
			CPU_SET(i, &on);
		if (t->cpu[i].allowed)
			CPU_SET(i, &al);
	}
	topo_format_cpulist(&on, a, sizeof(a));
	topo_format_cpulist(&al, b, sizeof(b));
	fprintf(f, "{\"online\": \"%s\", \"allowed\": \"%s\", "
		"\"allowed_from\": \"%s\", \"cores\": %d, \"threads_per_core\": "
		"%d, \"llc_groups\": %d, \"llc_level\": %d, \"sockets\": %d, "
		"\"numa_nodes\": %d, \"cpus\": [", a, b,
		t->allowed_from ? t->allowed_from : "", t->ncores,
		t->threads_per_core, t->nllcs, t->llc_level, t->npackages,
		t->nnodes);
	int first = 1;
	for (int i = 0; i < t->ncpu; i++) {
		const struct topo_cpu *c = &t->cpu[i];
		if (!c->online)
			continue;
		fprintf(f, "%s{\"cpu\": %d, \"core\": %d, \"llc\": %d, "
			"\"package\": %d, \"node\": %d}", first ? "" : ", ", i,
			c->core, c->llc, c->package, c->node);
		first = 0;
	}
	fputs("]}", f);
}
