/* spawn.c - the ONLY file that knows the order of the privileged steps
 * (SPEC 7, STYLE (b) P4-P8 and C1-C12). Runner side: build every layer
 * that can fail, clone into new namespaces, write the id maps, then wait
 * until the child has passed the RPC listening socket and exec'd the
 * plugin (or reported why not). Child side: child_enter(), one flat
 * sequence with a "why here" per step; the child stays as the pid-1 reaper
 * and starts the plugin at the very end (a vfork-like clone: no page-table
 * copy). Also the runner's own confinement, and the exit-status mapping.
 * Setup errors in the child travel to the runner over the sync socket (the
 * child's stderr points at it until exec), so the runner prints ONE line.
 * The child's two seccomp programs (the plugin's and the reaper's) are
 * compiled before clone, so the child inherits them in its copy of our
 * memory and only loads them (bpfgen.c makes compiling cheap: overlapping
 * it with the child's work through a shared mapping saved nothing on a
 * machine that runs both on one CPU, and cost page faults).
 * Must not: do any layer's work itself (sandbox.c, privs.c, landlock.c,
 * seccomp_filter.c, reaper.c do).
 * Called by: main.c. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "exitcodes.h"
#include "landlock.h"
#include "log.h"
#include "privs.h"
#include "reaper.h"
#include "sandbox.h"
#include "seccomp_filter.h"
#include "spawn.h"
#include "util.h"

/* The reaper's pid: the only process the confined runner may signal. */
static pid_t spawned_reaper;

/* Everything the child needs, built by the runner before clone. */
struct enter {
	const struct launch *l;
	struct privs_target target;
	int ruleset_fd;			/* Landlock, -1 without Landlock */
	struct sock_fprog plugin_prog;	/* compiled, loaded by the child */
	struct sock_fprog reaper_prog;
	int sync_fd;			/* child end of the sync socketpair */
	int stdin_rd, stdout_wr;	/* plugin's fd 0 and 1 */
};

static void sync_wait(int fd)
{
	char b;
	ssize_t n;
	do {
		n = read(fd, &b, 1);
	} while (n < 0 && errno == EINTR);
	if (n != 1)
		/* EOF: the runner died before PR_SET_PDEATHSIG was armed. */
		_exit(PR_EXIT_RUNNER);
}

static void rearm_pdeathsig(int sync_fd)
{
	struct pollfd pfd = { .fd = sync_fd, .events = POLLRDHUP };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die_errno(PR_EXIT_RUNNER, "prctl(PR_SET_PDEATHSIG)");
	/* the runner's end closed = the runner is gone */
	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLRDHUP)))
		_exit(PR_EXIT_RUNNER);
}

/* C4: bind the plugin's RPC socket in the private lightning-dir and hand
 * the listening fd to the runner; no path of it exists on the host. */
static void rpc_listen_and_send(const struct enter *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", SANDBOX_RPC_PATH);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_errno(PR_EXIT_RUNNER, "rpc socket: socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die_errno(PR_EXIT_RUNNER, "rpc socket: bind %s", SANDBOX_RPC_PATH);
	/* Only the sandbox user may connect (it is the only user inside). */
	if (e->target.switch_id &&
	    chown(SANDBOX_RPC_PATH, e->target.uid, e->target.gid) < 0)
		die_errno(PR_EXIT_RUNNER, "rpc socket: chown");
	if (chmod(SANDBOX_RPC_PATH, 0600) < 0)
		die_errno(PR_EXIT_RUNNER, "rpc socket: chmod");
	if (listen(fd, 64) < 0)
		die_errno(PR_EXIT_RUNNER, "rpc socket: listen");
	memset(u.buf, 0, sizeof(u.buf));
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(e->sync_fd, &mh, MSG_NOSIGNAL) != 1)
		die_errno(PR_EXIT_RUNNER, "rpc socket: pass to the runner");
	close(fd);
	log_debug("rpc socket: listening at %s, passed to the runner", SANDBOX_RPC_PATH);
}

