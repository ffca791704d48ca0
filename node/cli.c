/*
 * cli.c — the courtsync command line (courtsync(1)): the table of
 * commands, the dispatch, and the one option parser every command
 * declares its options to.  The commands live in the cli_*.c files by
 * topic; they and main.c are the only code that prints or decides how to
 * exit.
 *
 * Every command and subcommand reads its arguments through cli_begin /
 * cli_next (or cli_parse), so all of them accept the same spellings
 * (--opt VALUE, --opt=VALUE, -o VALUE for a one-letter name), answer
 * --help and -h with their usage on stdout and exit 0 without acting,
 * and refuse an unknown option with exit 2 naming it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "court.h"
#include "cli.h"

#define VERSION "0.1.0"
#define DEFAULT_HOME "/var/lib/courtsync"
#define EVENTS_GROUP "Recording events (each: COMMAND --help lists its fields):"

static const char *home;

static int cmd_help(int argc, char **argv);

static const struct cli_command commands[] = {
	{ "init", cmd_init, "init --path P --name N --code C --level L"
	    " [--parent P]\n       [--durability full|normal]",
	    "create a court's home directory", "Setting up:" },
	{ "import", cmd_import, "import FILE [--format csv|jsonl]",
	    "import events in one transaction", EVENTS_GROUP },
	{ "cases", cmd_cases, "cases [--open|--closed] [--json]",
	    "list cases", "Inspecting:" },
	{ "case", cmd_case, "case CASE_NO [--json]",
	    "a case and its full timeline", NULL },
	{ "log", cmd_log, "log show|root|checkpoint|export|verify",
	    "the log (log --help lists them)", NULL },
	{ "report", cmd_report, "report [--as-of D] [--from D --to D]"
	    " [--scope PATH] [--types T]\n         [--json]",
	    "indicators, warnings, integrity", NULL },
	{ "rebuild", cmd_rebuild, "rebuild [--check]",
	    "re-derive all tables from the log", "The log:" },
	{ "backup", cmd_backup, "backup FILE",
	    "an online, checked copy of the database", NULL },
	{ "restore", cmd_restore, "restore FILE",
	    "back to a copy (then catch-up before recording)", NULL },
	{ "catch-up", cmd_catch_up, "catch-up [--offline REASON]",
	    "fetch what a restored node lost from its parent", NULL },
	{ "recover", cmd_recover, "recover",
	    "rebuild a lost database from keys and the parent", NULL },
	{ "serve", cmd_serve, "serve [--check]",
	    "run the node: hub server and push loop", "Sync (docs/PROTOCOL.md):" },
	{ "push", cmd_push, "push", "push to the parent once, and report", NULL },
	{ "witness", cmd_witness, "witness [--once] [--hub URL]…",
	    "a witness outside the courts: cosign", NULL },
	{ "user", cmd_user, "user add|list|disable|enable|role|passwd|token|"
	    "access", "staff accounts of the dashboard (docs/ACCESS.md)",
	    NULL },
	{ "audit", cmd_audit, "audit EXPORT --ca CA --registry REG",
	    "verify a log offline, witnesses, replay",
	    "Auditing (docs/FORMAT.md §9-10), with the deployment's CA and"
	    " registry:" },
	{ "audit", cmd_audit, "audit --compare A B [--evidence OUT]",
	    "two views: consistent, or evidence", NULL },
	{ "audit", cmd_audit, "audit --follow URL --origin P --state F …",
	    "keep verifying a hub's view", NULL },
	{ "audit", cmd_audit, "audit --proof FILE --ca CA --registry REG",
	    "verify a case proof", NULL },
	{ "prove", cmd_prove, "prove CASE_NO [--origin P] [-o FILE]",
	    "a self-contained proof of a case", NULL },
	{ "digest", cmd_digest, "digest [--origin P]",
	    "the state digest of a log held", NULL },
	{ "help", cmd_help, "help", "this overview", "Help:" },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
cli_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("courtsync: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

/* Prints the rows of a command table under their headings. */
static void
table_print(FILE *f, const struct cli_command *t)
{
	for (; t->name != NULL; t++) {
		if (t->group != NULL)
			fprintf(f, "\n%s\n", t->group);
		if (t->group != NULL && strcmp(t->group, EVENTS_GROUP) == 0)
			for (int e = 0; e < EV_COUNT; e++)
				fprintf(f, "  %-10s %s\n", event_defs[e].command,
				    event_defs[e].summary);
		if (strlen(t->synopsis) <= 32 && strchr(t->synopsis, '\n') == NULL)
			fprintf(f, "  %-32s %s\n", t->synopsis, t->summary);
		else
			fprintf(f, "  %s\n  %-32s %s\n", t->synopsis, "",
			    t->summary);
	}
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: courtsync [-C HOME] COMMAND [ARGS]\n"
	    "       courtsync [-C HOME] COMMAND --help\n"
	    "\n"
	    "HOME is the node's home directory (default $COURTSYNC_HOME, else "
	    DEFAULT_HOME ").\n");
	table_print(f, commands);
	fprintf(f,
	    "\n"
	    "Exit status: 0 done, 1 refused or verification failed, 2 usage,\n"
	    "3 system error.  See courtsync(1).\n");
}

