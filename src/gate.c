/* gate.c - the stdio protocol rules (SPEC section 5), as a permit table plus
 * a table of requests the host has asked and the plugin not yet answered.
 * Host -> plugin: getmanifest once, then init once (rewritten), then only
 * the methods, hooks and topics the filtered manifest registered.
 * Plugin -> host: responses to pending ids only (the manifest filtered, hook
 * replies shape-checked), notifications `log`, `message`, `progress` with
 * valid params and declared custom topics. Everything else is answered,
 * dropped or ends the plugin, and is logged.
 * Pure: appends whole messages to the gate_io buffers; no I/O, no exit.
 * Called by relay.c. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "framer.h"
#include "gate.h"
#include "hookreply.h"
#include "initrewrite.h"
#include "jsonrpc.h"
#include "learn.h"
#include "log.h"
#include "manifest.h"
#include "pending.h"
#include "rpcgate.h"
#include "spawn.h"
#include "util.h"

enum gate_state { ST_NEW, ST_MANIFEST_ASKED, ST_MANIFEST_DONE, ST_INIT_ASKED, ST_RUNNING };

/* Hook replies judged valid, remembered. A reply's validity is a function
 * of the hook, the network and the reply's result value alone, and a node
 * answers most hook calls with a few replies ({"result":"continue"} above
 * all), so a reply whose result's canonical text (one text per JSON
 * value) was judged valid for that hook before is forwarded without
 * building a DOM again. Not for rpc_command: whether its replacement may
 * run depends on the plugin's RPC rate limits as well. */
#define HOOK_MEMO 8
struct hook_memo {
	char *hook;
	char *result;		/* canonical text of the result value */
	size_t len;
};

struct gate {
	const struct policy *pol;
	bool audit;
	struct learn *learn;
	enum gate_state state;
	struct registry reg;
	bool have_reg;
	struct pending *pending;	/* what the host asked and awaits */
	struct buf scratch;	/* canonical text of the current host frame */
	/* The framer that returned the frame being judged (NULL: forward()
	 * copies it), and, for a plugin frame, that frame, canonicalised in
	 * place (NULL for a host frame: framer_take_canonical is its way). */
	const char *frame;
	struct framer *frame_src;
	char *upstream;		/* real lightning-rpc path, after init */
	char *network;		/* from init: close_to addresses are checked against it */
	struct rpcgate *replace_gate;	/* judges rpc_command replace targets */
	struct hook_memo memo[HOOK_MEMO];	/* replies judged valid, see below */
	unsigned memo_next;
	size_t hook_doms;	/* hook replies judged on a DOM (tests) */
};

/* Verdicts remembered under one network do not carry over to another. */
static void memo_forget(struct gate *g)
{
	for (size_t i = 0; i < HOOK_MEMO; i++) {
		free(g->memo[i].hook);
		free(g->memo[i].result);
		g->memo[i] = (struct hook_memo){ 0 };
	}
}

struct gate *gate_new(const struct policy *pol, bool audit, struct learn *learn)
{
	struct gate *g = xcalloc(1, sizeof(*g));
	g->pol = pol;
	g->audit = audit;
	g->learn = learn;
	g->pending = pending_new();
	g->replace_gate = rpcgate_new(pol);
	buf_init(&g->scratch);
	return g;
}

void gate_free(struct gate *g)
{
	if (!g)
		return;
	if (g->have_reg)
		registry_free(&g->reg);
	pending_free(g->pending);
	buf_free(&g->scratch);
	free(g->upstream);
	free(g->network);
	rpcgate_free(g->replace_gate);
	memo_forget(g);
	free(g);
}

bool gate_running(const struct gate *g)
{
	return g->state == ST_RUNNING;
}

const char *gate_upstream_path(const struct gate *g)
{
	return g->upstream;
}

size_t gate_max_message(const struct gate *g)
{
	return g->pol->sandbox.limits.message;
}

/* The key lightningd matches responses by: the id's exact text. */
static char *id_key(const json_t *id)
{
	char *k = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT);
	if (!k)
		k = xstrdup("");
	return k;
}

