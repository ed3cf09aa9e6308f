/* compat.h - kernel UAPI bits newer than Debian 12's headers (which stop at
 * Landlock ABI 2). Values are from the kernel's include/uapi/linux/landlock.h;
 * each is only defined when the system header lacks it. */
#ifndef PR_COMPAT_H
#define PR_COMPAT_H

#include <linux/landlock.h>
#include <stdint.h>

/* ABI 3 */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE		(1ULL << 14)
#endif
/* ABI 5 */
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV		(1ULL << 15)
#endif
/* ABI 4: TCP bind/connect */
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP		(1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP		(1ULL << 1)
#endif
/* ABI 6: scoping */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET	(1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL			(1ULL << 1)
#endif

/* The full ruleset attribute (the kernel accepts a shorter size for older
 * ABIs, so we pass only as much as the running ABI knows). */
struct pr_landlock_ruleset_attr {
	uint64_t handled_access_fs;	/* ABI 1 */
	uint64_t handled_access_net;	/* ABI 4 */
	uint64_t scoped;		/* ABI 6 */
};

#endif
