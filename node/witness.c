/*
 * witness.c — a witness outside the courts (witness.h, docs/PROTOCOL.md
 * §7): its home, and one round of following hubs and cosigning.
 *
 * Per log, a round is: GET the hub's latest checkpoint; verify the court's
 * signature with the registry's key, never a key the hub sends; compare
 * with the newest checkpoint of that log this witness verified before
 * (size m, root r): size n = m needs root r; n > m needs the hub's RFC 9162
 * consistency proof from m to n; n < m needs a proof from n to m from the
 * hub where m was seen (a hub that shows less than it showed before has
 * rolled back or holds another branch).  Anything else is a fork: nothing
 * is cosigned, both notes are kept as evidence, and a same-size fork (two
 * signed roots of one size: PROTOCOL §6 evidence as it stands) is given to
 * the hub.  Only when the checkpoint is consistent is it recorded — on
 * disk, before the cosignature exists outside this process — and then
 * cosigned and posted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "court.h"
#include "courtsync/file.h"
#include "courtsync/merkle.h"
#include "witness.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define ULL(x) ((unsigned long long)(x))

#define WITNESS_CONF	"witness.conf"
#define WITNESS_DB	"witness.db"

/* ---- the home ---- */

static void
home_path(char *out, size_t cap, const char *home, const char *file)
{
	snprintf(out, cap, "%s/%s", home, file);
}

static int
conf_set(void *arg, const char *key, const char *val, char *err,
    size_t errlen)
{
	struct witness_config *c = arg;
	char *end;

	if (strcmp(key, "path") == 0) {
		if (!court_path_valid(val)) {
			ERR("path: \"%s\" is not a court path", val);
			return -1;
		}
		cs_strlcpy(c->path, val, sizeof(c->path));
	} else if (strcmp(key, "name") == 0) {
		cs_strlcpy(c->name, val, sizeof(c->name));
	} else if (strcmp(key, "hub") == 0) {
		if (c->nhubs == WITNESS_HUBS_MAX ||
		    strncmp(val, "https://", 8) != 0 ||
		    strlen(val) >= WITNESS_URL_MAX) {
			ERR("hub: \"%s\" is not an https:// URL (at most %d"
			    " hubs)", val, WITNESS_HUBS_MAX);
			return -1;
		}
		cs_strlcpy(c->hubs[c->nhubs++], val, WITNESS_URL_MAX);
	} else if (strcmp(key, "origin") == 0) {
		if (c->norigins == WITNESS_ORIGINS_MAX || !court_path_valid(val)) {
			ERR("origin: \"%s\" is not a court path (at most %d)",
			    val, WITNESS_ORIGINS_MAX);
			return -1;
		}
		cs_strlcpy(c->origins[c->norigins++], val, CS_ORIGIN_MAX);
	} else if (strcmp(key, "interval_ms") == 0) {
		errno = 0;
		c->interval_ms = strtoul(val, &end, 10);
		if (errno != 0 || *end != '\0' || end == val ||
		    c->interval_ms < 10 || c->interval_ms > 86400000UL) {
			ERR("interval_ms: \"%s\" is not 10-86400000", val);
			return -1;
		}
	} else {
		ERR("unknown key \"%s\"", key);
		return -1;
	}
	return 0;
}

int
witness_config_read(struct witness_config *c, const char *home, char *err,
    size_t errlen)
{
	char file[CONFIG_PATH_MAX + 32];

	memset(c, 0, sizeof(*c));
	c->interval_ms = 5000;
	home_path(file, sizeof(file), home, WITNESS_CONF);
	if (access(file, R_OK) == -1) {
		ERR("cannot read %s: %s (make a witness home with courtsync -C"
		    " HOME witness init --path PATH)", file, strerror(errno));
		return -1;
	}
	if (config_lines(file, conf_set, c, err, errlen) == -1)
		return -1;
	if (c->path[0] == '\0') {
		ERR("%s: no \"path = …\" line", file);
		return -1;
	}
	return 0;
}

