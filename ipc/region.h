/*
 * region.h - the shared memory region behind the shared-memory transports.
 *
 * One helper makes the region whatever the mechanism (POSIX shm on tmpfs,
 * System V shm, memfd, a file on hugetlbfs, shared anonymous memory), applies
 * the memory options (pre-faulting, huge pages) and reports what it actually
 * obtained: the page size backing the mapping is read back from
 * /proc/self/smaps, never assumed.
 *
 * Typical use (fork mode):
 *
 *   region_hugepages_check(kind, size, &o, 0, why, sizeof(why))  -- before
 *                                        anything is created: exit 2 on error
 *   region_create(&r, kind, size, &o, NULL, &e)    -- parent, before fork
 *   region_prepare(&r, &e)                         -- each child, after fork
 *   region_destroy(&r)                             -- parent, at the end
 */
#ifndef IPCLAB_REGION_H
#define IPCLAB_REGION_H

#include <stddef.h>
#include <sys/types.h>

struct ipc_err;

enum region_hugepages {
	REGION_HP_OFF = 0, /* 4 KiB pages */
	REGION_HP_ON,      /* 2 MiB hugetlb pages, or a clear error */
	REGION_HP_TRY,     /* hugetlb pages if the machine has them, else 4 KiB */
	REGION_HP_THP,     /* transparent huge pages on shmem (madvise) */
};

struct region_opts {
	int populate; /* 1: pre-fault before the timed region */
	enum region_hugepages hugepages;
};

/* What the region actually is (all read back, not assumed). */
struct region_info {
	char mechanism[16];   /* posix-shm, sysv-shm, memfd, hugetlbfs, anon */
	size_t requested;     /* bytes asked for */
	size_t size;          /* bytes mapped, after rounding to the page size */
	size_t page_size;     /* page size backing it (smaps); 0 = unknown */
	int populated;        /* pre-faulted before the timed region */
	int hugepages_fallback; /* huge pages asked with `try`, not obtained */
	char note[256];       /* why a fallback, the rounding applied, THP bytes */
	int hugetlb;          /* backed by hugetlb pages (SHM_HUGETLB,
			       * MFD_HUGETLB, MAP_HUGETLB or hugetlbfs) */
	size_t thp_bytes;     /* bytes PMD-mapped by transparent huge pages at
			       * the last read-back (smaps) */
};

/* The mechanism a transport wants; huge pages may change it (see region.c). */
enum region_kind {
	REGION_POSIX, /* shm_open on tmpfs (memfd/hugetlbfs when huge pages) */
	REGION_SYSV,  /* shmget/shmat */
	REGION_ANON,  /* MAP_SHARED|MAP_ANONYMOUS: fork mode only */
	REGION_MEMFD, /* memfd_create, sealed against resizing: no name ever;
		       * shared by its descriptor (fork, or SCM_RIGHTS) */
};

struct region {
	void *addr;
	size_t size;
	int fd;          /* POSIX/memfd/hugetlbfs descriptor, -1 when closed */
	int shmid;       /* System V id, -1 when none */
	key_t key;       /* System V key (ipclab's mark + pid), 0 when none */
	char name[160];  /* POSIX name or hugetlbfs path while it exists */
	enum region_kind kind;
	struct region_opts opts;
	struct region_info info;
	size_t note_base; /* length of the create-time part of info.note */
};

/* An empty region: safe to pass to region_destroy. */
void region_init(struct region *r);

/*
 * Can the huge-page request in o be met for one region of size bytes of this
 * kind?  Creates nothing, so a CLI can call it before any object exists and
 * exit 2.  named: two-program mode (a POSIX region then needs a hugetlbfs
 * mount for `on`, and /dev/shm mounted with huge= for `thp`).
 *
 * Returns 0 when it can (always for `off` and `try`: the fallback of `try` is
 * decided and recorded by region_create), or -EINVAL with one sentence in why
 * naming the numbers and the fix, e.g. "--hugepages on: needs 3 huge pages of
 * 2 MiB for a 5 MiB region, 0 free (...); reserve them as root:
 * scripts/hugepages.sh reserve 3".
 *
 * size is the size of ONE region.  A run that creates several regions at
 * once (each channel has one; ping-pong uses two channels) must ask for all
 * of them together: pass n * region_round_size(size, o) for n regions.
 */
int region_hugepages_check(enum region_kind kind, size_t size,
			   const struct region_opts *o, int named, char *why,
			   size_t whylen);

