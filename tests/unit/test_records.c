/* test_records.c — unit tests for the CSV / JSON Lines record reader. */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "records.h"
#include "harness.h"

static char	tmpdir[64];
static char	path[256];

/* Writes a fixture named name holding n bytes of data; returns its path
 * (a static buffer), or NULL when the file cannot be written. */
static const char *
fixture(const char *name, const void *data, size_t n)
{
	FILE *fp = NULL;
	const char *ret = NULL;

	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_records.XXXXXX");
		if (mkdtemp(tmpdir) == NULL) {
			tmpdir[0] = '\0';
			goto done;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	if (fp == NULL)
		goto done;
	if (fwrite(data, 1, n, fp) != n)
		goto done;
	ret = path;

done:
	if (fp != NULL && fclose(fp) != 0)
		ret = NULL;
	if (ret == NULL)
		harness_fail(__FILE__, __LINE__, "cannot write fixture");
	return ret;
}

/* Writes text to a fixture and opens it; the file is unlinked at once
 * (the open reader keeps it readable). */
static int
open_text(struct records_reader *r, const char *name, const char *text,
    enum records_format fmt, char *err, size_t errlen)
{
	const char *p;
	int rc;

	memset(r, 0, sizeof(*r));
	p = fixture(name, text, strlen(text));
	if (p == NULL)
		return -1;
	rc = records_open(r, p, fmt, err, errlen);
	unlink(p);
	return rc;
}

static const char *
val(const struct records_record *rec, const char *name)
{
	const struct records_field *f;

	f = records_get(rec, name);
	return f == NULL ? "(absent)" : f->value;
}

/* Opens text, expects records_next to fail on its first record with err
 * containing want. */
static void
expect_fail(const char *name, const char *text, const char *want)
{
	struct records_reader r;
	struct records_record rec;
	char err[512] = "";

	if (open_text(&r, name, text, RECORDS_AUTO, err, sizeof(err)) != 0) {
		CHECK_ERR(err, want);
		return;
	}
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), -1);
	CHECK_ERR(err, want);
	records_close(&r);
}

/* ---------------------------------------------------------------- CSV */

static void
test_csv_quoting(void)
{
	struct records_reader r;
	struct records_record rec;
	char err[256] = "";

	CHECK_EQ_INT(open_text(&r, "q.csv",
	    "case,party,note\n"
	    "(2024)甘1202执1号,\"Zhang, San\",plain\n"
	    "c2,\"say \"\"hi\"\"\",\"two\nlines\"\n"
	    "c3,x,\"\"\"\"\n", RECORDS_AUTO, err, sizeof(err)), 0);
	CHECK_EQ_INT(r.format, RECORDS_CSV);
	CHECK_EQ_INT(r.ncols, 3);

	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 2);
	CHECK_EQ_INT(rec.nfields, 3);
	CHECK_STR(val(&rec, "case"), "(2024)甘1202执1号");
	CHECK_EQ_INT(records_get(&rec, "case")->len,
	    strlen("(2024)甘1202执1号"));
	CHECK_STR(val(&rec, "party"), "Zhang, San");
	CHECK_STR(val(&rec, "note"), "plain");

	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 3);
	CHECK_STR(val(&rec, "party"), "say \"hi\"");
	CHECK_STR(val(&rec, "note"), "two\nlines");

	/* The embedded newline moved the next record to line 5. */
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 5);
	CHECK_STR(val(&rec, "note"), "\"");

	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 0);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 0);
	records_close(&r);
}

static void
test_csv_bom_crlf(void)
{
	struct records_reader r;
	struct records_record rec;
	char err[256] = "";

	CHECK_EQ_INT(open_text(&r, "bom.csv",
	    "\xef\xbb\xbf" "id,amount\r\n"
	    "1,12345.67\r\n"
	    "\r\n"
	    "2,\"a\r\nb\"\r\n", RECORDS_AUTO, err, sizeof(err)), 0);
	CHECK_STR(r.header[0], "id");
	CHECK_STR(r.header[1], "amount");
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 2);
	CHECK_STR(val(&rec, "id"), "1");
	CHECK_STR(val(&rec, "amount"), "12345.67");
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 4);
	/* Inside quotes the bytes are data, CR included. */
	CHECK_STR(val(&rec, "amount"), "a\r\nb");
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 0);
	records_close(&r);
}

