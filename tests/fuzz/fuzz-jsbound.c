/* fuzz-jsbound.c - libFuzzer target for jsbound.c (also replayed over its
 * corpus by `make check`). abort() unless, for any bytes, the scan whole
 * and in the pieces the first bytes choose stops where the byte-at-a-time
 * reference (jsbound_oracle.h) stops, in the same states, with depth
 * capped or not: each copy of the scan this machine runs (portable, SSE2,
 * AVX2). */
#include <stdlib.h>
#include "jsbound_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *fuzz_target_name(void);

const char *fuzz_target_name(void)
{
	return "fuzz-jsbound";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sched[8], nsched = size ? data[0] % 8 : 0;

	if (nsched >= size)
		nsched = 0;
	for (size_t k = 0; k < nsched; k++)
		sched[k] = 1 + data[1 + k] % 24;
	const char *in = (const char *)data;
	size_t depth = size ? data[size - 1] % 6 : 0;
	static const enum jsbound_impl impls[] = { JSBOUND_PORTABLE, JSBOUND_SSE2, JSBOUND_AVX2 };
	for (size_t k = 0; k < sizeof(impls) / sizeof(impls[0]); k++) {
		if (!jsbound_use(impls[k]))
			continue;
		if (!jsbound_agrees(in, size, sched, nsched, SIZE_MAX) ||
		    !jsbound_agrees(in, size, sched, nsched, depth))
			abort();
	}
	jsbound_use(JSBOUND_AUTO);
	return 0;
}
