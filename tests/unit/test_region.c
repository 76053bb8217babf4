/*
 * test_region.c - the shared-region helper: what it obtains, and that it
 * says so.
 *
 * Checks that populate really pre-faults (minor faults while writing the
 * whole region, counted with getrusage in a forked child, drop from one per
 * page to about none), that the page size is read back (4 KiB normally,
 * 2 MiB for hugetlb and THP regions), that `--hugepages on` which the pool
 * cannot honour is refused before anything exists and `try` records its
 * fallback, and that every object is gone after region_destroy.
 *
 * As root the test reserves huge pages itself (vm.nr_hugepages) and turns
 * shmem THP to `advise` when it is off, in a forked child so that the
 * parent restores the old values whatever happens to the child; changes are
 * made under an flock on LOCK_PATH, which scripts/hugepages.sh takes too.
 * Those two cases are named *_root (tests/check.h): they run only when
 * named, as ctest's unit.test_region.hugetlb_root and .thp_root (label
 * root; `ctest -LE root` leaves them out).  Cases that need root or pages
 * print SKIP; the test exits 77 only when every case it ran was skipped.
 *
 *   ./test_region            every case but the root ones
 *   ./test_region NAME       one case
 */
#include "check.h"
#include "region.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MiB (1024u * 1024u)
#define LOCK_PATH "/run/lock/ipclab-hugepages.lock"
#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"
#define SHMEM_ENABLED "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

static const enum region_kind kinds[] = {REGION_POSIX, REGION_SYSV,
					 REGION_ANON};
static const char *const kind_names[] = {"posix", "sysv", "anon"};

/* ---- what exists: fds, /dev/shm, /proc/sysvipc/shm ---- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int count_my_shm_files(void)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), IPC_NAME_PREFIX "%ld-",
		 (long)getpid());
	DIR *d = opendir("/dev/shm");
	int n = 0;
	if (!d)
		return -1;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

/* SysV segments of this process: a key with ipclab's mark and our pid, or
 * (after IPC_RMID made the key private) our pid as creator. */
static int count_my_sysv(int *keyed)
{
	FILE *f = fopen("/proc/sysvipc/shm", "re");
	if (!f)
		return -1;
	char line[512];
	int n = 0, k = 0;
	pid_t me = getpid();
	if (!fgets(line, sizeof(line), f)) { /* header */
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		int key, id, cpid;
		unsigned perms;
		unsigned long size;
		if (sscanf(line, "%d %d %o %lu %d", &key, &id, &perms, &size,
			   &cpid) != 5)
			continue;
		pid_t kp;
		int ours = ipc_sysv_key_is_ours((key_t)key, &kp) &&
			   kp == (me & 0x3fffff);
		if (ours)
			k++;
		if (ours || cpid == me)
			n++;
	}
	fclose(f);
	if (keyed)
		*keyed = k;
	return n;
}

struct census {
	int fds, shm, sysv;
};

static struct census census(void)
{
	struct census c = {count_fds(), count_my_shm_files(),
			   count_my_sysv(NULL)};
	return c;
}

#define CHECK_NOTHING_LEFT(before)                                           \
	do {                                                                 \
		struct census now_ = census();                               \
		CHECK_EQ_U(now_.fds, (before).fds);                          \
		CHECK_EQ_U(now_.shm, (before).shm);                          \
		CHECK_EQ_U(now_.sysv, (before).sysv);                        \
	} while (0)

/* ---- data and faults ---- */

/* Not instrumented: AddressSanitizer would fault in its own shadow pages
 * while we count the region's faults. */
__attribute__((no_sanitize("address"))) static void
fill_words(void *p, size_t len, uint64_t seed)
{
	uint64_t *w = p;
	for (size_t i = 0; i < len / 8; i++)
		w[i] = seed ^ (i * 0x9e3779b97f4a7c15ull);
}

__attribute__((no_sanitize("address"))) static size_t
bad_words(const void *p, size_t len, uint64_t seed)
{
	const uint64_t *w = p;
	size_t bad = 0;
	for (size_t i = 0; i < len / 8; i++)
		bad += w[i] != (seed ^ (i * 0x9e3779b97f4a7c15ull));
	return bad;
}

/*
 * In a forked child (as the transports' writer would): region_prepare, then
 * write the whole region and count the minor faults that cost.  Returns the
 * count, or -1 when the child failed; the child's pattern stays in the
 * region for the caller to check.
 */
