/*
 * store.c — the node's SQLite database (see store.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "courtsync/store.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define DB(s) ((sqlite3 *)(s)->db)

static const char schema[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE logs(id INTEGER PRIMARY KEY, origin TEXT NOT NULL UNIQUE);"
	/* nodes: hashes of the tree nodes of levels 1.. completed by this
	 * leaf, 32 bytes each (store.h). */
	"CREATE TABLE entries(log INTEGER NOT NULL, idx INTEGER NOT NULL,"
	"  leaf BLOB NOT NULL, nodes BLOB, data BLOB NOT NULL,"
	"  PRIMARY KEY(log, idx)) WITHOUT ROWID;"
	"CREATE TABLE checkpoints(log INTEGER NOT NULL, size INTEGER NOT NULL,"
	"  note TEXT NOT NULL, PRIMARY KEY(log, size)) WITHOUT ROWID;"
	/* Sync state: witnesses' cosignatures, the parent's size per log,
	 * equivocation evidence, who pushed what.  Not derived from the log. */
	"CREATE TABLE cosigs(log INTEGER NOT NULL, size INTEGER NOT NULL,"
	"  witness TEXT NOT NULL, time INTEGER NOT NULL, line TEXT NOT NULL,"
	"  PRIMARY KEY(log, size, witness)) WITHOUT ROWID;"
	"CREATE TABLE cursors(origin TEXT PRIMARY KEY, size INTEGER NOT NULL)"
	"  WITHOUT ROWID;"
	"CREATE TABLE equivocations(id INTEGER PRIMARY KEY, origin TEXT NOT NULL,"
	"  note_a TEXT NOT NULL, note_b TEXT NOT NULL, proof BLOB, root_m BLOB,"
	"  found_at INTEGER NOT NULL, found_by TEXT NOT NULL,"
	"  relayed INTEGER NOT NULL DEFAULT 0, UNIQUE(origin, note_a, note_b));"
	/* Deadline rules (views.h): DOMAIN.md's defaults, changed per
	 * deployment through configuration.  Not derived from the log. */
	"CREATE TABLE rules(id TEXT PRIMARY KEY, zh TEXT NOT NULL,"
	"  days INTEGER NOT NULL, due_soon INTEGER NOT NULL,"
	"  enabled INTEGER NOT NULL, ord INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE peers(court TEXT PRIMARY KEY, last_seen INTEGER,"
	"  last_ok INTEGER, last_error TEXT, requests INTEGER NOT NULL,"
	"  entries INTEGER NOT NULL) WITHOUT ROWID;"
	/* Derived tables: everything below is a fold of the entries. */
	"CREATE TABLE cases(log INTEGER NOT NULL, case_no TEXT NOT NULL,"
	"  year INTEGER, type TEXT, seq INTEGER, filed TEXT, applicant TEXT,"
	"  respondent TEXT, claimed INTEGER, original TEXT, nonlitigation INTEGER,"
	"  handler TEXT, team TEXT, assigned TEXT, track TEXT, basis TEXT,"
	"  triaged TEXT, arrived INTEGER, paid INTEGER, ext_months INTEGER,"
	"  susp_days INTEGER, susp_since TEXT, closed TEXT, mode TEXT,"
	"  recovered INTEGER, filed_idx INTEGER, last_idx INTEGER,"
	"  nevents INTEGER, PRIMARY KEY(log, case_no)) WITHOUT ROWID;"
	"CREATE TABLE case_nodes(log INTEGER NOT NULL, case_no TEXT NOT NULL,"
	"  node TEXT NOT NULL, first_date TEXT, last_date TEXT, count INTEGER,"
	"  asset TEXT, expires TEXT, PRIMARY KEY(log, case_no, node))"
	"  WITHOUT ROWID;"
	"CREATE TABLE ledger(log INTEGER NOT NULL, idx INTEGER NOT NULL,"
	"  case_no TEXT NOT NULL, date TEXT, direction INTEGER, amount INTEGER,"
	"  party TEXT, PRIMARY KEY(log, idx)) WITHOUT ROWID;"
	"CREATE TABLE suspensions(log INTEGER NOT NULL, case_no TEXT NOT NULL,"
	"  start TEXT NOT NULL, end TEXT NOT NULL,"
	"  PRIMARY KEY(log, case_no, start)) WITHOUT ROWID;"
	"CREATE TABLE acks(log INTEGER NOT NULL, idx INTEGER NOT NULL,"
	"  case_no TEXT, date TEXT, rule TEXT, supervisor TEXT, note TEXT,"
	"  PRIMARY KEY(log, idx)) WITHOUT ROWID;"
	"CREATE TABLE events(log INTEGER NOT NULL, case_no TEXT NOT NULL,"
	"  idx INTEGER NOT NULL, type TEXT NOT NULL, date TEXT,"
	"  time INTEGER NOT NULL, corrected_by INTEGER,"
	"  PRIMARY KEY(log, case_no, idx)) WITHOUT ROWID;";

