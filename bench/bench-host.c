/* bench-host.c - the host side of every benchmark: plays lightningd to a
 * plugin command (bench-plugin directly, or wrapped by bench-relay, socat,
 * bwrap or plugin-runner) and measures what issue 5 asks for.
 *
 *   bench-host startup [OPTS] -- CMD [ARGS...]
 *       RUNS times: fork+exec CMD, send getmanifest, stop the clock when the
 *       whole answer is read; then close stdin and reap. Prints
 *       "startup_ms <ms>" per run.
 *   bench-host session [OPTS] -- CMD [ARGS...]
 *       One plugin life: getmanifest, init, then idle RSS of CMD's process,
 *       RT htlc_accepted round trips one at a time (in ten chunks; the
 *       median chunk is reported) after RT_WARMUP that are not timed,
 *       LOGS log notifications,
 *       a BIG-byte rpcmethod answer, a RPC-byte listchannels reply served by
 *       a fake lightning-rpc (a forked child of this program), peak VmHWM.
 *       Prints "<key> <value>" lines (see keys in main()).
 *   OPTS: --runs N --rt N --rt-warmup N --logs N --big BYTES --rpc BYTES --dir DIR
 *         --rpc-file NAME (what init's rpc-file says; default lightning-rpc)
 *         --stderr FILE (CMD's stderr) --timeout SECONDS (per wait)
 *         --no-mem (CMD's process is the plugin itself: skip RSS)
 *
 * DIR is the fake lightning-dir: we chdir there before exec (lightningd runs
 * plugins in its netdir) and the fake lightning-rpc listens at
 * DIR/lightning-rpc. Every wait has a timeout; anything unexpected (timeout,
 * EOF, an error reply, a wrong count or size) prints "FAIL <why>" and exits
 * 1, so bench/run can tell a measurement that failed to run from a slow one.
 * Must not: assert on timings (bench/run only reports them). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "bench.h"

static struct {
	unsigned runs;
	uint64_t rt, rt_warmup, logs, big, rpc;
	const char *dir, *rpc_file, *err_file;
	int timeout_ms;
	bool no_mem;
	char **cmd;
} o = { .runs = 5, .rt = 100000, .logs = 1000000, .big = 50000000,
	.rpc = 50000000, .dir = ".", .rpc_file = "lightning-rpc",
	.err_file = "/dev/null", .timeout_ms = 120000 };

struct child {
	pid_t pid;
	int to, from;		/* our ends of its stdin / stdout */
	struct bbuf in;
	unsigned nextid;
};

static pid_t server_pid = -1;

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (server_pid > 0)
		kill(server_pid, SIGKILL);
	exit(1);
}

/* ---- the fake lightning-rpc ---- */

/* The server must not outlive a driver that died mid-measurement. */
static void prctl_parent_death(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Serve one connection: for each request object, answer listchannels with
 * the prepared result and anything else with "unknown command". Requests
 * are found by brace matching (we do not rely on "\n\n" from the client). */
static void serve_conn(int c, const struct bbuf *lc)
{
	struct bbuf in = { 0 };

	for (;;) {
		const char *p = in.p + in.off, *e = in.p + in.len, *end;
		const char *id, *m;
		size_t idlen, mlen;

		p = js_ws(p, e);
		in.off = (size_t)(p - in.p);
		if (p < e && (end = js_skip_value(p, e)) != NULL) {
			struct bbuf out = { 0 };

			if (!js_member(p, end, "id", &id, &idlen))
				id = "null", idlen = 4;
			if (js_member_str(p, end, "method", &m, &mlen) &&
			    js_eq(m, mlen, "listchannels")) {
				bbuf_printf(&out, "{\"jsonrpc\":\"2.0\",\"id\":%.*s,"
					    "\"result\":", (int)idlen, id);
				write_full(c, out.p, out.len);
				write_full(c, lc->p, lc->len);
				write_full(c, "}" MSG_SEP, 3);
			} else {
				bbuf_printf(&out, "{\"jsonrpc\":\"2.0\",\"id\":%.*s,"
					    "\"error\":{\"code\":-32601,\"message\":"
					    "\"Unknown command\"}}" MSG_SEP,
					    (int)idlen, id);
				write_full(c, out.p, out.len);
			}
			free(out.p);
			in.off = (size_t)(end - in.p);
			continue;
		}
		if (bbuf_read(&in, c, 65536) == 0)
			_exit(0);
	}
}

/* Bind DIR/lightning-rpc, fork the server, return once its reply is built. */
static void start_server(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, ready[2];
	char b;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "lightning-rpc");
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 16) < 0 || pipe2(ready, O_CLOEXEC) < 0)
		bdie("fake lightning-rpc:");
	server_pid = fork();
	if (server_pid < 0)
		bdie("fork:");
	if (server_pid == 0) {
		struct bbuf lc = { 0 };

		signal(SIGCHLD, SIG_IGN);	/* auto-reap connection children */
		prctl_parent_death();
		gen_listchannels(&lc, o.rpc);
		write_full(ready[1], "r", 1);
		for (;;) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c < 0)
				continue;
			if (fork() == 0)
				serve_conn(c, &lc);
			close(c);
		}
	}
	close(lfd);
	close(ready[1]);
	if (read(ready[0], &b, 1) != 1)
		fail("fake lightning-rpc did not start");
	close(ready[0]);
}

