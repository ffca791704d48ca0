/*
 * court.h — one court's node: its home directory, recording events into
 * its log (entry, tree and fold in one transaction), checkpoints, export
 * and rebuild.  The CLI and (later) the daemon are thin layers over this.
 */
#ifndef COURTSYNC_COURT_H
#define COURTSYNC_COURT_H

#include <stdbool.h>
#include <stdint.h>

#include "courtsync/codec.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "courtsync/merkle.h"
#include "courtsync/note.h"
#include "registry.h"
#include "store.h"

struct court {
	char			home[CONFIG_PATH_MAX];
	struct config		cfg;
	struct store		st;
	struct store_log	log;		/* this court's own log */
	struct merkle_frontier	fr;		/* right edge of the tree */
	uint8_t			last_leaf[CS_HASH_LEN];
	bool			in_tx;
	struct fold_cache	*cache;		/* bulk appends: case rows kept
						 * until commit (import), or NULL */
	bool			cached;		/* log, fr, last_leaf valid … */
	int64_t			data_version;	/* … while this is unchanged */
	struct buf		body;		/* scratch for encoding */
	struct buf		entry;
	bool			behind;		/* restored or recovered, not yet
						 * caught up: appends refused */
	bool			catching_up;	/* court_append_entry's turn */
};


/* Creates a home directory for a court: it must not exist yet.  Built in
 * HOME.init and renamed into place, so a failure leaves nothing behind. */
int	court_create(const char *home, const struct config *cfg, char *err,
	    size_t errlen);
/* Opens a home directory (configuration, database). */
int	court_open(struct court *c, const char *home, char *err, size_t errlen);
/* Loads the home's registry, its CA signature verified: 1 loaded, 0 the
 * home has no registry file, -1 with err (unreadable or not signed). */
int	court_registry(const struct court *c, struct registry *reg, char *err,
	    size_t errlen);
/*
 * Backups that cannot fork the log (court_restore.c, docs/OPERATIONS.md).
 * A restored or recovered node is marked behind its parent (meta
 * COURT_CATCH_UP_KEY): court_append refuses until relay_catch_up has
 * fetched and verified what the parent holds of its log, or an operator
 * overrides.  COURT_LOCK_FILE is held (flock) by a running serve.
 */
#define COURT_CATCH_UP_KEY	"catch_up"
#define COURT_LOCK_FILE		"serve.lock"

/* An exclusive lock on HOME/serve.lock (fd kept open while held); without
 * wait, -1 "in use" if another process holds it. */
int	court_lock_home(const char *home, bool wait, int *fd, char *err,
	    size_t errlen);
/* A database copy is sound: intact (SQLite), holds origin's log, and that
 * log's tree reproduces its latest checkpoint's root.  *size: its size. */
int	court_check_copy(const char *file, const char *origin, uint64_t *size,
	    char *err, size_t errlen);
/* An online copy of the database to file (file.tmp, checked, renamed). */
int	court_backup(struct court *c, const char *file, uint64_t *size,
	    char *err, size_t errlen);
/* Replaces HOME's database by a checked copy of file, marked behind; the
 * home must not be served meanwhile.  Nothing changes on error. */
int	court_restore(const char *home, const char *file, uint64_t *size,
	    char *err, size_t errlen);
/* A new, empty database for a home that lost its own (keys and
 * configuration kept), marked behind. */
int	court_recover_init(const char *home, char *err, size_t errlen);
/* 1 (why filled) if marked behind, 0 not, -1 error. */
int	court_catch_up_pending(struct court *c, char *why, size_t cap,
	    char *err, size_t errlen);
int	court_catch_up_clear(struct court *c, char *err, size_t errlen);
/* Appends one entry of the court's own log as its parent holds it (next
 * index, previous leaf, a body the fold accepts), in a transaction begun
 * with c->catching_up set. */
int	court_append_entry(struct court *c, const void *p, size_t n,
	    char *err, size_t errlen);

