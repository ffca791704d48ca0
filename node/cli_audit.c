/*
 * cli_audit.c — `courtsync audit` and `courtsync digest` (courtsync(1)):
 * parses options, loads the trust anchors, calls the auditor's core
 * (audit.h), prints the report and chooses the exit status: 0 verified,
 * 1 a problem found, 2 usage, 3 system error.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "courtsync/file.h"
#include "courtsync/json.h"
#include "audit.h"
#include "court.h"
#include "proof.h"
#include "courtsync/push.h"
#include "render.h"
#include "cli.h"

#define HEX(h, out) crypto_hex((h), CS_HASH_LEN, (out))
#define ULL(x) ((unsigned long long)(x))

struct audit_args {
	const char	*pos[2];
	int		 npos;
	const char	*ca, *registry, *registry_sig;
	const char	*compare_mode;		/* non-NULL with --compare */
	const char	*evidence;
	const char	*follow, *origin, *state, *cert, *key;
	const char	*expect_digest;
	const char	*witnesses, *skew, *now;
	uint64_t	 interval_ms, chunk, backfill_days;
	bool		 no_replay, json, once;
};

static void
audit_usage(FILE *f)
{
	fprintf(f,
	    "usage: courtsync audit EXPORT --ca CA.crt --registry REGISTRY.tsv\n"
	    "           [--registry-sig SIG] [--no-replay] [--json]\n"
	    "           [--witnesses parent|ancestors|N:PATH,…] [--skew S]"
	    " [--now T]\n"
	    "           [--expect-digest HEX] [--backfill-days N]\n"
	    "       courtsync audit --compare A B --ca … --registry …"
	    " [--evidence OUT]\n"
	    "       courtsync audit --compare FILE --ca … --registry …\n"
	    "       courtsync audit --follow https://HOST:PORT --origin PATH"
	    " --state FILE\n"
	    "           --cert C --key K --ca CA --registry R"
	    " [--interval-ms N] [--chunk N] [--once]\n"
	    "       courtsync audit --proof FILE …\n"
	    "Verifies a court's export against the CA-signed registry: every"
	    " entry, the\ntree, every checkpoint and cosignature (the history"
	    " must rest on a\ncheckpoint cosigned as --witnesses says; default"
	    " the court's parent);\nreplays the"
	    " fold and prints the\nstate digest (compare it with `courtsync"
	    " digest` at any node).  A and B:\nexport directories or checkpoint"
	    " notes of one court.  Exit status: 0\nverified, 1 a problem found"
	    " (or equivocation), 2 usage, 3 system error.\n");
}

static int
num(const char *s, uint64_t *v)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 19)
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end != '\0' || errno != 0 ? -1 : 0;
}

/* The witness policy of the command line: --witnesses, --skew, --now (the
 * verifier's clock, default the system's).  reg NULL: syntax only. */
static int
audit_policy(const struct audit_args *a, const struct registry *reg,
    struct policy *p)
{
	char err[512];

	policy_init(p, (uint64_t)time(NULL));
	if (a->now != NULL && (num(a->now, &p->now) == -1 || p->now > CS_UTC_LAST))
		return cli_fail(CLI_USAGE, "audit: --now \"%s\": Unix seconds",
		    a->now);
	if (reg == NULL) {
		if ((a->witnesses != NULL && policy_parse(p, a->witnesses, err,
		    sizeof(err)) == -1) || (a->skew != NULL &&
		    policy_from_args(p, NULL, a->skew, NULL, err,
		    sizeof(err)) == -1))
			return cli_fail(CLI_USAGE, "audit: %s", err);
		return CLI_OK;
	}
	if (policy_from_args(p, a->witnesses, a->skew, reg, err,
	    sizeof(err)) == -1)
		return cli_fail(CLI_USAGE, "audit: %s", err);
	return CLI_OK;
}

