/*
 * cli_backup.c — backup, restore, catch-up, recover (docs/OPERATIONS.md):
 * copies of a node's database that can never fork its log.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "court.h"
#include "serve.h"

static const struct cli_option none_opts[] = { { NULL, false } };

static const struct cli_spec backup_spec = { "backup",
	"usage: courtsync [-C HOME] backup FILE\n"
	"Writes an online, consistent copy of the node's database to FILE\n"
	"(while serve runs), checks it (SQLite integrity, this court's log\n"
	"reproduces its latest checkpoint) and only then puts it in place.\n"
	"Keys are not in it: keep log.key and tls.key safe apart.\n",
	NULL, none_opts, 1, 0 };

int
cmd_backup(int argc, char **argv)
{
	const char *pos[1];
	struct court c;
	char err[CS_ERR_MAX];
	uint64_t size;
	int rc;

	if ((rc = cli_parse(&backup_spec, argc, argv, NULL, pos)) != CLI_OK)
		return cli_done(rc);
	if (pos[0] == NULL)
		return cli_fail(CLI_USAGE, "backup: FILE, please");
	if ((rc = cli_open_court(&c)) != CLI_OK)
		return rc;
	if (court_backup(&c, pos[0], &size, err, sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "backup: %s", err);
	else
		printf("backup %s: %llu entries of %s, checked\n", pos[0],
		    (unsigned long long)size, c.cfg.path);
	court_close(&c);
	return rc;
}

static const struct cli_spec restore_spec = { "restore",
	"usage: courtsync [-C HOME] restore FILE\n"
	"Replaces the node's database by a checked copy of a backup (serve\n"
	"must be stopped).  The node then refuses to record until it has\n"
	"fetched from its parent what it lost (catch-up; serve does it\n"
	"first thing): a restored node must never fork its log.\n",
	NULL, none_opts, 1, 0 };

int
cmd_restore(int argc, char **argv)
{
	const char *pos[1];
	char err[CS_ERR_MAX];
	uint64_t size;
	int rc;

	if ((rc = cli_parse(&restore_spec, argc, argv, NULL, pos)) != CLI_OK)
		return cli_done(rc);
	if (pos[0] == NULL)
		return cli_fail(CLI_USAGE, "restore: FILE, please");
	if (court_restore(cli_home(), pos[0], &size, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "restore: %s (nothing changed)",
		    err);
	printf("restored %s (%llu entries); recording is refused until the"
	    " node has caught up with its parent: courtsync catch-up (or"
	    " start serve)\n", pos[0], (unsigned long long)size);
	return CLI_OK;
}

static const struct cli_option catch_opts[] = {
	{ "offline", true }, { NULL, false }
};
static const struct cli_spec catch_spec = { "catch-up",
	"usage: courtsync [-C HOME] catch-up [--offline REASON]\n"
	"After restore or recover: fetches from the parent what it holds of\n"
	"this court's log beyond this copy, verifies it (the court's own\n"
	"signature, every entry, the root) and appends it; then recording is\n"
	"allowed again.  --offline REASON allows recording without the parent\n"
	"(a court that must work while its parent is unreachable); it is\n"
	"logged, and if the parent did hold more, the next push is refused as\n"
	"an equivocation.\n",
	NULL, catch_opts, 0, 0 };

static int
override(const char *reason)
{
	struct court c;
	char why[512], note[1024], err[CS_ERR_MAX];
	int rc, r;

	if (reason[0] == '\0')
		return cli_fail(CLI_USAGE, "catch-up: --offline needs a reason");
	if ((rc = cli_open_court(&c)) != CLI_OK)
		return rc;
	if ((r = court_catch_up_pending(&c, why, sizeof(why), err,
	    sizeof(err))) != 1) {
		court_close(&c);
		if (r == -1)
			return cli_fail(CLI_SYSTEM, "catch-up: %s", err);
		printf("nothing to catch up\n");
		return CLI_OK;
	}
	snprintf(note, sizeof(note), "%lld: %s (was: %s)",
	    (long long)time(NULL), reason, why);
	if (store_meta_set(&c.st, "catch_up_override", note, err,
	    sizeof(err)) == -1 || court_catch_up_clear(&c, err,
	    sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "catch-up: %s", err);
	else
		fprintf(stderr, "courtsync: catch-up overridden: %s; recording"
		    " allowed without the parent's copy (kept in the database"
		    " as catch_up_override)\n", reason);
	court_close(&c);
	return rc;
}

static int
catch_up(const char *cmd)
{
	char err[CS_ERR_MAX];
	bool pending;
	uint64_t got;

	if (serve_catch_up(cli_home(), &pending, &got, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "%s: %s (recording stays refused;"
		    " try again when the parent is reachable)", cmd, err);
	if (!pending)
		printf("nothing to catch up\n");
	else
		printf("caught up: %llu entries fetched from the parent and"
		    " verified; recording allowed\n", (unsigned long long)got);
	return CLI_OK;
}

int
cmd_catch_up(int argc, char **argv)
{
	const char *v[1];
	int rc;

	if ((rc = cli_parse(&catch_spec, argc, argv, v, NULL)) != CLI_OK)
		return cli_done(rc);
	if (v[0] != NULL)
		return override(v[0]);
	return catch_up("catch-up");
}

static const struct cli_spec recover_spec = { "recover",
	"usage: courtsync [-C HOME] recover\n"
	"Rebuilds a node that lost its database from its keys, its\n"
	"configuration and its parent: a new database, then catch-up.\n",
	NULL, none_opts, 0, 0 };

int
cmd_recover(int argc, char **argv)
{
	char err[CS_ERR_MAX];
	int rc;

	if ((rc = cli_parse(&recover_spec, argc, argv, NULL, NULL)) != CLI_OK)
		return cli_done(rc);
	if (court_recover_init(cli_home(), err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "recover: %s", err);
	return catch_up("recover");
}