/* Bytes a region of size bytes will map with these options: rounded up to
 * 4 KiB, to the hugetlb page size (on/try) or to the THP size (thp). */
size_t region_round_size(size_t size, const struct region_opts *o);

/*
 * Make a region of at least size bytes and map it in the caller.  With name
 * NULL the object gets a unique name that is removed at once (fork mode:
 * children inherit the mapping); with a name it stays until region_unlink
 * (two-program mode).  o->hugepages chooses the backing (see region.c);
 * `on` and `thp` that cannot be met fail with region_hugepages_check's
 * sentence, `try` falls back to 4 KiB pages and records why in info.note.
 * With o->populate the backing memory is allocated here already.  On failure
 * nothing is left behind.
 */
int region_create(struct region *r, enum region_kind kind, size_t size,
		  const struct region_opts *o, const char *name,
		  struct ipc_err *e);

/* Map an existing named region (two-program mode), checking its owner.  The
 * name is looked up with shm_open, then on the hugetlbfs mount. */
int region_open(struct region *r, enum region_kind kind, const char *name,
		struct ipc_err *e);

/* region_open that also takes the memory options of this side: populate is
 * applied by region_prepare, `thp` advises the mapping (o may be NULL). */
int region_open_opts(struct region *r, enum region_kind kind,
		     const char *name, const struct region_opts *o,
		     struct ipc_err *e);

/* Pre-fault the mapping (in the process that will use it) if asked, then
 * read back the page size.  Call after fork, before the start barrier.
 * Fails if a hugetlb region is not reported with its huge page size. */
int region_prepare(struct region *r, struct ipc_err *e);

/*
 * Fill r->info.page_size and thp_bytes from /proc/self/smaps for the whole
 * mapping, and the THP part of info.note.  Transparent huge pages count as
 * 2 MiB pages only when most of the region is PMD-mapped.  THP pages appear
 * when the memory is first touched, so with populate off call it again after
 * the timed region to see what the run had.
 */
void region_read_back(struct region *r);

/* Remove the region's name (the mapping stays valid). */
void region_unlink(struct region *r);

/* Unmap, close, remove.  Idempotent. */
void region_destroy(struct region *r);

/* What /proc/self/smaps says about the VMAs overlapping [addr, addr+len). */
struct region_smaps {
	size_t kernel_page_size; /* smallest KernelPageSize; 0 unknown */
	size_t rss;              /* Rss (hugetlb pages are not in it) */
	size_t thp_bytes;        /* ShmemPmdMapped + FilePmdMapped + AnonHugePages */
	size_t hugetlb_bytes;    /* Shared_Hugetlb + Private_Hugetlb */
	unsigned vmas;           /* VMAs found */
};
/* 0, or -errno (-ENOENT: no VMA there).  len 0: the VMA containing addr. */
int region_smaps_read(const void *addr, size_t len, struct region_smaps *out);

/* Page size of the VMA containing addr, from /proc/self/smaps; 0 unknown.
 * *thp_bytes (may be NULL) gets the bytes mapped by transparent huge pages. */
size_t region_smaps_page_size(const void *addr, size_t *thp_bytes);

/* The hugetlb pool of the default huge page size (/proc/meminfo). */
struct region_hugetlb_pool {
	size_t page_size;        /* Hugepagesize; 0: no hugetlb support */
	unsigned long total;     /* HugePages_Total */
	unsigned long free;      /* HugePages_Free (includes reserved ones) */
	unsigned long rsvd;      /* HugePages_Rsvd: promised, not faulted yet */
	unsigned long surp;      /* HugePages_Surp */
	unsigned long overcommit; /* /proc/sys/vm/nr_overcommit_hugepages */
	unsigned long available; /* pages a new region can still get:
				  * free - rsvd + (overcommit - surp) */
};
int region_hugetlb_pool(struct region_hugetlb_pool *p);

/* Mount point of a hugetlbfs of the default huge page size (/proc/mounts):
 * 0, or -ENOENT when there is none. */
int region_hugetlbfs_mount(char *path, size_t len);

/* The selected value of /sys/kernel/mm/transparent_hugepage/shmem_enabled
 * ("never", "advise", ...): 0, or -errno. */
int region_thp_shmem_mode(char *buf, size_t len);

/* "off", "on", "try", "thp"; parse returns -1 for anything else. */
const char *region_hugepages_name(enum region_hugepages h);
int region_hugepages_parse(const char *s, enum region_hugepages *out);

#endif
