#!/usr/bin/python3
# 13-plugin-to-host.t - plugin -> host direction (SPEC 5, 8): responses only
# for ids the host asked and has not had answered; notifications only log /
# message / progress with valid params and the allowed custom topics; every
# drop logged on stderr and as a `log` warn notification to the host.
import fcntl
import os
import re
import time
import threading
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403


def start():
    h = runner(HOSTILE)
    h.start()
    h.handshake()
    return h


def ids_seen(h):
    return [m.id for m in h.messages_from_plugin if m.kind == "msg" and "id" in m.json]


def forged_and_unasked():
    with start() as h:
        r = h.request("hello", ["forged-id"])
        is_(r.json["result"], {"hello": "forged-id"}, "the real answer passes")
        r2 = h.request("hello", ["unasked"])
        is_(r2.json["result"], {"hello": "unasked"}, "the real answer passes (2)")
        h.settle(0.5)
        bad = [i for i in ids_seen(h) if i in ("cln:forged#1", "cln:init#1", 5)]
        is_(bad, [], "forged and never-asked ids never reach the host")
        ok(stderr_has(h, b"cln:forged#1"), "the forged id is logged on stderr")
        ok(any(b"cln:forged#1" in m.raw for m in runner_denials(h)),
           "the drop is also sent to the host as a log notification at level warn")
        h.close_stdin()
        h.wait_exit()


def duplicate_answer():
    with start() as h:
        r = h.request("hello", ["twice"])
        is_(r.json["result"], {"n": 1}, "first answer passes")
        h.settle(0.7)
        n = [m for m in h.messages_from_plugin if m.id == r.id]
        is_(len(n), 1, "a second answer to an answered id is dropped")
        # the init id, answered long ago, replayed by the plugin
        r = h.request("hello", ["unasked"])
        h.settle(0.3)
        inits = [m for m in h.messages_from_plugin if str(m.id).startswith("cln:init#")]
        is_(len(inits), 1, "a replayed answer to init is dropped")
        h.close_stdin()
        h.wait_exit()


def undeclared_notifications():
    with start() as h:
        r = h.request("hello", ["undeclared"])
        is_(r.json["result"], {"hello": "undeclared"}, "answer passes")
        h.settle(0.5)
        methods = [m.method for m in h.messages_from_plugin
                   if m.kind == "msg" and "id" not in m.json and m.method != "log"]
        is_(methods, ["hostile_event"],
            "undeclared topic and native topic dropped; the declared custom topic passes")
        ev = h.notifications("hostile_event")
        is_(ev[0].raw if ev else None, b'{"jsonrpc":"2.0","method":"hostile_event","params":{"x":2}}',
            "custom notification forwarded byte-exact (compact)")
        ok(stderr_has(h, b"secret_topic"), "undeclared topic logged on stderr")
        ok(any(b"secret_topic" in m.raw for m in runner_denials(h)),
           "undeclared topic reported to the host as log/warn")
        h.close_stdin()
        h.wait_exit()


def log_message_progress():
    with start() as h:
        r = h.request("hello", ["badnotif"])
        is_(r.json["result"], {"hello": "badnotif"}, "answer passes")
        h.settle(0.5)
        plugin_logs = [m.json.get("params") for m in h.notifications("log")
                       if not str((m.json.get("params") or {}).get("message", ""))
                       .startswith("plugin-runner")]
        is_(plugin_logs, [{"level": "warn", "message": "valid-log"}],
            "only the valid log notification passes (level io, no message, "
            "non-string message, no params: dropped)")
        msgs = [m.json.get("params") for m in h.notifications("message")]
        is_(msgs, [{"id": r.id, "level": "info", "message": "valid-message"}],
            "message with the id of a pending request passes; without id dropped")
        prog = [m.json.get("params") for m in h.notifications("progress")]
        is_(prog, [{"id": r.id, "num": 1, "total": 2}], "valid progress passes; without id dropped")
        ok(h.alive(), "the plugin keeps running after dropped notifications")
        h.close_stdin()
        h.wait_exit()


def numbers_byte_exact():
    with start() as h:
        r = h.request("hello", ["numbers"])
        is_(r.raw, b'{"jsonrpc":"2.0","id":' + compact(r.id) + b',"result":{"big":18446744073709551615,'
            b'"neg":-0,"exp":1E-7,"frac":0.10000000000000000001,"s":"\xc3\xa9/"}}',
            "number lexemes byte-exact, strings minimally escaped, compact")
        ok(h.stdout_raw.endswith(r.raw + b"\n\n"), "followed by \\n\\n")
        r = h.request("hello", ["pretty"])
        is_(r.raw, b'{"jsonrpc":"2.0","id":' + compact(r.id) + b',"result":{"pretty":[1,2]}}',
            "pretty-printed, undelimited answer re-serialised compactly")
        r = h.request("hello", ["split"])
        is_(r.json["result"], {"split": True}, "answer written one byte at a time is relayed")
        h.close_stdin()
        h.wait_exit()


def huge_exponent():
    # 1E400 is a valid RFC 8259 number; lexemes are relayed byte-exact,
    # never converted to a double.
    with start() as h:
        r = h.request("hello", ["hugeexp"])
        is_(r.raw, b'{"jsonrpc":"2.0","id":' + compact(r.id) + b',"result":{"exp":1E400,"tiny":1e-400}}',
            "out-of-double-range number lexemes relayed byte-exact")
        h.close_stdin()
        h.wait_exit()


def validators(pid):
    # The runner's validation threads, by the name they give themselves
    # (src/canonworker.c): a count of all threads would also count a
    # sanitizer's own (make SAN=thread check).
    ids = []
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().strip() == "pr-validate":
                    ids.append(tid)
        except OSError:
            pass
    return ids


