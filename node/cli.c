/*
 * cli.c — the courtsync command line: parses arguments, calls the court
 * module, prints results and chooses the exit status (courtsync(1)).
 * The only place besides main.c that prints or decides how to exit.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "court.h"
#include "courtsync/export.h"
#include "import.h"
#include "render.h"
#include "proof.h"
#include "serve.h"
#include "cli.h"

#define VERSION "0.1.0"
#define DEFAULT_HOME "/var/lib/courtsync"

static const char *home;

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

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: courtsync [-C HOME] COMMAND [ARGS]\n"
	    "\n"
	    "HOME is the node's home directory (default $COURTSYNC_HOME, else "
	    DEFAULT_HOME ").\n"
	    "\n"
	    "Setting up:\n"
	    "  init --path P --name N --code C --level L [--parent P]\n"
	    "       [--durability full|normal]     create a court's home directory\n"
	    "\n"
	    "Recording events (each: COMMAND --help lists its fields):\n");
	for (int t = 0; t < EV_COUNT; t++)
		fprintf(f, "  %-10s %s\n", event_defs[t].command,
		    event_defs[t].summary);
	fprintf(f,
	    "  import FILE [--format csv|jsonl]  import events in one transaction\n"
	    "\n"
	    "Inspecting:\n"
	    "  cases [--open|--closed] [--json]  list cases\n"
	    "  case CASE_NO [--json]             a case and its full timeline\n"
	    "  log show [--from N] [--count N] [--json]   entries, decoded\n"
	    "  log root                          tree size and root hash\n"
	    "  report [--as-of D] [--from D --to D] [--scope PATH] [--types T]\n"
	    "         [--json]                   indicators, warnings, integrity\n"
	    "\n"
	    "The log:\n"
	    "  log checkpoint                    sign the current tree\n"
	    "  log export DIR                    write an export for auditors\n"
	    "  log verify DIR [--key VKEY]       verify an export\n"
	    "  rebuild [--check]                 re-derive all tables from the log\n"
	    "\n"
	    "Sync (docs/PROTOCOL.md):\n"
	    "  serve [--check]                   run the node: hub server and push loop\n"
	    "  push                              push to the parent once, and report\n"
	    "  witness [--once] [--hub URL]…     a witness outside the courts: cosign\n"
	    "\n"
	    "Auditing (docs/FORMAT.md §9-10), with the deployment's CA and registry:\n"
	    "  audit EXPORT --ca CA --registry REG     verify a log offline, witnesses, replay\n"
	    "  audit --compare A B [--evidence OUT]    two views: consistent, or evidence\n"
	    "  audit --follow URL --origin P --state F …   keep verifying a hub's view\n"
	    "  audit --proof FILE --ca CA --registry REG   verify a case proof\n"
	    "  prove CASE_NO [--origin P] [-o FILE]    a self-contained proof of a case\n"
	    "  digest [--origin P]                     the state digest of a log held\n"
	    "\n"
	    "Exit status: 0 done, 1 refused or verification failed, 2 usage,\n"
	    "3 system error.  See courtsync(1).\n");
}

static int
open_court(struct court *c)
{
	char err[1024];

	if (court_open(c, home, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "%s", err);
	return CLI_OK;
}

int
cli_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (n == 1 && a[0] == '-' && a[1] == name[0] && a[2] == '\0')
		goto next;
	if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0)
		return 0;
	if (a[2 + n] == '=') {
		*val = a + 3 + n;
		return 1;
	}
	if (a[2 + n] != '\0')
		return 0;
next:
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

/* Parses a decimal unsigned integer, nothing else: 0 or -1. */
static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9' || strlen(s) > 19)
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return (*end != '\0' || errno != 0) ? -1 : 0;
}

static bool
is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

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

/* ---- init ---- */

