/*
 * entry.c — the log entry envelope (entry.h, docs/FORMAT.md §2).
 *
 * The envelope is read with a small cursor over the raw bytes rather than
 * through msgpack_object, because verifiers need the exact byte range of the
 * body and speed (auditors read millions of entries); bodies are decoded
 * with the codec.
 */
#include <string.h>

#include "courtsync/codec.h"
#include "courtsync/entry.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

struct cur {
	const uint8_t	*p;
	size_t		 n;
	size_t		 off;
};

static int
cur_need(struct cur *c, size_t k)
{
	return c->n - c->off >= k;
}

static uint64_t
be(const uint8_t *p, int k)
{
	uint64_t v = 0;

	for (int i = 0; i < k; i++)
		v = v << 8 | p[i];
	return v;
}

/* Reads a str header; returns its length or -1. */
static int
cur_str(struct cur *c, const char **s, size_t *len)
{
	uint8_t t;
	size_t k = 0, l;

	if (!cur_need(c, 1))
		return -1;
	t = c->p[c->off];
	if ((t & 0xe0) == 0xa0) {
		l = t & 0x1f;
	} else if (t == 0xd9) {
		k = 1;
	} else if (t == 0xda) {
		k = 2;
	} else if (t == 0xdb) {
		k = 4;
	} else {
		return -1;
	}
	if (!cur_need(c, 1 + k))
		return -1;
	if (k > 0)
		l = (size_t)be(c->p + c->off + 1, (int)k);
	c->off += 1 + k;
	if (!cur_need(c, l))
		return -1;
	*s = (const char *)c->p + c->off;
	*len = l;
	c->off += l;
	return 0;
}

static int
cur_key(struct cur *c, const char *want)
{
	const char *s;
	size_t l;

	if (cur_str(c, &s, &l) == -1)
		return -1;
	return (l == strlen(want) && memcmp(s, want, l) == 0) ? 0 : -1;
}

static int
cur_uint(struct cur *c, uint64_t *v)
{
	uint8_t t;
	int k;

	if (!cur_need(c, 1))
		return -1;
	t = c->p[c->off];
	if (t <= 0x7f) {
		*v = t;
		c->off++;
		return 0;
	}
	switch (t) {
	case 0xcc: k = 1; break;
	case 0xcd: k = 2; break;
	case 0xce: k = 4; break;
	case 0xcf: k = 8; break;
	default: return -1;
	}
	if (!cur_need(c, 1 + (size_t)k))
		return -1;
	*v = be(c->p + c->off + 1, k);
	c->off += 1 + (size_t)k;
	return 0;
}

/* Skips one msgpack object of any type; returns -1 if truncated,
 * malformed or nested deeper than `depth` allows. */
static int
cur_skip(struct cur *c, int depth)
{
	uint8_t t;
	uint64_t count = 0, len = 0;
	int k;

	if (depth > 16 || !cur_need(c, 1))
		return -1;
	t = c->p[c->off++];
	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
		return 0;
	if ((t & 0xe0) == 0xa0) {
		len = t & 0x1f;
		goto bytes;
	}
	if ((t & 0xf0) == 0x90) {
		count = t & 0x0f;
		goto array;
	}
	if ((t & 0xf0) == 0x80) {
		count = 2 * (uint64_t)(t & 0x0f);
		goto array;
	}
	switch (t) {
	case 0xcc: case 0xd0: len = 1; goto bytes;
	case 0xcd: case 0xd1: len = 2; goto bytes;
	case 0xce: case 0xd2: case 0xca: len = 4; goto bytes;
	case 0xcf: case 0xd3: case 0xcb: len = 8; goto bytes;
	case 0xd4: len = 2; goto bytes;
	case 0xd5: len = 3; goto bytes;
	case 0xd6: len = 5; goto bytes;
	case 0xd7: len = 9; goto bytes;
	case 0xd8: len = 17; goto bytes;
	case 0xc4: case 0xd9: k = 1; break;
	case 0xc5: case 0xda: k = 2; break;
	case 0xc6: case 0xdb: k = 4; break;
	case 0xc7: k = 1; break;
	case 0xc8: k = 2; break;
	case 0xc9: k = 4; break;
	case 0xdc: k = 2; goto counted;
	case 0xdd: k = 4; goto counted;
	case 0xde: k = 2; goto counted;
	case 0xdf: k = 4; goto counted;
	default: return -1;		/* 0xc1 is never used */
	}
	if (!cur_need(c, (size_t)k))
		return -1;
	len = be(c->p + c->off, k);
	c->off += (size_t)k;
	if (t >= 0xc7 && t <= 0xc9)
		len += 1;		/* ext type byte */
	goto bytes;
counted:
	if (!cur_need(c, (size_t)k))
		return -1;
	count = be(c->p + c->off, k);
	c->off += (size_t)k;
	if (t == 0xde || t == 0xdf)
		count *= 2;
array:
	for (uint64_t i = 0; i < count; i++)
		if (cur_skip(c, depth + 1) == -1)
			return -1;
	return 0;
bytes:
	if (len > c->n - c->off)
		return -1;
	c->off += (size_t)len;
	return 0;
}

