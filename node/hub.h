/*
 * hub.h — what a node does for the courts below it (docs/PROTOCOL.md):
 * verifies, stores and witnesses pushed batches (the fold stage,
 * court_fold.c, folds them into the views after), keeps equivocation
 * evidence, and answers the read endpoints.  Transport-free: handlers in
 * serve.c hand it the caller's court (from its certificate) and the body,
 * and send back what it fills in.
 */
#ifndef COURTSYNC_HUB_H
#define COURTSYNC_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "court.h"
#include "registry.h"

struct hub {
	struct court		*c;		/* this node */
	const struct registry	*reg;
	struct note_signer	 witness;	/* this court's key, as cosigner */
	size_t			 max_batch;	/* entries per batch */
	struct buf		 scratch;
	struct hub_pipe		*pipe;		/* entries verified ahead */
};

/* An answer: HTTP status, content type, body. */
struct hub_reply {
	int		 status;
	const char	*ctype;
	struct buf	 body;
	char		 code[32];	/* error code, "" when none */
	char		 message[512];	/* error message */
};

int	hub_init(struct hub *h, struct court *c, const struct registry *reg,
	    size_t max_batch, char *err, size_t errlen);
void	hub_free(struct hub *h);

void	hub_reply_init(struct hub_reply *r);
void	hub_reply_free(struct hub_reply *r);
/* Fills r with a msgpack error map {"error", "message"[, "size"]}. */
void	hub_error(struct hub_reply *r, int status, const char *code,
	    uint64_t size, bool with_size, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));

/* POST /v1/push from court `client`.  Returns -1 only on a system error
 * (r is then a 500); refusals are answers (r->status 4xx). */
int	hub_push(struct hub *h, const char *client, const uint8_t *body,
	    size_t n, uint64_t now, struct hub_reply *r);
/* POST /v1/evidence: equivocation or refusal evidence relayed from below
 * (PROTOCOL §6), verified before it is kept. */
int	hub_evidence(struct hub *h, const char *client, const uint8_t *body,
	    size_t n, uint64_t now, struct hub_reply *r);

/* POST /v1/cosignature: a witness's cosignature of a checkpoint held
 * (hub_cosign.c).  Refusals are answers; -1 only on a system error. */
int	hub_cosignature(struct hub *h, const char *client, const uint8_t *body,
	    size_t n, uint64_t now, struct hub_reply *r);
/* Inside hub_push's transaction: if note carries a cosignature line of a
 * registry witness (role witness), notes checkpoint `size` of origin for
 * the relay to pass up.  The relay asks with hub_cosign_pending (1 and
 * *size, 0 none) and, once the parent took it, clears the note with
 * hub_cosign_relayed unless a newer one replaced it meanwhile. */
int	hub_cosign_mark(struct hub *h, const char *origin, uint64_t size,
	    const char *note, size_t n, char *err, size_t errlen);
int	hub_cosign_pending(struct store *st, const char *origin, uint64_t *size,
	    char *err, size_t errlen);
int	hub_cosign_relayed(struct store *st, const char *origin, uint64_t size,
	    char *err, size_t errlen);

/* Read endpoints; params are the decoded query parameters. */
int	hub_logs(struct hub *h, struct hub_reply *r);
int	hub_checkpoint(struct hub *h, const char *origin, struct hub_reply *r);
int	hub_entries(struct hub *h, const char *origin, const char *start,
	    const char *end, struct hub_reply *r);
int	hub_inclusion(struct hub *h, const char *origin, const char *index,
	    const char *size, struct hub_reply *r);
int	hub_consistency(struct hub *h, const char *origin, const char *old,
	    const char *new_, struct hub_reply *r);
int	hub_equivocations(struct hub *h, struct hub_reply *r);
int	hub_refusals(struct hub *h, struct hub_reply *r);
int	hub_health(struct hub *h, struct hub_reply *r);

/* The latest checkpoint of a log with every cosignature line held, into
 * out (replacing it).  1 found, 0 no checkpoint, -1 error. */
int	hub_checkpoint_text(struct hub *h, int64_t log, uint64_t *size,
	    struct buf *out, char *err, size_t errlen);
/* Verifies every cosignature line of a note by a witness in the registry
 * and stores the valid ones for checkpoint `size` of `log`. */
int	hub_store_cosigs(struct store *st, const struct registry *reg,
	    int64_t log, uint64_t size, const char *note, size_t n,
	    const char *skip, char *err, size_t errlen);

#endif
