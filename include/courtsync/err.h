/*
 * err.h — the error convention of every module, and the small string jobs
 * everything shares (bounded copy, UTC time).  The bottom of the sync
 * layer: includes nothing of courtsync.
 */
#ifndef COURTSYNC_ERR_H
#define COURTSYNC_ERR_H

#include <stddef.h>
#include <stdint.h>

#define CS_ERR_MAX	1024	/* the error buffer every caller declares */

/* The error convention of every module: format into the caller's buffer
 * err of errlen bytes; a NULL or empty buffer is left alone. */
void	cs_err(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Copies src into dst of cap bytes, always NUL-terminating; returns
 * strlen(src) (>= cap means it was truncated), like BSD strlcpy. */
size_t	cs_strlcpy(char *dst, const char *src, size_t cap);
/* Unix seconds as UTC "YYYY-MM-DDTHH:MM:SSZ" up to CS_UTC_LAST
 * (9999-12-31T23:59:59Z), the decimal number of seconds beyond.  out holds
 * CS_UTC_LEN bytes. */
#define CS_UTC_LEN	32
#define CS_UTC_LAST	253402300799ULL
void	cs_utc(uint64_t t, char out[CS_UTC_LEN]);

#endif
