/*
 * json.h - the one JSON string writer of the program (records, meta.json,
 * ctxsw): quotes, backslashes and control characters escaped.
 */
#ifndef IPCLAB_JSON_H
#define IPCLAB_JSON_H

#include <stdio.h>

/* Write s as a JSON string, quotes included. */
void json_write_string(FILE *f, const char *s);

#endif
