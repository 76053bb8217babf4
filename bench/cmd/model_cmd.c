/*
 * model_cmd.c - `ipclab model DIR`: the cost model of each transport from a
 * sweep's summary.csv, the numeric answer to "why does the time vary with
 * BUF_SIZE?".
 *
 * For every transport (and access, memory options, placement) with stream
 * points at two or more sizes, fit time = bytes * c_byte + handoffs *
 * c_handoff (bench/model.h) and print c_byte (with the rate it implies,
 * beside the memcpy floor measured in the same sweep), c_handoff, the fit's
 * quality (R² on the time per byte, and the worst relative miss), the
 * context switches measured per handoff, and the BUF_SIZE at which both
 * terms cost the same (c_handoff / c_byte): below it handoffs dominate.
 */
#include "commands.h"
#include "csvread.h"
#include "model.h"
#include "stats.h"
#include "units.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const key_cols[] = {"transport", "access", "populate",
				       "hugepages", "pin"};
#define NKEYS 5

static int same_group(const struct csv_table *t, const int *kc, size_t a,
		      size_t b)
{
	for (int k = 0; k < NKEYS; k++)
		if (strcmp(csv_get(t, a, kc[k]), csv_get(t, b, kc[k])) != 0)
			return 0;
	return 1;
}

static double median_col(const struct csv_table *t, const size_t *rows,
			 size_t n, int col, double min_buf, int buf_col)
{
	double v[n ? n : 1];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		double x = csv_num(t, rows[i], col);
		if (isfinite(x) && csv_num(t, rows[i], buf_col) >= min_buf)
			v[k++] = x;
	}
	return k ? stats_median(v, k) : NAN;
}

/* How many distinct BUF_SIZEs the rows have. */
static size_t sizes_in(const struct csv_table *t, const size_t *rows,
		       size_t n, int c_buf)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < i && csv_num(t, rows[j], c_buf) !=
				csv_num(t, rows[i], c_buf))
			j++;
		k += j == i;
	}
	return k;
}

/*
 * Every row names a known mode and status; an ok stream row (the ones
 * fitted) has the sizes, counts and times the fit needs, positive and below
 * anything a real run gives; the optional columns are empty or in range.
 */
static int check_rows(const struct csv_table *t, int c_mode, int c_status,
		      int c_buf, int c_bytes, int c_blocks, int c_wall,
		      int c_wv, int c_rv, int c_floor, char *why, size_t wl)
{
	static const char *const modes[] = {"stream", "pingpong", NULL};
	static const char *const statuses[] = {"ok", "skipped", "error", NULL};
	double v;
	for (size_t i = 0; i < t->nrows; i++) {
		if (csv_check_word(t, i, c_mode, modes, why, wl) < 0 ||
		    csv_check_word(t, i, c_status, statuses, why, wl) < 0)
			return -EINVAL;
		if (strcmp(csv_get(t, i, c_mode), "stream") != 0 ||
		    strcmp(csv_get(t, i, c_status), "ok") != 0)
			continue;
		if (csv_num_checked(t, i, c_buf, 1, 0x1p50, 0, &v, why, wl) ||
		    csv_num_checked(t, i, c_bytes, 1, 1e18, 0, &v, why, wl) ||
		    csv_num_checked(t, i, c_blocks, 1, 1e18, 0, &v, why, wl) ||
		    csv_num_checked(t, i, c_wall, 1, 1e17, 0, &v, why, wl) ||
		    csv_num_checked(t, i, c_wv, 0, 1e9, 1, &v, why, wl) ||
		    csv_num_checked(t, i, c_rv, 0, 1e9, 1, &v, why, wl) ||
		    csv_num_checked(t, i, c_floor, 0, 1e15, 1, &v, why, wl))
			return -EINVAL;
	}
	return 0;
}

/* The fit cannot be a cost: say so, and what it means. */
static void warn_negative(FILE *out, const struct csv_table *t, size_t row,
			  const int *kc, const struct model_fit *f)
{
	char who[160];
	snprintf(who, sizeof(who), "%s (%s, populate %s, hugepages %s, pin %s)",
		 csv_get(t, row, kc[0]), csv_get(t, row, kc[1]),
		 csv_get(t, row, kc[2]), csv_get(t, row, kc[3]),
		 csv_get(t, row, kc[4]));
	if (f->c_byte_ns < 0)
		fprintf(out, "ipclab: model: warning: %s: c_byte = %.3g ns/B is "
			"negative, which no cost can be: the bytes are too small "
			"a share of the time to be measured at these BUF_SIZEs, "
			"or the time does not grow linearly with them; trust "
			"c_handoff only, and check R2 and the sizes swept\n",
			who, f->c_byte_ns);
	if (f->c_handoff_ns < 0)
		fprintf(out, "ipclab: model: warning: %s: c_handoff = %.3g ns is "
			"negative, which no cost can be: the handoffs are too "
			"small a share of the time at these BUF_SIZEs (sweep "
			"smaller ones), or the model does not describe this "
			"transport\n", who, f->c_handoff_ns);
}

