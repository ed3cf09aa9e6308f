/* strlist.c - a growable list of owned strings, and the two questions the
 * gates ask of it: "does any glob in the list match?" and "is this exact
 * name in the list?"; and the lookup in the generated sorted tables of
 * lightningd's own names (builtin_commands.c, builtin_options.c). Pure: no
 * I/O, no logging. Used by policy.c (lists from the policy file),
 * manifest.c (the registry) and the gates. */
#include <stdlib.h>
#include <string.h>
#include "manifest.h"
#include "policy.h"
#include "util.h"

bool strlist_match(const struct strlist *l, const char *name)
{
	if (!l || !name)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (glob_match(l->v[i], name))
			return true;
	return false;
}

bool strlist_has(const struct strlist *l, const char *name)
{
	if (!l || !name)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			return true;
	return false;
}

void strlist_push(struct strlist *l, const char *s)
{
	/* Grow in powers of two: lists are short, but a hostile manifest may
	 * register thousands of names and must not cost O(n^2) reallocs. */
	if ((l->n & (l->n - 1)) == 0)
		l->v = xrealloc(l->v, (l->n ? 2 * l->n : 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

void strlist_free(struct strlist *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int sorted_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool sorted_names_has(const char *const *v, size_t n, const char *name)
{
	return name && bsearch(name, v, n, sizeof(v[0]), sorted_cmp) != NULL;
}
