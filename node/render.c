/*
 * render.c — every view's output from one reading of the query layer
 * (render.h): `courtsync report`'s tables, the JSON of the dashboard's
 * /api/, Prometheus text for /metrics, the dashboard's HTML pages, and a
 * case's timeline with its log indexes, checkpoints and witnesses.
 *
 * Nothing here computes an indicator or decides a warning: views.h does,
 * once, and every renderer draws the same struct report.  Reads beyond
 * views.h go through the store's read helpers (logs, cursors, checkpoints,
 * cosignatures, events of one case).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "courtsync/render.h"

#define ERR(...) do { if (errlen > 0) snprintf(err, errlen, __VA_ARGS__); } while (0)

/* ---- the seven indicators and their counts ---- */

enum ind_kind { IK_RATE, IK_DAYS };

struct ind_def {
	const char	*key;		/* JSON key, metrics label */
	const char	*zh;
	enum ind_kind	 kind;
};

static const struct ind_def ind_defs[] = {
	{ "closure_rate",	 "结案率",		IK_RATE },
	{ "completion_rate",	 "执行完毕率",		IK_RATE },
	{ "recovery_rate",	 "执行到位率",		IK_RATE },
	{ "within_limit_rate",	 "审限内结案率",	IK_RATE },
	{ "first_zhongben_rate", "首执案件终本率",	IK_RATE },
	{ "over_12m_ratio",	 "超12个月未结案件比",	IK_RATE },
	{ "avg_days",		 "平均结案时间",	IK_DAYS },
};
#define NIND	(sizeof(ind_defs) / sizeof(ind_defs[0]))

/* The value of indicator k, and whether it is defined (its denominator is
 * not zero).  The value is views.h's; only definedness is decided here. */
static bool
ind_get(const struct indicators *in, size_t k, double *v)
{
	switch (k) {
	case 0: *v = in->closure_rate; return in->old_open + in->received > 0;
	case 1: *v = in->completion_rate; return in->closed > 0;
	case 2: *v = in->recovery_rate; return in->claimed > 0;
	case 3: *v = in->within_limit_rate; return in->closed > 0;
	case 4: *v = in->first_zhongben_rate; return in->first_closed > 0;
	case 5: *v = in->over_12m_ratio; return in->open_end > 0;
	default: *v = in->avg_days; return in->closed > 0;
	}
}

struct count_def {
	const char	*key;
	const char	*zh;
	size_t		 off;
};

static const struct count_def count_defs[] = {
	{ "old_open",	    "旧存",		offsetof(struct indicators, old_open) },
	{ "received",	    "新收",		offsetof(struct indicators, received) },
	{ "closed",	    "已结",		offsetof(struct indicators, closed) },
	{ "completed",	    "执行完毕",		offsetof(struct indicators, completed) },
	{ "within_limit",   "审限内结案",	offsetof(struct indicators, within_limit) },
	{ "first_closed",   "首执已结",		offsetof(struct indicators, first_closed) },
	{ "first_zhongben", "首执终本",		offsetof(struct indicators, first_zhongben) },
	{ "open_end",	    "期末未结",		offsetof(struct indicators, open_end) },
	{ "open_12m",	    "超12个月未结",	offsetof(struct indicators, open_12m) },
	{ "claimed",	    "申请执行标的(分)",	offsetof(struct indicators, claimed) },
	{ "recovered",	    "实际执行到位(分)",	offsetof(struct indicators, recovered) },
	{ "days",	    "结案天数合计",	offsetof(struct indicators, days) },
};
#define NCOUNT	(sizeof(count_defs) / sizeof(count_defs[0]))

static uint64_t
count_get(const struct indicators *in, size_t k)
{
	uint64_t v;

	memcpy(&v, (const char *)in + count_defs[k].off, sizeof(v));
	return v;
}

static const char *const level_zh[] = {
	"合计", "最高人民法院", "高级人民法院", "中级人民法院", "基层人民法院"
};

static const char *
level_name(int level)
{
	return level >= 0 && level <= 4 ? level_zh[level] : "?";
}

/* "64.67%", "77.83 天" or "—". */
static void
ind_format(const struct indicators *in, size_t k, char *out, size_t cap)
{
	double v;

	if (!ind_get(in, k, &v) || !isfinite(v))
		snprintf(out, cap, "—");
	else if (ind_defs[k].kind == IK_RATE)
		snprintf(out, cap, "%.2f%%", v * 100.0);
	else
		snprintf(out, cap, "%.2f 天", v);
}

/* ---- names, queries ---- */

const char *
render_court_name(const struct render_names *n, const char *path)
{
	const struct registry_court *rc;

	if (n != NULL && n->reg != NULL &&
	    (rc = registry_find(n->reg, path)) != NULL && rc->name[0] != '\0')
		return rc->name;
	if (n != NULL && n->self_path != NULL && n->self_name != NULL &&
	    strcmp(path, n->self_path) == 0 && n->self_name[0] != '\0')
		return n->self_name;
	return path;
}

static bool
types_valid(const char *s)
{
	static const char *const codes[] = {
		"执", "执恢", "执保", "执异", "执复", "执监", "执协"
	};
	char tmp[64], *tok, *save = NULL;

	if (s[0] == '\0' || strlen(s) >= sizeof(tmp))
		return false;
	cs_strlcpy(tmp, s, sizeof(tmp));
	for (tok = strtok_r(tmp, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
			if (strcmp(tok, codes[i]) == 0)
				break;
		if (i == sizeof(codes) / sizeof(codes[0]))
			return false;
	}
	return s[strlen(s) - 1] != ',';
}

int
render_query_set(struct view_query *q, const char *court, const char *key,
    const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "as_of") == 0 || strcmp(key, "from") == 0 ||
	    strcmp(key, "to") == 0) {
		char *dst = key[0] == 'a' ? q->as_of : key[0] == 'f' ? q->from :
		    q->to;

		if (!date_valid(value)) {
			ERR("%s: \"%s\" is not a date (YYYY-MM-DD)", key, value);
			return -1;
		}
		cs_strlcpy(dst, value, 11);
		return 0;
	}
	if (strcmp(key, "scope") == 0) {
		if (!court_path_valid(value) || !court_path_covers(court, value)) {
			ERR("scope: \"%s\" is not a court path within %s", value,
			    court);
			return -1;
		}
		cs_strlcpy(q->scope, value, sizeof(q->scope));
		return 0;
	}
	if (strcmp(key, "types") == 0) {
		if (!types_valid(value)) {
			ERR("types: \"%s\" is not a list of case type codes"
			    " (执,执恢,执保,执异,执复,执监,执协)", value);
			return -1;
		}
		cs_strlcpy(q->types, value, sizeof(q->types));
		return 0;
	}
	ERR("unknown query parameter \"%s\"", key);
	return -1;
}

int
render_query_check(const struct view_query *q, char *err, size_t errlen)
{
	if (strcmp(q->from, q->to) > 0) {
		ERR("from %s is after to %s", q->from, q->to);
		return -1;
	}
	return 0;
}

int
render_url_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '~' || *p == '/') {
			rc |= buf_append(b, p, 1);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			rc |= buf_append(b, e, 3);
		}
	}
	return rc == 0 ? 0 : -1;
}

/* Court paths in tree order: a court before its children, siblings by
 * name ('/' sorts before every other path byte). */
static int
path_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = *a == '/' ? 1 : (unsigned char)*a;
		unsigned char y = *b == '/' ? 1 : (unsigned char)*b;

		if (x != y || x == '\0')
			return (int)x - (int)y;
	}
}

static int
path_depth(const char *p)
{
	int d = 1;

	for (; *p; p++)
		d += *p == '/';
	return d;
}

/* ---- reading the views ---- */

/* Appends one element to a growing array; -1 when out of memory. */
static int
vec_push(void **p, size_t *n, size_t *cap, size_t size, const void *elem)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		void *np = realloc(*p, nc * size);

		if (np == NULL)
			return -1;
		*p = np;
		*cap = nc;
	}
	memcpy((char *)*p + *n * size, elem, size);
	(*n)++;
	return 0;
}

struct loader {
	struct report	*r;
	size_t		 cap_ind, cap_wc, cap_list, cap_num, cap_bc, cap_bf;
	size_t		 cap_peers, cap_logs;
	struct store	*st;
	size_t		 nlevels;
	bool		 oom;
};

static int
on_indicators(void *arg, int level, const struct indicators *in)
{
	struct loader *l = arg;
	struct report_ind ri;

	ri.level = level;
	ri.in = *in;
	if (vec_push((void **)&l->r->ind, &l->r->nind, &l->cap_ind, sizeof(ri),
	    &ri) == -1) {
		l->oom = true;
		return -1;
	}
	return 0;
}

/* Courts first (tree order), then levels (1..4), then the total. */
static int
ind_class(const struct report_ind *a)
{
	if (a->level == 0)
		return 2;
	return strncmp(a->in.court, "level ", 6) == 0 ? 1 : 0;
}

static int
ind_cmp(const void *pa, const void *pb)
{
	const struct report_ind *a = pa, *b = pb;
	int ca = ind_class(a), cb = ind_class(b);

	if (ca != cb)
		return ca - cb;
	if (ca == 1)
		return a->level - b->level;
	return path_cmp(a->in.court, b->in.court);
}

static int
on_warning(void *arg, const struct warning *w)
{
	struct loader *l = arg;
	struct report *r = l->r;
	struct report_wcount *last = r->nwc > 0 ? &r->wc[r->nwc - 1] : NULL;

	if (r->what & REPORT_WARNINGS) {
		if (last == NULL || strcmp(last->court, w->court) != 0 ||
		    strcmp(last->rule, w->rule) != 0) {
			struct report_wcount c;

			memset(&c, 0, sizeof(c));
			cs_strlcpy(c.court, w->court, sizeof(c.court));
			cs_strlcpy(c.rule, w->rule, sizeof(c.rule));
			if (vec_push((void **)&r->wc, &r->nwc, &l->cap_wc,
			    sizeof(c), &c) == -1)
				goto oom;
			last = &r->wc[r->nwc - 1];
		}
		if (w->state == WARN_OVERDUE) {
			last->overdue++;
			r->overdue++;
		} else {
			last->due_soon++;
			r->due_soon++;
		}
		if (w->acked) {
			last->acked++;
			r->acked++;
		}
		/* the top overdue: most days late first, then as listed */
		if (w->state == WARN_OVERDUE && (r->ntop < RENDER_TOP ||
		    w->days > r->top[r->ntop - 1].days)) {
			size_t i = r->ntop < RENDER_TOP ? r->ntop++ : RENDER_TOP - 1;

			while (i > 0 && r->top[i - 1].days < w->days) {
				r->top[i] = r->top[i - 1];
				i--;
			}
			r->top[i] = *w;
		}
	}
	if ((r->what & REPORT_LIST) &&
	    (r->list_rule[0] == '\0' || strcmp(r->list_rule, w->rule) == 0) &&
	    (r->list_court[0] == '\0' ||
	    court_path_covers(r->list_court, w->court))) {
		r->list_total++;
		if (r->nlist < RENDER_LIST_MAX &&
		    vec_push((void **)&r->list, &r->nlist, &l->cap_list,
		    sizeof(*w), w) == -1)
			goto oom;
	}
	return 0;
oom:
	l->oom = true;
	return -1;
}

static int
wc_cmp(const void *pa, const void *pb)
{
	const struct report_wcount *a = pa, *b = pb;
	int c = path_cmp(a->court, b->court);

	return c != 0 ? c : strcmp(a->rule, b->rule);
}

/* views_warnings promises court, rule order; should a court come back
 * later, its counts are merged here rather than shown twice. */
static void
wc_merge(struct report *r)
{
	size_t i, o = 0;

	if (r->nwc > 0)
		qsort(r->wc, r->nwc, sizeof(*r->wc), wc_cmp);
	for (i = 0; i < r->nwc; i++) {
		if (o > 0 && wc_cmp(&r->wc[o - 1], &r->wc[i]) == 0) {
			r->wc[o - 1].due_soon += r->wc[i].due_soon;
			r->wc[o - 1].overdue += r->wc[i].overdue;
			r->wc[o - 1].acked += r->wc[i].acked;
		} else {
			r->wc[o++] = r->wc[i];
		}
	}
	r->nwc = o;
}

static int
on_numbering(void *arg, const struct numbering_issue *i)
{
	struct loader *l = arg;
	struct report *r = l->r;

	r->num_total++;
	if (i->reused)
		r->num_reused++;
	else
		r->num_gaps++;
	if (r->nnum < RENDER_ITEMS_MAX &&
	    vec_push((void **)&r->num, &r->nnum, &l->cap_num, sizeof(*i),
	    i) == -1) {
		l->oom = true;
		return -1;
	}
	return 0;
}

