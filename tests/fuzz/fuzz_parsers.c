/*
 * fuzz_parsers.c - a libFuzzer target for everything that turns user text
 * into numbers: the size, list, duration and whole-number parsers of
 * bench/core/units.c and the option parser of `ipclab run` / `ipclab sweep`
 * (bench/core/options.c).
 *
 * The first input byte picks the parser; the rest is its text.  Besides
 * "no crash, no sanitizer report", each parser is held to what it promises:
 *
 *   units_parse_size        ok => the value printed in decimal parses back
 *                           to itself; refused => a reason was written
 *   units_parse_size_list   ok => 1..cap values, each also a size alone
 *                           when the list had no range
 *   units_parse_seconds     ok => finite, > 0, at most 24 h
 *   units_parse_uint        ok => within [min, max]
 *   options_parse           returns 0..3; 0 => every list non-empty and
 *                           within its capacity, BUF_SIZEs >= 1
 *
 * For options_parse the text is split into argv words at NUL and newline
 * bytes, as a shell would hand them over.  A broken promise prints which one
 * and aborts, which libFuzzer reports as a crash with the input.
 *
 *   build/fuzz/fuzz_parsers -runs=20000 -close_fd_mask=1
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PROMISE(x)                                                           \
	do {                                                                 \
		if (!(x)) {                                                  \
			fprintf(stderr, "broken promise: %s (%s:%d)\n", #x,  \
				__FILE__, __LINE__);                         \
			abort();                                             \
		}                                                            \
	} while (0)

static char *text_of(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static void fuzz_size(const char *s)
{
	uint64_t v = 0, back = 0;
	char why[256] = "", num[32];
	if (units_parse_size(s, &v, why, sizeof(why)) < 0) {
		PROMISE(why[0] != '\0');
		return;
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	PROMISE(units_parse_size(num, &back, why, sizeof(why)) == 0);
	PROMISE(back == v);
	char human[32];
	units_format_size(v, human, sizeof(human));
	PROMISE(human[0] != '\0');
}

static void fuzz_size_list(const char *s)
{
	uint64_t out[8];
	size_t n = 99;
	char why[256] = "";
	if (units_parse_size_list(s, out, 8, &n, why, sizeof(why)) < 0) {
		PROMISE(why[0] != '\0');
		PROMISE(n <= 8);
		return;
	}
	PROMISE(n >= 1 && n <= 8);
	if (strstr(s, "..") == NULL) {
		/* A plain list: each item on its own parses to the same value. */
		char *copy = strdup(s), *save = NULL;
		size_t i = 0;
		if (!copy)
			abort();
		for (char *it = strtok_r(copy, ",", &save); it;
		     it = strtok_r(NULL, ",", &save), i++) {
			uint64_t v;
			PROMISE(i < n);
			PROMISE(units_parse_size(it, &v, why, sizeof(why)) == 0);
			PROMISE(v == out[i]);
		}
		PROMISE(i == n);
		free(copy);
	}
}

static void fuzz_seconds(const char *s)
{
	double d = -1;
	char why[256] = "";
	if (units_parse_seconds(s, &d, why, sizeof(why)) < 0) {
		PROMISE(why[0] != '\0');
		return;
	}
	PROMISE(isfinite(d) && d > 0 && d <= 86400);
}

static void fuzz_uint(const uint8_t *data, size_t size)
{
	if (size < 2)
		return;
	/* Bounds from the first two bytes, so both edges get exercised. */
	uint64_t lo = data[0] % 4 == 0 ? 0 : (uint64_t)data[0] * 1000;
	uint64_t hi = data[1] % 4 == 0 ? UINT64_MAX : lo + (uint64_t)data[1] * 1000000;
	char *s = text_of(data + 2, size - 2);
	uint64_t v;
	char why[256] = "";
	if (units_parse_uint(s, lo, hi, &v, why, sizeof(why)) == 0)
		PROMISE(v >= lo && v <= hi);
	else
		PROMISE(why[0] != '\0');
	free(s);
}

static void fuzz_options(const uint8_t *data, size_t size, enum opts_kind kind)
{
	/* argv[0] is the subcommand; words are split at NUL and newline. */
	char *buf = text_of(data, size);
	char *argv[66];
	int argc = 0;
	argv[argc++] = kind == OPTS_RUN ? "run" : "sweep";
	char *w = buf;
	for (size_t i = 0; i <= size && argc < 64; i++) {
		if (i == size || buf[i] == '\0' || buf[i] == '\n') {
			buf[i] = '\0';
			argv[argc++] = w;
			w = buf + i + 1;
		}
	}
	argv[argc] = NULL;
	struct bench_opts o;
	char why[768] = "";
	int rc = options_parse(kind, argc, argv, &o, why, sizeof(why));
	PROMISE(rc >= 0 && rc <= 3);
	if (rc == 2 || rc == 3)
		PROMISE(why[0] != '\0');
	if (rc == 0) {
		PROMISE(o.ntransports >= 1 && o.ntransports <= OPT_MAX_LIST);
		PROMISE(o.nbuf_sizes >= 1 && o.nbuf_sizes <= OPT_MAX_LIST);
		for (size_t i = 0; i < o.nbuf_sizes; i++)
			PROMISE(o.buf_sizes[i] >= 1);
		PROMISE(o.nmodes >= 1 && o.nmodes <= 2);
		PROMISE(o.naccesses >= 1 && o.naccesses <= 2);
		PROMISE(o.npopulates >= 1 && o.npopulates <= 2);
		PROMISE(o.nhugepages >= 1 && o.nhugepages <= 4);
		PROMISE(o.npins >= 1 && o.npins <= 8);
		PROMISE(o.reps >= 1);
		PROMISE(isfinite(o.min_time) && o.min_time > 0);
		PROMISE(isfinite(o.timeout_s) && o.timeout_s > 0);
		if (kind == OPTS_RUN)
			PROMISE(o.ntransports == 1 && o.nbuf_sizes == 1 &&
				o.nmodes == 1 && o.npins == 1);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t which = data[0] % 6;
	data++;
	size--;
	if (which == 4 || which == 5) {
		fuzz_options(data, size, which == 4 ? OPTS_RUN : OPTS_SWEEP);
		return 0;
	}
	if (which == 3) {
		fuzz_uint(data, size);
		return 0;
	}
	char *s = text_of(data, size);
	if (which == 0)
		fuzz_size(s);
	else if (which == 1)
		fuzz_size_list(s);
	else
		fuzz_seconds(s);
	free(s);
	return 0;
}
