/* test_httpd.c — the HTTPS server against curl, with certificates made at test time. */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "courtsync/httpd.h"
#include "harness.h"

static char	dir[64];		/* certificates and scratch files */
static bool	made;

/*
 * One CA with a server certificate (SAN IP:127.0.0.1, DNS:localhost), a
 * client certificate naming court cn/gs/ln/wudu, an expired one and a
 * revoked one (plus the CRL); a second CA with its own client certificate.
 * All keys ECDSA P-256.
 */
static const char gen_sh[] =
"set -e\n"
"cat > ca.cnf <<'EOF'\n"
"[ ca ]\n"
"default_ca = testca\n"
"[ testca ]\n"
"database = index.txt\n"
"new_certs_dir = .\n"
"serial = serial\n"
"crlnumber = crlnumber\n"
"default_md = sha256\n"
"default_days = 30\n"
"default_crl_days = 30\n"
"policy = policy_any\n"
"unique_subject = no\n"
"[ policy_any ]\n"
"commonName = supplied\n"
"[ req ]\n"
"distinguished_name = dn\n"
"[ dn ]\n"
"[ v3_ca ]\n"
"basicConstraints = critical,CA:TRUE\n"
"keyUsage = critical,keyCertSign,cRLSign\n"
"subjectKeyIdentifier = hash\n"
"[ server ]\n"
"basicConstraints = CA:FALSE\n"
"keyUsage = critical,digitalSignature\n"
"extendedKeyUsage = serverAuth\n"
"subjectAltName = IP:127.0.0.1,DNS:localhost\n"
"[ client ]\n"
"basicConstraints = CA:FALSE\n"
"keyUsage = critical,digitalSignature\n"
"extendedKeyUsage = clientAuth\n"
"subjectAltName = URI:courtsync:cn/gs/ln/wudu\n"
"EOF\n"
"key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $1.key; }\n"
"csr() { key $1; openssl req -new -config ca.cnf -key $1.key -subj /CN=$1 -out $1.csr; }\n"
"sign() { openssl ca -batch -notext -config ca.cnf -cert ca.pem -keyfile ca.key \"$@\"; }\n"
"key ca\n"
"openssl req -new -x509 -config ca.cnf -extensions v3_ca -key ca.key"
" -subj /CN=courtsync-test-ca -days 30 -out ca.pem\n"
": > index.txt; echo 1000 > serial; echo 1000 > crlnumber\n"
"csr server; sign -extensions server -in server.csr -out server.pem\n"
"csr client; sign -extensions client -in client.csr -out client.pem\n"
"csr expired; sign -extensions client -startdate 20200101000000Z"
" -enddate 20200201000000Z -in expired.csr -out expired.pem\n"
"csr revoked; sign -extensions client -in revoked.csr -out revoked.pem\n"
"sign -revoke revoked.pem\n"
"sign -gencrl -out crl.pem\n"
"key other\n"
"openssl req -new -x509 -config ca.cnf -extensions v3_ca -key other.key"
" -subj /CN=other-ca -days 30 -out other.pem\n"
"csr stranger\n"
"openssl x509 -req -in stranger.csr -CA other.pem -CAkey other.key"
" -CAcreateserial -days 30 -extfile ca.cnf -extensions client"
" -out stranger.pem\n"
"cp server.key bad.key\n"
"chmod 600 *.key\n"
"chmod 644 bad.key\n";

static bool
make_certs(void)
{
	char cmd[256];
	FILE *f;

	if (made)
		return true;
	snprintf(dir, sizeof(dir), "/tmp/test_httpd.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return false;
	snprintf(cmd, sizeof(cmd), "%s/gen.sh", dir);
	if ((f = fopen(cmd, "w")) == NULL)
		return false;
	fputs(gen_sh, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && sh gen.sh > gen.log 2>&1", dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "  certificate generation failed: see %s/gen.log\n",
		    dir);
		return false;
	}
	made = true;
	return true;
}

static void
path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* ---- a server running in a thread ---- */

struct server {
	struct httpd	h;
	pthread_t	th;
	int		rc;		/* httpd_run's result */
	char		err[256];
	uint16_t	port;
	char		cert[96], key[96], ca[96], crl[96];
};

