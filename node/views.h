/*
 * views.h — the one query layer behind every view: the dashboard, the JSON
 * API, /metrics and `courtsync report` all render what these functions
 * return, so their numbers cannot disagree (docs/VIEWS.md).
 *
 * Everything here is a read of the derived tables (the fold of the logs a
 * node holds) plus the deadline rules, for a scope (a court path: that
 * court and every court beneath it) and dates.  Deterministic: the same
 * logs, rules and dates give the same answer at a county, its hub and the
 * SPC.  Dates are YYYY-MM-DD; money is fen.
 */
#ifndef COURTSYNC_VIEWS_H
#define COURTSYNC_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "courtsync/entry.h"
#include "event.h"
#include "store.h"

/* ---- deadline rules (流程节点预警), data in the `rules` table ---- */

#define RULE_ID_MAX	32

struct rule {
	char	id[RULE_ID_MAX];	/* "notice", "time_limit", … */
	char	zh[64];			/* 执行通知书超期 … */
	int	days;			/* the rule's period (see docs/VIEWS.md) */
	int	due_soon;		/* warn this many days before */
	bool	enabled;
};

/* The rules in force: the `rules` table (seeded with DOMAIN.md's defaults
 * when the database is created), in a fixed order.  *rules is allocated;
 * free() it. */
int	views_rules(struct store *st, struct rule **rules, size_t *n,
	    char *err, size_t errlen);
/* Changes one rule (from configuration: `rule.<id>.days = N`,
 * `rule.<id>.due_soon = N`, `rule.<id>.enabled = yes|no`). */
int	views_rule_set(struct store *st, const char *id, const char *field,
	    const char *value, char *err, size_t errlen);

/* ---- warning windows (docs/VIEWS.md §7, views_windows.c) ---- */

/* Derives the warning windows of one case from its derived rows (cs NULL:
 * the case is gone) and stores those that changed, for the rules in the
 * bit set `rules` (bit i: rule i of views_int.h's enum rule_ix; VW_ALL:
 * every rule); the
 * windows of the other rules are left as they are.  The fold calls it for
 * every case row it writes, in the same transaction, with the rules its
 * events can change (views_windows_rules). */
#define VW_ALL	0xffffffffu
int	views_windows_case(struct store *st, int64_t log,
	    const struct case_state *cs, const char *case_no, unsigned rules,
	    char *err, size_t errlen);
/* The rules whose windows event ev (not a correction) can change: those
 * that read what it writes (0: none, such as a triage decision). */
unsigned views_windows_rules(const struct event *ev);
/* Derives every case's windows again if they are not current (after a
 * migration; force: always, after a change of the rules), in one
 * transaction unless the caller has one open. */
int	views_windows_refresh(struct store *st, bool force, char *err,
	    size_t errlen);
/* The rules changed in this process: cached copies are read again. */
void	views_rules_changed(void);

/* ---- the query ---- */

struct view_query {
	char	scope[CS_ORIGIN_MAX];	/* court path; its subtree */
	char	as_of[11];		/* warnings, open cases: as of this day */
	char	from[11], to[11];	/* indicator period, inclusive */
	char	types[64];		/* 口径: "执,执恢" (default) */
	bool	recompute;		/* the test oracle: compute from every
					 * case and event in scope instead of
					 * the maintained view state */
};

/* Fills q with defaults: scope = court, as_of = today (China Standard
 * Time), period = the half-year containing as_of, types "执,执恢". */
void	views_query_init(struct view_query *q, const char *court);
/* Sets as_of (a valid date) and the period to the half-year containing
 * it: 01-01..06-30 or 07-01..12-31 of its year. */
void	views_query_as_of(struct view_query *q, const char *day);

/* ---- warnings ---- */

enum warning_state { WARN_DUE_SOON, WARN_OVERDUE };

struct warning {
	char			court[CS_ORIGIN_MAX];
	char			case_no[CS_CASE_MAX];
	char			rule[RULE_ID_MAX];
	enum warning_state	state;
	char			deadline[11];
	int			days;		/* overdue: days late; due soon:
						 * days left (0 = due today) */
	bool			acked;		/* a supervisor acknowledged it */
	char			ack_by[128];
	char			ack_date[11];
	char			ack_note[256];
};

