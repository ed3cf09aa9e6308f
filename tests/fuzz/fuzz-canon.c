/* fuzz-canon.c - libFuzzer target for canon.c (also replayed over its corpus
 * by `make check`). Invariants, abort() on violation:
 *  - on failure nothing is appended and the error is in range;
 *  - on success the output is no longer than the input, is accepted by
 *    canon again and is its own canonical form (fixed point);
 *  - the top-level member spans tile the output exactly: "key":value
 *    pairs in order, each value a canonical value on its own;
 *  - canon_json_inplace on a copy of the input gives the same verdict,
 *    error and offset, output bytes and member spans;
 *  - canon_json_prefix_lazy on a copy says what canon_json_prefix says,
 *    leaves the copy's bytes as they were, and keeps the text in place
 *    exactly when it is the input's own (canon_lazy_agrees);
 *  - so does a canon_stream fed the input byte by byte, all at once and
 *    in chunks drawn from the input's hash (canon_stream_agrees: it ends
 *    where the object closes, waits only where the input ends, and never
 *    waits on a finished message followed by "\n\n");
 *  - differential against jansson with JSON_REJECT_DUPLICATES: both accept
 *    or both refuse (so duplicate keys are refused exactly as jansson
 *    does), except for the documented differences (escaped keys, depth,
 *    numbers jansson cannot hold, jansson swallowing a NUL right after a
 *    number/literal); when both accept the values are json_equal, and
 *    without re-formatted numbers the bytes equal json_dumps(JSON_COMPACT). */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "canon.h"
#include "canon_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *fuzz_target_name(void);

const char *fuzz_target_name(void)
{
	return "fuzz-canon";
}

#define DEPTH 32

static void check(bool cond)
{
	if (!cond)
		abort();
}

static void differential(const char *in, size_t n, int crc,
			 const struct canon_err *err, const struct buf *out)
{
	json_error_t jerr;
	json_t *j = json_loadb(in, n, JSON_REJECT_DUPLICATES, &jerr);

	if (crc == 0 && json_is_object(j)) {
		json_t *jc = json_loadb(buf_head(out), out->len, 0, &jerr);
		check(json_equal(jc, j));
		json_decref(jc);
		if (!has_reformatted_number(buf_head(out), out->len)) {
			char *d = json_dumps(j, JSON_COMPACT);
			check(d && strlen(d) == out->len &&
			      memcmp(d, buf_head(out), out->len) == 0);
			free(d);
		}
	} else if (crc == 0) {
		check(json_error_code(&jerr) == json_error_numeric_overflow);
	} else if (json_is_object(j)) {
		unsigned char prev = err->offset ? (unsigned char)in[err->offset - 1] : 0;
		bool nul_quirk = err->rc == CANON_NUL &&
				 ((prev >= '0' && prev <= '9') || prev == 'e' || prev == 'l');
		check(err->rc == CANON_ESCAPED_KEY || err->rc == CANON_DEPTH || nul_quirk);
	}
	json_decref(j);
}

/* The spans cover the canonical object exactly. */
static void check_top(const char *c, size_t n, const struct canon_top *t)
{
	size_t at = 1;	/* just past '{' */

	check(t->n <= CANON_TOP_MAX && (!t->more || t->n == CANON_TOP_MAX));
	for (size_t i = 0; i < t->n; i++) {
		check(t->m[i].koff == at + 1 && c[at] == '"');
		size_t ke = t->m[i].koff + t->m[i].klen;
		check(ke + 2 <= n && c[ke] == '"' && c[ke + 1] == ':' && t->m[i].voff == ke + 2);
		check(!memchr(c + t->m[i].koff, '"', t->m[i].klen));
		size_t ve = t->m[i].voff + t->m[i].vlen;
		check(t->m[i].vlen > 0 && ve < n && (c[ve] == ',' || c[ve] == '}'));
		/* the value alone is canonical */
		struct buf w, o;
		buf_init(&w);
		buf_init(&o);
		buf_append(&w, "{\"k\":", 5);
		buf_append(&w, c + t->m[i].voff, t->m[i].vlen);
		buf_append(&w, "}", 1);
		check(canon_json(buf_head(&w), w.len, DEPTH + 1, &o, NULL) == 0 &&
		      o.len == w.len && memcmp(buf_head(&o), buf_head(&w), w.len) == 0);
		buf_free(&w);
		buf_free(&o);
		at = ve + 1;
	}
	if (!t->more)
		check(at == n || (t->n == 0 && n == 2));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct buf out, again;
	struct canon_err err;
	struct canon_top top;

	buf_init(&out);
	buf_init(&again);
	buf_append(&out, "pre", 3);
	int rc = canon_json_top(in, size, DEPTH, &out, &top, &err);
	check(memcmp(buf_head(&out), "pre", 3) == 0);
	if (rc != 0) {
		check(rc == -1 && out.len == 3 && err.rc != CANON_OK && err.why &&
		      err.offset <= size && top.n == 0);
	} else {
		check(err.rc == CANON_OK && out.len - 3 <= size);
		buf_consume(&out, 3);
		check_top(buf_head(&out), out.len, &top);
		check(canon_json(buf_head(&out), out.len, DEPTH, &again, &err) == 0);
		check(again.len == out.len &&
		      memcmp(buf_head(&again), buf_head(&out), out.len) == 0);
	}
	if (rc != 0)
		buf_consume(&out, 3);
	bool shrunk;
	check(canon_inplace_agrees(in, size, DEPTH, rc, &err, buf_head(&out), out.len, &top,
				   &shrunk));
	bool in_place;
	check(canon_lazy_agrees(in, size, DEPTH, &in_place));
	uint64_t seed = 2;
	for (size_t i = 0; i < size; i++)
		seed = seed * 131 + data[i];
	const uint64_t seeds[] = { size <= 4096 ? 0 : 1, 1, seed | 2 };
	for (size_t i = 0; i < 3; i++)
		check(canon_stream_agrees(in, size, DEPTH, rc, &err, buf_head(&out), out.len,
					  &top, seeds[i]));
	differential(in, size, rc, &err, &out);
	buf_free(&out);
	buf_free(&again);
	return 0;
}
