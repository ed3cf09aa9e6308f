/* canon_oracle.h - the judgements both canon tests make: test-canon.c
 * (generated inputs, TAP) and fuzz-canon.c (libFuzzer, corpus replay).
 * Header-only, static: each test program is one translation unit. */
#ifndef PR_CANON_ORACLE_H
#define PR_CANON_ORACLE_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "canon.h"

/* Does canonical text hold a number jansson would re-format: a real, or
 * -0 (dumped as 0)? Then only json_equal, not the bytes, can be compared. */
static inline bool has_reformatted_number(const char *s, size_t n)
{
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		if (in_str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_str = false;
		} else if (s[i] == '"') {
			in_str = true;
		} else if (s[i] == '.' || s[i] == 'e' || s[i] == 'E') {
			return true;
		} else if (s[i] == '-' && i + 1 < n && s[i + 1] == '0' &&
			   (i + 2 >= n || s[i + 2] < '0' || s[i + 2] > '9')) {
			return true;
		}
	}
	return false;
}

/* Does canon_json_inplace() on a copy of in[0..n) do exactly what
 * canon_json_top() did (rc, err or out's canonical text and top): same
 * verdict, same error and offset, same output, same member spans?
 * *shrunk: the canonical form came out shorter (bytes were moved). */
static inline bool canon_inplace_agrees(const char *in, size_t n, unsigned depth, int rc,
					const struct canon_err *err, const char *out,
					size_t outlen, const struct canon_top *top, bool *shrunk)
{
	struct canon_err ierr;
	struct canon_top itop;
	size_t ilen = 0;
	char *text = malloc(n ? n : 1);
	bool same;

	if (!text)
		abort();
	if (n)
		memcpy(text, in, n);
	int irc = canon_json_inplace(text, n, depth, &ilen, &itop, &ierr);
	same = irc == rc;
	*shrunk = false;
	if (same && rc == 0) {
		same = ilen == outlen && memcmp(text, out, ilen) == 0 &&
		       itop.n == top->n && itop.more == top->more &&
		       memcmp(itop.m, top->m, top->n * sizeof(top->m[0])) == 0;
		*shrunk = ilen < n;
	} else if (same) {
		same = ierr.rc == err->rc && ierr.offset == err->offset;
	}
	free(text);
	return same;
}

#endif
