/*
 * commands.h - the function of every subcommand, declared from its row in
 * commands.def: int NAME_main(int argc, char **argv), argv[0] the command's
 * name, returning the exit status.  A command's file includes this header.
 */
#ifndef IPCLAB_COMMANDS_H
#define IPCLAB_COMMANDS_H

#define COMMAND(name, fn, args, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef COMMAND

#endif
