/*
 * serve_reload.c — a running server loads its configuration, certificates,
 * CRL and registry again (SIGHUP, or the CRL file changed), and says ahead
 * of time when a certificate or the CRL will stop being valid.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "courtsync/crypto.h"
#include "log.h"
#include "serve.h"
#include "serve_int.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

atomic_uint serve_generation;

static void
utc_time(time_t t, char *out, size_t cap)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, cap, "%lld", (long long)t);
}

/* The TLS certificate must not be past its notAfter, nor the CRL past its
 * nextUpdate (OpenSSL would refuse every client: "CRL has expired").
 * Real time: TLS verification uses it, whatever COURTSYNC_TIME says. */
int
serve_check_validity(const struct court *c, char *err, size_t errlen)
{
	char path[CONFIG_PATH_MAX + 32], when[32];
	time_t now = time(NULL);
	int64_t t;

	config_file(c->home, c->cfg.tls_cert, path, sizeof(path));
	if (crypto_cert_not_after(path, &t, err, errlen) == -1)
		return -1;
	if (t < (int64_t)now) {
		utc_time((time_t)t, when, sizeof(when));
		ERR("tls_cert: %s expired on %s: renew it (courtsync-certs "
		    "issue) and reload", path, when);
		return -1;
	}
	if (c->cfg.listen[0] == '\0' || c->cfg.crl[0] == '\0')
		return 0;
	config_file(c->home, c->cfg.crl, path, sizeof(path));
	if (crypto_crl_next_update(path, &t, err, errlen) == -1)
		return -1;
	if (t < (int64_t)now) {
		utc_time((time_t)t, when, sizeof(when));
		ERR("crl: %s is past its nextUpdate (%s): every client would be"
		    " refused; install a fresh CRL from the CA (courtsync-certs"
		    " crl) and reload", path, when);
		return -1;
	}
	return 0;
}


static int
parse_listen(const char *s, char *addr, size_t cap, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	size_t n;

	if (colon == NULL)
		return -1;
	n = (size_t)(colon - s);
	if (s[0] == '[' && n >= 2 && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= cap)
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	*port = (uint16_t)atoi(colon + 1);
	return 0;
}

/* The sync listener's configuration from c's configuration; f holds the
 * file names lc points to. */
int
serve_listener_config(const struct court *c, struct tls_files *f,
    struct httpd_listener_config *lc, char *addr, size_t cap, char *err,
    size_t errlen)
{
	const struct config *cfg = &c->cfg;

	memset(lc, 0, sizeof(*lc));
	config_file(c->home, cfg->tls_cert, f->cert, sizeof(f->cert));
	config_file(c->home, cfg->tls_key, f->key, sizeof(f->key));
	config_file(c->home, cfg->ca, f->ca, sizeof(f->ca));
	config_file(c->home, cfg->crl, f->crl, sizeof(f->crl));
	if (cfg->listen[0] != '\0' &&
	    parse_listen(cfg->listen, addr, cap, &lc->port) == -1) {
		ERR("listen: \"%s\" is not ADDRESS:PORT", cfg->listen);
		return -1;
	}
	lc->addr = addr;
	lc->cert_file = f->cert;
	lc->key_file = f->key;
	lc->ca_file = f->ca;
	lc->crl_file = cfg->crl[0] != '\0' ? f->crl : NULL;
	lc->client_cert = true;
	lc->limits.max_body = cfg->max_body;
	lc->limits.max_headers = 16384;
	lc->limits.timeout_s = (int)cfg->timeout_s;
	lc->limits.max_connections = (int)cfg->max_connections;
	lc->limits.max_per_address = (int)cfg->max_per_address;
	lc->limits.handshake_timeout_s = (int)cfg->handshake_timeout_s;
	lc->limits.request_timeout_s = (int)cfg->request_timeout_s;
	lc->limits.preauth_bytes = 16384;	/* a GET and its headers */
	return 0;
}

/* Warns, at most hourly, of a certificate or CRL that expires within
 * EXPIRY_WARN_DAYS (or has). */
void
serve_expiry_warn(struct server *s)
{
	time_t now = time(NULL);
	char err[CS_ERR_MAX], when[32];
	int64_t t;

	if (now < s->next_expiry_check)
		return;
	s->next_expiry_check = now + 3600;
	if (crypto_cert_not_after(s->files.cert, &t, err, sizeof(err)) == 0 &&
	    t - (int64_t)now < EXPIRY_WARN_DAYS * 86400) {
		utc_time((time_t)t, when, sizeof(when));
		log_warn("tls_cert %s expires on %s: renew it and reload "
		    "(SIGHUP)", s->files.cert, when);
	}
	if (s->listener < 0 || s->srv.cfg.crl[0] == '\0')
		return;
	if (crypto_crl_next_update(s->files.crl, &t, err, sizeof(err)) == 0 &&
	    t - (int64_t)now < EXPIRY_WARN_DAYS * 86400) {
		utc_time((time_t)t, when, sizeof(when));
		log_warn("crl %s: nextUpdate %s; after it every client is "
		    "refused: install a fresh CRL (courtsync-certs crl)",
		    s->files.crl, when);
	}
}

