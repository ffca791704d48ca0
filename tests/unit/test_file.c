/*
 * test_file.c — file.c: the atomic write replaces or leaves alone, and
 * never leaves its temporary file behind; the read holds to its cap.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "courtsync/err.h"
#include "courtsync/file.h"
#include "harness.h"

/* A fresh directory per test; its path in dir. */
static void
fresh_dir(char *dir, size_t cap)
{
	snprintf(dir, cap, "/tmp/test_file.XXXXXX");
	if (mkdtemp(dir) == NULL)
		harness_fail(__FILE__, __LINE__, "mkdtemp");
}

/* The number of entries in dir other than . and .. */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
write_path(char *path, size_t cap, const char *dir, const char *name)
{
	snprintf(path, cap, "%s/%s", dir, name);
}

static void
remove_tree(const char *dir, const char *const *names)
{
	char path[256];

	for (; *names != NULL; names++) {
		write_path(path, sizeof(path), dir, *names);
		if (unlink(path) == -1 && errno == EISDIR)
			rmdir(path);
		rmdir(path);
	}
	rmdir(dir);
}

static void
test_write_replaces(void)
{
	char dir[64], path[256], err[CS_ERR_MAX], *text;
	size_t n;
	struct stat st;

	umask(022);		/* the mode is mode & ~umask, as open(2) */
	fresh_dir(dir, sizeof(dir));
	write_path(path, sizeof(path), dir, "state");
	CHECK_EQ_INT(file_write_atomic(path, "old text\n", 9, 0644, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(file_write_atomic(path, "new", 3, 0600, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(file_read(path, 100, &text, &n, err, sizeof(err)), 0);
	CHECK_EQ_INT(n, 3);
	CHECK_STR(text, "new");
	free(text);
	CHECK_EQ_INT(stat(path, &st), 0);
	CHECK_EQ_INT(st.st_mode & 0777, 0600);
	CHECK_EQ_INT(count_entries(dir), 1);	/* no temporary file left */
	/* An empty write makes an empty file. */
	CHECK_EQ_INT(file_write_atomic(path, "", 0, 0644, err, sizeof(err)), 0);
	CHECK_EQ_INT(file_read(path, 0, &text, &n, err, sizeof(err)), 0);
	CHECK_EQ_INT(n, 0);
	free(text);
	remove_tree(dir, (const char *const[]){ "state", NULL });
}

/* The rename fails (the target is a directory): the temporary file,
 * already written, is removed and the target is untouched. */
static void
test_write_rename_fails(void)
{
	char dir[64], path[256], inner[300], err[CS_ERR_MAX];

	fresh_dir(dir, sizeof(dir));
	write_path(path, sizeof(path), dir, "target");
	CHECK_EQ_INT(mkdir(path, 0755), 0);
	snprintf(inner, sizeof(inner), "%s/keep", path);
	CHECK_EQ_INT(file_write_atomic(inner, "x", 1, 0644, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(file_write_atomic(path, "data", 4, 0644, err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "cannot write ");
	CHECK_ERR(err, "/target: ");
	CHECK_EQ_INT(count_entries(dir), 1);	/* just the directory */
	CHECK_EQ_INT(count_entries(path), 1);	/* still holding keep */
	unlink(inner);
	remove_tree(dir, (const char *const[]){ "target", NULL });
}

/* A directory the writer may not write to: refused, nothing created, the
 * old file as it was.  (Root writes anywhere: that half is skipped.) */
static void
test_write_unwritable_dir(void)
{
	char dir[64], path[256], err[CS_ERR_MAX], *text;
	size_t n;

	fresh_dir(dir, sizeof(dir));
	write_path(path, sizeof(path), dir, "state");
	CHECK_EQ_INT(file_write_atomic(path, "old", 3, 0644, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(chmod(dir, 0555), 0);
	if (geteuid() != 0) {
		CHECK_EQ_INT(file_write_atomic(path, "new", 3, 0644, err,
		    sizeof(err)), -1);
		CHECK_ERR(err, "Permission denied");
		CHECK_EQ_INT(count_entries(dir), 1);
		CHECK_EQ_INT(file_read(path, 10, &text, &n, err,
		    sizeof(err)), 0);
		CHECK_STR(text, "old");
		free(text);
	}
	CHECK_EQ_INT(chmod(dir, 0755), 0);
	/* A directory that does not exist: refused the same way. */
	CHECK_EQ_INT(file_write_atomic("/nonexistent/dir/state", "x", 1, 0644,
	    err, sizeof(err)), -1);
	CHECK_ERR(err, "cannot write /nonexistent/dir/state: "
	    "No such file or directory");
	remove_tree(dir, (const char *const[]){ "state", NULL });
}

static void
test_read_cap(void)
{
	char dir[64], path[256], err[CS_ERR_MAX], *text = NULL;
	size_t n = 99;

	fresh_dir(dir, sizeof(dir));
	write_path(path, sizeof(path), dir, "f");
	CHECK_EQ_INT(file_write_atomic(path, "0123456789", 10, 0644, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(file_read(path, 10, &text, &n, err, sizeof(err)), 0);
	CHECK_EQ_INT(n, 10);
	CHECK_STR(text, "0123456789");
	free(text);
	text = NULL;
	CHECK_EQ_INT(file_read(path, 9, &text, &n, err, sizeof(err)), -1);
	CHECK(text == NULL);
	CHECK_ERR(err, "/f: larger than 9 bytes");
	CHECK_EQ_INT(file_read("/nonexistent/f", 9, &text, &n, err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "cannot open /nonexistent/f: No such file or directory");
	remove_tree(dir, (const char *const[]){ "f", NULL });
}

const struct test tests[] = {
	{ "write_replaces", test_write_replaces },
	{ "write_rename_fails", test_write_rename_fails },
	{ "write_unwritable_dir", test_write_unwritable_dir },
	{ "read_cap", test_read_cap },
	{ NULL, NULL },
};
