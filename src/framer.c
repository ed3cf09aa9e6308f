/* framer.c - split a byte stream into whole top-level JSON objects.
 *
 * Contract: include/framer.h. Strict and lenient modes find a frame's end
 * with jsbound.c (strings, escapes, bracket depth); they do not validate
 * JSON (canon.c does). Every byte is
 * examined exactly once however the stream is chunked: the scan position is
 * kept across calls (relative to the buffer head), so feeding a large frame
 * one byte at a time stays O(n). f->examined counts the bytes examined so
 * the unit test can prove that without timing anything.
 *
 * Must not: use jansson, do I/O, log or exit (but abort() when a caller
 * would move an offloaded frame's bytes), or hold more than one frame
 * (plus the caller's unconsumed pushes) in memory. Whitespace between frames
 * is dropped as soon as it is seen, and the tail of an oversized lenient
 * frame is discarded as it arrives.
 *
 * FRAMER_CANON hands the scanning to canon_stream (canon.c): the frame is
 * validated and canonicalised in place while it arrives, and ends where
 * its top-level object closes; the size cap and the final errors are the
 * strict mode's. FRAMER_HOST first tries the same on a frame that is whole
 * at its start (host_frame_whole), into a buffer of its own, and scans
 * only when that does not find a valid frame within the cap.
 *
 * Called by the relay (one framer per direction); fuzzed by fuzz-framer.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "framer.h"

void framer_init(struct framer *f, enum framer_mode mode, size_t max,
		 unsigned max_depth)
{
	memset(f, 0, sizeof(*f));
	buf_init(&f->in);
	f->mode = mode;
	f->max = max;
	f->max_depth = max_depth;
	if (mode == FRAMER_CANON)
		f->canon = canon_stream_new(max_depth);
}

void framer_free(struct framer *f)
{
	buf_free(&f->in);
	buf_free(&f->canon_out);
	canon_stream_free(f->canon);
	f->canon = NULL;
}

void framer_push(struct framer *f, const char *data, size_t n)
{
	if (f->failed)
		return;		/* the stream is finished: keep nothing */
	buf_append(&f->in, data, n);
}

char *framer_tail(struct framer *f, size_t want)
{
	/* While another thread validates the frame, its bytes must not move
	 * (the caller's side of framer_offload_begin's contract). */
	if (f->offload == OFFLOAD_AWAY && f->in.start + f->in.len + want > f->in.cap)
		abort();
	return buf_tail(&f->in, want);
}

void framer_commit(struct framer *f, size_t n)
{
	buf_commit(&f->in, n);
	if (f->failed)
		buf_consume(&f->in, f->in.len);
}

const char *framer_why(const struct framer *f)
{
	return f->why ? f->why : "";
}

size_t framer_buffered(const struct framer *f)
{
	return f->in.len;
}

