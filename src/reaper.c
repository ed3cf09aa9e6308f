/* reaper.c - pid 1 of the plugin's pid namespace (bubblewrap's do_init):
 * forwards the signals a supervisor sends to the plugin, reaps orphans the
 * plugin leaves behind, and exits with the plugin's status (128+N when it
 * died of signal N); its exit tears the whole namespace down.
 * It keeps nothing of the host's environment (the plugin, started from its
 * memory, must not find it there).
 * Must not: touch privileges or the filesystem (it runs confined, after
 * every sandbox layer and under its own seccomp filter).
 * Called by: spawn.c, in the sandbox child before and after starting the
 * plugin. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "reaper.h"

/* What relay.c forwards (its signal_fd()): one missing here would be lost,
 * since pid 1 of a namespace ignores what it neither handles nor blocks. */
static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

static void reaper_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(set, forwarded[i]);
	sigaddset(set, SIGCHLD);
}

/* The mask we were started with: what the plugin gets back. */
static sigset_t saved_mask;

void reaper_block_signals(void)
{
	sigset_t set;

	reaper_set(&set);
	sigprocmask(SIG_BLOCK, &set, &saved_mask);
}

void reaper_unblock_signals(void)
{
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
}

void reaper_forget_environment(void)
{
	/* clearenv() alone drops the array, not the strings: they would
	 * stay where /proc/1/environ and /proc/1/mem read them. */
	for (char **e = environ; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
	clearenv();
}

/* Reap everything that is ready; true once the plugin itself is gone. */
static bool reap(pid_t plugin, int *code)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p <= 0)
			return false;
		if (p != plugin)
			continue;	/* an orphan: reaped, nothing else */
		if (WIFEXITED(st))
			*code = WEXITSTATUS(st);
		else if (WIFSIGNALED(st))
			*code = 128 + WTERMSIG(st);
		else
			continue;
		return true;
	}
}

_Noreturn void reaper_run(pid_t plugin)
{
	sigset_t set;
	int code = 0;

	/* Signals stay blocked and are taken synchronously: pid 1 only gets
	 * signals it has a disposition for, and a blocked+waited set counts. */
	reaper_set(&set);
	for (;;) {
		if (reap(plugin, &code))
			_exit(code);
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			_exit(125);
		}
		if (sig != SIGCHLD)
			kill(plugin, sig);
	}
}
