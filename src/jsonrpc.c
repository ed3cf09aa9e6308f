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
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "canon.h"
#include "jskip.h"
#include "jsonrpc.h"
#include "util.h"

/* ---- canonical text helpers ---- */

/* In canonical text a string's only escapes are \" \\ \b \f \n \r \t and
 * \u00XX (a control character), so decoding is a byte map. */
static const char unesc[256] = {
	['"'] = '"', ['\\'] = '\\', ['b'] = '\b', ['f'] = '\f',
	['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
};

/* Decode the next byte of string content p[*i..n); advances *i. */
static unsigned char cstr_next(const char *p, size_t *i)
{
	unsigned char b = (unsigned char)p[*i];

	if (b != '\\') {
		(*i)++;
		return b;
	}
	if (p[*i + 1] == 'u') {
		b = (unsigned char)(hexval(p[*i + 4]) << 4 | hexval(p[*i + 5]));
		*i += 6;
		return b;
	}
	b = (unsigned char)unesc[(unsigned char)p[*i + 1]];
	*i += 2;
	return b;
}

bool jspan_member(const char *canon, struct jspan obj, const char *key, struct jspan *out)
{
	size_t end = obj.off + obj.len, klen = strlen(key);
	size_t i = obj.off + 1;

	if (obj.len < 2 || canon[obj.off] != '{')
		return false;
	while (i < end && canon[i] == '"') {
		/* keys are never escaped in canonical text */
		const char *q = memchr(canon + i + 1, '"', end - i - 1);
		if (!q || q + 1 >= canon + end || q[1] != ':')
			return false;
		size_t kl = (size_t)(q - canon) - i - 1;
		bool hit = kl == klen && memcmp(canon + i + 1, key, klen) == 0;
		size_t v = (size_t)(q - canon) + 2;
		if (v >= end)
			return false;
		size_t ve = jskip_value(canon, end, v);
		if (hit) {
			if (out)
				*out = (struct jspan){ v, ve - v };
			return true;
		}
		i = ve < end && canon[ve] == ',' ? ve + 1 : ve;
	}
	return false;
}

bool jspan_is_string(const char *canon, struct jspan s)
{
	return s.len >= 2 && canon[s.off] == '"';
}

static bool str_eq(const char *canon, struct jspan s, const char *text, bool icase)
{
	if (!jspan_is_string(canon, s))
		return false;
	const char *p = canon + s.off + 1;
	size_t n = s.len - 2, i = 0;
	const unsigned char *t = (const unsigned char *)text;
	for (; i < n; t++) {
		if (!*t)
			return false;
		unsigned char b = cstr_next(p, &i);
		if (icase ? tolower(b) != tolower(*t) : b != *t)
			return false;
	}
	return !*t;
}

bool jspan_str_eq(const char *canon, struct jspan s, const char *text)
{
	return str_eq(canon, s, text, false);
}

bool jspan_str_eq_case(const char *canon, struct jspan s, const char *text)
{
	return str_eq(canon, s, text, true);
}

char *jspan_strdup(const char *canon, struct jspan s)
{
	if (!jspan_is_string(canon, s) || memchr(canon + s.off, '\\', s.len))
		return NULL;
	return xstrndup(canon + s.off + 1, s.len - 2);
}

char *jspan_string(const char *canon, struct jspan s)
{
	if (!jspan_is_string(canon, s))
		return NULL;
	const char *p = canon + s.off + 1;
	size_t n = s.len - 2, i = 0, k = 0;
	char *o = xmalloc(n + 1);	/* decoding never lengthens */

	while (i < n)
		o[k++] = (char)cstr_next(p, &i);
	o[k] = '\0';
	return o;
}

/* ---- strict decoding ---- */

/* A canonical integer lexeme within int64 (what jansson holds as an
 * integer); *v gets its value. */
static bool int64_lexeme(const char *p, size_t n, long long *v)
{
	static const char max[] = "9223372036854775807";
	bool neg = n && p[0] == '-';
	const char *d = p + neg;
	size_t nd = n - neg;

	if (!nd || nd > 19)
		return false;
	for (size_t i = 0; i < nd; i++)
		if (d[i] < '0' || d[i] > '9')
			return false;
	if (nd == 19) {
		int c = memcmp(d, max, 19);
		/* -9223372036854775808 fits, +...808 does not */
		if (c > 0 && !(neg && memcmp(d, "9223372036854775808", 19) == 0))
			return false;
	}
	unsigned long long u = 0;
	for (size_t i = 0; i < nd; i++)
		u = u * 10 + (unsigned)(d[i] - '0');
	*v = neg ? (long long)(0 - u) : (long long)u;
	return true;
}

static bool valid_id(const char *canon, struct jspan id)
{
	long long v;

	return canon[id.off] == '"' || int64_lexeme(canon + id.off, id.len, &v);
}

/* Copy the method string (decoded) into storage the message owns. */
static void set_method(struct rpcmsg *m, struct jspan s)
{
	const char *p = m->canon + s.off + 1;
	size_t n = s.len - 2, i = 0, o = 0;
	char *d = n < sizeof(m->method_buf) ? m->method_buf : xmalloc(n + 1);

	if (!memchr(p, '\\', n)) {
		memcpy(d, p, n);
		o = n;
	} else {
		while (i < n)
			d[o++] = (char)cstr_next(p, &i);
	}
	d[o] = 0;
	m->method = d;
}

enum { K_JSONRPC, K_ID, K_METHOD, K_PARAMS, K_RESULT, K_ERROR, K_N };
static const char *const member_names[K_N] = {
	"jsonrpc", "id", "method", "params", "result", "error",
};

/* Which of member_names a key is, or -1 (constant-length compares). */
static int member_index(const char *key, size_t n)
{
	switch (n) {
	case 2:
		return memcmp(key, "id", 2) == 0 ? K_ID : -1;
	case 5:
		return memcmp(key, "error", 5) == 0 ? K_ERROR : -1;
	case 6:
		if (memcmp(key, "method", 6) == 0)
			return K_METHOD;
		if (memcmp(key, "params", 6) == 0)
			return K_PARAMS;
		return memcmp(key, "result", 6) == 0 ? K_RESULT : -1;
	case 7:
		return memcmp(key, "jsonrpc", 7) == 0 ? K_JSONRPC : -1;
	default:
		return -1;
	}
}

static enum msg_kind classify(struct rpcmsg *m, const struct jspan *k)
{
	const char *c = m->canon;

	m->result_span = k[K_RESULT];
	m->error_span = k[K_ERROR];
	if (k[K_ID].len && !valid_id(c, k[K_ID]))
		return MSG_INVALID;
	m->id_span = k[K_ID];	/* also for MSG_INVALID, so the caller can answer it */
	if (k[K_JSONRPC].len != 5 || memcmp(c + k[K_JSONRPC].off, "\"2.0\"", 5) != 0)
		return MSG_INVALID;
	if (k[K_METHOD].len) {
		if (c[k[K_METHOD].off] != '"')
			return MSG_INVALID;
		if (k[K_PARAMS].len && c[k[K_PARAMS].off] != '{' && c[k[K_PARAMS].off] != '[')
			return MSG_INVALID;
		set_method(m, k[K_METHOD]);
		m->params_span = k[K_PARAMS];
		return k[K_ID].len ? MSG_REQUEST : MSG_NOTIFICATION;
	}
	if (k[K_ID].len && !k[K_RESULT].len != !k[K_ERROR].len)
		return MSG_RESPONSE;
	return MSG_INVALID;
}

static void rpcmsg_reset(struct rpcmsg *m)
{
	memset(m, 0, offsetof(struct rpcmsg, method_buf));
	m->kind = MSG_INVALID;
	m->dom_why[0] = 0;
}

/* Classify the message whose canonical text m->canon holds, from where
 * canon found its top-level members. */
static void classify_top(struct rpcmsg *m, const struct canon_top *top)
{
	struct jspan k[K_N] = { { 0, 0 } };

	for (size_t i = 0; i < top->n; i++) {
		int j = member_index(m->canon + top->m[i].koff, top->m[i].klen);
		if (j >= 0)
			k[j] = (struct jspan){ top->m[i].voff, top->m[i].vlen };
	}
	if (top->more) {
		/* rare: more members than canon records; keys are unique, so
		 * whatever was not among the first ones is found by a scan */
		struct jspan all = { 0, m->canon_len };
		for (int j = 0; j < K_N; j++)
			if (!k[j].len)
				jspan_member(m->canon, all, member_names[j], &k[j]);
	}
	m->kind = classify(m, k);
}

int jsonrpc_decode_lazy(const char *frame, size_t len, unsigned max_depth,
			struct buf *scratch, struct rpcmsg *m, char *why, size_t whylen)
{
	struct canon_err cerr;
	struct canon_top top;

	rpcmsg_reset(m);
	buf_consume(scratch, scratch->len);
	/* Canonical text is never longer than its input: reserve it all now
	 * (and the "\n\n" the relay appends) instead of growing by doubling. */
	buf_tail(scratch, len + 2);
	if (canon_json_top(frame, len, max_depth, scratch, &top, &cerr) < 0) {
		snprintf(why, whylen, "%s at byte %zu", cerr.why, cerr.offset);
		return -1;
	}
	m->canon = buf_head(scratch);
	m->canon_len = scratch->len;
	classify_top(m, &top);
	return 0;
}

int jsonrpc_decode_inplace(char *frame, size_t len, unsigned max_depth,
			   struct rpcmsg *m, char *why, size_t whylen)
{
	struct canon_err cerr;
	struct canon_top top;

	rpcmsg_reset(m);
	if (canon_json_inplace(frame, len, max_depth, &m->canon_len, &top, &cerr) < 0) {
		snprintf(why, whylen, "%s at byte %zu", cerr.why, cerr.offset);
		return -1;
	}
	m->canon = frame;
	classify_top(m, &top);
	return 0;
}

void jsonrpc_decode_canonical(const char *canon, size_t len,
			      const struct canon_top *top, struct rpcmsg *m)
{
	rpcmsg_reset(m);
	m->canon = canon;
	m->canon_len = len;
	classify_top(m, top);
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

/* After a fallback decode the DOM's numbers are not the message's: put a
 * valid integer id back from its own lexeme, and make any other numeric id
 * a real (as JSON_DECODE_INT_AS_REAL would; a zeroed 0 would pass for a
 * valid id), so DOM-based checks see the same id verdict as the spans. */
static void restore_id(struct rpcmsg *m)
{
	long long v;
	json_t *id = json_object_get(m->root, "id");

	if (!json_is_number(id))
		return;
	if (m->id_span.len) {
		int64_lexeme(m->canon + m->id_span.off, m->id_span.len, &v);
		json_object_set_new(m->root, "id", json_integer(v));
		return;
	}
	struct jspan s;
	if (!jspan_member(m->canon, (struct jspan){ 0, m->canon_len }, "id", &s))
		return;
	char *lex = xstrndup(m->canon + s.off, s.len);
	double d = strtod(lex, NULL);
	free(lex);
	if (!isfinite(d))
		d = copysign(DBL_MAX, d);
	json_object_set_new(m->root, "id", json_real(d));
}

/* An upper bound on the values in canonical text: every value is the first
 * in its container, or follows a comma. Stops counting past `stop`. */
static size_t values_bound(const char *t, size_t n, size_t stop)
{
	size_t count = 1;
	bool in_str = false;

	for (size_t i = 0; i < n && count <= stop; i++) {
		char c = t[i];

		if (in_str) {
			if (c == '\\')
				i++;	/* canonical escapes: the next byte is taken */
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == ',' || c == '[' || c == '{') {
			count++;
		}
	}
	return count;
}

json_t *rpcmsg_dom(struct rpcmsg *m)
{
	json_error_t jerr;

	if (m->dom)
		return m->root;
	if (!m->canon)
		return NULL;
	/* A tree costs some 30-80 times the text of small values: the cap
	 * on a message's size does not bound it (JSONRPC_DOM_MAX_VALUES). */
	if (values_bound(m->canon, m->canon_len, JSONRPC_DOM_MAX_VALUES) >
	    JSONRPC_DOM_MAX_VALUES) {
		snprintf(m->dom_why, sizeof(m->dom_why),
			 "more than %d values: too many to judge", JSONRPC_DOM_MAX_VALUES);
		return NULL;
	}
	/* canon refused duplicates already; jansson checks again anyway */
	m->root = json_loadb(m->canon, m->canon_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!m->root && json_error_code(&jerr) == json_error_numeric_overflow) {
		m->root = json_loadb(m->canon, m->canon_len,
				     JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL,
				     &jerr);
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
		snprintf(m->dom_why, sizeof(m->dom_why), "%s", jerr.text);
		m->numbers_approx = false;
		return NULL;
	}
	if (m->numbers_approx)
		restore_id(m);
	if (m->id_span.len)
		m->id = json_object_get(m->root, "id");
	if (m->params_span.len)
		m->params = json_object_get(m->root, "params");
	m->dom = true;
	return m->root;
}

int jsonrpc_decode(const char *frame, size_t len, unsigned max_depth,
		   struct buf *scratch, struct rpcmsg *m, char *why, size_t whylen)
{
	if (jsonrpc_decode_lazy(frame, len, max_depth, scratch, m, why, whylen) < 0)
		return -1;
	if (!rpcmsg_dom(m)) {
		snprintf(why, whylen, "%s", m->dom_why);
		rpcmsg_clear(m);
		return -1;
	}
	return 0;
}

void rpcmsg_clear(struct rpcmsg *m)
{
	json_decref(m->root);
	if (m->method && m->method != m->method_buf)
		free((char *)m->method);
	rpcmsg_reset(m);
}

/* ---- lenient sniffing (jsmn-like, for host frames) ---- */

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
	size_t i = jskip_ws(frame, len, 0);

	if (id_raw)
		*id_raw = NULL;
	if (method)
		*method = NULL;
	if (i >= len || p[i] != '{')
		return -1;
	for (i++;;) {
		i = jskip_ws(frame, len, i);
		if (i >= len || p[i] == '}')
			break;
		if (p[i] == ',') {
			i++;
			continue;
		}
		if (p[i] != '"')
			break;
		size_t kend = jskip_string(frame, len, i);
		if (kend >= len)
			break;
		const unsigned char *key = p + i + 1;
		size_t klen = kend - i - 2;
		i = jskip_ws(frame, len, kend);
		if (i >= len || p[i] != ':')
			break;
		i = jskip_ws(frame, len, i + 1);
		if (i >= len)
			break;
		size_t vend = jskip_value(frame, len, i);
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
