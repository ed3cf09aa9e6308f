/* pipewidth.c - a pipe wide while a big message crosses it.
 * Contract: include/pipewidth.h. Called by relay.c, for the plugin's
 * stdout and the runner's own (lightningd's pipe, which it also writes
 * through pipe_width_flush_lend). The runner's seccomp
 * filter allows fcntl. */
#include <fcntl.h>
#include "pipewidth.h"

void pipe_width_init(struct pipe_width *p, int fd)
{
	p->fd = fd;
	p->wide = false;
	p->normal = fcntl(fd, F_GETPIPE_SZ);
	if (p->normal < 0)
		p->normal = 0;
}

void pipe_width_fit(struct pipe_width *p, bool big)
{
	if (!p->normal || big == p->wide || p->normal >= PIPE_WIDE)
		return;
	if (big) {
		/* Refused (EPERM past a limit): not asked again until the
		 * message is through. */
		(void)fcntl(p->fd, F_SETPIPE_SZ, PIPE_WIDE);
		p->wide = true;
		return;
	}
	/* Narrowed, or never widened (the widening was refused). Still
	 * holding more than the normal size (EBUSY): again next call. */
	if (fcntl(p->fd, F_SETPIPE_SZ, p->normal) >= 0 || fcntl(p->fd, F_GETPIPE_SZ) <= p->normal)
		p->wide = false;
}

int pipe_width_flush_lend(struct pipe_width *p, struct buf *b, size_t *lent)
{
	pipe_width_fit(p, b->len >= PIPE_WIDEN_AT);
	return buf_flush_lend(p->fd, b, lent);
}
