/*
 * cli_proof.c — the two commands over case proofs (proof.h): `prove`,
 * which writes one from this node's store against a witnessed checkpoint,
 * and `audit --proof`, which verifies one offline and prints the report.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "court.h"
#include "courtsync/file.h"
#include "courtsync/crypto.h"
#include "proof.h"
#include "cli.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

/* ---- the commands ---- */

static const struct cli_option prove_opts[] = {
	{ "origin", true }, { "o", true }, { "witnesses", true },
	{ "latest", false }, { NULL, false }
};
static const struct cli_spec prove_spec = { "prove",
	"usage: courtsync [-C HOME] prove CASE_NO [--origin PATH] [-o FILE]\n"
	"       [--witnesses parent|ancestors|N:PATH,… | --latest]\n"
	"Writes a self-contained proof of every entry of the case in the log"
	" of PATH\n(default: this court's own) against its latest checkpoint"
	" witnessed as the\npolicy says (default: the node's `witnesses`,"
	" else the court's parent),\nwith every cosignature held"
	" (docs/FORMAT.md §10).  --latest: against the latest\ncheckpoint,"
	" witnessed or not (an auditor refuses it until it is).\n",
	NULL, prove_opts, 1, 0 };

/*
 * `courtsync [-C HOME] prove CASE_NO [--origin PATH] [-o FILE]`: writes
 * the proof to standard output, or atomically to FILE.
 */
