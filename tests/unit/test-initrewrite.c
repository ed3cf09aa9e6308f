/* test-initrewrite.c - init_rewrite(): the exact bytes for lightningd's
 * init (a transcript's), numbers kept byte for byte, the proxy members
 * dropped wherever they sit or kept, escaped paths decoded, refusals; and
 * each case held to a jansson rewrite (init_oracle.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../fuzz/init_oracle.h"
#include "jsonrpc.h"
#include "tap.h"

/* Rewrite `in`; *out gets the result without "\n\n" ("" on refusal). */
static int rewrite(const char *in, bool keep_proxy, char *out, size_t cap,
		   struct init_facts *f)
{
	struct buf scratch, o;
	struct rpcmsg m;
	char why[128];

	buf_init(&scratch);
	buf_init(&o);
	out[0] = '\0';
	if (jsonrpc_decode_lazy(in, strlen(in), 64, &scratch, &m, why, sizeof(why)) < 0)
		return -2;
	int rc = init_rewrite(m.canon, m.canon_len, m.params_span, keep_proxy,
			      INIT_ORACLE_LDIR, INIT_ORACLE_RPC, &o, f);
	if (rc == 0)
		snprintf(out, cap, "%.*s", (int)(o.len - 2), buf_head(&o));
	ok(init_agrees(m.canon, m.canon_len, m.params_span, keep_proxy),
	   "agrees with the jansson rewrite: %.60s", in);
	rpcmsg_clear(&m);
	buf_free(&scratch);
	buf_free(&o);
	return rc;
}

int main(void)
{
	char out[2048];
	struct init_facts f;

	is_int(rewrite("{\"jsonrpc\":\"2.0\",\"id\":\"cln:init#54\",\"method\":\"init\",\"params\":"
		       "{\"options\":{\"hello-greeting\":\"hello\"},\"configuration\":"
		       "{\"lightning-dir\":\"/home/ln/.lightning/regtest\",\"rpc-file\":\"lightning-rpc\","
		       "\"startup\":true,\"network\":\"regtest\"}}}", false, out, sizeof(out), &f),
	       0, "lightningd's init is rewritten");
	is_str(out, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:init#54\",\"method\":\"init\",\"params\":"
	       "{\"options\":{\"hello-greeting\":\"hello\"},\"configuration\":"
	       "{\"lightning-dir\":\"/lightning-dir\",\"rpc-file\":\"/lightning-dir/lightning-rpc\","
	       "\"startup\":true,\"network\":\"regtest\"}}}", "the paths, and nothing else");
	is_str(f.lightning_dir, "/home/ln/.lightning/regtest", "the host's lightning-dir kept");
	is_str(f.rpc_file, "lightning-rpc", "its rpc-file kept");
	is_str(f.network, "regtest", "its network kept");
	init_facts_free(&f);

	/* numbers a tree would change: beyond 64 bits, reals, -0, 1E400 */
	is_int(rewrite("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"init\",\"params\":{\"options\":"
		       "{\"n\":18446744073709551615,\"r\":1.10,\"z\":-0,\"e\":1E400},\"configuration\":"
		       "{\"lightning-dir\":\"/x\",\"rpc-file\":\"/run/rpc\",\"m\":0.1}}}", false,
		       out, sizeof(out), &f), 0, "numbers: rewritten");
	is_str(out, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"init\",\"params\":{\"options\":"
	       "{\"n\":18446744073709551615,\"r\":1.10,\"z\":-0,\"e\":1E400},\"configuration\":"
	       "{\"lightning-dir\":\"/lightning-dir\",\"rpc-file\":\"/lightning-dir/lightning-rpc\","
	       "\"m\":0.1}}}", "numbers: every lexeme as lightningd wrote it");
	ok(f.network == NULL, "no network: NULL");
	init_facts_free(&f);

	/* the proxy members, first, between and last, or kept */
	const char *px = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"init\",\"params\":"
		"{\"configuration\":{\"proxy\":{\"type\":\"ipv4\",\"port\":9050},"
		"\"lightning-dir\":\"/x\",\"torv3-enabled\":true,\"rpc-file\":\"r\","
		"\"always_use_proxy\":false}}}";
	rewrite(px, false, out, sizeof(out), &f);
	ok(f.proxy_dropped, "a dropped proxy is reported (the runner logs it)");
	init_facts_free(&f);
	is_str(out, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"init\",\"params\":"
	       "{\"configuration\":{\"lightning-dir\":\"/lightning-dir\","
	       "\"rpc-file\":\"/lightning-dir/lightning-rpc\"}}}", "proxy members dropped anywhere");
	rewrite(px, true, out, sizeof(out), &f);
	ok(!f.proxy_dropped, "a kept proxy is not reported dropped");
	init_facts_free(&f);
	ok(strstr(out, "\"proxy\":{\"type\":\"ipv4\",\"port\":9050},") &&
	   strstr(out, "\"torv3-enabled\":true,") && strstr(out, "\"always_use_proxy\":false}"),
	   "proxy members kept with the host's network");
	rewrite("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"init\",\"params\":{\"configuration\":"
		"{\"lightning-dir\":\"/x\",\"rpc-file\":\"r\",\"proxy\":1}}}", false, out,
		sizeof(out), &f);
	init_facts_free(&f);
	ok(strstr(out, "\"rpc-file\":\"/lightning-dir/lightning-rpc\"}}}") != NULL,
	   "a last member dropped leaves no comma");

	/* escaped paths are decoded for the runner, never passed on */
	rewrite("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"init\",\"params\":{\"configuration\":"
		"{\"lightning-dir\":\"/a\\\"b\\\\c\\u0001\\u00e9\",\"rpc-file\":\"r\\/s\"}}}", false,
		out, sizeof(out), &f);
	is_str(f.lightning_dir, "/a\"b\\c\001\xc3\xa9", "escapes in the lightning-dir decoded");
	is_str(f.rpc_file, "r/s", "and in the rpc-file");
	ok(strstr(out, "a\\\"b") == NULL, "the host's path is not in what the plugin gets");
	init_facts_free(&f);

	/* refusals: out and facts untouched */
	const char *bad[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"init\",\"params\":{}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"init\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"init\",\"params\":{\"configuration\":[]}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"init\",\"params\":{\"configuration\":"
		"{\"lightning-dir\":5,\"rpc-file\":\"r\"}}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"init\",\"params\":{\"configuration\":"
		"{\"lightning-dir\":\"/x\"}}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"init\",\"params\":[{\"configuration\":"
		"{\"lightning-dir\":\"/x\",\"rpc-file\":\"r\"}}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_int(rewrite(bad[i], false, out, sizeof(out), &f), -1, "refused: %.70s", bad[i]);
		ok(!f.lightning_dir && !f.rpc_file && !out[0], "refused: nothing written");
	}
	return tap_done();
}
