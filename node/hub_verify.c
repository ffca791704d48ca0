/*
 * hub_verify.c — a pushed batch's new entries verified on a second thread
 * while the request thread stores the ones before them.
 *
 * Shape.  Per new entry, hub_push does two kinds of work: checks that
 * need nothing but the entry's bytes and the one before it (the envelope
 * decoded, its origin and index, its prev link, its leaf hash into the
 * frontier, its event body decoded) and SQLite work (the entries row).  The first kind runs here, on a thread of its own, a ring
 * of VSLOTS entries ahead of the second; hub_push takes the entries from
 * the ring in log order.  Nothing is committed by either side: the batch
 * is one transaction whatever the thread does, and is rolled back on the
 * first refusal, as before.
 *
 * Refusals are the same answers, in the same order, as when one thread did
 * everything: the verifier stops at the first entry it refuses and leaves
 * the refusal (status, code, text) in that entry's slot; hub_push stores
 * every entry before it and answers with that refusal.
 *
 * A batch whose new entries fit in the ring is verified on the request
 * thread first (no thread for a county's batch of a few entries).  The
 * frontier and last leaf belong to the verifier until hub_pipe_finish.
 *
 * The ring's two counters are atomics, so handing over an entry takes no
 * lock (a mutex per entry was 3% of the request thread); the mutex and
 * condition variables are only for sleeping.  Each side publishes its
 * counter, then reads whether the other sleeps, and a sleeper re-reads the
 * counter under the mutex before it waits: with sequentially consistent
 * atomics one of the two always sees the other, so no wake-up is lost.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "hub_int.h"

#define VSLOTS	64		/* entries verified ahead of storing */
#define VLOW	8		/* the verifier sleeps until only this many are
				 * left ahead: one wake-up per 56 entries */

struct hub_pipe {
	struct hub_vslot *slot;		/* VSLOTS of them */
	pthread_t	 thread;
	bool		 threaded;	/* thread started for this batch */
	pthread_mutex_t	 mu;
	pthread_cond_t	 produced, consumed;
	atomic_uint_fast64_t head, tail;	/* slots filled / released */
	atomic_bool	 prod_waiting, cons_waiting, stop;
	/* The batch. */
	const struct codec_value *entries;
	const char	*origin;
	uint64_t	 start, s_old, end;
	struct lstate	*s;		/* frontier and last leaf */
};

struct hub_pipe *
hub_pipe_new(void)
{
	struct hub_pipe *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->slot = calloc(VSLOTS, sizeof(*p->slot))) == NULL) {
		free(p);
		return NULL;
	}
	for (int k = 0; k < VSLOTS; k++)
		p->slot[k].ev[0].replacement = &p->slot[k].ev[1];
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->produced, NULL);
	pthread_cond_init(&p->consumed, NULL);
	return p;
}

void
hub_pipe_free(struct hub_pipe *p)
{
	if (p == NULL)
		return;
	hub_pipe_finish(p);
	pthread_cond_destroy(&p->consumed);
	pthread_cond_destroy(&p->produced);
	pthread_mutex_destroy(&p->mu);
	free(p->slot);
	free(p);
}

static void __attribute__((format(printf, 6, 7)))
refuse(struct hub_vslot *sl, int status, const char *code, uint64_t size,
    bool with_size, const char *fmt, ...)
{
	va_list ap;

	sl->status = status;
	sl->code = code;
	sl->size = size;
	sl->with_size = with_size;
	va_start(ap, fmt);
	vsnprintf(sl->msg, sizeof(sl->msg), fmt, ap);
	va_end(ap);
}

/* Entry i: what hub_push checks before storing it, its event decoded.
 * Returns 0, or -1 when the slot holds a refusal. */
