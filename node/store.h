/*
 * store.h — the node's SQLite database: logs (entries, tree nodes,
 * checkpoints), the registry of courts, and the derived tables the fold
 * writes.  The only module that includes <sqlite3.h>.
 *
 * Logs are keyed by (log id, index), which is ordered (FIELD-NOTES: random
 * keys are 3.6–8.6× slower).  Each entry's row also holds its leaf hash and
 * the hashes of the tree nodes its append completed: node (level l, index
 * i) completes with leaf (i+1)·2^l − 1, so it is found in that row.
 * Appending, roots and proofs cost O(log n) row reads — never a scan — and
 * an append writes one log row, not one per node.
 */
#ifndef COURTSYNC_STORE_H
#define COURTSYNC_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "courtsync/codec.h"
#include "courtsync/merkle.h"
#include "event.h"

#define STORE_SCHEMA_VERSION	7

enum store_sync { STORE_SYNC_FULL, STORE_SYNC_NORMAL };

enum store_stmt_id {
	SQ_BEGIN, SQ_BEGIN_READ, SQ_COMMIT, SQ_ROLLBACK, SQ_DATA_VERSION,
	SQ_LOG_GET, SQ_LOG_ADD, SQ_LOG_SIZE,
	SQ_ENTRY_PUT, SQ_ENTRY_GET, SQ_LEAF_GET, SQ_NODES_GET,
	SQ_CKPT_PUT, SQ_CKPT_LATEST,
	SQ_CASE_GET, SQ_CASE_PUT,
	SQ_NODE_UPSERT, SQ_LEDGER_PUT, SQ_SUSP_PUT, SQ_ACK_PUT,
	SQ_EVENT_PUT, SQ_EVENT_GET, SQ_EVENT_CORRECT, SQ_CASE_EVENTS,
	SQ_COUNT
};

#define STORE_KEPT	64		/* statements store_query_kept keeps */
#define VC_BF_TOP	200		/* longest back-filling delays kept per
					 * court (vc_bf_top) */
struct store_ckpt;
struct store_pending;
struct store_counts;

struct store {
	void	*db;			/* sqlite3 * */
	void	*stmt[SQ_COUNT];	/* sqlite3_stmt *, prepared on first use */
	int	 in_tx;
	const char *kept_sql[STORE_KEPT];	/* store_query_kept's cache */
	void	*kept_stmt[STORE_KEPT];
	uint64_t open_id;		/* unique per store_open in a process */
	struct store_ckpt *ckpt;	/* checkpointer thread, or NULL */
	struct store_pending *pending;	/* view state of this transaction,
					 * written at commit */
	struct store_counts *counts;	/* the same for the counters */
};

/* One log: its id, origin path and size (entries held). */
struct store_log {
	int64_t		id;
	char		origin[CS_ORIGIN_MAX];
	uint64_t	size;
};

/* Opens (create: creates) the database at path, WAL mode, the given
 * synchronous level, and checks or creates the schema. */
int	store_open(struct store *s, const char *path, bool create,
	    enum store_sync sync, char *err, size_t errlen);
/* Finalizes statements and closes; a zeroed store is fine. */
void	store_close(struct store *s);

/* WAL pages after which a connection's commit checkpoints (SQLite's
 * wal_autocheckpoint), unless a checkpointer follows it. */
#define STORE_WAL_AUTOCHECKPOINT	4096

/*
 * Starts a thread with a connection of its own that checkpoints the WAL
 * of s's database, so that s's commits never do (a hub's request thread).
 * It runs a PASSIVE checkpoint when a commit of s leaves `soft` or more
 * frames in the WAL; once a commit leaves `hard` or more, s's next
 * store_begin waits for the pass under way and finishes it, so that the
 * WAL starts over.  store_ckpt_stop (a no-op without a checkpointer; also
 * done by store_close) joins the thread and gives s back its automatic
 * checkpoints.
 */
int	store_ckpt_start(struct store *s, int soft, int hard, char *err,
	    size_t errlen);
void	store_ckpt_stop(struct store *s);

int	store_begin(struct store *s, char *err, size_t errlen);	/* IMMEDIATE */
/* A read snapshot (deferred BEGIN): takes no write lock, so a long read
 * (an export) does not hold up the writers; end it with store_rollback. */
