#!/usr/bin/python3
# 22-replay.t - replay /work/shared/transcripts/{hello,hooky}.jsonl: the
# recorded host->plugin chunks (re-chunked exactly as recorded) go through
# the runner to helloplugin.py / hookyplugin.py, which reproduce the
# recorded plugins (hooky: db_write before init, rpc_command payloads with
# the client's raw bytes, several messages per chunk, `*`); the
# host-visible answers must equal the recorded plugin->host messages,
# modulo pid and the plugin's path (and compact re-serialisation).
# The same replay run directly checks the emulator and plugin themselves.
import json
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403

TDIR = os.environ.get("PR_TRANSCRIPTS", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "transcripts"))
if not os.path.isdir(TDIR):
    TDIR = os.path.join(ROOT, "tests", "transcripts")
HOOKY = os.path.join(PLUGINS, "hookyplugin.py")

HELLO_POLICY = policy(manifest={"rpcmethods": ["hello"], "hooks": [],
                                "subscriptions": ["connect", "disconnect", "shutdown"],
                                "notifications": [], "options": ["hello-*"]},
                      rpc={"allow": ["getinfo"]})
HOOKY_POLICY = policy(manifest={"rpcmethods": ["hooky"],
                                "hooks": ["peer_connected", "rpc_command", "custommsg",
                                          "db_write", "invoice_payment"],
                                "subscriptions": ["*"], "notifications": ["hooky_event"],
                                "options": ["hooky-*"]},
                      rpc={"allow": []})


def sessions(name):
    """Split the transcript into sessions (one per plugin process): lists
    of ("host", bytes) / ("plugin", bytes) chunks ending at plugin-eof."""
    out, cur = [], []
    with open(os.path.join(TDIR, name)) as f:
        for line in f:
            e = json.loads(line)
            if e["dir"] == "host->plugin":
                cur.append(("host", e["data"].encode()))
            elif e["dir"] == "plugin->host":
                cur.append(("plugin", e["data"].encode()))
            elif e["dir"] == "host-eof":
                cur.append(("eof", b""))
            elif e["dir"] == "plugin-eof":
                out.append(cur)
                cur = []
    return out


def normalise(obj):
    """Drop what legitimately differs: pid, the plugin's path in argv[0]."""
    if isinstance(obj, dict):
        r = {}
        for k, v in obj.items():
            if k == "pid":
                v = "<pid>"
            elif k == "argv" and isinstance(v, list) and v:
                v = [os.path.basename(v[0])] + v[1:]
            r[k] = normalise(v)
        return r
    if isinstance(obj, list):
        return [normalise(x) for x in obj]
    return obj


def plugin_msgs(h, through_runner):
    """What the plugin said, without the runner's own log lines."""
    return [m for m in h.messages_from_plugin
            if not (through_runner and m.method == "log" and str(
                (m.get("params") or {}).get("message", "")).startswith("plugin-runner"))]


def replay(h, sess, label, through_runner):
    real_dir = b"/home/ln/.lightning/regtest"
    expected = []
    sp = fakehost.Splitter()
    got_from = 0
    for kind, data in sess:
        if kind == "host":
            h.send_raw(data.replace(real_dir, h.lightning_dir.encode()))
            continue
        if kind == "eof":
            h.close_stdin()
            continue
        for k, raw in sp.feed(data):
            expected.append(raw)
        # wait for as many plugin messages as recorded so far
        end = len(expected)
        while True:
            msgs = plugin_msgs(h, through_runner)
            if len(msgs) >= end:
                break
            h.wait_for(lambda m, n=len(h.messages_from_plugin): True,
                       start=len(h.messages_from_plugin), what="recorded answer #%d" % end)
    h.settle(0.3)
    msgs = plugin_msgs(h, through_runner)
    is_(len(msgs), len(expected), "%s: as many plugin->host messages as recorded" % label)
    for i, (m, e) in enumerate(zip(msgs, expected)):
        ej = json.loads(e)
        is_(normalise(m.json), normalise(ej), "%s: message %d matches the transcript" % (label, i))
        if through_runner:
            is_(m.raw, compact(m.json), "%s: message %d is compact" % (label, i))
        elif b'"pid"' not in e and b'"argv"' not in e:
            is_(m.raw, e, "%s: message %d byte-exact (direct run)" % (label, i))
    return msgs


def run(name, plugin, pol, through_runner, getinfo_calls):
    tag = "runner" if through_runner else "direct"
    for n, sess in enumerate(sessions(name)):
        label = "%s %s session %d" % (name, tag, n + 1)
        if through_runner:
            h = runner(plugin, pol, developer=True)
        else:
            h = direct(plugin, developer=True)
        with h:
            h.start()
            replay(h, sess, label, through_runner)
            is_(h.wait_exit(10), 0, "%s: plugin exits 0 at the end" % label)
            ok(h.stdout_eof, "%s: plugin-eof as recorded" % label)
            gi = [r for r in h.rpc.requests if r.method == "getinfo"]
            is_(len(gi), getinfo_calls, "%s: getinfo calls on the RPC socket" % label)


case(lambda: run("hello.jsonl", HELLO, HELLO_POLICY, False, 1))
case(lambda: run("hello.jsonl", HELLO, HELLO_POLICY, True, 1))
case(lambda: run("hooky.jsonl", HOOKY, HOOKY_POLICY, False, 0))
case(lambda: run("hooky.jsonl", HOOKY, HOOKY_POLICY, True, 0))
done()
