/* httpd.c — the HTTPS server: evhttp over bufferevent_openssl, per-listener TLS. */

/*
 * Shape.  One event_base; one struct evhttp per listener (limits, routes and
 * the TLS context are per listener).  evhttp_set_bevcb gives every accepted
 * connection a bufferevent_openssl over a fresh SSL; a struct conn hangs off
 * that SSL as ex_data and is freed by OpenSSL when the SSL is (the SSL lives
 * exactly as long as the connection), which makes it the one place to count
 * connections and to record what certificate verification found.
 *
 * Verification never fails the handshake: the verify callback records the
 * first error of the chain and returns 1, so a refused client still gets an
 * HTTP answer saying why (httpd_peer).  A resumed session does not run the
 * callback; SSL_get_verify_result then gives the verdict stored in the
 * session.
 *
 * libevent 2.1 hands the accepted socket to the bufferevent only after the
 * bevcb returns, so TCP_NODELAY (FIELD-NOTES: 40 ms per request otherwise)
 * is set from the TLS info callback at the start of the handshake, before
 * the server writes a byte; the listening socket has it too (Linux copies
 * it to accepted sockets).  A connection beyond max_connections is closed
 * from a zero-delay timer, once evhttp has finished setting it up.
 *
 * Handlers run synchronously: the struct httpd_request lives on the stack of
 * the dispatcher, and a handler that returns without answering gets a 500.
 * A second httpd_reply is ignored.
 *
 * Stopping: listeners stop accepting, and the loop runs on while any
 * connection has a request in progress (request bytes received, answer not
 * yet written out), up to the largest timeout_s.  Replies sent while
 * stopping carry "Connection: close".
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "courtsync/codec.h"
#include "courtsync/crypto.h"
#include "courtsync/httpd.h"
#include "courtsync/json.h"
#include "courtsync/utf8.h"

#define HTTPD_MAX_LISTENERS	8
#define HTTPD_TLS12_CIPHERS	"ECDHE+AESGCM:ECDHE+CHACHA20"

struct route {
	char		*path;		/* exact request path */
	httpd_handler	 fn;
	void		*arg;
};

struct httpd_impl;

struct listener {
	struct httpd_impl *impl;
	struct evhttp	*http;
	struct evhttp_bound_socket *bound;	/* NULL once stopped */
	SSL_CTX		*ctx;
	struct httpd_limits limits;
	bool		 client_cert;	/* peers must present a CA certificate */
	uint16_t	 port;		/* bound port */
	int		 nconn;		/* live connections, refused included */
	int		 nroutes;
	struct route	 routes[HTTPD_MAX_ROUTES];
};

struct conn {
	struct listener	*l;
	SSL		*ssl;		/* owns this struct (ex_data) */
	struct bufferevent *bev;
	struct event	*admit_ev;	/* zero-delay: admit or refuse */
	struct event	*close_ev;	/* zero-delay: close from the loop */
	struct event	*deadline_ev;	/* handshake or request deadline */
	const char	*deadline_what;	/* "TLS handshake", "request" */
	struct conn	*prev, *next;	/* impl->conns, newest first */
	size_t		 preauth;	/* bytes read before authentication */
	int		 verify_err;	/* first X509_V_ERR_*, 0 none */
	bool		 nodelay;	/* TCP_NODELAY set */
	bool		 busy;		/* a request is in progress */
	bool		 admitted;	/* counted against the limits */
	bool		 hs_done;	/* TLS handshake complete */
	bool		 closing;	/* close_ev pending: ignore input */
	bool		 peer_done;	/* peer computed */
	char		 addr[64];	/* "127.0.0.1:5000", "[::1]:5000" */
	struct httpd_peer peer;
};

struct timer {
	struct event	*ev;
	void		(*fn)(void *);
	void		*arg;
	struct timer	*next;
};

struct httpd_impl {
	struct event_base *base;
	struct listener	*listeners[HTTPD_MAX_LISTENERS];
	int		 nlisteners;
	struct conn	*conns;		/* every live TLS connection */
	int		 busy;		/* connections with a request in progress */
	struct timer	*timers;
	struct event	*sigterm, *sigint, *sighup, *deadline;
	void		(*log)(void *, const char *);	/* httpd_set_log */
	void		*log_arg;
	void		(*reload)(void *);		/* httpd_on_reload */
	void		*reload_arg;
	time_t		 log_sec;	/* rate limit: this second's lines */
	int		 log_n;
	unsigned long	 log_dropped;
	bool		 stopping;
	bool		 freeing;	/* httpd_free under way: no loop calls */
};

#define HTTPD_LOG_PER_SEC	20	/* connection lines, then a summary */

struct httpd_request {
	struct evhttp_request *req;
	struct listener	*l;
	struct conn	*c;
	bool		 answered;
};

static CRYPTO_ONCE	conn_once = CRYPTO_ONCE_STATIC_INIT;
static int		conn_idx = -1;

static void	conn_exfree(void *, void *, CRYPTO_EX_DATA *, int, long, void *);

static void
conn_idx_init(void)
{
	conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_exfree);
}


/* The first OpenSSL error queued (the root cause), and clears the queue. */
static const char *
tls_error(void)
{
	static _Thread_local char buf[160];
	unsigned long e = ERR_peek_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SYS)	/* reason: errno */
		cs_strlcpy(buf, strerror(ERR_GET_REASON(e)), sizeof(buf));
	else if (r != NULL)
		cs_strlcpy(buf, r, sizeof(buf));
	else if (e != 0)
		snprintf(buf, sizeof(buf), "OpenSSL error %lx", e);
	else
		cs_strlcpy(buf, "unknown error", sizeof(buf));
	ERR_clear_error();
	return buf;
}

