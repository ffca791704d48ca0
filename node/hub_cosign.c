/*
 * hub_cosign.c — cosignatures from witnesses outside the courts (hub.h,
 * docs/PROTOCOL.md §7): POST /v1/cosignature, and passing them up.
 *
 * A witness (registry role "witness") reads a hub's checkpoint, checks it
 * against what it saw before, and posts back its tlog-cosignature/v1
 * line.  The hub keeps the line only if it is the caller's own, verifies
 * with the caller's registered key over the very checkpoint the hub holds
 * at that size, and is dated within the witness rule's clock bounds
 * (policy.h): a line the hub relays must pass every auditor's check.
 *
 * Upward, cosignatures travel with checkpoints (relay.c), but a relay
 * whose parent already holds every entry and every ancestor's cosignature
 * sends nothing more.  So a hub that gains a witness's cosignature notes
 * the checkpoint's size in meta "witness_relay/<origin>", in the same
 * transaction; the relay then re-sends that checkpoint once (an empty
 * batch, PROTOCOL §3) and clears the note only if it is still the one it
 * sent.  The parent, gaining the line from the batch, notes it in turn.
 */
#include "hub_int.h"

#include "policy.h"

#define RELAY_KEY "witness_relay/"

/* ---- the relay's note ---- */

static int
mark(struct hub *h, const char *origin, uint64_t size, char *err,
    size_t errlen)
{
	char key[CS_ORIGIN_MAX + 32], val[32];

	if (h->c->cfg.parent_url[0] == '\0')
		return 0;		/* nobody above to tell */
	snprintf(key, sizeof(key), RELAY_KEY "%s", origin);
	snprintf(val, sizeof(val), "%llu", (unsigned long long)size);
	return store_meta_set(&h->c->st, key, val, err, errlen);
}

int
hub_cosign_mark(struct hub *h, const char *origin, uint64_t size,
    const char *note, size_t n, char *err, size_t errlen)
{
	struct note_sig sigs[NOTE_SIGS_MAX];
	size_t bodylen, nsigs = NOTE_SIGS_MAX, i;
	char why[256];
	const struct registry_court *w;

	if (note_split(note, n, &bodylen, sigs, &nsigs, why, sizeof(why)) == -1)
		return 0;
	for (i = 0; i < nsigs; i++) {
		w = registry_witness(h->reg, sigs[i].name, sigs[i].keyid);
		if (w != NULL && w->witness_only)
			break;
	}
	return i == nsigs ? 0 : mark(h, origin, size, err, errlen);
}

int
hub_cosign_pending(struct store *st, const char *origin, uint64_t *size,
    char *err, size_t errlen)
{
	char key[CS_ORIGIN_MAX + 32], val[32], *end;
	int x;

	snprintf(key, sizeof(key), RELAY_KEY "%s", origin);
	x = store_meta_get(st, key, val, sizeof(val), err, errlen);
	if (x != 1 || val[0] == '\0')
		return x == -1 ? -1 : 0;
	*size = strtoull(val, &end, 10);
	return *end == '\0' ? 1 : 0;
}

int
hub_cosign_relayed(struct store *st, const char *origin, uint64_t size,
    char *err, size_t errlen)
{
	char key[CS_ORIGIN_MAX + 32];
	uint64_t now_pending;
	int x;

	snprintf(key, sizeof(key), RELAY_KEY "%s", origin);
	if (store_begin(st, err, errlen) == -1)
		return -1;
	x = hub_cosign_pending(st, origin, &now_pending, err, errlen);
	if (x == -1 || (x == 1 && now_pending == size &&
	    store_meta_set(st, key, "", err, errlen) == -1)) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, err, errlen);
}

/* ---- POST /v1/cosignature ---- */

struct cosig_req {
	char		 origin[CS_ORIGIN_MAX];
	uint64_t	 size;
	char		 line[1024];
};

