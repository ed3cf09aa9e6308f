/* init_oracle.h - init_rewrite() held to a rewrite made on a jansson tree
 * of the same message: the tree it produces must equal the oracle's, its
 * output must be canonical (canon_json gives it back byte for byte), and
 * every byte outside the configuration object must be the input's. Used
 * by test-initrewrite.c and fuzz-initrewrite.c. */
#ifndef PR_INIT_ORACLE_H
#define PR_INIT_ORACLE_H

#include <jansson.h>
#include <stdbool.h>
#include <string.h>
#include "canon.h"
#include "initrewrite.h"

#define INIT_ORACLE_LDIR "/lightning-dir"
#define INIT_ORACLE_RPC "/lightning-dir/lightning-rpc"

/* The reference: the same rewrite on a tree. NULL when the oracle would
 * refuse (what init_rewrite must refuse too). */
static inline json_t *init_oracle(const json_t *root, bool keep_proxy)
{
	json_t *params = json_object_get(root, "params");
	json_t *conf = json_object_get(params, "configuration");

	if (!json_is_object(conf) || !json_is_string(json_object_get(conf, "lightning-dir")) ||
	    !json_is_string(json_object_get(conf, "rpc-file")))
		return NULL;
	json_t *r = json_deep_copy(root);
	conf = json_object_get(json_object_get(r, "params"), "configuration");
	json_object_set_new(conf, "lightning-dir", json_string(INIT_ORACLE_LDIR));
	json_object_set_new(conf, "rpc-file", json_string(INIT_ORACLE_RPC));
	if (!keep_proxy) {
		json_object_del(conf, "proxy");
		json_object_del(conf, "torv3-enabled");
		json_object_del(conf, "always_use_proxy");
	}
	return r;
}

/* canon[0..len) is a canonical message (a request: params_span set).
 * True when init_rewrite() agrees with the oracle on it. */
static inline bool init_agrees(const char *canon, size_t len, struct jspan params,
			       bool keep_proxy)
{
	struct buf out, again;
	struct init_facts f;
	bool good = true;

	buf_init(&out);
	buf_init(&again);
	int rc = init_rewrite(canon, len, params, keep_proxy, INIT_ORACLE_LDIR,
			      INIT_ORACLE_RPC, &out, &f);
	/* exact numbers only: the oracle's tree cannot hold the rest */
	json_t *root = json_loadb(canon, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *want = root ? init_oracle(root, keep_proxy) : NULL;
	if (rc < 0) {
		good = out.len == 0 && !f.lightning_dir && (!root || !want);
	} else {
		good = out.len > 2 && memcmp(buf_head(&out) + out.len - 2, "\n\n", 2) == 0;
		size_t n = out.len - 2;
		/* canonical: canon_json gives it back unchanged */
		good = good && canon_json(buf_head(&out), n, 64, &again, NULL) == 0 &&
		       again.len == n && memcmp(buf_head(&again), buf_head(&out), n) == 0;
		/* what precedes the params is the input's */
		good = good && memcmp(buf_head(&out), canon, params.off) == 0;
		good = good && f.lightning_dir && f.rpc_file;
		if (good && root) {
			json_t *got = json_loadb(buf_head(&out), n, JSON_REJECT_DUPLICATES, NULL);
			good = want && got && json_equal(got, want);
			json_t *conf = json_object_get(json_object_get(root, "params"),
						       "configuration");
			good = good && strcmp(f.lightning_dir, json_string_value(
				json_object_get(conf, "lightning-dir"))) == 0 &&
			       strcmp(f.rpc_file, json_string_value(
				json_object_get(conf, "rpc-file"))) == 0;
			json_decref(got);
		}
		init_facts_free(&f);
	}
	json_decref(want);
	json_decref(root);
	buf_free(&out);
	buf_free(&again);
	return good;
}

#endif
