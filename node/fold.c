/*
 * fold.c — the deterministic fold from log entries to derived tables
 * (see fold.h).  Every check uses only the entry and the state the earlier
 * entries produced, so every node folding the same log gets the same state
 * and refuses the same things.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "store.h"
#include "views.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define S(ev, k) ((ev)->f[(k)].s)
#define U(ev, k) ((ev)->f[(k)].u)
#define HAS(ev, k) ((ev)->f[(k)].present)
#define COPY(dst, src) cs_strlcpy((dst), (src), sizeof(dst))

static bool
closed_allows(const struct case_state *cs, const struct event *ev)
{
	switch (ev->type) {
	case EV_WARNING_ACKNOWLEDGED:
	case EV_FUNDS_PAID:
		return true;
	case EV_NODE_DONE:
		/* 终本规定 §9: searches go on every 6 months after 终本. */
		return strcmp(S(ev, F_NODE), "periodic_search") == 0 &&
		    strcmp(cs->mode, "terminated_round") == 0;
	default:
		return false;
	}
}

/* The day (UTC+8, China Standard Time) on which Unix time t fell. */
static void
recorded_day(uint64_t t, char out[11])
{
	date_from_days((int64_t)((t + 8 * 3600) / 86400), out);
}

/* Opens the case: its number must be new, this court's and of the filing
 * date's year. */
static int
case_file(struct fold_ctx *c, struct case_state *cs, bool exists,
    uint64_t index, const struct event *ev, char *err, size_t errlen)
{
	const char *cno = S(ev, F_CASE), *date = S(ev, F_DATE);
	struct case_no cn;

	if (exists) {
		ERR("case %s is already filed (log entry %llu)", cno,
		    (unsigned long long)cs->filed_idx);
		return -1;
	}
	if (case_no_parse(cno, &cn, err, errlen) == -1)
		return -1;
	if (strcmp(cn.court, c->code) != 0) {
		ERR("case %s belongs to court %s, not to this court (%s)",
		    cno, cn.court, c->code);
		return -1;
	}
	if (cn.year != atoi(date)) {
		ERR("case %s: number year %d does not match the filing"
		    " date %s", cno, cn.year, date);
		return -1;
	}
	memset(cs, 0, sizeof(*cs));
	COPY(cs->case_no, cno);
	cs->year = cn.year;
	COPY(cs->type, cn.type);
	cs->seq = cn.seq;
	COPY(cs->filed, date);
	COPY(cs->applicant, S(ev, F_APPLICANT));
	COPY(cs->respondent, S(ev, F_RESPONDENT));
	cs->claimed = U(ev, F_CLAIMED);
	if (HAS(ev, F_ORIGINAL))
		COPY(cs->original, S(ev, F_ORIGINAL));
	cs->nonlitigation = HAS(ev, F_NONLITIGATION) &&
	    U(ev, F_NONLITIGATION) != 0;
	cs->filed_idx = index;
	return 0;
}

/* Whether a later event may apply to the case: filed, not dated before
 * the filing, not closed unless the event is one a closed case allows. */
static int
case_admits(const struct fold_ctx *c, const struct case_state *cs,
    bool exists, const struct event *ev, char *err, size_t errlen)
{
	const char *cno = S(ev, F_CASE), *date = S(ev, F_DATE);
	struct case_no cn;

	if (!exists) {
		if (case_no_parse(cno, &cn, NULL, 0) == 0 &&
		    strcmp(cn.court, c->code) != 0)
			ERR("case %s belongs to court %s, not to this court (%s)",
			    cno, cn.court, c->code);
		else
			ERR("case %s is not filed", cno);
		return -1;
	}
	if (strcmp(date, cs->filed) < 0) {
		ERR("case %s: date %s is before the filing date %s", cno, date,
		    cs->filed);
		return -1;
	}
	if (cs->closed[0] != '\0' && !closed_allows(cs, ev)) {
		ERR("case %s is already closed (%s, %s)", cno, cs->closed,
		    cs->mode);
		return -1;
	}
	return 0;
}

