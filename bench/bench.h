/* bench.h - helpers shared by the bench programs: bench-plugin.c (the
 * minimal C plugin), bench-host.c (the host driver) and bench-relay.c (the
 * plain byte relay baseline).
 *
 * Header-only (everything static) so that each bench program is one .c file
 * built with one cc line. Must not include anything from src/ or include/:
 * the bench measures plugin-runner from the outside, as lightningd would.
 *
 * The JSON helpers here are deliberately tiny and NOT validating: every byte
 * they read was written by another bench program or by plugin-runner, both
 * of which emit compact JSON followed by "\n\n" (SPEC section 5). They must
 * stay cheap, because the driver's own parsing is inside the timed region. */
#ifndef BENCH_H
#define BENCH_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MSG_SEP		"\n\n"
#define MB		1000000.0	/* throughput is reported in 10^6 bytes/s */

static inline void __attribute__((noreturn, format(printf, 1, 2)))
bdie(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	fprintf(stderr, "bench[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (fmt[0] && fmt[strlen(fmt) - 1] == ':')
		fprintf(stderr, " %s", strerror(e));
	fputc('\n', stderr);
	exit(2);
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Blocking write of everything; dies on error (EPIPE included: a peer that
 * went away means the measurement failed). */
static inline void write_full(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			bdie("write fd %d:", fd);
		c += w;
		n -= (size_t)w;
	}
}

/* A growable byte buffer: data[off..len) is unconsumed. */
struct bbuf {
	char *p;
	size_t off, len, cap;
	size_t scan;		/* frame search resumes here (keeps framing O(n)) */
};

static inline void bbuf_reserve(struct bbuf *b, size_t want)
{
	if (b->off > 0 && b->off == b->len) {
		b->off = b->len = b->scan = 0;
	}
	if (b->cap - b->len >= want)
		return;
	if (b->off > 0) {		/* compact before growing */
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->scan -= b->off;
		b->off = 0;
		if (b->cap - b->len >= want)
			return;
	}
	size_t ncap = b->cap ? b->cap : 65536;
	while (ncap - b->len < want)
		ncap *= 2;
	b->p = realloc(b->p, ncap);
	if (!b->p)
		bdie("out of memory (%zu bytes)", ncap);
	b->cap = ncap;
}

/* Reserve room for n more bytes and touch every page of it now, so that a
 * timed transfer into b is not charged for this process's page faults
 * (about 2.4 ms per MB on this VM: more than a pipe copy). */
static inline void bbuf_prefault(struct bbuf *b, size_t n)
{
	bbuf_reserve(b, n);
	memset(b->p + b->len, 0, b->cap - b->len);
}

static inline void bbuf_add(struct bbuf *b, const void *d, size_t n)
{
	bbuf_reserve(b, n);
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static inline void __attribute__((format(printf, 2, 3)))
bbuf_printf(struct bbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	bbuf_reserve(b, 256);
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		bdie("vsnprintf");
	if ((size_t)n >= b->cap - b->len) {
		bbuf_reserve(b, (size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* One read() of up to `chunk` bytes appended to b. Returns bytes read, 0 on
 * EOF; dies on error. */
static inline size_t bbuf_read(struct bbuf *b, int fd, size_t chunk)
{
	ssize_t r;

	bbuf_reserve(b, chunk);
	do
		r = read(fd, b->p + b->len, b->cap - b->len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		bdie("read fd %d:", fd);
	b->len += (size_t)r;
	return (size_t)r;
}

/* Next complete message: the bytes before the next "\n\n". On success sets
 *msg and *mlen (leading whitespace skipped), consumes through the separator
 * and returns true. Scans each byte once however the message was chunked. */
static inline bool bbuf_frame(struct bbuf *b, const char **msg, size_t *mlen)
{
	for (;;) {
		size_t start = b->scan > b->off ? b->scan : b->off;
		char *nl;

		if (start >= b->len)
			return false;
		nl = memchr(b->p + start, '\n', b->len - start);
		if (!nl) {
			b->scan = b->len;
			return false;
		}
		size_t i = (size_t)(nl - b->p);

		if (i + 1 >= b->len) {		/* need one more byte */
			b->scan = i;
			return false;
		}
		if (b->p[i + 1] != '\n') {
			b->scan = i + 1;
			continue;
		}
		size_t s = b->off;

		while (s < i && (b->p[s] == ' ' || b->p[s] == '\n' ||
				 b->p[s] == '\r' || b->p[s] == '\t'))
			s++;
		b->off = i + 2;
		b->scan = b->off;
		if (s == i)		/* blank line between messages */
			continue;
		*msg = b->p + s;
		*mlen = i - s;
		return true;
	}
}

/* ---- minimal JSON navigation (compact, trusted input) ---- */

static inline const char *js_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* p at a '"': returns the byte after the closing quote, or NULL. */
static inline const char *js_skip_string(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Returns the byte after the value starting at p, or NULL if truncated. */
static inline const char *js_skip_value(const char *p, const char *e)
{
	int depth = 0;

	if (p >= e)
		return NULL;
	if (*p == '"')
		return js_skip_string(p, e);
	if (*p != '{' && *p != '[') {
		while (p < e && !strchr(",}] \n\r\t", *p))
			p++;
		return p;
	}
	while (p < e) {
		if (*p == '"') {
			p = js_skip_string(p, e);
			if (!p)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return NULL;
}

/* Find member `key` of the object at [p, e). Sets the raw value span (a
 * string keeps its quotes). Keys are compared as raw bytes. */
static inline bool js_member(const char *p, const char *e, const char *key,
		      const char **val, size_t *vlen)
{
	size_t klen = strlen(key);

	p = js_ws(p, e);
	if (p >= e || *p != '{')
		return false;
	p++;
	for (;;) {
		p = js_ws(p, e);
		if (p >= e || *p != '"')
			return false;
		const char *k = p + 1, *ke = js_skip_string(p, e);

		if (!ke)
			return false;
		bool match = (size_t)(ke - 1 - k) == klen && !memcmp(k, key, klen);

		p = js_ws(ke, e);
		if (p >= e || *p != ':')
			return false;
		p = js_ws(p + 1, e);
		const char *ve = js_skip_value(p, e);

		if (!ve)
			return false;
		if (match) {
			*val = p;
			*vlen = (size_t)(ve - p);
			return true;
		}
		p = js_ws(ve, e);
		if (p >= e || *p != ',')
			return false;
		p++;
	}
}

/* Member as a string without its quotes (no unescaping: callers only look
 * at ASCII names and paths). */
static inline bool js_member_str(const char *p, const char *e, const char *key,
			  const char **s, size_t *slen)
{
	const char *v;
	size_t vl;

	if (!js_member(p, e, key, &v, &vl) || vl < 2 || v[0] != '"')
		return false;
	*s = v + 1;
	*slen = vl - 2;
	return true;
}

static inline bool js_member_u64(const char *p, const char *e, const char *key,
			  uint64_t *out)
{
	const char *v;
	size_t vl;
	char tmp[32];

	if (!js_member(p, e, key, &v, &vl) || vl == 0 || vl >= sizeof(tmp))
		return false;
	memcpy(tmp, v, vl);
	tmp[vl] = '\0';
	char *end;

	errno = 0;
	*out = strtoull(tmp, &end, 10);
	return errno == 0 && *end == '\0';
}

static inline bool js_eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(s, lit, n);
}

/* ---- payload generators (deterministic, compact, canonical JSON) ----
 * Canonical here means: no whitespace, minimal escaping, plain integers,
 * so that a strict re-serialiser (plugin-runner's canon.c) outputs the very
 * same bytes and the driver can check sizes exactly. */

static inline void hexfill(char *out, size_t n, uint64_t seed)
{
	static const char hx[] = "0123456789abcdef";
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		out[i] = hx[x & 15];
	}
}

/* The result object of a big rpcmethod answer: {"items":[{...},...]} with
 * at least `target` bytes. */
static inline void gen_items(struct bbuf *b, size_t target)
{
	char h[65];
	size_t start = b->len;
	uint64_t i = 0;

	bbuf_add(b, "{\"items\":[", 10);
	do {
		hexfill(h, 64, i);
		h[64] = '\0';
		bbuf_printf(b, "%s{\"id\":%llu,\"label\":\"item %llu\","
			    "\"payment_hash\":\"%s\",\"amount_msat\":%llu,"
			    "\"status\":\"complete\",\"paid\":true}",
			    i ? "," : "", (unsigned long long)i,
			    (unsigned long long)i, h,
			    (unsigned long long)(i * 1000 + 1));
		i++;
	} while (b->len - start < target);
	bbuf_add(b, "]}", 2);
}

/* A listchannels result with at least `target` bytes, shaped like
 * lightningd's (doc/schemas/listchannels). */
static inline void gen_listchannels(struct bbuf *b, size_t target)
{
	char src[67], dst[67];
	size_t start = b->len;
	uint64_t i = 0;

	bbuf_add(b, "{\"channels\":[", 13);
	do {
		src[0] = '0', src[1] = '2';
		dst[0] = '0', dst[1] = '3';
		hexfill(src + 2, 64, i);
		hexfill(dst + 2, 64, i + 7);
		src[66] = dst[66] = '\0';
		bbuf_printf(b, "%s{\"source\":\"%s\",\"destination\":\"%s\","
			    "\"short_channel_id\":\"%llux%llux%llu\","
			    "\"direction\":%d,\"public\":true,"
			    "\"amount_msat\":%llu,\"message_flags\":1,"
			    "\"channel_flags\":%d,\"active\":true,"
			    "\"last_update\":%llu,\"base_fee_millisatoshi\":1000,"
			    "\"fee_per_millionth\":%llu,\"delay\":144,"
			    "\"htlc_minimum_msat\":0,"
			    "\"htlc_maximum_msat\":%llu,\"features\":\"\"}",
			    i ? "," : "", src, dst,
			    (unsigned long long)(700000 + i / 3000),
			    (unsigned long long)(i % 3000),
			    (unsigned long long)(i & 1), (int)(i & 1),
			    (unsigned long long)(100000000 + i * 1000),
			    (int)(i & 1),
			    (unsigned long long)(1700000000 + i),
			    (unsigned long long)(i % 500),
			    (unsigned long long)(99000000 + i * 990));
		i++;
	} while (b->len - start < target);
	bbuf_add(b, "]}", 2);
}

/* params of an htlc_accepted hook call as lightningd sends it (about 3.3 kB:
 * the next_onion of a 1366-byte onion packet dominates). */
static inline void gen_htlc_params(struct bbuf *b)
{
	char onion[2733], ss[65], ph[65], fw[65], pl[103];

	hexfill(onion, 2732, 1);
	onion[2732] = '\0';
	hexfill(ss, 64, 2);
	hexfill(ph, 64, 3);
	hexfill(fw, 64, 4);
	hexfill(pl, 102, 5);
	ss[64] = ph[64] = fw[64] = pl[102] = '\0';
	bbuf_printf(b, "{\"onion\":{\"payload\":\"%s\",\"type\":\"tlv\","
		    "\"short_channel_id\":\"800000x1x0\",\"forward_msat\":100000,"
		    "\"outgoing_cltv_value\":800100,\"shared_secret\":\"%s\","
		    "\"next_onion\":\"%s\"},\"htlc\":{\"short_channel_id\":"
		    "\"800001x2x1\",\"id\":17,\"amount_msat\":101000,"
		    "\"cltv_expiry\":800144,\"cltv_expiry_relative\":144,"
		    "\"payment_hash\":\"%s\",\"extra_tlvs\":\"\"},"
		    "\"forward_to\":\"%s\"}", pl, ss, onion, ph, fw);
}

#endif
