/* canon.h - strict RFC 8259 validation and canonical compact re-serialisation
 * in one linear pass. Hand-written because jansson re-formats reals
 * (0.1 -> 0.10000000000000001) and refuses integers above INT64_MAX, while
 * lightningd needs number lexemes byte-exact (u64 msat values). Output rules
 * match jansson's JSON_COMPACT so the two agree (differential test):
 * no whitespace; strings re-escaped minimally: \" \\ \b \f \n \r \t, other
 * controls as \u00XX (upper-case hex), '/' and non-ASCII UTF-8 raw; numbers
 * copied byte for byte. Duplicate keys in one object are refused, exactly as
 * jansson's JSON_REJECT_DUPLICATES (keys compare as bytes; escaped keys are
 * refused anyway, so raw bytes are decoded bytes), in O(total keys) time.
 * Fuzzed: fuzz-canon.c; differential: test-canon.c */
#ifndef PR_CANON_H
#define PR_CANON_H

#include <stdbool.h>
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
	CANON_DUP_KEY,		/* the same key twice in one object */
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

/* Where the top-level object's members lie in the canonical text, so a
 * caller can classify a message without a DOM. Offsets are relative to the
 * start of the canonical text this call appended (out's head + its old
 * length); a key span is the key's bytes without quotes, a value span the
 * value's whole canonical text. The first CANON_TOP_MAX members, in order;
 * `more` when there were more (then scan, e.g. with jspan_member()). */
#define CANON_TOP_MAX 16
struct canon_top {
	struct {
		size_t koff, klen, voff, vlen;
	} m[CANON_TOP_MAX];
	size_t n;
	bool more;
};

/* *dst = *src, copying only the members src holds: a struct copy moves
 * all CANON_TOP_MAX of them (528 bytes, nine cache lines, where a hook's
 * answer has three members), once per message, and with caches cold
 * between two hook calls each line is a miss. */
void canon_top_copy(struct canon_top *dst, const struct canon_top *src);

/* canon_json(), also filling *top (may be NULL). */
int canon_json_top(const char *in, size_t len, unsigned max_depth,
		   struct buf *out, struct canon_top *top, struct canon_err *err);

/* canon_json_top() with text[0..len) rewritten in place: on success its
 * first *outlen bytes are the canonical form (offsets in *top relative to
 * text); on failure text's contents are unspecified. Saves the copy of a
 * large message: the relay forwards it from the buffer it was read into. */
int canon_json_inplace(char *text, size_t len, unsigned max_depth,
		       size_t *outlen, struct canon_top *top, struct canon_err *err);

/* The same validation and in-place rewriting for a message that arrives
 * in pieces, so a big one is checked as it is read rather than scanned
 * again once it is whole. Each call goes on where the last stopped: the
 * bytes already judged are not read again (a number or literal cut short
 * waits as a run scanned once; an escape or UTF-8 sequence cut short, for
 * its few bytes), so the work is linear however the message is chunked.
 * Outcomes, errors and output are exactly canon_json_inplace()'s on the
 * whole message (differential test), except that what follows the
 * top-level object is not examined: it is the next message. */
enum canon_step {
	CANON_MORE,	/* everything here is consistent: call again with more */
	CANON_DONE,	/* the message ended at text[*inlen - 1] ('}') */
	CANON_FAILED,	/* not strict JSON: *err says why and where */
};

struct canon_stream;
struct canon_stream *canon_stream_new(unsigned max_depth);
void canon_stream_free(struct canon_stream *s);
/* text[0..avail) is the message so far (it starts at its '{'; whitespace
 * before it is allowed), avail never smaller than at the last call, and
 * its first bytes as this call's predecessors left them: text may be at
 * another address (the caller's buffer grew). On CANON_DONE the first
 * *outlen bytes of text are the canonical form, *top its members (offsets
 * relative to text), *inlen the input bytes the message took; after
 * CANON_DONE or CANON_FAILED the stream starts a new message. */
enum canon_step canon_stream_feed(struct canon_stream *s, char *text,
				  size_t avail, size_t *inlen, size_t *outlen,
				  struct canon_top *top, struct canon_err *err);
/* One call of a stream's parse over the bytes there are, with the
 * canonical text appended to out instead of written over the input (which
 * stays as it was: a caller that must still read the raw bytes, to find
 * where an invalid message ends or to sniff its id, can). CANON_DONE: the
 * message took in[0..*inlen), out grew by its canonical form, *top holds
 * its members (offsets relative to where it starts in out); CANON_MORE:
 * in[0..avail) is a consistent but unfinished message; CANON_FAILED: *err
 * says why. Out grows only on CANON_DONE. */
enum canon_step canon_json_prefix(const char *in, size_t avail, unsigned max_depth,
				  struct buf *out, size_t *inlen, struct canon_top *top,
				  struct canon_err *err);

/* canon_json_prefix() that writes nothing anywhere while the message is
 * its own canonical form, as lightningd's compact JSON is: on CANON_DONE
 * with *in_place, in[0..*outlen) (== *inlen) is the canonical text, out
 * is untouched and *top's offsets are relative to in; without, the
 * canonical text was appended to out, as canon_json_prefix() does. The
 * bytes of in are never changed (while output and input agree, each
 * byte is written over itself; where they first differ, the output so
 * far is copied to out and goes on there), so a caller can still read the
 * raw bytes of a message that fails. Same verdicts, errors and text as
 * canon_json_prefix(). */
enum canon_step canon_json_prefix_lazy(char *in, size_t avail, unsigned max_depth,
				       struct buf *out, size_t *inlen, size_t *outlen,
				       bool *in_place, struct canon_top *top,
				       struct canon_err *err);

/* Bytes of string, number and literal text the scanners have examined in
 * all messages so far (a test's measure of rescanning). */
size_t canon_stream_work(const struct canon_stream *s);

#endif
