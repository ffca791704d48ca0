/*
 * policy.h — the witness rule and the witness policy (docs/FORMAT.md §9.1):
 * which cosignature lines of a checkpoint are checked, which of the valid
 * ones count as witnesses of a court's log, and whether a checkpoint is
 * witnessed enough to rest a verdict on.  One rule for every reader:
 * `audit`, `audit --proof`, `prove`, `audit --follow` and the dashboard.
 *
 * Pure: no I/O, no clock of its own (the caller gives the audit's time).
 */
#ifndef COURTSYNC_POLICY_H
#define COURTSYNC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "courtsync/note.h"
#include "registry.h"

#define POLICY_LIST_MAX		16	/* witnesses an N: policy may name */
#define POLICY_SKEW_DEFAULT	300	/* seconds of clock difference allowed */
#define POLICY_TEXT_MAX		256	/* policy_format, shortened beyond */

enum policy_kind {
	POLICY_PARENT,		/* the court's parent (the default) */
	POLICY_ANCESTORS,	/* every court above it */
	POLICY_LIST,		/* at least `need` of `list` */
};

struct policy {
	enum policy_kind kind;
	unsigned	need;
	size_t		nlist;
	char		list[POLICY_LIST_MAX][CS_ORIGIN_MAX];
	uint64_t	now;		/* the verifier's clock, Unix seconds */
	uint64_t	skew;		/* seconds allowed either way */
};

/* One valid cosignature line. */
struct policy_witness {
	char		path[CS_ORIGIN_MAX];	/* the witness's registry path */
	int		level;
	uint64_t	time;			/* cosignature time, Unix s */
	bool		counts;			/* eligible for the court's log */
};

/* What the cosignature lines of one checkpoint hold. */
struct policy_cosigs {
	uint64_t		size;
	size_t			n;
	struct policy_witness	w[NOTE_SIGS_MAX];
	size_t			ignored;	/* lines by keys outside the
						 * registry */
};

/* Parent policy, default skew, clock `now`. */
void	policy_init(struct policy *p, uint64_t now);

/* Parses "parent", "ancestors" or "N:PATH,PATH,…" (N ≥ 1, at most the
 * number of paths, each path a valid, distinct court path).  Keeps now
 * and skew.  -1 with err naming the problem. */
int	policy_parse(struct policy *p, const char *spec, char *err,
	    size_t errlen);

/* Checks an N: policy's paths against the registry: each must be listed
 * with a key.  -1 with err. */
int	policy_resolve(const struct policy *p, const struct registry *reg,
	    char *err, size_t errlen);

/* From the command line: --witnesses SPEC (NULL: parent) and --skew
 * SECONDS (NULL: POLICY_SKEW_DEFAULT, at most a day), an N: list checked
 * against reg.  Keeps p->now.  -1 with err. */
int	policy_from_args(struct policy *p, const char *witnesses,
	    const char *skew, const struct registry *reg, char *err,
	    size_t errlen);

/* "parent", "ancestors" or "2:cn/gs,jcy/gs" — the policy as given. */
void	policy_format(const struct policy *p, char *out, size_t cap);

/* Whether w may witness origin's log: never the court itself, a court
 * beneath it, or a sibling (another court with the same parent). */
bool	policy_eligible(const struct registry *reg, const char *origin,
	    const struct registry_court *w);

/*
 * Checks every signature line of a checkpoint note of origin's log other
 * than the court's own signature (verified by the caller), by the witness
 * rule of FORMAT §9.1:
 *   - a line whose key name and key ID are a registry entry's witness key
 *     MUST be a valid tlog-cosignature/v1 of the body, dated no later than
 *     p->now + p->skew and no earlier than not_before − p->skew (the time
 *     the newest entry under the checkpoint was recorded; 0 if unknown);
 *   - any other line whose key ID is one of the registry's keys, or whose
 *     name is courtsync/<a registry path>, is a forgery;
 *   - lines of other signers are ignored (counted).
 * Fills c (every valid line, with `counts` per policy_eligible).
 * Returns 0, or 1 with problem ("checkpoint S: bad cosignature by P"), or
 * -1 for a note that does not split (problem says why).
 */
int	policy_cosigs(const char *note, size_t n, const char *origin,
	    const struct registry *reg, const struct policy *p,
	    uint64_t not_before, struct policy_cosigs *c, char *problem,
	    size_t plen);

/* The lower time bound alone: every valid cosignature in c dated no
 * earlier than not_before − p->skew.  0, or 1 with problem. */
int	policy_times(const struct policy *p, const struct policy_cosigs *c,
	    uint64_t not_before, char *problem, size_t plen);

/* Whether the counting witnesses in c meet the policy for origin.  If
 * not, `missing` says what is missing ("no cosignature by cn/gs/ln, its
 * parent").  Returns true if met. */
bool	policy_met(const struct policy *p, const struct registry *reg,
	    const char *origin, const struct policy_cosigs *c, char *missing,
	    size_t mlen);

#endif
