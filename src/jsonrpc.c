/* jsonrpc.c - decode one frame into a classified JSON-RPC message, sniff
 * id/method out of frames that are not strict JSON, build replies and
 * encode them for the wire.
 *
 * Contract: include/jsonrpc.h. The bytes that are forwarded always come
 * from canon.c (number lexemes byte-exact); jansson, parsing that canonical
 * text with JSON_REJECT_DUPLICATES, supplies the DOM that decisions are made
 * on. jansson refuses integers above INT64_MAX (lightningd sends
 * 18446744073709551615 for max_htlc_value_in_flight_msat), so such a frame
 * is re-parsed with JSON_DECODE_INT_AS_REAL: the DOM then holds reals, but
 * the id is restored as an integer from its own lexeme.
 *
 * Must not: make policy decisions, do I/O, log or exit. jsonrpc_sniff()
 * runs on arbitrary bytes and must never read outside frame[0..len).
 *
 * Called by gate.c and rpcproxy.c; fuzzed by fuzz-jsonrpc.c. */
#include <stdio.h>
#include <string.h>
#include "canon.h"
#include "jsonrpc.h"
#include "util.h"

/* ---- strict decoding ---- */

static enum msg_kind classify(struct rpcmsg *m)
{
	json_t *root = m->root;
	json_t *ver = json_object_get(root, "jsonrpc");
	json_t *id = json_object_get(root, "id");
	json_t *method = json_object_get(root, "method");
	json_t *params = json_object_get(root, "params");
	bool result = json_object_get(root, "result") != NULL;
	bool error = json_object_get(root, "error") != NULL;

	if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0)
		return MSG_INVALID;
	if (id && !json_is_string(id) && !json_is_integer(id))
		return MSG_INVALID;
	m->id = id;	/* also for MSG_INVALID, so the caller can answer it */
	if (method) {
		if (!json_is_string(method))
			return MSG_INVALID;
		if (params && !json_is_object(params) && !json_is_array(params))
			return MSG_INVALID;
		m->method = json_string_value(method);
		m->params = params;
		if (!id)
			return MSG_NOTIFICATION;
		return MSG_REQUEST;
	}
	if (id && result != error)
		return MSG_RESPONSE;
	return MSG_INVALID;
}

/* After JSON_DECODE_INT_AS_REAL every integer is a real, the id too:
 * restore the id from its lexeme in the canonical text. */
static void restore_int_id(struct rpcmsg *m)
{
	char *raw = NULL;

	if (!json_is_real(json_object_get(m->root, "id")))
		return;
	jsonrpc_sniff(m->canon, m->canon_len, &raw, NULL);
	if (!raw)
		return;
	json_t *id = json_loads(raw, JSON_DECODE_ANY, NULL);
	if (json_is_integer(id))
		json_object_set(m->root, "id", id);
	json_decref(id);
	free(raw);
}

/* A copy of canonical text with every number replaced by 0, for a DOM
 * jansson can always build. Canonical text has no whitespace and only
 * well-formed strings, so a number is any run outside a string that starts
 * with '-' or a digit and ends at the next ',', ']' or '}'. */
static char *numbers_zeroed(const char *t, size_t len, size_t *outlen)
{
	char *o = xmalloc(len + 1);
	size_t n = 0;
	bool in_str = false, esc = false;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (in_str) {
			o[n++] = c;
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
			o[n++] = c;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			o[n++] = '0';
			while (i + 1 < len && t[i + 1] != ',' && t[i + 1] != ']' && t[i + 1] != '}')
				i++;
		} else {
			o[n++] = c;
		}
	}
	*outlen = n;
	return o;
}

int jsonrpc_decode(const char *frame, size_t len, unsigned max_depth,
		   struct buf *scratch, struct rpcmsg *m, char *why, size_t whylen)
{
	struct canon_err cerr;
	json_error_t jerr;

