/* canon.c - strict RFC 8259 validation plus canonical compact output, in
 * one linear pass over the input.
 *
 * Contract: include/canon.h. Output matches jansson's json_dumps(JSON_COMPACT)
 * except that number lexemes are copied byte for byte (jansson would turn
 * 0.1 into 0.10000000000000001 and refuses integers above INT64_MAX).
 * Duplicate keys are refused as jansson's JSON_REJECT_DUPLICATES does, so
 * jsonrpc.c can classify from our output without a DOM: each open object
 * keeps its keys on a key stack; the first LINEAR_MAX keys of an object are
 * compared linearly (cheap for the typical small object), beyond that the
 * object's keys go into an open-addressing hash set (seeded hash, linear
 * probing) whose entries are deleted again when the object closes, so the
 * work is O(total keys) even for one object with a million keys and the
 * set is empty between objects. Keys are never unescaped: a key
 * with a backslash is refused (CANON_ESCAPED_KEY) because lightningd compares
 * keys as raw bytes, so "m\u0065thod" must not become "method" here.
 *
 * Must not: recurse (nesting is tracked in a bit stack of max_depth bits,
 * checked before it grows), allocate beyond that stack, the key stack, the
 * hash set and `out` (all start on the C stack: a typical message costs no
 * malloc), log, exit, or touch `out` on failure. Output is never longer than
 * the input (no escape we emit is longer than the one it came from, raw
 * controls are refused), and at every point no more has been written than
 * read, so the output space is reserved once up front, and the output may
 * even be the input itself (canon_json_inplace): every byte is read before
 * the byte written over it, and a byte that is not moved is not written.
 *
 * Streams (canon_stream_feed): the same parse, with its whole state in
 * struct cx, runs over the bytes that have arrived; a scanner that needs a
 * byte not yet there returns SUSPEND with what it has done recorded (a
 * string's position, a number's scanned run), and the next call goes on
 * there, so no byte is judged twice. A scanner suspends only where the
 * bytes so far could still be valid: a finished invalid message is
 * refused at once, never waited on. Pointers into the text are set afresh
 * at each call (the caller's buffer may move); the state keeps offsets.
 *
 * Called by jsonrpc_decode_lazy() (and so jsonrpc_decode()),
 * jsonrpc_sniff() and, for streams, framer.c's FRAMER_CANON;
 * differential-tested against jansson and the stream against the whole
 * parse in test-canon.c; fuzzed by fuzz-canon.c. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "canon.h"
#include "swar.h"
#include "util.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Objects with up to this many keys are checked for duplicates linearly. */
#define LINEAR_MAX 8

struct kent {
	size_t off;		/* key bytes, relative to cx.start */
	uint32_t len;
	uint32_t hash;		/* set once the object is hashed */
};

enum state {
	ST_START,	/* the top-level '{' must come */
	ST_VALUE,	/* a value must follow */
	ST_ARR_FIRST,	/* after '[': a value or ']' */
	ST_OBJ_FIRST,	/* after '{': a key or '}' */
	ST_KEY,		/* after ',' in an object: a key */
	ST_COLON,	/* after a key: ':' */
	ST_AFTER,	/* after a value: ',' or the closing bracket */
};

/* Returned by the scanners when a stream's input ends before they can
 * decide (never when c->final). */
#define SUSPEND 1

/* The per-token steps of the parse loop take its state by pointer: forced
 * inline, that state stays in a register (the compiler outlined value()
 * and key_done(); 52 against 56 ms for 50 MB, interleaved A/B). */
#define TOKEN_STEP static inline __attribute__((always_inline))

struct cx {
	const unsigned char *in;
	size_t len, pos;
	char *o;		/* output cursor inside the reserved tail */
	char *start;		/* first output byte of this call */
	struct canon_err *err;
	/* in[len] ends the input; otherwise more may come (a stream) and the
	 * scanners suspend where the bytes so far cannot decide. */
	bool final;
	enum state st;
	bool in_str, str_key;	/* suspended inside a string; is it a key */
	size_t str_begin;	/* that string's opening quote */
	size_t first_esc;	/* its first backslash, or SIZE_MAX */
	size_t kin, kout;	/* the key being read: input and output quote */
	size_t num_end;		/* a suspended number is scanned up to here */
	unsigned char num_at;	/* and where that is in its grammar (enum num_at) */
	size_t work;		/* bytes the scanners examined (tests: O(n)) */
	/* container stack: bit set = object, clear = array */
	uint64_t local[16];
	uint64_t *stk;
	size_t stk_words;
	size_t depth;
	unsigned max_depth;
	/* open objects: index of each one's first key in ks */
	size_t olocal[32], *obase;
	size_t nobj, ocap;
	/* keys of all open objects, innermost last */
	struct kent klocal[64], *ks;
	size_t nk, kcap;
	/* hash set over keys of objects beyond LINEAR_MAX keys: a slot is
	 * 0 (empty) or (hash << 32 | key index + 1) */
	uint64_t hlocal[64], *hs;
	size_t hcap, hn;
	size_t hopen;		/* open objects that are hashed */
	/* top-level members */
	struct canon_top *top;
	size_t top_cur;		/* member whose value is open, or SIZE_MAX */
	/* Lazy output (canon_json_prefix_lazy): the output starts as the
	 * input itself, each byte written over its own copy, and moves to
	 * spill at the first byte where the two differ (diverge()). */
	struct buf *spill;	/* NULL: the output stays where it is */
	bool spilled;
};

static int fail(struct cx *c, enum canon_rc rc, size_t off, const char *why)
{
	c->err->rc = rc;
	c->err->offset = off;
	c->err->why = why;
	return -1;
}

/* A byte that cannot start or continue anything here. */
static int unexpected(struct cx *c, size_t off, const char *why)
{
	if (off < c->len && c->in[off] == 0)
		return fail(c, CANON_NUL, off, "NUL byte");
	return fail(c, CANON_SYNTAX, off, why);
}

