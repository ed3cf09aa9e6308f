/* hookreply.c - decide whether a plugin's reply to a hook is one lightningd
 * (v26.06) can take without fatal(): reply shapes from Core Lightning's
 * doc/schemas/hook/<hook>.json, checked against what the deserialisers in
 * lightningd/{peer_htlcs,invoice,opening_control,dual_open_control,
 * peer_control,connect_control,jsonrpc,lightningd}.c actually accept.
 * Pure: no I/O, no logging, no allocation. Must not modify the reply.
 * Called by gate.c for every response to a hook request.
 *
 * Policy: a reply is valid only if it matches the schema *and* every field
 * lightningd parses would parse. Fields the schema does not list are refused
 * (the schemas say additionalProperties:false); lightningd itself ignores
 * them today, but a newer lightningd may start parsing one and fatal() on
 * it, and the runner cannot check what it does not know. The cost of a false
 * "invalid" is that gate.c answers {"result":"continue"} instead. */
#include <inttypes.h>
#include <sha2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hookreply.h"
#include "util.h"

enum ftype {
	F_STR,		/* any string */
	F_HEX,		/* non-empty, even-length hex */
	F_HEX32,	/* exactly 32 bytes of hex (preimage, channel_id) */
	F_TLVS,		/* hex TLV stream lightningd's parser accepts */
	F_MSAT,		/* integer, or "N", "Nmsat", "Nsat" */
	F_SAT,		/* integer, or "N", "Nsat" */
	F_U32,		/* integer 0..2^32-1 */
	F_PSBT,		/* base64 of something starting "psbt\xff" */
	F_ADDR,		/* address of lightningd's network */
};

struct fdef {
	const char *name;
	enum ftype type;
};

struct hookdef {
	const char *name;
	const char *const *results;	/* NULL: any string */
	const struct fdef *fields;	/* allowed members besides "result" */
	/* cross-field rules; NULL if none. Returns false and fills why. */
	bool (*extra)(const char *hook, const json_t *res, const char *r,
		      char *why, size_t whylen);
};

static const char *const r_continue[] = { "continue", NULL };
static const char *const r_cont_disc[] = { "continue", "disconnect", NULL };
static const char *const r_cont_rej[] = { "continue", "reject", NULL };
static const char *const r_htlc[] = { "continue", "fail", "resolve", NULL };

static const struct fdef f_none[] = { { NULL, F_STR } };
static const struct fdef f_peer_connected[] = {
	{ "error_message", F_STR }, { NULL, F_STR } };
static const struct fdef f_invoice_payment[] = {
	{ "failure_message", F_HEX }, { NULL, F_STR } };
static const struct fdef f_openchannel[] = {
	{ "error_message", F_STR }, { "close_to", F_ADDR },
	{ "mindepth", F_U32 }, { "reserve", F_SAT }, { NULL, F_STR } };
static const struct fdef f_openchannel2[] = {
	{ "error_message", F_STR }, { "close_to", F_ADDR },
	{ "psbt", F_PSBT }, { "our_funding_msat", F_MSAT }, { NULL, F_STR } };
static const struct fdef f_psbt_only[] = {
	{ "psbt", F_PSBT }, { NULL, F_STR } };
static const struct fdef f_rbf[] = {
	{ "error_message", F_STR }, { "psbt", F_PSBT },
	{ "our_funding_msat", F_MSAT }, { NULL, F_STR } };
static const struct fdef f_htlc[] = {
	{ "payload", F_HEX }, { "forward_to", F_HEX32 },
	{ "extra_tlvs", F_TLVS }, { "invoice_msat", F_MSAT },
	{ "failure_message", F_HEX }, { "failure_onion", F_HEX },
	{ "payment_key", F_HEX32 }, { NULL, F_STR } };

static bool fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool is_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Decimal digits to u64 times 10^tens, false on overflow (amount.c's
 * from_number() rules). */
static bool digits_u64(const char *s, size_t n, int tens, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	for (; tens > 0; tens--) {
		if (v > UINT64_MAX / 10)
			return false;
		v *= 10;
	}
	*out = v;
	return true;
}

static bool has_suffix(const char *s, size_t n, const char *suf, size_t *stem)
{
	size_t sl = strlen(suf);

	if (n < sl || memcmp(s + n - sl, suf, sl) != 0)
		return false;
	*stem = n - sl;
	return true;
}

