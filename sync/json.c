/*
 * json.c — JSON output (json.h): the string escaper, with the tree's one
 * policy for invalid UTF-8, and msgpack values as JSON.
 */
#include <stdint.h>

#include "courtsync/json.h"
#include "courtsync/utf8.h"

static const char fffd[3] = { (char)0xef, (char)0xbf, (char)0xbd };

int
json_put_str(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	int rc = buf_append(b, "\"", 1);
	size_t i = 0, k;

	while (i < n && rc == 0) {
		unsigned char ch = u[i];

		k = utf8_seq_len(u + i, n - i);	/* 1 for ASCII */
		if (ch == '"' || ch == '\\') {
			char esc[2] = { '\\', (char)ch };
			rc = buf_append(b, esc, 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			rc = buf_printf(b, "\\u%04x", ch);
		} else if (k != 0) {
			rc = buf_append(b, s + i, k);
		} else {
			rc = buf_append(b, fffd, sizeof(fffd));
			k = 1;
		}
		i += k;
	}
	return rc == 0 ? buf_append(b, "\"", 1) : -1;
}

int
json_put_value(struct buf *b, const struct codec_value *v)
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
		return json_put_str(b, v->p, v->n);
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
				rc = json_put_value(b, &e);
		}
		return rc == 0 ? buf_append(b, "]", 1) : -1;
	case CODEC_MAP:
		rc = buf_append(b, "{", 1);
		for (size_t i = 0; i < v->n && rc == 0; i++) {
			codec_map_at(v, i, &k, &e);
			if (i > 0)
				rc = buf_append(b, ",", 1);
			if (rc == 0 && k.type == CODEC_STR)
				rc = json_put_str(b, k.p, k.n);
			else if (rc == 0)
				rc = buf_printf(b, "\"?\"");
			if (rc == 0)
				rc = buf_append(b, ":", 1);
			if (rc == 0)
				rc = json_put_value(b, &e);
		}
		return rc == 0 ? buf_append(b, "}", 1) : -1;
	}
	return -1;
}
