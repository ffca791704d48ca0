/*
 * audit.c — the auditor's core (audit.h, docs/FORMAT.md §9): an export
 * verified against the registry, its cosignatures, the fold replayed into
 * a throw-away database (here); two views compared, with the comparison
 * file written and checked (audit_compare.c); a hub's view followed from a
 * saved state (audit_follow.c).
 */
#include "courtsync/entry.h"
#include "audit_int.h"

void
audit_options_init(struct audit_options *o)
{
	memset(o, 0, sizeof(*o));
	o->replay = true;
	o->require_witnesses = true;
	o->backfill_days = 7;
	o->skip_fold = UINT64_MAX;
	policy_init(&o->policy, (uint64_t)time(NULL));
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
    const struct registry *reg, const struct policy *p, struct audit_ckpt *ck,
    char *problem, size_t plen)
{
	char missing[512];
	int v;

	v = policy_cosigs(note, n, origin, reg, p, ck->not_before, &ck->cs,
	    problem, plen);
	if (v != 0)
		return 1;
	ck->met = policy_met(p, reg, origin, &ck->cs, missing, sizeof(missing));
	return 0;
}

/* ---- auditing an export ---- */

/* What export_verify_each reports back: progress, and the time of each
 * checkpoint's last entry, in ascending size. */
struct vshim {
	const struct audit_options *o;
	uint64_t	*times;
	size_t		 n, cap;
	bool		 nomem;
};

static void
verify_progress(void *arg, uint64_t done, uint64_t total, uint64_t readb)
{
	const struct audit_options *o = ((struct vshim *)arg)->o;

	if (o->progress != NULL)
		o->progress(o->arg, "verifying", done, readb, total);
}

static void
verify_checkpoint(void *arg, uint64_t size, uint64_t last_time)
{
	struct vshim *v = arg;

	(void)size;
	if (v->n == v->cap) {
		size_t cap = v->cap == 0 ? 64 : v->cap * 2;
		uint64_t *t = realloc(v->times, cap * sizeof(*t));

		if (t == NULL) {
			v->nomem = true;
			return;
		}
		v->times = t;
		v->cap = cap;
	}
	v->times[v->n++] = last_time;
}

/* The witnessed prefix: r->witnessed, or 1 with the first checkpoint
 * above it named. */
static int
witnessed_prefix(const struct registry *reg, const struct policy *p,
    struct audit_report *r)
{
	char missing[384], pol[POLICY_TEXT_MAX];
	size_t i;

	r->witnessed = UINT64_MAX;
	for (i = r->nck; i > 0; i--)
		if (r->ck[i - 1].met) {
			r->witnessed = r->ck[i - 1].cs.size;
			break;
		}
	if (i == r->nck && r->nck > 0)
		return 0;
	policy_format(p, pol, sizeof(pol));
	if (r->nck == 0) {
		PROBLEM("no checkpoint: nothing in the export is witnessed"
		    " (witness policy %s)", pol);
		return 1;
	}
	policy_met(p, reg, r->origin, &r->ck[i].cs, missing, sizeof(missing));
	PROBLEM("checkpoint %llu: not witnessed: %s (witness policy %s);"
	    " entries from %llu on rest on unwitnessed checkpoints",
	    ULL(r->ck[i].cs.size), missing, pol,
	    ULL(i > 0 ? r->ck[i - 1].cs.size : 0));
	return 1;
}

/*
 * Every checkpoint's cosignatures (times[i]: the time of checkpoint i's
 * last entry), then the policy: the history rests on the largest
 * checkpoint, which must be witnessed directly or through a larger one.
 */
static int
audit_all_cosigs(const char *dir, const struct registry *reg,
    const struct audit_options *o, const uint64_t *times, size_t ntimes,
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
		ck->cs.size = sizes[i];
		ck->not_before = i < ntimes ? times[i] : 0;
		r->nck = i + 1;
		if (audit_cosigs(text, len, r->origin, reg, &o->policy, ck,
		    r->problem, sizeof(r->problem)) != 0) {
			ret = 1;
			goto out;
		}
	}
	ret = witnessed_prefix(reg, &o->policy, r);
	r->policy_checked = true;
	if (!o->require_witnesses) {
		r->problem[0] = '\0';
		ret = 0;
	}
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
		for (size_t j = 0; j < r->ck[i].cs.n; j++) {
			/* Only the time matters to the views; the line
			 * itself is in the checkpoint file.  Only
			 * witnesses that count. */
			if (!r->ck[i].cs.w[j].counts)
				continue;
			snprintf(line, sizeof(line), "(audit)");
			if (store_cosig_put(&rp->st, rp->l.id, r->ck[i].cs.size,
			    r->ck[i].cs.w[j].path, r->ck[i].cs.w[j].time, line,
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
	if (rc == NULL || !rc->has_key || rc->witness_only) {
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
	struct vshim shim = { o, NULL, 0, 0, false };
	char vkey[1024];
	int v;

	memset(r, 0, sizeof(*r));
	r->witnessed = UINT64_MAX;
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
	v = export_verify_each(dir, vkey, er, verify_progress,
	    verify_checkpoint, &shim, err, errlen);
	r->entries = er->entries;
	r->checkpoints = er->checkpoints;
	r->size = er->size;
	memcpy(r->root, er->root, CS_HASH_LEN);
	if (v == 1)
		cs_strlcpy(r->problem, er->problem, sizeof(r->problem));
	free(er);
	if (v == 0 && shim.nomem) {
		ERR("out of memory");
		v = -1;
	}
	if (v == 0)
		v = audit_all_cosigs(dir, reg, o, shim.times, shim.n, r, err,
		    errlen);
	free(shim.times);
	if (v != 0)
		return v;
	if (!o->replay)
		return 0;
	return replay(dir, o, r, err, errlen);
}