static void pend_add(struct gate *g, const struct rpcmsg *m, enum pend_kind kind,
		     const char *name)
{
	pending_add(g->pending, m->canon + m->id_span.off, m->id_span.len, kind, name);
}

/* ---- small builders ---- */

/* id[0..idlen): the id's raw text, as the host wrote it (a denial is
 * rare: the copy to a string is made here, not for every message). */
static void reply_error(struct gate_io *io, const char *id, size_t idlen, int code,
			const char *method, const char *rule, const char *msg)
{
	char *id_raw = xstrndup(id, idlen);
	jsonrpc_emit_error_raw(io->to_host, id_raw, code, msg, method, rule);
	free(id_raw);
}

static void reply_continue(struct gate_io *io, const char *id, size_t idlen)
{
	char *wire = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"result\":{\"result\":\"continue\"}}\n\n",
			       (int)idlen, id);
	buf_append(io->to_host, wire, strlen(wire));
	free(wire);
}

/* A plugin message at least this big leaves in the storage it was read
 * into; a smaller one is copied, which costs less than moving the bytes
 * that follow it in that storage (up to a read's worth: a batch of log
 * notifications would otherwise be moved once per message). */
#define TAKE_MIN (64u << 10)

/* Forward a message as its canonical bytes. A host message's sit where
 * they were read or in the framer's canon_out (framer_take_canonical), or
 * alone in g->scratch; a big plugin message's in the framer's buffer it
 * was read into: hand that storage over rather than copy it, so a 50 MB
 * answer is held once (m->canon is not valid afterwards). For a hook call
 * the copy is small, but it wrote a buffer that, between two calls on a
 * busy machine, is out of every cache: with caches emptied the host side
 * of the gate took 2.1-3.1 us with it and 1.7-2.3 us without (bench-micro,
 * four interleaved pairs). */
static void forward(struct gate *g, const struct rpcmsg *m, struct buf *out)
{
	if (g->frame_src && framer_take_canonical(g->frame_src, m->canon, m->canon_len, out)) {
		buf_append(out, "\n\n", 2);
		return;
	}
	if (m->canon == buf_head(&g->scratch) && m->canon_len == g->scratch.len) {
		buf_append(&g->scratch, "\n\n", 2);
		buf_move_append(out, &g->scratch);
		buf_trim(&g->scratch);
		return;
	}
	if (g->frame_src && m->canon == g->frame && m->canon_len >= TAKE_MIN) {
		struct buf t;
		buf_init(&t);
		framer_take(g->frame_src, m->canon_len, &t);
		g->frame_src = NULL;
		buf_append(&t, "\n\n", 2);
		buf_move_append(out, &t);
		buf_free(&t);
		return;
	}
	jsonrpc_emit_canon(out, m);
}

static bool topic_registered(const struct gate *g, const char *topic)
{
	if (!g->have_reg)
		return false;
	if (strlist_has(&g->reg.topics, topic))
		return true;
	/* "*" is every topic except log (lightningd since v23.08). */
	return strcmp(topic, "log") != 0 && strlist_has(&g->reg.topics, "*");
}

/* ---- host -> plugin ---- */

/* init: the plugin sees its private directory and the proxy socket, never
 * the real paths; no proxy settings unless it has the host's network.
 * Rewritten on the canonical text (initrewrite.c), so every other byte,
 * numbers included, is lightningd's. */
static int rewrite_init(struct gate *g, const struct rpcmsg *m, struct buf *to_plugin)
{
	struct init_facts f;
	bool keep_proxy = g->pol->sandbox.network == POL_NET_HOST;

	if (init_rewrite(m->canon, m->canon_len, m->params_span, keep_proxy,
			 SANDBOX_LIGHTNING_DIR, SANDBOX_RPC_PATH, to_plugin, &f) < 0)
		return -1;
	free(g->upstream);
	g->upstream = f.rpc_file[0] == '/' ? xstrdup(f.rpc_file)
		: xasprintf("%s/%s", f.lightning_dir, f.rpc_file);
	free(g->network);
	g->network = f.network;
	f.network = NULL;
	memo_forget(g);
	if (f.proxy_dropped)
		log_info("init: proxy setting dropped (sandbox.network is not host)");
	init_facts_free(&f);
	return 0;
}

