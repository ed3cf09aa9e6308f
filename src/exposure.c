/* exposure.c - the identities of what the sandbox binds, and whether
 * lightningd's RPC socket lies inside one of them (include/exposure.h).
 * Must not: open files (the confined runner may not), decide what to do
 * about a socket in view (relay.c does), or change anything.
 * Called by: main.c before the runner confines itself, relay.c at init. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "exposure.h"
#include "mountinfo.h"
#include "util.h"

/* The longest walk: a path of PATH_MAX has fewer levels than this. */
#define MAX_LEVELS 2048

static void add(struct exposure *x, const char *path)
{
	struct stat st;

	/* followed: a symbolic link in the policy is bound as its target,
	 * and a directory is what can hold the socket */
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return;
	x->v = xrealloc(x->v, (x->n + 1) * sizeof(*x->v));
	x->v[x->n++] = (struct exposed){ st.st_dev, st.st_ino, xstrdup(path) };
}

static void add_mount(const char *mount_point, void *arg)
{
	add(arg, mount_point);
}

/* A bound directory, and every mount beneath it: the sandbox binds them
 * with it (MS_REC), so a directory mounted there shows in the sandbox
 * though no policy path names it. */
static void add_tree(struct exposure *x, const char *path, const struct buf *mounts)
{
	size_t before = x->n;

	add(x, path);
	if (x->n == before || !mounts)
		return;
	char *real = realpath(path, NULL);
	if (real)
		mountinfo_beneath(buf_head(mounts), mounts->len, real, add_mount, x);
	free(real);
}

void exposure_collect(struct exposure *x, const struct policy *p, const char *plugin_path)
{
	struct buf mounts;

	memset(x, 0, sizeof(*x));
	buf_init(&mounts);
	/* unreadable: no mount beneath is recorded, and the sandbox, which
	 * reads the same file to check those mounts, refuses to start */
	const struct buf *m = mountinfo_read(&mounts) == 0 ? &mounts : NULL;
	for (size_t i = 0; i < p->sandbox.read_only.n; i++)
		add_tree(x, p->sandbox.read_only.v[i], m);
	for (size_t i = 0; i < p->sandbox.read_write.n; i++)
		add_tree(x, p->sandbox.read_write.v[i], m);
	char *dir = xstrdup(plugin_path);
	add_tree(x, dirname(dir), m);
	free(dir);
	for (size_t i = 0; i < p->sandbox.nlightning_dir; i++)
		add_tree(x, p->sandbox.lightning_dir[i].name, m);
	buf_free(&mounts);
}

static const char *find(const struct exposure *x, const struct stat *st)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->v[i].dev == st->st_dev && x->v[i].ino == st->st_ino)
			return x->v[i].path;
	return NULL;
}

bool exposure_reaches(const struct exposure *x, const char *sock, const char **via)
{
	char path[PATH_MAX], copy[PATH_MAX];
	struct stat st, prev = { 0 };

	*via = NULL;
	if (snprintf(copy, sizeof(copy), "%s", sock) >= (int)sizeof(copy))
		return false;
	/* the socket's directory as lightningd named it; ".." from there
	 * on is each real parent, whatever links the name went through */
	snprintf(path, sizeof(path), "%s", dirname(copy));
	for (int level = 0; level < MAX_LEVELS; level++) {
		if (stat(path, &st) < 0)
			return false;
		if ((*via = find(x, &st)))
			return true;
		if (level && st.st_dev == prev.st_dev && st.st_ino == prev.st_ino)
			return false;	/* "/.." is "/": the top */
		prev = st;
		size_t n = strlen(path);
		if (n + 4 >= sizeof(path))
			return false;
		memcpy(path + n, "/..", 4);
	}
	return false;
}

void exposure_free(struct exposure *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->v[i].path);
	free(x->v);
	memset(x, 0, sizeof(*x));
}
