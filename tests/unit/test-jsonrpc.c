/* test-jsonrpc.c - jsonrpc.c: classification (eager and lazy), strict
 * decoding decisions (duplicates, escaped keys, NUL), byte-exact canonical
 * output, spans and the span helpers, the DOM built on demand, the reply
 * builders' exact bytes, lenient sniffing of non-strict host frames, and a
 * lazy-decode throughput figure (diag only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jsonrpc.h"
#include "tap.h"
#include "util.h"

#define S(x) x, sizeof(x) - 1

struct kcase {
	const char *in;
	enum msg_kind kind;
	const char *method;	/* NULL: m.method must be NULL */
	const char *id;		/* compact dump of m.id, NULL: no id */
};

static const struct kcase kinds[] = {
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getinfo\",\"params\":{}}",
	  MSG_REQUEST, "getinfo", "1" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":\"cln:x#1\",\"method\":\"hello\",\"params\":[]}",
	  MSG_REQUEST, "hello", "\"cln:x#1\"" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":-3,\"method\":\"x\"}", MSG_REQUEST, "x", "-3" },
	{ "{\"method\":\"x\",\"id\":0,\"jsonrpc\":\"2.0\"}", MSG_REQUEST, "x", "0" },
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"log\",\"params\":{\"level\":\"info\",\"message\":\"x\"}}",
	  MSG_NOTIFICATION, "log", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"shutdown\"}", MSG_NOTIFICATION, "shutdown", NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}", MSG_RESPONSE, NULL, "5" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"error\":{\"code\":-1,\"message\":\"x\"}}",
	  MSG_RESPONSE, NULL, "\"a\"" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":null}", MSG_RESPONSE, NULL, "5" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{},\"error\":{}}", MSG_INVALID, NULL, "5" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":5}", MSG_INVALID, NULL, "5" },
	{ "{\"jsonrpc\":\"2.0\",\"result\":{}}", MSG_INVALID, NULL, NULL },
	{ "{\"jsonrpc\":\"2.0\"}", MSG_INVALID, NULL, NULL },
	{ "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}", MSG_INVALID, NULL, "1" },
	{ "{\"jsonrpc\":2.0,\"id\":1,\"method\":\"x\"}", MSG_INVALID, NULL, "1" },
	{ "{\"id\":1,\"method\":\"x\"}", MSG_INVALID, NULL, "1" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"x\"}", MSG_INVALID, NULL, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\"}", MSG_INVALID, NULL, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"x\"}", MSG_INVALID, NULL, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":true,\"result\":{}}", MSG_INVALID, NULL, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", MSG_INVALID, NULL, "1" },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":\"s\"}", MSG_INVALID, NULL, "1" },
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":5}", MSG_INVALID, NULL, NULL },
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":null}", MSG_INVALID, NULL, NULL },
};

static char *dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static void test_kinds(void)
{
	struct buf scratch;
	struct rpcmsg m;
	char why[256];

	buf_init(&scratch);
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		const struct kcase *k = &kinds[i];
		int rc = jsonrpc_decode(k->in, strlen(k->in), 64, &scratch, &m, why, sizeof(why));
		char *id = dump(m.id);
		bool good = rc == 0 && m.kind == k->kind && m.root &&
			    (k->method ? m.method && strcmp(m.method, k->method) == 0 : !m.method) &&
			    (k->id ? id && strcmp(id, k->id) == 0 : !id);
		ok(good, "kind %d: %s", k->kind, k->in);
		if (!good)
			tap_diag("  rc %d kind %d method %s id %s (%s)", rc, m.kind,
				 m.method ? m.method : "-", id ? id : "-", rc ? why : "");
		free(id);
		rpcmsg_clear(&m);
	}
	buf_free(&scratch);
}

static char *span_text(const struct rpcmsg *m, struct jspan s)
{
	return s.len ? xstrndup(m->canon + s.off, s.len) : NULL;
}

/* The lazy decoder classifies every table case as the eager one does,
 * without a DOM; rpcmsg_dom() then yields the eager DOM. */
