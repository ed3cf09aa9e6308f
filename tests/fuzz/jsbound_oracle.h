/* jsbound_oracle.h - the reference jsbound_scan() is checked against, one
 * byte at a time and plainly written, and a check that the real scan,
 * given the input whole or in pieces, stops at the same places in the same
 * states. Used by test-jsbound.c and fuzz-jsbound.c. */
#ifndef PR_JSBOUND_ORACLE_H
#define PR_JSBOUND_ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "jsbound.h"

static inline enum jsbound_stop jsbound_ref(struct jsbound *b, const char *p,
					    size_t *pos, size_t n, size_t max_depth)
{
	for (size_t i = *pos; i < n; i++) {
		char c = p[i];
		if (b->in_str) {
			if (b->esc)
				b->esc = false;
			else if (c == '\\')
				b->esc = true;
			else if (c == '"')
				b->in_str = false;
			continue;
		}
		if (c == '"') {
			b->in_str = true;
		} else if (c == '{' || c == '[') {
			if (b->depth >= max_depth) {
				*pos = i;
				return JSBOUND_TOO_DEEP;
			}
			b->depth++;
		} else if ((c == '}' || c == ']') && b->depth && --b->depth == 0) {
			*pos = i + 1;
			return JSBOUND_CLOSED;
		}
	}
	*pos = n;
	return JSBOUND_MORE;
}

/* One stop of a scan: where, why, and the state there. */
struct jsbound_event {
	size_t pos;
	enum jsbound_stop stop;
	struct jsbound st;
};

typedef enum jsbound_stop (*jsbound_fn)(struct jsbound *, const char *, size_t *,
					 size_t, size_t);

/* Scan in[0..n) with fn in pieces of the sizes sched[] gives in turn (0
 * entries: whole), going on after CLOSED and stopping at TOO_DEEP; the
 * stops (and the state after the last piece) go to ev[], at most max.
 * Returns how many; -1 if the scan went backwards or past its piece. */
static inline int jsbound_events(jsbound_fn fn, const char *in, size_t n,
				 const size_t *sched, size_t nsched, size_t max_depth,
				 struct jsbound_event *ev, int max)
{
	struct jsbound b = { 0 };
	size_t at = 0, k = 0;
	int m = 0;

	while (at < n) {
		size_t end = nsched ? at + sched[k++ % nsched] : n;
		if (end > n || end <= at)
			end = n;
		size_t pos = at;
		for (;;) {
			size_t before = pos;
			enum jsbound_stop s = fn(&b, in, &pos, end, max_depth);
			if (pos < before || pos > end)
				return -1;
			if (s == JSBOUND_MORE) {
				if (pos != end)
					return -1;
				break;
			}
			if (m < max)
				ev[m++] = (struct jsbound_event){ pos, s, b };
			if (s == JSBOUND_TOO_DEEP)
				return m;
		}
		at = end;
	}
	if (m < max)
		ev[m++] = (struct jsbound_event){ n, JSBOUND_MORE, b };
	return m;
}

static inline bool jsbound_event_eq(const struct jsbound_event *a,
				    const struct jsbound_event *b)
{
	return a->pos == b->pos && a->stop == b->stop && a->st.depth == b->st.depth &&
	       a->st.in_str == b->st.in_str && a->st.esc == b->st.esc;
}

/* jsbound_scan() whole and in the given pieces gives exactly the
 * reference's stops and states. */
static inline bool jsbound_agrees(const char *in, size_t n, const size_t *sched,
				  size_t nsched, size_t max_depth)
{
	enum { MAXEV = 4096 };
	static struct jsbound_event ref[MAXEV], whole[MAXEV], cut[MAXEV];
	int a = jsbound_events(jsbound_ref, in, n, NULL, 0, max_depth, ref, MAXEV);
	int b = jsbound_events(jsbound_scan, in, n, NULL, 0, max_depth, whole, MAXEV);
	int c = jsbound_events(jsbound_scan, in, n, sched, nsched, max_depth, cut, MAXEV);

	if (a < 0 || a != b || a != c)
		return false;
	for (int i = 0; i < a; i++)
		if (!jsbound_event_eq(&ref[i], &whole[i]) || !jsbound_event_eq(&ref[i], &cut[i]))
			return false;
	return true;
}

#endif