static void
test_csv_bom_lookalike(void)
{
	struct records_reader r;
	char err[256] = "";

	/* U+F000 starts with the BOM's first byte but is no BOM. */
	CHECK_EQ_INT(open_text(&r, "look.csv", "\xef\x80\x80x,y\n1,2\n",
	    RECORDS_AUTO, err, sizeof(err)), 0);
	CHECK_STR(r.header[0], "\xef\x80\x80x");
	records_close(&r);

	/* Only part of a BOM, then the header: refused as invalid UTF-8. */
	expect_fail("half.csv", "\xef\xbb" "a,b\n", "line 1: header cell 1: "
	    "invalid UTF-8");
}

static void
test_csv_empty_absent(void)
{
	struct records_reader r;
	struct records_record rec;
	char err[256] = "";

	CHECK_EQ_INT(open_text(&r, "e.csv", "a,b,c\n,x,\n\"\",,\n",
	    RECORDS_AUTO, err, sizeof(err)), 0);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.nfields, 1);
	CHECK(records_get(&rec, "a") == NULL);
	CHECK_STR(val(&rec, "b"), "x");
	CHECK(records_get(&rec, "c") == NULL);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 3);
	CHECK_EQ_INT(rec.nfields, 0);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 0);
	records_close(&r);
}

static void
test_csv_blank_lines(void)
{
	struct records_reader r;
	struct records_record rec;
	char err[256] = "";

	CHECK_EQ_INT(open_text(&r, "b.csv", "\n\na,b\n\n1,2\n\n\n3,4",
	    RECORDS_AUTO, err, sizeof(err)), 0);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 5);
	CHECK_STR(val(&rec, "a"), "1");
	/* The last line has no line end. */
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 8);
	CHECK_STR(val(&rec, "b"), "4");
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 0);
	records_close(&r);
}

static void
test_csv_cell_count(void)
{
	struct records_reader r;
	struct records_record rec;
	char err[256] = "";

	CHECK_EQ_INT(open_text(&r, "n.csv", "a,b\n1,2\n1,2,3\n1\n5,6\n",
	    RECORDS_AUTO, err, sizeof(err)), 0);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), -1);
	CHECK_STR(err, "line 3: expected 2 cells as in the header, found 3");
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), -1);
	CHECK_STR(err, "line 4: expected 2 cells as in the header, found 1");
	/* The reader carries on at the next line. */
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 5);
	CHECK_STR(val(&rec, "b"), "6");
	records_close(&r);
}

static void
test_csv_syntax_errors(void)
{
	expect_fail("u.csv", "a,b\n1,\"open\nstill open\n",
	    "line 2: unterminated quoted field");
	expect_fail("u2.csv", "a,b\n3,\"x", "line 2: unterminated quoted field");
	expect_fail("qq.csv", "a,b\n1,x\"y\n",
	    "line 2, column 4: quote in an unquoted field");
	expect_fail("aq.csv", "a,b\n1,\"x\"y\n",
	    "line 2, column 6: expected ',' or end of line after a "
	    "closing quote");
	expect_fail("cr.csv", "a,b\n1,2\r3\n",
	    "line 2, column 4: carriage return not followed by a line feed");
	expect_fail("bad8.csv", "a,b\n1,\xc3\x28\n",
	    "line 2: field \"b\": invalid UTF-8");
}

static void
test_csv_unterminated_at_eof(void)
{
	struct records_reader r;
	struct records_record rec;
	char err[256] = "";

	CHECK_EQ_INT(open_text(&r, "ueof.csv", "a,b\n1,2\n\n3,\"x,\ny",
	    RECORDS_AUTO, err, sizeof(err)), 0);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), -1);
	CHECK_STR(err, "line 4: unterminated quoted field");
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 0);
	records_close(&r);
}

