/* spawn.h - start the plugin inside its sandbox (SPEC section 7), and later
 * confine the runner itself. spawn.c is the only file that knows the order
 * of the privileged steps; sandbox.c, privs.c, landlock.c and
 * seccomp_filter.c each do one layer. */
#ifndef PR_SPAWN_H
#define PR_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>
#include "policy.h"

/* Paths the plugin sees (constants so the relay can rewrite init). */
#define SANDBOX_LIGHTNING_DIR	"/lightning-dir"
#define SANDBOX_RPC_NAME	"lightning-rpc"
#define SANDBOX_RPC_PATH	SANDBOX_LIGHTNING_DIR "/" SANDBOX_RPC_NAME

struct launch {
	const struct policy *pol;
	const char *plugin_path;	/* resolved real path, absolute */
	int plugin_fd;			/* O_RDONLY|O_CLOEXEC, identity-checked */
	char *const *argv;		/* [plugin_path, PLUGIN-ARGS..., NULL] */
	char *const *envp;		/* already rebuilt from policy env (+LIGHTNINGD_*),
					 * copies: the runner's own environ strings are
					 * wiped in the sandbox before the plugin starts */
	int lightning_dirfd;		/* the runner's cwd at start = lightningd's netdir */
	bool confine_runner;		/* spawn_plugin() ends with spawn_confine_runner() */
};

struct child {
	pid_t pid;		/* what the runner waits for (the pid-1 reaper) */
	int stdin_fd;		/* runner writes -> plugin fd 0 (blocking, CLOEXEC) */
	int stdout_fd;		/* runner reads <- plugin fd 1 (blocking, CLOEXEC) */
	int rpc_listen_fd;	/* listening AF_UNIX socket bound at SANDBOX_RPC_PATH */
	int pidfd;		/* pidfd of pid (opened before the runner is confined) */
};

/* Build every layer, clone, and wait until the child reports that the
 * sandbox is complete and exec is about to happen. With l->confine_runner
 * the runner confines itself (spawn_confine_runner) while the child is
 * still building the sandbox, right after handing over its filters, so
 * that is off the start-up path and before any byte from the plugin.
 * Any failure: die() with PR_EXIT_RUNNER (layer + fix), PR_EXIT_NOEXEC or
 * PR_EXIT_NOENT. */
void spawn_plugin(const struct launch *l, struct child *c);

/* Confine the relay (privilege separation): drop to an unprivileged uid when
 * root, clear capabilities, no_new_privs, an empty Landlock ruleset, and a
 * seccomp allowlist of what relaying needs. connect() to the host's socket
 * by path must keep working. spawn_plugin() calls it (confine_runner);
 * public for the tests. */
void spawn_confine_runner(const struct launch *l);

/* Map a wait status of the reaper/plugin to the runner's exit status. */
int spawn_exit_status(int wstatus);

#endif
