/* records.c — streaming reader for CSV (RFC 4180) and JSON Lines exports:
 * opening, the CSV half and the shared helpers; JSON Lines in
 * records_json.c. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "courtsync/err.h"
#include "courtsync/utf8.h"
#include "records_int.h"

/*
 * Conventions: every function that can fail fills err and returns -1.
 * The file is read a byte at a time through stdio, so memory is bounded by
 * one record (RECORDS_MAX_LINE) whatever the file's size.  After a syntax
 * error the reader has consumed the offending line (CSV: the physical line
 * holding the error), so a caller that wants to list every bad line may keep
 * calling records_next.
 */

/* One CSV row being read: cell offsets into r->vals and position. */
struct csv_row {
	uint64_t	 start;		/* line the row starts on */
	uint64_t	 col;		/* 1-based column of the last byte */
	size_t		 raw;		/* bytes of the row read so far */
	size_t		 maxcells;	/* cells worth storing */
	size_t		 ncells;	/* cells seen, stored or not */
	size_t		 off[RECORDS_MAX_FIELDS];
	size_t		 len[RECORDS_MAX_FIELDS];
	size_t		 vlen;		/* bytes used in r->vals */
	int		 toolong;	/* row exceeds RECORDS_MAX_LINE */
	int		 ioerr;		/* errno of a read error, or 0 */
	unsigned char	 pend[3];	/* bytes to deliver before the file's */
	size_t		 npend;
	size_t		 ipend;
};



int
records_text_check(const unsigned char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (s[i] == '\0')
			return 1;
		k = utf8_seq_len(s + i, n - i);
		if (k == 0)
			return 2;
		i += k;
	}
	return 0;
}

int
records_vals_put(struct records_reader *r, size_t *used, const void *p,
    size_t n)
{
	size_t ncap;
	char *nv;

	if (r->valcap - *used < n) {
		ncap = r->valcap == 0 ? BUF_MIN : r->valcap;
		while (ncap - *used < n)
			ncap *= 2;
		nv = realloc(r->vals, ncap);
		if (nv == NULL)
			return -1;
		r->vals = nv;
		r->valcap = ncap;
	}
	memcpy(r->vals + *used, p, n);
	*used += n;
	return 0;
}

int
records_getc(struct records_reader *r)
{
	int c;

	c = getc_unlocked(r->fp);
	if (c != EOF)
		r->bytes++;
	return c;
}

/* ---------------------------------------------------------------- CSV */

/* Next byte of a CSV row; keeps the line count and the column. */
static int
csv_getc(struct records_reader *r, struct csv_row *row)
{
	int c;

	if (row->ipend < row->npend) {
		c = row->pend[row->ipend++];
	} else {
		c = records_getc(r);
		if (c == EOF) {
			if (ferror(r->fp))
				row->ioerr = errno != 0 ? errno : EIO;
			return EOF;
		}
	}
	row->raw++;
	if (c == '\n') {
		r->line++;
		row->col = 0;
	} else {
		row->col++;
	}
	return c;
}

static int
csv_put(struct records_reader *r, struct csv_row *row, int c)
{
	char ch = (char)c;

	if (row->ncells >= row->maxcells)
		return 0;
	if (row->raw > RECORDS_MAX_LINE) {
		row->toolong = 1;
		return 0;
	}
	return records_vals_put(r, &row->vlen, &ch, 1);
}

static void
csv_cell_begin(struct csv_row *row)
{
	if (row->ncells < row->maxcells)
		row->off[row->ncells] = row->vlen;
}

static int
csv_cell_end(struct records_reader *r, struct csv_row *row)
{
	if (row->ncells < row->maxcells) {
		row->len[row->ncells] = row->vlen - row->off[row->ncells];
		if (records_vals_put(r, &row->vlen, "", 1) == -1)
			return -1;
	}
	row->ncells++;
	return 0;
}

/* Consumes the rest of the physical line after a syntax error at byte c. */
static void
csv_skip_line(struct records_reader *r, struct csv_row *row, int c)
{
	while (c != '\n' && c != EOF)
		c = csv_getc(r, row);
}

/*
 * Reads one row (skipping blank lines) into row.  Returns 1 with a row,
 * 0 at end of file, -1 on error.
 */
