/*
 * dashboard_auth.c — who is asking (docs/ACCESS.md): staff sign-in with a
 * password (scrypt, staff.c) and a session cookie, API tokens for scripts,
 * sign-out, throttled failures, CSRF checks on every form, and the
 * acknowledgement of a warning from the case page.  Sessions live in the
 * dashboard's memory (a restart signs everyone out); the account is read
 * again on every request, so a disabled account or a changed role takes
 * effect at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "courtsync/crypto.h"
#include "courtsync/json.h"
#include "dashboard.h"
#include "log.h"

#define SESSION_IDLE_S		(30 * 60)	/* signed out after idling */
#define SESSION_MAX_S		(12 * 3600)	/* and after a working day */
#define THROTTLE_WINDOW_S	(15 * 60)
#define THROTTLE_USER		5	/* failures of one user name */
#define THROTTLE_ADDR		20	/* of one address (an office NAT) */

#define CT_HTML		"text/html; charset=utf-8"

static int64_t
wall(void)
{
	return (int64_t)time(NULL);
}

/* The host part of "host:port" or "[host]:port". */
static void
addr_host(const char *addr, char *out, size_t cap)
{
	const char *colon = strrchr(addr, ':');
	size_t n = colon != NULL ? (size_t)(colon - addr) : strlen(addr);

	if (n >= cap)
		n = cap - 1;
	memcpy(out, addr, n);
	out[n] = '\0';
}

static void
access_put(struct dashboard *d, const char *user, const char *action,
    const char *origin, const char *case_no, const char *addr)
{
	char err[CS_ERR_MAX];

	if (store_access_put(&d->c.st, wall(), user, action, origin, case_no,
	    addr, err, sizeof(err)) == -1)
		log_warn("dashboard: cannot write the access log: %s", err);
}

void
dashboard_access(struct dashboard *d, const struct dash_who *w,
    const char *action, const char *origin, const char *case_no)
{
	access_put(d, w->u.name, action, origin, case_no, w->addr);
}

/* ---- sessions ---- */

static struct dash_session *
session_find(struct dashboard *d, const char *token)
{
	uint8_t id[CS_HASH_LEN];
	int64_t now = wall();

	crypto_sha256(token, strlen(token), id);
	for (size_t i = 0; i < DASH_SESSIONS; i++) {
		struct dash_session *s = &d->sessions[i];

		if (!s->used || !crypto_equal(s->id, id, sizeof(id)))
			continue;
		if (now - s->seen > SESSION_IDLE_S ||
		    now - s->created > SESSION_MAX_S) {
			memset(s, 0, sizeof(*s));
			return NULL;
		}
		s->seen = now;
		return s;
	}
	return NULL;
}

/* A new session for user; the cookie value in token (65 bytes). */
static struct dash_session *
session_new(struct dashboard *d, const char *user, char token[65])
{
	struct dash_session *s = &d->sessions[0];
	uint8_t raw[32], c[16];

	for (size_t i = 0; i < DASH_SESSIONS; i++) {
		if (!d->sessions[i].used) {
			s = &d->sessions[i];
			break;
		}
		if (d->sessions[i].seen < s->seen)
			s = &d->sessions[i];	/* full: the longest idle */
	}
	if (crypto_random(raw, sizeof(raw)) == -1 ||
	    crypto_random(c, sizeof(c)) == -1)
		return NULL;
	memset(s, 0, sizeof(*s));
	crypto_hex(raw, sizeof(raw), token);
	crypto_sha256(token, strlen(token), s->id);
	crypto_hex(c, sizeof(c), s->csrf);
	cs_strlcpy(s->user, user, sizeof(s->user));
	s->created = s->seen = wall();
	s->used = true;
	crypto_wipe(raw, sizeof(raw));
	return s;
}

/* The value of cookie `name` in a Cookie header, into out. */
static bool
cookie_get(const char *header, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	const char *p = header;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			size_t k = strcspn(p + n + 1, ";");

			if (k == 0 || k >= cap)
				return false;
			memcpy(out, p + n + 1, k);
			out[k] = '\0';
			return true;
		}
		p = strchr(p, ';');
	}
	return false;
}

/* Reads the account behind a session or token: true if it may act. */
static bool
account(struct dashboard *d, const char *name, struct dash_who *w)
{
	char err[CS_ERR_MAX];

	if (store_staff_get(&d->c.st, name, &w->u, err, sizeof(err)) != 1 ||
	    w->u.disabled || (w->role = staff_role(w->u.role)) == NULL)
		return false;
	/* A scope outside this node (the node moved?) sees nothing. */
	return court_path_covers(d->c.cfg.path, w->u.scope);
}

