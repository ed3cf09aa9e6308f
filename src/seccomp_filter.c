/* seccomp_filter.c - the syscall filters as data plus one builder (STYLE
 * C9, systemd's syscall_filter_sets): named groups in a static table, the
 * plugin's default profile is a list of groups, the policy's
 * sandbox.seccomp allow/deny adjust it (names or @groups; an unknown name is
 * a policy error), and fixed rules come after the policy's: clone3 ENOSYS,
 * clone without namespace flags, socket only AF_UNIX/AF_INET/AF_INET6,
 * personality only the query; ioctl TIOCSTI/TIOCLINUX are denied on the
 * low 32 bits by a few raw BPF instructions put in front of the rule
 * program, so the plugin carries ONE filter. A fixed-deny syscall can never
 * be allowed by a policy.
 * Also the pid-1 reaper's filter and the relay's own filter.
 * Each filter is a rule list (struct bpf_rules) that bpfgen.c turns into
 * classic BPF in the runner, so the child only loads it (one seccomp(2)
 * call); libseccomp resolves the syscall names, and in the tests compiles
 * the same lists as the oracle (tests/unit/test-bpfgen.c).
 * Must not: load a filter before spawn.c says so; touch mounts or ids.
 * Called by: spawn.c (compile before clone, load last), sandbox.c
 * (describe). */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "bpfgen.h"
#include "exitcodes.h"
#include "log.h"
#include "seccomp_filter.h"
#include "util.h"

#if !defined(__x86_64__)
#error "the ioctl prefix of the plugin filter is written for x86_64 (see SD_A1LO)"
#endif

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

struct sc_group {
	const char *name;
	const char *const *calls;	/* names or other @groups, NULL-ended */
};

static const char *const grp_basic_io[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
	"pwritev", "preadv2", "pwritev2", "close", "close_range", "lseek", "dup",
	"dup2", "dup3", "fcntl", "sendfile", "splice", "tee", "copy_file_range",
	NULL
};
static const char *const grp_file[] = {
	"open", "openat", "openat2", "creat", "stat", "lstat", "fstat",
	"newfstatat", "statx", "access", "faccessat", "faccessat2", "readlink",
	"readlinkat", "getdents", "getdents64", "mkdir", "mkdirat", "rmdir",
	"unlink", "unlinkat", "rename", "renameat", "renameat2", "link",
	"linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat",
	"fchmodat2", "chown", "fchown", "lchown", "fchownat", "truncate",
	"ftruncate", "fallocate", "fsync", "fdatasync", "sync_file_range",
	"statfs", "fstatfs", "utime", "utimes", "utimensat", "futimesat",
	"getcwd", "chdir", "fchdir", "umask", "fadvise64", "flock",
	"inotify_init", "inotify_init1", "inotify_add_watch",
	"inotify_rm_watch", "getxattr", "lgetxattr", "fgetxattr", "listxattr",
	"llistxattr", "flistxattr", "memfd_create", NULL
};
static const char *const grp_memory[] = {
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mincore",
	"msync", "mlock", "mlock2", "munlock", "membarrier", "get_mempolicy",
	"pkey_alloc", "pkey_free", "pkey_mprotect", NULL
};
static const char *const grp_process[] = {
	"clone", "fork", "vfork", "execve", "execveat", "exit", "exit_group",
	"wait4", "waitid", "kill", "tgkill", "tkill", "getpid", "getppid",
	"gettid", "getpgid", "getpgrp", "getsid", "setpgid", "setsid",
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
	"getgroups", "prctl", "arch_prctl", "set_tid_address", "rseq",
	"sched_yield", "sched_getaffinity", "sched_setaffinity",
	"sched_getparam", "sched_getscheduler", "sched_get_priority_max",
	"sched_get_priority_min", "getpriority", "setpriority", "capget",
	"uname", "sysinfo", "getrlimit", "setrlimit", "prlimit64", "getrusage",
	"times", "getcpu", "pidfd_open", "pidfd_send_signal", NULL
};
static const char *const grp_signal[] = {
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
	"rt_sigsuspend", "rt_sigtimedwait", "rt_sigqueueinfo",
	"rt_tgsigqueueinfo", "sigaltstack", "signalfd", "signalfd4", "pause",
	"alarm", NULL
};
static const char *const grp_time[] = {
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
	"gettimeofday", "time", "timer_create", "timer_settime",
	"timer_gettime", "timer_getoverrun", "timer_delete", "timerfd_create",
	"timerfd_settime", "timerfd_gettime", "getitimer", "setitimer", NULL
};
static const char *const grp_sync[] = {
	"futex", "futex_waitv", "set_robust_list", "get_robust_list", NULL
};
static const char *const grp_poll[] = {
	"poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1",
	"epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd",
	"eventfd2", NULL
};
static const char *const grp_ipc[] = {
	"pipe", "pipe2", "socketpair", NULL
};
static const char *const grp_network_io[] = {
	"socket", "connect", "bind", "listen", "accept", "accept4",
	"getsockname", "getpeername", "getsockopt", "setsockopt", "sendto",
	"recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
	NULL
};
static const char *const grp_misc[] = {
	"getrandom", "ioctl", "restart_syscall", "personality", NULL
};
/* The built-in plugin profile: what ordinary Python, Node.js, Go and C
 * plugins use. */
