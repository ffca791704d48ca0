/*
 * views_pages.c — warnings read from the windows the fold maintains
 * (views_windows.c): counts per court and rule, and pages most urgent
 * first (docs/VIEWS.md §1.6, §7).
 */
#include "views_int.h"


#define D2 "CAST(?2 AS INTEGER)"
#define VTYPES "instr(',' || ?3 || ',', ',' || v.type || ',') > 0"

/*
 * The windows alive on day A (a ≤ A < b) are five index ranges per court,
 * each about as long as its answer:
 *   - windows without end (b = VW_INF) that began by A: vw_order (log,
 *     state, kind, b), overdue moving ones with u ≤ A;
 *   - due soon, moving: they end by D + 1 ≤ A + due_soon + 1, so b lies in
 *     (A, A + that rule's due_soon + 1]: vw_soon (log, rule, b), per rule;
 *   - the others that end, after A: vw_order (log, state, kind, b) — for
 *     an A of today none (they end on a recorded day), for a past A those
 *     ended since.
 * A range of b > A alone would also read every window that begins after
 * A (the open cases' later deadlines).  ?2 A, ?4 A + largest due_soon + 1.
 */
#define FINITE(st, kd, hi, cols) \
	" SELECT " cols " FROM logs l" \
	" CROSS JOIN vw v INDEXED BY vw_order ON v.log = l.id" \
	" AND v.state = " st " AND v.kind = " kd " AND v.b > " D2 \
	" AND v.b " hi " WHERE " SCOPE_SQL " AND v.a <= " D2 " AND " VTYPES
/* What counts read (vw_order and vw_soon cover it), and what pages read. */
#define CCOLS "l.id, l.origin, v.rule, v.state, v.ack"
#define PCOLS "l.id, v.rule, v.state, v.case_no, v.u, v.kind, v.year," \
	" v.type, v.seq"
/* Due soon, moving, of rule r: b in (A, A + its due_soon + 1] (?5 + r). */
#define SOON(r, p, cols) \
	" UNION ALL SELECT " cols " FROM logs l" \
	" CROSS JOIN vw v INDEXED BY vw_soon ON v.log = l.id" \
	" AND v.rule = " #r " AND v.state = 0 AND v.kind = 0 AND v.b > " D2 \
	" AND v.b <= CAST(?" #p " AS INTEGER)" \
	" WHERE " SCOPE_SQL " AND v.a <= " D2 " AND " VTYPES
#define SOONS(c) \
	SOON(0, 5, c) SOON(1, 6, c) SOON(2, 7, c) SOON(3, 8, c) SOON(4, 9, c) \
	SOON(5, 10, c) SOON(6, 11, c) SOON(7, 12, c) SOON(8, 13, c) \
	SOON(9, 14, c) SOON(10, 15, c) SOON(11, 16, c) SOON(12, 17, c)
/* Windows without end that began by A: overdue moving ones begin no
 * earlier than their deadline u (终本 conditions on it, the others the day
 * after), so u ≤ A; the fixed ones are all the court's late nodes and
 * frozen 审限 (no due-soon moving window is without end). */
#define ENDLESS(st, kd, cond) \
	" SELECT " CCOLS " FROM logs l" \
	" CROSS JOIN vw v INDEXED BY vw_order ON v.log = l.id" \
	" AND v.state = " st " AND v.kind = " kd " AND v.b = 2147483647" cond \
	" WHERE " SCOPE_SQL " AND v.a <= " D2 " AND " VTYPES
#define ALIVE \
	ENDLESS("1", "0", " AND v.u <= " D2) \
	" UNION ALL" ENDLESS("1", "1", "") \
	" UNION ALL" ENDLESS("0", "1", "") \
	SOONS(CCOLS) \
	" UNION ALL" FINITE("1", "0", "< 2147483647", CCOLS) \
	" UNION ALL" FINITE("1", "1", "< 2147483647", CCOLS) \
	" UNION ALL" FINITE("0", "1", "< 2147483647", CCOLS)

/* Per court and rule, in court then rule order. */
static const char count_sql[] =
	"SELECT id, rule, sum(state = 0), sum(state = 1), sum(ack <= " D2 ")"
	" FROM (" ALIVE ") GROUP BY id, rule ORDER BY origin, rule";

