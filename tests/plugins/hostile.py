#!/usr/bin/python3
"""hostile.py - one configurable misbehaving plugin for the protocol tests.

What it does: a pyln-style plugin (rpcmethod `hello`, declared notification
`hostile_event`) whose misbehaviour is chosen by the test:
  * at start, by argv:
      --manifest-add=JSON   merge JSON into the manifest (lists are extended)
      --hooks=a,b           register these hooks
      --hook-reply=NAME=RAW answer hook NAME with RAW (bytes of `result`)
      --noread              after init, never read stdin again (log every 0.1 s)
      --ignore-eof          on stdin EOF ignore SIGTERM/SIGINT/SIGHUP and sleep
      --early=RAW           write RAW to stdout before reading anything
  * at run time, by the first param of `hello` (the action) and the second
    (an argument, e.g. a size or count); see ACTIONS below.
Every write is raw bytes on fd 1 so the test controls them exactly.
What it must not do: depend on anything outside the standard library.
Who uses it: tests/integration/1*.t, 2*.t.
"""

import json
import os
import signal
import sys
import time

out = 1
RECV = bytearray()
RECV_MARK = [0]
CONF = [None]
argv = sys.argv[1:]
opt = {"hooks": [], "hook_reply": {}, "noread": False, "ignore_eof": False,
       "add": {}, "early": None}
for a in argv:
    if a.startswith("--manifest-add="):
        opt["add"] = json.loads(a.split("=", 1)[1])
    elif a.startswith("--hooks="):
        opt["hooks"] = [h for h in a.split("=", 1)[1].split(",") if h]
    elif a.startswith("--hook-reply="):
        k, v = a.split("=", 1)[1].split("=", 1)
        opt["hook_reply"][k] = v.encode()
    elif a == "--noread":
        opt["noread"] = True
    elif a == "--ignore-eof":
        opt["ignore_eof"] = True
    elif a.startswith("--early="):
        opt["early"] = a.split("=", 1)[1].encode()


def w(b):
    while b:
        n = os.write(out, b)
        b = b[n:]


def emit(obj):
    w(json.dumps(obj).encode() + b"\n\n")


def manifest():
    m = {"options": [], "rpcmethods": [{"name": "hello", "usage": "[action] [arg]"}],
         "subscriptions": ["connect"], "hooks": [{"name": h} for h in opt["hooks"]],
         "notifications": [{"method": "hostile_event"}], "dynamic": True,
         "nonnumericids": True}
    for k, v in opt["add"].items():
        if isinstance(v, list) and isinstance(m.get(k), list):
            m[k] = m[k] + v
        else:
            m[k] = v
    return m


def q(s):
    return json.dumps(s).encode()


def rpc_path():
    """The RPC socket init pointed us at (lightning-dir + rpc-file)."""
    conf = CONF[0] or {}
    return os.path.join(conf.get("lightning-dir", "."), conf.get("rpc-file", "lightning-rpc"))


