/* testpol.h - helpers for unit tests that build policies by hand (without
 * the policy parser) and parse test JSON. Include after tap.h. */
#ifndef PR_TESTPOL_H
#define PR_TESTPOL_H

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "manifest.h"
#include "policy.h"

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

static inline void set_list(struct strlist *l, const char *const *v)
{
	strlist_free(l);
	for (; v && *v; v++)
		strlist_push(l, *v);
}

/* Free what a test put in a stack policy: policy_free() owns a heap one. */
static inline void policy_clear(struct policy *p)
{
	struct policy *h = calloc(1, sizeof(*h));
	*h = *p;
	policy_free(h);
	memset(p, 0, sizeof(*p));
}

/* Test JSON that does not parse is a bug in the test: stop. */
static inline json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);

	if (!j) {
		tap_diag("bad test JSON: %s: %s", text, e.text);
		exit(2);
	}
	return j;
}

#endif
