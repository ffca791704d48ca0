/*
 * court_restore.c — backups that cannot fork a log (docs/OPERATIONS.md):
 * an online, verified copy of the database; a restore that marks the node
 * as behind its parent; a node rebuilt from its keys alone; and the append
 * of entries the parent holds verbatim (relay_catch_up fetches them).
 *
 * Why the mark: a copy is older than the log the parent has verified.  If
 * the restored node recorded at once, its next entry would take an index
 * the parent already holds with other bytes — an equivocation, kept as
 * evidence at every level, after which the parent never takes the log
 * again.  So until the node has fetched and verified what it lost from its
 * parent (or an operator overrides, logged, for a court that must work
 * offline), court_append refuses.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "courtsync/file.h"
#include "courtsync/note.h"
#include "court.h"
#include "fold.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

static void
home_path(char *out, size_t cap, const char *home, const char *name)
{
	snprintf(out, cap, "%s/%s", home, name);
}

int
court_lock_home(const char *home, bool wait, int *fd, char *err,
    size_t errlen)
{
	char path[CONFIG_PATH_MAX + 32];

	home_path(path, sizeof(path), home, COURT_LOCK_FILE);
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		ERR("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(*fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == -1) {
		ERR("%s is in use: a `courtsync serve` of this home is running"
		    " (stop it first)", home);
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

/*
 * A copy is sound when SQLite finds it intact, it holds the log of origin,
 * and that log's tree reproduces the root its latest checkpoint signed.
 */
int
court_check_copy(const char *file, const char *origin, uint64_t *size,
    char *err, size_t errlen)
{
	struct store st;
	struct store_log l;
	struct store_tree t;
	struct note_sig sigs[NOTE_SIGS_MAX];
	struct checkpoint ck;
	uint8_t root[CS_HASH_LEN];
	char note[NOTE_MAX], why[CS_ERR_MAX];
	size_t bodylen, nsigs;
	uint64_t latest;
	int r, rc = -1;

	if (store_open(&st, file, false, STORE_SYNC_NORMAL, why,
	    sizeof(why)) == -1) {
		ERR("%s: %s", file, why);
		return -1;
	}
	if (store_integrity(&st, why, sizeof(why)) == -1) {
		ERR("%s: %s", file, why);
		goto out;
	}
	if ((r = store_log_get(&st, origin, false, &l, why,
	    sizeof(why))) != 1) {
		if (r == 0)
			ERR("%s holds no log of %s: not a copy of this court's"
			    " database", file, origin);
		else
			ERR("%s: %s", file, why);
		goto out;
	}
	*size = l.size;
	r = store_checkpoint_latest(&st, l.id, &latest, note, sizeof(note),
	    why, sizeof(why));
	if (r == -1) {
		ERR("%s: %s", file, why);
		goto out;
	}
	if (r == 1) {
		t.s = &st;
		t.log = l.id;
		if (note_split(note, strlen(note), &bodylen, sigs, &nsigs, why,
		    sizeof(why)) == -1 || checkpoint_parse(note, bodylen, &ck,
		    why, sizeof(why)) == -1 || ck.size > l.size ||
		    merkle_root_at(ck.size, store_tree_get, &t, root, why,
		    sizeof(why)) == -1) {
			ERR("%s: the latest checkpoint cannot be checked: %s",
			    file, why);
			goto out;
		}
		if (memcmp(root, ck.root, CS_HASH_LEN) != 0) {
			ERR("%s: the log's tree does not reproduce the root of "
			    "its checkpoint at %llu: the copy is damaged", file,
			    (unsigned long long)ck.size);
			goto out;
		}
	}
	rc = 0;
out:
	store_close(&st);
	return rc;
}

int
court_backup(struct court *c, const char *file, uint64_t *size, char *err,
    size_t errlen)
{
	char tmp[CONFIG_PATH_MAX + 64], dir[CONFIG_PATH_MAX + 64], *slash;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	unlink(tmp);
	if (store_backup(&c->st, tmp, err, errlen) == -1 ||
	    court_check_copy(tmp, c->cfg.path, size, err, errlen) == -1) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, file) == -1) {
		ERR("cannot rename %s to %s: %s", tmp, file, strerror(errno));
		unlink(tmp);
		return -1;
	}
	cs_strlcpy(dir, file, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	return file_sync_dir(slash != NULL ? (dir[0] != '\0' ? dir : "/") :
	    ".") == -1 ? (ERR("cannot sync the directory of %s", file), -1) :
	    0;
}

