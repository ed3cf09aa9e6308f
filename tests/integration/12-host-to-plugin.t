#!/usr/bin/python3
# 12-host-to-plugin.t - host -> plugin direction (SPEC 5): only registered
# methods/hooks/topics are forwarded, non-strict payloads are never
# forwarded (request -> error, hook -> continue, notification -> dropped),
# forwarded bytes are the compact re-serialisation + "\n\n", framing is by
# syntax (several messages per write, messages split across writes).
import os
import re
import sys
import time
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403

PEER = "0230ca4d4a8c6383246fcc39567143aa05833943d979122111ee6c6baad402922b"


def seen(h):
    """What the good plugin saw as notifications (it reports them)."""
    return h.request("hello", []).json["result"]["seen"]


def unregistered_method():
    with runner(GOOD) as h:
        h.start()
        h.handshake()
        r = h.request("nosuchmethod", {"a": 1})
        err = r.json.get("error") or {}
        is_(err.get("code"), -32601, "unregistered method answered -32601")
        ok(str(err.get("message", "")).startswith("plugin-runner:"),
           "error message starts with 'plugin-runner:' (got %r)" % err.get("message"))
        like(compact(err.get("data")), b"nosuchmethod", "error data names the method")
        h.settle(0.5)
        n = [m for m in h.messages_from_plugin if m.id == r.id]
        is_(len(n), 1, "exactly one answer (the plugin never got it)")
        h.close_stdin()
        h.wait_exit()


def forwarded_whitespace():
    with runner(GOOD) as h:
        h.start()
        h.handshake()
        rid = h.client_request("hello", b'[ "Alice"]')
        r = h.wait_response(rid)
        is_(r.json["result"]["message"], "hello Alice", "client bytes with spaces: answered")
        is_(r.json["result"]["request"],
            {"jsonrpc": "2.0", "method": "hello", "id": rid, "params": ["Alice"]},
            "plugin got the request re-serialised, same members and id")
        # a blank line inside the client's bytes would break \n\n framing
        rid = h.client_request("hello", b'[\n\n  "Bob"\n\n]')
        r = h.wait_response(rid)
        is_(r.json.get("result", {}).get("message"), "hello Bob",
            "client bytes containing a blank line: a pyln-style plugin still gets one message")
        rid = h.client_request("hello", b'{ "name" : "Carol"}')
        r = h.wait_response(rid)
        is_(r.json.get("result", {}).get("message"), "hello Carol", "named params forwarded")
        h.close_stdin()
        h.wait_exit()


def nonstrict_request():
    with runner(GOOD) as h:
        h.start()
        h.handshake()
        for raw in (b"[ 1 2 ]", b'["a",]', b"[123456x1x0]", b'{"name":"x",}', b"[nonsense]",
                    b'{"n\\u0061me":"x"}', b'{"name":"a","name":"b"}',
                    b'["tab\there"]', b"[" * 100 + b"]" * 100):
            rid = h.client_request("hello", raw)
            r = h.wait_response(rid)
            err = r.json.get("error")
            ok(isinstance(err, dict) and str(err.get("message", "")).startswith("plugin-runner:"),
               "non-strict params %r answered with a plugin-runner error (got %r)" % (raw, r.raw))
        res = h.request("hello", []).json["result"]
        is_(res["message"], "hello world", "plugin still healthy after non-strict requests")
        h.close_stdin()
        h.wait_exit()


def nonstrict_hook():
    pol = policy(manifest={"hooks": ["peer_connected"]})
    reply = '--hook-reply=peer_connected={"result":"disconnect","error_message":"plugin saw it"}'
    with runner([HOSTILE, "--hooks=peer_connected", reply], pol) as h:
        h.start()
        h.handshake()
        rid = h.next_id("peer_connected", "cli:connect#30113/")
        h.send_raw(b'{"jsonrpc":"2.0","id":"' + rid.encode()
                   + b'","method":"peer_connected","params":{"peer":{"id":"' + PEER.encode()
                   + b'","direction":"out","addr":"127.0.0.1:19912","features":[1 2]}}}\n\n')
        r = h.wait_response(rid)
        is_(r.raw, b'{"jsonrpc":"2.0","id":"%s","result":{"result":"continue"}}' % rid.encode(),
            "non-strict hook payload answered {\"result\":\"continue\"} by the runner")
        # the same hook, strict: reaches the plugin and its (valid) answer passes
        r = h.hook("peer_connected", {"peer": {"id": PEER, "direction": "out",
                                               "addr": "127.0.0.1:19912",
                                               "features": "800898880a8a59a1"}})
        is_(r.json.get("result"), {"result": "disconnect", "error_message": "plugin saw it"},
            "strict hook payload forwarded, valid non-continue reply passes")
        h.close_stdin()
        h.wait_exit()


