/*
 * serve_int.h — inside serve: the fold thread (serve_fold.c).
 */
#ifndef COURTSYNC_SERVE_INT_H
#define COURTSYNC_SERVE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "court.h"

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

#endif
