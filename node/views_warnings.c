/*
 * views_warnings.c — warnings on key workflow nodes: the rules applied per case, payouts (FIFO over each case's ledger), acknowledgments (views.h, docs/VIEWS.md).
 */
#include "views_int.h"

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
	long pos = views_scope_find(x->sc, k->log);

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

#define WARN_SQL(cases, watch) \
	"SELECT c.log, c.case_no, c.year, c.type, c.seq, c.filed," \
	" c.nonlitigation, c.assigned, c.closed, c.mode, c.ext_months," \
	" (SELECT total(julianday(CASE WHEN s.end = '' OR s.end > ?2 THEN ?2" \
	"   ELSE s.end END) - julianday(s.start)) FROM suspensions s" \
	"   WHERE s.log = c.log AND s.case_no = c.case_no AND s.start <= ?2)," \
	" " NODE_MAX("notice") ", " NODE_MAX("report_order") "," \
	" " NODE_MAX("online_search") ", " NODE_MAX("investigation_done") "," \
	" " NODE_MAX("consumption_restriction") ", " NODE_MAX("debtor_search") "," \
	" " NODE_MAX("seizure") "," \
	" max(CASE WHEN n.node = 'seizure' THEN n.expires END)," \
	" " NODE_MAX("valuation") ", " NODE_MAX("periodic_search") "," \
	" max(CASE WHEN n.node = 'periodic_search' THEN n.last_date END)" \
	" FROM logs l CROSS JOIN " cases " ON c.log = l.id" \
	" LEFT JOIN case_nodes n ON n.log = c.log AND n.case_no = c.case_no" \
	" WHERE " SCOPE_SQL " AND " TYPES_SQL " AND c.filed <= ?2" \
	watch \
	" AND (c.closed IS NULL OR c.closed > ?2 OR c.mode = 'terminated_round')" \
	" GROUP BY c.log, c.case_no"

/* The oracle reads every case in scope; the maintained view only the open
 * obligations, an index range (store_views.c): the same cases, because
 * the horizon is after as_of exactly when the condition above holds. */
/* One case (?4 its log id, ?5 its number): a page's warnings, decided
 * exactly as for the whole scope. */
