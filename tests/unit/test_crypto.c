/* test_crypto.c — SHA-256 and Ed25519 known answers, base64, key files. */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "courtsync/crypto.h"
#include "harness.h"

static void
check_sha(const char *msg, const char *want)
{
	uint8_t h[CS_HASH_LEN], w[CS_HASH_LEN];

	harness_hex(want, w, sizeof(w));
	crypto_sha256(msg, strlen(msg), h);
	CHECK_MEM(h, w, CS_HASH_LEN);
}

/* FIPS 180-2 appendix B examples. */
static void
test_sha256_known(void)
{
	CHECK_EQ_INT(crypto_init(), 0);
	check_sha("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_sha("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_sha256_million_a(void)
{
	struct crypto_sha256_ctx c = { NULL };
	uint8_t h[CS_HASH_LEN], w[CS_HASH_LEN];
	char chunk[1000];
	int i;

	memset(chunk, 'a', sizeof(chunk));
	harness_hex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    w, sizeof(w));
	CHECK_EQ_INT(crypto_sha256_begin(&c), 0);
	for (i = 0; i < 1000; i++)
		crypto_sha256_update(&c, chunk, sizeof(chunk));
	crypto_sha256_end(&c, h);
	CHECK_MEM(h, w, CS_HASH_LEN);
	/* A context is reusable after end. */
	CHECK_EQ_INT(crypto_sha256_begin(&c), 0);
	crypto_sha256_update(&c, "ab", 2);
	crypto_sha256_update(&c, "c", 1);
	crypto_sha256_end(&c, h);
	harness_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    w, sizeof(w));
	CHECK_MEM(h, w, CS_HASH_LEN);
	crypto_sha256_free(&c);
	crypto_sha256_free(&c);		/* freed context: no-op */
}

static void
test_sha256_two_part(void)
{
	uint8_t a[CS_HASH_LEN], b[CS_HASH_LEN];
	const char *s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	size_t n = strlen(s), i;

	crypto_sha256(s, n, a);
	for (i = 0; i <= n; i++) {
		crypto_sha256_2(s, i, s + i, n - i, b);
		CHECK_MEM(a, b, CS_HASH_LEN);
	}
}

struct ed_vector {
	const char	*seed, *pub, *msg, *sig;
};

