/*
 * store_derived.c — the derived tables the fold writes (cases, workflow nodes, ledger, suspensions, acknowledgments, the event index), their digests and the CLI's read-only queries (store.h).
 */
#include "store_int.h"

/* ---- derived tables ---- */

int
store_case_get(struct store *s, int64_t log, const char *case_no,
    struct case_state *c, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, SQ_CASE_GET, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_text(st, 2, case_no, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(c, 0, sizeof(*c));
		store_col_text(st, 0, c->case_no, sizeof(c->case_no));
		c->year = sqlite3_column_int(st, 1);
		store_col_text(st, 2, c->type, sizeof(c->type));
		c->seq = (uint32_t)sqlite3_column_int64(st, 3);
		store_col_text(st, 4, c->filed, sizeof(c->filed));
		store_col_text(st, 5, c->applicant, sizeof(c->applicant));
		store_col_text(st, 6, c->respondent, sizeof(c->respondent));
		c->claimed = (uint64_t)sqlite3_column_int64(st, 7);
		store_col_text(st, 8, c->original, sizeof(c->original));
		c->nonlitigation = sqlite3_column_int(st, 9);
		store_col_text(st, 10, c->handler, sizeof(c->handler));
		store_col_text(st, 11, c->team, sizeof(c->team));
		store_col_text(st, 12, c->assigned, sizeof(c->assigned));
		store_col_text(st, 13, c->track, sizeof(c->track));
		store_col_text(st, 14, c->basis, sizeof(c->basis));
		store_col_text(st, 15, c->triaged, sizeof(c->triaged));
		c->arrived = (uint64_t)sqlite3_column_int64(st, 16);
		c->paid = (uint64_t)sqlite3_column_int64(st, 17);
		c->ext_months = (uint32_t)sqlite3_column_int(st, 18);
		c->susp_days = sqlite3_column_int64(st, 19);
		store_col_text(st, 20, c->susp_since, sizeof(c->susp_since));
		store_col_text(st, 21, c->closed, sizeof(c->closed));
		store_col_text(st, 22, c->mode, sizeof(c->mode));
		c->recovered = (uint64_t)sqlite3_column_int64(st, 23);
		c->filed_idx = (uint64_t)sqlite3_column_int64(st, 24);
		c->last_idx = (uint64_t)sqlite3_column_int64(st, 25);
		c->nevents = (uint32_t)sqlite3_column_int64(st, 26);
	}
	return store_found(s, st, rc, err, errlen);
}

int
store_found(struct store *s, sqlite3_stmt *st, int rc, char *err,
    size_t errlen)
{
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	ERR("database: %s", sqlite3_errmsg(DB(s)));
	return -1;
}

int
store_case_put(struct store *s, int64_t log, const struct case_tally *was,
    const struct case_state *c, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, SQ_CASE_PUT, err, errlen);
	struct case_tally now;

	if (st == NULL)
		return -1;
	store_case_tally(c, &now);
	if (store_counts_case(s, log, was, &now, err, errlen) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	store_bind_text(st, 2, c->case_no);
	sqlite3_bind_int(st, 3, c->year);
	store_bind_text(st, 4, c->type);
	sqlite3_bind_int64(st, 5, c->seq);
	store_bind_text(st, 6, c->filed);
	store_bind_text(st, 7, c->applicant);
	store_bind_text(st, 8, c->respondent);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)c->claimed);
	store_bind_text(st, 10, c->original);
	sqlite3_bind_int(st, 11, c->nonlitigation);
	store_bind_text(st, 12, c->handler);
	store_bind_text(st, 13, c->team);
	store_bind_text(st, 14, c->assigned);
	store_bind_text(st, 15, c->track);
	store_bind_text(st, 16, c->basis);
	store_bind_text(st, 17, c->triaged);
	sqlite3_bind_int64(st, 18, (sqlite3_int64)c->arrived);
	sqlite3_bind_int64(st, 19, (sqlite3_int64)c->paid);
	sqlite3_bind_int(st, 20, (int)c->ext_months);
	sqlite3_bind_int64(st, 21, c->susp_days);
	store_bind_text(st, 22, c->susp_since);
	store_bind_text(st, 23, c->closed);
	store_bind_text(st, 24, c->mode);
	sqlite3_bind_int64(st, 25, (sqlite3_int64)c->recovered);
	sqlite3_bind_int64(st, 26, (sqlite3_int64)c->filed_idx);
	sqlite3_bind_int64(st, 27, (sqlite3_int64)c->last_idx);
	sqlite3_bind_int64(st, 28, c->nevents);
	return store_step_done(s, st, err, errlen);
}