/* json_to_msat(): a JSON integer (the lexeme is read as digits), or a
 * string "N", "Nmsat", "Nsat". ("N.NNbtc" also parses in lightningd; we
 * refuse it, being stricter is safe.) */
static bool parse_msat(const json_t *v, uint64_t *msat)
{
	const char *s;
	size_t n, stem;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return false;
		*msat = (uint64_t)json_integer_value(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	n = json_string_length(v);
	if (is_digits(s, n))
		return digits_u64(s, n, 0, msat);
	if (has_suffix(s, n, "msat", &stem) && is_digits(s, stem))
		return digits_u64(s, stem, 0, msat);
	if (has_suffix(s, n, "sat", &stem) && is_digits(s, stem))
		return digits_u64(s, stem, 3, msat);
	return false;
}

/* json_to_sat(): integer, "N" or "Nsat". */
static bool parse_sat(const json_t *v)
{
	const char *s;
	size_t n, stem;
	uint64_t sat;

	if (json_is_integer(v))
		return json_integer_value(v) >= 0;
	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	n = json_string_length(v);
	if (is_digits(s, n))
		return digits_u64(s, n, 0, &sat);
	if (has_suffix(s, n, "sat", &stem) && is_digits(s, stem))
		return digits_u64(s, stem, 0, &sat);
	return false;
}

/* ccan hex_decode() rules: even length, [0-9a-fA-F]. */
static bool is_hex(const char *s, size_t n)
{
	if (n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

static uint8_t hexbyte(const char *s, size_t i)
{
	return (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
}

/* BOLT #1 BigSize, minimally encoded; p indexes bytes of hex s. */
static bool bigsize(const char *s, size_t nbytes, size_t *p, uint64_t *out)
{
	uint8_t b;
	size_t len;
	uint64_t v = 0, min;

	if (*p >= nbytes)
		return false;
	b = hexbyte(s, (*p)++);
	if (b < 0xfd) {
		*out = b;
		return true;
	}
	len = b == 0xfd ? 2 : b == 0xfe ? 4 : 8;
	min = b == 0xfd ? 0xfd : b == 0xfe ? 0x10000 : 0x100000000ULL;
	if (nbytes - *p < len)
		return false;
	for (size_t i = 0; i < len; i++)
		v = v << 8 | hexbyte(s, (*p)++);
	if (v < min)
		return false;
	*out = v;
	return true;
}

/* extra_tlvs must parse as tlv_update_add_htlc_tlvs (peer_htlcs.c fatal()s
 * otherwise): ascending types, minimal BigSizes, lengths in bounds, no
 * unknown even type. The one known type (0, blinded_path) holds a curve
 * point we cannot check without secp256k1, so even types are refused. */
static bool is_tlv_stream(const char *s, size_t n)
{
	size_t nbytes = n / 2, p = 0;
	uint64_t type, len;
	bool first = true;
	uint64_t last = 0;

	if (!is_hex(s, n))
		return false;
	while (p < nbytes) {
		if (!bigsize(s, nbytes, &p, &type) ||
		    !bigsize(s, nbytes, &p, &len))
			return false;
		if (!first && type <= last)
			return false;
		if (type % 2 == 0)
			return false;
		if (len > nbytes - p)
			return false;
		p += (size_t)len;
		last = type;
		first = false;
	}
	return true;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* psbt_from_b64(): standard base64 with padding, and the PSBT magic
 * "psbt\xff" (base64 "cHNidP8"). What libwally then requires of the
 * contents (and dual_open_control.c's psbt_has_required_fields()) is not
 * checked here. */
static bool is_psbt(const char *s, size_t n)
{
	size_t pad = 0;

	if (n < 8 || n % 4 || strncmp(s, "cHNidP8", 7) != 0)
		return false;
	if (s[n - 1] == '=')
		pad++;
	if (s[n - 2] == '=')
		pad++;
	for (size_t i = 0; i < n - pad; i++)
		if (b64val(s[i]) < 0)
			return false;
	/* unused bits of the last symbol must be zero (canonical) */
	if (pad == 1 && (b64val(s[n - 2]) & 0x3))
		return false;
	if (pad == 2 && (b64val(s[n - 3]) & 0xf))
		return false;
	return true;
}

/* Networks lightningd knows (bitcoin/chainparams.c): bech32 hrp and the
 * base58 version bytes. */
static const struct net {
	const char *name, *hrp;
	uint8_t p2pkh, p2sh;
} nets[] = {
	{ "bitcoin", "bc", 0, 5 },
	{ "regtest", "bcrt", 111, 196 },
	{ "signet", "tb", 111, 196 },
	{ "testnet", "tb", 111, 196 },
	{ "testnet4", "tb", 111, 196 },
	{ "liquid-regtest", "ert", 91, 75 },
	{ "liquid", "ex", 57, 39 },
};

static const struct net *find_net(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++)
		if (strcmp(nets[i].name, name) == 0)
			return &nets[i];
	return NULL;
}

/* Base58Check of exactly 1 version byte + 20 hash bytes + 4 checksum
 * bytes. Returns 1 and the version, 0 if it is not such a string. */
static int base58check21(const char *s, size_t n, uint8_t *version)
{
	static const char alpha[] =
		"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	uint8_t num[25] = { 0 }, d1[SHA256_DIGEST_LENGTH], d2[SHA256_DIGEST_LENGTH];
	size_t zeros = 0, sig;
	SHA2_CTX ctx;

	if (n == 0 || n > 64)
		return 0;
	while (zeros < n && s[zeros] == '1')
		zeros++;
	for (size_t i = zeros; i < n; i++) {
		const char *c = s[i] ? strchr(alpha, s[i]) : NULL;
		unsigned carry;

		if (!c)
			return 0;
		carry = (unsigned)(c - alpha);
		for (size_t j = sizeof(num); j-- > 0;) {
			carry += 58u * num[j];
			num[j] = (uint8_t)carry;
			carry >>= 8;
		}
		if (carry)
			return 0;	/* longer than 25 bytes */
	}
	for (sig = sizeof(num); sig > 0 && num[sizeof(num) - sig] == 0; sig--)
		;
	if (zeros + sig != sizeof(num))
		return 0;
	SHA256Init(&ctx);
	SHA256Update(&ctx, num, 21);
	SHA256Final(d1, &ctx);
	SHA256Init(&ctx);
	SHA256Update(&ctx, d1, sizeof(d1));
	SHA256Final(d2, &ctx);
	if (memcmp(d2, num + 21, 4) != 0)
		return 0;
	*version = num[0];
	return 1;
}

static uint32_t bech32_polymod_step(uint32_t chk, uint8_t v)
{
	static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
					 0x3d4233dd, 0x2a1462b3 };
	uint32_t b = chk >> 25;

	chk = ((chk & 0x1ffffff) << 5) ^ v;
	for (int i = 0; i < 5; i++)
		if ((b >> i) & 1)
			chk ^= gen[i];
	return chk;
}

/* BIP173/BIP350 segwit address for hrp, as common/bech32.c's
 * segwit_addr_decode() accepts it, plus lightningd's v0 length rule. */
static bool segwit_addr_ok(const char *s, size_t n, const char *hrp)
{
	static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	uint8_t data[90];
	size_t pos, hlen = strlen(hrp), dlen, prog = 0;
	bool lower = false, upper = false;
	uint32_t chk = 1, acc = 0;
	int bits = 0;

	if (n < 8 || n > 90)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 33 || s[i] > 126)
			return false;
		lower |= s[i] >= 'a' && s[i] <= 'z';
		upper |= s[i] >= 'A' && s[i] <= 'Z';
	}
	if (lower && upper)
		return false;
	for (pos = n; pos > 0 && s[pos - 1] != '1'; pos--)
		;
	if (pos == 0)
		return false;
	pos--;				/* index of the separator */
	if (pos != hlen || n - pos - 1 < 6)
		return false;
	for (size_t i = 0; i < hlen; i++)
		if ((s[i] | 0x20) != hrp[i])
			return false;
	for (size_t i = 0; i < hlen; i++)
		chk = bech32_polymod_step(chk, (uint8_t)((s[i] | 0x20) >> 5));
	chk = bech32_polymod_step(chk, 0);
	for (size_t i = 0; i < hlen; i++)
		chk = bech32_polymod_step(chk, (uint8_t)((s[i] | 0x20) & 31));
	dlen = 0;
	for (size_t i = pos + 1; i < n; i++) {
		const char *c = strchr(charset, s[i] | 0x20);

		if (!c || !s[i])
			return false;
		data[dlen] = (uint8_t)(c - charset);
		chk = bech32_polymod_step(chk, data[dlen++]);
	}
	dlen -= 6;			/* drop the checksum */
	if (dlen == 0 || dlen > 65 || data[0] > 16)
		return false;
	if (chk != (data[0] == 0 ? 1u : 0x2bc830a3u))
		return false;		/* v0 is bech32, v1+ bech32m */
	for (size_t i = 1; i < dlen; i++) {
		acc = (acc << 5) | data[i];
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			prog++;
		}
	}
	if (bits >= 5 || (acc & ((1u << bits) - 1)))
		return false;		/* padding must be short and zero */
	if (prog < 2 || prog > 40)
		return false;
	if (data[0] == 0 && prog != 20 && prog != 32)
		return false;
	return true;
}

/* common/json_param.c json_to_address_scriptpubkey(): Base58Check first
 * (then only the network's version bytes), else a segwit address with the
 * network's hrp. */
static bool address_ok(const char *s, size_t n, const struct net *net)
{
	uint8_t ver;

	if (base58check21(s, n, &ver))
		return ver == net->p2pkh || ver == net->p2sh;
	return segwit_addr_ok(s, n, net->hrp);
}

static bool check_field(const char *hook, const char *key, enum ftype t,
			const json_t *v, const struct net *net, char *why,
			size_t whylen)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	uint64_t msat;

	switch (t) {
	case F_STR:
		if (!s)
			return fail(why, whylen, "%s: result.%s is not a string",
				    hook, key);
		return true;
	case F_HEX:
		if (!s || n == 0 || !is_hex(s, n))
			return fail(why, whylen, "%s: result.%s is not hex",
				    hook, key);
		return true;
	case F_HEX32:
		if (!s || n != 64 || !is_hex(s, n))
			return fail(why, whylen, "%s: result.%s is not 64 hex",
				    hook, key);
		return true;
	case F_TLVS:
		if (!s || !is_tlv_stream(s, n))
			return fail(why, whylen,
				    "%s: result.%s is not an acceptable TLV stream"
				    " (hex, ascending odd types)", hook, key);
		return true;
	case F_MSAT:
		if (!parse_msat(v, &msat))
			return fail(why, whylen, "%s: result.%s is not an msat amount",
				    hook, key);
		return true;
	case F_SAT:
		if (!parse_sat(v))
			return fail(why, whylen, "%s: result.%s is not a sat amount",
				    hook, key);
		return true;
	case F_U32:
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > (json_int_t)UINT32_MAX)
			return fail(why, whylen, "%s: result.%s is not a u32",
				    hook, key);
		return true;
	case F_PSBT:
		if (!s || !is_psbt(s, n))
			return fail(why, whylen, "%s: result.%s is not a base64 PSBT",
				    hook, key);
		return true;
	case F_ADDR:
		if (!s)
			return fail(why, whylen, "%s: result.%s is not a string",
				    hook, key);
		/* lightningd fatal()s on an address it cannot parse or one of
		 * another network: without the network, nothing passes. */
		if (!net)
			return fail(why, whylen,
				    "%s: result.%s cannot be checked (network unknown)",
				    hook, key);
		if (!address_ok(s, n, net))
			return fail(why, whylen,
				    "%s: result.%s is not a %s address", hook, key,
				    net->name);
		return true;
	}
	return fail(why, whylen, "%s: internal: bad field type", hook);
}

