/* relay.c - the runner's one event loop. Four stdio directions, the RPC
 * proxy, a signalfd and the reaper's pidfd, all non-blocking, waited on as
 * poll() would wait on them, in an epoll set that keeps them registered
 * (evset.c). Big messages go to lightningd by reference (buf_flush_lend).
 * Every output queue has a high-water mark: while one is above it, the
 * source feeding it is not read, so a peer that stops reading never makes
 * the runner block or grow without bound (framed messages are bounded by
 * sandbox.limits.message); the host's hang-up is seen all the same. Only
 * this file writes fd 1.
 * Called by main.c; decisions are gate.c's and rpcproxy.c's. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "canonworker.h"
#include "evset.h"
#include "exposure.h"
#include "exitcodes.h"
#include "framer.h"
#include "gate.h"
#include "jsonrpc.h"
#include "learn.h"
#include "log.h"
#include "memtrim.h"
#include "pipewidth.h"
#include "relay.h"
#include "rpcproxy.h"
#include "util.h"

#define HWM		(1u << 20)	/* output queue high-water mark */
#define READ_CHUNK	(256u << 10)
#define BIG_READ	PIPE_WIDE	/* a read while a big message comes:
					 * its widened pipe, whole */
#define OFFLOAD_AT	(1u << 20)	/* a plugin frame this big is validated
					 * on the second thread (canonworker.c) */
#define FLUSH_SECONDS	5.0		/* to hand the host what is left, at exit */
#define MUTE_SECONDS	1.0		/* a plugin whose stdout closed: see
					 * on_plugin_stdout_closed() */
#define HOSTLOG_BURST	20.0		/* `log` notifications to the host ... */
#define HOSTLOG_RATE	5.0		/* ... per second, after the burst */