/* Lazy output: the output has been the input so far, byte for byte, and
 * differs from here on. What it holds moves to the spill buffer, and
 * the rest is written there, so no byte of the input is ever changed. */
static void diverge(struct cx *c)
{
	size_t n = (size_t)(c->o - c->start);
	char *d = buf_tail(c->spill, c->len);	/* output never exceeds input */

	memcpy(d, c->start, n);
	c->start = d;
	c->o = d + n;
	c->spilled = true;
}

static inline bool lazy_in_place(const struct cx *c)
{
	return c->spill && !c->spilled;
}

static inline void skip_ws(struct cx *c)
{
	/* canonical or compact input: usually nothing to skip */
	if (c->pos < c->len && c->in[c->pos] > ' ')
		return;
	while (c->pos < c->len) {
		unsigned char b = c->in[c->pos];
		if (b != ' ' && b != '\t' && b != '\n' && b != '\r')
			break;
		if (lazy_in_place(c))
			diverge(c);	/* whitespace is dropped: the output is shorter */
		c->pos++;
	}
}

static bool is_digit(unsigned char b)
{
	return b >= '0' && b <= '9';
}

static int push(struct cx *c, bool object)
{
	if (c->depth >= c->max_depth)
		return fail(c, CANON_DEPTH, c->pos, "nesting too deep");
	size_t w = c->depth / 64;
	if (w >= c->stk_words) {
		size_t nw = c->stk_words * 2;
		if (c->stk == c->local) {
			c->stk = xmalloc(nw * sizeof(*c->stk));
			memcpy(c->stk, c->local, sizeof(c->local));
		} else {
			c->stk = xrealloc(c->stk, nw * sizeof(*c->stk));
		}
		c->stk_words = nw;
	}
	uint64_t bit = UINT64_C(1) << (c->depth % 64);
	if (object)
		c->stk[w] |= bit;
	else
		c->stk[w] &= ~bit;
	c->depth++;
	return 0;
}

static bool top_is_object(const struct cx *c)
{
	size_t d = c->depth - 1;
	return c->stk[d / 64] >> (d % 64) & 1;
}

/* Grow a stack that may still live in the cx's own storage. */
static void *grow(void *p, const void *local, size_t *cap, size_t elem)
{
	size_t nc = *cap * 2;
	void *q;

	if (p == local) {
		q = xmalloc(nc * elem);
		memcpy(q, p, *cap * elem);
	} else {
		q = xrealloc(p, nc * elem);
	}
	*cap = nc;
	return q;
}

/* Hash of the key at output offset off. */
static uint32_t key_hash(const char *base, size_t off, size_t n)
{
	return (uint32_t)(hash_bytes(base + off, n) >> 32);
}

static void hash_put(uint64_t *hs, size_t cap, uint64_t slot)
{
	size_t i = (size_t)(slot >> 32) & (cap - 1);

	while (hs[i])
		i = (i + 1) & (cap - 1);
	hs[i] = slot;
}

static void hash_grow(struct cx *c)
{
	size_t nc = c->hcap * 2;
	uint64_t *n = xcalloc(nc, sizeof(*n));

	for (size_t i = 0; i < c->hcap; i++)
		if (c->hs[i])
			hash_put(n, nc, c->hs[i]);
	if (c->hs != c->hlocal)
		free(c->hs);
	c->hs = n;
	c->hcap = nc;
}

static inline bool key_eq(const struct cx *c, size_t k, const char *p, size_t n)
{
	const char *q = c->start + c->ks[k].off;

	/* most keys of one object differ in length or first byte */
	return c->ks[k].len == n && (!n || (q[0] == p[0] && memcmp(q, p, n) == 0));
}

/* Insert key k (already on the key stack) of the object whose keys start at
 * kbase; false if an equal key of that object is there. Slots of outer
 * objects (index < kbase) never match. */
static bool hash_add(struct cx *c, size_t kbase, size_t k)
{
	const char *p = c->start + c->ks[k].off;
	size_t n = c->ks[k].len;
	uint32_t h = key_hash(c->start, c->ks[k].off, n);

	c->ks[k].hash = h;
	if (c->hn + 1 > c->hcap / 2)
		hash_grow(c);
	size_t mask = c->hcap - 1, i = h & mask;
	for (; c->hs[i]; i = (i + 1) & mask) {
		uint64_t s = c->hs[i];
		size_t j = (size_t)(s & 0xFFFFFFFF) - 1;
		if ((uint32_t)(s >> 32) == h && j >= kbase && key_eq(c, j, p, n))
			return false;
	}
	c->hs[i] = (uint64_t)h << 32 | (k + 1);
	c->hn++;
	return true;
}

/* Remove key k's slot (backward-shift deletion keeps probe runs intact). */
static void hash_del(struct cx *c, size_t k)
{
	size_t mask = c->hcap - 1;
	size_t i = c->ks[k].hash & mask;

	while ((c->hs[i] & 0xFFFFFFFF) != k + 1)
		i = (i + 1) & mask;
	for (;;) {
		size_t j = i;
		c->hs[i] = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!c->hs[j]) {
				c->hn--;
				return;
			}
			size_t home = (size_t)(c->hs[j] >> 32) & mask;
			/* slot j may fill the hole at i unless its home lies
			 * cyclically in (i, j] */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		c->hs[i] = c->hs[j];
		i = j;
	}
}

static void obj_open(struct cx *c)
{
	if (c->nobj == c->ocap)
		c->obase = grow(c->obase, c->olocal, &c->ocap, sizeof(*c->obase));
	c->obase[c->nobj++] = c->nk;
}

static void obj_close(struct cx *c)
{
	size_t kbase = c->obase[--c->nobj];

	if (c->nk - kbase > LINEAR_MAX) {
		c->hopen--;
		if (!c->nobj) {
			/* the top-level object: its slots die with the call */
		} else if (!c->hopen) {
			/* no hashed object left open: start afresh, small */
			if (c->hs != c->hlocal)
				free(c->hs);
			memset(c->hlocal, 0, sizeof(c->hlocal));
			c->hs = c->hlocal;
			c->hcap = ARRAY_SIZE(c->hlocal);
			c->hn = 0;
		} else {
			/* an outer object is hashed: keep its slots, drop ours */
			for (size_t k = kbase; k < c->nk; k++)
				hash_del(c, k);
		}
	}
	c->nk = kbase;
}

