/*
 * views_windows.c — warning windows: for every case and rule, the days on
 * which the rules of docs/VIEWS.md §1 warn, kept in the table `vw` as the
 * fold writes each case (docs/VIEWS.md §7).  Counts of warnings as of any
 * day are then a range of an index over the windows alive that day, and
 * the most urgent warnings are the first rows of ordered index ranges.
 *
 * A window is [a, b) in day numbers (b = VW_INF: open-ended) with a state
 * (due soon, overdue) and a kind: moving — the days change with the as-of
 * day A (overdue: A − D; due soon: D − A, for the deadline D) — or fixed
 * (a late node's lateness, a 审限 frozen while suspended).  Its key u
 * sorts the windows of one state and kind most urgent first:
 *
 *	overdue moving	u = D		days = A − u
 *	overdue fixed	u = −days	days = −u
 *	due soon moving	u = D		days = u − A
 *	due soon fixed	u = days	days = u
 *
 * Windows are derived from the case's derived rows and the rules in force
 * exactly as the rules decide for one as-of day (views_warnings.c); the
 * test oracle (`report --recompute`) checks that they agree on every day.
 */
#include "views_int.h"

#define VW_INF		2147483647

enum { ST_SOON = 0, ST_OVER = 1 };
enum { K_MOVING = 0, K_FIXED = 1 };

struct window {
	int		rule;
	int64_t		a, b, u;
	int		state, kind;
	int64_t		ack;		/* the rule's first acknowledgment */
};

struct ledger_row {
	int64_t		date, idx;
	int		dir;
	uint64_t	amount;
};

struct cdata {
	int64_t		filed, closed;		/* closed: VW_INF if open */
	bool		zhongben, nonlit;
	int64_t		ext;
	int64_t		node[R_COUNT];		/* done dates of node rules */
	int64_t		consumption, debtor, seizure, expires, valuation;
	int64_t		pfirst, plast;
	int64_t		ack[R_COUNT];		/* first acknowledgment */
	struct susp { int64_t s, e; } *susp;
	size_t		nsusp, capsusp;
	struct ledger_row *led;
	size_t		nled, capled;
	struct window	*w;
	size_t		nw, capw;
	bool		oom;
};

/* Appends one element to a growable array; false when out of memory. */
static bool
grow(void **v, size_t *n, size_t *cap, size_t size)
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

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static void
emit(struct cdata *d, int rule, int64_t a, int64_t b, int state, int kind,
    int64_t u)
{
	struct window *p;

	if (a >= b)
		return;
	/* one window continuing the previous one is merged into it */
	p = d->nw > 0 ? &d->w[d->nw - 1] : NULL;
	if (p != NULL && p->rule == rule && p->b == a && p->state == state &&
	    p->kind == kind && p->u == u) {
		p->b = b;
		return;
	}
	if (!grow((void **)&d->w, &d->nw, &d->capw, sizeof(*d->w))) {
		d->oom = true;
		return;
	}
	d->w[d->nw++] = (struct window){ rule, a, b, u, state, kind,
	    d->ack[rule] };
}

/* A deadline D on [lo, hi), the node done on day `done` (VW_INF: never):
 * due soon from D − due_soon to D while not done, overdue after D until
 * done, then (done late) overdue by done − D. */
static void
deadline_windows(struct cdata *d, const struct rule *r, int rule, int64_t D,
    int64_t done, int64_t lo, int64_t hi)
{
	emit(d, rule, max64(lo, D - r->due_soon), min64(min64(D + 1, done), hi),
	    ST_SOON, K_MOVING, D);
	emit(d, rule, max64(lo, D + 1), min64(done, hi), ST_OVER, K_MOVING, D);
	if (done != VW_INF && done > D)
		emit(d, rule, max64(lo, done), hi, ST_OVER, K_FIXED, -(done - D));
}

/* The 审限: D moves with each suspension (docs/VIEWS.md §1.4).  Between
 * suspensions D is fixed; during one, D − A is. */
