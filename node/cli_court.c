/*
 * cli_court.c — the commands that write a court's record: init, the event
 * commands (file, node, pay … correct) and import.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "court.h"
#include "import.h"
#include "cli.h"

/* ---- init ---- */

static const struct cli_spec init_spec = { "init",
	"usage: courtsync [-C HOME] init --path cn/gs/ln/wudu"
	" --name 武都区人民法院 --code 甘1202 --level 4\n"
	"       [--parent cn/gs/ln] [--durability full|normal]\n"
	"       [--listen ADDR:PORT] [--parent-url URL] [--KEY VALUE …]\n"
	"Creates HOME with the configuration, an empty database and a new\n"
	"Ed25519 log-signing key (log.key, mode 0600) and its public key"
	" (log.vkey).\n", NULL, NULL, 0, CLI_ANY_LONG };

/* Sets the configuration key of --name ('-' standing for '_'). */
static int
init_set(struct config *cfg, const char *name, const char *v)
{
	char key[64], err[1024];

	snprintf(key, sizeof(key), "%s", name);
	for (char *q = key; *q != '\0'; q++)
		if (*q == '-')
			*q = '_';
	if (config_set(cfg, key, v, err, sizeof(err)) == -1) {
		if (strncmp(err, "unknown key", 11) == 0)
			return cli_fail(CLI_USAGE, "init: unknown option --%s"
			    " (see courtsync init --help)", name);
		return cli_fail(CLI_USAGE, "init: %s", err);
	}
	return CLI_OK;
}

