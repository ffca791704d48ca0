/*
 * proof.c — case proofs (proof.h, docs/FORMAT.md §10): building one from a
 * node's store against a witnessed checkpoint, and verifying one offline.
 * The commands over them are in cli_proof.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "courtsync/entry.h"
#include "court.h"
#include "proof.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define B64_HASH_LEN	44		/* base64 of 32 bytes */
#define B64_ENTRY_MAX	((CS_ENTRY_MAX + 2) / 3 * 4 + 1)	/* NUL too */

/* ---- building ---- */

struct idx_list {
	uint64_t	*v;
	size_t		 n, cap;
	int		 bad;		/* 1 too many, 2 out of memory/garbage */
};

static int
collect_idx(void *arg, int ncol, const char *const *cols)
{
	struct idx_list *l = arg;
	char *end;

	if (ncol < 1 || cols[0] == NULL) {
		l->bad = 2;
		return 1;
	}
	if (l->n == PROOF_MAX_ENTRIES) {
		l->bad = 1;
		return 1;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap == 0 ? 64 : l->cap * 2;
		uint64_t *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL) {
			l->bad = 2;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	errno = 0;
	l->v[l->n++] = strtoull(cols[0], &end, 10);
	if (*end != '\0' || errno != 0)
		l->bad = 2;
	return l->bad != 0;
}

/* Appends "path h1 h2 …\n" for the inclusion of index in the tree of size. */
static int
put_path(struct buf *out, struct store_tree *t, uint64_t index, uint64_t size,
    char *err, size_t errlen)
{
	uint8_t path[MERKLE_MAX_PROOF][CS_HASH_LEN];
	char b64[B64_HASH_LEN + 1];
	size_t n = 0;

	if (merkle_prove_inclusion(index, size, store_tree_get, t, path, &n,
	    err, errlen) == -1)
		return -1;
	if (buf_append(out, "path", 4) == -1)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		crypto_base64_encode(path[i], CS_HASH_LEN, b64, sizeof(b64));
		if (buf_printf(out, " %s", b64) == -1)
			goto oom;
	}
	if (buf_append(out, "\n", 1) == -1)
		goto oom;
	return 0;
oom:
	ERR("out of memory");
	return -1;
}

/* Appends "entry K <base64>\n" for entry K of the log; b64 has
 * B64_ENTRY_MAX bytes. */
static int
put_entry(struct buf *out, struct store *st, int64_t log, uint64_t index,
    struct buf *entry, char *b64, char *err, size_t errlen)
{
	if (store_entry_get(st, log, index, entry, NULL, err, errlen) == -1)
		return -1;
	if (crypto_base64_encode(entry->p, entry->len, b64, B64_ENTRY_MAX) < 0 ||
	    buf_printf(out, "entry %" PRIu64 " %s\n", index, b64) == -1) {
		ERR("entry %" PRIu64 ": out of memory", index);
		return -1;
	}
	return 0;
}

/* The witnesses whose cosignatures the policy needs, and how many of
 * them: the parent, every ancestor, or the eligible ones of the list.
 * -1 (why) if the policy cannot be met at all. */
static int
required(const struct registry *reg, const struct policy *pol,
    const char *origin, const char *w[POLICY_LIST_MAX], size_t *nw,
    unsigned *need, char *why, size_t wlen)
{
	const struct registry_court *rc = registry_find(reg, origin), *a;

	*nw = 0;
	if (pol->kind == POLICY_LIST) {
		for (size_t i = 0; i < pol->nlist; i++) {
			a = registry_find(reg, pol->list[i]);
			if (a != NULL && policy_eligible(reg, origin, a))
				w[(*nw)++] = pol->list[i];
		}
		*need = pol->need;
	} else {
		if (rc == NULL || rc->parent[0] == '\0') {
			snprintf(why, wlen, "%s has no parent court to witness it",
			    origin);
			return -1;
		}
		for (a = registry_find(reg, rc->parent); a != NULL &&
		    *nw < POLICY_LIST_MAX; a = a->parent[0] != '\0' ?
		    registry_find(reg, a->parent) : NULL) {
			w[(*nw)++] = a->path;
			if (pol->kind == POLICY_PARENT)
				break;
		}
		*need = (unsigned)*nw;
	}
	if (*nw < *need) {
		snprintf(why, wlen, "only %zu of the %u witnesses it needs may"
		    " witness %s", *nw, *need, origin);
		return -1;
	}
	return 0;
}

