/* rpcproxy.c - the plugin's lightning-rpc (SPEC section 6). Each connection
 * the plugin opens on the sandbox socket gets its own upstream connection to
 * the host's real socket (connection-scoped notifications/deprecations/
 * batching stay per connection), opened lazily: the real socket may not
 * exist yet. Plugin -> host: every request is framed, strictly decoded and
 * judged by rpcgate before its canonical bytes go upstream; a denial is
 * answered locally and never reaches lightningd. Host -> plugin: bytes are
 * streamed as they come, without parsing, held once; a boundary scanner
 * only finds where a local reply may be inserted between two messages.
 * Called by relay.c; no privileges, no policy decisions of its own. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "evset.h"
#include "framer.h"
#include "jsbound.h"
#include "jsonrpc.h"
#include "learn.h"
#include "log.h"
#include "rpcgate.h"
#include "rpcproxy.h"
#include "util.h"

#define MAX_CONNS	64		/* per plugin; more are refused */
#define HWM		(1u << 20)
#define READ_CHUNK	(256u << 10)
#define RETRY_SECONDS	0.2		/* the host socket does not exist yet */
#define GIVEUP_SECONDS	300.0		/* ... give up on it after this */

struct conn {
	int down;		/* the plugin's connection */
	int up;			/* ours to the host, -1 until connected */
	struct framer in;	/* plugin requests */
	struct buf to_up;	/* canonical requests for the host */
	struct buf to_down;	/* host bytes + local replies for the plugin */
	struct buf local;	/* local replies waiting for a message boundary */
	struct jsbound bnd;	/* where the host's stream is: in a message or between */
	struct buf scratch;
	bool down_eof, up_eof, closing, shut_up;
	double retry_at, first_try;
};

struct rpcproxy {
	int listen_fd;
	struct evset *ev;	/* the relay's: a conn's fds are closed through it */
	const struct policy *pol;
	bool audit;
	struct learn *learn;
	struct rpcgate *gate;
	char *upstream;
	struct conn *conns[MAX_CONNS];
	size_t nconns;
	/* which conn/role each pollfd we handed out belongs to */
	struct { struct conn *c; int role; } map[1 + 2 * MAX_CONNS];
	size_t nmap;
};

enum { ROLE_LISTEN, ROLE_DOWN, ROLE_UP };

struct rpcproxy *rpcproxy_new(int listen_fd, const struct policy *pol,
			      bool audit, struct learn *learn, struct evset *ev)
{
	struct rpcproxy *rp = xcalloc(1, sizeof(*rp));
	rp->listen_fd = listen_fd;
	rp->ev = ev;
	rp->pol = pol;
	rp->audit = audit;
	rp->learn = learn;
	rp->gate = rpcgate_new(pol);
	if (listen_fd >= 0)
		set_nonblock(listen_fd, true);
	return rp;
}

static void conn_free(struct rpcproxy *rp, struct conn *c)
{
	if (c->down >= 0)
		evset_close(rp->ev, c->down);
	if (c->up >= 0)
		evset_close(rp->ev, c->up);
	framer_free(&c->in);
	buf_free(&c->to_up);
	buf_free(&c->to_down);
	buf_free(&c->local);
	buf_free(&c->scratch);
	free(c);
}

void rpcproxy_free(struct rpcproxy *rp)
{
	if (!rp)
		return;
	for (size_t i = 0; i < rp->nconns; i++)
		conn_free(rp, rp->conns[i]);
	rpcgate_free(rp->gate);
	free(rp->upstream);
	free(rp);
}

void rpcproxy_set_upstream(struct rpcproxy *rp, const char *path)
{
	if (rp->upstream && strcmp(rp->upstream, path) == 0)
		return;
	free(rp->upstream);
	rp->upstream = xstrdup(path);
}

size_t rpcproxy_max_fds(const struct rpcproxy *rp)
{
	(void)rp;
	return 1 + 2 * MAX_CONNS;
}