	memset(m, 0, sizeof(*m));
	m->kind = MSG_INVALID;
	buf_consume(scratch, scratch->len);
	if (canon_json(frame, len, max_depth, scratch, &cerr) < 0) {
		snprintf(why, whylen, "%s at byte %zu", cerr.why, cerr.offset);
		return -1;
	}
	m->canon = buf_head(scratch);
	m->canon_len = scratch->len;
	m->root = json_loadb(m->canon, m->canon_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!m->root && json_error_code(&jerr) == json_error_numeric_overflow) {
		m->root = json_loadb(m->canon, m->canon_len,
				     JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL,
				     &jerr);
		if (m->root)
			restore_int_id(m);
		m->numbers_approx = true;
	}
	if (!m->root && json_error_code(&jerr) == json_error_numeric_overflow) {
		size_t zlen;
		char *z = numbers_zeroed(m->canon, m->canon_len, &zlen);
		m->root = json_loadb(z, zlen, JSON_REJECT_DUPLICATES, &jerr);
		free(z);
		m->numbers_approx = true;
	}
	if (!m->root) {
		snprintf(why, whylen, "%s", jerr.text);
		m->canon = NULL;
		m->canon_len = 0;
		return -1;
	}
	m->kind = classify(m);
	return 0;
}

void rpcmsg_clear(struct rpcmsg *m)
{
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
	m->kind = MSG_INVALID;
}

/* ---- lenient sniffing (jsmn-like, for host frames) ---- */

static bool sniff_ws(unsigned char b)
{
	return b == ' ' || b == '\t' || b == '\n' || b == '\r';
}

static size_t skip_ws(const unsigned char *p, size_t len, size_t i)
{
	while (i < len && sniff_ws(p[i]))
		i++;
	return i;
}

/* p[i] is '"': index just past the closing quote, or len if unterminated. */
static size_t skip_string(const unsigned char *p, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			return i + 1;
	}
	return len;
}

/* End of the value at p[i], tolerating anything inside brackets (missing
 * commas, bare words) the way jsmn's non-strict mode does. */
static size_t skip_value(const unsigned char *p, size_t len, size_t i)
{
	if (p[i] == '"')
		return skip_string(p, len, i);
	if (p[i] == '{' || p[i] == '[') {
		size_t depth = 0;
		while (i < len) {
			if (p[i] == '"') {
				i = skip_string(p, len, i);
				continue;
			}
			if (p[i] == '{' || p[i] == '[')
				depth++;
			else if ((p[i] == '}' || p[i] == ']') && --depth == 0)
				return i + 1;
			i++;
		}
		return len;
	}
	while (i < len && !sniff_ws(p[i]) && p[i] != ',' && p[i] != '}' &&
	       p[i] != ']' && p[i] != ':')
		i++;
	return i;
}

/* Does canon accept {"k":<tok>} ? */
static bool strict_value(const unsigned char *tok, size_t n)
{
	struct buf b;
	bool ok;

	buf_init(&b);
	buf_append(&b, "{\"k\":", 5);
	buf_append(&b, tok, n);
	buf_append(&b, "}", 1);
	struct buf out;
	buf_init(&out);
	ok = canon_json(buf_head(&b), b.len, 64, &out, NULL) == 0;
	buf_free(&out);
	buf_free(&b);
	return ok;
}

static bool key_is(const unsigned char *k, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(k, want, n) == 0;
}

static void sniff_id(const unsigned char *v, size_t n, char **id_raw)
{
	bool scalar = v[0] == '"' || v[0] == '-' || (v[0] >= '0' && v[0] <= '9');
	if (scalar && strict_value(v, n))
		*id_raw = xstrndup((const char *)v, n);
}

static void sniff_method(const unsigned char *v, size_t n, char **method)
{
	if (n < 2 || v[0] != '"' || v[n - 1] != '"' ||
	    memchr(v, '\\', n) || !strict_value(v, n))
		return;
	*method = xstrndup((const char *)v + 1, n - 2);
}