static const char *const grp_default[] = {
	"@basic-io", "@file", "@memory", "@process", "@signal", "@time",
	"@sync", "@poll", "@ipc", "@network-io", "@misc", NULL
};

static const struct sc_group sc_groups[] = {
	{ "@basic-io", grp_basic_io },
	{ "@file", grp_file },
	{ "@memory", grp_memory },
	{ "@process", grp_process },
	{ "@signal", grp_signal },
	{ "@time", grp_time },
	{ "@sync", grp_sync },
	{ "@poll", grp_poll },
	{ "@ipc", grp_ipc },
	{ "@network-io", grp_network_io },
	{ "@misc", grp_misc },
	{ "@default", grp_default },
};

/* Never allowed, whatever the policy says: each one reaches kernel
 * attack surface or state outside the sandbox. */
static const char *const hard_deny[] = {
	"mount", "umount", "umount2", "pivot_root", "move_mount", "open_tree",
	"fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr", "unshare",
	"setns", "keyctl", "add_key", "request_key", "bpf", "userfaultfd",
	"perf_event_open", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "open_by_handle_at", "name_to_handle_at",
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "chroot", "mknod", "mknodat", "ptrace",
	"process_vm_readv", "process_vm_writev", "pidfd_getfd", "setuid",
	"setgid", "setreuid", "setregid", "setresuid", "setresgid",
	"setgroups", "setfsuid", "setfsgid", "capset", "acct", "swapon",
	"swapoff", "reboot", "syslog", "quotactl", "lookup_dcookie",
	"iopl", "ioperm", "vhangup", "settimeofday", "clock_settime",
	"clock_adjtime", "adjtimex", "sethostname", "setdomainname",
	"fanotify_init", "kcmp", "process_madvise", "landlock_create_ruleset",
	"landlock_add_rule", "landlock_restrict_self", "seccomp", NULL
};

static bool in_list(const char *const *l, const char *name)
{
	for (; *l; l++)
		if (strcmp(*l, name) == 0)
			return true;
	return false;
}

static const struct sc_group *group_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sc_groups); i++)
		if (strcmp(sc_groups[i].name, name) == 0)
			return &sc_groups[i];
	return NULL;
}

/* The syscall set, as a flag per syscall number of the native arch: the
 * numbers a rule may name (libseccomp's pseudo numbers for names that do
 * not exist on this arch are negative and skipped). */
#define SC_MAX BPF_NR_MAX
struct sc_set {
	bool on[SC_MAX];
};

/* Add or remove `name` (a syscall or an @group). Returns -1 for a name
 * neither we nor libseccomp know. */