static void
time_limit_windows(struct cdata *d, const struct rule *r, int rule)
{
	int64_t base = add_months_d(d->filed, (int64_t)r->days + d->ext);
	int64_t prior = 0, p = d->filed, hi = d->closed;

	for (size_t i = 0; i < d->nsusp && p < hi; i++) {
		int64_t s = d->susp[i].s, e = d->susp[i].e, D = base + prior;
		int64_t left = base + prior - s;

		emit(d, rule, max64(p, D - r->due_soon), min64(min64(D + 1, s), hi),
		    ST_SOON, K_MOVING, D);
		emit(d, rule, max64(p, D + 1), min64(s, hi), ST_OVER, K_MOVING, D);
		if (left < 0)
			emit(d, rule, s, min64(e, hi), ST_OVER, K_FIXED, left);
		else if (left <= r->due_soon)
			emit(d, rule, s, min64(e, hi), ST_SOON, K_FIXED, left);
		if (e == VW_INF)
			return;
		prior += e - s;
		p = e;
	}
	if (p < hi) {
		int64_t D = base + prior;

		emit(d, rule, max64(p, D - r->due_soon), min64(D + 1, hi),
		    ST_SOON, K_MOVING, D);
		emit(d, rule, max64(p, D + 1), hi, ST_OVER, K_MOVING, D);
	}
}

/* Payouts: per arrival, a deadline and the day its last fen was paid out
 * (FIFO, docs/VIEWS.md §1.4); the case warns once, for its worst arrival.
 * Between two ledger dates the queue is fixed; within, the worst arrival
 * changes only where an arrival's state changes or a moving lateness
 * overtakes a fixed one, so the case is decided at each such day. */
struct arrival_at {
	int64_t		date, D, settled;	/* settled: VW_INF if not */
	uint64_t	left;
};

static size_t
fifo_at(const struct cdata *d, int64_t A, const struct rule *r,
    struct arrival_at *arr)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nled; i++) {
		const struct ledger_row *l = &d->led[i];
		uint64_t amount = l->amount;
		size_t at;

		if (l->date > A)
			continue;
		if (l->dir > 0) {
			for (at = n; at > 0 && arr[at - 1].date > l->date; at--)
				arr[at] = arr[at - 1];
			arr[at] = (struct arrival_at){ l->date, l->date + r->days,
			    VW_INF, amount };
			n++;
			continue;
		}
		for (size_t k = 0; k < n && amount > 0; k++) {
			uint64_t take;

			if (arr[k].left == 0)
				continue;
			take = arr[k].left < amount ? arr[k].left : amount;
			arr[k].left -= take;
			amount -= take;
			if (arr[k].left == 0)
				arr[k].settled = l->date;
		}
	}
	return n;
}

/* The case's payout warning on day A, as pay_finish decides it: 1 and
 * state/kind/u, or 0. */
static int
pay_decide(const struct rule *r, const struct arrival_at *arr, size_t n,
    int64_t A, int *state, int *kind, int64_t *u)
{
	int bstate = -1;
	int64_t bdays = 0;

	for (size_t i = 0; i < n; i++) {
		const struct arrival_at *x = &arr[i];
		int s, k;
		int64_t days, key;

		if (x->left == 0 && x->settled <= x->D)
			continue;		/* paid out in time */
		if (x->left == 0) {
			s = ST_OVER;
			k = K_FIXED;
			days = x->settled - x->D;
			key = -days;
		} else if (A > x->D) {
			s = ST_OVER;
			k = K_MOVING;
			days = A - x->D;
			key = x->D;
		} else if (x->D - A <= r->due_soon) {
			s = ST_SOON;
			k = K_MOVING;
			days = x->D - A;
			key = x->D;
		} else {
			continue;
		}
		if (bstate == -1 || (s == ST_OVER && (bstate != ST_OVER ||
		    days > bdays)) || (s == ST_SOON && bstate == ST_SOON &&
		    days < bdays)) {
			bstate = s;
			bdays = days;
			*kind = k;
			*u = key;
		}
	}
	*state = bstate;
	return bstate != -1;
}

static int
cmp64(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return (a > b) - (a < b);
}

