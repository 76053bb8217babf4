/*
 * registry.c - the table of transports, and `ipclab list`.  The transports
 * themselves are listed once, in transports.def: adding a transport is one
 * new file in ipc/ and one line there.
 */
#include "transport.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#define IPC_TRANSPORT(sym) extern const struct ipc_transport sym;
#include "transports.def"
#undef IPC_TRANSPORT

static const struct ipc_transport *const table[] = {
#define IPC_TRANSPORT(sym) &sym,
#include "transports.def"
#undef IPC_TRANSPORT
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
		assert(!(t->caps & IPC_CAP_NAMED) ||
		       !(t->caps & IPC_CAP_ANONYMOUS));
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

static void caps_text(unsigned caps, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", caps & IPC_CAP_REGION ? "region " : "",
		 caps & IPC_CAP_NAMED ? "named " : "",
		 caps & IPC_CAP_ZEROCOPY ? "zero-copy " : "",
		 caps & IPC_CAP_MESSAGES ? "messages " : "",
		 caps & IPC_CAP_ANONYMOUS ? "anonymous " : "");
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