struct relay {
	const struct relay_cfg *cfg;
	struct gate *gate;
	struct rpcproxy *rpc;
	struct evset *ev;	/* the loop's descriptors, kept registered */
	struct framer from_host, from_plugin;
	struct buf to_host, to_plugin;
	int host_in, host_out, plug_in, plug_out, sigfd;
	bool host_eof, plugin_eof, child_gone, host_dead, kill_sent;
	bool grace_started;	/* the host is gone: the plugin has --grace */
	double kill_deadline;	/* 0: none; else the plugin is ended then */
	const char *kill_why;	/* ... for this reason */
	double flush_deadline;
	int status;		/* exit status once child_gone */
	bool refused;
	bool upstream_judged;	/* the socket lightningd named was checked */
	bool trimmed;		/* start-up pages given back (memtrim) */
	struct pipe_width plug_out_w, host_out_w;	/* wide for big messages */
	struct canon_worker *worker;	/* NULL until a big message (or none) */
	bool no_worker;			/* one could not be had: inline */
	size_t lent_to_host;		/* bytes lightningd got by reference */
	size_t plugin_read_max;		/* the largest read of the plugin's stdout */
	/* host log rate limit */
	double log_tokens, log_last;
	unsigned log_suppressed;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Denials reach the host's own log, next to the plugin's name, at level
 * warn; a token bucket keeps a flooding plugin from flooding it. */
static void host_log_sink(const char *line, void *arg)
{
	struct relay *r = arg;
	double t = now_s();
	r->log_tokens += (t - r->log_last) * HOSTLOG_RATE;
	if (r->log_tokens > HOSTLOG_BURST)
		r->log_tokens = HOSTLOG_BURST;
	r->log_last = t;
	if (r->log_tokens < 1 || r->host_dead) {
		r->log_suppressed++;
		return;
	}
	r->log_tokens -= 1;
	char *msg;
	if (r->log_suppressed) {
		msg = xasprintf("plugin-runner: %s (and %u more not sent here, see stderr)",
				line, r->log_suppressed);
		r->log_suppressed = 0;
	} else {
		msg = xasprintf("plugin-runner: %s", line);
	}
	json_t *n = jsonrpc_log_notification("warn", msg);
	jsonrpc_emit_json(&r->to_host, n);
	json_decref(n);
	free(msg);
}

static void kill_plugin(struct relay *r, const char *why)
{
	if (r->kill_sent || r->child_gone)
		return;
	log_info("ending the plugin: %s", why);
	kill(r->cfg->child->pid, SIGKILL);	/* pid 1 of its namespace: all of it goes */
	r->kill_sent = true;
}

static void close_plugin_stdin(struct relay *r)
{
	if (r->plug_in < 0)
		return;
	evset_close(r->ev, r->plug_in);
	r->plug_in = -1;
	buf_consume(&r->to_plugin, r->to_plugin.len);
}

/* The plugin is ended at t unless it is gone before; an earlier deadline
 * stands. */
static void kill_at(struct relay *r, double t, const char *why)
{
	if (r->kill_deadline == 0 || t < r->kill_deadline) {
		r->kill_deadline = t;
		r->kill_why = why;
	}
}

static void start_grace(struct relay *r)
{
	if (r->grace_started)
		return;
	r->grace_started = true;
	kill_at(r, now_s() + r->cfg->grace, "still running after the grace period");
}

/* A plugin that closed its stdout and lives on can answer nothing more.
 * lightningd takes a plugin's stdout EOF for its death: it SIGKILLs it and
 * fails what it had asked (PROTOCOL 6). Behind the runner it would see a
 * plugin alive and silent instead, and a hook call waiting on it would
 * wait for ever. So it is ended, and the runner's own stdout closes after
 * it, which lightningd sees as the plugin's EOF. Not at once: a plugin
 * that is exiting closes its stdout a moment before its pid 1 is reaped,
 * and its own exit status is what the host should be told. */
static void on_plugin_stdout_closed(struct relay *r)
{
	if (r->child_gone || r->kill_sent)
		return;
	/* Said only if it comes to that: every plugin that exits gets here. */
	kill_at(r, now_s() + MUTE_SECONDS, "it closed its stdout and still runs");
}

/* lightningd's socket, named at init, must not be in the sandbox's view:
 * a plugin that could connect to it would pass no rule of the policy.
 * Judged once; in view, the plugin is ended and the runner exits 125. */
static bool upstream_hidden(struct relay *r, const char *up)
{
	const char *via;

	if (r->upstream_judged)
		return !r->refused;
	r->upstream_judged = true;
	if (!r->cfg->exposure || !exposure_reaches(r->cfg->exposure, up, &via))
		return true;
	log_error("lightningd's RPC socket %s is inside %s, which the policy binds into the "
		  "sandbox: the plugin could call lightningd past every rpc rule (take %s out "
		  "of the policy, or move the socket with lightningd's rpc-file)", up, via, via);
	r->refused = true;
	kill_plugin(r, "lightningd's socket is in its view");
	return false;
}

/* ---- reading ---- */

static void on_host_frames(struct relay *r)
{
	struct gate_io io = { &r->to_plugin, &r->to_host, &r->from_host };
	char *msg;
	size_t len;
	for (;;) {
		enum frame_rc rc = framer_next(&r->from_host, &msg, &len);
		switch (rc) {
		case FRAME_NEED_MORE:
			return;
		case FRAME_READY:
			if (gate_from_host(r->gate, msg, len, &io) == GATE_KILL)
				kill_plugin(r, "a db_write it could not be given");
			framer_consume(&r->from_host);
			break;
		case FRAME_TOO_BIG:
			if (gate_host_oversized(r->gate, msg, len, &io) == GATE_KILL)
				kill_plugin(r, "a db_write it could not be given");
			framer_consume(&r->from_host);
			break;
		case FRAME_TOO_DEEP:
		case FRAME_SYNTAX:
			log_error("host: stream is not JSON-RPC (%s): closing the plugin's stdin",
				  framer_why(&r->from_host));
			r->host_eof = true;
			start_grace(r);
			return;
		}
		const char *up = gate_upstream_path(r->gate);
		if (up && upstream_hidden(r, up))
			rpcproxy_set_upstream(r->rpc, up);
	}
}

/* A big frame still arriving: the rest of its validation goes to the
 * second thread, which judges what is read while the next read is made
 * (canonworker.h). Not after EOF: no more would come to finish it. */
static void maybe_offload(struct relay *r)
{
	struct framer *f = &r->from_plugin;
	struct framer_offload job;

	if (r->no_worker || r->plugin_eof || r->kill_sent || framer_buffered(f) < OFFLOAD_AT)
		return;
	if (!r->worker) {
		r->worker = canon_worker_new();
		if (!r->worker) {
			r->no_worker = true;
			return;
		}
	}
	if (framer_offload_begin(f, OFFLOAD_AT, BIG_READ, &job))
		canon_worker_give(r->worker, &job);
}

static void on_plugin_frames(struct relay *r)
{
	struct gate_io io = { &r->to_plugin, &r->to_host, &r->from_plugin };
	char *msg;
	size_t len;
	while (!r->kill_sent) {
		enum frame_rc rc = framer_next(&r->from_plugin, &msg, &len);
		switch (rc) {
		case FRAME_NEED_MORE:
			maybe_offload(r);
			return;
		case FRAME_READY:
			switch (gate_from_plugin(r->gate, msg, len, &io)) {
			case GATE_OK:
				break;
			case GATE_KILL:
				kill_plugin(r, "protocol violation");
				break;
			case GATE_REFUSE:
				r->refused = true;
				kill_plugin(r, "manifest refused");
				break;
			}
			framer_consume(&r->from_plugin);
			break;
		case FRAME_TOO_BIG:
			log_error("plugin: message over the size cap of %llu bytes (sandbox.limits.message): ending the plugin",
				  (unsigned long long)r->cfg->pol->sandbox.limits.message);
			kill_plugin(r, "oversized output");
			return;
		case FRAME_TOO_DEEP:
		case FRAME_SYNTAX:
			log_error("plugin: sent malformed JSON (%s): ending the plugin",
				  framer_why(&r->from_plugin));
			kill_plugin(r, "malformed output");
			return;
		}
	}
}

/* Read what is there into a framer, at most `chunk` bytes. Returns bytes
 * read, 0 on EOF, -1 if nothing now. */
static ssize_t read_into(int fd, struct framer *f, size_t chunk)
{
	ssize_t n = read_some(fd, framer_tail(f, chunk), chunk);
	if (n > 0)
		framer_commit(f, (size_t)n);
	return n;
}

/* While a big message comes, its pipe is PIPE_WIDE and each read takes
 * all of it: a quarter of the reads, of the plugin's and the relay's
 * wake-ups, of the hand-offs to the validation thread and of the turns
 * of the pipe's lock between the plugin's writes and our reads. A 50 MB
 * answer went from 607 to 784 and from 571 to 627 MB/s (medians of two
 * batches of 12 and 14 interleaved sessions against 256 KiB reads). */
static size_t plugin_read_chunk(const struct framer *f)
{
	return framer_buffered(f) >= PIPE_WIDEN_AT ? BIG_READ : READ_CHUNK;
}

/* While the thread has the frame, nothing is read past its cap: the
 * verdict on the cap's worth decides (too big, or a frame). */
static bool plugin_read_stalled(const struct relay *r)
{
	return framer_offloaded(&r->from_plugin) && framer_offload_full(&r->from_plugin);
}

/* Read the plugin's stdout and act on what is whole, or tell the thread
 * what arrived. Returns read_into's count; EOF is noted. */
static ssize_t plugin_read(struct relay *r)
{
	struct framer *f = &r->from_plugin;
	if (plugin_read_stalled(r))
		return -1;
	ssize_t got = read_into(r->plug_out, f, plugin_read_chunk(f));
	if (got == 0) {
		r->plugin_eof = true;
		on_plugin_stdout_closed(r);
	}
	if (got > 0 && (size_t)got > r->plugin_read_max)
		r->plugin_read_max = (size_t)got;
	if (framer_offloaded(f)) {
		if (got >= 0)
			canon_worker_more(r->worker, framer_offload_avail(f),
					  r->plugin_eof || framer_offload_full(f));
	} else if (got > 0) {
		on_plugin_frames(r);
	}
	return got;
}

/* Nothing more will be read from the plugin: a frame the thread has gets
 * its verdict on what there is (done() waits for it). */
static void plugin_read_end(struct relay *r)
{
	r->plugin_eof = true;
	if (framer_offloaded(&r->from_plugin))
		canon_worker_more(r->worker, framer_offload_avail(&r->from_plugin), true);
}

/* The thread's verdict: the frame is the framer's again, and acted on. */
static void on_verdict(struct relay *r)
{
	struct framer_verdict v;
	if (!canon_worker_take(r->worker, &v))
		return;
	framer_offload_end(&r->from_plugin, &v);
	on_plugin_frames(r);
}


static void on_signal(struct relay *r)
{
	struct signalfd_siginfo si;
	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		log_info("signal %u: forwarded to the plugin", si.ssi_signo);
		if (!r->child_gone)
			kill(r->cfg->child->pid, (int)si.ssi_signo);
	}
}