/*
 * The largest checkpoint of the log above `after` whose held cosignatures
 * meet the policy, its note (with them) in ck: 1, 0 if there is none (why
 * says so), -1 on a database error.  The cosigs table narrows the
 * candidates; each is then checked by the witness rule itself.
 */
static int
pick_checkpoint(struct store *st, int64_t log, const struct registry *reg,
    const struct policy *pol, const char *origin, uint64_t after,
    uint64_t *size, struct buf *ck, char *why, size_t wlen, char *err,
    size_t errlen)
{
	const char *w[POLICY_LIST_MAX], *args[3 + POLICY_LIST_MAX];
	char sql[512 + 4 * POLICY_LIST_MAX], logid[24], aft[24], nd[16];
	char pt[POLICY_TEXT_MAX], missing[384];
	struct idx_list cand = { 0 };
	struct policy_cosigs *cs = NULL;
	unsigned need;
	size_t nw, len;
	int ret = -1;

	policy_format(pol, pt, sizeof(pt));
	if (required(reg, pol, origin, w, &nw, &need, why, wlen) == -1)
		return 0;
	snprintf(logid, sizeof(logid), "%" PRId64, log);
	snprintf(aft, sizeof(aft), "%" PRIu64, after);
	snprintf(nd, sizeof(nd), "%u", need);
	args[0] = logid;
	args[1] = aft;
	args[2] = nd;
	len = (size_t)snprintf(sql, sizeof(sql), "SELECT size FROM cosigs WHERE"
	    " log = ?1 AND size > CAST(?2 AS INTEGER) AND witness IN (");
	for (size_t i = 0; i < nw; i++) {
		args[3 + i] = w[i];
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s?%zu",
		    i > 0 ? "," : "", 4 + i);
	}
	snprintf(sql + len, sizeof(sql) - len, ") GROUP BY size HAVING"
	    " count(*) >= CAST(?3 AS INTEGER) ORDER BY size DESC LIMIT 16");
	if (store_query(st, sql, args, 3 + (int)nw, collect_idx, &cand, err,
	    errlen) == -1)
		goto out;
	if ((cs = malloc(sizeof(*cs))) == NULL) {
		ERR("out of memory");
		goto out;
	}
	snprintf(why, wlen, "none holds the cosignatures the witness policy %s"
	    " needs", pt);
	for (size_t i = 0; i < cand.n; i++) {
		buf_reset(ck);
		if (store_checkpoint_text(st, log, cand.v[i], ck, err,
		    errlen) != 1)
			goto out;
		cs->size = cand.v[i];
		if (policy_cosigs((const char *)ck->p, ck->len, origin, reg, pol,
		    0, cs, why, wlen) != 0)
			continue;	/* why: the line that failed */
		if (policy_met(pol, reg, origin, cs, missing, sizeof(missing))) {
			*size = cand.v[i];
			ret = 1;
			goto out;
		}
	}
	ret = 0;
out:
	free(cs);
	free(cand.v);
	return ret;
}

/* proof_build, telling a refusal (*refused: nothing to prove) from a
 * system error. */
