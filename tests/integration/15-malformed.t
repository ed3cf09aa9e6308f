#!/usr/bin/python3
# 15-malformed.t - plugin -> host: malformed JSON ends the plugin, with a
# log line naming the offence, and the host never sees it (SPEC 5): non-JSON
# output, duplicate keys, escaped keys, NUL, raw control characters,
# depth > 64, trailing garbage, no "jsonrpc", size over the policy cap.
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403

# action, arg, words of which one must appear (case-insensitive) on stderr
CASES = [
    ("nonjson", None, ["json", "parse", "invalid", "malformed"]),
    ("dupkeys", None, ["duplicate"]),
    ("dupkeys-inner", None, ["duplicate"]),
    ("escaped-result", None, ["escape"]),
    ("escaped-method", None, ["escape"]),
    ("nul", None, ["nul", "control", "\\u0000", "\\0"]),
    ("ctrl", None, ["control"]),
    ("deep", "100000", ["depth", "deep", "nest"]),
    ("depth", "65", ["depth", "deep", "nest"]),
    ("garbage-after", None, ["json", "parse", "invalid", "malformed", "garbage"]),
    ("nojsonrpc", None, ["jsonrpc"]),
]


def only_runner_logs(msgs, allowed=()):
    bad = [m for m in msgs if m.raw not in allowed
           if not (m.kind == "msg" and m.method == "log"
                   and str(m.json.get("params", {}).get("message", "")).startswith("plugin-runner"))]
    return bad


def one(action, arg, words, pol=None, opts=()):
    with runner(HOSTILE, pol, opts) as h:
        h.start()
        h.handshake()
        k = len(h.messages_from_plugin)
        rid = h.next_id("hello")
        h.send({"jsonrpc": "2.0", "id": rid, "method": "hello",
                "params": [action] + ([arg] if arg else [])})
        eof = stdout_ends(h, 10)
        ok(eof, "%s: the runner ends the plugin and closes stdout" % action)
        # the complete, valid message before trailing garbage may pass
        # (a relay cannot unsend it); the garbage itself never does
        allowed = [b'{"jsonrpc":"2.0","id":' + compact(rid) + b',"result":{"ok":1}}'] \
            if action == "garbage-after" else []
        is_(only_runner_logs(h.messages_from_plugin[k:], allowed), [],
            "%s: the host sees nothing of the malformed output (only runner log lines)" % action)
        try:
            st = h.wait_exit(5)
        except HostTimeout:
            st = None
        ok(st is not None, "%s: the runner exits (status %r)" % (action, st))
        err = bytes(h.stderr).decode("utf-8", "replace").lower()
        ok(any(w.lower() in err for w in words),
           "%s: stderr names the offence (one of %r)" % (action, words))
        if not any(w.lower() in err for w in words):
            diag("stderr: %r" % err[-800:])


def depth_64_passes():
    with runner(HOSTILE) as h:
        h.start()
        h.handshake()
        r = h.request("hello", ["depth", "64"])
        ok("result" in r.json, "depth 64 (envelope counted) is accepted")
        ok(h.alive(), "plugin still running")
        h.close_stdin()
        h.wait_exit()


def early_garbage():
    with runner([HOSTILE, "--early=hello\n"]) as h:
        h.start()
        rid = h.next_id("getmanifest")
        h.send({"jsonrpc": "2.0", "id": rid, "method": "getmanifest",
                "params": {"allow-deprecated-apis": False}})
        eof = stdout_ends(h, 15)
        ok(eof, "print() before the manifest: plugin ended")
        is_(only_runner_logs(h.messages_from_plugin), [], "host never sees 'hello'")
        is_(h.garbage(), [], "no non-JSON bytes on the host's stdin")


CAP = policy(sandbox={"limits": {"message": "1M"}})
for c in CASES:
    case(lambda c=c: one(*c))
case(depth_64_passes)
case(early_garbage)
case(lambda: one("bigresult", str(50 * 1024 * 1024), ["size", "large", "cap", "limit", "long"], CAP))
case(lambda: one("biglog", str(50 * 1024 * 1024), ["size", "large", "cap", "limit", "long"], CAP))
case(lambda: one("bigresult", str(2 * 1024 * 1024), ["size", "large", "cap", "limit", "long"], CAP))
# through the runner's second thread (messages of 1 MiB or more,
# src/canonworker.c): a flaw 20 MB in, and the cap reached there
CAP8 = policy(sandbox={"limits": {"message": "8M"}})
case(lambda: one("bigbad", str(20 * 1024 * 1024), ["control"]))
case(lambda: one("bigresult", str(20 * 1024 * 1024), ["size", "large", "cap", "limit", "long"], CAP8))


def big_half_then_gone():
    # the plugin dies 5 MB into an answer: nothing of it reaches the host,
    # and the runner, whose thread holds the half message, still ends
    with runner(HOSTILE) as h:
        h.start()
        h.handshake()
        k = len(h.messages_from_plugin)
        rid = h.next_id("hello")
        h.send({"jsonrpc": "2.0", "id": rid, "method": "hello",
                "params": ["bighalf", str(5 * 1024 * 1024)]})
        try:
            st = h.wait_exit(10)
        except HostTimeout:
            st = None
        is_(st, 3, "the runner exits with the plugin's status")
        is_(only_runner_logs(h.messages_from_plugin[k:]), [],
            "the host sees nothing of the half answer")


case(big_half_then_gone)
done()
