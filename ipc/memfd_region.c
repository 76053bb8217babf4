/* memfd_region.c - adopting a region received as a descriptor (see
 * memfd_region.h); one copy for memfd and shm-eventfd. */
#include "memfd_region.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

void *ipc_map_aligned(int fd, size_t size, size_t align)
{
	char *res = mmap(NULL, size + align, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return MAP_FAILED;
	char *a = (char *)ipc_round_up((size_t)(uintptr_t)res, align);
	void *m = mmap(a, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		       fd, 0);
	if (m == MAP_FAILED) {
		int err = errno;
		(void)munmap(res, size + align);
		errno = err;
		return MAP_FAILED;
	}
	if (a > res)
		(void)munmap(res, (size_t)(a - res));
	size_t tail = (size_t)(res + size + align - (a + size));
	if (tail)
		(void)munmap(a + size, tail);
	return m;
}

int ipc_adopt_region(struct region *r, int fd, const char *what,
		     uint64_t size, int hugetlb, int thp, int sealed,
		     const struct region_opts *o, struct ipc_err *e)
{
	region_init(r);
	r->kind = REGION_POSIX;
	r->fd = fd;
	r->opts.populate = o->populate;
	r->opts.hugepages = hugetlb ? REGION_HP_ON
			    : thp   ? REGION_HP_THP
				    : REGION_HP_OFF;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return ipc_errf(e, errno, "fstat(%s)", what);
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return ipc_errf(e, EPERM, "the region received is not a file "
				"of yours (mode 0%o, uid %ld)",
				(unsigned)st.st_mode, (long)st.st_uid);
	if ((uint64_t)st.st_size != size)
		return ipc_errf(e, EBADMSG, "the %s received has %lld bytes, "
				"the writer says %llu", what,
				(long long)st.st_size,
				(unsigned long long)size);
	if (sealed) {
		int seals = fcntl(fd, F_GET_SEALS);
		if (seals < 0)
			return ipc_errf(e, errno, "fcntl(%s, F_GET_SEALS)",
					what);
		if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW)) !=
		    (F_SEAL_SHRINK | F_SEAL_GROW))
			return ipc_errf(e, EPERM, "the %s received is not "
					"sealed against resizing (seals 0x%x): "
					"a truncate would make our accesses "
					"SIGBUS", what, seals);
	}
	r->size = (size_t)st.st_size;
	r->info.size = r->info.requested = r->size;
	void *m;
	if (thp) {
		unsigned long pmd = 0;
		if (ipc_read_ulong(IPC_THP_PMD_FILE, &pmd) < 0 || pmd == 0)
			return ipc_errf(e, EOPNOTSUPP, "transparent huge pages "
					"(no %s)", IPC_THP_PMD_FILE);
		m = ipc_map_aligned(fd, r->size, (size_t)pmd);
	} else {
		m = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0);
	}
	if (m == MAP_FAILED)
		return ipc_errf(e, errno, "mmap(%s, %zu)", what, r->size);
	r->addr = m;
#ifdef HAVE_MADV_HUGEPAGE
	if (thp && madvise(m, r->size, MADV_HUGEPAGE) < 0)
		return ipc_errf(e, errno, "madvise(%s, MADV_HUGEPAGE)", what);
#endif
	r->info.hugetlb = hugetlb != 0;
	return 0;
}
