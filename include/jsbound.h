/* jsbound.h - where a JSON value ends in a byte stream, found without
 * validating it: bracket depth outside strings, strings and their escapes
 * (what lightningd's jsmn use tracks). Incremental: the state carries over
 * between calls, so a value may arrive in any pieces and every byte is
 * looked at once. 64 bytes a step: most of a big message is string
 * contents and short tokens between quotes, and a block's brackets outside
 * strings follow from its quotes without a branch per byte.
 * Callers: framer.c (frames of the host and of RPC requests), rpcproxy.c
 * (message boundaries in lightningd's replies to the plugin).
 * Fuzzed: fuzz-jsbound.c; differential: test-jsbound.c (a byte-at-a-time
 * reference, and jansson's end of each value). */
#ifndef PR_JSBOUND_H
#define PR_JSBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jsbound {
	size_t depth;	/* brackets open outside strings */
	bool in_str;	/* inside a string */
	bool esc;	/* inside a string, the next byte is escaped */
};

enum jsbound_stop {
	JSBOUND_MORE,		/* all of p[*pos..n) scanned */
	JSBOUND_CLOSED,		/* a bracket closed the outermost value:
				 * *pos is just past it, depth is 0 */
	JSBOUND_TOO_DEEP,	/* the opening bracket at *pos would go past
				 * max_depth (not counted) */
};

/* Scan p[*pos..n) from state *b and advance *pos. A closing bracket with
 * nothing open is ignored, as is any byte outside brackets and strings.
 * At a value's end (JSBOUND_CLOSED) the scan stops, so the caller can cut
 * the stream there; call again for what follows. */
enum jsbound_stop jsbound_scan(struct jsbound *b, const char *p, size_t *pos,
			       size_t n, size_t max_depth);

/* The block scan's masks of p[0..64): quotes, backslashes, opening and
 * closing brackets, bit k for p[k]. One builder per instruction set, all
 * exported so the test can hold them to each other; the x86-64 ones exist
 * only there, and the AVX2 one may be called only where
 * jsbound_use(JSBOUND_AVX2) succeeds. */
#define JSBOUND_NMASKS 4
void jsbound_masks_portable(const char *p, uint64_t m[JSBOUND_NMASKS]);
#if defined(__x86_64__) && defined(__SSE2__)
#define JSBOUND_X86 1	/* the SSE2 and AVX2 copies exist */
#else
#define JSBOUND_X86 0
#endif
#if JSBOUND_X86
void jsbound_masks_sse2(const char *p, uint64_t m[JSBOUND_NMASKS]);
void jsbound_masks_avx2(const char *p, uint64_t m[JSBOUND_NMASKS]);
#endif

/* Which copy of the scan jsbound_scan() runs. AUTO (the default, and all
 * the runner uses): AVX2 where the CPU has it (with PCLMUL, POPCNT, BMI),
 * else SSE2 on x86-64, else the portable one. Tests and bench-micro pick
 * each in turn; false, with nothing changed, where this CPU or build lacks
 * it. Not thread-safe: call before any scan. */
enum jsbound_impl { JSBOUND_AUTO, JSBOUND_PORTABLE, JSBOUND_SSE2, JSBOUND_AVX2 };
bool jsbound_use(enum jsbound_impl impl);

/* Between values: nothing open, not in a string. */
static inline bool jsbound_between(const struct jsbound *b)
{
	return b->depth == 0 && !b->in_str;
}

#endif
