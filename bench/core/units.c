/* units.c - parse and format sizes, durations and rates (see units.h). */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *suffix;
	uint64_t mult;
} size_suffixes[] = {
	{"", 1},	     {"b", 1},	      {"k", 1ull << 10},
	{"kib", 1ull << 10}, {"kb", 1ull << 10}, {"m", 1ull << 20},
	{"mib", 1ull << 20}, {"mb", 1ull << 20}, {"g", 1ull << 30},
	{"gib", 1ull << 30}, {"gb", 1ull << 30}, {"t", 1ull << 40},
	{"tib", 1ull << 40}, {"tb", 1ull << 40},
};

int units_parse_size(const char *s, uint64_t *out, char *why, size_t whylen)
{
	if (!s || !*s) {
		snprintf(why, whylen, "empty size (use e.g. 4096, 4K, 1M)");
		return -EINVAL;
	}
	if (!isdigit((unsigned char)s[0])) {
		snprintf(why, whylen,
			 "'%s' is not a size (a whole number of bytes, "
			 "optionally with k, M, G: 4K = 4096)", s);
		return -EINVAL;
	}
	uint64_t v = 0;
	const char *p = s;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10) {
			snprintf(why, whylen, "'%s' is too large", s);
			return -EINVAL;
		}
		v = v * 10 + d;
	}
	if (*p == '.' || *p == ',') {
		snprintf(why, whylen,
			 "'%s' is not a whole number of bytes (write 1536 "
			 "or 1536B instead of 1.5K)", s);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(size_suffixes) / sizeof(size_suffixes[0]);
	     i++) {
		if (strcasecmp(p, size_suffixes[i].suffix) != 0)
			continue;
		uint64_t m = size_suffixes[i].mult;
		if (v > UINT64_MAX / m) {
			snprintf(why, whylen, "'%s' is too large", s);
			return -EINVAL;
		}
		*out = v * m;
		return 0;
	}
	snprintf(why, whylen, "'%s': unknown suffix '%s' (use k, M, G; binary: "
		 "1K = 1024)", s, p);
	return -EINVAL;
}

static int parse_range(const char *item, uint64_t *out, size_t cap, size_t *n,
		       char *why, size_t whylen)
{
	char lo_s[64], hi_s[64], step_s[64];
	const char *dots = strstr(item, "..");
	const char *colon = strchr(item, ':');
	if (!colon || colon < dots) {
		snprintf(why, whylen,
			 "range '%s' needs a step: LO..HI:xF or LO..HI:+S "
			 "(e.g. 16..1M:x4)", item);
		return -EINVAL;
	}
	size_t l1 = (size_t)(dots - item), l2 = (size_t)(colon - dots - 2);
	if (l1 >= sizeof(lo_s) || l2 >= sizeof(hi_s) ||
	    strlen(colon + 1) >= sizeof(step_s)) {
		snprintf(why, whylen, "range '%s' is too long", item);
		return -EINVAL;
	}
	memcpy(lo_s, item, l1);
	lo_s[l1] = '\0';
	memcpy(hi_s, dots + 2, l2);
	hi_s[l2] = '\0';
	snprintf(step_s, sizeof(step_s), "%s", colon + 1);
	uint64_t lo, hi, step;
	if (units_parse_size(lo_s, &lo, why, whylen) < 0 ||
	    units_parse_size(hi_s, &hi, why, whylen) < 0)
		return -EINVAL;
	char kind = step_s[0];
	if ((kind != 'x' && kind != '+') ||
	    units_parse_size(step_s + 1, &step, why, whylen) < 0) {
		snprintf(why, whylen,
			 "range '%s': step must be xF (multiply) or +S (add)",
			 item);
		return -EINVAL;
	}
	if (lo == 0 || lo > hi || (kind == 'x' && step < 2) ||
	    (kind == '+' && step == 0)) {
		snprintf(why, whylen,
			 "range '%s': need 0 < LO <= HI and a step that grows "
			 "(x2 or more, +1 or more)", item);
		return -EINVAL;
	}
	for (uint64_t v = lo; v <= hi;) {
		if (*n >= cap) {
			snprintf(why, whylen, "range '%s' has more than %zu "
				 "values", item, cap);
			return -EINVAL;
		}
		out[(*n)++] = v;
		if (kind == 'x') {
			if (v > UINT64_MAX / step)
				break;
			v *= step;
		} else {
			if (v > UINT64_MAX - step)
				break;
			v += step;
		}
	}
	return 0;
}