static int
on_backfill(void *arg, const struct backfill *b)
{
	struct loader *l = arg;
	struct report *r = l->r;
	struct report_bcount *c = NULL;

	r->bf_total++;
	for (size_t i = r->nbc; i > 0; i--)
		if (strcmp(r->bc[i - 1].court, b->court) == 0) {
			c = &r->bc[i - 1];
			break;
		}
	if (c == NULL) {
		struct report_bcount n;

		memset(&n, 0, sizeof(n));
		cs_strlcpy(n.court, b->court, sizeof(n.court));
		if (vec_push((void **)&r->bc, &r->nbc, &l->cap_bc, sizeof(n),
		    &n) == -1)
			goto oom;
		c = &r->bc[r->nbc - 1];
	}
	c->events++;
	if (b->delay > c->max_delay)
		c->max_delay = b->delay;
	if (r->nbf < RENDER_ITEMS_MAX &&
	    vec_push((void **)&r->bf, &r->nbf, &l->cap_bf, sizeof(*b), b) == -1)
		goto oom;
	return 0;
oom:
	l->oom = true;
	return -1;
}

static int
bc_cmp(const void *pa, const void *pb)
{
	return path_cmp(((const struct report_bcount *)pa)->court,
	    ((const struct report_bcount *)pb)->court);
}

static int
on_peer(void *arg, const struct peer_health *p)
{
	struct loader *l = arg;

	/* children only: below this node, within the scope */
	if (court_path_valid(p->court) &&
	    (!court_path_covers(l->r->q.scope, p->court) ||
	    (l->r->names.self_path != NULL &&
	    strcmp(p->court, l->r->names.self_path) == 0)))
		return 0;
	if (vec_push((void **)&l->r->peers, &l->r->npeers, &l->cap_peers,
	    sizeof(*p), p) == -1) {
		l->oom = true;
		return -1;
	}
	return 0;
}

static int
peer_cmp(const void *pa, const void *pb)
{
	return path_cmp(((const struct peer_health *)pa)->court,
	    ((const struct peer_health *)pb)->court);
}

static int
on_log(void *arg, int64_t id, const char *origin)
{
	struct loader *l = arg;
	struct report_log rl;

	(void)id;
	if (!court_path_covers(l->r->q.scope, origin))
		return 0;
	memset(&rl, 0, sizeof(rl));
	cs_strlcpy(rl.origin, origin, sizeof(rl.origin));
	if (vec_push((void **)&l->r->logs, &l->r->nlogs, &l->cap_logs,
	    sizeof(rl), &rl) == -1) {
		l->oom = true;
		return -1;
	}
	return 0;
}

static int
log_cmp(const void *pa, const void *pb)
{
	return path_cmp(((const struct report_log *)pa)->origin,
	    ((const struct report_log *)pb)->origin);
}

/* Sizes, latest checkpoints and the parent's cursors of the logs held. */
static int
load_logs(struct loader *l, char *err, size_t errlen)
{
	struct report *r = l->r;

	if (store_logs_each(l->st, on_log, l, err, errlen) == -1)
		return -1;
	if (r->nlogs > 0)
		qsort(r->logs, r->nlogs, sizeof(*r->logs), log_cmp);
	for (size_t i = 0; i < r->nlogs; i++) {
		struct report_log *rl = &r->logs[i];
		struct store_log sl;
		char note[8];

		if (store_log_get(l->st, rl->origin, false, &sl, err,
		    errlen) != 1)
			return -1;
		rl->size = sl.size;
		/* only the size is shown; the note may be truncated */
		if (store_checkpoint_latest(l->st, sl.id, &rl->checkpoint, note,
		    sizeof(note), err, errlen) == -1)
			return -1;
		if (store_cursor_get(l->st, rl->origin, &rl->parent, err,
		    errlen) == -1)
			return -1;
	}
	if (store_meta_get(l->st, "push_error", r->push_error,
	    sizeof(r->push_error), err, errlen) == -1)
		return -1;
	return 0;
}

int
report_load(struct report *r, struct store *st, const struct view_query *q,
    const struct render_names *names, uint64_t now, unsigned what,
    const char *list_rule, const char *list_court, char *err, size_t errlen)
{
	struct loader l;

	memset(r, 0, sizeof(*r));
	memset(&l, 0, sizeof(l));
	l.r = r;
	l.st = st;
	r->q = *q;
	r->what = what;
	r->now = now;
	r->names = *names;
	if (list_rule != NULL)
		cs_strlcpy(r->list_rule, list_rule, sizeof(r->list_rule));
	if (list_court != NULL)
		cs_strlcpy(r->list_court, list_court, sizeof(r->list_court));
	if (views_rules(st, &r->rules, &r->nrules, err, errlen) == -1)
		return -1;
	if ((what & REPORT_INDICATORS) &&
	    views_indicators(st, q, on_indicators, &l, err, errlen) == -1)
		goto fail;
	if (r->nind > 0)
		qsort(r->ind, r->nind, sizeof(*r->ind), ind_cmp);
	for (r->ncourts = 0; r->ncourts < r->nind &&
	    ind_class(&r->ind[r->ncourts]) == 0; r->ncourts++)
		;
	if ((what & (REPORT_WARNINGS | REPORT_LIST)) &&
	    views_warnings(st, q, on_warning, &l, err, errlen) == -1)
		goto fail;
	wc_merge(r);
	if ((what & REPORT_INTEGRITY) &&
	    (views_numbering(st, q, on_numbering, &l, err, errlen) == -1 ||
	    views_backfill(st, q, RENDER_BACKFILL_DAYS, on_backfill, &l, err,
	    errlen) == -1))
		goto fail;
	if (r->nbc > 0)
		qsort(r->bc, r->nbc, sizeof(*r->bc), bc_cmp);
	if (what & REPORT_SYNC) {
		if (views_peers(st, on_peer, &l, err, errlen) == -1 ||
		    load_logs(&l, err, errlen) == -1)
			goto fail;
		if (r->npeers > 0)
			qsort(r->peers, r->npeers, sizeof(*r->peers), peer_cmp);
	}
	return 0;
fail:
	if (l.oom)
		ERR("out of memory reading the views");
	return -1;
}

void
report_free(struct report *r)
{
	free(r->rules);
	free(r->ind);
	free(r->wc);
	free(r->list);
	free(r->num);
	free(r->bc);
	free(r->bf);
	free(r->peers);
	free(r->logs);
	memset(r, 0, sizeof(*r));
}

const char *
report_rule_zh(const struct report *r, const char *rule)
{
	for (size_t i = 0; i < r->nrules; i++)
		if (strcmp(r->rules[i].id, rule) == 0)
			return r->rules[i].zh;
	return rule;
}

/* Totals per rule, in the rules' order; rules no longer configured that
 * still have warnings come after. */
struct rule_total {
	const char	*rule;
	uint64_t	 due_soon, overdue, acked;
};

static size_t
rule_totals(const struct report *r, struct rule_total **out)
{
	struct rule_total *t;
	size_t n = 0;

	*out = NULL;
	t = calloc(r->nrules + r->nwc + 1, sizeof(*t));
	if (t == NULL)
		return 0;
	for (size_t i = 0; i < r->nrules; i++)
		t[n++].rule = r->rules[i].id;
	for (size_t i = 0; i < r->nwc; i++) {
		size_t k;

		for (k = 0; k < n; k++)
			if (strcmp(t[k].rule, r->wc[i].rule) == 0)
				break;
		if (k == n)
			t[n++].rule = r->wc[i].rule;
		t[k].due_soon += r->wc[i].due_soon;
		t[k].overdue += r->wc[i].overdue;
		t[k].acked += r->wc[i].acked;
	}
	*out = t;
	return n;
}

static const char *
state_key(enum warning_state s)
{
	return s == WARN_OVERDUE ? "overdue" : "due_soon";
}

static const char *
state_zh(enum warning_state s)
{
	return s == WARN_OVERDUE ? "超期" : "临期";
}


/* ---- text: `courtsync report` ---- */

/* Terminal columns of UTF-8 text: East Asian wide characters take two. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; ) {
		unsigned cp;
		int n;

		if (*p < 0x80) {
			cp = *p;
			n = 1;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			n = 2;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			n = 3;
		} else {
			cp = *p & 0x07;
			n = 4;
		}
		for (int i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				n = i;
				break;
			}
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		p += n;
		w += (cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 &&
		    cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
		    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 &&
		    cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
		    (cp >= 0xffe0 && cp <= 0xffe6) || cp >= 0x20000)) ? 2 : 1;
	}
	return w;
}

/* Appends s padded with spaces to `width` columns (right-aligned if
 * right), then one space. */
static int
cell(struct buf *b, const char *s, size_t width, bool right)
{
	size_t w = text_width(s);
	size_t pad = w < width ? width - w : 0;
	int rc = 0;

	if (right)
		rc |= buf_printf(b, "%*s", (int)pad, "");
	rc |= buf_append(b, s, strlen(s));
	if (!right)
		rc |= buf_printf(b, "%*s", (int)pad, "");
	rc |= buf_append(b, " ", 1);
	return rc;
}

static int
text_ind_row(struct buf *b, const char *label, const char *lv,
    const struct indicators *in)
{
	char v[32];
	int rc = 0;

	rc |= cell(b, label, 26, false);
	rc |= cell(b, lv, 4, false);
	for (size_t k = 0; k < 3; k++) {
		snprintf(v, sizeof(v), "%llu",
		    (unsigned long long)count_get(in, k));
		rc |= cell(b, v, 6, true);
	}
	for (size_t k = 0; k < NIND; k++) {
		ind_format(in, k, v, sizeof(v));
		rc |= cell(b, v, k == NIND - 1 ? 13 : k == 5 ? 18 : 14, true);
	}
	rc |= buf_append(b, "\n", 1);
	return rc;
}

static int
text_indicators(struct buf *b, const struct report *r)
{
	int rc = 0;
	char label[300], lv[8];

	rc |= buf_printf(b, "质效指标 (%s 至 %s, 口径 %s)  范围 %s %s\n\n",
	    r->q.from, r->q.to, r->q.types, r->q.scope,
	    render_court_name(&r->names, r->q.scope));
	rc |= cell(b, "法院", 26, false);
	rc |= cell(b, "级", 4, false);
	rc |= cell(b, "旧存", 6, true);
	rc |= cell(b, "新收", 6, true);
	rc |= cell(b, "已结", 6, true);
	for (size_t k = 0; k < NIND; k++)
		rc |= cell(b, ind_defs[k].zh, k == NIND - 1 ? 13 : k == 5 ? 18 :
		    14, true);
	rc |= buf_append(b, "\n", 1);
	for (size_t i = 0; i < r->nind; i++) {
		const struct report_ind *ri = &r->ind[i];
		int depth = path_depth(ri->in.court) - path_depth(r->q.scope);
		int cls = ind_class(ri);

		if (cls == 0) {
			snprintf(label, sizeof(label), "%*s%s", depth > 0 ?
			    2 * depth : 0, "", render_court_name(&r->names,
			    ri->in.court));
			snprintf(lv, sizeof(lv), "%d", ri->level);
		} else if (cls == 1) {
			if (i == r->ncourts)
				rc |= buf_append(b, "\n", 1);
			snprintf(label, sizeof(label), "%s 合计",
			    level_name(ri->level));
			snprintf(lv, sizeof(lv), "%d", ri->level);
		} else {
			snprintf(label, sizeof(label), "总计 %s", ri->in.court);
			snprintf(lv, sizeof(lv), "-");
		}
		rc |= text_ind_row(b, label, lv, &ri->in);
	}
	return rc;
}

static int
text_warnings(struct buf *b, const struct report *r)
{
	struct rule_total *t;
	size_t n = rule_totals(r, &t);
	int rc = 0;
	char v[32];

	rc |= buf_printf(b, "\n预警 (截至 %s): 超期 %llu, 临期 %llu, 已督办 %llu\n\n",
	    r->q.as_of, (unsigned long long)r->overdue,
	    (unsigned long long)r->due_soon, (unsigned long long)r->acked);
	rc |= cell(b, "规则", 30, false);
	rc |= cell(b, "超期", 8, true);
	rc |= cell(b, "临期", 8, true);
	rc |= cell(b, "已督办", 8, true);
	rc |= buf_append(b, "\n", 1);
	for (size_t i = 0; i < n; i++) {
		char label[160];

		snprintf(label, sizeof(label), "%s (%s)",
		    report_rule_zh(r, t[i].rule), t[i].rule);
		rc |= cell(b, label, 30, false);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)t[i].overdue);
		rc |= cell(b, v, 8, true);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)t[i].due_soon);
		rc |= cell(b, v, 8, true);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)t[i].acked);
		rc |= cell(b, v, 8, true);
		rc |= buf_append(b, "\n", 1);
	}
	free(t);
	if (r->ntop > 0) {
		rc |= buf_printf(b, "\n超期最久的 %zu 件:\n", r->ntop);
		rc |= cell(b, "法院", 22, false);
		rc |= cell(b, "案号", 28, false);
		rc |= cell(b, "规则", 24, false);
		rc |= cell(b, "期限", 10, false);
		rc |= cell(b, "超期天数", 8, true);
		rc |= buf_append(b, "督办\n", strlen("督办\n"));
		for (size_t i = 0; i < r->ntop; i++) {
			const struct warning *w = &r->top[i];

			rc |= cell(b, render_court_name(&r->names, w->court), 22,
			    false);
			rc |= cell(b, w->case_no, 28, false);
			rc |= cell(b, report_rule_zh(r, w->rule), 24, false);
			rc |= cell(b, w->deadline, 10, false);
			snprintf(v, sizeof(v), "%d", w->days);
			rc |= cell(b, v, 8, true);
			rc |= buf_printf(b, "%s%s%s\n", w->acked ? "已督办 " : "-",
			    w->acked ? w->ack_by : "", w->acked ? "" : "");
		}
	}
	return rc;
}

