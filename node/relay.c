/*
 * relay.c — pushing every log this node holds to its parent (relay.h,
 * docs/PROTOCOL.md §4).
 *
 * The cursor for a log (the parent's size) moves only on the parent's
 * word: after a 200 (to the size it reports) or a 409 "gap" (to the size
 * it holds).  A crash between sending and storing the answer costs one
 * re-sent batch, which the parent answers as a no-op.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courtsync/entry.h"
#include "hub.h"
#include "relay.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define MAX_ROUNDS 100000	/* batches per log per pass, a safety cap */

int
relay_init(struct relay *r, struct court *c, const struct registry *reg,
    int (*cancel)(void), char *err, size_t errlen)
{
	struct push_config pc;
	const struct registry_court *me;
	char cert[CONFIG_PATH_MAX + 32], key[CONFIG_PATH_MAX + 32];
	char ca[CONFIG_PATH_MAX + 32];

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->reg = reg;
	r->max_batch = c->cfg.max_batch;
	buf_init(&r->req, c->cfg.max_body);
	buf_init(&r->resp, 0);
	buf_init(&r->note, 0);
	buf_init(&r->entry, CS_ENTRY_MAX);
	if (c->cfg.parent_url[0] == '\0') {
		ERR("no parent_url in %s/courtsync.conf: this court pushes to"
		    " nobody", c->home);
		return -1;
	}
	/* The server must be this court's parent, by its certificate
	 * (PROTOCOL §1): parent_url alone could be any hub. */
	me = registry_find(reg, c->cfg.path);
	if (me == NULL || me->parent[0] == '\0') {
		ERR("%s has no parent in the registry, but parent_url is set in"
		    " %s/courtsync.conf", c->cfg.path, c->home);
		return -1;
	}
	config_file(c->home, c->cfg.tls_cert, cert, sizeof(cert));
	config_file(c->home, c->cfg.tls_key, key, sizeof(key));
	config_file(c->home, c->cfg.ca, ca, sizeof(ca));
	memset(&pc, 0, sizeof(pc));
	pc.base_url = c->cfg.parent_url;
	pc.cert_file = cert;
	pc.key_file = key;
	pc.ca_file = ca;
	pc.connect_timeout_ms = (long)c->cfg.connect_timeout_ms;
	pc.timeout_ms = (long)c->cfg.request_timeout_ms;
	pc.max_response = c->cfg.max_body + (1 << 20);
	pc.cancel = cancel;
	pc.server_court = me->parent;
	return push_init(&r->pc, &pc, err, errlen);
}

void
relay_free(struct relay *r)
{
	push_free(&r->pc);
	buf_free(&r->req);
	buf_free(&r->resp);
	buf_free(&r->note);
	buf_free(&r->entry);
}

/* The parent's answer, decoded. */
struct answer {
	long		 status;
	bool		 has_size;
	uint64_t	 size;
	char		 code[32];
	char		 message[512];
	const char	*note;		/* 200: checkpoint with cosignatures */
	size_t		 notelen;
	struct codec_doc doc;
};

static void
decode_answer(struct relay *r, struct answer *a)
{
	struct codec_value root, v;
	char why[128];

	a->has_size = false;
	a->code[0] = a->message[0] = '\0';
	a->note = NULL;
	if (codec_decode(&a->doc, r->resp.p, r->resp.len, &root, why,
	    sizeof(why)) == -1 || root.type != CODEC_MAP) {
		snprintf(a->code, sizeof(a->code), "http_%ld", a->status);
		snprintf(a->message, sizeof(a->message), "the parent answered"
		    " %ld with a body that is not a msgpack map", a->status);
		return;
	}
	if (codec_map_get(&root, "size", &v) && v.type == CODEC_UINT) {
		a->has_size = true;
		a->size = v.u;
	}
	if (codec_map_get(&root, "error", &v) && v.type == CODEC_STR)
		snprintf(a->code, sizeof(a->code), "%.*s", (int)v.n, v.p);
	if (codec_map_get(&root, "message", &v) && v.type == CODEC_STR)
		snprintf(a->message, sizeof(a->message), "%.*s", (int)v.n, v.p);
	if (codec_map_get(&root, "checkpoint", &v) && v.type == CODEC_STR) {
		a->note = v.p;
		a->notelen = v.n;
	}
}

