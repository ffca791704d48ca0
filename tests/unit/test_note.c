/* test_note.c — signed notes, vkeys, checkpoints and cosignatures, against
 * the golang.org/x/mod/sumdb/note vectors and goldens made independently
 * (Python hashlib for key IDs, the openssl CLI for signatures). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "courtsync/note.h"
#include "harness.h"

/* sumdb/note note_test.go */
#define PETER_SKEY	"AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define PETER_VKEY	"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define ENOCH_VKEY	"EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define PETER_TEXT	"If you think cryptography is the answer to your problem,\n" \
			"then you don't know what your problem is.\n"
#define PETER_SIG	"— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define ENOCH_SIG	"— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

/* courtsync goldens: court key = RFC 8032 TEST 1 seed, witness key =
 * TEST 2 seed, tree = the 8 CT test leaves, time 1700000000. */
#define COURT		"courtsync/cn/gs/ln/wudu"
#define WITNESS		"courtsync/cn/gs"
#define SEED1	"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define SEED2	"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
#define ROOT8	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
#define CP_BODY		COURT "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
#define CP_SIG		"— " COURT " g5/3OkGt9EkqLWQmHOYsgmsK9ne60YCY4tVm/VcceddXBIiahAfs+ay26n7vXVU++sh5GcGk1Rt/pwFEtERJ1dgopAg=\n"
#define CP_COSIG	"— " WITNESS " UOAm7AAAAABlU/EAgGBNym8q7wgSTYpAhl51v75K24tcwbExdWQtsTRzyC87ThuRPwC62KRsGcA9LHuwSi8bZCtjC+iaCTGP5TEYBg==\n"
#define COURT_VKEY	COURT "+839ff73a+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea"
#define EMPTY_CP	"o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
#define MAX_CP		"o\n18446744073709551615\n" \
			"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
#define WITNESS_VKEY	WITNESS "+50e026ec+BD1AF8PoQ4lakrcKp00bfrycmCzPLsSWjMDNVfEq9GYM"

static char err[512];

static void
peter_signer(struct note_signer *s)
{
	uint8_t k[33];

	CHECK_EQ_INT(crypto_base64_decode(PETER_SKEY, strlen(PETER_SKEY), k,
	    sizeof(k)), 33);
	CHECK_EQ_INT(k[0], NOTE_TYPE_ED25519);
	CHECK_EQ_INT(note_signer_init(s, "PeterNeumann", NOTE_TYPE_ED25519,
	    k + 1, err, sizeof(err)), 0);
	crypto_wipe(k, sizeof(k));
}

static void
seed_signer(struct note_signer *s, const char *name, uint8_t type,
    const char *seedhex)
{
	uint8_t seed[CS_SEED_LEN];

	harness_hex(seedhex, seed, sizeof(seed));
	CHECK_EQ_INT(note_signer_init(s, name, type, seed, err, sizeof(err)),
	    0);
}

/* Splits text and verifies it with vkey; returns note_verify's result. */
static int
open_note(const char *text, size_t n, const char *vkey, uint64_t *t)
{
	struct note_verifier v;
	struct note_sig sigs[NOTE_SIGS_MAX];
	size_t bodylen, nsigs;

	err[0] = '\0';
	if (note_split(text, n, &bodylen, sigs, &nsigs, err,
	    sizeof(err)) == -1)
		return (-1);
	if (note_vkey_parse(vkey, &v, err, sizeof(err)) == -1)
		return (-2);
	return (note_verify(text, bodylen, sigs, nsigs, &v, t, err,
	    sizeof(err)));
}

static int
open_str(const char *text, const char *vkey)
{
	return (open_note(text, strlen(text), vkey, NULL));
}

