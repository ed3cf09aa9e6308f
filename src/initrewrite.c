/* initrewrite.c - rewrite lightningd's init on its canonical text
 * (include/initrewrite.h). The configuration object is rebuilt member by
 * member, the members the runner replaces or drops rewritten and every
 * other member copied as it was; the rest of the message is copied whole.
 * Canonical text makes this a matter of spans: no whitespace, keys never
 * escaped, no duplicate keys.
 * Must not: log, decide policy (gate.c passes keep_proxy), or emit anything
 * but a valid canonical message (fuzz-initrewrite.c holds it to jansson).
 * Called by gate.c once, for init. */
#include <stdlib.h>
#include <string.h>
#include "initrewrite.h"
#include "jskip.h"
#include "util.h"

/* The members that carry the host's proxy: kept only with the host's
 * network (the sandbox has no way to reach a proxy otherwise, and its
 * address is the host's). */
static const char *const proxy_keys[] = {
	"proxy", "torv3-enabled", "always_use_proxy", NULL,
};

static bool is_proxy_key(const char *k, size_t n)
{
	for (size_t i = 0; proxy_keys[i]; i++)
		if (strlen(proxy_keys[i]) == n && memcmp(proxy_keys[i], k, n) == 0)
			return true;
	return false;
}

static bool key_is(const char *k, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(want, k, n) == 0;
}

/* One member of a canonical object: key text (without quotes) and the
 * whole member's span. */
struct member {
	const char *key;
	size_t klen;
	struct jspan all, value;
};

/* The member at canon[i] (a '"' inside the object ending at end); false
 * when the object has no more. */
static bool next_member(const char *canon, size_t end, size_t *i, struct member *m)
{
	if (*i >= end || canon[*i] != '"')
		return false;
	const char *q = memchr(canon + *i + 1, '"', end - *i - 1);
	if (!q || q + 1 >= canon + end || q[1] != ':')
		return false;
	size_t v = (size_t)(q - canon) + 2;
	size_t ve = jskip_value(canon, end, v);
	m->key = canon + *i + 1;
	m->klen = (size_t)(q - canon) - *i - 1;
	m->all = (struct jspan){ *i, ve - *i };
	m->value = (struct jspan){ v, ve - v };
	*i = ve < end && canon[ve] == ',' ? ve + 1 : ve;
	return true;
}

/* "key":"value" with value written as a JSON string (plain ASCII paths:
 * the sandbox's own). */
static void put_string_member(struct buf *out, const char *key, size_t klen, const char *v)
{
	buf_append(out, "\"", 1);
	buf_append(out, key, klen);
	buf_append(out, "\":\"", 3);
	buf_append(out, v, strlen(v));
	buf_append(out, "\"", 1);
}

int init_rewrite(const char *canon, size_t len, struct jspan params, bool keep_proxy,
		 const char *ldir, const char *rpc_path, struct buf *out,
		 struct init_facts *facts)
{
	struct jspan conf, ld, rf, net;

	memset(facts, 0, sizeof(*facts));
	if (!params.len || params.off + params.len > len ||
	    !jspan_member(canon, params, "configuration", &conf) || canon[conf.off] != '{' ||
	    !jspan_member(canon, conf, "lightning-dir", &ld) || !jspan_is_string(canon, ld) ||
	    !jspan_member(canon, conf, "rpc-file", &rf) || !jspan_is_string(canon, rf))
		return -1;
	facts->lightning_dir = jspan_string(canon, ld);
	facts->rpc_file = jspan_string(canon, rf);
	if (jspan_member(canon, conf, "network", &net))
		facts->network = jspan_string(canon, net);

	size_t end = conf.off + conf.len - 1;	/* its '}' */
	size_t i = conf.off + 1;
	bool first = true;
	struct member m;

	buf_append(out, canon, conf.off);
	buf_append(out, "{", 1);
	while (next_member(canon, end, &i, &m)) {
		if (!keep_proxy && is_proxy_key(m.key, m.klen)) {
			facts->proxy_dropped |= key_is(m.key, m.klen, "proxy");
			continue;
		}
		if (!first)
			buf_append(out, ",", 1);
		first = false;
		if (key_is(m.key, m.klen, "lightning-dir"))
			put_string_member(out, m.key, m.klen, ldir);
		else if (key_is(m.key, m.klen, "rpc-file"))
			put_string_member(out, m.key, m.klen, rpc_path);
		else
			buf_append(out, canon + m.all.off, m.all.len);
	}
	buf_append(out, canon + end, len - end);
	buf_append(out, "\n\n", 2);
	return 0;
}

void init_facts_free(struct init_facts *f)
{
	free(f->lightning_dir);
	free(f->rpc_file);
	free(f->network);
	memset(f, 0, sizeof(*f));
}