/* our_funding_msat as lightningd sees it: rounded down to whole sats. */
static uint64_t funding_sat(const json_t *res)
{
	const json_t *v = json_object_get(res, "our_funding_msat");
	uint64_t msat = 0;

	if (v && !parse_msat(v, &msat))
		return 0;
	return msat / 1000;
}

/* openchannel2 / rbf_channel (dual_open_control.c): a reject must carry
 * nothing but error_message; a continue with a psbt needs a non-zero
 * our_funding_msat (in whole sats). */
static bool extra_dual(const char *hook, const json_t *res, const char *r,
		       char *why, size_t whylen)
{
	if (strcmp(r, "reject") == 0) {
		static const char *const banned[] = {
			"close_to", "psbt", "our_funding_msat", NULL };
		for (size_t i = 0; banned[i]; i++)
			if (json_object_get(res, banned[i]))
				return fail(why, whylen,
					    "%s: result.%s set with reject",
					    hook, banned[i]);
		return true;
	}
	if (json_object_get(res, "psbt") && funding_sat(res) == 0)
		return fail(why, whylen,
			    "%s: result.psbt without a non-zero our_funding_msat",
			    hook);
	return true;
}

/* opening_control.c: reject with close_to is fatal. */
static bool extra_openchannel(const char *hook, const json_t *res,
			      const char *r, char *why, size_t whylen)
{
	if (strcmp(r, "reject") == 0 && json_object_get(res, "close_to"))
		return fail(why, whylen, "%s: result.close_to set with reject",
			    hook);
	return true;
}

