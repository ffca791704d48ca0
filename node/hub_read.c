/*
 * hub_read.c — evidence relayed from below (refusals: hub_fork.c), and the read endpoints: logs, checkpoints, entries, proofs, equivocations, health (hub.h, docs/PROTOCOL.md §5–§6).
 */
#include "courtsync/json.h"
#include "hub_int.h"

/* ---- evidence relayed from below ---- */

int
hub_evidence_note(const struct registry_court *rc, const struct codec_value *v,
    struct checkpoint *ck, char *text, char *err, size_t errlen)
{
	struct note_sig sigs[NOTE_SIGS_MAX];
	size_t bodylen, nsigs = NOTE_SIGS_MAX;
	char name[NOTE_NAME_MAX];

	if (v->type != CODEC_STR || v->n > NOTE_MAX) {
		ERR("a note is missing");
		return -1;
	}
	memcpy(text, v->p, v->n);
	text[v->n] = '\0';
	snprintf(name, sizeof(name), "courtsync/%s", rc->path);
	if (note_split(text, v->n, &bodylen, sigs, &nsigs, err, errlen) == -1 ||
	    checkpoint_parse(text, bodylen, ck, err, errlen) == -1 ||
	    note_verify(text, bodylen, sigs, nsigs, &rc->log, NULL, err,
	    errlen) == -1)
		return -1;
	if (strcmp(ck->origin, name) != 0) {
		ERR("a note is for %.100s, not %.100s", ck->origin, name);
		return -1;
	}
	return 0;
}

