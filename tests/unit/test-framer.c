/* test-framer.c - framer.c: boundaries, chunking, caps, lenient resync, and
 * proof (by the examined-bytes counter, not by timing) that it never
 * rescans. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "framer.h"
#include "tap.h"
#include "util.h"

#define BIG ((size_t)64 << 20)

/* Collected frames, joined by '|' (frames here contain no '|'). */
struct got {
	char s[8192];
	size_t n;
	int frames;
	enum frame_rc last;
};

static void drain(struct framer *f, struct got *g)
{
	char *m;
	size_t len;

	for (;;) {
		g->last = framer_next(f, &m, &len);
		if (g->last != FRAME_READY)
			return;
		if (g->n + len + 2 < sizeof(g->s)) {
			memcpy(g->s + g->n, m, len);
			g->n += len;
			g->s[g->n++] = '|';
			g->s[g->n] = 0;
		}
		g->frames++;
		framer_consume(f);
	}
}

static struct got feed(const char *in, size_t n, size_t chunk, enum framer_mode mode)
{
	struct framer f;
	struct got g = { .s = "" };

	framer_init(&f, mode, BIG, 64);
	for (size_t i = 0; i < n; i += chunk) {
		framer_push(&f, in + i, n - i < chunk ? n - i : chunk);
		drain(&f, &g);
	}
	framer_free(&f);
	return g;
}

static void test_basic(void)
{
	const char *in = "{\"a\":1}\n\n{\"b\":[2,{}]}\n\n{}\n\n";
	struct got g = feed(in, strlen(in), strlen(in), FRAMER_STRICT);
	is_int(g.frames, 3, "three frames in one chunk");
	is_str(g.s, "{\"a\":1}|{\"b\":[2,{}]}|{}|", "frames are exact, whitespace dropped");
	is_int(g.last, FRAME_NEED_MORE, "then NEED_MORE");

	in = "{\"a\":1}{\"b\":2}";
	g = feed(in, strlen(in), strlen(in), FRAMER_STRICT);
	is_str(g.s, "{\"a\":1}|{\"b\":2}|", "concatenated objects, no delimiter");

	in = " \t\r\n{\n  \"a\": [\n    1\n  ]\n}\n";
	g = feed(in, strlen(in), strlen(in), FRAMER_STRICT);
	is_str(g.s, "{\n  \"a\": [\n    1\n  ]\n}|", "pretty-printed frame kept whole");

	in = "{\"a\":\"}{]\\\"}\",\"b\":\"\\\\\"}{\"c\":\"\\\\\\\"{\"}";
	g = feed(in, strlen(in), strlen(in), FRAMER_STRICT);
	is_int(g.frames, 2, "braces in strings and escaped quotes: two frames");
	is_str(g.s, "{\"a\":\"}{]\\\"}\",\"b\":\"\\\\\"}|{\"c\":\"\\\\\\\"{\"}|",
	       "string-aware boundaries");

	in = "{\"a\":1";
	g = feed(in, strlen(in), 1, FRAMER_STRICT);
	is_int(g.frames, 0, "incomplete frame: nothing yet");
	is_int(g.last, FRAME_NEED_MORE, "incomplete frame: NEED_MORE");
}

/* Every split point of a multi-frame stream yields the same frames. */
static void test_every_split(void)
{
	const char *in = "\n{\"id\":1,\"s\":\"a}\\\"b\"}\n\n{\"x\":[{\"y\":\"]\"}]}{}";
	const char *want = "{\"id\":1,\"s\":\"a}\\\"b\"}|{\"x\":[{\"y\":\"]\"}]}|{}|";
	size_t n = strlen(in);
	int bad = 0;

	for (size_t k = 0; k <= n; k++) {
		struct framer f;
		struct got g = { .s = "" };
		framer_init(&f, FRAMER_STRICT, BIG, 64);
		framer_push(&f, in, k);
		drain(&f, &g);
		framer_push(&f, in + k, n - k);
		drain(&f, &g);
		if (strcmp(g.s, want) != 0 || framer_buffered(&f) != 0) {
			bad++;
			tap_diag("split at %zu: got %s", k, g.s);
		}
		framer_free(&f);
	}
	is_int(bad, 0, "all %zu split points give the same three frames", n + 1);
	struct got g = feed(in, n, 1, FRAMER_STRICT);
	is_str(g.s, want, "one byte at a time gives the same frames");
	g = feed(in, n, 7, FRAMER_LENIENT);
	is_str(g.s, want, "lenient mode, 7-byte chunks: same frames");
}

static void test_tail_commit_and_repeat(void)
{
	struct framer f;
	char *m, *m2;
	size_t len, len2;

	framer_init(&f, FRAMER_STRICT, BIG, 64);
	char *t = framer_tail(&f, 16);
	memcpy(t, "{\"a\":2}  {", 10);
	framer_commit(&f, 10);
	is_int(framer_next(&f, &m, &len), FRAME_READY, "tail/commit feeds the framer");
	is_int(framer_next(&f, &m2, &len2), FRAME_READY, "next again before consume");
	ok(m == m2 && len == len2 && len == 7, "returns the same frame again");
	framer_consume(&f);
	is_int(framer_next(&f, &m, &len), FRAME_NEED_MORE, "partial second frame");
	is_int(framer_buffered(&f), 1, "whitespace between frames is dropped");
	framer_free(&f);

	framer_init(&f, FRAMER_STRICT, BIG, 64);
	for (int i = 0; i < 1000; i++)
		framer_push(&f, " \n\r\t", 4);
	is_int(framer_next(&f, &m, &len), FRAME_NEED_MORE, "whitespace only: NEED_MORE");
	is_int(framer_buffered(&f), 0, "whitespace only: nothing buffered");
	framer_free(&f);
}

