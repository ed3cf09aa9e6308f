/* seccomp_filter.h - libseccomp filters built from named syscall groups
 * (STYLE C9). Built before clone (STYLE P4) so a policy error surfaces
 * before anything changes; loaded as the last step before exec. */
#ifndef PR_SECCOMP_FILTER_H
#define PR_SECCOMP_FILTER_H

#include <jansson.h>
#include <seccomp.h>
#include <sys/types.h>
#include "policy.h"

/* The plugin's filter: built-in allowlist adjusted by sandbox.seccomp
 * allow/deny, then the fixed rules. An unknown name dies with 125. */
scmp_filter_ctx seccomp_filter_plugin(const struct policy *p);

/* Loaded BEFORE the plugin's filter (the other way round seccomp() would be
 * denied): default allow, ioctl TIOCSTI/TIOCLINUX -> EPERM on the low 32
 * bits of cmd. */
scmp_filter_ctx seccomp_filter_plugin_ioctl(void);

/* The pid-1 reaper's filter: waiting, forwarding signals, exiting. */
scmp_filter_ctx seccomp_filter_reaper(void);

/* The relay's own filter (read/write/poll/accept/connect/...); kill() only
 * to `reaper` (0: no kill at all), tgkill() only to ourselves. */
scmp_filter_ctx seccomp_filter_runner(pid_t reaper);

/* seccomp_load() and release; dies on failure. */
void seccomp_filter_load(scmp_filter_ctx ctx, const char *what);

/* Summary for `check`: default action, groups, allow/deny, fixed rules. */
void seccomp_filter_describe(const struct policy *p, json_t *out);

#endif