static void host_request(struct gate *g, struct rpcmsg *m, struct gate_io *io)
{
	const char *method = m->method;
	/* the id's text in the canonical message: pending's key, and what a
	 * denial answers to */
	const char *id = m->canon + m->id_span.off;
	size_t idlen = m->id_span.len;

	if (strcmp(method, "getmanifest") == 0) {
		if (g->state != ST_NEW) {
			log_deny("host: second getmanifest refused");
			reply_error(io, id, idlen, -32600, method, "getmanifest once",
				    "plugin-runner: getmanifest was already answered");
			return;
		}
		g->state = ST_MANIFEST_ASKED;
		pend_add(g, m, PEND_GETMANIFEST, method);
		forward(g, m, io->to_plugin);
		return;
	}
	if (strcmp(method, "init") == 0) {
		if (g->state != ST_MANIFEST_DONE) {
			log_deny("host: init before the manifest or twice, refused");
			reply_error(io, id, idlen, -32600, method, "init once, after getmanifest",
				    "plugin-runner: init out of order");
			return;
		}
		if (rewrite_init(g, m, io->to_plugin) < 0) {
			log_deny("host: init without configuration.lightning-dir/rpc-file");
			reply_error(io, id, idlen, -32602, method, "init.configuration",
				    "plugin-runner: init has no usable configuration");
			return;
		}
		g->state = ST_INIT_ASKED;
		pend_add(g, m, PEND_INIT, method);
		return;
	}
	if (g->have_reg && hook_known(method)) {
		if (strlist_has(&g->reg.hooks, method)) {
			pend_add(g, m, PEND_HOOK, method);
			forward(g, m, io->to_plugin);
			return;
		}
		/* Never send a hook an error: lightningd would fatal(). */
		log_deny("host: hook %s not registered by the plugin: answered continue", method);
		reply_continue(io, id, idlen);
		return;
	}
	bool registered = g->have_reg && strlist_has(&g->reg.methods, method);
	if (!registered && strcmp(method, "check") == 0 && g->have_reg && g->reg.cancheck) {
		struct jspan cs;
		char *c = jspan_member(m->canon, m->params_span, "command_to_check", &cs)
			? jspan_strdup(m->canon, cs) : NULL;
		registered = c && strlist_has(&g->reg.methods, c);
		free(c);
	}
	/* setconfig is sent only for the plugin's own dynamic options, which
	 * passed manifest filtering. */
	if (!registered && strcmp(method, "setconfig") == 0 && g->have_reg)
		registered = true;
	if (registered) {
		pend_add(g, m, PEND_METHOD, method);
		forward(g, m, io->to_plugin);
		return;
	}
	if (g->audit) {
		log_deny("host: request %s for a method the plugin did not register (audit: forwarded)",
			 method);
		pend_add(g, m, PEND_METHOD, method);
		forward(g, m, io->to_plugin);
		return;
	}
	log_deny("host: request %s for a method the plugin did not register: denied", method);
	char *msg = xasprintf("plugin-runner: method %s is not registered by this plugin", method);
	reply_error(io, id, idlen, -32601, method, "not registered", msg);
	free(msg);
}

static void host_notification(struct gate *g, struct rpcmsg *m, struct gate_io *io)
{
	/* deprecated_oneshot is addressed to this one plugin, unsubscribed. */
	if (topic_registered(g, m->method) || strcmp(m->method, "deprecated_oneshot") == 0) {
		forward(g, m, io->to_plugin);
		return;
	}
	if (g->audit) {
		log_deny("host: notification %s not subscribed (audit: forwarded)", m->method);
		forward(g, m, io->to_plugin);
		return;
	}
	log_deny("host: notification %s not subscribed: dropped", m->method);
}

/* lightningd relays client bytes verbatim, so a host frame may not be
 * strict JSON. It is never forwarded: a method call gets an error, a hook
 * gets continue, a notification is dropped. Except db_write to a plugin
 * that registered it: continue would tell lightningd the write is backed
 * up when the plugin never saw it, so the plugin is ended and lightningd
 * halts, as it does when a db_write plugin fails (PROTOCOL 5.3). */
