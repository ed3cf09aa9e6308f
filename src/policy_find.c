/* policy_find.c - which policy file governs a plugin, whether that file can
 * be trusted, and whether the plugin is the one the policy was written for
 * (SPEC section 3).
 * Trust is sshd's StrictModes: the file and its directory must be owned by
 * root or the invoking (real) uid and writable by nobody else; the file is
 * opened with O_NOFOLLOW relative to the checked directory fd and checked
 * with fstat on what was opened, so nothing can be swapped in between.
 * Must not: exit or log (errors come back as "what (fix)"), follow a
 * symlink for the policy file, or fall back to default.json when NAME.json
 * exists but is refused. Called by main.c before anything else is set up. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "policy.h"
#include "util.h"

#ifndef PR_POLICYDIR
#define PR_POLICYDIR "/etc/plugin-runner"
#endif

char *policy_name_for(const char *plugin_path)
{
	static const char *const exts[] = { ".py", ".js", ".sh", ".exe" };
	const char *slash = strrchr(plugin_path, '/');
	char *name = xstrdup(slash ? slash + 1 : plugin_path);
	size_t n = strlen(name);

	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t el = strlen(exts[i]);
		/* ".py" alone is a name, not an extension */
		if (n > el && strcmp(name + n - el, exts[i]) == 0) {
			name[n - el] = '\0';
			break;
		}
	}
	return name;
}

/* StrictModes for one opened object (`what` is "policy file" or
 * "policy directory"). */
static int trusted(int fd, const char *path, const char *what, bool want_dir,
		   struct perr *err)
{
	struct stat st;
	uid_t me = getuid();

	if (fstat(fd, &st) < 0)
		return perr_set(err, "%s %s: %s", what, path, strerror(errno));
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return perr_set(err, "%s %s is not a %s (use a plain %s)", what, path,
				want_dir ? "directory" : "regular file",
				want_dir ? "directory" : "file");
	if (st.st_uid != 0 && st.st_uid != me)
		return perr_set(err, "%s %s is owned by uid %u, not root or uid %u (chown root %s)",
				what, path, (unsigned)st.st_uid, (unsigned)me, path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return perr_set(err, "%s %s is %s-writable (chmod go-w %s)", what, path,
				st.st_mode & S_IWOTH ? "world" : "group", path);
	return 0;
}

/* Open dir/base under StrictModes. Returns the fd, -1 with err set, or
 * -2 when dir/base does not exist (so the caller may try the next one). */
static int open_trusted(const char *dir, const char *base, const char *shown,
			struct perr *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return -2;
		return perr_set(err, "policy directory %s: %s (check --policy-dir)", dir,
				strerror(errno));
	}
	if (trusted(dfd, dir, "policy directory", true, err) < 0)
		return -1;
	/* O_NONBLOCK: a FIFO planted under the name must not hang us; fstat
	 * then rejects it as not a regular file. */
	_cleanup_close_ int fd = openat(dfd, base,
					O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return -2;
		if (errno == ELOOP)
			return perr_set(err, "policy file %s is a symlink (replace it by the file itself)",
					shown);
		return perr_set(err, "policy file %s: %s", shown, strerror(errno));
	}
	if (trusted(fd, shown, "policy file", false, err) < 0)
		return -1;
	if (set_nonblock(fd, false) < 0)
		return perr_set(err, "policy file %s: %s", shown, strerror(errno));
	return steal_fd(&fd);
}

int policy_find(const char *explicit_file, const char *dir,
		const char *plugin_path, char **path, struct perr *err)
{
	int fd;

	*path = NULL;
	if (explicit_file) {
		_cleanup_free_ char *d = xstrdup(explicit_file);
		_cleanup_free_ char *b = xstrdup(explicit_file);
		fd = open_trusted(dirname(d), basename(b), explicit_file, err);
		if (fd == -2)
			return perr_set(err, "policy file %s does not exist (check --policy)",
					explicit_file);
		if (fd < 0)
			return -1;
		*path = xstrdup(explicit_file);
		return fd;
	}
	if (!dir)
		dir = PR_POLICYDIR;
	_cleanup_free_ char *name = policy_name_for(plugin_path ? plugin_path : "");
	if (*name) {
		_cleanup_free_ char *base = xasprintf("%s.json", name);
		_cleanup_free_ char *full = xasprintf("%s/%s", dir, base);
		fd = open_trusted(dir, base, full, err);
		if (fd >= 0) {
			*path = steal_ptr(&full);
			return fd;
		}
		if (fd == -1)
			return -1;
	}
	_cleanup_free_ char *full = xasprintf("%s/default.json", dir);
	fd = open_trusted(dir, "default.json", full, err);
	if (fd >= 0) {
		*path = steal_ptr(&full);
		return fd;
	}
	if (fd == -1)
		return -1;
	return perr_set(err, "no policy for %s in %s (write %s/%s.json or %s/default.json, or pass --policy)",
			name, dir, dir, name, dir);
}

/* A readable fd for the plugin: plugin_fd itself, or, if it is an O_PATH
 * fd, a reopen of the very same inode through /proc/self/fd. */
static int readable_fd(int plugin_fd, int *owned)
{
	int fl = fcntl(plugin_fd, F_GETFL);
	*owned = -1;
	if (fl < 0)
		return -1;
	if (!(fl & O_PATH))
		return plugin_fd;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", plugin_fd);
	*owned = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return *owned;
}

int policy_check_identity(const struct policy *p, const char *real_path,
			  int plugin_fd, struct perr *err)
{
	if (p->exec_path && strcmp(p->exec_path, real_path) != 0)
		return perr_set(err, "policy %s is for %s, not %s (use the plugin's own policy, or fix exec.path)",
				p->file, p->exec_path, real_path);
	if (!p->exec_sha256)
		return 0;

	_cleanup_close_ int owned = -1;
	char hex[65];
	int fd = readable_fd(plugin_fd, &owned);
	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0 || sha256_fd(fd, hex) < 0)
		return perr_set(err, "cannot hash %s: %s (check the plugin's permissions)",
				real_path, strerror(errno));
	/* leave the offset where a later reader of the same fd expects it */
	if (lseek(fd, 0, SEEK_SET) < 0)
		return perr_set(err, "cannot rewind %s: %s", real_path, strerror(errno));
	if (strcmp(hex, p->exec_sha256) != 0)
		return perr_set(err, "%s has sha256 %s but policy %s pins %s (update exec.sha256 if the plugin was upgraded)",
				real_path, hex, p->file, p->exec_sha256);
	return 0;
}
