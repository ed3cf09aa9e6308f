/* test-rpcgate.c - rpcgate_judge / rpc_sensitive against hand-built
 * policies: allow/deny globs, exact grants for sensitive methods, `check`
 * resolution, params constraints, token-bucket rates with synthetic time. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "policy.h"
#include "rpcgate.h"
#include "tap.h"
#include "testpol.h"


static void add_param_rule(struct policy *p, const char *method,
			   const char *path, const char *const *values)
{
	struct pol_param_rule *r;

	p->rpc.params = realloc(p->rpc.params,
				(p->rpc.nparams + 1) * sizeof(*p->rpc.params));
	r = &p->rpc.params[p->rpc.nparams++];
	memset(r, 0, sizeof(*r));
	r->method = strdup(method);
	r->path = strdup(path);
	set_list(&r->values, values);
}

static void add_rate(struct policy *p, const char *pattern, const char *text,
		     double per_sec, double burst)
{
	struct pol_rate *r;

	p->rpc.rates = realloc(p->rpc.rates,
			       (p->rpc.nrates + 1) * sizeof(*p->rpc.rates));
	r = &p->rpc.rates[p->rpc.nrates++];
	r->pattern = strdup(pattern);
	r->text = strdup(text);
	r->per_sec = per_sec;
	r->burst = burst;
}



/* judge method/params (JSON text) at time now */
static struct rpc_judgement run(struct rpcgate *g, const char *method,
				const char *params, double now)
{
	struct rpc_judgement out;
	json_t *pj = params ? parse(params) : NULL;

	rpcgate_judge(g, method, pj, now, &out);
	json_decref(pj);
	return out;
}

#define EXPECT(g, m, params, now, code_, rule_, what) do { \
	struct rpc_judgement _j = run(g, m, params, now); \
	is_int(_j.code, code_, "%s: code", what); \
	is_str(_j.rule, rule_, "%s: rule", what); \
} while (0)

static void test_allow_deny(void)
{
	struct policy p = { 0 };
	struct rpcgate *g;
	struct rpc_judgement j;

	set_list(&p.rpc.allow, LIST("getinfo", "list*"));
	set_list(&p.rpc.deny, LIST("listdatastore", "listconf*"));
	g = rpcgate_new(&p);
	ok(g != NULL, "rpcgate_new");

	j = run(g, "getinfo", "{}", 0);
	is_int(j.verdict, RPC_ALLOW, "getinfo allowed");
	is_int(j.code, 0, "getinfo code 0");
	is_str(j.method, "getinfo", "method recorded");
	is_str(j.rule, "rpc.allow: getinfo", "allowing rule recorded");
	EXPECT(g, "listpeers", "{}", 0, 0, "rpc.allow: list*", "list* glob allows listpeers");
	EXPECT(g, "listdatastore", "{}", 0, -32601, "rpc.deny: listdatastore",
	       "deny wins over allow glob");
	j = run(g, "listdatastore", "{}", 0);
	is_int(j.verdict, RPC_DENY_METHOD, "deny verdict");
	EXPECT(g, "listconfigs", "{}", 0, -32601, "rpc.deny: listconf*", "deny glob");
	EXPECT(g, "connect", "{}", 0, -32601, "not in rpc.allow", "unlisted method");
	EXPECT(g, "getinfox", "{}", 0, -32601, "not in rpc.allow", "exact allow entry is exact");
	EXPECT(g, "", "{}", 0, -32601, "not in rpc.allow", "empty method");
	rpcgate_free(g);
	policy_clear(&p);
}