static int
decode_req(const uint8_t *body, size_t n, struct cosig_req *q, char *err,
    size_t errlen)
{
	struct codec_doc doc = { 0 };
	struct codec_value root, v;
	int ret = -1;

	if (codec_decode(&doc, body, n, &root, err, errlen) == -1)
		return -1;
	if (root.type != CODEC_MAP || root.n != 3) {
		ERR("the body is not a map of origin, size, cosignature");
		goto out;
	}
	if (!codec_map_get(&root, "origin", &v) || v.type != CODEC_STR ||
	    v.n >= sizeof(q->origin) || memchr(v.p, '\0', v.n) != NULL) {
		ERR("\"origin\" is missing or not a short string");
		goto out;
	}
	memcpy(q->origin, v.p, v.n);
	q->origin[v.n] = '\0';
	if (!court_path_valid(q->origin)) {
		ERR("\"origin\" is not a court path");
		goto out;
	}
	if (!codec_map_get(&root, "size", &v) || v.type != CODEC_UINT) {
		ERR("\"size\" is missing or not an unsigned integer");
		goto out;
	}
	q->size = v.u;
	if (!codec_map_get(&root, "cosignature", &v) || v.type != CODEC_STR ||
	    v.n == 0 || v.n + 2 > sizeof(q->line) ||
	    memchr(v.p, '\0', v.n) != NULL) {
		ERR("\"cosignature\" is missing or not one signature line");
		goto out;
	}
	memcpy(q->line, v.p, v.n);
	q->line[v.n] = '\0';
	if (q->line[v.n - 1] != '\n')		/* its final newline may go */
		cs_strlcpy(q->line + v.n, "\n", 2);
	ret = 0;
out:
	codec_doc_free(&doc);
	return ret;
}

/* When the newest entry under checkpoint `size` was recorded (0 for an
 * empty tree): no honest cosignature is older. */
static int
recorded_at(struct store *st, int64_t log, uint64_t size, uint64_t *t,
    char *err, size_t errlen)
{
	struct buf b;
	struct entry e;
	int ret = -1;

	*t = 0;
	if (size == 0)
		return 0;
	buf_init(&b, CS_ENTRY_MAX);
	if (store_entry_get(st, log, size - 1, &b, NULL, err, errlen) == -1 ||
	    entry_decode(b.p, b.len, &e, err, errlen) == -1)
		goto out;
	*t = e.time;
	ret = 0;
out:
	buf_free(&b);
	return ret;
}

/* Checks the line as the caller's cosignature of the held checkpoint at
 * q->size (in held, with room for the line appended); 0 with *t, or a
 * refusal in r. */
static int
check_line(struct hub *h, const struct registry_court *w, int64_t log,
    const struct cosig_req *q, char *held, uint64_t now, uint64_t *t,
    struct hub_reply *r, char *err, size_t errlen)
{
	struct note_sig sigs[NOTE_SIGS_MAX];
	struct policy p;
	struct policy_cosigs pc;
	size_t bodylen, nsigs = NOTE_SIGS_MAX, nheld = NOTE_SIGS_MAX, len;
	uint64_t not_before;
	char why[1024], name[NOTE_NAME_MAX];

	len = strlen(held);
	if (note_split(held, len, &bodylen, sigs, &nheld, why,
	    sizeof(why)) == -1) {
		ERR("checkpoint %llu held: %s", (unsigned long long)q->size,
		    why);
		return -1;
	}
	if (len + strlen(q->line) >= NOTE_MAX + 1) {
		hub_error(r, 400, "bad_request", 0, false, "the cosignature"
		    " does not fit in the note");
		return 1;
	}
	memcpy(held + len, q->line, strlen(q->line) + 1);
	len += strlen(q->line);
	if (note_split(held, len, &bodylen, sigs, &nsigs, why,
	    sizeof(why)) == -1 || nsigs != nheld + 1) {
		hub_error(r, 400, "bad_request", 0, false, "\"cosignature\" is"
		    " not one signature line%s%s", nsigs == nheld + 1 ? ": " :
		    "", nsigs == nheld + 1 ? why : "");
		return 1;
	}
	snprintf(name, sizeof(name), "courtsync/%s", w->path);
	if (strcmp(sigs[nsigs - 1].name, name) != 0) {
		hub_error(r, 403, "not_a_witness", 0, false, "the line is signed"
		    " by %.200s, not by the caller %s: a witness posts only its"
		    " own cosignature", sigs[nsigs - 1].name, w->path);
		return 1;
	}
	if (memcmp(sigs[nsigs - 1].keyid, w->witness.keyid, 4) != 0) {
		hub_error(r, 403, "bad_cosignature", 0, false, "checkpoint %llu:"
		    " the line's key ID is not the registered witness key of"
		    " %s", (unsigned long long)q->size, w->path);
		return 1;
	}
	/* The one witness rule of every reader (FORMAT §9.1): valid, and
	 * dated neither in the future nor before the entries it covers. */
	if (recorded_at(&h->c->st, log, q->size, &not_before, err,
	    errlen) == -1)
		return -1;
	policy_init(&p, now);
	pc.size = q->size;
	if (policy_cosigs(held, len, q->origin, h->reg, &p, not_before, &pc,
	    why, sizeof(why)) != 0) {
		hub_error(r, 403, "bad_cosignature", 0, false, "%s", why);
		return 1;
	}
	for (size_t i = 0; i < pc.n; i++)
		if (strcmp(pc.w[i].path, w->path) == 0)
			*t = pc.w[i].time;
	return 0;
}