static void
test_keyid_vkey(void)
{
	struct note_signer s;
	struct note_verifier v;
	char out[256];

	peter_signer(&s);
	CHECK_EQ_INT(note_vkey_format(&s.v, out, sizeof(out)),
	    strlen(PETER_VKEY));
	CHECK_STR(out, PETER_VKEY);
	CHECK_EQ_INT(s.v.keyid[0], 0xc7);
	CHECK_EQ_INT(s.v.keyid[3], 0xa3);
	CHECK_EQ_INT(note_vkey_format(&s.v, out, strlen(PETER_VKEY)), -1);
	note_signer_wipe(&s);

	CHECK_EQ_INT(note_vkey_parse(ENOCH_VKEY, &v, err, sizeof(err)), 0);
	CHECK_STR(v.name, "EnochRoot");
	CHECK_EQ_INT(v.type, NOTE_TYPE_ED25519);
	CHECK_EQ_INT(note_vkey_format(&v, out, sizeof(out)), strlen(ENOCH_VKEY));
	CHECK_STR(out, ENOCH_VKEY);

	seed_signer(&s, COURT, NOTE_TYPE_ED25519, SEED1);
	note_vkey_format(&s.v, out, sizeof(out));
	CHECK_STR(out, COURT_VKEY);
	seed_signer(&s, WITNESS, NOTE_TYPE_COSIG, SEED2);
	note_vkey_format(&s.v, out, sizeof(out));
	CHECK_STR(out, WITNESS_VKEY);
	CHECK_EQ_INT(note_vkey_parse(WITNESS_VKEY, &v, err, sizeof(err)), 0);
	CHECK_EQ_INT(v.type, NOTE_TYPE_COSIG);
	note_signer_wipe(&s);
}

/* sumdb/note TestNewVerifier: every substring and every byte+1 mangling
 * of a vkey is refused, and the two adjusted-hash keys too. */
