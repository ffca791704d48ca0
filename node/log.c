/*
 * log.c — the daemon's log lines (log.h), on standard error.  Under
 * systemd (stderr is the journal's stream: $JOURNAL_STREAM names its
 * device and inode) each line starts with its sd-daemon priority, <6> for
 * info and <4> for warnings, and carries no time stamp of its own (the
 * journal keeps one); elsewhere a line starts with its UTC time.
 */
#include <sys/stat.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char court[128] = "-";
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int journal = -1;	/* -1: not looked at yet */
static int use_syslog;

/* Whether stderr is the journal's stream (systemd.exec(5)). */
static int
to_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_syslog(void)
{
	openlog("courtsync", LOG_PID, LOG_DAEMON);
	use_syslog = 1;
}

void
log_init(const char *c)
{
	snprintf(court, sizeof(court), "%s", c);
	journal = to_journal();
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
	if (journal == -1)
		journal = to_journal();
	if (journal)
		fprintf(stderr, "<%d>%s %s: ", level[0] == 'w' ? 4 : 6, court,
		    level);
	else
		fprintf(stderr, "%s courtsync[%ld] %s %s: ", when,
		    (long)getpid(), court, level);
	if (use_syslog) {
		va_list copy;
		char line[2048];

		va_copy(copy, ap);
		vsnprintf(line, sizeof(line), fmt, copy);
		va_end(copy);
		syslog(level[0] == 'w' ? LOG_WARNING : LOG_INFO, "%s %s: %s",
		    court, level, line);
	}
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
