/* bench-micro.c - in-process cost of the runner's per-message parsing
 * stages on the bench's own payloads: canon_json (strict validation +
 * canonical bytes, one pass) against a jansson DOM parse of the same bytes
 * (json_loadb with JSON_REJECT_DUPLICATES, as jsonrpc_decode does); and
 * a host message framed then validated (FRAMER_LENIENT, then canon_json_top
 * as the gate does for a raw frame) against framed by validating it
 * (FRAMER_HOST, one pass); and a whole hook round trip through the
 * relay's framers and the gate (no I/O), stage by stage: back to back,
 * after the CPU idled, as between two hook calls on a node (a halted vCPU
 * on a VM), and with every cache emptied first (what a round trip costs
 * when other work ran on the core in between). And, of start-up: each
 * seccomp filter's compiling and the kernel's taking it.
 *
 *   make micro && $BUILD/bench/bench-micro [--smoke] [POLICY]
 *   (POLICY: bench/policies/bench.json, from the top directory; --smoke:
 *   a thousandth of every size and count, as `make check` runs it)
 *
 * The only bench program that links the runner's objects (every $BUILD object but
 * main.o): it answers "what would a message cost without the DOM parse", and
 * what the runner's own work per hook call is, without the system calls.
 * Not run by bench/run; `make check` runs it with --smoke. Must not:
 * change anything it measures. */
#include <jansson.h>

#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "canon.h"
#include "framer.h"
#include "gate.h"
#include "jsbound.h"
#include "log.h"
#include "policy.h"
#include "seccomp_filter.h"
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

/* ---- one hook round trip through the runner's framers and gate ---- */

struct rt {
	struct policy *pol;
	struct gate *g;
	struct framer host_in, plugin_out;
	struct buf to_plugin, to_host;
	struct gate_io hio, pio;
};

/* One message from the host (from_host) or the plugin through its
 * framer and the gate, as the relay passes it; it must be forwarded.
 * stage[0]: the framer's time (framing, validation, canonical text),
 * stage[1]: the gate's (decision, bookkeeping, the queued copy). */
static void rt_pass(struct rt *r, bool from_host, const char *p, size_t n, double stage[2])
{
	struct framer *f = from_host ? &r->host_in : &r->plugin_out;
	struct buf *out = from_host ? &r->to_plugin : &r->to_host;
	char *m;
	size_t len;

	double t0 = now_s();
	framer_push(f, p, n);
	if (framer_next(f, &m, &len) != FRAME_READY)
		bdie("%s framer: no frame", from_host ? "host" : "plugin");
	double t1 = now_s();
	enum gate_rc rc = from_host ? gate_from_host(r->g, m, len, &r->hio)
				    : gate_from_plugin(r->g, m, len, &r->pio);
	double t2 = now_s();
	framer_consume(f);
	if (rc != GATE_OK || !out->len)
		bdie("the gate did not forward the %s's message", from_host ? "host" : "plugin");
	buf_consume(out, out->len);
	if (stage) {
		stage[0] = t1 - t0;
		stage[1] = t2 - t1;
	}
}

/* The bench's policy and plugin, through getmanifest and init, as the
 * relay would take them (its framers, its gate). */
