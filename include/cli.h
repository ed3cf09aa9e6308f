/* cli.h - the command line (SPEC section 2) and its environment forms. */
#ifndef PR_CLI_H
#define PR_CLI_H

#include <stdbool.h>

enum cli_cmd { CMD_RUN, CMD_CHECK, CMD_SHIM, CMD_VERSION, CMD_HELP };

struct cli {
	enum cli_cmd cmd;
	const char *policy_file;	/* --policy / PLUGIN_RUNNER_POLICY */
	const char *policy_dir;		/* --policy-dir / PLUGIN_RUNNER_POLICY_DIR */
	const char *learn_file;		/* --learn / PLUGIN_RUNNER_LEARN */
	bool audit;			/* --audit / PLUGIN_RUNNER_AUDIT=1 */
	bool verbose;			/* --verbose / PLUGIN_RUNNER_VERBOSE=1 */
	double grace;			/* --grace / PLUGIN_RUNNER_GRACE, seconds */
	const char *plugin;		/* PLUGIN (run, check, shim) */
	const char *shim_dir;		/* shim: DIR */
	char **plugin_argv;		/* run: PLUGIN-ARGS (NULL-terminated) */
	int plugin_argc;
};

/* Parse argv into *c. On a usage error, fills err (one line, with the fix)
 * and returns -1. */
int cli_parse(int argc, char **argv, struct cli *c, char *err, size_t errlen);
const char *cli_usage(void);

#endif
