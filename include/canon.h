/* canon.h - strict RFC 8259 validation and canonical compact re-serialisation
 * in one linear pass. Hand-written because jansson re-formats reals
 * (0.1 -> 0.10000000000000001) and refuses integers above INT64_MAX, while
 * lightningd needs number lexemes byte-exact (u64 msat values). Output rules
 * match jansson's JSON_COMPACT so the two agree (differential test):
 * no whitespace; strings re-escaped minimally: \" \\ \b \f \n \r \t, other
 * controls as \u00XX (upper-case hex), '/' and non-ASCII UTF-8 raw; numbers
 * copied byte for byte. Fuzzed: fuzz-canon.c; differential: test-canon.c */
#ifndef PR_CANON_H
#define PR_CANON_H

#include <stddef.h>
#include "buf.h"

enum canon_rc {
	CANON_OK = 0,
	CANON_SYNTAX,		/* not RFC 8259 JSON */
	CANON_DEPTH,		/* nesting deeper than max_depth */
	CANON_UTF8,		/* invalid UTF-8, overlong, surrogate, > U+10FFFF */
	CANON_CTRL,		/* raw control character (< 0x20) in a string */
	CANON_NUL,		/* NUL byte, raw or as \u0000 */
	CANON_ESCAPED_KEY,	/* an object key containing a backslash escape */
	CANON_TRAILING,		/* bytes after the top-level value */
};

struct canon_err {
	enum canon_rc rc;
	size_t offset;		/* byte offset of the offence in the input */
	const char *why;	/* static text */
};

/* Validate in[0..len) and append its canonical form to out (nothing is
 * appended on failure: out->len is restored). The top-level value must be
 * an object. Returns 0, or -1 with *err filled. */
int canon_json(const char *in, size_t len, unsigned max_depth,
	       struct buf *out, struct canon_err *err);

#endif
