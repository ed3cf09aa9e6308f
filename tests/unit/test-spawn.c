/* test-spawn.c - drives spawn.c directly (no policy file, no relay).
 * Two modes:
 *   test-spawn                 TAP unit tests (run by prove)
 *   test-spawn --run [OPTS] -- PLUGIN [ARGS]
 *                              a minimal runner: spawn PLUGIN under a policy
 *                              built from OPTS, copy its stdout to ours, wait,
 *                              exit with its status. Used by the unit tests
 *                              and by tests/integration/30-escape.t when the
 *                              real binary is not usable.
 * OPTS: --net none|loopback|host  --ro PATH  --rw PATH  --ld NAME[:rw]
 *       --sha HEX  --nproc N  --as BYTES  --nofile N  --user NAME
 *       --action errno|kill|log  --allow NAME  --deny NAME  --confine
 *       (--confine: the runner confines itself as the real one does, and
 *       says on stderr whether it could still open a file when
 *       spawn_plugin() returned, before it reads a byte of the plugin)
 *       --env K=V (added to the plugin's environment)
 *       --stdin TEXT (written to the plugin's stdin, then EOF) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "buf.h"
#include "canonworker.h"
#include "exitcodes.h"
#include "log.h"
#include "policy.h"
#include "spawn.h"
#include "tap.h"
#include "util.h"

static void sl_add(struct strlist *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 2) * sizeof(char *));
	l->v[l->n++] = xstrdup(s);
	l->v[l->n] = NULL;
}

static void pol_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->file = xstrdup("<test>");
	p->sandbox.user = xstrdup("nobody");
	p->sandbox.network = POL_NET_NONE;
	p->sandbox.seccomp_action = POL_SCMP_ERRNO;
	p->sandbox.limits.nofile = 256;
	p->sandbox.limits.nproc = 64;
	p->sandbox.limits.fsize = 1ULL << 30;
}

static int run_mode(int argc, char **argv)
{
	struct policy pol;
	char *envp[32];
	int nenv = 0;
	bool confine = false;
	const char *input = NULL;
	int i;

	pol_init(&pol);
	envp[nenv++] = "PATH=/usr/bin:/bin";
	envp[nenv++] = "LIGHTNINGD_PLUGIN=1";
	for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (strcmp(o, "--confine") == 0) {
			confine = true;
			continue;
		}
		i++;
		if (strcmp(o, "--net") == 0)
			pol.sandbox.network = strcmp(v, "host") == 0 ? POL_NET_HOST :
				strcmp(v, "loopback") == 0 ? POL_NET_LOOPBACK : POL_NET_NONE;
		else if (strcmp(o, "--ro") == 0)
			sl_add(&pol.sandbox.read_only, v);
		else if (strcmp(o, "--rw") == 0)
			sl_add(&pol.sandbox.read_write, v);
		else if (strcmp(o, "--ld") == 0) {
			size_t n = pol.sandbox.nlightning_dir++;
			pol.sandbox.lightning_dir = xrealloc(pol.sandbox.lightning_dir,
				pol.sandbox.nlightning_dir * sizeof(struct pol_ldentry));
			char *name = xstrdup(v), *c = strstr(name, ":rw");
			pol.sandbox.lightning_dir[n].rw = c != NULL;
			if (c)
				*c = '\0';
			pol.sandbox.lightning_dir[n].name = name;
		} else if (strcmp(o, "--sha") == 0)
			pol.exec_sha256 = xstrdup(v);
		else if (strcmp(o, "--nproc") == 0)
			pol.sandbox.limits.nproc = strtoull(v, NULL, 10);
		else if (strcmp(o, "--nofile") == 0)
			pol.sandbox.limits.nofile = strtoull(v, NULL, 10);
		else if (strcmp(o, "--as") == 0)
			pol.sandbox.limits.as = strtoull(v, NULL, 10);
		else if (strcmp(o, "--user") == 0)
			pol.sandbox.user = xstrdup(v);
		else if (strcmp(o, "--action") == 0)
			pol.sandbox.seccomp_action = strcmp(v, "kill") == 0 ? POL_SCMP_KILL :
				strcmp(v, "log") == 0 ? POL_SCMP_LOG : POL_SCMP_ERRNO;
		else if (strcmp(o, "--allow") == 0)
			sl_add(&pol.sandbox.seccomp_allow, v);
		else if (strcmp(o, "--deny") == 0)
			sl_add(&pol.sandbox.seccomp_deny, v);
		else if (strcmp(o, "--env") == 0 && nenv < 30)
			envp[nenv++] = xstrdup(v);
		else if (strcmp(o, "--stdin") == 0)
			input = v;
		else
			die(PR_EXIT_RUNNER, "test-spawn: unknown option %s", o);
	}
	envp[nenv] = NULL;
	if (i + 1 >= argc)
		die(PR_EXIT_RUNNER, "test-spawn --run: no plugin");
	char **pargv = &argv[i + 1];
	char *real = realpath(pargv[0], NULL);
	if (!real)
		die_errno(PR_EXIT_NOENT, "plugin %s", pargv[0]);
	pargv[0] = real;
	int pfd = open(real, O_RDONLY | O_CLOEXEC);
	int dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0 || dfd < 0)
		die_errno(PR_EXIT_RUNNER, "open");
	log_init("test-spawn", getenv("PR_VERBOSE") ? LOG_DEBUG : LOG_INFO);

	struct launch l = { .pol = &pol, .plugin_path = real, .plugin_fd = pfd,
			    .argv = pargv, .envp = envp, .lightning_dirfd = dfd,
			    .confine_runner = confine };
	struct child c;
	spawn_plugin(&l, &c);
	if (confine) {
		int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
		fprintf(stderr, "runner at spawn return: open %s\n",
			fd < 0 ? "refused" : "allowed");
		if (fd >= 0)
			close(fd);
	}
	if (input && write_all(c.stdin_fd, input, strlen(input)) < 0)
		die_errno(PR_EXIT_RUNNER, "write stdin");
	close(c.stdin_fd);
	/* relay stdout until EOF */
	char buf[4096];
	for (;;) {
		ssize_t n = read(c.stdout_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		write_all(STDOUT_FILENO, buf, (size_t)n);
	}
	int st;
	while (waitpid(c.pid, &st, 0) < 0 && errno == EINTR)
		;
	/* _exit: the policy built above lives as long as the process (no
	 * leak report from LSan for it) */
	_exit(spawn_exit_status(st));
}

