/*
 * dashboard.c — the dashboard listener's routes (dashboard.h): parses the
 * query (as_of, from, to, scope, types), reads the views once per request
 * (render_report_load) on the dashboard's own database connection, and answers
 * with the renderer the path asks for.  Only GET; every handler answers
 * once, on one exit path.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "courtsync/json.h"
#include "dashboard.h"
#include "proof.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

#define CT_HTML		"text/html; charset=utf-8"
#define CT_JSON		"application/json; charset=utf-8"
#define CT_METRICS	"text/plain; version=0.0.4; charset=utf-8"

enum view {
	V_OVERVIEW, V_WARNINGS, V_CASE, V_SYNC,
	V_API_INDICATORS, V_API_WARNINGS, V_API_CASE, V_API_SYNC, V_METRICS,
	V_PROOF, V_LOGIN, V_LOGOUT, V_ACK
};
_Static_assert(V_ACK + 1 == DASHBOARD_ROUTES, "one route per view");

static const struct {
	const char	*path;
	enum view	 view;
} routes[] = {
	{ "/", V_OVERVIEW },
	{ "/warnings", V_WARNINGS },
	{ "/case", V_CASE },
	{ "/sync", V_SYNC },
	{ "/api/indicators", V_API_INDICATORS },
	{ "/api/warnings", V_API_WARNINGS },
	{ "/api/case", V_API_CASE },
	{ "/api/sync", V_API_SYNC },
	{ "/metrics", V_METRICS },
	{ "/proof", V_PROOF },
	{ "/login", V_LOGIN },
	{ "/logout", V_LOGOUT },
	{ "/ack", V_ACK },
};
_Static_assert(sizeof(routes) / sizeof(routes[0]) == DASHBOARD_ROUTES,
    "a route for every view, and room for each");

/* One request's answer. */
struct answer {
	int		 status;
	const char	*ctype;
	struct buf	 body;
};

static bool
is_html(enum view v)
{
	return v <= V_SYNC;
}

/* An error in the form of the view: an HTML page, JSON or plain text. */
static void
fail(struct answer *a, enum view v, int status, const char *msg)
{
	buf_reset(&a->body);
	a->status = status;
	if (is_html(v)) {
		a->ctype = CT_HTML;
		render_html_error(&a->body, status == 404 ? "未找到" :
		    status == 400 ? "请求有误" : status == 405 ? "方法不允许" :
		    "服务器错误", msg);
	} else if (v == V_METRICS) {
		a->ctype = "text/plain; charset=utf-8";
		buf_printf(&a->body, "%s\n", msg);
	} else {
		a->ctype = CT_JSON;
		buf_printf(&a->body, "{\"error\":\"%s\",\"message\":",
		    status == 404 ? "not_found" : status == 400 ? "bad_request" :
		    status == 405 ? "method_not_allowed" : "internal");
		json_put_str(&a->body, msg, strlen(msg));
		buf_printf(&a->body, "}\n");
	}
}

/* The view query from the request; `carry` gets the parameters given, as
 * a URL query for the page's links.  0, or -1 with err. */
static int
parse_query(struct dashboard *d, struct httpd_request *rq, struct view_query *q,
    struct buf *carry, char *err, size_t errlen)
{
	static const char *const keys[] = { "as_of", "from", "to", "scope",
	    "types" };
	char v[256];

	views_query_init(q, d->c.cfg.path);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!httpd_query(rq, keys[i], v, sizeof(v)) || v[0] == '\0')
			continue;
		if (render_query_set(q, d->c.cfg.path, keys[i], v, err,
		    errlen) == -1)
			return -1;
		buf_printf(carry, "%s%s=", carry->len ? "&" : "", keys[i]);
		render_url_encode(carry, v);
	}
	buf_append(carry, "", 1);
	carry->len--;
	return render_query_check(q, err, errlen);
}

static uint64_t
now_s(void)
{
	uint64_t t;

	if (clock_now(&t, NULL, 0) == -1)
		t = (uint64_t)time(NULL);
	return t;
}

