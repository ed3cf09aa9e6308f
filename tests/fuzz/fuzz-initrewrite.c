/* fuzz-initrewrite.c - libFuzzer target for initrewrite.c (also replayed
 * over its corpus by `make check`). abort() unless, for any bytes that
 * decode as a request, init_rewrite() refuses what a jansson rewrite
 * refuses and otherwise writes canonical text equal, as a tree, to that
 * rewrite's (init_oracle.h), with and without the proxy kept. The first
 * byte is not part of the message: its low bit is keep_proxy. */
#include <stdlib.h>
#include "init_oracle.h"
#include "jsonrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *fuzz_target_name(void);

const char *fuzz_target_name(void)
{
	return "fuzz-initrewrite";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf scratch;
	struct rpcmsg m;
	char why[128];

	if (size < 1)
		return 0;
	bool keep_proxy = data[0] & 1;
	buf_init(&scratch);
	if (jsonrpc_decode_lazy((const char *)data + 1, size - 1, 64, &scratch, &m, why,
				sizeof(why)) == 0 && m.kind == MSG_REQUEST &&
	    !init_agrees(m.canon, m.canon_len, m.params_span, keep_proxy))
		abort();
	rpcmsg_clear(&m);
	buf_free(&scratch);
	return 0;
}
