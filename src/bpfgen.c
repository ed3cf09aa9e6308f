/* bpfgen.c - seccomp rules to a classic BPF program for x86_64.
 *
 * Why not libseccomp's compiler: on the start-up path it was the largest
 * single step the runner adds (bench/: 1.3 ms and some 65 page faults in a
 * fresh process to compile the plugin's 250-syscall allowlist, against a
 * start-up mark of "no slower than bubblewrap"), because it builds, hashes
 * and optimises a decision tree for rules we only ever need as a list. Our
 * filters are simple: per syscall one action, or a few alternative
 * (args[i] & mask) == value tests. So this file emits the program directly
 * (minijail does the same with its own bpf.c), and libseccomp keeps the
 * jobs it is good at: syscall names and, in tests/unit/test-bpfgen.c and
 * tests/fuzz/fuzz-bpfgen.c, compiling the same rules as the oracle our
 * programs must agree with on every decision.
 *
 * The program, in order:
 *   arch != x86_64                            -> badarch
 *   nr >= 0x40000000 and nr != -1 (x32 ...)   -> badarch  (as libseccomp)
 *   the syscalls with rules, ascending, as a binary search on nr:
 *     a node:        jge K, over the left half (or jge K, 0, 1; ja over
 *                    it, when the left half is longer than a jump's 8 bits
 *                    reach); the syscalls below K; those from K on
 *     a leaf (at most LEAF_SYSCALLS syscalls), each in turn:
 *       a run of unconditional ones with one action (up to 255):
 *                    jeq nr1 -> R; jeq nr2 -> R; ...; ja +1; R: ret action
 *       conditional: jeq nr; { 32-bit halves of each test; ret action }...;
 *                    ret def
 *     then ret def
 * Why a search and not one list: when a filter is loaded the kernel runs
 * it once for every syscall number, to cache which ones it allows whatever
 * their arguments (so that those cost nothing later). Over a list of 250
 * syscalls that is some 100,000 instructions, and loading the plugin's
 * filter took 300 us, on the start-up path; the search reaches any
 * decision in a few dozen (bench-micro has the figures).
 * Must not: know policies or syscall names (seccomp_filter.c does). */
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "bpfgen.h"
#include "util.h"

#if !defined(__x86_64__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "bpfgen.c emits x86_64 programs (arch check, x32 range, argument halves)"
#endif

#define X32_BIT 0x40000000u
#define SD_NR	offsetof(struct seccomp_data, nr)
#define SD_ARCH	offsetof(struct seccomp_data, arch)
#define SD_ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define SD_ARG_HI(i) (SD_ARG_LO(i) + 4)

void bpf_rules_init(struct bpf_rules *rs)
{
	rs->n = 0;
}

static int add(struct bpf_rules *rs, const struct bpf_rule *r)
{
	if (rs->n >= BPF_RULES_MAX || r->nr < 0 || r->nr >= BPF_NR_MAX || r->arg > 5 ||
	    (r->value & ~r->mask) != 0)
		return -1;
	rs->r[rs->n++] = *r;
	return 0;
}

int bpf_rule_add(struct bpf_rules *rs, int nr, uint32_t action)
{
	return add(rs, &(struct bpf_rule){ .nr = nr, .action = action });
}

int bpf_rule_add_if(struct bpf_rules *rs, int nr, uint32_t action, unsigned arg,
		    uint64_t mask, uint64_t value)
{
	return add(rs, &(struct bpf_rule){ .nr = nr, .action = action, .cond = true,
					   .arg = arg, .mask = mask, .value = value });
}

/* The program under construction; `len` may run past `cap` while sizing
 * is all that is wanted (insn NULL). */
struct prog {
	struct sock_filter *insn;
	size_t len, cap;
};

static void emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (p->insn && p->len < p->cap)
		p->insn[p->len] = (struct sock_filter){ code, jt, jf, k };
	p->len++;
}

static void stmt(struct prog *p, uint16_t code, uint32_t k)
{
	emit(p, code, 0, 0, k);
}

/* Instructions testing one 32-bit half: load, mask unless all ones, then
 * compare; none when the mask is 0 (the half always matches). */
static size_t half_len(uint32_t mask)
{
	return mask == 0 ? 0 : mask == 0xffffffffu ? 2 : 3;
}

static size_t alt_len(const struct bpf_rule *r)
{
	return half_len((uint32_t)(r->mask >> 32)) + half_len((uint32_t)r->mask) + 1;
}

/* One half: on mismatch, skip the `rest` instructions that follow. */
static void emit_half(struct prog *p, uint32_t off, uint32_t mask, uint32_t value, size_t rest)
{
	if (mask == 0)
		return;
	stmt(p, BPF_LD | BPF_W | BPF_ABS, off);
	if (mask != 0xffffffffu)
		stmt(p, BPF_ALU | BPF_AND | BPF_K, mask);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)rest, value);
}

static void emit_alt(struct prog *p, const struct bpf_rule *r)
{
	uint32_t mh = (uint32_t)(r->mask >> 32), ml = (uint32_t)r->mask;
	emit_half(p, (uint32_t)SD_ARG_HI(r->arg), mh, (uint32_t)(r->value >> 32),
		  half_len(ml) + 1);
	emit_half(p, (uint32_t)SD_ARG_LO(r->arg), ml, (uint32_t)r->value, 1);
	stmt(p, BPF_RET | BPF_K, r->action);
}

/* Stable insertion sort by nr: callers add rules almost in order, so this
 * is one pass, with no allocation (qsort's merge sort allocates and asks
 * the kernel for the machine's memory size first). */
static void sort_by_nr(const struct bpf_rule **s, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		const struct bpf_rule *r = s[i];
		size_t j = i;
		for (; j > 0 && s[j - 1]->nr > r->nr; j--)
			s[j] = s[j - 1];
		s[j] = r;
	}
}

