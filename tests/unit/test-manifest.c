/* test-manifest.c - manifest_filter / builtin_command against hand-built
 * policies (no policy parser involved). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "policy.h"
#include "tap.h"
#include "testpol.h"




static char *dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

static bool has_line(const struct strlist *l, const char *s)
{
	return strlist_has(l, s);
}

static const char *big_manifest =
	"{\"options\":[{\"name\":\"summary-currency\",\"type\":\"string\",\"description\":\"d\"},"
	"{\"name\":\"other-opt\",\"type\":\"bool\",\"description\":\"d\"},7],"
	"\"rpcmethods\":[{\"name\":\"summary\",\"usage\":\"\"},"
	"{\"name\":\"getinfo\",\"usage\":\"\"},{\"name\":\"stealth\",\"usage\":\"\"},"
	"{\"usage\":\"no name\"},\"summary2\"],"
	"\"hooks\":[\"rpc_command\",{\"name\":\"htlc_accepted\",\"before\":[\"x\"]},"
	"\"bogus_hook\",42,{\"name\":5}],"
	"\"subscriptions\":[\"*\",\"forward_event\",\"invoice_payment\",3],"
	"\"notifications\":[{\"method\":\"summary_event\"},{\"method\":\"evil_event\"}],"
	"\"featurebits\":{\"node\":\"0200\"},"
	"\"custommessages\":[32769,32771,\"x\",70000],"
	"\"nonnumericids\":false,\"dynamic\":true,\"cancheck\":true,"
	"\"disable\":\"no\",\"sneaky\":1}";

/* The manifest text is refused under p, with exactly this why. */
static void expect_refused(const struct policy *p, const char *text, const char *want,
			   const char *name)
{
	struct registry reg;
	char why[256];
	json_t *m = parse(text);

	is_int(manifest_filter(m, p, &reg, NULL, why, sizeof(why)), -1, "%s: refused", name);
	is_str(why, want, "%s: why", name);
	json_decref(m);
}

static void build_policy(struct policy *p, enum pol_violation onv)
{
	static uint16_t cm[] = { 32769 };

	policy_clear(p);
	/* "get*" would match getinfo: built-ins are removed anyway. */
	set_list(&p->manifest.rpcmethods, LIST("summary", "get*"));
	/* "rpc_*" is a glob: it must grant no hook. */
	set_list(&p->manifest.hooks, LIST("htlc_accepted", "rpc_*", "*"));
	/* "?" matches the one-character string "*" with fnmatch: still no. */
	set_list(&p->manifest.subscriptions, LIST("forward_*", "?"));
	set_list(&p->manifest.notifications, LIST("summary_*"));
	set_list(&p->manifest.options, LIST("summary-*"));
	p->manifest.custommessages = malloc(sizeof(cm));
	memcpy(p->manifest.custommessages, cm, sizeof(cm));
	p->manifest.ncustommessages = 1;
	p->manifest.on_violation = onv;
}