static void
test_csv_nul_byte(void)
{
	struct records_reader r;
	struct records_record rec;
	const char text[] = "a,b\n1,x\0y\n";
	char err[256] = "";
	const char *p;

	p = fixture("nul.csv", text, sizeof(text) - 1);
	CHECK(p != NULL);
	if (p == NULL)
		return;
	CHECK_EQ_INT(records_open(&r, p, RECORDS_AUTO, err, sizeof(err)), 0);
	unlink(p);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), -1);
	CHECK_STR(err, "line 2: field \"b\": NUL byte");
	records_close(&r);
}

static void
test_csv_header(void)
{
	struct records_reader r;
	char err[256] = "";

	CHECK_EQ_INT(open_text(&r, "d.csv", "a,b,a\n1,2,3\n", RECORDS_AUTO,
	    err, sizeof(err)), -1);
	CHECK_STR(err, "line 1: duplicate field name \"a\"");
	CHECK(r.fp == NULL && r.vals == NULL);

	CHECK_EQ_INT(open_text(&r, "d2.csv", "\na,,c\n", RECORDS_AUTO,
	    err, sizeof(err)), -1);
	CHECK_STR(err, "line 2: header cell 2 is empty");

	CHECK_EQ_INT(open_text(&r, "d3.csv", "\n\n", RECORDS_AUTO,
	    err, sizeof(err)), -1);
	CHECK_STR(err, "line 3: no header line");

	CHECK_EQ_INT(open_text(&r, "d4.csv", "\"a,b\",\"c\"\"\"\n1,2\n",
	    RECORDS_AUTO, err, sizeof(err)), 0);
	CHECK_EQ_INT(r.ncols, 2);
	CHECK_STR(r.header[0], "a,b");
	CHECK_STR(r.header[1], "c\"");
	records_close(&r);
}

static void
test_csv_too_many_fields(void)
{
	struct records_reader r;
	char text[1024], err[256] = "";
	size_t n = 0;
	int i;

	for (i = 0; i <= RECORDS_MAX_FIELDS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%sf%d",
		    i == 0 ? "" : ",", i);
	snprintf(text + n, sizeof(text) - n, "\n");
	CHECK_EQ_INT(open_text(&r, "wide.csv", text, RECORDS_AUTO, err,
	    sizeof(err)), -1);
	CHECK_STR(err, "line 1: header has 65 fields, more than 64");
}

/* Writes a file of a header "a" and a record of len bytes of 'x' (quoted
 * when quoted is set), then "y". */
static const char *
long_fixture(const char *name, size_t len, int quoted, const char *head,
    const char *tail)
{
	const char *p;
	char *text;
	size_t n = 0, hl = strlen(head), tl = strlen(tail);

	text = malloc(hl + len + tl + 4);
	if (text == NULL)
		return NULL;
	memcpy(text, head, hl);
	n = hl;
	if (quoted)
		text[n++] = '"';
	memset(text + n, 'x', len);
	n += len;
	if (quoted)
		text[n++] = '"';
	memcpy(text + n, tail, tl);
	n += tl;
	p = fixture(name, text, n);
	free(text);
	return p;
}

static void
test_csv_too_long(void)
{
	struct records_reader r;
	struct records_record rec;
	char err[256] = "";
	const char *p;

	/* The quotes count: MAX - 1 bytes of data make a MAX + 1 record. */
	p = long_fixture("long.csv", RECORDS_MAX_LINE - 1, 1, "a\n",
	    "\nshort\n");
	CHECK(p != NULL);
	if (p == NULL)
		return;
	CHECK_EQ_INT(records_open(&r, p, RECORDS_AUTO, err, sizeof(err)), 0);
	unlink(p);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), -1);
	CHECK_STR(err, "line 2: record longer than 1048576 bytes");
	CHECK(r.valcap <= 2 * RECORDS_MAX_LINE + 64);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 3);
	CHECK_STR(val(&rec, "a"), "short");
	records_close(&r);

	/* Exactly the cap is fine (the line end is not counted). */
	p = long_fixture("max.csv", RECORDS_MAX_LINE, 0, "a\r\n", "\r\n");
	CHECK(p != NULL);
	if (p == NULL)
		return;
	CHECK_EQ_INT(records_open(&r, p, RECORDS_AUTO, err, sizeof(err)), 0);
	unlink(p);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.fields[0].len, RECORDS_MAX_LINE);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 0);
	records_close(&r);
}

