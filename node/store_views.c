/*
 * store_views.c — the state the views read, maintained in the same
 * transaction as every change to the derived tables (store.h, docs/VIEWS.md
 * §7).
 *
 * Shape: small counter tables keyed by (log, day, type) are kept up to
 * date whoever writes a case row: courtsync's own writes (the fold, a
 * correction's re-fold, a rebuild) sum their changes in store_counts.c
 * and write them at commit; the SQLite triggers on `cases` here do the
 * same for any other writer (courtsync's connections switch them off);
 * the back-filling counts are kept per transaction below; indexes on the
 * derived tables make the open obligations (warnings), the ledger and
 * acknowledgments of one case, the numbers of one year and type, and the
 * back-filled events range reads.  A view then costs what its answer costs: sums over
 * (court, day) rows, reads of the open cases, never a scan of every case
 * or event a hub holds.
 *
 * Only built-in SQL functions are used (julianday, date, strftime), so a
 * plain sqlite3 shell can still read and write the database.
 */
#include "store_int.h"

/* A date column as a day number (days since 1970-01-01, as date_days). */
#define DAY(x) "CAST(julianday(" x ") - 2440587.5 AS INTEGER)"

/* The 审限 of a case row R, in months, before extensions: the rules table
 * (time_limit, or time_limit_nonlit for 非诉), else DOMAIN.md's default. */
#define LIMIT(R) \
	"coalesce((SELECT days FROM rules WHERE id = CASE WHEN" \
	" coalesce(" R "nonlitigation, 0) != 0 THEN 'time_limit_nonlit'" \
	" ELSE 'time_limit' END), CASE WHEN coalesce(" R "nonlitigation, 0)" \
	" != 0 THEN 3 ELSE 6 END) + coalesce(" R "ext_months, 0)"

/* F + M calendar months, the day clamped to the target month (SQLite's
 * date() rolls 08-31 + 6 months over into March; one step back from the
 * start of that month gives the last day of February). */
#define ADDM(F, M) \
	"CASE WHEN strftime('%d', date(" F ", '+' || (" M ") || ' months'))" \
	" = strftime('%d', " F ") THEN date(" F ", '+' || (" M ") ||" \
	" ' months') ELSE date(" F ", '+' || (" M ") || ' months'," \
	" 'start of month', '-1 day') END"

/* Closed within the 审限 (docs/VIEWS.md §2), for row R with months m. */
#define WITHIN(R) \
	"(julianday(" R "closed) <= julianday(" ADDM(R "filed", "m") ")" \
	" + coalesce(" R "susp_days, 0))"

/* Counters are kept at three grains in one key space: the day number
 * (below 1,000,000), 1,000,000 + the month (year × 12 + month − 1) and
 * 2,000,000 + the year, so that a sum over any period is at most five
 * ranges (days, months, years, months, days: views_indicators.c) and a sum
 * since the first case reads one row per year. */
#define MONTHK(x) "(1000000 + CAST(substr(" x ", 1, 4) AS INTEGER) * 12 +" \
	" CAST(substr(" x ", 6, 2) AS INTEGER) - 1)"
#define YEARK(x) "(2000000 + CAST(substr(" x ", 1, 4) AS INTEGER))"

#define FILED_ADD1(R, K) \
	"INSERT INTO vc_filed VALUES (" R "log, " K(R "filed") ", " R "type," \
	" 1) ON CONFLICT(log, day, type) DO UPDATE SET n = n + 1;"
#define FILED_SUB1(R, K) \
	"UPDATE vc_filed SET n = n - 1 WHERE log = " R "log AND day = " \
	K(R "filed") " AND type = " R "type;" \
	"DELETE FROM vc_filed WHERE log = " R "log AND day = " K(R "filed") \
	" AND type = " R "type AND n = 0;"
#define FILED_ADD(R) FILED_ADD1(R, DAY) FILED_ADD1(R, MONTHK) FILED_ADD1(R, YEARK)
#define FILED_SUB(R) FILED_SUB1(R, DAY) FILED_SUB1(R, MONTHK) FILED_SUB1(R, YEARK)

