/* gate.h - the stdio protocol rules of SPEC section 5: what may pass between
 * lightningd and the plugin on stdin/stdout, in which state, rewritten how.
 * Pure: it reads whole frames and appends whole wire messages to the output
 * buffers it is given; the relay does all I/O. */
#ifndef PR_GATE_H
#define PR_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "policy.h"

struct learn;

struct framer;

struct gate_io {
	struct buf *to_plugin;	/* whole messages for the plugin's stdin */
	struct buf *to_host;	/* whole messages for lightningd (our stdout) */
	/* The framer that returned the frame given to gate_from_plugin() or
	 * gate_from_host(), or NULL. A frame it returned canonical
	 * (framer_canon_top) is not parsed again. A plugin message forwarded
	 * whole then leaves in its storage (framer_take), and a host message
	 * forwarded into an empty queue in its canonical buffer
	 * (framer_take_canonical), instead of being copied; the caller's
	 * framer_consume() afterwards is harmless. */
	struct framer *frame_src;
};

enum gate_rc {
	GATE_OK,
	GATE_KILL,	/* end the plugin: it broke the protocol (already logged) */
	GATE_REFUSE,	/* manifest refused by policy: fail the handshake (exit 125) */
};

struct gate;
/* audit: log policy denials but forward (safety rules still apply).
 * learn: may be NULL; records what the plugin registered. */
struct gate *gate_new(const struct policy *pol, bool audit, struct learn *learn);
void gate_free(struct gate *g);

enum gate_rc gate_from_host(struct gate *g, const char *frame, size_t len,
			    struct gate_io *io);
/* A host frame over the size cap: prefix holds its first bytes. */
enum gate_rc gate_host_oversized(struct gate *g, const char *prefix, size_t len,
				 struct gate_io *io);
/* frame is canonicalised in place: its bytes are changed; or, when
 * io->frame_src is a FRAMER_CANON framer that returned it, it already is. */
enum gate_rc gate_from_plugin(struct gate *g, char *frame, size_t len,
			      struct gate_io *io);

/* The host's real lightning-rpc path, known once init went through. */
const char *gate_upstream_path(const struct gate *g);
/* The handshake is over: the plugin answered init. */
bool gate_running(const struct gate *g);
size_t gate_max_message(const struct gate *g);
/* Hook replies judged on a DOM so far: each distinct valid reply to a hook
 * once, an invalid one every time (tests). */
size_t gate_hook_doms(const struct gate *g);

#endif
