#!/usr/bin/python3
# 21-backpressure.t - a plugin that never reads stdin must not stall the
# other direction (SPEC 1: neither side hangs): while the host's writes pile
# up, the plugin's output keeps reaching the host, and closing everything
# still ends the runner.
import os
import sys
import threading
import time
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403


def alive_count(h):
    return len([m for m in h.notifications("log")
                if str(m.json["params"].get("message", "")).startswith("still alive")])


def noread():
    with runner([HOSTILE, "--noread"]) as h:
        h.start()
        h.handshake()
        payload = {"id": "02" + "ab" * 32, "direction": "out",
                   "address": {"type": "ipv4", "address": "127.0.0.1", "port": 1},
                   "pad": "x" * 60000}
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


case(noread)
done()
