/*
 * codec.h — bounded byte buffers, msgpack writing and reading, and the log
 * entry envelope (docs/FORMAT.md §2).  The only module that includes
 * <msgpack.h>.
 *
 * An entry is one msgpack map with exactly these keys, in this order:
 *     "v" uint (1), "origin" str, "index" uint, "prev" bin 32,
 *     "time" uint (Unix seconds, UTC), "type" str, "body" map
 * Entries are hashed and stored as the bytes their origin wrote; nothing
 * here ever re-encodes a received entry.
 */
#ifndef COURTSYNC_CODEC_H
#define COURTSYNC_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "courtsync/crypto.h"
#include "courtsync/err.h"
#include "courtsync/path.h"

#define CS_ENTRY_VERSION	1
#define CS_ENTRY_MAX		(64 * 1024)	/* one entry's bytes, cap */
#define CS_TYPE_MAX		32		/* event type name, NUL included */

/* A growable buffer with a hard cap: an append past `max` fails and leaves
 * the buffer as it was.  A zeroed buffer is empty with max = 0 (no cap). */
struct buf {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

void	buf_init(struct buf *b, size_t max);
int	buf_append(struct buf *b, const void *p, size_t n);
int	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_reset(struct buf *b);
void	buf_free(struct buf *b);


/* msgpack writer appending to a buf.  Calls after a failure (cap reached)
 * do nothing; check `failed` once at the end. */
struct codec_writer {
	struct buf	*out;
	int		 failed;
};

void	codec_writer_init(struct codec_writer *w, struct buf *out);
void	codec_put_map(struct codec_writer *w, uint32_t n);
void	codec_put_array(struct codec_writer *w, uint32_t n);
void	codec_put_str(struct codec_writer *w, const char *s, size_t n);
void	codec_put_cstr(struct codec_writer *w, const char *s);
void	codec_put_bin(struct codec_writer *w, const void *p, size_t n);
/* An array of k bins of 32 bytes (hashes, concatenated at p): a proof. */
void	codec_put_hashes(struct codec_writer *w, const void *p, size_t k);
void	codec_put_uint(struct codec_writer *w, uint64_t v);
void	codec_put_int(struct codec_writer *w, int64_t v);
void	codec_put_bool(struct codec_writer *w, bool v);
void	codec_put_nil(struct codec_writer *w);
void	codec_put_raw(struct codec_writer *w, const void *p, size_t n);

/* A decoded msgpack value.  Strings and bins point into the decoded input
 * (or the document's zone) and live as long as the codec_doc. */
enum codec_type {
	CODEC_NIL, CODEC_BOOL, CODEC_UINT, CODEC_INT, CODEC_FLOAT,
	CODEC_STR, CODEC_BIN, CODEC_ARRAY, CODEC_MAP, CODEC_EXT,
};

struct codec_value {
	enum codec_type	 type;
	bool		 b;
	uint64_t	 u;		/* CODEC_UINT */
	int64_t		 i;		/* CODEC_INT (negative) */
	const char	*p;		/* CODEC_STR, CODEC_BIN */
	size_t		 n;		/* bytes, or elements of array/map */
	const void	*obj;		/* internal: the msgpack_object */
};

/* A decoded document: owns the memory the values point into. */
struct codec_doc {
	void		*impl;
};

/* Decodes exactly one msgpack object spanning all n bytes: trailing bytes,
 * truncation and nesting deeper than 16 levels are refused.  The value
 * tree is valid until codec_doc_free.  A zeroed doc is fine to free. */
int	codec_decode(struct codec_doc *d, const void *p, size_t n,
	    struct codec_value *root, char *err, size_t errlen);
void	codec_doc_free(struct codec_doc *d);
/* The i-th key and value of a map, or the i-th element of an array. */
void	codec_map_at(const struct codec_value *m, size_t i,
	    struct codec_value *key, struct codec_value *val);
void	codec_array_at(const struct codec_value *a, size_t i,
	    struct codec_value *val);
/* Finds a string key in a map: 1 found, 0 absent. */
int	codec_map_get(const struct codec_value *m, const char *key,
	    struct codec_value *val);
/* True if v is a string equal to s. */
bool	codec_str_eq(const struct codec_value *v, const char *s);

/* Appends s as a JSON string literal (quotes, escapes; bytes >= 0x80
 * copied as they are, so UTF-8 stays UTF-8). */
int	codec_json_str(struct buf *b, const char *s, size_t n);
/* Appends a decoded value as JSON: bins as lower-case hex strings, maps
 * with their keys as strings, floats and extensions as null. */
int	codec_json_value(struct buf *b, const struct codec_value *v);

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
