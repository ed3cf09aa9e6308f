/* policy.c - load a policy file (SPEC section 4) strictly into an immutable
 * struct policy, and print the effective policy back as JSON.
 * Strict means: jansson with JSON_REJECT_DUPLICATES, a version key, no
 * unknown keys, no wrong types, and every error located as
 * "file:line:column: dotted.key: what" so a user can fix it at once.
 * jansson keeps no positions for values, so a small locator re-walks the
 * (already validated) text along the failing path.
 * Must not: exit, log or touch anything but memory (it is fuzzed:
 * tests/fuzz/fuzz-policy.c). Called by main.c (run and `check`). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "jskip.h"
#include "manifest.h"
#include "policy.h"
#include "util.h"

#define POL_MAX_FILE	(1U << 20)	/* a policy is a few KB; refuse silly ones */
#define PATH_DEPTH	8		/* deepest path: rpc.params.M.P[i] */
#define MAX_RATE	1000000

/* ---------- error location ---------- */

struct seg {
	const char *key;	/* object member; NULL for an array index */
	size_t idx;
};

struct pctx {
	const char *name, *text;
	size_t len;
	struct perr *err;
	struct seg segs[PATH_DEPTH];
	size_t n;
};

static unsigned read_u4(const char *t, size_t len, size_t i)
{
	unsigned v = 0;
	for (size_t k = 0; k < 4; k++) {
		int h = i + k < len ? hexval(t[i + k]) : -1;
		if (h < 0)
			return 0xFFFFFFFFu;
		v = v << 4 | (unsigned)h;
	}
	return v;
}

/* Does the JSON string at t[*i] (a '"') decode to exactly `key`? Decodes
 * escapes (jansson compares decoded keys). Leaves *i after the string. */
static bool string_equals(const char *t, size_t len, size_t *i, const char *key)
{
	size_t k = 0, klen = strlen(key);
	bool eq = true;
	char u[4];

	(*i)++;
	while (*i < len && t[*i] != '"') {
		size_t n = 1;
		if (t[*i] != '\\') {
			u[0] = t[(*i)++];
		} else if (*i + 1 >= len) {
			*i = len;
			return false;
		} else {
			char e = t[*i + 1];
			*i += 2;
			switch (e) {
			case 'b': u[0] = '\b'; break;
			case 'f': u[0] = '\f'; break;
			case 'n': u[0] = '\n'; break;
			case 'r': u[0] = '\r'; break;
			case 't': u[0] = '\t'; break;
			case 'u': {
				unsigned cp = read_u4(t, len, *i);
				if (cp == 0xFFFFFFFFu)
					return false;
				*i += 4;
				if (cp >= 0xD800 && cp < 0xDC00 && *i + 6 <= len &&
				    t[*i] == '\\' && t[*i + 1] == 'u') {
					unsigned lo = read_u4(t, len, *i + 2);
					if (lo >= 0xDC00 && lo < 0xE000) {
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						*i += 6;
					}
				}
				if (cp < 0x80) {
					u[0] = (char)cp;
				} else if (cp < 0x800) {
					u[0] = (char)(0xC0 | cp >> 6);
					u[1] = (char)(0x80 | (cp & 0x3F));
					n = 2;
				} else if (cp < 0x10000) {
					u[0] = (char)(0xE0 | cp >> 12);
					u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
					u[2] = (char)(0x80 | (cp & 0x3F));
					n = 3;
				} else {
					u[0] = (char)(0xF0 | cp >> 18);
					u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
					u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
					u[3] = (char)(0x80 | (cp & 0x3F));
					n = 4;
				}
				break;
			}
			default: u[0] = e; break;	/* " \ / */
			}
		}
		if (eq && k + n <= klen && memcmp(key + k, u, n) == 0)
			k += n;
		else
			eq = false;
	}
	if (*i < len)
		(*i)++;
	return eq && k == klen;
}

/* Offset of the key (for a member) or value (for an element) that the
 * path segs[0..n) names; as deep as it gets if the text disagrees. */
static size_t locate(const char *t, size_t len, const struct seg *segs, size_t n)
{
	size_t i = 0, at;

	i = jskip_ws(t, len, i);
	at = i;
	for (size_t d = 0; d < n; d++) {
		i = jskip_ws(t, len, i);
		if (i >= len)
			return at;
		if (segs[d].key) {
			if (t[i] != '{')
				return at;
			i++;
			for (;;) {
				i = jskip_ws(t, len, i);
				if (i >= len || t[i] != '"')
					return at;
				size_t kstart = i;
				bool hit = string_equals(t, len, &i, segs[d].key);
				i = jskip_ws(t, len, i);
				if (i >= len || t[i] != ':')
					return at;
				i++;
				i = jskip_ws(t, len, i);
				if (hit) {
					at = kstart;
					break;
				}
				i = jskip_value(t, len, i);
				i = jskip_ws(t, len, i);
				if (i >= len || t[i] != ',')
					return at;
				i++;
			}
		} else {
			if (t[i] != '[')
				return at;
			i++;
			for (size_t k = 0; k < segs[d].idx; k++) {
				i = jskip_ws(t, len, i);
				i = jskip_value(t, len, i);
				i = jskip_ws(t, len, i);
				if (i >= len || t[i] != ',')
					return at;
				i++;
			}
			i = jskip_ws(t, len, i);
			at = i;
		}
	}
	return at;
}