static long child_write_faults(struct region *r, uint64_t seed)
{
	int fd[2];
	if (pipe(fd) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct ipc_err e = {{0}};
		struct rusage a, b;
		long faults = -1;
		close(fd[0]);
		if (region_prepare(r, &e) == 0 && getrusage(RUSAGE_SELF, &a) == 0) {
			fill_words(r->addr, r->size, seed);
			if (getrusage(RUSAGE_SELF, &b) == 0)
				faults = b.ru_minflt - a.ru_minflt;
		} else {
			fprintf(stderr, "child: %s\n", e.msg);
		}
		(void)!write(fd[1], &faults, sizeof(faults));
		_exit(0);
	}
	close(fd[1]);
	long faults = -1;
	if (read(fd[0], &faults, sizeof(faults)) != (ssize_t)sizeof(faults))
		faults = -1;
	close(fd[0]);
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		faults = -1;
	return faults;
}

/* ---- the cases ---- */

static void test_page_size_4k(void)
{
	static const char *const mech[] = {"posix-shm", "sysv-shm", "anon"};
	for (unsigned k = 0; k < 3; k++) {
		struct region_opts o = {.populate = 1,
					.hugepages = REGION_HP_OFF};
		struct region r;
		struct ipc_err e = {{0}};
		struct census before = census();
		int rc = region_create(&r, kinds[k], 10000, &o, NULL, &e);
		CHECK(rc == 0);
		if (rc < 0) {
			fprintf(stderr, "%s: %s\n", kind_names[k], e.msg);
			continue;
		}
		CHECK_EQ_U(r.info.requested, 10000);
		CHECK_EQ_U(r.info.size, 12288);
		CHECK_STR(r.info.mechanism, mech[k]);
		CHECK(region_prepare(&r, &e) == 0);
		CHECK_EQ_U(r.info.page_size, 4096);
		CHECK_EQ_U(r.info.hugetlb, 0);
		CHECK_EQ_U(r.info.hugepages_fallback, 0);
		CHECK_EQ_U(r.info.populated, 1);
		CHECK_EQ_U(region_smaps_page_size(r.addr, NULL), 4096);
		region_destroy(&r);
		region_destroy(&r); /* idempotent */
		CHECK_NOTHING_LEFT(before);
	}
}

/* REGION_MEMFD: a memfd whatever the options, sealed so that no one can
 * resize it under a mapping, and nothing left after destroy. */
