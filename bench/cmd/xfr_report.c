/* xfr_report.c - one side's handoffs, switches and CPUs (see xfr_report.h). */
#include "xfr_report.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "say.h"
#include "units.h"

static double mono_s(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void xfr_meter_start(struct xfr_meter *m, int pinned)
{
	memset(m, 0, sizeof(*m));
	m->pinned = pinned;
	(void)getrusage(RUSAGE_SELF, &m->ru0);
	xfr_meter_tick(m);
	m->t0 = mono_s();
}

void xfr_meter_tick(struct xfr_meter *m)
{
	int cpu = sched_getcpu();
	if (cpu >= 0 && cpu < 64 * 16)
		m->cpus[cpu / 64] |= 1ull << (cpu % 64);
}

double xfr_meter_secs(const struct xfr_meter *m)
{
	return mono_s() - m->t0;
}

/* "CPU 1" or "CPUs 0,1" into buf; the number of CPUs seen. */
static int cpu_list(const struct xfr_meter *m, char *buf, size_t len)
{
	int n = 0;
	size_t used = 0;
	buf[0] = '\0';
	for (int c = 0; c < 64 * 16; c++) {
		if (!(m->cpus[c / 64] & (1ull << (c % 64))))
			continue;
		if (used + 16 < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%d",
						 n ? "," : "", c);
		n++;
	}
	return n;
}

void xfr_meter_report(const struct xfr_meter *m, enum ipc_role role,
		      uint64_t handoffs, double secs)
{
	const char *me = role == IPC_WRITER ? "writer" : "reader";
	const char *peer = role == IPC_WRITER ? "reader" : "writer";
	struct rusage ru;
	(void)getrusage(RUSAGE_SELF, &ru);
	double vcsw = (double)(ru.ru_nvcsw - m->ru0.ru_nvcsw);
	double ivcsw = (double)(ru.ru_nivcsw - m->ru0.ru_nivcsw);
	char cpus[128], per[32] = "-";
	int ncpus = cpu_list(m, cpus, sizeof(cpus));
	if (handoffs == 0) {
		fprintf(stderr, SAY_PREFIX("xfr %s") "no handoffs (empty input); "
			"ran on CPU%s %s\n", me, ncpus > 1 ? "s" : "", cpus);
		return;
	}
	double h = (double)handoffs, v = vcsw / h, i = ivcsw / h;
	units_format_ns(secs * 1e9 / h, per, sizeof(per));
	fprintf(stderr,
		SAY_PREFIX("xfr %s") "%llu handoffs, %s per handoff; context "
		"switches per handoff: %.2f voluntary + %.2f involuntary; ran "
		"on CPU%s %s (%s)\n",
		me, (unsigned long long)handoffs, per, v, i,
		ncpus > 1 ? "s" : "", cpus,
		m->pinned ? "pinned" : ncpus > 1
		? "unpinned: the scheduler moved it" : "unpinned");

	/* One sentence: what the switch counts say about who waited. */
	const char *waits = role == IPC_WRITER
		? "the reader frees a block" : "the writer posts the next block";
	int turns = i >= 0.3 && v + i >= 0.7 && v + i <= 1.3;
	fprintf(stderr, SAY_PREFIX("xfr %s"), me);
	if (turns)
		fprintf(stderr, "one context switch per handoff in all: the two "
			"take turns on one CPU; a switch is voluntary when the "
			"%s blocks, involuntary when the %s it woke preempts it "
			"first", me, peer);
	else if (v >= 0.7)
		fprintf(stderr, "about one voluntary switch per handoff: the "
			"%s sleeps in every handoff until %s", me, waits);
	else if (v < 0.05)
		fprintf(stderr, "almost no voluntary switches: the %s seldom "
			"had to wait, the channel %s", me,
			role == IPC_WRITER ? "had room (a kernel buffer or "
			"several blocks between the two)" : "already held data "
			"whenever it looked");
	else
		fprintf(stderr, "a voluntary switch on %.0f%% of the handoffs: "
			"the %s sleeps only when the channel is %s, not on "
			"every handoff", 100 * v, me,
			role == IPC_WRITER ? "full" : "empty");
	if (!turns && i >= 0.3)
		fprintf(stderr, "; %.2f involuntary: the scheduler took its "
			"CPU away, typically to run the %s woken on the same "
			"CPU", i, peer);
	if (!m->pinned && ncpus > 1)
		fprintf(stderr, "; it moved between CPUs, so the figure "
			"depends on placement (--pin same or split)");
	fprintf(stderr, ".\n");
}
