/* test-canon.c - canon.c: a table of valid/invalid inputs with exact output
 * and error codes, duplicate keys (linear and hashed objects, nesting, a
 * million keys), top-level member spans, then a differential test against
 * jansson 2.14 (JSON_REJECT_DUPLICATES) over a few thousand generated and
 * mutated inputs (deterministic PRNG), and a throughput figure (diag only). */
#include <jansson.h>
#include <time.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "../fuzz/canon_oracle.h"
#include "canon.h"
#include "tap.h"
#include "util.h"

#define S(x) x, sizeof(x) - 1	/* literal with embedded NULs */

struct okcase {
	const char *in;
	size_t len;
	const char *out;
};

static const struct okcase good[] = {
	{ S("{}"), "{}" },
	{ S(" \t\r\n{ \"a\" : 1 ,\n \"b\":[ true,false ,null ] }\n "),
	  "{\"a\":1,\"b\":[true,false,null]}" },
	{ S("{\"n\":[0,-0,1.5,-1.5e10,1E+2,1e-2,0.1,-0.0,100]}"),
	  "{\"n\":[0,-0,1.5,-1.5e10,1E+2,1e-2,0.1,-0.0,100]}" },
	{ S("{\"msat\":18446744073709551615,\"neg\":-99999999999999999999999}"),
	  "{\"msat\":18446744073709551615,\"neg\":-99999999999999999999999}" },
	{ S("{\"s\":\"\\u0041\\/\\b\\f\\n\\r\\t\\\"\\\\\"}"),
	  "{\"s\":\"A/\\b\\f\\n\\r\\t\\\"\\\\\"}" },
	{ S("{\"s\":\"\\u0001\\u001f\\u0008\\u000A\\u0022\\u005c\\u007f\"}"),
	  "{\"s\":\"\\u0001\\u001F\\b\\n\\\"\\\\\x7f\"}" },
	{ S("{\"s\":\"\\u00e9\\u00E9\\u65e5\\ud83d\\ude00\\uD83D\\uDE00\\uffff\"}"),
	  "{\"s\":\"\xc3\xa9\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xef\xbf\xbf\"}" },
	{ S("{\"\xc3\xa9\":\"\xe6\x97\xa5 \xf4\x8f\xbf\xbf \x7f /\"}"),
	  "{\"\xc3\xa9\":\"\xe6\x97\xa5 \xf4\x8f\xbf\xbf \x7f /\"}" },
	{ S("{\"a\":{},\"b\":[],\"c\":[[]],\"\":\"\"}"), "{\"a\":{},\"b\":[],\"c\":[[]],\"\":\"\"}" },
	{ S("{\"a\":{\"a\":1},\"b\":[{\"a\":1},{\"a\":2}]}"),
	  "{\"a\":{\"a\":1},\"b\":[{\"a\":1},{\"a\":2}]}" },	/* same key, other objects */
	{ S("{\"a\":1,\"A\":2,\"a \":3,\"\":4}"), "{\"a\":1,\"A\":2,\"a \":3,\"\":4}" },
	{ S("{\"id\":\"cln:getmanifest#1\",\"x\":[1,[2,[3]]]}"),
	  "{\"id\":\"cln:getmanifest#1\",\"x\":[1,[2,[3]]]}" },
};

struct badcase {
	const char *in;
	size_t len;
	enum canon_rc rc;
	size_t off;	/* SIZE_MAX: don't check */
};

