/*
 * store_counts.c — the counters of the view state (vc_filed, vc_closed,
 * vc_open, vc_numbers: docs/VIEWS.md §7) kept by courtsync's own writes of
 * case rows, summed in memory per transaction and written just before it
 * commits (store_views_flush).
 *
 * Why not the triggers alone: they run about a dozen statements, with
 * date arithmetic in SQL, for every case row that changes a counted
 * column, at every write.  A batch of 10,000 events writes thousands of
 * case rows but touches only a few hundred (court, day, type) counters;
 * summing the changes here and writing each counter once costs a small
 * fraction of that.  The triggers stay in the schema for every other
 * writer (a sqlite3 shell); courtsync's connections switch them off
 * (SQLITE_DBCONFIG_ENABLE_TRIGGER, store_open), and these functions add
 * exactly what the triggers would: a case row counts as in store_views.c's
 * CASE_TRIGGERS and views_fill, which the tests compare with this.
 */
#include "store_int.h"

#define KMONTH	1000000			/* counter keys: store_views.c */
#define KYEAR	2000000
#define OPEN_KEY 2147483647		/* vc_open.closed of an open case */

enum { T_FILED, T_CLOSED, T_OPEN, T_NUMBERS };
enum { V_N, V_COMPLETED, V_ZHONGBEN, V_WITHIN, V_CLAIMED, V_RECOVERED,
    V_DAYS, NV };

struct count {
	bool	 used;
	bool	 sub;			/* vc_numbers: a case left the group */
	int	 tab;
	int64_t	 log, k1, k2;		/* k2: vc_open's filing key */
	char	 type[16];
	int64_t	 v[NV];
	int64_t	 maxseq;		/* vc_numbers: highest number added */
};

struct store_counts {
	struct count	*slot;
	size_t		 cap, n;	/* cap: a power of two */
	int		 limit, limit_nonlit;	/* 审限 months, or -1: not read */
};

void
store_counts_discard(struct store *s)
{
	if (s->counts == NULL)
		return;
	free(s->counts->slot);
	free(s->counts);
	s->counts = NULL;
}

void
store_case_tally(const struct case_state *cs, struct case_tally *t)
{
	memset(t, 0, sizeof(*t));
	if (cs == NULL || cs->filed[0] == '\0')
		return;
	t->present = true;
	t->year = cs->year;
	t->seq = cs->seq;
	cs_strlcpy(t->type, cs->type, sizeof(t->type));
	cs_strlcpy(t->filed, cs->filed, sizeof(t->filed));
	cs_strlcpy(t->closed, cs->closed, sizeof(t->closed));
	cs_strlcpy(t->mode, cs->mode, sizeof(t->mode));
	t->claimed = cs->claimed;
	t->recovered = cs->recovered;
	t->ext_months = cs->ext_months;
	t->susp_days = cs->susp_days;
	t->nonlitigation = cs->nonlitigation != 0;
}

static uint64_t
count_hash(int tab, int64_t log, int64_t k1, int64_t k2, const char *type)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	int64_t v[4] = { tab, log, k1, k2 };

	for (int i = 0; i < 4; i++)
		h = (h ^ (uint64_t)v[i]) * 1099511628211ULL;
	for (; *type != '\0'; type++)
		h = (h ^ (unsigned char)*type) * 1099511628211ULL;
	return h;
}

static bool
counts_grow(struct store_counts *c)
{
	struct count *old = c->slot;
	size_t ocap = c->cap, cap = ocap != 0 ? ocap * 2 : 1024;

	if ((c->slot = calloc(cap, sizeof(*c->slot))) == NULL) {
		c->slot = old;
		return false;
	}
	c->cap = cap;
	for (size_t i = 0; i < ocap; i++) {
		const struct count *o = &old[i];
		size_t j;

		if (!o->used)
			continue;
		j = count_hash(o->tab, o->log, o->k1, o->k2, o->type) & (cap - 1);
		while (c->slot[j].used)
			j = (j + 1) & (cap - 1);
		c->slot[j] = *o;
	}
	free(old);
	return true;
}

/* The counter (tab, log, k1, k2, type), added if new; NULL: out of memory. */
static struct count *
count_at(struct store_counts *c, int tab, int64_t log, int64_t k1, int64_t k2,
    const char *type)
{
	size_t j;

	if (2 * (c->n + 1) > c->cap && !counts_grow(c))
		return NULL;
	j = count_hash(tab, log, k1, k2, type) & (c->cap - 1);
	for (;; j = (j + 1) & (c->cap - 1)) {
		struct count *p = &c->slot[j];

		if (!p->used) {
			memset(p, 0, sizeof(*p));
			p->used = true;
			p->tab = tab;
			p->log = log;
			p->k1 = k1;
			p->k2 = k2;
			cs_strlcpy(p->type, type, sizeof(p->type));
			c->n++;
			return p;
		}
		if (p->tab == tab && p->log == log && p->k1 == k1 &&
		    p->k2 == k2 && strcmp(p->type, type) == 0)
			return p;
	}
}

