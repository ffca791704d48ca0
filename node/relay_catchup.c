/*
 * relay_catchup.c — a restored or recovered node learns from its parent
 * what it lost of its own log before it records anything (court.h,
 * docs/OPERATIONS.md "Restore").
 *
 * The parent's latest checkpoint of this court's log must carry this
 * court's own signature (the key the registry holds); the entries beyond
 * what the node holds are fetched, each must continue the log (index,
 * previous leaf) and fold, and together they must reproduce that
 * checkpoint's root.  Then the checkpoint and its cosignatures are
 * stored, the push cursor moves to it and the mark is cleared — one
 * transaction, so a failure anywhere changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courtsync/note.h"
#include "hub.h"
#include "relay.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

/* GET path from the parent into r->resp: the HTTP status, or -1. */
static long
get(struct relay *r, const char *path, char *err, size_t errlen)
{
	long status = 0;

	buf_reset(&r->resp);
	if (push_request(&r->pc, path, NULL, 0, &status, &r->resp, err,
	    errlen) == -1)
		return -1;
	return status;
}

/* The note's body and this court's own signature lines only (its
 * cosignature lines are stored apart, hub_store_cosigs). */
static void
own_note(const char *text, size_t n, size_t bodylen, const char *name,
    struct buf *out)
{
	char prefix[NOTE_NAME_MAX + 8];
	size_t i = bodylen + 1, plen;

	snprintf(prefix, sizeof(prefix), "\xe2\x80\x94 %s ", name);
	plen = strlen(prefix);
	buf_reset(out);
	buf_append(out, text, bodylen);
	buf_append(out, "\n", 1);
	while (i < n) {
		const char *nl = memchr(text + i, '\n', n - i);
		size_t k = nl != NULL ? (size_t)(nl - (text + i)) + 1 : n - i;

		if (k > plen && memcmp(text + i, prefix, plen) == 0)
			buf_append(out, text + i, k);
		i += k;
	}
	buf_append(out, "", 1);
	out->len--;
}

/* Appends the entries [from, to) the parent holds, in pages. */
static int
fetch(struct relay *r, uint64_t from, uint64_t to, char *err, size_t errlen)
{
	struct court *c = r->c;
	struct codec_doc d = { 0 };
	struct codec_value root, v;
	char path[CS_ORIGIN_MAX * 3 + 96];
	uint64_t end;
	long status;

	while (from < to) {
		end = to - from > r->max_batch ? from + r->max_batch : to;
		snprintf(path, sizeof(path), "/v1/entries?origin=%s&start=%llu"
		    "&end=%llu", c->cfg.path, (unsigned long long)from,
		    (unsigned long long)end);
		if ((status = get(r, path, err, errlen)) == -1)
			return -1;
		if (status != 200) {
			ERR("the parent answered %ld to %s", status, path);
			return -1;
		}
		if (codec_decode(&d, r->resp.p, r->resp.len, &root, err,
		    errlen) == -1)
			return -1;
		if (root.type != CODEC_ARRAY || root.n == 0 ||
		    root.n > end - from) {
			ERR("the parent's answer to %s is not an array of 1 to "
			    "%llu entries", path,
			    (unsigned long long)(end - from));
			codec_doc_free(&d);
			return -1;
		}
		for (size_t i = 0; i < root.n; i++) {
			codec_array_at(&root, i, &v);
			if (v.type != CODEC_BIN || court_append_entry(c, v.p,
			    v.n, err, errlen) == -1) {
				if (v.type != CODEC_BIN)
					ERR("entry %llu from the parent is not"
					    " a bin", (unsigned long long)(from
					    + i));
				codec_doc_free(&d);
				return -1;
			}
		}
		from += root.n;
		codec_doc_free(&d);
	}
	return 0;
}

int
relay_catch_up(struct relay *r, uint64_t *fetched, char *err, size_t errlen)
{
	struct court *c = r->c;
	const struct registry_court *me = registry_find(r->reg, c->cfg.path);
	struct store_tree t;
	struct checkpoint ck;
	struct note_sig sigs[NOTE_SIGS_MAX];
	uint8_t root[CS_HASH_LEN];
	char path[CS_ORIGIN_MAX + 32], name[NOTE_NAME_MAX], held[NOTE_MAX];
	char text[NOTE_MAX + 1];
	size_t bodylen, nsigs, n;
	uint64_t have, latest = 0;
	long status;
	int x;

	*fetched = 0;
	if (me == NULL || !me->has_key) {
		ERR("%s has no log key in the registry", c->cfg.path);
		return -1;
	}
	snprintf(name, sizeof(name), "courtsync/%s", c->cfg.path);
	snprintf(path, sizeof(path), "/v1/checkpoint?origin=%s", c->cfg.path);
	if ((status = get(r, path, err, errlen)) == -1)
		return -1;
	c->catching_up = true;
	x = court_begin(c, err, errlen);
	c->catching_up = false;
	if (x == -1)
		return -1;
	if (status == 404)	/* the parent holds nothing of this log */
		goto done;
	if (status != 200) {
		ERR("the parent answered %ld to %s", status, path);
		goto fail;
	}
	/* Kept apart: fetching reuses r->resp. */
	if ((n = r->resp.len) > NOTE_MAX) {
		ERR("the parent's checkpoint of %s is over %d bytes",
		    c->cfg.path, NOTE_MAX);
		goto fail;
	}
	memcpy(text, r->resp.p, n);
	text[n] = '\0';
	if (checkpoint_open(text, n, &me->log, &ck, &bodylen, err,
	    errlen) == -1 || note_split(text, n, &bodylen, sigs, &nsigs, err,
	    errlen) == -1)
		goto fail;
	have = c->log.size;
	if (ck.size > have && fetch(r, have, ck.size, err, errlen) == -1)
		goto fail;
	t.s = &c->st;
	t.log = c->log.id;
	if (merkle_root_at(ck.size, store_tree_get, &t, root, err,
	    errlen) == -1)
		goto fail;
	if (memcmp(root, ck.root, CS_HASH_LEN) != 0) {
		ERR(ck.size > have ? "the parent's entries do not reproduce "
		    "its checkpoint at %llu" : "this node's log differs from "
		    "the parent's at %llu: it has forked already",
		    (unsigned long long)ck.size);
		goto fail;
	}
	if (store_checkpoint_latest(&c->st, c->log.id, &latest, held,
	    sizeof(held), err, errlen) == -1)
		goto fail;
	if (ck.size > have || latest < ck.size) {
		own_note(text, n, bodylen, name, &r->note);
		if (store_checkpoint_put(&c->st, c->log.id, ck.size,
		    (const char *)r->note.p, err, errlen) == -1)
			goto fail;
	}
	if (hub_store_cosigs(&c->st, r->reg, c->log.id, ck.size, text, n,
	    name, err, errlen) == -1 ||
	    store_cursor_set(&c->st, c->cfg.path, ck.size, err, errlen) == -1)
		goto fail;
	*fetched = ck.size > have ? ck.size - have : 0;
done:
	if (court_catch_up_clear(c, err, errlen) == -1 ||
	    court_commit(c, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	if (c->in_tx)
		court_rollback(c);
	return -1;
}
