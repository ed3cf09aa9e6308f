/* log.c - one line per event on stderr, written with a single write(2) so
 * lines from the runner never interleave mid-line. Never touches fd 1.
 * Denials also go to a host sink (set by the relay) that turns them into
 * rate-limited `log` notifications. Called from every module. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"

static char log_name[128] = "?";
static enum log_level log_level_max = LOG_INFO;
static log_host_sink host_sink;
static void *host_sink_arg;

void log_init(const char *name, enum log_level verbosity)
{
	log_set_name(name);
	log_level_max = verbosity;
}

void log_set_name(const char *name)
{
	snprintf(log_name, sizeof(log_name), "%s", name ? name : "?");
}

enum log_level log_verbosity(void)
{
	return log_level_max;
}

void log_set_host_sink(log_host_sink sink, void *arg)
{
	host_sink = sink;
	host_sink_arg = arg;
}

/* One line, and nothing a terminal acts on: a peer's strings are logged
 * (a method name, a topic), and an escape sequence in one could rewrite
 * what the operator sees. Newlines fold to spaces; other C0 controls, DEL
 * and the C1 controls U+0080-U+009F (UTF-8 C2 80-9F) become '?'. */
static void fold_controls(char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\n' || c == '\r')
			line[i] = ' ';
		else if (c < 0x20 || c == 0x7f)
			line[i] = '?';
		else if (c == 0xc2 && i + 1 < len &&
			 (unsigned char)line[i + 1] >= 0x80 && (unsigned char)line[i + 1] <= 0x9f)
			line[i] = line[i + 1] = '?';
	}
}

/* Format "plugin-runner: NAME: <msg>[: <strerror>]\n" and write it once. */
static void emit(const char *fmt, va_list ap, int err, char *line, size_t cap)
{
	int n = snprintf(line, cap, "plugin-runner: %s: ", log_name);
	if (n < 0 || (size_t)n >= cap)
		n = 0;
	int m = vsnprintf(line + n, cap - n, fmt, ap);
	size_t len = m < 0 ? (size_t)n : (size_t)n + (size_t)m;
	if (len > cap - 2)
		len = cap - 2;
	if (err) {
		/* Put ": strerror" before a trailing " (fix)" if there is one. */
		char tail[512] = "";
		char *fix = len && line[len - 1] == ')' ? strrchr(line, '(') : NULL;
		if (fix && fix > line && fix[-1] == ' ') {
			snprintf(tail, sizeof(tail), " %s", fix);
			len = (size_t)(fix - 1 - line);
		}
		int k = snprintf(line + len, cap - len, ": %s%s", strerror(err), tail);
		if (k > 0)
			len += (size_t)k;
		if (len > cap - 2)
			len = cap - 2;
	}
	fold_controls(line, len);
	line[len++] = '\n';
	ssize_t w;
	do {
		w = write(STDERR_FILENO, line, len);
	} while (w < 0 && errno == EINTR);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (lvl > log_level_max)
		return;
	int saved = errno;
	va_start(ap, fmt);
	emit(fmt, ap, 0, line, sizeof(line));
	va_end(ap);
	errno = saved;
}

void log_deny(const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	int saved = errno;
	va_start(ap, fmt);
	emit(fmt, ap, 0, line, sizeof(line));
	va_end(ap);
	if (host_sink) {
		char msg[2048];
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		host_sink(msg, host_sink_arg);
	}
	errno = saved;
}

_Noreturn void die(int code, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	emit(fmt, ap, 0, line, sizeof(line));
	va_end(ap);
	_exit(code);
}

_Noreturn void die_errno(int code, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	emit(fmt, ap, err, line, sizeof(line));
	va_end(ap);
	_exit(code);
}
