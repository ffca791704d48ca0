/*
 * store_folds.c — how far the views have folded each log received from
 * below (docs/VIEWS.md §8): the table `folds`, one row per log.  hub_push
 * writes a log's court code (the code its events are checked against)
 * when it stores entries; the fold stage (court_fold.c) advances
 * `folded`, or halts the log, in the transaction that folds.
 */
#include "store_int.h"

/* Created on open when missing.  A database that has none was folded at
 * push time, in the push's transaction: every log held is folded to its
 * size. */
static const char folds_schema[] =
	"CREATE TABLE folds(log INTEGER PRIMARY KEY, code TEXT,"
	"  folded INTEGER NOT NULL DEFAULT 0, reason TEXT);"
	"INSERT INTO folds(log, folded) SELECT log, max(idx) + 1 FROM entries"
	"  GROUP BY log";

int
store_folds_schema(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	bool own_tx = sqlite3_get_autocommit(DB(s)) != 0;
	int rc;

	if (sqlite3_prepare_v2(DB(s), "SELECT 1 FROM sqlite_master WHERE"
	    " type = 'table' AND name = 'folds'", -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	if (own_tx && store_exec_sql(s, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	if (store_exec_sql(s, folds_schema, err, errlen) == -1 ||
	    (own_tx && store_exec_sql(s, "COMMIT", err, errlen) == -1)) {
		if (own_tx)
			store_exec_sql(s, "ROLLBACK", NULL, 0);
		return -1;
	}
	return 0;
}

static const char q_code[] = "INSERT INTO folds(log, code) VALUES (?1, ?2)"
    " ON CONFLICT(log) DO UPDATE SET code = ?2 WHERE code IS NOT ?2";

int
store_fold_code(struct store *s, int64_t log, const char *code, char *err,
    size_t errlen)
{
	struct store_arg a[2] = { { NULL, log }, { code, 0 } };

	return store_exec_kept_args(s, q_code, a, 2, err, errlen);
}

static const char q_get[] = "SELECT f.log, l.origin, f.code, f.folded,"
    " f.reason, (SELECT max(idx) + 1 FROM entries e WHERE e.log = f.log)"
    " FROM folds f JOIN logs l ON l.id = f.log";
static const char q_get_one[] = "SELECT f.log, l.origin, f.code, f.folded,"
    " f.reason, (SELECT max(idx) + 1 FROM entries e WHERE e.log = f.log)"
    " FROM folds f JOIN logs l ON l.id = f.log WHERE f.log = ?1";

static void
fold_row(sqlite3_stmt *st, struct store_fold *f)
{
	memset(f, 0, sizeof(*f));
	f->log = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, f->origin, sizeof(f->origin));
	store_col_text(st, 2, f->code, sizeof(f->code));
	f->folded = (uint64_t)sqlite3_column_int64(st, 3);
	f->halted = sqlite3_column_type(st, 4) != SQLITE_NULL;
	store_col_text(st, 4, f->reason, sizeof(f->reason));
	f->size = (uint64_t)sqlite3_column_int64(st, 5);
}

int
store_fold_get(struct store *s, int64_t log, struct store_fold *f, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = store_kept(s, q_get_one, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fold_row(st, f);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	return rc == SQLITE_ROW;
}

int
store_folds_each(struct store *s, store_fold_fn fn, void *arg, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = store_kept(s, q_get, err, errlen);
	int rc, ret = 0;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_fold f;

		fold_row(st, &f);
		if (fn(arg, &f) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		ret = -1;
	}
	sqlite3_reset(st);
	return ret;
}

static const char q_set[] = "UPDATE folds SET folded = ?2, reason = ?3"
    " WHERE log = ?1";

int
store_fold_set(struct store *s, int64_t log, uint64_t folded,
    const char *halt, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_kept(s, q_set, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)folded);
	if (halt != NULL)
		sqlite3_bind_text(st, 3, halt, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	return store_step_done(s, st, err, errlen);
}
