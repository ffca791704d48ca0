/*
 * serve.c — `courtsync serve`: the node's daemon.  The HTTPS server (hub
 * endpoints, docs/PROTOCOL.md) runs on the main thread's event loop with
 * its own database connection; the push loop to the parent runs on a
 * second thread with its own connection (SQLite serialises the writers).
 * SIGTERM: stop accepting, finish requests in flight, stop the push loop
 * between requests, close the databases.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dashboard.h"
#include "courtsync/httpd.h"
#include "hub.h"
#include "log.h"
#include "relay.h"
#include "serve.h"
#include "serve_int.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

static atomic_int stopping;

/* WAL frames (4 KiB pages) at which the hub's checkpointer starts a pass,
 * and at which a commit finishes the checkpoint itself (store.h). */
#define CKPT_SOFT	STORE_WAL_AUTOCHECKPOINT
#define CKPT_HARD	(2 * STORE_WAL_AUTOCHECKPOINT)


/* ---- checks before anything starts ---- */

static int
need_file(const char *home, const char *what, const char *name, bool secret,
    char *err, size_t errlen)
{
	char path[CONFIG_PATH_MAX + 32];
	struct stat sb;

	config_file(home, name, path, sizeof(path));
	if (name[0] == '\0' || stat(path, &sb) == -1) {
		ERR("%s: %s: %s", what, path, name[0] == '\0' ? "not configured" :
		    strerror(errno));
		return -1;
	}
	if (secret && (sb.st_mode & 077) != 0) {
		ERR("%s: key file %s is mode %04o; must be 0600 (chmod 600 %s)",
		    what, path, (unsigned)(sb.st_mode & 0777), path);
		return -1;
	}
	return 0;
}

int
serve_check(const char *home, struct court *c, struct registry *reg,
    char *err, size_t errlen)
{
	char reg_file[CONFIG_PATH_MAX + 32], sig[CONFIG_PATH_MAX + 32];
	char ca[CONFIG_PATH_MAX + 32];
	uint8_t seed[CS_SEED_LEN];
	const struct registry_court *me;
	const struct config *cfg = &c->cfg;

	(void)home;
	if (cfg->listen[0] == '\0' && cfg->parent_url[0] == '\0' &&
	    cfg->dashboard[0] == '\0') {
		ERR("none of listen, parent_url and dashboard is set in"
		    " courtsync.conf: nothing to serve");
		return -1;
	}
	char keyfile[CONFIG_PATH_MAX + 32];

	snprintf(keyfile, sizeof(keyfile), "%s/log.key", c->home);
	if (crypto_key_read(keyfile, seed, err, errlen) == -1)
		return -1;
	crypto_wipe(seed, sizeof(seed));
	if (need_file(c->home, "tls_cert", cfg->tls_cert, false, err,
	    errlen) == -1 ||
	    need_file(c->home, "tls_key", cfg->tls_key, true, err, errlen) == -1 ||
	    need_file(c->home, "ca", cfg->ca, false, err, errlen) == -1 ||
	    need_file(c->home, "registry", cfg->registry, false, err,
	    errlen) == -1 ||
	    need_file(c->home, "registry_sig", cfg->registry_sig, false, err,
	    errlen) == -1)
		return -1;
	if (cfg->listen[0] != '\0' && cfg->crl[0] != '\0' &&
	    need_file(c->home, "crl", cfg->crl, false, err, errlen) == -1)
		return -1;
	if (serve_check_validity(c, err, errlen) == -1)
		return -1;
	config_file(c->home, cfg->registry, reg_file, sizeof(reg_file));
	config_file(c->home, cfg->registry_sig, sig, sizeof(sig));
	config_file(c->home, cfg->ca, ca, sizeof(ca));
	if (registry_load(reg, reg_file, sig, ca, err, errlen) == -1)
		return -1;
	me = registry_find(reg, cfg->path);
	if (me == NULL || strcmp(me->code, cfg->code) != 0 ||
	    me->level != cfg->level) {
		ERR("the registry does not list %s with code %s and level %d",
		    cfg->path, cfg->code, cfg->level);
		registry_free(reg);
		return -1;
	}
	return 0;
}

/* ---- handlers ---- */

static void
send_reply(struct httpd_request *rq, struct hub_reply *r)
{
	httpd_reply(rq, r->status, r->ctype, r->body.p, r->body.len);
	hub_reply_free(r);
}

/* Every sync endpoint: a valid certificate naming a court of the
 * registry, or a refusal, logged with the peer's address. */