/* Money in or out of the case's account: never more out than is held. */
static int
case_funds(struct fold_ctx *c, struct case_state *cs, uint64_t index,
    const struct event *ev, char *err, size_t errlen)
{
	const char *cno = S(ev, F_CASE), *date = S(ev, F_DATE);
	uint64_t amount = U(ev, F_AMOUNT);
	char a[32], b[32];

	if (ev->type == EV_FUNDS_RECEIVED) {
		if (cs->arrived + amount > (uint64_t)CS_FEN_MAX) {
			ERR("case %s: funds received would total more than"
			    " 10,000,000,000,000 yuan", cno);
			return -1;
		}
		cs->arrived += amount;
		return store_ledger_put(c->st, c->log, index, cno, date, 1,
		    amount, HAS(ev, F_REF) ? S(ev, F_REF) : NULL, err, errlen);
	}
	if (amount > cs->arrived - cs->paid) {
		fen_format(amount, a, sizeof(a));
		fen_format(cs->arrived - cs->paid, b, sizeof(b));
		ERR("case %s: paying out %s yuan but only %s yuan is held",
		    cno, a, b);
		return -1;
	}
	cs->paid += amount;
	return store_ledger_put(c->st, c->log, index, cno, date, -1, amount,
	    S(ev, F_PAYEE), err, errlen);
}

/* Ends the case's suspension on `date`: its days count, its row closes. */
static int
case_resume(struct fold_ctx *c, struct case_state *cs, const char *cno,
    const char *date, char *err, size_t errlen)
{
	cs->susp_days += date_days(date) - date_days(cs->susp_since);
	if (store_susp_put(c->st, c->log, cno, cs->susp_since, date, err,
	    errlen) == -1)
		return -1;
	cs->susp_since[0] = '\0';
	return 0;
}

/* Applies an event other than the filing to the case it admits. */
static int
case_apply(struct fold_ctx *c, struct case_state *cs, uint64_t index,
    const struct event *ev, char *err, size_t errlen)
{
	const char *cno = S(ev, F_CASE), *date = S(ev, F_DATE);

	switch (ev->type) {
	case EV_HANDLER_ASSIGNED:
		COPY(cs->handler, S(ev, F_HANDLER));
		COPY(cs->team, HAS(ev, F_TEAM) ? S(ev, F_TEAM) : "");
		if (cs->assigned[0] == '\0')
			COPY(cs->assigned, date);
		return 0;
	case EV_TRIAGE_DECIDED:
		COPY(cs->track, S(ev, F_TRACK));
		COPY(cs->basis, S(ev, F_BASIS));
		COPY(cs->triaged, date);
		return 0;
	case EV_NODE_DONE:
		return store_node_upsert(c->st, c->log, cno, S(ev, F_NODE), date,
		    HAS(ev, F_ASSET) ? S(ev, F_ASSET) : NULL,
		    HAS(ev, F_EXPIRES) ? S(ev, F_EXPIRES) : NULL, err, errlen);
	case EV_FUNDS_RECEIVED:
	case EV_FUNDS_PAID:
		return case_funds(c, cs, index, ev, err, errlen);
	case EV_EXTENSION_APPROVED:
		cs->ext_months += (uint32_t)U(ev, F_MONTHS);
		return 0;
	case EV_SUSPENSION_STARTED:
		if (cs->susp_since[0] != '\0') {
			ERR("case %s is already suspended since %s", cno,
			    cs->susp_since);
			return -1;
		}
		COPY(cs->susp_since, date);
		return store_susp_put(c->st, c->log, cno, date, "", err, errlen);
	case EV_SUSPENSION_ENDED:
		if (cs->susp_since[0] == '\0') {
			ERR("case %s is not suspended", cno);
			return -1;
		}
		if (strcmp(date, cs->susp_since) < 0) {
			ERR("case %s: date %s is before the suspension began (%s)",
			    cno, date, cs->susp_since);
			return -1;
		}
		return case_resume(c, cs, cno, date, err, errlen);
	case EV_CASE_CLOSED:
		/* Closing ends a suspension on the closing day. */
		if (cs->susp_since[0] != '\0' &&
		    case_resume(c, cs, cno, date, err, errlen) == -1)
			return -1;
		COPY(cs->closed, date);
		COPY(cs->mode, S(ev, F_MODE));
		cs->recovered = U(ev, F_RECOVERED);
		return 0;
	case EV_WARNING_ACKNOWLEDGED:
		return store_ack_put(c->st, c->log, index, cno, date,
		    S(ev, F_RULE), S(ev, F_SUPERVISOR), S(ev, F_NOTE), err,
		    errlen);
	default:
		ERR("event type %s is not a case event",
		    event_defs[ev->type].type);
		return -1;
	}
}