def notifications():
    with runner(GOOD) as h:
        h.start()
        h.handshake()
        payload = {"id": PEER, "direction": "out",
                   "address": {"type": "ipv4", "address": "127.0.0.1", "port": 19912}}
        # non-strict notification (ld relays other plugins' raw bytes)
        h.send_raw(b'{"jsonrpc":"2.0","method":"connect","params":{"connect":{"id":"bad",'
                   b'"address":[1 2]}}}\n\n')
        h.notify("invoice_payment", {"label": "x"})          # not subscribed
        h.notify("plugin_started", {"plugin_name": "pay"})    # not subscribed
        h.send_raw(b'{"jsonrpc":"2.0","method":"hostile_event","origin":"x","params":{"x": 1}}\n\n')
        h.notify("connect", payload)                          # subscribed
        s = seen(h)
        is_(s, [{"method": "connect", "params": {"connect": payload}}],
            "only the strict, subscribed notification reached the plugin, payload intact")
        h.close_stdin()
        h.wait_exit()


def framing():
    with runner(GOOD) as h:
        h.start()
        h.handshake()
        ids = [h.next_id("hello") for _ in range(3)]
        h.send_raw(b"".join(compact({"jsonrpc": "2.0", "id": i, "method": "hello",
                                     "params": [str(n)]}) + b"\n\n"
                            for n, i in enumerate(ids)))
        for n, i in enumerate(ids):
            is_(h.wait_response(i).json["result"]["message"], "hello %d" % n,
                "three messages in one write: #%d answered" % n)
        rid = h.next_id("hello")
        msg = compact({"jsonrpc": "2.0", "id": rid, "method": "hello", "params": ["split"]})
        for k in range(0, len(msg), 7):
            h.send_raw(msg[k:k + 7])
            time.sleep(0.01)
        h.send_raw(b"\n\n")
        is_(h.wait_response(rid).json["result"]["message"], "hello split",
            "a message split across many writes is answered")
        # no delimiter at all between two messages
        a, b = h.next_id("hello"), h.next_id("hello")
        h.send_raw(compact({"jsonrpc": "2.0", "id": a, "method": "hello", "params": ["a"]})
                   + compact({"jsonrpc": "2.0", "id": b, "method": "hello", "params": ["b"]})
                   + b"\n\n")
        ok(h.wait_response(a).json["result"]["message"] == "hello a"
           and h.wait_response(b).json["result"]["message"] == "hello b",
           "two concatenated messages without delimiter are both answered")
        h.close_stdin()
        h.wait_exit()


def forwarded_bytes_canonical():
    # hostile.py `hello ["raw"]` returns the exact bytes it read since the
    # previous `raw`: the runner must send compact JSON + exactly "\n\n".
    with runner(HOSTILE) as h:
        h.start()
        h.handshake()
        r = h.request("hello", ["raw"])       # reset the mark
        rid = h.client_request("hello", b'[ "raw", "\\u00e9t\\u00e9 \\/ \xe2\x82\xac",'
                               b' 18446744073709551617, 1.50, -0, 1e5 ]')
        r = h.wait_response(rid)
        got = r.json["result"]["raw"].encode("latin-1")
        want = (b'{"jsonrpc":"2.0","method":"hello","id":' + compact(rid)
                + b',"params":["raw","\xc3\xa9t\xc3\xa9 / \xe2\x82\xac",'
                b'18446744073709551617,1.50,-0,1e5]}\n\n')
        is_(got, want, "plugin reads the compact re-serialisation + \\n\\n, "
            "strings minimally escaped, number lexemes byte-exact")
        h.close_stdin()
        h.wait_exit()


def one_pass_framing():
    # lightningd writes each message whole, so the runner frames one by
    # validating it, in one pass (FRAMER_HOST); a message that is not all
    # there at its first byte is framed by the boundary scan instead. The
    # runner's --verbose exit line counts both.
    with runner(GOOD, opts=["--verbose"]) as h:
        h.start()
        h.handshake()
        for n in range(3):
            h.request("hello", [str(n)])
        rid = h.next_id("hello")
        msg = compact({"jsonrpc": "2.0", "id": rid, "method": "hello", "params": ["split"]})
        h.send_raw(msg[:9])
        time.sleep(0.2)
        h.send_raw(msg[9:] + b"\n\n")
        h.wait_response(rid)
        h.close_stdin()
        h.wait_exit()
        h.wait_stderr(b"by reference", 5)
        m = re.search(rb"lightningd sent (\d+) messages, (\d+) of them framed by their "
                      rb"validation in one pass, (\d+) canonical as read, (\d+) handed to the "
                      rb"plugin without a copy", bytes(h.stderr))
        got = tuple(int(x) for x in m.groups()) if m else None
        # The host writes compact JSON, as lightningd does: its own canonical
        # form, validated where it was read. init is rewritten (its paths),
        # so it is not the text as framed: getmanifest and the three requests
        # go to the plugin in the storage they were read into; the split
        # one, framed raw, does not.
        is_(got, (6, 5, 5, 4), "getmanifest, init and three requests framed in one pass each "
            "and canonical as read, the split one by the scan; all but init and the split one "
            "handed over uncopied")


for c in (unregistered_method, forwarded_whitespace, nonstrict_request, nonstrict_hook,
          notifications, framing, forwarded_bytes_canonical, one_pass_framing):
    case(c)
done()