int
hub_evidence(struct hub *h, const char *client, const uint8_t *body, size_t n,
    uint64_t now, struct hub_reply *r)
{
	struct codec_doc doc = { 0 };
	struct codec_value root, v, va, vb, vp, vr;
	struct checkpoint a, b;
	const struct registry_court *rc;
	uint8_t proof[MERKLE_MAX_PROOF][CS_HASH_LEN];
	char origin[CS_ORIGIN_MAX], why[512];
	char *ta = NULL, *tb = NULL;
	size_t k = 0;
	int ret = 0;

	ta = malloc(NOTE_MAX + 1);
	tb = malloc(NOTE_MAX + 1);
	if (ta == NULL || tb == NULL) {
		hub_error(r, 500, "internal", 0, false, "out of memory");
		ret = -1;
		goto out;
	}
	if (codec_decode(&doc, body, n, &root, why, sizeof(why)) == -1 ||
	    root.type != CODEC_MAP || !codec_map_get(&root, "origin", &v) ||
	    v.type != CODEC_STR || v.n >= sizeof(origin)) {
		hub_error(r, 400, "bad_request", 0, false, "evidence must be a"
		    " map with origin, a, b[, proof, root_m]");
		goto out;
	}
	memcpy(origin, v.p, v.n);
	origin[v.n] = '\0';
	/* A witness outside the courts may report any log it follows. */
	rc = registry_find(h->reg, client);
	if (!court_path_valid(origin) || !court_path_covers(h->c->cfg.path,
	    origin) || (!court_path_covers(client, origin) &&
	    (rc == NULL || !rc->witness_only))) {
		hub_error(r, 403, "origin_not_allowed", 0, false, "%s may not"
		    " report on %s here", client, origin);
		goto out;
	}
	if ((rc = registry_find(h->reg, origin)) == NULL || !rc->has_key) {
		hub_error(r, 403, "unknown_court", 0, false, "%s is not in the"
		    " registry with a key", origin);
		goto out;
	}
	/* PROTOCOL §6: no kind (or "equivocation") is §6.1, "fold_refused"
	 * is §6.2. */
	if (codec_map_get(&root, "kind", &v) &&
	    !codec_str_eq(&v, "equivocation")) {
		if (codec_str_eq(&v, "fold_refused"))
			ret = hub_refusal_from_below(h, client, rc, &root, now,
			    r);
		else
			hub_error(r, 400, "bad_request", 0, false, "evidence"
			    " kind is \"equivocation\" or \"fold_refused\"");
		goto out;
	}
	if (!codec_map_get(&root, "a", &va) || !codec_map_get(&root, "b", &vb)) {
		hub_error(r, 400, "bad_request", 0, false, "evidence must be a"
		    " map with origin, a, b[, proof, root_m]");
		goto out;
	}
	if (hub_evidence_note(rc, &va, &a, ta, why, sizeof(why)) == -1 ||
	    hub_evidence_note(rc, &vb, &b, tb, why, sizeof(why)) == -1) {
		hub_error(r, 403, "bad_evidence", 0, false, "%s", why);
		goto out;
	}
	if (a.size > b.size) {
		hub_error(r, 400, "bad_evidence", 0, false, "a must not be"
		    " larger than b");
		goto out;
	}
	if (a.size == b.size) {
		if (memcmp(a.root, b.root, CS_HASH_LEN) == 0) {
			hub_error(r, 403, "bad_evidence", 0, false, "the two"
			    " checkpoints agree");
			goto out;
		}
	} else {
		if (!codec_map_get(&root, "proof", &vp) ||
		    vp.type != CODEC_ARRAY || vp.n > MERKLE_MAX_PROOF ||
		    !codec_map_get(&root, "root_m", &vr) ||
		    vr.type != CODEC_BIN || vr.n != CS_HASH_LEN) {
			hub_error(r, 400, "bad_evidence", 0, false, "sizes"
			    " differ: a proof and root_m are needed");
			goto out;
		}
		for (k = 0; k < vp.n; k++) {
			codec_array_at(&vp, k, &v);
			if (v.type != CODEC_BIN || v.n != CS_HASH_LEN) {
				hub_error(r, 400, "bad_evidence", 0, false,
				    "proof[%zu] is not 32 bytes", k);
				goto out;
			}
			memcpy(proof[k], v.p, CS_HASH_LEN);
		}
		if (merkle_verify_consistency(a.size, b.size,
		    (const uint8_t *)vr.p, b.root,
		    (const uint8_t (*)[CS_HASH_LEN])proof, k, why,
		    sizeof(why)) == -1 ||
		    memcmp(vr.p, a.root, CS_HASH_LEN) == 0) {
			hub_error(r, 403, "bad_evidence", 0, false, "the proof"
			    " does not show the checkpoints disagree%s%s",
			    why[0] ? ": " : "", why);
			goto out;
		}
	}
	if (store_begin(&h->c->st, why, sizeof(why)) == -1 ||
	    store_evidence_put(&h->c->st, origin, ta, tb, k > 0 ? proof : NULL,
	    k * CS_HASH_LEN, a.size < b.size ? (const uint8_t *)vr.p : NULL,
	    now, client, why, sizeof(why)) == -1 ||
	    store_commit(&h->c->st, why, sizeof(why)) == -1) {
		store_rollback(&h->c->st);
		hub_error(r, 500, "internal", 0, false, "%s", why);
		ret = -1;
		goto out;
	}
	hub_error(r, 200, "ok", 0, false, "evidence about %s kept", origin);
out:
	free(ta);
	free(tb);
	codec_doc_free(&doc);
	return ret;
}

/* ---- read endpoints ---- */

struct logs_acc {
	struct hub		*h;
	struct codec_writer	*w;
	int			 n;
	int			 rc;
	char			 err[256];
};

static int
count_log(void *arg, int64_t id, const char *origin)
{
	(void)id;
	(void)origin;
	((struct logs_acc *)arg)->n++;
	return 0;
}

