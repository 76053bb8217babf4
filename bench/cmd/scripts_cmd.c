/*
 * scripts_cmd.c - `ipclab plot DIR`, `ipclab report DIR`, `ipclab compare A
 * B`, `ipclab model DIR`: run scripts/plot.py, report.py, compare.py or
 * model.py through scripts/pyrun
 * (which finds a Python with matplotlib), so an installed ipclab draws its
 * figures from any directory.  The scripts are looked up in this order:
 *
 *   $IPCLAB_DATADIR/scripts            (an explicit choice)
 *   <dir of the binary>/../share/ipclab/scripts   (cmake --install, the .deb)
 *   IPCLAB_SOURCE_DIR/scripts          (a binary still in its build tree)
 *
 * Every argument after the subcommand goes to the script unchanged.
 */
#include "commands.h"
#include "scripts_cmd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const scripts[][2] = {
	{"plot", "plot.py"},
	{"report", "report.py"},
	{"compare", "compare.py"},
	{"model", "model.py"},
};
#define NSCRIPTS (sizeof(scripts) / sizeof(scripts[0]))

int scripts_is_command(const char *name)
{
	for (size_t i = 0; i < NSCRIPTS; i++)
		if (strcmp(name, scripts[i][0]) == 0)
			return 1;
	return 0;
}

static int has_pyrun(const char *dir)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s/scripts/pyrun", dir) >= (int)sizeof(p))
		return 0;
	return access(p, X_OK) == 0;
}

int scripts_datadir(char *buf, size_t len, char *why, size_t whylen)
{
	const char *env = getenv("IPCLAB_DATADIR");
	if (env && *env) {
		if (!has_pyrun(env)) {
			snprintf(why, whylen, "IPCLAB_DATADIR=%s holds no "
				 "executable scripts/pyrun", env);
			return -1;
		}
		snprintf(buf, len, "%s", env);
		return 0;
	}
	char exe[PATH_MAX] = "";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char cand[PATH_MAX];
			snprintf(cand, sizeof(cand), "%s/../share/ipclab", exe);
			char real[PATH_MAX];
			if (realpath(cand, real) && has_pyrun(real)) {
				snprintf(buf, len, "%s", real);
				return 0;
			}
		}
	}
#if defined(IPCLAB_SOURCE_DIR) && defined(IPCLAB_BUILD_DIR)
	/* Only a binary still in its build tree reaches into the sources: an
	 * installed one uses what was installed with it, or says so. */
	char bdir[PATH_MAX];
	if (n > 0 && realpath(IPCLAB_BUILD_DIR, bdir) &&
	    strcmp(bdir, exe) == 0 && has_pyrun(IPCLAB_SOURCE_DIR)) {
		snprintf(buf, len, "%s", IPCLAB_SOURCE_DIR);
		return 0;
	}
#endif
	snprintf(why, whylen, "no scripts/pyrun beside this binary "
		 "(../share/ipclab) nor in its source tree; set "
		 "IPCLAB_DATADIR to the folder holding scripts/");
	return -1;
}

int scripts_main(int argc, char **argv)
{
	const char *script = NULL;
	for (size_t i = 0; i < NSCRIPTS; i++)
		if (strcmp(argv[0], scripts[i][0]) == 0)
			script = scripts[i][1];
	if (!script)
		return 2;
	char dir[PATH_MAX], why[PATH_MAX + 128];
	if (scripts_datadir(dir, sizeof(dir), why, sizeof(why)) < 0) {
		fprintf(stderr, "ipclab: %s: %s\n", argv[0], why);
		return 1;
	}
	char pyrun[PATH_MAX + 16], path[PATH_MAX + 32];
	snprintf(pyrun, sizeof(pyrun), "%s/scripts/pyrun", dir);
	snprintf(path, sizeof(path), "%s/scripts/%s", dir, script);
	char **av = calloc((size_t)argc + 2, sizeof(*av));
	if (!av) {
		fprintf(stderr, "ipclab: %s: out of memory\n", argv[0]);
		return 1;
	}
	av[0] = pyrun;
	av[1] = path;
	for (int i = 1; i < argc; i++)
		av[i + 1] = argv[i];
	fflush(stdout);
	execv(pyrun, av);
	fprintf(stderr, "ipclab: %s: execv(%s): %s\n", argv[0], pyrun,
		strerror(errno));
	free(av);
	return 1;
}
