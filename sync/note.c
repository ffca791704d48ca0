/* note.c — C2SP signed notes, checkpoints and Ed25519 cosignatures. */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "courtsync/note.h"
#include "courtsync/codec.h"

#define EMDASH		"\xe2\x80\x94"	/* U+2014, opens a signature line */
#define SIGLINE_PREFIX	EMDASH " "
#define COSIG_HEADER	"cosignature/v1\ntime "
#define B64_LEN(n)	(((n) + 2) / 3 * 4)


/*
 * Decodes one UTF-8 sequence at s[0..n) into *cp; returns its length, or 0
 * if it is not well-formed (overlong, surrogate, above U+10FFFF, truncated).
 */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c, min;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return (1);
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else {
		return (0);
	}
	if (n < len)
		return (0);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (0);
	*cp = c;
	return (len);
}

/* Unicode White_Space characters, which key names must not contain. */
static int
is_unicode_space(uint32_t c)
{
	return (c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	    c == 0x3000);
}

/* Checks that s[0..n) is UTF-8 with no control character but '\n'.
 * Returns 0, or -1 with err naming the first offending byte. */
static int
text_check(const char *what, const char *s, size_t n, char *err,
    size_t errlen)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c;
	size_t i = 0, len;

	while (i < n) {
		len = utf8_decode(u + i, n - i, &c);
		if (len == 0) {
			cs_err(err, errlen, "%s: invalid UTF-8 at byte %zu",
			    what, i);
			return (-1);
		}
		if (c == 0) {
			cs_err(err, errlen, "%s: NUL byte at byte %zu", what,
			    i);
			return (-1);
		}
		if ((c < 0x20 && c != '\n') || c == 0x7f) {
			cs_err(err, errlen, "%s: control character 0x%02x at "
			    "byte %zu", what, (unsigned)c, i);
			return (-1);
		}
		i += len;
	}
	return (0);
}

/* A key name: non-empty UTF-8 without spaces, control characters or '+'. */
static int
name_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c;
	size_t i = 0, len;

	if (n == 0 || n >= NOTE_NAME_MAX)
		return (0);
	while (i < n) {
		len = utf8_decode(u + i, n - i, &c);
		if (len == 0 || c < 0x20 || c == 0x7f || c == '+' ||
		    is_unicode_space(c))
			return (0);
		i += len;
	}
	return (1);
}

void
note_keyid(const char *name, uint8_t type, const uint8_t pub[CS_PUB_LEN],
    uint8_t id[4])
{
	uint8_t tail[2 + CS_PUB_LEN], h[CS_HASH_LEN];

	tail[0] = '\n';
	tail[1] = type;
	memcpy(tail + 2, pub, CS_PUB_LEN);
	crypto_sha256_2(name, strlen(name), tail, sizeof(tail), h);
	memcpy(id, h, 4);
}

int
note_verifier_init(struct note_verifier *v, const char *name, uint8_t type,
    const uint8_t pub[CS_PUB_LEN], char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	if (!name_valid(name, strlen(name))) {
		cs_err(err, errlen, "key name \"%.64s\": must be 1 to %d bytes "
		    "of UTF-8 without spaces or '+'", name, NOTE_NAME_MAX - 1);
		return (-1);
	}
	if (type != NOTE_TYPE_ED25519 && type != NOTE_TYPE_COSIG) {
		cs_err(err, errlen, "key %s: unknown key type 0x%02x", name,
		    type);
		return (-1);
	}
	memcpy(v->name, name, strlen(name) + 1);
	v->type = type;
	memcpy(v->pub, pub, CS_PUB_LEN);
	note_keyid(v->name, type, pub, v->keyid);
	return (0);
}

int
note_signer_init(struct note_signer *s, const char *name, uint8_t type,
    const uint8_t seed[CS_SEED_LEN], char *err, size_t errlen)
{
	uint8_t pub[CS_PUB_LEN];

	memset(s, 0, sizeof(*s));
	if (crypto_ed25519_public(seed, pub) == -1) {
		cs_err(err, errlen, "key %.64s: cannot derive the public key",
		    name);
		return (-1);
	}
	if (note_verifier_init(&s->v, name, type, pub, err, errlen) == -1)
		return (-1);
	memcpy(s->seed, seed, CS_SEED_LEN);
	return (0);
}

void
note_signer_wipe(struct note_signer *s)
{
	crypto_wipe(s, sizeof(*s));
}

