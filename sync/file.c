/*
 * file.c — atomic whole-file writes and bounded whole-file reads (file.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "courtsync/err.h"
#include "courtsync/file.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

/* Splits path into its directory (dir, "." if none) and its last name. */
static int
file_split(const char *path, char *dir, size_t dircap, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		*base = path;
		return cs_strlcpy(dir, ".", dircap) < dircap ? 0 : -1;
	}
	*base = slash + 1;
	if (slash == path)
		return cs_strlcpy(dir, "/", dircap) < dircap ? 0 : -1;
	if ((size_t)(slash - path) >= dircap)
		return -1;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return 0;
}

int
file_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *base;
	int fd, rc;

	if (file_split(path, dir, sizeof(dir), &base) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Creates a new temporary file beside path, its name in tmp: a unique
 * name (process id and a counter), O_EXCL so nothing is ever reused. */
static int
file_create_tmp(const char *path, mode_t mode, char *tmp, size_t cap)
{
	static atomic_uint counter;
	char dir[PATH_MAX];
	const char *base;

	if (file_split(path, dir, sizeof(dir), &base) == -1 || *base == '\0') {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (int tries = 0; tries < 100; tries++) {
		unsigned k = atomic_fetch_add(&counter, 1);
		int n = snprintf(tmp, cap, "%s/.%s.new.%ld.%u", dir, base,
		    (long)getpid(), k);
		int fd;

		if (n < 0 || (size_t)n >= cap) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
		if (fd != -1 || errno != EEXIST)
			return fd;
	}
	return -1;
}

int
file_write_all(int fd, const void *p, size_t n)
{
	const char *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int
file_write_atomic(const char *path, const void *p, size_t n, mode_t mode,
    char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	int fd, rc = -1;

	tmp[0] = '\0';
	fd = file_create_tmp(path, mode, tmp, sizeof(tmp));
	if (fd == -1) {
		tmp[0] = '\0';
		goto out;
	}
	if (file_write_all(fd, p, n) == -1 || fsync(fd) == -1)
		goto out;
	if (close(fd) == -1) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto out;
	tmp[0] = '\0';			/* renamed: nothing left to remove */
	if (file_sync_dir(path) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		ERR("cannot write %s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	return rc;
}

int
file_read(const char *path, size_t max, char **out, size_t *n, char *err,
    size_t errlen)
{
	FILE *f = NULL;
	char *p = NULL;
	size_t k;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (max == SIZE_MAX) {
		ERR("%s: no size cap", path);
		return -1;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		ERR("cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	if ((p = malloc(max + 1)) == NULL) {
		ERR("out of memory");
		goto out;
	}
	k = fread(p, 1, max + 1, f);
	if (ferror(f)) {
		ERR("cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (k > max) {
		ERR("%s: larger than %zu bytes", path, max);
		goto out;
	}
	p[k] = '\0';
	*out = p;
	*n = k;
	p = NULL;
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	free(p);
	return rc;
}