int
cmd_prove(int argc, char **argv)
{
	struct court c;
	struct buf out;
	struct registry reg = { 0 };
	struct policy pol;
	const char *cno, *v[4], *origin, *file, *witnesses;
	char err[CS_ERR_MAX];
	bool refused = false, latest;
	int rc, x;

	if ((rc = cli_parse(&prove_spec, argc, argv, v, &cno)) != CLI_OK)
		return cli_done(rc);
	origin = v[0];
	file = v[1];
	witnesses = v[2];
	latest = v[3] != NULL;
	if (cno == NULL)
		return cli_fail(CLI_USAGE, "prove: which case number?");
	if (origin != NULL && !court_path_valid(origin))
		return cli_fail(CLI_USAGE, "prove: --origin %s is not a court path",
		    origin);
	if ((rc = cli_open_views(&c)) != CLI_OK)
		return rc;
	buf_init(&out, 0);
	policy_init(&pol, (uint64_t)time(NULL));
	if ((x = court_registry(&c, &reg, err, sizeof(err))) == -1) {
		rc = cli_fail(CLI_SYSTEM, "prove: %s", err);
		goto out;
	}
	if (policy_parse(&pol, witnesses != NULL ? witnesses :
	    c.cfg.witnesses, err, sizeof(err)) == -1 ||
	    (x == 1 && policy_resolve(&pol, &reg, err, sizeof(err)) == -1)) {
		rc = cli_fail(CLI_USAGE, "prove: %s", err);
		goto out;
	}
	if (proof_build(&c.st, x == 1 ? &reg : NULL, latest ? NULL : &pol,
	    origin != NULL ? origin : c.cfg.path, cno, &out, &refused, err,
	    sizeof(err)) == -1)
		rc = cli_fail(refused ? CLI_REFUSED : CLI_SYSTEM, "prove: %s", err);
	else if (file == NULL) {
		if (fwrite(out.p, 1, out.len, stdout) != out.len ||
		    fflush(stdout) != 0)
			rc = cli_fail(CLI_SYSTEM, "prove: cannot write the proof");
	} else if (file_write_atomic(file, out.p, out.len, 0666, err, sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "prove: %s", err);
out:
	registry_free(&reg);
	buf_free(&out);
	court_close(&c);
	return rc;
}

static void
print_report(const char *file, const struct proof_report *r,
    const struct registry *reg, const struct policy *pol)
{
	char hex[2 * CS_HASH_LEN + 1], when[32], pt[POLICY_TEXT_MAX];
	size_t n = 0, k;

	crypto_hex(r->root, CS_HASH_LEN, hex);
	printf("OK %s: case %s in the log of %s (%s)\n", file, r->case_no,
	    r->origin, r->court);
	printf("  entries: %zu (%zu correction%s), indexes %" PRIu64 "..%"
	    PRIu64 "\n", r->entries, r->corrections,
	    r->corrections == 1 ? "" : "s", r->first, r->last);
	printf("  checkpoint: size %" PRIu64 ", root %s, signed by"
	    " courtsync/%s\n", r->size, hex, r->origin);
	for (size_t i = 0; i < r->cs.n; i++)
		n += r->cs.w[i].counts;
	printf("  witnesses: %zu", n);
	for (size_t i = 0, j = 0; i < r->cs.n; i++) {
		const struct registry_court *w = registry_find(reg,
		    r->cs.w[i].path);

		if (!r->cs.w[i].counts)
			continue;
		printf("%s %s (%s)", j++ == 0 ? ":" : ",", r->cs.w[i].path,
		    w != NULL ? w->name : "?");
	}
	printf("\n");
	for (size_t i = 0, j = 0; i < r->cs.n; i++) {
		if (!r->cs.w[i].counts)
			continue;
		cs_utc(r->cs.w[i].time, when);
		printf("%s %s at %s", j++ == 0 ? "  cosigned:" : ",",
		    r->cs.w[i].path, when);
		if (j == n)
			printf("\n");
	}
	for (k = 0; k < r->cs.n; k++)
		if (!r->cs.w[k].counts)
			printf("  not counted: %s (the court itself, a sibling or"
			    " beneath it)\n", r->cs.w[k].path);
	policy_format(pol, pt, sizeof(pt));
	printf("  witness policy: %s: met\n", pt);
	if (r->cs.ignored > 0)
		printf("  ignored: %zu signature line%s by keys not in the"
		    " registry\n", r->cs.ignored, r->cs.ignored == 1 ? "" : "s");
}

static const struct cli_option verify_opts[] = {
	{ "proof", true }, { "ca", true }, { "registry-sig", true },
	{ "registry", true }, { "witnesses", true }, { "skew", true },
	{ "now", true }, { NULL, false }
};
static const struct cli_spec verify_spec = { "audit --proof",
	"usage: courtsync audit --proof FILE --ca CA.crt --registry"
	" REGISTRY.tsv\n"
	"       [--registry-sig SIG] [--witnesses parent|ancestors|N:PATH,…]"
	" [--skew S] [--now T]\n"
	"Verifies a case proof offline (docs/FORMAT.md §10) with the court and"
	" witness\nkeys of the registry, whose signature by the CA is checked"
	" first (SIG\ndefaults to REGISTRY.tsv.sig).\n"
	"Exit status: 0 verified, 1 verification failed, 2 usage, 3"
	" unreadable.\n", NULL, verify_opts, 0, 0 };

/*
 * `courtsync audit --proof FILE --ca CA.crt --registry REGISTRY.tsv
 * [--registry-sig SIG]` (SIG defaults to REGISTRY.tsv.sig).  Prints the
 * report and returns CLI_OK, or prints the first problem and returns
 * CLI_REFUSED; CLI_USAGE for a bad command line, CLI_SYSTEM if the proof
 * or the registry cannot be read.
 */
int
cmd_audit_proof(int argc, char **argv)
{
	struct registry reg = { 0 };
	struct proof_report *r = NULL;
	struct policy pol;
	const char *o[7], *file, *ca, *regf, *sig, *witnesses, *skew, *now;
	char *end = NULL;
	char err[CS_ERR_MAX], sigbuf[4096], *text = NULL;
	size_t n;
	int v, rc;

	if ((rc = cli_parse(&verify_spec, argc, argv, o, NULL)) != CLI_OK)
		return cli_done(rc);
	file = o[0], ca = o[1], sig = o[2], regf = o[3];
	witnesses = o[4], skew = o[5], now = o[6];
	if (file == NULL || ca == NULL || regf == NULL)
		return cli_fail(CLI_USAGE, "usage: courtsync audit --proof FILE"
		    " --ca CA.crt --registry REGISTRY.tsv [--registry-sig SIG]");
	if (sig == NULL) {
		if ((size_t)snprintf(sigbuf, sizeof(sigbuf), "%s.sig", regf) >=
		    sizeof(sigbuf))
			return cli_fail(CLI_USAGE, "audit: registry name too long");
		sig = sigbuf;
	}
	/* The policy's syntax and the clock before anything is read. */
	policy_init(&pol, (uint64_t)time(NULL));
	if (now != NULL && (now[0] < '0' || now[0] > '9' || strlen(now) > 12 ||
	    (pol.now = strtoull(now, &end, 10)) > CS_UTC_LAST || *end != '\0'))
		return cli_fail(CLI_USAGE, "audit: --now \"%s\": Unix seconds",
		    now);
	if ((witnesses != NULL && policy_parse(&pol, witnesses, err,
	    sizeof(err)) == -1) || (skew != NULL && policy_from_args(&pol, NULL,
	    skew, NULL, err, sizeof(err)) == -1))
		return cli_fail(CLI_USAGE, "audit: %s", err);
	if (registry_load(&reg, regf, sig, ca, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "audit: %s", err);
	if (policy_resolve(&pol, &reg, err, sizeof(err)) == -1) {
		rc = cli_fail(CLI_USAGE, "audit: %s", err);
		goto out;
	}
	if (file_read(file, PROOF_FILE_MAX, &text, &n, err, sizeof(err)) == -1) {
		rc = cli_fail(CLI_SYSTEM, "audit: %s", err);
		goto out;
	}
	if ((r = malloc(sizeof(*r))) == NULL) {
		rc = cli_fail(CLI_SYSTEM, "audit: out of memory");
		goto out;
	}
	v = proof_verify(text, n, &reg, &pol, r, err, sizeof(err));
	if (v == -1) {
		rc = cli_fail(CLI_SYSTEM, "audit: %s", err);
	} else if (v == 1) {
		printf("FAILED %s: %s\n", file, err);
		rc = cli_fail(CLI_REFUSED, "audit: proof verification failed: %s",
		    err);
	} else {
		print_report(file, r, &reg, &pol);
		rc = CLI_OK;
	}
out:
	free(r);
	free(text);
	registry_free(&reg);
	return rc;
}
