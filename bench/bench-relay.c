/* bench-relay.c - the "plain byte relay" baseline: what plugin-runner would
 * cost if it did nothing but copy bytes.
 *
 *   bench-relay [--hold] [--rpc-listen PATH --rpc-upstream PATH] -- PLUGIN [ARGS...]
 *
 * Forks PLUGIN with two pipes, then one poll() loop copies bytes
 * host stdin -> plugin stdin and plugin stdout -> host stdout, and (with
 * --rpc-*) accepts connections on a unix socket at PATH and pairs each with
 * a fresh connection to the upstream socket, copying both ways. Same shape
 * as the runner's relay (parent process, pipes to the child, one event loop,
 * a connection per plugin connection) minus parsing, policy and sandbox.
 * Buffers are fixed 64 kB per direction: a full buffer stops reading (back
 * pressure), so memory stays flat whatever the message size.
 * --hold makes the plugin -> host direction store-and-forward: bytes are
 * held until a whole message ("\n\n"-terminated) is in, then written, in a
 * buffer that grows like the runner's (mmap, mremap, no huge pages), through
 * pipes 1 MiB wide, as the runner's are while a big message crosses. That is
 * the least any relay must do that may not let a byte of an invalid message
 * out (SPEC section 5): the floor for the runner's plugin -> host figure.
 * Exits with the plugin's status when the plugin's stdout closes.
 * Must not: parse, buffer whole messages (but with --hold), or change a byte.
 * Started by bench/run (through bench-host). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "bench.h"

#define CHUNK	65536
#define MAXPIPE	64	/* pipes: 2 for stdio + 2 per RPC connection */

struct pipe_ {			/* one direction: in -> buffer -> out */
	int in, out;
	char buf[CHUNK];
	size_t off, len;
	bool eof;
	struct pipe_ *peer;	/* the other direction of the same pair */
};

/* --hold: the plugin -> host bytes, of which the first `ready` may go */
static struct {
	char *buf;
	size_t cap, off, len, ready;
	bool on;
} hold;

static struct pipe_ *pipes[MAXPIPE];
static size_t npipes;

static struct pipe_ *pipe_new(int in, int out)
{
	struct pipe_ *p = calloc(1, sizeof(*p));

	if (!p || npipes == MAXPIPE)
		bdie("too many relay pipes");
	p->in = in;
	p->out = out;
	pipes[npipes++] = p;
	return p;
}

static void nonblock(int fd)
{
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		bdie("fcntl:");
}

static int unix_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 16) < 0)
		bdie("listen %s:", path);
	return fd;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	nonblock(fd);
	return fd;
}

/* Move bytes for one direction as far as the fds allow. Returns false when
 * the direction is finished (EOF drained, or the writer side is gone). */
