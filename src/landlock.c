/* landlock.c - Landlock rulesets (STYLE C10): probe the ABI, handle every
 * fs right the ABI knows (a table indexed by ABI), TCP bind/connect when the
 * policy wants no outside network (ABI >= 4), scope abstract unix sockets
 * and signals (ABI >= 6); path rules for the sandbox's own tree; enforce.
 * Must not: decide when it runs (spawn.c), mount, or change ids.
 * Called by: spawn.c; sandbox.c for `check`. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "compat.h"
#include "exitcodes.h"
#include "landlock.h"
#include "log.h"
#include "spawn.h"
#include "util.h"

#define LL_FS_V1 (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | \
	LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | \
	LANDLOCK_ACCESS_FS_MAKE_SYM)
#define LL_FS_V2 (LL_FS_V1 | LANDLOCK_ACCESS_FS_REFER)
#define LL_FS_V3 (LL_FS_V2 | LANDLOCK_ACCESS_FS_TRUNCATE)
#define LL_FS_V5 (LL_FS_V3 | LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* Handled fs rights per ABI (index = ABI; ABI 4, 6 and 7 add no fs right). */
static const uint64_t fs_handled[] = {
	[0] = 0, [1] = LL_FS_V1, [2] = LL_FS_V2, [3] = LL_FS_V3, [4] = LL_FS_V3,
	[5] = LL_FS_V5, [6] = LL_FS_V5, [7] = LL_FS_V5,
};
#define LL_MAX_KNOWN ((int)ARRAY_SIZE(fs_handled) - 1)

/* Rights granted beneath a path, before masking with what is handled. */
#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_RX (LL_READ | LANDLOCK_ACCESS_FS_EXECUTE)
#define LL_RW (LL_RX | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | \
	LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | \
	LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER | \
	LANDLOCK_ACCESS_FS_TRUNCATE)
/* A character device: read and write it, ioctl it (terminals), no more. */
#define LL_DEV (LL_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)
/* Files granted read-only: no EXECUTE; rw files: no directory rights. */
#define LL_FILE_RO (LANDLOCK_ACCESS_FS_READ_FILE)
#define LL_FILE_RW (LANDLOCK_ACCESS_FS_READ_FILE | \
	LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)

static void allow_path(int ruleset_fd, const char *path, uint64_t access, bool must);

int landlock_abi(void)
{
	/* The kernel's ABI does not change while we run: ask once (the
	 * child inherits the answer). */
	static int cached = -1;
	if (cached >= 0)
		return cached;
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	cached = abi < 0 ? 0 : (int)abi;
	return cached;
}

static int clamp_abi(int abi)
{
	return abi > LL_MAX_KNOWN ? LL_MAX_KNOWN : abi;
}