/* Close every fd >= 3 but the two given (a < b or either -1). */
static void close_all_but(int a, int b)
{
	int keep[2] = { a < b ? a : b, a < b ? b : a };
	unsigned lo = 3;
	for (int i = 0; i < 2; i++) {
		if (keep[i] < 3)
			continue;
		if ((unsigned)keep[i] > lo)
			close_range(lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

/* What execve() loads first to run the file at `path`: the program its
 * #! line names (*shebang), or an ELF's dynamic loader (PT_INTERP), copied
 * into out. 1: found; 0: nothing, or we cannot tell; -errno: the file
 * itself cannot be opened. */
static int exec_loads(const char *path, char *out, size_t outsz, bool *shebang)
{
	char head[256];		/* what the kernel reads (BINPRM_BUF_SIZE) */
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int r = 0;

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = pread(fd, head, sizeof(head) - 1, 0);
	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		head[n] = '\0';
		const char *s = head + 2 + strspn(head + 2, " \t");
		size_t len = strcspn(s, " \t\n");
		if (len > 0 && len < outsz) {
			memcpy(out, s, len);
			out[len] = '\0';
			*shebang = true;
			r = 1;
		}
	} else if (n >= (ssize_t)sizeof(eh) && memcmp(head, ELFMAG, SELFMAG) == 0 &&
		   head[EI_CLASS] == ELFCLASS64) {
		memcpy(&eh, head, sizeof(eh));
		for (unsigned i = 0; i < eh.e_phnum && i < 64 &&
		     eh.e_phentsize == sizeof(ph); i++) {
			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
			    (ssize_t)sizeof(ph))
				break;
			if (ph.p_type != PT_INTERP)
				continue;
			if (ph.p_filesz > 1 && ph.p_filesz <= outsz &&
			    pread(fd, out, ph.p_filesz, (off_t)ph.p_offset) == (ssize_t)ph.p_filesz) {
				out[ph.p_filesz - 1] = '\0';
				*shebang = false;
				r = 1;
			}
			break;
		}
	}
	close(fd);
	return r;
}

/* exec said ENOENT. The plugin was opened before, so unless it is gone,
 * what is missing is a program the kernel loads to run it: follow the
 * chain the kernel follows (#! lines, then an ELF's loader) inside the
 * sandbox to the first one that is not there, and name it. 126: the
 * plugin is there but cannot be executed as the sandbox stands. */
static _Noreturn void die_exec_noent(const char *plugin)
{
	/* on our stack only: we may share the reaper's memory (plugin_main) */
	char cur[PATH_MAX], next[PATH_MAX], by[PATH_MAX], dir[PATH_MAX];
	char fix[2 * PATH_MAX + 128];
	bool shebang = false, by_shebang = false;

	snprintf(cur, sizeof(cur), "%s", plugin);
	for (int depth = 0; depth < 6; depth++) {
		int r = exec_loads(cur, next, sizeof(next), &shebang);
		if ((r == -ENOENT || r == -ENOTDIR) && depth == 0) {
			errno = ENOENT;
			die_errno(PR_EXIT_NOENT, "exec %s", plugin);
		}
		if (r == -ENOENT || r == -ENOTDIR) {
			const char *what = by_shebang ? "interpreter" : "dynamic loader";
			memcpy(dir, cur, sizeof(dir));
			if (by_shebang && cur[0] != '/')
				snprintf(fix, sizeof(fix), "give the #! line of %s an absolute path",
					 by);
			else if (by_shebang)
				snprintf(fix, sizeof(fix), "add %s or a directory above it to "
					 "sandbox.filesystem.read_only, or correct the #! line if "
					 "the host has no %s", dirname(dir), cur);
			else
				snprintf(fix, sizeof(fix), "add %s or a directory above it to "
					 "sandbox.filesystem.read_only", dirname(dir));
			if (depth == 1)
				die(PR_EXIT_NOEXEC, "exec %s: its %s %s is not in the sandbox (%s)",
				    plugin, what, cur, fix);
			die(PR_EXIT_NOEXEC, "exec %s: %s, the %s of %s, is not in the sandbox (%s)",
			    plugin, cur, what, by, fix);
		}
		if (r <= 0)
			break;
		memcpy(by, cur, sizeof(by));
		memcpy(cur, next, sizeof(cur));
		by_shebang = shebang;
	}
	die(PR_EXIT_NOEXEC, "exec %s: a program it needs to start (its #! interpreter or a "
	    "dynamic loader) is not in the sandbox (add that program's directory to "
	    "sandbox.filesystem.read_only)", plugin);
}

/* The plugin process: filter last, then exec by its path inside. */
static _Noreturn void plugin_exec(const struct enter *e, int real_stderr)
{
	const struct launch *l = e->l;

	reaper_unblock_signals();		/* the reaper blocked them for itself */
	if (dup2(real_stderr, STDERR_FILENO) < 0)	/* plugin's stderr: inherited */
		die_errno(PR_EXIT_RUNNER, "stdio: restore stderr");
	close(real_stderr);
	/* LAST: setup needs no allowance. One filter (the ioctl checks are
	 * part of it): once it is in, seccomp() itself is denied. */
	int r = seccomp_filter_load_prog(&e->plugin_prog);
#if defined(PR_SANITIZED)
	/* Build-time only: the sanitized setup code could not live under the
	 * AS limit; the plugin's fresh image after exec does. */
	if (r == 0)
		sandbox_set_as_limit(l->pol);
#endif
	if (r == 0) {
		execve(l->plugin_path, l->argv, l->envp);
		r = -errno;
	}
	int err = -r;
	/* 'X': the line that follows is the failure (not a debug line). */
	if (write(e->sync_fd, "X", 1) < 0)
		_exit(PR_EXIT_RUNNER);
	dup2(e->sync_fd, STDERR_FILENO);	/* report to the runner, one line */
	errno = err;
	if (r == -ENOENT)
		die_exec_noent(l->plugin_path);
	if (r == -EACCES || r == -ENOEXEC || r == -EPERM || r == -ETXTBSY)
		die_errno(PR_EXIT_NOEXEC, "exec %s (check its mode, its #! line, and that "
			  "the interpreter is under a read_only path of the policy)",
			  l->plugin_path);
	die_errno(PR_EXIT_RUNNER, "exec %s", l->plugin_path);
}

struct plugin_start {
	const struct enter *e;
	int real_stderr;
};

/* clone() entry of the plugin process. It shares the reaper's memory
 * until its exec (CLONE_VM | CLONE_VFORK, the way posix_spawn starts a
 * program): no copy of the page tables, and the reaper sleeps meanwhile.
 * It has its own fd table, signal mask and seccomp filter; on failure it
 * only writes and _exit()s (die() does), touching no shared state. */
static int plugin_main(void *arg)
{
	const struct plugin_start *ps = arg;
	plugin_exec(ps->e, ps->real_stderr);
}

#define PLUGIN_STACK (256 * 1024)

static _Noreturn void child_enter(struct enter *e)
{
	const struct launch *l = e->l;

	/* C0: until exec, our stderr is the sync socket: every die() below
	 * becomes the runner's one-line error. */
	int real_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (real_stderr < 0 || dup2(e->sync_fd, STDERR_FILENO) < 0)
		_exit(PR_EXIT_RUNNER);
	/* C1: die with the runner. getppid() is 0 in a new pid namespace,
	 * so the re-check is C2: a runner that died first closed its end. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die_errno(PR_EXIT_RUNNER, "prctl(PR_SET_PDEATHSIG)");
	/* C2: the runner has written the uid/gid maps: mounts need them. */
	sync_wait(e->sync_fd);
	/* C2b: not dumpable, long before the plugin exists: it starts from
	 * our memory and, in a user namespace, runs as our uid, so /proc/1's
	 * environ, mem and maps would be open to it (its own exec makes it
	 * dumpable again). Not before C2: the maps of a non-dumpable child
	 * belong to root, and an unprivileged runner could not write them. */
	privs_set_undumpable();
	/* C3: private root; needs CAP_SYS_ADMIN in our namespaces. */
	sandbox_build_root(l);
	/* C3b: lo up needs CAP_NET_ADMIN in the new net namespace. */
	if (l->pol->sandbox.network == POL_NET_LOOPBACK)
		sandbox_loopback_up();
	/* C4: bind() before Landlock takes MAKE_SOCK away; chown needs root. */
	rpc_listen_and_send(e);
	/* C5: rlimits while we may still raise hard limits. */
	sandbox_set_rlimits(l->pol);
	/* C6: no controlling tty: defeats TIOCSTI even without seccomp. */
	if (setsid() < 0)
		die_errno(PR_EXIT_RUNNER, "setsid");
	/* C7: ids and capabilities, verified; mounts are done. */
	privs_drop(&e->target);
	/* C7b: a uid change clears the parent-death signal and sets
	 * dumpability to fs.suid_dumpable (1 on some hosts): both again,
	 * then re-check that the runner did not die in between. */
	privs_set_undumpable();
	rearm_pdeathsig(e->sync_fd);
	/* C8: Landlock needs no_new_privs once capabilities are gone. */
	privs_set_nnp();
	/* C9: path rules are opened inside the new root, then enforced. */
	char *pdir = xstrdup(l->plugin_path);
	landlock_add_plugin_rules(e->ruleset_fd, l->pol, dirname(pdir));
	free(pdir);
	landlock_enforce(e->ruleset_fd);
	/* C10: stdio and fds: only 0, 1, 2 may reach the plugin. */
	umask(077);
	if (dup2(e->stdin_rd, STDIN_FILENO) < 0 || dup2(e->stdout_wr, STDOUT_FILENO) < 0)
		die_errno(PR_EXIT_RUNNER, "stdio: dup2");
	close_all_but(e->sync_fd, real_stderr);
	/* C10a: the reaper needs no environment: the host's is wiped before
	 * the plugin exists (a second layer under C2b; the plugin's envp is
	 * a copy). */
	reaper_forget_environment();
	/* C10b: start the plugin; we stay pid 1 of its namespace. Signals
	 * are blocked first so none sent in between is lost. */
	reaper_block_signals();
	struct plugin_start ps = { .e = e, .real_stderr = real_stderr };
#if !defined(PR_SANITIZED)
	void *stack = mmap(NULL, PLUGIN_STACK, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		die_errno(PR_EXIT_RUNNER, "stack for the plugin process");
	/* C11 seccomp, C12 exec: plugin_main; back here once it exec'd */
	pid_t pid = clone(plugin_main, (char *)stack + PLUGIN_STACK,
			  CLONE_VM | CLONE_VFORK | SIGCHLD, &ps);
	if (pid < 0)
		die_errno(PR_EXIT_RUNNER, "start the plugin (limits.nproc too low?)");
	munmap(stack, PLUGIN_STACK);
#else
	/* Build-time only (STYLE C17): ASan cannot follow a process that
	 * runs on a stack of its own in our memory; a plain fork. */
	pid_t pid = fork();
	if (pid < 0)
		die_errno(PR_EXIT_RUNNER, "start the plugin (limits.nproc too low?)");
	if (pid == 0)
		plugin_main(&ps);
#endif
	/* 'R': every layer is in place and the plugin exec'd (or reported
	 * 'X' and why not). */
	if (write(e->sync_fd, "R", 1) != 1)
		die_errno(PR_EXIT_RUNNER, "sandbox: report ready");
	/* The reaper: no stdio of the plugin's, no sync socket (its EOF is
	 * the runner's "exec happened"), its own small filter. */
	dup2(real_stderr, STDERR_FILENO);
	close(real_stderr);
	close(e->sync_fd);
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	seccomp_filter_load(&e->reaper_prog, "reaper");
	reaper_run(pid);
}

/* Runner: read the child's messages until EOF (the plugin's exec closes
 * the last copy of the child's end). One-byte messages are markers: 'F'
 * carries the RPC fd, 'R' = setup complete, 'X' = exec failed. Anything
 * else is a log line of the child (its debug lines, or its one error
 * line), copied to our stderr as it comes. Returns the RPC listening fd;
 * on failure exits with the child's 125/126/127. */
static int runner_collect(int sync_fd, pid_t pid)
{
	bool ready = false, failed = false;
	int rpc_fd = -1;

	for (;;) {
		char buf[2048];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		union {
			char c[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = u.c, .msg_controllen = sizeof(u.c) };
		ssize_t n = recvmsg(sync_fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int))) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
			if (rpc_fd >= 0)
				close(rpc_fd);
			rpc_fd = fd;
			continue;
		}
		if (n == 1 && buf[0] == 'R') {
			ready = true;
			continue;
		}
		if (n == 1 && buf[0] == 'X') {
			failed = true;
			continue;
		}
		write_all(STDERR_FILENO, buf, (size_t)n);
	}
	if (ready && !failed && rpc_fd >= 0)
		return rpc_fd;

	/* The child failed and said why; its exit code says which kind. */
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && (WEXITSTATUS(st) == PR_EXIT_NOEXEC ||
			      WEXITSTATUS(st) == PR_EXIT_NOENT))
		_exit(WEXITSTATUS(st));
	if (WIFEXITED(st) && WEXITSTATUS(st) == PR_EXIT_RUNNER)
		_exit(PR_EXIT_RUNNER);
	if (WIFSIGNALED(st))
		die(PR_EXIT_RUNNER, "sandbox: setup child killed by signal %d "
		    "(a seccomp or kernel limit?)", WTERMSIG(st));
	die(PR_EXIT_RUNNER, "sandbox: setup child exited with %d before the plugin started",
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

void spawn_plugin(const struct launch *l, struct child *c)
{
	struct enter e = { .l = l, .ruleset_fd = -1 };
	int in[2], out[2], sp[2];
	bool root = geteuid() == 0;

	/* P4: everything that can fail on the policy, before any change;
	 * the filters as well (an unknown syscall name dies here). */
	privs_resolve(l->pol, &e.target);
	seccomp_filter_plugin_prog(l->pol, &e.plugin_prog);
	seccomp_filter_reaper_prog(&e.reaper_prog);
	e.ruleset_fd = landlock_plugin_ruleset(l->pol);
	/* P5: stdio pipes and the sync/fd-passing socket, all CLOEXEC. */
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		die_errno(PR_EXIT_RUNNER, "pipe2");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		die_errno(PR_EXIT_RUNNER, "socketpair");
	e.sync_fd = sp[1];
	e.stdin_rd = in[0];
	e.stdout_wr = out[1];
	/* P6: namespaces; a user namespace only when we are not root (root
	 * switches to sandbox.user instead). */
	int flags = sandbox_clone_flags(l->pol, !root);
	log_debug("namespaces: cloning (%s)", root ? "root: no user namespace" :
		  "user namespace mapping only our uid/gid");
	pid_t pid = sandbox_clone(flags);
	if (pid == 0) {
		close(sp[0]);
		child_enter(&e);
	}
	close(sp[1]);
	close(in[0]);
	close(out[1]);
	if (e.ruleset_fd >= 0)
		close(e.ruleset_fd);
	/* P7: maps from the parent, then the go byte. */
	if (flags & CLONE_NEWUSER)
		sandbox_write_idmaps(pid, getuid(), getgid());
	if (write_all(sp[0], "G", 1) < 0)
		die_errno(PR_EXIT_RUNNER, "sandbox: sync with the child");
	free(e.plugin_prog.filter);	/* the child has its own copies */
	free(e.reaper_prog.filter);
	/* P8, while the child works: confine ourselves. Done after
	 * the plugin's exec instead, it sat between the host's getmanifest
	 * and its forwarding, on the start-up path. */
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (c->pidfd < 0)
		die_errno(PR_EXIT_RUNNER, "pidfd_open (needs Linux 5.3 or later)");
	spawned_reaper = pid;
	if (l->confine_runner)
		spawn_confine_runner(l);
	int rpc_fd = runner_collect(sp[0], pid);
	close(sp[0]);
	log_debug("sandbox: plugin started (reaper pid %d)", (int)pid);

	spawned_reaper = pid;
	c->pid = pid;
	c->stdin_fd = in[1];
	c->stdout_fd = out[0];
	c->rpc_listen_fd = rpc_fd;
}

/* Runner confinement (STYLE P8). Choice: when root, the runner KEEPS its
 * uid 0 and loses every capability but CAP_KILL (bounding and ambient
 * cleared, securebits locked). Why:
 * - lightningd's lightning-rpc is mode 0600, owned by the uid lightningd
 *   runs as, which is the uid that started us; switching to "nobody" would
 *   lose connect() to it, and upstream connections are opened one per
 *   plugin connection, so they cannot all be opened beforehand.
 * - the reaper runs as sandbox.user; signalling it (forwarded signals, the
 *   relay's SIGKILL, and the kernel's parent-death SIGKILL, which is
 *   permission-checked against the dying runner's credentials) needs
 *   CAP_KILL. The seccomp filter allows kill() only with pid == the reaper
 *   and tgkill() only on ourselves, so CAP_KILL reaches nothing else.
 * - uid 0 without CAP_DAC_* could still open root-owned files by owner
 *   permission: the empty Landlock ruleset (no fs access) and the filter
 *   (no open, no exec) carry that part.
 * connect() on a pathname unix socket is not an fs right Landlock governs
 * up to ABI 7 (tests/unit/test-spawn.c checks that it still works). */
void spawn_confine_runner(const struct launch *l)
{
	(void)l;
	struct sock_fprog prog;
	seccomp_filter_runner_prog(spawned_reaper, &prog);	/* may fail: first */
	int ruleset = landlock_runner_ruleset();

	privs_drop_caps_keep_uid(geteuid() == 0);
	privs_set_nnp();
	landlock_enforce(ruleset);
	seccomp_filter_load(&prog, "runner");
	free(prog.filter);
	log_debug("runner: confined (uid %u, %s, landlock, seccomp)", (unsigned)getuid(),
		  geteuid() == 0 ? "CAP_KILL only" : "no capabilities");
}

int spawn_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return PR_EXIT_RUNNER;
}