/* Derived tables and their primary keys, in digest order. */
static const char *const derived[][2] = {
	{ "cases", "log, case_no" },
	{ "case_nodes", "log, case_no, node" },
	{ "ledger", "log, idx" },
	{ "suspensions", "log, case_no, start" },
	{ "acks", "log, idx" },
	{ "events", "log, case_no, idx" },
};
#define NDERIVED (sizeof(derived) / sizeof(derived[0]))

static const char *const sql[SQ_COUNT] = {
	[SQ_BEGIN] = "BEGIN IMMEDIATE",
	[SQ_BEGIN_READ] = "BEGIN",
	[SQ_COMMIT] = "COMMIT",
	[SQ_ROLLBACK] = "ROLLBACK",
	[SQ_DATA_VERSION] = "PRAGMA data_version",
	[SQ_LOG_GET] = "SELECT id FROM logs WHERE origin = ?1",
	[SQ_LOG_ADD] = "INSERT INTO logs(origin) VALUES (?1)",
	[SQ_LOG_SIZE] = "SELECT max(idx) FROM entries WHERE log = ?1",
	[SQ_ENTRY_PUT] = "INSERT INTO entries(log, idx, leaf, nodes, data)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[SQ_ENTRY_GET] = "SELECT data, leaf FROM entries WHERE log = ?1 AND idx = ?2",
	[SQ_LEAF_GET] = "SELECT leaf FROM entries WHERE log = ?1 AND idx = ?2",
	[SQ_NODES_GET] = "SELECT nodes FROM entries WHERE log = ?1 AND idx = ?2",
	[SQ_CKPT_PUT] = "INSERT INTO checkpoints(log, size, note) VALUES (?1, ?2, ?3)",
	[SQ_CKPT_LATEST] = "SELECT size, note FROM checkpoints WHERE log = ?1"
	    " ORDER BY size DESC LIMIT 1",
	[SQ_CASE_GET] = "SELECT case_no, year, type, seq, filed, applicant,"
	    " respondent, claimed, original, nonlitigation, handler, team,"
	    " assigned, track, basis, triaged, arrived, paid, ext_months,"
	    " susp_days, susp_since, closed, mode, recovered, filed_idx,"
	    " last_idx, nevents FROM cases WHERE log = ?1 AND case_no = ?2",
	[SQ_CASE_PUT] = "INSERT OR REPLACE INTO cases VALUES (?1, ?2, ?3, ?4, ?5,"
	    " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
	    " ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
	[SQ_NODE_UPSERT] = "INSERT INTO case_nodes VALUES (?1, ?2, ?3, ?4, ?4, 1,"
	    " ?5, ?6) ON CONFLICT(log, case_no, node) DO UPDATE SET"
	    " first_date = min(first_date, ?4), last_date = max(last_date, ?4),"
	    " count = count + 1, asset = coalesce(?5, asset),"
	    " expires = coalesce(?6, expires)",
	[SQ_LEDGER_PUT] = "INSERT INTO ledger VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[SQ_SUSP_PUT] = "INSERT INTO suspensions VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT(log, case_no, start) DO UPDATE SET end = ?4",
	[SQ_ACK_PUT] = "INSERT INTO acks VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[SQ_EVENT_PUT] = "INSERT INTO events VALUES (?1, ?3, ?2, ?4, ?5, ?6, NULL)",
	[SQ_EVENT_GET] = "SELECT type, corrected_by FROM events"
	    " WHERE log = ?1 AND case_no = ?2 AND idx = ?3",
	[SQ_EVENT_CORRECT] = "UPDATE events SET corrected_by = ?4"
	    " WHERE log = ?1 AND case_no = ?2 AND idx = ?3",
	[SQ_CASE_EVENTS] = "SELECT idx, type, corrected_by FROM events"
	    " WHERE log = ?1 AND case_no = ?2 ORDER BY idx",
};

static sqlite3_stmt *
stmt(struct store *s, enum store_stmt_id id, char *err, size_t errlen)
{
	sqlite3_stmt *st = s->stmt[id];

	if (st == NULL) {
		if (sqlite3_prepare_v3(DB(s), sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		    &st, NULL) != SQLITE_OK) {
			ERR("database: %s", sqlite3_errmsg(DB(s)));
			return NULL;
		}
		s->stmt[id] = st;
	}
	return st;
}

static int
exec(struct store *s, const char *q, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(DB(s), q, NULL, NULL, &msg) != SQLITE_OK) {
		ERR("database: %s", msg != NULL ? msg : sqlite3_errmsg(DB(s)));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Runs a prepared statement that returns no rows, then resets it. */
static int
step_done(struct store *s, sqlite3_stmt *st, char *err, size_t errlen)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	return 0;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL || v[0] == '\0')
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void
col_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t n = t != NULL ? (size_t)sqlite3_column_bytes(st, i) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(out, t, n);
	out[n] = '\0';
}