static void test_syntax(void)
{
	const char *bad[] = { "[1,2]", "\"x\"", "1", "x{}", "\xef\xbb\xbf{}", "}" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct framer f;
		char *m;
		size_t len;
		framer_init(&f, i % 2 ? FRAMER_LENIENT : FRAMER_STRICT, BIG, 64);
		framer_push(&f, bad[i], strlen(bad[i]));
		is_int(framer_next(&f, &m, &len), FRAME_SYNTAX, "top level '%s' is FRAME_SYNTAX", bad[i]);
		framer_push(&f, "{}", 2);
		is_int(framer_next(&f, &m, &len), FRAME_SYNTAX, "  and it is final");
		framer_free(&f);
	}
	struct got g = feed("{\"a\":1}\n[", 9, 9, FRAMER_STRICT);
	is_int(g.frames, 1, "good frame before garbage is delivered");
	is_int(g.last, FRAME_SYNTAX, "then FRAME_SYNTAX");
}

static void test_depth(void)
{
	const size_t depth = 100000;
	char *deep = xmalloc(depth + 1);
	struct framer f;
	char *m;
	size_t len;
	enum frame_rc rc = FRAME_NEED_MORE;
	size_t pushed = 0;

	deep[0] = '{';
	memset(deep + 1, '[', depth);
	framer_init(&f, FRAMER_STRICT, BIG, 64);
	for (size_t i = 0; i <= depth && rc == FRAME_NEED_MORE; i += 4096) {
		size_t n = depth + 1 - i < 4096 ? depth + 1 - i : 4096;
		framer_push(&f, deep + i, n);
		pushed += n;
		rc = framer_next(&f, &m, &len);
	}
	is_int(rc, FRAME_TOO_DEEP, "depth 100000 in strict mode: FRAME_TOO_DEEP");
	is_int(pushed, 4096, "  detected within the first 4 KiB chunk");
	ok(f.examined <= 66, "  only %zu bytes examined (cap 64)", f.examined);
	is_int(framer_buffered(&f), 0, "  nothing kept buffered");
	framer_push(&f, deep, 4096);
	is_int(framer_buffered(&f), 0, "  later input is not buffered");
	is_int(framer_next(&f, &m, &len), FRAME_TOO_DEEP, "  and the error is final");
	framer_free(&f);

	/* Exactly max_depth is fine. */
	framer_init(&f, FRAMER_STRICT, BIG, 3);
	framer_push(&f, "{\"a\":[{}]}", 10);
	is_int(framer_next(&f, &m, &len), FRAME_READY, "depth == max_depth accepted");
	framer_free(&f);
	framer_init(&f, FRAMER_STRICT, BIG, 3);
	framer_push(&f, "{\"a\":[{\"b\":[]}]}", 16);
	is_int(framer_next(&f, &m, &len), FRAME_TOO_DEEP, "depth == max_depth + 1 refused");
	framer_free(&f);

	/* Lenient (host side) does not cap depth. */
	framer_init(&f, FRAMER_LENIENT, BIG, 64);
	framer_push(&f, deep, depth + 1);
	memset(deep, ']', depth);
	deep[depth] = '}';
	framer_push(&f, deep, depth + 1);
	rc = framer_next(&f, &m, &len);
	is_int(rc, FRAME_READY, "lenient: depth 100000 is not capped");
	is_int(len, 2 * (depth + 1), "  whole frame returned");
	framer_free(&f);
	free(deep);
}

static void test_size(void)
{
	struct framer f;
	char *m;
	size_t len;
	char frame[101];

	memset(frame, 'x', sizeof(frame));
	memcpy(frame, "{\"a\":\"", 6);
	memcpy(frame + 98, "\"}", 2);	/* exactly 100 bytes */
	framer_init(&f, FRAMER_STRICT, 100, 64);
	framer_push(&f, frame, 100);
	is_int(framer_next(&f, &m, &len), FRAME_READY, "frame of exactly max bytes: READY");
	is_int(len, 100, "  100 bytes");
	framer_free(&f);

	memcpy(frame + 98, "x\"}", 3);	/* 101 bytes */
	framer_init(&f, FRAMER_STRICT, 100, 64);
	framer_push(&f, frame, 101);
	is_int(framer_next(&f, &m, &len), FRAME_TOO_BIG, "max + 1 bytes: TOO_BIG (strict)");
	framer_push(&f, "{}", 2);
	is_int(framer_next(&f, &m, &len), FRAME_TOO_BIG, "  final in strict mode");
	framer_free(&f);
}

/* Lenient: an oversized host frame yields its prefix, is discarded, and the
 * next frame comes through. */