static int set_apply(struct sc_set *s, const char *name, bool on, int depth)
{
	if (name[0] == '@') {
		const struct sc_group *g = group_find(name);
		if (!g || depth > 4)
			return -1;
		for (const char *const *c = g->calls; *c; c++)
			if (set_apply(s, *c, on, depth + 1) < 0 && depth > 0)
				return -1;
		return 0;
	}
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		/* Our own tables may name syscalls newer than this
		 * libseccomp: skipped. A policy's name must resolve. */
		return depth > 0 ? 0 : -1;
	if (nr < 0 || nr >= SC_MAX)
		return 0;	/* not on this arch: skipped (systemd -EDOM) */
	s->on[nr] = on;
	return 0;
}

/* Add a rule; the lists are far below BPF_RULES_MAX, so failing is a bug. */
static void rule(struct bpf_rules *rs, int nr, uint32_t action)
{
	if (bpf_rule_add(rs, nr, action) < 0)
		die(PR_EXIT_RUNNER, "seccomp: cannot add a rule for syscall %d", nr);
}

/* A rule that holds when (args[0] & mask) == value: all ours test args[0]. */
static void rule_if(struct bpf_rules *rs, int nr, uint32_t action, uint64_t mask, uint64_t value)
{
	if (bpf_rule_add_if(rs, nr, action, 0, mask, value) < 0)
		die(PR_EXIT_RUNNER, "seccomp: cannot add a rule for syscall %d", nr);
}

/* Names this libseccomp does not know, or that do not exist on this arch
 * (negative pseudo numbers), are skipped, as systemd does (-EDOM). */
static void allow_name(struct bpf_rules *rs, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr >= 0)
		rule(rs, nr, SECCOMP_RET_ALLOW);
}

/* Compile a rule list; another arch's syscall numbers (i386 via int 0x80,
 * x32) mean something else entirely: kill. */
static void compile(const struct bpf_rules *rs, uint32_t def, size_t prefix,
		    struct sock_fprog *out, const char *what)
{
	const char *why = "?";
	if (bpf_compile(rs, def, SECCOMP_RET_KILL_PROCESS, prefix, out, &why) < 0)
		die(PR_EXIT_RUNNER, "seccomp: cannot build the %s filter: %s", what, why);
}

static uint32_t policy_action(const struct policy *p)
{
	switch (p->sandbox.seccomp_action) {
	case POL_SCMP_ERRNO:
		return SECCOMP_RET_ERRNO | EPERM;
	case POL_SCMP_KILL:
		return SECCOMP_RET_KILL_PROCESS;
	case POL_SCMP_LOG:
		return SECCOMP_RET_LOG;
	}
	abort();
}

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
		  CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | 0x80 /* NEWTIME */)

/* The fixed rules, after the policy's (STYLE C9). */
static void add_fixed_rules(struct bpf_rules *rs, const struct sc_set *s)
{
	/* glibc and Go fall back to clone when clone3 says ENOSYS; clone3's
	 * flags live in memory a filter cannot read. */
	rule(rs, SCMP_SYS(clone3), SECCOMP_RET_ERRNO | ENOSYS);
	if (s->on[SCMP_SYS(clone)])
		/* threads and processes, never a new namespace */
		rule_if(rs, SCMP_SYS(clone), SECCOMP_RET_ALLOW, NS_FLAGS, 0);
	if (s->on[SCMP_SYS(socket)]) {
		/* no netlink (routing, audit, uevents), no packet sockets */
		static const int fams[] = { AF_UNIX, AF_INET, AF_INET6 };
		for (size_t i = 0; i < ARRAY_SIZE(fams); i++)
			rule_if(rs, SCMP_SYS(socket), SECCOMP_RET_ALLOW, ~0ULL, (uint64_t)fams[i]);
	}
	if (s->on[SCMP_SYS(personality)]) {
		/* only the query (0xffffffff) and plain PER_LINUX: no
		 * READ_IMPLIES_EXEC, no ADDR_NO_RANDOMIZE */
		rule_if(rs, SCMP_SYS(personality), SECCOMP_RET_ALLOW, 0xffffffffu, 0xffffffffu);
		rule_if(rs, SCMP_SYS(personality), SECCOMP_RET_ALLOW, 0xffffffffu, 0);
	}
}