static bool extra_psbt_required(const char *hook, const json_t *res,
				const char *r, char *why, size_t whylen)
{
	(void)r;
	if (!json_object_get(res, "psbt"))
		return fail(why, whylen, "%s: result.psbt missing", hook);
	return true;
}

static bool extra_htlc(const char *hook, const json_t *res, const char *r,
		       char *why, size_t whylen)
{
	if (strcmp(r, "fail") == 0 &&
	    !json_object_get(res, "failure_message") &&
	    !json_object_get(res, "failure_onion"))
		return fail(why, whylen,
			    "%s: fail without failure_message or failure_onion",
			    hook);
	if (strcmp(r, "resolve") == 0 && !json_object_get(res, "payment_key"))
		return fail(why, whylen, "%s: resolve without payment_key", hook);
	return true;
}

static const struct hookdef hooks[] = {
	{ "commitment_revocation", r_continue, f_none, NULL },
	{ "custommsg", r_continue, f_none, NULL },
	{ "db_write", r_continue, f_none, NULL },
	{ "htlc_accepted", r_htlc, f_htlc, extra_htlc },
	{ "invoice_payment", r_cont_rej, f_invoice_payment, NULL },
	{ "onion_message_recv", NULL, f_none, NULL },
	{ "onion_message_recv_secret", NULL, f_none, NULL },
	{ "openchannel", r_cont_rej, f_openchannel, extra_openchannel },
	{ "openchannel2", r_cont_rej, f_openchannel2, extra_dual },
	{ "openchannel2_changed", r_continue, f_psbt_only, extra_psbt_required },
	{ "openchannel2_sign", r_continue, f_psbt_only, extra_psbt_required },
	{ "peer_connected", r_cont_disc, f_peer_connected, NULL },
	{ "rbf_channel", r_cont_rej, f_rbf, extra_dual },
	{ "recover", r_continue, f_none, NULL },
	{ "rpc_command", NULL, NULL, NULL },	/* own checker */
};

