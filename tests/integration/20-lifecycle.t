#!/usr/bin/python3
# 20-lifecycle.t - exit statuses and shutdown (SPEC 2, 3, 5): the plugin's
# own status, 128+N for signal N, 125/126/127 with one stderr line; host
# closes stdin -> plugin gets EOF, one that ignores it is killed after
# --grace, stdout stays open until the plugin is gone; the plugin never
# outlives a SIGKILLed runner; policy lookup by name and default.json;
# once idle after the handshake the runner has given back the text pages
# only start-up used (memtrim), and still relays. A plugin that closes its
# stdout, or a host that stops reading the runner's, ends the plugin; what
# the host sends a plugin that closed its stdin is dropped.
import hashlib
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import uuid
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403


def eof_exit_0():
    with runner(GOOD) as h:
        h.start()
        h.handshake()
        h.close_stdin()
        is_(h.wait_exit(10), 0, "stdin EOF: plugin exits 0, runner exits 0")
        ok(h.stdout_eof, "stdout closed after exit")
        err = h.stderr.decode("utf-8", "replace")
        ok("ending the plugin" not in err and "closed its stdout" not in err,
           "a plugin that exits is not said to be ended, nor to have closed its stdout")


def shutdown_notification():
    with runner(GOOD) as h:
        h.start()
        h.handshake()
        h.notify("shutdown", {})
        is_(h.wait_exit(10), 0, "shutdown notification: plugin exits 0, runner exits 0")


def plugin_status(action, arg, want, name):
    with runner(HOSTILE) as h:
        h.start()
        h.handshake()
        h.send({"jsonrpc": "2.0", "id": h.next_id("hello"), "method": "hello",
                "params": [action, arg]})
        is_(h.wait_exit(10), want, name)


def grace_kill(grace, opts):
    marker = "--marker=%s" % uuid.uuid4()
    with runner([HOSTILE, "--ignore-eof", marker], opts=opts) as h:
        h.start()
        h.handshake()
        t0 = time.monotonic()
        h.close_stdin()
        h.wait_for(lambda m: m.method == "log" and
                   m.json["params"].get("message") == "ignoring EOF", 5,
                   "plugin's 'ignoring EOF' log (it got EOF)")
        ok(True, "grace %s: the plugin got stdin EOF" % grace)
        st = h.wait_exit(grace + 10)
        dt = time.monotonic() - t0
        is_(st, 128 + signal.SIGKILL, "grace %s: killed plugin -> runner exits 137" % grace)
        ok(grace - 0.3 <= dt <= grace + 4, "grace %s: exit after %.2fs" % (grace, dt))
        ok(h.stdout_eof_time is not None and h.stdout_eof_time - t0 >= grace - 0.3,
           "grace %s: stdout kept open until the plugin is gone (%.2fs)"
           % (grace, (h.stdout_eof_time or t0) - t0))
        time.sleep(0.5)
        is_(procs_with(marker), [], "grace %s: no process of the plugin left" % grace)


def stdout_closed():
    # lightningd takes a plugin's stdout EOF for its death (PROTOCOL 6): a
    # plugin that closes its stdout and lives on must not look alive and
    # silent behind the runner, with a hook call waiting on it for ever.
    marker = "--marker=%s" % uuid.uuid4()
    with runner([HOSTILE, marker]) as h:
        h.start()
        h.handshake()
        t0 = time.monotonic()
        h.send({"jsonrpc": "2.0", "id": h.next_id("hello"), "method": "hello",
                "params": ["closeout", "120"]})
        try:
            h.wait_stdout_eof(15)
        except HostTimeout:
            pass
        dt = time.monotonic() - t0
        ok(h.stdout_eof and dt < 10,
           "plugin closed its stdout and lives on: the runner's stdout closes (%.2fs)" % dt)
        is_(h.wait_exit(5), 128 + signal.SIGKILL, "the plugin was ended: runner exits 137")
        like(h.stderr.decode("utf-8", "replace"),
             "ending the plugin: it closed its stdout and still runs",
             "the runner says why it ended the plugin")
        is_(procs_with(marker), [], "no process of the plugin left")


