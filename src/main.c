/* main.c - argv to flow: parse the command line, resolve the plugin, find,
 * trust and load its policy, check its identity, start it sandboxed, confine
 * the runner, relay until it ends, exit with its status. Does no syscall
 * work beyond opening the plugin and its directory, and parses no JSON. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cli.h"
#include "envbuild.h"
#include "exposure.h"
#include "exitcodes.h"
#include "learn.h"
#include "log.h"
#include "policy.h"
#include "privs.h"
#include "relay.h"
#include "sandbox.h"
#include "shim.h"
#include "spawn.h"
#include "util.h"

extern char **environ;

static const char *policy_dir(const struct cli *c)
{
	return c->policy_dir ? c->policy_dir : PR_POLICYDIR;
}

/* The plugin's real path and an fd on the very file that will be checked
 * (and, with exec.sha256, copied and run). */
static int open_plugin(const char *arg, char real[PATH_MAX])
{
	if (!realpath(arg, real)) {
		if (errno == ENOENT || errno == ENOTDIR)
			die(PR_EXIT_NOENT, "%s: not found (check the plugin's path)", arg);
		die_errno(PR_EXIT_NOEXEC, "%s: cannot resolve", arg);
	}
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die_errno(PR_EXIT_NOEXEC, "%s: cannot open (check its permissions)", real);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die(PR_EXIT_NOEXEC, "%s: not a regular file (give the plugin's executable)", real);
	if (!(st.st_mode & 0111) || access(real, X_OK) < 0)
		die(PR_EXIT_NOEXEC, "%s: not executable (chmod +x it)", real);
	return fd;
}

static struct policy *load_policy(const struct cli *c, const char *plugin_path)
{
	struct perr err;
	char *path = NULL;
	struct policy *pol = NULL;
	int fd = policy_find(c->policy_file, policy_dir(c), plugin_path, &path, &err);
	if (fd < 0)
		die(PR_EXIT_RUNNER, "%s", err.msg);
	if (policy_load_fd(path, fd, &pol, &err) < 0)
		die(PR_EXIT_RUNNER, "bad policy: %s (fix the file; `plugin-runner check` shows the effective policy)",
		    err.msg);
	close(fd);
	free(path);
	return pol;
}

static int cmd_check(const struct cli *c)
{
	char real[PATH_MAX];
	const char *plugin = c->plugin;
	if (plugin && realpath(plugin, real))
		plugin = real;
	struct perr err;
	char *path = NULL;
	struct policy *pol = NULL;
	int fd = policy_find(c->policy_file, policy_dir(c), plugin ? plugin : "plugin", &path, &err);
	if (fd < 0)
		die(PR_EXIT_RUNNER, "%s", err.msg);
	if (policy_load_fd(path, fd, &pol, &err) < 0)
		die(PR_EXIT_RUNNER, "%s", err.msg);
	close(fd);
	/* As root, a run switches to sandbox.user: a name that is not an
	 * unprivileged account here fails that run, so it fails check too. */
	if (geteuid() == 0) {
		struct privs_target target;
		privs_resolve(pol, &target);
	}
	json_t *out = json_object();
	json_object_set_new(out, "policy-file", json_string(path));
	json_object_set_new(out, "sha256", json_string(pol->sha256));
	json_object_set_new(out, "policy", policy_to_json(pol));
	json_t *sb = json_object();
	sandbox_describe(pol, sb);
	json_object_set_new(out, "sandbox", sb);
	char *text = json_dumps(out, JSON_INDENT(2));
	if (!text || write_all(STDOUT_FILENO, text, strlen(text)) < 0 ||
	    write_all(STDOUT_FILENO, "\n", 1) < 0)
		die_errno(PR_EXIT_RUNNER, "check: cannot write the policy");
	free(text);
	json_decref(out);
	policy_free(pol);
	free(path);
	return 0;
}

static int cmd_run(const struct cli *c)
{
	char real[PATH_MAX];
	int plugin_fd = open_plugin(c->plugin, real);
	struct policy *pol = load_policy(c, real);
	struct perr err;
	if (policy_check_identity(pol, real, plugin_fd, &err) < 0)
		die(PR_EXIT_NOEXEC, "%s", err.msg);

	bool audit = c->audit;
	struct learn *learn = NULL;
	if (c->learn_file) {
		learn = learn_new(real, c->learn_file);
		audit = true;
	}
	log_info("start: %s, policy %s (sha256 %s)%s", real, pol->file, pol->sha256,
		 audit ? ", audit mode: violations are logged, not denied" : "");

	char **argv = xcalloc((size_t)c->plugin_argc + 2, sizeof(char *));
	argv[0] = real;
	for (int i = 0; i < c->plugin_argc; i++)
		argv[i + 1] = c->plugin_argv[i];
	char **envp = envbuild(pol, environ);
	int ldfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ldfd < 0)
		die_errno(PR_EXIT_RUNNER, "cannot open the working directory (lightningd runs plugins in its lightning-dir)");

	/* before spawn_plugin confines the runner: it may then only stat */
	struct exposure exposure;
	exposure_collect(&exposure, pol, real);

	struct launch l = {
		.pol = pol, .plugin_path = real, .plugin_fd = plugin_fd,
		.argv = argv, .envp = envp, .lightning_dirfd = ldfd,
		.confine_runner = true,
	};
	struct child child;
	spawn_plugin(&l, &child);
	int pidfd = child.pidfd;
	close(plugin_fd);
	close(ldfd);

	struct relay_cfg rc = {
		.pol = pol, .child = &child, .pidfd = pidfd, .audit = audit,
		.grace = c->grace, .learn = learn, .exposure = &exposure,
	};
	int status = relay_run(&rc);
	if (learn)
		learn_write(learn);
	log_info("exit status %d", status);
#if defined(PR_SANITIZED)
	learn_free(learn);
	exposure_free(&exposure);
	for (char **e = envp; *e; e++)
		free(*e);
	free(envp);
	free(argv);
	policy_free(pol);
#endif
	return status;
}

/* A closed 0, 1 or 2 would be reused by the next open() and end up as the
 * plugin's stdio or our log; point any closed one at /dev/null. */
static void ensure_stdio(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n < 0)
			_exit(PR_EXIT_RUNNER);
		if (n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

int main(int argc, char **argv)
{
	struct cli c;
	char err[512];

	ensure_stdio();
	umask(077);
	log_init("-", LOG_INFO);
	if (cli_parse(argc, argv, &c, err, sizeof(err)) < 0)
		die(PR_EXIT_RUNNER, "%s", err);
	/* Every line names the plugin, or `check` checking a policy file */
	log_init(c.cmd == CMD_CHECK && !c.plugin ? "check" : "-",
		 c.verbose ? LOG_DEBUG : LOG_INFO);
	if (c.plugin) {
		char *copy = xstrdup(c.plugin);
		log_set_name(basename(copy));
		free(copy);
	}
	switch (c.cmd) {
	case CMD_HELP:
		return write_all(STDOUT_FILENO, cli_usage(), strlen(cli_usage())) < 0;
	case CMD_VERSION: {
		const char *v = "plugin-runner " PR_VERSION "\n";
		return write_all(STDOUT_FILENO, v, strlen(v)) < 0;
	}
	case CMD_CHECK:
		return cmd_check(&c);
	case CMD_SHIM:
		return shim_write(c.plugin, c.shim_dir);
	case CMD_RUN:
		return cmd_run(&c);
	}
	return PR_EXIT_RUNNER;
}
