/*
 * render_int.h — what the parts of the renderer share: render.c (reading
 * the views, names, text), render_json.c (JSON and Prometheus text),
 * render_html.c (the dashboard's pages) and render_case.c (a case's
 * timeline).  Private to them; the interface is render.h.
 */
#ifndef COURTSYNC_RENDER_INT_H
#define COURTSYNC_RENDER_INT_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

enum ind_kind { IK_RATE, IK_DAYS };

struct ind_def {
	const char	*key;		/* JSON key, metrics label */
	const char	*zh;
	enum ind_kind	 kind;
};

struct count_def {
	const char	*key;
	const char	*zh;
	size_t		 off;
};

/* Totals per rule, in the rules' order; rules no longer configured that
 * still have warnings come after. */
struct rule_total {
	const char	*rule;
	uint64_t	 due_soon, overdue, acked;
};

#define NIND	7
#define NCOUNT	12
extern const struct ind_def render_ind_defs[NIND];
extern const struct count_def render_count_defs[NCOUNT];

bool render_ind_get(const struct indicators *in, size_t k, double *v);
uint64_t render_count_get(const struct indicators *in, size_t k);
const char *render_level_name(int level);
void render_ind_format(const struct indicators *in, size_t k, char *out, size_t cap);
int render_path_depth(const char *p);
int render_vec_push(void **p, size_t *n, size_t *cap, size_t size, const void *elem);
int render_ind_class(const struct report_ind *a);
size_t render_rule_totals(const struct report *r, struct rule_total **out);
const char *render_state_key(enum warning_state s);
const char *render_state_zh(enum warning_state s);
int render_json_str(struct buf *b, const char *s);
int64_t render_since(const struct report *r, uint64_t t);
uint64_t render_peer_lag(const struct peer_health *p);
int render_html_str(struct buf *b, const char *s);
/* The dashboard's style sheet (render_html.c). */
extern const char render_css[];
int render_page_begin(struct buf *b, const struct render_names *names, const struct view_query *q, const char *title, const char *active, const char *query);
int render_page_end(struct buf *b);
void render_fmt_cst(uint64_t t, char *out, size_t cap);

#endif
