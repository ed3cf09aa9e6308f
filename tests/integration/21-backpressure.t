#!/usr/bin/python3
# 21-backpressure.t - a plugin that never reads stdin must not stall the
# other direction (SPEC 1: neither side hangs): while the host's writes pile
# up, the plugin's output keeps reaching the host, and closing everything
# still ends the runner; the host closing its end while they pile up still
# ends the plugin after --grace.
import os
import signal
import sys
import threading
import time
import uuid
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403


CONNECT = {"id": "02" + "ab" * 32, "direction": "out",
           "address": {"type": "ipv4", "address": "127.0.0.1", "port": 1}}


def alive_count(h):
    return len([m for m in h.notifications("log")
                if str(m.json["params"].get("message", "")).startswith("still alive")])


def noread():
    with runner([HOSTILE, "--noread"]) as h:
        h.start()
        h.handshake()
        payload = dict(CONNECT, pad="x" * 60000)
        one = compact({"jsonrpc": "2.0", "method": "connect",
                       "params": {"connect": payload}}) + b"\n\n"
        blob = one * 500        # ~30 MB, far beyond any pipe buffer

        def flood():
            try:
                h.send_raw(blob, timeout=60)
            except Exception:   # noqa: BLE001 - blocked or EPIPE at cleanup
                pass
        t = threading.Thread(target=flood, daemon=True)
        t.start()
        time.sleep(1.0)
        a = alive_count(h)
        time.sleep(2.0)
        b = alive_count(h)
        ok(b - a >= 10, "plugin output keeps flowing while the host's writes pile up "
           "(%d -> %d log lines in 2 s)" % (a, b))
        ok(h.alive(), "runner still running")
        h.kill()


def noread_host_gone():
    # lightningd shuts down (closes the runner's stdin) while the plugin,
    # reading nothing, has the runner's queue to it full: the runner no
    # longer reads its stdin then, but must still see the hang-up and end
    # the plugin after --grace, not outlive lightningd with it.
    marker = "--marker=%s" % uuid.uuid4()
    with runner([HOSTILE, "--noread", marker], opts=["--grace", "1"]) as h:
        h.start()
        h.handshake()
        one = compact({"jsonrpc": "2.0", "method": "connect",
                       "params": {"connect": dict(CONNECT, pad="x" * 60000)}}) + b"\n\n"
        fd = h.proc.stdin.fileno()
        os.set_blocking(fd, False)
        sent, rest, stalls, end = 0, b"", 0, time.monotonic() + 20
        while stalls < 4 and time.monotonic() < end:    # until the runner stops reading
            rest = rest or one
            try:
                n = os.write(fd, rest)
                sent, rest, stalls = sent + n, rest[n:], 0
            except BlockingIOError:
                stalls += 1
                time.sleep(0.3)
        ok(sent > (1 << 20), "the host's writes pile up (%d bytes taken)" % sent)
        st, dt = close_and_wait(h)
        is_(st, 128 + signal.SIGKILL, "host gone with the queue full: the plugin is ended after "
            "--grace 1 (%.2fs)" % dt)
        ok(stderr_has(h, "host closed stdin while the plugin is behind"), "the runner says why")
        time.sleep(0.3)
        is_(procs_with(marker), [], "no process of the plugin left")


case(noread)
case(noread_host_gone)
done()
