/* check.h - `ipclab check -t PLUGIN`: the contract, then a benchmark. */
#ifndef IPCLAB_CHECK_H
#define IPCLAB_CHECK_H

/* argv[0] is "check".  Returns the exit status. */
int check_main(int argc, char **argv);

#endif
