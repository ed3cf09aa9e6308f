#!/usr/bin/python3
# 32-go-plugin.t - a Go plugin runs under the default profile (issue 4):
# the Go runtime's threads, signals, timers and netpoller get past the
# seccomp allowlist, and its RPC call goes through the proxy. Built here
# with Debian's golang-go (`make deps` installs it).
import os
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403

SRC = os.path.join(ROOT, "tests", "plugins", "go", "main.go")


def go_plugin():
    go = shutil.which("go")
    if not go:
        ok(False, "the go toolchain is installed (make deps installs golang-go)")
        return
    d = tempfile.mkdtemp(prefix="prgo-")
    os.chmod(d, 0o755)
    exe = os.path.join(d, "goplugin")
    env = dict(os.environ, CGO_ENABLED="0", GOCACHE=os.path.join(d, "cache"),
               GOPATH=os.path.join(d, "gopath"), GOFLAGS="-mod=mod", GO111MODULE="off")
    r = subprocess.run([go, "build", "-o", exe, SRC], env=env, capture_output=True, timeout=300)
    ok(r.returncode == 0, "the Go plugin builds (%s)" % r.stderr.decode()[-300:])
    if r.returncode:
        return
    shutil.rmtree(os.path.join(d, "cache"), True)
    os.chmod(exe, 0o755)
    pol = policy(manifest={"rpcmethods": ["hello", "callrpc"]}, rpc={"allow": ["getinfo"]})
    pol["sandbox"]["filesystem"]["read_only"] = pol["sandbox"]["filesystem"]["read_only"] + [d]
    with runner([exe], pol) as h:
        h.start()
        m = h.getmanifest()
        is_([x["name"] for x in m.json["result"]["rpcmethods"]], ["hello", "callrpc"],
            "Go plugin: manifest through the runner")
        h.init()
        r = h.request("hello", {})
        is_(r.json.get("result", {}).get("hello"), "from go",
            "Go plugin: answered from a goroutine after a timer")
        r = h.request("callrpc", {})
        ok("result" in r.json.get("result", {}), "Go plugin: getinfo through the RPC proxy (%s)"
           % str(r.json)[:200])
        ok(b"seccomp" not in bytes(h.stderr).lower(), "no seccomp complaint")
        h.close_stdin()
        is_(h.wait_exit(15), 0, "Go plugin: exits 0 on stdin EOF")
    shutil.rmtree(d, True)


case(go_plugin)
done()