static void
help_overview(void)
{
	usage(stdout);
}

static int
cmd_help(int argc, char **argv)
{
	static const struct cli_spec spec = { "help", NULL, help_overview,
	    NULL, 0, 0 };
	const char *pos[1];
	int rc;

	if ((rc = cli_parse(&spec, argc, argv, NULL, pos)) != CLI_OK)
		return cli_done(rc);
	usage(stdout);
	return CLI_OK;
}

/* ---- the one option parser ---- */

static bool
is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

void
cli_usage(const struct cli_spec *s)
{
	if (s->help != NULL)
		s->help();
	else
		fputs(s->usage, stdout);
}

int
cli_done(int rc)
{
	return rc == CLI_HELP ? CLI_OK : rc;
}

int
cli_begin(struct cli_parser *p, const struct cli_spec *s, int argc,
    char **argv)
{
	memset(p, 0, sizeof(*p));
	p->spec = s;
	p->argc = argc;
	p->argv = argv;
	p->i = 1;
	for (int i = 1; i < argc; i++) {
		if ((s->flags & CLI_DASHDASH) && strcmp(argv[i], "--") == 0)
			break;
		if (is_help(argv[i])) {
			cli_usage(s);
			return CLI_HELP;
		}
	}
	return CLI_OK;
}

/* The index of the option called name (n bytes) in s->opts, or -1; a
 * single dash (short) matches only a one-letter name. */
static int
option_find(const struct cli_spec *s, const char *name, size_t n, bool shrt)
{
	if (s->opts == NULL || n == 0 || (shrt && n != 1))
		return -1;
	for (int k = 0; s->opts[k].name != NULL; k++)
		if (strlen(s->opts[k].name) == n &&
		    strncmp(s->opts[k].name, name, n) == 0)
			return k;
	return -1;
}

static int
positional(struct cli_parser *p, const char *a, const char **val)
{
	const char *cmd = p->spec->cmd;

	if (p->npos >= p->spec->maxpos) {
		if (p->spec->maxpos == 0)
			cli_fail(CLI_USAGE, "%s: unexpected argument \"%s\" (%s"
			    " takes no arguments)", cmd, a, cmd);
		else
			cli_fail(CLI_USAGE, "%s: unexpected argument \"%s\" (see"
			    " courtsync %s --help)", cmd, a, cmd);
		return CLI_BAD;
	}
	p->npos++;
	*val = a;
	return CLI_ARG;
}

int
cli_next(struct cli_parser *p, const char **val)
{
	const struct cli_spec *s = p->spec;
	const char *a, *name, *eq = NULL;
	size_t n;
	bool shrt;
	int k;

	*val = NULL;
	if (p->i >= p->argc)
		return CLI_END;
	a = p->argv[p->i++];
	if ((s->flags & CLI_DASHDASH) && strcmp(a, "--") == 0)
		return CLI_REST;
	if (a[0] != '-' || a[1] == '\0')
		return positional(p, a, val);
	shrt = a[1] != '-';
	name = a + (shrt ? 1 : 2);
	n = shrt ? strlen(name) : strcspn(name, "=");
	if (!shrt && name[n] == '=')
		eq = name + n + 1;
	snprintf(p->name, sizeof(p->name), "%.*s", (int)n, name);
	if ((k = option_find(s, name, n, shrt)) == -1) {
		if (shrt || !(s->flags & CLI_ANY_LONG) || n == 0) {
			cli_fail(CLI_USAGE, "%s: unknown option %.*s (see"
			    " courtsync %s --help)", s->cmd,
			    (int)(name + n - a), a, s->cmd);
			return CLI_BAD;
		}
		k = CLI_OTHER;
	} else if (!s->opts[k].value) {
		if (eq != NULL) {
			cli_fail(CLI_USAGE, "%s: --%s takes no value", s->cmd,
			    p->name);
			return CLI_BAD;
		}
		*val = "";
		return k;
	}
	if (eq == NULL && p->i < p->argc)
		eq = p->argv[p->i++];
	if (eq == NULL) {
		cli_fail(CLI_USAGE, "%s: %s%s needs a value", s->cmd,
		    shrt ? "-" : "--", p->name);
		return CLI_BAD;
	}
	*val = eq;
	return k;
}

