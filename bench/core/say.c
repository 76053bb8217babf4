/* say.c - a command's messages on stderr (say.h). */
#include "say.h"

#include <stdio.h>

void say_verr(const char *cmd, const char *fmt, va_list ap)
{
	char text[2048];
	vsnprintf(text, sizeof(text), fmt, ap);
	/* One write of the whole line: two processes of one command (xfr's
	 * writer and reader, a demo's children) do not interleave halves. */
	fprintf(stderr, "ipclab: %s: %s\n", cmd, text);
}

void say_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say_verr(cmd, fmt, ap);
	va_end(ap);
}