/* ---- connections ---- */

static void
drain_check(struct httpd_impl *impl)
{
	if (impl->stopping && impl->busy == 0 && !impl->freeing)
		event_base_loopexit(impl->base, NULL);
}

static void
conn_set_busy(struct conn *c, bool busy)
{
	struct httpd_impl *impl = c->l->impl;

	if (c->busy == busy)
		return;
	c->busy = busy;
	impl->busy += busy ? 1 : -1;
	if (!busy)
		drain_check(impl);
}

static void
conn_free_timers(struct conn *c)
{
	struct event **evs[] = { &c->admit_ev, &c->close_ev, &c->deadline_ev };

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		if (*evs[i] != NULL) {
			event_free(*evs[i]);
			*evs[i] = NULL;
		}
	}
}

/* OpenSSL calls this for every SSL freed in the process; ours carry a conn. */
static void
conn_exfree(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	struct conn *c = ptr;
	struct httpd_impl *impl;

	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (c == NULL)
		return;
	impl = c->l->impl;
	conn_free_timers(c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		impl->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->l->nconn--;
	conn_set_busy(c, false);
	free(c);
}

/*
 * A line about a connection for the operator (httpd_set_log), at most
 * HTTPD_LOG_PER_SEC a second: a flood of strangers must not flood the
 * journal.  What was held back is counted in the next second's first line.
 */
static void	conn_log(struct httpd_impl *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
conn_log(struct httpd_impl *impl, const char *fmt, ...)
{
	char line[400];
	time_t now = time(NULL);
	va_list ap;

	if (impl->log == NULL)
		return;
	if (now != impl->log_sec) {
		if (impl->log_dropped > 0) {
			snprintf(line, sizeof(line), "%lu connection lines "
			    "suppressed (more than %d a second)",
			    impl->log_dropped, HTTPD_LOG_PER_SEC);
			impl->log(impl->log_arg, line);
		}
		impl->log_sec = now;
		impl->log_n = 0;
		impl->log_dropped = 0;
	}
	if (impl->log_n >= HTTPD_LOG_PER_SEC) {
		impl->log_dropped++;
		return;
	}
	impl->log_n++;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	impl->log(impl->log_arg, line);
}

/* Has this connection proved who it is, as far as TLS can tell?  On a
 * listener without client certificates, a completed handshake is all
 * there is to prove. */
static bool
conn_trusted(const struct conn *c)
{
	return c->hs_done && (!c->l->client_cert || c->peer.cert_ok);
}

static void
conn_close_now(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd; (void)what;
	/* evhttp's error callback frees the connection (and so c). */
	bufferevent_trigger_event(c->bev, BEV_EVENT_ERROR, 0);
}

/* Closes the connection from the loop, never from inside one of its own
 * callbacks (which would free what the caller is still using). */
static void
conn_close_soon(struct conn *c)
{
	struct timeval now = { 0, 0 };

	if (c->closing)
		return;
	c->closing = true;
	if (c->close_ev == NULL)
		c->close_ev = evtimer_new(c->l->impl->base, conn_close_now, c);
	if (c->close_ev != NULL)
		evtimer_add(c->close_ev, &now);
}

static void
conn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd; (void)what;
	conn_log(c->l->impl, "closed %s: %s deadline passed", c->addr,
	    c->deadline_what);
	conn_close_now(fd, what, c);
}

static void
conn_arm(struct conn *c, int secs, const char *what)
{
	struct timeval tv = { secs, 0 };

	if (c->deadline_ev == NULL)
		c->deadline_ev = evtimer_new(c->l->impl->base, conn_deadline,
		    c);
	if (c->deadline_ev == NULL) {
		conn_close_soon(c);	/* no deadline, no connection */
		return;
	}
	c->deadline_what = what;
	evtimer_add(c->deadline_ev, &tv);
}

static void
conn_disarm(struct conn *c)
{
	if (c->deadline_ev != NULL)
		evtimer_del(c->deadline_ev);
}

/* Request bytes arrived (decrypted): the connection has work in progress.
 * A peer that has not proved itself may send no more than preauth_bytes
 * (enough for a request without a body, answered with why it is refused);
 * beyond that it is closed, so what strangers send costs at most
 * preauth_bytes a connection, whatever they claim. */
static void
conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn *c = arg;
	struct listener *l = c->l;

	(void)buf;
	if (info->n_added == 0 || c->closing)
		return;
	if (!conn_trusted(c)) {
		c->preauth += info->n_added;
		if (c->preauth > l->limits.preauth_bytes) {
			conn_log(l->impl, "closed %s: %s; more than %zu bytes "
			    "sent before authentication", c->addr,
			    c->peer.error[0] != '\0' ? c->peer.error :
			    "not authenticated", l->limits.preauth_bytes);
			conn_close_soon(c);
			return;
		}
	} else if (!c->busy) {
		conn_arm(c, l->limits.request_timeout_s, "request");
	}
	conn_set_busy(c, true);
}

/* The answer was written out; busy again only if the next one is queued. */
static void
conn_request_done(struct evhttp_request *req, void *arg)
{
	struct conn *c = arg;

	(void)req;
	conn_set_busy(c, evbuffer_get_length(bufferevent_get_input(c->bev)) > 0);
}

static void
sockaddr_format(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, (unsigned)ntohs(a->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host,
		    (unsigned)ntohs(a->sin6_port));
	} else {
		cs_strlcpy(out, "?", cap);
	}
}