/* The key just emitted (output bytes off..off+n) of the innermost object;
 * in_off is its opening quote in the input, for the error. */
static int obj_key(struct cx *c, size_t off, size_t n, size_t in_off)
{
	size_t kbase = c->obase[c->nobj - 1], have = c->nk - kbase;
	const char *p = c->start + off;

	if (have < LINEAR_MAX) {
		for (size_t k = kbase; k < c->nk; k++)
			if (key_eq(c, k, p, n))
				return fail(c, CANON_DUP_KEY, in_off, "duplicate object key");
	}
	if (c->nk >= UINT32_MAX - 1 || n > UINT32_MAX)	/* 32-bit fields */
		return fail(c, CANON_SYNTAX, in_off, "too many or too long object keys");
	if (c->nk == c->kcap)
		c->ks = grow(c->ks, c->klocal, &c->kcap, sizeof(*c->ks));
	c->ks[c->nk++] = (struct kent){ off, (uint32_t)n, 0 };
	if (have + 1 <= LINEAR_MAX)
		return 0;
	if (have == LINEAR_MAX) {
		/* the object outgrows the linear check: its keys move into the
		 * hash set (the first time in this call it is set up) */
		if (!c->hs) {
			memset(c->hlocal, 0, sizeof(c->hlocal));
			c->hs = c->hlocal;
			c->hcap = ARRAY_SIZE(c->hlocal);
		}
		c->hopen++;
		for (size_t k = kbase; k < c->nk - 1; k++)
			hash_add(c, kbase, k);
	}
	if (!hash_add(c, kbase, c->nk - 1)) {
		c->nk--;
		return fail(c, CANON_DUP_KEY, in_off, "duplicate object key");
	}
	return 0;
}

static int hex4(const unsigned char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char b = p[i];
		v <<= 4;
		if (b >= '0' && b <= '9')
			v |= b - '0';
		else if (b >= 'a' && b <= 'f')
			v |= b - 'a' + 10;
		else if (b >= 'A' && b <= 'F')
			v |= b - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Emit one decoded code point the way jansson's dump_string() does. */
static void emit_cp(struct cx *c, uint32_t cp)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = c->o;

	switch (cp) {
	case '"':  *o++ = '\\'; *o++ = '"'; break;
	case '\\': *o++ = '\\'; *o++ = '\\'; break;
	case '\b': *o++ = '\\'; *o++ = 'b'; break;
	case '\f': *o++ = '\\'; *o++ = 'f'; break;
	case '\n': *o++ = '\\'; *o++ = 'n'; break;
	case '\r': *o++ = '\\'; *o++ = 'r'; break;
	case '\t': *o++ = '\\'; *o++ = 't'; break;
	default:
		if (cp < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[cp >> 4];
			o[5] = hex[cp & 15];
			o += 6;
		} else if (cp < 0x80) {
			*o++ = (char)cp;
		} else if (cp < 0x800) {
			*o++ = (char)(0xC0 | cp >> 6);
			*o++ = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			*o++ = (char)(0xE0 | cp >> 12);
			*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
			*o++ = (char)(0x80 | (cp & 0x3F));
		} else {
			*o++ = (char)(0xF0 | cp >> 18);
			*o++ = (char)(0x80 | (cp >> 12 & 0x3F));
			*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
			*o++ = (char)(0x80 | (cp & 0x3F));
		}
	}
	c->o = o;
}

/* Lazy output: the escape in[i..i+n) decoded to cp is emitted as those
 * same bytes (a canonical escape, as jansson writes it). */
static bool escape_kept(struct cx *c, size_t i, size_t n, uint32_t cp)
{
	char tmp[8], *o = c->o;

	c->o = tmp;
	emit_cp(c, cp);
	size_t k = (size_t)(c->o - tmp);
	c->o = o;
	return k == n && memcmp(tmp, c->in + i, n) == 0;
}

/* Decode the escape at in[i] (a backslash) into *cp; returns its length in
 * the input or -1. */
static int escape(struct cx *c, size_t i, uint32_t *cp)
{
	const unsigned char *in = c->in;

	if (i + 1 >= c->len)
		return fail(c, CANON_SYNTAX, i, "unterminated string");
	switch (in[i + 1]) {
	case '"':  *cp = '"'; return 2;
	case '\\': *cp = '\\'; return 2;
	case '/':  *cp = '/'; return 2;
	case 'b':  *cp = '\b'; return 2;
	case 'f':  *cp = '\f'; return 2;
	case 'n':  *cp = '\n'; return 2;
	case 'r':  *cp = '\r'; return 2;
	case 't':  *cp = '\t'; return 2;
	case 'u':  break;
	default:
		return unexpected(c, i + 1, "invalid escape");
	}
	int hi = i + 6 <= c->len ? hex4(in + i + 2) : -1;
	if (hi < 0)
		return fail(c, CANON_SYNTAX, i, "invalid \\u escape");
	if (hi == 0)
		return fail(c, CANON_NUL, i, "\\u0000 in string");
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return fail(c, CANON_UTF8, i, "lone low surrogate escape");
	if (hi < 0xD800 || hi > 0xDBFF) {
		*cp = (uint32_t)hi;
		return 6;
	}
	int lo = -1;
	if (i + 12 <= c->len && in[i + 6] == '\\' && in[i + 7] == 'u')
		lo = hex4(in + i + 8);
	if (lo < 0xDC00 || lo > 0xDFFF)
		return fail(c, CANON_UTF8, i, "lone high surrogate escape");
	*cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
	return 12;
}

/* Lead byte b of a UTF-8 sequence: its length and the range its second
 * byte must lie in; 0 for a byte that cannot lead one. */
