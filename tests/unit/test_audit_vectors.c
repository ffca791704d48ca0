/*
 * test_audit_vectors.c — the auditor's core over tests/data/audit/ (made by
 * tests/data/make-audit-vectors.py): a cosigned export verifies with three
 * witnesses, a forged cosignature is named, two consistent views compare
 * consistent, a fork is equivocation, and the comparison file proves it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "registry.h"
#include "harness.h"

#define DIR "tests/data/audit"

static int
load(struct registry *reg)
{
	char err[512];
	int rc = registry_load(reg, DIR "/trust/registry.tsv",
	    DIR "/trust/registry.tsv.sig", DIR "/trust/ca.crt", err, sizeof(err));

	if (rc == -1)
		fprintf(stderr, "  %s\n", err);
	return rc;
}

static int
audit_dir_as(const char *dir, const char *policy, struct audit_report *r)
{
	struct registry reg;
	struct audit_options o;
	char err[512];
	int rc;

	memset(r, 0, sizeof(*r));
	if (load(&reg) == -1)
		return -2;
	audit_options_init(&o);
	o.replay = false;
	if (policy != NULL && policy_parse(&o.policy, policy, err,
	    sizeof(err)) == -1) {
		registry_free(&reg);
		return -2;
	}
	rc = audit_export(dir, &reg, &o, r, err, sizeof(err));
	registry_free(&reg);
	return rc;
}

static int
audit_dir(const char *dir, struct audit_report *r)
{
	return audit_dir_as(dir, NULL, r);
}

static void
test_cosigned_export(void)
{
	struct audit_report r;

	CHECK_EQ_INT(audit_dir(DIR "/cosigned", &r), 0);
	CHECK_STR(r.origin, "cn/gs/ln/wudu");
	CHECK(r.nck > 0);
	if (r.nck > 0) {
		/* the latest checkpoint: witnessed by 陇南, 甘肃 and the SPC */
		CHECK_EQ_INT(r.ck[r.nck - 1].cs.n, 3);
	}
	audit_report_free(&r);
	/* the county's own export ends in a checkpoint nobody cosigned */
	CHECK_EQ_INT(audit_dir(DIR "/county", &r), 1);
	CHECK_ERR(r.problem, "not witnessed: no cosignature by cn/gs/ln");
	audit_report_free(&r);
}

/* Every `audit` and `audit-ancestors` line of EXPECTED: the result and,
 * for a refusal, the message fragment. */
static void
test_expected(void)
{
	FILE *f = fopen(DIR "/EXPECTED", "r");
	char line[1024], path[512];
	int n = 0;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		struct audit_report r;
		char kind[32], dir[64];
		int want, off = 0, got;
		const char *frag;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%31s %63s %d %n", kind, dir, &want, &off) != 3 ||
		    strncmp(kind, "audit", 5) != 0)
			continue;
		frag = line + off;
		snprintf(path, sizeof(path), DIR "/%s", dir);
		got = audit_dir_as(path, strcmp(kind, "audit-ancestors") == 0 ?
		    "ancestors" : NULL, &r);
		if (got != want)
			fprintf(stderr, "  %s: %d, want %d (%s)\n", line, got, want,
			    r.problem);
		CHECK_EQ_INT(got, want);
		if (want == 1)
			CHECK_ERR(r.problem, frag);
		audit_report_free(&r);
		n++;
	}
	fclose(f);
	CHECK(n >= 8);
}

static void
test_forged_cosignature(void)
{
	struct audit_report r;

	CHECK_EQ_INT(audit_dir(DIR "/forged-cosig", &r), 1);
	CHECK_ERR(r.problem, "bad cosignature by cn/gs");
	audit_report_free(&r);
}

static void
test_compare(void)
{
	struct registry reg;
	struct audit_comparison c;
	struct buf out;
	char err[512];

	if (load(&reg) == -1) {
		CHECK(0);
		return;
	}
	buf_init(&out, 0);
	CHECK_EQ_INT(audit_compare(DIR "/county", DIR "/cosigned", &reg, &out,
	    &c, err, sizeof(err)), 0);
	CHECK_EQ_INT(c.verdict, AUDIT_CONSISTENT);
	buf_reset(&out);
	CHECK_EQ_INT(audit_compare(DIR "/county", DIR "/fork", &reg, &out, &c,
	    err, sizeof(err)), 1);
	CHECK_EQ_INT(c.verdict, AUDIT_EQUIVOCATION);
	buf_free(&out);
	registry_free(&reg);
}

static void
test_evidence_file(void)
{
	struct registry reg;
	struct audit_comparison c;
	char err[512], *text;
	FILE *f = fopen(DIR "/equivocation.txt", "rb");
	size_t n;

	CHECK(f != NULL);
	if (f == NULL || load(&reg) == -1) {
		if (f != NULL)
			fclose(f);
		return;
	}
	text = malloc(1 << 20);
	n = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	CHECK_EQ_INT(audit_evidence_verify(text, n, &reg, &c, err, sizeof(err)),
	    0);
	CHECK_EQ_INT(c.verdict, AUDIT_EQUIVOCATION);
	/* one byte changed in the evidence: it no longer proves anything */
	text[n / 2] ^= 0x01;
	CHECK(audit_evidence_verify(text, n, &reg, &c, err, sizeof(err)) != 0);
	free(text);
	registry_free(&reg);
}

const struct test tests[] = {
	{ "expected", test_expected },
	{ "cosigned_export", test_cosigned_export },
	{ "forged_cosignature", test_forged_cosignature },
	{ "compare", test_compare },
	{ "evidence_file", test_evidence_file },
	{ NULL, NULL }
};
