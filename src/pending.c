/* pending.c - ids the plugin has yet to answer. Contract: include/pending.h.
 *
 * Open addressing with linear probing over a power-of-two table kept at
 * most half full; a removal shifts the entries of its run back instead of
 * leaving a tombstone, so lookups stay short however many requests have
 * come and gone. Each entry is one allocation holding id and name. The
 * hash is seeded (util.h): a client of lightningd chooses part of an id.
 * Must not: use jansson, log. */
#include <string.h>
#include "pending.h"
#include "util.h"

struct pend_entry {
	uint64_t hash;
	enum pend_kind kind;
	size_t idlen;
	char *name;		/* after id[] in the same allocation */
	char id[];
};

struct pending {
	struct pend_entry **slot;
	size_t cap, n;		/* cap is a power of two, or 0 */
};

struct pending *pending_new(void)
{
	return xcalloc(1, sizeof(struct pending));
}

void pending_free(struct pending *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->cap; i++)
		free(p->slot[i]);
	free(p->slot);
	free(p);
}

size_t pending_count(const struct pending *p)
{
	return p->n;
}

/* The slot holding id, or the empty slot where it would go. */
static size_t find(const struct pending *p, uint64_t h, const char *id, size_t idlen)
{
	size_t mask = p->cap - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		const struct pend_entry *e = p->slot[i];
		if (!e || (e->hash == h && e->idlen == idlen && memcmp(e->id, id, idlen) == 0))
			return i;
	}
}

static void grow(struct pending *p)
{
	struct pend_entry **old = p->slot;
	size_t ocap = p->cap;

	p->cap = ocap ? 2 * ocap : 16;
	p->slot = xcalloc(p->cap, sizeof(*p->slot));
	for (size_t i = 0; i < ocap; i++) {
		struct pend_entry *e = old[i];
		if (e)
			p->slot[find(p, e->hash, e->id, e->idlen)] = e;
	}
	free(old);
}

void pending_add(struct pending *p, const char *id, size_t idlen, enum pend_kind kind,
		 const char *name)
{
	if (2 * (p->n + 1) > p->cap)
		grow(p);
	uint64_t h = hash_bytes(id, idlen);
	size_t i = find(p, h, id, idlen), nlen = strlen(name);
	struct pend_entry *e = xmalloc(sizeof(*e) + idlen + 1 + nlen + 1);

	e->hash = h;
	e->kind = kind;
	e->idlen = idlen;
	memcpy(e->id, id, idlen);
	e->id[idlen] = '\0';
	e->name = e->id + idlen + 1;
	memcpy(e->name, name, nlen + 1);
	if (p->slot[i])
		free(p->slot[i]);	/* the same id again: the newer asks */
	else
		p->n++;
	p->slot[i] = e;
}

bool pending_has(const struct pending *p, const char *id, size_t idlen)
{
	return p->cap && p->slot[find(p, hash_bytes(id, idlen), id, idlen)];
}

bool pending_take(struct pending *p, const char *id, size_t idlen, enum pend_kind *kind,
		  char **name)
{
	if (!p->cap)
		return false;
	size_t mask = p->cap - 1, i = find(p, hash_bytes(id, idlen), id, idlen);
	struct pend_entry *e = p->slot[i];
	if (!e)
		return false;
	*kind = e->kind;
	*name = xstrdup(e->name);
	free(e);
	p->slot[i] = NULL;
	p->n--;
	/* Close the gap: an entry further along the run that could sit at
	 * i (its home is not strictly between i and it) moves there. */
	for (size_t j = (i + 1) & mask; p->slot[j]; j = (j + 1) & mask) {
		size_t home = (size_t)p->slot[j]->hash & mask;
		bool between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (!between) {
			p->slot[i] = p->slot[j];
			p->slot[j] = NULL;
			i = j;
		}
	}
	return true;
}