static void
config(struct server *s, struct httpd_listener_config *c, bool client_cert)
{
	path_of(s->cert, sizeof(s->cert), "server.pem");
	path_of(s->key, sizeof(s->key), "server.key");
	path_of(s->ca, sizeof(s->ca), "ca.pem");
	path_of(s->crl, sizeof(s->crl), "crl.pem");
	memset(c, 0, sizeof(*c));
	c->addr = "127.0.0.1";
	c->port = 0;
	c->cert_file = s->cert;
	c->key_file = s->key;
	c->ca_file = s->ca;
	c->crl_file = s->crl;
	c->client_cert = client_cert;
	c->limits.max_body = 1024;
	c->limits.max_headers = 8192;
	c->limits.timeout_s = 5;
	c->limits.max_connections = 16;
	c->limits.max_per_address = 16;
	c->limits.handshake_timeout_s = 5;
	c->limits.request_timeout_s = 5;
	c->limits.preauth_bytes = 8192;
}

static void
on_peer(struct httpd_request *r, void *arg)
{
	const struct httpd_peer *p = httpd_peer(r);
	char text[400];
	int n;

	(void)arg;
	n = snprintf(text, sizeof(text), "has_cert=%d cert_ok=%d court=%s error=%s",
	    p->has_cert, p->cert_ok, p->court, p->error);
	httpd_reply(r, 200, "text/plain", text, (size_t)n);
}

static void
on_echo(struct httpd_request *r, void *arg)
{
	char q[16], text[128];
	size_t len;
	int n, found;

	(void)arg;
	(void)httpd_body(r, &len);
	found = httpd_query(r, "x", q, sizeof(q));
	n = snprintf(text, sizeof(text), "%s %s len=%zu x=%d:%s",
	    httpd_method(r), httpd_path(r), len, found, q);
	httpd_reply(r, 200, "text/plain", text, (size_t)n);
}

static void
on_twice(struct httpd_request *r, void *arg)
{
	(void)arg;
	httpd_reply(r, 201, "text/plain", "first", 5);
	httpd_reply(r, 200, "text/plain", "second", 6);
}

static void
on_silent(struct httpd_request *r, void *arg)
{
	(void)r; (void)arg;
}

/* Stops the server, then answers with 1 MiB: the answer is in flight when
 * the listeners close, and must arrive whole before httpd_run returns. */
static void
on_stop(struct httpd_request *r, void *arg)
{
	static char big[1 << 20];

	httpd_stop(arg);
	memset(big, 'z', sizeof(big));
	httpd_reply(r, 200, "application/octet-stream", big, sizeof(big));
}

static void
on_term(struct httpd_request *r, void *arg)
{
	(void)arg;
	kill(getpid(), SIGTERM);
	httpd_reply(r, 200, "text/plain", "bye", 3);
}

static void *
server_thread(void *arg)
{
	struct server *s = arg;

	s->rc = httpd_run(&s->h, s->err, sizeof(s->err));
	return NULL;
}

static bool
server_start(struct server *s, struct httpd_listener_config *c)
{
	int l;

	if (httpd_init(&s->h, s->err, sizeof(s->err)) != 0)
		return false;
	l = httpd_listen(&s->h, c, s->err, sizeof(s->err));
	if (l < 0) {
		fprintf(stderr, "  httpd_listen: %s\n", s->err);
		return false;
	}
	s->port = httpd_port(&s->h, l);
	CHECK(s->port != 0);
	CHECK_EQ_INT(httpd_route(&s->h, l, "/peer", on_peer, NULL), 0);
	CHECK_EQ_INT(httpd_route(&s->h, l, "/echo", on_echo, NULL), 0);
	CHECK_EQ_INT(httpd_route(&s->h, l, "/twice", on_twice, NULL), 0);
	CHECK_EQ_INT(httpd_route(&s->h, l, "/silent", on_silent, NULL), 0);
	CHECK_EQ_INT(httpd_route(&s->h, l, "/stop", on_stop, &s->h), 0);
	CHECK_EQ_INT(httpd_route(&s->h, l, "/term", on_term, NULL), 0);
	CHECK_EQ_INT(httpd_route(&s->h, l, "/peer", on_peer, NULL), -1);
	s->rc = -2;
	return pthread_create(&s->th, NULL, server_thread, s) == 0;
}

/* Waits for httpd_run to return (the caller made it stop). */
static void
server_join(struct server *s)
{
	pthread_join(s->th, NULL);
	CHECK_EQ_INT(s->rc, 0);
	httpd_free(&s->h);
}