static int
text_integrity(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, "\n案号编号问题: %llu (缺号 %llu, 重复使用 %llu)\n",
	    (unsigned long long)r->num_total, (unsigned long long)r->num_gaps,
	    (unsigned long long)r->num_reused);
	for (size_t i = 0; i < r->nnum; i++) {
		const struct numbering_issue *ni = &r->num[i];

		if (ni->reused)
			rc |= buf_printf(b, "  %s (%d)%s 第%u号 重复使用\n",
			    render_court_name(&r->names, ni->court), ni->year,
			    ni->type, ni->first);
		else
			rc |= buf_printf(b, "  %s (%d)%s 缺号 %u–%u\n",
			    render_court_name(&r->names, ni->court), ni->year,
			    ni->type, ni->first, ni->last);
	}
	if (r->num_total > r->nnum)
		rc |= buf_printf(b, "  … 另有 %llu 项\n",
		    (unsigned long long)(r->num_total - r->nnum));
	rc |= buf_printf(b, "\n补录事件 (记录晚于业务日期 %d 天以上): %llu\n",
	    RENDER_BACKFILL_DAYS, (unsigned long long)r->bf_total);
	for (size_t i = 0; i < r->nbc; i++)
		rc |= buf_printf(b, "  %s (%s): %llu 件, 最长 %d 天\n",
		    render_court_name(&r->names, r->bc[i].court), r->bc[i].court,
		    (unsigned long long)r->bc[i].events, r->bc[i].max_delay);
	return rc;
}

int
render_text(struct buf *b, const struct report *r)
{
	int rc = 0;

	if (r->what & REPORT_INDICATORS)
		rc |= text_indicators(b, r);
	if (r->what & REPORT_WARNINGS)
		rc |= text_warnings(b, r);
	if (r->what & REPORT_INTEGRITY)
		rc |= text_integrity(b, r);
	return rc == 0 ? 0 : -1;
}

/* ---- JSON ---- */

static int
js(struct buf *b, const char *s)
{
	return codec_json_str(b, s, strlen(s));
}

/* A double as JSON: enough digits to read back the same number. */
static int
jnum(struct buf *b, double v)
{
	if (!isfinite(v))
		return buf_printf(b, "null");
	return buf_printf(b, "%.10g", v);
}

static int
json_ind(struct buf *b, const struct report *r, const struct report_ind *ri)
{
	int rc = 0, cls = ind_class(ri);

	if (cls == 1) {
		rc |= buf_printf(b, "{\"level\":%d,\"label\":", ri->level);
		rc |= js(b, level_name(ri->level));
	} else {
		rc |= buf_printf(b, "{\"court\":");
		rc |= js(b, ri->in.court);
		rc |= buf_printf(b, ",\"name\":");
		rc |= js(b, render_court_name(&r->names, ri->in.court));
		rc |= buf_printf(b, ",\"level\":%d", ri->level);
	}
	for (size_t k = 0; k < NCOUNT; k++)
		rc |= buf_printf(b, ",\"%s\":%llu", count_defs[k].key,
		    (unsigned long long)count_get(&ri->in, k));
	for (size_t k = 0; k < NIND; k++) {
		double v;

		rc |= buf_printf(b, ",\"%s\":", ind_defs[k].key);
		if (ind_get(&ri->in, k, &v))
			rc |= jnum(b, v);
		else
			rc |= buf_printf(b, "null");
	}
	rc |= buf_append(b, "}", 1);
	return rc;
}

static int
json_query(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, "\"scope\":");
	rc |= js(b, r->q.scope);
	rc |= buf_printf(b, ",\"scope_name\":");
	rc |= js(b, render_court_name(&r->names, r->q.scope));
	rc |= buf_printf(b, ",\"as_of\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
	    "\"types\":", r->q.as_of, r->q.from, r->q.to);
	rc |= js(b, r->q.types);
	return rc;
}

int
render_json_indicators(struct buf *b, const struct report *r)
{
	int rc = 0;
	size_t i;

	rc |= buf_append(b, "{", 1);
	rc |= json_query(b, r);
	rc |= buf_printf(b, ",\"indicators\":[");
	for (i = 0; i < NIND; i++) {
		rc |= buf_printf(b, "%s{\"key\":\"%s\",\"zh\":", i ? "," : "",
		    ind_defs[i].key);
		rc |= js(b, ind_defs[i].zh);
		rc |= buf_printf(b, ",\"unit\":\"%s\"}",
		    ind_defs[i].kind == IK_RATE ? "ratio" : "days");
	}
	rc |= buf_printf(b, "],\n\"courts\":[");
	for (i = 0; i < r->ncourts; i++) {
		rc |= buf_printf(b, "%s", i ? ",\n " : "");
		rc |= json_ind(b, r, &r->ind[i]);
	}
	rc |= buf_printf(b, "],\n\"levels\":[");
	for (bool first = true; i < r->nind && ind_class(&r->ind[i]) == 1;
	    i++, first = false) {
		rc |= buf_printf(b, "%s", first ? "" : ",\n ");
		rc |= json_ind(b, r, &r->ind[i]);
	}
	rc |= buf_printf(b, "],\n\"total\":");
	if (i < r->nind)
		rc |= json_ind(b, r, &r->ind[i]);
	else
		rc |= buf_printf(b, "null");
	rc |= buf_printf(b, "}\n");
	return rc == 0 ? 0 : -1;
}

static int
json_warning(struct buf *b, const struct report *r, const struct warning *w)
{
	int rc = 0;

	rc |= buf_printf(b, "{\"court\":");
	rc |= js(b, w->court);
	rc |= buf_printf(b, ",\"name\":");
	rc |= js(b, render_court_name(&r->names, w->court));
	rc |= buf_printf(b, ",\"case\":");
	rc |= js(b, w->case_no);
	rc |= buf_printf(b, ",\"rule\":");
	rc |= js(b, w->rule);
	rc |= buf_printf(b, ",\"zh\":");
	rc |= js(b, report_rule_zh(r, w->rule));
	rc |= buf_printf(b, ",\"state\":\"%s\",\"deadline\":\"%s\",\"days\":%d,"
	    "\"acked\":%s", state_key(w->state), w->deadline, w->days,
	    w->acked ? "true" : "false");
	if (w->acked) {
		rc |= buf_printf(b, ",\"ack_by\":");
		rc |= js(b, w->ack_by);
		rc |= buf_printf(b, ",\"ack_date\":\"%s\",\"ack_note\":",
		    w->ack_date);
		rc |= js(b, w->ack_note);
	}
	rc |= buf_append(b, "}", 1);
	return rc;
}

static int
json_integrity(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, ",\n\"numbering\":{\"total\":%llu,\"gaps\":%llu,"
	    "\"reused\":%llu,\"issues\":[", (unsigned long long)r->num_total,
	    (unsigned long long)r->num_gaps, (unsigned long long)r->num_reused);
	for (size_t i = 0; i < r->nnum; i++) {
		const struct numbering_issue *ni = &r->num[i];

		rc |= buf_printf(b, "%s{\"court\":", i ? "," : "");
		rc |= js(b, ni->court);
		rc |= buf_printf(b, ",\"year\":%d,\"type\":", ni->year);
		rc |= js(b, ni->type);
		rc |= buf_printf(b, ",\"kind\":\"%s\",\"first\":%u,\"last\":%u}",
		    ni->reused ? "reused" : "gap", ni->first, ni->last);
	}
	rc |= buf_printf(b, "]},\n\"backfill\":{\"min_days\":%d,\"total\":%llu,"
	    "\"by_court\":[", RENDER_BACKFILL_DAYS,
	    (unsigned long long)r->bf_total);
	for (size_t i = 0; i < r->nbc; i++) {
		rc |= buf_printf(b, "%s{\"court\":", i ? "," : "");
		rc |= js(b, r->bc[i].court);
		rc |= buf_printf(b, ",\"events\":%llu,\"max_delay\":%d}",
		    (unsigned long long)r->bc[i].events, r->bc[i].max_delay);
	}
	rc |= buf_printf(b, "],\"events\":[");
	for (size_t i = 0; i < r->nbf; i++) {
		const struct backfill *bf = &r->bf[i];

		rc |= buf_printf(b, "%s{\"court\":", i ? ",\n " : "");
		rc |= js(b, bf->court);
		rc |= buf_printf(b, ",\"case\":");
		rc |= js(b, bf->case_no);
		rc |= buf_printf(b, ",\"index\":%llu,\"type\":",
		    (unsigned long long)bf->index);
		rc |= js(b, bf->type);
		rc |= buf_printf(b, ",\"date\":\"%s\",\"recorded\":\"%s\","
		    "\"witnessed\":", bf->date, bf->recorded);
		if (bf->witnessed[0] != '\0')
			rc |= buf_printf(b, "\"%s\"", bf->witnessed);
		else
			rc |= buf_printf(b, "null");
		rc |= buf_printf(b, ",\"delay\":%d}", bf->delay);
	}
	rc |= buf_printf(b, "]}");
	return rc;
}

int
render_json_warnings(struct buf *b, const struct report *r)
{
	struct rule_total *t;
	size_t n = rule_totals(r, &t);
	int rc = 0;

	rc |= buf_append(b, "{", 1);
	rc |= json_query(b, r);
	rc |= buf_printf(b, ",\n\"rules\":[");
	for (size_t i = 0; i < r->nrules; i++) {
		const struct rule *ru = &r->rules[i];

		rc |= buf_printf(b, "%s{\"id\":", i ? "," : "");
		rc |= js(b, ru->id);
		rc |= buf_printf(b, ",\"zh\":");
		rc |= js(b, ru->zh);
		rc |= buf_printf(b, ",\"days\":%d,\"due_soon\":%d,\"enabled\":%s}",
		    ru->days, ru->due_soon, ru->enabled ? "true" : "false");
	}
	rc |= buf_printf(b, "],\n\"totals\":{\"overdue\":%llu,\"due_soon\":%llu,"
	    "\"acked\":%llu},\n\"by_rule\":[", (unsigned long long)r->overdue,
	    (unsigned long long)r->due_soon, (unsigned long long)r->acked);
	for (size_t i = 0; i < n; i++) {
		rc |= buf_printf(b, "%s{\"rule\":", i ? "," : "");
		rc |= js(b, t[i].rule);
		rc |= buf_printf(b, ",\"zh\":");
		rc |= js(b, report_rule_zh(r, t[i].rule));
		rc |= buf_printf(b, ",\"overdue\":%llu,\"due_soon\":%llu,"
		    "\"acked\":%llu}", (unsigned long long)t[i].overdue,
		    (unsigned long long)t[i].due_soon,
		    (unsigned long long)t[i].acked);
	}
	free(t);
	rc |= buf_printf(b, "],\n\"counts\":[");
	for (size_t i = 0; i < r->nwc; i++) {
		const struct report_wcount *c = &r->wc[i];

		rc |= buf_printf(b, "%s{\"court\":", i ? ",\n " : "");
		rc |= js(b, c->court);
		rc |= buf_printf(b, ",\"name\":");
		rc |= js(b, render_court_name(&r->names, c->court));
		rc |= buf_printf(b, ",\"rule\":");
		rc |= js(b, c->rule);
		rc |= buf_printf(b, ",\"overdue\":%llu,\"due_soon\":%llu,"
		    "\"acked\":%llu}", (unsigned long long)c->overdue,
		    (unsigned long long)c->due_soon,
		    (unsigned long long)c->acked);
	}
	rc |= buf_printf(b, "],\n\"top_overdue\":[");
	for (size_t i = 0; i < r->ntop; i++) {
		rc |= buf_printf(b, "%s", i ? ",\n " : "");
		rc |= json_warning(b, r, &r->top[i]);
	}
	rc |= buf_append(b, "]", 1);
	if (r->what & REPORT_INTEGRITY)
		rc |= json_integrity(b, r);
	if (r->what & REPORT_LIST) {
		rc |= buf_printf(b, ",\n\"list\":{\"rule\":");
		rc |= js(b, r->list_rule);
		rc |= buf_printf(b, ",\"court\":");
		rc |= js(b, r->list_court);
		rc |= buf_printf(b, ",\"total\":%llu,\"truncated\":%s,"
		    "\"warnings\":[", (unsigned long long)r->list_total,
		    r->list_total > r->nlist ? "true" : "false");
		for (size_t i = 0; i < r->nlist; i++) {
			rc |= buf_printf(b, "%s", i ? ",\n " : "");
			rc |= json_warning(b, r, &r->list[i]);
		}
		rc |= buf_printf(b, "]}");
	}
	rc |= buf_printf(b, "}\n");
	return rc == 0 ? 0 : -1;
}

