/*
 * csvread.h - read the CSV files ipclab writes (one header line, fields
 * separated by commas, strings quoted with "" doubling when needed), by
 * column name, and check their cells.
 *
 * Every error message names the file and the line (`PATH:LINE: ...`), and
 * the column where one is at fault, so that a corrupted results file is one
 * clear line, never a silent partial table.
 */
#ifndef IPCLAB_CSVREAD_H
#define IPCLAB_CSVREAD_H

#include <stddef.h>

struct csv_table {
	size_t ncols, nrows;
	char *path;     /* the file read */
	char **header;  /* ncols names */
	char ***rows;   /* nrows x ncols cells ("" when empty) */
	size_t *lines;  /* the line number of each row in the file */
};

/*
 * 0, or -errno (file) / -EINVAL (an empty file, a row with the wrong number
 * of cells, a last line with no newline: the file was cut short); why says
 * which, as PATH:LINE: ....
 */
int csv_read(const char *path, struct csv_table *t, char *why, size_t whylen);
void csv_free(struct csv_table *t);

/* Index of a column, or -1. */
int csv_col(const struct csv_table *t, const char *name);
/* The cell, "" when the column is missing. */
const char *csv_get(const struct csv_table *t, size_t row, int col);
/* The cell as a number; NaN when empty or not a number. */
double csv_num(const struct csv_table *t, size_t row, int col);

/*
 * The cell as a checked number in [lo, hi]: 0 with *out set (NaN for an
 * empty cell when allow_empty), or -EINVAL with why = "PATH:LINE: column
 * NAME: 'abc' is not a number" (or negative, out of range, empty).
 * A missing column reads as empty.
 */
int csv_num_checked(const struct csv_table *t, size_t row, int col,
		    double lo, double hi, int allow_empty, double *out,
		    char *why, size_t whylen);

/*
 * The cell is one of the NULL-terminated words: 0, or -EINVAL with why
 * naming the file, line, column and the allowed words.
 */
int csv_check_word(const struct csv_table *t, size_t row, int col,
		   const char *const *words, char *why, size_t whylen);

#endif
