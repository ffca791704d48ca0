/*
 * views.c — the query layer behind every view (see views.h; the rules and
 * formulas are normative in docs/VIEWS.md).
 *
 * Each view is a few set-based queries over the derived tables (through
 * store_query, so this file never sees SQLite) and a pass in C: dates are
 * day numbers (date_days), calendar months are added with clamping
 * (add_months).  Nothing is cached between calls; nothing is written.
 * Here: dates, rules, the query, the courts in scope; warnings are in
 * views_warnings.c, indicators and the integrity reports in
 * views_indicators.c (views_int.h is what they share).
 */
#include "views_int.h"

/* ---- dates ---- */

int64_t
views_add_months_d(int64_t day, int64_t months)
{
	char s[11];

	date_from_days(day, s);
	return add_months(s, months);
}

/* A column holding a date: its day number, or NONE. */
int64_t
views_col_day(const char *s)
{
	return date_valid(s) ? date_days(s) : NONE;
}

/* The CST (UTC+8) day of Unix time t. */
int64_t
views_cst_day(uint64_t t)
{
	return (int64_t)((t + 8 * 3600) / 86400);
}

/* Copies text into dst of cap bytes, cut at a UTF-8 character boundary
 * when it does not fit (free text ends up in JSON and HTML). */
void
views_text_copy(char *dst, const char *src, size_t cap)
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
int
views_rules_load(struct store *st, struct rule r[R_COUNT], char *err, size_t errlen)
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
	if (views_rules_load(st, r, err, errlen) == -1) {
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
		struct rule r[R_COUNT], was;
		char sd[16], ss[16], se[16], so[16];
		const char *args[6];
		bool refill;

		if (views_rules_load(st, r, err, errlen) == -1)
			return -1;
		was = r[i];
		if (field[0] == 'd' && field[1] == 'a')
			r[i].days = v;
		else if (field[0] == 'd')
			r[i].due_soon = v;
		else
			r[i].enabled = b;
		if (was.days == r[i].days && was.due_soon == r[i].due_soon &&
		    was.enabled == r[i].enabled)
			return 0;	/* as configured already: no write */
		/* The within-limit counters depend on the 审限 periods. */
		refill = (i == R_TIME || i == R_TIME_NONLIT) &&
		    was.days != r[i].days;
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
		if (store_begin(st, err, errlen) == -1)
			return -1;
		views_rules_changed();
		if (store_exec(st, "INSERT OR REPLACE INTO rules(id, zh, days,"
		    " due_soon, enabled, ord) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		    args, 6, err, errlen) == -1 ||
		    (refill && store_views_refill(st, err, errlen) == -1) ||
		    views_windows_refresh(st, true, err, errlen) == -1 ||
		    store_commit(st, err, errlen) == -1) {
			store_rollback(st);
			views_rules_changed();
			return -1;
		}
		views_rules_changed();
		return 0;
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

	memset(q, 0, sizeof(*q));
	cs_strlcpy(q->scope, court != NULL ? court : "", sizeof(q->scope));
	if (clock_now(&t, NULL, 0) == -1)
		t = (uint64_t)time(NULL);
	date_from_days(views_cst_day(t), day);
	views_query_as_of(q, day);
	cs_strlcpy(q->types, DEFAULT_TYPES, sizeof(q->types));
}

void
views_query_as_of(struct view_query *q, const char *day)
{
	/* The half-year containing as_of: same year, fixed month-days. */
	bool h1 = atoi(day + 5) <= 6;

	cs_strlcpy(q->as_of, day, sizeof(q->as_of));
	memcpy(q->from, day, 5);
	memcpy(q->to, day, 5);
	memcpy(q->from + 5, h1 ? "01-01" : "07-01", 6);
	memcpy(q->to + 5, h1 ? "06-30" : "12-31", 6);
}

/* The 口径 as a comma list without blanks ("" = the default); full-width
 * commas and 、 are accepted as separators. */
void
views_types_norm(const char *in, char *out, size_t cap)
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

int
views_check_query(const struct view_query *q, bool period, char *err, size_t errlen)
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

void
views_scope_free(struct scope *s)
{
	free(s->v);
	free(s->by_id);
	memset(s, 0, sizeof(*s));
}

/* The logs of the subtree `scope` ("" = every log held), by origin: only
 * logs with entries, so that a court whose log is still empty (and so
 * was never pushed upward) is absent at every level alike. */
int
views_scope_load(struct store *st, const char *scope, struct scope *s, char *err,
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
	views_scope_free(s);
	return -1;
}

/* The position (by origin) of log id, or -1. */
long
views_scope_find(const struct scope *s, int64_t id)
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

bool
views_grow(void **v, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t c = *cap != 0 ? *cap * 2 : 16;
		void *p = realloc(*v, c * size);

		if (p == NULL)
			return false;
		*v = p;
		*cap = c;
	}
	return true;
}

int
views_case_order(int ya, const char *ta, uint32_t sa, const char *ca, int yb,
    const char *tb, uint32_t sb, const char *cb)
{
	int c;

	if (ya != yb)
		return ya < yb ? -1 : 1;
	if ((c = strcmp(ta, tb)) != 0)
		return c;
	if (sa != sb)
		return sa < sb ? -1 : 1;
	return strcmp(ca, cb);
}