#define ANY SIZE_MAX
static const struct badcase bad[] = {
	{ S(""), CANON_SYNTAX, 0 },
	{ S("   "), CANON_SYNTAX, 3 },
	{ S("[]"), CANON_SYNTAX, 0 },
	{ S("\"x\""), CANON_SYNTAX, 0 },
	{ S("1"), CANON_SYNTAX, 0 },
	{ S("null"), CANON_SYNTAX, 0 },
	{ S("\xef\xbb\xbf{}"), CANON_SYNTAX, 0 },	/* BOM */
	{ S("{\"a\":01}"), CANON_SYNTAX, 6 },
	{ S("{\"a\":-01}"), CANON_SYNTAX, 7 },
	{ S("{\"a\":+1}"), CANON_SYNTAX, 5 },
	{ S("{\"a\":.5}"), CANON_SYNTAX, 5 },
	{ S("{\"a\":1.}"), CANON_SYNTAX, 7 },
	{ S("{\"a\":1.e5}"), CANON_SYNTAX, 7 },
	{ S("{\"a\":1e}"), CANON_SYNTAX, 7 },
	{ S("{\"a\":1e+}"), CANON_SYNTAX, 8 },
	{ S("{\"a\":-}"), CANON_SYNTAX, 6 },
	{ S("{\"a\":0x10}"), CANON_SYNTAX, 6 },
	{ S("{\"a\":1.2.3}"), CANON_SYNTAX, 8 },
	{ S("{\"a\":NaN}"), CANON_SYNTAX, 5 },
	{ S("{\"a\":Infinity}"), CANON_SYNTAX, 5 },
	{ S("{\"a\":-Infinity}"), CANON_SYNTAX, 6 },
	{ S("{\"a\":tru}"), CANON_SYNTAX, 5 },
	{ S("{\"a\":True}"), CANON_SYNTAX, 5 },
	{ S("{\"a\":nul}"), CANON_SYNTAX, 5 },
	{ S("{\"a\":truex}"), CANON_SYNTAX, 9 },
	{ S("{\"a\":1,}"), CANON_SYNTAX, 7 },
	{ S("{,}"), CANON_SYNTAX, 1 },
	{ S("{\"a\":[1,]}"), CANON_SYNTAX, 8 },
	{ S("{\"a\":[,1]}"), CANON_SYNTAX, 6 },
	{ S("{\"a\":[1 2]}"), CANON_SYNTAX, 8 },
	{ S("{\"a\" 1}"), CANON_SYNTAX, 5 },
	{ S("{\"a\":1 \"b\":2}"), CANON_SYNTAX, 7 },
	{ S("{a:1}"), CANON_SYNTAX, 1 },
	{ S("{'a':1}"), CANON_SYNTAX, 1 },
	{ S("{\"a\":[}"), CANON_SYNTAX, 6 },
	{ S("{\"a\":{]}"), CANON_SYNTAX, 6 },
	{ S("{\"a\":[1}"), CANON_SYNTAX, 7 },
	{ S("{\"a\":1"), CANON_SYNTAX, 6 },
	{ S("{\"a\":\"abc"), CANON_SYNTAX, 5 },
	{ S("{\"a\":\"abc\\"), CANON_SYNTAX, 9 },
	{ S("{\"a\":\"\\x\"}"), CANON_SYNTAX, 7 },
	{ S("{\"a\":\"\\u12\"}"), CANON_SYNTAX, 6 },
	{ S("{\"a\":\"\\u12G4\"}"), CANON_SYNTAX, 6 },
	{ S("{\"a\":\"\\U0041\"}"), CANON_SYNTAX, 7 },
	{ S("{\"a\":1}x"), CANON_TRAILING, 7 },
	{ S("{\"a\":1} {}"), CANON_TRAILING, 8 },
	{ S("{\"a\":1}/*c*/"), CANON_TRAILING, 7 },
	{ S("{\"a\":1}\n\n\x00"), CANON_TRAILING, 9 },
	{ S("{\"a\":1}//c"), CANON_TRAILING, 7 },
	{ S("{/*c*/\"a\":1}"), CANON_SYNTAX, 1 },
	/* UTF-8 */
	{ S("{\"a\":\"\xc0\xaf\"}"), CANON_UTF8, 6 },		/* overlong '/' */
	{ S("{\"a\":\"\xc1\xbf\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\xe0\x80\xaf\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\xe0\x9f\xbf\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\xf0\x80\x80\xaf\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\xf0\x8f\xbf\xbf\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\xed\xa0\x80\"}"), CANON_UTF8, 6 },	/* U+D800 */
	{ S("{\"a\":\"\xed\xbf\xbf\"}"), CANON_UTF8, 6 },	/* U+DFFF */
	{ S("{\"a\":\"\xf4\x90\x80\x80\"}"), CANON_UTF8, 6 },	/* U+110000 */
	{ S("{\"a\":\"\xf5\x80\x80\x80\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\xff\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\x80\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\xe6\x97\"}"), CANON_UTF8, 6 },		/* truncated */
	{ S("{\"a\":\"\xe6\x97"), CANON_UTF8, 6 },		/* truncated at EOF */
	{ S("{\"a\":\"\xf0\x9f\x98\"}"), CANON_UTF8, 6 },
	{ S("{\"\xff\":1}"), CANON_UTF8, 2 },
	{ S("{\"a\":\xc3\xa9}"), CANON_SYNTAX, 5 },
	/* surrogate escapes */
	{ S("{\"a\":\"\\ud800\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\\udc00\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\\ud800\\u0041\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\\ud800\\ud800\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\\ud800x\"}"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\\ud800"), CANON_UTF8, 6 },
	{ S("{\"a\":\"\\ude00\\ud83d\"}"), CANON_UTF8, 6 },
	/* controls and NUL */
	{ S("{\"a\":\"x\ny\"}"), CANON_CTRL, 7 },
	{ S("{\"a\":\"\t\"}"), CANON_CTRL, 6 },
	{ S("{\"a\":\"\x1f\"}"), CANON_CTRL, 6 },
	{ S("{\"a\x01\":1}"), CANON_CTRL, 3 },
	{ S("{\"a\":\"\x00\"}"), CANON_NUL, 6 },
	{ S("{\"a\":\"\\u0000\"}"), CANON_NUL, 6 },
	{ S("{\"a\":1\x00}"), CANON_NUL, 6 },
	{ S("{\x00}"), CANON_NUL, 1 },
	{ S("\x00{}"), CANON_NUL, 0 },
	/* escaped keys: lightningd compares keys as raw bytes */
	{ S("{\"m\\u0065thod\":\"getinfo\"}"), CANON_ESCAPED_KEY, 3 },
	{ S("{\"a\\\"b\":1}"), CANON_ESCAPED_KEY, 3 },
	{ S("{\"\\/\":1}"), CANON_ESCAPED_KEY, 2 },
	{ S("{\"a\":{\"b\\n\":1}}"), CANON_ESCAPED_KEY, 8 },
	{ S("{\"a\\x\":1}"), CANON_SYNTAX, 4 },	/* a bad escape is a bad escape */
	/* duplicate keys, at the second occurrence's quote */
	{ S("{\"a\":1,\"a\":2}"), CANON_DUP_KEY, 7 },
	{ S("{ \"a\" : 1 , \"a\" : 2 }"), CANON_DUP_KEY, 12 },
	{ S("{\"x\":{\"b\":1,\"b\":[]}}"), CANON_DUP_KEY, 12 },
	{ S("{\"x\":[{},{\"b\":1,\"c\":{\"b\":2},\"b\":3}]}"), CANON_DUP_KEY, 28 },
	{ S("{\"\xc3\xa9\":1,\"\xc3\xa9\":1}"), CANON_DUP_KEY, 8 },
	{ S("{\"\":1,\"\":1}"), CANON_DUP_KEY, 6 },
	{ S("{\"a\":1,\"a\":2,\"b\":x}"), CANON_DUP_KEY, 7 },	/* first error wins */
	{ S("{\"a\":1,\"b\":x,\"a\":2}"), CANON_SYNTAX, 11 },
};

static void test_table(void)
{
	struct buf out;
	struct canon_err err;

	buf_init(&out);
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		buf_consume(&out, out.len);
		int rc = canon_json(good[i].in, good[i].len, 64, &out, &err);
		char *got = xstrndup(buf_head(&out), out.len);
		ok(rc == 0 && strcmp(got, good[i].out) == 0 && out.len == strlen(good[i].out),
		   "valid %zu: %s", i, good[i].out);
		if (rc)
			tap_diag("  rc %d (%s) at %zu", err.rc, err.why, err.offset);
		else if (strcmp(got, good[i].out))
			tap_diag("  got %s", got);
		free(got);
	}
	buf_consume(&out, out.len);
	buf_append(&out, "XYZ", 3);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err.rc = CANON_OK;
		int rc = canon_json(bad[i].in, bad[i].len, 64, &out, &err);
		bool off_ok = bad[i].off == ANY || bad[i].off == err.offset;
		ok(rc == -1 && err.rc == bad[i].rc && off_ok && err.why &&
		   out.len == 3 && memcmp(buf_head(&out), "XYZ", 3) == 0,
		   "invalid %zu: rc %d at %zu", i, bad[i].rc, bad[i].off);
		if (rc != -1 || err.rc != bad[i].rc || !off_ok)
			tap_diag("  got rc %d/%d at %zu (%s)", rc, err.rc, err.offset,
				 err.why ? err.why : "");
	}
	buf_free(&out);
}

/* {"a":[[...]]} nested `depth` deep (the object counts as 1). */
static char *nest(size_t depth)
{
	char *s = xmalloc(2 * depth + 5);
	memcpy(s, "{\"a\":", 5);
	memset(s + 5, '[', depth - 1);
	memset(s + 4 + depth, ']', depth - 1);
	memcpy(s + 3 + 2 * depth, "}", 2);
	return s;
}