int model_main(int argc, char **argv)
{
	int csv = 0;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--csv") == 0)
			csv = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: ipclab model [--csv] RESULTS_DIR|summary.csv\n"
			       "Fit time = bytes * c_byte + handoffs * c_handoff per "
			       "transport over the stream points of a sweep.\n");
			return 0;
		} else if (!dir && argv[i][0] != '-')
			dir = argv[i];
		else {
			fprintf(stderr, "ipclab: model: unexpected argument '%s' "
				"(usage: ipclab model [--csv] DIR)\n", argv[i]);
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "ipclab: model: a results folder is required "
			"(e.g. ipclab model results/latest)\n");
		return 2;
	}
	char path[PATH_MAX], why[PATH_MAX + 128];
	size_t dl = strlen(dir);
	if (dl > 4 && strcmp(dir + dl - 4, ".csv") == 0)
		snprintf(path, sizeof(path), "%s", dir);
	else
		snprintf(path, sizeof(path), "%s/summary.csv", dir);
	struct csv_table t;
	if (csv_read(path, &t, why, sizeof(why)) < 0) {
		fprintf(stderr, "ipclab: model: %s\n", why);
		return 2;
	}
	int kc[NKEYS];
	for (int k = 0; k < NKEYS; k++)
		kc[k] = csv_col(&t, key_cols[k]);
	int c_mode = csv_col(&t, "mode"), c_status = csv_col(&t, "status"),
	    c_buf = csv_col(&t, "buf_size"), c_bytes = csv_col(&t, "total_bytes"),
	    c_blocks = csv_col(&t, "blocks"),
	    c_wall = csv_col(&t, "wall_ns_median"),
	    c_wv = csv_col(&t, "writer_vcsw_per_block"),
	    c_rv = csv_col(&t, "reader_vcsw_per_block"),
	    c_floor = csv_col(&t, "floor_bytes_per_s"),
	    c_flag = csv_col(&t, "flag"); /* absent before schema 2 */
	if (kc[0] < 0 || c_mode < 0 || c_status < 0 || c_buf < 0 ||
	    c_bytes < 0 || c_blocks < 0 || c_wall < 0) {
		fprintf(stderr, "ipclab: model: %s:1: missing column(s): a sweep "
			"summary has transport, mode, status, buf_size, "
			"total_bytes, blocks, wall_ns_median (renamed?)\n", path);
		csv_free(&t);
		return 2;
	}
	if (check_rows(&t, c_mode, c_status, c_buf, c_bytes, c_blocks, c_wall,
		       c_wv, c_rv, c_floor, why, sizeof(why)) < 0) {
		fprintf(stderr, "ipclab: model: %s\n", why);
		csv_free(&t);
		return 2;
	}
	size_t *rows = calloc(t.nrows + 1, sizeof(*rows));
	char *used = calloc(t.nrows + 1, 1);
	double *x = calloc(t.nrows + 1, sizeof(double)),
	       *y = calloc(t.nrows + 1, sizeof(double)),
	       *z = calloc(t.nrows + 1, sizeof(double));
	if (!rows || !used || !x || !y || !z) {
		fprintf(stderr, "ipclab: model: out of memory\n");
		free(rows), free(used), free(x), free(y), free(z);
		csv_free(&t);
		return 1;
	}
	if (csv)
		printf("transport,access,populate,hugepages,pin,points,"
		       "c_byte_ns,c_handoff_ns,r2,byte_rate_bytes_per_s,"
		       "floor_bytes_per_s,max_rel_err,writer_vcsw_per_handoff,"
		       "reader_vcsw_per_handoff,crossover_bytes\n");
	else
		printf("%-14s %-7s %-5s %6s %12s %11s %11s %9s %6s %8s %10s %10s\n",
		       "transport", "access", "pin", "points", "c_byte",
		       "= rate", "floor", "c_handoff", "R2", "max err",
		       "vcsw w/r", "equal at");
	int fitted = 0;
	size_t left_out = 0, kept_flagged = 0;
	/* Warnings come after the table, not inside it. */
	char *wbuf = NULL;
	size_t wlen = 0;
	FILE *warn = open_memstream(&wbuf, &wlen);
	for (size_t i = 0; i < t.nrows; i++) {
		if (used[i] || strcmp(csv_get(&t, i, c_mode), "stream") != 0 ||
		    strcmp(csv_get(&t, i, c_status), "ok") != 0)
			continue;
		/* Points flagged unstable come last: the fit leaves them out
		 * while two or more BUF_SIZEs of steady points remain. */
		size_t n = 0, steady = 0;
		for (int pass = 0; pass < 2; pass++)
			for (size_t j = i; j < t.nrows; j++) {
				int flagged = c_flag >= 0 &&
					      csv_get(&t, j, c_flag)[0] != '\0';
				if (used[j] || flagged != pass ||
				    !same_group(&t, kc, i, j) ||
				    strcmp(csv_get(&t, j, c_mode), "stream") != 0 ||
				    strcmp(csv_get(&t, j, c_status), "ok") != 0)
					continue;
				used[j] = 1;
				rows[n] = j;
				x[n] = csv_num(&t, j, c_bytes);
				y[n] = csv_num(&t, j, c_blocks);
				z[n] = csv_num(&t, j, c_wall);
				n++;
				steady += !flagged;
			}
		if (steady < n && sizes_in(&t, rows, steady, c_buf) >= 2) {
			left_out += n - steady;
			n = steady;
		} else {
			kept_flagged += n - steady;
		}
		struct model_fit f;
		double worst;
		const char *name = csv_get(&t, i, kc[0]);
		if (model_fit_relative(x, y, z, n, &f, &worst) < 0) {
			if (!csv)
				printf("%-14s %-7s %-5s %6zu  (%s)\n", name,
				       csv_get(&t, i, kc[1]), csv_get(&t, i, kc[4]),
				       n, sizes_in(&t, rows, n, c_buf) < 2
				       ? "needs two or more BUF_SIZEs to fit"
				       : "the points cannot separate byte and "
					 "handoff costs");
			continue;
		}
		fitted++;
		warn_negative(warn ? warn : stderr, &t, i, kc, &f);
		double wv = median_col(&t, rows, n, c_wv, 0, c_buf);
		double rv = median_col(&t, rows, n, c_rv, 0, c_buf);
		/* The floor where copying dominates: blocks of 64 KiB and up. */
		double floor_bps = median_col(&t, rows, n, c_floor, 65536, c_buf);
		double rate = f.c_byte_ns > 0 ? 1e9 / f.c_byte_ns : NAN;
		double cross = f.c_byte_ns > 0 && f.c_handoff_ns > 0
			? f.c_handoff_ns / f.c_byte_ns : NAN;
		if (csv) {
			printf("%s,%s,%s,%s,%s,%zu,%.6g,%.6g,%.4f,%.6g,%.6g,%.4f,"
			       "%.4g,%.4g,%.6g\n", name, csv_get(&t, i, kc[1]),
			       csv_get(&t, i, kc[2]), csv_get(&t, i, kc[3]),
			       csv_get(&t, i, kc[4]), n, f.c_byte_ns,
			       f.c_handoff_ns, f.r2, rate, floor_bps, worst, wv, rv,
			       cross);
			continue;
		}
		char cb[32], rt[32], fl[32], ch[32], eq[32], vc[32];
		snprintf(cb, sizeof(cb), "%.3g ns/B", f.c_byte_ns);
		units_format_rate(rate, rt, sizeof(rt));
		units_format_rate(floor_bps, fl, sizeof(fl));
		units_format_ns(f.c_handoff_ns, ch, sizeof(ch));
		if (isfinite(cross))
			units_format_size((uint64_t)cross, eq, sizeof(eq));
		else
			snprintf(eq, sizeof(eq), "-");
		snprintf(vc, sizeof(vc), "%.2f/%.2f", wv, rv);
		printf("%-14s %-7s %-5s %6zu %12s %11s %11s %9s %6.3f %7.0f%% %10s %10s\n",
		       name, csv_get(&t, i, kc[1]), csv_get(&t, i, kc[4]), n, cb,
		       rt, fl, ch, f.r2, 100 * worst, vc, eq);
	}
	if (!csv && fitted)
		printf("\ntime = bytes * c_byte + handoffs * c_handoff, fitted over "
		       "the sweep's BUF_SIZEs by least squares on relative error;\n"
		       "R2 on the time per byte, 'max err' the worst miss of one "
		       "point.\n"
		       "'= rate' is 1/c_byte, to compare with the memcpy floor "
		       "(blocks >= 64 KiB); 'equal at' is the BUF_SIZE where\n"
		       "both terms cost the same: below it the time is mostly "
		       "handoffs (wake-ups, context switches: 'vcsw w/r' per "
		       "handoff), above it mostly copying.\n");
	if (!csv && left_out)
		printf("%zu point(s) flagged unstable (summary.csv: flag, "
		       "reason) were left out of the fits.\n", left_out);
	if (!csv && kept_flagged)
		printf("%zu point(s) flagged unstable were kept where fewer than "
		       "two steady BUF_SIZEs remained: read those rows with "
		       "care.\n", kept_flagged);
	if (warn && fclose(warn) == 0 && wlen) {
		fflush(stdout);
		fputs(wbuf, stderr);
	}
	free(wbuf);
	free(rows), free(used), free(x), free(y), free(z);
	csv_free(&t);
	if (!fitted) {
		fprintf(stderr, "ipclab: model: no transport in %s has ok stream "
			"points at two or more BUF_SIZEs\n", path);
		return 1;
	}
	return 0;
}