static void test_sensitive(void)
{
	struct policy p = { 0 };
	struct rpcgate *g;

	set_list(&p.rpc.allow, LIST("*"));
	g = rpcgate_new(&p);
	EXPECT(g, "getinfo", "{}", 0, 0, "rpc.allow: *", "allow * grants getinfo");
	EXPECT(g, "withdraw", "{}", 0, -32601, "sensitive: needs exact grant",
	       "allow * does not grant withdraw");
	EXPECT(g, "signpsbt", "{}", 0, -32601, "sensitive: needs exact grant",
	       "allow * does not grant signpsbt");
	EXPECT(g, "dev-memdump", "{}", 0, -32601, "sensitive: needs exact grant",
	       "allow * does not grant dev-*");
	EXPECT(g, "listconfigs", "{}", 0, -32601, "sensitive: needs exact grant",
	       "allow * does not grant listconfigs");
	EXPECT(g, "injectpaymentonion", "{}", 0, -32601, "sensitive: needs exact grant",
	       "allow * does not grant inject*");
	rpcgate_free(g);

	set_list(&p.rpc.allow, LIST("withdraw", "sign*", "fund*"));
	g = rpcgate_new(&p);
	EXPECT(g, "withdraw", "{}", 0, 0, "rpc.allow: withdraw", "allow [withdraw] grants withdraw");
	EXPECT(g, "signpsbt", "{}", 0, -32601, "sensitive: needs exact grant",
	       "allow [sign*] does not grant signpsbt");
	EXPECT(g, "fundchannel", "{}", 0, -32601, "sensitive: needs exact grant",
	       "allow [fund*] does not grant fundchannel");
	EXPECT(g, "pay", "{}", 0, -32601, "not in rpc.allow", "pay not listed at all");
	rpcgate_free(g);
	policy_clear(&p);

	ok(rpc_sensitive("plugin") && rpc_sensitive("stop") && rpc_sensitive("setconfig"),
	   "sensitive: plugin stop setconfig");
	ok(rpc_sensitive("dev-rawrequest") && rpc_sensitive("commando") &&
	   rpc_sensitive("createrune") && rpc_sensitive("exposesecret") &&
	   rpc_sensitive("makesecret") && rpc_sensitive("signmessage") &&
	   rpc_sensitive("sendpay") && rpc_sensitive("fundpsbt") &&
	   rpc_sensitive("close") && rpc_sensitive("listconfigs"),
	   "sensitive: SPEC 4 list");
	ok(rpc_sensitive("reckless") && rpc_sensitive("graceful") &&
	   rpc_sensitive("recover") && rpc_sensitive("showrunes") &&
	   rpc_sensitive("blacklistrune") && rpc_sensitive("sendpsbt") &&
	   rpc_sensitive("txsend") && rpc_sensitive("xpay") &&
	   rpc_sensitive("keysend") && rpc_sensitive("sendonion") &&
	   rpc_sensitive("injectonionmessage") && rpc_sensitive("sendcustommsg") &&
	   rpc_sensitive("getlog") && rpc_sensitive("emergencyrecover") &&
	   rpc_sensitive("getemergencyrecoverdata") &&
	   rpc_sensitive("bkpr-dumpincomecsv"),
	   "sensitive: PROTOCOL 9.7 list");
	ok(!rpc_sensitive("getinfo") && !rpc_sensitive("listpeers") &&
	   !rpc_sensitive("datastore") && !rpc_sensitive("invoice"),
	   "sensitive: ordinary methods are not");
	ok(!rpc_sensitive("paystatus") && !rpc_sensitive("closedchannels"),
	   "sensitive: pay/close are exact, not prefixes");
}