typedef int (*warning_fn)(void *arg, const struct warning *w);
/* Every warning in scope as of q->as_of, ordered by court, rule, case. */
int	views_warnings(struct store *st, const struct view_query *q,
	    warning_fn fn, void *arg, char *err, size_t errlen);
/* The same warnings with a detail for each (docs/VIEWS.md §1): for
 * zhongben_conditions the missing preconditions as a comma list of tokens
 * ("notice,consumption_restriction,within_3_months"); for the others a
 * short fact ("done 2024-01-15", "1200.00 yuan held since 2024-03-01").
 * detail is never NULL and valid only during the call.  A callback
 * returning non-zero stops the iteration; the function returns that value
 * (as every view here does), else 0, or -1 with err on failure. */
typedef int (*warning_detail_fn)(void *arg, const struct warning *w,
    const char *detail);
int	views_warnings_detail(struct store *st, const struct view_query *q,
	    warning_detail_fn fn, void *arg, char *err, size_t errlen);

/* The warnings of one query, loaded once and read several ways: counts
 * per court and rule, pages in order of urgency, or all of them.  The
 * maintained view reads only the open obligations (docs/VIEWS.md §7), so
 * loading costs what the open cases in scope cost, not what the node has
 * ever held; the set takes memory in proportion to the warnings. */
struct warning_set;
int	views_warnings_load(struct store *st, const struct view_query *q,
	    struct warning_set **ws, char *err, size_t errlen);
void	views_warnings_free(struct warning_set *ws);
/* Every warning, ordered by court, rule, case (as views_warnings). */
int	views_warnings_each(const struct warning_set *ws, warning_detail_fn fn,
	    void *arg);

/* Warnings of one rule at one court, for each (court, rule) that has any,
 * by court (origin order) then rule (rule order). */
struct warning_count {
	char		court[CS_ORIGIN_MAX];
	char		rule[RULE_ID_MAX];
	uint64_t	due_soon, overdue, acked;
};
typedef int (*warning_count_fn)(void *arg, const struct warning_count *c);
int	views_warnings_counts(const struct warning_set *ws, warning_count_fn fn,
	    void *arg);

/* Which warnings a page lists: one rule ("" or NULL = any), a court's
 * subtree ("" or NULL = the whole scope), overdue ones only. */
struct warning_filter {
	const char	*rule;
	const char	*court;
	bool		 overdue_only;
};
/* The warnings the filter selects (f may be NULL), most urgent first —
 * overdue by most days late, then due soon by fewest days left; ties by
 * court, rule, case — from `offset`, at most `limit` of them.  *total
 * (if not NULL) gets how many the filter selects.  Returns 0, the
 * callback's non-zero value, or -1 when out of memory. */
int	views_warnings_page(const struct warning_set *ws,
	    const struct warning_filter *f, size_t offset, size_t limit,
	    warning_detail_fn fn, void *arg, uint64_t *total);

/* The same counts and pages read from the warning windows the node
 * maintains (docs/VIEWS.md §7): they cost what the warnings alive on
 * as_of and the page cost, not what the node holds.  With q->recompute
 * (or windows not yet derived) they load the whole set instead. */
int	views_warning_counts(struct store *st, const struct view_query *q,
	    warning_count_fn fn, void *arg, char *err, size_t errlen);
int	views_warning_page(struct store *st, const struct view_query *q,
	    const struct warning_filter *f, size_t offset, size_t limit,
	    warning_detail_fn fn, void *arg, uint64_t *total, char *err,
	    size_t errlen);

/* ---- the seven indicators (质效指标) ---- */

struct indicators {
	char		court[CS_ORIGIN_MAX];	/* a court, or a level/total label */
	uint64_t	old_open;	/* 旧存: open at the start of the period */
	uint64_t	received;	/* 新收: filed in the period */
	uint64_t	closed;		/* 结案: closed in the period */
	uint64_t	completed;	/* … by 执行完毕 */
	uint64_t	within_limit;	/* … within the 审限 */
	uint64_t	first_closed;	/* 执 (first-enforcement) cases closed */
	uint64_t	first_zhongben;	/* … by 终本 */
	uint64_t	open_end;	/* open at the end of the period */
	uint64_t	open_12m;	/* … filed more than 12 months earlier */
	uint64_t	claimed;	/* fen claimed, over cases closed */
	uint64_t	recovered;	/* fen recovered, over cases closed */
	uint64_t	days;		/* sum of (closed − filed) days */
	/* The seven, computed from the counts above (0 when undefined). */
	double		closure_rate;		/* 结案率 */
	double		completion_rate;	/* 执行完毕率 */
	double		recovery_rate;		/* 执行到位率 */
	double		within_limit_rate;	/* 审限内结案率 */
	double		first_zhongben_rate;	/* 首执案件终本率 */
	double		over_12m_ratio;		/* 超12个月未结案件比 */
	double		avg_days;		/* 平均结案时间 */
};