int
witness_create(const char *home, const char *path, const char *name,
    char *err, size_t errlen)
{
	char file[CONFIG_PATH_MAX + 32], kname[NOTE_NAME_MAX];
	char vkey[NOTE_NAME_MAX + 128], conf[CONFIG_NAME_MAX + 256];
	uint8_t seed[CS_SEED_LEN], pub[CS_PUB_LEN];
	struct note_verifier v;
	int ret = -1;

	if (!court_path_valid(path)) {
		ERR("\"%s\" is not a court path", path);
		return -1;
	}
	if (name != NULL && (strchr(name, '\n') != NULL ||
	    strlen(name) >= CONFIG_NAME_MAX)) {
		ERR("the name must be one line of at most %d bytes",
		    CONFIG_NAME_MAX - 1);
		return -1;
	}
	if (mkdir(home, 0700) == -1) {
		ERR("cannot create %s: %s (a witness needs a new home)", home,
		    strerror(errno));
		return -1;
	}
	snprintf(kname, sizeof(kname), "courtsync/%s", path);
	if (crypto_ed25519_keygen(seed, pub) == -1) {
		ERR("cannot generate an Ed25519 key");
		goto out;
	}
	home_path(file, sizeof(file), home, "log.key");
	if (crypto_key_write(file, seed, err, errlen) == -1 ||
	    note_verifier_init(&v, kname, NOTE_TYPE_ED25519, pub, err,
	    errlen) == -1 || note_vkey_format(&v, vkey, sizeof(vkey) - 1) < 0)
		goto out;
	snprintf(conf, sizeof(conf), "# courtsync witness (courtsync(1) witness)\n"
	    "path = %s\n%s%s%s", path, name != NULL ? "name = " : "",
	    name != NULL ? name : "", name != NULL ? "\n" : "");
	home_path(file, sizeof(file), home, "log.vkey");
	strcat(vkey, "\n");
	if (file_write_atomic(file, vkey, strlen(vkey), 0666, err,
	    errlen) == -1)
		goto out;
	home_path(file, sizeof(file), home, WITNESS_CONF);
	if (file_write_atomic(file, conf, strlen(conf), 0666, err,
	    errlen) == -1)
		goto out;
	ret = 0;
out:
	crypto_wipe(seed, sizeof(seed));
	return ret;
}

/* ---- opening ---- */

int
witness_open(struct witness *w, const char *home,
    const struct witness_config *cfg, int (*cancel)(void), char *err,
    size_t errlen)
{
	char reg[CONFIG_PATH_MAX + 32], sig[CONFIG_PATH_MAX + 32];
	char ca[CONFIG_PATH_MAX + 32], cert[CONFIG_PATH_MAX + 32];
	char key[CONFIG_PATH_MAX + 32], name[NOTE_NAME_MAX];
	uint8_t seed[CS_SEED_LEN];
	const struct registry_court *me;
	struct push_config pc;
	int r;

	memset(w, 0, sizeof(*w));
	cs_strlcpy(w->home, home, sizeof(w->home));
	w->cfg = *cfg;
	w->cancel = cancel;
	buf_init(&w->resp, 64u << 20);
	buf_init(&w->req, 1u << 20);
	if ((w->seen = malloc(sizeof(*w->seen))) == NULL ||
	    (w->note = malloc(NOTE_MAX + 1)) == NULL) {
		ERR("out of memory");
		return -1;
	}
	if (cfg->nhubs == 0) {
		ERR("no hub to follow: give hub = URL in %s/" WITNESS_CONF
		    " or --hub URL", home);
		return -1;
	}
	home_path(reg, sizeof(reg), home, "registry.tsv");
	home_path(sig, sizeof(sig), home, "registry.tsv.sig");
	home_path(ca, sizeof(ca), home, "ca.crt");
	if (registry_load(&w->reg, reg, sig, ca, err, errlen) == -1)
		return -1;
	me = registry_find(&w->reg, cfg->path);
	if (me == NULL || !me->witness_only || !me->has_key) {
		ERR("the registry does not list %s as a witness with a key"
		    " (role witness)", cfg->path);
		return -1;
	}
	home_path(key, sizeof(key), home, "log.key");
	if (crypto_key_read(key, seed, err, errlen) == -1)
		return -1;
	snprintf(name, sizeof(name), "courtsync/%s", cfg->path);
	r = note_signer_init(&w->signer, name, NOTE_TYPE_COSIG, seed, err,
	    errlen);
	crypto_wipe(seed, sizeof(seed));
	if (r == -1)
		return -1;
	if (memcmp(w->signer.v.pub, me->witness.pub, CS_PUB_LEN) != 0) {
		ERR("%s is not the key the registry lists for %s", key,
		    cfg->path);
		return -1;
	}
	home_path(reg, sizeof(reg), home, WITNESS_DB);
	if (witness_db_open(&w->db, reg, err, errlen) == -1)
		return -1;
	home_path(cert, sizeof(cert), home, "tls.crt");
	home_path(key, sizeof(key), home, "tls.key");
	for (size_t i = 0; i < cfg->nhubs; i++) {
		memset(&pc, 0, sizeof(pc));
		pc.base_url = cfg->hubs[i];
		pc.cert_file = cert;
		pc.key_file = key;
		pc.ca_file = ca;
		pc.connect_timeout_ms = 5000;
		pc.timeout_ms = 60000;
		pc.max_response = 64u << 20;
		pc.cancel = cancel;
		if (push_init(&w->hubs[i], &pc, err, errlen) == -1)
			return -1;
	}
	return 0;
}