static void test_memfd_sealed(void)
{
	struct region_opts o = {.populate = 1, .hugepages = REGION_HP_OFF};
	struct region r;
	struct ipc_err e = {{0}};
	struct census before = census();
	int rc = region_create(&r, REGION_MEMFD, 10000, &o, NULL, &e);
	CHECK(rc == 0);
	if (rc < 0) {
		fprintf(stderr, "memfd: %s\n", e.msg);
		return;
	}
	CHECK_EQ_U(r.info.size, 12288);
	CHECK_STR(r.info.mechanism, "memfd");
	int seals = fcntl(r.fd, F_GET_SEALS);
	CHECK_EQ_U(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
		   F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	CHECK(ftruncate(r.fd, 4096) < 0 && errno == EPERM);
	CHECK(region_prepare(&r, &e) == 0);
	CHECK_EQ_U(r.info.page_size, 4096);
	CHECK_EQ_U(r.info.populated, 1);
	region_destroy(&r);
	CHECK_NOTHING_LEFT(before);
}

static void test_populate_faults(void)
{
	const size_t size = 8 * MiB;
	const long pages = (long)(size / 4096);
	for (unsigned k = 0; k < 3; k++)
		for (int pop = 0; pop <= 1; pop++) {
			struct region_opts o = {.populate = pop,
						.hugepages = REGION_HP_OFF};
			struct region r;
			struct ipc_err e = {{0}};
			int rc = region_create(&r, kinds[k], size, &o, NULL, &e);
			CHECK(rc == 0);
			if (rc < 0) {
				fprintf(stderr, "%s: %s\n", kind_names[k], e.msg);
				continue;
			}
			uint64_t seed = 0x1234u + k * 2u + (unsigned)pop;
			long faults = child_write_faults(&r, seed);
			printf("  %s populate=%s: %ld minor faults writing %ld "
			       "pages\n", kind_names[k], pop ? "on" : "off",
			       faults, pages);
			CHECK(faults >= 0);
			if (pop)
				CHECK(faults < pages / 100);
			else
				CHECK(faults >= pages * 9 / 10 &&
				      faults <= pages * 11 / 10 + 64);
			/* What the child wrote is in the parent's view. */
			CHECK_EQ_U(bad_words(r.addr, r.size, seed), 0);
			region_destroy(&r);
		}
}

static void test_check_off_try(void)
{
	char why[256] = "x";
	struct region_opts o = {.hugepages = REGION_HP_OFF};
	CHECK(region_hugepages_check(REGION_POSIX, 1 << 30, &o, 1, why,
				     sizeof(why)) == 0);
	CHECK_STR(why, "");
	o.hugepages = REGION_HP_TRY;
	strcpy(why, "x");
	CHECK(region_hugepages_check(REGION_SYSV, (size_t)1 << 40, &o, 0, why,
				     sizeof(why)) == 0);
	CHECK_STR(why, "");
	CHECK(region_hugepages_check(REGION_ANON, 1, NULL, 0, NULL, 0) == 0);
	CHECK_EQ_U(region_round_size(1, &o) % (2 * MiB), 0);
	o.hugepages = REGION_HP_OFF;
	CHECK_EQ_U(region_round_size(4097, &o), 8192);
}

/* A shared lock: whoever reserves pages (the root cases, the setup script)
 * holds it exclusively, so the pool does not change under these cases. */
static int lock_pool(int how)
{
	int fd = open(LOCK_PATH, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0 && flock(fd, how) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void unlock_pool(int fd)
{
	if (fd >= 0)
		close(fd);
}

static void test_on_refused(void)
{
	struct region_hugetlb_pool p;
	int lk = lock_pool(LOCK_SH);
	if (region_hugetlb_pool(&p) < 0 || p.page_size == 0) {
		check_skip("no hugetlb support in this kernel");
		unlock_pool(lk);
		return;
	}
	/* One page more than the pool can give, whatever it holds now. */
	unsigned long need = p.available + 1;
	size_t size = need * p.page_size - 4096;
	char expect[96], reserve[96];
	snprintf(expect, sizeof(expect), "needs %lu huge page%s of 2 MiB", need,
		 need == 1 ? "" : "s");
	snprintf(reserve, sizeof(reserve), "%lu free", p.available);
	struct region_opts o = {.populate = 1, .hugepages = REGION_HP_ON};
	for (unsigned k = 0; k < 3; k++) {
		char why[256];
		int rc = region_hugepages_check(kinds[k], size, &o, 0, why,
						sizeof(why));
		printf("  %s: %s\n", kind_names[k], why);
		CHECK(rc == -EINVAL);
		CHECK(strstr(why, "--hugepages on") != NULL);
		CHECK(strstr(why, expect) != NULL);
		CHECK(strstr(why, reserve) != NULL);
		CHECK(strstr(why, "HugePages_Free") != NULL);
		CHECK(strstr(why, "scripts/hugepages.sh reserve") != NULL);

		struct census before = census();
		struct region r;
		struct ipc_err e = {{0}};
		rc = region_create(&r, kinds[k], size, &o, NULL, &e);
		CHECK(rc < 0);
		CHECK(strstr(e.msg, expect) != NULL);
		CHECK(r.addr == MAP_FAILED);
		region_destroy(&r);
		CHECK_NOTHING_LEFT(before);
	}
	char mnt[256], why[256];
	if (region_hugetlbfs_mount(mnt, sizeof(mnt)) < 0) {
		/* Named POSIX needs a hugetlbfs mount; this machine has none. */
		int rc = region_hugepages_check(REGION_POSIX, 4096, &o, 1, why,
						sizeof(why));
		printf("  posix named: %s\n", why);
		CHECK(rc == -EINVAL);
		CHECK(strstr(why, "hugetlbfs") != NULL);
		CHECK(strstr(why, "scripts/hugepages.sh") != NULL);
	}
	unlock_pool(lk);
}

static void test_try_fallback(void)
{
	static const char *const mech[] = {"posix-shm", "sysv-shm", "anon"};
	struct region_hugetlb_pool p;
	int lk = lock_pool(LOCK_SH);
	if (region_hugetlb_pool(&p) < 0 || p.page_size == 0) {
		check_skip("no hugetlb support in this kernel");
		unlock_pool(lk);
		return;
	}
	size_t size = (p.available + 1) * p.page_size;
	struct region_opts o = {.populate = 1, .hugepages = REGION_HP_TRY};
	for (unsigned k = 0; k < 3; k++) {
		struct census before = census();
		struct region r;
		struct ipc_err e = {{0}};
		char why[256];
		CHECK(region_hugepages_check(kinds[k], size, &o, 0, why,
					     sizeof(why)) == 0);
		int rc = region_create(&r, kinds[k], size, &o, NULL, &e);
		CHECK(rc == 0);
		if (rc < 0) {
			fprintf(stderr, "%s: %s\n", kind_names[k], e.msg);
			continue;
		}
		printf("  %s: %s\n", kind_names[k], r.info.note);
		CHECK_EQ_U(r.info.hugepages_fallback, 1);
		CHECK_EQ_U(r.info.hugetlb, 0);
		CHECK_STR(r.info.mechanism, mech[k]);
		CHECK(strstr(r.info.note, "4 KiB pages used") != NULL);
		/* Short of pages; or, for SysV without CAP_IPC_LOCK, refused. */
		CHECK(strstr(r.info.note, "ENOMEM") != NULL ||
		      (kinds[k] == REGION_SYSV && geteuid() != 0 &&
		       strstr(r.info.note, "CAP_IPC_LOCK") != NULL));
		CHECK(region_prepare(&r, &e) == 0);
		CHECK_EQ_U(r.info.page_size, 4096);
		fill_words(r.addr, r.size, 77);
		CHECK_EQ_U(bad_words(r.addr, r.size, 77), 0);
		region_destroy(&r);
		CHECK_NOTHING_LEFT(before);
	}
	unlock_pool(lk);
}

static void test_thp_refused(void)
{
	char mode[32], why[256];
	struct region_opts o = {.populate = 1, .hugepages = REGION_HP_THP};
	int ran = 0;
	/* /dev/shm follows its own huge= mount option, which is unset here. */
	FILE *f = fopen("/proc/mounts", "re");
	char line[512];
	int shm_huge = 0;
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " /dev/shm tmpfs ") && strstr(line, "huge="))
			shm_huge = 1;
	if (f)
		fclose(f);
	if (region_thp_shmem_mode(mode, sizeof(mode)) == 0 &&
	    strcmp(mode, "force") != 0 && !shm_huge) {
		int rc = region_hugepages_check(REGION_POSIX, 4096, &o, 1, why,
						sizeof(why));
		printf("  posix named: %s\n", why);
		CHECK(rc == -EINVAL);
		CHECK(strstr(why, "/dev/shm") != NULL);
		CHECK(strstr(why, "huge=") != NULL);
		ran = 1;
	}
	if (region_thp_shmem_mode(mode, sizeof(mode)) == 0 &&
	    (strcmp(mode, "never") == 0 || strcmp(mode, "deny") == 0)) {
		for (unsigned k = 0; k < 3; k++) {
			int rc = region_hugepages_check(kinds[k], 4096, &o, 0,
							why, sizeof(why));
			printf("  %s: %s\n", kind_names[k], why);
			CHECK(rc == -EINVAL);
			CHECK(strstr(why, "shmem_enabled") != NULL);
			CHECK(strstr(why, "scripts/hugepages.sh thp advise") !=
			      NULL);
			struct census before = census();
			struct region r;
			struct ipc_err e = {{0}};
			CHECK(region_create(&r, kinds[k], 4096, &o, NULL, &e) < 0);
			CHECK(strstr(e.msg, "shmem_enabled") != NULL);
			region_destroy(&r);
			CHECK_NOTHING_LEFT(before);
		}
		ran = 1;
	}
	if (!ran)
		check_skip("shmem THP is allowed on this machine now");
}

static void test_objects_gone(void)
{
	struct region_opts o = {.populate = 0, .hugepages = REGION_HP_OFF};
	struct ipc_err e = {{0}};
	struct census before = census();
	char name[64], path[96];
	struct stat st;

	/* Named POSIX: the name exists until destroy, and a second mapping
	 * opened by name sees the same bytes. */
	ipc_unique_name(name, sizeof(name));
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	struct region r, r2;
	CHECK(region_create(&r, REGION_POSIX, 64 * 1024, &o, name, &e) == 0);
	CHECK(stat(path, &st) == 0);
	CHECK_EQ_U(count_my_shm_files(), before.shm + 1);
	fill_words(r.addr, r.size, 5);
	CHECK(region_open(&r2, REGION_POSIX, name, &e) == 0);
	CHECK_STR(r2.info.mechanism, "posix-shm");
	CHECK_EQ_U(r2.size, r.size);
	if (r2.addr != MAP_FAILED)
		CHECK_EQ_U(bad_words(r2.addr, r2.size, 5), 0);
	region_destroy(&r2);
	region_destroy(&r);
	CHECK(stat(path, &st) < 0 && errno == ENOENT);

	/* Fork-mode POSIX: no name is left even while it is mapped. */
	CHECK(region_create(&r, REGION_POSIX, 4096, &o, NULL, &e) == 0);
	CHECK_EQ_U(count_my_shm_files(), before.shm);
	region_destroy(&r);

	/* Named SysV: the key carries ipclab's mark and our pid until destroy. */
	int keyed = 0;
	CHECK(region_create(&r, REGION_SYSV, 64 * 1024, &o, "sysv", &e) == 0);
	CHECK(r.key != 0);
	CHECK_EQ_U(count_my_sysv(&keyed), before.sysv + 1);
	CHECK_EQ_U(keyed, 1);
	region_destroy(&r);
	CHECK_EQ_U(count_my_sysv(&keyed), before.sysv);
	CHECK_EQ_U(keyed, 0);

	/* Fork-mode SysV: removed at once (key now private), gone at detach. */
	CHECK(region_create(&r, REGION_SYSV, 64 * 1024, &o, NULL, &e) == 0);
	CHECK_EQ_U(count_my_sysv(&keyed), before.sysv + 1);
	CHECK_EQ_U(keyed, 0);
	region_destroy(&r);
	CHECK_NOTHING_LEFT(before);
}

/* ---- root: reserve pages / switch THP on, in a child ---- */

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	int err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* Run fn in a child; the case fails if the child fails or dies. */
static void in_child(void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		CHECK(pid >= 0);
		return;
	}
	if (pid == 0) {
		check_failed = 0;
		fn();
		fflush(NULL);
		_exit(check_failed ? 1 : 0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A 3 MiB hugetlb region of each kind: rounded to 4 MiB, 2 MiB pages read
 * back, and the bytes a forked child writes arrive intact. */
static void hugetlb_kinds(void)
{
	static const char *const mech[] = {"memfd", "sysv-shm", "anon"};
	struct region_hugetlb_pool before_pool, after_pool;
	CHECK(region_hugetlb_pool(&before_pool) == 0);
	for (unsigned k = 0; k < 3; k++)
		for (int hp = REGION_HP_ON; hp <= REGION_HP_TRY; hp++) {
			struct region_opts o = {
				.populate = 1,
				.hugepages = (enum region_hugepages)hp};
			struct census before = census();
			struct region r;
			struct ipc_err e = {{0}};
			char why[256];
			CHECK(region_hugepages_check(kinds[k], 3 * MiB, &o, 0,
						     why, sizeof(why)) == 0);
			int rc = region_create(&r, kinds[k], 3 * MiB, &o, NULL,
					       &e);
			CHECK(rc == 0);
			if (rc < 0) {
				fprintf(stderr, "%s: %s\n", kind_names[k], e.msg);
				continue;
			}
			printf("  %s %s: %s, %s\n", kind_names[k],
			       region_hugepages_name(o.hugepages),
			       r.info.mechanism, r.info.note);
			CHECK_STR(r.info.mechanism, mech[k]);
			CHECK_EQ_U(r.info.hugetlb, 1);
			CHECK_EQ_U(r.info.hugepages_fallback, 0);
			CHECK_EQ_U(r.size, 4 * MiB);
			CHECK(strstr(r.info.note, "rounded up") != NULL);
			uint64_t seed = 0xabc0u + k;
			long faults = child_write_faults(&r, seed);
			CHECK(faults >= 0 && faults < 16);
			CHECK_EQ_U(bad_words(r.addr, r.size, seed), 0);
			CHECK(region_prepare(&r, &e) == 0);
			CHECK_EQ_U(r.info.page_size, 2 * MiB);
			region_destroy(&r);
			CHECK_NOTHING_LEFT(before);
		}
	CHECK(region_hugetlb_pool(&after_pool) == 0);
	CHECK_EQ_U(after_pool.free, before_pool.free); /* all given back */
}

/*
 * Named POSIX with hugetlb pages, in a private mount namespace so that the
 * machine's mounts are not touched: first with no hugetlbfs (refused / a
 * recorded fallback), then with one mounted on a directory of ours.
 */
static char hugetlbfs_dir[64];

static void hugetlbfs_named(void)
{
	struct ipc_err e = {{0}};
	char why[256], name[64], path[160];
	struct stat st;
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "unshare/mount: %s\n", strerror(errno));
		CHECK(0);
		return;
	}
	char mnt[256];
	while (region_hugetlbfs_mount(mnt, sizeof(mnt)) == 0)
		if (umount2(mnt, MNT_DETACH) < 0) {
			CHECK(0);
			return;
		}
	struct region_opts on = {.populate = 1, .hugepages = REGION_HP_ON};
	struct region_opts try = {.populate = 1, .hugepages = REGION_HP_TRY};
	CHECK(region_hugepages_check(REGION_POSIX, 3 * MiB, &on, 1, why,
				     sizeof(why)) == -EINVAL);
	printf("  no mount: %s\n", why);
	CHECK(strstr(why, "hugetlbfs") && strstr(why, "scripts/hugepages.sh"));
	struct region r, r2;
	ipc_unique_name(name, sizeof(name));
	CHECK(region_create(&r, REGION_POSIX, 3 * MiB, &try, name, &e) == 0);
	CHECK_EQ_U(r.info.hugepages_fallback, 1);
	CHECK_STR(r.info.mechanism, "posix-shm");
	CHECK(strstr(r.info.note, "hugetlbfs") != NULL);
	region_destroy(&r);

	if (mount("none", hugetlbfs_dir, "hugetlbfs", 0, "mode=0700") < 0) {
		fprintf(stderr, "mount hugetlbfs: %s\n", strerror(errno));
		CHECK(0);
		return;
	}
	CHECK(region_hugetlbfs_mount(mnt, sizeof(mnt)) == 0);
	CHECK_STR(mnt, hugetlbfs_dir);
	CHECK(region_hugepages_check(REGION_POSIX, 3 * MiB, &on, 1, why,
				     sizeof(why)) == 0);
	ipc_unique_name(name, sizeof(name));
	snprintf(path, sizeof(path), "%s%s", hugetlbfs_dir, name);
	int rc = region_create(&r, REGION_POSIX, 3 * MiB, &on, name, &e);
	CHECK(rc == 0);
	if (rc < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	CHECK_STR(r.info.mechanism, "hugetlbfs");
	CHECK_STR(r.name, path);
	CHECK(strstr(path, "/ipclab-") != NULL);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(region_prepare(&r, &e) == 0);
	CHECK_EQ_U(r.info.page_size, 2 * MiB);
	fill_words(r.addr, r.size, 99);
	/* The second program finds it by the same name. */
	CHECK(region_open(&r2, REGION_POSIX, name, &e) == 0);
	CHECK_STR(r2.info.mechanism, "hugetlbfs");
	CHECK(region_prepare(&r2, &e) == 0);
	CHECK_EQ_U(r2.info.page_size, 2 * MiB);
	if (r2.addr != MAP_FAILED)
		CHECK_EQ_U(bad_words(r2.addr, r2.size, 99), 0);
	region_destroy(&r2);
	region_destroy(&r);
	CHECK(stat(path, &st) < 0 && errno == ENOENT);
	(void)umount2(hugetlbfs_dir, MNT_DETACH);
}

static void test_hugetlb_root(void)
{
	if (geteuid() != 0) {
		SKIP("not root: cannot reserve huge pages (vm.nr_hugepages)");
	}
	const unsigned long want = 4; /* two 4 MiB regions at a time at most */
	int lk = lock_pool(LOCK_EX);
	char old[32], val[32];
	struct region_hugetlb_pool p;
	if (read_text(NR_HUGEPAGES, old, sizeof(old)) < 0 ||
	    region_hugetlb_pool(&p) < 0 || p.page_size != 2 * MiB) {
		check_skip("no 2 MiB hugetlb pool here");
		unlock_pool(lk);
		return;
	}
	snprintf(val, sizeof(val), "%lu", strtoul(old, NULL, 10) + want);
	if (write_text(NR_HUGEPAGES, val) < 0 || region_hugetlb_pool(&p) < 0 ||
	    p.available < want) {
		(void)write_text(NR_HUGEPAGES, old);
		check_skip("the kernel did not give the huge pages asked for");
		unlock_pool(lk);
		return;
	}
	printf("  reserved: nr_hugepages %s -> %s (%lu free)\n", old, val,
	       p.available);
	in_child(hugetlb_kinds);
	snprintf(hugetlbfs_dir, sizeof(hugetlbfs_dir),
		 "/tmp/ipclab-%ld-hugetlbfs-XXXXXX", (long)getpid());
	if (mkdtemp(hugetlbfs_dir)) {
		in_child(hugetlbfs_named);
		CHECK(rmdir(hugetlbfs_dir) == 0);
	} else {
		CHECK(0);
	}
	/* Always give the pages back, whatever the children did. */
	CHECK(write_text(NR_HUGEPAGES, old) == 0);
	CHECK(read_text(NR_HUGEPAGES, val, sizeof(val)) == 0);
	CHECK_STR(val, old);
	unlock_pool(lk);
}

/* A 3 MiB THP region of each kind: rounded to 4 MiB, PMD-mapped once
 * touched, reported as 2 MiB pages only then. */
static void thp_kinds(void)
{
	static const char *const mech[] = {"memfd", "sysv-shm", "anon"};
	for (unsigned k = 0; k < 3; k++)
		for (int pop = 1; pop >= 0; pop--) {
			struct region_opts o = {.populate = pop,
						.hugepages = REGION_HP_THP};
			struct census before = census();
			struct region r;
			struct ipc_err e = {{0}};
			int rc = region_create(&r, kinds[k], 3 * MiB, &o, NULL,
					       &e);
			CHECK(rc == 0);
			if (rc < 0) {
				fprintf(stderr, "%s: %s\n", kind_names[k], e.msg);
				continue;
			}
			CHECK_STR(r.info.mechanism, mech[k]);
			CHECK_EQ_U(r.size, 4 * MiB);
			CHECK_EQ_U((uintptr_t)r.addr % (2 * MiB), 0);
			CHECK(region_prepare(&r, &e) == 0);
			printf("  %s populate=%d: page %zu, %s\n", kind_names[k],
			       pop, r.info.page_size, r.info.note);
			if (!pop) {
				/* Nothing touched yet: no THP to report. */
				CHECK_EQ_U(r.info.page_size, 4096);
				CHECK(strstr(r.info.note, "not touched") != NULL);
				fill_words(r.addr, r.size, 3);
				region_read_back(&r);
				printf("  %s after touching: page %zu, %s\n",
				       kind_names[k], r.info.page_size,
				       r.info.note);
			}
			CHECK_EQ_U(r.info.page_size, 2 * MiB);
			CHECK_EQ_U(r.info.thp_bytes, 4 * MiB);
			CHECK(strstr(r.info.note, "THP: 4194304 of 4194304") !=
			      NULL);
			CHECK(strstr(r.info.note, "rounded up") != NULL);
			region_destroy(&r);
			CHECK_NOTHING_LEFT(before);
		}
}

/* Only a quarter PMD-mapped is not a 2 MiB region; all of it is. */
static void thp_partial(void)
{
	struct region_opts o = {.populate = 0, .hugepages = REGION_HP_THP};
	struct region r;
	struct ipc_err e = {{0}};
	int rc = region_create(&r, REGION_ANON, 8 * MiB, &o, NULL, &e);
	CHECK(rc == 0);
	if (rc < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	CHECK(region_prepare(&r, &e) == 0);
	fill_words(r.addr, 2 * MiB, 1);
	region_read_back(&r);
	printf("  quarter touched: page %zu, %s\n", r.info.page_size,
	       r.info.note);
	CHECK_EQ_U(r.info.thp_bytes, 2 * MiB);
	CHECK_EQ_U(r.info.page_size, 4096);
	CHECK(strstr(r.info.note, "THP: 2097152 of 8388608") != NULL);
	fill_words(r.addr, r.size, 1);
	region_read_back(&r);
	CHECK_EQ_U(r.info.page_size, 2 * MiB);
	region_destroy(&r);
}

/* Named POSIX with THP: /dev/shm follows its huge= mount option, so mount a
 * tmpfs with huge=advise over it in a private mount namespace (the
 * machine's /dev/shm is not touched), and open the region by name as the
 * second program would. */
static void thp_named(void)
{
	struct ipc_err e = {{0}};
	char why[256], name[64];
	struct region_opts o = {.populate = 1, .hugepages = REGION_HP_THP};
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/dev/shm", "tmpfs", 0,
		  "huge=advise,size=64m,mode=1777") < 0) {
		fprintf(stderr, "private /dev/shm: %s\n", strerror(errno));
		CHECK(0);
		return;
	}
	CHECK(region_hugepages_check(REGION_POSIX, 3 * MiB, &o, 1, why,
				     sizeof(why)) == 0);
	struct region r, r2;
	ipc_unique_name(name, sizeof(name));
	int rc = region_create(&r, REGION_POSIX, 3 * MiB, &o, name, &e);
	CHECK(rc == 0);
	if (rc < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	CHECK_STR(r.info.mechanism, "posix-shm");
	CHECK(region_prepare(&r, &e) == 0);
	printf("  posix named: page %zu, %s\n", r.info.page_size, r.info.note);
	CHECK_EQ_U(r.info.page_size, 2 * MiB);
	fill_words(r.addr, r.size, 11);
	CHECK(region_open_opts(&r2, REGION_POSIX, name, &o, &e) == 0);
	CHECK(region_prepare(&r2, &e) == 0);
	printf("  opened by name: page %zu, %s\n", r2.info.page_size,
	       r2.info.note);
	CHECK_EQ_U(r2.info.page_size, 2 * MiB);
	CHECK_EQ_U(r2.info.populated, 1);
	if (r2.addr != MAP_FAILED)
		CHECK_EQ_U(bad_words(r2.addr, r2.size, 11), 0);
	region_destroy(&r2);
	region_destroy(&r);
	(void)umount2("/dev/shm", MNT_DETACH);
}

static void test_thp_root(void)
{
	char mode[32], old[128];
	if (geteuid() != 0) {
		SKIP("not root: cannot allow shmem THP (shmem_enabled)");
	}
	int lk = lock_pool(LOCK_EX);
	if (read_text(SHMEM_ENABLED, old, sizeof(old)) < 0 ||
	    region_thp_shmem_mode(mode, sizeof(mode)) < 0) {
		check_skip("no shmem THP in this kernel");
		unlock_pool(lk);
		return;
	}
	char *sel = strchr(old, '['), *end = strchr(old, ']');
	int changed = 0;
	if (strcmp(mode, "advise") != 0 && strcmp(mode, "always") != 0 &&
	    strcmp(mode, "within_size") != 0 && strcmp(mode, "force") != 0) {
		if (!sel || !end || write_text(SHMEM_ENABLED, "advise") < 0) {
			check_skip("could not set shmem_enabled to advise");
			unlock_pool(lk);
			return;
		}
		*end = '\0';
		changed = 1;
	}
	if (region_thp_shmem_mode(mode, sizeof(mode)) == 0 &&
	    strcmp(mode, "never") != 0 && strcmp(mode, "deny") != 0) {
		in_child(thp_kinds);
		in_child(thp_partial);
		in_child(thp_named);
	}
	else
		check_skip("THP for 2 MiB shmem pages is off (hugepages-2048kB)");
	if (changed) {
		CHECK(write_text(SHMEM_ENABLED, sel + 1) == 0);
		CHECK(region_thp_shmem_mode(mode, sizeof(mode)) == 0);
		CHECK_STR(mode, sel + 1);
	}
	unlock_pool(lk);
}

static void test_parse_names(void)
{
	enum region_hugepages h;
	static const char *const names[] = {"off", "on", "try", "thp"};
	for (unsigned i = 0; i < 4; i++) {
		CHECK(region_hugepages_parse(names[i], &h) == 0);
		CHECK_EQ_U(h, i);
		CHECK_STR(region_hugepages_name(h), names[i]);
	}
	CHECK(region_hugepages_parse("2M", &h) == -1);
}

static const struct test_case cases[] = {
	{"parse_names", test_parse_names},
	{"page_size_4k", test_page_size_4k},
	{"memfd_sealed", test_memfd_sealed},
	{"populate_faults", test_populate_faults},
	{"check_off_try", test_check_off_try},
	{"on_refused", test_on_refused},
	{"try_fallback", test_try_fallback},
	{"thp_refused", test_thp_refused},
	{"objects_gone", test_objects_gone},
	{"hugetlb_root", test_hugetlb_root},
	{"thp_root", test_thp_root},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