static void test_depth(void)
{
	struct buf out;
	struct canon_err err;
	char *s;

	buf_init(&out);
	is_int(canon_json(S("{\"a\":[{}]}"), 3, &out, &err), 0, "depth 3 with max 3 accepted");
	is_int(canon_json(S("{\"a\":[{\"b\":[]}]}"), 3, &out, &err), -1, "depth 4 with max 3 refused");
	is_int(err.rc, CANON_DEPTH, "  CANON_DEPTH");
	is_int(err.offset, 11, "  at the bracket that goes too deep");

	s = nest(100000);
	buf_consume(&out, out.len);
	is_int(canon_json(s, strlen(s), 64, &out, &err), -1, "depth 100000 with max 64 refused");
	is_int(err.rc, CANON_DEPTH, "  CANON_DEPTH");
	is_int(err.offset, 5 + 63, "  at the 65th opening bracket");
	is_int(out.len, 0, "  nothing appended");
	free(s);

	/* Beyond the on-stack bit stack (1024 levels): the heap copy. */
	s = nest(5000);
	is_int(canon_json(s, strlen(s), 5000, &out, &err), 0, "depth 5000 with max 5000 accepted");
	ok(out.len == strlen(s) && memcmp(buf_head(&out), s, out.len) == 0, "  output is the input");
	buf_consume(&out, out.len);
	is_int(canon_json(s, strlen(s), 4999, &out, &err), -1, "depth 5000 with max 4999 refused");
	is_int(err.rc, CANON_DEPTH, "  CANON_DEPTH");
	free(s);
	buf_free(&out);
}

/* ---- duplicate keys beyond the linear check, and at scale ---- */

static bool jansson_dup(const char *in, size_t n, bool *dup)
{
	json_error_t jerr;
	json_t *j = json_loadb(in, n, JSON_REJECT_DUPLICATES, &jerr);

	*dup = !j && json_error_code(&jerr) == json_error_duplicate_key;
	json_decref(j);
	return j != NULL;
}

static uint64_t drng = 0x2545F4914F6CDD1Dull;

static unsigned drnd(unsigned n)
{
	drng ^= drng << 13;
	drng ^= drng >> 7;
	drng ^= drng << 17;
	return (unsigned)((drng >> 11) % n);
}

/* An object of up to `width` members whose keys come from a small pool, so
 * duplicates happen at every position, with nested objects that reuse the
 * outer keys (their hash slots must neither leak out nor shadow). */
static void dup_obj(struct buf *b, unsigned depth, unsigned width, unsigned pool)
{
	char k[32];
	unsigned n = drnd(width + 1);

	buf_append(b, "{", 1);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			buf_append(b, ",", 1);
		int kl = snprintf(k, sizeof(k), "\"%s%u\":", drnd(2) ? "key" : "k",
				  drnd(pool));
		buf_append(b, k, (size_t)kl);
		if (depth < 3 && drnd(6) == 0)
			dup_obj(b, depth + 1, width, pool);
		else if (depth < 3 && drnd(8) == 0) {
			buf_append(b, "[", 1);
			dup_obj(b, depth + 1, width, pool);
			buf_append(b, ",", 1);
			dup_obj(b, depth + 1, width, pool);
			buf_append(b, "]", 1);
		} else
			buf_append(b, "1", 1);
	}
	buf_append(b, "}", 1);
}

static void test_dup_keys(void)
{
	struct buf in, out;
	struct canon_err err;
	unsigned agree = 0, dups = 0, ok_ = 0, bad_rc = 0, hashed = 0;

	buf_init(&in);
	buf_init(&out);
	for (unsigned r = 0; r < 6000; r++) {
		buf_consume(&in, in.len);
		buf_consume(&out, out.len);
		unsigned width = 1 + drnd(r % 3 ? 12 : 60);
		unsigned pool = width * (2 + drnd(40));
		dup_obj(&in, 0, width, pool);
		bool jdup, jok = jansson_dup(buf_head(&in), in.len, &jdup);
		int rc = canon_json(buf_head(&in), in.len, 64, &out, &err);
		if (width > 8)
			hashed++;
		if ((rc == 0) == jok && (jok || jdup))
			agree++;
		else
			tap_diag("disagree (canon %d, jansson %d): %.*s", rc, jok,
				 (int)in.len, buf_head(&in));
		if (rc == 0)
			ok_++;
		else if (err.rc == CANON_DUP_KEY)
			dups++;
		else
			bad_rc++;
	}
	is_int(agree, 6000, "duplicate verdicts agree with JSON_REJECT_DUPLICATES on 6000 objects");
	is_int(bad_rc, 0, "  every refusal is CANON_DUP_KEY");
	ok(dups > 1000 && ok_ > 1000 && hashed > 1000,
	   "  both outcomes occur (%u dup, %u clean, %u wide)", dups, ok_, hashed);

	/* A million distinct keys: accepted, in linear time. */
	const size_t million = 1000000;
	buf_consume(&in, in.len);
	buf_append(&in, "{", 1);
	for (size_t i = 0; i < million; i++) {
		char k[32];
		int kl = snprintf(k, sizeof(k), "%s\"k%zu\":%zu", i ? "," : "", i, i & 7);
		buf_append(&in, k, (size_t)kl);
	}
	size_t body = in.len;
	buf_append(&in, "}", 1);
	buf_consume(&out, out.len);
	clock_t t0 = clock();
	int rc = canon_json(buf_head(&in), in.len, 64, &out, &err);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(rc == 0 && out.len == in.len, "an object with 1,000,000 distinct keys is accepted");
	tap_diag("1,000,000 keys (%zu bytes) in %.3f s", in.len, secs);
	/* ... and a duplicate of its first key at the very end is found */
	in.len = body;
	buf_append(&in, ",\"k0\":1}", 8);
	buf_consume(&out, out.len);
	t0 = clock();
	rc = canon_json(buf_head(&in), in.len, 64, &out, &err);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(rc == -1 && err.rc == CANON_DUP_KEY && err.offset == body + 1 && out.len == 0,
	   "  a duplicate of key 0 after 1,000,000 keys: CANON_DUP_KEY at its quote");
	tap_diag("  refused in %.3f s", secs);

	/* Many wide objects in a row: the hash set is emptied as each one
	 * closes (else the second would report the first one's keys). */
	buf_consume(&in, in.len);
	buf_append(&in, "{\"a\":[", 6);
	for (int o = 0; o < 2000; o++) {
		buf_append(&in, o ? ",{" : "{", o ? 2 : 1);
		for (int i = 0; i < 20; i++) {
			char k[32];
			int kl = snprintf(k, sizeof(k), "%s\"f%d\":{\"f%d\":%d}", i ? "," : "",
					  i, i, o);
			buf_append(&in, k, (size_t)kl);
		}
		buf_append(&in, "}", 1);
	}
	buf_append(&in, "],\"f1\":0}", 9);
	buf_consume(&out, out.len);
	ok(canon_json(buf_head(&in), in.len, 64, &out, &err) == 0,
	   "2000 objects with the same 20 keys each, nested same names: no false duplicate");

	/* Hashed objects inside a hashed object (not the top level): the inner
	 * ones' slots are deleted one by one, the outer ones' must survive. */
	for (int dup = 0; dup < 2; dup++) {
		buf_consume(&in, in.len);
		buf_append(&in, "{\"w\":{", 6);
		for (int i = 0; i < 40; i++) {
			char k[32];
			int kl = snprintf(k, sizeof(k), "%s\"g%d\":{", i ? "," : "", i);
			buf_append(&in, k, (size_t)kl);
			for (int j = 0; j < 30; j++) {
				kl = snprintf(k, sizeof(k), "%s\"g%d\":%d", j ? "," : "", j, j);
				buf_append(&in, k, (size_t)kl);
			}
			buf_append(&in, "}", 1);
		}
		if (dup)
			buf_append(&in, ",\"g17\":0", 8);
		buf_append(&in, "}}", 2);
		buf_consume(&out, out.len);
		rc = canon_json(buf_head(&in), in.len, 64, &out, &err);
		if (dup)
			ok(rc == -1 && err.rc == CANON_DUP_KEY && err.offset == in.len - 9,
			   "40 nested 30-key objects, then a duplicate of the outer key g17: found");
		else
			ok(rc == 0, "40 nested 30-key objects under a 40-key object: accepted");
	}
	buf_free(&in);
	buf_free(&out);
}

