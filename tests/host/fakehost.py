#!/usr/bin/python3
"""fakehost.py - a lightningd emulator for plugin-runner's integration tests.

What it does: plays lightningd's side of the plugin protocol (PROTOCOL.md
sections 1-6, checked against tests/transcripts, real lightningd traffic): spawns a command
(the runner, or a plugin directly for baselines) with stdin/stdout pipes,
stderr captured, cwd = a fresh "<lightning-dir>/regtest" holding a fake
hsm_secret and a real `lightning-rpc` unix socket served by a thread;
sends ld-style compact JSON + "\\n\\n"; reads the other side with a
jsmn-like incremental splitter (syntactic boundaries, no delimiter needed)
and records every message as raw bytes plus parsed JSON.

What it must not do: block forever (every wait has a timeout and raises
HostTimeout), depend on anything outside the Python 3 standard library, or
be lenient about what it records (raw bytes are kept exactly as read).

Who uses it: tests/integration/*.t (import it via sys.path) and
tests/demo.sh (as a CLI: `fakehost.py [--policy F] [--call M [JSON]]... -- CMD...`).
With PR_TEST_UID=N in the environment (root only) it plays a lightningd
running as user N (`make check-unprivileged`).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

LD_VERSION = "v26.06.6"
NODE_ID = "03e13c90ba3b635a7cd178f564259f99c161dac545da19992b0322da46d26b5f31"
FEATURE_SET = {
    "init": "800898880a8a59a1", "node": "808898880a8a59a1", "channel": "",
    "invoice": "02000002024100", "bolt12_offer": "", "bolt12_invreq": "",
    "bolt12_invoice": "020000", "channel_type": "08800000800000",
}
DEFAULT_TIMEOUT = 10.0

# PR_TEST_UID=N: lightningd runs as that (unprivileged) user, as it does on
# most nodes: the host starts its child (the runner, or a plugin for a
# baseline) as N with N's group and no others, and the lightning-dir, its
# hsm_secret and the lightning-rpc socket belong to N. The runner then
# builds its sandbox in a user namespace instead of switching identity
# as root does; `make check` runs the protocol tests both ways.
TEST_UID = int(os.environ.get("PR_TEST_UID", "-1") or -1)
if TEST_UID >= 0 and os.geteuid() != 0:
    sys.exit("fakehost.py: PR_TEST_UID=%d needs root (it hands the lightning-dir to that "
             "user and starts the child as it)" % TEST_UID)


def _own(path):
    """Give path to the test user (no-op when the host runs as root)."""
    if TEST_UID >= 0:
        os.chown(path, TEST_UID, TEST_UID)

# The signals a supervisor sends reach a plugin with their default action
# when lightningd runs in a terminal or under systemd (ignored dispositions
# survive exec, handled ones do not; PROTOCOL 1.1). A test run started with
# them ignored (a background job of a non-interactive shell ignores SIGINT
# and SIGQUIT; nohup ignores SIGHUP) would hand that on to every plugin and
# make the signal tests depend on how they were launched: start from the
# defaults. SIGPIPE stays as lightningd has it (see Host.start).
if threading.current_thread() is threading.main_thread():
    for _sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGTERM,
                 signal.SIGUSR1, signal.SIGUSR2):
        if signal.getsignal(_sig) == signal.SIG_IGN:
            signal.signal(_sig, signal.SIG_DFL)


def as_test_user():
    """Popen arguments that start the child as the test user, if any."""
    if TEST_UID < 0:
        return {}
    return {"user": TEST_UID, "group": TEST_UID, "extra_groups": []}


class HostTimeout(AssertionError):
    """A wait ran out: the test fails instead of hanging."""


def compact(obj):
    """lightningd's own JSON: compact, no spaces, UTF-8 kept."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


# ---------------------------------------------------------------------------
# Incremental splitter: jsmn-like syntactic boundaries.

_OUTSIDE = re.compile(rb'[{}\[\]"]')
_INSTR = re.compile(rb'["\\]')
_WS = b" \t\r\n"


