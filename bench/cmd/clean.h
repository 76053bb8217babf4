/*
 * clean.h - `ipclab clean`: find and remove what crashed ipclab processes
 * left behind (POSIX shm, semaphores and queues, hugetlbfs files, FIFO and
 * socket directories, System V objects), and nothing else.
 *
 * Like the demos, this subcommand prints: the list to stdout, problems to
 * stderr.  It never calls exit(); the status goes back to main.
 *
 *   ipclab clean --dry-run -v
 */
#ifndef IPCLAB_CLEAN_H
#define IPCLAB_CLEAN_H

/* `ipclab clean [--dry-run] [--all-users] [-v]`: argv[0] is "clean".
 * Returns the exit status: 0 cleaned (or nothing to clean), 1 a removal or
 * a look-up failed (the reason printed), 2 bad usage. */
int clean_main(int argc, char **argv);

#endif
