/*
 * file.h — whole files: one atomic write and one bounded read, for every
 * file courtsync writes in place (configuration, evidence, proofs, monitor
 * state).  Key files have their own no-overwrite writer (crypto.h).
 */
#ifndef COURTSYNC_FILE_H
#define COURTSYNC_FILE_H

#include <sys/types.h>

#include <stddef.h>

/* Replaces path with the n bytes at p, or leaves it as it was: the bytes
 * go to a new temporary file in path's directory (".NAME.new.PID.K",
 * created O_EXCL with mode & ~umask), which is fsynced, renamed over path,
 * and the directory fsynced so the rename survives a power cut.  On every
 * failure the temporary file is removed.  Error: "cannot write PATH: why". */
int	file_write_atomic(const char *path, const void *p, size_t n,
	    mode_t mode, char *err, size_t errlen);

/* Reads all of path into *out (malloc'd, NUL-terminated after the *n
 * bytes; the caller frees it).  A file of more than max bytes is refused
 * ("PATH: larger than MAX bytes") without reading it all. */
int	file_read(const char *path, size_t max, char **out, size_t *n,
	    char *err, size_t errlen);

/* Writes all n bytes at p to fd, again after EINTR: 0, or -1 with errno. */
int	file_write_all(int fd, const void *p, size_t n);

/* fsyncs the directory that holds path, so that a rename or link into it
 * is durable: 0, or -1 with errno set. */
int	file_sync_dir(const char *path);

#endif