static void test_lenient_too_big(void)
{
	const size_t body = 20000;
	size_t n = 0;
	char *in = xmalloc(body + 200);
	struct framer f;
	char *m;
	size_t len, maxbuf = 0;
	int big = 0, ready = 0;
	char prefix[64] = "", next[64] = "";

	n += (size_t)sprintf(in, "{\"id\":\"cln:x#1\",\"s\":\"");
	for (size_t i = 0; i < body; i++)
		in[n++] = i % 100 == 0 ? '}' : i % 101 == 0 ? '{' : 'y';
	n += (size_t)sprintf(in + n, "\\\"}\"}\n\n{\"id\":2}\n\n");

	framer_init(&f, FRAMER_LENIENT, 8192, 64);
	for (size_t i = 0; i < n; i += 1000) {
		framer_push(&f, in + i, n - i < 1000 ? n - i : 1000);
		for (;;) {
			enum frame_rc rc = framer_next(&f, &m, &len);
			if (rc == FRAME_TOO_BIG) {
				big++;
				if (len == FRAMER_PREFIX_KEEP)
					snprintf(prefix, sizeof(prefix), "%.15s", m);
			} else if (rc == FRAME_READY) {
				ready++;
				snprintf(next, sizeof(next), "%.*s", (int)len, m);
			} else {
				break;
			}
			framer_consume(&f);
		}
		if (framer_buffered(&f) > maxbuf)
			maxbuf = framer_buffered(&f);
	}
	is_int(big, 1, "lenient: one FRAME_TOO_BIG");
	is_str(prefix, "{\"id\":\"cln:x#1\"", "  with the frame's first 4096 bytes");
	is_int(ready, 1, "  then exactly one good frame (resync)");
	is_str(next, "{\"id\":2}", "  and it is the next frame");
	ok(maxbuf <= 8192 + 1000, "  buffer stays bounded while skipping (%zu)", maxbuf);
	ok(f.examined <= n, "  no byte examined twice (%zu <= %zu)", f.examined, n);
	framer_free(&f);
	free(in);
}

/* A 50 MB message fed one byte at a time: O(n) by construction, checked
 * with the examined-bytes counter rather than a clock. */
static void test_linear(void)
{
	const size_t n = 50u << 20;
	char *in = xmalloc(n);
	struct framer f;
	char *m = NULL;
	size_t len = 0;
	enum frame_rc rc = FRAME_NEED_MORE;

	memset(in, 'z', n);
	memcpy(in, "{\"a\":[\"", 7);
	for (size_t i = 100; i < n - 100; i += 4096)
		in[i] = '{';	/* braces inside the string must not count */
	memcpy(in + n - 3, "\"]}", 3);
	framer_init(&f, FRAMER_STRICT, BIG, 64);
	for (size_t i = 0; i < n; i++) {
		framer_push(&f, in + i, 1);
		rc = framer_next(&f, &m, &len);
		if (rc != FRAME_NEED_MORE)
			break;
	}
	is_int(rc, FRAME_READY, "50 MB frame fed byte by byte: READY");
	ok(len == n && m && memcmp(m, in, n) == 0, "  the whole frame, intact");
	ok(f.examined <= 2 * n, "  examined %zu bytes <= 2n = %zu", f.examined, 2 * n);
	is_int(f.examined, n, "  in fact every byte exactly once");
	framer_free(&f);
	free(in);
}

/* FRAMER_CANON: frames come out canonical, with their members recorded,
 * however the stream is cut; invalid JSON ends the stream at once, with
 * canon's reason; the cap is the strict mode's; a big frame leaves by
 * framer_take with what follows it intact. */
