/*
 * slots.c - small helpers that several transports use to fill their slots of
 * struct ipc_transport (declared in transport.h): the largest block of a
 * stream, the huge-page check of a region, the info of a region, the
 * checks at the start of create and open.
 */
#include "transport.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

int ipc_create_validate(int (*validate)(const struct ipc_params *p, char *why,
					size_t whylen),
			const struct ipc_params *p, struct ipc_err *e)
{
	char why[sizeof(e->msg)];
	int rc = validate(p, why, sizeof(why));
	if (rc < 0)
		(void)ipc_errf(e, 0, "%s", why);
	return rc;
}

void *ipc_open_alloc(enum ipc_role role, const char *object, size_t size,
		     int *rc, struct ipc_err *e)
{
	if (role != IPC_READER) {
		*rc = ipc_errf(e, EINVAL, "open(writer): in two-program mode "
			       "the writer creates the %s", object);
		return NULL;
	}
	void *ch = calloc(1, size);
	if (!ch)
		*rc = ipc_errf(e, ENOMEM, "calloc");
	return ch;
}
