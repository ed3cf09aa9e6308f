/* test-mountinfo.c - mountinfo_beneath(): which mount points of a
 * mountinfo text lie strictly beneath a directory, escapes decoded, lines
 * not of mountinfo's form skipped; and /proc/self/mountinfo read. */
#include <stdio.h>
#include <string.h>
#include "mountinfo.h"
#include "tap.h"

static void collect(const char *mp, void *arg)
{
	struct buf *b = arg;

	buf_append(b, mp, strlen(mp));
	buf_append(b, "|", 1);
}

/* The mount points beneath dir in text, each followed by '|'. */
static const char *beneath(const char *text, const char *dir)
{
	static char out[1024];
	struct buf b;

	buf_init(&b);
	mountinfo_beneath(text, strlen(text), dir, collect, &b);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, b.len ? buf_head(&b) : "");
	buf_free(&b);
	return out;
}

int main(void)
{
	const char *mi =
		"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
		"30 22 8:1 /srv/run /srv/shared/sub rw shared:2 - ext4 /dev/sda1 rw\n"
		"31 22 8:1 /x /srv/sharedother rw - ext4 /dev/sda1 rw\n"
		"32 30 0:40 / /srv/shared/sub/deeper rw - tmpfs tmpfs rw\n"
		"33 22 8:1 /y /srv/shared rw - ext4 /dev/sda1 rw\n"
		"34 22 8:1 /z /srv/with\\040space/m rw - ext4 /dev/sda1 rw\n"
		"35 22 8:1 /z /srv/back\\134slash rw - ext4 /dev/sda1 rw\n"
		"36 22 8:1 /z /srv/nul\\000x rw - ext4 /dev/sda1 rw\n"
		"garbage line\n"
		"37 22 8:1\n"
		"38 22 8:1 /t /srv/shared/last rw - ext4 /dev/sda1 rw";

	is_str(beneath(mi, "/srv/shared"), "/srv/shared/sub|/srv/shared/sub/deeper|/srv/shared/last|",
	       "strictly beneath, nested too, the last line without a newline");
	ok(!strstr(beneath(mi, "/srv/shared"), "sharedother"), "a sibling with the prefix is not");
	is_str(beneath(mi, "/srv/shared/sub"), "/srv/shared/sub/deeper|", "the mount itself is not");
	is_str(beneath(mi, "/srv/with space"), "/srv/with space/m|", "\\040 is a space");
	ok(strstr(beneath(mi, "/srv"), "/srv/back\\slash|") != NULL, "\\134 is a backslash");
	ok(!strstr(beneath(mi, "/srv"), "nul"), "a path with a NUL in it is skipped");
	ok(strstr(beneath(mi, "/"), "/srv/shared|") && !strstr(beneath(mi, "/"), "|/|"),
	   "beneath /: every mount but / itself");
	is_str(beneath("", "/srv"), "", "empty text");
	is_str(beneath("1 2 3 4 /srv/a\\04", "/srv"), "/srv/a\\04|", "a cut escape stays as it is");

	struct buf b;
	buf_init(&b);
	ok(mountinfo_read(&b) == 0 && b.len > 0 && strstr(buf_head(&b), " / "),
	   "/proc/self/mountinfo read, the root among its mounts");
	buf_free(&b);
	return tap_done();
}