int	store_begin_read(struct store *s, char *err, size_t errlen);
int	store_commit(struct store *s, char *err, size_t errlen);
void	store_rollback(struct store *s);

/* Key/value metadata (identity, schema version). */
int	store_meta_set(struct store *s, const char *key, const char *value,
	    char *err, size_t errlen);
/* Returns 1 and copies the value, 0 if absent, -1 on error. */
int	store_meta_get(struct store *s, const char *key, char *out, size_t cap,
	    char *err, size_t errlen);

/* Finds the log of origin (create: adds it, size 0).  Returns 1 found or
 * created, 0 absent, -1 error. */
int	store_log_get(struct store *s, const char *origin, bool create,
	    struct store_log *l, char *err, size_t errlen);
/* A number that changes whenever another connection commits to the
 * database (PRAGMA data_version): cached log state stays valid while it
 * does not change. */
int	store_data_version(struct store *s, int64_t *v, char *err, size_t errlen);

/* Stores entry `index` of a log: its bytes, leaf hash, and the hashes of
 * the nnodes tree nodes (levels 1, 2, …) its append completed. */
int	store_entry_put(struct store *s, int64_t log, uint64_t index,
	    const uint8_t leaf[CS_HASH_LEN], const struct merkle_node *nodes,
	    int nnodes, const void *data, size_t n, char *err, size_t errlen);
/* Reads entry bytes into out (replacing its contents) and, if leaf is not
 * NULL, its leaf hash. */
int	store_entry_get(struct store *s, int64_t log, uint64_t index,
	    struct buf *out, uint8_t leaf[CS_HASH_LEN], char *err, size_t errlen);

/* How many entries from `from` fit in a batch of at most max_n entries
 * and about max_bytes of msgpack (at least one, if any). */
int	store_entries_fit(struct store *s, int64_t log, uint64_t from,
	    uint64_t max_n, uint64_t max_bytes, uint64_t *n, char *err,
	    size_t errlen);

/* Iterates entries [from, to) in order; fn returns 0 to go on, -1 to stop
 * (its err is kept). */
typedef int (*store_entry_fn)(void *arg, uint64_t index, const void *data,
    size_t n, const uint8_t leaf[CS_HASH_LEN], char *err, size_t errlen);
int	store_entries_each(struct store *s, int64_t log, uint64_t from,
	    uint64_t to, store_entry_fn fn, void *arg, char *err, size_t errlen);

/* A merkle_get_fn over one log of a store. */
struct store_tree {
	struct store	*s;
	int64_t		 log;
};
int	store_tree_get(void *arg, unsigned level, uint64_t index,
	    uint8_t out[CS_HASH_LEN], char *err, size_t errlen);

/* Checkpoints: the signed note text of each size a court signed. */
int	store_checkpoint_put(struct store *s, int64_t log, uint64_t size,
	    const char *note, char *err, size_t errlen);
/* Latest checkpoint: 1 found (size and note copied), 0 none, -1 error. */
int	store_checkpoint_latest(struct store *s, int64_t log, uint64_t *size,
	    char *note, size_t cap, char *err, size_t errlen);
typedef int (*store_ckpt_fn)(void *arg, uint64_t size, const char *note,
    char *err, size_t errlen);
int	store_checkpoints_each(struct store *s, int64_t log, store_ckpt_fn fn,
	    void *arg, char *err, size_t errlen);

/* The row of one case in the `cases` table. */
struct case_state {
	char		case_no[CS_CASE_MAX];
	int		year;
	char		type[16];		/* 执, 执恢, … */
	uint32_t	seq;
	char		filed[11];		/* 立案 date */
	char		applicant[CS_TEXT_MAX];
	char		respondent[CS_TEXT_MAX];
	uint64_t	claimed;		/* fen */
	char		original[CS_CASE_MAX];	/* 执恢: the resumed case */
	int		nonlitigation;
	char		handler[CS_TEXT_MAX];
	char		team[CS_TEXT_MAX];
	char		assigned[11];
	char		track[16];		/* simple / complex / "" */
	char		basis[32];
	char		triaged[11];
	uint64_t	arrived;		/* fen received in the case account */
	uint64_t	paid;			/* fen paid out */
	uint32_t	ext_months;		/* approved 审限 extensions */
	int64_t		susp_days;		/* days in ended suspensions */
	char		susp_since[11];		/* open suspension start, or "" */
	char		closed[11];		/* closing date, or "" */
	char		mode[32];		/* closure mode token, or "" */
	uint64_t	recovered;		/* fen actually recovered */
	uint64_t	filed_idx;		/* log index of the filing */
	uint64_t	last_idx;		/* log index of the latest event */
	uint32_t	nevents;		/* active events */
};

