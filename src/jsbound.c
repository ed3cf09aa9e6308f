/* jsbound.c - where a JSON value ends in a byte stream. Contract:
 * include/jsbound.h.
 *
 * Blocks of 64 bytes: one bit per byte for quotes, backslashes and
 * brackets (AVX2 where the CPU has it, else SSE2, or SWAR words on other
 * machines). Without a backslash in the block, the bytes inside strings
 * are the running parity of its quotes (a prefix XOR: a carry-less
 * multiply with AVX2), and the brackets outside them move the depth by
 * their counts; they are visited one by one only in a block that may end
 * the value or go too deep: of a listchannels answer, its first and last.
 * A block with a backslash, and the tail under 64 bytes, go eight bytes at
 * a time: each word's exact masks are walked hit by hit in memory order,
 * switching between the string and the structure masks, so an escape is
 * settled where it stands. Must not: validate, allocate, look before *pos
 * or at or past n. */
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
static inline void masks_portable(const char *p, uint64_t m[JSBOUND_NMASKS])
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

void jsbound_masks_portable(const char *p, uint64_t m[JSBOUND_NMASKS])
{
	masks_portable(p, m);
}

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

/* A block's brackets outside strings (open, close), the block having no
 * backslash. Most blocks of a big answer leave the outermost value open:
 * then the depth moves by the difference of two counts, with no walk.
 * The walk is for a block that may end the value (as many closing
 * brackets as were open at its start, or more) or go past max_depth. */
static inline __attribute__((always_inline)) enum jsbound_stop
block_brackets(struct jsbound *b, uint64_t open, uint64_t close, size_t *at,
	       size_t max_depth)
{
	uint64_t br = open | close;

	if (!br)
		return JSBOUND_MORE;
	size_t no = (size_t)__builtin_popcountll(open), nc = (size_t)__builtin_popcountll(close);
	if (nc < b->depth && b->depth + no <= max_depth) {
		b->depth = b->depth + no - nc;
		return JSBOUND_MORE;
	}
	for (; br; br &= br - 1) {
		size_t j = (size_t)__builtin_ctzll(br);
		if (open >> j & 1) {
			if (b->depth >= max_depth) {
				*at += j;
				return JSBOUND_TOO_DEEP;
			}
			b->depth++;
		} else if (b->depth && --b->depth == 0) {
			*at += j + 1;
			return JSBOUND_CLOSED;
		}
	}
	return JSBOUND_MORE;
}

/* The block loop, one copy per instruction set (below): masks() gives a
 * block's four masks; quick(), where a copy has a cheaper one (else
 * NULL), gives only its quotes and its brackets of either kind and says
 * whether it has a backslash, and masks() is then called only for a block
 * with brackets outside strings; pxor() is prefix_xor(). Inlined into
 * each copy, so the compiler may use the wider instructions throughout. */
typedef void masks_fn(const char *, uint64_t[JSBOUND_NMASKS]);
typedef bool quick_fn(const char *, uint64_t *, uint64_t *);
typedef uint64_t pxor_fn(uint64_t);