int
render_json_report(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, "{\"indicators\":");
	rc |= render_json_indicators(b, r);
	rc |= buf_printf(b, ",\"warnings\":");
	rc |= render_json_warnings(b, r);
	rc |= buf_printf(b, "}\n");
	return rc == 0 ? 0 : -1;
}

/* Seconds since t, or -1 for never. */
static int64_t
since(const struct report *r, uint64_t t)
{
	if (t == 0)
		return -1;
	return r->now > t ? (int64_t)(r->now - t) : 0;
}

static uint64_t
peer_lag(const struct peer_health *p)
{
	return p->checkpoint > p->held ? p->checkpoint - p->held : 0;
}

int
render_json_sync(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, "{\"court\":");
	rc |= js(b, r->names.self_path != NULL ? r->names.self_path : "");
	rc |= buf_printf(b, ",\"scope\":");
	rc |= js(b, r->q.scope);
	rc |= buf_printf(b, ",\"now\":%llu,\n\"children\":[",
	    (unsigned long long)r->now);
	for (size_t i = 0; i < r->npeers; i++) {
		const struct peer_health *p = &r->peers[i];
		int64_t lag = since(r, p->last_ok);

		rc |= buf_printf(b, "%s{\"court\":", i ? ",\n " : "");
		rc |= js(b, p->court);
		rc |= buf_printf(b, ",\"name\":");
		rc |= js(b, render_court_name(&r->names, p->court));
		rc |= buf_printf(b, ",\"last_seen\":%llu,\"last_ok\":%llu,"
		    "\"lag_seconds\":", (unsigned long long)p->last_seen,
		    (unsigned long long)p->last_ok);
		if (lag < 0)
			rc |= buf_printf(b, "null");
		else
			rc |= buf_printf(b, "%lld", (long long)lag);
		rc |= buf_printf(b, ",\"last_error\":");
		rc |= js(b, p->last_error);
		rc |= buf_printf(b, ",\"requests\":%llu,\"entries\":%llu,"
		    "\"held\":%llu,\"checkpoint\":%llu,\"lag_entries\":%llu,"
		    "\"equivocations\":%llu}", (unsigned long long)p->requests,
		    (unsigned long long)p->entries, (unsigned long long)p->held,
		    (unsigned long long)p->checkpoint,
		    (unsigned long long)peer_lag(p),
		    (unsigned long long)p->equivocations);
	}
	rc |= buf_printf(b, "],\n\"parent\":{\"configured\":%s,\"last_error\":",
	    r->has_parent ? "true" : "false");
	rc |= js(b, r->push_error);
	rc |= buf_printf(b, "},\n\"logs\":[");
	for (size_t i = 0; i < r->nlogs; i++) {
		const struct report_log *l = &r->logs[i];

		rc |= buf_printf(b, "%s{\"origin\":", i ? ",\n " : "");
		rc |= js(b, l->origin);
		rc |= buf_printf(b, ",\"size\":%llu,\"checkpoint\":%llu,"
		    "\"parent_size\":%llu,\"unpushed\":%llu}",
		    (unsigned long long)l->size,
		    (unsigned long long)l->checkpoint,
		    (unsigned long long)l->parent,
		    (unsigned long long)(l->size > l->parent ?
		    l->size - l->parent : 0));
	}
	rc |= buf_printf(b, "]}\n");
	return rc == 0 ? 0 : -1;
}

/* ---- Prometheus text ---- */

/* A label value: backslash, double quote and newline escaped. */
static int
plabel(struct buf *b, const char *s)
{
	int rc = buf_append(b, "\"", 1);

	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			rc |= buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			rc |= buf_append(b, "\\n", 2);
		else
			rc |= buf_append(b, s, 1);
	}
	rc |= buf_append(b, "\"", 1);
	return rc;
}

static int
phead(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static int
pval(struct buf *b, double v)
{
	if (isnan(v))
		return buf_printf(b, " NaN\n");
	return buf_printf(b, " %.10g\n", v);
}

static int
metrics_indicators(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= phead(b, "courtsync_indicator", "gauge", "The seven indicators"
	    " per court for the period (ratios 0..1; avg_days in days;"
	    " NaN when undefined).");
	for (size_t i = 0; i < r->ncourts; i++)
		for (size_t k = 0; k < NIND; k++) {
			double v;

			rc |= buf_printf(b, "courtsync_indicator{court=");
			rc |= plabel(b, r->ind[i].in.court);
			rc |= buf_printf(b, ",indicator=\"%s\"}", ind_defs[k].key);
			rc |= pval(b, ind_get(&r->ind[i].in, k, &v) ? v : NAN);
		}
	rc |= phead(b, "courtsync_indicator_rollup", "gauge", "The seven"
	    " indicators per level (level 1-4) and for the whole scope"
	    " (level 0), computed from summed counts.");
	for (size_t i = r->ncourts; i < r->nind; i++)
		for (size_t k = 0; k < NIND; k++) {
			double v;

			rc |= buf_printf(b, "courtsync_indicator_rollup{scope=");
			rc |= plabel(b, r->q.scope);
			rc |= buf_printf(b, ",level=\"%d\",indicator=\"%s\"}",
			    r->ind[i].level, ind_defs[k].key);
			rc |= pval(b, ind_get(&r->ind[i].in, k, &v) ? v : NAN);
		}
	rc |= phead(b, "courtsync_indicator_count", "gauge", "The counts"
	    " behind the indicators per court (money in fen).");
	for (size_t i = 0; i < r->ncourts; i++)
		for (size_t k = 0; k < NCOUNT; k++) {
			rc |= buf_printf(b, "courtsync_indicator_count{court=");
			rc |= plabel(b, r->ind[i].in.court);
			rc |= buf_printf(b, ",count=\"%s\"} %llu\n",
			    count_defs[k].key,
			    (unsigned long long)count_get(&r->ind[i].in, k));
		}
	return rc;
}

static int
metrics_warnings(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= phead(b, "courtsync_warnings", "gauge", "Warnings as of the day,"
	    " per court, rule and state (overdue, due_soon, acked).");
	for (size_t i = 0; i < r->nwc; i++) {
		static const char *const st[] = { "overdue", "due_soon", "acked" };
		const uint64_t v[] = { r->wc[i].overdue, r->wc[i].due_soon,
		    r->wc[i].acked };

		for (int s = 0; s < 3; s++) {
			rc |= buf_printf(b, "courtsync_warnings{court=");
			rc |= plabel(b, r->wc[i].court);
			rc |= buf_printf(b, ",rule=");
			rc |= plabel(b, r->wc[i].rule);
			rc |= buf_printf(b, ",state=\"%s\"} %llu\n", st[s],
			    (unsigned long long)v[s]);
		}
	}
	rc |= phead(b, "courtsync_warnings_total", "gauge", "Warnings in the"
	    " scope, per state.");
	rc |= buf_printf(b, "courtsync_warnings_total{state=\"overdue\"} %llu\n"
	    "courtsync_warnings_total{state=\"due_soon\"} %llu\n"
	    "courtsync_warnings_total{state=\"acked\"} %llu\n",
	    (unsigned long long)r->overdue, (unsigned long long)r->due_soon,
	    (unsigned long long)r->acked);
	if (r->what & REPORT_INTEGRITY) {
		rc |= phead(b, "courtsync_numbering_issues", "gauge", "Case"
		    " numbering gaps and re-used numbers in the scope.");
		rc |= buf_printf(b, "courtsync_numbering_issues{kind=\"gap\"}"
		    " %llu\ncourtsync_numbering_issues{kind=\"reused\"} %llu\n",
		    (unsigned long long)r->num_gaps,
		    (unsigned long long)r->num_reused);
		rc |= phead(b, "courtsync_backfilled_events", "gauge", "Events"
		    " recorded long after their business date, per court.");
		for (size_t i = 0; i < r->nbc; i++) {
			rc |= buf_printf(b, "courtsync_backfilled_events{court=");
			rc |= plabel(b, r->bc[i].court);
			rc |= buf_printf(b, "} %llu\n",
			    (unsigned long long)r->bc[i].events);
		}
	}
	return rc;
}

static int
metrics_peer(struct buf *b, const char *name, const char *court, uint64_t v)
{
	int rc = buf_printf(b, "%s{court=", name);

	rc |= plabel(b, court);
	rc |= buf_printf(b, "} %llu\n", (unsigned long long)v);
	return rc;
}

static int
metrics_sync(struct buf *b, const struct report *r)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "courtsync_sync_last_ok_seconds", "gauge", "Unix time of the"
		  " last accepted push from the child court (0 never)." },
		{ "courtsync_sync_last_seen_seconds", "gauge", "Unix time of the"
		  " last request from the child court (0 never)." },
		{ "courtsync_sync_lag_seconds", "gauge", "Seconds since the last"
		  " accepted push from the child court (absent if never)." },
		{ "courtsync_sync_lag_entries", "gauge", "Entries of the child's"
		  " latest checkpoint not yet held here." },
		{ "courtsync_sync_requests_total", "counter", "Requests from the"
		  " child court." },
		{ "courtsync_sync_entries_total", "counter", "Entries ingested"
		  " from the child court." },
		{ "courtsync_sync_held_entries", "gauge", "Entries held of the"
		  " child court's log." },
		{ "courtsync_sync_error", "gauge", "1 if the child's last request"
		  " was refused or failed." },
		{ "courtsync_equivocations", "gauge", "Equivocation alarms"
		  " (inconsistent signed checkpoints) per court." },
	};
	int rc = 0;

	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		rc |= phead(b, m[k].name, m[k].type, m[k].help);
		for (size_t i = 0; i < r->npeers; i++) {
			const struct peer_health *p = &r->peers[i];
			uint64_t v;

			switch (k) {
			case 0: v = p->last_ok; break;
			case 1: v = p->last_seen; break;
			case 2:
				if (p->last_ok == 0)
					continue;
				v = (uint64_t)since(r, p->last_ok);
				break;
			case 3: v = peer_lag(p); break;
			case 4: v = p->requests; break;
			case 5: v = p->entries; break;
			case 6: v = p->held; break;
			case 7: v = p->last_error[0] != '\0'; break;
			default: v = p->equivocations; break;
			}
			rc |= metrics_peer(b, m[k].name, p->court, v);
		}
	}
	rc |= phead(b, "courtsync_log_entries", "gauge", "Entries held per log.");
	for (size_t i = 0; i < r->nlogs; i++) {
		rc |= buf_printf(b, "courtsync_log_entries{origin=");
		rc |= plabel(b, r->logs[i].origin);
		rc |= buf_printf(b, "} %llu\n", (unsigned long long)r->logs[i].size);
	}
	rc |= phead(b, "courtsync_log_checkpoint_size", "gauge", "Size of the"
	    " latest checkpoint held per log.");
	for (size_t i = 0; i < r->nlogs; i++) {
		rc |= buf_printf(b, "courtsync_log_checkpoint_size{origin=");
		rc |= plabel(b, r->logs[i].origin);
		rc |= buf_printf(b, "} %llu\n",
		    (unsigned long long)r->logs[i].checkpoint);
	}
	if (r->has_parent) {
		rc |= phead(b, "courtsync_parent_lag_entries", "gauge", "Entries"
		    " of each log held here that the parent does not hold yet.");
		for (size_t i = 0; i < r->nlogs; i++) {
			const struct report_log *l = &r->logs[i];

			rc |= buf_printf(b, "courtsync_parent_lag_entries{origin=");
			rc |= plabel(b, l->origin);
			rc |= buf_printf(b, "} %llu\n", (unsigned long long)
			    (l->size > l->parent ? l->size - l->parent : 0));
		}
	}
	return rc;
}

int
render_metrics(struct buf *b, const struct report *r)
{
	int rc = 0;

	if (r->what & REPORT_INDICATORS)
		rc |= metrics_indicators(b, r);
	if (r->what & REPORT_WARNINGS)
		rc |= metrics_warnings(b, r);
	if (r->what & REPORT_SYNC)
		rc |= metrics_sync(b, r);
	return rc == 0 ? 0 : -1;
}

/* ---- HTML ---- */

/* Appends s with &, <, >, " and ' escaped. */
static int
h(struct buf *b, const char *s)
{
	int rc = 0;
	const char *run = s;

	for (; *s; s++) {
		const char *e = NULL;

		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		rc |= buf_append(b, run, (size_t)(s - run));
		rc |= buf_append(b, e, strlen(e));
		run = s + 1;
	}
	rc |= buf_append(b, run, (size_t)(s - run));
	return rc;
}

/* An href attribute's value (escaped): path?k1=v1&k2=v2&query, pairs
 * with a NULL value left out. */