def stdin_closed():
    # A plugin that closes its stdin and lives on: lightningd's messages to
    # it are dropped, not queued until the runner stops reading lightningd
    # (and would miss its EOF and outlive it).
    marker = "--marker=%s" % uuid.uuid4()
    with runner([HOSTILE, marker], opts=["--grace", "1"]) as h:
        h.start()
        h.handshake()
        r = h.request("hello", ["closein"])
        is_(r.json.get("result"), {"hello": "closein"}, "stdin closed: the plugin said so")
        big = {"id": "02" + "00" * 32, "address": {"type": "ipv4", "address": "x" * 60000}}
        sent = 0
        try:
            for _ in range(50):     # 3 MB, three times the runner's queue mark
                h.notify("connect", big)
                sent += 1
        except HostTimeout:
            pass
        is_(sent, 50, "stdin closed: the host's 3 MB of notifications were all read")
        ok(stderr_has(h, "plugin closed its stdin"), "stdin closed: the runner says so")
        st, dt = close_and_wait(h)
        is_(st, 128 + signal.SIGKILL,
            "stdin closed: host EOF still seen, the plugin ended after --grace (%.2fs)" % dt)
        is_(procs_with(marker), [], "stdin closed: no process of the plugin left")


def host_stops_reading():
    # A host that closes its end of the runner's stdout (lightningd freed
    # the plugin) can be told nothing more: the plugin is ended, not left
    # answering into a broken pipe. Not through Host: its reader thread
    # would keep the pipe's read end open.
    marker = "--marker=%s" % uuid.uuid4()
    with runner([HOSTILE, marker]) as h:
        p = subprocess.Popen(h.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=h.lightning_dir, env=h.env,
                             restore_signals=False, **fakehost.as_test_user())
        try:
            for rid, method, params in ((1, "getmanifest", {}), (2, "init", h.init_params())):
                p.stdin.write(canonical({"jsonrpc": "2.0", "id": rid, "method": method,
                                         "params": params}) + b"\n\n")
                p.stdin.flush()
                ok(b'"id":%d' % rid in os.read(p.stdout.fileno(), 1 << 20),
                   "host stops reading: %s answered" % method)
            p.stdout.close()
            p.stdin.write(b'{"jsonrpc":"2.0","id":3,"method":"hello","params":["x"]}\n\n')
            p.stdin.flush()
            try:
                st = p.wait(10)
            except subprocess.TimeoutExpired:
                st = None
                p.kill()    # so that its stderr ends, to be read below
                p.wait(5)
            is_(st, 128 + signal.SIGKILL,
                "host stops reading: the plugin is ended, runner exits 137")
            like(p.stderr.read().decode("utf-8", "replace"), "host stopped reading our stdout",
                 "host stops reading: the runner says so")
            is_(procs_with(marker), [], "host stops reading: no process of the plugin left")
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(5)


def runner_sigkilled():
    # ld SIGKILLs the runner (stdout EOF, plugin stop): the plugin must go too.
    marker = "--marker=%s" % uuid.uuid4()
    with runner([HOSTILE, "--ignore-eof", marker]) as h:
        h.start()
        h.handshake()
        ok(len(procs_with(marker)) >= 1, "plugin process visible (marker)")
        h.proc.kill()
        h.proc.wait(5)
        end = time.monotonic() + 5
        while procs_with(marker) and time.monotonic() < end:
            time.sleep(0.1)
        is_(procs_with(marker), [], "SIGKILL of the runner takes the plugin with it")


def one_line(err):
    lines = [l for l in err.decode("utf-8", "replace").split("\n") if l]
    return lines


def runner_error(argv, pol, want, name, plugin_name=None):
    cmd = [PR_BIN] + (["--policy", pol] if pol else []) + argv
    with Host(cmd) as h:
        h.start()
        h.close_stdin()     # a runner that wrongly started the plugin still ends
        st = h.wait_exit(10)
        is_(st, want, "%s: exit %d" % (name, want))
        lines = one_line(bytes(h.stderr))
        is_(len(lines), 1, "%s: exactly one stderr line" % name)
        if lines:
            ok(re.match(r"^plugin-runner: .+: .+\(.+\)$", lines[0]) is not None,
               "%s: line is 'plugin-runner: <plugin>: <what> (<fix>)': %r" % (name, lines[0]))
            if plugin_name:
                like(lines[0], plugin_name, "%s: line names the plugin" % name)
        is_(bytes(h.stdout_raw), b"", "%s: nothing on stdout" % name)