/* Arguments ?5..?17: per rule, A + its due_soon + 1, as text. */
static void
soon_args(const struct rule r[R_COUNT], int64_t as_of, char v[R_COUNT][24],
    const char **args)
{
	for (int i = 0; i < R_COUNT; i++) {
		snprintf(v[i], sizeof(v[i]), "%lld", (long long)as_of +
		    r[i].due_soon + 1);
		args[4 + i] = v[i];
	}
}

/* One court's most urgent windows of one state and kind, open-ended
 * (b = VW_INF): the first rows of vw_order.  ?1 log, ?2 A, ?3 types,
 * ?4 state, ?5 kind, ?6 rule ("" any), ?7 how many. */
static const char stream_sql[] =
	"SELECT v.case_no, v.rule, v.u, v.state, v.kind, v.year, v.type, v.seq"
	" FROM vw v INDEXED BY vw_order WHERE v.log = CAST(?1 AS INTEGER)"
	" AND v.state = CAST(?4 AS INTEGER) AND v.kind = CAST(?5 AS INTEGER)"
	" AND v.b = 2147483647 AND v.a <= " D2 " AND " VTYPES
	" AND (?6 = '' OR v.rule = CAST(?6 AS INTEGER))"
	" ORDER BY v.u, v.rule, v.year, v.type, v.seq LIMIT CAST(?7 AS INTEGER)";
/* The windows alive on A that end (due soon, and for a past A overdue
 * ones ended since) in scope ?1, with their court's log id. */
static const char ending_sql[] =
	"SELECT case_no, rule, u, state, kind, year, type, seq, id FROM ("
	FINITE("1", "0", "< 2147483647", PCOLS)
	SOONS(PCOLS)
	" UNION ALL" FINITE("1", "1", "< 2147483647", PCOLS)
	" UNION ALL" FINITE("0", "1", "< 2147483647", PCOLS)
	") WHERE ?4 = '' OR rule = CAST(?4 AS INTEGER)";

static bool
windows_current(struct store *st, const struct view_query *q, char *err,
    size_t errlen, int *r)
{
	char valid[8] = "";

	*r = q->recompute ? 0 :
	    store_meta_get(st, "vw_valid", valid, sizeof(valid), err, errlen);
	return *r == 1 && strcmp(valid, "1") == 0;
}

struct cctx {
	const struct scope	*sc;
	const struct rule	*r;
	struct warning_count	*v;
	size_t			 n, cap;
	bool			 oom;
};

static int
count_row(void *arg, int ncol, const char *const *cols)
{
	struct cctx *x = arg;
	long pos = views_scope_find(x->sc, strtoll(COL(0), NULL, 10));
	int rule = atoi(COL(1));
	struct warning_count *c;

	if (pos < 0 || rule < 0 || rule >= R_COUNT)
		return 0;
	if (!views_grow((void **)&x->v, &x->n, &x->cap, sizeof(*x->v))) {
		x->oom = true;
		return 1;
	}
	c = &x->v[x->n++];
	memset(c, 0, sizeof(*c));
	cs_strlcpy(c->court, x->sc->v[pos].origin, sizeof(c->court));
	cs_strlcpy(c->rule, x->r[rule].id, sizeof(c->rule));
	c->due_soon = strtoull(COL(2), NULL, 10);
	c->overdue = strtoull(COL(3), NULL, 10);
	c->acked = strtoull(COL(4), NULL, 10);
	return 0;
}

static int
rule_pos(const struct rule *r, const char *id)
{
	for (int i = 0; i < R_COUNT; i++)
		if (strcmp(r[i].id, id) == 0)
			return i;
	return R_COUNT;
}

static int
load_counts(struct store *st, const struct view_query *q,
    const struct scope *sc, const struct rule r[R_COUNT], struct cctx *x,
    char *err, size_t errlen)
{
	char types[64], as_of[24], soon[R_COUNT][24];
	const char *args[4 + R_COUNT] = { q->scope, as_of, types, "" };

	memset(x, 0, sizeof(*x));
	x->sc = sc;
	x->r = r;
	views_types_norm(q->types, types, sizeof(types));
	snprintf(as_of, sizeof(as_of), "%lld", (long long)date_days(q->as_of));
	soon_args(r, date_days(q->as_of), soon, args);
	if (store_query_kept(st, count_sql, args, 4 + R_COUNT, count_row, x,
	    err, errlen) == -1)
		return -1;
	if (x->oom) {
		ERR("out of memory");
		return -1;
	}
	return 0;
}