bool
dashboard_who(struct dashboard *d, struct httpd_request *rq,
    struct dash_who *w)
{
	const char *auth = httpd_header(rq, "Authorization");
	const char *cookies = httpd_header(rq, "Cookie");
	char token[128], hash[65], name[STAFF_NAME_MAX], err[CS_ERR_MAX];

	memset(w, 0, sizeof(*w));
	cs_strlcpy(w->addr, httpd_peer(rq)->addr, sizeof(w->addr));
	if (auth != NULL) {
		if (strncmp(auth, "Bearer ", 7) != 0 ||
		    !staff_token_hash(auth + 7, hash) ||
		    store_staff_token_user(&d->c.st, hash, name, sizeof(name),
		    err, sizeof(err)) != 1)
			return false;
		return account(d, name, w);
	}
	if (cookies == NULL ||
	    !cookie_get(cookies, d->cookie, token, sizeof(token)) ||
	    (w->s = session_find(d, token)) == NULL)
		return false;
	if (!account(d, w->s->user, w)) {
		memset(w->s, 0, sizeof(*w->s));	/* disabled: signed out */
		w->s = NULL;
		return false;
	}
	return true;
}

/*
 * A form's CSRF check: the session's token in field csrf, and an Origin
 * header, when the browser sends one, naming this very host.  API tokens
 * are not ambient (a page cannot make a browser send them): no check.
 */
static bool
csrf_ok(struct httpd_request *rq, const struct dash_who *w)
{
	const char *origin = httpd_header(rq, "Origin");
	const char *host = httpd_header(rq, "Host");
	char v[80], want[300];

	if (w->s == NULL)
		return true;
	if (origin != NULL) {
		snprintf(want, sizeof(want), "https://%s", host != NULL ? host :
		    "");
		if (strcmp(origin, want) != 0)
			return false;
	}
	return httpd_form(rq, "csrf", v, sizeof(v)) == 1 &&
	    strlen(v) == strlen(w->s->csrf) &&
	    crypto_equal(v, w->s->csrf, strlen(v));
}

/* ---- answers ---- */

static void
reply_page(struct httpd_request *rq, int status, struct buf *b)
{
	httpd_set_header(rq, "Cache-Control", "no-store");
	httpd_reply(rq, status, CT_HTML, b->p, b->len);
}

static void
login_page(struct dashboard *d, struct httpd_request *rq, int status,
    const char *next, const char *msg)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	if (render_html_login(&b, d->c.cfg.name, next, msg) == -1)
		b.len = 0;
	reply_page(rq, status, &b);
	buf_free(&b);
}

static void
see_other(struct httpd_request *rq, const char *location)
{
	httpd_set_header(rq, "Location", location);
	httpd_set_header(rq, "Cache-Control", "no-store");
	httpd_reply(rq, 303, "text/plain; charset=utf-8", "see other\n", 10);
}

void
dashboard_unauthenticated(struct dashboard *d, struct httpd_request *rq,
    enum dash_kind kind)
{
	static const char json[] = "{\"error\":\"unauthenticated\",\"message\":"
	    "\"sign in at /login, or send Authorization: Bearer TOKEN\"}\n";
	struct buf next;
	const char *q;

	if (kind != DASH_HTML) {
		httpd_set_header(rq, "WWW-Authenticate",
		    "Bearer realm=\"courtsync\"");
		if (kind == DASH_JSON)
			httpd_reply(rq, 401, "application/json; charset=utf-8",
			    json, sizeof(json) - 1);
		else
			httpd_reply(rq, 401, "text/plain; charset=utf-8",
			    "sign in: Authorization: Bearer TOKEN\n", 37);
		return;
	}
	/* Back to the page asked for once signed in. */
	buf_init(&next, 8192);
	buf_printf(&next, "%s", httpd_path(rq));
	if ((q = httpd_query_string(rq)) != NULL)
		buf_printf(&next, "?%s", q);
	buf_append(&next, "", 1);
	login_page(d, rq, 401, next.len > 1 ? (const char *)next.p : "/", NULL);
	buf_free(&next);
}

/* Where to go after signing in: a path of this site only. */
static void
safe_next(const char *in, char *out, size_t cap)
{
	if (in[0] != '/' || in[1] == '/' || in[1] == '\\' ||
	    strpbrk(in, "\r\n") != NULL)
		in = "/";
	cs_strlcpy(out, in, cap);
}

/* Failed sign-ins of a user name and of an address: the slot counting
 * them, or NULL if there is no room (the oldest window is reused). */
