/* relay.h - the runner's event loop: stdio both ways through the gate, the
 * RPC proxy, signals, the plugin's exit. */
#ifndef PR_RELAY_H
#define PR_RELAY_H

#include <stdbool.h>
#include "policy.h"
#include "spawn.h"

struct learn;

struct exposure;

struct relay_cfg {
	const struct policy *pol;
	struct child *child;
	int pidfd;		/* pidfd of child->pid, opened before confinement */
	bool audit;
	double grace;		/* seconds between closing the plugin's stdin and SIGKILL */
	struct learn *learn;	/* may be NULL */
	const struct exposure *exposure;	/* what the sandbox binds; may be NULL */
};

/* Run until the plugin is gone; returns the runner's exit status. */
int relay_run(const struct relay_cfg *cfg);

#endif
