/*
 * limit_hint.h - a failure on a resource limit says which limit and how to
 * lift it: the same words for `run` (the driver's reason) and `xfr`.
 */
#ifndef IPCLAB_LIMIT_HINT_H
#define IPCLAB_LIMIT_HINT_H

#include <stddef.h>

/* Append the hint for the limit named in reason (EMFILE, ENFILE, ENOSPC of
 * semget/msgget/mq_open), if any and not given already. */
void limit_hint_add(char *reason, size_t len);

#endif
