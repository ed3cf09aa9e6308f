/* fuzz-jsonrpc.c - libFuzzer target for jsonrpc.c (also replayed over its
 * corpus by `make check`). Invariants, abort() on violation:
 *  - a decoded message's kind matches its members (request: method + id,
 *    notification: method and no id, response: id and no method);
 *  - its canonical text decodes again to the same kind and the same bytes,
 *    and emit_canon is that text + "\n\n";
 *  - jsonrpc_sniff never reads out of bounds (ASan), only returns ids that
 *    are strict JSON, and on strict frames agrees with the decoder;
 *  - an error built from a sniffed id is strict JSON and, if jansson can
 *    hold its id, decodes as a MSG_RESPONSE;
 *  - the lazy decoder (spans, no DOM) agrees with the eager one on
 *    acceptance, kind, method, id and params; its spans hold the members'
 *    canonical bytes (a string id's span is json_dumps of the id); and a
 *    reference classifier on jansson's own DOM of the frame (the original
 *    DOM-based rules) agrees on the kind; rpcmsg_dom() after a lazy decode
 *    is json_equal to the eager DOM. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "canon.h"
#include "jsonrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *fuzz_target_name(void);

const char *fuzz_target_name(void)
{
	return "fuzz-jsonrpc";
}

#define DEPTH 32

static void check(bool cond)
{
	if (!cond)
		abort();
}

static void check_decoded(const struct rpcmsg *m)
{
	check(m->root && m->canon && m->canon_len >= 2);
	switch (m->kind) {
	case MSG_REQUEST:
		check(m->method && m->id);
		break;
	case MSG_NOTIFICATION:
		check(m->method && !m->id);
		break;
	case MSG_RESPONSE:
		check(!m->method && m->id && !m->params);
		break;
	case MSG_INVALID:
		check(!m->method && !m->params);
		break;
	}
	if (m->id)
		check(json_is_string(m->id) || json_is_integer(m->id));
}

/* Decoding the canonical text again changes nothing. */
static void check_stable(const struct rpcmsg *m)
{
	struct buf scratch, wire;
	struct rpcmsg m2;
	char why[128];

	buf_init(&scratch);
	buf_init(&wire);
	check(jsonrpc_decode(m->canon, m->canon_len, DEPTH, &scratch, &m2, why,
			     sizeof(why)) == 0);
	check(m2.kind == m->kind && m2.canon_len == m->canon_len &&
	      memcmp(m2.canon, m->canon, m->canon_len) == 0);
	check(json_equal(m2.id, m->id) || (!m2.id && !m->id));
	jsonrpc_emit_canon(&wire, &m2);
	check(wire.len == m->canon_len + 2 &&
	      memcmp(buf_head(&wire), m->canon, m->canon_len) == 0 &&
	      memcmp(buf_head(&wire) + m->canon_len, "\n\n", 2) == 0);
	rpcmsg_clear(&m2);
	buf_free(&scratch);
	buf_free(&wire);
}

/* The sniffed id and method agree with the strict decoder. */
static void check_sniff_agrees(const struct rpcmsg *m, const char *id_raw,
			       const char *method)
{
	json_t *root = m->root;
	json_t *id = json_object_get(root, "id");
	json_t *meth = json_object_get(root, "method");

	if (id_raw) {
		json_t *v = json_loads(id_raw, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
		json_t *w = json_is_integer(id) ? json_real((double)json_integer_value(id))
						: json_incref(id);
		/* no double holds an id such as 1e400: the DOM's id is then
		 * approximate (a real, never a valid id) */
		check(v ? json_equal(v, w) : m->numbers_approx && json_is_real(id));
		json_decref(v);
		json_decref(w);
	} else {
		check(!json_is_string(id) && !json_is_number(id));
	}
	if (method)
		check(json_is_string(meth) && strcmp(json_string_value(meth), method) == 0);
}

static void check_error_reply(const char *id_raw, const char *method)
{
	struct buf out, scratch;
	struct rpcmsg m;
	char why[128];

	buf_init(&out);
	buf_init(&scratch);
	jsonrpc_emit_error_raw(&out, id_raw, -32700, "plugin-runner: fuzz", method, "r");
	check(out.len > 2 && memcmp(buf_head(&out) + out.len - 2, "\n\n", 2) == 0);
	check(canon_json(buf_head(&out), out.len - 2, DEPTH, &scratch, NULL) == 0);
	/* jansson may still refuse an id such as 1e99999 (real overflow); an
	 * id beyond int64 or a real is no valid id: INVALID then */
	if (jsonrpc_decode(buf_head(&out), out.len - 2, DEPTH, &scratch, &m, why,
			   sizeof(why)) == 0)
		check(m.kind == MSG_RESPONSE || (m.kind == MSG_INVALID && !m.id));
	rpcmsg_clear(&m);
	buf_free(&out);
	buf_free(&scratch);
}

/* The original DOM-based classification, as the reference. */
static enum msg_kind ref_classify(json_t *root, json_t **idp)
{
	json_t *ver = json_object_get(root, "jsonrpc");
	json_t *id = json_object_get(root, "id");
	json_t *method = json_object_get(root, "method");
	json_t *params = json_object_get(root, "params");
	bool result = json_object_get(root, "result") != NULL;
	bool error = json_object_get(root, "error") != NULL;

	*idp = NULL;
	if (id && !json_is_string(id) && !json_is_integer(id))
		return MSG_INVALID;
	*idp = id;	/* a valid id, to answer, even without "jsonrpc" */
	if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0)
		return MSG_INVALID;
	if (method) {
		if (!json_is_string(method))
			return MSG_INVALID;
		if (params && !json_is_object(params) && !json_is_array(params))
			return MSG_INVALID;
		return id ? MSG_REQUEST : MSG_NOTIFICATION;
	}
	if (id && result != error)
		return MSG_RESPONSE;
	return MSG_INVALID;
}

