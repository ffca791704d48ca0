/*
 * audit.h — the auditor (docs/FORMAT.md §9): verifies a court's export
 * against the deployment's trust anchors (the CA-signed registry), checks
 * every cosignature, replays the fold into a throw-away database and
 * digests the derived state; compares two views of one court and writes
 * or checks the comparison / equivocation evidence file; follows a hub's
 * view of a court incrementally from a saved state file.
 *
 * Never prints, never exits, never touches the network itself: the
 * monitor fetches through a caller-supplied function.  Returns follow the
 * export_verify convention: 0 verified, 1 a problem found (named in the
 * report), -1 system error (in err).
 */
#ifndef COURTSYNC_AUDIT_H
#define COURTSYNC_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "courtsync/codec.h"
#include "courtsync/merkle.h"
#include "courtsync/note.h"
#include "policy.h"
#include "registry.h"
#include "views.h"

#define AUDIT_CHUNK_MAX		10000	/* entries per GET /v1/entries */
#define AUDIT_KEEP_MAX		1000	/* numbering/backfill items kept */
#define AUDIT_PROBLEM_MAX	1024

/* A verified checkpoint and who witnessed it. */
struct audit_ckpt {
	struct policy_cosigs	cs;		/* size; valid cosignatures */
	uint64_t		not_before;	/* time of its last entry */
	bool			met;		/* cs meets the witness policy */
};

/* What an audit found. */
struct audit_report {
	char		origin[CS_ORIGIN_MAX];	/* court path */
	char		name[256];		/* from the registry */
	char		code[CS_CODE_MAX];
	int		level;
	uint64_t	entries;		/* entries verified */
	uint64_t	checkpoints;		/* checkpoints verified */
	uint64_t	size;			/* latest checkpoint's size */
	uint8_t		root[CS_HASH_LEN];	/* and root */
	struct audit_ckpt *ck;			/* owned; nck of them */
	size_t		nck;
	uint64_t	witnessed;		/* largest checkpoint meeting the
						 * witness policy, or UINT64_MAX */
	bool		policy_checked;		/* the audit got that far */
	bool		replayed;		/* the fold was replayed */
	uint8_t		digest[CS_HASH_LEN];	/* store_log_digest after it */
	struct numbering_issue *num;		/* owned, at most AUDIT_KEEP_MAX */
	size_t		nnum, num_total;
	struct backfill	*bf;			/* owned, at most AUDIT_KEEP_MAX */
	size_t		nbf, bf_total;
	char		problem[AUDIT_PROBLEM_MAX];	/* first problem, or "" */
};

/* Progress: phase "verifying" or "replaying"; entries done; bytes of
 * entries.bin read and in total (0 if unknown). */
typedef void (*audit_progress_fn)(void *arg, const char *phase, uint64_t done,
    uint64_t readb, uint64_t total);

struct audit_options {
	struct policy	 policy;		/* the witness rule's clock, and */
	bool		 require_witnesses;	/* the policy (default true;
						 * comparisons only need the
						 * court's own signatures) */
	bool		 replay;		/* replay the fold and digest */
	int		 backfill_days;		/* flag events recorded later */
	uint64_t	 skip_fold;		/* test fault: the replay leaves out
						 * this entry (UINT64_MAX: none) */
	const char	*tmpdir;		/* for the replay database, or NULL:
						 * $TMPDIR, else /tmp */
	audit_progress_fn progress;
	void		*arg;
};

void	audit_options_init(struct audit_options *o);
void	audit_report_free(struct audit_report *r);

/*
 * Audits the export in dir.  The court is named by the export's court.vkey
 * and MUST be in the registry (loaded and CA-checked by the caller); its
 * registered key is the only one accepted.  Verifies, in this order,
 * stopping at the first problem: every entry, the chain and the tree,
 * every checkpoint (signature, root; each consistent with the one before
 * by recomputation) — export_verify; then every cosignature line of every
 * checkpoint by the witness rule (policy_cosigs, times against the
 * checkpoint's last entry and o->policy's clock); then the witness policy:
 * the largest checkpoint must be witnessed as o->policy requires, directly
 * or through a larger checkpoint that is (its root fixes every smaller
 * tree), else "checkpoint S: not witnessed: …" names the first
 * checkpoint above the witnessed prefix; then (o->replay) replays the fold
 * and fills r->digest, the numbering and back-filling findings.
 */
int	audit_export(const char *dir, const struct registry *reg,
	    const struct audit_options *o, struct audit_report *r,
	    char *err, size_t errlen);

/* Checks the cosignature lines of one checkpoint note (already verified
 * as the court's) by the witness rule and the policy (ck->cs.size and
 * ck->not_before set by the caller).  Fills ck.  Returns 0, or 1 with
 * problem ("checkpoint S: bad cosignature by cn/gs"). */
