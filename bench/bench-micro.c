/* bench-micro.c - in-process cost of the runner's per-message parsing
 * stages on the bench's own payloads: canon_json (strict validation +
 * canonical bytes, one pass) against a jansson DOM parse of the same bytes
 * (json_loadb with JSON_REJECT_DUPLICATES, as jsonrpc_decode does).
 *
 *   make -f bench/Makefile micro && $BUILD/bench/bench-micro
 *
 * The only bench program that links the runner's objects (every $BUILD object but
 * main.o): it answers "what would a message cost without the DOM parse".
 * Not run by bench/run. Must not: change anything it measures. */
#include <jansson.h>

#include "buf.h"
#include "canon.h"
#include "bench.h"

static double per_canon(const char *p, size_t n, int reps)
{
	struct buf out;
	struct canon_err e;
	double t0;

	buf_init(&out);
	canon_json(p, n, 64, &out, &e);	/* warm: output buffer faulted in */
	t0 = now_s();
	for (int i = 0; i < reps; i++) {
		buf_consume(&out, out.len);
		if (canon_json(p, n, 64, &out, &e) < 0)
			bdie("canon_json: %s at %zu", e.why, e.offset);
	}
	t0 = (now_s() - t0) / reps;
	buf_free(&out);
	return t0;
}

static double per_dom(const char *p, size_t n, int reps)
{
	json_error_t je;
	double t0 = now_s();

	for (int i = 0; i < reps; i++) {
		json_t *j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);

		if (!j)
			bdie("json_loadb: %s", je.text);
		json_decref(j);
	}
	return (now_s() - t0) / reps;
}

static void row(const char *what, const struct bbuf *b, int reps)
{
	double c = per_canon(b->p, b->len, reps), d = per_dom(b->p, b->len, reps);

	printf("%-34s %9zu B  canon %10.3f us (%6.0f MB/s)  jansson DOM %10.3f us (%5.0f MB/s)  %4.1fx\n",
	       what, b->len, c * 1e6, b->len / MB / c, d * 1e6, b->len / MB / d, d / c);
}

int main(void)
{
	struct bbuf h = { 0 }, l = { 0 }, big = { 0 }, lc = { 0 };

	bbuf_printf(&h, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:htlc_accepted#1\","
		    "\"method\":\"htlc_accepted\",\"params\":");
	gen_htlc_params(&h);
	bbuf_add(&h, "}", 1);
	bbuf_printf(&l, "{\"jsonrpc\":\"2.0\",\"method\":\"log\",\"params\":"
		    "{\"level\":\"debug\",\"message\":\"bench log line 0000001\"}}");
	bbuf_printf(&big, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:benchbig#1\",\"result\":");
	gen_items(&big, 50000000);
	bbuf_add(&big, "}", 1);
	bbuf_printf(&lc, "{\"jsonrpc\":\"2.0\",\"id\":\"bench:1\",\"result\":");
	gen_listchannels(&lc, 50000000);
	bbuf_add(&lc, "}", 1);
	row("htlc_accepted request", &h, 20000);
	row("log notification", &l, 1000000);
	row("50 MB rpcmethod answer", &big, 2);
	row("50 MB listchannels answer", &lc, 2);
	return 0;
}