/* The peer's address, once evhttp has given the connection its socket
 * (the handshake may finish before the admission timer runs). */
static void
conn_fill_addr(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	if (strcmp(c->addr, "?") != 0)
		return;
	fd = (int)bufferevent_getfd(c->bev);
	memset(&ss, 0, sizeof(ss));
	if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		sockaddr_format(&ss, c->addr, sizeof(c->addr));
}

/* The host part of "host:port" or "[host]:port", for per-address counts. */
static size_t
addr_host_len(const char *a)
{
	const char *colon = strrchr(a, ':');

	return colon != NULL ? (size_t)(colon - a) : strlen(a);
}

/* A connection that may be closed to make room: it has not proved who it
 * is (still in its handshake, or without a valid certificate where one is
 * required) and has no request being answered. */
static bool
conn_evictable(const struct conn *c)
{
	return c->admitted && !c->closing && !conn_trusted(c);
}

/*
 * Runs once per connection, right after evhttp has given it its socket:
 * records the peer address, then applies the per-address cap and
 * max_connections.  At max_connections, the oldest connection that has not
 * authenticated is closed to make room, so strangers holding every slot
 * cannot keep a court out; only when every slot is held by authenticated
 * peers is the newcomer refused.
 */
static void
conn_admit(evutil_socket_t fd0, short what, void *arg)
{
	struct conn *c = arg;
	struct listener *l = c->l;
	struct conn *victim = NULL;
	int same = 0, live = 0;
	size_t hl;

	(void)fd0; (void)what;
	conn_fill_addr(c);
	hl = addr_host_len(c->addr);
	for (struct conn *o = l->impl->conns; o != NULL; o = o->next) {
		if (o == c || o->l != l || !o->admitted || o->closing)
			continue;
		live++;
		if (addr_host_len(o->addr) == hl &&
		    memcmp(o->addr, c->addr, hl) == 0)
			same++;
		if (conn_evictable(o))
			victim = o;		/* the last is the oldest */
	}
	if (same >= l->limits.max_per_address) {
		conn_log(l->impl, "refused %s: %d connections from that "
		    "address (max_per_address)", c->addr, same);
		conn_close_soon(c);
		return;
	}
	if (live >= l->limits.max_connections) {
		if (victim == NULL) {
			conn_log(l->impl, "refused %s: %d connections "
			    "(max_connections), all authenticated", c->addr,
			    live);
			conn_close_soon(c);
			return;
		}
		conn_log(l->impl, "closed %s to make room for %s: not "
		    "authenticated, %d connections (max_connections)",
		    victim->addr, c->addr, live);
		conn_close_soon(victim);
	}
	c->admitted = true;
	conn_arm(c, l->limits.handshake_timeout_s, "TLS handshake");
}

/*
 * evhttp's bevcb: never return NULL, which would make evhttp serve plain
 * HTTP on this connection.  Out of memory, it gets a plain bufferevent and
 * the dispatcher answers 503 to anything arriving on it.
 */
static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct listener *l = arg;
	struct httpd_impl *impl = l->impl;
	struct timeval now = { 0, 0 };
	struct bufferevent *bev;
	struct conn *c;
	SSL *ssl;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fallback;
	if ((ssl = SSL_new(l->ctx)) == NULL) {
		free(c);
		goto fallback;
	}
	c->l = l;
	c->ssl = ssl;
	cs_strlcpy(c->addr, "?", sizeof(c->addr));
	if (SSL_set_ex_data(ssl, conn_idx, c) != 1) {
		free(c);
		SSL_free(ssl);
		goto fallback;
	}
	c->next = impl->conns;
	if (impl->conns != NULL)
		impl->conns->prev = c;
	impl->conns = c;
	l->nconn++;
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		/* Whether libevent freed the SSL differs across 2.1
		 * releases: leak it rather than risk a double free. */
		goto fallback;
	}
	c->bev = bev;
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	if (evbuffer_add_cb(bufferevent_get_input(bev), conn_input, c) ==
	    NULL || (c->admit_ev = evtimer_new(base, conn_admit, c)) == NULL) {
		conn_close_soon(c);
		return bev;
	}
	evtimer_add(c->admit_ev, &now);
	return bev;

fallback:
	return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

/* ---- TLS ---- */

static int
tls_verify(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	struct conn *c = ssl != NULL ? SSL_get_ex_data(ssl, conn_idx) : NULL;
	int e;

	if (c == NULL)
		return ok;	/* nowhere to record a failure: let it fail */
	if (!ok && c->verify_err == 0) {
		e = X509_STORE_CTX_get_error(x);
		c->verify_err = e != X509_V_OK ? e : X509_V_ERR_UNSPECIFIED;
	}
	return 1;
}

static void	peer_compute(struct conn *);

/*
 * The handshake is complete: the TLS verdict on the peer is final.  A
 * trusted peer has until request_timeout_s for each request; one that did
 * not prove itself where a certificate is required is logged with the
 * reason and keeps the handshake deadline, time enough to read why it is
 * refused and no more.
 */
static void
conn_authenticated(struct conn *c)
{
	struct listener *l = c->l;

	c->hs_done = true;
	conn_fill_addr(c);
	peer_compute(c);
	if (conn_trusted(c)) {
		conn_disarm(c);
		return;
	}
	conn_log(l->impl, "TLS client %s not authenticated: %s%s", c->addr,
	    c->peer.has_cert ? "certificate rejected: " : "", c->peer.error);
}

