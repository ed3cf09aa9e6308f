/* exitcodes.h - the runner's own exit statuses (SPEC section 2, plugin-runner(1)).
 * Anything else is the plugin's own status, or 128+N when it died of signal N. */
#ifndef PR_EXITCODES_H
#define PR_EXITCODES_H

enum pr_exit {
	PR_EXIT_RUNNER = 125,	/* usage, policy, or sandbox setup failed: see stderr */
	PR_EXIT_NOEXEC = 126,	/* plugin found but not executable, or identity mismatch */
	PR_EXIT_NOENT  = 127,	/* plugin not found */
};

#endif
