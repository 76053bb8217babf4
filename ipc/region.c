/*
 * region.c - make, map, pre-fault and read back a shared memory region.
 *
 * Fork mode: the parent creates the object, maps it, and removes its name at
 * once; the children inherit the mapping, so a crash can leak nothing.
 * Two-program mode: the name stays until the second program has opened it.
 *
 * What backs the region, by --hugepages and kind:
 *
 *   kind   off            on / try (hugetlb pool)           thp (shmem THP)
 *   POSIX  shm_open       fork: memfd(MFD_HUGETLB)          fork: memfd
 *                         named: file on a hugetlbfs mount  named: shm_open
 *   SYSV   shmget         shmget(SHM_HUGETLB)               shmget
 *   ANON   mmap(SHARED)   mmap(MAP_HUGETLB)                 mmap(SHARED)
 *   MEMFD  memfd          memfd(MFD_HUGETLB)                memfd
 *
 * shm_open lives on tmpfs (/dev/shm), which cannot hold hugetlb pages, hence
 * memfd or hugetlbfs.  A MEMFD region is a memfd in either mode, sealed
 * (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) once sized, so that a process
 * it is handed to can check that no one can truncate it under its mapping
 * (which would make its accesses SIGBUS).  Hugetlb pages come from the pool root reserved
 * (vm.nr_hugepages, scripts/hugepages.sh); a shared mapping reserves its
 * pages when it is made, so a region that exists cannot SIGBUS later, and a
 * pool too small shows up as ENOMEM at create.  Sizes are rounded up to the
 * huge page size and the rounding is written in info.note.
 *
 * Transparent huge pages on shared memory are a policy, not a pool: memfd,
 * SysV and shared anonymous memory follow
 * /sys/kernel/mm/transparent_hugepage/shmem_enabled, while a tmpfs mount
 * (/dev/shm) follows its own huge= option; with `advise` the region gets
 * them after madvise(MADV_HUGEPAGE) on a mapping that starts on a 2 MiB
 * boundary.  Whether it got them is only known from smaps once the memory
 * was touched.
 *
 * Populate: the backing memory is allocated at create (MAP_POPULATE, or
 * MADV_POPULATE_WRITE where mmap is not ours: shmat, THP after madvise), and
 * each process fills its own page tables in region_prepare, since page
 * tables of a shared mapping are not copied by fork.
 */
#include "region.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "config.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"
#define SETUP_SCRIPT "scripts/hugepages.sh"

static const char *const hp_names[] = {"off", "on", "try", "thp"};

const char *region_hugepages_name(enum region_hugepages h)
{
	return (unsigned)h < 4 ? hp_names[h] : "?";
}

int region_hugepages_parse(const char *s, enum region_hugepages *out)
{
	for (unsigned i = 0; i < 4; i++)
		if (strcmp(s, hp_names[i]) == 0) {
			*out = (enum region_hugepages)i;
			return 0;
		}
	return -1;
}

void region_init(struct region *r)
{
	memset(r, 0, sizeof(*r));
	r->addr = MAP_FAILED;
	r->fd = -1;
	r->shmid = -1;
}

static void set_mechanism(struct region *r, const char *m)
{
	snprintf(r->info.mechanism, sizeof(r->info.mechanism), "%s", m);
}

static size_t base_page(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? (size_t)p : 4096;
}

/* "2 MiB", "4 KiB", or "12345 bytes" when not a whole unit. */
static const char *fmt_size(char *buf, size_t len, size_t n)
{
	if (n && n % (1u << 30) == 0)
		snprintf(buf, len, "%zu GiB", n >> 30);
	else if (n && n % (1u << 20) == 0)
		snprintf(buf, len, "%zu MiB", n >> 20);
	else if (n && n % 1024 == 0)
		snprintf(buf, len, "%zu KiB", n >> 10);
	else
		snprintf(buf, len, "%zu bytes", n);
	return buf;
}

/* ---- what the machine offers (/proc, /sys) ---- */

int region_hugetlb_pool(struct region_hugetlb_pool *p)
{
	memset(p, 0, sizeof(*p));
	FILE *f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	char line[128];
	unsigned long v;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "HugePages_Total: %lu", &v) == 1)
			p->total = v;
		else if (sscanf(line, "HugePages_Free: %lu", &v) == 1)
			p->free = v;
		else if (sscanf(line, "HugePages_Rsvd: %lu", &v) == 1)
			p->rsvd = v;
		else if (sscanf(line, "HugePages_Surp: %lu", &v) == 1)
			p->surp = v;
		else if (sscanf(line, "Hugepagesize: %lu kB", &v) == 1)
			p->page_size = (size_t)v * 1024;
	}
	fclose(f);
	if (ipc_read_ulong("/proc/sys/vm/nr_overcommit_hugepages", &v) == 0)
		p->overcommit = v;
	/* Free pages already promised to mappings are not free for us. */
	p->available = p->free > p->rsvd ? p->free - p->rsvd : 0;
	if (p->overcommit > p->surp)
		p->available += p->overcommit - p->surp;
	return 0;
}

