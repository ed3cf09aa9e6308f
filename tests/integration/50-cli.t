#!/usr/bin/python3
# 50-cli.t - the commands around the run itself (SPEC section 2): `check`
# prints the effective policy and the sandbox or names file:line:column;
# `shim` writes a working #!/bin/sh wrapper; `--learn` writes a policy that
# loads and allows exactly what the plugin used, and refuses a FIFO or a
# device at its path; --version/--help; usage
# errors are one line and exit 125.
import json
import os
import stat
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403


def run(args, env=None, **kw):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([PR_BIN] + args, capture_output=True, timeout=30, env=e, **kw)


def check_ok():
    r = run(["check", "--policy", os.path.join(ROOT, "policies", "default.json")])
    is_(r.returncode, 0, "check default.json: exit 0")
    out = json.loads(r.stdout)
    is_(out["policy"]["plugin-runner"], 1, "check: effective policy printed")
    ok(out["policy"]["sandbox"]["user"] == "nobody", "check: defaults filled in (sandbox.user)")
    ok("sandbox" in out and out["sandbox"], "check: the sandbox the policy produces is shown")
    ok(len(out.get("sha256", "")) == 64, "check: the policy's sha256 is shown")


def check_bad():
    d = tempfile.mkdtemp(prefix="prcli-")
    p = os.path.join(d, "bad.json")
    with open(p, "w") as f:
        f.write('{\n  "plugin-runner": 1,\n  "rpc": { "alow": [] }\n}\n')
    os.chmod(p, 0o644)
    r = run(["check", "--policy", p])
    is_(r.returncode, 125, "check of a policy with an unknown key: exit 125")
    err = r.stderr.decode()
    like(err, p + ":3:", "check: the error names file:line")
    like(err, "rpc.alow", "check: the error names the key")
    is_(len(err.strip().splitlines()), 1, "check: one line")
    ok(err.startswith("plugin-runner: check: "), "check: the line says it is check's (%r)" % err)


def check_user():
    # As root a run switches to sandbox.user: what that run would refuse,
    # check refuses too, with the run's line.
    if os.geteuid() != 0:
        skip("check_user: not root")
        return
    d = tempfile.mkdtemp(prefix="prcli-")
    for user, why in (("root", "is root"), ("pr-no-such-user", "no such user")):
        p = os.path.join(d, user + ".json")
        with open(p, "w") as f:
            json.dump({"plugin-runner": 1, "sandbox": {"user": user}}, f)
        os.chmod(p, 0o644)
        r = run(["check", "--policy", p])
        is_(r.returncode, 125, "check: sandbox.user %s: exit 125" % user)
        like(r.stderr.decode(), why, "check: sandbox.user %s: %s" % (user, why))


def shim():
    d = tempfile.mkdtemp(prefix="prshim-")
    os.chmod(d, 0o755)
    r = run(["shim", GOOD, d])
    is_(r.returncode, 0, "shim: exit 0")
    path = os.path.join(d, os.path.basename(GOOD))
    ok(os.path.exists(path), "shim: written under the plugin's basename")
    st = os.stat(path)
    ok(st.st_mode & stat.S_IXUSR, "shim: executable")
    text = open(path).read()
    ok(text.startswith("#!/bin/sh\n"), "shim: a #!/bin/sh script")
    like(text, "exec '" + os.path.realpath(PR_BIN) + "' '" + os.path.realpath(GOOD) + "' \"$@\"",
         "shim: execs the runner on the real plugin with \"$@\"")
    # The shim works as a plugin: the host starts it like lightningd would.
    polpath = write_policy(policy())
    h = Host([path, "--developer"], env={"PLUGIN_RUNNER_POLICY": polpath})
    h.start()
    m = h.getmanifest()
    ok("result" in m.json, "shim: the plugin answers getmanifest through the runner")
    h.close_stdin()
    is_(h.wait_exit(15), 0, "shim: exits 0 on stdin EOF")


def learn():
    d = tempfile.mkdtemp(prefix="prlearn-")
    out = os.path.join(d, "learned.json")
    pol = policy(manifest={"rpcmethods": [], "subscriptions": [], "on_violation": "strip"},
                 rpc={"allow": []})
    with runner([GOOD], pol, opts=["--learn", out]) as h:
        h.start()
        m = h.getmanifest()
        names = [x["name"] for x in m.json["result"]["rpcmethods"]]
        ok("callrpc" in names, "--learn runs permissively (the manifest is not stripped)")
        h.init()
        r = h.request("callrpc", {"method": "getinfo", "params": {}})
        ok("result" in r.json, "--learn: a call the policy would deny goes through")
        h.close_stdin()
        h.wait_exit(15)
    learned = json.load(open(out))
    ok("callrpc" in learned["manifest"]["rpcmethods"], "--learn: registered methods recorded")
    is_(learned["rpc"]["allow"], ["getinfo"], "--learn: exactly the RPC methods used are allowed")
    os.chmod(out, 0o644)
    r = run(["check", "--policy", out])
    is_(r.returncode, 0, "--learn: the learned policy loads (%s)" % r.stderr.decode().strip())


def learn_not_a_file():
    # --learn pointed at a FIFO or a device left at that path: one line and
    # exit 125, not a start-up held until someone reads the FIFO.
    d = tempfile.mkdtemp(prefix="prlearn-")
    fifo = os.path.join(d, "learned.json")
    os.mkfifo(fifo, 0o666)
    for path, what in ((fifo, "a FIFO"), ("/dev/null", "a device")):
        try:
            r = run(["--learn", path, "--policy", write_policy(policy()), GOOD],
                    stdin=subprocess.DEVNULL)
            st, err = r.returncode, r.stderr.decode().strip()
        except subprocess.TimeoutExpired:
            st, err = None, "(timed out)"
        is_(st, 125, "--learn at %s: exit 125" % what)
        like(err, "is not a regular file", "--learn at %s: says why" % what)
        is_(len(err.splitlines()), 1, "--learn at %s: one line" % what)


def version_help():
    r = run(["--version"])
    ok(r.returncode == 0 and r.stdout.startswith(b"plugin-runner "), "--version")
    r = run(["--help"])
    ok(r.returncode == 0 and b"usage:" in r.stdout, "--help prints the usage")
    r = run(["--frobnicate", GOOD])
    is_(r.returncode, 125, "unknown option: exit 125")
    is_(len(r.stderr.decode().strip().splitlines()), 1, "unknown option: one stderr line")
    r = run([])
    is_(r.returncode, 125, "no plugin: exit 125")


for c in (check_ok, check_bad, check_user, shim, learn, learn_not_a_file, version_help):
    case(c)
done()
