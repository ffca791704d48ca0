/*
 * court.c — one court's node (see court.h).
 *
 * Recording is one SQLite transaction: the fold checks and applies the
 * event, the entry is encoded with the previous leaf's hash in "prev",
 * stored, and the Merkle nodes it completes are stored.  Either all of it
 * is durable or none (ARCHITECTURE: "Recording an event and appending its
 * entry is one transaction").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "court.h"
#include "fold.h"
#include "courtsync/entry.h"
#include "courtsync/export.h"
#include "courtsync/file.h"
#include "courtsync/json.h"
#include "views.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

static void
home_file(char *out, size_t cap, const char *home, const char *name)
{
	snprintf(out, cap, "%s/%s", home, name);
}

static void
key_name(const struct config *cfg, char *out, size_t cap)
{
	snprintf(out, cap, "courtsync/%s", cfg->path);
}

static void
remove_home(const char *dir)
{
	static const char *const files[] = {
		"courtsync.conf", "courtsync.db",
		"courtsync.db-wal", "courtsync.db-shm", "log.key", "log.key.new",
		"log.vkey"
	};
	char path[CONFIG_PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		home_file(path, sizeof(path), dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
court_create(const char *home, const struct config *cfg, char *err,
    size_t errlen)
{
	char tmp[CONFIG_PATH_MAX], path[CONFIG_PATH_MAX + 32];
	char name[NOTE_NAME_MAX], vkey[NOTE_NAME_MAX + 128];
	uint8_t seed[CS_SEED_LEN], pub[CS_PUB_LEN];
	struct note_verifier v;
	struct store st;
	struct store_log l;
	struct stat sb;
	char clean[CONFIG_PATH_MAX - 64];
	size_t hl = strlen(home);
	int ret = -1;

	if (config_check(cfg, err, errlen) == -1)
		return -1;
	if (hl >= sizeof(clean)) {
		ERR("home directory name too long");
		return -1;
	}
	/* "dir/" names dir: build "dir.init", not "dir/.init". */
	while (hl > 1 && home[hl - 1] == '/')
		hl--;
	memcpy(clean, home, hl);
	clean[hl] = '\0';
	home = clean;
	if (stat(home, &sb) == 0) {
		ERR("%s already exists; a new court needs a new home directory",
		    home);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.init", home);
	remove_home(tmp);	/* leftovers of an interrupted init */
	if (mkdir(tmp, 0700) == -1) {
		ERR("cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	key_name(cfg, name, sizeof(name));
	if (crypto_ed25519_keygen(seed, pub) == -1) {
		ERR("cannot generate an Ed25519 key");
		goto out;
	}
	home_file(path, sizeof(path), tmp, "log.key");
	if (crypto_key_write(path, seed, err, errlen) == -1)
		goto out;
	if (note_verifier_init(&v, name, NOTE_TYPE_ED25519, pub, err,
	    errlen) == -1 || note_vkey_format(&v, vkey, sizeof(vkey) - 1) < 0)
		goto out;
	strcat(vkey, "\n");
	home_file(path, sizeof(path), tmp, "log.vkey");
	if (file_write_atomic(path, vkey, strlen(vkey), 0644, err,
	    errlen) == -1)
		goto out;
	home_file(path, sizeof(path), tmp, "courtsync.conf");
	if (config_write(cfg, path, err, errlen) == -1)
		goto out;
	home_file(path, sizeof(path), tmp, "courtsync.db");
	if (store_open(&st, path, true, cfg->durable ? STORE_SYNC_FULL :
	    STORE_SYNC_NORMAL, err, errlen) == -1)
		goto out;
	if (store_log_get(&st, cfg->path, true, &l, err, errlen) == -1) {
		store_close(&st);
		goto out;
	}
	store_close(&st);
	if (rename(tmp, home) == -1) {
		ERR("cannot rename %s to %s: %s", tmp, home, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	crypto_wipe(seed, sizeof(seed));
	if (ret == -1)
		remove_home(tmp);
	return ret;
}

int
court_open(struct court *c, const char *home, char *err, size_t errlen)
{
	char path[CONFIG_PATH_MAX + 32];
	int r;

	memset(c, 0, sizeof(*c));
	buf_init(&c->body, CS_ENTRY_MAX);
	buf_init(&c->entry, CS_ENTRY_MAX);
	if (strlen(home) >= sizeof(c->home) - 32) {
		ERR("home directory name too long");
		return -1;
	}
	cs_strlcpy(c->home, home, sizeof(c->home));
	home_file(path, sizeof(path), home, "courtsync.conf");
	if (access(path, F_OK) == -1) {
		ERR("%s is not a courtsync home directory (no courtsync.conf);"
		    " create one with `courtsync -C %s init`", home, home);
		return -1;
	}
	if (config_read(&c->cfg, path, err, errlen) == -1)
		return -1;
	home_file(path, sizeof(path), home, "courtsync.db");
	if (store_open(&c->st, path, false, c->cfg.durable ? STORE_SYNC_FULL :
	    STORE_SYNC_NORMAL, err, errlen) == -1)
		return -1;
	r = store_log_get(&c->st, c->cfg.path, false, &c->log, err, errlen);
	if (r == 0)
		ERR("%s: the database holds no log for %s", path, c->cfg.path);
	if (r != 1) {
		court_close(c);
		return -1;
	}
	/* Deadline rules changed for this deployment (courtsync.conf). */
	for (int i = 0; i < c->cfg.nrules; i++) {
		char why[256];

		if (views_rule_set(&c->st, c->cfg.rules[i].id,
		    c->cfg.rules[i].field, c->cfg.rules[i].value, why,
		    sizeof(why)) == -1) {
			ERR("%s/courtsync.conf: %s", home, why);
			court_close(c);
			return -1;
		}
	}
	/* After a migration: the warning windows, once (docs/VIEWS.md §7). */
	if (views_windows_refresh(&c->st, false, err, errlen) == -1) {
		court_close(c);
		return -1;
	}
	return 0;
}

int
court_registry(const struct court *c, struct registry *reg, char *err,
    size_t errlen)
{
	char f[CONFIG_PATH_MAX + 32], sig[CONFIG_PATH_MAX + 32];
	char ca[CONFIG_PATH_MAX + 32];

	memset(reg, 0, sizeof(*reg));
	config_file(c->home, c->cfg.registry, f, sizeof(f));
	config_file(c->home, c->cfg.registry_sig, sig, sizeof(sig));
	config_file(c->home, c->cfg.ca, ca, sizeof(ca));
	if (access(f, R_OK) != 0)
		return 0;
	return registry_load(reg, f, sig, ca, err, errlen) == -1 ? -1 : 1;
}

void
court_close(struct court *c)
{
	if (c->in_tx)
		court_rollback(c);
	store_close(&c->st);
	buf_free(&c->body);
	buf_free(&c->entry);
}

/* Loads the log's size, frontier and last leaf inside the transaction,
 * unless what this process holds is still current: no other connection
 * has committed since (PRAGMA data_version), so an append costs no reads
 * of the tree in a long-running process. */
static int
load_log(struct court *c, char *err, size_t errlen)
{
	struct store_tree t = { &c->st, 0 };
	int64_t dv;

	if (store_data_version(&c->st, &dv, err, errlen) == -1)
		return -1;
	if (c->cached && dv == c->data_version)
		return 0;
	c->cached = false;
	c->data_version = dv;

	if (store_log_get(&c->st, c->cfg.path, false, &c->log, err,
	    errlen) != 1)
		return -1;
	t.log = c->log.id;
	if (merkle_frontier_load(&c->fr, c->log.size, store_tree_get, &t, err,
	    errlen) == -1)
		return -1;
	memset(c->last_leaf, 0, sizeof(c->last_leaf));
	if (c->log.size > 0 && store_tree_get(&t, 0, c->log.size - 1,
	    c->last_leaf, err, errlen) == -1)
		return -1;
	c->cached = true;
	return 0;
}

int
court_begin(struct court *c, char *err, size_t errlen)
{
	if (store_begin(&c->st, err, errlen) == -1)
		return -1;
	c->in_tx = true;
	if (load_log(c, err, errlen) == -1) {
		court_rollback(c);
		return -1;
	}
	if (!c->catching_up) {
		char why[512];
		int r = court_catch_up_pending(c, why, sizeof(why), err,
		    errlen);

		if (r == -1) {
			court_rollback(c);
			return -1;
		}
		c->behind = r == 1;
	}
	return 0;
}

int
court_append(struct court *c, struct event *ev, uint64_t time,
    uint64_t *index, char *err, size_t errlen)
{
	struct fold_ctx fc = { &c->st, c->log.id, c->cfg.code, NULL, c->cache };
	struct merkle_node done[MERKLE_MAX_LEVELS];
	struct entry e;
	uint8_t leaf[CS_HASH_LEN];
	int nd;

	if (c->behind) {
		ERR("this node was restored or recovered and has not caught up"
		    " with its parent's copy of its log: recording now could "
		    "fork the log (run `courtsync catch-up`, or let `serve` do"
		    " it; `catch-up --offline REASON` overrides)");
		return -1;
	}
	if (event_check(ev, err, errlen) == -1)
		return -1;
	memset(&e, 0, sizeof(e));
	cs_strlcpy(e.origin, c->cfg.path, sizeof(e.origin));
	e.index = c->log.size;
	memcpy(e.prev, c->last_leaf, CS_HASH_LEN);
	e.time = time;
	cs_strlcpy(e.type, event_defs[ev->type].type, sizeof(e.type));
	if (fold_apply(&fc, e.index, time, ev, err, errlen) == -1)
		return -1;
	buf_reset(&c->body);
	buf_reset(&c->entry);
	if (event_encode_body(ev, &c->body, err, errlen) == -1 ||
	    entry_encode(&e, c->body.p, c->body.len, &c->entry, err,
	    errlen) == -1)
		return -1;
	merkle_leaf_hash(c->entry.p, c->entry.len, leaf);
	nd = merkle_frontier_append(&c->fr, leaf, done);
	if (store_entry_put(&c->st, c->log.id, e.index, leaf, done, nd,
	    c->entry.p, c->entry.len, err, errlen) == -1)
		return -1;
	memcpy(c->last_leaf, leaf, CS_HASH_LEN);
	c->log.size++;
	if (index != NULL)
		*index = e.index;
	return 0;
}

int
court_commit(struct court *c, char *err, size_t errlen)
{
	struct fold_ctx fc = { &c->st, c->log.id, c->cfg.code, NULL, c->cache };

	if (fold_flush(&fc, err, errlen) == -1) {
		court_rollback(c);
		return -1;
	}
	c->in_tx = false;
	if (store_commit(&c->st, err, errlen) == -1) {
		c->cached = false;
		return -1;
	}
	return 0;
}

void
court_rollback(struct court *c)
{
	store_rollback(&c->st);
	fold_cache_reset(c->cache);
	c->in_tx = false;
	c->cached = false;	/* the frontier may hold rolled-back appends */
}

int
court_record(struct court *c, struct event *ev, uint64_t *index, char *err,
    size_t errlen)
{
	uint64_t now;

	if (clock_now(&now, err, errlen) == -1 ||
	    court_begin(c, err, errlen) == -1)
		return -1;
	if (court_append(c, ev, now, index, err, errlen) == -1) {
		court_rollback(c);
		return -1;
	}
	return court_commit(c, err, errlen);
}

int
court_root(struct court *c, uint64_t *size, uint8_t root[CS_HASH_LEN],
    char *err, size_t errlen)
{
	if (store_begin_read(&c->st, err, errlen) == -1)
		return -1;
	c->in_tx = true;
	if (load_log(c, err, errlen) == -1) {
		court_rollback(c);
		return -1;
	}
	*size = c->fr.size;
	merkle_frontier_root(&c->fr, root);
	court_rollback(c);
	return 0;
}

/* Signs the tree of the open transaction unless the latest checkpoint
 * already has its size; stores the note.  The caller commits. */
static int
checkpoint_in_tx_at(struct court *c, uint64_t at, uint64_t *size, char *note,
    size_t cap, char *err, size_t errlen);

static int
checkpoint_in_tx(struct court *c, uint64_t *size, char *note, size_t cap,
    char *err, size_t errlen)
{
	return checkpoint_in_tx_at(c, c->log.size, size, note, cap, err, errlen);
}

/* Signs the tree of the first `at` entries unless a checkpoint of that size
 * is already held. */
static int
checkpoint_in_tx_at(struct court *c, uint64_t at, uint64_t *size, char *note,
    size_t cap, char *err, size_t errlen)
{
	char keyfile[CONFIG_PATH_MAX + 32], name[NOTE_NAME_MAX];
	char body[NOTE_NAME_MAX + 128];
	struct note_signer s;
	struct checkpoint ck;
	uint8_t seed[CS_SEED_LEN];
	int r, ret = -1;

	memset(&s, 0, sizeof(s));
	r = store_checkpoint_get(&c->st, c->log.id, at, note, cap, err, errlen);
	if (r == -1)
		return -1;
	if (r == 1) {
		*size = at;
		return 0;
	}
	home_file(keyfile, sizeof(keyfile), c->home, "log.key");
	key_name(&c->cfg, name, sizeof(name));
	if (crypto_key_read(keyfile, seed, err, errlen) == -1)
		return -1;
	r = note_signer_init(&s, name, NOTE_TYPE_ED25519, seed, err, errlen);
	crypto_wipe(seed, sizeof(seed));
	if (r == -1)
		goto out;
	memset(&ck, 0, sizeof(ck));
	cs_strlcpy(ck.origin, name, sizeof(ck.origin));
	ck.size = at;
	if (at == c->log.size) {
		merkle_frontier_root(&c->fr, ck.root);
	} else {
		struct store_tree t = { &c->st, c->log.id };
		if (merkle_root_at(at, store_tree_get, &t, ck.root, err,
		    errlen) == -1)
			goto out;
	}
	if (checkpoint_format(&ck, body, sizeof(body)) < 0 ||
	    note_sign(body, strlen(body), &s, note, cap, err, errlen) < 0)
		goto out;
	if (store_checkpoint_put(&c->st, c->log.id, ck.size, note, err,
	    errlen) == -1)
		goto out;
	*size = ck.size;
	ret = 0;
out:
	note_signer_wipe(&s);
	return ret;
}

int
court_commit_signed(struct court *c, uint64_t *size, char *note, size_t cap,
    char *err, size_t errlen)
{
	if (checkpoint_in_tx(c, size, note, cap, err, errlen) == -1) {
		court_rollback(c);
		return -1;
	}
	return court_commit(c, err, errlen);
}

int
court_sign_batches(struct court *c, uint64_t from, uint64_t max_batch,
    char *err, size_t errlen)
{
	char *note = malloc(NOTE_MAX);
	uint64_t at, size = 0;
	int r;

	if (note == NULL) {
		ERR("out of memory");
		return -1;
	}
	if (court_begin(c, err, errlen) == -1) {
		free(note);
		return -1;
	}
	/* Walk from the parent's size: reuse a checkpoint within reach, else
	 * sign one max_batch further (or at the end).  An import that signed
	 * only its last size still gets pushed in batches the hub accepts. */
	for (at = from; at < c->log.size;) {
		uint64_t fit, reach;

		/* At most max_batch entries and what fits in max_body (less
		 * room for the checkpoint and the map around the entries). */
		if (store_entries_fit(&c->st, c->log.id, at, max_batch,
		    c->cfg.max_body > (64 << 10) ? c->cfg.max_body - (32 << 10) :
		    c->cfg.max_body, &fit, err, errlen) == -1)
			goto fail;
		if (fit == 0)
			break;
		reach = at + fit;

		r = store_checkpoint_next(&c->st, c->log.id, at, reach, &size,
		    err, errlen);
		if (r == -1)
			goto fail;
		if (r == 1 && size <= reach) {
			at = size;
			continue;
		}
		if (checkpoint_in_tx_at(c, reach, &size, note, NOTE_MAX, err,
		    errlen) == -1)
			goto fail;
		at = reach;
	}
	/* An empty log is pushed and witnessed like any other: its
	 * checkpoint 0 (the empty tree's root) says so (PROTOCOL §4). */
	if (c->log.size == 0 && checkpoint_in_tx_at(c, 0, &size, note,
	    NOTE_MAX, err, errlen) == -1)
		goto fail;
	free(note);
	return court_commit(c, err, errlen);
fail:
	free(note);
	court_rollback(c);
	return -1;
}

int
court_checkpoint(struct court *c, uint64_t *size, char *note, size_t cap,
    char *err, size_t errlen)
{
	if (court_begin(c, err, errlen) == -1)
		return -1;
	return court_commit_signed(c, size, note, cap, err, errlen);
}

/* ---- export ---- */

static int
export_entry(void *arg, uint64_t index, const void *data, size_t n,
    const uint8_t leaf[CS_HASH_LEN], char *err, size_t errlen)
{
	(void)index;
	(void)leaf;
	return export_put_entry(arg, data, n, err, errlen);
}

struct export_ckpt_arg {
	struct export_writer	*w;
	struct store		*st;
	int64_t			 log;
	uint64_t		 upto;
	struct buf		 text;
};

/* Each checkpoint up to the exported size, with every cosignature held. */
static int
export_ckpt(void *arg, uint64_t size, const char *note, char *err,
    size_t errlen)
{
	struct export_ckpt_arg *a = arg;

	(void)note;
	if (size > a->upto)
		return 0;
	if (store_checkpoint_text(a->st, a->log, size, &a->text, err,
	    errlen) != 1 || buf_append(&a->text, "", 1) == -1)
		return -1;
	return export_put_checkpoint(a->w, size, (const char *)a->text.p, err,
	    errlen);
}

static int
identity_json(const char *origin, const char *name, const char *code,
    int level, const char *vkey, struct buf *b)
{
	int rc = buf_printf(b, "{\n  \"format\": \"courtsync-export/1\",\n"
	    "  \"origin\": ");
	rc |= json_put_str(b, origin, strlen(origin));
	rc |= buf_printf(b, ",\n  \"name\": ");
	rc |= json_put_str(b, name, strlen(name));
	rc |= buf_printf(b, ",\n  \"code\": ");
	rc |= json_put_str(b, code, strlen(code));
	rc |= buf_printf(b, ",\n  \"level\": %d,\n  \"vkey\": ", level);
	rc |= json_put_str(b, vkey, strlen(vkey));
	rc |= buf_printf(b, ",\n  \"hash\": \"sha256\",\n"
	    "  \"signature\": \"ed25519\"\n}\n");
	rc |= buf_append(b, "", 1);
	return rc == 0 ? 0 : -1;
}

int
court_export(struct court *c, const struct registry *reg, const char *origin,
    const char *dir, uint64_t *entries, char *err, size_t errlen)
{
	struct export_writer w;
	struct export_ckpt_arg ca;
	struct store_log l;
	char note[NOTE_MAX], path[CONFIG_PATH_MAX + 32], vkey[NOTE_NAME_MAX + 128];
	const char *name, *code;
	int level, x, ret = -1;
	uint64_t size;
	struct buf js;
	FILE *f;

	buf_init(&js, 0);
	memset(&w, 0, sizeof(w));
	memset(&ca, 0, sizeof(ca));
	buf_init(&ca.text, 0);
	if (origin == NULL || strcmp(origin, c->cfg.path) == 0) {
		/* Our own log: sign what is there first, so the export ends
		 * at a checkpoint. */
		origin = c->cfg.path;
		if (court_checkpoint(c, &size, note, sizeof(note), err,
		    errlen) == -1)
			return -1;
		home_file(path, sizeof(path), c->home, "log.vkey");
		if ((f = fopen(path, "r")) == NULL ||
		    fgets(vkey, sizeof(vkey), f) == NULL) {
			ERR("cannot read %s: %s", path, strerror(errno));
			if (f != NULL)
				fclose(f);
			return -1;
		}
		fclose(f);
		vkey[strcspn(vkey, "\r\n")] = '\0';
		name = c->cfg.name;
		code = c->cfg.code;
		level = c->cfg.level;
	} else {
		/* A log held as a hub: exported up to the court's latest
		 * checkpoint, with the court's key from the registry. */
		const struct registry_court *rc = reg != NULL ?
		    registry_find(reg, origin) : NULL;

		if (rc == NULL || !rc->has_key) {
			ERR("%s is not in the registry with a key", origin);
			return -1;
		}
		x = store_log_get(&c->st, origin, false, &l, err, errlen);
		if (x != 1) {
			if (x == 0)
				ERR("no log of %s is held here", origin);
			return -1;
		}
		x = store_checkpoint_latest(&c->st, l.id, &size, note,
		    sizeof(note), err, errlen);
		if (x == -1)
			return -1;
		if (x == 0)
			size = 0;
		if (note_vkey_format(&rc->log, vkey, sizeof(vkey) - 1) < 0) {
			ERR("cannot format the key of %s", origin);
			return -1;
		}
		name = rc->name;
		code = rc->code;
		level = rc->level;
	}
	if (store_log_get(&c->st, origin, false, &l, err, errlen) != 1) {
		ERR("no log of %s is held here", origin);
		return -1;
	}
	if (export_begin(&w, dir, err, errlen) == -1)
		goto out;
	/* One read snapshot: entries and checkpoints consistent, writers
	 * (a running serve) not held up. */
	if (store_begin_read(&c->st, err, errlen) == -1)
		goto out;
	c->in_tx = true;
	ca.w = &w;
	ca.st = &c->st;
	ca.log = l.id;
	ca.upto = size;
	if (store_entries_each(&c->st, l.id, 0, size, export_entry, &w,
	    err, errlen) == -1 ||
	    store_checkpoints_each(&c->st, l.id, export_ckpt, &ca, err,
	    errlen) == -1)
		goto out;
	court_rollback(c);
	if (identity_json(origin, name, code, level, vkey, &js) == -1) {
		ERR("out of memory");
		goto out;
	}
	strcat(vkey, "\n");
	if (export_put_file(&w, "court.vkey", vkey, err, errlen) == -1 ||
	    export_put_file(&w, "court.json", (const char *)js.p, err,
	    errlen) == -1 ||
	    export_finish(&w, err, errlen) == -1)
		goto out;
	*entries = size;
	ret = 0;
out:
	if (c->in_tx)
		court_rollback(c);
	if (ret == -1)
		export_abort(&w);
	buf_free(&js);
	buf_free(&ca.text);
	return ret;
}

/* ---- rebuild ---- */

struct rebuild {
	struct fold_ctx	fc;
};

static int
rebuild_entry(void *arg, uint64_t index, const void *data, size_t n,
    const uint8_t leaf[CS_HASH_LEN], char *err, size_t errlen)
{
	struct rebuild *rb = arg;
	char why[512];

	(void)leaf;
	if (fold_apply_entry(&rb->fc, data, n, why, sizeof(why)) == -1) {
		ERR("entry %llu: %s", (unsigned long long)index, why);
		return -1;
	}
	return 0;
}

struct rebuild_logs {
	struct { int64_t id; char origin[CS_ORIGIN_MAX]; } *v;
	size_t n, cap;
};

static int
rebuild_list(void *arg, int64_t id, const char *origin)
{
	struct rebuild_logs *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *p = realloc(l->v, cap * sizeof(*l->v));
		if (p == NULL)
			return 1;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n].id = id;
	cs_strlcpy(l->v[l->n].origin, origin, sizeof(l->v[l->n].origin));
	l->n++;
	return 0;
}

int
court_rebuild(struct court *c, const struct registry *reg, bool check_only,
    uint8_t before[CS_HASH_LEN], uint8_t after[CS_HASH_LEN], char *err,
    size_t errlen)
{
	struct rebuild rb;
	struct rebuild_logs logs = { NULL, 0, 0 };
	int same, ret = -1;

	memset(&rb, 0, sizeof(rb));
	rb.fc.st = &c->st;
	rb.fc.scratch = malloc(2 * sizeof(struct event));
	rb.fc.cache = fold_cache_new();
	if (rb.fc.scratch == NULL || rb.fc.cache == NULL) {
		ERR("out of memory");
		goto out;
	}
	if (court_begin(c, err, errlen) == -1)
		goto out;
	if (store_derived_digest(&c->st, before, err, errlen) == -1 ||
	    store_logs_each(&c->st, rebuild_list, &logs, err, errlen) == -1 ||
	    store_derived_clear(&c->st, err, errlen) == -1)
		goto fail;
	/* Every log held: a hub re-folds its subtree's logs too. */
	for (size_t i = 0; i < logs.n; i++) {
		struct store_log l;
		const struct registry_court *rc;

		if (strcmp(logs.v[i].origin, c->cfg.path) == 0) {
			rb.fc.code = c->cfg.code;
		} else {
			rc = reg != NULL ? registry_find(reg, logs.v[i].origin) :
			    NULL;
			if (rc == NULL) {
				ERR("the log of %s is held here but no registry"
				    " gives its court code", logs.v[i].origin);
				goto fail;
			}
			rb.fc.code = rc->code;
		}
		rb.fc.log = logs.v[i].id;
		if (store_log_get(&c->st, logs.v[i].origin, false, &l, err,
		    errlen) != 1)
			goto fail;
		/* A log received from below: what the fold stage had folded
		 * (court_fold.c); the rest is its to fold. */
		if (strcmp(logs.v[i].origin, c->cfg.path) != 0) {
			struct store_fold f;
			int x = store_fold_get(&c->st, l.id, &f, err, errlen);

			if (x == -1)
				goto fail;
			if (x == 1 && f.folded < l.size)
				l.size = f.folded;
		}
		if (store_entries_each(&c->st, l.id, 0, l.size, rebuild_entry,
		    &rb, err, errlen) == -1 ||
		    fold_flush(&rb.fc, err, errlen) == -1)
			goto fail;
	}
	if (store_derived_digest(&c->st, after, err, errlen) == -1)
		goto fail;
	same = memcmp(before, after, CS_HASH_LEN) == 0;
	if (check_only || same) {
		court_rollback(c);
		ret = same ? 0 : 1;
		goto out;
	}
	if (court_commit(c, err, errlen) == -1)
		goto out;
	ret = 1;
	goto out;
fail:
	court_rollback(c);
out:
	fold_cache_free(rb.fc.cache);
	free(rb.fc.scratch);
	free(logs.v);
	return ret;
}