/* /proc/mounts escapes blanks as \040 etc.; decode in place. */
static void unescape_mount(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' &&
		    r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 +
				      (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Value of option key= in a comma-separated mount option list, or NULL. */
static const char *mount_option(const char *opts, const char *key, char *buf,
				size_t len)
{
	size_t klen = strlen(key);
	const char *p = opts;
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t vlen = n - klen - 1;
			if (vlen >= len)
				vlen = len - 1;
			memcpy(buf, p + klen + 1, vlen);
			buf[vlen] = '\0';
			return buf;
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

/* "2M", "2048k", "1G" -> bytes; 0 if unreadable. */
static size_t parse_size_suffix(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	switch (*end) {
	case 'k': case 'K': return (size_t)v << 10;
	case 'm': case 'M': return (size_t)v << 20;
	case 'g': case 'G': return (size_t)v << 30;
	case '\0': return (size_t)v;
	default: return 0;
	}
}

/* Copy src into dst[len]: 0, or -1 (dst untouched) when it does not fit. */
static int copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);
	if (n >= len)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/*
 * Walk /proc/mounts; for the first entry of type fstype at mountpoint (NULL:
 * any) for which want() accepts the options, copy the mount point.  The last
 * entry for a mount point is the one in effect, so keep looking.
 */
static int find_mount(const char *fstype, const char *mountpoint,
		      int (*want)(const char *opts), char *path, size_t len,
		      char *opts_out, size_t optslen)
{
	FILE *f = fopen("/proc/mounts", "re");
	if (!f)
		return -errno;
	char line[1024];
	int found = 0;
	while (fgets(line, sizeof(line), f)) {
		char dev[256], mnt[512], type[64], opts[512];
		if (sscanf(line, "%255s %511s %63s %511s", dev, mnt, type,
			   opts) != 4)
			continue;
		if (strcmp(type, fstype) != 0)
			continue;
		unescape_mount(mnt);
		if (mountpoint && strcmp(mnt, mountpoint) != 0)
			continue;
		if (want && !want(opts))
			continue;
		/* A mount point that does not fit is one we cannot use. */
		if (copy_str(path, len, mnt) < 0 ||
		    (opts_out && copy_str(opts_out, optslen, opts) < 0))
			continue;
		found = 1;
		if (!mountpoint)
			break;
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

/* A hugetlbfs mount serves the default huge page size unless pagesize= says
 * otherwise (a 1 GiB mount would not match what /proc/meminfo counts). */
static int hugetlbfs_default_size(const char *opts)
{
	char v[32];
	if (!mount_option(opts, "pagesize", v, sizeof(v)))
		return 1;
	struct region_hugetlb_pool p;
	if (region_hugetlb_pool(&p) < 0)
		return 0;
	return parse_size_suffix(v) == p.page_size;
}

int region_hugetlbfs_mount(char *path, size_t len)
{
	return find_mount("hugetlbfs", NULL, hugetlbfs_default_size, path, len,
			  NULL, 0);
}

static int read_bracketed(const char *file, char *buf, size_t len)
{
	char text[256];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	text[n] = '\0';
	char *open_br = strchr(text, '['), *close_br = strchr(text, ']');
	if (!open_br || !close_br || close_br < open_br)
		return -EINVAL;
	*close_br = '\0';
	snprintf(buf, len, "%s", open_br + 1);
	return 0;
}

/* The shmem THP policy that applies to PMD-sized pages, and the file it
 * comes from (for messages): the per-size knob wins unless it says inherit;
 * deny and force at the top override everything. */
static int thp_shmem_policy(char *mode, size_t len, const char **from)
{
	static const char top[] = THP_DIR "/shmem_enabled";
	static const char pmd[] = THP_DIR "/hugepages-2048kB/shmem_enabled";
	int rc = read_bracketed(top, mode, len);
	*from = top;
	if (rc < 0)
		return rc;
	if (strcmp(mode, "deny") == 0 || strcmp(mode, "force") == 0)
		return 0;
	char per[32];
	if (read_bracketed(pmd, per, sizeof(per)) == 0 &&
	    strcmp(per, "inherit") != 0) {
		snprintf(mode, len, "%s", per);
		*from = pmd;
	}
	return 0;
}

int region_thp_shmem_mode(char *buf, size_t len)
{
	const char *from;
	return thp_shmem_policy(buf, len, &from);
}

static size_t thp_pmd_size(void)
{
	unsigned long v;
	if (ipc_read_ulong(THP_DIR "/hpage_pmd_size", &v) == 0 && v)
		return (size_t)v;
	return 0;
}

static int mode_allows_thp(const char *m)
{
	return strcmp(m, "always") == 0 || strcmp(m, "within_size") == 0 ||
	       strcmp(m, "advise") == 0 || strcmp(m, "force") == 0;
}

static int tmpfs_huge_allowed(const char *opts)
{
	char v[32];
	return mount_option(opts, "huge", v, sizeof(v)) && mode_allows_thp(v);
}

/* ---- the pre-check ---- */

size_t region_round_size(size_t size, const struct region_opts *o)
{
	size_t unit = base_page();
	if (o && (o->hugepages == REGION_HP_ON || o->hugepages == REGION_HP_TRY)) {
		struct region_hugetlb_pool p;
		if (region_hugetlb_pool(&p) == 0 && p.page_size)
			unit = p.page_size;
	} else if (o && o->hugepages == REGION_HP_THP) {
		size_t pmd = thp_pmd_size();
		if (pmd)
			unit = pmd;
	}
	return ipc_round_up(size ? size : 1, unit);
}

/* The kernel's rule for SHM_HUGETLB: CAP_IPC_LOCK, or the group named by
 * vm.hugetlb_shm_group (effective or supplementary). */
static int can_hugetlb_shm(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long caps = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f)
		fclose(f);
	if (caps & (1ull << 14)) /* CAP_IPC_LOCK */
		return 1;
	unsigned long g;
	if (ipc_read_ulong("/proc/sys/vm/hugetlb_shm_group", &g) < 0)
		return 0;
	if ((unsigned long)getegid() == g)
		return 1;
	gid_t groups[256];
	int n = getgroups(256, groups);
	for (int i = 0; i < n; i++)
		if ((unsigned long)groups[i] == g)
			return 1;
	return 0;
}

static int check_hugetlb(enum region_kind kind, size_t size, int named,
			 char *why, size_t whylen)
{
	struct region_hugetlb_pool p;
	char a[32], b[32], mnt[256];
	int rc = region_hugetlb_pool(&p);
	if (rc < 0 || p.page_size == 0) {
		snprintf(why, whylen,
			 "--hugepages on: this kernel offers no hugetlb pages "
			 "(no Hugepagesize in /proc/meminfo)");
		return -EINVAL;
	}
	size_t bytes = ipc_round_up(size ? size : 1, p.page_size);
	unsigned long need = (unsigned long)(bytes / p.page_size);
	unsigned long reserve =
		need > p.available ? p.total + (need - p.available) : p.total;
	if (kind == REGION_POSIX && named &&
	    region_hugetlbfs_mount(mnt, sizeof(mnt)) < 0) {
		snprintf(why, whylen,
			 "--hugepages on: a named POSIX region needs a "
			 "hugetlbfs mount (tmpfs cannot hold hugetlb pages) "
			 "and /proc/mounts has none for %s pages; as root: "
			 SETUP_SCRIPT " reserve %lu (it mounts one at "
			 "/dev/hugepages)",
			 fmt_size(a, sizeof(a), p.page_size),
			 reserve > need ? reserve : need);
		return -EINVAL;
	}
	if (need > p.available) {
		char over[64] = "";
		if (p.overcommit)
			snprintf(over, sizeof(over), ", %lu overcommit",
				 p.overcommit - (p.surp < p.overcommit ?
						 p.surp : p.overcommit));
		snprintf(why, whylen,
			 "--hugepages on: needs %lu huge page%s of %s for a %s "
			 "region, %lu free (HugePages_Free %lu, HugePages_Rsvd "
			 "%lu%s in /proc/meminfo); reserve them as root: "
			 SETUP_SCRIPT " reserve %lu",
			 need, need == 1 ? "" : "s",
			 fmt_size(a, sizeof(a), p.page_size),
			 fmt_size(b, sizeof(b), size), p.available, p.free,
			 p.rsvd, over, reserve);
		return -EINVAL;
	}
	if (kind == REGION_SYSV && !can_hugetlb_shm()) {
		unsigned long g = 0;
		(void)ipc_read_ulong("/proc/sys/vm/hugetlb_shm_group", &g);
		snprintf(why, whylen,
			 "--hugepages on: System V huge pages (SHM_HUGETLB) "
			 "need CAP_IPC_LOCK or membership of group %lu "
			 "(/proc/sys/vm/hugetlb_shm_group); run as root or set "
			 "that sysctl to one of your groups", g);
		return -EINVAL;
	}
	return 0;
}

static int check_thp(enum region_kind kind, int named, char *why,
		     size_t whylen)
{
	char mode[32], mnt[256], opts[512];
	const char *from;
#ifndef HAVE_MADV_HUGEPAGE
	snprintf(why, whylen, "--hugepages thp: this build has no "
		 "MADV_HUGEPAGE");
	return -EINVAL;
#endif
	if (thp_pmd_size() == 0 || thp_shmem_policy(mode, sizeof(mode),
						    &from) < 0) {
		snprintf(why, whylen,
			 "--hugepages thp: this kernel has no transparent huge "
			 "pages for shared memory (%s/shmem_enabled unreadable)",
			 THP_DIR);
		return -EINVAL;
	}
	if (strcmp(mode, "deny") == 0) {
		snprintf(why, whylen,
			 "--hugepages thp: %s is deny, which forbids transparent "
			 "huge pages on all shared memory; as root: "
			 SETUP_SCRIPT " thp advise", from);
		return -EINVAL;
	}
	if (kind == REGION_POSIX && named && strcmp(mode, "force") != 0) {
		/* A named POSIX region is a file on /dev/shm, whose THP policy
		 * is its mount's huge= option, not shmem_enabled. */
		int rc = find_mount("tmpfs", "/dev/shm", NULL, mnt, sizeof(mnt),
				    opts, sizeof(opts));
		if (rc < 0 || !tmpfs_huge_allowed(opts)) {
			snprintf(why, whylen,
				 "--hugepages thp: a named POSIX region is a "
				 "file on /dev/shm, a tmpfs mounted without "
				 "huge= (tmpfs follows its mount option, not "
				 "shmem_enabled); as root: mount -o "
				 "remount,huge=advise /dev/shm, or use fork "
				 "mode (a memfd)");
			return -EINVAL;
		}
		return 0;
	}
	if (!mode_allows_thp(mode)) {
		snprintf(why, whylen,
			 "--hugepages thp: %s is %s, so shared memory never "
			 "gets transparent huge pages; as root: " SETUP_SCRIPT
			 " thp advise (or use --hugepages on)", from, mode);
		return -EINVAL;
	}
	return 0;
}

int region_hugepages_check(enum region_kind kind, size_t size,
			   const struct region_opts *o, int named, char *why,
			   size_t whylen)
{
	char dummy[8];
	if (!why || whylen == 0) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	if (!o)
		return 0;
	switch (o->hugepages) {
	case REGION_HP_ON:
		return check_hugetlb(kind, size, named, why, whylen);
	case REGION_HP_THP:
		return check_thp(kind, named, why, whylen);
	default:
		return 0; /* off; try decides at create and records it */
	}
}

/* ---- mapping ---- */

enum backing { BACK_SMALL, BACK_HUGETLB, BACK_THP };

/*
 * Reserve len bytes of address space starting at a multiple of align, for an
 * object to be mapped there with MAP_FIXED: THP can only PMD-map 2 MiB of the
 * object that fall on a 2 MiB boundary of the address space.
 */
static void *reserve_aligned(size_t len, size_t align)
{
	size_t span = len + align;
	char *base = mmap(NULL, span, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return MAP_FAILED;
	char *a = (char *)ipc_round_up((uintptr_t)base, align);
	if (a > base)
		(void)munmap(base, (size_t)(a - base));
	if (base + span > a + len)
		(void)munmap(a + len, (size_t)(base + span - (a + len)));
	return a;
}

/* Map fd (shared anonymous memory when fd < 0) as r->size bytes. */
static int map_region(struct region *r, int fd, enum backing b,
		      const char *what, struct ipc_err *e)
{
	void *want = NULL;
	int flags = MAP_SHARED;
	if (fd < 0)
		flags |= MAP_ANONYMOUS;
	if (b == BACK_THP) {
		want = reserve_aligned(r->size, thp_pmd_size());
		if (want == MAP_FAILED)
			return ipc_errf(e, errno, "mmap(reserve %zu bytes)",
					r->size);
		flags |= MAP_FIXED;
	}
#ifdef HAVE_MAP_HUGETLB
	if (b == BACK_HUGETLB && fd < 0)
		flags |= MAP_HUGETLB;
#endif
#ifdef HAVE_MAP_POPULATE
	/* Allocate the memory now, outside any timed region; THP waits for
	 * madvise, or the pages would be allocated small. */
	if (r->opts.populate && b != BACK_THP)
		flags |= MAP_POPULATE;
#endif
	void *a = mmap(want, r->size, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (a == MAP_FAILED) {
		int err = errno;
		if (want)
			(void)munmap(want, r->size);
		return ipc_errf(e, err, "mmap(%s, %zu bytes%s)", what, r->size,
				flags & MAP_HUGETLB ? ", MAP_HUGETLB" : "");
	}
	r->addr = a;
	return 0;
}

/* Append src to the string in dst, keeping what fits: a reason cut short
 * still says more than none. */
static void append_trunc(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(dst), m = strlen(src);
	if (n + 1 >= cap)
		return;
	if (m > cap - n - 1)
		m = cap - n - 1;
	memcpy(dst + n, src, m);
	dst[n + m] = '\0';
}

/* Append " - hint" to an error message (after the errno part). */
static void add_hint(struct ipc_err *e, const char *hint)
{
	if (!e || !hint[0])
		return;
	size_t n = strlen(e->msg);
	if (n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, " - %s", hint);
}

/* Why a hugetlb allocation failed, in numbers, for a message. */
static void hugetlb_hint(const struct region *r, int err, char *buf,
			 size_t len)
{
	struct region_hugetlb_pool p;
	buf[0] = '\0';
	if (err == ENOMEM && region_hugetlb_pool(&p) == 0 && p.page_size) {
		unsigned long need = (unsigned long)(r->size / p.page_size);
		snprintf(buf, len,
			 "%lu huge page%s needed, %lu free (HugePages_Free %lu, "
			 "HugePages_Rsvd %lu); as root: " SETUP_SCRIPT
			 " reserve %lu",
			 need, need == 1 ? "" : "s", p.available, p.free, p.rsvd,
			 need > p.available ? p.total + need - p.available
					    : p.total);
	} else if (err == EPERM) {
		snprintf(buf, len,
			 "SHM_HUGETLB needs CAP_IPC_LOCK or the group in "
			 "/proc/sys/vm/hugetlb_shm_group");
	}
}

/*
 * POSIX regions this process made and still holds (ping-pong makes two
 * before either is touched): the space check below must leave room for
 * their untouched pages too.
 */
static struct region *live_posix[8];

static void track_posix(struct region *r, int add)
{
	for (size_t i = 0; i < sizeof(live_posix) / sizeof(live_posix[0]); i++)
		if (add ? live_posix[i] == NULL : live_posix[i] == r) {
			live_posix[i] = add ? r : NULL;
			return;
		}
}

/* Bytes the live regions on the file system of st_dev may still take. */
static unsigned long long untouched_bytes(dev_t dev)
{
	unsigned long long sum = 0;
	struct stat st;
	for (size_t i = 0; i < sizeof(live_posix) / sizeof(live_posix[0]); i++) {
		const struct region *o = live_posix[i];
		if (!o || o->fd < 0 || fstat(o->fd, &st) < 0 || st.st_dev != dev)
			continue;
		unsigned long long used = (unsigned long long)st.st_blocks * 512;
		if (used < o->size)
			sum += o->size - used;
	}
	return sum;
}

/*
 * tmpfs allocates a page on first touch, not at ftruncate: a region larger
 * than the free space of /dev/shm maps fine and then kills the first process
 * that touches the missing page with SIGBUS.  Refuse it here, with the
 * numbers and the fix.  (Space taken by others after this check can still
 * cause that SIGBUS; the driver reports it as such.)
 */
static int check_tmpfs_space(struct region *r, struct ipc_err *e)
{
	struct statvfs sv;
	struct stat st;
	char need[32], have[32], total[32];
	if (fstatvfs(r->fd, &sv) < 0 || fstat(r->fd, &st) < 0)
		return ipc_errf(e, errno, "fstatvfs(%s)", r->name);
	if (sv.f_blocks == 0) /* a tmpfs without a size limit */
		return 0;
	unsigned long long avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
	unsigned long long promised = untouched_bytes(st.st_dev);
	avail = avail > promised ? avail - promised : 0;
	if ((unsigned long long)r->size <= avail)
		return 0;
	ipc_errf(e, ENOSPC, "shm_open(%s): the region needs %s, /dev/shm has "
		 "%s free of %s%s", r->name, fmt_size(need, sizeof(need), r->size),
		 fmt_size(have, sizeof(have), (size_t)avail),
		 fmt_size(total, sizeof(total),
			  (size_t)((unsigned long long)sv.f_blocks * sv.f_frsize)),
		 promised ? " (once this run's other regions are touched)" : "");
	add_hint(e, "free space in /dev/shm (df -h /dev/shm; leftovers: ipclab "
		 "clean), use a smaller --buf-size, or enlarge it as root: "
		 "mount -o remount,size=2G /dev/shm");
	return -ENOSPC;
}

static int create_posix(struct region *r, const char *name, enum backing b,
			struct ipc_err *e)
{
	/* Fork mode: a fresh unguessable name per try (util.h). */
	for (unsigned try = 0; try < (name ? 1 : IPC_NAME_TRIES); try++) {
		if (name)
			snprintf(r->name, sizeof(r->name), "%s", name);
		else
			ipc_unique_name(r->name, sizeof(r->name));
		r->fd = shm_open(r->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
				 0600);
		if (r->fd >= 0 || errno != EEXIST)
			break;
	}
	if (r->fd < 0) {
		int err = errno;
		ipc_errf(e, err, "shm_open(/dev/shm%s)", r->name);
		r->name[0] = '\0'; /* not ours: never unlink it */
		return -err;
	}
	int rc = check_tmpfs_space(r, e);
	if (rc < 0)
		return rc;
	if (ftruncate(r->fd, (off_t)r->size) < 0)
		return ipc_errf(e, errno, "ftruncate(%s, %zu)", r->name, r->size);
	rc = map_region(r, r->fd, b, r->name, e);
	if (rc < 0)
		return rc;
	/* Fork mode: the children inherit the mapping, so the name can go
	 * now; nothing is left behind should the run be killed. */
	if (!name) {
		if (shm_unlink(r->name) < 0)
			return ipc_errf(e, errno, "shm_unlink(%s)", r->name);
		r->name[0] = '\0';
	}
	track_posix(r, 1);
	set_mechanism(r, "posix-shm");
	return 0;
}

/* A memfd has no name anyone else could open: fork mode, or a MEMFD
 * region, sealed, whose descriptor is handed over. */
static int create_memfd(struct region *r, enum backing b, struct ipc_err *e)
{
#ifdef HAVE_MEMFD_CREATE
	char nm[64];
	int seal = r->kind == REGION_MEMFD;
	unsigned flags = MFD_CLOEXEC | (seal ? MFD_ALLOW_SEALING : 0u);
	ipc_unique_name(nm, sizeof(nm)); /* shown in /proc/<pid>/maps */
	if (b == BACK_HUGETLB) {
#ifdef HAVE_MFD_HUGETLB
		flags |= MFD_HUGETLB;
#else
		return ipc_errf(e, EOPNOTSUPP, "memfd_create(MFD_HUGETLB)");
#endif
	}
	r->fd = memfd_create(nm + 1, flags);
	if (r->fd < 0)
		return ipc_errf(e, errno, "memfd_create(%s%s)", nm + 1,
				b == BACK_HUGETLB ? ", MFD_HUGETLB" : "");
	if (ftruncate(r->fd, (off_t)r->size) < 0)
		return ipc_errf(e, errno, "ftruncate(memfd, %zu)", r->size);
	if (seal && fcntl(r->fd, F_ADD_SEALS,
			  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return ipc_errf(e, errno, "fcntl(memfd, F_ADD_SEALS, "
				"SHRINK|GROW|SEAL)");
	int rc = map_region(r, r->fd, b, "memfd", e);
	if (rc < 0)
		return rc;
	set_mechanism(r, "memfd");
	return 0;
#else
	(void)r;
	(void)b;
	return ipc_errf(e, EOPNOTSUPP, "memfd_create");
#endif
}

/* "<mount>/ipclab-..." for a POSIX-style name ("/ipclab-x" or "x"). */
static int hugetlbfs_path(const char *name, char *path, size_t len,
			  struct ipc_err *e)
{
	char mnt[256];
	const char *base = name[0] == '/' ? name + 1 : name;
	if (!base[0] || strchr(base, '/'))
		return ipc_errf(e, EINVAL, "region name %s: one component "
				"expected", name);
	if (region_hugetlbfs_mount(mnt, sizeof(mnt)) < 0)
		return ipc_errf(e, ENOENT,
				"no hugetlbfs mount in /proc/mounts (tmpfs "
				"cannot hold hugetlb pages); as root: "
				SETUP_SCRIPT " reserve N mounts one");
	/* The prefix is what lets `ipclab clean` find a leftover file. */
	const char *prefix =
		strncmp(base, IPC_NAME_PREFIX, strlen(IPC_NAME_PREFIX)) == 0
			? "" : IPC_NAME_PREFIX;
	int n = snprintf(path, len, "%s/%s%s", mnt, prefix, base);
	if (n < 0 || (size_t)n >= len)
		return ipc_errf(e, ENAMETOOLONG, "%s/%s%s", mnt, prefix, base);
	return 0;
}

static int create_hugetlbfs(struct region *r, const char *name,
			    struct ipc_err *e)
{
	char path[sizeof(r->name)];
	int rc = hugetlbfs_path(name, path, sizeof(path), e);
	if (rc < 0)
		return rc;
	r->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (r->fd < 0)
		return ipc_errf(e, errno, "open(%s)", path);
	snprintf(r->name, sizeof(r->name), "%s", path); /* ours now */
	if (ftruncate(r->fd, (off_t)r->size) < 0)
		return ipc_errf(e, errno, "ftruncate(%s, %zu)", path, r->size);
	rc = map_region(r, r->fd, BACK_HUGETLB, path, e);
	if (rc < 0)
		return rc;
	set_mechanism(r, "hugetlbfs");
	return 0;
}

/* Which System V limit refused shmget(size), with its value and the fix. */
static void sysv_hint(struct ipc_err *e, int err, size_t size)
{
	char hint[320] = "";
	unsigned long shmmax = 0, shmmni = 0, shmall = 0;
	struct shm_info si;
	(void)ipc_read_ulong("/proc/sys/kernel/shmmax", &shmmax);
	(void)ipc_read_ulong("/proc/sys/kernel/shmmni", &shmmni);
	(void)ipc_read_ulong("/proc/sys/kernel/shmall", &shmall);
	unsigned long page = (unsigned long)base_page();
	if (err == EINVAL && size > shmmax) {
		snprintf(hint, sizeof(hint), "the segment is above kernel.shmmax "
			 "(%lu bytes); use a smaller --buf-size or raise it as "
			 "root: sysctl -w kernel.shmmax=%zu", shmmax, size);
	} else if (err == ENOSPC &&
		   shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&si) >= 0 &&
		   (unsigned long)si.used_ids >= shmmni) {
		snprintf(hint, sizeof(hint), "kernel.shmmni (%lu) segments "
			 "exist already (ipcs -m); remove leftovers (ipclab "
			 "clean) or raise it as root: sysctl -w "
			 "kernel.shmmni=%lu", shmmni, shmmni * 2 + 16);
	} else if (err == ENOSPC) {
		/* Not the count: the pages of all segments, kernel.shmall. */
		unsigned long need = (unsigned long)((size + page - 1) / page);
		snprintf(hint, sizeof(hint), "kernel.shmall (%lu pages of %lu "
			 "bytes) is used up, this segment needs %lu more (ipcs "
			 "-mu); remove leftovers (ipclab clean) or raise it as "
			 "root: sysctl -w kernel.shmall=%lu", shmall, page,
			 need, shmall + need * 2);
	}
	if (hint[0])
		add_hint(e, hint);
}

static int create_sysv(struct region *r, enum backing b, struct ipc_err *e)
{
	int flags = IPC_CREAT | IPC_EXCL | 0600;
	if (b == BACK_HUGETLB) {
#ifdef HAVE_SHM_HUGETLB
		flags |= SHM_HUGETLB;
#else
		return ipc_errf(e, EOPNOTSUPP, "shmget(SHM_HUGETLB)");
#endif
	}
	key_t key = 0;
	for (unsigned attempt = 0; attempt < 64; attempt++) {
		key = ipc_sysv_key(attempt);
		r->shmid = shmget(key, r->size, flags);
		if (r->shmid >= 0 || errno != EEXIST)
			break;
	}
	if (r->shmid < 0) {
		int err = errno;
		ipc_errf(e, err, "shmget(%s%zu bytes)",
			 b == BACK_HUGETLB ? "SHM_HUGETLB, " : "", r->size);
		sysv_hint(e, err, r->size);
		return -err;
	}
	r->key = key;
	void *want = NULL;
	int shmflg = 0;
	if (b == BACK_THP) {
		want = reserve_aligned(r->size, thp_pmd_size());
		if (want == MAP_FAILED)
			return ipc_errf(e, errno, "mmap(reserve %zu bytes)",
					r->size);
		shmflg = SHM_REMAP; /* replace the reservation */
	}
	void *a = shmat(r->shmid, want, shmflg);
	if (a == (void *)-1) {
		int err = errno;
		if (want)
			(void)munmap(want, r->size);
		return ipc_errf(e, err, "shmat(%d)", r->shmid);
	}
	r->addr = a;
	set_mechanism(r, "sysv-shm");
	return 0;
}

/* Allocate the pages and fill this process's page tables for them. */
static int populate_mapping(struct region *r, struct ipc_err *e)
{
#ifdef HAVE_MADV_POPULATE_WRITE
	if (madvise(r->addr, r->size, MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)
		return ipc_errf(e, errno, "madvise(%zu bytes, "
				"MADV_POPULATE_WRITE)", r->size);
#else
	(void)e;
#endif
	/* Kernels before 5.14: one write fault per page.  An atomic add of 0
	 * faults the page writable without changing what a peer wrote. */
	size_t page = base_page();
	char *p = r->addr;
	for (size_t off = 0; off < r->size; off += page)
		(void)__atomic_fetch_add(p + off, 0, __ATOMIC_RELAXED);
	return 0;
}

/* Make the object for one backing; on failure everything is removed. */
static int create_backing(struct region *r, size_t size, const char *name,
			  enum backing b, struct ipc_err *e)
{
	char a[32];
	size_t unit = base_page();
	struct region_hugetlb_pool p;
	r->info.note[0] = '\0';
	if (b == BACK_HUGETLB) {
		if (region_hugetlb_pool(&p) < 0 || p.page_size == 0)
			return ipc_errf(e, EOPNOTSUPP, "hugetlb pages (no "
					"Hugepagesize in /proc/meminfo)");
		unit = p.page_size;
	} else if (b == BACK_THP) {
		unit = thp_pmd_size();
		if (unit == 0)
			return ipc_errf(e, EOPNOTSUPP, "transparent huge pages "
					"(no %s/hpage_pmd_size)", THP_DIR);
	}
	r->size = ipc_round_up(size ? size : 1, unit);
	r->info.size = r->size;
	if (b != BACK_SMALL && r->size != size)
		snprintf(r->info.note, sizeof(r->info.note),
			 "size rounded up from %zu to %zu bytes (%zu pages "
			 "of %s)", size, r->size, r->size / unit,
			 fmt_size(a, sizeof(a), unit));

	int rc;
	switch (r->kind) {
	case REGION_POSIX:
		if (b == BACK_HUGETLB)
			rc = name ? create_hugetlbfs(r, name, e)
				  : create_memfd(r, b, e);
		else if (b == BACK_THP && !name)
			rc = create_memfd(r, b, e); /* follows shmem_enabled */
		else
			rc = create_posix(r, name, b, e);
		break;
	case REGION_SYSV:
		rc = create_sysv(r, b, e);
		break;
	case REGION_MEMFD:
		rc = create_memfd(r, b, e);
		break;
	default:
		rc = map_region(r, -1, b, "anonymous shared", e);
		if (rc == 0)
			set_mechanism(r, "anon");
		break;
	}
	if (rc < 0 && b == BACK_HUGETLB) {
		char hint[200];
		hugetlb_hint(r, -rc, hint, sizeof(hint));
		add_hint(e, hint);
	}
#ifdef HAVE_MADV_HUGEPAGE
	if (rc == 0 && b == BACK_THP &&
	    madvise(r->addr, r->size, MADV_HUGEPAGE) < 0)
		rc = ipc_errf(e, errno, "madvise(%zu bytes, MADV_HUGEPAGE)",
			      r->size);
#endif
	if (rc == 0 && r->opts.populate &&
	    (r->kind == REGION_SYSV || b == BACK_THP))
		rc = populate_mapping(r, e);
	if (rc < 0) {
		region_destroy(r);
		return rc;
	}
	r->info.hugetlb = b == BACK_HUGETLB;
	return 0;
}

int region_create(struct region *r, enum region_kind kind, size_t size,
		  const struct region_opts *o, const char *name,
		  struct ipc_err *e)
{
	region_init(r);
	r->kind = kind;
	if (o)
		r->opts = *o;
	r->info.requested = size;
	enum region_hugepages hp = r->opts.hugepages;
	int rc;

	if (hp == REGION_HP_ON || hp == REGION_HP_THP) {
		char why[sizeof(e->msg)];
		rc = region_hugepages_check(kind, size, &r->opts, name != NULL,
					    why, sizeof(why));
		if (rc < 0) {
			if (e)
				snprintf(e->msg, sizeof(e->msg), "%s", why);
			return rc;
		}
	}
	if (hp == REGION_HP_ON || hp == REGION_HP_TRY) {
		struct ipc_err he;
		rc = create_backing(r, size, name, BACK_HUGETLB, &he);
		if (rc == 0)
			goto created;
		if (hp == REGION_HP_ON) {
			if (e)
				*e = he;
			return rc;
		}
		/* try: the failed attempt left nothing; start again small. */
		region_init(r);
		r->kind = kind;
		r->opts = *o;
		r->info.requested = size;
		rc = create_backing(r, size, name, BACK_SMALL, e);
		if (rc < 0)
			return rc;
		r->info.hugepages_fallback = 1;
		snprintf(r->info.note, sizeof(r->info.note),
			 "hugetlb pages not obtained, 4 KiB pages used: ");
		append_trunc(r->info.note, sizeof(r->info.note), he.msg);
		goto created;
	}
	rc = create_backing(r, size, name,
			    hp == REGION_HP_THP ? BACK_THP : BACK_SMALL, e);
	if (rc < 0)
		return rc;
created:
	r->note_base = strlen(r->info.note);
	/* Fork mode: remove the name now; the mapping outlives it, and a crash
	 * of any process can no longer leak the object. */
	if (!name)
		region_unlink(r);
	return 0;
}

int region_open_opts(struct region *r, enum region_kind kind,
		     const char *name, const struct region_opts *o,
		     struct ipc_err *e)
{
	region_init(r);
	r->kind = kind;
	if (o)
		r->opts = *o;
	if (kind != REGION_POSIX)
		return ipc_errf(e, EINVAL, "region_open(%s): only POSIX by name",
				name);
	const char *mech = "posix-shm";
	char path[sizeof(r->name)];
	snprintf(path, sizeof(path), "%s", name);
	r->fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (r->fd < 0 && errno == ENOENT) {
		/* The creator may have used hugetlbfs (--hugepages on). */
		struct ipc_err pe;
		if (hugetlbfs_path(name, path, sizeof(path), &pe) == 0) {
			r->fd = open(path, O_RDWR | O_CLOEXEC);
			if (r->fd >= 0)
				mech = "hugetlbfs";
			else
				errno = ENOENT;
		} else {
			errno = ENOENT;
		}
	}
	if (r->fd < 0)
		return ipc_errf(e, errno, "shm_open(%s)", name);
	struct stat st;
	if (fstat(r->fd, &st) < 0) {
		int err = errno;
		region_destroy(r);
		return ipc_errf(e, err, "fstat(%s)", path);
	}
	if (st.st_uid != geteuid()) {
		region_destroy(r);
		return ipc_errf(e, EPERM, "%s belongs to uid %ld, not to you",
				path, (long)st.st_uid);
	}
	r->size = (size_t)st.st_size;
	r->info.size = r->info.requested = r->size;
	if (r->size == 0) {
		region_destroy(r);
		return ipc_errf(e, ENODATA, "%s is empty (not set up yet?)", path);
	}
	r->info.hugetlb = strcmp(mech, "hugetlbfs") == 0;
	/* THP needs the mapping on a 2 MiB boundary, like the creator's. */
	size_t pmd = thp_pmd_size();
	enum backing b = BACK_SMALL;
	if (r->opts.hugepages == REGION_HP_THP && !r->info.hugetlb && pmd &&
	    r->size % pmd == 0)
		b = BACK_THP;
	int rc = map_region(r, r->fd, b, path, e);
#ifdef HAVE_MADV_HUGEPAGE
	if (rc == 0 && b == BACK_THP &&
	    madvise(r->addr, r->size, MADV_HUGEPAGE) < 0)
		rc = ipc_errf(e, errno, "madvise(%s, MADV_HUGEPAGE)", path);
#endif
	if (rc < 0) {
		region_destroy(r);
		return rc;
	}
	snprintf(r->name, sizeof(r->name), "%s", path);
	set_mechanism(r, mech);
	return 0;
}

int region_open(struct region *r, enum region_kind kind, const char *name,
		struct ipc_err *e)
{
	return region_open_opts(r, kind, name, NULL, e);
}

int region_prepare(struct region *r, struct ipc_err *e)
{
	if (r->addr == MAP_FAILED)
		return ipc_errf(e, EINVAL, "region_prepare: not mapped");
	if (r->opts.populate) {
		/* Pre-fault in this process: page tables are per process, so the
		 * parent's faults would not save the children theirs. */
		int rc = populate_mapping(r, e);
		if (rc < 0)
			return rc;
		r->info.populated = 1;
	}
	region_read_back(r);
	if (r->info.hugetlb) {
		struct region_hugetlb_pool p;
		if (region_hugetlb_pool(&p) == 0 && r->info.page_size &&
		    r->info.page_size != p.page_size)
			return ipc_errf(e, EIO, "hugetlb region, but smaps "
					"reports %zu-byte pages", r->info.page_size);
	}
	return 0;
}

/* ---- reading back ---- */

int region_smaps_read(const void *addr, size_t len, struct region_smaps *out)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -errno;
	char line[512];
	int inside = 0;
	uintptr_t lo_want = (uintptr_t)addr, hi_want = lo_want + len;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, off;
		char perms[8];
		/* A VMA header: "lo-hi perms offset dev inode [path]".  Field
		 * lines never match: their name is followed by ':'. */
		if (sscanf(line, "%lx-%lx %7s %lx ", &lo, &hi, perms, &off) == 4 &&
		    strlen(perms) == 4) {
			if (len == 0)
				inside = lo_want >= lo && lo_want < hi;
			else
				inside = lo < hi_want && hi > lo_want;
			if (inside)
				out->vmas++;
			continue;
		}
		if (!inside)
			continue;
		unsigned long kb;
		if (sscanf(line, "KernelPageSize: %lu kB", &kb) == 1) {
			size_t page = (size_t)kb * 1024;
			if (!out->kernel_page_size || page < out->kernel_page_size)
				out->kernel_page_size = page;
		} else if (sscanf(line, "Rss: %lu kB", &kb) == 1) {
			out->rss += (size_t)kb * 1024;
		} else if (sscanf(line, "ShmemPmdMapped: %lu kB", &kb) == 1 ||
			   sscanf(line, "FilePmdMapped: %lu kB", &kb) == 1 ||
			   sscanf(line, "AnonHugePages: %lu kB", &kb) == 1) {
			out->thp_bytes += (size_t)kb * 1024;
		} else if (sscanf(line, "Shared_Hugetlb: %lu kB", &kb) == 1 ||
			   sscanf(line, "Private_Hugetlb: %lu kB", &kb) == 1) {
			out->hugetlb_bytes += (size_t)kb * 1024;
		}
	}
	fclose(f);
	return out->vmas ? 0 : -ENOENT;
}

size_t region_smaps_page_size(const void *addr, size_t *thp_bytes)
{
	struct region_smaps s;
	int rc = region_smaps_read(addr, 0, &s);
	if (thp_bytes)
		*thp_bytes = rc == 0 ? s.thp_bytes : 0;
	return rc == 0 ? s.kernel_page_size : 0;
}

void region_read_back(struct region *r)
{
	struct region_smaps s;
	if (r->note_base < sizeof(r->info.note))
		r->info.note[r->note_base] = '\0';
	r->info.page_size = 0;
	r->info.thp_bytes = 0;
	if (r->addr == MAP_FAILED ||
	    region_smaps_read(r->addr, r->size, &s) < 0)
		return;
	size_t page = s.kernel_page_size;
	size_t pmd = thp_pmd_size();
	/* KernelPageSize of shmem is 4 KiB even where THP back it: only call
	 * it a 2 MiB region when most of it is PMD-mapped. */
	if (pmd && page && page < pmd && s.thp_bytes > r->size / 2)
		page = pmd;
	r->info.page_size = page;
	r->info.thp_bytes = s.thp_bytes;
	if (s.thp_bytes || r->opts.hugepages == REGION_HP_THP) {
		size_t n = strlen(r->info.note);
		snprintf(r->info.note + n, sizeof(r->info.note) - n,
			 "%sTHP: %zu of %zu bytes PMD-mapped%s", n ? "; " : "",
			 s.thp_bytes, r->size,
			 s.thp_bytes == 0 && !r->info.populated
				 ? " (not touched yet)" : "");
	}
}

void region_unlink(struct region *r)
{
	if (r->name[0] && r->kind == REGION_POSIX) {
		if (r->name[0] == '/' && strchr(r->name + 1, '/') == NULL)
			(void)shm_unlink(r->name);
		else
			(void)unlink(r->name); /* a file on hugetlbfs */
	}
	r->name[0] = '\0';
	if (r->shmid >= 0) {
		/* Marked for removal: gone once the last process detaches. */
		(void)shmctl(r->shmid, IPC_RMID, NULL);
		r->shmid = -1;
	}
}

void region_destroy(struct region *r)
{
	track_posix(r, 0);
	if (r->addr != MAP_FAILED && r->addr != NULL) {
		if (r->kind == REGION_SYSV)
			(void)shmdt(r->addr);
		else
			(void)munmap(r->addr, r->size);
	}
	r->addr = MAP_FAILED;
	region_unlink(r);
	if (r->fd >= 0)
		(void)close(r->fd);
	r->fd = -1;
}
