/*
 * registry.c — loads and checks the deployment's registry (registry.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courtsync/crypto.h"
#include "courtsync/file.h"
#include "registry.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define FILE_MAX (4 * 1024 * 1024)

/* Splits line at tabs into at most max fields; returns the count. */
static int
split_tabs(char *line, char **f, int max)
{
	int n = 0;

	for (;;) {
		char *t = strchr(line, '\t');
		if (n < max)
			f[n] = line;
		n++;
		if (t == NULL)
			break;
		*t = '\0';
		line = t + 1;
	}
	return n;
}

static int
parse_line(struct registry_court *c, char *line, char *err, size_t errlen)
{
	char *f[8], name[NOTE_NAME_MAX];
	int n = split_tabs(line, f, 8);
	char *end;

	memset(c, 0, sizeof(*c));
	if (n < 5 || n > 7) {
		ERR("%d fields; expected path, level, code, parent, name"
		    " [, vkey [, role]]", n);
		return -1;
	}
	if (n == 7 && strcmp(f[6], "court") != 0 &&
	    strcmp(f[6], "witness") != 0) {
		ERR("role \"%s\" is neither court nor witness", f[6]);
		return -1;
	}
	c->witness_only = n == 7 && strcmp(f[6], "witness") == 0;
	if (!court_path_valid(f[0])) {
		ERR("\"%s\" is not a court path", f[0]);
		return -1;
	}
	cs_strlcpy(c->path, f[0], sizeof(c->path));
	c->level = (int)strtol(f[1], &end, 10);
	if (*end != '\0' || c->level < 1 || c->level > 8) {
		ERR("%s: level \"%s\" is not a number 1-8", c->path, f[1]);
		return -1;
	}
	if (f[2][0] == '\0' || strlen(f[2]) >= sizeof(c->code) ||
	    f[4][0] == '\0' || strlen(f[4]) >= sizeof(c->name)) {
		ERR("%s: code and name must be present and short", c->path);
		return -1;
	}
	if (strpbrk(f[2], " ()") != NULL) {
		ERR("%s: code \"%s\" has a space or parenthesis", c->path, f[2]);
		return -1;
	}
	cs_strlcpy(c->code, f[2], sizeof(c->code));
	cs_strlcpy(c->name, f[4], sizeof(c->name));
	if (strcmp(f[3], "-") != 0) {
		if (!court_path_valid(f[3]) || !court_path_covers(f[3], c->path) ||
		    strcmp(f[3], c->path) == 0) {
			ERR("%s: parent \"%s\" is not above it", c->path, f[3]);
			return -1;
		}
		cs_strlcpy(c->parent, f[3], sizeof(c->parent));
	}
	if (c->witness_only && (c->parent[0] != '\0' || n < 6 ||
	    strcmp(f[5], "-") == 0)) {
		ERR("%s: a witness has parent - and a key", c->path);
		return -1;
	}
	if (n >= 6 && strcmp(f[5], "-") != 0) {
		char why[256];

		snprintf(name, sizeof(name), "courtsync/%s", c->path);
		if (note_vkey_parse(f[5], &c->log, why, sizeof(why)) == -1) {
			ERR("%s: %s", c->path, why);
			return -1;
		}
		if (strcmp(c->log.name, name) != 0 ||
		    c->log.type != NOTE_TYPE_ED25519) {
			ERR("%s: the key is named %s, not %s", c->path,
			    c->log.name, name);
			return -1;
		}
		if (note_verifier_init(&c->witness, name, NOTE_TYPE_COSIG,
		    c->log.pub, why, sizeof(why)) == -1) {
			ERR("%s: %s", c->path, why);
			return -1;
		}
		c->has_key = true;
	}
	return 0;
}

int
registry_load(struct registry *r, const char *file, const char *sig_file,
    const char *ca_file, char *err, size_t errlen)
{
	char *text = NULL, *sig = NULL;
	size_t n, siglen, lineno = 0;
	char *line, *next, why[512];
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (file_read(file, FILE_MAX, &text, &n, err, errlen) == -1)
		return -1;
	if (sig_file != NULL && ca_file != NULL) {
		if (file_read(sig_file, FILE_MAX, &sig, &siglen, err,
		    errlen) == -1)
			goto out;
		if (crypto_verify_by_cert(ca_file, text, n,
		    (const uint8_t *)sig, siglen, why, sizeof(why)) == -1) {
			ERR("%s: the CA's signature %s does not verify: %s", file,
			    sig_file, why);
			goto out;
		}
	}
	if ((r->courts = calloc(REGISTRY_MAX, sizeof(*r->courts))) == NULL) {
		ERR("out of memory");
		goto out;
	}
	for (line = (char *)text; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strlen(line) > 0 && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		if (r->n == REGISTRY_MAX) {
			ERR("%s: more than %d courts", file, REGISTRY_MAX);
			goto out;
		}
		if (parse_line(&r->courts[r->n], line, why, sizeof(why)) == -1) {
			ERR("%s:%zu: %s", file, lineno, why);
			goto out;
		}
		if (registry_find(r, r->courts[r->n].path) != NULL) {
			ERR("%s:%zu: %s is listed twice", file, lineno,
			    r->courts[r->n].path);
			goto out;
		}
		r->n++;
	}
	for (size_t i = 0; i < r->n; i++) {
		for (size_t j = 0; r->courts[i].witness_only && j < r->n; j++) {
			const char *w = r->courts[i].path, *c = r->courts[j].path;

			if (r->courts[j].witness_only)
				continue;
			if (court_path_covers(c, w) || court_path_covers(w, c)) {
				ERR("%s: the witness %s and the court %s lie one"
				    " beneath the other", file, w, c);
				goto out;
			}
		}
		/* (A witness is never a parent: a court beneath one is
		 * refused above.) */
		if (r->courts[i].parent[0] != '\0' &&
		    registry_find(r, r->courts[i].parent) == NULL) {
			ERR("%s: the parent %s of %s is not listed", file,
			    r->courts[i].parent, r->courts[i].path);
			goto out;
		}
	}
	ret = 0;
out:
	free(text);
	free(sig);
	if (ret == -1)
		registry_free(r);
	return ret;
}

void
registry_free(struct registry *r)
{
	free(r->courts);
	r->courts = NULL;
	r->n = 0;
}

const struct registry_court *
registry_find(const struct registry *r, const char *path)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->courts[i].path, path) == 0)
			return &r->courts[i];
	return NULL;
}

const struct registry_court *
registry_witness(const struct registry *r, const char *name,
    const uint8_t keyid[4])
{
	for (size_t i = 0; i < r->n; i++)
		if (r->courts[i].has_key &&
		    strcmp(r->courts[i].witness.name, name) == 0 &&
		    memcmp(r->courts[i].witness.keyid, keyid, 4) == 0)
			return &r->courts[i];
	return NULL;
}