static void
tls_info(const SSL *ssl, int where, int ret)
{
	struct conn *c;
	int fd, one = 1;

	(void)ret;
	if ((where & (SSL_CB_HANDSHAKE_START | SSL_CB_HANDSHAKE_DONE)) == 0)
		return;
	c = SSL_get_ex_data(ssl, conn_idx);
	if (c == NULL)
		return;
	if ((where & SSL_CB_HANDSHAKE_DONE) != 0) {
		if (!c->hs_done)
			conn_authenticated(c);
		return;
	}
	if (c->nodelay)
		return;
	c->nodelay = true;
	fd = SSL_get_fd(ssl);
	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
}

/* Loads the private key from an open file whose mode was checked (no
 * window between the check and the read). */
static int
tls_load_key(SSL_CTX *ctx, const char *path, char *err, size_t errlen)
{
	struct stat st;
	EVP_PKEY *pkey = NULL;
	FILE *fp = NULL;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		cs_err(err, errlen, "cannot load key %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		cs_err(err, errlen, "cannot load key %s: %s", path,
		    strerror(errno));
		close(fd);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		cs_err(err, errlen, "key file %s is mode %04o; must be 0600",
		    path, (unsigned)(st.st_mode & 07777));
		close(fd);
		goto out;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		cs_err(err, errlen, "cannot load key %s: %s", path,
		    strerror(errno));
		close(fd);
		goto out;
	}
	if ((pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL)) == NULL) {
		cs_err(err, errlen, "cannot load key %s: %s", path, tls_error());
		goto out;
	}
	if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1) {
		cs_err(err, errlen, "cannot use key %s with the certificate: %s",
		    path, tls_error());
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(pkey);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

static SSL_CTX *
tls_context(const struct httpd_listener_config *c, char *err, size_t errlen)
{
	static const unsigned char sid_ctx[] = "courtsync";
	X509_LOOKUP *lookup;
	SSL_CTX *ctx;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		cs_err(err, errlen, "cannot create TLS context: %s", tls_error());
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		cs_err(err, errlen, "cannot require TLS 1.2: %s", tls_error());
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* TLS 1.2 only with forward-secret AEAD suites (TLS 1.3 has no
	 * other kind): no CBC, no static RSA. */
	if (SSL_CTX_set_cipher_list(ctx, HTTPD_TLS12_CIPHERS) != 1) {
		cs_err(err, errlen, "cannot set the TLS 1.2 cipher list: %s",
		    tls_error());
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, c->cert_file) != 1) {
		cs_err(err, errlen, "cannot load certificate %s: %s",
		    c->cert_file, tls_error());
		goto fail;
	}
	if (tls_load_key(ctx, c->key_file, err, errlen) == -1)
		goto fail;
	if (SSL_CTX_check_private_key(ctx) != 1) {
		cs_err(err, errlen, "key %s does not match certificate %s",
		    c->key_file, c->cert_file);
		ERR_clear_error();
		goto fail;
	}
	/* Session resumption with client certificates needs an id context
	 * (FIELD-NOTES). */
	if (SSL_CTX_set_session_id_context(ctx, sid_ctx,
	    sizeof(sid_ctx) - 1) != 1) {
		cs_err(err, errlen, "cannot set session id context: %s",
		    tls_error());
		goto fail;
	}
	SSL_CTX_set_info_callback(ctx, tls_info);
	if (!c->client_cert) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return ctx;
	}
	if (SSL_CTX_load_verify_locations(ctx, c->ca_file, NULL) != 1) {
		cs_err(err, errlen, "cannot load CA file %s: %s", c->ca_file,
		    tls_error());
		goto fail;
	}
	{
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(c->ca_file);
		if (names != NULL)
			SSL_CTX_set_client_CA_list(ctx, names);
		ERR_clear_error();
	}
	if (c->crl_file != NULL) {
		X509_STORE *store = SSL_CTX_get_cert_store(ctx);
		lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
		if (lookup == NULL || X509_load_crl_file(lookup, c->crl_file,
		    X509_FILETYPE_PEM) <= 0) {
			cs_err(err, errlen, "cannot load CRL %s: %s",
			    c->crl_file, tls_error());
			goto fail;
		}
		/* The leaf's revocation is checked; the CA is the root. */
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_verify);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static void
peer_compute(struct conn *c)
{
	struct httpd_peer *p = &c->peer;
	X509 *cert = SSL_get0_peer_certificate(c->ssl);
	long vr;
	int e;

	memset(p, 0, sizeof(*p));
	c->peer_done = true;
	cs_strlcpy(p->addr, c->addr, sizeof(p->addr));
	if (cert == NULL) {
		cs_strlcpy(p->error, "no client certificate", sizeof(p->error));
		return;
	}
	p->has_cert = true;
	vr = SSL_get_verify_result(c->ssl);
	e = c->verify_err != 0 ? c->verify_err : (int)vr;
	if (e != X509_V_OK) {
		cs_strlcpy(p->error, X509_verify_cert_error_string(e),
		    sizeof(p->error));
		return;
	}
	p->cert_ok = true;
	/* Only a verified certificate names a court: anyone can mint one
	 * that says "courtsync:cn/gs". */
	crypto_cert_court(cert, p->court, sizeof(p->court));
}

/* ---- requests ---- */

/* Answers {"error": code, "message": message}; the message is cut to 200
 * bytes at a character boundary and escaped by the tree's one JSON
 * escaper (json.h). */
