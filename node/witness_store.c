/*
 * witness_store.c — a witness's state database, witness.db (witness.h):
 * the newest checkpoint verified per log, and evidence of inconsistency.
 * Part of the store module (the only one that includes <sqlite3.h>), but
 * its own small file: a witness has no log and no court tables.
 *
 * synchronous=FULL: a checkpoint recorded here is on disk before the
 * witness lets its cosignature go, which is the whole point (witness.h).
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "witness.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define WDB(d) ((sqlite3 *)(d)->db)

static const char witness_schema[] =
	"CREATE TABLE IF NOT EXISTS seen(origin TEXT PRIMARY KEY,"
	"  size INTEGER NOT NULL, root BLOB NOT NULL, note TEXT NOT NULL,"
	"  hub TEXT NOT NULL, time INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS evidence(id INTEGER PRIMARY KEY,"
	"  origin TEXT NOT NULL, hub TEXT NOT NULL, note_a TEXT NOT NULL,"
	"  note_b TEXT NOT NULL, reason TEXT NOT NULL,"
	"  found_at INTEGER NOT NULL, UNIQUE(origin, note_a, note_b));";

static int
wexec(struct witness_db *d, const char *q, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(WDB(d), q, NULL, NULL, &msg) != SQLITE_OK) {
		ERR("witness database: %s", msg != NULL ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
witness_db_open(struct witness_db *d, const char *file, char *err,
    size_t errlen)
{
	sqlite3 *db = NULL;

	memset(d, 0, sizeof(*d));
	if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		ERR("cannot open %s: %s", file, db != NULL ?
		    sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	d->db = db;
	sqlite3_busy_timeout(db, 10000);
	if (wexec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
	    err, errlen) == -1 || wexec(d, witness_schema, err, errlen) == -1) {
		witness_db_close(d);
		return -1;
	}
	return 0;
}

void
witness_db_close(struct witness_db *d)
{
	if (d->db != NULL)
		sqlite3_close(WDB(d));
	d->db = NULL;
}

static int
prepare(struct witness_db *d, const char *q, sqlite3_stmt **st, char *err,
    size_t errlen)
{
	if (sqlite3_prepare_v2(WDB(d), q, -1, st, NULL) != SQLITE_OK) {
		ERR("witness database: %s", sqlite3_errmsg(WDB(d)));
		return -1;
	}
	return 0;
}

int
witness_db_seen(struct witness_db *d, const char *origin,
    struct witness_seen *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (prepare(d, "SELECT size, root, note, hub FROM seen WHERE"
	    " origin = ?1", &st, err, errlen) == -1)
		return -1;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *root = sqlite3_column_blob(st, 1);
		const char *note = (const char *)sqlite3_column_text(st, 2);
		const char *hub = (const char *)sqlite3_column_text(st, 3);

		if (sqlite3_column_bytes(st, 1) != CS_HASH_LEN || note == NULL ||
		    hub == NULL || strlen(note) > NOTE_MAX) {
			ERR("witness database: the row of %s is damaged", origin);
			ret = -1;
		} else {
			s->size = (uint64_t)sqlite3_column_int64(st, 0);
			memcpy(s->root, root, CS_HASH_LEN);
			cs_strlcpy(s->note, note, sizeof(s->note));
			cs_strlcpy(s->hub, hub, sizeof(s->hub));
			ret = 1;
		}
	} else if (rc != SQLITE_DONE) {
		ERR("witness database: %s", sqlite3_errmsg(WDB(d)));
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

int
witness_db_see(struct witness_db *d, const char *origin,
    const struct witness_seen *s, uint64_t now, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	/* One statement is one transaction: with synchronous=FULL its commit
	 * is on disk when sqlite3_step returns. */
	if (prepare(d, "INSERT INTO seen VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT(origin) DO UPDATE SET size = ?2, root = ?3,"
	    " note = ?4, hub = ?5, time = ?6 WHERE ?2 >= size", &st, err,
	    errlen) == -1)
		return -1;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)s->size);
	sqlite3_bind_blob(st, 3, s->root, CS_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, s->hub, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ERR("witness database: %s", sqlite3_errmsg(WDB(d)));
		return -1;
	}
	return 0;
}

int
witness_db_evidence(struct witness_db *d, const char *origin, const char *hub,
    const char *note_a, const char *note_b, const char *reason, uint64_t now,
    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(d, "INSERT OR IGNORE INTO evidence(origin, hub, note_a,"
	    " note_b, reason, found_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st,
	    err, errlen) == -1)
		return -1;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hub, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, note_a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, note_b, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ERR("witness database: %s", sqlite3_errmsg(WDB(d)));
		return -1;
	}
	return sqlite3_changes(WDB(d)) > 0 ? 1 : 0;
}
