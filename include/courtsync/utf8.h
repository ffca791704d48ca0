/*
 * utf8.h — well-formed UTF-8, the one check the JSON writer and the
 * record readers share.  Includes nothing of courtsync.
 */
#ifndef COURTSYNC_UTF8_H
#define COURTSYNC_UTF8_H

#include <stddef.h>

/* The length (1-4) of the well-formed UTF-8 sequence starting at s, n
 * bytes available, or 0 if there is none there (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF; n == 0 gives 0). */
size_t	utf8_seq_len(const void *s, size_t n);

#endif