static int
href(struct buf *b, const char *path, const char *k1, const char *v1,
    const char *k2, const char *v2, const char *query)
{
	struct buf u;
	int rc = 0;
	char sep = '?';

	buf_init(&u, 16384);
	rc |= buf_append(&u, path, strlen(path));
	if (v1 != NULL) {
		rc |= buf_printf(&u, "%c%s=", sep, k1);
		rc |= render_url_encode(&u, v1);
		sep = '&';
	}
	if (v2 != NULL) {
		rc |= buf_printf(&u, "%c%s=", sep, k2);
		rc |= render_url_encode(&u, v2);
		sep = '&';
	}
	if (query != NULL && query[0] != '\0')
		rc |= buf_printf(&u, "%c%s", sep, query);
	rc |= buf_append(&u, "", 1);
	if (rc == 0)
		rc |= h(b, (const char *)u.p);
	buf_free(&u);
	return rc;
}

static const char css[] =
    "body{font-family:\"Noto Sans CJK SC\",\"Noto Sans SC\",\"Source Han Sans SC\","
    "\"WenQuanYi Micro Hei\",\"Microsoft YaHei\",\"PingFang SC\",sans-serif;"
    "margin:0;color:#1d2733;background:#f4f6f9;font-size:14px}"
    "header{background:#8b1a1a;color:#fff;padding:14px 24px}"
    "header h1{margin:0;font-size:22px;font-weight:600}"
    "header .meta{margin-top:4px;font-size:13px;opacity:.9}"
    "nav{background:#fff;border-bottom:1px solid #d8dde4;padding:0 24px}"
    "nav a{display:inline-block;padding:10px 14px;color:#334;text-decoration:none}"
    "nav a.on{border-bottom:3px solid #8b1a1a;font-weight:600}"
    "main{padding:16px 24px}"
    "section{background:#fff;border:1px solid #d8dde4;border-radius:6px;"
    "padding:12px 16px;margin-bottom:16px}"
    "h2{font-size:17px;margin:4px 0 10px}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{border-bottom:1px solid #e3e7ec;padding:5px 7px;text-align:right;"
    "white-space:nowrap}"
    "th{background:#eef1f5;font-weight:600}"
    "td.l,th.l{text-align:left}"
    "tr.lv td{background:#f7f3e8}tr.tot td{background:#f1e4e4;font-weight:600}"
    "a{color:#1c5fb0}"
    ".od{color:#c92a2a;font-weight:600}.ds{color:#b86e00}.ok{color:#2b8a3e}"
    ".muted{color:#778}.bad{color:#c92a2a}"
    "form.q{margin:0 0 14px}form.q label{margin-right:10px}"
    "form.q input{width:110px}"
    ".badge{display:inline-block;padding:0 6px;border-radius:3px;margin-right:3px;"
    "font-size:12px;background:#e7f5ea;color:#2b8a3e;border:1px solid #b2dfbc}"
    ".badge.no{background:#f1f3f5;color:#99a;border-color:#dde}"
    ".badge.bf{background:#fff0f0;color:#c92a2a;border-color:#f1b0b0}"
    "table.matrix th,table.matrix td{white-space:normal;font-size:12px}"
    "svg text{font-family:inherit}";

static const char *const nav_items[][2] = {
	{ "/", "总览" }, { "/warnings", "预警" }, { "/sync", "同步状态" },
};

/* The page's head, header and navigation; q NULL for a page that is not
 * a query (a case). */
static int
page_begin(struct buf *b, const struct render_names *names,
    const struct view_query *q, const char *title, const char *active,
    const char *query)
{
	int rc = 0;
	const char *self = names->self_path != NULL ? names->self_path :
	    q != NULL ? q->scope : "";

	rc |= buf_printf(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\""
	    "width=device-width\"><title>");
	rc |= h(b, title);
	rc |= buf_printf(b, " · ");
	rc |= h(b, render_court_name(names, self));
	rc |= buf_printf(b, "</title><style>%s</style></head><body>\n<header>"
	    "<h1>", css);
	rc |= h(b, render_court_name(names, self));
	rc |= buf_printf(b, " · 执行案件四级可视化监管</h1><div class=\"meta\">");
	if (q != NULL) {
		rc |= buf_printf(b, "范围 ");
		rc |= h(b, render_court_name(names, q->scope));
		rc |= buf_printf(b, " (");
		rc |= h(b, q->scope);
		rc |= buf_printf(b, ") · 截至 %s · 统计期间 %s 至 %s · 口径 ",
		    q->as_of, q->from, q->to);
		rc |= h(b, q->types);
	} else {
		rc |= h(b, title);
	}
	rc |= buf_printf(b, "</div></header>\n<nav>");
	for (size_t i = 0; i < sizeof(nav_items) / sizeof(nav_items[0]); i++) {
		rc |= buf_printf(b, "<a class=\"%s\" href=\"",
		    strcmp(active, nav_items[i][0]) == 0 ? "on" : "");
		rc |= href(b, nav_items[i][0], NULL, NULL, NULL, NULL, query);
		rc |= buf_printf(b, "\">%s</a>", nav_items[i][1]);
	}
	rc |= buf_printf(b, "<a href=\"");
	rc |= href(b, "/api/indicators", NULL, NULL, NULL, NULL, query);
	rc |= buf_printf(b, "\">JSON</a><a href=\"/metrics\">/metrics</a>"
	    "</nav>\n<main>\n");
	return rc;
}

static int
page_end(struct buf *b)
{
	return buf_printf(b, "</main></body></html>\n");
}

/* The query form: plain GET, no script. */
static int
query_form(struct buf *b, const struct report *r, const char *action)
{
	static const char *const f[][2] = {
		{ "as_of", "截至" }, { "from", "起" }, { "to", "止" },
		{ "scope", "范围" }, { "types", "口径" },
	};
	const char *v[] = { r->q.as_of, r->q.from, r->q.to, r->q.scope,
	    r->q.types };
	int rc = 0;

	rc |= buf_printf(b, "<form class=\"q\" method=\"get\" action=\"%s\">",
	    action);
	for (size_t i = 0; i < 5; i++) {
		rc |= buf_printf(b, "<label>%s <input name=\"%s\" value=\"",
		    f[i][1], f[i][0]);
		rc |= h(b, v[i]);
		rc |= buf_printf(b, "\"></label>");
	}
	rc |= buf_printf(b, "<button type=\"submit\">查询</button></form>\n");
	return rc;
}

static int
td_u64(struct buf *b, uint64_t v)
{
	return buf_printf(b, "<td>%llu</td>", (unsigned long long)v);
}

static int
html_ind_row(struct buf *b, const struct report *r, const struct report_ind *ri)
{
	int rc = 0, cls = ind_class(ri);
	char v[32];

	rc |= buf_printf(b, "<tr class=\"%s\"><td class=\"l\">",
	    cls == 0 ? "court" : cls == 1 ? "lv" : "tot");
	if (cls == 0) {
		int depth = path_depth(ri->in.court) - path_depth(r->q.scope);

		rc |= buf_printf(b, "<span style=\"padding-left:%dem\">",
		    depth > 0 ? depth * 3 / 2 : 0);
		rc |= h(b, render_court_name(&r->names, ri->in.court));
		rc |= buf_printf(b, "</span> <span class=\"muted\">");
		rc |= h(b, ri->in.court);
		rc |= buf_printf(b, "</span></td><td>%d</td>", ri->level);
	} else if (cls == 1) {
		rc |= buf_printf(b, "%s 合计</td><td>%d</td>",
		    level_name(ri->level), ri->level);
	} else {
		rc |= buf_printf(b, "总计 ");
		rc |= h(b, render_court_name(&r->names, ri->in.court));
		rc |= buf_printf(b, "</td><td>—</td>");
	}
	rc |= td_u64(b, ri->in.old_open);
	rc |= td_u64(b, ri->in.received);
	rc |= td_u64(b, ri->in.closed);
	rc |= td_u64(b, ri->in.open_end);
	for (size_t k = 0; k < NIND; k++) {
		ind_format(&ri->in, k, v, sizeof(v));
		rc |= buf_printf(b, "<td>%s</td>", v);
	}
	rc |= buf_printf(b, "</tr>\n");
	return rc;
}

static const struct report_ind *
level_row(const struct report *r, int level)
{
	for (size_t i = r->ncourts; i < r->nind; i++)
		if (ind_class(&r->ind[i]) == 1 && r->ind[i].level == level)
			return &r->ind[i];
	return NULL;
}

/* 结案率 per court as horizontal bars, each with its level's roll-up
 * marked; then the levels and the total. */
static int
svg_closure(struct buf *b, const struct report *r)
{
	const int x0 = 300, w = 520, row = 26, top = 34;
	size_t n = r->nind;
	int height = top + (int)n * row + 30, rc = 0;

	rc |= buf_printf(b, "<svg id=\"chart-closure\" xmlns=\"http://www.w3.org/2000/svg\""
	    " width=\"900\" height=\"%d\" viewBox=\"0 0 900 %d\" role=\"img\""
	    " aria-label=\"结案率\">", height, height);
	rc |= buf_printf(b, "<text x=\"0\" y=\"16\" font-size=\"14\""
	    " font-weight=\"600\">结案率 (各法院，橙线为所在层级合计)</text>");
	for (int p = 0; p <= 100; p += 25) {
		int x = x0 + w * p / 100;

		rc |= buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\""
		    " stroke=\"#dde2e8\"/><text x=\"%d\" y=\"%d\" font-size=\"11\""
		    " text-anchor=\"middle\" fill=\"#667\">%d%%</text>", x, top - 6,
		    x, top + (int)n * row, x, top + (int)n * row + 14, p);
	}
	for (size_t i = 0; i < n; i++) {
		const struct report_ind *ri = &r->ind[i];
		const struct report_ind *lv = ind_class(ri) == 0 ?
		    level_row(r, ri->level) : NULL;
		int y = top + (int)i * row, cls = ind_class(ri);
		double v, lvv;
		bool def = ind_get(&ri->in, 0, &v) && isfinite(v);
		char label[300], val[32];

		if (cls == 0)
			snprintf(label, sizeof(label), "%s",
			    render_court_name(&r->names, ri->in.court));
		else if (cls == 1)
			snprintf(label, sizeof(label), "%s 合计",
			    level_name(ri->level));
		else
			snprintf(label, sizeof(label), "总计");
		ind_format(&ri->in, 0, val, sizeof(val));
		rc |= buf_printf(b, "<g class=\"bar\"><title>");
		rc |= h(b, label);
		rc |= buf_printf(b, " 结案率 %s</title><text x=\"%d\" y=\"%d\""
		    " font-size=\"13\" text-anchor=\"end\"%s>", val, x0 - 8,
		    y + 15, cls == 0 ? "" : " font-weight=\"600\"");
		rc |= h(b, label);
		rc |= buf_printf(b, "</text>");
		if (def) {
			double c = v < 0 ? 0 : v > 1 ? 1 : v;

			rc |= buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\""
			    " height=\"18\" rx=\"2\" fill=\"%s\"/>", x0, y + 2,
			    w * c, cls == 0 ? "#3b7dd8" : cls == 1 ? "#8c6d1f" :
			    "#8b1a1a");
			rc |= buf_printf(b, "<text x=\"%.1f\" y=\"%d\""
			    " font-size=\"12\">%s</text>", x0 + w * c + 6, y + 15,
			    val);
		} else {
			rc |= buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\""
			    " fill=\"#99a\">—</text>", x0 + 6, y + 15);
		}
		if (lv != NULL && ind_get(&lv->in, 0, &lvv) && isfinite(lvv)) {
			double c = lvv < 0 ? 0 : lvv > 1 ? 1 : lvv;

			rc |= buf_printf(b, "<line class=\"rollup\" x1=\"%.1f\""
			    " y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e8590c\""
			    " stroke-width=\"3\"/>", x0 + w * c, y, x0 + w * c,
			    y + 22);
		}
		rc |= buf_printf(b, "</g>");
	}
	rc |= buf_printf(b, "</svg>\n");
	return rc;
}

