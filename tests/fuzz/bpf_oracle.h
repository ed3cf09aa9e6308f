/* bpf_oracle.h - what test-bpfgen and fuzz-bpfgen check bpfgen.c against:
 * libseccomp compiling the same rule list, and a classic BPF interpreter
 * that runs both programs on a seccomp_data the way the kernel does.
 * Test code only (header-only, included once per program). */
#ifndef PR_BPF_ORACLE_H
#define PR_BPF_ORACLE_H

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "bpfgen.h"

/* Run `prog` on `sd`, counting the instructions it executes into *steps
 * (when not NULL). Returns the SECCOMP_RET_* value, or 0xdead0000 | pc
 * for a program the kernel would refuse (bad opcode, offset or jump),
 * which no check may take for a decision. */
static uint32_t bpf_oracle_run_counted(const struct sock_fprog *prog,
				       const struct seccomp_data *sd, size_t *steps)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	unsigned char raw[sizeof(*sd)];
	size_t unused;
	memcpy(raw, sd, sizeof(raw));

	if (!steps)
		steps = &unused;
	*steps = 0;
	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->filter[pc];
		++*steps;
		uint32_t k = f->k;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (k % 4 || k + 4 > sizeof(raw))
				return 0xdead0000u | (uint32_t)pc;
			memcpy(&a, raw + k, 4);
			break;
		case BPF_LD | BPF_IMM:
			a = k;
			break;
		case BPF_LDX | BPF_IMM:
			x = k;
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return 0xdead0000u | (uint32_t)pc;
			if (f->code == (BPF_LD | BPF_MEM))
				a = mem[k];
			else if (f->code == (BPF_LDX | BPF_MEM))
				x = mem[k];
			else
				mem[k] = f->code == BPF_ST ? a : x;
			break;
		case BPF_MISC | BPF_TAX:
			x = a;
			break;
		case BPF_MISC | BPF_TXA:
			a = x;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= k;
			break;
		case BPF_ALU | BPF_OR | BPF_K:
			a |= k;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			a >>= (k & 31);
			break;
		case BPF_ALU | BPF_LSH | BPF_K:
			a <<= (k & 31);
			break;
		case BPF_JMP | BPF_JA:
			pc += k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_K:
		case BPF_JMP | BPF_JEQ | BPF_X:
		case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_X:
		case BPF_JMP | BPF_JSET | BPF_X: {
			uint32_t b = BPF_SRC(f->code) == BPF_X ? x : k;
			bool t = BPF_OP(f->code) == BPF_JEQ ? a == b :
				 BPF_OP(f->code) == BPF_JGT ? a > b :
				 BPF_OP(f->code) == BPF_JGE ? a >= b : (a & b) != 0;
			pc += t ? f->jt : f->jf;
			break;
		}
		case BPF_RET | BPF_K:
			return k;
		case BPF_RET | BPF_A:
			return a;
		default:
			return 0xdead0000u | (uint32_t)pc;
		}
	}
	return 0xdead0000u | prog->len;	/* fell off the end */
}

static uint32_t bpf_oracle_run(const struct sock_fprog *prog, const struct seccomp_data *sd)
{
	return bpf_oracle_run_counted(prog, sd, NULL);
}

/* The same rules compiled by libseccomp (rules whose action is the
 * default are no-ops there, and libseccomp refuses them, so they are left
 * out). Returns 0, or -1 when libseccomp refuses the list. */
static int bpf_oracle_compile(const struct bpf_rules *rs, uint32_t def, uint32_t badarch,
			      struct sock_fprog *out)
{
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx || seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, badarch) < 0)
		goto fail;
	for (size_t i = 0; i < rs->n; i++) {
		const struct bpf_rule *r = &rs->r[i];
		struct scmp_arg_cmp c = {
			.arg = r->arg, .op = r->mask == ~0ULL ? SCMP_CMP_EQ : SCMP_CMP_MASKED_EQ,
			.datum_a = r->mask == ~0ULL ? r->value : r->mask,
			.datum_b = r->mask == ~0ULL ? 0 : r->value,
		};
		if (r->action == def)
			continue;
		if (seccomp_rule_add_exact_array(ctx, r->action, r->nr, r->cond ? 1 : 0,
						 r->cond ? &c : NULL) < 0)
			goto fail;
	}
	int fd = memfd_create("bpf-oracle", MFD_CLOEXEC);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0) {
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	seccomp_release(ctx);
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0) {
		close(fd);
		return -1;
	}
	out->len = (unsigned short)((size_t)size / sizeof(struct sock_filter));
	out->filter = malloc((size_t)size);
	if (!out->filter || pread(fd, out->filter, (size_t)size, 0) != size) {
		close(fd);
		free(out->filter);
		return -1;
	}
	close(fd);
	return 0;
fail:
	if (ctx)
		seccomp_release(ctx);
	return -1;
}

/* The argument values worth trying for a rule: its value, each bit of
 * it flipped in turn (in and out of the mask), and both halves cleared. */
static size_t bpf_oracle_arg_values(const struct bpf_rule *r, uint64_t *v, size_t max)
{
	size_t n = 0;
	if (max < 68)
		return 0;
	v[n++] = r->value;
	v[n++] = 0;
	v[n++] = ~0ULL;
	v[n++] = r->value & 0xffffffffu;
	for (int b = 0; b < 64; b++)
		v[n++] = r->value ^ (1ULL << b);
	return n;
}

#endif
