/*
 * render.c — every view's output from one reading of the query layer
 * (render.h): reading the views into a struct report, names and queries,
 * and `courtsync report`'s text tables.  JSON and Prometheus text are in
 * render_json.c, the dashboard's HTML in render_html.c, a case's timeline
 * in render_case.c (render_int.h is what they share).
 *
 * Nothing here computes an indicator or decides a warning: views.h does,
 * once, and every renderer draws the same struct report.  Reads beyond
 * views.h go through the store's read helpers (logs, cursors, checkpoints,
 * cosignatures, events of one case).
 */
#include "render_int.h"

/* ---- the seven indicators and their counts ---- */



const struct ind_def render_ind_defs[NIND] = {
	{ "closure_rate",	 "结案率",		IK_RATE },
	{ "completion_rate",	 "执行完毕率",		IK_RATE },
	{ "recovery_rate",	 "执行到位率",		IK_RATE },
	{ "within_limit_rate",	 "审限内结案率",	IK_RATE },
	{ "first_zhongben_rate", "首执案件终本率",	IK_RATE },
	{ "over_12m_ratio",	 "超12个月未结案件比",	IK_RATE },
	{ "avg_days",		 "平均结案时间",	IK_DAYS },
};

/* The value of indicator k, and whether it is defined (its denominator is
 * not zero).  The value is views.h's; only definedness is decided here. */
bool
render_ind_get(const struct indicators *in, size_t k, double *v)
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