#define CLOSED_ADD1(R, K) \
	"INSERT INTO vc_closed SELECT " R "log, " K(R "closed") ", " R "type," \
	" 1, " R "mode = 'completed', " R "mode = 'terminated_round', " \
	WITHIN(R) ", coalesce(" R "claimed, 0), coalesce(" R "recovered, 0)," \
	" " DAY(R "closed") " - " DAY(R "filed") \
	" FROM (SELECT " LIMIT(R) " AS m) WHERE " R "closed IS NOT NULL" \
	" ON CONFLICT(log, day, type) DO UPDATE SET n = n + 1," \
	" completed = completed + excluded.completed," \
	" zhongben = zhongben + excluded.zhongben," \
	" within = within + excluded.within," \
	" claimed = claimed + excluded.claimed," \
	" recovered = recovered + excluded.recovered," \
	" days = days + excluded.days;"
#define CLOSED_SUB1(R, K) \
	"UPDATE vc_closed SET n = n - 1," \
	" completed = completed - (" R "mode = 'completed')," \
	" zhongben = zhongben - (" R "mode = 'terminated_round')," \
	" within = within - (SELECT " WITHIN(R) " FROM (SELECT " LIMIT(R) \
	"   AS m))," \
	" claimed = claimed - coalesce(" R "claimed, 0)," \
	" recovered = recovered - coalesce(" R "recovered, 0)," \
	" days = days - (" DAY(R "closed") " - " DAY(R "filed") ")" \
	" WHERE " R "closed IS NOT NULL AND log = " R "log AND day = " \
	K(R "closed") " AND type = " R "type;" \
	"DELETE FROM vc_closed WHERE " R "closed IS NOT NULL AND log = " R "log" \
	" AND day = " K(R "closed") " AND type = " R "type AND n = 0;"
#define CLOSED_ADD(R) \
	CLOSED_ADD1(R, DAY) CLOSED_ADD1(R, MONTHK) CLOSED_ADD1(R, YEARK)
#define CLOSED_SUB(R) \
	CLOSED_SUB1(R, DAY) CLOSED_SUB1(R, MONTHK) CLOSED_SUB1(R, YEARK)

/* vc_open: a closed case by (closing day, filing day); an open case by
 * (2147483647, its filing day at the three grains), so that the cases
 * still open filed before a day are at most five ranges too. */
#define OPEN_ADD1(R, C, K, W) \
	"INSERT INTO vc_open SELECT " R "log, " C ", " K(R "filed") ", " \
	R "type, 1 WHERE " W " ON CONFLICT(log, closed, filed, type) DO" \
	" UPDATE SET n = n + 1;"
#define OPEN_SUB1(R, C, K, W) \
	"UPDATE vc_open SET n = n - 1 WHERE " W " AND log = " R "log AND" \
	" closed = " C " AND filed = " K(R "filed") " AND type = " R "type;" \
	"DELETE FROM vc_open WHERE " W " AND log = " R "log AND closed = " C \
	" AND filed = " K(R "filed") " AND type = " R "type AND n = 0;"
#define OPEN_ADD(R) \
	OPEN_ADD1(R, DAY(R "closed"), DAY, R "closed IS NOT NULL") \
	OPEN_ADD1(R, "2147483647", DAY, R "closed IS NULL") \
	OPEN_ADD1(R, "2147483647", MONTHK, R "closed IS NULL") \
	OPEN_ADD1(R, "2147483647", YEARK, R "closed IS NULL")
#define OPEN_SUB(R) \
	OPEN_SUB1(R, DAY(R "closed"), DAY, R "closed IS NOT NULL") \
	OPEN_SUB1(R, "2147483647", DAY, R "closed IS NULL") \
	OPEN_SUB1(R, "2147483647", MONTHK, R "closed IS NULL") \
	OPEN_SUB1(R, "2147483647", YEARK, R "closed IS NULL")