static void test_canon_mode(void)
{
	const char *in = " {\"a\" : 1 , \"b\":\"\\u00e9\\/\"}\n\n{\"c\":[ true ,{}]}\n\n\t{}\n\n";
	const char *want = "{\"a\":1,\"b\":\"\xc3\xa9/\"}|{\"c\":[true,{}]}|{}|";
	size_t n = strlen(in);
	unsigned bad = 0;

	for (size_t chunk = 1; chunk <= n; chunk++) {
		struct got g = feed(in, n, chunk, FRAMER_CANON);
		if (g.frames != 3 || strcmp(g.s, want) != 0 || g.last != FRAME_NEED_MORE) {
			bad++;
			tap_diag("chunk %zu: %d frames, %s", chunk, g.frames, g.s);
		}
	}
	is_int(bad, 0, "canonical frames, whatever the chunk size (1..%zu)", n);

	struct framer f;
	char *m;
	size_t len;
	enum frame_rc rc;
	framer_init(&f, FRAMER_CANON, BIG, 64);
	framer_push(&f, "{\"id\" :7, \"x\":[]}", sizeof("{\"id\" :7, \"x\":[]}") - 1);
	ok(framer_next(&f, &m, &len) == FRAME_READY && framer_canon_top(&f) &&
	   framer_canon_top(&f)->n == 2 && len == 15 && memcmp(m, "{\"id\":7,\"x\":[]}", 15) == 0,
	   "a frame: canonical, its two members recorded");
	const struct canon_top *t = framer_canon_top(&f);
	ok(t && t->m[0].klen == 2 && memcmp(m + t->m[0].koff, "id", 2) == 0 &&
	   t->m[0].vlen == 1 && m[t->m[0].voff] == '7', "  spans are into the canonical text");
	framer_consume(&f);
	ok(framer_canon_top(&f) == NULL, "no members once the frame is consumed");
	framer_free(&f);

	const char *lz = "{\"a\":1}\n\n{\"a\":01}\n\n{\"b\":2}";
	struct got g = feed(lz, strlen(lz), 4, FRAMER_CANON);
	ok(g.frames == 1 && g.last == FRAME_SYNTAX, "invalid JSON (a leading zero): FRAME_SYNTAX, final");
	framer_init(&f, FRAMER_CANON, BIG, 64);
	framer_push(&f, "{\"a\":\"\x01\"}", sizeof("{\"a\":\"\x01\"}") - 1);
	rc = framer_next(&f, &m, &len);
	is_str(framer_why(&f), "raw control character in string at byte 6",
	       "  the reason is canon's, with the offset");
	framer_push(&f, "{}", 2);
	ok(framer_next(&f, &m, &len) == FRAME_SYNTAX && framer_buffered(&f) == 0,
	   "  later input is dropped");
	framer_free(&f);
	const char *dup = "{\"a\":1}{\"a\":1,\"a\":2}";
	g = feed(dup, strlen(dup), strlen(dup), FRAMER_CANON);
	ok(g.frames == 1 && g.last == FRAME_SYNTAX, "a duplicate key: refused");
	g = feed("[1]", 3, 1, FRAMER_CANON);
	ok(g.frames == 0 && g.last == FRAME_SYNTAX, "a top-level array: refused");

	framer_init(&f, FRAMER_CANON, BIG, 3);
	framer_push(&f, "{\"a\":[[[1]]]}", sizeof("{\"a\":[[[1]]]}") - 1);
	ok(framer_next(&f, &m, &len) == FRAME_TOO_DEEP, "nesting past the cap: FRAME_TOO_DEEP");
	framer_free(&f);

	/* the cap: 20 bytes; a 20-byte frame passes, a 21-byte one does not,
	 * and a frame that never closes is refused once 20 bytes are in */
	framer_init(&f, FRAMER_CANON, 20, 64);
	framer_push(&f, "{\"a\":\"0123456789ab\"}{\"a\":\"0123456789abc\"}", sizeof("{\"a\":\"0123456789ab\"}{\"a\":\"0123456789abc\"}") - 1);
	ok(framer_next(&f, &m, &len) == FRAME_READY && len == 20, "a frame of exactly the cap passes");
	framer_consume(&f);
	ok(framer_next(&f, &m, &len) == FRAME_TOO_BIG, "one byte more: FRAME_TOO_BIG");
	framer_free(&f);
	framer_init(&f, FRAMER_CANON, 20, 64);
	for (int i = 0; i < 30; i++)
		framer_push(&f, i ? " " : "{", 1);
	ok(framer_next(&f, &m, &len) == FRAME_TOO_BIG, "an unclosed frame: refused at the cap");
	framer_free(&f);

	/* a big frame, pushed in pieces, handed over whole */
	struct buf big, out;
	buf_init(&big);
	buf_init(&out);
	buf_append(&big, "{ \"r\" : \"", 9);
	for (int i = 0; i < 300000; i++)
		buf_append(&big, "abcdefgh", 8);
	buf_append(&big, "\"}\n\n{\"next\":1}", 14);
	framer_init(&f, FRAMER_CANON, BIG, 64);
	rc = FRAME_NEED_MORE;
	for (size_t i = 0; i < big.len && rc == FRAME_NEED_MORE; i += 65536) {
		size_t k = big.len - i < 65536 ? big.len - i : 65536;
		memcpy(framer_tail(&f, k), buf_head(&big) + i, k);
		framer_commit(&f, k);
		rc = framer_next(&f, &m, &len);
	}
	ok(rc == FRAME_READY && len == 2400000 + 8 && memcmp(m, "{\"r\":\"abcdefgh", 14) == 0,
	   "a 2.4 MB frame in 64 KiB pieces: canonical");
	framer_take(&f, len, &out);
	ok(out.len == len && memcmp(buf_head(&out) + len - 2, "\"}", 2) == 0,
	   "  handed over whole");
	ok(framer_next(&f, &m, &len) == FRAME_READY && len == 10 && memcmp(m, "{\"next\":1}", 10) == 0,
	   "  and the frame after it is intact");
	ok(f.examined <= big.len, "  examined %zu of %zu bytes: none twice", f.examined, big.len);
	framer_free(&f);
	buf_free(&big);
	buf_free(&out);
}


/* ---- offloading (the relay's second thread; here its calls are made
 * in line, so every interleaving is the test's choice) ---- */

/* A big frame of many small values (escapes, numbers, nesting), then a
 * small frame after it. */
static void big_mixed(struct buf *b, size_t items, const char *bad_at_item)
{
	char item[160];

	buf_init(b);
	const char *head = "{ \"jsonrpc\": \"2.0\", \"id\": 7, \"result\": [";

	buf_append(b, head, strlen(head));
	for (size_t i = 0; i < items; i++) {
		int k = snprintf(item, sizeof(item),
				 "%s{\"k%zu\" : \"v\\n\\u00e9%zu\", \"n\":-1.5e3, \"a\":[true,null,{}], \"s\":\"%s\"}",
				 i ? "," : "", i, i, bad_at_item && i == items / 2 ? bad_at_item : "ok");
		buf_append(b, item, (size_t)k);
	}
	buf_append(b, "]}\n\n{\"next\":1}", 14);
}

struct offload_run {
	enum frame_rc rc;	/* of the big frame */
	struct buf out;		/* its canonical bytes when READY */
	char why[160];
	bool away;		/* it was offloaded */
	bool stayed;		/* the frame's bytes never moved while away */
	bool next_ok;		/* the small frame after it came out intact */
	char top[64];		/* its top-level members, as recorded */
};

