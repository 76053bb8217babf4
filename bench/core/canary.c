/* canary.c - load, steal, run-queue waits and migrations (see canary.h). */
#include "canary.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int canary_read_ticks(const int *cpus, int n, struct cpu_ticks *t)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[512];
	int found = 0;
	if (!f)
		return -errno;
	memset(t, 0, sizeof(*t));
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "cpu", 3) != 0)
			break; /* the cpu lines come first */
		int cpu = -1;
		const char *p = line + 3;
		if (*p != ' ') {
			cpu = atoi(p);
			int want = 0;
			for (int i = 0; i < n; i++)
				want |= cpus[i] == cpu;
			if (!want)
				continue;
		} else if (n) {
			continue;
		}
		unsigned long long v[8] = {0};
		if (sscanf(p + strcspn(p, " "), "%llu %llu %llu %llu %llu %llu "
			   "%llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
			   &v[5], &v[6], &v[7]) < 4)
			continue;
		/* user nice system idle iowait irq softirq steal */
		t->busy += v[0] + v[1] + v[2] + v[5] + v[6];
		t->steal += v[7];
		t->total += v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
		found++;
	}
	fclose(f);
	return found == (n ? n : 1) ? 0 : -ENOENT;
}

void canary_load(const struct cpu_ticks *a, const struct cpu_ticks *b,
		 double ours_ns, double *steal_pct, double *other_busy_pct)
{
	double total = (double)(b->total - a->total);
	long hz = sysconf(_SC_CLK_TCK);
	*steal_pct = *other_busy_pct = NAN;
	if (total <= 0 || hz <= 0 || b->total < a->total)
		return;
	double tick_ns = 1e9 / (double)hz;
	*steal_pct = 100.0 * (double)(b->steal - a->steal) / total;
	double other = (double)(b->busy - a->busy) * tick_ns - ours_ns;
	*other_busy_pct = other > 0 ? 100.0 * other / (total * tick_ns) : 0;
}

static uint64_t read_u64_after(const char *path, const char *key, int field)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return UINT64_MAX;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return UINT64_MAX;
	buf[n] = '\0';
	const char *p = buf;
	if (key) {
		p = strstr(buf, key);
		if (!p)
			return UINT64_MAX;
		p = strchr(p, ':');
		if (!p)
			return UINT64_MAX;
		p++;
	}
	unsigned long long v = 0;
	for (int i = 0; i <= field; i++) {
		char *end;
		v = strtoull(p, &end, 10);
		if (end == p)
			return UINT64_MAX;
		p = end;
	}
	return v;
}

void canary_self(uint64_t *runq_wait_ns, uint64_t *migrations)
{
	/* schedstat: time on a CPU, time waiting on a run queue, slices */
	*runq_wait_ns = read_u64_after("/proc/self/schedstat", NULL, 1);
	*migrations = read_u64_after("/proc/self/sched", "se.nr_migrations", 0);
}