static int ruleset_new(int abi, bool no_tcp, uint64_t scopes)
{
	struct pr_landlock_ruleset_attr attr = {
		.handled_access_fs = fs_handled[abi],
	};
	size_t size = sizeof(attr.handled_access_fs);

	if (abi >= 4) {
		if (no_tcp)
			attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP |
						  LANDLOCK_ACCESS_NET_CONNECT_TCP;
		size = offsetof(struct pr_landlock_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = scopes;
		size = sizeof(attr);
	}
	int fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (fd < 0)
		die_errno(PR_EXIT_RUNNER, "landlock: cannot create a ruleset (ABI %d)", abi);
	set_cloexec(fd, true);
	return fd;
}

int landlock_plugin_ruleset(const struct policy *p)
{
	int abi = landlock_abi();
	if (abi < 1) {
		/* The namespaces, private root, dropped ids and seccomp still
		 * confine the plugin; Landlock is defence in depth. */
		log_warn("landlock: not available in this kernel; continuing with the other layers "
			 "(boot with lsm=...,landlock to enable it)");
		return -1;
	}
	abi = clamp_abi(abi);
	log_debug("landlock: ABI %d", abi);
	/* Scoped: no abstract unix socket of the host (the netns does not
	 * cover those), no signal to any process outside the sandbox. */
	/* TCP is handled (with no rule: no bind, no connect) for network
	 * "none"; "loopback" must bind and connect on its own lo, which
	 * Landlock cannot tell from other addresses: its own network
	 * namespace is what keeps it from the outside. */
	return ruleset_new(abi, p->sandbox.network == POL_NET_NONE,
			   LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL);
}

int landlock_runner_ruleset(void)
{
	int abi = landlock_abi();
	if (abi < 1) {
		log_warn("landlock: not available; the runner relies on seccomp alone");
		return -1;
	}
	/* The relay opens no file; its upstream connect() to a pathname
	 * unix socket is not an fs access right Landlock governs. TCP is
	 * handled with no rule: the relay never speaks TCP. Signals are not
	 * scoped: the relay must still signal the reaper, which lives in a
	 * domain of its own. */
	int fd = ruleset_new(clamp_abi(abi), true, LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET);
#if defined(PR_SANITIZED)
	/* Build-time only (STYLE C17): LeakSanitizer reads /proc/self/task
	 * and /proc/self/maps at exit. */
	allow_path(fd, "/proc", LL_READ, true);
#endif
	return fd;
}

/* Allow `access` beneath `path` (inside the new root). A path the plan did
 * not create is skipped: nothing is there to allow. */
static void allow_path(int ruleset_fd, const char *path, uint64_t access, bool must)
{
	int abi = clamp_abi(landlock_abi());
	struct landlock_path_beneath_attr pb = { 0 };
	struct stat st;

	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (must || errno != ENOENT)
			die_errno(PR_EXIT_RUNNER, "landlock: open %s", path);
		return;
	}
	if (fstat(fd, &st) < 0)
		die_errno(PR_EXIT_RUNNER, "landlock: stat %s", path);
	if (!S_ISDIR(st.st_mode))
		/* Directory rights on a file or device are EINVAL. */
		access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
			  LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
			  LANDLOCK_ACCESS_FS_IOCTL_DEV;
	pb.allowed_access = access & fs_handled[abi];
	pb.parent_fd = fd;
	if (pb.allowed_access &&
	    syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
		die_errno(PR_EXIT_RUNNER, "landlock: rule for %s", path);
	close(fd);
}

void landlock_add_plugin_rules(int ruleset_fd, const struct policy *p,
			       const char *plugin_dir)
{
	static const char *const devs[] = {
		"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
	};

	if (ruleset_fd < 0)
		return;
	for (size_t i = 0; i < p->sandbox.read_only.n; i++)
		allow_path(ruleset_fd, p->sandbox.read_only.v[i], LL_RX, false);
	for (size_t i = 0; i < p->sandbox.read_write.n; i++)
		allow_path(ruleset_fd, p->sandbox.read_write.v[i], LL_RW, false);
	allow_path(ruleset_fd, plugin_dir, LL_RX, true);
	allow_path(ruleset_fd, "/tmp", LL_RW, true);
	/* Listing any directory: everything visible was put there on purpose
	 * (the root is our own tmpfs of mount points). */
	allow_path(ruleset_fd, "/", LANDLOCK_ACCESS_FS_READ_DIR, true);
	allow_path(ruleset_fd, "/proc", LL_READ, true);
	/* /dev itself must be listable for ttyname() and friends. */
	allow_path(ruleset_fd, "/dev", LANDLOCK_ACCESS_FS_READ_DIR, true);
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
		allow_path(ruleset_fd, devs[i], LL_DEV, true);
	/* The lightning-dir: listable (the rpc socket is in it), and each
	 * granted entry as the policy says. */
	allow_path(ruleset_fd, SANDBOX_LIGHTNING_DIR, LANDLOCK_ACCESS_FS_READ_DIR, true);
	for (size_t i = 0; i < p->sandbox.nlightning_dir; i++) {
		const struct pol_ldentry *e = &p->sandbox.lightning_dir[i];
		char *path = xasprintf("%s/%s", SANDBOX_LIGHTNING_DIR, e->name);
		struct stat st;
		bool dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
		uint64_t acc = dir ? (e->rw ? (LL_RW & ~LANDLOCK_ACCESS_FS_EXECUTE) : LL_READ)
				   : (e->rw ? LL_FILE_RW : LL_FILE_RO);
		allow_path(ruleset_fd, path, acc, false);
		free(path);
	}
	log_debug("landlock: plugin rules added");
}

void landlock_enforce(int ruleset_fd)
{
	if (ruleset_fd < 0)
		return;
	if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) < 0)
		die_errno(PR_EXIT_RUNNER, "landlock: restrict_self");
	close(ruleset_fd);
	log_debug("landlock: enforced");
}

void landlock_describe(const struct policy *p, json_t *out)
{
	int abi = landlock_abi();
	json_object_set_new(out, "abi", json_integer(abi));
	json_object_set_new(out, "enforced", json_boolean(abi >= 1));
	json_object_set_new(out, "tcp_handled",
			    json_boolean(abi >= 4 && p->sandbox.network == POL_NET_NONE));
	json_object_set_new(out, "scoped_abstract_unix_and_signals", json_boolean(abi >= 6));
	json_t *rules = json_array();
	for (size_t i = 0; i < p->sandbox.read_only.n; i++)
		json_array_append_new(rules, json_pack("{s:s,s:s}", "path",
			p->sandbox.read_only.v[i], "access", "read,execute"));
	for (size_t i = 0; i < p->sandbox.read_write.n; i++)
		json_array_append_new(rules, json_pack("{s:s,s:s}", "path",
			p->sandbox.read_write.v[i], "access", "read,write,execute"));
	json_array_append_new(rules, json_pack("{s:s,s:s}", "path", "<plugin dir>",
					       "access", "read,execute"));
	json_array_append_new(rules, json_pack("{s:s,s:s}", "path", "/tmp", "access",
					       "read,write,execute"));
	json_array_append_new(rules, json_pack("{s:s,s:s}", "path", "/proc", "access", "read"));
	json_array_append_new(rules, json_pack("{s:s,s:s}", "path",
		"/dev/{null,zero,full,random,urandom}", "access", "read,write"));
	for (size_t i = 0; i < p->sandbox.nlightning_dir; i++) {
		const struct pol_ldentry *e = &p->sandbox.lightning_dir[i];
		char *path = xasprintf("%s/%s", SANDBOX_LIGHTNING_DIR, e->name);
		json_array_append_new(rules, json_pack("{s:s,s:s}", "path", path,
			"access", e->rw ? "read,write" : "read"));
		free(path);
	}
	json_object_set_new(out, "rules", rules);
}
