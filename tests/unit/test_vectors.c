/*
 * test_vectors.c — runs export_verify over tests/data/vectors/: the honest
 * export must verify with its recorded root; every tampered copy must fail
 * with the message EXPECTED gives (docs/FORMAT.md §8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courtsync/export.h"
#include "harness.h"

#define DIR "tests/data/vectors"

static void
test_expected(void)
{
	FILE *f = fopen(DIR "/EXPECTED", "r");
	char line[1024], err[512];
	int n = 0;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[128], path[256];
		int status, off = 0, v;
		struct export_report r;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		CHECK(sscanf(line, "%127s %d %n", name, &status, &off) == 2);
		snprintf(path, sizeof(path), DIR "/%s", name);
		v = export_verify(path, NULL, &r, NULL, NULL, err, sizeof(err));
		CHECK_EQ_INT(v, status);
		if (status == 1)
			CHECK_ERR(r.problem, line + off);
		n++;
	}
	fclose(f);
	CHECK(n >= 13);
}

static void
test_honest_root(void)
{
	FILE *f = fopen(DIR "/honest.root", "r");
	char line[256], hex[2 * CS_HASH_LEN + 1], want[128] = "", err[256];
	struct export_report r;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "root ", 5) == 0)
			sscanf(line + 5, "%127s", want);
	fclose(f);
	CHECK_EQ_INT(export_verify(DIR "/honest", NULL, &r, NULL, NULL, err,
	    sizeof(err)), 0);
	crypto_hex(r.root, CS_HASH_LEN, hex);
	CHECK_STR(hex, want);
	CHECK_EQ_INT(r.entries, 12);
	CHECK_EQ_INT(r.checkpoints, 3);
}

static void
test_wrong_key_given(void)
{
	struct export_report r;
	char err[256];

	char other[256] = "";
	FILE *f = fopen(DIR "/other-key/court.vkey", "r");

	CHECK(f != NULL && fgets(other, sizeof(other), f) != NULL);
	if (f != NULL)
		fclose(f);
	other[strcspn(other, "\n")] = '\0';
	/* A valid key of another signer: verification fails. */
	CHECK_EQ_INT(export_verify(DIR "/honest", other, &r, NULL, NULL, err,
	    sizeof(err)), 1);
	CHECK_ERR(r.problem, "court.vkey: the export's key is not the key given");
	/* Not a key at all: a usage error, not a verdict. */
	CHECK_EQ_INT(export_verify(DIR "/honest",
	    "courtsync/cn/gs/ln/wudu+00000000+AdKqcUZu6uu4EIulNCXZxFHNCtj13FyOlO+HUVWTe1eW",
	    &r, NULL, NULL, err, sizeof(err)), -1);
	CHECK_ERR(err, "the key given is not a vkey");
	CHECK_EQ_INT(export_verify(DIR "/no-such-export", NULL, &r, NULL, NULL,
	    err, sizeof(err)), -1);
	CHECK_ERR(err, "cannot read");
}

const struct test tests[] = {
	{ "expected", test_expected },
	{ "honest_root", test_honest_root },
	{ "wrong_key_given", test_wrong_key_given },
	{ NULL, NULL }
};
