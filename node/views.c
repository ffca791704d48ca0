/*
 * views.c — the query layer behind every view (see views.h; the rules and
 * formulas are normative in docs/VIEWS.md).
 *
 * Each view is a few set-based queries over the derived tables (through
 * store_query, so this file never sees SQLite) and a pass in C: dates are
 * day numbers (date_days), calendar months are added with clamping
 * (add_months).  Nothing is cached between calls; nothing is written.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "courtsync/court.h"
#include "courtsync/views.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define COL(i) ((i) < ncol && cols[(i)] != NULL ? cols[(i)] : "")
#define NONE INT64_MIN			/* "no date" as a day number */

/* The subtree of ?1 ("" = every log held), for a query aliasing logs as l.
 * Queries put logs first with CROSS JOIN (SQLite keeps that order): the
 * scope's logs, then each log's rows by primary key, never a scan of the
 * rows of courts out of scope. */
#define SCOPE_SQL "(?1 = '' OR l.origin = ?1 OR" \
	" substr(l.origin, 1, length(?1) + 1) = ?1 || '/')"
/* The 口径: case type c.type in the comma list ?3. */
#define TYPES_SQL "instr(',' || ?3 || ',', ',' || c.type || ',') > 0"

#define DEFAULT_TYPES	"执,执恢"
#define PERIODIC_YEARS	5		/* 终本规定 §9 */

/* ---- dates ---- */

static int
days_in_month(int64_t y, int64_t m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* The day `months` calendar months after a valid date, the day of month
 * clamped to the target month (08-31 + 6 months = 02-28 or 02-29). */
static int64_t
add_months(const char *date, int64_t months)
{
	int64_t y = atoi(date), m = atoi(date + 5), d = atoi(date + 8);
	int64_t t = y * 12 + (m - 1) + months;
	int64_t ny = t >= 0 ? t / 12 : -((-t + 11) / 12);
	int64_t nm = t - ny * 12 + 1;
	char out[16];

	if (d > days_in_month(ny, nm))
		d = days_in_month(ny, nm);
	snprintf(out, sizeof(out), "%04d-%02d-%02d", (int)ny, (int)nm, (int)d);
	return date_days(out);
}

static int64_t
add_months_d(int64_t day, int64_t months)
{
	char s[11];

	date_from_days(day, s);
	return add_months(s, months);
}

/* A column holding a date: its day number, or NONE. */
static int64_t
col_day(const char *s)
{
	return date_valid(s) ? date_days(s) : NONE;
}

/* The CST (UTC+8) day of Unix time t. */
static int64_t
cst_day(uint64_t t)
{
	return (int64_t)((t + 8 * 3600) / 86400);
}

/* Copies text into dst of cap bytes, cut at a UTF-8 character boundary
 * when it does not fit (free text ends up in JSON and HTML). */
static void
text_copy(char *dst, const char *src, size_t cap)
{
	size_t n = cs_strlcpy(dst, src, cap);

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;	/* src[n] continues a character cut short */
		dst[n] = '\0';
	}
}

/* ---- rules ---- */

enum rule_ix {
	R_ASSIGN, R_NOTICE, R_REPORT, R_ONLINE, R_INVEST, R_VALUATION,
	R_SEIZURE, R_PAYOUT, R_TIME, R_TIME_NONLIT, R_ZHONGBEN, R_PERIODIC,
	R_OPEN12,
	R_COUNT
};

/* DOMAIN.md's defaults, in display order.  `days` is the rule's period:
 * days, or calendar months for the month rules (docs/VIEWS.md). */
static const struct rule rule_defaults[R_COUNT] = {
	[R_ASSIGN] = { "assign_handler", "确定承办人", 7, 3, true },
	[R_NOTICE] = { "notice", "执行通知书", 10, 3, true },
	[R_REPORT] = { "report_order", "报告财产令", 10, 3, true },
	[R_ONLINE] = { "online_search", "首次网络查控", 3, 3, true },
	[R_INVEST] = { "investigation", "财产调查", 30, 3, true },
	[R_VALUATION] = { "valuation", "评估询价", 30, 3, true },
	[R_SEIZURE] = { "seizure_renewal", "查封续封", 0, 30, true },
	[R_PAYOUT] = { "payout", "案款发放", 30, 3, true },
	[R_TIME] = { "time_limit", "审限", 6, 15, true },
	[R_TIME_NONLIT] = { "time_limit_nonlit", "审限（非诉）", 3, 15, true },
	[R_ZHONGBEN] = { "zhongben_conditions", "终本条件", 3, 0, true },
	[R_PERIODIC] = { "periodic_search", "终本后定期查控", 6, 15, true },
	[R_OPEN12] = { "open_12_months", "超12个月未结", 12, 15, true },
};

/* Changes made by views_rule_set while the store has no write for the
 * rules table: process-wide, applied over the table's rows. */
static pthread_mutex_t rule_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	bool	days, due_soon, enabled;
	struct rule r;
} rule_over[R_COUNT];

static int
rule_index(const char *id)
{
	for (int i = 0; i < R_COUNT; i++)
		if (strcmp(rule_defaults[i].id, id) == 0)
			return i;
	return -1;
}

static int
rules_row(void *arg, int ncol, const char *const *cols)
{
	struct rule *r = arg;
	int i = rule_index(COL(0));

	if (i < 0 || ncol < 5)
		return 0;		/* a rule this version does not know */
	if (COL(1)[0] != '\0')
		cs_strlcpy(r[i].zh, COL(1), sizeof(r[i].zh));
	r[i].days = atoi(COL(2));
	r[i].due_soon = atoi(COL(3));
	r[i].enabled = atoi(COL(4)) != 0;
	return 0;
}

/* The rules in force, indexed by enum rule_ix. */
static int
rules_load(struct store *st, struct rule r[R_COUNT], char *err, size_t errlen)
{
	memcpy(r, rule_defaults, sizeof(rule_defaults));
	if (store_query(st, "SELECT id, zh, days, due_soon, enabled FROM rules"
	    " ORDER BY ord, id", NULL, 0, rules_row, r, err, errlen) == -1)
		return -1;
	pthread_mutex_lock(&rule_lock);
	for (int i = 0; i < R_COUNT; i++) {
		if (rule_over[i].days)
			r[i].days = rule_over[i].r.days;
		if (rule_over[i].due_soon)
			r[i].due_soon = rule_over[i].r.due_soon;
		if (rule_over[i].enabled)
			r[i].enabled = rule_over[i].r.enabled;
	}
	pthread_mutex_unlock(&rule_lock);
	return 0;
}

int
views_rules(struct store *st, struct rule **rules, size_t *n, char *err,
    size_t errlen)
{
	struct rule *r = malloc(sizeof(rule_defaults));

	*rules = NULL;
	*n = 0;
	if (r == NULL) {
		ERR("out of memory");
		return -1;
	}
	if (rules_load(st, r, err, errlen) == -1) {
		free(r);
		return -1;
	}
	*rules = r;
	*n = R_COUNT;
	return 0;
}

static int
parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