void
witness_close(struct witness *w)
{
	for (size_t i = 0; i < WITNESS_HUBS_MAX; i++)
		push_free(&w->hubs[i]);
	note_signer_wipe(&w->signer);
	witness_db_close(&w->db);
	registry_free(&w->reg);
	buf_free(&w->resp);
	buf_free(&w->req);
	free(w->seen);
	free(w->note);
	w->seen = NULL;
	w->note = NULL;
}

/* ---- one log ---- */

/* What one log's step knows while it runs. */
struct step {
	struct witness		*w;
	size_t			 hub;		/* index in cfg.hubs */
	const char		*origin;
	struct checkpoint	 ck;		/* the hub's, verified */
	size_t			 bodylen;
	size_t			 notelen;
	uint64_t		 now;
	bool			 fatal;		/* the state database failed */
	char			 msg[1536];
};

/* GET or POST; 0 with *status, -1 on transport failure (msg says so). */
static int
request(struct step *s, size_t hub, const char *path, const struct buf *body,
    long *status)
{
	struct witness *w = s->w;
	char why[512];

	if (push_request(&w->hubs[hub], path, body != NULL ? body->p : NULL,
	    body != NULL ? body->len : 0, status, &w->resp, why,
	    sizeof(why)) == -1) {
		snprintf(s->msg, sizeof(s->msg), "%s %s: %s", body != NULL ?
		    "POST" : "GET", path, why);
		return -1;
	}
	return 0;
}

/* The error code and message of a hub's msgpack error answer. */
static void
answer_error(const struct buf *resp, long status, char *out, size_t cap)
{
	struct codec_doc doc = { 0 };
	struct codec_value root, code, msg;
	char why[64];

	if (codec_decode(&doc, resp->p, resp->len, &root, why,
	    sizeof(why)) == 0 && root.type == CODEC_MAP &&
	    codec_map_get(&root, "error", &code) && code.type == CODEC_STR &&
	    codec_map_get(&root, "message", &msg) && msg.type == CODEC_STR)
		snprintf(out, cap, "%ld %.*s: %.*s", status, (int)code.n,
		    code.p, (int)msg.n > 400 ? 400 : (int)msg.n, msg.p);
	else
		snprintf(out, cap, "HTTP %ld", status);
	codec_doc_free(&doc);
}

/* Fetches the hub's consistency proof from old to new and checks it
 * against the two roots.  0 consistent, 1 not (msg says why), -1 the
 * hub could not give one (msg). */