int
store_open(struct store *s, const char *path, bool create, enum store_sync sync,
    char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	char ver[32];
	int r;

	memset(s, 0, sizeof(*s));
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		ERR("cannot open database %s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	s->db = db;
	sqlite3_busy_timeout(db, 10000);
	sqlite3_extended_result_codes(db, 1);
	if (exec(s, "PRAGMA journal_mode=WAL", err, errlen) == -1 ||
	    exec(s, sync == STORE_SYNC_FULL ? "PRAGMA synchronous=FULL" :
	    "PRAGMA synchronous=NORMAL", err, errlen) == -1 ||
	    exec(s, "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-262144;"
	    " PRAGMA wal_autocheckpoint=4096",
	    err, errlen) == -1)
		goto fail;
	if (create) {
		if (exec(s, "BEGIN IMMEDIATE", err, errlen) == -1)
			goto fail;
		if (exec(s, schema, err, errlen) == -1 ||
		    exec(s, "INSERT INTO meta VALUES ('schema', '1')",
		    err, errlen) == -1 ||
		    exec(s, "COMMIT", err, errlen) == -1) {
			exec(s, "ROLLBACK", NULL, 0);
			goto fail;
		}
		return 0;
	}
	r = store_meta_get(s, "schema", ver, sizeof(ver), err, errlen);
	if (r == -1)
		goto fail;
	if (r == 0 || atoi(ver) != STORE_SCHEMA_VERSION) {
		ERR("%s: not a courtsync database of schema version %d", path,
		    STORE_SCHEMA_VERSION);
		goto fail;
	}
	return 0;
fail:
	store_close(s);
	return -1;
}

void
store_close(struct store *s)
{
	for (int i = 0; i < SQ_COUNT; i++) {
		sqlite3_finalize(s->stmt[i]);
		s->stmt[i] = NULL;
	}
	if (s->db != NULL)
		sqlite3_close(DB(s));
	s->db = NULL;
}

static int
run_stmt(struct store *s, enum store_stmt_id id, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, id, err, errlen);

	return st == NULL ? -1 : step_done(s, st, err, errlen);
}

int
store_begin(struct store *s, char *err, size_t errlen)
{
	if (run_stmt(s, SQ_BEGIN, err, errlen) == -1)
		return -1;
	s->in_tx = 1;
	return 0;
}

int
store_begin_read(struct store *s, char *err, size_t errlen)
{
	if (run_stmt(s, SQ_BEGIN_READ, err, errlen) == -1)
		return -1;
	s->in_tx = 1;
	return 0;
}

int
store_commit(struct store *s, char *err, size_t errlen)
{
	if (run_stmt(s, SQ_COMMIT, err, errlen) == -1) {
		store_rollback(s);
		return -1;
	}
	s->in_tx = 0;
	return 0;
}

void
store_rollback(struct store *s)
{
	if (s->db != NULL && !sqlite3_get_autocommit(DB(s)))
		run_stmt(s, SQ_ROLLBACK, NULL, 0);
	s->in_tx = 0;
}

int
store_data_version(struct store *s, int64_t *v, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_DATA_VERSION, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	return 0;
}