static const struct cli_option audit_opts[] = {
	{ "ca", true }, { "registry", true }, { "registry-sig", true },
	{ "evidence", true }, { "follow", true }, { "origin", true },
	{ "state", true }, { "cert", true }, { "key", true },
	{ "expect-digest", true }, { "interval-ms", true }, { "chunk", true },
	{ "backfill-days", true }, { "witnesses", true }, { "skew", true },
	{ "now", true }, { "compare", false }, { "no-replay", false },
	{ "json", false }, { "once", false }, { NULL, false }
};
#define AUDIT_NOPTS (sizeof(audit_opts) / sizeof(audit_opts[0]) - 1)

static void
audit_help(void)
{
	audit_usage(stdout);
}

static const struct cli_spec audit_spec = { "audit", NULL, audit_help,
	audit_opts, 2, 0 };

static int
parse_args(int argc, char **argv, struct audit_args *a)
{
	const char *v[AUDIT_NOPTS], *nums[3];
	const char **slot[] = { &a->ca, &a->registry, &a->registry_sig,
	    &a->evidence, &a->follow, &a->origin, &a->state, &a->cert,
	    &a->key, &a->expect_digest, &nums[0], &nums[1], &nums[2],
	    &a->witnesses, &a->skew, &a->now, &a->compare_mode };
	struct policy p;
	int rc;

	memset(a, 0, sizeof(*a));
	a->interval_ms = 5000;
	a->backfill_days = RENDER_BACKFILL_DAYS;
	if ((rc = cli_parse(&audit_spec, argc, argv, v, a->pos)) != CLI_OK)
		return rc;
	for (size_t k = 0; k < sizeof(slot) / sizeof(slot[0]); k++)
		*slot[k] = v[k];
	a->no_replay = v[17] != NULL;
	a->json = v[18] != NULL;
	a->once = v[19] != NULL;
	a->npos = (a->pos[0] != NULL) + (a->pos[1] != NULL);
	if ((nums[0] != NULL && num(nums[0], &a->interval_ms) == -1) ||
	    (nums[1] != NULL && (num(nums[1], &a->chunk) == -1 ||
	    a->chunk == 0 || a->chunk > AUDIT_CHUNK_MAX)) ||
	    (nums[2] != NULL && (num(nums[2], &a->backfill_days) == -1 ||
	    a->backfill_days > 36500)))
		return cli_fail(CLI_USAGE, "audit: --interval-ms, --chunk (1-%d)"
		    " and --backfill-days take a number", AUDIT_CHUNK_MAX);
	if (a->ca == NULL || a->registry == NULL)
		return cli_fail(CLI_USAGE, "audit: --ca CA.crt and --registry"
		    " REGISTRY.tsv are required (the deployment's trust"
		    " anchors)");
	/* The policy's syntax before anything is read (its paths are checked
	 * against the registry once it is loaded). */
	if (audit_policy(a, NULL, &p) != CLI_OK)
		return CLI_USAGE;
	return CLI_OK;
}