/* Follow the host's bytes to the plugin through message boundaries
 * (jsbound.c), each byte once: a local reply may go in only between two
 * messages. */
static void boundary_feed(struct jsbound *b, const char *p, size_t n)
{
	size_t pos = 0;

	while (jsbound_scan(b, p, &pos, n, SIZE_MAX) != JSBOUND_MORE)
		;
}

static void local_reply(struct conn *c, const char *wire, size_t len)
{
	struct buf *dst = jsbound_between(&c->bnd) ? &c->to_down : &c->local;
	buf_append(dst, wire, len);
}

/* Answer the plugin ourselves: the request never reaches lightningd. id is
 * the request's id as strict JSON text (answered null when NULL); method
 * and rule, when given, become the error's data. */
static void reply_local(struct conn *c, const char *id, int code, const char *msg,
			const char *method, const char *rule)
{
	struct buf out;

	buf_init(&out);
	jsonrpc_emit_error_raw(&out, id, code, msg, method, rule);
	local_reply(c, buf_head(&out), out.len);
	buf_free(&out);
}

/* The id a decoded message can be answered to, or NULL (caller frees). */
static char *id_of(const struct rpcmsg *m)
{
	return m->id_span.len ? xstrndup(m->canon + m->id_span.off, m->id_span.len) : NULL;
}

static void deny(struct conn *c, const struct rpcmsg *m, const struct rpc_judgement *j)
{
	char *msg = xasprintf("plugin-runner: %s denied by policy (%s)", j->method, j->rule);
	char *id = id_of(m);

	reply_local(c, id, j->code, msg, j->method, j->rule);
	free(id);
	free(msg);
}

/* A request refused for its form. Its id, if one can be read that is
 * strict JSON, is what the answer goes to: a client matching answers by
 * id would wait for ever on an answer to null. */
static void reply_bad(struct conn *c, const char *id, const char *why)
{
	char *msg = xasprintf("plugin-runner: request refused: %s", why);
	reply_local(c, id, -32600, msg, NULL, NULL);
	free(msg);
}

static void reply_bad_msg(struct conn *c, const struct rpcmsg *m, const char *why)
{
	char *id = id_of(m);
	reply_bad(c, id, why);
	free(id);
}

/* Judged on the canonical text's spans; a tree of the request is built only
 * when its params are judged (check, an rpc.params rule), so a request of
 * many small values costs the runner no more than its bytes. */
static void on_request(struct rpcproxy *rp, struct conn *c, const char *frame,
		       size_t len, double now)
{
	struct rpcmsg m;
	char why[256];

	if (jsonrpc_decode_lazy(frame, len, POL_MAX_DEPTH, &c->scratch, &m, why,
				sizeof(why)) < 0) {
		char *id = NULL, *method = NULL;
		log_deny("rpc: request is not strict JSON (%s): refused", why);
		jsonrpc_sniff(frame, len, &id, &method);
		reply_bad(c, id, why);
		free(id);
		free(method);
		return;
	}
	if (m.kind != MSG_REQUEST) {
		log_deny("rpc: message without id and method: refused");
		reply_bad_msg(c, &m, "not a JSON-RPC request with id and method");
		rpcmsg_clear(&m);
		return;
	}
	if (rpcgate_wants_params(rp->gate, m.method) && !rpcmsg_dom(&m)) {
		log_deny("rpc: %s refused: its params cannot be judged (%s)", m.method, m.dom_why);
		reply_bad_msg(c, &m, m.dom_why);
		rpcmsg_clear(&m);
		return;
	}
	struct rpc_judgement j;
	rpcgate_judge(rp->gate, m.method, m.params, now, &j);
	if (rp->learn)
		learn_rpc(rp->learn, j.method);
	if (j.verdict != RPC_ALLOW && !rp->audit) {
		log_deny("rpc: %s denied (%s)", j.method, j.rule);
		deny(c, &m, &j);
		rpcmsg_clear(&m);
		return;
	}
	if (j.verdict != RPC_ALLOW)
		log_deny("rpc: %s would be denied (%s): audit mode, forwarded", j.method, j.rule);
	jsonrpc_emit_canon(&c->to_up, &m);
	if (c->first_try == 0)
		c->first_try = now;
	rpcmsg_clear(&m);
}