int
note_vkey_parse(const char *text, struct note_verifier *v,
    char *err, size_t errlen)
{
	char name[NOTE_NAME_MAX];
	const char *p1, *p2;
	uint8_t key[1 + CS_PUB_LEN + 1], id[4];
	size_t namelen, i;
	int keylen, d;

	memset(v, 0, sizeof(*v));
	p1 = strchr(text, '+');
	p2 = p1 == NULL ? NULL : strchr(p1 + 1, '+');
	if (p2 == NULL) {
		cs_err(err, errlen, "vkey: not <name>+<key id>+<key>");
		return (-1);
	}
	namelen = (size_t)(p1 - text);
	if (!name_valid(text, namelen)) {
		cs_err(err, errlen, "vkey: bad key name");
		return (-1);
	}
	memcpy(name, text, namelen);
	name[namelen] = '\0';
	if (p2 - p1 - 1 != 8) {
		cs_err(err, errlen, "vkey %s: key id is not 8 hex digits",
		    name);
		return (-1);
	}
	for (i = 0; i < 8; i++) {
		d = p1[1 + i];
		if (!((d >= '0' && d <= '9') || (d >= 'a' && d <= 'f') ||
		    (d >= 'A' && d <= 'F'))) {
			cs_err(err, errlen, "vkey %s: key id is not 8 hex "
			    "digits", name);
			return (-1);
		}
		d = d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10;
		if (i % 2 == 0)
			id[i / 2] = (uint8_t)(d << 4);
		else
			id[i / 2] |= (uint8_t)d;
	}
	keylen = crypto_base64_decode(p2 + 1, strlen(p2 + 1), key, sizeof(key));
	if (keylen < 0) {
		cs_err(err, errlen, "vkey %s: bad base64", name);
		return (-1);
	}
	if (keylen < 1 || (key[0] != NOTE_TYPE_ED25519 &&
	    key[0] != NOTE_TYPE_COSIG)) {
		cs_err(err, errlen, "vkey %s: unknown key type", name);
		return (-1);
	}
	if (keylen != 1 + CS_PUB_LEN) {
		cs_err(err, errlen, "vkey %s: key is not 32 bytes", name);
		return (-1);
	}
	if (note_verifier_init(v, name, key[0], key + 1, err, errlen) == -1)
		return (-1);
	if (memcmp(v->keyid, id, 4) != 0) {
		cs_err(err, errlen, "vkey %s: key id does not match the name "
		    "and key", name);
		memset(v, 0, sizeof(*v));
		return (-1);
	}
	return (0);
}

int
note_vkey_format(const struct note_verifier *v, char *out, size_t cap)
{
	uint8_t key[1 + CS_PUB_LEN];
	int n, b;

	key[0] = v->type;
	memcpy(key + 1, v->pub, CS_PUB_LEN);
	n = snprintf(out, cap, "%s+%02x%02x%02x%02x+", v->name, v->keyid[0],
	    v->keyid[1], v->keyid[2], v->keyid[3]);
	if (n < 0 || (size_t)n >= cap)
		return (-1);
	b = crypto_base64_encode(key, sizeof(key), out + n, cap - (size_t)n);
	if (b < 0)
		return (-1);
	return (n + b);
}

/* Parses the signature line s[0..n) (without its '\n') into sig. */
static int
sigline_parse(size_t lineno, const char *s, size_t n, struct note_sig *sig,
    char *err, size_t errlen)
{
	/* Big enough for any signature that fits in a note. */
	uint8_t raw[NOTE_MAX / 4 * 3];
	const char *name, *sp;
	size_t namelen, plen = sizeof(SIGLINE_PREFIX) - 1;
	int len;

	if (n < plen || memcmp(s, SIGLINE_PREFIX, plen) != 0) {
		cs_err(err, errlen, "signature line %zu: does not start with "
		    "\"" SIGLINE_PREFIX "\"", lineno);
		return (-1);
	}
	name = s + plen;
	sp = memchr(name, ' ', n - plen);
	if (sp == NULL) {
		cs_err(err, errlen, "signature line %zu: no space after the "
		    "key name", lineno);
		return (-1);
	}
	namelen = (size_t)(sp - name);
	if (!name_valid(name, namelen)) {
		cs_err(err, errlen, "signature line %zu: bad key name",
		    lineno);
		return (-1);
	}
	len = crypto_base64_decode(sp + 1, (size_t)(s + n - sp - 1), raw,
	    sizeof(raw));
	if (len < 0) {
		cs_err(err, errlen, "signature line %zu: bad base64", lineno);
		return (-1);
	}
	if (len < 5) {
		cs_err(err, errlen, "signature line %zu: shorter than a key id "
		    "and a signature", lineno);
		return (-1);
	}
	if (sig == NULL)
		return (0);
	memset(sig, 0, sizeof(*sig));
	memcpy(sig->name, name, namelen);
	sig->name[namelen] = '\0';
	memcpy(sig->keyid, raw, 4);
	/* A signature too long to hold (another algorithm) keeps siglen 0:
	 * it can only be ignored, or fail against an Ed25519 key. */
	if ((size_t)len - 4 <= sizeof(sig->sig)) {
		memcpy(sig->sig, raw + 4, (size_t)len - 4);
		sig->siglen = (size_t)len - 4;
	}
	return (0);
}