int
views_rule_set(struct store *st, const char *id, const char *field,
    const char *value, char *err, size_t errlen)
{
	int i = rule_index(id), v = 0;
	bool b = false;

	if (i < 0) {
		ERR("rule.%s: no such rule", id);
		return -1;
	}
	if (strcmp(field, "days") == 0) {
		if (parse_int(value, 0, 3650, &v) == -1) {
			ERR("rule.%s.days: \"%s\" is not a whole number 0–3650",
			    id, value);
			return -1;
		}
	} else if (strcmp(field, "due_soon") == 0) {
		if (parse_int(value, 0, 365, &v) == -1) {
			ERR("rule.%s.due_soon: \"%s\" is not a whole number"
			    " 0–365", id, value);
			return -1;
		}
	} else if (strcmp(field, "enabled") == 0) {
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 ||
		    strcmp(value, "1") == 0)
			b = true;
		else if (strcmp(value, "no") == 0 ||
		    strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
			b = false;
		else {
			ERR("rule.%s.enabled: \"%s\" is not yes or no", id, value);
			return -1;
		}
	} else {
		ERR("rule.%s.%s: no such setting (days, due_soon, enabled)", id,
		    field);
		return -1;
	}
#ifdef STORE_HAVE_EXEC
	{
		struct rule r[R_COUNT];
		char sd[16], ss[16], se[16], so[16];
		const char *args[6];

		if (rules_load(st, r, err, errlen) == -1)
			return -1;
		if (field[0] == 'd' && field[1] == 'a')
			r[i].days = v;
		else if (field[0] == 'd')
			r[i].due_soon = v;
		else
			r[i].enabled = b;
		snprintf(sd, sizeof(sd), "%d", r[i].days);
		snprintf(ss, sizeof(ss), "%d", r[i].due_soon);
		snprintf(se, sizeof(se), "%d", r[i].enabled ? 1 : 0);
		snprintf(so, sizeof(so), "%d", i);
		args[0] = r[i].id;
		args[1] = r[i].zh;
		args[2] = sd;
		args[3] = ss;
		args[4] = se;
		args[5] = so;
		return store_exec(st, "INSERT OR REPLACE INTO rules(id, zh, days,"
		    " due_soon, enabled, ord) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		    args, 6, err, errlen);
	}
#else
	(void)st;
	pthread_mutex_lock(&rule_lock);
	if (strcmp(field, "days") == 0) {
		rule_over[i].days = true;
		rule_over[i].r.days = v;
	} else if (strcmp(field, "due_soon") == 0) {
		rule_over[i].due_soon = true;
		rule_over[i].r.due_soon = v;
	} else {
		rule_over[i].enabled = true;
		rule_over[i].r.enabled = b;
	}
	pthread_mutex_unlock(&rule_lock);
	return 0;
#endif
}

/* ---- the query ---- */

void
views_query_init(struct view_query *q, const char *court)
{
	uint64_t t;
	char day[11];
	bool h1;

	memset(q, 0, sizeof(*q));
	cs_strlcpy(q->scope, court != NULL ? court : "", sizeof(q->scope));
	if (court_now(&t, NULL, 0) == -1)
		t = (uint64_t)time(NULL);
	date_from_days(cst_day(t), day);
	cs_strlcpy(q->as_of, day, sizeof(q->as_of));
	/* The half-year containing as_of: same year, fixed month-days. */
	h1 = atoi(day + 5) <= 6;
	memcpy(q->from, day, 5);
	memcpy(q->to, day, 5);
	memcpy(q->from + 5, h1 ? "01-01" : "07-01", 6);
	memcpy(q->to + 5, h1 ? "06-30" : "12-31", 6);
	cs_strlcpy(q->types, DEFAULT_TYPES, sizeof(q->types));
}

/* The 口径 as a comma list without blanks ("" = the default); full-width
 * commas and 、 are accepted as separators. */
static void
types_norm(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = in; *p != '\0' && n + 1 < cap;) {
		if (*p == ' ' || *p == '\t') {
			p++;
		} else if (strncmp(p, "，", 3) == 0 || strncmp(p, "、", 3) == 0) {
			out[n++] = ',';
			p += 3;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	if (n == 0)
		cs_strlcpy(out, DEFAULT_TYPES, cap);
}

static int
check_query(const struct view_query *q, bool period, char *err, size_t errlen)
{
	if (!date_valid(q->as_of)) {
		ERR("as-of date \"%s\" is not a date (YYYY-MM-DD)", q->as_of);
		return -1;
	}
	if (period && (!date_valid(q->from) || !date_valid(q->to))) {
		ERR("period %s..%s: not dates (YYYY-MM-DD)", q->from, q->to);
		return -1;
	}
	if (period && strcmp(q->from, q->to) > 0) {
		ERR("period %s..%s: the start is after the end", q->from, q->to);
		return -1;
	}
	return 0;
}

/* ---- the courts in scope ---- */

struct vlog {
	int64_t		id;
	char		origin[CS_ORIGIN_MAX];
	int		level;		/* path segments */
};

struct idpos {
	int64_t		id;
	size_t		pos;		/* in scope.v */
};

struct scope {
	struct vlog	*v;		/* by origin */
	size_t		 n, cap;
	struct idpos	*by_id;		/* sorted by id */
	bool		 oom;
};

static int
scope_row(void *arg, int ncol, const char *const *cols)
{
	struct scope *s = arg;
	struct vlog *l;

	if (s->n == s->cap) {
		size_t cap = s->cap != 0 ? s->cap * 2 : 16;
		struct vlog *v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL) {
			s->oom = true;
			return 1;
		}
		s->v = v;
		s->cap = cap;
	}
	l = &s->v[s->n++];
	l->id = strtoll(COL(0), NULL, 10);
	cs_strlcpy(l->origin, COL(1), sizeof(l->origin));
	l->level = l->origin[0] != '\0';
	for (const char *p = l->origin; *p != '\0'; p++)
		l->level += *p == '/';
	return 0;
}

static int
idpos_cmp(const void *a, const void *b)
{
	int64_t x = ((const struct idpos *)a)->id;
	int64_t y = ((const struct idpos *)b)->id;

	return (x > y) - (x < y);
}

static void
scope_free(struct scope *s)
{
	free(s->v);
	free(s->by_id);
	memset(s, 0, sizeof(*s));
}

/* The logs of the subtree `scope` ("" = every log held), by origin: only
 * logs with entries, so that a court whose log is still empty (and so
 * was never pushed upward) is absent at every level alike. */
static int
scope_load(struct store *st, const char *scope, struct scope *s, char *err,
    size_t errlen)
{
	const char *args[1] = { scope };

	memset(s, 0, sizeof(*s));
	if (store_query(st, "SELECT l.id, l.origin FROM logs l WHERE " SCOPE_SQL
	    " AND EXISTS (SELECT 1 FROM entries e WHERE e.log = l.id)"
	    " ORDER BY l.origin", args, 1, scope_row, s, err, errlen) == -1)
		goto fail;
	if (s->oom || (s->by_id = calloc(s->n + 1, sizeof(*s->by_id))) == NULL) {
		ERR("out of memory");
		goto fail;
	}
	for (size_t i = 0; i < s->n; i++) {
		s->by_id[i].id = s->v[i].id;
		s->by_id[i].pos = i;
	}
	if (s->n > 0)
		qsort(s->by_id, s->n, sizeof(*s->by_id), idpos_cmp);
	return 0;
fail:
	scope_free(s);
	return -1;
}

/* The position (by origin) of log id, or -1. */
static long
scope_find(const struct scope *s, int64_t id)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t v = s->by_id[mid].id;
		if (v == id)
			return (long)s->by_id[mid].pos;
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* ---- warnings ---- */

/* A warning found, compact (the struct warning is built per callback). */
#define DETAIL_MAX	128

struct witem {
	long			court;		/* position in the scope */
	int			ord;		/* rule order (enum rule_ix) */
	int			year;
	char			type[16];
	uint32_t		seq;
	char			case_no[CS_CASE_MAX];
	enum warning_state	state;
	int64_t			deadline;	/* day number */
	int			days;
	char			detail[DETAIL_MAX];
};

struct ack {
	int64_t		log;
	char		case_no[CS_CASE_MAX];
	char		rule[RULE_ID_MAX];
	char		date[11];
	char		by[128];
	char		note[256];
};

struct wctx {
	const struct scope	*sc;
	struct rule		 r[R_COUNT];
	int64_t			 as_of;
	struct witem		*v;
	size_t			 n, cap;
	struct ack		*acks;
	size_t			 nacks, capacks;
	bool			 oom;
	/* the payout pass: the case being read */
	int64_t			 pay_log;
	char			 pay_case[CS_CASE_MAX];
	int			 pay_year;
	char			 pay_type[16];
	uint32_t		 pay_seq;
	struct arrival {
		int64_t		date, settled;
		uint64_t	idx, left;
	}			*arr;
	size_t			 narr, caparr;
};

/* The case a warning is about. */
struct wcase {
	int64_t		log;
	const char	*case_no;
	int		year;
	const char	*type;
	uint32_t	seq;
};

static void
wcase_from_row(struct wcase *k, int ncol, const char *const *cols)
{
	k->log = strtoll(COL(0), NULL, 10);
	k->case_no = COL(1);
	k->year = atoi(COL(2));
	k->type = COL(3);
	k->seq = (uint32_t)strtoul(COL(4), NULL, 10);
}

/*
 * Decides one rule for one case: deadline `deadline`, the node done on day
 * `done` (NONE: not done by as_of).  Done in time: nothing.  Done late:
 * overdue by done − deadline.  Not done: overdue by as_of − deadline once
 * as_of is past the deadline, due soon when deadline − as_of ≤ due_soon.
 * Returns true and fills state/days when it warns.
 */
static bool
rule_decide(const struct rule *r, int64_t as_of, int64_t deadline,
    int64_t done, enum warning_state *state, int64_t *days)
{
	if (done != NONE) {
		if (done <= deadline)
			return false;
		*state = WARN_OVERDUE;
		*days = done - deadline;
		return true;
	}
	if (as_of > deadline) {
		*state = WARN_OVERDUE;
		*days = as_of - deadline;
		return true;
	}
	if (deadline - as_of <= r->due_soon) {
		*state = WARN_DUE_SOON;
		*days = deadline - as_of;
		return true;
	}
	return false;
}

static void
wpush(struct wctx *x, const struct wcase *k, int rix, enum warning_state state,
    int64_t deadline, int64_t days, const char *detail)
{
	struct witem *it;
	long pos = scope_find(x->sc, k->log);

	if (pos < 0)
		return;
	if (x->n == x->cap) {
		size_t cap = x->cap != 0 ? x->cap * 2 : 64;
		struct witem *v = realloc(x->v, cap * sizeof(*v));
		if (v == NULL) {
			x->oom = true;
			return;
		}
		x->v = v;
		x->cap = cap;
	}
	it = &x->v[x->n++];
	memset(it, 0, sizeof(*it));
	cs_strlcpy(it->case_no, k->case_no, sizeof(it->case_no));
	it->state = state;
	it->deadline = deadline;
	it->days = days > INT32_MAX ? INT32_MAX : (int)days;
	it->court = pos;
	it->ord = rix;
	it->year = k->year;
	cs_strlcpy(it->type, k->type, sizeof(it->type));
	it->seq = k->seq;
	cs_strlcpy(it->detail, detail != NULL ? detail : "", sizeof(it->detail));
}

/* A node rule: deadline, done day; the detail names a late node's day. */
static void
node_rule(struct wctx *x, const struct wcase *k, int rix, int64_t deadline,
    int64_t done)
{
	enum warning_state state;
	int64_t days;
	char detail[64] = "", d[11];

	if (!x->r[rix].enabled)
		return;
	if (done != NONE && done > x->as_of)
		done = NONE;		/* not done yet as of as_of */
	if (!rule_decide(&x->r[rix], x->as_of, deadline, done, &state, &days))
		return;
	if (done != NONE) {
		date_from_days(done, d);
		snprintf(detail, sizeof(detail), "done %s", d);
	}
	wpush(x, k, rix, state, deadline, days, detail);
}

/* The warnings query's columns (after the five of wcase). */
enum {
	WC_FILED = 5, WC_NONLIT, WC_ASSIGNED, WC_CLOSED, WC_MODE, WC_EXT,
	WC_SUSP, WC_NOTICE, WC_REPORT, WC_ONLINE, WC_INVEST, WC_CONSUMPTION,
	WC_DEBTOR, WC_SEIZURE, WC_EXPIRES, WC_VALUATION, WC_PERIODIC_FIRST,
	WC_PERIODIC_LAST,
	WC_NCOL
};

#define NODE_MAX(n) "max(CASE WHEN n.node = '" n "' THEN n.first_date END)"

static const char warn_sql[] =
	"SELECT c.log, c.case_no, c.year, c.type, c.seq, c.filed,"
	" c.nonlitigation, c.assigned, c.closed, c.mode, c.ext_months,"
	" (SELECT total(julianday(CASE WHEN s.end = '' OR s.end > ?2 THEN ?2"
	"   ELSE s.end END) - julianday(s.start)) FROM suspensions s"
	"   WHERE s.log = c.log AND s.case_no = c.case_no AND s.start <= ?2),"
	" " NODE_MAX("notice") ", " NODE_MAX("report_order") ","
	" " NODE_MAX("online_search") ", " NODE_MAX("investigation_done") ","
	" " NODE_MAX("consumption_restriction") ", " NODE_MAX("debtor_search") ","
	" " NODE_MAX("seizure") ","
	" max(CASE WHEN n.node = 'seizure' THEN n.expires END),"
	" " NODE_MAX("valuation") ", " NODE_MAX("periodic_search") ","
	" max(CASE WHEN n.node = 'periodic_search' THEN n.last_date END)"
	" FROM logs l CROSS JOIN cases c ON c.log = l.id"
	" LEFT JOIN case_nodes n ON n.log = c.log AND n.case_no = c.case_no"
	" WHERE " SCOPE_SQL " AND " TYPES_SQL " AND c.filed <= ?2"
	" AND (c.closed IS NULL OR c.closed > ?2 OR c.mode = 'terminated_round')"
	" GROUP BY c.log, c.case_no";

static void
zhongben_rules(struct wctx *x, const struct wcase *k, int ncol,
    const char *const *cols, int64_t filed, int64_t closed)
{
	static const struct { int col; const char *token; } pre[] = {
		{ WC_NOTICE, "notice" },
		{ WC_REPORT, "report_order" },
		{ WC_CONSUMPTION, "consumption_restriction" },
		{ WC_INVEST, "investigation_done" },
		{ WC_DEBTOR, "debtor_search" },
	};
	char missing[256] = "", tok[32];
	size_t n = 0;
	enum warning_state state;
	int64_t days, last, base, deadline;

	if (x->r[R_ZHONGBEN].enabled) {
		for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
			int64_t d = col_day(COL(pre[i].col));
			if (d == NONE || d > closed)
				n += (size_t)snprintf(missing + n,
				    sizeof(missing) - n, "%s%s", n > 0 ? "," : "",
				    pre[i].token);
		}
		if (closed <= add_months_d(filed, x->r[R_ZHONGBEN].days)) {
			snprintf(tok, sizeof(tok), "within_%d_months",
			    x->r[R_ZHONGBEN].days);
			n += (size_t)snprintf(missing + n, sizeof(missing) - n,
			    "%s%s", n > 0 ? "," : "", tok);
		}
		if (n > 0)
			wpush(x, k, R_ZHONGBEN, WARN_OVERDUE, closed,
			    x->as_of - closed, missing);
	}
	if (!x->r[R_PERIODIC].enabled)
		return;
	/* The last search by as_of: case_nodes keeps the first and last. */
	last = col_day(COL(WC_PERIODIC_LAST));
	if (last == NONE || last > x->as_of)
		last = col_day(COL(WC_PERIODIC_FIRST));
	if (last != NONE && last > x->as_of)
		last = NONE;
	base = last != NONE && last > closed ? last : closed;
	deadline = add_months_d(base, x->r[R_PERIODIC].days);
	if (deadline > add_months_d(closed, 12 * PERIODIC_YEARS))
		return;
	if (rule_decide(&x->r[R_PERIODIC], x->as_of, deadline, NONE, &state,
	    &days)) {
		char d[11], detail[64];

		date_from_days(base, d);
		snprintf(detail, sizeof(detail), "%s %s",
		    base == closed ? "closed" : "last search", d);
		wpush(x, k, R_PERIODIC, state, deadline, days, detail);
	}
}

