/* jsonrpc.h - decode one frame into a classified JSON-RPC message, build
 * replies, encode for the wire. Uses canon.c for the bytes that are
 * forwarded, its member spans for classification and fast decisions
 * (jspan_*), and jansson (JSON_REJECT_DUPLICATES) for the DOM that other
 * decisions are made on, built only on demand in lazy mode. Makes no policy
 * decisions and does no I/O. Fuzzed: fuzz-jsonrpc.c */
#ifndef PR_JSONRPC_H
#define PR_JSONRPC_H

#include <jansson.h>
#include <stdbool.h>
#include "buf.h"
#include "canon.h"

enum msg_kind { MSG_REQUEST, MSG_NOTIFICATION, MSG_RESPONSE, MSG_INVALID };

/* A value's bytes in a message's canonical text: canon[off..off+len).
 * len 0 means absent (no JSON value is empty). */
struct jspan {
	size_t off, len;
};

/* Not to be copied by value: method may point into method_buf. */
struct rpcmsg {
	json_t *root;		/* owned; NULL in lazy mode until rpcmsg_dom() */
	enum msg_kind kind;
	const char *method;	/* owned copy (NUL-terminated, escapes decoded);
				 * NULL unless request/notification */
	json_t *id;		/* borrowed from root; NULL for notifications and
				 * until rpcmsg_dom() */
	json_t *params;		/* borrowed from root; may be NULL */
	const char *canon;	/* canonical compact text (borrowed from `scratch`) */
	size_t canon_len;
	/* The DOM's numbers are not the message's: some number did not fit
	 * jansson (an integer above int64, a real beyond a double such as
	 * 1E400). The canonical bytes are exact, but decisions must not rest
	 * on numbers and the DOM must not be re-emitted. Only known once the
	 * DOM is built (always after jsonrpc_decode()). */
	bool numbers_approx;
	/* Top-level members, set by both decoders: id_span only for a valid id
	 * (string or integer within int64, same rule as m->id); params_span
	 * only where m->params would be set (request/notification);
	 * result_span/error_span whenever the member is present. The id's
	 * span bytes are its exact canonical text (the key to match ids by:
	 * for a string id equal to json_dumps(id, JSON_ENCODE_ANY|JSON_COMPACT)). */
	struct jspan id_span, params_span, result_span, error_span;
	bool dom;		/* root/id/params built */
	/* keep these two last: decoding zeroes only what precedes them */
	char method_buf[48];	/* method storage for short names (no malloc) */
	char dom_why[JSON_ERROR_TEXT_LENGTH];	/* why rpcmsg_dom() failed */
};

/* Strictly decode frame[0..len): canon_json() into `scratch` (reset
 * first; it refuses duplicate keys), classification from the top-level
 * members, then the DOM: json_loadb() of the canonical text with
 * JSON_REJECT_DUPLICATES (= jsonrpc_decode_lazy() + rpcmsg_dom()). Requires an object
 * with "jsonrpc":"2.0". Sets m->kind:
 *   id + method          -> MSG_REQUEST
 *   method, no id        -> MSG_NOTIFICATION
 *   id + exactly one of result/error, no method -> MSG_RESPONSE
 *   anything else        -> MSG_INVALID (still returns 0: it is valid JSON)
 * m->id is also set for MSG_INVALID when the message has a valid id (a
 * string or an integer), so the caller can answer it.
 * "params", when present on a request/notification, must be an object or
 * an array (else MSG_INVALID).
 * Integers above int64: jansson refuses them, so the DOM is then decoded
 * with JSON_DECODE_INT_AS_REAL (those numbers, and all other integers except
 * a valid id, become reals in m->root); a real that overflows a double
 * (1e400): the DOM is built with every number 0 but a valid id kept (a
 * numeric id that is not valid becomes a real). Both set numbers_approx;
 * the canonical bytes keep every lexeme.
 * Returns -1 (m->root NULL) if the frame is not strict JSON, with a
 * one-line reason in why. */
int jsonrpc_decode(const char *frame, size_t len, unsigned max_depth,
		   struct buf *scratch, struct rpcmsg *m, char *why, size_t whylen);

/* The same strict decoding and classification (same kinds, same ids, same
 * refusals: canon_json refuses duplicate keys itself) without building a
 * jansson DOM: m->root, m->id and m->params stay NULL until rpcmsg_dom().
 * The hot path for plugin->host traffic; a typical message costs one pass
 * over its bytes and no malloc (scratch is reused). numbers_approx is not
 * known until rpcmsg_dom(). Returns 0 or -1 with why, like jsonrpc_decode
 * (a DOM that jansson cannot build is only found by rpcmsg_dom()). */
int jsonrpc_decode_lazy(const char *frame, size_t len, unsigned max_depth,
			struct buf *scratch, struct rpcmsg *m, char *why, size_t whylen);
