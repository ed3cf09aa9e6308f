/* mountinfo.h - the mount points beneath a directory, from the kernel's
 * /proc/self/mountinfo (proc(5)). The sandbox binds a policy's directories
 * with every mount beneath them (MS_REC), so what those mounts show must be
 * checked too: a bind mount of the lightning-dir, of hsm_secret or of the
 * directory holding lightningd's socket, under a directory the policy
 * lists, is in the plugin's view though no policy path names it. */
#ifndef PR_MOUNTINFO_H
#define PR_MOUNTINFO_H

#include <stddef.h>
#include "buf.h"

/* Calls fn(mount_point, arg) for each mount point strictly beneath `dir`
 * (an absolute path without a trailing '/') in `text`, mountinfo's
 * content: the fifth field of each line, its octal escapes (\040...)
 * decoded. Lines that are not of that form are skipped. */
void mountinfo_beneath(const char *text, size_t len, const char *dir,
		       void (*fn)(const char *mount_point, void *arg), void *arg);

/* Read /proc/self/mountinfo into out (appended); -1, errno set, if it
 * cannot be read. Read once per start: a plan checks several sources. */
int mountinfo_read(struct buf *out);

#endif
