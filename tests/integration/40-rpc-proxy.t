#!/usr/bin/python3
# 40-rpc-proxy.t - the plugin's lightning-rpc goes through the runner's
# proxy (SPEC 4 rpc.*, 6): allowed methods pass verbatim, denied ones are
# answered -32601 "plugin-runner: ..." and never reach the host; methods
# that hand out the node need an exact grant; deny wins; `check` judged as
# the command it checks; params constraints (-32602); rate limits (-32000);
# pipelining, per-connection `notifications`, a 50 MB response, a socket
# that appears only at init.
import atexit
import os
import shutil
import sys
import tempfile
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403
import fakehost  # noqa: E402


def callrpc(h, method, params=None, timeout=None):
    r = h.request("callrpc", [method, {} if params is None else params], timeout=timeout)
    ok("result" in r.json, "callrpc %s answered by the plugin" % method)
    return r.json.get("result") or {}


def denied(reply, code, method, what):
    err = reply.get("error") or {}
    is_(err.get("code"), code, "%s: error code %d" % (what, code))
    ok(str(err.get("message", "")).startswith("plugin-runner:"),
       "%s: message starts 'plugin-runner:' (%r)" % (what, err.get("message")))
    like(compact(err.get("data")), method.encode(), "%s: data names the method" % what)


def upstream(h, method):
    return [r for r in h.rpc.requests if r.method == method]


def started(pol, plugin=GOOD, **kw):
    h = runner(plugin, pol, **kw)
    h.start()
    h.handshake()
    return h


def allowed_and_denied():
    with direct(GOOD) as d:
        d.start()
        d.handshake()
        want = d.request("callrpc", ["getinfo", {}]).json["result"]
        d.close_stdin()
        d.wait_exit()
    with started(policy(rpc={"allow": ["getinfo"]})) as h:
        got = callrpc(h, "getinfo")
        is_(got, want, "allowed getinfo: the plugin gets the host's reply verbatim")
        up = upstream(h, "getinfo")
        is_(len(up), 1, "getinfo reached the host once")
        if up:
            is_(up[0].json, {"jsonrpc": "2.0", "id": got.get("id"), "method": "getinfo",
                             "params": {}}, "upstream request equals what the plugin sent")
        rep = callrpc(h, "withdraw", {"destination": "bcrt1q", "satoshi": "all"})
        denied(rep, -32601, "withdraw", "withdraw not allowed")
        is_(upstream(h, "withdraw"), [], "withdraw never reaches the host")
        ok(stderr_has(h, b"withdraw"), "denial on stderr")
        ok(any(b"withdraw" in m.raw for m in runner_denials(h)), "denial as log/warn to the host")
        h.close_stdin()
        h.wait_exit()


def exact_grants():
    with started(policy(rpc={"allow": ["*"]})) as h:
        for m in ("withdraw", "stop", "pay", "listconfigs", "dev-memleak", "signmessage",
                  "fundchannel", "close", "plugin", "commando", "createrune", "setconfig"):
            denied(callrpc(h, m), -32601, m, "%s under allow [*]" % m)
        is_([r.method for r in h.rpc.requests if r.method != "getinfo"], [],
            "none of the node-handing methods reached the host under a glob")
        ok("result" in callrpc(h, "getinfo"), "getinfo allowed by the glob")
        h.close_stdin()
        h.wait_exit()
    with started(policy(rpc={"allow": ["withdraw", "stop"]})) as h:
        ok("result" in callrpc(h, "withdraw"), "withdraw with an exact grant passes")
        is_(len(upstream(h, "withdraw")), 1, "and reaches the host")
        h.close_stdin()
        h.wait_exit()


def deny_wins():
    with started(policy(rpc={"allow": ["list*"], "deny": ["listdatastore"]})) as h:
        ok("result" in callrpc(h, "listpeers"), "listpeers allowed by list*")
        denied(callrpc(h, "listdatastore"), -32601, "listdatastore", "deny wins over allow")
        denied(callrpc(h, "getinfo"), -32601, "getinfo", "not allowed means denied")
        is_(upstream(h, "listdatastore"), [], "denied method never upstream")
        h.close_stdin()
        h.wait_exit()


def check_wrapped():
    with started(policy(rpc={"allow": ["getinfo"]})) as h:
        rep = callrpc(h, "check", {"command_to_check": "withdraw", "destination": "x"})
        denied(rep, -32601, "withdraw", "check withdraw judged as withdraw")
        rep = callrpc(h, "check", {"command_to_check": "getinfo"})
        ok("result" in rep, "check getinfo judged as getinfo: allowed")
        is_([r.params.get("command_to_check") for r in upstream(h, "check")], ["getinfo"],
            "only the allowed check reached the host")
        h.close_stdin()
        h.wait_exit()


