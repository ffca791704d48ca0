/*
 * hub_int.h — what the parts of hub share (hub.c, hub_read.c,
 * hub_verify.c, hub_fork.c); private to them.
 */
#ifndef COURTSYNC_HUB_INT_H
#define COURTSYNC_HUB_INT_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courtsync/entry.h"

#include "hub.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

/* A batch, as decoded (entries point into the request body's document). */
struct batch {
	char			 origin[CS_ORIGIN_MAX];
	uint64_t		 start;
	struct codec_value	 entries;	/* array of bin */
	const char		*note;		/* checkpoint text */
	size_t			 notelen;
};

/* A push body's map (PROTOCOL.md §3): exactly origin, start, entries (bins
 * of 1..CS_ENTRY_MAX bytes), checkpoint.  b points into m.  0, or -1 with
 * err naming the field. */
int	hub_decode_batch(const struct codec_value *m, struct batch *b,
	    char *err, size_t errlen);

/* A log's state, loaded inside the transaction. */
struct lstate {
	struct store_log	l;
	struct merkle_frontier	fr;
	uint8_t			last[CS_HASH_LEN];
};

/* A new entry of a batch, verified ahead of storing it (hub_verify.c). */
struct hub_vslot {
	uint64_t		 index;
	int			 status;	/* 0, or the refusal's HTTP status */
	const char		*code;		/* refusal: error code, */
	uint64_t		 size;		/*   size and whether to send it, */
	bool			 with_size;
	char			 msg[1024];	/*   message */
	const char		*data;		/* the entry's bytes (in the body) */
	size_t			 n;
	uint8_t			 leaf[CS_HASH_LEN];
	struct merkle_node	 done[MERKLE_MAX_LEVELS];	/* completed nodes */
	int			 nd;
	struct event		 ev[2];		/* its event decoded (and a
						 * replacement): step 9 */
};

struct hub_pipe *hub_pipe_new(void);
void	hub_pipe_free(struct hub_pipe *p);
/* Starts verifying entries [s_old, end) of b, with s's frontier and last
 * leaf, which are the verifier's until hub_pipe_finish. */
int	hub_pipe_start(struct hub_pipe *p, const struct batch *b,
	    struct lstate *s, uint64_t s_old, uint64_t end, char *err,
	    size_t errlen);
/* The next entry in log order (waits for it); status != 0 is a refusal,
 * after which there is no next.  Call only while entries remain. */
struct hub_vslot *hub_pipe_next(struct hub_pipe *p);
/* Gives back the slot hub_pipe_next returned. */
void	hub_pipe_release(struct hub_pipe *p);
/* Stops the verifier and waits for it; a no-op when it is not running. */
void	hub_pipe_finish(struct hub_pipe *p);

/*
 * The tree a batch describes (hub_fork.c): the log's stored leaves below
 * `split` (the batch's start) followed by the batch's leaves, up to `end`.
 * hub_fork_get is its merkle_get_fn: complete subtrees below the split
 * come from the store, the others are hashed from the batch's leaves.
 */
struct hub_fork {
	struct store_tree	 t;		/* the log held */
	uint64_t		 split;		/* batch start */
	uint64_t		 end;		/* tree size: start + entries */
	uint8_t			(*leaf)[CS_HASH_LEN];	/* batch leaf hashes */
};
int	hub_fork_init(struct hub_fork *f, struct store *st, int64_t log,
	    const struct batch *b, char *err, size_t errlen);
void	hub_fork_free(struct hub_fork *f);
int	hub_fork_get(void *arg, unsigned level, uint64_t index,
	    uint8_t out[CS_HASH_LEN], char *err, size_t errlen);
/* A batch whose overlap differs from the log held (of size `held`) and
 * that extends past it: if its entries hash to the signed root, keeps
 * equivocation evidence (PROTOCOL §6.1: a = the checkpoint held at or
 * below `held`, b = the batch's) in a transaction of its own.  1 kept,
 * 0 not evidence, -1 error.  Call after the batch's transaction ended. */
int	hub_fork_equivocation(struct hub *h, const struct batch *b,
	    const uint8_t root[CS_HASH_LEN], uint64_t held, uint64_t now,
	    char *err, size_t errlen);
/* Entry `index` of a batch the fold refused for `reason`: if the batch's
 * entries hash to the signed root, keeps refusal evidence (PROTOCOL
 * §6.2).  1 kept, 0 not evidence, -1 error.  After the rollback. */
int	hub_fork_refusal(struct hub *h, const struct batch *b,
	    const uint8_t root[CS_HASH_LEN], uint64_t index, const char *reason,
	    uint64_t now, char *err, size_t errlen);
/* Checks a signed note of rc's registered key (a str of at most NOTE_MAX
 * bytes, copied NUL-terminated into text) and parses its checkpoint. */
int	hub_evidence_note(const struct registry_court *rc,
	    const struct codec_value *v, struct checkpoint *ck, char *text,
	    char *err, size_t errlen);
/* POST /v1/evidence of kind "fold_refused" about rc (origin checks done):
 * verified (403 bad_evidence), then kept as found by `client`. */
int	hub_refusal_from_below(struct hub *h, const char *client,
	    const struct registry_court *rc, const struct codec_value *m,
	    uint64_t now, struct hub_reply *r);

#endif