/* RFC 8032 §7.1, TEST 1 and TEST 2. */
static const struct ed_vector ed_vectors[] = {
	{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	  "",
	  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
	  "72",
	  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
};

static void
test_ed25519_rfc8032(void)
{
	uint8_t seed[CS_SEED_LEN], pub[CS_PUB_LEN], wpub[CS_PUB_LEN];
	uint8_t sig[CS_SIG_LEN], wsig[CS_SIG_LEN], msg[1];
	size_t i, mlen;

	for (i = 0; i < 2; i++) {
		const struct ed_vector *v = &ed_vectors[i];

		harness_hex(v->seed, seed, sizeof(seed));
		harness_hex(v->pub, wpub, sizeof(wpub));
		harness_hex(v->sig, wsig, sizeof(wsig));
		mlen = strlen(v->msg) / 2;
		harness_hex(v->msg, msg, mlen);
		CHECK_EQ_INT(crypto_ed25519_public(seed, pub), 0);
		CHECK_MEM(pub, wpub, CS_PUB_LEN);
		CHECK_EQ_INT(crypto_ed25519_sign(seed, msg, mlen, sig), 0);
		CHECK_MEM(sig, wsig, CS_SIG_LEN);
		CHECK_EQ_INT(crypto_ed25519_verify(pub, msg, mlen, sig), 0);
	}
}

static void
test_ed25519_forgeries(void)
{
	uint8_t pub1[CS_PUB_LEN], pub2[CS_PUB_LEN], sig1[CS_SIG_LEN];
	uint8_t sig2[CS_SIG_LEN], bad[CS_SIG_LEN], msg[1] = { 0x72 };
	int round;

	harness_hex(ed_vectors[0].pub, pub1, sizeof(pub1));
	harness_hex(ed_vectors[0].sig, sig1, sizeof(sig1));
	harness_hex(ed_vectors[1].pub, pub2, sizeof(pub2));
	harness_hex(ed_vectors[1].sig, sig2, sizeof(sig2));
	/* Alternate keys so the verify cache is both hit and replaced. */
	for (round = 0; round < 3; round++) {
		CHECK_EQ_INT(crypto_ed25519_verify(pub1, "", 0, sig1), 0);
		CHECK_EQ_INT(crypto_ed25519_verify(pub1, "", 0, sig1), 0);
		CHECK_EQ_INT(crypto_ed25519_verify(pub2, msg, 1, sig2), 0);
		/* Wrong key, wrong message, flipped bits. */
		CHECK_EQ_INT(crypto_ed25519_verify(pub2, "", 0, sig1), -1);
		CHECK_EQ_INT(crypto_ed25519_verify(pub1, msg, 1, sig2), -1);
		CHECK_EQ_INT(crypto_ed25519_verify(pub2, "\x73", 1, sig2), -1);
		memcpy(bad, sig2, sizeof(bad));
		bad[0] ^= 1;
		CHECK_EQ_INT(crypto_ed25519_verify(pub2, msg, 1, bad), -1);
		memcpy(bad, sig2, sizeof(bad));
		bad[63] ^= 0x10;
		CHECK_EQ_INT(crypto_ed25519_verify(pub2, msg, 1, bad), -1);
	}
}

static void
test_ed25519_keygen(void)
{
	uint8_t s1[CS_SEED_LEN], p1[CS_PUB_LEN], s2[CS_SEED_LEN];
	uint8_t p2[CS_PUB_LEN], pd[CS_PUB_LEN], sig[CS_SIG_LEN];

	CHECK_EQ_INT(crypto_ed25519_keygen(s1, p1), 0);
	CHECK_EQ_INT(crypto_ed25519_keygen(s2, p2), 0);
	CHECK(memcmp(s1, s2, CS_SEED_LEN) != 0);
	CHECK(memcmp(p1, p2, CS_PUB_LEN) != 0);
	CHECK_EQ_INT(crypto_ed25519_public(s1, pd), 0);
	CHECK_MEM(p1, pd, CS_PUB_LEN);
	CHECK_EQ_INT(crypto_ed25519_sign(s1, "hello", 5, sig), 0);
	CHECK_EQ_INT(crypto_ed25519_verify(p1, "hello", 5, sig), 0);
	CHECK_EQ_INT(crypto_ed25519_verify(p2, "hello", 5, sig), -1);
}

static void
test_random(void)
{
	uint8_t a[64], b[64], zero[64] = { 0 };

	CHECK_EQ_INT(crypto_random(a, sizeof(a)), 0);
	CHECK_EQ_INT(crypto_random(b, sizeof(b)), 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(memcmp(a, zero, sizeof(a)) != 0);
	CHECK_EQ_INT(crypto_random(a, 0), 0);
}

/* RFC 4648 §10. */
static void
test_base64_rfc4648(void)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob",
	    "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v",
	    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	char enc[16];
	uint8_t dec[16];
	size_t i;

	for (i = 0; i < 7; i++) {
		CHECK_EQ_INT(crypto_base64_encode(in[i], strlen(in[i]), enc,
		    sizeof(enc)), strlen(out[i]));
		CHECK_STR(enc, out[i]);
		CHECK_EQ_INT(crypto_base64_decode(out[i], strlen(out[i]), dec,
		    sizeof(dec)), strlen(in[i]));
		CHECK_MEM(dec, in[i], strlen(in[i]));
	}
}

static void
test_base64_strict(void)
{
	static const char *const bad[] = {
		"Zg=",		/* length not a multiple of 4 */
		"Zg",		/* unpadded */
		"Zh==",		/* non-zero bits under the padding */
		"Zm9=",		/* same, one pad */
		"Zm9v!A==",	/* not in the alphabet */
		"Zm9v YmFy",	/* space */
		"Z===",
		"====",
		"=Zg=",
		"Zg==Zm9v",	/* padding in the middle */
		"Zm-v",		/* URL alphabet */
		"Zm_v",
		"Zm9v\n",
	};
	uint8_t dec[16];
	char enc[8];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ_INT(crypto_base64_decode(bad[i], strlen(bad[i]), dec,
		    sizeof(dec)), -1);
	/* Capacity: decode refuses overflow, encode needs room for NUL. */
	CHECK_EQ_INT(crypto_base64_decode("Zm9vYmFy", 8, dec, 5), -1);
	CHECK_EQ_INT(crypto_base64_decode("Zm9vYmFy", 8, dec, 6), 6);
	CHECK_EQ_INT(crypto_base64_encode("foo", 3, enc, 4), -1);
	CHECK_EQ_INT(crypto_base64_encode("foo", 3, enc, 5), 4);
	/* Length bounds the input: no NUL needed. */
	CHECK_EQ_INT(crypto_base64_decode("Zm9vXXXX", 4, dec, sizeof(dec)), 3);
}

static void
test_base64_roundtrip(void)
{
	uint8_t in[100], out[100];
	char enc[140];
	size_t n;
	int len;

	for (n = 0; n < sizeof(in); n++) {
		CHECK_EQ_INT(crypto_random(in, n), 0);
		len = crypto_base64_encode(in, n, enc, sizeof(enc));
		CHECK_EQ_INT(len, (n + 2) / 3 * 4);
		CHECK_EQ_INT(crypto_base64_decode(enc, (size_t)len, out,
		    sizeof(out)), n);
		CHECK_MEM(in, out, n);
	}
}

static void
test_hex_wipe(void)
{
	char out[9];
	uint8_t secret[4] = { 0xde, 0xad, 0xbe, 0xef }, zero[4] = { 0 };

	crypto_hex(secret, 4, out);
	CHECK_STR(out, "deadbeef");
	crypto_hex(secret, 0, out);
	CHECK_STR(out, "");
	crypto_wipe(secret, sizeof(secret));
	CHECK_MEM(secret, zero, sizeof(secret));
}

static char tmpdir[64];

static void
tmp_path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmpdir, name);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
	CHECK_EQ_INT(chmod(path, mode), 0);
}

