/* evset.h - poll(2)'s interface and meaning, kept in an epoll set.
 *
 * Why: poll() registers a wait on every descriptor it is given and takes
 * it down again, each time it sleeps. The relay's loop always holds a few
 * that are almost never ready (the reaper's pidfd, the signalfd, the RPC
 * listening socket): on the hook round trip (two sleeps) they cost about
 * 2 us of a 12 us relay hop on this machine (bench/, one CPU). An epoll
 * set keeps them registered and wakes on the ready one only; interest
 * changes cost an epoll_ctl, so the caller's pollfd array is compared with
 * what is registered and only differences reach the kernel.
 *
 * Meaning, entry by entry, as poll(): fd < 0 is ignored; events 0 still
 * reports POLLHUP and POLLERR; an fd that is not open gets POLLNVAL; one
 * that epoll refuses (a regular file) is always ready for reading and
 * writing; the same fd twice gets each entry its own events' share.
 * Level-triggered, so what a caller leaves unread is reported again.
 *
 * Must not: be told about a descriptor that is then closed other than by
 * evset_close() while it is registered (epoll would lose the file, and a
 * new file under the same number would never be registered), or be used
 * from two threads. Differential-tested against poll() in test-evset.c. */
#ifndef PR_EVSET_H
#define PR_EVSET_H

#include <poll.h>
#include <stddef.h>

struct evset;

/* A set, or NULL when the kernel gives no epoll (then evset_poll(NULL...)
 * is poll() itself). */
struct evset *evset_new(void);
void evset_free(struct evset *ev);
/* poll(fds, n, timeout_ms), with the same return value and errno. */
int evset_poll(struct evset *ev, struct pollfd *fds, size_t n, int timeout_ms);
/* Forget fd, then close it (ev may be NULL). */
void evset_close(struct evset *ev, int fd);
/* epoll_ctl calls made so far (tests: an unchanged array costs none). */
size_t evset_changes(const struct evset *ev);

#endif
