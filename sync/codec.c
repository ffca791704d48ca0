/*
 * codec.c — msgpack writing and reading over msgpack-c (codec.h).  The only
 * file that includes <msgpack.h>.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "courtsync/codec.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

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

#define CODEC_MAX_DEPTH	16

/* Big-endian unsigned of w bytes at p. */
static uint64_t
be(const uint8_t *p, int w)
{
	uint64_t v = 0;

	for (int i = 0; i < w; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Walks the msgpack bytes before msgpack-c sees them, so that the decoder
 * never reserves what the input cannot hold: msgpack-c allocates the
 * elements a container header claims before reading them (a 5-byte map32
 * claiming 10^9 pairs reserves tens of GiB).  Every element takes at least
 * one byte, so a container claiming more elements than bytes remain is
 * refused here; so are string, bin and ext lengths beyond the input,
 * nesting deeper than CODEC_MAX_DEPTH, the never-used byte 0xc1, and
 * anything but exactly one object spanning all n bytes.  After this check
 * msgpack-c's memory is bounded by a small multiple of n.
 */
static int
shape_check(const uint8_t *p, size_t n, char *err, size_t errlen)
{
	uint64_t left[CODEC_MAX_DEPTH + 2];	/* elements still to read */
	int sp = 0;
	size_t pos = 0;

	left[sp++] = 1;				/* the one root object */
	while (sp > 0) {
		uint64_t count = 0, len = 0;
		int hdr = 1, w = 0;
		bool pairs = false, container = false;
		uint8_t b;

		if (left[sp - 1] == 0) {
			sp--;
			continue;
		}
		left[sp - 1]--;
		if (sp - 1 > CODEC_MAX_DEPTH) {
			ERR("msgpack nested deeper than %d levels",
			    CODEC_MAX_DEPTH);
			return -1;
		}
		if (pos >= n) {
			ERR("truncated msgpack (%zu bytes)", n);
			return -1;
		}
		b = p[pos];
		if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 ||
		    b == 0xc3) {
			;				/* one byte */
		} else if (b <= 0x8f) {
			container = pairs = true;
			count = b & 0x0f;
		} else if (b <= 0x9f) {
			container = true;
			count = b & 0x0f;
		} else if (b <= 0xbf) {
			len = b & 0x1f;
		} else if (b >= 0xc4 && b <= 0xc6) {	/* bin 8/16/32 */
			w = 1 << (b - 0xc4);
		} else if (b >= 0xc7 && b <= 0xc9) {	/* ext 8/16/32 */
			w = 1 << (b - 0xc7);
			len = 1;			/* its type byte */
		} else if (b == 0xca || b == 0xcb) {	/* float 32/64 */
			len = b == 0xca ? 4 : 8;
		} else if (b >= 0xcc && b <= 0xd3) {	/* (u)int 8..64 */
			len = 1u << ((b - 0xcc) & 3);
		} else if (b >= 0xd4 && b <= 0xd8) {	/* fixext 1..16 */
			len = 1 + (1u << (b - 0xd4));
		} else if (b >= 0xd9 && b <= 0xdb) {	/* str 8/16/32 */
			w = 1 << (b - 0xd9);
		} else if (b == 0xdc || b == 0xdd) {	/* array 16/32 */
			container = true;
			w = b == 0xdc ? 2 : 4;
		} else if (b == 0xde || b == 0xdf) {	/* map 16/32 */
			container = pairs = true;
			w = b == 0xde ? 2 : 4;
		} else {
			ERR("malformed msgpack (byte 0x%02x at offset %zu)", b,
			    pos);
			return -1;
		}
		if (w > 0) {
			if (n - pos - 1 < (size_t)w) {
				ERR("truncated msgpack (%zu bytes)", n);
				return -1;
			}
			if (container)
				count = be(p + pos + 1, w);
			else
				len += be(p + pos + 1, w);
			hdr += w;
		}
		pos += hdr;
		if (container) {
			uint64_t elems = pairs ? 2 * count : count;

			if (elems > n - pos) {
				ERR("msgpack %s claims %llu %s but only %zu"
				    " bytes remain", pairs ? "map" : "array",
				    (unsigned long long)count,
				    pairs ? "pairs" : "elements", n - pos);
				return -1;
			}
			left[sp++] = elems;
			continue;
		}
		if (len > n - pos) {
			ERR("truncated msgpack (%zu bytes)", n);
			return -1;
		}
		pos += len;
	}
	if (pos != n) {
		ERR("%zu trailing bytes after the msgpack object", n - pos);
		return -1;
	}
	return 0;
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
	if (shape_check(p, n, err, errlen) == -1)
		return -1;
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
