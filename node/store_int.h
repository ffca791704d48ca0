/*
 * store_int.h — what the parts of store share (store.c, store_derived.c, store_sync.c);
 * private to them.
 */
#ifndef COURTSYNC_STORE_INT_H
#define COURTSYNC_STORE_INT_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define DB(s) ((sqlite3 *)(s)->db)

/* Derived tables and their primary keys, in digest order (store.c). */
#define NDERIVED 6
extern const char *const store_derived_tables[NDERIVED][2];
/* The view state's tables, indexes and triggers (store_views.c), and its
 * tables with their keys, in digest order. */
extern const char store_views_schema[];
#define NVIEWSTATE 7
extern const char *const store_view_tables[NVIEWSTATE][2];
/* The prepared statements' SQL (store.c). */
extern const char *const store_sql[SQ_COUNT];

sqlite3_stmt *store_stmt(struct store *s, enum store_stmt_id id, char *err, size_t errlen);
int store_exec_sql(struct store *s, const char *q, char *err, size_t errlen);
/* The kept statement for sql (compared by address), prepared on first
 * use and finalized by store_close (store_derived.c). */
sqlite3_stmt *store_kept(struct store *s, const char *sql, char *err,
    size_t errlen);
int store_step_done(struct store *s, sqlite3_stmt *st, char *err, size_t errlen);
/* After reading at most one row of a kept statement: resets it and maps
 * the step's result rc to 1 (a row), 0 (none) or -1 with err. */
int store_found(struct store *s, sqlite3_stmt *st, int rc, char *err,
    size_t errlen);
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
void store_col_text(sqlite3_stmt *st, int i, char *out, size_t cap);

#endif
