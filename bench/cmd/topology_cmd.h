/*
 * topology_cmd.h - `ipclab topology [--json]`: the machine's shape (cores,
 * SMT siblings, LLC groups, sockets, NUMA nodes, the allowed CPUs) and what
 * each --pin name resolves to here, or why it cannot.
 */
#ifndef IPCLAB_TOPOLOGY_CMD_H
#define IPCLAB_TOPOLOGY_CMD_H

/* argv[0] is "topology"; returns the exit status (0, 1 unreadable, 2). */
int topology_main(int argc, char **argv);

#endif
