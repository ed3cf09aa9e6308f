/* learn.c - --learn: while the plugin runs in audit mode, remember what its
 * manifest asked for and which RPC methods it called; at exit write the
 * smallest policy that would have allowed exactly that. Sensitive methods
 * and hooks are written by exact name, which is what a policy needs for
 * them anyway. The sandbox section is the default one: the operator widens
 * it by hand. Called by gate.c, rpcproxy.c and main.c. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "exitcodes.h"
#include "hookreply.h"
#include "learn.h"
#include "log.h"
#include "util.h"

struct learn {
	char *plugin_path;
	int fd;
	json_t *manifest;	/* the plugin's own, unfiltered */
	json_t *methods;	/* set: name -> true */
};

struct learn *learn_new(const char *plugin_path, const char *file)
{
	struct learn *l = xcalloc(1, sizeof(*l));
	l->plugin_path = xstrdup(plugin_path);
	l->methods = json_object();
	/* Not a FIFO or a device someone left at that path (the operator
	 * may well point it into /tmp): O_NONBLOCK keeps a FIFO without a
	 * reader from holding the start-up, and only a regular file is
	 * written. */
	l->fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
	if (l->fd < 0 && errno != ENXIO)	/* ENXIO: a FIFO without a reader */
		die_errno(PR_EXIT_RUNNER, "--learn: cannot create %s (check the directory)", file);
	struct stat st;
	if (l->fd < 0 || fstat(l->fd, &st) < 0 || !S_ISREG(st.st_mode))
		die(PR_EXIT_RUNNER, "--learn: %s is not a regular file (give the path of a new file)",
		    file);
	return l;
}

void learn_manifest(struct learn *l, const json_t *manifest)
{
	json_decref(l->manifest);
	l->manifest = json_deep_copy(manifest);
}

void learn_rpc(struct learn *l, const char *method)
{
	json_object_set_new(l->methods, method, json_true());
}

/* Names from an array of strings or of objects with a name-like key. */
static json_t *names(const json_t *arr, const char *key)
{
	json_t *out = json_array(), *v;
	size_t i;
	json_array_foreach(arr, i, v) {
		const json_t *n = json_is_object(v) ? json_object_get(v, key) : v;
		if (json_is_string(n))
			json_array_append(out, (json_t *)n);
	}
	return out;
}

/* Only what the strict policy loader accepts: hooks lightningd knows (by
 * exact name) and custom message types that fit in a u16. */
static json_t *known_hooks(json_t *names_arr)
{
	json_t *out = json_array(), *v;
	size_t i;
	json_array_foreach(names_arr, i, v)
		if (hook_known(json_string_value(v)))
			json_array_append(out, v);
	json_decref(names_arr);
	return out;
}

static json_t *u16s(const json_t *arr)
{
	json_t *out = json_array(), *v;
	size_t i;
	json_array_foreach(arr, i, v)
		if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 65535)
			json_array_append(out, v);
	return out;
}

json_t *learn_policy(const struct learn *l)
{
	const json_t *m = l->manifest;
	json_t *allow = json_array();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)l->methods, k, v)
		json_array_append_new(allow, json_string(k));

	json_t *custom = json_object_get(m, "custommessages");
	return json_pack(
		"{s:i, s:{s:s}, s:{s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:s}, s:{s:o}}",
		"plugin-runner", 1,
		"exec", "path", l->plugin_path,
		"manifest",
		"rpcmethods", names(json_object_get(m, "rpcmethods"), "name"),
		"hooks", known_hooks(names(json_object_get(m, "hooks"), "name")),
		"subscriptions", names(json_object_get(m, "subscriptions"), ""),
		"notifications", names(json_object_get(m, "notifications"), "method"),
		"options", names(json_object_get(m, "options"), "name"),
		"featurebits", json_object_get(m, "featurebits") != NULL,
		"custommessages", u16s(custom),
		"on_violation", "refuse",
		"rpc", "allow", allow);
}

int learn_write(struct learn *l)
{
	json_t *p = learn_policy(l);
	char *text = json_dumps(p, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(p);
	if (!text)
		return -1;
	/* The file was opened with O_TRUNC before the runner confined
	 * itself; now only write(2) is left to it, which is all this needs. */
	int r = write_all(l->fd, text, strlen(text)) == 0 && write_all(l->fd, "\n", 1) == 0 ? 0 : -1;
	free(text);
	if (r == 0)
		log_info("--learn: policy written");
	else
		log_error("--learn: could not write the policy");
	return r;
}

void learn_free(struct learn *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	json_decref(l->manifest);
	json_decref(l->methods);
	free(l->plugin_path);
	free(l);
}