int
note_split(const char *text, size_t n, size_t *bodylen,
    struct note_sig *sigs, size_t *nsigs, char *err, size_t errlen)
{
	const char *p, *end, *nl;
	size_t i, count = 0;

	if (bodylen != NULL)
		*bodylen = 0;
	if (nsigs != NULL)
		*nsigs = 0;
	if (n > NOTE_MAX) {
		cs_err(err, errlen, "note: longer than %d bytes", NOTE_MAX);
		return (-1);
	}
	if (text_check("note", text, n, err, errlen) == -1)
		return (-1);
	if (n == 0 || text[n - 1] != '\n') {
		cs_err(err, errlen, "note: does not end in a newline");
		return (-1);
	}
	/* The body ends at the last empty line (signed-note "Format"). */
	for (i = n - 1; i > 0; i--)
		if (text[i] == '\n' && text[i - 1] == '\n')
			break;
	if (i == 0) {
		cs_err(err, errlen, "note: no blank line before the "
		    "signatures");
		return (-1);
	}
	p = text + i + 1;
	end = text + n;
	if (p == end) {
		cs_err(err, errlen, "note: no signature lines");
		return (-1);
	}
	while (p < end) {
		if (count == NOTE_SIGS_MAX) {
			cs_err(err, errlen, "note: more than %d signatures",
			    NOTE_SIGS_MAX);
			return (-1);
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		if (sigline_parse(count + 1, p, (size_t)(nl - p),
		    sigs == NULL ? NULL : &sigs[count], err, errlen) == -1)
			return (-1);
		count++;
		p = nl + 1;
	}
	if (bodylen != NULL)
		*bodylen = i;
	if (nsigs != NULL)
		*nsigs = count;
	return (0);
}

/* Checks a body a key is about to sign, or a signature claims to cover. */
static int
body_check(const char *body, size_t bodylen, char *err, size_t errlen)
{
	if (bodylen == 0 || body[bodylen - 1] != '\n') {
		cs_err(err, errlen, "note body: does not end in a newline");
		return (-1);
	}
	if (bodylen > NOTE_MAX) {
		cs_err(err, errlen, "note body: longer than %d bytes",
		    NOTE_MAX);
		return (-1);
	}
	return (text_check("note body", body, bodylen, err, errlen));
}

/* Writes "— <name> base64(keyid ‖ sig)\n" into out; returns its length. */
static int
sigline_format(const struct note_verifier *v, const uint8_t *sig,
    size_t siglen, char *out, size_t cap)
{
	uint8_t raw[4 + 8 + CS_SIG_LEN];
	size_t namelen = strlen(v->name), plen = sizeof(SIGLINE_PREFIX) - 1;
	int b;

	memcpy(raw, v->keyid, 4);
	memcpy(raw + 4, sig, siglen);
	if (cap < plen + namelen + 1)
		return (-1);
	memcpy(out, SIGLINE_PREFIX, plen);
	memcpy(out + plen, v->name, namelen);
	out[plen + namelen] = ' ';
	b = crypto_base64_encode(raw, 4 + siglen, out + plen + namelen + 1,
	    cap - plen - namelen - 1);
	if (b < 0 || plen + namelen + 1 + (size_t)b + 2 > cap)
		return (-1);
	out[plen + namelen + 1 + (size_t)b] = '\n';
	out[plen + namelen + 1 + (size_t)b + 1] = '\0';
	return ((int)(plen + namelen + 1 + (size_t)b + 1));
}

int
note_sign(const char *body, size_t bodylen, const struct note_signer *s,
    char *out, size_t cap, char *err, size_t errlen)
{
	uint8_t sig[CS_SIG_LEN];
	int line;

	if (s->v.type != NOTE_TYPE_ED25519) {
		cs_err(err, errlen, "note_sign: key %s is not an Ed25519 note "
		    "key", s->v.name);
		return (-1);
	}
	if (body_check(body, bodylen, err, errlen) == -1)
		return (-1);
	if (cap < bodylen + 1) {
		cs_err(err, errlen, "note_sign: output buffer too small");
		return (-1);
	}
	if (crypto_ed25519_sign(s->seed, body, bodylen, sig) == -1) {
		cs_err(err, errlen, "note_sign: signing with %s failed",
		    s->v.name);
		return (-1);
	}
	memmove(out, body, bodylen);
	out[bodylen] = '\n';
	line = sigline_format(&s->v, sig, CS_SIG_LEN, out + bodylen + 1,
	    cap - bodylen - 1);
	if (line < 0 || bodylen + 1 + (size_t)line > NOTE_MAX) {
		cs_err(err, errlen, "note_sign: output buffer too small");
		return (-1);
	}
	return ((int)(bodylen + 1 + (size_t)line));
}

/* Builds "cosignature/v1\ntime <t>\n" ‖ body into msg; returns its length. */
static size_t
cosig_message(const char *body, size_t bodylen, uint64_t t, char *msg,
    size_t cap)
{
	int n;

	n = snprintf(msg, cap, COSIG_HEADER "%" PRIu64 "\n", t);
	if (n < 0 || (size_t)n + bodylen > cap)
		return (0);
	memcpy(msg + n, body, bodylen);
	return ((size_t)n + bodylen);
}

static uint64_t
be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (v);
}