int
entry_encode(const struct entry *e, const void *body, size_t bodylen,
    struct buf *out, char *err, size_t errlen)
{
	struct codec_writer w;

	codec_writer_init(&w, out);
	codec_put_map(&w, 7);
	codec_put_cstr(&w, "v");
	codec_put_uint(&w, CS_ENTRY_VERSION);
	codec_put_cstr(&w, "origin");
	codec_put_cstr(&w, e->origin);
	codec_put_cstr(&w, "index");
	codec_put_uint(&w, e->index);
	codec_put_cstr(&w, "prev");
	codec_put_bin(&w, e->prev, CS_HASH_LEN);
	codec_put_cstr(&w, "time");
	codec_put_uint(&w, e->time);
	codec_put_cstr(&w, "type");
	codec_put_cstr(&w, e->type);
	codec_put_cstr(&w, "body");
	codec_put_raw(&w, body, bodylen);
	if (w.failed) {
		ERR("entry %llu: larger than %d bytes",
		    (unsigned long long)e->index, CS_ENTRY_MAX);
		return -1;
	}
	return 0;
}

int
entry_decode(const void *p, size_t n, struct entry *e, char *err, size_t errlen)
{
	struct cur c = { p, n, 0 };
	const char *s;
	size_t l, bstart;
	uint64_t v;

	memset(e, 0, sizeof(*e));
	if (n > CS_ENTRY_MAX) {
		ERR("entry is %zu bytes, over the %d-byte limit", n, CS_ENTRY_MAX);
		return -1;
	}
	if (n == 0 || c.p[0] != 0x87) {
		ERR("not a msgpack map of 7 keys");
		return -1;
	}
	c.off = 1;
	if (cur_key(&c, "v") == -1 || cur_uint(&c, &v) == -1) {
		ERR("key 1 must be \"v\" with an unsigned integer");
		return -1;
	}
	if (v != CS_ENTRY_VERSION) {
		ERR("unsupported format version %llu", (unsigned long long)v);
		return -1;
	}
	e->version = (unsigned)v;
	if (cur_key(&c, "origin") == -1 || cur_str(&c, &s, &l) == -1) {
		ERR("key 2 must be \"origin\" with a string");
		return -1;
	}
	if (l >= CS_ORIGIN_MAX) {
		ERR("origin longer than %d bytes", CS_ORIGIN_MAX - 1);
		return -1;
	}
	memcpy(e->origin, s, l);
	e->origin[l] = '\0';
	if (strlen(e->origin) != l || !court_path_valid(e->origin)) {
		ERR("origin is not a valid court path");
		return -1;
	}
	if (cur_key(&c, "index") == -1 || cur_uint(&c, &e->index) == -1) {
		ERR("key 3 must be \"index\" with an unsigned integer");
		return -1;
	}
	if (cur_key(&c, "prev") == -1 || !cur_need(&c, 2) ||
	    c.p[c.off] != 0xc4 || c.p[c.off + 1] != CS_HASH_LEN ||
	    !cur_need(&c, 2 + CS_HASH_LEN)) {
		ERR("key 4 must be \"prev\" with a 32-byte bin");
		return -1;
	}
	memcpy(e->prev, c.p + c.off + 2, CS_HASH_LEN);
	c.off += 2 + CS_HASH_LEN;
	if (cur_key(&c, "time") == -1 || cur_uint(&c, &e->time) == -1) {
		ERR("key 5 must be \"time\" with an unsigned integer");
		return -1;
	}
	if (cur_key(&c, "type") == -1 || cur_str(&c, &s, &l) == -1 ||
	    l == 0 || l >= CS_TYPE_MAX) {
		ERR("key 6 must be \"type\" with a string of 1-%d bytes",
		    CS_TYPE_MAX - 1);
		return -1;
	}
	for (size_t i = 0; i < l; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_')) {
			ERR("type must be lower-case ASCII letters and '_'");
			return -1;
		}
	}
	memcpy(e->type, s, l);
	e->type[l] = '\0';
	if (cur_key(&c, "body") == -1) {
		ERR("key 7 must be \"body\"");
		return -1;
	}
	bstart = c.off;
	if (!cur_need(&c, 1) || !((c.p[c.off] & 0xf0) == 0x80 ||
	    c.p[c.off] == 0xde || c.p[c.off] == 0xdf)) {
		ERR("body must be a map");
		return -1;
	}
	if (cur_skip(&c, 1) == -1) {
		ERR("body is truncated or malformed msgpack");
		return -1;
	}
	if (c.off != n) {
		ERR("%zu trailing bytes after the entry", n - c.off);
		return -1;
	}
	e->body = c.p + bstart;
	e->bodylen = n - bstart;
	return 0;
}