static struct dash_throttle *
throttle_slot(struct dashboard *d, const char *key, bool make)
{
	struct dash_throttle *old = &d->throttle[0];
	int64_t now = wall();

	for (size_t i = 0; i < DASH_THROTTLE; i++) {
		struct dash_throttle *t = &d->throttle[i];

		if (t->key[0] != '\0' && now - t->first > THROTTLE_WINDOW_S)
			memset(t, 0, sizeof(*t));
		if (t->key[0] != '\0' && strcmp(t->key, key) == 0)
			return t;
		if (t->first < old->first)
			old = t;
	}
	if (!make)
		return NULL;
	memset(old, 0, sizeof(*old));
	cs_strlcpy(old->key, key, sizeof(old->key));
	old->first = now;
	return old;
}

static bool
throttled(struct dashboard *d, const char *ukey, const char *akey)
{
	struct dash_throttle *u = throttle_slot(d, ukey, false);
	struct dash_throttle *a = throttle_slot(d, akey, false);

	return (u != NULL && u->n >= THROTTLE_USER) ||
	    (a != NULL && a->n >= THROTTLE_ADDR);
}

static void
throttle_fail(struct dashboard *d, const char *ukey, const char *akey)
{
	struct dash_throttle *t;

	if ((t = throttle_slot(d, ukey, true)) != NULL)
		t->n++;
	if ((t = throttle_slot(d, akey, true)) != NULL)
		t->n++;
}

void
dashboard_login(struct dashboard *d, struct httpd_request *rq)
{
	struct dash_who w;
	struct dash_session *s;
	char user[64], pw[STAFF_MAX_PASSWORD + 1], next_in[2048], next[2048];
	char host[64], ukey[96], akey[96], token[65], cookie[256];
	bool ok = false;
	int r;

	if (strcmp(httpd_method(rq), "POST") != 0) {
		if (!httpd_query(rq, "next", next_in, sizeof(next_in)))
			cs_strlcpy(next_in, "/", sizeof(next_in));
		safe_next(next_in, next, sizeof(next));
		login_page(d, rq, 200, next, NULL);
		return;
	}
	memset(&w, 0, sizeof(w));
	cs_strlcpy(w.addr, httpd_peer(rq)->addr, sizeof(w.addr));
	if ((r = httpd_form(rq, "user", user, sizeof(user))) == -1 ||
	    httpd_form(rq, "password", pw, sizeof(pw)) != 1 || r == 0) {
		login_page(d, rq, 400, "/", "请填写用户名和密码");
		return;
	}
	if (httpd_form(rq, "next", next_in, sizeof(next_in)) != 1)
		cs_strlcpy(next_in, "/", sizeof(next_in));
	safe_next(next_in, next, sizeof(next));
	addr_host(w.addr, host, sizeof(host));
	snprintf(ukey, sizeof(ukey), "u:%s", user);
	snprintf(akey, sizeof(akey), "a:%s", host);
	if (throttled(d, ukey, akey)) {
		log_warn("dashboard: sign-in of \"%s\" from %s refused: %d "
		    "failures of the name or %d of the address in %d minutes",
		    user, w.addr, THROTTLE_USER, THROTTLE_ADDR,
		    THROTTLE_WINDOW_S / 60);
		crypto_wipe(pw, sizeof(pw));
		login_page(d, rq, 429, next, "登录失败次数过多，请 15 分钟后再试");
		return;
	}
	if (staff_name_valid(user) && account(d, user, &w))
		ok = staff_password_ok(pw, w.u.pw);
	else
		staff_password_burn(pw);	/* the same time either way */
	crypto_wipe(pw, sizeof(pw));
	if (!ok) {
		throttle_fail(d, ukey, akey);
		access_put(d, staff_name_valid(user) ? user : "?", "sign_in_failed",
		    NULL, NULL, w.addr);
		log_warn("dashboard: failed sign-in of \"%s\" from %s",
		    staff_name_valid(user) ? user : "?", w.addr);
		login_page(d, rq, 401, next, "用户名或密码错误");
		return;
	}
	if ((s = session_new(d, w.u.name, token)) == NULL) {
		login_page(d, rq, 503, next, "服务器暂时无法登录");
		return;
	}
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; Secure; HttpOnly;"
	    " SameSite=Strict", d->cookie, token);
	crypto_wipe(token, sizeof(token));
	httpd_set_header(rq, "Set-Cookie", cookie);
	access_put(d, w.u.name, "sign_in", NULL, NULL, w.addr);
	log_info("dashboard: %s (%s) signed in from %s", w.u.name, w.u.role,
	    w.addr);
	see_other(rq, next);
}

void
dashboard_logout(struct dashboard *d, struct httpd_request *rq,
    struct dash_who *w)
{
	char cookie[128];