/* Checks one signature that claims to be by v. */
static int
sig_check(const char *body, size_t bodylen, const struct note_sig *sig,
    const struct note_verifier *v, uint64_t *t)
{
	char msg[NOTE_MAX + 64];
	size_t len;

	if (v->type == NOTE_TYPE_ED25519) {
		if (sig->siglen != CS_SIG_LEN)
			return (-1);
		return (crypto_ed25519_verify(v->pub, body, bodylen, sig->sig));
	}
	if (sig->siglen != 8 + CS_SIG_LEN)
		return (-1);
	*t = be64_get(sig->sig);
	if (*t > INT64_MAX)
		return (-1);
	len = cosig_message(body, bodylen, *t, msg, sizeof(msg));
	if (len == 0)
		return (-1);
	return (crypto_ed25519_verify(v->pub, msg, len, sig->sig + 8));
}

/*
 * Every signature line with v's name and key ID must verify (signed-note:
 * a failing signature from a known key rejects the note); lines of other
 * keys are ignored.
 */
int
note_verify(const char *body, size_t bodylen, const struct note_sig *sigs,
    size_t nsigs, const struct note_verifier *v, uint64_t *timestamp,
    char *err, size_t errlen)
{
	uint64_t t = 0;
	size_t i;
	int found = 0;

	if (body_check(body, bodylen, err, errlen) == -1)
		return (-1);
	for (i = 0; i < nsigs; i++) {
		if (strcmp(sigs[i].name, v->name) != 0 ||
		    memcmp(sigs[i].keyid, v->keyid, 4) != 0)
			continue;
		if (sig_check(body, bodylen, &sigs[i], v, &t) == -1) {
			cs_err(err, errlen, "bad signature by %s", v->name);
			return (-1);
		}
		found = 1;
	}
	if (!found) {
		cs_err(err, errlen, "no signature by %s", v->name);
		return (-1);
	}
	if (timestamp != NULL && v->type == NOTE_TYPE_COSIG)
		*timestamp = t;
	return (0);
}

int
checkpoint_format(const struct checkpoint *c, char *out, size_t cap)
{
	char root[B64_LEN(CS_HASH_LEN) + 1];
	size_t olen = strlen(c->origin);
	int n;

	if (olen == 0 || memchr(c->origin, '\n', olen) != NULL)
		return (-1);
	if (crypto_base64_encode(c->root, CS_HASH_LEN, root,
	    sizeof(root)) < 0)
		return (-1);
	n = snprintf(out, cap, "%s\n%" PRIu64 "\n%s\n", c->origin, c->size,
	    root);
	if (n < 0 || (size_t)n >= cap)
		return (-1);
	return (n);
}

