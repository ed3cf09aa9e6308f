/* test-bpfgen.c - bpfgen.c against libseccomp, decision by decision.
 *
 * For the three real filters (the plugin's under several policies, the
 * reaper's, the runner's) and for rule lists made to probe the emitter's
 * corners, both programs run in an interpreter (tests/fuzz/bpf_oracle.h)
 * on every syscall number of x86_64, numbers of the x32 range and beyond,
 * foreign arches, and, for syscalls with argument rules, each rule's value
 * with every bit flipped. Any difference fails. The kernel must also
 * accept each program (loaded in a child). */
#include <linux/audit.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "../fuzz/bpf_oracle.h"
#include "policy.h"
#include "seccomp_filter.h"
#include "tap.h"
#include "util.h"

#define X32_BIT 0x40000000u

/* Decisions of `ours` and the oracle over the whole input space that
 * matters for these rules; returns the number of differences (reports the
 * first few). */
static int differences(const char *what, const struct sock_fprog *ours,
		       const struct sock_fprog *theirs, const struct bpf_rules *rs)
{
	static const uint32_t arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64 };
	static const uint32_t extra_nrs[] = { X32_BIT, X32_BIT + 1, X32_BIT + 56, 0x3fffffffu,
					      0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu };
	int diff = 0;
	size_t inputs = 0;

	for (size_t a = 0; a < ARRAY_SIZE(arches); a++) {
		for (uint32_t i = 0; i < BPF_NR_MAX + ARRAY_SIZE(extra_nrs); i++) {
			struct seccomp_data sd = { .arch = arches[a] };
			sd.nr = (int)(i < BPF_NR_MAX ? i : extra_nrs[i - BPF_NR_MAX]);
			uint64_t vals[80];
			for (size_t r = 0; r < rs->n; r++)
				if (rs->r[r].cond && (uint32_t)rs->r[r].nr == (uint32_t)sd.nr) {
					size_t m = bpf_oracle_arg_values(&rs->r[r], vals, 80);
					for (size_t v = 0; v < m; v++) {
						struct seccomp_data t = sd;
						t.args[rs->r[r].arg] = vals[v];
						uint32_t x = bpf_oracle_run(ours, &t), y = bpf_oracle_run(theirs, &t);
						inputs++;
						if (x != y && diff++ < 5)
							tap_diag("%s: arch %#x nr %d arg%u %#llx: ours %#x, libseccomp %#x",
								 what, sd.arch, sd.nr, rs->r[r].arg,
								 (unsigned long long)vals[v], x, y);
					}
				}
			uint32_t x = bpf_oracle_run(ours, &sd), y = bpf_oracle_run(theirs, &sd);
			inputs++;
			if (x != y && diff++ < 5)
				tap_diag("%s: arch %#x nr %d: ours %#x, libseccomp %#x", what,
					 sd.arch, sd.nr, x, y);
		}
	}
	if (inputs < 3 * BPF_NR_MAX)
		diff++;	/* the loop above must have run */
	return diff;
}

