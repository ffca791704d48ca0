/* records.c — streaming reader for CSV (RFC 4180) and JSON Lines exports. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "records.h"
#include "courtsync/codec.h"
#include "courtsync/utf8.h"

/*
 * Conventions: every function that can fail fills err and returns -1.
 * The file is read a byte at a time through stdio, so memory is bounded by
 * one record (RECORDS_MAX_LINE) whatever the file's size.  After a syntax
 * error the reader has consumed the offending line (CSV: the physical line
 * holding the error), so a caller that wants to list every bad line may keep
 * calling records_next.
 */

#define UTF8_BOM	"\xef\xbb\xbf"
#define BUF_MIN		4096

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

/* One JSON Lines line being parsed. */
struct json_line {
	struct records_reader	*r;
	const unsigned char	*s;
	size_t			 n;	/* bytes in s */
	size_t			 i;	/* next byte to look at */
	uint64_t		 line;
	size_t			 vlen;	/* bytes used in r->vals */
	char			*err;
	size_t			 errlen;
};

static int	json_fail(struct json_line *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Returns 0 if s is UTF-8 without NUL bytes, 1 if it holds a NUL, 2 if it
 * is not UTF-8. */
static int
text_check(const unsigned char *s, size_t n)
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

/* Appends n bytes to r->vals at *used, growing it; -1 when out of memory. */
static int
vals_put(struct records_reader *r, size_t *used, const void *p, size_t n)
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

static int
rd_getc(struct records_reader *r)
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
		c = rd_getc(r);
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
	return vals_put(r, &row->vlen, &ch, 1);
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
		if (vals_put(r, &row->vlen, "", 1) == -1)
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
		c = rd_getc(r);
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
		if (text_check((unsigned char *)r->vals + row.off[i],
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
		bad = text_check((unsigned char *)r->vals + row.off[i],
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

/* --------------------------------------------------------- JSON Lines */

/*
 * Reads one physical line into r->buf (without its '\n').  Keeps at most
 * RECORDS_MAX_LINE bytes; the rest of a longer line is consumed and
 * *toolong set.  Returns 1 with a line, 0 at end of file, -1 on a read
 * error (errno set).
 */
static int
jsonl_read_line(struct records_reader *r, size_t *lenp, int *toolong)
{
	size_t n = 0, ncap;
	char *nb;
	int c, any = 0;

	*toolong = 0;
	for (;;) {
		c = rd_getc(r);
		if (c == EOF || c == '\n')
			break;
		any = 1;
		if (n >= RECORDS_MAX_LINE) {
			*toolong = 1;
			continue;
		}
		if (n + 1 >= r->cap) {
			ncap = r->cap == 0 ? BUF_MIN : r->cap * 2;
			if (ncap > RECORDS_MAX_LINE + 1)
				ncap = RECORDS_MAX_LINE + 1;
			nb = realloc(r->buf, ncap);
			if (nb == NULL) {
				errno = ENOMEM;
				return -1;
			}
			r->buf = nb;
			r->cap = ncap;
		}
		r->buf[n++] = (char)c;
	}
	if (c == EOF && ferror(r->fp))
		return -1;
	if (c == EOF && !any)
		return 0;
	r->line++;
	if (r->buf != NULL)
		r->buf[n] = '\0';
	*lenp = n;
	return 1;
}

static int
json_fail(struct json_line *p, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cs_err(p->err, p->errlen, "line %llu, column %zu: %s%s",
	    (unsigned long long)p->line, p->i + 1, what,
	    p->i >= p->n ? ", found end of line" : "");
	return -1;
}

static int
json_is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
json_ws(struct json_line *p)
{
	while (p->i < p->n && json_is_ws(p->s[p->i]))
		p->i++;
}

static int
json_hex4(const unsigned char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;
	size_t k;
	int d;

	if (n < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		if (s[k] >= '0' && s[k] <= '9')
			d = s[k] - '0';
		else if (s[k] >= 'a' && s[k] <= 'f')
			d = s[k] - 'a' + 10;
		else if (s[k] >= 'A' && s[k] <= 'F')
			d = s[k] - 'A' + 10;
		else
			return -1;
		v = v * 16 + (unsigned long)d;
	}
	*out = v;
	return 0;
}

/* Parses the \u escape at p->i (the backslash) into *cp, pairing
 * surrogates. */
static int
json_unicode(struct json_line *p, unsigned long *cp)
{
	unsigned long hi, lo;

	if (json_hex4(p->s + p->i + 2, p->n - p->i - 2, &hi) == -1)
		return json_fail(p, "invalid \\u escape: expected four hex "
		    "digits");
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return json_fail(p, "lone surrogate \\u%04lx", hi);
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (p->n - p->i < 12 || p->s[p->i + 6] != '\\' ||
		    p->s[p->i + 7] != 'u' ||
		    json_hex4(p->s + p->i + 8, 4, &lo) == -1 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return json_fail(p, "lone surrogate \\u%04lx", hi);
		*cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
		p->i += 12;
		return 0;
	}
	if (hi == 0)
		return json_fail(p, "\\u0000 is not supported");
	*cp = hi;
	p->i += 6;
	return 0;
}

static int
json_put_cp(struct json_line *p, unsigned long cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return vals_put(p->r, &p->vlen, u, n);
}

/* Parses the string at p->i (its opening quote), unescaped into r->vals at
 * *off, NUL-terminated. */
static int
json_string(struct json_line *p, size_t *off)
{
	static const char esc_in[] = "\"\\/bfnrt";
	static const char esc_out[] = "\"\\/\b\f\n\r\t";
	const char *e;
	unsigned long cp = 0;
	size_t open = p->i, k;
	unsigned char c;

	*off = p->vlen;
	p->i++;
	for (;;) {
		if (p->i >= p->n) {
			p->i = open;
			return json_fail(p, "unterminated string");
		}
		c = p->s[p->i];
		if (c == '"')
			break;
		if (c < 0x20)
			return json_fail(p, "control character 0x%02x in "
			    "string (escape it)", c);
		if (c == '\\') {
			if (p->i + 1 >= p->n) {
				p->i = open;
				return json_fail(p, "unterminated string");
			}
			if (p->s[p->i + 1] == 'u') {
				if (json_unicode(p, &cp) == -1)
					return -1;
				if (json_put_cp(p, cp) == -1)
					goto nomem;
				continue;
			}
			e = p->s[p->i + 1] == '\0' ? NULL :
			    strchr(esc_in, p->s[p->i + 1]);
			if (e == NULL)
				return json_fail(p, "invalid escape");
			if (vals_put(p->r, &p->vlen, &esc_out[e - esc_in],
			    1) == -1)
				goto nomem;
			p->i += 2;
			continue;
		}
		k = utf8_seq_len(p->s + p->i, p->n - p->i);
		if (k == 0)
			return json_fail(p, "invalid UTF-8 in string");
		if (vals_put(p->r, &p->vlen, p->s + p->i, k) == -1)
			goto nomem;
		p->i += k;
	}
	p->i++;
	if (vals_put(p->r, &p->vlen, "", 1) == -1)
		goto nomem;
	return 0;

nomem:
	return json_fail(p, "out of memory");
}

static int
json_digit(const struct json_line *p)
{
	return p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

/* Parses a number (RFC 8259 grammar) at p->i, kept as its source text. */
static int
json_number(struct json_line *p, size_t *off)
{
	size_t start = p->i;
	unsigned char c;

	if (p->s[p->i] == '-')
		p->i++;
	if (!json_digit(p))
		return json_fail(p, "invalid number: expected a digit");
	if (p->s[p->i] == '0') {
		p->i++;
	} else {
		while (json_digit(p))
			p->i++;
	}
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (!json_digit(p))
			return json_fail(p, "invalid number: expected a "
			    "digit after '.'");
		while (json_digit(p))
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!json_digit(p))
			return json_fail(p, "invalid number: expected a "
			    "digit in the exponent");
		while (json_digit(p))
			p->i++;
	}
	if (p->i < p->n) {
		c = p->s[p->i];
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '.' || c == '+' ||
		    c == '-')
			return json_fail(p, "invalid number");
	}
	*off = p->vlen;
	if (vals_put(p->r, &p->vlen, p->s + start, p->i - start) == -1 ||
	    vals_put(p->r, &p->vlen, "", 1) == -1)
		return json_fail(p, "out of memory");
	return 0;
}

/* Matches true, false or null at p->i; *off is left alone for null. */
static int
json_literal(struct json_line *p, size_t *off, int *isnull)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t k, wl;
	unsigned char c;

	for (k = 0; k < 3; k++) {
		wl = strlen(words[k]);
		if (p->n - p->i < wl || memcmp(p->s + p->i, words[k], wl) != 0)
			continue;
		if (p->n - p->i > wl) {
			c = p->s[p->i + wl];
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9'))
				continue;
		}
		*isnull = k == 2;
		if (k != 2) {
			*off = p->vlen;
			if (vals_put(p->r, &p->vlen, words[k], wl + 1) == -1)
				return json_fail(p, "out of memory");
		}
		p->i += wl;
		return 0;
	}
	return json_fail(p, "expected a value");
}

/* Parses a value for key at p->i; *off is SIZE_MAX for null. */
static int
json_value(struct json_line *p, const char *key, size_t *off)
{
	int isnull = 0;
	unsigned char c;

	if (p->i >= p->n)
		return json_fail(p, "expected a value");
	c = p->s[p->i];
	if (c == '{' || c == '[') {
		cs_err(p->err, p->errlen, "line %llu: field \"%s\": nested "
		    "objects and arrays are not supported",
		    (unsigned long long)p->line, key);
		return -1;
	}
	if (c == '"')
		return json_string(p, off);
	if (c == '-' || (c >= '0' && c <= '9'))
		return json_number(p, off);
	if (json_literal(p, off, &isnull) == -1)
		return -1;
	if (isnull)
		*off = SIZE_MAX;
	return 0;
}

/* Parses one line holding one flat object into rec. */
static int
json_object(struct json_line *p, struct records_record *rec)
{
	size_t key[RECORDS_MAX_FIELDS], val[RECORDS_MAX_FIELDS];
	size_t nkeys = 0, k, kcol;
	const char *name;

	json_ws(p);
	if (p->i >= p->n || p->s[p->i] != '{')
		return json_fail(p, "expected '{'");
	p->i++;
	json_ws(p);
	if (p->i < p->n && p->s[p->i] == '}') {
		p->i++;
		goto end;
	}
	for (;;) {
		if (p->i >= p->n || p->s[p->i] != '"')
			return json_fail(p, "expected a field name");
		if (nkeys == RECORDS_MAX_FIELDS)
			return json_fail(p, "more than %d fields",
			    RECORDS_MAX_FIELDS);
		kcol = p->i;
		if (json_string(p, &key[nkeys]) == -1)
			return -1;
		name = p->r->vals + key[nkeys];
		if (*name == '\0') {
			p->i = kcol;
			return json_fail(p, "empty field name");
		}
		for (k = 0; k < nkeys; k++) {
			if (strcmp(p->r->vals + key[k], name) == 0) {
				p->i = kcol;
				return json_fail(p, "duplicate field \"%s\"",
				    name);
			}
		}
		json_ws(p);
		if (p->i >= p->n || p->s[p->i] != ':')
			return json_fail(p, "expected ':'");
		p->i++;
		json_ws(p);
		if (json_value(p, name, &val[nkeys]) == -1)
			return -1;
		nkeys++;
		json_ws(p);
		if (p->i < p->n && p->s[p->i] == '}') {
			p->i++;
			break;
		}
		if (p->i >= p->n || p->s[p->i] != ',')
			return json_fail(p, "expected ',' or '}'");
		p->i++;
		json_ws(p);
		if (p->i < p->n && p->s[p->i] == '}')
			return json_fail(p, "trailing comma before '}'");
	}
end:
	json_ws(p);
	if (p->i < p->n)
		return json_fail(p, "unexpected data after the object");

	/* r->vals may have moved while growing: pointers only now. */
	rec->line = p->line;
	rec->nfields = 0;
	for (k = 0; k < nkeys; k++) {
		if (val[k] == SIZE_MAX)
			continue;
		rec->fields[rec->nfields].name = p->r->vals + key[k];
		rec->fields[rec->nfields].value = p->r->vals + val[k];
		rec->fields[rec->nfields].len = strlen(p->r->vals + val[k]);
		rec->nfields++;
	}
	return 0;
}

static int
jsonl_next(struct records_reader *r, struct records_record *rec, char *err,
    size_t errlen)
{
	struct json_line p;
	size_t n = 0, start, k;
	int rc, toolong;

	for (;;) {
		rc = jsonl_read_line(r, &n, &toolong);
		if (rc == -1) {
			cs_err(err, errlen, "line %llu: read error: %s",
			    (unsigned long long)r->line + 1, strerror(errno));
			return -1;
		}
		if (rc == 0)
			return 0;
		if (toolong) {
			cs_err(err, errlen, "line %llu: record longer than "
			    "%d bytes", (unsigned long long)r->line,
			    RECORDS_MAX_LINE);
			return -1;
		}
		start = 0;
		if (r->line == 1 && n >= 3 && memcmp(r->buf, UTF8_BOM, 3) == 0)
			start = 3;
		for (k = start; k < n; k++)
			if (!json_is_ws((unsigned char)r->buf[k]))
				break;
		if (k < n)
			break;
	}

	memset(&p, 0, sizeof(p));
	p.r = r;
	p.s = (const unsigned char *)r->buf;
	p.n = n;
	p.i = start;
	p.line = r->line;
	p.err = err;
	p.errlen = errlen;
	if (json_object(&p, rec) == -1)
		return -1;
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
	return jsonl_next(r, rec, err, errlen);
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
