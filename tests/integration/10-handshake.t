#!/usr/bin/python3
# 10-handshake.t - getmanifest/init through the runner equal the direct run
# (SPEC 2, 3, 5: compact re-serialisation + "\n\n"; init rewriting; env
# and argv reach the plugin).
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from prtest import *  # noqa: E402,F401,F403


def manifest_same_as_direct():
    with direct(GOOD) as d:
        d.start()
        dm = d.getmanifest()
        d.init()
        d.close_stdin()
        d.wait_exit()
    with runner(GOOD) as h:
        h.start()
        m = h.getmanifest()
        is_(m.json, dm.json, "manifest through the runner equals the direct manifest (parsed)")
        is_(m.raw, canonical(dm.json), "manifest bytes are the compact re-serialisation")
        ok(bytes(h.stdout_raw).startswith(m.raw + b"\n\n"),
           "manifest is followed by exactly \\n\\n")
        i = h.init()
        is_(i.raw, b'{"jsonrpc":"2.0","id":"%s","result":{}}' % i.id.encode(),
            "init answer is byte-exact compact")
        r = h.request("hello", ["x"])
        is_(r.json["result"]["message"], "hello x", "rpcmethod works through the runner")
        h.close_stdin()
        is_(h.wait_exit(), 0, "runner exits 0 when the plugin exits 0 on EOF")


def runs_as_the_hosts_user():
    # The second pass of `make check` (PR_TEST_UID) must really start the
    # runner unprivileged, or it tests the root path twice.
    want = fakehost.TEST_UID if fakehost.TEST_UID >= 0 else os.geteuid()
    with runner(GOOD) as h:
        h.start()
        h.getmanifest()
        with open("/proc/%d/status" % h.proc.pid) as f:
            st = dict(line.split(":", 1) for line in f if ":" in line)
        uids = st.get("Uid", "").split()
        gids = st.get("Gid", "").split()
        is_(uids, [str(want)] * 4, "the runner runs as the host's user, uid %d" % want)
        if fakehost.TEST_UID >= 0:
            is_(gids, [str(want)] * 4, "with the host's group and no other (gid)")
            is_(st.get("Groups", "").split(), [], "with the host's group and no other (groups)")
        h.close_stdin()
        is_(h.wait_exit(), 0, "runner exits 0 as uid %d" % want)


def init_rewritten():
    with runner(GOOD, developer=True) as h:
        h.start()
        h.getmanifest()
        h.init(options={"good-greeting": "hi"},
               proxy={"type": "ipv4", "address": "127.0.0.1", "port": 9050})
        r = h.request("hello", ["x"])
        res = r.json["result"]
        conf = res["configuration"]
        is_(conf.get("lightning-dir"), "/lightning-dir", "plugin sees lightning-dir /lightning-dir")
        is_(conf.get("rpc-file"), "/lightning-dir/lightning-rpc",
            "plugin sees rpc-file /lightning-dir/lightning-rpc")
        ok("proxy" not in conf, "proxy is dropped (network none)")
        is_(conf.get("network"), "regtest", "network kept")
        is_(conf.get("startup"), True, "startup kept")
        is_(conf.get("feature_set"), fakehost.FEATURE_SET, "feature_set kept")
        is_(res["options"], {"good-greeting": "hi"}, "options reach the plugin")
        is_(res["message"], "hi x", "option value used by the plugin")
        is_(res["cwd"], "/lightning-dir", "plugin's cwd is its private lightning-dir")
        ok(h.basedir.encode() not in r.raw,
           "the real lightning-dir path never reaches the plugin")
        is_(res["env"].get("LIGHTNINGD_PLUGIN"), "1", "LIGHTNINGD_PLUGIN=1 reaches the plugin")
        is_(res["env"].get("LIGHTNINGD_VERSION"), "v26.06.6",
            "LIGHTNINGD_VERSION reaches the plugin")
        is_(res["argv"][1:], ["--developer"], "--developer reaches the plugin")
        h.close_stdin()
        is_(h.wait_exit(), 0, "exit 0")


