/* fuzz-policy.c - libFuzzer target for the policy parser (policy.c).
 * Any input: the parser must return cleanly with a located message, never
 * crash, leak or read out of bounds (the error locator walks raw text).
 * Whatever loads must print an effective policy that loads again to the
 * same policy. Replayed over corpus/fuzz-policy/ by `make check`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"
#include "util.h"

const char *fuzz_target_name(void);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

const char *fuzz_target_name(void)
{
	return "fuzz-policy";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL, *q = NULL;
	struct perr err;

	if (policy_load_buf("fuzz", (const char *)data, size, &p, &err) < 0) {
		/* every refusal names the file and a position */
		if (p != NULL || strncmp(err.msg, "fuzz:", 5) != 0 ||
		    memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
			abort();
		return 0;
	}
	json_t *j = policy_to_json(p);
	char *dump = json_dumps(j, JSON_COMPACT);
	if (!dump || policy_load_buf("dump", dump, strlen(dump), &q, &err) < 0)
		abort();
	json_t *j2 = policy_to_json(q);
	if (!json_equal(j, j2))
		abort();
	/* the lookups the gates make must be safe on anything that loaded */
	(void)strlist_match(&p->rpc.allow, "getinfo");
	(void)strlist_has(&p->manifest.hooks, "db_write");
	json_decref(j2);
	json_decref(j);
	free(dump);
	policy_free(q);
	policy_free(p);
	return 0;
}
