/* test-jsbound.c - jsbound.c: every mask builder against a byte loop;
 * then, for each copy of the scan this machine runs (portable, SSE2, AVX2,
 * and the one chosen at run time): cases by hand; a differential test
 * against a byte-at-a-time reference (jsbound_oracle.h) on random bytes
 * rich in quotes, backslashes and brackets, whole and in random pieces;
 * and against jansson: in a stream of values it dumped, the scan ends
 * each value exactly where jansson's parse of it stops. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>
#include "../fuzz/jsbound_oracle.h"
#include "buf.h"
#include "tap.h"

/* Offsets where values end, scanning s whole from depth 0, joined by ','
 * ("" if none), then ";" and the final depth, in_str, esc. */
static const char *ends(const char *s, size_t max_depth)
{
	static char out[256];
	struct jsbound b = { 0 };
	size_t pos = 0, n = strlen(s), o = 0;
	enum jsbound_stop st;

	out[0] = '\0';
	while ((st = jsbound_scan(&b, s, &pos, n, max_depth)) != JSBOUND_MORE) {
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s%zu", o ? "," : "",
				      st == JSBOUND_TOO_DEEP ? "deep@" : "", pos);
		if (st == JSBOUND_TOO_DEEP || o >= sizeof(out) - 1)
			return out;	/* truncated when a broken scan stops too often */
	}
	snprintf(out + o, sizeof(out) - o, ";%zu%s%s", b.depth, b.in_str ? " str" : "",
		 b.esc ? " esc" : "");
	return out;
}

static void test_cases(void)
{
	const size_t any = SIZE_MAX;

	is_str(ends("{}", any), "2;0", "an empty object ends at its brace");
	is_str(ends("{\"a\":1}{\"b\":[2]}", any), "7,16;0", "two objects back to back");
	is_str(ends("{\"a\":\"}]\"}", any), "10;0", "brackets inside a string do not count");
	is_str(ends("{\"a\":\"\\\"}\"}", any), "11;0", "an escaped quote does not end the string");
	is_str(ends("{\"a\":\"\\\\\"}", any), "10;0", "an escaped backslash does not escape the quote");
	is_str(ends("{\"a\":\"\\\\\\\"}\"}", any), "13;0", "three backslashes: the quote is escaped");
	is_str(ends("}]  {\"x\":[]}", any), "12;0", "closing brackets with nothing open are ignored");
	is_str(ends("\"{\" {}", any), "6;0", "a string between values is skipped");
	is_str(ends("[1,[2,[3]]] ", any), "11;0", "arrays nest like objects");
	is_str(ends("{\"abcdefghijklmnopq\":{\"r\":\"s", any), ";2 str", "cut inside a string");
	is_str(ends("{\"abcdefg\\", any), ";1 str esc", "cut after a backslash");
	is_str(ends("{\"a\":{\"b\":{}}}", 2), "deep@10", "the bracket past max_depth is where it stops");
	is_str(ends("{\"a\":{\"b\":{}}}", 3), "14;0", "max_depth itself is allowed");
	is_str(ends("\xff\x80{\"\xe2\x82\xac\":0}", any), "11;0", "high bytes are plain");

	/* a long string with its quote at every lane of a word */
	for (size_t len = 0; len < 24; len++) {
		char s[64] = "{\"";
		memset(s + 2, 'x', len);
		strcpy(s + 2 + len, "\":1}");
		char want[16];
		snprintf(want, sizeof(want), "%zu;0", len + 6);
		if (strcmp(ends(s, any), want)) {
			ok(0, "key of %zu bytes: got %s", len, ends(s, any));
			return;
		}
	}
	ok(1, "a key of any length ends where it should (quote in every lane)");

	/* Whole blocks whose brackets are counted, not walked: a value that
	 * stays open across many blocks, then closes in one; and one that
	 * goes past max_depth only in its last element. */
	char big[4096] = "[";
	size_t n = 1;
	while (n < 3000)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "{\"k\":[1,{\"x\":\"]}\"}]},");
	big[n - 1] = ']';
	char want[32];
	snprintf(want, sizeof(want), "%zu;0", n);
	is_str(ends(big, any), want, "a 3 kB array of objects ends at its last bracket");
	is_str(ends(big, 3), "deep@9", "its depth 4 stops at the first bracket past 3");
	is_str(ends(big, 4), want, "and max_depth 4 lets all of it through");
	size_t deep = n + 7;	/* the third '[' of the element added last */
	n += (size_t)snprintf(big + n - 1, sizeof(big) - n + 1, ",{\"d\":[[[0]]]}]") - 1;
	snprintf(want, sizeof(want), "deep@%zu", deep);
	is_str(ends(big, 4), want, "a deeper last element stops there, blocks later");
	snprintf(want, sizeof(want), "%zu;0", n);
	is_str(ends(big, 5), want, "and passes with one level more");
	big[n - 1] = ',';
	snprintf(want, sizeof(want), ";1");
	is_str(ends(big, any), want, "without its last bracket it is still open, depth 1");
}