/* 1-based line and column; columns count characters (UTF-8 sequences), as
 * jansson's own error positions do. */
static void line_col(const char *t, size_t len, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (t[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)t[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

/* Dotted display form of the path: "sandbox.limits.nofile", "hooks[2]".
 * Bytes that would garble a terminal line are shown as '?'. */
static void path_text(const struct pctx *c, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t d = 0; d < n && o + 1 < outlen; d++) {
		char tmp[160];
		if (c->segs[d].key)
			snprintf(tmp, sizeof(tmp), "%s%s", d ? "." : "", c->segs[d].key);
		else
			snprintf(tmp, sizeof(tmp), "[%zu]", c->segs[d].idx);
		for (const char *s = tmp; *s && o + 1 < outlen; s++)
			out[o++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
		out[o] = '\0';
	}
	if (n == 0)
		snprintf(out, outlen, "(top level)");
}

int perr_set(struct perr *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Report at the location of the first `locn` path segments, naming the
 * whole path plus `extra` (a missing key's name). Always returns -1. */
static int vfail_at(struct pctx *c, size_t locn, const char *extra,
		    const char *fmt, va_list ap)
{
	char key[256], what[320];
	int line, col;

	line_col(c->text, c->len, locate(c->text, c->len, c->segs, locn), &line, &col);
	path_text(c, c->n, key, sizeof(key));
	if (extra) {
		if (c->n)
			snprintf(key + strlen(key), sizeof(key) - strlen(key), ".%s", extra);
		else
			snprintf(key, sizeof(key), "%s", extra);
	}
	vsnprintf(what, sizeof(what), fmt, ap);
	/* vsnprintf-based: a long name or key truncates, which is fine */
	perr_set(c->err, "%s:%d:%d: %s: %s", c->name, line, col, key, what);
	return -1;
}

static int fail(struct pctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(struct pctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_at(c, c->n, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_missing(struct pctx *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_missing(struct pctx *c, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_at(c, c->n, key, fmt, ap);
	va_end(ap);
	return -1;
}

static void push_key(struct pctx *c, const char *key)
{
	/* PATH_DEPTH bounds the schema, not the input: deeper input is a
	 * type error before it is ever walked. Keep the display sane anyway. */
	if (c->n < PATH_DEPTH)
		c->segs[c->n++] = (struct seg){ .key = key };
}

static void push_idx(struct pctx *c, size_t idx)
{
	if (c->n < PATH_DEPTH)
		c->segs[c->n++] = (struct seg){ .key = NULL, .idx = idx };
}

static void pop(struct pctx *c)
{
	if (c->n)
		c->n--;
}

/* ---------- value checks ---------- */

enum name_kind {
	NK_GLOB,	/* a method/topic/option glob */
	NK_EXACT,	/* no glob characters at all */
	NK_SYSCALL,	/* [a-z0-9_]+ or @group */
	NK_ENVGLOB,	/* environment variable name or glob */
};

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static bool is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static bool all_of(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    !strchr(extra, *s))
			return false;
	return true;
}

static bool env_name_ok(const char *s, bool glob)
{
	if (!*s)
		return false;
	for (const char *q = s; *q; q++) {
		unsigned char ch = (unsigned char)*q;
		if (isalnum(ch) || ch == '_')
			continue;
		if (glob && strchr("*?[]!-", ch))
			continue;
		return false;
	}
	return glob || !isdigit((unsigned char)s[0]);
}

static int check_name(struct pctx *c, const char *s, enum name_kind k)
{
	if (!*s)
		return fail(c, "must not be empty");
	if (has_ctl(s))
		return fail(c, "contains a control character");
	switch (k) {
	case NK_GLOB:
		return 0;
	case NK_EXACT:
		if (is_glob(s))
			return fail(c, "\"%s\" is a glob; only exact names are allowed here", s);
		return 0;
	case NK_SYSCALL:
		if (s[0] == '@' ? all_of(s + 1, "_-") : all_of(s, "_"))
			return 0;
		return fail(c, "\"%s\" is not a syscall name ([a-z0-9_]+) or @group", s);
	case NK_ENVGLOB:
		if (!env_name_ok(s, true))
			return fail(c, "\"%s\" is not an environment variable name or glob", s);
		return 0;
	}
	return fail(c, "internal: bad name kind");
}

static int get_string(struct pctx *c, json_t *v, const char **out)
{
	if (!json_is_string(v))
		return fail(c, "must be a string");
	*out = json_string_value(v);
	return 0;
}

static int get_bool(struct pctx *c, json_t *v, bool *out)
{
	if (!json_is_boolean(v))
		return fail(c, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

/* Array of strings, each checked by `k`, appended to `l`. */
static int get_names(struct pctx *c, json_t *v, struct strlist *l, enum name_kind k)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return fail(c, "must be an array of strings");
	json_array_foreach(v, i, e) {
		push_idx(c, i);
		const char *s = NULL;
		if (get_string(c, e, &s) < 0 || check_name(c, s, k) < 0)
			return -1;
		pop(c);
		strlist_push(l, s);
	}
	return 0;
}

static int get_enum(struct pctx *c, json_t *v, const char *const *names, int *out)
{
	const char *s = NULL;
	char list[128] = "";

	if (get_string(c, v, &s) < 0)
		return -1;
	for (int i = 0; names[i]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"",
			 i ? (names[i + 1] ? ", " : " or ") : "", names[i]);
	}
	return fail(c, "must be %s", list);
}

/* Integer or a string like "64M" (parse_size: K M G T, powers of 1024). */
static int get_size(struct pctx *c, json_t *v, uint64_t *out)
{
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		if (n < 0)
			return fail(c, "must not be negative");
		*out = (uint64_t)n;
		return 0;
	}
	/* capped at 2^62 so the effective policy prints as a JSON integer */
	if (json_is_string(v) && parse_size(json_string_value(v), out) == 0 &&
	    *out <= (1ULL << 62))
		return 0;
	return fail(c, "must be a size: a number of bytes or a string like \"64M\" (K, M, G, T)");
}

static int get_count(struct pctx *c, json_t *v, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!json_is_integer(v))
		return fail(c, "must be an integer");
	json_int_t n = json_integer_value(v);
	if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return fail(c, "must be between %llu and %llu", (unsigned long long)min,
			    (unsigned long long)max);
	*out = (uint64_t)n;
	return 0;
}

/* An absolute path with no "." or ".." components, no "//", and no
 * trailing '/': what realpath(3) would produce. */
static int check_abs_path(struct pctx *c, const char *s, bool allow_root)
{
	if (has_ctl(s))
		return fail(c, "contains a control character");
	if (s[0] != '/')
		return fail(c, "\"%s\" is not an absolute path", s);
	if (strcmp(s, "/") == 0) {
		if (allow_root)
			return 0;
		return fail(c, "\"/\" would expose the whole host (list the directories the plugin needs)");
	}
	for (const char *q = s; *q; ) {
		const char *e = strchr(q + 1, '/');
		size_t n = e ? (size_t)(e - q - 1) : strlen(q + 1);
		if (n == 0 || (n == 1 && q[1] == '.') || (n == 2 && q[1] == '.' && q[2] == '.'))
			return fail(c, "\"%s\" is not a canonical path (no \"//\", \".\" or \"..\" components, no trailing '/')", s);
		q = e ? e : q + 1 + n;
	}
	return 0;
}

/* ---------- handlers, one per leaf key ---------- */

typedef int (*handler)(struct pctx *c, struct policy *p, json_t *v);

static int h_exec_path(struct pctx *c, struct policy *p, json_t *v)
{
	const char *s = NULL;
	if (get_string(c, v, &s) < 0 || check_abs_path(c, s, false) < 0)
		return -1;
	p->exec_path = xstrdup(s);
	return 0;
}

static int h_exec_sha256(struct pctx *c, struct policy *p, json_t *v)
{
	const char *s = NULL;
	if (get_string(c, v, &s) < 0)
		return -1;
	if (strlen(s) != 64 || strspn(s, "0123456789abcdefABCDEF") != 64)
		return fail(c, "must be 64 hex digits (sha256sum PLUGIN)");
	p->exec_sha256 = xstrdup(s);
	for (char *q = p->exec_sha256; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return 0;
}

static int h_rpcmethods(struct pctx *c, struct policy *p, json_t *v)
{
	return get_names(c, v, &p->manifest.rpcmethods, NK_GLOB);
}

static int h_hooks(struct pctx *c, struct policy *p, json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return fail(c, "must be an array of strings");
	json_array_foreach(v, i, e) {
		const char *s = NULL;
		push_idx(c, i);
		if (get_string(c, e, &s) < 0)
			return -1;
		if (*s && is_glob(s))
			return fail(c, "\"%s\": hooks are granted by exact name only, never by glob (list each hook)", s);
		if (check_name(c, s, NK_EXACT) < 0)
			return -1;
		pop(c);
		strlist_push(&p->manifest.hooks, s);
	}
	return 0;
}

static int h_subscriptions(struct pctx *c, struct policy *p, json_t *v)
{
	return get_names(c, v, &p->manifest.subscriptions, NK_GLOB);
}

static int h_notifications(struct pctx *c, struct policy *p, json_t *v)
{
	return get_names(c, v, &p->manifest.notifications, NK_GLOB);
}

static int h_options(struct pctx *c, struct policy *p, json_t *v)
{
	return get_names(c, v, &p->manifest.options, NK_GLOB);
}

static int h_featurebits(struct pctx *c, struct policy *p, json_t *v)
{
	return get_bool(c, v, &p->manifest.featurebits);
}

static int h_custommessages(struct pctx *c, struct policy *p, json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return fail(c, "must be an array of message types (0..65535) or \"*\"");
	p->manifest.custommessages = xcalloc(json_array_size(v), sizeof(uint16_t));
	json_array_foreach(v, i, e) {
		push_idx(c, i);
		if (json_is_string(e) && strcmp(json_string_value(e), "*") == 0) {
			p->manifest.custommessages_any = true;
		} else if (json_is_integer(e) && json_integer_value(e) >= 0 &&
			   json_integer_value(e) <= 65535) {
			p->manifest.custommessages[p->manifest.ncustommessages++] =
				(uint16_t)json_integer_value(e);
		} else {
			return fail(c, "must be a message type (0..65535) or \"*\"");
		}
		pop(c);
	}
	return 0;
}

static int h_on_violation(struct pctx *c, struct policy *p, json_t *v)
{
	static const char *const names[] = { "strip", "refuse", NULL };
	int i;
	if (get_enum(c, v, names, &i) < 0)
		return -1;
	p->manifest.on_violation = i == 0 ? POL_STRIP : POL_REFUSE;
	return 0;
}

static int h_allow(struct pctx *c, struct policy *p, json_t *v)
{
	return get_names(c, v, &p->rpc.allow, NK_GLOB);
}

static int h_deny(struct pctx *c, struct policy *p, json_t *v)
{
	return get_names(c, v, &p->rpc.deny, NK_GLOB);
}

/* "key", "key.0", "route.1.id": names ([A-Za-z0-9_-]+) or indexes
 * (non-negative integers without leading zeros), joined by '.'. */
static bool param_path_ok(const char *s)
{
	static const char namech[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

	for (const char *q = s;; q++) {
		size_t n = strspn(q, namech);
		if (n == 0 || (q[n] != '.' && q[n] != '\0'))
			return false;
		if (strspn(q, "0123456789") == n && q[0] == '0' && n > 1)
			return false;
		q += n;
		if (*q == '\0')
			return true;
	}
}

static int h_params(struct pctx *c, struct policy *p, json_t *v)
{
	const char *method, *path;
	json_t *paths, *globs;

	if (!json_is_object(v))
		return fail(c, "must be an object {\"method\": {\"param.path\": [globs]}}");
	json_object_foreach(v, method, paths) {
		push_key(c, method);
		if (check_name(c, method, NK_EXACT) < 0)
			return -1;
		if (!json_is_object(paths))
			return fail(c, "must be an object {\"param.path\": [globs]}");
		json_object_foreach(paths, path, globs) {
			push_key(c, path);
			if (!param_path_ok(path))
				return fail(c, "\"%s\" is not a param path (names and indexes joined by '.', e.g. \"key.0\")", path);
			struct strlist l = { 0 };
			if (get_names(c, globs, &l, NK_GLOB) < 0) {
				strlist_free(&l);
				return -1;
			}
			if (l.n == 0)
				return fail(c, "lists no allowed values (remove the rule, or deny %s)", method);
			p->rpc.params = xrealloc(p->rpc.params,
						 (p->rpc.nparams + 1) * sizeof(*p->rpc.params));
			p->rpc.params[p->rpc.nparams++] = (struct pol_param_rule){
				.method = xstrdup(method), .path = xstrdup(path), .values = l,
			};
			pop(c);
		}
		pop(c);
	}
	return 0;
}

static int h_rate(struct pctx *c, struct policy *p, json_t *v)
{
	const char *pat;
	json_t *r;

	if (!json_is_object(v))
		return fail(c, "must be an object {\"method glob\": \"N/s\"}");
	json_object_foreach(v, pat, r) {
		const char *s = NULL;
		char *end = NULL;
		push_key(c, pat);
		if (check_name(c, pat, NK_GLOB) < 0 || get_string(c, r, &s) < 0)
			return -1;
		errno = 0;
		long n = isdigit((unsigned char)s[0]) ? strtol(s, &end, 10) : 0;
		double period = 0;
		if (n > 0 && !errno && end && end[0] == '/' && end[1] && !end[2])
			period = end[1] == 's' ? 1 : end[1] == 'm' ? 60 : end[1] == 'h' ? 3600 : 0;
		if (period == 0 || n > MAX_RATE)
			return fail(c, "\"%s\" is not a rate (\"N/s\", \"N/m\" or \"N/h\", N from 1 to %d)",
				    s, MAX_RATE);
		p->rpc.rates = xrealloc(p->rpc.rates, (p->rpc.nrates + 1) * sizeof(*p->rpc.rates));
		p->rpc.rates[p->rpc.nrates++] = (struct pol_rate){
			.pattern = xstrdup(pat), .text = xstrdup(s),
			.per_sec = (double)n / period, .burst = (double)n,
		};
		pop(c);
	}
	return 0;
}

static int h_user(struct pctx *c, struct policy *p, json_t *v)
{
	const char *s = NULL;
	if (get_string(c, v, &s) < 0)
		return -1;
	size_t n = strlen(s);
	if (n == 0 || n > 32 || s[0] == '-' ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
		return fail(c, "\"%s\" is not a user name", s);
	free(p->sandbox.user);
	p->sandbox.user = xstrdup(s);
	return 0;
}

static int h_network(struct pctx *c, struct policy *p, json_t *v)
{
	static const char *const names[] = { "none", "loopback", "host", NULL };
	static const enum pol_net vals[] = { POL_NET_NONE, POL_NET_LOOPBACK, POL_NET_HOST };
	int i;
	if (get_enum(c, v, names, &i) < 0)
		return -1;
	p->sandbox.network = vals[i];
	return 0;
}

static int get_paths(struct pctx *c, json_t *v, struct strlist *l, const struct strlist *other,
		     const char *other_name)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return fail(c, "must be an array of absolute paths");
	json_array_foreach(v, i, e) {
		const char *s = NULL;
		push_idx(c, i);
		if (get_string(c, e, &s) < 0 || check_abs_path(c, s, false) < 0)
			return -1;
		if (strlist_has(other, s))
			return fail(c, "\"%s\" is also in %s (list it once)", s, other_name);
		pop(c);
		strlist_push(l, s);
	}
	return 0;
}

static int h_read_only(struct pctx *c, struct policy *p, json_t *v)
{
	return get_paths(c, v, &p->sandbox.read_only, &p->sandbox.read_write,
			 "sandbox.filesystem.read_write");
}

static int h_read_write(struct pctx *c, struct policy *p, json_t *v)
{
	return get_paths(c, v, &p->sandbox.read_write, &p->sandbox.read_only,
			 "sandbox.filesystem.read_only");
}

/* Names the runner never hands to a plugin, whatever the policy: the real
 * RPC socket (the plugin gets the proxy), the node secret, the database. */
static const char *const ld_forbidden[] = {
	"lightning-rpc", "hsm_secret", "lightningd.sqlite3*", NULL
};

bool policy_ld_never_granted(const char *name)
{
	for (size_t k = 0; ld_forbidden[k]; k++)
		if (glob_match(ld_forbidden[k], name))
			return true;
	return false;
}

static int h_lightning_dir(struct pctx *c, struct policy *p, json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return fail(c, "must be an array of names inside the lightning-dir");
	p->sandbox.lightning_dir = xcalloc(json_array_size(v), sizeof(struct pol_ldentry));
	json_array_foreach(v, i, e) {
		const char *s = NULL;
		push_idx(c, i);
		if (get_string(c, e, &s) < 0)
			return -1;
		size_t n = strlen(s);
		bool rw = n > 3 && strcmp(s + n - 3, ":rw") == 0;
		char *name = xstrndup(s, rw ? n - 3 : n);
		const char *why = NULL;
		if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		    strchr(name, '/') || has_ctl(name))
			why = "is not a plain name in the lightning-dir (no '/', \".\" or \"..\")";
		else if (strchr(name, ':'))
			why = "has an unknown suffix (only \":rw\" is understood)";
		else if (is_glob(name))
			why = "is a glob; name each file";
		if (!why && policy_ld_never_granted(name))
			why = "is never granted (the RPC socket is proxied; the node secret and database stay with lightningd)";
		for (size_t k = 0; !why && k < p->sandbox.nlightning_dir; k++)
			if (strcmp(p->sandbox.lightning_dir[k].name, name) == 0)
				why = "is listed twice";
		if (why) {
			free(name);
			return fail(c, "\"%s\" %s", s, why);
		}
		p->sandbox.lightning_dir[p->sandbox.nlightning_dir++] =
			(struct pol_ldentry){ .name = name, .rw = rw };
		pop(c);
	}
	return 0;
}

static int h_scmp_action(struct pctx *c, struct policy *p, json_t *v)
{
	static const char *const names[] = { "errno", "kill", "log", NULL };
	static const enum pol_scmp vals[] = { POL_SCMP_ERRNO, POL_SCMP_KILL, POL_SCMP_LOG };
	int i;
	if (get_enum(c, v, names, &i) < 0)
		return -1;
	p->sandbox.seccomp_action = vals[i];
	return 0;
}

static int get_syscalls(struct pctx *c, json_t *v, struct strlist *l,
			const struct strlist *other, const char *other_name)
{
	size_t start = l->n;
	if (get_names(c, v, l, NK_SYSCALL) < 0)
		return -1;
	for (size_t i = start; i < l->n; i++) {
		if (strlist_has(other, l->v[i])) {
			push_idx(c, i - start);
			return fail(c, "\"%s\" is also in %s", l->v[i], other_name);
		}
	}
	return 0;
}

static int h_scmp_allow(struct pctx *c, struct policy *p, json_t *v)
{
	return get_syscalls(c, v, &p->sandbox.seccomp_allow, &p->sandbox.seccomp_deny,
			    "sandbox.seccomp.deny");
}

static int h_scmp_deny(struct pctx *c, struct policy *p, json_t *v)
{
	return get_syscalls(c, v, &p->sandbox.seccomp_deny, &p->sandbox.seccomp_allow,
			    "sandbox.seccomp.allow");
}

static int h_nofile(struct pctx *c, struct policy *p, json_t *v)
{
	return get_count(c, v, 16, 1048576, &p->sandbox.limits.nofile);
}

static int h_nproc(struct pctx *c, struct policy *p, json_t *v)
{
	return get_count(c, v, 1, 4194304, &p->sandbox.limits.nproc);
}

static int h_as(struct pctx *c, struct policy *p, json_t *v)
{
	return get_size(c, v, &p->sandbox.limits.as);
}

static int h_fsize(struct pctx *c, struct policy *p, json_t *v)
{
	return get_size(c, v, &p->sandbox.limits.fsize);
}

static int h_cpu(struct pctx *c, struct policy *p, json_t *v)
{
	return get_count(c, v, 0, UINT32_MAX, &p->sandbox.limits.cpu);
}

static int h_message(struct pctx *c, struct policy *p, json_t *v)
{
	uint64_t m;
	if (get_size(c, v, &m) < 0)
		return -1;
	if (m < 4096 || m > (4ULL << 30))
		return fail(c, "must be between 4K and 4G");
	p->sandbox.limits.message = m;
	return 0;
}

static int h_env_keep(struct pctx *c, struct policy *p, json_t *v)
{
	return get_names(c, v, &p->env.keep, NK_ENVGLOB);
}

static int h_env_set(struct pctx *c, struct policy *p, json_t *v)
{
	const char *k;
	json_t *e;

	if (!json_is_object(v))
		return fail(c, "must be an object {\"NAME\": \"value\"}");
	size_t n = json_object_size(v);
	p->env.set_keys = xcalloc(n, sizeof(char *));
	p->env.set_vals = xcalloc(n, sizeof(char *));
	json_object_foreach(v, k, e) {
		const char *s = NULL;
		push_key(c, k);
		if (!env_name_ok(k, false))
			return fail(c, "\"%s\" is not an environment variable name", k);
		if (strcmp(k, "LIGHTNINGD_PLUGIN") == 0 || strcmp(k, "LIGHTNINGD_VERSION") == 0)
			return fail(c, "%s always comes from the host (remove it)", k);
		if (get_string(c, e, &s) < 0)
			return -1;
		p->env.set_keys[p->env.nset] = xstrdup(k);
		p->env.set_vals[p->env.nset++] = xstrdup(s);
		pop(c);
	}
	return 0;
}

/* The schema: every key the parser accepts, as a dotted path. A NULL
 * handler marks a section (an object whose members are in this table). */
static const struct field {
	const char *key;
	handler fn;
} fields[] = {
	{ "plugin-runner", NULL },	/* checked first, by hand */
	{ "exec", NULL },
	{ "exec.path", h_exec_path },
	{ "exec.sha256", h_exec_sha256 },
	{ "manifest", NULL },
	{ "manifest.rpcmethods", h_rpcmethods },
	{ "manifest.hooks", h_hooks },
	{ "manifest.subscriptions", h_subscriptions },
	{ "manifest.notifications", h_notifications },
	{ "manifest.options", h_options },
	{ "manifest.featurebits", h_featurebits },
	{ "manifest.custommessages", h_custommessages },
	{ "manifest.on_violation", h_on_violation },
	{ "rpc", NULL },
	{ "rpc.allow", h_allow },
	{ "rpc.deny", h_deny },
	{ "rpc.params", h_params },
	{ "rpc.rate", h_rate },
	{ "sandbox", NULL },
	{ "sandbox.user", h_user },
	{ "sandbox.network", h_network },
	{ "sandbox.filesystem", NULL },
	{ "sandbox.filesystem.read_only", h_read_only },
	{ "sandbox.filesystem.read_write", h_read_write },
	{ "sandbox.filesystem.lightning_dir", h_lightning_dir },
	{ "sandbox.seccomp", NULL },
	{ "sandbox.seccomp.action", h_scmp_action },
	{ "sandbox.seccomp.allow", h_scmp_allow },
	{ "sandbox.seccomp.deny", h_scmp_deny },
	{ "sandbox.limits", NULL },
	{ "sandbox.limits.nofile", h_nofile },
	{ "sandbox.limits.nproc", h_nproc },
	{ "sandbox.limits.as", h_as },
	{ "sandbox.limits.fsize", h_fsize },
	{ "sandbox.limits.cpu", h_cpu },
	{ "sandbox.limits.message", h_message },
	{ "env", NULL },
	{ "env.keep", h_env_keep },
	{ "env.set", h_env_set },
};

const char *const *policy_known_keys(void)
{
	static const char *keys[ARRAY_SIZE(fields) + 1];
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		keys[i] = fields[i].key;
	keys[ARRAY_SIZE(fields)] = NULL;
	return keys;
}

/* The members of `prefix` that the table lists, for "unknown key" hints. */
static void known_members(const char *prefix, char *out, size_t outlen)
{
	size_t pl = prefix ? strlen(prefix) : 0;
	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		const char *k = fields[i].key;
		if (pl && (strncmp(k, prefix, pl) != 0 || k[pl] != '.'))
			continue;
		const char *m = pl ? k + pl + 1 : k;
		if (strchr(m, '.'))
			continue;
		snprintf(out + strlen(out), outlen - strlen(out), "%s%s", *out ? ", " : "", m);
	}
}

static int walk_object(struct pctx *c, struct policy *p, const char *prefix, json_t *obj)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return fail(c, "must be an object");
	json_object_foreach(obj, k, v) {
		char full[128];
		const struct field *f = NULL;
		push_key(c, k);
		/* a '.' inside a key would alias a deeper dotted path */
		if (!strchr(k, '.') && strlen(k) < 64) {
			snprintf(full, sizeof(full), "%s%s%s", prefix ? prefix : "",
				 prefix ? "." : "", k);
			for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
				if (strcmp(fields[i].key, full) == 0)
					f = &fields[i];
		}
		if (!f && strchr(k, '.'))
			return fail(c, "unknown key (keys contain no '.'; nest objects instead)");
		if (!f) {
			char known[256];
			known_members(prefix, known, sizeof(known));
			return fail(c, "unknown key (known here: %s)", known);
		}
		if (strcmp(f->key, "plugin-runner") == 0)
			;	/* validated before the walk */
		else if (f->fn ? f->fn(c, p, v) < 0 : walk_object(c, p, f->key, v) < 0)
			return -1;
		pop(c);
	}
	return 0;
}

static struct policy *policy_new_default(const char *name)
{
	struct policy *p = xcalloc(1, sizeof(*p));
	p->file = xstrdup(name);
	p->manifest.on_violation = POL_REFUSE;
	p->sandbox.user = xstrdup(POL_DEFAULT_USER);
	p->sandbox.network = POL_NET_NONE;
	p->sandbox.seccomp_action = POL_SCMP_ERRNO;
	p->sandbox.limits = (struct pol_limits){
		.nofile = POL_DEFAULT_NOFILE, .nproc = POL_DEFAULT_NPROC,
		.as = 0, .fsize = POL_DEFAULT_FSIZE, .cpu = 0,
		.message = POL_DEFAULT_MESSAGE,
	};
	return p;
}

int policy_load_buf(const char *name, const char *text, size_t len,
		    struct policy **out, struct perr *err)
{
	struct pctx c = { .name = name, .text = text, .len = len, .err = err };
	struct policy *p = NULL;
	json_error_t jerr;
	json_t *root = NULL, *ver;
	int r = -1;

	*out = NULL;
	err->msg[0] = '\0';
	if (!text) {		/* an empty buffer may come as NULL */
		text = c.text = "";
		len = c.len = 0;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err->msg, sizeof(err->msg), "%s:%d:%d: (syntax): %s", name,
			 jerr.line > 0 ? jerr.line : 1, jerr.column > 0 ? jerr.column : 1,
			 jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		fail(&c, "must be an object");
		goto out;
	}
	/* The version first: a newer file should say so, not "unknown key". */
	ver = json_object_get(root, "plugin-runner");	/* borrowed */
	if (!ver) {
		fail_missing(&c, "plugin-runner", "missing (a policy starts with \"plugin-runner\": 1)");
		goto out;
	}
	push_key(&c, "plugin-runner");
	if (!json_is_integer(ver)) {
		fail(&c, "must be the integer 1");
		goto out;
	}
	if (json_integer_value(ver) != 1) {
		fail(&c, "version %lld is not supported (this runner reads version 1)",
		     (long long)json_integer_value(ver));
		goto out;
	}
	pop(&c);
	p = policy_new_default(name);
	sha256_buf(text, len, p->sha256);
	if (walk_object(&c, p, NULL, root) < 0)
		goto out;
	*out = p;
	p = NULL;	/* transferred */
	r = 0;
out:
	/* one line, whatever jansson quoted from the input ("near '...'") */
	for (char *q = err->msg; r < 0 && *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	policy_free(p);
	json_decref(root);
	return r;
}

int policy_load_fd(const char *name, int fd, struct policy **out, struct perr *err)
{
	size_t len;
	_cleanup_free_ char *text = read_fd_all(fd, POL_MAX_FILE, &len);

	*out = NULL;
	if (!text) {
		snprintf(err->msg, sizeof(err->msg), "%s:1:1: (file): %s", name,
			 errno == EFBIG ? "larger than 1M (a policy is a few KB)" : strerror(errno));
		return -1;
	}
	return policy_load_buf(name, text, len, out, err);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->file);
	free(p->exec_path);
	free(p->exec_sha256);
	strlist_free(&p->manifest.rpcmethods);
	strlist_free(&p->manifest.hooks);
	strlist_free(&p->manifest.subscriptions);
	strlist_free(&p->manifest.notifications);
	strlist_free(&p->manifest.options);
	free(p->manifest.custommessages);
	strlist_free(&p->rpc.allow);
	strlist_free(&p->rpc.deny);
	for (size_t i = 0; i < p->rpc.nparams; i++) {
		free(p->rpc.params[i].method);
		free(p->rpc.params[i].path);
		strlist_free(&p->rpc.params[i].values);
	}
	free(p->rpc.params);
	for (size_t i = 0; i < p->rpc.nrates; i++) {
		free(p->rpc.rates[i].pattern);
		free(p->rpc.rates[i].text);
	}
	free(p->rpc.rates);
	free(p->sandbox.user);
	strlist_free(&p->sandbox.read_only);
	strlist_free(&p->sandbox.read_write);
	for (size_t i = 0; i < p->sandbox.nlightning_dir; i++)
		free(p->sandbox.lightning_dir[i].name);
	free(p->sandbox.lightning_dir);
	strlist_free(&p->sandbox.seccomp_allow);
	strlist_free(&p->sandbox.seccomp_deny);
	strlist_free(&p->env.keep);
	for (size_t i = 0; i < p->env.nset; i++) {
		free(p->env.set_keys[i]);
		free(p->env.set_vals[i]);
	}
	free(p->env.set_keys);
	free(p->env.set_vals);
	free(p);
}

/* ---------- effective policy ---------- */

static json_t *list_json(const struct strlist *l)
{
	json_t *a = json_array();
	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));	/* stolen */
	return a;
}

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v);	/* stolen */
}

json_t *policy_to_json(const struct policy *p)
{
	static const char *const viol[] = { [POL_STRIP] = "strip", [POL_REFUSE] = "refuse" };
	static const char *const net[] = { [POL_NET_NONE] = "none",
		[POL_NET_LOOPBACK] = "loopback", [POL_NET_HOST] = "host" };
	static const char *const scmp[] = { [POL_SCMP_ERRNO] = "errno",
		[POL_SCMP_KILL] = "kill", [POL_SCMP_LOG] = "log" };
	json_t *root = json_object(), *o, *a;

	set(root, "plugin-runner", json_integer(1));

	o = json_object();
	if (p->exec_path)
		set(o, "path", json_string(p->exec_path));
	if (p->exec_sha256)
		set(o, "sha256", json_string(p->exec_sha256));
	set(root, "exec", o);

	o = json_object();
	set(o, "rpcmethods", list_json(&p->manifest.rpcmethods));
	set(o, "hooks", list_json(&p->manifest.hooks));
	set(o, "subscriptions", list_json(&p->manifest.subscriptions));
	set(o, "notifications", list_json(&p->manifest.notifications));
	set(o, "options", list_json(&p->manifest.options));
	set(o, "featurebits", json_boolean(p->manifest.featurebits));
	a = json_array();
	if (p->manifest.custommessages_any)
		json_array_append_new(a, json_string("*"));
	for (size_t i = 0; i < p->manifest.ncustommessages; i++)
		json_array_append_new(a, json_integer(p->manifest.custommessages[i]));
	set(o, "custommessages", a);
	set(o, "on_violation", json_string(viol[p->manifest.on_violation]));
	set(root, "manifest", o);

	o = json_object();
	set(o, "allow", list_json(&p->rpc.allow));
	set(o, "deny", list_json(&p->rpc.deny));
	json_t *params = json_object();
	for (size_t i = 0; i < p->rpc.nparams; i++) {
		const struct pol_param_rule *r = &p->rpc.params[i];
		json_t *m = json_object_get(params, r->method);	/* borrowed */
		if (!m) {
			m = json_object();
			set(params, r->method, m);
		}
		set(m, r->path, list_json(&r->values));
	}
	set(o, "params", params);
	json_t *rate = json_object();
	for (size_t i = 0; i < p->rpc.nrates; i++)
		set(rate, p->rpc.rates[i].pattern, json_string(p->rpc.rates[i].text));
	set(o, "rate", rate);
	set(root, "rpc", o);

	o = json_object();
	set(o, "user", json_string(p->sandbox.user));
	set(o, "network", json_string(net[p->sandbox.network]));
	json_t *fs = json_object();
	set(fs, "read_only", list_json(&p->sandbox.read_only));
	set(fs, "read_write", list_json(&p->sandbox.read_write));
	a = json_array();
	for (size_t i = 0; i < p->sandbox.nlightning_dir; i++) {
		const struct pol_ldentry *e = &p->sandbox.lightning_dir[i];
		char *s = xasprintf("%s%s", e->name, e->rw ? ":rw" : "");
		json_array_append_new(a, json_string(s));
		free(s);
	}
	set(fs, "lightning_dir", a);
	set(o, "filesystem", fs);
	json_t *sc = json_object();
	set(sc, "action", json_string(scmp[p->sandbox.seccomp_action]));
	set(sc, "allow", list_json(&p->sandbox.seccomp_allow));
	set(sc, "deny", list_json(&p->sandbox.seccomp_deny));
	set(o, "seccomp", sc);
	const struct pol_limits *l = &p->sandbox.limits;
	json_t *lim = json_object();
	set(lim, "nofile", json_integer((json_int_t)l->nofile));
	set(lim, "nproc", json_integer((json_int_t)l->nproc));
	set(lim, "as", json_integer((json_int_t)l->as));
	set(lim, "fsize", json_integer((json_int_t)l->fsize));
	set(lim, "cpu", json_integer((json_int_t)l->cpu));
	set(lim, "message", json_integer((json_int_t)l->message));
	set(o, "limits", lim);
	set(root, "sandbox", o);

	o = json_object();
	set(o, "keep", list_json(&p->env.keep));
	json_t *env = json_object();
	for (size_t i = 0; i < p->env.nset; i++)
		set(env, p->env.set_keys[i], json_string(p->env.set_vals[i]));
	set(o, "set", env);
	set(root, "env", o);
	return root;
}
