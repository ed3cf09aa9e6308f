/* test-policy-find.c - policy lookup order, name stripping, StrictModes
 * refusals and the exec.path / exec.sha256 identity checks (SPEC 3).
 * Works in a private mkdtemp directory; the "owned by another uid" case
 * needs root (chown to 65534) and is skipped otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "policy.h"
#include "tap.h"
#include "util.h"

static char tmp[] = "/tmp/pr-policy-find-XXXXXX";

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0) {
		perror(path);
		exit(1);
	}
	close(fd);
	chmod(path, mode);
}

static char *P(const char *rel)
{
	return xasprintf("%s/%s", tmp, rel);
}

/* Run policy_find; return the chosen path's last component (or NULL) and
 * check the fd reads the file's first byte. */
static char *find(const char *explicit_file, const char *dir, const char *plugin,
		  struct perr *err)
{
	char *path = NULL;
	err->msg[0] = '\0';
	int fd = policy_find(explicit_file, dir, plugin, &path, err);
	if (fd < 0) {
		ok(path == NULL, "no path on failure (%s)", err->msg);
		return NULL;
	}
	char c = 0;
	ok(read(fd, &c, 1) == 1 && c == '{', "fd reads the policy (%s)", path);
	int fl = fcntl(fd, F_GETFD);
	ok(fl >= 0 && (fl & FD_CLOEXEC), "fd is close-on-exec");
	close(fd);
	return path;
}