/* ---- top-level member spans ---- */

static void is_span(const char *canon, size_t off, size_t len, const char *want,
		    const char *name)
{
	ok(len == strlen(want) && memcmp(canon + off, want, len) == 0, "%s: %s", name, want);
}

static void test_top(void)
{
	struct buf out;
	struct canon_top top;
	struct canon_err err;

	buf_init(&out);
	buf_append(&out, "XYZ", 3);
	const char in[] = " { \"jsonrpc\" : \"2.0\", \"id\":\"a\\u0062\", \"method\":\"x\","
			  " \"params\" : { \"a\" : [ 1 , {\"b\":2} ] }, \"\":-0.5e3 } ";
	int rc = canon_json_top(in, strlen(in), 64, &out, &top, &err);
	const char *c = buf_head(&out) + 3;
	ok(rc == 0 && top.n == 5 && !top.more, "five top-level members recorded");
	is_span(c, top.m[0].koff, top.m[0].klen, "jsonrpc", "key 0");
	is_span(c, top.m[0].voff, top.m[0].vlen, "\"2.0\"", "value 0");
	is_span(c, top.m[1].koff, top.m[1].klen, "id", "key 1");
	is_span(c, top.m[1].voff, top.m[1].vlen, "\"ab\"", "value 1 (canonical)");
	is_span(c, top.m[2].voff, top.m[2].vlen, "\"x\"", "value 2");
	is_span(c, top.m[3].koff, top.m[3].klen, "params", "key 3");
	is_span(c, top.m[3].voff, top.m[3].vlen, "{\"a\":[1,{\"b\":2}]}", "value 3 (nested keys not recorded)");
	is_span(c, top.m[4].koff, top.m[4].klen, "", "key 4 (empty)");
	is_span(c, top.m[4].voff, top.m[4].vlen, "-0.5e3", "value 4 (last member)");

	buf_consume(&out, out.len);
	rc = canon_json_top(S("{}"), 64, &out, &top, &err);
	ok(rc == 0 && top.n == 0 && !top.more, "empty object: no members");

	struct buf wide;
	buf_init(&wide);
	buf_append(&wide, "{", 1);
	for (int i = 0; i < 20; i++) {
		char k[32];
		int kl = snprintf(k, sizeof(k), "%s\"m%d\":[%d]", i ? "," : "", i, i);
		buf_append(&wide, k, (size_t)kl);
	}
	buf_append(&wide, "}", 1);
	buf_consume(&out, out.len);
	rc = canon_json_top(buf_head(&wide), wide.len, 64, &out, &top, &err);
	ok(rc == 0 && top.n == CANON_TOP_MAX && top.more, "20 members: the first 16, more set");
	is_span(buf_head(&out), top.m[15].koff, top.m[15].klen, "m15", "  key 15");
	is_span(buf_head(&out), top.m[15].voff, top.m[15].vlen, "[15]", "  value 15");
	buf_free(&wide);

	buf_consume(&out, out.len);
	top.n = 7;
	rc = canon_json_top(S("{\"a\":1,\"b\":tru}"), 64, &out, &top, &err);
	ok(rc == -1 && top.n == 0, "on failure no members are reported");
	buf_free(&out);

	/* A stream hands its members over by canon_top_copy(): only those it
	 * holds, not all CANON_TOP_MAX (the rest of the caller's top is not
	 * written, so a struct copy shows). */
	struct canon_top got, want;
	memset(&got, 0xa5, sizeof(got));
	memset(&want, 0xa5, sizeof(want));
	struct canon_stream *s = canon_stream_new(64);
	char msg[] = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}";
	size_t inlen, olen;
	enum canon_step st = canon_stream_feed(s, msg, strlen(msg), &inlen, &olen, &got, NULL);
	ok(st == CANON_DONE && got.n == 3 && !got.more &&
	   got.m[2].koff == 25 && got.m[2].klen == 6, "a stream's three members handed over");
	ok(memcmp(&got.m[3], &want.m[3], sizeof(got.m) - 3 * sizeof(got.m[0])) == 0,
	   "  the caller's members after them not written");
	canon_stream_free(s);
	struct canon_top src = { .n = 2, .more = true };
	src.m[1].vlen = 9;
	memset(&got, 0xa5, sizeof(got));
	canon_top_copy(&got, &src);
	ok(got.n == 2 && got.more && got.m[1].vlen == 9 &&
	   memcmp(&got.m[2], &want.m[2], sizeof(got.m) - 2 * sizeof(got.m[0])) == 0,
	   "canon_top_copy: n, more and the members held; nothing after them");
}

/* ---- throughput (figures only, no timed assertion) ---- */

/* A stream cut at every point, and byte by byte, ends as the whole does;
 * complete messages followed by "\n\n" are never waited on; the work is
 * linear however finely a big message is chunked. */
