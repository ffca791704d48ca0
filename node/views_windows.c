/*
 * views_windows.c — warning windows: for every case and rule, the days on
 * which the rules of docs/VIEWS.md §1 warn (views_derive.c derives them),
 * kept in the table `vw` as the fold writes each case (docs/VIEWS.md §7).
 * Counts of warnings as of any day are then a range of an index over the
 * windows alive that day, and the most urgent warnings are the first rows
 * of ordered index ranges.  Here: which rules an event can change, reading
 * a case's rows, writing the windows that changed, deriving them all again.
 */
#include "views_int.h"

/* ---- reading a case's rows ---- */

static int64_t
day_or_inf(const char *s)
{
	return date_valid(s) ? date_days(s) : VW_INF;
}

/* The nodes the rules read, and which rules read each (node_row). */
static const struct {
	const char	*node;
	unsigned	 rules;
} node_reads[] = {
	{ "notice", BIT(R_NOTICE) | BIT(R_ZHONGBEN) },
	{ "report_order", BIT(R_REPORT) | BIT(R_ZHONGBEN) },
	{ "online_search", BIT(R_ONLINE) },
	{ "investigation_done", BIT(R_INVEST) | BIT(R_ZHONGBEN) },
	{ "consumption_restriction", BIT(R_ZHONGBEN) },
	{ "debtor_search", BIT(R_ZHONGBEN) },
	{ "seizure", BIT(R_VALUATION) | BIT(R_SEIZURE) },
	{ "valuation", BIT(R_VALUATION) },
	{ "periodic_search", BIT(R_PERIODIC) },
};

unsigned
views_windows_rules(const struct event *ev)
{
	switch (ev->type) {
	case EV_HANDLER_ASSIGNED:
		return BIT(R_ASSIGN);		/* the first assignment */
	case EV_TRIAGE_DECIDED:
		return 0;
	case EV_NODE_DONE:
		for (size_t i = 0; i < sizeof(node_reads) /
		    sizeof(node_reads[0]); i++)
			if (strcmp(ev->f[F_NODE].s, node_reads[i].node) == 0)
				return node_reads[i].rules;
		return 0;
	case EV_FUNDS_RECEIVED:
	case EV_FUNDS_PAID:
		return BIT(R_PAYOUT);
	case EV_EXTENSION_APPROVED:
	case EV_SUSPENSION_STARTED:
	case EV_SUSPENSION_ENDED:
		return SUSP_RULES;
	default:	/* filing, closing (every window ends), acknowledgment */
		return VW_ALL;
	}
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

	if (!views_grow((void **)&d->susp, &d->nsusp, &d->capsusp,
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
	if (!views_grow((void **)&d->led, &d->nled, &d->capled, sizeof(*d->led))) {
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
/* Window writes: their arguments are those of vw_put_sql (window_write). */
static const char vw_del1_sql[] =
	"DELETE FROM vw WHERE log = ?1 AND case_no = ?2 AND rule = ?3"
	" AND a = ?4";
static const char vw_put_sql[] =
	"INSERT INTO vw(log, case_no, rule, a, b, u, state, kind, type, year,"
	" seq, ack) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
static const char vw_upd_sql[] =
	"UPDATE vw SET b = ?5, u = ?6, state = ?7, kind = ?8, ack = ?12"
	" WHERE log = ?1 AND case_no = ?2 AND rule = ?3 AND a = ?4";

struct oldw {
	struct window	*w;
	size_t		 n, cap;
	bool		 oom;
};

static int
old_row(void *arg, int ncol, const char *const *cols)
{
	struct oldw *o = arg;

	if (!views_grow((void **)&o->w, &o->n, &o->cap, sizeof(*o->w))) {
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
	if (views_rules_load(st, r, err, errlen) == -1)
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

static bool
window_eq(const struct window *a, const struct window *b)
{
	return a->rule == b->rule && a->a == b->a && a->b == b->b &&
	    a->u == b->u && a->state == b->state && a->kind == b->kind &&
	    a->ack == b->ack;
}

/* Runs sql (vw_put_sql, vw_upd_sql, vw_del1_sql) for window w; a holds
 * the log, the case and its number's parts (8..10). */
static int
window_write(struct store *st, const char *sql, struct store_arg a[12],
    const struct window *w, char *err, size_t errlen)
{
	a[2].i = w->rule;
	a[3].i = w->a;
	a[4].i = w->b;
	a[5].i = w->u;
	a[6].i = w->state;
	a[7].i = w->kind;
	a[11].i = w->ack;
	return store_exec_kept_args(st, sql, a, 12, err, errlen);
}

/* Writes the windows of the rules in `rules` that changed from o (the
 * stored ones, all rules) to d (the derived ones): both lists are in
 * (rule, a) order, the primary key's. */
static int
windows_write(struct store *st, int64_t log, const char *case_no,
    const struct oldw *o, const struct cdata *d, unsigned rules, char *err,
    size_t errlen)
{
	struct store_arg a[12] = { { NULL, log }, { case_no, 0 } };
	struct case_no cn;
	size_t i = 0, j = 0;

	if (d->nw > 0) {
		if (case_no_parse(case_no, &cn, err, errlen) == -1)
			return -1;
		a[8].s = cn.type;
		a[9].i = cn.year;
		a[10].i = cn.seq;
	}
	while (i < o->n || j < d->nw) {
		const char *sql;
		int c;

		if (i < o->n && !(rules & BIT(o->w[i].rule))) {
			i++;		/* a rule not derived: kept */
			continue;
		}
		c = i == o->n ? 1 : j == d->nw ? -1 :
		    views_window_cmp(&o->w[i], &d->w[j]);
		if (c == 0 && window_eq(&o->w[i], &d->w[j])) {
			i++;
			j++;
			continue;
		}
		/* changed in place, gone, or new */
		sql = c == 0 ? vw_upd_sql : c < 0 ? vw_del1_sql : vw_put_sql;
		if (window_write(st, sql, a, c < 0 ? &o->w[i] : &d->w[j], err,
		    errlen) == -1)
			return -1;
		i += c <= 0;
		j += c >= 0;
	}
	return 0;
}

int
views_windows_case(struct store *st, int64_t log, const struct case_state *cs,
    const char *case_no, unsigned rules, char *err, size_t errlen)
{
	struct rule r[R_COUNT];
	struct cdata *d;
	struct oldw *o;
	char slog[24];
	const char *args[12] = { slog, case_no };
	int ret = -1;

	if (rules == 0)
		return 0;
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
		/* Only what the rules to derive read. */
		if (((rules & NODE_RULES) && store_query_kept(st, vw_nodes_sql,
		    args, 2, node_row, d, err, errlen) == -1) ||
		    ((rules & SUSP_RULES) && store_query_kept(st, vw_susp_sql,
		    args, 2, susp_row, d, err, errlen) == -1) ||
		    ((rules & BIT(R_PAYOUT)) && store_query_kept(st,
		    vw_ledger_sql, args, 2, ledger_row, d, err, errlen) == -1) ||
		    store_query_kept(st, vw_acks_sql, args, 2, ack_first_row, &ax,
		    err, errlen) == -1)
			goto out;
		views_windows_build(d, r, rules);
	}
	if (d->oom || o->oom) {
		ERR("out of memory");
		goto out;
	}
	if (windows_write(st, log, case_no, o, d, rules, err, errlen) == -1)
		goto out;
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

	if (!views_grow((void **)&k->v, &k->n, &k->cap, sizeof(*k->v))) {
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
		    k.v[i].case_no, VW_ALL, err, errlen) == -1))
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

