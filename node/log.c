/* log.c — the daemon's log lines (log.h). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char court[128] = "-";
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void
log_init(const char *c)
{
	snprintf(court, sizeof(court), "%s", c);
}

static void	vlog(const char *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static void
vlog(const char *level, const char *fmt, va_list ap)
{
	char when[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	pthread_mutex_lock(&lock);
	fprintf(stderr, "%s courtsync[%ld] %s %s: ", when, (long)getpid(), court,
	    level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
	pthread_mutex_unlock(&lock);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("info", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warn", fmt, ap);
	va_end(ap);
}