int
cli_parse(const struct cli_spec *s, int argc, char **argv, const char **vals,
    const char **pos)
{
	struct cli_parser p;
	const char *v;
	int k, rc;

	if ((rc = cli_begin(&p, s, argc, argv)) != CLI_OK)
		return rc;
	for (int i = 0; s->opts != NULL && s->opts[i].name != NULL; i++)
		vals[i] = NULL;
	for (int i = 0; i < s->maxpos; i++)
		pos[i] = NULL;
	while ((k = cli_next(&p, &v)) != CLI_END) {
		if (k == CLI_BAD)
			return CLI_USAGE;
		if (k == CLI_ARG)
			pos[p.npos - 1] = v;
		else if (k >= 0)
			vals[k] = v;
		else
			return cli_fail(CLI_USAGE, "%s: unexpected %s", s->cmd,
			    argv[p.i - 1]);
	}
	return CLI_OK;
}

int
cli_dispatch(const char *what, const struct cli_command *table,
    const struct cli_spec *usage_spec, int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1])) {
		cli_usage(usage_spec);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	for (const struct cli_command *t = table; t->name != NULL; t++)
		if (strcmp(t->name, argv[1]) == 0)
			return t->fn(argc - 1, argv + 1);
	return cli_fail(CLI_USAGE, "%s: unknown subcommand %s (see courtsync %s"
	    " --help)", what, argv[1], what);
}

int
cli_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9' || strlen(s) > 19)
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return (*end != '\0' || errno != 0) ? -1 : 0;
}

const char *
cli_home(void)
{
	return home;
}

int
cli_open_court(struct court *c)
{
	char err[CS_ERR_MAX];

	if (court_open(c, home, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "%s", err);
	return CLI_OK;
}

int
cli_open_views(struct court *c)
{
	struct court_fold_stats fs;
	char err[CS_ERR_MAX];

	if (court_open(c, home, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "%s", err);
	/* What a hub stored and has not folded yet (its daemon stopped, or
	 * fold = off): folded now, so the views hold every entry held. */
	if (court_fold_pending(c, 10000, NULL, NULL, &fs, err,
	    sizeof(err)) == -1) {
		court_close(c);
		return cli_fail(CLI_SYSTEM, "folding the entries received from"
		    " below: %s", err);
	}
	return CLI_OK;
}

/* ---- dispatch ---- */

/* Reads the options before the command (-C HOME, --help, --version):
 * the index of the command, or -1 with *rc the exit status. */
static int
global_options(int argc, char **argv, int *rc)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-C") == 0 && i + 1 < argc) {
			home = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "-C", 2) == 0 && argv[i][2] != '\0') {
			home = argv[i] + 2;
			i++;
		} else if (is_help(argv[i])) {
			usage(stdout);
			*rc = CLI_OK;
			return -1;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("courtsync %s\n", VERSION);
			*rc = CLI_OK;
			return -1;
		} else {
			usage(stderr);
			*rc = cli_fail(CLI_USAGE, "unknown option %s", argv[i]);
			return -1;
		}
	}
	if (i >= argc) {
		usage(stderr);
		*rc = CLI_USAGE;
		return -1;
	}
	return i;
}

int
cli_main(int argc, char **argv)
{
	const char *cmd;
	int i, rc;

	home = getenv("COURTSYNC_HOME");
	if (home == NULL || *home == '\0')
		home = DEFAULT_HOME;
	if ((i = global_options(argc, argv, &rc)) == -1)
		return rc;
	cmd = argv[i];
	for (const struct cli_command *t = commands; t->name != NULL; t++)
		if (strcmp(t->name, cmd) == 0)
			return t->fn(argc - i, argv + i);
	/* The event commands are event.c's table (event_defs), one each. */
	if (event_type_by_command(cmd) != -1)
		return cmd_event_line(argc - i, argv + i);
	usage(stderr);
	return cli_fail(CLI_USAGE, "unknown command \"%s\"", cmd);
}
