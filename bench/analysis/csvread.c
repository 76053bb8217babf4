/* csvread.c - read ipclab's CSV files by column name (see csvread.h). */
#include "csvread.h"

#include <ctype.h>
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
	size_t len = 0, cap = 0, lineno = 0;
	ssize_t got;
	int rc = 0, newline = 1;
	t->path = strdup(path);
	if (!t->path)
		rc = -ENOMEM;
	while (rc == 0 && (got = getline(&line, &len, f)) >= 0) {
		lineno++;
		newline = got > 0 && line[got - 1] == '\n';
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
			snprintf(why, whylen, "%s:%zu: %ld cells, the header has "
				 "%zu (a truncated or malformed line)", path,
				 lineno, n, t->ncols);
			free(cells);
			free(copy);
			rc = -EINVAL;
			break;
		}
		if (t->nrows == cap) {
			size_t nc = cap ? 2 * cap : 64;
			char ***rows = realloc(t->rows, nc * sizeof(*rows));
			size_t *lines = rows ? realloc(t->lines,
						       nc * sizeof(*lines)) : NULL;
			if (rows)
				t->rows = rows;
			if (!lines) {
				free(cells);
				free(copy);
				rc = -ENOMEM;
				break;
			}
			t->lines = lines;
			cap = nc;
		}
		t->lines[t->nrows] = lineno;
		t->rows[t->nrows++] = cells;
	}
	if (rc == 0 && ferror(f)) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		rc = -EIO;
	}
	free(line);
	fclose(f);
	if (rc == 0 && !t->header) {
		snprintf(why, whylen, "%s:1: empty file (no header line)", path);
		rc = -EINVAL;
	}
	if (rc == 0 && !newline) {
		snprintf(why, whylen, "%s:%zu: the last line ends without a "
			 "newline (the file was cut short)", path, lineno);
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
	free(t->lines);
	free(t->path);
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

/* A plain decimal number: [+-]digits[.digits][e[+-]digits]; strtod alone
 * would also take "nan", "inf", hex and leading blanks. */
static int plain_number(const char *s)
{
	int digits = 0;
	if (*s == '+' || *s == '-')
		s++;
	while (isdigit((unsigned char)*s))
		s++, digits++;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			digits++;
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0';
}

static const char *col_name(const struct csv_table *t, int col,
			    const char *dflt)
{
	return col >= 0 && (size_t)col < t->ncols ? t->header[col] : dflt;
}

int csv_num_checked(const struct csv_table *t, size_t row, int col,
		    double lo, double hi, int allow_empty, double *out,
		    char *why, size_t whylen)
{
	const char *s = csv_get(t, row, col);
	const char *name = col_name(t, col, "(missing)");
	size_t line = row < t->nrows ? t->lines[row] : 0;
	if (!*s) {
		*out = NAN;
		if (allow_empty)
			return 0;
		snprintf(why, whylen, "%s:%zu: column %s: empty, a number is "
			 "needed here", t->path, line, name);
		return -EINVAL;
	}
	if (!plain_number(s)) {
		snprintf(why, whylen, "%s:%zu: column %s: '%.40s' is not a "
			 "number", t->path, line, name, s);
		return -EINVAL;
	}
	double v = strtod(s, NULL);
	if (!(v >= lo)) {
		snprintf(why, whylen, "%s:%zu: column %s: %.40s is %s (at least "
			 "%g expected)", t->path, line, name, s,
			 v < 0 ? "negative" : "too small", lo);
		return -EINVAL;
	}
	if (!(v <= hi)) {
		snprintf(why, whylen, "%s:%zu: column %s: %.40s is out of range "
			 "(at most %g)", t->path, line, name, s, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int csv_check_word(const struct csv_table *t, size_t row, int col,
		   const char *const *words, char *why, size_t whylen)
{
	const char *s = csv_get(t, row, col);
	size_t line = row < t->nrows ? t->lines[row] : 0, used = 0;
	for (const char *const *w = words; *w; w++)
		if (strcmp(s, *w) == 0)
			return 0;
	int n = snprintf(why, whylen, "%s:%zu: column %s: '%.40s' is not one of",
			 t->path, line, col_name(t, col, "(missing)"), s);
	used = n > 0 ? (size_t)n : 0;
	for (const char *const *w = words; *w && used < whylen; w++) {
		n = snprintf(why + used, whylen - used, " %s", *w);
		used += n > 0 ? (size_t)n : 0;
	}
	return -EINVAL;
}