/* Indicators per court in scope (fn called with level = the court's
 * level), then per level (court = "level 3", …; level = that level) and
 * for the whole scope (court = the scope, level = 0).  Roll-ups add the
 * counts of their courts and compute the rates from the sums — never by
 * averaging rates. */
typedef int (*indicators_fn)(void *arg, int level, const struct indicators *in);
int	views_indicators(struct store *st, const struct view_query *q,
	    indicators_fn fn, void *arg, char *err, size_t errlen);

/* The cases behind one figure of a court: which is one of "old_open",
 * "received", "closed", "completed", "within_limit", "first_closed",
 * "first_zhongben", "open_end", "open_12m". */
typedef int (*case_fn)(void *arg, const char *court, const char *case_no);
int	views_indicator_cases(struct store *st, const struct view_query *q,
	    const char *court, const char *which, case_fn fn, void *arg,
	    char *err, size_t errlen);

/* ---- integrity ---- */

/* Case numbers per court, year and type: gaps (numbers never filed below
 * the highest filed) and re-used numbers (filed, voided, filed again). */
struct numbering_issue {
	char		court[CS_ORIGIN_MAX];
	int		year;
	char		type[16];
	uint32_t	first, last;	/* a gap: first..last missing */
	bool		reused;		/* else: a re-used number (first) */
};
typedef int (*numbering_fn)(void *arg, const struct numbering_issue *i);
int	views_numbering(struct store *st, const struct view_query *q,
	    numbering_fn fn, void *arg, char *err, size_t errlen);

/* Back-filling: events recorded (entry time, CST day) more than
 * `min_days` after their business date; `witnessed` is the day the first
 * cosignature covering the entry was made ("" if none yet). */
struct backfill {
	char		court[CS_ORIGIN_MAX];
	char		case_no[CS_CASE_MAX];
	uint64_t	index;
	char		type[CS_TYPE_MAX];
	char		date[11];
	char		recorded[11];
	char		witnessed[11];
	int		delay;		/* recorded − date, days */
};
typedef int (*backfill_fn)(void *arg, const struct backfill *b);
int	views_backfill(struct store *st, const struct view_query *q, int min_days,
	    backfill_fn fn, void *arg, char *err, size_t errlen);

/* Back-filled events (as views_backfill) counted per court, in origin
 * order: how many, and the longest delay.  From the maintained counters:
 * the cost does not depend on how many events are held. */
typedef int (*backfill_count_fn)(void *arg, const char *court,
    uint64_t events, int max_delay);
int	views_backfill_counts(struct store *st, const struct view_query *q,
	    int min_days, backfill_count_fn fn, void *arg, char *err,
	    size_t errlen);
/* At most `limit` back-filled events, court by court (origin order), the
 * longest delay first (then case number and log index, descending): a
 * page of the worst, read from an index. */
int	views_backfill_top(struct store *st, const struct view_query *q,
	    int min_days, size_t limit, backfill_fn fn, void *arg, char *err,
	    size_t errlen);

/* ---- sync health ---- */

struct peer_health {
	char		court[CS_ORIGIN_MAX];
	uint64_t	last_seen, last_ok;	/* Unix seconds, 0 = never */
	char		last_error[512];
	uint64_t	requests, entries;
	uint64_t	held;			/* entries held of that court */
	uint64_t	checkpoint;		/* its latest checkpoint's size */
	uint64_t	equivocations;
};
typedef int (*peer_fn)(void *arg, const struct peer_health *p);
int	views_peers(struct store *st, peer_fn fn, void *arg, char *err,
	    size_t errlen);

#endif