/* Push `in` in `chunk` pieces. mode 0: in line. mode 1: offloaded at
 * 1 MiB, judged after every piece. mode 2: offloaded, judged only once
 * all is there (or the cap is). mode 3: offloaded, handed back with
 * CANON_MORE halfway, finished in line. */
static struct offload_run run_offload(const struct buf *in, size_t chunk, int mode, size_t max)
{
	struct offload_run o = { .rc = FRAME_NEED_MORE, .stayed = true };
	struct framer f;
	struct framer_offload job = { 0 };
	struct framer_verdict v;
	char *m;
	size_t len, i = 0;
	bool have_verdict = false;

	buf_init(&o.out);
	framer_init(&f, FRAMER_CANON, max, 64);
	while (o.rc == FRAME_NEED_MORE) {
		bool full = framer_offloaded(&f) && framer_offload_full(&f);
		if (i < in->len && !full) {
			size_t k = in->len - i < chunk ? in->len - i : chunk;
			memcpy(framer_tail(&f, k), buf_head(in) + i, k);
			framer_commit(&f, k);
			i += k;
		}
		bool last = i >= in->len || (framer_offloaded(&f) && framer_offload_full(&f));
		if (framer_offloaded(&f)) {
			if (f.in.data + f.in.start != job.text)
				o.stayed = false;
			size_t avail = framer_offload_avail(&f);
			bool judge = mode == 1 || last || (mode == 3 && avail >= in->len / 2);
			if (judge) {
				memset(&v, 0, sizeof(v));
				v.avail = avail;
				v.st = canon_stream_feed(job.stream, job.text, avail, &v.inlen,
							 &v.outlen, &v.top, &v.err);
				have_verdict = v.st != CANON_MORE || last || mode == 3;
			}
			size_t before = f.examined;
			if (have_verdict) {
				framer_offload_end(&f, &v);
				have_verdict = false;
			} else if (framer_next(&f, &m, &len) != FRAME_NEED_MORE || f.examined != before) {
				o.rc = FRAME_SYNTAX;	/* it must not judge while away */
				strcpy(o.why, "framer_next worked while away");
				break;
			}
			if (framer_offloaded(&f))
				continue;
		}
		o.rc = framer_next(&f, &m, &len);
		if (o.rc == FRAME_NEED_MORE && mode && !o.away && framer_buffered(&f) >= (1u << 20)) {
			o.away = framer_offload_begin(&f, 1u << 20, chunk, &job);
			if (o.away && job.room < max + chunk)
				o.stayed = false;
		}
		if (o.rc == FRAME_NEED_MORE && i >= in->len && !framer_offloaded(&f))
			break;
	}
	if (o.rc == FRAME_READY) {
		const struct canon_top *t = framer_canon_top(&f);
		for (size_t k = 0; t && k < t->n; k++)
			snprintf(o.top + strlen(o.top), sizeof(o.top) - strlen(o.top), "%.*s=%zu,",
				 (int)t->m[k].klen, m + t->m[k].koff, t->m[k].vlen);
		buf_append(&o.out, m, len);
		framer_consume(&f);
		o.next_ok = framer_next(&f, &m, &len) == FRAME_READY && len == 10 &&
			    memcmp(m, "{\"next\":1}", 10) == 0;
	}
	snprintf(o.why, sizeof(o.why), "%s", framer_why(&f));
	framer_free(&f);
	return o;
}

static bool same_run(const struct offload_run *a, const struct offload_run *b)
{
	return a->rc == b->rc && a->out.len == b->out.len &&
	       (a->out.len == 0 || memcmp(buf_head(&a->out), buf_head(&b->out), a->out.len) == 0) &&
	       strcmp(a->why, b->why) == 0 && a->next_ok == b->next_ok &&
	       strcmp(a->top, b->top) == 0;
}

/* An offloaded frame comes out exactly as one judged in line: the same
 * canonical bytes, the same error and reason, the same cap; the frame's
 * bytes stay put while away; the framer judges nothing while away. */
