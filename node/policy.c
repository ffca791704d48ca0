/*
 * policy.c — the witness rule and the witness policy (policy.h,
 * docs/FORMAT.md §9.1).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "courtsync/crypto.h"
#include "policy.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

void
policy_init(struct policy *p, uint64_t now)
{
	memset(p, 0, sizeof(*p));
	p->kind = POLICY_PARENT;
	p->now = now;
	p->skew = POLICY_SKEW_DEFAULT;
}

int
policy_parse(struct policy *p, const char *spec, char *err, size_t errlen)
{
	const char *s, *colon;
	char *end;
	unsigned long need;

	if (strcmp(spec, "parent") == 0 || strcmp(spec, "ancestors") == 0) {
		p->kind = spec[0] == 'p' ? POLICY_PARENT : POLICY_ANCESTORS;
		p->nlist = 0;
		p->need = 0;
		return 0;
	}
	if ((colon = strchr(spec, ':')) == NULL || colon == spec ||
	    spec[0] < '1' || spec[0] > '9') {
		ERR("--witnesses \"%s\": expected parent, ancestors or"
		    " N:PATH,PATH,…", spec);
		return -1;
	}
	need = strtoul(spec, &end, 10);
	if (end != colon || need > POLICY_LIST_MAX) {
		ERR("--witnesses \"%s\": N must be a number 1-%d", spec,
		    POLICY_LIST_MAX);
		return -1;
	}
	p->nlist = 0;
	for (s = colon + 1;; s++) {
		const char *comma = strchr(s, ',');
		size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		char path[CS_ORIGIN_MAX];

		if (len == 0 || len >= sizeof(path)) {
			ERR("--witnesses \"%s\": an empty or too long path",
			    spec);
			return -1;
		}
		memcpy(path, s, len);
		path[len] = '\0';
		if (!court_path_valid(path)) {
			ERR("--witnesses: \"%s\" is not a court path", path);
			return -1;
		}
		for (size_t i = 0; i < p->nlist; i++)
			if (strcmp(p->list[i], path) == 0) {
				ERR("--witnesses: %s is named twice", path);
				return -1;
			}
		if (p->nlist == POLICY_LIST_MAX) {
			ERR("--witnesses: at most %d paths", POLICY_LIST_MAX);
			return -1;
		}
		cs_strlcpy(p->list[p->nlist++], path, CS_ORIGIN_MAX);
		if (comma == NULL)
			break;
		s = comma;
	}
	if (need > p->nlist) {
		ERR("--witnesses \"%s\": %lu witnesses needed but only %zu"
		    " named", spec, need, p->nlist);
		return -1;
	}
	p->kind = POLICY_LIST;
	p->need = (unsigned)need;
	return 0;
}

int
policy_resolve(const struct policy *p, const struct registry *reg, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < p->nlist; i++) {
		const struct registry_court *w = registry_find(reg, p->list[i]);

		if (w == NULL || !w->has_key) {
			ERR("--witnesses: %s is not in the registry with a key",
			    p->list[i]);
			return -1;
		}
	}
	return 0;
}

int
policy_from_args(struct policy *p, const char *witnesses, const char *skew,
    const struct registry *reg, char *err, size_t errlen)
{
	char *end;

	if (witnesses != NULL && (policy_parse(p, witnesses, err, errlen) == -1
	    || policy_resolve(p, reg, err, errlen) == -1))
		return -1;
	if (skew != NULL) {
		unsigned long v;

		if (skew[0] < '0' || skew[0] > '9' || strlen(skew) > 6)
			goto bad;
		v = strtoul(skew, &end, 10);
		if (*end != '\0' || v > 86400)
			goto bad;
		p->skew = v;
	}
	return 0;
bad:
	ERR("--skew \"%s\": a number of seconds 0-86400", skew);
	return -1;
}

void
policy_format(const struct policy *p, char *out, size_t cap)
{
	size_t len;

	if (p->kind != POLICY_LIST) {
		snprintf(out, cap, "%s", p->kind == POLICY_PARENT ? "parent" :
		    "ancestors");
		return;
	}
	snprintf(out, cap, "%u:", p->need);
	for (size_t i = 0; i < p->nlist; i++) {
		len = strlen(out);
		snprintf(out + len, cap - len, "%s%s", i > 0 ? "," : "",
		    p->list[i]);
	}
}

bool
policy_eligible(const struct registry *reg, const char *origin,
    const struct registry_court *w)
{
	const struct registry_court *rc = registry_find(reg, origin);

	if (court_path_covers(origin, w->path))
		return false;		/* the court itself or beneath it */
	if (w->witness_only)
		return true;		/* outside the hierarchy */
	if (rc != NULL && rc->parent[0] != '\0' &&
	    strcmp(rc->parent, w->parent) == 0)
		return false;		/* a sibling (a court without a parent
					 * has none) */
	return true;
}

/* The registry entry one of whose keys has this key ID, or NULL. */
static const struct registry_court *
key_owner(const struct registry *reg, const uint8_t keyid[4])
{
	for (size_t i = 0; i < reg->n; i++) {
		const struct registry_court *c = &reg->courts[i];

		if (c->has_key && (memcmp(c->witness.keyid, keyid, 4) == 0 ||
		    memcmp(c->log.keyid, keyid, 4) == 0))
			return c;
	}
	return NULL;
}

/* A cosignature dated after the verifier's clock plus the skew.  0 or 1
 * (problem). */
