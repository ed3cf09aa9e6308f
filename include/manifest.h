/* manifest.h - filter a plugin's getmanifest answer against the policy and
 * record what it registered (for gating the host's later traffic).
 * Pure: works on a jansson DOM, no I/O, no logging. */
#ifndef PR_MANIFEST_H
#define PR_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include "policy.h"

struct registry {
	struct strlist methods;		/* rpcmethods kept */
	struct strlist hooks;		/* hook names kept */
	struct strlist topics;		/* subscriptions kept (may hold "*") */
	struct strlist notifications;	/* custom topics the plugin may emit */
	bool cancheck;
};

/* Filter `result` (the manifest object) in place:
 *  - rpcmethods: kept if policy manifest.rpcmethods matches and the name is
 *    not a lightningd built-in command (never, whatever the policy);
 *  - hooks (strings or {name,before,after,filters} objects): exact names only;
 *  - subscriptions: globs, but "*" only if the policy lists "*" itself;
 *  - notifications [{method}], options [{name,...}]: globs on the names;
 *  - featurebits: removed unless manifest.featurebits;
 *  - custommessages: numbers the policy allows;
 *  - nonnumericids: removed unless it is exactly true;
 *  - unknown top-level keys: removed.
 * Every removal appends a line to *violations ("hook rpc_command not allowed").
 * Returns 0 if the (filtered) manifest may go to the host; -1 if it must be
 * refused: on_violation is "refuse" and something was removed, or result is
 * not an object. On -1, *why says why. reg is filled on 0. */
int manifest_filter(json_t *result, const struct policy *p, struct registry *reg,
		    struct strlist *violations, char *why, size_t whylen);
void registry_free(struct registry *r);

/* lightningd's built-in commands (v26.06.6), from lightningd-commands.json. */
bool builtin_command(const char *name);

/* Is name one of lightningd's own command-line options (v26.06.6)? A
 * plugin registering one stops lightningd at start-up. Generated:
 * src/builtin_options.c, tools/gen-builtin-options.py. */
bool builtin_option(const char *name);

void strlist_push(struct strlist *l, const char *s);	/* copies s */
/* Is name in v[0..n), sorted by strcmp()? (the generated tables) */
bool sorted_names_has(const char *const *v, size_t n, const char *name);
void strlist_free(struct strlist *l);

#endif