int
store_meta_set(struct store *s, const char *key, const char *value, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(DB(s), "INSERT OR REPLACE INTO meta VALUES (?1, ?2)",
	    -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	return 0;
}

int
store_meta_get(struct store *s, const char *key, char *out, size_t cap,
    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	if (sqlite3_prepare_v2(DB(s), "SELECT value FROM meta WHERE key = ?1",
	    -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_text(st, 0, out, cap);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		found = -1;
	}
	sqlite3_finalize(st);
	return found;
}

int
store_log_get(struct store *s, const char *origin, bool create,
    struct store_log *l, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_LOG_GET, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	memset(l, 0, sizeof(*l));
	snprintf(l->origin, sizeof(l->origin), "%s", origin);
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		l->id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		/* The size is the entries held: max(idx) + 1, an index seek. */
		if ((st = stmt(s, SQ_LOG_SIZE, err, errlen)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, l->id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
			l->size = (uint64_t)sqlite3_column_int64(st, 0) + 1;
		sqlite3_reset(st);
		if (rc != SQLITE_ROW) {
			ERR("database: %s", sqlite3_errmsg(DB(s)));
			return -1;
		}
		return 1;
	}
	if (rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	if (!create)
		return 0;
	st = stmt(s, SQ_LOG_ADD, err, errlen);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	if (step_done(s, st, err, errlen) == -1)
		return -1;
	l->id = sqlite3_last_insert_rowid(DB(s));
	return 1;
}

int
store_entry_put(struct store *s, int64_t log, uint64_t index,
    const uint8_t leaf[CS_HASH_LEN], const struct merkle_node *nodes,
    int nnodes, const void *data, size_t n, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_ENTRY_PUT, err, errlen);
	uint8_t blob[MERKLE_MAX_LEVELS * CS_HASH_LEN];

	if (st == NULL)
		return -1;
	for (int i = 0; i < nnodes; i++) {
		/* merkle_frontier_append reports levels 1, 2, … in order. */
		if (nodes[i].level != (unsigned)i + 1 ||
		    ((nodes[i].index + 1) << nodes[i].level) - 1 != index) {
			ERR("entry %llu: tree node (%u, %llu) is not completed"
			    " by it", (unsigned long long)index, nodes[i].level,
			    (unsigned long long)nodes[i].index);
			return -1;
		}
		memcpy(blob + (size_t)i * CS_HASH_LEN, nodes[i].hash, CS_HASH_LEN);
	}
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	sqlite3_bind_blob(st, 3, leaf, CS_HASH_LEN, SQLITE_STATIC);
	if (nnodes > 0)
		sqlite3_bind_blob(st, 4, blob, nnodes * CS_HASH_LEN,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_blob(st, 5, data, (int)n, SQLITE_STATIC);
	return step_done(s, st, err, errlen);
}

int
store_entry_get(struct store *s, int64_t log, uint64_t index, struct buf *out,
    uint8_t leaf[CS_HASH_LEN], char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_ENTRY_GET, err, errlen);
	int rc, ret = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		buf_reset(out);
		if (buf_append(out, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0)) == -1) {
			ERR("entry %llu: out of memory", (unsigned long long)index);
		} else {
			if (leaf != NULL)
				memcpy(leaf, sqlite3_column_blob(st, 1), CS_HASH_LEN);
			ret = 0;
		}
	} else if (rc == SQLITE_DONE) {
		ERR("entry %llu: not in the log", (unsigned long long)index);
	} else {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
	}
	sqlite3_reset(st);
	return ret;
}

int
store_entries_each(struct store *s, int64_t log, uint64_t from, uint64_t to,
    store_entry_fn fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, ret = 0;
	uint64_t want = from;

	if (sqlite3_prepare_v2(DB(s), "SELECT idx, data, leaf FROM entries"
	    " WHERE log = ?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx", -1, &st,
	    NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t idx = (uint64_t)sqlite3_column_int64(st, 0);
		if (idx != want) {
			ERR("log is missing entry %llu", (unsigned long long)want);
			ret = -1;
			break;
		}
		want++;
		if (fn(arg, idx, sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1),
		    sqlite3_column_blob(st, 2), err, errlen) == -1) {
			ret = -1;
			break;
		}
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		ret = -1;
	}
	if (ret == 0 && want != to) {
		ERR("log is missing entry %llu", (unsigned long long)want);
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

int
store_tree_get(void *arg, unsigned level, uint64_t index,
    uint8_t out[CS_HASH_LEN], char *err, size_t errlen)
{
	struct store_tree *t = arg;
	sqlite3_stmt *st;
	uint64_t leaf;
	size_t off = level == 0 ? 0 : (size_t)(level - 1) * CS_HASH_LEN;
	int rc, found = 0;

	if (level >= MERKLE_MAX_LEVELS || index >= (UINT64_C(1) << (63 - level))) {
		ERR("tree node (%u, %llu) is out of range", level,
		    (unsigned long long)index);
		return -1;
	}
	/* Node (level, index) is stored with the leaf that completed it. */
	leaf = ((index + 1) << level) - 1;
	st = stmt(t->s, level == 0 ? SQ_LEAF_GET : SQ_NODES_GET, err, errlen);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, t->log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)leaf);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW &&
	    (size_t)sqlite3_column_bytes(st, 0) >= off + CS_HASH_LEN) {
		memcpy(out, (const uint8_t *)sqlite3_column_blob(st, 0) + off,
		    CS_HASH_LEN);
		found = 1;
	}
	sqlite3_reset(st);
	if (!found) {
		ERR("tree node (%u, %llu) is missing", level,
		    (unsigned long long)index);
		return -1;
	}
	return 0;
}

int
store_checkpoint_put(struct store *s, int64_t log, uint64_t size,
    const char *note, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_CKPT_PUT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
	return step_done(s, st, err, errlen);
}

int
store_checkpoint_latest(struct store *s, int64_t log, uint64_t *size,
    char *note, size_t cap, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_CKPT_LATEST, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*size = (uint64_t)sqlite3_column_int64(st, 0);
		col_text(st, 1, note, cap);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	ERR("database: %s", sqlite3_errmsg(DB(s)));
	return -1;
}