static void
test_key_files(void)
{
	uint8_t seed[CS_SEED_LEN], back[CS_SEED_LEN], other[CS_SEED_LEN];
	char path[128], newp[160], msg[512], err[256];
	char head[32] = "";
	struct stat st;
	FILE *f;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/courtsync-test-XXXXXX");
	CHECK(mkdtemp(tmpdir) != NULL);
	tmp_path(path, sizeof(path), "log.key");
	snprintf(newp, sizeof(newp), "%s.new", path);
	harness_hex(ed_vectors[0].seed, seed, sizeof(seed));

	/* Round trip, mode 0600, PKCS#8 PEM, no temporary left behind. */
	CHECK_EQ_INT(crypto_key_write(path, seed, err, sizeof(err)), 0);
	CHECK_EQ_INT(stat(path, &st), 0);
	CHECK_EQ_INT(st.st_mode & 0777, 0600);
	CHECK(access(newp, F_OK) == -1);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK(fgets(head, sizeof(head), f) != NULL);
		fclose(f);
	}
	CHECK_STR(head, "-----BEGIN PRIV" "ATE KEY-----\n");
	CHECK_EQ_INT(crypto_key_read(path, back, err, sizeof(err)), 0);
	CHECK_MEM(back, seed, CS_SEED_LEN);

	/* Never overwritten. */
	harness_hex(ed_vectors[1].seed, other, sizeof(other));
	err[0] = '\0';
	CHECK_EQ_INT(crypto_key_write(path, other, err, sizeof(err)), -1);
	CHECK_ERR(err, "exists; refusing to overwrite");
	CHECK_EQ_INT(crypto_key_read(path, back, err, sizeof(err)), 0);
	CHECK_MEM(back, seed, CS_SEED_LEN);
	CHECK(access(newp, F_OK) == -1);

	/* Group- or world-accessible: refused, with the fix in the message. */
	CHECK_EQ_INT(chmod(path, 0644), 0);
	err[0] = '\0';
	CHECK_EQ_INT(crypto_key_read(path, back, err, sizeof(err)), -1);
	snprintf(msg, sizeof(msg), "key file %s is mode 0644; must be 0600 "
	    "(chmod 600 %s)", path, path);
	CHECK_STR(err, msg);
	CHECK_EQ_INT(chmod(path, 0640), 0);
	CHECK_EQ_INT(crypto_key_read(path, back, err, sizeof(err)), -1);
	CHECK_ERR(err, "is mode 0640; must be 0600");
	CHECK_EQ_INT(chmod(path, 0602), 0);
	CHECK_EQ_INT(crypto_key_read(path, back, err, sizeof(err)), -1);
	CHECK_ERR(err, "is mode 0602; must be 0600");
	CHECK_EQ_INT(chmod(path, 0400), 0);
	CHECK_EQ_INT(crypto_key_read(path, back, err, sizeof(err)), 0);
	unlink(path);

	/* A leftover path.new is not clobbered. */
	write_file(newp, "x", 0600);
	err[0] = '\0';
	CHECK_EQ_INT(crypto_key_write(path, seed, err, sizeof(err)), -1);
	CHECK_ERR(err, ".new: File exists");
	CHECK(access(path, F_OK) == -1);
	unlink(newp);

	/* Not a key; missing. */
	write_file(path, "-----BEGIN PRIV" "ATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n", 0600);
	err[0] = '\0';
	CHECK_EQ_INT(crypto_key_read(path, back, err, sizeof(err)), -1);
	CHECK_ERR(err, "not an Ed25519 PKCS#8 PEM private key");
	unlink(path);
	err[0] = '\0';
	CHECK_EQ_INT(crypto_key_read(path, back, err, sizeof(err)), -1);
	CHECK_ERR(err, "No such file or directory");
	CHECK_EQ_INT(rmdir(tmpdir), 0);
}

const struct test tests[] = {
	{ "sha256_known", test_sha256_known },
	{ "sha256_million_a", test_sha256_million_a },
	{ "sha256_two_part", test_sha256_two_part },
	{ "ed25519_rfc8032", test_ed25519_rfc8032 },
	{ "ed25519_forgeries", test_ed25519_forgeries },
	{ "ed25519_keygen", test_ed25519_keygen },
	{ "random", test_random },
	{ "base64_rfc4648", test_base64_rfc4648 },
	{ "base64_strict", test_base64_strict },
	{ "base64_roundtrip", test_base64_roundtrip },
	{ "hex_wipe", test_hex_wipe },
	{ "key_files", test_key_files },
	{ NULL, NULL },
};
