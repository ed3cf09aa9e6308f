/* fuzz-framer.c - libFuzzer target for framer.c (also replayed over its
 * corpus by `make check`). Invariants, abort() on violation:
 *  - fed whole or in arbitrary chunk sizes, the framer yields the same
 *    sequence of results (frames, lenient TOO_BIG prefixes, final error);
 *  - a READY frame starts with '{', ends with '}' or ']', fits the cap, and
 *    fed alone to a fresh framer comes back as exactly itself;
 *  - no byte is examined twice; memory held stays bounded;
 *  - handing a frame over (framer_take, used for every other frame) gives
 *    exactly its bytes and changes nothing that follows;
 *  - FRAMER_CANON with frames offloaded (framer_offload_begin, judged
 *    here in line at the schedule's moments, sometimes handed back
 *    unfinished) yields what FRAMER_CANON fed whole yields, and the
 *    frame's bytes never move while away;
 *  - FRAMER_HOST, whole or chunked, yields what FRAMER_LENIENT yields once
 *    every frame is read as the gate reads it (canonical if strict JSON),
 *    and a frame it calls canonical is exactly canon_json's output; one
 *    handed over (framer_take_canonical, every other canonical frame)
 *    gives exactly its text and changes nothing that follows. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "framer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *fuzz_target_name(void);

const char *fuzz_target_name(void)
{
	return "fuzz-framer";
}

#define MAX_FRAME 512
#define MAX_DEPTH 16

static void check(bool cond)
{
	if (!cond)
		abort();
}

/* Append one result to the event log. */
static void record(struct buf *log, enum frame_rc rc, const char *m, size_t len)
{
	char hdr[1 + sizeof(size_t)];
	hdr[0] = (char)rc;
	memcpy(hdr + 1, &len, sizeof(len));
	buf_append(log, hdr, sizeof(hdr));
	buf_append(log, m, len);
}

/* Drain every available result; returns false once the stream is dead. */
static bool drain(struct framer *f, struct buf *log, size_t pushed)
{
	char *m;
	size_t len;

	for (;;) {
		enum frame_rc rc = framer_next(f, &m, &len);
		check(f->examined <= pushed);
		switch (rc) {
		case FRAME_NEED_MORE:
			return true;
		case FRAME_READY:
			check(len >= 2 && len <= MAX_FRAME && m[0] == '{' &&
			      (m[len - 1] == '}' || m[len - 1] == ']'));
			if (framer_canon_top(f)) {	/* the canonical form, exactly */
				struct buf c;
				buf_init(&c);
				check(canon_json(m, len, MAX_DEPTH, &c, NULL) == 0 && c.len == len &&
				      memcmp(buf_head(&c), m, len) == 0);
				buf_free(&c);
			}
			record(log, rc, m, len);
			if (len % 2 && f->mode != FRAMER_HOST) {
				struct buf out;
				buf_init(&out);
				size_t keep = len - (len / 3);
				framer_take(f, keep, &out);
				check(out.len == keep && memcmp(buf_head(&out),
				      buf_head(log) + log->len - len, keep) == 0);
				buf_free(&out);
			} else if (len % 2 && framer_canon_top(f)) {
				/* handed over as the gate hands it: the text
				 * exactly, and nothing after it changed (the
				 * comparison with FRAMER_LENIENT sees the rest) */
				struct buf out;
				buf_init(&out);
				buf_append(&out, "x", 1);
				buf_consume(&out, 1);
				if (framer_take_canonical(f, m, len, &out))
					check(out.len == len && memcmp(buf_head(&out),
					      buf_head(log) + log->len - len, len) == 0);
				else
					check(out.len == 0);
				framer_consume(f);
				buf_free(&out);
			} else {
				framer_consume(f);
			}
			break;
		case FRAME_TOO_BIG:
			if (f->mode != FRAMER_LENIENT && f->mode != FRAMER_HOST) {	/* final */
				record(log, rc, NULL, 0);
				return false;
			}
			check(len > 0 && len <= FRAMER_PREFIX_KEEP && m[0] == '{');
			record(log, rc, m, len);
			framer_consume(f);
			break;
		case FRAME_TOO_DEEP:
		case FRAME_SYNTAX:
			check(framer_buffered(f) == 0);
			record(log, rc, NULL, 0);
			return false;
		}
	}
}

/* The offloaded frame's verdict, as the relay's thread would give it;
 * handed back if it is final, if nothing more comes, or if `back`. */
static void judge(struct framer *f, const struct framer_offload *job, bool last, bool back)
{
	struct framer_verdict v;
	memset(&v, 0, sizeof(v));
	check(f->in.data + f->in.start == job->text);
	v.avail = framer_offload_avail(f);
	v.st = canon_stream_feed(job->stream, job->text, v.avail, &v.inlen, &v.outlen,
				 &v.top, &v.err);
	if (v.st != CANON_MORE || last || back)
		framer_offload_end(f, &v);
}