/* ---- derived tables (written by the fold) ---- */

/* 1 found, 0 absent, -1 error. */
int	store_case_get(struct store *s, int64_t log, const char *case_no,
	    struct case_state *cs, char *err, size_t errlen);

/* What a case row counts in the view state's counters (store_counts.c):
 * the columns the triggers of store_views.c read. */
struct case_tally {
	bool		present;	/* a filed case row */
	int		year;
	uint32_t	seq;
	char		type[16];
	char		filed[11], closed[11], mode[32];
	uint64_t	claimed, recovered;
	uint32_t	ext_months;
	int64_t		susp_days;
	int		nonlitigation;
};
/* The tally of case row cs (NULL: no row). */
void	store_case_tally(const struct case_state *cs, struct case_tally *t);
/* Writes case row cs; was is the tally of the row it replaces (absent if
 * there was none), which the caller read in this transaction: the
 * counters change by (cs − was), summed in memory and written at commit. */
int	store_case_put(struct store *s, int64_t log, const struct case_tally *was,
	    const struct case_state *cs, char *err, size_t errlen);
/* Deletes a case's derived rows (not its events index) before a re-fold;
 * the counters lose what its row counted. */
int	store_case_clear(struct store *s, int64_t log, const char *case_no,
	    char *err, size_t errlen);
int	store_node_upsert(struct store *s, int64_t log, const char *case_no,
	    const char *node, const char *date, const char *asset,
	    const char *expires, char *err, size_t errlen);
int	store_ledger_put(struct store *s, int64_t log, uint64_t index,
	    const char *case_no, const char *date, int direction, uint64_t amount,
	    const char *party, char *err, size_t errlen);
/* Records a suspension period; end "" while it is open (an existing open
 * period of the case is closed by a later call with its start). */
int	store_susp_put(struct store *s, int64_t log, const char *case_no,
	    const char *start, const char *end, char *err, size_t errlen);
int	store_ack_put(struct store *s, int64_t log, uint64_t index,
	    const char *case_no, const char *date, const char *rule,
	    const char *supervisor, const char *note, char *err, size_t errlen);
/* The event index: one row per entry, keyed by (log, case, index). */
int	store_event_put(struct store *s, int64_t log, uint64_t index,
	    const char *case_no, const char *type, const char *date,
	    uint64_t time, char *err, size_t errlen);
/* Reads an event-index row: 1 found, 0 absent. */
int	store_event_get(struct store *s, int64_t log, const char *case_no,
	    uint64_t index, char *type, size_t tcap, int64_t *corrected_by,
	    char *err, size_t errlen);
int	store_event_set_corrected(struct store *s, int64_t log,
	    const char *case_no, uint64_t index, uint64_t by, char *err,
	    size_t errlen);
/* Iterates a case's event-index rows in log order. */
typedef int (*store_event_fn)(void *arg, uint64_t index, const char *type,
    int64_t corrected_by, char *err, size_t errlen);
int	store_case_events(struct store *s, int64_t log, const char *case_no,
	    store_event_fn fn, void *arg, char *err, size_t errlen);

/* Deletes every derived row (all logs) before a rebuild. */
int	store_derived_clear(struct store *s, char *err, size_t errlen);
/* The view state (store_views.c, docs/VIEWS.md §7): counters and indexes
 * kept in the same transaction as the derived rows (by store_case_put and
 * store_case_clear at courtsync's connections, by triggers at any other).
 * Refill recomputes the counters from the derived tables (after a change
 * of the 审限 rules, whose periods the within-limit counts depend on) and
 * drops what the transaction counted so far; clear empties them; migrate turns a version 1 to 6 database into the
 * current one (the warning windows then are derived by
 * views_windows_refresh). */
