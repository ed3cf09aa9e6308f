/* test-hookreply.c - hookreply_valid / hook_known: valid and invalid replies
 * for every hook lightningd (v26.06) has. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "hookreply.h"
#include "tap.h"

#define K64 "0123456789abcdef0123456789abcdef0123456789ABCDEF0123456789abcdef"
#define PSBT "cHNidP8BAAoCAAAAAAAAAAAAAAA="

struct tcase {
	const char *hook;
	const char *result;	/* JSON of the "result" member, or NULL */
	const char *error;	/* JSON of the "error" member, or NULL */
	bool valid;
	const char *what;
};

static const struct tcase cases[] = {
	/* generic envelope */
	{ "peer_connected", "{\"result\":\"continue\"}", NULL, true, "continue" },
	{ "peer_connected", NULL, "{\"code\":-4,\"message\":\"gone\"}", true, "error -4" },
	{ "peer_connected", NULL, "{\"code\":-4}", true, "error -4 without message" },
	{ "peer_connected", NULL, "{\"code\":-1,\"message\":\"x\"}", false, "error -1" },
	{ "peer_connected", NULL, "{\"code\":-32600,\"message\":\"x\"}", false, "error -32600" },
	{ "peer_connected", NULL, "{\"code\":\"-4\"}", false, "error code as string" },
	{ "peer_connected", NULL, "{\"code\":-4.0}", false, "error code as real" },
	{ "peer_connected", NULL, "{\"code\":-4,\"message\":5}", false, "error message not string" },
	{ "peer_connected", NULL, "\"oops\"", false, "error not an object" },
	{ "peer_connected", "{\"result\":\"continue\"}", "{\"code\":-4}", false, "both result and error" },
	{ "peer_connected", NULL, NULL, false, "neither result nor error" },
	{ "peer_connected", "\"continue\"", NULL, false, "result is a string" },
	{ "peer_connected", "{}", NULL, false, "result without result" },
	{ "peer_connected", "{\"result\":1}", NULL, false, "result.result not a string" },
	/* peer_connected */
	{ "peer_connected", "{\"result\":\"disconnect\",\"error_message\":\"bye\"}", NULL, true, "disconnect" },
	{ "peer_connected", "{\"result\":\"disconnect\",\"error_message\":7}", NULL, false, "error_message not string" },
	{ "peer_connected", "{\"result\":\"reject\"}", NULL, false, "peer_connected reject" },
	{ "peer_connected", "{\"result\":\"continue\",\"extra\":1}", NULL, false, "unknown field" },
	/* commitment_revocation, custommsg, recover */
	{ "commitment_revocation", "{\"result\":\"continue\"}", NULL, true, "continue" },
	{ "commitment_revocation", "{\"result\":\"stop\"}", NULL, false, "stop" },
	{ "custommsg", "{\"result\":\"continue\"}", NULL, true, "continue" },
	{ "custommsg", "{\"result\":\"reject\"}", NULL, false, "reject" },
	{ "custommsg", NULL, "{\"code\":-4}", true, "error -4" },
	{ "recover", "{\"result\":\"continue\"}", NULL, true, "continue" },
	{ "recover", "{\"result\":\"Continue\"}", NULL, false, "Continue (case)" },
	/* db_write */
	{ "db_write", "{\"result\":\"continue\"}", NULL, true, "continue" },
	{ "db_write", NULL, "{\"code\":-4}", false, "error -4 is fatal for db_write" },
	{ "db_write", "{\"result\":\"fail\"}", NULL, false, "fail" },
	{ "db_write", "{\"result\":\"continue\",\"x\":1}", NULL, false, "continue plus field" },
	{ "db_write", "{\"result\":true}", NULL, false, "result true" },
	{ "db_write", "{}", NULL, false, "empty result" },
	/* invoice_payment */
	{ "invoice_payment", "{\"result\":\"continue\"}", NULL, true, "continue" },
	{ "invoice_payment", "{\"result\":\"reject\"}", NULL, true, "reject" },
	{ "invoice_payment", "{\"result\":\"reject\",\"failure_message\":\"2002\"}", NULL, true, "reject with failure_message" },
	{ "invoice_payment", "{\"result\":\"reject\",\"failure_message\":\"20g2\"}", NULL, false, "failure_message not hex" },
	{ "invoice_payment", "{\"result\":\"reject\",\"failure_message\":\"200\"}", NULL, false, "failure_message odd length" },
	{ "invoice_payment", "{\"result\":\"fail\"}", NULL, false, "fail" },
	{ "invoice_payment", "{\"failure_message\":\"2002\"}", NULL, false, "legacy form without result" },
	/* openchannel */
	{ "openchannel", "{\"result\":\"continue\"}", NULL, true, "continue" },
	{ "openchannel", "{\"result\":\"continue\",\"mindepth\":0,\"reserve\":1000}", NULL, true, "mindepth + reserve" },
	{ "openchannel", "{\"result\":\"continue\",\"reserve\":\"546sat\"}", NULL, true, "reserve Nsat" },
	{ "openchannel", "{\"result\":\"continue\",\"reserve\":\"x\"}", NULL, false, "reserve garbage" },
	{ "openchannel", "{\"result\":\"continue\",\"reserve\":-1}", NULL, false, "reserve negative" },
	{ "openchannel", "{\"result\":\"continue\",\"mindepth\":4294967296}", NULL, false, "mindepth > u32" },
	{ "openchannel", "{\"result\":\"continue\",\"mindepth\":\"3\"}", NULL, false, "mindepth as string" },
	{ "openchannel", "{\"result\":\"continue\",\"mindepth\":-1}", NULL, false, "mindepth negative" },
	{ "openchannel", "{\"result\":\"continue\",\"close_to\":42}", NULL, false, "close_to wrong type" },
	{ "openchannel", "{\"result\":\"continue\",\"close_to\":\"bcrt1qxyz\"}", NULL, false, "close_to never forwarded" },
	{ "openchannel", "{\"result\":\"reject\",\"error_message\":\"no\"}", NULL, true, "reject" },
	{ "openchannel", "{\"result\":\"reject\",\"error_message\":[]}", NULL, false, "reject error_message array" },
	{ "openchannel", "{\"result\":\"accept\"}", NULL, false, "accept" },
	/* openchannel2 */
	{ "openchannel2", "{\"result\":\"continue\"}", NULL, true, "continue" },
	{ "openchannel2", "{\"result\":\"continue\",\"psbt\":\"" PSBT "\",\"our_funding_msat\":100000}", NULL, true, "psbt + funding" },
	{ "openchannel2", "{\"result\":\"continue\",\"psbt\":\"" PSBT "\",\"our_funding_msat\":\"100000msat\"}", NULL, true, "funding Nmsat" },
	{ "openchannel2", "{\"result\":\"continue\",\"psbt\":\"" PSBT "\"}", NULL, false, "psbt without funding" },
	{ "openchannel2", "{\"result\":\"continue\",\"psbt\":\"" PSBT "\",\"our_funding_msat\":999}", NULL, false, "funding rounds to 0 sat" },
	{ "openchannel2", "{\"result\":\"continue\",\"psbt\":\"notapsbt\",\"our_funding_msat\":100000}", NULL, false, "psbt not base64 PSBT" },
	{ "openchannel2", "{\"result\":\"continue\",\"psbt\":\"cHNidP8BAA=\",\"our_funding_msat\":100000}", NULL, false, "psbt bad padding" },
	{ "openchannel2", "{\"result\":\"continue\",\"our_funding_msat\":\"12btc\"}", NULL, false, "funding btc unit refused" },
	{ "openchannel2", "{\"result\":\"reject\",\"error_message\":\"no\"}", NULL, true, "reject" },
	{ "openchannel2", "{\"result\":\"reject\",\"psbt\":\"" PSBT "\"}", NULL, false, "reject with psbt" },
	{ "openchannel2", "{\"result\":\"reject\",\"our_funding_msat\":5}", NULL, false, "reject with funding" },
	{ "openchannel2", "{\"result\":\"continue\",\"lease_fee_basis\":5}", NULL, false, "lease field not in schema" },
	/* openchannel2_changed / _sign */
	{ "openchannel2_changed", "{\"result\":\"continue\",\"psbt\":\"" PSBT "\"}", NULL, true, "continue + psbt" },
	{ "openchannel2_changed", "{\"result\":\"continue\"}", NULL, false, "psbt missing" },
	{ "openchannel2_changed", "{\"result\":\"continue\",\"psbt\":5}", NULL, false, "psbt wrong type" },
	{ "openchannel2_sign", "{\"result\":\"continue\",\"psbt\":\"" PSBT "\"}", NULL, true, "continue + psbt" },
	{ "openchannel2_sign", "{\"result\":\"continue\"}", NULL, false, "psbt missing" },
	{ "openchannel2_sign", "{\"result\":\"reject\",\"psbt\":\"" PSBT "\"}", NULL, false, "reject" },
	/* rbf_channel */
	{ "rbf_channel", "{\"result\":\"continue\"}", NULL, true, "continue" },
	{ "rbf_channel", "{\"result\":\"continue\",\"psbt\":\"" PSBT "\",\"our_funding_msat\":\"2000sat\"}", NULL, true, "psbt + funding" },
	{ "rbf_channel", "{\"result\":\"reject\",\"error_message\":\"no\"}", NULL, true, "reject" },
	{ "rbf_channel", "{\"result\":\"reject\",\"psbt\":\"" PSBT "\"}", NULL, false, "reject + psbt" },
	{ "rbf_channel", "{\"result\":\"continue\",\"psbt\":\"" PSBT "\",\"our_funding_msat\":0}", NULL, false, "psbt + zero funding" },
	/* htlc_accepted */
	{ "htlc_accepted", "{\"result\":\"continue\"}", NULL, true, "continue" },
	{ "htlc_accepted", "{\"result\":\"resolve\",\"payment_key\":\"" K64 "\"}", NULL, true, "resolve" },
	{ "htlc_accepted", "{\"result\":\"resolve\"}", NULL, false, "resolve without key" },
	{ "htlc_accepted", "{\"result\":\"resolve\",\"payment_key\":\"" K64 "00\"}", NULL, false, "payment_key 66 hex" },
	{ "htlc_accepted", "{\"result\":\"resolve\",\"payment_key\":\"0123\"}", NULL, false, "payment_key short" },
	{ "htlc_accepted", "{\"result\":\"resolve\",\"payment_key\":\"z123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}", NULL, false, "payment_key non-hex" },
	{ "htlc_accepted", "{\"result\":\"resolve\",\"payment_key\":12}", NULL, false, "payment_key number" },
	{ "htlc_accepted", "{\"result\":\"fail\",\"failure_message\":\"2002\"}", NULL, true, "fail with message" },
	{ "htlc_accepted", "{\"result\":\"fail\",\"failure_onion\":\"00ff\"}", NULL, true, "fail with onion" },
	{ "htlc_accepted", "{\"result\":\"fail\"}", NULL, false, "fail without message/onion" },
	{ "htlc_accepted", "{\"result\":\"fail\",\"failure_message\":\"\"}", NULL, false, "fail empty message" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"payload\":\"0206\",\"forward_to\":\"" K64 "\"}", NULL, true, "payload + forward_to" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"forward_to\":\"00\"}", NULL, false, "forward_to short" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"payload\":\"0x06\"}", NULL, false, "payload not hex" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"invoice_msat\":1000}", NULL, true, "invoice_msat int" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"invoice_msat\":\"1000msat\"}", NULL, true, "invoice_msat Nmsat" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"invoice_msat\":\"18446744073709551616\"}", NULL, false, "invoice_msat overflow" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"invoice_msat\":\"18446744073709552sat\"}", NULL, false, "invoice_msat sat overflow" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"invoice_msat\":1.5}", NULL, false, "invoice_msat real" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"extra_tlvs\":\"\"}", NULL, true, "extra_tlvs empty stream" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"extra_tlvs\":\"0102abcd0300\"}", NULL, true, "extra_tlvs odd types" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"extra_tlvs\":\"0300\"}", NULL, true, "extra_tlvs type 3 empty" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"extra_tlvs\":\"0200\"}", NULL, false, "extra_tlvs unknown even type" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"extra_tlvs\":\"03000100\"}", NULL, false, "extra_tlvs descending" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"extra_tlvs\":\"0105ab\"}", NULL, false, "extra_tlvs length overrun" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"extra_tlvs\":\"fd000100\"}", NULL, false, "extra_tlvs non-minimal bigsize" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"extra_tlvs\":\"fd0101\"}", NULL, false, "extra_tlvs truncated length" },
	{ "htlc_accepted", "{\"result\":\"forward\"}", NULL, false, "unknown result" },
	{ "htlc_accepted", "{\"result\":\"continue\",\"payment_key\":\"" K64 "\",\"foo\":1}", NULL, false, "unknown field" },
	/* onion messages: any string result */
	{ "onion_message_recv", "{\"result\":\"continue\"}", NULL, true, "continue" },
	{ "onion_message_recv", "{\"result\":\"stop\"}", NULL, true, "other string stops the chain" },
	{ "onion_message_recv_secret", "{\"result\":{}}", NULL, false, "non-string result" },
	{ "onion_message_recv_secret", "{\"result\":\"continue\",\"x\":1}", NULL, false, "unknown field" },
	/* rpc_command */
	{ "rpc_command", "{\"result\":\"continue\"}", NULL, true, "continue" },
	{ "rpc_command", "{\"result\":\"stop\"}", NULL, false, "result not continue" },
	{ "rpc_command", "{\"replace\":{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"getinfo\",\"params\":{}}}", NULL, true, "replace" },
	{ "rpc_command", "{\"replace\":{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"getinfo\",\"params\":[],\"filter\":{}}}", NULL, true, "replace positional + filter" },
	{ "rpc_command", "{\"replace\":{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"getinfo\"}}", NULL, false, "replace without params" },
	{ "rpc_command", "{\"replace\":{\"jsonrpc\":\"1.0\",\"id\":\"x\",\"method\":\"getinfo\",\"params\":{}}}", NULL, false, "replace jsonrpc 1.0" },
	{ "rpc_command", "{\"replace\":{\"jsonrpc\":\"2.0\",\"method\":\"getinfo\",\"params\":{}}}", NULL, false, "replace without id" },
	{ "rpc_command", "{\"replace\":{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":5,\"params\":{}}}", NULL, false, "replace method number" },
	{ "rpc_command", "{\"replace\":{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"getinfo\",\"params\":\"p\"}}", NULL, false, "replace params string" },
	{ "rpc_command", "{\"return\":{\"result\":{\"ok\":true}}}", NULL, true, "return result" },
	{ "rpc_command", "{\"return\":{\"error\":{\"code\":-32601,\"message\":\"no\"}}}", NULL, true, "return error" },
	{ "rpc_command", "{\"return\":{\"error\":{\"message\":\"no\"}}}", NULL, false, "return error without code" },
	{ "rpc_command", "{\"return\":{\"error\":{\"code\":1}}}", NULL, false, "return error without message" },
	{ "rpc_command", "{\"return\":{\"error\":{\"code\":\"1\",\"message\":\"m\"}}}", NULL, false, "return error code string" },
	{ "rpc_command", "{\"return\":{\"result\":{},\"error\":{\"code\":1,\"message\":\"m\"}}}", NULL, false, "return both" },
	{ "rpc_command", "{\"return\":{\"result\":5}}", NULL, false, "return result not object" },
	{ "rpc_command", "{\"return\":{}}", NULL, false, "return empty" },
	{ "rpc_command", "{\"result\":\"continue\",\"replace\":{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"getinfo\",\"params\":{}}}", NULL, false, "continue + replace" },
	{ "rpc_command", "{\"other\":1}", NULL, false, "unknown member" },
	{ "rpc_command", NULL, "{\"code\":-4}", true, "error -4" },
	/* unknown hook */
	{ "not_a_hook", "{\"result\":\"continue\"}", NULL, false, "unknown hook" },
};

