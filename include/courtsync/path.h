/*
 * path.h — court paths (docs/FORMAT.md §1): `cn/gs/ln/wudu`, 1 to 8
 * segments of [a-z0-9_-], each 1–31 bytes, 127 bytes in all.
 */
#ifndef COURTSYNC_PATH_H
#define COURTSYNC_PATH_H

#include <stdbool.h>

#define CS_ORIGIN_MAX		128		/* court path, NUL included */

/* True if s is a valid court path: 1–8 segments of [a-z0-9_-]{1,31}
 * separated by '/', total < CS_ORIGIN_MAX. */
bool	court_path_valid(const char *s);
/* True if `child` is `parent` or lies beneath it ("cn/gs" covers "cn/gs/ln"
 * but not "cn/gsx"). */
bool	court_path_covers(const char *parent, const char *child);

#endif
