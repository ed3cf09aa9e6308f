/* reaper.h - the pid-1 process of the plugin's pid namespace. */
#ifndef PR_REAPER_H
#define PR_REAPER_H

#include <sys/types.h>

/* Block the forwarded signals; call before fork() so none is lost. */
void reaper_block_signals(void);
/* In the fork()ed plugin: restore the mask from before the block. */
void reaper_unblock_signals(void);

/* Wipe the host's environment from our memory (the strings, not only the
 * array) and clear it: the reaper needs none. The plugin's envp must not
 * point into it (spawn.h). */
void reaper_forget_environment(void);

/* Forward SIGTERM/SIGINT/SIGHUP/SIGUSR1/SIGUSR2 to `plugin`, reap every
 * orphan, and exit with the plugin's status (128+N for signal N). */
_Noreturn void reaper_run(pid_t plugin);

#endif