/* Compile `rs` both ways and compare; also check the kernel takes ours. */
static void check_rules(const char *what, const struct bpf_rules *rs, uint32_t def)
{
	struct sock_fprog ours, theirs;
	const char *why = "?";

	if (bpf_compile(rs, def, SECCOMP_RET_KILL_PROCESS, 0, &ours, &why) < 0) {
		tap_ok(0, "%s: bpf_compile: %s", what, why);
		return;
	}
	if (bpf_oracle_compile(rs, def, SECCOMP_RET_KILL_PROCESS, &theirs) < 0) {
		tap_ok(0, "%s: libseccomp refused the rules", what);
		free(ours.filter);
		return;
	}
	tap_ok(differences(what, &ours, &theirs, rs) == 0,
	       "%s: %zu rules, %u instructions, every decision as libseccomp's (%u)", what,
	       rs->n, ours.len, theirs.len);

	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(2);
		_exit(seccomp_filter_load_prog(&ours) == 0 ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	/* Loaded, the filter also judges the child's exit: a list without
	 * exit_group kills it (SIGSYS), which still means it was taken. */
	tap_ok((WIFEXITED(st) && WEXITSTATUS(st) == 0) || (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS),
	       "%s: the kernel loads it", what);
	free(ours.filter);
	free(theirs.filter);
}

static struct policy *policy(const char *seccomp)
{
	char text[1024];
	struct perr err;
	struct policy *p = NULL;
	snprintf(text, sizeof(text),
		 "{\"plugin-runner\": 1, \"manifest\": {\"rpcmethods\": [\"x\"]}, "
		 "\"sandbox\": {\"seccomp\": %s}}", seccomp);
	if (policy_load_buf("t.json", text, strlen(text), &p, &err) < 0) {
		tap_diag("test policy: %s", err.msg);
		exit(2);
	}
	return p;
}

static void real_filters(void)
{
	static const char *const seccomps[] = {
		"{}",
		"{\"action\": \"kill\"}",
		"{\"action\": \"log\"}",
		"{\"deny\": [\"@network-io\"]}",
		"{\"deny\": [\"clone\", \"personality\"], \"allow\": [\"sync\", \"mlockall\"]}",
		"{\"action\": \"kill\", \"deny\": [\"ioctl\", \"socket\"]}",
	};
	struct bpf_rules rs;

	for (size_t i = 0; i < ARRAY_SIZE(seccomps); i++) {
		struct policy *p = policy(seccomps[i]);
		uint32_t def = seccomp_filter_plugin_rules(p, &rs);
		char what[160];
		snprintf(what, sizeof(what), "plugin filter, seccomp %s", seccomps[i]);
		check_rules(what, &rs, def);
		policy_free(p);
	}
	check_rules("reaper filter", &rs, seccomp_filter_reaper_rules(&rs));
	check_rules("runner filter, reaper pid 4242", &rs, seccomp_filter_runner_rules(4242, &rs));
	check_rules("runner filter, no reaper", &rs, seccomp_filter_runner_rules(0, &rs));
}

/* The plugin program as loaded: its ioctl prefix in front of the rules. */
static void plugin_prefix(void)
{
	struct policy *p = policy("{}");
	struct sock_fprog prog;
	seccomp_filter_plugin_prog(p, &prog);
	struct seccomp_data sd = { .arch = AUDIT_ARCH_X86_64, .nr = SYS_ioctl };
	sd.args[1] = 0x5412;	/* TIOCSTI */
	is_int(bpf_oracle_run(&prog, &sd), SECCOMP_RET_ERRNO | EPERM, "ioctl TIOCSTI: EPERM");
	sd.args[1] = 0xffffffff00005412ULL;
	is_int(bpf_oracle_run(&prog, &sd), SECCOMP_RET_ERRNO | EPERM,
	       "ioctl TIOCSTI with high bits set: EPERM (the kernel uses the low 32)");
	sd.args[1] = 0x541C;	/* TIOCLINUX */
	is_int(bpf_oracle_run(&prog, &sd), SECCOMP_RET_ERRNO | EPERM, "ioctl TIOCLINUX: EPERM");
	sd.args[1] = 0x5401;	/* TCGETS */
	is_int(bpf_oracle_run(&prog, &sd), SECCOMP_RET_ALLOW, "ioctl TCGETS: allowed");
	sd = (struct seccomp_data){ .arch = AUDIT_ARCH_X86_64, .nr = SYS_clone };
	sd.args[0] = CLONE_NEWUSER;
	is_int(bpf_oracle_run(&prog, &sd), SECCOMP_RET_ERRNO | EPERM, "clone(CLONE_NEWUSER): EPERM");
	sd.args[0] = 0x3d0f00;	/* what glibc's pthread_create passes */
	is_int(bpf_oracle_run(&prog, &sd), SECCOMP_RET_ALLOW, "clone for a thread: allowed");
	sd = (struct seccomp_data){ .arch = AUDIT_ARCH_X86_64, .nr = SYS_socket };
	sd.args[0] = AF_NETLINK;
	is_int(bpf_oracle_run(&prog, &sd), SECCOMP_RET_ERRNO | EPERM, "socket(AF_NETLINK): EPERM");
	sd.args[0] = 0x100000000ULL | AF_UNIX;
	is_int(bpf_oracle_run(&prog, &sd), SECCOMP_RET_ERRNO | EPERM,
	       "socket with AF_UNIX in the low half only: EPERM (all 64 bits compared)");
	sd = (struct seccomp_data){ .arch = AUDIT_ARCH_I386, .nr = SYS_read };
	is_int(bpf_oracle_run(&prog, &sd), SECCOMP_RET_KILL_PROCESS, "i386 arch: killed");
	sd = (struct seccomp_data){ .arch = AUDIT_ARCH_X86_64, .nr = (int)(X32_BIT | SYS_read) };
	is_int(bpf_oracle_run(&prog, &sd), SECCOMP_RET_KILL_PROCESS, "x32 read: killed");
	free(prog.filter);
	policy_free(p);
}

/* The most instructions `prog` runs to decide any x86_64 syscall number
 * (all arguments 0: a conditional rule's tests run as far as they can). */
static size_t longest_decision(const struct sock_fprog *prog)
{
	size_t most = 0, steps;

	for (int nr = 0; nr < BPF_NR_MAX; nr++) {
		struct seccomp_data sd = { .arch = AUDIT_ARCH_X86_64, .nr = nr };
		bpf_oracle_run_counted(prog, &sd, &steps);
		if (steps > most)
			most = steps;
	}
	return most;
}

/* Whether the kernel caches nr as always allowed: its load-time run
 * (kernel/seccomp.c, seccomp_is_const_allow) knows only the number and
 * the arch, and gives up at any other load. (This copy also gives up at
 * the instructions bpfgen never emits, such as jset.) */
static bool kernel_caches(const struct sock_fprog *prog, int nr)
{
	uint32_t a = 0;

	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->filter[pc];
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k == offsetof(struct seccomp_data, nr))
				a = (uint32_t)nr;
			else if (f->k == offsetof(struct seccomp_data, arch))
				a = AUDIT_ARCH_X86_64;
			else
				return false;
			break;
		case BPF_RET | BPF_K:
			return f->k == SECCOMP_RET_ALLOW;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > f->k ? f->jt : f->jf;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			break;
		default:
			return false;
		}
	}
	return false;
}

