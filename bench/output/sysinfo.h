/*
 * sysinfo.h - the machine a run happened on, for meta.json and for
 * `ipclab sysinfo`: CPU, kernel, huge pages and THP, the IPC limits that
 * bound the transports, the build, the command line and the times.
 */
#ifndef IPCLAB_SYSINFO_H
#define IPCLAB_SYSINFO_H

#include <stdio.h>

struct bench_opts;

/* The full command line meta.json records: main() gives it once, before
 * any command runs. */
void sysinfo_set_command_line(int argc, char **argv);

/* Write a JSON object describing the machine and the run, with the command
 * line; start and end are ISO 8601 times (end may be NULL while the run goes
 * on); o may be NULL; extra, when not NULL, is more members
 * ("\"complete\": true, ...") placed at the end. */
void sysinfo_write_json(FILE *f, const char *run_id, const char *start,
			const char *end, const struct bench_opts *o,
			const char *extra);

/* Human-readable limits and memory settings (ipclab sysinfo). */
void sysinfo_write_text(FILE *f);

/* The current local time as "2026-11-22T19:40:00+0000". */
void sysinfo_now(char *buf, size_t len);

#endif
