/* manifest.c - filter a plugin's getmanifest result against the policy's
 * `manifest` section (SPEC sections 4-5, PROTOCOL.md 3.2) and record what
 * it registered, so gate.c can later forward only those methods, hooks
 * and topics.
 * Pure: works in place on the jansson DOM; no I/O, no logging, never exits.
 * Must never let through what crashes lightningd (an rpcmethod named like a
 * built-in command, nonnumericids other than true) whatever the policy says.
 * Called by gate.c once, on the getmanifest response. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hookreply.h"
#include "manifest.h"

/* What one filtering pass needs; violations are counted even when the
 * caller passes no list. */
struct mf {
	const struct policy *p;
	struct registry *reg;
	struct strlist *violations;
	size_t nviol;
	char first[256];
};

static void violation(struct mf *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void violation(struct mf *m, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Names come from the plugin: keep the line printable. */
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	if (m->nviol++ == 0)
		snprintf(m->first, sizeof(m->first), "%s", line);
	if (m->violations)
		strlist_push(m->violations, line);
}

/* Array whose entries are objects {"<key>": string, ...}; keep(m, name)
 * decides each. Entries of the wrong shape are removed. */
static void filter_named_objects(struct mf *m, json_t *arr, const char *what,
				 const char *key,
				 bool (*keep)(struct mf *, const char *),
				 struct strlist *record)
{
	size_t i = 0;

	while (i < json_array_size(arr)) {
		json_t *e = json_array_get(arr, i);	/* borrowed */
		const char *name = json_string_value(json_object_get(e, key));

		if (!json_is_object(e) || !name) {
			violation(m, "%s entry %zu has no string %s", what, i, key);
			json_array_remove(arr, i);
			continue;
		}
		if (!keep(m, name)) {
			json_array_remove(arr, i);
			continue;
		}
		if (record)
			strlist_push(record, name);
		i++;
	}
}

static bool keep_method(struct mf *m, const char *name)
{
	if (builtin_command(name)) {
		/* lightningd <= v26.06 dereferences NULL on these (#9416). */
		violation(m, "rpcmethod %.64s is a lightningd built-in command",
			  name);
		return false;
	}
	if (!strlist_match(&m->p->manifest.rpcmethods, name)) {
		violation(m, "rpcmethod %.64s not allowed", name);
		return false;
	}
	return true;
}

static bool keep_notification(struct mf *m, const char *name)
{
	if (!strlist_match(&m->p->manifest.notifications, name)) {
		violation(m, "notification %.64s not allowed", name);
		return false;
	}
	return true;
}

static bool keep_option(struct mf *m, const char *name)
{
	if (builtin_option(name)) {
		/* A duplicate option is fatal() in lightningd (PROTOCOL 3.2). */
		violation(m, "option %.64s is one of lightningd's own", name);
		return false;
	}
	if (!strlist_match(&m->p->manifest.options, name)) {
		violation(m, "option %.64s not allowed", name);
		return false;
	}
	return true;
}

/* Hooks are granted by exact name only: each one can steer the node, and a
 * glob in the policy must not grant the next hook lightningd adds. */
static void filter_hooks(struct mf *m, json_t *arr)
{
	size_t i = 0;

	while (i < json_array_size(arr)) {
		json_t *e = json_array_get(arr, i);	/* borrowed */
		const char *name = json_is_string(e) ? json_string_value(e)
			: json_string_value(json_object_get(e, "name"));

		if (!name) {
			violation(m, "hooks entry %zu has no string name", i);
			json_array_remove(arr, i);
			continue;
		}
		if (!hook_known(name)) {
			violation(m, "hook %.64s unknown to lightningd", name);
			json_array_remove(arr, i);
			continue;
		}
		if (!strlist_has(&m->p->manifest.hooks, name)) {
			violation(m, "hook %.64s not allowed", name);
			json_array_remove(arr, i);
			continue;
		}
		strlist_push(&m->reg->hooks, name);
		i++;
	}
}

/* "*" means every topic (but log), so only the policy's own "*" grants it,
 * never a glob that happens to match the string "*". */
static void filter_subscriptions(struct mf *m, json_t *arr)
{
	const struct strlist *allow = &m->p->manifest.subscriptions;
	size_t i = 0;

	while (i < json_array_size(arr)) {
		const char *t = json_string_value(json_array_get(arr, i));
		bool ok;

		if (!t) {
			violation(m, "subscriptions entry %zu is not a string", i);
			json_array_remove(arr, i);
			continue;
		}
		ok = strcmp(t, "*") == 0 ? strlist_has(allow, "*")
					 : strlist_match(allow, t);
		if (!ok) {
			violation(m, "subscription %.64s not allowed", t);
			json_array_remove(arr, i);
			continue;
		}
		strlist_push(&m->reg->topics, t);
		i++;
	}
}

static bool custommsg_allowed(const struct policy *p, json_int_t n)
{
	if (p->manifest.custommessages_any)
		return true;
	for (size_t i = 0; i < p->manifest.ncustommessages; i++)
		if (p->manifest.custommessages[i] == n)
			return true;
	return false;
}

static void filter_custommessages(struct mf *m, json_t *arr)
{
	size_t i = 0;

	while (i < json_array_size(arr)) {
		json_t *e = json_array_get(arr, i);	/* borrowed */
		json_int_t n = json_integer_value(e);

		if (!json_is_integer(e) || n < 0 || n > 65535) {
			violation(m, "custommessages entry %zu is not a u16", i);
			json_array_remove(arr, i);
			continue;
		}
		if (!custommsg_allowed(m->p, n)) {
			violation(m, "custommessage %lld not allowed", (long long)n);
			json_array_remove(arr, i);
			continue;
		}
		i++;
	}
}

enum mkey {
	K_OPTIONS, K_RPCMETHODS, K_SUBSCRIPTIONS, K_HOOKS, K_FEATUREBITS,
	K_NOTIFICATIONS, K_CUSTOMMESSAGES, K_NONNUMERICIDS, K_DYNAMIC,
	K_DISABLE, K_CANCHECK, K_UNKNOWN,
};

static const struct {
	const char *name;
	enum mkey k;
	bool is_array;		/* must be an array to be filtered */
} mkeys[] = {
	{ "options", K_OPTIONS, true },
	{ "rpcmethods", K_RPCMETHODS, true },
	{ "subscriptions", K_SUBSCRIPTIONS, true },
	{ "hooks", K_HOOKS, true },
	{ "featurebits", K_FEATUREBITS, false },
	{ "notifications", K_NOTIFICATIONS, true },
	{ "custommessages", K_CUSTOMMESSAGES, true },
	{ "nonnumericids", K_NONNUMERICIDS, false },
	{ "dynamic", K_DYNAMIC, false },
	{ "disable", K_DISABLE, false },
	{ "cancheck", K_CANCHECK, false },
};

static enum mkey classify(const char *key, bool *is_array)
{
	for (size_t i = 0; i < sizeof(mkeys) / sizeof(mkeys[0]); i++)
		if (strcmp(mkeys[i].name, key) == 0) {
			*is_array = mkeys[i].is_array;
			return mkeys[i].k;
		}
	*is_array = false;
	return K_UNKNOWN;
}

/* One top-level member. Returns false if the member must be removed. */
static bool filter_member(struct mf *m, const char *key, json_t *v)
{
	bool is_array;
	enum mkey k = classify(key, &is_array);

	if (k == K_UNKNOWN) {
		violation(m, "unknown manifest key %.64s", key);
		return false;
	}
	if (is_array && !json_is_array(v)) {
		violation(m, "%s is not an array", key);
		return false;
	}
	switch (k) {
	case K_OPTIONS:
		filter_named_objects(m, v, "options", "name", keep_option, NULL);
		return true;
	case K_RPCMETHODS:
		filter_named_objects(m, v, "rpcmethods", "name", keep_method,
				     &m->reg->methods);
		return true;
	case K_SUBSCRIPTIONS:
		filter_subscriptions(m, v);
		return true;
	case K_HOOKS:
		filter_hooks(m, v);
		return true;
	case K_NOTIFICATIONS:
		filter_named_objects(m, v, "notifications", "method",
				     keep_notification, &m->reg->notifications);
		return true;
	case K_CUSTOMMESSAGES:
		filter_custommessages(m, v);
		return true;
	case K_FEATUREBITS:
		if (!m->p->manifest.featurebits) {
			violation(m, "featurebits not allowed");
			return false;
		}
		return true;
	case K_NONNUMERICIDS:
		/* lightningd kills a plugin that says anything but true. */
		if (!json_is_true(v)) {
			violation(m, "nonnumericids is not true");
			return false;
		}
		return true;
	case K_CANCHECK:
		m->reg->cancheck = json_is_true(v);
		return true;
	case K_DYNAMIC:
	case K_DISABLE:
		return true;
	case K_UNKNOWN:
		break;
	}
	return false;
}

int manifest_filter(json_t *result, const struct policy *p, struct registry *reg,
		    struct strlist *violations, char *why, size_t whylen)
{
	struct mf m = { .p = p, .reg = reg, .violations = violations };
	const char *key;
	json_t *v;
	void *tmp;

	memset(reg, 0, sizeof(*reg));
	if (why && whylen)
		why[0] = '\0';
	if (!json_is_object(result)) {
		if (why && whylen)
			snprintf(why, whylen, "getmanifest result is not an object");
		return -1;
	}
	json_object_foreach_safe(result, tmp, key, v) {
		if (!filter_member(&m, key, v))
			json_object_del(result, key);
	}
	if (m.nviol && p->manifest.on_violation == POL_REFUSE) {
		if (why && whylen)
			snprintf(why, whylen, "manifest refused: %s (%zu violation%s)",
				 m.first, m.nviol, m.nviol == 1 ? "" : "s");
		registry_free(reg);
		return -1;
	}
	return 0;
}

void registry_free(struct registry *r)
{
	if (!r)
		return;
	strlist_free(&r->methods);
	strlist_free(&r->hooks);
	strlist_free(&r->topics);
	strlist_free(&r->notifications);
	r->cancheck = false;
}
