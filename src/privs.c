/* privs.c - identity and capabilities: switch to the sandbox user when
 * root (libcap-ng), clear every capability set (effective, permitted,
 * inheritable, bounding, ambient), set no_new_privs, and VERIFY each drop
 * the way OpenSSH's permanently_set_uid does (try to undo it, die if that
 * works).
 * Must not: decide when it runs (spawn.c does), touch mounts or filters.
 * Called by: spawn.c (sandbox child and the runner's own confinement). */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exitcodes.h"
#include "log.h"
#include "privs.h"

void privs_resolve(const struct policy *p, struct privs_target *t)
{
	const char *user = p->sandbox.user ? p->sandbox.user : POL_DEFAULT_USER;

	memset(t, 0, sizeof(*t));
	snprintf(t->user, sizeof(t->user), "%s", user);
	t->switch_id = geteuid() == 0;
	if (!t->switch_id) {
		/* Not root: the user namespace maps only our own ids, and
		 * there is nothing to switch to. */
		t->uid = getuid();
		t->gid = getgid();
		return;
	}
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		if (errno)
			die_errno(PR_EXIT_RUNNER, "sandbox.user \"%s\": lookup failed", user);
		die(PR_EXIT_RUNNER, "sandbox.user \"%s\": no such user "
		    "(create it, or name an existing unprivileged account in the policy)", user);
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		die(PR_EXIT_RUNNER, "sandbox.user \"%s\" is root "
		    "(name an unprivileged account in the policy)", user);
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
}

/* Every capability set must be empty, bounding and ambient included.
 * Asked of the kernel directly (capget, PR_CAPBSET_READ, PR_CAP_AMBIENT):
 * no /proc/self/status to read and parse, and every capability the
 * running kernel knows is checked, even one newer than our headers. */
static void verify_no_caps(const char *who, bool bounding)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) < 0)
		die_errno(PR_EXIT_RUNNER, "%s: cannot read capabilities back", who);
	for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (d[i].effective || d[i].permitted || d[i].inheritable)
			die(PR_EXIT_RUNNER, "%s: capabilities survived the drop", who);
	for (int c = 0; c < 64; c++) {
		int a = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0);
		if (a < 0 && errno == EINVAL && c > CAP_LAST_CAP)
			break;	/* past the kernel's last capability */
		if (a == 1)
			die(PR_EXIT_RUNNER, "%s: ambient capability %d survived the drop", who, c);
		if (bounding && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			die(PR_EXIT_RUNNER, "%s: bounding set survived the drop (capability %d)",
			    who, c);
	}
}

void privs_drop(const struct privs_target *t)
{
	if (t->switch_id) {
		/* change_id does setgroups(0) (DROP_SUPP_GRP), setresgid,
		 * setresuid, and clears the bounding set while it still has
		 * CAP_SETPCAP (CLEAR_BOUNDING). */
		capng_clear(CAPNG_SELECT_ALL);
		int r = capng_change_id((int)t->uid, (int)t->gid,
					CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
		if (r < 0)
			die(PR_EXIT_RUNNER, "privileges: cannot switch to sandbox.user \"%s\" "
			    "(capng_change_id %d)", t->user, r);
	} else {
		/* In our user namespace we hold every capability: give them
		 * all up, bounding set included. */
		capng_clear(CAPNG_SELECT_ALL);
		if (capng_apply(CAPNG_SELECT_ALL) < 0)
			die(PR_EXIT_RUNNER, "privileges: cannot clear capabilities");
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		die_errno(PR_EXIT_RUNNER, "privileges: clear ambient capabilities");

	/* Verify (STYLE C8). */
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		die_errno(PR_EXIT_RUNNER, "privileges: getresuid");
	if (ru != t->uid || eu != t->uid || su != t->uid ||
	    rg != t->gid || eg != t->gid || sg != t->gid)
		die(PR_EXIT_RUNNER, "privileges: uid/gid drop incomplete");
	if (t->switch_id && getgroups(0, NULL) != 0)
		die(PR_EXIT_RUNNER, "privileges: supplementary groups survived");
	if (t->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		die(PR_EXIT_RUNNER, "privileges: regained uid 0 after the drop");
	verify_no_caps("privileges", true);
	log_debug("privileges: uid %u gid %u, no capabilities", (unsigned)t->uid,
		  (unsigned)t->gid);
}

void privs_drop_caps_keep_uid(bool keep_kill)
{
	/* uid 0 without capabilities still must not get them back through
	 * exec of a setuid or any binary: lock the root-is-special rules off. */
	if (geteuid() == 0 &&
	    prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
		  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
		  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) < 0)
		die_errno(PR_EXIT_RUNNER, "runner confinement: securebits");
	/* Only a process holding CAP_SETPCAP can shrink its bounding set; an
	 * unprivileged runner cannot and need not (no_new_privs follows, and
	 * its filter forbids exec). */
	if (capng_get_caps_process() < 0)
		die(PR_EXIT_RUNNER, "runner confinement: cannot read capabilities");
	bool bounding = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	keep_kill = keep_kill && capng_have_capability(CAPNG_EFFECTIVE, CAP_KILL);
	capng_clear(CAPNG_SELECT_ALL);
	if (keep_kill)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_KILL);
	if (capng_apply(bounding ? CAPNG_SELECT_ALL : CAPNG_SELECT_CAPS) < 0)
		die(PR_EXIT_RUNNER, "runner confinement: cannot clear capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		die_errno(PR_EXIT_RUNNER, "runner confinement: clear ambient capabilities");

	/* Verify: nothing but CAP_KILL in any set. */
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_get_caps_process() < 0)
		die(PR_EXIT_RUNNER, "runner confinement: cannot read capabilities back");
	for (int c = 0; c <= CAP_LAST_CAP; c++) {
		bool allowed = keep_kill && c == CAP_KILL;
		if (!allowed && (capng_have_capability(CAPNG_EFFECTIVE, (unsigned)c) ||
				 capng_have_capability(CAPNG_PERMITTED, (unsigned)c) ||
				 capng_have_capability(CAPNG_INHERITABLE, (unsigned)c) ||
				 (bounding && capng_have_capability(CAPNG_BOUNDING_SET, (unsigned)c)) ||
				 prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1))
			die(PR_EXIT_RUNNER, "runner confinement: capability %d survived the drop", c);
	}
}

void privs_set_undumpable(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die_errno(PR_EXIT_RUNNER, "privileges: prctl(PR_SET_DUMPABLE)");
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		die(PR_EXIT_RUNNER, "privileges: still dumpable after PR_SET_DUMPABLE 0");
}

void privs_set_nnp(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_errno(PR_EXIT_RUNNER, "no_new_privs");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		die(PR_EXIT_RUNNER, "no_new_privs did not stick");
}