int
store_checkpoints_each(struct store *s, int64_t log, store_ckpt_fn fn,
    void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(DB(s), "SELECT size, note FROM checkpoints"
	    " WHERE log = ?1 ORDER BY size", -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	sqlite3_bind_int64(st, 1, log);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn(arg, (uint64_t)sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1), err, errlen) == -1) {
			ret = -1;
			break;
		}
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

/* ---- derived tables ---- */

int
store_case_get(struct store *s, int64_t log, const char *case_no,
    struct case_state *c, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_CASE_GET, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_text(st, 2, case_no, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(c, 0, sizeof(*c));
		col_text(st, 0, c->case_no, sizeof(c->case_no));
		c->year = sqlite3_column_int(st, 1);
		col_text(st, 2, c->type, sizeof(c->type));
		c->seq = (uint32_t)sqlite3_column_int64(st, 3);
		col_text(st, 4, c->filed, sizeof(c->filed));
		col_text(st, 5, c->applicant, sizeof(c->applicant));
		col_text(st, 6, c->respondent, sizeof(c->respondent));
		c->claimed = (uint64_t)sqlite3_column_int64(st, 7);
		col_text(st, 8, c->original, sizeof(c->original));
		c->nonlitigation = sqlite3_column_int(st, 9);
		col_text(st, 10, c->handler, sizeof(c->handler));
		col_text(st, 11, c->team, sizeof(c->team));
		col_text(st, 12, c->assigned, sizeof(c->assigned));
		col_text(st, 13, c->track, sizeof(c->track));
		col_text(st, 14, c->basis, sizeof(c->basis));
		col_text(st, 15, c->triaged, sizeof(c->triaged));
		c->arrived = (uint64_t)sqlite3_column_int64(st, 16);
		c->paid = (uint64_t)sqlite3_column_int64(st, 17);
		c->ext_months = (uint32_t)sqlite3_column_int(st, 18);
		c->susp_days = sqlite3_column_int64(st, 19);
		col_text(st, 20, c->susp_since, sizeof(c->susp_since));
		col_text(st, 21, c->closed, sizeof(c->closed));
		col_text(st, 22, c->mode, sizeof(c->mode));
		c->recovered = (uint64_t)sqlite3_column_int64(st, 23);
		c->filed_idx = (uint64_t)sqlite3_column_int64(st, 24);
		c->last_idx = (uint64_t)sqlite3_column_int64(st, 25);
		c->nevents = (uint32_t)sqlite3_column_int64(st, 26);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	ERR("database: %s", sqlite3_errmsg(DB(s)));
	return -1;
}

int
store_case_put(struct store *s, int64_t log, const struct case_state *c,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_CASE_PUT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	bind_text(st, 2, c->case_no);
	sqlite3_bind_int(st, 3, c->year);
	bind_text(st, 4, c->type);
	sqlite3_bind_int64(st, 5, c->seq);
	bind_text(st, 6, c->filed);
	bind_text(st, 7, c->applicant);
	bind_text(st, 8, c->respondent);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)c->claimed);
	bind_text(st, 10, c->original);
	sqlite3_bind_int(st, 11, c->nonlitigation);
	bind_text(st, 12, c->handler);
	bind_text(st, 13, c->team);
	bind_text(st, 14, c->assigned);
	bind_text(st, 15, c->track);
	bind_text(st, 16, c->basis);
	bind_text(st, 17, c->triaged);
	sqlite3_bind_int64(st, 18, (sqlite3_int64)c->arrived);
	sqlite3_bind_int64(st, 19, (sqlite3_int64)c->paid);
	sqlite3_bind_int(st, 20, (int)c->ext_months);
	sqlite3_bind_int64(st, 21, c->susp_days);
	bind_text(st, 22, c->susp_since);
	bind_text(st, 23, c->closed);
	bind_text(st, 24, c->mode);
	sqlite3_bind_int64(st, 25, (sqlite3_int64)c->recovered);
	sqlite3_bind_int64(st, 26, (sqlite3_int64)c->filed_idx);
	sqlite3_bind_int64(st, 27, (sqlite3_int64)c->last_idx);
	sqlite3_bind_int64(st, 28, c->nevents);
	return step_done(s, st, err, errlen);
}

int
store_case_clear(struct store *s, int64_t log, const char *case_no, char *err,
    size_t errlen)
{
	static const char *const tables[] = {
		"cases", "case_nodes", "ledger", "suspensions", "acks"
	};
	char q[128];

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		sqlite3_stmt *st;
		int rc;

		snprintf(q, sizeof(q), "DELETE FROM %s WHERE log = ?1"
		    " AND case_no = ?2", tables[i]);
		if (sqlite3_prepare_v2(DB(s), q, -1, &st, NULL) != SQLITE_OK) {
			ERR("database: %s", sqlite3_errmsg(DB(s)));
			return -1;
		}
		sqlite3_bind_int64(st, 1, log);
		sqlite3_bind_text(st, 2, case_no, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			ERR("database: %s", sqlite3_errmsg(DB(s)));
			return -1;
		}
	}
	return 0;
}

