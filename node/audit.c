/*
 * audit.c — the auditor's core (audit.h, docs/FORMAT.md §9): an export
 * verified against the registry, its cosignatures, the fold replayed into
 * a throw-away database; two views compared, with the comparison file
 * written and checked; a hub's view followed from a saved state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "courtsync/audit.h"
#include "courtsync/export.h"
#include "courtsync/fold.h"
#include "courtsync/store.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define PROBLEM(...) snprintf(r->problem, sizeof(r->problem), __VA_ARGS__)
#define ULL(x) ((unsigned long long)(x))
#define EMDASH "\xe2\x80\x94"
#define REPLAY_TX 50000		/* entries per replay transaction */
#define COMPARISON_MAGIC "courtsync-comparison/1"
#define MONITOR_MAGIC "courtsync-monitor/1"

void
audit_options_init(struct audit_options *o)
{
	memset(o, 0, sizeof(*o));
	o->replay = true;
	o->backfill_days = 7;
	o->skip_fold = UINT64_MAX;
}

void
audit_report_free(struct audit_report *r)
{
	free(r->ck);
	free(r->num);
	free(r->bf);
	r->ck = NULL;
	r->num = NULL;
	r->bf = NULL;
	r->nck = r->nnum = r->nbf = 0;
}


int
audit_cosigs(const char *note, size_t n, const char *origin,
    const struct registry *reg, struct audit_ckpt *ck, char *problem,
    size_t plen)
{
	struct note_sig sigs[NOTE_SIGS_MAX];
	size_t bodylen, nsigs = NOTE_SIGS_MAX;
	const struct registry_court *self = registry_find(reg, origin);
	char why[256], name[NOTE_NAME_MAX], hex[9];

	ck->nwit = 0;
	if (note_split(note, n, &bodylen, sigs, &nsigs, why, sizeof(why)) == -1) {
		snprintf(problem, plen, "checkpoint %llu: %s", ULL(ck->size), why);
		return 1;
	}
	snprintf(name, sizeof(name), "courtsync/%s", origin);
	for (size_t i = 0; i < nsigs; i++) {
		const struct registry_court *w;
		struct audit_witness *aw;
		uint64_t t = 0;

		if (self != NULL && strcmp(sigs[i].name, name) == 0 &&
		    memcmp(sigs[i].keyid, self->log.keyid, 4) == 0)
			continue;		/* the court's own signature */
		w = registry_witness(reg, sigs[i].name, sigs[i].keyid);
		if (w != NULL && strcmp(w->path, origin) == 0)
			continue;	/* a court cannot witness its own log */
		if (w == NULL) {
			/* A registered court's name with another key: a
			 * cosignature nobody in the deployment could make. */
			if (strncmp(sigs[i].name, "courtsync/", 10) == 0 &&
			    registry_find(reg, sigs[i].name + 10) != NULL) {
				crypto_hex(sigs[i].keyid, 4, hex);
				snprintf(problem, plen, "checkpoint %llu: bad"
				    " cosignature by %s (key ID %s is not its"
				    " registered witness key)", ULL(ck->size),
				    sigs[i].name + 10, hex);
				return 1;
			}
			continue;		/* not of this deployment */
		}
		if (note_verify(note, bodylen, &sigs[i], 1, &w->witness, &t, why,
		    sizeof(why)) == -1) {
			snprintf(problem, plen, "checkpoint %llu: bad cosignature"
			    " by %s", ULL(ck->size), w->path);
			return 1;
		}
		aw = &ck->wit[ck->nwit++];
		cs_strlcpy(aw->court, w->path, sizeof(aw->court));
		aw->level = w->level;
		aw->time = t;
	}
	return 0;
}

/* ---- auditing an export ---- */

struct vshim {
	const struct audit_options *o;
};

static void
verify_progress(void *arg, uint64_t done, uint64_t total, uint64_t readb)
{
	const struct audit_options *o = ((struct vshim *)arg)->o;

	o->progress(o->arg, "verifying", done, readb, total);
}

/* Every checkpoint's cosignatures; in the replay store too if st. */
static int
audit_all_cosigs(const char *dir, const struct registry *reg,
    struct audit_report *r, char *err, size_t errlen)
{
	char path[EXPORT_PATH_MAX + 64], *text = NULL;
	uint64_t *sizes = NULL;
	size_t n, len;
	int ret = -1;

	if (export_checkpoint_sizes(dir, &sizes, &n, err, errlen) == -1)
		return -1;
	if ((text = malloc(NOTE_MAX + 2)) == NULL ||
	    (n > 0 && (r->ck = calloc(n, sizeof(*r->ck))) == NULL)) {
		ERR("out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct audit_ckpt *ck = &r->ck[i];

		snprintf(path, sizeof(path), "%s/checkpoints/%020llu", dir,
		    ULL(sizes[i]));
		if (export_read_small(path, text, NOTE_MAX + 2, &len) != 0) {
			ERR("cannot read %s", path);
			goto out;
		}
		ck->size = sizes[i];
		r->nck = i + 1;
		if (audit_cosigs(text, len, r->origin, reg, ck, r->problem,
		    sizeof(r->problem)) != 0) {
			ret = 1;
			goto out;
		}
	}
	ret = 0;
out:
	free(sizes);
	free(text);
	return ret;
}

/* The replay: a fresh database in a temporary directory. */
struct replay {
	char			 dir[EXPORT_PATH_MAX];
	char			 db[EXPORT_PATH_MAX + 32];
	struct store		 st;
	struct store_log	 l;
	struct fold_ctx		 fc;
	bool			 open;
};

static void
replay_close(struct replay *rp)
{
	const char *sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[EXPORT_PATH_MAX + 64];

	if (rp->open)
		store_close(&rp->st);
	rp->open = false;
	fold_cache_free(rp->fc.cache);
	free(rp->fc.scratch);
	rp->fc.cache = NULL;
	rp->fc.scratch = NULL;
	if (rp->dir[0] == '\0')
		return;
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", rp->db, sfx[i]);
		unlink(p);
	}
	rmdir(rp->dir);
	rp->dir[0] = '\0';
}

static int
replay_open(struct replay *rp, const struct audit_options *o,
    const struct audit_report *r, char *err, size_t errlen)
{
	const char *tmp = o->tmpdir != NULL ? o->tmpdir : getenv("TMPDIR");

	memset(rp, 0, sizeof(*rp));
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(rp->dir, sizeof(rp->dir), "%s/courtsync-audit.XXXXXX", tmp);
	if (mkdtemp(rp->dir) == NULL) {
		ERR("cannot create a directory in %s: %s", tmp, strerror(errno));
		rp->dir[0] = '\0';
		return -1;
	}
	snprintf(rp->db, sizeof(rp->db), "%s/replay.db", rp->dir);
	if (store_open(&rp->st, rp->db, true, STORE_SYNC_NORMAL, err,
	    errlen) == -1)
		return -1;
	rp->open = true;
	if (store_log_get(&rp->st, r->origin, true, &rp->l, err, errlen) != 1)
		return -1;
	rp->fc.st = &rp->st;
	rp->fc.log = rp->l.id;
	rp->fc.code = r->code;
	rp->fc.scratch = calloc(2, sizeof(struct event));
	rp->fc.cache = fold_cache_new();
	if (rp->fc.scratch == NULL || rp->fc.cache == NULL) {
		ERR("out of memory");
		return -1;
	}
	return 0;
}

