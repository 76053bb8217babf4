/* scripts_cmd.h - `ipclab plot|report|compare|model`: the Python scripts, found
 * beside the binary wherever it is installed. */
#ifndef IPCLAB_SCRIPTS_CMD_H
#define IPCLAB_SCRIPTS_CMD_H

#include <stddef.h>

/* argv[0] is "plot", "report", "compare" or "model".  Replaces the process with
 * pyrun on success; returns the exit status otherwise. */
int scripts_main(int argc, char **argv);

/* Is name one of the subcommands scripts_main runs? */
int scripts_is_command(const char *name);

/* The folder holding scripts/, notebooks/, exercises/: $IPCLAB_DATADIR, else
 * <bin>/../share/ipclab (installed), else the source tree this binary was
 * built from.  0, or -1 and why. */
int scripts_datadir(char *buf, size_t len, char *why, size_t whylen);

#endif
