"""prtest.py - TAP output and shared fixtures for the protocol tests.

What it does: TAP (`ok`, `is_`, `like`, `done`), one `case()` wrapper that
turns a HostTimeout or an exception into a failing test (never a hang),
paths (PR_BIN, the test plugins) and policy builders written with safe
modes (dir 0755, file 0644) as the runner's StrictModes require.
What it must not do: skip or soften a failure; every helper asserts on
concrete bytes.
Who uses it: tests/integration/1*.t, 2*.t, 4*-rpc-*.t.
"""

import atexit
import copy
import json
import os
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fakehost  # noqa: E402
from fakehost import Host, HostTimeout, compact  # noqa: E402,F401

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PLUGINS = os.path.join(ROOT, "tests", "plugins")
BUILD = os.environ.get("BUILD", "build")
PR_BIN = os.environ.get("PR_BIN", os.path.join(ROOT, "build", "plugin-runner"))
GOOD = os.path.join(PLUGINS, "goodplugin.py")
HELLO = os.path.join(PLUGINS, "helloplugin.py")
HOSTILE = os.path.join(PLUGINS, "hostile.py")

# Bounds on the runner's own memory (VmHWM) under a sanitizer build (the
# Makefile's BUILD): ASan keeps freed blocks in a quarantine (256 MB by
# default), turned off for such a session by MEMORY_ENV since what it holds
# is not the runner's, and shadow memory; TSan's shadow is several times
# the program's memory. Measured: a session of 8.6 MB peak was 16.9 under
# ASan without quarantine and 42.7 under TSan. The code the bounds guard
# against took 120-630 MB in the plain build, so scaled they still catch it.
MEM_SCALE = 8 if "tsan" in BUILD else 3 if "san" in BUILD else 1
MEMORY_ENV = ({"ASAN_OPTIONS": os.environ["ASAN_OPTIONS"] + ":quarantine_size_mb=0"}
              if os.environ.get("ASAN_OPTIONS") else {})

_n = 0
_failed = 0
# Under PR_TEST_UID (fakehost.py) every test name says which user the host
# ran as, so a failure in `make check`'s second pass reads as that pass's.
_LABEL = "[uid %d] " % fakehost.TEST_UID if fakehost.TEST_UID >= 0 else ""


def diag(msg):
    for line in str(msg).splitlines() or [""]:
        print("# " + line)
    sys.stdout.flush()


def ok(cond, name):
    global _n, _failed
    _n += 1
    if not cond:
        _failed += 1
    print("%s %d - %s%s" % ("ok" if cond else "not ok", _n, _LABEL, name))
    sys.stdout.flush()
    return bool(cond)


def is_(got, want, name):
    r = ok(got == want, name)
    if not r:
        diag("     got: %r" % (_short(got),))
        diag("expected: %r" % (_short(want),))
    return r


def like(got, needle, name):
    r = ok(got is not None and needle in got, name)
    if not r:
        diag("%r does not contain %r" % (_short(got), needle))
    return r


def _short(v):
    if isinstance(v, (bytes, bytearray)) and len(v) > 600:
        return bytes(v[:600]) + b"...(%d bytes)" % len(v)
    if isinstance(v, str) and len(v) > 600:
        return v[:600] + "...(%d chars)" % len(v)
    return v