static size_t utf8_lead(unsigned char b, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (b >= 0xC2 && b <= 0xDF)
		return 2;
	if (b >= 0xE0 && b <= 0xEF) {
		if (b == 0xE0)
			*lo = 0xA0;	/* overlong */
		else if (b == 0xED)
			*hi = 0x9F;	/* UTF-16 surrogates */
		return 3;
	}
	if (b >= 0xF0 && b <= 0xF4) {
		if (b == 0xF0)
			*lo = 0x90;	/* overlong */
		else if (b == 0xF4)
			*hi = 0x8F;	/* > U+10FFFF */
		return 4;
	}
	return 0;	/* continuation byte, C0/C1 overlong, F5+ */
}

/* Length of the valid UTF-8 sequence at in[i] (lead byte >= 0x80), or 0. */
static size_t utf8_len(const struct cx *c, size_t i)
{
	const unsigned char *p = c->in + i;
	size_t avail = c->len - i;
	unsigned char lo, hi;
	size_t n = utf8_lead(p[0], &lo, &hi);

	if (!n)
		return 0;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (p[k] < 0x80 || p[k] > 0xBF)
			return 0;
	return n;
}

/* String byte classes: 0 is copied as is. */
enum { SC_PLAIN, SC_QUOTE, SC_BSLASH, SC_CTRL, SC_NUL, SC_HIGH };
static const unsigned char str_class[256] = {
	[0] = SC_NUL,
	[1 ... 0x1F] = SC_CTRL,
	['"'] = SC_QUOTE,
	['\\'] = SC_BSLASH,
	[0x80 ... 0xFF] = SC_HIGH,
};

/* Lanes of the 8 bytes in v that are not plain, i.e. not 0x20..0x7F but
 * '"' and '\\' (exact up to the lowest hit, all that is used). */
static inline uint64_t special8(uint64_t v)
{
	uint64_t ctrl = (v - SWAR_ONES * 0x20) & ~v & SWAR_HIGHS;
	return ctrl | swar_eq(v, '"') | swar_eq(v, '\\') | (v & SWAR_HIGHS);
}

#if defined(__SSE2__)
/* Bits of the 16 bytes at p that are not plain: '"', '\\', below 0x20 or
 * from 0x80 (as signed bytes those two ranges are one: below 0x20). */
static inline unsigned special16(__m128i v)
{
	__m128i hit = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
				   _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
						_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
	return (unsigned)_mm_movemask_epi8(hit);
}
#endif

/* Stream: the bytes in[i..len) are too few to judge the UTF-8 sequence
 * at i, and each one is still right for a valid sequence. (Where one is
 * wrong, utf8_len() refuses it just as it would with all the bytes.) */
static bool utf8_incomplete(const struct cx *c, size_t i)
{
	const unsigned char *p = c->in + i;
	size_t have = c->len - i;
	unsigned char lo, hi;
	size_t n = utf8_lead(p[0], &lo, &hi);

	if (!n || have >= n)
		return false;
	if (have >= 2 && (p[1] < lo || p[1] > hi))
		return false;
	for (size_t k = 2; k < have; k++)
		if (p[k] < 0x80 || p[k] > 0xBF)
			return false;
	return true;
}

/* Stream: the escape at in[i] (a backslash) needs bytes not yet here, and
 * those that are here are still right for a valid one (else escape()
 * refuses it now, exactly as it would with all the bytes). */
static bool escape_incomplete(const struct cx *c, size_t i)
{
	const unsigned char *p = c->in + i;
	size_t have = c->len - i;

	if (have < 2)
		return true;
	if (p[1] != 'u')
		return false;	/* a two-byte escape: decided */
	if (have < 6) {
		for (size_t k = 2; k < have; k++)
			if (hexval((char)p[k]) < 0)
				return false;
		return true;
	}
	int hi = hex4(p + 2);
	if (hi < 0xD800 || hi > 0xDBFF || have >= 12)
		return false;
	/* a high surrogate: only \uDC00..\uDFFF may follow */
	for (size_t k = 6; k < have; k++) {
		unsigned char b = p[k], l = b | 0x20;
		bool ok = k == 6 ? b == '\\' : k == 7 ? b == 'u' :
			  k == 8 ? l == 'd' : k == 9 ? (l >= 'c' && l <= 'f') :
			  hexval((char)b) >= 0;
		if (!ok)
			return false;
	}
	return true;
}

/* The string whose opening quote is at in[pos], or, when c->in_str, the
 * rest of one suspended at in[pos]. Keys must not contain escapes. */
static int string(struct cx *c, bool key)
{
	const unsigned char *in = c->in;
	size_t i, len = c->len, begin, first_esc;
	char *o = c->o;

	/* the state lives in locals; only a suspension stores it in *c */
	if (!c->in_str) {
		begin = c->pos;
		first_esc = SIZE_MAX;
		*o++ = '"';
		i = c->pos + 1;
	} else {
		begin = c->str_begin;
		first_esc = c->first_esc;
		i = c->pos;
	}
	size_t from = i;
	for (;;) {
		/* plain runs 16 bytes at a time (SSE2, on every x86-64),
		 * then 8 (SWAR). In place (o may be just below in + i) only
		 * what was checked is moved, so no byte still to be read is
		 * overwritten; while nothing has shrunk yet, o is in + i and
		 * nothing moves at all. */
#if defined(__SSE2__)
		while (i + 16 <= len) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + i));
			unsigned sp = special16(v);
			if (!sp) {
				if (o != (const char *)in + i)
					_mm_storeu_si128((__m128i *)(void *)o, v);
				o += 16;
				i += 16;
				continue;
			}
			size_t k = (size_t)__builtin_ctz(sp);
			if (o != (const char *)in + i)
				memmove(o, in + i, k);
			o += k;
			i += k;
			goto special;
		}
