/* bench-plugin.c - the minimal C plugin every benchmark runs (directly, under
 * the byte relay, socat, bwrap, or plugin-runner).
 *
 * Speaks the lightningd plugin protocol on stdin/stdout like a libplugin or
 * pyln plugin: reads messages framed by "\n\n" (lightningd and plugin-runner
 * both end every message with it), writes compact JSON + "\n\n". Answers:
 *   getmanifest        rpcmethods benchbig/benchlog/benchrpc, hook htlc_accepted
 *   init               remembers lightning-dir and rpc-file, answers {}
 *   htlc_accepted      {"result":"continue"}           (round-trip benchmark)
 *   benchlog {count}   emits `count` log notifications, then {"count":N}
 *   benchbig {bytes, prepare?}
 *                      prepare:true builds a result of >= bytes and answers
 *                      {"bytes":N}; without it sends that result (plugin->host
 *                      throughput); built beforehand so generation is untimed
 *   benchrpc {bytes?, prepare?}
 *                      prepare:true only pre-faults a reply buffer of bytes;
 *                      without it: connects to its lightning-rpc, asks
 *                      listchannels, reads the whole reply, answers
 *                      {"bytes":N} (rpc->plugin throughput)
 * Exits 0 on stdin EOF. Must not: write anything but protocol to stdout,
 * validate JSON (the runner does that), or depend on src/.
 * Started by bench-host.c (through whatever wrapper bench/run chose). */
#include <sys/socket.h>
#include <sys/un.h>

#include "bench.h"

static char ldir[4096] = ".";
static char rpcfile[4096] = "lightning-rpc";
static struct bbuf big;		/* prepared benchbig result */
static struct bbuf rpcin;	/* listchannels reply buffer, pre-faulted */

static void reply(const char *id, size_t idlen, const char *result)
{
	struct bbuf o = { 0 };

	bbuf_printf(&o, "{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"result\":%s}"
		    MSG_SEP, (int)idlen, id, result);
	write_full(1, o.p, o.len);
	free(o.p);
}

static void reply_error(const char *id, size_t idlen, const char *what)
{
	struct bbuf o = { 0 };

	bbuf_printf(&o, "{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"error\":{\"code\":"
		    "-32601,\"message\":\"%s\"}}" MSG_SEP, (int)idlen, id, what);
	write_full(1, o.p, o.len);
	free(o.p);
}

static void do_getmanifest(const char *id, size_t idlen)
{
	reply(id, idlen,
	      "{\"options\":[],\"rpcmethods\":["
	      "{\"name\":\"benchbig\",\"usage\":\"bytes [prepare]\"},"
	      "{\"name\":\"benchlog\",\"usage\":\"count\"},"
	      "{\"name\":\"benchrpc\",\"usage\":\"[bytes] [prepare]\"}],"
	      "\"hooks\":[\"htlc_accepted\"],\"subscriptions\":[],"
	      "\"dynamic\":false,\"nonnumericids\":true}");
}