int	audit_cosigs(const char *note, size_t n, const char *origin,
	    const struct registry *reg, const struct policy *p,
	    struct audit_ckpt *ck, char *problem, size_t plen);

/* ---- comparing two views ---- */

enum audit_verdict { AUDIT_CONSISTENT, AUDIT_EQUIVOCATION };

struct audit_comparison {
	char		origin[CS_ORIGIN_MAX];
	enum audit_verdict verdict;
	uint64_t	size_a, size_b;		/* a is the smaller view */
	bool		swapped;		/* a is the second input */
	bool		has_entry;		/* the first differing entry: */
	uint64_t	entry;
	char		problem[AUDIT_PROBLEM_MAX];	/* an invalid input */
};

/*
 * Compares two views of one court: each an export directory or a single
 * checkpoint note file.  Each is verified first (a whole export as
 * audit_export without replay; a note by its signature).  Then either the
 * smaller is a prefix of the larger (consistent) or the court signed two
 * trees that disagree (equivocation): the evidence names the first
 * differing entry when both exports are given.  Writes the comparison file
 * (FORMAT §9.2) into out, deterministic for the same inputs.
 * Returns 0 consistent, 1 equivocation or an invalid input (c->problem),
 * 2 undecidable (a larger view given as a note alone; c->problem says
 * what is needed), -1 system error.
 */
int	audit_compare(const char *a, const char *b, const struct registry *reg,
	    struct buf *out, struct audit_comparison *c, char *err,
	    size_t errlen);

/* Checks a comparison file: both notes signed by the registered key,
 * every proof in it.  Returns 0 if it proves what its verdict says
 * (c filled), 1 if it does not (c->problem), -1 on a system error. */
int	audit_evidence_verify(const char *text, size_t n,
	    const struct registry *reg, struct audit_comparison *c,
	    char *err, size_t errlen);

/* ---- the monitor ---- */

/* What the monitor has verified (FORMAT §9.3): entries [0, size) are
 * chained, hashed into fr, and proven a prefix of the signed checkpoint
 * ck_size (whose note, cosignatures included, is kept). */
struct audit_monitor {
	char			origin[CS_ORIGIN_MAX];
	uint64_t		size;
	uint8_t			prev[CS_HASH_LEN];	/* leaf of size - 1 */
	struct merkle_frontier	fr;
	uint64_t		ck_size;
	uint8_t			ck_root[CS_HASH_LEN];
	char			note[NOTE_MAX + 1];
};

/* Loads the state file: 1 loaded, 0 absent (m set to the empty state of
 * origin), -1 unreadable or malformed, or for another origin (err). */
int	audit_monitor_load(const char *file, const char *origin,
	    struct audit_monitor *m, char *err, size_t errlen);
/* Writes it atomically: FILE.new, fsync, rename, fsync of the directory. */
int	audit_monitor_save(const char *file, const struct audit_monitor *m,
	    char *err, size_t errlen);

/* A GET of path (with query) at the hub: 0 with *status and the body, or
 * -1 on a transport failure (err). */
typedef int (*audit_get_fn)(void *arg, const char *path, long *status,
    struct buf *resp, char *err, size_t errlen);

/* Progress of a round: the verified size after each chunk. */
typedef void (*audit_follow_fn)(void *arg, uint64_t size, uint64_t target);

struct audit_round {
	uint64_t	start;		/* verified size before the round */
	uint64_t	verified;	/* entries verified in this round */
	struct audit_ckpt ck;		/* the hub's latest checkpoint */
	uint64_t	last_time;	/* time of the last entry verified */
	char		problem[AUDIT_PROBLEM_MAX];
};

/*
 * One round: fetches the hub's latest checkpoint of m->origin, checks its
 * signature, its cosignatures by the witness rule and that it does not
 * contradict what was verified before; if it is not yet witnessed as p
 * requires, stops there (2).  Then fetches the new entries `chunk` at a time,
 * verifying each chunk (chain, index, origin) and proving the prefix
 * verified so far consistent with the signed checkpoint (RFC 9162 proof
 * from the hub, or the root itself at the end) before saving m to
 * state_file.  Never re-fetches what m holds.  0 verified (m advanced and
 * saved), 1 a problem (r->problem; m keeps the last verified state), 2 the
 * hub's checkpoint is not yet witnessed (r->problem says by whom; nothing
 * verified, m unchanged), -1 system or transport error.
 */
int	audit_follow_round(struct audit_monitor *m, const struct registry *reg,
	    const struct policy *p, const char *state_file, uint32_t chunk,
	    audit_get_fn get,
	    void *getarg, audit_follow_fn progress, void *parg,
	    struct audit_round *r, char *err, size_t errlen);

#endif
