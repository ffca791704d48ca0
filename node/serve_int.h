/*
 * serve_int.h — inside serve: the server's state, the fold thread
 * (serve_fold.c) and reloading (serve_reload.c).
 */
#ifndef COURTSYNC_SERVE_INT_H
#define COURTSYNC_SERVE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <sys/stat.h>

#include <time.h>

#include "court.h"
#include "courtsync/httpd.h"
#include "dashboard.h"
#include "hub.h"
#include "registry.h"

struct folder {
	char		 home[CONFIG_PATH_MAX];
	atomic_int	*stopping;	/* the daemon's */
	pthread_t	 thread;
	bool		 started;
	pthread_mutex_t	 mu;		/* guards pushed, folded */
	pthread_cond_t	 work;		/* a push committed, or stop */
	pthread_cond_t	 done;		/* the fold caught up */
	uint64_t	 pushed;	/* pushes committed that stored entries */
	uint64_t	 folded;	/* the value of pushed the views hold */
	pthread_mutex_t	 write;		/* this process's writer: a push or
					 * a fold transaction */
	atomic_int	 waiting;	/* pushes waiting for write */
};

/* Files that name the TLS identity, resolved against the home. */
struct tls_files {
	char	cert[CONFIG_PATH_MAX + 32], key[CONFIG_PATH_MAX + 32];
	char	ca[CONFIG_PATH_MAX + 32], crl[CONFIG_PATH_MAX + 32];
};

struct server {
	struct court		 srv;	/* the server thread's connection */
	struct registry		 reg;
	struct hub		 hub;
	struct httpd		 httpd;
	struct dashboard	 dash;	/* its own connection, same loop */
	struct folder		 fold;	/* the fold thread (serve_fold.c) */
	struct tls_files	 files;
	struct stat		 crl_seen;	/* the CRL file as last loaded */
	time_t			 next_expiry_check;
	int			 listener, dash_listener;	/* -1: none */
	char			 home[CONFIG_PATH_MAX];
};

/* Days ahead at which an expiring certificate or CRL is warned about. */
#define EXPIRY_WARN_DAYS	14

/* Bumped by each successful reload: the push loop's cue to reopen. */
extern atomic_uint serve_generation;

void	serve_fold_init(struct folder *f, const char *home,
	    atomic_int *stopping);
/* Starts the thread; serve_fold_stop joins it (after *stopping is set)
 * and releases f either way. */
int	serve_fold_start(struct folder *f, char *err, size_t errlen);
void	serve_fold_stop(struct folder *f);
/* Around a push: the write lock, taken before the fold's next entry;
 * stored says the push committed, and wakes the fold. */
void	serve_fold_lock(struct folder *f);
void	serve_fold_unlock(struct folder *f, bool stored);
/* Before a view: waits (at most 2 s) for the fold to catch up with the
 * pushes committed so far.  arg is the folder. */
void	serve_fold_fresh(void *arg);

/* serve_reload.c */
/* The TLS certificate not past notAfter, the CRL not past nextUpdate. */
int	serve_check_validity(const struct court *c, char *err, size_t errlen);
/* The sync listener's configuration from c's; lc points into f and addr. */
int	serve_listener_config(const struct court *c, struct tls_files *f,
	    struct httpd_listener_config *lc, char *addr, size_t cap,
	    char *err, size_t errlen);
/* At most hourly: warns of a certificate or CRL expiring soon. */
void	serve_expiry_warn(struct server *s);
/* SIGHUP (httpd_on_reload): everything read and checked again, or
 * nothing changes.  arg is the server. */
void	serve_reload(void *arg);
/* Every 2 s (httpd_every): a changed CRL file is reloaded. */
void	serve_watch(void *arg);

#endif
