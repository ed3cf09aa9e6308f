/* pending.h - the host's requests and hook calls the plugin has not
 * answered yet, by id, and what each one asked. The key is the id's
 * canonical text (jsonrpc.h: the bytes of its lexeme), so the string "1"
 * and the number 1 are different ids and an id matches only itself.
 * Called by gate.c once per request and once per answer: no jansson, one
 * allocation per entry. Tested: test-pending.c. */
#ifndef PR_PENDING_H
#define PR_PENDING_H

#include <stdbool.h>
#include <stddef.h>

enum pend_kind { PEND_GETMANIFEST, PEND_INIT, PEND_METHOD, PEND_HOOK };

struct pending;

struct pending *pending_new(void);
void pending_free(struct pending *p);
/* Remember id[0..idlen) as asking `name` (a method or hook); an entry with
 * the same id is replaced (lightningd reused it). */
void pending_add(struct pending *p, const char *id, size_t idlen, enum pend_kind kind,
		 const char *name);
bool pending_has(const struct pending *p, const char *id, size_t idlen);
/* Forget id, handing back what it asked (*name is the caller's to free);
 * false if it is not pending. */
bool pending_take(struct pending *p, const char *id, size_t idlen, enum pend_kind *kind,
		  char **name);
size_t pending_count(const struct pending *p);

#endif
