/*
 * csvread.h - read the CSV files ipclab writes (one header line, fields
 * separated by commas, strings quoted with "" doubling when needed), by
 * column name.
 */
#ifndef IPCLAB_CSVREAD_H
#define IPCLAB_CSVREAD_H

#include <stddef.h>

struct csv_table {
	size_t ncols, nrows;
	char **header;  /* ncols names */
	char ***rows;   /* nrows x ncols cells ("" when empty) */
};

/* 0, or -errno (file) / -EINVAL (a row with the wrong number of cells);
 * why says which. */
int csv_read(const char *path, struct csv_table *t, char *why, size_t whylen);
void csv_free(struct csv_table *t);

/* Index of a column, or -1. */
int csv_col(const struct csv_table *t, const char *name);
/* The cell, "" when the column is missing. */
const char *csv_get(const struct csv_table *t, size_t row, int col);
/* The cell as a number; NaN when empty or not a number. */
double csv_num(const struct csv_table *t, size_t row, int col);

#endif