#define NUM_ADD(R) \
	"INSERT INTO vc_numbers VALUES (" R "log, " R "year, " R "type, 1, " \
	R "seq) ON CONFLICT(log, year, type) DO UPDATE SET n = n + 1," \
	" maxseq = max(maxseq, excluded.maxseq);"
#define NUM_SUB(R) \
	"UPDATE vc_numbers SET n = n - 1, maxseq = coalesce((SELECT max(seq)" \
	" FROM cases WHERE log = " R "log AND year = " R "year AND type = " \
	R "type), 0) WHERE log = " R "log AND year = " R "year AND type = " \
	R "type;" \
	"DELETE FROM vc_numbers WHERE log = " R "log AND year = " R "year AND" \
	" type = " R "type AND n = 0;"

/* An event's back-filling delay: its recorded CST day − its date. */
#define DELAY(R) "((" R "time + 28800) / 86400 - " DAY(R "date") ")"
#define CHANGED(c) "OLD." c " IS NOT NEW." c
#define CASE_COUNTED \
	CHANGED("filed") " OR " CHANGED("closed") " OR " CHANGED("mode") \
	" OR " CHANGED("type") " OR " CHANGED("claimed") " OR " \
	CHANGED("recovered") " OR " CHANGED("ext_months") " OR " \
	CHANGED("susp_days") " OR " CHANGED("nonlitigation")

/* The triggers that keep the counters (version 6: three grains). */
#define CASE_TRIGGERS \
	"CREATE TRIGGER vc_case_ins AFTER INSERT ON cases" \
	"  WHEN NEW.filed IS NOT NULL BEGIN " \
	FILED_ADD("NEW.") CLOSED_ADD("NEW.") OPEN_ADD("NEW.") NUM_ADD("NEW.") \
	"END;" \
	"CREATE TRIGGER vc_case_del AFTER DELETE ON cases" \
	"  WHEN OLD.filed IS NOT NULL BEGIN " \
	FILED_SUB("OLD.") CLOSED_SUB("OLD.") OPEN_SUB("OLD.") NUM_SUB("OLD.") \
	"END;" \
	"CREATE TRIGGER vc_case_upd_filed AFTER UPDATE ON cases" \
	"  WHEN NEW.filed IS NOT NULL AND OLD.filed IS NOT NULL AND (" \
	CHANGED("filed") " OR " CHANGED("type") ") BEGIN " \
	FILED_SUB("OLD.") FILED_ADD("NEW.") \
	"END;" \
	"CREATE TRIGGER vc_case_upd AFTER UPDATE ON cases" \
	"  WHEN NEW.filed IS NOT NULL AND OLD.filed IS NOT NULL AND (" \
	CASE_COUNTED ") BEGIN " \
	CLOSED_SUB("OLD.") OPEN_SUB("OLD.") CLOSED_ADD("NEW.") OPEN_ADD("NEW.") \
	"END;"

/* The windows by state, kind, end and key (views_pages.c): the most urgent
 * first, and (with a and ack) enough to count the windows alive on a day
 * from the index alone. */
#define VW_ORDER \
	"CREATE INDEX vw_order ON vw(log, state, kind, b, u, rule, year, type," \
	"  seq, a, ack);"

/* Warning windows per case and rule (views_windows.c); version 2 had the
 * counters but not these. */
#define VW_SCHEMA \
	"CREATE TABLE vw(log INTEGER NOT NULL, case_no TEXT NOT NULL," \
	"  rule INTEGER NOT NULL, a INTEGER NOT NULL, b INTEGER NOT NULL," \
	"  u INTEGER NOT NULL, state INTEGER NOT NULL, kind INTEGER NOT NULL," \
	"  type TEXT NOT NULL, year INTEGER NOT NULL, seq INTEGER NOT NULL," \
	"  ack INTEGER NOT NULL, PRIMARY KEY(log, case_no, rule, a))" \
	"  WITHOUT ROWID;" \
	VW_ORDER \
	"CREATE INDEX vw_soon ON vw(log, rule, b, a, type, ack)" \
	"  WHERE state = 0 AND kind = 0;"

