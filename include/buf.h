/* buf.h - a growable byte queue used for every relay direction: append at the
 * tail, consume from the head. The relay enforces high-water marks on top. */
#ifndef PR_BUF_H
#define PR_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t start;	/* offset of the first unconsumed byte */
	size_t len;	/* unconsumed bytes from start */
	size_t cap;
	bool lent;	/* a pipe holds some of its pages (buf_flush_lend) */
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_append(struct buf *b, const void *p, size_t n);
/* Make room for at least `want` bytes at the tail; returns the tail. */
char *buf_tail(struct buf *b, size_t want);
void buf_commit(struct buf *b, size_t n);	/* after writing into buf_tail */
/* Move the live bytes to the front and make the capacity at least `total`
 * (address space: pages are only touched as bytes arrive). Afterwards,
 * while start + len + want <= cap, buf_tail() moves nothing, so another
 * thread may work on the bytes held. false, and the capacity unchanged,
 * when the memory cannot be had. */
bool buf_reserve(struct buf *b, size_t total);
void buf_consume(struct buf *b, size_t n);
/* Append all of src to dst and empty src. When dst is empty the two swap
 * storage instead: a 50 MB message is then never copied a second time. */
void buf_move_append(struct buf *dst, struct buf *src);
/* Give an empty buffer's storage back if it grew large (after a 50 MB
 * message): an idle runner stays small. */
void buf_trim(struct buf *b);
/* Write as much of b as a non-blocking fd takes now (pipe or socket;
 * SIGPIPE must be ignored). Returns -1 when the peer is gone, else 0. */
int buf_flush(int fd, struct buf *b);
/* buf_flush(), but a big buffer's bytes (a mapping of its own) go into
 * the pipe fd by reference (vmsplice), not copied: the pipe holds those
 * pages until the reader takes them. The buffer is then lent: no byte it
 * handed out is written again (compacting moves the live bytes to new
 * storage, and a lent buffer that empties gives its storage back instead
 * of reusing it), so the reader gets exactly the bytes that were handed
 * out. Only for a reader trusted with references to our pages (the host);
 * when fd is not a pipe, the bytes are written. The bytes handed over by
 * reference are added to *lent (NULL: not counted). */
int buf_flush_lend(int fd, struct buf *b, size_t *lent);
/* NULL for a buffer that never held anything (NULL + 0 is undefined). */
static inline const char *buf_head(const struct buf *b)
{
	return b->data ? b->data + b->start : NULL;
}

#endif