/*
 * Checks a case event against the case's state and applies it, writing the
 * derived rows; cs is updated in memory, the caller saves it.
 */
static int
apply_case_event(struct fold_ctx *c, struct case_state *cs, bool exists,
    uint64_t index, uint64_t time, const struct event *ev, char *err,
    size_t errlen)
{
	const char *cno = S(ev, F_CASE), *date = S(ev, F_DATE);
	char day[11];

	recorded_day(time, day);
	if (strcmp(date, day) > 0) {
		ERR("case %s: date %s is after the day it is recorded (%s)",
		    cno, date, day);
		return -1;
	}
	if (ev->type == EV_CASE_FILED) {
		if (case_file(c, cs, exists, index, ev, err, errlen) == -1)
			return -1;
	} else if (case_admits(c, cs, exists, ev, err, errlen) == -1 ||
	    case_apply(c, cs, index, ev, err, errlen) == -1)
		return -1;
	cs->last_idx = index;
	cs->nevents++;
	return 0;
}

/* ---- the batch cache of case rows ---- */

#define CACHE_SLOTS	16384		/* power of two */
#define CACHE_MAX	10240		/* cases before it flushes itself: a
					 * batch of 10,000 entries (max_batch's
					 * default) is folded in one go, each
					 * case row and its warning windows
					 * written once */

struct cache_slot {
	bool			 used;
	bool			 exists;	/* the case is filed */
	bool			 dirty;		/* row differs from the store */
	unsigned		 rules;		/* whose windows the events can
						 * change (views_windows_rules) */
	char			 key[CS_CASE_MAX];
	struct case_state	*cs;
	struct case_tally	 was;		/* the row as read */
};

struct fold_cache {
	struct cache_slot	 slot[CACHE_SLOTS];
	size_t			 n;
};

struct fold_cache *
fold_cache_new(void)
{
	return calloc(1, sizeof(struct fold_cache));
}

static void
cache_clear(struct fold_cache *fc)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		free(fc->slot[i].cs);
		fc->slot[i].cs = NULL;
		fc->slot[i].used = false;
	}
	fc->n = 0;
}

void
fold_cache_free(struct fold_cache *fc)
{
	if (fc == NULL)
		return;
	cache_clear(fc);
	free(fc);
}

void
fold_cache_reset(struct fold_cache *fc)
{
	if (fc != NULL)
		cache_clear(fc);
}

static size_t
cache_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h & (CACHE_SLOTS - 1);
}

static struct cache_slot *
cache_find(struct fold_cache *fc, const char *key)
{
	for (size_t i = cache_hash(key);; i = (i + 1) & (CACHE_SLOTS - 1)) {
		struct cache_slot *s = &fc->slot[i];
		if (!s->used || strcmp(s->key, key) == 0)
			return s;
	}
}