int
store_case_clear(struct store *s, int64_t log, const char *case_no, char *err,
    size_t errlen)
{
	static const char *const tables[] = {
		"cases", "case_nodes", "ledger", "suspensions", "acks"
	};
	struct case_state *cs;
	struct case_tally was, none;
	char q[128];
	int r;

	/* The counters lose what the row counted. */
	if ((cs = malloc(sizeof(*cs))) == NULL) {
		ERR("out of memory");
		return -1;
	}
	r = store_case_get(s, log, case_no, cs, err, errlen);
	store_case_tally(r == 1 ? cs : NULL, &was);
	free(cs);
	store_case_tally(NULL, &none);
	if (r == -1 || store_counts_case(s, log, &was, &none, err, errlen) == -1)
		return -1;
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
	sqlite3_stmt *st = store_stmt(s, SQ_NODE_UPSERT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	store_bind_text(st, 2, case_no);
	store_bind_text(st, 3, node);
	store_bind_text(st, 4, date);
	store_bind_text(st, 5, asset);
	store_bind_text(st, 6, expires);
	return store_step_done(s, st, err, errlen);
}

int
store_ledger_put(struct store *s, int64_t log, uint64_t index,
    const char *case_no, const char *date, int direction, uint64_t amount,
    const char *party, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, SQ_LEDGER_PUT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	store_bind_text(st, 3, case_no);
	store_bind_text(st, 4, date);
	sqlite3_bind_int(st, 5, direction);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)amount);
	store_bind_text(st, 7, party);
	return store_step_done(s, st, err, errlen);
}

int
store_susp_put(struct store *s, int64_t log, const char *case_no,
    const char *start, const char *end, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, SQ_SUSP_PUT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	store_bind_text(st, 2, case_no);
	store_bind_text(st, 3, start);
	sqlite3_bind_text(st, 4, end, -1, SQLITE_STATIC);
	return store_step_done(s, st, err, errlen);
}

int
store_ack_put(struct store *s, int64_t log, uint64_t index, const char *case_no,
    const char *date, const char *rule, const char *supervisor,
    const char *note, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, SQ_ACK_PUT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	store_bind_text(st, 3, case_no);
	store_bind_text(st, 4, date);
	store_bind_text(st, 5, rule);
	store_bind_text(st, 6, supervisor);
	store_bind_text(st, 7, note);
	return store_step_done(s, st, err, errlen);
}

int
store_event_put(struct store *s, int64_t log, uint64_t index,
    const char *case_no, const char *type, const char *date, uint64_t time,
    char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, SQ_EVENT_PUT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	sqlite3_bind_text(st, 3, case_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, type, -1, SQLITE_STATIC);
	store_bind_text(st, 5, date);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)time);
	if (store_step_done(s, st, err, errlen) == -1)
		return -1;
	return store_views_event(s, log, index, case_no, date, time, err,
	    errlen);
}

int
store_event_get(struct store *s, int64_t log, const char *case_no,
    uint64_t index, char *type, size_t tcap, int64_t *corrected_by, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, SQ_EVENT_GET, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_text(st, 2, case_no, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)index);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_col_text(st, 0, type, tcap);
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
	sqlite3_stmt *st = store_stmt(s, SQ_EVENT_CORRECT, err, errlen);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, log);
	sqlite3_bind_text(st, 2, case_no, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)index);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)by);
	return store_step_done(s, st, err, errlen);
}