static unsigned long long rng = 0x853C49E6748FEA9Bull;

static unsigned rnd(unsigned n)
{
	return tap_rnd(&rng, n);
}

/* Random bytes, mostly the ones the scan cares about; in two of three
 * streams backslashes are rare or absent, so whole blocks take the path
 * without one. */
static size_t noise(char *s, size_t max)
{
	static const char alpha[] = "\"\\{}[]\"\\{}a :,\x80 ";
	static const char plain[] = "\"{}[]\"aaaaaaaa :,\x80 ";
	unsigned kind = rnd(3);
	size_t n = rnd((unsigned)max);
	for (size_t i = 0; i < n; i++) {
		if (kind == 0)
			s[i] = rnd(8) ? alpha[rnd(sizeof(alpha) - 1)] : (char)rnd(256);
		else if (kind == 2 && !rnd(300))
			s[i] = '\\';
		else
			s[i] = plain[rnd(sizeof(plain) - 1)];
	}
	return n;
}

/* Every mask builder this machine can run against a byte loop, on random
 * blocks. */
static void test_masks(void)
{
	struct { const char *name; void (*fn)(const char *, uint64_t *); bool here; } b[] = {
		{ "portable", jsbound_masks_portable, true },
#if JSBOUND_X86
		{ "SSE2", jsbound_masks_sse2, true },
		{ "AVX2", jsbound_masks_avx2, jsbound_use(JSBOUND_AVX2) },
#endif
	};
	char blk[64];
	int runs = 20000;

	jsbound_use(JSBOUND_AUTO);
	for (size_t k = 0; k < sizeof(b) / sizeof(b[0]); k++) {
		if (!b[k].here) {
			tap_skip("the %s mask builder: this CPU lacks it", b[k].name);
			continue;
		}
		int bad = 0;
		for (int r = 0; r < runs && bad < 5; r++) {
			for (int i = 0; i < 64; i++)
				blk[i] = rnd(3) ? "\"\\{}[]a\x7b\x5b\x7d\x5d\xfb\xdb"[rnd(13)]
						: (char)rnd(256);
			uint64_t want[JSBOUND_NMASKS] = { 0 }, got[JSBOUND_NMASKS];
			for (int i = 0; i < 64; i++) {
				char c = blk[i];
				want[0] |= (uint64_t)(c == '"') << i;
				want[1] |= (uint64_t)(c == '\\') << i;
				want[2] |= (uint64_t)(c == '{' || c == '[') << i;
				want[3] |= (uint64_t)(c == '}' || c == ']') << i;
			}
			b[k].fn(blk, got);
			if (memcmp(got, want, sizeof(want)))
				bad++;
		}
		ok(bad == 0, "%d random blocks: the %s mask builder marks exactly the quotes, "
		   "backslashes and brackets", runs, b[k].name);
	}
}

static void test_reference(void)
{
	char s[1200];
	size_t sched[5];
	int bad = 0, runs = 30000;

	for (int r = 0; r < runs && bad < 5; r++) {
		size_t n = noise(s, sizeof(s));
		size_t ns = rnd(6);
		for (size_t k = 0; k < ns; k++)
			sched[k] = 1 + rnd(r % 2 ? 4 : 200);
		size_t md = rnd(4) ? SIZE_MAX : rnd(6);
		if (!jsbound_agrees(s, n, sched, ns, md)) {
			bad++;
			tap_diag("differs from the reference: %zu bytes, depth %zu", n, md);
		}
	}
	ok(bad == 0, "%d random streams: the same stops and states as the reference, "
	   "whole and in pieces", runs);
}

/* A random JSON value for jansson to dump: strings full of what must be
 * escaped, and brackets. */