/* Handled by add_fixed_rules (or, for ioctl, the prefix), not by a plain
 * allow. */
static bool special(int nr)
{
	return nr == SCMP_SYS(clone) || nr == SCMP_SYS(clone3) || nr == SCMP_SYS(socket) ||
	       nr == SCMP_SYS(personality);
}

/* The plugin's syscall set: default profile, then the policy's allow and
 * deny (deny wins), minus every fixed deny. */
static void plugin_set(const struct policy *p, struct sc_set *s)
{
	memset(s, 0, sizeof(*s));
	set_apply(s, "@default", true, 0);
	for (size_t i = 0; i < p->sandbox.seccomp_allow.n; i++) {
		const char *n = p->sandbox.seccomp_allow.v[i];
		if (in_list(hard_deny, n))
			die(PR_EXIT_RUNNER, "policy %s: sandbox.seccomp.allow: \"%s\" can never be "
			    "allowed (remove it from the policy)", p->file, n);
		if (set_apply(s, n, true, 0) < 0)
			die(PR_EXIT_RUNNER, "policy %s: sandbox.seccomp.allow: unknown syscall or "
			    "group \"%s\" (fix the name; groups: @basic-io @file @memory @process "
			    "@signal @time @sync @poll @ipc @network-io @misc @default)", p->file, n);
	}
	for (size_t i = 0; i < p->sandbox.seccomp_deny.n; i++) {
		const char *n = p->sandbox.seccomp_deny.v[i];
		if (set_apply(s, n, false, 0) < 0)
			die(PR_EXIT_RUNNER, "policy %s: sandbox.seccomp.deny: unknown syscall or "
			    "group \"%s\" (fix the name)", p->file, n);
	}
	for (const char *const *h = hard_deny; *h; h++)
		set_apply(s, *h, false, 1);
}

/* seccomp_data: nr at 0, arch at 4, args[] from 16, little-endian x86_64:
 * the low 32 bits of args[1] are at 24. */
#define SD_NR	offsetof(struct seccomp_data, nr)
#define SD_ARCH	offsetof(struct seccomp_data, arch)
#define SD_A1LO	(offsetof(struct seccomp_data, args) + sizeof(__u64))
#define IOCTL_PREFIX 9

/* The plugin's set `s` and its rule list; returns the default action. */
static uint32_t plugin_rules(const struct policy *p, struct sc_set *s, struct bpf_rules *rs)
{
	plugin_set(p, s);
	bpf_rules_init(rs);
	/* ioctl is a plain allow here; its denials are the prefix */
	for (int nr = 0; nr < SC_MAX; nr++)
		if (s->on[nr] && !special(nr))
			rule(rs, nr, SECCOMP_RET_ALLOW);
	add_fixed_rules(rs, s);
	return policy_action(p);
}

uint32_t seccomp_filter_plugin_rules(const struct policy *p, struct bpf_rules *rs)
{
	struct sc_set s;
	return plugin_rules(p, &s, rs);
}

void seccomp_filter_plugin_prog(const struct policy *p, struct sock_fprog *out)
{
	struct sc_set s;
	struct bpf_rules rs;
	uint32_t def = plugin_rules(p, &s, &rs);
	compile(&rs, def, IOCTL_PREFIX, out, "plugin");

	/* ioctl TIOCSTI/TIOCLINUX, before the rule program. A rule list says
	 * only when a syscall is allowed, so "allow ioctl except these"
	 * cannot be one of its rules (bpfgen.c refuses a plain and a
	 * conditional rule for one syscall, as libseccomp folded them).
	 * TIOCSTI injects input into a terminal (CVE-2017-5226 for
	 * bubblewrap); the kernel compares only the low 32 bits of cmd, so
	 * must we (0xffffffff00005412 is TIOCSTI too). TIOCLINUX can do the
	 * same on a virtual console. The answer is what the two stacked
	 * filters used to give (the most restrictive wins): EPERM, or the
	 * kill when the policy denies ioctl altogether and kills. Another
	 * arch's numbers are killed first, exactly as the program's own
	 * arch check does; x32 numbers (bit 30) never equal __NR_ioctl and
	 * fall through to its x32 check. */
	uint32_t deny = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
	if (!s.on[SCMP_SYS(ioctl)] && p->sandbox.seccomp_action == POL_SCMP_KILL)
		deny = SECCOMP_RET_KILL_PROCESS;
	const struct sock_filter pre[IOCTL_PREFIX] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_ARCH),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		/* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		/* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_NR),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 4),	/* -> 9 */
		/* 5 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SD_A1LO),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 1, 0),	/* -> 8 */
		/* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 0, 1),	/* -> 9 */
		/* 8 */ BPF_STMT(BPF_RET | BPF_K, deny),
	};
	memcpy(out->filter, pre, sizeof(pre));
}

