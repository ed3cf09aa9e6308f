/* bpfgen.h - seccomp rules to a classic BPF program (x86_64), without a
 * compiler library on the start-up path. See src/bpfgen.c for why. */
#ifndef PR_BPFGEN_H
#define PR_BPFGEN_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One rule: syscall `nr` gets `action` (a SECCOMP_RET_* value), always
 * (cond false) or when (args[arg] & mask) == value on all 64 bits. A
 * syscall has one action: its conditional rules are alternatives (any
 * that holds gives the action, none gives the default), and it has either
 * unconditional rules or conditional ones, not both. */
struct bpf_rule {
	int nr;
	uint32_t action;
	bool cond;
	unsigned arg;		/* 0..5 */
	uint64_t mask, value;
};

/* Syscall numbers a rule may name: x86_64's stay below this. */
#define BPF_NR_MAX 1024

/* The rule list of a filter, appended to in order. */
#define BPF_RULES_MAX 1024
struct bpf_rules {
	size_t n;
	struct bpf_rule r[BPF_RULES_MAX];
};

void bpf_rules_init(struct bpf_rules *rs);
/* Return -1 when the list is full or the rule is malformed: nr outside
 * 0..BPF_NR_MAX-1, arg > 5, or a value with bits outside the mask (a condition
 * that can never hold is a caller's mistake; libseccomp would compare only
 * the masked halves and let it hold). */
int bpf_rule_add(struct bpf_rules *rs, int nr, uint32_t action);
int bpf_rule_add_if(struct bpf_rules *rs, int nr, uint32_t action, unsigned arg,
		    uint64_t mask, uint64_t value);

/* Compile: a foreign arch, and an x32 or other number at or above
 * 0x40000000 except -1, get `badarch`; each rule's syscall its action; every
 * other syscall `def` (the decisions libseccomp makes for the same rules
 * with SCMP_FLTATR_ACT_BADARCH = badarch). `prefix` free instructions are
 * left in front for the caller. out->filter is malloc'd. Returns 0, or -1
 * with a reason in `why` (two rules of one syscall that conflict, a
 * program longer than the kernel takes). */
int bpf_compile(const struct bpf_rules *rs, uint32_t def, uint32_t badarch, size_t prefix,
		struct sock_fprog *out, const char **why);

#endif