int units_parse_size_list(const char *s, uint64_t *out, size_t cap,
			  size_t *n, char *why, size_t whylen)
{
	*n = 0;
	if (!s || !*s) {
		snprintf(why, whylen, "empty list (use e.g. 64,4K,1M or "
			 "16..1M:x4)");
		return -EINVAL;
	}
	char *copy = strdup(s);
	if (!copy) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	int rc = 0;
	char *save = NULL;
	size_t items = 0;
	for (char *item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save), items++) {
		if (strstr(item, "..")) {
			rc = parse_range(item, out, cap, n, why, whylen);
		} else if (*n >= cap) {
			snprintf(why, whylen, "more than %zu values", cap);
			rc = -EINVAL;
		} else {
			rc = units_parse_size(item, &out[*n], why, whylen);
			if (rc == 0)
				(*n)++;
		}
		if (rc < 0)
			break;
	}
	if (rc == 0 && (items == 0 || s[strlen(s) - 1] == ',' || s[0] == ',' ||
			strstr(s, ",,"))) {
		snprintf(why, whylen, "'%s': empty item in the list", s);
		rc = -EINVAL;
	}
	free(copy);
	return rc;
}

int units_parse_seconds(const char *s, double *out, char *why, size_t whylen)
{
	if (!s || !*s || !(isdigit((unsigned char)s[0]) || s[0] == '.')) {
		snprintf(why, whylen, "'%s' is not a duration (e.g. 0.5, 0.5s, "
			 "200ms)", s ? s : "");
		return -EINVAL;
	}
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	double mult = 0;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mult = 1;
	else if (strcmp(end, "ms") == 0)
		mult = 1e-3;
	else if (strcmp(end, "us") == 0)
		mult = 1e-6;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60;
	if (errno || mult == 0 || !isfinite(v) || v <= 0 || v * mult > 86400) {
		snprintf(why, whylen, "'%s' is not a duration between 1us and "
			 "24h (e.g. 0.5, 0.5s, 200ms)", s);
		return -EINVAL;
	}
	*out = v * mult;
	return 0;
}

int units_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		     char *why, size_t whylen)
{
	uint64_t v = 0;
	const char *p = s;
	if (!s || !*s)
		goto bad;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			goto bad;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	snprintf(why, whylen, "'%s' is not a whole number from %llu to %llu",
		 s ? s : "", (unsigned long long)min, (unsigned long long)max);
	return -EINVAL;
}

void units_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)bytes;
	unsigned i = 0;
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else if (v == floor(v))
		snprintf(buf, len, "%.0f %s", v, names[i]);
	else
		snprintf(buf, len, "%.3g %s", v, names[i]);
}

void units_format_rate(double r, char *buf, size_t len)
{
	if (!isfinite(r) || r < 0)
		snprintf(buf, len, "-");
	else if (r >= 1e9)
		snprintf(buf, len, "%.3g GB/s", r / 1e9);
	else if (r >= 1e6)
		snprintf(buf, len, "%.3g MB/s", r / 1e6);
	else if (r >= 1e3)
		snprintf(buf, len, "%.3g kB/s", r / 1e3);
	else
		snprintf(buf, len, "%.3g B/s", r);
}

void units_format_ns(double ns, char *buf, size_t len)
{
	if (!isfinite(ns) || ns < 0)
		snprintf(buf, len, "-");
	else if (ns >= 1e9)
		snprintf(buf, len, "%.3g s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.3g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.3g us", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
}
