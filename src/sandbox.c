/* sandbox.c - the namespace and filesystem layers (SPEC 7 steps 1-3):
 * clone flags and clone itself, uid/gid maps, the private root (tmpfs with
 * the policy's binds, the plugin's directory, /proc, a minimal /dev, tmpfs
 * /tmp, the private lightning-dir), pivot_root, loopback, rlimits; and the
 * summary `plugin-runner check` prints. No bind ever contains the host's
 * lightning-dir (hsm_secret, the database, the real lightning-rpc) or is a
 * socket, no read_only/read_write path lies inside it, no lightning_dir
 * grant is a symbolic link, and no file bound is one of its never-granted
 * entries under another name: that is refused (125), whatever the policy
 * says.
 * Must not: decide the order (spawn.c does), load filters, change ids.
 * Called by: spawn.c; the lead's `check` calls sandbox_describe(). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <sha2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exitcodes.h"
#include "landlock.h"
#include "log.h"
#include "mountinfo.h"
#include "sandbox.h"
#include "seccomp_filter.h"
#include "spawn.h"
#include "util.h"

/* The new root is assembled on a tmpfs mounted here, inside our private
 * mount namespace only; bind sources are opened before it is mounted, so
 * sources under /tmp are not shadowed. */
#define NEWROOT "/tmp"
#define PINNED_NAME "/.plugin-runner-exec"

#define USERNS_FIX "(enable unprivileged user namespaces: sysctl " \
	"kernel.unprivileged_userns_clone=1, or on Ubuntu 24.04 sysctl " \
	"kernel.apparmor_restrict_unprivileged_userns=0, or run as root)"

int sandbox_clone_flags(const struct policy *p, bool with_userns)
{
	int f = CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
	if (p->sandbox.network != POL_NET_HOST)
		f |= CLONE_NEWNET;
	if (with_userns)
		f |= CLONE_NEWUSER;
	return f;
}

pid_t sandbox_clone(int flags)
{
	/* Raw clone without a stack is fork() with namespace flags. */
	long pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid >= 0)
		return (pid_t)pid;
	if ((flags & CLONE_NEWUSER) && (errno == EPERM || errno == EACCES))
		die_errno(PR_EXIT_RUNNER, "namespaces: cannot create a user namespace " USERNS_FIX);
	if ((flags & CLONE_NEWUSER) && errno == ENOSPC)
		die_errno(PR_EXIT_RUNNER, "namespaces: cannot create a user namespace "
			  "(raise sysctl user.max_user_namespaces, or run as root)");
	die_errno(PR_EXIT_RUNNER, "namespaces: clone(pid, ipc, uts, cgroup%s%s)",
		  flags & CLONE_NEWNET ? ", net" : "", flags & CLONE_NEWUSER ? ", user" : "");
}

static void write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	/* AppArmor-restricted user namespaces fail here, not at clone. */
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
		die_errno(PR_EXIT_RUNNER, "user namespace: write %s " USERNS_FIX, path);
	close(fd);
}

