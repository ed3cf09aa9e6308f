#!/usr/bin/python3
# 14-hooks.t - hook replies validated against the hook's reply shape
# before they reach the host (SPEC 5; PROTOCOL 5.3): invalid ->
# {"result":"continue"} and logged; db_write: only continue passes,
# anything else ends the plugin.
import json
import os
import sys
import time
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403

KEY = "9eef04be9399d4f295859d00303ab4e2374f72aa8e7834da442fa00d2df08f74"
HTLC = {"onion": {"payload": "", "type": "tlv", "total_msat": 1000,
                  "forward_msat": 1000, "outgoing_cltv_value": 200,
                  "shared_secret": "00" * 32, "next_onion": "00" * 1366},
        "htlc": {"short_channel_id": "103x1x0", "id": 0, "amount_msat": 1000,
                 "cltv_expiry": 210, "cltv_expiry_relative": 10,
                 "payment_hash": "00" * 32},
        "forward_to": "1x2x3"}
PEER = {"peer": {"id": "0230ca4d4a8c6383246fcc39567143aa05833943d979122111ee6c6baad402922b",
                 "direction": "out", "addr": "127.0.0.1:19912", "features": "800898880a8a59a1"}}
INVOICE = {"payment": {"label": "lbl", "preimage": KEY, "msat": 1000}}
CONTINUE = {"result": "continue"}
RPCCMD = {"rpc_command": {"jsonrpc": "2.0", "method": "getinfo", "id": "cli:getinfo#30064",
                          "params": []}}
REPLACE = {"jsonrpc": "2.0", "id": "cli:getinfo#30064", "method": "getinfo", "params": {}}
# PROTOCOL 9: the plugin's own rpc.* rules apply to a replace target (the
# test policy allows only getinfo)
REPLACE_DENIED = {"jsonrpc": "2.0", "id": "cli:getinfo#30064", "method": "withdraw",
                  "params": {"destination": "x", "satoshi": "all"}}

CASES = [
    # hook, params, raw reply (result member), expected result at the host
    ("htlc_accepted", HTLC, '{"result":"resolve","payment_key":"zz"}', CONTINUE),
    ("htlc_accepted", HTLC, '{"result":"resolve"}', CONTINUE),
    ("htlc_accepted", HTLC, '{"result":"bogus"}', CONTINUE),
    ("htlc_accepted", HTLC, '{"foo":1}', CONTINUE),
    ("htlc_accepted", HTLC, '"continue"', CONTINUE),
    ("htlc_accepted", HTLC, '{"result":"fail","failure_message":"not-hex"}', CONTINUE),
    ("htlc_accepted", HTLC, '{"result":"resolve","payment_key":"%s"}' % KEY,
     {"result": "resolve", "payment_key": KEY}),
    ("htlc_accepted", HTLC, '{"result":"fail","failure_message":"2002"}',
     {"result": "fail", "failure_message": "2002"}),
    ("htlc_accepted", HTLC, '{"result":"continue"}', CONTINUE),
    ("peer_connected", PEER, '{"result":"disconnect","error_message":5}', CONTINUE),
    ("peer_connected", PEER, '{"result":"disconnect","error_message":"bye"}',
     {"result": "disconnect", "error_message": "bye"}),
    ("invoice_payment", INVOICE, '{"result":"reject"}', {"result": "reject"}),
    ("invoice_payment", INVOICE, '{"result":"maybe"}', CONTINUE),
    ("rpc_command", RPCCMD, '{"return":5}', CONTINUE),
    ("rpc_command", RPCCMD, '{"replace":"getinfo"}', CONTINUE),
    ("rpc_command", RPCCMD, '{"return":{"result":{"spoof":1}}}', {"return": {"result": {"spoof": 1}}}),
    ("rpc_command", RPCCMD, compact({"replace": REPLACE}).decode(), {"replace": REPLACE}),
    ("rpc_command", RPCCMD, compact({"replace": REPLACE_DENIED}).decode(), CONTINUE),
    ("rpc_command", RPCCMD, '{"result":"continue"}', CONTINUE),
]


def one(hook, params, reply, want):
    pol = policy(manifest={"hooks": [hook]})
    with runner([HOSTILE, "--hooks=" + hook, "--hook-reply=%s=%s" % (hook, reply)], pol) as h:
        h.start()
        h.handshake()
        r = h.hook(hook, params)
        is_(r.json.get("result"), want, "%s reply %s -> %s" % (hook, reply, compact(want).decode()))
        if want == CONTINUE and reply != '{"result":"continue"}':
            ok(b"error" not in r.raw, "no error object is ever sent to a hook")
            ok(stderr_has(h, hook.encode()), "the rewrite is logged on stderr")
        ok(h.alive(), "plugin keeps running")
        h.close_stdin()
        h.wait_exit()