int
store_node_upsert(struct store *s, int64_t log, const char *case_no,
    const char *node, const char *date, const char *asset, const char *expires,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_NODE_UPSERT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	bind_text(st, 2, case_no);
	bind_text(st, 3, node);
	bind_text(st, 4, date);
	bind_text(st, 5, asset);
	bind_text(st, 6, expires);
	return step_done(s, st, err, errlen);
}

int
store_ledger_put(struct store *s, int64_t log, uint64_t index,
    const char *case_no, const char *date, int direction, uint64_t amount,
    const char *party, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_LEDGER_PUT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	bind_text(st, 3, case_no);
	bind_text(st, 4, date);
	sqlite3_bind_int(st, 5, direction);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)amount);
	bind_text(st, 7, party);
	return step_done(s, st, err, errlen);
}

int
store_susp_put(struct store *s, int64_t log, const char *case_no,
    const char *start, const char *end, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_SUSP_PUT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	bind_text(st, 2, case_no);
	bind_text(st, 3, start);
	sqlite3_bind_text(st, 4, end, -1, SQLITE_STATIC);
	return step_done(s, st, err, errlen);
}

int
store_ack_put(struct store *s, int64_t log, uint64_t index, const char *case_no,
    const char *date, const char *rule, const char *supervisor,
    const char *note, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_ACK_PUT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	bind_text(st, 3, case_no);
	bind_text(st, 4, date);
	bind_text(st, 5, rule);
	bind_text(st, 6, supervisor);
	bind_text(st, 7, note);
	return step_done(s, st, err, errlen);
}

int
store_event_put(struct store *s, int64_t log, uint64_t index,
    const char *case_no, const char *type, const char *date, uint64_t time,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_EVENT_PUT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	sqlite3_bind_text(st, 3, case_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, type, -1, SQLITE_STATIC);
	bind_text(st, 5, date);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)time);
	return step_done(s, st, err, errlen);
}

int
store_event_get(struct store *s, int64_t log, const char *case_no,
    uint64_t index, char *type, size_t tcap, int64_t *corrected_by, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_EVENT_GET, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_text(st, 2, case_no, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)index);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_text(st, 0, type, tcap);
		*corrected_by = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	ERR("database: %s", sqlite3_errmsg(DB(s)));
	return -1;
}

int
store_event_set_corrected(struct store *s, int64_t log, const char *case_no,
    uint64_t index, uint64_t by, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, SQ_EVENT_CORRECT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_text(st, 2, case_no, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)index);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)by);
	return step_done(s, st, err, errlen);
}