static void run(enum framer_mode mode, const uint8_t *data, size_t size,
		const uint8_t *sched, size_t nsched, struct buf *log, bool offload)
{
	struct framer f;
	struct framer_offload job;
	size_t off = 0, k = 0;

	framer_init(&f, mode, MAX_FRAME, MAX_DEPTH);
	while (off < size) {
		size_t chunk = nsched ? 1u + sched[k++ % nsched] % 64u : size;
		if (chunk > size - off)
			chunk = size - off;
		if (framer_offloaded(&f) && framer_offload_full(&f)) {
			judge(&f, &job, true, false);	/* nothing is read past the cap */
			if (!drain(&f, log, off))
				break;
		}
		if (k % 2) {
			framer_push(&f, (const char *)data + off, chunk);
		} else {	/* the read(2)-style path */
			memcpy(framer_tail(&f, chunk), data + off, chunk);
			framer_commit(&f, chunk);
		}
		off += chunk;
		uint8_t s = nsched ? sched[k % nsched] : 0;
		if (framer_offloaded(&f) && (s & 3) != 0)
			judge(&f, &job, off == size, (s & 3) == 3);
		bool alive = drain(&f, log, off);
		/* whitespace and skipped tails are never kept */
		check(framer_buffered(&f) <= MAX_FRAME + 64);
		if (!alive)
			break;
		if (offload && !framer_offloaded(&f) && off < size)
			framer_offload_begin(&f, 1u + (s >> 4), 64, &job);
	}
	if (framer_offloaded(&f)) {
		judge(&f, &job, true, false);
		drain(&f, log, off);
	}
	check(!framer_offloaded(&f));
	framer_free(&f);
}

/* The record at *p of a log (see record()): its result, and its bytes
 * at *m, *len; *p moves past it. */
static enum frame_rc next_record(const char **p, const char **m, size_t *len)
{
	enum frame_rc rc = (enum frame_rc)(*p)[0];
	memcpy(len, *p + 1, sizeof(*len));
	*m = *p + 1 + sizeof(*len);
	*p = *m + *len;
	return rc;
}

/* Each frame, on its own, frames as exactly itself. */
static void check_frames_alone(enum framer_mode mode, const struct buf *log)
{
	if (!log->len)
		return;		/* buf_head() of an empty buf is NULL + 0 */
	const char *p = buf_head(log), *end = p + log->len;
	while (p < end) {
		const char *m;
		size_t len;
		if (next_record(&p, &m, &len) == FRAME_READY) {
			struct framer f;
			char *m2;
			size_t len2;
			framer_init(&f, mode, MAX_FRAME, MAX_DEPTH);
			framer_push(&f, m, len);
			check(framer_next(&f, &m2, &len2) == FRAME_READY && len2 == len &&
			      memcmp(m, m2, len) == 0);
			framer_consume(&f);
			check(framer_next(&f, &m2, &len2) == FRAME_NEED_MORE);
			framer_free(&f);
		}
	}
}

/* A log with every frame as the gate reads it: canonical when it is
 * strict JSON, as it came otherwise. */
static void normalise(const struct buf *log, struct buf *out)
{
	if (!log->len)
		return;
	const char *p = buf_head(log), *end = p + log->len;
	while (p < end) {
		const char *m;
		size_t len;
		enum frame_rc rc = next_record(&p, &m, &len);
		struct buf c;
		buf_init(&c);
		if (rc != FRAME_READY || canon_json(m, len, MAX_DEPTH, &c, NULL) < 0)
			buf_append(&c, m, len);
		record(out, rc, buf_head(&c), c.len);
		buf_free(&c);
	}
}

static void check_same(const struct buf *a, const struct buf *b)
{
	check(a->len == b->len && (!a->len || memcmp(buf_head(a), buf_head(b), a->len) == 0));
}

/* FRAMER_HOST against FRAMER_LENIENT, fed whole and by the schedule. */
static void host_vs_lenient(const uint8_t *data, size_t size, const uint8_t *sched,
			    size_t nsched)
{
	struct buf logs[4], norm[4];
	for (int i = 0; i < 4; i++) {
		buf_init(&logs[i]);
		buf_init(&norm[i]);
		run(i < 2 ? FRAMER_LENIENT : FRAMER_HOST, data, size,
		    i % 2 ? sched : NULL, i % 2 ? nsched : 0, &logs[i], false);
		normalise(&logs[i], &norm[i]);
	}
	check_same(&norm[0], &norm[2]);
	check_same(&norm[1], &norm[3]);
	for (int i = 0; i < 4; i++) {
		buf_free(&logs[i]);
		buf_free(&norm[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first bytes are the chunk schedule for the second run. */
	size_t nsched = size ? data[0] % 8 + 1 : 0;
	if (nsched > size)
		nsched = size;
	const uint8_t *sched = data;

	for (int mode = 0; mode < 2; mode++) {
		struct buf whole, chunked;
		buf_init(&whole);
		buf_init(&chunked);
		run((enum framer_mode)mode, data, size, NULL, 0, &whole, false);
		run((enum framer_mode)mode, data, size, sched, nsched, &chunked, false);
		check(whole.len == chunked.len && (!whole.len ||
		      memcmp(buf_head(&whole), buf_head(&chunked), whole.len) == 0));
		check_frames_alone((enum framer_mode)mode, &whole);
		buf_free(&whole);
		buf_free(&chunked);
	}
	struct buf whole, away;
	buf_init(&whole);
	buf_init(&away);
	run(FRAMER_CANON, data, size, NULL, 0, &whole, false);
	run(FRAMER_CANON, data, size, sched, nsched, &away, true);
	check(whole.len == away.len && (!whole.len ||
	      memcmp(buf_head(&whole), buf_head(&away), whole.len) == 0));
	check_frames_alone(FRAMER_CANON, &whole);
	buf_free(&whole);
	buf_free(&away);
	host_vs_lenient(data, size, sched, nsched);
	return 0;
}