/* Closes; rolls back an open transaction.  A zeroed court is fine. */
void	court_close(struct court *c);

/* A transaction that appends entries: begin, append…, commit/rollback. */
int	court_begin(struct court *c, char *err, size_t errlen);
/* Checks ev against the state, appends its entry (recorded at `time`) and
 * folds it.  On failure the caller must court_rollback. */
int	court_append(struct court *c, struct event *ev, uint64_t time,
	    uint64_t *index, char *err, size_t errlen);
int	court_commit(struct court *c, char *err, size_t errlen);
void	court_rollback(struct court *c);

/* Begin, append, commit: one event, one transaction. */
int	court_record(struct court *c, struct event *ev, uint64_t *index,
	    char *err, size_t errlen);

/* Signs a checkpoint of the transaction's tree (as court_checkpoint) and
 * commits, all or nothing: if the key cannot be read or the signature
 * made, the whole transaction is rolled back. */
int	court_commit_signed(struct court *c, uint64_t *size, char *note,
	    size_t cap, char *err, size_t errlen);

/* Signs a checkpoint of the current tree unless the latest one already has
 * this size (then returns it).  note gets the signed note text. */
int	court_checkpoint(struct court *c, uint64_t *size, char *note,
	    size_t cap, char *err, size_t errlen);

/* Signs checkpoints so that every entry after `from` (the parent's size)
 * is covered by checkpoints at most max_batch entries and about max_body
 * bytes apart (the deployment's limits, the same at every node), ending at
 * the current size: a push can then send batches that each end at one.
 * An empty log gets its checkpoint 0, so that it too is pushed and
 * witnessed. */
int	court_sign_batches(struct court *c, uint64_t from, uint64_t max_batch,
	    char *err, size_t errlen);

/* Current tree size and root. */
int	court_root(struct court *c, uint64_t *size, uint8_t root[CS_HASH_LEN],
	    char *err, size_t errlen);

/* Writes the export layout (export.h) of a log into dir: this court's own
 * (origin NULL: signs a checkpoint first) or, at a hub, any log it holds
 * (up to that court's latest checkpoint; key and identity from reg).
 * Checkpoints carry every cosignature held. */
int	court_export(struct court *c, const struct registry *reg,
	    const char *origin, const char *dir, uint64_t *entries, char *err,
	    size_t errlen);

/* Re-derives every derived table from the logs held (this court's; a
 * hub's subtree too, with court codes from reg) in one transaction and
 * digests the derived state before and after.  Returns 0 if equal, 1 if
 * they differed (the rebuilt state is kept unless check_only), -1 on
 * error (nothing changed). */
int	court_rebuild(struct court *c, const struct registry *reg,
	    bool check_only,
	    uint8_t before[CS_HASH_LEN], uint8_t after[CS_HASH_LEN],
	    char *err, size_t errlen);

/*
 * The fold stage (court_fold.c, docs/VIEWS.md §8): folds the entries of
 * logs received from below that are stored but not yet in the views, in
 * transactions of at most chunk entries each.  yield (may be NULL) is
 * asked between entries; when it returns true the transaction commits
 * what it folded and the call returns with stats->yielded set.  An entry
 * the fold refuses halts its log (refusal evidence kept, a warning
 * logged); that is not an error.  Returns 0, or -1 with err.
 */
struct court_fold_stats {
	uint64_t	entries;	/* folded by this call */
	uint64_t	halted;		/* logs halted by this call */
	bool		yielded;	/* stopped by yield: more may remain */
};
int	court_fold_pending(struct court *c, uint64_t chunk,
	    bool (*yield)(void *), void *arg, struct court_fold_stats *stats,
	    char *err, size_t errlen);
/* Entries held but not folded (in logs not halted), and halted logs. */
int	court_fold_backlog(struct court *c, uint64_t *entries,
	    uint64_t *halted, char *err, size_t errlen);

#endif
