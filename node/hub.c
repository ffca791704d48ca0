/*
 * hub.c — verifying, storing and witnessing pushed batches, and the read
 * endpoints (see hub.h and docs/PROTOCOL.md §3–§6).
 *
 * The order of the checks is the protocol's: who is calling, what they
 * may push, whose signature, where the batch starts, what it overlaps,
 * each entry, the root.  All of it runs inside one transaction
 * that is rolled back on the first refusal, so a refused batch changes
 * nothing; the cosignature is made inside the transaction and sent only
 * after the commit, because a witness may vouch only for what it has
 * durably stored.  The checks of each new entry that need no database run
 * a thread ahead of storing it (hub_verify.c), with the same answers.
 * The views are folded after the commit, by the fold stage (court_fold.c,
 * docs/VIEWS.md §8).
 */
#include "hub_int.h"

int
hub_init(struct hub *h, struct court *c, const struct registry *reg,
    size_t max_batch, char *err, size_t errlen)
{
	char keyfile[CONFIG_PATH_MAX + 32], name[NOTE_NAME_MAX];
	uint8_t seed[CS_SEED_LEN];
	int r;

	memset(h, 0, sizeof(*h));
	h->c = c;
	h->reg = reg;
	h->max_batch = max_batch;
	buf_init(&h->scratch, 0);
	if ((h->pipe = hub_pipe_new()) == NULL) {
		ERR("out of memory");
		return -1;
	}
	snprintf(keyfile, sizeof(keyfile), "%s/log.key", c->home);
	snprintf(name, sizeof(name), "courtsync/%s", c->cfg.path);
	if (crypto_key_read(keyfile, seed, err, errlen) == -1)
		return -1;
	r = note_signer_init(&h->witness, name, NOTE_TYPE_COSIG, seed, err,
	    errlen);
	crypto_wipe(seed, sizeof(seed));
	return r;
}

void
hub_free(struct hub *h)
{
	note_signer_wipe(&h->witness);
	buf_free(&h->scratch);
	hub_pipe_free(h->pipe);
	h->pipe = NULL;
}

void
hub_reply_init(struct hub_reply *r)
{
	r->status = 500;
	r->ctype = "application/msgpack";
	r->code[0] = r->message[0] = '\0';
	buf_init(&r->body, 0);
}

void
hub_reply_free(struct hub_reply *r)
{
	buf_free(&r->body);
}

void
hub_error(struct hub_reply *r, int status, const char *code, uint64_t size,
    bool with_size, const char *fmt, ...)
{
	struct codec_writer w;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cs_strlcpy(r->code, code, sizeof(r->code));
	cs_strlcpy(r->message, msg, sizeof(r->message));
	buf_reset(&r->body);
	codec_writer_init(&w, &r->body);
	codec_put_map(&w, with_size ? 3 : 2);
	codec_put_cstr(&w, "error");
	codec_put_cstr(&w, code);
	codec_put_cstr(&w, "message");
	codec_put_cstr(&w, msg);
	if (with_size) {
		codec_put_cstr(&w, "size");
		codec_put_uint(&w, size);
	}
	r->status = status;
	r->ctype = "application/msgpack";
}

static int
load_state(struct store *st, const char *origin, bool create, struct lstate *s,
    char *err, size_t errlen)
{
	struct store_tree t = { st, 0 };
	int r;

	memset(s, 0, sizeof(*s));
	r = store_log_get(st, origin, create, &s->l, err, errlen);
	if (r != 1)
		return r;
	t.log = s->l.id;
	if (merkle_frontier_load(&s->fr, s->l.size, store_tree_get, &t, err,
	    errlen) == -1)
		return -1;
	if (s->l.size > 0 && store_tree_get(&t, 0, s->l.size - 1, s->last, err,
	    errlen) == -1)
		return -1;
	return 1;
}

