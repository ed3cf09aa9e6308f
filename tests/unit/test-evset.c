/* test-evset.c - evset.c against poll(2), which it stands in for in the
 * relay's loop, so any difference is a relay bug waiting for its states.
 * Random: a pool of pipe ends, socket pair ends, eventfds and files epoll
 * refuses, pushed through data, full buffers, half and whole shutdowns,
 * peers closed with data unread, closes and reopens on the same numbers,
 * asked about by random pollfd arrays (holes, repeats, numbers not open,
 * and the previous array again, which is where nothing is re-registered
 * and epoll's own readiness must hold); every return value and revents
 * must be poll()'s. By hand: an unchanged array costs no epoll_ctl, a
 * dropped descriptor does not wake a later wait, another process wakes a
 * blocking one, the NULL set is poll(), and a number reused after
 * evset_close() or behind its back is asked about anew. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "evset.h"
#include "tap.h"

#define NPOOL	24	/* descriptors alive at once in the random run */
#define MAXN	32	/* entries in one random array */
#define SPAN	48	/* numbers asked about by number: the pool's, or not open */
#define STEPS	20000

static unsigned long long rng = 0x2545F4914F6CDD1Dull;

static unsigned rnd(unsigned n)
{
	return tap_rnd(&rng, n);
}

/* read/write results are of no interest where the state is what counts */
static void ignore(ssize_t r)
{
	(void)r;
}