static void test_lazy_kinds(void)
{
	struct buf scratch, s2;
	struct rpcmsg m, e;
	char why[256];

	buf_init(&scratch);
	buf_init(&s2);
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		const struct kcase *k = &kinds[i];
		int rc = jsonrpc_decode_lazy(k->in, strlen(k->in), 64, &scratch, &m, why,
					     sizeof(why));
		int erc = jsonrpc_decode(k->in, strlen(k->in), 64, &s2, &e, why, sizeof(why));
		char *id = span_text(&m, m.id_span);
		bool good = rc == 0 && erc == 0 && m.kind == k->kind && m.kind == e.kind &&
			    !m.root && !m.id && !m.params && !m.dom &&
			    (k->method ? m.method && strcmp(m.method, k->method) == 0 : !m.method) &&
			    (k->id ? id && strcmp(id, k->id) == 0 : !id) &&
			    !m.params_span.len == !e.params;
		ok(good, "lazy kind %d: %s", k->kind, k->in);
		if (!good)
			tap_diag("  rc %d kind %d method %s id %s", rc, m.kind,
				 m.method ? m.method : "-", id ? id : "-");
		json_t *root = rpcmsg_dom(&m);
		ok(root && m.dom && json_equal(root, e.root) &&
		   (m.id ? json_equal(m.id, e.id) : !e.id) &&
		   (m.params ? json_equal(m.params, e.params) : !e.params) &&
		   rpcmsg_dom(&m) == root, "  rpcmsg_dom equals the eager DOM");
		free(id);
		rpcmsg_clear(&m);
		rpcmsg_clear(&e);
	}
	buf_free(&scratch);
	buf_free(&s2);
}