int
cmd_init(int argc, char **argv)
{
	struct cli_parser p;
	struct config cfg;
	const char *v;
	char err[CS_ERR_MAX];
	int k, rc;

	config_init(&cfg);
	if ((rc = cli_begin(&p, &init_spec, argc, argv)) != CLI_OK)
		return cli_done(rc);
	/* --KEY VALUE for any configuration key. */
	while ((k = cli_next(&p, &v)) != CLI_END) {
		if (k != CLI_OTHER)
			return CLI_USAGE;
		if ((rc = init_set(&cfg, p.name, v)) != CLI_OK)
			return rc;
	}
	if (cfg.parent[0] == '\0' && strchr(cfg.path, '/') != NULL) {
		size_t n = (size_t)(strrchr(cfg.path, '/') - cfg.path);
		memcpy(cfg.parent, cfg.path, n);
		cfg.parent[n] = '\0';
	}
	if (config_check(&cfg, err, sizeof(err)) == -1)
		return cli_fail(CLI_USAGE, "init: %s", err);
	if (court_create(cli_home(), &cfg, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "init: %s", err);
	printf("initialised %s: %s %s (%s, level %d)\n", cli_home(), cfg.name,
	    cfg.code, cfg.path, cfg.level);
	return CLI_OK;
}

/* ---- events ---- */

static void
event_help(enum event_type t)
{
	const struct event_def *d = &event_defs[t];

	printf("usage: courtsync [-C HOME] %s OPTIONS\n%s; logged as \"%s\".\n\n",
	    d->command, d->summary, d->type);
	for (int pass = 0; pass < 2; pass++) {
		const enum field_id *list = pass == 0 ? d->required : d->optional;
		if (list[0] == F_COUNT)
			continue;
		printf("%s:\n", pass == 0 ? "required" : "optional");
		for (int i = 0; i < EV_FIELDS_MAX && list[i] != F_COUNT; i++) {
			const struct field_def *f = &field_defs[list[i]];
			printf("  --%-14s %s", f->name, f->help);
			if (f->kind == FK_ENUM) {
				const struct enum_token *tk;
				printf(":");
				for (tk = f->tokens; tk->token != NULL; tk++)
					printf(" %s(%s)", tk->token, tk->zh);
			}
			printf("\n");
		}
	}
	if (t == EV_CORRECTION)
		printf("  --void           the corrected entry is void\n"
		    "  -- COMMAND ...   or: the event that replaces it, e.g.\n"
		    "                   -- node --case … --date … --node notice\n");
}

/* The options of event type t: its fields, and for a correction --void
 * and --entry (for --corrects).  ids[k] is option k's field, or F_COUNT
 * for --void. */
static void
event_options(enum event_type t, struct cli_option *opts, int *ids)
{
	int n = 0;

	for (int f = 0; f < F_COUNT; f++)
		if (event_field_allowed(t, f)) {
			opts[n] = (struct cli_option){ field_defs[f].name, true };
			ids[n++] = f;
		}
	if (t == EV_CORRECTION) {
		opts[n] = (struct cli_option){ "void", false };
		ids[n++] = F_COUNT;
		opts[n] = (struct cli_option){ "entry", true };
		ids[n++] = F_CORRECTS;
	}
	opts[n] = (struct cli_option){ NULL, false };
}

static enum event_type help_type;

static void
event_help_cb(void)
{
	event_help(help_type);
}

/* Parses the options of event type t from argv[1..argc) into ev.
 * Returns CLI_OK, CLI_HELP, or an exit status after printing the
 * problem; *stop is set to the index of a "--" separator (correct), else
 * argc. */
static int
parse_event(enum event_type t, int argc, char **argv, struct event *ev,
    bool *is_void, int *stop)
{
	const char *cmd = event_defs[t].command, *v;
	struct cli_option opts[F_COUNT + 3];
	struct cli_spec spec = { cmd, NULL, event_help_cb, opts, 0,
	    t == EV_CORRECTION ? CLI_DASHDASH : 0 };
	struct cli_parser p;
	int ids[F_COUNT + 3], k, f, rc;
	char err[CS_ERR_MAX];

	memset(ev, 0, sizeof(*ev));
	ev->type = t;
	*stop = argc;
	event_options(t, opts, ids);
	help_type = t;
	if ((rc = cli_begin(&p, &spec, argc, argv)) != CLI_OK)
		return rc;
	while ((k = cli_next(&p, &v)) != CLI_END) {
		if (k == CLI_BAD)
			return CLI_USAGE;
		if (k == CLI_REST) {
			*stop = p.i - 1;
			break;
		}
		if ((f = ids[k]) == F_COUNT) {
			*is_void = true;
			continue;
		}
		if (ev->f[f].present)
			return cli_fail(CLI_USAGE, "%s: --%s given twice", cmd,
			    p.name);
		if (event_set(ev, f, v, err, sizeof(err)) == -1)
			return cli_fail(CLI_REFUSED, "%s: --%s", cmd, err);
	}
	return CLI_OK;
}

static int
cmd_event(enum event_type t, int argc, char **argv)
{
	struct court c;
	struct event *ev = NULL, *repl = NULL;
	bool is_void = false;
	char err[CS_ERR_MAX];
	uint64_t index;
	int stop, rc, t2;

	ev = calloc(1, sizeof(*ev));
	repl = calloc(1, sizeof(*repl));
	if (ev == NULL || repl == NULL) {
		rc = cli_fail(CLI_SYSTEM, "out of memory");
		goto out;
	}
	rc = parse_event(t, argc, argv, ev, &is_void, &stop);
	if (rc != CLI_OK) {
		rc = cli_done(rc);
		goto out;
	}
	if (t == EV_CORRECTION) {
		if (is_void == (stop < argc)) {
			rc = cli_fail(CLI_USAGE, "correct: give either --void or"
			    " -- COMMAND … with the replacing event");
			goto out;
		}
		if (stop < argc) {
			bool dummy = false;
			int stop2;

			if (stop + 1 >= argc || (t2 = event_type_by_command(
			    argv[stop + 1])) == -1 || t2 == EV_CORRECTION) {
				rc = cli_fail(CLI_USAGE, "correct: after -- give an"
				    " event command such as node or close");
				goto out;
			}
			rc = parse_event((enum event_type)t2, argc - stop - 1,
			    argv + stop + 1, repl, &dummy, &stop2);
			if (rc != CLI_OK) {
				rc = cli_done(rc);
				goto out;
			}
			ev->has_replacement = true;
			ev->replacement = repl;
		}
	}
	if (event_check(ev, err, sizeof(err)) == -1) {
		rc = cli_fail(CLI_USAGE, "%s: %s (see courtsync %s --help)",
		    event_defs[t].command, err, event_defs[t].command);
		goto out;
	}
	if ((rc = cli_open_court(&c)) != CLI_OK)
		goto out;
	if (court_record(&c, ev, &index, err, sizeof(err)) == -1) {
		rc = cli_fail(CLI_REFUSED, "refused: %s", err);
	} else {
		printf("entry %llu: %s %s\n", (unsigned long long)index,
		    event_defs[t].type, t == EV_CORRECTION ? "" : ev->f[F_CASE].s);
		rc = CLI_OK;
	}
	court_close(&c);
out:
	free(ev);
	free(repl);
	return rc;
}

/* ---- import ---- */

static void
import_progress(void *arg, uint64_t n, uint64_t bytes, uint64_t total)
{
	(void)arg;
	if (total > 0)
		printf("\rimporting: %llu events, %3d%%", (unsigned long long)n,
		    (int)(bytes * 100 / total));
	else
		printf("\rimporting: %llu events", (unsigned long long)n);
	fflush(stdout);
}

static const struct cli_option import_opts[] = {
	{ "format", true }, { NULL, false }
};
static const struct cli_spec import_spec = { "import",
	"usage: courtsync [-C HOME] import FILE [--format csv|jsonl]\n"
	"Imports events from CSV or JSON Lines in one transaction; see README"
	" \"Importing\".\n", NULL, import_opts, 1, 0 };

int
cmd_import(int argc, char **argv)
{
	enum records_format fmt = RECORDS_AUTO;
	const char *file, *v[1];
	struct court c;
	char err[1536];
	uint64_t n = 0;
	bool tty = isatty(STDOUT_FILENO);
	int rc;

	if ((rc = cli_parse(&import_spec, argc, argv, v, &file)) != CLI_OK)
		return cli_done(rc);
	if (v[0] != NULL && strcmp(v[0], "csv") == 0)
		fmt = RECORDS_CSV;
	else if (v[0] != NULL && strcmp(v[0], "jsonl") == 0)
		fmt = RECORDS_JSONL;
	else if (v[0] != NULL)
		return cli_fail(CLI_USAGE, "import: --format %s is not csv or"
		    " jsonl", v[0]);
	if (file == NULL)
		return cli_fail(CLI_USAGE, "import: which FILE?");
	if ((rc = cli_open_court(&c)) != CLI_OK)
		return rc;
	if (import_file(&c, file, fmt, tty ? import_progress : NULL, NULL, &n,
	    err, sizeof(err)) == -1) {
		if (tty)
			printf("\n");
		rc = cli_fail(CLI_REFUSED, "import refused, nothing imported: %s",
		    err);
	} else {
		if (tty)
			printf("\n");
		printf("imported %llu events from %s\n", (unsigned long long)n,
		    file);
	}
	court_close(&c);
	return rc;
}


/* Any event command (argv[0]: file, node, pay … correct). */
int
cmd_event_line(int argc, char **argv)
{
	int t = event_type_by_command(argv[0]);

	if (t == -1)
		return cli_fail(CLI_USAGE, "unknown command \"%s\"", argv[0]);
	return cmd_event((enum event_type)t, argc, argv);
}
