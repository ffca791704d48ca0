/*
 * push.c — the HTTPS client to a node's parent (see push.h).
 *
 * One CURL handle per client, reused for every request, so libcurl keeps
 * the TLS connection alive (FIELD-NOTES: a full mutual-TLS handshake costs
 * the server ~1.9 ms of CPU).  The deployment CA is the only trust anchor
 * (CURLOPT_CAINFO, no system store); every limit and time-out is set
 * explicitly.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "courtsync/crypto.h"
#include "courtsync/push.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

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
