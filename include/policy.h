/* policy.h - the policy file (SPEC section 4): strict load into an immutable
 * struct, and the lookup/trust rules of SPEC section 3.
 * policy_load_* are pure (no exit, no logging) so they can be fuzzed;
 * errors come back as "file:line:column: key: what". */
#ifndef PR_POLICY_H
#define PR_POLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strlist {
	char **v;
	size_t n;
};

enum pol_violation { POL_STRIP, POL_REFUSE };
enum pol_net { POL_NET_NONE, POL_NET_LOOPBACK, POL_NET_HOST };
enum pol_scmp { POL_SCMP_ERRNO, POL_SCMP_KILL, POL_SCMP_LOG };

/* rpc.params: { "datastore": { "key.0": ["summary"] } } -> one rule per
 * (method, path). path is split on '.': "key.0" = element 0 of param key. */
struct pol_param_rule {
	char *method;		/* exact method name (no glob) */
	char *path;		/* as written, e.g. "key.0" */
	struct strlist values;	/* globs the (string) value must match */
};

/* rpc.rate: { "*": "50/s" } -> a token bucket per rule (shared by every
 * method the pattern matches): capacity `burst`, refilled per_sec. */
struct pol_rate {
	char *pattern;		/* method glob */
	char *text;		/* as written, "50/s" */
	double per_sec;
	double burst;
};

struct pol_ldentry {
	char *name;		/* a name inside the lightning-dir, no '/' or ".." */
	bool rw;		/* written with a ":rw" suffix */
};

struct pol_limits {		/* 0 = unlimited (not for nofile/nproc) */
	uint64_t nofile, nproc, as, fsize, cpu;
	uint64_t message;	/* max size of one JSON message, bytes */
};

struct policy {
	char *file;		/* path it was loaded from, or "<built-in>" */
	char sha256[65];	/* of the file's bytes, for the start log */

	char *exec_path;	/* NULL: not pinned */
	char *exec_sha256;	/* lower-case hex; NULL: not pinned */

	struct {
		struct strlist rpcmethods, hooks, subscriptions,
			notifications, options;
		bool featurebits;
		bool custommessages_any;	/* list contained "*" */
		uint16_t *custommessages;
		size_t ncustommessages;
		enum pol_violation on_violation;
	} manifest;

	struct {
		struct strlist allow, deny;
		struct pol_param_rule *params;
		size_t nparams;
		struct pol_rate *rates;
		size_t nrates;
	} rpc;

	struct {
		char *user;			/* default "nobody" */
		enum pol_net network;		/* default none */
		struct strlist read_only;	/* absolute paths */
		struct strlist read_write;	/* absolute paths */
		struct pol_ldentry *lightning_dir;
		size_t nlightning_dir;
		enum pol_scmp seccomp_action;	/* default errno */
		struct strlist seccomp_allow, seccomp_deny;
		struct pol_limits limits;
	} sandbox;

	struct {
		struct strlist keep;		/* names (globs) kept from the runner's env */
		char **set_keys, **set_vals;
		size_t nset;
	} env;
};

/* Defaults for everything absent; documented in plugin-runner.policy(5). */
#define POL_DEFAULT_USER	"nobody"
#define POL_DEFAULT_NOFILE	1024
#define POL_DEFAULT_NPROC	256
#define POL_DEFAULT_FSIZE	(1ULL << 30)
#define POL_DEFAULT_MESSAGE	(64ULL << 20)
#define POL_MAX_DEPTH		64

struct perr {
	char msg[512];		/* "file:line:column: key: what" */
};

/* Set err's one-line message; returns -1, for `return perr_set(...)`. */
int perr_set(struct perr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse policy text. `name` is used in error messages. */
int policy_load_buf(const char *name, const char *text, size_t len,
		    struct policy **out, struct perr *err);
/* Read and parse an already-opened, already-trusted file. */
int policy_load_fd(const char *name, int fd, struct policy **out, struct perr *err);
void policy_free(struct policy *p);	/* NULL-safe */

/* The effective policy (defaults filled in) as JSON, for `check`. It is
 * itself a valid policy: loading its dump gives the same policy. */
json_t *policy_to_json(const struct policy *p);

/* Every key the parser accepts, dotted ("sandbox.limits.nofile"), sections
 * included; NULL-terminated, static. plugin-runner.policy(5) documents each. */
const char *const *policy_known_keys(void);

/* Is `name` one the lightning-dir never hands a plugin, whatever the
 * policy: lightning-rpc, hsm_secret, lightningd.sqlite3*. */
bool policy_ld_never_granted(const char *name);

bool strlist_match(const struct strlist *l, const char *name);	/* any glob matches */
bool strlist_has(const struct strlist *l, const char *name);	/* exact member */
void strlist_push(struct strlist *l, const char *s);	/* copies s (also in manifest.h) */
void strlist_free(struct strlist *l);			/* empties l; l itself stays */

/* ---- policy_find.c: lookup, trust and identity (SPEC section 3) ---- */

/* The file name stem for lookup: basename minus a trailing .py/.js/.sh/.exe. */
char *policy_name_for(const char *plugin_path);

/* Find and open the policy: explicit file, else DIR/NAME.json, else
 * DIR/default.json. Opens with O_NOFOLLOW and checks ownership/mode of the
 * file and its directory (StrictModes: owned by root or the invoking uid, not
 * group/other-writable). Returns an fd and the chosen path (*path, malloc'd)
 * or -1 with a one-line message "what (fix)" in err. */
int policy_find(const char *explicit_file, const char *dir,
		const char *plugin_path, char **path, struct perr *err);

/* exec.path / exec.sha256 against the plugin file open at plugin_fd
 * (resolved real path `real_path`). Returns 0 or -1 with err. */
int policy_check_identity(const struct policy *p, const char *real_path,
			  int plugin_fd, struct perr *err);

#endif
