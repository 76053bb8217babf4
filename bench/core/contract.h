/*
 * contract.h - the contract every transport must keep, as a suite of cases
 * that the ctest contract test (tests/test_transport.c) and `ipclab check`
 * (for student transports loaded from a shared object) both run.
 *
 * Cases:
 *   empty    create then destroy, no fork (and destroy(NULL)): nothing left
 *   streams  random streams of length 0, 1, B-1, B, B+1, 3B+7, 1000003 and
 *            64 MiB for BUF_SIZE B in 1, 10, 4095, 4096, 65536, 1 MiB (and
 *            the transport's own largest block when smaller), through the
 *            block API and send/recv; every byte compared; a B above what
 *            the transport can carry here must come with a reason
 *   chunks   one long stream written in random-sized pieces <= B
 *   crash    writer and reader killed mid-stream: destroy still removes all
 * Each case runs in its own process with a deadline, so a transport that
 * crashes or hangs gets a verdict instead of taking the caller down.  After
 * every case nothing of that process may remain in /dev/shm, /dev/mqueue,
 * the System V tables or /tmp (objects named ipclab-<pid>-..., keys with
 * ipclab's mark and that pid).
 */
#ifndef IPCLAB_CONTRACT_H
#define IPCLAB_CONTRACT_H

#include <stdio.h>

#include "transport.h"

struct contract_opts {
	FILE *log;            /* case names, failures, notes */
	double case_timeout_s; /* per case; 0 = 300 s */
	int quick;            /* smaller streams (no 64 MiB, fewer sizes) */
	int snapshot;         /* also report any new object in /dev/shm,
			       * /dev/mqueue or the SysV tables, whatever its
			       * name (for transports not written with ipclab's
			       * naming helpers), except other ipclab processes'
			       * (their pid is in the name or key) */
};

struct contract_result {
	int passed, failed;
};

/* The case names, NULL-terminated. */
extern const char *const contract_cases[];

/*
 * Run one case (only != NULL) or all of them.  Returns 0 when all passed,
 * 1 when one failed, -EINVAL for an unknown case name.
 */
int contract_run(const struct ipc_transport *t, const char *only,
		 const struct contract_opts *o, struct contract_result *r);

#endif