static int
warn_row(void *arg, int ncol, const char *const *cols)
{
	struct wctx *x = arg;
	struct wcase k;
	int64_t filed, closed, seizure, deadline, days, susp;
	enum warning_state state;
	int rt;

	if (ncol < WC_NCOL)
		return 1;
	wcase_from_row(&k, ncol, cols);
	filed = col_day(COL(WC_FILED));
	closed = col_day(COL(WC_CLOSED));
	if (filed == NONE)
		return 0;
	if (closed != NONE && closed <= x->as_of) {
		/* Closed by 终本 (the query keeps no other closed case). */
		zhongben_rules(x, &k, ncol, cols, filed, closed);
		return x->oom;
	}
	node_rule(x, &k, R_ASSIGN, filed + x->r[R_ASSIGN].days,
	    col_day(COL(WC_ASSIGNED)));
	node_rule(x, &k, R_NOTICE, filed + x->r[R_NOTICE].days,
	    col_day(COL(WC_NOTICE)));
	node_rule(x, &k, R_REPORT, filed + x->r[R_REPORT].days,
	    col_day(COL(WC_REPORT)));
	node_rule(x, &k, R_ONLINE, filed + x->r[R_ONLINE].days,
	    col_day(COL(WC_ONLINE)));
	node_rule(x, &k, R_INVEST, filed + x->r[R_INVEST].days,
	    col_day(COL(WC_INVEST)));
	seizure = col_day(COL(WC_SEIZURE));
	if (seizure != NONE && seizure <= x->as_of) {
		int64_t expires = col_day(COL(WC_EXPIRES));

		node_rule(x, &k, R_VALUATION,
		    seizure + x->r[R_VALUATION].days,
		    col_day(COL(WC_VALUATION)));
		if (expires != NONE && x->r[R_SEIZURE].enabled &&
		    rule_decide(&x->r[R_SEIZURE], x->as_of,
		    expires - x->r[R_SEIZURE].days, NONE, &state, &days)) {
			char detail[64];

			snprintf(detail, sizeof(detail), "expires %s",
			    COL(WC_EXPIRES));
			wpush(x, &k, R_SEIZURE, state,
			    expires - x->r[R_SEIZURE].days, days, detail);
		}
	}
	rt = atoi(COL(WC_NONLIT)) != 0 ? R_TIME_NONLIT : R_TIME;
	susp = (int64_t)(strtod(COL(WC_SUSP), NULL) + 0.5);
	deadline = add_months(COL(WC_FILED), (int64_t)x->r[rt].days +
	    strtoll(COL(WC_EXT), NULL, 10)) + susp;
	if (x->r[rt].enabled && rule_decide(&x->r[rt], x->as_of, deadline,
	    NONE, &state, &days)) {
		char detail[96];

		snprintf(detail, sizeof(detail), "%d months + %lld extension"
		    " months + %lld suspended days", x->r[rt].days,
		    strtoll(COL(WC_EXT), NULL, 10), (long long)susp);
		wpush(x, &k, rt, state, deadline, days, detail);
	}
	deadline = add_months(COL(WC_FILED), x->r[R_OPEN12].days);
	if (x->r[R_OPEN12].enabled && rule_decide(&x->r[R_OPEN12], x->as_of,
	    deadline, NONE, &state, &days))
		wpush(x, &k, R_OPEN12, state, deadline, days, "");
	return x->oom;
}