/* The horizon of a case row R's obligations ("c." or ""): a case can warn
 * as of day A only if this is after A (open, closed after A, or closed by
 * 终本, whose conditions and periodic searches warn after closing).  The
 * index cases_watch is on (log, this): queries that use this exact text
 * read the open obligations as an index range. */
#define STORE_WATCH_SQL(R) \
	"(CASE WHEN " R "closed IS NULL OR " R "mode = 'terminated_round'" \
	" THEN '9999-12-31' ELSE " R "closed END)"
int	store_views_refill(struct store *s, char *err, size_t errlen);
int	store_views_clear(struct store *s, char *err, size_t errlen);
int	store_views_migrate(struct store *s, int from, char *err,
	    size_t errlen);
/* Back-filling delays of the events a transaction adds, counted in memory
 * and written by store_views_flush just before it commits (store_commit
 * calls it; store_rollback discards them). */
int	store_views_event(struct store *s, int64_t log, uint64_t index,
	    const char *case_no, const char *date, uint64_t time, char *err,
	    size_t errlen);
int	store_views_flush(struct store *s, char *err, size_t errlen);
void	store_views_discard(struct store *s);
/* The counters' share of that (store_counts.c): the change from case row
 * was to case row now, and its flush and discard, which the two above
 * call. */
int	store_counts_case(struct store *s, int64_t log,
	    const struct case_tally *was, const struct case_tally *now,
	    char *err, size_t errlen);
int	store_counts_flush(struct store *s, char *err, size_t errlen);
void	store_counts_discard(struct store *s);

/* SHA-256 over every derived table and the view state (store_views.c),
 * rows in primary-key order, each value type-tagged: equal digests mean
 * equal derived state (`rebuild --check`). */
int	store_derived_digest(struct store *s, uint8_t out[CS_HASH_LEN],
	    char *err, size_t errlen);

/* The same digest over one log's derived rows, without the local log id:
 * equal at every node holding that court's log (the auditor compares it). */
int	store_log_digest(struct store *s, int64_t log, uint8_t out[CS_HASH_LEN],
	    char *err, size_t errlen);

/* Runs a read-only query for the CLI's listings: fn gets each row as
 * column texts (NULL for SQL NULL).  `sql` uses ?1.. bound to args. */
typedef int (*store_row_fn)(void *arg, int ncol, const char *const *cols);
int	store_query(struct store *s, const char *sql, const char *const *args,
	    int nargs, store_row_fn fn, void *arg, char *err, size_t errlen);

/* store_query and store_exec for hot paths: the statement is prepared
 * once per connection and kept, found again by the address of `sql`,
 * which must therefore be a string constant (never a buffer reused for
 * other text). */
int	store_query_kept(struct store *s, const char *sql,
	    const char *const *args, int nargs, store_row_fn fn, void *arg,
	    char *err, size_t errlen);
int	store_exec_kept(struct store *s, const char *sql,
	    const char *const *args, int nargs, char *err, size_t errlen);
/* An argument of store_exec_kept_args: the text s, or (s NULL) the
 * integer i, bound as an integer (no conversion from text). */
struct store_arg {
	const char	*s;
	int64_t		 i;
};
int	store_exec_kept_args(struct store *s, const char *sql,
	    const struct store_arg *args, int nargs, char *err, size_t errlen);

/* Runs one SQL statement that writes (text arguments bound to ?1..),
 * for small administrative tables such as `rules`. */
#define STORE_HAVE_EXEC 1
int	store_exec(struct store *s, const char *sql, const char *const *args,
	    int nargs, char *err, size_t errlen);

/* ---- sync state (not derived; see docs/PROTOCOL.md) ---- */

/* Stores a witness's cosignature line for checkpoint `size` of a log
 * (a newer one from the same witness replaces it). */
int	store_cosig_put(struct store *s, int64_t log, uint64_t size,
	    const char *witness, uint64_t time, const char *line, char *err,
	    size_t errlen);
typedef int (*store_cosig_fn)(void *arg, const char *witness, const char *line);
/* The cosignature lines held for checkpoint `size`, shortest witness path
 * (the highest court) first. */
/* The checkpoint of exactly `size` with every cosignature line held, into
 * out (replacing it): 1 found, 0 no such checkpoint, -1 error. */
int	store_checkpoint_text(struct store *s, int64_t log, uint64_t size,
	    struct buf *out, char *err, size_t errlen);