/* The 审限 in months of each kind of case, from the rules table (the
 * LIMIT of store_views.c): read once per transaction. */
static int
limits_load(struct store *s, struct store_counts *c, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	c->limit = 6;
	c->limit_nonlit = 3;
	if (sqlite3_prepare_v2(DB(s), "SELECT id, days FROM rules WHERE id IN"
	    " ('time_limit', 'time_limit_nonlit')", -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);

		if (id != NULL && strcmp(id, "time_limit") == 0)
			c->limit = sqlite3_column_int(st, 1);
		else if (id != NULL)
			c->limit_nonlit = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	return 0;
}

static int64_t
month_key(const char *date)
{
	return KMONTH + (int64_t)atoi(date) * 12 + atoi(date + 5) - 1;
}

static int64_t
year_key(const char *date)
{
	return KYEAR + atoi(date);
}

/* Adds sign × what case row t counts to the transaction's counters. */
static int
tally_add(struct store_counts *c, int64_t log, const struct case_tally *t,
    int sign)
{
	int64_t f = date_days(t->filed), fk[3];
	struct count *p;

	fk[0] = f;
	fk[1] = month_key(t->filed);
	fk[2] = year_key(t->filed);
	for (int g = 0; g < 3; g++) {
		if ((p = count_at(c, T_FILED, log, fk[g], 0, t->type)) == NULL)
			return -1;
		p->v[V_N] += sign;
	}
	if ((p = count_at(c, T_NUMBERS, log, t->year, 0, t->type)) == NULL)
		return -1;
	p->v[V_N] += sign;
	if (sign > 0 && (int64_t)t->seq > p->maxseq)
		p->maxseq = t->seq;
	if (sign < 0)
		p->sub = true;
	if (t->closed[0] == '\0') {
		for (int g = 0; g < 3; g++) {
			if ((p = count_at(c, T_OPEN, log, OPEN_KEY, fk[g],
			    t->type)) == NULL)
				return -1;
			p->v[V_N] += sign;
		}
		return 0;
	}
	{
		int64_t cl = date_days(t->closed), ck[3], v[NV];
		int64_t months = (t->nonlitigation ? c->limit_nonlit : c->limit) +
		    (int64_t)t->ext_months;

		ck[0] = cl;
		ck[1] = month_key(t->closed);
		ck[2] = year_key(t->closed);
		v[V_N] = 1;
		v[V_COMPLETED] = strcmp(t->mode, "completed") == 0;
		v[V_ZHONGBEN] = strcmp(t->mode, "terminated_round") == 0;
		v[V_WITHIN] = cl <= add_months(t->filed, months) + t->susp_days;
		v[V_CLAIMED] = (int64_t)t->claimed;
		v[V_RECOVERED] = (int64_t)t->recovered;
		v[V_DAYS] = cl - f;
		for (int g = 0; g < 3; g++) {
			if ((p = count_at(c, T_CLOSED, log, ck[g], 0,
			    t->type)) == NULL)
				return -1;
			for (int k = 0; k < NV; k++)
				p->v[k] += sign * v[k];
		}
		if ((p = count_at(c, T_OPEN, log, cl, f, t->type)) == NULL)
			return -1;
		p->v[V_N] += sign;
	}
	return 0;
}

static bool
tally_same(const struct case_tally *a, const struct case_tally *b)
{
	return a->present == b->present && (!a->present ||
	    (a->year == b->year && a->seq == b->seq &&
	    strcmp(a->type, b->type) == 0 && strcmp(a->filed, b->filed) == 0 &&
	    strcmp(a->closed, b->closed) == 0 && strcmp(a->mode, b->mode) == 0 &&
	    a->claimed == b->claimed && a->recovered == b->recovered &&
	    a->ext_months == b->ext_months && a->susp_days == b->susp_days &&
	    a->nonlitigation == b->nonlitigation));
}

int
store_counts_case(struct store *s, int64_t log, const struct case_tally *was,
    const struct case_tally *now, char *err, size_t errlen)
{
	struct store_counts *c = s->counts;

	if (tally_same(was, now))
		return 0;
	if (c == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			goto oom;
		s->counts = c;
		if (limits_load(s, c, err, errlen) == -1) {
			store_counts_discard(s);
			return -1;
		}
	}
	if ((was->present && tally_add(c, log, was, -1) == -1) ||
	    (now->present && tally_add(c, log, now, 1) == -1))
		goto oom;
	/* Outside a transaction the case row is already committed. */
	if (sqlite3_get_autocommit(DB(s)))
		return store_counts_flush(s, err, errlen);
	return 0;
oom:
	ERR("out of memory");
	return -1;
}

/* Per table: the upsert of a counter that grows, the update of one that
 * shrinks (a counter is never made up from a decrease), and the delete of
 * a counter back at zero. */
static const char *const count_sql[4][3] = {
	[T_FILED] = {
		"INSERT INTO vc_filed VALUES (?1, ?2, ?4, ?5)"
		" ON CONFLICT(log, day, type) DO UPDATE SET n = n + excluded.n",
		"UPDATE vc_filed SET n = n + ?5"
		" WHERE log = ?1 AND day = ?2 AND type = ?4",
		"DELETE FROM vc_filed"
		" WHERE log = ?1 AND day = ?2 AND type = ?4 AND n = 0",
	},
	[T_CLOSED] = {
		"INSERT INTO vc_closed VALUES (?1, ?2, ?4, ?5, ?6, ?7, ?8, ?9,"
		" ?10, ?11) ON CONFLICT(log, day, type) DO UPDATE SET"
		" n = n + excluded.n, completed = completed + excluded.completed,"
		" zhongben = zhongben + excluded.zhongben,"
		" within = within + excluded.within,"
		" claimed = claimed + excluded.claimed,"
		" recovered = recovered + excluded.recovered,"
		" days = days + excluded.days",
		"UPDATE vc_closed SET n = n + ?5, completed = completed + ?6,"
		" zhongben = zhongben + ?7, within = within + ?8,"
		" claimed = claimed + ?9, recovered = recovered + ?10,"
		" days = days + ?11 WHERE log = ?1 AND day = ?2 AND type = ?4",
		"DELETE FROM vc_closed"
		" WHERE log = ?1 AND day = ?2 AND type = ?4 AND n = 0",
	},
	[T_OPEN] = {
		"INSERT INTO vc_open VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT(log, closed, filed, type) DO UPDATE SET"
		" n = n + excluded.n",
		"UPDATE vc_open SET n = n + ?5 WHERE log = ?1 AND closed = ?2"
		" AND filed = ?3 AND type = ?4",
		"DELETE FROM vc_open WHERE log = ?1 AND closed = ?2"
		" AND filed = ?3 AND type = ?4 AND n = 0",
	},
	/* vc_numbers: maxseq as NUM_ADD (the highest added) or, once a case
	 * left the group, as NUM_SUB (the highest number left). */
	[T_NUMBERS] = {
		"INSERT INTO vc_numbers VALUES (?1, ?2, ?4, ?5, ?6)"
		" ON CONFLICT(log, year, type) DO UPDATE SET n = n + excluded.n,"
		" maxseq = max(maxseq, excluded.maxseq)",
		"UPDATE vc_numbers SET n = n + ?5, maxseq = coalesce((SELECT"
		" max(seq) FROM cases WHERE log = ?1 AND year = ?2 AND"
		" type = ?4), 0) WHERE log = ?1 AND year = ?2 AND type = ?4",
		"DELETE FROM vc_numbers"
		" WHERE log = ?1 AND year = ?2 AND type = ?4 AND n = 0",
	},
};

/* Runs step (0 upsert, 1 update, 2 delete) of p's table with p's values
 * (none: with n + 0, so that vc_numbers' maxseq is recomputed). */
static int
count_step(struct store *s, const struct count *p, int step, bool values,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = store_kept(s, count_sql[p->tab][step], err, errlen);
	int nv = p->tab == T_CLOSED ? NV : 1;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p->log);
	sqlite3_bind_int64(st, 2, p->k1);
	sqlite3_bind_int64(st, 3, p->k2);
	sqlite3_bind_text(st, 4, p->type, -1, SQLITE_STATIC);
	for (int k = 0; k < nv; k++)
		sqlite3_bind_int64(st, 5 + k, values ? p->v[k] : 0);
	if (p->tab == T_NUMBERS)
		sqlite3_bind_int64(st, 6, p->maxseq);
	return store_step_done(s, st, err, errlen);
}

static int
count_write(struct store *s, const struct count *p, char *err, size_t errlen)
{
	int nv = p->tab == T_CLOSED ? NV : 1;
	bool zero = true, grows = p->v[V_N] > 0;

	for (int k = 0; k < nv; k++)
		zero = zero && p->v[k] == 0;
	if (zero && !p->sub)
		return 0;
	if (grows && count_step(s, p, 0, true, err, errlen) == -1)
		return -1;
	if ((!grows || p->sub) &&
	    (count_step(s, p, 1, !grows, err, errlen) == -1 ||
	    count_step(s, p, 2, true, err, errlen) == -1))
		return -1;
	return 0;
}

int
store_counts_flush(struct store *s, char *err, size_t errlen)
{
	struct store_counts *c = s->counts;
	int ret = 0;

	if (c == NULL)
		return 0;
	for (size_t i = 0; i < c->cap && ret == 0; i++)
		if (c->slot[i].used && count_write(s, &c->slot[i], err,
		    errlen) == -1)
			ret = -1;
	store_counts_discard(s);
	return ret;
}
