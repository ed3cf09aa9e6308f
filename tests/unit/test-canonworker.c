/* test-canonworker.c - canonworker.c with a real second thread: frames
 * the framer hands over while more is pushed come out exactly as frames
 * judged in line (valid, invalid, too big; random piece sizes, so random
 * interleavings); the pages it faults in ahead of the reads are there
 * before the reads, and never more than the bytes that arrived; it stops
 * when asked, busy or not. */
#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "canonworker.h"
#include "framer.h"
#include "tap.h"
#include "util.h"

#define MB (1u << 20)

/* A big frame of many small values, optionally with a flaw halfway,
 * optionally left open; then a small frame. */
static void big_frame(struct buf *b, size_t items, const char *flaw, bool open_end)
{
	const char *head = "{ \"jsonrpc\": \"2.0\", \"id\": \"x:1\", \"result\": {\"items\": [";
	char item[200];

	buf_init(b);
	buf_append(b, head, strlen(head));
	for (size_t i = 0; i < items; i++) {
		int k = snprintf(item, sizeof(item),
				 "%s{\"id\":%zu,\"label\":\"item \\u00e9 %zu\",\"amount_msat\":%zu,"
				 "\"f\":-0.5e-3,\"ok\":[true,false,null],\"s\":\"%s\"}",
				 i ? "," : "", i, i, i * 1000 + 1, flaw && i == items / 2 ? flaw : "-");
		buf_append(b, item, (size_t)k);
	}
	if (!open_end)
		buf_append(b, "]}}\n\n{\"next\":1}", 15);
}

struct outcome {
	enum frame_rc rc;
	size_t len;
	unsigned long long sum;	/* of the canonical bytes, position-weighted */
	char why[160];
	bool away;
};

static unsigned long long weigh(const char *m, size_t len)
{
	unsigned long long s = 0;
	for (size_t i = 0; i < len; i++)
		s = s * 1099511628211ull + (unsigned char)m[i];
	return s;
}

static bool wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1;
}

/* One read's worth of in from i on, of random size up to maxchunk, into
 * the framer as read_into() does; returns its size. */
static size_t push_piece(struct framer *f, const struct buf *in, size_t i, size_t maxchunk,
			 unsigned long long *rnd)
{
	size_t k = 1 + tap_rnd(rnd, (unsigned)maxchunk);
	if (k > in->len - i)
		k = in->len - i;
	memcpy(framer_tail(f, maxchunk), buf_head(in) + i, k);
	framer_commit(f, k);
	return k;
}

/* Push `in` as the relay reads: pieces of random size up to `maxchunk`;
 * with a worker, the frame goes to it at 1 MiB and is told of every
 * piece. */
static struct outcome run(struct canon_worker *w, const struct buf *in, size_t max,
			  size_t maxchunk, unsigned long long *rnd)
{
	struct outcome o = { .rc = FRAME_NEED_MORE };
	struct framer f;
	struct framer_offload job;
	char *m = NULL;
	size_t len = 0, i = 0;

	framer_init(&f, FRAMER_CANON, max, 64);
	for (;;) {
		if (framer_offloaded(&f)) {
			if (i < in->len && !framer_offload_full(&f)) {
				i += push_piece(&f, in, i, maxchunk, rnd);
				canon_worker_more(w, framer_offload_avail(&f),
						  i >= in->len || framer_offload_full(&f));
			}
			if (!wait_readable(canon_worker_fd(w), i < in->len && !framer_offload_full(&f) ? 0 : 10000)) {
				if (i < in->len && !framer_offload_full(&f))
					continue;
				snprintf(o.why, sizeof(o.why), "no verdict in 10 s");
				break;
			}
			struct framer_verdict v;
			if (!canon_worker_take(w, &v))
				continue;
			framer_offload_end(&f, &v);
		} else if (i < in->len) {
			i += push_piece(&f, in, i, maxchunk, rnd);
		}
		o.rc = framer_next(&f, &m, &len);
		if (o.rc != FRAME_NEED_MORE)
			break;
		if (w && !framer_offloaded(&f) && i < in->len &&
		    framer_offload_begin(&f, MB, maxchunk, &job)) {
			o.away = true;
			canon_worker_give(w, &job);
		}
		if (!framer_offloaded(&f) && i >= in->len)
			break;
	}
	if (o.rc == FRAME_READY) {
		o.len = len;
		o.sum = weigh(m, len);
	}
	if (!o.why[0])
		snprintf(o.why, sizeof(o.why), "%s", framer_why(&f));
	framer_free(&f);
	return o;
}

static void test_same_as_inline(struct canon_worker *w)
{
	struct buf good, esc, ctl, open_frame;
	big_frame(&good, 30000, NULL, false);
	big_frame(&esc, 30000, "\\q", false);
	big_frame(&ctl, 30000, "\x1f", false);
	big_frame(&open_frame, 30000, NULL, true);
	const struct buf *ins[] = { &good, &esc, &ctl, &open_frame };
	const char *names[] = { "valid", "bad escape", "control character", "unclosed, cap" };
	size_t caps[] = { 64 * MB, 64 * MB, 64 * MB, 3 * MB };
	unsigned long long rnd = 0x5eed;
	unsigned bad = 0, away = 0, runs = 0;

	for (int round = 0; round < 6; round++) {
		for (size_t t = 0; t < 4; t++) {
			size_t maxchunk = round % 2 ? 262144 : 65536;
			struct outcome ref = run(NULL, ins[t], caps[t], maxchunk, &rnd);
			struct outcome o = run(w, ins[t], caps[t], maxchunk, &rnd);
			runs++;
			away += o.away;
			if (o.rc != ref.rc || o.len != ref.len || o.sum != ref.sum ||
			    strcmp(o.why, ref.why) != 0) {
				bad++;
				tap_diag("%s, round %d: rc %d/%d, len %zu/%zu, why '%s'/'%s'", names[t],
					 round, o.rc, ref.rc, o.len, ref.len, o.why, ref.why);
			}
			if (round == 0)
				ok(ref.rc == (t == 0 ? FRAME_READY : t == 3 ? FRAME_TOO_BIG : FRAME_SYNTAX),
				   "  (in line: %s -> %d, %s)", names[t], ref.rc, ref.why);
		}
	}
	is_int(bad, 0, "%u frames judged on the thread while pushed in random pieces: "
	       "the same outcome, bytes and reason as in line", runs);
	is_int(away, runs, "all of them went to the thread");
	buf_free(&good);
	buf_free(&esc);
	buf_free(&ctl);
	buf_free(&open_frame);
}

