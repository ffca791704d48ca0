/*
 * records.h — reads event records from a case-management export for
 * `courtsync import`: CSV (RFC 4180) or JSON Lines.
 *
 * A record is a flat list of (field name, text value) pairs and the line
 * number it started on.  Interpretation (which event type, which fields are
 * required, money and dates) belongs to the caller; this module only gets
 * the syntax right and names the line and column of every syntax error.
 *
 * CSV: the first line is a header of field names; each later line is one
 * record; an empty cell means "field absent"; quoted cells may contain
 * commas, doubled quotes and newlines; a UTF-8 BOM before the header is
 * skipped; CRLF or LF line ends; every row must have as many cells as the
 * header.  A blank line is skipped.
 *
 * JSON Lines: one JSON object per line (RFC 8259); values must be strings,
 * numbers, true, false or null (null means "field absent"); nested objects
 * and arrays are refused.  Numbers are kept as their exact source text (no
 * conversion through double).  Strings are unescaped into UTF-8, \uXXXX
 * surrogate pairs included; invalid UTF-8 or a lone surrogate is refused.
 * A duplicate key in one object is refused.  A blank line is skipped.
 */
#ifndef COURTSYNC_RECORDS_H
#define COURTSYNC_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RECORDS_MAX_FIELDS	64
#define RECORDS_MAX_LINE	(1024 * 1024)	/* one record's bytes, cap */

enum records_format {
	RECORDS_AUTO = 0,	/* from the file name: .csv, .jsonl, .ndjson, .json */
	RECORDS_CSV,
	RECORDS_JSONL,
};

struct records_field {
	const char	*name;	/* NUL-terminated, valid until the next read */
	const char	*value;	/* NUL-terminated UTF-8 text */
	size_t		 len;	/* strlen(value) */
};

struct records_record {
	uint64_t		line;		/* 1-based line the record starts on */
	size_t			nfields;
	struct records_field	fields[RECORDS_MAX_FIELDS];
};

/* Reader state; the caller allocates it, records_open fills it. */
struct records_reader {
	FILE			*fp;
	enum records_format	 format;
	uint64_t		 line;		/* lines consumed so far */
	uint64_t		 bytes;		/* bytes consumed so far */
	uint64_t		 total;		/* file size, 0 if unknown */
	char			*buf;		/* record text, owned */
	size_t			 cap;
	char			*names;		/* CSV header storage, owned */
	const char		*header[RECORDS_MAX_FIELDS];
	size_t			 ncols;
	char			*vals;		/* unescaped values, owned */
	size_t			 valcap;
};

/* Opens path (format given or guessed from the extension).  For CSV, reads
 * and checks the header: non-empty unique names, at most RECORDS_MAX_FIELDS. */
int	records_open(struct records_reader *r, const char *path,
	    enum records_format format, char *err, size_t errlen);
/* The same over an open stream (owned from then on: records_close closes
 * it, also on error); the format must be given. */
int	records_open_stream(struct records_reader *r, FILE *fp,
	    enum records_format format, char *err, size_t errlen);
/* Reads the next record.  Returns 1 with *rec filled, 0 at end of file,
 * -1 on error with err like "line 17: unterminated quoted field" or
 * "line 3, column 12: expected ',' or '}'". */
int	records_next(struct records_reader *r, struct records_record *rec,
	    char *err, size_t errlen);
/* Looks up a field of a record by name; NULL if absent. */
const struct records_field *records_get(const struct records_record *rec,
	    const char *name);
/* Closes the file and frees the reader's buffers; a zeroed reader is fine. */
void	records_close(struct records_reader *r);

#endif
