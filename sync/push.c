/*
 * push.c — the HTTPS client to a node's parent (see push.h).
 *
 * One CURL handle per client, reused for every request, so libcurl keeps
 * the TLS connection alive (FIELD-NOTES: a full mutual-TLS handshake costs
 * the server ~1.9 ms of CPU).  The deployment CA is the only trust anchor
 * (CURLOPT_CAINFO, no system store); every limit and time-out is set
 * explicitly.
 *
 * The server must also be the parent.  libcurl checks that its certificate
 * chains to the CA and fits the host name dialled; with server_court set,
 * a verify callback installed on each new connection's SSL_CTX
 * (CURLOPT_SSL_CTX_FUNCTION, OpenSSL back end) also demands that the
 * certificate name that court (its URI SAN, as a hub reads a client's).
 * It runs inside the handshake, so a wrong server is refused before a
 * byte of the request is sent; a connection kept alive was checked when
 * it was made.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "courtsync/crypto.h"
#include "courtsync/push.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

static int ctx_index = -1;	/* SSL_CTX ex data: the push_client */

/* Called by libcurl at least once a second during a transfer. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct push_client *p = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return p->cfg.cancel != NULL && p->cfg.cancel() != 0;
}

/* OpenSSL's verify callback, once per certificate of the chain: the
 * leaf, once it verified, must name the parent. */
static int
on_verify(int ok, X509_STORE_CTX *x)
{
	SSL *ssl;
	struct push_client *p;

	if (!ok || X509_STORE_CTX_get_error_depth(x) != 0)
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL)
		return 0;
	p = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index);
	if (p == NULL || p->court[0] == '\0')
		return ok;
	crypto_cert_court(X509_STORE_CTX_get_current_cert(x), p->seen,
	    sizeof(p->seen));
	if (strcmp(p->seen, p->court) == 0)
		return 1;
	p->wrong_court = 1;
	X509_STORE_CTX_set_error(x, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

/* libcurl's hook on each new connection's SSL_CTX, after its own set-up
 * (CA, peer verification): adds the parent check. */
static CURLcode
on_ssl_ctx(CURL *h, void *sslctx, void *arg)
{
	SSL_CTX *ctx = sslctx;

	(void)h;
	if (SSL_CTX_set_ex_data(ctx, ctx_index, arg) != 1)
		return CURLE_SSL_CERTPROBLEM;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, on_verify);
	return CURLE_OK;
}

static size_t
on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;

	/* Returning less than n makes curl abort with CURLE_WRITE_ERROR. */
	return buf_append(b, p, n) == 0 ? n : 0;
}

int
push_init(struct push_client *p, const struct push_config *c, char *err,
    size_t errlen)
{
	static int global_done;

	memset(p, 0, sizeof(*p));
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			ERR("libcurl initialisation failed");
			return -1;
		}
		ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
		if (ctx_index < 0) {
			ERR("OpenSSL: no SSL_CTX ex data index");
			return -1;
		}
		global_done = 1;
	}
	if (strlen(c->base_url) >= sizeof(p->base) - 1 ||
	    strncmp(c->base_url, "https://", 8) != 0) {
		ERR("parent URL \"%s\" is not an https:// URL", c->base_url);
		return -1;
	}
	cs_strlcpy(p->base, c->base_url, sizeof(p->base));
	while (strlen(p->base) > 8 && p->base[strlen(p->base) - 1] == '/')
		p->base[strlen(p->base) - 1] = '\0';
	/* Keep our own copies: the caller's strings need not outlive us. */
	p->cfg = *c;
	if (strlen(c->cert_file) >= sizeof(p->cert) ||
	    strlen(c->key_file) >= sizeof(p->key) ||
	    strlen(c->ca_file) >= sizeof(p->ca)) {
		ERR("certificate file name too long");
		return -1;
	}
	cs_strlcpy(p->cert, c->cert_file, sizeof(p->cert));
	cs_strlcpy(p->key, c->key_file, sizeof(p->key));
	cs_strlcpy(p->ca, c->ca_file, sizeof(p->ca));
	if (c->server_court != NULL) {
		if (!court_path_valid(c->server_court)) {
			ERR("\"%s\" is not a court path", c->server_court);
			return -1;
		}
		cs_strlcpy(p->court, c->server_court, sizeof(p->court));
	}
	p->cfg.server_court = NULL;	/* p->court says it */
	p->cfg.cert_file = p->cert;
	p->cfg.key_file = p->key;
	p->cfg.ca_file = p->ca;
	p->cfg.base_url = p->base;
	if ((p->curl = curl_easy_init()) == NULL) {
		ERR("cannot create a libcurl handle");
		return -1;
	}
	return 0;
}

void
push_free(struct push_client *p)
{
	if (p->curl != NULL)
		curl_easy_cleanup(p->curl);
	p->curl = NULL;
}

int
push_request(struct push_client *p, const char *path, const void *body,
    size_t n, long *status, struct buf *resp, char *err, size_t errlen)
{
	CURL *h = p->curl;
	struct curl_slist *hdr = NULL;
	char url[2048], cerr[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	int ret = -1;

	if (snprintf(url, sizeof(url), "%s%s", p->base, path) >= (int)sizeof(url)) {
		ERR("URL too long");
		return -1;
	}
	buf_reset(resp);
	resp->max = p->cfg.max_response;
	curl_easy_reset(h);	/* keeps the connection cache */
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_SSLCERT, p->cfg.cert_file);
	curl_easy_setopt(h, CURLOPT_SSLKEY, p->cfg.key_file);
	curl_easy_setopt(h, CURLOPT_CAINFO, p->cfg.ca_file);
	curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* The hub offers AEAD suites only (PROTOCOL §1); ask for no others. */
	curl_easy_setopt(h, CURLOPT_SSL_CIPHER_LIST,
	    "ECDHE+AESGCM:ECDHE+CHACHA20");
	if (p->court[0] != '\0') {
		p->wrong_court = 0;
		curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
		curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, p);
	}
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, p->cfg.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, p->cfg.timeout_ms);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (p->cfg.cancel != NULL) {
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, p);
	}
	if (body != NULL) {
		hdr = curl_slist_append(hdr, "Content-Type: application/msgpack");
		/* evhttp handles 100-continue, but the round trip is wasted. */
		hdr = curl_slist_append(hdr, "Expect:");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	}
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK && p->wrong_court) {
		ERR("the server at %s is %s, not the parent %s", p->base,
		    p->seen[0] != '\0' ? p->seen : "no court (its certificate"
		    " names none)", p->court);
		goto out;
	}
	if (rc != CURLE_OK) {
		ERR("%s: %s", url, cerr[0] != '\0' ? cerr : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	ret = 0;
out:
	curl_slist_free_all(hdr);
	return ret;
}

uint64_t
push_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms)
{
	uint64_t ceiling = base_ms, r = 0;

	while (attempt-- > 0 && ceiling < cap_ms)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	if (crypto_random(&r, sizeof(r)) == -1)
		r = (uint64_t)ceiling / 2;
	return ceiling == 0 ? 0 : r % (ceiling + 1);
}
