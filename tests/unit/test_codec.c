/* test_codec.c — bounded buffers, the msgpack writer and reader, the entry
 * envelope (golden bytes computed by hand from the msgpack spec and
 * docs/FORMAT.md §2) and its refusals, court paths, JSON strings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courtsync/codec.h"
#include "courtsync/entry.h"
#include "courtsync/json.h"
#include "harness.h"

static char err[512];

/* ---- buffers ---- */

static void
test_buf_cap(void)
{
	struct buf b;

	buf_init(&b, 8);
	CHECK_EQ_INT(buf_append(&b, "hello", 5), 0);
	CHECK_EQ_INT(b.len, 5);
	/* 5 + 4 > 8: refused, buffer as it was. */
	CHECK_EQ_INT(buf_append(&b, "wxyz", 4), -1);
	CHECK_EQ_INT(b.len, 5);
	CHECK_MEM(b.p, "hello", 5);
	CHECK(b.cap <= 8);
	/* Exactly up to the cap is fine, one more byte is not. */
	CHECK_EQ_INT(buf_append(&b, "abc", 3), 0);
	CHECK_EQ_INT(b.len, 8);
	CHECK_MEM(b.p, "helloabc", 8);
	CHECK_EQ_INT(buf_append(&b, "!", 1), -1);
	CHECK_EQ_INT(b.len, 8);
	CHECK_MEM(b.p, "helloabc", 8);
	/* An empty append always succeeds. */
	CHECK_EQ_INT(buf_append(&b, "", 0), 0);
	CHECK_EQ_INT(b.len, 8);
	/* printf past the cap: refused, unchanged. */
	CHECK_EQ_INT(buf_printf(&b, "%d", 7), -1);
	CHECK_EQ_INT(b.len, 8);
	CHECK_MEM(b.p, "helloabc", 8);
	buf_reset(&b);
	CHECK_EQ_INT(b.len, 0);
	CHECK_EQ_INT(buf_printf(&b, "%s-%d", "ab", 12), 0);
	CHECK_EQ_INT(b.len, 5);
	CHECK_MEM(b.p, "ab-12", 5);
	CHECK_EQ_INT(buf_printf(&b, "%s", "0123"), -1);	/* 9 > 8 */
	CHECK_EQ_INT(b.len, 5);
	CHECK_MEM(b.p, "ab-12", 5);
	buf_free(&b);
	CHECK(b.p == NULL);
	CHECK_EQ_INT(b.len, 0);
}

/* buf_printf that exactly fills the cap is not "past max" and should work
 * like buf_append does. */
static void
test_buf_printf_exact_cap(void)
{
	struct buf b;

	buf_init(&b, 8);
	CHECK_EQ_INT(buf_append(&b, "hello", 5), 0);
	CHECK_EQ_INT(buf_printf(&b, "%s", "abc"), 0);
	CHECK_EQ_INT(b.len, 8);
	if (b.len == 8)
		CHECK_MEM(b.p, "helloabc", 8);
	buf_free(&b);
}

static void
test_buf_nocap(void)
{
	struct buf b;
	char chunk[1000];

	memset(&b, 0, sizeof(b));	/* zeroed: empty, no cap */
	memset(chunk, 'q', sizeof(chunk));
	for (int i = 0; i < 300; i++)
		CHECK_EQ_INT(buf_append(&b, chunk, sizeof(chunk)), 0);
	CHECK_EQ_INT(b.len, 300000);
	CHECK(b.p[0] == 'q' && b.p[299999] == 'q');
	buf_free(&b);
}

static void
test_strlcpy(void)
{
	char d[8];

	memset(d, 'x', sizeof(d));
	CHECK_EQ_INT(cs_strlcpy(d, "hello", 4), 5);
	CHECK_STR(d, "hel");
	CHECK_EQ_INT(d[4], 'x');	/* nothing written past cap */
	CHECK_EQ_INT(cs_strlcpy(d, "hello", 6), 5);
	CHECK_STR(d, "hello");
	CHECK_EQ_INT(cs_strlcpy(d, "hello", 5), 5);	/* >= cap: truncated */
	CHECK_STR(d, "hell");
	CHECK_EQ_INT(cs_strlcpy(d, "", sizeof(d)), 0);
	CHECK_STR(d, "");
	memset(d, 'x', sizeof(d));
	CHECK_EQ_INT(cs_strlcpy(d, "abc", 0), 3);	/* cap 0: no write */
	CHECK_EQ_INT(d[0], 'x');
	CHECK_EQ_INT(cs_strlcpy(d, "abc", 1), 3);
	CHECK_STR(d, "");
}

/* ---- msgpack writer and reader ---- */

