/*
 * views_int.h — what the parts of views share (views.c, views_warnings.c, views_indicators.c);
 * private to them.
 */
#ifndef COURTSYNC_VIEWS_INT_H
#define COURTSYNC_VIEWS_INT_H
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "views.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define COL(i) ((i) < ncol && cols[(i)] != NULL ? cols[(i)] : "")
#define NONE INT64_MIN			/* "no date" as a day number */

/* The subtree of ?1 ("" = every log held), for a query aliasing logs as l.
 * Queries put logs first with CROSS JOIN (SQLite keeps that order): the
 * scope's logs, then each log's rows by primary key, never a scan of the
 * rows of courts out of scope. */
#define SCOPE_SQL "(?1 = '' OR l.origin = ?1 OR" \
	" substr(l.origin, 1, length(?1) + 1) = ?1 || '/')"
/* The 口径: case type c.type in the comma list ?3. */
#define TYPES_SQL "instr(',' || ?3 || ',', ',' || c.type || ',') > 0"

#define DEFAULT_TYPES	"执,执恢"

/* Warning windows (views_windows.c, views_pages.c). */
#define VW_INF		2147483647	/* a window without end */
enum { ST_SOON = 0, ST_OVER = 1 };	/* vw.state */
enum { K_MOVING = 0, K_FIXED = 1 };	/* vw.kind */
#define PERIODIC_YEARS	5		/* 终本规定 §9 */

enum rule_ix {
	R_ASSIGN, R_NOTICE, R_REPORT, R_ONLINE, R_INVEST, R_VALUATION,
	R_SEIZURE, R_PAYOUT, R_TIME, R_TIME_NONLIT, R_ZHONGBEN, R_PERIODIC,
	R_OPEN12,
	R_COUNT
};

struct vlog {
	int64_t		id;
	char		origin[CS_ORIGIN_MAX];
	int		level;		/* path segments */
};

struct idpos {
	int64_t		id;
	size_t		pos;		/* in scope.v */
};

struct scope {
	struct vlog	*v;		/* by origin */
	size_t		 n, cap;
	struct idpos	*by_id;		/* sorted by id */
	bool		 oom;
};

int64_t views_add_months_d(int64_t day, int64_t months);
int64_t views_col_day(const char *s);
int64_t views_cst_day(uint64_t t);
void views_text_copy(char *dst, const char *src, size_t cap);
int views_rules_load(struct store *st, struct rule r[R_COUNT], char *err, size_t errlen);
void views_types_norm(const char *in, char *out, size_t cap);
int views_check_query(const struct view_query *q, bool period, char *err, size_t errlen);
void views_scope_free(struct scope *s);
int views_scope_load(struct store *st, const char *scope, struct scope *s, char *err, size_t errlen);
long views_scope_find(const struct scope *s, int64_t id);
/* Cases in number order: year, type, number (then the text, for ties). */
int views_case_order(int ya, const char *ta, uint32_t sa, const char *ca, int yb,
    const char *tb, uint32_t sb, const char *cb);
/* Makes room for one more element of `size` bytes in *v (n used, cap
 * allocated); false when out of memory. */
bool views_grow(void **v, size_t *n, size_t *cap, size_t size);
/* The warning of one rule (enum rule_ix) of one case, decided as for the
 * whole scope: fn is called with it, or not at all if it does not warn. */
int views_case_warning(struct store *st, const struct view_query *q,
    int64_t log, const char *case_no, int rule, warning_detail_fn fn,
    void *arg, char *err, size_t errlen);

/* ---- warning windows of one case (views_derive.c, views_windows.c) ---- */

#define BIT(rule)	(1u << (rule))
/* What the rules read (views_windows_build): the workflow nodes, the
 * suspensions, the ledger.  Every rule reads the filing and closing days
 * and its acknowledgments. */
#define NODE_RULES	(BIT(R_NOTICE) | BIT(R_REPORT) | BIT(R_ONLINE) | \
	BIT(R_INVEST) | BIT(R_VALUATION) | BIT(R_SEIZURE) | BIT(R_ZHONGBEN) | \
	BIT(R_PERIODIC))
#define SUSP_RULES	(BIT(R_TIME) | BIT(R_TIME_NONLIT))

/* One window of one rule of a case (vw). */
struct window {
	int		rule;
	int64_t		a, b, u;
	int		state, kind;
	int64_t		ack;		/* the rule's first acknowledgment */
};

/* A ledger row of the case. */
struct ledger_row {
	int64_t		date, idx;
	int		dir;
	uint64_t	amount;
};

/* What the windows of a case are derived from: its rows. */
struct cdata {
	int64_t		filed, closed;		/* closed: VW_INF if open */
	bool		zhongben, nonlit;
	int64_t		ext;
	int64_t		node[R_COUNT];		/* done dates of node rules */
	int64_t		consumption, debtor, seizure, expires, valuation;
	int64_t		pfirst, plast;
	int64_t		ack[R_COUNT];		/* first acknowledgment */
	struct susp { int64_t s, e; } *susp;
	size_t		nsusp, capsusp;
	struct ledger_row *led;
	size_t		nled, capled;
	struct window	*w;
	size_t		nw, capw;
	bool		oom;
};

/* Orders windows by (rule, a): vw's key. */
int views_window_cmp(const void *pa, const void *pb);
/* Derives into d->w (sorted by views_window_cmp) the windows of the rules in
 * the bit set `rules` (BIT(rule)); d->oom on failure. */
void views_windows_build(struct cdata *d, const struct rule r[R_COUNT],
    unsigned rules);

#endif