def db_write_bad(reply, name):
    pol = policy(manifest={"hooks": ["db_write"]})
    with runner([HOSTILE, "--hooks=db_write", "--hook-reply=db_write=%s" % reply], pol) as h:
        h.start()
        h.getmanifest()
        rid = h.next_id("db_write")
        h.send({"jsonrpc": "2.0", "id": rid, "method": "db_write",
                "params": {"data_version": 1, "writes": ["PRAGMA foreign_keys = OFF;"]}})
        eof = stdout_ends(h, 10)
        ok(eof, "db_write %s: the runner ends (stdout EOF)" % name)
        got = [m for m in h.messages_from_plugin if m.id == rid]
        is_(got, [], "db_write %s: the reply never reaches the host" % name)
        st = h.wait_exit()
        ok(st != 0, "db_write %s: non-zero exit (got %d)" % (name, st))
        ok(stderr_has(h, b"db_write"), "db_write %s: stderr names db_write" % name)


def db_write_not_forwardable(extra, name):
    # A db_write the plugin cannot be given (over the message cap, or not
    # strict JSON): continue would tell lightningd the write is backed up.
    # The plugin is ended instead, so lightningd halts (PROTOCOL 5.3).
    pol = policy(manifest={"hooks": ["db_write"]}, sandbox={"limits": {"message": "1M"}})
    with runner([HOSTILE, "--hooks=db_write"], pol) as h:
        h.start()
        h.getmanifest()
        rid = h.next_id("db_write")
        writes = ["INSERT INTO vars VALUES ('%s');" % ("x" * 1000)] * extra
        body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "db_write",
                           "params": {"data_version": 1, "writes": writes}})
        if name == "not strict":    # a leading zero: lenient parsers take it
            body = body.replace('"data_version": 1', '"data_version": 01')
        h.send_raw(body.encode() + b"\n\n")
        eof = stdout_ends(h, 10)
        ok(eof, "db_write %s: the runner ends (stdout EOF)" % name)
        is_([m for m in h.messages_from_plugin if m.id == rid], [],
            "db_write %s: no continue reaches the host" % name)
        ok(h.wait_exit() != 0, "db_write %s: non-zero exit" % name)
        ok(stderr_has(h, "db_write cannot be forwarded"), "db_write %s: the runner says why" % name)


def db_write_ok():
    pol = policy(manifest={"hooks": ["db_write"]})
    with runner([HOSTILE, "--hooks=db_write"], pol) as h:
        h.start()
        h.getmanifest()
        for n in range(3):
            r = h.hook("db_write", {"data_version": n, "writes": ["UPDATE vars SET intval=%d" % n]})
            is_(r.raw, b'{"jsonrpc":"2.0","id":' + compact(r.id) + b',"result":{"result":"continue"}}',
                "db_write #%d before init: continue passes" % n)
        h.init()
        r = h.hook("db_write", {"data_version": 9, "writes": []})
        is_(r.json.get("result"), CONTINUE, "db_write after init passes")
        h.close_stdin()
        is_(h.wait_exit(), 0, "exit 0")


def db_write_while_rpc_pending():
    # ld services only the db_write plugins while the hook is out: the
    # runner must forward db_write and its answer at once, even while one
    # of the plugin's RPC calls is stuck upstream.
    pol = policy(manifest={"hooks": ["db_write"]}, rpc={"allow": ["slow"]})
    with runner([HOSTILE, "--hooks=db_write"], pol) as h:
        h.start()
        h.handshake()
        h.rpc.handlers["slow"] = lambda c, r, p: (time.sleep(6), {"slow": True})[1]
        h.request("hello", ["rpcslow", "6"])
        h.rpc.wait_requests(1, "slow", timeout=5)
        t0 = time.monotonic()
        r = h.hook("db_write", {"data_version": 5, "writes": ["DELETE FROM x"]}, timeout=10)
        dt = time.monotonic() - t0
        is_(r.json.get("result"), CONTINUE, "db_write answered while an RPC call is pending")
        ok(dt < 2.0, "db_write round trip %.2fs does not wait for the RPC socket" % dt)
        h.close_stdin()
        h.wait_exit()


for c in CASES:
    case(lambda c=c: one(*c))
case(lambda: db_write_bad('{"result":"fail"}', "fail"))
case(lambda: db_write_bad('{"result":"abort"}', "abort"))
case(lambda: db_write_bad('"continue"', "bare string"))
case(lambda: db_write_not_forwardable(1200, "over the cap"))
case(lambda: db_write_not_forwardable(1, "not strict"))
case(db_write_ok)
case(db_write_while_rpc_pending)
done()
