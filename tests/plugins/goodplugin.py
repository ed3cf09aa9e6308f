#!/usr/bin/python3
"""goodplugin.py - a well-behaved plugin that talks like pyln-client.

What it does: refuses to run without LIGHTNINGD_PLUGIN=1 (as pyln does);
splits stdin on b"\\n\\n"; answers getmanifest/init; rpcmethods `hello`
(returns what the plugin sees: argv, env, init config, cwd, subscriptions
seen) and `callrpc` (calls a method on the RPC socket from init's
lightning-dir + rpc-file, a NEW connection per call like pyln, returns the
reply verbatim); emits `log` notifications; answers every hook with
continue; exits on stdin EOF or after `shutdown`.
Hooks to register: env GOODPLUGIN_HOOKS or argv --hooks=a,b (comma list).
What it must not do: use anything but the Python 3 standard library (it
runs inside the sandbox).
Who uses it: tests/integration/*.t, tests/demo.sh.
"""

import json
import os
import select
import signal
import socket
import sys

if os.environ.get("LIGHTNINGD_PLUGIN") != "1":
    sys.stdout.write("This is a lightningd plugin: run it from lightningd "
                     "(LIGHTNINGD_PLUGIN=1 is not set).\n")
    sys.exit(1)

NAME = os.path.basename(sys.argv[0])
hooks = os.environ.get("GOODPLUGIN_HOOKS", "")
for a in sys.argv[1:]:
    if a.startswith("--hooks="):
        hooks = a[len("--hooks="):]
HOOKS = [h for h in hooks.split(",") if h]

state = {"config": None, "options": None, "seen": [], "rpcn": 0}
out = sys.stdout.buffer


def emit(obj):
    # pyln's format: json.dumps defaults (", " and ": ") + "\n\n"
    out.write(json.dumps(obj).encode() + b"\n\n")
    out.flush()


def log(msg, level="info"):
    emit({"jsonrpc": "2.0", "method": "log", "params": {"level": level, "message": msg}})


def rpc_call(method, params):
    conf = state["config"] or {}
    path = os.path.join(conf.get("lightning-dir", "."), conf.get("rpc-file", "lightning-rpc"))
    state["rpcn"] += 1
    rid = "%s:%s#%d" % (NAME, method, state["rpcn"])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    s.sendall(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method,
                          "params": params}).encode())
    buf = b""
    while b"\n\n" not in buf:
        d = s.recv(1 << 20)
        if not d:
            break
        buf += d
    s.close()
    return json.loads(buf.split(b"\n\n")[0].decode())


def rpc_seq(calls):
    """Send every call at once on ONE connection (pipelined); return every
    message received until all calls are answered (notifications too)."""
    conf = state["config"] or {}
    path = os.path.join(conf.get("lightning-dir", "."), conf.get("rpc-file", "lightning-rpc"))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    data = b""
    for i, (m, p) in enumerate(calls):
        data += json.dumps({"jsonrpc": "2.0", "id": "%s:%s#seq%d" % (NAME, m, i),
                            "method": m, "params": p}).encode()
    s.sendall(data)
    got, buf, answered = [], b"", 0
    while answered < len(calls):
        d = s.recv(1 << 20)
        if not d:
            break
        buf += d
        while b"\n\n" in buf:
            part, buf = buf.split(b"\n\n", 1)
            if part.strip():
                msg = json.loads(part.decode())
                got.append(msg)
                if "id" in msg:
                    answered += 1
    s.close()
    return got


def rpc_raw(text, wait=3.0):
    """Send `text` as bytes on a new connection; return what comes back
    within `wait` seconds (until the first blank line or EOF)."""
    conf = state["config"] or {}
    path = os.path.join(conf.get("lightning-dir", "."), conf.get("rpc-file", "lightning-rpc"))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(wait)
    s.connect(path)
    s.sendall(text.encode("utf-8", "surrogateescape"))
    buf, eof = b"", False
    try:
        while b"\n\n" not in buf:
            d = s.recv(1 << 20)
            if not d:
                eof = True
                break
            buf += d
    except socket.timeout:
        pass
    s.close()
    return {"reply": buf.decode("utf-8", "replace"), "eof": eof}