static void
reply_error(struct httpd_request *r, int status, const char *code,
    const char *message)
{
	struct buf b;
	size_t n = strlen(message);

	if (n > 200) {
		n = 200;
		while (n > 0 && ((unsigned char)message[n] & 0xc0) == 0x80)
			n--;
	}
	buf_init(&b, 2048);		/* 200 bytes escaped, 6 each at worst */
	if (buf_printf(&b, "{\"error\":\"%s\",\"message\":", code) == -1 ||
	    json_put_str(&b, message, n) == -1 || buf_append(&b, "}", 1) == -1)
		b.len = 0;
	httpd_reply(r, status, "application/json", b.len > 0 ? (char *)b.p : "",
	    b.len);
	buf_free(&b);
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * The query string as handlers will see it, decoded: refused when a
 * percent-escape is malformed, when it decodes to NUL (evhttp's decoder
 * would cut "wudu%00x" to "wudu") or to a control character, or when the
 * decoded bytes are not UTF-8.  0, or -1 with why.
 */
static int
query_check(const char *q, char *why, size_t cap)
{
	unsigned char dec[4];
	size_t i = 0, n = strlen(q);

	while (i < n) {
		size_t k = 0, adv = 0;

		/* Decode up to one UTF-8 sequence's worth of bytes. */
		while (k < sizeof(dec) && i + adv < n) {
			int ch = (unsigned char)q[i + adv];
			if (ch == '%') {
				/* q ends in NUL: no read past it. */
				int hi = hexval((unsigned char)q[i + adv + 1]);
				int lo = hi >= 0 ?
				    hexval((unsigned char)q[i + adv + 2]) : -1;
				if (hi < 0 || lo < 0) {
					snprintf(why, cap, "malformed "
					    "percent-escape at query offset "
					    "%zu", i + adv);
					return -1;
				}
				ch = hi << 4 | lo;
				adv += 3;
			} else {
				adv++;
			}
			dec[k++] = (unsigned char)ch;
			if (k == 1 && dec[0] < 0x80)
				break;
			if (k > 1 && utf8_seq_len(dec, k) == k)
				break;
		}
		if (dec[0] < 0x20 || dec[0] == 0x7f) {
			snprintf(why, cap, "control character 0x%02x in the "
			    "query", dec[0]);
			return -1;
		}
		if (utf8_seq_len(dec, k) != k) {
			snprintf(why, cap, "the query is not UTF-8 (byte 0x%02x"
			    " at offset %zu)", dec[0], i);
			return -1;
		}
		i += adv;
	}
	return 0;
}

static void
dispatch(struct evhttp_request *req, void *arg)
{
	struct httpd_request r = { .req = req, .l = arg };
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon != NULL ?
	    evhttp_connection_get_bufferevent(evcon) : NULL;
	SSL *ssl = bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
	const struct evhttp_uri *u;
	const char *path, *q;
	char msg[300];

	r.c = ssl != NULL ? SSL_get_ex_data(ssl, conn_idx) : NULL;
	if (r.c == NULL) {
		reply_error(&r, 503, "unavailable", "server out of memory");
		return;
	}
	evhttp_request_set_on_complete_cb(req, conn_request_done, r.c);
	if (conn_trusted(r.c))
		conn_disarm(r.c);	/* the request is in: deadline met */
	u = evhttp_request_get_evhttp_uri(req);
	if (u != NULL && (q = evhttp_uri_get_query(u)) != NULL &&
	    query_check(q, msg, sizeof(msg)) == -1) {
		reply_error(&r, 400, "bad_request", msg);
		return;
	}
	path = httpd_path(&r);
	for (int i = 0; i < r.l->nroutes; i++) {
		if (strcmp(r.l->routes[i].path, path) == 0) {
			r.l->routes[i].fn(&r, r.l->routes[i].arg);
			if (!r.answered)
				reply_error(&r, 500, "internal",
				    "handler did not answer");
			return;
		}
	}
	snprintf(msg, sizeof(msg), "no resource at %.200s", path);
	reply_error(&r, 404, "not_found", msg);
}

/* ---- public ---- */

int
httpd_init(struct httpd *h, char *err, size_t errlen)
{
	struct httpd_impl *impl;

	memset(h, 0, sizeof(*h));
	if (!CRYPTO_THREAD_run_once(&conn_once, conn_idx_init) ||
	    conn_idx < 0) {
		cs_err(err, errlen, "cannot register TLS connection data");
		return -1;
	}
	if ((impl = calloc(1, sizeof(*impl))) == NULL) {
		cs_err(err, errlen, "out of memory");
		return -1;
	}
	if ((impl->base = event_base_new()) == NULL) {
		cs_err(err, errlen, "cannot create event loop");
		free(impl);
		return -1;
	}
	h->base = impl->base;
	h->impl = impl;
	return 0;
}

static int
limits_check(const struct httpd_limits *lim, const char *name, char *err,
    size_t errlen)
{
	if (lim->max_body == 0 || lim->max_body > (size_t)EV_SSIZE_MAX) {
		cs_err(err, errlen, "listener %s: max_body must be 1..%lld",
		    name, (long long)EV_SSIZE_MAX);
		return -1;
	}
	if (lim->max_headers == 0 || lim->max_headers > (size_t)EV_SSIZE_MAX) {
		cs_err(err, errlen, "listener %s: max_headers must be 1..%lld",
		    name, (long long)EV_SSIZE_MAX);
		return -1;
	}
	if (lim->timeout_s <= 0) {
		cs_err(err, errlen, "listener %s: timeout_s must be > 0", name);
		return -1;
	}
	if (lim->max_connections <= 0) {
		cs_err(err, errlen, "listener %s: max_connections must be > 0",
		    name);
		return -1;
	}
	if (lim->max_per_address <= 0) {
		cs_err(err, errlen, "listener %s: max_per_address must be > 0",
		    name);
		return -1;
	}
	if (lim->handshake_timeout_s <= 0 || lim->request_timeout_s <= 0) {
		cs_err(err, errlen, "listener %s: handshake_timeout_s and "
		    "request_timeout_s must be > 0", name);
		return -1;
	}
	if (lim->preauth_bytes == 0) {
		cs_err(err, errlen, "listener %s: preauth_bytes must be > 0",
		    name);
		return -1;
	}
	return 0;
}

/* Creates, binds and listens; returns the socket, or -1 with err set. */
static int
listen_socket(const char *addr, uint16_t port, const char *name,
    uint16_t *bound, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
	} else {
		cs_err(err, errlen, "listener address %s is not an IP address",
		    addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		cs_err(err, errlen, "cannot create socket for %s: %s", name,
		    strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
		cs_err(err, errlen, "cannot bind %s: %s", name, strerror(errno));
		goto fail;
	}
	if (listen(fd, 128) == -1) {
		cs_err(err, errlen, "cannot listen on %s: %s", name,
		    strerror(errno));
		goto fail;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		cs_err(err, errlen, "cannot read the address of %s: %s", name,
		    strerror(errno));
		goto fail;
	}
	*bound = ntohs(ss.ss_family == AF_INET ? sin->sin_port :
	    sin6->sin6_port);
	return fd;
fail:
	close(fd);
	return -1;
}

int
httpd_listen(struct httpd *h, const struct httpd_listener_config *c,
    char *err, size_t errlen)
{
	struct httpd_impl *impl = h->impl;
	struct listener *l = NULL;
	char name[96];
	int fd;

	if (impl == NULL || c == NULL || c->addr == NULL) {
		cs_err(err, errlen, "listener: no server or no address");
		return -1;
	}
	snprintf(name, sizeof(name), strchr(c->addr, ':') != NULL ?
	    "[%s]:%u" : "%s:%u", c->addr, (unsigned)c->port);
	if (impl->nlisteners >= HTTPD_MAX_LISTENERS) {
		cs_err(err, errlen, "listener %s: more than %d listeners", name,
		    HTTPD_MAX_LISTENERS);
		return -1;
	}
	if (c->cert_file == NULL || c->key_file == NULL) {
		cs_err(err, errlen, "listener %s: certificate and key required",
		    name);
		return -1;
	}
	if ((c->client_cert || c->crl_file != NULL) && c->ca_file == NULL) {
		cs_err(err, errlen, "listener %s: client certificates need a CA "
		    "file", name);
		return -1;
	}
	if (limits_check(&c->limits, name, err, errlen) == -1)
		return -1;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		cs_err(err, errlen, "listener %s: out of memory", name);
		return -1;
	}
	l->impl = impl;
	l->limits = c->limits;
	l->client_cert = c->client_cert;
	if ((l->ctx = tls_context(c, err, errlen)) == NULL)
		goto fail;
	if ((l->http = evhttp_new(impl->base)) == NULL) {
		cs_err(err, errlen, "listener %s: cannot create HTTP server",
		    name);
		goto fail;
	}
	evhttp_set_bevcb(l->http, conn_new, l);
	evhttp_set_gencb(l->http, dispatch, l);
	evhttp_set_max_body_size(l->http, (ev_ssize_t)c->limits.max_body);
	evhttp_set_max_headers_size(l->http,
	    (ev_ssize_t)c->limits.max_headers);
	evhttp_set_timeout(l->http, c->limits.timeout_s);
	evhttp_set_allowed_methods(l->http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	/* Read (and drop) an oversized body before answering 413: closing
	 * with unread data resets the connection and loses the answer. */
	evhttp_set_flags(l->http, EVHTTP_SERVER_LINGERING_CLOSE);
	if ((fd = listen_socket(c->addr, c->port, name, &l->port, err,
	    errlen)) == -1)
		goto fail;
	if ((l->bound = evhttp_accept_socket_with_handle(l->http, fd)) ==
	    NULL) {
		cs_err(err, errlen, "cannot listen on %s", name);
		close(fd);
		goto fail;
	}
	impl->listeners[impl->nlisteners] = l;
	return impl->nlisteners++;
fail:
	if (l->http != NULL)
		evhttp_free(l->http);
	SSL_CTX_free(l->ctx);
	free(l);
	return -1;
}

static struct listener *
listener_get(struct httpd *h, int n)
{
	struct httpd_impl *impl = h->impl;

	if (impl == NULL || n < 0 || n >= impl->nlisteners)
		return NULL;
	return impl->listeners[n];
}

int
httpd_reload(struct httpd *h, int listener,
    const struct httpd_listener_config *c, char *err, size_t errlen)
{
	struct listener *l = listener_get(h, listener);
	SSL_CTX *ctx;

	if (l == NULL || c == NULL) {
		cs_err(err, errlen, "reload: no listener %d", listener);
		return -1;
	}
	if (c->client_cert != l->client_cert ||
	    (c->client_cert && c->ca_file == NULL)) {
		cs_err(err, errlen, "reload: a listener cannot change whether "
		    "it asks for client certificates");
		return -1;
	}
	if (limits_check(&c->limits, "reload", err, errlen) == -1)
		return -1;
	if ((ctx = tls_context(c, err, errlen)) == NULL)
		return -1;
	/* Every SSL holds a reference to the context it was made with. */
	SSL_CTX_free(l->ctx);
	l->ctx = ctx;
	l->limits = c->limits;
	evhttp_set_max_body_size(l->http, (ev_ssize_t)c->limits.max_body);
	evhttp_set_max_headers_size(l->http,
	    (ev_ssize_t)c->limits.max_headers);
	evhttp_set_timeout(l->http, c->limits.timeout_s);
	for (struct conn *o = l->impl->conns; o != NULL; o = o->next)
		if (o->l == l && !o->busy)
			conn_close_soon(o);
	return 0;
}

uint16_t
httpd_port(struct httpd *h, int listener)
{
	struct listener *l = listener_get(h, listener);

	return l != NULL ? l->port : 0;
}

int
httpd_route(struct httpd *h, int listener, const char *path,
    httpd_handler fn, void *arg)
{
	struct listener *l = listener_get(h, listener);
	struct route *r;

	if (l == NULL || path == NULL || path[0] != '/' || fn == NULL ||
	    l->nroutes >= HTTPD_MAX_ROUTES)
		return -1;
	for (int i = 0; i < l->nroutes; i++)
		if (strcmp(l->routes[i].path, path) == 0)
			return -1;
	r = &l->routes[l->nroutes];
	if ((r->path = strdup(path)) == NULL)
		return -1;
	r->fn = fn;
	r->arg = arg;
	l->nroutes++;
	return 0;
}

static void
timer_fire(evutil_socket_t fd, short what, void *arg)
{
	struct timer *t = arg;

	(void)fd; (void)what;
	t->fn(t->arg);
}

int
httpd_every(struct httpd *h, unsigned ms, void (*fn)(void *), void *arg)
{
	struct httpd_impl *impl = h->impl;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
	struct timer *t;

	if (impl == NULL || ms == 0 || fn == NULL)
		return -1;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	t->fn = fn;
	t->arg = arg;
	t->ev = event_new(impl->base, -1, EV_PERSIST, timer_fire, t);
	if (t->ev == NULL || event_add(t->ev, &tv) == -1) {
		if (t->ev != NULL)
			event_free(t->ev);
		free(t);
		return -1;
	}
	t->next = impl->timers;
	impl->timers = t;
	return 0;
}

static void
stop_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct httpd_impl *impl = arg;

	(void)fd; (void)what;
	event_base_loopexit(impl->base, NULL);
}

void
httpd_stop(struct httpd *h)
{
	struct httpd_impl *impl = h->impl;
	struct timeval tv = { 0, 0 };

	if (impl == NULL || impl->stopping)
		return;
	impl->stopping = true;
	for (int i = 0; i < impl->nlisteners; i++) {
		struct listener *l = impl->listeners[i];
		if (l->bound != NULL) {
			evhttp_del_accept_socket(l->http, l->bound);
			l->bound = NULL;
		}
		if (l->limits.timeout_s > tv.tv_sec)
			tv.tv_sec = l->limits.timeout_s;
	}
	impl->deadline = evtimer_new(impl->base, stop_deadline, impl);
	if (impl->deadline == NULL || evtimer_add(impl->deadline, &tv) == -1)
		event_base_loopexit(impl->base, NULL);
	drain_check(impl);
}

void
httpd_set_log(struct httpd *h, void (*fn)(void *, const char *), void *arg)
{
	struct httpd_impl *impl = h->impl;

	if (impl == NULL)
		return;
	impl->log = fn;
	impl->log_arg = arg;
}

void
httpd_on_reload(struct httpd *h, void (*fn)(void *), void *arg)
{
	struct httpd_impl *impl = h->impl;

	if (impl == NULL)
		return;
	impl->reload = fn;
	impl->reload_arg = arg;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct httpd *h = arg;
	struct httpd_impl *impl = h->impl;

	(void)what;
	if (sig == SIGHUP) {		/* never a reason to stop */
		if (impl->reload != NULL)
			impl->reload(impl->reload_arg);
		else if (impl->log != NULL)
			impl->log(impl->log_arg, "SIGHUP: nothing to reload");
		return;
	}
	if (impl->stopping)		/* asked twice: stop now */
		event_base_loopexit(impl->base, NULL);
	else
		httpd_stop(h);
}

int
httpd_run(struct httpd *h, char *err, size_t errlen)
{
	struct httpd_impl *impl = h->impl;
	struct sigaction sa;
	int rc;

	if (impl == NULL) {
		cs_err(err, errlen, "httpd_run: server not initialised");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGPIPE, &sa, NULL);
	impl->sigterm = evsignal_new(impl->base, SIGTERM, on_signal, h);
	impl->sigint = evsignal_new(impl->base, SIGINT, on_signal, h);
	impl->sighup = evsignal_new(impl->base, SIGHUP, on_signal, h);
	if (impl->sigterm == NULL || impl->sigint == NULL ||
	    impl->sighup == NULL || evsignal_add(impl->sigterm, NULL) == -1 ||
	    evsignal_add(impl->sigint, NULL) == -1 ||
	    evsignal_add(impl->sighup, NULL) == -1) {
		cs_err(err, errlen, "cannot install SIGTERM/SIGINT/SIGHUP "
		    "handlers");
		rc = -1;
		goto out;
	}
	rc = event_base_dispatch(impl->base);
	if (rc == -1)
		cs_err(err, errlen, "event loop failed");
	else
		rc = 0;
out:
	if (impl->sigterm != NULL)
		event_free(impl->sigterm);
	if (impl->sigint != NULL)
		event_free(impl->sigint);
	if (impl->sighup != NULL)
		event_free(impl->sighup);
	impl->sigterm = impl->sigint = impl->sighup = NULL;
	return rc;
}

void
httpd_free(struct httpd *h)
{
	struct httpd_impl *impl = h->impl;

	if (impl == NULL)
		return;
	impl->freeing = true;
	while (impl->timers != NULL) {
		struct timer *t = impl->timers;
		impl->timers = t->next;
		event_free(t->ev);
		free(t);
	}
	if (impl->deadline != NULL)
		event_free(impl->deadline);
	for (struct conn *c = impl->conns; c != NULL; c = c->next)
		conn_free_timers(c);
	/* Connections (and so their SSL and conn) go with the evhttp and the
	 * base; listeners must outlive them. */
	for (int i = 0; i < impl->nlisteners; i++)
		evhttp_free(impl->listeners[i]->http);
	event_base_free(impl->base);
	for (int i = 0; i < impl->nlisteners; i++) {
		struct listener *l = impl->listeners[i];
		for (int j = 0; j < l->nroutes; j++)
			free(l->routes[j].path);
		SSL_CTX_free(l->ctx);
		free(l);
	}
	free(impl);
	memset(h, 0, sizeof(*h));
}

const char *
httpd_method(struct httpd_request *r)
{
	switch (evhttp_request_get_command(r->req)) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	default:
		return "OTHER";
	}
}