def case(fn):
    """Run one scenario; an exception is a failing test, never a crash
    of the whole script (the remaining scenarios still run)."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - any failure must be reported
        ok(False, "%s: raised %s" % (fn.__name__, type(e).__name__))
        diag(str(e)[:2000])
        diag(traceback.format_exc()[-1500:])


def done():
    print("1..%d" % _n)
    sys.stdout.flush()
    sys.exit(1 if _failed else 0)


# -- policies ----------------------------------------------------------------

def _ro_paths():
    ps = [p for p in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc")
          if os.path.exists(p)]
    return ps + [PLUGINS]


BASE_POLICY = {
    "plugin-runner": 1,
    "manifest": {
        "rpcmethods": ["hello", "callrpc", "callseq", "callraw"],
        "hooks": [],
        "subscriptions": ["connect", "disconnect", "shutdown"],
        "notifications": ["good_event", "hostile_event"],
        "options": ["good-*", "hello-*"],
        "featurebits": False,
        "custommessages": [],
        "on_violation": "strip",
    },
    "rpc": {"allow": ["getinfo"]},
    "sandbox": {
        "network": "none",
        "filesystem": {"read_only": _ro_paths(), "read_write": [], "lightning_dir": []},
    },
    "env": {"keep": ["PATH", "LANG"]},
}


def policy(**over):
    """BASE_POLICY with sections replaced/merged: policy(manifest={...},
    rpc={...}); a dict value is merged one level deep into the section."""
    p = copy.deepcopy(BASE_POLICY)
    for k, v in over.items():
        k = k.replace("_", "-") if k == "plugin_runner" else k
        if isinstance(v, dict) and isinstance(p.get(k), dict):
            p[k].update(v)
        elif v is None:
            p.pop(k, None)
        else:
            p[k] = v
    return p


def skip(reason):
    """One test that could not run here, said as TAP's skip."""
    global _n
    _n += 1
    print("ok %d # skip %s" % (_n, reason))
    sys.stdout.flush()


def stdout_ends(h, timeout):
    """True if the runner's stdout reaches EOF within timeout seconds (it
    ended, or is ending, the session)."""
    try:
        h.wait_stdout_eof(timeout)
        return True
    except HostTimeout:
        return False


def proc_status_kib(pid, key):
    """A /proc/PID/status figure in KiB (VmRSS, VmHWM...), or None."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def write_policy(obj):
    d = tempfile.mkdtemp(prefix="prpol-")
    atexit.register(shutil.rmtree, d, True)
    return fakehost.write_policy(obj, d)


def runner(plugin_argv, pol=None, opts=(), **kw):
    """A Host running PR_BIN --policy <pol> [opts] plugin... (not started)."""
    if isinstance(plugin_argv, str):
        plugin_argv = [plugin_argv]
    if pol is None:
        pol = policy()
    path = pol if isinstance(pol, str) else write_policy(pol)
    cmd = [PR_BIN, "--policy", path] + list(opts) + list(plugin_argv)
    return Host(cmd, **kw)


def direct(plugin_argv, **kw):
    if isinstance(plugin_argv, str):
        plugin_argv = [plugin_argv]
    return Host(list(plugin_argv), **kw)


def canonical(obj):
    """What the runner must forward for an object it did not rewrite: the
    compact re-serialisation (no spaces, UTF-8 kept)."""
    return compact(obj)


def runner_denials(h):
    return [m for m in h.notifications("log")
            if m.json.get("params", {}).get("level") == "warn"
            and "plugin-runner" in str(m.json.get("params", {}).get("message", ""))]


def non_log_bytes(h):
    """Everything the host received except `log` notifications (where the
    runner's own denial lines legitimately name what it denied)."""
    return b"".join(m.raw for m in h.messages_from_plugin
                    if not (m.kind == "msg" and m.method == "log"))


def procs_with(marker):
    """The pids whose command line holds marker (a plugin's unique argv):
    what of a plugin is still running, whatever namespace it is in."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def close_and_wait(h, timeout=10.0):
    """Close the command's stdin (lightningd going) and wait for its exit:
    (exit status, or None if it still runs after timeout; seconds taken)."""
    t0 = time.monotonic()
    h.close_stdin()
    try:
        st = h.wait_exit(timeout)
    except HostTimeout:
        st = None
    return st, time.monotonic() - t0


def stderr_has(h, needle, timeout=3.0):
    """True once the command's stderr contains needle (stderr is read by a
    thread, so a line may land just after the protocol message)."""
    try:
        return h.wait_stderr(needle, timeout)
    except HostTimeout:
        diag("stderr has no %r; tail: %r" % (needle, bytes(h.stderr[-600:])))
        return False