/* --------------------------------------------------------- JSON Lines */

static void
test_jsonl_strings(void)
{
	struct records_reader r;
	struct records_record rec;
	char err[256] = "";

	CHECK_EQ_INT(open_text(&r, "s.jsonl",
	    "{\"esc\": \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\", "
	    "\"gan\":\"\\u7518\", \"smile\":\"\\ud83d\\ude00\","
	    "\"raw\":\"(2024)甘1202执1号\",\"UP\":\"\\u00E9\"}\n",
	    RECORDS_AUTO, err, sizeof(err)), 0);
	CHECK_EQ_INT(r.format, RECORDS_JSONL);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 1);
	CHECK_EQ_INT(rec.nfields, 5);
	CHECK_STR(val(&rec, "esc"), "q\" b\\ s/ \b\f\n\r\t");
	CHECK_STR(val(&rec, "gan"), "甘");
	CHECK_STR(val(&rec, "gan"), "\xe7\x94\x98");
	CHECK_STR(val(&rec, "smile"), "\xf0\x9f\x98\x80");
	CHECK_EQ_INT(records_get(&rec, "smile")->len, 4);
	CHECK_STR(val(&rec, "raw"), "(2024)甘1202执1号");
	CHECK_STR(val(&rec, "UP"), "\xc3\xa9");
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 0);
	records_close(&r);
}

static void
test_jsonl_values(void)
{
	struct records_reader r;
	struct records_record rec;
	char err[256] = "";

	CHECK_EQ_INT(open_text(&r, "v.ndjson",
	    "{\"a\":12345.67,\"b\":-0,\"c\":1E+10,\"d\":0.5e-3,\"e\":"
	    "123456789012345678901234567890,\"t\":true,\"f\":false,"
	    "\"n\":null}\r\n"
	    " \t{ } \n",
	    RECORDS_AUTO, err, sizeof(err)), 0);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.nfields, 7);
	CHECK_STR(val(&rec, "a"), "12345.67");
	CHECK_STR(val(&rec, "b"), "-0");
	CHECK_STR(val(&rec, "c"), "1E+10");
	CHECK_STR(val(&rec, "d"), "0.5e-3");
	CHECK_STR(val(&rec, "e"), "123456789012345678901234567890");
	CHECK_STR(val(&rec, "t"), "true");
	CHECK_STR(val(&rec, "f"), "false");
	CHECK(records_get(&rec, "n") == NULL);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 2);
	CHECK_EQ_INT(rec.nfields, 0);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 0);
	records_close(&r);
}

static void
test_jsonl_bad_numbers(void)
{
	expect_fail("n1.jsonl", "{\"a\":01}", "line 1, column 7: invalid "
	    "number");
	expect_fail("n2.jsonl", "{\"a\":1.}", "line 1, column 8: invalid "
	    "number: expected a digit after '.'");
	expect_fail("n3.jsonl", "{\"a\":.5}", "line 1, column 6: expected "
	    "a value");
	expect_fail("n4.jsonl", "{\"a\":-}", "line 1, column 7: invalid "
	    "number: expected a digit");
	expect_fail("n5.jsonl", "{\"a\":1e}", "line 1, column 8: invalid "
	    "number: expected a digit in the exponent");
	expect_fail("n6.jsonl", "{\"a\":+1}", "line 1, column 6: expected "
	    "a value");
	expect_fail("n7.jsonl", "{\"a\":1x}", "line 1, column 7: invalid "
	    "number");
	expect_fail("n8.jsonl", "{\"a\":NaN}", "expected a value");
	expect_fail("n9.jsonl", "{\"a\":truex}", "line 1, column 6: expected "
	    "a value");
	expect_fail("n10.jsonl", "{\"a\":1 2}", "line 1, column 8: expected "
	    "',' or '}'");
}

