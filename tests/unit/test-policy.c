/* test-policy.c - the policy parser against the case files in tests/policy/
 * and against every shipped policy in policies/.
 *   tests/policy/valid/<case>/policy.json + expect: "ok", or lines
 *     "dotted.key=<compact JSON>" checked against policy_to_json();
 *     every valid case must also survive a round trip through its dump.
 *   tests/policy/invalid/<case>/policy.json + expect: the exact error text
 *     after the "<file>:" prefix, i.e. "LINE:COL: key: what".
 * Run from the repository root (make check does). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "policy.h"
#include "tap.h"
#include "util.h"

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *s = read_fd_all(fd, 1 << 20, len);
	close(fd);
	return s;
}

static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* Look up a dotted path; a key may itself contain dots ("key.0" under
 * rpc.params.datastore), so at each object try the longest key first. */
static json_t *lookup(json_t *v, const char *path)
{
	if (!*path)
		return v;
	if (json_is_array(v)) {
		char *end;
		long i = strtol(path, &end, 10);
		if (end == path || (*end && *end != '.'))
			return NULL;
		return lookup(json_array_get(v, (size_t)i), *end ? end + 1 : end);
	}
	if (!json_is_object(v))
		return NULL;
	for (size_t n = strlen(path); n > 0; n--) {
		if (path[n] != '\0' && path[n] != '.')
			continue;
		char *k = xstrndup(path, n);
		json_t *c = json_object_get(v, k);
		free(k);
		if (c) {
			json_t *r = lookup(c, path[n] ? path + n + 1 : path + n);
			if (r)
				return r;
		}
	}
	return NULL;
}

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int cases(const char *dir, void (*fn)(const char *dir, const char *name))
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, cmp_names), count = 0;
	if (n < 0) {
		ok(0, "%s is readable (run from the repository root)", dir);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			fn(dir, ents[i]->d_name);
			count++;
		}
		free(ents[i]);
	}
	free(ents);
	return count;
}

static void roundtrip(const char *name, const struct policy *p)
{
	json_t *j = policy_to_json(p);
	char *dump = json_dumps(j, JSON_COMPACT);
	struct policy *q = NULL;
	struct perr err;
	int r = policy_load_buf("dump", dump, strlen(dump), &q, &err);
	ok(r == 0, "%s: effective policy loads again%s%s", name, r ? ": " : "", r ? err.msg : "");
	if (q) {
		json_t *j2 = policy_to_json(q);
		ok(json_equal(j, j2), "%s: and is the same policy", name);
		json_decref(j2);
	}
	policy_free(q);
	free(dump);
	json_decref(j);
}

