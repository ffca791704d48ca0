/*
 * serve.h — the daemon (`courtsync serve`) and a single push
 * (`courtsync push`).  These layers log (log.h); the CLI prints.
 */
#ifndef COURTSYNC_SERVE_H
#define COURTSYNC_SERVE_H

#include "court.h"
#include "registry.h"
#include "relay.h"

/* Checks everything serve needs before it starts: listen or parent set,
 * log.key and tls key mode 0600, certificate, CA, CRL, registry present,
 * the registry's CA signature, this court listed with its code and level.
 * On success reg is loaded (registry_free it). */
int	serve_check(const char *home, struct court *c, struct registry *reg,
	    char *err, size_t errlen);
/* Runs the node until SIGTERM/SIGINT; 0 on an orderly stop. */
int	serve_run(const char *home, char *err, size_t errlen);
/* Pushes until the parent holds everything this node holds (or refuses
 * something: total->refused, last_error).  -1 on a transport error. */
int	serve_push_once(const char *home, struct relay_stats *total, char *err,
	    size_t errlen);
/* If this node was restored or recovered (court.h): catches up with the
 * parent (relay_catch_up).  *pending: it was marked; *fetched: entries
 * appended.  0, or -1 with err (still marked). */
int	serve_catch_up(const char *home, bool *pending, uint64_t *fetched,
	    char *err, size_t errlen);

#endif