class Splitter:
    """Feed bytes, get complete top-level values back as raw bytes.

    Like ld's reader: no delimiter is needed, whitespace between values is
    skipped, a value is complete when its brackets balance. A top level that
    does not start with '{' or '[' (e.g. `hello` from print()) or a NUL byte
    is garbage: it is returned once as ("garbage", bytes) and the splitter
    then swallows everything (ld kills such a plugin, or stalls on NUL).
    O(n) overall: the scan state survives between feeds.
    """

    def __init__(self):
        self.buf = bytearray()
        self.pos = 0        # scan position inside buf
        self.start = -1     # start of the current value, -1 = none yet
        self.depth = 0
        self.in_str = False
        self.broken = False

    def feed(self, data):
        out = []
        if self.broken:
            if data:
                out.append(("garbage", bytes(data)))
            return out
        self.buf += data
        buf = self.buf
        while True:
            if self.start < 0:
                n = len(buf)
                i = self.pos
                while i < n and buf[i] in _WS:
                    i += 1
                if i >= n:
                    del buf[:]
                    self.pos = 0
                    return out
                if buf[i] not in (0x7b, 0x5b):
                    self.broken = True
                    out.append(("garbage", bytes(buf[i:])))
                    del buf[:]
                    return out
                self.start = i
                self.pos = i
                self.depth = 0
                self.in_str = False
            done = self._scan()
            if done is None:
                if self.broken:
                    out.append(("garbage", bytes(buf[self.start:])))
                    del buf[:]
                return out
            out.append(("msg", bytes(buf[self.start:done])))
            del buf[:done]
            self.pos = 0
            self.start = -1

    def _scan(self):
        buf = self.buf
        nul = buf.find(b"\0", self.pos)
        limit = nul if nul >= 0 else len(buf)
        while True:
            if self.in_str:
                m = _INSTR.search(buf, self.pos, limit)
                if not m:
                    self.pos = limit
                    self.broken = nul >= 0
                    return None
                i = m.start()
                if buf[i] == 0x5c:          # backslash: skip next byte
                    if i + 1 >= limit:
                        self.pos = i        # rescan the escape later
                        self.broken = nul >= 0
                        return None
                    self.pos = i + 2
                    continue
                self.in_str = False
                self.pos = i + 1
                continue
            m = _OUTSIDE.search(buf, self.pos, limit)
            if not m:
                self.pos = limit
                self.broken = nul >= 0
                return None
            i = m.start()
            c = buf[i]
            self.pos = i + 1
            if c == 0x22:
                self.in_str = True
            elif c in (0x7b, 0x5b):
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth == 0:
                    return i + 1


class Msg:
    """One message as read: raw bytes, parsed JSON (None if not JSON),
    arrival time. `kind` is "msg" or "garbage"."""

    def __init__(self, kind, raw):
        self.kind = kind
        self.raw = raw
        self.time = time.monotonic()
        self.json = None
        self.error = None
        if kind == "msg":
            try:
                self.json = json.loads(raw.decode("utf-8"))
            except (ValueError, RecursionError) as e:
                self.error = str(e)[:200]

    def get(self, key, default=None):
        return self.json.get(key, default) if isinstance(self.json, dict) else default

    @property
    def id(self):
        return self.get("id")

    @property
    def method(self):
        return self.get("method")

    def __repr__(self):
        r = self.raw if len(self.raw) < 300 else self.raw[:300] + b"..."
        return "Msg(%s, %r)" % (self.kind, r)


# ---------------------------------------------------------------------------
# The lightning-rpc socket.

class RpcError(Exception):
    def __init__(self, code, message, data=None):
        Exception.__init__(self, message)
        self.code, self.message, self.data = code, message, data


class RpcConn:
    def __init__(self, server, sock, num):
        self.server, self.sock, self.num = server, sock, num
        self.notifications = False
        self.lock = threading.Lock()
        self.closed = False

    def send(self, obj_or_bytes):
        data = obj_or_bytes if isinstance(obj_or_bytes, bytes) else compact(obj_or_bytes)
        with self.lock:
            try:
                self.sock.sendall(data + b"\n\n")
            except OSError:
                pass


class RpcRequest:
    def __init__(self, conn, raw):
        self.conn = conn.num
        self.raw = raw
        self.time = time.monotonic()
        try:
            self.json = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            self.json = None

    @property
    def method(self):
        return self.json.get("method") if isinstance(self.json, dict) else None

    @property
    def params(self):
        return self.json.get("params") if isinstance(self.json, dict) else None

    def __repr__(self):
        return "RpcRequest(conn=%d, %r)" % (self.conn, self.raw[:300])