int jsonrpc_sniff(const char *frame, size_t len, char **id_raw, char **method)
{
	const unsigned char *p = (const unsigned char *)frame;
	bool seen_id = false, seen_method = false;
	size_t i = skip_ws(p, len, 0);

	if (id_raw)
		*id_raw = NULL;
	if (method)
		*method = NULL;
	if (i >= len || p[i] != '{')
		return -1;
	for (i++;;) {
		i = skip_ws(p, len, i);
		if (i >= len || p[i] == '}')
			break;
		if (p[i] == ',') {
			i++;
			continue;
		}
		if (p[i] != '"')
			break;
		size_t kend = skip_string(p, len, i);
		if (kend >= len)
			break;
		const unsigned char *key = p + i + 1;
		size_t klen = kend - i - 2;
		i = skip_ws(p, len, kend);
		if (i >= len || p[i] != ':')
			break;
		i = skip_ws(p, len, i + 1);
		if (i >= len)
			break;
		size_t vend = skip_value(p, len, i);
		if (vend == i)
			break;
		/* First member wins, keys compared raw, as lightningd does. */
		if (key_is(key, klen, "id") && !seen_id) {
			seen_id = true;
			if (id_raw)
				sniff_id(p + i, vend - i, id_raw);
		} else if (key_is(key, klen, "method") && !seen_method) {
			seen_method = true;
			if (method)
				sniff_method(p + i, vend - i, method);
		}
		i = vend;
	}
	return 0;
}

/* ---- encoding ---- */

static int append_cb(const char *data, size_t size, void *ctx)
{
	buf_append(ctx, data, size);
	return 0;
}

void jsonrpc_emit_canon(struct buf *out, const struct rpcmsg *m)
{
	buf_append(out, m->canon, m->canon_len);
	buf_append(out, "\n\n", 2);
}

void jsonrpc_emit_json(struct buf *out, const json_t *v)
{
	size_t before = out->len;

	if (json_dump_callback(v, append_cb, out, JSON_COMPACT) < 0) {
		out->len = before;	/* never emit half a message */
		return;
	}
	buf_append(out, "\n\n", 2);
}

/* json_string() refuses invalid UTF-8; a message must still get out. */
static json_t *safe_string(const char *s)
{
	json_t *j = json_string(s ? s : "");
	if (j)
		return j;
	char *t = xstrdup(s);
	for (char *q = t; *q; q++)
		if ((unsigned char)*q >= 0x80)
			*q = '?';
	j = json_string(t);
	free(t);
	return j;
}

static json_t *envelope(const json_t *id)
{
	json_t *r = json_object();
	json_object_set_new(r, "jsonrpc", json_string("2.0"));
	json_object_set_new(r, "id", id ? json_deep_copy(id) : json_null());
	return r;
}

static json_t *error_object(int code, const char *message, json_t *data)
{
	json_t *e = json_object();
	json_object_set_new(e, "code", json_integer(code));
	json_object_set_new(e, "message", safe_string(message));
	if (data)
		json_object_set_new(e, "data", data);
	return e;
}

json_t *jsonrpc_error(const json_t *id, int code, const char *message, json_t *data)
{
	json_t *r = envelope(id);
	json_object_set_new(r, "error", error_object(code, message, data));
	return r;
}

void jsonrpc_emit_error_raw(struct buf *out, const char *id_raw, int code,
			    const char *message, const char *method, const char *rule)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":";
	json_t *data = NULL;

	if (method || rule) {
		data = json_object();
		if (method)
			json_object_set_new(data, "method", safe_string(method));
		if (rule)
			json_object_set_new(data, "rule", safe_string(rule));
	}
	json_t *e = error_object(code, message, data);
	/* The id goes back byte for byte: lightningd matches raw id bytes. */
	if (!id_raw || !strict_value((const unsigned char *)id_raw, strlen(id_raw)))
		id_raw = "null";
	buf_append(out, head, sizeof(head) - 1);
	buf_append(out, id_raw, strlen(id_raw));
	buf_append(out, ",\"error\":", 9);
	json_dump_callback(e, append_cb, out, JSON_COMPACT);
	buf_append(out, "}\n\n", 3);
	json_decref(e);
}

json_t *jsonrpc_result(const json_t *id, json_t *result)
{
	json_t *r = envelope(id);
	json_object_set_new(r, "result", result ? result : json_null());
	return r;
}

json_t *jsonrpc_log_notification(const char *level, const char *message)
{
	json_t *r = json_object();
	json_t *params = json_object();
	json_object_set_new(params, "level", safe_string(level));
	json_object_set_new(params, "message", safe_string(message));
	json_object_set_new(r, "jsonrpc", json_string("2.0"));
	json_object_set_new(r, "method", json_string("log"));
	json_object_set_new(r, "params", params);
	return r;
}