/* ---- TAP tests ---- */

static char self[PATH_MAX];

/* Run `test-spawn --run ARGS`, capture stdout and stderr. */
static int run(char *out, size_t outsz, char *err, size_t errsz, const char *const *args)
{
	int po[2], pe[2];
	if (pipe(po) < 0 || pipe(pe) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		const char *av[64];
		int n = 0;
		av[n++] = self;
		av[n++] = "--run";
		for (; *args && n < 62; args++)
			av[n++] = *args;
		av[n] = NULL;
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		execv(self, (char *const *)av);
		_exit(99);
	}
	close(po[1]);
	close(pe[1]);
	size_t ol = 0, el = 0;
	ssize_t r;
	while ((r = read(po[0], out + ol, outsz - 1 - ol)) > 0)
		ol += (size_t)r;
	while ((r = read(pe[0], err + el, errsz - 1 - el)) > 0)
		el += (size_t)r;
	out[ol] = err[el] = '\0';
	close(po[0]);
	close(pe[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define BASE "--ro", "/usr", "--ro", "/lib", "--ro", "/lib64", "--ro", "/bin"

static void t_basic(void)
{
	char out[8192], err[8192];
	const char *a[] = { BASE, "--", "/bin/sh", "-c",
		"echo hello; id -u; ls /; echo fds $(ls /proc/self/fd | tr '\\n' ' '); "
		"cat /proc/self/status | grep -E 'NoNewPrivs|CapEff|Seccomp'; exit 7", NULL };
	int rc = run(out, sizeof(out), err, sizeof(err), a);
	tap_ok(rc == 7, "plugin's exit status passes through (got %d)", rc);
	tap_ok(strstr(out, "hello\n") != NULL, "plugin stdout reaches the runner");
	tap_ok(strstr(out, "NoNewPrivs:\t1") != NULL, "no_new_privs set");
	tap_ok(strstr(out, "CapEff:\t0000000000000000") != NULL, "no effective caps");
	tap_ok(strstr(out, "Seccomp:\t2") != NULL, "seccomp filter mode");
	/* one program per syscall: the ioctl checks are part of it */
	tap_ok(strstr(out, "Seccomp_filters:\t1\n") != NULL, "exactly one seccomp filter");
	tap_ok(strstr(out, "fds 0 1 2 3\n") != NULL, "only fds 0,1,2 (+ls's own dir fd)");
	if (tap_failed)
		tap_diag("out: %s err: %s", out, err);
}

/* The real runner confines itself inside spawn_plugin(): by the time it
 * returns (the plugin has exec'd and may already be writing), open() must
 * be refused, though nothing of the plugin has been read yet. */
static void t_confined_before_relay(void)
{
	char out[8192], err[8192];
	const char *a[] = { "--confine", BASE, "--", "/bin/sh", "-c", "echo early; exit 0", NULL };
	int rc = run(out, sizeof(out), err, sizeof(err), a);
	tap_ok(rc == 0 && strstr(out, "early\n") != NULL, "confined: the plugin still runs and is relayed");
	tap_ok(strstr(err, "runner at spawn return: open refused") != NULL,
	       "the runner is confined when spawn_plugin returns, before relaying");
	if (tap_failed)
		tap_diag("out: %s err: %s", out, err);
}

static void t_noent(void)
{
	char out[4096], err[4096];
	/* plugin dir bound, but the plugin's dynamic loader is not: the
	 * plugin is there, so 126 (not "not found"), naming the loader */
	const char *a[] = { "--", "/bin/true", NULL };
	int rc = run(out, sizeof(out), err, sizeof(err), a);
	tap_ok(rc == 126, "exec without its dynamic loader fails with 126 (got %d)", rc);
	tap_ok(strstr(err, "plugin-runner: test-spawn: exec") != NULL &&
	       strchr(err, '\n') == strrchr(err, '\n'), "one error line: %s", err);
	tap_ok(strstr(err, ": its dynamic loader /") != NULL &&
	       strstr(err, " is not in the sandbox (add /") != NULL,
	       "it names the loader and the fix: %s", err);
}

static void t_sha(void)
{
	char out[4096], err[4096];
	const char *a[] = { BASE, "--sha", "00", "--", "/bin/true", NULL };
	int rc = run(out, sizeof(out), err, sizeof(err), a);
	tap_ok(rc == 126, "exec.sha256 mismatch -> 126 (got %d)", rc);
	tap_ok(strstr(err, "exec.sha256") != NULL, "mismatch says so: %s", err);
	int fd = open("/usr/bin/true", O_RDONLY);
	char hex[65];
	sha256_fd(fd, hex);
	close(fd);
	const char *b[] = { BASE, "--sha", hex, "--", "/bin/true", NULL };
	rc = run(out, sizeof(out), err, sizeof(err), b);
	tap_ok(rc == 0, "exec.sha256 match runs the verified copy (got %d) %s", rc, err);
}

static void t_unknown_syscall(void)
{
	char out[4096], err[4096];
	const char *a[] = { BASE, "--allow", "no_such_syscall", "--", "/bin/true", NULL };
	int rc = run(out, sizeof(out), err, sizeof(err), a);
	tap_ok(rc == 125, "unknown seccomp name -> 125 (got %d)", rc);
	tap_ok(strstr(err, "no_such_syscall") != NULL, "names it: %s", err);
	const char *b[] = { BASE, "--allow", "mount", "--", "/bin/true", NULL };
	rc = run(out, sizeof(out), err, sizeof(err), b);
	tap_ok(rc == 125, "allowing mount is refused (got %d)", rc);
}

static void t_policy_groups(void)
{
	char out[4096], err[4096];
	const char *code = "import socket\ntry:\n socket.socket()\nexcept PermissionError:\n raise SystemExit(42)\n";
	const char *a[] = { BASE, "--deny", "@network-io", "--", "/usr/bin/python3", "-c", code, NULL };
	int rc = run(out, sizeof(out), err, sizeof(err), a);
	tap_ok(rc == 42, "seccomp.deny @network-io: socket() is EPERM (got %d)", rc);
	const char *b[] = { BASE, "--", "/usr/bin/python3", "-c", code, NULL };
	rc = run(out, sizeof(out), err, sizeof(err), b);
	tap_ok(rc == 0, "without the deny socket() works (got %d) %s", rc, err);
	/* action kill: a denied syscall kills the plugin with SIGSYS */
	const char *c[] = { BASE, "--action", "kill", "--deny", "getcwd", "--", "/usr/bin/python3",
			    "-c", "import os; os.getcwd()", NULL };
	rc = run(out, sizeof(out), err, sizeof(err), c);
	tap_ok(rc == 128 + SIGSYS, "seccomp.action kill: SIGSYS -> %d (got %d)", 128 + SIGSYS, rc);
}

static void t_nproc(void)
{
	char out[4096], err[4096];
	const char *a[] = { BASE, "--nproc", "1", "--", "/bin/true", NULL };
	int rc = run(out, sizeof(out), err, sizeof(err), a);
	tap_ok(rc == 125 && strstr(err, "start the plugin") != NULL,
	       "limits.nproc 1: the plugin cannot even be started -> 125 (got %d) %s", rc, err);
}

static void t_signal_status(void)
{
	char out[4096], err[4096];
	const char *a[] = { BASE, "--", "/bin/sh", "-c", "kill -USR1 $$", NULL };
	int rc = run(out, sizeof(out), err, sizeof(err), a);
	tap_ok(rc == 128 + SIGUSR1, "plugin killed by SIGUSR1 -> %d (got %d)", 128 + SIGUSR1, rc);
}

/* In the confined runner: the validation thread starts and judges a
 * frame handed to it. */
static bool confined_thread_works(void)
{
	struct canon_worker *w = canon_worker_new();
	struct framer f;
	struct framer_offload job;
	struct framer_verdict v;
	char *m;
	size_t len;
	bool good = false;

	if (!w)
		return false;
	framer_init(&f, FRAMER_CANON, 1u << 20, 64);
	framer_push(&f, "{\"a\": [1, 2", strlen("{\"a\": [1, 2"));
	if (framer_next(&f, &m, &len) == FRAME_NEED_MORE && framer_offload_begin(&f, 1, 4096, &job)) {
		canon_worker_give(w, &job);
		framer_push(&f, "]}", 2);
		canon_worker_more(w, framer_offload_avail(&f), true);
		struct pollfd p = { .fd = canon_worker_fd(w), .events = POLLIN };
		if (poll(&p, 1, 5000) == 1 && canon_worker_take(w, &v)) {
			framer_offload_end(&f, &v);
			good = framer_next(&f, &m, &len) == FRAME_READY && len == 11 &&
			       memcmp(m, "{\"a\":[1,2]}", 11) == 0;
		}
	}
	canon_worker_free(w);
	framer_free(&f);
	return good;
}

#if !defined(PR_SANITIZED)
/* In the confined runner: clone for anything but a plain thread fails.
 * Should one succeed, the child leaves at once. */
static int confined_clone_refused(void)
{
	const unsigned long thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM |
				     CLONE_SIGHAND | CLONE_THREAD | CLONE_SETTLS |
				     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	int code = 0;
	long r = syscall(SYS_clone, (unsigned long)SIGCHLD, 0L, 0L, 0L, 0L);
	if (r == 0)
		_exit(0);
	long r2 = syscall(SYS_clone, (unsigned long)(CLONE_VM | CLONE_VFORK | SIGCHLD), 0L, 0L, 0L, 0L);
	if (r2 == 0)
		_exit(0);
	if (r >= 0 || r2 >= 0)
		code |= 128;
	/* with namespace flags the kernel would refuse CLONE_THREAD anyway
	 * (EINVAL); the filter must refuse it first (EPERM) */
	errno = 0;
	r = syscall(SYS_clone, thread | CLONE_NEWUSER, 0L, 0L, 0L, 0L);
	if (r >= 0 || errno != EPERM)
		code |= 256;
	struct clone_args { unsigned long long flags, pidfd, child_tid, parent_tid,
			    exit_signal, stack, stack_size, tls; } ca = { .exit_signal = SIGCHLD };
	errno = 0;
	r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r == 0)
		_exit(0);
	if (r >= 0 || errno != ENOSYS)
		code |= 512;
	return code;
}
#endif

/* In the confined runner: a big message goes to the host's pipe by
 * reference, not by falling back to a copy. */
static bool confined_lend_works(void)
{
	int p[2];
	if (pipe2(p, O_NONBLOCK) < 0)
		return false;
	struct buf b;
	buf_init(&b);
	memset(buf_tail(&b, 4u << 20), 'x', 4u << 20);
	buf_commit(&b, 4u << 20);
	bool lent = buf_flush_lend(p[1], &b, NULL) == 0 && b.lent;
	char got[4096];
	lent = lent && read(p[0], got, sizeof(got)) == (ssize_t)sizeof(got) && got[4095] == 'x';
	buf_free(&b);
	close(p[0]);
	close(p[1]);
	return lent;
}

/* spawn_confine_runner: connect() to a unix socket still works, open()
 * does not. Run in a child so this process stays unconfined. */
static void t_confine(void)
{
	char dir[] = "/tmp/test-spawn-XXXXXX";
	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		return;
	}
	char path[100];
	snprintf(path, sizeof(path), "%s/sock", dir);
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	bind(ls, (struct sockaddr *)&sa, sizeof(sa));
	chmod(path, 0600);
	listen(ls, 4);
	/* The findings come back on a pipe: an exit status keeps only 8 of
	 * their bits. */
	int rp[2];
	if (pipe(rp) < 0) {
		tap_ok(0, "pipe");
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(rp[0]);
		struct policy pol;
		pol_init(&pol);
		struct launch l = { .pol = &pol };
		spawn_confine_runner(&l);
		int code = 0;
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			code |= 1;
		else if (write(s, "x", 1) != 1)
			code |= 2;
		if (open("/etc/passwd", O_RDONLY) >= 0)
			code |= 4;
		if (socket(AF_INET, SOCK_STREAM, 0) >= 0)
			code |= 8;
		pid_t forked = fork();	/* succeeds where the filter only logs (SAN) */
		if (forked == 0)
			_exit(0);	/* the copy must not report too */
		if (forked >= 0)
			code |= 16;
		if (kill(1, 0) == 0 || kill(getppid(), 0) == 0)
			code |= 32;
		if (!confined_thread_works())
			code |= 64;
		if (!confined_lend_works())
			code |= 1024;
		if (prctl(PR_SET_NAME, "pr-test", 0, 0, 0) != 0)
			code |= 2048;
#if !defined(PR_SANITIZED)
		/* the filter only logs in sanitizer builds: these would run */
		code |= confined_clone_refused();
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0 || errno != EPERM)
			code |= 4096;
#endif
		_exit(write(rp[1], &code, sizeof(code)) == sizeof(code) ? 0 : 1);
	}
	close(rp[1]);
	int st, code = -1;
	if (read(rp[0], &code, sizeof(code)) != sizeof(code))
		code = -1;	/* the child died before it could say: every check fails */
	close(rp[0]);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		code = -1;
	tap_ok(!(code & 1), "confined runner can connect() to a 0600 unix socket (code %d)", code);
	tap_ok(!(code & 2), "and write to it");
	tap_ok(!(code & 4), "confined runner cannot open /etc/passwd");
#if defined(PR_SANITIZED)
	/* the runner's filter only logs in sanitizer builds (STYLE C17) */
	tap_ok(1, "# skip sanitized build: AF_INET socket");
	tap_ok(1, "# skip sanitized build: fork");
	tap_ok(1, "# skip sanitized build: kill");
#else
	tap_ok(!(code & 8), "confined runner cannot create an AF_INET socket");
	tap_ok(!(code & 16), "confined runner cannot fork");
	tap_ok(!(code & 32), "confined runner cannot signal anything but the reaper");
	tap_ok(!(code & 128), "confined runner cannot clone a process (fork's flags, or vfork's)");
	tap_ok(!(code & 256), "confined runner cannot clone a thread into new namespaces");
	tap_ok(!(code & 512), "confined runner: clone3 says ENOSYS (its flags cannot be checked)");
	tap_ok(!(code & 4096), "confined runner: any prctl but PR_SET_NAME is refused");
#endif
	tap_ok(!(code & 64), "confined runner can start the validation thread, and it judges a frame");
	tap_ok(!(code & 1024), "confined runner can lend a big message's pages to a pipe (vmsplice)");
	tap_ok(!(code & 2048), "confined runner can name a thread (prctl PR_SET_NAME)");
	close(ls);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--run") == 0)
		return run_mode(argc, argv);
	if (!realpath("/proc/self/exe", self))
		return 1;
	t_basic();
	t_noent();
	t_sha();
	t_unknown_syscall();
	t_signal_status();
	t_policy_groups();
	t_nproc();
	t_confine();
	t_confined_before_relay();
	return tap_done();
}