static void test_stream(void)
{
	static const char *const good_msgs[] = {
		"{\"a\":\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\",\"b\":\"\\ud83d\\ude00\\u00e9\\n\\/\"}",
		"{ \"n\" : -12.5e+30 , \"m\":[0,1e5,-0,true,false,null,{}] ,\"k\":[[]]}",
		"{\"jsonrpc\":\"2.0\",\"id\":\"cln:x#1\",\"result\":{\"s\":\"a\\\"b\"}}",
	};
	static const char *const bad_msgs[] = {
		"{\"a\":\"\\ud800\"}", "{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"\\udbff\\udbff\"}",
		"{\"a\":\"\\u12\"}", "{\"a\":\"\xe2\x82\"}", "{\"a\":\"\xf0\x9f\"}",
		"{\"a\":tru}", "{\"a\":nul}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":1e}",
		"{\"a\":\"\\x\"}", "{\"a\" 1}", "{\"a\":1,}", "{\"a\":[1}",
	};
	unsigned fails = 0, cuts = 0;

	for (size_t i = 0; i < ARRAY_SIZE(good_msgs); i++) {
		const char *m = good_msgs[i];
		size_t n = strlen(m);
		struct buf whole;
		buf_init(&whole);
		if (canon_json(m, n, 64, &whole, NULL) != 0)
			fails++;
		for (size_t k = 0; k <= n; k++, cuts++) {
			/* two calls: text[0..k), then all of it, in a moved copy */
			struct canon_stream *s = canon_stream_new(64);
			char *t = xstrndup(m, n);
			size_t inlen = 0, olen = 0;
			enum canon_step st = canon_stream_feed(s, t, k, &inlen, &olen, NULL, NULL);
			char *t2 = xmalloc(n + 3);
			memcpy(t2, t, n);
			memcpy(t2 + n, "\n\n", 3);
			free(t);
			if (st == CANON_MORE)
				st = canon_stream_feed(s, t2, n + 2, &inlen, &olen, NULL, NULL);
			if (st != CANON_DONE || inlen != n || olen != whole.len ||
			    memcmp(t2, buf_head(&whole), olen) != 0) {
				fails++;
				tap_diag("cut at %zu of %s: %d", k, m, (int)st);
			}
			free(t2);
			canon_stream_free(s);
		}
		buf_free(&whole);
	}
	is_int(fails, 0, "valid messages cut at each of %u points: the whole message, once", cuts);

	fails = 0;
	for (size_t i = 0; i < ARRAY_SIZE(bad_msgs); i++) {
		char *m = xasprintf("%s\n\n", bad_msgs[i]);
		size_t n = strlen(m), inlen, olen;
		struct canon_err we, se;
		struct buf o;
		char *text;
		buf_init(&o);
		int rc = canon_json_top(m, n, 64, &o, NULL, &we);
		for (uint64_t seed = 0; seed < 2; seed++) {
			struct canon_top top;
			enum canon_step st = canon_stream_chunked(m, n, 64, seed, &text, &inlen,
								  &olen, &top, &se);
			if (rc == 0 || st != CANON_FAILED || se.rc != we.rc || se.offset != we.offset) {
				fails++;
				tap_diag("%s (chunking %llu): stream %d", bad_msgs[i],
					 (unsigned long long)seed, (int)st);
			}
			free(text);
		}
		buf_free(&o);
		free(m);
	}
	is_int(fails, 0, "%zu complete invalid messages are refused at once, byte by byte too "
	       "(never waited on)", ARRAY_SIZE(bad_msgs));

	/* Unfinished messages: whatever the cut before, the stream's word on
	 * the bytes so far is one call's on them (a cut number that the next
	 * bytes make invalid fails then, it is not waited on). */
	static const char *const unfinished[] = {
		"{\"a\":0e4e4", "{\"a\":1.2.3", "{\"a\":-0.5e+1-2", "{\"a\":00", "{\"a\":1e+-3",
		"{\"a\":12.5e3x", "{\"a\":-x", "{\"a\":1.e", "{\"a\":0.5E-07", "{\"a\":[1,-12",
		"{\"a\":tr", "{\"a\":\"\\u00", "{\"a\":1.5E+",
	};
	fails = 0;
	cuts = 0;
	for (size_t i = 0; i < ARRAY_SIZE(unfinished); i++) {
		const char *m = unfinished[i];
		size_t n = strlen(m), inlen, olen;
		struct canon_err e1 = { 0 }, e2 = { 0 };
		struct canon_stream *one = canon_stream_new(64);
		char *t1 = xstrndup(m, n);
		enum canon_step want = canon_stream_feed(one, t1, n, &inlen, &olen, NULL, &e1);
		for (size_t k = 1; k < n; k++, cuts++) {
			struct canon_stream *two = canon_stream_new(64);
			char *t2 = xstrndup(m, n);
			enum canon_step st = canon_stream_feed(two, t2, k, &inlen, &olen, NULL, &e2);
			if (st == CANON_MORE)
				st = canon_stream_feed(two, t2, n, &inlen, &olen, NULL, &e2);
			if (st != want || (st == CANON_FAILED && (e1.rc != e2.rc || e1.offset != e2.offset))) {
				fails++;
				tap_diag("%s cut at %zu: %d, in one call %d", m, k, (int)st, (int)want);
			}
			free(t2);
			canon_stream_free(two);
		}
		free(t1);
		canon_stream_free(one);
	}
	is_int(fails, 0, "%zu unfinished messages cut at each of %u points: what one call on "
	       "the same bytes says", ARRAY_SIZE(unfinished), cuts);

	/* 256 KiB string, 64 KiB number, 40000 literals, one byte a call */
	struct buf big;
	buf_init(&big);
	buf_append(&big, "{\"s\":\"", 6);
	for (int i = 0; i < 1 << 18; i++)
		buf_append(&big, i % 1000 ? "x" : "\xc3\xa9", i % 1000 ? 1 : 2);
	buf_append(&big, "\",\"n\":1", 7);
	for (int i = 0; i < 1 << 16; i++)
		buf_append(&big, "7", 1);
	buf_append(&big, ",\"l\":[true", 10);
	for (int i = 0; i < 20000; i++)
		buf_append(&big, ",false,null", 11);
	buf_append(&big, "]}", 2);
	struct canon_stream *s = canon_stream_new(64);
	char *t = xstrndup(buf_head(&big), big.len);
	size_t inlen = 0, olen = 0, calls = 0;
	enum canon_step st = CANON_MORE;
	for (size_t k = 1; k <= big.len && st == CANON_MORE; k++, calls++)
		st = canon_stream_feed(s, t, k, &inlen, &olen, NULL, NULL);
	size_t work = canon_stream_work(s);
	ok(st == CANON_DONE && inlen == big.len && olen == big.len &&
	   memcmp(t, buf_head(&big), big.len) == 0,
	   "a %zu-byte message fed one byte a call (%zu calls): done, unchanged", big.len, calls);
	ok(work <= big.len + big.len / 4,
	   "  the scanners examined %zu bytes: each about once, not again at each call", work);
	canon_stream_free(s);
	free(t);
	buf_free(&big);
}

/* canon_json_prefix: one stream call that leaves the input as it was and
 * appends the canonical text to a buffer, only when the message is done. */