int
hub_decode_batch(const struct codec_value *m, struct batch *b, char *err,
    size_t errlen)
{
	struct codec_value v;

	memset(b, 0, sizeof(*b));
	if (m->type != CODEC_MAP || m->n != 4) {
		ERR("the body is not a map of origin, start, entries, checkpoint");
		return -1;
	}
	if (!codec_map_get(m, "origin", &v) || v.type != CODEC_STR ||
	    v.n >= sizeof(b->origin)) {
		ERR("\"origin\" is missing or not a short string");
		return -1;
	}
	memcpy(b->origin, v.p, v.n);
	b->origin[v.n] = '\0';
	if (strlen(b->origin) != v.n || !court_path_valid(b->origin)) {
		ERR("\"origin\" is not a court path");
		return -1;
	}
	if (!codec_map_get(m, "start", &v) || v.type != CODEC_UINT) {
		ERR("\"start\" is missing or not an unsigned integer");
		return -1;
	}
	b->start = v.u;
	if (!codec_map_get(m, "entries", &b->entries) ||
	    b->entries.type != CODEC_ARRAY) {
		ERR("\"entries\" is missing or not an array");
		return -1;
	}
	for (size_t i = 0; i < b->entries.n; i++) {
		codec_array_at(&b->entries, i, &v);
		if (v.type != CODEC_BIN || v.n == 0 || v.n > CS_ENTRY_MAX) {
			ERR("entries[%zu] is not a bin of 1-%d bytes", i,
			    CS_ENTRY_MAX);
			return -1;
		}
	}
	if (!codec_map_get(m, "checkpoint", &v) || v.type != CODEC_STR ||
	    v.n > NOTE_MAX) {
		ERR("\"checkpoint\" is missing or not a note");
		return -1;
	}
	b->note = v.p;
	b->notelen = v.n;
	return 0;
}

/* Rebuilds the text of a signature line. */
static int
sig_line(const struct note_sig *s, char *out, size_t cap)
{
	uint8_t raw[4 + 8 + CS_SIG_LEN];
	char b64[160];

	memcpy(raw, s->keyid, 4);
	memcpy(raw + 4, s->sig, s->siglen);
	if (crypto_base64_encode(raw, 4 + s->siglen, b64, sizeof(b64)) < 0)
		return -1;
	return snprintf(out, cap, "\xe2\x80\x94 %s %s\n", s->name, b64) <
	    (int)cap ? 0 : -1;
}