def act(rid, action, arg):
    """Misbehave; return True if the normal reply should still follow."""
    R = q(rid)
    if action == "raw":
        # the exact bytes read from stdin since the previous `raw`
        emit({"jsonrpc": "2.0", "id": rid,
              "result": {"raw": bytes(RECV[RECV_MARK[0]:]).decode("latin-1")}})
        RECV_MARK[0] = len(RECV)
        return False
    elif action == "rpcslow":
        # call `slow` on the RPC socket from a thread, answer at once
        import socket
        import threading

        def call():
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.settimeout(30)
            try:
                c.connect(rpc_path())
                c.sendall(b'{"jsonrpc":"2.0","id":"hostile:slow#1","method":"slow",'
                          b'"params":{"seconds":' + str(arg or 5).encode() + b'}}')
                c.recv(65536)
            except OSError:
                pass
            c.close()
        threading.Thread(target=call, daemon=True).start()
    elif action == "connflood":
        # open N connections to the RPC socket at once and hold them; then
        # report how many the runner closed, and whether a fresh call works
        import socket
        path = rpc_path()
        held, refused = [], 0
        for _ in range(int(arg or 1000)):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.settimeout(5)
            try:
                c.connect(path)
                held.append(c)
            except OSError:
                refused += 1
                c.close()
        time.sleep(1.0)
        closed = 0
        for c in held:
            c.setblocking(False)
            try:
                if c.recv(1) == b"":
                    closed += 1
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
        for c in held:
            c.close()
        reply = b""
        for _ in range(3):  # the runner may still be reaping the held ones
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.settimeout(10)
            try:
                c.connect(path)
                c.sendall(b'{"jsonrpc":"2.0","id":"hostile:getinfo#1","method":"getinfo","params":{}}')
                reply = c.recv(65536)
            except OSError as e:
                reply = ("oserror: %s" % e).encode()
            c.close()
            if b'"result"' in reply:
                break
            time.sleep(0.5)
        emit({"jsonrpc": "2.0", "id": rid,
              "result": {"opened": len(held), "refused": refused, "closed_by_runner": closed,
                         "after": reply.decode("latin-1")}})
        return False
    elif action == "endless":
        # one request that never ends: arg MB of a string, then wait for the
        # runner to cut the connection
        import socket
        path = rpc_path()
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(20)
        c.connect(path)
        sent, err = 0, ""
        chunk = b"x" * 65536
        try:
            c.sendall(b'{"jsonrpc":"2.0","id":"hostile:e#1","method":"getinfo","params":{"p":"')
            for _ in range(int(arg or 64) * 16):
                c.sendall(chunk)
                sent += len(chunk)
        except OSError as e:
            err = str(e)
        reply = b""
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                reply += b
        except OSError as e:
            err = err or str(e)
        c.close()
        emit({"jsonrpc": "2.0", "id": rid,
              "result": {"sent": sent, "error": err, "reply": reply.decode("latin-1")}})
        return False
    elif action == "wide":
        # one RPC request of N empty objects: "METHOD,N" (params an array)
        # or "check,N" (check of getinfo, the objects in a named param)
        import socket
        method, n = (arg or "getinfo,1000").split(",")
        objs = b",".join([b"{}"] * int(n))
        if method == "check":
            params = b'{"command_to_check":"getinfo","x":[' + objs + b']}'
        else:
            params = b"[" + objs + b"]"
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(60)
        c.connect(rpc_path())
        c.sendall(b'{"jsonrpc":"2.0","id":"hostile:wide#1","method":' + q(method) +
                  b',"params":' + params + b'}')
        reply = b""
        try:
            while b"}\n\n" not in reply:
                b = c.recv(65536)
                if not b:
                    break
                reply += b
        except OSError:
            pass
        c.close()
        emit({"jsonrpc": "2.0", "id": rid, "result": {"reply": reply[:400].decode("latin-1")}})
        return False
    elif action == "rpcslowclose":
        # call `slow` (arg seconds) on the RPC socket and hang up at once
        import socket
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(rpc_path())
        c.sendall(b'{"jsonrpc":"2.0","id":"hostile:slow#2","method":"slow",'
                  b'"params":{"seconds":' + str(arg or 5).encode() + b'}}')
        time.sleep(0.3)
        c.close()
    elif action == "denywhilebig":
        # ask for the host's big listchannels and read it slowly, while
        # another thread writes denied requests on the same connection:
        # their answers wait until the answer's end, and must not pile up
        import socket
        import threading
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(rpc_path())
        c.sendall(b'{"jsonrpc":"2.0","id":"hostile:big#1","method":"listchannels","params":{}}')
        time.sleep(0.3)
        stop, sent = [False], [0]

        def flood():
            blk = b'{"jsonrpc":"2.0","id":1,"method":"x","params":{}}' * 5000
            try:
                while not stop[0] and sent[0] < int(arg or 100) * 1024 * 1024:
                    c.sendall(blk)
                    sent[0] += len(blk)
            except OSError:
                pass
        threading.Thread(target=flood, daemon=True).start()
        got = 0
        c.settimeout(20)
        try:
            while got < 600 * 1024 * 1024:
                d = c.recv(16384)
                if not d:
                    break
                got += len(d)
                time.sleep(0.0005)
        except OSError:
            pass
        stop[0] = True
        c.close()
        emit({"jsonrpc": "2.0", "id": rid, "result": {"got": got, "sent": sent[0]}})
        return False
    elif action == "wideprogress":
        # a progress notification for this request, padded with N values
        n = int(arg or 1000)
        w(b'{"jsonrpc":"2.0","method":"progress","params":{"id":' + R +
          b',"num":0,"total":1,"pad":[' + b",".join([b"1"] * n) + b']}}\n\n')
    elif action == "forged-id":
        w(b'{"jsonrpc":"2.0","id":"cln:forged#1","result":{"forged":true}}\n\n')
    elif action == "twice":
        emit({"jsonrpc": "2.0", "id": rid, "result": {"n": 1}})
        emit({"jsonrpc": "2.0", "id": rid, "result": {"n": 2}})
        return False
    elif action == "unasked":
        w(b'{"jsonrpc":"2.0","id":"cln:init#1","result":{"unasked":true}}\n\n')
        w(b'{"jsonrpc":"2.0","id":5,"result":{"unasked":true}}\n\n')
    elif action == "undeclared":
        w(b'{"jsonrpc":"2.0","method":"secret_topic","params":{"x":1}}\n\n')
        w(b'{"jsonrpc":"2.0","method":"connect","params":{"connect":{}}}\n\n')
        w(b'{"jsonrpc":"2.0","method":"hostile_event","params":{"x":2}}\n\n')
    elif action == "badnotif":
        # params shapes that log/message/progress must not accept
        w(b'{"jsonrpc":"2.0","method":"log","params":{"level":"io","message":"m"}}\n\n')
        w(b'{"jsonrpc":"2.0","method":"log","params":{"level":"info"}}\n\n')
        w(b'{"jsonrpc":"2.0","method":"log","params":{"level":"info","message":7}}\n\n')
        w(b'{"jsonrpc":"2.0","method":"message","params":{"level":"info","message":"no id"}}\n\n')
        w(b'{"jsonrpc":"2.0","method":"progress","params":{"num":1}}\n\n')
        w(b'{"jsonrpc":"2.0","method":"log"}\n\n')
        w(b'{"jsonrpc":"2.0","method":"log","params":{"level":"warn","message":"valid-log"}}\n\n')
        w(b'{"jsonrpc":"2.0","method":"message","params":{"id":' + R
          + b',"level":"info","message":"valid-message"}}\n\n')
        w(b'{"jsonrpc":"2.0","method":"progress","params":{"id":' + R
          + b',"num":1,"total":2}}\n\n')
    elif action == "dupkeys":
        w(b'{"jsonrpc":"2.0","id":' + R + b',"result":{"a":1},"result":{"b":2}}\n\n')
        return False
    elif action == "dupkeys-inner":
        w(b'{"jsonrpc":"2.0","id":' + R + b',"result":{"a":1,"a":2}}\n\n')
        return False
    elif action == "escaped-result":
        w(b'{"jsonrpc":"2.0","id":' + R + b',"r\\u0065sult":{"x":1}}\n\n')
        return False
    elif action == "escaped-method":
        w(b'{"jsonrpc":"2.0","m\\u0065thod":"log","params":{"level":"info","message":"esc"}}\n\n')
    elif action == "nul":
        w(b'{"jsonrpc":"2.0","id":' + R + b',"result":{"a":"x\x00y"}}\n\n')
        return False
    elif action == "ctrl":
        w(b'{"jsonrpc":"2.0","id":' + R + b',"result":{"a":"x\ny"}}\n\n')
        return False
    elif action == "deep":
        n = int(arg or 100000)
        w(b'{"jsonrpc":"2.0","id":' + R + b',"result":' + b"[" * n + b"]" * n + b"}\n\n")
        return False
    elif action == "depth":
        # a nesting of exactly `arg` levels counting the envelope
        n = int(arg) - 2
        w(b'{"jsonrpc":"2.0","id":' + R + b',"result":{"d":' + b"[" * n + b"]" * n
          + b"}}\n\n")
        return False
    elif action == "nonjson":
        sys.stdout.write("hello\n")
        sys.stdout.flush()
        return False
    elif action == "garbage-after":
        w(b'{"jsonrpc":"2.0","id":' + R + b',"result":{"ok":1}} garbage\n\n')
        return False
    elif action == "nojsonrpc":
        w(b'{"id":' + R + b',"result":{}}\n\n')
        return False
    elif action == "bigresult":
        n = int(arg)
        w(b'{"jsonrpc":"2.0","id":' + R + b',"result":{"s":"' + b"A" * n + b'"}}\n\n')
        return False
    elif action == "bigbad":
        # big enough for the runner's second thread, the flaw near its end
        n = int(arg)
        w(b'{"jsonrpc":"2.0","id":' + R + b',"result":{"s":"' + b"A" * n + b'\x01"}}\n\n')
        return False
    elif action == "bighalf":
        # half of a big answer, then gone
        n = int(arg)
        w(b'{"jsonrpc":"2.0","id":' + R + b',"result":{"s":"' + b"A" * n)
        sys.stdout.flush()
        os._exit(3)
    elif action == "bigpair":
        # a big log notification, a small one, then a big answer, at once:
        # with a slow host, the runner gets the answer while the pipe to
        # the host still holds the notification's last pages
        n = int(arg)
        w(b'{"jsonrpc":"2.0","method":"log","params":{"level":"info","message":"'
          + b"L" * n + b'"}}\n\n'
          + b'{"jsonrpc":"2.0","method":"log","params":{"level":"info","message":"mid"}}\n\n'
          + b'{"jsonrpc":"2.0","id":' + R + b',"result":{"s":"' + b"D" * n + b'"}}\n\n')
        return False
    elif action == "biglog":
        n = int(arg)
        w(b'{"jsonrpc":"2.0","method":"log","params":{"level":"info","message":"'
          + b"B" * n + b'"}}\n\n')
    elif action == "flood":
        n = int(arg or 10000)
        one = b'{"jsonrpc":"2.0","method":"log","params":{"level":"debug","message":"flood"}}\n\n'
        w(one * n)
    elif action == "floodbad":
        n = int(arg or 10000)
        w(b'{"jsonrpc":"2.0","method":"secret_topic","params":{}}\n\n' * n)
    elif action == "exit":
        sys.exit(int(arg))
    elif action == "closein":
        # reads nothing more but lives on, its stdout open
        emit({"jsonrpc": "2.0", "id": rid, "result": {"hello": action}})
        os.close(0)
        while True:
            time.sleep(1)
    elif action == "closeout":
        # never speaks again but lives on (arg seconds, then back to
        # reading stdin): to lightningd a plugin whose stdout closed is dead
        os.close(out)
        time.sleep(float(arg or 60))
        return False
    elif action == "signal":
        signal.signal(int(arg), signal.SIG_DFL)
        os.kill(os.getpid(), int(arg))
        time.sleep(5)
    elif action == "numbers":
        w(b'{"jsonrpc":"2.0","id":' + R + b',"result":{"big":18446744073709551615,'
          b'"neg":-0,"exp":1E-7,"frac":0.10000000000000000001,"s":"\\u00e9\\/"}}\n\n')
        return False
    elif action == "hugeexp":
        # valid RFC 8259 lexemes outside double range
        w(b'{"jsonrpc":"2.0","id":' + R + b',"result":{"exp":1E400,"tiny":1e-400}}\n\n')
        return False
    elif action == "pretty":
        w(b'{\n  "jsonrpc" : "2.0",\n  "id" : ' + R + b',\n  "result" : { "pretty" : [ 1 , 2 ] }\n}')
        return False
    elif action == "split":
        msg = b'{"jsonrpc":"2.0","id":' + R + b',"result":{"split":true}}'
        for i in range(len(msg)):
            w(msg[i:i + 1])
            time.sleep(0.002)
        return False
    return True