static int
consistent(struct step *s, size_t hub, uint64_t old,
    const uint8_t root_old[CS_HASH_LEN], uint64_t new_,
    const uint8_t root_new[CS_HASH_LEN])
{
	struct witness *w = s->w;
	uint8_t proof[MERKLE_MAX_PROOF][CS_HASH_LEN];
	struct codec_doc doc = { 0 };
	struct codec_value map, arr, v;
	char path[CS_ORIGIN_MAX + 128], why[512];
	size_t k = 0;
	long status;
	int ret = -1;

	if (old > 0 && old < new_) {
		snprintf(path, sizeof(path), "/v1/proof/consistency?origin=%s"
		    "&old=%llu&new=%llu", s->origin, ULL(old), ULL(new_));
		if (request(s, hub, path, NULL, &status) == -1)
			return -1;
		if (status != 200) {
			answer_error(&w->resp, status, why, sizeof(why));
			snprintf(s->msg, sizeof(s->msg), "GET %s at %s: %s",
			    path, w->cfg.hubs[hub], why);
			return -1;
		}
		if (codec_decode(&doc, w->resp.p, w->resp.len, &map, why,
		    sizeof(why)) == -1 || map.type != CODEC_MAP ||
		    !codec_map_get(&map, "proof", &arr) ||
		    arr.type != CODEC_ARRAY || arr.n > MERKLE_MAX_PROOF) {
			snprintf(s->msg, sizeof(s->msg), "GET %s at %s: not a"
			    " proof", path, w->cfg.hubs[hub]);
			goto out;
		}
		for (k = 0; k < arr.n; k++) {
			codec_array_at(&arr, k, &v);
			if (v.type != CODEC_BIN || v.n != CS_HASH_LEN) {
				snprintf(s->msg, sizeof(s->msg), "GET %s at %s:"
				    " proof[%zu] is not 32 bytes", path,
				    w->cfg.hubs[hub], k);
				goto out;
			}
			memcpy(proof[k], v.p, CS_HASH_LEN);
		}
	}
	ret = 0;
	if (merkle_verify_consistency(old, new_, root_old, root_new,
	    (const uint8_t (*)[CS_HASH_LEN])proof, k, why, sizeof(why)) == -1) {
		snprintf(s->msg, sizeof(s->msg), "checkpoint %llu is not a"
		    " prefix of checkpoint %llu: %s", ULL(old), ULL(new_), why);
		ret = 1;
	}
out:
	codec_doc_free(&doc);
	return ret;
}

/* Gives same-size fork evidence to the hub (PROTOCOL §6); says how it
 * went at the end of msg. */
static void
post_evidence(struct step *s, const char *note_a)
{
	struct witness *w = s->w;
	struct codec_writer cw;
	char fork[sizeof(s->msg)], why[512];
	long status;

	cs_strlcpy(fork, s->msg, sizeof(fork));
	buf_reset(&w->req);
	codec_writer_init(&cw, &w->req);
	codec_put_map(&cw, 3);
	codec_put_cstr(&cw, "origin");
	codec_put_cstr(&cw, s->origin);
	codec_put_cstr(&cw, "a");
	codec_put_cstr(&cw, note_a);
	codec_put_cstr(&cw, "b");
	codec_put_str(&cw, w->note, s->notelen);
	if (cw.failed)
		cs_strlcpy(why, "not given to the hub: too large", sizeof(why));
	else if (request(s, s->hub, "/v1/evidence", &w->req, &status) == -1)
		snprintf(why, sizeof(why), "not given to the hub: %.400s", s->msg);
	else if (status == 200)
		cs_strlcpy(why, "given to the hub", sizeof(why));
	else
		answer_error(&w->resp, status, why, sizeof(why));
	snprintf(s->msg, sizeof(s->msg), "%.1000s; evidence: %s", fork, why);
}

/* A fork: keep both notes, tell the hub when the evidence is whole. */
static enum witness_verdict
fork_found(struct step *s, const char *note_a, bool to_hub, char *err,
    size_t errlen)
{
	struct witness *w = s->w;
	int x;

	w->note[s->notelen] = '\0';
	x = witness_db_evidence(&w->db, s->origin, w->cfg.hubs[s->hub], note_a,
	    w->note, s->msg, s->now, err, errlen);
	if (x == -1) {
		s->fatal = true;
		return WITNESS_FAILED;
	}
	if (x == 0)
		return WITNESS_FORK_KNOWN;
	if (to_hub)
		post_evidence(s, note_a);
	return WITNESS_FORK;
}