static void
test_vkey_mangled(void)
{
	struct note_verifier v;
	char b[128], sub[128];
	size_t n = strlen(PETER_VKEY), i, j;

	strcpy(b, PETER_VKEY);
	for (i = 0; i <= n; i++) {
		for (j = i + 1; j <= n; j++) {
			if (i == 0 && j == n)
				continue;
			memcpy(sub, b + i, j - i);
			sub[j - i] = '\0';
			CHECK_EQ_INT(note_vkey_parse(sub, &v, err, sizeof(err)),
			    -1);
		}
	}
	for (i = 0; i < n; i++) {
		b[i]++;
		CHECK_EQ_INT(note_vkey_parse(b, &v, err, sizeof(err)), -1);
		b[i]--;
	}
	CHECK_EQ_INT(note_vkey_parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
	    &v, err, sizeof(err)), -1);
	CHECK_ERR(err, "vkey PeterNeumann: bad base64");	/* strict: "EY==" */
	CHECK_EQ_INT(note_vkey_parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==",
	    &v, err, sizeof(err)), -1);
	CHECK_ERR(err, "vkey PeterNeumann: key is not 32 bytes");
	CHECK_EQ_INT(note_vkey_parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	    &v, err, sizeof(err)), -1);
	CHECK_ERR(err, "vkey PeterNeumann: unknown key type");
	CHECK_EQ_INT(note_vkey_parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	    &v, err, sizeof(err)), -1);
	CHECK_ERR(err, "vkey PeterNeumann: key id does not match");
	CHECK_EQ_INT(note_vkey_parse("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	    &v, err, sizeof(err)), -1);
	CHECK_ERR(err, "vkey: bad key name");
}

/* sumdb/note TestSign: the same text, byte for byte. */
static void
test_sign_peter(void)
{
	static const char want[] = PETER_TEXT "\n" PETER_SIG;
	struct note_signer s;
	char out[512];

	peter_signer(&s);
	CHECK_EQ_INT(note_sign(PETER_TEXT, strlen(PETER_TEXT), &s, out,
	    sizeof(out), err, sizeof(err)), strlen(want));
	CHECK_STR(out, want);
	CHECK_EQ_INT(note_sign(PETER_TEXT, strlen(PETER_TEXT), &s, out,
	    strlen(want), err, sizeof(err)), -1);
	CHECK_ERR(err, "output buffer too small");
	CHECK_EQ_INT(note_sign("abc", 3, &s, out, sizeof(out), err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "note body: does not end in a newline");
	note_signer_wipe(&s);
}

/* sumdb/note TestOpen. */
static void
test_open_peter_enoch(void)
{
	static const char two[] = PETER_TEXT "\n" PETER_SIG ENOCH_SIG;
	struct note_sig sigs[NOTE_SIGS_MAX];
	size_t bodylen, nsigs;

	CHECK_EQ_INT(note_split(two, strlen(two), &bodylen, sigs, &nsigs, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(bodylen, strlen(PETER_TEXT));
	CHECK_EQ_INT(nsigs, 2);
	CHECK_STR(sigs[0].name, "PeterNeumann");
	CHECK_EQ_INT(sigs[0].siglen, CS_SIG_LEN);
	CHECK_STR(sigs[1].name, "EnochRoot");
	CHECK_EQ_INT(sigs[1].keyid[0], 0xaf);
	CHECK_EQ_INT(open_str(two, PETER_VKEY), 0);
	CHECK_EQ_INT(open_str(two, ENOCH_VKEY), 0);
	CHECK_EQ_INT(open_str(PETER_TEXT "\n" PETER_SIG, ENOCH_VKEY), -1);
	CHECK_STR(err, "no signature by EnochRoot");
}

/* One negative fixture per way a note can be wrong, each with its error. */
static void
test_note_negative(void)
{
	static const char *const fix[][2] = {
		/* Altered body. */
		{ "If you think cryptography is the answer to your problem,\n"
		  "then you don't know what your problem is!\n\n" PETER_SIG,
		  "bad signature by PeterNeumann" },
		/* Altered signature (valid base64, other bytes). */
		{ PETER_TEXT "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAA=\n",
		  "bad signature by PeterNeumann" },
		{ PETER_TEXT "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnA==\n",
		  "bad signature by PeterNeumann" },
		/* A second, bad signature by the same key poisons the note. */
		{ PETER_TEXT "\n" PETER_SIG "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAA=\n",
		  "bad signature by PeterNeumann" },
		/* Wrong key name; wrong key ID: not ours, so no signature. */
		{ PETER_TEXT "\n— CarmenSandiego x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		  "no signature by PeterNeumann" },
		{ PETER_TEXT "\n— PeterNeumann xxxxo/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		  "no signature by PeterNeumann" },
		/* Missing blank line. */
		{ PETER_TEXT PETER_SIG,
		  "note: no blank line before the signatures" },
		{ PETER_TEXT "\n",
		  "note: no signature lines" },
		{ PETER_TEXT,
		  "note: no blank line before the signatures" },
		/* Malformed base64. */
		{ PETER_TEXT "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n",
		  "signature line 1: bad base64" },
		{ PETER_TEXT "\n" ENOCH_SIG "— PeterNeumann x08go/ZJkuBS9UG/Sffc*IAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		  "signature line 2: bad base64" },
		{ PETER_TEXT "\n— PeterNeumann AAAA\n",
		  "signature line 1: shorter than a key id and a signature" },
		/* sumdb/note badMsgs. */
		{ PETER_TEXT "\n" "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
		  "note: does not end in a newline" },
		{ "\x01" PETER_TEXT "\n" PETER_SIG,
		  "note: control character 0x01 at byte 0" },
		{ "\xff" PETER_TEXT "\n" PETER_SIG,
		  "note: invalid UTF-8 at byte 0" },
		{ PETER_TEXT "\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		  "signature line 1: bad base64" },
		{ PETER_TEXT "\n" PETER_SIG "Unexpected line.\n",
		  "signature line 2: does not start with \"— \"" },
		{ PETER_TEXT "\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		  "signature line 1: does not start with \"— \"" },
		{ PETER_TEXT "\n— Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		  "signature line 1: bad key name" },
		{ PETER_TEXT "\n— PeterNeumann\xc2\xa0x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		  "signature line 1: no space after the key name" },
		{ "a\tb\n\n" PETER_SIG,
		  "note: control character 0x09 at byte 1" },
		{ "caf\xc3\n\n" PETER_SIG,
		  "note: invalid UTF-8 at byte 3" },
		{ "\xed\xa0\x80\n\n" PETER_SIG,		/* a surrogate */
		  "note: invalid UTF-8 at byte 0" },
		{ "\xc0\xaf\n\n" PETER_SIG,		/* overlong '/' */
		  "note: invalid UTF-8 at byte 0" },
	};
	size_t i;

	for (i = 0; i < sizeof(fix) / sizeof(fix[0]); i++) {
		CHECK(open_str(fix[i][0], PETER_VKEY) < 0);
		CHECK_ERR(err, fix[i][1]);
		if (strstr(err, fix[i][1]) == NULL)
			fprintf(stderr, "  (fixture %zu)\n", i);
	}
}

static void
test_note_limits(void)
{
	static char big[NOTE_MAX + 200];
	struct note_sig sigs[NOTE_SIGS_MAX];
	size_t n, bodylen, nsigs, i;
	char nul[] = PETER_TEXT "\n" PETER_SIG;

	/* A NUL byte inside the length. */
	nul[10] = '\0';
	CHECK_EQ_INT(open_note(nul, sizeof(nul) - 1, PETER_VKEY, NULL), -1);
	CHECK_ERR(err, "note: NUL byte at byte 10");

	/* Over-long: NOTE_MAX + 1 bytes, refused before anything else. */
	memset(big, 'a', sizeof(big));
	n = NOTE_MAX + 1 - strlen("\n\n" PETER_SIG);
	memcpy(big + n, "\n\n" PETER_SIG, strlen("\n\n" PETER_SIG));
	n += strlen("\n\n" PETER_SIG);
	CHECK_EQ_INT(n, NOTE_MAX + 1);
	CHECK_EQ_INT(open_note(big, n, PETER_VKEY, NULL), -1);
	CHECK_ERR(err, "note: longer than 16384 bytes");
	/* Exactly NOTE_MAX is read (and the body fails to verify). */
	CHECK_EQ_INT(open_note(big + 1, n - 1, PETER_VKEY, NULL), -1);
	CHECK_ERR(err, "bad signature by PeterNeumann");

	/* 16 signatures are read, 17 are refused. */
	n = (size_t)snprintf(big, sizeof(big), "%s\n", PETER_TEXT);
	for (i = 0; i < NOTE_SIGS_MAX; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s",
		    i == 7 ? PETER_SIG : ENOCH_SIG);
	CHECK_EQ_INT(note_split(big, n, &bodylen, sigs, &nsigs, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(nsigs, NOTE_SIGS_MAX);
	CHECK_EQ_INT(open_note(big, n, PETER_VKEY, NULL), 0);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "%s", ENOCH_SIG);
	CHECK_EQ_INT(open_note(big, n, PETER_VKEY, NULL), -1);
	CHECK_ERR(err, "note: more than 16 signatures");

	/* An unknown key's signature of another algorithm is ignored. */
	n = (size_t)snprintf(big, sizeof(big), "%s\n%s— other.example/pq ",
	    PETER_TEXT, PETER_SIG);
	memset(big + n, 'A', 4000);
	n += 4000;
	big[n++] = '\n';
	CHECK_EQ_INT(note_split(big, n, &bodylen, sigs, &nsigs, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(nsigs, 2);
	CHECK_EQ_INT(sigs[1].siglen, 0);
	CHECK_EQ_INT(open_note(big, n, PETER_VKEY, NULL), 0);

	/* The body is separated by the last blank line; it may hold others. */
	CHECK_EQ_INT(note_split("a\n\nb\n\n" PETER_SIG, strlen("a\n\nb\n\n"
	    PETER_SIG), &bodylen, sigs, &nsigs, err, sizeof(err)), 0);
	CHECK_EQ_INT(bodylen, 5);
}

/* The court's checkpoint and the hub's cosignature, byte for byte. */
static void
test_checkpoint_cosig_golden(void)
{
	static const char note[] = CP_BODY "\n" CP_SIG;
	static const char full[] = CP_BODY "\n" CP_SIG CP_COSIG;
	struct note_signer court, wit;
	struct checkpoint c, back;
	char body[512], out[512], line[256];
	uint64_t t = 0;
	int n;

	memset(&c, 0, sizeof(c));
	strcpy(c.origin, COURT);
	c.size = 8;
	harness_hex(ROOT8, c.root, sizeof(c.root));
	n = checkpoint_format(&c, body, sizeof(body));
	CHECK_EQ_INT(n, strlen(CP_BODY));
	CHECK_STR(body, CP_BODY);
	CHECK_EQ_INT(checkpoint_format(&c, body, strlen(CP_BODY)), -1);
	CHECK_EQ_INT(checkpoint_parse(CP_BODY, strlen(CP_BODY), &back, err,
	    sizeof(err)), 0);
	CHECK_STR(back.origin, COURT);
	CHECK_EQ_INT(back.size, 8);
	CHECK_MEM(back.root, c.root, CS_HASH_LEN);

	seed_signer(&court, COURT, NOTE_TYPE_ED25519, SEED1);
	seed_signer(&wit, WITNESS, NOTE_TYPE_COSIG, SEED2);
	CHECK_EQ_INT(note_sign(CP_BODY, strlen(CP_BODY), &court, out,
	    sizeof(out), err, sizeof(err)), strlen(note));
	CHECK_STR(out, note);
	CHECK_EQ_INT(cosig_sign(CP_BODY, strlen(CP_BODY), 1700000000, &wit,
	    line, sizeof(line), err, sizeof(err)), strlen(CP_COSIG));
	CHECK_STR(line, CP_COSIG);

	CHECK_EQ_INT(open_note(full, strlen(full), COURT_VKEY, NULL), 0);
	CHECK_EQ_INT(open_note(full, strlen(full), WITNESS_VKEY, &t), 0);
	CHECK_EQ_INT(t, 1700000000);
	CHECK_EQ_INT(open_note(note, strlen(note), WITNESS_VKEY, &t), -1);
	CHECK_STR(err, "no signature by " WITNESS);

	/* Keys of the wrong kind for the operation. */
	CHECK_EQ_INT(note_sign(CP_BODY, strlen(CP_BODY), &wit, out,
	    sizeof(out), err, sizeof(err)), -1);
	CHECK_ERR(err, "is not an Ed25519 note key");
	CHECK_EQ_INT(cosig_sign(CP_BODY, strlen(CP_BODY), 1, &court, line,
	    sizeof(line), err, sizeof(err)), -1);
	CHECK_ERR(err, "is not a cosignature key");
	/* A witness signs only checkpoints, at times below 2^63. */
	CHECK_EQ_INT(cosig_sign(PETER_TEXT, strlen(PETER_TEXT), 1, &wit, line,
	    sizeof(line), err, sizeof(err)), -1);
	CHECK_ERR(err, "checkpoint: root hash line missing");
	CHECK_EQ_INT(cosig_sign(CP_BODY, strlen(CP_BODY),
	    (uint64_t)1 << 63, &wit, line, sizeof(line), err, sizeof(err)), -1);
	CHECK_ERR(err, "above 2^63-1");
	CHECK_EQ_INT(cosig_sign(CP_BODY, strlen(CP_BODY), 1, &wit, line,
	    strlen(CP_COSIG), err, sizeof(err)), -1);
	CHECK_ERR(err, "output buffer too small");
	note_signer_wipe(&court);
	note_signer_wipe(&wit);
}

/* Replaces the 8-byte timestamp inside a cosignature line. */
static void
cosig_retime(const char *line, uint64_t t, char *out, size_t cap)
{
	const char *b64 = strrchr(line, ' ') + 1;
	uint8_t raw[4 + 8 + CS_SIG_LEN];
	int i, len;

	len = crypto_base64_decode(b64, strlen(b64) - 1, raw, sizeof(raw));
	CHECK_EQ_INT(len, sizeof(raw));
	for (i = 0; i < 8; i++)
		raw[4 + i] = (uint8_t)(t >> (56 - 8 * i));
	snprintf(out, cap, "%.*s", (int)(b64 - line), line);
	crypto_base64_encode(raw, sizeof(raw), out + strlen(out),
	    cap - strlen(out));
	strcat(out, "\n");
}

static void
test_cosig_negative(void)
{
	char line[256], text[1024];
	uint64_t t = 7;

	/* Altered timestamp. */
	cosig_retime(CP_COSIG, 1700000001, line, sizeof(line));
	snprintf(text, sizeof(text), "%s\n%s%s", CP_BODY, CP_SIG, line);
	CHECK_EQ_INT(open_note(text, strlen(text), WITNESS_VKEY, &t), -1);
	CHECK_STR(err, "bad signature by " WITNESS);
	CHECK_EQ_INT(t, 7);
	cosig_retime(CP_COSIG, (uint64_t)1 << 63, line, sizeof(line));
	snprintf(text, sizeof(text), "%s\n%s%s", CP_BODY, CP_SIG, line);
	CHECK_EQ_INT(open_note(text, strlen(text), WITNESS_VKEY, &t), -1);
	CHECK_STR(err, "bad signature by " WITNESS);
	/* The unaltered line still verifies: retime itself is sound. */
	cosig_retime(CP_COSIG, 1700000000, line, sizeof(line));
	CHECK_STR(line, CP_COSIG);

	/* Altered checkpoint under the cosignature. */
	snprintf(text, sizeof(text), "%s\n%s%s", COURT "\n9\n"
	    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", CP_SIG, CP_COSIG);
	CHECK_EQ_INT(open_note(text, strlen(text), WITNESS_VKEY, &t), -1);
	CHECK_STR(err, "bad signature by " WITNESS);
	CHECK_EQ_INT(open_note(text, strlen(text), COURT_VKEY, &t), -1);
	CHECK_STR(err, "bad signature by " COURT);

	/* A plain note signature under the witness's name and ID: the
	 * cosignature key expects 72 bytes. */
	snprintf(text, sizeof(text), "%s\n%s", CP_BODY, CP_SIG);
	CHECK_EQ_INT(open_note(text, strlen(text), COURT_VKEY, &t), 0);
}

static void
test_checkpoint_parse(void)
{
	static const char *const bad[][2] = {
		{ "", "checkpoint: does not end in a newline" },
		{ COURT "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
		  "checkpoint: does not end in a newline" },
		{ COURT "\n", "checkpoint: size line missing" },
		{ COURT "\n8\n", "checkpoint: root hash line missing" },
		{ "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
		  "checkpoint: origin is empty" },
		{ COURT "\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
		  "checkpoint: size is not a decimal number" },
		{ COURT "\n\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
		  "checkpoint: size is not a decimal number" },
		{ COURT "\n-1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
		  "checkpoint: size is not a decimal number" },
		{ COURT "\n+8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
		  "checkpoint: size is not a decimal number" },
		{ COURT "\n18446744073709551616\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
		  "checkpoint: size is not a decimal number" },
		{ COURT "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQy=\n",
		  "checkpoint: root is not 32 bytes of base64" },
		{ COURT "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\n",
		  "checkpoint: root is not 32 bytes of base64" },
		{ COURT "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\n",
		  "checkpoint: root is not 32 bytes of base64" },
		{ COURT "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n",
		  "checkpoint: empty extension line" },
		{ COURT "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\next\n\n",
		  "checkpoint: empty extension line" },
		{ "a\0b\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
		  "checkpoint: NUL byte at byte 1" },
	};
	struct checkpoint c;
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = strlen(bad[i][0]);
		if (i == sizeof(bad) / sizeof(bad[0]) - 1)
			len = 3 + strlen(bad[i][0] + 3);	/* past the NUL */
		err[0] = '\0';
		CHECK_EQ_INT(checkpoint_parse(bad[i][0], len, &c, err,
		    sizeof(err)), -1);
		CHECK_ERR(err, bad[i][1]);
	}
	/* Extension lines are allowed and not interpreted; 0 and 2^64-1. */
	CHECK_EQ_INT(checkpoint_parse(CP_BODY "ext one\next two\n",
	    strlen(CP_BODY "ext one\next two\n"), &c, err, sizeof(err)), 0);
	CHECK_EQ_INT(c.size, 8);
	CHECK_EQ_INT(checkpoint_parse(EMPTY_CP, strlen(EMPTY_CP), &c, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(c.size, 0);
	CHECK_EQ_INT(checkpoint_parse(MAX_CP, strlen(MAX_CP), &c, err,
	    sizeof(err)), 0);
	CHECK(c.size == UINT64_MAX);
}

static void
test_names(void)
{
	struct note_verifier v;
	uint8_t pub[CS_PUB_LEN] = { 0 };
	char longname[NOTE_NAME_MAX + 1];

	CHECK_EQ_INT(note_verifier_init(&v, "", NOTE_TYPE_ED25519, pub, err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "without spaces or '+'");
	CHECK_EQ_INT(note_verifier_init(&v, "a b", NOTE_TYPE_ED25519, pub, err,
	    sizeof(err)), -1);
	CHECK_EQ_INT(note_verifier_init(&v, "a+b", NOTE_TYPE_ED25519, pub, err,
	    sizeof(err)), -1);
	CHECK_EQ_INT(note_verifier_init(&v, "a\xe3\x80\x80" "b",
	    NOTE_TYPE_ED25519, pub, err, sizeof(err)), -1);
	CHECK_EQ_INT(note_verifier_init(&v, "a", 0x02, pub, err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "key a: unknown key type 0x02");
	memset(longname, 'x', NOTE_NAME_MAX);
	longname[NOTE_NAME_MAX] = '\0';
	CHECK_EQ_INT(note_verifier_init(&v, longname, NOTE_TYPE_ED25519, pub,
	    err, sizeof(err)), -1);
	longname[NOTE_NAME_MAX - 1] = '\0';
	CHECK_EQ_INT(note_verifier_init(&v, longname, NOTE_TYPE_ED25519, pub,
	    err, sizeof(err)), 0);
	/* Non-ASCII names are fine (courts may name logs in Chinese). */
	CHECK_EQ_INT(note_verifier_init(&v, "法院/陇南", NOTE_TYPE_ED25519,
	    pub, err, sizeof(err)), 0);
}

/* A court's checkpoint, whole: the registry's key, its origin, its
 * signature; the cosignature line beside it is not looked at. */
static void
test_checkpoint_open(void)
{
	static const char full[] = CP_BODY "\n" CP_SIG CP_COSIG;
	static const char cosig_only[] = CP_BODY "\n" CP_COSIG;
	static const char other[] = "courtsync/cn/gs\n8\n"
	    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n" CP_SIG;
	struct note_verifier court, wit;
	struct checkpoint c;
	char forged[sizeof(full)];
	size_t bodylen = 0;

	CHECK_EQ_INT(note_vkey_parse(COURT_VKEY, &court, err, sizeof(err)), 0);
	CHECK_EQ_INT(checkpoint_open(full, strlen(full), &court, &c, &bodylen,
	    err, sizeof(err)), 0);
	CHECK_EQ_INT(bodylen, strlen(CP_BODY));
	CHECK_EQ_INT(c.size, 8);
	CHECK_EQ_INT(checkpoint_open(cosig_only, strlen(cosig_only), &court, &c,
	    &bodylen, err, sizeof(err)), -1);
	CHECK_ERR(err, "no signature by " COURT);
	CHECK_EQ_INT(checkpoint_open(other, strlen(other), &court, &c, &bodylen,
	    err, sizeof(err)), -1);
	CHECK_ERR(err, "the origin is courtsync/cn/gs, not " COURT);
	/* One bit of the root flipped: the body the court signed is gone. */
	memcpy(forged, full, sizeof(full));
	forged[strlen(COURT) + 3] ^= 1;
	CHECK_EQ_INT(checkpoint_open(forged, strlen(forged), &court, &c,
	    &bodylen, err, sizeof(err)), -1);
	CHECK_ERR(err, "bad signature by " COURT);
	/* A cosignature key (type 0x04) never opens a checkpoint. */
	CHECK_EQ_INT(note_vkey_parse(WITNESS_VKEY, &wit, err, sizeof(err)), 0);
	CHECK_EQ_INT(checkpoint_open(other, strlen(other), &wit, &c, &bodylen,
	    err, sizeof(err)), -1);
	CHECK_ERR(err, "no signature by " WITNESS);
	/* Not a note at all. */
	CHECK_EQ_INT(checkpoint_open(PETER_TEXT, strlen(PETER_TEXT), &court,
	    &c, &bodylen, err, sizeof(err)), -1);
}

const struct test tests[] = {
	{ "keyid_vkey", test_keyid_vkey },
	{ "vkey_mangled", test_vkey_mangled },
	{ "sign_peter", test_sign_peter },
	{ "open_peter_enoch", test_open_peter_enoch },
	{ "note_negative", test_note_negative },
	{ "note_limits", test_note_limits },
	{ "checkpoint_cosig_golden", test_checkpoint_cosig_golden },
	{ "cosig_negative", test_cosig_negative },
	{ "checkpoint_parse", test_checkpoint_parse },
	{ "checkpoint_open", test_checkpoint_open },
	{ "names", test_names },
	{ NULL, NULL },
};
