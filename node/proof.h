/*
 * proof.h — case proofs (docs/FORMAT.md §10): one self-contained text file
 * that shows every entry of one case's events in a court's log — each
 * entry's bytes, its RFC 9162 inclusion path, and the court's checkpoint
 * with the cosignatures held — built from a node's store and verified
 * offline with nothing but the deployment's registry and CA.
 *
 * The format follows C2SP tlog-proof (index, inclusion path, checkpoint
 * verbatim) but carries several entries of one log against one checkpoint,
 * and the entries' bytes themselves.
 */
#ifndef COURTSYNC_PROOF_H
#define COURTSYNC_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "courtsync/codec.h"
#include "event.h"
#include "courtsync/note.h"
#include "policy.h"
#include "registry.h"
#include "store.h"

#define PROOF_MAGIC		"courtsync-case-proof/v1"
#define PROOF_MAX_ENTRIES	4096		/* entries in one proof */
#define PROOF_FILE_MAX		(16 * 1024 * 1024)	/* bytes of one proof */

/* What a verified proof shows. */
struct proof_report {
	char		origin[CS_ORIGIN_MAX];	/* the court's path */
	char		court[256];		/* its name in the registry */
	char		case_no[CS_CASE_MAX];
	uint64_t	size;			/* the checkpoint's tree size */
	uint8_t		root[CS_HASH_LEN];	/* and root */
	size_t		entries;		/* entries shown in the log */
	size_t		corrections;		/* of which corrections */
	uint64_t	first, last;		/* lowest and highest index */
	struct policy_cosigs cs;		/* the valid cosignatures */
	bool		met;			/* they meet the policy */
};

/*
 * Writes into out (replacing its contents) the proof file of every entry
 * of case_no in the log of origin held in st — the case's events as the
 * events table indexes them, corrections that name one of them included —
 * against the latest checkpoint held for that log whose cosignatures
 * meet the witness policy p (keys from reg; p NULL: the latest checkpoint,
 * witnessed or not), with every cosignature held.
 * Returns 0, or -1 with err: "case X has no entries in the log of P", "no
 * checkpoint of P covers entry K yet", "no witnessed checkpoint of P
 * covers entry K yet (…)", "no log of P is held here", or a database
 * error; *refused (if not NULL) is true for the refusals, false for a
 * system error.
 */
int	proof_build(struct store *st, const struct registry *reg,
	    const struct policy *p, const char *origin, const char *case_no,
	    struct buf *out, bool *refused, char *err, size_t errlen);

/*
 * Verifies a proof file (n bytes of text) offline, keys from reg only:
 * the form of the file; the checkpoint's signature by the court's
 * registered key; every cosignature line by the witness rule
 * (policy_cosigs); each entry's
 * inclusion path against the checkpoint's root at its size; each entry
 * decodes with the proof's origin and its own index; and each body names
 * the case, or is a correction of an entry of the proof that does; the
 * cosignatures dated after the newest listed entry (less the skew); and
 * the witness policy p met by the checkpoint's cosignatures.
 * Returns 0 (r filled), 1 with the first problem in err (verification
 * failed), or -1 with err for a system error (out of memory).
 */
int	proof_verify(const char *text, size_t n, const struct registry *reg,
	    const struct policy *p,
	    struct proof_report *r, char *err, size_t errlen);

#endif
