#!/usr/bin/python3
"""hookyplugin.py - reproduces the plugin recorded in
/work/shared/transcripts/hooky.jsonl (same manifest, same answers).

What it does: pyln-style framing; hooks peer_connected, rpc_command
(filters hooky, getinfo), custommsg, db_write, invoice_payment, all answered
{"result":"continue"}; subscribes to `*`; declares the custom notification
`hooky_event`; rpcmethod `hooky` emits hooky_event + a log line and returns
its params. Like the recorded plugin it ignores the `shutdown`
notification and exits only on stdin EOF.
What it must not do: import anything outside the standard library.
Who uses it: tests/integration/22-replay.t.
"""

import json
import os
import sys

if os.environ.get("LIGHTNINGD_PLUGIN") != "1":
    sys.stdout.write("run me from lightningd\n")
    sys.exit(1)

MANIFEST = {"options": [{"name": "hooky-level", "type": "int", "default": 3,
                         "description": "x"}],
            "rpcmethods": [{"name": "hooky", "usage": "[x]"}],
            "subscriptions": ["*"],
            "hooks": [{"name": "peer_connected"},
                      {"name": "rpc_command", "filters": ["hooky", "getinfo"]},
                      {"name": "custommsg"}, "db_write", "invoice_payment"],
            "notifications": [{"method": "hooky_event"}],
            "dynamic": False, "nonnumericids": True}
HOOKS = ("peer_connected", "rpc_command", "custommsg", "db_write", "invoice_payment")


def emit(obj):
    sys.stdout.buffer.write(json.dumps(obj).encode() + b"\n\n")
    sys.stdout.buffer.flush()


def handle(r):
    m, p, rid = r.get("method"), r.get("params"), r.get("id")
    if rid is None:
        return
    if m == "getmanifest":
        res = MANIFEST
    elif m == "init":
        res = {}
    elif m in HOOKS:
        res = {"result": "continue"}
    elif m == "hooky":
        emit({"jsonrpc": "2.0", "method": "hooky_event", "params": {"x": 1}})
        emit({"jsonrpc": "2.0", "method": "log",
              "params": {"level": "info", "message": "hooky called"}})
        res = {"params": p}
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
