/*
 * log.h — the daemon's log lines, on standard error:
 *     2026-11-26T02:00:00Z courtsync[1234] cn/gs/ln warn: push: …
 * Only the daemon's own layers (serve, the push loop) log; library
 * modules return errors to their caller instead.
 */
#ifndef COURTSYNC_LOG_H
#define COURTSYNC_LOG_H

/* Sets the court path shown on every line. */
void	log_init(const char *court);
/* Also sends every line to syslog(3) (facility LOG_DAEMON, ident
 * "courtsync", with the pid), at LOG_INFO or LOG_WARNING. */
void	log_syslog(void);
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
