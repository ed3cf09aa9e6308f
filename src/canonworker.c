/* canonworker.c - a second thread that validates a big plugin message
 * (canon_stream_feed) behind the relay's reads. Contract: canonworker.h.
 *
 * One mutex guards the job: how much of the frame is there (avail, set by
 * the relay after each read, so the bytes are published with the unlock),
 * how much the thread has judged (fed), and the verdict. The thread works
 * unlocked on text[0..avail) as it was when it took the lock; the relay
 * writes only past avail (framer_offload_begin keeps the bytes in place).
 * The verdict is announced on a pipe the relay polls with everything else,
 * so the relay never blocks on the thread.
 *
 * While it waits for the next read, the thread faults in the pages that
 * read will land in (MADV_POPULATE_WRITE: it fills in missing pages and
 * changes no byte, so it cannot race the read's data). A fresh page costs
 * its zeroing, and on a VM whose host reclaims free guest memory much
 * more; this way the second CPU pays it instead of the reads. Never more
 * ahead than has arrived, so a message costs at most twice its size.
 *
 * The stack is our own mapping with a PROT_NONE guard below it, so that
 * pthread_create needs neither mmap nor mprotect: the confined runner's
 * filter allows clone (thread flags only) but not mprotect. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "canonworker.h"
#include "log.h"
#include "util.h"

#define STACK_SIZE	(1u << 20)	/* canon is iterative; sanitizers need room */
#define GUARD_SIZE	(64u << 10)
#define AHEAD_MAX	(8u << 20)	/* pages faulted in ahead of the reads */
#define AHEAD_STEP	(2u << 20)	/* per call */

struct canon_worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int wake[2];		/* the thread writes a byte: a verdict waits */
	char *stack;		/* guard + stack */
	/* under mu */
	bool stop, busy, ready, last;
	struct framer_offload job;
	size_t avail, fed;
	size_t ready_to;	/* pages from text up to here are faulted in */
	bool no_populate;	/* the kernel has no MADV_POPULATE_WRITE */
	struct framer_verdict verdict;
};

/* Work is there: a job with bytes not yet judged, or the last of it not
 * yet answered. */
static bool has_work(const struct canon_worker *w)
{
	return w->busy && (w->fed < w->avail || w->last);
}

/* Where the pages should be faulted in up to: as far ahead of the bytes
 * there as they are long, AHEAD_MAX at most, within the reservation. */
static size_t ahead_goal(const struct canon_worker *w)
{
	size_t ahead = w->avail < AHEAD_MAX ? w->avail : AHEAD_MAX;
	size_t goal = w->avail + ahead;
	return goal < w->job.room ? goal : w->job.room;
}

static bool wants_pages(const struct canon_worker *w)
{
	return w->busy && !w->last && !w->no_populate && w->ready_to < ahead_goal(w);
}

/* Fault in the next step of pages ahead of the reads: called locked, it
 * drops the lock for the madvise. */
static void populate_step(struct canon_worker *w)
{
	size_t from = w->ready_to > w->avail ? w->ready_to : w->avail;
	size_t to = ahead_goal(w);
	char *text = w->job.text;

	from &= ~(size_t)4095;	/* page-aligned; text itself is */
	if (to - from > AHEAD_STEP)
		to = from + AHEAD_STEP;
	pthread_mutex_unlock(&w->mu);
	int rc = madvise(text + from, to - from, MADV_POPULATE_WRITE);
	pthread_mutex_lock(&w->mu);
	if (rc < 0 && errno == EINVAL)
		w->no_populate = true;	/* before Linux 5.14: the reads fault */
	if (to > w->ready_to)	/* only this thread ends a job */
		w->ready_to = to;
}

static void *work(void *arg)
{
	struct canon_worker *w = arg;

	/* So that ps -L and top -H tell it from the relay (and tests find
	 * it). The filter allows exactly this prctl; a refusal changes
	 * nothing else. */
	(void)prctl(PR_SET_NAME, CANON_WORKER_NAME, 0, 0, 0);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && !has_work(w)) {
			if (wants_pages(w))
				populate_step(w);
			else
				pthread_cond_wait(&w->cv, &w->mu);
		}
		if (w->stop)
			break;
		size_t avail = w->avail;
		bool last = w->last;
		struct framer_offload job = w->job;
		pthread_mutex_unlock(&w->mu);

		struct framer_verdict v;
		memset(&v, 0, sizeof(v));
		v.avail = avail;
		v.st = canon_stream_feed(job.stream, job.text, avail, &v.inlen, &v.outlen,
					 &v.top, &v.err);

		pthread_mutex_lock(&w->mu);
		w->fed = avail;
		if (v.st != CANON_MORE || last) {
			w->verdict = v;
			w->busy = false;
			w->ready = true;
			/* EAGAIN: the pipe is full, so it already says so */
			(void)!write(w->wake[1], "", 1);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* A stack with a guard below it, from mmap alone. */
static char *map_stack(void)
{
	char *p = mmap(NULL, GUARD_SIZE + STACK_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mmap(p + GUARD_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_STACK, -1, 0) == MAP_FAILED) {
		munmap(p, GUARD_SIZE + STACK_SIZE);
		return NULL;
	}
	return p;
}

struct canon_worker *canon_worker_new(void)
{
	struct canon_worker *w = xcalloc(1, sizeof(*w));
	pthread_attr_t attr;
	int rc;

	(void)hash_seed();	/* set once, here: canon hashes keys with it */
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->wake[0] = w->wake[1] = -1;
	if (pipe2(w->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_debug("validation thread: no pipe: %s", strerror(errno));
		goto fail;
	}
	w->stack = map_stack();
	if (!w->stack) {
		log_debug("validation thread: no stack: %s", strerror(errno));
		goto fail;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, w->stack + GUARD_SIZE, STACK_SIZE);
	rc = pthread_create(&w->thread, &attr, work, w);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		log_debug("validation thread: cannot start one (%s): big messages are "
			  "validated inline", strerror(rc));
		goto fail;
	}
	log_debug("validation thread: started");
	return w;
fail:
	if (w->stack)
		munmap(w->stack, GUARD_SIZE + STACK_SIZE);
	if (w->wake[0] >= 0) {
		close(w->wake[0]);
		close(w->wake[1]);
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
	return NULL;
}

void canon_worker_free(struct canon_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	munmap(w->stack, GUARD_SIZE + STACK_SIZE);
	close(w->wake[0]);
	close(w->wake[1]);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

int canon_worker_fd(const struct canon_worker *w)
{
	return w->wake[0];
}

void canon_worker_give(struct canon_worker *w, const struct framer_offload *job)
{
	pthread_mutex_lock(&w->mu);
	w->job = *job;
	w->avail = job->avail;
	w->fed = 0;		/* its first call judges what is there */
	w->ready_to = 0;
	w->last = false;
	w->ready = false;
	w->busy = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void canon_worker_more(struct canon_worker *w, size_t avail, bool last)
{
	pthread_mutex_lock(&w->mu);
	if (w->busy && avail >= w->avail) {
		w->avail = avail;
		w->last = last;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
}

bool canon_worker_take(struct canon_worker *w, struct framer_verdict *v)
{
	char drain[16];
	bool got;

	while (read(w->wake[0], drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&w->mu);
	got = w->ready;
	if (got) {
		*v = w->verdict;
		w->ready = false;
	}
	pthread_mutex_unlock(&w->mu);
	return got;
}
