#!/usr/bin/python3
# 11-manifest.t - the getmanifest answer filtered per policy (SPEC 4
# manifest.*, on_violation strip/refuse; SPEC 5 built-in names, and
# lightningd's own option names (PROTOCOL 3.2: a duplicate is fatal);
# nonnumericids; hooks only by exact name).
import json
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403

WIDE = ('--manifest-add={"rpcmethods":[{"name":"extra","usage":""},'
        '{"name":"getinfo","usage":""}],'
        '"subscriptions":["forward_event","*"],'
        '"notifications":[{"method":"other_event"}],'
        '"options":[{"name":"hostile-opt","type":"string","description":"d"},'
        '{"name":"bad-opt","type":"string","description":"d"}],'
        '"featurebits":{"node":"0200000000"},"custommessages":[32769]}')


def stripped():
    pol = policy(manifest={"rpcmethods": ["hello"], "subscriptions": ["connect"],
                           "notifications": ["hostile_event"], "options": ["hostile-*"],
                           "hooks": ["peer_connected"], "on_violation": "strip"})
    with runner([HOSTILE, WIDE, "--hooks=peer_connected,rpc_command,db_write,htlc_accepted"],
                pol) as h:
        h.start()
        m = h.getmanifest()
        res = m.json["result"]
        is_([x["name"] for x in res["rpcmethods"]], ["hello"],
            "rpcmethods stripped to the allowed ones (extra, getinfo gone)")
        is_(res.get("subscriptions"), ["connect"], "subscriptions stripped ('*' too)")
        is_(res.get("notifications"), [{"method": "hostile_event"}], "notifications stripped")
        is_([o["name"] for o in res["options"]], ["hostile-opt"], "options stripped")
        is_(res.get("hooks"), [{"name": "peer_connected"}],
            "hooks stripped to the exact grants (rpc_command, db_write, htlc_accepted gone)")
        ok("featurebits" not in res or res["featurebits"] in ({}, None),
           "featurebits removed when the policy says false")
        ok(res.get("custommessages") in (None, []), "custommessages removed")
        ok(b"getinfo" not in non_log_bytes(h),
           "the built-in name reaches the host nowhere but in a runner log line")
        is_(res.get("nonnumericids"), True, "nonnumericids:true kept")
        ok(stderr_has(h, b"extra"), "stripping is logged on stderr (names the method)")
        h.init()
        # a stripped method is not routed to the plugin
        r = h.request("extra", [])
        is_(r.json.get("error", {}).get("code"), -32601, "stripped rpcmethod answered -32601")
        h.close_stdin()
        h.wait_exit()


def builtin_never_registered():
    # Even a policy that allows every rpcmethod never lets a built-in
    # command name through (crashes lightningd <= v26.06).
    pol = policy(manifest={"rpcmethods": ["*"], "on_violation": "strip"})
    for name in ("getinfo", "check", "datastore", "plugin", "stop"):
        add = '--manifest-add={"rpcmethods":[{"name":"%s","usage":""}]}' % name
        with runner([HOSTILE, add], pol) as h:
            h.start()
            m = h.getmanifest()
            names = [x["name"] for x in m.json["result"]["rpcmethods"]]
            is_(names, ["hello"], "built-in %s stripped even under rpcmethods [*]" % name)
            ok(b'"%s"' % name.encode() not in non_log_bytes(h),
               "the name %s never reaches the host" % name)
            h.close_stdin()
            h.wait_exit()


def builtin_option_never_registered():
    # A plugin registering one of lightningd's own options makes lightningd
    # fatal() at start-up: stripped even under options [*]. A built-in
    # plugin's (bcli's) is the policy's to allow: that plugin may be the
    # one wrapped.
    pol = policy(manifest={"options": ["*"], "on_violation": "strip"})
    opts = [{"name": n, "type": "string", "description": "d"}
            for n in ("network", "alias", "hostile-opt", "bitcoin-rpcpassword")]
    add = "--manifest-add=" + json.dumps({"options": opts})
    with runner([HOSTILE, add], pol) as h:
        h.start()
        m = h.getmanifest()
        is_([o["name"] for o in m.json["result"]["options"]],
            ["hostile-opt", "bitcoin-rpcpassword"],
            "lightningd's own options (network, alias) stripped even under options [*]")
        ok(b'"network"' not in non_log_bytes(h), "the name network never reaches the host")
        ok(stderr_has(h, "option network is one of lightningd's own"), "the runner says why")
        h.close_stdin()
        h.wait_exit()


