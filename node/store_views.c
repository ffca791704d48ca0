/*
 * store_views.c — the state the views read, maintained in the same
 * transaction as every change to the derived tables (store.h, docs/VIEWS.md
 * §7).
 *
 * Shape: SQLite triggers on `cases` and `events` keep small counter tables
 * keyed by (log, day, type) up to date, whoever writes the row (the fold,
 * a correction's re-fold, a rebuild); indexes on the derived tables make
 * the open obligations (warnings), the ledger and acknowledgments of one
 * case, the numbers of one year and type, and the back-filled events
 * range reads.  A view then costs what its answer costs: sums over
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

#define FILED_ADD(R) \
	"INSERT INTO vc_filed VALUES (" R "log, " DAY(R "filed") ", " R "type," \
	" 1) ON CONFLICT(log, day, type) DO UPDATE SET n = n + 1;"
#define FILED_SUB(R) \
	"UPDATE vc_filed SET n = n - 1 WHERE log = " R "log AND day = " \
	DAY(R "filed") " AND type = " R "type;" \
	"DELETE FROM vc_filed WHERE log = " R "log AND day = " DAY(R "filed") \
	" AND type = " R "type AND n = 0;"

#define CLOSED_ADD(R) \
	"INSERT INTO vc_closed SELECT " R "log, " DAY(R "closed") ", " R "type," \
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
#define CLOSED_SUB(R) \
	"UPDATE vc_closed SET n = n - 1," \
	" completed = completed - (" R "mode = 'completed')," \
	" zhongben = zhongben - (" R "mode = 'terminated_round')," \
	" within = within - (SELECT " WITHIN(R) " FROM (SELECT " LIMIT(R) \
	"   AS m))," \
	" claimed = claimed - coalesce(" R "claimed, 0)," \
	" recovered = recovered - coalesce(" R "recovered, 0)," \
	" days = days - (" DAY(R "closed") " - " DAY(R "filed") ")" \
	" WHERE " R "closed IS NOT NULL AND log = " R "log AND day = " \
	DAY(R "closed") " AND type = " R "type;" \
	"DELETE FROM vc_closed WHERE " R "closed IS NOT NULL AND log = " R "log" \
	" AND day = " DAY(R "closed") " AND type = " R "type AND n = 0;"

#define OPEN_KEY(R) "coalesce(" DAY(R "closed") ", 2147483647)"
#define OPEN_ADD(R) \
	"INSERT INTO vc_open VALUES (" R "log, " OPEN_KEY(R) ", " DAY(R "filed") \
	", " R "type, 1) ON CONFLICT(log, closed, filed, type) DO UPDATE" \
	" SET n = n + 1;"
#define OPEN_SUB(R) \
	"UPDATE vc_open SET n = n - 1 WHERE log = " R "log AND closed = " \
	OPEN_KEY(R) " AND filed = " DAY(R "filed") " AND type = " R "type;" \
	"DELETE FROM vc_open WHERE log = " R "log AND closed = " OPEN_KEY(R) \
	" AND filed = " DAY(R "filed") " AND type = " R "type AND n = 0;"

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
#define BF_ADD(R) \
	"INSERT INTO vc_backfill VALUES (" R "log, " DELAY(R) ", 1)" \
	" ON CONFLICT(log, delay) DO UPDATE SET n = n + 1;"
#define BF_SUB(R) \
	"UPDATE vc_backfill SET n = n - 1 WHERE log = " R "log AND delay = " \
	DELAY(R) ";" \
	"DELETE FROM vc_backfill WHERE log = " R "log AND delay = " DELAY(R) \
	" AND n = 0;"

#define CHANGED(c) "OLD." c " IS NOT NEW." c
#define CASE_COUNTED \
	CHANGED("filed") " OR " CHANGED("closed") " OR " CHANGED("mode") \
	" OR " CHANGED("type") " OR " CHANGED("claimed") " OR " \
	CHANGED("recovered") " OR " CHANGED("ext_months") " OR " \
	CHANGED("susp_days") " OR " CHANGED("nonlitigation")

/* Warning windows per case and rule (views_windows.c); version 2 had the
 * counters but not these. */