const char store_views_schema[] =
	/* Cases filed per court, day and type. */
	"CREATE TABLE vc_filed(log INTEGER NOT NULL, day INTEGER NOT NULL,"
	"  type TEXT NOT NULL, n INTEGER NOT NULL,"
	"  PRIMARY KEY(log, day, type)) WITHOUT ROWID;"
	/* Cases closed per court, day and type, with what the indicators
	 * sum over closed cases. */
	"CREATE TABLE vc_closed(log INTEGER NOT NULL, day INTEGER NOT NULL,"
	"  type TEXT NOT NULL, n INTEGER NOT NULL, completed INTEGER NOT NULL,"
	"  zhongben INTEGER NOT NULL, within INTEGER NOT NULL,"
	"  claimed INTEGER NOT NULL, recovered INTEGER NOT NULL,"
	"  days INTEGER NOT NULL, PRIMARY KEY(log, day, type)) WITHOUT ROWID;"
	/* Cases by closing day (2147483647 = open) and filing day: the
	 * cases open at a period's end and filed before a day are a range. */
	"CREATE TABLE vc_open(log INTEGER NOT NULL, closed INTEGER NOT NULL,"
	"  filed INTEGER NOT NULL, type TEXT NOT NULL, n INTEGER NOT NULL,"
	"  PRIMARY KEY(log, closed, filed, type)) WITHOUT ROWID;"
	/* Case numbers per court, year and type: how many, the highest. */
	"CREATE TABLE vc_numbers(log INTEGER NOT NULL, year INTEGER NOT NULL,"
	"  type TEXT NOT NULL, n INTEGER NOT NULL, maxseq INTEGER NOT NULL,"
	"  PRIMARY KEY(log, year, type)) WITHOUT ROWID;"
	/* Events per court and back-filling delay (days > 0). */
	"CREATE TABLE vc_backfill(log INTEGER NOT NULL, delay INTEGER NOT NULL,"
	"  n INTEGER NOT NULL, PRIMARY KEY(log, delay)) WITHOUT ROWID;"
	VW_SCHEMA
	/* Open obligations: cases that can still warn, by horizon. */
	"CREATE INDEX cases_watch ON cases(log, " STORE_WATCH_SQL("") ");"
	"CREATE INDEX cases_numbers ON cases(log, year, type, seq);"
	"CREATE INDEX ledger_case ON ledger(log, case_no, idx);"
	"CREATE INDEX acks_case ON acks(log, case_no, rule);"
	"CREATE INDEX events_refiled ON events(log, case_no)"
	"  WHERE type = 'case_filed' AND corrected_by IS NOT NULL;"
	CASE_TRIGGERS
	/* The longest back-filling delays per court, at most VC_BF_TOP. */
	"CREATE TABLE vc_bf_top(log INTEGER NOT NULL, delay INTEGER NOT NULL,"
	"  case_no TEXT NOT NULL, idx INTEGER NOT NULL,"
	"  PRIMARY KEY(log, delay, case_no, idx)) WITHOUT ROWID;";

const char *const store_view_tables[NVIEWSTATE][2] = {
	{ "vc_filed", "log, day, type" },
	{ "vc_closed", "log, day, type" },
	{ "vc_open", "log, closed, filed, type" },
	{ "vc_numbers", "log, year, type" },
	{ "vc_backfill", "log, delay" },
	{ "vc_bf_top", "log, delay, case_no, idx" },
	{ "vw", "log, case_no, rule, a" },
};

/* The counters recomputed from the derived tables. */
#define FILL_FILED(K) \
	"INSERT INTO vc_filed SELECT log, " K("filed") ", type, count(*)" \
	"  FROM cases WHERE filed IS NOT NULL GROUP BY 1, 2, 3;"