/* Keys a reload cannot change: the node's identity refuses the reload,
 * the rest is logged and waits for the next start. */
static int
reload_compare(const struct config *old, const struct config *new,
    char *err, size_t errlen)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} later[] = {
		{ "listen", offsetof(struct config, listen) },
		{ "dashboard", offsetof(struct config, dashboard) },
	};

	if (strcmp(old->path, new->path) != 0 ||
	    strcmp(old->code, new->code) != 0 || old->level != new->level) {
		ERR("path, code or level changed in courtsync.conf: a node's "
		    "identity changes only with a restart");
		return -1;
	}
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
		if (strcmp((const char *)old + later[i].off,
		    (const char *)new + later[i].off) != 0)
			log_warn("reload: %s changed; it takes effect at the "
			    "next start", later[i].key);
	if (old->durable != new->durable || old->fold_off != new->fold_off ||
	    old->max_batch != new->max_batch)
		log_warn("reload: durability, fold or max_batch changed; they"
		    " take effect at the next start");
	return 0;
}

/*
 * SIGHUP, or the CRL file changed: the configuration, certificates, CRL and
 * registry are read and checked as at start (serve --check), then used by
 * every connection accepted from now on; idle connections are closed so
 * that every peer is verified again.  If anything fails, the running state
 * is kept and the log says why.
 */
void
serve_reload(void *arg)
{
	struct server *s = arg;
	struct httpd_listener_config lc;
	struct tls_files f;
	struct registry reg;
	struct court c;
	struct stat sb;
	char conf[CONFIG_PATH_MAX + 32], addr[128], err[CS_ERR_MAX];

	memset(&c, 0, sizeof(c));
	memset(&reg, 0, sizeof(reg));
	cs_strlcpy(c.home, s->srv.home, sizeof(c.home));
	snprintf(conf, sizeof(conf), "%s/courtsync.conf", c.home);
	if (config_read(&c.cfg, conf, err, sizeof(err)) == -1 ||
	    reload_compare(&s->srv.cfg, &c.cfg, err, sizeof(err)) == -1 ||
	    serve_check(c.home, &c, &reg, err, sizeof(err)) == -1 ||
	    serve_listener_config(&c, &f, &lc, addr, sizeof(addr), err,
	    sizeof(err)) == -1)
		goto fail;
	if (s->listener >= 0 && httpd_reload(&s->httpd, s->listener, &lc, err,
	    sizeof(err)) == -1)
		goto fail;
	if (s->dash_listener >= 0 && dashboard_reload(&s->dash, &s->httpd,
	    &c.cfg, &lc.limits, err, sizeof(err)) == -1)
		goto fail;
	registry_free(&s->reg);
	s->reg = reg;
	s->srv.cfg = c.cfg;
	s->files = f;
	if (stat(f.crl, &sb) == 0)
		s->crl_seen = sb;
	atomic_fetch_add(&serve_generation, 1);
	log_info("reloaded: configuration, certificates, CRL and registry "
	    "(%zu courts)", s->reg.n);
	s->next_expiry_check = 0;
	serve_expiry_warn(s);
	return;
fail:
	registry_free(&reg);
	log_warn("reload failed; the running configuration is kept: %s", err);
}

/* Every 2 s: a CRL file replaced or rewritten is loaded (as by SIGHUP);
 * expiry warnings. */
void
serve_watch(void *arg)
{
	struct server *s = arg;
	struct stat sb;

	if (s->listener >= 0 && s->srv.cfg.crl[0] != '\0' &&
	    stat(s->files.crl, &sb) == 0 &&
	    (sb.st_ino != s->crl_seen.st_ino ||
	    sb.st_size != s->crl_seen.st_size ||
	    sb.st_mtim.tv_sec != s->crl_seen.st_mtim.tv_sec ||
	    sb.st_mtim.tv_nsec != s->crl_seen.st_mtim.tv_nsec)) {
		log_info("crl %s changed: reloading", s->files.crl);
		s->crl_seen = sb;	/* once per change, even if it fails */
		serve_reload(s);
	}
	serve_expiry_warn(s);
}