/* ---- payouts: FIFO over each open case's ledger ---- */

static const char pay_sql[] =
	"SELECT c.log, c.case_no, c.year, c.type, c.seq, g.date, g.direction,"
	" g.amount, g.idx"
	" FROM logs l CROSS JOIN ledger g ON g.log = l.id"
	" CROSS JOIN cases c ON c.log = g.log AND c.case_no = g.case_no"
	" WHERE " SCOPE_SQL " AND " TYPES_SQL " AND c.filed <= ?2"
	" AND (c.closed IS NULL OR c.closed > ?2) AND g.date <= ?2"
	" ORDER BY c.log, c.case_no, g.idx";

/* Decides the payout rule for the case read so far: one warning per case,
 * the arrival that is most overdue (else the one due soonest). */
static void
pay_finish(struct wctx *x)
{
	const struct rule *r = &x->r[R_PAYOUT];
	struct wcase k;
	enum warning_state state, bstate = WARN_DUE_SOON;
	int64_t days, bdays = 0, bdeadline = 0;
	const struct arrival *best = NULL;

	if (x->narr == 0 || !r->enabled) {
		x->narr = 0;
		return;
	}
	for (size_t i = 0; i < x->narr; i++) {
		const struct arrival *a = &x->arr[i];
		int64_t deadline = a->date + r->days;

		if (!rule_decide(r, x->as_of, deadline, a->left > 0 ? NONE :
		    a->settled, &state, &days))
			continue;
		if (best == NULL || (state == WARN_OVERDUE &&
		    (bstate != WARN_OVERDUE || days > bdays)) ||
		    (state == WARN_DUE_SOON && bstate == WARN_DUE_SOON &&
		    days < bdays)) {
			best = a;
			bstate = state;
			bdays = days;
			bdeadline = deadline;
		}
	}
	if (best != NULL) {
		char d[11], amt[32], detail[96];

		if (best->left > 0) {
			date_from_days(best->date, d);
			fen_format(best->left, amt, sizeof(amt));
			snprintf(detail, sizeof(detail), "%s yuan held since %s",
			    amt, d);
		} else {
			date_from_days(best->settled, d);
			snprintf(detail, sizeof(detail), "paid out %s", d);
		}
		k.log = x->pay_log;
		k.case_no = x->pay_case;
		k.year = x->pay_year;
		k.type = x->pay_type;
		k.seq = x->pay_seq;
		wpush(x, &k, R_PAYOUT, bstate, bdeadline, bdays, detail);
	}
	x->narr = 0;
}

