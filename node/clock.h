/*
 * clock.h — the node's clock: the system's, or COURTSYNC_TIME (Unix
 * seconds) when set, so that tests and demos record reproducible times.
 * Below every module that stamps or judges a time (court, views, hub).
 */
#ifndef COURTSYNC_CLOCK_H
#define COURTSYNC_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Now, Unix seconds: 0, or -1 with err if COURTSYNC_TIME is malformed. */
int	clock_now(uint64_t *t, char *err, size_t errlen);

#endif