/* Warnings per rule: overdue and due soon, stacked. */
static int
svg_warnings(struct buf *b, const struct report *r, const struct rule_total *t,
    size_t n)
{
	const int x0 = 300, w = 480, row = 26, top = 34;
	uint64_t max = 1;
	int height = top + (int)n * row + 10, rc = 0;

	for (size_t i = 0; i < n; i++)
		if (t[i].overdue + t[i].due_soon > max)
			max = t[i].overdue + t[i].due_soon;
	rc |= buf_printf(b, "<svg id=\"chart-warnings\" xmlns=\"http://www.w3.org/2000/svg\""
	    " width=\"900\" height=\"%d\" viewBox=\"0 0 900 %d\" role=\"img\""
	    " aria-label=\"预警\">", height, height);
	rc |= buf_printf(b, "<text x=\"0\" y=\"16\" font-size=\"14\""
	    " font-weight=\"600\">各规则预警数</text>"
	    "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" fill=\"#c92a2a\"/>"
	    "<text x=\"%d\" y=\"16\" font-size=\"12\">超期</text>"
	    "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" fill=\"#f59f00\"/>"
	    "<text x=\"%d\" y=\"16\" font-size=\"12\">临期</text>",
	    x0, x0 + 16, x0 + 60, x0 + 76);
	for (size_t i = 0; i < n; i++) {
		int y = top + (int)i * row;
		double wo = (double)w * (double)t[i].overdue / (double)max;
		double wd = (double)w * (double)t[i].due_soon / (double)max;

		rc |= buf_printf(b, "<g class=\"bar\"><title>");
		rc |= h(b, report_rule_zh(r, t[i].rule));
		rc |= buf_printf(b, ": 超期 %llu, 临期 %llu</title>",
		    (unsigned long long)t[i].overdue,
		    (unsigned long long)t[i].due_soon);
		rc |= buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"13\""
		    " text-anchor=\"end\">", x0 - 8, y + 15);
		rc |= h(b, report_rule_zh(r, t[i].rule));
		rc |= buf_printf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\""
		    " height=\"18\" fill=\"#c92a2a\"/><rect x=\"%.1f\" y=\"%d\""
		    " width=\"%.1f\" height=\"18\" fill=\"#f59f00\"/>"
		    "<text x=\"%.1f\" y=\"%d\" font-size=\"12\">%llu / %llu</text>"
		    "</g>", x0, y + 2, wo, x0 + wo, y + 2, wd, x0 + wo + wd + 6,
		    y + 15, (unsigned long long)t[i].overdue,
		    (unsigned long long)t[i].due_soon);
	}
	rc |= buf_printf(b, "</svg>\n");
	return rc;
}

static int
html_indicators(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, "<section id=\"indicators\"><h2>质效指标"
	    " <span class=\"muted\">%s 至 %s</span></h2>", r->q.from, r->q.to);
	rc |= svg_closure(b, r);
	rc |= buf_printf(b, "<table><thead><tr><th class=\"l\">法院</th>"
	    "<th>级</th><th>旧存</th><th>新收</th><th>已结</th><th>未结</th>");
	for (size_t k = 0; k < NIND; k++)
		rc |= buf_printf(b, "<th>%s</th>", ind_defs[k].zh);
	rc |= buf_printf(b, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < r->nind; i++)
		rc |= html_ind_row(b, r, &r->ind[i]);
	if (r->nind == 0)
		rc |= buf_printf(b, "<tr><td class=\"l\" colspan=\"13\">"
		    "范围内没有案件</td></tr>");
	rc |= buf_printf(b, "</tbody></table></section>\n");
	return rc;
}

/* Rule × court: the counts, each linking to the list behind it. */
static int
html_warning_matrix(struct buf *b, const struct report *r,
    const struct rule_total *t, size_t n, const char *query)
{
	int rc = 0;
	size_t i = 0;

	rc |= buf_printf(b, "<table class=\"matrix\"><thead><tr>"
	    "<th class=\"l\">法院</th>");
	for (size_t k = 0; k < n; k++) {
		rc |= buf_printf(b, "<th><a href=\"");
		rc |= href(b, "/warnings", "rule", t[k].rule, NULL, NULL, query);
		rc |= buf_printf(b, "\">");
		rc |= h(b, report_rule_zh(r, t[k].rule));
		rc |= buf_printf(b, "</a></th>");
	}
	rc |= buf_printf(b, "</tr></thead><tbody>\n");
	while (i < r->nwc) {
		const char *court = r->wc[i].court;

		rc |= buf_printf(b, "<tr><td class=\"l\"><a href=\"");
		rc |= href(b, "/warnings", "court", court, NULL, NULL, query);
		rc |= buf_printf(b, "\">");
		rc |= h(b, render_court_name(&r->names, court));
		rc |= buf_printf(b, "</a></td>");
		for (size_t k = 0; k < n; k++) {
			const struct report_wcount *c = NULL;

			for (size_t j = i; j < r->nwc &&
			    strcmp(r->wc[j].court, court) == 0; j++)
				if (strcmp(r->wc[j].rule, t[k].rule) == 0)
					c = &r->wc[j];
			if (c == NULL) {
				rc |= buf_printf(b, "<td class=\"muted\">0</td>");
				continue;
			}
			rc |= buf_printf(b, "<td><a href=\"");
			rc |= href(b, "/warnings", "rule", c->rule, "court", court,
			    query);
			rc |= buf_printf(b, "\"><span class=\"od\">超期 %llu</span>"
			    " · <span class=\"ds\">临期 %llu</span></a>%s",
			    (unsigned long long)c->overdue,
			    (unsigned long long)c->due_soon,
			    c->acked > 0 ? "<br>" : "");
			if (c->acked > 0)
				rc |= buf_printf(b, "<span class=\"ok\">已督办"
				    " %llu</span>", (unsigned long long)c->acked);
			rc |= buf_printf(b, "</td>");
		}
		rc |= buf_printf(b, "</tr>\n");
		while (i < r->nwc && strcmp(r->wc[i].court, court) == 0)
			i++;
	}
	if (r->nwc == 0)
		rc |= buf_printf(b, "<tr><td class=\"l\" colspan=\"%zu\">"
		    "没有预警</td></tr>", n + 1);
	rc |= buf_printf(b, "</tbody></table>\n");
	return rc;
}

static int
html_warnings_summary(struct buf *b, const struct report *r, const char *query)
{
	struct rule_total *t;
	size_t n = rule_totals(r, &t);
	int rc = 0;

	rc |= buf_printf(b, "<section id=\"warnings\"><h2>流程节点预警"
	    " <span class=\"muted\">截至 %s</span></h2><p>"
	    "<span class=\"od\">超期 %llu</span> · <span class=\"ds\">临期"
	    " %llu</span> · <span class=\"ok\">已督办 %llu</span></p>",
	    r->q.as_of, (unsigned long long)r->overdue,
	    (unsigned long long)r->due_soon, (unsigned long long)r->acked);
	rc |= svg_warnings(b, r, t, n);
	rc |= html_warning_matrix(b, r, t, n, query);
	rc |= buf_printf(b, "</section>\n");
	free(t);
	return rc;
}

static int
html_warning_rows(struct buf *b, const struct report *r,
    const struct warning *w, size_t n, const char *query)
{
	int rc = 0;

	rc |= buf_printf(b, "<table class=\"list\"><thead><tr><th class=\"l\">"
	    "法院</th><th class=\"l\">案号</th><th class=\"l\">规则</th>"
	    "<th class=\"l\">状态</th><th>期限</th><th>天数</th>"
	    "<th class=\"l\">督办</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		rc |= buf_printf(b, "<tr><td class=\"l\">");
		rc |= h(b, render_court_name(&r->names, w[i].court));
		rc |= buf_printf(b, "</td><td class=\"l\"><a href=\"");
		rc |= href(b, "/case", "origin", w[i].court, "case", w[i].case_no,
		    query);
		rc |= buf_printf(b, "\">");
		rc |= h(b, w[i].case_no);
		rc |= buf_printf(b, "</a></td><td class=\"l\">");
		rc |= h(b, report_rule_zh(r, w[i].rule));
		rc |= buf_printf(b, "</td><td class=\"l %s\">%s</td><td>%s</td>"
		    "<td>%s%d 天</td><td class=\"l\">",
		    w[i].state == WARN_OVERDUE ? "od" : "ds", state_zh(w[i].state),
		    w[i].deadline, w[i].state == WARN_OVERDUE ? "超 " : "剩 ",
		    w[i].days);
		if (w[i].acked) {
			rc |= buf_printf(b, "<span class=\"ok\">已督办</span> ");
			rc |= h(b, w[i].ack_by);
			rc |= buf_printf(b, " %s ", w[i].ack_date);
			rc |= h(b, w[i].ack_note);
		} else {
			rc |= buf_printf(b, "<span class=\"muted\">—</span>");
		}
		rc |= buf_printf(b, "</td></tr>\n");
	}
	rc |= buf_printf(b, "</tbody></table>\n");
	return rc;
}

static int
html_integrity(struct buf *b, const struct report *r, const char *query)
{
	int rc = 0;

	rc |= buf_printf(b, "<section id=\"integrity\"><h2>数据完整性</h2>"
	    "<p>案号编号问题 %llu 项 (缺号 %llu, 重复使用 %llu) · 补录事件"
	    " (记录晚于业务日期 %d 天以上) %llu 件</p>",
	    (unsigned long long)r->num_total, (unsigned long long)r->num_gaps,
	    (unsigned long long)r->num_reused, RENDER_BACKFILL_DAYS,
	    (unsigned long long)r->bf_total);
	if (r->nbc > 0) {
		rc |= buf_printf(b, "<table><thead><tr><th class=\"l\">法院</th>"
		    "<th>补录事件</th><th>最长延迟</th></tr></thead><tbody>");
		for (size_t i = 0; i < r->nbc; i++) {
			rc |= buf_printf(b, "<tr><td class=\"l\">");
			rc |= h(b, render_court_name(&r->names, r->bc[i].court));
			rc |= buf_printf(b, "</td><td>%llu</td><td>%d 天</td></tr>",
			    (unsigned long long)r->bc[i].events,
			    r->bc[i].max_delay);
		}
		rc |= buf_printf(b, "</tbody></table>");
	}
	if (r->nbf > 0) {
		rc |= buf_printf(b, "<h2>补录事件</h2><table><thead><tr>"
		    "<th class=\"l\">案号</th><th>日志序号</th><th>业务日期</th>"
		    "<th>记录日期</th><th>延迟</th><th>首次见证</th></tr></thead>"
		    "<tbody>");
		for (size_t i = 0; i < r->nbf && i < 50; i++) {
			const struct backfill *bf = &r->bf[i];

			rc |= buf_printf(b, "<tr><td class=\"l\"><a href=\"");
			rc |= href(b, "/case", "origin", bf->court, "case",
			    bf->case_no, query);
			rc |= buf_printf(b, "\">");
			rc |= h(b, bf->case_no);
			rc |= buf_printf(b, "</a></td><td>%llu</td><td>%s</td>"
			    "<td>%s</td><td class=\"bad\">%d 天</td><td>%s</td>"
			    "</tr>", (unsigned long long)bf->index, bf->date,
			    bf->recorded, bf->delay, bf->witnessed[0] ?
			    bf->witnessed : "—");
		}
		rc |= buf_printf(b, "</tbody></table>");
	}
	if (r->nnum > 0) {
		rc |= buf_printf(b, "<h2>案号编号问题</h2><ul>");
		for (size_t i = 0; i < r->nnum && i < 50; i++) {
			const struct numbering_issue *ni = &r->num[i];

			rc |= buf_printf(b, "<li>");
			rc |= h(b, render_court_name(&r->names, ni->court));
			rc |= buf_printf(b, " (%d)", ni->year);
			rc |= h(b, ni->type);
			if (ni->reused)
				rc |= buf_printf(b, " 第%u号 重复使用</li>",
				    ni->first);
			else
				rc |= buf_printf(b, " 缺号 %u–%u</li>", ni->first,
				    ni->last);
		}
		rc |= buf_printf(b, "</ul>");
	}
	rc |= buf_printf(b, "</section>\n");
	return rc;
}

static void
fmt_ago(int64_t s, char *out, size_t cap)
{
	if (s < 0)
		snprintf(out, cap, "从未");
	else if (s < 120)
		snprintf(out, cap, "%lld 秒前", (long long)s);
	else if (s < 7200)
		snprintf(out, cap, "%lld 分钟前", (long long)(s / 60));
	else if (s < 172800)
		snprintf(out, cap, "%lld 小时前", (long long)(s / 3600));
	else
		snprintf(out, cap, "%lld 天前", (long long)(s / 86400));
}