static void test_strip(void)
{
	struct policy p = { 0 };
	struct registry reg;
	struct strlist viol = { 0 };
	char why[256] = "junk";
	json_t *m = parse(big_manifest);
	char *out;
	int rc;

	build_policy(&p, POL_STRIP);
	rc = manifest_filter(m, &p, &reg, &viol, why, sizeof(why));
	is_int(rc, 0, "strip: manifest passes after filtering");
	is_str(why, "", "strip: why empty on success");
	out = dump(m);
	is_str(out,
	       "{\"cancheck\":true,\"custommessages\":[32769],\"disable\":\"no\","
	       "\"dynamic\":true,"
	       "\"hooks\":[{\"before\":[\"x\"],\"name\":\"htlc_accepted\"}],"
	       "\"notifications\":[{\"method\":\"summary_event\"}],"
	       "\"options\":[{\"description\":\"d\",\"name\":\"summary-currency\",\"type\":\"string\"}],"
	       "\"rpcmethods\":[{\"name\":\"summary\",\"usage\":\"\"}],"
	       "\"subscriptions\":[\"forward_event\"]}",
	       "strip: exact filtered manifest");
	free(out);

	is_int(reg.methods.n, 1, "strip: one method registered");
	ok(reg.methods.n == 1 && strcmp(reg.methods.v[0], "summary") == 0,
	   "strip: registered method is summary");
	is_int(reg.hooks.n, 1, "strip: one hook registered");
	ok(strlist_has(&reg.hooks, "htlc_accepted"), "strip: htlc_accepted registered");
	ok(!strlist_has(&reg.hooks, "rpc_command"), "strip: rpc_command not registered by glob");
	is_int(reg.topics.n, 1, "strip: one topic");
	ok(!strlist_has(&reg.topics, "*"), "strip: \"*\" not granted by glob \"?\"");
	ok(strlist_has(&reg.notifications, "summary_event") && reg.notifications.n == 1,
	   "strip: custom notification recorded");
	ok(reg.cancheck, "strip: cancheck recorded");

	ok(has_line(&viol, "rpcmethod getinfo is a lightningd built-in command"),
	   "strip: getinfo collision reported");
	ok(has_line(&viol, "rpcmethod stealth not allowed"), "strip: stealth reported");
	ok(has_line(&viol, "hook rpc_command not allowed"), "strip: rpc_command reported");
	ok(has_line(&viol, "hook bogus_hook unknown to lightningd"), "strip: unknown hook reported");
	ok(has_line(&viol, "subscription * not allowed"), "strip: * subscription reported");
	ok(has_line(&viol, "featurebits not allowed"), "strip: featurebits reported");
	ok(has_line(&viol, "nonnumericids is not true"), "strip: nonnumericids reported");
	ok(has_line(&viol, "unknown manifest key sneaky"), "strip: unknown key reported");
	ok(has_line(&viol, "custommessage 32771 not allowed"), "strip: custommessage reported");
	ok(has_line(&viol, "notification evil_event not allowed"), "strip: notification reported");
	ok(has_line(&viol, "option other-opt not allowed"), "strip: option reported");
	/* options: other-opt, 7 (2); rpcmethods: getinfo, stealth, nameless,
	 * string entry (4); hooks: rpc_command, bogus, 42, {name:5} (4);
	 * subs: *, invoice_payment, 3 (3); notifications: evil (1);
	 * featurebits (1); custommessages: 32771, "x", 70000 (3);
	 * nonnumericids (1); sneaky (1) */
	is_int(viol.n, 20, "strip: every removal is a violation line");
	registry_free(&reg);
	is_int(reg.methods.n + reg.hooks.n + reg.topics.n + reg.notifications.n, 0,
	       "registry_free empties the registry");
	strlist_free(&viol);
	json_decref(m);
	policy_clear(&p);
}

static void test_refuse(void)
{
	struct policy p = { 0 };
	struct registry reg;
	struct strlist viol = { 0 };
	char why[256];
	json_t *m = parse(big_manifest);
	int rc;

	build_policy(&p, POL_REFUSE);
	rc = manifest_filter(m, &p, &reg, &viol, why, sizeof(why));
	is_int(rc, -1, "refuse: violations refuse the manifest");
	ok(strstr(why, "option other-opt not allowed") != NULL,
	   "refuse: why names the first violation (%s)", why);
	ok(strstr(why, "(20 violations)") != NULL, "refuse: why has the count");
	is_int(reg.methods.n + reg.hooks.n, 0, "refuse: registry left empty");
	strlist_free(&viol);
	json_decref(m);

	/* the built-in collision alone refuses, whatever rpcmethods allows */
	set_list(&p.manifest.rpcmethods, LIST("*"));
	m = parse("{\"options\":[],\"rpcmethods\":[{\"name\":\"getinfo\",\"usage\":\"\"}]}");
	rc = manifest_filter(m, &p, &reg, NULL, why, sizeof(why));
	is_int(rc, -1, "refuse: getinfo collision refused with rpcmethods [\"*\"]");
	is_str(why, "manifest refused: rpcmethod getinfo is a lightningd built-in command"
	       " (1 violation)", "refuse: collision why");
	json_decref(m);

	/* a clean manifest passes under refuse */
	m = parse("{\"options\":[],\"rpcmethods\":[{\"name\":\"summary\",\"usage\":\"\"}],"
		  "\"hooks\":[\"htlc_accepted\"],\"nonnumericids\":true}");
	rc = manifest_filter(m, &p, &reg, NULL, why, sizeof(why));
	is_int(rc, 0, "refuse: clean manifest accepted");
	ok(strlist_has(&reg.methods, "summary") && strlist_has(&reg.hooks, "htlc_accepted"),
	   "refuse: clean manifest registered");
	ok(json_is_true(json_object_get(m, "nonnumericids")), "nonnumericids true kept");
	registry_free(&reg);
	json_decref(m);

	/* nonnumericids false alone is a violation */
	m = parse("{\"options\":[],\"rpcmethods\":[],\"nonnumericids\":false}");
	rc = manifest_filter(m, &p, &reg, NULL, why, sizeof(why));
	is_int(rc, -1, "refuse: nonnumericids false refused");
	json_decref(m);
	m = parse("{\"options\":[],\"rpcmethods\":[],\"nonnumericids\":1}");
	rc = manifest_filter(m, &p, &reg, NULL, why, sizeof(why));
	is_int(rc, -1, "refuse: nonnumericids 1 refused");
	json_decref(m);

	/* not an object */
	m = parse("[1]");
	p.manifest.on_violation = POL_STRIP;
	rc = manifest_filter(m, &p, &reg, NULL, why, sizeof(why));
	is_int(rc, -1, "non-object result refused even under strip");
	is_str(why, "getmanifest result is not an object", "non-object why");
	json_decref(m);
	policy_clear(&p);
}

