/*
 * xfr.h - `ipclab xfr`: the two-program form of the exercise.
 *
 *   ipclab xfr writer -t pshm-sem -b 10 --pin split < infile
 *   ipclab xfr reader -t pshm-sem --pin split > outfile
 *   cmp infile outfile
 *
 * The writer and the reader are started separately, in either order, and
 * meet under a name (--name, default xfr-<uid>).  Like the demos and
 * `ipclab clean`, this subcommand prints: what it moved, and errors, to
 * stderr (standard output carries the data).  It never calls exit(); the
 * status goes back to main.
 */
#ifndef IPCLAB_XFR_H
#define IPCLAB_XFR_H

/* `ipclab xfr writer|reader [options]`: argv[0] is "xfr".  Returns the exit
 * status: 0 ok, 1 the transfer failed (the reason printed), 2 bad usage. */
int xfr_main(int argc, char **argv);

#endif
