/*
 * audit_compare.c — comparing two views of one court's log, and checking a comparison (evidence) file (audit.h).
 */
#include "courtsync/entry.h"
#include "audit_int.h"

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
int
audit_note_check(const char *text, size_t n, const struct registry *reg,
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
		o.require_witnesses = false;	/* the court's signatures suffice */
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
	if (audit_note_check(v->note, v->notelen, reg, &v->ck, &rc, why,
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

int
audit_put_b64_line(struct buf *b, const char *key, const void *p, size_t n)
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
		rc |= audit_put_b64_line(out, "entry-a", entry.p, entry.len);
		if (put_inclusion(out, "inclusion-a", a, c->entry, err,
		    errlen) == -1 ||
		    entry_at(b->path, c->entry, &entry, err, errlen) == -1)
			goto fail;
		rc |= audit_put_b64_line(out, "entry-b", entry.p, entry.len);
		if (put_inclusion(out, "inclusion-b", b, c->entry, err,
		    errlen) == -1)
			goto fail;
	}
	rc |= audit_put_b64_line(out, "note-a", a->note, a->notelen);
	rc |= audit_put_b64_line(out, "note-b", b->note, b->notelen);
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

int
audit_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0') ||
	    strlen(s) > 20)
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end != '\0' || errno != 0 ? -1 : 0;
}

int
audit_get_hash(const char *s, uint8_t out[CS_HASH_LEN])
{
	return crypto_base64_decode(s, strlen(s), out, CS_HASH_LEN) ==
	    CS_HASH_LEN ? 0 : -1;
}

int
audit_get_bytes(const char *s, struct buf *b, size_t max)
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
			    audit_get_hash(val, lists[i].v[(*lists[i].n)++]) == -1 ?
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
		return audit_parse_u64(val, &e->size_a);
	}
	if (strcmp(key, "size-b") == 0 && !e->has_sb) {
		e->has_sb = true;
		return audit_parse_u64(val, &e->size_b);
	}
	if (strcmp(key, "entry") == 0 && !e->has_entry) {
		e->has_entry = true;
		return audit_parse_u64(val, &e->entry);
	}
	if (strcmp(key, "root-m") == 0 && !e->has_root_m) {
		e->has_root_m = true;
		return audit_get_hash(val, e->root_m);
	}
	if (strcmp(key, "entry-a") == 0 && e->entry_a.len == 0)
		return audit_get_bytes(val, &e->entry_a, CS_ENTRY_MAX);
	if (strcmp(key, "entry-b") == 0 && e->entry_b.len == 0)
		return audit_get_bytes(val, &e->entry_b, CS_ENTRY_MAX);
	if (strcmp(key, "note-a") == 0 && e->note_a.len == 0)
		return audit_get_bytes(val, &e->note_a, NOTE_MAX);
	if (strcmp(key, "note-b") == 0 && e->note_b.len == 0)
		return audit_get_bytes(val, &e->note_b, NOTE_MAX);
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
	if (b->len == 0 || audit_note_check(text, b->len, reg, ck, &rc, why,
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
