/* landlock.h - Landlock rulesets (SPEC 7 step 3): probe the ABI, create the
 * ruleset before clone (STYLE P4), add path rules inside the new root,
 * enforce. Setup code: dies with PR_EXIT_RUNNER. */
#ifndef PR_LANDLOCK_H
#define PR_LANDLOCK_H

#include <jansson.h>
#include "policy.h"

/* The kernel's Landlock ABI version, 0 when it has none. */
int landlock_abi(void);

/* A ruleset for the plugin: every fs right the ABI knows is handled; with
 * network none/loopback TCP bind/connect are handled (ABI >= 4) with no
 * rule; ABI >= 6 scopes abstract unix sockets and signals. Returns the fd
 * (CLOEXEC), or -1 when the kernel has no Landlock (the other layers still
 * stand; logged). */
int landlock_plugin_ruleset(const struct policy *p);

/* Child, after pivot_root: allow read+exec beneath the read-only binds and
 * the plugin dir, read/write beneath read_write, /tmp, the lightning-dir
 * grants, the /dev nodes, read on /proc. */
void landlock_add_plugin_rules(int ruleset_fd, const struct policy *p,
			       const char *plugin_dir);

/* The runner's ruleset: all fs rights handled, no rule at all. */
int landlock_runner_ruleset(void);

/* landlock_restrict_self() and close the fd; no-op for -1. Requires NNP. */
void landlock_enforce(int ruleset_fd);

/* Summary for `check`. */
void landlock_describe(const struct policy *p, json_t *out);

#endif
