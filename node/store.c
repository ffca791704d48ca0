/*
 * store.c — the node's SQLite database (see store.h).
 */
#include <pthread.h>

#include "store_int.h"

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
const char *const store_derived_tables[NDERIVED][2] = {
	{ "cases", "log, case_no" },
	{ "case_nodes", "log, case_no, node" },
	{ "ledger", "log, idx" },
	{ "suspensions", "log, case_no, start" },
	{ "acks", "log, idx" },
	{ "events", "log, case_no, idx" },
};

const char *const store_sql[SQ_COUNT] = {
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
	[SQ_CASE_PUT] = "INSERT INTO cases VALUES (?1, ?2, ?3, ?4, ?5,"
	    " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
	    " ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)"
	    /* an upsert, not a REPLACE: the views' triggers see the old row;
	     * year, type and number are the case number's, never changed
	     * (so the index on them is not rewritten) */
	    " ON CONFLICT(log, case_no) DO UPDATE SET"
	    " filed = excluded.filed, applicant = excluded.applicant, respondent ="
	    " excluded.respondent, claimed = excluded.claimed, original ="
	    " excluded.original, nonlitigation = excluded.nonlitigation, handler ="
	    " excluded.handler, team = excluded.team, assigned = excluded.assigned,"
	    " track = excluded.track, basis = excluded.basis, triaged ="
	    " excluded.triaged, arrived = excluded.arrived, paid = excluded.paid,"
	    " ext_months = excluded.ext_months, susp_days = excluded.susp_days,"
	    " susp_since = excluded.susp_since, closed = excluded.closed, mode ="
	    " excluded.mode, recovered = excluded.recovered, filed_idx ="
	    " excluded.filed_idx, last_idx = excluded.last_idx, nevents ="
	    " excluded.nevents",
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

sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt_id id, char *err, size_t errlen)
{
	sqlite3_stmt *st = s->stmt[id];

	if (st == NULL) {
		if (sqlite3_prepare_v3(DB(s), store_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		    &st, NULL) != SQLITE_OK) {
			ERR("database: %s", sqlite3_errmsg(DB(s)));
			return NULL;
		}
		s->stmt[id] = st;
	}
	return st;
}

int
store_exec_sql(struct store *s, const char *q, char *err, size_t errlen)
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
int
store_step_done(struct store *s, sqlite3_stmt *st, char *err, size_t errlen)
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

void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL || v[0] == '\0')
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

void
store_col_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t n = t != NULL ? (size_t)sqlite3_column_bytes(st, i) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(out, t, n);
	out[n] = '\0';
}

