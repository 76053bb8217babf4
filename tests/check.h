/*
 * check.h - a tiny test harness: CHECK macros and a case table.
 *
 *   static void test_x(void) { CHECK(1 + 1 == 2); CHECK_EQ_U(f(), 3); }
 *   static const struct test_case cases[] = {{"x", test_x}, {NULL, NULL}};
 *   int main(int argc, char **argv) { return check_main(cases, argc, argv); }
 *
 * `./test_foo` runs every case, `./test_foo NAME` runs one.  A failed CHECK
 * prints file:line and the expression and marks the case failed.  A case
 * that cannot run here (not root, no huge pages) says why and is skipped:
 *
 *   if (geteuid() != 0)
 *           SKIP("not root: cannot reserve huge pages");
 *
 * (SKIP returns from the case; check_skip only marks it, for a case that
 * must undo something first.)  The test exits 77, which ctest reports as
 * skipped, when every case it ran was skipped.
 *
 * A case that changes this machine's settings when run as root (and puts
 * them back) has a name ending in _root: it runs only when named, and
 * tests/CMakeLists.txt registers each such case as its own ctest,
 * unit.test_foo.NAME, with the label `root`.
 */
#ifndef IPCLAB_CHECK_H
#define IPCLAB_CHECK_H

#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

static int check_failed;
static int check_skipped;

static inline void check_skip(const char *why)
{
	printf("SKIP: %s\n", why);
	fflush(stdout);
	check_skipped = 1;
}

#define SKIP(why)                                                            \
	do {                                                                 \
		check_skip(why);                                             \
		return;                                                      \
	} while (0)

#define CHECK(expr)                                                          \
	do {                                                                 \
		if (!(expr)) {                                               \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,\
				__LINE__, #expr);                            \
			check_failed = 1;                                    \
		}                                                            \
	} while (0)

#define CHECK_EQ_U(a, b)                                                     \
	do {                                                                 \
		unsigned long long a_ = (unsigned long long)(a);             \
		unsigned long long b_ = (unsigned long long)(b);             \
		if (a_ != b_) {                                              \
			fprintf(stderr, "%s:%d: %s == %s failed: %llu != %llu\n",\
				__FILE__, __LINE__, #a, #b, a_, b_);         \
			check_failed = 1;                                    \
		}                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *a_ = (a), *b_ = (b);                             \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                     \
			fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n",\
				__FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)",\
				b_ ? b_ : "(null)");                         \
			check_failed = 1;                                    \
		}                                                            \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                \
	do {                                                                 \
		double a_ = (a), b_ = (b), t_ = (tol);                       \
		if (!(a_ - b_ <= t_ && b_ - a_ <= t_)) {                     \
			fprintf(stderr, "%s:%d: %s ~ %s failed: %g vs %g (tol %g)\n",\
				__FILE__, __LINE__, #a, #b, a_, b_, t_);     \
			check_failed = 1;                                    \
		}                                                            \
	} while (0)

static inline int check_main(const struct test_case *cases, int argc,
			     char **argv)
{
	int failed = 0, ran = 0, skipped = 0;
	for (const struct test_case *c = cases; c->name; c++) {
		size_t len = strlen(c->name);
		int root = len >= 5 && strcmp(c->name + len - 5, "_root") == 0;
		if (argc > 1 ? strcmp(argv[1], c->name) != 0 : root)
			continue;
		check_failed = 0;
		check_skipped = 0;
		c->fn();
		ran++;
		printf("%s %s\n", check_failed ? "FAIL" : check_skipped ? "SKIP"
		       : "ok  ", c->name);
		fflush(stdout);
		failed += check_failed;
		skipped += check_skipped && !check_failed;
	}
	if (ran == 0) {
		fprintf(stderr, "no test case named %s\n", argc > 1 ? argv[1] : "");
		return 1;
	}
	if (skipped)
		printf("%d passed, %d failed, %d skipped\n",
		       ran - failed - skipped, failed, skipped);
	else
		printf("%d passed, %d failed\n", ran - failed, failed);
	if (failed)
		return 1;
	return skipped == ran ? 77 : 0;
}

#endif
