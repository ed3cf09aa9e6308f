/* cli.c - turn argv and the PLUGIN_RUNNER_* environment into struct cli.
 * Runner options stop at the first non-option argument: everything from
 * PLUGIN on belongs to the plugin, untouched (--developer included). The
 * environment forms exist because lightningd passes no options of its own.
 * Pure: no exit, no logging. Called by main.c. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "cli.h"

#define DEFAULT_GRACE 5.0

static const char usage[] =
	"usage: plugin-runner [--policy FILE] [--policy-dir DIR] [--audit]\n"
	"                     [--learn FILE] [--grace SECONDS] [--verbose]\n"
	"                     PLUGIN [PLUGIN-ARGS...]\n"
	"       plugin-runner check [--policy FILE | --policy-dir DIR] [PLUGIN]\n"
	"       plugin-runner shim PLUGIN DIR\n"
	"       plugin-runner --version | --help\n";

const char *cli_usage(void)
{
	return usage;
}

/* An on/off variable: unset or empty is off; 1/true/yes/on and
 * 0/false/no/off say so; anything else is an error, not a guess: AUDIT=false
 * read as "set, so on" would turn the policy off for an operator who asked
 * the opposite. */
static int env_flag(const char *name, bool *on, char *err, size_t errlen)
{
	static const char *const yes[] = { "1", "true", "yes", "on", NULL };
	static const char *const no[] = { "0", "false", "no", "off", NULL };
	const char *v = getenv(name);

	*on = false;
	if (!v || !*v)
		return 0;
	for (size_t i = 0; no[i]; i++)
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	for (size_t i = 0; yes[i]; i++)
		if (strcasecmp(v, yes[i]) == 0) {
			*on = true;
			return 0;
		}
	snprintf(err, errlen, "%s=%.64s is neither on nor off (use 1 or 0)", name, v);
	return -1;
}

static int parse_grace(const char *s, double *out)
{
	char *end;
	double g = strtod(s, &end);
	if (end == s || *end || !(g >= 0) || g > 3600)
		return -1;
	*out = g;
	return 0;
}

/* Options take their value as the next argument or after '='. */
static const char *opt_value(const char *arg, const char *name, int *i,
			     int argc, char **argv, bool *matched)
{
	size_t n = strlen(name);
	*matched = false;
	if (strncmp(arg, name, n) != 0)
		return NULL;
	if (arg[n] == '=') {
		*matched = true;
		return arg + n + 1;
	}
	if (arg[n] != '\0')
		return NULL;
	*matched = true;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

int cli_parse(int argc, char **argv, struct cli *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->cmd = CMD_RUN;
	c->policy_file = getenv("PLUGIN_RUNNER_POLICY");
	c->policy_dir = getenv("PLUGIN_RUNNER_POLICY_DIR");
	c->learn_file = getenv("PLUGIN_RUNNER_LEARN");
	if (env_flag("PLUGIN_RUNNER_AUDIT", &c->audit, err, errlen) < 0 ||
	    env_flag("PLUGIN_RUNNER_VERBOSE", &c->verbose, err, errlen) < 0)
		return -1;
	c->grace = DEFAULT_GRACE;
	if (c->policy_file && !*c->policy_file)
		c->policy_file = NULL;
	if (c->policy_dir && !*c->policy_dir)
		c->policy_dir = NULL;
	if (c->learn_file && !*c->learn_file)
		c->learn_file = NULL;
	const char *g = getenv("PLUGIN_RUNNER_GRACE");
	if (g && *g && parse_grace(g, &c->grace) < 0) {
		snprintf(err, errlen, "PLUGIN_RUNNER_GRACE=%s is not a number of seconds (use e.g. 5)", g);
		return -1;
	}

	int i = 1;
	if (i < argc && strcmp(argv[i], "check") == 0) {
		c->cmd = CMD_CHECK;
		i++;
	} else if (i < argc && strcmp(argv[i], "shim") == 0) {
		c->cmd = CMD_SHIM;
		i++;
	}
	for (; i < argc; i++) {
		const char *a = argv[i], *v;
		bool m;
		if (a[0] != '-' || strcmp(a, "-") == 0)
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			c->cmd = CMD_HELP;
			return 0;
		}
		if (strcmp(a, "--version") == 0) {
			c->cmd = CMD_VERSION;
			return 0;
		}
		if (strcmp(a, "--audit") == 0) {
			c->audit = true;
			continue;
		}
		if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			c->verbose = true;
			continue;
		}
		v = opt_value(a, "--policy-dir", &i, argc, argv, &m);
		if (m) {
			if (!v || !*v)
				goto needs_value;
			c->policy_dir = v;
			continue;
		}
		v = opt_value(a, "--policy", &i, argc, argv, &m);
		if (m) {
			if (!v || !*v)
				goto needs_value;
			c->policy_file = v;
			continue;
		}
		v = opt_value(a, "--learn", &i, argc, argv, &m);
		if (m) {
			if (!v || !*v)
				goto needs_value;
			c->learn_file = v;
			continue;
		}
		v = opt_value(a, "--grace", &i, argc, argv, &m);
		if (m) {
			if (!v || parse_grace(v, &c->grace) < 0) {
				snprintf(err, errlen, "--grace needs a number of seconds from 0 to 3600 (e.g. --grace 5)");
				return -1;
			}
			continue;
		}
		snprintf(err, errlen, "unknown option %s (see plugin-runner --help)", a);
		return -1;
needs_value:
		snprintf(err, errlen, "%s needs a value (see plugin-runner --help)", a);
		return -1;
	}

	switch (c->cmd) {
	case CMD_RUN:
		if (i >= argc) {
			snprintf(err, errlen, "no plugin given (usage: plugin-runner [OPTIONS] PLUGIN [ARGS...])");
			return -1;
		}
		c->plugin = argv[i];
		c->plugin_argv = argv + i + 1;
		c->plugin_argc = argc - i - 1;
		return 0;
	case CMD_CHECK:
		if (i < argc)
			c->plugin = argv[i++];
		if (i < argc) {
			snprintf(err, errlen, "check takes at most one PLUGIN (usage: plugin-runner check [--policy FILE | PLUGIN])");
			return -1;
		}
		if (!c->plugin && !c->policy_file) {
			snprintf(err, errlen, "check needs --policy FILE or a PLUGIN (usage: plugin-runner check [--policy FILE | PLUGIN])");
			return -1;
		}
		return 0;
	case CMD_SHIM:
		if (argc - i != 2) {
			snprintf(err, errlen, "shim needs PLUGIN and DIR (usage: plugin-runner shim PLUGIN DIR)");
			return -1;
		}
		c->plugin = argv[i];
		c->shim_dir = argv[i + 1];
		return 0;
	case CMD_VERSION:
	case CMD_HELP:
		return 0;
	}
	return 0;
}