static int
build(struct store *st, const struct registry *reg, const struct policy *pol,
    const char *origin, const char *case_no, struct buf *out, bool *refused,
    char *err, size_t errlen)
{
	struct case_no cn;
	struct store_log l;
	struct store_tree t = { st, 0 };
	struct idx_list idx = { 0 };
	struct buf entry, ck;
	char *b64 = NULL, cno[CS_CASE_MAX], logid[32], note[NOTE_MAX];
	char why[512];
	const char *args[2];
	uint64_t size = 0;
	int r, ret = -1;

	*refused = true;
	buf_init(&entry, CS_ENTRY_MAX);
	buf_init(&ck, 0);
	buf_reset(out);
	if ((b64 = malloc(B64_ENTRY_MAX)) == NULL) {
		*refused = false;
		ERR("out of memory");
		goto out;
	}
	if (case_no_parse(case_no, &cn, err, errlen) == -1)
		goto out;
	case_no_format(&cn, cno, sizeof(cno));
	*refused = false;
	if ((r = store_log_get(st, origin, false, &l, err, errlen)) == -1)
		goto out;
	if (r == 0) {
		*refused = true;
		ERR("no log of %s is held here", origin);
		goto out;
	}
	t.log = l.id;
	snprintf(logid, sizeof(logid), "%" PRId64, l.id);
	args[0] = logid;
	args[1] = cno;
	if (store_query(st, "SELECT idx FROM events WHERE log = ?1 AND"
	    " case_no = ?2 ORDER BY idx", args, 2, collect_idx, &idx, err,
	    errlen) == -1)
		goto out;
	if (idx.bad != 0) {
		*refused = idx.bad == 1;
		if (idx.bad == 1)
			ERR("case %s has more than %d entries in the log of %s",
			    cno, PROOF_MAX_ENTRIES, origin);
		else
			ERR("out of memory reading the events of case %s", cno);
		goto out;
	}
	if (idx.n == 0) {
		*refused = true;
		ERR("case %s has no entries in the log of %s", cno, origin);
		goto out;
	}
	r = store_checkpoint_latest(st, l.id, &size, note, sizeof(note), err,
	    errlen);
	if (r == -1)
		goto out;
	if (r == 0 || size <= idx.v[idx.n - 1]) {
		uint64_t k = idx.v[idx.n - 1];

		if (r == 0)
			size = 0;
		for (size_t i = 0; i < idx.n; i++)
			if (idx.v[i] >= size) {
				k = idx.v[i];
				break;
			}
		*refused = true;
		ERR("no checkpoint of %s covers entry %" PRIu64 " yet", origin,
		    k);
		goto out;
	}
	if (pol == NULL) {		/* the latest, witnessed or not */
		if (store_checkpoint_text(st, l.id, size, &ck, err,
		    errlen) != 1) {
			ERR("checkpoint %" PRIu64 " of %s vanished", size, origin);
			goto out;
		}
	} else if (reg == NULL) {
		*refused = true;
		ERR("no witnessed checkpoint of %s covers entry %" PRIu64 " yet:"
		    " this node has no registry, so no cosignature can be"
		    " checked (prove --latest proves against the latest"
		    " checkpoint, witnessed or not)", origin, idx.v[idx.n - 1]);
		goto out;
	} else if ((r = pick_checkpoint(st, l.id, reg, pol, origin,
	    idx.v[idx.n - 1], &size, &ck, why, sizeof(why), err, errlen)) != 1) {
		if (r == 0) {
			*refused = true;
			ERR("no witnessed checkpoint of %s covers entry %" PRIu64
			    " yet: %s", origin, idx.v[idx.n - 1], why);
		}
		goto out;
	}
	if (buf_printf(out, "%s\norigin %s\ncase %s\nsize %" PRIu64 "\n",
	    PROOF_MAGIC, origin, cno, size) == -1) {
		ERR("out of memory");
		goto out;
	}
	for (size_t i = 0; i < idx.n; i++)
		if (put_entry(out, st, l.id, idx.v[i], &entry, b64, err,
		    errlen) == -1 ||
		    put_path(out, &t, idx.v[i], size, err, errlen) == -1)
			goto out;
	if (buf_append(out, "\n", 1) == -1 ||
	    buf_append(out, ck.p, ck.len) == -1) {
		ERR("out of memory");
		goto out;
	}
	ret = 0;
out:
	if (ret == -1)
		buf_reset(out);
	free(idx.v);
	buf_free(&entry);
	free(b64);
	buf_free(&ck);
	return ret;
}

int
proof_build(struct store *st, const struct registry *reg,
    const struct policy *p, const char *origin, const char *case_no,
    struct buf *out, bool *refused, char *err, size_t errlen)
{
	bool r;

	return build(st, reg, p, origin, case_no, out, refused != NULL ?
	    refused : &r, err, errlen);
}

/* ---- reading a proof ---- */

