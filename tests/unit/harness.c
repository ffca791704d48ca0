/* harness.c — runs the tests[] table of one unit-test binary. */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

int harness_failed;

void
harness_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "  FAIL %s:%d: %s\n", file, line, what);
	harness_failed++;
}

void
harness_hex(const char *hex, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (unsigned char)v;
	}
}

int
main(void)
{
	int passed = 0, failed = 0;

	for (const struct test *t = tests; t->name != NULL; t++) {
		int before = harness_failed;
		t->fn();
		if (harness_failed == before) {
			passed++;
		} else {
			failed++;
			fprintf(stderr, "FAILED %s\n", t->name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
