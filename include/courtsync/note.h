/*
 * note.h — C2SP signed notes (signed-note.md), checkpoints
 * (tlog-checkpoint.md) and cosignatures (tlog-cosignature.md), Ed25519 only.
 *
 * A note is UTF-8 text: a body of one or more lines, each ending in '\n',
 * then one empty line, then one or more signature lines
 *     "— <key name> <base64(key id ‖ signature)>\n"
 * ("—" is U+2014 EM DASH followed by one space).  A signature covers the
 * body bytes exactly, including the body's final newline.
 *
 * Key IDs: the first 4 bytes of SHA-256(key name ‖ 0x0A ‖ type ‖ public key)
 * where type is 0x01 for an Ed25519 note signature and 0x04 for a
 * tlog-cosignature/v1 key.
 */
#ifndef COURTSYNC_NOTE_H
#define COURTSYNC_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "courtsync/crypto.h"

#define NOTE_NAME_MAX	256	/* key names and origins, NUL included */
#define NOTE_MAX	16384	/* whole note text, bytes */
#define NOTE_SIGS_MAX	16	/* signature lines we read from one note */

#define NOTE_TYPE_ED25519	0x01
#define NOTE_TYPE_COSIG		0x04

/* A key that verifies: name, algorithm type, public key and its ID. */
struct note_verifier {
	char		name[NOTE_NAME_MAX];
	uint8_t		type;			/* NOTE_TYPE_* */
	uint8_t		pub[CS_PUB_LEN];
	uint8_t		keyid[4];
};

/* A key that signs.  Wipe with note_signer_wipe when done. */
struct note_signer {
	struct note_verifier	v;
	uint8_t			seed[CS_SEED_LEN];
};

void	note_keyid(const char *name, uint8_t type, const uint8_t pub[CS_PUB_LEN],
	    uint8_t id[4]);
/* Sets up a signer from its name, type and seed (derives pub and key ID). */
int	note_signer_init(struct note_signer *s, const char *name, uint8_t type,
	    const uint8_t seed[CS_SEED_LEN], char *err, size_t errlen);
void	note_signer_wipe(struct note_signer *s);
/* Sets up a verifier from its name, type and public key. */
int	note_verifier_init(struct note_verifier *v, const char *name, uint8_t type,
	    const uint8_t pub[CS_PUB_LEN], char *err, size_t errlen);

/* Verifier keys in the text form of golang.org/x/mod/sumdb/note:
 *     <name>+<8 hex digits of key id>+<base64(type ‖ public key)>
 * parse checks that the key ID matches the name and key. */
int	note_vkey_parse(const char *text, struct note_verifier *v,
	    char *err, size_t errlen);
int	note_vkey_format(const struct note_verifier *v, char *out, size_t cap);

/* One signature line of a note, as read. */
struct note_sig {
	char		name[NOTE_NAME_MAX];
	uint8_t		keyid[4];
	uint8_t		sig[8 + CS_SIG_LEN];	/* cosignatures carry a timestamp */
	size_t		siglen;
};

/* Splits a note into body and signature lines.  *bodylen is the length of
 * the body including its final '\n' (the signed bytes).  Refuses text that
 * is not a well-formed note: no blank line, a malformed signature line,
 * more than NOTE_SIGS_MAX signatures, a NUL byte, over NOTE_MAX bytes. */
int	note_split(const char *text, size_t n, size_t *bodylen,
	    struct note_sig *sigs, size_t *nsigs, char *err, size_t errlen);

/* Signs body (which must end in '\n') and writes the note text
 * body ‖ "\n" ‖ signature line into out.  Returns the note length or -1. */
int	note_sign(const char *body, size_t bodylen, const struct note_signer *s,
	    char *out, size_t cap, char *err, size_t errlen);

/* Finds the signature of verifier v among sigs (by name and key ID) and
 * checks it over body.  Returns 0 if present and valid; -1 with
 * "no signature by <name>" or "bad signature by <name>" otherwise.
 * For a NOTE_TYPE_COSIG verifier, *timestamp (if not NULL) gets the
 * cosignature's time. */
int	note_verify(const char *body, size_t bodylen, const struct note_sig *sigs,
	    size_t nsigs, const struct note_verifier *v, uint64_t *timestamp,
	    char *err, size_t errlen);

/* A checkpoint body (tlog-checkpoint): origin line, decimal tree size, base64
 * root hash, optional extension lines (kept verbatim, not interpreted). */
struct checkpoint {
	char		origin[NOTE_NAME_MAX];
	uint64_t	size;
	uint8_t		root[CS_HASH_LEN];
};

/* Writes the three-line body "origin\nsize\nbase64(root)\n". */
int	checkpoint_format(const struct checkpoint *c, char *out, size_t cap);
/* Parses a checkpoint body: origin non-empty, size decimal without leading
 * zeros (except "0"), root 32 bytes of standard base64. */
int	checkpoint_parse(const char *body, size_t bodylen, struct checkpoint *c,
	    char *err, size_t errlen);

/* A court's signed checkpoint, whole: splits the note, parses its body,
 * requires the origin line to be v's key name and a valid signature by v
 * among the signature lines (others, e.g. cosignatures, are not looked
 * at).  Fills c and *bodylen (the signed bytes).  -1 with err. */
int	checkpoint_open(const char *text, size_t n, const struct note_verifier *v,
	    struct checkpoint *c, size_t *bodylen, char *err, size_t errlen);

/* tlog-cosignature/v1: the witness signs
 *     "cosignature/v1\ntime <t>\n" ‖ checkpoint body
 * and the signature line carries 8-byte big-endian t ‖ Ed25519 signature.
 * Appends the cosignature line for body at time t (seconds since the Unix
 * epoch) to out; returns the line's length or -1. */
int	cosig_sign(const char *body, size_t bodylen, uint64_t t,
	    const struct note_signer *witness, char *line, size_t cap,
	    char *err, size_t errlen);

#endif