static enum gate_rc host_not_strict(struct gate *g, const char *frame, size_t len,
				    const char *why, struct gate_io *io)
{
	enum gate_rc rc = GATE_OK;
	char *id = NULL, *method = NULL;

	jsonrpc_sniff(frame, len, &id, &method);
	if (!id) {
		log_deny("host: message is not strict JSON (%s): dropped", why);
	} else if (method && strcmp(method, "db_write") == 0 && g->have_reg &&
		   strlist_has(&g->reg.hooks, "db_write")) {
		log_error("host: db_write cannot be forwarded (%s): ending the plugin, so that "
			  "lightningd halts instead of going on without it", why);
		rc = GATE_KILL;
	} else if (method && hook_known(method)) {
		log_deny("host: hook %s payload is not strict JSON (%s): answered continue", method, why);
		reply_continue(io, id, strlen(id));
	} else {
		log_deny("host: request %s is not strict JSON (%s): answered with an error",
			 method ? method : "?", why);
		char *msg = xasprintf("plugin-runner: request is not strict JSON (%s)", why);
		jsonrpc_emit_error_raw(io->to_host, id, -32700, msg, method ? method : "",
				       "strict JSON");
		free(msg);
	}
	free(id);
	free(method);
	return rc;
}

enum gate_rc gate_from_host(struct gate *g, const char *frame, size_t len,
			    struct gate_io *io)
{
	struct rpcmsg m;
	char why[256];

	const struct canon_top *top = io->frame_src ? framer_canon_top(io->frame_src) : NULL;
	if (top) {
		jsonrpc_decode_canonical(frame, len, top, &m);	/* validated as framed */
	} else if (jsonrpc_decode_lazy(frame, len, POL_MAX_DEPTH, &g->scratch, &m, why,
				       sizeof(why)) < 0) {
		return host_not_strict(g, frame, len, why, io);
	}
	g->frame_src = io->frame_src;	/* g->frame stays NULL: no framer_take */
	switch (m.kind) {
	case MSG_REQUEST:
		host_request(g, &m, io);
		break;
	case MSG_NOTIFICATION:
		host_notification(g, &m, io);
		break;
	case MSG_RESPONSE:
	case MSG_INVALID:
		log_deny("host: message is not a request or notification: dropped");
		break;
	}
	g->frame_src = NULL;
	rpcmsg_clear(&m);
	return GATE_OK;
}

enum gate_rc gate_host_oversized(struct gate *g, const char *prefix, size_t len,
				 struct gate_io *io)
{
	return host_not_strict(g, prefix, len,
			       "over the message size cap, sandbox.limits.message", io);
}

/* ---- plugin -> host ---- */

static const char *const log_levels[] = {
	"trace", "debug", "info", "unusual", "warn", "broken", "error",
};

static bool valid_level(const json_t *lvl)
{
	const char *s = json_string_value(lvl);
	if (!s)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(log_levels); i++)
		if (strcasecmp(s, log_levels[i]) == 0)
			return true;
	return false;
}

static bool is_uint(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0;
}

/* message/progress must name a request lightningd is waiting on. */
static bool names_pending(const struct gate *g, const json_t *params)
{
	const json_t *id = json_object_get(params, "id");
	if (!json_is_string(id))
		return false;
	char *k = id_key(id);
	bool ok = pending_has(g->pending, k, strlen(k));
	free(k);
	return ok;
}

/* log is the hot path (a chatty plugin sends thousands a second): it is
 * judged on the canonical bytes, without a DOM. */
static bool span_level_ok(const char *canon, struct jspan lvl)
{
	for (size_t i = 0; i < ARRAY_SIZE(log_levels); i++)
		if (jspan_str_eq_case(canon, lvl, log_levels[i]))
			return true;
	return false;
}