def never_what_stops_others():
    # What would make lightningd stop at start-up or kill other plugins:
    # an option registered twice (the second is fatal, PROTOCOL 3.2), a
    # hook ordered both before and after others (a cycle through another
    # plugin kills both), and a method named like a hook (its calls could
    # not be told from the hook's).
    pol = policy(manifest={"options": ["hostile-*"], "rpcmethods": ["*"],
                           "hooks": ["peer_connected"], "on_violation": "strip"})
    add = "--manifest-add=" + json.dumps({
        "options": [{"name": "hostile-x", "type": "string", "description": "first"},
                    {"name": "hostile-x", "type": "int", "description": "again"}],
        "rpcmethods": [{"name": "htlc_accepted", "usage": ""}],
        "hooks": [{"name": "peer_connected", "before": ["victim.py"],
                   "after": ["victim.py"]}]})
    with runner([HOSTILE, add], pol) as h:
        h.start()
        r = h.getmanifest().json["result"]
        is_([(o["name"], o["description"]) for o in r["options"]], [("hostile-x", "first")],
            "an option registered twice reaches the host once, the first")
        is_([x["name"] for x in r["rpcmethods"] if x["name"] == "htlc_accepted"], [],
            "a method named like a hook is not registered")
        is_([x for x in r["hooks"] if isinstance(x, dict)],
            [{"name": "peer_connected"}], "a hook ordered both ways loses its order")
        for line in ("option hostile-x registered twice",
                     "rpcmethod htlc_accepted is named like a hook",
                     "hook peer_connected asks to run both before and after others"):
            ok(stderr_has(h, line), "the runner says: " + line)
        h.close_stdin()
        h.wait_exit()


def refuse():
    pol = policy(manifest={"rpcmethods": ["hello"], "on_violation": "refuse"})
    add = '--manifest-add={"rpcmethods":[{"name":"extra","usage":""}]}'
    with runner([HOSTILE, add], pol) as h:
        h.start()
        rid = h.next_id("getmanifest")
        h.send({"jsonrpc": "2.0", "id": rid, "method": "getmanifest",
                "params": {"allow-deprecated-apis": False}})
        eof = stdout_ends(h, 10)
        ok(eof, "refuse: runner ends (stdout EOF) instead of registering")
        got = [m for m in h.messages_from_plugin if m.get("id") == rid and "result" in m.json
               and isinstance(m.json["result"], dict) and "rpcmethods" in m.json["result"]]
        is_(got, [], "refuse: no manifest result reaches the host")
        ok(b"extra" not in non_log_bytes(h), "refuse: the offending name never reaches the host")
        st = h.wait_exit()
        ok(st != 0, "refuse: non-zero exit status (got %d)" % st)
        ok(stderr_has(h, b"extra"), "refuse: stderr names the offending rpcmethod")


def refuse_when_all_allowed_is_normal():
    pol = policy(manifest={"rpcmethods": ["hello"], "notifications": ["hostile_event"],
                           "subscriptions": ["connect"], "on_violation": "refuse"})
    with runner([HOSTILE], pol) as h:
        h.start()
        m = h.getmanifest()
        is_([x["name"] for x in m.json["result"]["rpcmethods"]], ["hello"],
            "refuse policy with a conforming manifest: plugin starts normally")
        h.close_stdin()
        h.wait_exit()


def hook_globs_never_grant():
    # Either the policy is refused outright (125, one line naming the glob)
    # or the globs grant nothing; a glob never registers a hook.
    pol = policy(manifest={"hooks": ["*", "rpc_*", "db_*"]})
    with runner([HOSTILE, "--hooks=rpc_command,db_write,peer_connected"], pol) as h:
        h.start()
        rid = h.next_id("getmanifest")
        h.send({"jsonrpc": "2.0", "id": rid, "method": "getmanifest",
                "params": {"allow-deprecated-apis": False}})
        try:
            m = h.wait_response(rid, 10)
        except HostTimeout:
            m = None
        if m is None:
            is_(h.wait_exit(5), 125, "hook globs: policy refused with exit 125")
            like(bytes(h.stderr).lower(), b"glob", "hook globs: stderr says why")
        else:
            is_(m.json["result"].get("hooks", []), [], "hook globs grant nothing")
            h.close_stdin()
            h.wait_exit()


def nonnumericids_false():
    pol = policy()
    with runner([HOSTILE, '--manifest-add={"nonnumericids":false}'], pol) as h:
        h.start()
        rid = h.next_id("getmanifest")
        h.send({"jsonrpc": "2.0", "id": rid, "method": "getmanifest",
                "params": {"allow-deprecated-apis": False}})
        h.settle(3)
        ok(b'"nonnumericids":false' not in h.stdout_raw,
           "nonnumericids:false never reaches the host (it kills the plugin in ld)")


for c in (stripped, builtin_never_registered, builtin_option_never_registered,
          never_what_stops_others, refuse,
          refuse_when_all_allowed_is_normal,
          hook_globs_never_grant, nonnumericids_false):
    case(c)
done()