int
views_warning_counts(struct store *st, const struct view_query *q,
    warning_count_fn fn, void *arg, char *err, size_t errlen)
{
	struct rule r[R_COUNT];
	struct scope sc;
	struct cctx x;
	int rc, ret = 0;

	if (views_check_query(q, false, err, errlen) == -1)
		return -1;
	if (!windows_current(st, q, err, errlen, &rc)) {
		struct warning_set *ws;

		if (rc == -1 || views_warnings_load(st, q, &ws, err,
		    errlen) == -1)
			return -1;
		ret = views_warnings_counts(ws, fn, arg);
		views_warnings_free(ws);
		return ret;
	}
	if (views_rules_load(st, r, err, errlen) == -1 ||
	    views_scope_load(st, q->scope, &sc, err, errlen) == -1)
		return -1;
	if (load_counts(st, q, &sc, r, &x, err, errlen) == -1)
		ret = -1;
	for (size_t i = 0; ret == 0 && i < x.n; i++)
		ret = fn(arg, &x.v[i]);
	free(x.v);
	views_scope_free(&sc);
	return ret;
}

/* One candidate of a page. */
struct pitem {
	long		court;		/* position in the scope */
	int		rule, state, year;
	char		type[16];
	uint32_t	seq;
	int64_t		days;
	char		case_no[CS_CASE_MAX];
};

struct pctx {
	const struct scope *sc;
	const char	*only;		/* a court's subtree, or NULL */
	long		 court;
	int64_t		 as_of;
	bool		 overdue_only;
	struct pitem	*v;
	size_t		 n, cap;
	bool		 oom;
};

static int
pitem_row(void *arg, int ncol, const char *const *cols)
{
	struct pctx *x = arg;
	struct pitem *it;
	int64_t u = strtoll(COL(2), NULL, 10);
	int state = atoi(COL(3)), kind = atoi(COL(4));

	long court = x->court;

	if (ncol > 8) {			/* ending_sql: the court's log id */
		court = views_scope_find(x->sc, strtoll(COL(8), NULL, 10));
		if (court < 0 || (x->only != NULL && x->only[0] != '\0' &&
		    !court_path_covers(x->only, x->sc->v[court].origin)))
			return 0;
	}
	if (x->overdue_only && state != ST_OVER)
		return 0;
	if (!views_grow((void **)&x->v, &x->n, &x->cap, sizeof(*x->v))) {
		x->oom = true;
		return 1;
	}
	it = &x->v[x->n++];
	memset(it, 0, sizeof(*it));
	it->court = court;
	cs_strlcpy(it->case_no, COL(0), sizeof(it->case_no));
	it->rule = atoi(COL(1));
	it->state = state;
	if (state == ST_OVER)
		it->days = kind == K_MOVING ? x->as_of - u : -u;
	else
		it->days = kind == K_MOVING ? u - x->as_of : u;
	it->year = atoi(COL(5));
	cs_strlcpy(it->type, COL(6), sizeof(it->type));
	it->seq = (uint32_t)strtoul(COL(7), NULL, 10);
	return 0;
}

/* The urgency order of views_warnings_page (views_warnings.c). */
static int
pitem_cmp(const void *pa, const void *pb)
{
	const struct pitem *a = pa, *b = pb;

	if (a->state != b->state)
		return a->state == ST_OVER ? -1 : 1;
	if (a->days != b->days)
		return (a->days > b->days) == (a->state == ST_OVER) ? -1 : 1;
	if (a->court != b->court)
		return a->court < b->court ? -1 : 1;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	return views_case_order(a->year, a->type, a->seq, a->case_no, b->year,
	    b->type, b->seq, b->case_no);
}