const char *
httpd_path(struct httpd_request *r)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(r->req);
	const char *p = u != NULL ? evhttp_uri_get_path(u) : NULL;

	return p != NULL ? p : "";
}

/* A value too long for `out` counts as absent (a truncated court path or
 * id would name something else). */
int
httpd_query(struct httpd_request *r, const char *key, char *out, size_t cap)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(r->req);
	const char *q = u != NULL ? evhttp_uri_get_query(u) : NULL;
	struct evkeyvalq kv;
	const char *v;
	int found = 0;

	if (cap > 0)
		out[0] = '\0';
	if (q == NULL || cap == 0)
		return 0;
	memset(&kv, 0, sizeof(kv));	/* parse_query_str initialises it */
	if (evhttp_parse_query_str(q, &kv) == 0 &&
	    (v = evhttp_find_header(&kv, key)) != NULL) {
		if (strlen(v) < cap) {
			memcpy(out, v, strlen(v) + 1);
			found = 1;
		}
	}
	evhttp_clear_headers(&kv);
	return found;
}

const char *
httpd_query_string(struct httpd_request *r)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(r->req);

	return u != NULL ? evhttp_uri_get_query(u) : NULL;
}

const char *
httpd_header(struct httpd_request *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    name);
}

int
httpd_set_header(struct httpd_request *r, const char *name,
    const char *value)
{
	if (strpbrk(value, "\r\n") != NULL)	/* no header splitting */
		return -1;
	return evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    name, value);
}