int	store_cosigs_each(struct store *s, int64_t log, uint64_t size,
	    store_cosig_fn fn, void *arg, char *err, size_t errlen);
/* The parent's size for a log (0 if never heard). */
int	store_cursor_get(struct store *s, const char *origin, uint64_t *size,
	    char *err, size_t errlen);
int	store_cursor_set(struct store *s, const char *origin, uint64_t size,
	    char *err, size_t errlen);
/* The checkpoint note of exactly this size: 1 found, 0 not, -1 error. */
int	store_checkpoint_get(struct store *s, int64_t log, uint64_t size,
	    char *note, size_t cap, char *err, size_t errlen);
/* The size of the checkpoint a batch after `after` should end at: the
 * largest in (after, limit], else the smallest above `after`.  1 found. */
int	store_checkpoint_next(struct store *s, int64_t log, uint64_t after,
	    uint64_t limit, uint64_t *size, char *err, size_t errlen);
typedef int (*store_log_fn)(void *arg, int64_t id, const char *origin);
/* Every log held, by origin. */
int	store_logs_each(struct store *s, store_log_fn fn, void *arg, char *err,
	    size_t errlen);
/* Keeps equivocation evidence (docs/PROTOCOL.md §6); a duplicate is a no-op. */
int	store_evidence_put(struct store *s, const char *origin,
	    const char *note_a, const char *note_b, const void *proof,
	    size_t prooflen, const uint8_t *root_m, uint64_t now,
	    const char *found_by, char *err, size_t errlen);
/* Evidence not yet sent to the parent. */
struct store_evidence {
	int64_t		 id;
	const char	*origin, *note_a, *note_b;
	const void	*proof;		/* 32-byte hashes, concatenated */
	size_t		 prooflen;
	const uint8_t	*root_m;	/* NULL when the sizes are equal */
};
typedef int (*store_evidence_fn)(void *arg, const struct store_evidence *e);
int	store_evidence_pending(struct store *s, store_evidence_fn fn, void *arg,
	    char *err, size_t errlen);
/* Marks evidence as sent upward: 1 accepted, 2 refused by the parent. */
int	store_evidence_relayed(struct store *s, int64_t id, int state,
	    char *err, size_t errlen);

/*
 * Refusal evidence (docs/PROTOCOL.md §6.2): a checkpoint the court signed
 * over an entry the fold refuses.  Kept in the table `refusals`, beside
 * `equivocations`; store_sync_schema creates it in a database made before
 * it existed, so the schema version does not change.
 */
struct store_refusal {
	int64_t		 id;
	const char	*origin;
	const char	*note;		/* the signed checkpoint of size n */
	uint64_t	 index;		/* k < n: the refused entry */
	const void	*entry;		/* its bytes */
	size_t		 entrylen;
	const void	*proof;		/* inclusion proof of k in n: 32-byte */
	size_t		 prooflen;	/* hashes, concatenated */
	const char	*reason;	/* the fold's reason, as the finder gave it */
	uint64_t	 found_at;
	const char	*found_by;
};
/* Keeps it; a duplicate (origin, note, index) is a no-op.  id, found_at
 * and found_by of e are ignored: now and found_by are stored. */
int	store_refusal_put(struct store *s, const struct store_refusal *e,
	    uint64_t now, const char *found_by, char *err, size_t errlen);
typedef int (*store_refusal_fn)(void *arg, const struct store_refusal *e);
/* Every refusal kept (pending: only those not yet sent to the parent), in
 * the order found; fn returns non-zero to stop. */
int	store_refusals_each(struct store *s, bool pending, store_refusal_fn fn,
	    void *arg, char *err, size_t errlen);
/* Marks refusal evidence as sent upward: 1 accepted, 2 refused. */
int	store_refusal_relayed(struct store *s, int64_t id, int state,
	    char *err, size_t errlen);
/* Creates the sync tables that came after schema version 7 (`refusals`,
 * `folds`) when they are missing; store_open calls it. */
int	store_sync_schema(struct store *s, char *err, size_t errlen);

/* ---- backups (store_backup.c) ---- */

/* A consistent copy of the database at path (created or overwritten; one
 * file, synced), taken online. */
int	store_backup(struct store *s, const char *path, char *err,
	    size_t errlen);