static const char *bits(short m)
{
	static const struct { short bit; const char *name; } names[] = {
		{ POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" },
		{ POLLERR, "ERR" }, { POLLHUP, "HUP" }, { POLLNVAL, "NVAL" },
		{ POLLRDNORM, "RDNORM" }, { POLLWRNORM, "WRNORM" }, { POLLRDHUP, "RDHUP" },
	};
	static char out[4][80];	/* up to four in one diag line */
	static unsigned k;
	char *s = out[k++ % 4];
	size_t o = 0;

	s[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (m & names[i].bit)
			o += (size_t)snprintf(s + o, 80 - o, "%s%s", o ? "|" : "", names[i].name);
	return o ? s : "0";
}

static const char *what(int fd)
{
	struct stat st;
	if (fd < 0)
		return "ignored";
	if (fstat(fd, &st) < 0)
		return "not open";
	return S_ISFIFO(st.st_mode) ? "pipe" : S_ISSOCK(st.st_mode) ? "socket" :
	       S_ISREG(st.st_mode) ? "file" : S_ISCHR(st.st_mode) ? "chardev" : "eventfd";
}

/* Asks poll() and evset_poll() (timeout 0) the same array q; true if the
 * return values (errno too, on -1) and every entry agree. loud: on a
 * difference, says both answers entry by entry. q is left with evset's
 * answer; *seen collects poll's revents bits (the random run's coverage). */
static bool agree(struct evset *ev, struct pollfd *q, size_t n, bool loud, short *seen)
{
	struct pollfd a[MAXN], b[MAXN];
	memcpy(a, q, n * sizeof(*q));
	memcpy(b, q, n * sizeof(*q));
	errno = 0;
	int pr = poll(a, n, 0), perr = errno;
	errno = 0;
	int er = evset_poll(ev, b, n, 0), eerr = errno;
	bool same = pr == er && (pr >= 0 || perr == eerr) && memcmp(a, b, n * sizeof(*a)) == 0;

	for (size_t i = 0; seen && i < n; i++)
		*seen |= a[i].revents;
	if (!same && loud) {
		tap_diag("poll() returned %d, evset_poll() %d (errno %d and %d if -1)",
			 pr, er, perr, eerr);
		for (size_t i = 0; i < n; i++)
			tap_diag("  [%zu] fd %d (%s) events %s: poll %s, evset %s%s", i,
				 q[i].fd, what(q[i].fd), bits(q[i].events), bits(a[i].revents),
				 bits(b[i].revents), a[i].revents != b[i].revents ? "  <<" : "");
	}
	memcpy(q, b, n * sizeof(*q));
	return same;
}

/* ---- the random run ---- */

enum kind { K_PIPE_R, K_PIPE_W, K_SOCK, K_EVENTFD, K_FILE };

static struct ent {
	int fd;			/* -1: empty */
	enum kind kind;
} pool[NPOOL];
static int filefd;		/* an unlinked regular file, dup'ed for K_FILE */

/* Into the first empty slot; with none, closed at once, which leaves its
 * peer end facing a closed one (HUP, ERR). */
static void pool_put(struct evset *ev, int fd, enum kind kind)
{
	if (fd < 0)
		return;
	for (int i = 0; i < NPOOL; i++)
		if (pool[i].fd < 0) {
			pool[i] = (struct ent){ fd, kind };
			return;
		}
	evset_close(ev, fd);
}

/* Something new, on the lowest free numbers: often ones just closed. */
static void pool_open(struct evset *ev)
{
	int p[2], w;
	switch (rnd(6)) {
	case 0:
	case 1:	/* a pipe, sometimes one page (full after a write), either end first */
		if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
			break;
		if (rnd(2))
			(void)fcntl(p[1], F_SETPIPE_SZ, 4096 << rnd(2));
		w = (int)rnd(2);
		pool_put(ev, p[w], w ? K_PIPE_W : K_PIPE_R);
		pool_put(ev, p[!w], w ? K_PIPE_R : K_PIPE_W);
		break;
	case 2:	/* a socket pair, sometimes with a small send buffer to fill */
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, p) < 0)
			break;
		for (int i = 0, sz = 4096; i < 2 && rnd(2); i++)
			(void)setsockopt(p[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		pool_put(ev, p[0], K_SOCK);
		pool_put(ev, p[1], K_SOCK);
		break;
	case 3:
		pool_put(ev, eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), K_EVENTFD);
		break;
	case 4:	/* epoll says EPERM to both: a regular file, a device without poll */
		pool_put(ev, rnd(2) ? fcntl(filefd, F_DUPFD_CLOEXEC, 0) :
			 open("/dev/null", O_RDWR | O_CLOEXEC), K_FILE);
		break;
	default: {	/* a second number for a file in the pool: epoll keys on both */
		struct ent *e = &pool[rnd(NPOOL)];
		if (e->fd >= 0)
			pool_put(ev, fcntl(e->fd, F_DUPFD_CLOEXEC, 0), e->kind);
		break;
	}
	}
}

/* Changes e's state at random, or closes it (through evset_close, as the
 * contract asks of anything the set may have registered). */
static void pool_poke(struct evset *ev, struct ent *e)
{
	static char buf[65536];
	uint64_t one = 1, most = UINT64_MAX - 1;	/* eventfd: most is full */
	unsigned op = rnd(8);
	int k;

	if (op == 0) {
		evset_close(ev, e->fd);
		e->fd = -1;
		return;
	}
	switch (e->kind) {
	case K_PIPE_R:
		ignore(read(e->fd, buf, op < 4 ? 1 + rnd(64) : sizeof(buf)));
		break;
	case K_PIPE_W:	/* write a little, or until EAGAIN (no POLLOUT) */
		if (op < 5)
			ignore(write(e->fd, buf, 1 + rnd(512)));
		else
			for (k = 0; k < 64 && write(e->fd, buf, 4096) > 0; k++)
				;
		break;
	case K_SOCK:
		if (op < 3)
			ignore(send(e->fd, buf, 1 + rnd(512), MSG_NOSIGNAL));
		else if (op == 3)
			for (k = 0; k < 128 && send(e->fd, buf, 4096, MSG_NOSIGNAL) > 0; k++)
				;
		else if (op < 6)
			ignore(read(e->fd, buf, op == 4 ? 1 + rnd(64) : sizeof(buf)));
		else	/* SHUT_RD, SHUT_WR or SHUT_RDWR: RDHUP at the peer, HUP */
			(void)shutdown(e->fd, (int)rnd(3));
		break;
	case K_EVENTFD:
		if (op < 4)
			ignore(write(e->fd, &one, sizeof(one)));
		else if (op < 6)
			ignore(read(e->fd, &one, sizeof(one)));
		else
			ignore(write(e->fd, &most, sizeof(most)));
		break;
	case K_FILE:	/* always ready: nothing to change */
		break;
	}
}

/* fd, if it is the pool's or not open; else -1 (inherited, ours, the
 * set's own: their state is not the run's to know, nor to close). */
static int ours_or_closed(int fd)
{
	for (int i = 0; i < NPOOL; i++)
		if (pool[i].fd == fd)
			return fd;
	return fcntl(fd, F_GETFD) < 0 ? fd : -1;
}

static short random_events(void)
{
	static const short more[] = { POLLPRI, POLLRDNORM, POLLWRNORM, POLLHUP, POLLERR };
	short e = 0;
	if (rnd(6) == 0)
		return 0;	/* still gets HUP, ERR and NVAL */
	if (rnd(2))
		e |= POLLIN;
	if (rnd(2))
		e |= POLLOUT;
	if (rnd(3) == 0)
		e |= POLLRDHUP;
	if (rnd(4) == 0)
		e |= more[rnd(5)];
	return e;
}

/* A new array, or (a third of the time) the last one, maybe with one
 * entry's events changed: the relay's case, where only differences reach
 * the kernel and the rest rests on what was registered before. */
static size_t random_array(struct pollfd *q, size_t n)
{
	if (n && rnd(3) == 0) {
		if (rnd(2))
			q[rnd((unsigned)n)].events = random_events();
	} else {
		n = rnd(MAXN + 1);
		for (size_t i = 0; i < n; i++) {
			unsigned r = rnd(20);
			if (i && r < 3)
				q[i].fd = q[rnd((unsigned)i)].fd;	/* again, own events */
			else if (r < 4)
				q[i].fd = rnd(2) ? -1 : -100;
			else if (r < 7)
				q[i].fd = ours_or_closed((int)rnd(SPAN));
			else if (r < 8)
				q[i].fd = ours_or_closed(600 + (int)rnd(4));	/* far off */
			else
				q[i].fd = pool[rnd(NPOOL)].fd;		/* -1 if empty */
			q[i].events = random_events();
		}
	}
	for (size_t i = 0; i < n; i++)
		q[i].revents = (short)rnd(0x10000);	/* both must overwrite it */
	return n;
}

static void test_random(void)
{
	struct evset *ev = evset_new();
	char path[] = "/tmp/test-evset.XXXXXX";
	struct pollfd q[MAXN];
	size_t n = 0, still = 0;
	short seen = 0;
	int step;

	filefd = mkstemp(path);
	unlink(path);
	for (int i = 0; i < NPOOL; i++)
		pool[i].fd = -1;
	for (int i = 0; i < 4 * NPOOL; i++)
		pool_open(ev);

	for (step = 0; step < STEPS; step++) {
		for (unsigned k = 1 + rnd(3); k > 0; k--) {
			struct ent *e = &pool[rnd(NPOOL)];
			if (e->fd < 0)
				pool_open(ev);
			else
				pool_poke(ev, e);
		}
		n = random_array(q, n);
		size_t before = evset_changes(ev);
		if (!agree(ev, q, n, true, &seen)) {
			tap_diag("step %d of the random run (seed as in the source)", step);
			break;
		}
		still += n && evset_changes(ev) == before;
	}
	ok(step == STEPS && ev, "%d random steps: evset_poll() answers as poll() does", step);
	tap_diag("%zu of them asked without an epoll_ctl; %zu epoll_ctl in all",
		 still, evset_changes(ev));
	/* The run is only worth its steps if it reached the states it is for. */
	short want = POLLIN | POLLOUT | POLLHUP | POLLERR | POLLNVAL | POLLRDHUP;
	ok((seen & want) == want && still > 0,
	   "the run reached every state (poll saw %s) and unchanged arrays", bits(seen));

	for (int i = 0; i < NPOOL; i++)
		evset_close(ev, pool[i].fd);
	close(filefd);
	evset_free(ev);
}

/* ---- cases by hand ---- */

static void test_costs(void)
{
	struct evset *ev = evset_new();
	int p[2], s[2], e = eventfd(0, EFD_NONBLOCK), null = open("/dev/null", O_RDWR);

	ok(pipe(p) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0 && e >= 0 && null >= 0,
	   "a pipe, a socket pair, an eventfd and /dev/null");
	struct pollfd q[] = {
		{ p[0], POLLIN, 0 }, { s[0], POLLIN | POLLOUT, 0 }, { null, POLLIN, 0 },
		{ e, POLLIN, 0 }, { -1, POLLIN, 0 },
	};
	ok(agree(ev, q, 5, true, NULL), "the first call answers as poll()");
	size_t c0 = evset_changes(ev);
	ignore(write(p[1], "x", 1));
	ok(agree(ev, q, 5, true, NULL) && agree(ev, q, 5, true, NULL) &&
	   evset_changes(ev) == c0,
	   "the same array again costs no epoll_ctl, and sees the pipe become readable");
	struct pollfd t = q[0];
	q[0] = q[3];
	q[3] = t;
	ok(agree(ev, q, 5, true, NULL) && evset_changes(ev) == c0,
	   "nor does the same array in another order (it is compared by number)");
	q[1].events = POLLIN;
	ok(agree(ev, q, 5, true, NULL), "one entry's events changed: answers as poll()");
	is_int(evset_changes(ev) - c0, 1, "and costs exactly one epoll_ctl");

	int all[] = { p[0], p[1], s[0], s[1], e, null };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		evset_close(ev, all[i]);
	evset_free(ev);
}

static void test_dropped(void)
{
	struct evset *ev = evset_new();
	int a[2], b[2];
	ok(pipe(a) == 0 && pipe(b) == 0, "two pipes");

	struct pollfd qa = { a[0], POLLIN, 0 }, qb = { b[0], POLLIN, 0 };
	is_int(evset_poll(ev, &qa, 1, 0), 0, "pipe a's read end, empty: registered, not ready");
	ignore(write(a[1], "x", 1));
	size_t c0 = evset_changes(ev);
	is_int(evset_poll(ev, &qb, 1, 0), 0, "asked for b only while a is readable: nothing");
	is_int(evset_changes(ev) - c0, 2, "a was unregistered (and b registered) before the wait");
	/* Were a still registered, epoll_wait would end this wait at once
	 * (its event then dropped as no entry's), the return value the same:
	 * so the wait is also checked not to end before its timeout, which a
	 * timed-out wait never does. */
	double t0 = tap_now();
	int r = evset_poll(ev, &qb, 1, 50);
	double took = tap_now() - t0;
	ok(r == 0 && qb.revents == 0 && took >= 0.045,
	   "a 50 ms wait on b alone returns 0 at its timeout; a does not wake it");
	if (took < 0.045)
		tap_diag("  it returned %d after %.1f ms", r, took * 1e3);
	ok(evset_poll(ev, &qa, 1, 0) == 1 && qa.revents == POLLIN, "asked again, a is readable");

	for (int i = 0; i < 2; i++) {
		evset_close(ev, a[i]);
		evset_close(ev, b[i]);
	}
	evset_free(ev);
}

static void test_wakeup(void)
{
	struct evset *ev = evset_new();
	int p[2], e = eventfd(0, 0);
	ok(pipe(p) == 0 && e >= 0, "a pipe and an eventfd");

	pid_t pid = fork();
	if (pid == 0) {
		usleep(20000);
		ignore(write(p[1], "x", 1));
		_exit(0);
	}
	struct pollfd q[] = { { e, POLLIN, 0 }, { p[0], POLLIN, 0 } };
	int r = evset_poll(ev, q, 2, 2000);
	ok(pid > 0 && r == 1 && q[0].revents == 0 && q[1].revents == POLLIN,
	   "a child's write wakes a 2 s wait: 1, POLLIN on the pipe only (got %d, %s, %s)",
	   r, bits(q[0].revents), bits(q[1].revents));
	waitpid(pid, NULL, 0);	/* its copies of the descriptors gone */

	evset_close(ev, p[0]);
	evset_close(ev, p[1]);
	evset_close(ev, e);
	evset_free(ev);
}

static void test_null(void)
{
	int p[2], closed = 900;
	while (fcntl(closed, F_GETFD) >= 0)
		closed++;
	ok(pipe(p) == 0 && write(p[1], "x", 1) == 1, "a pipe with a byte in it");
	struct pollfd q[] = { { p[0], POLLIN, 0 }, { closed, POLLIN, 0 }, { -1, POLLIN, 9 } };
	ok(agree(NULL, q, 3, true, NULL), "evset_poll(NULL, ...) is poll()");
	evset_close(NULL, p[0]);
	ok(fcntl(p[0], F_GETFD) < 0 && errno == EBADF, "evset_close(NULL, fd) closes fd");
	is_int(evset_changes(NULL), 0, "and a NULL set has made no epoll_ctl");
	close(p[1]);
	evset_free(NULL);
}

/* Puts fd on number x (free), as a new open would that got that number. */
static int land_on(int fd, int x)
{
	if (fd != x) {
		dup2(fd, x);
		close(fd);	/* never given to a set */
	}
	return x;
}

static void test_reuse(void)
{
	struct evset *ev = evset_new();
	int p[2], q2[2], x;
	ok(pipe(p) == 0, "a pipe");
	x = p[0];

	struct pollfd q = { x, POLLIN, 0 };
	evset_poll(ev, &q, 1, 0);
	evset_close(ev, x);
	evset_close(ev, p[1]);
	ok(pipe(q2) == 0 && land_on(q2[0], x) == x && write(q2[1], "x", 1) == 1,
	   "a pipe's read end registered, evset_close()d, a new one on its number");
	ok(agree(ev, &q, 1, true, NULL), "the same question: answers as poll()");

	q.events = POLLIN | POLLOUT;
	evset_poll(ev, &q, 1, 0);
	evset_close(ev, x);
	land_on(open("/dev/null", O_RDWR), x);
	ok(agree(ev, &q, 1, true, NULL), "a file epoll refuses on the number: as poll()");
	evset_close(ev, x);
	land_on(dup(q2[1]), x);
	ok(agree(ev, &q, 1, true, NULL),
	   "and a pipe's write end after it (no longer always ready): as poll()");

	/* Behind the set's back: plain close() drops the registration with
	 * the file, and the slot still says registered. A call with other
	 * events finds that out (MOD: ENOENT) and registers the new file; one
	 * with the very same events could not, which is the header's
	 * "Must not". */
	evset_close(ev, x);
	ok(pipe(p) == 0 && land_on(p[0], x) == x, "another pipe on the number");
	q.events = POLLIN;
	evset_poll(ev, &q, 1, 0);
	close(x);
	int r[2];
	ok(pipe(r) == 0 && land_on(r[0], x) == x && write(r[1], "x", 1) == 1,
	   "its read end closed with close(), a new pipe with a byte on the number");
	q.events = POLLIN | POLLRDHUP;
	ok(agree(ev, &q, 1, true, NULL), "asked with other events: answers as poll()");
	ok(agree(ev, &q, 1, true, NULL) && q.revents == POLLIN, "and again (registered now): POLLIN");
	close(r[1]);
	ok(agree(ev, &q, 1, true, NULL), "its writer closed: HUP, as poll()");

	evset_close(ev, x);
	close(p[1]);
	close(q2[1]);
	evset_free(ev);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);	/* writes to pipes with no reader */
	test_random();
	test_costs();
	test_dropped();
	test_wakeup();
	test_null();
	test_reuse();
	return tap_done();
}