static const char *log_problem(const struct rpcmsg *m)
{
	struct jspan v;
	if (m->params_span.len == 0 || m->canon[m->params_span.off] != '{' ||
	    !jspan_member(m->canon, m->params_span, "message", &v) ||
	    !jspan_is_string(m->canon, v))
		return "log without a string message";
	if (jspan_member(m->canon, m->params_span, "level", &v) && !span_level_ok(m->canon, v))
		return "log with an unknown level";
	return NULL;
}

static const char *notification_problem(const struct gate *g, struct rpcmsg *m)
{
	const char *t = m->method;

	if (strcmp(t, "log") == 0)
		return log_problem(m);
	if (strcmp(t, "message") == 0 || strcmp(t, "progress") == 0) {
		if (!rpcmsg_dom(m))
			return m->dom_why;	/* jansson's reason, or too many values */
	}
	const json_t *p = m->params;
	if (strcmp(t, "message") == 0) {
		if (!json_is_object(p) || !names_pending(g, p))
			return "message for no pending request";
		if (!json_is_string(json_object_get(p, "message")) ||
		    (json_object_get(p, "level") && !valid_level(json_object_get(p, "level"))))
			return "message with bad level/message";
		return NULL;
	}
	if (strcmp(t, "progress") == 0) {
		if (m->numbers_approx)
			return "progress with numbers beyond 64 bits";
		if (!json_is_object(p) || !names_pending(g, p))
			return "progress for no pending request";
		if (!is_uint(json_object_get(p, "num")) || !is_uint(json_object_get(p, "total")))
			return "progress without num/total";
		const json_t *st = json_object_get(p, "stage");
		if (st && (!json_is_object(st) || !is_uint(json_object_get(st, "num")) ||
			   !is_uint(json_object_get(st, "total"))))
			return "progress with a bad stage";
		return NULL;
	}
	if (!g->have_reg || !strlist_has(&g->reg.notifications, t))
		return "topic not declared in the manifest";
	if (m->params_span.len == 0)
		return "custom notification without params";
	return NULL;
}

/* Audit mode: the manifest the plugin asked for, filtered only by what
 * would crash lightningd (built-in names) or break the protocol, through a
 * policy that allows everything else (hooks: exactly the plugin's own). The
 * registry becomes what that lets through. Returns a new reference. */
static json_t *audit_manifest(struct gate *g, const json_t *orig)
{
	static char *star[] = { "*" };
	const struct strlist all = { star, 1 };
	struct policy open = *g->pol;
	struct strlist hooks = { 0 }, violations = { 0 };
	const json_t *hv;
	size_t i;
	char why[512];

	json_array_foreach(json_object_get(orig, "hooks"), i, hv) {
		const json_t *name = json_is_object(hv) ? json_object_get(hv, "name") : hv;
		if (json_is_string(name))
			strlist_push(&hooks, json_string_value(name));
	}
	open.manifest.on_violation = POL_STRIP;
	open.manifest.rpcmethods = open.manifest.subscriptions = all;
	open.manifest.notifications = open.manifest.options = all;
	open.manifest.featurebits = true;
	open.manifest.custommessages_any = true;
	open.manifest.hooks = hooks;

	json_t *copy = json_deep_copy(orig);
	registry_free(&g->reg);
	memset(&g->reg, 0, sizeof(g->reg));
	manifest_filter(copy, &open, &g->reg, &violations, why, sizeof(why));
	for (size_t j = 0; j < violations.n; j++)
		log_deny("manifest: %s: stripped even in audit mode", violations.v[j]);
	strlist_free(&violations);
	strlist_free(&hooks);
	return copy;
}

static enum gate_rc manifest_answer(struct gate *g, struct rpcmsg *m, struct gate_io *io)
{
	json_t *result = json_object_get(m->root, "result");
	struct strlist violations = { 0 };
	char why[512];