static void
answer_case(struct dashboard *d, struct httpd_request *rq, enum view v,
    const char *carry, const struct dash_who *w, struct answer *a)
{
	struct timeline t;
	struct policy pol;
	char origin[CS_ORIGIN_MAX], cno[CS_CASE_MAX * 2], err[512];
	int r;

	if (!httpd_query(rq, "origin", origin, sizeof(origin)) ||
	    origin[0] == '\0')
		cs_strlcpy(origin, d->c.cfg.path, sizeof(origin));
	if (!httpd_query(rq, "case", cno, sizeof(cno)) || cno[0] == '\0') {
		fail(a, v, 400, "case: which case number? (/case?origin=PATH"
		    "&case=(2024)甘1202执1号)");
		return;
	}
	if (!court_path_valid(origin) ||
	    !court_path_covers(d->c.cfg.path, origin)) {
		fail(a, v, 400, "origin: not a court path within this node");
		return;
	}
	if (!court_path_covers(w->u.scope, origin)) {
		fail(a, v, 403, "origin: outside what this account sees");
		return;
	}
	if (v == V_PROOF) {
		/* The same self-contained file as `courtsync prove`, against
		 * the latest checkpoint witnessed as the node's policy says. */
		policy_init(&pol, (uint64_t)time(NULL));
		if (d->names.reg == NULL) {
			fail(a, v, 404, "this node has no registry: it cannot"
			    " tell which checkpoint is witnessed");
			return;
		}
		if (policy_parse(&pol, d->c.cfg.witnesses, err,
		    sizeof(err)) == -1 || proof_build(&d->c.st, d->names.reg,
		    &pol, origin, cno, &a->body, NULL, err, sizeof(err)) == -1) {
			fail(a, v, 404, err);
			return;
		}
		/* A proof carries the signed entries verbatim, names too. */
		dashboard_access(d, w, "proof", origin, cno);
		a->status = 200;
		a->ctype = "text/plain; charset=utf-8";
		return;
	}
	policy_init(&pol, (uint64_t)time(NULL));
	if (policy_parse(&pol, d->c.cfg.witnesses, err, sizeof(err)) == -1) {
		fail(a, v, 500, err);
		return;
	}
	r = render_timeline_load(&t, &d->c.st, d->names.reg, &pol, origin, cno, err,
	    sizeof(err));
	if (r == 1) {
		a->status = 200;
		if (!w->role->names) {
			staff_mask_name(t.cs.applicant, sizeof(t.cs.applicant));
			staff_mask_name(t.cs.respondent,
			    sizeof(t.cs.respondent));
		} else {
			dashboard_access(d, w, "case", origin, cno);
		}
		if (v == V_CASE) {
			a->ctype = CT_HTML;
			r = render_html_case(&a->body, &t, &d->names, carry);
			if (r == 0 && w->role->ack && w->s != NULL &&
			    strcmp(origin, d->c.cfg.path) == 0)
				r = render_html_ack_form(&a->body, origin, cno,
				    w->s->csrf);
		} else {
			a->ctype = CT_JSON;
			r = render_json_case(&a->body, &t, &d->names);
		}
		if (r == -1)
			fail(a, v, 500, "the answer is too large");
	} else {
		fail(a, v, r == 0 ? 404 : 500, err);
	}
	render_timeline_free(&t);
}

/* A whole-number query parameter in [lo, hi]; *out untouched (0) when
 * absent.  0, or -1 with err naming it. */
static int
page_param(struct httpd_request *rq, const char *key, size_t lo, size_t hi,
    size_t *out, char *err, size_t errlen)
{
	char v[32], *end;
	unsigned long long n;

	if (!httpd_query(rq, key, v, sizeof(v)) || v[0] == '\0')
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 ||
	    n < lo || n > hi) {
		cs_err(err, errlen, "%s: \"%s\" is not a whole number %zu–%zu",
		    key, v, lo, hi);
		return -1;
	}
	*out = (size_t)n;
	return 0;
}

static unsigned
parts_of(enum view v)
{
	switch (v) {
	case V_OVERVIEW:
		return REPORT_ALL & ~REPORT_LIST;
	case V_WARNINGS:
		return REPORT_WARNINGS | REPORT_LIST;
	case V_API_INDICATORS:
		return REPORT_INDICATORS;
	case V_API_WARNINGS:
		return REPORT_WARNINGS | REPORT_INTEGRITY;
	case V_SYNC:
	case V_API_SYNC:
		return REPORT_SYNC;
	default:
		return REPORT_INDICATORS | REPORT_WARNINGS | REPORT_INTEGRITY |
		    REPORT_SYNC;
	}
}

/* The fold stage's backlog (docs/VIEWS.md §8): what the views do not
 * hold yet after waiting. */
