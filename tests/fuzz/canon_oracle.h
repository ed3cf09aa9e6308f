/* canon_oracle.h - the judgements both canon tests make: test-canon.c
 * (generated inputs, TAP) and fuzz-canon.c (libFuzzer, corpus replay).
 * Header-only, static: each test program is one translation unit. */
#ifndef PR_CANON_ORACLE_H
#define PR_CANON_ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "canon.h"

/* Does canonical text hold a number jansson would re-format: a real, or
 * -0 (dumped as 0)? Then only json_equal, not the bytes, can be compared. */
static inline bool has_reformatted_number(const char *s, size_t n)
{
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		if (in_str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_str = false;
		} else if (s[i] == '"') {
			in_str = true;
		} else if (s[i] == '.' || s[i] == 'e' || s[i] == 'E') {
			return true;
		} else if (s[i] == '-' && i + 1 < n && s[i + 1] == '0' &&
			   (i + 2 >= n || s[i + 2] < '0' || s[i + 2] > '9')) {
			return true;
		}
	}
	return false;
}

/* Does canon_json_inplace() on a copy of in[0..n) do exactly what
 * canon_json_top() did (rc, err or out's canonical text and top): same
 * verdict, same error and offset, same output, same member spans?
 * *shrunk: the canonical form came out shorter (bytes were moved). */
static inline bool canon_inplace_agrees(const char *in, size_t n, unsigned depth, int rc,
					const struct canon_err *err, const char *out,
					size_t outlen, const struct canon_top *top, bool *shrunk)
{
	struct canon_err ierr;
	struct canon_top itop;
	size_t ilen = 0;
	char *text = malloc(n ? n : 1);
	bool same;

	if (!text)
		abort();
	if (n)
		memcpy(text, in, n);
	int irc = canon_json_inplace(text, n, depth, &ilen, &itop, &ierr);
	same = irc == rc;
	*shrunk = false;
	if (same && rc == 0) {
		same = ilen == outlen && memcmp(text, out, ilen) == 0 &&
		       itop.n == top->n && itop.more == top->more &&
		       memcmp(itop.m, top->m, top->n * sizeof(top->m[0])) == 0;
		*shrunk = ilen < n;
	} else if (same) {
		same = ierr.rc == err->rc && ierr.offset == err->offset;
	}
	free(text);
	return same;
}

/* Does canon_json_prefix_lazy() on a copy of in[0..avail) say exactly what
 * canon_json_prefix() says on in (verdict, bytes taken, canonical text,
 * member spans, error and offset), leave every byte of the copy as it
 * was, touch out only when its text is there, and report the text in
 * place exactly when it is the input's own bytes? *in_place: it was. */
static inline bool canon_lazy_agrees(const char *in, size_t avail, unsigned depth,
				     bool *in_place)
{
	struct buf pout, lout;
	struct canon_err pe, le;
	struct canon_top pt, lt;
	size_t pin = 0, lin = 0, llen = 0;
	char *text = malloc(avail ? avail : 1);
	bool same, ip = false;

	if (!text)
		abort();
	if (avail)
		memcpy(text, in, avail);
	buf_init(&pout);
	buf_init(&lout);
	buf_append(&lout, "old", 3);
	enum canon_step ps = canon_json_prefix(in, avail, depth, &pout, &pin, &pt, &pe);
	enum canon_step ls = canon_json_prefix_lazy(text, avail, depth, &lout, &lin, &llen, &ip,
						    &lt, &le);
	same = ps == ls && (avail == 0 || memcmp(text, in, avail) == 0) &&
	       memcmp(buf_head(&lout), "old", 3) == 0;
	if (same && ps == CANON_DONE) {
		const char *lt_text = ip ? text : buf_head(&lout) + 3;
		bool own = pout.len == pin && memcmp(buf_head(&pout), in, pin) == 0;
		same = lin == pin && llen == pout.len && memcmp(lt_text, buf_head(&pout), llen) == 0 &&
		       lout.len == (ip ? 3 : 3 + llen) && ip == own &&
		       lt.n == pt.n && lt.more == pt.more &&
		       memcmp(lt.m, pt.m, pt.n * sizeof(pt.m[0])) == 0;
	} else if (same && ps == CANON_FAILED) {
		same = le.rc == pe.rc && le.offset == pe.offset && lout.len == 3;
	} else if (same) {
		same = lout.len == 3;
	}
	*in_place = ip;
	free(text);
	buf_free(&pout);
	buf_free(&lout);
	return same;
}

/* Feed in[0..n) to a canon_stream in chunks whose sizes come from seed
 * (seed 0: one byte at a time; 1: all at once), each call on a new copy
 * of the text so far, as a growing buffer moves. Returns the outcome;
 * *inlen, *outlen, *top, *err and the canonical bytes (*text, malloc'd,
 * the caller frees) as the stream left them. */