static void
hexbuf(const char *hex, struct buf *out)
{
	size_t n = strlen(hex) / 2;
	unsigned char *tmp = malloc(n + 1);

	harness_hex(hex, tmp, n);
	buf_init(out, 0);
	CHECK_EQ_INT(buf_append(out, tmp, n), 0);
	free(tmp);
}

static void
check_bytes(const struct buf *b, const char *hex)
{
	struct buf want;

	hexbuf(hex, &want);
	CHECK_EQ_INT(b->len, want.len);
	if (b->len == want.len)
		CHECK_MEM(b->p, want.p, want.len);
	buf_free(&want);
}

static void
test_writer_shortest(void)
{
	static const struct {
		uint64_t	v;
		const char	*hex;
	} u[] = {
		{ 0, "00" }, { 127, "7f" }, { 128, "cc80" }, { 255, "ccff" },
		{ 256, "cd0100" }, { 65535, "cdffff" }, { 65536, "ce00010000" },
		{ 4294967295u, "ceffffffff" },
		{ 4294967296ull, "cf0000000100000000" },
		{ UINT64_MAX, "cfffffffffffffffff" },
	};
	struct codec_writer w;
	struct buf b;
	char s32[32];

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		buf_init(&b, 0);
		codec_writer_init(&w, &b);
		codec_put_uint(&w, u[i].v);
		CHECK_EQ_INT(w.failed, 0);
		check_bytes(&b, u[i].hex);
		buf_free(&b);
	}
	buf_init(&b, 0);
	codec_writer_init(&w, &b);
	codec_put_int(&w, -1);
	codec_put_int(&w, -32);
	codec_put_int(&w, -33);
	codec_put_int(&w, 5);
	codec_put_bool(&w, true);
	codec_put_bool(&w, false);
	codec_put_nil(&w);
	codec_put_map(&w, 2);
	codec_put_array(&w, 16);
	codec_put_cstr(&w, "");
	codec_put_bin(&w, "\x01\x02", 2);
	check_bytes(&b, "ffe0d0df05c3c2c082dc0010a0c4020102");
	buf_reset(&b);
	memset(s32, 'a', sizeof(s32));
	codec_put_str(&w, s32, 31);
	CHECK_EQ_INT(b.len, 32);
	CHECK_EQ_INT(b.p[0], 0xbf);
	buf_reset(&b);
	codec_put_str(&w, s32, 32);
	CHECK_EQ_INT(b.len, 34);
	CHECK_EQ_INT(b.p[0], 0xd9);
	CHECK_EQ_INT(b.p[1], 32);
	buf_free(&b);
}

static void
test_writer_cap(void)
{
	struct codec_writer w;
	struct buf b;

	buf_init(&b, 4);
	codec_writer_init(&w, &b);
	codec_put_uint(&w, 1);
	CHECK_EQ_INT(w.failed, 0);
	codec_put_cstr(&w, "abcdef");		/* does not fit */
	CHECK(w.failed);
	codec_put_uint(&w, 2);			/* would fit, but after failure */
	CHECK(w.failed);
	CHECK(b.len <= 4);
	CHECK(b.len == 0 || b.p[0] == 0x01);
	buf_free(&b);
}