static int
put_log(void *arg, int64_t id, const char *origin)
{
	struct logs_acc *a = arg;
	struct store_log l;
	uint64_t ck = 0;
	char note[NOTE_MAX];

	if (store_log_get(&a->h->c->st, origin, false, &l, a->err,
	    sizeof(a->err)) != 1 ||
	    store_checkpoint_latest(&a->h->c->st, id, &ck, note, sizeof(note),
	    a->err, sizeof(a->err)) == -1) {
		a->rc = -1;
		return 1;
	}
	codec_put_map(a->w, 3);
	codec_put_cstr(a->w, "origin");
	codec_put_cstr(a->w, origin);
	codec_put_cstr(a->w, "size");
	codec_put_uint(a->w, l.size);
	codec_put_cstr(a->w, "checkpoint");
	codec_put_uint(a->w, ck);
	return 0;
}

int
hub_logs(struct hub *h, struct hub_reply *r)
{
	struct codec_writer w;
	struct logs_acc a = { h, &w, 0, 0, "" };

	buf_reset(&r->body);
	codec_writer_init(&w, &r->body);
	if (store_logs_each(&h->c->st, count_log, &a, a.err, sizeof(a.err)) == -1)
		goto fail;
	codec_put_array(&w, (uint32_t)a.n);
	if (store_logs_each(&h->c->st, put_log, &a, a.err, sizeof(a.err)) == -1 ||
	    a.rc == -1)
		goto fail;
	r->status = 200;
	r->ctype = "application/msgpack";
	return 0;
fail:
	hub_error(r, 500, "internal", 0, false, "%s", a.err);
	return -1;
}

/* Finds a log by origin for a read endpoint; answers 400/404 itself. */
static int
read_log(struct hub *h, const char *origin, struct store_log *l,
    struct hub_reply *r)
{
	char why[256];
	int x;

	if (origin == NULL || !court_path_valid(origin)) {
		hub_error(r, 400, "bad_request", 0, false, "origin=<court path>"
		    " is required");
		return -1;
	}
	x = store_log_get(&h->c->st, origin, false, l, why, sizeof(why));
	if (x == -1) {
		hub_error(r, 500, "internal", 0, false, "%s", why);
		return -1;
	}
	if (x == 0) {
		hub_error(r, 404, "unknown_origin", 0, false, "no log of %s"
		    " is held here", origin);
		return -1;
	}
	return 0;
}

static int
parse_num(const char *s, uint64_t *v)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 19)
		return -1;
	*v = strtoull(s, &end, 10);
	return *end == '\0' ? 0 : -1;
}

/* Answers 416 when asked for entries beyond what is held. */
static bool
beyond_held(struct hub_reply *r, const char *origin, const struct store_log *l,
    uint64_t n)
{
	if (n <= l->size)
		return false;
	hub_error(r, 416, "out_of_range", l->size, true, "%s holds %llu entries",
	    origin, (unsigned long long)l->size);
	return true;
}

int
hub_checkpoint(struct hub *h, const char *origin, struct hub_reply *r)
{
	struct store_log l;
	uint64_t size;
	char why[256];
	int x;

	if (read_log(h, origin, &l, r) == -1)
		return 0;
	x = hub_checkpoint_text(h, l.id, &size, &r->body, why, sizeof(why));
	if (x == -1) {
		hub_error(r, 500, "internal", 0, false, "%s", why);
		return -1;
	}
	if (x == 0) {
		hub_error(r, 404, "unknown_origin", 0, false, "no checkpoint of"
		    " %s is held here", origin);
		return 0;
	}
	r->status = 200;
	r->ctype = "text/plain; charset=utf-8";
	return 0;
}

struct entries_acc {
	struct codec_writer	*w;
};

static int
put_entry(void *arg, uint64_t index, const void *data, size_t n,
    const uint8_t leaf[CS_HASH_LEN], char *err, size_t errlen)
{
	struct entries_acc *a = arg;

	(void)index;
	(void)leaf;
	(void)err;
	(void)errlen;
	codec_put_bin(a->w, data, n);
	return 0;
}