/* Whether the hub's note already carries this witness's cosignature. */
static bool
cosigned_here(struct step *s)
{
	struct note_sig sigs[NOTE_SIGS_MAX];
	size_t bodylen, nsigs = NOTE_SIGS_MAX;
	char why[256];

	if (note_split(s->w->note, s->notelen, &bodylen, sigs, &nsigs, why,
	    sizeof(why)) == -1)
		return false;
	for (size_t i = 0; i < nsigs; i++)
		if (strcmp(sigs[i].name, s->w->signer.v.name) == 0 &&
		    memcmp(sigs[i].keyid, s->w->signer.v.keyid, 4) == 0)
			return true;
	return false;
}

/* Cosigns the verified checkpoint and posts the line to the hub. */
static enum witness_verdict
cosign(struct step *s)
{
	struct witness *w = s->w;
	struct codec_writer cw;
	char line[512], why[512];
	long status;

	if (cosig_sign(w->note, s->bodylen, s->now, &w->signer, line,
	    sizeof(line), why, sizeof(why)) < 0) {
		snprintf(s->msg, sizeof(s->msg), "cannot cosign: %s", why);
		return WITNESS_FAILED;
	}
	buf_reset(&w->req);
	codec_writer_init(&cw, &w->req);
	codec_put_map(&cw, 3);
	codec_put_cstr(&cw, "origin");
	codec_put_cstr(&cw, s->origin);
	codec_put_cstr(&cw, "size");
	codec_put_uint(&cw, s->ck.size);
	codec_put_cstr(&cw, "cosignature");
	codec_put_cstr(&cw, line);
	if (request(s, s->hub, "/v1/cosignature", &w->req, &status) == -1)
		return WITNESS_FAILED;
	if (status != 200) {
		answer_error(&w->resp, status, why, sizeof(why));
		snprintf(s->msg, sizeof(s->msg), "checkpoint %llu: the hub"
		    " refused the cosignature: %s", ULL(s->ck.size), why);
		return status >= 400 && status < 500 ? WITNESS_REFUSED :
		    WITNESS_FAILED;
	}
	snprintf(s->msg, sizeof(s->msg), "cosigned checkpoint %llu", ULL(s->ck.size));
	return WITNESS_COSIGNED;
}

/* Where the checkpoint of `seen` was seen, among the hubs followed. */
static int
hub_index(const struct witness *w, const char *url)
{
	for (size_t i = 0; i < w->cfg.nhubs; i++)
		if (strcmp(w->cfg.hubs[i], url) == 0)
			return (int)i;
	return -1;
}

/* Compares the hub's verified checkpoint with the state; cosigns it if
 * consistent.  err only for a local failure (the state database). */
