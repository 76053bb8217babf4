/* plan.c - the options turned into points and rounds (see plan.h). */
#include "plan.h"

#include <errno.h>
#include <stdlib.h>

int plan_make(const struct bench_opts *o, struct plan *plan)
{
	const struct point_tuning tuning = {
		.nblocks = o->nblocks,
		.kbuf_size = o->kbuf_size,
		.spin = o->spin,
		.nagle = o->nagle,
		.mem_node = o->mem_node,
	};
	const struct point_effort effort = {
		.min_time = o->min_time,
		.warmup = o->warmup,
		.total = o->total,
		.messages = o->messages,
		.batch = o->batch,
		.verify = o->verify,
		.floor = o->floor,
		.timeout_s = o->timeout_s,
		.seed = o->seed,
	};
	size_t cap = o->nmodes * o->naccesses * o->npins * o->npairs *
		     o->nhugepages * o->npopulates * o->nbuf_sizes *
		     o->ntransports;
	plan->rounds = (struct rounds_opts){o->reps, o->max_rounds, o->budget_s,
					    o->target, o->shuffle_seed,
					    o->fail_fast};
	plan->n = 0;
	plan->points = calloc(cap ? cap : 1, sizeof(*plan->points));
	if (!plan->points)
		return -ENOMEM;
	for (size_t m = 0; m < o->nmodes; m++)
	for (size_t a = 0; a < o->naccesses; a++)
	for (size_t pi = 0; pi < o->npins; pi++)
	for (size_t pa = 0; pa < o->npairs; pa++)
	for (size_t h = 0; h < o->nhugepages; h++)
	for (size_t po = 0; po < o->npopulates; po++)
	for (size_t b = 0; b < o->nbuf_sizes; b++)
	for (size_t t = 0; t < o->ntransports; t++) {
		const struct ipc_transport *tr = o->transports[t];
		int region = (tr->caps & IPC_CAP_REGION) != 0;
		/* Memory options do not apply without a region: one point. */
		if (!region && (h || po))
			continue;
		plan->points[plan->n++] = (struct point){
			.t = tr,
			.buf_size = o->buf_sizes[b],
			.mode = o->modes[m],
			.access = o->accesses[a],
			.populate = region ? o->populates[po] : 0,
			.hugepages = region ? o->hugepages[h] : REGION_HP_OFF,
			.pin = o->pins[pi],
			.pairs = o->pairs[pa],
			.tuning = tuning,
			.effort = effort,
		};
	}
	return 0;
}

void plan_free(struct plan *plan)
{
	free(plan->points);
	plan->points = NULL;
	plan->n = 0;
}
