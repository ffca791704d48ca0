/*
 * export.h — the export layout an auditor receives (docs/FORMAT.md §6), its
 * writer, and its verifier.  Needs no database and no network.
 *
 *   DIR/court.vkey            the court's note verifier key, one line
 *   DIR/court.json            identity for people: origin, name, code, level
 *   DIR/entries.bin           every entry in index order, each as a 4-byte
 *                             big-endian length followed by the entry bytes
 *   DIR/checkpoints/<size>    each signed checkpoint note, the file named by
 *                             its tree size in 20 decimal digits
 */
#ifndef COURTSYNC_EXPORT_H
#define COURTSYNC_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "courtsync/codec.h"
#include "courtsync/entry.h"
#include "courtsync/note.h"

#define EXPORT_PATH_MAX	4096

struct export_writer {
	char	 dir[EXPORT_PATH_MAX];		/* final directory */
	char	 tmp[EXPORT_PATH_MAX];		/* DIR.partial while writing */
	FILE	*entries;
	uint64_t count;
};

/* Starts an export into dir, which must not exist yet: everything is
 * written under dir.partial and renamed into place by export_finish, so a
 * crash never leaves a half export under the final name. */
int	export_begin(struct export_writer *w, const char *dir, char *err,
	    size_t errlen);
int	export_put_entry(struct export_writer *w, const void *data, size_t n,
	    char *err, size_t errlen);
int	export_put_checkpoint(struct export_writer *w, uint64_t size,
	    const char *note, char *err, size_t errlen);
/* Writes a whole file at the top of the export (court.vkey, court.json). */
int	export_put_file(struct export_writer *w, const char *name,
	    const char *text, char *err, size_t errlen);
int	export_finish(struct export_writer *w, char *err, size_t errlen);
/* Removes the partial directory; fine after a failed begin. */
void	export_abort(struct export_writer *w);

/* Reads a small file whole into out (cap bytes, NUL-terminated): 0, -1
 * (errno says why), -2 larger than cap allows. */
int	export_read_small(const char *path, char *out, size_t cap, size_t *n);
/* The checkpoint sizes of an export, sorted; *sizes is allocated (free). */
int	export_checkpoint_sizes(const char *dir, uint64_t **sizes, size_t *n,
	    char *err, size_t errlen);
/* Reads one entries.bin frame into data (CS_ENTRY_MAX bytes): 1 read,
 * 0 end of file, -1 truncated, malformed or I/O error. */
int	export_read_frame(FILE *f, uint8_t *data, size_t *n);

/* What a verification found. */
struct export_report {
	char		origin[CS_ORIGIN_MAX];
	uint64_t	entries;		/* entries read and checked */
	uint64_t	checkpoints;		/* checkpoints verified */
	uint64_t	size;			/* size of the latest checkpoint */
	uint8_t		root[CS_HASH_LEN];	/* its root */
	char		problem[1024];		/* first problem, "" if none */
};

/* Called for every checkpoint as it verifies, in ascending size, with the
 * `time` of the last entry it covers (0 for size 0): the earliest moment
 * anyone could have cosigned it. */
typedef void (*export_checkpoint_fn)(void *arg, uint64_t size,
    uint64_t last_time);

/* Progress callback: entries checked so far (every 65536 and at the end). */
typedef void (*export_progress_fn)(void *arg, uint64_t done, uint64_t total_bytes,
    uint64_t read_bytes);

/*
 * Verifies an export: court.vkey (equal to `vkey` if not NULL), every
 * entry's envelope, origin, index and prev link, every checkpoint's origin,
 * size, signature and root against the entries, checkpoints in ascending
 * size (so each is consistent with the one before), and that the latest
 * checkpoint covers every entry.  Returns 0 if all holds; 1 with
 * report->problem naming the first bad entry or checkpoint; -1 with err
 * for a system error (unreadable directory).
 */
int	export_verify(const char *dir, const char *vkey, struct export_report *r,
	    export_progress_fn progress, void *arg, char *err, size_t errlen);
/* The same, calling on_ck (if not NULL) with arg for every checkpoint
 * that verified. */
int	export_verify_each(const char *dir, const char *vkey,
	    struct export_report *r, export_progress_fn progress,
	    export_checkpoint_fn on_ck, void *arg, char *err, size_t errlen);

#endif