static void
test_roundtrip(void)
{
	struct codec_writer w;
	struct buf b;
	struct codec_doc d = { 0 };
	struct codec_value root, k, v, e;
	uint8_t bin[40];

	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(i * 7);
	buf_init(&b, 0);
	codec_writer_init(&w, &b);
	codec_put_map(&w, 8);
	codec_put_cstr(&w, "u");
	codec_put_uint(&w, UINT64_MAX);
	codec_put_cstr(&w, "i");
	codec_put_int(&w, INT64_MIN);
	codec_put_cstr(&w, "s");
	codec_put_cstr(&w, "武都 \"x\"");
	codec_put_cstr(&w, "b");
	codec_put_bin(&w, bin, sizeof(bin));
	codec_put_cstr(&w, "t");
	codec_put_bool(&w, true);
	codec_put_cstr(&w, "n");
	codec_put_nil(&w);
	codec_put_cstr(&w, "a");
	codec_put_array(&w, 3);
	codec_put_uint(&w, 1);
	codec_put_uint(&w, 300);
	codec_put_int(&w, -2);
	codec_put_cstr(&w, "m");
	codec_put_map(&w, 0);
	CHECK_EQ_INT(w.failed, 0);

	CHECK_EQ_INT(codec_decode(&d, b.p, b.len, &root, err, sizeof(err)), 0);
	CHECK_EQ_INT(root.type, CODEC_MAP);
	CHECK_EQ_INT(root.n, 8);
	codec_map_at(&root, 0, &k, &v);
	CHECK(codec_str_eq(&k, "u"));
	CHECK_EQ_INT(v.type, CODEC_UINT);
	CHECK(v.u == UINT64_MAX);
	CHECK_EQ_INT(codec_map_get(&root, "i", &v), 1);
	CHECK_EQ_INT(v.type, CODEC_INT);
	CHECK(v.i == INT64_MIN);
	CHECK_EQ_INT(codec_map_get(&root, "s", &v), 1);
	CHECK(codec_str_eq(&v, "武都 \"x\""));
	CHECK(!codec_str_eq(&v, "武都"));
	CHECK_EQ_INT(codec_map_get(&root, "b", &v), 1);
	CHECK_EQ_INT(v.type, CODEC_BIN);
	CHECK_EQ_INT(v.n, sizeof(bin));
	CHECK_MEM(v.p, bin, sizeof(bin));
	CHECK_EQ_INT(codec_map_get(&root, "t", &v), 1);
	CHECK(v.type == CODEC_BOOL && v.b);
	CHECK_EQ_INT(codec_map_get(&root, "n", &v), 1);
	CHECK_EQ_INT(v.type, CODEC_NIL);
	CHECK_EQ_INT(codec_map_get(&root, "a", &v), 1);
	CHECK_EQ_INT(v.type, CODEC_ARRAY);
	CHECK_EQ_INT(v.n, 3);
	codec_array_at(&v, 1, &e);
	CHECK(e.type == CODEC_UINT && e.u == 300);
	codec_array_at(&v, 2, &e);
	CHECK(e.type == CODEC_INT && e.i == -2);
	CHECK_EQ_INT(codec_map_get(&root, "m", &v), 1);
	CHECK(v.type == CODEC_MAP && v.n == 0);
	CHECK_EQ_INT(codec_map_get(&root, "zz", &v), 0);
	CHECK_EQ_INT(codec_map_get(&e, "u", &v), 0);	/* not a map */

	/* The value as JSON. */
	{
		struct buf js;
		buf_init(&js, 0);
		CHECK_EQ_INT(json_put_value(&js, &root), 0);
		CHECK_EQ_INT(buf_append(&js, "", 1), 0);
		CHECK_STR((const char *)js.p, "{\"u\":18446744073709551615,"
		    "\"i\":-9223372036854775808,\"s\":\"武都 \\\"x\\\"\","
		    "\"b\":\"00070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9e0e7eef5fc030a11\","
		    "\"t\":true,\"n\":null,\"a\":[1,300,-2],\"m\":{}}");
		buf_free(&js);
	}
	codec_doc_free(&d);
	codec_doc_free(&d);	/* twice is fine */
	buf_free(&b);
}

static void
nested(struct buf *b, int arrays)
{
	buf_init(b, 0);
	for (int i = 0; i < arrays - 1; i++)
		CHECK_EQ_INT(buf_append(b, "\x91", 1), 0);
	CHECK_EQ_INT(buf_append(b, "\x90", 1), 0);
}