static void test_lazy_more(void)
{
	struct buf scratch;
	struct rpcmsg m;
	char why[256];
	int rc;

	buf_init(&scratch);
	rc = jsonrpc_decode_lazy(S("{\"jsonrpc\":\"2.0\",\"params\":{\"a\":1,\"a\":2},\"method\":\"x\"}"),
				 64, &scratch, &m, why, sizeof(why));
	ok(rc == -1 && strstr(why, "duplicate"), "lazy: nested duplicate key refused (%s)", why);
	rc = jsonrpc_decode_lazy(S("{\"jsonrpc\":\"2.0\",\"m\\u0065thod\":\"x\"}"),
				 64, &scratch, &m, why, sizeof(why));
	ok(rc == -1 && strstr(why, "escape"), "lazy: escaped key refused (%s)", why);

	/* ids: span bytes are the id's canonical text = json_dumps of the id */
	static const char *const sids[] = {
		"\"cln:x#1\"", "\"a\\u0062\\/\\u00e9\\n\\u0001\\\"\"", "\"\xe6\x97\xa5\"", "\"\"",
	};
	for (size_t i = 0; i < ARRAY_SIZE(sids); i++) {
		char *in = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{}}", sids[i]);
		rc = jsonrpc_decode_lazy(in, strlen(in), 64, &scratch, &m, why, sizeof(why));
		char *span = span_text(&m, m.id_span);
		rpcmsg_dom(&m);
		char *d = m.id ? json_dumps(m.id, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		ok(rc == 0 && m.kind == MSG_RESPONSE && span && d && strcmp(span, d) == 0,
		   "string id %s: span bytes %s == json_dumps %s", sids[i], span ? span : "-",
		   d ? d : "-");
		free(d);
		free(span);
		free(in);
		rpcmsg_clear(&m);
	}
	/* integer ids: exactly those within int64 */
	static const struct { const char *id; bool valid; } iids[] = {
		{ "9223372036854775807", true }, { "-9223372036854775808", true },
		{ "9223372036854775808", false }, { "-9223372036854775809", false },
		{ "10000000000000000000", false }, { "-0", true }, { "0", true },
		{ "1e2", false }, { "1.0", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(iids); i++) {
		char *in = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":1}", iids[i].id);
		struct rpcmsg e;
		struct buf s2;
		buf_init(&s2);
		rc = jsonrpc_decode_lazy(in, strlen(in), 64, &scratch, &m, why, sizeof(why));
		int erc = jsonrpc_decode(in, strlen(in), 64, &s2, &e, why, sizeof(why));
		ok(rc == 0 && erc == 0 && !!m.id_span.len == iids[i].valid &&
		   m.kind == (iids[i].valid ? MSG_RESPONSE : MSG_INVALID) && m.kind == e.kind &&
		   !!e.id == iids[i].valid, "integer id %s: %s", iids[i].id,
		   iids[i].valid ? "valid" : "not a valid id");
		if (e.id) {
			/* the span is the lexeme; json_dumps agrees but for -0 */
			char *span = span_text(&m, m.id_span), *d = dump(e.id);
			ok(strcmp(span, d) == 0 || (strcmp(span, "-0") == 0 && strcmp(d, "0") == 0),
			   "  span %s, json_dumps %s", span, d);
			free(span);
			free(d);
		}
		rpcmsg_clear(&m);
		rpcmsg_clear(&e);
		buf_free(&s2);
		free(in);
	}

	/* a real beyond a double: the DOM zeroes numbers but keeps the id */
	rc = jsonrpc_decode_lazy(S("{\"jsonrpc\":\"2.0\",\"id\":42,\"result\":[1e400,7]}"),
				 64, &scratch, &m, why, sizeof(why));
	ok(rc == 0 && m.kind == MSG_RESPONSE && !m.numbers_approx, "1e400: lazy decode, no DOM yet");
	ok(rpcmsg_dom(&m) && m.numbers_approx && json_integer_value(m.id) == 42,
	   "  rpcmsg_dom: numbers approximate, the id still 42");
	rpcmsg_clear(&m);

	/* more members than canon records: still classified */
	struct buf w;
	buf_init(&w);
	buf_append(&w, "{", 1);
	for (int i = 0; i < 20; i++) {
		char *f = xasprintf("\"f%d\":{\"id\":0,\"method\":1},", i);
		buf_append(&w, f, strlen(f));
		free(f);
	}
	const char tail[] = "\"params\":[],\"method\":\"m\\u0001\",\"id\":\"z\",\"jsonrpc\":\"2.0\"}";
	buf_append(&w, tail, sizeof(tail) - 1);
	rc = jsonrpc_decode_lazy(buf_head(&w), w.len, 64, &scratch, &m, why, sizeof(why));
	char *id = span_text(&m, m.id_span), *pa = span_text(&m, m.params_span);
	ok(rc == 0 && m.kind == MSG_REQUEST && m.method && strcmp(m.method, "m\x01") == 0 &&
	   id && strcmp(id, "\"z\"") == 0 && pa && strcmp(pa, "[]") == 0,
	   "24 members, the JSON-RPC ones last: request, method decoded, id and params found");
	free(id);
	free(pa);
	rpcmsg_clear(&m);
	buf_free(&w);

	/* a long escaped method: owned heap copy, decoded */
	char longm[200];
	memset(longm, 'q', sizeof(longm));
	memcpy(longm + 150, "\\\"\\\\\\t\\u001F\"}", 14);
	char *in = xasprintf("{\"jsonrpc\":\"2.0\",\"method\":\"%.*s", 164, longm);
	rc = jsonrpc_decode_lazy(in, strlen(in), 64, &scratch, &m, why, sizeof(why));
	ok(rc == 0 && m.kind == MSG_NOTIFICATION && m.method && strlen(m.method) == 154 &&
	   memcmp(m.method + 150, "\"\\\t\x1f", 4) == 0, "long method with escapes decoded");
	rpcmsg_clear(&m);
	ok(!m.method && !m.root && m.kind == MSG_INVALID, "rpcmsg_clear resets (ASan: frees)");
	free(in);
	buf_free(&scratch);
}

