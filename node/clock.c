/* clock.c — the node's clock (clock.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "courtsync/codec.h"
#include "clock.h"

int
clock_now(uint64_t *t, char *err, size_t errlen)
{
	const char *s = getenv("COURTSYNC_TIME");
	char *end;

	if (s == NULL || *s == '\0') {
		*t = (uint64_t)time(NULL);
		return 0;
	}
	*t = strtoull(s, &end, 10);
	if (*s == '-' || *end != '\0') {
		cs_err(err, errlen, "COURTSYNC_TIME=\"%s\" is not Unix seconds", s);
		return -1;
	}
	return 0;
}