/*
 * Runs curl against the server; returns the HTTP status (0: no answer).
 * `body` receives the answer's body, `meta` the line
 * "<content type> <bytes downloaded>".
 */
static int
curl(struct server *s, const char *args, const char *target, char *body,
    size_t cap, char *meta, size_t mcap)
{
	char cmd[1024], line[512];
	size_t n = 0;
	int code = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "curl -s --noproxy '*' --max-time 20 "
	    "--cacert %s/ca.pem %s -o %s/body -w '%%{http_code} "
	    "%%{content_type} %%{size_download}' 'https://127.0.0.1:%u%s'",
	    dir, args, dir, (unsigned)s->port, target);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	line[0] = '\0';
	if (fgets(line, sizeof(line), p) == NULL)
		line[0] = '\0';
	pclose(p);
	if (sscanf(line, "%d", &code) != 1)
		code = -1;
	if (meta != NULL) {
		const char *sp = strchr(line, ' ');
		cs_strlcpy(meta, sp != NULL ? sp + 1 : "", mcap);
	}
	if (body != NULL) {
		FILE *f;
		snprintf(cmd, sizeof(cmd), "%s/body", dir);
		body[0] = '\0';
		if ((f = fopen(cmd, "r")) != NULL) {
			n = fread(body, 1, cap - 1, f);
			body[n] = '\0';
			fclose(f);
		}
		unlink(cmd);
	}
	return code;
}

static const char *
client(const char *name)
{
	static char args[256];

	snprintf(args, sizeof(args), "--cert %s/%s.pem --key %s/%s.key", dir,
	    name, dir, name);
	return args;
}

/* ---- tests ---- */

