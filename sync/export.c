/*
 * export.c — writes and verifies the auditor's export (see export.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "courtsync/export.h"
#include "courtsync/merkle.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define PROBLEM(...) snprintf(r->problem, sizeof(r->problem), __VA_ARGS__)
#define CKPT_DIGITS 20

static int
write_file(const char *path, const void *p, size_t n, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	const uint8_t *q = p;

	if (fd == -1) {
		ERR("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	while (n > 0) {
		ssize_t w = write(fd, q, n);
		if (w <= 0) {
			ERR("cannot write %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		q += w;
		n -= (size_t)w;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		ERR("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
export_begin(struct export_writer *w, const char *dir, char *err, size_t errlen)
{
	char path[EXPORT_PATH_MAX + 32];
	struct stat sb;

	memset(w, 0, sizeof(*w));
	if (strlen(dir) + 16 >= sizeof(w->dir)) {
		ERR("export directory name too long");
		return -1;
	}
	cs_strlcpy(w->dir, dir, sizeof(w->dir));
	snprintf(w->tmp, sizeof(w->tmp), "%s.partial", dir);
	if (stat(dir, &sb) == 0) {
		ERR("%s already exists; export into a new directory", dir);
		return -1;
	}
	if (mkdir(w->tmp, 0755) == -1) {
		ERR("cannot create %s: %s", w->tmp, strerror(errno));
		w->tmp[0] = '\0';
		return -1;
	}
	snprintf(path, sizeof(path), "%s/checkpoints", w->tmp);
	if (mkdir(path, 0755) == -1) {
		ERR("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/entries.bin", w->tmp);
	w->entries = fopen(path, "wbx");
	if (w->entries == NULL) {
		ERR("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
export_put_entry(struct export_writer *w, const void *data, size_t n,
    char *err, size_t errlen)
{
	uint8_t len[4] = {
		(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n
	};

	if (fwrite(len, 1, 4, w->entries) != 4 ||
	    fwrite(data, 1, n, w->entries) != n) {
		ERR("cannot write entries.bin: %s", strerror(errno));
		return -1;
	}
	w->count++;
	return 0;
}

int
export_put_checkpoint(struct export_writer *w, uint64_t size, const char *note,
    char *err, size_t errlen)
{
	char path[EXPORT_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/checkpoints/%020llu", w->tmp,
	    (unsigned long long)size);
	return write_file(path, note, strlen(note), err, errlen);
}

int
export_put_file(struct export_writer *w, const char *name, const char *text,
    char *err, size_t errlen)
{
	char path[EXPORT_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", w->tmp, name);
	return write_file(path, text, strlen(text), err, errlen);
}

int
export_finish(struct export_writer *w, char *err, size_t errlen)
{
	FILE *f = w->entries;

	w->entries = NULL;
	if (fflush(f) != 0 || fsync(fileno(f)) == -1) {
		ERR("cannot write entries.bin: %s", strerror(errno));
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		ERR("cannot write entries.bin: %s", strerror(errno));
		return -1;
	}
	if (rename(w->tmp, w->dir) == -1) {
		ERR("cannot rename %s to %s: %s", w->tmp, w->dir, strerror(errno));
		return -1;
	}
	w->tmp[0] = '\0';
	return 0;
}

static void
remove_tree(const char *dir)
{
	char path[EXPORT_PATH_MAX + 300];
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat sb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

void
export_abort(struct export_writer *w)
{
	if (w->entries != NULL)
		fclose(w->entries);
	w->entries = NULL;
	if (w->tmp[0] != '\0')
		remove_tree(w->tmp);
	w->tmp[0] = '\0';
}

/* ---- verification ---- */

