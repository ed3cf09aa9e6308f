/* test-policy-doc.c - plugin-runner.policy(5) documents every key the
 * parser accepts (one ".It Cm <key>" per dotted key from
 * policy_known_keys()), documents no key the parser rejects, and passes
 * `mandoc -Tlint -Wwarning` when mandoc is installed.
 * Run from the repository root (make check does). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "policy.h"
#include "tap.h"
#include "util.h"

#define PAGE "man/plugin-runner.policy.5"

int main(void)
{
	int fd = open(PAGE, O_RDONLY | O_CLOEXEC);
	char *page = fd >= 0 ? read_fd_all(fd, 1 << 20, NULL) : NULL;
	if (fd >= 0)
		close(fd);
	ok(page != NULL, "%s is readable (run from the repository root)", PAGE);
	if (!page)
		return tap_done();

	const char *const *keys = policy_known_keys();
	size_t nkeys = 0;
	for (; keys[nkeys]; nkeys++) {
		char *want = xasprintf("\n.It Cm %s\n", keys[nkeys]);
		ok(strstr(page, want) != NULL, "documented: .It Cm %s", keys[nkeys]);
		free(want);
	}
	ok(nkeys >= 39, "policy_known_keys() has %zu keys", nkeys);

	/* the other direction: each ".It Cm" entry in the key list is a key */
	size_t entries = 0;
	for (const char *q = strstr(page, "\n.It Cm "); q; q = strstr(q + 1, "\n.It Cm ")) {
		const char *k = q + 8, *e = strchr(k, '\n');
		char *key = xstrndup(k, e ? (size_t)(e - k) : strlen(k));
		bool known = false;
		for (size_t i = 0; i < nkeys; i++)
			known |= strcmp(keys[i], key) == 0;
		ok(known, "page entry '%s' is a key the parser accepts", key);
		free(key);
		entries++;
	}
	is_int(entries, nkeys, "one entry per key");

	if (system("command -v mandoc >/dev/null 2>&1") == 0) {
		int rc = system("mandoc -Tlint -Wwarning " PAGE);
		is_int(rc, 0, "mandoc -Tlint -Wwarning is clean");
	} else {
		ok(1, "# SKIP mandoc not installed");
	}
	free(page);
	return tap_done();
}
