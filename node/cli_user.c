/*
 * cli_user.c — `courtsync user`: the node's staff accounts for the
 * dashboard (docs/ACCESS.md): add, list, disable, enable, role, passwd,
 * token, access.  Passwords are read from a file or standard input, never
 * from the command line (where ps would show them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "court.h"
#include "staff.h"

static int64_t
now_s(void)
{
	uint64_t t;

	return clock_now(&t, NULL, 0) == 0 ? (int64_t)t : 0;
}

/* The password: the first line of `file`, or of standard input (without
 * echo on a terminal).  0, or CLI_* reported. */
static int
read_password(const char *file, char *out, size_t cap)
{
	struct termios old, quiet;
	FILE *f = stdin;
	bool tty = false;
	size_t n;

	if (file != NULL && (f = fopen(file, "r")) == NULL)
		return cli_fail(CLI_SYSTEM, "user: cannot read %s: %s", file,
		    strerror(errno));
	if (file == NULL && isatty(STDIN_FILENO) &&
	    tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tty = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
		fprintf(stderr, "password: ");
	}
	if (fgets(out, (int)cap, f) == NULL)
		out[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fprintf(stderr, "\n");
	}
	if (f != stdin)
		fclose(f);
	n = strcspn(out, "\r\n");
	if (out[n] == '\0' && n + 1 >= cap)
		return cli_fail(CLI_USAGE, "user: the password is longer than"
		    " %d bytes", STAFF_MAX_PASSWORD);
	out[n] = '\0';
	if (n == 0)
		return cli_fail(CLI_USAGE, "user: no password given (one line"
		    " on standard input, or --password-file FILE)");
	return CLI_OK;
}

/* Opens the court and reads account `name`: CLI_OK, or reported. */
static int
open_user(struct court *c, const char *cmd, const char *name,
    struct store_staff *u)
{
	char err[CS_ERR_MAX];
	int rc, r;

	if (!staff_name_valid(name))
		return cli_fail(CLI_USAGE, "user %s: \"%s\" is not a user name"
		    " (1-32 of a-z 0-9 . _ -, starting with a letter or"
		    " digit)", cmd, name);
	if ((rc = cli_open_court(c)) != CLI_OK)
		return rc;
	if ((r = store_staff_get(&c->st, name, u, err, sizeof(err))) == 1)
		return CLI_OK;
	court_close(c);
	if (r == 0)
		return cli_fail(CLI_REFUSED, "user %s: no user %s", cmd, name);
	return cli_fail(CLI_SYSTEM, "user %s: %s", cmd, err);
}

static int
save(struct court *c, const char *cmd, struct store_staff *u, bool create)
{
	char err[CS_ERR_MAX];
	int r = store_staff_put(&c->st, u, create, now_s(), err, sizeof(err));

	court_close(c);
	if (r == -1)
		return cli_fail(create ? CLI_REFUSED : CLI_SYSTEM, "user %s: %s",
		    cmd, err);
	return CLI_OK;
}

/* Role and scope from the options (scope defaults to the node's court). */
static int
role_scope(const struct court *c, const char *cmd, const char *role,
    const char *scope, struct store_staff *u)
{
	const struct staff_role *r = staff_role(role);
	char err[CS_ERR_MAX];

	if (r == NULL)
		return cli_fail(CLI_USAGE, "user %s: --role \"%s\" is not a"
		    " role (%s)", cmd, role, staff_role_names());
	cs_strlcpy(u->role, r->name, sizeof(u->role));
	cs_strlcpy(u->scope, scope != NULL ? scope : c->cfg.path,
	    sizeof(u->scope));
	if (staff_scope_check(r, c->cfg.path, u->scope, err,
	    sizeof(err)) == -1)
		return cli_fail(CLI_USAGE, "user %s: %s", cmd, err);
	return CLI_OK;
}

/* ---- add ---- */

