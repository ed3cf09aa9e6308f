/* test-buf.c - buf.c's reservation (framer_offload_begin's ground): the
 * live bytes go to the front, the capacity covers what was asked, and
 * tails within it never move the bytes; an impossible request changes
 * nothing. The queue itself is exercised by every framer and relay test. */
#include <string.h>
#include "buf.h"
#include "tap.h"

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
	return tap_done();
}