int
store_case_events(struct store *s, int64_t log, const char *case_no,
    store_event_fn fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	/* Not the cached statement: the callback re-enters the store. */
	if (sqlite3_prepare_v2(DB(s), sql[SQ_CASE_EVENTS], -1, &st, NULL) !=
	    SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_text(st, 2, case_no, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t by = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 2);
		if (fn(arg, (uint64_t)sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1), by, err,
		    errlen) == -1) {
			ret = -1;
			break;
		}
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

int
store_derived_clear(struct store *s, char *err, size_t errlen)
{
	char q[64];

	for (size_t i = 0; i < NDERIVED; i++) {
		snprintf(q, sizeof(q), "DELETE FROM %s", derived[i][0]);
		if (exec(s, q, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static void
digest_u64(struct crypto_sha256_ctx *h, uint8_t tag, uint64_t v)
{
	uint8_t b[9];

	b[0] = tag;
	for (int i = 0; i < 8; i++)
		b[1 + i] = (uint8_t)(v >> (56 - 8 * i));
	crypto_sha256_update(h, b, sizeof(b));
}

/* Digests the derived rows of every log (log < 0) or of one log, which
 * then leaves out the log id column: ids are local to a database, so one
 * court's state digests alike at every node that holds its log. */
static int
derived_digest(struct store *s, int64_t log, uint8_t out[CS_HASH_LEN],
    char *err, size_t errlen)
{
	struct crypto_sha256_ctx h = { 0 };
	char q[160];
	int ret = -1;

	if (crypto_sha256_begin(&h) == -1) {
		ERR("SHA-256 unavailable");
		return -1;
	}
	for (size_t t = 0; t < NDERIVED; t++) {
		sqlite3_stmt *st;
		int rc, ncol;

		snprintf(q, sizeof(q), "SELECT * FROM %s%s ORDER BY %s",
		    derived[t][0], log >= 0 ? " WHERE log = ?1" : "",
		    derived[t][1]);
		if (sqlite3_prepare_v2(DB(s), q, -1, &st, NULL) != SQLITE_OK) {
			ERR("database: %s", sqlite3_errmsg(DB(s)));
			goto out;
		}
		if (log >= 0)
			sqlite3_bind_int64(st, 1, log);
		crypto_sha256_update(&h, derived[t][0], strlen(derived[t][0]) + 1);
		ncol = sqlite3_column_count(st);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			for (int c = log >= 0 ? 1 : 0; c < ncol; c++) {
				int ty = sqlite3_column_type(st, c);
				const void *p;
				int n;

				switch (ty) {
				case SQLITE_INTEGER:
					digest_u64(&h, 'i',
					    (uint64_t)sqlite3_column_int64(st, c));
					break;
				case SQLITE_NULL:
					crypto_sha256_update(&h, "n", 1);
					break;
				default:
					p = ty == SQLITE_BLOB ?
					    sqlite3_column_blob(st, c) :
					    (const void *)sqlite3_column_text(st, c);
					n = sqlite3_column_bytes(st, c);
					digest_u64(&h, ty == SQLITE_BLOB ? 'b' : 't',
					    (uint64_t)n);
					crypto_sha256_update(&h, p, (size_t)n);
					break;
				}
			}
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			ERR("database: %s", sqlite3_errmsg(DB(s)));
			goto out;
		}
	}
	crypto_sha256_end(&h, out);
	ret = 0;
out:
	crypto_sha256_free(&h);
	return ret;
}

int
store_derived_digest(struct store *s, uint8_t out[CS_HASH_LEN], char *err,
    size_t errlen)
{
	return derived_digest(s, -1, out, err, errlen);
}

int
store_log_digest(struct store *s, int64_t log, uint8_t out[CS_HASH_LEN],
    char *err, size_t errlen)
{
	return derived_digest(s, log, out, err, errlen);
}

int
store_query(struct store *s, const char *q, const char *const *args, int nargs,
    store_row_fn fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	const char *cols[64];
	int rc, ret = 0, ncol;

	if (sqlite3_prepare_v2(DB(s), q, -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	for (int i = 0; i < nargs; i++)
		sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
	ncol = sqlite3_column_count(st);
	if (ncol > 64)
		ncol = 64;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < ncol; c++)
			cols[c] = (const char *)sqlite3_column_text(st, c);
		if (fn(arg, ncol, cols) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

/* ---- sync state ---- */

/* Prepares q, binds args by type letters ('i' int64, 't' text, 'b' blob
 * with its length as the next argument), runs it to completion. */
static int
run(struct store *s, const char *q, char *err, size_t errlen, const char *types,
    ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc, i = 1;

	if (sqlite3_prepare_v2(DB(s), q, -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	va_start(ap, types);
	for (const char *t = types; *t != '\0'; t++, i++) {
		if (*t == 'i') {
			sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
		} else if (*t == 't') {
			const char *v = va_arg(ap, const char *);
			if (v == NULL)
				sqlite3_bind_null(st, i);
			else
				sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
		} else {
			const void *p = va_arg(ap, const void *);
			int n = va_arg(ap, int);
			if (p == NULL)
				sqlite3_bind_null(st, i);
			else
				sqlite3_bind_blob(st, i, p, n, SQLITE_TRANSIENT);
		}
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	return 0;
}

int
store_cosig_put(struct store *s, int64_t log, uint64_t size,
    const char *witness, uint64_t time, const char *line, char *err,
    size_t errlen)
{
	return run(s, "INSERT INTO cosigs VALUES (?1, ?2, ?3, ?4, ?5)"
	    " ON CONFLICT(log, size, witness) DO UPDATE SET time = ?4, line = ?5"
	    " WHERE ?4 > time", err, errlen, "iitit", log, (int64_t)size,
	    witness, (int64_t)time, line);
}

int
store_cosigs_each(struct store *s, int64_t log, uint64_t size,
    store_cosig_fn fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(DB(s), "SELECT witness, line FROM cosigs"
	    " WHERE log = ?1 AND size = ?2 ORDER BY length(witness), witness",
	    -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn(arg, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

static int
get_int(struct store *s, const char *q, const char *text, int64_t a,
    int64_t *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	if (sqlite3_prepare_v2(DB(s), q, -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	if (text != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, a);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*out = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	return found;
}

int
store_cursor_get(struct store *s, const char *origin, uint64_t *size,
    char *err, size_t errlen)
{
	int64_t v = 0;
	int r = get_int(s, "SELECT size FROM cursors WHERE origin = ?1", origin,
	    0, &v, err, errlen);

	*size = r == 1 ? (uint64_t)v : 0;
	return r == -1 ? -1 : 0;
}

int
store_cursor_set(struct store *s, const char *origin, uint64_t size,
    char *err, size_t errlen)
{
	return run(s, "INSERT OR REPLACE INTO cursors VALUES (?1, ?2)", err,
	    errlen, "ti", origin, (int64_t)size);
}

int
store_checkpoint_get(struct store *s, int64_t log, uint64_t size, char *note,
    size_t cap, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(DB(s), "SELECT note FROM checkpoints WHERE"
	    " log = ?1 AND size = ?2", -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col_text(st, 0, note, cap);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	ERR("database: %s", sqlite3_errmsg(DB(s)));
	return -1;
}

int
store_checkpoint_next(struct store *s, int64_t log, uint64_t after,
    uint64_t limit, uint64_t *size, char *err, size_t errlen)
{
	int64_t v;
	int r;
	sqlite3_stmt *st;
	int rc;

	/* The largest checkpoint in (after, limit]; else the smallest above. */
	if (sqlite3_prepare_v2(DB(s), "SELECT coalesce((SELECT max(size) FROM"
	    " checkpoints WHERE log = ?1 AND size > ?2 AND size <= ?3),"
	    " (SELECT min(size) FROM checkpoints WHERE log = ?1 AND size > ?2))",
	    -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)after);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
	rc = sqlite3_step(st);
	r = 0;
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		v = sqlite3_column_int64(st, 0);
		*size = (uint64_t)v;
		r = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	return r;
}

int
store_logs_each(struct store *s, store_log_fn fn, void *arg, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(DB(s), "SELECT id, origin FROM logs ORDER BY"
	    " origin", -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn(arg, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

int
store_evidence_put(struct store *s, const char *origin, const char *note_a,
    const char *note_b, const void *proof, size_t prooflen,
    const uint8_t *root_m, uint64_t now, const char *found_by, char *err,
    size_t errlen)
{
	return run(s, "INSERT OR IGNORE INTO equivocations(origin, note_a,"
	    " note_b, proof, root_m, found_at, found_by) VALUES (?1, ?2, ?3,"
	    " ?4, ?5, ?6, ?7)", err, errlen, "tttbbit", origin, note_a, note_b,
	    proof, (int)prooflen, root_m, root_m != NULL ? CS_HASH_LEN : 0,
	    (int64_t)now, found_by);
}

int
store_peer_note(struct store *s, const char *court, uint64_t now, bool ok,
    const char *error, uint64_t entries, char *err, size_t errlen)
{
	return run(s, "INSERT INTO peers VALUES (?1, ?2, CASE WHEN ?3 THEN ?2"
	    " END, ?4, 1, ?5) ON CONFLICT(court) DO UPDATE SET last_seen = ?2,"
	    " last_ok = CASE WHEN ?3 THEN ?2 ELSE last_ok END, last_error ="
	    " CASE WHEN ?3 THEN last_error ELSE ?4 END, requests = requests + 1,"
	    " entries = entries + ?5", err, errlen, "tiiti", court,
	    (int64_t)now, (int64_t)ok, error, (int64_t)entries);
}

int
store_evidence_pending(struct store *s, store_evidence_fn fn, void *arg,
    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(DB(s), "SELECT id, origin, note_a, note_b, proof,"
	    " root_m FROM equivocations WHERE relayed = 0 ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_evidence e;

		e.id = sqlite3_column_int64(st, 0);
		e.origin = (const char *)sqlite3_column_text(st, 1);
		e.note_a = (const char *)sqlite3_column_text(st, 2);
		e.note_b = (const char *)sqlite3_column_text(st, 3);
		e.proof = sqlite3_column_blob(st, 4);
		e.prooflen = (size_t)sqlite3_column_bytes(st, 4);
		e.root_m = sqlite3_column_bytes(st, 5) == CS_HASH_LEN ?
		    sqlite3_column_blob(st, 5) : NULL;
		if (fn(arg, &e) != 0)
			break;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

int
store_evidence_relayed(struct store *s, int64_t id, int state, char *err,
    size_t errlen)
{
	return run(s, "UPDATE equivocations SET relayed = ?2 WHERE id = ?1", err,
	    errlen, "ii", id, (int64_t)state);
}

int
store_exec(struct store *s, const char *q, const char *const *args, int nargs,
    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(DB(s), q, -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	for (int i = 0; i < nargs; i++)
		sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	return 0;
}

int
store_entries_fit(struct store *s, int64_t log, uint64_t from, uint64_t max_n,
    uint64_t max_bytes, uint64_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	uint64_t bytes = 0, k = 0;
	int rc;

	if (sqlite3_prepare_v2(DB(s), "SELECT length(data) FROM entries WHERE"
	    " log = ?1 AND idx >= ?2 ORDER BY idx LIMIT ?3", -1, &st,
	    NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max_n);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* msgpack bin header (up to 5 bytes) per entry, too */
		uint64_t len = (uint64_t)sqlite3_column_int64(st, 0) + 5;

		if (k > 0 && bytes + len > max_bytes)
			break;
		bytes += len;
		k++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	*n = k;
	return 0;
}
