/* footprint.c - the memory a run holds, against this machine (footprint.h). */
#include "footprint.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define REGION_HEADER (64u << 10) /* generous: the largest is a few pages */

static uint64_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	return ps > 0 ? (uint64_t)ps : 4096;
}

static uint64_t pages(uint64_t n)
{
	uint64_t ps = page_size();
	return (n + ps - 1) / ps * ps;
}

/* Saturating arithmetic: -b 16T times a few must not wrap. */
static uint64_t add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static int named(const struct point *p, const char *name)
{
	return strcmp(p->t->name, name) == 0;
}

/* pipe-vmsplice's writer: 1 + slots/pages gift buffers, at most slots + 1
 * (ipc/pipe_vmsplice.c, attach_writer). */
static uint64_t vmsplice_gifts(uint64_t bs, uint64_t kbuf)
{
	uint64_t ps = page_size();
	uint64_t slots = (kbuf ? kbuf : 65536) / ps, np = pages(bs) / ps;
	if (slots == 0)
		slots = 1;
	uint64_t want = 1 + (slots + np - 1) / np;
	return want < slots + 1 ? want : slots + 1;
}

static void estimate(const struct point *p, uint64_t bs, struct footprint *f)
{
	uint64_t block = pages(bs), pattern = pages(2 * (bs + 64));
	unsigned channels = p->mode == MODE_PINGPONG ? 2 : 1;
	memset(f, 0, sizeof(*f));
	if (p->mode == MODE_PINGPONG) {
		f->side[IPC_WRITER] = add(pattern, block);
		f->side[IPC_READER] = block;
	} else if (p->access == ACCESS_COPY) {
		f->side[IPC_WRITER] = pattern;
		f->side[IPC_READER] = add(pattern, block);
		if (p->effort.floor)
			f->floor = add(pattern, mul(2, block));
	}
	if (p->t->caps & IPC_CAP_REGION) {
		uint64_t nb = named(p, "pshm-sem") || named(p, "sysv-shm") ? 1
			      : p->tuning.nblocks ? p->tuning.nblocks : 8;
		f->shared = mul(channels, add(REGION_HEADER, mul(nb, block)));
	} else {
		/* The private block of the block API, on both sides of every
		 * channel; pipe-vmsplice's writer rotates gift buffers. */
		uint64_t w = named(p, "pipe-vmsplice")
			? mul(vmsplice_gifts(bs, p->tuning.kbuf_size), block) : block;
		f->side[IPC_WRITER] = add(f->side[IPC_WRITER], mul(channels, w));
		f->side[IPC_READER] = add(f->side[IPC_READER],
					  mul(channels, block));
	}
	uint64_t run = mul(p->pairs > 1 ? (uint64_t)p->pairs : 1,
			   add(add(f->side[0], f->side[1]), f->shared));
	f->total = run > f->floor ? run : f->floor;
}

void footprint_estimate(const struct point *p, struct footprint *f)
{
	estimate(p, p->buf_size, f);
}

/* A "Key:   N kB" line of /proc/meminfo, in bytes; 0 if absent. */
static uint64_t meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[160];
	uint64_t v = 0;
	size_t klen = strlen(key);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtoull(line + klen + 1, NULL, 10) * 1024;
			break;
		}
	fclose(f);
	return v;
}

static int read_u64(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "re");
	char buf[64];
	int ok = f && fgets(buf, sizeof(buf), f) && buf[0] >= '0' &&
		 buf[0] <= '9';
	if (f)
		fclose(f);
	if (ok)
		*v = strtoull(buf, NULL, 10);
	return ok ? 0 : -1; /* "max" (cgroup v2: no limit) is not a number */
}

/*
 * What the memory cgroup of this process still allows: the smallest of
 * limit - usage over the cgroup and its ancestors (v2: memory.max and
 * memory.current; v1: memory.limit_in_bytes and memory.usage_in_bytes).
 * The path in /proc/self/cgroup is relative to the mount; inside a cgroup
 * namespace the mount's root is the process's own cgroup, so the walk up
 * from a path that does not exist there ends at it.  UINT64_MAX: no limit.
 */
static uint64_t cgroup_room(void)
{
	static const struct {
		const char *ctl, *mnt, *max, *cur;
	} v[] = {
		{"", "/sys/fs/cgroup", "memory.max", "memory.current"},
		{"memory", "/sys/fs/cgroup/memory", "memory.limit_in_bytes",
		 "memory.usage_in_bytes"},
	};
	uint64_t room = UINT64_MAX;
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[512];
	if (!f)
		return room;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *ctl = strchr(line, ':'), *path;
		if (!ctl || !(path = strchr(ctl + 1, ':')))
			continue;
		*path++ = '\0';
		ctl++;
		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			if (strcmp(ctl, v[i].ctl) != 0)
				continue;
			char dir[512], file[600];
			snprintf(dir, sizeof(dir), "%s%s", v[i].mnt, path);
			for (;;) {
				uint64_t max, cur;
				snprintf(file, sizeof(file), "%s/%s", dir, v[i].max);
				if (read_u64(file, &max) == 0) {
					snprintf(file, sizeof(file), "%s/%s", dir,
						 v[i].cur);
					if (read_u64(file, &cur) < 0)
						cur = 0;
					uint64_t r = max > cur ? max - cur : 0;
					if (r < room)
						room = r;
				}
				char *slash = strrchr(dir, '/');
				if (!slash || strlen(dir) <= strlen(v[i].mnt))
					break;
				*slash = '\0';
			}
		}
	}
	fclose(f);
	return room;
}

