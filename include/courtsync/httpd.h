/*
 * httpd.h — the HTTPS server: libevent's evhttp over bufferevent_openssl.
 * The only module that includes <event2/...>.
 *
 * One event loop (struct httpd) serves one or more listeners.  A listener
 * either requires the peer to present a certificate of the deployment CA
 * (the sync endpoints) or asks for none (the dashboard, later).  TLS
 * verification never aborts the handshake: the verdict is recorded and
 * handed to the handler (struct httpd_peer), so a refused client gets an
 * HTTP answer with a machine-readable reason instead of a bare TLS alert.
 * Handlers of client-certificate listeners MUST check the peer.
 *
 * Every limit is explicit (httpd_limits), never a library default; every
 * accepted socket gets TCP_NODELAY (FIELD-NOTES: evhttp over TLS otherwise
 * stalls 40 ms per request).  A handler answers exactly once, with
 * httpd_reply, on one exit path.
 */
#ifndef COURTSYNC_HTTPD_H
#define COURTSYNC_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "courtsync/codec.h"

#define HTTPD_MAX_ROUTES	32

struct httpd_limits {
	size_t		max_body;	/* request body bytes (413 beyond) */
	size_t		max_headers;	/* request header bytes */
	int		timeout_s;	/* read/write idle timeout per connection */
	int		max_connections;/* concurrent connections per listener */
	int		max_per_address;/* concurrent connections per peer IP */
	int		handshake_timeout_s; /* accept to TLS handshake done;
					 * also all an unauthenticated peer
					 * gets after it */
	int		request_timeout_s; /* first byte of a request to its
					 * last, for an authenticated peer */
	size_t		preauth_bytes;	/* bytes a peer may send before it is
					 * authenticated; closed beyond */
};

struct httpd_listener_config {
	const char	*addr;		/* "127.0.0.1", "::1", "0.0.0.0" */
	uint16_t	 port;		/* 0: pick a free port (see httpd_port) */
	const char	*cert_file;	/* server certificate chain, PEM */
	const char	*key_file;	/* its private key, PEM, mode 0600 */
	const char	*ca_file;	/* CA that client certificates chain to */
	const char	*crl_file;	/* CRL of that CA, or NULL */
	bool		 client_cert;	/* ask for and verify a client certificate */
	struct httpd_limits limits;
};

/* What TLS learned of the peer, for the handler to decide on. */
struct httpd_peer {
	char	addr[64];		/* "127.0.0.1:5000", "[::1]:5000" */
	bool	has_cert;		/* the client presented a certificate */
	bool	cert_ok;		/* it chains to the CA, valid, not revoked */
	char	error[160];		/* why not, e.g. "certificate has expired" */
	char	court[CS_ORIGIN_MAX];	/* court path from the certificate's
					 * URI SAN "courtsync:<path>", or "" */
};

struct httpd_request;			/* one request, opaque */
typedef void (*httpd_handler)(struct httpd_request *r, void *arg);

struct httpd {
	void		*base;		/* struct event_base * */
	void		*impl;		/* listeners, routes, signal events */
};

/* Creates the event loop.  A zeroed httpd is fine to free. */
int	httpd_init(struct httpd *h, char *err, size_t errlen);
/* Adds a listener: loads certificate, key (refusing a key file readable by
 * group or others), CA and CRL, binds.  Returns the listener's number. */
int	httpd_listen(struct httpd *h, const struct httpd_listener_config *c,
	    char *err, size_t errlen);
/* Replaces a listener's certificate, key, CA, CRL and limits, loaded
 * from c exactly as httpd_listen loads them, for connections accepted
 * from now on; idle connections are closed, so every peer is verified
 * again with the new CA and CRL.  On error nothing changes. */
int	httpd_reload(struct httpd *h, int listener,
	    const struct httpd_listener_config *c, char *err, size_t errlen);
/* The port a listener is bound to (useful with port 0). */
uint16_t httpd_port(struct httpd *h, int listener);
/* Routes requests for an exact path (query string excluded) on a listener
 * to a handler; unknown paths get 404 {"error":"not_found"}. */
int	httpd_route(struct httpd *h, int listener, const char *path,
	    httpd_handler fn, void *arg);
/* Calls fn every `ms` milliseconds on the loop (e.g. housekeeping). */
int	httpd_every(struct httpd *h, unsigned ms, void (*fn)(void *), void *arg);
/* Lines for the operator about connections refused, closed or not
 * authenticated (at most 20 a second; the rest counted).  No logger: no
 * lines. */
void	httpd_set_log(struct httpd *h, void (*fn)(void *, const char *),
	    void *arg);
/* Called on the loop for SIGHUP, which never stops the loop. */
void	httpd_on_reload(struct httpd *h, void (*fn)(void *), void *arg);
/* Runs the loop until SIGTERM or SIGINT or httpd_stop; then stops
 * accepting, lets requests in flight finish (up to timeout_s), returns. */
int	httpd_run(struct httpd *h, char *err, size_t errlen);
/* Asks the loop to stop (from the loop's thread). */
void	httpd_stop(struct httpd *h);
/* Frees everything; closes listeners. */
void	httpd_free(struct httpd *h);

/* Request accessors. */
const char *httpd_method(struct httpd_request *r);	/* "GET", "POST", … */
const char *httpd_path(struct httpd_request *r);	/* without query */
/* Copies query parameter `key` (URL-decoded) into out; 1 found, 0 not. */
int	httpd_query(struct httpd_request *r, const char *key, char *out,
	    size_t cap);
/* The request body (complete; evhttp enforces max_body with 413). */
const uint8_t *httpd_body(struct httpd_request *r, size_t *len);
const struct httpd_peer *httpd_peer(struct httpd_request *r);
/* The raw query string (after '?', checked by the dispatcher), or NULL. */
const char *httpd_query_string(struct httpd_request *r);
/* A request header's value, or NULL. */
const char *httpd_header(struct httpd_request *r, const char *name);
/* Adds a header to the answer (before httpd_reply); a value holding CR
 * or LF is refused.  0 or -1. */
int	httpd_set_header(struct httpd_request *r, const char *name,
	    const char *value);
/* Copies field `key` of an application/x-www-form-urlencoded body
 * (URL-decoded) into out: 1 found, 0 absent or too long for out, -1 the
 * body is not such a form (a malformed escape, a control character, not
 * UTF-8, as for queries). */
int	httpd_form(struct httpd_request *r, const char *key, char *out,
	    size_t cap);

/* Answers the request: status, content type, body.  Exactly once. */
void	httpd_reply(struct httpd_request *r, int status, const char *ctype,
	    const void *body, size_t len);

#endif