static void valid_case(const char *dir, const char *name)
{
	_cleanup_free_ char *file = xasprintf("%s/%s/policy.json", dir, name);
	_cleanup_free_ char *efile = xasprintf("%s/%s/expect", dir, name);
	size_t len;
	_cleanup_free_ char *text = slurp(file, &len);
	_cleanup_free_ char *expect = slurp(efile, NULL);
	struct policy *p = NULL;
	struct perr err;

	if (!text || !expect) {
		ok(0, "valid/%s has policy.json and expect", name);
		return;
	}
	int r = policy_load_buf(file, text, len, &p, &err);
	ok(r == 0 && p, "valid/%s loads%s%s", name, r ? ": " : "", r ? err.msg : "");
	if (!p)
		return;
	is_str(p->file, file, "valid/%s: file name kept", name);
	char hex[65];
	sha256_buf(text, len, hex);
	is_str(p->sha256, hex, "valid/%s: sha256 of the file bytes", name);
	json_t *j = policy_to_json(p);
	char *save = NULL;
	for (char *line = strtok_r(expect, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		chomp(line);
		if (!*line || *line == '#' || strcmp(line, "ok") == 0)
			continue;
		char *eq = strchr(line, '=');
		if (!eq) {
			ok(0, "valid/%s: expect line '%s' has '='", name, line);
			continue;
		}
		*eq = '\0';
		json_t *v = lookup(j, line);
		char *got = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
		is_str(got, eq + 1, "valid/%s: %s", name, line);
		free(got);
	}
	json_decref(j);
	roundtrip(name, p);
	policy_free(p);
}

static void invalid_case(const char *dir, const char *name)
{
	_cleanup_free_ char *file = xasprintf("%s/%s/policy.json", dir, name);
	_cleanup_free_ char *efile = xasprintf("%s/%s/expect", dir, name);
	size_t len;
	_cleanup_free_ char *text = slurp(file, &len);
	_cleanup_free_ char *expect = slurp(efile, NULL);
	struct policy *p = (struct policy *)1;
	struct perr err;

	if (!text || !expect) {
		ok(0, "invalid/%s has policy.json and expect", name);
		return;
	}
	chomp(expect);
	int r = policy_load_buf(file, text, len, &p, &err);
	ok(r == -1 && p == NULL, "invalid/%s is refused", name);
	size_t fl = strlen(file);
	bool prefixed = strncmp(err.msg, file, fl) == 0 && err.msg[fl] == ':';
	ok(prefixed, "invalid/%s: message starts with the file name", name);
	is_str(prefixed ? err.msg + fl + 1 : err.msg, expect, "invalid/%s: message", name);
	if (r == 0)
		policy_free(p);
}

static void shipped(const char *dir, const char *name)
{
	size_t n = strlen(name);
	if (n < 6 || strcmp(name + n - 5, ".json") != 0)
		return;
	_cleanup_free_ char *file = xasprintf("%s/%s", dir, name);
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct policy *p = NULL;
	struct perr err;
	int r = policy_load_fd(file, fd, &p, &err);
	ok(r == 0, "%s loads%s%s", file, r ? ": " : "", r ? err.msg : "");
	if (!p)
		return;
	/* shipped policies never glob-grant what SPEC 4 says needs an exact
	 * grant, and never hand out the network by default */
	static const char *const sensitive[] = {
		"plugin", "stop", "setconfig", "dev-x", "commando", "createrune",
		"exposesecret", "makesecret", "signpsbt", "withdraw", "pay", "sendpay",
		"fundchannel", "close", "listconfigs",
	};
	bool glob_sensitive = false;
	for (size_t i = 0; i < ARRAY_SIZE(sensitive); i++)
		if (strlist_match(&p->rpc.allow, sensitive[i]) &&
		    !strlist_has(&p->rpc.allow, sensitive[i]))
			glob_sensitive = true;
	ok(!glob_sensitive, "%s: sensitive methods only by exact name", file);
	roundtrip(file, p);
	policy_free(p);
}

static void test_default(void)
{
	struct policy *p = NULL;
	struct perr err;
	_cleanup_close_ int fd = open("policies/default.json", O_RDONLY | O_CLOEXEC);
	if (policy_load_fd("policies/default.json", fd, &p, &err) < 0) {
		ok(0, "default.json loads: %s", err.msg);
		return;
	}
	is_int(p->manifest.hooks.n, 0, "default: no hooks");
	is_int(p->rpc.allow.n, 1, "default: one RPC method");
	is_str(p->rpc.allow.v[0], "getinfo", "default: which is getinfo");
	is_int(p->sandbox.network, POL_NET_NONE, "default: no network");
	is_int(p->sandbox.nlightning_dir, 0, "default: no lightning-dir");
	is_int(p->manifest.on_violation, POL_STRIP, "default: on_violation strip");
	ok(strlist_match(&p->manifest.rpcmethods, "anything"), "default: rpcmethods by glob");
	ok(!strlist_match(&p->manifest.subscriptions, "invoice_payment"),
	   "default: no invoice_payment subscription (carries the preimage)");
	policy_free(p);
}

static void test_minimal(void)
{
	static const char txt[] = "{\"plugin-runner\": 1}";
	struct policy *p = NULL;
	struct perr err;
	int r = policy_load_buf("min", txt, sizeof(txt) - 1, &p, &err);
	ok(r == 0, "minimal policy loads");
	if (!p)
		return;
	is_int(p->manifest.on_violation, POL_REFUSE, "min: on_violation refuse");
	is_str(p->sandbox.user, "nobody", "min: user nobody");
	is_int(p->sandbox.limits.nofile, POL_DEFAULT_NOFILE, "min: nofile default");
	is_int(p->sandbox.limits.message, 64 << 20, "min: message 64M");
	ok(p->exec_path == NULL && p->exec_sha256 == NULL, "min: not pinned");
	ok(!strlist_match(&p->rpc.allow, "getinfo"), "min: no RPC");
	policy_free(p);

	/* strlist */
	struct strlist l = { 0 };
	for (int i = 0; i < 100; i++) {
		char b[16];
		snprintf(b, sizeof(b), "m%d", i);
		strlist_push(&l, b);
	}
	strlist_push(&l, "list*");
	is_int(l.n, 101, "strlist: 101 pushed");
	ok(strlist_has(&l, "m99") && !strlist_has(&l, "m100"), "strlist_has exact");
	ok(strlist_match(&l, "listpeers") && !strlist_has(&l, "listpeers"), "strlist_match globs");
	ok(!strlist_match(&l, "getinfo"), "strlist_match no match");
	strlist_free(&l);
	ok(l.n == 0 && l.v == NULL, "strlist_free resets");

	/* the known-keys table covers what policy_to_json prints */
	const char *const *k = policy_known_keys();
	size_t n = 0;
	bool has_nofile = false;
	for (; k[n]; n++)
		has_nofile |= strcmp(k[n], "sandbox.limits.nofile") == 0;
	ok(n >= 30 && has_nofile, "policy_known_keys lists %zu keys", n);
}

/* The names sandbox.c compares by device and inode: the same list the
 * parser refuses by name. */
static void test_ld_never_granted(void)
{
	static const char *const never[] = {
		"hsm_secret", "lightning-rpc", "lightningd.sqlite3", "lightningd.sqlite3-wal",
	};
	static const char *const fine[] = { "config", "hsm_secret.bak", "gossip_store", "." };
	for (size_t i = 0; i < ARRAY_SIZE(never); i++)
		ok(policy_ld_never_granted(never[i]), "ld_never_granted: %s", never[i]);
	for (size_t i = 0; i < ARRAY_SIZE(fine); i++)
		ok(!policy_ld_never_granted(fine[i]), "ld_never_granted: not %s", fine[i]);
}

int main(void)
{
	int nv = cases("tests/policy/valid", valid_case);
	int ni = cases("tests/policy/invalid", invalid_case);
	ok(nv >= 8, "%d valid cases (want >= 8)", nv);
	ok(ni >= 25, "%d invalid cases (want >= 25)", ni);
	int ns = cases("policies", shipped);
	ok(ns >= 9, "%d shipped policies", ns);
	test_default();
	test_minimal();
	test_ld_never_granted();
	return tap_done();
}