#endif
		while (i + 8 <= len) {
			uint64_t sp = special8(swar_load(in + i));
			if (!sp) {
				if (o != (const char *)in + i) {
					uint64_t raw;	/* all 8 loaded before the store */
					memcpy(&raw, in + i, 8);
					memcpy(o, &raw, 8);
				}
				o += 8;
				i += 8;
				continue;
			}
			size_t k = swar_first(sp);
			if (o != (const char *)in + i)
				memmove(o, in + i, k);
			o += k;
			i += k;
			goto special;
		}
		if (i >= len) {
			c->o = o;
			if (!c->final)
				goto suspend;
			return fail(c, CANON_SYNTAX, begin, "unterminated string");
		}
special:;
		unsigned char b = in[i];
		if (b == '"')
			break;	/* the end (SC_QUOTE), taken before the switch's jump */
		switch (str_class[b]) {
		case SC_PLAIN:
			*o++ = (char)b;
			i++;
			continue;
		case SC_NUL:
			return fail(c, CANON_NUL, i, "NUL byte in string");
		case SC_CTRL:
			return fail(c, CANON_CTRL, i, "raw control character in string");
		case SC_BSLASH: {
			uint32_t cp;
			if (!c->final && escape_incomplete(c, i)) {
				c->o = o;
				goto suspend;
			}
			int n = escape(c, i, &cp);
			if (n < 0)
				return -1;
			if (first_esc == SIZE_MAX)
				first_esc = i;
			c->o = o;
			if (lazy_in_place(c) && !escape_kept(c, i, (size_t)n, cp))
				diverge(c);
			emit_cp(c, cp);
			o = c->o;
			i += (size_t)n;
			continue;
		}
		case SC_HIGH:
		default: {
			if (!c->final && utf8_incomplete(c, i)) {
				c->o = o;
				goto suspend;
			}
			size_t n = utf8_len(c, i);
			if (!n)
				return fail(c, CANON_UTF8, i, "invalid UTF-8 in string");
			memmove(o, in + i, n);
			o += n;
			i += n;
			continue;
		}
		}
	}
	/* the closing quote */
	if (!c->final)
		c->work += i + 1 - from;
	c->in_str = false;
	c->o = o;
	if (key && first_esc != SIZE_MAX)
		return fail(c, CANON_ESCAPED_KEY, first_esc,
			    "object key contains a backslash escape");
	*c->o++ = '"';
	c->pos = i + 1;
	return 0;
suspend:
	/* c->o is set; go on from in[i] when more has come */
	c->work += i - from;
	c->pos = i;
	c->in_str = true;
	c->str_begin = begin;
	c->first_esc = first_esc;
	return SUSPEND;
}

/* A string that closes within the 16 bytes after its opening quote, with
 * nothing but plain bytes before that quote, is its own canonical form:
 * taken here, in line, without string()'s call and its state (most keys
 * and many values of lightningd's answers). Anything else, or too few
 * bytes left to look at 16, returns 0 and string() reads it from its
 * opening quote, exactly as if this had not looked. */
TOKEN_STEP int short_string(struct cx *c)
{
#if defined(__SSE2__)
	size_t at = c->pos;
	if (at + 17 > c->len)
		return 0;
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(c->in + at + 1));
	unsigned sp = special16(v);
	if (!sp)
		return 0;
	size_t k = (size_t)__builtin_ctz(sp);
	if (c->in[at + 1 + k] != '"')
		return 0;
	if (c->o != (const char *)c->in + at)
		memmove(c->o, c->in + at, k + 2);
	c->o += k + 2;
	c->pos = at + k + 2;
	if (!c->final)
		c->work += k + 1;
	return 1;
#else
	(void)c;
	return 0;
#endif
}

/* Where a cut number's bytes so far are in its grammar. */
enum num_at { N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP, N_OVER };

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?, copied verbatim.
 * A stream's number that runs to the end of the bytes so far may be cut:
 * SUSPEND, with num_end there (all it read are number bytes), and
 * number_ready() takes it from there on the next call (`resumed`), so a
 * number cut into many pieces is still scanned only twice in all, and
 * one that is not, once. */
static int number(struct cx *c, bool resumed)
{
	const unsigned char *in = c->in;
	size_t i = c->pos, len = c->len;

#define CUT_SHORT(at) do { \
		if (!c->final) { \
			c->work += i - c->pos; \
			c->num_end = i; \
			c->num_at = (at); \
			return SUSPEND; \
		} \
	} while (0)
	if (in[i] == '-')
		i++;
	if (i >= len)
		CUT_SHORT(N_MINUS);
	if (i >= len || !is_digit(in[i]))
		return unexpected(c, i, "invalid number");
	if (in[i] == '0') {
		i++;
		if (i >= len)
			CUT_SHORT(N_ZERO);
		if (i < len && is_digit(in[i]))
			return fail(c, CANON_SYNTAX, i, "number with a leading zero");
	} else {
		while (i < len && is_digit(in[i]))
			i++;
		if (i >= len)
			CUT_SHORT(N_INT);
	}
	if (i < len && in[i] == '.') {
		i++;
		if (i >= len)
			CUT_SHORT(N_DOT);
		if (i >= len || !is_digit(in[i]))
			return unexpected(c, i, "invalid number: digit expected after '.'");
		while (i < len && is_digit(in[i]))
			i++;
		if (i >= len)
			CUT_SHORT(N_FRAC);
	}
	if (i < len && (in[i] == 'e' || in[i] == 'E')) {
		i++;
		if (i < len && (in[i] == '+' || in[i] == '-'))
			i++;
		if (i >= len)
			CUT_SHORT(in[i - 1] == 'e' || in[i - 1] == 'E' ? N_E : N_ESIGN);
		if (i >= len || !is_digit(in[i]))
			return unexpected(c, i, "invalid number: exponent digit expected");
		while (i < len && is_digit(in[i]))
			i++;
		if (i >= len)
			CUT_SHORT(N_EXP);
	}
#undef CUT_SHORT
	if (!c->final && !resumed)	/* else number_ready() counted the run */
		c->work += i - c->pos;
	if (c->o != (const char *)in + c->pos)
		memmove(c->o, in + c->pos, i - c->pos);
	c->o += i - c->pos;
	c->pos = i;
	return 0;
}

