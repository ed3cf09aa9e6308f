/* jskip.c - lenient skipping over raw JSON text. Contract: include/jskip.h.
 * Iterative (a depth counter, no recursion), so any input, however deep,
 * costs no stack. Must not: validate, allocate, log. */
#include <stdbool.h>
#include <string.h>
#include "jskip.h"

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t jskip_ws(const char *p, size_t len, size_t i)
{
	while (i < len && is_ws(p[i]))
		i++;
	return i;
}

/* memchr to each quote, then the parity of the backslashes before it: a
 * big string costs a memchr, not a byte loop (jspan_member() skips the
 * values of a 50 MB message with it). */
size_t jskip_string(const char *p, size_t len, size_t i)
{
	for (i++; i < len;) {
		const char *q = memchr(p + i, '"', len - i);
		if (!q)
			return len;
		size_t j = (size_t)(q - p), bs = 0;
		while (j - bs > i && p[j - bs - 1] == '\\')
			bs++;
		i = j + 1;
		if (!(bs & 1))
			return i;
	}
	return len;
}

size_t jskip_value(const char *p, size_t len, size_t i)
{
	if (i >= len)
		return len;
	if (p[i] == '"')
		return jskip_string(p, len, i);
	if (p[i] == '{' || p[i] == '[') {
		size_t depth = 0;
		while (i < len) {
			if (p[i] == '"') {
				i = jskip_string(p, len, i);
				continue;
			}
			if (p[i] == '{' || p[i] == '[')
				depth++;
			else if ((p[i] == '}' || p[i] == ']') && --depth == 0)
				return i + 1;
			i++;
		}
		return len;
	}
	while (i < len && !is_ws(p[i]) && p[i] != ',' && p[i] != '}' &&
	       p[i] != ']' && p[i] != ':')
		i++;
	return i;
}
