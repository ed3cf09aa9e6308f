#!/usr/bin/python3
# 23-signals.t - signals the runner receives reach the plugin (SPEC 5: the
# runner forwards them; lightningd's ^C reaches its process group, and the
# plugin sits in a session of its own): all six it forwards, each through
# the sandbox's pid 1, which drops any it does not take itself. The Python
# plugin handles none of them, so it dies of the signal and the runner
# exits 128+N.
import os
import signal
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403


def forwarded(sig):
    def t():
        with runner([GOOD]) as h:
            h.start()
            h.handshake()
            os.kill(h.proc.pid, sig)
            st = h.wait_exit(15)
            is_(st, 128 + sig, "%s to the runner reaches the plugin: runner exits %d"
                % (signal.Signals(sig).name, 128 + sig))
            like(bytes(h.stderr), b"forwarded to the plugin", "the forwarding is logged")
    t.__name__ = "forward_%d" % sig
    return t


for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR1,
          signal.SIGUSR2):
    case(forwarded(s))
done()