int
fold_flush(struct fold_ctx *c, char *err, size_t errlen)
{
	struct fold_cache *fc = c->cache;
	int ret = 0;

	if (fc == NULL)
		return 0;
	for (size_t i = 0; i < CACHE_SLOTS && ret == 0; i++) {
		struct cache_slot *s = &fc->slot[i];
		if (s->used && s->dirty && (store_case_put(c->st, c->log,
		    &s->was, s->cs, err, errlen) == -1 ||
		    views_windows_case(c->st, c->log, s->cs, s->cs->case_no,
		    s->rules, err, errlen) == -1))
			ret = -1;
	}
	cache_clear(fc);
	return ret;
}

/* Writes one case's cached row and forgets it (before a re-fold). */
static int
cache_evict(struct fold_ctx *c, const char *key, char *err, size_t errlen)
{
	struct cache_slot *s;
	int ret = 0;

	if (c->cache == NULL)
		return 0;
	s = cache_find(c->cache, key);
	if (!s->used)
		return 0;
	/* Open addressing: simplest correct removal is a full flush. */
	(void)s;
	ret = fold_flush(c, err, errlen);
	return ret;
}

/* Re-folds one case from its event index after a correction. */
struct refold {
	struct fold_ctx		*c;
	struct case_state	*cs;
	bool			 exists;
	struct buf		 entry;
	struct event		 ev, repl, crepl;
	uint64_t		 cur_index;	/* the correction being applied: */
	uint64_t		 cur_time;	/* not stored yet, so taken */
	const struct event	*cur;		/* from here, not the log */
};

static int
refold_one(void *arg, uint64_t index, const char *type, int64_t corrected_by,
    char *err, size_t errlen)
{
	struct refold *r = arg;
	struct entry e;
	const struct event *use;
	uint64_t time;

	if (strcmp(type, "correction") == 0)
		return 0;
	if (store_entry_get(r->c->st, r->c->log, index, &r->entry, NULL, err,
	    errlen) == -1 ||
	    entry_decode(r->entry.p, r->entry.len, &e, err, errlen) == -1)
		return -1;
	time = e.time;
	r->ev.replacement = &r->crepl;
	if (event_decode_body(e.type, e.body, e.bodylen, &r->ev, err,
	    errlen) == -1)
		return -1;
	use = &r->ev;
	if (corrected_by >= 0 && (uint64_t)corrected_by == r->cur_index) {
		if (!r->cur->has_replacement)
			return 0;		/* voided */
		use = r->cur->replacement;
		time = r->cur_time;
	} else if (corrected_by >= 0) {
		struct event corr;

		corr.replacement = &r->repl;
		if (store_entry_get(r->c->st, r->c->log, (uint64_t)corrected_by,
		    &r->entry, NULL, err, errlen) == -1 ||
		    entry_decode(r->entry.p, r->entry.len, &e, err, errlen) == -1 ||
		    event_decode_body(e.type, e.body, e.bodylen, &corr, err,
		    errlen) == -1)
			return -1;
		if (!corr.has_replacement)
			return 0;		/* voided */
		use = &r->repl;
		time = e.time;
	}
	if (apply_case_event(r->c, r->cs, r->exists, index, time, use, err,
	    errlen) == -1)
		return -1;
	r->exists = true;
	return 0;
}

/* Finds the case an earlier entry is about, from the entry itself. */
static int
target_case(struct fold_ctx *c, uint64_t target, char *cno, size_t cap,
    char *type, size_t tcap, char *err, size_t errlen)
{
	struct buf b;
	struct entry e;
	struct event *ev;
	int ret = -1;

	buf_init(&b, CS_ENTRY_MAX);
	ev = calloc(2, sizeof(*ev));
	if (ev == NULL) {
		ERR("out of memory");
		goto out;
	}
	ev[0].replacement = &ev[1];
	if (store_entry_get(c->st, c->log, target, &b, NULL, err, errlen) == -1) {
		ERR("correction: entry %llu is not in this log",
		    (unsigned long long)target);
		goto out;
	}
	if (entry_decode(b.p, b.len, &e, err, errlen) == -1 ||
	    event_decode_body(e.type, e.body, e.bodylen, &ev[0], err,
	    errlen) == -1)
		goto out;
	cs_strlcpy(type, e.type, tcap);
	if (ev[0].type == EV_CORRECTION) {
		ERR("correction: entry %llu is itself a correction; correct the"
		    " original entry again instead", (unsigned long long)target);
		goto out;
	}
	cs_strlcpy(cno, ev[0].f[F_CASE].s, cap);
	ret = 0;
out:
	free(ev);
	buf_free(&b);
	return ret;
}

