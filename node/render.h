/*
 * render.h — every view's output, drawn from the one query layer
 * (views.h): text tables (`courtsync report`), JSON (the dashboard's /api/
 * and `report --json`), Prometheus text (/metrics) and the dashboard's HTML
 * pages.  A `struct report` is one reading of the views for one query;
 * every renderer draws from it, so the terminal, the browser, the JSON and
 * the metrics of one reading show the same numbers.
 *
 * Conventions: renderers append to a caller's struct buf (whose cap bounds
 * the output) and return 0, or -1 when the buffer refused an append.  They
 * never print.  Strings placed in HTML are escaped; in JSON, quoted; in
 * Prometheus labels, escaped as the text format requires.  A rate whose
 * denominator is zero is undefined: "—" in text and HTML, null in JSON,
 * NaN in /metrics.
 */
#ifndef COURTSYNC_RENDER_H
#define COURTSYNC_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "courtsync/codec.h"
#include "courtsync/entry.h"
#include "fold.h"
#include "policy.h"
#include "registry.h"
#include "store.h"
#include "views.h"

#define RENDER_TOP		20	/* overdue warnings in the summary */
#define RENDER_LIST_MAX		1000	/* warnings in one list page, at most */
#define RENDER_PAGE		100	/* … by default */
#define RENDER_ITEMS_MAX	200	/* numbering issues, back-filled events
					 * listed (all are counted); the
					 * back-filled: the longest delays */
#define RENDER_BACKFILL_DAYS	7	/* recorded this many days after the
					 * business date: back-filled */

/* Court names: the registry's when there is one, else the node's own
 * configured name for its own path; otherwise the path itself. */
struct render_names {
	const struct registry	*reg;		/* or NULL */
	const char		*self_path;
	const char		*self_name;
};

/* The display name of a court path (never NULL). */
const char *render_court_name(const struct render_names *n, const char *path);

/* Sets one parameter of a query from text (the dashboard's query string,
 * `report`'s options): key "as_of", "from", "to" (dates), "scope" (a
 * court path within `court`, this node's own) or "types" (type codes such
 * as "执,执恢").  Setting as_of also sets the period to the half-year
 * containing it, so set from and to after as_of.  Errors name the key and
 * the value. */
int	render_query_set(struct view_query *q, const char *court,
	    const char *key, const char *value, char *err, size_t errlen);
/* Checks the whole query: from <= to. */
int	render_query_check(const struct view_query *q, char *err, size_t errlen);

/* Appends s percent-encoded for a URL query value (UTF-8 bytes as %XX). */
int	render_url_encode(struct buf *b, const char *s);

/* What render_report_load reads. */
enum {
	REPORT_INDICATORS	= 1 << 0,
	REPORT_WARNINGS		= 1 << 1,	/* counts, top overdue, rules */
	REPORT_INTEGRITY	= 1 << 2,	/* numbering, back-filling */
	REPORT_SYNC		= 1 << 3,	/* peers, logs held, cursors */
	REPORT_LIST		= 1 << 4,	/* the warnings of list_rule ×
						 * list_court */
	REPORT_ALL		= 0x1f
};

struct report_ind {
	int			level;	/* the court's level; a level
					 * roll-up's level; 0 = the total */
	struct indicators	in;
};

/* Warnings of one rule at one court. */
struct report_wcount {
	char		court[CS_ORIGIN_MAX];
	char		rule[RULE_ID_MAX];
	uint64_t	due_soon, overdue, acked;
};

/* Back-filled events of one court. */
struct report_bcount {
	char		court[CS_ORIGIN_MAX];
	uint64_t	events;
	int		max_delay;
};

/* A log this node holds: its size and what the parent holds of it. */
struct report_log {
	char		origin[CS_ORIGIN_MAX];
	uint64_t	size;
	uint64_t	checkpoint;	/* latest checkpoint's size */
	uint64_t	parent;		/* the parent's size (cursor) */
};

struct report {
	struct view_query	 q;
	unsigned		 what;
	uint64_t		 now;		/* Unix seconds, for lags */
	struct render_names	 names;
	bool			 has_parent;

	struct rule		*rules;		/* views_rules */
	size_t			 nrules;

	struct report_ind	*ind;		/* courts (tree order), then
						 * levels, then the total */
	size_t			 nind, ncourts;

	struct report_wcount	*wc;		/* by court (tree order), rule */
	size_t			 nwc;
	uint64_t		 due_soon, overdue, acked;	/* totals */
	struct warning		 top[RENDER_TOP];	/* most days overdue */
	size_t			 ntop;

	char			 list_rule[RULE_ID_MAX];	/* "" = any */
	char			 list_court[CS_ORIGIN_MAX];	/* subtree, "" = scope */
	struct warning		*list;		/* one page, most urgent first */
	size_t			 nlist;
	size_t			 list_offset, list_limit;
	uint64_t		 list_total;	/* all the filter selects */

	struct numbering_issue	*num;
	size_t			 nnum;
	uint64_t		 num_total, num_gaps, num_reused;
	struct report_bcount	*bc;
	size_t			 nbc;
	struct backfill		*bf;
	size_t			 nbf;
	uint64_t		 bf_total;