static void test_prefix(void)
{
	static const char *const msgs[] = {
		"{ \"n\" : -12.5e+30 , \"m\":[0,1e5,-0,true,false,null,{}] ,\"k\":[[]]}",
		"{\"a\":\"\\ud83d\\ude00\\u00e9\\n\\/\",\"b\":{\"c\":\"x\"}}",
		"{\"a\":\"\\ud800\"}", "{\"a\":tru}", "{\"a\":1,\"a\":2}", "{\"a\":[1}",
	};
	unsigned fails = 0, cuts = 0;

	for (size_t i = 0; i < ARRAY_SIZE(msgs); i++) {
		const char *m = msgs[i];
		size_t n = strlen(m);
		struct buf whole, out;
		struct canon_err we, pe;
		struct canon_top wt, pt;
		buf_init(&whole);
		buf_init(&out);
		int rc = canon_json_top(m, n, 64, &whole, &wt, &we);
		/* whole, then followed by the next message's first bytes */
		char *t = xasprintf("%s{\"next\"", m);
		for (size_t k = 0; k <= n + 7; k++, cuts++) {
			buf_consume(&out, out.len);
			buf_append(&out, "old", 3);
			size_t inlen = 0;
			enum canon_step st = canon_json_prefix(t, k, 64, &out, &inlen, &pt, &pe);
			bool want_done = rc == 0 && k >= n;
			bool right;
			if (want_done)
				right = st == CANON_DONE && inlen == n && out.len == 3 + whole.len &&
				       memcmp(buf_head(&out) + 3, buf_head(&whole), whole.len) == 0 &&
				       pt.n == wt.n && pt.m[0].voff == wt.m[0].voff;
			else if (st == CANON_FAILED)
				right = rc != 0 && pe.rc == we.rc && pe.offset == we.offset &&
				       out.len == 3;
			else
				right = st == CANON_MORE && k < n && out.len == 3;
			if (!right || memcmp(t, m, n) != 0) {
				fails++;
				tap_diag("%s cut at %zu: %d", m, k, (int)st);
			}
		}
		free(t);
		buf_free(&whole);
		buf_free(&out);
	}
	is_int(fails, 0, "prefix: %u cuts of valid and invalid messages say what the whole says, "
	       "out grows only when done, the input is untouched", cuts);
}

/* canon_json_prefix_lazy: what canon_json_prefix says, at every cut, the
 * input untouched; the text stays in place exactly when the message is its
 * own canonical form (compact, escapes as jansson writes them). */
static void test_prefix_lazy(void)
{
	static const struct {
		const char *m;
		bool in_place;
	} msgs[] = {
		{ "{\"jsonrpc\":\"2.0\",\"id\":\"cln:x#1\",\"params\":{\"a\":[1,-2.5e3,true,null]}}", true },
		{ "{\"s\":\"tab\\t quote\\\" back\\\\ ctl\\u001F \\u00e9\"}", false },
		{ "{\"s\":\"tab\\t quote\\\" back\\\\ ctl\\u001F \xc3\xa9\"}", true },
		{ "{\"s\":\"\\/\"}", false },
		{ "{\"a\": 1}", false },
		{ "{\"a\":1 }", false },
		{ "{\"a\":[1,\n2]}", false },
		{ "{\"a\":1,\"a\":2}", false },
		{ "{\"a\": tru}", false },
		{ "{\"a\":\"\\ud800\"}", false },
	};
	unsigned fails = 0, cuts = 0, places = 0;

	for (size_t i = 0; i < ARRAY_SIZE(msgs); i++) {
		char *t = xasprintf("%s{\"next\"", msgs[i].m);
		size_t n = strlen(msgs[i].m);
		for (size_t k = 0; k <= n + 7; k++, cuts++) {
			bool ip = false;
			if (!canon_lazy_agrees(t, k, 64, &ip)) {
				fails++;
				tap_diag("%s cut at %zu", msgs[i].m, k);
			}
			if (k == n && ip != msgs[i].in_place) {
				fails++;
				tap_diag("%s: in place %d, expected %d", msgs[i].m, ip, msgs[i].in_place);
			}
			places += ip;
		}
		free(t);
	}
	is_int(fails, 0, "prefix, lazy: %u cuts agree with canon_json_prefix, the input untouched, "
	       "the text in place exactly for canonical messages", cuts);
	ok(places > 0, "  (%u of them done in place)", places);
}

static void test_speed(void)
{
	static const char msg[] = "{\"jsonrpc\":\"2.0\",\"method\":\"log\",\"params\":"
				  "{\"level\":\"info\",\"message\":\"plugin started, 3 peers connected\"}}";
	struct buf out;
	struct canon_top top;
	const int reps = 300000;
	int fails = 0;

	buf_init(&out);
	double t0 = tap_now();
	for (int i = 0; i < reps; i++) {
		buf_consume(&out, out.len);
		fails += canon_json_top(msg, sizeof(msg) - 1, 64, &out, &top, NULL) != 0;
	}
	double tc = tap_now() - t0;
	t0 = tap_now();
	for (int i = 0; i < reps; i++) {
		json_t *j = json_loadb(msg, sizeof(msg) - 1, JSON_REJECT_DUPLICATES, NULL);
		fails += !j;
		json_decref(j);
	}
	double tj = tap_now() - t0;
	is_int(fails, 0, "throughput loop: every message accepted");
	tap_diag("%zu-byte log notification: canon_json_top %.0f msgs/s, jansson json_loadb %.0f msgs/s",
		 sizeof(msg) - 1, reps / tc, reps / tj);
	buf_free(&out);
}

