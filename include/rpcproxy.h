/* rpcproxy.h - the plugin's lightning-rpc: accept on the sandbox socket,
 * judge each request (rpcgate), relay allowed ones over a connection of its
 * own to the host's real socket, stream the host's answers back. */
#ifndef PR_RPCPROXY_H
#define PR_RPCPROXY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include "policy.h"

struct evset;
struct learn;
struct rpcproxy;

/* ev (may be NULL): the relay's evset, which the connections' descriptors
 * are closed through (evset_close). */
struct rpcproxy *rpcproxy_new(int listen_fd, const struct policy *pol,
			      bool audit, struct learn *learn, struct evset *ev);
void rpcproxy_free(struct rpcproxy *rp);
/* The host's socket path, from init; connections wait for it. */
void rpcproxy_set_upstream(struct rpcproxy *rp, const char *path);
/* Append this proxy's pollfds; returns how many were added. */
size_t rpcproxy_pollfds(struct rpcproxy *rp, struct pollfd *fds, size_t max);
/* Handle the revents of the entries rpcproxy_pollfds() added. */
void rpcproxy_events(struct rpcproxy *rp, const struct pollfd *fds, size_t n,
		     double now);
/* Milliseconds until the next timer (connect retry), or -1. */
int rpcproxy_timeout_ms(const struct rpcproxy *rp, double now);
size_t rpcproxy_max_fds(const struct rpcproxy *rp);

#endif