static void test_spans(void)
{
	struct buf scratch;
	struct rpcmsg m;
	char why[256];
	struct jspan v, w;

	buf_init(&scratch);
	const char in[] = "{ \"jsonrpc\":\"2.0\", \"method\":\"log\", \"params\": { \"x\":{\"level\":\"no\"},"
			  "\"arr\":[\"}\",{\"a\":\"]\\\\\"}], \"level\" : \"In\\u0066o\", \"message\":\"h\\\"i\\n\","
			  "\"n\":-1.5e3,\"t\":true } }";
	int rc = jsonrpc_decode_lazy(in, strlen(in), 64, &scratch, &m, why, sizeof(why));
	ok(rc == 0 && m.kind == MSG_NOTIFICATION && m.params_span.len, "log notification decoded lazily");
	const char *c = m.canon;
	ok(jspan_member(c, m.params_span, "level", &v) && jspan_is_string(c, v) &&
	   v.len == 6 && memcmp(c + v.off, "\"Info\"", 6) == 0,
	   "jspan_member finds level past nested values with tricky strings");
	ok(jspan_str_eq(c, v, "Info") && !jspan_str_eq(c, v, "info") &&
	   jspan_str_eq_case(c, v, "info") && jspan_str_eq_case(c, v, "INFO") &&
	   !jspan_str_eq_case(c, v, "inf") && !jspan_str_eq_case(c, v, "infos"),
	   "jspan_str_eq and its case-insensitive variant");
	char *d = jspan_strdup(c, v);
	ok(d && strcmp(d, "Info") == 0, "jspan_strdup of a plain string");
	free(d);
	ok(jspan_member(c, m.params_span, "message", &w) && jspan_str_eq(c, w, "h\"i\n") &&
	   !jspan_strdup(c, w), "escapes are decoded for comparison, strdup refuses them");
	ok(jspan_member(c, m.params_span, "n", &w) && !jspan_is_string(c, w) &&
	   w.len == 6 && memcmp(c + w.off, "-1.5e3", 6) == 0 && !jspan_str_eq(c, w, "-1.5e3"),
	   "a number member: its lexeme, not a string");
	ok(jspan_member(c, m.params_span, "t", &w) && w.len == 4, "the last member");
	ok(!jspan_member(c, m.params_span, "a", &w) && !jspan_member(c, m.params_span, "leve", &w),
	   "nested keys and prefixes are not members");
	ok(!jspan_member(c, v, "x", &w), "jspan_member on a non-object is false");
	struct jspan x;
	ok(jspan_member(c, m.params_span, "x", &x) && jspan_member(c, x, "level", &w) &&
	   jspan_str_eq(c, w, "no"), "member of a member");
	ok(jspan_member(c, (struct jspan){ 0, m.canon_len }, "method", &w) &&
	   jspan_str_eq(c, w, "log"), "member of the whole message");
	rpcmsg_clear(&m);
	buf_free(&scratch);
}

static void test_speed(void)
{
	static const char msg[] = "{\"jsonrpc\":\"2.0\",\"method\":\"log\",\"params\":"
				  "{\"level\":\"info\",\"message\":\"plugin started, 3 peers connected\"}}";
	struct buf scratch;
	struct rpcmsg m;
	char why[128];
	const int reps = 300000;
	int good = 0;

	buf_init(&scratch);
	double t0 = tap_now();
	for (int i = 0; i < reps; i++) {
		if (jsonrpc_decode_lazy(msg, sizeof(msg) - 1, 64, &scratch, &m, why, sizeof(why)) == 0 &&
		    m.kind == MSG_NOTIFICATION) {
			struct jspan lv;
			good += jspan_member(m.canon, m.params_span, "level", &lv) &&
				jspan_str_eq(m.canon, lv, "info");
		}
		rpcmsg_clear(&m);
	}
	double tl = tap_now() - t0;
	t0 = tap_now();
	for (int i = 0; i < reps; i++) {
		good += jsonrpc_decode(msg, sizeof(msg) - 1, 64, &scratch, &m, why, sizeof(why)) == 0;
		rpcmsg_clear(&m);
	}
	double te = tap_now() - t0;
	t0 = tap_now();
	for (int i = 0; i < reps; i++) {
		json_t *j = json_loadb(msg, sizeof(msg) - 1, JSON_REJECT_DUPLICATES, NULL);
		good += j != NULL;
		json_decref(j);
	}
	double tj = tap_now() - t0;
	is_int(good, 3 * reps, "throughput loops: every message decoded");
	tap_diag("%zu-byte log notification: lazy decode + level check %.0f msgs/s, "
		 "eager decode %.0f msgs/s, jansson json_loadb alone %.0f msgs/s",
		 sizeof(msg) - 1, reps / tl, reps / te, reps / tj);
	buf_free(&scratch);
}

static void is_bytes(const char *p, size_t n, const char *want, const char *name)
{
	char *got = xstrndup(p ? p : "", p ? n : 0);
	is_str(got, want, "%s", name);
	free(got);
}

