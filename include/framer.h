/* framer.h - split a byte stream into whole top-level JSON objects.
 * Pure and incremental: every byte is scanned once, however the stream is
 * chunked, so a 50 MB message fed one byte at a time stays O(n). Strict and
 * lenient modes track only strings, escapes and bracket depth (jsbound.c,
 * like lightningd's jsmn use) and leave validation to canon.c; FRAMER_CANON
 * frames by validating: each frame is canonicalised in place as its bytes
 * arrive (canon_stream), so a big message is read once, not framed and
 * then parsed again. No jansson, no I/O. Fuzzed: fuzz-framer.c */
#ifndef PR_FRAMER_H
#define PR_FRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "canon.h"
#include "jsbound.h"

enum framer_mode {
	FRAMER_STRICT,	/* plugin side: over-deep or oversized ends the stream */
	FRAMER_LENIENT,	/* oversized frames are skipped, not fatal */
	FRAMER_HOST,	/* host side: FRAMER_LENIENT, and a frame that is
			 * already whole when its first bytes are examined is
			 * framed by validating it: handed out canonical, one
			 * pass (framer_canon_top() says so). Any other frame,
			 * valid or not, comes raw, as in FRAMER_LENIENT. */
	FRAMER_CANON,	/* plugin side: FRAMER_STRICT, and every frame is
			 * strict JSON, handed out canonical (invalid JSON is
			 * FRAME_SYNTAX, or FRAME_TOO_DEEP, and final) */
};

enum frame_rc {
	FRAME_NEED_MORE,	/* no complete frame buffered yet */
	FRAME_READY,		/* *msg,*len is one whole top-level object */
	FRAME_TOO_BIG,		/* frame exceeds max (see framer_next) */
	FRAME_TOO_DEEP,		/* nesting exceeds max_depth (strict mode only) */
	FRAME_SYNTAX,		/* not an object at top level: stream is unusable */
};

#define FRAMER_PREFIX_KEEP 4096	/* bytes of an oversized host frame kept */

/* FRAMER_CANON: the rest of one frame's validation, done elsewhere (the
 * relay's second thread, canonworker.c) while more of it is read. */
struct framer_offload {
	struct canon_stream *stream;
	char *text;		/* the frame's first byte: it stays put */
	size_t avail;		/* bytes of it there now, at most the cap */
	size_t room;		/* bytes from text on that are reserved */
};

/* What canon_stream_feed(stream, text, avail, ...) last returned there. */
struct framer_verdict {
	enum canon_step st;
	size_t avail, inlen, outlen;
	struct canon_top top;
	struct canon_err err;
};

enum framer_offload_state { OFFLOAD_NONE, OFFLOAD_AWAY, OFFLOAD_BACK };

struct framer {
	struct buf in;
	enum framer_mode mode;
	size_t max;		/* size cap of one frame, in bytes */
	unsigned max_depth;
	/* scan state, relative to in.start */
	size_t scan;		/* bytes of the buffered data already scanned */
	size_t begin;		/* offset of the frame's '{' (valid if started) */
	struct jsbound bnd;	/* where the scan is inside the frame */
	bool started;
	bool skipping;		/* lenient: discarding the rest of an oversized frame */
	bool returned;		/* a frame was returned and not yet consumed */
	size_t ret_len;		/* bytes to consume for the returned frame */
	const char *why;	/* reason for the last error */
	bool failed;		/* a final error was returned: see fail_rc */
	enum frame_rc fail_rc;
	size_t examined;	/* bytes ever examined by the scanner (tests
				 * assert it stays <= bytes pushed: no rescans) */
	size_t frames;		/* frames returned (FRAME_READY or _TOO_BIG), ever */
	size_t whole;		/* FRAMER_HOST: of those, framed by their
				 * validation in one pass */
	size_t as_read;		/* FRAMER_HOST: of those, canonical as read
				 * (validated in place, nothing written) */
	size_t handed;		/* FRAMER_HOST: of those, canonical text
				 * handed over by framer_take_canonical() */
	size_t retried;		/* FRAMER_HOST: bytes a validation examined
				 * that the scan then examined again (a frame
				 * not whole at first sight, or invalid): at
				 * most what was buffered at each frame's start */
	/* FRAMER_CANON: the frame's validation so far, and once it is
	 * returned, its canonical length and top-level members */
	struct canon_stream *canon;
	size_t canon_len;
	struct canon_top top;
	bool canonical;		/* the returned frame is canonical, top valid */
	bool in_place;		/* FRAMER_HOST: and its text is where it was read */
	struct buf canon_out;	/* FRAMER_HOST: a returned frame's canonical
				 * text, when it is not the bytes as read */
	char why_buf[160];
	enum framer_offload_state offload;
	struct framer_verdict verdict;	/* OFFLOAD_BACK: to be acted on */
};