static int
pay_row(void *arg, int ncol, const char *const *cols)
{
	struct wctx *x = arg;
	struct wcase k;
	int64_t date = col_day(COL(5));
	uint64_t amount = strtoull(COL(7), NULL, 10);
	uint64_t idx = strtoull(COL(8), NULL, 10);

	wcase_from_row(&k, ncol, cols);
	if (k.log != x->pay_log || strcmp(k.case_no, x->pay_case) != 0) {
		pay_finish(x);
		x->pay_log = k.log;
		cs_strlcpy(x->pay_case, k.case_no, sizeof(x->pay_case));
		x->pay_year = k.year;
		cs_strlcpy(x->pay_type, k.type, sizeof(x->pay_type));
		x->pay_seq = k.seq;
	}
	if (date == NONE)
		return 0;
	if (atoi(COL(6)) > 0) {
		/* An arrival: queued by (date, log index). */
		size_t at;

		if (x->narr == x->caparr) {
			size_t cap = x->caparr != 0 ? x->caparr * 2 : 16;
			struct arrival *v = realloc(x->arr, cap * sizeof(*v));
			if (v == NULL) {
				x->oom = true;
				return 1;
			}
			x->arr = v;
			x->caparr = cap;
		}
		for (at = x->narr; at > 0 && x->arr[at - 1].date > date; at--)
			x->arr[at] = x->arr[at - 1];
		x->arr[at].date = date;
		x->arr[at].idx = idx;
		x->arr[at].left = amount;
		x->arr[at].settled = NONE;
		x->narr++;
		return 0;
	}
	/* A payout settles the oldest arrivals first. */
	for (size_t i = 0; i < x->narr && amount > 0; i++) {
		struct arrival *a = &x->arr[i];
		uint64_t take = a->left < amount ? a->left : amount;

		if (a->left == 0)
			continue;
		a->left -= take;
		amount -= take;
		if (a->left == 0)
			a->settled = date;
	}
	return 0;
}

/* ---- acknowledgments ---- */

static const char ack_sql[] =
	"SELECT a.log, a.case_no, a.rule, a.date, a.supervisor, a.note"
	" FROM logs l CROSS JOIN acks a ON a.log = l.id"
	" WHERE " SCOPE_SQL " AND a.date <= ?2"
	" ORDER BY a.log, a.case_no, a.rule, a.date, a.idx";

static int
ack_row(void *arg, int ncol, const char *const *cols)
{
	struct wctx *x = arg;
	struct ack *a;

	if (x->nacks == x->capacks) {
		size_t cap = x->capacks != 0 ? x->capacks * 2 : 16;
		struct ack *v = realloc(x->acks, cap * sizeof(*v));
		if (v == NULL) {
			x->oom = true;
			return 1;
		}
		x->acks = v;
		x->capacks = cap;
	}
	a = &x->acks[x->nacks++];
	a->log = strtoll(COL(0), NULL, 10);
	cs_strlcpy(a->case_no, COL(1), sizeof(a->case_no));
	cs_strlcpy(a->rule, COL(2), sizeof(a->rule));
	cs_strlcpy(a->date, COL(3), sizeof(a->date));
	text_copy(a->by, COL(4), sizeof(a->by));
	text_copy(a->note, COL(5), sizeof(a->note));
	return 0;
}

/* The latest acknowledgment of (log, case, rule), or NULL: acks are in
 * that key order, then by date and log index. */
