/*
 * cli_log.c — the log's commands: log show, root, checkpoint, export and
 * verify, and rebuild (re-derive every table from the log).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "court.h"
#include "courtsync/export.h"
#include "cli.h"

/* Loads the home's registry if it has one (verifying the CA's signature);
 * *have says whether it did. */
static int
load_registry(struct court *c, struct registry *reg, bool *have, char *err,
    size_t errlen)
{
	int v = court_registry(c, reg, err, errlen);

	*have = v == 1;
	return v == -1 ? -1 : 0;
}

/* ---- log ---- */

struct show {
	bool		json;
	struct buf	out;
};

static int
show_entry(void *arg, uint64_t index, const void *data, size_t n,
    const uint8_t leaf[CS_HASH_LEN], char *err, size_t errlen)
{
	struct show *s = arg;
	struct entry e;
	char when[32], hex[2 * CS_HASH_LEN + 1];

	if (entry_decode(data, n, &e, err, errlen) == -1)
		return -1;
	cs_utc(e.time, when);
	crypto_hex(leaf, CS_HASH_LEN, hex);
	buf_reset(&s->out);
	if (s->json) {
		buf_printf(&s->out, "{\"index\":%llu,\"origin\":\"%s\","
		    "\"time\":%llu,\"recorded\":\"%s\",\"type\":\"%s\","
		    "\"leaf\":\"%s\",\"body\":", (unsigned long long)index,
		    e.origin, (unsigned long long)e.time, when, e.type, hex);
		cli_body_json(&s->out, &e);
		buf_append(&s->out, "}\n", 2);
	} else {
		buf_printf(&s->out, "%6llu  %s  %-21s ", (unsigned long long)index,
		    when, e.type);
		cli_body_json(&s->out, &e);
		buf_append(&s->out, "\n", 1);
	}
	fwrite(s->out.p, 1, s->out.len, stdout);
	return 0;
}

static const struct cli_option show_opts[] = {
	{ "from", true }, { "count", true }, { "json", false }, { NULL, false }
};
static const struct cli_spec show_spec = { "log show",
	"usage: courtsync [-C HOME] log show [--from N] [--count N] [--json]\n"
	"Prints the entries of this court's log from index N (default 0),\n"
	"decoded, one a line (--json: one JSON object a line).\n",
	NULL, show_opts, 0, 0 };

