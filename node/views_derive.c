/*
 * views_derive.c — the warning windows of one case (docs/VIEWS.md §7),
 * derived from its rows (struct cdata, read by views_windows.c) and the
 * rules in force exactly as the rules of §1 decide for one as-of day
 * (views_warnings.c); the test oracle (`report --recompute`) checks that
 * they agree on every day.  Computation only: no database.
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
 */
#include "views_int.h"

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
	if (!views_grow((void **)&d->w, &d->nw, &d->capw, sizeof(*d->w))) {
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
	int64_t base = views_add_months_d(d->filed, (int64_t)r->days + d->ext);
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
zhongben_windows(struct cdata *d, const struct rule r[R_COUNT], unsigned rules)
{
	int64_t C = d->closed, seg[4], limit;
	size_t ns = 0;

	if (r[R_ZHONGBEN].enabled && (rules & BIT(R_ZHONGBEN))) {
		const int64_t pre[] = { d->node[R_NOTICE], d->node[R_REPORT],
		    d->consumption, d->node[R_INVEST], d->debtor };
		bool failed = C <= views_add_months_d(d->filed, r[R_ZHONGBEN].days);

		for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
			if (pre[i] == VW_INF || pre[i] > C)
				failed = true;
		if (failed)
			emit(d, R_ZHONGBEN, C, VW_INF, ST_OVER, K_MOVING, C);
	}
	if (!r[R_PERIODIC].enabled || !(rules & BIT(R_PERIODIC)))
		return;
	/* The last search as of A: none before the first, the first until
	 * the last, then the last (views_warnings.c, zhongben_rules). */
	limit = views_add_months_d(C, 12 * PERIODIC_YEARS);
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
		D = views_add_months_d(base, r[R_PERIODIC].days);
		if (D > limit)
			continue;
		emit(d, R_PERIODIC, max64(p, D - r[R_PERIODIC].due_soon),
		    min64(D + 1, seg[i + 1]), ST_SOON, K_MOVING, D);
		emit(d, R_PERIODIC, max64(p, D + 1), seg[i + 1], ST_OVER,
		    K_MOVING, D);
	}
}

int
views_window_cmp(const void *pa, const void *pb)
{
	const struct window *a = pa, *b = pb;

	if (a->rule != b->rule)
		return a->rule - b->rule;
	return (a->a > b->a) - (a->a < b->a);
}

void
views_windows_build(struct cdata *d, const struct rule r[R_COUNT], unsigned rules)
{
	static const int node_rules[] = { R_ASSIGN, R_NOTICE, R_REPORT,
	    R_ONLINE, R_INVEST };
	int64_t hi = d->closed;
	int rt = d->nonlit ? R_TIME_NONLIT : R_TIME;

	d->nw = 0;
	for (size_t i = 0; i < sizeof(node_rules) / sizeof(node_rules[0]); i++) {
		int k = node_rules[i];

		if (r[k].enabled && (rules & BIT(k)))
			deadline_windows(d, &r[k], k, d->filed + r[k].days,
			    d->node[k], d->filed, hi);
	}
	if (d->seizure != VW_INF) {
		int64_t lo = max64(d->filed, d->seizure);

		if (r[R_VALUATION].enabled && (rules & BIT(R_VALUATION)))
			deadline_windows(d, &r[R_VALUATION], R_VALUATION,
			    d->seizure + r[R_VALUATION].days, d->valuation, lo,
			    hi);
		if (r[R_SEIZURE].enabled && (rules & BIT(R_SEIZURE)) &&
		    d->expires != VW_INF) {
			int64_t D = d->expires - r[R_SEIZURE].days;

			emit(d, R_SEIZURE, max64(lo, D - r[R_SEIZURE].due_soon),
			    min64(D + 1, hi), ST_SOON, K_MOVING, D);
			emit(d, R_SEIZURE, max64(lo, D + 1), hi, ST_OVER,
			    K_MOVING, D);
		}
	}
	if (r[R_PAYOUT].enabled && (rules & BIT(R_PAYOUT)))
		payout_windows(d, &r[R_PAYOUT], R_PAYOUT);
	if (r[rt].enabled && (rules & BIT(rt)))
		time_limit_windows(d, &r[rt], rt);
	if (r[R_OPEN12].enabled && (rules & BIT(R_OPEN12))) {
		int64_t D = views_add_months_d(d->filed, r[R_OPEN12].days);

		emit(d, R_OPEN12, max64(d->filed, D - r[R_OPEN12].due_soon),
		    min64(D + 1, hi), ST_SOON, K_MOVING, D);
		emit(d, R_OPEN12, max64(d->filed, D + 1), hi, ST_OVER, K_MOVING,
		    D);
	}
	if (d->closed != VW_INF && d->zhongben)
		zhongben_windows(d, r, rules);
	if (d->nw > 1)
		qsort(d->w, d->nw, sizeof(d->w[0]), views_window_cmp);
}