static enum witness_verdict
judge(struct step *s, bool known, char *err, size_t errlen)
{
	struct witness *w = s->w;
	struct witness_seen *seen = w->seen;
	int x, j;

	if (known && s->ck.size == seen->size &&
	    memcmp(s->ck.root, seen->root, CS_HASH_LEN) != 0) {
		snprintf(s->msg, sizeof(s->msg), "FORK: %s signed two different"
		    " trees of size %llu (the one seen before at %s, and the"
		    " one %s serves now)", s->origin, ULL(seen->size),
		    seen->hub, w->cfg.hubs[s->hub]);
		return fork_found(s, seen->note, true, err, errlen);
	}
	if (known && s->ck.size > seen->size) {
		x = consistent(s, s->hub, seen->size, seen->root, s->ck.size,
		    s->ck.root);
		if (x == -1)
			return WITNESS_FAILED;
		if (x == 1) {
			char why[1024];

			cs_strlcpy(why, s->msg, sizeof(why));
			snprintf(s->msg, sizeof(s->msg), "FORK: %s at %s: %s",
			    s->origin, w->cfg.hubs[s->hub], why);
			return fork_found(s, seen->note, false, err, errlen);
		}
	}
	if (known && s->ck.size < seen->size) {
		j = hub_index(w, seen->hub);
		if (j == -1 || (size_t)j == s->hub) {
			snprintf(s->msg, sizeof(s->msg), "FORK: %s serves"
			    " checkpoint %llu of %s, older than checkpoint %llu"
			    " seen %s (rolled back, or another branch)",
			    w->cfg.hubs[s->hub], ULL(s->ck.size), s->origin,
			    ULL(seen->size), j == -1 ? "at a hub no longer"
			    " followed" : "there before");
			return fork_found(s, seen->note, false, err, errlen);
		}
		x = consistent(s, (size_t)j, s->ck.size, s->ck.root, seen->size,
		    seen->root);
		if (x == -1)
			return WITNESS_FAILED;
		if (x == 1) {
			char why[1024];

			cs_strlcpy(why, s->msg, sizeof(why));
			snprintf(s->msg, sizeof(s->msg), "FORK: %s at %s"
			    " disagrees with %s: %s", s->origin,
			    w->cfg.hubs[s->hub], seen->hub, why);
			return fork_found(s, seen->note, false, err, errlen);
		}
	}
	/* Consistent with everything seen: record it first, durably. */
	if (!known || s->ck.size > seen->size) {
		seen->size = s->ck.size;
		memcpy(seen->root, s->ck.root, CS_HASH_LEN);
		cs_strlcpy(seen->hub, w->cfg.hubs[s->hub], sizeof(seen->hub));
		memcpy(seen->note, w->note, s->notelen);
		seen->note[s->notelen] = '\0';
		if (witness_db_see(&w->db, s->origin, seen, s->now, err,
		    errlen) == -1) {
			s->fatal = true;
			return WITNESS_FAILED;
		}
	}
	if (cosigned_here(s)) {
		snprintf(s->msg, sizeof(s->msg), "checkpoint %llu already"
		    " cosigned", ULL(s->ck.size));
		return WITNESS_UNCHANGED;
	}
	return cosign(s);
}

/* One log at one hub: a verdict, reported through fn.  -1 only for a
 * local failure (err). */
static int
witness_log(struct witness *w, size_t hub, const char *origin, bool listed,
    struct witness_stats *st, witness_report_fn fn, void *arg, char *err,
    size_t errlen)
{
	struct step s;
	char path[CS_ORIGIN_MAX + 64], why[512];
	enum witness_verdict v = WITNESS_FAILED;
	const struct registry_court *court;
	long status;
	int known;

	memset(&s, 0, sizeof(s));
	s.w = w;
	s.hub = hub;
	s.origin = origin;
	if (clock_now(&s.now, err, errlen) == -1)
		return -1;
	court = registry_find(&w->reg, origin);
	snprintf(path, sizeof(path), "/v1/checkpoint?origin=%s", origin);
	if (court == NULL || !court->has_key || court->witness_only) {
		snprintf(s.msg, sizeof(s.msg), "%s is not a court with a key in"
		    " the registry", origin);
		v = WITNESS_INVALID;
	} else if (request(&s, hub, path, NULL, &status) == -1) {
		v = WITNESS_FAILED;
	} else if (status == 404 && listed) {
		return 0;		/* listed, but nothing signed yet */
	} else if (status != 200) {
		answer_error(&w->resp, status, why, sizeof(why));
		snprintf(s.msg, sizeof(s.msg), "GET %s: %s", path, why);
	} else if (w->resp.len > NOTE_MAX) {
		snprintf(s.msg, sizeof(s.msg), "the hub's checkpoint is longer"
		    " than a note may be");
		v = WITNESS_INVALID;
	} else {
		memcpy(w->note, w->resp.p, w->resp.len);
		w->note[w->resp.len] = '\0';
		s.notelen = w->resp.len;
		/* The court's signature, by the registry's key only. */
		if (checkpoint_open(w->note, s.notelen, &court->log, &s.ck,
		    &s.bodylen, why, sizeof(why)) == -1) {
			snprintf(s.msg, sizeof(s.msg), "the hub's checkpoint"
			    " does not verify: %s", why);
			v = WITNESS_INVALID;
		} else if ((known = witness_db_seen(&w->db, origin, w->seen, err,
		    errlen)) == -1) {
			return -1;
		} else {
			v = judge(&s, known == 1, err, errlen);
			if (s.fatal)
				return -1;
		}
	}
	st->logs++;
	st->cosigned += v == WITNESS_COSIGNED;
	st->forks += v == WITNESS_FORK || v == WITNESS_FORK_KNOWN;
	st->invalid += v == WITNESS_INVALID;
	st->refused += v == WITNESS_REFUSED;
	st->failed += v == WITNESS_FAILED;
	if (fn != NULL)
		fn(arg, v, w->cfg.hubs[hub], origin, s.msg);
	return 0;
}