static inline enum canon_step canon_stream_chunked(const char *in, size_t n, unsigned depth,
						   uint64_t seed, char **text, size_t *inlen,
						   size_t *outlen, struct canon_top *top,
						   struct canon_err *err)
{
	struct canon_stream *s = canon_stream_new(depth);
	enum canon_step st = CANON_MORE;
	size_t have = 0;
	uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;

	*text = NULL;
	do {
		size_t step = n - have;
		if (seed == 0) {
			step = step ? 1 : 0;
		} else if (seed > 1 && step) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* mostly short chunks, so cuts land inside tokens */
			size_t lim = x % 4 ? 9 : step;
			step = 1 + (size_t)(x >> 8) % (lim < step ? lim : step);
		}
		char *t = malloc(have + step + 1);
		if (!t)
			abort();
		if (have)
			memcpy(t, *text, have);
		memcpy(t + have, in + have, step);
		free(*text);
		*text = t;
		have += step;
		st = canon_stream_feed(s, *text, have, inlen, outlen, top, err);
	} while (st == CANON_MORE && have < n);
	canon_stream_free(s);
	return st;
}

static inline bool only_ws(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			return false;
	return true;
}

/* The errors canon reports only because its input ended. */
static inline bool end_of_input_error(const struct canon_err *e, size_t n)
{
	return e->rc == CANON_SYNTAX &&
	       (strcmp(e->why, "unexpected end of input") == 0 ||
		strcmp(e->why, "unterminated string") == 0 ||
		(e->offset == n && (strcmp(e->why, "':' expected") == 0 ||
				    strcmp(e->why, "top-level value is not an object") == 0)));
}

/* Does a canon_stream, fed in[0..n) in chunks (seed as above), do what
 * canon_json_top() did on the whole input (rc, err, out, top)?
 *  - whole accepted: the stream is done where the object closed (only
 *    whitespace after it), with the same bytes and member spans;
 *  - whole refused with trailing bytes: the stream is done where the
 *    object closed, and its output is the canonical form of that prefix;
 *  - whole refused otherwise: the stream refuses with the same error at
 *    the same offset, or (all of the input consumed) waits for more;
 *    but a message that ends and is followed by "\n\n", as every plugin
 *    message is, is never waited on unless its text is unfinished (an
 *    open string or bracket): a plugin must not hang its request. */
static inline bool canon_stream_agrees(const char *in, size_t n, unsigned depth, int rc,
				       const struct canon_err *err, const char *out,
				       size_t outlen, const struct canon_top *top,
				       uint64_t seed)
{
	struct canon_err serr;
	struct canon_top stop;
	size_t inlen = 0, olen = 0;
	char *text;
	bool same = false;
	enum canon_step st = canon_stream_chunked(in, n, depth, seed, &text, &inlen, &olen,
						  &stop, &serr);

	if (st == CANON_DONE && rc == 0) {
		same = inlen <= n && only_ws(in + inlen, n - inlen) && olen == outlen &&
		       memcmp(text, out, olen) == 0 && stop.n == top->n &&
		       stop.more == top->more &&
		       memcmp(stop.m, top->m, top->n * sizeof(top->m[0])) == 0;
	} else if (st == CANON_DONE) {
		struct buf pre;
		struct canon_top ptop;
		buf_init(&pre);
		same = err->rc == CANON_TRAILING && inlen <= err->offset &&
		       only_ws(in + inlen, err->offset - inlen) &&
		       canon_json_top(in, inlen, depth, &pre, &ptop, NULL) == 0 &&
		       pre.len == olen && memcmp(buf_head(&pre), text, olen) == 0 &&
		       ptop.n == stop.n && memcmp(ptop.m, stop.m, stop.n * sizeof(stop.m[0])) == 0;
		buf_free(&pre);
	} else if (st == CANON_FAILED) {
		same = rc != 0 && serr.rc == err->rc && serr.offset == err->offset;
	} else {
		same = rc != 0 && (err->rc == CANON_SYNTAX || err->rc == CANON_UTF8);
	}
	free(text);
	if (!same || st != CANON_MORE)
		return same;

	/* It waits for more: with the "\n\n" a plugin ends it with, it must
	 * not, unless the text is unfinished. */
	char *t2 = malloc(n + 2);
	struct buf o2;
	struct canon_err e2;
	if (!t2)
		abort();
	memcpy(t2, in, n);
	memcpy(t2 + n, "\n\n", 2);
	buf_init(&o2);
	int rc2 = canon_json_top(t2, n + 2, depth, &o2, NULL, &e2);
	st = canon_stream_chunked(t2, n + 2, depth, 1, &text, &inlen, &olen, &stop, &serr);
	same = st != CANON_MORE || (rc2 != 0 && end_of_input_error(&e2, n + 2));
	free(text);
	free(t2);
	buf_free(&o2);
	return same;
}

#endif
