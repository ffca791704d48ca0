/*
 * test_audit_vectors.c — the auditor's core over tests/data/audit/ (made by
 * tests/data/make-audit-vectors.py): a cosigned export verifies with three
 * witnesses, a forged cosignature is named, two consistent views compare
 * consistent, a fork is equivocation, and the comparison file proves it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courtsync/audit.h"
#include "courtsync/registry.h"
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
audit_dir(const char *dir, struct audit_report *r)
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
	rc = audit_export(dir, &reg, &o, r, err, sizeof(err));
	registry_free(&reg);
	return rc;
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
	CHECK_EQ_INT(audit_dir(DIR "/county", &r), 0);
	audit_report_free(&r);
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
	{ "cosigned_export", test_cosigned_export },
	{ "forged_cosignature", test_forged_cosignature },
	{ "compare", test_compare },
	{ "evidence_file", test_evidence_file },
	{ NULL, NULL }
};
