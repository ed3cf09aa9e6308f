#!/usr/bin/python3
# 42-rpc-exhaust.t - a plugin attacking the RPC proxy's resources (issue 3):
# 1000 connections at once, and one request that never ends. The runner
# must stay up, keep its memory and file descriptors bounded, never pass
# the endless request to lightningd, and keep serving afterwards.
import json
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403


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
        hwm = proc_status_kib(pid, "VmHWM")
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
        hwm = proc_status_kib(pid, "VmHWM")
        ok(hwm is not None and hwm < 32 * 1024, "the runner's peak memory stays near the cap (%s KiB)" % hwm)
        r = h.request("hello", [])
        ok("result" in r.json, "the plugin's stdio still works afterwards")


def wide_request(method, n, code, why):
    # A request of many small values: a tree of it would take 30-80 times
    # its bytes (a 32 MB one took 2.6 GB). Judged on its text, or refused
    # where its params must be judged and it holds too many values.
    pol = policy(rpc={"allow": ["getinfo", "check"]},
                 sandbox={"limits": {"message": "8M"}})
    with runner([HOSTILE], pol, env=MEMORY_ENV) as h:
        h.start()
        h.handshake()
        pid = h.proc.pid
        base = proc_status_kib(pid, "VmRSS")
        r = h.request("hello", ["wide", "%s,%d" % (method, n)], timeout=120)
        reply = r.json.get("result", {}).get("reply", "")
        like(reply, '"id":"hostile:wide#1","error":{"code":%d' % code,
             "%s of %d objects: answered %d, to its id (%r)" % (method, n, code, reply[:160]))
        like(reply, why, "%s: the answer says why" % method)
        hwm = proc_status_kib(pid, "VmHWM")
        ok(hwm is not None and hwm - base < 40 * 1024 * MEM_SCALE,
           "%s: the runner's peak memory stays within a few times the 8 MB request "
           "(%s KiB over %s)" % (method, hwm - base, base))
        ok(h.alive(), "%s: the runner is still running" % method)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


def hangup_while_host_answers():
    # The plugin hangs up while lightningd still owes the answer: the
    # runner must wait for it idle, not spin on the hung-up socket.
    pol = policy(rpc={"allow": ["getinfo", "slow"]})
    with runner([HOSTILE], pol) as h:
        h.start()
        h.handshake()
        pid = h.proc.pid
        h.request("hello", ["rpcslowclose", "4"])
        c0 = cpu_seconds(pid)
        time.sleep(2)
        used = cpu_seconds(pid) - c0
        ok(used < 0.5, "the runner is idle while the answer is owed (%.2f s of CPU in 2 s)" % used)
        ok(h.alive(), "the runner is still running")


def denials_while_big_answer():
    # Denials made while the host's answer is mid-message wait for its end;
    # a plugin that writes requests and reads slowly must not make them
    # pile up in the runner.
    pol = policy(rpc={"allow": ["listchannels"]})
    with runner([HOSTILE], pol, env=MEMORY_ENV) as h:
        h.start()
        h.handshake()
        pid = h.proc.pid
        r = h.request("hello", ["denywhilebig", "100"], timeout=180)
        res = r.json.get("result", {})
        ok(res.get("got", 0) > 50 * 1000 * 1000, "the big answer came through (%s)" % res)
        hwm = proc_status_kib(pid, "VmHWM")
        ok(hwm is not None and hwm < 64 * 1024 * MEM_SCALE,
           "the runner's peak memory stays bounded (%s KiB, %s bytes of requests sent)"
           % (hwm, res.get("sent")))


for c in (conn_flood, endless_request, hangup_while_host_answers, denials_while_big_answer,
          lambda: wide_request("withdraw", 2700000, -32601, "denied by policy"),
          lambda: wide_request("check", 2700000, -32600, "too many to judge")):
    case(c)
done()
