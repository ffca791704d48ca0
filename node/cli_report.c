/*
 * cli_report.c — the commands that read a court's state: cases, case and
 * report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "courtsync/json.h"
#include "court.h"
#include "render.h"
#include "cli.h"

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
	json_put_str(b, k, strlen(k));
	buf_append(b, ":", 1);
	if (v == NULL)
		buf_append(b, "null", 4);
	else
		json_put_str(b, v, strlen(v));
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

static const struct cli_option cases_opts[] = {
	{ "json", false }, { "open", false }, { "closed", false },
	{ NULL, false }
};
static const struct cli_spec cases_spec = { "cases",
	"usage: courtsync [-C HOME] cases [--open|--closed] [--json]\n",
	NULL, cases_opts, 0, 0 };

int
cmd_cases(int argc, char **argv)
{
	struct lister l = { 0 };
	struct court c;
	char q[512], err[1024], logid[32];
	const char *where = "", *v[3];
	const char *args[1];
	int rc;

	if ((rc = cli_parse(&cases_spec, argc, argv, v, NULL)) != CLI_OK)
		return cli_done(rc);
	l.json = v[0] != NULL;
	if (v[1] != NULL)
		where = " AND closed IS NULL";
	if (v[2] != NULL)
		where = " AND closed IS NOT NULL";
	if ((rc = cli_open_views(&c)) != CLI_OK)
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

int
cli_body_json(struct buf *b, const struct entry *e)
{
	struct codec_doc d = { 0 };
	struct codec_value v;
	char err[256];
	int rc;

	if (codec_decode(&d, e->body, e->bodylen, &v, err, sizeof(err)) == -1)
		rc = buf_printf(b, "null");
	else
		rc = json_put_value(b, &v);
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
		cli_body_json(&l->out, &e);
		buf_append(&l->out, "}", 1);
	} else {
		buf_printf(&l->out, "%6llu  %-10s  %-20s  %-21s ",
		    (unsigned long long)idx, nz(v[2]), when, e.type);
		cli_body_json(&l->out, &e);
		if (v[4] != NULL)
			buf_printf(&l->out, "  [corrected by entry %s]", v[4]);
		buf_append(&l->out, "\n", 1);
	}
	fwrite(l->out.p, 1, l->out.len, stdout);
	l->rows++;
	return 0;
}

static const struct cli_option case_opts[] = {
	{ "json", false }, { NULL, false }
};
static const struct cli_spec case_spec = { "case",
	"usage: courtsync [-C HOME] case CASE_NO [--json]\n", NULL, case_opts,
	1, 0 };

int
cmd_case(int argc, char **argv)
{
	struct lister l = { 0 };
	struct case_no cn;
	struct court c;
	char cno[CS_CASE_MAX], err[1024], logid[32];
	const char *args[2], *want, *v[1];
	int rc;

	if ((rc = cli_parse(&case_spec, argc, argv, v, &want)) != CLI_OK)
		return cli_done(rc);
	l.json = v[0] != NULL;
	if (want == NULL)
		return cli_fail(CLI_USAGE, "case: which case number?");
	if (case_no_parse(want, &cn, err, sizeof(err)) == -1)
		return cli_fail(CLI_REFUSED, "case: %s", err);
	case_no_format(&cn, cno, sizeof(cno));
	if ((rc = cli_open_views(&c)) != CLI_OK)
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

/* The options of report; the first five are view_query keys. */
static const struct cli_option report_opts[] = {
	{ "as-of", true }, { "from", true }, { "to", true }, { "scope", true },
	{ "types", true }, { "rule", true }, { "court", true },
	{ "offset", true }, { "limit", true }, { "json", false },
	{ "recompute", false }, { NULL, false }
};
enum { K_RULE = 5, K_COURT, K_OFFSET, K_LIMIT, K_JSON, K_RECOMPUTE, K_N };
static const char *const query_keys[] = { "as_of", "from", "to", "scope",
    "types" };

static void
report_help(void)
{
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
}

static const struct cli_spec report_spec = { "report", NULL, report_help,
	report_opts, 0, 0 };

/* The page of the warnings list the options ask for (--rule, --court,
 * --offset, --limit): CLI_OK, or CLI_USAGE reported. */
static int
report_list_opts(const char **vals, const struct view_query *q,
    struct report_list *list, unsigned *what)
{
	for (size_t k = K_RULE; k <= K_LIMIT; k++) {
		unsigned long long n;
		char *end;

		if (vals[k] == NULL)
			continue;
		*what |= REPORT_LIST;
		if (k == K_RULE) {
			list->rule = vals[k];
			continue;
		}
		if (k == K_COURT) {
			if (!court_path_valid(vals[k]) ||
			    !court_path_covers(q->scope, vals[k]))
				return cli_fail(CLI_USAGE, "report: --court %s is"
				    " not a court path within %s", vals[k],
				    q->scope);
			list->court = vals[k];
			continue;
		}
		errno = 0;
		n = strtoull(vals[k], &end, 10);
		if (vals[k][0] < '0' || vals[k][0] > '9' || *end != '\0' ||
		    errno != 0 || n > (k == K_LIMIT ? RENDER_LIST_MAX : 1000000000) ||
		    (k == K_LIMIT && n == 0))
			return cli_fail(CLI_USAGE, "report: --%s \"%s\" is not a"
			    " whole number %s", report_opts[k].name, vals[k],
			    k == K_LIMIT ? "1–1000" : "0–1000000000");
		if (k == K_LIMIT)
			list->limit = (size_t)n;
		else
			list->offset = (size_t)n;
	}
	return CLI_OK;
}

/* The view query and the list page of the options, for the court c. */
static int
report_query(struct court *c, const char **vals, struct view_query *q,
    struct report_list *list, unsigned *what)
{
	char err[CS_ERR_MAX];
	int rc;

	views_query_init(q, c->cfg.path);
	for (size_t k = 0; k < K_RULE; k++)
		if (vals[k] != NULL && render_query_set(q, c->cfg.path,
		    query_keys[k], vals[k], err, sizeof(err)) == -1)
			return cli_fail(CLI_USAGE, "report: %s", err);
	if ((rc = report_list_opts(vals, q, list, what)) != CLI_OK)
		return rc;
	if (render_query_check(q, err, sizeof(err)) == -1)
		return cli_fail(CLI_USAGE, "report: %s", err);
	q->recompute = vals[K_RECOMPUTE] != NULL;
	return CLI_OK;
}

int
cmd_report(int argc, char **argv)
{
	const char *vals[K_N];
	struct report_list list = { NULL, NULL, 0, RENDER_PAGE };
	unsigned what = REPORT_INDICATORS | REPORT_WARNINGS | REPORT_INTEGRITY;
	struct view_query q;
	struct render_names names;
	struct registry reg;
	struct report r;
	struct court c;
	struct buf out;
	char err[CS_ERR_MAX];
	bool json, have_reg;
	int rc;
	uint64_t now;

	if ((rc = cli_parse(&report_spec, argc, argv, vals, NULL)) != CLI_OK)
		return cli_done(rc);
	json = vals[K_JSON] != NULL;
	if ((rc = cli_open_views(&c)) != CLI_OK)
		return rc;
	if ((rc = report_query(&c, vals, &q, &list, &what)) != CLI_OK) {
		court_close(&c);
		return rc;
	}
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