static void
payout_windows(struct cdata *d, const struct rule *r, int rule)
{
	int64_t *dates = NULL, *pts = NULL;
	struct arrival_at *arr = NULL;
	size_t nd = 0;

	if (d->nled == 0)
		return;
	dates = malloc(d->nled * sizeof(*dates));
	pts = malloc((4 * d->nled + 2) * sizeof(*pts));
	arr = malloc(d->nled * sizeof(*arr));
	if (dates == NULL || pts == NULL || arr == NULL) {
		d->oom = true;
		goto out;
	}
	for (size_t i = 0; i < d->nled; i++)
		dates[nd++] = d->led[i].date;
	qsort(dates, nd, sizeof(dates[0]), cmp64);
	for (size_t k = 0; k < nd; k++) {
		int64_t t = dates[k], next = VW_INF, lo, hi, fmax = -1;
		size_t n, np = 0;

		if (k + 1 < nd && dates[k + 1] == t)
			continue;
		for (size_t j = k + 1; j < nd; j++)
			if (dates[j] > t) {
				next = dates[j];
				break;
			}
		lo = max64(t, d->filed);
		hi = min64(next, d->closed);
		if (lo >= hi)
			continue;
		n = fifo_at(d, t, r, arr);
		/* The worst lateness of an arrival paid out late is fixed;
		 * a moving one overtakes it on D_i + that lateness. */
		for (size_t i = 0; i < n; i++)
			if (arr[i].left == 0 && arr[i].settled > arr[i].D &&
			    arr[i].settled - arr[i].D > fmax)
				fmax = arr[i].settled - arr[i].D;
		pts[np++] = lo;
		for (size_t i = 0; i < n; i++) {
			if (arr[i].left == 0)
				continue;
			pts[np++] = arr[i].D - r->due_soon;
			pts[np++] = arr[i].D + 1;
			if (fmax >= 0) {
				pts[np++] = arr[i].D + fmax;	/* a tie */
				pts[np++] = arr[i].D + fmax + 1;
			}
		}
		qsort(pts, np, sizeof(pts[0]), cmp64);
		for (size_t i = 0; i < np; i++) {
			int64_t p = pts[i], q = hi, u = 0;
			int state = 0, kind = 0;

			if (p < lo || p >= hi || (i > 0 && pts[i - 1] == p))
				continue;
			for (size_t j = i + 1; j < np; j++)
				if (pts[j] > p) {
					q = min64(pts[j], hi);
					break;
				}
			if (pay_decide(r, arr, n, p, &state, &kind, &u))
				emit(d, rule, p, q, state, kind, u);
		}
	}
out:
	free(dates);
	free(pts);
	free(arr);
}

/* 终本: the preconditions (overdue from closing, for ever) and the
 * periodic searches for five years (docs/VIEWS.md §1.4). */
static void
zhongben_windows(struct cdata *d, const struct rule r[R_COUNT])
{
	int64_t C = d->closed, seg[4], limit;
	size_t ns = 0;

	if (r[R_ZHONGBEN].enabled) {
		const int64_t pre[] = { d->node[R_NOTICE], d->node[R_REPORT],
		    d->consumption, d->node[R_INVEST], d->debtor };
		bool failed = C <= add_months_d(d->filed, r[R_ZHONGBEN].days);

		for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
			if (pre[i] == VW_INF || pre[i] > C)
				failed = true;
		if (failed)
			emit(d, R_ZHONGBEN, C, VW_INF, ST_OVER, K_MOVING, C);
	}
	if (!r[R_PERIODIC].enabled)
		return;
	/* The last search as of A: none before the first, the first until
	 * the last, then the last (views_warnings.c, zhongben_rules). */
	limit = add_months_d(C, 12 * PERIODIC_YEARS);
	seg[ns++] = C;
	if (d->pfirst != VW_INF && d->pfirst > C)
		seg[ns++] = d->pfirst;
	if (d->plast != VW_INF && d->plast > C && d->plast != d->pfirst)
		seg[ns++] = d->plast;
	seg[ns] = VW_INF;
	for (size_t i = 0; i < ns; i++) {
		int64_t p = seg[i], last = VW_INF, base, D;

		if (d->plast != VW_INF && d->plast <= p)
			last = d->plast;
		else if (d->pfirst != VW_INF && d->pfirst <= p)
			last = d->pfirst;
		base = last != VW_INF && last > C ? last : C;
		D = add_months_d(base, r[R_PERIODIC].days);
		if (D > limit)
			continue;
		emit(d, R_PERIODIC, max64(p, D - r[R_PERIODIC].due_soon),
		    min64(D + 1, seg[i + 1]), ST_SOON, K_MOVING, D);
		emit(d, R_PERIODIC, max64(p, D + 1), seg[i + 1], ST_OVER,
		    K_MOVING, D);
	}
}

