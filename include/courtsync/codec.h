/*
 * codec.h — msgpack writing (to a buf) and reading.  The only module that
 * includes <msgpack.h>.  The entry envelope is in entry.h, JSON output in
 * json.h; this header still brings in buf.h, err.h and path.h, which its
 * users have always had through it.
 */
#ifndef COURTSYNC_CODEC_H
#define COURTSYNC_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "courtsync/buf.h"
#include "courtsync/crypto.h"
#include "courtsync/err.h"
#include "courtsync/path.h"

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

#endif