static void
test_decode_refusals(void)
{
	struct codec_doc d = { 0 };
	struct codec_value root;
	struct buf b;

	/* Truncated: a str of 5 with 3 bytes, a map missing its value. */
	CHECK_EQ_INT(codec_decode(&d, "\xa5" "abc", 4, &root, err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "truncated msgpack (4 bytes)");
	CHECK_EQ_INT(codec_decode(&d, "\x81\xa1" "a", 3, &root, err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "truncated msgpack");
	CHECK_EQ_INT(codec_decode(&d, "", 0, &root, err, sizeof(err)), -1);
	CHECK_ERR(err, "truncated msgpack (0 bytes)");
	/* Trailing bytes. */
	CHECK_EQ_INT(codec_decode(&d, "\x01\x02\x03", 3, &root, err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "2 trailing bytes after the msgpack object");
	/* Malformed: 0xc1 is never used. */
	CHECK_EQ_INT(codec_decode(&d, "\xc1", 1, &root, err, sizeof(err)), -1);
	CHECK_ERR(err, "malformed msgpack");
	/* Claims beyond the bytes: refused before anything is reserved (a
	 * map32 of 10^9 pairs in 5 bytes made msgpack-c reserve ~24 GiB). */
	CHECK_EQ_INT(codec_decode(&d, "\xdf\x3b\x9a\xca\x00", 5, &root, err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "msgpack map claims 1000000000 pairs but only 0 bytes"
	    " remain");
	CHECK_EQ_INT(codec_decode(&d, "\xdd\xff\xff\xff\xff\x01\x02", 7,
	    &root, err, sizeof(err)), -1);
	CHECK_ERR(err, "msgpack array claims 4294967295 elements but only 2"
	    " bytes remain");
	CHECK_EQ_INT(codec_decode(&d, "\x92\x82\x01\x02\x03", 5, &root, err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "msgpack map claims 2 pairs but only 3 bytes remain");
	CHECK_EQ_INT(codec_decode(&d, "\xdb\xff\xff\xff\xff" "ab", 7, &root,
	    err, sizeof(err)), -1);
	CHECK_ERR(err, "truncated msgpack (7 bytes)");
	CHECK_EQ_INT(codec_decode(&d, "\xc9\x00\x00\x00\x02\x05" "a", 7,
	    &root, err, sizeof(err)), -1);
	CHECK_ERR(err, "truncated msgpack (7 bytes)");
	CHECK_EQ_INT(codec_decode(&d, "\xc9\x00\x00\x00\x01\x05" "a", 7,
	    &root, err, sizeof(err)), 0);
	CHECK_EQ_INT(codec_decode(&d, "\xcd\x01", 2, &root, err, sizeof(err)),
	    -1);
	CHECK_ERR(err, "truncated msgpack (2 bytes)");
	CHECK_EQ_INT(codec_decode(&d, "\x82\x01\xcb\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\xa1" "k\xd6\x01\x00\x00\x00\x00", 19, &root, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT((int)root.n, 2);
	/* Depth: the innermost of 17 arrays is at depth 16: fine; 18 is not. */
	nested(&b, 17);
	CHECK_EQ_INT(codec_decode(&d, b.p, b.len, &root, err, sizeof(err)), 0);
	buf_free(&b);
	nested(&b, 18);
	CHECK_EQ_INT(codec_decode(&d, b.p, b.len, &root, err, sizeof(err)), -1);
	CHECK_ERR(err, "msgpack nested deeper than 16 levels");
	buf_free(&b);
	nested(&b, 40);
	CHECK_EQ_INT(codec_decode(&d, b.p, b.len, &root, err, sizeof(err)), -1);
	buf_free(&b);
	/* A scalar inside 17 arrays sits at depth 17. */
	buf_init(&b, 0);
	for (int i = 0; i < 17; i++)
		CHECK_EQ_INT(buf_append(&b, "\x91", 1), 0);
	CHECK_EQ_INT(buf_append(&b, "\x01", 1), 0);
	CHECK_EQ_INT(codec_decode(&d, b.p, b.len, &root, err, sizeof(err)), -1);
	CHECK_ERR(err, "deeper than 16");
	buf_free(&b);
	codec_doc_free(&d);
}

/* Freed documents' memory is reused: values of documents alive at once
 * stay distinct, and a big document's zone is cleared for the next. */
static void
test_decode_reuse(void)
{
	struct codec_doc d[6];
	struct codec_value root[6], v;
	struct codec_writer w;
	struct buf b;

	memset(d, 0, sizeof(d));
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 6; i++) {
			/* [round, i] */
			char msg[3] = { (char)0x92, (char)round, (char)i };

			CHECK_EQ_INT(codec_decode(&d[i], msg, 3, &root[i], err,
			    sizeof(err)), 0);
		}
		for (int i = 0; i < 6; i++) {
			CHECK_EQ_INT(root[i].type, CODEC_ARRAY);
			CHECK_EQ_INT(root[i].n, 2);
			codec_array_at(&root[i], 0, &v);
			CHECK_EQ_INT(v.u, round);
			codec_array_at(&root[i], 1, &v);
			CHECK_EQ_INT(v.u, i);
		}
		for (int i = 0; i < 6; i++)
			codec_doc_free(&d[i]);
	}
	/* 20,000 elements take several zone chunks; then a small one. */
	buf_init(&b, 0);
	codec_writer_init(&w, &b);
	codec_put_array(&w, 20000);
	for (uint32_t i = 0; i < 20000; i++)
		codec_put_uint(&w, i);
	CHECK_EQ_INT(codec_decode(&d[0], b.p, b.len, &root[0], err, sizeof(err)),
	    0);
	codec_array_at(&root[0], 19999, &v);
	CHECK_EQ_INT(v.u, 19999);
	codec_doc_free(&d[0]);
	CHECK_EQ_INT(codec_decode(&d[0], "\x91\x05", 2, &root[0], err,
	    sizeof(err)), 0);
	codec_array_at(&root[0], 0, &v);
	CHECK_EQ_INT(v.u, 5);
	codec_doc_free(&d[0]);
	buf_free(&b);
}

static void
test_json_str(void)
{
	struct buf b;

	buf_init(&b, 0);
	CHECK_EQ_INT(json_put_str(&b, "a\"b\\c\n\t\x01\x1f\x7f 武都/", 18), 0);
	CHECK_EQ_INT(buf_append(&b, "", 1), 0);
	CHECK_STR((const char *)b.p,
	    "\"a\\\"b\\\\c\\u000a\\u0009\\u0001\\u001f\\u007f 武都/\"");
	buf_reset(&b);
	CHECK_EQ_INT(json_put_str(&b, "a\0b", 3), 0);	/* NUL by length */
	CHECK_EQ_INT(buf_append(&b, "", 1), 0);
	CHECK_STR((const char *)b.p, "\"a\\u0000b\"");
	buf_reset(&b);
	CHECK_EQ_INT(json_put_str(&b, "", 0), 0);
	CHECK_EQ_INT(b.len, 2);
	CHECK_MEM(b.p, "\"\"", 2);
	buf_free(&b);
	/* Capped: refused. */
	buf_init(&b, 4);
	CHECK_EQ_INT(json_put_str(&b, "abcdef", 6), -1);
	buf_free(&b);
}

/* The one policy for bytes that are not UTF-8 (json.h): each byte that
 * does not start a well-formed sequence becomes U+FFFD; well-formed
 * sequences (2, 3 and 4 bytes) pass as they are. */
static void
test_json_str_utf8(void)
{
	static const struct {
		const char	*in;
		size_t		 n;
		const char	*out;
	} cases[] = {
		{ "\xc3\xa9\xe6\xad\xa6\xf0\x9f\x98\x80", 9,
		  "\"\xc3\xa9\xe6\xad\xa6\xf0\x9f\x98\x80\"" },
		{ "a\xff" "b", 3, "\"a\xef\xbf\xbd" "b\"" },		/* never UTF-8 */
		{ "\x80", 1, "\"\xef\xbf\xbd\"" },			/* lone continuation */
		{ "\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"" },	/* overlong '/' */
		{ "\xed\xa0\x80", 3,					/* surrogate */
		  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xe6\xad", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"" },	/* truncated */
		{ "\xf4\x90\x80\x80", 4,				/* > U+10FFFF */
		  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	};
	struct buf b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 0);
		CHECK_EQ_INT(json_put_str(&b, cases[i].in, cases[i].n), 0);
		CHECK_EQ_INT(buf_append(&b, "", 1), 0);
		CHECK_STR((const char *)b.p, cases[i].out);
		buf_free(&b);
	}
}

/* ---- entries ---- */

/* The golden entry: origin cn/gs, index 5, prev 32 x 0xab, time
 * 1719705600 (0x6680a000), type "x", body {"a": 1}. */
#define GOLDEN_HEX \
	"87" \
	"a176" "01" \
	"a66f726967696e" "a5636e2f6773" \
	"a5696e646578" "05" \
	"a470726576" "c420" \
	"abababababababababababababababababababababababababababababababab" \
	"a474696d65" "ce6680a000" \
	"a474797065" "a178" \
	"a4626f6479" "81a16101"

static void
test_entry_golden(void)
{
	struct entry e, d;
	struct buf b, want;

	memset(&e, 0, sizeof(e));
	strcpy(e.origin, "cn/gs");
	e.index = 5;
	memset(e.prev, 0xab, sizeof(e.prev));
	e.time = 1719705600;
	strcpy(e.type, "x");
	buf_init(&b, CS_ENTRY_MAX);
	CHECK_EQ_INT(entry_encode(&e, "\x81\xa1" "a\x01", 4, &b, err,
	    sizeof(err)), 0);
	hexbuf(GOLDEN_HEX, &want);
	CHECK_EQ_INT(b.len, want.len);
	if (b.len == want.len)
		CHECK_MEM(b.p, want.p, want.len);

	CHECK_EQ_INT(entry_decode(want.p, want.len, &d, err, sizeof(err)), 0);
	CHECK_EQ_INT(d.version, 1);
	CHECK_STR(d.origin, "cn/gs");
	CHECK_EQ_INT(d.index, 5);
	CHECK_MEM(d.prev, e.prev, CS_HASH_LEN);
	CHECK_EQ_INT(d.time, 1719705600);
	CHECK_STR(d.type, "x");
	CHECK_EQ_INT(d.bodylen, 4);
	CHECK(d.body == want.p + want.len - 4);
	CHECK_MEM(d.body, "\x81\xa1" "a\x01", 4);
	buf_free(&b);
	buf_free(&want);
}

static void
test_entry_roundtrip_big(void)
{
	struct entry e, d;
	struct buf b, body;
	struct codec_writer w;

	memset(&e, 0, sizeof(e));
	strcpy(e.origin, "cn/gs/ln/wudu");
	e.index = UINT64_MAX;
	e.time = 4294967296ull;
	strcpy(e.type, "case_filed");
	for (int i = 0; i < CS_HASH_LEN; i++)
		e.prev[i] = (uint8_t)i;
	buf_init(&body, 0);
	codec_writer_init(&w, &body);
	codec_put_map(&w, 1);
	codec_put_cstr(&w, "k");
	codec_put_array(&w, 2);
	codec_put_map(&w, 0);
	codec_put_str(&w, "0123456789012345678901234567890123456789", 40);
	buf_init(&b, CS_ENTRY_MAX);
	CHECK_EQ_INT(entry_encode(&e, body.p, body.len, &b, err, sizeof(err)), 0);
	CHECK_EQ_INT(entry_decode(b.p, b.len, &d, err, sizeof(err)), 0);
	CHECK_STR(d.origin, e.origin);
	CHECK(d.index == UINT64_MAX);
	CHECK(d.time == 4294967296ull);
	CHECK_STR(d.type, "case_filed");
	CHECK_MEM(d.prev, e.prev, CS_HASH_LEN);
	CHECK_EQ_INT(d.bodylen, body.len);
	CHECK_MEM(d.body, body.p, body.len);
	/* Every proper prefix is refused (and read within bounds). */
	for (size_t n = 0; n < b.len; n++) {
		unsigned char *cut = malloc(n + 1);
		memcpy(cut, b.p, n);
		if (entry_decode(cut, n, &d, err, sizeof(err)) != -1) {
			char m[64];
			snprintf(m, sizeof(m), "prefix of %zu bytes accepted", n);
			harness_fail(__FILE__, __LINE__, m);
		}
		free(cut);
	}
	buf_free(&b);
	buf_free(&body);
}

static void
test_entry_too_large(void)
{
	struct entry e;
	struct buf b;
	uint8_t *big = calloc(1, CS_ENTRY_MAX + 16);

	memset(&e, 0, sizeof(e));
	strcpy(e.origin, "cn");
	strcpy(e.type, "x");
	e.index = 9;
	buf_init(&b, CS_ENTRY_MAX);
	CHECK_EQ_INT(entry_encode(&e, big, CS_ENTRY_MAX, &b, err, sizeof(err)),
	    -1);
	CHECK_ERR(err, "entry 9: larger than 65536 bytes");
	CHECK_EQ_INT(entry_decode(big, CS_ENTRY_MAX + 1, &e, err, sizeof(err)),
	    -1);
	CHECK_ERR(err, "entry is 65537 bytes, over the 65536-byte limit");
	buf_free(&b);
	free(big);
}

/* Builds an envelope by hand with each part replaceable. */
struct env {
	const char	*head;		/* hex of the map header */
	const char	*k[7];		/* key names */
	const char	*v;		/* hex of the "v" value */
	const char	*origin;
	const char	*index;		/* hex */
	const char	*prev;		/* hex, header included */
	const char	*type;
	const char	*body;		/* hex */
	const char	*tail;		/* hex */
};

static void
env_default(struct env *x)
{
	static const char *const keys[7] = {
		"v", "origin", "index", "prev", "time", "type", "body"
	};
	memset(x, 0, sizeof(*x));
	x->head = "87";
	for (int i = 0; i < 7; i++)
		x->k[i] = keys[i];
	x->v = "01";
	x->origin = "cn/gs/ln/wudu";
	x->index = "03";
	x->prev = "c420"
	    "0000000000000000000000000000000000000000000000000000000000000000";
	x->type = "node_done";
	x->body = "81a16101";
	x->tail = "";
}

static void
put_hex(struct buf *b, const char *hex)
{
	struct buf t;

	hexbuf(hex, &t);
	CHECK_EQ_INT(buf_append(b, t.p, t.len), 0);
	buf_free(&t);
}

static void
env_build(const struct env *x, struct buf *b)
{
	struct codec_writer w;

	buf_init(b, 0);
	codec_writer_init(&w, b);
	put_hex(b, x->head);
	codec_put_cstr(&w, x->k[0]);
	put_hex(b, x->v);
	codec_put_cstr(&w, x->k[1]);
	codec_put_cstr(&w, x->origin);
	codec_put_cstr(&w, x->k[2]);
	put_hex(b, x->index);
	codec_put_cstr(&w, x->k[3]);
	put_hex(b, x->prev);
	codec_put_cstr(&w, x->k[4]);
	codec_put_uint(&w, 1719705600);
	codec_put_cstr(&w, x->k[5]);
	codec_put_cstr(&w, x->type);
	codec_put_cstr(&w, x->k[6]);
	put_hex(b, x->body);
	put_hex(b, x->tail);
}

static int
env_decode(const struct env *x)
{
	struct buf b;
	struct entry e;
	int r;

	env_build(x, &b);
	err[0] = '\0';
	r = entry_decode(b.p, b.len, &e, err, sizeof(err));
	buf_free(&b);
	return r;
}

static void
test_entry_refusals(void)
{
	struct env x;

	env_default(&x);
	CHECK_EQ_INT(env_decode(&x), 0);

	/* Not a fixmap of 7. */
	env_default(&x);
	x.head = "86";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "not a msgpack map of 7 keys");
	x.head = "de0007";		/* map 16 of 7: not the first byte 0x87 */
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "not a msgpack map of 7 keys");
	{
		struct entry e;
		CHECK_EQ_INT(entry_decode("", 0, &e, err, sizeof(err)), -1);
		CHECK_STR(err, "not a msgpack map of 7 keys");
	}

	/* Keys in the wrong order. */
	env_default(&x);
	x.k[0] = "origin";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 1 must be \"v\" with an unsigned integer");
	env_default(&x);
	x.k[2] = "prev";
	x.k[3] = "index";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 3 must be \"index\" with an unsigned integer");
	env_default(&x);
	x.k[5] = "body";
	x.k[6] = "type";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 6 must be \"type\" with a string of 1-31 bytes");
	env_default(&x);
	x.k[6] = "Body";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 7 must be \"body\"");

	/* Version. */
	env_default(&x);
	x.v = "02";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "unsupported format version 2");
	x.v = "cc01";			/* 1 as uint 8: any unsigned format */
	CHECK_EQ_INT(env_decode(&x), 0);
	x.v = "d001";			/* int 8: may hold negatives */
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 1 must be \"v\" with an unsigned integer");
	x.v = "ff";			/* -1 */
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 1 must be \"v\" with an unsigned integer");

	/* Index as int 8 is refused; as uint 64 accepted. */
	env_default(&x);
	x.index = "d003";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 3 must be \"index\" with an unsigned integer");
	x.index = "cf0000000000000003";
	CHECK_EQ_INT(env_decode(&x), 0);

	/* prev: 31 bytes, 33 bytes, bin 16 header, str. */
	env_default(&x);
	x.prev = "c41f"
	    "00000000000000000000000000000000000000000000000000000000000000";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 4 must be \"prev\" with a 32-byte bin");
	x.prev = "c521"
	    "000000000000000000000000000000000000000000000000000000000000000000";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 4 must be \"prev\" with a 32-byte bin");
	x.prev = "c50020"
	    "0000000000000000000000000000000000000000000000000000000000000000";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 4 must be \"prev\" with a 32-byte bin");
	x.prev = "d920"
	    "0000000000000000000000000000000000000000000000000000000000000000";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 4 must be \"prev\" with a 32-byte bin");

	/* type: upper case, digits, empty, 32 bytes. */
	env_default(&x);
	x.type = "Node_done";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "type must be lower-case ASCII letters and '_'");
	x.type = "node2";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "type must be lower-case ASCII letters and '_'");
	x.type = "";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 6 must be \"type\" with a string of 1-31 bytes");
	x.type = "abcdefghijklmnopqrstuvwxyzabcdef";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "key 6 must be \"type\" with a string of 1-31 bytes");
	x.type = "abcdefghijklmnopqrstuvwxyzabcde";
	CHECK_EQ_INT(env_decode(&x), 0);

	/* body: not a map, truncated, malformed, map 16 fine. */
	env_default(&x);
	x.body = "90";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "body must be a map");
	x.body = "a3616263";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "body must be a map");
	x.body = "";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "body must be a map");
	x.body = "82a16101a162";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "body is truncated or malformed msgpack");
	x.body = "81a161c1";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "body is truncated or malformed msgpack");
	x.body = "81a161c40a0102";		/* bin of 10 with 2 bytes */
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "body is truncated or malformed msgpack");
	x.body = "de0001a16101";
	CHECK_EQ_INT(env_decode(&x), 0);
	x.body = "80";
	CHECK_EQ_INT(env_decode(&x), 0);
	/* Body nesting: the body is level 1; 16 levels fine, 17 refused. */
	x.body = "81a161" "919191919191919191919191919190";	/* 15 arrays */
	CHECK_EQ_INT(env_decode(&x), 0);
	x.body = "81a161" "91919191919191919191919191919190"; /* 16 arrays */
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "body is truncated or malformed msgpack");

	/* Trailing bytes. */
	env_default(&x);
	x.tail = "0000";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "2 trailing bytes after the entry");
	x.tail = "c0";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "1 trailing bytes after the entry");

	/* Origin not a court path. */
	env_default(&x);
	x.origin = "CN/gs";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "origin is not a valid court path");
	x.origin = "cn//gs";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "origin is not a valid court path");
	x.origin = "";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "origin is not a valid court path");
	x.origin = "cn/gs/";
	CHECK_EQ_INT(env_decode(&x), -1);
	CHECK_STR(err, "origin is not a valid court path");
}