static void on_child_exit(struct relay *r)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)r->cfg->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
		return;
	r->child_gone = true;
	if (si.si_code == CLD_EXITED) {
		r->status = si.si_status;
		log_info("plugin exited with status %d", si.si_status);
	} else {
		r->status = 128 + si.si_status;
		log_info("plugin killed by signal %d", si.si_status);
	}
	r->flush_deadline = now_s() + FLUSH_SECONDS;
	close_plugin_stdin(r);
}

static int poll_timeout(struct relay *r, double t)
{
	double next = -1;
	if (r->kill_deadline && !r->kill_sent && !r->child_gone)
		next = r->kill_deadline;	/* past it, once gone: no turn wakes for it */
	if (r->child_gone && (next < 0 || r->flush_deadline < next))
		next = r->flush_deadline;
	int ms = next < 0 ? -1 : (int)((next - t) * 1000) + 1;
	if (ms < -1)
		ms = 0;
	int rms = rpcproxy_timeout_ms(r->rpc, t);
	if (rms >= 0 && (ms < 0 || rms < ms))
		ms = rms;
	return ms;
}

static bool done(struct relay *r, double t)
{
	if (!r->child_gone || !r->plugin_eof || framer_offloaded(&r->from_plugin))
		return false;	/* the thread still judges what the plugin sent */
	return r->to_host.len == 0 || r->host_dead || t >= r->flush_deadline;
}