static bool pump(struct pipe_ *p, short rev_in, short rev_out)
{
	if (p->len == 0 && !p->eof && (rev_in & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t r = read(p->in, p->buf, CHUNK);

		if (r > 0) {
			p->off = 0;
			p->len = (size_t)r;
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			p->eof = true;
		}
		rev_out |= POLLOUT;	/* try writing straight away */
	}
	if (p->len > 0 && (rev_out & (POLLOUT | POLLERR | POLLHUP))) {
		ssize_t w = write(p->out, p->buf + p->off, p->len);

		if (w > 0) {
			p->off += (size_t)w;
			p->len -= (size_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			return false;
		}
	}
	return !(p->eof && p->len == 0);
}

/* Held reads take what a wide pipe holds (see main). */
#define HOLD_CHUNK	(1u << 20)

static char *hold_tail(size_t want)
{
	if (hold.off && hold.off == hold.len)
		hold.off = hold.len = hold.ready = 0;
	if (hold.len + want > hold.cap) {
		size_t cap = hold.cap ? hold.cap * 2 : 4u << 20;
		while (cap < hold.len + want)
			cap *= 2;
		void *d = hold.buf ? mremap(hold.buf, hold.cap, cap, MREMAP_MAYMOVE)
				   : mmap(NULL, cap, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (d == MAP_FAILED)
			bdie("hold buffer:");
		madvise(d, cap, MADV_NOHUGEPAGE);
		hold.buf = d;
		hold.cap = cap;
	}
	return hold.buf + hold.len;
}

/* pump() for the held direction: read, let out what ends in "\n\n". */
static bool pump_hold(struct pipe_ *p, short rev_in, short rev_out)
{
	if (!p->eof && (rev_in & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t r = read(p->in, hold_tail(HOLD_CHUNK), HOLD_CHUNK);

		if (r > 0) {
			size_t from = hold.len ? hold.len - 1 : 0;
			hold.len += (size_t)r;
			for (size_t i = hold.len; i > from + 1 && i > hold.ready; i--)
				if (hold.buf[i - 1] == '\n' && hold.buf[i - 2] == '\n') {
					hold.ready = i;
					break;
				}
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			p->eof = true;
		}
		rev_out |= POLLOUT;
	}
	if (hold.ready > hold.off && (rev_out & (POLLOUT | POLLERR | POLLHUP))) {
		ssize_t w = write(p->out, hold.buf + hold.off, hold.ready - hold.off);

		if (w > 0)
			hold.off += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			return false;
	}
	return !(p->eof && hold.off == hold.ready);
}

int main(int argc, char **argv)
{
	const char *listen_path = NULL, *upstream = NULL;
	int i, to_plugin[2], from_plugin[2], lfd = -1, status;
	pid_t pid;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--hold"))
			hold.on = true;
		else if (!strcmp(argv[i], "--rpc-listen") && i + 1 < argc)
			listen_path = argv[++i];
		else if (!strcmp(argv[i], "--rpc-upstream") && i + 1 < argc)
			upstream = argv[++i];
		else
			bdie("usage: bench-relay [--hold] [--rpc-listen P --rpc-upstream U] -- PLUGIN...");
	}
	if (i + 1 >= argc)
		bdie("bench-relay: no plugin given");
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(to_plugin, O_CLOEXEC) < 0 || pipe2(from_plugin, O_CLOEXEC) < 0)
		bdie("pipe:");
	pid = fork();
	if (pid < 0)
		bdie("fork:");
	if (pid == 0) {
		dup2(to_plugin[0], 0);
		dup2(from_plugin[1], 1);
		execv(argv[i + 1], argv + i + 1);
		bdie("exec %s:", argv[i + 1]);
	}
	close(to_plugin[0]);
	close(from_plugin[1]);
	if (listen_path && upstream)
		lfd = unix_listen(listen_path);
	nonblock(0);
	nonblock(1);
	nonblock(to_plugin[1]);
	nonblock(from_plugin[0]);
	if (hold.on) {
		/* As the runner does while a big message crosses: both pipes of
		 * the held direction 1 MiB wide (a refusal only costs speed). */
		(void)fcntl(from_plugin[0], F_SETPIPE_SZ, HOLD_CHUNK);
		(void)fcntl(1, F_SETPIPE_SZ, HOLD_CHUNK);
	}
	struct pipe_ *down = pipe_new(0, to_plugin[1]);
	struct pipe_ *up = pipe_new(from_plugin[0], 1);

	down->peer = up;
	up->peer = down;

	for (;;) {
		struct pollfd pf[2 * MAXPIPE + 1];
		size_t n = 0;

		/* two pollfd slots per pipe: [2k] reads in, [2k+1] writes out */
		for (size_t k = 0; k < npipes; k++) {
			struct pipe_ *p = pipes[k];

			bool held = hold.on && p == up;
			bool full = held ? false : p->len > 0;
			bool pending = held ? hold.ready > hold.off : p->len > 0;
			pf[2 * k] = (struct pollfd){ .fd = full || p->eof ? -1 : p->in,
						     .events = POLLIN };
			pf[2 * k + 1] = (struct pollfd){ .fd = pending ? p->out : -1,
							 .events = POLLOUT };
		}
		n = 2 * npipes;
		pf[n] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		if (poll(pf, n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			bdie("poll:");
		}
		for (size_t k = 0; k < npipes; k++) {
			struct pipe_ *p = pipes[k];

			if (p->in < 0)
				continue;
			bool more = hold.on && p == up
				? pump_hold(p, pf[2 * k].revents, pf[2 * k + 1].revents)
				: pump(p, pf[2 * k].revents, pf[2 * k + 1].revents);
			if (!more) {
				if (p == up)
					goto done;	/* plugin closed stdout */
				/* half-close: the reader sees EOF */
				if (p == down) {
					close(p->out);
				} else {
					shutdown(p->out, SHUT_WR);
					if (p->peer->in < 0) {	/* pair done */
						close(p->out);
						close(p->peer->out);
					}
				}
				p->in = -1;
			}
		}
		if (lfd >= 0 && (pf[n].revents & POLLIN)) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			int u = c >= 0 ? unix_connect(upstream) : -1;

			if (c >= 0 && u < 0)
				close(c);
			if (u >= 0) {
				struct pipe_ *a = pipe_new(c, u), *b = pipe_new(u, c);

				a->peer = b;
				b->peer = a;
			}
		}
	}
done:
	close(to_plugin[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
