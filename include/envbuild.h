/* envbuild.h - the plugin's environment, rebuilt from the policy's env
 * section plus LIGHTNINGD_PLUGIN and LIGHTNINGD_VERSION (SPEC section 3). */
#ifndef PR_ENVBUILD_H
#define PR_ENVBUILD_H

#include "policy.h"

/* NULL-terminated "K=V" array, malloc'd. `host` is the runner's environ. */
char **envbuild(const struct policy *p, char *const *host);

#endif