static void rt_open(struct rt *r, const char *policy_file)
{
	static char text[1 << 16];
	struct policy *pol;
	struct perr err;
	int fd = open(policy_file, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text));

	if (n <= 0)
		bdie("cannot read %s:", policy_file);
	if (policy_load_buf(policy_file, text, (size_t)n, &pol, &err) < 0)
		bdie("%s", err.msg);
	close(fd);
	memset(r, 0, sizeof(*r));
	r->pol = pol;
	r->g = gate_new(pol, false, NULL);
	framer_init(&r->host_in, FRAMER_HOST, pol->sandbox.limits.message, 64);
	framer_init(&r->plugin_out, FRAMER_CANON, pol->sandbox.limits.message, 64);
	r->hio = (struct gate_io){ &r->to_plugin, &r->to_host, &r->host_in };
	r->pio = (struct gate_io){ &r->to_plugin, &r->to_host, &r->plugin_out };
	static const char gm[] = "{\"jsonrpc\":\"2.0\",\"id\":\"cln:getmanifest#1\",\"method\":\"getmanifest\",\"params\":{}}\n\n";
	static const char man[] = "{\"jsonrpc\":\"2.0\",\"id\":\"cln:getmanifest#1\",\"result\":{\"options\":[],\"rpcmethods\":["
		"{\"name\":\"benchbig\",\"usage\":\"bytes\"},{\"name\":\"benchlog\",\"usage\":\"count\"},"
		"{\"name\":\"benchrpc\",\"usage\":\"bytes\"}],\"hooks\":[\"htlc_accepted\"],\"subscriptions\":[],"
		"\"dynamic\":false,\"nonnumericids\":true}}\n\n";
	static const char init[] = "{\"jsonrpc\":\"2.0\",\"id\":\"cln:init#2\",\"method\":\"init\",\"params\":{\"options\":{},"
		"\"configuration\":{\"lightning-dir\":\"/tmp\",\"rpc-file\":\"lightning-rpc\",\"startup\":true,"
		"\"network\":\"regtest\"}}}\n\n";
	static const char done[] = "{\"jsonrpc\":\"2.0\",\"id\":\"cln:init#2\",\"result\":{}}\n\n";
	rt_pass(r, true, gm, sizeof(gm) - 1, NULL);
	rt_pass(r, false, man, sizeof(man) - 1, NULL);
	rt_pass(r, true, init, sizeof(init) - 1, NULL);
	rt_pass(r, false, done, sizeof(done) - 1, NULL);
	if (!gate_running(r->g))
		bdie("handshake did not complete");
}

/* Everything rt_open() made, so that a sanitizer build (make check) sees
 * no leak. */
