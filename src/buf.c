/* buf.c - growable byte queue: append at the tail, consume from the head.
 * Compacts lazily so a steady stream does not keep growing the buffer. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "buf.h"
#include "exitcodes.h"
#include "log.h"
#include "util.h"

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

/* Big buffers (a 50 MB message) are anonymous mappings of their own, in
 * 4 KiB pages, and grow with mremap(2): the kernel moves the page tables,
 * so growing never copies the bytes held nor touches fresh memory for them
 * (growing by doubling with malloc would copy and fault in about twice the
 * message). Not transparent huge pages, said explicitly (MADV_NOHUGEPAGE)
 * so that a system set to THP "always" does not choose them either: under
 * a hypervisor that takes free guest memory back (virtio-balloon free page
 * reporting, as on the machine bench/ runs on), free 2 MiB blocks are what
 * the guest hands back, so a huge page is nearly always one the host must
 * supply again. Touching 50 MB there took 100-150 ms in huge pages unless
 * some were freed within the last second (then 4-6), and 23-33 ms in 4 KiB
 * pages whatever came before; the bench's 50 MB answer, 12 interleaved
 * sessions: 625 MB/s median in 4 KiB pages, 456 in huge ones. On bare
 * metal huge pages would save about 0.3 ms per MB; the worst case they
 * risk is five times the cost. Invariant: cap >= BIG_MIN exactly when
 * data is such a mapping, so buf_free() knows how to give it back, and it
 * holds when two buffers swap storage. */
#define BIG_MIN (2u << 20)

/* Make data a mapping of cap (>= BIG_MIN) bytes that holds the live
 * bytes; cap is set. false, and nothing changed, when the memory cannot be
 * had (mremap and mmap refuse address space under strict overcommit). */
static bool grow_big(struct buf *b, size_t cap)
{
	char *d = b->cap >= BIG_MIN ? mremap(b->data, b->cap, cap, MREMAP_MAYMOVE)
				    : mmap(NULL, cap, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (d == MAP_FAILED)
		return false;
	if (b->cap < BIG_MIN) {
		if (b->len)
			memcpy(d, b->data + b->start, b->len);	/* < BIG_MIN bytes, once */
		free(b->data);
		b->start = 0;
	}
	madvise(d, cap, MADV_NOHUGEPAGE);	/* mremap keeps it */
	b->data = d;
	b->cap = cap;
	return true;
}

/* The live bytes to the front, where growing finds them. A lent
 * buffer's front may still be in a pipe, unread: its live bytes go to new
 * storage instead, and the old is unmapped (the pipe keeps its pages). */
static void compact(struct buf *b)
{
	if (!b->lent) {
		memmove(b->data, b->data + b->start, b->len);
		b->start = 0;
		return;
	}
	char *d = mmap(NULL, b->cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (d == MAP_FAILED)
		die(PR_EXIT_RUNNER, "out of memory");
	madvise(d, b->cap, MADV_NOHUGEPAGE);
	memcpy(d, b->data + b->start, b->len);
	munmap(b->data, b->cap);
	b->data = d;
	b->start = 0;
	b->lent = false;
}

bool buf_reserve(struct buf *b, size_t total)
{
	if (b->start)
		compact(b);
	if (total <= b->cap)
		return true;
	if (total < BIG_MIN)
		total = BIG_MIN;
	return grow_big(b, (total + 4095) & ~(size_t)4095);
}

void buf_free(struct buf *b)
{
	if (b->cap >= BIG_MIN)
		munmap(b->data, b->cap);
	else
		free(b->data);
	buf_init(b);
}

char *buf_tail(struct buf *b, size_t want)
{
	if (b->len == 0)
		b->start = 0;
	if (b->start + b->len + want > b->cap && b->start > 0)
		compact(b);
	if (b->start + b->len + want > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->start + b->len + want)
			cap *= 2;
		if (cap < BIG_MIN) {
			b->data = xrealloc(b->data, cap);
			b->cap = cap;
		} else if (!grow_big(b, cap)) {
			die(PR_EXIT_RUNNER, "out of memory");
		}
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
	if (n >= b->len && b->lent) {
		buf_free(b);	/* never reused: see buf_flush_lend */
		return;
	}
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

/* Below this, a copy costs less than the pages' references. */
#define LEND_MIN (256u << 10)

int buf_flush_lend(int fd, struct buf *b, size_t *lent)
{
	while (b->cap >= BIG_MIN && b->len >= LEND_MIN) {
		struct iovec iov = { .iov_base = b->data + b->start, .iov_len = b->len };
		ssize_t w = vmsplice(fd, &iov, 1, SPLICE_F_NONBLOCK);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			if (errno == EBADF || errno == EINVAL || errno == EPERM || errno == ENOSYS)
				break;		/* not a pipe, or not allowed: copy */
			return -1;
		}
		b->lent = true;
		if (lent)
			*lent += (size_t)w;
		buf_consume(b, (size_t)w);
	}
	return buf_flush(fd, b);
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
