/*
 * test_policy.c — the witness rule and the witness policy (policy.h,
 * docs/FORMAT.md §9.1) over a registry made here with fresh keys: which
 * cosignatures count (never the court, a sibling or a court beneath it),
 * every registered line verified whoever it names, the time bounds, and
 * parent / ancestors / N: policies met or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "courtsync/crypto.h"
#include "policy.h"
#include "harness.h"

#define NOW	1800000000ULL	/* the verifier's clock in these tests */
#define ENTRY	1790000000ULL	/* when the newest covered entry was recorded */

static const char *const paths[] = {
	"cn", "cn/gs", "cn/gs/ln", "cn/gs/ln/wudu", "cn/gs/ln/wen",
	"cn/gs/ln/wudu/x", "jcy-gs",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

static struct note_signer logkey[NPATHS], witkey[NPATHS];
static struct registry reg;
static char body[256];
static size_t bodylen;

static int
depth(const char *p)
{
	int d = 1;

	while ((p = strchr(p, '/')) != NULL) {
		p++;
		d++;
	}
	return d;
}

/* A registry of the seven with fresh keys (jcy-gs a witness), once. */
static int
setup(void)
{
	static int done;
	char file[] = "/tmp/test-policy-XXXXXX", err[256], vkey[256];
	const char *parent[] = { "-", "cn", "cn/gs", "cn/gs/ln", "cn/gs/ln",
	    "cn/gs/ln/wudu", "-" };
	struct checkpoint ck = { "courtsync/cn/gs/ln/wudu", 42, { 7 } };
	FILE *f;
	int fd;

	if (done)
		return 0;
	if ((fd = mkstemp(file)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return -1;
	for (size_t i = 0; i < NPATHS; i++) {
		uint8_t seed[CS_SEED_LEN], pub[CS_PUB_LEN];
		char name[NOTE_NAME_MAX];

		snprintf(name, sizeof(name), "courtsync/%s", paths[i]);
		if (crypto_ed25519_keygen(seed, pub) == -1 ||
		    note_signer_init(&logkey[i], name, NOTE_TYPE_ED25519, seed,
		    err, sizeof(err)) == -1 ||
		    note_signer_init(&witkey[i], name, NOTE_TYPE_COSIG, seed, err,
		    sizeof(err)) == -1 ||
		    note_vkey_format(&logkey[i].v, vkey, sizeof(vkey)) < 0)
			return -1;
		fprintf(f, "%s\t%d\tC%zu\t%s\t法院%zu\t%s%s\n", paths[i],
		    i == NPATHS - 1 ? 2 : depth(paths[i]),
		    i, parent[i], i, vkey, i == NPATHS - 1 ? "\twitness" : "");
	}
	fclose(f);
	if (registry_load(&reg, file, NULL, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "  %s\n", err);
		unlink(file);
		return -1;
	}
	unlink(file);
	if (checkpoint_format(&ck, body, sizeof(body)) == -1)
		return -1;
	bodylen = strlen(body);
	done = 1;
	return 0;
}

static size_t
idx(const char *path)
{
	for (size_t i = 0; i < NPATHS; i++)
		if (strcmp(paths[i], path) == 0)
			return i;
	abort();
}

/* The note signed by wudu, with cosignatures by `who` (NULL-terminated)
 * at time t each. */
static void
note_with(char *out, size_t cap, const char *const *who, uint64_t t)
{
	char err[256], line[512];
	int n = note_sign(body, bodylen, &logkey[idx("cn/gs/ln/wudu")], out, cap,
	    err, sizeof(err));

	CHECK(n > 0);
	for (size_t i = 0; who[i] != NULL; i++) {
		CHECK(cosig_sign(body, bodylen, t, &witkey[idx(who[i])], line,
		    sizeof(line), err, sizeof(err)) > 0);
		strncat(out, line, cap - strlen(out) - 1);	/* ends in \n */
	}
}

static int
check(const char *const *who, uint64_t t, const char *spec, char *problem,
    size_t plen, struct policy_cosigs *c, bool *met)
{
	struct policy p;
	char note[4096], err[256];
	int v;

	note_with(note, sizeof(note), who, t);
	policy_init(&p, NOW);
	if (spec != NULL) {
		CHECK_EQ_INT(policy_parse(&p, spec, err, sizeof(err)), 0);
		CHECK_EQ_INT(policy_resolve(&p, &reg, err, sizeof(err)), 0);
	}
	c->size = 42;
	problem[0] = '\0';
	v = policy_cosigs(note, strlen(note), "cn/gs/ln/wudu", &reg, &p, ENTRY,
	    c, problem, plen);
	*met = v == 0 && policy_met(&p, &reg, "cn/gs/ln/wudu", c, problem,
	    plen);
	return v;
}

static void
test_eligible(void)
{
	if (setup() == -1) {
		CHECK(0);
		return;
	}
	CHECK(policy_eligible(&reg, "cn/gs/ln/wudu", registry_find(&reg,
	    "cn/gs/ln")));
	CHECK(policy_eligible(&reg, "cn/gs/ln/wudu", registry_find(&reg, "cn")));
	CHECK(policy_eligible(&reg, "cn/gs/ln/wudu", registry_find(&reg,
	    "jcy-gs")));
	CHECK(!policy_eligible(&reg, "cn/gs/ln/wudu", registry_find(&reg,
	    "cn/gs/ln/wudu")));
	CHECK(!policy_eligible(&reg, "cn/gs/ln/wudu", registry_find(&reg,
	    "cn/gs/ln/wen")));
	CHECK(!policy_eligible(&reg, "cn/gs/ln/wudu", registry_find(&reg,
	    "cn/gs/ln/wudu/x")));
	CHECK(!policy_eligible(&reg, "cn/gs/ln", registry_find(&reg,
	    "cn/gs/ln/wudu")));
}

static void
test_parent_and_ancestors(void)
{
	const char *all[] = { "cn/gs/ln", "cn/gs", "cn", NULL };
	const char *two[] = { "cn/gs/ln", "cn", NULL };
	const char *none[] = { NULL };
	struct policy_cosigs c;
	char problem[1024];
	bool met;

	if (setup() == -1)
		return;
	CHECK_EQ_INT(check(all, NOW, NULL, problem, sizeof(problem), &c, &met),
	    0);
	CHECK(met);
	CHECK_EQ_INT(c.n, 3);
	CHECK_EQ_INT(check(all, NOW, "ancestors", problem, sizeof(problem), &c,
	    &met), 0);
	CHECK(met);
	CHECK_EQ_INT(check(two, NOW, "ancestors", problem, sizeof(problem), &c,
	    &met), 0);
	CHECK(!met);
	CHECK_ERR(problem, "no cosignature by cn/gs, an ancestor");
	CHECK_EQ_INT(check(none, NOW, NULL, problem, sizeof(problem), &c, &met),
	    0);
	CHECK(!met);
	CHECK_ERR(problem, "no cosignature by cn/gs/ln, its parent");
	CHECK_EQ_INT(check(two, NOW, "2:cn,jcy-gs", problem, sizeof(problem), &c,
	    &met), 0);
	CHECK(!met);
	CHECK_ERR(problem, "2 of the witnesses cn,jcy-gs needed, 1 found");
}

static void
test_never_counted(void)
{
	const char *self[] = { "cn/gs/ln/wudu", "cn/gs/ln/wen",
	    "cn/gs/ln/wudu/x", NULL };
	struct policy_cosigs c;
	char problem[1024];
	bool met;

	if (setup() == -1)
		return;
	CHECK_EQ_INT(check(self, NOW, NULL, problem, sizeof(problem), &c, &met),
	    0);
	CHECK(!met);
	CHECK_EQ_INT(c.n, 3);
	for (size_t i = 0; i < c.n; i++)
		CHECK(!c.w[i].counts);
	CHECK_EQ_INT(check(self, NOW, "1:cn/gs/ln/wen,cn/gs/ln/wudu/x", problem,
	    sizeof(problem), &c, &met), 0);
	CHECK(!met);
}

static void
test_times(void)
{
	const char *ln[] = { "cn/gs/ln", NULL };
	struct policy_cosigs c;
	char problem[1024];
	bool met;

	if (setup() == -1)
		return;
	CHECK_EQ_INT(check(ln, NOW + POLICY_SKEW_DEFAULT, NULL, problem,
	    sizeof(problem), &c, &met), 0);
	CHECK_EQ_INT(check(ln, NOW + POLICY_SKEW_DEFAULT + 1, NULL, problem,
	    sizeof(problem), &c, &met), 1);
	CHECK_ERR(problem, "checkpoint 42: the cosignature by cn/gs/ln is"
	    " dated");
	CHECK_ERR(problem, "later than this verifier's clock");
	CHECK_EQ_INT(check(ln, 4354819200ULL, NULL, problem, sizeof(problem), &c,
	    &met), 1);
	CHECK_ERR(problem, "dated 2108-01-01T00:00:00Z");
	CHECK_EQ_INT(check(ln, ENTRY - POLICY_SKEW_DEFAULT, NULL, problem,
	    sizeof(problem), &c, &met), 0);
	CHECK_EQ_INT(check(ln, ENTRY - POLICY_SKEW_DEFAULT - 1, NULL, problem,
	    sizeof(problem), &c, &met), 1);
	CHECK_ERR(problem, "before the newest entry it covers was recorded");
}

static void
test_forged_lines(void)
{
	struct policy p;
	struct policy_cosigs c;
	char note[4096], line[512], err[256], problem[1024];
	const char *none[] = { NULL };
	char *sp;

	if (setup() == -1)
		return;
	policy_init(&p, NOW);
	c.size = 42;
	/* a bad cosignature under the court's own name and witness key ID */
	note_with(note, sizeof(note), none, 0);
	CHECK(cosig_sign(body, bodylen, NOW, &witkey[idx("cn/gs/ln/wudu")],
	    line, sizeof(line), err, sizeof(err)) > 0);
	/* another base64 digit inside the signature */
	line[strlen(line) - 12] = line[strlen(line) - 12] == 'A' ? 'B' : 'A';
	strcat(note, line);
	CHECK_EQ_INT(policy_cosigs(note, strlen(note), "cn/gs/ln/wudu", &reg, &p,
	    ENTRY, &c, problem, sizeof(problem)), 1);
	CHECK_ERR(problem, "checkpoint 42: bad cosignature by cn/gs/ln/wudu");
	/* a registered name with another court's key */
	note_with(note, sizeof(note), none, 0);
	CHECK(cosig_sign(body, bodylen, NOW, &witkey[idx("cn/gs/ln/wen")],
	    line, sizeof(line), err, sizeof(err)) > 0);
	sp = strchr(line + 4, ' ');
	snprintf(note + strlen(note), sizeof(note) - strlen(note),
	    "\xe2\x80\x94 courtsync/cn/gs%s", sp);
	CHECK_EQ_INT(policy_cosigs(note, strlen(note), "cn/gs/ln/wudu", &reg, &p,
	    ENTRY, &c, problem, sizeof(problem)), 1);
	CHECK_ERR(problem, "bad cosignature by cn/gs (key ID");
	/* another name over a registered key ID */
	note_with(note, sizeof(note), none, 0);
	snprintf(note + strlen(note), sizeof(note) - strlen(note),
	    "\xe2\x80\x94 example.org/w%s", sp);
	CHECK_EQ_INT(policy_cosigs(note, strlen(note), "cn/gs/ln/wudu", &reg, &p,
	    ENTRY, &c, problem, sizeof(problem)), 1);
	CHECK_ERR(problem, "is a registered key of cn/gs/ln/wen");
}

static void
test_parse(void)
{
	struct policy p;
	char err[256], out[POLICY_TEXT_MAX];

	policy_init(&p, NOW);
	CHECK_EQ_INT(policy_parse(&p, "2:cn/gs,jcy-gs", err, sizeof(err)), 0);
	policy_format(&p, out, sizeof(out));
	CHECK_STR(out, "2:cn/gs,jcy-gs");
	CHECK_EQ_INT(policy_parse(&p, "ancestors", err, sizeof(err)), 0);
	policy_format(&p, out, sizeof(out));
	CHECK_STR(out, "ancestors");
	CHECK_EQ_INT(policy_parse(&p, "0:cn", err, sizeof(err)), -1);
	CHECK_EQ_INT(policy_parse(&p, "3:cn,cn/gs", err, sizeof(err)), -1);
	CHECK_ERR(err, "3 witnesses needed but only 2 named");
	CHECK_EQ_INT(policy_parse(&p, "1:cn,cn", err, sizeof(err)), -1);
	CHECK_ERR(err, "cn is named twice");
	CHECK_EQ_INT(policy_parse(&p, "1:", err, sizeof(err)), -1);
	CHECK_EQ_INT(policy_parse(&p, "1:CN", err, sizeof(err)), -1);
	CHECK_EQ_INT(policy_parse(&p, "parents", err, sizeof(err)), -1);
	if (setup() == 0) {
		CHECK_EQ_INT(policy_parse(&p, "1:cn/zz", err, sizeof(err)), 0);
		CHECK_EQ_INT(policy_resolve(&p, &reg, err, sizeof(err)), -1);
		CHECK_ERR(err, "cn/zz is not in the registry with a key");
	}
}

/* One registry text, loaded from a temporary file: 0 or -1 (err). */
static int
load_text(const char *text, char *err, size_t errlen)
{
	char file[] = "/tmp/test-policy-reg-XXXXXX";
	struct registry r;
	int fd = mkstemp(file), v;

	if (fd == -1 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		snprintf(err, errlen, "cannot write %s", file);
		return -1;
	}
	close(fd);
	v = registry_load(&r, file, NULL, NULL, err, errlen);
	unlink(file);
	if (v == 0)
		registry_free(&r);
	return v;
}

static void
test_registry_roles(void)
{
	char vkey[256], line[2048], err[512];

	if (setup() == -1)
		return;
	note_vkey_format(&logkey[idx("jcy-gs")].v, vkey, sizeof(vkey));
	snprintf(line, sizeof(line), "cn\t1\tC\t-\tSPC\njcy-gs\t2\tJ\t-\tW\t%s"
	    "\twitness\n", vkey);
	CHECK_EQ_INT(load_text(line, err, sizeof(err)), 0);
	snprintf(line, sizeof(line), "cn\t1\tC\t-\tSPC\njcy-gs\t2\tJ\t-\tW\t%s"
	    "\tprosecutor\n", vkey);
	CHECK_EQ_INT(load_text(line, err, sizeof(err)), -1);
	CHECK_ERR(err, "role \"prosecutor\" is neither court nor witness");
	/* a witness without a key, or with a parent */
	CHECK_EQ_INT(load_text("cn\t1\tC\t-\tSPC\njcy-gs\t2\tJ\t-\tW\t-\t"
	    "witness\n", err, sizeof(err)), -1);
	CHECK_ERR(err, "a witness has parent - and a key");
	/* a witness beneath a court, and a court beneath a witness */
	{
		struct note_signer w;
		uint8_t seed[CS_SEED_LEN], pub[CS_PUB_LEN];

		CHECK_EQ_INT(crypto_ed25519_keygen(seed, pub), 0);
		CHECK_EQ_INT(note_signer_init(&w, "courtsync/cn/w",
		    NOTE_TYPE_ED25519, seed, err, sizeof(err)), 0);
		note_vkey_format(&w.v, vkey, sizeof(vkey));
		snprintf(line, sizeof(line), "cn\t1\tC\t-\tSPC\ncn/w\t2\tJ\t-\t"
		    "W\t%s\twitness\n", vkey);
		CHECK_EQ_INT(load_text(line, err, sizeof(err)), -1);
		CHECK_ERR(err, "the witness cn/w and the court cn lie one beneath the other");
		note_signer_wipe(&w);
	}
	note_vkey_format(&logkey[idx("jcy-gs")].v, vkey, sizeof(vkey));
	snprintf(line, sizeof(line), "cn\t1\tC\t-\tSPC\njcy-gs\t2\tJ\t-\tW\t%s"
	    "\twitness\njcy-gs/x\t3\tX\tjcy-gs\tX\n", vkey);
	CHECK_EQ_INT(load_text(line, err, sizeof(err)), -1);
	CHECK_ERR(err, "the witness jcy-gs and the court jcy-gs/x lie one"
	    " beneath the other");
	CHECK_EQ_INT(load_text("cn\t1\tC J\t-\tSPC\n", err, sizeof(err)),
	    -1);
	CHECK_ERR(err, "has a space or parenthesis");
}

const struct test tests[] = {
	{ "registry_roles", test_registry_roles },
	{ "eligible", test_eligible },
	{ "parent_and_ancestors", test_parent_and_ancestors },
	{ "never_counted", test_never_counted },
	{ "times", test_times },
	{ "forged_lines", test_forged_lines },
	{ "parse", test_parse },
	{ NULL, NULL },
};