int
hub_store_cosigs(struct store *st, const struct registry *reg, int64_t log,
    uint64_t size, const char *note, size_t n, const char *skip, char *err,
    size_t errlen)
{
	struct note_sig sigs[NOTE_SIGS_MAX], held_sigs[NOTE_SIGS_MAX];
	size_t bodylen, nsigs = NOTE_SIGS_MAX, held_len, nheld = NOTE_SIGS_MAX;
	char why[256], line[512], held[NOTE_MAX];
	int x;

	if (note_split(note, n, &bodylen, sigs, &nsigs, why, sizeof(why)) == -1)
		return 0;	/* nothing usable */
	/* A cosignature is kept only for the very note held at this size:
	 * another body (say, other extension lines) is not what we hold. */
	x = store_checkpoint_get(st, log, size, held, sizeof(held), err, errlen);
	if (x == -1)
		return -1;
	if (x == 0 || note_split(held, strlen(held), &held_len, held_sigs,
	    &nheld, why, sizeof(why)) == -1 || held_len != bodylen ||
	    memcmp(held, note, bodylen) != 0)
		return 0;
	for (size_t i = 0; i < nsigs; i++) {
		const struct registry_court *w;
		uint64_t t;

		if (skip != NULL && strcmp(sigs[i].name, skip) == 0)
			continue;
		w = registry_witness(reg, sigs[i].name, sigs[i].keyid);
		if (w == NULL)
			continue;	/* not a witness of this deployment */
		if (note_verify(note, bodylen, &sigs[i], 1, &w->witness, &t, why,
		    sizeof(why)) == -1)
			continue;	/* forged or damaged: not kept */
		if (sig_line(&sigs[i], line, sizeof(line)) == -1)
			continue;
		if (store_cosig_put(st, log, size, w->path, t, line, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

int
hub_checkpoint_text(struct hub *h, int64_t log, uint64_t *size,
    struct buf *out, char *err, size_t errlen)
{
	char note[NOTE_MAX];
	int r;

	r = store_checkpoint_latest(&h->c->st, log, size, note, sizeof(note),
	    err, errlen);
	if (r != 1)
		return r;
	return store_checkpoint_text(&h->c->st, log, *size, out, err, errlen);
}

/* Writes the 200 answer: {size, checkpoint with cosignatures}. */
static int
push_answer(struct hub *h, int64_t log, uint64_t size, uint64_t ck,
    struct hub_reply *r, char *err, size_t errlen)
{
	struct codec_writer w;

	if (store_checkpoint_text(&h->c->st, log, ck, &h->scratch, err,
	    errlen) != 1)
		return -1;
	buf_reset(&r->body);
	codec_writer_init(&w, &r->body);
	codec_put_map(&w, 2);
	codec_put_cstr(&w, "size");
	codec_put_uint(&w, size);
	codec_put_cstr(&w, "checkpoint");
	codec_put_str(&w, (const char *)h->scratch.p, h->scratch.len);
	r->status = 200;
	r->ctype = "application/msgpack";
	return w.failed ? -1 : 0;
}

/*
 * A validly signed checkpoint of size c <= what we hold disagrees with our
 * tree: keep both signed notes and a consistency proof that anyone can
 * check (PROTOCOL §6).  Runs in its own transaction, after the batch's was
 * rolled back.
 */
static int
record_equivocation(struct hub *h, const char *origin, const char *note_a,
    size_t alen, const uint8_t root_a[CS_HASH_LEN], uint64_t c, uint64_t now,
    char *err, size_t errlen)
{
	struct store *st = &h->c->st;
	struct lstate s;
	struct store_tree t = { st, 0 };
	uint8_t proof[MERKLE_MAX_PROOF][CS_HASH_LEN], root_m[CS_HASH_LEN];
	char a[NOTE_MAX + 1], b[NOTE_MAX];
	uint64_t n;
	size_t k = 0;
	int ret = -1;

	if (alen > NOTE_MAX) {
		ERR("note too long");
		return -1;
	}
	memcpy(a, note_a, alen);
	a[alen] = '\0';
	if (store_begin(st, err, errlen) == -1)
		return -1;
	if (load_state(st, origin, false, &s, err, errlen) != 1)
		goto out;
	t.log = s.l.id;
	/* B: ours of size c if we signed-and-stored one, else the next above. */
	if (c == 0 || store_checkpoint_next(st, s.l.id, c - 1, c, &n, err,
	    errlen) != 1) {
		ERR("no checkpoint held to compare with");
		goto out;
	}
	if (store_checkpoint_get(st, s.l.id, n, b, sizeof(b), err, errlen) != 1)
		goto out;
	if (n == c) {
		/* Ours at the same size: evidence only if the roots differ. */
		uint8_t rb[CS_HASH_LEN];

		if (merkle_root_at(c, store_tree_get, &t, rb, err, errlen) == -1)
			goto out;
		if (memcmp(rb, root_a, CS_HASH_LEN) == 0) {
			ERR("the checkpoints agree: no equivocation");
			goto out;
		}
	}
	if (n > c && c > 0) {
		if (merkle_prove_consistency(c, n, store_tree_get, &t, proof, &k,
		    err, errlen) == -1 ||
		    merkle_root_at(c, store_tree_get, &t, root_m, err,
		    errlen) == -1)
			goto out;
		if (memcmp(root_m, root_a, CS_HASH_LEN) == 0) {
			ERR("the checkpoints agree: no equivocation");
			goto out;
		}
	}
	if (store_evidence_put(st, origin, a, b, k > 0 ? proof : NULL,
	    k * CS_HASH_LEN, n > c ? root_m : NULL, now, h->c->cfg.path, err,
	    errlen) == -1)
		goto out;
	ret = store_commit(st, err, errlen);
	return ret;
out:
	store_rollback(st);
	return ret;
}

/*
 * What one push carries from step to step.  hub_push runs the steps in
 * order: authorize (the batch, its origin, the court's signed checkpoint),
 * overlap (in the transaction: entries already held must be the same
 * bytes), append (new entries verified, folded, stored; the signed root
 * checked) and witness (the court's note kept, cosigned, committed).  A
 * step that cannot go on says why; hub_push has the one clean-up path.
 */
struct push_job {
	struct hub		*h;
	struct store		*st;
	const char		*client;
	uint64_t		 now;
	struct hub_reply	*r;
	struct codec_doc	 doc;		/* the decoded body; b points into it */
	struct batch		 b;
	const struct registry_court *rc;	/* the pushed court */
	struct note_sig		 sigs[NOTE_SIGS_MAX];
	size_t			 nsigs;
	size_t			 bodylen;	/* of the note, without signatures */
	struct checkpoint	 ck;
	char			 name[NOTE_NAME_MAX];	/* courtsync/<origin> */
	struct lstate		 s;		/* the log as held */
	uint64_t		 end;		/* b.start + entries */
	uint64_t		 s_old;		/* entries held before the push */
	uint64_t		 appended;
	uint64_t		 bad;		/* the entry that differs or is refused */
	bool			 in_tx;
	char			 why[768];
};

/* How a step ends: go on; the answer (4xx) is in r; an error is in why;
 * or an outcome that rolls back and keeps evidence against the court. */
enum push_next {
	PUSH_ON, PUSH_ANSWERED, PUSH_FAIL,
	PUSH_EQUIVOCATION, PUSH_FORK, PUSH_REFUSED
};

/* The batch decoded; its origin below both the client and this hub; the
 * checkpoint the court's, of the batch's end, signed by its key. */
static enum push_next
push_authorize(struct push_job *j, const uint8_t *body, size_t n)
{
	struct hub *h = j->h;
	struct hub_reply *r = j->r;
	struct batch *b = &j->b;
	struct codec_value root;
	size_t count;

	if (codec_decode(&j->doc, body, n, &root, j->why,
	    sizeof(j->why)) == -1 ||
	    hub_decode_batch(&root, b, j->why, sizeof(j->why)) == -1) {
		hub_error(r, 400, "bad_request", 0, false, "%s", j->why);
		return PUSH_ANSWERED;
	}
	count = b->entries.n;
	if (count > h->max_batch) {
		hub_error(r, 413, "batch_too_large", 0, false, "%zu entries;"
		    " at most %zu per batch", count, h->max_batch);
		return PUSH_ANSWERED;
	}
	if (!court_path_covers(j->client, b->origin) ||
	    !court_path_covers(h->c->cfg.path, b->origin) ||
	    strcmp(b->origin, h->c->cfg.path) == 0) {
		hub_error(r, 403, "origin_not_allowed", 0, false, "%s may not"
		    " push the log of %s to %s", j->client, b->origin,
		    h->c->cfg.path);
		return PUSH_ANSWERED;
	}
	j->rc = registry_find(h->reg, b->origin);
	if (j->rc == NULL || !j->rc->has_key) {
		hub_error(r, 403, "unknown_court", 0, false, "%s is not in the"
		    " registry with a key", b->origin);
		return PUSH_ANSWERED;
	}
	snprintf(j->name, sizeof(j->name), "courtsync/%s", b->origin);
	j->nsigs = NOTE_SIGS_MAX;
	if (note_split(b->note, b->notelen, &j->bodylen, j->sigs, &j->nsigs,
	    j->why, sizeof(j->why)) == -1 ||
	    checkpoint_parse(b->note, j->bodylen, &j->ck, j->why,
	    sizeof(j->why)) == -1) {
		hub_error(r, 400, "bad_checkpoint", 0, false, "%s", j->why);
		return PUSH_ANSWERED;
	}
	if (strcmp(j->ck.origin, j->name) != 0) {
		hub_error(r, 400, "bad_checkpoint", 0, false, "the checkpoint's"
		    " origin is %s, not %s", j->ck.origin, j->name);
		return PUSH_ANSWERED;
	}
	j->end = b->start + count;
	if (j->end < b->start || j->ck.size != j->end) {
		hub_error(r, 400, "batch_mismatch", 0, false, "the batch covers"
		    " entries %llu..%llu but the checkpoint is of size %llu",
		    (unsigned long long)b->start, (unsigned long long)j->end,
		    (unsigned long long)j->ck.size);
		return PUSH_ANSWERED;
	}
	/* The court's signature, by the key the registry holds for it. */
	if (note_verify(b->note, j->bodylen, j->sigs, j->nsigs, &j->rc->log,
	    NULL, j->why, sizeof(j->why)) == -1) {
		hub_error(r, 403, "bad_signature", 0, false, "checkpoint %llu"
		    " of %s: %s", (unsigned long long)j->ck.size, b->origin,
		    j->why);
		return PUSH_ANSWERED;
	}
	return PUSH_ON;
}

/* Opens the transaction and loads the log as held: the batch may not
 * leave a gap, and entries we hold already must be the very same bytes. */
static enum push_next
push_overlap(struct push_job *j)
{
	struct store *st = j->st;
	const struct batch *b = &j->b;
	struct codec_value v;
	struct buf held;
	struct store_fold f;
	uint8_t myroot[CS_HASH_LEN];
	enum push_next next = PUSH_ON;

	if (store_begin(st, j->why, sizeof(j->why)) == -1)
		return PUSH_FAIL;
	j->in_tx = true;
	if (load_state(st, b->origin, true, &j->s, j->why,
	    sizeof(j->why)) != 1)
		return PUSH_FAIL;
	j->s_old = j->s.l.size;
	if (store_fold_code(st, j->s.l.id, j->rc->code, j->why,
	    sizeof(j->why)) == -1 ||
	    store_fold_get(st, j->s.l.id, &f, j->why, sizeof(j->why)) != 1)
		return PUSH_FAIL;
	if (f.halted) {
		hub_error(j->r, 422, "fold_refused", 0, false, "%s (this hub's"
		    " fold of the log stopped there)", f.reason);
		return PUSH_ANSWERED;
	}
	if (b->start > j->s_old) {
		hub_error(j->r, 409, "gap", j->s_old, true, "the batch starts"
		    " at %llu but %s holds %llu entries of %s",
		    (unsigned long long)b->start, j->h->c->cfg.path,
		    (unsigned long long)j->s_old, b->origin);
		return PUSH_ANSWERED;
	}
	buf_init(&held, CS_ENTRY_MAX);
	for (uint64_t i = b->start; i < j->end && i < j->s_old; i++) {
		codec_array_at(&b->entries, (size_t)(i - b->start), &v);
		if (store_entry_get(st, j->s.l.id, i, &held, NULL, j->why,
		    sizeof(j->why)) == -1) {
			next = PUSH_FAIL;
			break;
		}
		if (held.len == v.n && memcmp(held.p, v.p, v.n) == 0)
			continue;
		if (j->end > j->s_old) {
			j->bad = i;
			next = PUSH_FORK;
			break;
		}
		/* Equivocation only if the court's signed root disagrees
		 * with ours; else the batch's entry was altered on the way. */
		struct store_tree t = { st, j->s.l.id };

		if (merkle_root_at(j->end, store_tree_get, &t, myroot, j->why,
		    sizeof(j->why)) == -1)
			next = PUSH_FAIL;
		else if (memcmp(myroot, j->ck.root, CS_HASH_LEN) != 0)
			next = PUSH_EQUIVOCATION;
		else {
			hub_error(j->r, 422, "bad_entry", 0, false, "entry %llu"
			    " of %s differs from the one held here, under a"
			    " checkpoint that agrees with it",
			    (unsigned long long)i, b->origin);
			next = PUSH_ANSWERED;
		}
		break;
	}
	buf_free(&held);
	return next;
}

/* New entries: decode, chain, hash (hub_verify.c, a thread ahead), store;
 * then the checkpoint's root against ours at its size.  The fold stage
 * (court_fold.c) folds them into the views after the commit. */
static enum push_next
push_append(struct push_job *j)
{
	struct hub *h = j->h;
	struct hub_reply *r = j->r;
	const struct batch *b = &j->b;
	uint8_t myroot[CS_HASH_LEN];

	if (j->end > j->s_old && hub_pipe_start(h->pipe, b, &j->s, j->s_old,
	    j->end, j->why, sizeof(j->why)) == -1)
		return PUSH_FAIL;
	for (uint64_t i = j->s_old; i < j->end; i++) {
		struct hub_vslot *sl = hub_pipe_next(h->pipe);

		if (sl->status != 0) {
			hub_error(r, sl->status, sl->code, sl->size,
			    sl->with_size, "%s", sl->msg);
			j->bad = i;
			if (strcmp(sl->code, "fold_refused") == 0)
				return PUSH_REFUSED;
			return PUSH_ANSWERED;
		}
		if (store_entry_put(j->st, j->s.l.id, i, sl->leaf, sl->done,
		    sl->nd, sl->data, sl->n, j->why, sizeof(j->why)) == -1)
			return PUSH_FAIL;
		hub_pipe_release(h->pipe);
		j->appended++;
	}
	hub_pipe_finish(h->pipe);
	if (j->end == j->s_old + j->appended && j->appended > 0) {
		merkle_frontier_root(&j->s.fr, myroot);
	} else {
		struct store_tree t = { j->st, j->s.l.id };
		if (merkle_root_at(j->end, store_tree_get, &t, myroot, j->why,
		    sizeof(j->why)) == -1)
			return PUSH_FAIL;
	}
	if (memcmp(myroot, j->ck.root, CS_HASH_LEN) != 0) {
		if (j->appended == 0)
			return PUSH_EQUIVOCATION;
		hub_error(r, 422, "root_mismatch", 0, false, "the entries"
		    " %llu..%llu of %s do not hash to the signed root of"
		    " checkpoint %llu", (unsigned long long)b->start,
		    (unsigned long long)j->end, b->origin,
		    (unsigned long long)j->ck.size);
		return PUSH_ANSWERED;
	}
	return PUSH_ON;
}

/* Stores the court's note (its own signature only), others' valid
 * cosignatures, and ours; answers and commits. */
static enum push_next
push_witness(struct push_job *j)
{
	struct hub *h = j->h;
	struct store *st = j->st;
	const struct batch *b = &j->b;
	int64_t log = j->s.l.id;
	char line[512], note[NOTE_MAX + 1];
	int x;

	x = store_checkpoint_get(st, log, j->ck.size, note, sizeof(note),
	    j->why, sizeof(j->why));
	if (x == -1)
		return PUSH_FAIL;
	if (x == 1 && (strlen(note) < j->bodylen ||
	    memcmp(note, b->note, j->bodylen) != 0 ||
	    note[j->bodylen] != '\n')) {
		/* Same size and root (checked above) but another body, e.g.
		 * other extension lines: we witness only the note we hold. */
		hub_error(j->r, 409, "conflict", j->s_old, true, "checkpoint"
		    " %llu of %s differs from the one held here",
		    (unsigned long long)j->ck.size, b->origin);
		return PUSH_ANSWERED;
	}
	if (x == 0) {
		const struct note_sig *cs = NULL;

		for (size_t k = 0; k < j->nsigs; k++)
			if (strcmp(j->sigs[k].name, j->name) == 0 &&
			    memcmp(j->sigs[k].keyid, j->rc->log.keyid, 4) == 0)
				cs = &j->sigs[k];
		if (cs == NULL || j->bodylen + 1 >= sizeof(note) ||
		    sig_line(cs, line, sizeof(line)) == -1)
			return PUSH_FAIL;
		memcpy(note, b->note, j->bodylen);
		snprintf(note + j->bodylen, sizeof(note) - j->bodylen, "\n%s",
		    line);
		if (store_checkpoint_put(st, log, j->ck.size, note, j->why,
		    sizeof(j->why)) == -1)
			return PUSH_FAIL;
	}
	if (hub_store_cosigs(st, h->reg, log, j->ck.size, b->note, b->notelen,
	    j->name, j->why, sizeof(j->why)) == -1 ||
	    hub_cosign_mark(h, b->origin, j->ck.size, b->note, b->notelen,
	    j->why, sizeof(j->why)) == -1)
		return PUSH_FAIL;
	if (cosig_sign(b->note, j->bodylen, j->now, &h->witness, line,
	    sizeof(line), j->why, sizeof(j->why)) < 0 ||
	    store_cosig_put(st, log, j->ck.size, h->c->cfg.path, j->now, line,
	    j->why, sizeof(j->why)) == -1)
		return PUSH_FAIL;
	if (push_answer(h, log, j->s_old + j->appended, j->ck.size, j->r,
	    j->why, sizeof(j->why)) == -1)
		return PUSH_FAIL;
	j->in_tx = false;
	if (store_commit(st, j->why, sizeof(j->why)) == -1)
		return PUSH_FAIL;
	return PUSH_ON;
}

/* The court signed a root that disagrees with the log held here: both
 * checkpoints are kept as evidence, outside the rolled-back push. */
static enum push_next
push_equivocation(struct push_job *j)
{
	const struct batch *b = &j->b;

	store_rollback(j->st);
	j->in_tx = false;
	if (record_equivocation(j->h, b->origin, b->note, b->notelen,
	    j->ck.root, j->ck.size, j->now, j->why, sizeof(j->why)) == -1)
		return PUSH_FAIL;
	hub_error(j->r, 409, "equivocation", j->s_old, true, "%s signed"
	    " checkpoint %llu with a root that disagrees with the log held"
	    " here; both are kept as evidence", b->origin,
	    (unsigned long long)j->ck.size);
	return PUSH_ANSWERED;
}

/* The overlap differs and the batch goes past what is held: the court's
 * fork if its signed root is the batch's tree (§6.1). */
static enum push_next
push_fork(struct push_job *j)
{
	const struct batch *b = &j->b;
	int x;

	store_rollback(j->st);
	j->in_tx = false;
	x = hub_fork_equivocation(j->h, b, j->ck.root, j->s_old, j->now,
	    j->why, sizeof(j->why));
	if (x == -1)
		return PUSH_FAIL;
	if (x == 1)
		hub_error(j->r, 409, "equivocation", j->s_old, true, "%s signed"
		    " checkpoint %llu over entries that differ from the log"
		    " held here from entry %llu; both are kept as evidence",
		    b->origin, (unsigned long long)j->ck.size,
		    (unsigned long long)j->bad);
	else
		hub_error(j->r, 409, "conflict", j->s_old, true, "entry %llu of"
		    " %s differs from the one held here",
		    (unsigned long long)j->bad, b->origin);
	return PUSH_ANSWERED;
}

/* r holds the 422; a signed checkpoint over the refused entry is kept as
 * evidence against the court (§6.2). */
static enum push_next
push_refused(struct push_job *j)
{
	hub_pipe_finish(j->h->pipe);
	store_rollback(j->st);
	j->in_tx = false;
	if (hub_fork_refusal(j->h, &j->b, j->ck.root, j->bad, j->r->message,
	    j->now, j->why, sizeof(j->why)) == -1)
		return PUSH_FAIL;
	return PUSH_ANSWERED;
}

int
hub_push(struct hub *h, const char *client, const uint8_t *body, size_t n,
    uint64_t now, struct hub_reply *r)
{
	struct push_job j = { .h = h, .st = &h->c->st, .client = client,
	    .now = now, .r = r };
	enum push_next next;
	int ret = 0;

	next = push_authorize(&j, body, n);
	if (next == PUSH_ON)
		next = push_overlap(&j);
	if (next == PUSH_ON)
		next = push_append(&j);
	if (next == PUSH_ON)
		next = push_witness(&j);
	if (next == PUSH_EQUIVOCATION)
		next = push_equivocation(&j);
	else if (next == PUSH_FORK)
		next = push_fork(&j);
	else if (next == PUSH_REFUSED)
		next = push_refused(&j);

	if (next == PUSH_ON) {
		h->c->cached = false;
		store_peer_note(j.st, client, now, true, NULL, j.appended, j.why,
		    sizeof(j.why));
	} else {
		if (next == PUSH_FAIL) {
			ret = -1;
			hub_error(r, 500, "internal", 0, false, "%s", j.why);
		}
		hub_pipe_finish(h->pipe);
		if (j.in_tx)
			store_rollback(j.st);
		if (r->status != 200) {
			char m[600];
			snprintf(m, sizeof(m), "%s: %s", r->code, r->message);
			store_peer_note(j.st, client, now, false, m, 0, j.why,
			    sizeof(j.why));
		}
	}
	codec_doc_free(&j.doc);
	return ret;
}