static void test_offload(void)
{
	struct buf good, bad, ctl;
	big_mixed(&good, 40000, NULL);
	big_mixed(&bad, 40000, "\\x");		/* an invalid escape */
	big_mixed(&ctl, 40000, "\x01");		/* a raw control character */
	const struct buf *ins[] = { &good, &bad, &ctl };
	const char *names[] = { "valid", "bad escape", "control character" };
	unsigned bad_runs = 0, not_away = 0, moved = 0;

	for (size_t t = 0; t < 3; t++) {
		for (size_t chunk = 65536; chunk <= 262144; chunk *= 4) {
			struct offload_run ref = run_offload(ins[t], chunk, 0, BIG);
			for (int mode = 1; mode <= 3; mode++) {
				struct offload_run o = run_offload(ins[t], chunk, mode, BIG);
				if (!same_run(&o, &ref)) {
					bad_runs++;
					tap_diag("%s, chunk %zu, mode %d: rc %d/%d, %zu/%zu bytes, why '%s'/'%s'",
						 names[t], chunk, mode, o.rc, ref.rc, o.out.len,
						 ref.out.len, o.why, ref.why);
				}
				not_away += !o.away;
				moved += !o.stayed;
				buf_free(&o.out);
			}
			if (t == 0)
				ok(ref.rc == FRAME_READY && ref.next_ok && strncmp(ref.top, "jsonrpc=5,id=1,result=", 22) == 0,
				   "  (in line, chunk %zu: a frame; members %s)", chunk, ref.top);
			else
				ok(ref.rc == FRAME_SYNTAX, "  (in line, chunk %zu: %s)", chunk, ref.why);
			buf_free(&ref.out);
		}
	}
	is_int(bad_runs, 0, "offloaded frames match in-line ones (valid, bad escape, control "
	       "character; judged per piece, at the end, or handed back halfway)");
	is_int(not_away, 0, "every one of them was offloaded");
	is_int(moved, 0, "their bytes never moved while away, with room for the cap and a read");

	/* the cap: an unclosed frame, offloaded, comes back too big */
	struct buf open_frame;
	buf_init(&open_frame);
	buf_append(&open_frame, "{\"s\":\"", 6);
	for (int i = 0; i < 400000; i++)
		buf_append(&open_frame, "abcdefgh", 8);
	struct offload_run ref = run_offload(&open_frame, 65536, 0, 3u << 20);
	struct offload_run o = run_offload(&open_frame, 65536, 2, 3u << 20);
	ok(o.away && o.rc == FRAME_TOO_BIG && ref.rc == FRAME_TOO_BIG,
	   "an unclosed frame offloaded: too big at the cap, as in line");
	buf_free(&o.out);
	buf_free(&ref.out);

	/* asking for more tail than the reservation while away would move
	 * the bytes under the other thread: the framer aborts instead */
	pid_t pid = fork();
	if (pid == 0) {
		struct framer d;
		struct framer_offload dj;
		char *dm;
		size_t dl;
		framer_init(&d, FRAMER_CANON, 2u << 20, 64);
		framer_push(&d, "{\"a\":\"", 6);
		framer_next(&d, &dm, &dl);
		if (!framer_offload_begin(&d, 1, 4096, &dj))
			_exit(2);
		framer_tail(&d, 4u << 20);
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
	   "a tail that would move an offloaded frame: abort, not a silent move (status %d)", st);

	/* when it is refused */
	struct framer f;
	struct framer_offload job;
	char *m;
	size_t len;
	framer_init(&f, FRAMER_CANON, BIG, 64);
	framer_push(&f, "{\"a\":\"", 6);
	ok(framer_next(&f, &m, &len) == FRAME_NEED_MORE && !framer_offload_begin(&f, 1024, 4096, &job),
	   "not offloaded: fewer bytes than asked for");
	ok(framer_offload_begin(&f, 4, 4096, &job) && framer_offloaded(&f) &&
	   !framer_offload_begin(&f, 4, 4096, &job), "offloaded once, not twice");
	framer_free(&f);
	framer_init(&f, FRAMER_STRICT, BIG, 64);
	framer_push(&f, "{\"a\":\"", 6);
	framer_next(&f, &m, &len);
	ok(!framer_offload_begin(&f, 1, 4096, &job), "not offloaded: not FRAMER_CANON");
	framer_free(&f);
	framer_init(&f, FRAMER_CANON, BIG, 64);
	framer_push(&f, "{}{\"a\":", 7);
	ok(framer_next(&f, &m, &len) == FRAME_READY && !framer_offload_begin(&f, 1, 4096, &job),
	   "not offloaded: a frame is returned and not consumed");
	framer_free(&f);

	buf_free(&good);
	buf_free(&bad);
	buf_free(&ctl);
	buf_free(&open_frame);
}

/* A frame's text as the gate would judge it: canonical if it is strict
 * JSON, else as it came. */
static void normalise(const char *m, size_t len, struct buf *out)
{
	if (canon_json(m, len, 64, out, NULL) < 0)
		buf_append(out, m, len);
	buf_append(out, "|", 1);
}

/* Every result of a framer over in[], pushed `chunk` bytes at a time:
 * frames normalised, a TOO_BIG as "BIG:" and its prefix, the end state;
 * *retried (if asked) is FRAMER_HOST's count of bytes validated in vain. */
static void host_results(enum framer_mode mode, const char *in, size_t n, size_t chunk,
			 size_t max, struct buf *out, size_t *retried, int *canonical)
{
	struct framer f;
	char *m;
	size_t len;
	enum frame_rc rc = FRAME_NEED_MORE;

	framer_init(&f, mode, max, 8);
	for (size_t i = 0; i < n; i += chunk) {
		framer_push(&f, in + i, n - i < chunk ? n - i : chunk);
		while ((rc = framer_next(&f, &m, &len)) == FRAME_READY || rc == FRAME_TOO_BIG) {
			if (rc == FRAME_TOO_BIG)
				buf_append(out, "BIG:", 4);
			if (rc == FRAME_READY && framer_canon_top(&f)) {
				(*canonical)++;
				buf_append(out, m, len);	/* must be canonical already */
				buf_append(out, "|", 1);
			} else {
				normalise(m, len, out);
			}
			framer_consume(&f);
		}
	}
	buf_append(out, rc == FRAME_NEED_MORE ? "more" : "final", rc == FRAME_NEED_MORE ? 4 : 5);
	if (retried)
		*retried = f.retried;
	framer_free(&f);
}

/* FRAMER_HOST: a frame whole at first sight is framed by validating it
 * (one pass, handed out canonical with its members); everything else is
 * framed as FRAMER_LENIENT frames it. Judged as the gate judges frames
 * (canonical text if valid), the two modes agree at every chunking. */