static void test_check(void)
{
	struct policy p = { 0 };
	struct rpcgate *g;
	struct rpc_judgement j;

	set_list(&p.rpc.allow, LIST("getinfo", "datastore"));
	set_list(&p.rpc.deny, LIST("listdatastore"));
	add_param_rule(&p, "datastore", "key.0", LIST("summary"));
	g = rpcgate_new(&p);

	j = run(g, "check", "{\"command_to_check\":\"getinfo\"}", 0);
	is_int(j.code, 0, "check getinfo allowed");
	is_str(j.method, "getinfo", "check: judged method is the checked one");
	EXPECT(g, "check", "{\"command_to_check\":\"withdraw\",\"destination\":\"x\"}", 0,
	       -32601, "not in rpc.allow", "check withdraw denied");
	EXPECT(g, "check", "{\"command_to_check\":\"listdatastore\"}", 0,
	       -32601, "rpc.deny: listdatastore", "check of a denied method denied");
	EXPECT(g, "check", "[\"listdatastore\"]", 0,
	       -32601, "rpc.deny: listdatastore", "check positional: denied method");
	j = run(g, "check", "[\"getinfo\"]", 0);
	is_int(j.code, 0, "check positional getinfo allowed");
	is_str(j.method, "getinfo", "check positional: method");
	EXPECT(g, "check", "{\"key\":[\"x\"]}", 0, -32602,
	       "check: command_to_check missing or not a string", "check without command_to_check");
	EXPECT(g, "check", "[]", 0, -32602,
	       "check: command_to_check missing or not a string", "check with empty array");
	EXPECT(g, "check", "{\"command_to_check\":5}", 0, -32602,
	       "check: command_to_check missing or not a string", "check with number");
	EXPECT(g, "check", NULL, 0, -32602,
	       "check: command_to_check missing or not a string", "check with no params");
	/* the rest of check's params are the checked command's params */
	EXPECT(g, "check", "{\"command_to_check\":\"datastore\",\"key\":[\"summary\",\"a\"]}", 0,
	       0, "rpc.allow: datastore", "check datastore inside namespace");
	EXPECT(g, "check", "{\"command_to_check\":\"datastore\",\"key\":[\"other\",\"a\"]}", 0,
	       -32602, "rpc.params.datastore.key.0", "check datastore outside namespace");
	EXPECT(g, "check", "[\"datastore\",[\"summary\"]]", 0,
	       -32602, "rpc.params.datastore.key.0: named params required",
	       "check datastore positional denied");
	EXPECT(g, "check", "{\"command_to_check\":\"check\",\"command_to_check_x\":1}", 0,
	       -32602, "check: command_to_check missing or not a string",
	       "nested check without inner command");
	EXPECT(g, "check", "[\"check\",\"check\",\"listdatastore\"]", 0,
	       -32601, "rpc.deny: listdatastore", "nested positional check resolved");
	rpcgate_free(g);
	policy_clear(&p);
}

static void test_params(void)
{
	struct policy p = { 0 };
	struct rpcgate *g;

	set_list(&p.rpc.allow, LIST("datastore", "listdatastore", "deldatastore", "getinfo"));
	add_param_rule(&p, "datastore", "key.0", LIST("summary"));
	add_param_rule(&p, "listdatastore", "key.0", LIST("summary"));
	add_param_rule(&p, "getinfo", "filter.deep.1", LIST("a*"));
	g = rpcgate_new(&p);

	EXPECT(g, "datastore", "{\"key\":[\"summary\",\"avail\"],\"string\":\"x\"}", 0,
	       0, "rpc.allow: datastore", "datastore inside namespace");
	EXPECT(g, "datastore", "{\"key\":[\"clboss\",\"avail\"],\"string\":\"x\"}", 0,
	       -32602, "rpc.params.datastore.key.0", "datastore outside namespace");
	EXPECT(g, "datastore", "{\"key\":[\"summaryX\"]}", 0,
	       -32602, "rpc.params.datastore.key.0", "value match is exact without glob");
	EXPECT(g, "datastore", "{\"key\":\"summary\"}", 0,
	       -32602, "rpc.params.datastore.key.0", "key as plain string does not resolve");
	EXPECT(g, "datastore", "{\"key\":[5]}", 0,
	       -32602, "rpc.params.datastore.key.0", "non-string value");
	EXPECT(g, "datastore", "{\"string\":\"x\"}", 0,
	       -32602, "rpc.params.datastore.key.0", "missing constrained param");
	EXPECT(g, "datastore", "{\"key\":[]}", 0,
	       -32602, "rpc.params.datastore.key.0", "empty key array");
	EXPECT(g, "datastore", "[[\"summary\"],\"x\"]", 0,
	       -32602, "rpc.params.datastore.key.0: named params required",
	       "positional params for constrained method");
	EXPECT(g, "datastore", NULL, 0,
	       -32602, "rpc.params.datastore.key.0: named params required",
	       "no params for constrained method");
	EXPECT(g, "listdatastore", "{}", 0,
	       -32602, "rpc.params.listdatastore.key.0", "listdatastore without key");
	EXPECT(g, "deldatastore", "[[\"other\"]]", 0,
	       0, "rpc.allow: deldatastore", "unconstrained method may use positional params");
	EXPECT(g, "getinfo", "{\"filter\":{\"deep\":[\"x\",\"abc\"]}}", 0,
	       0, "rpc.allow: getinfo", "deep path through object and array");
	EXPECT(g, "getinfo", "{\"filter\":{\"deep\":[\"x\",\"zbc\"]}}", 0,
	       -32602, "rpc.params.getinfo.filter.deep.1", "deep path mismatch");
	EXPECT(g, "getinfo", "{\"filter\":{\"deep\":{\"1\":\"abc\"}}}", 0,
	       0, "rpc.allow: getinfo", "numeric segment names an object member too");
	rpcgate_free(g);
	policy_clear(&p);
}