static int
fold_metrics(struct dashboard *d, struct buf *b)
{
	uint64_t backlog, halted;
	char err[256];

	if (court_fold_backlog(&d->c, &backlog, &halted, err,
	    sizeof(err)) == -1)
		return 0;	/* the rest of the page still holds */
	return buf_printf(b, "# HELP courtsync_fold_backlog_entries Entries"
	    " received from below and stored, not yet in the views\n"
	    "# TYPE courtsync_fold_backlog_entries gauge\n"
	    "courtsync_fold_backlog_entries{court=\"%s\"} %llu\n"
	    "# HELP courtsync_fold_halted_logs Logs whose fold stopped at an"
	    " entry it refuses (GET /v1/refusals)\n"
	    "# TYPE courtsync_fold_halted_logs gauge\n"
	    "courtsync_fold_halted_logs{court=\"%s\"} %llu\n", d->c.cfg.path,
	    (unsigned long long)backlog, d->c.cfg.path,
	    (unsigned long long)halted);
}

/* When the TLS certificate and the CRL the node serves with stop being
 * valid, as Unix seconds, for an alert well before (docs/courtsync.1). */
static int
validity_metrics(struct dashboard *d, struct buf *b)
{
	char path[CONFIG_PATH_MAX + 32], err[CS_ERR_MAX];
	int64_t t;
	int rc = 0;

	config_file(d->c.home, d->c.cfg.tls_cert, path, sizeof(path));
	if (crypto_cert_not_after(path, &t, err, sizeof(err)) == 0)
		rc |= buf_printf(b, "# HELP courtsync_tls_cert_not_after_seconds"
		    " When the node's TLS certificate expires (Unix time)\n"
		    "# TYPE courtsync_tls_cert_not_after_seconds gauge\n"
		    "courtsync_tls_cert_not_after_seconds{court=\"%s\"} %lld\n",
		    d->c.cfg.path, (long long)t);
	if (d->c.cfg.listen[0] == '\0' || d->c.cfg.crl[0] == '\0')
		return rc;
	config_file(d->c.home, d->c.cfg.crl, path, sizeof(path));
	if (crypto_crl_next_update(path, &t, err, sizeof(err)) == 0)
		rc |= buf_printf(b, "# HELP courtsync_crl_next_update_seconds"
		    " nextUpdate of the CRL the hub checks clients against;"
		    " after it every client is refused (Unix time)\n"
		    "# TYPE courtsync_crl_next_update_seconds gauge\n"
		    "courtsync_crl_next_update_seconds{court=\"%s\"} %lld\n",
		    d->c.cfg.path, (long long)t);
	return rc;
}

