/* initrewrite.h - lightningd's init request, rewritten on its canonical
 * text (SPEC 5): configuration's lightning-dir and rpc-file become the
 * sandbox's, and the proxy settings go when the plugin has no network.
 * Every other byte is lightningd's own, so integers and reals reach the
 * plugin byte-exact (a tree would re-serialise them: 1.10 as
 * 1.1000000000000001, integers beyond 64 bits as reals). Pure: no I/O,
 * no logging. Fuzzed against a jansson rewrite: fuzz-initrewrite.c. */
#ifndef PR_INITREWRITE_H
#define PR_INITREWRITE_H

#include <stdbool.h>
#include "buf.h"
#include "jsonrpc.h"

/* What the runner keeps of the host's configuration (malloc'd). */
struct init_facts {
	char *lightning_dir, *rpc_file, *network;	/* network may be NULL */
	bool proxy_dropped;	/* configuration held a proxy, left out */
};

/* canon[0..len) is a canonical init request whose params span `params`.
 * Appends the rewritten request and "\n\n" to out and fills *facts;
 * keep_proxy keeps proxy, torv3-enabled and always_use_proxy. Returns -1
 * (out untouched, *facts empty) when params.configuration is not an object
 * with string lightning-dir and rpc-file. */
int init_rewrite(const char *canon, size_t len, struct jspan params, bool keep_proxy,
		 const char *ldir, const char *rpc_path, struct buf *out,
		 struct init_facts *facts);
void init_facts_free(struct init_facts *f);

#endif
