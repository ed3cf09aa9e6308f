/* test-gate.c - the stdio protocol rules (gate.c), frame by frame: what
 * reaches the plugin, what reaches the host, byte for byte, and what ends
 * the plugin. */
#include <string.h>
#include "framer.h"
#include "gate.h"
#include "manifest.h"
#include "tap.h"
#include "util.h"

static struct policy pol;
static struct buf to_plugin, to_host;
static struct framer plugin_out;	/* frames reach the gate as in the relay */
/* The relay's FRAMER_CANON hands the gate frames already canonical; a
 * strict framer hands raw ones, which the gate canonicalises itself. The
 * plugin-side tests run both ways. */
static enum framer_mode plugin_mode = FRAMER_CANON;
static struct gate_io io = { &to_plugin, &to_host, &plugin_out };
/* Host frames likewise: the relay's FRAMER_HOST hands over a frame that
 * was whole at first sight canonical, FRAMER_LENIENT every frame raw. */
static struct framer host_in;
static enum framer_mode host_mode = FRAMER_HOST;
static struct gate_io host_io = { &to_plugin, &to_host, &host_in };

static void reset(void)
{
	buf_consume(&to_plugin, to_plugin.len);
	buf_consume(&to_host, to_host.len);
}

static char *take(struct buf *b)
{
	char *s = xstrndup(buf_head(b), b->len);
	buf_consume(b, b->len);
	return s;
}

/* One message from the host, through a framer as the relay does it. */
static enum gate_rc host(struct gate *g, const char *s)
{
	char *msg;
	size_t len;
	enum gate_rc rc = GATE_OK;

	framer_init(&host_in, host_mode, 1u << 26, 64);
	framer_push(&host_in, s, strlen(s));
	enum frame_rc fr = framer_next(&host_in, &msg, &len);
	if (fr == FRAME_READY)
		rc = gate_from_host(g, msg, len, &host_io);
	else
		tap_diag("host(): the framer returned %d, not a frame", (int)fr);
	framer_consume(&host_in);
	framer_free(&host_in);
	return rc;
}

/* One message from the plugin, through a framer as the relay does it, so
 * forwarded messages leave by framer_take(). */
static enum gate_rc plug(struct gate *g, const char *s)
{
	char *msg;
	size_t len;
	enum gate_rc rc = GATE_KILL;

	framer_init(&plugin_out, plugin_mode, 1u << 26, 64);
	framer_push(&plugin_out, s, strlen(s));
	if (framer_next(&plugin_out, &msg, &len) == FRAME_READY)
		rc = gate_from_plugin(g, msg, len, &io);
	framer_consume(&plugin_out);
	framer_free(&plugin_out);
	return rc;
}

static void setup_policy(void)
{
	memset(&pol, 0, sizeof(pol));
	pol.file = "test.json";
	strlist_push(&pol.manifest.rpcmethods, "hello");
	strlist_push(&pol.manifest.rpcmethods, "getinfo");	/* built-in: never */
	strlist_push(&pol.manifest.hooks, "htlc_accepted");
	strlist_push(&pol.manifest.hooks, "db_write");
	strlist_push(&pol.manifest.subscriptions, "connect");
	strlist_push(&pol.manifest.notifications, "myevent");
	strlist_push(&pol.manifest.options, "greet-*");
	pol.manifest.on_violation = POL_STRIP;
	pol.sandbox.network = POL_NET_NONE;
	pol.sandbox.limits.message = 1 << 20;
}

#define MANIFEST \
	"{\"jsonrpc\":\"2.0\",\"id\":\"cln:getmanifest#1\",\"result\":{" \
	"\"options\":[{\"name\":\"greet-word\",\"type\":\"string\",\"description\":\"d\"}," \
	"{\"name\":\"other\",\"type\":\"string\",\"description\":\"d\"}]," \
	"\"rpcmethods\":[{\"name\":\"hello\",\"usage\":\"\"},{\"name\":\"getinfo\",\"usage\":\"\"}]," \
	"\"subscriptions\":[\"connect\",\"forward_event\"]," \
	"\"hooks\":[\"htlc_accepted\",\"rpc_command\",{\"name\":\"db_write\"}]," \
	"\"notifications\":[{\"method\":\"myevent\"}]," \
	"\"dynamic\":true,\"nonnumericids\":true}}"