#define VW_SCHEMA \
	"CREATE TABLE vw(log INTEGER NOT NULL, case_no TEXT NOT NULL," \
	"  rule INTEGER NOT NULL, a INTEGER NOT NULL, b INTEGER NOT NULL," \
	"  u INTEGER NOT NULL, state INTEGER NOT NULL, kind INTEGER NOT NULL," \
	"  type TEXT NOT NULL, year INTEGER NOT NULL, seq INTEGER NOT NULL," \
	"  ack INTEGER NOT NULL, PRIMARY KEY(log, case_no, rule, a))" \
	"  WITHOUT ROWID;" \
	"CREATE INDEX vw_alive ON vw(log, b, a, rule, state, type, ack);" \
	"CREATE INDEX vw_order ON vw(log, state, kind, b, u, rule, year, type," \
	"  seq);" \
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
	"CREATE INDEX events_delay ON events(log, " DELAY("") ")"
	"  WHERE date IS NOT NULL;"
	"CREATE TRIGGER vc_case_ins AFTER INSERT ON cases"
	"  WHEN NEW.filed IS NOT NULL BEGIN "
	FILED_ADD("NEW.") CLOSED_ADD("NEW.") OPEN_ADD("NEW.") NUM_ADD("NEW.")
	"END;"
	"CREATE TRIGGER vc_case_del AFTER DELETE ON cases"
	"  WHEN OLD.filed IS NOT NULL BEGIN "
	FILED_SUB("OLD.") CLOSED_SUB("OLD.") OPEN_SUB("OLD.") NUM_SUB("OLD.")
	"END;"
	"CREATE TRIGGER vc_case_upd AFTER UPDATE ON cases"
	"  WHEN NEW.filed IS NOT NULL AND OLD.filed IS NOT NULL AND ("
	CASE_COUNTED ") BEGIN "
	FILED_SUB("OLD.") CLOSED_SUB("OLD.") OPEN_SUB("OLD.")
	FILED_ADD("NEW.") CLOSED_ADD("NEW.") OPEN_ADD("NEW.")
	"END;"
	"CREATE TRIGGER vc_event_ins AFTER INSERT ON events"
	"  WHEN NEW.date IS NOT NULL AND " DELAY("NEW.") " > 0 BEGIN "
	BF_ADD("NEW.") "END;"
	"CREATE TRIGGER vc_event_del AFTER DELETE ON events"
	"  WHEN OLD.date IS NOT NULL AND " DELAY("OLD.") " > 0 BEGIN "
	BF_SUB("OLD.") "END;";

/* The counters recomputed from the derived tables. */
static const char views_fill[] =
	"DELETE FROM vc_filed; DELETE FROM vc_closed; DELETE FROM vc_open;"
	"DELETE FROM vc_numbers; DELETE FROM vc_backfill;"
	"INSERT INTO vc_filed SELECT log, " DAY("filed") ", type, count(*)"
	"  FROM cases WHERE filed IS NOT NULL GROUP BY 1, 2, 3;"
	"INSERT INTO vc_closed SELECT log, " DAY("closed") ", type, count(*),"
	"  sum(mode = 'completed'), sum(mode = 'terminated_round'),"
	"  sum(" WITHIN("") "), sum(coalesce(claimed, 0)),"
	"  sum(coalesce(recovered, 0)),"
	"  sum(" DAY("closed") " - " DAY("filed") ")"
	"  FROM (SELECT *, " LIMIT("") " AS m FROM cases)"
	"  WHERE filed IS NOT NULL AND closed IS NOT NULL GROUP BY 1, 2, 3;"
	"INSERT INTO vc_open SELECT log, " OPEN_KEY("") ", " DAY("filed") ","
	"  type, count(*) FROM cases WHERE filed IS NOT NULL GROUP BY 1, 2, 3, 4;"
	"INSERT INTO vc_numbers SELECT log, year, type, count(*), max(seq)"
	"  FROM cases WHERE filed IS NOT NULL GROUP BY 1, 2, 3;"
	"INSERT INTO vc_backfill SELECT log, " DELAY("") ", count(*)"
	"  FROM events WHERE date IS NOT NULL AND " DELAY("") " > 0"
	"  GROUP BY 1, 2;";

int
store_views_refill(struct store *s, char *err, size_t errlen)
{
	return exec(s, views_fill, err, errlen);
}

int
store_views_clear(struct store *s, char *err, size_t errlen)
{
	return exec(s, "DELETE FROM vc_filed; DELETE FROM vc_closed;"
	    " DELETE FROM vc_open; DELETE FROM vc_numbers;"
	    " DELETE FROM vc_backfill; DELETE FROM vw;", err, errlen);
}

static const char vw_schema[] = VW_SCHEMA;

int
store_views_migrate(struct store *s, int from, char *err, size_t errlen)
{
	if (exec(s, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	/* The warning windows are derived by the views layer
	 * (views_windows_refresh) when the meta key vw_valid is not 1. */
	if ((from == 1 && (exec(s, store_views_schema, err, errlen) == -1 ||
	    exec(s, views_fill, err, errlen) == -1)) ||
	    (from == 2 && exec(s, vw_schema, err, errlen) == -1) ||
	    (from == 3 && exec(s, "CREATE INDEX vw_soon ON vw(log, rule, b,"
	    " a, type, ack) WHERE state = 0 AND kind = 0", err, errlen) == -1) ||
	    exec(s, from < 3 ? "INSERT OR REPLACE INTO meta VALUES"
	    " ('vw_valid', '0')" : "SELECT 1", err, errlen) == -1 ||
	    exec(s, "UPDATE meta SET value = '4' WHERE key = 'schema'", err,
	    errlen) == -1 ||
	    exec(s, "COMMIT", err, errlen) == -1) {
		exec(s, "ROLLBACK", NULL, 0);
		return -1;
	}
	return 0;
}
