/* canonworker.h - validate a big plugin message on a second CPU while the
 * relay goes on reading it. A plugin's 50 MB answer is store-and-forward
 * (SPEC 5: none of it reaches lightningd before all of it is valid), so
 * validating it inline puts the whole parse on the path: each read waits
 * for the parse of the one before. Here the relay keeps reading and this
 * thread keeps validating what has been read (framer_offload_begin), one
 * frame at a time; small messages never come here (a hand-off costs two
 * wake-ups, more than their parse).
 *
 * The thread is created in the confined runner and so inherits its
 * seccomp filter, Landlock domain, credentials and blocked signals; the
 * filter allows clone with exactly glibc's thread flags (seccomp_filter.c).
 * It touches only the frame's bytes up to what it was told is there, and
 * the stream it was given; nothing else of the relay's. */
#ifndef PR_CANONWORKER_H
#define PR_CANONWORKER_H

#include <stdbool.h>
#include <stddef.h>
#include "framer.h"

struct canon_worker;

/* The thread's name (/proc/PID/task/TID/comm), at most 15 bytes. */
#define CANON_WORKER_NAME "pr-validate"

/* A running worker, or NULL when no thread can be had (the caller then
 * validates inline, as before: only slower). */
struct canon_worker *canon_worker_new(void);
/* Stop the thread (it finishes the call it is in) and free everything. */
void canon_worker_free(struct canon_worker *w);
/* Readable when a verdict is waiting (poll it; canon_worker_take()). */
int canon_worker_fd(const struct canon_worker *w);

/* Hand over a job (one at a time): the worker owns job->stream and the
 * frame's bytes until its verdict has been taken. */
void canon_worker_give(struct canon_worker *w, const struct framer_offload *job);
/* job->text[0..avail) is there now (never less than before); `last`: no
 * more will come, so a verdict of CANON_MORE is wanted once it is judged. */
void canon_worker_more(struct canon_worker *w, size_t avail, bool last);
/* The verdict, if one is waiting: the frame closed, failed, or (last) is
 * not finished within what there was. Then the job is over. */
bool canon_worker_take(struct canon_worker *w, struct framer_verdict *v);

#endif
