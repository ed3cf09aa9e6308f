/* test-memtrim.c - memtrim_startup() gives back clean text pages and
 * breaks nothing: relocated data, RELRO pointers and code all still work
 * after it, and the text it dropped faults back in on use. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "memtrim.h"
#include "tap.h"
#include "util.h"

/* Resident KiB of this process's executable (r-xp) mappings. */
static long text_rss_kb(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool exec = false;
	long kb = 0, v;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char perms[5];
		/* a mapping's header: "start-end perms offset dev inode path" */
		if (sscanf(line, "%*x-%*x %4s", perms) == 1)
			exec = perms[2] == 'x';
		else if (exec && sscanf(line, "Rss: %ld kB", &v) == 1)
			kb += v;
	}
	fclose(f);
	return kb;
}

/* Data that is relocated at load time (a PIE's pointer table lives in
 * RELRO) and plain initialised data: both must survive. */
static const char *const names[] = { "alpha", "beta", "gamma" };
static int counter = 41;

static int cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(void)
{
	/* Touch a good part of libc and jansson first, as start-up does. */
	json_t *j = json_pack("{s:s,s:i}", "a", "b", "c", 1);
	char *s = json_dumps(j, JSON_COMPACT);
	long before = text_rss_kb();

	memtrim_startup();
	long after = text_rss_kb();
	tap_diag("executable mappings resident: %ld KiB before, %ld KiB after", before, after);
	/* Reading smaps itself faults some text back in (stdio, scanf). */
	tap_ok(before > 0 && after >= 0 && after < before * 3 / 4,
	       "clean text pages are dropped (%ld -> %ld KiB)", before, after);

	const char *v[3] = { names[2], names[0], names[1] };
	qsort(v, 3, sizeof(v[0]), cmp);
	tap_ok(strcmp(v[0], "alpha") == 0 && strcmp(v[2], "gamma") == 0,
	       "relocated pointers (RELRO) intact; code faults back in");
	tap_ok(++counter == 42, "initialised data intact");
	char *again = json_dumps(j, JSON_COMPACT);
	tap_ok(strcmp(s, again) == 0 && strcmp(s, "{\"a\":\"b\",\"c\":1}") == 0,
	       "a library's code and data work after the trim");
	free(s);
	free(again);
	json_decref(j);
	long later = text_rss_kb();
	tap_ok(later > after, "what is used again comes back (%ld KiB)", later);
	return tap_done();
}