static int
log_show(int argc, char **argv)
{
	struct show s = { 0 };
	struct court c0, *c = &c0;
	uint64_t from = 0, count = UINT64_MAX, to;
	const char *v[3];
	char err[CS_ERR_MAX];
	int rc;

	if ((rc = cli_parse(&show_spec, argc, argv, v, NULL)) != CLI_OK)
		return cli_done(rc);
	if (v[0] != NULL && cli_u64(v[0], &from) == -1)
		return cli_fail(CLI_USAGE, "log show: --from %s is not an entry"
		    " index", v[0]);
	if (v[1] != NULL && cli_u64(v[1], &count) == -1)
		return cli_fail(CLI_USAGE, "log show: --count %s is not a number",
		    v[1]);
	s.json = v[2] != NULL;
	if ((rc = cli_open_court(c)) != CLI_OK)
		return rc;
	if (from > c->log.size)
		from = c->log.size;
	to = count > c->log.size - from ? c->log.size : from + count;
	buf_init(&s.out, 0);
	if (store_entries_each(&c->st, c->log.id, from, to, show_entry, &s, err,
	    sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "log show: %s", err);
	buf_free(&s.out);
	court_close(c);
	return rc;
}

static void
verify_progress(void *arg, uint64_t done, uint64_t total, uint64_t readb)
{
	(void)arg;
	printf("\rverifying: %llu entries, %3d%%", (unsigned long long)done,
	    total > 0 ? (int)(readb * 100 / total) : 100);
	fflush(stdout);
}

/* The key for `log verify` from the trust anchors: the registry's key of
 * the court that court.vkey names (never court.vkey itself).  0, or -1
 * with a CLI status already reported. */
static int
anchored_key(const char *dir, const char *ca, const char *regf,
    const char *sig, char *out, size_t cap, int *rc)
{
	struct registry reg;
	struct note_verifier v;
	const struct registry_court *rcourt = NULL;
	char path[4096], text[1024], sigbuf[4096], err[1024], why[1200] = "";
	size_t n;

	snprintf(path, sizeof(path), "%s/court.vkey", dir);
	if (export_read_small(path, text, sizeof(text), &n) != 0) {
		*rc = cli_fail(CLI_SYSTEM, "log verify: cannot read %s", path);
		return -1;
	}
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	if (sig == NULL) {
		snprintf(sigbuf, sizeof(sigbuf), "%s.sig", regf);
		sig = sigbuf;
	}
	if (registry_load(&reg, regf, sig, ca, err, sizeof(err)) == -1) {
		*rc = cli_fail(CLI_SYSTEM, "log verify: the registry: %s", err);
		return -1;
	}
	/* court.vkey is parsed (§7 step 1) only to find the court; §7 step 0
	 * then compares the whole line with the registry's key. */
	if (note_vkey_parse(text, &v, err, sizeof(err)) == -1)
		snprintf(why, sizeof(why), "court.vkey: %s", err);
	else if (strncmp(v.name, "courtsync/", 10) != 0 ||
	    !court_path_valid(v.name + 10))
		snprintf(why, sizeof(why), "court.vkey: key name \"%s\" is not"
		    " courtsync/<court path>", v.name);
	else if ((rcourt = registry_find(&reg, v.name + 10)) == NULL ||
	    !rcourt->has_key || rcourt->witness_only)
		snprintf(why, sizeof(why), "court.vkey: %s is not a court with a"
		    " key in the registry", v.name + 10);
	if (why[0] != '\0') {
		printf("FAILED %s (?): %s\n", dir, why);
		*rc = cli_fail(CLI_REFUSED, "verification failed: %s", why);
		registry_free(&reg);
		return -1;
	}
	note_vkey_format(&rcourt->log, out, cap);
	registry_free(&reg);
	return 0;
}

static const struct cli_option verify_opts[] = {
	{ "key", true }, { "ca", true }, { "registry", true },
	{ "registry-sig", true }, { NULL, false }
};
static const struct cli_spec verify_spec = { "log verify",
	"usage: courtsync log verify DIR --key VKEY|@FILE\n"
	"       courtsync log verify DIR --ca CA.crt --registry REGISTRY.tsv"
	" [--registry-sig SIG]\n"
	"Verifies an export: every entry, the tree and every checkpoint, with"
	" the\ncourt's key given, or the registry's key of the court (the"
	" export's own\ncourt.vkey is never trusted).\n",
	NULL, verify_opts, 1, 0 };

static int
log_verify(int argc, char **argv)
{
	struct export_report r;
	const char *dir, *opt[4], *key;
	char err[CS_ERR_MAX], keybuf[1024], hex[2 * CS_HASH_LEN + 1];
	bool tty = isatty(STDOUT_FILENO);
	int v, rc;

	if ((rc = cli_parse(&verify_spec, argc, argv, opt, &dir)) != CLI_OK)
		return cli_done(rc);
	if (dir == NULL)
		return cli_fail(CLI_USAGE, "log verify: which export DIR?");
	key = opt[0];
	if ((key == NULL) == (opt[1] == NULL || opt[2] == NULL) ||
	    (key != NULL && (opt[1] != NULL || opt[2] != NULL)))
		return cli_fail(CLI_USAGE, "log verify: give the court's key"
		    " (--key VKEY or @FILE) or the trust anchors (--ca CA.crt"
		    " --registry REGISTRY.tsv); the export's own court.vkey is"
		    " never trusted");
	if (key == NULL) {
		if (anchored_key(dir, opt[1], opt[2], opt[3], keybuf,
		    sizeof(keybuf), &rc) == -1)
			return rc;
		key = keybuf;
	} else if (key[0] == '@') {
		FILE *f = fopen(key + 1, "r");
		if (f == NULL || fgets(keybuf, sizeof(keybuf), f) == NULL) {
			if (f != NULL)
				fclose(f);
			return cli_fail(CLI_SYSTEM, "cannot read %s", key + 1);
		}
		fclose(f);
		keybuf[strcspn(keybuf, "\r\n")] = '\0';
		key = keybuf;
	}
	v = export_verify(dir, key, &r, tty ? verify_progress : NULL, NULL, err,
	    sizeof(err));
	if (tty)
		printf("\n");
	if (v == -1)
		return cli_fail(CLI_SYSTEM, "log verify: %s", err);
	if (v == 1) {
		printf("FAILED %s (%s): %s\n", dir, r.origin, r.problem);
		return cli_fail(CLI_REFUSED, "verification failed: %s", r.problem);
	}
	crypto_hex(r.root, CS_HASH_LEN, hex);
	printf("OK %s: court %s, %llu entries, %llu checkpoints verified,"
	    " tree size %llu root %s\n", dir, r.origin,
	    (unsigned long long)r.entries, (unsigned long long)r.checkpoints,
	    (unsigned long long)r.size, hex);
	return CLI_OK;
}

static const struct cli_spec root_spec = { "log root",
	"usage: courtsync [-C HOME] log root\n"
	"Prints this court's tree size and root hash (hex and base64).\n",
	NULL, NULL, 0, 0 };

static int
log_root(int argc, char **argv)
{
	struct court c;
	char err[CS_ERR_MAX], hex[2 * CS_HASH_LEN + 1], b64[64];
	uint8_t root[CS_HASH_LEN];
	uint64_t size;
	int rc;

	if ((rc = cli_parse(&root_spec, argc, argv, NULL, NULL)) != CLI_OK)
		return cli_done(rc);
	if ((rc = cli_open_court(&c)) != CLI_OK)
		return rc;
	if (court_root(&c, &size, root, err, sizeof(err)) == -1) {
		rc = cli_fail(CLI_SYSTEM, "%s", err);
	} else {
		crypto_hex(root, CS_HASH_LEN, hex);
		crypto_base64_encode(root, CS_HASH_LEN, b64, sizeof(b64));
		printf("origin courtsync/%s\nsize %llu\nroot %s\n"
		    "root_base64 %s\n", c.cfg.path,
		    (unsigned long long)size, hex, b64);
	}
	court_close(&c);
	return rc;
}

static const struct cli_spec checkpoint_spec = { "log checkpoint",
	"usage: courtsync [-C HOME] log checkpoint\n"
	"Signs the current tree with log.key and prints the checkpoint"
	" note.\n", NULL, NULL, 0, 0 };

static int
log_checkpoint(int argc, char **argv)
{
	struct court c;
	char err[CS_ERR_MAX], note[NOTE_MAX];
	uint64_t size;
	int rc;

	if ((rc = cli_parse(&checkpoint_spec, argc, argv, NULL, NULL)) != CLI_OK)
		return cli_done(rc);
	if ((rc = cli_open_court(&c)) != CLI_OK)
		return rc;
	if (court_checkpoint(&c, &size, note, sizeof(note), err,
	    sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "log checkpoint: %s", err);
	else
		fputs(note, stdout);
	court_close(&c);
	return rc;
}

static const struct cli_option export_opts[] = {
	{ "origin", true }, { NULL, false }
};
static const struct cli_spec export_spec = { "log export",
	"usage: courtsync [-C HOME] log export DIR [--origin PATH]\n"
	"Writes an export for auditors to DIR (built as DIR.partial, then"
	" renamed):\nentries.bin, checkpoints/ and court.vkey of this court's"
	" log, or of the\nlog of PATH held here.\n", NULL, export_opts, 1, 0 };

static int
log_export(int argc, char **argv)
{
	struct court c;
	struct registry reg;
	const char *origin, *dir;
	char err[CS_ERR_MAX];
	bool have = false;
	uint64_t n;
	int rc;

	if ((rc = cli_parse(&export_spec, argc, argv, &origin, &dir)) != CLI_OK)
		return cli_done(rc);
	if (dir == NULL)
		return cli_fail(CLI_USAGE, "usage: courtsync log export DIR"
		    " [--origin PATH]");
	if ((rc = cli_open_court(&c)) != CLI_OK)
		return rc;
	if (load_registry(&c, &reg, &have, err, sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "log export: %s", err);
	else if (court_export(&c, have ? &reg : NULL, origin, dir, &n,
	    err, sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "log export: %s", err);
	else
		printf("exported %llu entries of %s to %s\n",
		    (unsigned long long)n, origin != NULL ? origin :
		    c.cfg.path, dir);
	if (have)
		registry_free(&reg);
	court_close(&c);
	return rc;
}

static const struct cli_command log_commands[] = {
	{ "show", log_show, "log show [--from N] [--count N] [--json]",
	    "entries, decoded", NULL },
	{ "root", log_root, "log root", "tree size and root hash", NULL },
	{ "checkpoint", log_checkpoint, "log checkpoint",
	    "sign the current tree", NULL },
	{ "export", log_export, "log export DIR [--origin PATH]",
	    "write an export for auditors", NULL },
	{ "verify", log_verify, "log verify DIR [--key VKEY]",
	    "verify an export", NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

static void
log_help(void)
{
	printf("usage: courtsync [-C HOME] log show|root|checkpoint|"
	    "export DIR|verify DIR\n");
	for (const struct cli_command *t = log_commands; t->name != NULL; t++)
		printf("  %-40s %s\n", t->synopsis, t->summary);
	printf("Each: courtsync log SUBCOMMAND --help.\n");
}

static const struct cli_spec log_spec = { "log", NULL, log_help, NULL, 0, 0 };

int
cmd_log(int argc, char **argv)
{
	return cli_dispatch("log", log_commands, &log_spec, argc, argv);
}

/* ---- rebuild ---- */

static const struct cli_option rebuild_opts[] = {
	{ "check", false }, { NULL, false }
};
static const struct cli_spec rebuild_spec = { "rebuild",
	"usage: courtsync [-C HOME] rebuild [--check]\n"
	"Re-derives every table from the log and compares digests of the"
	" derived\nstate before and after. --check changes nothing.\n",
	NULL, rebuild_opts, 0, 0 };

int
cmd_rebuild(int argc, char **argv)
{
	struct court c;
	uint8_t before[CS_HASH_LEN], after[CS_HASH_LEN];
	char err[CS_ERR_MAX], hb[2 * CS_HASH_LEN + 1], ha[2 * CS_HASH_LEN + 1];
	const char *v[1];
	struct registry reg;
	bool check, have_reg = false;
	int rc, r;

	if ((rc = cli_parse(&rebuild_spec, argc, argv, v, NULL)) != CLI_OK)
		return cli_done(rc);
	check = v[0] != NULL;
	if ((rc = cli_open_court(&c)) != CLI_OK)
		return rc;
	/* A hub holds its subtree's logs: their court codes are in the
	 * (CA-signed) registry. */
	if (load_registry(&c, &reg, &have_reg, err, sizeof(err)) == -1) {
		court_close(&c);
		return cli_fail(CLI_SYSTEM, "rebuild: %s", err);
	}
	r = court_rebuild(&c, have_reg ? &reg : NULL, check, before, after, err,
	    sizeof(err));
	if (have_reg)
		registry_free(&reg);
	if (r == -1) {
		rc = cli_fail(CLI_SYSTEM, "rebuild: %s (nothing changed)", err);
	} else {
		crypto_hex(before, CS_HASH_LEN, hb);
		crypto_hex(after, CS_HASH_LEN, ha);
		printf("state before %s\nstate after  %s\n", hb, ha);
		if (r == 0) {
			printf("identical: the tables are exactly the fold of"
			    " the log (%llu entries)\n",
			    (unsigned long long)c.log.size);
		} else {
			printf("DIFFERENT: %s\n", check ? "the tables do not"
			    " match the log (run rebuild without --check to"
			    " repair)" : "the tables did not match the log;"
			    " they have been rebuilt from it");
			rc = CLI_REFUSED;
		}
	}
	court_close(&c);
	return rc;
}

