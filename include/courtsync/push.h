/*
 * push.h — the HTTPS client a node uses to talk to its parent: libcurl,
 * one kept-alive connection, client certificate, the deployment CA pinned.
 * The only module that includes <curl/curl.h>.
 */
#ifndef COURTSYNC_PUSH_H
#define COURTSYNC_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "courtsync/codec.h"

struct push_config {
	const char	*base_url;	/* https://127.0.0.1:8443 */
	const char	*cert_file;	/* our TLS certificate (client auth) */
	const char	*key_file;	/* its key */
	const char	*ca_file;	/* the deployment CA: the only trust anchor */
	long		 connect_timeout_ms;
	long		 timeout_ms;	/* whole request */
	size_t		 max_response;	/* response body cap */
	int		(*cancel)(void);/* non-zero: abort the request in
					 * flight (shutdown), or NULL */
	const char	*server_court;	/* the court path the server's
					 * certificate must name (the parent),
					 * or NULL: host name only */
};

struct push_client {
	void		*curl;		/* CURL *, reused: keeps the connection */
	char		 base[512];
	struct push_config cfg;		/* file names point into the copies: */
	char		 cert[4096], key[4096], ca[4096];
	char		 court[CS_ORIGIN_MAX];	/* server_court, or "" */
	char		 seen[CS_ORIGIN_MAX];	/* the court a refused server's
						 * certificate named */
	int		 wrong_court;	/* the last handshake was refused for
					 * that */
};

/* Sets up the client (no connection yet).  A zeroed client is fine to free. */
int	push_init(struct push_client *p, const struct push_config *c,
	    char *err, size_t errlen);
void	push_free(struct push_client *p);

/* One request: POST when body != NULL (Content-Type: application/msgpack),
 * else GET.  path includes any query string.  Returns 0 when an HTTP
 * answer arrived (any status, in *status, body in resp), -1 on a transport
 * failure (err: curl's reason, e.g. "Connection refused").  With
 * server_court set, a server whose certificate (valid for the CA and the
 * host name) names another court is refused during the handshake, before
 * anything is sent: -1 with "the server at URL is X, not the parent Y". */
int	push_request(struct push_client *p, const char *path, const void *body,
	    size_t n, long *status, struct buf *resp, char *err, size_t errlen);

/* Capped exponential backoff with full jitter: a random delay in
 * [0, min(cap, base·2^attempt)] milliseconds. */
uint64_t push_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms);

#endif
