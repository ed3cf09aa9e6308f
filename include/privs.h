/* privs.h - identity and capabilities (SPEC 7 step 4), every drop verified
 * (STYLE C8). Setup code: dies with PR_EXIT_RUNNER. */
#ifndef PR_PRIVS_H
#define PR_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>
#include "policy.h"

struct privs_target {
	bool switch_id;		/* started as root: setresuid/gid to uid/gid */
	uid_t uid;
	gid_t gid;
	char user[64];		/* for messages */
};

/* Look up sandbox.user before clone (STYLE P4); switch_id only when root. */
void privs_resolve(const struct policy *p, struct privs_target *t);

/* Switch ids (when t->switch_id), clear every capability set including
 * bounding and ambient, then verify: ids all equal, setuid(0) fails, no
 * capability left anywhere. */
void privs_drop(const struct privs_target *t);

/* Keep the current uid but clear every capability except CAP_KILL when
 * keep_kill (and lock securebits when uid 0 so exec cannot regain any),
 * verified. For the runner. */
void privs_drop_caps_keep_uid(bool keep_kill);

/* PR_SET_DUMPABLE 0, verified: our /proc files (environ, mem, maps, fd...)
 * then belong to root, and reading them takes CAP_SYS_PTRACE, whatever the
 * reader's uid. A change of euid or egid sets it back to fs.suid_dumpable;
 * exec decides it afresh for the new program. */
void privs_set_undumpable(void);

/* PR_SET_NO_NEW_PRIVS, verified. */
void privs_set_nnp(void);

#endif