static void rt_close(struct rt *r)
{
	gate_free(r->g);
	framer_free(&r->host_in);
	framer_free(&r->plugin_out);
	buf_free(&r->to_plugin);
	buf_free(&r->to_host);
	policy_free(r->pol);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of t[0..n) (which it sorts). */
static double median(double *t, size_t n)
{
	qsort(t, n, sizeof(*t), cmp_double);
	return t[n / 2];
}

/* How a round trip is preceded (not timed): nothing, the CPU idling, or
 * every cache emptied of the runner's code and data. */
enum rt_before { RT_BACK_TO_BACK, RT_IDLE, RT_EVICTED };

/* Bytes swept to evict: more than this VM's 32 MiB L3, so that the
 * runner's code and data come from memory, as after a vCPU halt on a busy
 * host where other work ran on that core in between. */
#define EVICT_BYTES	(64u << 20)

/* Median time of one htlc_accepted call and its {"result":"continue"}
 * through framers and gate (no I/O), each call with a new id as
 * lightningd sends them, and the median of each stage (host framer, host
 * gate, plugin framer, plugin gate) into stages[4]. RT_IDLE: the thread
 * sleeps 200 us before each, so the CPU idles (on a VM, a halted vCPU),
 * as between two hook calls on a real node; RT_EVICTED: it sweeps
 * EVICT_BYTES first. Neither is timed. */
static double per_round_trip(struct rt *r, const struct bbuf *params, int reps,
			     enum rt_before before, double stages[4])
{
	struct bbuf req = { 0 }, rep = { 0 };
	double *t = calloc((size_t)reps * 5, sizeof(*t));
	static char *sweep;
	static unsigned long long id = 100;

	if (!t)
		bdie("out of memory");
	if (before == RT_EVICTED && !sweep && !(sweep = calloc(1, EVICT_BYTES)))
		bdie("out of memory");
	/* as many to warm up, up to 100 (a smoke run makes few) */
	for (int i = reps < 100 ? -reps : -100; i < reps; i++) {
		double st[4];
		id++;
		req.len = rep.len = 0;
		bbuf_printf(&req, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:htlc_accepted#%llu\","
			    "\"method\":\"htlc_accepted\",\"params\":%.*s}\n\n",
			    id, (int)params->len, params->p);
		bbuf_printf(&rep, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:htlc_accepted#%llu\","
			    "\"result\":{\"result\":\"continue\"}}\n\n", id);
		if (before == RT_IDLE)
			usleep(200);
		else if (before == RT_EVICTED)
			for (size_t k = 0; k < EVICT_BYTES; k += 64)
				sweep[k]++;
		double t0 = now_s();
		rt_pass(r, true, req.p, req.len, st);
		rt_pass(r, false, rep.p, rep.len, st + 2);
		if (i >= 0) {
			t[i] = now_s() - t0;
			for (int k = 0; k < 4; k++)
				t[(size_t)reps * (size_t)(k + 1) + (size_t)i] = st[k];
		}
	}
	double m = median(t, (size_t)reps);
	for (int k = 0; k < 4; k++)
		stages[k] = median(t + (size_t)reps * (size_t)(k + 1), (size_t)reps);
	free(t);
	free(req.p);
	free(rep.p);
	return m;
}

/* Where lightningd's answer ends, as rpcproxy.c tracks it while the
 * answer streams to the plugin: the boundary scan alone, in the proxy's
 * 256 KiB reads. */
static double per_scan(const char *p, size_t n, int reps)
{
	double t0 = now_s();

	for (int i = 0; i < reps; i++) {
		struct jsbound b = { 0 };
		for (size_t at = 0; at < n; at += 256u << 10) {
			size_t end = n - at < (256u << 10) ? n : at + (256u << 10), pos = at;
			while (jsbound_scan(&b, p, &pos, end, SIZE_MAX) != JSBOUND_MORE)
				;
		}
		if (!jsbound_between(&b))
			bdie("jsbound: the answer did not end");
	}
	return (now_s() - t0) / reps;
}

/* ---- start-up: the three seccomp filters ---- */

/* Median time for the kernel to take `prog` (seccomp(2) in a fresh child,
 * with no_new_privs): it checks the program, JIT-compiles it and runs it
 * once per syscall number to cache what it allows whatever the arguments.
 * The child exits at once; its time comes back over a pipe. */
static double per_filter_load(const struct sock_fprog *prog, int reps)
{
	double *t = calloc((size_t)reps, sizeof(*t));
	int fds[2];

	if (!t || pipe(fds) < 0)
		bdie("out of memory or fds");
	for (int i = 0; i < reps; i++) {
		pid_t pid = fork();
		if (pid < 0)
			bdie("fork:");
		if (pid == 0) {
			double t0 = now_s();
			int r = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -1
				: seccomp_filter_load_prog(prog);
			double d = r == 0 ? now_s() - t0 : -1;
			_exit(write(fds[1], &d, sizeof(d)) == sizeof(d) ? 0 : 1);
		}
		if (read(fds[0], &t[i], sizeof(t[i])) != sizeof(t[i]) || t[i] < 0)
			bdie("the kernel refused a filter");
		waitpid(pid, NULL, 0);
	}
	double m = median(t, (size_t)reps);
	free(t);
	close(fds[0]);
	close(fds[1]);
	return m;
}

/* Each filter the runner builds: compiling it (bpfgen.c, in the runner
 * before the clone) and the kernel taking it (the plugin's in the
 * plugin's process just before exec, on the start-up path). */
static void filter_rows(const struct policy *pol, int reps)
{
	for (int k = 0; k < 3; k++) {
		static const char *const names[] = { "plugin", "runner", "reaper" };
		struct sock_fprog prog;
		double t0 = now_s();
		for (int i = 0; i < reps; i++) {
			if (k == 0)
				seccomp_filter_plugin_prog(pol, &prog);
			else if (k == 1)
				seccomp_filter_runner_prog(4242, &prog);
			else
				seccomp_filter_reaper_prog(&prog);
			if (i + 1 < reps)
				free(prog.filter);
		}
		double compile = (now_s() - t0) / reps;
		double load = per_filter_load(&prog, reps);
		printf("seccomp filter, %-6s %9u insns  compile %7.1f us  kernel load %7.1f us\n",
		       names[k], prog.len, compile * 1e6, load * 1e6);
		free(prog.filter);
	}
}

/* Each copy of the scan this machine runs (jsbound_use), the runner's
 * choice last. */
static void scan_row(const char *what, const struct bbuf *b)
{
	static const struct { enum jsbound_impl impl; const char *name; } impls[] = {
		{ JSBOUND_PORTABLE, "portable" }, { JSBOUND_SSE2, "SSE2" },
		{ JSBOUND_AVX2, "AVX2" }, { JSBOUND_AUTO, "runner's" },
	};

	printf("%-34s %9zu B  boundary scan", what, b->len);
	for (size_t k = 0; k < sizeof(impls) / sizeof(impls[0]); k++) {
		if (!jsbound_use(impls[k].impl))
			continue;
		double t = per_scan(b->p, b->len, 10);
		printf("  %s %6.0f MB/s", impls[k].name, b->len / MB / t);
	}
	printf("\n");
}

static void stage_row(const char *what, const double st[4])
{
	printf("  %-32s host framer %6.3f us  host gate %6.3f us  plugin framer %6.3f us  plugin gate %6.3f us\n",
	       what, st[0] * 1e6, st[1] * 1e6, st[2] * 1e6, st[3] * 1e6);
}

static void row(const char *what, const struct bbuf *b, int reps)
{
	double c = per_canon(b->p, b->len, reps), d = per_dom(b->p, b->len, reps);

	printf("%-34s %9zu B  canon %10.3f us (%6.0f MB/s)  jansson DOM %10.3f us (%5.0f MB/s)  %4.1fx\n",
	       what, b->len, c * 1e6, b->len / MB / c, d * 1e6, b->len / MB / d, d / c);
}

int main(int argc, char **argv)
{
	/* --smoke (make check): every row at a thousandth of the size or
	 * count, so the program is built and run with each build's flags and
	 * cannot rot; its figures mean nothing. */
	bool smoke = argc > 1 && strcmp(argv[1], "--smoke") == 0;
	if (smoke) {
		argc--;
		argv++;
	}
	const char *policy_file = argc > 1 ? argv[1] : "bench/policies/bench.json";
	int div = smoke ? 1000 : 1;
	size_t answer = 50000000 / (size_t)div;

	log_init("bench-micro", LOG_WARN);	/* not the handshake's info lines */
	struct rt r;
	rt_open(&r, policy_file);	/* before any measuring: a bad policy ends it at once */
	/* first, while the process is small: each load forks a child */
	filter_rows(r.pol, smoke ? 3 : 201);

	struct bbuf h = { 0 }, l = { 0 }, big = { 0 }, lc = { 0 };

	bbuf_printf(&h, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:htlc_accepted#1\","
		    "\"method\":\"htlc_accepted\",\"params\":");
	gen_htlc_params(&h);
	bbuf_add(&h, "}", 1);
	bbuf_printf(&l, "{\"jsonrpc\":\"2.0\",\"method\":\"log\",\"params\":"
		    "{\"level\":\"debug\",\"message\":\"bench log line 0000001\"}}");
	bbuf_printf(&big, "{\"jsonrpc\":\"2.0\",\"id\":\"cln:benchbig#1\",\"result\":");
	gen_items(&big, answer);
	bbuf_add(&big, "}", 1);
	bbuf_printf(&lc, "{\"jsonrpc\":\"2.0\",\"id\":\"bench:1\",\"result\":");
	gen_listchannels(&lc, answer);
	bbuf_add(&lc, "}", 1);
	double scan = per_host_frame(h.p, h.len, FRAMER_LENIENT, 200000 / div);
	double one = per_host_frame(h.p, h.len, FRAMER_HOST, 200000 / div);
	printf("%-34s %9zu B  framed then validated %6.3f us  framed by validating %6.3f us  %4.2fx\n",
	       "htlc_accepted request, host side", h.len, scan * 1e6, one * 1e6, scan / one);
	struct bbuf params = { 0 };
	gen_htlc_params(&params);
	double sw[4], si[4], se[4];
	double warm = per_round_trip(&r, &params, 20000 / div, RT_BACK_TO_BACK, sw);
	double idle = per_round_trip(&r, &params, 2000 / div + 1, RT_IDLE, si);
	double evicted = per_round_trip(&r, &params, 300 / div + 1, RT_EVICTED, se);
	printf("%-34s %9zu B  back to back %6.3f us  after 200 us idle %6.3f us  caches evicted %6.3f us\n",
	       "htlc_accepted round trip, gate", params.len, warm * 1e6, idle * 1e6, evicted * 1e6);
	stage_row("back to back:", sw);
	stage_row("after 200 us idle:", si);
	stage_row("caches evicted (64 MiB swept):", se);
	row("htlc_accepted request", &h, 20000 / div);
	row("log notification", &l, 1000000 / div);
	row(smoke ? "50 kB rpcmethod answer" : "50 MB rpcmethod answer", &big, 2);
	row(smoke ? "50 kB listchannels answer" : "50 MB listchannels answer", &lc, 2);
	scan_row(smoke ? "50 kB listchannels answer" : "50 MB listchannels answer", &lc);
	scan_row(smoke ? "50 kB rpcmethod answer" : "50 MB rpcmethod answer", &big);
	rt_close(&r);
	free(h.p);
	free(l.p);
	free(big.p);
	free(lc.p);
	free(params.p);
	return 0;
}
