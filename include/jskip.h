/* jskip.h - lenient skipping over raw JSON text, for finding things in it
 * without validating it: where a policy key sits (policy.c's error
 * locations), a malformed host message's id (jsonrpc_sniff) and a member
 * of canonical text (jspan_member). Tolerates
 * what jsmn's non-strict mode does; validation is canon.c's job. Each
 * returns the index just past what it skipped, never beyond len. */
#ifndef PR_JSKIP_H
#define PR_JSKIP_H

#include <stddef.h>

/* Space, tab, CR, LF from p[i]. */
size_t jskip_ws(const char *p, size_t len, size_t i);
/* The string at p[i] ('"'): past its closing quote, or len. */
size_t jskip_string(const char *p, size_t len, size_t i);
/* The value at p[i]: a string, a bracketed container (anything inside,
 * strings respected), or a bare token up to whitespace , : } ]. At a
 * closing bracket nothing is skipped. */
size_t jskip_value(const char *p, size_t len, size_t i);

#endif