/* Loading a filter, the kernel runs it once per syscall number (to cache
 * the syscalls it allows whatever their arguments), so how far a decision
 * is from the start is start-up time: the rules are searched, not read as
 * a list (which took up to 238 instructions for the plugin's). */
static void decisions_near(void)
{
	struct policy *p = policy("{}");
	struct sock_fprog prog;
	struct bpf_rules rs;
	const char *why = "?";

	seccomp_filter_plugin_prog(p, &prog);
	size_t most = longest_decision(&prog);
	tap_ok(most <= 40, "plugin filter (%u instructions): every decision within %zu (at most 40)",
	       prog.len, most);
	/* and what it allows whatever the arguments, the kernel still caches */
	seccomp_filter_plugin_rules(p, &rs);
	int cached = 0, uncached = 0;
	for (size_t i = 0; i < rs.n; i++) {
		const struct bpf_rule *r = &rs.r[i];
		if (r->cond || r->action != SECCOMP_RET_ALLOW || r->nr == SYS_ioctl)
			continue;	/* ioctl's arguments are judged in the prefix */
		if (kernel_caches(&prog, r->nr))
			cached++;
		else if (uncached++ < 3)
			tap_diag("syscall %d: allowed, but not cached", r->nr);
	}
	tap_ok(cached > 100 && uncached == 0,
	       "plugin filter: the kernel caches all %d syscalls it allows unconditionally", cached);
	free(prog.filter);
	seccomp_filter_runner_prog(4242, &prog);
	most = longest_decision(&prog);
	tap_ok(most <= 40, "runner filter (%u instructions): every decision within %zu (at most 40)",
	       prog.len, most);
	free(prog.filter);
	/* 700 syscalls: the search's upper levels jump farther than 8 bits */
	bpf_rules_init(&rs);
	for (int nr = 0; nr < 700; nr++)
		bpf_rule_add(&rs, nr, SECCOMP_RET_ALLOW);
	if (bpf_compile(&rs, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_PROCESS, 0, &prog, &why) < 0) {
		tap_ok(0, "700 syscalls: bpf_compile: %s", why);
	} else {
		most = longest_decision(&prog);
		tap_ok(most <= 40, "700 syscalls (%u instructions): every decision within %zu (at most 40)",
		       prog.len, most);
		free(prog.filter);
	}
	policy_free(p);
}

/* Rule lists made for the emitter's corners: a search whose upper levels
 * jump farther than 8 bits reach, runs broken by other actions,
 * conditions on both halves, on one half, masks with bits outside, and
 * every argument. */