void framer_init(struct framer *f, enum framer_mode mode, size_t max,
		 unsigned max_depth);
void framer_free(struct framer *f);

/* Feed bytes: either copy them in, or read(2) straight into framer_tail()
 * and then framer_commit() the count. */
void framer_push(struct framer *f, const char *data, size_t n);
char *framer_tail(struct framer *f, size_t want);
void framer_commit(struct framer *f, size_t n);

/* Next frame. On FRAME_READY, *msg, *len point into the framer's buffer and
 * stay valid until framer_consume() or the next push; the caller may
 * rewrite those bytes (canonicalise them in place) and then hand the
 * storage on with framer_take(). Leading whitespace
 * (space, tab, CR, LF) between frames is skipped.
 * FRAME_TOO_BIG in lenient mode: *msg, *len hold the frame's first
 * FRAMER_PREFIX_KEEP bytes, or max if smaller (so the caller can sniff its id); call
 * framer_consume() and the framer silently discards the rest of that frame
 * and then carries on. In strict mode TOO_BIG, TOO_DEEP and SYNTAX are final
 * (SYNTAX in lenient mode too): later input is dropped, nothing is kept. */
enum frame_rc framer_next(struct framer *f, char **msg, size_t *len);
void framer_consume(struct framer *f);
/* framer_consume() that hands the frame over instead of dropping it: out
 * (its own storage freed first) receives the framer's storage, holding the
 * returned frame's first `keep` bytes (keep <= its length); whatever
 * followed the frame stays with the framer, in new storage. Does nothing
 * when no whole frame is returned. So a big message that is
 * forwarded is never copied (only the bytes after it are, fewer than one
 * read). */
void framer_take(struct framer *f, size_t keep, struct buf *out);	/* not FRAMER_HOST */
/* FRAMER_HOST: a frame returned canonical sits either where it was read
 * (lightningd's compact JSON is its own canonical form) or alone in a
 * buffer of its own (canon_out). When the caller would copy exactly that
 * text (canon, len: *msg, *len of framer_next) into an empty dst, this
 * hands dst the storage instead: canon_out's, swapped with dst's; or the
 * input's, when what follows the frame there is shorter than the frame,
 * the framer keeping those bytes in dst's old storage. false, and nothing
 * changes, for anything else: a raw frame, other bytes, a dst holding
 * something or lent (its pages must never be written again, and the
 * framer would write them). Call framer_consume() after it as usual
 * (framer_next() before that does not hand the frame out again). */
bool framer_take_canonical(struct framer *f, const char *canon, size_t len, struct buf *dst);
const char *framer_why(const struct framer *f);
/* A frame returned canonical (always in FRAMER_CANON; in FRAMER_HOST when
 * it was whole at first sight and strict JSON): its bytes (*msg, *len of
 * framer_next) are its canonical form, and these its top-level members;
 * else NULL (a raw frame, for the caller to judge). */
const struct canon_top *framer_canon_top(const struct framer *f);
size_t framer_buffered(const struct framer *f);	/* bytes held */

/* Offloading (FRAMER_CANON). framer_offload_begin() hands out the current
 * frame's validation when framer_next() returned FRAME_NEED_MORE with at
 * least `at` bytes of an unfinished frame held; its buffer is first made
 * to hold the cap plus `read_ahead` without moving. false (and nothing
 * changes) otherwise, or if that memory cannot be had. Until
 * framer_offload_end(), nothing here touches the frame's bytes or the
 * stream: framer_next() returns FRAME_NEED_MORE, and framer_tail() may be
 * asked for at most read_ahead bytes while framer_offload_avail() is
 * below the cap (anything else would move the bytes: it is fatal).
 * framer_offload_end() takes the stream back with its last verdict, which
 * the next framer_next() acts on exactly as if it had made the call: a
 * frame, an error, or, for CANON_MORE, the frame goes on here. */
bool framer_offload_begin(struct framer *f, size_t at, size_t read_ahead,
			  struct framer_offload *job);
size_t framer_offload_avail(const struct framer *f);	/* bytes, capped */
bool framer_offload_full(const struct framer *f);	/* avail is the cap */
bool framer_offloaded(const struct framer *f);		/* begun, not ended */
void framer_offload_end(struct framer *f, const struct framer_verdict *v);

#endif