static void read_down(struct rpcproxy *rp, struct conn *c, double now)
{
	ssize_t n = read_some(c->down, framer_tail(&c->in, READ_CHUNK), READ_CHUNK);
	if (n < 0)
		return;
	if (n == 0) {
		c->down_eof = true;
		return;
	}
	framer_commit(&c->in, (size_t)n);
	char *msg;
	size_t len;
	for (;;) {
		enum frame_rc rc = framer_next(&c->in, &msg, &len);
		if (rc == FRAME_NEED_MORE)
			return;
		if (rc != FRAME_READY) {
			log_deny("rpc: %s: closing the connection", framer_why(&c->in));
			reply_bad(c, NULL, framer_why(&c->in));
			c->closing = true;
			return;
		}
		on_request(rp, c, msg, len, now);
		framer_consume(&c->in);
	}
}

static void try_connect(struct rpcproxy *rp, struct conn *c, double now)
{
	if (c->up >= 0 || !rp->upstream || c->to_up.len == 0 || now < c->retry_at)
		return;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(rp->upstream) >= sizeof(sa.sun_path)) {
		log_error("rpc: host socket path %s is too long for a unix socket", rp->upstream);
		c->closing = true;
		return;
	}
	memcpy(sa.sun_path, rp->upstream, strlen(rp->upstream) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_error("rpc: socket: %s", strerror(errno));
		c->retry_at = now + RETRY_SECONDS;
		return;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		if (now - c->first_try > GIVEUP_SECONDS) {
			log_error("rpc: cannot reach the host's %s: %s: closing the connection",
				  rp->upstream, strerror(e));
			c->closing = true;
			return;
		}
		log_debug("rpc: host socket not ready (%s): retrying", strerror(e));
		c->retry_at = now + RETRY_SECONDS;
		return;
	}
	c->up = fd;
}

/* Stream the host's bytes to the plugin: read while there is something
 * and room, handing each chunk on at once so neither side idles. */
static void read_up(struct conn *c)
{
	while (c->to_down.len < HWM) {
		char *tail = buf_tail(&c->to_down, READ_CHUNK);
		ssize_t n = read_some(c->up, tail, READ_CHUNK);
		if (n < 0)
			return;
		if (n == 0) {
			c->up_eof = true;
			return;
		}
		boundary_feed(&c->bnd, tail, (size_t)n);
		buf_commit(&c->to_down, (size_t)n);
		if (c->local.len && jsbound_between(&c->bnd)) {
			buf_append(&c->to_down, buf_head(&c->local), c->local.len);
			buf_consume(&c->local, c->local.len);
		}
		if (buf_flush(c->down, &c->to_down) < 0)
			return;
	}
}


static bool conn_finished(const struct conn *c)
{
	if (c->closing)
		return c->to_down.len == 0 || c->down < 0;
	if (!c->down_eof)
		return false;
	/* The plugin hung up: done once the host has nothing more for it. */
	return c->up < 0 || c->up_eof;
}