static void corners(void)
{
	struct bpf_rules rs;
	const uint32_t allow = SECCOMP_RET_ALLOW, eperm = SECCOMP_RET_ERRNO | EPERM;

	bpf_rules_init(&rs);
	for (int nr = 0; nr < 700; nr++)
		bpf_rule_add(&rs, nr, allow);
	check_rules("700 allowed syscalls in a row (a search whose upper levels jump farther than 8 bits)",
		    &rs, eperm);

	bpf_rules_init(&rs);
	for (int nr = 0; nr < 600; nr++)
		bpf_rule_add(&rs, nr, nr % 7 == 3 ? SECCOMP_RET_ERRNO | ENOSYS :
				      nr % 11 == 5 ? SECCOMP_RET_LOG : allow);
	check_rules("runs broken by other actions", &rs, SECCOMP_RET_KILL_PROCESS);

	bpf_rules_init(&rs);
	for (int nr = 10; nr < 400; nr += 3)
		bpf_rule_add(&rs, nr, allow);
	for (unsigned arg = 0; arg < 6; arg++) {
		int nr = 500 + (int)arg;
		bpf_rule_add_if(&rs, nr, allow, arg, ~0ULL, 0x123456789abcdef0ULL);
		bpf_rule_add_if(&rs, nr, allow, arg, ~0ULL, 7);
		bpf_rule_add_if(&rs, nr, allow, arg, 0xff00ff00ULL, 0x0f000f00ULL);
		bpf_rule_add_if(&rs, nr, allow, arg, 0xffff000000000000ULL, 0x8000000000000000ULL);
		bpf_rule_add_if(&rs, 11 + 3 * (int)arg, eperm, arg, 0xf0ULL, 0x30ULL);
	}
	check_rules("conditions on every argument, both halves, masks", &rs,
		    SECCOMP_RET_KILL_PROCESS);
}

static void refusals(void)
{
	struct bpf_rules rs;
	struct sock_fprog prog;
	const char *why = NULL;
	const uint32_t allow = SECCOMP_RET_ALLOW;

	bpf_rules_init(&rs);
	ok(bpf_rule_add(&rs, -1, allow) < 0 && bpf_rule_add(&rs, BPF_NR_MAX, allow) < 0 &&
	   bpf_rule_add_if(&rs, 1, allow, 6, ~0ULL, 0) < 0 && rs.n == 0,
	   "a syscall outside 0..1023 or an argument past 5 is refused");
	ok(bpf_rule_add_if(&rs, 7, allow, 0, 0xffffffffULL, 0xf8ffffffffffffffULL) < 0 &&
	   bpf_rule_add_if(&rs, 7, allow, 0, 0xf0, 0x31) < 0 && rs.n == 0,
	   "a condition that can never hold (value bits outside the mask) is refused");

	bpf_rule_add(&rs, 5, allow);
	bpf_rule_add(&rs, 5, SECCOMP_RET_LOG);
	int rc = bpf_compile(&rs, 0, 0, 0, &prog, &why);
	ok(rc < 0 && why && strstr(why, "two actions"),
	   "two actions for one syscall: refused (%s)", why ? why : "-");

	bpf_rules_init(&rs);
	bpf_rule_add(&rs, 5, allow);
	bpf_rule_add_if(&rs, 5, allow, 0, ~0ULL, 1);
	why = NULL;
	rc = bpf_compile(&rs, 0, 0, 0, &prog, &why);
	ok(rc < 0 && why && strstr(why, "plain"),
	   "a plain and a conditional rule for one syscall: refused (%s)", why ? why : "-");

	bpf_rules_init(&rs);
	for (int i = 0; i < 60; i++)	/* 5 instructions each */
		bpf_rule_add_if(&rs, 9, allow, 0, ~0ULL, (uint64_t)i << 33 | 1);
	why = NULL;
	rc = bpf_compile(&rs, 0, 0, 0, &prog, &why);
	ok(rc < 0 && why && strstr(why, "conditions"),
	   "more alternatives than one jump reaches: refused (%s)", why ? why : "-");

	bpf_rules_init(&rs);
	for (int i = 0; i < BPF_RULES_MAX; i++)
		bpf_rule_add_if(&rs, i, allow, 0, ~0ULL, (uint64_t)i << 33 | 1);
	ok(bpf_rule_add(&rs, 1, allow) < 0, "a full rule list takes no more");
	why = NULL;
	rc = bpf_compile(&rs, 0, 0, 0, &prog, &why);
	ok(rc < 0 && why && strstr(why, "kernel"),
	   "a program longer than BPF_MAXINSNS: refused (%s)", why ? why : "-");
}

int main(void)
{
	real_filters();
	plugin_prefix();
	decisions_near();
	corners();
	refusals();
	return tap_done();
}
