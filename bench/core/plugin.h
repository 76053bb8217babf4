/*
 * plugin.h - transports loaded from a shared object, so a student can write
 * one without touching ipclab's sources: `ipclab run -t ./my_transport.so`.
 * The object exports one symbol, `ipclab_transport`, a struct
 * ipc_transport built against ipc/transport.h (see ipc/exercises/).
 */
#ifndef IPCLAB_PLUGIN_H
#define IPCLAB_PLUGIN_H

#include <stddef.h>

#include "transport.h"

#define PLUGIN_SYMBOL "ipclab_transport"

/* 1 when a -t value names a file rather than a built-in transport. */
int plugin_is_path(const char *name);

/*
 * Load and check a plugin: the symbol, the interface version, the slots
 * every transport must fill, a name.  NULL with one sentence in why (what
 * is wrong and how to fix it) when it cannot be used.
 */
const struct ipc_transport *plugin_load(const char *path, char *why,
					size_t whylen);

#endif
