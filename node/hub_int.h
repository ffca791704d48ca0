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




#endif