static void test_strict(void)
{
	struct buf scratch, out;
	struct rpcmsg m;
	char why[256];
	int rc;

	buf_init(&scratch);
	buf_init(&out);

	rc = jsonrpc_decode(S("{\"jsonrpc\":\"2.0\",\"method\":\"withdraw\",\"method\":\"getinfo\"}"),
			    64, &scratch, &m, why, sizeof(why));
	ok(rc == -1 && !m.root, "duplicate key refused");
	ok(strstr(why, "duplicate") != NULL, "  why: %s", why);

	rc = jsonrpc_decode(S("{\"jsonrpc\":\"2.0\",\"id\":1,\"m\\u0065thod\":\"getinfo\"}"),
			    64, &scratch, &m, why, sizeof(why));
	ok(rc == -1 && !m.root, "escaped key refused");
	ok(strstr(why, "escape") != NULL, "  why: %s", why);

	rc = jsonrpc_decode(S("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getinf\\u006f\"}"),
			    64, &scratch, &m, why, sizeof(why));
	ok(rc == 0 && m.kind == MSG_REQUEST && m.method && strcmp(m.method, "getinfo") == 0,
	   "escaped method value decoded");
	jsonrpc_emit_canon(&out, &m);
	is_bytes(buf_head(&out), out.len,
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getinfo\"}\n\n",
	       "  re-emitted minimally, with \\n\\n");
	rpcmsg_clear(&m);

	rc = jsonrpc_decode(S("{\"jsonrpc\":\"2.0\",\"method\":\"a\x00\"}"),
			    64, &scratch, &m, why, sizeof(why));
	ok(rc == -1, "raw NUL refused (%s)", why);
	rc = jsonrpc_decode(S("{\"jsonrpc\":\"2.0\",\"method\":\"a\\u0000b\"}"),
			    64, &scratch, &m, why, sizeof(why));
	ok(rc == -1, "\\u0000 refused (%s)", why);
	rc = jsonrpc_decode(S("{\"jsonrpc\":\"2.0\",\"method\":\"a\"} x"),
			    64, &scratch, &m, why, sizeof(why));
	ok(rc == -1 && strstr(why, "at byte 31"), "trailing garbage refused (%s)", why);
	rc = jsonrpc_decode(S("{\"jsonrpc\":\"2.0\",\"method\":\"a\",\"params\":[[[]]]}"),
			    3, &scratch, &m, why, sizeof(why));
	ok(rc == -1 && strstr(why, "deep"), "depth cap applies (%s)", why);
	rc = jsonrpc_decode(S("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1e400}"),
			    64, &scratch, &m, why, sizeof(why));
	ok(rc == 0 && m.root && m.numbers_approx && m.kind == MSG_RESPONSE,
	   "a real overflowing a double is valid JSON: decoded, numbers marked approximate");
	ok(rc == 0 && m.canon_len == strlen("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1e400}") &&
	   memcmp(m.canon, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1e400}", m.canon_len) == 0,
	   "... and its canonical bytes keep 1e400 exactly");
	rpcmsg_clear(&m);
	rc = jsonrpc_decode(S("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":{\"x\":1}}"),
			    64, &scratch, &m, why, sizeof(why));
	ok(rc == 0 && !m.numbers_approx, "ordinary numbers are not marked approximate");
	rpcmsg_clear(&m);

	/* u64 msat values and reals reach the other side byte-exact. */
	const char big[] = "{ \"jsonrpc\" : \"2.0\", \"id\" : 7, \"result\" : "
			   "{\"max_htlc_value_in_flight_msat\": 18446744073709551615, "
			   "\"x\": 0.1, \"y\": -0, \"z\": 1E+2} }";
	rc = jsonrpc_decode(big, strlen(big), 64, &scratch, &m, why, sizeof(why));
	ok(rc == 0 && m.kind == MSG_RESPONSE, "u64 beyond int64 decodes (as a response)");
	ok(json_is_integer(m.id) && json_integer_value(m.id) == 7,
	   "  the id stays an integer despite JSON_DECODE_INT_AS_REAL");
	is_bytes(m.canon, m.canon_len,
	       "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"max_htlc_value_in_flight_msat\":"
	       "18446744073709551615,\"x\":0.1,\"y\":-0,\"z\":1E+2}}",
	       "  canonical bytes keep every number lexeme");
	rpcmsg_clear(&m);

	rc = jsonrpc_decode(S("{\"jsonrpc\":\"2.0\",\"id\":18446744073709551615,\"result\":{}}"),
			    64, &scratch, &m, why, sizeof(why));
	ok(rc == 0 && m.kind == MSG_INVALID && !m.id, "an id beyond int64 is not a valid id");
	rpcmsg_clear(&m);

	/* ids come back byte for byte */
	const char ids[] = "{\"jsonrpc\":\"2.0\",\"id\":\"cln:getmanifest#12/\xc3\xa9\","
			   "\"method\":\"getmanifest\",\"params\":{}}";
	rc = jsonrpc_decode(ids, strlen(ids), 64, &scratch, &m, why, sizeof(why));
	ok(rc == 0 && m.canon_len == strlen(ids) && memcmp(m.canon, ids, m.canon_len) == 0,
	   "compact input is its own canonical form (id bytes preserved)");
	rpcmsg_clear(&m);
	rc = jsonrpc_decode(S("{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"result\":[]}"),
			    64, &scratch, &m, why, sizeof(why));
	ok(rc == 0 && json_integer_value(m.id) == 9007199254740993LL &&
	   strstr(m.canon, "\"id\":9007199254740993,"), "integer id beyond 2^53 exact");
	ok(scratch.len == m.canon_len && buf_head(&scratch) == m.canon,
	   "scratch is reset before each decode");
	rpcmsg_clear(&m);

	buf_free(&out);
	buf_free(&scratch);
}

static void is_buf(struct buf *b, const char *want, const char *name)
{
	char *got = xstrndup(buf_head(b), b->len);
	is_str(got, want, "%s", name);
	free(got);
	buf_consume(b, b->len);
}

static void test_builders(void)
{
	struct buf out;
	json_t *id = json_string("cln:x#1");

	buf_init(&out);
	json_t *r = jsonrpc_error(id, -32601, "plugin-runner: method x is not allowed",
				  json_pack("{s:s,s:s}", "method", "x", "rule", "rpc.allow"));
	jsonrpc_emit_json(&out, r);
	json_decref(r);
	is_buf(&out, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:x#1\",\"error\":{\"code\":-32601,"
	       "\"message\":\"plugin-runner: method x is not allowed\","
	       "\"data\":{\"method\":\"x\",\"rule\":\"rpc.allow\"}}}\n\n",
	       "jsonrpc_error + emit_json: exact bytes");
	is_int(id->refcount, 1, "  the id was copied, not taken");

	r = jsonrpc_error(NULL, -32600, "plugin-runner: bad \xff", NULL);
	jsonrpc_emit_json(&out, r);
	json_decref(r);
	is_buf(&out, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
	       "\"message\":\"plugin-runner: bad ?\"}}\n\n",
	       "no id, no data, invalid UTF-8 in the message made safe");

	jsonrpc_emit_error_raw(&out, "\"cln:x#1\"", -32700,
			       "plugin-runner: request is not strict JSON", "hello", "strict JSON");
	is_buf(&out, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:x#1\",\"error\":{\"code\":-32700,"
	       "\"message\":\"plugin-runner: request is not strict JSON\","
	       "\"data\":{\"method\":\"hello\",\"rule\":\"strict JSON\"}}}\n\n",
	       "emit_error_raw: exact bytes");
	jsonrpc_emit_error_raw(&out, "\"a\\u0062\"", -1, "plugin-runner: m", NULL, "r");
	is_buf(&out, "{\"jsonrpc\":\"2.0\",\"id\":\"a\\u0062\",\"error\":{\"code\":-1,"
	       "\"message\":\"plugin-runner: m\",\"data\":{\"rule\":\"r\"}}}\n\n",
	       "emit_error_raw: raw id bytes kept, NULL method left out");
	jsonrpc_emit_error_raw(&out, "12345678901234567890", -1, "plugin-runner: m", NULL, NULL);
	is_buf(&out, "{\"jsonrpc\":\"2.0\",\"id\":12345678901234567890,\"error\":{\"code\":-1,"
	       "\"message\":\"plugin-runner: m\"}}\n\n",
	       "emit_error_raw: big integer id kept, no data");
	jsonrpc_emit_error_raw(&out, "\"x", -1, "plugin-runner: m", NULL, NULL);
	is_buf(&out, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-1,"
	       "\"message\":\"plugin-runner: m\"}}\n\n",
	       "emit_error_raw: an id that is not strict JSON becomes null");

	json_t *nid = json_integer(3);
	r = jsonrpc_result(nid, json_pack("{s:s}", "result", "continue"));
	jsonrpc_emit_json(&out, r);
	json_decref(r);
	is_buf(&out, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"result\":\"continue\"}}\n\n",
	       "jsonrpc_result: exact bytes");
	r = jsonrpc_result(nid, NULL);
	jsonrpc_emit_json(&out, r);
	json_decref(r);
	is_buf(&out, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":null}\n\n", "jsonrpc_result(NULL)");

	r = jsonrpc_log_notification("info", "plugin-runner: hi \"there\"\n");
	jsonrpc_emit_json(&out, r);
	json_decref(r);
	is_buf(&out, "{\"jsonrpc\":\"2.0\",\"method\":\"log\",\"params\":{\"level\":\"info\","
	       "\"message\":\"plugin-runner: hi \\\"there\\\"\\n\"}}\n\n",
	       "jsonrpc_log_notification: exact bytes");

	buf_append(&out, "keep", 4);
	jsonrpc_emit_json(&out, NULL);
	is_buf(&out, "keep", "emit_json of nothing appends nothing");

	json_decref(id);
	json_decref(nid);
	buf_free(&out);
}

struct scase {
	const char *in;
	size_t len;
	int rc;
	const char *id, *method;
};

static const struct scase sniffs[] = {
	{ S("{\"jsonrpc\":\"2.0\",\"id\":\"cln:x#1\",\"method\":\"hello\",\"params\":[1 2]}"),
	  0, "\"cln:x#1\"", "hello" },
	{ S("{\"jsonrpc\":\"2.0\",\"id\":\"cln:x#2\",\"method\":\"hook\",\"params\":{\"a\":1,}}"),
	  0, "\"cln:x#2\"", "hook" },
	{ S("\n {\"params\":{\"id\":9,\"method\":\"inner\"},\"id\":3,\"method\":\"outer\"}"),
	  0, "3", "outer" },
	{ S("{\"id\":\"a\\u0062\",\"method\":\"m\\u0065\"}"), 0, "\"a\\u0062\"", NULL },
	{ S("{\"m\\u0065thod\":\"x\",\"method\":\"y\"}"), 0, NULL, "y" },
	{ S("{\"method\":\"first\",\"method\":\"second\",\"id\":1,\"id\":2}"), 0, "1", "first" },
	{ S("{\"id\":nonsense,\"method\":\"x\"}"), 0, NULL, "x" },
	{ S("{\"id\":01,\"method\":\"x\"}"), 0, NULL, "x" },
	{ S("{\"id\":{\"a\":1},\"method\":[\"x\"]}"), 0, NULL, NULL },
	{ S("{\"id\":\"x\x01y\",\"method\":\"a\xff\"}"), 0, NULL, NULL },
	{ S("{\"id\":-12.5e3 \"method\":\"x\"}"), 0, "-12.5e3", "x" },
	{ S("{,\"id\":5}"), 0, "5", NULL },
	{ S("{\"id\":5,\"method\":\"a\x00\"}"), 0, "5", NULL },
	{ S("{\"params\":\"}\\\"{\",\"id\":7}"), 0, "7", NULL },
	{ S("{\"id\":18446744073709551615}"), 0, "18446744073709551615", NULL },
	{ S("{\"id"), 0, NULL, NULL },
	{ S("{\"id\":"), 0, NULL, NULL },
	{ S("{\"id\":\"abc"), 0, NULL, NULL },
	{ S("{\"method\":\"abc\\"), 0, NULL, NULL },
	{ S("{"), 0, NULL, NULL },
	{ S("[1,2]"), -1, NULL, NULL },
	{ S(""), -1, NULL, NULL },
	{ S("   "), -1, NULL, NULL },
	{ S("xyz{\"id\":1}"), -1, NULL, NULL },
};

static void test_sniff(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(sniffs); i++) {
		const struct scase *c = &sniffs[i];
		/* exact-size copy, so ASan sees any overread */
		char *in = xmalloc(c->len);
		memcpy(in, c->in, c->len);
		char *id = (char *)1, *method = (char *)1;
		int rc = jsonrpc_sniff(in, c->len, &id, &method);
		bool good = rc == c->rc &&
			    (c->id ? id && strcmp(id, c->id) == 0 : !id) &&
			    (c->method ? method && strcmp(method, c->method) == 0 : !method);
		ok(good, "sniff %zu: id %s method %s", i, c->id ? c->id : "-",
		   c->method ? c->method : "-");
		if (!good)
			tap_diag("  got rc %d id %s method %s", rc, id ? id : "-",
				 method ? method : "-");
		free(id);
		free(method);
		free(in);
	}
	ok(jsonrpc_sniff(S("{\"id\":1,\"method\":\"x\"}"), NULL, NULL) == 0,
	   "sniff with no outputs wanted");

	/* every truncation of a nasty frame, in an exact-size buffer */
	const char nasty[] = "{\"a\":[\"}\\\\\",{\"b\":\"\\\"]\"}],\"id\":\"q\\u00e9\","
			     "\"method\":\"m\",\"x\":[1 2 nonsense]}";
	int found = 0;
	for (size_t n = 0; n <= sizeof(nasty) - 1; n++) {
		char *in = xmalloc(n ? n : 1);
		memcpy(in, nasty, n);
		char *id, *method;
		jsonrpc_sniff(in, n, &id, &method);
		if (n == sizeof(nasty) - 1)
			found = id && method && strcmp(id, "\"q\\u00e9\"") == 0 &&
				strcmp(method, "m") == 0;
		free(id);
		free(method);
		free(in);
	}
	ok(found, "sniff survives every truncation and finds id/method in the whole");
}

