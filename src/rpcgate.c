/* rpcgate.c - judge each request a plugin sends on its lightning-rpc proxy
 * against the policy's `rpc` section (SPEC sections 4 and 6, PROTOCOL.md
 * section 9 item 7): resolve `check`, then deny, allow (sensitive methods
 * need an exact grant), params constraints, and token-bucket rates.
 * Pure apart from the buckets it keeps: no I/O, no logging, no clock (the
 * caller passes `now`). Must not modify the request.
 * Called by rpcproxy.c for every request, and by gate.c for the target of
 * an rpc_command `replace`. */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpcgate.h"

/* `check` inside `check` is resolved this many times at most. */
#define RPCGATE_MAX_CHECK_DEPTH 4
/* Refills add up in floating point: 0.05 s + 0.05 s at 10/s must give a
 * whole token, not 0.9999999. */
#define RPCGATE_TOKEN_EPSILON 1e-9

struct bucket {
	double tokens;
	double last;
	bool started;
};

struct rpcgate {
	const struct policy *p;		/* borrowed; outlives the gate */
	struct bucket *b;		/* one per p->rpc.rates[] */
};

/* Methods that hand out the node's funds, secrets or control. SPEC 4 and
 * PROTOCOL.md 9.7 list them; the rest below move funds or run other
 * commands too (multi-* spend, invokerune runs any command, `dev` has
 * `dev crash`), so they get the same treatment. */
static const char *const sensitive[] = {
	"plugin", "stop", "setconfig", "dev", "dev-*", "commando",
	"commando-*", "createrune", "exposesecret", "makesecret", "sign*",
	"withdraw", "pay", "sendpay", "fund*", "close", "listconfigs",
	"reckless", "graceful", "recover", "showrunes", "blacklistrune",
	"sendpsbt", "txsend", "xpay", "keysend", "sendonion", "inject*",
	"sendcustommsg", "getlog", "emergencyrecover",
	"getemergencyrecoverdata", "bkpr-dumpincomecsv",
	/* beyond the documented list */
	"invokerune", "multiwithdraw", "multifundchannel", "xkeysend",
	"sendamount", "renepay", "upgradewallet", "openchannel_signed",
	"splice_signed", "recoverchannel", "restorefrompeer",
};

bool rpc_sensitive(const char *method)
{
	if (!method)
		return true;
	for (size_t i = 0; i < sizeof(sensitive) / sizeof(sensitive[0]); i++)
		if (fnmatch(sensitive[i], method, 0) == 0)
			return true;
	return false;
}

struct rpcgate *rpcgate_new(const struct policy *p)
{
	struct rpcgate *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->p = p;
	if (p->rpc.nrates) {
		g->b = calloc(p->rpc.nrates, sizeof(*g->b));
		if (!g->b) {
			free(g);
			return NULL;
		}
	}
	return g;
}

void rpcgate_free(struct rpcgate *g)
{
	if (!g)
		return;
	free(g->b);
	free(g);
}