static bool
authorised(struct httpd_request *rq, struct server *s, struct hub_reply *r)
{
	const struct httpd_peer *p = httpd_peer(rq);

	if (!p->has_cert) {
		hub_error(r, 401, "client_certificate_required", 0, false,
		    "a client certificate of the deployment CA is required");
	} else if (!p->cert_ok) {
		hub_error(r, 403, "certificate_rejected", 0, false, "%s",
		    p->error);
	} else if (p->court[0] == '\0') {
		hub_error(r, 403, "certificate_rejected", 0, false,
		    "no courtsync court path in the certificate");
	} else if (registry_find(&s->reg, p->court) == NULL) {
		hub_error(r, 403, "unknown_court", 0, false, "court %s is not"
		    " in the registry", p->court);
	} else {
		return true;
	}
	log_info("%s %s from %s refused: %d %s: %s", httpd_method(rq),
	    httpd_path(rq), p->addr, r->status, r->code, r->message);
	return false;
}

/* httpd's lines about connections, into the node's log. */
static void
on_httpd_log(void *arg, const char *line)
{
	(void)arg;
	log_info("%s", line);
}

static bool
method_is(struct httpd_request *rq, const char *m, struct hub_reply *r)
{
	if (strcmp(httpd_method(rq), m) == 0)
		return true;
	hub_error(r, 405, "method_not_allowed", 0, false, "use %s", m);
	return false;
}

static uint64_t
now_s(void)
{
	uint64_t t;

	if (clock_now(&t, NULL, 0) == -1)
		t = (uint64_t)time(NULL);
	return t;
}

typedef int (*post_fn)(struct hub *, const char *, const uint8_t *, size_t,
    uint64_t, struct hub_reply *);

/* A POST that the hub answers (push, cosignature): refusals logged. */
static void
on_post(struct httpd_request *rq, struct server *s, post_fn fn,
    const char *what)
{
	struct hub_reply r;
	const uint8_t *body;
	size_t n;
	int x;

	hub_reply_init(&r);
	if (authorised(rq, s, &r) && method_is(rq, "POST", &r)) {
		body = httpd_body(rq, &n);
		serve_fold_lock(&s->fold);
		x = fn(&s->hub, httpd_peer(rq)->court, body, n, now_s(), &r);
		serve_fold_unlock(&s->fold, fn == hub_push && r.status == 200);
		if (x == -1)
			log_warn("%s from %s: %s", what, httpd_peer(rq)->court,
			    r.message);
		else if (r.status != 200)
			log_info("%s from %s refused: %d %s: %s", what,
			    httpd_peer(rq)->court, r.status, r.code, r.message);
	}
	send_reply(rq, &r);
}

static void
on_push(struct httpd_request *rq, void *arg)
{
	on_post(rq, arg, hub_push, "push");
}

static void
on_cosignature(struct httpd_request *rq, void *arg)
{
	on_post(rq, arg, hub_cosignature, "cosignature");
}

static void
on_evidence(struct httpd_request *rq, void *arg)
{
	struct server *s = arg;
	struct hub_reply r;
	const uint8_t *body;
	size_t n;

	hub_reply_init(&r);
	if (authorised(rq, s, &r) && method_is(rq, "POST", &r)) {
		body = httpd_body(rq, &n);
		serve_fold_lock(&s->fold);
		hub_evidence(&s->hub, httpd_peer(rq)->court, body, n, now_s(), &r);
		serve_fold_unlock(&s->fold, false);
		log_warn("evidence from %s: %s",
		    httpd_peer(rq)->court, r.message);
	}
	send_reply(rq, &r);
}

#define Q(name) (httpd_query(rq, #name, q_##name, sizeof(q_##name)) ? q_##name : NULL)

static void
on_read(struct httpd_request *rq, void *arg)
{
	struct server *s = arg;
	struct hub_reply r;
	const char *path = httpd_path(rq);
	char q_origin[CS_ORIGIN_MAX + 8], q_start[32], q_end[32], q_index[32];
	char q_size[32], q_old[32], q_new[32];

	hub_reply_init(&r);
	if (!authorised(rq, s, &r) || !method_is(rq, "GET", &r))
		goto out;
	if (strcmp(path, "/v1/logs") == 0)
		hub_logs(&s->hub, &r);
	else if (strcmp(path, "/v1/checkpoint") == 0)
		hub_checkpoint(&s->hub, Q(origin), &r);
	else if (strcmp(path, "/v1/entries") == 0)
		hub_entries(&s->hub, Q(origin), Q(start), Q(end), &r);
	else if (strcmp(path, "/v1/proof/inclusion") == 0)
		hub_inclusion(&s->hub, Q(origin), Q(index), Q(size), &r);
	else if (strcmp(path, "/v1/proof/consistency") == 0)
		hub_consistency(&s->hub, Q(origin), Q(old), Q(new), &r);
	else if (strcmp(path, "/v1/refusals") == 0)
		hub_refusals(&s->hub, &r);
	else
		hub_equivocations(&s->hub, &r);
out:
	send_reply(rq, &r);
}