def big_allowed():
    # 50 MB answer under the default 64 MiB cap passes intact; while it
    # crosses, the runner's stdout pipe (lightningd's) is widened to 1 MiB
    # (src/pipewidth.c), and given back its size once it is through. It
    # is validated on the runner's second thread (src/canonworker.c),
    # started for the first big message and kept.
    F_GETPIPE_SZ = 1032
    n = 50 * 1024 * 1024
    with start() as h:
        fd = h.proc.stdout.fileno()
        before = fcntl.fcntl(fd, F_GETPIPE_SZ)
        h.request("hello", ["bigresult", str(900 * 1024)], timeout=60)
        is_(validators(h.proc.pid), [], "after a 900 kB answer the runner has no validation thread")
        sizes = set()
        busy = threading.Event()

        def watch():
            while not busy.is_set():
                sizes.add(fcntl.fcntl(fd, F_GETPIPE_SZ))
                time.sleep(0.0005)
        t = threading.Thread(target=watch, daemon=True)
        t.start()
        r = h.request("hello", ["bigresult", str(n)], timeout=60)
        busy.set()
        t.join()
        is_(len(r.raw), len(b'{"jsonrpc":"2.0","id":' + compact(r.id) + b',"result":{"s":""}}') + n,
            "a 50 MB answer under the cap arrives whole")
        ok(r.json["result"]["s"] == "A" * n, "content intact")
        first = validators(h.proc.pid)
        is_(len(first), 1, "it was validated on a second thread, kept for the next one")
        r = h.request("hello", ["bigresult", str(3 * 1024 * 1024)], timeout=60)
        ok(r.json["result"]["s"] == "A" * (3 * 1024 * 1024) and validators(h.proc.pid) == first,
           "a second big answer, on the same thread, intact")
        ok(1 << 20 in sizes, "while it crossed, the host's pipe was 1 MiB wide (seen: %s)"
           % sorted(sizes))
        r = h.request("hello", ["echo", "x"])     # the runner has looped again
        ok(fcntl.fcntl(fd, F_GETPIPE_SZ) == before,
           "then it is back to its own size (%d)" % before)
        h.close_stdin()
        h.wait_exit()


def lent_pages_kept():
    # A big message goes into the host's pipe by reference (vmsplice,
    # buf_flush_lend), so the runner must never write over those bytes
    # before lightningd has read them: SPEC 5 promises the host exactly
    # what was validated. A slow host, reading a quarter of the pipe at a
    # time, keeps the last pages of a big log notification unread while
    # the plugin's next messages arrive and are queued. (The rule itself,
    # that no lent byte is written again, is pinned down by test-buf.)
    n = 4 * 1024 * 1024
    with runner(HOSTILE, opts=["--verbose"]) as h:
        h.start()
        h.handshake()
        h.read_size, h.read_delay = 256 * 1024, 0.1
        r = h.request("hello", ["bigpair", str(n)], timeout=60)
        h.read_size, h.read_delay = 1 << 20, 0.0
        ok(r.json["result"]["s"] == "D" * n, "the big answer arrives intact")
        logs = [m.json["params"]["message"] for m in h.notifications("log")
                if not m.json["params"]["message"].startswith("plugin-runner")]
        is_([len(x) for x in logs], [n, 3], "the big notification and the small one, in order")
        ok(logs and logs[0] == "L" * n,
           "the big notification intact: no byte of it was written over while lent")
        h.close_stdin()
        h.wait_exit()
        # ... and they did go by reference: the runner's --verbose exit line
        # counts the bytes lent (all but each message's last < 256 KiB).
        h.wait_stderr(b"by reference", 5)
        m = re.search(rb"(\d+) bytes went to lightningd by reference", bytes(h.stderr))
        lent = int(m.group(1)) if m else -1
        ok(2 * n - 2 * 256 * 1024 <= lent <= 2 * n + 4096,
           "both 4 MiB messages went to the host's pipe by reference (%d bytes)" % lent)
        # While a big message comes, its pipe is 1 MiB wide and the runner
        # takes all of it in one read (relay.c, plugin_read_chunk): here the
        # second message waits in the plugin's pipe while the host is slow.
        m = re.search(rb"read (\d+) bytes at most at once", bytes(h.stderr))
        most = int(m.group(1)) if m else -1
        ok(256 * 1024 < most <= 1 << 20,
           "the plugin's widened pipe was read more than 256 KiB at once (%d bytes)" % most)


def wide_progress():
    # A progress notification is judged on a tree, which takes 30-80 times
    # the bytes of small values (8 MB of them took 181 MB). Beyond 100000
    # values it is dropped unread, not built.
    with runner(HOSTILE, policy(sandbox={"limits": {"message": "8M"}}), env=MEMORY_ENV) as h:
        h.start()
        h.handshake()
        pid = h.proc.pid
        base = proc_status_kib(pid, "VmRSS")
        r = h.request("hello", ["wideprogress", "3000000"], timeout=60)
        is_(r.json.get("result"), {"hello": "wideprogress"}, "the answer still passes")
        h.settle(0.3)
        is_([m for m in h.notifications("progress")], [], "the wide progress never reaches the host")
        ok(stderr_has(h, "too many to judge"), "the runner says why")
        hwm = proc_status_kib(pid, "VmHWM")
        ok(hwm - base < 40 * 1024 * MEM_SCALE, "the runner's peak memory stays within a few "
           "times the 6 MB message (%d KiB over %d)" % (hwm - base, base))
        h.close_stdin()
        h.wait_exit()


for c in (forged_and_unasked, duplicate_answer, undeclared_notifications,
          log_message_progress, wide_progress, numbers_byte_exact, huge_exponent, big_allowed,
          lent_pages_kept):
    case(c)
done()