static int
put_bin(void *arg, uint64_t index, const void *data, size_t n,
    const uint8_t leaf[CS_HASH_LEN], char *err, size_t errlen)
{
	(void)index;
	(void)leaf;
	(void)err;
	(void)errlen;
	codec_put_bin(arg, data, n);
	return 0;
}

static int
send_batch(struct relay *r, const char *origin, int64_t id, uint64_t start,
    uint64_t end, struct answer *a, char *err, size_t errlen)
{
	struct codec_writer w;
	int x;

	x = store_checkpoint_text(&r->c->st, id, end, &r->note, err, errlen);
	if (x != 1) {
		if (x == 0)
			ERR("%s: no checkpoint of size %llu held", origin,
			    (unsigned long long)end);
		return -1;
	}
	buf_reset(&r->req);
	codec_writer_init(&w, &r->req);
	codec_put_map(&w, 4);
	codec_put_cstr(&w, "origin");
	codec_put_cstr(&w, origin);
	codec_put_cstr(&w, "start");
	codec_put_uint(&w, start);
	codec_put_cstr(&w, "entries");
	codec_put_array(&w, (uint32_t)(end - start));
	if (store_entries_each(&r->c->st, id, start, end, put_bin, &w, err,
	    errlen) == -1)
		return -1;
	codec_put_cstr(&w, "checkpoint");
	codec_put_str(&w, (const char *)r->note.p, r->note.len);
	if (w.failed) {
		ERR("%s: batch %llu..%llu is larger than max_body (%lu)", origin,
		    (unsigned long long)start, (unsigned long long)end,
		    r->c->cfg.max_body);
		return -1;
	}
	if (push_request(&r->pc, "/v1/push", r->req.p, r->req.len, &a->status,
	    &r->resp, err, errlen) == -1)
		return -1;
	decode_answer(r, a);
	return 0;
}

struct count_acc {
	const char	*self;
	int		 n;
};

static int
count_ancestor(void *arg, const char *witness, const char *line)
{
	struct count_acc *c = arg;

	(void)line;
	if (strcmp(witness, c->self) != 0 && court_path_covers(witness, c->self))
		c->n++;
	return 0;
}

/* Cosignatures still missing from courts above this one. */
static int
missing_cosigs(struct relay *r, int64_t id, uint64_t size, char *err,
    size_t errlen)
{
	struct count_acc c = { r->c->cfg.path, 0 };
	int above = 0;

	for (const char *p = r->c->cfg.path; *p != '\0'; p++)
		above += *p == '/';
	if (store_cosigs_each(&r->c->st, id, size, count_ancestor, &c, err,
	    errlen) == -1)
		return -1;
	return above - c.n;
}

static int
push_log(struct relay *r, int64_t id, const char *origin,
    struct relay_stats *st, char *err, size_t errlen)
{
	char name[NOTE_NAME_MAX], note[NOTE_MAX];
	uint64_t cursor, latest, next;
	struct answer a;
	uint64_t wsize = 0;
	int x, wit = 0, rounds = 0, gaps = 0, ret = -1;
	bool asked = false;

