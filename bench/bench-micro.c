/* bench-micro.c - in-process cost of the runner's per-message parsing
 * stages on the bench's own payloads: canon_json (strict validation +
 * canonical bytes, one pass) against a jansson DOM parse of the same bytes
 * (json_loadb with JSON_REJECT_DUPLICATES, as jsonrpc_decode does); and
 * a host message framed then validated (FRAMER_LENIENT, then canon_json_top
 * as the gate does for a raw frame) against framed by validating it
 * (FRAMER_HOST, one pass).
 *
 *   make -f bench/Makefile micro && $BUILD/bench/bench-micro
 *
 * The only bench program that links the runner's objects (every $BUILD object but
 * main.o): it answers "what would a message cost without the DOM parse".
 * Not run by bench/run. Must not: change anything it measures. */
#include <jansson.h>

#include "buf.h"
#include "canon.h"
#include "framer.h"
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

/* One host message read, framed and brought to its canonical text, as
 * the relay and the gate do with it, per mode. */
static double per_host_frame(const char *p, size_t n, enum framer_mode mode, int reps)
{
	struct framer f;
	struct buf scratch;
	char *m;
	size_t len;
	double t0 = 0;

	framer_init(&f, mode, 1u << 26, 64);
	buf_init(&scratch);
	for (int i = -1; i < reps; i++) {
		if (i == 0)
			t0 = now_s();	/* the first one warms the buffers */
		framer_push(&f, p, n);
		framer_push(&f, "\n\n", 2);
		if (framer_next(&f, &m, &len) != FRAME_READY)
			bdie("framer: no frame");
		if (!framer_canon_top(&f)) {
			struct canon_top top;
			buf_consume(&scratch, scratch.len);
			if (canon_json_top(m, len, 64, &scratch, &top, NULL) < 0)
				bdie("canon_json_top refused the frame");
		}
		framer_consume(&f);
	}
	t0 = (now_s() - t0) / reps;
	framer_free(&f);
	buf_free(&scratch);
	return t0;
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
	double scan = per_host_frame(h.p, h.len, FRAMER_LENIENT, 200000);
	double one = per_host_frame(h.p, h.len, FRAMER_HOST, 200000);
	printf("%-34s %9zu B  framed then validated %6.3f us  framed by validating %6.3f us  %4.2fx\n",
	       "htlc_accepted request, host side", h.len, scan * 1e6, one * 1e6, scan / one);
	row("htlc_accepted request", &h, 20000);
	row("log notification", &l, 1000000);
	row("50 MB rpcmethod answer", &big, 2);
	row("50 MB listchannels answer", &lc, 2);
	return 0;
}