static void
test_jsonl_refused(void)
{
	expect_fail("nest.jsonl", "{\"a\":1,\"party\":{\"x\":1}}",
	    "line 1: field \"party\": nested objects and arrays are not "
	    "supported");
	expect_fail("arr.jsonl", "{\"list\": [1]}",
	    "line 1: field \"list\": nested objects and arrays are not "
	    "supported");
	expect_fail("dup.jsonl", "{\"a\":1, \"a\":2}",
	    "line 1, column 9: duplicate field \"a\"");
	expect_fail("dupn.jsonl", "{\"a\":null,\"\\u0061\":2}",
	    "line 1, column 11: duplicate field \"a\"");
	expect_fail("tc.jsonl", "{\"a\":1,}",
	    "line 1, column 8: trailing comma before '}'");
	expect_fail("g.jsonl", "{\"a\":1} x",
	    "line 1, column 9: unexpected data after the object");
	expect_fail("g2.jsonl", "{\"a\":1}{\"b\":2}",
	    "line 1, column 8: unexpected data after the object");
	expect_fail("top.jsonl", "[1,2]", "line 1, column 1: expected '{'");
	expect_fail("open.jsonl", "{\"a\":1",
	    "line 1, column 7: expected ',' or '}', found end of line");
	expect_fail("colon.jsonl", "{\"a\" 1}",
	    "line 1, column 6: expected ':'");
	expect_fail("key.jsonl", "{a:1}",
	    "line 1, column 2: expected a field name");
	expect_fail("ekey.jsonl", "{\"\":1}",
	    "line 1, column 2: empty field name");
	expect_fail("str.jsonl", "{\"a\":\"abc}",
	    "line 1, column 6: unterminated string");
	expect_fail("ctl.jsonl", "{\"a\":\"x\ty\"}",
	    "line 1, column 8: control character 0x09 in string");
	expect_fail("esc.jsonl", "{\"a\":\"\\x\"}",
	    "line 1, column 7: invalid escape");
	expect_fail("uesc.jsonl", "{\"a\":\"\\u12g4\"}",
	    "line 1, column 7: invalid \\u escape");
	expect_fail("u0.jsonl", "{\"a\":\"\\u0000\"}",
	    "line 1, column 7: \\u0000 is not supported");
	expect_fail("single.jsonl", "{'a':1}",
	    "line 1, column 2: expected a field name");
}

static void
test_jsonl_utf8(void)
{
	/* Truncated, overlong, encoded surrogate, above U+10FFFF, stray
	 * continuation byte. */
	expect_fail("u1.jsonl", "{\"a\":\"x\xe7\x94\"}",
	    "line 1, column 8: invalid UTF-8 in string");
	expect_fail("u2.jsonl", "{\"a\":\"\xc0\xaf\"}",
	    "line 1, column 7: invalid UTF-8 in string");
	expect_fail("u3.jsonl", "{\"a\":\"\xed\xa0\x80\"}",
	    "line 1, column 7: invalid UTF-8 in string");
	expect_fail("u2b.jsonl", "{\"a\":\"\xe0\x80\xaf\"}",
	    "line 1, column 7: invalid UTF-8 in string");
	expect_fail("u4.jsonl", "{\"a\":\"\xf4\x90\x80\x80\"}",
	    "line 1, column 7: invalid UTF-8 in string");
	expect_fail("u5.jsonl", "{\"\x80\":1}",
	    "line 1, column 3: invalid UTF-8 in string");
	expect_fail("s1.jsonl", "{\"a\":\"\\ud83d\"}",
	    "line 1, column 7: lone surrogate \\ud83d");
	expect_fail("s2.jsonl", "{\"a\":\"\\ude00x\"}",
	    "line 1, column 7: lone surrogate \\ude00");
	expect_fail("s3.jsonl", "{\"a\":\"\\ud83d\\u0041\"}",
	    "line 1, column 7: lone surrogate \\ud83d");
	expect_fail("s4.jsonl", "{\"a\":\"\\ud83d\\ud83d\"}",
	    "line 1, column 7: lone surrogate \\ud83d");
}