static int
cmd_init(int argc, char **argv)
{
	struct config cfg;
	char err[1024];

	config_init(&cfg);
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		char key[64];
		int m = 0;

		if (is_help(argv[i])) {
			printf("usage: courtsync [-C HOME] init --path cn/gs/ln/wudu"
			    " --name 武都区人民法院 --code 甘1202 --level 4\n"
			    "       [--parent cn/gs/ln] [--durability full|normal]\n"
			    "       [--listen ADDR:PORT] [--parent-url URL]"
			    " [--KEY VALUE …]\n"
			    "Creates HOME with the configuration, an empty"
			    " database and a new\nEd25519 log-signing key"
			    " (log.key, mode 0600) and its public key"
			    " (log.vkey).\n");
			return CLI_OK;
		}
		/* --KEY VALUE for any configuration key, '-' standing for '_'. */
		if (strncmp(argv[i], "--", 2) == 0) {
			char name[64];

			snprintf(name, sizeof(name), "%.*s",
			    (int)strcspn(argv[i] + 2, "="), argv[i] + 2);
			m = cli_opt(argc, argv, &i, name, &v);
			snprintf(key, sizeof(key), "%s", name);
			for (char *q = key; *q != '\0'; q++)
				if (*q == '-')
					*q = '_';
		}
		if (m == -1)
			return cli_fail(CLI_USAGE, "init: %s needs a value", argv[i]);
		if (m == 0)
			return cli_fail(CLI_USAGE, "init: unknown argument %s"
			    " (see courtsync init --help)", argv[i]);
		if (config_set(&cfg, key, v, err, sizeof(err)) == -1) {
			if (strncmp(err, "unknown key", 11) == 0)
				return cli_fail(CLI_USAGE, "init: unknown argument"
				    " --%s (see courtsync init --help)", key);
			return cli_fail(CLI_USAGE, "init: %s", err);
		}
	}
	if (cfg.parent[0] == '\0' && strchr(cfg.path, '/') != NULL) {
		size_t n = (size_t)(strrchr(cfg.path, '/') - cfg.path);
		memcpy(cfg.parent, cfg.path, n);
		cfg.parent[n] = '\0';
	}
	if (config_check(&cfg, err, sizeof(err)) == -1)
		return cli_fail(CLI_USAGE, "init: %s", err);
	if (court_create(home, &cfg, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "init: %s", err);
	printf("initialised %s: %s %s (%s, level %d)\n", home, cfg.name,
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

/* Parses "--field value" options of event type t from argv[1..argc).
 * Returns CLI_OK, or an exit status after printing the problem; *stop is
 * set to the index of a "--" separator (correct), else argc. */
static int
parse_event(enum event_type t, int argc, char **argv, struct event *ev,
    bool *is_void, int *stop)
{
	const char *cmd = event_defs[t].command;
	char err[1024];

	memset(ev, 0, sizeof(*ev));
	ev->type = t;
	*stop = argc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		char name[64];
		int f, m;

		if (is_help(a)) {
			event_help(t);
			return -1;
		}
		if (t == EV_CORRECTION && strcmp(a, "--") == 0) {
			*stop = i;
			break;
		}
		if (t == EV_CORRECTION && strcmp(a, "--void") == 0) {
			*is_void = true;
			continue;
		}
		if (strncmp(a, "--", 2) != 0)
			return cli_fail(CLI_USAGE, "%s: unexpected argument \"%s\""
			    " (see courtsync %s --help)", cmd, a, cmd);
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(a + 2, "="),
		    a + 2);
		/* --entry is accepted for a correction's --corrects. */
		if (t == EV_CORRECTION && strcmp(name, "entry") == 0)
			f = F_CORRECTS;
		else
			f = field_by_name(name);
		if (f == -1 || !event_field_allowed(t, f))
			return cli_fail(CLI_USAGE, "%s: unknown option --%s (see"
			    " courtsync %s --help)", cmd, name, cmd);
		m = cli_opt(argc, argv, &i, name, &v);
		if (m != 1)
			return cli_fail(CLI_USAGE, "%s: --%s needs a value", cmd, name);
		if (ev->f[f].present)
			return cli_fail(CLI_USAGE, "%s: --%s given twice", cmd, name);
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
	char err[1024];
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
		rc = rc == -1 ? CLI_OK : rc;
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
				rc = rc == -1 ? CLI_OK : rc;
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
	if ((rc = open_court(&c)) != CLI_OK)
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

static int
cmd_import(int argc, char **argv)
{
	enum records_format fmt = RECORDS_AUTO;
	const char *file = NULL, *v;
	struct court c;
	char err[1536];
	uint64_t n = 0;
	bool tty = isatty(STDOUT_FILENO);
	int rc;

	for (int i = 1; i < argc; i++) {
		int m;

		if (is_help(argv[i])) {
			printf("usage: courtsync [-C HOME] import FILE"
			    " [--format csv|jsonl]\nImports events from CSV"
			    " or JSON Lines in one transaction; see README"
			    " \"Importing\".\n");
			return CLI_OK;
		}
		m = cli_opt(argc, argv, &i, "format", &v);
		if (m == -1)
			return cli_fail(CLI_USAGE, "import: --format needs a value");
		if (m == 1) {
			if (strcmp(v, "csv") == 0)
				fmt = RECORDS_CSV;
			else if (strcmp(v, "jsonl") == 0)
				fmt = RECORDS_JSONL;
			else
				return cli_fail(CLI_USAGE, "import: --format %s is"
				    " not csv or jsonl", v);
		} else if (file == NULL && argv[i][0] != '-') {
			file = argv[i];
		} else {
			return cli_fail(CLI_USAGE, "import: unexpected argument %s",
			    argv[i]);
		}
	}
	if (file == NULL)
		return cli_fail(CLI_USAGE, "import: which FILE?");
	if ((rc = open_court(&c)) != CLI_OK)
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

/* ---- listings ---- */

struct lister {
	struct court	*c;
	bool		 json;
	int		 rows;
	struct buf	 out;
	struct buf	 entry;
};

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

static void
money(const char *fen, char *out, size_t cap)
{
	fen_format(fen != NULL ? strtoull(fen, NULL, 10) : 0, out, cap);
}

static void
json_kv(struct buf *b, const char *k, const char *v, bool more)
{
	codec_json_str(b, k, strlen(k));
	buf_append(b, ":", 1);
	if (v == NULL)
		buf_append(b, "null", 4);
	else
		codec_json_str(b, v, strlen(v));
	if (more)
		buf_append(b, ",", 1);
}

static const char case_cols[] = "case_no, type, filed, claimed, arrived, paid,"
    " handler, track, closed, mode, recovered, applicant, respondent,"
    " ext_months, susp_days, susp_since, nevents";

static int
case_row(void *arg, int ncol, const char *const *v)
{
	struct lister *l = arg;
	char a[32], b[32], p[32], r[32];
	static const char *const names[] = {
		"case_no", "type", "filed", "claimed", "arrived", "paid",
		"handler", "track", "closed", "mode", "recovered", "applicant",
		"respondent", "ext_months", "susp_days", "susp_since", "nevents"
	};

	money(v[3], a, sizeof(a));
	money(v[4], b, sizeof(b));
	money(v[5], p, sizeof(p));
	money(v[10], r, sizeof(r));
	if (l->json) {
		buf_append(&l->out, l->rows > 0 ? ",\n " : "[", l->rows > 0 ? 3 : 1);
		buf_append(&l->out, "{", 1);
		for (int i = 0; i < ncol; i++) {
			const char *val = v[i];
			if (i == 3) val = a;
			if (i == 4) val = b;
			if (i == 5) val = p;
			if (i == 10) val = v[8] != NULL ? r : NULL;
			json_kv(&l->out, names[i], val, i + 1 < ncol);
		}
		buf_append(&l->out, "}", 1);
	} else {
		if (l->rows == 0)
			printf("%-26s %-4s %-10s %14s %14s %14s %-12s %s\n",
			    "case", "type", "filed", "claimed", "arrived", "paid",
			    "handler", "status");
		printf("%-26s %-4s %-10s %14s %14s %14s %-12s %s%s%s\n", nz(v[0]),
		    nz(v[1]), nz(v[2]), a, b, p, v[6] != NULL ? v[6] : "-",
		    v[8] != NULL ? "closed " : "open",
		    v[8] != NULL ? v[8] : "",
		    v[8] != NULL ? " " : "");
		if (v[8] != NULL)
			printf("%-26s %s, recovered %s\n", "",
			    field_token_zh(F_MODE, nz(v[9])), r);
	}
	l->rows++;
	return 0;
}

static int
cmd_cases(int argc, char **argv)
{
	struct lister l = { 0 };
	struct court c;
	char q[512], err[1024], logid[32];
	const char *where = "";
	const char *args[1];
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			l.json = true;
		else if (strcmp(argv[i], "--open") == 0)
			where = " AND closed IS NULL";
		else if (strcmp(argv[i], "--closed") == 0)
			where = " AND closed IS NOT NULL";
		else if (is_help(argv[i])) {
			printf("usage: courtsync [-C HOME] cases [--open|--closed]"
			    " [--json]\n");
			return CLI_OK;
		} else
			return cli_fail(CLI_USAGE, "cases: unknown argument %s",
			    argv[i]);
	}
	if ((rc = open_court(&c)) != CLI_OK)
		return rc;
	snprintf(logid, sizeof(logid), "%lld", (long long)c.log.id);
	args[0] = logid;
	snprintf(q, sizeof(q), "SELECT %s FROM cases WHERE log = ?1%s"
	    " ORDER BY year, type, seq", case_cols, where);
	buf_init(&l.out, 0);
	if (store_query(&c.st, q, args, 1, case_row, &l, err, sizeof(err)) == -1) {
		rc = cli_fail(CLI_SYSTEM, "%s", err);
	} else if (l.json) {
		if (l.rows == 0)
			buf_append(&l.out, "[", 1);
		fwrite(l.out.p, 1, l.out.len, stdout);
		printf("]\n");
	} else {
		printf("%d cases\n", l.rows);
	}
	buf_free(&l.out);
	court_close(&c);
	return rc;
}

/* Appends an entry's body as JSON. */
static int
body_json(struct buf *b, const struct entry *e)
{
	struct codec_doc d = { 0 };
	struct codec_value v;
	char err[256];
	int rc;

	if (codec_decode(&d, e->body, e->bodylen, &v, err, sizeof(err)) == -1)
		rc = buf_printf(b, "null");
	else
		rc = codec_json_value(b, &v);
	codec_doc_free(&d);
	return rc;
}

static int
timeline_row(void *arg, int ncol, const char *const *v)
{
	struct lister *l = arg;
	struct entry e;
	char err[256], when[32];
	uint64_t idx = strtoull(v[0], NULL, 10);

	(void)ncol;
	if (store_entry_get(&l->c->st, l->c->log.id, idx, &l->entry, NULL, err,
	    sizeof(err)) == -1 ||
	    entry_decode(l->entry.p, l->entry.len, &e, err, sizeof(err)) == -1) {
		fprintf(stderr, "courtsync: entry %llu: %s\n",
		    (unsigned long long)idx, err);
		return 1;
	}
	cs_utc(e.time, when);
	buf_reset(&l->out);
	if (l->json) {
		buf_printf(&l->out, "%s{\"index\":%llu,\"recorded\":\"%s\","
		    "\"type\":\"%s\",\"corrected_by\":%s,\"body\":",
		    l->rows > 0 ? ",\n " : "", (unsigned long long)idx, when,
		    e.type, v[4] != NULL ? v[4] : "null");
		body_json(&l->out, &e);
		buf_append(&l->out, "}", 1);
	} else {
		buf_printf(&l->out, "%6llu  %-10s  %-20s  %-21s ",
		    (unsigned long long)idx, nz(v[2]), when, e.type);
		body_json(&l->out, &e);
		if (v[4] != NULL)
			buf_printf(&l->out, "  [corrected by entry %s]", v[4]);
		buf_append(&l->out, "\n", 1);
	}
	fwrite(l->out.p, 1, l->out.len, stdout);
	l->rows++;
	return 0;
}

static int
cmd_case(int argc, char **argv)
{
	struct lister l = { 0 };
	struct case_no cn;
	struct court c;
	char cno[CS_CASE_MAX], err[1024], logid[32];
	const char *args[2], *want = NULL;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			l.json = true;
		else if (is_help(argv[i])) {
			printf("usage: courtsync [-C HOME] case CASE_NO [--json]\n");
			return CLI_OK;
		} else if (want == NULL)
			want = argv[i];
		else
			return cli_fail(CLI_USAGE, "case: unexpected argument %s",
			    argv[i]);
	}
	if (want == NULL)
		return cli_fail(CLI_USAGE, "case: which case number?");
	if (case_no_parse(want, &cn, err, sizeof(err)) == -1)
		return cli_fail(CLI_REFUSED, "case: %s", err);
	case_no_format(&cn, cno, sizeof(cno));
	if ((rc = open_court(&c)) != CLI_OK)
		return rc;
	snprintf(logid, sizeof(logid), "%lld", (long long)c.log.id);
	args[0] = logid;
	args[1] = cno;
	l.c = &c;
	buf_init(&l.out, 0);
	buf_init(&l.entry, CS_ENTRY_MAX);
	if (!l.json) {
		char q[600];
		snprintf(q, sizeof(q), "SELECT %s FROM cases WHERE log = ?1 AND"
		    " case_no = ?2", case_cols);
		if (store_query(&c.st, q, args, 2, case_row, &l, err,
		    sizeof(err)) == -1) {
			rc = cli_fail(CLI_SYSTEM, "%s", err);
			goto out;
		}
		if (l.rows == 0) {
			rc = cli_fail(CLI_REFUSED, "case %s is not filed here", cno);
			goto out;
		}
		printf("\ntimeline (log index, business date, recorded, event):\n");
		l.rows = 0;
	} else {
		struct case_state *cs = malloc(sizeof(*cs));
		int r = cs == NULL ? -1 : store_case_get(&c.st, c.log.id, cno,
		    cs, err, sizeof(err));

		free(cs);
		if (r != 1) {
			rc = r == 0 ? cli_fail(CLI_REFUSED, "case %s is not filed"
			    " here", cno) : cli_fail(CLI_SYSTEM, "%s", err);
			goto out;
		}
		printf("{\"case\":\"%s\",\"timeline\":[", cno);
	}
	if (store_query(&c.st, "SELECT idx, type, date, time, corrected_by"
	    " FROM events WHERE log = ?1 AND (case_no = ?2) ORDER BY idx",
	    args, 2, timeline_row, &l, err, sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "%s", err);
	if (l.json)
		printf("]}\n");
out:
	buf_free(&l.out);
	buf_free(&l.entry);
	court_close(&c);
	return rc;
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
		body_json(&s->out, &e);
		buf_append(&s->out, "}\n", 2);
	} else {
		buf_printf(&s->out, "%6llu  %s  %-21s ", (unsigned long long)index,
		    when, e.type);
		body_json(&s->out, &e);
		buf_append(&s->out, "\n", 1);
	}
	fwrite(s->out.p, 1, s->out.len, stdout);
	return 0;
}

static int
log_show(struct court *c, int argc, char **argv)
{
	struct show s = { 0 };
	uint64_t from = 0, count = UINT64_MAX, to;
	const char *v;
	char err[1024];
	int rc = CLI_OK;

	for (int i = 2; i < argc; i++) {
		int m;
		if (strcmp(argv[i], "--json") == 0) {
			s.json = true;
			continue;
		}
		if ((m = cli_opt(argc, argv, &i, "from", &v)) == 1) {
			if (parse_u64(v, &from) == -1)
				return cli_fail(CLI_USAGE, "log show: --from %s is not"
				    " an entry index", v);
			continue;
		}
		if (m == 0 && (m = cli_opt(argc, argv, &i, "count", &v)) == 1) {
			if (parse_u64(v, &count) == -1)
				return cli_fail(CLI_USAGE, "log show: --count %s is"
				    " not a number", v);
			continue;
		}
		return cli_fail(CLI_USAGE, "log show: bad argument %s", argv[i]);
	}
	if (from > c->log.size)
		from = c->log.size;
	to = count > c->log.size - from ? c->log.size : from + count;
	buf_init(&s.out, 0);
	if (store_entries_each(&c->st, c->log.id, from, to, show_entry, &s, err,
	    sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "log show: %s", err);
	buf_free(&s.out);
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

static int
log_verify(int argc, char **argv)
{
	static const char *const names[] = { "key", "ca", "registry",
	    "registry-sig" };
	struct export_report r;
	const char *dir = NULL, *opt[4] = { NULL, NULL, NULL, NULL }, *key;
	char err[1024], keybuf[1024], hex[2 * CS_HASH_LEN + 1];
	bool tty = isatty(STDOUT_FILENO);
	int v, rc;

	for (int i = 2; i < argc; i++) {
		int m = 0;

		for (size_t k = 0; k < 4 && m == 0; k++)
			if ((m = cli_opt(argc, argv, &i, names[k], &opt[k])) ==
			    -1)
				return cli_fail(CLI_USAGE, "log verify: --%s needs"
				    " a value", names[k]);
		if (m == 1)
			continue;
		if (dir != NULL || argv[i][0] == '-')
			return cli_fail(CLI_USAGE, "log verify: unexpected %s", argv[i]);
		dir = argv[i];
	}
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

static int
cmd_log(int argc, char **argv)
{
	struct court c;
	char err[1024], note[NOTE_MAX], hex[2 * CS_HASH_LEN + 1], b64[64];
	uint8_t root[CS_HASH_LEN];
	uint64_t size, n;
	int rc;

	if (argc < 2 || is_help(argv[1])) {
		printf("usage: courtsync [-C HOME] log show|root|checkpoint|"
		    "export DIR|verify DIR\n");
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "verify") == 0)
		return log_verify(argc, argv);
	if (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "root") != 0 &&
	    strcmp(argv[1], "checkpoint") != 0 && strcmp(argv[1], "export") != 0)
		return cli_fail(CLI_USAGE, "log: unknown subcommand %s", argv[1]);
	if (strcmp(argv[1], "export") == 0 && argc != 3 &&
	    !(argc == 5 && strcmp(argv[3], "--origin") == 0))
		return cli_fail(CLI_USAGE, "usage: courtsync log export DIR"
		    " [--origin PATH]");
	if (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "export") != 0 &&
	    argc != 2)
		return cli_fail(CLI_USAGE, "log %s takes no arguments", argv[1]);
	if ((rc = open_court(&c)) != CLI_OK)
		return rc;
	if (strcmp(argv[1], "show") == 0) {
		rc = log_show(&c, argc, argv);
	} else if (strcmp(argv[1], "root") == 0) {
		if (court_root(&c, &size, root, err, sizeof(err)) == -1) {
			rc = cli_fail(CLI_SYSTEM, "%s", err);
		} else {
			crypto_hex(root, CS_HASH_LEN, hex);
			crypto_base64_encode(root, CS_HASH_LEN, b64, sizeof(b64));
			printf("origin courtsync/%s\nsize %llu\nroot %s\n"
			    "root_base64 %s\n", c.cfg.path,
			    (unsigned long long)size, hex, b64);
		}
	} else if (strcmp(argv[1], "checkpoint") == 0) {
		if (court_checkpoint(&c, &size, note, sizeof(note), err,
		    sizeof(err)) == -1)
			rc = cli_fail(CLI_SYSTEM, "log checkpoint: %s", err);
		else
			fputs(note, stdout);
	} else {
		struct registry reg;
		bool have = false;
		const char *origin = argc == 5 ? argv[4] : NULL;

		if (load_registry(&c, &reg, &have, err, sizeof(err)) == -1)
			rc = cli_fail(CLI_SYSTEM, "log export: %s", err);
		else if (court_export(&c, have ? &reg : NULL, origin, argv[2], &n,
		    err, sizeof(err)) == -1)
			rc = cli_fail(CLI_SYSTEM, "log export: %s", err);
		else
			printf("exported %llu entries of %s to %s\n",
			    (unsigned long long)n, origin != NULL ? origin :
			    c.cfg.path, argv[2]);
		if (have)
			registry_free(&reg);
	}
	court_close(&c);
	return rc;
}

/* ---- rebuild ---- */

static int
cmd_rebuild(int argc, char **argv)
{
	struct court c;
	uint8_t before[CS_HASH_LEN], after[CS_HASH_LEN];
	char err[1024], hb[2 * CS_HASH_LEN + 1], ha[2 * CS_HASH_LEN + 1];
	struct registry reg;
	bool check = false, have_reg = false;
	int rc, r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check") == 0)
			check = true;
		else if (is_help(argv[i])) {
			printf("usage: courtsync [-C HOME] rebuild [--check]\n"
			    "Re-derives every table from the log and compares"
			    " digests of the derived\nstate before and after."
			    " --check changes nothing.\n");
			return CLI_OK;
		} else
			return cli_fail(CLI_USAGE, "rebuild: unknown argument %s",
			    argv[i]);
	}
	if ((rc = open_court(&c)) != CLI_OK)
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

/* ---- report ---- */

/* The registry for court names, if this node has one (a node made by
 * `init` alone has none: then only its own name is known). */
static bool
load_names(struct court *c, struct registry *reg)
{
	char file[CONFIG_PATH_MAX + 32], sig[CONFIG_PATH_MAX + 32];
	char ca[CONFIG_PATH_MAX + 32], err[1024];

	memset(reg, 0, sizeof(*reg));
	if (c->cfg.registry[0] == '\0')
		return false;
	config_file(c->home, c->cfg.registry, file, sizeof(file));
	config_file(c->home, c->cfg.registry_sig, sig, sizeof(sig));
	config_file(c->home, c->cfg.ca, ca, sizeof(ca));
	if (access(file, R_OK) == -1)
		return false;
	if (registry_load(reg, file, c->cfg.registry_sig[0] != '\0' ? sig : NULL,
	    c->cfg.registry_sig[0] != '\0' ? ca : NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "courtsync: report: registry not used: %s\n", err);
		return false;
	}
	return true;
}

static int
cmd_report(int argc, char **argv)
{
	static const char *const keys[][2] = {
		{ "as-of", "as_of" }, { "from", "from" }, { "to", "to" },
		{ "scope", "scope" }, { "types", "types" },
		{ "rule", NULL }, { "court", NULL }, { "offset", NULL },
		{ "limit", NULL },
	};
	enum { K_RULE = 5, K_COURT, K_OFFSET, K_LIMIT };
	const char *vals[9] = { NULL };
	struct report_list list = { NULL, NULL, 0, RENDER_PAGE };
	unsigned what = REPORT_INDICATORS | REPORT_WARNINGS | REPORT_INTEGRITY;
	struct view_query q;
	struct render_names names;
	struct registry reg;
	struct report r;
	struct court c;
	struct buf out;
	char err[1024];
	bool json = false, recompute = false, have_reg;
	int rc, m;
	uint64_t now;

	for (int i = 1; i < argc; i++) {
		size_t k;

		if (strcmp(argv[i], "--json") == 0) {
			json = true;
			continue;
		}
		if (strcmp(argv[i], "--recompute") == 0) {
			recompute = true;
			continue;
		}
		if (is_help(argv[i])) {
			printf("usage: courtsync [-C HOME] report [--as-of DATE]"
			    " [--from DATE --to DATE]\n       [--scope PATH]"
			    " [--types 执,执恢] [--json] [--recompute]\n"
			    "       [--rule ID] [--court PATH] [--offset N]"
			    " [--limit N]\nThe"
			    " seven indicators per court, per level and in"
			    " total; the warnings\nper rule and state and the"
			    " %d most overdue; numbering issues and\nback-filled"
			    " events.  The same numbers as the dashboard and"
			    " /metrics.\n--as-of alone sets the period to its"
			    " half-year.  --recompute computes\neverything from"
			    " every case and event instead of the maintained"
			    " view\nstate (the test oracle: the output is the"
			    " same, only slower).\n--rule ID, --court PATH,"
			    " --offset N, --limit N (default %d, at most %d):\n"
			    "also a page of the warnings list, most urgent"
			    " first (in --json: \"list\").\n", RENDER_TOP,
			    RENDER_PAGE, RENDER_LIST_MAX);
			return CLI_OK;
		}
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if ((m = cli_opt(argc, argv, &i, keys[k][0], &vals[k])) != 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return cli_fail(CLI_USAGE, "report: unknown argument %s",
			    argv[i]);
		if (m == -1)
			return cli_fail(CLI_USAGE, "report: --%s needs a value",
			    keys[k][0]);
	}
	if ((rc = open_court(&c)) != CLI_OK)
		return rc;
	views_query_init(&q, c.cfg.path);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (vals[k] != NULL && keys[k][1] != NULL &&
		    render_query_set(&q, c.cfg.path, keys[k][1], vals[k], err,
		    sizeof(err)) == -1) {
			court_close(&c);
			return cli_fail(CLI_USAGE, "report: %s", err);
		}
	/* A page of the warnings list, most urgent first. */
	for (size_t k = K_RULE; k <= K_LIMIT; k++) {
		unsigned long long n;
		char *end;

		if (vals[k] == NULL)
			continue;
		what |= REPORT_LIST;
		if (k == K_RULE) {
			list.rule = vals[k];
			continue;
		}
		if (k == K_COURT) {
			if (!court_path_valid(vals[k]) ||
			    !court_path_covers(q.scope, vals[k])) {
				court_close(&c);
				return cli_fail(CLI_USAGE, "report: --court %s is"
				    " not a court path within %s", vals[k],
				    q.scope);
			}
			list.court = vals[k];
			continue;
		}
		errno = 0;
		n = strtoull(vals[k], &end, 10);
		if (vals[k][0] < '0' || vals[k][0] > '9' || *end != '\0' ||
		    errno != 0 || n > (k == K_LIMIT ? RENDER_LIST_MAX : 1000000000) ||
		    (k == K_LIMIT && n == 0)) {
			court_close(&c);
			return cli_fail(CLI_USAGE, "report: --%s \"%s\" is not a"
			    " whole number %s", keys[k][0], vals[k], k == K_LIMIT ?
			    "1–1000" : "0–1000000000");
		}
		if (k == K_LIMIT)
			list.limit = (size_t)n;
		else
			list.offset = (size_t)n;
	}
	if (render_query_check(&q, err, sizeof(err)) == -1) {
		court_close(&c);
		return cli_fail(CLI_USAGE, "report: %s", err);
	}
	q.recompute = recompute;
	if (clock_now(&now, err, sizeof(err)) == -1) {
		court_close(&c);
		return cli_fail(CLI_USAGE, "report: %s", err);
	}
	have_reg = load_names(&c, &reg);
	names.reg = have_reg ? &reg : NULL;
	names.self_path = c.cfg.path;
	names.self_name = c.cfg.name;
	buf_init(&out, 0);
	if (render_report_load(&r, &c.st, &q, &names, now, what, &list, err,
	    sizeof(err)) == -1)
		rc = cli_fail(CLI_SYSTEM, "report: %s", err);
	else if ((json ? render_json_report(&out, &r) :
	    render_text(&out, &r)) == -1)
		rc = cli_fail(CLI_SYSTEM, "report: out of memory");
	else
		fwrite(out.p, 1, out.len, stdout);
	render_report_free(&r);
	buf_free(&out);
	if (have_reg)
		registry_free(&reg);
	court_close(&c);
	return rc;
}

/* ---- sync ---- */

static int
cmd_serve(int argc, char **argv)
{
	struct court c;
	struct registry reg;
	char err[1024];
	bool check = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check") == 0)
			check = true;
		else if (is_help(argv[i])) {
			printf("usage: courtsync [-C HOME] serve [--check]\n"
			    "Runs the node: the HTTPS server for the courts"
			    " below (if listen is set)\nand the push loop to"
			    " the parent (if parent_url is set).  --check"
			    " only\nvalidates the configuration, keys,"
			    " certificates and registry.\n");
			return CLI_OK;
		} else
			return cli_fail(CLI_USAGE, "serve: unknown argument %s",
			    argv[i]);
	}
	if (check) {
		if ((rc = open_court(&c)) != CLI_OK)
			return rc;
		if (serve_check(home, &c, &reg, err, sizeof(err)) == -1) {
			court_close(&c);
			return cli_fail(CLI_REFUSED, "serve --check: %s", err);
		}
		printf("configuration OK: %s (%s), listen %s, parent %s,"
		    " registry of %zu courts\n", c.cfg.path, c.cfg.name,
		    c.cfg.listen[0] ? c.cfg.listen : "(none)",
		    c.cfg.parent_url[0] ? c.cfg.parent_url : "(none)", reg.n);
		registry_free(&reg);
		court_close(&c);
		return CLI_OK;
	}
	if (serve_run(home, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "serve: %s", err);
	return CLI_OK;
}

static int
cmd_push(int argc, char **argv)
{
	struct relay_stats st;
	char err[1024];

	if (argc > 1) {
		if (is_help(argv[1])) {
			printf("usage: courtsync [-C HOME] push\nPushes every"
			    " log this node holds to its parent until the"
			    " parent\nholds all of it, and reports.\n");
			return CLI_OK;
		}
		return cli_fail(CLI_USAGE, "push: unexpected argument %s", argv[1]);
	}
	if (serve_push_once(home, &st, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "push: %s", err);
	printf("pushed %llu entries in %llu batches (%llu logs held)\n",
	    (unsigned long long)st.entries, (unsigned long long)st.batches,
	    (unsigned long long)st.logs);
	if (st.evidence > 0)
		printf("relayed %llu items of equivocation evidence\n",
		    (unsigned long long)st.evidence);
	if (st.refused)
		return cli_fail(CLI_REFUSED, "push refused: %s", st.last_error);
	return CLI_OK;
}

const char *
cli_home(void)
{
	return home;
}

int
cli_main(int argc, char **argv)
{
	const char *cmd;
	int i = 1, t;

	home = getenv("COURTSYNC_HOME");
	if (home == NULL || *home == '\0')
		home = DEFAULT_HOME;
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-C") == 0 && i + 1 < argc) {
			home = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "-C", 2) == 0 && argv[i][2] != '\0') {
			home = argv[i] + 2;
			i++;
		} else if (is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("courtsync %s\n", VERSION);
			return CLI_OK;
		} else {
			usage(stderr);
			return cli_fail(CLI_USAGE, "unknown option %s", argv[i]);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	cmd = argv[i];
	argc -= i;
	argv += i;
	if (strcmp(cmd, "init") == 0)
		return cmd_init(argc, argv);
	if (strcmp(cmd, "import") == 0)
		return cmd_import(argc, argv);
	if (strcmp(cmd, "cases") == 0)
		return cmd_cases(argc, argv);
	if (strcmp(cmd, "case") == 0)
		return cmd_case(argc, argv);
	if (strcmp(cmd, "log") == 0)
		return cmd_log(argc, argv);
	if (strcmp(cmd, "rebuild") == 0)
		return cmd_rebuild(argc, argv);
	if (strcmp(cmd, "report") == 0)
		return cmd_report(argc, argv);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc, argv);
	if (strcmp(cmd, "prove") == 0)
		return cmd_prove(home, argc, argv);
	if (strcmp(cmd, "audit") == 0)
		return cmd_audit(argc, argv);
	if (strcmp(cmd, "digest") == 0)
		return cmd_digest(argc, argv);
	if (strcmp(cmd, "push") == 0)
		return cmd_push(argc, argv);
	if (strcmp(cmd, "witness") == 0)
		return cmd_witness(argc, argv);
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if ((t = event_type_by_command(cmd)) != -1)
		return cmd_event((enum event_type)t, argc, argv);
	usage(stderr);
	return cli_fail(CLI_USAGE, "unknown command \"%s\"", cmd);
}
