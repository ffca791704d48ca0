/*
 * views_indicators.c — the seven indicators, case-number integrity, back-filling and sync health (views.h, docs/VIEWS.md).
 */
#include "views_int.h"

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
	pos = views_scope_find(x->sc, strtoll(COL(0), NULL, 10));
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

/* ---- indicators from the maintained counters (docs/VIEWS.md §7) ---- */

/*
 * The counters are kept at three grains in one key space (store_views.c):
 * day numbers, 1,000,000 + month (year × 12 + month − 1) and 2,000,000 +
 * year.  A sum over days [s, e] is then five ranges: the days before the
 * first whole month, the whole months before the first whole year, the
 * whole years, the whole months after, the days after — at most about 60
 * rows per court and type whatever the period and however long the
 * history.
 */
#define KMONTH	1000000
#define KYEAR	2000000

struct pieces {
	int64_t		lo[5], hi[5];	/* keys, inclusive; lo > hi: empty */
};

static void
ymd(int64_t day, int *y, int *m, int *d)
{
	char s[11];

	date_from_days(day, s);
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
}

static void
piece_add(struct pieces *p, int k, int64_t key)
{
	if (p->lo[k] > p->hi[k]) {
		p->lo[k] = key;
		p->hi[k] = key;
	} else {
		p->hi[k] = key;
	}
}

static void
pieces_of(int64_t s, int64_t e, struct pieces *p)
{
	int64_t cur = s;
	int y, m, d, phase = 0;

	for (int k = 0; k < 5; k++) {
		p->lo[k] = 1;
		p->hi[k] = 0;
	}
	while (cur <= e) {
		int64_t month_end, year_end;

		ymd(cur, &y, &m, &d);
		month_end = views_add_months_d(cur - d + 1, 1) - 1;
		year_end = views_add_months_d(cur - d + 1, 13 - m) - 1;
		if (d == 1 && m == 1 && year_end <= e && phase <= 2) {
			phase = 2;
			piece_add(p, 2, KYEAR + y);
			cur = year_end + 1;
		} else if (d == 1 && month_end <= e && phase <= 3) {
			phase = phase <= 1 ? 1 : 3;
			piece_add(p, phase, KMONTH + (int64_t)y * 12 + m - 1);
			cur = month_end + 1;
		} else {
			phase = phase == 0 ? 0 : 4;
			piece_add(p, phase, cur);
			cur++;
		}
	}
}

#define VTYPES_SQL "instr(',' || ?3 || ',', ',' || v.type || ',') > 0"
/* One range of a counter table, per log in scope: ?lo..?hi. */
#define VPART(tab, key, cols, lo, hi) \
	" SELECT l.id AS lid, " cols " FROM logs l CROSS JOIN " tab " v" \
	" ON v.log = l.id AND v." key " BETWEEN CAST(?" #lo " AS INTEGER)" \
	" AND CAST(?" #hi " AS INTEGER) WHERE " SCOPE_SQL " AND " VTYPES_SQL
#define VPARTS(tab, key, cols) \
	VPART(tab, key, cols, 4, 5) " UNION ALL" \
	VPART(tab, key, cols, 6, 7) " UNION ALL" \
	VPART(tab, key, cols, 8, 9) " UNION ALL" \
	VPART(tab, key, cols, 10, 11) " UNION ALL" \
	VPART(tab, key, cols, 12, 13)

/* Cases filed in the five ranges ?4..?13 per court. */
static const char vfiled_sql[] =
	"SELECT lid, sum(n) FROM (" VPARTS("vc_filed", "day", "v.n AS n")
	") GROUP BY lid";
/* Cases closed in them, with the sums over closed cases. */
static const char vclosed_sql[] =
	"SELECT lid, sum(n), sum(completed), sum(within), sum(fn), sum(fz),"
	" sum(claimed), sum(recovered), sum(days) FROM ("
	VPARTS("vc_closed", "day", "v.n AS n, v.completed AS completed,"
	" v.within AS within, CASE WHEN v.type = '执' THEN v.n END AS fn,"
	" CASE WHEN v.type = '执' THEN v.zhongben END AS fz,"
	" v.claimed AS claimed, v.recovered AS recovered, v.days AS days")
	") GROUP BY lid";
