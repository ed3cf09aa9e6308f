/* shim.c - `plugin-runner shim PLUGIN DIR`: write DIR/<basename of PLUGIN>,
 * a two-line #!/bin/sh script that execs the runner on the real plugin.
 * lightningd canonicalises plugin paths (realpath), so a symlink to the
 * runner would lose the plugin's identity; a shim with the plugin's own
 * basename keeps log prefixes, disable-plugin and hook ordering meaningful
 * (PROTOCOL.md 1.3). Called by main.c; dies on error. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "exitcodes.h"
#include "log.h"
#include "shim.h"
#include "util.h"

/* The shim is sh: refuse paths the single-quoted form cannot carry. */
static void check_quotable(const char *what, const char *s)
{
	if (strchr(s, '\'') || strchr(s, '\n'))
		die(PR_EXIT_RUNNER, "%s %s contains a quote or newline (rename it)", what, s);
}

int shim_write(const char *plugin, const char *dir)
{
	char real[PATH_MAX], self[PATH_MAX];
	if (!realpath(plugin, real))
		die_errno(errno == ENOENT ? PR_EXIT_NOENT : PR_EXIT_RUNNER,
			  "cannot resolve %s (give the plugin's path)", plugin);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		die_errno(PR_EXIT_RUNNER, "cannot find the runner's own path");
	self[n] = '\0';
	check_quotable("plugin path", real);
	check_quotable("runner path", self);

	char *copy = xstrdup(real);
	char *path = xasprintf("%s/%s", dir, basename(copy));
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	char *text = xasprintf("#!/bin/sh\n"
			       "# Written by plugin-runner shim: runs %s sandboxed.\n"
			       "exec '%s' '%s' \"$@\"\n", real, self, real);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0755);
	if (fd < 0)
		die_errno(PR_EXIT_RUNNER, "cannot create %s (check that %s exists and is writable)",
			  tmp, dir);
	if (write_all(fd, text, strlen(text)) < 0 || fchmod(fd, 0755) < 0 || close(fd) < 0) {
		unlink(tmp);
		die_errno(PR_EXIT_RUNNER, "cannot write %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		die_errno(PR_EXIT_RUNNER, "cannot install %s", path);
	}
	log_info("shim written: %s runs %s under %s", path, real, self);
	free(copy);
	free(path);
	free(tmp);
	free(text);
	return 0;
}