static void
test_jsonl_lines(void)
{
	struct records_reader r;
	struct records_record rec;
	char err[256] = "";

	CHECK_EQ_INT(open_text(&r, "l.jsonl",
	    "\xef\xbb\xbf{\"n\":1}\n"
	    "\n"
	    "   \r\n"
	    "{\"n\":2}\n"
	    "{\"n\":3,}\n"
	    "\n"
	    "{\"n\":4}",
	    RECORDS_AUTO, err, sizeof(err)), 0);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 1);
	CHECK_STR(val(&rec, "n"), "1");
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 4);
	CHECK_STR(val(&rec, "n"), "2");
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), -1);
	CHECK_STR(err, "line 5, column 8: trailing comma before '}'");
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 7);
	CHECK_STR(val(&rec, "n"), "4");
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 0);
	CHECK_EQ_INT(r.bytes, r.total);
	CHECK(r.total > 0);
	records_close(&r);
}

static void
test_jsonl_too_long(void)
{
	struct records_reader r;
	struct records_record rec;
	char err[256] = "";
	const char *p;

	p = long_fixture("long.jsonl", RECORDS_MAX_LINE, 1, "{\"a\":",
	    "}\n{\"a\":\"short\"}\n");
	CHECK(p != NULL);
	if (p == NULL)
		return;
	CHECK_EQ_INT(records_open(&r, p, RECORDS_AUTO, err, sizeof(err)), 0);
	unlink(p);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), -1);
	CHECK_STR(err, "line 1: record longer than 1048576 bytes");
	CHECK(r.cap <= RECORDS_MAX_LINE + 1);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.line, 2);
	CHECK_STR(val(&rec, "a"), "short");
	records_close(&r);
}

static void
test_jsonl_many_fields(void)
{
	struct records_reader r;
	struct records_record rec;
	char text[2048], err[256] = "";
	size_t n = 0;
	int i;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "{");
	for (i = 0; i < RECORDS_MAX_FIELDS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "%s\"k%d\":%d", i == 0 ? "" : ",", i, i);
	snprintf(text + n, sizeof(text) - n, "}\n");
	CHECK_EQ_INT(open_text(&r, "m.jsonl", text, RECORDS_AUTO, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_EQ_INT(rec.nfields, RECORDS_MAX_FIELDS);
	CHECK_STR(val(&rec, "k63"), "63");
	records_close(&r);

	snprintf(text + n, sizeof(text) - n, ",\"k64\":1}\n");
	expect_fail("m2.jsonl", text, "more than 64 fields");
}

/* ------------------------------------------------------------- common */

static void
test_get(void)
{
	struct records_record rec;

	memset(&rec, 0, sizeof(rec));
	CHECK(records_get(&rec, "a") == NULL);
	rec.nfields = 2;
	rec.fields[0].name = "a";
	rec.fields[0].value = "1";
	rec.fields[0].len = 1;
	rec.fields[1].name = "ab";
	rec.fields[1].value = "2";
	rec.fields[1].len = 1;
	CHECK(records_get(&rec, "ab") == &rec.fields[1]);
	CHECK(records_get(&rec, "a") == &rec.fields[0]);
	CHECK(records_get(&rec, "A") == NULL);
	CHECK(records_get(&rec, "") == NULL);
}

static void
test_format_guess(void)
{
	struct records_reader r;
	struct records_record rec;
	char err[256] = "";

	CHECK_EQ_INT(open_text(&r, "g.JSON", "{\"a\":1}\n", RECORDS_AUTO,
	    err, sizeof(err)), 0);
	CHECK_EQ_INT(r.format, RECORDS_JSONL);
	records_close(&r);
	CHECK_EQ_INT(open_text(&r, "g.Csv", "a\n1\n", RECORDS_AUTO,
	    err, sizeof(err)), 0);
	CHECK_EQ_INT(r.format, RECORDS_CSV);
	records_close(&r);

	/* An explicit format wins over the name. */
	CHECK_EQ_INT(open_text(&r, "g.txt", "{\"a\":1}\n", RECORDS_JSONL,
	    err, sizeof(err)), 0);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_STR(val(&rec, "a"), "1");
	records_close(&r);

	CHECK_EQ_INT(records_open(&r, "/nonexistent/export.txt", RECORDS_AUTO,
	    err, sizeof(err)), -1);
	CHECK_STR(err, "cannot tell the format of /nonexistent/export.txt "
	    "from its name: expected .csv, .jsonl, .ndjson or .json");
	CHECK_EQ_INT(records_open(&r, "dir.csv/export", RECORDS_AUTO,
	    err, sizeof(err)), -1);
	CHECK_ERR(err, "cannot tell the format of dir.csv/export");
}

static void
test_open_errors(void)
{
	struct records_reader r;
	struct records_record rec;
	char want[512], err[256] = "";

	CHECK_EQ_INT(records_open(&r, "/nonexistent/x.csv", RECORDS_AUTO,
	    err, sizeof(err)), -1);
	CHECK_STR(err, "cannot open /nonexistent/x.csv: "
	    "No such file or directory");
	CHECK(r.fp == NULL);
	/* A failed open leaves a zeroed reader: closing it is harmless. */
	records_close(&r);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), -1);
	CHECK_STR(err, "records reader is not open");

	/* The fixture directory exists once a fixture has been written. */
	if (fixture("dummy.jsonl", "", 0) != NULL)
		unlink(path);
	snprintf(path, sizeof(path), "%s/sub.csv", tmpdir);
	CHECK(mkdir(path, 0700) == 0);
	CHECK_EQ_INT(records_open(&r, path, RECORDS_AUTO, err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "cannot read %s: Is a directory", path);
	CHECK_STR(err, want);
	rmdir(path);
}