static struct gate *handshake(void)
{
	struct gate *g = gate_new(&pol, false, NULL);
	reset();
	host(g, "{ \"jsonrpc\" : \"2.0\", \"id\":\"cln:getmanifest#1\",\"method\":\"getmanifest\",\"params\":{\"allow-deprecated-apis\":false}}");
	plug(g, MANIFEST);
	reset();
	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:init#2\",\"method\":\"init\",\"params\":{\"options\":{},"
		"\"configuration\":{\"lightning-dir\":\"/home/ln/.lightning/regtest\",\"rpc-file\":\"lightning-rpc\","
		"\"startup\":true,\"network\":\"regtest\",\"proxy\":{\"type\":\"ipv4\",\"address\":\"127.0.0.1\",\"port\":9050}}}}");
	plug(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:init#2\",\"result\":{}}");
	reset();
	return g;
}

static void test_handshake(void)
{
	struct gate *g = gate_new(&pol, false, NULL);
	char *s;

	reset();
	is_int(host(g, "{ \"jsonrpc\" : \"2.0\", \"id\":\"cln:getmanifest#1\",\"method\":\"getmanifest\",\"params\":{\"allow-deprecated-apis\":false}}"),
	       GATE_OK, "getmanifest accepted");
	s = take(&to_plugin);
	is_str(s, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:getmanifest#1\",\"method\":\"getmanifest\",\"params\":{\"allow-deprecated-apis\":false}}\n\n",
	       "getmanifest re-serialised compactly with a blank line");
	free(s);

	is_int(plug(g, MANIFEST), GATE_OK, "manifest answer accepted");
	s = take(&to_host);
	ok(strstr(s, "\"hello\"") != NULL, "allowed rpcmethod kept");
	ok(strstr(s, "getinfo") == NULL, "built-in rpcmethod never reaches the host");
	ok(strstr(s, "rpc_command") == NULL, "hook the policy forbids stripped");
	ok(strstr(s, "htlc_accepted") != NULL, "allowed hook kept");
	ok(strstr(s, "forward_event") == NULL, "subscription the policy forbids stripped");
	ok(strstr(s, "\"other\"") == NULL, "option the policy forbids stripped");
	ok(strstr(s, "greet-word") != NULL, "allowed option kept");
	free(s);

	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:init#2\",\"method\":\"init\",\"params\":{\"options\":{},"
		"\"configuration\":{\"lightning-dir\":\"/home/ln/.lightning/regtest\",\"rpc-file\":\"lightning-rpc\","
		"\"startup\":true,\"network\":\"regtest\",\"proxy\":{\"type\":\"ipv4\",\"address\":\"127.0.0.1\",\"port\":9050}}}}");
	s = take(&to_plugin);
	ok(strstr(s, "\"lightning-dir\":\"/lightning-dir\"") != NULL, "init: private lightning-dir");
	ok(strstr(s, "\"rpc-file\":\"/lightning-dir/lightning-rpc\"") != NULL, "init: proxy socket path");
	ok(strstr(s, "/home/ln") == NULL, "init: the real path never reaches the plugin");
	ok(strstr(s, "proxy\"") == NULL, "init: proxy dropped without network");
	free(s);
	is_str(gate_upstream_path(g), "/home/ln/.lightning/regtest/lightning-rpc", "upstream path from init");
	gate_free(g);
}