	if (!result) {	/* an error: lightningd kills the plugin itself */
		forward(g, m, io->to_host);
		return GATE_OK;
	}
	if (m->numbers_approx) {
		/* Filtering re-emits the manifest; it would change its numbers. */
		log_error("manifest holds numbers beyond 64 bits or a double; cannot filter it exactly: ending the plugin");
		return GATE_KILL;
	}
	if (g->learn)
		learn_manifest(g->learn, result);
	json_t *orig = g->audit ? json_deep_copy(result) : NULL;
	int r = manifest_filter(result, g->pol, &g->reg, &violations, why, sizeof(why));
	for (size_t i = 0; i < violations.n; i++)
		log_deny("manifest: %s%s", violations.v[i],
			 g->audit ? " (audit: not denied)" : ": stripped");
	strlist_free(&violations);
	if (r < 0 && !g->audit) {
		log_error("manifest refused by policy %s: %s", g->pol->file, why);
		json_decref(orig);
		return GATE_REFUSE;
	}
	g->have_reg = true;
	g->state = ST_MANIFEST_DONE;
	if (orig) {
		json_object_set_new(m->root, "result", audit_manifest(g, orig));
		json_decref(orig);
	}
	jsonrpc_emit_json(io->to_host, m->root);
	log_info("handshake: manifest answered (%zu methods, %zu hooks, %zu subscriptions)",
		 g->reg.methods.n, g->reg.hooks.n, g->reg.topics.n);
	return GATE_OK;
}

/* rpc_command may replace the command with any other: the plugin's own
 * RPC rules apply to the replacement too (PROTOCOL.md 9.7). */