static int
window_cmp(const void *pa, const void *pb)
{
	const struct window *a = pa, *b = pb;

	if (a->rule != b->rule)
		return a->rule - b->rule;
	return (a->a > b->a) - (a->a < b->a);
}

static bool
window_eq(const struct window *a, const struct window *b)
{
	return a->rule == b->rule && a->a == b->a && a->b == b->b &&
	    a->u == b->u && a->state == b->state && a->kind == b->kind &&
	    a->ack == b->ack;
}

static void
build_windows(struct cdata *d, const struct rule r[R_COUNT])
{
	static const int node_rules[] = { R_ASSIGN, R_NOTICE, R_REPORT,
	    R_ONLINE, R_INVEST };
	int64_t hi = d->closed;
	int rt = d->nonlit ? R_TIME_NONLIT : R_TIME;

	d->nw = 0;
	for (size_t i = 0; i < sizeof(node_rules) / sizeof(node_rules[0]); i++) {
		int k = node_rules[i];

		if (r[k].enabled)
			deadline_windows(d, &r[k], k, d->filed + r[k].days,
			    d->node[k], d->filed, hi);
	}
	if (d->seizure != VW_INF) {
		int64_t lo = max64(d->filed, d->seizure);

		if (r[R_VALUATION].enabled)
			deadline_windows(d, &r[R_VALUATION], R_VALUATION,
			    d->seizure + r[R_VALUATION].days, d->valuation, lo,
			    hi);
		if (r[R_SEIZURE].enabled && d->expires != VW_INF) {
			int64_t D = d->expires - r[R_SEIZURE].days;

			emit(d, R_SEIZURE, max64(lo, D - r[R_SEIZURE].due_soon),
			    min64(D + 1, hi), ST_SOON, K_MOVING, D);
			emit(d, R_SEIZURE, max64(lo, D + 1), hi, ST_OVER,
			    K_MOVING, D);
		}
	}
	if (r[R_PAYOUT].enabled)
		payout_windows(d, &r[R_PAYOUT], R_PAYOUT);
	if (r[rt].enabled)
		time_limit_windows(d, &r[rt], rt);
	if (r[R_OPEN12].enabled) {
		int64_t D = add_months_d(d->filed, r[R_OPEN12].days);

		emit(d, R_OPEN12, max64(d->filed, D - r[R_OPEN12].due_soon),
		    min64(D + 1, hi), ST_SOON, K_MOVING, D);
		emit(d, R_OPEN12, max64(d->filed, D + 1), hi, ST_OVER, K_MOVING,
		    D);
	}
	if (d->closed != VW_INF && d->zhongben)
		zhongben_windows(d, r);
	if (d->nw > 1)
		qsort(d->w, d->nw, sizeof(d->w[0]), window_cmp);
}

/* ---- reading a case's rows ---- */

static int64_t
day_or_inf(const char *s)
{
	return date_valid(s) ? date_days(s) : VW_INF;
}

static int
node_row(void *arg, int ncol, const char *const *cols)
{
	struct cdata *d = arg;
	const char *node = COL(0);
	int64_t first = day_or_inf(COL(1));

	if (strcmp(node, "notice") == 0)
		d->node[R_NOTICE] = first;
	else if (strcmp(node, "report_order") == 0)
		d->node[R_REPORT] = first;
	else if (strcmp(node, "online_search") == 0)
		d->node[R_ONLINE] = first;
	else if (strcmp(node, "investigation_done") == 0)
		d->node[R_INVEST] = first;
	else if (strcmp(node, "consumption_restriction") == 0)
		d->consumption = first;
	else if (strcmp(node, "debtor_search") == 0)
		d->debtor = first;
	else if (strcmp(node, "seizure") == 0) {
		d->seizure = first;
		d->expires = day_or_inf(COL(3));
	} else if (strcmp(node, "valuation") == 0)
		d->valuation = first;
	else if (strcmp(node, "periodic_search") == 0) {
		d->pfirst = first;
		d->plast = day_or_inf(COL(2));
	}
	return 0;
}