def manifest():
    return {
        "options": [{"name": "good-greeting", "type": "string", "default": "hello",
                     "description": "greeting used by hello"}],
        "rpcmethods": [{"name": "hello", "usage": "[name]", "description": "say hello"},
                       {"name": "callrpc", "usage": "method [params]",
                        "description": "call lightning-rpc"},
                       {"name": "callraw", "usage": "bytes",
                        "description": "send raw bytes on a new connection"},
                       {"name": "callseq", "usage": "calls",
                        "description": "pipeline [method, params] pairs on one connection"}],
        "subscriptions": ["connect", "disconnect", "shutdown"],
        "hooks": [{"name": h} for h in HOOKS],
        "notifications": [{"method": "good_event"}],
        "dynamic": True,
        "nonnumericids": True,
    }


def handle(req):
    method = req.get("method")
    rid = req.get("id")
    params = req.get("params")
    if rid is None:
        state["seen"].append({"method": method, "params": params})
        if method == "shutdown":
            sys.exit(0)
        return
    if method == "getmanifest":
        res = manifest()
    elif method == "init":
        state["config"] = params["configuration"]
        state["options"] = params["options"]
        log("goodplugin initialised")
        res = {}
    elif method == "hello":
        name = "world"
        if isinstance(params, list) and params:
            name = params[0]
        elif isinstance(params, dict) and "name" in params:
            name = params["name"]
        greet = (state["options"] or {}).get("good-greeting", "hello")
        if name == "event":
            emit({"jsonrpc": "2.0", "method": "good_event", "params": {"x": 1}})
        log("hello called")
        res = {"message": "%s %s" % (greet, name), "argv": sys.argv,
               "env": {k: v for k, v in os.environ.items() if k.startswith("LIGHTNINGD")},
               "configuration": state["config"], "options": state["options"],
               "cwd": os.getcwd(), "seen": state["seen"], "request": req}
    elif method == "callrpc":
        if isinstance(params, dict):
            m, p = params.get("method"), params.get("params", {})
        else:
            m, p = params[0], (params[1] if len(params) > 1 else {})
        try:
            res = rpc_call(m, p)
        except OSError as e:
            emit({"jsonrpc": "2.0", "id": rid,
                  "error": {"code": -1, "message": "rpc socket: %s" % e}})
            return
    elif method == "callraw":
        try:
            res = rpc_raw(params[0] if isinstance(params, list) else params["bytes"])
        except OSError as e:
            res = {"reply": None, "oserror": str(e)}
    elif method == "callseq":
        try:
            res = rpc_seq(params if isinstance(params, list) else params["calls"])
        except OSError as e:
            emit({"jsonrpc": "2.0", "id": rid,
                  "error": {"code": -1, "message": "rpc socket: %s" % e}})
            return
    elif method in HOOKS:
        res = {"result": "continue"}
    else:
        emit({"jsonrpc": "2.0", "id": rid,
              "error": {"code": -32601, "message": "unknown method %s" % method}})
        return
    emit({"jsonrpc": "2.0", "id": rid, "result": res})


def main():
    buf = b""
    fd = sys.stdin.fileno()
    # A signal that lands after Python last looked and before it blocks in
    # read() would only be acted on once more input came: wait in select()
    # on stdin and a wake-up pipe the signal writes to, so a forwarded
    # SIGINT always ends the plugin (23-signals).
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    while True:
        ready, _, _ = select.select([fd, wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 64)
        if fd not in ready:
            continue
        d = os.read(fd, 1 << 20)
        if not d:
            return 0
        buf += d
        while b"\n\n" in buf:
            part, buf = buf.split(b"\n\n", 1)
            if part.strip():
                handle(json.loads(part.decode()))


if __name__ == "__main__":
    sys.exit(main())
