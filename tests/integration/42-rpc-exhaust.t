#!/usr/bin/python3
# 42-rpc-exhaust.t - a plugin attacking the RPC proxy's resources (issue 3):
# 1000 connections at once, and one request that never ends. The runner
# must stay up, keep its memory and file descriptors bounded, never pass
# the endless request to lightningd, and keep serving afterwards.
import json
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403


def status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def nfds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def conn_flood():
    pol = policy(rpc={"allow": ["getinfo"]})
    with runner([HOSTILE], pol) as h:
        h.start()
        h.handshake()
        pid = h.proc.pid
        before = nfds(pid)
        r = h.request("hello", ["connflood", "1000"], timeout=120)
        res = r.json.get("result", {})
        ok(h.alive(), "1000 connections at once: the runner is still running")
        ok(res.get("opened", 0) + res.get("refused", 0) == 1000, "all 1000 attempts were made (%s)" % {
            k: res.get(k) for k in ("opened", "refused", "closed_by_runner")})
        ok(res.get("closed_by_runner", 0) >= res.get("opened", 0) - 64,
           "the runner holds at most 64 of them (closed %s of %s)" % (
               res.get("closed_by_runner"), res.get("opened")))
        like(res.get("after", ""), '"result"', "a fresh call afterwards still works")
        h.settle(0.5)
        ok(nfds(pid) <= before + 2, "the runner's file descriptors are back to where they were "
           "(%d -> %d)" % (before, nfds(pid)))
        hwm = status(pid, "VmHWM")
        ok(hwm is not None and hwm < 64 * 1024, "the runner's peak memory stays bounded (%s KiB)" % hwm)
        like(bytes(h.stderr), b"connections at once: refused", "the refusals are logged")


def endless_request():
    pol = policy(rpc={"allow": ["getinfo"]},
                 sandbox={"limits": {"message": "1M"}})
    with runner([HOSTILE], pol) as h:
        h.start()
        h.handshake()
        pid = h.proc.pid
        r = h.request("hello", ["endless", "200"], timeout=120)
        res = r.json.get("result", {})
        ok(res.get("sent", 0) < 200 * 1024 * 1024,
           "the runner stopped reading the endless request (sent %s bytes)" % res.get("sent"))
        like(res.get("reply", ""), "plugin-runner:", "the plugin was told why (%r)" % res.get("reply", "")[:200])
        is_([x for x in h.rpc.requests if '"hostile:e#1"' in x.raw.decode("latin-1", "replace")], [],
            "lightningd never saw any of it")
        ok(h.alive(), "the runner is still running")
        hwm = status(pid, "VmHWM")
        ok(hwm is not None and hwm < 32 * 1024, "the runner's peak memory stays near the cap (%s KiB)" % hwm)
        r = h.request("hello", [])
        ok("result" in r.json, "the plugin's stdio still works afterwards")


for c in (conn_flood, endless_request):
    case(c)
done()
