/* test_record.c - the record writers: the table's empty cells, lost rows. */
#include "check.h"
#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The table row of rec, written through a memory stream. */
static char *table_row(const struct record *rec)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(f != NULL);
	CHECK(record_write(f, FORMAT_TABLE, rec) == 0);
	fclose(f);
	return buf;
}

/* A side not observed on one CPU is "-", as the CSV's empty cell. */
static void test_cpus_column(void)
{
	struct record rec;
	record_init(&rec);
	snprintf(rec.transport, sizeof(rec.transport), "pipe");
	rec.buf_size = 4096;
	rec.writer_cpu = 1;
	rec.reader_cpu = -1;
	char *row = table_row(&rec);
	CHECK(strstr(row, " 1/- ") != NULL);
	CHECK(strstr(row, "-1") == NULL);
	free(row);
	rec.writer_cpu = -1;
	rec.reader_cpu = 0;
	row = table_row(&rec);
	CHECK(strstr(row, " -/0 ") != NULL);
	free(row);
}

/* A row that cannot be written is an error with errno, in every format,
 * and record_close reports an earlier failure. */
static void test_lost_row(void)
{
	struct record rec;
	record_init(&rec);
	for (int fmt = FORMAT_TABLE; fmt <= FORMAT_JSON; fmt++) {
		FILE *f = fopen("/dev/full", "w");
		if (!f)
			return; /* no /dev/full here: nothing to test */
		errno = 0;
		CHECK(record_write(f, (enum record_format)fmt, &rec) < 0);
		CHECK(errno == ENOSPC);
		CHECK(record_close(f) < 0);
	}
	FILE *f = fopen("/dev/null", "w");
	CHECK(f && record_write_header(f, FORMAT_CSV) == 0);
	CHECK(f && record_close(f) == 0);
}

static const struct test_case cases[] = {
	{"cpus_column", test_cpus_column},
	{"lost_row", test_lost_row},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
