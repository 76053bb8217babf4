/*
 * memfd_region.h - the reader's side of a region handed over as a
 * descriptor (memfd and shm-eventfd in two-program mode): the region file
 * has no name, so the reader checks what it received and maps it itself.
 * region.c makes regions; this only adopts one that another process made.
 */
#ifndef IPCLAB_MEMFD_REGION_H
#define IPCLAB_MEMFD_REGION_H

#include <stddef.h>
#include <stdint.h>

#include "region.h"
#include "util.h"

/* Where the kernel says how large a THP is (the alignment they need). */
#define IPC_THP_PMD_FILE "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"

/* A shared read-write mapping of fd at an address aligned to align (THP
 * need 2 MiB alignment); MAP_FAILED with errno on failure. */
void *ipc_map_aligned(int fd, size_t size, size_t align);

/*
 * Map fd, a region file received from the writer, into r (kind POSIX, so
 * region_prepare, region_read_back and region_destroy work on it), after
 * checking it is a regular file of the caller's user of exactly size bytes
 * and, when sealed, sealed against SHRINK and GROW.  hugetlb / thp: how
 * the writer backed it (the file has huge pages or not; THP only need the
 * same aligned, advised mapping); populate is taken from o.  what names the
 * file in e ("memfd", "region").  r->fd is fd from the start, so
 * region_destroy closes it on failure too; the caller fills
 * r->info.mechanism.
 */
int ipc_adopt_region(struct region *r, int fd, const char *what,
		     uint64_t size, int hugetlb, int thp, int sealed,
		     const struct region_opts *o, struct ipc_err *e);

#endif