/* One entry of a proof: offsets into the parser's pools. */
struct pentry {
	uint64_t	index;
	size_t		off, len;	/* entry bytes, in p->bytes */
	size_t		poff, plen;	/* path hashes, in p->paths (count) */
	bool		of_case;	/* a non-correction naming the case */
};

struct parsed {
	char		 origin[CS_ORIGIN_MAX];
	char		 case_no[CS_CASE_MAX];
	uint64_t	 size;
	struct pentry	*e;
	size_t		 n, cap;
	struct buf	 bytes;		/* entry bytes, concatenated */
	struct buf	 paths;		/* 32-byte hashes, concatenated */
	uint8_t		*scratch;	/* CS_ENTRY_MAX bytes for decoding */
	const char	*note;		/* the checkpoint note, in the text */
	size_t		 notelen;
	uint64_t	 newest;	/* the latest `time` of a listed entry */
};

/* A cursor over the text's lines. */
struct lines {
	const char	*p, *end;
	size_t		 lineno;
};

/* The next line (without its '\n') in *s, *n; 0, or -1 at the end of the
 * text or on a line that does not end in '\n'. */
static int
next_line(struct lines *L, const char **s, size_t *n)
{
	const char *nl;

	if (L->p >= L->end)
		return -1;
	nl = memchr(L->p, '\n', (size_t)(L->end - L->p));
	if (nl == NULL)
		return -1;
	*s = L->p;
	*n = (size_t)(nl - L->p);
	L->p = nl + 1;
	L->lineno++;
	return 0;
}