def init_numbers_byte_exact():
    # init is rewritten (its paths), but every other byte is lightningd's:
    # numbers a tree would change reach the plugin as written (SPEC 5).
    pol = policy(manifest={"options": ["hostile-*"]})
    with runner(HOSTILE, pol) as h:
        h.start()
        h.getmanifest()
        rid = h.next_id("init")
        params = compact(h.init_params()).replace(
            b'"options":{}', b'"options":{"hostile-n":18446744073709551615,"hostile-r":1.10,'
                             b'"hostile-z":-0,"hostile-e":1E400,"hostile-i":-9223372036854775808}')
        h.send_raw(b'{"jsonrpc":"2.0","id":' + compact(rid) + b',"method":"init","params":' +
                   params + b'}\n\n')
        h.wait_response(rid)
        raw = h.request("hello", ["raw"]).json["result"]["raw"]
        for lexeme in ("18446744073709551615", "1.10", "-0,", "1E400", "-9223372036854775808"):
            ok('":%s' % lexeme in raw, "init: %s reaches the plugin as written" % lexeme.rstrip(","))
        like(raw, '"rpc-file":"/lightning-dir/lightning-rpc"', "init: and the paths are the sandbox's")
        h.close_stdin()
        h.wait_exit()


def argv_order():
    with runner([GOOD, "--dev-debug-self", "--developer"]) as h:
        h.start()
        h.handshake()
        r = h.request("hello", [])
        is_(r.json["result"]["argv"][1:], ["--dev-debug-self", "--developer"],
            "plugin args reach the plugin untouched and in order")
        h.close_stdin()
        h.wait_exit()


def lightningd_env_from_host():
    # The host's LIGHTNINGD_VERSION value is what the plugin must see.
    with runner(GOOD, env={"LIGHTNINGD_VERSION": "v99.01-test"}) as h:
        h.start()
        h.handshake()
        r = h.request("hello", [])
        is_(r.json["result"]["env"].get("LIGHTNINGD_VERSION"), "v99.01-test",
            "LIGHTNINGD_VERSION is taken from the host's environment")
        h.close_stdin()
        h.wait_exit()


def pyln_refuses_without_env():
    # Baseline for the env test: the plugin really refuses without it.
    with direct(GOOD, env={"LIGHTNINGD_PLUGIN": None}) as d:
        d.start()
        ok(d.wait_exit() != 0, "baseline: goodplugin refuses to run without LIGHTNINGD_PLUGIN")


def plugin_start_prefix():
    # `plugin start`: getmanifest id carries the client's id prefix, init
    # says startup:false; both are relayed byte-exact.
    with runner(GOOD) as h:
        h.start()
        m = h.getmanifest(prefix="cli:plugin#30165/")
        is_(m.id, "cli:plugin#30165/cln:getmanifest#%d" % h.counter,
            "prefixed getmanifest id answered byte-exact")
        h.init(startup=False)
        r = h.request("hello", [])
        is_(r.json["result"]["configuration"]["startup"], False, "startup:false kept")
        h.close_stdin()
        h.wait_exit()


def db_write_before_init():
    pol = policy(manifest={"hooks": ["db_write"]})
    with runner([GOOD, "--hooks=db_write"], pol) as h:
        h.start()
        m = h.getmanifest()
        is_(m.json["result"]["hooks"], [{"name": "db_write"}], "db_write hook granted by exact name")
        r = h.hook("db_write", {"data_version": 1, "writes": ["PRAGMA foreign_keys = OFF;"]})
        is_(r.raw, b'{"jsonrpc":"2.0","id":"%s","result":{"result":"continue"}}' % r.id.encode(),
            "db_write before init: continue passes byte-exact")
        h.init()
        h.close_stdin()
        is_(h.wait_exit(), 0, "exit 0")


for c in (manifest_same_as_direct, runs_as_the_hosts_user, init_rewritten,
          init_numbers_byte_exact, argv_order,
          lightningd_env_from_host, pyln_refuses_without_env, plugin_start_prefix,
          db_write_before_init):
    case(c)
done()