static int
susp_row(void *arg, int ncol, const char *const *cols)
{
	struct cdata *d = arg;

	if (!grow((void **)&d->susp, &d->nsusp, &d->capsusp,
	    sizeof(*d->susp))) {
		d->oom = true;
		return 1;
	}
	d->susp[d->nsusp].s = day_or_inf(COL(0));
	d->susp[d->nsusp].e = day_or_inf(COL(1));
	d->nsusp++;
	return 0;
}

static int
ledger_row(void *arg, int ncol, const char *const *cols)
{
	struct cdata *d = arg;

	if (!date_valid(COL(0)))
		return 0;
	if (!grow((void **)&d->led, &d->nled, &d->capled, sizeof(*d->led))) {
		d->oom = true;
		return 1;
	}
	d->led[d->nled].date = date_days(COL(0));
	d->led[d->nled].dir = atoi(COL(1));
	d->led[d->nled].amount = strtoull(COL(2), NULL, 10);
	d->led[d->nled].idx = strtoll(COL(3), NULL, 10);
	d->nled++;
	return 0;
}

struct ackctx {
	struct cdata		*d;
	const struct rule	*r;
};

static int
ack_first_row(void *arg, int ncol, const char *const *cols)
{
	struct ackctx *x = arg;

	for (int i = 0; i < R_COUNT; i++)
		if (strcmp(x->r[i].id, COL(0)) == 0) {
			int64_t day = day_or_inf(COL(1));

			if (day < x->d->ack[i])
				x->d->ack[i] = day;
		}
	return 0;
}

static const char vw_nodes_sql[] =
	"SELECT node, first_date, last_date, expires FROM case_nodes"
	" WHERE log = ?1 AND case_no = ?2";
static const char vw_susp_sql[] =
	"SELECT start, CASE WHEN end = '' THEN NULL ELSE end END"
	" FROM suspensions WHERE log = ?1 AND case_no = ?2 ORDER BY start";
static const char vw_ledger_sql[] =
	"SELECT date, direction, amount, idx FROM ledger INDEXED BY ledger_case"
	" WHERE log = ?1 AND case_no = ?2 ORDER BY idx";
static const char vw_acks_sql[] =
	"SELECT rule, min(date) FROM acks INDEXED BY acks_case"
	" WHERE log = ?1 AND case_no = ?2 GROUP BY rule";
static const char vw_old_sql[] =
	"SELECT rule, a, b, u, state, kind, ack FROM vw WHERE log = ?1"
	" AND case_no = ?2 ORDER BY rule, a";
static const char vw_del_sql[] =
	"DELETE FROM vw WHERE log = ?1 AND case_no = ?2";
static const char vw_put_sql[] =
	"INSERT INTO vw(log, case_no, rule, a, b, u, state, kind, type, year,"
	" seq, ack) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

struct oldw {
	struct window	*w;
	size_t		 n, cap;
	bool		 oom;
};

static int
old_row(void *arg, int ncol, const char *const *cols)
{
	struct oldw *o = arg;

	if (!grow((void **)&o->w, &o->n, &o->cap, sizeof(*o->w))) {
		o->oom = true;
		return 1;
	}
	o->w[o->n].rule = atoi(COL(0));
	o->w[o->n].a = strtoll(COL(1), NULL, 10);
	o->w[o->n].b = strtoll(COL(2), NULL, 10);
	o->w[o->n].u = strtoll(COL(3), NULL, 10);
	o->w[o->n].state = atoi(COL(4));
	o->w[o->n].kind = atoi(COL(5));
	o->w[o->n].ack = strtoll(COL(6), NULL, 10);
	o->n++;
	return 0;
}