static void
test_entry_origin_nul(void)
{
	struct buf b;
	struct entry e;
	struct env x;

	/* An origin with an embedded NUL ("cn\0gs") must not pass as "cn". */
	env_default(&x);
	x.origin = "cn";
	env_build(&x, &b);
	/* origin str header is at offset 1 + 2 (key "v") + 1 (v) + 7 ("origin") */
	CHECK_EQ_INT(b.p[11], 0xa2);
	{
		struct buf c;
		buf_init(&c, 0);
		CHECK_EQ_INT(buf_append(&c, b.p, 11), 0);
		CHECK_EQ_INT(buf_append(&c, "\xa5" "cn\0gs", 6), 0);
		CHECK_EQ_INT(buf_append(&c, b.p + 14, b.len - 14), 0);
		CHECK_EQ_INT(entry_decode(c.p, c.len, &e, err, sizeof(err)), -1);
		CHECK_STR(err, "origin is not a valid court path");
		buf_free(&c);
	}
	buf_free(&b);
}

/* ---- court paths ---- */

static void
test_court_path(void)
{
	char p[200];

	CHECK(court_path_valid("cn"));
	CHECK(court_path_valid("cn/gs/ln/wudu"));
	CHECK(court_path_valid("a-b_c/0-9"));
	CHECK(!court_path_valid(""));
	CHECK(!court_path_valid("/"));
	CHECK(!court_path_valid("/cn"));
	CHECK(!court_path_valid("cn/"));
	CHECK(!court_path_valid("cn//gs"));
	CHECK(!court_path_valid("CN"));
	CHECK(!court_path_valid("cn/Gs"));
	CHECK(!court_path_valid("cn/g s"));
	CHECK(!court_path_valid("cn/g.s"));
	CHECK(!court_path_valid("cn/甘"));
	/* Segment 31 bytes fine, 32 not. */
	snprintf(p, sizeof(p), "cn/%s", "abcdefghijklmnopqrstuvwxyz01234");
	CHECK(court_path_valid(p));
	snprintf(p, sizeof(p), "cn/%s", "abcdefghijklmnopqrstuvwxyz012345");
	CHECK(!court_path_valid(p));
	/* 8 segments fine, 9 not. */
	CHECK(court_path_valid("a/b/c/d/e/f/g/h"));
	CHECK(!court_path_valid("a/b/c/d/e/f/g/h/i"));
	/* Total 127 bytes fine (4 x 31 + 3), 128 not (31 x 3 + 30 + 1 + 4). */
#define S31 "abcdefghijklmnopqrstuvwxyz01234"
#define S30 "abcdefghijklmnopqrstuvwxyz0123"
	snprintf(p, sizeof(p), "%s/%s/%s/%s", S31, S31, S31, S31);
	CHECK_EQ_INT(strlen(p), 127);
	CHECK(court_path_valid(p));
	snprintf(p, sizeof(p), "%s/%s/%s/%s/a", S31, S31, S31, S30);
	CHECK_EQ_INT(strlen(p), 128);
	CHECK(!court_path_valid(p));
#undef S31
#undef S30

	CHECK(court_path_covers("cn/gs", "cn/gs"));
	CHECK(court_path_covers("cn/gs", "cn/gs/ln"));
	CHECK(court_path_covers("cn/gs", "cn/gs/ln/wudu"));
	CHECK(court_path_covers("cn", "cn/gs"));
	CHECK(!court_path_covers("cn/gs", "cn/gsx"));
	CHECK(!court_path_covers("cn/gs", "cn/gsx/ln"));
	CHECK(!court_path_covers("cn/gs", "cn/g"));
	CHECK(!court_path_covers("cn/gs", "cn"));
	CHECK(!court_path_covers("cn/gs/ln", "cn/gs"));
	CHECK(!court_path_covers("cn/gs", "cn/sc/gs"));
	CHECK(!court_path_covers("cn", "cnx"));
	CHECK(!court_path_covers("cn/gs", ""));
}

const struct test tests[] = {
	{ "buf_cap", test_buf_cap },
	{ "buf_printf_exact_cap", test_buf_printf_exact_cap },
	{ "buf_nocap", test_buf_nocap },
	{ "strlcpy", test_strlcpy },
	{ "writer_shortest", test_writer_shortest },
	{ "writer_cap", test_writer_cap },
	{ "roundtrip", test_roundtrip },
	{ "decode_refusals", test_decode_refusals },
	{ "decode_reuse", test_decode_reuse },
	{ "json_str", test_json_str },
	{ "json_str_utf8", test_json_str_utf8 },
	{ "entry_golden", test_entry_golden },
	{ "entry_roundtrip_big", test_entry_roundtrip_big },
	{ "entry_too_large", test_entry_too_large },
	{ "entry_refusals", test_entry_refusals },
	{ "entry_origin_nul", test_entry_origin_nul },
	{ "court_path", test_court_path },
	{ NULL, NULL },
};
