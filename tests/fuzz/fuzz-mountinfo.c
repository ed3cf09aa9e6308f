/* fuzz-mountinfo.c - libFuzzer target for mountinfo.c (also replayed over
 * its corpus by `make check`). abort() unless, for any text and any
 * directory (the first line of the input), every mount point reported is
 * a C string strictly beneath that directory, and none more are reported
 * than the text has lines. */
#include <stdlib.h>
#include <string.h>
#include "mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *fuzz_target_name(void);

const char *fuzz_target_name(void)
{
	return "fuzz-mountinfo";
}

struct seen {
	const char *dir;
	size_t n;
};

static void check(const char *mp, void *arg)
{
	struct seen *s = arg;
	size_t d = strlen(s->dir);

	s->n++;
	if (strcmp(s->dir, "/") == 0) {
		if (mp[0] != '/' || !mp[1])
			abort();
	} else if (strncmp(mp, s->dir, d) != 0 || mp[d] != '/' || !mp[d + 1]) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t dlen = nl ? (size_t)(nl - (const char *)data) : 0;
	char dir[256];

	if (!nl || dlen == 0 || dlen >= sizeof(dir) || data[0] != '/' ||
	    memchr(data, '\0', dlen) || (dlen > 1 && data[dlen - 1] == '/'))
		return 0;
	memcpy(dir, data, dlen);
	dir[dlen] = '\0';
	const char *text = nl + 1;
	size_t len = size - dlen - 1, lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	struct seen s = { dir, 0 };
	mountinfo_beneath(text, len, dir, check, &s);
	if (s.n > lines)
		abort();
	return 0;
}