uint32_t seccomp_filter_reaper_rules(struct bpf_rules *rs)
{
	static const char *const calls[] = {
		"rt_sigprocmask", "rt_sigtimedwait", "rt_sigreturn", "wait4",
		"waitid", "kill", "exit", "exit_group", "write",
		"restart_syscall", "getpid", NULL
	};
	uint32_t def = SECCOMP_RET_KILL_PROCESS;
#if defined(PR_SANITIZED)
	/* Build-time only (STYLE C17): the sanitizer runtime makes calls of
	 * its own; log them instead of killing the namespace. */
	def = SECCOMP_RET_LOG;
#endif
	bpf_rules_init(rs);
	for (const char *const *c = calls; *c; c++)
		allow_name(rs, *c);
	return def;
}

void seccomp_filter_reaper_prog(struct sock_fprog *out)
{
	struct bpf_rules rs;
	uint32_t def = seccomp_filter_reaper_rules(&rs);
	compile(&rs, def, 0, out, "reaper");
}

/* glibc's create_thread() (sysdeps/nptl/pthread_create.c) */
#define RUNNER_THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | \
			     CLONE_SIGHAND | CLONE_THREAD | CLONE_SETTLS | \
			     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

uint32_t seccomp_filter_runner_rules(pid_t reaper, struct bpf_rules *rs)
{
	/* What relaying needs: byte I/O, polling, accepting the plugin's
	 * connections, connecting upstream (AF_UNIX only), waiting for the
	 * reaper, signals, time, memory, a thread. No open, no exec, no
	 * fork. */
	static const char *const calls[] = {
		"read", "write", "readv", "writev", "poll", "ppoll", "accept4",
		"accept", "connect", "close", "shutdown", "waitid", "wait4",
		"rt_sigprocmask", "rt_sigaction",
		"rt_sigreturn", "clock_gettime", "clock_nanosleep", "nanosleep",
		"gettimeofday", "brk", "mmap", "munmap", "mremap", "madvise",
		"exit_group", "exit", "fcntl", "getsockopt", "setsockopt",
		"sendmsg", "recvmsg", "sendto", "recvfrom", "epoll_create1",
		"epoll_ctl", "epoll_wait", "epoll_pwait", "getpid", "gettid",
		"timerfd_create", "timerfd_settime", "timerfd_gettime", "futex",
		"restart_syscall", "splice", "vmsplice", "pipe2", "getrandom", "lseek",
		"fstat", "newfstatat", "sched_yield", "getuid", "geteuid",
		NULL
	};
	uint32_t def = SECCOMP_RET_ERRNO | EPERM;
#if defined(PR_SANITIZED)
	/* Build-time only (STYLE C17): ASan/UBSan reports open files,
	 * read /proc/self/maps, and LSan clones a tracer at exit. */
	def = SECCOMP_RET_LOG;
#endif
	bpf_rules_init(rs);
	for (const char *const *c = calls; *c; c++)
		allow_name(rs, *c);
	rule_if(rs, SCMP_SYS(socket), SECCOMP_RET_ALLOW, ~0ULL, AF_UNIX);
	/* The runner may hold CAP_KILL (see spawn_confine_runner): it
	 * reaches the reaper and nothing else; tgkill is raise()/abort(). */
	if (reaper > 0)
		rule_if(rs, SCMP_SYS(kill), SECCOMP_RET_ALLOW, ~0ULL, (uint64_t)reaper);
	rule_if(rs, SCMP_SYS(tgkill), SECCOMP_RET_ALLOW, ~0ULL, (uint64_t)getpid());
	/* signalfd reads go through read; creating one needs signalfd4 */
	allow_name(rs, "signalfd4");
	/* Threads (canonworker.c): clone with exactly glibc's pthread_create
	 * flags, so never a process and never a namespace; clone3's flags
	 * live in memory a filter cannot read, so it says ENOSYS and glibc
	 * falls back to clone. */
	rule_if(rs, SCMP_SYS(clone), SECCOMP_RET_ALLOW, ~0ULL, RUNNER_THREAD_FLAGS);
	rule(rs, SCMP_SYS(clone3), SECCOMP_RET_ERRNO | ENOSYS);
	/* A new thread registers its rseq area (glibc aborts the process if
	 * that fails once the main thread has one) and its robust futex
	 * list: both name only the thread's own memory. */
	allow_name(rs, "rseq");
	allow_name(rs, "set_robust_list");
	/* The thread names itself (canonworker.c); no other prctl. */
	rule_if(rs, SCMP_SYS(prctl), SECCOMP_RET_ALLOW, ~0ULL, PR_SET_NAME);
	return def;
}