/* Cases open at the period's end ?2 filed in the five ranges: those still
 * open (closed = 2147483647, filing keys at three grains) and those closed
 * after ?2 (filing days up to ?14). */
#define VOPEN(lo, hi) \
	" SELECT l.id AS lid, v.n AS n FROM logs l CROSS JOIN vc_open v" \
	" ON v.log = l.id AND v.closed = 2147483647 AND v.filed BETWEEN" \
	" CAST(?" #lo " AS INTEGER) AND CAST(?" #hi " AS INTEGER)" \
	" WHERE " SCOPE_SQL " AND " VTYPES_SQL
static const char vopen_sql[] =
	"SELECT lid, sum(n) FROM (" VOPEN(4, 5) " UNION ALL" VOPEN(6, 7)
	" UNION ALL" VOPEN(8, 9) " UNION ALL" VOPEN(10, 11) " UNION ALL"
	VOPEN(12, 13) " UNION ALL"
	" SELECT l.id AS lid, v.n AS n FROM logs l CROSS JOIN vc_open v"
	" ON v.log = l.id AND v.closed > CAST(?2 AS INTEGER)"
	" AND v.closed < 2147483647 AND v.filed <= CAST(?14 AS INTEGER)"
	" WHERE " SCOPE_SQL " AND " VTYPES_SQL ") GROUP BY lid";

/* The first day any count can hold (counters start at 1900). */
#define DAY_MIN		(-25567)	/* 1900-01-01 */

struct vsum {
	uint64_t	filed_before, closed_before;
};

struct vctx {
	const struct scope	*sc;
	struct indicators	*per;
	struct vsum		*sum;
	bool			 before;	/* the prefix, not the period */
};

static uint64_t
col_u64(int ncol, const char *const *cols, int i)
{
	return strtoull(COL(i), NULL, 10);
}

static int
vfiled_row(void *arg, int ncol, const char *const *cols)
{
	struct vctx *x = arg;
	long pos = views_scope_find(x->sc, strtoll(COL(0), NULL, 10));

	if (pos < 0)
		return 0;
	if (x->before)
		x->sum[pos].filed_before = col_u64(ncol, cols, 1);
	else
		x->per[pos].received = col_u64(ncol, cols, 1);
	return 0;
}

static int
vclosed_row(void *arg, int ncol, const char *const *cols)
{
	struct vctx *x = arg;
	long pos = views_scope_find(x->sc, strtoll(COL(0), NULL, 10));
	struct indicators *in;

	if (pos < 0)
		return 0;
	if (x->before) {
		x->sum[pos].closed_before = col_u64(ncol, cols, 1);
		return 0;
	}
	in = &x->per[pos];
	in->closed = col_u64(ncol, cols, 1);
	in->completed = col_u64(ncol, cols, 2);
	in->within_limit = col_u64(ncol, cols, 3);
	in->first_closed = col_u64(ncol, cols, 4);
	in->first_zhongben = col_u64(ncol, cols, 5);
	in->claimed = col_u64(ncol, cols, 6);
	in->recovered = col_u64(ncol, cols, 7);
	in->days = col_u64(ncol, cols, 8);
	return 0;
}

static int
vopen_row(void *arg, int ncol, const char *const *cols)
{
	struct vctx *x = arg;
	long pos = views_scope_find(x->sc, strtoll(COL(0), NULL, 10));

	if (pos >= 0)
		x->per[pos].open_12m = col_u64(ncol, cols, 1);
	return 0;
}

/* The last filing day F with F + 12 months < to (F + 12 months is
 * non-decreasing in F and lies between F + 365 and F + 366). */
static int64_t
last_filed_12m(int64_t to)
{
	int64_t f = to - 367;

	while (views_add_months_d(f + 1, 12) < to)
		f++;
	return f;
}

/* Runs sql over the five ranges of days [s, e] (?4..?13); ?2 and ?14 as
 * given. */