int
httpd_form(struct httpd_request *r, const char *key, char *out, size_t cap)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	size_t n = evbuffer_get_length(in);
	struct evkeyvalq kv;
	char *text, why[160];
	const char *v;
	int found = -1;

	if (cap > 0)
		out[0] = '\0';
	if (cap == 0 || (text = malloc(n + 1)) == NULL)
		return -1;
	if (evbuffer_copyout(in, text, n) != (ev_ssize_t)n) {
		free(text);
		return -1;
	}
	text[n] = '\0';
	memset(&kv, 0, sizeof(kv));
	if (memchr(text, '\0', n) == NULL &&
	    query_check(text, why, sizeof(why)) == 0 &&
	    evhttp_parse_query_str(text, &kv) == 0) {
		found = 0;
		if ((v = evhttp_find_header(&kv, key)) != NULL &&
		    strlen(v) < cap) {
			memcpy(out, v, strlen(v) + 1);
			found = 1;
		}
	}
	evhttp_clear_headers(&kv);
	free(text);
	return found;
}

const uint8_t *
httpd_body(struct httpd_request *r, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	const uint8_t *p;

	*len = evbuffer_get_length(in);
	if (*len == 0)
		return (const uint8_t *)"";
	if ((p = evbuffer_pullup(in, -1)) == NULL)
		*len = 0;
	return p != NULL ? p : (const uint8_t *)"";
}