static int
apply_correction(struct fold_ctx *c, uint64_t index, uint64_t time,
    const struct event *ev, char *err, size_t errlen)
{
	char cno[CS_CASE_MAX], type[CS_TYPE_MAX], inner[512];
	uint64_t target = U(ev, F_CORRECTS);
	int64_t by;
	int r;
	struct refold *rf = NULL;
	struct case_state *cs = NULL;
	int ret = -1;

	if (target >= index) {
		ERR("correction: entry %llu does not precede this entry",
		    (unsigned long long)target);
		return -1;
	}
	/* The corrected entry names its case (or, for a correction, the case
	 * of the entry it corrected: the event index has it either way). */
	if (target_case(c, target, cno, sizeof(cno), type, sizeof(type), err,
	    errlen) == -1 || cache_evict(c, cno, err, errlen) == -1)
		return -1;
	r = store_event_get(c->st, c->log, cno, target, type, sizeof(type), &by,
	    err, errlen);
	if (r == -1)
		return -1;
	if (r == 0) {
		ERR("correction: entry %llu is not in this log",
		    (unsigned long long)target);
		return -1;
	}
	if (strcmp(type, "correction") == 0) {
		ERR("correction: entry %llu is itself a correction; correct the"
		    " original entry again instead", (unsigned long long)target);
		return -1;
	}
	/* An entry corrected before may be corrected again: the latest
	 * correction is the one that counts (the fold keeps its index). */
	(void)by;
	if (ev->has_replacement &&
	    strcmp(ev->replacement->f[F_CASE].s, cno) != 0) {
		ERR("correction: the replacement names case %s but entry %llu"
		    " is about case %s", ev->replacement->f[F_CASE].s,
		    (unsigned long long)target, cno);
		return -1;
	}
	if (ev->has_replacement &&
	    strcmp(event_defs[ev->replacement->type].type, type) != 0 &&
	    (ev->replacement->type == EV_CASE_FILED ||
	    strcmp(type, "case_filed") == 0)) {
		ERR("correction: a filing can only be replaced by a filing");
		return -1;
	}
	if (store_event_put(c->st, c->log, index, cno, "correction", NULL, time,
	    err, errlen) == -1 ||
	    store_event_set_corrected(c->st, c->log, cno, target, index, err,
	    errlen) == -1 ||
	    store_case_clear(c->st, c->log, cno, err, errlen) == -1)
		return -1;
	rf = calloc(1, sizeof(*rf));
	cs = calloc(1, sizeof(*cs));
	if (rf == NULL || cs == NULL) {
		ERR("out of memory");
		goto out;
	}
	rf->c = c;
	rf->cs = cs;
	rf->cur_index = index;
	rf->cur_time = time;
	rf->cur = ev;
	buf_init(&rf->entry, CS_ENTRY_MAX);
	if (store_case_events(c->st, c->log, cno, refold_one, rf, inner,
	    sizeof(inner)) == -1) {
		ERR("correction of entry %llu refused: replaying case %s: %s",
		    (unsigned long long)target, cno, inner);
		goto out;
	}
	if (rf->exists) {
		struct case_tally none;

		store_case_tally(NULL, &none);	/* store_case_clear's */
		cs->last_idx = index > cs->last_idx ? index : cs->last_idx;
		if (store_case_put(c->st, c->log, &none, cs, err, errlen) == -1)
			goto out;
	} else if (cs->nevents == 0 && strcmp(type, "case_filed") != 0) {
		ERR("correction of entry %llu refused: case %s would be left"
		    " without its filing", (unsigned long long)target, cno);
		goto out;
	}
	/* The case's warning windows follow its new rows (or none). */
	if (views_windows_case(c->st, c->log, rf->exists ? cs : NULL, cno,
	    VW_ALL, err, errlen) == -1)
		goto out;
	ret = 0;
out:
	if (rf != NULL)
		buf_free(&rf->entry);
	free(rf);
	free(cs);
	return ret;
}

