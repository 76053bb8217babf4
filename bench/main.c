/*
 * main.c - the ipclab command line: which subcommand runs.  The commands
 * are rows of bench/cmd/commands.def, each a function in its own file
 * (bench/cmd/, bench/demos/).  Each command prints its own messages, in the
 * one form `ipclab: CMD: ...` (say.h), and returns its exit status (0 ok, 1
 * a run failed, 2 bad usage, 77 nothing could run here).  Below the
 * commands, code writes only to the FILE it is given, except the --help of
 * run and sweep (options_usage, on stdout) and the final check that standard
 * output was written (stdfds.c, through say.h).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "stdfds.h"
#include "sysinfo.h"

/* The table of commands, from commands.def; rows without a summary are
 * aliases, not listed. */
static const struct command {
	const char *name, *args;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
#define COMMAND(name, fn, args, summary) {name, args, fn, summary},
#include "commands.def"
#undef COMMAND
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: ipclab COMMAND [options]\n"
		"A benchmarking and teaching lab for Linux inter-process "
		"communication.\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char left[48];
		if (!commands[i].summary)
			continue;
		snprintf(left, sizeof(left), "%s%s%s", commands[i].name,
			 commands[i].args[0] ? " " : "", commands[i].args);
		fprintf(f, "  %-16s %s\n", left, commands[i].summary);
	}
	fprintf(f, "\nExit status: 0 ok, 1 a run failed, 2 bad usage, 77 nothing "
		"could run here.\n");
}

int help_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ipclab: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	/* A file over ulimit -f is EFBIG from write(), reported like ENOSPC,
	 * not a silent death by SIGXFSZ halfway through a results file. */
	(void)signal(SIGXFSZ, SIG_IGN);
	if (stdfds_ensure() < 0)
		return 2; /* /dev/null is missing: nothing can be said */
	sysinfo_set_command_line(argc, argv); /* for meta.json */
	int rc = dispatch(argc, argv);
	/* Whatever a command printed must have reached its destination (a
	 * command that failed has said why already). */
	if (rc == 0 && stdfds_flush_stdout(argc > 1 ? argv[1] : "ipclab") < 0)
		rc = 1;
	return rc;
}
