/* scripts_cmd.h - `ipclab plot|report|compare|model`: the Python scripts, found
 * beside the binary wherever it is installed. */
#ifndef IPCLAB_SCRIPTS_CMD_H
#define IPCLAB_SCRIPTS_CMD_H

#include <stddef.h>

/* Is name one of the subcommands scripts_main (commands.def: plot, report,
 * compare, model) runs?  On success scripts_main replaces the process with
 * pyrun. */
int scripts_is_command(const char *name);

/* The folder holding scripts/, notebooks/, exercises/: $IPCLAB_DATADIR, else
 * <bin>/../share/ipclab (installed), else the source tree this binary was
 * built from.  0, or -1 and why. */
int scripts_datadir(char *buf, size_t len, char *why, size_t whylen);

#endif