const struct httpd_peer *
httpd_peer(struct httpd_request *r)
{
	if (!r->c->peer_done)
		peer_compute(r->c);
	return &r->c->peer;
}

void
httpd_reply(struct httpd_request *r, int status, const char *ctype,
    const void *body, size_t len)
{
	struct evkeyvalq *hdr;
	struct evbuffer *out;

	if (r == NULL || r->answered)
		return;			/* answered already: ignore */
	r->answered = true;
	if (status < 100 || status > 599)
		status = 500;
	hdr = evhttp_request_get_output_headers(r->req);
	out = evhttp_request_get_output_buffer(r->req);
	if (ctype != NULL)
		evhttp_add_header(hdr, "Content-Type", ctype);
	if (r->l->impl->stopping)
		evhttp_add_header(hdr, "Connection", "close");
	if (evhttp_request_get_command(r->req) == EVHTTP_REQ_HEAD) {
		/* evhttp would send a HEAD body; announce its length only. */
		char n[24];
		snprintf(n, sizeof(n), "%zu", len);
		evhttp_add_header(hdr, "Content-Length", n);
	} else if (len > 0 && evbuffer_add(out, body, len) == -1) {
		evbuffer_drain(out, evbuffer_get_length(out));
		status = 500;
	}
	evhttp_send_reply(r->req, status, NULL, NULL);
}
