/*
 * test_units.c - units.c: sizes, lists, durations and whole numbers parsed,
 * with the exact message of each refusal; sizes, rates and times formatted,
 * and formatted sizes parsed back.
 */
#include "check.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static void test_parse_size(void)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{"0", 0}, {"10", 10}, {"16B", 16}, {"4k", 4096}, {"4K", 4096},
		{"64KiB", 65536}, {"64kb", 65536}, {"1M", 1u << 20},
		{"2MiB", 2u << 20}, {"1G", 1u << 30}, {"3gib", 3ull << 30},
		{"1T", 1ull << 40}, {"18446744073709551615", UINT64_MAX},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 1;
		char why[256] = "";
		CHECK(units_parse_size(ok[i].s, &v, why, sizeof(why)) == 0);
		CHECK_EQ_U(v, ok[i].v);
		CHECK_STR(why, "");
	}
}

static const struct {
	const char *s, *why;
} bad_sizes[] = {
	{"", "empty size (use e.g. 4096, 4K, 1M)"},
	{"-1", "'-1' is not a size (a whole number of bytes, optionally with "
	       "k, M, G: 4K = 4096)"},
	{"K", "'K' is not a size (a whole number of bytes, optionally with "
	      "k, M, G: 4K = 4096)"},
	{"1.5K", "'1.5K' is not a whole number of bytes (write 1536 or 1536B "
		 "instead of 1.5K)"},
	{"4Q", "'4Q': unknown suffix 'Q' (use k, M, G; binary: 1K = 1024)"},
	{"4 K", "'4 K': unknown suffix ' K' (use k, M, G; binary: 1K = 1024)"},
	{"18446744073709551616", "'18446744073709551616' is too large"},
	{"16777216T", "'16777216T' is too large"},
};

static void test_parse_size_errors(void)
{
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		uint64_t v = 7;
		char why[256] = "";
		CHECK(units_parse_size(bad_sizes[i].s, &v, why, sizeof(why)) ==
		      -EINVAL);
		CHECK_STR(why, bad_sizes[i].why);
		CHECK_EQ_U(v, 7); /* untouched */
	}
}