def status_125_126_127():
    tmp = tempfile.mkdtemp(prefix="prlc-")
    os.chmod(tmp, 0o755)
    try:
        good = write_policy(policy())
        # 127: not found
        runner_error([os.path.join(tmp, "nope.py")], good, 127, "missing plugin", "nope")
        # 126: not executable
        ne = os.path.join(tmp, "noexec.py")
        shutil.copy(GOOD, ne)
        os.chmod(ne, 0o644)
        runner_error([ne], good, 126, "non-executable plugin", "noexec")
        # 126: sha256 pin mismatch, exec.path mismatch
        runner_error([GOOD], write_policy(policy(exec={"sha256": "00" * 32})), 126,
                     "sha256 mismatch", "goodplugin")
        runner_error([GOOD], write_policy(policy(exec={"path": HOSTILE})), 126,
                     "exec.path mismatch", "goodplugin")
        # 125: bad policy (unknown key), world-writable policy, no policy at all
        runner_error([GOOD], write_policy(policy(bogus_key=1)), 125, "unknown policy key",
                     "goodplugin")
        ww = write_policy(policy())
        os.chmod(ww, 0o666)
        runner_error([GOOD], ww, 125, "world-writable policy file", "goodplugin")
        wd = write_policy(policy())
        os.chmod(os.path.dirname(wd), 0o777)
        runner_error([GOOD], wd, 125, "world-writable policy dir", "goodplugin")
        empty = tempfile.mkdtemp(prefix="prempty-")
        os.chmod(empty, 0o755)
        runner_error(["--policy-dir", empty, GOOD], None, 125, "no policy found", "goodplugin")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sha_pin_ok():
    with open(GOOD, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    pol = policy(exec={"path": os.path.realpath(GOOD), "sha256": digest})
    with runner(GOOD, pol) as h:
        h.start()
        m = h.getmanifest()
        ok("result" in m.json, "matching exec.path + sha256: plugin starts (#! script)")
        h.close_stdin()
        is_(h.wait_exit(10), 0, "exit 0")


def policy_dir_lookup():
    d = tempfile.mkdtemp(prefix="prdir-")
    os.chmod(d, 0o755)
    with open(os.path.join(d, "goodplugin.json"), "w") as f:
        f.write(compact(policy(manifest={"rpcmethods": ["hello"]})).decode())
    os.chmod(os.path.join(d, "goodplugin.json"), 0o644)
    with Host([PR_BIN, "--policy-dir", d, GOOD]) as h:
        h.start()
        m = h.getmanifest()
        is_([x["name"] for x in m.json["result"]["rpcmethods"]], ["hello"],
            "POLICY_DIR/NAME.json used (NAME without .py)")
        h.close_stdin()
        h.wait_exit()
    os.unlink(os.path.join(d, "goodplugin.json"))
    with open(os.path.join(d, "default.json"), "w") as f:
        f.write(compact(policy(manifest={"rpcmethods": ["callrpc"]})).decode())
    os.chmod(os.path.join(d, "default.json"), 0o644)
    with Host([PR_BIN, GOOD], env={"PLUGIN_RUNNER_POLICY_DIR": d}) as h:
        h.start()
        m = h.getmanifest()
        is_([x["name"] for x in m.json["result"]["rpcmethods"]], ["callrpc"],
            "default.json from $PLUGIN_RUNNER_POLICY_DIR used")
        h.close_stdin()
        h.wait_exit()
    shutil.rmtree(d, ignore_errors=True)


def exec_rss_kib(pid):
    """Resident KiB of a process's executable mappings."""
    kib, is_exec = 0, False
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and len(head) > 1 and len(head[1]) == 4:
                is_exec = head[1][2] == "x"
            elif is_exec and head[0] == "Rss:":
                kib += int(head[1])
    return kib


def idle_trim():
    with runner(GOOD) as h:
        h.start()
        h.handshake()
        time.sleep(0.3)
        kib = exec_rss_kib(h.proc.pid)
        # Without the trim, fault-around alone keeps well over 1 MiB of
        # libc's text mapped (1.2 MiB on Debian 12).
        ok(kib < 1024, "idle after the handshake: %d KiB of text resident (< 1024)" % kib)
        r = h.request("hello", ["after"])
        ok("result" in r.json, "relays after giving the pages back")
        h.close_stdin()
        is_(h.wait_exit(10), 0, "exits 0")


case(eof_exit_0)
case(idle_trim)
case(shutdown_notification)
case(lambda: plugin_status("exit", "3", 3, "plugin exit 3 -> runner exit 3"))
case(lambda: plugin_status("exit", "0", 0, "plugin exit 0 mid-session -> runner exit 0"))
case(lambda: plugin_status("signal", "11", 139, "plugin SIGSEGV -> runner exit 139"))
case(lambda: plugin_status("signal", "15", 143, "plugin SIGTERM -> runner exit 143"))
case(stdout_closed)
case(host_stops_reading)
case(stdin_closed)
case(lambda: grace_kill(1, ["--grace", "1"]))
case(lambda: grace_kill(5, []))
case(runner_sigkilled)
case(status_125_126_127)
case(sha_pin_ok)
case(policy_dir_lookup)
done()