	struct peer_health	*peers;
	size_t			 npeers;
	struct report_log	*logs;
	size_t			 nlogs;
	char			 push_error[512];
};

/* The page of warnings REPORT_LIST reads: one rule and a court's subtree
 * (NULL or "" = any), most urgent first from `offset`, at most `limit`
 * (0 or more than RENDER_LIST_MAX: RENDER_LIST_MAX). */
struct report_list {
	const char	*rule, *court;
	size_t		 offset, limit;
};

/* Reads the parts `what` asks for, for query q, from the store (through
 * views.h and the store's read helpers only); list (may be NULL) selects
 * REPORT_LIST's page.  `now` is the time lags are measured to.  On error
 * err names the query that failed and r must still be report_free'd.
 * names must outlive r. */
int	render_report_load(struct report *r, struct store *st, const struct view_query *q,
	    const struct render_names *names, uint64_t now, unsigned what,
	    const struct report_list *list, char *err, size_t errlen);
/* Frees what render_report_load allocated; a zeroed report is fine. */
void	render_report_free(struct report *r);

/* The zh name of a rule id (from the rules read), or the id. */
const char *render_report_rule_zh(const struct report *r, const char *rule);

/* ---- renderers ---- */

/* `courtsync report`: indicators per court, per level and total; the
 * warnings per rule × state and the top overdue; numbering issues and
 * back-filling counts. */
int	render_text(struct buf *b, const struct report *r);

/* JSON documents (UTF-8, one object each). */
int	render_json_indicators(struct buf *b, const struct report *r);
int	render_json_warnings(struct buf *b, const struct report *r);
int	render_json_sync(struct buf *b, const struct report *r);
/* {"indicators": <indicators>, "warnings": <warnings>}: `report --json`. */
int	render_json_report(struct buf *b, const struct report *r);

/* Prometheus text format 0.0.4. */
int	render_metrics(struct buf *b, const struct report *r);

/* HTML pages, self-contained (inline style and SVG, no scripts).  `query`
 * is the URL query (as_of, from, …) links carry along, already encoded;
 * "" for none. */
int	render_html_overview(struct buf *b, const struct report *r,
	    const char *query);
int	render_html_warnings(struct buf *b, const struct report *r,
	    const char *query);
int	render_html_sync(struct buf *b, const struct report *r,
	    const char *query);
/* The sign-in page (render_staff.c): a form posting user, password and
 * next to /login; message (may be NULL) says why it is shown again. */
int	render_html_login(struct buf *b, const char *court_name,
	    const char *next, const char *message);
/* Who is signed in, and the sign-out button (csrf: the session's token),
 * inserted at the top of a rendered page's <body>. */
int	render_html_userbar(struct buf *page, const char *display,
	    const char *role_zh, const char *scope, const char *csrf);
/* The acknowledgement form of the case page (supervisors). */
int	render_html_ack_form(struct buf *page, const char *origin,
	    const char *case_no, const char *csrf);
/* A page with a status line and message (404, 400 …). */
int	render_html_error(struct buf *b, const char *title, const char *message);

/* ---- a case's timeline ---- */

struct timeline_event {
	uint64_t	index;		/* log index */
	char		type[CS_TYPE_MAX];
	char		what[160];	/* zh description: 执行通知书, 结案 … */
	char		date[11];	/* business date */
	uint64_t	time;		/* recorded, Unix seconds */
	char		recorded[11];	/* its CST day */
	int		delay;		/* recorded − date, days */
	bool		backfilled;	/* delay >= RENDER_BACKFILL_DAYS */
	int64_t		corrected_by;	/* -1: not corrected */
	uint64_t	checkpoint;	/* smallest checkpoint covering it, 0 none */
	unsigned	levels;		/* bit L: a court of level L witnessed it
					 * (signed or cosigned a covering
					 * checkpoint) */
	char		witnesses[4][CS_ORIGIN_MAX];	/* cosigners, highest first */
	uint64_t	witnessed_at[4];		/* their first cosignature */
	size_t		nwitnesses;
	bool		witnessed;	/* the witness policy is met by the
					 * courts that cosigned a covering
					 * checkpoint */
};

struct timeline {
	char			 origin[CS_ORIGIN_MAX];
	char			 policy[POLICY_TEXT_MAX];	/* as given */
	int			 level;		/* the origin's level */
	struct case_state	 cs;
	uint64_t		 log_size;
	struct timeline_event	*ev;
	size_t			 nev;
};

/* Reads a case's timeline from the log of `origin` held here.  Only the
 * cosignatures of witnesses that may witness the court count (reg, or
 * without a registry its ancestors by path); each event's `witnessed`
 * is the policy pol met by them (false without a registry).  Returns 1
 * found, 0 not held here (err says why), -1 on error. */
int	render_timeline_load(struct timeline *t, struct store *st,
	    const struct registry *reg, const struct policy *pol,
	    const char *origin, const char *case_no, char *err, size_t errlen);
void	render_timeline_free(struct timeline *t);
int	render_json_case(struct buf *b, const struct timeline *t,
	    const struct render_names *names);
int	render_html_case(struct buf *b, const struct timeline *t,
	    const struct render_names *names, const char *query);

#endif