const struct count_def render_count_defs[NCOUNT] = {
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

uint64_t
render_count_get(const struct indicators *in, size_t k)
{
	uint64_t v;

	memcpy(&v, (const char *)in + render_count_defs[k].off, sizeof(v));
	return v;
}

static const char *const level_zh[] = {
	"合计", "最高人民法院", "高级人民法院", "中级人民法院", "基层人民法院"
};

const char *
render_level_name(int level)
{
	return level >= 0 && level <= 4 ? level_zh[level] : "?";
}

/* "64.67%", "77.83 天" or "—". */
void
render_ind_format(const struct indicators *in, size_t k, char *out, size_t cap)
{
	double v;

	if (!render_ind_get(in, k, &v) || !isfinite(v))
		snprintf(out, cap, "—");
	else if (render_ind_defs[k].kind == IK_RATE)
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
		if (dst == q->as_of)
			views_query_as_of(q, value);	/* and its half-year */
		else
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

int
render_path_depth(const char *p)
{
	int d = 1;

	for (; *p; p++)
		d += *p == '/';
	return d;
}

/* ---- reading the views ---- */

/* Appends one element to a growing array; -1 when out of memory. */
int
render_vec_push(void **p, size_t *n, size_t *cap, size_t size, const void *elem)
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
	if (render_vec_push((void **)&l->r->ind, &l->r->nind, &l->cap_ind, sizeof(ri),
	    &ri) == -1) {
		l->oom = true;
		return -1;
	}
	return 0;
}

/* Courts first (tree order), then levels (1..4), then the total. */
int
render_ind_class(const struct report_ind *a)
{
	if (a->level == 0)
		return 2;
	return strncmp(a->in.court, "level ", 6) == 0 ? 1 : 0;
}

static int
ind_cmp(const void *pa, const void *pb)
{
	const struct report_ind *a = pa, *b = pb;
	int ca = render_ind_class(a), cb = render_ind_class(b);

	if (ca != cb)
		return ca - cb;
	if (ca == 1)
		return a->level - b->level;
	return path_cmp(a->in.court, b->in.court);
}

static int
on_wcount(void *arg, const struct warning_count *c)
{
	struct loader *l = arg;
	struct report *r = l->r;
	struct report_wcount wc;

	memset(&wc, 0, sizeof(wc));
	cs_strlcpy(wc.court, c->court, sizeof(wc.court));
	cs_strlcpy(wc.rule, c->rule, sizeof(wc.rule));
	wc.due_soon = c->due_soon;
	wc.overdue = c->overdue;
	wc.acked = c->acked;
	r->due_soon += c->due_soon;
	r->overdue += c->overdue;
	r->acked += c->acked;
	if (render_vec_push((void **)&r->wc, &r->nwc, &l->cap_wc, sizeof(wc),
	    &wc) == -1) {
		l->oom = true;
		return -1;
	}
	return 0;
}

static int
on_top(void *arg, const struct warning *w, const char *detail)
{
	struct report *r = ((struct loader *)arg)->r;

	(void)detail;
	if (r->ntop < RENDER_TOP)
		r->top[r->ntop++] = *w;
	return 0;
}

static int
on_list(void *arg, const struct warning *w, const char *detail)
{
	struct loader *l = arg;

	(void)detail;
	if (render_vec_push((void **)&l->r->list, &l->r->nlist, &l->cap_list,
	    sizeof(*w), w) == -1) {
		l->oom = true;
		return -1;
	}
	return 0;
}

static void
list_limits(struct report *r, const struct report_list *list)
{
	r->list_offset = list != NULL ? list->offset : 0;
	r->list_limit = list != NULL && list->limit > 0 &&
	    list->limit < RENDER_LIST_MAX ? list->limit : RENDER_LIST_MAX;
}

/* The same from the warning windows the node maintains: counts from an
 * index, the pages from the first rows of ordered ranges. */
static int
load_warnings_kept(struct loader *l, const struct view_query *q,
    const struct report_list *list, char *err, size_t errlen)
{
	struct report *r = l->r;
	struct warning_filter top = { NULL, NULL, true };
	struct warning_filter f = { r->list_rule, r->list_court, false };

	if ((r->what & REPORT_WARNINGS) &&
	    (views_warning_counts(l->st, q, on_wcount, l, err, errlen) != 0 ||
	    views_warning_page(l->st, q, &top, 0, RENDER_TOP, on_top, l, NULL,
	    err, errlen) != 0))
		return -1;
	if (r->what & REPORT_LIST) {
		list_limits(r, list);
		if (views_warning_page(l->st, q, &f, r->list_offset,
		    r->list_limit, on_list, l, &r->list_total, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Counts per court and rule, the most overdue, and the page asked for:
 * one reading of the warnings (views_warnings_load). */
static int
load_warnings(struct loader *l, const struct view_query *q,
    const struct report_list *list, char *err, size_t errlen)
{
	struct report *r = l->r;
	struct warning_set *ws;
	struct warning_filter top = { NULL, NULL, true };
	struct warning_filter f;
	int ret = -1;

	if (!q->recompute)
		return load_warnings_kept(l, q, list, err, errlen);
	if (views_warnings_load(l->st, q, &ws, err, errlen) == -1)
		return -1;
	if ((r->what & REPORT_WARNINGS) &&
	    (views_warnings_counts(ws, on_wcount, l) != 0 ||
	    views_warnings_page(ws, &top, 0, RENDER_TOP, on_top, l,
	    NULL) != 0))
		goto out;
	if (r->what & REPORT_LIST) {
		f.rule = r->list_rule;
		f.court = r->list_court;
		f.overdue_only = false;
		list_limits(r, list);
		if (views_warnings_page(ws, &f, r->list_offset, r->list_limit,
		    on_list, l, &r->list_total) != 0)
			goto out;
	}
	ret = 0;
out:
	if (ret == -1)
		l->oom = true;
	views_warnings_free(ws);
	return ret;
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
	    render_vec_push((void **)&r->num, &r->nnum, &l->cap_num, sizeof(*i),
	    i) == -1) {
		l->oom = true;
		return -1;
	}
	return 0;
}

static int
on_bcount(void *arg, const char *court, uint64_t events, int max_delay)
{
	struct loader *l = arg;
	struct report *r = l->r;
	struct report_bcount c;

	memset(&c, 0, sizeof(c));
	cs_strlcpy(c.court, court, sizeof(c.court));
	c.events = events;
	c.max_delay = max_delay;
	r->bf_total += events;
	if (render_vec_push((void **)&r->bc, &r->nbc, &l->cap_bc, sizeof(c),
	    &c) == -1) {
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

	if (render_vec_push((void **)&r->bf, &r->nbf, &l->cap_bf, sizeof(*b), b) == -1) {
		l->oom = true;
		return -1;
	}
	return 0;
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
	if (render_vec_push((void **)&l->r->peers, &l->r->npeers, &l->cap_peers,
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
	if (render_vec_push((void **)&l->r->logs, &l->r->nlogs, &l->cap_logs,
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
render_report_load(struct report *r, struct store *st, const struct view_query *q,
    const struct render_names *names, uint64_t now, unsigned what,
    const struct report_list *list, char *err, size_t errlen)
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
	if (list != NULL && list->rule != NULL)
		cs_strlcpy(r->list_rule, list->rule, sizeof(r->list_rule));
	if (list != NULL && list->court != NULL)
		cs_strlcpy(r->list_court, list->court, sizeof(r->list_court));
	if (views_rules(st, &r->rules, &r->nrules, err, errlen) == -1)
		return -1;
	if ((what & REPORT_INDICATORS) &&
	    views_indicators(st, q, on_indicators, &l, err, errlen) == -1)
		goto fail;
	if (r->nind > 0)
		qsort(r->ind, r->nind, sizeof(*r->ind), ind_cmp);
	for (r->ncourts = 0; r->ncourts < r->nind &&
	    render_ind_class(&r->ind[r->ncourts]) == 0; r->ncourts++)
		;
	if ((what & (REPORT_WARNINGS | REPORT_LIST)) &&
	    load_warnings(&l, q, list, err, errlen) == -1)
		goto fail;
	wc_merge(r);
	if ((what & REPORT_INTEGRITY) &&
	    (views_numbering(st, q, on_numbering, &l, err, errlen) == -1 ||
	    views_backfill_counts(st, q, RENDER_BACKFILL_DAYS, on_bcount, &l,
	    err, errlen) == -1 ||
	    views_backfill_top(st, q, RENDER_BACKFILL_DAYS, RENDER_ITEMS_MAX,
	    on_backfill, &l, err, errlen) == -1))
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
render_report_free(struct report *r)
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
render_report_rule_zh(const struct report *r, const char *rule)
{
	for (size_t i = 0; i < r->nrules; i++)
		if (strcmp(r->rules[i].id, rule) == 0)
			return r->rules[i].zh;
	return rule;
}


size_t
render_rule_totals(const struct report *r, struct rule_total **out)
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

const char *
render_state_key(enum warning_state s)
{
	return s == WARN_OVERDUE ? "overdue" : "due_soon";
}

const char *
render_state_zh(enum warning_state s)
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
		    (unsigned long long)render_count_get(in, k));
		rc |= cell(b, v, 6, true);
	}
	for (size_t k = 0; k < NIND; k++) {
		render_ind_format(in, k, v, sizeof(v));
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
		rc |= cell(b, render_ind_defs[k].zh, k == NIND - 1 ? 13 : k == 5 ? 18 :
		    14, true);
	rc |= buf_append(b, "\n", 1);
	for (size_t i = 0; i < r->nind; i++) {
		const struct report_ind *ri = &r->ind[i];
		int depth = render_path_depth(ri->in.court) - render_path_depth(r->q.scope);
		int cls = render_ind_class(ri);

		if (cls == 0) {
			snprintf(label, sizeof(label), "%*s%s", depth > 0 ?
			    2 * depth : 0, "", render_court_name(&r->names,
			    ri->in.court));
			snprintf(lv, sizeof(lv), "%d", ri->level);
		} else if (cls == 1) {
			if (i == r->ncourts)
				rc |= buf_append(b, "\n", 1);
			snprintf(label, sizeof(label), "%s 合计",
			    render_level_name(ri->level));
			snprintf(lv, sizeof(lv), "%d", ri->level);
		} else {
			snprintf(label, sizeof(label), "总计 %s", ri->in.court);
			snprintf(lv, sizeof(lv), "-");
		}
		rc |= text_ind_row(b, label, lv, &ri->in);
	}
	return rc;
}

static int text_warning_rows(struct buf *b, const struct report *r,
    const struct warning *ws, size_t n);

static int
text_warnings(struct buf *b, const struct report *r)
{
	struct rule_total *t;
	size_t n = render_rule_totals(r, &t);
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
		    render_report_rule_zh(r, t[i].rule), t[i].rule);
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
		rc |= text_warning_rows(b, r, r->top, r->ntop);
	}
	if (r->what & REPORT_LIST) {
		rc |= buf_printf(b, "\n预警清单 (%s, %s): 共 %llu 件, 第 %zu–%zu 件"
		    " (超期在前, 按天数):\n", r->list_rule[0] ? r->list_rule :
		    "全部规则", r->list_court[0] ? r->list_court : r->q.scope,
		    (unsigned long long)r->list_total,
		    r->nlist > 0 ? r->list_offset + 1 : r->list_offset,
		    r->list_offset + r->nlist);
		rc |= text_warning_rows(b, r, r->list, r->nlist);
	}
	return rc;
}

/* Warnings one per line: court, case, rule, deadline, days, acknowledged. */
static int
text_warning_rows(struct buf *b, const struct report *r,
    const struct warning *ws, size_t n)
{
	char v[32];
	int rc = 0;

	{
		rc |= cell(b, "法院", 22, false);
		rc |= cell(b, "案号", 28, false);
		rc |= cell(b, "规则", 24, false);
		rc |= cell(b, "期限", 10, false);
		rc |= cell(b, "天数", 8, true);
		rc |= buf_append(b, " 状态 督办\n", strlen(" 状态 督办\n"));
		for (size_t i = 0; i < n; i++) {
			const struct warning *w = &ws[i];

			rc |= cell(b, render_court_name(&r->names, w->court), 22,
			    false);
			rc |= cell(b, w->case_no, 28, false);
			rc |= cell(b, render_report_rule_zh(r, w->rule), 24, false);
			rc |= cell(b, w->deadline, 10, false);
			snprintf(v, sizeof(v), "%d", w->days);
			rc |= cell(b, v, 8, true);
			rc |= buf_printf(b, " %s %s%s\n", w->state == WARN_OVERDUE ?
			    "超期" : "临期", w->acked ? "已督办 " : "-",
			    w->acked ? w->ack_by : "");
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

