/*
 * records_int.h — what the CSV half (records.c) and the JSON Lines half
 * (records_json.c) of the records reader share.  Not for other modules.
 */
#ifndef COURTSYNC_RECORDS_INT_H
#define COURTSYNC_RECORDS_INT_H

#include <stddef.h>

#include "records.h"

#define UTF8_BOM	"\xef\xbb\xbf"
#define BUF_MIN		4096	/* first size of r->buf and r->vals */

/* Returns 0 if s is UTF-8 without NUL bytes, 1 if it holds a NUL, 2 if it
 * is not UTF-8. */
int	records_text_check(const unsigned char *s, size_t n);
/* Appends n bytes to r->vals at *used, growing it; -1 when out of memory. */
int	records_vals_put(struct records_reader *r, size_t *used, const void *p,
	    size_t n);
/* The next byte of the file (EOF at the end or on error), counted. */
int	records_getc(struct records_reader *r);
/* The next JSON Lines record: 1 with one, 0 at the end, -1 with err. */
int	records_jsonl_next(struct records_reader *r, struct records_record *rec,
	    char *err, size_t errlen);

#endif