static const struct ack *
ack_find(const struct wctx *x, int64_t log, const char *case_no,
    const char *rule)
{
	size_t lo = 0, hi = x->nacks;

	while (lo < hi) {	/* the first ack past the key */
		size_t mid = lo + (hi - lo) / 2;
		const struct ack *a = &x->acks[mid];
		int c = (a->log > log) - (a->log < log);

		if (c == 0)
			c = strcmp(a->case_no, case_no);
		if (c == 0)
			c = strcmp(a->rule, rule);
		if (c <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	{
		const struct ack *a = &x->acks[lo - 1];
		if (a->log == log && strcmp(a->case_no, case_no) == 0 &&
		    strcmp(a->rule, rule) == 0)
			return a;
	}
	return NULL;
}

static int
witem_cmp(const void *pa, const void *pb)
{
	const struct witem *a = pa, *b = pb;
	int c;

	if (a->court != b->court)
		return a->court < b->court ? -1 : 1;
	if (a->ord != b->ord)
		return a->ord < b->ord ? -1 : 1;
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if ((c = strcmp(a->type, b->type)) != 0)
		return c;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return strcmp(a->case_no, b->case_no);
}

int
views_warnings_detail(struct store *st, const struct view_query *q,
    warning_detail_fn fn, void *arg, char *err, size_t errlen)
{
	struct scope sc;
	struct wctx *x = NULL;
	struct warning wbuf, *w = &wbuf;
	char types[64];
	const char *args[3];
	int ret = -1;

	if (check_query(q, false, err, errlen) == -1 ||
	    scope_load(st, q->scope, &sc, err, errlen) == -1)
		return -1;
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		ERR("out of memory");
		goto out;
	}
	types_norm(q->types, types, sizeof(types));
	args[0] = q->scope;
	args[1] = q->as_of;
	args[2] = types;
	x->sc = &sc;
	x->as_of = date_days(q->as_of);
	x->pay_log = -1;
	if (rules_load(st, x->r, err, errlen) == -1 ||
	    store_query(st, warn_sql, args, 3, warn_row, x, err, errlen) == -1 ||
	    x->oom ||
	    store_query(st, pay_sql, args, 3, pay_row, x, err, errlen) == -1 ||
	    x->oom)
		goto fail;
	pay_finish(x);
	if (x->oom || store_query(st, ack_sql, args, 2, ack_row, x, err,
	    errlen) == -1 || x->oom)
		goto fail;
	if (x->n > 0)
		qsort(x->v, x->n, sizeof(*x->v), witem_cmp);
	ret = 0;
	for (size_t i = 0; i < x->n; i++) {
		const struct witem *it = &x->v[i];
		const struct ack *a;
		int r;

		memset(w, 0, sizeof(*w));
		cs_strlcpy(w->court, sc.v[it->court].origin, sizeof(w->court));
		cs_strlcpy(w->case_no, it->case_no, sizeof(w->case_no));
		cs_strlcpy(w->rule, x->r[it->ord].id, sizeof(w->rule));
		w->state = it->state;
		date_from_days(it->deadline, w->deadline);
		w->days = it->days;
		a = ack_find(x, sc.v[it->court].id, w->case_no, w->rule);
		if (a != NULL) {
			w->acked = true;
			cs_strlcpy(w->ack_by, a->by, sizeof(w->ack_by));
			cs_strlcpy(w->ack_date, a->date, sizeof(w->ack_date));
			cs_strlcpy(w->ack_note, a->note, sizeof(w->ack_note));
		}
		if ((r = fn(arg, w, it->detail)) != 0) {
			ret = r;
			break;
		}
	}
	goto out;
fail:
	if (x != NULL && x->oom)
		ERR("out of memory");
out:
	if (x != NULL) {
		free(x->v);
		free(x->acks);
		free(x->arr);
		free(x);
	}
	scope_free(&sc);
	return ret;
}

struct wplain {
	warning_fn	fn;
	void		*arg;
};

static int
wplain_fn(void *arg, const struct warning *w, const char *detail)
{
	struct wplain *p = arg;

	(void)detail;
	return p->fn(p->arg, w);
}

int
views_warnings(struct store *st, const struct view_query *q, warning_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct wplain p = { fn, arg };

	return views_warnings_detail(st, q, wplain_fn, &p, err, errlen);
}

/* ---- indicators ---- */

enum {
	I_OLD_OPEN = 1 << 0, I_RECEIVED = 1 << 1, I_CLOSED = 1 << 2,
	I_COMPLETED = 1 << 3, I_WITHIN = 1 << 4, I_FIRST_CLOSED = 1 << 5,
	I_FIRST_ZB = 1 << 6, I_OPEN_END = 1 << 7, I_OPEN_12M = 1 << 8
};

static const struct {
	const char	*name;
	unsigned	 bit;
} ind_names[] = {
	{ "old_open", I_OLD_OPEN }, { "received", I_RECEIVED },
	{ "closed", I_CLOSED }, { "completed", I_COMPLETED },
	{ "within_limit", I_WITHIN }, { "first_closed", I_FIRST_CLOSED },
	{ "first_zhongben", I_FIRST_ZB }, { "open_end", I_OPEN_END },
	{ "open_12m", I_OPEN_12M },
};

/* Columns: log, case_no, year, type, seq, filed, closed, mode,
 * nonlitigation, ext_months, susp_days, claimed, recovered. */
static const char ind_sql[] =
	"SELECT c.log, c.case_no, c.year, c.type, c.seq, c.filed, c.closed,"
	" c.mode, c.nonlitigation, c.ext_months, c.susp_days, c.claimed,"
	" c.recovered"
	" FROM logs l CROSS JOIN cases c ON c.log = l.id"
	" WHERE " SCOPE_SQL " AND " TYPES_SQL " AND c.filed <= ?2";

struct ictx {
	const struct scope	*sc;
	const char		*from, *to;
	int64_t			 to_d;
	int			 limit, limit_nonlit;	/* 审限, months */
	struct indicators	*per;			/* per court */
	/* views_indicator_cases */
	long			 only;		/* a court position, or -1 */
	int			 only_level;	/* a level, or 0 */
	unsigned		 want;
	struct icase {
		long		court;
		char		case_no[CS_CASE_MAX];
		int		year;
		char		type[16];
		uint32_t	seq;
	}			*cases;
	size_t			 ncases, capcases;
	bool			 oom;
};

/* Which figures a case counts in (docs/VIEWS.md §2). */
static unsigned
ind_classify(const struct ictx *x, int ncol, const char *const *cols)
{
	const char *filed = COL(5), *closed = COL(6), *mode = COL(7);
	bool is_closed = closed[0] != '\0';
	unsigned m = 0;

	if (strcmp(filed, x->from) < 0 &&
	    (!is_closed || strcmp(closed, x->from) >= 0))
		m |= I_OLD_OPEN;
	if (strcmp(filed, x->from) >= 0 && strcmp(filed, x->to) <= 0)
		m |= I_RECEIVED;
	if (is_closed && strcmp(closed, x->from) >= 0 &&
	    strcmp(closed, x->to) <= 0) {
		int limit = atoi(COL(8)) != 0 ? x->limit_nonlit : x->limit;
		int64_t end = add_months(filed, (int64_t)limit +
		    strtoll(COL(9), NULL, 10)) + strtoll(COL(10), NULL, 10);

		m |= I_CLOSED;
		if (strcmp(mode, "completed") == 0)
			m |= I_COMPLETED;
		if (date_days(closed) <= end)
			m |= I_WITHIN;
		if (strcmp(COL(3), "执") == 0) {
			m |= I_FIRST_CLOSED;
			if (strcmp(mode, "terminated_round") == 0)
				m |= I_FIRST_ZB;
		}
	}
	if (strcmp(filed, x->to) <= 0 &&
	    (!is_closed || strcmp(closed, x->to) > 0)) {
		m |= I_OPEN_END;
		if (add_months(filed, 12) < x->to_d)
			m |= I_OPEN_12M;
	}
	return m;
}

static int
ind_row(void *arg, int ncol, const char *const *cols)
{
	struct ictx *x = arg;
	long pos;
	unsigned m;
	struct indicators *in;

	if (ncol < 13 || !date_valid(COL(5)))
		return 0;
	pos = scope_find(x->sc, strtoll(COL(0), NULL, 10));
	if (pos < 0)
		return 0;
	m = ind_classify(x, ncol, cols);
	if (x->per == NULL) {
		/* views_indicator_cases: collect the members. */
		struct icase *c;

		if ((m & x->want) == 0 || (x->only >= 0 && pos != x->only) ||
		    (x->only_level > 0 && x->sc->v[pos].level != x->only_level))
			return 0;
		if (x->ncases == x->capcases) {
			size_t cap = x->capcases != 0 ? x->capcases * 2 : 64;
			struct icase *v = realloc(x->cases, cap * sizeof(*v));
			if (v == NULL) {
				x->oom = true;
				return 1;
			}
			x->cases = v;
			x->capcases = cap;
		}
		c = &x->cases[x->ncases++];
		c->court = pos;
		cs_strlcpy(c->case_no, COL(1), sizeof(c->case_no));
		c->year = atoi(COL(2));
		cs_strlcpy(c->type, COL(3), sizeof(c->type));
		c->seq = (uint32_t)strtoul(COL(4), NULL, 10);
		return 0;
	}
	in = &x->per[pos];
	in->old_open += (m & I_OLD_OPEN) != 0;
	in->received += (m & I_RECEIVED) != 0;
	in->closed += (m & I_CLOSED) != 0;
	in->completed += (m & I_COMPLETED) != 0;
	in->within_limit += (m & I_WITHIN) != 0;
	in->first_closed += (m & I_FIRST_CLOSED) != 0;
	in->first_zhongben += (m & I_FIRST_ZB) != 0;
	in->open_end += (m & I_OPEN_END) != 0;
	in->open_12m += (m & I_OPEN_12M) != 0;
	if (m & I_CLOSED) {
		in->claimed += strtoull(COL(11), NULL, 10);
		in->recovered += strtoull(COL(12), NULL, 10);
		in->days += (uint64_t)(date_days(COL(6)) - date_days(COL(5)));
	}
	return 0;
}

static double
ratio(uint64_t a, uint64_t b)
{
	return b == 0 ? 0.0 : (double)a / (double)b;
}

static void
ind_rates(struct indicators *in)
{
	in->closure_rate = ratio(in->closed, in->old_open + in->received);
	in->completion_rate = ratio(in->completed, in->closed);
	in->recovery_rate = ratio(in->recovered, in->claimed);
	in->within_limit_rate = ratio(in->within_limit, in->closed);
	in->first_zhongben_rate = ratio(in->first_zhongben, in->first_closed);
	in->over_12m_ratio = ratio(in->open_12m, in->open_end);
	in->avg_days = ratio(in->days, in->closed);
}

static void
ind_add(struct indicators *to, const struct indicators *in)
{
	to->old_open += in->old_open;
	to->received += in->received;
	to->closed += in->closed;
	to->completed += in->completed;
	to->within_limit += in->within_limit;
	to->first_closed += in->first_closed;
	to->first_zhongben += in->first_zhongben;
	to->open_end += in->open_end;
	to->open_12m += in->open_12m;
	to->claimed += in->claimed;
	to->recovered += in->recovered;
	to->days += in->days;
}

static int
ind_setup(struct store *st, const struct view_query *q, struct scope *sc,
    struct ictx *x, char *types, size_t tcap, char *err, size_t errlen)
{
	struct rule r[R_COUNT];

	memset(x, 0, sizeof(*x));
	if (check_query(q, true, err, errlen) == -1 ||
	    rules_load(st, r, err, errlen) == -1 ||
	    scope_load(st, q->scope, sc, err, errlen) == -1)
		return -1;
	types_norm(q->types, types, tcap);
	x->sc = sc;
	x->from = q->from;
	x->to = q->to;
	x->to_d = date_days(q->to);
	x->limit = r[R_TIME].days;
	x->limit_nonlit = r[R_TIME_NONLIT].days;
	x->only = -1;
	return 0;
}

int
views_indicators(struct store *st, const struct view_query *q,
    indicators_fn fn, void *arg, char *err, size_t errlen)
{
	struct scope sc;
	struct ictx x;
	struct indicators sum, lv;
	char types[64];
	const char *args[3];
	int ret = -1, r, maxlevel = 0;

	if (ind_setup(st, q, &sc, &x, types, sizeof(types), err, errlen) == -1)
		return -1;
	if ((x.per = calloc(sc.n + 1, sizeof(*x.per))) == NULL) {
		ERR("out of memory");
		goto out;
	}
	args[0] = q->scope;
	args[1] = q->to;
	args[2] = types;
	if (store_query(st, ind_sql, args, 3, ind_row, &x, err, errlen) == -1)
		goto out;
	ret = 0;
	for (size_t i = 0; i < sc.n; i++) {
		cs_strlcpy(x.per[i].court, sc.v[i].origin,
		    sizeof(x.per[i].court));
		ind_rates(&x.per[i]);
		if (sc.v[i].level > maxlevel)
			maxlevel = sc.v[i].level;
		if ((r = fn(arg, sc.v[i].level, &x.per[i])) != 0) {
			ret = r;
			goto out;
		}
	}
	memset(&sum, 0, sizeof(sum));
	for (int level = 1; level <= maxlevel; level++) {
		bool present = false;

		memset(&lv, 0, sizeof(lv));
		for (size_t i = 0; i < sc.n; i++)
			if (sc.v[i].level == level) {
				ind_add(&lv, &x.per[i]);
				present = true;
			}
		if (!present)
			continue;
		snprintf(lv.court, sizeof(lv.court), "level %d", level);
		ind_add(&sum, &lv);
		ind_rates(&lv);
		if ((r = fn(arg, level, &lv)) != 0) {
			ret = r;
			goto out;
		}
	}
	cs_strlcpy(sum.court, q->scope, sizeof(sum.court));
	ind_rates(&sum);
	if ((r = fn(arg, 0, &sum)) != 0)
		ret = r;
out:
	free(x.per);
	scope_free(&sc);
	return ret;
}

static int
icase_cmp(const void *pa, const void *pb)
{
	const struct icase *a = pa, *b = pb;
	int c;

	if (a->court != b->court)
		return a->court < b->court ? -1 : 1;
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if ((c = strcmp(a->type, b->type)) != 0)
		return c;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return strcmp(a->case_no, b->case_no);
}

int
views_indicator_cases(struct store *st, const struct view_query *q,
    const char *court, const char *which, case_fn fn, void *arg, char *err,
    size_t errlen)
{
	struct scope sc;
	struct ictx x;
	char types[64];
	const char *args[3];
	int ret = -1, r;

	if (ind_setup(st, q, &sc, &x, types, sizeof(types), err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(ind_names) / sizeof(ind_names[0]); i++)
		if (strcmp(ind_names[i].name, which) == 0)
			x.want = ind_names[i].bit;
	if (x.want == 0) {
		ERR("no figure \"%s\" (old_open, received, closed, completed,"
		    " within_limit, first_closed, first_zhongben, open_end,"
		    " open_12m)", which);
		goto out;
	}
	if (court != NULL && strncmp(court, "level ", 6) == 0) {
		x.only_level = atoi(court + 6);
		if (x.only_level <= 0) {
			ERR("\"%s\" is not a level", court);
			goto out;
		}
	} else if (court != NULL && court[0] != '\0') {
		for (size_t i = 0; i < sc.n; i++)
			if (strcmp(sc.v[i].origin, court) == 0)
				x.only = (long)i;
		if (x.only < 0) {
			ERR("court %s: no log of it in scope %s", court,
			    q->scope[0] != '\0' ? q->scope : "(all)");
			goto out;
		}
	}
	args[0] = q->scope;
	args[1] = q->to;
	args[2] = types;
	if (store_query(st, ind_sql, args, 3, ind_row, &x, err, errlen) == -1)
		goto out;
	if (x.oom) {
		ERR("out of memory");
		goto out;
	}
	if (x.ncases > 0)
		qsort(x.cases, x.ncases, sizeof(*x.cases), icase_cmp);
	ret = 0;
	for (size_t i = 0; i < x.ncases; i++)
		if ((r = fn(arg, sc.v[x.cases[i].court].origin,
		    x.cases[i].case_no)) != 0) {
			ret = r;
			break;
		}
out:
	free(x.cases);
	scope_free(&sc);
	return ret;
}

/* ---- numbering ---- */

struct nctx {
	struct numbering_issue	*v;
	size_t			 n, cap;
	bool			 oom;
	/* the group being read */
	char			 court[CS_ORIGIN_MAX];
	int			 year;
	char			 type[16];
	uint32_t		 next;
};

static struct numbering_issue *
num_push(struct nctx *x)
{
	if (x->n == x->cap) {
		size_t cap = x->cap != 0 ? x->cap * 2 : 32;
		struct numbering_issue *v = realloc(x->v, cap * sizeof(*v));
		if (v == NULL) {
			x->oom = true;
			return NULL;
		}
		x->v = v;
		x->cap = cap;
	}
	memset(&x->v[x->n], 0, sizeof(x->v[0]));
	return &x->v[x->n++];
}

static int
gap_row(void *arg, int ncol, const char *const *cols)
{
	struct nctx *x = arg;
	int year = atoi(COL(1));
	uint32_t seq = (uint32_t)strtoul(COL(3), NULL, 10);
	struct numbering_issue *i;

	if (strcmp(x->court, COL(0)) != 0 || x->year != year ||
	    strcmp(x->type, COL(2)) != 0) {
		cs_strlcpy(x->court, COL(0), sizeof(x->court));
		x->year = year;
		cs_strlcpy(x->type, COL(2), sizeof(x->type));
		x->next = 1;
	}
	if (seq > x->next) {
		if ((i = num_push(x)) == NULL)
			return 1;
		cs_strlcpy(i->court, x->court, sizeof(i->court));
		i->year = year;
		cs_strlcpy(i->type, x->type, sizeof(i->type));
		i->first = x->next;
		i->last = seq - 1;
	}
	if (seq >= x->next)
		x->next = seq + 1;
	return 0;
}

static int
reuse_row(void *arg, int ncol, const char *const *cols)
{
	struct nctx *x = arg;
	struct case_no cn;
	struct numbering_issue *i;

	if (case_no_parse(COL(1), &cn, NULL, 0) == -1)
		return 0;
	if ((i = num_push(x)) == NULL)
		return 1;
	cs_strlcpy(i->court, COL(0), sizeof(i->court));
	i->year = cn.year;
	cs_strlcpy(i->type, cn.type, sizeof(i->type));
	i->first = i->last = cn.seq;
	i->reused = true;
	return 0;
}

static int
num_cmp(const void *pa, const void *pb)
{
	const struct numbering_issue *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->court, b->court)) != 0)
		return c;
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if ((c = strcmp(a->type, b->type)) != 0)
		return c;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return (int)a->reused - (int)b->reused;
}

