/*
 * relay.h — pushing to the parent (docs/PROTOCOL.md §4): this court's own
 * log and every descendant's log it holds, verbatim, each from the
 * parent's size, in batches that end at the origin's checkpoints; storing
 * the cosignatures the parent returns; relaying equivocation evidence.
 */
#ifndef COURTSYNC_RELAY_H
#define COURTSYNC_RELAY_H

#include <stdint.h>

#include "court.h"
#include "courtsync/push.h"
#include "registry.h"

struct relay {
	struct court		*c;
	const struct registry	*reg;
	struct push_client	 pc;
	uint64_t		 max_batch;
	struct buf		 req;
	struct buf		 resp;
	struct buf		 note;
	struct buf		 entry;
};

/* What one pass did. */
struct relay_stats {
	uint64_t	batches;	/* batches the parent accepted */
	uint64_t	entries;	/* new entries the parent took */
	uint64_t	logs;		/* logs looked at */
	uint64_t	evidence;	/* evidence items relayed */
	int		refused;	/* the parent refused something (4xx) */
	char		last_error[512];
};

/* cancel (may be NULL) aborts a request in flight when it returns
 * non-zero: the daemon's shutdown.  The server at parent_url must present
 * a certificate naming the court's parent in reg (else every request
 * fails: "the server at URL is X, not the parent Y"). */
int	relay_init(struct relay *r, struct court *c, const struct registry *reg,
	    int (*cancel)(void), char *err, size_t errlen);
void	relay_free(struct relay *r);

/*
 * One pass over every log held: push until the parent holds every signed
 * entry, then ask once for missing cosignatures of courts above.  Returns
 * 0 if the parent answered everything (refusals are counted in st and
 * named in st->last_error), -1 on a transport or local error (err).
 */
int	relay_once(struct relay *r, struct relay_stats *st, char *err,
	    size_t errlen);

/* After a restore or recovery (court.h): fetches from the parent, verifies
 * and appends what it holds of this court's log beyond this node's copy,
 * stores its checkpoint and cosignatures, clears the mark.  *fetched: the
 * entries appended.  0, or -1 with err and nothing changed. */
int	relay_catch_up(struct relay *r, uint64_t *fetched, char *err,
	    size_t errlen);

#endif