int
fold_apply(struct fold_ctx *c, uint64_t index, uint64_t time,
    const struct event *ev, char *err, size_t errlen)
{
	struct case_state *cs;
	struct case_tally was;
	int r, ret = -1;

	if (ev->type == EV_CORRECTION)
		return apply_correction(c, index, time, ev, err, errlen);
	if (c->cache != NULL) {
		struct cache_slot *s = cache_find(c->cache, S(ev, F_CASE));

		if (!s->used) {
			if (c->cache->n >= CACHE_MAX) {
				if (fold_flush(c, err, errlen) == -1)
					return -1;
				s = cache_find(c->cache, S(ev, F_CASE));
			}
			if ((s->cs = malloc(sizeof(*s->cs))) == NULL) {
				ERR("out of memory");
				return -1;
			}
			r = store_case_get(c->st, c->log, S(ev, F_CASE), s->cs, err,
			    errlen);
			if (r == -1) {
				free(s->cs);
				s->cs = NULL;
				return -1;
			}
			s->used = true;
			s->exists = r == 1;
			store_case_tally(r == 1 ? s->cs : NULL, &s->was);
			s->dirty = false;
			s->rules = 0;
			COPY(s->key, S(ev, F_CASE));
			c->cache->n++;
		}
		/* On failure the caller rolls back and resets the cache. */
		if (apply_case_event(c, s->cs, s->exists, index, time, ev, err,
		    errlen) == -1)
			return -1;
		s->exists = true;
		s->dirty = true;
		s->rules |= views_windows_rules(ev);
		return store_event_put(c->st, c->log, index, S(ev, F_CASE),
		    event_defs[ev->type].type, S(ev, F_DATE), time, err, errlen);
	}
	if ((cs = malloc(sizeof(*cs))) == NULL) {
		ERR("out of memory");
		return -1;
	}
	r = store_case_get(c->st, c->log, S(ev, F_CASE), cs, err, errlen);
	if (r == -1)
		goto out;
	store_case_tally(r == 1 ? cs : NULL, &was);
	if (apply_case_event(c, cs, r == 1, index, time, ev, err, errlen) == -1)
		goto out;
	if (store_event_put(c->st, c->log, index, S(ev, F_CASE),
	    event_defs[ev->type].type, S(ev, F_DATE), time, err, errlen) == -1 ||
	    store_case_put(c->st, c->log, &was, cs, err, errlen) == -1 ||
	    views_windows_case(c->st, c->log, cs, cs->case_no,
	    views_windows_rules(ev), err, errlen) == -1)
		goto out;
	ret = 0;
out:
	free(cs);
	return ret;
}

int
fold_apply_entry(struct fold_ctx *c, const void *data, size_t n, char *err,
    size_t errlen)
{
	struct entry e;

	if (entry_decode(data, n, &e, err, errlen) == -1)
		return -1;
	return fold_apply_decoded(c, &e, err, errlen);
}

int
fold_apply_decoded(struct fold_ctx *c, const struct entry *ep, char *err,
    size_t errlen)
{
	const struct entry e = *ep;
	struct event *ev;
	int ret = -1;

	ev = c->scratch;
	if (ev == NULL && (ev = malloc(2 * sizeof(*ev))) == NULL) {
		ERR("out of memory");
		return -1;
	}
	ev[0].replacement = &ev[1];
	if (event_decode_body(e.type, e.body, e.bodylen, &ev[0], err,
	    errlen) == -1)
		goto out;
	ret = fold_apply(c, e.index, e.time, &ev[0], err, errlen);
out:
	if (ev != c->scratch)
		free(ev);
	return ret;
}