/* Parses a decimal uint64 without sign or leading zeros. */
static int
parse_size(const char *s, size_t n, uint64_t *v)
{
	size_t i;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return (-1);
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		if (*v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return (-1);
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return (0);
}

int
checkpoint_parse(const char *body, size_t bodylen, struct checkpoint *c,
    char *err, size_t errlen)
{
	const char *line[3], *p, *end = body + bodylen, *nl;
	size_t len[3], i;

	memset(c, 0, sizeof(*c));
	if (bodylen == 0 || body[bodylen - 1] != '\n') {
		cs_err(err, errlen, "checkpoint: does not end in a newline");
		return (-1);
	}
	if (text_check("checkpoint", body, bodylen, err, errlen) == -1)
		return (-1);
	p = body;
	for (i = 0; i < 3; i++) {
		if (p == end) {
			cs_err(err, errlen, "checkpoint: %s line missing",
			    i == 1 ? "size" : "root hash");
			return (-1);
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		line[i] = p;
		len[i] = (size_t)(nl - p);
		p = nl + 1;
	}
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == p) {
			cs_err(err, errlen, "checkpoint: empty extension line");
			return (-1);
		}
	}
	if (len[0] == 0) {
		cs_err(err, errlen, "checkpoint: origin is empty");
		return (-1);
	}
	if (len[0] >= NOTE_NAME_MAX) {
		cs_err(err, errlen, "checkpoint: origin longer than %d bytes",
		    NOTE_NAME_MAX - 1);
		return (-1);
	}
	if (parse_size(line[1], len[1], &c->size) == -1) {
		cs_err(err, errlen, "checkpoint: size is not a decimal number "
		    "without leading zeros below 2^64");
		return (-1);
	}
	if (len[2] != B64_LEN(CS_HASH_LEN) ||
	    crypto_base64_decode(line[2], len[2], c->root,
	    CS_HASH_LEN) != CS_HASH_LEN) {
		cs_err(err, errlen, "checkpoint: root is not 32 bytes of "
		    "base64");
		memset(c, 0, sizeof(*c));
		return (-1);
	}
	memcpy(c->origin, line[0], len[0]);
	c->origin[len[0]] = '\0';
	return (0);
}

/*
 * A witness cosigns only what parses as a checkpoint: its signature states
 * it saw that tree head, so it must not sign arbitrary text.
 */
int
cosig_sign(const char *body, size_t bodylen, uint64_t t,
    const struct note_signer *witness, char *line, size_t cap,
    char *err, size_t errlen)
{
	struct checkpoint c;
	char msg[NOTE_MAX + 64];
	uint8_t sig[8 + CS_SIG_LEN];
	size_t len;
	int i, n;

	if (witness->v.type != NOTE_TYPE_COSIG) {
		cs_err(err, errlen, "cosig_sign: key %s is not a cosignature "
		    "key", witness->v.name);
		return (-1);
	}
	if (t > INT64_MAX) {
		cs_err(err, errlen, "cosig_sign: time %" PRIu64 " above "
		    "2^63-1", t);
		return (-1);
	}
	if (body_check(body, bodylen, err, errlen) == -1)
		return (-1);
	if (checkpoint_parse(body, bodylen, &c, err, errlen) == -1)
		return (-1);
	len = cosig_message(body, bodylen, t, msg, sizeof(msg));
	if (len == 0) {
		cs_err(err, errlen, "cosig_sign: checkpoint too long");
		return (-1);
	}
	for (i = 0; i < 8; i++)
		sig[i] = (uint8_t)(t >> (56 - 8 * i));
	if (crypto_ed25519_sign(witness->seed, msg, len, sig + 8) == -1) {
		cs_err(err, errlen, "cosig_sign: signing with %s failed",
		    witness->v.name);
		return (-1);
	}
	n = sigline_format(&witness->v, sig, sizeof(sig), line, cap);
	if (n < 0) {
		cs_err(err, errlen, "cosig_sign: output buffer too small");
		return (-1);
	}
	return (n);
}

int
checkpoint_open(const char *text, size_t n, const struct note_verifier *v,
    struct checkpoint *c, size_t *bodylen, char *err, size_t errlen)
{
	struct note_sig sigs[NOTE_SIGS_MAX];
	size_t nsigs = NOTE_SIGS_MAX;

	if (note_split(text, n, bodylen, sigs, &nsigs, err, errlen) == -1 ||
	    checkpoint_parse(text, *bodylen, c, err, errlen) == -1)
		return (-1);
	if (strcmp(c->origin, v->name) != 0) {
		cs_err(err, errlen, "checkpoint: the origin is %.100s, not "
		    "%.100s", c->origin, v->name);
		return (-1);
	}
	return (note_verify(text, *bodylen, sigs, nsigs, v, NULL, err, errlen));
}
