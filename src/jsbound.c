/* jsbound.c - where a JSON value ends in a byte stream. Contract:
 * include/jsbound.h.
 *
 * Blocks of 64 bytes: one bit per byte for quotes, backslashes and
 * brackets (SSE2, or SWAR words on other machines). Without a backslash
 * in the block, the bytes inside strings are the running parity of its
 * quotes (a prefix XOR), so only the brackets outside them are visited,
 * one by one; in a listchannels answer that is two per channel. A block
 * with a backslash, and the tail under 64 bytes, go eight bytes at a
 * time: each word's exact masks are walked hit by hit in memory order,
 * switching between the string and the structure masks, so an escape is
 * settled where it stands. Must not: validate, allocate, look before
 * *pos or at or past n. */
#include <string.h>
#include "jsbound.h"
#include "swar.h"

#define LANES(c) (SWAR_ONES * (unsigned char)(c))

/* High bit of every lane of v equal to c, each exact: several hits in one
 * word are used, so swar_eq's "exact up to the lowest hit" is not enough.
 * (x & 0x7F) + 0x7F sets a lane's high bit iff its low bits are not all
 * zero and never carries into the next lane. */
static inline uint64_t lanes_eq(uint64_t v, unsigned char c)
{
	uint64_t x = v ^ LANES(c);
	return ~(((x & ~SWAR_HIGHS) + ~SWAR_HIGHS) | x) & SWAR_HIGHS;
}

/* Eight bytes a step, every hit in turn: for a block with a backslash
 * (whether it escapes depends on the strings around it) and for the tail
 * of fewer than 64 bytes. */
static enum jsbound_stop scan_words(struct jsbound *b, const char *p, size_t *pos,
				    size_t n, size_t max_depth)
{
	size_t i = *pos, depth = b->depth;
	bool in_str = b->in_str, esc = b->esc;
	enum jsbound_stop stop = JSBOUND_MORE;

	while (i < n) {
		if (esc) {	/* the escaped byte, whatever it is */
			esc = false;
			i++;
			continue;
		}
		size_t w = n - i < 8 ? n - i : 8;
		uint64_t v;
		if (w == 8) {
			v = swar_load(p + i);
		} else {	/* the tail, padded with a byte that is no hit */
			char t[8];
			memset(t, ' ', sizeof(t));
			memcpy(t, p + i, w);
			v = swar_load(t);
		}
		/* '[' and ']' are '{' and '}' without bit 0x20, and no other
		 * bytes become those two when it is set. */
		uint64_t quote = lanes_eq(v, '"'), bslash = lanes_eq(v, '\\');
		uint64_t open = lanes_eq(v | LANES(0x20), '{');
		uint64_t close = lanes_eq(v | LANES(0x20), '}');
		size_t k = 0;	/* lanes before k are done */
		while (k < w) {
			uint64_t live = ~UINT64_C(0) << (8 * k);
			uint64_t hits = live & (in_str ? quote | bslash : quote | open | close);
			if (!hits)
				break;
			size_t j = swar_first(hits);
			uint64_t bit = UINT64_C(0x80) << (8 * j);
			k = j + 1;
			if (in_str) {
				if (!(bslash & bit)) {
					in_str = false;
				} else if (k < w) {
					k++;	/* skip the escaped byte */
				} else {
					esc = true;	/* it is in the next word */
				}
			} else if (quote & bit) {
				in_str = true;
			} else if (open & bit) {
				if (depth >= max_depth) {
					i += j;
					stop = JSBOUND_TOO_DEEP;
					goto out;
				}
				depth++;
			} else if (depth && --depth == 0) {
				i += k;
				stop = JSBOUND_CLOSED;
				goto out;
			}
		}
		i += w;
	}
out:
	*pos = i;
	b->depth = depth;
	b->in_str = in_str;
	b->esc = esc;
	return stop;
}

/* Which bytes of p[0..64) are quotes, backslashes, opening and closing
 * brackets: bit k of a mask is p[k]. */
void jsbound_masks_portable(const char *p, uint64_t m[JSBOUND_NMASKS])
{
	memset(m, 0, JSBOUND_NMASKS * sizeof(*m));
	for (int w = 0; w < 8; w++) {
		uint64_t v = swar_load(p + 8 * w);
		uint64_t lanes[JSBOUND_NMASKS] = {
			lanes_eq(v, '"'), lanes_eq(v, '\\'),
			lanes_eq(v | LANES(0x20), '{'), lanes_eq(v | LANES(0x20), '}'),
		};
		for (int k = 0; k < JSBOUND_NMASKS; k++) {
			/* the lanes' high bits, one per byte, into 8 bits in
			 * memory order: lane j's bit lands at 56 + j */
			uint64_t bits = ((lanes[k] >> 7) * UINT64_C(0x0102040810204080)) >> 56;
			m[k] |= bits << (8 * w);
		}
	}
}

#if defined(__SSE2__)
#include <emmintrin.h>

static inline uint64_t sse_eq(__m128i v, char c)
{
	return (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

void jsbound_masks(const char *p, uint64_t m[JSBOUND_NMASKS])
{
	memset(m, 0, JSBOUND_NMASKS * sizeof(*m));
	for (int q = 0; q < 4; q++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * q));
		__m128i f = _mm_or_si128(v, _mm_set1_epi8(0x20));
		m[0] |= sse_eq(v, '"') << (16 * q);
		m[1] |= sse_eq(v, '\\') << (16 * q);
		m[2] |= sse_eq(f, '{') << (16 * q);
		m[3] |= sse_eq(f, '}') << (16 * q);
	}
}
#else
void jsbound_masks(const char *p, uint64_t m[JSBOUND_NMASKS])
{
	jsbound_masks_portable(p, m);
}
#endif

/* Bit k set when an odd number of bits of x are at or below k: with x the
 * quotes of a block, the bytes inside strings (each opening quote in, its
 * closing quote out), as seen from outside one. */
static inline uint64_t prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

enum jsbound_stop jsbound_scan(struct jsbound *b, const char *p, size_t *pos,
			       size_t n, size_t max_depth)
{
	size_t i = *pos;

	while (n - i >= 64) {
		uint64_t m[JSBOUND_NMASKS];
		jsbound_masks(p + i, m);
		if (m[1] || b->esc) {
			/* A backslash: whether it escapes depends on the
			 * strings, which depend on the escapes; the word scan
			 * settles it hit by hit. Rare outside such strings. */
			size_t at = i;
			enum jsbound_stop st = scan_words(b, p, &at, i + 64, max_depth);
			i = at;
			if (st != JSBOUND_MORE) {
				*pos = i;
				return st;
			}
			continue;
		}
		/* No backslash: every quote counts, and the brackets outside
		 * strings are the block's structure; usually none or few. */
		uint64_t inside = prefix_xor(m[0]) ^ (b->in_str ? ~UINT64_C(0) : 0);
		uint64_t br = (m[2] | m[3]) & ~inside;
		for (; br; br &= br - 1) {
			size_t j = (size_t)__builtin_ctzll(br);
			if (m[2] >> j & 1) {
				if (b->depth >= max_depth) {
					b->in_str = false;
					*pos = i + j;
					return JSBOUND_TOO_DEEP;
				}
				b->depth++;
			} else if (b->depth && --b->depth == 0) {
				b->in_str = false;
				*pos = i + j + 1;
				return JSBOUND_CLOSED;
			}
		}
		b->in_str = inside >> 63;
		i += 64;
	}
	*pos = i;
	return scan_words(b, p, pos, n, max_depth);
}