void sandbox_write_idmaps(pid_t pid, uid_t uid, gid_t gid)
{
	char map[64];

	/* setgroups must be denied before an unprivileged gid_map write;
	 * it also stops the plugin from dropping groups to dodge a
	 * group-deny permission. */
	write_proc(pid, "setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	write_proc(pid, "uid_map", map);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	write_proc(pid, "gid_map", map);
	log_debug("user namespace: mapped uid %u gid %u onto themselves",
		  (unsigned)uid, (unsigned)gid);
}

/* ---- the mount plan ---- */

enum item_kind { ITEM_BIND, ITEM_SYMLINK };

struct item {
	enum item_kind kind;
	char *dst;		/* absolute path inside the sandbox */
	char *link;		/* ITEM_SYMLINK: the link text */
	int fd;			/* ITEM_BIND: O_PATH source, in our mount ns */
	bool rw;
	bool is_dir;
};

struct plan {
	struct item *v;
	size_t n;
};

static void plan_add(struct plan *pl, struct item it)
{
	pl->v = xrealloc(pl->v, (pl->n + 1) * sizeof(*pl->v));
	pl->v[pl->n++] = it;
}

/* Is the directory `target` the one `from` names (relative to `at`) or
 * one of its ancestors? Walks up by "..", comparing dev/ino, so no
 * spelling of a path (a symlink, a bind mount elsewhere) hides it. */
static bool in_chain(int at, const char *from, const struct stat *target)
{
	struct stat c, u;

	int cur = openat(at, from, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: open %s", from);
	for (;;) {
		if (fstat(cur, &c) < 0)
			die_errno(PR_EXIT_RUNNER, "mounts: stat");
		if (c.st_dev == target->st_dev && c.st_ino == target->st_ino) {
			close(cur);
			return true;
		}
		int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0 || fstat(up, &u) < 0)
			die_errno(PR_EXIT_RUNNER, "mounts: walk up from %s", from);
		close(cur);
		if (u.st_dev == c.st_dev && u.st_ino == c.st_ino) {
			close(up);
			return false;	/* reached / */
		}
		cur = up;
	}
}

/* Is the host's lightning-dir (our cwd) at or beneath the directory open
 * at `fd`? */
static bool holds_lightning_dir(int fd)
{
	struct stat s;

	if (fstat(fd, &s) < 0 || !S_ISDIR(s.st_mode))
		return false;
	return in_chain(AT_FDCWD, ".", &s);
}

/* Is `parent`, the directory a source was just opened in, the host's
 * lightning-dir or beneath it? Then the source is an entry of it, which
 * only a lightning_dir grant may hand out, by name and checked. The walk
 * starts at the parent, which the lookup has just searched: the source
 * itself may be a directory the runner cannot search. */
static bool beneath_lightning_dir(int parent)
{
	struct stat ld;

	if (stat(".", &ld) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: stat the lightning-dir");
	return in_chain(parent, ".", &ld);
}

/* Is the file `st` one of the lightning-dir's entries a plugin is never
 * granted (hsm_secret, lightning-rpc, the database) under another name:
 * a hard link, or a bind mount of it (which has one link), that every
 * check on names lets by? Its name goes in `name`. A directory is none;
 * the few files a policy binds cost a listing of the lightning-dir each. */
static bool ld_never_granted_alias(const struct stat *st, char *name, size_t cap)
{
	struct stat s;
	bool found = false;

	if (S_ISDIR(st->st_mode))
		return false;
	DIR *d = opendir(".");
	if (!d)
		die_errno(PR_EXIT_RUNNER, "mounts: cannot list the lightning-dir to tell a hard "
			  "link from hsm_secret (let the runner's user read the lightning-dir)");
	for (struct dirent *de; !found && (de = readdir(d));) {
		if (!policy_ld_never_granted(de->d_name))
			continue;
		/* followed: if hsm_secret is itself a link, its target counts */
		if (fstatat(dirfd(d), de->d_name, &s, 0) < 0) {
			if (errno == ENOENT)
				continue;
			die_errno(PR_EXIT_RUNNER, "mounts: stat lightning-dir/%s", de->d_name);
		}
		found = s.st_dev == st->st_dev && s.st_ino == st->st_ino;
		if (found)
			snprintf(name, cap, "%s", de->d_name);
	}
	closedir(d);
	return found;
}

/* A mount beneath a bound directory comes into the sandbox with it
 * (MS_REC), though no policy path names it: it gets the checks a source
 * gets. One the runner cannot open, the plugin (no more rights) cannot
 * reach either. */
struct beneath {
	const char *key, *path;
};

static void check_submount(const char *mp, void *arg)
{
	const struct beneath *b = arg;
	char alias[NAME_MAX + 1];
	struct stat st;
	int fd = open(mp, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: stat %s", mp);
	if (holds_lightning_dir(fd))
		die(PR_EXIT_RUNNER, "mounts: %s %s has a mount beneath it, %s, that holds the "
		    "lightning-dir, which the plugin must not see (list a directory without "
		    "it, or take that mount away)", b->key, b->path, mp);
	if (ld_never_granted_alias(&st, alias, sizeof(alias)))
		die(PR_EXIT_RUNNER, "mounts: %s %s has a mount beneath it, %s, that is the "
		    "lightning-dir's %s, which the plugin must not see (list a directory "
		    "without it, or take that mount away)", b->key, b->path, mp, alias);
	close(fd);
}

static void check_submounts(const char *key, const char *path, const char *real)
{
	static struct buf mounts;	/* read once: the child plans once */
	static bool have;
	struct beneath b = { key, path };

	if (!have && mountinfo_read(&mounts) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: read /proc/self/mountinfo");
	have = true;
	mountinfo_beneath(buf_head(&mounts), mounts.len, real, check_submount, &b);
}

/* Open the resolved path `real` O_PATH, and in *parent the directory it
 * was looked up in ("/" for "/"). */
static int open_in_parent(const char *real, int *parent)
{
	const char *slash = strrchr(real, '/');
	const char *base = slash[1] ? slash + 1 : "/";
	char *dir = slash == real ? xstrdup("/") : xstrndup(real, (size_t)(slash - real));

	*parent = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*parent < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: open %s", dir);
	free(dir);
	return openat(*parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* A source path: a symlink is recreated as a symlink (merged /usr: /lib ->
 * usr/lib); anything else is bound at its real path. `key` names the
 * policy list it comes from, NULL for the plugin's own directory. */
static void plan_path(struct plan *pl, const char *path, bool rw, const char *key)
{
	struct stat st;
	char link[PATH_MAX], alias[NAME_MAX + 1];
	int parent = -1;

	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			die_errno(PR_EXIT_RUNNER, "mounts: %s", path);
		log_debug("mounts: %s does not exist, not bound", path);
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			die_errno(PR_EXIT_RUNNER, "mounts: readlink %s", path);
		link[n] = '\0';
		plan_add(pl, (struct item){ .kind = ITEM_SYMLINK, .dst = xstrdup(path),
					    .link = xstrdup(link), .fd = -1 });
		return;
	}
	char *real = realpath(path, NULL);
	if (!real)
		die_errno(PR_EXIT_RUNNER, "mounts: realpath %s", path);
	int fd = open_in_parent(real, &parent);
	if (fd < 0 || fstat(fd, &st) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: open %s", real);
	if (S_ISSOCK(st.st_mode))
		die(PR_EXIT_RUNNER, "mounts: %s is a socket; sockets are never bound into "
		    "the sandbox (remove it from the policy)", path);
	/* The plugin must never reach hsm_secret, the database or the real
	 * lightning-rpc, whatever the policy or the plugin's location says. */
	if (holds_lightning_dir(fd))
		die(PR_EXIT_RUNNER, "mounts: %s contains the lightning-dir, which the plugin "
		    "must not see (install the plugin outside the lightning-dir, and grant "
		    "lightning-dir entries with filesystem.lightning_dir)", path);
	/* Nor anything inside it by a path, which would skip the checks a
	 * lightning_dir grant gets. (The plugin's own directory may lie
	 * there: it holds what the operator installed, never the node's.) */
	if (key && beneath_lightning_dir(parent)) {
		/* named: run by hand from /, every path would be inside */
		char cwd[PATH_MAX];
		die(PR_EXIT_RUNNER, "mounts: %s path %s is inside the lightning-dir (%s, the "
		    "directory lightningd starts plugins in), which the plugin must not see "
		    "(grant what it needs there by name with filesystem.lightning_dir)", key,
		    path, getcwd(cwd, sizeof(cwd)) ? cwd : "the working directory");
	}
	if (key && ld_never_granted_alias(&st, alias, sizeof(alias)))
		die(PR_EXIT_RUNNER, "mounts: %s path %s is the lightning-dir's %s under another "
		    "name (a hard link), which the plugin must not see (remove it from the "
		    "policy)", key, path, alias);
	close(parent);
	if (S_ISDIR(st.st_mode))
		check_submounts(key ? key : "the plugin's directory", path, real);
	plan_add(pl, (struct item){ .kind = ITEM_BIND, .dst = real, .fd = fd, .rw = rw,
				    .is_dir = S_ISDIR(st.st_mode) });
}

/* A lightning-dir grant, relative to the cwd (the host's lightning-dir,
 * already translated into our mount namespace). policy.c judged the name,
 * so what is bound must be what the name is, never what a symbolic link
 * there points at (notes -> hsm_secret, up -> .., r -> /). A grant is one
 * plain name, so O_NOFOLLOW covers every component of its path. */
static void plan_ldentry(struct plan *pl, const struct pol_ldentry *e)
{
	struct stat st;
	char alias[NAME_MAX + 1];

	if (strchr(e->name, '/') || strcmp(e->name, "..") == 0 || strcmp(e->name, ".") == 0)
		die(PR_EXIT_RUNNER, "mounts: lightning_dir entry \"%s\" is not a plain name "
		    "(fix the policy)", e->name);
	if (strcmp(e->name, SANDBOX_RPC_NAME) == 0) {
		log_warn("mounts: lightning_dir entry \"%s\" ignored: the plugin gets the "
			 "runner's filtered socket there", e->name);
		return;
	}
	int fd = openat(AT_FDCWD, e->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			die_errno(PR_EXIT_RUNNER, "mounts: lightning-dir/%s", e->name);
		log_debug("mounts: lightning-dir/%s does not exist, not bound", e->name);
		return;
	}
	if (fstat(fd, &st) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: stat lightning-dir/%s", e->name);
	if (S_ISLNK(st.st_mode))
		die(PR_EXIT_RUNNER, "mounts: lightning_dir entry \"%s\" is a symbolic link, "
		    "and a grant never follows one (replace the link with the file or "
		    "directory itself, or grant the target by its own name if it is in "
		    "the lightning-dir)", e->name);
	if (S_ISSOCK(st.st_mode)) {
		/* The host's real RPC socket under another rpc-file name:
		 * the plugin must never reach it directly. */
		log_warn("mounts: lightning-dir/%s is a socket, not bound", e->name);
		close(fd);
		return;
	}
	/* policy.c judged the name; these judge what it is. */
	if (ld_never_granted_alias(&st, alias, sizeof(alias)))
		die(PR_EXIT_RUNNER, "mounts: lightning_dir entry \"%s\" is %s under another "
		    "name (a hard link), which is never granted (remove the grant)", e->name,
		    alias);
	if (holds_lightning_dir(fd))
		die(PR_EXIT_RUNNER, "mounts: lightning_dir entry \"%s\" contains the "
		    "lightning-dir (a bind mount of it or of a directory above it), which the "
		    "plugin must not see (remove the grant)", e->name);
	if (S_ISDIR(st.st_mode)) {
		char *real = realpath(e->name, NULL);
		if (!real)
			die_errno(PR_EXIT_RUNNER, "mounts: realpath lightning-dir/%s", e->name);
		check_submounts("lightning_dir entry", e->name, real);
		free(real);
	}
	plan_add(pl, (struct item){ .kind = ITEM_BIND,
				    .dst = xasprintf("%s/%s", SANDBOX_LIGHTNING_DIR, e->name),
				    .fd = fd, .rw = e->rw, .is_dir = S_ISDIR(st.st_mode) });
}

static size_t depth(const char *p)
{
	size_t d = 0;
	for (; *p; p++)
		d += *p == '/';
	return d;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	size_t dx = depth(x->dst), dy = depth(y->dst);
	/* parents before children, so a child bind is not hidden */
	return dx < dy ? -1 : dx > dy ? 1 : 0;
}

/* mkdir -p for `path` (absolute, under NEWROOT). Most parents exist
 * already: try the path itself first and walk down only when a parent is
 * missing (every mkdir is a syscall on the start-up path). */
static void mkdirs(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		die(PR_EXIT_RUNNER, "mounts: path too long: %s", path);
	if (mkdir(buf, 0755) == 0 || errno == EEXIST)
		return;
	if (errno != ENOENT)
		die_errno(PR_EXIT_RUNNER, "mounts: mkdir %s", buf);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			die_errno(PR_EXIT_RUNNER, "mounts: mkdir %s", buf);
		*s = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		die_errno(PR_EXIT_RUNNER, "mounts: mkdir %s", buf);
}

static void mkparents(const char *path)
{
	char *d = xstrdup(path);
	char *slash = strrchr(d, '/');
	if (slash && slash != d) {
		*slash = '\0';
		mkdirs(d);
	}
	free(d);
}

static void set_attrs(const char *target, uint64_t set, bool recursive)
{
	struct mount_attr attr = { .attr_set = set };
	if (mount_setattr(AT_FDCWD, target, recursive ? AT_RECURSIVE : 0, &attr,
			  sizeof(attr)) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: mount_setattr %s", target);
}

/* Bind the O_PATH fd `fd` at `dst` (under NEWROOT). */
static void bind_fd(int fd, const char *dst, bool is_dir, bool rw, uint64_t extra)
{
	char src[64];

	struct stat st;

	mkparents(dst);
	if (is_dir) {
		mkdirs(dst);
	} else if (lstat(dst, &st) < 0) {
		int f = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (f < 0)
			die_errno(PR_EXIT_RUNNER, "mounts: create %s", dst);
		if (f >= 0)
			close(f);
	}
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: bind %s", dst);
	set_attrs(dst, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | extra |
		  (rw ? 0 : MOUNT_ATTR_RDONLY), true);
}

static void mount_tmpfs(const char *dst, const char *opts, unsigned long flags)
{
	mkdirs(dst);
	if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV | flags, opts) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: tmpfs on %s", dst);
}

/* Copy the plugin from plugin_fd into the new root, hashing exactly the
 * bytes written; the copy is what runs. (A sealed memfd cannot be a bind
 * source: it lives in no mount namespace, so mount(2) says EINVAL.) */
static void pin_plugin(const struct launch *l)
{
	char buf[65536], hex[65];
	uint8_t dig[SHA256_DIGEST_LENGTH];
	SHA2_CTX ctx;
	struct stat st;
	off_t off = 0;

	if (fstat(l->plugin_fd, &st) < 0)
		die_errno(PR_EXIT_NOEXEC, "exec.sha256: stat %s", l->plugin_path);
	int out = open(NEWROOT PINNED_NAME, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out < 0)
		die_errno(PR_EXIT_RUNNER, "exec.sha256: create the pinned copy");
	SHA256Init(&ctx);
	for (;;) {
		ssize_t n = pread(l->plugin_fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_errno(PR_EXIT_NOEXEC, "exec.sha256: read %s", l->plugin_path);
		if (n == 0)
			break;
		SHA256Update(&ctx, (const uint8_t *)buf, (size_t)n);
		if (write_all(out, buf, (size_t)n) < 0)
			die_errno(PR_EXIT_RUNNER, "exec.sha256: write the pinned copy");
		off += n;
	}
	SHA256Final(dig, &ctx);
	for (size_t i = 0; i < sizeof(dig); i++)
		snprintf(hex + 2 * i, 3, "%02x", dig[i]);
	if (strcmp(hex, l->pol->exec_sha256) != 0)
		die(PR_EXIT_NOEXEC, "exec.sha256: %s has sha256 %s, the policy pins %s "
		    "(update exec.sha256 after reviewing the plugin)", l->plugin_path, hex,
		    l->pol->exec_sha256);
	if (fchmod(out, (st.st_mode & 0555) | 0500) < 0)
		die_errno(PR_EXIT_RUNNER, "exec.sha256: chmod the pinned copy");
	close(out);
	int fd = open(NEWROOT PINNED_NAME, O_PATH | O_CLOEXEC);
	if (fd < 0)
		die_errno(PR_EXIT_RUNNER, "exec.sha256: reopen the pinned copy");
	char dst[PATH_MAX];
	snprintf(dst, sizeof(dst), "%s%s", NEWROOT, l->plugin_path);
	bind_fd(fd, dst, false, false, 0);
	close(fd);
	log_debug("exec.sha256: verified copy bound over %s", l->plugin_path);
}

static void build_dev(void)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom" };
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	char host[64], dst[128];

	mount_tmpfs(NEWROOT "/dev", "mode=0755,size=64k", MS_NOEXEC);
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		snprintf(host, sizeof(host), "/dev/%s", nodes[i]);
		snprintf(dst, sizeof(dst), NEWROOT "/dev/%s", nodes[i]);
		int f = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (f < 0)
			die_errno(PR_EXIT_RUNNER, "mounts: create %s", dst);
		close(f);
		/* a bind keeps the node usable (mknod is impossible in a user
		 * namespace). The host's /dev is not under NEWROOT, so its
		 * path is still the host's node. */
		if (mount(host, dst, NULL, MS_BIND, NULL) < 0)
			die_errno(PR_EXIT_RUNNER, "mounts: bind %s", host);
	}
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		snprintf(dst, sizeof(dst), NEWROOT "/dev/%s", links[i][0]);
		if (symlink(links[i][1], dst) < 0)
			die_errno(PR_EXIT_RUNNER, "mounts: symlink %s", dst);
	}
	/* One call for /dev and every node bound on it: read-only, nosuid,
	 * noexec, but not nodev. Read-only stops creating and renaming
	 * entries, not writing to a device: the kernel asks a mount for
	 * write access only for regular files (and drops O_TRUNC on the
	 * others), so `> /dev/null` still works. */
	set_attrs(NEWROOT "/dev", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, true);
}

void sandbox_build_root(const struct launch *l)
{
	const struct policy *p = l->pol;
	struct plan pl = { 0 };
	char dst[PATH_MAX];

	/* Mount points get exactly the modes written here (the runner's
	 * umask is 077; the sandbox user must traverse them). */
	umask(0);
	/* cwd first, then the new mount namespace: unshare translates the
	 * cwd into the copy, so lightning-dir entries can be bind sources. */
	if (fchdir(l->lightning_dirfd) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: fchdir to the lightning-dir");
	if (unshare(CLONE_NEWNS) < 0) {
		if (getuid() != 0)
			die_errno(PR_EXIT_RUNNER, "namespaces: cannot create a mount namespace "
				  "in the user namespace " USERNS_FIX);
		die_errno(PR_EXIT_RUNNER, "namespaces: cannot create a mount namespace");
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: make / private");

	/* Open every source before anything is mounted over it. */
	for (size_t i = 0; i < p->sandbox.read_only.n; i++)
		plan_path(&pl, p->sandbox.read_only.v[i], false, "read_only");
	for (size_t i = 0; i < p->sandbox.read_write.n; i++)
		plan_path(&pl, p->sandbox.read_write.v[i], true, "read_write");
	char *pdir = xstrdup(l->plugin_path);
	plan_path(&pl, dirname(pdir), false, NULL);
	free(pdir);
	for (size_t i = 0; i < p->sandbox.nlightning_dir; i++)
		plan_ldentry(&pl, &p->sandbox.lightning_dir[i]);
	qsort(pl.v, pl.n, sizeof(*pl.v), item_cmp);

	mount_tmpfs(NEWROOT, "mode=0755,size=16m", 0);
	/* /lightning-dir and /tmp are their own tmpfs: the root ends
	 * read-only, and the RPC socket is bound in /lightning-dir later. */
	snprintf(dst, sizeof(dst), "%s%s", NEWROOT, SANDBOX_LIGHTNING_DIR);
	mount_tmpfs(dst, "mode=0755,size=1m", MS_NOEXEC);
	/* /tmp before the binds: a plugin or path under the host's /tmp
	 * is bound on top of it, not hidden by it. */
	mount_tmpfs(NEWROOT "/tmp", "mode=1777,size=256m", 0);
	for (size_t i = 0; i < pl.n; i++) {
		struct item *it = &pl.v[i];
		snprintf(dst, sizeof(dst), "%s%s", NEWROOT, it->dst);
		switch (it->kind) {
		case ITEM_SYMLINK:
			mkparents(dst);
			if (symlink(it->link, dst) < 0 && errno != EEXIST)
				die_errno(PR_EXIT_RUNNER, "mounts: symlink %s", it->dst);
			log_debug("mounts: symlink %s -> %s", it->dst, it->link);
			break;
		case ITEM_BIND:
			bind_fd(it->fd, dst, it->is_dir, it->rw, 0);
			close(it->fd);
			log_debug("mounts: bind %s (%s)", it->dst, it->rw ? "rw" : "ro");
			break;
		}
		free(it->dst);
		free(it->link);
	}
	free(pl.v);
	if (p->exec_sha256)
		pin_plugin(l);

	build_dev();
	mkdirs(NEWROOT "/proc");
	if (mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: mount /proc for the new pid namespace");

	/* pivot_root(".", "."): the old root ends up stacked on the new one
	 * and is detached at once; nothing of the host stays reachable. */
	if (chdir(NEWROOT) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: chdir to the new root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: detach the old root");
	if (chdir("/") < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: chdir /");
	set_attrs("/", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false);
	if (chdir(SANDBOX_LIGHTNING_DIR) < 0)
		die_errno(PR_EXIT_RUNNER, "mounts: chdir %s", SANDBOX_LIGHTNING_DIR);
	log_debug("mounts: new root in place, old root detached");
}

void sandbox_loopback_up(void)
{
	struct ifreq ifr = { 0 };

	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_errno(PR_EXIT_RUNNER, "network: socket for lo");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die_errno(PR_EXIT_RUNNER, "network: SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		die_errno(PR_EXIT_RUNNER, "network: bring lo up");
	close(fd);
	log_debug("network: loopback up");
}

static void set_limit(int res, const char *name, uint64_t v)
{
	struct rlimit rl;
	rl.rlim_cur = rl.rlim_max = v ? (rlim_t)v : RLIM_INFINITY;
	if (setrlimit(res, &rl) < 0)
		die_errno(PR_EXIT_RUNNER, "rlimits: %s", name);
}

void sandbox_set_as_limit(const struct policy *p)
{
	set_limit(RLIMIT_AS, "as", p->sandbox.limits.as);
}

void sandbox_set_rlimits(const struct policy *p)
{
	const struct pol_limits *lim = &p->sandbox.limits;

	set_limit(RLIMIT_NOFILE, "nofile", lim->nofile ? lim->nofile : POL_DEFAULT_NOFILE);
	set_limit(RLIMIT_NPROC, "nproc", lim->nproc ? lim->nproc : POL_DEFAULT_NPROC);
#if !defined(PR_SANITIZED)
	sandbox_set_as_limit(p);
#endif
	set_limit(RLIMIT_FSIZE, "fsize", lim->fsize);
	set_limit(RLIMIT_CPU, "cpu", lim->cpu);
	struct rlimit zero = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &zero) < 0)	/* a core could hold secrets */
		die_errno(PR_EXIT_RUNNER, "rlimits: core");
	log_debug("rlimits: set");
}

static json_t *limit_json(uint64_t v)
{
	return v ? json_integer((json_int_t)v) : json_string("unlimited");
}

void sandbox_describe(const struct policy *p, json_t *out)
{
	bool root = geteuid() == 0;
	int flags = sandbox_clone_flags(p, !root);
	const struct pol_limits *lim = &p->sandbox.limits;

	json_t *ns = json_array();
	if (flags & CLONE_NEWUSER)
		json_array_append_new(ns, json_string("user"));
	json_array_append_new(ns, json_string("mount"));
	json_array_append_new(ns, json_string("pid"));
	if (flags & CLONE_NEWNET)
		json_array_append_new(ns, json_string("net"));
	json_array_append_new(ns, json_string("ipc"));
	json_array_append_new(ns, json_string("uts"));
	json_array_append_new(ns, json_string("cgroup"));
	json_object_set_new(out, "namespaces", ns);
	json_object_set_new(out, "network",
			    json_string(p->sandbox.network == POL_NET_HOST ? "host" :
					p->sandbox.network == POL_NET_LOOPBACK ? "loopback" : "none"));
	json_object_set_new(out, "user", root ?
		json_string(p->sandbox.user ? p->sandbox.user : POL_DEFAULT_USER) :
		json_string("<invoking user, mapped in a user namespace>"));

	json_t *m = json_array();
	json_array_append_new(m, json_pack("{s:s,s:s}", "path", "/", "type", "tmpfs (read-only)"));
	for (size_t i = 0; i < p->sandbox.read_only.n; i++)
		json_array_append_new(m, json_pack("{s:s,s:s}", "path", p->sandbox.read_only.v[i],
						   "type", "bind (read-only)"));
	for (size_t i = 0; i < p->sandbox.read_write.n; i++)
		json_array_append_new(m, json_pack("{s:s,s:s}", "path", p->sandbox.read_write.v[i],
						   "type", "bind (read-write)"));
	json_array_append_new(m, json_pack("{s:s,s:s}", "path", "<plugin dir>",
					   "type", "bind (read-only)"));
	if (p->exec_sha256)
		json_array_append_new(m, json_pack("{s:s,s:s}", "path", "<plugin>",
						   "type", "verified copy (sha256 pinned)"));
	json_array_append_new(m, json_pack("{s:s,s:s}", "path", "/proc", "type", "proc"));
	json_array_append_new(m, json_pack("{s:s,s:s}", "path", "/dev", "type",
					   "tmpfs, read-only: null zero full random urandom"));
	json_array_append_new(m, json_pack("{s:s,s:s}", "path", "/tmp", "type", "tmpfs"));
	json_array_append_new(m, json_pack("{s:s,s:s}", "path", SANDBOX_LIGHTNING_DIR,
					   "type", "tmpfs"));
	for (size_t i = 0; i < p->sandbox.nlightning_dir; i++) {
		const struct pol_ldentry *e = &p->sandbox.lightning_dir[i];
		char *path = xasprintf("%s/%s", SANDBOX_LIGHTNING_DIR, e->name);
		json_array_append_new(m, json_pack("{s:s,s:s}", "path", path, "type",
			e->rw ? "bind from lightning-dir (read-write)"
			      : "bind from lightning-dir (read-only)"));
		free(path);
	}
	json_array_append_new(m, json_pack("{s:s,s:s}", "path", SANDBOX_RPC_PATH,
					   "type", "socket (filtered by the runner)"));
	json_object_set_new(out, "mounts", m);

	json_object_set_new(out, "limits", json_pack("{s:o,s:o,s:o,s:o,s:o,s:i}",
		"nofile", limit_json(lim->nofile ? lim->nofile : POL_DEFAULT_NOFILE),
		"nproc", limit_json(lim->nproc ? lim->nproc : POL_DEFAULT_NPROC),
		"as", limit_json(lim->as), "fsize", limit_json(lim->fsize),
		"cpu", limit_json(lim->cpu), "core", 0));
	json_t *ll = json_object();
	landlock_describe(p, ll);
	json_object_set_new(out, "landlock", ll);
	json_t *sc = json_object();
	seccomp_filter_describe(p, sc);
	json_object_set_new(out, "seccomp", sc);
}