/* ---- differential test against jansson ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)((rng >> 11) % n);
}

struct gen {
	char *s;
	size_t n, cap;
	unsigned keyno;
};

static void put(struct gen *g, const char *p, size_t n)
{
	if (g->n + n + 1 > g->cap) {
		g->cap = (g->n + n + 1) * 2;
		g->s = xrealloc(g->s, g->cap);
	}
	memcpy(g->s + g->n, p, n);
	g->n += n;
}

static void puts_(struct gen *g, const char *p)
{
	put(g, p, strlen(p));
}

static void ws(struct gen *g)
{
	static const char w[] = " \t\n\r";
	while (rnd(5) == 0)
		put(g, &w[rnd(4)], 1);
}

static const char *pick(const char *const *v, size_t n)
{
	return v[rnd((unsigned)n)];
}
#define PICK(v) pick(v, ARRAY_SIZE(v))

static void gen_string(struct gen *g, bool key)
{
	static const char *const esc[] = {
		"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0041",
		"\\u00e9", "\\u00E9", "\\u007f", "\\u001f", "\\u0001", "\\u2028",
		"\\ud83d\\ude00", "\\uDBFF\\uDFFF", "\\uffff", "\\u0022", "\\u005C",
	};
	static const char *const raw[] = {
		"\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80", "\x7f", "/", " ",
		"\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xc2\x80",
	};
	static const char *const nasty[] = {
		"\\ud800", "\\udc00", "\\ud800\\u0041", "\\u0000", "\\x", "\\u12",
		"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "\xe6\x97",
		"\x80", "\x01", "\n", "\t", "\\", "\"",
	};
	char tmp[16];

	put(g, "\"", 1);
	if (key) {
		snprintf(tmp, sizeof(tmp), "k%u", g->keyno++);
		if (rnd(5) == 0)
			snprintf(tmp, sizeof(tmp), "dup");
		puts_(g, tmp);
	}
	for (unsigned parts = rnd(5); parts; parts--) {
		unsigned k = rnd(40);
		if (key && k >= 12 && k < 22 && rnd(30))
			k = 25;	/* keys: mostly raw text, escapes rarely */
		if (k < 12) {
			snprintf(tmp, sizeof(tmp), "%c%c", 'a' + rnd(26), 'A' + rnd(26));
			puts_(g, tmp);
		} else if (k < 20) {
			puts_(g, PICK(esc));
		} else if (k < 22) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", rnd(0x10000));
			puts_(g, tmp);
		} else if (k < 30) {
			puts_(g, PICK(raw));
		} else if (k < 31) {
			puts_(g, PICK(nasty));
		}
	}
	put(g, "\"", 1);
}

static void gen_number(struct gen *g)
{
	static const char *const nums[] = {
		"0", "-0", "1", "-1", "123", "1.5", "-0.0", "1e5", "1E+5", "1e-5",
		"0.1", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "18446744073709551615", "1e400", "-1e400",
		"1e-400", "0e0", "2.5E-3",
	};
	static const char *const badnums[] = {
		"01", "+1", ".5", "1.", "1e", "-", "NaN", "Infinity", "0x1",
		"1.2.3", "--1", "-01", "1e+",
	};
	char tmp[32];

	unsigned k = rnd(10);
	if (k < 5) {
		puts_(g, PICK(nums));
	} else if (k < 9) {
		snprintf(tmp, sizeof(tmp), "%s%u", rnd(2) ? "-" : "", rnd(1000000));
		puts_(g, tmp);
	} else if (rnd(3) == 0) {
		puts_(g, PICK(badnums));
	} else {
		snprintf(tmp, sizeof(tmp), "%u", rnd(100));
		puts_(g, tmp);
	}
}

static void gen_value(struct gen *g, unsigned depth);

static void gen_container(struct gen *g, unsigned depth, bool object)
{
	put(g, object ? "{" : "[", 1);
	for (unsigned n = rnd(5), i = 0; i < n; i++) {
		ws(g);
		if (i)
			put(g, ",", 1), ws(g);
		if (object) {
			gen_string(g, true);
			ws(g);
			put(g, ":", 1);
			ws(g);
		}
		gen_value(g, depth + 1);
		ws(g);
	}
	put(g, object ? "}" : "]", 1);
}

static void gen_value(struct gen *g, unsigned depth)
{
	static const char *const lits[] = { "true", "false", "null" };
	unsigned k = rnd(depth < 5 ? 10 : 6);

	if (k < 2)
		gen_string(g, false);
	else if (k < 4)
		gen_number(g);
	else if (k < 6)
		puts_(g, PICK(lits));
	else
		gen_container(g, depth, k < 8);
}

static void mutate(struct gen *g)
{
	static const char bytes[] = "{}[],:\"\\ \n0-.eE+tfnu\x00\x01\x7f\x80\xc3\xff/";
	size_t pos = g->n ? rnd((unsigned)g->n) : 0;

	switch (rnd(4)) {
	case 0:	/* delete a byte */
		if (g->n) {
			memmove(g->s + pos, g->s + pos + 1, g->n - pos - 1);
			g->n--;
		}
		break;
	case 1:	/* replace a byte */
		if (g->n)
			g->s[pos] = bytes[rnd(sizeof(bytes) - 1)];
		break;
	case 2: {	/* insert a byte */
		char b = bytes[rnd(sizeof(bytes) - 1)];
		put(g, &b, 1);	/* grows by one, then shift into place */
		memmove(g->s + pos + 1, g->s + pos, g->n - 1 - pos);
		g->s[pos] = b;
		break;
	}
	default:	/* truncate */
		g->n = pos;
		break;
	}
}

/* Input as printable text for diagnostics (C-style escapes). */
static const char *show(const char *s, size_t n)
{
	static char b[4096];
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < sizeof(b); i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			b[o++] = (char)c;
		else
			o += (size_t)snprintf(b + o, 5, "\\x%02x", c);
	}
	b[o] = 0;
	return b;
}

struct stats {
	unsigned both_ok, both_bad, both_dup, bytes_equal, diff_escaped_key,
		 diff_depth, diff_overflow, diff_nul, mismatch, canon_notfixed,
		 inplace_shrunk, inplace_diff, stream_diff;
};

/* canon_json_inplace() must do exactly what canon_json_top() does, into
 * the input's own bytes (canon_oracle.h). */
static void compare_inplace(const char *in, size_t n, struct stats *st)
{
	struct buf out;
	struct canon_err err;
	struct canon_top top;
	bool shrunk;

	buf_init(&out);
	int rc = canon_json_top(in, n, 64, &out, &top, &err);
	if (!canon_inplace_agrees(in, n, 64, rc, &err, buf_head(&out), out.len, &top, &shrunk)) {
		st->inplace_diff++;
		tap_diag("in place differs: %s", show(in, n));
	}
	st->inplace_shrunk += shrunk;
	/* and a stream, byte by byte, all at once, and in random chunks */
	static uint64_t seed = 2;
	const uint64_t seeds[] = { 0, 1, seed++ };
	for (size_t i = 0; i < ARRAY_SIZE(seeds); i++)
		if (!canon_stream_agrees(in, n, 64, rc, &err, buf_head(&out), out.len, &top,
					 seeds[i])) {
			st->stream_diff++;
			tap_diag("stream (chunking %llu) differs: %s",
				 (unsigned long long)seeds[i], show(in, n));
		}
	buf_free(&out);
}

