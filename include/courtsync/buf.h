/*
 * buf.h — growable byte buffers with a hard cap, the output type of the
 * codec, the JSON writer and the renderers.  Includes nothing of courtsync.
 */
#ifndef COURTSYNC_BUF_H
#define COURTSYNC_BUF_H

#include <stddef.h>
#include <stdint.h>

/* A growable buffer with a hard cap: an append past `max` fails and leaves
 * the buffer as it was.  A zeroed buffer is empty with max = 0 (no cap). */
struct buf {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

void	buf_init(struct buf *b, size_t max);
int	buf_append(struct buf *b, const void *p, size_t n);
int	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_reset(struct buf *b);
void	buf_free(struct buf *b);

#endif
