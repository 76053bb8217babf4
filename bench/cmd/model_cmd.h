/* model_cmd.h - `ipclab model DIR`: the cost model of a sweep (scripts/model.py). */
#ifndef IPCLAB_MODEL_CMD_H
#define IPCLAB_MODEL_CMD_H

/* argv[0] is "model".  Replaces the process with scripts/model.py on
 * success; returns the exit status otherwise. */
int model_main(int argc, char **argv);

#endif