static const struct hookdef *find_hook(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (strcmp(hooks[i].name, name) == 0)
			return &hooks[i];
	return NULL;
}

bool hook_known(const char *hook)
{
	return find_hook(hook) != NULL;
}

static const struct fdef *find_field(const struct fdef *f, const char *key)
{
	for (; f->name; f++)
		if (strcmp(f->name, key) == 0)
			return f;
	return NULL;
}

/* jsonrpc.c replace_command(): an object with jsonrpc "2.0", id, a string
 * method and params (object or array). Unknown members are allowed there
 * (the request is run as given, "filter" included). */
static bool rpc_replace_valid(const json_t *rep, char *why, size_t whylen)
{
	const json_t *v;

	if (!json_is_object(rep))
		return fail(why, whylen, "rpc_command: result.replace is not an object");
	v = json_object_get(rep, "jsonrpc");
	if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0)
		return fail(why, whylen, "rpc_command: result.replace.jsonrpc is not \"2.0\"");
	v = json_object_get(rep, "id");
	if (!v || !(json_is_string(v) || json_is_number(v) || json_is_null(v)))
		return fail(why, whylen, "rpc_command: result.replace.id missing or not a string/number");
	v = json_object_get(rep, "method");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(why, whylen, "rpc_command: result.replace.method is not a string");
	v = json_object_get(rep, "params");
	if (!json_is_object(v) && !json_is_array(v))
		return fail(why, whylen, "rpc_command: result.replace.params is not an object or array");
	return true;
}

/* return.error: lightningd dereferences code and message unchecked
 * (jsonrpc.c rpc_command_hook_callback), so both are required. */
static bool rpc_return_valid(const json_t *ret, char *why, size_t whylen)
{
	const json_t *e, *v;

	if (!json_is_object(ret) || json_object_size(ret) != 1)
		return fail(why, whylen,
			    "rpc_command: result.return must hold exactly one of result/error");
	if ((v = json_object_get(ret, "result")) != NULL) {
		if (!json_is_object(v))
			return fail(why, whylen, "rpc_command: result.return.result is not an object");
		return true;
	}
	e = json_object_get(ret, "error");
	if (!json_is_object(e))
		return fail(why, whylen, "rpc_command: result.return has neither result nor error object");
	v = json_object_get(e, "code");
	if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
	    json_integer_value(v) > INT32_MAX)
		return fail(why, whylen, "rpc_command: result.return.error.code is not an integer");
	if (!json_is_string(json_object_get(e, "message")))
		return fail(why, whylen, "rpc_command: result.return.error.message is not a string");
	return true;
}

