/* err.c — errors, bounded copies and UTC times (err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "courtsync/err.h"

void
cs_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

size_t
cs_strlcpy(char *dst, const char *src, size_t cap)
{
	size_t n = strlen(src);

	if (cap > 0) {
		size_t k = n < cap - 1 ? n : cap - 1;
		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return n;
}

void
cs_utc(uint64_t t, char out[CS_UTC_LEN])
{
	time_t tt = t > CS_UTC_LAST ? 0 : (time_t)t;
	struct tm tm;

	if (t > CS_UTC_LAST || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, CS_UTC_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, CS_UTC_LEN, "%llu", (unsigned long long)t);
}
