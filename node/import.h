/*
 * import.h — bulk import of events from a case-management export
 * (CSV or JSON Lines, see README "Importing") in one transaction.
 */
#ifndef COURTSYNC_IMPORT_H
#define COURTSYNC_IMPORT_H

#include <stdint.h>

#include "court.h"
#include "records.h"

/* Called every 1024 records and at the end. */
typedef void (*import_progress_fn)(void *arg, uint64_t records,
    uint64_t bytes_read, uint64_t bytes_total);

/*
 * Imports every record of path as one event each, all in one transaction,
 * then signs a checkpoint.  A record names its event type in the field
 * "type" (log type such as case_filed, or CLI command such as file) and
 * its fields by their body names.  The first bad record stops the import:
 * err says "line N: …" and the database and log are exactly as before.
 */
int	import_file(struct court *c, const char *path, enum records_format fmt,
	    import_progress_fn progress, void *arg, uint64_t *count,
	    char *err, size_t errlen);

#endif