/* true, false, null: literal() runs once per literal of an answer, and
 * with the word and its length constant here the compiler compares and
 * copies them in line; a loop over a table of words called strlen and
 * memcmp for each. */
static const char *const words[] = { "true", "false", "null" };

static inline __attribute__((always_inline)) int take_word(struct cx *c, const char *w, size_t n)
{
	if (c->len - c->pos < n || memcmp(c->in + c->pos, w, n))
		return fail(c, CANON_SYNTAX, c->pos, "invalid literal");
	memcpy(c->o, w, n);
	c->o += n;
	c->pos += n;
	return 0;
}

static int literal(struct cx *c)
{
	switch (c->in[c->pos]) {
	case 't':
		return take_word(c, "true", 4);
	case 'f':
		return take_word(c, "false", 5);
	case 'n':
		return take_word(c, "null", 4);
	default:
		return unexpected(c, c->pos, "unexpected character");
	}
}

/* The grammar's next place after byte b, N_OVER where b cannot go on
 * the number (it ends before b, or b makes it invalid: number() says
 * which). */
static enum num_at num_next(enum num_at at, unsigned char b)
{
	bool digit = is_digit(b), e = b == 'e' || b == 'E';

	switch (at) {
	case N_MINUS:
		return digit ? (b == '0' ? N_ZERO : N_INT) : N_OVER;
	case N_ZERO:
	case N_INT:
		if (digit)
			return at == N_INT ? N_INT : N_OVER;
		return b == '.' ? N_DOT : e ? N_E : N_OVER;
	case N_DOT:
	case N_FRAC:
		return digit ? N_FRAC : at == N_FRAC && e ? N_E : N_OVER;
	case N_E:
		return digit ? N_EXP : b == '+' || b == '-' ? N_ESIGN : N_OVER;
	case N_ESIGN:
	case N_EXP:
		return digit ? N_EXP : N_OVER;
	case N_OVER:
		break;
	}
	return N_OVER;
}

/* Stream: a number that number() found cut short goes on only once a
 * byte that cannot go on it is here, so it ends, or fails, where it would
 * in the whole message (a cut "0e4" then "e" fails at once, it is not
 * waited on). Its run is scanned once, from where the last suspension
 * stopped, however it is chunked. */
TOKEN_STEP int number_ready(struct cx *c)
{
	size_t i = c->num_end > c->pos ? c->num_end : c->pos;
	size_t from = i;
	enum num_at at = (enum num_at)c->num_at;

	while (i < c->len) {
		enum num_at next = num_next(at, c->in[i]);
		if (next == N_OVER)
			break;
		at = next;
		i++;
	}
	c->work += i - from;
	if (i >= c->len) {
		c->num_end = i;
		c->num_at = (unsigned char)at;
		return SUSPEND;
	}
	c->num_end = 0;
	return 0;
}

/* Stream: a literal cut short is waited for while its bytes so far match. */
TOKEN_STEP int literal_ready(struct cx *c)
{
	size_t have = c->len - c->pos;

	/* Five bytes hold any of the words whole: nothing to wait for, and
	 * no loop over them before every literal of a stream (a strlen call
	 * each: 5% of a token-dense answer's validation on the thread). */
	if (have >= 5)
		return 0;
	for (size_t k = 0; k < ARRAY_SIZE(words); k++)
		if (c->in[c->pos] == words[k][0] && have < strlen(words[k]) &&
		    memcmp(c->in + c->pos, words[k], have) == 0) {
			c->work += have;
			return SUSPEND;
		}
	return 0;
}

TOKEN_STEP int value(struct cx *c, enum state *st)
{
	unsigned char b = c->in[c->pos];

	switch (b) {
	case '{':
	case '[':
		if (push(c, b == '{') < 0)
			return -1;
		if (b == '{')
			obj_open(c);
		*c->o++ = (char)b;
		c->pos++;
		*st = b == '{' ? ST_OBJ_FIRST : ST_ARR_FIRST;
		return 0;
	case '"':
		*st = ST_AFTER;	/* where a suspended string goes on to */
		if (short_string(c))
			return 0;
		c->str_key = false;
		return string(c, false);
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9': {
		/* a number cut short before goes on where its scan stopped */
		bool resumed = !c->final && c->num_end > c->pos;
		if (resumed && number_ready(c))
			return SUSPEND;
		int r = number(c, resumed);
		if (r == 0)
			*st = ST_AFTER;
		return r;
	}
	default:
		if (!c->final && literal_ready(c))
			return SUSPEND;
		*st = ST_AFTER;
		return literal(c);
	}
}

TOKEN_STEP void pop(struct cx *c, enum state *st)
{
	if (c->in[c->pos] == '}')
		obj_close(c);
	*c->o++ = (char)c->in[c->pos++];
	c->depth--;
	*st = ST_AFTER;
}

/* A key of the top-level object starts (output offset off, its quote). */
static void top_key(struct cx *c, size_t off)
{
	struct canon_top *t = c->top;

	if (t->n == CANON_TOP_MAX) {
		t->more = true;
		return;
	}
	t->m[t->n].koff = off + 1;
	t->m[t->n].klen = (size_t)(c->o - c->start) - off - 2;
	c->top_cur = t->n++;
}

/* The key whose string was just read (input quote c->kin, output quote
 * c->kout): checked against its object's other keys; ':' comes next. */
TOKEN_STEP int key_done(struct cx *c, size_t kin, size_t kout, enum state *st)
{
	size_t n = (size_t)(c->o - c->start) - kout - 2;

	if (obj_key(c, kout + 1, n, kin) < 0)
		return -1;
	if (c->depth == 1 && c->top)
		top_key(c, kout);
	*st = ST_COLON;
	return 0;
}

/* The input ran out in state c->st: the end of the document, an error,
 * or (a stream) a pause until more comes. */
