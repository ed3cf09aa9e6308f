/* util.h - allocation that dies on OOM, cleanup attributes, fd helpers,
 * EINTR-safe I/O, size parsing. Knows nothing about policy or protocol. */
#ifndef PR_UTIL_H
#define PR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
#define _cleanup_free_  __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))
#define steal_fd(p) ({ int _f = *(p); *(p) = -1; _f; })
#define steal_ptr(p) ({ __typeof__(*(p)) _v = *(p); *(p) = NULL; _v; })
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Seeded hashing for the tables keyed by peer bytes (canon.c's duplicate
 * keys, pending.c's ids). The seed comes from ASLR'd addresses: an attacker
 * cannot precompute colliding keys, and no syscall is needed (the runner
 * may be confined by then). */
uint64_t hash_seed(void);
static inline uint64_t hash_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 31;
	return x;
}
/* hash_mix() over p[0..n), seeded. */
uint64_t hash_bytes(const void *p, size_t n);

/* Write all of buf, retrying on EINTR and short writes (blocking fds). */
int write_all(int fd, const void *buf, size_t len);
/* Read a whole (small) file from fd into a NUL-terminated buffer. */
char *read_fd_all(int fd, size_t max, size_t *len);
/* One read(2) on a non-blocking fd: the bytes read; 0 at EOF or on an
 * error (that direction is over); -1 when nothing is there now. */
ssize_t read_some(int fd, void *buf, size_t len);
int set_nonblock(int fd, bool on);
int set_cloexec(int fd, bool on);

/* "64M", "2G", "1024", "0" -> bytes. Suffixes K M G T (powers of 1024).
 * Returns -1 on a malformed or overflowing value. */
int parse_size(const char *s, uint64_t *out);

/* lower-case hex SHA-256 of everything readable from fd (from its current
 * offset), 65 bytes with the NUL. Returns -1 on a read error. */
int sha256_fd(int fd, char hex[65]);
void sha256_buf(const void *buf, size_t len, char hex[65]);

/* The value of one hex digit [0-9a-fA-F], or -1. */
int hexval(char c);

/* fnmatch(3) glob match with no special treatment of '/' or '.'. */
bool glob_match(const char *pattern, const char *name);

#endif