static json_t *build(const struct tcase *c)
{
	json_t *resp = json_pack("{s:s,s:s}", "jsonrpc", "2.0", "id", "cln:x#1");
	json_error_t e;

	if (c->result) {
		json_t *r = json_loads(c->result, JSON_REJECT_DUPLICATES |
				       JSON_DECODE_ANY, &e);
		if (!r) {
			tap_diag("bad test JSON %s: %s", c->result, e.text);
			exit(2);
		}
		json_object_set_new(resp, "result", r);
	}
	if (c->error) {
		json_t *r = json_loads(c->error, JSON_REJECT_DUPLICATES |
				       JSON_DECODE_ANY, &e);
		if (!r) {
			tap_diag("bad test JSON %s: %s", c->error, e.text);
			exit(2);
		}
		json_object_set_new(resp, "error", r);
	}
	return resp;
}

struct addrcase {
	const char *net, *addr;
	bool valid;
	const char *what;
};

static const struct addrcase addrs[] = {
	/* BIP173 / BIP350 vectors */
	{ "bitcoin", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", true, "v0 P2WPKH upper case" },
	{ "bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", true, "v0 P2WPKH lower case" },
	{ "bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", false, "v0 bad checksum" },
	{ "bitcoin", "bc1qw508d6qejxtdg4Y5r3zarvary0c5xw7kv8f3t4", false, "mixed case" },
	{ "bitcoin", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", true, "v1 bech32m" },
	{ "bitcoin", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", false, "v1 with bech32 checksum" },
	{ "bitcoin", "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", false, "v0 16-byte program" },
	{ "testnet", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", true, "testnet P2WSH" },
	{ "signet", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", true, "signet shares tb" },
	{ "bitcoin", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", false, "testnet address on mainnet" },
	{ "regtest", "bcrt1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysnard0ew", true, "regtest v0" },
	{ "regtest", "bcrt1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0sj9hjuh", true, "regtest v1" },
	{ "regtest", "bcrt1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0s8e87e4", false, "regtest v1 bech32 checksum" },
	{ "regtest", "bcrt1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzshh9yaa", false, "regtest v0 21-byte program" },
	{ "bitcoin", "bcrt1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysnard0ew", false, "regtest address on mainnet" },
	/* Base58Check */
	{ "bitcoin", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", true, "mainnet P2PKH" },
	{ "bitcoin", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", true, "mainnet P2SH" },
	{ "bitcoin", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", false, "P2PKH bad checksum" },
	{ "regtest", "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", true, "test-net P2PKH on regtest" },
	{ "bitcoin", "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", false, "test-net P2PKH on mainnet" },
	{ "regtest", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", false, "mainnet P2PKH on regtest" },
	{ "bitcoin", "", false, "empty" },
	{ "bitcoin", "bc1", false, "hrp only" },
	{ NULL, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", false, "network unknown" },
	{ "nonet", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", false, "network not lightningd's" },
};

static void test_close_to(void)
{
	char why[256];

	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		const struct addrcase *a = &addrs[i];
		json_t *r = json_pack("{s:s,s:s,s:{s:s,s:s}}", "jsonrpc", "2.0",
				      "id", "x", "result", "result", "continue",
				      "close_to", a->addr);
		json_t *r2 = json_pack("{s:s,s:s,s:{s:s,s:s}}", "jsonrpc", "2.0",
				       "id", "x", "result", "result", "continue",
				       "close_to", a->addr);
		bool v = hookreply_valid_net("openchannel", r, a->net, why, sizeof(why));

		ok(v == a->valid, "openchannel close_to %s (%s) -> %s", a->what,
		   a->net ? a->net : "no network", a->valid ? "valid" : "invalid");
		if (v != a->valid)
			tap_diag("  why: %s", why);
		ok(hookreply_valid_net("openchannel2", r2, a->net, why, sizeof(why)) == a->valid,
		   "openchannel2 close_to %s -> same", a->what);
		json_decref(r);
		json_decref(r2);
	}
	{
		json_t *r = json_pack("{s:s,s:s,s:{s:s,s:s}}", "jsonrpc", "2.0", "id", "x",
				      "result", "result", "continue", "close_to",
				      "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2");
		ok(!hookreply_valid("openchannel", r, why, sizeof(why)),
		   "hookreply_valid (no network) refuses any close_to");
		is_str(why, "openchannel: result.close_to cannot be checked (network unknown)",
		       "close_to without network: why");
		json_decref(r);
		r = json_pack("{s:s,s:s,s:{s:s,s:s}}", "jsonrpc", "2.0", "id", "x",
			      "result", "result", "reject", "close_to",
			      "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2");
		ok(!hookreply_valid_net("openchannel", r, "bitcoin", why, sizeof(why)),
		   "openchannel reject with a valid close_to is invalid");
		is_str(why, "openchannel: result.close_to set with reject", "reject+close_to why");
		ok(!hookreply_valid_net("openchannel2", r, "bitcoin", why, sizeof(why)),
		   "openchannel2 reject with a valid close_to is invalid");
		json_decref(r);
	}
}

int main(void)
{
	char why[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		json_t *resp = build(c);
		bool v;

		strcpy(why, "junk");
		v = hookreply_valid(c->hook, resp, why, sizeof(why));
		ok(v == c->valid, "%s: %s -> %s", c->hook, c->what,
		   c->valid ? "valid" : "invalid");
		if (v != c->valid)
			tap_diag("  why: %s", why);
		if (!v)
			ok(strncmp(why, c->hook, strlen(c->hook)) == 0 && why[0],
			   "%s: %s: why names the hook (%s)", c->hook, c->what, why);
		json_decref(resp);
	}

	/* exact why strings for the cases the gate logs most */
	{
		struct tcase c = { "htlc_accepted",
			"{\"result\":\"resolve\",\"payment_key\":\"00\"}", NULL, false, "" };
		json_t *r = build(&c);
		hookreply_valid(c.hook, r, why, sizeof(why));
		is_str(why, "htlc_accepted: result.payment_key is not 64 hex",
		       "why: bad payment_key");
		json_decref(r);
	}
	{
		struct tcase c = { "db_write", NULL, "{\"code\":-4}", false, "" };
		json_t *r = build(&c);
		hookreply_valid(c.hook, r, why, sizeof(why));
		is_str(why, "db_write: an error reply is fatal", "why: db_write error");
		json_decref(r);
	}
	test_close_to();
	ok(!hookreply_valid("peer_connected", NULL, why, sizeof(why)), "NULL reply invalid");
	ok(!hookreply_valid(NULL, NULL, NULL, 0), "NULL hook, NULL why: no crash");

	{
		static const char *const known[] = {
			"peer_connected", "commitment_revocation", "db_write",
			"invoice_payment", "openchannel", "openchannel2",
			"openchannel2_changed", "openchannel2_sign", "rbf_channel",
			"htlc_accepted", "rpc_command", "custommsg",
			"onion_message_recv", "onion_message_recv_secret", "recover",
		};
		size_t n = 0;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			n += hook_known(known[i]);
		is_int(n, 15, "hook_known: all 15 hooks");
		ok(!hook_known("sensitive_command"), "hook_known: old name");
		ok(!hook_known("htlc_accepted "), "hook_known: exact only");
		ok(!hook_known("*"), "hook_known: no glob");
		ok(!hook_known(NULL), "hook_known: NULL");
	}
	return tap_done();
}
