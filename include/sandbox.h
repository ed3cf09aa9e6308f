/* sandbox.h - namespaces, id maps, the private root, rlimits (SPEC 7 steps
 * 1-3). Each function does one step; spawn.c decides when. Setup code: dies
 * with PR_EXIT_RUNNER and a "(fix)" on failure. */
#ifndef PR_SANDBOX_H
#define PR_SANDBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>
#include "policy.h"

struct launch;

/* CLONE_NEW* flags for the policy; with_userns when not root. CLONE_NEWNS
 * is not among them: the child unshares it itself after fchdir() into the
 * lightning-dir, so that dir's entries can be bind sources (fds opened in
 * another mount namespace cannot). */
int sandbox_clone_flags(const struct policy *p, bool with_userns);

/* clone(2) with `flags` | SIGCHLD, fork-like (returns 0 in the child).
 * Dies with the layer and its fix when a namespace cannot be created. */
pid_t sandbox_clone(int flags);

/* Parent side of a user namespace: setgroups=deny, then map only the
 * invoking uid/gid onto themselves. */
void sandbox_write_idmaps(pid_t pid, uid_t uid, gid_t gid);

/* Child: private mount namespace and the new root: tmpfs /, the policy's
 * binds, the plugin's directory (read-only at its real path), /proc,
 * minimal /dev, tmpfs /tmp, /lightning-dir with the granted entries;
 * pivot_root, old root detached, cwd /lightning-dir. When the policy pins
 * exec.sha256, the plugin is copied into the new root, the copy's hash is
 * checked (126 on mismatch) and the copy is bound read-only over the
 * plugin's path. The root tmpfs ends read-only; /tmp and /lightning-dir
 * are tmpfs of their own (the RPC socket is bound there afterwards). */
void sandbox_build_root(const struct launch *l);

/* Child, in its own net namespace: bring lo up (network "loopback"). */
void sandbox_loopback_up(void);

/* Child: RLIMIT_NOFILE/NPROC/AS/FSIZE/CPU from the policy, CORE=0.
 * Under PR_SANITIZED (build time only, STYLE C17) AS is left out: the
 * sanitizer runtime reserves terabytes of shadow memory, so spawn.c sets
 * it with sandbox_set_as_limit() right before exec instead. */
void sandbox_set_rlimits(const struct policy *p);
void sandbox_set_as_limit(const struct policy *p);

/* For `plugin-runner check`: fill `out` with what the policy produces
 * (namespaces, mounts, uid, limits, landlock, seccomp). */
void sandbox_describe(const struct policy *p, json_t *out);

#endif