int
export_read_small(const char *path, char *out, size_t cap, size_t *n)
{
	FILE *f = fopen(path, "rb");
	size_t k;

	if (f == NULL)
		return -1;
	k = fread(out, 1, cap, f);
	fclose(f);
	if (k == cap)
		return -2;		/* too large */
	out[k] = '\0';
	*n = k;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Lists checkpoints/ into a sorted array of sizes.  Returns the count,
 * -1 on a system error, -2 on a bad file name (problem set). */
static long
list_checkpoints(const char *dir, uint64_t **sizes, struct export_report *r,
    char *err, size_t errlen)
{
	char path[EXPORT_PATH_MAX + 32];
	DIR *d;
	struct dirent *de;
	size_t n = 0, cap = 0;
	uint64_t *v = NULL;

	snprintf(path, sizeof(path), "%s/checkpoints", dir);
	if ((d = opendir(path)) == NULL) {
		ERR("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		uint64_t sz = 0;
		bool ok = len == CKPT_DIGITS;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		for (size_t i = 0; ok && i < len; i++) {
			if (de->d_name[i] < '0' || de->d_name[i] > '9' ||
			    sz > (UINT64_MAX - 9) / 10)
				ok = false;
			else
				sz = sz * 10 + (uint64_t)(de->d_name[i] - '0');
		}
		if (ok) {
			struct stat st;
			char fp[EXPORT_PATH_MAX + 320];

			snprintf(fp, sizeof(fp), "%s/%s", path, de->d_name);
			if (lstat(fp, &st) == -1 || !S_ISREG(st.st_mode)) {
				PROBLEM("checkpoints/%s: not a regular file",
				    de->d_name);
				free(v);
				closedir(d);
				return -2;
			}
		}
		if (!ok) {
			PROBLEM("checkpoints/%s: not a checkpoint file name"
			    " (20 decimal digits)", de->d_name);
			free(v);
			closedir(d);
			return -2;
		}
		if (n == cap) {
			uint64_t *nv;
			cap = cap ? 2 * cap : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				ERR("out of memory");
				free(v);
				closedir(d);
				return -1;
			}
			v = nv;
		}
		v[n++] = sz;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_u64);
	*sizes = v;
	return (long)n;
}

/* Checks one checkpoint file: origin, size, signature; returns its root. */
static int
check_checkpoint(const char *dir, uint64_t size, const struct note_verifier *v,
    uint8_t root[CS_HASH_LEN], struct export_report *r)
{
	char path[EXPORT_PATH_MAX + 64], text[NOTE_MAX + 1], why[512];
	struct note_sig sigs[NOTE_SIGS_MAX];
	size_t n, bodylen, nsigs = NOTE_SIGS_MAX;
	struct checkpoint c;
	int rc;

	snprintf(path, sizeof(path), "%s/checkpoints/%020llu", dir,
	    (unsigned long long)size);
	rc = export_read_small(path, text, sizeof(text), &n);
	if (rc != 0) {
		PROBLEM("checkpoint %llu: %s", (unsigned long long)size,
		    rc == -2 ? "file larger than a note may be" : strerror(errno));
		return -1;
	}
	if (note_split(text, n, &bodylen, sigs, &nsigs, why, sizeof(why)) == -1 ||
	    checkpoint_parse(text, bodylen, &c, why, sizeof(why)) == -1) {
		PROBLEM("checkpoint %llu: %s", (unsigned long long)size, why);
		return -1;
	}
	if (strcmp(c.origin, v->name) != 0) {
		PROBLEM("checkpoint %llu: origin \"%s\", expected \"%s\"",
		    (unsigned long long)size, c.origin, v->name);
		return -1;
	}
	if (c.size != size) {
		PROBLEM("checkpoint %llu: the note says size %llu",
		    (unsigned long long)size, (unsigned long long)c.size);
		return -1;
	}
	if (note_verify(text, bodylen, sigs, nsigs, v, NULL, why,
	    sizeof(why)) == -1) {
		PROBLEM("checkpoint %llu: %s", (unsigned long long)size, why);
		return -1;
	}
	memcpy(root, c.root, CS_HASH_LEN);
	r->checkpoints++;
	return 0;
}

int
export_checkpoint_sizes(const char *dir, uint64_t **sizes, size_t *n,
    char *err, size_t errlen)
{
	struct export_report *r = calloc(1, sizeof(*r));
	long k;

	if (r == NULL) {
		ERR("out of memory");
		return -1;
	}
	k = list_checkpoints(dir, sizes, r, err, errlen);
	if (k == -2)
		ERR("%s", r->problem);
	free(r);
	if (k < 0)
		return -1;
	*n = (size_t)k;
	return 0;
}

int
export_read_frame(FILE *f, uint8_t *data, size_t *n)
{
	uint8_t len[4];
	size_t got = fread(len, 1, 4, f);

	if (got == 0 && feof(f))
		return 0;
	if (got != 4)
		return -1;
	*n = (size_t)len[0] << 24 | (size_t)len[1] << 16 |
	    (size_t)len[2] << 8 | len[3];
	if (*n == 0 || *n > CS_ENTRY_MAX || fread(data, 1, *n, f) != *n)
		return -1;
	return 1;
}

int
export_verify(const char *dir, const char *vkey, struct export_report *r,
    export_progress_fn progress, void *arg, char *err, size_t errlen)
{
	return export_verify_each(dir, vkey, r, progress, NULL, arg, err,
	    errlen);
}

int
export_verify_each(const char *dir, const char *vkey, struct export_report *r,
    export_progress_fn progress, export_checkpoint_fn on_ck, void *arg,
    char *err, size_t errlen)
{
	char path[EXPORT_PATH_MAX + 32], text[1024], why[512];
	struct note_verifier v;
	struct merkle_frontier *fr = NULL;
	uint64_t *sizes = NULL, k = 0, next = 0, total = 0, readb = 0;
	uint8_t prev[CS_HASH_LEN] = { 0 }, leaf[CS_HASH_LEN], root[CS_HASH_LEN];
	uint8_t want[CS_HASH_LEN];
	uint8_t *data = NULL;
	struct merkle_node done[MERKLE_MAX_LEVELS];
	FILE *f = NULL;
	struct stat sb;
	size_t n;
	long nck;
	int ret = -1;

	memset(r, 0, sizeof(*r));
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
	if (vkey != NULL && note_vkey_parse(vkey, &v, why, sizeof(why)) == -1) {
		ERR("the key given is not a vkey: %s", why);
		return -1;
	}
	if (vkey != NULL && strcmp(vkey, text) != 0) {
		PROBLEM("court.vkey: the export's key is not the key given"
		    " (%s)", vkey);
		return 1;
	}
	if (strncmp(v.name, "courtsync/", 10) != 0 ||
	    !court_path_valid(v.name + 10)) {
		PROBLEM("court.vkey: key name \"%s\" is not courtsync/<court path>",
		    v.name);
		return 1;
	}
	cs_strlcpy(r->origin, v.name + 10, sizeof(r->origin));
	nck = list_checkpoints(dir, &sizes, r, err, errlen);
	if (nck == -1)
		return -1;
	if (nck == -2)
		return 1;
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
	merkle_frontier_root(fr, r->root);	/* the empty tree, until a checkpoint */
	ret = 1;
	/* A checkpoint of size 0 signs the empty tree. */
	while (next < (uint64_t)nck && sizes[next] == 0) {
		if (check_checkpoint(dir, 0, &v, want, r) == -1)
			goto out;
		merkle_frontier_root(fr, root);
		if (memcmp(root, want, CS_HASH_LEN) != 0) {
			PROBLEM("checkpoint 0: root is not the empty tree's");
			goto out;
		}
		if (on_ck != NULL)
			on_ck(arg, 0, 0);
		next++;
	}
	for (k = 0;; k++) {
		uint8_t len[4];
		size_t got = fread(len, 1, 4, f);
		struct entry e;

		if (got == 0 && feof(f))
			break;
		if (got != 4) {
			PROBLEM("entry %llu: entries.bin is truncated inside its"
			    " length", (unsigned long long)k);
			goto out;
		}
		n = (size_t)len[0] << 24 | (size_t)len[1] << 16 |
		    (size_t)len[2] << 8 | len[3];
		if (n == 0 || n > CS_ENTRY_MAX) {
			PROBLEM("entry %llu: length %zu is out of range (1-%d)",
			    (unsigned long long)k, n, CS_ENTRY_MAX);
			goto out;
		}
		if (fread(data, 1, n, f) != n) {
			PROBLEM("entry %llu: entries.bin is truncated inside the"
			    " entry", (unsigned long long)k);
			goto out;
		}
		readb += 4 + n;
		if (entry_decode(data, n, &e, why, sizeof(why)) == -1) {
			PROBLEM("entry %llu: %s", (unsigned long long)k, why);
			goto out;
		}
		if (strcmp(e.origin, r->origin) != 0) {
			PROBLEM("entry %llu: origin \"%s\", expected \"%s\"",
			    (unsigned long long)k, e.origin, r->origin);
			goto out;
		}
		if (e.index != k) {
			PROBLEM("entry %llu: its index says %llu (entries dropped,"
			    " duplicated or reordered)", (unsigned long long)k,
			    (unsigned long long)e.index);
			goto out;
		}
		if (memcmp(e.prev, prev, CS_HASH_LEN) != 0) {
			if (k == 0)
				PROBLEM("entry 0: prev is not 32 zero bytes");
			else
				PROBLEM("entry %llu: altered (its hash does not"
				    " match the prev recorded in entry %llu)",
				    (unsigned long long)k - 1,
				    (unsigned long long)k);
			goto out;
		}
		merkle_leaf_hash(data, n, leaf);
		merkle_frontier_append(fr, leaf, done);
		memcpy(prev, leaf, CS_HASH_LEN);
		r->entries = k + 1;
		while (next < (uint64_t)nck && sizes[next] == k + 1) {
			if (check_checkpoint(dir, k + 1, &v, want, r) == -1)
				goto out;
			merkle_frontier_root(fr, root);
			if (memcmp(root, want, CS_HASH_LEN) != 0) {
				PROBLEM("checkpoint %llu: root does not match the"
				    " entries: entry %llu altered (or entries"
				    " rewritten)", (unsigned long long)k + 1,
				    (unsigned long long)k);
				goto out;
			}
			r->size = k + 1;
			memcpy(r->root, root, CS_HASH_LEN);
			if (on_ck != NULL)
				on_ck(arg, k + 1, e.time);
			next++;
		}
		if (progress != NULL && (k & 0xffff) == 0xffff)
			progress(arg, k + 1, total, readb);
	}
	if (progress != NULL)
		progress(arg, k, total, readb);
	if (next < (uint64_t)nck) {
		PROBLEM("checkpoint %llu: signed for %llu entries but the export"
		    " has %llu (truncated export?)",
		    (unsigned long long)sizes[next],
		    (unsigned long long)sizes[next], (unsigned long long)k);
		goto out;
	}
	if (nck == 0 && k > 0) {
		PROBLEM("no checkpoint: none of the %llu entries is signed",
		    (unsigned long long)k);
		goto out;
	}
	if (nck > 0 && sizes[nck - 1] < k) {
		PROBLEM("entry %llu: not covered by any checkpoint (entries"
		    " %llu..%llu are unsigned)", (unsigned long long)sizes[nck - 1],
		    (unsigned long long)sizes[nck - 1], (unsigned long long)k - 1);
		goto out;
	}
	ret = 0;
out:
	if (f != NULL)
		fclose(f);
	free(fr);
	free(data);
	free(sizes);
	return ret;
}