static void test_host_mode(void)
{
	struct framer f;
	char *m;
	size_t len;

	const char *req = "{ \"jsonrpc\" : \"2.0\", \"id\": \"cln:x#1\",\n"
			  "  \"method\": \"htlc_accepted\", \"params\": {\"a\": [1, 2.50, \"\\u0041\"]} }\n\n";
	framer_init(&f, FRAMER_HOST, BIG, 64);
	framer_push(&f, req, strlen(req));
	is_int(framer_next(&f, &m, &len), FRAME_READY, "host: a whole frame is READY");
	const struct canon_top *top = framer_canon_top(&f);
	ok(top != NULL, "  handed out canonical (it was whole at first sight)");
	char *text = xstrndup(m, len);
	is_str(text, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:x#1\",\"method\":\"htlc_accepted\","
	       "\"params\":{\"a\":[1,2.50,\"A\"]}}", "  its text is the canonical form");
	free(text);
	ok(top && top->n == 4 && top->m[2].klen == 6 && memcmp(m + top->m[2].koff, "method", 6) == 0 &&
	   top->m[2].vlen == 15 && memcmp(m + top->m[2].voff, "\"htlc_accepted\"", 15) == 0,
	   "  with its members' spans in that text");
	is_int(f.examined, strlen(req) - 2, "  examined once");
	is_int(f.retried, 0, "  and not scanned again");
	framer_consume(&f);
	is_int(framer_next(&f, &m, &len), FRAME_NEED_MORE, "  then nothing more");
	framer_free(&f);

	/* Invalid at first sight: raw, for the gate to answer (it sniffs the
	 * id from the raw bytes); the frame after it is canonical again. */
	const char *bad = "{\"id\": 7, \"method\":\"x\", \"params\": {\"k\":1,\"k\":2}}{\"id\": 8}";
	framer_init(&f, FRAMER_HOST, BIG, 64);
	framer_push(&f, bad, strlen(bad));
	is_int(framer_next(&f, &m, &len), FRAME_READY, "host: a duplicate key is still a frame");
	ok(!framer_canon_top(&f) && len == 48 && memcmp(m, bad, len) == 0,
	   "  handed out raw, byte for byte");
	ok(f.retried >= 40 && f.retried <= 48, "  the validation's bytes are counted as retried (%zu)",
	   f.retried);
	framer_consume(&f);
	is_int(framer_next(&f, &m, &len), FRAME_READY, "  the next frame");
	ok(framer_canon_top(&f) && len == 8 && memcmp(m, "{\"id\":8}", 8) == 0,
	   "  is canonical again");
	framer_free(&f);

	/* Deeper than the validation's max depth: raw (the lenient side does
	 * not cap depth; the gate refuses it). */
	framer_init(&f, FRAMER_HOST, BIG, 2);
	framer_push(&f, "{\"a\":[[1]]}", 11);
	is_int(framer_next(&f, &m, &len), FRAME_READY, "host: too deep to validate is still a frame");
	ok(!framer_canon_top(&f) && len == 11, "  handed out raw");
	framer_free(&f);

	/* The two modes agree, at every chunking, on a stream of valid,
	 * invalid, split, oversized (cap 64) and pretty-printed frames. */
	const char *mix = "{\"id\":1, \"m\":\"a}\\\"b\"}\n\n{\"x\":[{\"y\":\"]\"}]}"
			  "{\"bad\":tru}{\"dup\":1,\"dup\":2}  {\"big\":\"0123456789012345678901234567890"
			  "123456789012345678901234567890123456789\"}\n{ \"after\" : [ 1 , {} ] }"
			  "{\"deep\":[[[[[[[[[[1]]]]]]]]]]}{\"u\":\"\\u00e9\\n\"}{}";
	size_t n = strlen(mix);
	int bad_chunks = 0, canon_total = 0;
	for (size_t chunk = 1; chunk <= n; chunk++) {
		struct buf a, b;
		size_t rb = 0;
		int ca = 0, cb = 0;
		buf_init(&a);
		buf_init(&b);
		host_results(FRAMER_LENIENT, mix, n, chunk, 64, &a, NULL, &ca);
		host_results(FRAMER_HOST, mix, n, chunk, 64, &b, &rb, &cb);
		if (a.len != b.len || memcmp(buf_head(&a), buf_head(&b), a.len) != 0 || ca != 0 ||
		    rb > n) {
			if (!bad_chunks++)
				tap_diag("chunk %zu: lenient %.*s / host %.*s (retried %zu)", chunk,
					 (int)a.len, buf_head(&a), (int)b.len, buf_head(&b), rb);
		}
		canon_total += cb;
		if (chunk == n)
			is_int(cb, 5, "  whole, the 5 valid frames within the cap and depth come canonical");
		buf_free(&a);
		buf_free(&b);
	}
	is_int(bad_chunks, 0, "host and lenient modes agree at every chunk size");
	ok(canon_total > (int)n, "  (%d frames came canonical in all)", canon_total);
}

/* frame, fed to a framer of mode, is READY and framer_take_canonical()
 * refuses it, leaving the queue empty. */
static void not_handed(enum framer_mode mode, const char *frame, const char *what)
{
	struct framer f;
	struct buf q;
	char *m;
	size_t len;

	framer_init(&f, mode, BIG, 64);
	buf_init(&q);
	framer_push(&f, frame, strlen(frame));
	ok(framer_next(&f, &m, &len) == FRAME_READY && !framer_take_canonical(&f, m, len, &q) &&
	   q.len == 0, "%s", what);
	framer_free(&f);
	buf_free(&q);
}

