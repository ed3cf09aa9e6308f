/* util.c - allocation that dies on OOM, EINTR-safe I/O, small parsers.
 * Knows nothing about policy or protocol. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "exitcodes.h"
#include "log.h"
#include "util.h"

static _Noreturn void die_oom(void)
{
	die(PR_EXIT_RUNNER, "out of memory");
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die_oom();
	return p;
}

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (!p)
		die_oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die_oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		die_oom();
	return d;
}

char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (!d)
		die_oom();
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		die_oom();
	return s;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

char *read_fd_all(int fd, size_t max, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *b = xmalloc(cap + 1);
	for (;;) {
		if (len == cap) {
			if (cap >= max) {
				free(b);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			b = xrealloc(b, cap + 1);
		}
		ssize_t r = read(fd, b + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(b);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > max) {
		free(b);
		errno = EFBIG;
		return NULL;
	}
	b[len] = '\0';
	if (lenp)
		*lenp = len;
	return b;
}

ssize_t read_some(int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -1 : 0;
	return n;
}

int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

int set_cloexec(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFD);
	if (fl < 0)
		return -1;
	fl = on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC;
	return fcntl(fd, F_SETFD, fl);
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case '\0': break;
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	default: return -1;
	}
	if (*end != '\0')
		return -1;
	if (shift && v > (ULLONG_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static void sha256_hex(SHA2_CTX *ctx, char hex[65])
{
	uint8_t d[SHA256_DIGEST_LENGTH];
	SHA256Final(d, ctx);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

int sha256_fd(int fd, char hex[65])
{
	SHA2_CTX ctx;
	char b[65536];
	SHA256Init(&ctx);
	for (;;) {
		ssize_t r = read(fd, b, sizeof(b));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		SHA256Update(&ctx, (const uint8_t *)b, (size_t)r);
	}
	sha256_hex(&ctx, hex);
	return 0;
}

void sha256_buf(const void *buf, size_t len, char hex[65])
{
	SHA2_CTX ctx;
	SHA256Init(&ctx);
	SHA256Update(&ctx, buf, len);
	sha256_hex(&ctx, hex);
}

int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool glob_match(const char *pattern, const char *name)
{
	return fnmatch(pattern, name, 0) == 0;
}

uint64_t hash_seed(void)
{
	static uint64_t seed;
	if (!seed) {
		uint64_t s = (uint64_t)(uintptr_t)&seed * 0x9E3779B97F4A7C15ull;
		s ^= (uint64_t)(uintptr_t)&s >> 4;
		s ^= (uint64_t)(uintptr_t)hash_seed * 0xC2B2AE3D27D4EB4Full;
		seed = s | 1;
	}
	return seed;
}

uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = hash_seed() ^ (n * 0x9E3779B97F4A7C15ull), v;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&v, b + i, 8);
		h = hash_mix(h ^ v);
	}
	if (i < n) {
		v = 0;
		for (size_t j = 0; i + j < n; j++)
			v |= (uint64_t)b[i + j] << (8 * j);
		h = hash_mix(h ^ v ^ UINT64_C(0xA5A5A5A5A5A5A5A5));
	}
	return h;
}
