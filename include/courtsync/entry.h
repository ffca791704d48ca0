/*
 * entry.h — the log entry envelope (docs/FORMAT.md §2).
 *
 * An entry is one msgpack map with exactly these keys, in this order:
 *     "v" uint (1), "origin" str, "index" uint, "prev" bin 32,
 *     "time" uint (Unix seconds, UTC), "type" str, "body" map
 * Entries are hashed and stored as the bytes their origin wrote; nothing
 * here ever re-encodes a received entry.
 */
#ifndef COURTSYNC_ENTRY_H
#define COURTSYNC_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "courtsync/buf.h"
#include "courtsync/crypto.h"
#include "courtsync/path.h"

#define CS_ENTRY_VERSION	1
#define CS_ENTRY_MAX		(64 * 1024)	/* one entry's bytes, cap */
#define CS_TYPE_MAX		32		/* event type name, NUL included */

/* The envelope of one entry, as decoded (body points into the input). */
struct entry {
	unsigned	 version;
	char		 origin[CS_ORIGIN_MAX];
	uint64_t	 index;
	uint8_t		 prev[CS_HASH_LEN];
	uint64_t	 time;
	char		 type[CS_TYPE_MAX];
	const uint8_t	*body;		/* the body map's bytes, inside the input */
	size_t		 bodylen;
};

/* Encodes an entry: header fields from e, body = the msgpack map bytes
 * given (appended verbatim).  Appends to out. */
int	entry_encode(const struct entry *e, const void *body, size_t bodylen,
	    struct buf *out, char *err, size_t errlen);
/* Decodes and checks the envelope of an entry: exactly the seven keys in
 * order with their types, version 1, origin a valid court path, type
 * non-empty ASCII, body a map.  Does not interpret the body. */
int	entry_decode(const void *p, size_t n, struct entry *e,
	    char *err, size_t errlen);

#endif
