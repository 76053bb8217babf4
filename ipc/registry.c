/*
 * registry.c - the table of transports.  Adding a transport is one new file
 * in ipc/ and one line in the table below.  Also the small slot helpers
 * transport.h declares (max_block, validate, info shared by several
 * transports).
 */
#include "transport.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

extern const struct ipc_transport ipc_pshm_sem;
extern const struct ipc_transport ipc_pshm_pipe;
extern const struct ipc_transport ipc_pipe;
extern const struct ipc_transport ipc_sysv_shm;
extern const struct ipc_transport ipc_posix_mq;
extern const struct ipc_transport ipc_sysv_msg;
extern const struct ipc_transport ipc_unix_stream;
extern const struct ipc_transport ipc_unix_seqpacket;
extern const struct ipc_transport ipc_fifo;
extern const struct ipc_transport ipc_shm_futex;
extern const struct ipc_transport ipc_shm_spin;
extern const struct ipc_transport ipc_shm_eventfd;
extern const struct ipc_transport ipc_pipe_vmsplice;
extern const struct ipc_transport ipc_tcp_loopback;
extern const struct ipc_transport ipc_memfd;

static const struct ipc_transport *const table[] = {
	&ipc_pshm_sem,
	&ipc_pshm_pipe,
	&ipc_pipe,
	&ipc_sysv_shm,
	&ipc_posix_mq,
	&ipc_sysv_msg,
	&ipc_unix_stream,
	&ipc_unix_seqpacket,
	&ipc_fifo,
	&ipc_shm_futex,
	&ipc_shm_spin,
	&ipc_shm_eventfd,
	&ipc_pipe_vmsplice,
	&ipc_tcp_loopback,
	&ipc_memfd,
	NULL,
};

#ifndef NDEBUG
/* Debug builds check the table once: mandatory slots, unique names. */
static void self_check(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	for (size_t i = 0; table[i]; i++) {
		const struct ipc_transport *t = table[i];
		assert(t->abi == IPC_ABI_VERSION);
		assert(t->name && t->summary && t->sync);
		assert(t->max_block && t->create && t->attach && t->acquire &&
		       t->release && t->detach && t->destroy && t->info);
		assert(!(t->caps & IPC_CAP_NAMED) || t->open);
		assert(!t->send == !t->recv);
		for (size_t j = 0; j < i; j++)
			assert(strcmp(table[j]->name, t->name) != 0);
	}
}
#else
static void self_check(void) {}
#endif

const struct ipc_transport *const *ipc_transports(void)
{
	self_check();
	return table;
}

const struct ipc_transport *ipc_transport_find(const char *name)
{
	self_check();
	for (size_t i = 0; table[i]; i++)
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	return NULL;
}

size_t ipc_transport_max_block(const struct ipc_transport *t,
			       const struct ipc_params *p, char *why,
			       size_t whylen)
{
	size_t max = SIZE_MAX;
	if (why && whylen)
		why[0] = '\0';
	if (t->max_block(p, &max, why, whylen) < 0)
		return 0;
	return max;
}

int ipc_region_validate(const struct ipc_params *p, enum region_kind kind,
			size_t region_bytes, char *why, size_t whylen)
{
	unsigned n = p->channels ? p->channels : 1;
	size_t one = region_round_size(region_bytes, &p->region);
	return region_hugepages_check(kind, n * one, &p->region, p->name != NULL,
				      why, whylen);
}

int ipc_stream_max_block(const struct ipc_params *p, size_t *max, char *why,
			 size_t whylen)
{
	(void)p;
	(void)why;
	(void)whylen;
	*max = SIZE_MAX / 2;
	return 0;
}

void ipc_region_info(struct region *r, unsigned nblocks, struct ipc_info *out)
{
	memset(out, 0, sizeof(*out));
	out->nblocks = nblocks;
	region_read_back(r);
	out->region = r->info;
}

static void caps_text(unsigned caps, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", caps & IPC_CAP_REGION ? "region " : "",
		 caps & IPC_CAP_NAMED ? "named " : "",
		 caps & IPC_CAP_ZEROCOPY ? "zero-copy " : "",
		 caps & IPC_CAP_MESSAGES ? "messages " : "");
	size_t n = strlen(buf);
	if (n)
		buf[n - 1] = '\0';
	else
		snprintf(buf, len, "stream");
}

void ipc_transport_list(FILE *out, int verbose)
{
	const struct ipc_transport *const *t = ipc_transports();
	fprintf(out, "%-16s %-28s %-14s %s\n", "TRANSPORT", "CAPABILITIES",
		"MAX BUF_SIZE", "SUMMARY");
	for (; *t; t++) {
		char caps[64], max[32], why[256];
		struct ipc_params p = {.buf_size = 1};
		caps_text((*t)->caps, caps, sizeof(caps));
		if ((*t)->unavailable) {
			fprintf(out, "%-16s %-28s %-14s unavailable: %s\n",
				(*t)->name, caps, "-", (*t)->unavailable);
			continue;
		}
		size_t m = ipc_transport_max_block(*t, &p, why, sizeof(why));
		if (m >= (size_t)1 << 50)
			snprintf(max, sizeof(max), "unbounded");
		else
			snprintf(max, sizeof(max), "%zu", m);
		fprintf(out, "%-16s %-28s %-14s %s\n", (*t)->name, caps, max,
			(*t)->summary);
		if (verbose) {
			fprintf(out, "%16s sync: %s\n", "", (*t)->sync);
			if (why[0])
				fprintf(out, "%16s limit: %s\n", "", why);
		}
	}
}
