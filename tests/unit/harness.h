/*
 * harness.h — the unit-test harness: a few macros and a runner.
 *
 * A test file defines `static void test_x(void)` functions and a
 * `const struct test tests[]` table ending in {NULL, NULL}; harness.c
 * supplies main(), runs each, and prints "N passed, N failed".
 */
#ifndef COURTSYNC_TEST_HARNESS_H
#define COURTSYNC_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

struct test {
	const char	*name;
	void		(*fn)(void);
};

extern const struct test tests[];
extern int harness_failed;

void	harness_fail(const char *file, int line, const char *what);
void	harness_hex(const char *hex, unsigned char *out, size_t n);

#define CHECK(c) do { if (!(c)) harness_fail(__FILE__, __LINE__, #c); } while (0)
#define CHECK_EQ_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { char _m[256]; snprintf(_m, sizeof(_m), "%s == %s (%lld != %lld)", \
	    #a, #b, _a, _b); harness_fail(__FILE__, __LINE__, _m); } } while (0)
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); \
	if (strcmp(_a, _b) != 0) { char _m[1024]; snprintf(_m, sizeof(_m), \
	    "%s == %s (\"%s\" != \"%s\")", #a, #b, _a, _b); \
	    harness_fail(__FILE__, __LINE__, _m); } } while (0)
#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)
/* The error buffer must contain the substring s. */
#define CHECK_ERR(err, s) do { if (strstr((err), (s)) == NULL) { char _m[1024]; \
	snprintf(_m, sizeof(_m), "error \"%.900s\" lacks \"%.100s\"", (err), (s)); \
	harness_fail(__FILE__, __LINE__, _m); } } while (0)

#endif