/* Unix seconds as China Standard Time, "2024-06-30 14:05:09". */
static void
fmt_cst(uint64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)(t + 8 * 3600);
	struct tm tm;

	if (t == 0) {
		snprintf(out, cap, "—");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

static int
html_sync_children(struct buf *b, const struct report *r)
{
	int rc = 0;
	char ago[64], ok[32], seen[32];

	rc |= buf_printf(b, "<section id=\"sync\"><h2>下级法院同步状态</h2>"
	    "<table><thead><tr><th class=\"l\">法院</th><th>最近上报成功</th>"
	    "<th>距今</th><th>最近请求</th><th>已收条目</th><th>最新检查点</th>"
	    "<th>滞后条目</th><th>请求数</th><th class=\"l\">最近错误</th>"
	    "<th>分叉告警</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < r->npeers; i++) {
		const struct peer_health *p = &r->peers[i];

		fmt_ago(since(r, p->last_ok), ago, sizeof(ago));
		fmt_cst(p->last_ok, ok, sizeof(ok));
		fmt_cst(p->last_seen, seen, sizeof(seen));
		rc |= buf_printf(b, "<tr><td class=\"l\">");
		rc |= h(b, render_court_name(&r->names, p->court));
		rc |= buf_printf(b, " <span class=\"muted\">");
		rc |= h(b, p->court);
		rc |= buf_printf(b, "</span></td><td>%s</td><td>%s</td><td>%s</td>"
		    "<td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td>"
		    "<td class=\"l%s\">", ok, ago, seen,
		    (unsigned long long)p->held,
		    (unsigned long long)p->checkpoint,
		    (unsigned long long)peer_lag(p),
		    (unsigned long long)p->requests,
		    p->last_error[0] ? " bad" : "");
		rc |= h(b, p->last_error[0] ? p->last_error : "—");
		rc |= buf_printf(b, "</td><td class=\"%s\">%llu</td></tr>\n",
		    p->equivocations ? "bad" : "", (unsigned long long)
		    p->equivocations);
	}
	if (r->npeers == 0)
		rc |= buf_printf(b, "<tr><td class=\"l\" colspan=\"10\">没有下级法院"
		    "上报记录</td></tr>");
	rc |= buf_printf(b, "</tbody></table></section>\n");
	return rc;
}

static int
html_sync_logs(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, "<section id=\"logs\"><h2>本节点所持日志</h2>");
	if (r->has_parent) {
		rc |= buf_printf(b, "<p>向上级上报: ");
		if (r->push_error[0]) {
			rc |= buf_printf(b, "<span class=\"bad\">最近错误 ");
			rc |= h(b, r->push_error);
			rc |= buf_printf(b, "</span>");
		} else {
			rc |= buf_printf(b, "<span class=\"ok\">无错误记录</span>");
		}
		rc |= buf_printf(b, "</p>");
	}
	rc |= buf_printf(b, "<table><thead><tr><th class=\"l\">日志</th>"
	    "<th>条目</th><th>最新检查点</th><th>上级已持有</th><th>待上报</th>"
	    "</tr></thead><tbody>\n");
	for (size_t i = 0; i < r->nlogs; i++) {
		const struct report_log *l = &r->logs[i];

		rc |= buf_printf(b, "<tr><td class=\"l\">");
		rc |= h(b, render_court_name(&r->names, l->origin));
		rc |= buf_printf(b, " <span class=\"muted\">");
		rc |= h(b, l->origin);
		rc |= buf_printf(b, "</span></td><td>%llu</td><td>%llu</td>",
		    (unsigned long long)l->size,
		    (unsigned long long)l->checkpoint);
		if (r->has_parent)
			rc |= buf_printf(b, "<td>%llu</td><td>%llu</td></tr>\n",
			    (unsigned long long)l->parent,
			    (unsigned long long)(l->size > l->parent ?
			    l->size - l->parent : 0));
		else
			rc |= buf_printf(b, "<td>—</td><td>—</td></tr>\n");
	}
	rc |= buf_printf(b, "</tbody></table></section>\n");
	return rc;
}

int
render_html_overview(struct buf *b, const struct report *r, const char *query)
{
	int rc = 0;

	rc |= page_begin(b, &r->names, &r->q, "总览", "/", query);
	rc |= query_form(b, r, "/");
	if (r->what & REPORT_INDICATORS)
		rc |= html_indicators(b, r);
	if (r->what & REPORT_WARNINGS)
		rc |= html_warnings_summary(b, r, query);
	if (r->what & REPORT_SYNC)
		rc |= html_sync_children(b, r);
	if (r->what & REPORT_INTEGRITY)
		rc |= html_integrity(b, r, query);
	rc |= page_end(b);
	return rc == 0 ? 0 : -1;
}

int
render_html_warnings(struct buf *b, const struct report *r, const char *query)
{
	int rc = 0;

	rc |= page_begin(b, &r->names, &r->q, "预警", "/warnings", query);
	rc |= query_form(b, r, "/warnings");
	if (r->what & REPORT_LIST) {
		rc |= buf_printf(b, "<section id=\"list\"><h2>预警清单: ");
		rc |= h(b, r->list_rule[0] ? report_rule_zh(r, r->list_rule) :
		    "全部规则");
		rc |= buf_printf(b, " · ");
		rc |= h(b, r->list_court[0] ? render_court_name(&r->names,
		    r->list_court) : render_court_name(&r->names, r->q.scope));
		rc |= buf_printf(b, " <span class=\"muted\">共 %llu 件%s</span>"
		    "</h2>", (unsigned long long)r->list_total,
		    r->list_total > r->nlist ? "，仅列出前一部分" : "");
		rc |= html_warning_rows(b, r, r->list, r->nlist, query);
		rc |= buf_printf(b, "</section>\n");
	}
	if (r->what & REPORT_WARNINGS) {
		rc |= html_warnings_summary(b, r, query);
		if (r->ntop > 0) {
			rc |= buf_printf(b, "<section id=\"top\"><h2>超期最久的"
			    " %zu 件</h2>", r->ntop);
			rc |= html_warning_rows(b, r, r->top, r->ntop, query);
			rc |= buf_printf(b, "</section>\n");
		}
	}
	rc |= page_end(b);
	return rc == 0 ? 0 : -1;
}

int
render_html_sync(struct buf *b, const struct report *r, const char *query)
{
	int rc = 0;

	rc |= page_begin(b, &r->names, &r->q, "同步状态", "/sync", query);
	rc |= html_sync_children(b, r);
	rc |= html_sync_logs(b, r);
	rc |= page_end(b);
	return rc == 0 ? 0 : -1;
}

int
render_html_error(struct buf *b, const char *title, const char *message)
{
	int rc = 0;

	rc |= buf_printf(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head>"
	    "<meta charset=\"utf-8\"><title>");
	rc |= h(b, title);
	rc |= buf_printf(b, "</title><style>%s</style></head><body><main>"
	    "<section><h2>", css);
	rc |= h(b, title);
	rc |= buf_printf(b, "</h2><p>");
	rc |= h(b, message);
	rc |= buf_printf(b, "</p><p><a href=\"/\">返回总览</a></p></section>"
	    "</main></body></html>\n");
	return rc == 0 ? 0 : -1;
}

/* ---- a case's timeline ---- */

static const char *const event_zh[][2] = {
	{ "case_filed", "立案" },
	{ "handler_assigned", "确定承办人" },
	{ "triage_decided", "繁简分流" },
	{ "node_done", "流程节点" },
	{ "funds_received", "案款到账" },
	{ "funds_paid", "案款发放" },
	{ "extension_approved", "延长审限" },
	{ "suspension_started", "中止执行" },
	{ "suspension_ended", "中止结束" },
	{ "case_closed", "结案" },
	{ "warning_acknowledged", "预警督办" },
	{ "correction", "更正" },
};

static const char *
event_type_zh(const char *type)
{
	for (size_t i = 0; i < sizeof(event_zh) / sizeof(event_zh[0]); i++)
		if (strcmp(event_zh[i][0], type) == 0)
			return event_zh[i][1];
	return type;
}

struct tl_loader {
	struct timeline	*t;
	struct store	*st;
	int64_t		 log;
	size_t		 cap;
	struct buf	 entry;
	struct event	*ev;		/* room for an event and a replacement */
	bool		 failed;
	char		 err[256];
};

/* Copies s into out[cap], cutting at a character boundary. */
static void
utf8_copy(char *out, size_t cap, const char *s)
{
	size_t n = cs_strlcpy(out, s, cap);

	if (n < cap)
		return;
	n = cap - 1;
	while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
		n--;
	out[n] = '\0';
}

/* A short zh description of the event from its body. */
static void
describe(struct tl_loader *l, struct timeline_event *te)
{
	struct entry e;
	struct event *ev = l->ev;
	char err[256], money[32];
	const char *zh = event_type_zh(te->type);

	snprintf(te->what, sizeof(te->what), "%s", zh);
	if (store_entry_get(l->st, l->log, te->index, &l->entry, NULL, err,
	    sizeof(err)) == -1 ||
	    entry_decode(l->entry.p, l->entry.len, &e, err, sizeof(err)) == -1)
		return;
	memset(ev, 0, 2 * sizeof(*ev));
	ev->replacement = &ev[1];
	if (event_decode_body(e.type, e.body, e.bodylen, ev, err,
	    sizeof(err)) == -1)
		return;
	if (ev->f[F_NODE].present)
		snprintf(te->what, sizeof(te->what), "%s",
		    field_token_zh(F_NODE, ev->f[F_NODE].s));
	else if (ev->f[F_MODE].present)
		snprintf(te->what, sizeof(te->what), "%s: %s", zh,
		    field_token_zh(F_MODE, ev->f[F_MODE].s));
	else if (ev->f[F_AMOUNT].present) {
		fen_format(ev->f[F_AMOUNT].u, money, sizeof(money));
		snprintf(te->what, sizeof(te->what), "%s %s 元", zh, money);
	} else if (ev->f[F_CORRECTS].present)
		snprintf(te->what, sizeof(te->what), "%s 第 %llu 条%s", zh,
		    (unsigned long long)ev->f[F_CORRECTS].u,
		    ev->has_replacement ? " (替换)" : " (作废)");
	else if (ev->f[F_RULE].present || ev->f[F_TRACK].present ||
	    ev->f[F_HANDLER].present) {
		char tmp[CS_TEXT_MAX + 64];

		snprintf(tmp, sizeof(tmp), "%s: %s", zh, ev->f[F_RULE].present ?
		    ev->f[F_RULE].s : ev->f[F_TRACK].present ?
		    field_token_zh(F_TRACK, ev->f[F_TRACK].s) :
		    ev->f[F_HANDLER].s);
		utf8_copy(te->what, sizeof(te->what), tmp);
	}
}

static int
on_witness(void *arg, int ncol, const char *const *v)
{
	struct timeline_event *te = arg;

	if (ncol < 2 || v[0] == NULL || !court_path_valid(v[0]))
		return 0;
	te->levels |= 1u << path_depth(v[0]);
	if (te->nwitnesses < 4) {
		cs_strlcpy(te->witnesses[te->nwitnesses], v[0], CS_ORIGIN_MAX);
		te->witnessed_at[te->nwitnesses] = v[1] != NULL ?
		    strtoull(v[1], NULL, 10) : 0;
		te->nwitnesses++;
	}
	return 0;
}

static int
on_event_row(void *arg, int ncol, const char *const *v)
{
	struct tl_loader *l = arg;
	struct timeline *t = l->t;
	struct timeline_event te;
	char idx[24], logid[24];
	const char *args[2];
	time_t day;
	struct tm tm;

	if (ncol < 5 || v[0] == NULL || v[1] == NULL || v[3] == NULL)
		return 0;
	memset(&te, 0, sizeof(te));
	te.index = strtoull(v[0], NULL, 10);
	cs_strlcpy(te.type, v[1], sizeof(te.type));
	cs_strlcpy(te.date, v[2] != NULL ? v[2] : "", sizeof(te.date));
	te.time = strtoull(v[3], NULL, 10);
	te.corrected_by = v[4] != NULL ? strtoll(v[4], NULL, 10) : -1;
	day = (time_t)(te.time + 8 * 3600);	/* the CST day, as the fold */
	gmtime_r(&day, &tm);
	strftime(te.recorded, sizeof(te.recorded), "%Y-%m-%d", &tm);
	if (date_valid(te.date))
		te.delay = (int)(date_days(te.recorded) - date_days(te.date));
	te.backfilled = te.delay >= RENDER_BACKFILL_DAYS;
	describe(l, &te);
	/* The smallest checkpoint covering the entry: signed by the origin,
	 * so its own level has seen it. */
	if (store_checkpoint_next(l->st, l->log, te.index, te.index + 1,
	    &te.checkpoint, l->err, sizeof(l->err)) == -1)
		goto fail;
	if (te.checkpoint <= te.index)
		te.checkpoint = 0;
	if (te.checkpoint > 0)
		te.levels |= 1u << t->level;
	/* Every court that cosigned a checkpoint covering it, highest first,
	 * with its first such cosignature. */
	snprintf(logid, sizeof(logid), "%lld", (long long)l->log);
	snprintf(idx, sizeof(idx), "%llu", (unsigned long long)te.index);
	args[0] = logid;
	args[1] = idx;
	if (store_query(l->st, "SELECT witness, MIN(time) FROM cosigs WHERE"
	    " log = ?1 AND size > CAST(?2 AS INTEGER) GROUP BY witness"
	    " ORDER BY length(witness), witness", args, 2, on_witness, &te,
	    l->err, sizeof(l->err)) == -1)
		goto fail;
	if (vec_push((void **)&t->ev, &t->nev, &l->cap, sizeof(te), &te) == -1) {
		snprintf(l->err, sizeof(l->err), "out of memory");
		goto fail;
	}
	return 0;
fail:
	l->failed = true;
	return 1;
}