size_t rpcproxy_pollfds(struct rpcproxy *rp, struct pollfd *fds, size_t max)
{
	size_t n = 0;
	rp->nmap = 0;
	if (rp->listen_fd >= 0 && n < max) {
		fds[n++] = (struct pollfd){ .fd = rp->listen_fd, .events = POLLIN };
		rp->map[rp->nmap++].role = ROLE_LISTEN;
	}
	for (size_t i = 0; i < rp->nconns && n + 2 <= max; i++) {
		struct conn *c = rp->conns[i];
		short ev = 0;
		/* local too: while the host's answer is mid-message, denials
		 * wait there, and each read of requests adds to them */
		if (!c->down_eof && !c->closing && c->to_up.len < HWM &&
		    c->to_down.len < HWM && c->local.len < HWM)
			ev |= POLLIN;
		if (c->to_down.len)
			ev |= POLLOUT;
		/* Asked nothing, the descriptor is left out: a plugin's end
		 * that hung up would report POLLHUP at every turn (a spin
		 * until the host answered) */
		fds[n++] = (struct pollfd){ .fd = ev ? c->down : -1, .events = ev };
		rp->map[rp->nmap].c = c;
		rp->map[rp->nmap++].role = ROLE_DOWN;
		ev = 0;
		if (c->up >= 0 && !c->up_eof && c->to_down.len < HWM)
			ev |= POLLIN;
		if (c->up >= 0 && c->to_up.len)
			ev |= POLLOUT;
		fds[n++] = (struct pollfd){ .fd = ev ? c->up : -1, .events = ev };
		rp->map[rp->nmap].c = c;
		rp->map[rp->nmap++].role = ROLE_UP;
	}
	return n;
}

static void accept_new(struct rpcproxy *rp)
{
	for (;;) {
		int fd = accept4(rp->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (rp->nconns == MAX_CONNS) {
			log_deny("rpc: more than %d connections at once: refused", MAX_CONNS);
			close(fd);
			continue;
		}
		struct conn *c = xcalloc(1, sizeof(*c));
		c->down = fd;
		c->up = -1;
		framer_init(&c->in, FRAMER_STRICT, rp->pol->sandbox.limits.message, POL_MAX_DEPTH);
		rp->conns[rp->nconns++] = c;
	}
}

void rpcproxy_events(struct rpcproxy *rp, const struct pollfd *fds, size_t n,
		     double now)
{
	for (size_t i = 0; i < n && i < rp->nmap; i++) {
		if (!fds[i].revents)
			continue;
		struct conn *c = rp->map[i].c;
		switch (rp->map[i].role) {
		case ROLE_LISTEN:
			accept_new(rp);
			break;
		case ROLE_DOWN:
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
				read_down(rp, c, now);
			if (c->to_down.len && buf_flush(c->down, &c->to_down) < 0) {
				c->down_eof = true;
				c->closing = true;
				buf_consume(&c->to_down, c->to_down.len);
			}
			break;
		case ROLE_UP:
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
				read_up(c);
			if (c->to_up.len && buf_flush(c->up, &c->to_up) < 0)
				c->up_eof = true;
			break;
		}
	}
	/* Connect, half-close, flush what local replies can go, reap. */
	for (size_t i = 0; i < rp->nconns;) {
		struct conn *c = rp->conns[i];
		try_connect(rp, c, now);
		if (c->up >= 0 && c->to_up.len)
			buf_flush(c->up, &c->to_up);
		if (c->down_eof && c->up >= 0 && !c->to_up.len && !c->shut_up) {
			shutdown(c->up, SHUT_WR);
			c->shut_up = true;
		}
		if (c->up_eof && c->local.len) {
			buf_append(&c->to_down, buf_head(&c->local), c->local.len);
			buf_consume(&c->local, c->local.len);
		}
		if (c->to_down.len)
			buf_flush(c->down, &c->to_down);
		if (c->up_eof && !c->to_down.len && !c->local.len)
			c->closing = true;
		if (c->down_eof && c->up < 0 && !c->to_up.len)
			c->closing = true;
		if (conn_finished(c)) {
			conn_free(rp, c);
			rp->conns[i] = rp->conns[--rp->nconns];
			continue;
		}
		i++;
	}
}

int rpcproxy_timeout_ms(const struct rpcproxy *rp, double now)
{
	int ms = -1;
	for (size_t i = 0; i < rp->nconns; i++) {
		const struct conn *c = rp->conns[i];
		if (c->up >= 0 || !c->to_up.len || !rp->upstream)
			continue;
		int t = c->retry_at <= now ? 0 : (int)((c->retry_at - now) * 1000) + 1;
		if (ms < 0 || t < ms)
			ms = t;
	}
	return ms;
}
