/* learn.h - --learn FILE: run permissively, record what the plugin
 * registered and called, and write a least-privilege policy at exit. */
#ifndef PR_LEARN_H
#define PR_LEARN_H

#include <jansson.h>

struct learn;
/* Opens FILE now (the runner is confined later and could not create it
 * then); dies with a one-line error if it cannot. */
struct learn *learn_new(const char *plugin_path, const char *file);
void learn_manifest(struct learn *l, const json_t *manifest);	/* unfiltered */
void learn_rpc(struct learn *l, const char *method);
/* The learned policy as JSON (for tests), and writing it to FILE. */
json_t *learn_policy(const struct learn *l);
int learn_write(struct learn *l);
void learn_free(struct learn *l);

#endif
