/* log.h - the runner's only voice: one line per event on stderr (fd 2), and
 * denials/drops mirrored to the host as rate-limited `log` notifications.
 * stdout belongs to the protocol: nothing here ever writes fd 1. */
#ifndef PR_LOG_H
#define PR_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* name: the plugin's short name for the prefix ("plugin-runner: NAME: ").
 * verbosity: LOG_INFO by default, LOG_DEBUG with --verbose. */
void log_init(const char *name, enum log_level verbosity);
void log_set_name(const char *name);
enum log_level log_verbosity(void);

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* A denial, drop or rewrite: logged on stderr and handed to the host sink
 * (a `log` notification at level warn), which the relay rate-limits. */
void log_deny(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
typedef void (*log_host_sink)(const char *line, void *arg);
void log_set_host_sink(log_host_sink sink, void *arg);

/* Print "plugin-runner: NAME: WHAT" on stderr and exit with `code`.
 * Callers put the fix in parentheses at the end of the message. */
_Noreturn void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same, with ": strerror(errno)" appended before the optional fix. */
_Noreturn void die_errno(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