int
views_numbering(struct store *st, const struct view_query *q,
    numbering_fn fn, void *arg, char *err, size_t errlen)
{
	struct nctx x;
	const char *args[1] = { q->scope };
	int ret = -1, r;

	memset(&x, 0, sizeof(x));
	x.year = -1;
	if (store_query(st, "SELECT l.origin, c.year, c.type, c.seq"
	    " FROM logs l CROSS JOIN cases c ON c.log = l.id WHERE " SCOPE_SQL
	    " ORDER BY l.origin, c.year, c.type, c.seq", args, 1, gap_row, &x,
	    err, errlen) == -1 || x.oom)
		goto out;
	if (store_query(st, "SELECT l.origin, e.case_no"
	    " FROM logs l CROSS JOIN events e ON e.log = l.id WHERE " SCOPE_SQL
	    " AND e.type = 'case_filed' GROUP BY e.log, e.case_no"
	    " HAVING count(*) >= 2 AND count(e.corrected_by) >= 1", args, 1,
	    reuse_row, &x, err, errlen) == -1 || x.oom)
		goto out;
	if (x.n > 0)
		qsort(x.v, x.n, sizeof(*x.v), num_cmp);
	ret = 0;
	for (size_t i = 0; i < x.n; i++)
		if ((r = fn(arg, &x.v[i])) != 0) {
			ret = r;
			break;
		}
out:
	if (x.oom)
		ERR("out of memory");
	free(x.v);
	return ret;
}