void seccomp_filter_runner_prog(pid_t reaper, struct sock_fprog *out)
{
	struct bpf_rules rs;
	uint32_t def = seccomp_filter_runner_rules(reaper, &rs);
	compile(&rs, def, 0, out, "runner");
}

int seccomp_filter_load_prog(const struct sock_fprog *prog)
{
	/* What seccomp_load() does with the exported program: no_new_privs
	 * is already set by privs_set_nnp(), no flags. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
		return -errno;
	return 0;
}

void seccomp_filter_load(const struct sock_fprog *prog, const char *what)
{
	int r = seccomp_filter_load_prog(prog);
	if (r < 0)
		die(PR_EXIT_RUNNER, "seccomp: cannot load the %s filter: %s "
		    "(the kernel needs CONFIG_SECCOMP_FILTER)", what, strerror(-r));
	log_debug("seccomp: %s filter loaded", what);
}

void seccomp_filter_describe(const struct policy *p, json_t *out)
{
	struct sc_set s;
	const char *act = "?";

	switch (p->sandbox.seccomp_action) {
	case POL_SCMP_ERRNO:
		act = "errno (EPERM)";
		break;
	case POL_SCMP_KILL:
		act = "kill";
		break;
	case POL_SCMP_LOG:
		act = "log";
		break;
	}
	plugin_set(p, &s);
	json_t *allowed = json_array();
	for (int nr = 0; nr < SC_MAX; nr++) {
		if (!s.on[nr])
			continue;
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (name)
			json_array_append_new(allowed, json_string(name));
		free(name);
	}
	json_t *fixed = json_array();
	json_array_append_new(fixed, json_string("clone3: ENOSYS"));
	json_array_append_new(fixed, json_string("clone: no CLONE_NEW* flags"));
	json_array_append_new(fixed, json_string("ioctl: TIOCSTI, TIOCLINUX denied (low 32 bits)"));
	json_array_append_new(fixed, json_string("socket: AF_UNIX, AF_INET, AF_INET6 only"));
	json_array_append_new(fixed, json_string("personality: query and PER_LINUX only"));
	json_t *never = json_array();
	for (const char *const *h = hard_deny; *h; h++)
		json_array_append_new(never, json_string(*h));
	json_object_set_new(out, "default_action", json_string(act));
	json_object_set_new(out, "bad_arch", json_string("kill"));
	json_object_set_new(out, "allowed", allowed);
	json_object_set_new(out, "fixed_rules", fixed);
	json_object_set_new(out, "never_allowed", never);
}
