/*
 * audit.c — the auditor's core (audit.h, docs/FORMAT.md §9): an export
 * verified against the registry, its cosignatures, the fold replayed into
 * a throw-away database (here); two views compared, with the comparison
 * file written and checked (audit_compare.c); a hub's view followed from a
 * saved state (audit_follow.c).
 */
#include "audit_int.h"

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