/* A host frame's canonical text handed over instead of copied: the
 * buffers swap, and only when the caller would copy exactly that text into
 * an empty buffer that is not lent. */
static void test_take_canonical(void)
{
	struct framer f;
	struct buf q;
	char *m;
	size_t len;
	const char *two = "{ \"id\": 1, \"method\": \"a\" }\n\n{\"id\":2}\n\n";

	framer_init(&f, FRAMER_HOST, BIG, 64);
	buf_init(&q);
	framer_push(&f, two, strlen(two));
	is_int(framer_next(&f, &m, &len), FRAME_READY, "take: a canonical host frame");
	ok(!framer_take_canonical(&f, m, len - 1, &q), "  not for other bytes than the whole text");
	ok(!framer_take_canonical(&f, m + 1, len - 1, &q), "  nor from elsewhere in it");
	buf_append(&q, "x", 1);
	ok(!framer_take_canonical(&f, m, len, &q), "  nor into a queue that holds something");
	buf_consume(&q, 1);
	q.lent = true;
	ok(!framer_take_canonical(&f, m, len, &q), "  nor into a lent buffer (its pages are a pipe's)");
	q.lent = false;
	is_int(f.handed, 0, "  none handed so far");
	char *storage = m;
	ok(framer_take_canonical(&f, m, len, &q), "  into an empty queue: handed over");
	ok(q.len == len && buf_head(&q) == storage &&
	   memcmp(buf_head(&q), "{\"id\":1,\"method\":\"a\"}", len) == 0,
	   "  the queue holds the text in the framer's own storage (no copy)");
	is_int(f.handed, 1, "  counted");
	framer_consume(&f);
	is_int(framer_next(&f, &m, &len), FRAME_READY, "  the framer goes on: the next frame");
	ok(framer_canon_top(&f) && len == 8 && memcmp(m, "{\"id\":2}", 8) == 0 && m != storage,
	   "  canonical, in the storage it got from the queue");
	ok(q.len == 21 && memcmp(buf_head(&q), "{\"id\":1,\"method\":\"a\"}", 21) == 0,
	   "  and the handed text is untouched by it");
	framer_consume(&f);
	framer_free(&f);
	buf_free(&q);

	/* lightningd's compact JSON is its own canonical form: validated where
	 * it was read, nothing written, and handed over in that storage when
	 * what follows it is shorter than it; a batch's rest is not moved. */
	const char *ld = "{\"jsonrpc\":\"2.0\",\"id\":\"cln:htlc_accepted#7\",\"params\":{}}";
	size_t ldn = strlen(ld);
	framer_init(&f, FRAMER_HOST, BIG, 64);
	buf_init(&q);
	buf_append(&q, "x", 1);
	buf_consume(&q, 1);	/* empty, with storage of its own */
	char *q_storage = q.data;
	framer_push(&f, ld, ldn);
	framer_push(&f, "\n\n", 2);
	is_int(framer_next(&f, &m, &len), FRAME_READY, "take: a frame as lightningd writes it");
	ok(len == ldn && m == f.in.data + f.in.start && memcmp(m, ld, ldn) == 0 && f.canon_out.len == 0,
	   "  is canonical where it was read: nothing written elsewhere");
	is_int(f.as_read, 1, "  counted as canonical as read");
	storage = m;
	ok(framer_take_canonical(&f, m, len, &q), "  handed over");
	ok(buf_head(&q) == storage && q.len == ldn && f.in.data == q_storage && f.in.len == 2 &&
	   memcmp(buf_head(&f.in), "\n\n", 2) == 0,
	   "  the queue has the input's storage, the framer the queue's with what followed");
	framer_consume(&f);
	framer_push(&f, "{\"id\":9}", 8);
	is_int(framer_next(&f, &m, &len), FRAME_READY, "  the next frame");
	ok(len == 8 && memcmp(m, "{\"id\":9}", 8) == 0 && memcmp(buf_head(&q), ld, ldn) == 0,
	   "  read into that storage, the handed text untouched");
	framer_consume(&f);
	buf_consume(&q, q.len);
	framer_push(&f, "{\"a\":1}{\"b\":22}{\"c\":333}", 24);
	is_int(framer_next(&f, &m, &len), FRAME_READY, "  a batch: its first frame");
	ok(!framer_take_canonical(&f, m, len, &q) && q.len == 0,
	   "  not handed over: what follows it is longer than it");
	framer_consume(&f);
	is_int(framer_next(&f, &m, &len), FRAME_READY, "  the next one");
	ok(len == 8 && memcmp(m, "{\"b\":22}", 8) == 0, "  is there, as it was");
	framer_free(&f);
	buf_free(&q);

	/* A raw frame (not strict: a duplicate key) is never handed over, nor
	 * a FRAMER_CANON one (framer_take is its way). */
	not_handed(FRAMER_HOST, "{\"k\":1,\"k\":2}", "take: a raw host frame is not handed over");
	not_handed(FRAMER_CANON, "{\"id\":3}", "take: nor a plugin frame, this way");
}

int main(void)
{
	test_basic();
	test_every_split();
	test_tail_commit_and_repeat();
	test_syntax();
	test_depth();
	test_size();
	test_lenient_too_big();
	test_linear();
	test_canon_mode();
	test_offload();
	test_host_mode();
	test_take_canonical();
	return tap_done();
}