static const struct cli_option add_opts[] = {
	{ "role", true }, { "scope", true }, { "display", true },
	{ "password-file", true }, { NULL, false }
};
static const struct cli_spec add_spec = { "user add",
	"usage: courtsync [-C HOME] user add NAME --role ROLE [--scope PATH]\n"
	"           [--display 姓名] [--password-file FILE]\n"
	"Adds a staff account for this node's dashboard.  ROLE: clerk,\n"
	"supervisor, viewer or auditor (docs/ACCESS.md); PATH: the subtree\n"
	"it sees (default: this node's court).  The password (10 bytes or\n"
	"more) is the first line of FILE or of standard input.\n",
	NULL, add_opts, 1, 0 };

static int
user_add(int argc, char **argv)
{
	const char *v[4], *pos[1];
	struct store_staff u;
	struct court c;
	char pw[STAFF_MAX_PASSWORD + 2], err[CS_ERR_MAX];
	int rc;

	if ((rc = cli_parse(&add_spec, argc, argv, v, pos)) != CLI_OK)
		return cli_done(rc);
	if (pos[0] == NULL || v[0] == NULL)
		return cli_fail(CLI_USAGE, "user add: NAME and --role are"
		    " required (see --help)");
	memset(&u, 0, sizeof(u));
	if (!staff_name_valid(pos[0]))
		return cli_fail(CLI_USAGE, "user add: \"%s\" is not a user name"
		    " (1-32 of a-z 0-9 . _ -, starting with a letter or"
		    " digit)", pos[0]);
	cs_strlcpy(u.name, pos[0], sizeof(u.name));
	cs_strlcpy(u.display, v[2] != NULL ? v[2] : pos[0], sizeof(u.display));
	if ((rc = cli_open_court(&c)) != CLI_OK)
		return rc;
	if ((rc = role_scope(&c, "add", v[0], v[1], &u)) != CLI_OK ||
	    (rc = read_password(v[3], pw, sizeof(pw))) != CLI_OK) {
		court_close(&c);
		return rc;
	}
	if (staff_password_hash(pw, u.pw, err, sizeof(err)) == -1) {
		crypto_wipe(pw, sizeof(pw));
		court_close(&c);
		return cli_fail(CLI_USAGE, "user add: %s", err);
	}
	crypto_wipe(pw, sizeof(pw));
	if ((rc = save(&c, "add", &u, true)) == CLI_OK)
		printf("added %s (%s, %s)\n", u.name, u.role, u.scope);
	return rc;
}

/* ---- list ---- */

static const struct cli_option list_opts[] = { { NULL, false } };
static const struct cli_spec list_spec = { "user list",
	"usage: courtsync [-C HOME] user list\n"
	"Lists the staff accounts: name, role, scope, state, display name.\n",
	NULL, list_opts, 0, 0 };

static int
list_one(void *arg, const struct store_staff *u)
{
	(void)arg;
	printf("%-20s %-10s %-24s %-8s %s\n", u->name, u->role, u->scope,
	    u->disabled ? "disabled" : "active", u->display);
	return 0;
}

