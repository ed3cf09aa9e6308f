/* pipewidth.h - widen a pipe while a big message crosses it, narrow it
 * again after. With the default 64 KiB a 50 MB message costs each side
 * some 800 wake-ups (the largest share of the runner's kernel time in
 * bench/); a pipe left wide for good would spend its owner's pipe budget
 * (fs.pipe-user-pages-soft: past it, each new pipe of that user,
 * lightningd's own included, gets 8 KiB). Best effort: a kernel or limit
 * that refuses changes only the speed. */
#ifndef PR_PIPEWIDTH_H
#define PR_PIPEWIDTH_H

#include <stdbool.h>
#include "buf.h"	/* and size_t */

#define PIPE_WIDE	(1 << 20)	/* the default fs.pipe-max-size */
#define PIPE_WIDEN_AT	(256u << 10)	/* bytes of one message in flight */

struct pipe_width {
	int fd;
	int normal;	/* the pipe's size when we found it; 0: not a pipe */
	bool wide;	/* widened, or tried to */
};

/* Remember fd's size (a non-pipe is left alone for good). */
void pipe_width_init(struct pipe_width *p, int fd);
/* Widen (big) or give back the normal size (!big). One fcntl at each
 * change; narrowing a pipe that still holds more than its normal size
 * fails (EBUSY) and is tried again at the next call. */
void pipe_width_fit(struct pipe_width *p, bool big);
/* buf_flush_lend() of b into p's pipe, made wide first when b holds at
 * least PIPE_WIDEN_AT: a big message's first write then fills 1 MiB of
 * pipe, not the 64 KiB it found, and the reader is woken once per MiB
 * from the start. Returns what buf_flush_lend() returns. */
int pipe_width_flush_lend(struct pipe_width *p, struct buf *b, size_t *lent);

#endif
