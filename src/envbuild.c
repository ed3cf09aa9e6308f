/* envbuild.c - rebuild the plugin's environment: only the names env.keep
 * lists (globs) survive from the host's environment, env.set adds fixed
 * values, and LIGHTNINGD_PLUGIN=1 and LIGHTNINGD_VERSION always pass
 * (pyln-client refuses to run without the first). lightningd's environment
 * may hold secrets (bitcoind credentials), hence nothing else passes.
 * Pure. Called by main.c. */
#include <string.h>
#include "envbuild.h"
#include "util.h"

static bool name_is(const char *kv, const char *name)
{
	size_t n = strlen(name);
	return strncmp(kv, name, n) == 0 && kv[n] == '=';
}

static bool set_by_policy(const struct policy *p, const char *kv)
{
	for (size_t i = 0; i < p->env.nset; i++)
		if (name_is(kv, p->env.set_keys[i]))
			return true;
	return false;
}

char **envbuild(const struct policy *p, char *const *host)
{
	size_t nhost = 0;
	while (host && host[nhost])
		nhost++;
	char **out = xcalloc(nhost + p->env.nset + 3, sizeof(char *));
	size_t n = 0;
	bool have_plugin = false;

	for (size_t i = 0; i < nhost; i++) {
		const char *kv = host[i];
		const char *eq = strchr(kv, '=');
		if (!eq || eq == kv)
			continue;
		char *name = xstrndup(kv, (size_t)(eq - kv));
		bool keep = strcmp(name, "LIGHTNINGD_VERSION") == 0 ||
			    (strlist_match(&p->env.keep, name) &&
			     strcmp(name, "LIGHTNINGD_PLUGIN") != 0 && !set_by_policy(p, kv));
		free(name);
		if (keep)
			out[n++] = xstrdup(kv);
	}
	for (size_t i = 0; i < p->env.nset; i++)
		out[n++] = xasprintf("%s=%s", p->env.set_keys[i], p->env.set_vals[i]);
	for (size_t i = 0; i < n; i++)
		have_plugin |= name_is(out[i], "LIGHTNINGD_PLUGIN");
	if (!have_plugin)
		out[n++] = xstrdup("LIGHTNINGD_PLUGIN=1");
	out[n] = NULL;
	return out;
}