static int
csv_row_read(struct records_reader *r, struct csv_row *row, char *err,
    size_t errlen)
{
	uint64_t qline, ccol;
	size_t term = 0;
	int c;

	for (;;) {
		row->raw = 0;
		c = csv_getc(r, row);
		if (c == '\n')
			continue;
		if (c == '\r') {
			c = csv_getc(r, row);
			if (c == '\n')
				continue;
			if (c == EOF)
				return 0;
			cs_err(err, errlen, "line %llu, column 1: carriage "
			    "return not followed by a line feed",
			    (unsigned long long)r->line + 1);
			csv_skip_line(r, row, c);
			return -1;
		}
		break;
	}
	if (c == EOF)
		return 0;
	row->start = r->line + 1;

	for (;;) {
		csv_cell_begin(row);
		if (c == '"') {
			qline = r->line + 1;
			for (;;) {
				c = csv_getc(r, row);
				if (c == EOF) {
					cs_err(err, errlen, "line %llu: "
					    "unterminated quoted field",
					    (unsigned long long)qline);
					return -1;
				}
				if (c == '"') {
					c = csv_getc(r, row);
					if (c != '"')
						break;
				}
				if (csv_put(r, row, c) == -1)
					goto nomem;
			}
			if (c != ',' && c != '\n' && c != '\r' && c != EOF) {
				cs_err(err, errlen, "line %llu, column %llu: "
				    "expected ',' or end of line after a "
				    "closing quote",
				    (unsigned long long)r->line + 1,
				    (unsigned long long)row->col);
				csv_skip_line(r, row, c);
				return -1;
			}
		} else {
			while (c != ',' && c != '\n' && c != '\r' &&
			    c != EOF) {
				if (c == '"') {
					cs_err(err, errlen, "line %llu, "
					    "column %llu: quote in an unquoted "
					    "field (quote the whole field and "
					    "double the quote)",
					    (unsigned long long)r->line + 1,
					    (unsigned long long)row->col);
					csv_skip_line(r, row, c);
					return -1;
				}
				if (csv_put(r, row, c) == -1)
					goto nomem;
				c = csv_getc(r, row);
			}
		}
		if (csv_cell_end(r, row) == -1)
			goto nomem;
		if (c != ',')
			break;
		c = csv_getc(r, row);
	}

	if (c == '\r') {
		ccol = row->col;
		c = csv_getc(r, row);
		if (c != '\n' && c != EOF) {
			cs_err(err, errlen, "line %llu, column %llu: carriage "
			    "return not followed by a line feed",
			    (unsigned long long)r->line + 1,
			    (unsigned long long)ccol);
			csv_skip_line(r, row, c);
			return -1;
		}
		term = c == '\n' ? 2 : 1;
	} else if (c == '\n') {
		term = 1;
	}
	if (row->raw - term > RECORDS_MAX_LINE)
		row->toolong = 1;
	if (row->toolong) {
		cs_err(err, errlen, "line %llu: record longer than %d bytes",
		    (unsigned long long)row->start, RECORDS_MAX_LINE);
		return -1;
	}
	return 1;

nomem:
	cs_err(err, errlen, "line %llu: out of memory",
	    (unsigned long long)row->start);
	return -1;
}

/* Reads one row; turns a read error into a message.  As csv_row_read. */
static int
csv_row(struct records_reader *r, struct csv_row *row, char *err,
    size_t errlen)
{
	int rc;

	rc = csv_row_read(r, row, err, errlen);
	if (row->ioerr != 0) {
		cs_err(err, errlen, "line %llu: read error: %s",
		    (unsigned long long)r->line + 1, strerror(row->ioerr));
		return -1;
	}
	return rc;
}

/* Reads and checks the header line; the BOM, if any, is skipped. */
static int
csv_header(struct records_reader *r, char *err, size_t errlen)
{
	struct csv_row row;
	size_t i, j, total;
	int c, k, rc;

	memset(&row, 0, sizeof(row));
	row.maxcells = RECORDS_MAX_FIELDS;
	/* A BOM is three bytes; anything else read while looking for one is
	 * handed back to the row parser. */
	for (k = 0; k < 3; k++) {
		c = records_getc(r);
		if (c == EOF)
			break;
		row.pend[row.npend++] = (unsigned char)c;
		if (row.pend[k] != (unsigned char)UTF8_BOM[k])
			break;
	}
	if (row.npend == 3 && memcmp(row.pend, UTF8_BOM, 3) == 0)
		row.npend = 0;

	rc = csv_row(r, &row, err, errlen);
	if (rc == 0)
		cs_err(err, errlen, "line %llu: no header line",
		    (unsigned long long)r->line + 1);
	if (rc != 1)
		return -1;
	if (row.ncells > RECORDS_MAX_FIELDS) {
		cs_err(err, errlen, "line %llu: header has %zu fields, "
		    "more than %d", (unsigned long long)row.start, row.ncells,
		    RECORDS_MAX_FIELDS);
		return -1;
	}
	for (i = 0; i < row.ncells; i++) {
		if (row.len[i] == 0) {
			cs_err(err, errlen, "line %llu: header cell %zu is "
			    "empty", (unsigned long long)row.start, i + 1);
			return -1;
		}
		if (records_text_check((unsigned char *)r->vals + row.off[i],
		    row.len[i]) != 0) {
			cs_err(err, errlen, "line %llu: header cell %zu: "
			    "invalid UTF-8 or NUL byte",
			    (unsigned long long)row.start, i + 1);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(r->vals + row.off[i],
			    r->vals + row.off[j]) == 0) {
				cs_err(err, errlen, "line %llu: duplicate "
				    "field name \"%s\"",
				    (unsigned long long)row.start,
				    r->vals + row.off[i]);
				return -1;
			}
		}
	}
	total = row.vlen;
	r->names = malloc(total);
	if (r->names == NULL) {
		cs_err(err, errlen, "out of memory");
		return -1;
	}
	memcpy(r->names, r->vals, total);
	for (i = 0; i < row.ncells; i++)
		r->header[i] = r->names + row.off[i];
	r->ncols = row.ncells;
	return 0;
}

