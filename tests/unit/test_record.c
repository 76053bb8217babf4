/*
 * test_record.c - the record writers: the table's empty cells, lost rows,
 * and a fixed record written as a CSV row, a JSON line and a table row,
 * byte for byte against tests/fixtures/golden/record.{csv,json,txt}.  A
 * deliberate change to a writer is a change to those files: run
 * `IPCLAB_GOLDEN_UPDATE=1 ./test_record golden`, and review the diff.
 */
#include "check.h"
#include "record.h"

#include <errno.h>
#include <math.h>
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

/* A reason with control characters (a plugin's message, say) stays on
 * its row of the table, as a summary's does on its line. */
static void test_reason_one_line(void)
{
	struct record rec;
	record_init(&rec);
	snprintf(rec.transport, sizeof(rec.transport), "pipe");
	snprintf(rec.status, sizeof(rec.status), "error");
	snprintf(rec.reason, sizeof(rec.reason), "first\nsecond\r\tthird");
	char *row = table_row(&rec);
	CHECK(strstr(row, "error: first second  third\n") != NULL);
	CHECK(strchr(row, '\n') == row + strlen(row) - 1);
	free(row);

	struct summary s;
	memset(&s, 0, sizeof(s));
	record_init(&s.first);
	snprintf(s.first.transport, sizeof(s.first.transport), "pipe");
	snprintf(s.first.mode, sizeof(s.first.mode), "stream");
	snprintf(s.status, sizeof(s.status), "error");
	snprintf(s.reason, sizeof(s.reason), "one\ntwo");
	for (int flagged = 0; flagged < 2; flagged++) {
		snprintf(s.flag, sizeof(s.flag), "%s", flagged ? "unstable" : "");
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		CHECK(f && summary_write(f, FORMAT_TABLE, &s) == 0);
		fclose(f);
		/* the reason on the row, or flagged on one line of its own */
		CHECK(strstr(buf, "one two\n") != NULL);
		int lines = 0;
		for (char *p = buf; *p; p++)
			lines += *p == '\n';
		CHECK(lines == 1 + flagged);
		free(buf);
	}
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

/* A record with every column set, a few left empty, and a reason that
 * needs quoting in CSV and escaping in JSON. */
static void fixed_record(struct record *rec)
{
	record_init(rec);
	snprintf(rec->run_id, sizeof(rec->run_id), "20260101-120000-42");
	snprintf(rec->transport, sizeof(rec->transport), "pshm-sem");
	snprintf(rec->mode, sizeof(rec->mode), "stream");
	snprintf(rec->access, sizeof(rec->access), "copy");
	rec->buf_size = 4096;
	rec->total_bytes = 1u << 20;
	rec->blocks = 256;
	snprintf(rec->populate, sizeof(rec->populate), "on");
	snprintf(rec->hugepages, sizeof(rec->hugepages), "try");
	rec->page_size = 4096;
	snprintf(rec->region_mechanism, sizeof(rec->region_mechanism), "shm_open");
	rec->nblocks = 8; /* kbuf_size left empty */
	snprintf(rec->pin, sizeof(rec->pin), "0,1");
	snprintf(rec->pin_relation, sizeof(rec->pin_relation), "smt");
	rec->writer_cpu = 0; /* reader_cpu left -1: not observed */
	rec->rep = 3;
	rec->round = 2;
	rec->t_start_s = 1.25;
	rec->verified = 1;
	rec->wall_ns = 125000;
	rec->bytes_per_s = 8388608000.0;
	rec->rtt_min_ns = 100;
	rec->rtt_p50_ns = 150;
	rec->rtt_p90_ns = 200;
	rec->rtt_p99_ns = 400;
	rec->rtt_p999_ns = 800;
	rec->rtt_max_ns = 1600;
	rec->one_way_p50_ns = 75.5;
	rec->clock_overhead_ns = 20;
	rec->writer_user_ns = 1000;
	rec->writer_sys_ns = 2000;
	rec->reader_user_ns = 3000;
	rec->reader_sys_ns = 4000;
	rec->writer_vcsw = 5;
	rec->writer_ivcsw = 6;
	rec->reader_vcsw = 7;
	rec->reader_ivcsw = 8;
	rec->writer_minflt = 9;
	rec->writer_majflt = 0;
	rec->reader_minflt = 10;
	rec->reader_majflt = 0;
	rec->floor_bytes_per_s = 16777216000.0;
	rec->floor_ratio = 0.5;
	rec->line_rtt_ns = 62.5;
	rec->line_pair_rtt_ns = 118.25;
	rec->steal_pct = 0; /* other_busy_pct left empty */
	rec->writer_runq_wait_ns = 300;
	rec->reader_runq_wait_ns = 0;
	rec->runq_wait_pct = 0.25;
	rec->writer_migrations = 1;
	rec->reader_migrations = 0;
	snprintf(rec->status, sizeof(rec->status), "error");
	snprintf(rec->reason, sizeof(rec->reason),
		 "read: \"short\", then EOF\tat byte 12\n(peer died)");
}

/* What fmt writes for the fixed record (header, row) equals
 * tests/fixtures/golden/record.EXT. */
static void check_golden(enum record_format fmt, const char *ext)
{
	struct record rec;
	char *got = NULL, path[1024];
	size_t len = 0;
	const char *slash = strrchr(__FILE__, '/');
	int dirlen = slash ? (int)(slash - __FILE__) : 0;
	snprintf(path, sizeof(path), "%.*s/../fixtures/golden/record.%s", dirlen,
		 __FILE__, ext);
	fixed_record(&rec);
	FILE *f = open_memstream(&got, &len);
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(record_write_header(f, fmt) == 0);
	CHECK(record_write(f, fmt, &rec) == 0);
	fclose(f);
	if (getenv("IPCLAB_GOLDEN_UPDATE")) {
		FILE *w = fopen(path, "w");
		CHECK(w && fwrite(got, 1, len, w) == len && fclose(w) == 0);
		printf("wrote %s\n", path);
	}
	char want[16384];
	size_t n = 0;
	FILE *r = fopen(path, "r");
	CHECK(r != NULL);
	if (r) {
		n = fread(want, 1, sizeof(want) - 1, r);
		fclose(r);
	}
	want[n] = '\0';
	if (n != len || memcmp(want, got, len) != 0) {
		fprintf(stderr, "%s: the writer's output differs:\n--- got\n%s"
			"--- %s\n%s", ext, got, path, want);
		check_failed = 1;
	}
	free(got);
}

static void test_golden(void)
{
	check_golden(FORMAT_CSV, "csv");
	check_golden(FORMAT_JSON, "json");
	check_golden(FORMAT_TABLE, "txt");
}

static const struct test_case cases[] = {
	{"cpus_column", test_cpus_column},
	{"lost_row", test_lost_row},
	{"reason_one_line", test_reason_one_line},
	{"golden", test_golden},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