/* The logs a hub lists (GET /v1/logs), into names (at most max). */
static int
hub_list(struct witness *w, size_t hub, char (*names)[CS_ORIGIN_MAX],
    size_t max, size_t *n, char *msg, size_t mlen)
{
	struct codec_doc doc = { 0 };
	struct codec_value arr, m, o;
	struct step s;
	long status;
	char why[256];
	int ret = -1;

	memset(&s, 0, sizeof(s));
	s.w = w;
	*n = 0;
	if (request(&s, hub, "/v1/logs", NULL, &status) == -1) {
		cs_strlcpy(msg, s.msg, mlen);
		return -1;
	}
	if (status != 200) {
		answer_error(&w->resp, status, why, sizeof(why));
		snprintf(msg, mlen, "GET /v1/logs: %s", why);
		return -1;
	}
	if (codec_decode(&doc, w->resp.p, w->resp.len, &arr, why,
	    sizeof(why)) == -1 || arr.type != CODEC_ARRAY) {
		snprintf(msg, mlen, "GET /v1/logs: not a msgpack array");
		goto out;
	}
	for (size_t i = 0; i < arr.n && *n < max; i++) {
		codec_array_at(&arr, i, &m);
		if (m.type != CODEC_MAP || !codec_map_get(&m, "origin", &o) ||
		    o.type != CODEC_STR || o.n >= CS_ORIGIN_MAX) {
			snprintf(msg, mlen, "GET /v1/logs: entry %zu has no"
			    " origin", i);
			goto out;
		}
		memcpy(names[*n], o.p, o.n);
		names[*n][o.n] = '\0';
		if (court_path_valid(names[*n]))
			(*n)++;
	}
	ret = 0;
out:
	codec_doc_free(&doc);
	return ret;
}

int
witness_round(struct witness *w, struct witness_stats *st,
    witness_report_fn fn, void *arg, char *err, size_t errlen)
{
	char (*listed)[CS_ORIGIN_MAX] = NULL, msg[1024];
	size_t n;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	if (w->cfg.norigins == 0 &&
	    (listed = calloc(WITNESS_ORIGINS_MAX, CS_ORIGIN_MAX)) == NULL) {
		ERR("out of memory");
		return -1;
	}
	for (size_t h = 0; h < w->cfg.nhubs; h++) {
		if (w->cancel != NULL && w->cancel())
			break;
		if (w->cfg.norigins > 0) {
			for (size_t i = 0; i < w->cfg.norigins; i++)
				if (witness_log(w, h, w->cfg.origins[i], false,
				    st, fn, arg, err, errlen) == -1)
					goto out;
			continue;
		}
		if (hub_list(w, h, listed, WITNESS_ORIGINS_MAX, &n, msg,
		    sizeof(msg)) == -1) {
			st->failed++;
			if (fn != NULL)
				fn(arg, WITNESS_FAILED, w->cfg.hubs[h], "", msg);
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if (witness_log(w, h, listed[i], true, st, fn, arg, err,
			    errlen) == -1)
				goto out;
	}
	ret = 0;
out:
	free(listed);
	return ret;
}
