/*
 * import.c — bulk import (see import.h).
 *
 * The whole file is one SQLite transaction: a bad line anywhere, or a crash
 * at any moment, leaves the database and the log as they were before the
 * import.  Entries are still appended one by one through court_append, the
 * same path as a single recorded event, so an imported event is checked
 * and folded exactly like one typed at the command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "import.h"


#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

/* Builds an event from one record. */
static int
record_event(const struct records_record *rec, struct event *ev, char *err,
    size_t errlen)
{
	const struct records_field *tf = records_get(rec, "type");
	int t, f;

	if (tf == NULL) {
		ERR("no \"type\" field");
		return -1;
	}
	t = event_type_by_name(tf->value);
	if (t == -1)
		t = event_type_by_command(tf->value);
	if (t == -1) {
		ERR("unknown event type \"%s\"", tf->value);
		return -1;
	}
	memset(ev, 0, sizeof(*ev));
	ev->type = (enum event_type)t;
	for (size_t i = 0; i < rec->nfields; i++) {
		const struct records_field *fl = &rec->fields[i];

		if (strcmp(fl->name, "type") == 0)
			continue;
		f = field_by_name(fl->name);
		if (f == -1) {
			ERR("unknown field \"%s\"", fl->name);
			return -1;
		}
		if (!event_field_allowed(ev->type, f)) {
			ERR("field \"%s\" does not belong to %s", fl->name,
			    event_defs[t].type);
			return -1;
		}
		if (event_set(ev, f, fl->value, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
import_file(struct court *c, const char *path, enum records_format fmt,
    import_progress_fn progress, void *arg, uint64_t *count, char *err,
    size_t errlen)
{
	struct records_reader rd;
	struct records_record *rec = NULL;
	struct event *ev = NULL;
	char why[768], note[NOTE_MAX];
	uint64_t now, n = 0, size;
	int r, ret = -1;

	memset(&rd, 0, sizeof(rd));
	if (clock_now(&now, err, errlen) == -1)
		return -1;
	if (records_open(&rd, path, fmt, err, errlen) == -1)
		return -1;
	rec = malloc(sizeof(*rec));
	ev = malloc(sizeof(*ev));
	if (rec == NULL || ev == NULL) {
		ERR("out of memory");
		goto out;
	}
	/* Case rows stay in memory across the import (court_commit flushes). */
	if ((c->cache = fold_cache_new()) == NULL) {
		ERR("out of memory");
		goto out;
	}
	if (court_begin(c, err, errlen) == -1)
		goto out;
	while ((r = records_next(&rd, rec, err, errlen)) == 1) {
		if (record_event(rec, ev, why, sizeof(why)) == -1 ||
		    court_append(c, ev, now, NULL, why, sizeof(why)) == -1) {
			ERR("%s: line %llu: %s", path,
			    (unsigned long long)rec->line, why);
			goto out;
		}
		n++;
		if (progress != NULL && (n & 1023) == 0)
			progress(arg, n, rd.bytes, rd.total);
	}
	if (r == -1) {
		snprintf(why, sizeof(why), "%s", err);
		ERR("%s: %s", path, why);
		goto out;
	}
	/* Sign in the same transaction: an import that cannot be signed (a
	 * key with a bad mode, say) is not imported at all. */
	if (court_commit_signed(c, &size, note, sizeof(note), err, errlen) == -1)
		goto out;
	if (progress != NULL)
		progress(arg, n, rd.bytes, rd.total);
	*count = n;
	ret = 0;
out:
	if (c->in_tx)
		court_rollback(c);
	fold_cache_free(c->cache);
	c->cache = NULL;
	records_close(&rd);
	free(rec);
	free(ev);
	return ret;
}