static inline __attribute__((always_inline)) enum jsbound_stop
scan_blocks(struct jsbound *b, const char *p, size_t *pos, size_t n, size_t max_depth,
	    quick_fn *quick, masks_fn *masks, pxor_fn *pxor)
{
	size_t i = *pos;
	enum jsbound_stop st = JSBOUND_MORE;

	while (n - i >= 64) {
		/* Blocks without a backslash, the state in registers: no call
		 * in this loop, so its constants stay loaded. */
		struct jsbound s = *b;
		while (n - i >= 64 && !s.esc) {
			uint64_t m[JSBOUND_NMASKS], quote, bracket;
			if (quick) {
				if (quick(p + i, &quote, &bracket))
					break;
			} else {
				masks(p + i, m);
				if (m[1])
					break;
				quote = m[0];
				bracket = m[2] | m[3];
			}
			/* Every quote counts, and the brackets outside strings
			 * are the block's structure; usually none or few. */
			uint64_t inside = pxor(quote) ^ (s.in_str ? ~UINT64_C(0) : 0);
			if (bracket & ~inside) {
				if (quick)
					masks(p + i, m);
				size_t at = i;
				st = block_brackets(&s, m[2] & ~inside, m[3] & ~inside, &at,
						    max_depth);
				if (st != JSBOUND_MORE) {
					/* at a bracket, so outside any string */
					s.in_str = false;
					i = at;
					break;
				}
			}
			s.in_str = inside >> 63;
			i += 64;
		}
		*b = s;
		if (st != JSBOUND_MORE || n - i < 64)
			break;
		/* A backslash: whether it escapes depends on the strings,
		 * which depend on the escapes; the word scan settles the block
		 * hit by hit. Rare outside such strings. */
		st = scan_words(b, p, &i, i + 64, max_depth);
		if (st != JSBOUND_MORE)
			break;
	}
	*pos = i;
	if (st != JSBOUND_MORE)
		return st;
	return scan_words(b, p, pos, n, max_depth);
}

static enum jsbound_stop scan_portable(struct jsbound *b, const char *p, size_t *pos,
				       size_t n, size_t max_depth)
{
	return scan_blocks(b, p, pos, n, max_depth, NULL, masks_portable, prefix_xor);
}

#if JSBOUND_X86
#include <immintrin.h>
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>	/* glibc 2.33 and later */
#define JSBOUND_GLIBC_CPU 1
#endif

static inline uint64_t sse_eq(__m128i v, char c)
{
	return (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

static inline void masks_sse2(const char *p, uint64_t m[JSBOUND_NMASKS])
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

void jsbound_masks_sse2(const char *p, uint64_t m[JSBOUND_NMASKS])
{
	masks_sse2(p, m);
}

static enum jsbound_stop scan_sse2(struct jsbound *b, const char *p, size_t *pos,
				   size_t n, size_t max_depth)
{
	return scan_blocks(b, p, pos, n, max_depth, NULL, masks_sse2, prefix_xor);
}

/* AVX2 for the masks, a carry-less multiply by all ones for the prefix
 * XOR, POPCNT for the counts: every x86-64 of the last ten years, chosen
 * at run time (the build stays baseline x86-64). */
#define WIDE __attribute__((target("avx2,pclmul,popcnt,bmi")))

static inline WIDE uint64_t avx2_eq(__m256i v, char c)
{
	return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(c)));
}

/* One 64-byte block as two halves, and the same with 0x20 set in every
 * byte, which folds '[' onto '{' and ']' onto '}' (and nothing else onto
 * either), so one compare finds a bracket of either kind. */
struct block_avx2 {
	__m256i lo, hi, flo, fhi;
};

static inline WIDE struct block_avx2 load_avx2(const char *p)
{
	struct block_avx2 b;

	b.lo = _mm256_loadu_si256((const __m256i *)(const void *)p);
	b.hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
	b.flo = _mm256_or_si256(b.lo, _mm256_set1_epi8(0x20));
	b.fhi = _mm256_or_si256(b.hi, _mm256_set1_epi8(0x20));
	return b;
}

static inline WIDE void masks_avx2(const char *p, uint64_t m[JSBOUND_NMASKS])
{
	struct block_avx2 b = load_avx2(p);

	m[0] = avx2_eq(b.lo, '"') | avx2_eq(b.hi, '"') << 32;
	m[1] = avx2_eq(b.lo, '\\') | avx2_eq(b.hi, '\\') << 32;
	m[2] = avx2_eq(b.flo, '{') | avx2_eq(b.fhi, '{') << 32;
	m[3] = avx2_eq(b.flo, '}') | avx2_eq(b.fhi, '}') << 32;
}

WIDE void jsbound_masks_avx2(const char *p, uint64_t m[JSBOUND_NMASKS])
{
	masks_avx2(p, m);
}

/* Four compares and two mask moves fewer than masks_avx2(): brackets of
 * both kinds in one mask, and the backslashes only tested for. */