static int
verify_one(struct hub_pipe *p, uint64_t i, struct hub_vslot *sl)
{
	struct codec_value v;
	struct entry e;
	struct lstate *s = p->s;
	char why[768];
	bool fork = i == p->s_old && i > 0;

	sl->status = 0;
	sl->index = i;
	codec_array_at(p->entries, (size_t)(i - p->start), &v);
	sl->data = v.p;
	sl->n = v.n;
	if (entry_decode(v.p, v.n, &e, why, sizeof(why)) == -1) {
		refuse(sl, 422, "bad_entry", 0, false, "entry %llu of %s: %s",
		    (unsigned long long)i, p->origin, why);
		return -1;
	}
	if (strcmp(e.origin, p->origin) != 0 || e.index != i) {
		refuse(sl, 422, "bad_entry", 0, false, "entry %llu of %s names"
		    " %s index %llu", (unsigned long long)i, p->origin, e.origin,
		    (unsigned long long)e.index);
		return -1;
	}
	if (memcmp(e.prev, s->last, CS_HASH_LEN) != 0) {
		refuse(sl, fork ? 409 : 422, fork ? "conflict" : "bad_entry",
		    p->s_old, fork, "entry %llu of %s: its prev is not the hash"
		    " of entry %llu%s", (unsigned long long)i, p->origin,
		    (unsigned long long)i - 1, fork ?
		    " held here (the log forked?)" : "");
		return -1;
	}
	merkle_leaf_hash(v.p, v.n, sl->leaf);
	sl->nd = merkle_frontier_append(&s->fr, sl->leaf, sl->done);
	memcpy(s->last, sl->leaf, CS_HASH_LEN);
	if (event_decode_body(e.type, e.body, e.bodylen, &sl->ev[0], why,
	    sizeof(why)) == -1) {
		refuse(sl, 422, "fold_refused", 0, false, "entry %llu of %s: %s",
		    (unsigned long long)i, p->origin, why);
		return -1;
	}
	return 0;
}

/* Wakes the other side, which said it sleeps: once the mutex is free it
 * is waiting on cv, and signalling after unlocking spares it waking up
 * only to block on the mutex still held. */
static void
wake(struct hub_pipe *p, pthread_cond_t *cv)
{
	pthread_mutex_lock(&p->mu);
	pthread_mutex_unlock(&p->mu);
	pthread_cond_signal(cv);
}

/* Fills slots in order until the batch ends, a refusal, or stop. */
static void *
produce(void *arg)
{
	struct hub_pipe *p = arg;
	uint64_t head = 0;

	for (uint64_t i = p->s_old; i < p->end; i++) {
		int r;

		if (head - atomic_load(&p->tail) >= VSLOTS) {
			pthread_mutex_lock(&p->mu);
			atomic_store(&p->prod_waiting, true);
			while (head - atomic_load(&p->tail) > VLOW &&
			    !atomic_load(&p->stop))
				pthread_cond_wait(&p->consumed, &p->mu);
			atomic_store(&p->prod_waiting, false);
			pthread_mutex_unlock(&p->mu);
		}
		if (atomic_load(&p->stop))
			break;
		/* The slot is the verifier's until head moves past it. */
		r = verify_one(p, i, &p->slot[head % VSLOTS]);
		atomic_store(&p->head, ++head);
		if (atomic_load(&p->cons_waiting))
			wake(p, &p->produced);
		if (r == -1)
			break;
	}
	return NULL;
}

int
hub_pipe_start(struct hub_pipe *p, const struct batch *b, struct lstate *s,
    uint64_t s_old, uint64_t end, char *err, size_t errlen)
{
	p->entries = &b->entries;
	p->origin = b->origin;
	p->start = b->start;
	p->s_old = s_old;
	p->end = end;
	p->s = s;
	atomic_store(&p->head, 0);
	atomic_store(&p->tail, 0);
	atomic_store(&p->prod_waiting, false);
	atomic_store(&p->cons_waiting, false);
	atomic_store(&p->stop, false);
	p->threaded = false;
	if (end - s_old <= VSLOTS) {
		produce(p);
		return 0;
	}
	if (pthread_create(&p->thread, NULL, produce, p) != 0) {
		ERR("cannot start the verifier thread");
		return -1;
	}
	p->threaded = true;
	return 0;
}

struct hub_vslot *
hub_pipe_next(struct hub_pipe *p)
{
	uint64_t tail = atomic_load(&p->tail);

	if (atomic_load(&p->head) == tail) {
		pthread_mutex_lock(&p->mu);
		atomic_store(&p->cons_waiting, true);
		while (atomic_load(&p->head) == tail)
			pthread_cond_wait(&p->produced, &p->mu);
		atomic_store(&p->cons_waiting, false);
		pthread_mutex_unlock(&p->mu);
	}
	return &p->slot[tail % VSLOTS];
}

void
hub_pipe_release(struct hub_pipe *p)
{
	uint64_t tail = atomic_load(&p->tail) + 1;

	atomic_store(&p->tail, tail);
	if (atomic_load(&p->prod_waiting) &&
	    atomic_load(&p->head) - tail <= VLOW)
		wake(p, &p->consumed);
}

void
hub_pipe_finish(struct hub_pipe *p)
{
	if (!p->threaded)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->stop, true);
	pthread_cond_signal(&p->consumed);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	p->threaded = false;
}