/* SQLite's integrity check: 0, or -1 with its first complaint. */
int	store_integrity(struct store *s, char *err, size_t errlen);

/* ---- staff accounts, API tokens, the access log (store_staff.c;
 * docs/ACCESS.md).  Local to the node, never pushed. ---- */

#define STAFF_NAME_MAX	33		/* login: [a-z0-9._-]{1,32} */
#define STAFF_PW_MAX	160		/* "$scrypt$…" */

struct store_staff {
	char	name[STAFF_NAME_MAX];
	char	display[CS_TEXT_MAX];		/* 姓名 */
	char	role[16];			/* clerk, supervisor, … */
	char	scope[CS_ORIGIN_MAX];		/* the subtree seen */
	char	pw[STAFF_PW_MAX];		/* password hash */
	bool	disabled;
	int64_t	created, changed;		/* Unix seconds */
};

int	store_staff_schema(struct store *s, char *err, size_t errlen);
/* 1 found, 0 no such user, -1 error. */
int	store_staff_get(struct store *s, const char *name,
	    struct store_staff *u, char *err, size_t errlen);
/* fn for every account, by name; a non-zero return stops. */
int	store_staff_each(struct store *s,
	    int (*fn)(void *, const struct store_staff *), void *arg,
	    char *err, size_t errlen);
/* Adds (create: refused if the name exists) or updates an account; a
 * disabled account loses its token. */
int	store_staff_put(struct store *s, const struct store_staff *u,
	    bool create, int64_t now, char *err, size_t errlen);
/* Replaces the user's API token by the one whose SHA-256 is `hash` (hex),
 * or removes it (hash NULL). */
int	store_staff_token_set(struct store *s, const char *name,
	    const char *hash, int64_t now, char *err, size_t errlen);
/* The user holding the token of SHA-256 `hash`: 1, 0 none, -1 error. */
int	store_staff_token_user(struct store *s, const char *hash, char *name,
	    size_t cap, char *err, size_t errlen);
/* One row of the access log. */
int	store_access_put(struct store *s, int64_t t, const char *name,
	    const char *action, const char *origin, const char *case_no,
	    const char *addr, char *err, size_t errlen);

/*
 * The fold stage (store_folds.c, docs/VIEWS.md §8): per log received from
 * below, the court code its events are checked against, how many of its
 * entries the views have folded, and, once the fold refused an entry, why
 * (the log is halted there: folded is the refused entry's index).  A
 * court's own log has no row that matters: it is folded as it is
 * appended.
 */
struct store_fold {
	int64_t		log;
	char		origin[CS_ORIGIN_MAX];
	char		code[CS_CODE_MAX];	/* "" until a push names it */
	uint64_t	folded;		/* entries [0, folded) are in the views */
	uint64_t	size;		/* entries held */
	bool		halted;
	char		reason[512];
};
/* Creates `folds` when missing, every log held folded to its size (a
 * database made before the fold stage folded at push time). */
int	store_folds_schema(struct store *s, char *err, size_t errlen);
/* The log's row, created (folded 0) if missing, with code. */
int	store_fold_code(struct store *s, int64_t log, const char *code,
	    char *err, size_t errlen);
/* 1 and f filled, 0 no row, -1 error. */
int	store_fold_get(struct store *s, int64_t log, struct store_fold *f,
	    char *err, size_t errlen);
typedef int (*store_fold_fn)(void *arg, const struct store_fold *f);
/* Every row; fn returns non-zero to stop. */
int	store_folds_each(struct store *s, store_fold_fn fn, void *arg,
	    char *err, size_t errlen);
/* Sets folded, and halts the log with the reason halt (or NULL). */
int	store_fold_set(struct store *s, int64_t log, uint64_t folded,
	    const char *halt, char *err, size_t errlen);
/* The first checkpoint of the log whose size is beyond index: 1 (size and
 * note copied), 0 none, -1 error. */
int	store_checkpoint_after(struct store *s, int64_t log, uint64_t index,
	    uint64_t *size, char *note, size_t cap, char *err, size_t errlen);

/* Records a request from a child court (for sync health). */
int	store_peer_note(struct store *s, const char *court, uint64_t now,
	    bool ok, const char *error, uint64_t entries, char *err,
	    size_t errlen);

#endif
