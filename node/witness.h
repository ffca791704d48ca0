/*
 * witness.h — a witness outside the courts (docs/PROTOCOL.md §7): a node
 * that holds no log of its own, reads the hubs' latest checkpoints, checks
 * that each is consistent with what it saw before, and only then cosigns
 * it (C2SP tlog-cosignature/v1) and hands the cosignature back to the hub
 * (POST /v1/cosignature), which keeps and relays it like any other.
 *
 * Its home:
 *     witness.conf         "key = value" lines: path, name, hub…, origin…,
 *                          interval_ms (courtsync(1))
 *     log.key, log.vkey    its Ed25519 key, registered with role "witness"
 *     tls.crt, tls.key     its client certificate (URI:courtsync:<path>)
 *     ca.crt, registry.tsv, registry.tsv.sig
 *     witness.db           what it has seen and cosigned, and evidence
 *
 * The witness's promise is that it never cosigns two checkpoints of one
 * log that are not consistent.  So the checkpoint it is about to cosign is
 * stored durably (witness.db, synchronous=FULL) before the cosignature
 * leaves the process: a witness killed at any instant restarts from a
 * state at least as new as anything it ever signed.
 */
#ifndef COURTSYNC_WITNESS_H
#define COURTSYNC_WITNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "courtsync/note.h"
#include "courtsync/push.h"
#include "registry.h"

#define WITNESS_HUBS_MAX	16
#define WITNESS_ORIGINS_MAX	256
#define WITNESS_URL_MAX		256

struct witness_config {
	char		path[CS_ORIGIN_MAX];	/* its registry path, jcy/gs */
	char		name[CONFIG_NAME_MAX];	/* 甘肃省人民检察院 */
	size_t		nhubs;
	char		hubs[WITNESS_HUBS_MAX][WITNESS_URL_MAX];
	size_t		norigins;		/* 0: every log a hub lists */
	char		origins[WITNESS_ORIGINS_MAX][CS_ORIGIN_MAX];
	unsigned long	interval_ms;		/* between rounds (daemon) */
};

/* Creates a witness home: HOME (mode 0700, must not exist or be empty),
 * witness.conf with path and name, log.key (0600) and log.vkey. */
int	witness_create(const char *home, const char *path, const char *name,
	    char *err, size_t errlen);
/* Reads HOME/witness.conf; errors name the file and line. */
int	witness_config_read(struct witness_config *c, const char *home,
	    char *err, size_t errlen);

/* ---- the state database (node/witness_store.c) ---- */

struct witness_db {
	void		*db;		/* sqlite3 * */
};

/* The newest checkpoint of a log the witness has verified. */
struct witness_seen {
	uint64_t	size;
	uint8_t		root[CS_HASH_LEN];
	char		hub[WITNESS_URL_MAX];	/* where it was seen */
	char		note[NOTE_MAX + 1];	/* the court's signed note */
};

/* Opens (creating) FILE with synchronous=FULL. */
int	witness_db_open(struct witness_db *d, const char *file, char *err,
	    size_t errlen);
/* A zeroed witness_db is fine. */
void	witness_db_close(struct witness_db *d);
/* 1 found (s filled), 0 never seen, -1 error. */
int	witness_db_seen(struct witness_db *d, const char *origin,
	    struct witness_seen *s, char *err, size_t errlen);
/* Records s as the newest checkpoint of origin seen, durably (the commit
 * is fsynced before it returns).  Never lowers a size already recorded. */
int	witness_db_see(struct witness_db *d, const char *origin,
	    const struct witness_seen *s, uint64_t now, char *err,
	    size_t errlen);
/* Keeps evidence that origin's checkpoints a and b (signed notes) are
 * not consistent, with the reason.  1 new, 0 already kept, -1 error. */
int	witness_db_evidence(struct witness_db *d, const char *origin,
	    const char *hub, const char *note_a, const char *note_b,
	    const char *reason, uint64_t now, char *err, size_t errlen);

/* ---- following hubs and cosigning ---- */

struct witness {
	char			 home[CONFIG_PATH_MAX];
	struct witness_config	 cfg;
	struct registry		 reg;
	struct note_signer	 signer;	/* its key, type 0x04 */
	struct witness_db	 db;
	struct push_client	 hubs[WITNESS_HUBS_MAX];
	struct buf		 resp;
	struct buf		 req;
	struct witness_seen	*seen;		/* scratch: the state of a log */
	char			*note;		/* scratch: the hub's checkpoint */
	int			(*cancel)(void);
};

/* Opens a witness: loads the registry (its CA signature must verify),
 * checks that cfg->path is a registry witness whose key is log.key's,
 * opens witness.db and one HTTPS client per hub.  cancel as in push.h. */
int	witness_open(struct witness *w, const char *home,
	    const struct witness_config *cfg, int (*cancel)(void), char *err,
	    size_t errlen);
/* A zeroed witness is fine to close. */
void	witness_close(struct witness *w);

/* What a round found, one call per log looked at. */
enum witness_verdict {
	WITNESS_UNCHANGED,	/* already cosigned here, nothing new */
	WITNESS_COSIGNED,	/* cosigned, and the hub took it */
	WITNESS_FORK,		/* inconsistent: refused, evidence kept */
	WITNESS_FORK_KNOWN,	/* the same again: still refused */
	WITNESS_INVALID,	/* the hub's checkpoint does not verify */
	WITNESS_REFUSED,	/* the hub refused the cosignature */
	WITNESS_FAILED,		/* could not decide (hub unreachable, …) */
};
typedef void (*witness_report_fn)(void *arg, enum witness_verdict v,
    const char *hub, const char *origin, const char *message);

struct witness_stats {
	unsigned	logs, cosigned, forks, invalid, refused, failed;
};

/* One round: for every hub, every origin followed.  Returns 0 (verdicts
 * counted in st and reported through fn) or -1 on a local error (err):
 * the state database cannot be written. */
int	witness_round(struct witness *w, struct witness_stats *st,
	    witness_report_fn fn, void *arg, char *err, size_t errlen);

#endif