	memset(&a, 0, sizeof(a));
	snprintf(name, sizeof(name), "courtsync/%s", origin);
	if (store_cursor_get(&r->c->st, origin, &cursor, err, errlen) == -1)
		return -1;
	if (strcmp(origin, r->c->cfg.path) == 0 &&
	    court_sign_batches(r->c, cursor, r->max_batch, err, errlen) == -1)
		return -1;
	while (rounds++ < MAX_ROUNDS) {
		x = store_checkpoint_latest(&r->c->st, id, &latest, note,
		    sizeof(note), err, errlen);
		if (x == -1)
			goto out;
		if (x == 0)
			break;		/* nothing signed yet */
		if (cursor < latest) {
			uint64_t fit;

			/* The largest checkpoint within max_batch entries and
			 * max_body bytes of the cursor. */
			if (store_entries_fit(&r->c->st, id, cursor,
			    r->max_batch, r->c->cfg.max_body > (64 << 10) ?
			    r->c->cfg.max_body - (32 << 10) : r->c->cfg.max_body,
			    &fit, err, errlen) == -1 ||
			    store_checkpoint_next(&r->c->st, id, cursor,
			    cursor + (fit > 0 ? fit : 1), &next, err,
			    errlen) != 1)
				goto out;
			if (send_batch(r, origin, id, cursor, next, &a, err,
			    errlen) == -1)
				goto out;
		} else {
			/* Caught up: ask for the cosignatures still missing,
			 * or pass on a witness's (hub_cosign.c). */
			x = missing_cosigs(r, id, latest, err, errlen);
			if (x == -1 || (wit = hub_cosign_pending(&r->c->st,
			    origin, &wsize, err, errlen)) == -1)
				goto out;
			if ((x == 0 && wit == 0) || asked || wsize > cursor)
				break;
			asked = true;
			next = wit == 1 ? wsize : latest;
			if (send_batch(r, origin, id, next, next, &a, err,
			    errlen) == -1)
				goto out;
		}
		if (a.status == 200) {
			if (a.note != NULL && hub_store_cosigs(&r->c->st, r->reg,
			    id, next, a.note, a.notelen, name, err, errlen) == -1)
				goto out;
			if (!a.has_size) {
				ERR("%s: the parent's answer has no size", origin);
				goto out;
			}
			/* The cursor moves on the parent's word only. */
			if (a.size > cursor) {
				st->entries += a.size - cursor;
				cursor = a.size;
				if (store_cursor_set(&r->c->st, origin, cursor,
				    err, errlen) == -1)
					goto out;
			}
			if (!asked)
				st->batches++;	/* not the cosignature requests */
			else if (wit == 1 && hub_cosign_relayed(&r->c->st,
			    origin, wsize, err, errlen) == -1)
				goto out;
		} else if (a.status == 409 && strcmp(a.code, "gap") == 0 &&
		    a.has_size && a.size != cursor && gaps++ < 3) {
			cursor = a.size;
			if (store_cursor_set(&r->c->st, origin, cursor, err,
			    errlen) == -1)
				goto out;
		} else if (a.status >= 400 && a.status < 500) {
			st->refused++;
			snprintf(st->last_error, sizeof(st->last_error),
			    "%s: %ld %s: %.300s", origin, a.status, a.code,
			    a.message);
			break;
		} else {
			ERR("%s: the parent answered %ld %s: %s", origin,
			    a.status, a.code, a.message);
			goto out;
		}
		codec_doc_free(&a.doc);
	}
	ret = 0;
out:
	codec_doc_free(&a.doc);
	return ret;
}

struct logs_acc {
	struct relay		*r;
	struct relay_stats	*st;
	char			*err;
	size_t			 errlen;
	int			 rc;
	/* The logs, listed first: writing while a read statement is open
	 * would need a lock upgrade that SQLite refuses without waiting. */
	struct { int64_t id; char origin[CS_ORIGIN_MAX]; } *logs;
	size_t			 n, cap;
	int64_t			 ev_id;		/* evidence just sent */
	long			 ev_status;
};

static int
list_log(void *arg, int64_t id, const char *origin)
{
	struct logs_acc *a = arg;

	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 16;
		void *p = realloc(a->logs, cap * sizeof(*a->logs));
		if (p == NULL) {
			a->rc = -1;
			return 1;
		}
		a->logs = p;
		a->cap = cap;
	}
	a->logs[a->n].id = id;
	cs_strlcpy(a->logs[a->n].origin, origin, sizeof(a->logs[a->n].origin));
	a->n++;
	return 0;
}

/* Sends the evidence in r->req (one item, id) to the parent. */
static int
post_evidence(struct logs_acc *a, int64_t id, const struct codec_writer *w)
{
	struct relay *r = a->r;
	long status;

	if (w->failed) {
		cs_err(a->err, a->errlen, "evidence %lld does not fit in a"
		    " request", (long long)id);
		a->rc = -1;
		return 1;
	}
	if (push_request(&r->pc, "/v1/evidence", r->req.p, r->req.len, &status,
	    &r->resp, a->err, a->errlen) == -1) {
		a->rc = -1;
		return 1;
	}
	a->ev_id = id;
	a->ev_status = status;
	return 1;	/* one at a time: it is marked once the read is over */
}

