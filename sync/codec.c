/*
 * codec.c — bounded buffers, msgpack writing/reading over msgpack-c, and the
 * log entry envelope.
 *
 * The envelope is read with a small cursor over the raw bytes rather than
 * through msgpack_object, because verifiers need the exact byte range of the
 * body and speed (auditors read millions of entries); bodies are decoded with
 * msgpack-c.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

#include "courtsync/codec.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

/* ---- buffers ---- */

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

static int
buf_reserve(struct buf *b, size_t extra)
{
	size_t need, ncap;
	uint8_t *np;

	if (extra > SIZE_MAX - b->len)
		return -1;
	need = b->len + extra;
	if (b->max != 0 && need > b->max)
		return -1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap != 0 ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if (b->max != 0 && ncap > b->max)
		ncap = b->max;
	np = realloc(b->p, ncap);
	if (np == NULL)
		return -1;
	b->p = np;
	b->cap = ncap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	char small[256], *tmp = small;
	int rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(small)) {
		/* vsnprintf needs room for a NUL the buffer must not count. */
		if ((tmp = malloc((size_t)n + 1)) == NULL)
			return -1;
		va_start(ap, fmt);
		vsnprintf(tmp, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	rc = buf_append(b, tmp, (size_t)n);
	if (tmp != small)
		free(tmp);
	return rc;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ---- writer ---- */

static int
writer_cb(void *data, const char *p, size_t n)
{
	struct codec_writer *w = data;

	if (w->failed)
		return -1;
	if (buf_append(w->out, p, n) == -1) {
		w->failed = 1;
		return -1;
	}
	return 0;
}

#define PACKER(w) msgpack_packer pk; msgpack_packer_init(&pk, (w), writer_cb)

void
codec_writer_init(struct codec_writer *w, struct buf *out)
{
	w->out = out;
	w->failed = 0;
}

void
codec_put_map(struct codec_writer *w, uint32_t n)
{
	PACKER(w);
	msgpack_pack_map(&pk, n);
}

void
codec_put_array(struct codec_writer *w, uint32_t n)
{
	PACKER(w);
	msgpack_pack_array(&pk, n);
}

void
codec_put_str(struct codec_writer *w, const char *s, size_t n)
{
	PACKER(w);
	msgpack_pack_str(&pk, n);
	msgpack_pack_str_body(&pk, s, n);
}

void
codec_put_cstr(struct codec_writer *w, const char *s)
{
	codec_put_str(w, s, strlen(s));
}

void
codec_put_bin(struct codec_writer *w, const void *p, size_t n)
{
	PACKER(w);
	msgpack_pack_bin(&pk, n);
	msgpack_pack_bin_body(&pk, p, n);
}

void
codec_put_hashes(struct codec_writer *w, const void *p, size_t k)
{
	codec_put_array(w, (uint32_t)k);
	for (size_t i = 0; i < k; i++)
		codec_put_bin(w, (const uint8_t *)p + i * CS_HASH_LEN,
		    CS_HASH_LEN);
}

void
codec_put_uint(struct codec_writer *w, uint64_t v)
{
	PACKER(w);
	msgpack_pack_uint64(&pk, v);
}

void
codec_put_int(struct codec_writer *w, int64_t v)
{
	PACKER(w);
	msgpack_pack_int64(&pk, v);
}

void
codec_put_bool(struct codec_writer *w, bool v)
{
	PACKER(w);
	if (v)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
}

void
codec_put_nil(struct codec_writer *w)
{
	PACKER(w);
	msgpack_pack_nil(&pk);
}

void
codec_put_raw(struct codec_writer *w, const void *p, size_t n)
{
	writer_cb(w, p, n);
}

/* ---- reader ---- */

static void
value_from(const msgpack_object *o, struct codec_value *v)
{
	memset(v, 0, sizeof(*v));
	v->obj = o;
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		v->type = CODEC_NIL;
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		v->type = CODEC_BOOL;
		v->b = o->via.boolean;
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		v->type = CODEC_UINT;
		v->u = o->via.u64;
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		v->type = CODEC_INT;
		v->i = o->via.i64;
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		v->type = CODEC_FLOAT;
		break;
	case MSGPACK_OBJECT_STR:
		v->type = CODEC_STR;
		v->p = o->via.str.ptr;
		v->n = o->via.str.size;
		break;
	case MSGPACK_OBJECT_BIN:
		v->type = CODEC_BIN;
		v->p = o->via.bin.ptr;
		v->n = o->via.bin.size;
		break;
	case MSGPACK_OBJECT_ARRAY:
		v->type = CODEC_ARRAY;
		v->n = o->via.array.size;
		break;
	case MSGPACK_OBJECT_MAP:
		v->type = CODEC_MAP;
		v->n = o->via.map.size;
		break;
	default:
		v->type = CODEC_EXT;
		break;
	}
}

static int
depth_ok(const msgpack_object *o, int depth)
{
	if (depth > 16)
		return 0;
	if (o->type == MSGPACK_OBJECT_ARRAY) {
		for (uint32_t i = 0; i < o->via.array.size; i++)
			if (!depth_ok(&o->via.array.ptr[i], depth + 1))
				return 0;
	} else if (o->type == MSGPACK_OBJECT_MAP) {
		for (uint32_t i = 0; i < o->via.map.size; i++)
			if (!depth_ok(&o->via.map.ptr[i].key, depth + 1) ||
			    !depth_ok(&o->via.map.ptr[i].val, depth + 1))
				return 0;
	}
	return 1;
}

/*
 * A document's memory: the msgpack object tree lives in a zone.  A hub
 * decodes one event body per entry, and a new zone each time (msgpack-c's
 * msgpack_unpack_next) is a malloc of 8 KiB and a free per entry: freed
 * documents keep their zone, cleared back to its first chunk, in a small
 * pool for the next decode.  The pool is shared by threads under a mutex
 * (uncontended: a few dozen cycles) and stays reachable from it until exit.
 */
struct codec_impl {
	msgpack_zone	 zone;
	msgpack_object	 obj;
};

#define CODEC_POOL	4

static pthread_mutex_t	 pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct codec_impl *pool[CODEC_POOL];
static int		 npool;

static struct codec_impl *
impl_get(void)
{
	struct codec_impl *m = NULL;

	pthread_mutex_lock(&pool_mu);
	if (npool > 0)
		m = pool[--npool];
	pthread_mutex_unlock(&pool_mu);
	if (m != NULL)
		return m;
	if ((m = malloc(sizeof(*m))) == NULL)
		return NULL;
	if (!msgpack_zone_init(&m->zone, MSGPACK_ZONE_CHUNK_SIZE)) {
		free(m);
		return NULL;
	}
	return m;
}

static void
impl_put(struct codec_impl *m)
{
	msgpack_zone_clear(&m->zone);
	pthread_mutex_lock(&pool_mu);
	if (npool < CODEC_POOL) {
		pool[npool++] = m;
		m = NULL;
	}
	pthread_mutex_unlock(&pool_mu);
	if (m != NULL) {
		msgpack_zone_destroy(&m->zone);
		free(m);
	}
}

int
codec_decode(struct codec_doc *d, const void *p, size_t n,
    struct codec_value *root, char *err, size_t errlen)
{
	struct codec_impl *m;
	size_t off = 0;
	msgpack_unpack_return r;

	codec_doc_free(d);
	if ((m = impl_get()) == NULL) {
		ERR("out of memory");
		return -1;
	}
	d->impl = m;
	r = msgpack_unpack(p, n, &off, &m->zone, &m->obj);
	if (r == MSGPACK_UNPACK_CONTINUE) {
		ERR("truncated msgpack (%zu bytes)", n);
		return -1;
	}
	if (r != MSGPACK_UNPACK_SUCCESS && r != MSGPACK_UNPACK_EXTRA_BYTES) {
		ERR("malformed msgpack");
		return -1;
	}
	if (off != n) {
		ERR("%zu trailing bytes after the msgpack object", n - off);
		return -1;
	}
	if (!depth_ok(&m->obj, 0)) {
		ERR("msgpack nested deeper than 16 levels");
		return -1;
	}
	value_from(&m->obj, root);
	return 0;
}

void
codec_doc_free(struct codec_doc *d)
{
	if (d->impl != NULL) {
		impl_put(d->impl);
		d->impl = NULL;
	}
}

void
codec_map_at(const struct codec_value *m, size_t i, struct codec_value *key,
    struct codec_value *val)
{
	const msgpack_object *o = m->obj;

	value_from(&o->via.map.ptr[i].key, key);
	value_from(&o->via.map.ptr[i].val, val);
}

void
codec_array_at(const struct codec_value *a, size_t i, struct codec_value *val)
{
	const msgpack_object *o = a->obj;

	value_from(&o->via.array.ptr[i], val);
}

bool
codec_str_eq(const struct codec_value *v, const char *s)
{
	size_t n = strlen(s);

	return v->type == CODEC_STR && v->n == n && memcmp(v->p, s, n) == 0;
}

int
codec_map_get(const struct codec_value *m, const char *key,
    struct codec_value *val)
{
	struct codec_value k;

	if (m->type != CODEC_MAP)
		return 0;
	for (size_t i = 0; i < m->n; i++) {
		codec_map_at(m, i, &k, val);
		if (codec_str_eq(&k, key))
			return 1;
	}
	return 0;
}

/* ---- JSON output ---- */

int
codec_json_str(struct buf *b, const char *s, size_t n)
{
	int rc = buf_append(b, "\"", 1);

	for (size_t i = 0; i < n && rc == 0; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			char esc[2] = { '\\', (char)ch };
			rc = buf_append(b, esc, 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			rc = buf_printf(b, "\\u%04x", ch);
		} else {
			rc = buf_append(b, &s[i], 1);
		}
	}
	return rc == 0 ? buf_append(b, "\"", 1) : -1;
}

int
codec_json_value(struct buf *b, const struct codec_value *v)
{
	struct codec_value k, e;
	int rc = 0;

	switch (v->type) {
	case CODEC_NIL:
	case CODEC_FLOAT:
	case CODEC_EXT:
		return buf_append(b, "null", 4);
	case CODEC_BOOL:
		return v->b ? buf_append(b, "true", 4) : buf_append(b, "false", 5);
	case CODEC_UINT:
		return buf_printf(b, "%llu", (unsigned long long)v->u);
	case CODEC_INT:
		return buf_printf(b, "%lld", (long long)v->i);
	case CODEC_STR:
		return codec_json_str(b, v->p, v->n);
	case CODEC_BIN:
		rc = buf_append(b, "\"", 1);
		for (size_t i = 0; i < v->n && rc == 0; i++)
			rc = buf_printf(b, "%02x", (unsigned char)v->p[i]);
		return rc == 0 ? buf_append(b, "\"", 1) : -1;
	case CODEC_ARRAY:
		rc = buf_append(b, "[", 1);
		for (size_t i = 0; i < v->n && rc == 0; i++) {
			codec_array_at(v, i, &e);
			if (i > 0)
				rc = buf_append(b, ",", 1);
			if (rc == 0)
				rc = codec_json_value(b, &e);
		}
		return rc == 0 ? buf_append(b, "]", 1) : -1;
	case CODEC_MAP:
		rc = buf_append(b, "{", 1);
		for (size_t i = 0; i < v->n && rc == 0; i++) {
			codec_map_at(v, i, &k, &e);
			if (i > 0)
				rc = buf_append(b, ",", 1);
			if (rc == 0 && k.type == CODEC_STR)
				rc = codec_json_str(b, k.p, k.n);
			else if (rc == 0)
				rc = buf_printf(b, "\"?\"");
			if (rc == 0)
				rc = buf_append(b, ":", 1);
			if (rc == 0)
				rc = codec_json_value(b, &e);
		}
		return rc == 0 ? buf_append(b, "}", 1) : -1;
	}
	return -1;
}

/* ---- the entry envelope, with a raw cursor ---- */

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
