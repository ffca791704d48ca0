/*
 * court_fold.c — the fold stage: entries received from below folded into
 * the views after they were stored (docs/VIEWS.md §8).
 *
 * Shape.  hub_push verifies, stores and witnesses a batch and commits
 * without folding it; the table `folds` says, per log, how many entries
 * the views hold.  court_fold_pending folds the rest, log by log, in
 * transactions of at most `chunk` entries, each advancing `folded` in the
 * transaction that folds: the views are always exactly the fold of a
 * prefix of every log, and a crash loses nothing (the next call goes on
 * from `folded`).  Two folders (the daemon's fold thread, a command on
 * the same home) never fold an entry twice: each re-reads `folded` inside
 * its write transaction.
 *
 * An entry the fold refuses halts its log: the transaction is rolled back,
 * the entries before it are folded again, and the log's row records the
 * refused index and why, with refusal evidence (the court's signed
 * checkpoint over the entry, the entry, its inclusion proof; PROTOCOL
 * §6.2) kept for the parent and for auditors.  Nothing of that log is
 * folded again; its pushes are refused (422 fold_refused) from then on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "court.h"
#include "fold.h"
#include "log.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

/* The logs with something to fold. */
struct fold_list {
	struct store_fold	*v;
	size_t			 n, cap;
	int64_t			 own;	/* this court's own log: never here */
	uint64_t		 backlog, halted;
	bool			 keep, oom;
};