/* jsonrpc_decode_lazy() with frame[0..len) canonicalised in place
 * (canon_json_inplace): m->canon is frame itself, m->canon_len <= len. No
 * copy of the message is made, so a 50 MB answer is held once. On failure
 * frame's bytes are unspecified (the caller drops them). */
int jsonrpc_decode_inplace(char *frame, size_t len, unsigned max_depth,
			   struct rpcmsg *m, char *why, size_t whylen);
/* The same for a frame that is already canonical, with canon's record of
 * its top-level members (FRAMER_CANON validated it as it arrived). */
void jsonrpc_decode_canonical(const char *canon, size_t len,
			      const struct canon_top *top, struct rpcmsg *m);
/* The most values a message judged on a DOM may hold. A jansson tree takes
 * 30-80 bytes for a value written in one or two (measured: a 32 MB request
 * of empty objects took 2.6 GB), so the size cap alone would let a plugin
 * make the runner take many times it; messages judged on a tree (a
 * manifest, init, a hook reply, message and progress notifications, an RPC
 * request with a params rule, check) are small, and beyond this refused. */
#define JSONRPC_DOM_MAX_VALUES 100000

/* Build m->root (and m->id, m->params, numbers_approx) if not yet built,
 * from m->canon, which must still be valid (scratch untouched since the
 * decode). Returns m->root, or NULL if jansson cannot build it or the text
 * holds more than JSONRPC_DOM_MAX_VALUES values (reason in m->dom_why; e.g.
 * nesting beyond jansson's own limit of 2048). */
json_t *rpcmsg_dom(struct rpcmsg *m);
/* Free everything the message owns (DOM, method copy). */
void rpcmsg_clear(struct rpcmsg *m);

/* Helpers on canonical text (no whitespace, keys unescaped, dups refused)
 * for deciding without a DOM. */
/* The value span of `key` in the object spanned by obj; false if obj is not
 * an object or has no such key. Linear in obj's length. */
bool jspan_member(const char *canon, struct jspan obj, const char *key, struct jspan *out);
bool jspan_is_string(const char *canon, struct jspan s);
/* Does the string at s decode to exactly `text` (ASCII case-insensitively
 * for _case)? False for a span that is not a string. Escapes are decoded. */
bool jspan_str_eq(const char *canon, struct jspan s, const char *text);
bool jspan_str_eq_case(const char *canon, struct jspan s, const char *text);
/* The string at s, decoded, as a malloc'd C string; NULL if s is not a
 * string or has an escape (an escaped control character or quote). */
char *jspan_strdup(const char *canon, struct jspan s);
/* The same with every escape decoded (canonical text holds no \u0000, so
 * the C string is the whole value); NULL if s is not a string. */
char *jspan_string(const char *canon, struct jspan s);

/* Lenient look into a frame that failed strict decoding (host side:
 * lightningd relays client bytes verbatim). Finds the first top-level "id"
 * and "method" members, raw key compare like lightningd. *id_raw gets the
 * id's raw token (e.g. "\"cln:x#1\"") only if it is itself strict JSON;
 * *method gets the method string if it has no escapes. Either may be NULL.
 * Returns 0 if the frame looks like an object at all. Caller frees. */
int jsonrpc_sniff(const char *frame, size_t len, char **id_raw, char **method);

/* Append m's canonical text + "\n\n" to out. */
void jsonrpc_emit_canon(struct buf *out, const struct rpcmsg *m);
/* Append json_dumps(v, JSON_COMPACT) + "\n\n" to out (for messages the
 * runner built or rewrote). */
void jsonrpc_emit_json(struct buf *out, const json_t *v);

/* {"jsonrpc":"2.0","id":ID,"error":{"code":C,"message":"plugin-runner: ...","data":DATA}}
 * id is copied (json_deep_copy); data is stolen (may be NULL). */
json_t *jsonrpc_error(const json_t *id, int code, const char *message, json_t *data);
/* Same, for an id known only as a raw strict-JSON token; returns the wire
 * text with "\n\n" appended into out. id_raw is copied byte for byte (null
 * if it is NULL or not strict JSON); data is {"method":M,"rule":R}, a NULL
 * member left out, no data at all if both are NULL. */
void jsonrpc_emit_error_raw(struct buf *out, const char *id_raw, int code,
			    const char *message, const char *method, const char *rule);
/* {"jsonrpc":"2.0","id":ID,"result":RESULT} (result stolen). */
json_t *jsonrpc_result(const json_t *id, json_t *result);
/* {"jsonrpc":"2.0","method":"log","params":{"level":LEVEL,"message":MSG}} */
json_t *jsonrpc_log_notification(const char *level, const char *message);

#endif