static void compare(const char *in, size_t n, struct stats *st)
{
	struct buf out, again;
	struct canon_err err;
	json_error_t jerr;

	compare_inplace(in, n, st);
	buf_init(&out);
	buf_init(&again);
	int crc = canon_json(in, n, 64, &out, &err);
	json_t *j = json_loadb(in, n, JSON_REJECT_DUPLICATES, &jerr);
	bool jok = json_is_object(j);

	if (crc == 0) {
		/* canon's output is canon's fixed point */
		if (canon_json(buf_head(&out), out.len, 64, &again, NULL) != 0 ||
		    again.len != out.len || memcmp(buf_head(&again), buf_head(&out), out.len))
			st->canon_notfixed++;
	}
	if (crc == 0 && jok) {
		st->both_ok++;
		json_t *jc = json_loadb(buf_head(&out), out.len, 0, &jerr);
		if (!json_equal(jc, j)) {
			st->mismatch++;
			tap_diag("not json_equal: %s", show(in, n));
		}
		json_decref(jc);
		if (!has_reformatted_number(buf_head(&out), out.len)) {
			char *d = json_dumps(j, JSON_COMPACT);
			if (strlen(d) == out.len && memcmp(d, buf_head(&out), out.len) == 0) {
				st->bytes_equal++;
			} else {
				st->mismatch++;
				tap_diag("bytes differ: %s", show(in, n));
				tap_diag("  canon   %s", show(buf_head(&out), out.len));
				tap_diag("  jansson %s", show(d, strlen(d)));
			}
			free(d);
		}
	} else if (crc == 0) {
		if (json_error_code(&jerr) == json_error_numeric_overflow) {
			st->diff_overflow++;
		} else {
			st->mismatch++;
			tap_diag("canon accepts, jansson refuses (%s): %s", jerr.text, show(in, n));
		}
	} else if (jok) {
		if (err.rc == CANON_ESCAPED_KEY) {
			st->diff_escaped_key++;
		} else if (err.rc == CANON_DEPTH) {
			st->diff_depth++;
		} else if (err.rc == CANON_NUL && err.offset > 0 &&
			   ((in[err.offset - 1] >= '0' && in[err.offset - 1] <= '9') ||
			    in[err.offset - 1] == 'e' || in[err.offset - 1] == 'l')) {
			/* jansson 2.14 quirk: a NUL right after a number or
			 * literal is swallowed by its stream_unget(), so
			 * {"a":1<NUL>} loads as {"a":1}. canon is right. */
			st->diff_nul++;
		} else {
			st->mismatch++;
			tap_diag("canon refuses (%s at %zu), jansson accepts: %s",
				 err.why, err.offset, show(in, n));
		}
	} else {
		st->both_bad++;
		/* Where both see a duplicate first, they must agree it is one. */
		if (err.rc == CANON_DUP_KEY &&
		    json_error_code(&jerr) == json_error_duplicate_key)
			st->both_dup++;
	}
	json_decref(j);
	buf_free(&out);
	buf_free(&again);
}

static void test_differential(void)
{
	struct stats st = { 0 };
	struct gen g = { 0 };
	const unsigned rounds = 20000;

	for (unsigned r = 0; r < rounds; r++) {
		g.n = 0;
		ws(&g);
		unsigned top = rnd(40);
		if (top == 0) {
			gen_value(&g, 0);	/* any top-level value */
		} else if (top == 1) {	/* around the depth cap of 64 */
			unsigned d = 58 + rnd(12);
			puts_(&g, "{\"d\":");
			for (unsigned i = 0; i < d; i++)
				put(&g, "[", 1);
			for (unsigned i = 0; i < d; i++)
				put(&g, "]", 1);
			put(&g, "}", 1);
		} else {
			gen_container(&g, 0, true);
		}
		ws(&g);
		if (rnd(3) == 0)
			for (unsigned m = 1 + rnd(3); m; m--)
				mutate(&g);
		compare(g.s, g.n, &st);
	}
	/* String contents go 16 and 8 bytes a step, and a string that ends
	 * within 16 bytes of its quote is taken in line (short_string): one
	 * special byte (or sequence) at every offset of runs up to 48 bytes,
	 * in a value and in a key, before and after whitespace that shrinks
	 * the text in place, meets every lane and both paths. */
	static const char *const specials[] = {
		"\\\"", "\\n", "\\u00e9", "\x01", "\n", "\xc3\xa9", "\xe6\x97\xa5", "\xff",
		"\xc3", "\x7f", "\"", "\\",
	};
	unsigned lanes = 0;
	for (size_t k = 0; k < ARRAY_SIZE(specials); k++)
		for (size_t len = 0; len <= 48; len++)
			for (size_t at = 0; at <= len; at++)
				for (int spaced = 0; spaced < 2; spaced++) {
					char t[160];
					int n = snprintf(t, sizeof(t), "{%s\"k\":\"%.*s%s%.*s\"}",
							 spaced ? " \n " : "", (int)at,
							 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
							 specials[k], (int)(len - at),
							 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
					compare(t, (size_t)n, &st);
					n = snprintf(t, sizeof(t), "{%s\"%.*s%s%.*s\":1}",
						     spaced ? " \n " : "", (int)at,
						     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
						     specials[k], (int)(len - at),
						     "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
					compare(t, (size_t)n, &st);
					lanes += 2;
				}
	tap_diag("%u strings with a special byte at every offset", lanes);

	/* The table's cases go through the same comparison. */
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		compare(good[i].in, good[i].len, &st);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		compare(bad[i].in, bad[i].len, &st);
	free(g.s);

	tap_diag("both accept %u (bytes compared %u), both refuse %u (both as a "
		 "duplicate key %u), documented differences: escaped key %u, depth %u, "
		 "numeric overflow %u, NUL after a token %u",
		 st.both_ok, st.bytes_equal, st.both_bad, st.both_dup, st.diff_escaped_key,
		 st.diff_depth, st.diff_overflow, st.diff_nul);
	is_int(st.mismatch, 0, "canon agrees with jansson on %u inputs", rounds);
	is_int(st.canon_notfixed, 0, "canon output is a fixed point of canon");
	is_int(st.inplace_diff, 0, "canon_json_inplace agrees with canon_json_top on every input");
	is_int(st.stream_diff, 0, "canon_stream, however chunked, agrees with canon_json_top on every input");
	ok(st.inplace_shrunk > rounds / 10,
	   "in place: %u inputs whose canonical form is shorter (bytes moved down)",
	   st.inplace_shrunk);
	ok(st.both_ok > rounds / 5 && st.both_bad > rounds / 10,
	   "the corpus exercises both outcomes");
	ok(st.bytes_equal > rounds / 10, "byte-for-byte equal to json_dumps on %u inputs",
	   st.bytes_equal);
	ok(st.diff_escaped_key > 0 && st.diff_overflow > 0 && st.diff_depth > 0,
	   "the documented differences were exercised");
	ok(st.both_dup > 50, "duplicate keys were exercised (%u refused by both as such)",
	   st.both_dup);
}

int main(void)
{
	test_table();
	test_depth();
	test_dup_keys();
	test_top();
	test_differential();
	test_stream();
	test_prefix();
	test_prefix_lazy();
	test_speed();
	return tap_done();
}