def datastore_params():
    pol = policy(rpc={"allow": ["datastore", "listdatastore"],
                      "params": {"datastore": {"key.0": ["goodplugin"]}}})
    with started(pol) as h:
        rep = callrpc(h, "datastore", {"key": ["goodplugin", "a"], "string": "v"})
        ok("result" in rep, "datastore under its own key prefix passes")
        rep = callrpc(h, "datastore", {"key": ["other", "a"], "string": "v"})
        denied(rep, -32602, "datastore", "datastore under another key")
        rep = callrpc(h, "datastore", ["goodplugin", "v"])
        denied(rep, -32602, "datastore", "constrained method with positional params")
        is_([r.params.get("key") if isinstance(r.params, dict) else r.params
             for r in upstream(h, "datastore")], [["goodplugin", "a"]],
            "only the allowed datastore call reached the host")
        h.close_stdin()
        h.wait_exit()


def rate_limit():
    pol = policy(rpc={"allow": ["getinfo"], "rate": {"getinfo": "5/s"}})
    with started(pol) as h:
        r = h.request("callseq", {"calls": [["getinfo", {}]] * 40}, timeout=30)
        got = r.json.get("result") or []
        errs = [m for m in got if "error" in m]
        oks = [m for m in got if "result" in m]
        is_(len(got), 40, "40 pipelined calls all answered")
        ok(1 <= len(oks) <= 15, "a burst of 40 at 5/s: a few pass (%d)" % len(oks))
        ok(len(errs) >= 25, "the rest are rate-limited (%d)" % len(errs))
        if errs:
            is_(errs[0]["error"].get("code"), -32000, "rate limit code -32000")
            ok(str(errs[0]["error"].get("message", "")).startswith("plugin-runner:"),
               "rate limit message starts 'plugin-runner:'")
        is_(len(upstream(h, "getinfo")), len(oks), "only the passed calls reached the host")
        h.close_stdin()
        h.wait_exit()


def pipelining_and_notifications():
    pol = policy(rpc={"allow": ["getinfo", "listpeers", "echo", "notifications", "chatty"]})
    with started(pol) as h:
        calls = [["getinfo", {}], ["echo", {"n": 1}], ["listpeers", {}], ["echo", {"n": 2}]]
        got = h.request("callseq", {"calls": calls}).json.get("result") or []
        is_([m.get("id") for m in got], ["goodplugin.py:%s#seq%d" % (c[0], i)
                                         for i, c in enumerate(calls)],
            "pipelined calls on one connection all answered, ids intact")
        is_(len({r.conn for r in h.rpc.requests}), 1, "one plugin connection -> one upstream")
        got = h.request("callseq", {"calls": [["notifications", {"enable": True}],
                                            ["chatty", {}]]}).json.get("result") or []
        is_([m.get("method") for m in got if "id" not in m], ["message"],
            "a connection that enabled notifications gets them")
        ok(any(m.get("result") == {"chatty": True} for m in got), "upstream saw the enable")
        got = h.request("callseq", {"calls": [["chatty", {}]]}).json.get("result") or []
        is_([m for m in got if "id" not in m], [],
            "a new connection does not inherit notifications")
        is_(got[-1].get("result") if got else None, {"chatty": False}, "upstream agrees")
        h.close_stdin()
        h.wait_exit()


def huge_response():
    pol = policy(rpc={"allow": ["listchannels"]})
    with started(pol) as h:
        n = len(h.rpc._listchannels(None, None, None).raw)
        rep = callrpc(h, "listchannels", timeout=120)
        chans = (rep.get("result") or {}).get("channels") or []
        ok(n > 50 * 1000 * 1000, "host answer is %d bytes" % n)
        is_(len(compact(rep.get("result"))), n, "a 50 MB listchannels reaches the plugin whole")
        ok(len(chans) > 100000, "%d channels" % len(chans))
        h.close_stdin()
        h.wait_exit(30)


def late_socket():
    with runner(GOOD, policy(rpc={"allow": ["getinfo"]}), rpc="late") as h:
        h.start()
        h.getmanifest()
        h.init()
        ok("result" in callrpc(h, "getinfo"),
           "the host socket created after getmanifest works")
        h.close_stdin()
        h.wait_exit()