static bool replace_allowed(struct gate *g, const char *hook, const json_t *resp,
			    char *why, size_t whylen)
{
	if (strcmp(hook, "rpc_command") != 0)
		return true;
	const json_t *rep = json_object_get(json_object_get(resp, "result"), "replace");
	if (!rep)
		return true;
	const char *method = json_string_value(json_object_get(rep, "method"));
	struct rpc_judgement j;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	rpcgate_judge(g->replace_gate, method ? method : "", json_object_get(rep, "params"),
		      (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, &j);
	if (j.verdict == RPC_ALLOW || g->audit)
		return true;
	/* Truncation is fine: it is a log line. */
	int n = snprintf(why, whylen, "rpc_command replace with %.100s denied (%.200s)",
			 j.method, j.rule);
	(void)n;
	return false;
}

/* The result of a reply to hook, as a memo key: only a reply with a result
 * and no error, to a hook whose verdict is the reply's alone. */
static bool memo_key(const char *hook, const struct rpcmsg *m, const char **text,
		     size_t *len)
{
	if (!m->result_span.len || m->error_span.len || strcmp(hook, "rpc_command") == 0)
		return false;
	*text = m->canon + m->result_span.off;
	*len = m->result_span.len;
	return true;
}

static bool memo_valid(const struct gate *g, const char *hook, const struct rpcmsg *m)
{
	const char *t;
	size_t n;

	if (!memo_key(hook, m, &t, &n))
		return false;
	for (size_t i = 0; i < HOOK_MEMO; i++) {
		const struct hook_memo *e = &g->memo[i];
		if (e->hook && e->len == n && strcmp(e->hook, hook) == 0 &&
		    memcmp(e->result, t, n) == 0)
			return true;
	}
	return false;
}

static void memo_add(struct gate *g, const char *hook, const struct rpcmsg *m)
{
	const char *t;
	size_t n;

	if (!memo_key(hook, m, &t, &n) || n > 256)
		return;		/* big replies are rare: not worth the memory */
	struct hook_memo *e = &g->memo[g->memo_next++ % HOOK_MEMO];
	free(e->hook);
	free(e->result);
	e->hook = xstrdup(hook);
	e->result = xmalloc(n);
	memcpy(e->result, t, n);
	e->len = n;
}

/* A reply to hook, judged on its DOM (and remembered when valid). */
static bool hook_reply_valid(struct gate *g, const char *hook, struct rpcmsg *m,
			     char *why, size_t whylen)
{
	g->hook_doms++;
	if (!rpcmsg_dom(m)) {
		snprintf(why, whylen, "%s", m->dom_why);
		return false;
	}
	if (m->numbers_approx) {
		snprintf(why, whylen, "numbers beyond 64 bits or a double");
		return false;
	}
	if (!hookreply_valid_net(hook, m->root, g->network, why, whylen) ||
	    !replace_allowed(g, hook, m->root, why, whylen))
		return false;
	memo_add(g, hook, m);
	return true;
}

size_t gate_hook_doms(const struct gate *g)
{
	return g->hook_doms;
}

static enum gate_rc plugin_response(struct gate *g, struct rpcmsg *m, struct gate_io *io)
{
	/* the id's text in the canonical answer: pending's key (read before
	 * forward() may hand the answer's storage on) */
	const char *id = m->canon + m->id_span.off;
	size_t idlen = m->id_span.len;
	char *name;
	enum pend_kind kind;
	if (!pending_take(g->pending, id, idlen, &kind, &name)) {
		log_deny("plugin: response to id %.*s that the host never asked or already had: dropped",
			 (int)idlen, id);
		return GATE_OK;
	}

	enum gate_rc rc = GATE_OK;
	char why[512];
	switch (kind) {
	case PEND_GETMANIFEST:
		if (!rpcmsg_dom(m)) {
			log_error("plugin: manifest unreadable (%s): ending the plugin", m->dom_why);
			rc = GATE_KILL;
			break;
		}
		rc = manifest_answer(g, m, io);
		break;
	case PEND_INIT:
		g->state = ST_RUNNING;
		log_info("handshake: init answered");
		forward(g, m, io->to_host);
		break;
	case PEND_HOOK: {
		/* Hook replies steer the node: judged on a DOM, once per
		 * distinct valid reply (hook_memo). */
		bool valid = memo_valid(g, name, m) ||
			     hook_reply_valid(g, name, m, why, sizeof(why));
		if (valid) {
			forward(g, m, io->to_host);
		} else if (strcmp(name, "db_write") == 0) {
			/* Only a genuine continue may pass; lightningd must halt. */
			log_error("plugin: invalid db_write reply (%s): ending the plugin", why);
			rc = GATE_KILL;
		} else {
			log_deny("plugin: invalid %s reply (%s): replaced with continue", name, why);
			reply_continue(io, id, idlen);
		}
		break;
	}
	case PEND_METHOD:
		forward(g, m, io->to_host);
		break;
	}
	free(name);
	return rc;
}

enum gate_rc gate_from_plugin(struct gate *g, char *frame, size_t len,
			      struct gate_io *io)
{
	struct rpcmsg m;
	char why[256];
	enum gate_rc rc = GATE_OK;

	const struct canon_top *top = io->frame_src ? framer_canon_top(io->frame_src) : NULL;
	if (top) {
		jsonrpc_decode_canonical(frame, len, top, &m);	/* validated as it came */
	} else if (jsonrpc_decode_inplace(frame, len, POL_MAX_DEPTH, &m, why, sizeof(why)) < 0) {
		log_error("plugin: sent malformed JSON (%s): ending the plugin", why);
		return GATE_KILL;
	}
	g->frame = frame;
	g->frame_src = io->frame_src;
	switch (m.kind) {
	case MSG_RESPONSE:
		rc = plugin_response(g, &m, io);
		break;
	case MSG_NOTIFICATION: {
		const char *bad = notification_problem(g, &m);
		bool custom = strcmp(m.method, "log") && strcmp(m.method, "message") &&
			      strcmp(m.method, "progress");
		if (!bad) {
			forward(g, &m, io->to_host);
		} else if (g->audit && custom && m.params_span.len) {
			/* lightningd logs and drops undeclared topics itself. */
			log_deny("plugin: notification %s: %s (audit: forwarded)", m.method, bad);
			forward(g, &m, io->to_host);
		} else {
			log_deny("plugin: notification %s dropped: %s", m.method, bad);
		}
		break;
	}
	case MSG_REQUEST:
		log_deny("plugin: request %s on stdout dropped (plugins call lightningd over the RPC socket)",
			 m.method);
		break;
	case MSG_INVALID:
		/* lightningd kills a plugin for this; so do we, before it can. */
		log_error("plugin: message is not JSON-RPC 2.0 (needs \"jsonrpc\":\"2.0\" and an id or a method): ending the plugin");
		rc = GATE_KILL;
		break;
	}
	g->frame = NULL;
	g->frame_src = NULL;
	rpcmsg_clear(&m);
	return rc;
}
