/*
 * config.h — a node's home directory and its configuration file.
 *
 * HOME/courtsync.conf   "key = value" lines, '#' comments (docs/courtsync.1)
 * HOME/courtsync.db     the SQLite store
 * HOME/log.key          the court's Ed25519 log-signing key, mode 0600
 * HOME/log.vkey         its verifier key, one line
 */
#ifndef COURTSYNC_CONFIG_H
#define COURTSYNC_CONFIG_H

#include <stdbool.h>

#include "courtsync/codec.h"
#include "event.h"

#define CONFIG_PATH_MAX	4096
#define CONFIG_NAME_MAX	256

/* Deadline-rule overrides, "rule.<id>.<field> = value" (docs/VIEWS.md);
 * applied to the rules table when the node opens. */
#define CONFIG_RULES_MAX 64
struct config_rule {
	char	id[32];
	char	field[16];
	char	value[32];
};

struct config {
	char	path[CS_ORIGIN_MAX];	/* court path, cn/gs/ln/wudu */
	char	name[CONFIG_NAME_MAX];	/* official name, 武都区人民法院 */
	char	code[CS_CODE_MAX];	/* official code, 甘1202 */
	int	level;			/* 1 SPC … 4 basic court */
	char	parent[CS_ORIGIN_MAX];	/* parent court path, "" for the root */
	bool	durable;		/* synchronous=FULL (default) or NORMAL */

	/* Sync (docs/PROTOCOL.md).  File names are relative to the home. */
	char	listen[128];		/* "127.0.0.1:8443", "" = no server */
	char	parent_url[256];	/* "https://127.0.0.1:8442", "" = none */
	char	dashboard[128];		/* "127.0.0.1:8480" or "8480" (loopback):
					 * the views over TLS without client
					 * certificates; "" = none */
	char	tls_cert[CONFIG_PATH_MAX];
	char	tls_key[CONFIG_PATH_MAX];
	char	ca[CONFIG_PATH_MAX];
	char	crl[CONFIG_PATH_MAX];	/* "" = no CRL */
	char	registry[CONFIG_PATH_MAX];
	char	registry_sig[CONFIG_PATH_MAX];
	bool	syslog;		/* serve's lines also to syslog(3), LOG_DAEMON */
	bool	fold_off;		/* serve does not fold what it receives:
					 * commands that read the views do */
	char	witnesses[256];		/* witness policy of the dashboard's
					 * verdicts and `prove`: parent,
					 * ancestors or N:PATH,… */
	unsigned long max_body;		/* request body bytes */
	unsigned long max_batch;	/* entries per batch */
	unsigned long timeout_s;	/* server idle time-out */
	unsigned long max_connections;
	unsigned long max_per_address;	/* connections per peer IP */
	unsigned long handshake_timeout_s; /* accept to TLS handshake */
	unsigned long request_timeout_s; /* a request's first byte to last */
	unsigned long push_interval_ms;
	unsigned long backoff_base_ms;
	unsigned long backoff_cap_ms;
	unsigned long connect_timeout_ms;
	unsigned long request_timeout_ms;
	struct config_rule rules[CONFIG_RULES_MAX];
	int	nrules;
};

/* Resolves a configured file name against the home directory. */
void	config_file(const char *home, const char *name, char *out, size_t cap);

/* Sets defaults (durable) and clears the identity. */
void	config_init(struct config *c);
/* Sets one key from text; errors name the key and the value. */
int	config_set(struct config *c, const char *key, const char *value,
	    char *err, size_t errlen);
/* Checks the whole configuration: path valid, name and code present,
 * level 1-4 and equal to the path's depth, parent the path's parent. */
int	config_check(const struct config *c, char *err, size_t errlen);
/* Reads "key = value" lines ('#' comments, blanks trimmed) of file and
 * hands each to set; errors name the file and line. */
typedef int (*config_set_fn)(void *arg, const char *key, const char *value,
    char *err, size_t errlen);
int	config_lines(const char *file, config_set_fn set, void *arg, char *err,
	    size_t errlen);
/* Reads a configuration file; errors name the file and line. */
int	config_read(struct config *c, const char *file, char *err, size_t errlen);
/* Writes a configuration file atomically (file.new, fsync, rename). */
int	config_write(const struct config *c, const char *file, char *err,
	    size_t errlen);

#endif