class RpcServer:
    """A lightningd-like `lightning-rpc`: one thread per connection,
    pipelining (answers in arrival order unless a handler delays), canned
    results, -32601 for unknown methods, id echoed raw, "\\n\\n" after every
    response, per-connection `notifications`."""

    def __init__(self, path):
        self.path = path
        self.requests = []
        self.cond = threading.Condition()
        self.conns = []
        self.datastore = {}
        self.big_size = 50 * 1024 * 1024
        self.handlers = {
            "getinfo": self._getinfo,
            "listpeers": lambda c, r, p: {"peers": []},
            "listfunds": lambda c, r, p: {"outputs": [], "channels": []},
            "listchannels": self._listchannels,
            "listconfigs": lambda c, r, p: {"configs": {}},
            "datastore": self._datastore,
            "listdatastore": self._listdatastore,
            "deldatastore": self._deldatastore,
            "notifications": self._notifications,
            "check": self._check,
            "echo": lambda c, r, p: {"params": p},
            "withdraw": lambda c, r, p: {"tx": "00", "txid": "00" * 32},
            "stop": lambda c, r, p: "Shutdown complete",
            "slow": self._slow,
            "chatty": self._chatty,
        }
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o600)
        _own(path)
        self.sock.listen(64)
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    # canned handlers: (conn, request, params) -> result or raise RpcError
    def _getinfo(self, c, r, p):
        return {"id": NODE_ID, "alias": "FAKEHOST", "color": "03e13c",
                "num_peers": 0, "num_pending_channels": 0,
                "num_active_channels": 0, "num_inactive_channels": 0,
                "address": [], "binding": [], "version": LD_VERSION,
                "blockheight": 101, "network": "regtest",
                "fees_collected_msat": 0, "lightning-dir": "/home/ln/.lightning/regtest",
                "our_features": FEATURE_SET}

    def _listchannels(self, c, r, p):
        # A huge, valid response built from one repeated entry.
        entry = compact({"source": NODE_ID, "destination": NODE_ID,
                         "short_channel_id": "103x1x0", "direction": 0,
                         "public": True, "amount_msat": 1000000000,
                         "message_flags": 1, "channel_flags": 0,
                         "active": True, "last_update": 1795330690,
                         "base_fee_millisatoshi": 1, "fee_per_millionth": 10,
                         "delay": 6, "htlc_minimum_msat": 0,
                         "htlc_maximum_msat": 990000000, "features": ""})
        n = max(1, self.big_size // (len(entry) + 1))
        body = b",".join([entry] * n)
        return RawResult(b'{"channels":[' + body + b"]}")

    def _datastore(self, c, r, p):
        key = p.get("key") if isinstance(p, dict) else (p[0] if p else None)
        if isinstance(key, str):
            key = [key]
        val = p.get("string", "") if isinstance(p, dict) else ""
        self.datastore[tuple(key)] = val
        return {"key": key, "string": val, "generation": 0}

    def _listdatastore(self, c, r, p):
        return {"datastore": [{"key": list(k), "string": v, "generation": 0}
                              for k, v in sorted(self.datastore.items())]}

    def _deldatastore(self, c, r, p):
        key = p.get("key") if isinstance(p, dict) else None
        if isinstance(key, str):
            key = [key]
        v = self.datastore.pop(tuple(key or []), None)
        if v is None:
            raise RpcError(1200, "Key does not exist")
        return {"key": key, "string": v, "generation": 0}

    def _notifications(self, c, r, p):
        en = p.get("enable") if isinstance(p, dict) else (p[0] if p else None)
        c.notifications = bool(en)
        return {}

    def _check(self, c, r, p):
        cmd = p.get("command_to_check") if isinstance(p, dict) else None
        if cmd not in self.handlers:
            raise RpcError(-32601, "Unknown command '%s'" % cmd)
        return {"command_to_check": cmd}

    def _slow(self, c, r, p):
        time.sleep(float((p or {}).get("seconds", 0.5)) if isinstance(p, dict) else 0.5)
        return {"slow": True}

    def _chatty(self, c, r, p):
        # Like a command that emits progress: only to a connection that
        # enabled notifications.
        if c.notifications:
            c.send({"jsonrpc": "2.0", "method": "message",
                    "params": {"id": r.json.get("id"), "level": "info",
                               "message": "chatty says hi"}})
        return {"chatty": c.notifications}

    def _accept(self):
        num = 0
        while not self.stopping:
            try:
                s, _ = self.sock.accept()
            except OSError:
                return
            num += 1
            conn = RpcConn(self, s, num)
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        sp = Splitter()
        while True:
            try:
                data = conn.sock.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                break
            for kind, raw in sp.feed(data):
                req = RpcRequest(conn, raw)
                with self.cond:
                    self.requests.append(req)
                    self.cond.notify_all()
                if kind != "msg" or not isinstance(req.json, dict):
                    conn.send({"jsonrpc": "2.0", "id": None,
                               "error": {"code": -32600, "message": "Invalid request"}})
                    conn.sock.shutdown(socket.SHUT_WR)
                    break
                self._answer(conn, req)
        conn.closed = True
        try:
            conn.sock.close()
        except OSError:
            pass

    def _answer(self, conn, req):
        j = req.json
        idraw = compact(j.get("id"))
        method = j.get("method")
        try:
            if j.get("jsonrpc") != "2.0" or "params" not in j or "id" not in j:
                raise RpcError(-32600, "Invalid request")
            h = self.handlers.get(method)
            if h is None:
                raise RpcError(-32601, "Unknown command '%s'" % method)
            res = h(conn, req, j.get("params"))
            body = res.raw if isinstance(res, RawResult) else compact(res)
            conn.send(b'{"jsonrpc":"2.0","id":' + idraw + b',"result":' + body + b"}")
        except RpcError as e:
            err = {"code": e.code, "message": e.message}
            if e.data is not None:
                err["data"] = e.data
            conn.send(b'{"jsonrpc":"2.0","id":' + idraw + b',"error":' + compact(err) + b"}")

    def wait_requests(self, n=1, method=None, timeout=DEFAULT_TIMEOUT):
        """Wait until at least n requests (of `method`, if given) arrived."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [r for r in self.requests if method is None or r.method == method]
                if len(got) >= n:
                    return got
                left = end - time.monotonic()
                if left <= 0:
                    raise HostTimeout("rpc: %d %s request(s) not seen in %.1fs (saw %r)"
                                      % (n, method or "any", timeout, self.requests[-5:]))
                self.cond.wait(left)

    def close(self):
        self.stopping = True
        try:
            self.sock.close()
        except OSError:
            pass
        for c in self.conns:
            try:
                c.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class RawResult:
    def __init__(self, raw):
        self.raw = raw


# ---------------------------------------------------------------------------
# The host.

class Host:
    """Plays lightningd towards one plugin (or a runner wrapping one).

    h = Host(["plugin-runner", "--policy", p, "plugin.py"]).start()
    h.getmanifest(); h.init(); r = h.request("hello", ["x"])
    """

    def __init__(self, cmd, env=None, developer=False, rpc=True, timeout=DEFAULT_TIMEOUT,
                 keep_env=True, rpc_at=None):
        self.cmd = list(cmd)
        self.timeout = timeout
        self.developer = developer
        self.basedir = tempfile.mkdtemp(prefix="fh-")
        self.lightning_dir = os.path.join(self.basedir, "regtest")
        os.mkdir(self.lightning_dir, 0o755)
        with open(os.path.join(self.lightning_dir, "hsm_secret"), "wb") as f:
            f.write(b"FAKEHOST-HSM-SECRET-" + os.urandom(12).hex().encode())
        os.chmod(os.path.join(self.lightning_dir, "hsm_secret"), 0o400)
        if TEST_UID >= 0:
            os.chmod(self.basedir, 0o755)
            for p in (self.basedir, self.lightning_dir,
                      os.path.join(self.lightning_dir, "hsm_secret")):
                _own(p)
        # rpc_at: the socket at that absolute path instead (lightningd's
        # rpc-file option), named so in init
        self.rpc_file = rpc_at or "lightning-rpc"
        self.rpc_path = rpc_at or os.path.join(self.lightning_dir, "lightning-rpc")
        # rpc="late": the socket appears only when init is sent (ld creates
        # it after getmanifest), rpc=False: never.
        self.rpc_late = rpc == "late"
        self.rpc = RpcServer(self.rpc_path) if rpc and not self.rpc_late else None
        e = dict(os.environ) if keep_env else {"PATH": "/usr/bin:/bin"}
        e["LIGHTNINGD_PLUGIN"] = "1"
        e["LIGHTNINGD_VERSION"] = LD_VERSION
        if env:
            for k, v in env.items():
                if v is None:
                    e.pop(k, None)
                else:
                    e[k] = v
        self.env = e
        self.proc = None
        self.messages_from_plugin = []     # list of Msg, in arrival order
        self.sent = []                     # every chunk written, as bytes
        self.stderr = bytearray()
        self.stdout_raw = bytearray()      # every byte read from stdout
        self.stdout_eof = False
        self.stdout_eof_time = None
        self.cond = threading.Condition()
        self.counter = 20
        self.answered = set()
        self.write_lock = threading.Lock()
        self.write_errors = []
        # A slow lightningd (tests): stdout is read this many bytes at a
        # time, with this pause after each read; both may change any time.
        self.read_size = 1 << 20
        self.read_delay = 0.0

    # -- lifecycle --------------------------------------------------------
    def start(self):
        argv = list(self.cmd)
        if "/" in argv[0] and not argv[0].startswith("/"):
            argv[0] = os.path.abspath(argv[0])
        if self.developer and "--developer" not in argv:
            argv.append("--developer")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=self.lightning_dir, env=self.env, bufsize=0,
            restore_signals=False,      # keep SIGPIPE ignored, as ld does
            **as_test_user())
        self._rt = threading.Thread(target=self._read_stdout, daemon=True)
        self._rt.start()
        self._et = threading.Thread(target=self._read_stderr, daemon=True)
        self._et.start()
        return self

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.cleanup()

    def _read_stdout(self):
        sp = Splitter()
        fd = self.proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, self.read_size)
            except OSError:
                data = b""
            if not data:
                break
            if self.read_delay:
                time.sleep(self.read_delay)
            with self.cond:
                self.stdout_raw += data
            for kind, raw in sp.feed(data):
                m = Msg(kind, raw)
                with self.cond:
                    self.messages_from_plugin.append(m)
                    self.cond.notify_all()
        with self.cond:
            self.stdout_eof = True
            self.stdout_eof_time = time.monotonic()
            self.cond.notify_all()

    def _read_stderr(self):
        fd = self.proc.stderr.fileno()
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except OSError:
                data = b""
            if not data:
                break
            with self.cond:
                self.stderr += data
                self.cond.notify_all()

    def close_stdin(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def wait_exit(self, timeout=None):
        """Exit status like a shell sees it: code, or 128+N for signal N
        (subprocess's negative values are mapped)."""
        try:
            rc = self.proc.wait(timeout if timeout is not None else self.timeout)
        except subprocess.TimeoutExpired:
            raise HostTimeout("process did not exit within %.1fs; its stderr ends: %r"
                              % (timeout or self.timeout, bytes(self.stderr[-800:])))
        self._rt.join(2)
        self._et.join(2)
        return 128 - rc if rc < 0 else rc

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()     # ld SIGKILLs the direct child only
            self.proc.wait(5)

    def cleanup(self):
        self.kill()
        if self.rpc:
            self.rpc.close()
        shutil.rmtree(self.basedir, ignore_errors=True)

    # -- writing ----------------------------------------------------------
    def send_raw(self, data, timeout=None):
        """Write bytes as they are (several messages, half a message, ...).
        A writer thread enforces the timeout so a plugin that never reads
        cannot hang the test."""
        err = []

        def w():
            try:
                with self.write_lock:
                    self.proc.stdin.write(data)
            except (OSError, ValueError) as e:
                err.append(e)
        t = threading.Thread(target=w, daemon=True)
        t.start()
        t.join(timeout if timeout is not None else self.timeout)
        if t.is_alive():
            raise HostTimeout("write of %d bytes blocked for %.1fs"
                              % (len(data), timeout or self.timeout))
        if err and isinstance(err[0], BrokenPipeError):
            # like ld (SIGPIPE ignored): the write fails, the test goes on
            # and sees the consequences (stdout EOF, exit status)
            self.write_errors.append(err[0])
            return
        if err:
            raise err[0]
        self.sent.append(bytes(data))

    def send(self, obj):
        self.send_raw(compact(obj) + b"\n\n")

    def next_id(self, method, prefix=""):
        self.counter += 1
        return "%scln:%s#%d" % (prefix, method, self.counter)

    # -- reading ----------------------------------------------------------
    def wait_for(self, pred, timeout=None, what="message", start=0):
        """First message (from index `start`) satisfying pred; HostTimeout
        if none within timeout."""
        end = time.monotonic() + (timeout if timeout is not None else self.timeout)
        with self.cond:
            i = start
            while True:
                while i < len(self.messages_from_plugin):
                    m = self.messages_from_plugin[i]
                    if pred(m):
                        return m
                    i += 1
                left = end - time.monotonic()
                if left <= 0 or (self.stdout_eof and i >= len(self.messages_from_plugin)):
                    raise HostTimeout("%s not seen (%s); last: %r; stderr tail: %r"
                                      % (what, "stdout EOF" if self.stdout_eof else "timeout",
                                         self.messages_from_plugin[-3:],
                                         bytes(self.stderr[-600:])))
                self.cond.wait(min(left, 0.5))

    def wait_response(self, rid, timeout=None):
        return self.wait_for(lambda m: m.kind == "msg" and m.get("id") == rid
                             and ("result" in m.json or "error" in m.json),
                             timeout, "response to %r" % (rid,))

    def wait_stderr(self, needle, timeout=None):
        end = time.monotonic() + (timeout if timeout is not None else self.timeout)
        if isinstance(needle, str):
            needle = needle.encode()
        with self.cond:
            while needle not in self.stderr:
                left = end - time.monotonic()
                if left <= 0:
                    raise HostTimeout("stderr never contained %r; got %r"
                                      % (needle, bytes(self.stderr[-800:])))
                self.cond.wait(min(left, 0.5))
        return True

    def wait_stdout_eof(self, timeout=None):
        end = time.monotonic() + (timeout if timeout is not None else self.timeout)
        with self.cond:
            while not self.stdout_eof:
                left = end - time.monotonic()
                if left <= 0:
                    raise HostTimeout("no stdout EOF within %.1fs" % (timeout or self.timeout))
                self.cond.wait(min(left, 0.5))

    def settle(self, seconds=0.5):
        """Let in-flight traffic arrive (used before asserting an absence)."""
        time.sleep(seconds)

    def notifications(self, method=None):
        with self.cond:
            return [m for m in self.messages_from_plugin
                    if m.kind == "msg" and isinstance(m.json, dict) and "id" not in m.json
                    and (method is None or m.json.get("method") == method)]

    def runner_logs(self):
        """`log` notifications that the runner (not the plugin) sent."""
        return [m for m in self.notifications("log")
                if str(m.json.get("params", {}).get("message", "")).startswith("plugin-runner")]

    def garbage(self):
        return [m for m in self.messages_from_plugin if m.kind == "garbage"]

    def raw_stream(self):
        return b"".join(m.raw for m in self.messages_from_plugin)

    # -- ld's requests ----------------------------------------------------
    def request(self, method, params=None, rid=None, timeout=None):
        rid = rid if rid is not None else self.next_id(method)
        self.send({"jsonrpc": "2.0", "id": rid, "method": method,
                   "params": {} if params is None else params})
        return self.wait_response(rid, timeout)

    def getmanifest(self, prefix="", timeout=None):
        rid = self.next_id("getmanifest", prefix)
        self.send({"jsonrpc": "2.0", "id": rid, "method": "getmanifest",
                   "params": {"allow-deprecated-apis": False}})
        return self.wait_response(rid, timeout)

    def init_params(self, options=None, startup=True, proxy=None):
        conf = {"lightning-dir": self.lightning_dir, "rpc-file": self.rpc_file,
                "startup": startup, "network": "regtest"}
        if proxy:
            conf["proxy"] = proxy
            conf["torv3-enabled"] = True
            conf["always_use_proxy"] = False
        conf["feature_set"] = dict(FEATURE_SET)
        return {"options": options or {}, "configuration": conf}

    def init(self, options=None, startup=True, proxy=None, timeout=None):
        if self.rpc_late and self.rpc is None:
            self.rpc = RpcServer(self.rpc_path)
        rid = self.next_id("init")
        self.send({"jsonrpc": "2.0", "id": rid, "method": "init",
                   "params": self.init_params(options, startup, proxy)})
        return self.wait_response(rid, timeout)

    def handshake(self, options=None, timeout=None):
        man = self.getmanifest(timeout=timeout)
        ini = self.init(options, timeout=timeout)
        return man, ini

    def hook(self, name, params, rid=None, timeout=None):
        return self.request(name, params, rid=rid, timeout=timeout)

    def notify(self, topic, payload, wrap=True):
        self.send({"jsonrpc": "2.0", "method": topic,
                   "params": {topic: payload} if wrap else payload})

    def client_request(self, method, raw_params=b"[ ]", client_id="cli:%s#30108", timeout=None):
        """A forwarded rpcmethod call: the client's bytes, whitespace kept,
        id swapped as ld does."""
        rid = (client_id % method if "%s" in client_id else client_id) \
            + "/cln:%s#%d" % (method, self.counter + 1)
        self.counter += 1
        raw = (b'{ "jsonrpc" : "2.0", "method" : ' + compact(method) + b', "id" : '
               + compact(rid) + b', "params" :' + raw_params + b" }\n\n")
        self.send_raw(raw)
        return rid


def runner_cmd(plugin_argv, policy=None, opts=()):
    """[PR_BIN, --policy P, *opts, plugin...]; PR_BIN from the environment."""
    b = os.environ.get("PR_BIN", "./build/plugin-runner")
    cmd = [b]
    if policy:
        cmd += ["--policy", policy]
    cmd += list(opts)
    return cmd + list(plugin_argv)


def write_policy(obj, dirpath=None):
    """Write a policy JSON with safe modes (dir 0755, file 0644); return path."""
    d = dirpath or tempfile.mkdtemp(prefix="frpol-")
    os.chmod(d, 0o755)
    p = os.path.join(d, "policy.json")
    with open(p, "w") as f:
        json.dump(obj, f, indent=1)
    os.chmod(p, 0o644)
    return p


# ---------------------------------------------------------------------------
# CLI: a tiny scripted host, used by tests/demo.sh.

def _cli(argv):
    import argparse
    ap = argparse.ArgumentParser(description="fake lightningd host")
    ap.add_argument("--call", nargs="+", action="append", default=[],
                    metavar=("METHOD", "PARAMS"), help="call a plugin rpcmethod")
    ap.add_argument("--developer", action="store_true")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    ap.add_argument("--quiet-stderr", action="store_true")
    ap.add_argument("--brief", action="store_true", help="truncate long lines")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no command")

    def show(arrow, b):
        s = b.decode("utf-8", "replace").strip()
        if a.brief and len(s) > 400:
            s = s[:400] + "..."
        print("%s : %s" % (arrow, s))

    h = Host(cmd, developer=a.developer, timeout=a.timeout).start()
    rc = 0
    seen = [0]

    def show_new():
        with h.cond:
            new = h.messages_from_plugin[seen[0]:]
            seen[0] = len(h.messages_from_plugin)
        for m in new:
            show("host <- plugin", m.raw)
    try:
        h.counter = 0
        h.getmanifest()
        h.init()
        h.settle(0.2)
        show_new()
        for call in a.call:
            params = json.loads(call[1]) if len(call) > 1 else {}
            before = len(h.rpc.requests)
            rid = h.next_id(call[0])
            h.send({"jsonrpc": "2.0", "id": rid, "method": call[0], "params": params})
            show("host -> plugin", h.sent[-1])
            h.wait_response(rid)
            h.settle(0.2)
            for r in h.rpc.requests[before:]:
                show("plugin -> lightning-rpc", r.raw)
            show_new()
        h.close_stdin()
        rc = h.wait_exit()
        show_new()
        print("exit status : %d" % rc)
    except HostTimeout as e:
        print("fakehost: %s" % e, file=sys.stderr)
        rc = 1
    finally:
        if not a.quiet_stderr and h.stderr:
            sys.stdout.flush()
            print("--- stderr of the command ---")
            sys.stdout.write(h.stderr.decode("utf-8", "replace"))
        h.cleanup()
    return rc


if __name__ == "__main__":
    sys.exit(_cli(sys.argv[1:]))