static int
list_add(void *arg, const struct store_fold *f)
{
	struct fold_list *l = arg;

	if (f->log == l->own)
		return 0;
	if (f->halted) {
		l->halted++;
		return 0;
	}
	if (f->folded >= f->size)
		return 0;
	l->backlog += f->size - f->folded;
	if (!l->keep)
		return 0;	/* counting only */
	if (l->n == l->cap) {
		size_t cap = l->cap > 0 ? 2 * l->cap : 8;
		void *p = realloc(l->v, cap * sizeof(*l->v));

		if (p == NULL) {
			l->oom = true;
			return 1;
		}
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = *f;
	return 0;
}

static int
list_logs(struct court *c, struct fold_list *l, bool keep, char *err,
    size_t errlen)
{
	struct store_log own;
	int x;

	memset(l, 0, sizeof(*l));
	if ((x = store_log_get(&c->st, c->cfg.path, false, &own, err,
	    errlen)) == -1)
		return -1;
	l->own = x == 1 ? own.id : -1;
	l->keep = keep;
	if (store_folds_each(&c->st, list_add, l, err, errlen) == -1 ||
	    l->oom) {
		if (l->oom)
			ERR("out of memory");
		free(l->v);
		return -1;
	}
	return 0;
}

int
court_fold_backlog(struct court *c, uint64_t *entries, uint64_t *halted,
    char *err, size_t errlen)
{
	struct fold_list l;

	if (list_logs(c, &l, false, err, errlen) == -1)
		return -1;
	*entries = l.backlog;
	*halted = l.halted;
	return 0;
}

/* One transaction's fold of one log. */
struct chunk {
	struct fold_ctx	 fc;
	struct store_fold f;		/* as read in the transaction */
	uint64_t	 next;		/* the next entry to fold */
	bool		(*yield)(void *);
	void		*arg;
	bool		 stopped;	/* yield said so */
	bool		 refused;	/* the fold refused entry `next` */
	char		 why[768];
};

static int
chunk_entry(void *arg, uint64_t index, const void *data, size_t n,
    const uint8_t leaf[CS_HASH_LEN], char *err, size_t errlen)
{
	struct chunk *k = arg;

	(void)leaf;
	(void)err;
	(void)errlen;
	if (k->yield != NULL && index > k->f.folded && k->yield(k->arg)) {
		k->stopped = true;
		return -1;
	}
	if (fold_apply_entry(&k->fc, data, n, k->why, sizeof(k->why)) == -1) {
		k->refused = true;
		return -1;
	}
	k->next = index + 1;
	return 0;
}

/* Keeps the evidence against the court: its signed checkpoint over the
 * refused entry, the entry and its inclusion proof. */
static int
keep_evidence(struct court *c, const struct store_fold *f, uint64_t index,
    const char *reason, char *err, size_t errlen)
{
	struct store *st = &c->st;
	struct store_tree t = { st, f->log };
	struct store_refusal e;
	uint8_t proof[MERKLE_MAX_PROOF][CS_HASH_LEN];
	struct buf entry;
	char *note;
	uint64_t size, now;
	size_t np = 0;
	int x, ret = -1;

	if ((note = malloc(NOTE_MAX + 1)) == NULL) {
		ERR("out of memory");
		return -1;
	}
	buf_init(&entry, CS_ENTRY_MAX);
	x = store_checkpoint_after(st, f->log, index, &size, note, NOTE_MAX + 1,
	    err, errlen);
	if (x == 0)
		ERR("no checkpoint of %s covers entry %llu", f->origin,
		    (unsigned long long)index);
	if (x != 1 ||
	    merkle_prove_inclusion(index, size, store_tree_get, &t, proof, &np,
	    err, errlen) == -1 ||
	    store_entry_get(st, f->log, index, &entry, NULL, err,
	    errlen) == -1 ||
	    clock_now(&now, err, errlen) == -1)
		goto out;
	memset(&e, 0, sizeof(e));
	e.origin = f->origin;
	e.note = note;
	e.index = index;
	e.entry = entry.p;
	e.entrylen = entry.len;
	e.proof = proof;
	e.prooflen = np * CS_HASH_LEN;
	e.reason = reason;
	ret = store_refusal_put(st, &e, now, c->cfg.path, err, errlen);
out:
	buf_free(&entry);
	free(note);
	return ret;
}

/* The fold refused entry k->next: fold the ones before it again, in a
 * new transaction, and halt the log there. */
static int
halt(struct court *c, struct chunk *k, char *err, size_t errlen)
{
	struct store *st = &c->st;
	uint64_t bad = k->next, from = k->f.folded;
	char reason[1024];

	snprintf(reason, sizeof(reason), "entry %llu of %s: %s",
	    (unsigned long long)bad, k->f.origin, k->why);
	if (store_begin(st, err, errlen) == -1)
		return -1;
	k->yield = NULL;
	k->refused = false;
	if ((bad > from && store_entries_each(st, k->f.log, from, bad,
	    chunk_entry, k, err, errlen) == -1) || k->refused ||
	    fold_flush(&k->fc, err, errlen) == -1 ||
	    store_fold_set(st, k->f.log, bad, reason, err, errlen) == -1 ||
	    keep_evidence(c, &k->f, bad, reason, err, errlen) == -1 ||
	    store_commit(st, err, errlen) == -1) {
		if (k->refused)
			ERR("%s (it was accepted a moment ago)", k->why);
		store_rollback(st);
		fold_cache_reset(k->fc.cache);
		return -1;
	}
	log_warn("the fold of %s stopped at %s; its pushes are refused from"
	    " now on", k->f.origin, reason);
	return 0;
}

/* Folds up to chunk entries of log f in one transaction: 0 the log is
 * done (folded, halted, or nothing to do), 1 more remains, 2 stopped by
 * yield, -1 error. */
static int
fold_chunk(struct court *c, struct chunk *k, int64_t log, uint64_t chunk,
    struct court_fold_stats *fs, char *err, size_t errlen)
{
	struct store *st = &c->st;
	uint64_t end;
	int x;

	if (store_begin(st, err, errlen) == -1)
		return -1;
	/* Again inside the transaction: another folder may have gone on. */
	x = store_fold_get(st, log, &k->f, err, errlen);
	if (x != 1 || k->f.halted || k->f.folded >= k->f.size ||
	    k->f.code[0] == '\0') {
		store_rollback(st);
		return x == -1 ? -1 : 0;
	}
	k->fc.log = log;
	k->fc.code = k->f.code;
	k->next = k->f.folded;
	k->stopped = k->refused = false;
	end = k->f.size - k->f.folded > chunk ? k->f.folded + chunk :
	    k->f.size;
	if (store_entries_each(st, log, k->f.folded, end, chunk_entry, k, err,
	    errlen) == -1 && !k->stopped && !k->refused)
		goto fail;
	if (k->refused) {
		store_rollback(st);
		fold_cache_reset(k->fc.cache);
		if (halt(c, k, err, errlen) == -1)
			return -1;
		fs->entries += k->next - k->f.folded;
		fs->halted++;
		return 0;
	}
	if (fold_flush(&k->fc, err, errlen) == -1 ||
	    store_fold_set(st, log, k->next, NULL, err, errlen) == -1 ||
	    store_commit(st, err, errlen) == -1)
		goto fail;
	fs->entries += k->next - k->f.folded;
	if (k->stopped)
		return 2;
	return k->next < k->f.size ? 1 : 0;
fail:
	store_rollback(st);
	fold_cache_reset(k->fc.cache);
	return -1;
}

int
court_fold_pending(struct court *c, uint64_t chunk, bool (*yield)(void *),
    void *arg, struct court_fold_stats *fs, char *err, size_t errlen)
{
	struct fold_list l;
	struct chunk *k;
	int ret = 0;

	memset(fs, 0, sizeof(*fs));
	if (chunk == 0)
		chunk = 1;
	if (list_logs(c, &l, true, err, errlen) == -1)
		return -1;
	if (l.n == 0) {
		free(l.v);
		return 0;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL ||
	    (k->fc.scratch = malloc(2 * sizeof(struct event))) == NULL ||
	    (k->fc.cache = fold_cache_new()) == NULL) {
		ERR("out of memory");
		ret = -1;
		goto out;
	}
	k->fc.st = &c->st;
	k->yield = yield;
	k->arg = arg;
	for (size_t i = 0; i < l.n && ret == 0; i++) {
		int x;

		while ((x = fold_chunk(c, k, l.v[i].log, chunk, fs, err,
		    errlen)) == 1)
			;
		if (x == -1)
			ret = -1;
		if (x == 2) {
			fs->yielded = true;
			break;
		}
		k->yield = yield;
	}
out:
	if (k != NULL) {
		fold_cache_free(k->fc.cache);
		free(k->fc.scratch);
		free(k);
	}
	free(l.v);
	return ret;
}