static void loop(struct relay *r)
{
	size_t cap = 7 + rpcproxy_max_fds(r->rpc);
	struct pollfd *fds = xcalloc(cap, sizeof(*fds));
	enum { P_HIN, P_HOUT, P_POUT, P_PIN, P_CHILD, P_SIG, P_WORK, P_RPC };

	/* The clock is read once a turn, after the wait: what a turn does
	 * takes microseconds, and every deadline here is in milliseconds or
	 * seconds, so the next turn's checks use that reading. */
	double t = now_s();
	for (;;) {
		if (done(r, t))
			break;
		if (r->kill_deadline && !r->kill_sent && t >= r->kill_deadline)
			kill_plugin(r, r->kill_why);

		/* Host EOF: hand the plugin what is queued, then its EOF (a
		 * plugin that closed its stdin has nothing queued, and gets
		 * its grace all the same). */
		if (r->host_eof && r->to_plugin.len == 0) {
			close_plugin_stdin(r);
			start_grace(r);
		}

		/* First idle moment after the handshake: give back what only
		 * start-up used. Not before: the handshake itself would fault
		 * it all back in, on the start-up path. */
		if (!r->trimmed && gate_running(r->gate) && !r->to_host.len &&
		    !r->to_plugin.len && !framer_buffered(&r->from_plugin)) {
			memtrim_startup();
			r->trimmed = true;
		}

		/* A big plugin message is coming in, or going out to the host:
		 * its pipe is wide until it is through. */
		pipe_width_fit(&r->plug_out_w, framer_buffered(&r->from_plugin) >= PIPE_WIDEN_AT);
		pipe_width_fit(&r->host_out_w, r->to_host.len >= PIPE_WIDEN_AT);

		bool host_ok = r->to_host.len < HWM && !r->host_dead;
		/* While a queue is full the host's stdin is not read, but its
		 * hang-up is still seen (poll reports POLLHUP whatever was
		 * asked): lightningd gone, a plugin that reads nothing of
		 * what is queued gets its grace all the same. */
		bool host_read = !r->host_eof && r->to_plugin.len < HWM && host_ok;
		bool host_watch = !r->host_eof && !r->host_dead && !r->grace_started;
		fds[P_HIN] = (struct pollfd){ .fd = host_read || host_watch ? r->host_in : -1,
					      .events = host_read ? POLLIN : 0 };
		fds[P_HOUT] = (struct pollfd){ .fd = r->to_host.len && !r->host_dead ? r->host_out : -1,
					       .events = POLLOUT };
		/* The plugin's output feeds only the host queue: a plugin that
		 * does not read its stdin must not stall its own output. */
		fds[P_POUT] = (struct pollfd){ .fd = !r->plugin_eof && host_ok && !plugin_read_stalled(r)
						    ? r->plug_out : -1, .events = POLLIN };
		fds[P_PIN] = (struct pollfd){ .fd = r->to_plugin.len && r->plug_in >= 0 ? r->plug_in : -1,
					      .events = POLLOUT };
		fds[P_CHILD] = (struct pollfd){ .fd = r->child_gone ? -1 : r->cfg->pidfd, .events = POLLIN };
		fds[P_SIG] = (struct pollfd){ .fd = r->sigfd, .events = POLLIN };
		fds[P_WORK] = (struct pollfd){ .fd = framer_offloaded(&r->from_plugin)
						    ? canon_worker_fd(r->worker) : -1, .events = POLLIN };
		size_t nrpc = rpcproxy_pollfds(r->rpc, fds + P_RPC, cap - P_RPC);

		int n = evset_poll(r->ev, fds, P_RPC + nrpc, poll_timeout(r, t));
		t = now_s();
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die_errno(PR_EXIT_RUNNER, "poll");
		}
		if (fds[P_SIG].revents)
			on_signal(r);
		if (fds[P_HIN].revents && !host_read) {
			log_info("host closed stdin while the plugin is behind: its grace starts (%.1fs)",
				 r->cfg->grace);
			start_grace(r);
		} else if (fds[P_HIN].revents) {
			ssize_t got = read_into(r->host_in, &r->from_host, READ_CHUNK);
			if (got == 0) {
				log_info("host closed stdin: closing the plugin's stdin (grace %.1fs)",
					 r->cfg->grace);
				r->host_eof = true;
				start_grace(r);	/* from now, however long its queue takes */
			} else if (got > 0) {
				on_host_frames(r);
			}
		}
		if (fds[P_POUT].revents)
			plugin_read(r);
		if (fds[P_WORK].revents)
			on_verdict(r);
		/* Write what the reads just queued now, not after another
		 * poll: one round trip then costs one poll per direction. */
		if (r->to_plugin.len && r->plug_in >= 0 && buf_flush(r->plug_in, &r->to_plugin) < 0) {
			if (!r->kill_sent)
				log_info("plugin closed its stdin: what lightningd sends it from now on is dropped");
			close_plugin_stdin(r);
		}
		/* Nothing can reach a plugin whose stdin is closed. Queued, it
		 * would stop the host's reads at the high-water mark, and with
		 * them the host's EOF: runner and plugin would outlive
		 * lightningd. Its requests stay unanswered, as they would be
		 * with lightningd alone (PROTOCOL 6). */
		if (r->plug_in < 0 && r->to_plugin.len)
			buf_consume(&r->to_plugin, r->to_plugin.len);
		/* A big message just queued (a verdict came back) goes into a
		 * pipe made wide before its first write, not after a full one. */
		if (r->to_host.len && !r->host_dead &&
		    pipe_width_flush_lend(&r->host_out_w, &r->to_host, &r->lent_to_host) < 0) {
			log_info("host stopped reading our stdout: ending the plugin");
			r->host_dead = true;
			buf_consume(&r->to_host, r->to_host.len);
			kill_plugin(r, "host gone");
		}
		if (nrpc)
			rpcproxy_events(r->rpc, fds + P_RPC, nrpc, t);
		if (fds[P_CHILD].revents)
			on_child_exit(r);
		/* After the plugin died its stdout may hold no more; drain it. */
		if (r->child_gone && !r->plugin_eof) {
			ssize_t got;
			while ((got = plugin_read(r)) > 0)
				;
			if (got == 0 || r->kill_sent)
				plugin_read_end(r);
		}
	}
	free(fds);
}