/* ---- the plugin process ---- */

static void spawn(struct child *c)
{
	int in[2], out[2], efd;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		bdie("pipe:");
	memset(c, 0, sizeof(*c));
	c->pid = fork();
	if (c->pid < 0)
		bdie("fork:");
	if (c->pid == 0) {
		efd = open(o.err_file, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (efd >= 0)
			dup2(efd, 2);
		signal(SIGPIPE, SIG_IGN);	/* as lightningd leaves it */
		execvp(o.cmd[0], o.cmd);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->to = in[1];
	c->from = out[0];
}

/* Next message from the plugin, or fail after the timeout / on EOF. */
static void next_msg(struct child *c, const char **m, size_t *len, const char *what)
{
	while (!bbuf_frame(&c->in, m, len)) {
		struct pollfd pf = { .fd = c->from, .events = POLLIN };
		int r = poll(&pf, 1, o.timeout_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			fail("%s: no answer within %d s", what, o.timeout_ms / 1000);
		if (bbuf_read(&c->in, c->from, 1 << 20) == 0)
			fail("%s: plugin side closed stdout (see its stderr)", what);
	}
}

/* Send a request and wait for its answer; *msg and *mlen get the whole answer
 * frame. Messages without our id on the way (notifications) are counted in
 * *nlogs when they are `log` notifications and otherwise ignored. Only the
 * id is looked at here, so a 50 MB answer costs one memchr pass inside the
 * timed region; result_of() does the rest after the clock stopped. */
static void send_req(struct child *c, const char *method, const char *params,
		     const char **msg, size_t *mlen, uint64_t *nlogs)
{
	struct bbuf req = { 0 };
	char id[64];
	size_t idlen;

	idlen = (size_t)snprintf(id, sizeof(id), "\"cln:%s#%u\"", method, ++c->nextid);
	bbuf_printf(&req, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"%s\","
		    "\"params\":%s}" MSG_SEP, id, method, params);
	write_full(c->to, req.p, req.len);
	free(req.p);
	for (;;) {
		const char *m, *v;
		size_t len, vl;

		next_msg(c, &m, &len, method);
		if (js_member(m, m + len, "id", &v, &vl)) {
			if (vl != idlen || memcmp(v, id, idlen))
				fail("%s: answer with unexpected id %.*s", method,
				     (int)vl, v);
			*msg = m;
			*mlen = len;
			return;
		}
		if (nlogs && js_member_str(m, m + len, "method", &v, &vl) &&
		    js_eq(v, vl, "log"))
			(*nlogs)++;
	}
}

/* The "result" of an answer frame, or fail with the error it carries. */
static void result_of(const char *what, const char *m, size_t len,
		      const char **res, size_t *rlen)
{
	if (!js_member(m, m + len, "result", res, rlen))
		fail("%s: error answer: %.*s", what, len > 300 ? 300 : (int)len, m);
}

/* The plugin's answer to a hook call must be continue (checked on the
 * first call of a session, outside any timed region). */
static void expect_continue(const char *m, size_t len)
{
	const char *r;
	size_t rl;

	result_of("htlc_accepted", m, len, &r, &rl);
	if (!js_eq(r, rl, "{\"result\":\"continue\"}"))
		fail("htlc_accepted: unexpected reply %.*s", (int)rl, r);
}

static void call(struct child *c, const char *method, const char *params,
		 const char **res, size_t *rlen)
{
	const char *m;
	size_t len;

	send_req(c, method, params, &m, &len, NULL);
	result_of(method, m, len, res, rlen);
}

/* A "Key: N kB" line of /proc/PID/<file> (status or smaps_rollup). */
static long proc_kb_in(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = strtol(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

static long proc_kb(pid_t pid, const char *key)
{
	return proc_kb_in(pid, "status", key);
}

/* Close its stdin (lightningd's EOF) and reap; returns the wait status. */
static int finish(struct child *c)
{
	int st = 0;
	double t0 = now_s();

	close(c->to);
	for (;;) {
		pid_t r = waitpid(c->pid, &st, WNOHANG);

		if (r == c->pid)
			break;
		if (now_s() - t0 > o.timeout_ms / 1000.0) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &st, 0);
			fail("plugin side did not exit after stdin EOF");
		}
		usleep(1000);
	}
	close(c->from);
	free(c->in.p);
	return st;
}

static void handshake(struct child *c)
{
	char params[8192];
	char cwd[4096];
	const char *r;
	size_t rl;

	if (!getcwd(cwd, sizeof(cwd)))
		bdie("getcwd:");
	call(c, "getmanifest", "{\"allow-deprecated-apis\":false}", &r, &rl);
	if (!memmem(r, rl, "htlc_accepted", 13) || !memmem(r, rl, "benchbig", 8))
		fail("getmanifest: answer lacks the hook or rpcmethods: %.*s", (int)rl, r);
	snprintf(params, sizeof(params),
		 "{\"options\":{},\"configuration\":{\"lightning-dir\":\"%s\","
		 "\"rpc-file\":\"%s\",\"startup\":true,\"network\":\"regtest\","
		 "\"feature_set\":{\"init\":\"08a0000a8a5961\",\"node\":"
		 "\"88a0000a8a5961\",\"channel\":\"\",\"invoice\":\"02000002024100\"}}}",
		 cwd, o.rpc_file);
	call(c, "init", params, &r, &rl);
}

static void run_startup(void)
{
	for (unsigned i = 0; i < o.runs; i++) {
		struct child c;
		const char *r;
		size_t rl;
		double t0 = now_s();

		spawn(&c);
		call(&c, "getmanifest", "{\"allow-deprecated-apis\":false}", &r, &rl);
		double t1 = now_s();

		if (!memmem(r, rl, "htlc_accepted", 13))
			fail("getmanifest: answer lacks the hook");
		int st = finish(&c);

		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail("plugin side exited with status 0x%x", st);
		printf("startup_ms %.3f\n", (t1 - t0) * 1e3);
		fflush(stdout);
	}
}

static void run_session(void)
{
	struct child c;
	struct bbuf params = { 0 };
	const char *r, *m;
	size_t rl, ml;
	uint64_t n = 0, u = 0;
	char p[128];
	double t0, t1;

	if (o.rpc)
		start_server();
	spawn(&c);
	handshake(&c);
	if (!o.no_mem) {
		usleep(200000);		/* let it settle into its idle loop */
		printf("idle_rss_kb %ld\n", proc_kb(c.pid, "VmRSS"));
		/* RSS counts every resident page of the shared libraries
		 * (mostly libc's, shared with every process); PSS and the
		 * private pages say what the wrapper itself costs. */
		printf("idle_pss_kb %ld\n", proc_kb_in(c.pid, "smaps_rollup", "Pss"));
		printf("idle_private_kb %ld\n",
		       proc_kb_in(c.pid, "smaps_rollup", "Private_Clean") +
		       proc_kb_in(c.pid, "smaps_rollup", "Private_Dirty"));
	}

	if (o.rt) {
		/* Ten equal chunks, one figure: the median chunk's time per
		 * round trip, so a burst of load from elsewhere on the machine
		 * during one chunk does not move the result. */
		double chunk_us[10];
		uint64_t per = o.rt >= 10 ? o.rt / 10 : 1, done = 0;
		int nch = 0;

		gen_htlc_params(&params);
		/* Not timed: the first round trips of a wrapper that has just
		 * started run slow for reasons of the start, not of the round
		 * trip. The scheduler tracks each task's recent CPU use, and
		 * places a task that has just worked hard (the runner's 5 ms
		 * start-up) differently for some 100 ms: the plain relay
		 * given the same 5 ms of busy start is as slow in its first
		 * several hundred round trips (bench/README.md). Start-up has
		 * its own mark. */
		for (uint64_t i = 0; i < o.rt_warmup; i++) {
			send_req(&c, "htlc_accepted", params.p, &m, &ml, NULL);
			if (i == 0)
				expect_continue(m, ml);
		}
		while (done < o.rt && nch < 10) {
			uint64_t k = nch == 9 || o.rt - done < per ? o.rt - done : per;

			t0 = now_s();
			for (uint64_t i = 0; i < k; i++) {
				send_req(&c, "htlc_accepted", params.p, &m, &ml, NULL);
				if (done + i == 0 && !o.rt_warmup)
					expect_continue(m, ml);
			}
			t1 = now_s();
			chunk_us[nch++] = (t1 - t0) * 1e6 / (double)k;
			done += k;
		}
		for (int i = 1; i < nch; i++)	/* insertion sort: 10 items */
			for (int j = i; j > 0 && chunk_us[j - 1] > chunk_us[j]; j--) {
				double tmp = chunk_us[j];

				chunk_us[j] = chunk_us[j - 1];
				chunk_us[j - 1] = tmp;
			}
		printf("rt_us %.3f\n", nch % 2 ? chunk_us[nch / 2] :
		       (chunk_us[nch / 2 - 1] + chunk_us[nch / 2]) / 2);
		printf("rt_request_bytes %zu\n", params.len);
	}

	if (o.logs) {
		snprintf(p, sizeof(p), "{\"count\":%llu}", (unsigned long long)o.logs);
		t0 = now_s();
		send_req(&c, "benchlog", p, &m, &ml, &n);
		t1 = now_s();
		result_of("benchlog", m, ml, &r, &rl);
		if (n != o.logs)
			fail("benchlog: %llu of %llu log notifications arrived",
			     (unsigned long long)n, (unsigned long long)o.logs);
		printf("rate_msgs_s %.0f\n", (double)n / (t1 - t0));
	}

	if (!o.no_mem)
		printf("hwm_small_kb %ld\n", proc_kb(c.pid, "VmHWM"));

	if (o.big) {
		snprintf(p, sizeof(p), "{\"bytes\":%llu,\"prepare\":true}",
			 (unsigned long long)o.big);
		call(&c, "benchbig", p, &r, &rl);
		if (!js_member_u64(r, r + rl, "bytes", &u) || u < o.big)
			fail("benchbig prepare: %.*s", (int)rl, r);
		snprintf(p, sizeof(p), "{\"bytes\":%llu}", (unsigned long long)o.big);
		bbuf_prefault(&c.in, o.big + (2 << 20));
		t0 = now_s();
		send_req(&c, "benchbig", p, &m, &ml, NULL);
		t1 = now_s();
		result_of("benchbig", m, ml, &r, &rl);
		if (rl != u)
			fail("benchbig: result is %zu bytes, plugin sent %llu", rl,
			     (unsigned long long)u);
		printf("big_mbps %.1f\n", (double)ml / MB / (t1 - t0));
		printf("big_bytes %zu\n", ml);
	}

	if (o.rpc) {
		snprintf(p, sizeof(p), "{\"bytes\":%llu,\"prepare\":true}",
			 (unsigned long long)o.rpc);
		call(&c, "benchrpc", p, &r, &rl);
		t0 = now_s();
		send_req(&c, "benchrpc", "{}", &m, &ml, NULL);
		t1 = now_s();
		result_of("benchrpc", m, ml, &r, &rl);
		if (!js_member_u64(r, r + rl, "bytes", &u) || u < o.rpc)
			fail("benchrpc: %.*s", (int)rl, r);
		printf("rpc_mbps %.1f\n", (double)u / MB / (t1 - t0));
		printf("rpc_bytes %llu\n", (unsigned long long)u);
	}

	if (!o.no_mem)
		printf("peak_hwm_kb %ld\n", proc_kb(c.pid, "VmHWM"));
	int st = finish(&c);

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("plugin side exited with status 0x%x", st);
	free(params.p);
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
}

static uint64_t num(const char *s)
{
	char *e;
	uint64_t v = strtoull(s, &e, 10);

	if (*e)
		bdie("not a number: %s", s);
	return v;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int i;

	for (i = 2; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--no-mem")) {
			o.no_mem = true;
			continue;
		}
		if (!v)
			bdie("%s needs a value", a);
		i++;
		if (!strcmp(a, "--runs"))
			o.runs = (unsigned)num(v);
		else if (!strcmp(a, "--rt"))
			o.rt = num(v);
		else if (!strcmp(a, "--rt-warmup"))
			o.rt_warmup = num(v);
		else if (!strcmp(a, "--logs"))
			o.logs = num(v);
		else if (!strcmp(a, "--big"))
			o.big = num(v);
		else if (!strcmp(a, "--rpc"))
			o.rpc = num(v);
		else if (!strcmp(a, "--dir"))
			o.dir = v;
		else if (!strcmp(a, "--rpc-file"))
			o.rpc_file = v;
		else if (!strcmp(a, "--stderr"))
			o.err_file = v;
		else if (!strcmp(a, "--timeout"))
			o.timeout_ms = (int)num(v) * 1000;
		else
			bdie("unknown option %s", a);
	}
	if (i + 1 >= argc)
		bdie("usage: bench-host startup|session [OPTS] -- CMD [ARGS...]");
	o.cmd = argv + i + 1;
	signal(SIGPIPE, SIG_IGN);
	if (chdir(o.dir) < 0)
		bdie("chdir %s:", o.dir);
	if (!strcmp(mode, "startup"))
		run_startup();
	else if (!strcmp(mode, "session"))
		run_session();
	else
		bdie("unknown mode %s", mode);
	return 0;
}