static int
too_late(const struct policy *p, uint64_t size, const char *who, uint64_t t,
    char *problem, size_t plen)
{
	char a[32], b[32];

	if (t <= p->now + p->skew)
		return 0;
	cs_utc(t, a);
	cs_utc(p->now, b);
	snprintf(problem, plen, "checkpoint %" PRIu64 ": the cosignature by %s"
	    " is dated %s, later than this verifier's clock (%s) plus %" PRIu64
	    " s", size, who, a, b, p->skew);
	return 1;
}

int
policy_times(const struct policy *p, const struct policy_cosigs *c,
    uint64_t not_before, char *problem, size_t plen)
{
	char a[32], b[32];

	for (size_t i = 0; i < c->n; i++) {
		if (c->w[i].time + p->skew >= not_before)
			continue;
		cs_utc(c->w[i].time, a);
		cs_utc(not_before, b);
		snprintf(problem, plen, "checkpoint %" PRIu64 ": the"
		    " cosignature by %s is dated %s, before the newest entry"
		    " it covers was recorded (%s), less %" PRIu64 " s", c->size,
		    c->w[i].path, a, b, p->skew);
		return 1;
	}
	return 0;
}

int
policy_cosigs(const char *note, size_t n, const char *origin,
    const struct registry *reg, const struct policy *p, uint64_t not_before,
    struct policy_cosigs *c, char *problem, size_t plen)
{
	struct note_sig sigs[NOTE_SIGS_MAX];
	const struct registry_court *self = registry_find(reg, origin);
	size_t bodylen, nsigs = NOTE_SIGS_MAX;
	char why[256], name[NOTE_NAME_MAX], hex[9];

	c->n = 0;
	c->ignored = 0;
	if (note_split(note, n, &bodylen, sigs, &nsigs, why, sizeof(why)) ==
	    -1) {
		snprintf(problem, plen, "checkpoint %" PRIu64 ": %s", c->size,
		    why);
		return -1;
	}
	snprintf(name, sizeof(name), "courtsync/%s", origin);
	for (size_t i = 0; i < nsigs; i++) {
		const struct registry_court *w, *owner;
		struct policy_witness *pw;
		uint64_t t = 0;

		if (self != NULL && self->has_key &&
		    strcmp(sigs[i].name, name) == 0 &&
		    memcmp(sigs[i].keyid, self->log.keyid, 4) == 0)
			continue;		/* the court's own signature */
		crypto_hex(sigs[i].keyid, 4, hex);
		if ((w = registry_witness(reg, sigs[i].name,
		    sigs[i].keyid)) == NULL) {
			if (strncmp(sigs[i].name, "courtsync/", 10) == 0 &&
			    registry_find(reg, sigs[i].name + 10) != NULL) {
				snprintf(problem, plen, "checkpoint %" PRIu64
				    ": bad cosignature by %s (key ID %s is not"
				    " its registered witness key)", c->size,
				    sigs[i].name + 10, hex);
				return 1;
			}
			if ((owner = key_owner(reg, sigs[i].keyid)) != NULL) {
				snprintf(problem, plen, "checkpoint %" PRIu64
				    ": bad cosignature by %s (key ID %s is a"
				    " registered key of %s)", c->size,
				    sigs[i].name, hex, owner->path);
				return 1;
			}
			c->ignored++;		/* not of this deployment */
			continue;
		}
		if (note_verify(note, bodylen, &sigs[i], 1, &w->witness, &t, why,
		    sizeof(why)) == -1) {
			snprintf(problem, plen, "checkpoint %" PRIu64 ": bad"
			    " cosignature by %s", c->size, w->path);
			return 1;
		}
		if (too_late(p, c->size, w->path, t, problem, plen) != 0)
			return 1;
		for (size_t j = 0; j < c->n; j++)
			if (strcmp(c->w[j].path, w->path) == 0)
				goto next;	/* the same witness twice */
		pw = &c->w[c->n++];
		cs_strlcpy(pw->path, w->path, sizeof(pw->path));
		pw->level = w->level;
		pw->time = t;
		pw->counts = policy_eligible(reg, origin, w);
next:		;
	}
	return policy_times(p, c, not_before, problem, plen);
}

static bool
counted(const struct policy_cosigs *c, const char *path)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->w[i].counts && strcmp(c->w[i].path, path) == 0)
			return true;
	return false;
}

bool
policy_met(const struct policy *p, const struct registry *reg,
    const char *origin, const struct policy_cosigs *c, char *missing,
    size_t mlen)
{
	const struct registry_court *rc = registry_find(reg, origin), *a;
	unsigned found = 0;

	if (p->kind == POLICY_LIST) {
		size_t len;

		for (size_t i = 0; i < p->nlist; i++)
			found += counted(c, p->list[i]);
		if (found >= p->need)
			return true;
		snprintf(missing, mlen, "%u of the witnesses", p->need);
		for (size_t i = 0; i < p->nlist; i++) {
			len = strlen(missing);
			snprintf(missing + len, mlen - len, "%s%s", i == 0 ? " " :
			    ",", p->list[i]);
		}
		len = strlen(missing);
		snprintf(missing + len, mlen - len, " needed, %u found", found);
		return false;
	}
	if (rc == NULL || rc->parent[0] == '\0') {
		snprintf(missing, mlen, "%s has no parent court to witness it"
		    " (name witnesses with --witnesses N:PATH,…)", origin);
		return false;
	}
	for (a = registry_find(reg, rc->parent); a != NULL;
	    a = a->parent[0] != '\0' ? registry_find(reg, a->parent) : NULL) {
		if (!counted(c, a->path)) {
			snprintf(missing, mlen, "no cosignature by %s, %s", a->path,
			    strcmp(a->path, rc->parent) == 0 ? "its parent" :
			    "an ancestor");
			return false;
		}
		if (p->kind == POLICY_PARENT)
			break;
	}
	return true;
}
