/* jsonrpc.h - decode one frame into a classified JSON-RPC message, build
 * replies, encode for the wire. Uses canon.c for the bytes that are
 * forwarded and jansson (JSON_REJECT_DUPLICATES) for the DOM decisions are
 * made on. Makes no policy decisions and does no I/O. Fuzzed: fuzz-jsonrpc.c */
#ifndef PR_JSONRPC_H
#define PR_JSONRPC_H

#include <jansson.h>
#include <stdbool.h>
#include "buf.h"

enum msg_kind { MSG_REQUEST, MSG_NOTIFICATION, MSG_RESPONSE, MSG_INVALID };

struct rpcmsg {
	json_t *root;		/* owned */
	enum msg_kind kind;
	const char *method;	/* borrowed from root; NULL unless request/notification */
	json_t *id;		/* borrowed; NULL for notifications */
	json_t *params;		/* borrowed; may be NULL */
	const char *canon;	/* canonical compact text (borrowed from `scratch`) */
	size_t canon_len;
	/* The DOM's numbers are not the message's: some number did not fit
	 * jansson (an integer above int64, a real beyond a double such as
	 * 1E400). The canonical bytes are exact, but decisions must not rest
	 * on numbers and the DOM must not be re-emitted. */
	bool numbers_approx;
};

/* Strictly decode frame[0..len): canon_json() into `scratch` (reset
 * first), then json_loadb() with JSON_REJECT_DUPLICATES. Requires an object
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
 * the id, become reals in m->root); the canonical bytes keep every lexeme.
 * Reals that overflow a double (1e400) are refused (-1).
 * Returns -1 (m->root NULL) if the frame is not strict JSON, with a
 * one-line reason in why. */
int jsonrpc_decode(const char *frame, size_t len, unsigned max_depth,
		   struct buf *scratch, struct rpcmsg *m, char *why, size_t whylen);
void rpcmsg_clear(struct rpcmsg *m);

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