def sandboxed_cannot_reach_real_socket():
    with started(policy(rpc={"allow": ["getinfo"]})) as h:
        r = h.request("callrpc", ["getinfo", {}])
        res = r.json["result"]
        conf = h.request("hello", []).json["result"]["configuration"]
        is_(conf["rpc-file"], "/lightning-dir/lightning-rpc", "plugin uses the proxy socket")
        ok("result" in res, "and it works")
        h.close_stdin()
        h.wait_exit()


def socket_in_view():
    # lightningd's rpc-file can put its socket outside the lightning-dir.
    # If the policy binds a directory that holds it, the plugin could
    # connect past the proxy (a read-only mount and Landlock do not govern
    # connect()): the runner ends the plugin at init and exits 125. Checked
    # through a symlinked spelling too; a socket out of view works.
    base = tempfile.mkdtemp(prefix="prsock-")
    atexit.register(shutil.rmtree, base, True)
    os.chmod(base, 0o755)
    os.mkdir(os.path.join(base, "run"), 0o755)
    os.symlink(os.path.join(base, "run"), os.path.join(base, "link"))
    sock = os.path.join(base, "run", "lightning-rpc")
    for name, bound, rpc_at in (("bound directory", "run", sock),
                                ("bound directory, socket named through a link", "run",
                                 os.path.join(base, "link", "lightning-rpc")),
                                ("its parent bound", ".", sock)):
        ro = BASE_POLICY["sandbox"]["filesystem"]["read_only"] + [
            os.path.normpath(os.path.join(base, bound))]
        pol = policy(sandbox={"network": "none", "filesystem": {"read_only": ro}})
        with runner(GOOD, pol, rpc_at=rpc_at) as h:
            h.start()
            h.getmanifest()
            rid = h.next_id("init")
            h.send({"jsonrpc": "2.0", "id": rid, "method": "init",
                    "params": h.init_params()})
            eof = stdout_ends(h, 10)
            ok(eof, "%s: the runner ends at init" % name)
            is_(h.wait_exit(), 125, "%s: exit 125" % name)
            ok(stderr_has(h, "is inside %s" % os.path.normpath(os.path.join(base, bound))),
               "%s: the runner says which path shows it" % name)
            is_(h.rpc.requests, [], "%s: nothing reached lightningd" % name)
        if os.path.exists(sock):
            os.unlink(sock)
    with started(policy(), rpc_at=sock) as h:
        ok("result" in callrpc(h, "getinfo"), "a socket out of the sandbox's view: proxied")
        h.close_stdin()
        h.wait_exit()


def socket_in_view_by_a_mount():
    # The same with the socket's directory mounted beneath a bound
    # directory: binds are recursive, so it is in view though no policy
    # path leads to it. The mount is made in a private mount namespace,
    # which needs the host run as root.
    if os.geteuid() != 0 or fakehost.TEST_UID >= 0:
        skip("socket_in_view_by_a_mount: the mount needs the host as root")
        return
    base = tempfile.mkdtemp(prefix="prsock-")
    atexit.register(shutil.rmtree, base, True)
    os.chmod(base, 0o755)
    for d in ("run", "shared", "shared/sub"):
        os.mkdir(os.path.join(base, d), 0o755)
    ro = BASE_POLICY["sandbox"]["filesystem"]["read_only"] + [os.path.join(base, "shared")]
    pol = write_policy(policy(sandbox={"network": "none", "filesystem": {"read_only": ro}}))
    script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
    cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "binds",
           os.path.join(base, "run"), os.path.join(base, "shared", "sub"),
           PR_BIN, "--policy", pol, GOOD]
    with Host(cmd, rpc_at=os.path.join(base, "run", "lightning-rpc")) as h:
        h.start()
        h.getmanifest()
        rid = h.next_id("init")
        h.send({"jsonrpc": "2.0", "id": rid, "method": "init", "params": h.init_params()})
        ok(stdout_ends(h, 10), "a mount beneath a bound directory: the runner ends at init")
        is_(h.wait_exit(), 125, "a mount beneath a bound directory: exit 125")
        ok(stderr_has(h, "is inside %s/shared/sub" % base),
           "a mount beneath a bound directory: the runner names the mount")
        is_(h.rpc.requests, [], "a mount beneath a bound directory: nothing reached lightningd")


for c in (allowed_and_denied, exact_grants, deny_wins, check_wrapped, datastore_params,
          rate_limit, pipelining_and_notifications, huge_response, late_socket,
          sandboxed_cannot_reach_real_socket, socket_in_view, socket_in_view_by_a_mount):
    case(c)
done()