static inline WIDE bool quick_avx2(const char *p, uint64_t *quote, uint64_t *br)
{
	struct block_avx2 b = load_avx2(p);
	__m256i open = _mm256_set1_epi8('{'), close = _mm256_set1_epi8('}');
	__m256i bs = _mm256_set1_epi8('\\');

	*quote = avx2_eq(b.lo, '"') | avx2_eq(b.hi, '"') << 32;
	__m256i blo = _mm256_or_si256(_mm256_cmpeq_epi8(b.flo, open), _mm256_cmpeq_epi8(b.flo, close));
	__m256i bhi = _mm256_or_si256(_mm256_cmpeq_epi8(b.fhi, open), _mm256_cmpeq_epi8(b.fhi, close));
	*br = (uint32_t)_mm256_movemask_epi8(blo) |
	      (uint64_t)(uint32_t)_mm256_movemask_epi8(bhi) << 32;
	__m256i any = _mm256_or_si256(_mm256_cmpeq_epi8(b.lo, bs), _mm256_cmpeq_epi8(b.hi, bs));
	return !_mm256_testz_si256(any, any);
}

static inline WIDE uint64_t prefix_xor_clmul(uint64_t x)
{
	__m128i r = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x),
					 _mm_set1_epi8((char)0xFF), 0);
	return (uint64_t)_mm_cvtsi128_si64(r);
}

static WIDE enum jsbound_stop scan_avx2(struct jsbound *b, const char *p, size_t *pos,
					size_t n, size_t max_depth)
{
	return scan_blocks(b, p, pos, n, max_depth, quick_avx2, masks_avx2, prefix_xor_clmul);
}

/* Whether the AVX2 copy may run, decided once before main. Where glibc
 * says (what ld.so found when it started the program), not by
 * __builtin_cpu_supports: that links libgcc's constructor, which asks the
 * CPU again with some 14 CPUID instructions, and in a VM each one is a
 * trap to the hypervisor (5.5 us here: 80 us of every start-up). */
static bool cpu_wide;

__attribute__((constructor)) static void cpu_wide_init(void)
{
#if defined(JSBOUND_GLIBC_CPU)
	cpu_wide = CPU_FEATURE_ACTIVE(AVX2) && CPU_FEATURE_ACTIVE(PCLMULQDQ) &&
		   CPU_FEATURE_ACTIVE(POPCNT) && CPU_FEATURE_ACTIVE(BMI1);
#else
	cpu_wide = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul") &&
		   __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi");
#endif
}
#endif

/* JSBOUND_AUTO unless a test or bench-micro chose; never written in the
 * runner, so its threads only read it. */
static enum jsbound_impl chosen = JSBOUND_AUTO;

bool jsbound_use(enum jsbound_impl impl)
{
	switch (impl) {
	case JSBOUND_AUTO:
	case JSBOUND_PORTABLE:
		break;
	case JSBOUND_SSE2:
	case JSBOUND_AVX2:
#if JSBOUND_X86
		if (impl == JSBOUND_AVX2 && !cpu_wide)
			return false;
		break;
#else
		return false;
#endif
	}
	chosen = impl;
	return true;
}

enum jsbound_stop jsbound_scan(struct jsbound *b, const char *p, size_t *pos,
			       size_t n, size_t max_depth)
{
	switch (chosen) {
	case JSBOUND_PORTABLE:
		break;
#if JSBOUND_X86
	case JSBOUND_AUTO:
		if (cpu_wide)
			return scan_avx2(b, p, pos, n, max_depth);
		return scan_sse2(b, p, pos, n, max_depth);
	case JSBOUND_SSE2:
		return scan_sse2(b, p, pos, n, max_depth);
	case JSBOUND_AVX2:
		return scan_avx2(b, p, pos, n, max_depth);
#else
	case JSBOUND_AUTO:
	case JSBOUND_SSE2:
	case JSBOUND_AVX2:
		break;
#endif
	}
	return scan_portable(b, p, pos, n, max_depth);
}
