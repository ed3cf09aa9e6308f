#!/usr/bin/python3
"""helloplugin.py - reproduces the plugin recorded in
/work/shared/transcripts/hello.jsonl (same manifest bytes, same answers).

What it does: pyln-style framing (split stdin on b"\\n\\n", json.dumps
output + "\\n\\n"); calls getinfo over the RPC socket during init (as the
recorded plugin did: `node_id_seen_at_init`); rpcmethod `hello [name]`;
records `connect` notifications; exits on `shutdown` or stdin EOF.
What it must not do: import anything outside the standard library.
Who uses it: tests/integration/2*-replay*.t.
"""

import json
import os
import socket
import sys

if os.environ.get("LIGHTNINGD_PLUGIN") != "1":
    sys.stdout.write("run me from lightningd\n")
    sys.exit(1)

MANIFEST = {"options": [{"name": "hello-greeting", "type": "string", "default": "hello",
                         "description": "greeting used by the hello method"}],
            "rpcmethods": [{"name": "hello", "usage": "[name]",
                            "description": "Say hello (stdlib test plugin)"}],
            "subscriptions": ["connect", "disconnect", "shutdown"], "hooks": [],
            "dynamic": True, "nonnumericids": True}
st = {"node": None, "connects": [], "greet": "hello"}


def emit(obj):
    sys.stdout.buffer.write(json.dumps(obj).encode() + b"\n\n")
    sys.stdout.buffer.flush()


def getinfo(conf):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(os.path.join(conf["lightning-dir"], conf["rpc-file"]))
    s.sendall(json.dumps({"jsonrpc": "2.0", "id": "helloplugin/%d" % os.getpid(),
                          "method": "getinfo", "params": {}}).encode())
    buf = b""
    while b"\n\n" not in buf:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    s.close()
    return json.loads(buf.split(b"\n\n")[0])["result"]["id"]


def handle(r):
    m, p, rid = r.get("method"), r.get("params"), r.get("id")
    if rid is None:
        if m == "connect":
            st["connects"].append(p["connect"]["id"])
        elif m == "shutdown":
            sys.exit(0)
        return
    if m == "getmanifest":
        res = MANIFEST
    elif m == "init":
        st["greet"] = p["options"].get("hello-greeting", "hello")
        try:
            st["node"] = getinfo(p["configuration"])
        except (OSError, ValueError, KeyError) as e:
            st["node"] = "getinfo failed: %s" % e
        res = {}
    elif m == "hello":
        name = p[0] if isinstance(p, list) and p else (
            p.get("name", "world") if isinstance(p, dict) else "world")
        res = {"message": "%s %s" % (st["greet"], name), "node_id_seen_at_init": st["node"],
               "connects_seen": st["connects"], "argv": sys.argv, "pid": os.getpid()}
    else:
        emit({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "no"}})
        return
    emit({"jsonrpc": "2.0", "id": rid, "result": res})


buf = b""
while True:
    d = os.read(0, 1 << 20)
    if not d:
        sys.exit(0)
    buf += d
    while b"\n\n" in buf:
        part, buf = buf.split(b"\n\n", 1)
        if part.strip():
            handle(json.loads(part))
