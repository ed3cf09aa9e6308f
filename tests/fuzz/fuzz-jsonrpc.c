/* fuzz-jsonrpc.c - libFuzzer target for jsonrpc.c (also replayed over its
 * corpus by `make check`). Invariants, abort() on violation:
 *  - a decoded message's kind matches its members (request: method + id,
 *    notification: method and no id, response: id and no method);
 *  - its canonical text decodes again to the same kind and the same bytes,
 *    and emit_canon is that text + "\n\n";
 *  - jsonrpc_sniff never reads out of bounds (ASan), only returns ids that
 *    are strict JSON, and on strict frames agrees with the decoder;
 *  - an error built from a sniffed id is strict JSON and, if jansson can
 *    hold its id, decodes as a MSG_RESPONSE. */
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
		check(v && json_equal(v, w));
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct buf scratch;
	struct rpcmsg m;
	char why[128], *id_raw = NULL, *method = NULL;

	buf_init(&scratch);
	int rc = jsonrpc_decode(in, size, DEPTH, &scratch, &m, why, sizeof(why));
	int src = jsonrpc_sniff(in, size, &id_raw, &method);
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
