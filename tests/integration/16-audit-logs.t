#!/usr/bin/python3
# 16-audit-logs.t - --audit logs violations but forwards (SPEC 2); every
# denial on stderr AND as a `log` warn notification to the host, rate-limited
# under a flood (SPEC 8); a flood of valid plugin logs passes untouched.
import os
import sys
import time
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403


def audit_forwards():
    pol = policy(manifest={"rpcmethods": ["hello"], "subscriptions": [],
                           "notifications": [], "on_violation": "strip"})
    add = '--manifest-add={"rpcmethods":[{"name":"extra","usage":""}]}'
    with runner([HOSTILE, add], pol, opts=["--audit"]) as h:
        h.start()
        m = h.getmanifest()
        is_([x["name"] for x in m.json["result"]["rpcmethods"]], ["hello", "extra"],
            "--audit: the manifest is not stripped")
        h.init()
        r = h.request("hello", ["undeclared"])
        h.settle(0.5)
        methods = [x.method for x in h.messages_from_plugin
                   if x.kind == "msg" and "id" not in x.json and x.method != "log"]
        is_(methods, ["secret_topic", "connect", "hostile_event"],
            "--audit: undeclared notifications are forwarded")
        ok(stderr_has(h, b"secret_topic"), "--audit: the violation is logged on stderr")
        r = h.request("nosuch", [])
        is_(r.json.get("error", {}).get("message"), "no nosuch",
            "--audit: an unregistered method reaches the plugin (its own error comes back)")
        h.close_stdin()
        h.wait_exit()


def denial_both_ways():
    with runner(HOSTILE) as h:
        h.start()
        h.handshake()
        h.request("hello", ["undeclared"])
        h.settle(0.5)
        lines = [l for l in bytes(h.stderr).split(b"\n") if b"secret_topic" in l]
        ok(len(lines) >= 1 and lines[0].startswith(b"plugin-runner:"),
           "denial is one stderr line starting plugin-runner: (%r)" % lines[:1])
        d = [m for m in runner_denials(h) if b"secret_topic" in m.raw]
        ok(len(d) >= 1, "denial also sent to the host as log/warn")
        if d:
            is_(sorted(d[0].json["params"].keys()), ["level", "message"],
                "log notification params are {level, message}")
        h.close_stdin()
        h.wait_exit()


def denial_flood_rate_limited():
    with runner(HOSTILE) as h:
        h.start()
        h.handshake()
        t0 = time.monotonic()
        r = h.request("hello", ["floodbad", "20000"], timeout=60)
        is_(r.json["result"], {"hello": "floodbad"}, "answer passes after 20000 denials")
        h.settle(1)
        d = runner_denials(h)
        ok(1 <= len(d) <= 200, "20000 denials become at most 200 host log lines (got %d)" % len(d))
        ok(not [m for m in h.messages_from_plugin if m.method == "secret_topic"],
           "none of the flood reaches the host")
        r = h.request("hello", ["x"])
        ok(time.monotonic() - t0 < 60 and "result" in r.json, "runner still responsive")
        h.close_stdin()
        h.wait_exit()


def valid_log_flood():
    with runner(HOSTILE) as h:
        h.start()
        h.handshake()
        r = h.request("hello", ["flood", "20000"], timeout=60)
        ok("result" in r.json, "answer after a flood of 20000 log notifications")
        logs = [m for m in h.notifications("log") if m.json["params"].get("message") == "flood"]
        is_(len(logs), 20000, "every valid plugin log notification is relayed (transparent)")
        h.close_stdin()
        h.wait_exit()


for c in (audit_forwards, denial_both_ways, denial_flood_rate_limited, valid_log_flood):
    case(c)
done()
