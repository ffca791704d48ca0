/*
 * hub_int.h — what the parts of hub share (hub.c, hub_read.c);
 * private to them.
 */
#ifndef COURTSYNC_HUB_INT_H
#define COURTSYNC_HUB_INT_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courtsync/hub.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

/* A batch, as decoded (entries point into the request body's document). */
struct batch {
	char			 origin[CS_ORIGIN_MAX];
	uint64_t		 start;
	struct codec_value	 entries;	/* array of bin */
	const char		*note;		/* checkpoint text */
	size_t			 notelen;
};

/* A log's state, loaded inside the transaction. */
struct lstate {
	struct store_log	l;
	struct merkle_frontier	fr;
	uint8_t			last[CS_HASH_LEN];
};

/* A new entry of a batch, verified ahead of the fold (hub_verify.c). */
struct hub_vslot {
	uint64_t		 index;
	int			 status;	/* 0, or the refusal's HTTP status */
	const char		*code;		/* refusal: error code, */
	uint64_t		 size;		/*   size and whether to send it, */
	bool			 with_size;
	char			 msg[1024];	/*   message */
	const char		*data;		/* the entry's bytes (in the body) */
	size_t			 n;
	uint64_t		 time;		/* its recorded time */
	uint8_t			 leaf[CS_HASH_LEN];
	struct merkle_node	 done[MERKLE_MAX_LEVELS];	/* completed nodes */
	int			 nd;
	struct event		 ev[2];		/* its event (and replacement) */
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

#endif