static json_t *value(unsigned depth)
{
	static const char *const bits[] = { "\"", "\\", "{", "}", "[", "]", "a",
					    "\n", "\x01", "/", "\xc3\xa9", "\xe2\x82\xac" };
	unsigned kind = depth ? rnd(6) : 2 + rnd(4);
	char str[64];
	size_t n = 0;

	switch (kind) {
	case 0: {
		json_t *o = json_object();
		for (unsigned k = rnd(5); k; k--) {
			snprintf(str, sizeof(str), "%s%u", bits[rnd(12)], rnd(1000));
			json_object_set_new(o, str, value(depth - 1));
		}
		return o;
	}
	case 1: {
		json_t *a = json_array();
		for (unsigned k = rnd(5); k; k--)
			json_array_append_new(a, value(depth - 1));
		return a;
	}
	case 2:
		for (unsigned k = rnd(8); k; k--) {
			const char *b = bits[rnd(12)];
			if (n + strlen(b) < sizeof(str))
				n += (size_t)snprintf(str + n, sizeof(str) - n, "%s", b);
		}
		return json_stringn(str, n);
	case 3:
		return json_integer(rnd(100000));
	case 4:
		return rnd(2) ? json_true() : json_null();
	default:
		return json_real(rnd(1000) / 8.0);
	}
}

static void test_jansson(void)
{
	static const size_t flags[] = { JSON_COMPACT, JSON_INDENT(2), JSON_ENSURE_ASCII,
					JSON_COMPACT | JSON_ESCAPE_SLASH, 0 };
	int bad = 0, streams = 300, values = 0;

	for (int r = 0; r < streams && bad < 5; r++) {
		struct buf s;
		size_t want[40], nw = 0;
		buf_init(&s);
		for (unsigned v = 1 + rnd(40); v; v--) {
			json_t *j = rnd(2) ? json_object() : json_array();
			for (unsigned k = rnd(6); k; k--) {
				json_t *x = value(4);
				if (json_is_object(j))
					json_object_set_new(j, rnd(2) ? "k\"}" : "k", x);
				else
					json_array_append_new(j, x);
			}
			char *t = json_dumps(j, flags[rnd(5)]);
			json_decref(j);
			buf_append(&s, " \n\t", rnd(4));
			size_t start = s.len;
			buf_append(&s, t, strlen(t));
			free(t);
			/* jansson agrees that its value ends there */
			json_error_t e;
			json_t *back = json_loadb(buf_head(&s) + start, s.len - start,
						  JSON_DISABLE_EOF_CHECK, &e);
			if (!back || (size_t)e.position != s.len - start) {
				bad++;
				tap_diag("jansson: value at %zu ends at %d, not %zu", start,
				     e.position, s.len - start);
			}
			json_decref(back);
			want[nw++] = s.len;
			values++;
		}
		/* found again in pieces of 1 to 64 bytes */
		struct jsbound b = { 0 };
		size_t pos = 0, got = 0;
		while (pos < s.len && got <= nw) {
			size_t end = pos + 1 + rnd(64);
			if (end > s.len)
				end = s.len;
			while (jsbound_scan(&b, buf_head(&s), &pos, end, 64) == JSBOUND_CLOSED) {
				if (got >= nw || pos != want[got]) {
					bad++;
					tap_diag("stream %d: value %zu ends at %zu, jansson says %zu", r,
					     got, pos, got < nw ? want[got] : 0);
				}
				got++;
			}
		}
		if (got != nw || !jsbound_between(&b)) {
			bad++;
			tap_diag("stream %d: %zu of %zu values found", r, got, nw);
		}
		buf_free(&s);
	}
	ok(bad == 0, "%d values jansson dumped (compact, indented, ASCII-escaped): "
	   "each ends where jansson's parse stops", values);
}

/* The runner decides on AVX2 from glibc's record of the CPU: it must say
 * what the compiler's own probe (the CPUID instructions it saves) says. */
static void test_cpu_choice(void)
{
#if JSBOUND_X86
	__builtin_cpu_init();
	bool probe = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul") &&
		     __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi");
	ok(jsbound_use(JSBOUND_AVX2) == probe,
	   "the AVX2 scan is offered exactly when CPUID says AVX2, PCLMUL, POPCNT and BMI (%s)",
	   probe ? "here: yes" : "here: no");
	jsbound_use(JSBOUND_AUTO);
#else
	tap_skip("the AVX2 choice: not an x86-64 build");
#endif
}

int main(void)
{
	static const struct { enum jsbound_impl impl; const char *name; } impls[] = {
		{ JSBOUND_PORTABLE, "portable" },
		{ JSBOUND_SSE2, "SSE2" },
		{ JSBOUND_AVX2, "AVX2" },
		{ JSBOUND_AUTO, "chosen at run time" },
	};

	test_cpu_choice();
	test_masks();
	for (size_t k = 0; k < sizeof(impls) / sizeof(impls[0]); k++) {
		if (!jsbound_use(impls[k].impl)) {
			tap_skip("the %s scan: this CPU or build lacks it", impls[k].name);
			continue;
		}
		tap_diag("the %s scan", impls[k].name);
		test_cases();
		test_reference();
		test_jansson();
	}
	return tap_done();
}