static void test_host_side(void)
{
	struct gate *g = handshake();
	char *s;

	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cli:x#1/cln:withdraw#3\",\"method\":\"withdraw\",\"params\":{}}");
	ok(to_plugin.len == 0, "unregistered method not forwarded");
	s = take(&to_host);
	ok(strstr(s, "\"code\":-32601") && strstr(s, "\"message\":\"plugin-runner: ") &&
	   strstr(s, "\"id\":\"cli:x#1/cln:withdraw#3\""), "answered -32601 plugin-runner: with the same id");
	free(s);

	host(g, "{ \"jsonrpc\" : \"2.0\", \"method\" : \"hello\", \"id\" : \"cli:hello#4/cln:hello#5\", \"params\" :[ 1 2 ] }");
	ok(to_plugin.len == 0, "non-strict forwarded request not forwarded");
	s = take(&to_host);
	ok(strstr(s, "\"id\":\"cli:hello#4/cln:hello#5\"") && strstr(s, "-32700"), "answered with an error");
	free(s);

	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:htlc_accepted#6\",\"method\":\"htlc_accepted\",\"params\":{\"x\":[1 2]}}");
	ok(to_plugin.len == 0, "non-strict hook not forwarded");
	s = take(&to_host);
	is_str(s, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:htlc_accepted#6\",\"result\":{\"result\":\"continue\"}}\n\n",
	       "non-strict hook answered continue");
	free(s);

	host(g, "{\"jsonrpc\":\"2.0\",\"method\":\"forward_event\",\"params\":{\"forward_event\":{}}}");
	ok(to_plugin.len == 0 && to_host.len == 0, "unsubscribed notification dropped");
	host(g, "{\"jsonrpc\":\"2.0\",\"method\":\"connect\",\"params\":{\"connect\":{\"id\":\"02aa\"}}}");
	s = take(&to_plugin);
	is_str(s, "{\"jsonrpc\":\"2.0\",\"method\":\"connect\",\"params\":{\"connect\":{\"id\":\"02aa\"}}}\n\n",
	       "subscribed notification forwarded");
	free(s);

	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:hello#7\",\"method\":\"hello\",\"params\":{\"amount\":18446744073709551615,\"f\":0.1}}");
	s = take(&to_plugin);
	ok(strstr(s, "18446744073709551615") && strstr(s, "\"f\":0.1}"), "numbers reach the plugin byte-exact");
	free(s);
	gate_free(g);
}

