/*
 * store_staff.c — the node's staff accounts, their API tokens and the
 * access log (docs/ACCESS.md): tables `staff`, `staff_tokens` and
 * `access_log`.  Local to the node: nothing here is an event, nothing is
 * pushed.  Created on open when missing (IF NOT EXISTS: no migration).
 */
#include "store_int.h"

static const char staff_schema[] =
	"CREATE TABLE IF NOT EXISTS staff(name TEXT PRIMARY KEY,"
	"  display TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL,"
	"  pw TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL, changed INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS staff_tokens(hash TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE REFERENCES staff(name),"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS access_log(id INTEGER PRIMARY KEY,"
	"  t INTEGER NOT NULL, name TEXT NOT NULL, action TEXT NOT NULL,"
	"  origin TEXT NOT NULL DEFAULT '', case_no TEXT NOT NULL DEFAULT '',"
	"  addr TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX IF NOT EXISTS access_log_case ON access_log(case_no);";

int
store_staff_schema(struct store *s, char *err, size_t errlen)
{
	return store_exec_sql(s, staff_schema, err, errlen);
}

static void
staff_row(sqlite3_stmt *st, struct store_staff *u)
{
	memset(u, 0, sizeof(*u));
	store_col_text(st, 0, u->name, sizeof(u->name));
	store_col_text(st, 1, u->display, sizeof(u->display));
	store_col_text(st, 2, u->role, sizeof(u->role));
	store_col_text(st, 3, u->scope, sizeof(u->scope));
	store_col_text(st, 4, u->pw, sizeof(u->pw));
	u->disabled = sqlite3_column_int(st, 5) != 0;
	u->created = sqlite3_column_int64(st, 6);
	u->changed = sqlite3_column_int64(st, 7);
}

static const char q_get[] = "SELECT name, display, role, scope, pw,"
    " disabled, created, changed FROM staff WHERE name = ?1";
static const char q_all[] = "SELECT name, display, role, scope, pw,"
    " disabled, created, changed FROM staff ORDER BY name";

int
store_staff_get(struct store *s, const char *name, struct store_staff *u,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = store_kept(s, q_get, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, name);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		staff_row(st, u);
	return store_found(s, st, rc, err, errlen);
}

int
store_staff_each(struct store *s, int (*fn)(void *, const struct store_staff *),
    void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_kept(s, q_all, err, errlen);
	struct store_staff u;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		staff_row(st, &u);
		if (fn(arg, &u) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	return 0;
}

static const char q_add[] = "INSERT INTO staff(name, display, role, scope,"
    " pw, disabled, created, changed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
    " ON CONFLICT(name) DO NOTHING";
static const char q_set[] = "UPDATE staff SET display = ?2, role = ?3,"
    " scope = ?4, pw = ?5, disabled = ?6, changed = ?7 WHERE name = ?1";

int
store_staff_put(struct store *s, const struct store_staff *u, bool create,
    int64_t now, char *err, size_t errlen)
{
	struct store_arg a[7] = { { u->name, 0 }, { u->display, 0 },
	    { u->role, 0 }, { u->scope, 0 }, { u->pw, 0 },
	    { NULL, u->disabled ? 1 : 0 }, { NULL, now } };

	if (store_exec_kept_args(s, create ? q_add : q_set, a, 7, err,
	    errlen) == -1)
		return -1;
	if (sqlite3_changes(DB(s)) != 1) {
		ERR(create ? "user %s exists already" : "no user %s", u->name);
		return -1;
	}
	if (u->disabled)	/* a disabled account keeps no token */
		return store_staff_token_set(s, u->name, NULL, now, err,
		    errlen);
	return 0;
}

static const char q_tok_del[] = "DELETE FROM staff_tokens WHERE name = ?1";
static const char q_tok_add[] = "INSERT INTO staff_tokens(hash, name,"
    " created) VALUES (?1, ?2, ?3)";
static const char q_tok_get[] = "SELECT name FROM staff_tokens WHERE"
    " hash = ?1";

int
store_staff_token_set(struct store *s, const char *name, const char *hash,
    int64_t now, char *err, size_t errlen)
{
	struct store_arg del = { name, 0 };
	struct store_arg add[3] = { { hash, 0 }, { name, 0 }, { NULL, now } };

	if (store_exec_kept_args(s, q_tok_del, &del, 1, err, errlen) == -1)
		return -1;
	if (hash == NULL)
		return 0;
	return store_exec_kept_args(s, q_tok_add, add, 3, err, errlen);
}

int
store_staff_token_user(struct store *s, const char *hash, char *name,
    size_t cap, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_kept(s, q_tok_get, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, hash);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		store_col_text(st, 0, name, cap);
	return store_found(s, st, rc, err, errlen);
}

static const char q_access[] = "INSERT INTO access_log(t, name, action,"
    " origin, case_no, addr) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

int
store_access_put(struct store *s, int64_t t, const char *name,
    const char *action, const char *origin, const char *case_no,
    const char *addr, char *err, size_t errlen)
{
	struct store_arg a[6] = { { NULL, t }, { name, 0 }, { action, 0 },
	    { origin != NULL ? origin : "", 0 },
	    { case_no != NULL ? case_no : "", 0 },
	    { addr != NULL ? addr : "", 0 } };

	return store_exec_kept_args(s, q_access, a, 6, err, errlen);
}