static void test_names(void)
{
	static const struct { const char *in, *out; } t[] = {
		{ "/usr/libexec/cln/summary.py", "summary" },
		{ "/x/rebalance.js", "rebalance" },
		{ "/x/clboss", "clboss" },
		{ "run.sh", "run" },
		{ "/x/tool.exe", "tool" },
		{ "/x/a.b.py", "a.b" },
		{ "/x/keep.pyc", "keep.pyc" },
		{ "/x/.py", ".py" },
		{ "/x/double.py.sh", "double.py" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *n = policy_name_for(t[i].in);
		is_str(n, t[i].out, "policy_name_for(%s)", t[i].in);
		free(n);
	}
}

static void test_order(void)
{
	struct perr err;
	_cleanup_free_ char *dir = P("pol");
	_cleanup_free_ char *expl = P("explicit.json");
	_cleanup_free_ char *named = P("pol/summary.json");
	_cleanup_free_ char *def = P("pol/default.json");
	char *got;

	mkdir(dir, 0755);
	chmod(dir, 0755);
	put(expl, "{\"plugin-runner\":1}", 0644);
	put(named, "{\"plugin-runner\":1}", 0644);
	put(def, "{\"plugin-runner\":1}", 0644);

	got = find(expl, dir, "/opt/summary.py", &err);
	is_str(got, expl, "explicit file wins over DIR/NAME.json");
	free(got);
	got = find(NULL, dir, "/opt/summary.py", &err);
	is_str(got, named, "DIR/NAME.json (extension stripped) before default.json");
	free(got);
	got = find(NULL, dir, "/opt/other", &err);
	is_str(got, def, "DIR/default.json when there is no NAME.json");
	free(got);

	unlink(def);
	got = find(NULL, dir, "/opt/other.py", &err);
	ok(got == NULL, "no NAME.json and no default.json: refused");
	_cleanup_free_ char *want = xasprintf(
		"no policy for other in %s (write %s/other.json or %s/default.json, or pass --policy)",
		dir, dir, dir);
	is_str(err.msg, want, "missing-policy message");
	free(got);

	_cleanup_free_ char *nodir = P("nonexistent");
	got = find(NULL, nodir, "/opt/x", &err);
	ok(got == NULL && strstr(err.msg, "no policy for x in "), "missing directory: no policy");
	free(got);

	_cleanup_free_ char *missing = P("missing.json");
	got = find(missing, dir, "/opt/summary.py", &err);
	ok(got == NULL && strstr(err.msg, "does not exist (check --policy)"),
	   "explicit missing file is an error, no fallback: %s", err.msg);
	free(got);
	put(def, "{\"plugin-runner\":1}", 0644);
}

static void test_strict(void)
{
	struct perr err;
	_cleanup_free_ char *dir = P("pol");
	_cleanup_free_ char *named = P("pol/summary.json");
	_cleanup_free_ char *def = P("pol/default.json");
	char *got;

	chmod(named, 0664);
	got = find(NULL, dir, "/opt/summary.py", &err);
	ok(got == NULL, "group-writable NAME.json refused (no fallback to default.json)");
	_cleanup_free_ char *want = xasprintf("policy file %s is group-writable (chmod go-w %s)",
					      named, named);
	is_str(err.msg, want, "group-writable message");
	free(got);

	chmod(named, 0646);
	got = find(NULL, dir, "/opt/summary.py", &err);
	ok(got == NULL && strstr(err.msg, "is world-writable (chmod go-w "),
	   "world-writable file refused: %s", err.msg);
	free(got);
	chmod(named, 0644);

	chmod(dir, 0757);
	got = find(NULL, dir, "/opt/summary.py", &err);
	_cleanup_free_ char *want2 = xasprintf(
		"policy directory %s is world-writable (chmod go-w %s)", dir, dir);
	ok(got == NULL, "other-writable directory refused");
	is_str(err.msg, want2, "other-writable directory message");
	free(got);
	chmod(dir, 0775);
	got = find(NULL, dir, "/opt/summary.py", &err);
	ok(got == NULL && strstr(err.msg, "is group-writable"), "group-writable directory refused");
	free(got);
	chmod(dir, 0755);

	/* symlink as the policy file: refused, even pointing at a good file */
	_cleanup_free_ char *link = P("pol/linked.json");
	ok(symlink(def, link) == 0, "made a symlink");
	got = find(NULL, dir, "/opt/linked", &err);
	_cleanup_free_ char *want3 = xasprintf(
		"policy file %s is a symlink (replace it by the file itself)", link);
	ok(got == NULL, "symlinked NAME.json refused");
	is_str(err.msg, want3, "symlink message");
	free(got);
	got = find(link, NULL, "/opt/x", &err);
	ok(got == NULL && strstr(err.msg, "is a symlink"), "symlinked --policy refused");
	free(got);

	/* a directory or FIFO under the name: not a regular file, and no hang */
	_cleanup_free_ char *sub = P("pol/subdir.json");
	mkdir(sub, 0755);
	got = find(NULL, dir, "/opt/subdir", &err);
	ok(got == NULL && strstr(err.msg, "is not a regular file"), "directory as policy refused");
	free(got);
	_cleanup_free_ char *fifo = P("pol/fifo.json");
	mkfifo(fifo, 0644);
	got = find(NULL, dir, "/opt/fifo", &err);
	ok(got == NULL && strstr(err.msg, "is not a regular file"), "FIFO as policy refused, no hang");
	free(got);

	if (getuid() != 0) {
		ok(1, "# SKIP chown test needs root");
		return;
	}
	ok(chown(named, 65534, 65534) == 0, "chown file to 65534");
	got = find(NULL, dir, "/opt/summary.py", &err);
	_cleanup_free_ char *want4 = xasprintf(
		"policy file %s is owned by uid 65534, not root or uid 0 (chown root %s)",
		named, named);
	ok(got == NULL, "file owned by another uid refused");
	is_str(err.msg, want4, "foreign owner message");
	free(got);
	ok(chown(named, 0, 0) == 0 && chown(dir, 65534, 65534) == 0, "chown dir to 65534");
	got = find(NULL, dir, "/opt/summary.py", &err);
	ok(got == NULL && strstr(err.msg, "policy directory") && strstr(err.msg, "uid 65534"),
	   "directory owned by another uid refused: %s", err.msg);
	free(got);
	ok(chown(dir, 0, 0) == 0, "chown dir back");
	got = find(NULL, dir, "/opt/summary.py", &err);
	is_str(got, named, "restored ownership: accepted again");
	free(got);
}

static struct policy *load(const char *text)
{
	struct policy *p = NULL;
	struct perr err;
	if (policy_load_buf("/etc/plugin-runner/t.json", text, strlen(text), &p, &err) < 0)
		tap_diag("load: %s", err.msg);
	return p;
}

static void test_identity(void)
{
	struct perr err;
	_cleanup_free_ char *plugin = P("plugin.py");
	static const char body[] = "#!/usr/bin/python3\nprint('hi')\n";
	put(plugin, body, 0755);
	char hex[65];
	sha256_buf(body, strlen(body), hex);

	int fd = open(plugin, O_RDONLY | O_CLOEXEC);
	int pfd = open(plugin, O_PATH | O_CLOEXEC);

	struct policy *p = load("{\"plugin-runner\":1}");
	is_int(policy_check_identity(p, plugin, fd, &err), 0, "unpinned policy: any plugin");
	policy_free(p);

	_cleanup_free_ char *t1 = xasprintf("{\"plugin-runner\":1,\"exec\":{\"path\":\"%s\"}}", plugin);
	p = load(t1);
	is_int(policy_check_identity(p, plugin, fd, &err), 0, "exec.path matches");
	is_int(policy_check_identity(p, "/opt/other/plugin.py", fd, &err), -1,
	       "exec.path mismatch refused");
	_cleanup_free_ char *w1 = xasprintf(
		"policy /etc/plugin-runner/t.json is for %s, not /opt/other/plugin.py "
		"(use the plugin's own policy, or fix exec.path)", plugin);
	is_str(err.msg, w1, "exec.path mismatch message");
	policy_free(p);

	/* upper-case pin in the file; the hash compares lower-case */
	char up[65];
	for (int i = 0; i < 65; i++)
		up[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
	_cleanup_free_ char *t2 = xasprintf("{\"plugin-runner\":1,\"exec\":{\"sha256\":\"%s\"}}", up);
	p = load(t2);
	lseek(fd, 7, SEEK_SET);		/* a stale offset must not matter */
	is_int(policy_check_identity(p, plugin, fd, &err), 0, "sha256 matches (%s)", err.msg);
	is_int(lseek(fd, 0, SEEK_CUR), 0, "fd rewound to 0 afterwards");
	is_int(policy_check_identity(p, plugin, pfd, &err), 0, "sha256 via an O_PATH fd (%s)",
	       err.msg);
	policy_free(p);

	_cleanup_free_ char *t3 = xasprintf("{\"plugin-runner\":1,\"exec\":{\"sha256\":\"%064d\"}}", 0);
	p = load(t3);
	is_int(policy_check_identity(p, plugin, fd, &err), -1, "sha256 mismatch refused");
	_cleanup_free_ char *w3 = xasprintf(
		"%s has sha256 %s but policy /etc/plugin-runner/t.json pins %064d "
		"(update exec.sha256 if the plugin was upgraded)", plugin, hex, 0);
	is_str(err.msg, w3, "sha256 mismatch message");
	policy_free(p);

	/* the hash is of the open file, not of whatever the path names now */
	_cleanup_free_ char *t4 = xasprintf("{\"plugin-runner\":1,\"exec\":{\"sha256\":\"%s\"}}", hex);
	p = load(t4);
	unlink(plugin);
	put(plugin, "#!/bin/sh\necho swapped\n", 0755);
	is_int(policy_check_identity(p, plugin, fd, &err), 0, "hash follows the fd, not the path");
	int fd2 = open(plugin, O_RDONLY | O_CLOEXEC);
	is_int(policy_check_identity(p, plugin, fd2, &err), -1, "swapped file refused");
	close(fd2);
	policy_free(p);
	close(fd);
	close(pfd);
}

int main(void)
{
	umask(022);
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	chmod(tmp, 0755);
	test_names();
	test_order();
	test_strict();
	test_identity();
	char *cmd = xasprintf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", tmp);
	free(cmd);
	return tap_done();
}
