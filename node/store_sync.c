/*
 * store_sync.c — sync state: cosignatures, cursors, equivocation and refusal evidence, peers, and small administrative writes (store.h).
 */
#include "store_int.h"
#include "courtsync/note.h"

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
		store_col_text(st, 0, note, cap);
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

/* Beside `equivocations`; IF NOT EXISTS, so a version 7 database gains it
 * on open without a migration (PROTOCOL §6.2). */
static const char refusals_schema[] =
	"CREATE TABLE IF NOT EXISTS refusals(id INTEGER PRIMARY KEY,"
	"  origin TEXT NOT NULL, note TEXT NOT NULL, idx INTEGER NOT NULL,"
	"  entry BLOB NOT NULL, proof BLOB NOT NULL, reason TEXT NOT NULL,"
	"  found_at INTEGER NOT NULL, found_by TEXT NOT NULL,"
	"  relayed INTEGER NOT NULL DEFAULT 0, UNIQUE(origin, note, idx))";

int
store_sync_schema(struct store *s, char *err, size_t errlen)
{
	if (store_exec_sql(s, refusals_schema, err, errlen) == -1 ||
	    store_staff_schema(s, err, errlen) == -1)
		return -1;
	return store_folds_schema(s, err, errlen);
}

int
store_refusal_put(struct store *s, const struct store_refusal *e,
    uint64_t now, const char *found_by, char *err, size_t errlen)
{
	/* A zero-length proof (a tree of one entry) is an empty blob, not
	 * NULL. */
	static const uint8_t none[1];

	return run(s, "INSERT OR IGNORE INTO refusals(origin, note, idx, entry,"
	    " proof, reason, found_at, found_by) VALUES (?1, ?2, ?3, ?4, ?5,"
	    " ?6, ?7, ?8)", err, errlen, "ttibbtit", e->origin, e->note,
	    (int64_t)e->index, e->entry, (int)e->entrylen,
	    e->prooflen > 0 ? e->proof : (const void *)none, (int)e->prooflen,
	    e->reason, (int64_t)now, found_by);
}

int
store_refusals_each(struct store *s, bool pending, store_refusal_fn fn,
    void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(DB(s), pending ? "SELECT id, origin, note, idx,"
	    " entry, proof, reason, found_at, found_by FROM refusals WHERE"
	    " relayed = 0 ORDER BY id" : "SELECT id, origin, note, idx, entry,"
	    " proof, reason, found_at, found_by FROM refusals ORDER BY id", -1,
	    &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_refusal e;

		e.id = sqlite3_column_int64(st, 0);
		e.origin = (const char *)sqlite3_column_text(st, 1);
		e.note = (const char *)sqlite3_column_text(st, 2);
		e.index = (uint64_t)sqlite3_column_int64(st, 3);
		e.entry = sqlite3_column_blob(st, 4);
		e.entrylen = (size_t)sqlite3_column_bytes(st, 4);
		e.proof = sqlite3_column_blob(st, 5);
		e.prooflen = (size_t)sqlite3_column_bytes(st, 5);
		e.reason = (const char *)sqlite3_column_text(st, 6);
		e.found_at = (uint64_t)sqlite3_column_int64(st, 7);
		e.found_by = (const char *)sqlite3_column_text(st, 8);
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
store_refusal_relayed(struct store *s, int64_t id, int state, char *err,
    size_t errlen)
{
	return run(s, "UPDATE refusals SET relayed = ?2 WHERE id = ?1", err,
	    errlen, "ii", id, (int64_t)state);
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

/* ---- a checkpoint with its cosignatures ---- */

struct cosig_cat {
	struct buf	*out;
	int		 rc;
};

static int
cat_cosig(void *arg, const char *witness, const char *line)
{
	struct cosig_cat *c = arg;

	(void)witness;
	if (buf_append(c->out, line, strlen(line)) == -1)
		c->rc = -1;
	return 0;
}

int
store_checkpoint_text(struct store *st, int64_t log, uint64_t size,
    struct buf *out, char *err, size_t errlen)
{
	char note[NOTE_MAX];
	struct cosig_cat cc = { out, 0 };
	int r;

	buf_reset(out);
	r = store_checkpoint_get(st, log, size, note, sizeof(note), err, errlen);
	if (r != 1)
		return r;
	if (buf_append(out, note, strlen(note)) == -1 ||
	    store_cosigs_each(st, log, size, cat_cosig, &cc, err, errlen) == -1 ||
	    cc.rc == -1) {
		cs_err(err, errlen, "out of memory");
		return -1;
	}
	return 1;
}