static int input_ends(struct cx *c, enum state st)
{
	if (!c->final)
		return SUSPEND;
	switch (st) {
	case ST_START:
		return unexpected(c, c->pos, "top-level value is not an object");
	case ST_COLON:
		return unexpected(c, c->pos, "':' expected");
	case ST_AFTER:
		if (c->depth == 0)
			return 0;
		break;
	case ST_VALUE:
	case ST_ARR_FIRST:
	case ST_OBJ_FIRST:
	case ST_KEY:
		break;
	}
	return fail(c, CANON_SYNTAX, c->pos, "unexpected end of input");
}

/* 0: the document is complete (a stream: its top-level object closed at
 * c->pos), -1: error, SUSPEND: a stream needs more bytes. All state is
 * in *c when it returns, so a stream's next call goes on where this one
 * stopped; inside, the state is a local (the hot loop keeps it in a
 * register). */
static int parse_state(struct cx *c, enum state *stp)
{
	enum state st = *stp;
	int r;

#define LEAVE(rc) do { *stp = st; return (rc); } while (0)
/* Compact input has no whitespace between tokens: when the next byte is
 * already here and is not whitespace, go straight to the case that takes
 * it (st is already set for it) instead of round the loop, whose switch is
 * an indirect jump the branch predictor mostly gets wrong. */
#define NEXT_IS(label) do { \
		if (c->pos < c->len && c->in[c->pos] > ' ') { \
			b = c->in[c->pos]; \
			goto label; \
		} \
	} while (0)
	if (c->in_str) {
		/* a stream suspended inside a string: finish it first (in the
		 * loop, a string either ends or suspends, and that leaves) */
		if ((r = string(c, c->str_key)) != 0)
			LEAVE(r);
		if (c->str_key && key_done(c, c->kin, c->kout, &st) < 0)
			LEAVE(-1);
	}
	for (;;) {
		skip_ws(c);
		if (c->pos >= c->len)
			LEAVE(input_ends(c, st));
		unsigned char b = c->in[c->pos];
		switch (st) {
		case ST_START:
			if (b != '{')
				LEAVE(unexpected(c, c->pos, "top-level value is not an object"));
			if ((r = value(c, &st)) != 0)
				LEAVE(r);
			break;
		case ST_ARR_FIRST:
			if (b == ']') {
				pop(c, &st);
				break;
			}
			/* fall through */
		case ST_VALUE:
		value:
			if ((r = value(c, &st)) != 0)
				LEAVE(r);
			if (st == ST_AFTER)
				NEXT_IS(after);
			else if (st == ST_OBJ_FIRST)
				NEXT_IS(obj_first);
			break;
		case ST_OBJ_FIRST:
		obj_first:
			if (b == '}') {
				pop(c, &st);
				if (!c->final && c->depth == 0)
					LEAVE(0);	/* {} ends a stream's message */
				break;
			}
			/* fall through */
		case ST_KEY:
		key: {
			if (b != '"')
				LEAVE(unexpected(c, c->pos, "object key expected"));
			size_t kin = c->pos, kout = (size_t)(c->o - c->start);
			if (!short_string(c) && (r = string(c, true)) != 0) {
				/* suspended inside the key: finish it later */
				c->kin = kin;
				c->kout = kout;
				c->str_key = true;
				LEAVE(r);
			}
			if (key_done(c, kin, kout, &st) < 0)
				LEAVE(-1);
			NEXT_IS(colon);
			break;
		}
		case ST_COLON:
		colon:
			if (b != ':')
				LEAVE(unexpected(c, c->pos, "':' expected"));
			*c->o++ = ':';
			c->pos++;
			if (c->top_cur != SIZE_MAX && c->depth == 1)
				c->top->m[c->top_cur].voff = (size_t)(c->o - c->start);
			st = ST_VALUE;
			NEXT_IS(value);
			break;
		case ST_AFTER:
		after:
			if (c->depth == 0)
				LEAVE(fail(c, CANON_TRAILING, c->pos,
					   "trailing bytes after the object"));
			if (c->depth == 1 && c->top_cur != SIZE_MAX) {
				struct canon_top *t = c->top;
				t->m[c->top_cur].vlen = (size_t)(c->o - c->start) -
							t->m[c->top_cur].voff;
				c->top_cur = SIZE_MAX;
			}
			if (b == ',') {
				*c->o++ = ',';
				c->pos++;
				if (top_is_object(c)) {
					st = ST_KEY;
					NEXT_IS(key);
				} else {
					st = ST_VALUE;
					NEXT_IS(value);
				}
			} else if (b == (top_is_object(c) ? '}' : ']')) {
				pop(c, &st);
			} else {
				LEAVE(unexpected(c, c->pos, top_is_object(c) ?
						 "',' or '}' expected" : "',' or ']' expected"));
			}
			/* A stream's message ends with its top-level object:
			 * what follows belongs to the next one. */
			if (!c->final && c->depth == 0)
				LEAVE(0);
			break;
		}
	}
#undef NEXT_IS
#undef LEAVE
}

static int parse(struct cx *c)
{
	return parse_state(c, &c->st);
}

/* A fresh parse: out (which may be the input) receives the canonical text. */
static void cx_init(struct cx *c, unsigned max_depth, bool final,
		    struct canon_top *top)
{
	/* Not a designated initialiser: that would zero the on-stack
	 * arrays (about 3 KiB) on every call; only what is read is set. */
	c->pos = 0;
	c->final = final;
	c->st = ST_START;
	c->in_str = false;
	c->num_end = 0;
	c->work = 0;
	c->stk = c->local;
	c->stk_words = ARRAY_SIZE(c->local);
	c->depth = 0;
	c->max_depth = max_depth;
	c->obase = c->olocal;
	c->nobj = 0;
	c->ocap = ARRAY_SIZE(c->olocal);
	c->ks = c->klocal;
	c->nk = 0;
	c->kcap = ARRAY_SIZE(c->klocal);
	c->hs = NULL;
	c->hcap = c->hn = c->hopen = 0;
	c->top = top;
	c->top_cur = SIZE_MAX;
	c->spill = NULL;
	c->spilled = false;
	if (top) {
		top->n = 0;
		top->more = false;
	}
}