static void judge(struct rpc_judgement *out, enum rpc_verdict v,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void judge(struct rpc_judgement *out, enum rpc_verdict v,
		  const char *fmt, ...)
{
	va_list ap;

	out->verdict = v;
	switch (v) {
	case RPC_ALLOW:
		out->code = 0;
		break;
	case RPC_DENY_METHOD:
		out->code = -32601;
		break;
	case RPC_DENY_PARAMS:
		out->code = -32602;
		break;
	case RPC_DENY_RATE:
		out->code = -32000;
		break;
	}
	va_start(ap, fmt);
	vsnprintf(out->rule, sizeof(out->rule), fmt, ap);
	va_end(ap);
}

/* glob match of one pattern, with the policy's own semantics */
static bool glob1(const char *pattern, const char *name)
{
	char *v[1] = { (char *)pattern };
	struct strlist one = { v, 1 };

	return strlist_match(&one, name);
}

/* `check {command_to_check: X, ...}` or `check [X, ...]`: the method is X,
 * the params are the rest. *owned is set when a new params value was built
 * (caller decrefs). Returns false if there is no string X. */
static bool resolve_check(const json_t *params, const char **method,
			  const json_t **cparams, json_t **owned)
{
	const json_t *x;

	*owned = NULL;
	if (json_is_object(params)) {
		x = json_object_get(params, "command_to_check");
		if (!json_is_string(x))
			return false;
		*owned = json_deep_copy(params);
		if (!*owned)
			return false;
		json_object_del(*owned, "command_to_check");
	} else if (json_is_array(params)) {
		x = json_array_get(params, 0);
		if (!json_is_string(x))
			return false;
		*owned = json_array();
		if (!*owned)
			return false;
		for (size_t i = 1; i < json_array_size(params); i++)
			json_array_append(*owned, json_array_get(params, i));
	} else {
		return false;
	}
	*method = json_string_value(x);
	*cparams = *owned;
	return true;
}

/* Follow "key.0.sub": the first segment names a param, later ones index
 * arrays (decimal) or name object members. NULL if it does not resolve. */
static const json_t *resolve_path(const json_t *params, const char *path)
{
	const json_t *cur = params;
	const char *seg = path;
	bool first = true;

	for (;;) {
		size_t n = strcspn(seg, ".");
		char name[128];

		if (n == 0 || n >= sizeof(name))
			return NULL;
		memcpy(name, seg, n);
		name[n] = '\0';
		if (json_is_object(cur)) {
			cur = json_object_get(cur, name);
		} else if (!first && json_is_array(cur) &&
			   strspn(name, "0123456789") == n && n <= 9) {
			cur = json_array_get(cur, strtoul(name, NULL, 10));
		} else {
			return NULL;
		}
		if (!cur)
			return NULL;
		first = false;
		if (seg[n] == '\0')
			return cur;
		seg += n + 1;
	}
}

static bool check_params(const struct policy *p, const char *method,
			 const json_t *params, struct rpc_judgement *out)
{
	for (size_t i = 0; i < p->rpc.nparams; i++) {
		const struct pol_param_rule *r = &p->rpc.params[i];
		const json_t *v;

		if (strcmp(r->method, method) != 0)
			continue;
		if (!json_is_object(params)) {
			/* Positional params would dodge the named rule. */
			judge(out, RPC_DENY_PARAMS,
			      "rpc.params.%s.%s: named params required",
			      r->method, r->path);
			return false;
		}
		v = resolve_path(params, r->path);
		if (!json_is_string(v) ||
		    !strlist_match(&r->values, json_string_value(v))) {
			judge(out, RPC_DENY_PARAMS, "rpc.params.%s.%s",
			      r->method, r->path);
			return false;
		}
	}
	return true;
}

static void refill(struct bucket *b, const struct pol_rate *r, double now)
{
	if (!b->started) {
		b->tokens = r->burst;
		b->last = now;
		b->started = true;
		return;
	}
	if (now > b->last) {
		b->tokens += (now - b->last) * r->per_sec;
		if (b->tokens > r->burst)
			b->tokens = r->burst;
		b->last = now;
	}
}

/* Every bucket whose pattern matches pays one token; if any is empty
 * nothing is taken, so a denied call costs no other bucket. */
static bool check_rate(struct rpcgate *g, const char *method, double now,
		       struct rpc_judgement *out)
{
	const struct policy *p = g->p;

	for (size_t i = 0; i < p->rpc.nrates; i++) {
		if (!glob1(p->rpc.rates[i].pattern, method))
			continue;
		refill(&g->b[i], &p->rpc.rates[i], now);
		if (g->b[i].tokens + RPCGATE_TOKEN_EPSILON < 1.0) {
			judge(out, RPC_DENY_RATE, "rpc.rate.%s: %s",
			      p->rpc.rates[i].pattern, p->rpc.rates[i].text);
			return false;
		}
	}
	for (size_t i = 0; i < p->rpc.nrates; i++)
		if (glob1(p->rpc.rates[i].pattern, method))
			g->b[i].tokens -= 1.0;
	return true;
}

static void judge_method(struct rpcgate *g, const char *method,
			 const json_t *params, double now,
			 struct rpc_judgement *out)
{
	const struct policy *p = g->p;
	const char *allowed_by = NULL;

	for (size_t i = 0; i < p->rpc.deny.n; i++)
		if (glob1(p->rpc.deny.v[i], method)) {
			judge(out, RPC_DENY_METHOD, "rpc.deny: %s",
			      p->rpc.deny.v[i]);
			return;
		}
	if (rpc_sensitive(method)) {
		if (!strlist_has(&p->rpc.allow, method)) {
			judge(out, RPC_DENY_METHOD,
			      strlist_match(&p->rpc.allow, method)
			      ? "sensitive: needs exact grant"
			      : "not in rpc.allow");
			return;
		}
		allowed_by = method;
	} else {
		for (size_t i = 0; i < p->rpc.allow.n && !allowed_by; i++)
			if (glob1(p->rpc.allow.v[i], method))
				allowed_by = p->rpc.allow.v[i];
		if (!allowed_by) {
			judge(out, RPC_DENY_METHOD, "not in rpc.allow");
			return;
		}
	}
	if (!check_params(p, method, params, out))
		return;
	if (!check_rate(g, method, now, out))
		return;
	judge(out, RPC_ALLOW, "rpc.allow: %s", allowed_by);
}

bool rpcgate_wants_params(const struct rpcgate *g, const char *method)
{
	if (!method || strcmp(method, "check") == 0)
		return true;
	for (size_t i = 0; i < g->p->rpc.nparams; i++)
		if (strcmp(g->p->rpc.params[i].method, method) == 0)
			return true;
	return false;
}

void rpcgate_judge(struct rpcgate *g, const char *method, const json_t *params,
		   double now, struct rpc_judgement *out)
{
	json_t *owned[RPCGATE_MAX_CHECK_DEPTH] = { NULL };
	size_t depth = 0;

	memset(out, 0, sizeof(*out));
	if (!method)
		method = "";
	while (strcmp(method, "check") == 0) {
		if (depth == RPCGATE_MAX_CHECK_DEPTH) {
			snprintf(out->method, sizeof(out->method), "check");
			judge(out, RPC_DENY_PARAMS, "check: nested too deep");
			goto out;
		}
		if (!resolve_check(params, &method, &params, &owned[depth])) {
			json_decref(owned[depth]);
			owned[depth] = NULL;
			snprintf(out->method, sizeof(out->method), "check");
			judge(out, RPC_DENY_PARAMS,
			      "check: command_to_check missing or not a string");
			goto out;
		}
		depth++;
	}
	snprintf(out->method, sizeof(out->method), "%s", method);
	judge_method(g, method, params, now, out);
out:
	for (size_t i = 0; i < depth; i++)
		json_decref(owned[i]);
}