/* Checkpoints and cosignatures into the replay store, so the back-filling
 * report knows when each entry was first witnessed. */
static int
replay_checkpoints(struct replay *rp, const char *dir, char *err,
    size_t errlen)
{
	char path[EXPORT_PATH_MAX + 64], *text;
	uint64_t *sizes = NULL;
	size_t n, len;
	int ret = -1;

	if ((text = malloc(NOTE_MAX + 2)) == NULL) {
		ERR("out of memory");
		return -1;
	}
	if (export_checkpoint_sizes(dir, &sizes, &n, err, errlen) == -1)
		goto out;
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/checkpoints/%020llu", dir,
		    ULL(sizes[i]));
		if (export_read_small(path, text, NOTE_MAX + 2, &len) != 0) {
			ERR("cannot read %s", path);
			goto out;
		}
		if (store_checkpoint_put(&rp->st, rp->l.id, sizes[i], text, err,
		    errlen) == -1)
			goto out;
	}
	ret = 0;
out:
	free(sizes);
	free(text);
	return ret;
}

static int
replay_cosigs(struct replay *rp, const struct audit_report *r, char *err,
    size_t errlen)
{
	char line[64];

	for (size_t i = 0; i < r->nck; i++)
		for (size_t j = 0; j < r->ck[i].nwit; j++) {
			/* Only the time matters to the views; the line
			 * itself is in the checkpoint file. */
			snprintf(line, sizeof(line), "(audit)");
			if (store_cosig_put(&rp->st, rp->l.id, r->ck[i].size,
			    r->ck[i].wit[j].court, r->ck[i].wit[j].time, line,
			    err, errlen) == -1)
				return -1;
		}
	return 0;
}

static int
keep_numbering(void *arg, const struct numbering_issue *i)
{
	struct audit_report *r = arg;

	r->num_total++;
	if (r->nnum < AUDIT_KEEP_MAX)
		r->num[r->nnum++] = *i;
	return 0;
}

static int
keep_backfill(void *arg, const struct backfill *b)
{
	struct audit_report *r = arg;

	r->bf_total++;
	if (r->nbf < AUDIT_KEEP_MAX)
		r->bf[r->nbf++] = *b;
	return 0;
}