static void test_size_list(void)
{
	uint64_t v[64];
	size_t n = 99;
	char why[256] = "";
	CHECK(units_parse_size_list("16..1M:x4", v, 64, &n, why, sizeof(why)) == 0);
	static const uint64_t x4[] = {16, 64, 256, 1024, 4096, 16384, 65536,
				      262144, 1048576};
	CHECK_EQ_U(n, 9);
	for (size_t i = 0; i < 9; i++)
		CHECK_EQ_U(v[i], x4[i]);
	CHECK(units_parse_size_list("10,1K..4K:+1K,100", v, 64, &n, why,
				    sizeof(why)) == 0);
	static const uint64_t mixed[] = {10, 1024, 2048, 3072, 4096, 100};
	CHECK_EQ_U(n, 6);
	for (size_t i = 0; i < 6; i++)
		CHECK_EQ_U(v[i], mixed[i]);
	CHECK(units_parse_size_list("1..3:x2", v, 64, &n, why, sizeof(why)) == 0);
	CHECK(n == 2 && v[0] == 1 && v[1] == 2); /* HI need not be reached */

	static const struct {
		const char *s, *why;
	} bad[] = {
		{"", "empty list (use e.g. 64,4K,1M or 16..1M:x4)"},
		{"4K,", "'4K,': empty item in the list"},
		{",4K", "',4K': empty item in the list"},
		{"4K,,8K", "'4K,,8K': empty item in the list"},
		{"1..8", "range '1..8' needs a step: LO..HI:xF or LO..HI:+S "
			 "(e.g. 16..1M:x4)"},
		{"1..8:y2", "range '1..8:y2': step must be xF (multiply) or +S "
			    "(add)"},
		{"8..1:x2", "range '8..1:x2': need 0 < LO <= HI and a step that "
			    "grows (x2 or more, +1 or more)"},
		{"1..8:x1", "range '1..8:x1': need 0 < LO <= HI and a step that "
			    "grows (x2 or more, +1 or more)"},
		{"0..8:+1", "range '0..8:+1': need 0 < LO <= HI and a step that "
			    "grows (x2 or more, +1 or more)"},
		{"1..1M:+1", "range '1..1M:+1' has more than 64 values"},
		{"1x..8:x2", "'1x': unknown suffix 'x' (use k, M, G; binary: "
			     "1K = 1024)"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		CHECK(units_parse_size_list(bad[i].s, v, 64, &n, why,
					    sizeof(why)) == -EINVAL);
		CHECK_STR(why, bad[i].why);
	}
	CHECK(units_parse_size_list("1,2,3", v, 2, &n, why, sizeof(why)) ==
	      -EINVAL);
	CHECK_STR(why, "more than 2 values");
}

static void test_seconds(void)
{
	static const struct {
		const char *s;
		double v;
	} ok[] = {
		{"0.5", 0.5}, {"0.5s", 0.5}, {".25", 0.25}, {"200ms", 0.2},
		{"50us", 50e-6}, {"2m", 120}, {"2min", 120}, {"86400", 86400},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		double v = -1;
		char why[256] = "";
		CHECK(units_parse_seconds(ok[i].s, &v, why, sizeof(why)) == 0);
		CHECK_NEAR(v, ok[i].v, 1e-12);
	}
	static const struct {
		const char *s, *why;
	} bad[] = {
		{"", "'' is not a duration (e.g. 0.5, 0.5s, 200ms)"},
		{"-1", "'-1' is not a duration (e.g. 0.5, 0.5s, 200ms)"},
		{"s", "'s' is not a duration (e.g. 0.5, 0.5s, 200ms)"},
		{"0", "'0' is not a duration between 1us and 24h (e.g. 0.5, "
		      "0.5s, 200ms)"},
		{"5h", "'5h' is not a duration between 1us and 24h (e.g. 0.5, "
		       "0.5s, 200ms)"},
		{"1441m", "'1441m' is not a duration between 1us and 24h (e.g. "
			  "0.5, 0.5s, 200ms)"},
		{"1e999", "'1e999' is not a duration between 1us and 24h (e.g. "
			  "0.5, 0.5s, 200ms)"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double v = -1;
		char why[256] = "";
		CHECK(units_parse_seconds(bad[i].s, &v, why, sizeof(why)) ==
		      -EINVAL);
		CHECK_STR(why, bad[i].why);
	}
}

static void test_uint(void)
{
	uint64_t v = 0;
	char why[256] = "";
	CHECK(units_parse_uint("0", 0, 10, &v, why, sizeof(why)) == 0 && v == 0);
	CHECK(units_parse_uint("10", 0, 10, &v, why, sizeof(why)) == 0 && v == 10);
	CHECK(units_parse_uint("18446744073709551615", 0, UINT64_MAX, &v, why,
			       sizeof(why)) == 0 && v == UINT64_MAX);
	static const char *const bad[] = {"", "11", "-1", "+1", "1K", "1.0",
					  " 1", "18446744073709551616"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[128];
		snprintf(want, sizeof(want), "'%s' is not a whole number from 0 "
			 "to 10", bad[i]);
		CHECK(units_parse_uint(bad[i], 0, 10, &v, why, sizeof(why)) ==
		      -EINVAL);
		CHECK_STR(why, want);
	}
}

static void test_format(void)
{
	static const struct {
		uint64_t v;
		const char *s;
	} sizes[] = {
		{0, "0 B"}, {10, "10 B"}, {1023, "1023 B"}, {1024, "1 KiB"},
		{1536, "1.5 KiB"}, {65536, "64 KiB"}, {1000000, "977 KiB"},
		{1u << 20, "1 MiB"}, {3ull << 30, "3 GiB"}, {1ull << 40, "1 TiB"},
		{1ull << 50, "1024 TiB"},
	};
	char buf[32];
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		units_format_size(sizes[i].v, buf, sizeof(buf));
		CHECK_STR(buf, sizes[i].s);
	}
	static const struct {
		double v;
		const char *s;
	} rates[] = {
		{0, "0 B/s"}, {999, "999 B/s"}, {1500, "1.5 kB/s"},
		{950e6, "950 MB/s"}, {1.234e9, "1.23 GB/s"}, {-1, "-"},
		{NAN, "-"}, {INFINITY, "-"},
	}, times[] = {
		{850, "850 ns"}, {3100, "3.1 us"}, {12e6, "12 ms"},
		{1.2e9, "1.2 s"}, {0.4, "0 ns"}, {-1, "-"}, {NAN, "-"},
	};
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		units_format_rate(rates[i].v, buf, sizeof(buf));
		CHECK_STR(buf, rates[i].s);
	}
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		units_format_ns(times[i].v, buf, sizeof(buf));
		CHECK_STR(buf, times[i].s);
	}
}

/* A whole size formatted without its space parses back to itself. */
static void test_round_trip(void)
{
	static const uint64_t v[] = {1, 10, 1023, 1024, 4096, 65536, 1u << 20,
				     5ull << 30, 2ull << 40};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char buf[32], packed[32], why[256];
		size_t k = 0;
		uint64_t back = 0;
		units_format_size(v[i], buf, sizeof(buf));
		for (const char *p = buf; *p; p++)
			if (*p != ' ')
				packed[k++] = *p;
		packed[k] = '\0';
		CHECK(units_parse_size(packed, &back, why, sizeof(why)) == 0);
		CHECK_EQ_U(back, v[i]);
	}
}

static const struct test_case cases[] = {
	{"parse_size", test_parse_size},
	{"parse_size_errors", test_parse_size_errors},
	{"size_list", test_size_list},
	{"seconds", test_seconds},
	{"uint", test_uint},
	{"format", test_format},
	{"round_trip", test_round_trip},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