/* A final error: drop everything buffered and refuse further input. */
static enum frame_rc framer_fail(struct framer *f, enum frame_rc rc,
				 const char *why)
{
	f->failed = true;
	f->fail_rc = rc;
	f->why = why;
	f->returned = false;
	f->canonical = false;
	f->scan = 0;
	buf_free(&f->in);
	buf_free(&f->canon_out);
	return rc;
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A frame is returned: framer_pending() hands it out until it is
 * consumed or taken; canonical when its bytes are canonical text. */
static void frame_returned(struct framer *f, bool canonical)
{
	f->returned = true;
	f->canonical = canonical;
	f->frames++;
}

/* What framer_next() hands out again if called before framer_consume(). */
static enum frame_rc framer_pending(struct framer *f, char **msg,
				    size_t *len)
{
	if (f->canonical && f->mode == FRAMER_HOST && !f->in_place) {
		*msg = f->canon_out.data + f->canon_out.start;
		*len = f->canon_len;
		return FRAME_READY;
	}
	*msg = f->in.data + f->in.start + f->begin;
	if (f->skipping) {
		*len = f->scan - f->begin;
		if (*len > FRAMER_PREFIX_KEEP)
			*len = FRAMER_PREFIX_KEEP;
		return FRAME_TOO_BIG;
	}
	*len = f->canonical ? f->canon_len : f->ret_len - f->begin;
	return FRAME_READY;
}

/* The input's storage, the returned frame at its head, goes to out with
 * its first keep bytes; what followed the frame is copied into `rest`,
 * which the framer goes on with. The frame is consumed. */
static void hand_head(struct framer *f, struct buf rest, size_t keep, struct buf *out)
{
	buf_append(&rest, buf_head(&f->in) + f->ret_len, f->in.len - f->ret_len);
	/* The frame starts at the head: whitespace before it is consumed as
	 * soon as the frame starts (begin is 0). */
	*out = f->in;
	out->start += f->begin;
	out->len = keep;
	f->in = rest;
	f->returned = false;
	f->canonical = false;
	f->in_place = false;
	f->scan -= f->ret_len;
	f->ret_len = 0;
}

bool framer_take_canonical(struct framer *f, const char *canon, size_t len, struct buf *dst)
{
	if (f->mode != FRAMER_HOST || !f->returned || !f->canonical || dst->len || dst->lent ||
	    len != f->canon_len)
		return false;
	if (!f->in_place) {	/* canon_out holds canon_len bytes: the text */
		if (canon != buf_head(&f->canon_out))
			return false;
		struct buf t = *dst;
		*dst = f->canon_out;
		f->canon_out = t;
		f->handed++;
		return true;
	}
	/* The text is where it was read, at the head of the input: dst takes
	 * that storage and the framer keeps what followed the frame, in dst's
	 * old storage. Only when what followed is shorter than the frame (a
	 * lone message and its "\n\n"): a batch of small messages would
	 * otherwise move its rest once per message. */
	size_t rest = f->in.len - f->ret_len;
	if (canon != buf_head(&f->in) || rest >= len)
		return false;
	hand_head(f, *dst, len, dst);
	f->handed++;
	return true;
}

const struct canon_top *framer_canon_top(const struct framer *f)
{
	return f->returned && f->canonical ? &f->top : NULL;
}

/* FRAMER_HOST, at a frame's first byte (the head): lightningd writes each
 * message whole, so it is usually all here, and validating it finds its
 * end as the scan would, in the same pass that canonicalises it. It is
 * usually its own canonical form too (lightningd writes compact JSON), and
 * then the text stays where it was read: nothing is written anywhere
 * (canon_json_prefix_lazy). Otherwise the output goes to canon_out, never
 * over the input: a frame that turns out unfinished, invalid or over the
 * cap is then framed by the scan from its first byte, raw, exactly as
 * FRAMER_LENIENT frames it. Validating is tried once per frame, so what
 * it examined in vain is at most what was buffered at the frame's start
 * (f->retried). */
static bool host_frame_whole(struct framer *f)
{
	size_t avail = f->in.len < f->max ? f->in.len : f->max;
	size_t inlen = 0, outlen = 0;
	bool in_place = false;
	struct canon_err err;

	/* canon_out is empty here: framer_consume() empties it, and a try
	 * that finds no frame leaves it so. */
	enum canon_step st = canon_json_prefix_lazy(f->in.data + f->in.start, avail, f->max_depth,
						    &f->canon_out, &inlen, &outlen, &in_place,
						    &f->top, &err);
	if (st != CANON_DONE) {
		f->retried += st == CANON_FAILED && err.offset < avail ? err.offset + 1 : avail;
		return false;
	}
	f->examined += inlen;
	f->whole++;
	f->as_read += in_place;
	f->in_place = in_place;
	f->canon_len = outlen;
	f->scan = f->ret_len = inlen;
	f->started = false;
	frame_returned(f, true);
	return true;
}

/* What the stream's verdict on the frame's first `avail` bytes means. */
static enum frame_rc canon_verdict(struct framer *f, enum canon_step st, size_t avail,
				   size_t inlen, size_t outlen, const struct canon_err *errp,
				   char **msg, size_t *len)
{
	f->examined = canon_stream_work(f->canon);
	switch (st) {
	case CANON_MORE:
		if (avail >= f->max)
			return framer_fail(f, FRAME_TOO_BIG, "JSON message too big");
		f->scan = avail;
		return FRAME_NEED_MORE;
	case CANON_FAILED:
		snprintf(f->why_buf, sizeof(f->why_buf), "%s at byte %zu", errp->why, errp->offset);
		return framer_fail(f, errp->rc == CANON_DEPTH ? FRAME_TOO_DEEP : FRAME_SYNTAX,
				   f->why_buf);
	case CANON_DONE:
		break;
	}
	f->started = false;
	f->scan = f->ret_len = inlen;
	f->canon_len = outlen;
	frame_returned(f, true);
	return framer_pending(f, msg, len);
}

/* FRAMER_CANON: the scan is canon_stream's; the frame starts at the head
 * (begin is 0) once its '{' is seen. */
static enum frame_rc framer_next_canon(struct framer *f, char **msg, size_t *len)
{
	if (!f->started) {
		const char *p = buf_head(&f->in);
		size_t i = 0, n = f->in.len;
		while (i < n && is_ws((unsigned char)p[i]))
			i++;
		f->examined += i;
		buf_consume(&f->in, i);
		if (i == n) {
			f->scan = 0;
			return FRAME_NEED_MORE;
		}
		if (p[i] != '{')
			return framer_fail(f, FRAME_SYNTAX, "top-level value is not an object");
		f->begin = 0;
		f->started = true;
	}
	/* Never judge more than the cap: a frame not closed within it is
	 * too big, whatever follows. */
	size_t avail = framer_offload_avail(f);
	size_t inlen = 0, outlen = 0;
	struct canon_err err = { 0 };
	enum canon_step st = canon_stream_feed(f->canon, f->in.data + f->in.start, avail,
					       &inlen, &outlen, &f->top, &err);
	return canon_verdict(f, st, avail, inlen, outlen, &err, msg, len);
}

enum frame_rc framer_next(struct framer *f, char **msg, size_t *len)
{
	*msg = NULL;
	*len = 0;
	if (f->failed)
		return f->fail_rc;
	if (f->returned)
		return framer_pending(f, msg, len);
	if (f->offload == OFFLOAD_AWAY)
		return FRAME_NEED_MORE;
	if (f->offload == OFFLOAD_BACK) {
		const struct framer_verdict *v = &f->verdict;
		f->offload = OFFLOAD_NONE;
		if (v->st == CANON_DONE)
			canon_top_copy(&f->top, &v->top);
		return canon_verdict(f, v->st, v->avail, v->inlen, v->outlen, &v->err, msg, len);
	}

	if (f->scan >= f->in.len)
		return FRAME_NEED_MORE;	/* nothing new (and in.data may be NULL) */
	if (f->mode == FRAMER_CANON)
		return framer_next_canon(f, msg, len);

	const char *p = buf_head(&f->in);
	size_t n = f->in.len, i = f->scan;
	const bool strict = f->mode == FRAMER_STRICT;

	while (i < n) {
		if (!f->started) {
			size_t j = i;
			while (j < n && is_ws((unsigned char)p[j]))
				j++;
			f->examined += j - i;
			i = j;
			if (i == n)
				break;
			if (p[i] != '{')
				return framer_fail(f, FRAME_SYNTAX,
						   "top-level value is not an object");
			/* Drop the whitespace before the frame. */
			buf_consume(&f->in, i);
			p = buf_head(&f->in);
			n = f->in.len;
			i = 0;
			f->begin = 0;
			f->started = true;
			f->bnd = (struct jsbound){ 0 };
			if (f->mode == FRAMER_HOST && host_frame_whole(f))
				return framer_pending(f, msg, len);
		}
		/* Never scan past the cap: a frame not closed within it is too
		 * big, whatever follows (the lenient skip goes on to its end). */
		size_t lim = f->skipping || f->begin + f->max > n ? n : f->begin + f->max;
		size_t from = i;
		enum jsbound_stop st = jsbound_scan(&f->bnd, p, &i, lim,
						    strict ? f->max_depth : SIZE_MAX);
		f->examined += i - from;
		switch (st) {
		case JSBOUND_TOO_DEEP:
			return framer_fail(f, FRAME_TOO_DEEP, "JSON nesting too deep");
		case JSBOUND_CLOSED:
			f->started = false;
			if (f->skipping) {
				/* End of an oversized frame: resync. */
				f->skipping = false;
				buf_consume(&f->in, i);
				p = buf_head(&f->in);
				n = f->in.len;
				i = 0;
				continue;
			}
			f->scan = f->ret_len = i;
			frame_returned(f, false);
			return framer_pending(f, msg, len);
		case JSBOUND_MORE:
			break;
		}
		if (!f->skipping && i - f->begin >= f->max) {
			/* Not complete at max bytes, so longer than max. */
			if (strict)
				return framer_fail(f, FRAME_TOO_BIG,
						   "JSON message too big");
			f->why = "JSON message too big: skipped";
			f->skipping = true;
			f->scan = i;
			frame_returned(f, false);
			return framer_pending(f, msg, len);
		}
	}
	if (!f->started || f->skipping) {
		/* Whitespace, or the tail of a skipped frame: nothing to keep. */
		buf_consume(&f->in, n);
		i = 0;
	}
	f->scan = i;
	return FRAME_NEED_MORE;
}

void framer_consume(struct framer *f)
{
	if (!f->returned)
		return;
	f->returned = false;
	f->canonical = false;
	f->in_place = false;
	buf_consume(&f->canon_out, f->canon_out.len);
	buf_trim(&f->canon_out);
	if (f->skipping) {
		buf_consume(&f->in, f->scan);	/* the prefix and all scanned */
		f->scan = 0;
		return;
	}
	buf_consume(&f->in, f->ret_len);
	f->scan -= f->ret_len;
	f->ret_len = 0;
	if (f->in.len == 0)
		buf_trim(&f->in);	/* scan is 0 too: nothing points into it */
}

void framer_take(struct framer *f, size_t keep, struct buf *out)
{
	if (!f->returned || f->skipping || keep > f->ret_len - f->begin ||
	    f->mode == FRAMER_HOST)
		return;		/* nothing whole to hand over (see the contract) */
	struct buf rest;
	buf_free(out);
	buf_init(&rest);
	hand_head(f, rest, keep, out);
}

size_t framer_offload_avail(const struct framer *f)
{
	return f->in.len < f->max ? f->in.len : f->max;
}

bool framer_offload_full(const struct framer *f)
{
	return f->in.len >= f->max;
}

bool framer_offloaded(const struct framer *f)
{
	return f->offload == OFFLOAD_AWAY;
}

bool framer_offload_begin(struct framer *f, size_t at, size_t read_ahead,
			  struct framer_offload *job)
{
	if (f->mode != FRAMER_CANON || f->failed || f->returned || !f->started ||
	    f->offload != OFFLOAD_NONE || f->in.len < at || framer_offload_full(f))
		return false;
	/* The frame is at the head (begin is 0): with room for the cap and
	 * one more read, no read while it is away moves it. */
	if (!buf_reserve(&f->in, f->max + read_ahead))
		return false;
	f->offload = OFFLOAD_AWAY;
	job->stream = f->canon;
	job->text = f->in.data + f->in.start;
	job->avail = framer_offload_avail(f);
	job->room = f->in.cap - f->in.start;
	return true;
}

void framer_offload_end(struct framer *f, const struct framer_verdict *v)
{
	if (f->offload != OFFLOAD_AWAY)
		return;
	f->verdict = *v;
	f->offload = OFFLOAD_BACK;
}