int
hub_cosignature(struct hub *h, const char *client, const uint8_t *body,
    size_t n, uint64_t now, struct hub_reply *r)
{
	struct store *st = &h->c->st;
	const struct registry_court *w;
	struct cosig_req q;
	struct store_log l;
	struct codec_writer cw;
	char why[1024], *held = NULL;
	uint64_t t = 0;
	int x, ret = -1;
	bool in_tx = false;

	if (decode_req(body, n, &q, why, sizeof(why)) == -1) {
		hub_error(r, 400, "bad_request", 0, false, "%s", why);
		return 0;
	}
	w = registry_find(h->reg, client);
	if (w == NULL || !w->witness_only || !w->has_key) {
		hub_error(r, 403, "not_a_witness", 0, false, "%s is not a"
		    " witness with a key in the registry", client);
		return 0;
	}
	if ((held = malloc(NOTE_MAX + 1)) == NULL) {
		cs_strlcpy(why, "out of memory", sizeof(why));
		goto fail;
	}
	if (store_begin(st, why, sizeof(why)) == -1)
		goto fail;
	in_tx = true;
	x = court_path_covers(h->c->cfg.path, q.origin) ? store_log_get(st,
	    q.origin, false, &l, why, sizeof(why)) : 0;
	if (x == -1)
		goto fail;
	if (x == 0) {
		hub_error(r, 404, "unknown_origin", 0, false, "no log of %s is"
		    " held here", q.origin);
		ret = 0;
		goto out;
	}
	x = store_checkpoint_get(st, l.id, q.size, held, NOTE_MAX + 1, why,
	    sizeof(why));
	if (x == -1)
		goto fail;
	if (x == 0) {
		hub_error(r, 404, "unknown_checkpoint", 0, false, "no checkpoint"
		    " of size %llu of %s is held here",
		    (unsigned long long)q.size, q.origin);
		ret = 0;
		goto out;
	}
	x = check_line(h, w, l.id, &q, held, now, &t, r, why, sizeof(why));
	if (x == -1)
		goto fail;
	if (x == 1) {
		ret = 0;
		goto out;
	}
	if (store_cosig_put(st, l.id, q.size, w->path, t, q.line, why,
	    sizeof(why)) == -1 ||
	    mark(h, q.origin, q.size, why, sizeof(why)) == -1 ||
	    store_checkpoint_text(st, l.id, q.size, &h->scratch, why,
	    sizeof(why)) != 1)
		goto fail;
	in_tx = false;
	if (store_commit(st, why, sizeof(why)) == -1)
		goto fail;
	buf_reset(&r->body);
	codec_writer_init(&cw, &r->body);
	codec_put_map(&cw, 2);
	codec_put_cstr(&cw, "size");
	codec_put_uint(&cw, q.size);
	codec_put_cstr(&cw, "checkpoint");
	codec_put_str(&cw, (const char *)h->scratch.p, h->scratch.len);
	r->status = 200;
	r->ctype = "application/msgpack";
	ret = 0;
	goto out;
fail:
	hub_error(r, 500, "internal", 0, false, "%s", why);
out:
	if (in_tx)
		store_rollback(st);
	free(held);
	return ret;
}
