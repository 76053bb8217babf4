/* model_cmd.h - `ipclab model DIR`: the cost model of a sweep. */
#ifndef IPCLAB_MODEL_CMD_H
#define IPCLAB_MODEL_CMD_H

/* argv[0] is "model".  Returns the exit status. */
int model_main(int argc, char **argv);

#endif