/* Resident pages of [p + from, p + to), from mincore. */
static size_t resident(const char *p, size_t from, size_t to)
{
	size_t pages = (to - from) / 4096, n = 0;
	unsigned char *vec = xcalloc(pages ? pages : 1, 1);
	if (mincore((void *)(p + from), to - from, vec) < 0) {
		free(vec);
		return (size_t)-1;
	}
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	free(vec);
	return n;
}

/* While it waits for more, the thread faults in the pages the next
 * reads land in: as many bytes ahead as have arrived (here 3 MiB), not
 * more; and the frame is still judged right once the rest comes. */
static void test_pages_ahead(struct canon_worker *w)
{
	struct buf in;
	struct framer f;
	struct framer_offload job;
	char *m;
	size_t len, part = 3 * MB;

	big_frame(&in, 60000, NULL, false);	/* ~6 MB */
	framer_init(&f, FRAMER_CANON, 64 * MB, 64);
	memcpy(framer_tail(&f, part), buf_head(&in), part);
	framer_commit(&f, part);
	ok(framer_next(&f, &m, &len) == FRAME_NEED_MORE && framer_offload_begin(&f, MB, MB, &job),
	   "a 3 MiB unfinished frame is offloaded");
	size_t before = resident(job.text, part, 2 * part);
	canon_worker_give(w, &job);
	size_t ahead = 0;
	for (int i = 0; i < 200 && ahead < part / 4096; i++) {
		usleep(10000);
		ahead = resident(job.text, part, 2 * part);
	}
	ok(before < part / 4096 && ahead == part / 4096,
	   "the 3 MiB after it were faulted in before any read (%zu of %zu pages; %zu before)",
	   ahead, part / 4096, before);
	size_t beyond = resident(job.text, 2 * part, job.room & ~(size_t)4095);
	is_int(beyond, 0, "nothing further ahead than the bytes that arrived");

	size_t i = part;
	while (i < in.len) {
		size_t k = in.len - i < MB ? in.len - i : MB;
		memcpy(framer_tail(&f, MB), buf_head(&in) + i, k);
		framer_commit(&f, k);
		i += k;
		canon_worker_more(w, framer_offload_avail(&f), i >= in.len);
	}
	struct framer_verdict v;
	bool got = wait_readable(canon_worker_fd(w), 10000) && canon_worker_take(w, &v);
	framer_offload_end(&f, &v);
	unsigned long long rnd = 1;
	struct outcome ref = run(NULL, &in, 64 * MB, MB, &rnd);
	len = 0;
	bool whole = got && framer_next(&f, &m, &len) == FRAME_READY && len == ref.len &&
		     weigh(m, len) == ref.sum;
	ok(whole, "and the frame is judged right once the rest is there (%zu bytes, as in line)", len);
	framer_free(&f);
	buf_free(&in);
}

/* A worker stops when freed, busy or idle; a verdict is only taken once. */
static void test_stop(void)
{
	struct canon_worker *w = canon_worker_new();
	struct framer_verdict v;
	ok(w && !canon_worker_take(w, &v), "a new worker has no verdict");
	canon_worker_free(w);
	ok(1, "an idle worker stops");

	w = canon_worker_new();
	struct buf in;
	struct framer f;
	struct framer_offload job;
	char *m;
	size_t len;
	big_frame(&in, 120000, NULL, false);
	framer_init(&f, FRAMER_CANON, 64 * MB, 64);
	framer_push(&f, buf_head(&in), in.len - 20);	/* unfinished */
	framer_next(&f, &m, &len);
	if (framer_offload_begin(&f, MB, MB, &job)) {
		canon_worker_give(w, &job);
		canon_worker_more(w, job.avail, false);
	}
	double t0 = tap_now();
	canon_worker_free(w);	/* mid-frame, waiting for more that never comes */
	ok(1, "a worker with a job half done stops (%.1f ms)", (tap_now() - t0) * 1e3);
	framer_free(&f);
	buf_free(&in);
}

/* Threads of this process named name (their comm). */
static int threads_named(const char *name)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], comm[32] = "";
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (f && fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		if (f)
			fclose(f);
		n += strcmp(comm, name) == 0;
	}
	closedir(d);
	return n;
}

int main(void)
{
	struct canon_worker *w = canon_worker_new();
	ok(w != NULL, "a worker thread starts");
	int named = 0;
	for (int i = 0; i < 200 && named == 0; i++) {
		usleep(1000);	/* it names itself once it runs */
		named = threads_named(CANON_WORKER_NAME);
	}
	is_int(named, 1, "it is named " CANON_WORKER_NAME);
	if (!w)
		return tap_done();
	test_same_as_inline(w);
	test_pages_ahead(w);
	canon_worker_free(w);
	test_stop();
	return tap_done();
}