static int
vsum(struct store *st, const char *sql, const struct view_query *q,
    const char *types, int64_t s, int64_t e, const char *a2, const char *a14,
    store_row_fn fn, struct vctx *x, char *err, size_t errlen)
{
	struct pieces p;
	char v[10][24];
	const char *args[14] = { q->scope, a2, types };

	pieces_of(s, e, &p);
	for (int k = 0; k < 5; k++) {
		snprintf(v[2 * k], sizeof(v[0]), "%lld", (long long)p.lo[k]);
		snprintf(v[2 * k + 1], sizeof(v[0]), "%lld", (long long)p.hi[k]);
		args[3 + 2 * k] = v[2 * k];
		args[4 + 2 * k] = v[2 * k + 1];
	}
	args[13] = a14;
	/* ?14 only where the query has it */
	return store_query_kept(st, sql, args, sql == vopen_sql ? 14 : 13, fn, x,
	    err, errlen);
}

static int
ind_maintained(struct store *st, const struct view_query *q, struct ictx *x,
    const char *types, char *err, size_t errlen)
{
	struct vctx v = { x->sc, x->per, NULL, false };
	int64_t from = date_days(q->from), fmax = last_filed_12m(x->to_d);
	char to[24], sfmax[24];
	int ret = -1;

	if ((v.sum = calloc(x->sc->n + 1, sizeof(*v.sum))) == NULL) {
		ERR("out of memory");
		return -1;
	}
	snprintf(to, sizeof(to), "%lld", (long long)x->to_d);
	snprintf(sfmax, sizeof(sfmax), "%lld", (long long)fmax);
	if (vsum(st, vfiled_sql, q, types, from, x->to_d, to, sfmax,
	    vfiled_row, &v, err, errlen) == -1 ||
	    vsum(st, vclosed_sql, q, types, from, x->to_d, to, sfmax,
	    vclosed_row, &v, err, errlen) == -1 ||
	    vsum(st, vopen_sql, q, types, DAY_MIN, fmax, to, sfmax,
	    vopen_row, &v, err, errlen) == -1)
		goto out;
	v.before = true;
	if (vsum(st, vfiled_sql, q, types, DAY_MIN, from - 1, to, sfmax,
	    vfiled_row, &v, err, errlen) == -1 ||
	    vsum(st, vclosed_sql, q, types, DAY_MIN, from - 1, to, sfmax,
	    vclosed_row, &v, err, errlen) == -1)
		goto out;
	for (size_t i = 0; i < x->sc->n; i++) {
		const struct vsum *w = &v.sum[i];
		struct indicators *in = &x->per[i];

		/* open at the start: filed before it, not closed before it;
		 * open at the end: filed by it, not closed by it */
		in->old_open = w->filed_before - w->closed_before;
		in->open_end = w->filed_before + in->received -
		    (w->closed_before + in->closed);
	}
	ret = 0;
out:
	free(v.sum);
	return ret;
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
	if (views_check_query(q, true, err, errlen) == -1 ||
	    views_rules_load(st, r, err, errlen) == -1 ||
	    views_scope_load(st, q->scope, sc, err, errlen) == -1)
		return -1;
	views_types_norm(q->types, types, tcap);
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
	if (q->recompute ? store_query(st, ind_sql, args, 3, ind_row, &x, err,
	    errlen) == -1 : ind_maintained(st, q, &x, types, err, errlen) == -1)
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
	views_scope_free(&sc);
	return ret;
}

