/* buf.c - growable byte queue: append at the tail, consume from the head.
 * Compacts lazily so a steady stream does not keep growing the buffer. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "buf.h"
#include "util.h"

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

/* Big buffers (a 50 MB message) are backed by transparent huge pages:
 * faulting in 4 KiB pages costs about 5 ms per MB on a small VM, which
 * would dominate relaying a large answer; 2 MiB pages cost a few percent
 * of that. Where the kernel has no THP, madvise fails and nothing changes. */
#define HUGE_MIN (2u << 20)

static void grow_huge(struct buf *b, size_t cap)
{
	char *d = aligned_alloc(HUGE_MIN, cap);	/* cap is a power of two >= 2 MiB */
	if (!d)
		d = xmalloc(cap);
	madvise(d, cap, MADV_HUGEPAGE);
	if (b->len)
		memcpy(d, b->data + b->start, b->len);
	free(b->data);
	b->data = d;
	b->start = 0;
}

char *buf_tail(struct buf *b, size_t want)
{
	if (b->len == 0)
		b->start = 0;
	if (b->start + b->len + want > b->cap && b->start > 0) {
		/* Move the live bytes to the front before growing. */
		memmove(b->data, b->data + b->start, b->len);
		b->start = 0;
	}
	if (b->len + want > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + want)
			cap *= 2;
		if (cap >= HUGE_MIN)
			grow_huge(b, cap);
		else
			b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	return b->data + b->start + b->len;
}

void buf_commit(struct buf *b, size_t n)
{
	b->len += n;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	if (!n)
		return;
	memcpy(buf_tail(b, n), p, n);
	b->len += n;
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->start = 0;
		b->len = 0;
		return;
	}
	b->start += n;
	b->len -= n;
}

void buf_move_append(struct buf *dst, struct buf *src)
{
	if (dst->len == 0) {
		struct buf t = *dst;
		*dst = *src;
		*src = t;
		buf_consume(src, src->len);
		return;
	}
	buf_append(dst, buf_head(src), src->len);
	buf_consume(src, src->len);
}

void buf_trim(struct buf *b)
{
	if (b->len == 0 && b->cap > (1u << 20))
		buf_free(b);
}

int buf_flush(int fd, struct buf *b)
{
	while (b->len) {
		ssize_t w = write(fd, buf_head(b), b->len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		buf_consume(b, (size_t)w);
	}
	buf_trim(b);
	return 0;
}