static bool rpc_command_valid(const json_t *res, char *why, size_t whylen)
{
	const char *key;
	const json_t *v;

	if (json_object_size(res) != 1)
		return fail(why, whylen,
			    "rpc_command: result must hold exactly one of result/replace/return");
	if ((v = json_object_get(res, "result")) != NULL) {
		if (!json_is_string(v) || strcmp(json_string_value(v), "continue") != 0)
			return fail(why, whylen, "rpc_command: result.result is not \"continue\"");
		return true;
	}
	if ((v = json_object_get(res, "replace")) != NULL)
		return rpc_replace_valid(v, why, whylen);
	if ((v = json_object_get(res, "return")) != NULL)
		return rpc_return_valid(v, why, whylen);
	json_object_foreach((json_t *)res, key, v)
		return fail(why, whylen, "rpc_command: unexpected result.%s", key);
	return fail(why, whylen, "rpc_command: empty result");
}

/* plugin_hook.c: an error reply is taken only with code -4 (PLUGIN_TERMINATED,
 * "skip this plugin"); db_write fatal()s on any error. */
static bool error_valid(const char *hook, const json_t *err, char *why,
			size_t whylen)
{
	const json_t *code, *msg;

	if (strcmp(hook, "db_write") == 0)
		return fail(why, whylen, "db_write: an error reply is fatal");
	if (!json_is_object(err))
		return fail(why, whylen, "%s: error is not an object", hook);
	code = json_object_get(err, "code");
	if (!json_is_integer(code) || json_integer_value(code) != -4)
		return fail(why, whylen, "%s: error code is not -4", hook);
	msg = json_object_get(err, "message");
	if (msg && !json_is_string(msg))
		return fail(why, whylen, "%s: error.message is not a string", hook);
	return true;
}

bool hookreply_valid(const char *hook, const json_t *resp, char *why, size_t whylen)
{
	return hookreply_valid_net(hook, resp, NULL, why, whylen);
}

bool hookreply_valid_net(const char *hook, const json_t *resp,
			 const char *network, char *why, size_t whylen)
{
	const struct hookdef *h = find_hook(hook);
	const struct net *net = find_net(network);
	const json_t *res, *err, *rv, *v;
	const char *r, *key;

	if (why && whylen)
		why[0] = '\0';
	if (!h)
		return fail(why, whylen, "%s: not a hook lightningd knows",
			    hook ? hook : "(null)");
	if (!json_is_object(resp))
		return fail(why, whylen, "%s: reply is not an object", hook);
	res = json_object_get(resp, "result");
	err = json_object_get(resp, "error");
	if (res && err)
		return fail(why, whylen, "%s: reply has both result and error", hook);
	if (err)
		return error_valid(hook, err, why, whylen);
	if (!res)
		return fail(why, whylen, "%s: reply has neither result nor error", hook);
	if (!json_is_object(res))
		return fail(why, whylen, "%s: result is not an object", hook);

	if (strcmp(hook, "rpc_command") == 0)
		return rpc_command_valid(res, why, whylen);

	rv = json_object_get(res, "result");
	if (!json_is_string(rv))
		return fail(why, whylen, "%s: result.result is not a string", hook);
	r = json_string_value(rv);
	if (h->results) {
		size_t i;
		for (i = 0; h->results[i]; i++)
			if (strcmp(h->results[i], r) == 0)
				break;
		if (!h->results[i])
			return fail(why, whylen, "%s: result.result \"%.40s\" not allowed",
				    hook, r);
	}
	json_object_foreach((json_t *)res, key, v) {
		const struct fdef *f;

		if (strcmp(key, "result") == 0)
			continue;
		if ((f = find_field(h->fields, key)) == NULL)
			return fail(why, whylen, "%s: unexpected result.%.40s",
				    hook, key);
		if (!check_field(hook, key, f->type, v, net, why, whylen))
			return false;
	}
	if (h->extra && !h->extra(hook, res, r, why, whylen))
		return false;
	return true;
}
