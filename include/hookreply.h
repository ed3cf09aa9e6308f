/* hookreply.h - is a plugin's reply to a hook one lightningd can take
 * without fatal()? Shapes follow Core Lightning's doc/schemas/hook/<hook>.json.
 * Pure. */
#ifndef PR_HOOKREPLY_H
#define PR_HOOKREPLY_H

#include <jansson.h>
#include <stdbool.h>

/* hook: the hook's method name; resp: the whole response object from the
 * plugin ({"jsonrpc","id","result"|"error"}). Returns true if it may be
 * forwarded unchanged. An error with code -4 is valid for every hook but
 * db_write. For db_write only result == {"result":"continue"} is valid.
 * False fills why ("htlc_accepted: result.payment_key is not 64 hex"). */
bool hookreply_valid(const char *hook, const json_t *resp, char *why, size_t whylen);

/* The same, knowing lightningd's network (init's configuration.network:
 * "bitcoin", "regtest", "signet", "testnet", "testnet4", "liquid",
 * "liquid-regtest"). openchannel/openchannel2 `close_to` is only valid as
 * an address of that network (lightningd fatal()s on any other); with
 * network NULL or unknown (hookreply_valid), a close_to is always invalid. */
bool hookreply_valid_net(const char *hook, const json_t *resp,
			 const char *network, char *why, size_t whylen);

/* Hooks lightningd knows (v26.06). */
bool hook_known(const char *hook);

#endif