int
timeline_load(struct timeline *t, struct store *st, const char *origin,
    const char *case_no, char *err, size_t errlen)
{
	struct tl_loader l;
	struct store_log sl;
	struct case_no cn;
	char cno[CS_CASE_MAX], logid[24];
	const char *args[2];
	int r, ret = -1;

	memset(t, 0, sizeof(*t));
	memset(&l, 0, sizeof(l));
	if (!court_path_valid(origin)) {
		ERR("origin: \"%s\" is not a court path", origin);
		return 0;
	}
	if (case_no_parse(case_no, &cn, err, errlen) == -1)
		return 0;
	case_no_format(&cn, cno, sizeof(cno));
	cs_strlcpy(t->origin, origin, sizeof(t->origin));
	t->level = path_depth(origin);
	if ((r = store_log_get(st, origin, false, &sl, err, errlen)) != 1) {
		if (r == 0)
			ERR("no log of %s is held here", origin);
		return r;
	}
	t->log_size = sl.size;
	if ((r = store_case_get(st, sl.id, cno, &t->cs, err, errlen)) != 1) {
		if (r == 0)
			ERR("case %s is not in the log of %s", cno, origin);
		return r;
	}
	l.t = t;
	l.st = st;
	l.log = sl.id;
	buf_init(&l.entry, CS_ENTRY_MAX);
	if ((l.ev = calloc(2, sizeof(*l.ev))) == NULL) {
		ERR("out of memory");
		goto out;
	}
	snprintf(logid, sizeof(logid), "%lld", (long long)sl.id);
	args[0] = logid;
	args[1] = cno;
	if (store_query(st, "SELECT idx, type, date, time, corrected_by FROM"
	    " events WHERE log = ?1 AND case_no = ?2 ORDER BY idx", args, 2,
	    on_event_row, &l, err, errlen) == -1)
		goto out;
	if (l.failed) {
		ERR("case %s: %s", cno, l.err);
		goto out;
	}
	ret = 1;
out:
	free(l.ev);
	buf_free(&l.entry);
	return ret;
}

void
timeline_free(struct timeline *t)
{
	free(t->ev);
	memset(t, 0, sizeof(*t));
}

static void
iso_utc(uint64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
render_json_case(struct buf *b, const struct timeline *t,
    const struct render_names *names)
{
	const struct case_state *cs = &t->cs;
	int rc = 0;
	char when[32];

	rc |= buf_printf(b, "{\"origin\":");
	rc |= js(b, t->origin);
	rc |= buf_printf(b, ",\"name\":");
	rc |= js(b, render_court_name(names, t->origin));
	rc |= buf_printf(b, ",\"case\":");
	rc |= js(b, cs->case_no);
	rc |= buf_printf(b, ",\"type\":");
	rc |= js(b, cs->type);
	rc |= buf_printf(b, ",\"filed\":\"%s\",\"applicant\":", cs->filed);
	rc |= js(b, cs->applicant);
	rc |= buf_printf(b, ",\"respondent\":");
	rc |= js(b, cs->respondent);
	rc |= buf_printf(b, ",\"claimed\":%llu,\"arrived\":%llu,\"paid\":%llu,"
	    "\"closed\":", (unsigned long long)cs->claimed,
	    (unsigned long long)cs->arrived, (unsigned long long)cs->paid);
	if (cs->closed[0] != '\0')
		rc |= buf_printf(b, "\"%s\"", cs->closed);
	else
		rc |= buf_printf(b, "null");
	rc |= buf_printf(b, ",\"mode\":");
	if (cs->mode[0] != '\0')
		rc |= js(b, cs->mode);
	else
		rc |= buf_printf(b, "null");
	rc |= buf_printf(b, ",\"log_size\":%llu,\"backfill_days\":%d,"
	    "\"events\":[", (unsigned long long)t->log_size,
	    RENDER_BACKFILL_DAYS);
	for (size_t i = 0; i < t->nev; i++) {
		const struct timeline_event *e = &t->ev[i];
		bool first = true;

		iso_utc(e->time, when);
		rc |= buf_printf(b, "%s{\"index\":%llu,\"type\":", i ? ",\n " : "",
		    (unsigned long long)e->index);
		rc |= js(b, e->type);
		rc |= buf_printf(b, ",\"what\":");
		rc |= js(b, e->what);
		rc |= buf_printf(b, ",\"date\":\"%s\",\"recorded_at\":\"%s\","
		    "\"recorded\":\"%s\",\"delay\":%d,\"backfilled\":%s,"
		    "\"corrected_by\":", e->date, when, e->recorded, e->delay,
		    e->backfilled ? "true" : "false");
		if (e->corrected_by >= 0)
			rc |= buf_printf(b, "%lld", (long long)e->corrected_by);
		else
			rc |= buf_printf(b, "null");
		rc |= buf_printf(b, ",\"checkpoint\":");
		if (e->checkpoint > 0)
			rc |= buf_printf(b, "%llu",
			    (unsigned long long)e->checkpoint);
		else
			rc |= buf_printf(b, "null");
		rc |= buf_printf(b, ",\"levels\":[");
		for (int lv = 4; lv >= 1; lv--)
			if (e->levels & (1u << lv)) {
				rc |= buf_printf(b, "%s%d", first ? "" : ",", lv);
				first = false;
			}
		rc |= buf_printf(b, "],\"witnesses\":[");
		for (size_t w = 0; w < e->nwitnesses; w++) {
			iso_utc(e->witnessed_at[w], when);
			rc |= buf_printf(b, "%s{\"court\":", w ? "," : "");
			rc |= js(b, e->witnesses[w]);
			rc |= buf_printf(b, ",\"level\":%d,\"first_cosigned\":"
			    "\"%s\"}", path_depth(e->witnesses[w]), when);
		}
		rc |= buf_printf(b, "]}");
	}
	rc |= buf_printf(b, "]}\n");
	return rc == 0 ? 0 : -1;
}

/* The events on a date axis; back-filled ones in red, at their business
 * date, with a line to the day they were recorded. */
static int
svg_timeline(struct buf *b, const struct timeline *t)
{
	const int x0 = 40, w = 1000, y = 50;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	int rc = 0;

	for (size_t i = 0; i < t->nev; i++) {
		const struct timeline_event *e = &t->ev[i];
		int64_t d = date_valid(e->date) ? date_days(e->date) : 0;
		int64_t r = date_days(e->recorded);

		if (d != 0 && d < lo)
			lo = d;
		if (d > hi)
			hi = d;
		if (r > hi)
			hi = r;
	}
	if (t->nev == 0 || lo > hi)
		return 0;
	if (hi == lo)
		hi = lo + 1;
	rc |= buf_printf(b, "<svg id=\"chart-timeline\" xmlns=\"http://www.w3.org/2000/svg\""
	    " width=\"1080\" height=\"110\" viewBox=\"0 0 1080 110\" role=\"img\""
	    " aria-label=\"时间轴\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\""
	    " stroke=\"#889\"/>", x0, y, x0 + w, y);
	for (int k = 0; k < 2; k++) {
		char d[11];

		date_from_days(k == 0 ? lo : hi, d);
		rc |= buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\""
		    " text-anchor=\"%s\" fill=\"#667\">%s</text>", k == 0 ? x0 :
		    x0 + w, y + 40, k == 0 ? "start" : "end", d);
	}
	for (size_t i = 0; i < t->nev; i++) {
		const struct timeline_event *e = &t->ev[i];
		int64_t d = date_valid(e->date) ? date_days(e->date) : lo;
		double x = x0 + (double)w * (double)(d - lo) / (double)(hi - lo);

		rc |= buf_printf(b, "<g class=\"event\"><title>#%llu ",
		    (unsigned long long)e->index);
		rc |= h(b, e->what);
		rc |= buf_printf(b, " %s</title>", e->date);
		if (e->backfilled) {
			double xr = x0 + (double)w * (double)(date_days(
			    e->recorded) - lo) / (double)(hi - lo);

			rc |= buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\""
			    " y2=\"%d\" stroke=\"#c92a2a\" stroke-dasharray=\"3 2\"/>"
			    "<rect x=\"%.1f\" y=\"%d\" width=\"6\" height=\"6\""
			    " fill=\"#c92a2a\"/>", x, y, xr, y + 18, xr - 3,
			    y + 15);
		}
		rc |= buf_printf(b, "<circle cx=\"%.1f\" cy=\"%d\" r=\"6\""
		    " fill=\"%s\" stroke=\"#fff\"/><text x=\"%.1f\" y=\"%d\""
		    " font-size=\"10\" text-anchor=\"middle\">%llu</text></g>",
		    x, y, e->backfilled ? "#c92a2a" : e->corrected_by >= 0 ?
		    "#99a" : "#1c5fb0", x, (i % 2) ? y + 30 : y - 12,
		    (unsigned long long)e->index);
	}
	rc |= buf_printf(b, "</svg>\n");
	return rc;
}

int
render_html_case(struct buf *b, const struct timeline *t,
    const struct render_names *names, const char *query)
{
	const struct case_state *cs = &t->cs;
	char claimed[32], arrived[32], paid[32], when[32];
	int rc = 0;

	(void)query;
	fen_format(cs->claimed, claimed, sizeof(claimed));
	fen_format(cs->arrived, arrived, sizeof(arrived));
	fen_format(cs->paid, paid, sizeof(paid));
	rc |= page_begin(b, names, NULL, cs->case_no, "", query);
	rc |= buf_printf(b, "<section id=\"case\"><h2>");
	rc |= h(b, cs->case_no);
	rc |= buf_printf(b, " <span class=\"muted\">");
	rc |= h(b, render_court_name(names, t->origin));
	rc |= buf_printf(b, "</span></h2><table><tbody><tr><td class=\"l\">立案"
	    " %s</td><td class=\"l\">申请执行人 ", cs->filed);
	rc |= h(b, cs->applicant);
	rc |= buf_printf(b, "</td><td class=\"l\">被执行人 ");
	rc |= h(b, cs->respondent);
	rc |= buf_printf(b, "</td><td class=\"l\">申请标的 %s 元</td>"
	    "<td class=\"l\">到账 %s 元 · 发放 %s 元</td><td class=\"l\">",
	    claimed, arrived, paid);
	if (cs->closed[0] != '\0') {
		rc |= buf_printf(b, "已结 %s ", cs->closed);
		rc |= h(b, field_token_zh(F_MODE, cs->mode));
	} else {
		rc |= buf_printf(b, "未结");
	}
	rc |= buf_printf(b, "</td></tr></tbody></table><p><a href=\"/proof?origin=");
	rc |= render_url_encode(b, t->origin);
	rc |= buf_printf(b, "&amp;case=");
	rc |= render_url_encode(b, cs->case_no);
	rc |= buf_printf(b, "\" download=\"case.proof\">下载本案证明文件 (case proof)</a>"
	    " <span class=\"muted\">可离线核验: courtsync audit --proof</span></p>"
	    "</section>\n"
	    "<section id=\"timeline\"><h2>时间线 <span class=\"muted\">日志"
	    " %llu 条; 记录晚于业务日期 %d 天以上为补录</span></h2>",
	    (unsigned long long)t->log_size, RENDER_BACKFILL_DAYS);
	rc |= svg_timeline(b, t);
	rc |= buf_printf(b, "<table><thead><tr><th>日志序号</th><th>业务日期</th>"
	    "<th>记录时间 (北京时间)</th><th class=\"l\">事件</th>"
	    "<th class=\"l\">补录</th><th>覆盖检查点</th>"
	    "<th class=\"l\">见证层级</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < t->nev; i++) {
		const struct timeline_event *e = &t->ev[i];

		fmt_cst(e->time, when, sizeof(when));
		rc |= buf_printf(b, "<tr><td>%llu</td><td>%s</td><td>%s</td>"
		    "<td class=\"l\">", (unsigned long long)e->index, e->date,
		    when);
		rc |= h(b, e->what);
		if (e->corrected_by >= 0)
			rc |= buf_printf(b, " <span class=\"muted\">(已被第"
			    " %lld 条更正)</span>", (long long)e->corrected_by);
		rc |= buf_printf(b, "</td><td class=\"l\">");
		if (e->backfilled)
			rc |= buf_printf(b, "<span class=\"badge bf\">补录 晚 %d"
			    " 天</span>", e->delay);
		else
			rc |= buf_printf(b, "<span class=\"muted\">—</span>");
		rc |= buf_printf(b, "</td><td>");
		if (e->checkpoint > 0)
			rc |= buf_printf(b, "%llu", (unsigned long long)
			    e->checkpoint);
		else
			rc |= buf_printf(b, "<span class=\"muted\">未签</span>");
		rc |= buf_printf(b, "</td><td class=\"l\">");
		for (int lv = 4; lv >= 1; lv--)
			rc |= buf_printf(b, "<span class=\"badge%s\">%s</span>",
			    e->levels & (1u << lv) ? "" : " no",
			    lv == 4 ? "基层" : lv == 3 ? "中级" : lv == 2 ? "高级" :
			    "最高");
		rc |= buf_printf(b, "</td></tr>\n");
	}
	rc |= buf_printf(b, "</tbody></table></section>\n");
	rc |= page_end(b);
	return rc == 0 ? 0 : -1;
}