static void test_grants(void)
{
	struct policy p = { 0 };
	struct registry reg;
	char why[256];
	json_t *m;
	char *out;
	int rc;

	set_list(&p.manifest.subscriptions, LIST("*"));
	set_list(&p.manifest.hooks, LIST("rpc_command", "db_write"));
	p.manifest.featurebits = true;
	p.manifest.custommessages_any = true;
	p.manifest.on_violation = POL_REFUSE;
	m = parse("{\"options\":[],\"rpcmethods\":[],\"subscriptions\":[\"*\",\"shutdown\"],"
		  "\"hooks\":[{\"name\":\"rpc_command\",\"filters\":[\"pay\"]},\"db_write\"],"
		  "\"featurebits\":{\"init\":\"02\"},\"custommessages\":[1,65535]}");
	rc = manifest_filter(m, &p, &reg, NULL, why, sizeof(why));
	is_int(rc, 0, "grants: exact grants pass under refuse (%s)", why);
	out = dump(m);
	is_str(out, "{\"custommessages\":[1,65535],\"featurebits\":{\"init\":\"02\"},"
	       "\"hooks\":[{\"filters\":[\"pay\"],\"name\":\"rpc_command\"},\"db_write\"],"
	       "\"options\":[],\"rpcmethods\":[],\"subscriptions\":[\"*\",\"shutdown\"]}",
	       "grants: manifest unchanged");
	free(out);
	ok(strlist_has(&reg.topics, "*"), "grants: \"*\" subscription kept with policy \"*\"");
	ok(strlist_has(&reg.hooks, "rpc_command") && strlist_has(&reg.hooks, "db_write"),
	   "grants: exact hooks kept");
	ok(!reg.cancheck, "grants: cancheck false when absent");
	registry_free(&reg);
	json_decref(m);

	/* "hooks": "*" glob-like entry never grants a hook */
	set_list(&p.manifest.hooks, LIST("*", "htlc_*", "?pc_command"));
	expect_refused(&p, "{\"options\":[],\"rpcmethods\":[],\"hooks\":[\"htlc_accepted\"]}",
		       "manifest refused: hook htlc_accepted not allowed (1 violation)",
		       "hooks: globs in policy never grant htlc_accepted");

	/* featurebits removed when not allowed (strip) */
	p.manifest.featurebits = false;
	p.manifest.on_violation = POL_STRIP;
	m = parse("{\"options\":[],\"rpcmethods\":[],\"featurebits\":{\"node\":\"0200\"}}");
	rc = manifest_filter(m, &p, &reg, NULL, why, sizeof(why));
	is_int(rc, 0, "featurebits: strip passes");
	ok(json_object_get(m, "featurebits") == NULL, "featurebits: removed");
	registry_free(&reg);
	json_decref(m);
	policy_clear(&p);
}

/* What would make lightningd stop or kill plugins that are not this one,
 * or calls that could not be told apart. */
