/*
 * hub_fork.c — what a hub keeps when a court signs what the hub cannot
 * take (docs/PROTOCOL.md §3 steps 6 and 9, §6): the tree a refused batch
 * describes, equivocation evidence for a fork that overlaps the log held
 * and extends past it, and refusal evidence for a signed checkpoint over
 * an entry the fold refuses; refusal evidence relayed from below, and the
 * GET /v1/refusals listing.
 *
 * Why only a signed root makes evidence: a batch's bytes may have been
 * altered on the way by anyone, but only the court can sign a root.  So a
 * refused batch is evidence against the court only when the court's
 * checkpoint verifies and the tree of the hub's entries below `start`
 * followed by the batch's entries hashes to exactly that checkpoint's
 * root: then the court itself committed to those entries.  Nothing of the
 * batch is stored but the evidence, in its own transaction after the
 * batch's was rolled back, so the log held stays as it was.
 */
#include "hub_int.h"

#define REASON_MAX	1024	/* bytes of a fold's reason kept or accepted */

/* ---- the tree a batch describes ---- */

int
hub_fork_init(struct hub_fork *f, struct store *st, int64_t log,
    const struct batch *b, char *err, size_t errlen)
{
	struct codec_value v;
	size_t n = b->entries.n;

	memset(f, 0, sizeof(*f));
	f->t.s = st;
	f->t.log = log;
	f->split = b->start;
	f->end = b->start + n;
	if (n > 0 && (f->leaf = calloc(n, sizeof(*f->leaf))) == NULL) {
		ERR("out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		codec_array_at(&b->entries, i, &v);
		merkle_leaf_hash(v.p, v.n, f->leaf[i]);
	}
	return 0;
}

void
hub_fork_free(struct hub_fork *f)
{
	free(f->leaf);
	f->leaf = NULL;
}

int
hub_fork_get(void *arg, unsigned level, uint64_t index,
    uint8_t out[CS_HASH_LEN], char *err, size_t errlen)
{
	struct hub_fork *f = arg;
	uint8_t l[CS_HASH_LEN], r[CS_HASH_LEN];
	uint64_t lo, hi;

	if (level >= 63 || index > (UINT64_MAX >> level) - 1) {
		ERR("tree node (%u, %llu) out of range", level,
		    (unsigned long long)index);
		return -1;
	}
	lo = index << level;
	hi = lo + ((uint64_t)1 << level);
	/* Wholly below the split: a complete subtree of the log held. */
	if (hi <= f->split)
		return store_tree_get(&f->t, level, index, out, err, errlen);
	if (hi > f->end) {
		ERR("tree node (%u, %llu) lies beyond the batch's %llu entries",
		    level, (unsigned long long)index,
		    (unsigned long long)f->end);
		return -1;
	}
	if (level == 0) {
		memcpy(out, f->leaf[lo - f->split], CS_HASH_LEN);
		return 0;
	}
	/* Straddles the split or lies in the batch: from its two halves.
	 * A proof asks for O(log n) nodes; each costs at most its leaves. */
	if (hub_fork_get(f, level - 1, 2 * index, l, err, errlen) == -1 ||
	    hub_fork_get(f, level - 1, 2 * index + 1, r, err, errlen) == -1)
		return -1;
	merkle_node_hash(l, r, out);
	return 0;
}

/* Loads the batch's tree over the log of origin (which must exist when
 * the batch does not start at 0) and says whether it hashes to root:
 * 1 yes, 0 no, -1 error.  Inside the caller's transaction. */
static int
fork_load(struct hub *h, const struct batch *b, const uint8_t root[CS_HASH_LEN],
    struct hub_fork *f, int64_t *log, char *err, size_t errlen)
{
	struct store_log l;
	uint8_t mine[CS_HASH_LEN];
	int x;

	memset(f, 0, sizeof(*f));
	x = store_log_get(&h->c->st, b->origin, false, &l, err, errlen);
	if (x == -1)
		return -1;
	if (x == 0 && b->start > 0) {
		ERR("no log of %s held", b->origin);
		return -1;
	}
	*log = x == 1 ? l.id : 0;
	if (hub_fork_init(f, &h->c->st, *log, b, err, errlen) == -1 ||
	    merkle_root_at(f->end, hub_fork_get, f, mine, err, errlen) == -1)
		return -1;
	return memcmp(mine, root, CS_HASH_LEN) == 0;
}

/* ---- evidence found here ---- */

int
hub_fork_equivocation(struct hub *h, const struct batch *b,
    const uint8_t root[CS_HASH_LEN], uint64_t held, uint64_t now, char *err,
    size_t errlen)
{
	struct store *st = &h->c->st;
	struct hub_fork f;
	struct checkpoint ca;
	struct note_sig sigs[NOTE_SIGS_MAX];
	uint8_t proof[MERKLE_MAX_PROOF][CS_HASH_LEN], root_m[CS_HASH_LEN];
	char *a = NULL, *bn = NULL;
	size_t k = 0, alen, bodylen, nsigs = NOTE_SIGS_MAX;
	uint64_t m;
	int64_t log;
	int x, ret = -1;

	memset(&f, 0, sizeof(f));
	if (store_begin(st, err, errlen) == -1)
		return -1;
	if ((a = malloc(NOTE_MAX)) == NULL || (bn = malloc(NOTE_MAX + 1)) ==
	    NULL) {
		ERR("out of memory");
		goto out;
	}
	x = fork_load(h, b, root, &f, &log, err, errlen);
	if (x != 1) {
		ret = x;	/* not the court's tree: altered on the way */
		goto out;
	}
	/* a: the checkpoint held at the hub's size (the largest at or below
	 * it); the fork's tree must disagree with it at its size m. */
	x = store_checkpoint_next(st, log, 0, held, &m, err, errlen);
	if (x == -1)
		goto out;
	ret = 0;
	if (x == 0 || m > held ||
	    store_checkpoint_get(st, log, m, a, NOTE_MAX, err, errlen) != 1)
		goto out;
	alen = strlen(a);
	if (note_split(a, alen, &bodylen, sigs, &nsigs, err, errlen) == -1 ||
	    checkpoint_parse(a, bodylen, &ca, err, errlen) == -1 ||
	    merkle_root_at(m, hub_fork_get, &f, root_m, err, errlen) == -1) {
		ret = -1;
		goto out;
	}
	if (memcmp(root_m, ca.root, CS_HASH_LEN) == 0)
		goto out;	/* the fork extends what is held: no evidence */
	if (merkle_prove_consistency(m, f.end, hub_fork_get, &f, proof, &k, err,
	    errlen) == -1) {
		ret = -1;
		goto out;
	}
	memcpy(bn, b->note, b->notelen);
	bn[b->notelen] = '\0';
	if (store_evidence_put(st, b->origin, a, bn, proof, k * CS_HASH_LEN,
	    root_m, now, h->c->cfg.path, err, errlen) == -1 ||
	    store_commit(st, err, errlen) == -1) {
		ret = -1;
		goto out;
	}
	ret = 1;
out:
	if (ret != 1)
		store_rollback(st);
	hub_fork_free(&f);
	free(a);
	free(bn);
	return ret;
}

int
hub_fork_refusal(struct hub *h, const struct batch *b,
    const uint8_t root[CS_HASH_LEN], uint64_t index, const char *reason,
    uint64_t now, char *err, size_t errlen)
{
	struct store *st = &h->c->st;
	struct hub_fork f;
	struct store_refusal e;
	struct codec_value v;
	uint8_t proof[MERKLE_MAX_PROOF][CS_HASH_LEN];
	char *note = NULL, why[REASON_MAX + 1];
	size_t k = 0;
	int64_t log;
	int x, ret = -1;

	memset(&f, 0, sizeof(f));
	if (index < b->start || index >= b->start + b->entries.n) {
		ERR("entry %llu is not in the batch", (unsigned long long)index);
		return -1;
	}
	if (store_begin(st, err, errlen) == -1)
		return -1;
	if ((note = malloc(NOTE_MAX + 1)) == NULL) {
		ERR("out of memory");
		goto out;
	}
	x = fork_load(h, b, root, &f, &log, err, errlen);
	if (x != 1) {
		ret = x;	/* the court did not sign these entries */
		goto out;
	}
	if (merkle_prove_inclusion(index, f.end, hub_fork_get, &f, proof, &k,
	    err, errlen) == -1)
		goto out;
	memcpy(note, b->note, b->notelen);
	note[b->notelen] = '\0';
	cs_strlcpy(why, reason, sizeof(why));
	codec_array_at(&b->entries, (size_t)(index - b->start), &v);
	memset(&e, 0, sizeof(e));
	e.origin = b->origin;
	e.note = note;
	e.index = index;
	e.entry = v.p;
	e.entrylen = v.n;
	e.proof = proof;
	e.prooflen = k * CS_HASH_LEN;
	e.reason = why;
	if (store_refusal_put(st, &e, now, h->c->cfg.path, err, errlen) == -1 ||
	    store_commit(st, err, errlen) == -1)
		goto out;
	ret = 1;
out:
	if (ret != 1)
		store_rollback(st);
	hub_fork_free(&f);
	free(note);
	return ret;
}

/* ---- refusal evidence relayed from below ---- */

/* Checks what hub_refusal_from_below was sent; fills e (pointing into the
 * request's document, text, proof and reason) or answers the refusal
 * itself. */
static int
refusal_check(const struct registry_court *rc, const struct codec_value *m,
    char *text, char reason[REASON_MAX + 1], uint8_t proof[][CS_HASH_LEN],
    struct store_refusal *e, struct hub_reply *r)
{
	struct codec_value v, vn, vi, ve, vp, vr;
	struct checkpoint ck;
	struct entry en;
	uint8_t leaf[CS_HASH_LEN];
	char why[512];
	size_t k;

	if (!codec_map_get(m, "checkpoint", &vn) ||
	    !codec_map_get(m, "index", &vi) || vi.type != CODEC_UINT ||
	    !codec_map_get(m, "entry", &ve) || ve.type != CODEC_BIN ||
	    ve.n == 0 || ve.n > CS_ENTRY_MAX ||
	    !codec_map_get(m, "proof", &vp) || vp.type != CODEC_ARRAY ||
	    vp.n > MERKLE_MAX_PROOF ||
	    !codec_map_get(m, "reason", &vr) || vr.type != CODEC_STR ||
	    vr.n > REASON_MAX || memchr(vr.p, '\0', vr.n) != NULL) {
		hub_error(r, 400, "bad_request", 0, false, "refusal evidence"
		    " must be a map with kind, origin, checkpoint, index, entry,"
		    " proof and reason (at most %d bytes)", REASON_MAX);
		return -1;
	}
	for (k = 0; k < vp.n; k++) {
		codec_array_at(&vp, k, &v);
		if (v.type != CODEC_BIN || v.n != CS_HASH_LEN) {
			hub_error(r, 400, "bad_request", 0, false, "proof[%zu] is"
			    " not 32 bytes", k);
			return -1;
		}
		memcpy(proof[k], v.p, CS_HASH_LEN);
	}
	/* The court's signature, by its registered key: only the court can
	 * have committed to the entry. */
	if (hub_evidence_note(rc, &vn, &ck, text, why, sizeof(why)) == -1) {
		hub_error(r, 403, "bad_evidence", 0, false, "%s", why);
		return -1;
	}
	if (entry_decode(ve.p, ve.n, &en, why, sizeof(why)) == -1) {
		hub_error(r, 403, "bad_evidence", 0, false, "entry %llu: %s",
		    (unsigned long long)vi.u, why);
		return -1;
	}
	if (strcmp(en.origin, rc->path) != 0 || en.index != vi.u) {
		hub_error(r, 403, "bad_evidence", 0, false, "the entry names %s"
		    " index %llu, not %s index %llu", en.origin,
		    (unsigned long long)en.index, rc->path,
		    (unsigned long long)vi.u);
		return -1;
	}
	merkle_leaf_hash(ve.p, ve.n, leaf);
	why[0] = '\0';
	if (merkle_verify_inclusion(vi.u, ck.size, leaf,
	    (const uint8_t (*)[CS_HASH_LEN])proof, vp.n, ck.root, why,
	    sizeof(why)) == -1) {
		hub_error(r, 403, "bad_evidence", 0, false, "entry %llu is not"
		    " shown to be in checkpoint %llu%s%s",
		    (unsigned long long)vi.u, (unsigned long long)ck.size,
		    why[0] ? ": " : "", why);
		return -1;
	}
	memset(e, 0, sizeof(*e));
	e->origin = rc->path;
	e->note = text;
	e->index = vi.u;
	e->entry = ve.p;
	e->entrylen = ve.n;
	e->proof = proof;
	e->prooflen = vp.n * CS_HASH_LEN;
	memcpy(reason, vr.p, vr.n);
	reason[vr.n] = '\0';
	e->reason = reason;
	return 0;
}

int
hub_refusal_from_below(struct hub *h, const char *client,
    const struct registry_court *rc, const struct codec_value *m,
    uint64_t now, struct hub_reply *r)
{
	struct store *st = &h->c->st;
	struct store_refusal e;
	uint8_t proof[MERKLE_MAX_PROOF][CS_HASH_LEN];
	char *text, reason[REASON_MAX + 1], why[512];
	int ret = 0;

	if ((text = malloc(NOTE_MAX + 1)) == NULL) {
		hub_error(r, 500, "internal", 0, false, "out of memory");
		return -1;
	}
	if (refusal_check(rc, m, text, reason, proof, &e, r) == -1)
		goto out;
	if (store_begin(st, why, sizeof(why)) == -1 ||
	    store_refusal_put(st, &e, now, client, why, sizeof(why)) == -1 ||
	    store_commit(st, why, sizeof(why)) == -1) {
		store_rollback(st);
		hub_error(r, 500, "internal", 0, false, "%s", why);
		ret = -1;
		goto out;
	}
	hub_error(r, 200, "ok", 0, false, "refusal evidence about %s kept",
	    rc->path);
out:
	free(text);
	return ret;
}

/* ---- GET /v1/refusals ---- */

struct refusal_list {
	struct codec_writer	*w;
	uint32_t		 n;
};

static int
count_refusal(void *arg, const struct store_refusal *e)
{
	(void)e;
	((struct refusal_list *)arg)->n++;
	return 0;
}

static int
put_refusal(void *arg, const struct store_refusal *e)
{
	struct codec_writer *w = ((struct refusal_list *)arg)->w;

	codec_put_map(w, 9);
	codec_put_cstr(w, "kind");
	codec_put_cstr(w, "fold_refused");
	codec_put_cstr(w, "origin");
	codec_put_cstr(w, e->origin);
	codec_put_cstr(w, "checkpoint");
	codec_put_cstr(w, e->note);
	codec_put_cstr(w, "index");
	codec_put_uint(w, e->index);
	codec_put_cstr(w, "entry");
	codec_put_bin(w, e->entry, e->entrylen);
	codec_put_cstr(w, "proof");
	codec_put_hashes(w, e->proof, e->prooflen / CS_HASH_LEN);
	codec_put_cstr(w, "reason");
	codec_put_cstr(w, e->reason);
	codec_put_cstr(w, "found_at");
	codec_put_uint(w, e->found_at);
	codec_put_cstr(w, "found_by");
	codec_put_cstr(w, e->found_by);
	return 0;
}

int
hub_refusals(struct hub *h, struct hub_reply *r)
{
	struct codec_writer w;
	struct refusal_list a = { &w, 0 };
	char why[256];

	/* Written on this thread only, so the count holds for the list. */
	buf_reset(&r->body);
	codec_writer_init(&w, &r->body);
	if (store_refusals_each(&h->c->st, false, count_refusal, &a, why,
	    sizeof(why)) == -1)
		goto fail;
	codec_put_array(&w, a.n);
	if (store_refusals_each(&h->c->st, false, put_refusal, &a, why,
	    sizeof(why)) == -1)
		goto fail;
	if (w.failed) {
		cs_strlcpy(why, "out of memory", sizeof(why));
		goto fail;
	}
	r->status = 200;
	r->ctype = "application/msgpack";
	return 0;
fail:
	hub_error(r, 500, "internal", 0, false, "%s", why);
	return -1;
}