static int
user_list(int argc, char **argv)
{
	struct court c;
	char err[CS_ERR_MAX];
	int rc;

	if ((rc = cli_parse(&list_spec, argc, argv, NULL, NULL)) != CLI_OK)
		return cli_done(rc);
	if ((rc = cli_open_court(&c)) != CLI_OK)
		return rc;
	if (store_staff_each(&c.st, list_one, NULL, err, sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "user list: %s", err);
	court_close(&c);
	return rc;
}

/* ---- disable, enable, role, passwd, token ---- */

static const struct cli_option name_opts[] = { { NULL, false } };
static const struct cli_spec disable_spec = { "user disable",
	"usage: courtsync [-C HOME] user disable NAME\n"
	"Disables the account: its sessions end at their next request and its\n"
	"API token is removed.\n", NULL, name_opts, 1, 0 };
static const struct cli_spec enable_spec = { "user enable",
	"usage: courtsync [-C HOME] user enable NAME\n"
	"Enables a disabled account again (with its password).\n",
	NULL, name_opts, 1, 0 };

static int
set_disabled(int argc, char **argv, const struct cli_spec *spec,
    bool disabled)
{
	const char *pos[1];
	const char *cmd = disabled ? "disable" : "enable";
	struct store_staff u;
	struct court c;
	int rc;

	if ((rc = cli_parse(spec, argc, argv, NULL, pos)) != CLI_OK)
		return cli_done(rc);
	if (pos[0] == NULL)
		return cli_fail(CLI_USAGE, "user %s: which user?", cmd);
	if ((rc = open_user(&c, cmd, pos[0], &u)) != CLI_OK)
		return rc;
	u.disabled = disabled;
	if ((rc = save(&c, cmd, &u, false)) == CLI_OK)
		printf("%s %s\n", disabled ? "disabled" : "enabled", u.name);
	return rc;
}

static int
user_disable(int argc, char **argv)
{
	return set_disabled(argc, argv, &disable_spec, true);
}

static int
user_enable(int argc, char **argv)
{
	return set_disabled(argc, argv, &enable_spec, false);
}

static const struct cli_option role_opts[] = {
	{ "scope", true }, { NULL, false }
};
static const struct cli_spec role_spec = { "user role",
	"usage: courtsync [-C HOME] user role NAME ROLE [--scope PATH]\n"
	"Changes the account's role (and scope); signed-in sessions follow at\n"
	"their next request.\n", NULL, role_opts, 2, 0 };

static int
user_role(int argc, char **argv)
{
	const char *v[1], *pos[2];
	struct store_staff u;
	struct court c;
	int rc;

	if ((rc = cli_parse(&role_spec, argc, argv, v, pos)) != CLI_OK)
		return cli_done(rc);
	if (pos[0] == NULL || pos[1] == NULL)
		return cli_fail(CLI_USAGE, "user role: NAME and ROLE, please");
	if ((rc = open_user(&c, "role", pos[0], &u)) != CLI_OK)
		return rc;
	if ((rc = role_scope(&c, "role", pos[1], v[0], &u)) != CLI_OK) {
		court_close(&c);
		return rc;
	}
	if ((rc = save(&c, "role", &u, false)) == CLI_OK)
		printf("%s: %s, %s\n", u.name, u.role, u.scope);
	return rc;
}

static const struct cli_option passwd_opts[] = {
	{ "password-file", true }, { NULL, false }
};
static const struct cli_spec passwd_spec = { "user passwd",
	"usage: courtsync [-C HOME] user passwd NAME [--password-file FILE]\n"
	"Sets a new password (first line of FILE or of standard input).\n",
	NULL, passwd_opts, 1, 0 };

static int
user_passwd(int argc, char **argv)
{
	const char *v[1], *pos[1];
	struct store_staff u;
	struct court c;
	char pw[STAFF_MAX_PASSWORD + 2], err[CS_ERR_MAX];
	int rc;

	if ((rc = cli_parse(&passwd_spec, argc, argv, v, pos)) != CLI_OK)
		return cli_done(rc);
	if (pos[0] == NULL)
		return cli_fail(CLI_USAGE, "user passwd: which user?");
	if ((rc = open_user(&c, "passwd", pos[0], &u)) != CLI_OK)
		return rc;
	if ((rc = read_password(v[0], pw, sizeof(pw))) != CLI_OK) {
		court_close(&c);
		return rc;
	}
	rc = staff_password_hash(pw, u.pw, err, sizeof(err));
	crypto_wipe(pw, sizeof(pw));
	if (rc == -1) {
		court_close(&c);
		return cli_fail(CLI_USAGE, "user passwd: %s", err);
	}
	if ((rc = save(&c, "passwd", &u, false)) == CLI_OK)
		printf("password of %s changed\n", u.name);
	return rc;
}

static const struct cli_spec token_spec = { "user token",
	"usage: courtsync [-C HOME] user token NAME\n"
	"Prints a new API token for NAME (for scripts and Prometheus:\n"
	"Authorization: Bearer TOKEN), replacing the one it had.  Only its\n"
	"SHA-256 is stored: it is shown once.\n", NULL, name_opts, 1, 0 };

static int
user_token(int argc, char **argv)
{
	const char *pos[1];
	struct store_staff u;
	struct court c;
	char token[STAFF_TOKEN_LEN + 1], hash[65], err[CS_ERR_MAX];
	int rc;

	if ((rc = cli_parse(&token_spec, argc, argv, NULL, pos)) != CLI_OK)
		return cli_done(rc);
	if (pos[0] == NULL)
		return cli_fail(CLI_USAGE, "user token: which user?");
	if ((rc = open_user(&c, "token", pos[0], &u)) != CLI_OK)
		return rc;
	if (u.disabled) {
		court_close(&c);
		return cli_fail(CLI_REFUSED, "user token: %s is disabled",
		    u.name);
	}
	if (staff_token_new(token, hash) == -1 ||
	    store_staff_token_set(&c.st, u.name, hash, now_s(), err,
	    sizeof(err)) == -1) {
		court_close(&c);
		return cli_fail(CLI_SYSTEM, "user token: %s", err);
	}
	court_close(&c);
	printf("%s\n", token);
	return CLI_OK;
}

/* ---- access ---- */

static const struct cli_option access_opts[] = {
	{ "user", true }, { "case", true }, { NULL, false }
};
static const struct cli_spec access_spec = { "user access",
	"usage: courtsync [-C HOME] user access [--user NAME] [--case CASE_NO]\n"
	"The access log, oldest first: sign-ins (and failures), sign-outs,\n"
	"acknowledgements, and every view of a case with party names shown.\n",
	NULL, access_opts, 0, 0 };

static int
access_row(void *arg, int ncol, const char *const *v)
{
	char when[32];
	time_t t;
	struct tm tm;

	(void)arg;
	if (ncol < 6)
		return 0;
	t = (time_t)strtoll(v[0], NULL, 10);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s %-16s %-16s %-20s %-28s %s\n", when, v[1], v[2], v[3], v[4],
	    v[5]);
	return 0;
}