static int
icase_cmp(const void *pa, const void *pb)
{
	const struct icase *a = pa, *b = pb;

	if (a->court != b->court)
		return a->court < b->court ? -1 : 1;
	return views_case_order(a->year, a->type, a->seq, a->case_no, b->year,
	    b->type, b->seq, b->case_no);
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
	views_scope_free(&sc);
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

/* The oracle reads every case and filing in scope; the maintained view
 * only the (court, year, type) groups with fewer numbers than their
 * highest (vc_numbers), and the filings a correction touched (index
 * events_refiled). */
static const char gaps_sql_all[] =
	"SELECT l.origin, c.year, c.type, c.seq"
	" FROM logs l CROSS JOIN cases c ON c.log = l.id WHERE " SCOPE_SQL
	" ORDER BY l.origin, c.year, c.type, c.seq";
static const char gaps_sql[] =
	"SELECT l.origin, c.year, c.type, c.seq"
	" FROM logs l CROSS JOIN vc_numbers v ON v.log = l.id"
	" CROSS JOIN cases c INDEXED BY cases_numbers ON c.log = v.log"
	"  AND c.year = v.year AND c.type = v.type"
	" WHERE " SCOPE_SQL " AND v.n < v.maxseq"
	" ORDER BY l.origin, c.year, c.type, c.seq";
static const char reuse_sql_all[] =
	"SELECT l.origin, e.case_no"
	" FROM logs l CROSS JOIN events e ON e.log = l.id WHERE " SCOPE_SQL
	" AND e.type = 'case_filed' GROUP BY e.log, e.case_no"
	" HAVING count(*) >= 2 AND count(e.corrected_by) >= 1";
static const char reuse_sql[] =
	"SELECT l.origin, e.case_no"
	" FROM logs l CROSS JOIN events e INDEXED BY events_refiled"
	"  ON e.log = l.id AND e.type = 'case_filed'"
	"  AND e.corrected_by IS NOT NULL"
	" WHERE " SCOPE_SQL " AND (SELECT count(*) FROM events f"
	"  WHERE f.log = e.log AND f.case_no = e.case_no"
	"  AND f.type = 'case_filed') >= 2"
	" GROUP BY e.log, e.case_no";

int
views_numbering(struct store *st, const struct view_query *q,
    numbering_fn fn, void *arg, char *err, size_t errlen)
{
	struct nctx x;
	const char *args[1] = { q->scope };
	int ret = -1, r;

	memset(&x, 0, sizeof(x));
	x.year = -1;
	if (store_query(st, q->recompute ? gaps_sql_all : gaps_sql, args, 1,
	    gap_row, &x, err, errlen) == -1 || x.oom)
		goto out;
	if (store_query(st, q->recompute ? reuse_sql_all : reuse_sql, args, 1,
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
	int64_t date = views_col_day(COL(4)), rec;

	if (date == NONE)
		return 0;
	memset(&b, 0, sizeof(b));
	rec = views_cst_day(strtoull(COL(5), NULL, 10));
	if (rec - date <= x->min_days)
		return 0;
	cs_strlcpy(b.court, COL(0), sizeof(b.court));
	cs_strlcpy(b.case_no, COL(1), sizeof(b.case_no));
	b.index = strtoull(COL(2), NULL, 10);
	cs_strlcpy(b.type, COL(3), sizeof(b.type));
	cs_strlcpy(b.date, COL(4), sizeof(b.date));
	date_from_days(rec, b.recorded);
	if (COL(6)[0] != '\0')
		date_from_days(views_cst_day(strtoull(COL(6), NULL, 10)), b.witnessed);
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

/* Back-filled events per court: from the counters (vc_backfill) or, for
 * the oracle, from every event in scope. */
#define BF_DELAY "((e.time + 28800) / 86400 -" \
	" CAST(julianday(e.date) - 2440587.5 AS INTEGER))"
static const char bfcount_sql_all[] =
	"SELECT l.origin, count(*), max(" BF_DELAY ")"
	" FROM logs l CROSS JOIN events e ON e.log = l.id WHERE " SCOPE_SQL
	" AND e.date IS NOT NULL AND " BF_DELAY " > CAST(?2 AS INTEGER)"
	" GROUP BY l.origin ORDER BY l.origin";
static const char bfcount_sql[] =
	"SELECT l.origin, sum(v.n), max(v.delay)"
	" FROM logs l CROSS JOIN vc_backfill v ON v.log = l.id WHERE " SCOPE_SQL
	" AND v.delay > CAST(?2 AS INTEGER)"
	" GROUP BY l.origin ORDER BY l.origin";

struct bcctx {
	backfill_count_fn	 fn;
	void			*arg;
	int			 ret;
};

static int
bfcount_row(void *arg, int ncol, const char *const *cols)
{
	struct bcctx *x = arg;

	x->ret = x->fn(x->arg, COL(0), strtoull(COL(1), NULL, 10),
	    atoi(COL(2)));
	return x->ret;
}

int
views_backfill_counts(struct store *st, const struct view_query *q,
    int min_days, backfill_count_fn fn, void *arg, char *err, size_t errlen)
{
	struct bcctx x = { fn, arg, 0 };
	char md[16];
	const char *args[2] = { q->scope, md };

	snprintf(md, sizeof(md), "%d", min_days < 0 ? 0 : min_days);
	if (store_query(st, q->recompute ? bfcount_sql_all : bfcount_sql,
	    args, 2, bfcount_row, &x, err, errlen) == -1)
		return -1;
	return x.ret;
}

/* The longest delays of one court (the oracle, and pages longer than
 * vc_bf_top keeps): every event of the court, sorted. */
#define BF_TOP_SQL(events) \
	"SELECT ?1, e.case_no, e.idx, e.type, e.date, e.time," \
	" (SELECT min(k.time) FROM cosigs k" \
	"   WHERE k.log = e.log AND k.size > e.idx)" \
	" FROM " events " WHERE e.log = CAST(?3 AS INTEGER)" \
	" AND e.date IS NOT NULL AND " BF_DELAY " > CAST(?2 AS INTEGER)" \
	" ORDER BY " BF_DELAY " DESC, e.case_no DESC, e.idx DESC" \
	" LIMIT CAST(?4 AS INTEGER)"
static const char bftop_sql_all[] = BF_TOP_SQL("events e NOT INDEXED");
/* Maintained: the court's longest delays kept in vc_bf_top. */
static const char bftop_sql[] =
	"SELECT ?1, e.case_no, e.idx, e.type, e.date, e.time,"
	" (SELECT min(k.time) FROM cosigs k"
	"   WHERE k.log = e.log AND k.size > e.idx)"
	" FROM vc_bf_top t CROSS JOIN events e ON e.log = t.log"
	"  AND e.case_no = t.case_no AND e.idx = t.idx"
	" WHERE t.log = CAST(?3 AS INTEGER) AND t.delay > CAST(?2 AS INTEGER)"
	" ORDER BY t.delay DESC, t.case_no DESC, t.idx DESC"
	" LIMIT CAST(?4 AS INTEGER)";

struct btctx {
	struct bctx	 b;
	size_t		 left;
};

static int
bftop_row(void *arg, int ncol, const char *const *cols)
{
	struct btctx *x = arg;

	if (x->left == 0)
		return 1;
	x->left--;
	return backfill_row(&x->b, ncol, cols);
}

int
views_backfill_top(struct store *st, const struct view_query *q,
    int min_days, size_t limit, backfill_fn fn, void *arg, char *err,
    size_t errlen)
{
	struct scope sc;
	struct btctx x;
	char md[16], id[24], lim[24];
	const char *args[4] = { NULL, md, id, lim };
	int ret = 0;

	memset(&x, 0, sizeof(x));
	x.b.min_days = min_days < 0 ? 0 : min_days;
	x.b.fn = fn;
	x.b.arg = arg;
	x.left = limit;
	snprintf(md, sizeof(md), "%d", x.b.min_days);
	if (views_scope_load(st, q->scope, &sc, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < sc.n && x.left > 0 && x.b.ret == 0; i++) {
		args[0] = sc.v[i].origin;
		snprintf(id, sizeof(id), "%lld", (long long)sc.v[i].id);
		snprintf(lim, sizeof(lim), "%zu", x.left);
		/* vc_bf_top keeps VC_BF_TOP per court: more needs the scan. */
		if (store_query(st, q->recompute || limit > VC_BF_TOP ?
		    bftop_sql_all : bftop_sql, args, 4, bftop_row, &x, err,
		    errlen) == -1) {
			ret = -1;
			break;
		}
	}
	views_scope_free(&sc);
	return ret == 0 ? x.b.ret : ret;
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
	views_text_copy(p.last_error, COL(3), sizeof(p.last_error));
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
