/* test-buf.c - buf.c's reservation (framer_offload_begin's ground): the
 * live bytes go to the front, the capacity covers what was asked, and
 * tails within it never move the bytes; an impossible request changes
 * nothing; and lending to a pipe (buf_flush_lend): what a pipe holds by
 * reference is never written again; big buffers are in small pages, after
 * growing and after moving too (why: buf.c). The queue itself is
 * exercised by every framer and relay test. */
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "buf.h"
#include "tap.h"

/* Bytes i..i+n of the pattern every lent buffer here holds: what the
 * reader must get, whatever the buffer did after lending them. */
static unsigned char pat(size_t i)
{
	return (unsigned char)(i * 2654435761u >> 13);
}

static void fill(struct buf *b, size_t from, size_t n)
{
	unsigned char *t = (unsigned char *)buf_tail(b, n);
	for (size_t i = 0; i < n; i++)
		t[i] = pat(from + i);
	buf_commit(b, n);
}

/* Read n bytes from fd; true if they are the pattern from `from` on. */
static bool read_pattern(int fd, size_t from, size_t n)
{
	unsigned char *got = malloc(n);
	size_t have = 0;
	bool same = true;
	while (have < n) {
		ssize_t r = read(fd, got + have, n - have);
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	for (size_t i = 0; i < have && same; i++)
		same = got[i] == pat(from + i);
	free(got);
	return same && have == n;
}

/* Whether the mapping that holds addr says "no huge pages" (VmFlags nh in
 * /proc/self/smaps). */
static bool no_huge_pages(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false, nh = false;
	uintptr_t a = (uintptr_t)addr;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			nh = strstr(line, " nh") != NULL;
			break;
		}
	}
	fclose(f);
	return nh;
}

/* buf_flush_lend: the pipe holds references to the buffer's pages, so no
 * byte handed out may be written again until read: after the buffer
 * compacts, grows, empties and is filled again, the reader must still get
 * exactly what was lent. */
static void test_lend(void)
{
	int p[2];
	if (pipe2(p, O_NONBLOCK) < 0 || fcntl(p[1], F_SETPIPE_SZ, 1 << 20) < 0) {
		ok(0, "pipe");
		return;
	}
	const size_t pipe_sz = (size_t)fcntl(p[1], F_GETPIPE_SZ), total = 8u << 20;
	struct buf b;
	buf_init(&b);
	fill(&b, 0, total);
	ok(buf_flush_lend(p[1], &b, NULL) == 0 && b.lent && b.len == total - pipe_sz,
	   "an 8 MiB buffer lends what the pipe takes (%zu bytes)", pipe_sz);
	/* A tail bigger than the room left compacts: the lent front must
	 * not be overwritten by the live bytes. */
	size_t room = b.cap - b.start - b.len;
	fill(&b, total, room + 1);
	ok(!b.lent && b.start == 0, "compacting a lent buffer moves it to new storage");
	ok(no_huge_pages(b.data), "  which has no huge pages either");
	ok(read_pattern(p[0], 0, pipe_sz), "  and the reader gets the lent bytes as they were");

	/* Lent again, then emptied: the storage is given back, not reused
	 * from its front for the next bytes. */
	ok(buf_flush_lend(p[1], &b, NULL) == 0 && b.lent, "lent again");
	buf_consume(&b, b.len);
	ok(b.cap == 0 && b.data == NULL, "a lent buffer that empties gives its storage back");
	fill(&b, 0, 4096);	/* where the lent bytes were, had it been reused */
	ok(read_pattern(p[0], pipe_sz, pipe_sz), "  and the reader still gets the lent bytes");
	buf_free(&b);

	/* Small buffers are written, not lent (a copy is cheaper). */
	buf_init(&b);
	fill(&b, 0, 100000);
	ok(buf_flush_lend(p[1], &b, NULL) == 0 && !b.lent && b.len == 0 && read_pattern(p[0], 0, 100000),
	   "a small buffer is written, not lent");
	buf_free(&b);

	/* Not a pipe: written. */
	int s[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, s);
	fcntl(s[0], F_SETFL, O_NONBLOCK);
	buf_init(&b);
	fill(&b, 0, 4u << 20);
	int rc = buf_flush_lend(s[0], &b, NULL);
	ok(rc == 0 && !b.lent && b.len < (4u << 20) && read_pattern(s[1], 0, 4096),
	   "a socket is written to, not lent (%zu bytes left)", b.len);
	buf_free(&b);
	close(s[0]);
	close(s[1]);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	struct buf b;
	buf_init(&b);
	buf_append(&b, "xxxxhello", 9);
	buf_consume(&b, 4);
	ok(buf_reserve(&b, 64u << 20) && b.start == 0 && b.len == 5 && b.cap >= (64u << 20) &&
	   memcmp(buf_head(&b), "hello", 5) == 0,
	   "a small buffer reserved to 64 MiB: its bytes at the front, intact");
	const char *where = b.data;
	ok(no_huge_pages(b.data), "a big buffer is a mapping without huge pages");
	bool stayed = true;
	while (b.len + (256u << 10) <= b.cap) {
		char *t = buf_tail(&b, 256u << 10);
		memset(t, 'a', 256u << 10);
		buf_commit(&b, 256u << 10);
		stayed &= b.data == where;
	}
	ok(stayed && b.len > (63u << 20), "tails up to the capacity never moved it (%zu bytes)", b.len);
	size_t cap = b.cap, len = b.len;
	ok(!buf_reserve(&b, (size_t)1 << 62) && b.cap == cap && b.len == len && b.data == where &&
	   memcmp(buf_head(&b), "hello", 5) == 0, "an impossible reservation: false, nothing changed");
	ok(buf_reserve(&b, 4096) && b.data == where, "a smaller one: nothing to do");
	buf_consume(&b, 3);
	ok(buf_reserve(&b, cap) && b.start == 0 && memcmp(buf_head(&b), "lo", 2) == 0,
	   "a big buffer with a consumed head: compacted in place");
	buf_free(&b);

	/* Grown by tails through mmap and then mremap. */
	for (size_t n = 0; n < (16u << 20); n += 1u << 20) {
		memset(buf_tail(&b, 1u << 20), 'b', 1u << 20);
		buf_commit(&b, 1u << 20);
	}
	ok(b.cap >= (16u << 20) && no_huge_pages(b.data) && no_huge_pages(b.data + b.cap - 1),
	   "a buffer grown to 16 MiB by tails has no huge pages, first byte to last");
	buf_free(&b);
	test_lend();
	return tap_done();
}