#define FILL_CLOSED(K) \
	"INSERT INTO vc_closed SELECT log, " K("closed") ", type, count(*)," \
	"  sum(mode = 'completed'), sum(mode = 'terminated_round')," \
	"  sum(" WITHIN("") "), sum(coalesce(claimed, 0))," \
	"  sum(coalesce(recovered, 0))," \
	"  sum(" DAY("closed") " - " DAY("filed") ")" \
	"  FROM (SELECT *, " LIMIT("") " AS m FROM cases)" \
	"  WHERE filed IS NOT NULL AND closed IS NOT NULL GROUP BY 1, 2, 3;"
#define FILL_OPEN(K) \
	"INSERT INTO vc_open SELECT log, 2147483647, " K("filed") ", type," \
	"  count(*) FROM cases WHERE filed IS NOT NULL AND closed IS NULL" \
	"  GROUP BY 1, 2, 3, 4;"
static const char views_fill[] =
	"DELETE FROM vc_filed; DELETE FROM vc_closed; DELETE FROM vc_open;"
	"DELETE FROM vc_numbers; DELETE FROM vc_backfill;"
	FILL_FILED(DAY) FILL_FILED(MONTHK) FILL_FILED(YEARK)
	FILL_CLOSED(DAY) FILL_CLOSED(MONTHK) FILL_CLOSED(YEARK)
	"INSERT INTO vc_open SELECT log, " DAY("closed") ", " DAY("filed") ","
	"  type, count(*) FROM cases WHERE filed IS NOT NULL AND closed IS NOT"
	"  NULL GROUP BY 1, 2, 3, 4;"
	FILL_OPEN(DAY) FILL_OPEN(MONTHK) FILL_OPEN(YEARK)
	"INSERT INTO vc_numbers SELECT log, year, type, count(*), max(seq)"
	"  FROM cases WHERE filed IS NOT NULL GROUP BY 1, 2, 3;"
	"INSERT INTO vc_backfill SELECT log, " DELAY("") ", count(*)"
	"  FROM events WHERE date IS NOT NULL AND " DELAY("") " > 0"
	"  GROUP BY 1, 2;"
	"DELETE FROM vc_bf_top;"
	"INSERT INTO vc_bf_top SELECT log, d, case_no, idx FROM (SELECT log,"
	"  " DELAY("") " AS d, case_no, idx, row_number() OVER (PARTITION BY"
	"  log ORDER BY " DELAY("") " DESC, case_no DESC, idx DESC) AS k"
	"  FROM events WHERE date IS NOT NULL AND " DELAY("") " > 0)"
	"  WHERE k <= 200;";

int
store_views_refill(struct store *s, char *err, size_t errlen)
{
	/* The fill counts every row written so far. */
	store_views_discard(s);
	return store_exec_sql(s, views_fill, err, errlen);
}

int
store_views_clear(struct store *s, char *err, size_t errlen)
{
	return store_exec_sql(s, "DELETE FROM vc_filed; DELETE FROM vc_closed;"
	    " DELETE FROM vc_open; DELETE FROM vc_numbers;"
	    " DELETE FROM vc_backfill; DELETE FROM vw; DELETE FROM vc_bf_top;",
	    err, errlen);
}

static const char vw_schema[] = VW_SCHEMA;