int
views_warning_page(struct store *st, const struct view_query *q,
    const struct warning_filter *f, size_t offset, size_t limit,
    warning_detail_fn fn, void *arg, uint64_t *total, char *err,
    size_t errlen)
{
	static const int streams[][2] = {
		{ ST_OVER, K_MOVING }, { ST_OVER, K_FIXED }, { ST_SOON, K_FIXED },
	};
	struct rule r[R_COUNT];
	struct scope sc;
	struct cctx cx;
	struct pctx px;
	char types[64], as_of[24], slog[24], sst[16], skind[16], srule[16] = "";
	char slim[24];
	const char *args[7] = { slog, as_of, types, sst, skind, srule, slim };
	const char *rule = f != NULL ? f->rule : NULL;
	const char *court = f != NULL ? f->court : NULL;
	uint64_t tot = 0;
	int rc, ret = -1;

	if (views_check_query(q, false, err, errlen) == -1)
		return -1;
	if (!windows_current(st, q, err, errlen, &rc)) {
		struct warning_set *ws;

		if (rc == -1 || views_warnings_load(st, q, &ws, err,
		    errlen) == -1)
			return -1;
		ret = views_warnings_page(ws, f, offset, limit, fn, arg, total);
		views_warnings_free(ws);
		if (ret == -1)
			ERR("out of memory");
		return ret;
	}
	memset(&px, 0, sizeof(px));
	memset(&cx, 0, sizeof(cx));
	if (views_rules_load(st, r, err, errlen) == -1 ||
	    views_scope_load(st, q->scope, &sc, err, errlen) == -1)
		return -1;
	if (rule != NULL && rule[0] != '\0') {
		int k = rule_pos(r, rule);

		if (k == R_COUNT) {		/* no such rule: nothing */
			if (total != NULL)
				*total = 0;
			ret = 0;
			goto out;
		}
		snprintf(srule, sizeof(srule), "%d", k);
	}
	/* The total from the counts, if asked for. */
	if (total != NULL && load_counts(st, q, &sc, r, &cx, err,
	    errlen) == -1)
		goto out;
	for (size_t i = 0; i < cx.n; i++) {
		const struct warning_count *c = &cx.v[i];

		if ((rule == NULL || rule[0] == '\0' || strcmp(rule, c->rule) == 0) &&
		    (court == NULL || court[0] == '\0' ||
		    court_path_covers(court, c->court)))
			tot += c->overdue + (f != NULL && f->overdue_only ? 0 :
			    c->due_soon);
	}
	if (total != NULL)
		*total = tot;
	else
		tot = UINT64_MAX;
	views_types_norm(q->types, types, sizeof(types));
	px.sc = &sc;
	px.only = court;
	px.as_of = date_days(q->as_of);
	px.overdue_only = f != NULL && f->overdue_only;
	snprintf(as_of, sizeof(as_of), "%lld", (long long)px.as_of);
	snprintf(slim, sizeof(slim), "%zu", offset + limit);
	if (offset < tot && limit > 0) {
		char soon[R_COUNT][24];
		const char *eargs[4 + R_COUNT] = { q->scope, as_of, types, srule };

		soon_args(r, px.as_of, soon, eargs);
		if (store_query_kept(st, ending_sql, eargs, 4 + R_COUNT,
		    pitem_row, &px, err, errlen) == -1)
			goto out;
	}
	for (size_t i = 0; i < sc.n && offset < tot && limit > 0; i++) {
		if (court != NULL && court[0] != '\0' &&
		    !court_path_covers(court, sc.v[i].origin))
			continue;
		px.court = (long)i;
		snprintf(slog, sizeof(slog), "%lld", (long long)sc.v[i].id);
		for (size_t k = 0; k < sizeof(streams) / sizeof(streams[0]); k++) {
			if (px.overdue_only && streams[k][0] != ST_OVER)
				continue;
			snprintf(sst, sizeof(sst), "%d", streams[k][0]);
			snprintf(skind, sizeof(skind), "%d", streams[k][1]);
			if (store_query_kept(st, stream_sql, args, 7, pitem_row,
			    &px, err, errlen) == -1)
				goto out;
		}
		if (px.oom) {
			ERR("out of memory");
			goto out;
		}
	}
	if (px.n > 1)
		qsort(px.v, px.n, sizeof(*px.v), pitem_cmp);
	ret = 0;
	/* Each warning of the page, decided for its case as for the scope. */
	for (size_t k = offset; k < px.n && k - offset < limit && ret == 0; k++)
		ret = views_case_warning(st, q, sc.v[px.v[k].court].id,
		    px.v[k].case_no, px.v[k].rule, fn, arg, err, errlen);
out:
	free(cx.v);
	free(px.v);
	views_scope_free(&sc);
	return ret;
}
