/*
 * audit_int.h — what the parts of audit share (audit.c, audit_compare.c, audit_follow.c);
 * private to them.
 */
#ifndef COURTSYNC_AUDIT_INT_H
#define COURTSYNC_AUDIT_INT_H
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "courtsync/export.h"
#include "fold.h"
#include "store.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)
#define PROBLEM(...) snprintf(r->problem, sizeof(r->problem), __VA_ARGS__)
#define ULL(x) ((unsigned long long)(x))
#define EMDASH "\xe2\x80\x94"
#define REPLAY_TX 50000		/* entries per replay transaction */
#define COMPARISON_MAGIC "courtsync-comparison/1"
#define MONITOR_MAGIC "courtsync-monitor/1"


int audit_note_check(const char *text, size_t n, const struct registry *reg, struct checkpoint *ck, const struct registry_court **rcp, char *why, size_t wlen);
int audit_put_b64_line(struct buf *b, const char *key, const void *p, size_t n);
int audit_parse_u64(const char *s, uint64_t *v);
int audit_get_hash(const char *s, uint8_t out[CS_HASH_LEN]);
int audit_get_bytes(const char *s, struct buf *b, size_t max);

#endif