static void
answer(struct dashboard *d, struct httpd_request *rq, enum view v,
    const struct dash_who *w, struct answer *a)
{
	char given[CS_ORIGIN_MAX];
	struct view_query q;
	struct report r;
	struct buf carry;
	char err[CS_ERR_MAX], rule[RULE_ID_MAX + 1], court[CS_ORIGIN_MAX];
	struct report_list page = { NULL, NULL, 0, 0 };
	bool list = false;
	unsigned what;
	int rc;

	memset(&r, 0, sizeof(r));
	buf_init(&carry, 4096);
	if (strcmp(httpd_method(rq), "GET") != 0 &&
	    strcmp(httpd_method(rq), "HEAD") != 0) {
		fail(a, v, 405, "only GET");
		goto out;
	}
	if (parse_query(d, rq, &q, &carry, err, sizeof(err)) == -1) {
		fail(a, v, 400, err);
		goto out;
	}
	/* What the account sees: its scope, or a subtree of it. */
	if (!court_path_covers(w->u.scope, q.scope)) {
		if (httpd_query(rq, "scope", given, sizeof(given)) &&
		    given[0] != '\0') {
			fail(a, v, 403, "scope: outside what this account sees");
			goto out;
		}
		cs_strlcpy(q.scope, w->u.scope, sizeof(q.scope));
	}
	if (v == V_CASE || v == V_API_CASE || v == V_PROOF) {
		answer_case(d, rq, v, (const char *)carry.p, w, a);
		goto out;
	}
	what = parts_of(v);
	if (httpd_query(rq, "rule", rule, sizeof(rule)) && rule[0] != '\0')
		list = true;
	else
		rule[0] = '\0';
	if (httpd_query(rq, "court", court, sizeof(court)) && court[0] != '\0') {
		if (!court_path_valid(court) ||
		    !court_path_covers(q.scope, court)) {
			fail(a, v, 400, "court: not a court path within the scope");
			goto out;
		}
		list = true;
	} else {
		court[0] = '\0';
	}
	if (page_param(rq, "offset", 0, SIZE_MAX / 2, &page.offset, err,
	    sizeof(err)) == -1 || page_param(rq, "limit", 1, RENDER_LIST_MAX,
	    &page.limit, err, sizeof(err)) == -1) {
		fail(a, v, 400, err);
		goto out;
	}
	if (page.offset > 0 || page.limit > 0)
		list = true;
	if (page.limit == 0)
		page.limit = RENDER_PAGE;
	page.rule = rule;
	page.court = court;
	if (v == V_WARNINGS || (v == V_API_WARNINGS && list))
		what |= REPORT_LIST;
	if (render_report_load(&r, &d->c.st, &q, &d->names, now_s(), what, &page,
	    err, sizeof(err)) == -1) {
		fail(a, v, 500, err);
		goto out;
	}
	r.has_parent = d->has_parent;
	a->status = 200;
	a->ctype = is_html(v) ? CT_HTML : v == V_METRICS ? CT_METRICS : CT_JSON;
	switch (v) {
	case V_OVERVIEW:
		rc = render_html_overview(&a->body, &r, (const char *)carry.p);
		break;
	case V_WARNINGS:
		rc = render_html_warnings(&a->body, &r, (const char *)carry.p);
		break;
	case V_SYNC:
		rc = render_html_sync(&a->body, &r, (const char *)carry.p);
		break;
	case V_API_INDICATORS:
		rc = render_json_indicators(&a->body, &r);
		break;
	case V_API_WARNINGS:
		rc = render_json_warnings(&a->body, &r);
		break;
	case V_API_SYNC:
		rc = render_json_sync(&a->body, &r);
		break;
	default:
		rc = render_metrics(&a->body, &r);
		if (rc == 0)
			rc = fold_metrics(d, &a->body);
		if (rc == 0)
			rc = validity_metrics(d, &a->body);
		break;
	}
	if (rc == -1)
		fail(a, v, 500, "the answer is too large");
out:
	render_report_free(&r);
	buf_free(&carry);
}

/* Whether the account's role may see view v (docs/ACCESS.md). */
static bool
allowed(const struct staff_role *role, enum view v)
{
	switch (v) {
	case V_CASE:
	case V_API_CASE:
	case V_WARNINGS:
	case V_API_WARNINGS:
		return role->cases;
	case V_PROOF:
		return role->proofs;
	default:
		return true;
	}
}

static void
on_request(struct httpd_request *rq, void *arg)
{
	struct dashboard_route *ra = arg;
	struct dashboard *d = ra->d;
	enum view v = (enum view)ra->view;
	enum dash_kind kind = is_html(v) || v >= V_LOGIN ? DASH_HTML :
	    v == V_METRICS || v == V_PROOF ? DASH_TEXT : DASH_JSON;
	struct dash_who w;
	struct answer a;
	char why[128];

	if (v == V_LOGIN) {
		dashboard_login(d, rq);
		return;
	}
	if (!dashboard_who(d, rq, &w)) {
		dashboard_unauthenticated(d, rq, kind);
		return;
	}
	if (v == V_LOGOUT || v == V_ACK) {
		(v == V_LOGOUT ? dashboard_logout : dashboard_ack)(d, rq, &w);
		return;
	}
	if (!allowed(w.role, v)) {
		snprintf(why, sizeof(why), "the %s role does not see this page",
		    w.role->name);
		dashboard_forbidden(d, rq, kind == DASH_HTML ? DASH_HTML :
		    DASH_JSON, why);
		return;
	}
	a.status = 500;
	a.ctype = CT_HTML;
	buf_init(&a.body, DASHBOARD_MAX_OUT);
	if (d->fresh != NULL)
		d->fresh(d->fresh_arg);
	answer(d, rq, v, &w, &a);
	if (is_html(v) && a.status == 200 &&
	    render_html_userbar(&a.body, w.u.display, w.role->zh, w.u.scope,
	    w.s != NULL ? w.s->csrf : NULL) == -1)
		fail(&a, v, 500, "the answer is too large");
	httpd_set_header(rq, "Cache-Control", "no-store");
	httpd_reply(rq, a.status, a.ctype, a.body.p, a.body.len);
	buf_free(&a.body);
}

