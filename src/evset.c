/* evset.c - poll(2) over a persistent epoll set.
 *
 * Contract: include/evset.h. Each call compares the caller's pollfd array
 * with what is registered, by descriptor number: a slot per number holds
 * the events registered for it and, for this call, the events its entries
 * want and the events that came back. Numbers no entry names any more are
 * unregistered before the wait, so every event epoll returns belongs to an
 * entry of this call. epoll's event bits are poll's (EPOLLIN == POLLIN and
 * so on), so they are handed back as they are, masked as poll() masks
 * them: each entry gets its own events plus POLLHUP, POLLERR and POLLNVAL.
 *
 * Must not: log or exit (errors go back as poll()'s would), or keep a
 * descriptor open. Called by relay.c. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "evset.h"
#include "util.h"

/* What poll() says of a file without a poll method (a regular file):
 * always ready both ways (the kernel's DEFAULT_POLLMASK). */
#define ALWAYS_READY	(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
/* Reported whatever an entry asked for, by poll() and by epoll. */
#define ALWAYS_REPORTED	(POLLHUP | POLLERR | POLLNVAL)

enum reg_state {
	REG_NONE,	/* not registered */
	REG_EPOLL,	/* in the epoll set with `have` */
	REG_ALWAYS,	/* epoll refused it (EPERM): a regular file */
};

struct slot {
	uint64_t gen;		/* the call that last named this number */
	uint32_t want;		/* that call: its entries' events, or'ed */
	uint32_t got;		/* that call: what came back */
	uint32_t have;		/* REG_EPOLL: the events registered */
	unsigned char state;	/* enum reg_state */
	size_t at;		/* index in evset.reg while registered */
};

struct evset {
	int epfd;
	struct slot *slot;	/* by descriptor number */
	size_t nslot;
	int *reg;		/* the registered numbers */
	size_t nreg, creg;
	struct epoll_event *evs;
	size_t cevs;
	uint64_t gen;
	size_t changes;
};

struct evset *evset_new(void)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct evset *ev = xcalloc(1, sizeof(*ev));
	ev->epfd = fd;
	return ev;
}

void evset_free(struct evset *ev)
{
	if (!ev)
		return;
	close(ev->epfd);
	free(ev->slot);
	free(ev->reg);
	free(ev->evs);
	free(ev);
}

size_t evset_changes(const struct evset *ev)
{
	return ev ? ev->changes : 0;
}

static struct slot *slot_of(struct evset *ev, int fd)
{
	size_t want = (size_t)fd + 1;
	if (want > ev->nslot) {
		size_t n = ev->nslot ? ev->nslot : 64;
		while (n < want)
			n *= 2;
		ev->slot = xrealloc(ev->slot, n * sizeof(*ev->slot));
		memset(ev->slot + ev->nslot, 0, (n - ev->nslot) * sizeof(*ev->slot));
		ev->nslot = n;
	}
	return &ev->slot[fd];
}

static int ctl(struct evset *ev, int op, int fd, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.fd = fd };
	ev->changes++;
	return epoll_ctl(ev->epfd, op, fd, &e);
}

static void list_add(struct evset *ev, int fd, struct slot *s)
{
	if (ev->nreg == ev->creg) {
		ev->creg = ev->creg ? 2 * ev->creg : 16;
		ev->reg = xrealloc(ev->reg, ev->creg * sizeof(*ev->reg));
	}
	s->at = ev->nreg;
	ev->reg[ev->nreg++] = fd;
}

/* Unregister fd (an fd already closed is gone from the set anyway). */
static void forget(struct evset *ev, int fd)
{
	struct slot *s = &ev->slot[fd];
	if (s->state == REG_EPOLL)
		(void)ctl(ev, EPOLL_CTL_DEL, fd, 0);
	int last = ev->reg[--ev->nreg];
	ev->reg[s->at] = last;
	ev->slot[last].at = s->at;
	s->state = REG_NONE;
}

void evset_close(struct evset *ev, int fd)
{
	if (ev && fd >= 0 && (size_t)fd < ev->nslot && ev->slot[fd].state != REG_NONE)
		forget(ev, fd);
	if (fd >= 0)
		close(fd);
}

/* Make fd's registration what this call wants. Returns 0, or -1 with
 * errno for an error poll() would not have had. */
static int sync_one(struct evset *ev, int fd, struct slot *s)
{
	switch (s->state) {
	case REG_ALWAYS:
		return 0;
	case REG_EPOLL:
		if (s->have == s->want)
			return 0;
		if (ctl(ev, EPOLL_CTL_MOD, fd, s->want) == 0) {
			s->have = s->want;
			return 0;
		}
		if (errno != ENOENT)
			return -1;
		/* closed and reopened behind our back: register anew */
		forget(ev, fd);
		break;
	default:
		break;
	}
	if (ctl(ev, EPOLL_CTL_ADD, fd, s->want) == 0) {
		s->state = REG_EPOLL;
		s->have = s->want;
	} else if (errno == EPERM) {
		s->state = REG_ALWAYS;
	} else if (errno == EBADF) {
		s->got = POLLNVAL;	/* not open: poll() says so, once per call */
		return 0;
	} else {
		return -1;
	}
	list_add(ev, fd, s);
	return 0;
}

int evset_poll(struct evset *ev, struct pollfd *fds, size_t n, int timeout_ms)
{
	if (!ev)
		return poll(fds, n, timeout_ms);

	uint64_t gen = ++ev->gen;
	for (size_t i = 0; i < n; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		struct slot *s = slot_of(ev, fds[i].fd);
		if (s->gen != gen) {
			s->gen = gen;
			s->want = 0;
			s->got = 0;
		}
		s->want |= (uint16_t)fds[i].events;
	}
	/* Numbers this call does not name leave the set before the wait. */
	for (size_t k = 0; k < ev->nreg;) {
		int fd = ev->reg[k];
		if (ev->slot[fd].gen != gen)
			forget(ev, fd);	/* moves the last one to k */
		else
			k++;
	}
	bool ready_now = false;
	for (size_t i = 0; i < n; i++) {
		if (fds[i].fd < 0)
			continue;
		struct slot *s = &ev->slot[fds[i].fd];
		if (sync_one(ev, fds[i].fd, s) < 0)
			return -1;
		if (s->state == REG_ALWAYS)
			s->got = s->want & ALWAYS_READY;
		ready_now |= s->got != 0;
	}

	if (ev->cevs < ev->nreg || !ev->evs) {
		ev->cevs = ev->nreg > 16 ? ev->nreg : 16;
		ev->evs = xrealloc(ev->evs, ev->cevs * sizeof(*ev->evs));
	}
	int got = epoll_wait(ev->epfd, ev->evs, (int)ev->cevs, ready_now ? 0 : timeout_ms);
	if (got < 0)
		return -1;
	for (int k = 0; k < got; k++)
		ev->slot[ev->evs[k].data.fd].got |= ev->evs[k].events;

	int ready = 0;
	for (size_t i = 0; i < n; i++) {
		if (fds[i].fd < 0)
			continue;
		uint32_t mask = (uint16_t)fds[i].events | ALWAYS_REPORTED;
		fds[i].revents = (short)(ev->slot[fds[i].fd].got & mask);
		ready += fds[i].revents != 0;
	}
	return ready;
}