/* The rules, cached per process: read again when views_rule_set changed
 * them (rules_gen) or another connection wrote the database. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uint64_t		 open_id;
	int64_t			 version;
	unsigned		 gen;
	struct rule		 r[R_COUNT];
	bool			 valid;
} rcache;
static unsigned rules_gen;

void
views_rules_changed(void)
{
	pthread_mutex_lock(&cache_lock);
	rules_gen++;
	pthread_mutex_unlock(&cache_lock);
}

static int
rules_cached(struct store *st, struct rule r[R_COUNT], char *err,
    size_t errlen)
{
	int64_t v;
	bool hit;

	if (store_data_version(st, &v, err, errlen) == -1)
		return -1;
	pthread_mutex_lock(&cache_lock);
	hit = rcache.valid && rcache.open_id == st->open_id && rcache.version == v &&
	    rcache.gen == rules_gen;
	if (hit)
		memcpy(r, rcache.r, sizeof(rcache.r));
	pthread_mutex_unlock(&cache_lock);
	if (hit)
		return 0;
	if (rules_load(st, r, err, errlen) == -1)
		return -1;
	pthread_mutex_lock(&cache_lock);
	rcache.open_id = st->open_id;
	rcache.version = v;
	rcache.gen = rules_gen;
	memcpy(rcache.r, r, sizeof(rcache.r));
	rcache.valid = true;
	pthread_mutex_unlock(&cache_lock);
	return 0;
}

int
views_windows_case(struct store *st, int64_t log, const struct case_state *cs,
    const char *case_no, char *err, size_t errlen)
{
	struct rule r[R_COUNT];
	struct cdata *d;
	struct oldw *o;
	char slog[24];
	const char *args[12] = { slog, case_no };
	int ret = -1;

	d = calloc(1, sizeof(*d));
	o = calloc(1, sizeof(*o));
	if (d == NULL || o == NULL) {
		ERR("out of memory");
		goto out;
	}
	snprintf(slog, sizeof(slog), "%lld", (long long)log);
	if (store_query_kept(st, vw_old_sql, args, 2, old_row, o, err,
	    errlen) == -1)
		goto out;
	if (cs != NULL && date_valid(cs->filed)) {
		struct ackctx ax = { d, r };

		if (rules_cached(st, r, err, errlen) == -1)
			goto out;
		d->filed = date_days(cs->filed);
		d->closed = day_or_inf(cs->closed);
		d->zhongben = strcmp(cs->mode, "terminated_round") == 0;
		d->nonlit = cs->nonlitigation != 0;
		d->ext = cs->ext_months;
		for (int i = 0; i < R_COUNT; i++) {
			d->node[i] = VW_INF;
			d->ack[i] = VW_INF;
		}
		d->node[R_ASSIGN] = day_or_inf(cs->assigned);
		d->consumption = d->debtor = d->seizure = d->expires = VW_INF;
		d->valuation = d->pfirst = d->plast = VW_INF;
		if (store_query_kept(st, vw_nodes_sql, args, 2, node_row, d, err,
		    errlen) == -1 ||
		    store_query_kept(st, vw_susp_sql, args, 2, susp_row, d, err,
		    errlen) == -1 ||
		    store_query_kept(st, vw_ledger_sql, args, 2, ledger_row, d,
		    err, errlen) == -1 ||
		    store_query_kept(st, vw_acks_sql, args, 2, ack_first_row, &ax,
		    err, errlen) == -1)
			goto out;
		build_windows(d, r);
	}
	if (d->oom || o->oom) {
		ERR("out of memory");
		goto out;
	}
	if (o->n == d->nw) {
		size_t i;

		for (i = 0; i < d->nw && window_eq(&o->w[i], &d->w[i]); i++)
			;
		if (i == d->nw) {
			ret = 0;	/* unchanged */
			goto out;
		}
	}
	if (store_exec_kept(st, vw_del_sql, args, 2, err, errlen) == -1)
		goto out;
	if (d->nw > 0) {
		struct case_no cn;
		char v[10][24];

		if (case_no_parse(case_no, &cn, err, errlen) == -1)
			goto out;
		snprintf(v[8], sizeof(v[8]), "%d", cn.year);
		snprintf(v[9], sizeof(v[9]), "%u", (unsigned)cn.seq);
		args[8] = cn.type;
		args[9] = v[8];
		args[10] = v[9];
		for (size_t i = 0; i < d->nw; i++) {
			const struct window *w = &d->w[i];

			snprintf(v[0], sizeof(v[0]), "%d", w->rule);
			snprintf(v[1], sizeof(v[1]), "%lld", (long long)w->a);
			snprintf(v[2], sizeof(v[2]), "%lld", (long long)w->b);
			snprintf(v[3], sizeof(v[3]), "%lld", (long long)w->u);
			snprintf(v[4], sizeof(v[4]), "%d", w->state);
			snprintf(v[5], sizeof(v[5]), "%d", w->kind);
			snprintf(v[6], sizeof(v[6]), "%lld", (long long)w->ack);
			args[2] = v[0];
			args[3] = v[1];
			args[4] = v[2];
			args[5] = v[3];
			args[6] = v[4];
			args[7] = v[5];
			args[11] = v[6];
			if (store_exec_kept(st, vw_put_sql, args, 12, err,
			    errlen) == -1)
				goto out;
		}
	}
	ret = 0;
