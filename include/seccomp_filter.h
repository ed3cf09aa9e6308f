/* seccomp_filter.h - seccomp filters built from named syscall groups
 * (STYLE C9), compiled to classic BPF programs (bpfgen.h). The child's
 * programs are compiled before clone (STYLE P4), so a policy error (an
 * unknown syscall name dies with 125) surfaces before anything changes;
 * the child loads them as the last step before exec. */
#ifndef PR_SECCOMP_FILTER_H
#define PR_SECCOMP_FILTER_H

#include <jansson.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <sys/types.h>
#include "bpfgen.h"
#include "policy.h"

/* The plugin's ONE filter: the built-in allowlist adjusted by
 * sandbox.seccomp allow/deny, the fixed rules, and in front of them ioctl
 * TIOCSTI/TIOCLINUX -> EPERM on the low 32 bits of cmd. out->filter is
 * malloc'd (free it). */
void seccomp_filter_plugin_prog(const struct policy *p, struct sock_fprog *out);

/* The pid-1 reaper's filter: waiting, forwarding signals, exiting. */
void seccomp_filter_reaper_prog(struct sock_fprog *out);

/* The relay's own filter (read/write/poll/accept/connect/...); kill() only
 * to `reaper` (0: no kill at all), tgkill() only to ourselves. */
void seccomp_filter_runner_prog(pid_t reaper, struct sock_fprog *out);

/* The rule lists behind the three programs (without the plugin's ioctl
 * prefix), each returning its default action: what the tests compile
 * with libseccomp too, to check every decision of ours against it. */
uint32_t seccomp_filter_plugin_rules(const struct policy *p, struct bpf_rules *rs);
uint32_t seccomp_filter_reaper_rules(struct bpf_rules *rs);
uint32_t seccomp_filter_runner_rules(pid_t reaper, struct bpf_rules *rs);

/* seccomp(SECCOMP_SET_MODE_FILTER) of a compiled program; no_new_privs must
 * be set. The _prog form returns 0 or -errno (for the plugin, whose error
 * travels to the runner); the other dies. */
int seccomp_filter_load_prog(const struct sock_fprog *prog);
void seccomp_filter_load(const struct sock_fprog *prog, const char *what);

/* Summary for `check`: default action, groups, allow/deny, fixed rules. */
void seccomp_filter_describe(const struct policy *p, json_t *out);

#endif