static void test_collisions(void)
{
	struct policy p = { 0 };
	struct registry reg;
	struct strlist viol = { 0 };
	char why[256];
	json_t *m;
	char *out;
	int rc;

	set_list(&p.manifest.options, LIST("summary-*"));
	set_list(&p.manifest.rpcmethods, LIST("*"));
	set_list(&p.manifest.hooks, LIST("htlc_accepted", "peer_connected"));
	p.manifest.on_violation = POL_STRIP;
	m = parse("{\"options\":[{\"name\":\"summary-a\",\"type\":\"int\"},"
		  "{\"name\":\"summary-b\"},{\"name\":\"summary-a\",\"type\":\"string\"},"
		  "{\"name\":\"summary-b\"}],"
		  "\"rpcmethods\":[{\"name\":\"htlc_accepted\"},{\"name\":\"mine\"},"
		  "{\"name\":\"peer_connected\"}],"
		  "\"hooks\":[{\"name\":\"htlc_accepted\",\"before\":[\"a\"],\"after\":[\"a\"],"
		  "\"filters\":[1]},{\"name\":\"peer_connected\",\"after\":[\"b\"]}]}");
	rc = manifest_filter(m, &p, &reg, &viol, why, sizeof(why));
	is_int(rc, 0, "collisions: strip passes");
	out = dump(m);
	is_str(out, "{\"hooks\":[{\"filters\":[1],\"name\":\"htlc_accepted\"},"
	       "{\"after\":[\"b\"],\"name\":\"peer_connected\"}],"
	       "\"options\":[{\"name\":\"summary-a\",\"type\":\"int\"},{\"name\":\"summary-b\"}],"
	       "\"rpcmethods\":[{\"name\":\"mine\"}]}",
	       "collisions: the first of each option, no hook-named method, no two-way order");
	free(out);
	ok(has_line(&viol, "option summary-a registered twice") &&
	   has_line(&viol, "option summary-b registered twice"),
	   "collisions: a repeated option is a violation");
	ok(has_line(&viol, "rpcmethod htlc_accepted is named like a hook") &&
	   has_line(&viol, "rpcmethod peer_connected is named like a hook"),
	   "collisions: a method named like a hook is a violation");
	ok(has_line(&viol, "hook htlc_accepted asks to run both before and after others"),
	   "collisions: before and after together are a violation");
	is_int(viol.n, 5, "collisions: nothing else");
	ok(reg.methods.n == 1 && strlist_has(&reg.methods, "mine"),
	   "collisions: only mine registered as a method");
	ok(reg.hooks.n == 2, "collisions: both hooks registered");
	registry_free(&reg);
	strlist_free(&viol);
	json_decref(m);

	/* under refuse, a repeated option alone refuses */
	p.manifest.on_violation = POL_REFUSE;
	expect_refused(&p, "{\"options\":[{\"name\":\"summary-a\"},{\"name\":\"summary-a\"}]}",
		       "manifest refused: option summary-a registered twice (1 violation)",
		       "collisions: a repeated option");

	/* Many entries, every other one stripped: what is kept is exactly
	 * the allowed ones, in order (filtered in one pass). */
	p.manifest.on_violation = POL_STRIP;
	json_t *opts = json_array();
	for (int i = 0; i < 100000; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%s-%d", i % 2 ? "other" : "summary", i);
		json_array_append_new(opts, json_pack("{ss}", "name", name));
	}
	m = json_pack("{so}", "options", opts);
	rc = manifest_filter(m, &p, &reg, NULL, why, sizeof(why));
	bool in_order = json_array_size(opts) == 50000;
	for (size_t i = 0; in_order && i < json_array_size(opts); i++) {
		char want[32];
		snprintf(want, sizeof(want), "summary-%zu", 2 * i);
		in_order = strcmp(json_string_value(json_object_get(
			json_array_get(opts, i), "name")), want) == 0;
	}
	ok(rc == 0 && in_order, "collisions: 50000 of 100000 kept, in order");
	registry_free(&reg);
	json_decref(m);
	policy_clear(&p);
}

static void test_builtins(void)
{
	ok(builtin_command("getinfo"), "builtin: getinfo");
	ok(builtin_command("abort_channels"), "builtin: first entry");
	ok(builtin_command("check"), "builtin: check");
	ok(builtin_command("datastore"), "builtin: datastore");
	ok(!builtin_command("summary"), "builtin: summary is not");
	ok(!builtin_command("pay"), "builtin: pay is a plugin method, not built-in");
	ok(!builtin_command("getinfo "), "builtin: exact match only");
	ok(!builtin_command("GETINFO"), "builtin: case-sensitive");
	ok(!builtin_command(""), "builtin: empty");
	ok(!builtin_command(NULL), "builtin: NULL");

	/* lightningd's own options; a built-in plugin's are not (they may
	 * be the wrapped plugin's own). */
	ok(builtin_option("network"), "option: network is lightningd's");
	ok(builtin_option("lightning-dir") && builtin_option("conf"),
	   "option: an argument suffix (=<dir>) is not part of the name");
	ok(builtin_option("accept-htlc-tlv-type") && builtin_option("wumbo"),
	   "option: first and last entries");
	ok(!builtin_option("bitcoin-rpcpassword"), "option: bcli's is not");
	ok(!builtin_option("summary-currency"), "option: a plugin's is not");
	ok(!builtin_option("network "), "option: exact match only");
	/* lightningd compares a plugin's option with its long names only:
	 * -h, --help's short alias, leaves a plugin free to register "h". */
	ok(builtin_option("help") && !builtin_option("h"),
	   "option: a long name is, a short alias is not");
	ok(!builtin_option(""), "option: empty");
	ok(!builtin_option(NULL), "option: NULL");
}

int main(void)
{
	test_strip();
	test_refuse();
	test_grants();
	test_collisions();
	test_builtins();
	return tap_done();
}
