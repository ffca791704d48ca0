/*
 * serve_fold.c — the daemon's fold thread (docs/VIEWS.md §8): folds what
 * pushes stored, on a connection of its own, after each push commits.
 *
 * Shape.  Pushes come first: a push takes `write` (one writer of this
 * process at a time) and says it waits; the fold thread folds between
 * pushes, asks serve_fold_yield between entries, and when a push waits it
 * commits what it folded, lets the push have the lock, and goes on after.
 * So a court's push waits at most one entry's fold and one commit, and
 * the views fall behind only while the hub ingests faster than it folds.
 *
 * A view (the dashboard, /api) calls serve_fold_fresh first: it waits, at
 * most FOLD_WAIT_MS, until the fold has caught up with every push that
 * committed before the view was asked for, so a reader sees what was
 * pushed before it asked, except during a bulk catch-up.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "serve_int.h"

#define FOLD_CHUNK	10000	/* entries per fold transaction at most */
#define FOLD_WAIT_MS	2000	/* how long a view waits for the fold */

void
serve_fold_init(struct folder *f, const char *home, atomic_int *stopping)
{
	memset(f, 0, sizeof(*f));
	cs_strlcpy(f->home, home, sizeof(f->home));
	f->stopping = stopping;
	pthread_mutex_init(&f->mu, NULL);
	pthread_mutex_init(&f->write, NULL);
	pthread_cond_init(&f->work, NULL);
	pthread_cond_init(&f->done, NULL);
	atomic_store(&f->waiting, 0);
}

static void
deadline(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static bool
serve_fold_yield(void *arg)
{
	struct folder *f = arg;

	return atomic_load(&f->waiting) > 0 || atomic_load(f->stopping);
}

static void *
fold_loop(void *arg)
{
	struct folder *f = arg;
	struct court c;
	struct court_fold_stats fs;
	char err[CS_ERR_MAX];
	uint64_t since = 0;

	if (court_open(&c, f->home, err, sizeof(err)) == -1) {
		log_warn("fold: %s", err);
		return NULL;
	}
	while (!atomic_load(f->stopping)) {
		uint64_t g;
		int r;

		pthread_mutex_lock(&f->mu);
		g = f->pushed;
		pthread_mutex_unlock(&f->mu);
		pthread_mutex_lock(&f->write);
		r = court_fold_pending(&c, FOLD_CHUNK, serve_fold_yield, f, &fs,
		    err, sizeof(err));
		pthread_mutex_unlock(&f->write);
		since += fs.entries;
		if (r == -1) {
			struct timespec ts;

			log_warn("fold: %s (trying again in a second)", err);
			pthread_mutex_lock(&f->mu);
			deadline(&ts, 1000);
			pthread_cond_timedwait(&f->work, &f->mu, &ts);
			pthread_mutex_unlock(&f->mu);
			continue;
		}
		if (fs.yielded) {
			/* Let the waiting push have the lock. */
			while (atomic_load(&f->waiting) > 0 &&
			    !atomic_load(f->stopping))
				sched_yield();
			continue;
		}
		if (since >= FOLD_CHUNK)
			log_info("folded %llu entries received from below",
			    (unsigned long long)since);
		since = 0;
		pthread_mutex_lock(&f->mu);
		f->folded = g;
		pthread_cond_broadcast(&f->done);
		while (f->pushed == g && !atomic_load(f->stopping)) {
			struct timespec ts;

			deadline(&ts, 1000);
			pthread_cond_timedwait(&f->work, &f->mu, &ts);
		}
		pthread_mutex_unlock(&f->mu);
	}
	court_close(&c);
	return NULL;
}

int
serve_fold_start(struct folder *f, char *err, size_t errlen)
{
	if (pthread_create(&f->thread, NULL, fold_loop, f) != 0) {
		cs_err(err, errlen, "cannot start the fold thread");
		return -1;
	}
	f->started = true;
	return 0;
}

void
serve_fold_stop(struct folder *f)
{
	if (f->started) {
		pthread_mutex_lock(&f->mu);
		pthread_cond_broadcast(&f->work);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->thread, NULL);
		f->started = false;
	}
	pthread_cond_destroy(&f->done);
	pthread_cond_destroy(&f->work);
	pthread_mutex_destroy(&f->write);
	pthread_mutex_destroy(&f->mu);
}

void
serve_fold_lock(struct folder *f)
{
	atomic_fetch_add(&f->waiting, 1);
	pthread_mutex_lock(&f->write);
	atomic_fetch_sub(&f->waiting, 1);
}

void
serve_fold_unlock(struct folder *f, bool stored)
{
	pthread_mutex_unlock(&f->write);
	if (!stored || !f->started)
		return;
	pthread_mutex_lock(&f->mu);
	f->pushed++;
	pthread_cond_signal(&f->work);
	pthread_mutex_unlock(&f->mu);
}

void
serve_fold_fresh(void *arg)
{
	struct folder *f = arg;
	struct timespec ts;
	uint64_t target;

	if (!f->started)
		return;
	deadline(&ts, FOLD_WAIT_MS);
	pthread_mutex_lock(&f->mu);
	target = f->pushed;
	while (f->folded < target && !atomic_load(f->stopping))
		if (pthread_cond_timedwait(&f->done, &f->mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&f->mu);
}