/* A tree is built of at most JSONRPC_DOM_MAX_VALUES values: k array
 * elements make k + 4 values here (the object, three members' values). */
static size_t dom_of_array(size_t k, const char *elem, bool *built, char *why, size_t whylen)
{
	struct buf text, scratch;
	struct rpcmsg m;
	char dwhy[256];

	buf_init(&text);
	buf_init(&scratch);
	buf_append(&text, "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":[", 40);
	for (size_t i = 0; i < k; i++) {
		if (i)
			buf_append(&text, ",", 1);
		buf_append(&text, elem, strlen(elem));
	}
	buf_append(&text, "]}", 2);
	int rc = jsonrpc_decode_lazy(buf_head(&text), text.len, 64, &scratch, &m, dwhy,
				     sizeof(dwhy));
	*built = rc == 0 && rpcmsg_dom(&m) != NULL;
	snprintf(why, whylen, "%s", rc == 0 ? m.dom_why : dwhy);
	size_t n = *built ? json_array_size(m.params) : 0;
	if (rc == 0)
		rpcmsg_clear(&m);
	buf_free(&text);
	buf_free(&scratch);
	return n;
}

static void test_dom_bound(void)
{
	bool built;
	char why[256];
	size_t max = JSONRPC_DOM_MAX_VALUES;

	is_int((long long)dom_of_array(max - 4, "1", &built, why, sizeof(why)),
	       (long long)(max - 4), "dom bound: %zu values make a tree", max);
	dom_of_array(max - 3, "1", &built, why, sizeof(why));
	ok(!built, "dom bound: one more is refused");
	ok(strstr(why, "too many to judge") != NULL, "dom bound: and says why (%s)", why);
	dom_of_array(max - 3, "{}", &built, why, sizeof(why));
	ok(!built, "dom bound: empty objects are values too");
	/* commas, brackets and escaped quotes inside strings are no values */
	size_t n = dom_of_array(3, "\"a,[{\\\",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\"", &built, why,
				sizeof(why));
	ok(built && n == 3, "dom bound: what is inside a string does not count");
	struct buf big;
	buf_init(&big);
	for (size_t i = 0; i < max; i++)
		buf_append(&big, ",\\\"", 4);
	char *elem = xasprintf("\"%.*s\"", (int)big.len, buf_head(&big));
	n = dom_of_array(2, elem, &built, why, sizeof(why));
	ok(built && n == 2, "dom bound: a long string of commas is one value");
	free(elem);
	buf_free(&big);
}

int main(void)
{
	test_dom_bound();
	test_kinds();
	test_lazy_kinds();
	test_lazy_more();
	test_spans();
	test_strict();
	test_builders();
	test_sniff();
	test_speed();
	return tap_done();
}