static int
csv_next(struct records_reader *r, struct records_record *rec, char *err,
    size_t errlen)
{
	struct csv_row row;
	size_t i;
	int rc, bad;

	memset(&row, 0, sizeof(row));
	row.maxcells = r->ncols;
	rc = csv_row(r, &row, err, errlen);
	if (rc != 1)
		return rc;
	if (row.ncells != r->ncols) {
		cs_err(err, errlen, "line %llu: expected %zu cells as in the "
		    "header, found %zu", (unsigned long long)row.start,
		    r->ncols, row.ncells);
		return -1;
	}
	rec->line = row.start;
	rec->nfields = 0;
	for (i = 0; i < row.ncells; i++) {
		if (row.len[i] == 0)
			continue;
		bad = records_text_check((unsigned char *)r->vals + row.off[i],
		    row.len[i]);
		if (bad != 0) {
			cs_err(err, errlen, "line %llu: field \"%s\": %s",
			    (unsigned long long)row.start, r->header[i],
			    bad == 1 ? "NUL byte" : "invalid UTF-8");
			return -1;
		}
		rec->fields[rec->nfields].name = r->header[i];
		rec->fields[rec->nfields].value = r->vals + row.off[i];
		rec->fields[rec->nfields].len = row.len[i];
		rec->nfields++;
	}
	return 1;
}

/* ------------------------------------------------------------- public */

static enum records_format
records_guess(const char *path)
{
	const char *dot, *slash;

	dot = strrchr(path, '.');
	slash = strrchr(path, '/');
	if (dot == NULL || (slash != NULL && dot < slash))
		return RECORDS_AUTO;
	if (strcasecmp(dot, ".csv") == 0)
		return RECORDS_CSV;
	if (strcasecmp(dot, ".jsonl") == 0 || strcasecmp(dot, ".ndjson") == 0 ||
	    strcasecmp(dot, ".json") == 0)
		return RECORDS_JSONL;
	return RECORDS_AUTO;
}

int
records_open(struct records_reader *r, const char *path,
    enum records_format format, char *err, size_t errlen)
{
	struct stat st;
	int fd = -1, rc = -1;

	memset(r, 0, sizeof(*r));
	if (format == RECORDS_AUTO) {
		format = records_guess(path);
		if (format == RECORDS_AUTO) {
			cs_err(err, errlen, "cannot tell the format of %s "
			    "from its name: expected .csv, .jsonl, .ndjson or "
			    ".json", path);
			goto done;
		}
	} else if (format != RECORDS_CSV && format != RECORDS_JSONL) {
		cs_err(err, errlen, "%s: unknown records format %d", path,
		    (int)format);
		goto done;
	}
	r->format = format;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		cs_err(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) == -1) {
		cs_err(err, errlen, "cannot stat %s: %s", path,
		    strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		cs_err(err, errlen, "cannot read %s: %s", path,
		    strerror(EISDIR));
		goto done;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0)
		r->total = (uint64_t)st.st_size;
	r->fp = fdopen(fd, "r");
	if (r->fp == NULL) {
		cs_err(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		goto done;
	}
	fd = -1;
	if (format == RECORDS_CSV && csv_header(r, err, errlen) == -1)
		goto done;
	rc = 0;

done:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		records_close(r);
	return rc;
}

int
records_open_stream(struct records_reader *r, FILE *fp,
    enum records_format format, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (format != RECORDS_CSV && format != RECORDS_JSONL) {
		cs_err(err, errlen, "unknown records format %d", (int)format);
		fclose(fp);
		return -1;
	}
	r->format = format;
	r->fp = fp;
	if (format == RECORDS_CSV && csv_header(r, err, errlen) == -1) {
		records_close(r);
		return -1;
	}
	return 0;
}

int
records_next(struct records_reader *r, struct records_record *rec,
    char *err, size_t errlen)
{
	rec->line = 0;
	rec->nfields = 0;
	if (r->fp == NULL) {
		cs_err(err, errlen, "records reader is not open");
		return -1;
	}
	if (r->format == RECORDS_CSV)
		return csv_next(r, rec, err, errlen);
	return records_jsonl_next(r, rec, err, errlen);
}

const struct records_field *
records_get(const struct records_record *rec, const char *name)
{
	size_t i;

	for (i = 0; i < rec->nfields; i++)
		if (strcmp(rec->fields[i].name, name) == 0)
			return &rec->fields[i];
	return NULL;
}

void
records_close(struct records_reader *r)
{
	if (r->fp != NULL)
		fclose(r->fp);
	free(r->buf);
	free(r->names);
	free(r->vals);
	memset(r, 0, sizeof(*r));
}