def handle(r):
    m, p, rid = r.get("method"), r.get("params"), r.get("id")
    if rid is None:
        if m == "shutdown":
            sys.exit(0)
        return
    if m == "getmanifest":
        res = manifest()
    elif m == "init":
        CONF[0] = p.get("configuration")
        res = {}
    elif m == "hello":
        action = p[0] if isinstance(p, list) and p else ""
        arg = p[1] if isinstance(p, list) and len(p) > 1 else None
        if not act(rid, action, arg):
            return
        res = {"hello": action}
    elif m in opt["hook_reply"]:
        w(b'{"jsonrpc":"2.0","id":' + q(rid) + b',"result":' + opt["hook_reply"][m] + b"}\n\n")
        return
    elif m in opt["hooks"]:
        res = {"result": "continue"}
    else:
        emit({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "no " + m}})
        return
    emit({"jsonrpc": "2.0", "id": rid, "result": res})
    if m == "init" and opt["noread"]:
        i = 0
        while True:
            i += 1
            emit({"jsonrpc": "2.0", "method": "log",
                  "params": {"level": "info", "message": "still alive %d" % i}})
            time.sleep(0.1)


def on_eof():
    if not opt["ignore_eof"]:
        sys.exit(0)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)
    emit({"jsonrpc": "2.0", "method": "log",
          "params": {"level": "info", "message": "ignoring EOF"}})
    while True:
        time.sleep(1)


if os.environ.get("LIGHTNINGD_PLUGIN") != "1":
    sys.exit(1)
if opt["early"] is not None:
    w(opt["early"])
buf = b""
while True:
    d = os.read(0, 1 << 20)
    if not d:
        on_eof()
    RECV += d
    buf += d
    while b"\n\n" in buf:
        part, buf = buf.split(b"\n\n", 1)
        if part.strip():
            handle(json.loads(part))
