/*
 * json.h — JSON output: the one string escaper of the tree, and decoded
 * msgpack values as JSON.
 *
 * The policy for text that is not UTF-8, everywhere JSON is written:
 * well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF) is copied as it is; every byte that does not start a
 * well-formed sequence is replaced by U+FFFD, so the output is always valid
 * JSON text in UTF-8 and the reader sees that something was lost.
 * '"' and '\' are escaped with a backslash, C0 controls and DEL as \u00XX.
 */
#ifndef COURTSYNC_JSON_H
#define COURTSYNC_JSON_H

#include <stddef.h>

#include "courtsync/buf.h"
#include "courtsync/codec.h"

/* Appends the n bytes at s as a JSON string literal (quotes included). */
int	json_put_str(struct buf *b, const char *s, size_t n);
/* Appends a decoded value as JSON: strings as json_put_str, bins as
 * lower-case hex strings, maps with their keys as strings (a key of
 * another type as "?"), floats and extensions as null. */
int	json_put_value(struct buf *b, const struct codec_value *v);

#endif
