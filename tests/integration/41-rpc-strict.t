#!/usr/bin/python3
# 41-rpc-strict.t - parser differentials on the plugin's RPC socket (SPEC 5,
# 6; PROTOCOL 2.3): lightningd takes the FIRST duplicate key and compares
# keys and method names as raw bytes, so whatever the proxy decides on, a
# request the policy denies must never reach the host in any spelling, and
# non-strict bytes are never forwarded raw.
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403


def raw_call(h, text):
    r = h.request("callraw", [text], timeout=15)
    return r.json.get("result") or {}


def upstream_raw(h):
    return b"\n".join(r.raw for r in h.rpc.requests)


CASES = [
    ("duplicate method, allowed first",
     '{"jsonrpc":"2.0","id":"a","method":"getinfo","method":"withdraw","params":{}}'),
    ("duplicate method, denied first",
     '{"jsonrpc":"2.0","id":"b","method":"withdraw","method":"getinfo","params":{}}'),
    ("escaped method name", '{"jsonrpc":"2.0","id":"c","method":"withdr\\u0061w","params":{}}'),
    ("escaped method key",
     '{"jsonrpc":"2.0","id":"d","m\\u0065thod":"withdraw","method":"getinfo","params":{}}'),
    ("check with duplicate command_to_check",
     '{"jsonrpc":"2.0","id":"e","method":"check","params":'
     '{"command_to_check":"withdraw","command_to_check":"getinfo"}}'),
    ("batch array", '[{"jsonrpc":"2.0","id":"f","method":"withdraw","params":{}}]'),
    ("NUL in method", '{"jsonrpc":"2.0","id":"g","method":"withdraw\\u0000","params":{}}'),
]


def denied_never_upstream():
    with runner(GOOD, policy(rpc={"allow": ["getinfo"]})) as h:
        h.start()
        h.handshake()
        for name, text in CASES:
            before = len(h.rpc.requests)
            res = raw_call(h, text)
            h.settle(0.2)
            new = h.rpc.requests[before:]
            ok(not any(b"withdraw" in r.raw for r in new),
               "%s: nothing naming withdraw reaches the host (%r)" % (name, [r.raw for r in new]))
            rep = res.get("reply") or ""
            ok('"result"' not in rep or '"error"' in rep or not new,
               "%s: no success comes back for a denied spelling (%r)" % (name, rep[:200]))
        h.close_stdin()
        h.wait_exit()


def nonstrict_not_forwarded_raw():
    with runner(GOOD, policy(rpc={"allow": ["getinfo", "echo"]})) as h:
        h.start()
        h.handshake()
        for name, text, marker in (
                ("missing comma", '{"jsonrpc":"2.0","id":"h","method":"echo","params":[1 2]}', b"[1 2]"),
                ("trailing comma", '{"jsonrpc":"2.0","id":"i","method":"echo","params":[1,],}', b",]"),
                ("bare primitive", '{"jsonrpc":"2.0","id":"j","method":"echo","params":[nonsense]}',
                 b"nonsense"),
                ("raw tab in string", '{"jsonrpc":"2.0","id":"k","method":"echo","params":["a\tb"]}',
                 b"a\tb")):
            before = len(h.rpc.requests)
            res = raw_call(h, text)
            h.settle(0.2)
            new = h.rpc.requests[before:]
            ok(not any(marker in r.raw for r in new),
               "%s: the non-strict bytes never reach the host (%r)" % (name, [r.raw for r in new]))
            ok(bool(res.get("reply")) or res.get("eof"),
               "%s: the plugin gets an error or a closed connection, not a hang (%r)"
               % (name, res))
        # a strict request with odd spacing is forwarded (canonically)
        before = len(h.rpc.requests)
        res = raw_call(h, '{ "jsonrpc" : "2.0" , "id" : "l" , "method" : "echo" , '
                          '"params" : { "n" : 18446744073709551617 } }')
        new = h.rpc.requests[before:]
        is_([r.json for r in new], [{"jsonrpc": "2.0", "id": "l", "method": "echo",
                                     "params": {"n": 18446744073709551617}}],
            "strict request with spaces reaches the host once, same members")
        ok(new and b"18446744073709551617" in new[0].raw, "big integer byte-exact upstream")
        ok('"result"' in (res.get("reply") or ""), "and its answer comes back")
        h.close_stdin()
        h.wait_exit()


def invalid_answered_to_its_id():
    # A request refused for its shape, whose id is valid, is answered to
    # that id: a client matching answers by id would otherwise wait for
    # ever (the proxy answered null).
    with runner(GOOD, policy(rpc={"allow": ["getinfo"]})) as h:
        h.start()
        h.handshake()
        for name, text in (
                ("no jsonrpc", '{"id":"m","method":"getinfo","params":{}}'),
                ("params a string", '{"jsonrpc":"2.0","id":"n","method":"getinfo","params":"x"}'),
                ("method a number", '{"jsonrpc":"2.0","id":7,"method":5,"params":{}}')):
            rep = raw_call(h, text).get("reply") or ""
            want = text.split('"id":')[1].split(",")[0]
            like(rep, '"id":%s,"error":{"code":-32600' % want,
                 "%s: refused, answered to id %s (%r)" % (name, want, rep[:160]))
        h.close_stdin()
        h.wait_exit()


def controls_never_reach_the_log():
    # A denied method's name is logged: an escape sequence in it must not
    # reach the operator's terminal or journal (C0, DEL, C1 controls).
    with runner(GOOD, policy(rpc={"allow": ["getinfo"]})) as h:
        h.start()
        h.handshake()
        raw_call(h, '{"jsonrpc":"2.0","id":"o","method":"x\\u001b[31mRED\\u007f\\u0085\\u009b'
                    'tail","params":{}}')
        h.settle(0.3)
        err = bytes(h.stderr)
        ok(b"RED" in err, "the denial is logged")
        for name, b in (("ESC", b"\x1b"), ("DEL", b"\x7f"), ("NEL", b"\xc2\x85"),
                        ("CSI", b"\xc2\x9b")):
            ok(b not in err, "no %s on stderr" % name)
        like(err, b"x?[31mRED?????tail", "each control shows as ?")
        h.close_stdin()
        h.wait_exit()


case(denied_never_upstream)
case(nonstrict_not_forwarded_raw)
case(invalid_answered_to_its_id)
case(controls_never_reach_the_log)
done()