int
store_views_migrate(struct store *s, int from, char *err, size_t errlen)
{
	if (store_exec_sql(s, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	/* The warning windows are derived by the views layer
	 * (views_windows_refresh) when the meta key vw_valid is not 1. */
	/* Version 5 keeps the back-filling state in C (store_views_event),
	 * not in a trigger and an expression index on every event; version
	 * 6 keeps the counters at three grains. */
	if ((from == 1 && (store_exec_sql(s, store_views_schema, err, errlen) == -1 ||
	    store_exec_sql(s, views_fill, err, errlen) == -1)) ||
	    (from == 2 && store_exec_sql(s, vw_schema, err, errlen) == -1) ||
	    (from == 3 && store_exec_sql(s, "CREATE INDEX vw_soon ON vw(log, rule, b,"
	    " a, type, ack) WHERE state = 0 AND kind = 0", err, errlen) == -1) ||
	    (from >= 2 && from <= 4 && store_exec_sql(s, "DROP INDEX events_delay;"
	    " DROP TRIGGER vc_event_ins; DROP TRIGGER vc_event_del;"
	    " CREATE TABLE vc_bf_top(log INTEGER NOT NULL, delay INTEGER NOT"
	    " NULL, case_no TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY(log,"
	    " delay, case_no, idx)) WITHOUT ROWID", err, errlen) == -1) ||
	    /* version 6: the counters at three grains */
	    (from >= 2 && from <= 5 && (store_exec_sql(s, "DROP TRIGGER vc_case_ins;"
	    " DROP TRIGGER vc_case_del; DROP TRIGGER vc_case_upd;"
	    CASE_TRIGGERS, err, errlen) == -1 ||
	    store_exec_sql(s, views_fill, err, errlen) == -1)) ||
	    /* version 7: one index fewer on the windows */
	    (from >= 3 && from <= 6 && store_exec_sql(s, "DROP INDEX vw_alive;"
	    " DROP INDEX vw_order;" VW_ORDER, err, errlen) == -1) ||
	    store_exec_sql(s, from < 3 ? "INSERT OR REPLACE INTO meta VALUES"
	    " ('vw_valid', '0')" : "SELECT 1", err, errlen) == -1 ||
	    store_exec_sql(s, "PRAGMA user_version = 7", err, errlen) == -1 ||
	    store_exec_sql(s, "UPDATE meta SET value = '7' WHERE key = 'schema'", err,
	    errlen) == -1 ||
	    store_exec_sql(s, "COMMIT", err, errlen) == -1) {
		store_exec_sql(s, "ROLLBACK", NULL, 0);
		return -1;
	}
	return 0;
}

/* ---- back-filling, kept per transaction ----
 *
 * Most imported history is back-filled, so a trigger and an index on
 * every event cost more than the rest of its fold.  Instead the delays of
 * the events a transaction adds are counted here and written once, just
 * before it commits: vc_backfill (events per court and delay) and
 * vc_bf_top (the VC_BF_TOP longest delays per court).  Events are only
 * ever added (a rebuild clears everything), so the counts are exact.
 */
struct bf_count {
	int64_t	log, delay;
	uint64_t n;
};
struct bf_event {
	int64_t	log, delay, idx;
	char	case_no[CS_CASE_MAX];
};
struct store_pending {
	struct bf_count	*c;
	size_t		 nc, capc;
	struct bf_event	*e;
	size_t		 ne, cape;
	bool		 oom;
};

static bool
pgrow(void **v, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t c = *cap != 0 ? *cap * 2 : 64;
		void *p = realloc(*v, c * size);

		if (p == NULL)
			return false;
		*v = p;
		*cap = c;
	}
	return true;
}

void
store_views_discard(struct store *s)
{
	struct store_pending *p = s->pending;

	store_counts_discard(s);
	if (p == NULL)
		return;
	free(p->c);
	free(p->e);
	free(p);
	s->pending = NULL;
}

static int
bf_event_cmp(const void *pa, const void *pb)
{
	const struct bf_event *a = pa, *b = pb;
	int c;

	if (a->log != b->log)
		return a->log < b->log ? -1 : 1;
	if (a->delay != b->delay)
		return a->delay > b->delay ? -1 : 1;	/* longest first */
	if ((c = strcmp(a->case_no, b->case_no)) != 0)
		return -c;
	return a->idx > b->idx ? -1 : a->idx < b->idx;
}

/* Keeps at most VC_BF_TOP candidates per court. */
static void
bf_prune(struct store_pending *p)
{
	size_t o = 0, run = 0;

	qsort(p->e, p->ne, sizeof(*p->e), bf_event_cmp);
	for (size_t i = 0; i < p->ne; i++) {
		run = i > 0 && p->e[i].log == p->e[i - 1].log ? run + 1 : 0;
		if (run < VC_BF_TOP)
			p->e[o++] = p->e[i];
	}
	p->ne = o;
}

int
store_views_event(struct store *s, int64_t log, uint64_t index,
    const char *case_no, const char *date, uint64_t time, char *err,
    size_t errlen)
{
	struct store_pending *p;
	int64_t delay;
	size_t i;

	if (date == NULL || !date_valid(date))
		return 0;
	delay = (int64_t)((time + 28800) / 86400) - date_days(date);
	if (delay <= 0)
		return 0;
	if (s->pending == NULL &&
	    (s->pending = calloc(1, sizeof(struct store_pending))) == NULL)
		goto oom;
	p = s->pending;
	for (i = p->nc; i > 0; i--)
		if (p->c[i - 1].log == log && p->c[i - 1].delay == delay)
			break;
	if (i > 0)
		p->c[i - 1].n++;
	else if (pgrow((void **)&p->c, &p->nc, &p->capc, sizeof(*p->c)))
		p->c[p->nc++] = (struct bf_count){ log, delay, 1 };
	else
		goto oom;
	if (!pgrow((void **)&p->e, &p->ne, &p->cape, sizeof(*p->e)))
		goto oom;
	p->e[p->ne].log = log;
	p->e[p->ne].delay = delay;
	p->e[p->ne].idx = (int64_t)index;
	cs_strlcpy(p->e[p->ne].case_no, case_no, sizeof(p->e[0].case_no));
	p->ne++;
	if (p->ne >= 16 * VC_BF_TOP)
		bf_prune(p);
	/* Outside a transaction the event is already committed. */
	if (sqlite3_get_autocommit(DB(s)))
		return store_views_flush(s, err, errlen);
	return 0;
oom:
	ERR("out of memory");
	return -1;
}

static const char bf_count_sql[] =
	"INSERT INTO vc_backfill VALUES (?1, ?2, ?3) ON CONFLICT(log, delay)"
	" DO UPDATE SET n = n + excluded.n";
static const char bf_top_sql[] =
	"INSERT OR IGNORE INTO vc_bf_top VALUES (?1, ?2, ?3, ?4)";
static const char bf_trim_sql[] =
	"DELETE FROM vc_bf_top WHERE log = ?1 AND (delay, case_no, idx) NOT IN"
	" (SELECT delay, case_no, idx FROM vc_bf_top WHERE log = ?1"
	" ORDER BY delay DESC, case_no DESC, idx DESC LIMIT 200)";

int
store_views_flush(struct store *s, char *err, size_t errlen)
{
	struct store_pending *p = s->pending;
	char a[3][24];
	const char *args[4] = { a[0], a[1], a[2], NULL };
	int ret = -1;

	if (store_counts_flush(s, err, errlen) == -1) {
		store_views_discard(s);
		return -1;
	}
	if (p == NULL)
		return 0;
	bf_prune(p);
	for (size_t i = 0; i < p->nc; i++) {
		snprintf(a[0], sizeof(a[0]), "%lld", (long long)p->c[i].log);
		snprintf(a[1], sizeof(a[1]), "%lld", (long long)p->c[i].delay);
		snprintf(a[2], sizeof(a[2]), "%llu",
		    (unsigned long long)p->c[i].n);
		if (store_exec_kept(s, bf_count_sql, args, 3, err, errlen) == -1)
			goto out;
	}
	for (size_t i = 0; i < p->ne; i++) {
		const struct bf_event *e = &p->e[i];

		snprintf(a[0], sizeof(a[0]), "%lld", (long long)e->log);
		snprintf(a[1], sizeof(a[1]), "%lld", (long long)e->delay);
		args[2] = e->case_no;
		snprintf(a[2], sizeof(a[2]), "%lld", (long long)e->idx);
		args[3] = a[2];
		if (store_exec_kept(s, bf_top_sql, args, 4, err, errlen) == -1)
			goto out;
		args[2] = a[2];
		args[3] = NULL;
		if ((i + 1 == p->ne || p->e[i + 1].log != e->log) &&
		    store_exec_kept(s, bf_trim_sql, args, 1, err, errlen) == -1)
			goto out;
	}
	ret = 0;
out:
	store_views_discard(s);
	return ret;
}