static void
test_key_mode_refused(void)
{
	struct httpd_listener_config c;
	struct server s;
	char err[256], bad[96], want[256];

	CHECK(make_certs());
	config(&s, &c, true);
	path_of(bad, sizeof(bad), "bad.key");
	c.key_file = bad;
	CHECK_EQ_INT(httpd_init(&s.h, err, sizeof(err)), 0);
	CHECK_EQ_INT(httpd_listen(&s.h, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "key file %s is mode 0644; must be 0600",
	    bad);
	CHECK_STR(err, want);
	httpd_free(&s.h);
}

static void
test_bad_files(void)
{
	struct httpd_listener_config c;
	struct server s;
	char err[256], want[256], missing[96];

	CHECK(make_certs());
	config(&s, &c, true);
	path_of(missing, sizeof(missing), "missing.pem");
	CHECK_EQ_INT(httpd_init(&s.h, err, sizeof(err)), 0);
	c.cert_file = missing;
	CHECK_EQ_INT(httpd_listen(&s.h, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot load certificate %s: No such "
	    "file or directory", missing);
	CHECK_STR(err, want);
	config(&s, &c, true);
	c.crl_file = missing;
	CHECK_EQ_INT(httpd_listen(&s.h, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot load CRL %s: No such file or "
	    "directory", missing);
	CHECK_STR(err, want);
	config(&s, &c, true);
	path_of(missing, sizeof(missing), "client.key");
	c.key_file = missing;
	CHECK_EQ_INT(httpd_listen(&s.h, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot use key %s with the certificate: "
	    "key values mismatch", missing);
	CHECK_STR(err, want);
	config(&s, &c, true);
	c.limits.max_body = 0;
	CHECK_EQ_INT(httpd_listen(&s.h, &c, err, sizeof(err)), -1);
	CHECK_STR(err, "listener 127.0.0.1:0: max_body must be "
	    "1..9223372036854775807");
	config(&s, &c, true);
	c.addr = "localhost";
	CHECK_EQ_INT(httpd_listen(&s.h, &c, err, sizeof(err)), -1);
	CHECK_STR(err, "listener address localhost is not an IP address");
	httpd_free(&s.h);
}

static void
test_bind_in_use(void)
{
	struct httpd_listener_config c;
	struct server s;
	char err[256], want[128];
	int l;

	CHECK(make_certs());
	config(&s, &c, true);
	CHECK_EQ_INT(httpd_init(&s.h, err, sizeof(err)), 0);
	l = httpd_listen(&s.h, &c, err, sizeof(err));
	CHECK_EQ_INT(l, 0);
	c.port = httpd_port(&s.h, l);
	CHECK_EQ_INT(httpd_listen(&s.h, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot bind 127.0.0.1:%u: Address "
	    "already in use", (unsigned)c.port);
	CHECK_STR(err, want);
	c.addr = "::1";
	c.port = 0;
	l = httpd_listen(&s.h, &c, err, sizeof(err));
	if (l < 0)	/* a host without IPv6 loopback */
		CHECK_ERR(err, "cannot bind [::1]:0: ");
	else
		CHECK(httpd_port(&s.h, l) != 0);
	httpd_free(&s.h);
}

static void
test_client_certificates(void)
{
	struct httpd_listener_config c;
	struct server s;
	char body[512];

	CHECK(make_certs());
	config(&s, &c, true);
	if (!server_start(&s, &c))
		return;
	CHECK_EQ_INT(curl(&s, client("client"), "/peer", body, sizeof(body),
	    NULL, 0), 200);
	CHECK_STR(body, "has_cert=1 cert_ok=1 court=cn/gs/ln/wudu error=");
	CHECK_EQ_INT(curl(&s, "", "/peer", body, sizeof(body), NULL, 0), 200);
	CHECK_STR(body, "has_cert=0 cert_ok=0 court= error=no client "
	    "certificate");
	CHECK_EQ_INT(curl(&s, client("stranger"), "/peer", body, sizeof(body),
	    NULL, 0), 200);
	CHECK_STR(body, "has_cert=1 cert_ok=0 court= error=unable to get "
	    "local issuer certificate");
	CHECK_EQ_INT(curl(&s, client("expired"), "/peer", body, sizeof(body),
	    NULL, 0), 200);
	CHECK_STR(body, "has_cert=1 cert_ok=0 court= error=certificate has "
	    "expired");
	CHECK_EQ_INT(curl(&s, client("revoked"), "/peer", body, sizeof(body),
	    NULL, 0), 200);
	CHECK_STR(body, "has_cert=1 cert_ok=0 court= error=certificate "
	    "revoked");
	CHECK_EQ_INT(curl(&s, client("client"), "/stop", NULL, 0, NULL, 0),
	    200);
	server_join(&s);
}

static void
test_requests(void)
{
	struct httpd_listener_config c;
	struct server s;
	char body[512], meta[128], args[512];
	FILE *f;

	CHECK(make_certs());
	config(&s, &c, true);
	if (!server_start(&s, &c))
		return;
	snprintf(args, sizeof(args), "%s/big", dir);
	if ((f = fopen(args, "w")) != NULL) {
		for (int i = 0; i < 4096; i++)
			fputc('b', f);
		fclose(f);
	}
	/* Unknown path: 404 with a JSON reason. */
	CHECK_EQ_INT(curl(&s, client("client"), "/nope?x=1", body,
	    sizeof(body), meta, sizeof(meta)), 404);
	CHECK_STR(body, "{\"error\":\"not_found\",\"message\":\"no resource "
	    "at /nope\"}");
	CHECK_STR(meta, "application/json 54");
	/* Body over max_body: 413. */
	snprintf(args, sizeof(args), "%s --data-binary @%s/big",
	    client("client"), dir);
	CHECK_EQ_INT(curl(&s, args, "/echo", NULL, 0, NULL, 0), 413);
	/* Within max_body: accepted; the query is decoded. */
	snprintf(args, sizeof(args), "%s --data-binary 'hello'",
	    client("client"));
	CHECK_EQ_INT(curl(&s, args, "/echo?x=a%2Fb+c&y=2", body, sizeof(body),
	    NULL, 0), 200);
	CHECK_STR(body, "POST /echo len=5 x=1:a/b c");
	/* A query value too long for the handler's buffer counts as absent. */
	CHECK_EQ_INT(curl(&s, client("client"), "/echo?x=0123456789abcdef",
	    body, sizeof(body), NULL, 0), 200);
	CHECK_STR(body, "GET /echo len=0 x=0:");
	/* HEAD: the length is announced, no body is sent. */
	snprintf(args, sizeof(args), "%s -I", client("client"));
	CHECK_EQ_INT(curl(&s, args, "/echo", body, sizeof(body), meta,
	    sizeof(meta)), 200);
	CHECK(strstr(body, "Content-Length: 21\r\n") != NULL);
	/* Methods other than GET, POST, HEAD are refused. */
	snprintf(args, sizeof(args), "%s -X PUT", client("client"));
	CHECK_EQ_INT(curl(&s, args, "/echo", NULL, 0, NULL, 0), 501);
	/* A second answer is ignored; no answer is a 500. */
	CHECK_EQ_INT(curl(&s, client("client"), "/twice", body, sizeof(body),
	    NULL, 0), 201);
	CHECK_STR(body, "first");
	CHECK_EQ_INT(curl(&s, client("client"), "/silent", body, sizeof(body),
	    NULL, 0), 500);
	CHECK_STR(body, "{\"error\":\"internal\",\"message\":\"handler did not "
	    "answer\"}");
	/* Stop with an answer of 1 MiB in flight: it arrives whole. */
	CHECK_EQ_INT(curl(&s, client("client"), "/stop", NULL, 0, meta,
	    sizeof(meta)), 200);
	CHECK_STR(meta, "application/octet-stream 1048576");
	server_join(&s);
	/* The listener is closed. */
	CHECK_EQ_INT(curl(&s, client("client"), "/peer", NULL, 0, NULL, 0), 0);
}

static bool
file_has(const char *path, const char *needle)
{
	char buf[8192];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strstr(buf, needle) != NULL;
}

/*
 * Opens a TLS connection with openssl s_client and keeps it open (until
 * pclose).  A completed handshake proves the server counted it rather than
 * refused it; a refused attempt (the slot still held by a connection the
 * server has not yet seen close) is retried.
 */
static FILE *
hold_connection(struct server *s)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	char cmd[512], log[96];

	path_of(log, sizeof(log), "s_client.log");
	for (int attempt = 0; attempt < 20; attempt++) {
		FILE *p;

		snprintf(cmd, sizeof(cmd), "openssl s_client -connect "
		    "127.0.0.1:%u -CAfile %s/ca.pem > %s 2>&1",
		    (unsigned)s->port, dir, log);
		if ((p = popen(cmd, "w")) == NULL)
			return NULL;
		for (int i = 0; i < 40; i++) {
			if (file_has(log, "SSL handshake has read"))
				return p;
			nanosleep(&ts, NULL);
		}
		pclose(p);
	}
	return NULL;
}

static void
test_max_connections_and_signal(void)
{
	struct httpd_listener_config c;
	struct server s;
	char body[512];
	FILE *held;
	int code = 0;

	CHECK(make_certs());
	config(&s, &c, false);
	c.limits.max_connections = 1;
	if (!server_start(&s, &c))
		return;
	/* A listener without client certificates asks for none. */
	CHECK_EQ_INT(curl(&s, client("client"), "/peer", body, sizeof(body),
	    NULL, 0), 200);
	CHECK_STR(body, "has_cert=0 cert_ok=0 court= error=no client "
	    "certificate");
	/* A connection holds the one slot: the next is closed. */
	held = hold_connection(&s);
	CHECK(held != NULL);
	CHECK_EQ_INT(curl(&s, "", "/peer", NULL, 0, NULL, 0), 0);
	if (held != NULL)
		pclose(held);
	/* The slot frees when that connection goes; poll for it. */
	for (int i = 0; i < 100 && code != 200; i++) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		code = curl(&s, "", "/peer", NULL, 0, NULL, 0);
		if (code != 200)
			nanosleep(&ts, NULL);
	}
	CHECK_EQ_INT(code, 200);
	/* SIGTERM stops the loop after the answer. */
	CHECK_EQ_INT(curl(&s, "", "/term", body, sizeof(body), NULL, 0), 200);
	CHECK_STR(body, "bye");
	server_join(&s);
}

static void
test_cleanup(void)
{
	char cmd[128];

	if (!made || harness_failed != 0) {
		if (made)
			fprintf(stderr, "  certificates kept in %s\n", dir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ_INT(system(cmd), 0);
}

const struct test tests[] = {
	{ "key_mode_refused", test_key_mode_refused },
	{ "bad_files", test_bad_files },
	{ "bind_in_use", test_bind_in_use },
	{ "client_certificates", test_client_certificates },
	{ "requests", test_requests },
	{ "max_connections_and_signal", test_max_connections_and_signal },
	{ "cleanup", test_cleanup },
	{ NULL, NULL }
};
