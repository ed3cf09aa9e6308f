/* test-pipewidth.c - pipewidth.c: a pipe is widened for a big message and
 * given its own size back after, not before it has drained to fit; a fd
 * that is not a pipe is never touched; a big message's first write goes
 * into a pipe already wide (pipe_width_flush_lend), a small one's into
 * the pipe as it is. */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "pipewidth.h"
#include "tap.h"
#include "util.h"

static int size_of(int fd)
{
	return fcntl(fd, F_GETPIPE_SZ);
}

int main(void)
{
	int p[2];
	struct pipe_width w;
	static char chunk[200000];

	if (pipe(p) < 0)
		return 1;
	int normal = size_of(p[1]);
	pipe_width_init(&w, p[1]);
	is_int(w.normal, normal, "its own size is remembered (%d)", normal);
	pipe_width_fit(&w, false);
	is_int(size_of(p[1]), normal, "not big: unchanged");
	pipe_width_fit(&w, true);
	is_int(size_of(p[0]), PIPE_WIDE, "big: 1 MiB wide (seen from the other end too)");

	/* hold more than the normal size: narrowing must wait */
	set_nonblock(p[1], true);
	memset(chunk, 'x', sizeof(chunk));
	ok(write(p[1], chunk, sizeof(chunk)) == (ssize_t)sizeof(chunk), "200 kB written into it");
	pipe_width_fit(&w, false);
	is_int(size_of(p[1]), PIPE_WIDE, "not big any more, but holding 200 kB: still wide");
	ok(w.wide, "  and it will be tried again");
	ok(read(p[0], chunk, sizeof(chunk)) == (ssize_t)sizeof(chunk), "drained");
	pipe_width_fit(&w, false);
	is_int(size_of(p[1]), normal, "then narrowed to its own size");
	ok(!w.wide, "  and left alone");

	/* pipe_width_flush_lend: one call, nobody reading, the pipe at its
	 * normal size. A 512 KiB message goes in whole only if the pipe was
	 * made wide before the write; a 1 KiB one leaves it as it is. */
	int q[2];
	if (pipe(q) < 0)
		return 1;
	set_nonblock(q[1], true);
	int qnormal = size_of(q[1]);
	struct pipe_width qw;
	struct buf b;
	size_t lent = 0;
	pipe_width_init(&qw, q[1]);
	buf_init(&b);
	memset(buf_tail(&b, 1024), 's', 1024);
	buf_commit(&b, 1024);
	is_int(pipe_width_flush_lend(&qw, &b, &lent), 0, "a 1 KiB message is written");
	ok(b.len == 0 && size_of(q[1]) == qnormal && !qw.wide,
	   "  into the pipe at its own size (%d)", size_of(q[1]));
	ok(read(q[0], chunk, sizeof(chunk)) == 1024, "  and read back");
	size_t big = 512u << 10;
	memset(buf_tail(&b, big), 'b', big);
	buf_commit(&b, big);
	is_int(pipe_width_flush_lend(&qw, &b, &lent), 0, "a 512 KiB message is written");
	is_int(b.len, 0, "  all of it by the first call: the pipe was wide before the write");
	is_int(size_of(q[1]), PIPE_WIDE, "  which left it 1 MiB wide");
	buf_free(&b);
	close(q[0]);
	close(q[1]);

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 1;
	struct pipe_width s;
	pipe_width_init(&s, sv[0]);
	pipe_width_fit(&s, true);
	ok(s.normal == 0 && !s.wide, "a socket is not a pipe: never touched");
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	return tap_done();
}