/* The rules of the syscall at s[i]: returns the index past them and says
 * whether it has an unconditional rule and how long its conditional code
 * is (with the closing ret); 0 with `why` when its rules conflict. */
static size_t group_end(const struct bpf_rule *const *s, size_t n, size_t i, bool *uncond,
			size_t *body, const char **why)
{
	size_t j;
	bool conds = false;

	*uncond = false;
	*body = 1;
	for (j = i; j < n && s[j]->nr == s[i]->nr; j++) {
		if (s[j]->action != s[i]->action) {
			*why = "two actions for one syscall";
			return 0;
		}
		if (s[j]->cond) {
			conds = true;
			*body += alt_len(s[j]);
		} else {
			*uncond = true;
		}
	}
	if (*uncond && conds) {
		*why = "a syscall with both a plain and a conditional rule";
		return 0;
	}
	if (*body > 255) {
		*why = "too many conditions for one syscall";
		return 0;
	}
	return j;
}

/* Emit the rules, sorted by nr. Consecutive syscalls with the same
 * unconditional action share one ret: a run of jeq's that jump to it
 * (at most 255, the reach of a jump), a ja over it for the rest. */
static int emit_groups(struct prog *p, const struct bpf_rule *const *s, size_t n, uint32_t def,
		       const char **why)
{
	size_t i = 0, j, body;
	bool uncond;

	while (i < n) {
		if (!(j = group_end(s, n, i, &uncond, &body, why)))
			return -1;
		if (!uncond) {
			emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)body, (uint32_t)s[i]->nr);
			for (size_t k = i; k < j; k++)
				emit_alt(p, s[k]);
			stmt(p, BPF_RET | BPF_K, def);
			i = j;
			continue;
		}
		uint32_t action = s[i]->action;
		size_t run[255], len = 0;
		while (len < ARRAY_SIZE(run)) {
			run[len++] = i;
			i = j;
			if (i >= n || !(j = group_end(s, n, i, &uncond, &body, why)))
				break;
			if (!uncond || s[i]->action != action)
				break;
		}
		if (i < n && j == 0)
			return -1;
		for (size_t k = 0; k < len; k++)
			emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)(len - k), 0,
			     (uint32_t)s[run[k]]->nr);
		stmt(p, BPF_JMP | BPF_JA, 1);
		stmt(p, BPF_RET | BPF_K, action);
	}
	return 0;
}

/* Syscalls per leaf of the search: a leaf is read in turn, a level of
 * the search costs one or two instructions. */
#define LEAF_SYSCALLS 8

/* The syscalls g[lo..hi) (g[i]: index in s of syscall i's first rule;
 * g[hi] is one past its last): a binary search on nr down to leaves. */
static int emit_search(struct prog *p, const struct bpf_rule *const *s, const size_t *g,
		       size_t lo, size_t hi, uint32_t def, const char **why)
{
	if (hi - lo <= LEAF_SYSCALLS) {
		if (emit_groups(p, s + g[lo], g[hi] - g[lo], def, why) < 0)
			return -1;
		stmt(p, BPF_RET | BPF_K, def);
		return 0;
	}
	size_t mid = lo + (hi - lo) / 2;
	struct prog left = { 0 };	/* sizing only */
	if (emit_search(&left, s, g, lo, mid, def, why) < 0)
		return -1;
	uint32_t k = (uint32_t)s[g[mid]]->nr;
	if (left.len <= 255) {
		emit(p, BPF_JMP | BPF_JGE | BPF_K, (uint8_t)left.len, 0, k);
	} else {
		emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, k);
		stmt(p, BPF_JMP | BPF_JA, (uint32_t)left.len);
	}
	if (!p->insn)
		p->len += left.len;	/* sizing: the left half was just sized */
	else if (emit_search(p, s, g, lo, mid, def, why) < 0)
		return -1;
	return emit_search(p, s, g, mid, hi, def, why);
}

static int emit_all(struct prog *p, const struct bpf_rule *const *s, size_t n, uint32_t def,
		    uint32_t badarch, const char **why)
{
	size_t g[BPF_RULES_MAX + 1], syscalls = 0;

	for (size_t i = 0; i < n; i++)
		if (i == 0 || s[i]->nr != s[i - 1]->nr)
			g[syscalls++] = i;
	g[syscalls] = n;
	stmt(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)SD_ARCH);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64);
	stmt(p, BPF_RET | BPF_K, badarch);
	stmt(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)SD_NR);
	emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 2, X32_BIT);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0xffffffffu);
	stmt(p, BPF_RET | BPF_K, badarch);
	return emit_search(p, s, g, 0, syscalls, def, why);
}

int bpf_compile(const struct bpf_rules *rs, uint32_t def, uint32_t badarch, size_t prefix,
		struct sock_fprog *out, const char **why)
{
	const struct bpf_rule *sorted[BPF_RULES_MAX];
	for (size_t i = 0; i < rs->n; i++)
		sorted[i] = &rs->r[i];
	sort_by_nr(sorted, rs->n);

	/* Size first, then fill: one exact allocation. */
	struct prog p = { .len = prefix };
	if (emit_all(&p, sorted, rs->n, def, badarch, why) < 0)
		return -1;
	if (p.len > BPF_MAXINSNS) {
		*why = "more instructions than the kernel takes";
		return -1;
	}
	p = (struct prog){ .insn = xcalloc(p.len, sizeof(*p.insn)), .cap = p.len, .len = prefix };
	emit_all(&p, sorted, rs->n, def, badarch, why);
	out->len = (unsigned short)p.len;
	out->filter = p.insn;
	return 0;
}
