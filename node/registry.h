/*
 * registry.h — the deployment's registry of courts (docs/PROTOCOL.md §2):
 * path, level, code, parent, name and log-signing key of every court,
 * signed by the deployment CA.  Hubs verify checkpoints and cosignatures
 * only with keys from here.  Besides courts it may name witnesses (role
 * "witness", e.g. a procuratorate): outside the court hierarchy, no log of
 * their own, a key that only cosigns.
 */
#ifndef COURTSYNC_REGISTRY_H
#define COURTSYNC_REGISTRY_H

#include <stddef.h>

#include "courtsync/codec.h"
#include "event.h"
#include "courtsync/note.h"

#define REGISTRY_MAX	4096	/* courts in one registry */

struct registry_court {
	char			path[CS_ORIGIN_MAX];
	int			level;
	char			code[CS_CODE_MAX];
	char			parent[CS_ORIGIN_MAX];
	char			name[256];
	bool			has_key;
	bool			witness_only;	/* role "witness": holds no
						 * log, only cosigns */
	struct note_verifier	log;	/* checkpoint key, type 0x01 */
	struct note_verifier	witness;/* the same key as a cosigner, 0x04 */
};

struct registry {
	struct registry_court	*courts;	/* owned */
	size_t			 n;
};

/* Loads a registry file.  If sig_file and ca_file are given, the CA's
 * signature over the file's bytes must verify first.  Every line must
 * have 5 or 6 tab-separated fields; paths valid and unique; parents
 * present; a vkey, when given, must be a valid key named courtsync/<path>.
 * Errors name the file and line. */
int	registry_load(struct registry *r, const char *file, const char *sig_file,
	    const char *ca_file, char *err, size_t errlen);
void	registry_free(struct registry *r);
/* The court with this path, or NULL. */
const struct registry_court *registry_find(const struct registry *r,
	    const char *path);
/* The court whose witness key has this name and key ID, or NULL. */
const struct registry_court *registry_witness(const struct registry *r,
	    const char *name, const uint8_t keyid[4]);

#endif
