/* test-jsonrpc.c - jsonrpc.c: classification, strict decoding decisions
 * (duplicates, escaped keys, NUL), byte-exact canonical output, the reply
 * builders' exact bytes, and lenient sniffing of non-strict host frames. */
#include <string.h>
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
	{ "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}", MSG_INVALID, NULL, NULL },
	{ "{\"jsonrpc\":2.0,\"id\":1,\"method\":\"x\"}", MSG_INVALID, NULL, NULL },
	{ "{\"id\":1,\"method\":\"x\"}", MSG_INVALID, NULL, NULL },
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

int main(void)
{
	test_kinds();
	test_strict();
	test_builders();
	test_sniff();
	return tap_done();
}