static int
send_evidence(void *arg, const struct store_evidence *e)
{
	struct logs_acc *a = arg;
	struct relay *r = a->r;
	struct codec_writer w;

	buf_reset(&r->req);
	codec_writer_init(&w, &r->req);
	codec_put_map(&w, e->root_m != NULL ? 5 : 3);
	codec_put_cstr(&w, "origin");
	codec_put_cstr(&w, e->origin);
	codec_put_cstr(&w, "a");
	codec_put_cstr(&w, e->note_a);
	codec_put_cstr(&w, "b");
	codec_put_cstr(&w, e->note_b);
	if (e->root_m != NULL) {
		codec_put_cstr(&w, "proof");
		codec_put_hashes(&w, e->proof, e->prooflen / CS_HASH_LEN);
		codec_put_cstr(&w, "root_m");
		codec_put_bin(&w, e->root_m, CS_HASH_LEN);
	}
	return post_evidence(a, e->id, &w);
}

/* PROTOCOL §6.2: the signed checkpoint, the refused entry and its
 * inclusion proof, and the fold's reason. */
static int
send_refusal(void *arg, const struct store_refusal *e)
{
	struct logs_acc *a = arg;
	struct relay *r = a->r;
	struct codec_writer w;

	buf_reset(&r->req);
	codec_writer_init(&w, &r->req);
	codec_put_map(&w, 7);
	codec_put_cstr(&w, "kind");
	codec_put_cstr(&w, "fold_refused");
	codec_put_cstr(&w, "origin");
	codec_put_cstr(&w, e->origin);
	codec_put_cstr(&w, "checkpoint");
	codec_put_cstr(&w, e->note);
	codec_put_cstr(&w, "index");
	codec_put_uint(&w, e->index);
	codec_put_cstr(&w, "entry");
	codec_put_bin(&w, e->entry, e->entrylen);
	codec_put_cstr(&w, "proof");
	codec_put_hashes(&w, e->proof, e->prooflen / CS_HASH_LEN);
	codec_put_cstr(&w, "reason");
	codec_put_cstr(&w, e->reason);
	return post_evidence(a, e->id, &w);
}

/* Sends every item of evidence not yet relayed (equivocations, then
 * refusals), one request each. */
static int
relay_evidence(struct relay *r, struct logs_acc *a, struct relay_stats *st,
    char *err, size_t errlen)
{
	for (int refusals = 0; refusals < 2; refusals++) {
		for (;;) {
			int x;

			a->ev_id = -1;
			x = refusals ? store_refusals_each(&r->c->st, true,
			    send_refusal, a, err, errlen) :
			    store_evidence_pending(&r->c->st, send_evidence, a,
			    err, errlen);
			if (x == -1 || a->rc == -1)
				return -1;
			if (a->ev_id == -1 || a->ev_status >= 500)
				break;
			/* Delivered, or refused by the parent (4xx): either
			 * way it is not sent again, so one bad item cannot
			 * block the rest. */
			if (a->ev_status == 200)
				st->evidence++;
			x = refusals ? store_refusal_relayed(&r->c->st,
			    a->ev_id, a->ev_status == 200 ? 1 : 2, err,
			    errlen) : store_evidence_relayed(&r->c->st,
			    a->ev_id, a->ev_status == 200 ? 1 : 2, err, errlen);
			if (x == -1)
				return -1;
		}
	}
	return 0;
}

int
relay_once(struct relay *r, struct relay_stats *st, char *err, size_t errlen)
{
	struct logs_acc a;
	char first[512] = "";
	int ret = -1, failed = 0;

	memset(&a, 0, sizeof(a));
	a.r = r;
	a.st = st;
	a.err = err;
	a.errlen = errlen;
	memset(st, 0, sizeof(*st));
	if (store_logs_each(&r->c->st, list_log, &a, err, errlen) == -1)
		goto out;
	if (a.rc == -1) {
		ERR("out of memory");
		goto out;
	}
	for (size_t i = 0; i < a.n; i++) {
		char why[512];

		st->logs++;
		/* One log's trouble must not stall the others: note the
		 * first error, go on, report it at the end. */
		if (push_log(r, a.logs[i].id, a.logs[i].origin, st, why,
		    sizeof(why)) == -1 && failed++ == 0)
			cs_strlcpy(first, why, sizeof(first));
	}
	if (relay_evidence(r, &a, st, err, errlen) == -1)
		goto out;
	if (failed > 0) {
		ERR("%s%s", first, failed > 1 ? " (and other logs)" : "");
		goto out;
	}
	ret = 0;
out:
	free(a.logs);
	return ret;
}
