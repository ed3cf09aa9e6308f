/* test-pending.c - pending.c against a plain list, over random adds, finds
 * and takes (ids from a small alphabet, so they repeat and their runs in
 * the table collide and are shifted back on removal). */
#include <stdio.h>
#include <string.h>
#include "pending.h"
#include "tap.h"
#include "util.h"

#define MAXREF 4096

static struct ref {
	char id[24], name[24];
	enum pend_kind kind;
	bool used;
} ref[MAXREF];
static size_t ref_top;	/* no entry used at or above */

static struct ref *ref_find(const char *id)
{
	for (size_t i = 0; i < ref_top; i++)
		if (ref[i].used && strcmp(ref[i].id, id) == 0)
			return &ref[i];
	return NULL;
}

static unsigned long long rng = 0x9E3779B97F4A7C15ull;

static unsigned rnd(unsigned n)
{
	return tap_rnd(&rng, n);
}

static void test_cases(void)
{
	struct pending *p = pending_new();
	enum pend_kind k;
	char *name;

	ok(!pending_has(p, "1", 1) && !pending_take(p, "1", 1, &k, &name),
	   "an empty table has nothing");
	pending_add(p, "1", 1, PEND_HOOK, "htlc_accepted");
	ok(pending_has(p, "1", 1) && !pending_has(p, "\"1\"", 3),
	   "the number 1 is pending, the string \"1\" is not");
	pending_add(p, "1", 1, PEND_METHOD, "hello");
	is_int(pending_count(p), 1, "the same id again replaces the entry");
	ok(pending_take(p, "1", 1, &k, &name) && k == PEND_METHOD && strcmp(name, "hello") == 0,
	   "take hands back what the newer request asked");
	free(name);
	ok(!pending_has(p, "1", 1) && pending_count(p) == 0, "and it is gone");
	pending_free(p);
}

/* fixed 0: ids from a range that drifts, so the table fills, grows and
 * empties; else at most `fixed` ids at once (a small table, where runs
 * wrap around its end) out of many, so their slots vary. */
static void test_random(unsigned fixed)
{
	struct pending *p = pending_new();
	memset(ref, 0, sizeof(ref));
	ref_top = 0;
	int bad = 0, ops = 200000;
	size_t live = 0, peak = 0;

	for (int r = 0; r < ops && bad < 5; r++) {
		char id[24], name[24];
		unsigned span = fixed ? 100000 : 1 + (unsigned)(r / 1000 % 40) * 50;
		snprintf(id, sizeof(id), "\"cln:m#%u\"", rnd(span));
		unsigned op = rnd(r / 20000 % 2 ? 4 : 3);
		if (fixed && live >= fixed) {
			struct ref *v;	/* full: take a live one */
			while (!(v = &ref[rnd((unsigned)ref_top)])->used)
				;
			snprintf(id, sizeof(id), "%s", v->id);
			op = 2;
		}
		struct ref *e = ref_find(id);
		enum pend_kind k;
		char *got;
		switch (op) {
		case 0:
		case 3: {
			enum pend_kind kind = (enum pend_kind)rnd(4);
			snprintf(name, sizeof(name), "n%u", rnd(1000));
			pending_add(p, id, strlen(id), kind, name);
			if (!e) {
				for (e = ref; e->used; e++)
					;
				e->used = true;
				if ((size_t)(e - ref) >= ref_top)
					ref_top = (size_t)(e - ref) + 1;
				snprintf(e->id, sizeof(e->id), "%s", id);
				live++;
			}
			snprintf(e->name, sizeof(e->name), "%s", name);
			e->kind = kind;
			break;
		}
		case 1:
			if (pending_has(p, id, strlen(id)) != (e != NULL))
				bad++;
			break;
		case 2:
			if (pending_take(p, id, strlen(id), &k, &got) != (e != NULL)) {
				bad++;
			} else if (e) {
				if (k != e->kind || strcmp(got, e->name))
					bad++;
				free(got);
				e->used = false;
				live--;
			}
			break;
		}
		if (pending_count(p) != live)
			bad++;
		if (live > peak)
			peak = live;
	}
	ok(bad == 0, "%d random operations (up to %zu ids at once%s): the same answers "
	   "as a plain list", ops, peak, fixed ? ", a small table" : "");
	pending_free(p);
}

int main(void)
{
	test_cases();
	test_random(0);
	test_random(13);
	return tap_done();
}
