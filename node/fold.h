/*
 * fold.h — the deterministic fold: the court's derived tables (cases,
 * workflow nodes, fund ledger, suspensions, acknowledgments, the event
 * index) as a function of its log.  The same code runs when a court records
 * an event, when it rebuilds, and (later) at every hub over every court it
 * holds, so every level computes the same state from the same entries.
 *
 * The fold also refuses what is impossible (docs/FORMAT.md §4): an event
 * for an unknown case, a case filed twice, a business date before the
 * filing date or after the recording day, paying out more than arrived,
 * closing a closed case, a case of another court.
 */
#ifndef COURTSYNC_FOLD_H
#define COURTSYNC_FOLD_H

#include <stdint.h>

#include "courtsync/entry.h"
#include "event.h"
#include "store.h"

struct store;
struct fold_cache;

/* What the fold needs to know of the court whose log it folds. */
struct fold_ctx {
	struct store	*st;
	int64_t		 log;		/* the log's id in the store */
	const char	*code;		/* the court's official code, 甘1202 */
	struct event	*scratch;	/* room for 2 events, or NULL: then
					 * fold_apply_entry allocates its own */
	struct fold_cache *cache;	/* case rows kept in memory across a
					 * batch, or NULL; see fold_flush */
};

/* A cache of case rows for a batch of entries in one transaction: each
 * case is read once and written once (fold_flush) instead of per event.
 * Bounded: when full it flushes itself. */
struct fold_cache *fold_cache_new(void);
void	fold_cache_free(struct fold_cache *fc);
/* Writes every changed case row; call before the transaction commits.
 * The cache is empty afterwards. */
int	fold_flush(struct fold_ctx *c, char *err, size_t errlen);
/* Forgets everything cached without writing (after a rollback). */
void	fold_cache_reset(struct fold_cache *fc);

/*
 * Applies entry `index` (recorded at Unix time `time`) carrying event ev:
 * checks it against the current state and updates the derived tables.  On
 * failure err names the problem ("case (2024)甘1202执9号 is not filed")
 * and the caller must roll back its transaction: tables may have been
 * partly written.  For a correction, ev->replacement must point to room
 * for the replacement event.
 */
int	fold_apply(struct fold_ctx *c, uint64_t index, uint64_t time,
	    const struct event *ev, char *err, size_t errlen);

/* Applies a stored entry (bytes as in the log): decodes it and calls
 * fold_apply.  Used by rebuild and by hubs. */
int	fold_apply_entry(struct fold_ctx *c, const void *entry, size_t n,
	    char *err, size_t errlen);
/* The same for an entry whose envelope the caller has decoded. */
int	fold_apply_decoded(struct fold_ctx *c, const struct entry *e,
	    char *err, size_t errlen);

#endif
