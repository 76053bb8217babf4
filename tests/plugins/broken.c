/*
 * broken.c - deliberately wrong transports for the `ipclab check` test,
 * built from ipc/exercises/example.c with one fault each (-DFAULT_...):
 *   FAULT_SYMBOL   exports no ipclab_transport
 *   FAULT_ABI      claims another interface version
 *   FAULT_CORRUPT  the reader sees a flipped byte in every block
 *   FAULT_LEAK     create makes a POSIX shm object nobody removes
 *   FAULT_HANG     the writer's acquire never returns
 *   FAULT_CRASH    create dereferences NULL
 */
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define ipclab_transport example_transport
#include "../../ipc/exercises/example.c"
#undef ipclab_transport

__attribute__((unused)) static int broken_acquire(struct ipc_channel *ch, enum ipc_role role,
			  struct ipc_block *b, struct ipc_err *e)
{
#ifdef FAULT_HANG
	if (role == IPC_WRITER)
		for (;;)
			pause();
#endif
	int rc = example_acquire(ch, role, b, e);
#ifdef FAULT_CORRUPT
	if (rc == 0 && role == IPC_READER && b->len)
		((unsigned char *)b->data)[b->len / 2] ^= 0x40;
#endif
	return rc;
}

__attribute__((unused)) static int broken_create(const struct ipc_params *p, struct ipc_channel **out,
			 struct ipc_err *e)
{
#ifdef FAULT_CRASH
	volatile int *nowhere = NULL;
	*nowhere = 1;
#endif
#ifdef FAULT_LEAK
	char name[64];
	static int n;
	/* IPCLAB_LEAK_TAG: the test run's own mark, so that it removes its
	 * leaks only, never a parallel run's. */
	const char *tag = getenv("IPCLAB_LEAK_TAG");
	snprintf(name, sizeof(name), "/ipclab-check-leak-%.16s-%ld-%d",
		 tag ? tag : "x", (long)getpid(), n++);
	int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
	if (fd >= 0)
		close(fd); /* and never shm_unlink'd: the leak */
#endif
	return example_create(p, out, e);
}

#ifndef FAULT_SYMBOL
struct ipc_transport ipclab_transport;
#endif

__attribute__((constructor)) static void setup(void)
{
#ifndef FAULT_SYMBOL
	ipclab_transport = example_transport;
	ipclab_transport.name = "broken";
	ipclab_transport.acquire = broken_acquire;
	ipclab_transport.create = broken_create;
#ifdef FAULT_ABI
	ipclab_transport.abi = IPC_ABI_VERSION + 100;
#endif
#endif
}