static void copy_str(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		bdie("init: path too long");
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static void do_init(const char *id, size_t idlen, const char *m, const char *e)
{
	const char *params, *conf, *s;
	size_t pl, cl, sl;

	if (js_member(m, e, "params", &params, &pl) &&
	    js_member(params, params + pl, "configuration", &conf, &cl)) {
		if (js_member_str(conf, conf + cl, "lightning-dir", &s, &sl))
			copy_str(ldir, sizeof(ldir), s, sl);
		if (js_member_str(conf, conf + cl, "rpc-file", &s, &sl))
			copy_str(rpcfile, sizeof(rpcfile), s, sl);
	}
	reply(id, idlen, "{}");
}

/* N log notifications, written in 64 kB batches as a chatty plugin would
 * when stdout is a pipe it does not flush per line. */
static void do_benchlog(const char *id, size_t idlen, uint64_t n)
{
	struct bbuf o = { 0 };
	char res[64];

	for (uint64_t i = 0; i < n; i++) {
		bbuf_printf(&o, "{\"jsonrpc\":\"2.0\",\"method\":\"log\","
			    "\"params\":{\"level\":\"debug\",\"message\":"
			    "\"bench log line %07llu\"}}" MSG_SEP,
			    (unsigned long long)i);
		if (o.len >= 65536) {
			write_full(1, o.p, o.len);
			o.len = 0;
		}
	}
	write_full(1, o.p, o.len);
	free(o.p);
	snprintf(res, sizeof(res), "{\"count\":%llu}", (unsigned long long)n);
	reply(id, idlen, res);
}

static void do_benchbig(const char *id, size_t idlen, uint64_t bytes, bool prep)
{
	char res[64];

	if (prep) {
		big.len = big.off = 0;
		gen_items(&big, bytes);
		snprintf(res, sizeof(res), "{\"bytes\":%zu}", big.len);
		reply(id, idlen, res);
		return;
	}
	if (big.len == 0)
		bdie("benchbig without prepare");
	struct bbuf o = { 0 };

	bbuf_printf(&o, "{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"result\":",
		    (int)idlen, id);
	write_full(1, o.p, o.len);
	write_full(1, big.p, big.len);
	write_full(1, "}" MSG_SEP, 3);
	free(o.p);
}

/* Connect to lightning-rpc as libplugin does (rpc-file relative to the
 * lightning-dir unless absolute), read one whole listchannels reply. */
static void do_benchrpc(const char *id, size_t idlen, uint64_t bytes, bool prep)
{
	static const char req[] = "{\"jsonrpc\":\"2.0\",\"id\":\"bench:1\","
		"\"method\":\"listchannels\",\"params\":{}}" MSG_SEP;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct bbuf *in = &rpcin;
	const char *msg;
	size_t mlen;
	char res[64];
	int n, fd;

	in->off = in->len = in->scan = 0;
	if (prep) {
		bbuf_prefault(in, bytes + (2 << 20));
		reply(id, idlen, "{}");
		return;
	}

	if (rpcfile[0] == '/')
		n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", rpcfile);
	else
		n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", ldir,
			     rpcfile);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		bdie("rpc path too long");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		reply_error(id, idlen, "cannot connect to lightning-rpc");
		if (fd >= 0)
			close(fd);
		return;
	}
	write_full(fd, req, sizeof(req) - 1);
	while (!bbuf_frame(in, &msg, &mlen))
		if (bbuf_read(in, fd, 1 << 20) == 0)
			bdie("lightning-rpc closed mid-reply (%zu bytes)", in->len);
	close(fd);
	snprintf(res, sizeof(res), "{\"bytes\":%zu}", mlen);
	reply(id, idlen, res);
}

static void handle(const char *m, size_t len)
{
	const char *e = m + len, *id, *meth, *params;
	size_t idlen, mlen, pl;
	uint64_t u = 0;

	if (!js_member_str(m, e, "method", &meth, &mlen))
		return;				/* a response: we ask nothing */
	if (!js_member(m, e, "id", &id, &idlen))
		return;				/* notifications: none wanted */
	if (!js_member(m, e, "params", &params, &pl)) {
		params = "{}";
		pl = 2;
	}
	if (js_eq(meth, mlen, "htlc_accepted"))
		reply(id, idlen, "{\"result\":\"continue\"}");
	else if (js_eq(meth, mlen, "getmanifest"))
		do_getmanifest(id, idlen);
	else if (js_eq(meth, mlen, "init"))
		do_init(id, idlen, m, e);
	else if (js_eq(meth, mlen, "benchlog")) {
		js_member_u64(params, params + pl, "count", &u);
		do_benchlog(id, idlen, u);
	} else if (js_eq(meth, mlen, "benchbig") ||
		   js_eq(meth, mlen, "benchrpc")) {
		const char *v;
		size_t vl;
		bool prep = js_member(params, params + pl, "prepare", &v, &vl) &&
			    js_eq(v, vl, "true");

		js_member_u64(params, params + pl, "bytes", &u);
		if (meth[5] == 'b')
			do_benchbig(id, idlen, u, prep);
		else
			do_benchrpc(id, idlen, u, prep);
	} else

		reply_error(id, idlen, "unknown method");
}

int main(void)
{
	struct bbuf in = { 0 };
	const char *m;
	size_t len;

	for (;;) {
		while (bbuf_frame(&in, &m, &len))
			handle(m, len);
		if (bbuf_read(&in, 0, 65536) == 0)
			break;
	}
	free(in.p);
	return 0;
}