static void cx_release(struct cx *c)
{
	if (c->stk != c->local)
		free(c->stk);
	if (c->obase != c->olocal)
		free(c->obase);
	if (c->ks != c->klocal)
		free(c->ks);
	if (c->hs != c->hlocal)
		free(c->hs);
	c->stk = c->local;
	c->obase = c->olocal;
	c->ks = c->klocal;
	c->hs = NULL;
}

static void err_clear(struct canon_err *err)
{
	err->rc = CANON_OK;
	err->offset = 0;
	err->why = NULL;
}

/* One parse over in[0..len), writing at out (which may be in): 0 when the
 * document is done (*inlen: the bytes it took, *outlen: its canonical
 * length), -1 on an error, SUSPEND when !final and the bytes ran out.
 * With spill (out is then in): lazy output, and *spilled says whether the
 * canonical text went to spill's tail (else it is in[0..*outlen)). */
static int run(const char *in, size_t len, unsigned max_depth, bool final, char *out,
	       struct buf *spill, size_t *inlen, size_t *outlen, bool *spilled,
	       struct canon_top *top, struct canon_err *err)
{
	struct canon_err dummy;
	struct cx c;

	cx_init(&c, max_depth, final, top);
	c.in = (const unsigned char *)in;
	c.len = len;
	c.err = err ? err : &dummy;
	err_clear(c.err);
	c.start = out;
	c.o = out;
	c.spill = spill;
	int rc = parse(&c);
	cx_release(&c);
	if (rc < 0 && top)
		top->n = 0;
	if (rc == 0) {
		*inlen = c.pos;
		*outlen = (size_t)(c.o - c.start);
	}
	if (spilled)
		*spilled = c.spilled;
	return rc;
}

void canon_top_copy(struct canon_top *dst, const struct canon_top *src)
{
	memcpy(dst->m, src->m, src->n * sizeof(src->m[0]));
	dst->n = src->n;
	dst->more = src->more;
}

/* ---- streams ---- */

struct canon_stream {
	struct cx c;
	struct canon_top top;
	unsigned max_depth;
	bool open;		/* a message is under way */
	size_t out;		/* canonical bytes written so far */
	size_t work_done;	/* c.work of the messages before this one */
};

struct canon_stream *canon_stream_new(unsigned max_depth)
{
	struct canon_stream *s = xcalloc(1, sizeof(*s));
	s->max_depth = max_depth;
	return s;
}

void canon_stream_free(struct canon_stream *s)
{
	if (!s)
		return;
	if (s->open)
		cx_release(&s->c);
	free(s);
}

enum canon_step canon_stream_feed(struct canon_stream *s, char *text,
				  size_t avail, size_t *inlen, size_t *outlen,
				  struct canon_top *top, struct canon_err *err)
{
	struct canon_err dummy;
	struct cx *c = &s->c;

	if (!s->open) {
		cx_init(c, s->max_depth, false, &s->top);
		s->open = true;
		s->out = 0;
	}
	/* The text may have moved since the last call (its buffer grew):
	 * the parse keeps offsets, its pointers are set afresh. */
	c->in = (const unsigned char *)text;
	c->len = avail;
	c->start = text;
	c->o = text + s->out;
	c->err = err ? err : &dummy;
	err_clear(c->err);
	int rc = parse(c);
	s->out = (size_t)(c->o - c->start);
	if (rc == SUSPEND)
		return CANON_MORE;
	cx_release(c);
	s->open = false;
	s->work_done += c->work;
	if (rc < 0)
		return CANON_FAILED;
	*inlen = c->pos;
	*outlen = s->out;
	if (top)
		canon_top_copy(top, &s->top);
	return CANON_DONE;
}

size_t canon_stream_work(const struct canon_stream *s)
{
	return s->work_done + (s->open ? s->c.work : 0);
}

int canon_json_top(const char *in, size_t len, unsigned max_depth,
		   struct buf *out, struct canon_top *top, struct canon_err *err)
{
	size_t used, n;
	/* Output never exceeds the input; nothing is committed on failure. */
	char *o = buf_tail(out, len ? len : 1);

	if (run(in, len, max_depth, true, o, NULL, &used, &n, NULL, top, err) < 0)
		return -1;
	buf_commit(out, n);
	return 0;
}

enum canon_step canon_json_prefix(const char *in, size_t avail, unsigned max_depth,
				  struct buf *out, size_t *inlen, struct canon_top *top,
				  struct canon_err *err)
{
	size_t n = 0;
	/* Output never exceeds the input; nothing is committed unless done. */
	char *o = buf_tail(out, avail ? avail : 1);
	int rc = run(in, avail, max_depth, false, o, NULL, inlen, &n, NULL, top, err);

	if (rc == SUSPEND)
		return CANON_MORE;
	if (rc < 0)
		return CANON_FAILED;
	buf_commit(out, n);
	return CANON_DONE;
}

enum canon_step canon_json_prefix_lazy(char *in, size_t avail, unsigned max_depth,
				       struct buf *out, size_t *inlen, size_t *outlen,
				       bool *in_place, struct canon_top *top,
				       struct canon_err *err)
{
	bool spilled = false;
	/* The output starts over the input (identical bytes written over
	 * themselves) and moves to out's tail where it first differs; out
	 * is committed only when the text is there and done. */
	int rc = run(in, avail, max_depth, false, in, out, inlen, outlen, &spilled, top, err);

	if (rc == SUSPEND)
		return CANON_MORE;
	if (rc < 0)
		return CANON_FAILED;
	if (spilled)
		buf_commit(out, *outlen);
	*in_place = !spilled;
	return CANON_DONE;
}

int canon_json_inplace(char *text, size_t len, unsigned max_depth,
		       size_t *outlen, struct canon_top *top, struct canon_err *err)
{
	size_t used;
	return run(text, len, max_depth, true, text, NULL, &used, outlen, NULL, top, err) < 0 ? -1 : 0;
}

int canon_json(const char *in, size_t len, unsigned max_depth,
	       struct buf *out, struct canon_err *err)
{
	return canon_json_top(in, len, max_depth, out, NULL, err);
}
