/* path.c — court paths (path.h). */
#include <string.h>

#include "courtsync/path.h"

bool
court_path_valid(const char *s)
{
	size_t seg = 0, nseg = 1, total = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++, total++) {
		if (*s == '/') {
			if (seg == 0)
				return false;
			seg = 0;
			nseg++;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_' || *s == '-'))
			return false;
		if (++seg > 31)
			return false;
	}
	return seg > 0 && nseg <= 8 && total < CS_ORIGIN_MAX;
}

bool
court_path_covers(const char *parent, const char *child)
{
	size_t n = strlen(parent);

	return strncmp(parent, child, n) == 0 &&
	    (child[n] == '\0' || child[n] == '/');
}