int
dashboard_addr(const char *s, char *addr, size_t cap, uint16_t *port,
    char *err, size_t errlen)
{
	const char *colon = strrchr(s, ':'), *ps;
	char *end;
	unsigned long p;
	size_t n;

	if (colon == NULL) {
		cs_strlcpy(addr, "127.0.0.1", cap);
		ps = s;
	} else {
		n = (size_t)(colon - s);
		if (s[0] == '[' && n >= 2 && s[n - 1] == ']') {
			s++;
			n -= 2;
		}
		if (n == 0 || n >= cap) {
			ERR("dashboard: \"%s\" is not ADDRESS:PORT", s);
			return -1;
		}
		memcpy(addr, s, n);
		addr[n] = '\0';
		ps = colon + 1;
	}
	p = strtoul(ps, &end, 10);
	if (*ps < '0' || *ps > '9' || *end != '\0' || p > 65535) {
		ERR("dashboard: \"%s\" is not a port", ps);
		return -1;
	}
	*port = (uint16_t)p;
	return 0;
}

/* The dashboard listener's TLS: the node's certificate and key, no client
 * certificate, GET-sized bodies.  cert and key are the caller's buffers. */
static void
listener_config(const struct court *c, const struct httpd_limits *limits,
    struct httpd_listener_config *lc, char *cert, char *key, size_t cap)
{
	config_file(c->home, c->cfg.tls_cert, cert, cap);
	config_file(c->home, c->cfg.tls_key, key, cap);
	lc->cert_file = cert;
	lc->key_file = key;
	lc->client_cert = false;
	lc->limits = *limits;
	lc->limits.max_body = 4096;	/* GET only */
}

int
dashboard_reload(struct dashboard *d, struct httpd *h,
    const struct config *cfg, const struct httpd_limits *limits, char *err,
    size_t errlen)
{
	struct httpd_listener_config lc;
	char cert[CONFIG_PATH_MAX + 32], key[CONFIG_PATH_MAX + 32];
	struct court c = d->c;

	memset(&lc, 0, sizeof(lc));
	c.cfg = *cfg;
	listener_config(&c, limits, &lc, cert, key, sizeof(cert));
	lc.addr = "";
	if (httpd_reload(h, d->listener, &lc, err, errlen) == -1)
		return -1;
	d->c.cfg = *cfg;		/* identity unchanged: reload checked */
	d->has_parent = cfg->parent_url[0] != '\0';
	return 0;
}

int
dashboard_start(struct dashboard *d, struct httpd *h, const char *home,
    const char *listen, const struct registry *reg,
    const struct httpd_limits *limits, char *err, size_t errlen)
{
	struct httpd_listener_config lc;
	char cert[CONFIG_PATH_MAX + 32], key[CONFIG_PATH_MAX + 32], addr[128];
	int listener;

	memset(d, 0, sizeof(*d));
	memset(&lc, 0, sizeof(lc));
	if (dashboard_addr(listen, addr, sizeof(addr), &lc.port, err,
	    errlen) == -1)
		return -1;
	if (court_open(&d->c, home, err, errlen) == -1)
		return -1;
	d->opened = true;
	d->names.reg = reg;
	d->names.self_path = d->c.cfg.path;
	d->names.self_name = d->c.cfg.name;
	d->has_parent = d->c.cfg.parent_url[0] != '\0';
	listener_config(&d->c, limits, &lc, cert, key, sizeof(cert));
	lc.addr = addr;
	if ((listener = httpd_listen(h, &lc, err, errlen)) == -1)
		return -1;
	d->listener = listener;
	snprintf(d->cookie, sizeof(d->cookie), "courtsync_%u",
	    (unsigned)httpd_port(h, listener));
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		struct dashboard_route *ra = &d->route[i];

		ra->d = d;
		ra->view = (int)routes[i].view;
		if (httpd_route(h, listener, routes[i].path, on_request,
		    ra) == -1) {
			ERR("dashboard: cannot route %s", routes[i].path);
			return -1;
		}
	}
	return listener;
}

void
dashboard_free(struct dashboard *d)
{
	if (d->opened)
		court_close(&d->c);
	memset(d, 0, sizeof(*d));
}