static int
load_anchors(const struct audit_args *a, struct registry *reg)
{
	char sig[4096], err[1024];

	if (a->registry_sig != NULL)
		snprintf(sig, sizeof(sig), "%s", a->registry_sig);
	else
		snprintf(sig, sizeof(sig), "%s.sig", a->registry);
	if (registry_load(reg, a->registry, sig, a->ca, err,
	    sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "audit: the registry: %s", err);
	return CLI_OK;
}

/* ---- the report ---- */

static void
progress(void *arg, const char *phase, uint64_t done, uint64_t readb,
    uint64_t total)
{
	(void)arg;
	printf("\r%s: %llu entries, %3d%%", phase, ULL(done),
	    total > 0 ? (int)(readb * 100 / total) : 100);
	fflush(stdout);
}

static bool
same_witnesses(const struct audit_ckpt *x, const struct audit_ckpt *y)
{
	if (x->cs.n != y->cs.n || x->met != y->met)
		return false;
	for (size_t i = 0; i < x->cs.n; i++)
		if (strcmp(x->cs.w[i].path, y->cs.w[i].path) != 0 ||
		    x->cs.w[i].counts != y->cs.w[i].counts)
			return false;
	return true;
}

static void
witness_list(const struct audit_ckpt *ck, bool times)
{
	char t[32];

	if (ck->cs.n == 0)
		printf("(none)");
	for (size_t i = 0; i < ck->cs.n; i++) {
		const struct policy_witness *w = &ck->cs.w[i];

		cs_utc(w->time, t);
		printf("%s%s (level %d)%s%s%s", i ? ", " : "", w->path, w->level,
		    times ? " at " : "", times ? t : "", w->counts ? "" :
		    " [does not count: the court, a sibling or beneath it]");
	}
	printf("%s", ck->met ? "  — meets the policy" : "");
}

/* size → witnesses: one line per checkpoint, or runs of checkpoints
 * with the same witnesses when there are many. */
static void
print_witnesses(const struct audit_report *r, const struct policy *p)
{
	char pol[POLICY_TEXT_MAX];
	size_t i = 0;

	policy_format(p, pol, sizeof(pol));
	if (r->witnessed != UINT64_MAX && r->policy_checked)
		printf("policy      %s: every entry rests on checkpoint %llu,"
		    " which meets it\n", pol, ULL(r->witnessed));
	else if (r->policy_checked)
		printf("policy      %s: not met\n", pol);
	printf("witnesses   size → cosigned by\n");
	while (i < r->nck) {
		size_t j = i;

		if (r->nck > 20)
			while (j + 1 < r->nck && same_witnesses(&r->ck[i],
			    &r->ck[j + 1]))
				j++;
		if (j == i)
			printf("  %12llu  ", ULL(r->ck[i].cs.size));
		else
			printf("  %12llu..%llu (%zu checkpoints)  ",
			    ULL(r->ck[i].cs.size), ULL(r->ck[j].cs.size),
			    j - i + 1);
		witness_list(&r->ck[j], j == i);
		printf("\n");
		i = j + 1;
	}
}

static void
print_findings(const struct audit_report *r, uint64_t days)
{
	printf("numbering   %zu issue%s (gaps and re-used case numbers)\n",
	    r->num_total, r->num_total == 1 ? "" : "s");
	for (size_t i = 0; i < r->nnum && i < 10; i++) {
		const struct numbering_issue *x = &r->num[i];

		if (x->reused)
			printf("  %d %s: number %u re-used\n", x->year, x->type,
			    x->first);
		else if (x->first == x->last)
			printf("  %d %s: number %u missing\n", x->year, x->type,
			    x->first);
		else
			printf("  %d %s: numbers %u..%u missing\n", x->year,
			    x->type, x->first, x->last);
	}
	printf("backfilled  %zu event%s recorded more than %llu days after"
	    " their date\n", r->bf_total, r->bf_total == 1 ? "" : "s",
	    ULL(days));
	for (size_t i = 0; i < r->nbf && i < 10; i++)
		printf("  entry %llu %s %s: dated %s, recorded %s (%d days)%s%s\n",
		    ULL(r->bf[i].index), r->bf[i].case_no, r->bf[i].type,
		    r->bf[i].date, r->bf[i].recorded, r->bf[i].delay,
		    r->bf[i].witnessed[0] ? ", first witnessed " : "",
		    r->bf[i].witnessed);
}

static void
print_text(const char *dir, const struct audit_report *r,
    const struct policy *p, uint64_t days)
{
	char hex[2 * CS_HASH_LEN + 1];

	printf("court       %s %s (level %d, %s)\n", r->origin, r->name,
	    r->level, r->code);
	printf("export      %s\n", dir);
	printf("entries     %llu verified\n", ULL(r->entries));
	HEX(r->root, hex);
	printf("checkpoints %llu verified, each consistent with the one before"
	    " (recomputed); latest size %llu root %s\n", ULL(r->checkpoints),
	    ULL(r->size), hex);
	if (r->nck > 0)
		print_witnesses(r, p);
	if (r->replayed) {
		HEX(r->digest, hex);
		printf("state       %s (fold replayed over %llu entries)\n", hex,
		    ULL(r->entries));
		print_findings(r, days);
	}
}

static void
json_str(struct buf *b, const char *s)
{
	json_put_str(b, s, strlen(s));
}

static void
print_json(const struct audit_report *r, const struct policy *p, bool ok)
{
	char hex[2 * CS_HASH_LEN + 1];
	char pol[POLICY_TEXT_MAX];
	struct buf b = { 0 };

	buf_printf(&b, "{\"ok\":%s,\"court\":", ok ? "true" : "false");
	json_str(&b, r->origin);
	buf_printf(&b, ",\"name\":");
	json_str(&b, r->name);
	HEX(r->root, hex);
	policy_format(p, pol, sizeof(pol));
	buf_printf(&b, ",\"level\":%d,\"entries\":%llu,\"checkpoints\":%llu,"
	    "\"size\":%llu,\"root\":\"%s\",\"policy\":", r->level,
	    ULL(r->entries), ULL(r->checkpoints), ULL(r->size), hex);
	json_str(&b, pol);
	if (r->witnessed != UINT64_MAX)
		buf_printf(&b, ",\"witnessed_size\":%llu", ULL(r->witnessed));
	else
		buf_printf(&b, ",\"witnessed_size\":null");
	buf_printf(&b, ",\"witnessed\":[");
	for (size_t i = 0; i < r->nck; i++) {
		const struct audit_ckpt *ck = &r->ck[i];

		buf_printf(&b, "%s{\"size\":%llu,\"meets_policy\":%s,"
		    "\"witnesses\":[", i ? "," : "", ULL(ck->cs.size),
		    ck->met ? "true" : "false");
		for (size_t j = 0; j < ck->cs.n; j++) {
			buf_printf(&b, "%s{\"court\":", j ? "," : "");
			json_str(&b, ck->cs.w[j].path);
			buf_printf(&b, ",\"level\":%d,\"time\":%llu,"
			    "\"counts\":%s}", ck->cs.w[j].level,
			    ULL(ck->cs.w[j].time), ck->cs.w[j].counts ? "true" :
			    "false");
		}
		buf_printf(&b, "]}");
	}
	buf_printf(&b, "]");
	if (r->replayed) {
		HEX(r->digest, hex);
		buf_printf(&b, ",\"state\":\"%s\",\"numbering_issues\":%zu,"
		    "\"backfilled\":%zu", hex, r->num_total, r->bf_total);
	}
	buf_printf(&b, ",\"problem\":");
	if (r->problem[0] != '\0')
		json_str(&b, r->problem);
	else
		buf_printf(&b, "null");
	buf_printf(&b, "}\n");
	if (b.p != NULL)
		fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
}

/* ---- audit EXPORT ---- */

static int
audit_one(const struct audit_args *a, const struct registry *reg)
{
	struct audit_options o;
	struct audit_report r;
	char err[CS_ERR_MAX], hex[2 * CS_HASH_LEN + 1];
	const char *fault = getenv("COURTSYNC_AUDIT_FAULT");
	bool tty = isatty(STDOUT_FILENO) && !a->json;
	int v;

	audit_options_init(&o);
	if (audit_policy(a, reg, &o.policy) != CLI_OK)
		return CLI_USAGE;
	o.replay = !a->no_replay;
	o.backfill_days = (int)a->backfill_days;
	o.progress = tty ? progress : NULL;
	/* Fault injection for the tests: skip-fold:K leaves entry K out of
	 * the replay, so the digest must come out different. */
	if (fault != NULL && strncmp(fault, "skip-fold:", 10) == 0 &&
	    num(fault + 10, &o.skip_fold) == -1)
		return cli_fail(CLI_USAGE, "COURTSYNC_AUDIT_FAULT: skip-fold:K");
	v = audit_export(a->pos[0], reg, &o, &r, err, sizeof(err));
	if (tty)
		printf("\n");
	if (v == -1) {
		audit_report_free(&r);
		return cli_fail(CLI_SYSTEM, "audit: %s", err);
	}
	if (v == 0 && a->expect_digest != NULL && r.replayed) {
		HEX(r.digest, hex);
		if (strcmp(hex, a->expect_digest) != 0) {
			snprintf(r.problem, sizeof(r.problem), "state digest"
			    " mismatch: the replay gives %s, expected %s", hex,
			    a->expect_digest);
			v = 1;
		}
	}
	if (a->json)
		print_json(&r, &o.policy, v == 0);
	else {
		print_text(a->pos[0], &r, &o.policy, a->backfill_days);
		if (v == 0)
			printf("OK %s: %s verified\n", a->pos[0], r.origin);
		else
			printf("FAILED %s (%s): %s\n", a->pos[0],
			    r.origin[0] ? r.origin : "?", r.problem);
	}
	audit_report_free(&r);
	return v == 0 ? CLI_OK : CLI_REFUSED;
}

/* ---- audit --compare ---- */

static void
print_comparison(const struct audit_comparison *c, const char *what)
{
	printf("court       %s\n", c->origin);
	printf("views       size %llu and size %llu\n", ULL(c->size_a),
	    ULL(c->size_b));
	if (c->verdict == AUDIT_CONSISTENT)
		printf("CONSISTENT: size %llu is a prefix of size %llu%s\n",
		    ULL(c->size_a), ULL(c->size_b), what);
	else if (c->has_entry)
		printf("EQUIVOCATION: %s signed two trees that differ from"
		    " entry %llu on%s\n", c->origin, ULL(c->entry), what);
	else
		printf("EQUIVOCATION: %s signed checkpoints %llu and %llu that"
		    " are not consistent%s\n", c->origin, ULL(c->size_a),
		    ULL(c->size_b), what);
}

static int
audit_compare_cmd(const struct audit_args *a, const struct registry *reg)
{
	struct audit_comparison c;
	struct buf out = { 0 };
	char err[CS_ERR_MAX];
	int v, rc;

	if (a->npos == 1) {		/* check a comparison file */
		FILE *f = fopen(a->pos[0], "rb");
		size_t n;

		buf_init(&out, 64u << 20);
		if (f == NULL)
			return cli_fail(CLI_SYSTEM, "audit: cannot open %s: %s",
			    a->pos[0], strerror(errno));
		for (;;) {
			char chunk[65536];

			n = fread(chunk, 1, sizeof(chunk), f);
			if (n == 0)
				break;
			if (buf_append(&out, chunk, n) == -1) {
				fclose(f);
				buf_free(&out);
				return cli_fail(CLI_REFUSED, "audit: %s is too"
				    " large", a->pos[0]);
			}
		}
		fclose(f);
		v = audit_evidence_verify(out.p != NULL ? (const char *)out.p :
		    "", out.len, reg, &c, err, sizeof(err));
		buf_free(&out);
		if (v == -1)
			return cli_fail(CLI_SYSTEM, "audit: %s", err);
		if (v == 1) {
			printf("INVALID %s: %s\n", a->pos[0], c.problem);
			return CLI_REFUSED;
		}
		print_comparison(&c, " (the file proves it)");
		printf("OK %s: the comparison file verifies\n", a->pos[0]);
		return CLI_OK;
	}
	if (a->npos != 2)
		return cli_fail(CLI_USAGE, "audit --compare: A B (two views), or"
		    " one comparison FILE");
	v = audit_compare(a->pos[0], a->pos[1], reg, &out, &c, err,
	    sizeof(err));
	if (v == -1) {
		buf_free(&out);
		return cli_fail(CLI_SYSTEM, "audit --compare: %s", err);
	}
	if (v == 2) {
		buf_free(&out);
		return cli_fail(CLI_USAGE, "audit --compare: %s", c.problem);
	}
	if (c.problem[0] != '\0') {
		buf_free(&out);
		printf("FAILED %s\n", c.problem);
		return CLI_REFUSED;
	}
	print_comparison(&c, "");
	rc = v == 0 ? CLI_OK : CLI_REFUSED;
	if (a->evidence != NULL) {
		if (file_write_atomic(a->evidence, out.p, out.len, 0666, err,
		    sizeof(err)) == -1)
			rc = cli_fail(CLI_SYSTEM, "audit --compare: %s", err);
		else
			printf("%s written to %s\n", v == 0 ? "consistency"
			    " proof" : "equivocation evidence", a->evidence);
	}
	buf_free(&out);
	return rc;
}

/* ---- audit --follow ---- */

static int
hub_get(void *arg, const char *path, long *status, struct buf *resp,
    char *err, size_t errlen)
{
	return push_request(arg, path, NULL, 0, status, resp, err, errlen);
}

static void
follow_progress(void *arg, uint64_t size, uint64_t target)
{
	if (*(bool *)arg) {
		fprintf(stderr, "\rfollowing: %llu of %llu entries verified",
		    ULL(size), ULL(target));
		fflush(stderr);
	}
}

static int
audit_follow_cmd(const struct audit_args *a, const struct registry *reg)
{
	struct push_config pc;
	struct push_client cl;
	struct audit_monitor *m;
	struct audit_round r;
	struct policy pol;
	char err[CS_ERR_MAX], hex[2 * CS_HASH_LEN + 1];
	bool tty = isatty(STDERR_FILENO);
	int v, rc = CLI_OK, failures = 0;

	if (a->origin == NULL || a->state == NULL || a->cert == NULL ||
	    a->key == NULL || a->npos != 0)
		return cli_fail(CLI_USAGE, "audit --follow URL needs --origin PATH"
		    " --state FILE --cert C --key K (and no EXPORT)");
	if (!court_path_valid(a->origin))
		return cli_fail(CLI_USAGE, "audit: %s is not a court path",
		    a->origin);
	if (audit_policy(a, reg, &pol) != CLI_OK)
		return CLI_USAGE;
	if ((m = malloc(sizeof(*m))) == NULL)
		return cli_fail(CLI_SYSTEM, "out of memory");
	memset(&cl, 0, sizeof(cl));
	v = audit_monitor_load(a->state, a->origin, m, err, sizeof(err));
	if (v == -1) {
		free(m);
		return cli_fail(CLI_SYSTEM, "audit --follow: %s", err);
	}
	HEX(m->ck_root, hex);
	if (v == 1)
		printf("resuming at size %llu (checkpoint %llu, root %s)\n",
		    ULL(m->size), ULL(m->ck_size), hex);
	else
		printf("starting at size 0: no state in %s\n", a->state);
	memset(&pc, 0, sizeof(pc));
	pc.base_url = a->follow;
	pc.cert_file = a->cert;
	pc.key_file = a->key;
	pc.ca_file = a->ca;
	pc.connect_timeout_ms = 5000;
	pc.timeout_ms = 120000;
	pc.max_response = 256u << 20;
	if (push_init(&cl, &pc, err, sizeof(err)) == -1) {
		free(m);
		return cli_fail(CLI_SYSTEM, "audit --follow: %s", err);
	}
	for (;;) {
		if (a->now == NULL)
			pol.now = (uint64_t)time(NULL);
		v = audit_follow_round(m, reg, &pol, a->state,
		    (uint32_t)a->chunk, hub_get, &cl, follow_progress, &tty, &r,
		    err, sizeof(err));
		if (tty && r.verified > 0)
			fprintf(stderr, "\n");
		if (v == 2 && !a->once) {
			/* Not evidence of anything yet: the witnesses may
			 * still be on their way down.  Wait and ask again. */
			printf("waiting at size %llu: %s\n", ULL(m->size),
			    r.problem);
		} else if (v == 1 || v == 2) {
			printf("FAILED %s at %s: %s\n", a->origin, a->follow,
			    r.problem);
			rc = CLI_REFUSED;
			break;
		}
		if (v == -1) {
			/* A hub that cannot be reached is not evidence of
			 * anything: report, and try again next round. */
			cli_fail(CLI_SYSTEM, "audit --follow: %s", err);
			if (a->once || ++failures > 1000) {
				rc = CLI_SYSTEM;
				break;
			}
		} else {
			failures = 0;
			HEX(m->ck_root, hex);
			if (r.verified > 0)
				printf("verified %llu new entries (%llu..%llu):"
				    " size %llu root %s\n", ULL(r.verified),
				    ULL(r.start), ULL(m->size - 1),
				    ULL(m->size), hex);
			else
				printf("up to date at size %llu root %s\n",
				    ULL(m->size), hex);
			printf("checkpoint %llu witnessed by ",
			    ULL(r.ck.cs.size));
			witness_list(&r.ck, true);
			printf("\n");
		}
		fflush(stdout);
		if (a->once)
			break;
		usleep((useconds_t)(a->interval_ms > 3600000 ? 3600000 :
		    a->interval_ms) * 1000);
	}
	push_free(&cl);
	free(m);
	return rc;
}

int
cmd_audit(int argc, char **argv)
{
	struct audit_args a;
	struct registry reg;
	int rc;

	/* audit --proof FILE …: the proof's own options (cli_proof.c). */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--proof") == 0 ||
		    strncmp(argv[i], "--proof=", 8) == 0)
			return cmd_audit_proof(argc, argv);
	if ((rc = parse_args(argc, argv, &a)) != CLI_OK)
		return cli_done(rc);
	if (a.follow == NULL && a.compare_mode == NULL && a.npos != 1)
		return cli_fail(CLI_USAGE, "audit: which EXPORT? (courtsync audit"
		    " --help)");
	if ((rc = load_anchors(&a, &reg)) != CLI_OK)
		return rc;
	if (a.follow != NULL)
		rc = audit_follow_cmd(&a, &reg);
	else if (a.compare_mode != NULL)
		rc = audit_compare_cmd(&a, &reg);
	else
		rc = audit_one(&a, &reg);
	registry_free(&reg);
	return rc;
}