/* Replays every entry through the fold; 0, 1 (problem), -1. */
static int
replay(const char *dir, const struct audit_options *o, struct audit_report *r,
    char *err, size_t errlen)
{
	char path[EXPORT_PATH_MAX + 32], why[600];
	struct replay rp;
	struct merkle_frontier *fr = NULL;
	struct merkle_node done[MERKLE_MAX_LEVELS];
	struct view_query q;
	uint8_t *data = NULL, leaf[CS_HASH_LEN];
	uint64_t k = 0, readb = 0, total = 0;
	struct stat sb;
	FILE *f = NULL;
	size_t n;
	int ret = -1, x;

	if (replay_open(&rp, o, r, err, errlen) == -1)
		goto out;
	snprintf(path, sizeof(path), "%s/entries.bin", dir);
	if ((f = fopen(path, "rb")) == NULL) {
		ERR("cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(f), &sb) == 0)
		total = (uint64_t)sb.st_size;
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	if ((fr = malloc(sizeof(*fr))) == NULL ||
	    (data = malloc(CS_ENTRY_MAX)) == NULL) {
		ERR("out of memory");
		goto out;
	}
	merkle_frontier_init(fr);
	if (store_begin(&rp.st, err, errlen) == -1)
		goto out;
	while ((x = export_read_frame(f, data, &n)) == 1) {
		struct entry e;
		int nd;

		readb += 4 + n;
		if (entry_decode(data, n, &e, why, sizeof(why)) == -1) {
			ERR("entries.bin changed during the audit");
			goto out;
		}
		merkle_leaf_hash(data, n, leaf);
		nd = merkle_frontier_append(fr, leaf, done);
		if (k != o->skip_fold &&
		    fold_apply_decoded(&rp.fc, &e, why, sizeof(why)) == -1) {
			PROBLEM("entry %llu: the fold refuses it: %s", ULL(k), why);
			ret = 1;
			goto out;
		}
		if (store_entry_put(&rp.st, rp.l.id, k, leaf, done, nd, data, n,
		    err, errlen) == -1)
			goto out;
		k++;
		if (k % REPLAY_TX == 0 &&
		    (fold_flush(&rp.fc, err, errlen) == -1 ||
		    store_commit(&rp.st, err, errlen) == -1 ||
		    store_begin(&rp.st, err, errlen) == -1))
			goto out;
		if (o->progress != NULL && (k & 0xffff) == 0)
			o->progress(o->arg, "replaying", k, readb, total);
	}
	if (x == -1) {
		ERR("%s: changed or unreadable during the audit", path);
		goto out;
	}
	if (o->progress != NULL)
		o->progress(o->arg, "replaying", k, readb, total);
	if (fold_flush(&rp.fc, err, errlen) == -1 ||
	    replay_checkpoints(&rp, dir, err, errlen) == -1 ||
	    replay_cosigs(&rp, r, err, errlen) == -1 ||
	    store_commit(&rp.st, err, errlen) == -1 ||
	    store_log_digest(&rp.st, rp.l.id, r->digest, err, errlen) == -1)
		goto out;
	r->replayed = true;
	/* Case-number integrity and back-filling, from the export alone. */
	if ((r->num = calloc(AUDIT_KEEP_MAX, sizeof(*r->num))) == NULL ||
	    (r->bf = calloc(AUDIT_KEEP_MAX, sizeof(*r->bf))) == NULL) {
		ERR("out of memory");
		goto out;
	}
	views_query_init(&q, r->origin);
	if (views_numbering(&rp.st, &q, keep_numbering, r, err, errlen) == -1 ||
	    views_backfill(&rp.st, &q, o->backfill_days, keep_backfill, r, err,
	    errlen) == -1)
		goto out;
	ret = 0;
out:
	if (rp.open && rp.st.in_tx)
		store_rollback(&rp.st);
	replay_close(&rp);
	if (f != NULL)
		fclose(f);
	free(fr);
	free(data);
	return ret;
}

/* The court an export claims to be, from court.vkey, looked up in the
 * registry.  0, 1 (problem), -1. */
static int
export_court(const char *dir, const struct registry *reg,
    struct audit_report *r, const struct registry_court **rcp, char *err,
    size_t errlen)
{
	char path[EXPORT_PATH_MAX + 32], text[1024], why[256];
	struct note_verifier v;
	const struct registry_court *rc;
	size_t n;

	snprintf(path, sizeof(path), "%s/court.vkey", dir);
	if (export_read_small(path, text, sizeof(text), &n) != 0) {
		ERR("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	if (note_vkey_parse(text, &v, why, sizeof(why)) == -1) {
		PROBLEM("court.vkey: %s", why);
		return 1;
	}
	if (strncmp(v.name, "courtsync/", 10) != 0 ||
	    !court_path_valid(v.name + 10)) {
		PROBLEM("court.vkey: key name \"%s\" is not courtsync/<court"
		    " path>", v.name);
		return 1;
	}
	cs_strlcpy(r->origin, v.name + 10, sizeof(r->origin));
	rc = registry_find(reg, r->origin);
	if (rc == NULL || !rc->has_key) {
		PROBLEM("court.vkey: %s is not a court with a key in the"
		    " registry", r->origin);
		return 1;
	}
	cs_strlcpy(r->name, rc->name, sizeof(r->name));
	cs_strlcpy(r->code, rc->code, sizeof(r->code));
	r->level = rc->level;
	*rcp = rc;
	return 0;
}

int
audit_export(const char *dir, const struct registry *reg,
    const struct audit_options *o, struct audit_report *r, char *err,
    size_t errlen)
{
	const struct registry_court *rc = NULL;
	struct export_report *er;
	struct vshim shim = { o };
	char vkey[1024];
	int v;

	memset(r, 0, sizeof(*r));
	if ((v = export_court(dir, reg, r, &rc, err, errlen)) != 0)
		return v;
	if (note_vkey_format(&rc->log, vkey, sizeof(vkey)) < 0) {
		ERR("cannot format the registered key of %s", r->origin);
		return -1;
	}
	if ((er = malloc(sizeof(*er))) == NULL) {
		ERR("out of memory");
		return -1;
	}
	/* Entries, chain, tree, checkpoints: the export's own verifier,
	 * with the registry's key, never the export's. */
	v = export_verify(dir, vkey, er, o->progress != NULL ? verify_progress :
	    NULL, &shim, err, errlen);
	r->entries = er->entries;
	r->checkpoints = er->checkpoints;
	r->size = er->size;
	memcpy(r->root, er->root, CS_HASH_LEN);
	if (v == 1)
		cs_strlcpy(r->problem, er->problem, sizeof(r->problem));
	free(er);
	if (v != 0)
		return v;
	if ((v = audit_all_cosigs(dir, reg, r, err, errlen)) != 0)
		return v;
	if (!o->replay)
		return 0;
	return replay(dir, o, r, err, errlen);
}

/* ---- comparing two views ---- */

/* A view: a checkpoint note and, for an export, every leaf hash. */
struct view {
	const char	*path;
	char		 label;			/* 'A' or 'B' */
	bool		 is_export;
	char		*note;			/* NOTE_MAX + 2 */
	size_t		 notelen;
	struct checkpoint ck;
	uint8_t		(*leaves)[CS_HASH_LEN];	/* is_export: ck.size of them */
};

static void
view_free(struct view *v)
{
	free(v->note);
	free(v->leaves);
	v->note = NULL;
	v->leaves = NULL;
}

/* Checks a note as the registered court's checkpoint. */
static int
note_check(const char *text, size_t n, const struct registry *reg,
    struct checkpoint *ck, const struct registry_court **rcp, char *why,
    size_t wlen)
{
	struct note_sig sigs[NOTE_SIGS_MAX];
	size_t bodylen, nsigs = NOTE_SIGS_MAX;
	const struct registry_court *rc;

	if (note_split(text, n, &bodylen, sigs, &nsigs, why, wlen) == -1 ||
	    checkpoint_parse(text, bodylen, ck, why, wlen) == -1)
		return -1;
	if (strncmp(ck->origin, "courtsync/", 10) != 0 ||
	    (rc = registry_find(reg, ck->origin + 10)) == NULL || !rc->has_key) {
		snprintf(why, wlen, "origin \"%s\" is not a court with a key in"
		    " the registry", ck->origin);
		return -1;
	}
	if (note_verify(text, bodylen, sigs, nsigs, &rc->log, NULL, why,
	    wlen) == -1)
		return -1;
	*rcp = rc;
	return 0;
}

/* Every leaf hash of a verified export. */
static int
load_leaves(struct view *v, uint64_t n, char *err, size_t errlen)
{
	char path[EXPORT_PATH_MAX + 32];
	uint8_t *data = NULL;
	FILE *f = NULL;
	size_t len;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/entries.bin", v->path);
	if ((v->leaves = malloc((n ? n : 1) * CS_HASH_LEN)) == NULL ||
	    (data = malloc(CS_ENTRY_MAX)) == NULL) {
		ERR("out of memory");
		goto out;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		ERR("cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	for (uint64_t k = 0; k < n; k++) {
		if (export_read_frame(f, data, &len) != 1) {
			ERR("%s changed during the comparison", path);
			goto out;
		}
		merkle_leaf_hash(data, len, v->leaves[k]);
	}
	ret = 0;
out:
	if (f != NULL)
		fclose(f);
	free(data);
	return ret;
}

/* Loads and verifies one view; 0, 1 (c->problem), -1. */
static int
view_load(struct view *v, const struct registry *reg,
    struct audit_comparison *c, char *err, size_t errlen)
{
	char why[AUDIT_PROBLEM_MAX], path[EXPORT_PATH_MAX + 64];
	const struct registry_court *rc;
	struct stat sb;
	int x;

	if (stat(v->path, &sb) == -1) {
		ERR("%s: %s", v->path, strerror(errno));
		return -1;
	}
	if ((v->note = malloc(NOTE_MAX + 2)) == NULL) {
		ERR("out of memory");
		return -1;
	}
	v->is_export = S_ISDIR(sb.st_mode);
	if (v->is_export) {
		struct audit_options o;
		struct audit_report *r = calloc(1, sizeof(*r));

		if (r == NULL) {
			ERR("out of memory");
			return -1;
		}
		audit_options_init(&o);
		o.replay = false;
		x = audit_export(v->path, reg, &o, r, err, errlen);
		if (x == 1)
			snprintf(c->problem, sizeof(c->problem), "%c (%.200s):"
			    " %.700s", v->label, v->path, r->problem);
		if (x == 0 && r->checkpoints == 0) {
			snprintf(c->problem, sizeof(c->problem), "%c (%s): the"
			    " export has no checkpoint", v->label, v->path);
			x = 1;
		}
		snprintf(path, sizeof(path), "%s/checkpoints/%020llu", v->path,
		    ULL(r->size));
		audit_report_free(r);
		free(r);
		if (x != 0)
			return x;
		if (export_read_small(path, v->note, NOTE_MAX + 2, &v->notelen) != 0) {
			ERR("cannot read %s", path);
			return -1;
		}
	} else if ((x = export_read_small(v->path, v->note, NOTE_MAX + 2,
	    &v->notelen)) != 0) {
		if (x == -2) {
			snprintf(c->problem, sizeof(c->problem), "%c (%s): larger"
			    " than a note may be", v->label, v->path);
			return 1;
		}
		ERR("cannot read %s: %s", v->path, strerror(errno));
		return -1;
	}
	if (note_check(v->note, v->notelen, reg, &v->ck, &rc, why,
	    sizeof(why)) == -1) {
		snprintf(c->problem, sizeof(c->problem), "%c (%.200s): %.700s",
		    v->label, v->path, why);
		return 1;
	}
	if (v->is_export)
		return load_leaves(v, v->ck.size, err, errlen);
	return 0;
}

/* merkle_get_fn over an array of leaf hashes: the subtree is hashed from
 * its leaves (a proof touches O(n) leaves once, fine for one proof). */
struct leaf_tree {
	const uint8_t	(*l)[CS_HASH_LEN];
	uint64_t	 n;
};

static void
subtree(const uint8_t (*l)[CS_HASH_LEN], uint64_t start, uint64_t count,
    uint8_t out[CS_HASH_LEN])
{
	uint8_t a[CS_HASH_LEN], b[CS_HASH_LEN];

	if (count == 1) {
		memcpy(out, l[start], CS_HASH_LEN);
		return;
	}
	subtree(l, start, count / 2, a);
	subtree(l, start + count / 2, count / 2, b);
	merkle_node_hash(a, b, out);
}

static int
leaf_tree_get(void *arg, unsigned level, uint64_t index,
    uint8_t out[CS_HASH_LEN], char *err, size_t errlen)
{
	const struct leaf_tree *t = arg;
	uint64_t count = (uint64_t)1 << level, start = index << level;

	if (level >= 63 || start / count != index || start + count > t->n) {
		ERR("no subtree (%u, %llu) in a tree of %llu", level,
		    ULL(index), ULL(t->n));
		return -1;
	}
	subtree(t->l, start, count, out);
	return 0;
}

static int
put_hash_line(struct buf *b, const char *key, const uint8_t h[CS_HASH_LEN])
{
	char b64[64];

	crypto_base64_encode(h, CS_HASH_LEN, b64, sizeof(b64));
	return buf_printf(b, "%s %s\n", key, b64);
}

static int
put_b64_line(struct buf *b, const char *key, const void *p, size_t n)
{
	char *s = malloc(n / 3 * 4 + 8);
	int r;

	if (s == NULL)
		return -1;
	crypto_base64_encode(p, n, s, n / 3 * 4 + 8);
	r = buf_printf(b, "%s %s\n", key, s);
	free(s);
	return r;
}

/* Entry k's bytes from an export. */
static int
entry_at(const char *dir, uint64_t k, struct buf *out, char *err,
    size_t errlen)
{
	char path[EXPORT_PATH_MAX + 32];
	uint8_t *data = malloc(CS_ENTRY_MAX);
	FILE *f;
	size_t n = 0;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/entries.bin", dir);
	if (data == NULL || (f = fopen(path, "rb")) == NULL) {
		ERR("cannot read %s", path);
		free(data);
		return -1;
	}
	for (uint64_t i = 0; i <= k; i++)
		if (export_read_frame(f, data, &n) != 1) {
			ERR("%s changed during the comparison", path);
			goto out;
		}
	buf_reset(out);
	ret = buf_append(out, data, n) == -1 ? -1 : 0;
	if (ret == -1)
		ERR("out of memory");
out:
	fclose(f);
	free(data);
	return ret;
}

static int
put_inclusion(struct buf *b, const char *key, const struct view *v,
    uint64_t k, char *err, size_t errlen)
{
	uint8_t path[MERKLE_MAX_PROOF][CS_HASH_LEN];
	struct leaf_tree t = { (const uint8_t (*)[CS_HASH_LEN])v->leaves,
	    v->ck.size };
	size_t n = 0;
	int rc = 0;

	if (merkle_prove_inclusion(k, v->ck.size, leaf_tree_get, &t, path, &n,
	    err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		rc |= put_hash_line(b, key, path[i]);
	return rc;
}

/* Writes the comparison file of two loaded views (a.size <= b.size). */
static int
write_comparison(struct buf *out, const struct view *a, const struct view *b,
    const struct audit_comparison *c, char *err, size_t errlen)
{
	uint8_t proof[MERKLE_MAX_PROOF][CS_HASH_LEN], root_m[CS_HASH_LEN];
	struct leaf_tree t = { (const uint8_t (*)[CS_HASH_LEN])b->leaves,
	    b->ck.size };
	struct buf entry = { 0 };
	size_t k = 0;
	int rc = 0;

	buf_reset(out);
	rc |= buf_printf(out, COMPARISON_MAGIC "\norigin %s\nverdict %s\n"
	    "size-a %llu\nsize-b %llu\n", c->origin,
	    c->verdict == AUDIT_CONSISTENT ? "consistent" : "equivocation",
	    ULL(a->ck.size), ULL(b->ck.size));
	if (a->ck.size < b->ck.size && a->ck.size > 0) {
		if (merkle_root_at(a->ck.size, leaf_tree_get, &t, root_m, err,
		    errlen) == -1 ||
		    merkle_prove_consistency(a->ck.size, b->ck.size,
		    leaf_tree_get, &t, proof, &k, err, errlen) == -1)
			return -1;
		rc |= put_hash_line(out, "root-m", root_m);
		for (size_t i = 0; i < k; i++)
			rc |= put_hash_line(out, "consistency", proof[i]);
	}
	if (c->has_entry) {
		rc |= buf_printf(out, "entry %llu\n", ULL(c->entry));
		if (entry_at(a->path, c->entry, &entry, err, errlen) == -1)
			goto fail;
		rc |= put_b64_line(out, "entry-a", entry.p, entry.len);
		if (put_inclusion(out, "inclusion-a", a, c->entry, err,
		    errlen) == -1 ||
		    entry_at(b->path, c->entry, &entry, err, errlen) == -1)
			goto fail;
		rc |= put_b64_line(out, "entry-b", entry.p, entry.len);
		if (put_inclusion(out, "inclusion-b", b, c->entry, err,
		    errlen) == -1)
			goto fail;
	}
	rc |= put_b64_line(out, "note-a", a->note, a->notelen);
	rc |= put_b64_line(out, "note-b", b->note, b->notelen);
	buf_free(&entry);
	if (rc != 0) {
		ERR("out of memory");
		return -1;
	}
	return 0;
fail:
	buf_free(&entry);
	return -1;
}

int
audit_compare(const char *pa, const char *pb, const struct registry *reg,
    struct buf *out, struct audit_comparison *c, char *err, size_t errlen)
{
	struct view v[2], *a, *b;
	uint8_t root_m[CS_HASH_LEN];
	int ret = -1, x;

	memset(c, 0, sizeof(*c));
	memset(v, 0, sizeof(v));
	v[0].path = pa;
	v[0].label = 'A';
	v[1].path = pb;
	v[1].label = 'B';
	for (int i = 0; i < 2; i++)
		if ((x = view_load(&v[i], reg, c, err, errlen)) != 0) {
			ret = x;
			goto out;
		}
	if (strcmp(v[0].ck.origin, v[1].ck.origin) != 0) {
		snprintf(c->problem, sizeof(c->problem), "A is %s, B is %s: not"
		    " the same court", v[0].ck.origin, v[1].ck.origin);
		ret = 1;
		goto out;
	}
	cs_strlcpy(c->origin, v[0].ck.origin + 10, sizeof(c->origin));
	c->swapped = v[1].ck.size < v[0].ck.size;
	a = c->swapped ? &v[1] : &v[0];
	b = c->swapped ? &v[0] : &v[1];
	c->size_a = a->ck.size;
	c->size_b = b->ck.size;
	/* The first leaf where two exports differ. */
	if (a->leaves != NULL && b->leaves != NULL)
		for (uint64_t k = 0; k < a->ck.size; k++)
			if (memcmp(a->leaves[k], b->leaves[k], CS_HASH_LEN) != 0) {
				c->has_entry = true;
				c->entry = k;
				break;
			}
	if (a->ck.size == b->ck.size) {
		c->verdict = memcmp(a->ck.root, b->ck.root, CS_HASH_LEN) == 0 ?
		    AUDIT_CONSISTENT : AUDIT_EQUIVOCATION;
	} else if (b->leaves == NULL) {
		snprintf(c->problem, sizeof(c->problem), "%c (size %llu) is a"
		    " checkpoint alone: its export is needed to prove size"
		    " %llu consistent with it", b->label, ULL(b->ck.size),
		    ULL(a->ck.size));
		ret = 2;
		goto out;
	} else if (a->ck.size == 0) {
		c->verdict = AUDIT_CONSISTENT;	/* the empty tree: a prefix */
	} else {
		struct leaf_tree t = { (const uint8_t (*)[CS_HASH_LEN])b->leaves,
		    b->ck.size };

		if (merkle_root_at(a->ck.size, leaf_tree_get, &t, root_m, err,
		    errlen) == -1)
			goto out;
		c->verdict = memcmp(root_m, a->ck.root, CS_HASH_LEN) == 0 ?
		    AUDIT_CONSISTENT : AUDIT_EQUIVOCATION;
	}
	if (c->verdict == AUDIT_CONSISTENT)
		c->has_entry = false;
	if (write_comparison(out, a, b, c, err, errlen) == -1)
		goto out;
	ret = c->verdict == AUDIT_CONSISTENT ? 0 : 1;
out:
	view_free(&v[0]);
	view_free(&v[1]);
	return ret;
}

/* ---- checking a comparison file ---- */

struct evidence {
	char		 origin[CS_ORIGIN_MAX];
	int		 verdict;		/* -1 unset */
	uint64_t	 size_a, size_b, entry;
	bool		 has_sa, has_sb, has_root_m, has_entry;
	uint8_t		 root_m[CS_HASH_LEN];
	uint8_t		 cons[MERKLE_MAX_PROOF][CS_HASH_LEN];
	uint8_t		 inc_a[MERKLE_MAX_PROOF][CS_HASH_LEN];
	uint8_t		 inc_b[MERKLE_MAX_PROOF][CS_HASH_LEN];
	size_t		 ncons, ninc_a, ninc_b;
	struct buf	 entry_a, entry_b, note_a, note_b;
};

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0') ||
	    strlen(s) > 20)
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end != '\0' || errno != 0 ? -1 : 0;
}

static int
get_hash(const char *s, uint8_t out[CS_HASH_LEN])
{
	return crypto_base64_decode(s, strlen(s), out, CS_HASH_LEN) ==
	    CS_HASH_LEN ? 0 : -1;
}

static int
get_bytes(const char *s, struct buf *b, size_t max)
{
	size_t n = strlen(s);
	uint8_t *p;
	int len;

	if (n / 4 * 3 > max + 3 || (p = malloc(n / 4 * 3 + 3)) == NULL)
		return -1;
	len = crypto_base64_decode(s, n, p, n / 4 * 3 + 3);
	if (len <= 0 || (size_t)len > max) {
		free(p);
		return -1;
	}
	buf_reset(b);
	len = buf_append(b, p, (size_t)len);
	free(p);
	return len;
}

static int
evidence_line(struct evidence *e, const char *key, const char *val)
{
	struct { const char *k; uint8_t (*v)[CS_HASH_LEN]; size_t *n; } lists[] = {
		{ "consistency", e->cons, &e->ncons },
		{ "inclusion-a", e->inc_a, &e->ninc_a },
		{ "inclusion-b", e->inc_b, &e->ninc_b },
	};

	for (size_t i = 0; i < 3; i++)
		if (strcmp(key, lists[i].k) == 0)
			return *lists[i].n >= MERKLE_MAX_PROOF ||
			    get_hash(val, lists[i].v[(*lists[i].n)++]) == -1 ?
			    -1 : 0;
	if (strcmp(key, "origin") == 0) {
		if (e->origin[0] != '\0' || !court_path_valid(val))
			return -1;
		cs_strlcpy(e->origin, val, sizeof(e->origin));
		return 0;
	}
	if (strcmp(key, "verdict") == 0) {
		if (e->verdict != -1)
			return -1;
		e->verdict = strcmp(val, "consistent") == 0 ? AUDIT_CONSISTENT :
		    strcmp(val, "equivocation") == 0 ? AUDIT_EQUIVOCATION : -1;
		return e->verdict == -1 ? -1 : 0;
	}
	if (strcmp(key, "size-a") == 0 && !e->has_sa) {
		e->has_sa = true;
		return parse_u64(val, &e->size_a);
	}
	if (strcmp(key, "size-b") == 0 && !e->has_sb) {
		e->has_sb = true;
		return parse_u64(val, &e->size_b);
	}
	if (strcmp(key, "entry") == 0 && !e->has_entry) {
		e->has_entry = true;
		return parse_u64(val, &e->entry);
	}
	if (strcmp(key, "root-m") == 0 && !e->has_root_m) {
		e->has_root_m = true;
		return get_hash(val, e->root_m);
	}
	if (strcmp(key, "entry-a") == 0 && e->entry_a.len == 0)
		return get_bytes(val, &e->entry_a, CS_ENTRY_MAX);
	if (strcmp(key, "entry-b") == 0 && e->entry_b.len == 0)
		return get_bytes(val, &e->entry_b, CS_ENTRY_MAX);
	if (strcmp(key, "note-a") == 0 && e->note_a.len == 0)
		return get_bytes(val, &e->note_a, NOTE_MAX);
	if (strcmp(key, "note-b") == 0 && e->note_b.len == 0)
		return get_bytes(val, &e->note_b, NOTE_MAX);
	return -1;
}

static int
evidence_parse(const char *text, size_t n, struct evidence *e,
    struct audit_comparison *c)
{
	const char *p = text, *end = text + n;
	char *line = NULL;
	size_t lineno = 0;
	int ret = 1;

	if (n < sizeof(COMPARISON_MAGIC) ||
	    memcmp(text, COMPARISON_MAGIC "\n", sizeof(COMPARISON_MAGIC)) != 0) {
		snprintf(c->problem, sizeof(c->problem), "not a comparison"
		    " file (the first line must be " COMPARISON_MAGIC ")");
		return 1;
	}
	if ((line = malloc(n + 1)) == NULL)
		return -1;
	p += sizeof(COMPARISON_MAGIC);
	lineno = 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *sp;
		size_t len;

		lineno++;
		if (nl == NULL) {
			snprintf(c->problem, sizeof(c->problem), "line %zu: no"
			    " newline at the end of the file", lineno);
			goto out;
		}
		len = (size_t)(nl - p);
		memcpy(line, p, len);
		line[len] = '\0';
		p = nl + 1;
		if ((sp = strchr(line, ' ')) == NULL ||
		    memchr(line, '\0', len) != NULL) {
			snprintf(c->problem, sizeof(c->problem), "line %zu: not"
			    " \"KEY VALUE\"", lineno);
			goto out;
		}
		*sp = '\0';
		if (evidence_line(e, line, sp + 1) == -1) {
			snprintf(c->problem, sizeof(c->problem), "line %zu: bad,"
			    " repeated or unknown %s", lineno, line);
			goto out;
		}
	}
	ret = 0;
out:
	free(line);
	return ret;
}

/* Checks one note of the file as the court's signed checkpoint. */
static int
evidence_note(const struct buf *b, const char *which, uint64_t size,
    const struct evidence *e, const struct registry *reg,
    struct checkpoint *ck, struct audit_comparison *c)
{
	const struct registry_court *rc;
	char why[512], *text;
	int ret = 1;

	if ((text = malloc(b->len + 1)) == NULL)
		return -1;
	memcpy(text, b->p, b->len);
	text[b->len] = '\0';
	if (b->len == 0 || note_check(text, b->len, reg, ck, &rc, why,
	    sizeof(why)) == -1)
		snprintf(c->problem, sizeof(c->problem), "%s: %s", which,
		    b->len == 0 ? "missing" : why);
	else if (strcmp(rc->path, e->origin) != 0)
		snprintf(c->problem, sizeof(c->problem), "%s: a checkpoint of"
		    " %s, not %s", which, rc->path, e->origin);
	else if (ck->size != size)
		snprintf(c->problem, sizeof(c->problem), "%s: its size is %llu,"
		    " the file says %llu", which, ULL(ck->size), ULL(size));
	else
		ret = 0;
	free(text);
	return ret;
}

/* The entry section: entry-a at `entry` in A's tree, entry-b in B's,
 * different bytes. */
static int
evidence_entries(const struct evidence *e, const struct checkpoint *a,
    const struct checkpoint *b, struct audit_comparison *c)
{
	const struct buf *eb[2] = { &e->entry_a, &e->entry_b };
	const struct checkpoint *ck[2] = { a, b };
	const uint8_t (*inc[2])[CS_HASH_LEN] = {
	    (const uint8_t (*)[CS_HASH_LEN])e->inc_a,
	    (const uint8_t (*)[CS_HASH_LEN])e->inc_b };
	size_t ninc[2] = { e->ninc_a, e->ninc_b };
	char why[256];

	if (e->entry >= a->size) {
		snprintf(c->problem, sizeof(c->problem), "entry %llu is beyond"
		    " size-a", ULL(e->entry));
		return 1;
	}
	if (eb[0]->len == eb[1]->len &&
	    memcmp(eb[0]->p, eb[1]->p, eb[0]->len) == 0) {
		snprintf(c->problem, sizeof(c->problem), "entry %llu: entry-a"
		    " and entry-b are the same bytes", ULL(e->entry));
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		struct entry d;
		uint8_t leaf[CS_HASH_LEN];

		if (entry_decode(eb[i]->p, eb[i]->len, &d, why,
		    sizeof(why)) == -1 || d.index != e->entry ||
		    strcmp(d.origin, e->origin) != 0) {
			snprintf(c->problem, sizeof(c->problem), "entry-%c: not"
			    " entry %llu of %s", 'a' + i, ULL(e->entry),
			    e->origin);
			return 1;
		}
		merkle_leaf_hash(eb[i]->p, eb[i]->len, leaf);
		if (merkle_verify_inclusion(e->entry, ck[i]->size, leaf, inc[i],
		    ninc[i], ck[i]->root, why, sizeof(why)) == -1) {
			snprintf(c->problem, sizeof(c->problem), "inclusion-%c:"
			    " does not prove entry-%c at %llu in the tree of"
			    " size %llu: %s", 'a' + i, 'a' + i, ULL(e->entry),
			    ULL(ck[i]->size), why);
			return 1;
		}
	}
	return 0;
}

int
audit_evidence_verify(const char *text, size_t n, const struct registry *reg,
    struct audit_comparison *c, char *err, size_t errlen)
{
	struct evidence *e;
	struct checkpoint a, b;
	char why[256];
	bool differ;
	int ret = -1, x;

	memset(c, 0, sizeof(*c));
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		ERR("out of memory");
		return -1;
	}
	e->verdict = -1;
	if ((x = evidence_parse(text, n, e, c)) != 0) {
		ret = x;
		goto out;
	}
	ret = 1;
	if (e->origin[0] == '\0' || e->verdict == -1 || !e->has_sa ||
	    !e->has_sb) {
		snprintf(c->problem, sizeof(c->problem), "origin, verdict,"
		    " size-a and size-b are required");
		goto out;
	}
	cs_strlcpy(c->origin, e->origin, sizeof(c->origin));
	c->verdict = (enum audit_verdict)e->verdict;
	c->size_a = e->size_a;
	c->size_b = e->size_b;
	c->has_entry = e->has_entry;
	c->entry = e->entry;
	if (e->size_a > e->size_b) {
		snprintf(c->problem, sizeof(c->problem), "size-a is larger"
		    " than size-b");
		goto out;
	}
	if ((x = evidence_note(&e->note_a, "note-a", e->size_a, e, reg, &a,
	    c)) != 0 || (x = evidence_note(&e->note_b, "note-b", e->size_b, e,
	    reg, &b, c)) != 0) {
		ret = x;
		goto out;
	}
	/* What the two signed trees say about each other. */
	if (a.size == b.size) {
		differ = memcmp(a.root, b.root, CS_HASH_LEN) != 0;
	} else if (a.size == 0) {
		differ = false;
	} else {
		if (!e->has_root_m || e->ncons == 0) {
			snprintf(c->problem, sizeof(c->problem), "sizes differ:"
			    " root-m and a consistency proof are required");
			goto out;
		}
		if (merkle_verify_consistency(a.size, b.size, e->root_m, b.root,
		    (const uint8_t (*)[CS_HASH_LEN])e->cons, e->ncons, why,
		    sizeof(why)) == -1) {
			snprintf(c->problem, sizeof(c->problem), "consistency"
			    " proof from size %llu to %llu does not verify"
			    " (a proof for another tree size?): %s",
			    ULL(a.size), ULL(b.size), why);
			goto out;
		}
		differ = memcmp(e->root_m, a.root, CS_HASH_LEN) != 0;
	}
	if (e->has_entry) {
		if (e->verdict == AUDIT_CONSISTENT) {
			snprintf(c->problem, sizeof(c->problem), "a consistent"
			    " comparison names no differing entry");
			goto out;
		}
		if ((x = evidence_entries(e, &a, &b, c)) != 0)
			goto out;
	}
	if (differ != (e->verdict == AUDIT_EQUIVOCATION)) {
		snprintf(c->problem, sizeof(c->problem), "the verdict says %s"
		    " but the checkpoints are %s", e->verdict ==
		    AUDIT_CONSISTENT ? "consistent" : "equivocation", differ ?
		    "inconsistent" : "consistent");
		goto out;
	}
	ret = 0;
out:
	if (e != NULL) {
		buf_free(&e->entry_a);
		buf_free(&e->entry_b);
		buf_free(&e->note_a);
		buf_free(&e->note_b);
	}
	free(e);
	return ret;
}

/* ---- the monitor's state file ---- */

static int
monitor_empty(struct audit_monitor *m, const char *origin)
{
	memset(m, 0, sizeof(*m));
	cs_strlcpy(m->origin, origin, sizeof(m->origin));
	merkle_frontier_init(&m->fr);
	merkle_frontier_root(&m->fr, m->ck_root);
	return 0;
}

int
audit_monitor_save(const char *file, const struct audit_monitor *m,
    char *err, size_t errlen)
{
	char tmp[EXPORT_PATH_MAX + 8], dir[EXPORT_PATH_MAX], b64[64];
	struct buf b = { 0 };
	FILE *f = NULL;
	int fd, rc = 0, ret = -1;
	char *slash;

	if (strlen(file) + 5 > sizeof(tmp)) {
		ERR("state file name too long");
		return -1;
	}
	rc |= buf_printf(&b, MONITOR_MAGIC "\norigin %s\nsize %llu\n",
	    m->origin, ULL(m->size));
	crypto_base64_encode(m->prev, CS_HASH_LEN, b64, sizeof(b64));
	rc |= buf_printf(&b, "prev %s\n", b64);
	for (unsigned l = 0; l < MERKLE_MAX_LEVELS; l++)
		if (m->size >> l & 1) {
			crypto_base64_encode(m->fr.hash[l], CS_HASH_LEN, b64,
			    sizeof(b64));
			rc |= buf_printf(&b, "frontier %u %s\n", l, b64);
		}
	crypto_base64_encode(m->ck_root, CS_HASH_LEN, b64, sizeof(b64));
	rc |= buf_printf(&b, "checkpoint %llu %s\n", ULL(m->ck_size), b64);
	if (m->note[0] != '\0')
		rc |= put_b64_line(&b, "note", m->note, strlen(m->note));
	if (rc != 0) {
		ERR("out of memory");
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", file);
	if ((f = fopen(tmp, "wb")) == NULL ||
	    fwrite(b.p, 1, b.len, f) != b.len || fflush(f) != 0 ||
	    fsync(fileno(f)) == -1) {
		ERR("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		ERR("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, file) == -1) {
		ERR("cannot rename %s to %s: %s", tmp, file, strerror(errno));
		goto out;
	}
	/* The rename itself must survive a power cut. */
	cs_strlcpy(dir, file, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash == NULL)
		cs_strlcpy(dir, ".", sizeof(dir));
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) != -1) {
		fsync(fd);
		close(fd);
	}
	ret = 0;
out:
	if (f != NULL)
		fclose(f);
	buf_free(&b);
	return ret;
}

static int
monitor_line(struct audit_monitor *m, char *key, char *val, uint64_t *seen)
{
	char *sp = strchr(val, ' ');
	struct buf nb = { 0 };
	uint64_t lv;

	if (strcmp(key, "origin") == 0)
		return strcmp(val, m->origin) == 0 ? 0 : -2;
	if (strcmp(key, "size") == 0)
		return parse_u64(val, &m->size);
	if (strcmp(key, "prev") == 0)
		return get_hash(val, m->prev);
	if (sp == NULL && strcmp(key, "note") != 0)
		return -1;
	if (strcmp(key, "frontier") == 0) {
		*sp = '\0';
		if (parse_u64(val, &lv) == -1 || lv >= MERKLE_MAX_LEVELS)
			return -1;
		*seen |= (uint64_t)1 << lv;
		return get_hash(sp + 1, m->fr.hash[lv]);
	}
	if (strcmp(key, "checkpoint") == 0) {
		*sp = '\0';
		return parse_u64(val, &m->ck_size) == -1 ? -1 :
		    get_hash(sp + 1, m->ck_root);
	}
	if (strcmp(key, "note") == 0) {
		if (get_bytes(val, &nb, NOTE_MAX) == -1) {
			buf_free(&nb);
			return -1;
		}
		memcpy(m->note, nb.p, nb.len);
		m->note[nb.len] = '\0';
		buf_free(&nb);
		return 0;
	}
	return -1;
}

int
audit_monitor_load(const char *file, const char *origin,
    struct audit_monitor *m, char *err, size_t errlen)
{
	char *text = NULL, *p, *nl;
	uint64_t seen = 0;
	unsigned lineno = 1;
	uint8_t root[CS_HASH_LEN];
	size_t n;
	int x, ret = -1;

	monitor_empty(m, origin);
	if ((text = malloc(4 * NOTE_MAX)) == NULL) {
		ERR("out of memory");
		return -1;
	}
	if ((x = export_read_small(file, text, 4 * NOTE_MAX, &n)) != 0) {
		if (x == -1 && errno == ENOENT)
			ret = 0;
		else
			ERR("cannot read %s: %s", file, x == -2 ? "too large" :
			    strerror(errno));
		goto out;
	}
	if (strncmp(text, MONITOR_MAGIC "\n", sizeof(MONITOR_MAGIC)) != 0) {
		ERR("%s: not a monitor state file", file);
		goto out;
	}
	for (p = text + sizeof(MONITOR_MAGIC); *p != '\0'; p = nl + 1) {
		char *sp;

		lineno++;
		if ((nl = strchr(p, '\n')) == NULL || (sp = strchr(p, ' ')) ==
		    NULL || sp > nl) {
			ERR("%s: line %u is malformed", file, lineno);
			goto out;
		}
		*nl = '\0';
		*sp = '\0';
		x = monitor_line(m, p, sp + 1, &seen);
		if (x == -2) {
			ERR("%s: the state of %s, not %s", file, sp + 1, origin);
			goto out;
		}
		if (x == -1) {
			ERR("%s: line %u (%s) is malformed", file, lineno, p);
			goto out;
		}
	}
	m->fr.size = m->size;
	merkle_frontier_root(&m->fr, root);
	if (seen != m->size ||
	    m->size > m->ck_size || (m->size == m->ck_size &&
	    memcmp(root, m->ck_root, CS_HASH_LEN) != 0)) {
		ERR("%s: inconsistent state (size %llu, checkpoint %llu)", file,
		    ULL(m->size), ULL(m->ck_size));
		goto out;
	}
	ret = 1;
out:
	free(text);
	return ret;
}

/* ---- following a hub ---- */

#define RP(...) snprintf(r->problem, sizeof(r->problem), __VA_ARGS__)

static int
fetch(audit_get_fn get, void *arg, const char *path, struct buf *resp,
    char *err, size_t errlen)
{
	long status = 0;

	if (get(arg, path, &status, resp, err, errlen) == -1)
		return -1;
	if (status != 200) {
		ERR("GET %s: HTTP %ld", path, status);
		return -1;
	}
	return 0;
}

/* Verifies the hub's checkpoint note; fills ck and r->ck. */
static int
follow_checkpoint(struct audit_monitor *m, const struct registry *reg,
    const struct buf *resp, char *note, struct checkpoint *ck,
    struct audit_round *r)
{
	const struct registry_court *rc;
	char why[512];

	if (resp->len > NOTE_MAX) {
		RP("the hub's checkpoint is larger than a note may be");
		return 1;
	}
	memcpy(note, resp->p, resp->len);
	note[resp->len] = '\0';
	if (note_check(note, resp->len, reg, ck, &rc, why, sizeof(why)) == -1) {
		RP("the hub's checkpoint: %s", why);
		return 1;
	}
	if (strcmp(rc->path, m->origin) != 0) {
		RP("the hub's checkpoint is of %s, not %s", rc->path, m->origin);
		return 1;
	}
	r->ck.size = ck->size;
	if (audit_cosigs(note, resp->len, m->origin, reg, &r->ck, r->problem,
	    sizeof(r->problem)) != 0)
		return 1;
	if (ck->size < m->ck_size) {
		RP("checkpoint %llu: the hub's latest is older than checkpoint"
		    " %llu verified before (rolled back, or another branch)",
		    ULL(ck->size), ULL(m->ck_size));
		return 1;
	}
	if (ck->size == m->ck_size &&
	    memcmp(ck->root, m->ck_root, CS_HASH_LEN) != 0) {
		RP("checkpoint %llu: its root differs from the one verified"
		    " before: the court signed two trees of that size"
		    " (equivocation)", ULL(ck->size));
		return 1;
	}
	return 0;
}

/* Verifies one chunk of entries [m->size, end); 0, 1, -1. */
static int
follow_chunk(struct audit_monitor *m, const struct buf *resp, uint64_t end,
    struct audit_round *r, char *err, size_t errlen)
{
	struct codec_doc doc = { 0 };
	struct codec_value arr, v;
	struct merkle_node done[MERKLE_MAX_LEVELS];
	char why[512];
	int ret = 1;

	if (codec_decode(&doc, resp->p, resp->len, &arr, why,
	    sizeof(why)) == -1 || arr.type != CODEC_ARRAY) {
		ERR("the hub's entries are not a msgpack array");
		ret = -1;
		goto out;
	}
	if (arr.n == 0 || arr.n > end - m->size) {
		RP("entry %llu: the hub returned %zu entries for %llu..%llu",
		    ULL(m->size), arr.n, ULL(m->size), ULL(end - 1));
		goto out;
	}
	for (size_t i = 0; i < arr.n; i++) {
		struct entry e;
		uint64_t k = m->size;
		uint8_t leaf[CS_HASH_LEN];

		codec_array_at(&arr, i, &v);
		if (v.type != CODEC_BIN || v.n == 0 || v.n > CS_ENTRY_MAX) {
			RP("entry %llu: not an entry", ULL(k));
			goto out;
		}
		if (entry_decode(v.p, v.n, &e, why, sizeof(why)) == -1) {
			RP("entry %llu: %s", ULL(k), why);
			goto out;
		}
		if (strcmp(e.origin, m->origin) != 0) {
			RP("entry %llu: origin \"%s\", expected \"%s\"", ULL(k),
			    e.origin, m->origin);
			goto out;
		}
		if (e.index != k) {
			RP("entry %llu: its index says %llu (entries dropped,"
			    " duplicated or reordered)", ULL(k), ULL(e.index));
			goto out;
		}
		if (memcmp(e.prev, m->prev, CS_HASH_LEN) != 0) {
			if (k == 0)
				RP("entry 0: prev is not 32 zero bytes");
			else
				RP("entry %llu: altered (its hash does not match"
				    " the prev recorded in entry %llu)",
				    ULL(k - 1), ULL(k));
			goto out;
		}
		merkle_leaf_hash(v.p, v.n, leaf);
		merkle_frontier_append(&m->fr, leaf, done);
		memcpy(m->prev, leaf, CS_HASH_LEN);
		m->size++;
	}
	ret = 0;
out:
	codec_doc_free(&doc);
	return ret;
}

/* Proves the verified prefix [0, m->size) consistent with ck. */
static int
follow_prove(struct audit_monitor *m, const struct checkpoint *ck,
    audit_get_fn get, void *getarg, struct buf *resp, struct audit_round *r,
    char *err, size_t errlen)
{
	uint8_t root[CS_HASH_LEN], proof[MERKLE_MAX_PROOF][CS_HASH_LEN];
	struct codec_doc doc = { 0 };
	struct codec_value map, arr, v;
	char path[CS_ORIGIN_MAX + 128], why[512];
	size_t k = 0;
	int ret = -1;

	merkle_frontier_root(&m->fr, root);
	if (m->size == ck->size) {
		if (memcmp(root, ck->root, CS_HASH_LEN) != 0) {
			RP("checkpoint %llu: root does not match the entries:"
			    " entry %llu altered (or entries rewritten)",
			    ULL(ck->size), ULL(ck->size - 1));
			return 1;
		}
		return 0;
	}
	snprintf(path, sizeof(path), "/v1/proof/consistency?origin=%s&old=%llu"
	    "&new=%llu", m->origin, ULL(m->size), ULL(ck->size));
	if (fetch(get, getarg, path, resp, err, errlen) == -1)
		return -1;
	if (codec_decode(&doc, resp->p, resp->len, &map, why,
	    sizeof(why)) == -1 || map.type != CODEC_MAP ||
	    !codec_map_get(&map, "proof", &arr) || arr.type != CODEC_ARRAY ||
	    arr.n > MERKLE_MAX_PROOF) {
		ERR("GET %s: not a proof", path);
		goto out;
	}
	for (k = 0; k < arr.n; k++) {
		codec_array_at(&arr, k, &v);
		if (v.type != CODEC_BIN || v.n != CS_HASH_LEN) {
			ERR("GET %s: proof[%zu] is not 32 bytes", path, k);
			goto out;
		}
		memcpy(proof[k], v.p, CS_HASH_LEN);
	}
	ret = 0;
	if (merkle_verify_consistency(m->size, ck->size, root, ck->root,
	    (const uint8_t (*)[CS_HASH_LEN])proof, k, why, sizeof(why)) == -1) {
		RP("entries 0..%llu are not a prefix of checkpoint %llu: the"
		    " consistency proof does not verify: %s", ULL(m->size - 1),
		    ULL(ck->size), why);
		ret = 1;
	}
out:
	codec_doc_free(&doc);
	return ret;
}

int
audit_follow_round(struct audit_monitor *m, const struct registry *reg,
    const char *state_file, uint32_t chunk, audit_get_fn get, void *getarg,
    audit_follow_fn progress, void *parg, struct audit_round *r, char *err,
    size_t errlen)
{
	struct buf resp = { 0 };
	struct checkpoint ck;
	char path[CS_ORIGIN_MAX + 128], *note = NULL;
	uint64_t old_ck = m->ck_size;
	uint8_t old_root[CS_HASH_LEN];
	int ret = -1, x;

	memset(r, 0, sizeof(*r));
	r->start = m->size;
	if (chunk == 0 || chunk > AUDIT_CHUNK_MAX)
		chunk = AUDIT_CHUNK_MAX;
	memcpy(old_root, m->ck_root, CS_HASH_LEN);
	buf_init(&resp, 256u << 20);
	if ((note = malloc(NOTE_MAX + 1)) == NULL) {
		ERR("out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "/v1/checkpoint?origin=%s", m->origin);
	if (fetch(get, getarg, path, &resp, err, errlen) == -1)
		goto out;
	if ((x = follow_checkpoint(m, reg, &resp, note, &ck, r)) != 0) {
		ret = x;
		goto out;
	}
	while (m->size < ck.size) {
		uint64_t end = m->size + chunk < ck.size ? m->size + chunk :
		    ck.size;

		/* Stop at the checkpoint verified before, to compare roots. */
		if (m->size < old_ck && end > old_ck)
			end = old_ck;
		snprintf(path, sizeof(path), "/v1/entries?origin=%s&start=%llu"
		    "&end=%llu", m->origin, ULL(m->size), ULL(end));
		if (fetch(get, getarg, path, &resp, err, errlen) == -1)
			goto out;
		if ((x = follow_chunk(m, &resp, end, r, err, errlen)) != 0) {
			ret = x;
			goto out;
		}
		if (m->size == old_ck && old_ck < ck.size) {
			uint8_t root[CS_HASH_LEN];

			merkle_frontier_root(&m->fr, root);
			if (memcmp(root, old_root, CS_HASH_LEN) != 0) {
				RP("checkpoint %llu: root does not match the"
				    " hub's entries: the hub serves a tree that"
				    " does not extend the checkpoint verified"
				    " before", ULL(old_ck));
				ret = 1;
				goto out;
			}
		}
		if ((x = follow_prove(m, &ck, get, getarg, &resp, r, err,
		    errlen)) != 0) {
			ret = x;
			goto out;
		}
		/* Entries [0, size) are now proven: save, then go on. */
		m->ck_size = ck.size;
		memcpy(m->ck_root, ck.root, CS_HASH_LEN);
		cs_strlcpy(m->note, note, sizeof(m->note));
		r->verified = m->size - r->start;
		if (audit_monitor_save(state_file, m, err, errlen) == -1)
			goto out;
		if (progress != NULL)
			progress(parg, m->size, ck.size);
	}
	if (strcmp(m->note, note) != 0) {	/* more cosignatures */
		m->ck_size = ck.size;
		memcpy(m->ck_root, ck.root, CS_HASH_LEN);
		cs_strlcpy(m->note, note, sizeof(m->note));
		if (audit_monitor_save(state_file, m, err, errlen) == -1)
			goto out;
	}
	ret = 0;
out:
	free(note);
	buf_free(&resp);
	return ret;
}
