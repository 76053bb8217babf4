/* csvread.c - read ipclab's CSV files by column name (see csvread.h). */
#include "csvread.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Split one line into cells (quotes honoured); returns the count or -1. */
static long split(char *line, char ***out)
{
	size_t cap = 16, n = 0;
	char **cells = malloc(cap * sizeof(*cells));
	char *w = line, *r = line; /* cells are written in place, behind r */
	if (!cells)
		return -1;
	for (;;) {
		char *start = w;
		if (*r == '"') {
			r++;
			while (*r && !(*r == '"' && r[1] != '"')) {
				if (*r == '"')
					r++; /* a doubled quote */
				*w++ = *r++;
			}
			if (*r == '"')
				r++;
		} else {
			while (*r && *r != ',')
				*w++ = *r++;
		}
		int more = *r == ',';
		*w++ = '\0';
		if (more)
			r++;
		if (n == cap) {
			char **c = realloc(cells, 2 * cap * sizeof(*cells));
			if (!c) {
				free(cells);
				return -1;
			}
			cells = c;
			cap *= 2;
		}
		cells[n++] = start;
		if (!more)
			break;
	}
	*out = cells;
	return (long)n;
}

int csv_read(const char *path, struct csv_table *t, char *why, size_t whylen)
{
	memset(t, 0, sizeof(*t));
	FILE *f = fopen(path, "re");
	if (!f) {
		int err = errno;
		snprintf(why, whylen, "%s: %s", path, strerror(err));
		return -err;
	}
	char *line = NULL;
	size_t len = 0, cap = 0;
	ssize_t got;
	int rc = 0;
	while ((got = getline(&line, &len, f)) >= 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		char *copy = strdup(line), **cells;
		long n = copy ? split(copy, &cells) : -1;
		if (n < 0) {
			free(copy);
			rc = -ENOMEM;
			break;
		}
		if (!t->header) {
			t->header = cells;
			t->ncols = (size_t)n;
			continue; /* the header's cells live in copy */
		}
		if ((size_t)n != t->ncols) {
			snprintf(why, whylen, "%s: row %zu has %ld cells, the "
				 "header %zu", path, t->nrows + 2, n, t->ncols);
			free(cells);
			free(copy);
			rc = -EINVAL;
			break;
		}
		if (t->nrows == cap) {
			size_t nc = cap ? 2 * cap : 64;
			char ***rows = realloc(t->rows, nc * sizeof(*rows));
			if (!rows) {
				free(cells);
				free(copy);
				rc = -ENOMEM;
				break;
			}
			t->rows = rows;
			cap = nc;
		}
		t->rows[t->nrows++] = cells;
	}
	free(line);
	fclose(f);
	if (rc == 0 && !t->header) {
		snprintf(why, whylen, "%s: empty (no header line)", path);
		rc = -EINVAL;
	}
	if (rc == -ENOMEM)
		snprintf(why, whylen, "%s: out of memory", path);
	if (rc < 0)
		csv_free(t);
	return rc;
}

void csv_free(struct csv_table *t)
{
	/* Each row's cells point into one strdup'd line: cells[0]. */
	for (size_t i = 0; i < t->nrows; i++) {
		free(t->rows[i][0]);
		free(t->rows[i]);
	}
	if (t->header) {
		free(t->header[0]);
		free(t->header);
	}
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

int csv_col(const struct csv_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->header[i], name) == 0)
			return (int)i;
	return -1;
}

const char *csv_get(const struct csv_table *t, size_t row, int col)
{
	if (col < 0 || row >= t->nrows || (size_t)col >= t->ncols)
		return "";
	return t->rows[row][col];
}

double csv_num(const struct csv_table *t, size_t row, int col)
{
	const char *s = csv_get(t, row, col);
	char *end;
	if (!*s)
		return NAN;
	double v = strtod(s, &end);
	return *end ? NAN : v;
}