static void
test_progress(void)
{
	struct records_reader r;
	struct records_record rec;
	const char *text = "a,b\n1,2\n3,4\n";
	char err[256] = "";
	int rc;

	CHECK_EQ_INT(open_text(&r, "p.csv", text, RECORDS_AUTO, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(r.total, strlen(text));
	CHECK_EQ_INT(r.bytes, 4);
	do {
		rc = records_next(&r, &rec, err, sizeof(err));
	} while (rc == 1);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(r.bytes, strlen(text));
	CHECK_EQ_INT(r.line, 3);
	records_close(&r);

	/* Empty JSON Lines file: no records, no error. */
	CHECK_EQ_INT(open_text(&r, "empty.jsonl", "", RECORDS_AUTO, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(r.total, 0);
	CHECK_EQ_INT(records_next(&r, &rec, err, sizeof(err)), 0);
	records_close(&r);
	records_close(&r);
}

/* Runs last: removes the fixture directory (every fixture is unlinked as
 * soon as it is opened). */
static void
test_zz_cleanup(void)
{
	if (tmpdir[0] != '\0')
		CHECK(rmdir(tmpdir) == 0);
}

const struct test tests[] = {
	{ "csv_quoting", test_csv_quoting },
	{ "csv_bom_crlf", test_csv_bom_crlf },
	{ "csv_bom_lookalike", test_csv_bom_lookalike },
	{ "csv_empty_absent", test_csv_empty_absent },
	{ "csv_blank_lines", test_csv_blank_lines },
	{ "csv_cell_count", test_csv_cell_count },
	{ "csv_syntax_errors", test_csv_syntax_errors },
	{ "csv_unterminated_at_eof", test_csv_unterminated_at_eof },
	{ "csv_nul_byte", test_csv_nul_byte },
	{ "csv_header", test_csv_header },
	{ "csv_too_many_fields", test_csv_too_many_fields },
	{ "csv_too_long", test_csv_too_long },
	{ "jsonl_strings", test_jsonl_strings },
	{ "jsonl_values", test_jsonl_values },
	{ "jsonl_bad_numbers", test_jsonl_bad_numbers },
	{ "jsonl_refused", test_jsonl_refused },
	{ "jsonl_utf8", test_jsonl_utf8 },
	{ "jsonl_lines", test_jsonl_lines },
	{ "jsonl_too_long", test_jsonl_too_long },
	{ "jsonl_many_fields", test_jsonl_many_fields },
	{ "get", test_get },
	{ "format_guess", test_format_guess },
	{ "open_errors", test_open_errors },
	{ "progress", test_progress },
	{ "zz_cleanup", test_zz_cleanup },
	{ NULL, NULL },
};
