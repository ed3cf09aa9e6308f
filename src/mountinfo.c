/* mountinfo.c - mount points beneath a directory (include/mountinfo.h).
 * Must not: decide what a mount may show (sandbox.c, exposure.c do).
 * Called by: sandbox.c (the binds' checks) and exposure.c (what the
 * sandbox shows), both before the runner confines itself.
 * Fuzzed: fuzz-mountinfo.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "buf.h"
#include "mountinfo.h"
#include "util.h"

/* mountinfo writes space, tab, newline and backslash in a path as \ooo. */
static size_t unescape(const char *s, size_t n, char *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			out[k++] = (char)((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 |
					  (s[i + 3] - '0'));
			i += 3;
		} else {
			out[k++] = s[i];
		}
	}
	out[k] = '\0';
	return k;
}

void mountinfo_beneath(const char *text, size_t len, const char *dir,
		       void (*fn)(const char *mount_point, void *arg), void *arg)
{
	size_t dlen = strlen(dir);
	const char *end = text + len;

	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *le = nl ? nl : end;
		const char *f = line;

		/* fields: id, parent, major:minor, root, mount point, ... */
		for (int field = 0; field < 4 && f; field++) {
			f = memchr(f, ' ', (size_t)(le - f));
			f = f ? f + 1 : NULL;
		}
		if (f && f < le) {
			const char *fe = memchr(f, ' ', (size_t)(le - f));
			size_t n = (size_t)((fe ? fe : le) - f);
			char *mp = xmalloc(n + 1);
			size_t k = unescape(f, n, mp);

			/* strictly beneath: "dir/..." ("/" holds every other) */
			bool below = dlen == 1 && dir[0] == '/'
				? k > 1 && mp[0] == '/'
				: k > dlen + 1 && memcmp(mp, dir, dlen) == 0 && mp[dlen] == '/';
			if (below && strlen(mp) == k)
				fn(mp, arg);
			free(mp);
		}
		line = le + 1;
	}
}

int mountinfo_read(struct buf *out)
{
	char chunk[8192];
	ssize_t n;
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(out, chunk, (size_t)n);
	int e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}
