/* tap.h - a minimal TAP producer for the C unit tests (run by prove). */
#ifndef PR_TAP_H
#define PR_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int tap_n, tap_failed;

static inline void tap_ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
}

static inline void tap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* A test this machine cannot run, counted as passed with the reason. */
static inline void tap_skip(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void tap_skip(const char *fmt, ...)
{
	va_list ap;
	printf("ok %d # SKIP ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Seconds on the monotonic clock, for the figures some tests print
 * (never asserted on). */
static inline double tap_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A number below n from the xorshift generator *state (never 0): the
 * random tests' inputs, the same on every run. */
static inline unsigned tap_rnd(unsigned long long *state, unsigned n)
{
	unsigned long long x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (unsigned)(x % n);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)
#define is_int(a, b, ...) do { long long _a = (a), _b = (b); \
	tap_ok(_a == _b, __VA_ARGS__); \
	if (_a != _b) tap_diag("  got %lld, want %lld", _a, _b); } while (0)
#define is_str(a, b, ...) do { const char *_a = (a), *_b = (b); \
	int _eq = _a && _b ? strcmp(_a, _b) == 0 : _a == _b; \
	tap_ok(_eq, __VA_ARGS__); \
	if (!_eq) tap_diag("  got '%s', want '%s'", _a ? _a : "(null)", _b ? _b : "(null)"); } while (0)

#endif