#define ONE_CASE " AND c.log = CAST(?4 AS INTEGER) AND c.case_no = ?5"
static const char warn_sql_case[] = WARN_SQL("cases c", ONE_CASE);
static const char warn_sql_all[] = WARN_SQL("cases c", "");
static const char warn_sql[] = WARN_SQL("cases c INDEXED BY cases_watch",
    " AND " STORE_WATCH_SQL("c.") " > ?2");

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
			int64_t d = views_col_day(COL(pre[i].col));
			if (d == NONE || d > closed)
				n += (size_t)snprintf(missing + n,
				    sizeof(missing) - n, "%s%s", n > 0 ? "," : "",
				    pre[i].token);
		}
		if (closed <= views_add_months_d(filed, x->r[R_ZHONGBEN].days)) {
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
	last = views_col_day(COL(WC_PERIODIC_LAST));
	if (last == NONE || last > x->as_of)
		last = views_col_day(COL(WC_PERIODIC_FIRST));
	if (last != NONE && last > x->as_of)
		last = NONE;
	base = last != NONE && last > closed ? last : closed;
	deadline = views_add_months_d(base, x->r[R_PERIODIC].days);
	if (deadline > views_add_months_d(closed, 12 * PERIODIC_YEARS))
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
	filed = views_col_day(COL(WC_FILED));
	closed = views_col_day(COL(WC_CLOSED));
	if (filed == NONE)
		return 0;
	if (closed != NONE && closed <= x->as_of) {
		/* Closed by 终本 (the query keeps no other closed case). */
		zhongben_rules(x, &k, ncol, cols, filed, closed);
		return x->oom;
	}
	node_rule(x, &k, R_ASSIGN, filed + x->r[R_ASSIGN].days,
	    views_col_day(COL(WC_ASSIGNED)));
	node_rule(x, &k, R_NOTICE, filed + x->r[R_NOTICE].days,
	    views_col_day(COL(WC_NOTICE)));
	node_rule(x, &k, R_REPORT, filed + x->r[R_REPORT].days,
	    views_col_day(COL(WC_REPORT)));
	node_rule(x, &k, R_ONLINE, filed + x->r[R_ONLINE].days,
	    views_col_day(COL(WC_ONLINE)));
	node_rule(x, &k, R_INVEST, filed + x->r[R_INVEST].days,
	    views_col_day(COL(WC_INVEST)));
	seizure = views_col_day(COL(WC_SEIZURE));
	if (seizure != NONE && seizure <= x->as_of) {
		int64_t expires = views_col_day(COL(WC_EXPIRES));

		node_rule(x, &k, R_VALUATION,
		    seizure + x->r[R_VALUATION].days,
		    views_col_day(COL(WC_VALUATION)));
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

#define PAY_COLS \
	"SELECT c.log, c.case_no, c.year, c.type, c.seq, g.date, g.direction," \
	" g.amount, g.idx"
#define PAY_WHERE \
	" WHERE " SCOPE_SQL " AND " TYPES_SQL " AND c.filed <= ?2" \
	" AND (c.closed IS NULL OR c.closed > ?2) AND g.date <= ?2" \
	" ORDER BY c.log, c.case_no, g.idx"
/* The oracle: every ledger row in scope.  Maintained: the open
 * obligations' cases, then each one's ledger rows (index ledger_case). */
static const char pay_sql_all[] = PAY_COLS
	" FROM logs l CROSS JOIN ledger g ON g.log = l.id"
	" CROSS JOIN cases c ON c.log = g.log AND c.case_no = g.case_no"
	PAY_WHERE;
static const char pay_sql[] = PAY_COLS
	" FROM logs l CROSS JOIN cases c INDEXED BY cases_watch ON c.log = l.id"
	"  AND " STORE_WATCH_SQL("c.") " > ?2"
	" CROSS JOIN ledger g INDEXED BY ledger_case"
	"  ON g.log = c.log AND g.case_no = c.case_no"
	PAY_WHERE;
static const char pay_sql_case[] = PAY_COLS
	" FROM logs l CROSS JOIN cases c ON c.log = l.id" ONE_CASE
	" CROSS JOIN ledger g INDEXED BY ledger_case"
	"  ON g.log = c.log AND g.case_no = c.case_no"
	PAY_WHERE;

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
	int64_t date = views_col_day(COL(5));
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

#define ACK_COLS "SELECT a.log, a.case_no, a.rule, a.date, a.supervisor, a.note"
#define ACK_WHERE \
	" WHERE " SCOPE_SQL " AND a.date <= ?2" \
	" ORDER BY a.log, a.case_no, a.rule, a.date, a.idx"
/* Acknowledgments matter only for cases that warn: maintained, those of
 * the open obligations (index acks_case). */
static const char ack_sql_all[] = ACK_COLS
	" FROM logs l CROSS JOIN acks a ON a.log = l.id" ACK_WHERE;
static const char ack_sql[] = ACK_COLS
	" FROM logs l CROSS JOIN cases c INDEXED BY cases_watch ON c.log = l.id"
	"  AND " STORE_WATCH_SQL("c.") " > ?2"
	" CROSS JOIN acks a INDEXED BY acks_case"
	"  ON a.log = c.log AND a.case_no = c.case_no"
	ACK_WHERE;
static const char ack_sql_case[] = ACK_COLS
	" FROM logs l CROSS JOIN cases c ON c.log = l.id" ONE_CASE
	" CROSS JOIN acks a INDEXED BY acks_case"
	"  ON a.log = c.log AND a.case_no = c.case_no"
	ACK_WHERE;

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
	views_text_copy(a->by, COL(4), sizeof(a->by));
	views_text_copy(a->note, COL(5), sizeof(a->note));
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

	if (a->court != b->court)
		return a->court < b->court ? -1 : 1;
	if (a->ord != b->ord)
		return a->ord < b->ord ? -1 : 1;
	return views_case_order(a->year, a->type, a->seq, a->case_no, b->year,
	    b->type, b->seq, b->case_no);
}

/* Most urgent first: overdue by most days, then due soon by fewest days
 * left; ties in the listing order (court, rule, case). */
static int
witem_urgency_cmp(const void *pa, const void *pb)
{
	const struct witem *a = *(const struct witem *const *)pa;
	const struct witem *b = *(const struct witem *const *)pb;

	if (a->state != b->state)
		return a->state == WARN_OVERDUE ? -1 : 1;
	if (a->days != b->days)
		return (a->days > b->days) == (a->state == WARN_OVERDUE) ? -1 : 1;
	return witem_cmp(a, b);
}

struct warning_set {
	struct scope	  sc;
	struct wctx	 *x;
	const struct ack **acked;	/* per item: its acknowledgment, or NULL */
};

void
views_warnings_free(struct warning_set *ws)
{
	if (ws == NULL)
		return;
	if (ws->x != NULL) {
		free(ws->x->v);
		free(ws->x->acks);
		free(ws->x->arr);
		free(ws->x);
	}
	free(ws->acked);
	views_scope_free(&ws->sc);
	free(ws);
}

/* The warnings of the scope, or (log != NULL) of one case of it. */
static int
warnings_load(struct store *st, const struct view_query *q, const char *log,
    const char *case_no, struct warning_set **out, char *err, size_t errlen)
{
	struct warning_set *ws;
	struct wctx *x;
	char types[64];
	const char *args[5];
	const char *wsql, *psql, *asql;
	int nargs = log != NULL ? 5 : 3;
	int (*query)(struct store *, const char *, const char *const *, int,
	    store_row_fn, void *, char *, size_t);

	*out = NULL;
	if (views_check_query(q, false, err, errlen) == -1)
		return -1;
	if ((ws = calloc(1, sizeof(*ws))) == NULL) {
		ERR("out of memory");
		return -1;
	}
	if (views_scope_load(st, q->scope, &ws->sc, err, errlen) == -1) {
		free(ws);
		return -1;
	}
	if ((x = ws->x = calloc(1, sizeof(*x))) == NULL)
		goto oom;
	views_types_norm(q->types, types, sizeof(types));
	args[0] = q->scope;
	args[1] = q->as_of;
	args[2] = types;
	args[3] = log;
	args[4] = case_no;
	if (log != NULL) {
		wsql = warn_sql_case;
		psql = pay_sql_case;
		asql = ack_sql_case;
	} else if (q->recompute) {
		wsql = warn_sql_all;
		psql = pay_sql_all;
		asql = ack_sql_all;
	} else {
		wsql = warn_sql;
		psql = pay_sql;
		asql = ack_sql;
	}
	x->sc = &ws->sc;
	x->as_of = date_days(q->as_of);
	x->pay_log = -1;
	/* One case's queries run once per warning of a page: kept. */
	query = log != NULL ? store_query_kept : store_query;
	if (views_rules_load(st, x->r, err, errlen) == -1 ||
	    query(st, wsql, args, nargs, warn_row, x, err, errlen) == -1 ||
	    x->oom ||
	    query(st, psql, args, nargs, pay_row, x, err, errlen) == -1 ||
	    x->oom)
		goto fail;
	pay_finish(x);
	if (x->oom || query(st, asql, args, nargs, ack_row, x, err,
	    errlen) == -1 || x->oom)
		goto fail;
	if (x->n > 0)
		qsort(x->v, x->n, sizeof(*x->v), witem_cmp);
	if ((ws->acked = calloc(x->n + 1, sizeof(*ws->acked))) == NULL)
		goto oom;
	for (size_t i = 0; i < x->n; i++)
		ws->acked[i] = ack_find(x, ws->sc.v[x->v[i].court].id,
		    x->v[i].case_no, x->r[x->v[i].ord].id);
	*out = ws;
	return 0;
oom:
	ERR("out of memory");
	views_warnings_free(ws);
	return -1;
fail:
	if (x->oom)
		ERR("out of memory");
	views_warnings_free(ws);
	return -1;
}

int
views_warnings_load(struct store *st, const struct view_query *q,
    struct warning_set **out, char *err, size_t errlen)
{
	return warnings_load(st, q, NULL, NULL, out, err, errlen);
}

/* Item i of the set as a struct warning. */
static void
witem_warning(const struct warning_set *ws, size_t i, struct warning *w)
{
	const struct witem *it = &ws->x->v[i];
	const struct ack *a = ws->acked[i];

	memset(w, 0, sizeof(*w));
	cs_strlcpy(w->court, ws->sc.v[it->court].origin, sizeof(w->court));
	cs_strlcpy(w->case_no, it->case_no, sizeof(w->case_no));
	cs_strlcpy(w->rule, ws->x->r[it->ord].id, sizeof(w->rule));
	w->state = it->state;
	date_from_days(it->deadline, w->deadline);
	w->days = it->days;
	if (a != NULL) {
		w->acked = true;
		cs_strlcpy(w->ack_by, a->by, sizeof(w->ack_by));
		cs_strlcpy(w->ack_date, a->date, sizeof(w->ack_date));
		cs_strlcpy(w->ack_note, a->note, sizeof(w->ack_note));
	}
}

int
views_warnings_each(const struct warning_set *ws, warning_detail_fn fn,
    void *arg)
{
	struct warning w;
	int r;

	for (size_t i = 0; i < ws->x->n; i++) {
		witem_warning(ws, i, &w);
		if ((r = fn(arg, &w, ws->x->v[i].detail)) != 0)
			return r;
	}
	return 0;
}

int
views_warnings_counts(const struct warning_set *ws, warning_count_fn fn,
    void *arg)
{
	const struct wctx *x = ws->x;
	struct warning_count c;
	int r;

	/* Items are in (court, rule, case) order: each run is one count. */
	for (size_t i = 0; i < x->n;) {
		size_t j = i;

		memset(&c, 0, sizeof(c));
		cs_strlcpy(c.court, ws->sc.v[x->v[i].court].origin,
		    sizeof(c.court));
		cs_strlcpy(c.rule, x->r[x->v[i].ord].id, sizeof(c.rule));
		for (; j < x->n && x->v[j].court == x->v[i].court &&
		    x->v[j].ord == x->v[i].ord; j++) {
			if (x->v[j].state == WARN_OVERDUE)
				c.overdue++;
			else
				c.due_soon++;
			c.acked += ws->acked[j] != NULL;
		}
		if ((r = fn(arg, &c)) != 0)
			return r;
		i = j;
	}
	return 0;
}

int
views_warnings_page(const struct warning_set *ws,
    const struct warning_filter *f, size_t offset, size_t limit,
    warning_detail_fn fn, void *arg, uint64_t *total)
{
	const struct wctx *x = ws->x;
	const struct witem **sel;
	struct warning w;
	size_t n = 0;
	int r = 0;

	if ((sel = malloc((x->n + 1) * sizeof(*sel))) == NULL)
		return -1;
	for (size_t i = 0; i < x->n; i++) {
		const struct witem *it = &x->v[i];

		if (f != NULL && f->rule != NULL && f->rule[0] != '\0' &&
		    strcmp(f->rule, x->r[it->ord].id) != 0)
			continue;
		if (f != NULL && f->court != NULL && f->court[0] != '\0' &&
		    !court_path_covers(f->court, ws->sc.v[it->court].origin))
			continue;
		if (f != NULL && f->overdue_only && it->state != WARN_OVERDUE)
			continue;
		sel[n++] = it;
	}
	if (total != NULL)
		*total = n;
	if (n > 0)
		qsort(sel, n, sizeof(*sel), witem_urgency_cmp);
	for (size_t k = offset; k < n && k - offset < limit; k++) {
		witem_warning(ws, (size_t)(sel[k] - x->v), &w);
		if ((r = fn(arg, &w, sel[k]->detail)) != 0)
			break;
	}
	free(sel);
	return r;
}

int
views_warnings_detail(struct store *st, const struct view_query *q,
    warning_detail_fn fn, void *arg, char *err, size_t errlen)
{
	struct warning_set *ws;
	int r;

	if (views_warnings_load(st, q, &ws, err, errlen) == -1)
		return -1;
	r = views_warnings_each(ws, fn, arg);
	views_warnings_free(ws);
	return r;
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

int
views_case_warning(struct store *st, const struct view_query *q, int64_t log,
    const char *case_no, int rule, warning_detail_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct warning_set *ws;
	struct warning w;
	char slog[24];
	int r = 0;

	snprintf(slog, sizeof(slog), "%lld", (long long)log);
	if (warnings_load(st, q, slog, case_no, &ws, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < ws->x->n; i++)
		if (ws->x->v[i].ord == rule) {
			witem_warning(ws, i, &w);
			r = fn(arg, &w, ws->x->v[i].detail);
			break;
		}
	views_warnings_free(ws);
	return r;
}
