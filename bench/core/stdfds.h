/*
 * stdfds.h - descriptors 0, 1 and 2 at program start.  A program started
 * with one of them closed would hand that number to the next file it opens
 * (a lock file, a socket) and then read or write it as standard input or
 * output.  stdfds_ensure puts /dev/null on each closed one and remembers it,
 * so that a command which needs the stream can refuse to run.
 */
#ifndef IPCLAB_STDFDS_H
#define IPCLAB_STDFDS_H

/* Call first in main, before anything is opened: 0, or -1 with errno when
 * /dev/null cannot be opened. */
int stdfds_ensure(void);

/* Was descriptor fd (0, 1 or 2) closed when the program started? */
int stdfds_was_closed(int fd);

/* Flush standard output: 0, or -1 after printing "ipclab: CMD: writing
 * standard output: ..." (a full disk, a closed pipe). */
int stdfds_flush_stdout(const char *cmd);

#endif