static bool span_is(const struct rpcmsg *m, struct jspan s, const char *text)
{
	return text && s.len == strlen(text) && memcmp(m->canon + s.off, text, s.len) == 0;
}

static void check_lazy(const char *in, size_t size, int rc, const struct rpcmsg *e)
{
	struct buf scratch;
	struct rpcmsg l;
	char why[128];

	buf_init(&scratch);
	int lrc = jsonrpc_decode_lazy(in, size, DEPTH, &scratch, &l, why, sizeof(why));
	check(lrc == rc);
	if (lrc == 0) {
		check(!l.root && !l.id && !l.params && !l.dom);
		check(l.kind == e->kind && l.canon_len == e->canon_len &&
		      memcmp(l.canon, e->canon, l.canon_len) == 0);
		check(l.method ? e->method && strcmp(l.method, e->method) == 0 : !e->method);
		check(!l.id_span.len == !e->id && !l.params_span.len == !e->params);
		if (e->id && json_is_string(e->id)) {
			char *d = json_dumps(e->id, JSON_ENCODE_ANY | JSON_COMPACT);
			check(span_is(&l, l.id_span, d));
			free(d);
		}
		if (l.method) {
			struct jspan ms;
			check(jspan_member(l.canon, (struct jspan){ 0, l.canon_len }, "method", &ms));
			check(jspan_str_eq(l.canon, ms, l.method) &&
			      jspan_str_eq_case(l.canon, ms, l.method));
		}
		json_t *root = rpcmsg_dom(&l);
		check(root && json_equal(root, e->root) && l.numbers_approx == e->numbers_approx);
		check(l.id ? json_equal(l.id, e->id) : !e->id);
		check(l.params ? json_equal(l.params, e->params) : !e->params);
		if (!l.numbers_approx) {
			/* reference: jansson's DOM of the frame itself */
			json_t *j = json_loadb(in, size, JSON_REJECT_DUPLICATES, NULL), *rid;
			check(j != NULL);
			check(ref_classify(j, &rid) == l.kind);
			check(rid ? l.id && json_equal(rid, l.id) : !l.id);
			json_decref(j);
		}
	}
	rpcmsg_clear(&l);
	buf_free(&scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct buf scratch;
	struct rpcmsg m;
	char why[128], *id_raw = NULL, *method = NULL;

	buf_init(&scratch);
	int rc = jsonrpc_decode(in, size, DEPTH, &scratch, &m, why, sizeof(why));
	int src = jsonrpc_sniff(in, size, &id_raw, &method);
	check_lazy(in, size, rc, &m);
	if (rc == 0) {
		check_decoded(&m);
		check_stable(&m);
		check(src == 0);
		check_sniff_agrees(&m, id_raw, method);
	} else {
		check(!m.root && memchr(why, 0, sizeof(why)));
	}
	if (id_raw) {
		struct buf tmp;
		buf_init(&tmp);
		char *wrapped = malloc(strlen(id_raw) + 8);
		check(wrapped != NULL);
		strcpy(wrapped, "{\"k\":");
		strcat(wrapped, id_raw);
		strcat(wrapped, "}");
		check(canon_json(wrapped, strlen(wrapped), 4, &tmp, NULL) == 0);
		free(wrapped);
		buf_free(&tmp);
	}
	if (method)
		check(!strchr(method, '\\') && !strchr(method, '"'));
	if (id_raw || method)
		check_error_reply(id_raw, method);
	rpcmsg_clear(&m);
	free(id_raw);
	free(method);
	buf_free(&scratch);
	return 0;
}