static void test_rate(void)
{
	struct policy p = { 0 };
	struct rpcgate *g;
	int allowed = 0;

	set_list(&p.rpc.allow, LIST("getinfo", "listpeers", "listfunds"));
	add_rate(&p, "*", "10/s", 10, 3);
	add_rate(&p, "listpeers", "1/s", 1, 1);
	g = rpcgate_new(&p);

	for (int i = 0; i < 5; i++)
		allowed += run(g, "getinfo", "{}", 100.0).code == 0;
	is_int(allowed, 3, "burst of 3 then empty");
	EXPECT(g, "getinfo", "{}", 100.0, -32000, "rpc.rate.*: 10/s", "rate denial rule");
	EXPECT(g, "getinfo", "{}", 100.05, -32000, "rpc.rate.*: 10/s",
	       "half a token is not a token");
	EXPECT(g, "getinfo", "{}", 100.1, 0, "rpc.allow: getinfo", "refilled one token after 0.1 s");
	EXPECT(g, "getinfo", "{}", 100.1, -32000, "rpc.rate.*: 10/s", "and only one");
	EXPECT(g, "getinfo", "{}", 90.0, -32000, "rpc.rate.*: 10/s",
	       "time going backwards refills nothing");
	/* long idle: capped at burst */
	allowed = 0;
	for (int i = 0; i < 10; i++)
		allowed += run(g, "getinfo", "{}", 1000.0).code == 0;
	is_int(allowed, 3, "refill capped at burst");

	/* listpeers pays both buckets; a denial by one costs the other nothing */
	EXPECT(g, "listpeers", "{}", 2000.0, 0, "rpc.allow: listpeers", "listpeers first call");
	EXPECT(g, "listpeers", "{}", 2000.0, -32000, "rpc.rate.listpeers: 1/s",
	       "listpeers bucket empty");
	EXPECT(g, "listpeers", "{}", 2000.0, -32000, "rpc.rate.listpeers: 1/s",
	       "listpeers still empty");
	/* "*" had 3, listpeers took 1; the two denials must not have taken any */
	allowed = 0;
	for (int i = 0; i < 5; i++)
		allowed += run(g, "listfunds", "{}", 2000.0).code == 0;
	is_int(allowed, 2, "denied calls consumed no tokens of other buckets");
	EXPECT(g, "listpeers", "{}", 2001.0, 0, "rpc.allow: listpeers", "listpeers after 1 s");

	/* denied methods never reach the rate buckets */
	EXPECT(g, "connect", "{}", 3000.0, -32601, "not in rpc.allow", "denied method");
	allowed = 0;
	for (int i = 0; i < 5; i++)
		allowed += run(g, "getinfo", "{}", 3000.0).code == 0;
	is_int(allowed, 3, "denied method took no token");
	rpcgate_free(g);
	policy_clear(&p);

	/* two gates keep separate buckets */
	add_rate(&p, "*", "1/s", 1, 1);
	set_list(&p.rpc.allow, LIST("getinfo"));
	{
		struct rpcgate *a = rpcgate_new(&p), *b = rpcgate_new(&p);
		EXPECT(a, "getinfo", "{}", 5.0, 0, "rpc.allow: getinfo", "gate a first");
		EXPECT(a, "getinfo", "{}", 5.0, -32000, "rpc.rate.*: 1/s", "gate a empty");
		EXPECT(b, "getinfo", "{}", 5.0, 0, "rpc.allow: getinfo", "gate b has its own bucket");
		rpcgate_free(a);
		rpcgate_free(b);
	}
	policy_clear(&p);
	rpcgate_free(NULL);
}

int main(void)
{
	test_allow_deny();
	test_sensitive();
	test_check();
	test_params();
	test_rate();
	return tap_done();
}
