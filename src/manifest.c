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
	json_t *options_seen;	/* option names kept so far, as keys */
	const char *what, *key;	/* the named array being filtered */
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

/* Keeps the entries of arr that keep(m, entry, index) says to, in order, in
 * one pass: removing entries one at a time would move the rest each time,
 * and a manifest may hold millions of entries. index is the entry's place
 * in the plugin's array, for the log. */
static void filter_array(struct mf *m, json_t *arr,
			 bool (*keep)(struct mf *, json_t *, size_t))
{
	size_t n = json_array_size(arr), kept = 0;

	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);	/* borrowed */

		if (!keep(m, e, i))
			continue;
		/* set takes its own reference; the entry it overwrites has
		 * been moved down already or is dropped */
		if (kept != i)
			json_array_set(arr, kept, e);
		kept++;
	}
	while (json_array_size(arr) > kept)
		json_array_remove(arr, json_array_size(arr) - 1);
}

/* Entries of options, rpcmethods and notifications: objects with a string
 * member naming them. */
static const char *entry_name(struct mf *m, json_t *e, size_t i)
{
	const char *name = json_string_value(json_object_get(e, m->key));

	if (!json_is_object(e) || !name)
		violation(m, "%s entry %zu has no string %s", m->what, i, m->key);
	return name;
}

static bool keep_method(struct mf *m, json_t *e, size_t i)
{
	const char *name = entry_name(m, e, i);

	if (!name)
		return false;
	if (builtin_command(name)) {
		/* lightningd <= v26.06 dereferences NULL on these (#9416). */
		violation(m, "rpcmethod %.64s is a lightningd built-in command",
			  name);
		return false;
	}
	if (hook_known(name)) {
		/* lightningd calls a method and a hook alike, by name: a
		 * call of this method could not be told from the hook's. */
		violation(m, "rpcmethod %.64s is named like a hook", name);
		return false;
	}
	if (!strlist_match(&m->p->manifest.rpcmethods, name)) {
		violation(m, "rpcmethod %.64s not allowed", name);
		return false;
	}
	strlist_push(&m->reg->methods, name);
	return true;
}

static bool keep_notification(struct mf *m, json_t *e, size_t i)
{
	const char *name = entry_name(m, e, i);

	if (!name)
		return false;
	if (!strlist_match(&m->p->manifest.notifications, name)) {
		violation(m, "notification %.64s not allowed", name);
		return false;
	}
	strlist_push(&m->reg->notifications, name);
	return true;
}

/* lightningd fatal()s at start-up on an option name it already has
 * (PROTOCOL 3.2): one of its own, or one this manifest registered before,
 * since it registers the entries in order. */
static bool keep_option(struct mf *m, json_t *e, size_t i)
{
	const char *name = entry_name(m, e, i);

	if (!name)
		return false;
	if (builtin_option(name)) {
		violation(m, "option %.64s is one of lightningd's own", name);
		return false;
	}
	if (!strlist_match(&m->p->manifest.options, name)) {
		violation(m, "option %.64s not allowed", name);
		return false;
	}
	/* an object as a set: a hash lookup, however many options */
	if (json_object_get(m->options_seen, name)) {
		violation(m, "option %.64s registered twice", name);
		return false;
	}
	if (json_object_set_new(m->options_seen, name, json_null()) < 0) {
		/* out of memory: a later duplicate could not be seen */
		violation(m, "option %.64s: no memory to check it", name);
		return false;
	}
	return true;
}

/* Hooks are granted by exact name only: each one can steer the node, and a
 * glob in the policy must not grant the next hook lightningd adds. */
static bool keep_hook(struct mf *m, json_t *e, size_t i)
{
	const char *name = json_is_string(e) ? json_string_value(e)
		: json_string_value(json_object_get(e, "name"));

	if (!name) {
		violation(m, "hooks entry %zu has no string name", i);
		return false;
	}
	if (!hook_known(name)) {
		violation(m, "hook %.64s unknown to lightningd", name);
		return false;
	}
	if (!strlist_has(&m->p->manifest.hooks, name)) {
		violation(m, "hook %.64s not allowed", name);
		return false;
	}
	/* lightningd kills every plugin on a cycle of hook ordering. With
	 * both before and after, one plugin can close a cycle through
	 * another's (before B and after B: both killed); with one of them,
	 * it cannot alone. */
	if (json_is_object(e) && json_object_get(e, "before") &&
	    json_object_get(e, "after")) {
		violation(m, "hook %.64s asks to run both before and after others",
			  name);
		json_object_del(e, "before");
		json_object_del(e, "after");
	}
	strlist_push(&m->reg->hooks, name);
	return true;
}

/* "*" means every topic (but log), so only the policy's own "*" grants it,
 * never a glob that happens to match the string "*". */
static bool keep_subscription(struct mf *m, json_t *e, size_t i)
{
	const struct strlist *allow = &m->p->manifest.subscriptions;
	const char *t = json_string_value(e);
	bool ok;

	if (!t) {
		violation(m, "subscriptions entry %zu is not a string", i);
		return false;
	}
	ok = strcmp(t, "*") == 0 ? strlist_has(allow, "*")
				 : strlist_match(allow, t);
	if (!ok) {
		violation(m, "subscription %.64s not allowed", t);
		return false;
	}
	strlist_push(&m->reg->topics, t);
	return true;
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

static bool keep_custommessage(struct mf *m, json_t *e, size_t i)
{
	json_int_t n = json_integer_value(e);

	if (!json_is_integer(e) || n < 0 || n > 65535) {
		violation(m, "custommessages entry %zu is not a u16", i);
		return false;
	}
	if (!custommsg_allowed(m->p, n)) {
		violation(m, "custommessage %lld not allowed", (long long)n);
		return false;
	}
	return true;
}

/* An array of named objects: what and key say which, for entry_name(). */
static void filter_named(struct mf *m, json_t *arr, const char *what,
			 const char *key,
			 bool (*keep)(struct mf *, json_t *, size_t))
{
	m->what = what;
	m->key = key;
	filter_array(m, arr, keep);
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
		filter_named(m, v, "options", "name", keep_option);
		return true;
	case K_RPCMETHODS:
		filter_named(m, v, "rpcmethods", "name", keep_method);
		return true;
	case K_SUBSCRIPTIONS:
		filter_array(m, v, keep_subscription);
		return true;
	case K_HOOKS:
		filter_array(m, v, keep_hook);
		return true;
	case K_NOTIFICATIONS:
		filter_named(m, v, "notifications", "method", keep_notification);
		return true;
	case K_CUSTOMMESSAGES:
		filter_array(m, v, keep_custommessage);
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
	struct mf m = { .p = p, .reg = reg, .violations = violations,
			.options_seen = json_object() };
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
	json_decref(m.options_seen);
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