int
hub_entries(struct hub *h, const char *origin, const char *start,
    const char *end, struct hub_reply *r)
{
	struct store_log l;
	struct codec_writer w;
	struct entries_acc a = { &w };
	uint64_t from, to;
	char why[256];

	if (read_log(h, origin, &l, r) == -1)
		return 0;
	if (parse_num(start, &from) == -1 || parse_num(end, &to) == -1 ||
	    from > to) {
		hub_error(r, 400, "bad_request", 0, false, "start=A&end=B with"
		    " A <= B are required");
		return 0;
	}
	if (beyond_held(r, origin, &l, to))
		return 0;
	if (to - from > h->max_batch)
		to = from + h->max_batch;
	buf_reset(&r->body);
	codec_writer_init(&w, &r->body);
	codec_put_array(&w, (uint32_t)(to - from));
	if (store_entries_each(&h->c->st, l.id, from, to, put_entry, &a, why,
	    sizeof(why)) == -1) {
		hub_error(r, 500, "internal", 0, false, "%s", why);
		return -1;
	}
	r->status = 200;
	r->ctype = "application/msgpack";
	return 0;
}

static int
proof_reply(struct hub_reply *r, uint8_t proof[][CS_HASH_LEN], size_t k)
{
	struct codec_writer w;

	buf_reset(&r->body);
	codec_writer_init(&w, &r->body);
	codec_put_map(&w, 1);
	codec_put_cstr(&w, "proof");
	codec_put_hashes(&w, proof, k);
	r->status = 200;
	r->ctype = "application/msgpack";
	return 0;
}

int
hub_inclusion(struct hub *h, const char *origin, const char *index,
    const char *size, struct hub_reply *r)
{
	struct store_log l;
	struct store_tree t;
	uint8_t proof[MERKLE_MAX_PROOF][CS_HASH_LEN];
	uint64_t i, n;
	size_t k;
	char why[256];

	if (read_log(h, origin, &l, r) == -1)
		return 0;
	if (parse_num(index, &i) == -1 || parse_num(size, &n) == -1 || i >= n) {
		hub_error(r, 400, "bad_request", 0, false, "index=I&size=N with"
		    " I < N are required");
		return 0;
	}
	if (beyond_held(r, origin, &l, n))
		return 0;
	t.s = &h->c->st;
	t.log = l.id;
	if (merkle_prove_inclusion(i, n, store_tree_get, &t, proof, &k, why,
	    sizeof(why)) == -1) {
		hub_error(r, 500, "internal", 0, false, "%s", why);
		return -1;
	}
	return proof_reply(r, proof, k);
}

int
hub_consistency(struct hub *h, const char *origin, const char *old,
    const char *new_, struct hub_reply *r)
{
	struct store_log l;
	struct store_tree t;
	uint8_t proof[MERKLE_MAX_PROOF][CS_HASH_LEN];
	uint64_t m, n;
	size_t k;
	char why[256];

	if (read_log(h, origin, &l, r) == -1)
		return 0;
	if (parse_num(old, &m) == -1 || parse_num(new_, &n) == -1 || m == 0 ||
	    m > n) {
		hub_error(r, 400, "bad_request", 0, false, "old=M&new=N with"
		    " 0 < M <= N are required");
		return 0;
	}
	if (beyond_held(r, origin, &l, n))
		return 0;
	t.s = &h->c->st;
	t.log = l.id;
	if (merkle_prove_consistency(m, n, store_tree_get, &t, proof, &k, why,
	    sizeof(why)) == -1) {
		hub_error(r, 500, "internal", 0, false, "%s", why);
		return -1;
	}
	return proof_reply(r, proof, k);
}

struct ev_acc {
	struct codec_writer	*w;
	int			 n;
};