out:
	if (d != NULL) {
		free(d->susp);
		free(d->led);
		free(d->w);
	}
	if (o != NULL)
		free(o->w);
	free(d);
	free(o);
	return ret;
}

/* ---- every case ---- */

struct keys {
	struct key { int64_t log; char case_no[CS_CASE_MAX]; } *v;
	size_t	n, cap;
	bool	oom;
};

static int
key_row(void *arg, int ncol, const char *const *cols)
{
	struct keys *k = arg;

	if (!grow((void **)&k->v, &k->n, &k->cap, sizeof(*k->v))) {
		k->oom = true;
		return 1;
	}
	k->v[k->n].log = strtoll(COL(0), NULL, 10);
	cs_strlcpy(k->v[k->n].case_no, COL(1), sizeof(k->v[k->n].case_no));
	k->n++;
	return 0;
}

int
views_windows_refresh(struct store *st, bool force, char *err, size_t errlen)
{
	struct keys k = { NULL, 0, 0, false };
	struct case_state *cs = NULL;
	char valid[8] = "";
	bool own = !st->in_tx;
	int r, ret = -1;

	if (own && store_begin(st, err, errlen) == -1)
		return -1;
	r = store_meta_get(st, "vw_valid", valid, sizeof(valid), err, errlen);
	if (r == -1)
		goto out;
	if (!force && !(r == 1 && strcmp(valid, "1") != 0)) {
		ret = 0;
		goto out;
	}
	if ((cs = malloc(sizeof(*cs))) == NULL) {
		ERR("out of memory");
		goto out;
	}
	if (store_exec(st, "DELETE FROM vw", NULL, 0, err, errlen) == -1 ||
	    store_query(st, "SELECT log, case_no FROM cases", NULL, 0, key_row,
	    &k, err, errlen) == -1)
		goto out;
	if (k.oom) {
		ERR("out of memory");
		goto out;
	}
	for (size_t i = 0; i < k.n; i++) {
		r = store_case_get(st, k.v[i].log, k.v[i].case_no, cs, err, errlen);
		if (r == -1 || (r == 1 && views_windows_case(st, k.v[i].log, cs,
		    k.v[i].case_no, err, errlen) == -1))
			goto out;
	}
	if (store_meta_set(st, "vw_valid", "1", err, errlen) == -1)
		goto out;
	ret = 0;
out:
	if (own) {
		if (ret == 0 && store_commit(st, err, errlen) == -1)
			ret = -1;
		else if (ret == -1)
			store_rollback(st);
	}
	free(cs);
	free(k.v);
	return ret;
}

/* ---- reading: counts and pages (docs/VIEWS.md §1.6, §7) ---- */

#define D2 "CAST(?2 AS INTEGER)"
#define VTYPES "instr(',' || ?3 || ',', ',' || v.type || ',') > 0"

/* The windows alive on day ?2 in scope ?1, of the 口径 ?3, per court and
 * rule: an index range per court (vw_alive: b > A), read from the index
 * alone. */
