/* swar.h - eight bytes at a time in plain C ("SIMD within a register") for
 * the scanners' hot loops (framer.c, canon.c): no intrinsics, so one code
 * path runs, and is tested and fuzzed, on every architecture. */
#ifndef PR_SWAR_H
#define PR_SWAR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SWAR_ONES UINT64_C(0x0101010101010101)
#define SWAR_HIGHS UINT64_C(0x8080808080808080)

/* Eight bytes with the first one in the lowest lane, on any byte order:
 * the hit tests below are exact only up to their lowest hit (a borrow
 * propagates upward from a true zero lane), so the lowest lane must be
 * the first byte in memory. */
static inline uint64_t swar_load(const void *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* High bit of each lane of v equal to c (exact up to the lowest hit). */
static inline uint64_t swar_eq(uint64_t v, unsigned char c)
{
	uint64_t x = v ^ (SWAR_ONES * c);
	return (x - SWAR_ONES) & ~x & SWAR_HIGHS;
}

/* Byte index of the lowest hit; hits must not be 0. */
static inline size_t swar_first(uint64_t hits)
{
	return (size_t)__builtin_ctzll(hits) / 8;
}

#endif