/* ---- back-filling ---- */

struct bctx {
	int		 min_days;
	backfill_fn	 fn;
	void		*arg;
	int		 ret;
};

static int
backfill_row(void *arg, int ncol, const char *const *cols)
{
	struct bctx *x = arg;
	struct backfill b;
	int64_t date = col_day(COL(4)), rec;

	if (date == NONE)
		return 0;
	memset(&b, 0, sizeof(b));
	rec = cst_day(strtoull(COL(5), NULL, 10));
	if (rec - date <= x->min_days)
		return 0;
	cs_strlcpy(b.court, COL(0), sizeof(b.court));
	cs_strlcpy(b.case_no, COL(1), sizeof(b.case_no));
	b.index = strtoull(COL(2), NULL, 10);
	cs_strlcpy(b.type, COL(3), sizeof(b.type));
	cs_strlcpy(b.date, COL(4), sizeof(b.date));
	date_from_days(rec, b.recorded);
	if (COL(6)[0] != '\0')
		date_from_days(cst_day(strtoull(COL(6), NULL, 10)), b.witnessed);
	b.delay = (int)(rec - date);
	x->ret = x->fn(x->arg, &b);
	return x->ret;
}

int
views_backfill(struct store *st, const struct view_query *q, int min_days,
    backfill_fn fn, void *arg, char *err, size_t errlen)
{
	struct bctx x = { min_days < 0 ? 0 : min_days, fn, arg, 0 };
	char md[16];
	const char *args[2] = { q->scope, md };

	snprintf(md, sizeof(md), "%d", x.min_days);
	/* The day filter in SQL is the same arithmetic as backfill_row:
	 * julianday('1970-01-01') = 2440587.5. */
	if (store_query(st, "SELECT l.origin, e.case_no, e.idx, e.type, e.date,"
	    " e.time, (SELECT min(k.time) FROM cosigs k"
	    "   WHERE k.log = e.log AND k.size > e.idx)"
	    " FROM logs l CROSS JOIN events e ON e.log = l.id WHERE " SCOPE_SQL
	    " AND e.date IS NOT NULL AND (e.time + 28800) / 86400 -"
	    " CAST(julianday(e.date) - 2440587.5 AS INTEGER) >"
	    " CAST(?2 AS INTEGER) ORDER BY l.origin, e.idx", args, 2,
	    backfill_row, &x, err, errlen) == -1)
		return -1;
	return x.ret;
}

/* ---- sync health ---- */

struct pctx {
	peer_fn		 fn;
	void		*arg;
	int		 ret;
};

static int
peer_row(void *arg, int ncol, const char *const *cols)
{
	struct pctx *x = arg;
	struct peer_health p;

	memset(&p, 0, sizeof(p));
	cs_strlcpy(p.court, COL(0), sizeof(p.court));
	p.last_seen = strtoull(COL(1), NULL, 10);
	p.last_ok = strtoull(COL(2), NULL, 10);
	text_copy(p.last_error, COL(3), sizeof(p.last_error));
	p.requests = strtoull(COL(4), NULL, 10);
	p.entries = strtoull(COL(5), NULL, 10);
	p.held = strtoull(COL(6), NULL, 10);
	p.checkpoint = strtoull(COL(7), NULL, 10);
	p.equivocations = strtoull(COL(8), NULL, 10);
	x->ret = x->fn(x->arg, &p);
	return x->ret;
}

int
views_peers(struct store *st, peer_fn fn, void *arg, char *err, size_t errlen)
{
	struct pctx x = { fn, arg, 0 };

	if (store_query(st, "SELECT x.court, p.last_seen, p.last_ok,"
	    " p.last_error, p.requests, p.entries,"
	    " (SELECT max(e.idx) + 1 FROM entries e WHERE e.log = l.id),"
	    " (SELECT max(k.size) FROM checkpoints k WHERE k.log = l.id),"
	    " (SELECT count(*) FROM equivocations q WHERE q.origin = x.court)"
	    " FROM (SELECT court FROM peers UNION SELECT origin FROM logs) x"
	    " LEFT JOIN peers p ON p.court = x.court"
	    " LEFT JOIN logs l ON l.origin = x.court"
	    " ORDER BY x.court", NULL, 0, peer_row, &x, err, errlen) == -1)
		return -1;
	return x.ret;
}