int
store_case_events(struct store *s, int64_t log, const char *case_no,
    store_event_fn fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	/* Not the cached statement: the callback re-enters the store. */
	if (sqlite3_prepare_v2(DB(s), store_sql[SQ_CASE_EVENTS], -1, &st, NULL) !=
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
		snprintf(q, sizeof(q), "DELETE FROM %s", store_derived_tables[i][0]);
		if (store_exec_sql(s, q, err, errlen) == -1)
			return -1;
	}
	store_views_discard(s);
	return store_views_clear(s, err, errlen);
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
	/* The whole database's digest (rebuild --check) covers the view
	 * state too; a log's (the auditor's) only what the log determines
	 * whatever the node's rules. */
	for (size_t t = 0; t < NDERIVED + (log < 0 ? NVIEWSTATE : 0); t++) {
		const char *const *tab = t < NDERIVED ? store_derived_tables[t] :
		    store_view_tables[t - NDERIVED];
		sqlite3_stmt *st;
		int rc, ncol;

		snprintf(q, sizeof(q), "SELECT * FROM %s%s ORDER BY %s", tab[0],
		    log >= 0 ? " WHERE log = ?1" : "", tab[1]);
		if (sqlite3_prepare_v2(DB(s), q, -1, &st, NULL) != SQLITE_OK) {
			ERR("database: %s", sqlite3_errmsg(DB(s)));
			goto out;
		}
		if (log >= 0)
			sqlite3_bind_int64(st, 1, log);
		crypto_sha256_update(&h, tab[0], strlen(tab[0]) + 1);
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
	/* The view state this transaction has counted so far, written. */
	if (store_views_flush(s, err, errlen) == -1)
		return -1;
	return derived_digest(s, -1, out, err, errlen);
}

int
store_log_digest(struct store *s, int64_t log, uint8_t out[CS_HASH_LEN],
    char *err, size_t errlen)
{
	return derived_digest(s, log, out, err, errlen);
}

/* Binds text arguments, steps st to its end calling fn per row (fn NULL:
 * none), resets it.  0, fn's stop (still 0), or -1 with err. */
static int
query_run(struct store *s, sqlite3_stmt *st, const char *const *args,
    int nargs, store_row_fn fn, void *arg, char *err, size_t errlen)
{
	const char *cols[64];
	int rc, ret = 0, ncol;

	for (int i = 0; i < nargs; i++)
		sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
	ncol = sqlite3_column_count(st);
	if (ncol > 64)
		ncol = 64;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < ncol; c++)
			cols[c] = (const char *)sqlite3_column_text(st, c);
		if (fn != NULL && fn(arg, ncol, cols) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		ret = -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

int
store_query(struct store *s, const char *q, const char *const *args, int nargs,
    store_row_fn fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int ret;

	if (sqlite3_prepare_v2(DB(s), q, -1, &st, NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	ret = query_run(s, st, args, nargs, fn, arg, err, errlen);
	sqlite3_finalize(st);
	return ret;
}

sqlite3_stmt *
store_kept(struct store *s, const char *sql, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < STORE_KEPT && s->kept_sql[i] != NULL; i++)
		if (s->kept_sql[i] == sql)
			return s->kept_stmt[i];
	if (i == STORE_KEPT) {
		ERR("database: more than %d kept statements", STORE_KEPT);
		return NULL;
	}
	if (sqlite3_prepare_v3(DB(s), sql, -1, SQLITE_PREPARE_PERSISTENT,
	    (sqlite3_stmt **)&s->kept_stmt[i], NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return NULL;
	}
	s->kept_sql[i] = sql;
	return s->kept_stmt[i];
}

int
store_query_kept(struct store *s, const char *sql, const char *const *args,
    int nargs, store_row_fn fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_kept(s, sql, err, errlen);

	return st == NULL ? -1 : query_run(s, st, args, nargs, fn, arg, err,
	    errlen);
}

int
store_exec_kept(struct store *s, const char *sql, const char *const *args,
    int nargs, char *err, size_t errlen)
{
	return store_query_kept(s, sql, args, nargs, NULL, NULL, err, errlen);
}

int
store_exec_kept_args(struct store *s, const char *sql,
    const struct store_arg *args, int nargs, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_kept(s, sql, err, errlen);
	int n;

	if (st == NULL)
		return -1;
	/* A statement may leave some of the arguments unused. */
	n = sqlite3_bind_parameter_count(st);
	for (int i = 0; i < nargs && i < n; i++) {
		if (args[i].s != NULL)
			sqlite3_bind_text(st, i + 1, args[i].s, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, i + 1, args[i].i);
	}
	return store_step_done(s, st, err, errlen);
}
