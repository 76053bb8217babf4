/*
 * units.h - sizes, durations and rates: parsing user input and formatting for
 * humans.  Size suffixes are binary (k = K = KiB = 1024); rates are printed in
 * decimal units (1 GB/s = 10^9 bytes/s), as lmbench and perf do.
 */
#ifndef IPCLAB_UNITS_H
#define IPCLAB_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse a whole number of bytes: "10", "4K", "4k", "64KiB", "1M", "2MiB",
 * "1G", "16B".  Rejects empty strings, signs, fractions, unknown suffixes and
 * overflow.  0 on success; -EINVAL and a reason in why otherwise.
 */
int units_parse_size(const char *s, uint64_t *out, char *why, size_t whylen);

/*
 * Parse a list of sizes: "64,4K,1M", or a range "16..1M:x4" (multiply) /
 * "1K..8K:+1K" (add), or both mixed ("10,100,1K..4K:x2").  Fills at most cap
 * values; 0 or -EINVAL with a reason.
 */
int units_parse_size_list(const char *s, uint64_t *out, size_t cap,
			  size_t *n, char *why, size_t whylen);

/* Parse seconds: "0.5", "0.5s", "200ms", "2m".  Must be > 0 and finite. */
int units_parse_seconds(const char *s, double *out, char *why, size_t whylen);

/* Parse a whole number in [min, max] (no suffix). */
int units_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		     char *why, size_t whylen);

/* "10 B", "4 KiB", "1.5 MiB". */
void units_format_size(uint64_t bytes, char *buf, size_t len);
/* "950 MB/s", "1.23 GB/s". */
void units_format_rate(double bytes_per_s, char *buf, size_t len);
/* "850 ns", "3.1 us", "12 ms", "1.2 s" (3 significant digits). */
void units_format_ns(double ns, char *buf, size_t len);

#endif
