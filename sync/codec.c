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