	if (strcmp(httpd_method(rq), "POST") != 0 || !csrf_ok(rq, w)) {
		dashboard_forbidden(d, rq, DASH_HTML, "退出需要从页面提交");
		return;
	}
	if (w->s != NULL)
		memset(w->s, 0, sizeof(*w->s));
	snprintf(cookie, sizeof(cookie), "%s=; Path=/; Secure; HttpOnly;"
	    " SameSite=Strict; Max-Age=0", d->cookie);
	httpd_set_header(rq, "Set-Cookie", cookie);
	dashboard_access(d, w, "sign_out", NULL, NULL);
	see_other(rq, "/login");
}

void
dashboard_forbidden(struct dashboard *d, struct httpd_request *rq,
    enum dash_kind kind, const char *why)
{
	struct buf b;

	(void)d;
	buf_init(&b, 1 << 20);
	if (kind == DASH_HTML) {
		render_html_error(&b, "无权访问", why);
		reply_page(rq, 403, &b);
	} else {
		buf_printf(&b, "{\"error\":\"forbidden\",\"message\":");
		json_put_str(&b, why, strlen(why));
		buf_printf(&b, "}\n");
		httpd_reply(rq, 403, "application/json; charset=utf-8", b.p,
		    b.len);
	}
	buf_free(&b);
}

/* The acknowledgement (专人监管) of a warning on a case of this node's own
 * court: a warning_acknowledged event in the court's log, by the signed-in
 * supervisor, dated today (China Standard Time). */
void
dashboard_ack(struct dashboard *d, struct httpd_request *rq,
    struct dash_who *w)
{
	struct event *ev;
	char origin[CS_ORIGIN_MAX], cno[CS_CASE_MAX * 2], rule[64], note[512];
	char day[11], who[CS_TEXT_MAX + STAFF_NAME_MAX + 8], err[CS_ERR_MAX];
	struct buf loc;
	uint64_t t, index;

	if (strcmp(httpd_method(rq), "POST") != 0 || !csrf_ok(rq, w)) {
		dashboard_forbidden(d, rq, DASH_HTML, "确认需要从案件页面提交");
		return;
	}
	if (!w->role->ack) {
		dashboard_forbidden(d, rq, DASH_HTML, "只有专人监管（supervisor）"
		    "可以确认预警");
		return;
	}
	if (httpd_form(rq, "origin", origin, sizeof(origin)) != 1 ||
	    httpd_form(rq, "case", cno, sizeof(cno)) != 1 ||
	    httpd_form(rq, "rule", rule, sizeof(rule)) != 1 || rule[0] == '\0') {
		dashboard_forbidden(d, rq, DASH_HTML, "缺少案号或预警规则");
		return;
	}
	if (httpd_form(rq, "note", note, sizeof(note)) != 1)
		note[0] = '\0';
	if (strcmp(origin, d->c.cfg.path) != 0 ||
	    !court_path_covers(w->u.scope, origin)) {
		dashboard_forbidden(d, rq, DASH_HTML, "只能确认本院案件的预警；"
		    "其他法院的案件由该院确认");
		return;
	}
	if (clock_now(&t, NULL, 0) == -1)
		t = (uint64_t)time(NULL);
	date_from_days((int64_t)((t + 8 * 3600) / 86400), day);	/* CST */
	snprintf(who, sizeof(who), "%s（%s）", w->u.display, w->u.name);
	if ((ev = calloc(2, sizeof(*ev))) == NULL) {
		dashboard_forbidden(d, rq, DASH_HTML, "out of memory");
		return;
	}
	ev->type = EV_WARNING_ACKNOWLEDGED;
	if (event_set(ev, F_CASE, cno, err, sizeof(err)) == -1 ||
	    event_set(ev, F_DATE, day, err, sizeof(err)) == -1 ||
	    event_set(ev, F_RULE, rule, err, sizeof(err)) == -1 ||
	    event_set(ev, F_SUPERVISOR, who, err, sizeof(err)) == -1 ||
	    (note[0] != '\0' && event_set(ev, F_NOTE, note, err,
	    sizeof(err)) == -1) || event_check(ev, err, sizeof(err)) == -1 ||
	    court_record(&d->c, ev, &index, err, sizeof(err)) == -1) {
		free(ev);
		dashboard_forbidden(d, rq, DASH_HTML, err);
		return;
	}
	free(ev);
	dashboard_access(d, w, "ack", origin, cno);
	log_info("dashboard: %s acknowledged %s on %s (entry %llu)", w->u.name,
	    rule, cno, (unsigned long long)index);
	buf_init(&loc, 8192);
	buf_printf(&loc, "/case?origin=");
	render_url_encode(&loc, origin);
	buf_printf(&loc, "&case=");
	render_url_encode(&loc, cno);
	buf_append(&loc, "", 1);
	see_other(rq, (const char *)loc.p);
	buf_free(&loc);
}