static const char count_sql[] =
	"SELECT l.id, v.rule, sum(v.state = 0), sum(v.state = 1),"
	" sum(v.ack <= " D2 ")"
	" FROM logs l CROSS JOIN vw v INDEXED BY vw_alive"
	"  ON v.log = l.id AND v.b > " D2
	" WHERE " SCOPE_SQL " AND v.a <= " D2 " AND " VTYPES
	" GROUP BY l.id, v.rule ORDER BY l.origin, v.rule";

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
/* The windows that end after A but not never: due soon, and (for a past
 * A) overdue ones ended since. */
static const char ending_sql[] =
	"SELECT v.case_no, v.rule, v.u, v.state, v.kind, v.year, v.type, v.seq"
	" FROM vw v INDEXED BY vw_alive WHERE v.log = CAST(?1 AS INTEGER)"
	" AND v.b > " D2 " AND v.b < 2147483647 AND v.a <= " D2 " AND " VTYPES
	" AND (?6 = '' OR v.rule = CAST(?6 AS INTEGER))";

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
	long pos = scope_find(x->sc, strtoll(COL(0), NULL, 10));
	int rule = atoi(COL(1));
	struct warning_count *c;

	if (pos < 0 || rule < 0 || rule >= R_COUNT)
		return 0;
	if (!grow((void **)&x->v, &x->n, &x->cap, sizeof(*x->v))) {
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
	char types[64], as_of[24];
	const char *args[3] = { q->scope, as_of, types };

	memset(x, 0, sizeof(*x));
	x->sc = sc;
	x->r = r;
	types_norm(q->types, types, sizeof(types));
	snprintf(as_of, sizeof(as_of), "%lld", (long long)date_days(q->as_of));
	if (store_query(st, count_sql, args, 3, count_row, x, err, errlen) == -1)
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

	if (check_query(q, false, err, errlen) == -1)
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
	if (rules_load(st, r, err, errlen) == -1 ||
	    scope_load(st, q->scope, &sc, err, errlen) == -1)
		return -1;
	if (load_counts(st, q, &sc, r, &x, err, errlen) == -1)
		ret = -1;
	for (size_t i = 0; ret == 0 && i < x.n; i++)
		ret = fn(arg, &x.v[i]);
	free(x.v);
	scope_free(&sc);
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

	if (x->overdue_only && state != ST_OVER)
		return 0;
	if (!grow((void **)&x->v, &x->n, &x->cap, sizeof(*x->v))) {
		x->oom = true;
		return 1;
	}
	it = &x->v[x->n++];
	memset(it, 0, sizeof(*it));
	it->court = x->court;
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
	int c;

	if (a->state != b->state)
		return a->state == ST_OVER ? -1 : 1;
	if (a->days != b->days)
		return (a->days > b->days) == (a->state == ST_OVER) ? -1 : 1;
	if (a->court != b->court)
		return a->court < b->court ? -1 : 1;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if ((c = strcmp(a->type, b->type)) != 0)
		return c;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return strcmp(a->case_no, b->case_no);
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
	char types[64], as_of[24], slog[24], sst[8], skind[8], srule[8] = "";
	char slim[24];
	const char *args[7] = { slog, as_of, types, sst, skind, srule, slim };
	const char *rule = f != NULL ? f->rule : NULL;
	const char *court = f != NULL ? f->court : NULL;
	uint64_t tot = 0;
	int rc, ret = -1;

	if (check_query(q, false, err, errlen) == -1)
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
	if (rules_load(st, r, err, errlen) == -1 ||
	    scope_load(st, q->scope, &sc, err, errlen) == -1)
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
	/* The total from the counts. */
	if (load_counts(st, q, &sc, r, &cx, err, errlen) == -1)
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
	types_norm(q->types, types, sizeof(types));
	px.as_of = date_days(q->as_of);
	px.overdue_only = f != NULL && f->overdue_only;
	snprintf(as_of, sizeof(as_of), "%lld", (long long)px.as_of);
	snprintf(slim, sizeof(slim), "%zu", offset + limit);
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
		if (store_query_kept(st, ending_sql, args, 6, pitem_row, &px,
		    err, errlen) == -1)
			goto out;
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
	scope_free(&sc);
	return ret;
}