static int
put_evidence(void *arg, int ncol, const char *const *v)
{
	struct ev_acc *a = arg;

	(void)ncol;
	codec_put_map(a->w, 5);
	codec_put_cstr(a->w, "origin");
	codec_put_cstr(a->w, v[0]);
	codec_put_cstr(a->w, "a");
	codec_put_cstr(a->w, v[1]);
	codec_put_cstr(a->w, "b");
	codec_put_cstr(a->w, v[2]);
	codec_put_cstr(a->w, "found_at");
	codec_put_uint(a->w, strtoull(v[3], NULL, 10));
	codec_put_cstr(a->w, "found_by");
	codec_put_cstr(a->w, v[4]);
	a->n++;
	return 0;
}

static int
count_rows(void *arg, int ncol, const char *const *v)
{
	(void)ncol;
	(void)v;
	((struct ev_acc *)arg)->n++;
	return 0;
}

int
hub_equivocations(struct hub *h, struct hub_reply *r)
{
	static const char q[] = "SELECT origin, note_a, note_b, found_at,"
	    " found_by FROM equivocations ORDER BY id";
	struct codec_writer w;
	struct ev_acc a = { &w, 0 };
	char why[256];

	buf_reset(&r->body);
	codec_writer_init(&w, &r->body);
	if (store_query(&h->c->st, q, NULL, 0, count_rows, &a, why,
	    sizeof(why)) == -1)
		goto fail;
	codec_put_array(&w, (uint32_t)a.n);
	if (store_query(&h->c->st, q, NULL, 0, put_evidence, &a, why,
	    sizeof(why)) == -1)
		goto fail;
	r->status = 200;
	r->ctype = "application/msgpack";
	return 0;
fail:
	hub_error(r, 500, "internal", 0, false, "%s", why);
	return -1;
}

static int
sum_row(void *arg, int ncol, const char *const *v)
{
	uint64_t *acc = arg;

	(void)ncol;
	acc[0] = v[0] != NULL ? strtoull(v[0], NULL, 10) : 0;
	acc[1] = v[1] != NULL ? strtoull(v[1], NULL, 10) : 0;
	acc[2] = v[2] != NULL ? strtoull(v[2], NULL, 10) : 0;
	acc[3] = v[3] != NULL ? strtoull(v[3], NULL, 10) : 0;
	return 0;
}

int
hub_health(struct hub *h, struct hub_reply *r)
{
	uint64_t acc[4] = { 0, 0, 0, 0 }, backlog, halted;
	char why[256];

	/* Entries held: each log's highest index + 1 (logs are contiguous
	 * from 0), one index seek per log, not a count of every entry. */
	if (store_query(&h->c->st, "SELECT (SELECT count(*) FROM logs),"
	    " (SELECT sum((SELECT max(e.idx) + 1 FROM entries e"
	    " WHERE e.log = l.id)) FROM logs l), (SELECT count(*) FROM"
	    " equivocations), (SELECT count(*) FROM refusals)", NULL, 0, sum_row, acc, why, sizeof(why)) == -1) {
		hub_error(r, 500, "internal", 0, false, "%s", why);
		return -1;
	}
	if (court_fold_backlog(h->c, &backlog, &halted, why,
	    sizeof(why)) == -1) {
		hub_error(r, 500, "internal", 0, false, "%s", why);
		return -1;
	}
	buf_reset(&r->body);
	buf_printf(&r->body, "{\"status\":\"ok\",\"court\":");
	json_put_str(&r->body, h->c->cfg.path, strlen(h->c->cfg.path));
	buf_printf(&r->body, ",\"logs\":%llu,\"entries\":%llu,"
	    "\"equivocations\":%llu,\"refusals\":%llu,"
	    "\"fold_backlog\":%llu,\"fold_halted\":%llu}\n",
	    (unsigned long long)acc[0], (unsigned long long)acc[1],
	    (unsigned long long)acc[2], (unsigned long long)acc[3],
	    (unsigned long long)backlog, (unsigned long long)halted);
	r->status = 200;
	r->ctype = "application/json";
	return 0;
}
