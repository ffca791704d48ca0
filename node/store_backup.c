/*
 * store_backup.c — a consistent copy of a live database (SQLite's online
 * backup API: readers and writers go on while it runs; the copy is one
 * snapshot), and the check a copy must pass before anyone relies on it.
 */
#include <fcntl.h>
#include <unistd.h>

#include "store_int.h"

int
store_backup(struct store *s, const char *path, char *err, size_t errlen)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc, fd;

	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		ERR("cannot create %s: %s", path, dst != NULL ?
		    sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	if ((b = sqlite3_backup_init(dst, "main", DB(s), "main")) == NULL) {
		ERR("cannot back up to %s: %s", path, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	/* Pages in steps, so writers are held up for one step at a time;
	 * a write by another connection restarts the copy. */
	do {
		rc = sqlite3_backup_step(b, 1024);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY ||
	    rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		ERR("backup to %s failed: %s", path, sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -1;
	}
	/* One file, no WAL beside it. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		ERR("backup %s: %s", path, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	sqlite3_close(dst);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fsync(fd) == -1) {
		ERR("cannot sync %s", path);
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
store_integrity(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char first[256] = "";
	int rc;

	if (sqlite3_prepare_v2(DB(s), "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK) {
		ERR("database: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		store_col_text(st, 0, first, sizeof(first));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		ERR("integrity check: %s", sqlite3_errmsg(DB(s)));
		return -1;
	}
	if (strcmp(first, "ok") != 0) {
		ERR("integrity check: %s", first);
		return -1;
	}
	return 0;
}