/* This process's address space now (a child starts with a copy of it). */
static uint64_t vm_size(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	unsigned long long n = 0;
	if (f) {
		if (fscanf(f, "%llu", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n * page_size();
}

struct limits {
	uint64_t mem;      /* bytes the machine can give the whole run */
	const char *what;  /* which bound that is */
	uint64_t as;       /* bytes one process may still map */
};

static void machine_limits(struct limits *l)
{
	uint64_t avail = meminfo("MemAvailable"), cg = cgroup_room();
	l->mem = UINT64_MAX;
	l->what = "";
	if (avail) {
		l->mem = avail;
		l->what = "MemAvailable in /proc/meminfo";
	}
	if (cg < l->mem) {
		l->mem = cg;
		l->what = "the memory cgroup's limit less its usage";
	}
	/* Leave an eighth for everything else on the machine. */
	if (l->mem != UINT64_MAX)
		l->mem -= l->mem / 8;
	struct rlimit rl;
	l->as = UINT64_MAX;
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		/* A child maps what the parent has, its own buffers, the
		 * regions, and some slack for stacks and allocator arenas. */
		uint64_t have = add(vm_size(), 16u << 20);
		l->as = rl.rlim_cur > have ? rl.rlim_cur - have : 0;
	}
}

/* Which bound the footprint of bs breaks: 0 none, 1 memory, 2 per process. */
static int breaks(const struct point *p, uint64_t bs, const struct limits *l,
		  struct footprint *f)
{
	estimate(p, bs, f);
	if (f->total > l->mem)
		return 1;
	uint64_t side = f->side[0] > f->side[1] ? f->side[0] : f->side[1];
	if (add(side, f->shared) > l->as || f->floor > l->as)
		return 2;
	return 0;
}

int footprint_check(const struct point *p, char *why, size_t whylen)
{
	struct limits l;
	struct footprint f;
	machine_limits(&l);
	int which = breaks(p, p->buf_size, &l, &f);
	if (!which)
		return 0;
	/* The largest BUF_SIZE that fits: the footprint grows with it. */
	uint64_t lo = 0, hi = p->buf_size;
	struct footprint g;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (breaks(p, mid, &l, &g))
			hi = mid;
		else
			lo = mid;
	}
	/* Name the bound that sets that size (the tighter one). */
	if (hi < p->buf_size)
		which = breaks(p, hi, &l, &g);
	char need[24], have[24], tail[96];
	/* Said in the unit a user types: whole MiB, KiB or bytes. */
	const char *unit = lo >= (1u << 20) ? "M" : lo >= 1024 ? "K" : "";
	uint64_t scale = lo >= (1u << 20) ? 1u << 20 : lo >= 1024 ? 1024 : 1;
	if (lo)
		snprintf(tail, sizeof(tail), "the largest BUF_SIZE that fits "
			 "is -b %llu%s", (unsigned long long)(lo / scale), unit);
	if (which == 1) {
		units_format_size(f.total, need, sizeof(need));
		units_format_size(l.mem, have, sizeof(have));
		if (!lo)
			snprintf(tail, sizeof(tail), "nothing fits: free memory");
		snprintf(why, whylen, "--buf-size %llu: the run would hold "
			 "about %s at once (the buffers of both sides%s), more "
			 "than the %s this machine can give (7/8 of %s); %s",
			 (unsigned long long)p->buf_size, need,
			 f.shared ? " and the shared region" : "", have, l.what,
			 tail);
	} else {
		uint64_t side = f.side[0] > f.side[1] ? f.side[0] : f.side[1];
		side = add(side, f.shared);
		if (f.floor > side)
			side = f.floor;
		struct rlimit rl = {0, 0};
		(void)getrlimit(RLIMIT_AS, &rl);
		units_format_size(side, need, sizeof(need));
		units_format_size((uint64_t)rl.rlim_cur, have, sizeof(have));
		if (!lo)
			snprintf(tail, sizeof(tail), "nothing fits: raise it");
		snprintf(why, whylen, "--buf-size %llu: one process of the run "
			 "would map about %s, above the address-space limit "
			 "of a process (RLIMIT_AS, ulimit -v) of %s; %s",
			 (unsigned long long)p->buf_size, need, have, tail);
	}
	return -ENOMEM;
}