/* Parses a decimal number without leading zeros ("0" alone is fine). */
static int
parse_dec(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 20 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* Matches "KEY VALUE": *v, *vn get the value.  1 matched, 0 not. */
static int
keyed(const char *s, size_t n, const char *key, const char **v, size_t *vn)
{
	size_t k = strlen(key);

	if (n < k + 1 || memcmp(s, key, k) != 0 || s[k] != ' ')
		return 0;
	*v = s + k + 1;
	*vn = n - k - 1;
	return 1;
}

static int
header(struct lines *L, struct parsed *p, char *err, size_t errlen)
{
	struct case_no cn;
	char tmp[512];
	const char *s, *v;
	size_t n, vn;

	if (next_line(L, &s, &n) == -1 || n != strlen(PROOF_MAGIC) ||
	    memcmp(s, PROOF_MAGIC, n) != 0) {
		ERR("not a case proof: the first line must be %s", PROOF_MAGIC);
		return -1;
	}
	if (next_line(L, &s, &n) == -1 || !keyed(s, n, "origin", &v, &vn) ||
	    vn >= sizeof(p->origin)) {
		ERR("line 2: expected \"origin <court path>\"");
		return -1;
	}
	memcpy(p->origin, v, vn);
	p->origin[vn] = '\0';
	if (!court_path_valid(p->origin)) {
		ERR("line 2: \"%s\" is not a court path", p->origin);
		return -1;
	}
	if (next_line(L, &s, &n) == -1 || !keyed(s, n, "case", &v, &vn) ||
	    vn >= sizeof(p->case_no)) {
		ERR("line 3: expected \"case <case number>\"");
		return -1;
	}
	memcpy(p->case_no, v, vn);
	p->case_no[vn] = '\0';
	if (case_no_parse(p->case_no, &cn, tmp, sizeof(tmp)) == -1) {
		ERR("line 3: %s", tmp);
		return -1;
	}
	case_no_format(&cn, tmp, sizeof(tmp));
	if (strcmp(tmp, p->case_no) != 0) {
		ERR("line 3: case number \"%s\" is not in canonical form (%s)",
		    p->case_no, tmp);
		return -1;
	}
	if (next_line(L, &s, &n) == -1 || !keyed(s, n, "size", &v, &vn) ||
	    parse_dec(v, vn, &p->size) == -1) {
		ERR("line 4: expected \"size <tree size>\"");
		return -1;
	}
	return 0;
}

/* "entry K <base64>" into a new pentry. */
static int
entry_line(struct lines *L, struct parsed *p, const char *v, size_t vn,
    char *err, size_t errlen)
{
	struct pentry *e;
	const char *sp = memchr(v, ' ', vn);
	uint64_t k;
	size_t bn;
	int got;

	if (sp == NULL || parse_dec(v, (size_t)(sp - v), &k) == -1) {
		ERR("line %zu: expected \"entry <index> <base64>\"", L->lineno);
		return -1;
	}
	if (p->n > 0 && k <= p->e[p->n - 1].index) {
		ERR("entry %" PRIu64 ": listed after entry %" PRIu64 " (entries"
		    " must be in increasing order, each once)", k,
		    p->e[p->n - 1].index);
		return -1;
	}
	if (p->n == PROOF_MAX_ENTRIES) {
		ERR("more than %d entries", PROOF_MAX_ENTRIES);
		return -1;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap == 0 ? 64 : p->cap * 2;
		struct pentry *ne = realloc(p->e, cap * sizeof(*ne));
		if (ne == NULL) {
			ERR("out of memory");
			return -2;
		}
		p->e = ne;
		p->cap = cap;
	}
	bn = vn - (size_t)(sp - v) - 1;
	got = bn == 0 || bn > B64_ENTRY_MAX - 1 ? -1 :
	    crypto_base64_decode(sp + 1, bn, p->scratch, CS_ENTRY_MAX);
	if (got <= 0) {
		ERR("entry %" PRIu64 ": not base64 of 1 to %d bytes", k,
		    CS_ENTRY_MAX);
		return -1;
	}
	if (buf_append(&p->bytes, p->scratch, (size_t)got) == -1) {
		ERR("out of memory");
		return -2;
	}
	e = &p->e[p->n++];
	memset(e, 0, sizeof(*e));
	e->index = k;
	e->off = p->bytes.len - (size_t)got;
	e->len = (size_t)got;
	return 0;
}

/* "path [h1 h2 …]" for the entry just read. */
static int
path_line(struct lines *L, struct parsed *p, char *err, size_t errlen)
{
	struct pentry *e = &p->e[p->n - 1];
	const char *s, *q, *end;
	size_t n;

	if (next_line(L, &s, &n) == -1 || n < 4 || memcmp(s, "path", 4) != 0 ||
	    (n > 4 && s[4] != ' ')) {
		ERR("entry %" PRIu64 ": expected a \"path\" line after it",
		    e->index);
		return -1;
	}
	e->poff = p->paths.len / CS_HASH_LEN;
	end = s + n;
	for (q = s + 4; q < end; q += 1 + B64_HASH_LEN) {
		uint8_t h[CS_HASH_LEN];

		if (*q != ' ' || end - q - 1 < B64_HASH_LEN ||
		    (end - q - 1 > B64_HASH_LEN && q[1 + B64_HASH_LEN] != ' ') ||
		    crypto_base64_decode(q + 1, B64_HASH_LEN, h, sizeof(h)) !=
		    CS_HASH_LEN) {
			ERR("entry %" PRIu64 ": path hash %zu is not base64 of"
			    " 32 bytes", e->index, e->plen + 1);
			return -1;
		}
		if (e->plen == MERKLE_MAX_PROOF) {
			ERR("entry %" PRIu64 ": path longer than %d hashes",
			    e->index, MERKLE_MAX_PROOF);
			return -1;
		}
		if (buf_append(&p->paths, h, sizeof(h)) == -1) {
			ERR("out of memory");
			return -2;
		}
		e->plen++;
	}
	return 0;
}

/* Splits the text into header, entries and the note.  -1 malformed, -2
 * out of memory. */
static int
parse(const char *text, size_t n, struct parsed *p, char *err, size_t errlen)
{
	struct lines L = { text, text + n, 0 };
	const char *s, *v;
	size_t ln, vn;
	int r;

	if (memchr(text, '\0', n) != NULL) {
		ERR("not a case proof: it holds a NUL byte");
		return -1;
	}
	if (header(&L, p, err, errlen) == -1)
		return -1;
	for (;;) {
		if (next_line(&L, &s, &ln) == -1) {
			ERR("line %zu: the proof ends before its checkpoint",
			    L.lineno + 1);
			return -1;
		}
		if (ln == 0)
			break;
		if (!keyed(s, ln, "entry", &v, &vn)) {
			ERR("line %zu: expected an \"entry\" line or an empty"
			    " line", L.lineno);
			return -1;
		}
		if ((r = entry_line(&L, p, v, vn, err, errlen)) != 0 ||
		    (r = path_line(&L, p, err, errlen)) != 0)
			return r;
	}
	if (p->n == 0) {
		ERR("the proof lists no entries");
		return -1;
	}
	p->note = L.p;
	p->notelen = (size_t)(L.end - L.p);
	return 0;
}

static void
parsed_free(struct parsed *p)
{
	free(p->e);
	free(p->scratch);
	buf_free(&p->bytes);
	buf_free(&p->paths);
}

/* ---- verifying ---- */

/* The checkpoint: the court's signature, the size, every cosignature. */
static int
check_note(const struct parsed *p, const struct registry *reg,
    const struct policy *pol, const struct registry_court *court,
    struct checkpoint *ck, struct proof_report *r, char *err, size_t errlen)
{
	struct note_sig sigs[NOTE_SIGS_MAX];
	size_t bodylen, nsigs = NOTE_SIGS_MAX;
	char why[512];

	if (note_split(p->note, p->notelen, &bodylen, sigs, &nsigs, why,
	    sizeof(why)) == -1 ||
	    checkpoint_parse(p->note, bodylen, ck, why, sizeof(why)) == -1) {
		ERR("checkpoint: %s", why);
		return -1;
	}
	if (strcmp(ck->origin, court->log.name) != 0) {
		ERR("checkpoint: origin \"%s\" is not %s", ck->origin,
		    court->log.name);
		return -1;
	}
	if (note_verify(p->note, bodylen, sigs, nsigs, &court->log, NULL, why,
	    sizeof(why)) == -1) {
		ERR("checkpoint: %s", why);
		return -1;
	}
	if (p->size != ck->size) {
		ERR("the proof says size %" PRIu64 " but its checkpoint is of"
		    " size %" PRIu64, p->size, ck->size);
		return -1;
	}
	r->cs.size = ck->size;
	if (policy_cosigs(p->note, p->notelen, p->origin, reg, pol, 0, &r->cs,
	    why, sizeof(why)) != 0) {
		/* "checkpoint S: …" */
		ERR("%s", why);
		return -1;
	}
	return 0;
}

/* The cosignatures against the newest listed entry, then the policy. */
static int
witnessed(const struct parsed *p, const struct registry *reg,
    const struct policy *pol, struct proof_report *r, char *err,
    size_t errlen)
{
	char why[512], pt[POLICY_TEXT_MAX];

	if (policy_times(pol, &r->cs, p->newest, why, sizeof(why)) != 0) {
		ERR("%s", why);
		return -1;
	}
	r->met = policy_met(pol, reg, p->origin, &r->cs, why, sizeof(why));
	if (!r->met) {
		policy_format(pol, pt, sizeof(pt));
		ERR("checkpoint %" PRIu64 ": not witnessed: %s (witness policy"
		    " %s)", p->size, why, pt);
		return -1;
	}
	return 0;
}

/* Is `index` an entry of the proof that names the case itself? */
static bool
of_case(const struct parsed *p, uint64_t index)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->e[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->n && p->e[lo].index == index && p->e[lo].of_case;
}

/* One entry: in the tree, well-formed, of this log, about this case. */
static int
check_entry(struct parsed *p, struct pentry *pe, const uint8_t *root,
    struct event *ev, struct proof_report *r, char *err, size_t errlen)
{
	const uint8_t *data = p->bytes.p + pe->off;
	uint8_t leaf[CS_HASH_LEN];
	struct entry e;
	char why[512];
	const char *cno;

	merkle_leaf_hash(data, pe->len, leaf);
	if (merkle_verify_inclusion(pe->index, p->size, leaf,
	    (const uint8_t (*)[CS_HASH_LEN])(p->paths.p + pe->poff *
	    CS_HASH_LEN), pe->plen, root, why, sizeof(why)) == -1) {
		ERR("entry %" PRIu64 ": inclusion proof does not lead to the"
		    " checkpoint's root (size %" PRIu64 ")", pe->index, p->size);
		return -1;
	}
	if (entry_decode(data, pe->len, &e, why, sizeof(why)) == -1) {
		ERR("entry %" PRIu64 ": %s", pe->index, why);
		return -1;
	}
	if (e.time > p->newest)
		p->newest = e.time;
	if (strcmp(e.origin, p->origin) != 0) {
		ERR("entry %" PRIu64 ": origin %s is not %s", pe->index,
		    e.origin, p->origin);
		return -1;
	}
	if (e.index != pe->index) {
		ERR("entry %" PRIu64 ": its index says %" PRIu64, pe->index,
		    e.index);
		return -1;
	}
	if (event_decode_body(e.type, e.body, e.bodylen, ev, why,
	    sizeof(why)) == -1) {
		ERR("entry %" PRIu64 ": %s", pe->index, why);
		return -1;
	}
	if (ev->type == EV_CORRECTION) {
		uint64_t target = ev->f[F_CORRECTS].u;

		if (!of_case(p, target)) {
			ERR("entry %" PRIu64 ": a correction of entry %" PRIu64
			    ", which is not an entry of case %s in this proof",
			    pe->index, target, p->case_no);
			return -1;
		}
		if (ev->has_replacement &&
		    strcmp(ev->replacement->f[F_CASE].s, p->case_no) != 0) {
			ERR("entry %" PRIu64 ": its replacement is about case %s,"
			    " not %s", pe->index, ev->replacement->f[F_CASE].s,
			    p->case_no);
			return -1;
		}
		r->corrections++;
		return 0;
	}
	cno = ev->f[F_CASE].s;
	if (strcmp(cno, p->case_no) != 0) {
		ERR("entry %" PRIu64 ": about case %s, not %s", pe->index, cno,
		    p->case_no);
		return -1;
	}
	pe->of_case = true;
	return 0;
}

int
proof_verify(const char *text, size_t n, const struct registry *reg,
    const struct policy *pol, struct proof_report *r, char *err,
    size_t errlen)
{
	struct parsed p;
	struct checkpoint ck;
	const struct registry_court *court;
	struct event *ev = NULL;
	int pr, ret = 1;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	buf_init(&p.bytes, 0);
	buf_init(&p.paths, 0);
	if ((p.scratch = malloc(CS_ENTRY_MAX)) == NULL) {
		ERR("out of memory");
		ret = -1;
		goto out;
	}
	if (n > PROOF_FILE_MAX) {
		ERR("the proof is larger than %d bytes", PROOF_FILE_MAX);
		goto out;
	}
	if ((pr = parse(text, n, &p, err, errlen)) != 0) {
		ret = pr == -2 ? -1 : 1;
		goto out;
	}
	court = registry_find(reg, p.origin);
	if (court == NULL) {
		ERR("court %s is not in the registry", p.origin);
		goto out;
	}
	if (!court->has_key) {
		ERR("court %s has no log key in the registry", p.origin);
		goto out;
	}
	if (check_note(&p, reg, pol, court, &ck, r, err, errlen) == -1)
		goto out;
	/* Two events: a correction's replacement is decoded into the second. */
	if ((ev = calloc(2, sizeof(*ev))) == NULL) {
		ERR("out of memory");
		ret = -1;
		goto out;
	}
	for (size_t i = 0; i < p.n; i++) {
		ev[0].replacement = &ev[1];
		if (check_entry(&p, &p.e[i], ck.root, ev, r, err, errlen) == -1)
			goto out;
	}
	if (witnessed(&p, reg, pol, r, err, errlen) == -1)
		goto out;
	cs_strlcpy(r->origin, p.origin, sizeof(r->origin));
	cs_strlcpy(r->court, court->name, sizeof(r->court));
	cs_strlcpy(r->case_no, p.case_no, sizeof(r->case_no));
	r->size = ck.size;
	memcpy(r->root, ck.root, CS_HASH_LEN);
	r->entries = p.n;
	r->first = p.e[0].index;
	r->last = p.e[p.n - 1].index;
	ret = 0;
out:
	free(ev);
	parsed_free(&p);
	return ret;
}
