/*
 * say.h - the one form of a command's messages on stderr:
 *
 *   ipclab: CMD: text
 *
 * CMD is the command as typed: "run", "sweep", "xfr writer", "demo bbuf".
 * The library below the commands prints nothing; the commands print through
 * these (or through SAY_PREFIX in a format string of their own).
 */
#ifndef IPCLAB_SAY_H
#define IPCLAB_SAY_H

#include <stdarg.h>

#define SAY_PREFIX(cmd) "ipclab: " cmd ": "

/* "ipclab: CMD: " and fmt's text and a newline, on stderr. */
void say_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void say_verr(const char *cmd, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif
