/* exposure.h - what of the host's filesystem the sandbox shows, by
 * identity (device and inode), so that the runner can tell, once lightningd
 * names its RPC socket in init, whether the plugin could reach that socket
 * past the proxy (SPEC 7: the plugin must not reach the real lightning-rpc,
 * whatever the layers). lightningd checks no caller on its socket, and
 * neither a read-only mount nor Landlock governs connect() on a unix
 * socket, so a bound directory that holds it is a way around every rule
 * in `rpc`. */
#ifndef PR_EXPOSURE_H
#define PR_EXPOSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "policy.h"

struct exposure {
	size_t n;
	struct exposed {
		dev_t dev;
		ino_t ino;
		char *path;	/* as the policy wrote it, for the log */
	} *v;
};

/* Every directory the sandbox binds: read_only, read_write, the plugin's
 * own directory and the lightning_dir grants (relative to the cwd, the
 * lightning-dir), and every mount beneath one of them. Taken before the runner confines itself, from the same
 * paths the sandbox binds; a path that does not exist is not bound and not
 * recorded. */
void exposure_collect(struct exposure *x, const struct policy *p, const char *plugin_path);

/* Is `sock` (an absolute path, or relative to the cwd) inside one of the
 * recorded directories? Walks the socket's real parent chain (each
 * directory's "..", so a symbolic link in the path cannot hide one) by
 * stat(2) alone, which the confined runner may still make. On true, *via
 * is the policy path that shows it. A directory that cannot be stat'ed
 * ends the walk: the runner, with the rights the plugin has or more,
 * could not get there either. */
bool exposure_reaches(const struct exposure *x, const char *sock, const char **via);

void exposure_free(struct exposure *x);

#endif