static int signal_fd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die_errno(PR_EXIT_RUNNER, "sigprocmask");
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		die_errno(PR_EXIT_RUNNER, "signalfd");
	return fd;
}

int relay_run(const struct relay_cfg *cfg)
{
	struct relay r;
	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.host_in = STDIN_FILENO;
	r.host_out = STDOUT_FILENO;
	r.plug_in = cfg->child->stdin_fd;
	r.plug_out = cfg->child->stdout_fd;
	r.log_tokens = HOSTLOG_BURST;
	r.log_last = now_s();
	r.sigfd = signal_fd();
	signal(SIGPIPE, SIG_IGN);
	size_t max = cfg->pol->sandbox.limits.message;
	framer_init(&r.from_host, FRAMER_HOST, max, POL_MAX_DEPTH);
	/* The plugin's messages are validated as they are read: a 50 MB
	 * answer is not framed and then parsed again. */
	framer_init(&r.from_plugin, FRAMER_CANON, max, POL_MAX_DEPTH);
	buf_init(&r.to_host);
	buf_init(&r.to_plugin);
	r.gate = gate_new(cfg->pol, cfg->audit, cfg->learn);
	/* Without epoll the loop is plain poll(): the same, a little slower. */
	r.ev = evset_new();
	r.rpc = rpcproxy_new(cfg->child->rpc_listen_fd, cfg->pol, cfg->audit, cfg->learn, r.ev);
	int hin_flags = fcntl(r.host_in, F_GETFL), hout_flags = fcntl(r.host_out, F_GETFL);
	pipe_width_init(&r.plug_out_w, r.plug_out);
	pipe_width_init(&r.host_out_w, r.host_out);
	set_nonblock(r.host_in, true);
	set_nonblock(r.host_out, true);
	set_nonblock(r.plug_in, true);
	set_nonblock(r.plug_out, true);
	log_set_host_sink(host_log_sink, &r);

	loop(&r);
	/* What the fast paths took, for whoever wonders what they cost
	 * (and for the tests, which check that they are taken). */
	log_debug("relay: lightningd sent %zu messages, %zu of them framed by their validation "
		  "in one pass, %zu canonical as read, %zu handed to the plugin without a copy; "
		  "the plugin sent %zu, read %zu bytes at most at once; "
		  "%zu bytes went to lightningd by reference",
		  r.from_host.frames, r.from_host.whole, r.from_host.as_read, r.from_host.handed,
		  r.from_plugin.frames, r.plugin_read_max, r.lent_to_host);
	canon_worker_free(r.worker);	/* idle by now: done() waited for it */
	evset_free(r.ev);

	log_set_host_sink(NULL, NULL);
	if (hin_flags >= 0)
		fcntl(r.host_in, F_SETFL, hin_flags);
	if (hout_flags >= 0)
		fcntl(r.host_out, F_SETFL, hout_flags);
	int status = r.refused ? PR_EXIT_RUNNER : r.status;
#if defined(PR_SANITIZED)
	/* Free everything only where a leak checker looks (minijail does the same). */
	gate_free(r.gate);
	rpcproxy_free(r.rpc);
	framer_free(&r.from_host);
	framer_free(&r.from_plugin);
	buf_free(&r.to_host);
	buf_free(&r.to_plugin);
#endif
	return status;
}