static void
on_health(struct httpd_request *rq, void *arg)
{
	struct server *s = arg;
	struct hub_reply r;

	hub_reply_init(&r);
	hub_health(&s->hub, &r);
	send_reply(rq, &r);
}

/* ---- the push loop ---- */

struct pusher {
	char			 home[CONFIG_PATH_MAX];
	bool			 enabled;	/* parent_url is set */
	pthread_t		 thread;
	bool			 started;
};

static int	catch_up_open(struct court *, const struct registry *, bool *,
		    uint64_t *, char *, size_t);

static int
is_stopping(void)
{
	return atomic_load(&stopping);
}

/* Sleeps ms, waking early to stop or to reload. */
static void
nap(uint64_t ms)
{
	unsigned gen = atomic_load(&serve_generation);

	while (ms > 0 && !atomic_load(&stopping) &&
	    atomic_load(&serve_generation) == gen) {
		uint64_t step = ms > 50 ? 50 : ms;
		struct timespec ts = { 0, (long)step * 1000000L };

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/*
 * Pushes until stopped, with its own connection and its own copy of the
 * registry, both opened again after each reload (SIGHUP): the loop never
 * shares what a reload replaces.  0 when stopped, -1 if it cannot open.
 */
static int
push_session(struct pusher *p, unsigned gen)
{
	struct court c;
	struct registry reg;
	struct relay r;
	struct relay_stats st;
	char err[CS_ERR_MAX], last[1024] = "";
	unsigned attempt = 0;
	uint64_t delay;

	memset(&reg, 0, sizeof(reg));
	if (court_open(&c, p->home, err, sizeof(err)) == -1) {
		log_warn("push loop: %s", err);
		return -1;
	}
	if (serve_check(p->home, &c, &reg, err, sizeof(err)) == -1 ||
	    relay_init(&r, &c, &reg, is_stopping, err, sizeof(err)) == -1) {
		log_warn("push loop: %s", err);
		registry_free(&reg);
		court_close(&c);
		return -1;
	}
	log_info("pushing to %s every %lu ms", c.cfg.parent_url,
	    c.cfg.push_interval_ms);
	while (!atomic_load(&stopping) && atomic_load(&serve_generation) == gen) {
		bool behind;
		uint64_t got;

		/* A restored node first learns what it lost (court.h). */
		if (catch_up_open(&c, &reg, &behind, &got, err,
		    sizeof(err)) == -1) {
			log_warn("catch-up: %s (retrying)", err);
			nap(push_backoff_ms(attempt++, c.cfg.backoff_base_ms,
			    c.cfg.backoff_cap_ms));
			continue;
		}
		int rc = relay_once(&r, &st, err, sizeof(err));

		if (rc == -1 || st.refused) {
			const char *why = rc == -1 ? err : st.last_error;

			delay = push_backoff_ms(attempt++, c.cfg.backoff_base_ms,
			    c.cfg.backoff_cap_ms);
			if (strcmp(why, last) != 0)
				log_warn("push: %s (retrying with backoff)", why);
			cs_strlcpy(last, why, sizeof(last));
			store_meta_set(&c.st, "push_error", why, NULL, 0);
		} else {
			if (last[0] != '\0') {
				log_info("push: recovered");
				store_meta_set(&c.st, "push_error", "", NULL, 0);
			}
			last[0] = '\0';
			attempt = 0;
			if (st.entries > 0)
				log_info("pushed %llu entries in %llu batches",
				    (unsigned long long)st.entries,
				    (unsigned long long)st.batches);
			delay = st.entries > 0 ? 0 : c.cfg.push_interval_ms;
		}
		nap(delay);
	}
	relay_free(&r);
	registry_free(&reg);
	court_close(&c);
	return 0;
}

static void *
push_loop(void *arg)
{
	struct pusher *p = arg;

	while (!atomic_load(&stopping)) {
		unsigned gen = atomic_load(&serve_generation);

		if (push_session(p, gen) == -1)
			nap(5000);	/* retried, or picked up by a reload */
	}
	return NULL;
}

static void
on_term(int sig)
{
	(void)sig;
	atomic_store(&stopping, 1);
}

/* A push-only node (no listener): SIGHUP makes the push loop open its
 * configuration and registry again. */
static void
on_hup(int sig)
{
	(void)sig;
	atomic_fetch_add(&serve_generation, 1);
}

int
serve_run(const char *home, char *err, size_t errlen)
{
	struct server *s;
	struct pusher p;
	struct httpd_listener_config lc;
	struct stat sb;
	char addr[128], daddr[128];
	uint16_t dport;
	int listener = -1, dash = -1, ret = -1, lock = -1;
	static const char *const reads[] = {
		"/v1/logs", "/v1/checkpoint", "/v1/entries",
		"/v1/proof/inclusion", "/v1/proof/consistency",
		"/v1/equivocations", "/v1/refusals"
	};

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		ERR("out of memory");
		return -1;
	}
	memset(&p, 0, sizeof(p));
	s->listener = s->dash_listener = -1;
	atomic_store(&stopping, 0);
	serve_fold_init(&s->fold, home, &stopping);
	signal(SIGPIPE, SIG_IGN);
	if (court_open(&s->srv, home, err, errlen) == -1)
		goto out_free;
	log_init(s->srv.cfg.path);
	if (s->srv.cfg.syslog)
		log_syslog();
	/* One serve per home, and no restore under it (court.h). */
	if (court_lock_home(home, false, &lock, err, errlen) == -1)
		goto out_court;
	if (serve_check(home, &s->srv, &s->reg, err, errlen) == -1)
		goto out_court;
	if (hub_init(&s->hub, &s->srv, &s->reg, s->srv.cfg.max_batch, err,
	    errlen) == -1)
		goto out_reg;
	if (s->srv.cfg.parent_url[0] != '\0') {
		cs_strlcpy(p.home, s->srv.home, sizeof(p.home));
		p.enabled = true;
	}
	if (s->srv.cfg.listen[0] == '\0' && s->srv.cfg.dashboard[0] == '\0') {
		/* A court with no children: only the push loop, here. */
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sa.sa_handler = on_hup;
		sigaction(SIGHUP, &sa, NULL);
		push_loop(&p);
		log_info("stopped");
		ret = 0;
		goto out_hub;
	}
	if (serve_listener_config(&s->srv, &s->files, &lc, addr, sizeof(addr),
	    err, errlen) == -1)
		goto out_hub;
	if (stat(s->files.crl, &sb) == 0)
		s->crl_seen = sb;
	if (httpd_init(&s->httpd, err, errlen) == -1)
		goto out_hub;
	httpd_set_log(&s->httpd, on_httpd_log, NULL);
	httpd_on_reload(&s->httpd, serve_reload, s);
	if (httpd_every(&s->httpd, 2000, serve_watch, s) == -1) {
		ERR("cannot start the CRL watch");
		goto out_httpd;
	}
	if (s->srv.cfg.dashboard[0] != '\0') {
		/* The views, for browsers: TLS, no client certificate. */
		if ((dash = dashboard_start(&s->dash, &s->httpd, s->srv.home,
		    s->srv.cfg.dashboard, &s->reg, &lc.limits, err,
		    errlen)) == -1)
			goto out_httpd;
		if (dashboard_addr(s->srv.cfg.dashboard, daddr, sizeof(daddr),
		    &dport, err, errlen) == -1)
			goto out_httpd;
		log_info("dashboard of %s on https://%s:%u/", s->srv.cfg.path,
		    daddr, (unsigned)httpd_port(&s->httpd, dash));
		s->dash_listener = dash;
		s->dash.fresh = serve_fold_fresh;
		s->dash.fresh_arg = &s->fold;
	}
	if (s->srv.cfg.listen[0] == '\0')
		goto run;
	if ((listener = httpd_listen(&s->httpd, &lc, err, errlen)) == -1)
		goto out_httpd;
	s->listener = listener;
	/* Pushed batches commit on this thread: their WAL is checkpointed
	 * on another, off the request path. */
	if (store_ckpt_start(&s->srv.st, CKPT_SOFT, CKPT_HARD, err,
	    errlen) == -1)
		goto out_httpd;
	if (httpd_route(&s->httpd, listener, "/v1/push", on_push, s) == -1 ||
	    httpd_route(&s->httpd, listener, "/v1/evidence", on_evidence,
	    s) == -1 ||
	    httpd_route(&s->httpd, listener, "/v1/cosignature",
	    on_cosignature, s) == -1 ||
	    httpd_route(&s->httpd, listener, "/healthz", on_health, s) == -1) {
		ERR("cannot add routes");
		goto out_httpd;
	}
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		if (httpd_route(&s->httpd, listener, reads[i], on_read, s) == -1) {
			ERR("cannot add routes");
			goto out_httpd;
		}
	/* What pushes store is folded into the views on a thread of its
	 * own (serve_fold.c), unless the configuration says fold = off. */
	if (!s->srv.cfg.fold_off &&
	    serve_fold_start(&s->fold, err, errlen) == -1)
		goto out_httpd;
	log_info("serving %s (%s) on %s:%u%s%s", s->srv.cfg.path,
	    s->srv.cfg.name, addr, (unsigned)httpd_port(&s->httpd, listener),
	    p.enabled ? ", pushing to " : "", p.enabled ?
	    s->srv.cfg.parent_url : "");
run:
	if (p.enabled) {
		if (pthread_create(&p.thread, NULL, push_loop, &p) != 0) {
			ERR("cannot start the push thread");
			goto out_httpd;
		}
		p.started = true;
	}
	serve_expiry_warn(s);
	ret = httpd_run(&s->httpd, err, errlen);
out_httpd:
	atomic_store(&stopping, 1);
	if (p.started)
		pthread_join(p.thread, NULL);
	serve_fold_stop(&s->fold);
	if (ret == 0)
		log_info("stopped");
	httpd_free(&s->httpd);
	dashboard_free(&s->dash);
	store_ckpt_stop(&s->srv.st);
out_hub:
	hub_free(&s->hub);
out_reg:
	registry_free(&s->reg);
out_court:
	court_close(&s->srv);
	if (lock != -1)
		close(lock);	/* the lock goes with it */
out_free:
	free(s);
	return ret;
}

int
serve_push_once(const char *home, struct relay_stats *total, char *err,
    size_t errlen)
{
	struct court c;
	struct registry reg;
	struct relay r;
	struct relay_stats st;
	int ret = -1, rounds = 0;

	memset(total, 0, sizeof(*total));
	if (court_open(&c, home, err, errlen) == -1)
		return -1;
	if (serve_check(home, &c, &reg, err, errlen) == -1)
		goto out_court;
	{
		bool behind;
		uint64_t got;

		if (catch_up_open(&c, &reg, &behind, &got, err, errlen) == -1)
			goto out_reg;
	}
	if (relay_init(&r, &c, &reg, NULL, err, errlen) == -1)
		goto out_reg;
	/* Until the parent holds everything (a pass that pushed nothing). */
	do {
		if (relay_once(&r, &st, err, errlen) == -1)
			goto out_relay;
		total->batches += st.batches;
		total->entries += st.entries;
		total->logs = st.logs;
		total->evidence += st.evidence;
		if (st.refused) {
			total->refused = st.refused;
			cs_strlcpy(total->last_error, st.last_error,
			    sizeof(total->last_error));
			break;
		}
	} while (st.entries > 0 && ++rounds < 1000);
	ret = 0;
out_relay:
	relay_free(&r);
out_reg:
	registry_free(&reg);
out_court:
	court_close(&c);
	return ret;
}

/* With the court and registry open: the catch-up, if marked. */
static int
catch_up_open(struct court *c, const struct registry *reg, bool *pending,
    uint64_t *fetched, char *err, size_t errlen)
{
	struct relay r;
	char why[512];
	int x, ret;

	*fetched = 0;
	if ((x = court_catch_up_pending(c, why, sizeof(why), err,
	    errlen)) == -1)
		return -1;
	*pending = x == 1;
	if (!*pending)
		return 0;
	if (relay_init(&r, c, reg, is_stopping, err, errlen) == -1) {
		relay_free(&r);
		return -1;
	}
	ret = relay_catch_up(&r, fetched, err, errlen);
	relay_free(&r);
	if (ret == 0)
		log_info("caught up with the parent (%s): %llu entries fetched,"
		    " recording allowed again", why,
		    (unsigned long long)*fetched);
	return ret;
}

int
serve_catch_up(const char *home, bool *pending, uint64_t *fetched,
    char *err, size_t errlen)
{
	struct court c;
	struct registry reg;
	int ret;

	*pending = false;
	*fetched = 0;
	if (court_open(&c, home, err, errlen) == -1)
		return -1;
	if (serve_check(home, &c, &reg, err, errlen) == -1) {
		court_close(&c);
		return -1;
	}
	ret = catch_up_open(&c, &reg, pending, fetched, err, errlen);
	registry_free(&reg);
	court_close(&c);
	return ret;
}