/* ---- digest ---- */

static const struct cli_option digest_opts[] = {
	{ "origin", true }, { NULL, false }
};
static const struct cli_spec digest_spec = { "digest",
	"usage: courtsync [-C HOME] digest [--origin PATH]\n"
	"Prints the digest of the state derived from one log held here (this\n"
	"court's by default): the value `courtsync audit` computes from an"
	" export.\n", NULL, digest_opts, 0, 0 };

int
cmd_digest(int argc, char **argv)
{
	const char *origin;
	struct court c;
	struct store_log l;
	uint8_t d[CS_HASH_LEN];
	char err[CS_ERR_MAX], hex[2 * CS_HASH_LEN + 1];
	int rc, x;

	if ((rc = cli_parse(&digest_spec, argc, argv, &origin, NULL)) != CLI_OK)
		return cli_done(rc);
	if ((rc = cli_open_views(&c)) != CLI_OK)
		return rc;
	if (origin == NULL)
		origin = c.cfg.path;
	/* One read snapshot: size and digest agree with each other. */
	if (store_begin(&c.st, err, sizeof(err)) == -1) {
		court_close(&c);
		return cli_fail(CLI_SYSTEM, "digest: %s", err);
	}
	x = store_log_get(&c.st, origin, false, &l, err, sizeof(err));
	if (x == 0)
		rc = cli_fail(CLI_REFUSED, "digest: no log of %s is held here",
		    origin);
	else if (x == -1 || store_log_digest(&c.st, l.id, d, err,
	    sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "digest: %s", err);
	else {
		HEX(d, hex);
		printf("origin %s\nsize %llu\nstate %s\n", origin, ULL(l.size),
		    hex);
	}
	store_rollback(&c.st);
	court_close(&c);
	return rc;
}