/* PRAGMA user_version: the schema version, 0 if never set. */
static int
user_version(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(DB(s), "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		ERR("database: %s", sqlite3_errmsg(DB(s)));
	sqlite3_finalize(st);
	return v;
}

int
store_open(struct store *s, const char *path, bool create, enum store_sync sync,
    char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	char ver[32];
	int r, uv = 0;

	memset(s, 0, sizeof(*s));
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		ERR("cannot open database %s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	s->db = db;
	{
		static uint64_t opens;

		s->open_id = __atomic_add_fetch(&opens, 1, __ATOMIC_RELAXED);
	}
	sqlite3_busy_timeout(db, 10000);
	sqlite3_extended_result_codes(db, 1);
	if (store_exec_sql(s, "PRAGMA journal_mode=WAL", err, errlen) == -1 ||
	    store_exec_sql(s, sync == STORE_SYNC_FULL ? "PRAGMA synchronous=FULL" :
	    "PRAGMA synchronous=NORMAL", err, errlen) == -1 ||
	    store_exec_sql(s, "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-262144",
	    err, errlen) == -1)
		goto fail;
	/* The counters' triggers are for other writers: at this connection
	 * store_case_put keeps them (store_counts.c). */
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0,
	    (int *)NULL) != SQLITE_OK) {
		ERR("cannot open database %s: %s", path, sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_wal_autocheckpoint(db, STORE_WAL_AUTOCHECKPOINT);
	if (create) {
		if (store_exec_sql(s, "BEGIN IMMEDIATE", err, errlen) == -1)
			goto fail;
		if (store_exec_sql(s, schema, err, errlen) == -1 ||
		    store_exec_sql(s, store_views_schema, err, errlen) == -1 ||
		    store_exec_sql(s, "INSERT INTO meta VALUES ('schema', '7'),"
		    " ('vw_valid', '1')",
		    err, errlen) == -1 ||
		    store_exec_sql(s, "PRAGMA user_version = 7", err,
		    errlen) == -1 ||
		    store_sync_schema(s, err, errlen) == -1 ||
		    store_exec_sql(s, "COMMIT", err, errlen) == -1) {
			store_exec_sql(s, "ROLLBACK", NULL, 0);
			goto fail;
		}
		return 0;
	}
	/* The version: PRAGMA user_version; databases made before it was
	 * set (0) say it in meta.schema. */
	if ((r = user_version(s, err, errlen)) == -1)
		goto fail;
	uv = r;
	if (r > STORE_SCHEMA_VERSION) {
		ERR("%s is a database of schema version %d, newer than this "
		    "courtsync's (%d): install the courtsync that made it", path,
		    r, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (r > 0) {
		snprintf(ver, sizeof(ver), "%d", r);
		r = 1;
	} else if ((r = store_meta_get(s, "schema", ver, sizeof(ver), err,
	    errlen)) == -1) {
		goto fail;
	}
	/* Versions 1 to 6 had none or part of the view state: add it
	 * (store_views.c), once. */
	if (r == 1 && atoi(ver) >= 1 && atoi(ver) < STORE_SCHEMA_VERSION) {
		if (store_views_migrate(s, atoi(ver), err, errlen) == -1)
			goto fail;
		snprintf(ver, sizeof(ver), "%d", STORE_SCHEMA_VERSION);
	}
	if (r == 0 || atoi(ver) != STORE_SCHEMA_VERSION) {
		ERR("%s: not a courtsync database of schema version %d", path,
		    STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (store_sync_schema(s, err, errlen) == -1 ||
	    (uv == 0 && store_exec_sql(s, "PRAGMA user_version = 7", err,
	    errlen) == -1))
		goto fail;
	return 0;
fail:
	store_close(s);
	return -1;
}

void
store_close(struct store *s)
{
	store_ckpt_stop(s);
	for (int i = 0; i < SQ_COUNT; i++) {
		sqlite3_finalize(s->stmt[i]);
		s->stmt[i] = NULL;
	}
	store_views_discard(s);
	for (int i = 0; i < STORE_KEPT; i++) {
		sqlite3_finalize(s->kept_stmt[i]);
		s->kept_stmt[i] = NULL;
		s->kept_sql[i] = NULL;
	}
	if (s->db != NULL)
		sqlite3_close(DB(s));
	s->db = NULL;
}

static void ckpt_before_write(struct store_ckpt *k);

static int
run_stmt(struct store *s, enum store_stmt_id id, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, id, err, errlen);

	return st == NULL ? -1 : store_step_done(s, st, err, errlen);
}

int
store_begin(struct store *s, char *err, size_t errlen)
{
	if (s->ckpt != NULL)
		ckpt_before_write(s->ckpt);
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
	if (store_views_flush(s, err, errlen) == -1 ||
	    run_stmt(s, SQ_COMMIT, err, errlen) == -1) {
		store_rollback(s);
		return -1;
	}
	s->in_tx = 0;
	return 0;
}

void
store_rollback(struct store *s)
{
	store_views_discard(s);
	if (s->db != NULL && !sqlite3_get_autocommit(DB(s)))
		run_stmt(s, SQ_ROLLBACK, NULL, 0);
	s->in_tx = 0;
}

int
store_data_version(struct store *s, int64_t *v, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, SQ_DATA_VERSION, err, errlen);
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
		store_col_text(st, 0, out, cap);
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
	sqlite3_stmt *st = store_stmt(s, SQ_LOG_GET, err, errlen);
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
		if ((st = store_stmt(s, SQ_LOG_SIZE, err, errlen)) == NULL)
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
	st = store_stmt(s, SQ_LOG_ADD, err, errlen);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	if (store_step_done(s, st, err, errlen) == -1)
		return -1;
	l->id = sqlite3_last_insert_rowid(DB(s));
	return 1;
}

int
store_entry_put(struct store *s, int64_t log, uint64_t index,
    const uint8_t leaf[CS_HASH_LEN], const struct merkle_node *nodes,
    int nnodes, const void *data, size_t n, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, SQ_ENTRY_PUT, err, errlen);
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
	return store_step_done(s, st, err, errlen);
}

int
store_entry_get(struct store *s, int64_t log, uint64_t index, struct buf *out,
    uint8_t leaf[CS_HASH_LEN], char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, SQ_ENTRY_GET, err, errlen);
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
	st = store_stmt(t->s, level == 0 ? SQ_LEAF_GET : SQ_NODES_GET, err, errlen);
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
	sqlite3_stmt *st = store_stmt(s, SQ_CKPT_PUT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
	return store_step_done(s, st, err, errlen);
}

/* One checkpoint row of st (bound, not yet stepped): 1 found, 0 none. */
static int
ckpt_one(struct store *s, sqlite3_stmt *st, uint64_t *size, char *note,
    size_t cap, char *err, size_t errlen)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*size = (uint64_t)sqlite3_column_int64(st, 0);
		store_col_text(st, 1, note, cap);
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
store_checkpoint_latest(struct store *s, int64_t log, uint64_t *size,
    char *note, size_t cap, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, SQ_CKPT_LATEST, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	return ckpt_one(s, st, size, note, cap, err, errlen);
}

static const char q_ckpt_after[] = "SELECT size, note FROM checkpoints"
    " WHERE log = ?1 AND size > ?2 ORDER BY size LIMIT 1";

int
store_checkpoint_after(struct store *s, int64_t log, uint64_t index,
    uint64_t *size, char *note, size_t cap, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_kept(s, q_ckpt_after, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	return ckpt_one(s, st, size, note, cap, err, errlen);
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

/* ---- WAL checkpoints off the request path ----
 *
 * By default the connection that commits runs the checkpoint once the WAL
 * passes wal_autocheckpoint pages: at a hub that is the request thread,
 * inside the COMMIT of a batch (copying some 16 MB of pages back into the
 * database, with two fsyncs).  Here the writer's WAL hook only notes the
 * WAL's length and wakes a thread with a connection of its own, which runs
 * PASSIVE checkpoints: they copy what is committed without waiting for or
 * blocking the writer, and change no page, so the writer's page cache
 * stays valid.  Crash safety is SQLite's: a checkpoint copies committed
 * frames only, and an interrupted one is simply redone.
 *
 * SQLite starts the WAL over (and so rewrites a file whose pages are
 * already allocated and cached, instead of appending to it) only when a
 * write transaction begins with every frame copied back.  A hub's next
 * batch usually begins while the thread is still copying, so the WAL would
 * grow for ever: past `hard` frames, store_begin waits for the pass under
 * way and copies what is left itself, and that transaction starts the WAL
 * over.  The thread started its pass at the previous commit, so the wait is
 * what is left of it, not a whole checkpoint.
 */
struct store_ckpt {
	sqlite3		*db;		/* the checkpointer's own connection */
	struct store	*writer;	/* whose commits it follows */
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 wake;		/* a pass is due, or stop */
	pthread_cond_t	 done;		/* the pass under way finished */
	int		 soft, hard;	/* WAL frames: wake / finish at begin */
	int		 frames;	/* in the WAL after the last commit */
	bool		 due, busy, stop;
};

static void *
ckpt_main(void *arg)
{
	struct store_ckpt *k = arg;

	pthread_mutex_lock(&k->mu);
	for (;;) {
		while (!k->due && !k->stop)
			pthread_cond_wait(&k->wake, &k->mu);
		if (k->stop)
			break;
		k->due = false;
		k->busy = true;
		pthread_mutex_unlock(&k->mu);
		/* SQLITE_BUSY (another connection checkpointing) is fine:
		 * the next commit asks again. */
		sqlite3_wal_checkpoint_v2(k->db, "main",
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&k->mu);
		k->busy = false;
		pthread_cond_broadcast(&k->done);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

/* The writer's WAL hook: runs after each commit, write lock released. */
static int
ckpt_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store_ckpt *k = arg;

	(void)db;
	(void)name;
	pthread_mutex_lock(&k->mu);
	k->frames = frames;
	if (frames >= k->soft && !k->due) {
		k->due = true;
		pthread_cond_signal(&k->wake);
	}
	pthread_mutex_unlock(&k->mu);
	return SQLITE_OK;
}

/* Before the writer's write transaction: bounds the WAL (see above). */
static void
ckpt_before_write(struct store_ckpt *k)
{
	pthread_mutex_lock(&k->mu);
	if (k->frames < k->hard) {
		pthread_mutex_unlock(&k->mu);
		return;
	}
	while (k->busy || k->due)
		pthread_cond_wait(&k->done, &k->mu);
	k->busy = true;
	pthread_mutex_unlock(&k->mu);
	/* Copies only what the thread's pass left (often nothing). */
	sqlite3_wal_checkpoint_v2(DB(k->writer), "main",
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	pthread_mutex_lock(&k->mu);
	k->busy = false;
	k->frames = 0;
	pthread_cond_broadcast(&k->done);
	pthread_mutex_unlock(&k->mu);
}

int
store_ckpt_start(struct store *s, int soft, int hard, char *err, size_t errlen)
{
	struct store_ckpt *k;
	const char *path = sqlite3_db_filename(DB(s), "main");

	if (soft < 1 || hard < soft || s->ckpt != NULL) {
		ERR("checkpointer: bad thresholds %d, %d", soft, hard);
		return -1;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		ERR("out of memory");
		return -1;
	}
	k->writer = s;
	k->soft = soft;
	k->hard = hard;
	if (path == NULL || sqlite3_open_v2(path, &k->db, SQLITE_OPEN_READWRITE,
	    NULL) != SQLITE_OK) {
		ERR("checkpointer: cannot open %s: %s", path != NULL ? path : "?",
		    k->db != NULL ? sqlite3_errmsg(k->db) : "out of memory");
		goto fail;
	}
	/* A connection learns that the database is in WAL mode, and opens
	 * the WAL a checkpoint needs, when it first reads. */
	if (sqlite3_exec(k->db, "PRAGMA journal_mode=WAL", NULL, NULL,
	    NULL) != SQLITE_OK) {
		ERR("checkpointer: %s", sqlite3_errmsg(k->db));
		goto fail;
	}
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->wake, NULL);
	pthread_cond_init(&k->done, NULL);
	if (pthread_create(&k->thread, NULL, ckpt_main, k) != 0) {
		ERR("checkpointer: cannot start its thread");
		pthread_cond_destroy(&k->done);
		pthread_cond_destroy(&k->wake);
		pthread_mutex_destroy(&k->mu);
		goto fail;
	}
	/* Replaces the automatic checkpoint (itself a WAL hook). */
	sqlite3_wal_hook(DB(s), ckpt_hook, k);
	s->ckpt = k;
	return 0;
fail:
	sqlite3_close(k->db);
	free(k);
	return -1;
}

void
store_ckpt_stop(struct store *s)
{
	struct store_ckpt *k = s->ckpt;

	if (k == NULL)
		return;
	sqlite3_wal_autocheckpoint(DB(s), STORE_WAL_AUTOCHECKPOINT);
	s->ckpt = NULL;
	pthread_mutex_lock(&k->mu);
	k->stop = true;
	pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	pthread_cond_destroy(&k->done);
	pthread_cond_destroy(&k->wake);
	pthread_mutex_destroy(&k->mu);
	sqlite3_close(k->db);
	free(k);
}
