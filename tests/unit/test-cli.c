/* test-cli.c - the command line of SPEC section 2: runner options stop at
 * PLUGIN, everything after goes to the plugin untouched, environment forms
 * apply, errors are one line with the fix. */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "tap.h"

static int parse(struct cli *c, char *err, int argc, char **argv)
{
	return cli_parse(argc, argv, c, err, 512);
}

int main(void)
{
	struct cli c;
	char err[512];

	unsetenv("PLUGIN_RUNNER_POLICY");
	unsetenv("PLUGIN_RUNNER_POLICY_DIR");
	unsetenv("PLUGIN_RUNNER_AUDIT");
	unsetenv("PLUGIN_RUNNER_GRACE");

	char *a1[] = { "pr", "/p/plugin.py", "--dev-debug-self", "--developer", NULL };
	is_int(parse(&c, err, 4, a1), 0, "plain run parses");
	is_int(c.cmd, CMD_RUN, "run command");
	is_str(c.plugin, "/p/plugin.py", "plugin path");
	is_int(c.plugin_argc, 2, "two plugin args");
	is_str(c.plugin_argv[0], "--dev-debug-self", "host flags reach the plugin in order (1)");
	is_str(c.plugin_argv[1], "--developer", "host flags reach the plugin in order (2)");
	ok(c.grace == 5.0, "grace defaults to 5 s");

	char *a2[] = { "pr", "--policy", "/x.json", "--audit", "--grace=2.5", "/p/plug", "--policy", "y", NULL };
	is_int(parse(&c, err, 8, a2), 0, "options then plugin");
	is_str(c.policy_file, "/x.json", "--policy");
	ok(c.audit, "--audit");
	ok(c.grace == 2.5, "--grace=2.5");
	is_int(c.plugin_argc, 2, "options after PLUGIN belong to the plugin");
	is_str(c.plugin_argv[0], "--policy", "... untouched");

	setenv("PLUGIN_RUNNER_POLICY_DIR", "/etc/pr-test", 1);
	setenv("PLUGIN_RUNNER_AUDIT", "1", 1);
	char *a3[] = { "pr", "/p/plug", NULL };
	is_int(parse(&c, err, 2, a3), 0, "environment forms");
	is_str(c.policy_dir, "/etc/pr-test", "PLUGIN_RUNNER_POLICY_DIR");
	ok(c.audit, "PLUGIN_RUNNER_AUDIT=1");
	char *a3b[] = { "pr", "--policy-dir", "/other", "/p/plug", NULL };
	parse(&c, err, 4, a3b);
	is_str(c.policy_dir, "/other", "an option beats its environment form");
	setenv("PLUGIN_RUNNER_AUDIT", "0", 1);
	parse(&c, err, 2, a3);
	ok(!c.audit, "PLUGIN_RUNNER_AUDIT=0 is off");
	/* permissive mode is never a guess: false means off, junk is refused */
	setenv("PLUGIN_RUNNER_AUDIT", "false", 1);
	is_int(parse(&c, err, 2, a3), 0, "PLUGIN_RUNNER_AUDIT=false parses");
	ok(!c.audit, "PLUGIN_RUNNER_AUDIT=false is off");
	setenv("PLUGIN_RUNNER_AUDIT", "Yes", 1);
	parse(&c, err, 2, a3);
	ok(c.audit, "PLUGIN_RUNNER_AUDIT=Yes is on");
	setenv("PLUGIN_RUNNER_AUDIT", "disabled", 1);
	is_int(parse(&c, err, 2, a3), -1, "PLUGIN_RUNNER_AUDIT=disabled is refused");
	ok(strstr(err, "PLUGIN_RUNNER_AUDIT=disabled") && strstr(err, "(use 1 or 0)"),
	   "... saying so: %s", err);
	unsetenv("PLUGIN_RUNNER_POLICY_DIR");
	unsetenv("PLUGIN_RUNNER_AUDIT");

	char *a4[] = { "pr", "--bogus", "/p/plug", NULL };
	is_int(parse(&c, err, 3, a4), -1, "unknown option refused");
	ok(strstr(err, "--bogus") && strstr(err, "("), "error names the option and the fix: %s", err);
	char *a5[] = { "pr", "--audit", NULL };
	is_int(parse(&c, err, 2, a5), -1, "no plugin refused");
	char *a6[] = { "pr", "--grace", "soon", "/p", NULL };
	is_int(parse(&c, err, 4, a6), -1, "bad --grace refused");
	char *a7[] = { "pr", "--policy", NULL };
	is_int(parse(&c, err, 2, a7), -1, "--policy without a value refused");

	char *a8[] = { "pr", "check", "--policy", "/x.json", NULL };
	is_int(parse(&c, err, 4, a8), 0, "check --policy");
	is_int(c.cmd, CMD_CHECK, "check command");
	char *a9[] = { "pr", "check", NULL };
	is_int(parse(&c, err, 2, a9), -1, "check needs a policy or plugin");
	char *a10[] = { "pr", "shim", "/p/plug", "/dir", NULL };
	is_int(parse(&c, err, 4, a10), 0, "shim PLUGIN DIR");
	is_str(c.shim_dir, "/dir", "shim dir");
	char *a11[] = { "pr", "--version", NULL };
	parse(&c, err, 2, a11);
	is_int(c.cmd, CMD_VERSION, "--version");
	return tap_done();
}
