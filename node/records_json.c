/*
 * records_json.c — the JSON Lines half of the records reader (records.h):
 * one JSON object per line, parsed strictly into a record.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courtsync/err.h"
#include "courtsync/utf8.h"
#include "records_int.h"

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
		c = records_getc(r);
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
	return records_vals_put(p->r, &p->vlen, u, n);
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
			if (records_vals_put(p->r, &p->vlen, &esc_out[e - esc_in],
			    1) == -1)
				goto nomem;
			p->i += 2;
			continue;
		}
		k = utf8_seq_len(p->s + p->i, p->n - p->i);
		if (k == 0)
			return json_fail(p, "invalid UTF-8 in string");
		if (records_vals_put(p->r, &p->vlen, p->s + p->i, k) == -1)
			goto nomem;
		p->i += k;
	}
	p->i++;
	if (records_vals_put(p->r, &p->vlen, "", 1) == -1)
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
	if (records_vals_put(p->r, &p->vlen, p->s + start, p->i - start) == -1 ||
	    records_vals_put(p->r, &p->vlen, "", 1) == -1)
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
			if (records_vals_put(p->r, &p->vlen, words[k], wl + 1) == -1)
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

int
records_jsonl_next(struct records_reader *r, struct records_record *rec,
    char *err, size_t errlen)
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