static void test_plugin_side(void)
{
	struct gate *g = handshake();
	char *s;

	plug(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:nothing#9\",\"result\":{}}");
	ok(to_host.len == 0, "response to an id never asked: dropped");

	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:hello#10\",\"method\":\"hello\",\"params\":{}}");
	reset();
	plug(g, "{\"jsonrpc\":\"2.0\",\"method\":\"message\",\"params\":{\"id\":\"cln:hello#10\",\"level\":\"info\",\"message\":\"m\"}}");
	ok(to_host.len > 0, "message notification for a pending request passes");
	reset();
	plug(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:hello#10\",\"result\":{\"ok\":true}}");
	s = take(&to_host);
	is_str(s, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:hello#10\",\"result\":{\"ok\":true}}\n\n", "pending response passes");
	free(s);
	plug(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:hello#10\",\"result\":{\"ok\":false}}");
	ok(to_host.len == 0, "second answer to the same id dropped");
	plug(g, "{\"jsonrpc\":\"2.0\",\"method\":\"message\",\"params\":{\"id\":\"cln:hello#10\",\"level\":\"info\",\"message\":\"m\"}}");
	ok(to_host.len == 0, "message notification for an answered request dropped");

	plug(g, "{\"jsonrpc\":\"2.0\",\"method\":\"log\",\"params\":{\"level\":\"info\",\"message\":\"hi\"}}");
	s = take(&to_host);
	is_str(s, "{\"jsonrpc\":\"2.0\",\"method\":\"log\",\"params\":{\"level\":\"info\",\"message\":\"hi\"}}\n\n", "log passes");
	free(s);
	plug(g, "{\"jsonrpc\":\"2.0\",\"method\":\"log\",\"params\":{\"level\":\"io\",\"message\":\"hi\"}}");
	ok(to_host.len == 0, "log with level io (kills the plugin in lightningd) dropped");
	plug(g, "{\"jsonrpc\":\"2.0\",\"method\":\"myevent\",\"params\":{\"a\":1}}");
	ok(to_host.len > 0, "declared custom notification passes");
	reset();
	plug(g, "{\"jsonrpc\":\"2.0\",\"method\":\"otherevent\",\"params\":{\"a\":1}}");
	ok(to_host.len == 0, "undeclared custom notification dropped");

	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:htlc_accepted#11\",\"method\":\"htlc_accepted\",\"params\":{\"htlc\":{}}}");
	ok(to_plugin.len > 0, "registered hook forwarded");
	reset();
	plug(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:htlc_accepted#11\",\"result\":{\"result\":\"resolve\",\"payment_key\":\"zz\"}}");
	s = take(&to_host);
	is_str(s, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:htlc_accepted#11\",\"result\":{\"result\":\"continue\"}}\n\n",
	       "invalid hook reply replaced with continue");
	free(s);

	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:db_write#12\",\"method\":\"db_write\",\"params\":{\"data_version\":1,\"writes\":[]}}");
	reset();
	is_int(plug(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:db_write#12\",\"result\":{\"result\":\"fail\"}}"),
	       GATE_KILL, "db_write answered other than continue ends the plugin");
	ok(to_host.len == 0, "... and lightningd never sees that answer");

	is_int(plug(g, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"result\":{}}"), GATE_KILL,
	       "duplicate keys end the plugin");
	is_int(plug(g, "hello world"), GATE_KILL, "non-JSON output ends the plugin");
	ok(to_host.len == 0, "the host never sees malformed output");
	gate_free(g);
}

static void test_refuse(void)
{
	pol.manifest.on_violation = POL_REFUSE;
	struct gate *g = gate_new(&pol, false, NULL);
	reset();
	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:getmanifest#1\",\"method\":\"getmanifest\",\"params\":{}}");
	is_int(plug(g, MANIFEST), GATE_REFUSE, "refuse: a violating manifest fails the handshake");
	ok(to_host.len == 0, "refuse: nothing reaches the host");
	gate_free(g);
	pol.manifest.on_violation = POL_STRIP;
}

static void test_audit(void)
{
	struct gate *g = gate_new(&pol, true, NULL);
	char *s;
	reset();
	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:getmanifest#1\",\"method\":\"getmanifest\",\"params\":{}}");
	plug(g, MANIFEST);
	s = take(&to_host);
	ok(strstr(s, "rpc_command") != NULL, "audit: a forbidden hook is logged, not stripped");
	ok(strstr(s, "getinfo") == NULL, "audit: a built-in name is still never registered");
	free(s);
	gate_free(g);
}

static void test_rpc_command_replace(void)
{
	struct policy p2 = pol;
	struct strlist hooks = { 0 }, allow = { 0 };
	strlist_push(&hooks, "rpc_command");
	strlist_push(&allow, "getinfo");
	p2.manifest.hooks = hooks;
	p2.rpc.allow = allow;
	struct gate *g = gate_new(&p2, false, NULL);
	char *s;
	reset();
	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:getmanifest#1\",\"method\":\"getmanifest\",\"params\":{}}");
	plug(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:getmanifest#1\",\"result\":{\"options\":[],\"rpcmethods\":[],\"hooks\":[\"rpc_command\"]}}");
	reset();
	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:rpc_command#2\",\"method\":\"rpc_command\",\"params\":{\"rpc_command\":{\"id\":\"cli:pay#1\",\"method\":\"pay\",\"params\":{}}}}");
	reset();
	plug(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:rpc_command#2\",\"result\":{\"replace\":{\"jsonrpc\":\"2.0\",\"id\":\"cli:pay#1\",\"method\":\"withdraw\",\"params\":{\"destination\":\"x\",\"satoshi\":\"all\"}}}}");
	s = take(&to_host);
	is_str(s, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:rpc_command#2\",\"result\":{\"result\":\"continue\"}}\n\n",
	       "rpc_command replace with a method the policy denies becomes continue");
	free(s);
	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:rpc_command#3\",\"method\":\"rpc_command\",\"params\":{\"rpc_command\":{\"id\":\"cli:pay#2\",\"method\":\"pay\",\"params\":{}}}}");
	reset();
	plug(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:rpc_command#3\",\"result\":{\"replace\":{\"jsonrpc\":\"2.0\",\"id\":\"cli:pay#2\",\"method\":\"getinfo\",\"params\":{}}}}");
	s = take(&to_host);
	ok(strstr(s, "\"replace\"") && strstr(s, "getinfo"), "rpc_command replace with an allowed method passes");
	free(s);
	size_t d = gate_hook_doms(g);
	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:rpc_command#4\",\"method\":\"rpc_command\",\"params\":{\"rpc_command\":{\"id\":\"cli:pay#2\",\"method\":\"pay\",\"params\":{}}}}");
	reset();
	plug(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:rpc_command#4\",\"result\":{\"replace\":{\"jsonrpc\":\"2.0\",\"id\":\"cli:pay#2\",\"method\":\"getinfo\",\"params\":{}}}}");
	s = take(&to_host);
	ok(strstr(s, "getinfo") && gate_hook_doms(g) == d + 1,
	   "the same rpc_command reply is judged again (rate limits may apply)");
	free(s);
	gate_free(g);
	strlist_free(&hooks);
	strlist_free(&allow);
}

/* One hook call from the host and the plugin's reply to it; what reached
 * the host (to be freed). */
static char *hook_call(struct gate *g, const char *hook, int id, const char *params,
		       const char *result, enum gate_rc *rc)
{
	char q[512], a[512];
	snprintf(q, sizeof(q), "{\"jsonrpc\":\"2.0\",\"id\":\"cln:%s#%d\",\"method\":\"%s\","
		 "\"params\":%s}", hook, id, hook, params);
	snprintf(a, sizeof(a), "{\"jsonrpc\":\"2.0\",\"id\":\"cln:%s#%d\",\"result\":%s}",
		 hook, id, result);
	host(g, q);
	reset();
	*rc = plug(g, a);
	return take(&to_host);
}

/* A valid reply is judged on a DOM once per hook, then recognised by its
 * canonical text; nothing else passes on the strength of that. */
static void test_hook_memo(void)
{
	struct gate *g = handshake();
	const char *htlc = "{\"htlc\":{}}", *dbw = "{\"data_version\":1,\"writes\":[]}";
	const char *cont = "{\"result\":\"continue\"}";
	enum gate_rc rc;
	char *s;
	size_t d = gate_hook_doms(g);

	s = hook_call(g, "htlc_accepted", 30, htlc, cont, &rc);
	ok(strstr(s, "\"result\":{\"result\":\"continue\"}") && gate_hook_doms(g) == d + 1,
	   "a first continue is judged on a DOM and passes");
	free(s);
	s = hook_call(g, "htlc_accepted", 31, htlc, " { \"result\" : \"continue\" } ", &rc);
	is_str(s, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:htlc_accepted#31\",\"result\":{\"result\":\"continue\"}}\n\n",
	       "the same reply (other spacing, same canonical text) passes as sent");
	is_int(gate_hook_doms(g), d + 1, "... without another DOM");
	free(s);
	s = hook_call(g, "htlc_accepted", 32, htlc, "{\"result\":\"resolve\",\"payment_key\":\"zz\"}", &rc);
	ok(strstr(s, "\"result\":{\"result\":\"continue\"}") && !strstr(s, "resolve"),
	   "an invalid reply after a remembered one is still replaced with continue");
	free(s);
	s = hook_call(g, "htlc_accepted", 33, htlc, "{\"result\":\"resolve\",\"payment_key\":\"zz\"}", &rc);
	ok(!strstr(s, "resolve") && gate_hook_doms(g) == d + 3,
	   "an invalid reply is judged every time (never remembered)");
	free(s);
	s = hook_call(g, "htlc_accepted", 34, htlc, "{\"result\":\"continue\",\"x\":1}", &rc);
	is_int(gate_hook_doms(g), d + 4, "a reply with other text is judged on its own");
	free(s);
	s = hook_call(g, "db_write", 35, dbw, cont, &rc);
	ok(rc == GATE_OK && strstr(s, "continue") && gate_hook_doms(g) == d + 5,
	   "another hook's continue has its own verdict");
	free(s);
	s = hook_call(g, "db_write", 36, dbw, "{\"result\":\"fail\"}", &rc);
	ok(rc == GATE_KILL && s[0] == '\0', "db_write fail still ends the plugin, unseen by the host");
	free(s);
	gate_free(g);
}

/* A verdict remembered before init (no network yet) is not trusted after
 * it: the network is what addresses are checked against. */
static void test_hook_memo_network(void)
{
	struct gate *g = gate_new(&pol, false, NULL);
	const char *htlc = "{\"htlc\":{}}", *cont = "{\"result\":\"continue\"}";
	enum gate_rc rc;
	char *s;

	reset();
	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:getmanifest#1\",\"method\":\"getmanifest\",\"params\":{}}");
	plug(g, MANIFEST);
	reset();
	s = hook_call(g, "htlc_accepted", 40, htlc, cont, &rc);
	free(s);
	size_t d = gate_hook_doms(g);
	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:init#2\",\"method\":\"init\",\"params\":{\"options\":{},"
		"\"configuration\":{\"lightning-dir\":\"/ln\",\"rpc-file\":\"lightning-rpc\",\"network\":\"regtest\"}}}");
	plug(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:init#2\",\"result\":{}}");
	reset();
	s = hook_call(g, "htlc_accepted", 41, htlc, cont, &rc);
	ok(strstr(s, "continue") && gate_hook_doms(g) == d + 1,
	   "after init the same reply is judged again, under the network");
	free(s);
	s = hook_call(g, "htlc_accepted", 42, htlc, cont, &rc);
	is_int(gate_hook_doms(g), d + 1, "... and remembered from then on");
	free(s);
	gate_free(g);
}

/* A big answer leaves in the framer's own storage (framer_take): it must
 * arrive canonical and whole, the message after it in the same read must
 * still be framed and forwarded, and a small answer (copied) alike. */
static void test_big_answer(void)
{
	struct gate *g = handshake();
	size_t n = 200000;
	struct buf in;
	char *m;
	size_t len;

	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:hello#9\",\"method\":\"hello\",\"params\":{}}");
	host(g, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:hello#10\",\"method\":\"hello\",\"params\":{}}");
	reset();
	static const char pre[] = "{ \"jsonrpc\": \"2.0\", \"id\": \"cln:hello#9\", \"result\": { \"s\": \"";
	static const char post[] = "\\u0041\" } }\n\n"
		"{\"jsonrpc\":\"2.0\",\"id\":\"cln:hello#10\",\"result\":7}\n\n";
	buf_init(&in);
	buf_append(&in, pre, strlen(pre));
	memset(buf_tail(&in, n), 'x', n);
	buf_commit(&in, n);
	buf_append(&in, post, strlen(post));

	framer_init(&plugin_out, plugin_mode, 1u << 26, 64);
	framer_push(&plugin_out, buf_head(&in), in.len);
	int frames = 0;
	while (framer_next(&plugin_out, &m, &len) == FRAME_READY) {
		is_int(gate_from_plugin(g, m, len, &io), GATE_OK, "answer %d accepted", ++frames);
		framer_consume(&plugin_out);
	}
	framer_free(&plugin_out);
	is_int(frames, 2, "both answers framed");
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":\"cln:hello#9\",\"result\":{\"s\":\"";
	static const char next[] = "{\"jsonrpc\":\"2.0\",\"id\":\"cln:hello#10\",\"result\":7}\n\n";
	size_t hl = strlen(head), want = hl + n + strlen("A\"}}\n\n");
	const char *h = buf_head(&to_host);
	ok(to_host.len == want + strlen(next) && memcmp(h, head, hl) == 0 &&
	   memcmp(h + hl + n, "A\"}}\n\n", 6) == 0 &&
	   memcmp(h + want, next, strlen(next)) == 0,
	   "a 200 kB answer arrives canonical (whitespace gone, \\u0041 -> A), then the next one");
	buf_free(&in);
	reset();
	gate_free(g);
}

int main(void)
{
	buf_init(&to_plugin);
	buf_init(&to_host);
	setup_policy();
	test_handshake();
	test_host_side();
	test_plugin_side();
	test_refuse();
	test_audit();
	test_rpc_command_replace();
	test_hook_memo();
	test_hook_memo_network();
	test_big_answer();
	tap_diag("again, with raw frames (the gate canonicalises them)");
	plugin_mode = FRAMER_STRICT;
	host_mode = FRAMER_LENIENT;
	test_handshake();
	test_host_side();
	test_plugin_side();
	test_rpc_command_replace();
	test_hook_memo();
	test_hook_memo_network();
	test_big_answer();
	return tap_done();
}
