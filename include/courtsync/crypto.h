/*
 * crypto.h — SHA-256, Ed25519, base64 and key files, over OpenSSL 3.
 *
 * Conventions for every courtsync module: functions return 0 on success and
 * -1 on failure; on failure they write a message naming the problem into the
 * caller's buffer `err` of `errlen` bytes (errlen may be 0).  Modules never
 * print and never exit.  The caller allocates every context.
 *
 * This module and sync/tls.c are the only ones that include <openssl/...>.
 */
#ifndef COURTSYNC_CRYPTO_H
#define COURTSYNC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_HASH_LEN	32	/* SHA-256 output */
#define CS_PUB_LEN	32	/* Ed25519 public key */
#define CS_SEED_LEN	32	/* Ed25519 private key (RFC 8032 seed) */
#define CS_SIG_LEN	64	/* Ed25519 signature */

/* Fetches the SHA-256 implementation once (FIELD-NOTES: EVP_Digest looks it
 * up on every call otherwise).  Safe to call more than once; every other
 * function calls it when needed.  Returns 0, or -1 if OpenSSL lacks it. */
int	crypto_init(void);

/* out = SHA-256(p[0..n)).  Aborts only on OpenSSL internal failure. */
void	crypto_sha256(const void *p, size_t n, uint8_t out[CS_HASH_LEN]);
/* out = SHA-256(a ‖ b): the two-part form the Merkle tree needs. */
void	crypto_sha256_2(const void *a, size_t an, const void *b, size_t bn,
	    uint8_t out[CS_HASH_LEN]);

/* Incremental SHA-256.  A zeroed context is valid for crypto_sha256_free. */
struct crypto_sha256_ctx {
	void	*md;		/* EVP_MD_CTX * */
};
int	crypto_sha256_begin(struct crypto_sha256_ctx *c);
void	crypto_sha256_update(struct crypto_sha256_ctx *c, const void *p, size_t n);
void	crypto_sha256_end(struct crypto_sha256_ctx *c, uint8_t out[CS_HASH_LEN]);
void	crypto_sha256_free(struct crypto_sha256_ctx *c);

/* Fills p with n bytes from the OS CSPRNG. */
int	crypto_random(void *p, size_t n);

/* Makes a new Ed25519 key: a random seed and its public key. */
int	crypto_ed25519_keygen(uint8_t seed[CS_SEED_LEN], uint8_t pub[CS_PUB_LEN]);
/* Derives the public key of a seed. */
int	crypto_ed25519_public(const uint8_t seed[CS_SEED_LEN], uint8_t pub[CS_PUB_LEN]);
/* sig = Ed25519(seed, msg) — deterministic (RFC 8032). */
int	crypto_ed25519_sign(const uint8_t seed[CS_SEED_LEN], const void *msg,
	    size_t n, uint8_t sig[CS_SIG_LEN]);
/* Returns 0 if sig is a valid signature of msg under pub, -1 otherwise.
 * Keeps the last public key parsed, so verifying many signatures of one
 * court costs one key set-up. */
int	crypto_ed25519_verify(const uint8_t pub[CS_PUB_LEN], const void *msg,
	    size_t n, const uint8_t sig[CS_SIG_LEN]);

/* Writes the seed as a PKCS#8 PEM private key file, mode 0600, atomically
 * (path.new, fsync, rename).  Refuses to overwrite an existing file. */
int	crypto_key_write(const char *path, const uint8_t seed[CS_SEED_LEN],
	    char *err, size_t errlen);
/* Reads an Ed25519 PKCS#8 PEM private key.  Refuses a file readable or
 * writable by group or others ("key file X is mode 0644; must be 0600"). */
int	crypto_key_read(const char *path, uint8_t seed[CS_SEED_LEN],
	    char *err, size_t errlen);

/* Standard base64 (RFC 4648 §4, with padding).  encode writes a NUL-terminated
 * string and returns its length, or -1 if cap is too small.  decode returns
 * the decoded length, or -1 on any invalid character, bad padding or
 * overflow of cap. */
int	crypto_base64_encode(const void *p, size_t n, char *out, size_t cap);
int	crypto_base64_decode(const char *s, size_t n, uint8_t *out, size_t cap);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void	crypto_hex(const void *p, size_t n, char *out);

/* Verifies a signature made with the private key of the certificate in
 * cert_file (PEM; e.g. the deployment CA signing the registry: ECDSA or
 * RSA over SHA-256, DER signature as `openssl dgst -sha256 -sign` makes).
 * The certificate itself is taken as trusted: it is the anchor. */
int	crypto_verify_by_cert(const char *cert_file, const void *data, size_t n,
	    const uint8_t *sig, size_t siglen, char *err, size_t errlen);

/* The court a TLS certificate names: its one subjectAltName URI
 * "courtsync:<court path>" (certs/README.md).  Copies the path to out, or
 * "" when there is none, more than one, or it is not a valid court path.
 * cert is an OpenSSL X509; whether it chains to the CA is the caller's to
 * check first: anyone can mint a certificate that says "courtsync:cn". */
#define CS_COURT_URI_PREFIX	"courtsync:"
struct x509_st;
void	crypto_cert_court(const struct x509_st *cert, char *out, size_t cap);
/* The notAfter of the first certificate in a PEM file, or the nextUpdate
 * of the first CRL in one, as Unix seconds.  0, or -1 with err naming the
 * file (a CRL without nextUpdate is an error: it would never expire). */
int	crypto_cert_not_after(const char *file, int64_t *t, char *err,
	    size_t errlen);
int	crypto_crl_next_update(const char *file, int64_t *t, char *err,
	    size_t errlen);

/* scrypt (RFC 7914) of a password: the memory-hard KDF for staff
 * passwords (N = 2^log2n, r, p; memory 128·N·r bytes).  0 or -1. */
int	crypto_scrypt(const char *pass, size_t passlen, const uint8_t *salt,
	    size_t saltlen, unsigned log2n, unsigned r, unsigned p,
	    uint8_t *out, size_t outlen);
/* Constant-time equality of n bytes. */
bool	crypto_equal(const void *a, const void *b, size_t n);

/* Wipes secrets so the compiler cannot drop the store. */
void	crypto_wipe(void *p, size_t n);

#endif
