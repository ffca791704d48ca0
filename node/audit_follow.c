/*
 * audit_follow.c — the monitor: its state file and following a hub's view of a court (audit.h).
 */
#include "courtsync/entry.h"
#include "courtsync/file.h"
#include "audit_int.h"

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
	char b64[64];
	struct buf b = { 0 };
	int rc = 0, ret = -1;

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
		rc |= audit_put_b64_line(&b, "note", m->note, strlen(m->note));
	if (rc != 0) {
		ERR("out of memory");
		goto out;
	}
	if (file_write_atomic(file, b.p, b.len, 0666, err, errlen) == -1)
		goto out;
	ret = 0;
out:
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
		return audit_parse_u64(val, &m->size);
	if (strcmp(key, "prev") == 0)
		return audit_get_hash(val, m->prev);
	if (sp == NULL && strcmp(key, "note") != 0)
		return -1;
	if (strcmp(key, "frontier") == 0) {
		*sp = '\0';
		if (audit_parse_u64(val, &lv) == -1 || lv >= MERKLE_MAX_LEVELS)
			return -1;
		*seen |= (uint64_t)1 << lv;
		return audit_get_hash(sp + 1, m->fr.hash[lv]);
	}
	if (strcmp(key, "checkpoint") == 0) {
		*sp = '\0';
		return audit_parse_u64(val, &m->ck_size) == -1 ? -1 :
		    audit_get_hash(sp + 1, m->ck_root);
	}
	if (strcmp(key, "note") == 0) {
		if (audit_get_bytes(val, &nb, NOTE_MAX) == -1) {
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

/* Verifies the hub's checkpoint note; fills ck and r->ck.  0, 1 (a
 * problem), 2 (valid but not yet witnessed as the policy requires). */
static int
follow_checkpoint(struct audit_monitor *m, const struct registry *reg,
    const struct policy *p, const struct buf *resp, char *note,
    struct checkpoint *ck, struct audit_round *r)
{
	const struct registry_court *rc;
	char why[512], pol[POLICY_TEXT_MAX];

	if (resp->len > NOTE_MAX) {
		RP("the hub's checkpoint is larger than a note may be");
		return 1;
	}
	memcpy(note, resp->p, resp->len);
	note[resp->len] = '\0';
	if (audit_note_check(note, resp->len, reg, ck, &rc, why, sizeof(why)) == -1) {
		RP("the hub's checkpoint: %s", why);
		return 1;
	}
	if (strcmp(rc->path, m->origin) != 0) {
		RP("the hub's checkpoint is of %s, not %s", rc->path, m->origin);
		return 1;
	}
	r->ck.cs.size = ck->size;
	r->ck.not_before = 0;	/* checked when its last entry arrives */
	if (audit_cosigs(note, resp->len, m->origin, reg, p, &r->ck,
	    r->problem, sizeof(r->problem)) != 0)
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
	if (!r->ck.met) {
		policy_met(p, reg, m->origin, &r->ck.cs, why, sizeof(why));
		policy_format(p, pol, sizeof(pol));
		RP("checkpoint %llu: not witnessed yet: %s (witness policy %s)",
		    ULL(ck->size), why, pol);
		return 2;
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
		r->last_time = e.time;
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
    const struct policy *p, const char *state_file, uint32_t chunk,
    audit_get_fn get, void *getarg,
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
	if ((x = follow_checkpoint(m, reg, p, &resp, note, &ck, r)) != 0) {
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
		    errlen)) != 0 ||
		    (m->size == ck.size && (x = policy_times(p, &r->ck.cs,
		    r->last_time, r->problem, sizeof(r->problem))) != 0)) {
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
