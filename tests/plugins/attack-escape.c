/* attack-escape.c - a hostile plugin: tries to leave the sandbox in every
 * way tests/integration/30-escape.t knows, and prints one line per attack
 * on stderr: "ATTACK <name> blocked <detail>" or "ATTACK <name> ESCAPED
 * <detail>". Speaks no protocol; exits 0 when done.
 * Arguments (host paths and ids the test set up outside the sandbox):
 *   --secret PATH     a hsm_secret-like file in the host lightning-dir
 *   --outside PATH    a file in the host's /tmp
 *   --rootfile PATH   a file in /root
 *   --rpc PATH        the host's real lightning-rpc socket
 *   --abstract NAME   an abstract unix socket the test listens on
 *   --tcp PORT        a TCP listener on 127.0.0.1
 *   --runner PID      the runner's host pid
 *   --marker TEXT     content the secret files hold
 * What it reads of its pid 1 (the runner's reaper) it also prints, as
 * "LEAK <name> <text>" lines, so the test can look for the runner's
 * environment in it.
 * Built without libraries (Makefile), so raw syscalls where libc has no
 * wrapper. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

static const char *secret, *outside, *rootfile, *rpc, *abstract_name, *marker = "PR-SECRET";
static int tcp_port;
static pid_t runner_pid;

static void report(const char *name, int escaped, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(const char *name, int escaped, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	dprintf(2, "ATTACK %s %s %s\n", name, escaped ? "ESCAPED" : "blocked", detail);
}

/* A syscall attack: success (>= 0) is an escape. */
static void sc(const char *name, long r)
{
	int e = errno;
	if (r >= 0)
		report(name, 1, "returned %ld", r);
	else
		report(name, 0, "%s", strerror(e));
}

/* Reading `path` and finding the marker is an escape. */
static int read_marker(const char *path, char *why, size_t n)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return 0;
	}
	ssize_t k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k < 0) {
		snprintf(why, n, "%s: read: %s", path, strerror(errno));
		return 0;
	}
	buf[k] = '\0';
	snprintf(why, n, "%s: read %zd bytes", path, k);
	return strstr(buf, marker) != NULL;
}

static void a_files(void)
{
	char w1[300], w2[300];
	int esc = read_marker("hsm_secret", w1, sizeof(w1));
	esc |= read_marker(secret, w2, sizeof(w2));
	report("read-secret", esc, "%s; %s", w1, w2);
	esc = read_marker(outside, w1, sizeof(w1));
	report("read-tmp-outside", esc, "%s", w1);
	esc = read_marker(rootfile, w1, sizeof(w1));
	report("read-root-file", esc, "%s", w1);
	/* the granted read-only entry: readable (a sanity line), never
	 * writable */
	dprintf(2, "CHECK lightning-dir-grant-readable %s\n",
		read_marker("config", w1, sizeof(w1)) ? "ok" : "failed");
	int fd = open("config", O_WRONLY | O_APPEND | O_CLOEXEC);
	sc("write-granted-readonly", fd);
	if (fd >= 0)
		close(fd);
	fd = open("/usr/pr-attack-file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	sc("write-usr-create", fd);
	fd = open("/usr/bin/env", O_WRONLY | O_CLOEXEC);
	sc("write-usr-existing", fd);
	sc("mkdir-root", mkdir("/pr-attack-dir", 0755));
}

static void a_sockets(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", rpc);
	int r = connect(s, (struct sockaddr *)&sa, sizeof(sa));
	sc("connect-real-rpc", r);
	close(s);

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	size_t n = strlen(abstract_name);
	memcpy(sa.sun_path + 1, abstract_name, n);
	r = connect(s, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n));
	sc("connect-abstract-unix", r);
	close(s);

	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t)tcp_port) };
	inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r = s < 0 ? -1 : connect(s, (struct sockaddr *)&in, sizeof(in));
	sc("tcp-connect-localhost", r);
	if (s >= 0)
		close(s);

	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	sc("socket-af-packet", s);
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0 /* NETLINK_ROUTE */);
	sc("socket-af-netlink", s);
}

