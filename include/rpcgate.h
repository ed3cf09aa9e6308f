/* rpcgate.h - judge a request the plugin sends on the lightning-rpc proxy
 * against rpc.allow / deny / params / rate (SPEC sections 4 and 6). Pure
 * except for the token buckets it keeps. */
#ifndef PR_RPCGATE_H
#define PR_RPCGATE_H

#include <jansson.h>
#include "policy.h"

enum rpc_verdict {
	RPC_ALLOW,
	RPC_DENY_METHOD,	/* -32601 */
	RPC_DENY_PARAMS,	/* -32602 */
	RPC_DENY_RATE,		/* -32000 */
};

struct rpc_judgement {
	enum rpc_verdict verdict;
	int code;		/* 0, -32601, -32602 or -32000 */
	char method[128];	/* the method judged (the checked one for `check`) */
	char rule[256];		/* the rule that decided: "rpc.allow: list*",
				   "rpc.deny: list*", "not in rpc.allow",
				   "sensitive: needs exact grant" (a glob matched),
				   "rpc.params.datastore.key.0",
				   "rpc.params.datastore.key.0: named params required",
				   "check: command_to_check missing or not a string",
				   "rpc.rate.*: 50/s" */
};

struct rpcgate;
struct rpcgate *rpcgate_new(const struct policy *p);
void rpcgate_free(struct rpcgate *g);

/* Does judging method need its params? Only `check` and a method an
 * rpc.params rule names; for any other the caller may pass params NULL and
 * build no tree of the request (jsonrpc.h: JSONRPC_DOM_MAX_VALUES). */
bool rpcgate_wants_params(const struct rpcgate *g, const char *method);

/* method/params of the request; now = CLOCK_MONOTONIC seconds. A `check`
 * request is judged as the request it checks (command_to_check + rest). */
void rpcgate_judge(struct rpcgate *g, const char *method, const json_t *params,
		   double now, struct rpc_judgement *out);

/* Methods that hand out the node: granted only by an exact allow entry. */
bool rpc_sensitive(const char *method);

#endif