/* Copies src to dst (created, 0600) and syncs it. */
static int
copy_file(const char *src, const char *dst, char *err, size_t errlen)
{
	char buf[1 << 16];
	int in, out = -1, rc = -1;
	ssize_t n;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1) {
		ERR("cannot open %s: %s", src, strerror(errno));
		return -1;
	}
	if ((out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		ERR("cannot create %s: %s", dst, strerror(errno));
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (file_write_all(out, buf, (size_t)n) == -1) {
			ERR("cannot write %s: %s", dst, strerror(errno));
			goto out;
		}
	if (n == -1 || fsync(out) == -1) {
		ERR("cannot copy %s to %s: %s", src, dst, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(in);
	if (out != -1)
		close(out);
	return rc;
}

/* Marks the database at path as behind its parent, with why. */
static int
mark_behind(const char *path, const char *why, char *err, size_t errlen)
{
	struct store st;
	int rc;

	if (store_open(&st, path, false, STORE_SYNC_FULL, err, errlen) == -1)
		return -1;
	rc = store_meta_set(&st, COURT_CATCH_UP_KEY, why, err, errlen);
	store_close(&st);
	return rc;
}

/* Puts the database at tmp in place of HOME/courtsync.db. */
static int
swap_in(const char *home, const char *tmp, char *err, size_t errlen)
{
	char db[CONFIG_PATH_MAX + 32], side[CONFIG_PATH_MAX + 40];

	home_path(db, sizeof(db), home, "courtsync.db");
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
	if (rename(tmp, db) == -1) {
		ERR("cannot rename %s to %s: %s", tmp, db, strerror(errno));
		return -1;
	}
	if (file_sync_dir(home) == -1) {
		ERR("cannot sync %s", home);
		return -1;
	}
	return 0;
}

static int
read_config(const char *home, struct config *cfg, char *err, size_t errlen)
{
	char path[CONFIG_PATH_MAX + 32];

	home_path(path, sizeof(path), home, "courtsync.conf");
	if (access(path, F_OK) == -1) {
		ERR("%s is not a courtsync home directory (no courtsync.conf)",
		    home);
		return -1;
	}
	return config_read(cfg, path, err, errlen);
}

int
court_restore(const char *home, const char *file, uint64_t *size, char *err,
    size_t errlen)
{
	struct config cfg;
	char tmp[CONFIG_PATH_MAX + 32], why[512];
	int lock = -1, rc = -1;

	if (read_config(home, &cfg, err, errlen) == -1 ||
	    court_lock_home(home, false, &lock, err, errlen) == -1)
		return -1;
	home_path(tmp, sizeof(tmp), home, "courtsync.db.restore");
	if (copy_file(file, tmp, err, errlen) == -1 ||
	    court_check_copy(tmp, cfg.path, size, err, errlen) == -1)
		goto out;
	snprintf(why, sizeof(why), "restored from %s (%llu entries) at %lld",
	    file, (unsigned long long)*size, (long long)time(NULL));
	if (mark_behind(tmp, why, err, errlen) == -1 ||
	    swap_in(home, tmp, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		unlink(tmp);
	close(lock);
	return rc;
}

int
court_recover_init(const char *home, char *err, size_t errlen)
{
	struct config cfg;
	struct store st;
	struct store_log l;
	char db[CONFIG_PATH_MAX + 32], tmp[CONFIG_PATH_MAX + 32], why[128];
	int lock = -1, rc = -1;

	if (read_config(home, &cfg, err, errlen) == -1 ||
	    court_lock_home(home, false, &lock, err, errlen) == -1)
		return -1;
	home_path(db, sizeof(db), home, "courtsync.db");
	if (access(db, F_OK) == 0) {
		ERR("%s exists: recover builds a node that has lost its "
		    "database; move it away first (or restore a backup)", db);
		goto out;
	}
	home_path(tmp, sizeof(tmp), home, "courtsync.db.recover");
	unlink(tmp);
	if (store_open(&st, tmp, true, STORE_SYNC_FULL, err, errlen) == -1)
		goto out;
	snprintf(why, sizeof(why), "recovered from nothing at %lld",
	    (long long)time(NULL));
	if (store_log_get(&st, cfg.path, true, &l, err, errlen) == -1 ||
	    store_meta_set(&st, COURT_CATCH_UP_KEY, why, err, errlen) == -1) {
		store_close(&st);
		unlink(tmp);
		goto out;
	}
	store_close(&st);
	rc = swap_in(home, tmp, err, errlen);
out:
	close(lock);
	return rc;
}

int
court_catch_up_pending(struct court *c, char *why, size_t cap, char *err,
    size_t errlen)
{
	int r = store_meta_get(&c->st, COURT_CATCH_UP_KEY, why, cap, err,
	    errlen);

	if (r == -1)
		return -1;
	return r == 1 && why[0] != '\0';
}

int
court_catch_up_clear(struct court *c, char *err, size_t errlen)
{
	return store_meta_set(&c->st, COURT_CATCH_UP_KEY, "", err, errlen);
}

/*
 * One entry of this court's own log, as its parent holds it: it must be the
 * next (origin, index, prev) and its body an event the fold accepts; then
 * it is folded and appended exactly as court_append does for new events.
 */
int
court_append_entry(struct court *c, const void *p, size_t n, char *err,
    size_t errlen)
{
	struct fold_ctx fc = { &c->st, c->log.id, c->cfg.code, NULL, c->cache };
	struct merkle_node done[MERKLE_MAX_LEVELS];
	struct event *ev;
	struct entry e;
	uint8_t leaf[CS_HASH_LEN];
	int nd, rc = -1;

	if (entry_decode(p, n, &e, err, errlen) == -1)
		return -1;
	if (strcmp(e.origin, c->cfg.path) != 0 || e.index != c->log.size ||
	    memcmp(e.prev, c->last_leaf, CS_HASH_LEN) != 0) {
		ERR("entry %llu from the parent does not continue this log "
		    "(origin %s, index %llu, previous leaf)",
		    (unsigned long long)c->log.size, e.origin,
		    (unsigned long long)e.index);
		return -1;
	}
	if ((ev = calloc(2, sizeof(*ev))) == NULL) {
		ERR("out of memory");
		return -1;
	}
	ev->replacement = &ev[1];
	if (event_decode_body(e.type, e.body, e.bodylen, ev, err,
	    errlen) == -1 || fold_apply(&fc, e.index, e.time, ev, err,
	    errlen) == -1)
		goto out;
	merkle_leaf_hash(p, n, leaf);
	nd = merkle_frontier_append(&c->fr, leaf, done);
	if (store_entry_put(&c->st, c->log.id, e.index, leaf, done, nd, p, n,
	    err, errlen) == -1)
		goto out;
	memcpy(c->last_leaf, leaf, CS_HASH_LEN);
	c->log.size++;
	rc = 0;
out:
	free(ev);
	return rc;
}