static void a_pids(void)
{
	DIR *d = opendir("/proc");
	int count = 0, seen_runner = 0;
	char list[256] = "";
	struct dirent *de;
	if (!d) {
		report("proc-host-pids", 0, "opendir /proc: %s", strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		count++;
		if (pid == runner_pid)
			seen_runner = 1;
		size_t l = strlen(list);
		if (l < sizeof(list) - 12)
			snprintf(list + l, sizeof(list) - l, " %ld", pid);
	}
	closedir(d);
	report("proc-host-pids", seen_runner || count > 8, "%d pids:%s", count, list);

	/* pid 1 is our reaper: SIGKILL from inside the namespace is dropped
	 * (if it were not, we would die with it and this line would be
	 * missing) */
	kill(1, SIGKILL);
	usleep(100000);
	report("kill-pid1", 0, "still alive after kill(1, SIGKILL)");
	sc("kill-runner", kill(runner_pid, SIGKILL));
	sc("kill-runner-sigterm", kill(runner_pid, SIGTERM));
	sc("ptrace-parent", ptrace(PTRACE_ATTACH, getppid(), 0, 0));
	sc("ptrace-runner", ptrace(PTRACE_ATTACH, runner_pid, 0, 0));
	sc("ptrace-pid1", ptrace(PTRACE_ATTACH, 1, 0, 0));
	char buf[16];
	struct iovec local = { buf, sizeof(buf) }, remote = { (void *)0x400000, sizeof(buf) };
	sc("process-vm-readv", syscall(SYS_process_vm_readv, 1, &local, 1, &remote, 1, 0));
}

/* Print the printable runs of 4 or more bytes of buf, one LEAK line each. */
static void leak(const char *name, const char *buf, size_t n)
{
	int lines = 0;
	for (size_t i = 0; i < n && lines < 2000;) {
		while (i < n && !isprint((unsigned char)buf[i]))
			i++;
		size_t s = i;
		while (i < n && isprint((unsigned char)buf[i]))
			i++;
		if (i - s >= 4) {
			dprintf(2, "LEAK %s %.*s\n", name, (int)(i - s > 400 ? 400 : i - s), buf + s);
			lines++;
		}
	}
}

/* Read up to n bytes of `path` into buf; -errno when it cannot. */
static ssize_t slurp(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, buf + got, n - got);
		if (k < 0) {
			k = -errno;
			close(fd);
			return got ? (ssize_t)got : k;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	return (ssize_t)got;
}

/* Our pid 1 is the runner's reaper: a copy of the runner's memory, with
 * the host's environment in it. /proc/1/environ, maps and mem must give
 * nothing; our own /proc/self must stay readable (a sanity line). */
static void a_reaper(void)
{
	static char buf[1 << 16];
	ssize_t k = slurp("/proc/1/environ", buf, sizeof(buf));
	size_t nonzero = 0;
	for (ssize_t i = 0; i < k; i++)
		nonzero += buf[i] != 0;
	report("proc1-environ", nonzero > 0, "%zd bytes, %zu not NUL%s%s", k < 0 ? 0 : k,
	       nonzero, k < 0 ? ": " : "", k < 0 ? strerror((int)-k) : "");
	if (k > 0)
		leak("proc1-environ", buf, (size_t)k);

	unsigned long first = 0, env_start = 0, env_end = 0;
	k = slurp("/proc/1/maps", buf, sizeof(buf) - 1);
	report("proc1-maps", k > 0, "%zd bytes%s%s", k < 0 ? 0 : k, k < 0 ? ": " : "",
	       k < 0 ? strerror((int)-k) : "");
	if (k > 0) {
		buf[k] = '\0';
		first = strtoul(buf, NULL, 16);
		leak("proc1-maps", buf, (size_t)k);
	}
	/* where the environment lies (fields 50, 51), when we may see it */
	k = slurp("/proc/1/stat", buf, sizeof(buf) - 1);
	char *p = k > 0 ? (buf[k] = '\0', strrchr(buf, ')')) : NULL;
	for (int field = 2; p && *p && field < 51; field++) {
		p = strchr(p + 1, ' ');
		if (p && field + 1 == 50)
			env_start = strtoul(p + 1, NULL, 10);
		if (p && field + 1 == 51)
			env_end = strtoul(p + 1, NULL, 10);
	}
	int fd = open("/proc/1/mem", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		report("proc1-mem", 0, "open: %s", strerror(errno));
	} else {
		unsigned long at = env_start ? env_start : first;
		size_t len = env_start && env_end > env_start ? env_end - env_start : 4096;
		if (len > sizeof(buf))
			len = sizeof(buf);
		k = pread(fd, buf, len, (off_t)at);
		report("proc1-mem", 1, "opened; pread %zu at 0x%lx: %zd %s", len, at, k,
		       k < 0 ? strerror(errno) : "bytes");
		if (k > 0)
			leak("proc1-mem", buf, (size_t)k);
		close(fd);
	}

	k = slurp("/proc/self/environ", buf, sizeof(buf));
	fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	dprintf(2, "CHECK own-proc-readable %s (environ %zd, mem %s)\n",
		k > 0 && fd >= 0 ? "ok" : "failed", k, fd >= 0 ? "opened" : strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void a_kernel(void)
{
	sc("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
	sc("unshare-user", unshare(CLONE_NEWUSER));
	sc("unshare-mount", unshare(CLONE_NEWNS));
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	sc("clone-newuser", r);
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	sc("setns", syscall(SYS_setns, fd, 0));
	if (fd >= 0)
		close(fd);
	sc("keyctl", syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* SESSION */, 1));
	union bpf_attr ba;
	memset(&ba, 0, sizeof(ba));
	ba.map_type = BPF_MAP_TYPE_ARRAY;
	ba.key_size = 4;
	ba.value_size = 4;
	ba.max_entries = 1;
	sc("bpf", syscall(SYS_bpf, BPF_MAP_CREATE, &ba, sizeof(ba)));
	sc("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC));
	struct perf_event_attr pa;
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.config = PERF_COUNT_SW_CPU_CLOCK;
	sc("perf_event_open", syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0));
	char params[120];
	memset(params, 0, sizeof(params));
	sc("io_uring_setup", syscall(425 /* io_uring_setup */, 4, params));
	struct { unsigned int bytes; int type; unsigned char h[8]; } fh = { 8, 1, { 0 } };
	sc("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY));
	sc("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	sc("init_module", syscall(SYS_init_module, "", 0, ""));
	fd = open("/usr/bin/env", O_RDONLY | O_CLOEXEC);
	sc("finit_module", syscall(SYS_finit_module, fd, "", 0));
	if (fd >= 0)
		close(fd);
	sc("chroot", chroot("/tmp"));
	sc("mknod-device", mknod("/tmp/pr-null", S_IFCHR | 0666, makedev(1, 3)));
	sc("sethostname", sethostname("pwned", 5));
}

static void a_tty(void)
{
	/* Without a filter these would fail with ENOTTY (stdin is a pipe);
	 * only EPERM shows the filter caught them. */
	char c = 'x';
	long r = ioctl(0, TIOCSTI, &c);
	report("ioctl-tiocsti", r >= 0 || errno != EPERM, "%s", strerror(errno));
	r = syscall(SYS_ioctl, 0, 0xffffffff00005412UL, &c);
	report("ioctl-tiocsti-highbits", r >= 0 || errno != EPERM, "%s", strerror(errno));
	r = syscall(SYS_ioctl, 0, 0x541CUL /* TIOCLINUX */, &c);
	report("ioctl-tioclinux", r >= 0 || errno != EPERM, "%s", strerror(errno));
	/* not a tty of ours either: setsid() took the controlling one */
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	sc("open-dev-tty", fd);
}

static void a_personality(void)
{
	long r = syscall(SYS_personality, READ_IMPLIES_EXEC);
	sc("personality-read-implies-exec", r);
	r = syscall(SYS_personality, ADDR_NO_RANDOMIZE);
	sc("personality-addr-no-randomize", r);
	r = syscall(SYS_personality, 0xffffffffUL);
	/* the query must keep working (not an attack: a sanity line) */
	dprintf(2, "CHECK personality-query %s\n", r >= 0 ? "ok" : "failed");
}

static long status_hex(const char *key)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *p = strstr(buf, key);
	if (!p)
		return -1;
	return strtol(p + strlen(key), NULL, 16);
}

static void a_privs(void)
{
	sc("setuid-0", setuid(0));
	sc("setresuid-0", setresuid(0, 0, 0));
	struct { unsigned int version; int pid; } hdr = { 0x20080522, 0 };
	struct { unsigned int eff, prm, inh; } data[2] = {
		{ 0xffffffff, 0xffffffff, 0 }, { 0xffffffff, 0xffffffff, 0 } };
	sc("capset", syscall(SYS_capset, &hdr, data));
	static const char *const keys[] = { "CapInh:\t", "CapPrm:\t", "CapEff:\t", "CapBnd:\t",
					    "CapAmb:\t" };
	char detail[200] = "";
	int esc = 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		long v = status_hex(keys[i]);
		size_t l = strlen(detail);
		snprintf(detail + l, sizeof(detail) - l, "%.6s%lx ", keys[i], v);
		esc |= v != 0;
	}
	report("capabilities", esc, "%s", detail);
	long nnp = strtol("0", NULL, 10);
	nnp = status_hex("NoNewPrivs:\t");
	report("no-new-privs", nnp != 1, "NoNewPrivs %ld", nnp);
	report("uid-0", getuid() == 0 || geteuid() == 0, "uid %d euid %d", (int)getuid(),
	       (int)geteuid());
}

static void a_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	char list[256] = "";
	int esc = 0;
	struct dirent *de;
	if (!d) {
		report("fd-above-2", 1, "cannot list /proc/self/fd: %s", strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		int fd = atoi(de->d_name);
		if (fd == dirfd(d))
			continue;
		size_t l = strlen(list);
		snprintf(list + l, sizeof(list) - l, " %d", fd);
		esc |= fd > 2;
	}
	closedir(d);
	report("fd-above-2", esc, "open fds:%s", list);
}

static void a_forkbomb(void)
{
	static pid_t kids[100000];
	int n = 0, err = 0;
	/* Children pause; the limit must stop us long before 100000. */
	while (n < (int)(sizeof(kids) / sizeof(kids[0]))) {
		pid_t p = fork();
		if (p < 0) {
			err = errno;
			break;
		}
		if (p == 0) {
			pause();
			_exit(0);
		}
		kids[n++] = p;
	}
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	report("fork-bomb", err == 0 || n > 1000, "%d forks, then %s", n, strerror(err));
}

static void a_memory(void)
{
	/* The policy's `as` limit is 1G: an 8G mapping must fail. */
	void *p = mmap(NULL, 8UL << 30, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	report("memory-beyond-as", p != MAP_FAILED, "mmap 8G: %s",
	       p == MAP_FAILED ? strerror(errno) : "succeeded");
	if (p != MAP_FAILED)
		munmap(p, 8UL << 30);
}

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		if (!strcmp(o, "--secret"))
			secret = v;
		else if (!strcmp(o, "--outside"))
			outside = v;
		else if (!strcmp(o, "--rootfile"))
			rootfile = v;
		else if (!strcmp(o, "--rpc"))
			rpc = v;
		else if (!strcmp(o, "--abstract"))
			abstract_name = v;
		else if (!strcmp(o, "--tcp"))
			tcp_port = atoi(v);
		else if (!strcmp(o, "--runner"))
			runner_pid = atoi(v);
		else if (!strcmp(o, "--marker"))
			marker = v;
	}
	if (!secret || !outside || !rootfile || !rpc || !abstract_name || !tcp_port || !runner_pid) {
		dprintf(2, "attack-escape: missing arguments\n");
		return 2;
	}
	a_files();
	a_sockets();
	a_pids();
	a_reaper();
	a_kernel();
	a_tty();
	a_personality();
	a_privs();
	a_fds();
	a_memory();
	a_forkbomb();
	dprintf(2, "ATTACKS DONE\n");
	return 0;
}
