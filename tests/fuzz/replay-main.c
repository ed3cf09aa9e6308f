/* replay-main.c - run a libFuzzer target over its corpus as a TAP test, so
 * every fuzz corpus file is an ordinary test in `make check` (as Core
 * Lightning does). The corpus is tests/fuzz/corpus/<target>/. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *fuzz_target_name(void);

int main(int argc, char **argv)
{
	char dir[512];
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/%s", argc > 1 ? argv[1] : "tests/fuzz/corpus",
		 fuzz_target_name());
	DIR *d = opendir(dir);
	if (!d) {
		printf("not ok 1 - corpus %s missing\n1..1\n", dir);
		return 1;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		size_t cap = 1 << 16, len = 0;
		uint8_t *b = xmalloc(cap);
		size_t r;
		while ((r = fread(b + len, 1, cap - len, f)) > 0) {
			len += r;
			if (len == cap)
				b = xrealloc(b, cap *= 2);
		}
		fclose(f);
		LLVMFuzzerTestOneInput(b, len);	/* a crash or sanitizer report fails the run */
		free(b);
		printf("ok %d - %s replays cleanly\n", ++n, e->d_name);
	}
	closedir(d);
	if (n == 0)
		printf("not ok 1 - corpus %s is empty\n", dir), n = 1;
	printf("1..%d\n", n);
	return 0;
}
