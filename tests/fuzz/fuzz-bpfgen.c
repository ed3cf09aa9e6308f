/* fuzz-bpfgen.c - libFuzzer target for bpfgen.c (also replayed over its
 * corpus by `make check`). The input is read as a default action and a list
 * of rules (syscalls crowded into few numbers so they collide; conditions
 * on any argument with full, half or arbitrary masks). Invariants, abort()
 * on violation:
 *  - bpf_compile refuses a list exactly when a syscall has two actions or
 *    both a plain and a conditional rule, or when the program would be too
 *    long (nothing else may fail);
 *  - what it compiles decides every probe (each rule's syscall with each of
 *    its argument values and their one-bit neighbours, the syscalls either
 *    side of it, x32 and foreign-arch numbers) as libseccomp's program for the
 *    same rules does (bpf_oracle.h), and never runs off its end. */
#include <linux/audit.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bpf_oracle.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *fuzz_target_name(void);

const char *fuzz_target_name(void)
{
	return "fuzz-bpfgen";
}

static void check(bool cond)
{
	if (!cond)
		abort();
}

static const uint32_t actions[] = {
	SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | 1, SECCOMP_RET_ERRNO | 38, SECCOMP_RET_LOG,
	SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_TRAP, SECCOMP_RET_KILL_THREAD,
	SECCOMP_RET_ERRNO | 13,
};

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t byte(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t u64(struct input *in)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | byte(in);
	return v;
}

static void read_rules(struct input *in, struct bpf_rules *rs)
{
	static const uint64_t masks[] = { ~0ULL, 0xffffffffULL, 0xffffffff00000000ULL, 0 };
	bpf_rules_init(rs);
	while (in->n >= 2 && rs->n < 64) {
		uint8_t a = byte(in), b = byte(in);
		int nr = (a & 0x3f) + (a & 0x40 ? 960 : 0);	/* 0..63, 960..1023 */
		uint32_t act = actions[b & 7];
		if (!(b & 8)) {
			bpf_rule_add(rs, nr, act);
			continue;
		}
		unsigned arg = (b >> 4) % 6;
		uint8_t m = byte(in);
		uint64_t mask = (m & 3) == 3 ? u64(in) : masks[m & 3];
		uint64_t value = m & 4 ? u64(in) : (uint64_t)(m >> 3);
		if (m & 0x80)
			value &= mask;	/* mostly satisfiable conditions */
		bpf_rule_add_if(rs, nr, act, arg, mask, value);
	}
}

/* What bpf_compile must refuse, worked out the slow way. */
static bool conflicting(const struct bpf_rules *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		for (size_t j = i + 1; j < rs->n; j++)
			if (rs->r[i].nr == rs->r[j].nr &&
			    (rs->r[i].action != rs->r[j].action || rs->r[i].cond != rs->r[j].cond))
				return true;
	return false;
}

static void probe(const struct sock_fprog *ours, const struct sock_fprog *theirs,
		  const struct seccomp_data *sd)
{
	uint32_t x = bpf_oracle_run(ours, sd), y = bpf_oracle_run(theirs, sd);
	check((x & 0xffff0000u) != 0xdead0000u);
	check(x == y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	static struct bpf_rules rs;
	struct sock_fprog ours, theirs;
	const char *why = NULL;

	uint32_t def = actions[byte(&in) & 7];
	read_rules(&in, &rs);
	if (bpf_compile(&rs, def, SECCOMP_RET_KILL_PROCESS, 0, &ours, &why) < 0) {
		check(why != NULL);
		check(conflicting(&rs) || strstr(why, "conditions") || strstr(why, "kernel"));
		return 0;
	}
	check(!conflicting(&rs));
	if (bpf_oracle_compile(&rs, def, SECCOMP_RET_KILL_PROCESS, &theirs) < 0) {
		free(ours.filter);
		return 0;	/* libseccomp's own limits: nothing to compare */
	}
	static const uint32_t odd_nrs[] = { 0x40000000u, 0x40000001u, 0xffffffffu, 0x7fffffffu };
	for (size_t i = 0; i < ARRAY_SIZE(odd_nrs); i++) {
		struct seccomp_data sd = { .arch = AUDIT_ARCH_X86_64, .nr = (int)odd_nrs[i] };
		probe(&ours, &theirs, &sd);
	}
	for (size_t r = 0; r < rs.n; r++) {
		const struct bpf_rule *rule = &rs.r[r];
		struct seccomp_data sd = { .arch = AUDIT_ARCH_X86_64, .nr = rule->nr };
		probe(&ours, &theirs, &sd);
		sd.nr = rule->nr + 1;
		probe(&ours, &theirs, &sd);
		sd.nr = rule->nr - 1;	/* either side of the search's bounds */
		probe(&ours, &theirs, &sd);
		sd.arch = AUDIT_ARCH_I386;
		probe(&ours, &theirs, &sd);
		sd = (struct seccomp_data){ .arch = AUDIT_ARCH_X86_64, .nr = rule->nr };
		uint64_t v[80];
		size_t nv = bpf_oracle_arg_values(rule, v, ARRAY_SIZE(v));
		for (size_t k = 0; rule->cond && k < nv; k++) {
			sd.args[rule->arg] = v[k];
			probe(&ours, &theirs, &sd);
		}
	}
	free(ours.filter);
	free(theirs.filter);
	return 0;
}