static int
user_access(int argc, char **argv)
{
	const char *v[2];
	const char *args[2];
	struct court c;
	char err[CS_ERR_MAX];
	int rc;

	if ((rc = cli_parse(&access_spec, argc, argv, v, NULL)) != CLI_OK)
		return cli_done(rc);
	args[0] = v[0] != NULL ? v[0] : "";
	args[1] = v[1] != NULL ? v[1] : "";
	if ((rc = cli_open_court(&c)) != CLI_OK)
		return rc;
	if (store_query(&c.st, "SELECT t, name, action, origin, case_no, addr"
	    " FROM access_log WHERE (?1 = '' OR name = ?1) AND"
	    " (?2 = '' OR case_no = ?2) ORDER BY id", args, 2, access_row, NULL,
	    err, sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "user access: %s", err);
	court_close(&c);
	return rc;
}

static const struct cli_command user_commands[] = {
	{ "add", user_add, "user add NAME --role ROLE [--scope PATH]",
	    "add a staff account", NULL },
	{ "list", user_list, "user list", "the accounts", NULL },
	{ "disable", user_disable, "user disable NAME", "disable one", NULL },
	{ "enable", user_enable, "user enable NAME", "enable one again", NULL },
	{ "role", user_role, "user role NAME ROLE [--scope PATH]",
	    "change role or scope", NULL },
	{ "passwd", user_passwd, "user passwd NAME", "set a new password",
	    NULL },
	{ "token", user_token, "user token NAME", "a new API token", NULL },
	{ "access", user_access, "user access [--user N] [--case C]",
	    "the access log", NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

static void
user_help(void)
{
	printf("usage: courtsync [-C HOME] user SUBCOMMAND …\n"
	    "Staff accounts of this node's dashboard (docs/ACCESS.md).\n");
	for (const struct cli_command *t = user_commands; t->name != NULL; t++)
		printf("  %-44s %s\n", t->synopsis, t->summary);
	printf("Each: courtsync user SUBCOMMAND --help.\n");
}

static const struct cli_spec user_spec = { "user", NULL, user_help, NULL, 0,
	0 };

int
cmd_user(int argc, char **argv)
{
	return cli_dispatch("user", user_commands, &user_spec, argc, argv);
}
